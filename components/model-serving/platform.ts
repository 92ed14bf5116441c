/**
 * `mlops:index:ServingPlatform`, the part of ModelServing installed once per cluster: KServe in
 * Standard mode and KEDA (pins, values and policies in platform-values.ts). ModelServing creates
 * it as `${name}-platform` unless `installPlatform` is false (a second ModelServing on the same
 * cluster); its InferenceServices, ScaledObjects and TriggerAuthentications come after `ready`.
 *
 * Needs the cluster's cert-manager (`ClusterHandle.certificates`): KServe's webhook certificate
 * and KEDA's webhook / metrics API certificate are cert-manager Certificates (KEDA's from the
 * cluster's issuer; KServe's from the chart's own namespaced self-signed Issuer, which its chart
 * hard-codes), and cert-manager's cainjector fills the webhooks' and the APIService's CA bundles.
 * Without it the constructor refuses with `args.cluster: ...`.
 *
 * Both namespaces are "restricted" (every KServe and KEDA pod meets it: no exception), default
 * deny, with one NetworkPolicy each: the API server reaches the webhooks and KEDA's metrics API
 * (the ports of API_SERVER_CALLBACK_PORTS, which the GKE firewall opens too), the cluster's
 * scrapers reach the metrics when monitoring is on, KEDA's operator reaches the Prometheus its
 * triggers query.
 *
 * Children (for a ServingPlatform named `n`):
 * - `n-kserve-namespace` (RestrictedNamespace `kserve`), `n-kserve-network-policy`;
 * - the Helm releases `n-kserve-crd` → `n-kserve` → `n-kserve-runtimes` (in that order, and
 *   `n-kserve` after `n-keda`; the CRD release is protected and retained in an environment that
 *   protects stateful resources: uninstalling it would delete every InferenceService);
 * - `n-kserve-monitor` (a ServiceMonitor, with monitoring on a prometheus-operator backend);
 * - `n-keda-namespace` (RestrictedNamespace `keda`), `n-keda-network-policy`, the release `n-keda`
 *   (after cert-manager and, with monitoring, the Prometheus CRDs);
 * - `n-keda-monitor` (a PodMonitor / PodMonitoring, with monitoring on).
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { clusterHandleSchema, type ClusterHandle } from "../training-cluster";
import { MlopsComponent } from "../shared/component";
import { resolvedOrThrow, resolveWith, type Problem, type Resolution } from "../shared/contract";
import { governanceLabels, standardLabels } from "../shared/k8s";
import { PRESETS, type Environment } from "../shared/presets";
import { RestrictedNamespace } from "../shared/restricted-namespace";
import { METRICS_READER_LABEL } from "../shared/monitors";
import { tagsSchema } from "../shared/schemas";
import { createScrapeTarget } from "../shared/scrape-target";
import {
  KEDA_CHART,
  KEDA_NAMESPACE,
  kedaNetworkPolicySpec,
  kedaScrapeTarget,
  kedaValues,
  KSERVE_CHARTS,
  KSERVE_NAMESPACE,
  KSERVE_RELEASES,
  KSERVE_VERSION,
  kserveNetworkPolicySpec,
  kserveResourcesValues,
  kserveRuntimeConfigsValues,
  kserveScrapeTarget,
} from "./platform-values";

/** The Pulumi type token of the serving platform. */
export const SERVING_PLATFORM_TYPE = "mlops:index:ServingPlatform";

/** Arguments of {@link ServingPlatform}. */
export interface ServingPlatformArgs {
  /** The cluster (provider, target, certificates, monitoring). */
  cluster: ClusterHandle;
  /** Labels/tags of every object (the cluster's `environment` is always added). @default {} */
  tags?: Record<string, string>;
}

/**
 * @internal zod schema of {@link ServingPlatformArgs}: kept out of the published declarations.
 */
export const servingPlatformArgsSchema = z
  .object({
    cluster: clusterHandleSchema,
    tags: tagsSchema.optional(),
  })
  .strict();

/** {@link ServingPlatformArgs} with the defaults applied. */
export interface ResolvedServingPlatformArgs {
  cluster: ClusterHandle & { certificates: NonNullable<ClusterHandle["certificates"]> };
  /** The cluster's environment: picks replicas, PodDisruptionBudgets and protection. */
  environment: Environment;
  /** The tags, `environment` included. */
  tags: Record<string, string>;
  /** Replicas of KEDA's operator, metrics API server and webhooks (the preset's `replicas`). */
  replicas: number;
  /** PodDisruptionBudgets for them (the preset's `podDisruptionBudget`). */
  podDisruptionBudget: boolean;
  /** Protect and retain the KServe CRD release (the preset's `protectStatefulResources`). */
  protect: boolean;
}

/** Why the platform needs cert-manager, in the message of a cluster without it. */
export const NO_CERT_MANAGER_MESSAGE =
  "has no cert-manager (its handle has no `certificates`): KServe's webhooks and KEDA's webhooks and metrics API get their certificates from it; turn certManager.enabled on for the GpuTrainingCluster (or give existingClusterHandle the issuer of the cert-manager you run)";

/**
 * Parses and resolves {@link ServingPlatformArgs}: every problem as `{ path, message }`, the
 * defaults from the cluster's environment preset.
 * @internal
 */
export function resolveServingPlatformArgs(
  args: ServingPlatformArgs,
): Resolution<ResolvedServingPlatformArgs> {
  return resolveWith(servingPlatformArgsSchema, args, (v, fieldsValid) => {
    const problems: Problem[] = [];
    // A value that is not a handle is already reported by the schema.
    if (!clusterHandleSchema.safeParse(v.cluster).success) return { resolved: undefined, problems };
    const cluster = v.cluster;
    const certificates = cluster.certificates;
    if (certificates === undefined) problems.push({ path: ["cluster"], message: NO_CERT_MANAGER_MESSAGE });
    if (!fieldsValid || certificates === undefined || problems.length > 0) {
      return { resolved: undefined, problems };
    }
    const environment = cluster.environment;
    const preset = PRESETS[environment];
    return {
      resolved: {
        cluster: { ...cluster, certificates },
        environment,
        tags: { environment, ...(v.tags ?? {}) },
        replicas: preset.replicas,
        podDisruptionBudget: preset.podDisruptionBudget,
        protect: preset.protectStatefulResources,
      },
      problems,
    };
  });
}

/** KServe (Standard mode) + KEDA, once per cluster; needs the cluster's cert-manager (ClusterHandle.certificates). */
export class ServingPlatform extends MlopsComponent {
  /** What every InferenceService / ScaledObject / TriggerAuthentication must come after (CRDs, controllers, webhooks). */
  public readonly ready: pulumi.Resource[];
  /** Namespace of the KServe controller ("kserve"). */
  public readonly kserveNamespace: string;
  /** Namespace of KEDA ("keda"); its metrics API server / operator reach the Prometheus a trigger names. */
  public readonly kedaNamespace: string;

  constructor(name: string, args: ServingPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super(SERVING_PLATFORM_TYPE, name, opts);
    const a = resolvedOrThrow(resolveServingPlatformArgs(args), this, SERVING_PLATFORM_TYPE);
    const ctx = this.context(a);
    const { provider, monitoring, certificates } = a.cluster;
    const labels = (role: string) => ({
      ...governanceLabels(a.tags),
      ...standardLabels("model-serving", name, role),
    });

    // ---- KEDA ----
    const kedaNs = new RestrictedNamespace(
      `${name}-keda-namespace`,
      // KEDA's operator queries the in-cluster Prometheus for Prometheus triggers.
      { namespace: KEDA_NAMESPACE, labels: { ...labels("keda"), ...METRICS_READER_LABEL } },
      ctx.opts({ provider }),
    );
    const kedaNsReady = [kedaNs.namespace, kedaNs.defaultDeny];
    const kedaPolicy = new k8s.networking.v1.NetworkPolicy(
      `${name}-keda-network-policy`,
      {
        metadata: { name: "keda", namespace: kedaNs.namespaceName, labels: labels("keda") },
        spec: kedaNetworkPolicySpec(monitoring),
      },
      ctx.opts({ provider, dependsOn: kedaNsReady }),
    );
    // After cert-manager (its Certificate names the cluster's issuer) and, with monitoring, after
    // the Prometheus CRDs. Before KServe's controller: it watches the ScaledObjects it creates for
    // `autoscalerClass: keda` only when their CRD exists at its start (`IsCrdAvailable` in
    // pkg/controller/v1beta1/inferenceservice/controller.go at v0.20.0).
    const keda = new k8s.helm.v3.Release(
      `${name}-keda`,
      {
        name: "keda",
        chart: KEDA_CHART.chart,
        version: KEDA_CHART.version,
        repositoryOpts: { repo: KEDA_CHART.repo },
        namespace: kedaNs.namespaceName,
        createNamespace: false,
        atomic: true,
        cleanupOnFail: true,
        maxHistory: 10,
        values: kedaValues({
          issuer: certificates,
          replicas: a.replicas,
          podDisruptionBudget: a.podDisruptionBudget,
        }),
      },
      ctx.opts({
        provider,
        dependsOn: [...kedaNsReady, kedaPolicy, ...certificates.dependsOn, ...(monitoring?.dependsOn ?? [])],
      }),
    );
    createScrapeTarget({ ctx, provider, monitoring, dependsOn: [keda] }, "keda-monitor", kedaScrapeTarget());

    // ---- KServe ----
    const kserveNs = new RestrictedNamespace(
      `${name}-kserve-namespace`,
      { namespace: KSERVE_NAMESPACE, labels: labels("kserve") },
      ctx.opts({ provider }),
    );
    const kserveNsReady = [kserveNs.namespace, kserveNs.defaultDeny];
    const kservePolicy = new k8s.networking.v1.NetworkPolicy(
      `${name}-kserve-network-policy`,
      {
        metadata: { name: "kserve-controller", namespace: kserveNs.namespaceName, labels: labels("kserve") },
        spec: kserveNetworkPolicySpec(monitoring),
      },
      ctx.opts({ provider, dependsOn: kserveNsReady }),
    );
    const release = (chart: string, releaseName: string, values: Record<string, unknown>) => ({
      name: releaseName,
      chart,
      version: KSERVE_VERSION,
      namespace: kserveNs.namespaceName,
      createNamespace: false,
      atomic: true,
      cleanupOnFail: true,
      maxHistory: 10,
      values,
    });
    // The CRDs: removing this release would delete every InferenceService, so it is protected
    // (and retained on delete) where the environment protects stateful resources.
    const kserveCrd = new k8s.helm.v3.Release(
      `${name}-kserve-crd`,
      release(KSERVE_CHARTS.crd, KSERVE_RELEASES.crd, {}),
      ctx.statefulOpts({ provider, dependsOn: kserveNsReady }),
    );
    // The controller, its webhooks (their Certificate needs cert-manager's CRDs, webhook and
    // cainjector: `certificates.dependsOn`) and the controller's ConfigMap; after KEDA (above).
    const kserve = new k8s.helm.v3.Release(
      `${name}-kserve`,
      release(KSERVE_CHARTS.resources, KSERVE_RELEASES.resources, kserveResourcesValues()),
      ctx.opts({
        provider,
        dependsOn: [...kserveNsReady, kservePolicy, kserveCrd, keda, ...certificates.dependsOn],
      }),
    );
    // The ClusterServingRuntimes, admitted by the controller's validating webhook.
    const runtimes = new k8s.helm.v3.Release(
      `${name}-kserve-runtimes`,
      release(KSERVE_CHARTS.runtimeConfigs, KSERVE_RELEASES.runtimeConfigs, kserveRuntimeConfigsValues()),
      ctx.opts({ provider, dependsOn: [kserve] }),
    );
    createScrapeTarget(
      { ctx, provider, monitoring, dependsOn: [kserve] },
      "kserve-monitor",
      kserveScrapeTarget(),
    );

    this.ready = [kserveCrd, kserve, runtimes, keda];
    this.kserveNamespace = KSERVE_NAMESPACE;
    this.kedaNamespace = KEDA_NAMESPACE;
    this.registerOutputs({ kserveNamespace: KSERVE_NAMESPACE, kedaNamespace: KEDA_NAMESPACE });
  }
}
