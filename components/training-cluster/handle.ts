/**
 * The public `ClusterHandle` (types.ts): how `GpuTrainingCluster` builds its own, how a program
 * builds one for a cluster created elsewhere (`existingClusterHandle`), and how a component that
 * takes `cluster: ClusterHandle` checks the value it was given (`clusterHandleSchema`).
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  awsTargetArgsSchema,
  createAdapter,
  existingStore,
  gcpTargetArgsSchema,
  objectStoreReferenceProblems,
  Target,
  TARGETS,
  type AwsTargetArgs,
  type CloudAdapter,
  type GcpTargetArgs,
  type LocalTargetArgs,
  type ObjectStore,
  type ObjectStoreReference,
} from "../adapters";
import { problemLine } from "../shared/contract";
import type { ComponentContext } from "../shared/component";
import { ENVIRONMENTS, type Environment } from "../shared/presets";
import { describeIssue } from "../shared/contract";
import { IssuerKind, type ClusterCertificates } from "../shared/certificates";
import { ScrapeBackend } from "../shared/monitors";
import type { ClusterMonitoring } from "../shared/scrape-target";
import { tagsSchema } from "../shared/schemas";
import { formatIssues } from "../shared/validation";
import {
  GPU_NODE_LABELS,
  GPU_TAINT,
  type BuiltCluster,
  type ClusterHandle,
  type ResolvedGpuPool,
} from "./types";

/** The handle of a cluster a builder created or adopted (what `GpuTrainingCluster.handle` is). */
export function handleOf(
  built: BuiltCluster,
  target: Target,
  environment: Environment,
  gpuPools: ResolvedGpuPool[],
  monitoring: ClusterMonitoring | undefined,
  certificates?: ClusterCertificates,
): ClusterHandle {
  return assemble({ ...built, target, environment, gpuPools, monitoring, certificates });
}

/** A handle from its parts: the GPU placement constants added, unset optional details left out. */
function assemble(parts: Omit<ClusterHandle, "gpuNodeLabels" | "gpuTaint">): ClusterHandle {
  return {
    provider: parts.provider,
    target: parts.target,
    environment: parts.environment,
    clusterName: parts.clusterName,
    ...(parts.aws !== undefined ? { aws: parts.aws } : {}),
    ...(parts.gcp !== undefined ? { gcp: parts.gcp } : {}),
    ...(parts.ingressClassName !== undefined ? { ingressClassName: parts.ingressClassName } : {}),
    gpuNodeLabels: GPU_NODE_LABELS,
    gpuTaint: GPU_TAINT,
    gpuPools: parts.gpuPools,
    ...(parts.monitoring !== undefined ? { monitoring: parts.monitoring } : {}),
    ...(parts.certificates !== undefined ? { certificates: parts.certificates } : {}),
  };
}

/** What `existingClusterHandle` needs of a cluster created outside this toolkit. */
export interface ExistingClusterHandleArgs {
  /** Provider of the cluster (e.g. `new k8s.Provider("cluster", { context: "my-eks" })`). */
  provider: k8s.Provider;
  /** Where the cluster runs: the components on it put their backing services there. */
  target: Target;
  /** Physical cluster name (reported, not looked up). */
  clusterName: pulumi.Input<string>;
  /** Environment preset of the components on it, unless they set their own. @default "dev" */
  environment?: Environment;
  /** The EKS cluster's network and identity details. Required by the model registry on target "aws". */
  aws?: AwsTargetArgs;
  /** The GKE cluster's project and network details. Required by the model registry on target "gcp". */
  gcp?: GcpTargetArgs;
  /** The IngressClass of a controller installed on the cluster. @default undefined */
  ingressClassName?: string;
  /**
   * GPU pools whose nodes carry `GPU_NODE_LABELS` and `GPU_TAINT` (the cluster's owner labels and
   * taints them). @default []
   */
  gpuPools?: ResolvedGpuPool[];
  /**
   * Monitoring on this cluster: the components on it create monitors for their workloads, read by
   * the given backend (the prometheus-operator CRDs, or GKE's GMP CRDs, must already be
   * installed: the cluster's owner installed them). @default monitoring off (no monitors)
   */
  monitoring?: ExistingClusterMonitoringArgs;
  /**
   * The issuer of a cert-manager the cluster's owner installed: components on the cluster get
   * their servers' TLS certificates from it. @default no issuer (components that need TLS
   * certificates report it)
   */
  certificates?: ExistingClusterCertificatesArgs;
}

/** A cert-manager issuer on a cluster created elsewhere (`ExistingClusterHandleArgs.certificates`). */
export interface ExistingClusterCertificatesArgs {
  /** The issuer's name (a DNS-1123 subdomain), e.g. the ClusterIssuer of your internal CA. */
  issuerName: string;
  /** The issuer's kind. @default "ClusterIssuer" */
  issuerKind?: IssuerKind;
}

/** Monitoring on a cluster created elsewhere (`ExistingClusterHandleArgs.monitoring`). */
export interface ExistingClusterMonitoringArgs {
  /**
   * Who scrapes: "prometheusOperator" (ServiceMonitors, PodMonitors) or "gmp" (PodMonitoring;
   * only on target "gcp"). @default "prometheusOperator"
   */
  backend?: ScrapeBackend;
}

/**
 * A `ClusterHandle` for a cluster this toolkit did not create (an EKS / GKE cluster of another
 * stack, kind, k3d), for components that take `cluster: ClusterHandle`. To also install the GPU
 * stack, Kueue and teams on it, adopt it with `GpuTrainingCluster` and `existing` instead and take
 * its `handle`. Throws an `Error` naming the field when a detail is malformed or belongs to
 * another target.
 */
export function existingClusterHandle(args: ExistingClusterHandleArgs): ClusterHandle {
  const problems: string[] = [];
  if (!pulumi.ProviderResource.isInstance(args.provider)) {
    problems.push("provider: must be a kubernetes Provider (new k8s.Provider(...))");
  }
  if (!(TARGETS as string[]).includes(args.target)) {
    problems.push(`target: must be one of ${TARGETS.map((t) => JSON.stringify(t)).join(", ")}`);
  }
  if (args.environment !== undefined && !(ENVIRONMENTS as readonly string[]).includes(args.environment)) {
    problems.push(`environment: must be one of ${ENVIRONMENTS.map((e) => JSON.stringify(e)).join(", ")}`);
  }
  const backend = args.monitoring?.backend ?? ScrapeBackend.prometheusOperator;
  if (!(Object.values(ScrapeBackend) as string[]).includes(backend)) {
    problems.push(
      `monitoring.backend: must be one of ${Object.values(ScrapeBackend)
        .map((b) => JSON.stringify(b))
        .join(", ")}`,
    );
  } else if (backend === ScrapeBackend.gmp && args.target !== Target.gcp) {
    problems.push(
      'monitoring.backend: "gmp" (Google Cloud Managed Service for Prometheus) needs target "gcp"',
    );
  }
  if (args.certificates !== undefined) {
    const { issuerName, issuerKind } = args.certificates;
    if (
      typeof issuerName !== "string" ||
      issuerName.length > 253 ||
      !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(issuerName)
    ) {
      problems.push("certificates.issuerName: must be a DNS-1123 subdomain (the issuer's metadata.name)");
    }
    if (issuerKind !== undefined && !(Object.values(IssuerKind) as string[]).includes(issuerKind)) {
      problems.push(
        `certificates.issuerKind: must be one of ${Object.values(IssuerKind)
          .map((k) => JSON.stringify(k))
          .join(", ")}`,
      );
    }
  }
  const details = z.unknown().superRefine((_, ctx) => checkClusterHandleDetails(args, [], [], ctx));
  const result = details.safeParse(undefined);
  if (!result.success) problems.push(...formatIssues(result.error));
  if (problems.length > 0) {
    throw new Error(`invalid arguments for existingClusterHandle:\n  ${problems.join("\n  ")}`);
  }
  return assemble({
    ...args,
    environment: args.environment ?? "dev",
    clusterName: pulumi.output(args.clusterName),
    gpuPools: args.gpuPools ?? [],
    monitoring: args.monitoring ? { backend, dependsOn: [] } : undefined,
    certificates: args.certificates
      ? {
          issuerName: args.certificates.issuerName,
          issuerKind: args.certificates.issuerKind ?? IssuerKind.clusterIssuer,
          dependsOn: [],
        }
      : undefined,
  });
}

/** What `existingObjectStore` needs: the reading cluster and the store's reference. */
export interface ExistingObjectStoreArgs {
  /**
   * The cluster whose workloads read the store (e.g. `existingClusterHandle(...)` of the platform's
   * cluster): its target must be the store's, and on "local" the MinIO server's Service is read
   * through its provider.
   */
  cluster: ClusterHandle;
  /**
   * The store as the stack that created it exports it (`objectStoreReference`), e.g.
   * `await platform.requireOutputValue("mlflowArtifactStore")` of a `pulumi.StackReference`.
   */
  reference: ObjectStoreReference;
}

/**
 * The `ObjectStore` handle of a bucket another stack created (e.g. the platform's MLflow artifact
 * store), to grant a component of this stack access to it: `ModelServing({ artifactStore })` reads
 * its models from it with a read-only identity. Reads, never creates or changes, the bucket:
 * `${name}-bucket` (aws: `aws.s3.Bucket`, and `${name}-key`, its KMS key, so a read grant adds
 * `kms:Decrypt`; gcp: `gcp.storage.Bucket`, and `${name}-key`, its CMEK key) or, on local,
 * `${name}-minio`, the MinIO server's Service (a read grant creates a read-only MinIO user in the
 * server's namespace, as for a store of another component). Throws an Error naming every malformed
 * key of `reference` (`reference.region: required when target is "aws"`).
 */
export function existingObjectStore(
  name: string,
  args: ExistingObjectStoreArgs,
  opts?: { parent?: pulumi.Resource },
): ObjectStore {
  const problems = objectStoreReferenceProblems(args.reference).map((p) => problemLine(p, "reference"));
  if (!clusterHandleSchema.safeParse(args.cluster).success) {
    problems.unshift(
      "cluster: must be a ClusterHandle (existingClusterHandle(...) or a GpuTrainingCluster's handle)",
    );
  } else if (problems.length === 0 && args.reference.target !== args.cluster.target) {
    problems.push(
      `reference.target: "${args.reference.target}" is not the cluster's target "${args.cluster.target}" (a workload is granted stores of its own cluster's target only)`,
    );
  }
  if (problems.length > 0) {
    throw new Error(`invalid arguments for existingObjectStore("${name}"):\n  ${problems.join("\n  ")}`);
  }
  return existingStore(
    { name, k8sProvider: args.cluster.provider, ...(opts?.parent ? { parent: opts.parent } : {}) },
    args.reference,
  );
}

/** The schema of each target's details (a handle's `aws` / `gcp`). */
const DETAILS_SCHEMAS = { aws: awsTargetArgsSchema, gcp: gcpTargetArgsSchema } as const;

/** What each target's details hold, for the message of a handle that lacks them. */
const DETAILS_NEEDED: Record<"aws" | "gcp", string> = {
  aws: "the VPC, private subnets, node security group and identity mode",
  gcp: "the project, region and network",
};

/**
 * Adds the issues of a handle's cloud details under `path` (e.g. `["cluster"]`): the details a
 * component needs on the handle's target (`required`), malformed details, details of another
 * target. Components that take `cluster: ClusterHandle` run it in their schema's rules.
 * @internal
 */
export function checkClusterHandleDetails(
  handle: Pick<ClusterHandle, "target" | "aws" | "gcp">,
  required: readonly ("aws" | "gcp")[],
  path: PropertyKey[],
  ctx: z.RefinementCtx,
): void {
  for (const key of required) {
    if (handle.target === key && handle[key] === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [...path, key],
        message: `required when the cluster's target is "${key}" (${DETAILS_NEEDED[key]}): a GpuTrainingCluster's handle has it; for an adopted cluster give existing.${key} (or existingClusterHandle({ ${key} }))`,
      });
    }
  }
  for (const key of [Target.aws, Target.gcp] as const) {
    const details = handle[key];
    if (details === undefined) continue;
    if (key !== handle.target) {
      ctx.addIssue({
        code: "custom",
        path: [...path, key],
        message: `only used when the cluster's target is "${key}"; remove it`,
      });
      continue;
    }
    const result = DETAILS_SCHEMAS[key].safeParse(details);
    for (const issue of result.success ? [] : result.error.issues) {
      ctx.addIssue({ code: "custom", path: [...path, key, ...issue.path], message: describeIssue(issue) });
    }
  }
}

/** Whether a value looks like a `ClusterHandle` (a provider, a target, an environment). */
function isClusterHandle(v: unknown): v is ClusterHandle {
  if (typeof v !== "object" || v === null) return false;
  const h = v as Partial<Record<keyof ClusterHandle, unknown>>;
  return (
    pulumi.ProviderResource.isInstance(h.provider) &&
    (TARGETS as unknown[]).includes(h.target) &&
    (ENVIRONMENTS as readonly unknown[]).includes(h.environment)
  );
}

/**
 * Runtime schema of a `cluster: ClusterHandle` arg: a handle with a Kubernetes provider, a target
 * and an environment. Its cloud details are checked by `checkClusterHandleDetails`.
 * @internal
 */
export const clusterHandleSchema = z.custom<ClusterHandle>(isClusterHandle, {
  message:
    "must be a ClusterHandle (with a kubernetes provider, a target and an environment): a GpuTrainingCluster's `handle`, or existingClusterHandle({ provider, target, clusterName }) for a cluster created elsewhere",
});

/**
 * The schema fields every component that runs on a cluster takes (the counterpart of
 * `platformArgsShape` for `cluster: ClusterHandle` components): `cluster`, `environment` (its
 * default is the cluster's) and `tags`; spread into the args schema,
 * `z.object({ ...clusterComponentArgsShape, <own fields> })`.
 * @internal zod schemas: kept out of the published declarations (stripInternal).
 */
export const clusterComponentArgsShape = {
  cluster: clusterHandleSchema,
  environment: z.enum(ENVIRONMENTS).optional(),
  tags: tagsSchema.optional(),
};

/**
 * A component's args schema with its `cluster` checked for the cloud details the component's
 * backing services attach to (`aws` / `gcp` on those targets, `checkClusterHandleDetails`).
 * @internal
 */
export function withClusterHandleDetails<S extends z.ZodObject<{ cluster: typeof clusterHandleSchema }>>(
  schema: S,
) {
  return schema.superRefine((v, ctx) => {
    const cluster = (v as { cluster?: unknown }).cluster;
    // Not a handle: that is already reported, and the details need its target.
    if (!clusterHandleSchema.safeParse(cluster).success) return;
    checkClusterHandleDetails(cluster as ClusterHandle, [Target.aws, Target.gcp], ["cluster"], ctx);
  });
}

/**
 * The adapter (`createAdapter`) of a component that runs on `cluster`: the cluster's target,
 * provider and cloud details with the component's context (its children `${ctx.name}-<role>-<kind>`,
 * its tags and protection), for workloads in `namespace` created after `dependsOn`. `local`: the
 * settings of the in-cluster services on the `local` target.
 */
export function clusterAdapter(
  cluster: ClusterHandle,
  ctx: Pick<ComponentContext, "parent" | "name" | "tags" | "protect">,
  namespace: pulumi.Input<string>,
  dependsOn: pulumi.Resource[],
  local?: LocalTargetArgs,
): CloudAdapter {
  const { parent, name, tags, protect } = ctx;
  return createAdapter(
    cluster.target,
    { parent, name, k8sProvider: cluster.provider, namespace, tags, protect, dependsOn },
    { aws: cluster.aws, gcp: cluster.gcp, local },
  );
}
