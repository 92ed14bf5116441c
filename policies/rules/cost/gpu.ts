/** Cost rules for GPU capacity: scale to zero, bounded pools, allowed families, spot in dev. */
import * as aws from "../aws-sdk";
import * as gcp from "../gcp-sdk";
import * as k8s from "@pulumi/kubernetes";
import { validateResourceOfType } from "@pulumi/policy";
import { ruleConfig } from "../../config";
import { ALWAYS_ADVISORY, MANDATORY_OUTSIDE_DEV, resourceRule, type ResourceRule } from "../types";
import { dig, num, onlyIn, present, rec, recs, str, strs } from "../util";

/** Karpenter v1 NodePool (a CustomResource); the static type makes `validateResourceOfType` fast-path it. */
export class KarpenterNodePool extends k8s.apiextensions.CustomResource {
  /** Pulumi type token of `karpenter.sh/v1` NodePool custom resources. */
  static readonly __pulumiType = "kubernetes:karpenter.sh/v1:NodePool";
}

/** The family of an AWS instance type (`g5.xlarge` → `g5`). */
export function awsFamily(instanceType: string): string {
  return instanceType.split(".")[0] ?? instanceType;
}

/** True for NVIDIA GPU instance families (g4dn, g5, g5g, g6, g6e, gr6, p3, p4d, p5, ...). */
export function isAwsGpuFamily(family: string): boolean {
  return /^(g\d|gr\d|p\d)/.test(family);
}

/** The family of a GCP machine type (`a2-highgpu-1g` → `a2`). */
export function gcpFamily(machineType: string): string {
  return machineType.split("-")[0] ?? machineType;
}

const GCP_GPU_FAMILIES = /^(a2|a3|a4|g2|g4)$/;

function eksGpu(ng: { instanceTypes?: string[]; amiType?: string }): string[] | undefined {
  const types = strs(ng.instanceTypes);
  const gpuTypes = types.filter((t) => isAwsGpuFamily(awsFamily(t)));
  if (gpuTypes.length > 0) return gpuTypes;
  return /GPU|NVIDIA/i.test(str(ng.amiType) ?? "") ? types : undefined;
}

function gkeGpu(np: { nodeConfig?: unknown }): boolean {
  return (
    recs(dig(np.nodeConfig, "guestAccelerators")).length > 0 ||
    GCP_GPU_FAMILIES.test(gcpFamily(str(dig(np.nodeConfig, "machineType")) ?? ""))
  );
}

const SCALE_SPEC = {
  area: "cost" as const,
  severity: "high" as const,
  enforcement: MANDATORY_OUTSIDE_DEV,
  configKeys: ["maxGpuNodesPerPool"] as const,
  reference: "FinOps for AI: idle GPU capacity; Karpenter/cluster-autoscaler scale-to-zero",
};

/** EKS GPU node groups scale to zero and are bounded. */
export const eksGpuScaling: ResourceRule = resourceRule(
  {
    ...SCALE_SPEC,
    name: "cost-eks-gpu-node-group-scaling",
    description:
      "EKS GPU node groups scale to zero (scalingConfig.minSize 0) and cap maxSize at maxGpuNodesPerPool.",
    remediation:
      "Set scalingConfig.minSize: 0 and a bounded maxSize; let the cluster autoscaler/Karpenter add GPU nodes on demand.",
  },
  validateResourceOfType(aws.eks.NodeGroup, (ng, args, report) => {
    if (!eksGpu(ng)) args.notApplicable("not a GPU node group");
    const max = ruleConfig(args).maxGpuNodesPerPool;
    const min = num(dig(ng.scalingConfig, "minSize"));
    const maxSize = num(dig(ng.scalingConfig, "maxSize"));
    if (min !== undefined && min > 0) report(`scalingConfig.minSize is ${min}; GPU pools must scale to 0.`);
    if (maxSize !== undefined && maxSize > max)
      report(`scalingConfig.maxSize ${maxSize} exceeds the GPU pool limit ${max}.`);
  }),
);

/** GKE GPU node pools scale to zero and are bounded. */
export const gkeGpuScaling: ResourceRule = resourceRule(
  {
    ...SCALE_SPEC,
    name: "cost-gke-gpu-node-pool-scaling",
    description:
      "GKE GPU node pools autoscale from zero (minNodeCount/totalMinNodeCount 0) with a max node count at most maxGpuNodesPerPool.",
    remediation:
      "Set autoscaling: { minNodeCount: 0, maxNodeCount: <n> } (or total*) and initialNodeCount: 0.",
  },
  validateResourceOfType(gcp.container.NodePool, (np, args, report) => {
    if (!gkeGpu(np)) args.notApplicable("not a GPU node pool");
    const limit = ruleConfig(args).maxGpuNodesPerPool;
    const as = rec(np.autoscaling);
    if (!as) {
      if ((num(np.nodeCount) ?? num(np.initialNodeCount) ?? 1) > 0)
        report("GPU node pool has no autoscaling and a fixed non-zero size.");
      return;
    }
    const min = num(as.minNodeCount) ?? num(as.totalMinNodeCount) ?? 0;
    const max = num(as.maxNodeCount) ?? num(as.totalMaxNodeCount);
    if (min > 0) report(`autoscaling minimum is ${min}; GPU pools must scale to 0.`);
    if (max === undefined) report("autoscaling has no maximum node count.");
    else if (max > limit) report(`autoscaling maximum ${max} exceeds the GPU pool limit ${limit}.`);
  }),
);

const KARPENTER_GPU_KEYS = [
  "karpenter.k8s.aws/instance-gpu-count",
  "karpenter.k8s.aws/instance-gpu-name",
  "karpenter.k8s.aws/instance-gpu-manufacturer",
];

function karpenterGpu(props: unknown): boolean {
  const tpl = dig(props, "spec", "template", "spec");
  const reqs = recs(dig(tpl, "requirements"));
  if (reqs.some((r) => KARPENTER_GPU_KEYS.includes(str(r.key) ?? "") && str(r.operator) !== "DoesNotExist"))
    return true;
  if (
    reqs.some(
      (r) =>
        str(r.key) === "karpenter.k8s.aws/instance-family" &&
        strs(r.values).some((v) => isAwsGpuFamily(v)) &&
        str(r.operator) === "In",
    )
  )
    return true;
  if (
    reqs.some(
      (r) =>
        str(r.key) === "karpenter.k8s.aws/instance-category" &&
        str(r.operator) === "In" &&
        strs(r.values).some((v) => v === "g" || v === "p"),
    )
  )
    return true;
  return recs(dig(tpl, "taints")).some((t) => str(t.key) === "nvidia.com/gpu");
}

/** Karpenter GPU NodePools cap nvidia.com/gpu. */
export const karpenterGpuLimit: ResourceRule = resourceRule(
  {
    ...SCALE_SPEC,
    name: "cost-karpenter-gpu-limit",
    configKeys: [],
    description: 'Karpenter NodePools that can launch GPU instances set spec.limits["nvidia.com/gpu"].',
    remediation:
      'Set spec.limits: { "nvidia.com/gpu": <max GPUs> } on the NodePool (Karpenter already scales to zero).',
  },
  validateResourceOfType(KarpenterNodePool, (np, args, report) => {
    const props: unknown = np;
    if (!karpenterGpu(props)) args.notApplicable("not a GPU NodePool");
    if (!present(dig(props, "spec", "limits", "nvidia.com/gpu")))
      report('spec.limits["nvidia.com/gpu"] is not set.');
  }),
);

/** EKS GPU node groups use allowed families. */
export const eksGpuFamilies: ResourceRule = resourceRule(
  {
    name: "cost-eks-allowed-gpu-families",
    area: "cost",
    description: "EKS GPU node groups use instance families in allowedGpuInstanceFamilies.",
    severity: "medium",
    configKeys: ["allowedGpuInstanceFamilies"],
    remediation:
      "Use an approved family (e.g. g5/g6 for inference, p4d/p5 for training) or extend allowedGpuInstanceFamilies.",
    reference: "FinOps GPU procurement guardrails",
  },
  validateResourceOfType(aws.eks.NodeGroup, (ng, args, report) => {
    const gpu = eksGpu(ng);
    if (!gpu) args.notApplicable("not a GPU node group");
    const allowed = ruleConfig(args).allowedGpuInstanceFamilies;
    const bad = (gpu ?? []).filter((t) => !allowed.includes(awsFamily(t)));
    if (bad.length > 0)
      report(
        `Instance types ${bad.join(", ")} are not in allowedGpuInstanceFamilies (${allowed.join(", ")}).`,
      );
  }),
);

/** GKE GPU node pools use allowed machine families and accelerators. */
export const gkeGpuTypes: ResourceRule = resourceRule(
  {
    name: "cost-gke-allowed-gpu-types",
    area: "cost",
    description:
      "GKE GPU node pools use machine families in allowedGpuInstanceFamilies and accelerators in allowedGpuAccelerators.",
    severity: "medium",
    configKeys: ["allowedGpuInstanceFamilies", "allowedGpuAccelerators"],
    remediation:
      "Use an approved machine family (g2, a2, a3) / accelerator type, or extend the config lists.",
    reference: "FinOps GPU procurement guardrails",
  },
  validateResourceOfType(gcp.container.NodePool, (np, args, report) => {
    if (!gkeGpu(np)) args.notApplicable("not a GPU node pool");
    const cfg = ruleConfig(args);
    const machine = str(dig(np.nodeConfig, "machineType"));
    const family = machine === undefined ? undefined : gcpFamily(machine);
    if (
      family !== undefined &&
      GCP_GPU_FAMILIES.test(family) &&
      !cfg.allowedGpuInstanceFamilies.includes(family)
    ) {
      report(`Machine family ${family} is not in allowedGpuInstanceFamilies.`);
    }
    for (const acc of recs(dig(np.nodeConfig, "guestAccelerators"))) {
      const t = str(acc.type);
      if (t !== undefined && !cfg.allowedGpuAccelerators.includes(t))
        report(`Accelerator ${t} is not in allowedGpuAccelerators.`);
    }
  }),
);

const SPOT_SPEC = {
  area: "cost" as const,
  severity: "low" as const,
  enforcement: ALWAYS_ADVISORY,
  reference: "FinOps: use Spot/preemptible capacity for interruptible dev/experiment workloads",
};

/** Dev EKS GPU pools use spot. */
export const eksDevGpuSpot: ResourceRule = resourceRule(
  {
    ...SPOT_SPEC,
    name: "cost-eks-dev-gpu-spot",
    description: "In dev, EKS GPU node groups use Spot capacity.",
    remediation: 'Set capacityType: "SPOT" with several instanceTypes for dev GPU node groups.',
  },
  validateResourceOfType(aws.eks.NodeGroup, (ng, args, report) => {
    onlyIn(args, ruleConfig(args).environment, ["dev"]);
    if (!eksGpu(ng)) args.notApplicable("not a GPU node group");
    if (str(ng.capacityType) !== "SPOT") report("Dev GPU node group is not SPOT.");
  }),
);

/** Dev GKE GPU pools use spot. */
export const gkeDevGpuSpot: ResourceRule = resourceRule(
  {
    ...SPOT_SPEC,
    name: "cost-gke-dev-gpu-spot",
    description: "In dev, GKE GPU node pools use Spot (or preemptible) VMs.",
    remediation: "Set nodeConfig.spot: true for dev GPU node pools.",
  },
  validateResourceOfType(gcp.container.NodePool, (np, args, report) => {
    onlyIn(args, ruleConfig(args).environment, ["dev"]);
    if (!gkeGpu(np)) args.notApplicable("not a GPU node pool");
    if (dig(np.nodeConfig, "spot") !== true && dig(np.nodeConfig, "preemptible") !== true)
      report("Dev GPU node pool does not use Spot VMs.");
  }),
);

/** GPU cost rules. */
export const costRules: ResourceRule[] = [
  eksGpuScaling,
  gkeGpuScaling,
  karpenterGpuLimit,
  eksGpuFamilies,
  gkeGpuTypes,
  eksDevGpuSpot,
  gkeDevGpuSpot,
];
