/**
 * Kueue: the controller (Helm release in `kueue-system`) and the queueing objects.
 *
 * | Kind (kueue.x-k8s.io/v1beta2) | Name                  | Notes                                           |
 * | ----------------------------- | --------------------- | ----------------------------------------------- |
 * | ResourceFlavor (per GPU pool) | `<pool>`              | nodeLabels: pool label; tolerations: GPU taint  |
 * | ResourceFlavor                | `default-cpu`         | CPU and memory on any node                      |
 * | Cohort                        | `<component name>`    | the teams lend and borrow idle quota here       |
 * | ClusterQueue (per team)       | `<team>`              | cpu/memory group + nvidia.com/gpu group         |
 * | LocalQueue (per team)         | `training` in the team namespace | points at the team's ClusterQueue    |
 *
 * CPU/memory and GPUs are separate resource groups (the pattern of Kueue's ClusterQueue docs): a
 * GPU pod takes CPU and memory from `default-cpu` and GPUs from one pool's flavor; Kueue merges the
 * flavors' node labels, so the pod lands on that pool. The builders below return plain objects so
 * that tests validate them against the upstream schemas.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MlopsComponent, type ComponentContext } from "../../shared/component";
import type { BuiltCluster, ResolvedGpuPool } from "../types";
import { GPU_NODE_LABELS, GPU_TAINT } from "../types";
import { restrictedNamespaceLabels } from "../../shared/k8s";
import { dnsLabel } from "../../shared/names";
import { MonitorKind, ScrapeBackend, ScrapeScheme } from "../../shared/monitors";
import {
  createScrapeTarget,
  type ClusterMonitoring,
  type WorkloadScrapeTarget,
} from "../../shared/scrape-target";
import type { ReclaimWithinCohort, WithinClusterQueue } from "./args";
import {
  childOptions,
  CPU_FLAVOR_NAME,
  GPU_RESOURCE,
  KUEUE_NAMESPACE,
  labelsFor,
  LOCAL_QUEUE_NAME,
  platformNamespacePolicy,
  TEAM_LABEL,
} from "./common";
import { API_SERVER_CALLBACK_PORTS, KUEUE_METRICS_PORT, KUEUE_WEBHOOK_PORT } from "./ports";

/**
 * Kueue chart: `oci://registry.k8s.io/kueue/charts/kueue` (kubernetes-sigs/kueue
 * charts/kueue/README.md). The default version is 0.19.2, the newest release (2026-08-20); its CRDs
 * (config/components/crd/bases) are identical to the upstream schemas our tests were written from
 * for ClusterQueue, LocalQueue and Cohort, and differ for ResourceFlavor only in CEL
 * immutability rules on `topologyName`, which we do not use.
 */
export const KUEUE_CHART = "oci://registry.k8s.io/kueue/charts/kueue";

/**
 * Kueue controller image repository. Released charts point at it (hack/helm-chart-package.sh sets
 * `registry.k8s.io/kueue` for release tags); we set repository and tag explicitly so the pin is in
 * our code, not only in the chart.
 */
export const KUEUE_IMAGE_REPOSITORY = "registry.k8s.io/kueue/kueue";

/** API version of the Kueue objects (v1beta1 is deprecated since 0.15). */
export const KUEUE_API_VERSION = "kueue.x-k8s.io/v1beta2";

/**
 * The Kueue frameworks the toolkit submits: the training job template is a `batch/v1` Job
 * (job-template.ts). Every other integration stays off, so Kueue's Pod, Deployment and StatefulSet
 * webhooks are not in the admission path with `failurePolicy: Fail` (the chart sets `Fail` only for
 * the integrations listed here: charts/kueue/templates/webhook/manifests.yaml at v0.19.2, e.g.
 * `mpod.kb.io` / `mdeployment.kb.io` use `{{- if has "pod" $integrationsConfig.frameworks }}`).
 * Names from apis/config/v1beta2/configuration_types.go (`Integrations.Frameworks`).
 */
export const KUEUE_FRAMEWORKS = ["batch/job"] as const;

/**
 * The namespaces Kueue manages: the team namespaces (labelled `TEAM_LABEL`). The chart copies this
 * selector onto every job webhook (`namespaceSelector` of `mjob.kb.io`, `vjob.kb.io`, ... in
 * templates/webhook/manifests.yaml, replacing its default "not kube-system / kueue-system"), so
 * pods and Deployments elsewhere (MLflow, add-ons) never reach Kueue's webhooks.
 */
export function kueueManagedNamespaceSelector() {
  return { matchExpressions: [{ key: TEAM_LABEL, operator: "Exists" }] };
}

/**
 * Kueue's manager configuration (`config.kueue.x-k8s.io/v1beta2` Configuration). The chart takes
 * it as one YAML document (`managerConfig.controllerManagerConfigYaml`, charts/kueue/values.yaml
 * at v0.19.2), replacing the chart's default as a whole; so this is the chart default of v0.19.2
 * (health, metrics, webhook, leader election, controller concurrency, client QPS) with our
 * `managedJobsNamespaceSelector` and `integrations.frameworks`. The chart's template adds
 * `internalCertManagement` (templates/manager/manager-config.yaml).
 */
export function kueueManagerConfig() {
  return {
    apiVersion: "config.kueue.x-k8s.io/v1beta2",
    kind: "Configuration",
    health: { healthProbeBindAddress: ":8081" },
    metrics: { bindAddress: `:${KUEUE_METRICS_PORT}` },
    webhook: { port: KUEUE_WEBHOOK_PORT },
    leaderElection: { leaderElect: true, resourceName: "c1f6bfd2.kueue.x-k8s.io" },
    controller: {
      groupKindConcurrency: {
        "Job.batch": 5,
        Pod: 5,
        "Workload.kueue.x-k8s.io": 10,
        "LocalQueue.kueue.x-k8s.io": 5,
        "ClusterQueue.kueue.x-k8s.io": 5,
        "ResourceFlavor.kueue.x-k8s.io": 1,
      },
    },
    clientConnection: { qps: 300, burst: 500 },
    managedJobsNamespaceSelector: kueueManagedNamespaceSelector(),
    integrations: { frameworks: [...KUEUE_FRAMEWORKS] },
  };
}

/** Values of the Kueue chart. */
export function kueueValues(opts: { version: string; replicas: number }) {
  return {
    // The controller's monitor is ours (`kueueScrapeTarget`), created through the one helper.
    enablePrometheus: false,
    enableCertManager: false,
    enableKueueViz: false,
    controllerManager: {
      replicas: opts.replicas,
      podDisruptionBudget: { enabled: opts.replicas > 1, minAvailable: 1 },
      manager: {
        image: { repository: KUEUE_IMAGE_REPOSITORY, tag: `v${opts.version}`, pullPolicy: "IfNotPresent" },
      },
    },
    // JSON is YAML: the chart reads it with `fromYaml`.
    managerConfig: { controllerManagerConfigYaml: JSON.stringify(kueueManagerConfig(), null, 2) },
    // The webhook Service targets the port the manager listens on (API_SERVER_CALLBACK_PORTS).
    webhookService: { ports: [{ port: 443, protocol: "TCP", targetPort: KUEUE_WEBHOOK_PORT }] },
  };
}

/**
 * Kueue's controller metrics (the `pending_workloads`, `admission_attempts` series the Kueue rules
 * and the training-queues dashboard read): the chart's metrics Service (port "https", 8443,
 * labels `app.kubernetes.io/name: kueue`, `app.kubernetes.io/instance: kueue`,
 * `app.kubernetes.io/component: metrics-service`), served by controller-runtime's secure metrics
 * server: https with a self-signed certificate, and the caller's token checked with a
 * SubjectAccessReview. So, like Kueue's own ServiceMonitor (kubernetes-sigs/kueue
 * charts/kueue/templates/prometheus/monitor.yaml and values.yaml `metrics.serviceMonitor.tlsConfig`
 * at v0.19.2): the Prometheus's token, and no certificate verification. Not on GMP, whose
 * collectors send no token.
 */
export function kueueScrapeTarget(): WorkloadScrapeTarget {
  return {
    backends: [ScrapeBackend.prometheusOperator],
    kind: MonitorKind.serviceMonitor,
    name: "kueue-controller",
    namespace: KUEUE_NAMESPACE,
    selector: {
      "app.kubernetes.io/name": "kueue",
      "app.kubernetes.io/instance": "kueue",
      "app.kubernetes.io/component": "metrics-service",
    },
    endpoints: [
      {
        port: "https",
        scheme: ScrapeScheme.https,
        serviceAccountToken: true,
        tls: { insecureSkipVerify: true },
      },
    ],
  };
}

/** Object metadata of a cluster-scoped Kueue object. */
function clusterMeta(name: string, labels: Record<string, string>) {
  return { name, labels };
}

/** A ResourceFlavor for one GPU pool: its nodes carry the pool label and the GPU taint. */
export function gpuFlavorManifest(pool: ResolvedGpuPool, labels: Record<string, string>) {
  return {
    apiVersion: KUEUE_API_VERSION,
    kind: "ResourceFlavor",
    metadata: clusterMeta(pool.name, labels),
    spec: {
      nodeLabels: { [GPU_NODE_LABELS.pool]: pool.name },
      // Added to the pods Kueue admits on this flavor, so they can land on the tainted nodes.
      tolerations: [{ key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect }],
    },
  };
}

/** The ResourceFlavor for CPU and memory: any node. */
export function cpuFlavorManifest(labels: Record<string, string>) {
  return {
    apiVersion: KUEUE_API_VERSION,
    kind: "ResourceFlavor",
    metadata: clusterMeta(CPU_FLAVOR_NAME, labels),
    spec: {},
  };
}

/** The Cohort in which the teams' ClusterQueues lend and borrow. */
export function cohortManifest(name: string, labels: Record<string, string>) {
  return { apiVersion: KUEUE_API_VERSION, kind: "Cohort", metadata: clusterMeta(name, labels), spec: {} };
}

/** What a team's ClusterQueue is made of. */
export interface ClusterQueueInput {
  /** ClusterQueue name (the team name). */
  name: string;
  /** The team namespace; the only namespace whose workloads the queue admits. */
  namespace: string;
  cohort: string;
  cpuQuota: string;
  memoryQuota: string;
  gpuQuota: number;
  /** Pool names (= GPU flavor names), in preference order. Empty: the team gets no GPUs. */
  gpuFlavors: string[];
  canBorrow: boolean;
  reclaimWithinCohort: ReclaimWithinCohort;
  withinClusterQueue: WithinClusterQueue;
}

/** A team's ClusterQueue. */
export function clusterQueueManifest(q: ClusterQueueInput, labels: Record<string, string>) {
  const limit = (value: string | number) =>
    q.canBorrow ? { nominalQuota: value } : { nominalQuota: value, borrowingLimit: 0 };
  const resourceGroups: unknown[] = [
    {
      coveredResources: ["cpu", "memory"],
      flavors: [
        {
          name: CPU_FLAVOR_NAME,
          resources: [
            { name: "cpu", ...limit(q.cpuQuota) },
            { name: "memory", ...limit(q.memoryQuota) },
          ],
        },
      ],
    },
  ];
  if (q.gpuFlavors.length > 0) {
    resourceGroups.push({
      coveredResources: [GPU_RESOURCE],
      flavors: q.gpuFlavors.map((flavor) => ({
        name: flavor,
        resources: [{ name: GPU_RESOURCE, ...limit(q.gpuQuota) }],
      })),
    });
  }
  return {
    apiVersion: KUEUE_API_VERSION,
    kind: "ClusterQueue",
    metadata: clusterMeta(q.name, labels),
    spec: {
      cohortName: q.cohort,
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": q.namespace } },
      queueingStrategy: "BestEffortFIFO",
      resourceGroups,
      preemption: {
        reclaimWithinCohort: q.reclaimWithinCohort,
        withinClusterQueue: q.withinClusterQueue,
        // Borrowing never preempts another team's workloads; only reclaiming lent quota does.
        borrowWithinCohort: { policy: "Never" },
      },
    },
  };
}

/** The LocalQueue `training` in a team namespace. */
export function localQueueManifest(namespace: string, clusterQueue: string, labels: Record<string, string>) {
  return {
    apiVersion: KUEUE_API_VERSION,
    kind: "LocalQueue",
    metadata: { name: LOCAL_QUEUE_NAME, namespace, labels },
    spec: { clusterQueue },
  };
}

/** The `kueue-system` Namespace (the Kueue controller meets the "restricted" profile). */
export function kueueNamespaceManifest(labels: Record<string, string>) {
  return {
    apiVersion: "v1" as const,
    kind: "Namespace" as const,
    metadata: { name: KUEUE_NAMESPACE, labels: { ...labels, ...restrictedNamespaceLabels() } },
  };
}

/** Pulumi type token of the Kueue sub-component. */
export const KUEUE_TYPE = "mlops:index:Kueue";

/** What the team tenancies need of Kueue: the Cohort to join and what their queues wait for. */
export interface KueueHandle {
  /** The Cohort in which the teams' ClusterQueues lend and borrow (the cluster's name). */
  readonly cohortName: string;
  /** The Kueue release: its CRDs and validating webhooks must exist before any Kueue object. */
  readonly release: k8s.helm.v3.Release;
  /** What a ClusterQueue waits for: the release, the Cohort and every ResourceFlavor. */
  readonly clusterQueueDependencies: pulumi.Resource[];
}

/** What Kueue is made of (resolved by the cluster's in-cluster args). */
export interface KueueArgs {
  /**
   * The cluster's context: the objects are labelled for it and the Cohort is named after it;
   * environment, tags and protection are inherited.
   */
  context: ComponentContext;
  /** The cluster Kueue is installed into. */
  cluster: BuiltCluster;
  /** The cluster's GPU pools: one ResourceFlavor each. */
  pools: ResolvedGpuPool[];
  /** Kueue version (chart and image). */
  version: string;
  /** Controller replicas (a PodDisruptionBudget above 1). */
  replicas: number;
  /** The cluster's monitoring: the controller's monitor is created when it is on. */
  monitoring: ClusterMonitoring | undefined;
}

/**
 * `mlops:index:Kueue`, a sub-component of the GPU training cluster: the `kueue-system` namespace,
 * its NetworkPolicy, the Kueue release, a ResourceFlavor per GPU pool plus `default-cpu`, and the
 * Cohort (see the file comment). The teams' queues belong to the teams (`TeamTenancy`).
 *
 * Children (for a Kueue named `n`, `${cluster}-kueue` in the cluster): `n-system` (the namespace),
 * `n-system-network-policy`, the release `n`, `n-flavor-<flavor>` and `n-cohort`. The cluster
 * creates it with `movedFrom` aliases to the names its objects had as the cluster's own children
 * (`${cluster}-flavor-<flavor>`, `${cluster}-cohort`).
 */
export class Kueue extends MlopsComponent implements KueueHandle {
  /** The `kueue-system` namespace. */
  public readonly namespace: k8s.core.v1.Namespace;
  public readonly release: k8s.helm.v3.Release;
  /** `default-cpu`, then one per GPU pool. */
  public readonly flavors: k8s.apiextensions.CustomResource[];
  public readonly cohort: k8s.apiextensions.CustomResource;
  public readonly cohortName: string;
  public readonly clusterQueueDependencies: pulumi.Resource[];

  constructor(name: string, args: KueueArgs, opts?: pulumi.ComponentResourceOptions) {
    super(KUEUE_TYPE, name, opts);
    const { cluster: handle, context: cluster } = args;
    const ctx = this.context(cluster);
    const namespace = new k8s.core.v1.Namespace(
      `${ctx.name}-system`,
      kueueNamespaceManifest(labelsFor(cluster, "kueue")),
      childOptions(ctx, handle),
    );
    // The release is the component's main resource: it takes the component's own name.
    const release = new k8s.helm.v3.Release(
      ctx.name,
      {
        name: "kueue",
        chart: KUEUE_CHART,
        version: args.version,
        namespace: namespace.metadata.name,
        createNamespace: false,
        atomic: true,
        cleanupOnFail: true,
        values: kueueValues(args),
      },
      childOptions(ctx, handle, [namespace]),
    );
    // The API server calls the admission webhooks (9443) and the visibility APIService (8082): it is
    // outside the pod network. Without 8082 the APIService is unavailable, and namespace deletion
    // (which lists every API group) hangs. Metrics (8443) only from inside the cluster (Prometheus).
    platformNamespacePolicy(ctx, handle, namespace, labelsFor(cluster, "kueue-system"), [
      ...API_SERVER_CALLBACK_PORTS.filter((p) => p.namespace === KUEUE_NAMESPACE).map((p) => ({
        port: p.port,
        fromAnywhere: true,
      })),
      { port: KUEUE_METRICS_PORT, fromAnywhere: false },
    ]);

    createScrapeTarget(
      { ctx, provider: handle.provider, monitoring: args.monitoring, dependsOn: [release] },
      "monitor",
      kueueScrapeTarget(),
    );

    // ---- Kueue objects (after the release: CRDs and webhooks) ----
    const labels = labelsFor(cluster, "kueue");
    const afterKueue = childOptions(ctx, handle, [release]);
    const flavors = [
      kueueObject(`${ctx.name}-flavor-${CPU_FLAVOR_NAME}`, cpuFlavorManifest(labels), afterKueue),
      ...args.pools.map((pool) =>
        kueueObject(`${ctx.name}-flavor-${pool.name}`, gpuFlavorManifest(pool, labels), afterKueue),
      ),
    ];
    const cohortName = dnsLabel([cluster.name]);
    const cohort = kueueObject(`${ctx.name}-cohort`, cohortManifest(cohortName, labels), afterKueue);

    this.namespace = namespace;
    this.release = release;
    this.flavors = flavors;
    this.cohort = cohort;
    this.cohortName = cohortName;
    this.clusterQueueDependencies = [release, cohort, ...flavors];
    this.registerOutputs({
      namespace: namespace.metadata.name,
      release: release.name,
      cohortName,
    });
  }
}

/**
 * Registers a Kueue object from its manifest (after the Kueue release: the CRDs and the
 * validating webhooks must exist).
 */
export function kueueObject(
  pulumiName: string,
  manifest: { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec: unknown },
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(pulumiName, manifest, opts);
}
