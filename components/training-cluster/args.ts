/**
 * The public contract of `mlops:index:GpuTrainingCluster`: a hand-written, documented args
 * interface and the zod schema that validates it (test/types.test.ts keeps the two in sync).
 */
import { z } from "zod";
import { ScrapeBackend } from "../shared/monitors";
import { Target } from "../adapters";
import { nested, resolveWith, type Problem, type Resolution } from "../shared/contract";
import { platformArgsShape, resolvePlatform } from "../shared/component";
import type { Environment } from "../shared/presets";
import { dnsLabelSchema } from "../shared/schemas";
import {
  awsClusterArgsObject,
  awsClusterArgsProblems,
  resolveAwsClusterArgs,
  type AwsClusterArgs,
  type ResolvedAwsClusterArgs,
} from "./aws/args";
import { awsGpuPoolProblems, defaultAwsInstanceFamilies } from "./aws/nodepools";
import {
  gcpClusterArgsObject,
  gcpClusterArgsProblems,
  resolveGcpClusterArgs,
  type GcpClusterArgs,
  type ResolvedGcpClusterArgs,
} from "./gcp/args";
import { gcpGpuPoolProblems } from "./gcp/machines";
import { existingClusterArgsSchema, type ExistingClusterArgs } from "./existing";
import {
  DEFAULT_DCGM_EXPORTER,
  GpuStack,
  inClusterArgsObject,
  inClusterArgsProblems,
  resolveInClusterArgs,
  type GpuPlatform,
  type InClusterArgs,
  type ResolvedInClusterArgs,
} from "./in-cluster/args";
import { CapacityType, GpuType, type ResolvedGpuPool } from "./types";

/** One pool of GPU nodes that scales from zero. */
export interface GpuPoolArgs {
  /** DNS-1123 name, unique in the cluster (names the NodePool / node pool and the Kueue flavor). */
  name: string;
  /** GPU model of the pool's nodes. */
  gpuType: GpuType;
  /** Spot or on-demand nodes. @default "spot" in dev, "on-demand" in staging/prod */
  capacityType?: CapacityType;
  /** Most GPUs the pool may hold at once (Karpenter `limits`, GKE max nodes). */
  maxGpus: number;
  /** AWS only: EC2 instance families. @default by GPU type: L4 ["g6"], A10G ["g5"], L40S ["g6e"], A100 ["p4d"], H100 ["p5"], H200 ["p5e"], B200 ["p6-b200"] */
  instanceFamilies?: string[];
  /** GCP only: machine type. @default by GPU type: L4 "g2-standard-8", A100 "a2-highgpu-1g", H100 "a3-highgpu-8g", H200 "a3-ultragpu-8g", B200 "a4-highgpu-8g" */
  machineType?: string;
}

/**
 * Args of `GpuTrainingCluster`. The in-cluster parts (GPU stack, Kueue, teams) are the same on
 * every target; `aws`, `gcp` or `existing` chooses how the cluster itself comes to be.
 */
export interface GpuTrainingClusterArgs extends InClusterArgs {
  /** Where the cluster runs: "aws" (EKS + Karpenter), "gcp" (GKE), "local" (an existing kubeconfig). */
  target: Target;
  /** Environment preset that picks the defaults. @default "dev" */
  environment?: Environment;
  /**
   * Physical name of the EKS / GKE cluster this component creates (a lowercase letter, then up to
   * 39 lowercase letters, digits and '-', not ending in '-'). It also prefixes the other names that
   * must be unique in the account/project: the control-plane log group
   * `/aws/eks/<clusterName>/cluster`, the KMS alias `alias/<clusterName>-eks-secrets`, the
   * interruption queue `<clusterName>-karpenter`, the GKE node service account
   * `<clusterName>-gke-nodes` (cut and hashed where a limit requires). Give it to keep a name you
   * already have; you then keep it unique yourself. Not used when adopting a cluster (`existing`
   * has its own `clusterName`) or on target "local".
   * @default `<component name>-<stack>` (e.g. `gpu-cluster-aws-prod`), so that stacks of one
   * program in one account/project never share a physical name
   */
  clusterName?: string;
  /** EKS settings (target "aws"). @default {} */
  aws?: AwsClusterArgs;
  /** GKE settings (target "gcp"). Required when `target` is "gcp" (project and region). */
  gcp?: GcpClusterArgs;
  /**
   * Adopt an existing cluster instead of creating one (any target: kind, k3d, or your own EKS/GKE)
   * and install only the in-cluster parts. An adopted EKS / GKE cluster's network details
   * (`existing.aws` / `existing.gcp`) go into the `handle` the other components take. @default the ambient kubeconfig when `target` is "local"
   */
  existing?: ExistingClusterArgs;
  /**
   * GPU pools; every pool scales to zero, is tainted `nvidia.com/gpu=present:NoSchedule` and has a
   * GPU limit. @default dev: one spot L4 pool of 4 GPUs; staging: one on-demand L4 pool of 8;
   * prod: on-demand L4 (16) and spot L4 (32); an adopted cluster: none
   */
  gpuPools?: GpuPoolArgs[];
  /**
   * `protect` and retain-on-delete on stateful children (cluster, keys). An adopted cluster
   * (`existing`, target "local") creates none, so `true` there is an error rather than a promise
   * nothing keeps. @default true in prod (ignored on an adopted cluster), else false
   */
  protect?: boolean;
  /** Tags (AWS) / labels (GCP, Kubernetes) for every resource; `environment` is added. @default {} */
  tags?: Record<string, string>;
}

const poolSchema = z
  .object({
    name: dnsLabelSchema(40),
    gpuType: z.enum(Object.values(GpuType) as [GpuType, ...GpuType[]]),
    capacityType: z.enum(Object.values(CapacityType) as [CapacityType, ...CapacityType[]]).optional(),
    maxGpus: z
      .number()
      .int()
      .min(1, { message: "must be at least 1 (every pool needs a GPU limit)" })
      .max(4096),
    instanceFamilies: z
      .array(z.string().regex(/^[a-z][a-z0-9-]*$/, { message: "must be an EC2 instance family such as g6" }))
      .min(1)
      .optional(),
    machineType: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, { message: "must be a GCE machine type such as g2-standard-8" })
      .optional(),
  })
  .strict();

/** Field schemas of `GpuTrainingClusterArgs` without the cross-field rules (the stack config reuses them).  @internal */
export const gpuTrainingClusterArgsObject = inClusterArgsObject
  .extend({
    ...platformArgsShape,
    clusterName: z
      .string()
      .regex(/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/, {
        message:
          "must be a lowercase letter, then up to 39 lowercase letters, digits or '-', not ending in '-' (the GKE and EKS name rules this toolkit applies)",
      })
      .optional(),
    aws: awsClusterArgsObject.optional(),
    gcp: gcpClusterArgsObject.optional(),
    existing: existingClusterArgsSchema.optional(),
    gpuPools: z.array(poolSchema).optional(),
  })
  .strict();

/** @internal zod schema: kept out of the published declarations (stripInternal). */
type CheckedArgs = z.output<typeof gpuTrainingClusterArgsObject>;

/**
 * The component's own cross-field rules (the blocks' rules are theirs: `inClusterArgsProblems`,
 * `resolveAwsClusterArgs`, `resolveGcpClusterArgs`, `resolveInClusterArgs`): the block each target
 * needs, no block of another target, unique pools, nothing an adopted cluster cannot honour.
 */
function clusterProblems(v: CheckedArgs): Problem[] {
  const problems: Problem[] = [];
  if (v.target === Target.gcp && !v.gcp && !v.existing) {
    problems.push({ path: ["gcp"], message: 'required when target is "gcp" (project and region)' });
  }
  for (const other of [Target.aws, Target.gcp] as const) {
    if (other !== v.target && v[other] !== undefined) {
      problems.push({ path: [other], message: `only used when target is "${other}"; remove it` });
    }
    // An adopted cluster's cloud details go into the handle; a handle of another target's cluster
    // with them would point the components on it at the wrong cloud.
    if (other !== v.target && v.existing?.[other] !== undefined) {
      problems.push({
        path: ["existing", other],
        message: `only used when target is "${other}"; remove it`,
      });
    }
  }
  // Args a target cannot honour are errors, never silent no-ops.
  if (v.monitoring?.backend === ScrapeBackend.gmp && v.target !== Target.gcp) {
    problems.push({
      path: ["monitoring", "backend"],
      message: `"gmp" (Google Cloud Managed Service for Prometheus) needs target "gcp"; use "prometheusOperator" on target "${v.target}"`,
    });
  }
  const adopted = v.existing !== undefined || v.target === Target.local;
  if (adopted && v.protect === true) {
    problems.push({
      path: ["protect"],
      message:
        "an adopted cluster gets no stateful children from this component (the cluster and its keys belong to its owner), so there is nothing to protect; remove it",
    });
  }
  // GKE nodes with GKE-managed drivers (COS) run GKE's own NVIDIA device plugin: a second device
  // plugin would fight it over the GPUs, and the GPU Operator needs GKE's driver installation off
  // and Ubuntu nodes (NVIDIA GPU Operator docs, "Google Kubernetes Engine"), which this builder
  // never creates.
  if (v.target === Target.gcp && !adopted && v.gpuStack !== undefined && v.gpuStack !== GpuStack.none) {
    problems.push({
      path: ["gpuStack"],
      message: `"${v.gpuStack}" cannot run on the GKE cluster this component creates: GKE installs the NVIDIA driver and runs its own device plugin on every GPU pool; omit gpuStack (or use "none")`,
    });
  }
  if (v.clusterName !== undefined && adopted) {
    problems.push({
      path: ["clusterName"],
      message: v.existing
        ? "names a cluster this component creates; an adopted cluster's name is existing.clusterName"
        : 'names a cluster this component creates; target "local" adopts one (use existing.clusterName)',
    });
  }
  if (v.existing && (v.aws || v.gcp)) {
    problems.push({
      path: ["existing"],
      message: "adopts a cluster: remove the aws/gcp cluster settings (they create one)",
    });
  }
  const seen = new Set<string>();
  (v.gpuPools ?? []).forEach((pool, i) => {
    if (seen.has(pool.name)) {
      problems.push({ path: ["gpuPools", i, "name"], message: `"${pool.name}" is used by another pool` });
    }
    seen.add(pool.name);
    if (pool.instanceFamilies && v.target !== Target.aws) {
      problems.push({ path: ["gpuPools", i, "instanceFamilies"], message: 'only used when target is "aws"' });
    }
    if (pool.machineType && v.target !== Target.gcp) {
      problems.push({ path: ["gpuPools", i, "machineType"], message: 'only used when target is "gcp"' });
    }
  });
  return problems;
}

/**
 * Runtime schema of `GpuTrainingClusterArgs`: the field schemas (the interface ↔ schema type test
 * uses it). The rules and defaults are `resolveGpuTrainingClusterArgs`'s.
 * @internal
 */
export const gpuTrainingClusterArgsSchema = gpuTrainingClusterArgsObject;

/** `GpuTrainingClusterArgs` with every default applied and every rule passed. */
export interface ResolvedGpuTrainingClusterArgs {
  target: Target;
  environment: Environment;
  /** `args.clusterName` (a created cluster only; else the builder derives one). */
  clusterName: string | undefined;
  /** Tags of every resource, `environment` included. */
  tags: Record<string, string>;
  /** `protect` and retain-on-delete on stateful children. */
  protect: boolean;
  /** The cluster is adopted (`existing`, or target "local"): `existing` is the kubeconfig to use. */
  existing: ExistingClusterArgs | undefined;
  /** EKS settings, defaults applied (a created cluster on target "aws"). */
  aws: ResolvedAwsClusterArgs | undefined;
  /** GKE settings, defaults applied (a created cluster on target "gcp"). */
  gcp: ResolvedGcpClusterArgs | undefined;
  /** What the cluster's GPU nodes bring (drivers, managed GPU metrics). */
  platform: GpuPlatform;
  /** The GPU pools: the preset's when none are given; capacity type and families filled in. */
  gpuPools: ResolvedGpuPool[];
  /** The in-cluster parts (GPU stack, Kueue, teams), defaults applied. */
  inCluster: ResolvedInClusterArgs;
}

/**
 * What the nodes of a cluster this component creates bring. EKS: the AL2023 NVIDIA AMI has the
 * driver and container toolkit, so the device plugin alone. GKE: GKE installs the driver and runs
 * NVIDIA's device plugin itself (no GPU stack of ours), and exports DCGM metrics when asked
 * (`dcgmExporter` turns GKE's managed DCGM on). An adopted cluster says so with
 * `existing.gpuDriversPreinstalled`.
 */
function gpuPlatform(
  v: CheckedArgs,
  adopted: boolean,
): { platform: GpuPlatform; defaultGpuStack?: GpuStack } {
  if (adopted) return { platform: { driversPreinstalled: v.existing?.gpuDriversPreinstalled ?? false } };
  if (v.target === Target.gcp) {
    return {
      platform: { driversPreinstalled: true, managedGpuMetrics: v.dcgmExporter ?? DEFAULT_DCGM_EXPORTER },
      defaultGpuStack: GpuStack.none,
    };
  }
  return { platform: { driversPreinstalled: true } };
}

/**
 * The contract pipeline of `GpuTrainingCluster` (components/shared/contract.ts), in one pure pass:
 * the schema, the component's and each block's cross-field rules (each once), the environment
 * preset and every default. `environment` fills `args.environment` when that is not given. The
 * component and the stack config (`mlops:cluster`) both call it.
 */
export function resolveGpuTrainingClusterArgs(
  args: unknown,
  environment?: Environment,
): Resolution<ResolvedGpuTrainingClusterArgs> {
  return resolveWith(gpuTrainingClusterArgsObject, args, (v, fieldsValid) => {
    const problems = [...inClusterArgsProblems(v), ...clusterProblems(v)];
    const adopted = v.existing !== undefined || v.target === Target.local;
    // The block of another target, or of an adopted cluster, is rejected whole above.
    const awsBlock = !adopted && v.target === Target.aws ? (v.aws ?? {}) : undefined;
    const gcpBlock = !adopted && v.target === Target.gcp ? v.gcp : undefined;
    if (!fieldsValid) {
      // Only the rules that need no defaults: the others run once the fields are valid.
      if (awsBlock) problems.push(...nested(["aws"], awsClusterArgsProblems(awsBlock)));
      if (gcpBlock) problems.push(...nested(["gcp"], gcpClusterArgsProblems(gcpBlock)));
      return { resolved: undefined, problems };
    }
    const env: Environment = v.environment ?? environment ?? "dev";
    const gpuPools = resolveGpuPools(v.gpuPools ?? defaultGpuPools(env, v.target, adopted), env);
    let aws: ResolvedAwsClusterArgs | undefined;
    let gcp: ResolvedGcpClusterArgs | undefined;
    if (awsBlock) {
      const r = resolveAwsClusterArgs(awsBlock, env);
      aws = r.resolved;
      problems.push(...nested(["aws"], r.problems), ...awsGpuPoolProblems(gpuPools));
    }
    if (gcpBlock) {
      const r = resolveGcpClusterArgs(gcpBlock, env);
      gcp = r.resolved;
      problems.push(...nested(["gcp"], r.problems), ...gcpGpuPoolProblems(gpuPools));
    }
    const { platform: gpu, defaultGpuStack } = gpuPlatform(v, adopted);
    const inCluster = resolveInClusterArgs(
      env,
      gpu,
      gpuPools.map((p) => p.name),
      { ...v, gpuStack: v.gpuStack ?? defaultGpuStack },
    );
    problems.push(...inCluster.problems);
    return {
      problems,
      resolved: {
        target: v.target,
        ...resolvePlatform({ environment: env, tags: v.tags, protect: v.protect }),
        clusterName: v.clusterName,
        existing: adopted ? (v.existing ?? {}) : undefined,
        aws,
        gcp,
        platform: gpu,
        gpuPools,
        inCluster: inCluster.resolved,
      },
    };
  });
}

/** Resolves pools: capacity type and instance families filled in for the environment. */
export function resolveGpuPools(pools: GpuPoolArgs[], environment: Environment): ResolvedGpuPool[] {
  return pools.map((p) => ({
    name: p.name,
    gpuType: p.gpuType,
    capacityType: p.capacityType ?? (environment === "dev" ? CapacityType.spot : CapacityType.onDemand),
    maxGpus: p.maxGpus,
    instanceFamilies: p.instanceFamilies ?? defaultAwsInstanceFamilies(p.gpuType),
    ...(p.machineType ? { machineType: p.machineType } : {}),
  }));
}

/** The default GPU pools of an environment (none on an adopted cluster: its owner labels the nodes). */
export function defaultGpuPools(environment: Environment, target: Target, adopted: boolean): GpuPoolArgs[] {
  if (adopted || target === Target.local) return [];
  switch (environment) {
    case "dev":
      return [{ name: "l4-spot", gpuType: GpuType.nvidiaL4, capacityType: CapacityType.spot, maxGpus: 4 }];
    case "staging":
      return [
        { name: "l4-on-demand", gpuType: GpuType.nvidiaL4, capacityType: CapacityType.onDemand, maxGpus: 8 },
      ];
    case "prod":
      return [
        { name: "l4-on-demand", gpuType: GpuType.nvidiaL4, capacityType: CapacityType.onDemand, maxGpus: 16 },
        { name: "l4-spot", gpuType: GpuType.nvidiaL4, capacityType: CapacityType.spot, maxGpus: 32 },
      ];
  }
}
