/**
 * `mlops:index:GpuTrainingCluster`: the Kubernetes platform every other component runs on, and
 * where training jobs get GPUs. It creates an EKS cluster with Karpenter GPU NodePools (aws), a
 * GKE cluster with GPU node pools (gcp), or adopts an existing cluster (local / bring-your-own),
 * then installs the same in-cluster parts everywhere: the NVIDIA GPU stack, DCGM exporter, Kueue
 * with a ClusterQueue per team, and team namespaces with quotas and NetworkPolicies.
 *
 * The cluster builder is picked from `CLUSTER_BUILDERS` by target; the component never branches
 * on the cloud. Other components take their cluster from here: `provider`, plus `aws` / `gcp`
 * (the details the model registry's adapters need).
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
import { installInClusterParts, LOCAL_QUEUE_NAME } from "./in-cluster";
import {
  GPU_TRAINING_CLUSTER_TYPE,
  type ClusterBuildContext,
  type ClusterHandle,
  type ResolvedGpuPool,
} from "./types";

export * from "./args";
export * from "./types";

/** How each target's cluster comes to be (an adopted cluster, on any target, uses "local"). */
const CLUSTER_BUILDERS: Record<
  Target,
  (ctx: ClusterBuildContext, a: ResolvedGpuTrainingClusterArgs) => ClusterHandle
> = {
  aws: (ctx, a) => createAwsCluster(ctx, a.aws!, a.gpuPools),
  // `dcgmExporter` on GKE is GKE's managed DCGM: the platform runs the exporter on its managed
  // drivers, and the in-cluster parts install none (see ClusterHandle.managedGpuMetrics).
  gcp: (ctx, a) =>
    createGcpCluster(ctx, a.gcp!, a.gpuPools, { managedDcgm: a.platform.managedGpuMetrics ?? false }),
  local: (ctx, a) => adoptExistingCluster(ctx, a.existing ?? {}),
};

/** A GPU training cluster (see the module comment). */
export class GpuTrainingCluster extends MlopsComponent {
  /** Provider for the cluster: pass it to the other components. */
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
  /** AWS details for the model registry's adapters (target "aws" with a created cluster). */
  public readonly aws: AwsTargetArgs | undefined;
  /** Google Cloud details for the model registry's adapters (target "gcp" with a created cluster). */
  public readonly gcp: GcpTargetArgs | undefined;
  /** The GPU pools, defaults applied. */
  public readonly gpuPools: ResolvedGpuPool[];
  /** Team name → namespace. */
  public readonly teamNamespaces: pulumi.Output<Record<string, string>>;
  /**
   * The IngressClass this component installed a controller for: "alb" on AWS (the AWS Load
   * Balancer Controller, unless `aws.loadBalancerController` is false); undefined on GCP and on an
   * adopted cluster. Pass it as the model registry's `ingress.className`.
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
    const handle = CLUSTER_BUILDERS[a.existing ? Target.local : a.target](ctx, a);
    const parts = installInClusterParts(ctx, handle, a.gpuPools, a.inCluster);
    const pools = a.gpuPools;

    this.provider = handle.provider;
    this.kubeconfig = pulumi.secret(handle.kubeconfig);
    this.clusterName = handle.clusterName;
    this.endpoint = handle.endpoint;
    this.aws = handle.aws;
    this.gcp = handle.gcp;
    this.gpuPools = pools;
    this.teamNamespaces = pulumi.all(
      Object.fromEntries(Object.entries(parts.teams).map(([team, p]) => [team, p.namespace.metadata.name])),
    );
    this.localQueueName = LOCAL_QUEUE_NAME;
    this.ingressClassName = handle.ingressClassName;
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
