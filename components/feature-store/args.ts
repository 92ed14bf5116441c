/**
 * The public contract of `mlops:index:FeatureStore`: a hand-written, documented args interface and
 * the zod schema that validates it at runtime (test/types.test.ts keeps the two in sync), and the
 * one resolver `resolveFeatureStoreArgs` (components/shared/contract.ts).
 */
import { z } from "zod";
import { resourcesWithDefaults } from "../shared/k8s";
import {
  postgresProdProblems,
  postgresSettingsSchema,
  type PostgresSettingsArgs,
} from "../shared/database-args";
import { Target } from "../adapters";
import { resolvePlatform } from "../shared/component";
import { resolveWith, type Problem, type Resolution } from "../shared/contract";
import { DatabaseSize, PRESETS, type Environment } from "../shared/presets";
import {
  dnsLabelSchema,
  labelMapSchema as labelMap,
  nonEmptyStringSchema as nonEmpty,
  pinnedImageSchema,
  resourceOverridesSchema,
} from "../shared/schemas";
import { clusterComponentArgsShape, withClusterHandleDetails, type ClusterHandle } from "../training-cluster";
import { onlineTableProblems } from "./online-stores";

/** Where the online store (the feature server's low-latency reads) keeps feature values. */
export const OnlineStoreType = {
  /**
   * The target's key-value capability (Valkey / Redis OSS protocol, Feast `redis`): ElastiCache
   * (aws), Memorystore (gcp), in-cluster Valkey (local).
   */
  keyValue: "keyValue",
  /**
   * Amazon DynamoDB (aws only, Feast `dynamodb`): one on-demand table per feature view in
   * `tables`, pre-created encrypted with the component's KMS key; Feast's identity may read and
   * write items, never create or delete tables.
   */
  dynamodb: "dynamodb",
  /**
   * Cloud Bigtable (gcp only, Feast `bigtable`): an SSD instance with CMEK and autoscaling (a second
   * cluster in another zone with `highAvailability`), one table per entity combination in
   * `tables`, pre-created; Feast's identity gets roles/bigtable.user on the instance.
   */
  bigtable: "bigtable",
} as const;
export type OnlineStoreType = (typeof OnlineStoreType)[keyof typeof OnlineStoreType];

/** Where the offline store (training data, materialisation source) reads from. */
export const OfflineStoreType = {
  /**
   * Parquet files on the target's object store (S3, GCS, MinIO), read with DuckDB. On `local` the
   * Feast servers get DuckDB's MinIO settings, and sources end their paths with
   * `FEAST_OFFLINE_PATH_QUERY` (path-style addressing) and set `file_format=ParquetFormat()`.
   * Known limit on `aws` and `gcp`: Feast 0.66's DuckDB store cannot read the bucket with the Feast
   * pods' identity (no IRSA / Pod Identity, no Workload Identity), so the deployment warns; use the
   * target's warehouse for data in the bucket; sources shipped in the feature repository work. See
   * docs/feature-store.md.
   */
  parquet: "parquet",
  /**
   * Amazon Redshift Serverless (aws only): a private workgroup encrypted with the component's key,
   * queried through the Redshift Data API with the Feast identity (database user
   * `IAMR:<role name>`; grant it schemas and tables with the namespace's admin user, whose
   * password Redshift keeps in Secrets Manager); the offline bucket's `staging/` prefix is Feast's
   * `s3_staging_location`. The workgroup goes in the cluster's private subnets (Redshift
   * Serverless asks for three Availability Zones; the toolkit's clusters default to three) with
   * enhanced VPC routing, so `COPY` / `UNLOAD` reach S3 through the VPC (S3 gateway endpoint or NAT).
   */
  redshift: "redshift",
  /**
   * BigQuery (gcp only): a dataset in the region with the component's key as default CMEK, where
   * Feast keeps its temporary tables; the Feast identity is dataEditor on it and jobUser on the
   * project (grant it read access to the datasets of your feature sources yourself).
   */
  bigquery: "bigquery",
} as const;
export type OfflineStoreType = (typeof OfflineStoreType)[keyof typeof OfflineStoreType];

/** How the Feast servers authorise requests (`spec.authz`); never off. */
export const FeatureStoreAuthz = {
  /** Kubernetes RBAC: a client's ServiceAccount token, checked against Roles named in `roles`. */
  kubernetes: "kubernetes",
  /** OIDC bearer tokens from `oidc.issuerUrl`, for clients outside the cluster. */
  oidc: "oidc",
} as const;
export type FeatureStoreAuthz = (typeof FeatureStoreAuthz)[keyof typeof FeatureStoreAuthz];

/** CPU and memory of each Feast server container; requests and limits are always both set. */
export interface FeatureStoreResources {
  /** @default "250m" */
  cpuRequest?: string;
  /** @default "512Mi" */
  memoryRequest?: string;
  /** @default "1" */
  cpuLimit?: string;
  /** @default "2Gi" */
  memoryLimit?: string;
}

/** The online store. Defaults come from the environment preset. */
export interface FeatureStoreOnlineStoreArgs {
  /** Which store. @default "keyValue" */
  type?: OnlineStoreType;
  /**
   * Size class: of the key-value store's nodes / memory; of each Bigtable cluster's autoscaling
   * bounds (bigtable). Unused by dynamodb (on-demand capacity).
   * @default "small" in dev, "medium" in staging/prod
   */
  size?: DatabaseSize;
  /**
   * A replica in another zone with automatic failover (keyValue); a second cluster in another zone
   * (bigtable). DynamoDB always replicates across three zones.
   * @default true in prod, else false
   */
  highAvailability?: boolean;
  /**
   * keyValue: days of snapshots (aws) / RDB persistence when above 0 (gcp). dynamodb: days of
   * point-in-time recovery (1–35). bigtable: days each table's daily automated backups are kept (at
   * least 3). 0 turns them off.
   * @default 1 in dev, 7 in staging, 14 in prod
   */
  backupRetentionDays?: number;
  /**
   * Final snapshot (keyValue on aws); deletion protection of the instance (keyValue on gcp), of
   * each table (dynamodb), of the instance and each table (bigtable).
   * @default true in staging/prod, false in dev
   */
  deletionProtection?: boolean;
  /**
   * The tables the online store pre-creates, one per name: with "dynamodb" the feature view names
   * (table `<component name>-<stack>.<project>.<feature view>`); with "bigtable" the entity
   * combinations (each feature view's entity names, sorted and joined with "-", e.g.
   * "customer-shop", or "__dummy" for a view without entities; table `<project>.<entities>` as
   * Feast names it). Required (at least one) with "dynamodb" and "bigtable"; refused with
   * "keyValue". Feast's identity cannot create tables (Feast would create DynamoDB tables without
   * the customer-managed key), so `feast apply` of a feature view whose table is not here fails
   * with AccessDenied / PermissionDenied: add it here and run `pulumi up` first. Removing a table:
   * take it out here (`pulumi up` deletes it once its deletion protection is off). With "bigtable",
   * `feast apply` after the last feature view of an entity combination is removed tries to delete
   * its table itself and fails (PermissionDenied, feast v0.66.0 bigtable.py `update`); DynamoDB's
   * store only logs a warning there.
   * @default none
   */
  tables?: string[];
}

/**
 * The offline store. The offline bucket exists with every type: the Parquet store itself, Redshift's
 * staging area (`staging/`) and a landing zone for producers.
 */
export interface FeatureStoreOfflineStoreArgs {
  /** Which store. @default "parquet" */
  type?: OfflineStoreType;
  /** Keep object versions of the offline bucket. @default true */
  versioning?: boolean;
  /**
   * Let `pulumi destroy` delete a non-empty bucket (and, with "bigquery", the dataset with its
   * tables). @default true in dev, false in staging/prod
   */
  forceDestroy?: boolean;
  /**
   * Size class of the warehouse's compute: the Redshift Serverless base capacity (8, 32 or 128
   * RPUs). Only with type "redshift". @default "small" in dev, "medium" in staging/prod
   */
  size?: DatabaseSize;
}

/** The SQL registry's PostgreSQL database (its own database and user). Defaults from the preset. */
export type FeatureStoreRegistryArgs = PostgresSettingsArgs;

/** A feature repository in git (`spec.feastProjectDir.git`). */
export interface FeatureStoreGitRepositoryArgs {
  /** Clone URL (https). */
  url: string;
  /** Branch, tag or commit to check out (pin a tag or commit in prod). */
  ref: string;
  /** Path of the feature repository inside the clone (relative). @default the clone's root */
  featureRepoPath?: string;
}

/** A feature repository packaged in the server image (`spec.feastProjectDir.packaged`). */
export interface FeatureStoreImageRepositoryArgs {
  /** Feature server image with the repository in it (pinned tag or digest). */
  image: string;
  /** Absolute path of the feature repository in the image (e.g. "/app/feature_repo"). */
  feastProjectDir: string;
}

/** Where the feature definitions come from; `feast apply` runs on init. Exactly one of the two. */
export interface FeatureStoreRepositoryArgs {
  git?: FeatureStoreGitRepositoryArgs;
  image?: FeatureStoreImageRepositoryArgs;
}

/** Scheduled incremental materialisation (the CR's `cronJob`). */
export interface FeatureStoreMaterializationArgs {
  /** Cron schedule (5 fields, UTC). @default "0 * * * *" (hourly) */
  schedule?: string;
  /** Seconds one run may take before it is stopped (`activeDeadlineSeconds`). @default 3000 */
  deadlineSeconds?: number;
}

/** Horizontal autoscaling of the feature server (an HPA the operator creates). */
export interface FeatureStoreAutoscalingArgs {
  /** @default the feature server's replicas */
  minReplicas?: number;
  /** Must be at least `minReplicas`. */
  maxReplicas: number;
  /** Average CPU utilisation (% of the request) the HPA aims for. @default 70 */
  targetCpuUtilization?: number;
}

/** The feature server (the online store's HTTP server). */
export interface FeatureStoreServerArgs {
  /** Replicas without autoscaling (at least 2 in prod). @default 1 in dev, 2 in staging/prod */
  replicas?: number;
  /** Autoscaling (needs the online store on a shared backend, which every online store type is). @default off */
  autoscaling?: FeatureStoreAutoscalingArgs;
  /** Container resources of each Feast server. @default requests 250m/512Mi, limits 1/2Gi */
  resources?: FeatureStoreResources;
}

/** Who may call the Feast servers. */
export interface FeatureStoreAuthzArgs {
  /** @default "kubernetes" */
  type?: FeatureStoreAuthz;
  /** Kubernetes Roles the operator creates for Feast permissions (type "kubernetes"). @default ["feast-reader", "feast-writer"] */
  roles?: string[];
  /** OIDC issuer (https URL); required with type "oidc". */
  issuerUrl?: string;
  /** Audience (client id) tokens must be issued for; required with type "oidc". */
  audience?: string;
}

/**
 * TLS of the Feast servers: a Secret of type kubernetes.io/tls in the namespace whose certificate
 * names every server Service (e.g. from a cert-manager Certificate).
 */
export interface FeatureStoreTlsArgs {
  /** Name of the Secret (`tls.crt`, `tls.key`). */
  secretName: string;
}

export interface FeatureStoreArgs {
  /**
   * The cluster Feast runs on: a `GpuTrainingCluster`'s `handle`, or `existingClusterHandle(...)`.
   * Its target is where the online store, the offline bucket and the registry database run.
   */
  cluster: ClusterHandle;
  /** Environment preset that picks the defaults below. @default the cluster's environment */
  environment?: Environment;
  /** Namespace for the operator's FeatureStore (Pod Security "restricted"). @default "feast" */
  namespace?: string;
  /** Feast project name (`spec.feastProject`): letters, digits, `_` and `-`, starting with a letter or digit. */
  project: string;
  /** Where the feature definitions come from. */
  repository: FeatureStoreRepositoryArgs;
  /** The online store: what serves the latest feature values. @default a key-value store sized by the preset */
  onlineStore?: FeatureStoreOnlineStoreArgs;
  /** The offline store: where historical features are kept. @default Parquet on a versioned bucket */
  offlineStore?: FeatureStoreOfflineStoreArgs;
  /** The SQL registry's database. @default the environment preset */
  registry?: FeatureStoreRegistryArgs;
  /** The materialization CronJob (offline → online). @default hourly, 3000 s deadline */
  materialization?: FeatureStoreMaterializationArgs;
  /** The online feature server. @default the preset's replicas, no autoscaling */
  featureServer?: FeatureStoreServerArgs;
  /** A PodDisruptionBudget (minAvailable 1) on the Feast pods. @default false in dev, true in staging/prod */
  podDisruptionBudget?: boolean;
  /** Spread Feast pods across zones. @default false in dev, true in staging/prod */
  spreadAcrossZones?: boolean;
  /** Who may read features from the feature server. @default Kubernetes RBAC */
  authz?: FeatureStoreAuthzArgs;
  /**
   * TLS on every Feast server from this Secret.
   * @default a certificate from the cluster's issuer (`ClusterHandle.certificates`, cert-manager's
   * in-cluster CA) naming every server Service; TLS is off only on a cluster without one
   */
  tls?: FeatureStoreTlsArgs;
  /**
   * Labels of the namespaces whose pods may call the Feast servers.
   * @default { "mlops.pulumi.com/feature-store-client": "true" }
   */
  clientNamespaceLabels?: Record<string, string>;
  /** `protect` and retain-on-delete on the stores, database and key. @default true in prod, else false */
  protect?: boolean;
  /** Tags / labels of every resource; `environment` is added. @default {} */
  tags?: Record<string, string>;
}

/** The default client namespace label. */
export const FEATURE_STORE_CLIENT_LABEL = { "mlops.pulumi.com/feature-store-client": "true" } as const;

/** A Feast project name, as the v1 CRD's `spec.feastProject` pattern states it. */
const FEAST_PROJECT = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
/** Five cron fields (numbers, `*`, ranges, lists, steps, names); the operator's CronJob runs it. */
const CRON = /^(\S+\s+){4}\S+$/;

const sizeSchema = z.enum([DatabaseSize.small, DatabaseSize.medium, DatabaseSize.large]);

/** Field schemas of `FeatureStoreArgs`, without the cross-field rules.  @internal */
export const featureStoreArgsObject = z
  .object({
    ...clusterComponentArgsShape,
    namespace: dnsLabelSchema().optional(),
    project: z.string().max(63, { message: "must be at most 63 characters" }).regex(FEAST_PROJECT, {
      message: "must be letters, digits, '_' or '-', starting with a letter or digit",
    }),
    repository: z
      .object({
        git: z
          .object({
            url: z.string().regex(/^https:\/\/\S+$/, { message: "must be an https:// URL" }),
            ref: nonEmpty,
            featureRepoPath: z
              .string()
              .regex(/^[^/]\S*$/, { message: "must be a relative path" })
              .optional(),
          })
          .strict()
          .optional(),
        image: z
          .object({
            image: pinnedImageSchema,
            feastProjectDir: z
              .string()
              .regex(/^\/[^\s]*[^/\s]$/, { message: "must be an absolute path (not '/')" })
              .refine((p) => !/\/\.\.?(\/|$)|\/\//.test(p), { message: "must be a normalised path" }),
          })
          .strict()
          .optional(),
      })
      .strict(),
    onlineStore: z
      .object({
        type: z
          .enum([OnlineStoreType.keyValue, OnlineStoreType.dynamodb, OnlineStoreType.bigtable])
          .optional(),
        size: sizeSchema.optional(),
        highAvailability: z.boolean().optional(),
        backupRetentionDays: z.number().int().min(0).max(35).optional(),
        deletionProtection: z.boolean().optional(),
        tables: z.array(nonEmpty).min(1, { message: "must name at least one table" }).optional(),
      })
      .strict()
      .optional(),
    offlineStore: z
      .object({
        type: z
          .enum([OfflineStoreType.parquet, OfflineStoreType.redshift, OfflineStoreType.bigquery])
          .optional(),
        versioning: z.boolean().optional(),
        forceDestroy: z.boolean().optional(),
        size: sizeSchema.optional(),
      })
      .strict()
      .optional(),
    registry: postgresSettingsSchema.optional(),
    materialization: z
      .object({
        schedule: z
          .string()
          .regex(CRON, { message: 'must be a 5-field cron schedule such as "0 * * * *"' })
          .optional(),
        deadlineSeconds: z.number().int().min(60).max(86_400).optional(),
      })
      .strict()
      .optional(),
    featureServer: z
      .object({
        replicas: z.number().int().min(1).max(50).optional(),
        autoscaling: z
          .object({
            minReplicas: z.number().int().min(1).max(100).optional(),
            maxReplicas: z.number().int().min(1).max(100),
            targetCpuUtilization: z.number().int().min(10).max(100).optional(),
          })
          .strict()
          .optional(),
        resources: resourceOverridesSchema.optional(),
      })
      .strict()
      .optional(),
    podDisruptionBudget: z.boolean().optional(),
    spreadAcrossZones: z.boolean().optional(),
    authz: z
      .object({
        type: z.enum([FeatureStoreAuthz.kubernetes, FeatureStoreAuthz.oidc]).optional(),
        roles: z.array(dnsLabelSchema()).min(1, { message: "must name at least one Role" }).optional(),
        issuerUrl: z
          .string()
          .regex(/^https:\/\/\S+$/, { message: "must be an https:// URL" })
          .optional(),
        audience: nonEmpty.optional(),
      })
      .strict()
      .optional(),
    tls: z
      .object({ secretName: dnsLabelSchema(253) })
      .strict()
      .optional(),
    clientNamespaceLabels: labelMap.optional(),
    protect: z.boolean().optional(),
  })
  .strict();

/** The args as the cross-field rules see them (of the cluster, its target and environment).  @internal */
type CheckedArgs = Omit<z.output<typeof featureStoreArgsObject>, "cluster"> & {
  cluster: Pick<ClusterHandle, "target" | "environment">;
};

/** The online store's rules: its type's target, and `tables` with the table types only. */
function onlineStoreProblems(v: CheckedArgs, target: Target, environment: Environment): Problem[] {
  const online = v.onlineStore?.type ?? OnlineStoreType.keyValue;
  const tables = v.onlineStore?.tables;
  if (online === OnlineStoreType.keyValue) {
    return tables === undefined
      ? []
      : [
          {
            path: ["onlineStore", "tables"],
            message: 'only used with type "dynamodb" or "bigtable"; remove it',
          },
        ];
  }
  const onlineTarget = { dynamodb: Target.aws, bigtable: Target.gcp } as const;
  if (target !== onlineTarget[online]) {
    return [
      {
        path: ["onlineStore", "type"],
        message: `"${online}" needs target "${onlineTarget[online]}" (the cluster's target is "${target}")`,
      },
    ];
  }
  const problems: Problem[] = [];
  if (tables === undefined) {
    problems.push({
      path: ["onlineStore", "tables"],
      message:
        online === OnlineStoreType.dynamodb
          ? 'required with type "dynamodb": name every feature view whose table Feast reads and writes'
          : 'required with type "bigtable": name every entity combination (entity names sorted, joined with "-")',
    });
  } else if (typeof v.project === "string" && tables.every((t) => typeof t === "string")) {
    // The DynamoDB prefix (`<component name>-<stack>`) is not known here (the adapter checks the
    // real name again).
    for (const p of onlineTableProblems({ type: online, project: v.project, tables, prefix: "" })) {
      problems.push({ path: ["onlineStore", "tables", p.index], message: p.message });
    }
  }
  if (environment === "prod") {
    if (v.onlineStore?.deletionProtection === false) {
      problems.push({
        path: ["onlineStore", "deletionProtection"],
        message: `must not be false in prod with "${online}"`,
      });
    }
    if (online === OnlineStoreType.dynamodb && v.onlineStore?.backupRetentionDays === 0) {
      problems.push({
        path: ["onlineStore", "backupRetentionDays"],
        message: 'must be at least 1 in prod with "dynamodb" (point-in-time recovery)',
      });
    }
  }
  return problems;
}

/** Cross-field rules of `FeatureStoreArgs`, each run once by `resolveFeatureStoreArgs`. */
function featureStoreProblems(v: CheckedArgs, environment: Environment): Problem[] {
  const problems: Problem[] = [];
  const target = v.cluster.target;
  const repo = v.repository;
  if ((repo.git === undefined) === (repo.image === undefined)) {
    problems.push({ path: ["repository"], message: 'set exactly one of "git" or "image"' });
  }
  problems.push(...onlineStoreProblems(v, target, environment));
  const offline = v.offlineStore?.type ?? OfflineStoreType.parquet;
  const offlineTarget = { redshift: Target.aws, bigquery: Target.gcp } as const;
  if (offline !== OfflineStoreType.parquet && target !== offlineTarget[offline]) {
    problems.push({
      path: ["offlineStore", "type"],
      message: `"${offline}" needs target "${offlineTarget[offline]}" (the cluster's target is "${target}")`,
    });
  }
  if (v.offlineStore?.size !== undefined && offline !== OfflineStoreType.redshift) {
    problems.push({
      path: ["offlineStore", "size"],
      message: `only used with type "redshift" (the type is "${offline}"); remove it`,
    });
  }
  const authz = v.authz?.type ?? FeatureStoreAuthz.kubernetes;
  if (authz === FeatureStoreAuthz.oidc) {
    for (const key of ["issuerUrl", "audience"] as const) {
      if (v.authz?.[key] === undefined)
        problems.push({ path: ["authz", key], message: 'required with type "oidc"' });
    }
    if (v.authz?.roles !== undefined) {
      problems.push({ path: ["authz", "roles"], message: 'only used with type "kubernetes"; remove it' });
    }
  } else {
    for (const key of ["issuerUrl", "audience"] as const) {
      if (v.authz?.[key] !== undefined) {
        problems.push({ path: ["authz", key], message: 'only used with type "oidc"; remove it' });
      }
    }
  }
  const auto = v.featureServer?.autoscaling;
  if (auto) {
    const min = auto.minReplicas ?? v.featureServer?.replicas ?? PRESETS[environment].replicas;
    if (auto.maxReplicas < min) {
      problems.push({
        path: ["featureServer", "autoscaling", "maxReplicas"],
        message: `must be at least minReplicas (${min})`,
      });
    }
    if (v.featureServer?.replicas !== undefined) {
      problems.push({
        path: ["featureServer", "replicas"],
        message: "remove it with autoscaling (minReplicas sets the floor)",
      });
    }
  }
  if (environment === "prod") {
    if (v.featureServer?.replicas !== undefined && v.featureServer.replicas < 2) {
      problems.push({ path: ["featureServer", "replicas"], message: "must be at least 2 in prod" });
    }
    if (auto?.minReplicas !== undefined && auto.minReplicas < 2) {
      problems.push({
        path: ["featureServer", "autoscaling", "minReplicas"],
        message: "must be at least 2 in prod",
      });
    }
    if (v.onlineStore?.highAvailability === false) {
      problems.push({ path: ["onlineStore", "highAvailability"], message: "must not be false in prod" });
    }
    problems.push(...postgresProdProblems(v.registry, ["registry"]));
    if (v.protect === false) problems.push({ path: ["protect"], message: "must not be false in prod" });
  }
  return problems;
}

/**
 * Runtime schema of `FeatureStoreArgs`: the field schemas and the cluster handle's details.
 * @internal
 */
// The stores, database and identity attach to the cluster's network and identity.
export const featureStoreArgsSchema = withClusterHandleDetails(featureStoreArgsObject);

/** `FeatureStoreArgs` with every default applied. */
export interface ResolvedFeatureStoreArgs {
  target: Target;
  environment: Environment;
  namespace: string;
  project: string;
  /** Exactly one of the two is set. */
  repository: FeatureStoreRepositoryArgs;
  /** `tables` is `[]` with "keyValue". */
  onlineStore: Required<FeatureStoreOnlineStoreArgs>;
  /** `size` is the preset's (or the given) size class; used only by "redshift". */
  offlineStore: Required<FeatureStoreOfflineStoreArgs>;
  registry: Required<FeatureStoreRegistryArgs>;
  materialization: Required<FeatureStoreMaterializationArgs>;
  /** Fixed replicas, or the HPA's bounds. */
  featureServer: {
    replicas: number;
    autoscaling: Required<FeatureStoreAutoscalingArgs> | undefined;
    resources: Required<FeatureStoreResources>;
  };
  podDisruptionBudget: boolean;
  spreadAcrossZones: boolean;
  authz:
    | { type: typeof FeatureStoreAuthz.kubernetes; roles: string[] }
    | { type: typeof FeatureStoreAuthz.oidc; issuerUrl: string; audience: string };
  /** The TLS Secret's name; undefined: TLS off. */
  tlsSecretName: string | undefined;
  clientNamespaceLabels: Record<string, string>;
  protect: boolean;
  tags: Record<string, string>;
}

/** The Roles the operator creates for Kubernetes authz by default. */
export const DEFAULT_AUTHZ_ROLES = ["feast-reader", "feast-writer"];

/**
 * The contract pipeline of `FeatureStore`: schema, cross-field rules and every default, in one
 * pure pass. `cluster`: the target and environment of the cluster the program will pass, for a
 * caller that resolves before the cluster exists (the stack config).
 */
export function resolveFeatureStoreArgs(
  args: unknown,
  environment?: Environment,
  cluster?: Pick<ClusterHandle, "target" | "environment">,
): Resolution<ResolvedFeatureStoreArgs> {
  const schema = cluster ? featureStoreArgsObject.omit({ cluster: true }) : featureStoreArgsSchema;
  return resolveWith(schema, args, (parsed, fieldsValid) => {
    const v = { ...parsed, ...(cluster ? { cluster } : {}) } as CheckedArgs;
    if (typeof v.cluster?.target !== "string") return { resolved: undefined, problems: [] };
    const env: Environment = v.environment ?? v.cluster.environment ?? environment ?? "dev";
    // A field failed a check (a pattern, a range): report the cross-field rules too, all at once.
    if (!fieldsValid) return { resolved: undefined, problems: featureStoreProblems(v, env) };
    const preset = PRESETS[env];
    const auto = v.featureServer?.autoscaling;
    const replicas = auto?.minReplicas ?? v.featureServer?.replicas ?? preset.replicas;
    const authzType = v.authz?.type ?? FeatureStoreAuthz.kubernetes;
    const resolved: ResolvedFeatureStoreArgs = {
      target: v.cluster.target,
      namespace: v.namespace ?? "feast",
      project: v.project,
      repository: v.repository,
      onlineStore: {
        type: v.onlineStore?.type ?? OnlineStoreType.keyValue,
        size: v.onlineStore?.size ?? preset.databaseSize,
        highAvailability: v.onlineStore?.highAvailability ?? preset.highAvailability,
        backupRetentionDays: v.onlineStore?.backupRetentionDays ?? preset.backupRetentionDays,
        deletionProtection: v.onlineStore?.deletionProtection ?? preset.deletionProtection,
        tables: v.onlineStore?.tables ?? [],
      },
      offlineStore: {
        type: v.offlineStore?.type ?? OfflineStoreType.parquet,
        versioning: v.offlineStore?.versioning ?? true,
        forceDestroy: v.offlineStore?.forceDestroy ?? preset.forceDestroyBuckets,
        size: v.offlineStore?.size ?? preset.databaseSize,
      },
      registry: {
        size: v.registry?.size ?? preset.databaseSize,
        storageGb: v.registry?.storageGb ?? preset.databaseStorageGb,
        highAvailability: v.registry?.highAvailability ?? preset.highAvailability,
        deletionProtection: v.registry?.deletionProtection ?? preset.deletionProtection,
        backupRetentionDays: v.registry?.backupRetentionDays ?? preset.backupRetentionDays,
        pointInTimeRecovery: v.registry?.pointInTimeRecovery ?? preset.pointInTimeRecovery,
      },
      materialization: {
        schedule: v.materialization?.schedule ?? "0 * * * *",
        deadlineSeconds: v.materialization?.deadlineSeconds ?? 3000,
      },
      featureServer: {
        replicas,
        autoscaling: auto
          ? {
              minReplicas: replicas,
              maxReplicas: auto.maxReplicas,
              targetCpuUtilization: auto.targetCpuUtilization ?? 70,
            }
          : undefined,
        resources: resourcesWithDefaults(v.featureServer?.resources, {
          cpuRequest: "250m",
          memoryRequest: "512Mi",
          cpuLimit: "1",
          memoryLimit: "2Gi",
        }),
      },
      podDisruptionBudget: v.podDisruptionBudget ?? preset.podDisruptionBudget,
      spreadAcrossZones: v.spreadAcrossZones ?? env !== "dev",
      authz:
        authzType === FeatureStoreAuthz.oidc
          ? { type: authzType, issuerUrl: v.authz?.issuerUrl ?? "", audience: v.authz?.audience ?? "" }
          : { type: authzType, roles: v.authz?.roles ?? DEFAULT_AUTHZ_ROLES },
      tlsSecretName: v.tls?.secretName,
      clientNamespaceLabels: v.clientNamespaceLabels ?? { ...FEATURE_STORE_CLIENT_LABEL },
      ...resolvePlatform({ environment: env, tags: v.tags, protect: v.protect }),
    };
    return { resolved, problems: featureStoreProblems(v, env) };
  });
}
