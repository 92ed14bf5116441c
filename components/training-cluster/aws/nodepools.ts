/**
 * Karpenter's GPU capacity: one EC2NodeClass (EKS-optimized AL2023 at a pinned release, encrypted
 * gp3, IMDSv2 with hop limit 1, private subnets, the cluster security group) and one NodePool per
 * GPU pool (instance families, capacity type, GPU taint and labels, a `nvidia.com/gpu` limit,
 * consolidation only of empty nodes).
 *
 * The manifests are built by pure functions (`ec2NodeClassManifest`, `nodePoolManifest`) so that
 * tests can validate them against the upstream CRD schemas. Every field used exists in the
 * karpenter.sh_nodepools / karpenter.k8s.aws_ec2nodeclasses CRDs of Karpenter v1.14.1 (an unknown
 * field would be pruned silently by the API server).
 */
import type * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GPU_NODE_LABELS, GPU_TAINT, GpuType, type ResolvedGpuPool } from "../types";
import type { Problem } from "../../shared/contract";
import type { ResolvedAwsClusterArgs } from "./args";
import { KARPENTER_DISCOVERY_TAG } from "./network";
import { AL2023_ROOT_DEVICE } from "./nodegroup";
import type { AwsClusterScope } from "./scope";

/**
 * EC2 instance families per GPU model (https://aws.amazon.com/ec2/instance-types/#Accelerated_Computing;
 * P5e/P5en: https://aws.amazon.com/ec2/instance-types/p5/, P6-B200: https://aws.amazon.com/ec2/instance-types/p6/).
 * The first family of each list is the default when a pool names none. Karpenter's
 * `karpenter.k8s.aws/instance-family` is the part of the instance type before the ".", so
 * p6-b200.48xlarge is family "p6-b200".
 */
export const AWS_GPU_INSTANCE_FAMILIES: Record<GpuType, readonly string[]> = {
  /** G6: NVIDIA L4 24 GB; Gr6: L4 with 8 GiB memory per vCPU. */
  [GpuType.nvidiaL4]: ["g6", "gr6"],
  /** G5: NVIDIA A10G 24 GB. */
  [GpuType.nvidiaA10g]: ["g5"],
  /** G6e: NVIDIA L40S 48 GB. */
  [GpuType.nvidiaL40s]: ["g6e"],
  /** P4d: 8 × A100 40 GB; P4de: 8 × A100 80 GB. */
  [GpuType.nvidiaA100]: ["p4d", "p4de"],
  /** P5: H100 80 GB (p5.4xlarge: 1, p5.48xlarge: 8). */
  [GpuType.nvidiaH100]: ["p5"],
  /** P5e: 8 × H200 141 GB (p5e.48xlarge); P5en: the same GPUs with EFAv3 and PCIe Gen5 hosts (p5en.48xlarge). */
  [GpuType.nvidiaH200]: ["p5e", "p5en"],
  /** P6-B200: 8 × B200 (p6-b200.48xlarge). */
  [GpuType.nvidiaB200]: ["p6-b200"],
};

/** The default instance families of a GPU model on AWS. */
export function defaultAwsInstanceFamilies(gpuType: GpuType): string[] {
  return [AWS_GPU_INSTANCE_FAMILIES[gpuType][0]!];
}

/** Name of the one EC2NodeClass all GPU NodePools use. */
export const GPU_NODE_CLASS_NAME = "mlops-gpu";

/**
 * Pod annotation that keeps Karpenter from voluntarily disrupting the pod's node (drift,
 * consolidation) while it runs; the training job template sets it
 * (https://karpenter.sh/v1.14/concepts/disruption/, "Pod-Level Controls").
 */
export const KARPENTER_DO_NOT_DISRUPT_ANNOTATION = "karpenter.sh/do-not-disrupt";

/**
 * How long an empty GPU node stays before Karpenter removes it: long enough for the next job of a
 * queue to reuse it (no new boot and image pull), short enough that idle GPUs cost little.
 */
export const GPU_CONSOLIDATE_AFTER = "5m";

/**
 * Maximum GPU node lifetime, 30 days (Karpenter's default, explicit here). Expiry drains the node,
 * but a pod with `karpenter.sh/do-not-disrupt` blocks the drain because no
 * `terminationGracePeriod` is set: a running training job is never forcibly evicted
 * (https://karpenter.sh/v1.14/concepts/disruption/, "Expiration").
 */
export const GPU_EXPIRE_AFTER = "720h";

/** Labels Karpenter puts on the NodePools and EC2NodeClass themselves (not on nodes). */
const OBJECT_LABELS = {
  "app.kubernetes.io/part-of": "pulumi-mlops",
  "app.kubernetes.io/managed-by": "pulumi",
};

/** Tag keys EC2NodeClass `spec.tags` must not set (its CRD's validation rules). */
const RESTRICTED_TAG =
  /^(eks:eks-cluster-name|kubernetes\.io\/cluster.*|karpenter\.sh\/nodepool|karpenter\.sh\/nodeclaim|karpenter\.k8s\.aws\/ec2nodeclass)$/;

/** A Karpenter NodeSelectorRequirement. */
export interface NodeRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
  values?: string[];
}

/** A NodePool (karpenter.sh/v1) as a plain object. */
export interface NodePoolManifest {
  apiVersion: "karpenter.sh/v1";
  kind: "NodePool";
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        nodeClassRef: { group: string; kind: string; name: string };
        requirements: NodeRequirement[];
        taints: { key: string; value: string; effect: string }[];
        expireAfter: string;
      };
    };
    limits: Record<string, number>;
    disruption: {
      consolidationPolicy: string;
      consolidateAfter: string;
      budgets: { nodes: string; reasons: string[] }[];
    };
  };
}

/** Settings of `nodePoolManifest` that are not the pool's own. */
export interface NodePoolOptions {
  /** The EC2NodeClass to launch from. @default GPU_NODE_CLASS_NAME */
  nodeClassName?: string;
  /** @default GPU_CONSOLIDATE_AFTER */
  consolidateAfter?: string;
  /** @default GPU_EXPIRE_AFTER */
  expireAfter?: string;
}

/**
 * The NodePool of one GPU pool. It has no minimum (Karpenter NodePools have none: nodes exist only
 * while pending pods need them), so it scales to zero; `limits["nvidia.com/gpu"]` caps it.
 * Consolidation removes empty nodes only (`WhenEmpty`), and the budgets allow no voluntary
 * disruption of a non-empty node (drift), so running training pods are not evicted by Karpenter.
 */
export function nodePoolManifest(pool: ResolvedGpuPool, opts: NodePoolOptions = {}): NodePoolManifest {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name: pool.name, labels: { ...OBJECT_LABELS } },
    spec: {
      template: {
        metadata: {
          labels: {
            [GPU_NODE_LABELS.gpu]: "true",
            [GPU_NODE_LABELS.pool]: pool.name,
            [GPU_NODE_LABELS.gpuType]: pool.gpuType,
            [GPU_NODE_LABELS.capacityType]: pool.capacityType,
          },
        },
        spec: {
          nodeClassRef: {
            group: "karpenter.k8s.aws",
            kind: "EC2NodeClass",
            name: opts.nodeClassName ?? GPU_NODE_CLASS_NAME,
          },
          requirements: [
            { key: "karpenter.k8s.aws/instance-family", operator: "In", values: [...pool.instanceFamilies] },
            { key: "karpenter.sh/capacity-type", operator: "In", values: [pool.capacityType] },
            { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
            { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
            { key: "karpenter.k8s.aws/instance-gpu-count", operator: "Gt", values: ["0"] },
          ],
          taints: [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: GPU_TAINT.effect }],
          expireAfter: opts.expireAfter ?? GPU_EXPIRE_AFTER,
        },
      },
      limits: { "nvidia.com/gpu": pool.maxGpus },
      disruption: {
        consolidationPolicy: "WhenEmpty",
        consolidateAfter: opts.consolidateAfter ?? GPU_CONSOLIDATE_AFTER,
        budgets: [
          // Empty nodes may all go at once: an idle GPU is the cost to cut.
          { nodes: "100%", reasons: ["Empty"] },
          // Never voluntarily drain a node that runs something (drift after a spec change waits
          // until the node is empty; "Underutilized" does not apply with WhenEmpty, listed for clarity).
          { nodes: "0", reasons: ["Drifted", "Underutilized"] },
        ],
      },
    },
  };
}

/** An EC2NodeClass (karpenter.k8s.aws/v1) as a plain object. */
export interface Ec2NodeClassManifest {
  apiVersion: "karpenter.k8s.aws/v1";
  kind: "EC2NodeClass";
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    role: string;
    amiSelectorTerms: { alias: string }[];
    subnetSelectorTerms: ({ tags: Record<string, string> } | { id: string })[];
    securityGroupSelectorTerms: { tags: Record<string, string> }[];
    associatePublicIPAddress: boolean;
    metadataOptions: {
      httpEndpoint: string;
      httpProtocolIPv6: string;
      httpPutResponseHopLimit: number;
      httpTokens: string;
    };
    blockDeviceMappings: {
      deviceName: string;
      rootVolume: boolean;
      ebs: {
        volumeSize: string;
        volumeType: string;
        iops: number;
        throughput: number;
        encrypted: boolean;
        deleteOnTermination: boolean;
      };
    }[];
    instanceStorePolicy: string;
    tags: Record<string, string>;
  };
}

/** Inputs of `ec2NodeClassManifest`. */
export interface Ec2NodeClassOptions {
  /** @default GPU_NODE_CLASS_NAME */
  name?: string;
  /** EKS cluster name (the discovery tag value). */
  clusterName: string;
  /** Name (not ARN) of the node IAM role; Karpenter creates the instance profile. */
  nodeRoleName: string;
  /** EKS AMI release, e.g. "v20260714". */
  amiRelease: string;
  /** Subnets by id (adopted VPC); by discovery tag when undefined. */
  subnetIds?: string[];
  /** Root volume size in GiB. */
  rootVolumeGb: number;
  /** Tags for instances, volumes and ENIs (restricted keys are dropped). */
  tags: Record<string, string>;
}

/**
 * The EC2NodeClass of the GPU pools. `al2023@<release>` selects the EKS-optimized AL2023 AMIs of
 * that release; for instance types with NVIDIA GPUs Karpenter picks the NVIDIA variant (drivers and
 * container toolkit preinstalled). The root volume is encrypted gp3 (3000 IOPS and 125 MiB/s are
 * free with gp3; 250 MiB/s speeds up pulling multi-GB CUDA images); instance-store NVMe, which every
 * listed GPU family has, becomes RAID0 ephemeral storage for images and scratch data.
 */
export function ec2NodeClassManifest(o: Ec2NodeClassOptions): Ec2NodeClassManifest {
  const discovery = { [KARPENTER_DISCOVERY_TAG]: o.clusterName };
  return {
    apiVersion: "karpenter.k8s.aws/v1",
    kind: "EC2NodeClass",
    metadata: { name: o.name ?? GPU_NODE_CLASS_NAME, labels: { ...OBJECT_LABELS } },
    spec: {
      role: o.nodeRoleName,
      amiSelectorTerms: [{ alias: `al2023@${o.amiRelease}` }],
      subnetSelectorTerms: o.subnetIds ? o.subnetIds.map((id) => ({ id })) : [{ tags: discovery }],
      securityGroupSelectorTerms: [{ tags: discovery }],
      associatePublicIPAddress: false,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpProtocolIPv6: "disabled",
        httpPutResponseHopLimit: 1,
        httpTokens: "required",
      },
      blockDeviceMappings: [
        {
          deviceName: AL2023_ROOT_DEVICE,
          rootVolume: true,
          ebs: {
            volumeSize: `${o.rootVolumeGb}Gi`,
            volumeType: "gp3",
            iops: 3000,
            throughput: 250,
            encrypted: true,
            deleteOnTermination: true,
          },
        },
      ],
      instanceStorePolicy: "RAID0",
      tags: Object.fromEntries(
        Object.entries(o.tags).filter(([k, v]) => !RESTRICTED_TAG.test(k) && v !== ""),
      ),
    },
  };
}

/**
 * Problems with the GPU pools on AWS (paths under `args.`): instance families that do not carry
 * the pool's GPU model. The pool fields themselves (DNS name, unique names, capacity type, a GPU
 * limit of at least 1) are the schema's and the component's rules: not checked again here.
 */
export function awsGpuPoolProblems(pools: ResolvedGpuPool[]): Problem[] {
  const problems: Problem[] = [];
  pools.forEach((pool, i) => {
    const allowed = AWS_GPU_INSTANCE_FAMILIES[pool.gpuType];
    if (allowed === undefined) {
      problems.push({
        path: ["gpuPools", i, "gpuType"],
        message: `"${String(pool.gpuType)}" is not a GPU type this target knows`,
      });
      return;
    }
    for (const family of pool.instanceFamilies) {
      if (!allowed.includes(family))
        problems.push({
          path: ["gpuPools", i, "instanceFamilies"],
          message: `"${family}" is not an EC2 family with ${pool.gpuType} GPUs; use one of ${allowed.map((f) => `"${f}"`).join(", ")}`,
        });
    }
  });
  return problems;
}

/** The EC2NodeClass and NodePools as Kubernetes resources. */
export interface GpuNodePools {
  nodeClass: k8s.apiextensions.CustomResource;
  nodePools: k8s.apiextensions.CustomResource[];
}

/**
 * Creates the EC2NodeClass (`${scope.name}-gpu-nodeclass`) and one NodePool per pool
 * (`${scope.name}-nodepool-<pool>`), after Karpenter (and its CRDs) is installed. The `Karpenter`
 * sub-component calls it with its own scope.
 */
export function createGpuNodePools(
  scope: AwsClusterScope,
  args: Pick<ResolvedAwsClusterArgs, "amiRelease" | "gpuNodeDiskSizeGb">,
  pools: ResolvedGpuPool[],
  deps: {
    provider: k8s.Provider;
    nodeRole: aws.iam.Role;
    /** Subnet ids for an adopted VPC; undefined selects by discovery tag. */
    subnetIds?: pulumi.Input<string>[];
    dependsOn: pulumi.Resource[];
  },
): GpuNodePools {
  const opts = { ...scope.opts, provider: deps.provider, dependsOn: deps.dependsOn };
  const manifest = pulumi
    .all([deps.nodeRole.name, deps.subnetIds ? pulumi.all(deps.subnetIds) : undefined])
    .apply(([nodeRoleName, subnetIds]) =>
      ec2NodeClassManifest({
        clusterName: scope.clusterName,
        nodeRoleName,
        amiRelease: args.amiRelease,
        subnetIds,
        rootVolumeGb: args.gpuNodeDiskSizeGb,
        tags: scope.tags,
      }),
    );
  const nodeClass = new k8s.apiextensions.CustomResource(
    `${scope.name}-gpu-nodeclass`,
    {
      apiVersion: "karpenter.k8s.aws/v1",
      kind: "EC2NodeClass",
      metadata: manifest.metadata,
      spec: manifest.spec,
    },
    opts,
  );
  const nodePools = pools.map((pool) => {
    const np = nodePoolManifest(pool);
    return new k8s.apiextensions.CustomResource(
      `${scope.name}-nodepool-${pool.name}`,
      { apiVersion: np.apiVersion, kind: np.kind, metadata: np.metadata, spec: np.spec },
      { ...opts, dependsOn: [...deps.dependsOn, nodeClass] },
    );
  });
  return { nodeClass, nodePools };
}
