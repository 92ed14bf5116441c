/**
 * `mlops:index:GpuTrainingCluster`: the Kubernetes platform every other component runs on, and
 * where training jobs get GPUs. It creates an EKS cluster with Karpenter GPU NodePools (aws), a
 * GKE cluster with GPU node pools (gcp), or adopts an existing cluster (local / bring-your-own),
 * then installs the same in-cluster parts everywhere: the NVIDIA GPU stack, DCGM exporter, Kueue
 * with a ClusterQueue per team, and team namespaces with quotas and NetworkPolicies.
 *
 * The cluster builder is picked from `CLUSTER_BUILDERS` by target; the component never branches
 * on the cloud. Other components take their cluster from here: `handle` (a `ClusterHandle`: the
 * provider, target, environment, cloud details, GPU placement).
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Target, type AwsTargetArgs, type GcpTargetArgs } from "../adapters";
import { MlopsComponent } from "../shared/component";
import { resolvedOrThrow } from "../shared/contract";
import {
  resolveGpuTrainingClusterArgs,
  type GpuTrainingClusterArgs,
  type ResolvedGpuTrainingClusterArgs,
} from "./args";
import { createAwsCluster } from "./aws";
import { adoptExistingCluster } from "./existing";
import { createGcpCluster } from "./gcp";
import { handleOf } from "./handle";
import { installInClusterParts, LOCAL_QUEUE_NAME } from "./in-cluster";
import { installClusterMonitoring } from "./monitoring";
import {
  GPU_TRAINING_CLUSTER_TYPE,
  type BuiltCluster,
  type ClusterBuildContext,
  type ClusterHandle,
  type ResolvedGpuPool,
} from "./types";

export * from "./args";
export * from "./types";
export {
  clusterAdapter,
  existingClusterHandle,
  existingObjectStore,
  type ExistingClusterCertificatesArgs,
  type ExistingClusterHandleArgs,
  type ExistingObjectStoreArgs,
  type ExistingClusterMonitoringArgs,
} from "./handle";
export { PROMETHEUS_OPERATOR_CRDS_CHART } from "./monitoring";
// The rest of the public surface of the cluster's parts (the package's entry point,
// components/index.ts, imports the cluster only through this module).
export type { AwsClusterArgs } from "./aws/args";
export type { GcpClusterArgs } from "./gcp/args";
export type { ExistingClusterArgs } from "./existing";
export {
  GpuStack,
  TEAM_ALERTS_DEFAULTS,
  TEAM_ALERT_RECEIVER,
  DEFAULT_CERT_MANAGER_VERSION,
  type ClusterCertManagerArgs,
  type ClusterMonitoringArgs,
  type InClusterArgs,
  type TeamArgs,
  type TeamAlertsArgs,
} from "./in-cluster/args";
export {
  TrainingJob,
  TRAINING_JOB_TYPE,
  QUEUE_NAME_LABEL,
  cpuOnlyGpuPlacementProblem,
  TRAINING_JOB_COMPONENT,
  trainingJobManifest,
  type TrainingJobArgs,
} from "./in-cluster/job-template";
export { CERT_MANAGER_NAMESPACE, LOCAL_QUEUE_NAME, TEAM_SERVICE_ACCOUNT } from "./in-cluster/common";
/** The pod ports the API server calls (webhooks, APIServices), from which the GKE firewall and NetworkPolicies follow. */
export {
  API_SERVER_CALLBACK_PORTS,
  KEDA_METRICS_API_PORT,
  KEDA_NAMESPACE,
  KEDA_WEBHOOK_PORT,
  KSERVE_NAMESPACE,
  KSERVE_WEBHOOK_PORT,
  type ApiServerCallbackPort,
} from "./in-cluster/ports";
export {
  CERT_MANAGER_CHART,
  CERT_MANAGER_TYPE,
  CertManager,
  INTERNAL_CA_NAME,
} from "./in-cluster/cert-manager";
/** The GPU instance families (AWS) and machines (GCP) pools can use; the policy pack's defaults are generated from them. */
export { AWS_GPU_INSTANCE_FAMILIES } from "./aws/nodepools";
export { GCP_GPU_MACHINES } from "./gcp/machines";
/** @internal zod schema of a training pod's GPU count */
export { gpuCountSchema } from "./in-cluster/job-template";
/** @internal see clusterHandleSchema */
export {
  checkClusterHandleDetails,
  clusterComponentArgsShape,
  clusterHandleSchema,
  withClusterHandleDetails,
} from "./handle";

/** How each target's cluster comes to be (an adopted cluster, on any target, uses "local"). */
const CLUSTER_BUILDERS: Record<
  Target,
  (ctx: ClusterBuildContext, a: ResolvedGpuTrainingClusterArgs) => BuiltCluster
> = {
  aws: (ctx, a) => createAwsCluster(ctx, a.aws!, a.gpuPools),
  // `dcgmExporter` on GKE is GKE's managed DCGM: the platform runs the exporter on its managed
  // drivers, and the in-cluster parts install none (see BuiltCluster.managedGpuMetrics).
  gcp: (ctx, a) =>
    createGcpCluster(ctx, a.gcp!, a.gpuPools, { managedDcgm: a.platform.managedGpuMetrics ?? false }),
  local: (ctx, a) => adoptExistingCluster(ctx, a.existing ?? {}),
};

/** A GPU training cluster (see the module comment). */
export class GpuTrainingCluster extends MlopsComponent {
  /**
   * The cluster's handle: pass it as `cluster` to the other components (model registry, ...).
   * Provider, target, environment, cluster name, cloud details (`aws` / `gcp`), IngressClass and
   * GPU placement (node labels, taint, pools) in one plain value.
   */
  public readonly handle: ClusterHandle;
  /** Provider for the cluster (also `handle.provider`). */
  public readonly provider: k8s.Provider;
  /** Kubeconfig (secret). */
  public readonly kubeconfig: pulumi.Output<string>;
  /**
   * Physical cluster name: `args.clusterName`, else `<component name>-<stack>` for a cluster this
   * component creates; `existing.clusterName` (else the context or component name) for an adopted one.
   */
  public readonly clusterName: pulumi.Output<string>;
  /** API server endpoint ("" for an adopted kubeconfig). */
  public readonly endpoint: pulumi.Output<string>;
  /** AWS network and identity details (target "aws": a created cluster's, or `existing.aws`); also `handle.aws`. */
  public readonly aws: AwsTargetArgs | undefined;
  /** Google Cloud project and network details (target "gcp": a created cluster's, or `existing.gcp`); also `handle.gcp`. */
  public readonly gcp: GcpTargetArgs | undefined;
  /** The GPU pools, defaults applied. */
  public readonly gpuPools: ResolvedGpuPool[];
  /** Team name → namespace. */
  public readonly teamNamespaces: pulumi.Output<Record<string, string>>;
  /**
   * The IngressClass this component installed a controller for: "alb" on AWS (the AWS Load
   * Balancer Controller, unless `aws.loadBalancerController` is false); undefined on GCP and on an
   * adopted cluster. Also `handle.ingressClassName`.
   */
  public readonly ingressClassName: string | undefined;
  /** Name of the LocalQueue in every team namespace (jobs set `kueue.x-k8s.io/queue-name` to it). */
  public readonly localQueueName: string;

  constructor(name: string, args: GpuTrainingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GPU_TRAINING_CLUSTER_TYPE, name, opts);
    const a = resolvedOrThrow(resolveGpuTrainingClusterArgs(args), this, GPU_TRAINING_CLUSTER_TYPE);
    const ctx: ClusterBuildContext = {
      ...this.context(a),
      ...(a.clusterName !== undefined ? { clusterName: a.clusterName } : {}),
    };
    const built = CLUSTER_BUILDERS[a.existing ? Target.local : a.target](ctx, a);
    // Monitoring first (the CRDs every monitor comes after), then the in-cluster parts.
    const monitoring = installClusterMonitoring(ctx, built, a.inCluster.monitoring);
    const parts = installInClusterParts(ctx, built, a.gpuPools, a.inCluster, monitoring);
    const pools = a.gpuPools;

    this.handle = handleOf(
      built,
      a.target,
      a.environment,
      pools,
      monitoring,
      parts.certManager?.certificates,
    );
    this.provider = built.provider;
    this.kubeconfig = pulumi.secret(built.kubeconfig);
    this.clusterName = built.clusterName;
    this.endpoint = built.endpoint;
    this.aws = built.aws;
    this.gcp = built.gcp;
    this.gpuPools = pools;
    this.teamNamespaces = pulumi.all(
      Object.fromEntries(Object.entries(parts.teams).map(([team, p]) => [team, p.namespace.metadata.name])),
    );
    this.localQueueName = LOCAL_QUEUE_NAME;
    this.ingressClassName = built.ingressClassName;
    this.registerOutputs({
      kubeconfig: this.kubeconfig,
      clusterName: this.clusterName,
      endpoint: this.endpoint,
      gpuPools: this.gpuPools,
      teamNamespaces: this.teamNamespaces,
      localQueueName: this.localQueueName,
      ingressClassName: this.ingressClassName,
    });
  }
}
