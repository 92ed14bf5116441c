/**
 * How a component that owns a workload creates its monitor (issue 9, "scrape coverage"): through
 * `createScrapeTarget`, the one Pulumi-level helper, from the cluster's `monitoring` (a
 * `ClusterHandle` field). Monitoring off (`undefined`) creates nothing; on, the monitor is a
 * ServiceMonitor / PodMonitor (`prometheusOperator`) or a GMP PodMonitoring (`gmp`), created after
 * the CRDs it needs (`dependsOn`), so no component that creates a monitor races the CRDs and no
 * ordering cycle arises: the CRDs come with the cluster, the Prometheus that reads the monitors
 * comes with the Monitoring component, and every other component only needs the cluster.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ComponentContext } from "./component";
import {
  ScrapeBackend,
  ScrapeTargetArgsError,
  scrapeTargetManifests,
  type ScrapeTargetArgs,
} from "./monitors";

/** How the workloads on a cluster are scraped, when monitoring is on (a `ClusterHandle`'s `monitoring`). */
export interface ClusterMonitoring {
  /**
   * Who scrapes: the in-cluster prometheus-operator (ServiceMonitors, PodMonitors,
   * PrometheusRules) or Google Cloud Managed Service for Prometheus (PodMonitoring, Rules).
   */
  backend: ScrapeBackend;
  /**
   * What a monitor or rule must be created after: the prometheus-operator CRDs the cluster
   * installs; empty when they come from elsewhere (GKE's own GMP CRDs, or CRDs the cluster's
   * owner installed).
   */
  dependsOn: pulumi.Resource[];
}

/**
 * The label of the namespace the in-cluster Prometheus runs in: the `Monitoring` component sets it
 * on its namespace, and a workload's NetworkPolicy admits its metrics port from namespaces with it
 * (`scraperIngressRule`). Set it on your own Prometheus's namespace when you bring one.
 */
export const METRICS_SCRAPER_NAMESPACE_LABEL = {
  key: "mlops.pulumi.com/metrics-scraper",
  value: "true",
} as const;

/**
 * Where GMP's managed collectors run on GKE (a DaemonSet in `gmp-system`; GoogleCloudPlatform/
 * prometheus-engine manifests/operator.yaml), matched by the namespace-name label Kubernetes sets.
 */
export const GMP_COLLECTOR_NAMESPACE = "gmp-system";

/** Labels of the namespaces the cluster's scrapers run in, per backend. */
export function scraperNamespaceLabels(backend: ScrapeBackend): Record<string, string> {
  return backend === ScrapeBackend.gmp
    ? { "kubernetes.io/metadata.name": GMP_COLLECTOR_NAMESPACE }
    : { [METRICS_SCRAPER_NAMESPACE_LABEL.key]: METRICS_SCRAPER_NAMESPACE_LABEL.value };
}

/**
 * The NetworkPolicy ingress rule that admits the cluster's scrapers to `ports` of a workload
 * whose namespace is default-deny; undefined when monitoring is off (nothing to admit).
 */
export function scraperIngressRule(
  monitoring: ClusterMonitoring | undefined,
  ports: number[],
): k8s.types.input.networking.v1.NetworkPolicyIngressRule | undefined {
  if (monitoring === undefined) return undefined;
  return {
    from: [{ namespaceSelector: { matchLabels: scraperNamespaceLabels(monitoring.backend) } }],
    ports: ports.map((port) => ({ protocol: "TCP", port })),
  };
}

/** A scrape target of a workload, as its owner describes it (the backend comes from the cluster). */
export interface WorkloadScrapeTarget extends Omit<ScrapeTargetArgs, "backend"> {
  /**
   * The backends that can scrape the workload as described. A target a backend cannot express
   * (e.g. an https endpoint behind Kubernetes authorisation on GMP) lists only the others; on a
   * cluster scraped by another backend it is not created, and `createScrapeTarget` says so in
   * the engine's log. @default every backend
   */
  backends?: ScrapeBackend[];
}

/** Where and how a monitor is created: under its owner, on the cluster's provider. */
export interface ScrapeTargetPlacement {
  /** The owner's context: the monitor is its child `${ctx.name}-<role>`. */
  ctx: Pick<ComponentContext, "name" | "opts">;
  /** The cluster's Kubernetes provider. */
  provider: k8s.Provider;
  /** The cluster's monitoring (`ClusterHandle.monitoring`); undefined: monitoring is off. */
  monitoring: ClusterMonitoring | undefined;
  /** What else the monitor comes after (the owner's namespace, its release). @default [] */
  dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/**
 * Whether `createScrapeTarget` creates the monitor of a target with these `backends` on a cluster
 * with `monitoring`: monitoring is on and its backend is one of them. A workload opens its
 * NetworkPolicy to the scrapers, or keeps scrape credentials, only when this holds.
 */
export function isScraped(
  monitoring: ClusterMonitoring | undefined,
  target: Pick<WorkloadScrapeTarget, "backends">,
): boolean {
  if (monitoring === undefined) return false;
  return target.backends === undefined || target.backends.includes(monitoring.backend);
}

/**
 * Creates the monitor of `target` under its owner (named `${ctx.name}-<role>`), or nothing when
 * monitoring is off or the cluster's backend is not one of `target.backends`. Invalid target
 * args are a bug of the owning component: they throw, listing every problem.
 */
export function createScrapeTarget(
  placement: ScrapeTargetPlacement,
  role: string,
  target: WorkloadScrapeTarget,
): k8s.apiextensions.CustomResource | undefined {
  const { ctx, monitoring } = placement;
  if (monitoring === undefined) return undefined;
  const { backends: _backends, ...args } = target;
  if (!isScraped(monitoring, target)) {
    void pulumi.log.info(
      `${ctx.name}: no monitor "${args.name}" on a cluster scraped by "${monitoring.backend}" (it cannot express this target)`,
    );
    return undefined;
  }
  return createMonitoringObject(
    placement,
    monitoring,
    role,
    () => scrapeTargetManifests({ ...args, backend: monitoring.backend }),
    ScrapeTargetArgsError,
  );
}

/**
 * Creates a monitoring object of an owner (a monitor, an AlertmanagerConfig), named
 * `${ctx.name}-<role>`, on the cluster's provider after the cluster's monitoring CRDs and
 * `placement.dependsOn`. `render` builds its manifest; an `argsError` it throws (invalid args: a
 * bug of the owner) is rethrown naming the child.
 */
export function createMonitoringObject(
  placement: ScrapeTargetPlacement,
  monitoring: ClusterMonitoring,
  role: string,
  render: () => k8s.apiextensions.CustomResourceArgs,
  argsError: abstract new (...args: never[]) => Error,
): k8s.apiextensions.CustomResource {
  const { ctx, provider } = placement;
  let manifest;
  try {
    manifest = render();
  } catch (err) {
    if (err instanceof argsError) throw new Error(`${ctx.name}-${role}: ${err.message}`);
    throw err;
  }
  const dependsOn = pulumi
    .output(placement.dependsOn ?? [])
    .apply((extra) => [...monitoring.dependsOn, ...extra]);
  return new k8s.apiextensions.CustomResource(
    `${ctx.name}-${role}`,
    manifest,
    ctx.opts({ provider, dependsOn }),
  );
}
