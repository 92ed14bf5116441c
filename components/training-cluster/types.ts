/**
 * Contracts between the parts of `mlops:index:GpuTrainingCluster` (issue 3):
 *
 *   args.ts        the public args interface + zod schema (GpuTrainingClusterArgs)
 *   index.ts       the component: validates args, picks the cluster builder for the target from
 *                  CLUSTER_BUILDERS (no if-chains on the cloud), then installs the in-cluster parts
 *   aws/           createAwsCluster: VPC, EKS, system node group, Karpenter + GPU NodePools
 *   gcp/           createGcpCluster: VPC-native network, GKE, system + GPU node pools
 *   existing/      adoptExistingCluster: a kubeconfig (kind, k3d, any cluster)
 *   in-cluster/    installInClusterParts: the sub-components NvidiaGpuStack (device plugin /
 *                  operator, DCGM exporter), Kueue, and a TeamTenancy per team (namespace,
 *                  quotas, queues); the training job template
 *
 * A cluster builder returns a `BuiltCluster`; the in-cluster parts only see it. Other components
 * see only the public `ClusterHandle` (handle.ts builds it).
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { AwsTargetArgs, GcpTargetArgs, Target } from "../adapters";
import type { ComponentContext } from "../shared/component";
import type { ClusterCertificates } from "../shared/certificates";
import type { ClusterMonitoring, WorkloadScrapeTarget } from "../shared/scrape-target";
import type { Environment } from "../shared/presets";

/** The Pulumi type token of the component; errors of every builder are reported for it. */
export const GPU_TRAINING_CLUSTER_TYPE = "mlops:index:GpuTrainingCluster";

/**
 * What the component hands a cluster builder (`createAwsCluster`, `createGcpCluster`): the
 * component's context (owner, name, environment, tags, protection, `opts()` / `statefulOpts()`;
 * the stateful children are the cluster and its secrets key) plus the physical cluster name.
 */
export interface ClusterBuildContext extends ComponentContext {
  /**
   * Physical cluster name chosen by the user (the component's `clusterName` arg).
   * @default `<name>-<stack>` (see `physicalNameBase`)
   */
  clusterName?: string;
}

/** GPU models a pool can offer. Each cloud maps them to its instance types / accelerator names. */
export const GpuType = {
  /** NVIDIA L4 (AWS g6, GCP g2-standard-*). */
  nvidiaL4: "nvidia-l4",
  /** NVIDIA A10G (AWS g5). */
  nvidiaA10g: "nvidia-a10g",
  /** NVIDIA L40S (AWS g6e). */
  nvidiaL40s: "nvidia-l40s",
  /** NVIDIA A100 40/80 GB (AWS p4d/p4de, GCP a2-*). */
  nvidiaA100: "nvidia-a100",
  /** NVIDIA H100 80 GB (AWS p5, GCP a3-*). */
  nvidiaH100: "nvidia-h100",
  /** NVIDIA H200 141 GB (AWS p5e/p5en, GCP a3-ultragpu-8g). */
  nvidiaH200: "nvidia-h200",
  /** NVIDIA B200 180 GB (AWS p6-b200, GCP a4-highgpu-8g). */
  nvidiaB200: "nvidia-b200",
} as const;
export type GpuType = (typeof GpuType)[keyof typeof GpuType];

/** How GPU nodes are bought. */
export const CapacityType = {
  spot: "spot",
  onDemand: "on-demand",
} as const;
export type CapacityType = (typeof CapacityType)[keyof typeof CapacityType];

/**
 * The label keys every GPU node carries (`ClusterHandle.gpuNodeLabels`): a named interface, so the
 * handle maps to a schema type for other languages (the component package's analyzer does not map
 * `typeof` a constant object).
 */
export interface GpuNodeLabels {
  /** Label set to "true" on every GPU node. */
  gpu: string;
  /** Label holding the node's pool name. */
  pool: string;
  /** Label holding the node's `GpuType`. */
  gpuType: string;
  /** Label holding the node's `CapacityType`. */
  capacityType: string;
}

/** The taint every GPU node carries (`ClusterHandle.gpuTaint`). */
export interface GpuTaint {
  /** Taint key. */
  key: string;
  /** Taint value. */
  value: string;
  /** Taint effect (Kubernetes `NoSchedule`). */
  effect: string;
}

/** Node labels every GPU node carries on every target; training templates select on them. */
export const GPU_NODE_LABELS = {
  /** "true" on every GPU node. */
  gpu: "mlops.pulumi.com/gpu",
  /** The pool name. */
  pool: "mlops.pulumi.com/gpu-pool",
  /** A GpuType value. */
  gpuType: "mlops.pulumi.com/gpu-type",
  /** A CapacityType value. */
  capacityType: "mlops.pulumi.com/capacity-type",
} as const satisfies GpuNodeLabels;

/** The taint every GPU node carries, so only pods that tolerate it land there. */
export const GPU_TAINT = {
  key: "nvidia.com/gpu",
  value: "present",
  effect: "NoSchedule",
} as const satisfies GpuTaint;

/** One GPU pool, as resolved from the args (all defaults applied). */
export interface ResolvedGpuPool {
  /** DNS-1123 name, unique in the cluster. */
  name: string;
  gpuType: GpuType;
  capacityType: CapacityType;
  /** Upper bound of GPUs in the pool (Karpenter `limits`, GKE max nodes × GPUs per node). */
  maxGpus: number;
  /** AWS instance families (e.g. ["g6", "g5"]); derived from gpuType when not given. */
  instanceFamilies: string[];
  /** GCP machine type (e.g. "g2-standard-8"); derived from gpuType when not given. */
  machineType?: string;
}

/**
 * What a cluster builder hands to the in-cluster parts (internal; other components get the
 * public `ClusterHandle`).
 */
export interface BuiltCluster {
  /** Provider for the cluster. */
  provider: k8s.Provider;
  /** Kubeconfig (secret). */
  kubeconfig: pulumi.Output<string>;
  clusterName: pulumi.Output<string>;
  /** API server endpoint ("" for an adopted kubeconfig whose endpoint is not known). */
  endpoint: pulumi.Output<string>;
  /** Details the AWS adapters need (aws target). */
  aws?: AwsTargetArgs;
  /** Details the GCP adapters need (gcp target). */
  gcp?: GcpTargetArgs;
  /**
   * The IngressClass the cluster builder installed a controller for ("alb" on EKS with the AWS
   * Load Balancer Controller); undefined when it installed none (GKE's built-in "gce" class is
   * not an IngressClass object, and an adopted cluster brings its own).
   */
  ingressClassName?: string;
  /** Whether the node image already has NVIDIA drivers + container toolkit (EKS AL2023 NVIDIA AMI, GKE-managed drivers). */
  driversPreinstalled: boolean;
  /**
   * Whether the platform itself exports DCGM GPU metrics (GKE managed DCGM); the in-cluster parts
   * then install no DCGM exporter of their own (two DCGM host engines on a GPU would compete).
   * @default false
   */
  managedGpuMetrics?: boolean;
  /** Resources the in-cluster parts must wait for (node groups, Karpenter, ...). */
  ready: pulumi.Resource[];
  /**
   * Monitors of the platform workloads the builder installed (Karpenter, the AWS Load Balancer
   * Controller), created by the cluster when monitoring is on, each under its owner. @default []
   */
  scrapeTargets?: PlatformScrapeTarget[];
}

/** A platform workload's scrape target, with the sub-component that owns it. */
export interface PlatformScrapeTarget {
  /** The owner's context: the monitor is its child `${owner.name}-<role>`. */
  owner: Pick<ComponentContext, "name" | "opts">;
  role: string;
  target: WorkloadScrapeTarget;
  /** What the monitor comes after (the owner's release). */
  dependsOn: pulumi.Resource[];
}

/**
 * The public handle of a Kubernetes cluster: everything another component (model registry,
 * serving, feature store, ...) needs to run on it, in one value. `GpuTrainingCluster.handle` is
 * one; `existingClusterHandle(...)` builds one for a cluster created elsewhere. Downstream
 * components take `cluster: ClusterHandle` instead of a provider plus hand-copied cloud details.
 *
 * A plain interface (no union types other than string enums, no callbacks), so components that
 * take it stay packageable for other languages.
 */
export interface ClusterHandle {
  /** Provider of the cluster (server-side apply); every Kubernetes object of a component goes through it. */
  provider: k8s.Provider;
  /** Where the cluster runs; a component's backing services (database, bucket, identity) go to the same target. */
  target: Target;
  /** The cluster's environment preset; the default environment of the components on it. */
  environment: Environment;
  /** Physical cluster name (EKS / GKE name, or the adopted cluster's name). */
  clusterName: pulumi.Output<string>;
  /**
   * The EKS cluster's network and identity details (target "aws"): where the AWS adapters place a
   * component's database and which identity mode its workloads use. Set for a cluster this
   * toolkit creates; for an adopted one, from `existing.aws`. Undefined on other targets.
   */
  aws?: AwsTargetArgs;
  /**
   * The GKE cluster's project and network details (target "gcp"). Set for a cluster this toolkit
   * creates; for an adopted one, from `existing.gcp`. Undefined on other targets.
   */
  gcp?: GcpTargetArgs;
  /**
   * The IngressClass the cluster's owner installed a controller for ("alb" on a created EKS cluster
   * with the AWS Load Balancer Controller); undefined when none was installed.
   */
  ingressClassName?: string;
  /** Labels every GPU node carries (`GPU_NODE_LABELS`); workloads select GPU nodes and pools with them. */
  gpuNodeLabels: GpuNodeLabels;
  /** The taint every GPU node carries (`GPU_TAINT`); GPU workloads tolerate it. */
  gpuTaint: GpuTaint;
  /** The cluster's GPU pools, defaults applied (none on an adopted cluster unless given). */
  gpuPools: ResolvedGpuPool[];
  /**
   * How workloads on the cluster are scraped, when monitoring is on (`monitoring.enabled` on the
   * cluster, or given to `existingClusterHandle`): every component on the cluster then creates
   * the monitors of its workloads (`createScrapeTarget`), after `dependsOn`. Undefined: monitoring
   * is off, and no component creates a monitor.
   */
  monitoring?: ClusterMonitoring;
  /**
   * The cluster's certificate issuer, when cert-manager runs on it (`certManager.enabled` on the
   * cluster: the in-cluster CA ClusterIssuer `mlops-internal-ca`; or given to
   * `existingClusterHandle`): components create their servers' TLS certificates from it with
   * `createServingCertificate`, after `dependsOn`. Undefined: no cert-manager on the cluster.
   */
  certificates?: ClusterCertificates;
}
