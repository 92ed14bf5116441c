/**
 * The public contract of `mlops:index:ModelRegistry`: a hand-written, documented args interface
 * and the zod schema that validates it at runtime (test/types.test.ts keeps the two in sync).
 */
import { z } from "zod";
import { resourcesWithDefaults } from "../shared/k8s";
import {
  postgresProdProblems,
  postgresSettingsSchema,
  type PostgresSettingsArgs,
} from "../shared/database-args";
import type { LocalTargetArgs } from "../adapters";
import { awsTargetArgsSchema, gcpTargetArgsSchema, Target } from "../adapters";
import { resolvePlatform } from "../shared/component";
import {
  httpsIngressArgsSchema,
  httpsIngressProblems,
  resolveHttpsIngress,
  type HttpsIngressArgs,
  type ResolvedHttpsIngress,
} from "../shared/https-ingress";
import { resolveWith, type Problem, type Resolution } from "../shared/contract";
import { PRESETS, type Environment } from "../shared/presets";
import {
  dnsLabelSchema,
  labelMapSchema as labelMap,
  nonEmptyStringSchema as nonEmpty,
  pinnedImageSchema,
  resourceOverridesSchema,
} from "../shared/schemas";
import { clusterComponentArgsShape, withClusterHandleDetails, type ClusterHandle } from "../training-cluster";

/**
 * The official MLflow image, "-full" variant: the only official variant with the PostgreSQL
 * driver (psycopg2), boto3 (S3) and google-cloud-storage (GCS); see mlflow/mlflow docker/README.md.
 * 3.15.2 is the newest release (2026-08-25, https://mlflow.org/releases/3.15.2/).
 */
export const DEFAULT_MLFLOW_IMAGE = "ghcr.io/mlflow/mlflow:v3.15.2-full";

/** Permission every authenticated user has on every experiment and model unless granted more. */
export const MlflowPermission = {
  READ: "READ",
  EDIT: "EDIT",
  MANAGE: "MANAGE",
  NO_PERMISSIONS: "NO_PERMISSIONS",
} as const;
export type MlflowPermission = (typeof MlflowPermission)[keyof typeof MlflowPermission];

/** CPU and memory for the MLflow container; requests and limits are always both set. */
export interface ModelRegistryResources {
  /** @default "250m" */
  cpuRequest?: string;
  /** @default "512Mi" */
  memoryRequest?: string;
  /** @default "1" */
  cpuLimit?: string;
  /** @default "2Gi" */
  memoryLimit?: string;
}

/** The PostgreSQL backend store (the fields every component database takes). */
export type ModelRegistryDatabaseArgs = PostgresSettingsArgs;

/** The artifact bucket. */
export interface ModelRegistryBucketArgs {
  /** Keep object versions. @default true */
  versioning?: boolean;
  /** Let `pulumi destroy` delete a non-empty bucket. @default true in dev, false in staging/prod */
  forceDestroy?: boolean;
}

/**
 * Exposing MLflow outside the cluster through an Ingress (`HttpsIngressArgs`). Off by default. On
 * the clouds it is the target's own load balancer, internal by default: an internal ALB (AWS Load
 * Balancer Controller, class "alb") on AWS, GKE's internal Application Load Balancer
 * ("gce-internal") on Google Cloud; any other class is a bring-your-own in-cluster controller (e.g.
 * "nginx"). Every class serves HTTPS only, with a body size and timeouts that fit model artifacts.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a named alias keeps the public API and docs
export interface ModelRegistryIngressArgs extends HttpsIngressArgs {}

export { HTTPS_ONLY_INGRESS_ANNOTATIONS } from "../shared/https-ingress";

/**
 * MLflow's built-in basic-auth app (`mlflow server --app-name basic-auth`). Users and permissions
 * live in the same PostgreSQL database (MLflow ≥ 3.6 keeps them under `alembic_version_auth`).
 */
export interface ModelRegistryAuthArgs {
  /** Require a user name and password on every request except /health. @default true when the Ingress is enabled, else false */
  enabled?: boolean;
  /** Name of the initial admin user (its password is generated and exported as a secret). @default "admin" */
  adminUsername?: string;
  /** Permission of users on resources they were not granted. @default "READ" */
  defaultPermission?: MlflowPermission;
}

export interface ModelRegistryArgs {
  /**
   * The cluster MLflow runs on: a `GpuTrainingCluster`'s `handle`, or `existingClusterHandle(...)`
   * for a cluster created elsewhere. Its provider deploys the Kubernetes objects; its target is
   * where the backing services (database, bucket, identity, key) run; its `aws` / `gcp` details
   * (required on those targets) are the network and identity they attach to.
   */
  cluster: ClusterHandle;
  /** Environment preset that picks the defaults below. @default the cluster's environment */
  environment?: Environment;
  /** Namespace for MLflow (created with Pod Security "restricted" unless `createNamespace` is false). @default "mlflow" */
  namespace?: string;
  /** Create the namespace, with a default-deny NetworkPolicy. @default true */
  createNamespace?: boolean;
  /** Settings for in-cluster services. Used when the cluster's target is "local". @default {} */
  local?: LocalTargetArgs;
  /** MLflow container image (pin a tag or digest). @default "ghcr.io/mlflow/mlflow:v3.15.2-full" */
  image?: string;
  /** MLflow server replicas (at least 2 in prod). @default 1 in dev, 2 in staging/prod */
  replicas?: number;
  /** Uvicorn worker processes per replica. @default 2 */
  workers?: number;
  /** A PodDisruptionBudget (minAvailable 1) when replicas ≥ 2. @default false in dev, true in staging/prod */
  podDisruptionBudget?: boolean;
  /** Container resources. @default requests 250m/512Mi, limits 1/2Gi */
  resources?: ModelRegistryResources;
  /** The PostgreSQL backend store. @default the environment preset */
  database?: ModelRegistryDatabaseArgs;
  /** The artifact bucket. @default versioned; force-destroy only in dev */
  bucket?: ModelRegistryBucketArgs;
  /** `protect` and retain-on-delete on the database, bucket and key. @default true in prod, else false */
  protect?: boolean;
  /** Ingress (off by default: MLflow is reachable only inside the cluster). */
  ingress?: ModelRegistryIngressArgs;
  /** Authentication. @default on when the Ingress is enabled */
  auth?: ModelRegistryAuthArgs;
  /**
   * Labels of the namespaces whose pods may call MLflow (pods in MLflow's own namespace always may).
   * @default { "mlops.pulumi.com/mlflow-client": "true" }
   */
  clientNamespaceLabels?: Record<string, string>;
  /**
   * Tags (AWS) and labels (GCP, Kubernetes) for every resource the component creates; an
   * `environment` tag is added from `environment` unless given here.
   * @default {}
   */
  tags?: Record<string, string>;
}

const localSchema = z
  .object({
    storageClassName: nonEmpty.optional(),
    objectStoreStorageGb: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();

/** Field schemas of `ModelRegistryArgs`, without the cross-field rules (the stack config reuses them).  @internal */
export const modelRegistryArgsObject = z
  .object({
    ...clusterComponentArgsShape,
    namespace: dnsLabelSchema().optional(),
    createNamespace: z.boolean().optional(),
    local: localSchema.optional(),
    image: pinnedImageSchema.optional(),
    replicas: z.number().int().min(1).max(20).optional(),
    workers: z.number().int().min(1).max(16).optional(),
    podDisruptionBudget: z.boolean().optional(),
    resources: resourceOverridesSchema.optional(),
    database: postgresSettingsSchema.optional(),
    bucket: z
      .object({ versioning: z.boolean().optional(), forceDestroy: z.boolean().optional() })
      .strict()
      .optional(),
    protect: z.boolean().optional(),
    ingress: httpsIngressArgsSchema("mlflow.example.com").optional(),
    auth: z
      .object({
        enabled: z.boolean().optional(),
        adminUsername: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: "must be 1–64 letters, digits, '_', '.' or '-'" })
          .optional(),
        defaultPermission: z
          .enum([
            MlflowPermission.READ,
            MlflowPermission.EDIT,
            MlflowPermission.MANAGE,
            MlflowPermission.NO_PERMISSIONS,
          ])
          .optional(),
      })
      .strict()
      .optional(),
    clientNamespaceLabels: labelMap.optional(),
  })
  .strict();

/**
 * The args as far as the cross-field rules look at them: of the cluster, only its target and
 * environment (the stack config checks before any cluster exists).
 * @internal
 */
type CheckedArgs = Omit<z.output<typeof modelRegistryArgsObject>, "cluster"> & {
  cluster: Pick<ClusterHandle, "target" | "environment">;
};

/**
 * Cross-field rules of `ModelRegistryArgs` that do not need the cluster's details (the `local`
 * block, TLS and auth with an Ingress, the prod floor), each run once by
 * `resolveModelRegistryArgs`; the component also checks the handle's details
 * (`checkClusterHandleDetails`, part of its schema).
 */
function registryProblems(v: CheckedArgs, environment: Environment): Problem[] {
  const problems: Problem[] = [];
  const target = v.cluster.target;
  if (v.local !== undefined && target !== Target.local) {
    problems.push({ path: ["local"], message: 'only used when target is "local"; remove it' });
  }
  if (v.ingress?.enabled) {
    problems.push(...httpsIngressProblems(target, v.ingress, ["ingress"]));
    if (v.auth?.enabled === false) {
      problems.push({
        path: ["auth", "enabled"],
        message: "must not be false while the Ingress is enabled (no open endpoints)",
      });
    }
  }
  if (environment === "prod") {
    if (v.replicas !== undefined && v.replicas < 2) {
      problems.push({ path: ["replicas"], message: "must be at least 2 in prod" });
    }
    problems.push(...postgresProdProblems(v.database, ["database"]));
    if (v.protect === false) problems.push({ path: ["protect"], message: "must not be false in prod" });
  }
  return problems;
}

/**
 * Runtime schema of `ModelRegistryArgs`: the field schemas and the cluster handle's details (the
 * interface ↔ schema type test uses it). The rules and defaults are `resolveModelRegistryArgs`'s.
 * @internal
 */
// The database, bucket and identity attach to the cluster's network and identity.
export const modelRegistryArgsSchema = withClusterHandleDetails(modelRegistryArgsObject);

/** `ModelRegistryArgs` with every default applied (the cluster handle is the args'). */
export interface ResolvedModelRegistryArgs {
  target: Target;
  environment: Environment;
  namespace: string;
  createNamespace: boolean;
  image: string;
  replicas: number;
  workers: number;
  podDisruptionBudget: boolean;
  /** Spread replicas across zones (outside dev). */
  spreadAcrossZones: boolean;
  resources: Required<ModelRegistryResources>;
  database: Required<ModelRegistryDatabaseArgs>;
  bucket: Required<ModelRegistryBucketArgs>;
  protect: boolean;
  /** The Ingress, class resolved; undefined when it is off. */
  ingress: ResolvedHttpsIngress | undefined;
  /** Basic auth; undefined when it is off (on by default with the Ingress). */
  auth: { adminUsername: string; defaultPermission: MlflowPermission } | undefined;
  clientNamespaceLabels: Record<string, string>;
  /** Tags of every resource, `environment` included. */
  tags: Record<string, string>;
}

/**
 * The contract pipeline of `ModelRegistry` (components/shared/contract.ts), in one pure pass: the
 * schema, the cross-field rules (each once), the environment preset and every default.
 * `environment` fills `args.environment` when neither it nor the cluster gives one.
 *
 * `cluster`: the target and environment of the cluster the program will pass as `args.cluster`,
 * for a caller that resolves before the cluster exists (the stack config). `args.cluster` is then
 * not part of the args (a Pulumi value the program supplies); the component passes nothing here.
 */
export function resolveModelRegistryArgs(
  args: unknown,
  environment?: Environment,
  cluster?: Pick<ClusterHandle, "target" | "environment">,
): Resolution<ResolvedModelRegistryArgs> {
  const schema = cluster ? modelRegistryArgsObject.omit({ cluster: true }) : modelRegistryArgsSchema;
  return resolveWith(schema, args, (parsed) => {
    const v = { ...parsed, ...(cluster ? { cluster } : {}) } as CheckedArgs;
    // Not a handle: the schema reports it, and every rule below needs its target.
    if (typeof v.cluster?.target !== "string") return { resolved: undefined, problems: [] };
    const env: Environment = v.environment ?? v.cluster.environment ?? environment ?? "dev";
    const preset = PRESETS[env];
    const target = v.cluster.target;
    const ingressEnabled = v.ingress?.enabled ?? false;
    const authEnabled = v.auth?.enabled ?? ingressEnabled;
    const resolved: ResolvedModelRegistryArgs = {
      target,
      namespace: v.namespace ?? "mlflow",
      createNamespace: v.createNamespace ?? true,
      image: v.image ?? DEFAULT_MLFLOW_IMAGE,
      replicas: v.replicas ?? preset.replicas,
      workers: v.workers ?? 2,
      podDisruptionBudget: v.podDisruptionBudget ?? preset.podDisruptionBudget,
      spreadAcrossZones: env !== "dev",
      resources: resourcesWithDefaults(v.resources, {
        cpuRequest: "250m",
        memoryRequest: "512Mi",
        cpuLimit: "1",
        memoryLimit: "2Gi",
      }),
      database: {
        size: v.database?.size ?? preset.databaseSize,
        storageGb: v.database?.storageGb ?? preset.databaseStorageGb,
        highAvailability: v.database?.highAvailability ?? preset.highAvailability,
        deletionProtection: v.database?.deletionProtection ?? preset.deletionProtection,
        backupRetentionDays: v.database?.backupRetentionDays ?? preset.backupRetentionDays,
        pointInTimeRecovery: v.database?.pointInTimeRecovery ?? preset.pointInTimeRecovery,
      },
      bucket: {
        versioning: v.bucket?.versioning ?? true,
        forceDestroy: v.bucket?.forceDestroy ?? preset.forceDestroyBuckets,
      },
      ingress: resolveHttpsIngress(target, v.ingress),
      auth: authEnabled
        ? {
            adminUsername: v.auth?.adminUsername ?? "admin",
            defaultPermission: v.auth?.defaultPermission ?? MlflowPermission.READ,
          }
        : undefined,
      clientNamespaceLabels: v.clientNamespaceLabels ?? { "mlops.pulumi.com/mlflow-client": "true" },
      // environment, tags (with `environment`) and protect: the platform args' one resolution.
      ...resolvePlatform({ environment: env, tags: v.tags, protect: v.protect }),
    };
    return { resolved, problems: registryProblems(v, env) };
  });
}

/** Schemas of the per-target blocks, shared with the stack config.  @internal */
export const targetSchemas = { aws: awsTargetArgsSchema, gcp: gcpTargetArgsSchema, local: localSchema };
