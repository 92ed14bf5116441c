/**
 * Names: DNS labels for Kubernetes objects, and the physical names of cloud resources.
 *
 * Physical names. Most cloud children are auto-named by Pulumi (logical name plus a random
 * suffix), which never collides. A few must be set explicitly, because the name is the identity
 * users and other tools address (the EKS / GKE cluster, the interruption queue Karpenter is told
 * about, KMS aliases, service account ids, a final snapshot). Those names are unique only within
 * an account/region or project, so two stacks of one program (aws-dev and aws-prod in one
 * account, or one stack per developer) would collide on them. Every such name is therefore made
 * here, and only here, by `physicalName(kind, base, ...roles)`:
 *
 *   base   `physicalNameBase(componentName, explicitName)`: the explicit name when the user gives
 *          one (GpuTrainingCluster's `clusterName`), else `<component name>-<stack>`
 *          (`pulumi.getStack()`), e.g. `gpu-cluster-aws-prod`;
 *   roles  what the resource is for (`karpenter`, `eks-secrets`, `gke-nodes`, ...);
 *   kind   the resource kind's length and character rules (`PHYSICAL_NAME_RULES`).
 *
 * The name is `<base>-<roles...>`, lowercased, with every run of other characters turned into a
 * single "-" (one charset that every kind accepts: lowercase letters, digits, single hyphens,
 * starting with a letter, ending with a letter or digit). When it is too long (or too short) for
 * the kind, it is cut and `-<6 hex of sha256>` of the whole readable name appended, so two stacks
 * whose names differ only in the cut-off part still get different, stable names.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** A short deterministic hash of `text` (hex). */
export function shortHash(text: string, length = 6): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** `parts` joined by "-", lowercased, other characters as single "-", no "-" at either end. */
export function slug(parts: readonly string[]): string {
  return parts
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
}

/**
 * A DNS-1123 label (lowercase alphanumerics and "-", starting and ending alphanumeric) of at most
 * `max` characters made from `parts`; when too long it is truncated and a hash of the full name is
 * appended, so distinct inputs stay distinct and the result is stable across runs.
 */
export function dnsLabel(parts: string[], max = 63): string {
  const full = slug(parts);
  if (full.length <= max) return full;
  const hash = shortHash(full);
  return `${full.slice(0, max - hash.length - 1).replace(/-$/, "")}-${hash}`;
}

/** Pattern of a DNS-1123 label, for validating names given by users. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kinds of explicitly named cloud resources. */
export const PhysicalNameKind = {
  /** EKS cluster name. */
  eksCluster: "eksCluster",
  /** KMS alias (`alias/<name>`). */
  kmsAlias: "kmsAlias",
  /** SQS queue name. */
  sqsQueue: "sqsQueue",
  /** RDS snapshot identifier (e.g. the final snapshot). */
  rdsSnapshot: "rdsSnapshot",
  /** ElastiCache snapshot name (e.g. a replication group's final snapshot). */
  elasticacheSnapshot: "elasticacheSnapshot",
  /** GKE cluster name. */
  gkeCluster: "gkeCluster",
  /** Google service account id (the part before `@`). */
  gcpServiceAccountId: "gcpServiceAccountId",
  /** Kubernetes StorageClass (cluster-scoped, so unique per cluster, not per namespace). */
  storageClass: "storageClass",
  /** Bigtable instance ID. */
  bigtableInstance: "bigtableInstance",
  /** Bigtable cluster ID. */
  bigtableCluster: "bigtableCluster",
  /** Redshift Serverless namespace name. */
  redshiftNamespace: "redshiftNamespace",
  /** Redshift Serverless workgroup name. */
  redshiftWorkgroup: "redshiftWorkgroup",
  /** BigQuery dataset id (use `bigQueryDatasetId`: "-" becomes "_"). */
  bigqueryDataset: "bigqueryDataset",
} as const;
export type PhysicalNameKind = (typeof PhysicalNameKind)[keyof typeof PhysicalNameKind];

/** Length rules of one kind of physical name (the charset is the same for every kind, see above). */
export interface PhysicalNameRule {
  /** Fewest characters, not counting `prefix`. */
  min: number;
  /** Most characters, not counting `prefix`. */
  max: number;
  /** Fixed text the service requires before every name (`alias/` for KMS aliases). */
  prefix: string;
  /** Put first when the name would start with a digit (every kind must start with a letter here). */
  letterStart: string;
}

/**
 * The rules per kind, from each service's API reference:
 * - EKS cluster: 1–100 alphanumerics, "-", "_", starting alphanumeric
 *   (https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html); capped at 40
 *   like GKE, so the names derived from it (`<cluster>-karpenter` queue, Karpenter's instance
 *   profiles, the `/aws/eks/<cluster>/cluster` log group) stay well inside their own limits.
 * - KMS alias: `alias/` + name, 1–256 characters in all
 *   (https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html).
 * - SQS queue: at most 80 alphanumerics, "-", "_"
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html).
 * - RDS snapshot identifier: 1–255 letters, digits, "-", starting with a letter, no "--", not
 *   ending in "-" (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html).
 * - ElastiCache snapshot name: letters, digits, "-", starting with a letter, no "--", not ending in
 *   "-" (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateSnapshot.html
 *   states no length; capped at 255 like the RDS identifier).
 * - GKE cluster: a lowercase letter and up to 39 lowercase letters, digits, "-", not ending in "-"
 *   (https://cloud.google.com/kubernetes-engine/docs/how-to/creating-a-regional-cluster).
 * - Service account id: 6–30 characters, `[a-z]([-a-z0-9]*[a-z0-9])`
 *   (https://cloud.google.com/iam/docs/service-accounts-create#creating).
 * - Redshift Serverless namespace and workgroup: 3–64 lowercase letters, digits and "-"
 *   (https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_CreateNamespace.html,
 *   API_CreateWorkgroup.html).
 * - BigQuery dataset id: up to 1,024 letters, digits and "_"
 *   (https://cloud.google.com/bigquery/docs/datasets#dataset-naming); `bigQueryDatasetId` turns
 *   the "-" of the common charset into "_".
 * - StorageClass: a DNS subdomain name (up to 253 characters,
 *   https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-subdomain-names);
 *   capped at 63 like a DNS label, so it reads in `kubectl get pvc` and fits any label value.
 * - Bigtable instance ID: 6–33 characters, `[a-z][-a-z0-9]*[a-z0-9]`; cluster ID: 6–30 characters,
 *   same charset (https://cloud.google.com/bigtable/docs/reference/admin/rest/v2/projects.instances/create,
 *   `instanceId` and `clusters`).
 */
export const PHYSICAL_NAME_RULES: Record<PhysicalNameKind, PhysicalNameRule> = {
  eksCluster: { min: 1, max: 40, prefix: "", letterStart: "eks" },
  kmsAlias: { min: 1, max: 256 - "alias/".length, prefix: "alias/", letterStart: "key" },
  sqsQueue: { min: 1, max: 80, prefix: "", letterStart: "q" },
  rdsSnapshot: { min: 1, max: 255, prefix: "", letterStart: "db" },
  elasticacheSnapshot: { min: 1, max: 255, prefix: "", letterStart: "kv" },
  gkeCluster: { min: 1, max: 40, prefix: "", letterStart: "gke" },
  gcpServiceAccountId: { min: 6, max: 30, prefix: "", letterStart: "sa" },
  storageClass: { min: 1, max: 63, prefix: "", letterStart: "sc" },
  bigtableInstance: { min: 6, max: 33, prefix: "", letterStart: "bt" },
  bigtableCluster: { min: 6, max: 30, prefix: "", letterStart: "bt" },
  redshiftNamespace: { min: 3, max: 64, prefix: "", letterStart: "rs" },
  redshiftWorkgroup: { min: 3, max: 64, prefix: "", letterStart: "rs" },
  bigqueryDataset: { min: 1, max: 1024, prefix: "", letterStart: "bq" },
};

/** Characters of the hash appended to names that do not fit. */
const HASH_LENGTH = 6;

/**
 * The part that makes a component's physical names unique in the account/project: `explicitName`
 * when given (used as it is), else `<componentName>-<stack>`.
 */
export function physicalNameBase(componentName: string, explicitName?: string, stack?: string): string {
  return explicitName ?? `${componentName}-${stack ?? pulumi.getStack()}`;
}

/**
 * The physical name of a `kind` of resource: `<base>-<roles...>` in the kind's rules (see the
 * module comment), with a hash suffix when it does not fit. Deterministic: the same arguments
 * always give the same name.
 */
export function physicalName(kind: PhysicalNameKind, base: string, ...roles: string[]): string {
  const rule = PHYSICAL_NAME_RULES[kind];
  let name = slug([base, ...roles]);
  if (!/^[a-z]/.test(name)) name = slug([rule.letterStart, name]);
  if (name.length > rule.max || name.length < rule.min) {
    const hash = shortHash(name, HASH_LENGTH);
    name = `${name.slice(0, rule.max - HASH_LENGTH - 1).replace(/-+$/, "")}-${hash}`;
  }
  return `${rule.prefix}${name}`;
}

/** A BigQuery dataset id: `physicalName("bigqueryDataset", ...)` with "_" for "-" (ids take no "-"). */
export function bigQueryDatasetId(base: string, ...roles: string[]): string {
  return physicalName(PhysicalNameKind.bigqueryDataset, base, ...roles).replace(/-/g, "_");
}
