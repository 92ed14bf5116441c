/**
 * The public contract of `mlops:index:ModelRegistry`: a hand-written, documented args interface
 * and the zod schema that validates it at runtime (test/types.test.ts keeps the two in sync).
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { AwsTargetArgs, GcpTargetArgs, LocalTargetArgs } from "../adapters";
import { CLOUD_INGRESS_CLASSES, DEFAULT_INGRESS_CLASS } from "../adapters";
import { PRIVATE_SERVICE_ACCESS_CIDR_RULE } from "../adapters/gcp";
import {
  AwsIdentityMode,
  DEFAULT_AWS_IDENTITY_MODE,
  GcpPrivateServiceAccess,
  IngressTls,
  Target,
  TARGETS,
} from "../adapters";
import { DatabaseSize, ENVIRONMENTS, PRESETS, type Environment } from "../shared/presets";
import { resolvePlatform } from "../shared/component";
import { resolveWith, type Problem, type Resolution } from "../shared/contract";
import {
  cidrSchema,
  dnsLabelSchema,
  labelMapSchema as labelMap,
  nonEmptyStringSchema as nonEmpty,
  pinnedImageSchema,
  quantitySchema as quantity,
  tagsSchema,
} from "../shared/schemas";
import { input } from "../shared/validation";

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

/** The PostgreSQL backend store. Defaults come from the environment preset (components/shared/presets.ts). */
export interface ModelRegistryDatabaseArgs {
  /** Size class; each cloud maps it to an instance type. @default "small" in dev, "medium" in staging/prod */
  size?: DatabaseSize;
  /** Storage in GiB (AWS autoscaling up to twice this). @default 20 in dev, 50 in staging, 100 in prod */
  storageGb?: number;
  /** Multi-AZ (AWS) / regional (GCP). @default true in prod, else false */
  highAvailability?: boolean;
  /** Refuse deletion of the instance. @default true in staging/prod, false in dev */
  deletionProtection?: boolean;
  /** Days of automated backups (1–35). @default 1 in dev, 7 in staging, 14 in prod */
  backupRetentionDays?: number;
  /** Point-in-time recovery. @default true in staging/prod, false in dev */
  pointInTimeRecovery?: boolean;
}

/** The artifact bucket. */
export interface ModelRegistryBucketArgs {
  /** Keep object versions. @default true */
  versioning?: boolean;
  /** Let `pulumi destroy` delete a non-empty bucket. @default true in dev, false in staging/prod */
  forceDestroy?: boolean;
}

/**
 * Exposing MLflow outside the cluster through an Ingress. Off by default. On the clouds it is the
 * target's own load balancer, internal by default: an internal ALB (AWS Load Balancer Controller,
 * class "alb") on AWS, GKE's internal Application Load Balancer ("gce-internal") on Google Cloud;
 * any other class is a bring-your-own in-cluster controller (e.g. "nginx"). Every class serves
 * HTTPS only, with a body size and timeouts that fit model artifacts.
 */
export interface ModelRegistryIngressArgs {
  /** Create the Ingress. @default false */
  enabled?: boolean;
  /** Host name, e.g. "mlflow.example.com". Required when enabled. */
  host?: string;
  /**
   * IngressClass: "alb" (AWS only), "gce-internal" or "gce" (Google Cloud only), or the class of an
   * in-cluster controller ("nginx" gets ingress-nginx's HTTPS, body size and timeout annotations;
   * other classes only `annotations`).
   * @default "alb" on aws, "gce-internal" on gcp, "nginx" on local
   */
  className?: string;
  /**
   * ARN of the AWS Certificate Manager certificate for `host`. Required for class "alb" (the
   * ALB's only listener is HTTPS:443); not used by other classes.
   */
  certificateArn?: string;
  /**
   * Secret with the TLS certificate for `host`. Required for every class except "alb": basic
   * auth never travels in clear text.
   */
  tlsSecretName?: string;
  /**
   * Namespace of an in-cluster ingress controller, admitted by the NetworkPolicy. Not used by the
   * cloud classes ("alb", "gce", "gce-internal"), whose load balancers reach pod IPs directly.
   * @default "ingress-nginx"
   */
  controllerNamespace?: string;
  /**
   * Extra annotations for the Ingress (e.g. cert-manager issuer, a WAF ACL); they win over the
   * class's own, except the annotations that keep the Ingress HTTPS-only
   * (`HTTPS_ONLY_INGRESS_ANNOTATIONS`), which are rejected.
   * @default {}
   */
  annotations?: Record<string, string>;
  /**
   * CIDRs the load balancer reaches the pods from, admitted by the NetworkPolicy; replaces the
   * class's own ranges.
   * @default "alb": the VPC CIDR (`aws.vpcCidrBlock`); "gce": Google's front-end and health-check
   * ranges 130.211.0.0/22 and 35.191.0.0/16 (https://cloud.google.com/load-balancing/docs/health-check-concepts#ip-ranges);
   * "gce-internal": those plus the proxy-only subnet (`gcp.proxyOnlySubnetCidr`); otherwise []
   */
  sourceCidrs?: string[];
}

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
  /** Where the backing services (database, bucket, identity, key) run. */
  target: Target;
  /** Environment preset that picks the defaults below. @default "dev" */
  environment?: Environment;
  /** Provider of the Kubernetes cluster MLflow runs on. */
  kubernetesProvider: k8s.Provider;
  /** Namespace for MLflow (created with Pod Security "restricted" unless `createNamespace` is false). @default "mlflow" */
  namespace?: string;
  /** Create the namespace, with a default-deny NetworkPolicy. @default true */
  createNamespace?: boolean;
  /** AWS cluster and network details. Required when `target` is "aws". */
  aws?: AwsTargetArgs;
  /** Google Cloud project and network details. Required when `target` is "gcp". */
  gcp?: GcpTargetArgs;
  /** Settings for in-cluster services. Used when `target` is "local". @default {} */
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

const awsSchema = z
  .object({
    vpcId: input(nonEmpty),
    vpcCidrBlock: input(cidrSchema({ example: "10.0.0.0/16" })),
    privateSubnetIds: input(
      z.array(input(nonEmpty)).min(2, { message: "needs at least two subnets in different AZs" }),
    ),
    nodeSecurityGroupId: input(nonEmpty),
    identityMode: z.enum([AwsIdentityMode.irsa, AwsIdentityMode.podIdentity]).optional(),
    oidcProviderArn: input(nonEmpty).optional(),
    oidcProviderUrl: input(nonEmpty).optional(),
    clusterName: input(nonEmpty).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const mode = v.identityMode ?? DEFAULT_AWS_IDENTITY_MODE;
    if (mode === AwsIdentityMode.irsa) {
      for (const key of ["oidcProviderArn", "oidcProviderUrl"] as const) {
        if (v[key] === undefined) {
          ctx.addIssue({ code: "custom", path: [key], message: 'required when identityMode is "irsa"' });
        }
      }
    } else if (v.clusterName === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["clusterName"],
        message: 'required when identityMode is "podIdentity"',
      });
    }
  });

const gcpSchema = z
  .object({
    project: input(nonEmpty),
    region: input(nonEmpty),
    network: input(nonEmpty),
    privateServiceAccess: z
      .enum([GcpPrivateServiceAccess.create, GcpPrivateServiceAccess.existing])
      .optional(),
    privateServiceAccessCidr: cidrSchema(PRIVATE_SERVICE_ACCESS_CIDR_RULE).optional(),
    proxyOnlySubnetCidr: input(cidrSchema({ example: "10.129.0.0/23" })).optional(),
    nodeServiceAccount: input(
      z.string().regex(/^[^@\s]+@[^@\s]+\.iam\.gserviceaccount\.com$/, {
        message: 'must be a service account e-mail such as "nodes@my-project.iam.gserviceaccount.com"',
      }),
    ).optional(),
  })
  .strict();

const localSchema = z
  .object({
    storageClassName: nonEmpty.optional(),
    objectStoreStorageGb: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();

/** Field schemas of `ModelRegistryArgs`, without the cross-field rules (the stack config reuses them).  @internal */
export const modelRegistryArgsObject = z
  .object({
    target: z.enum(TARGETS),
    environment: z.enum(ENVIRONMENTS).optional(),
    kubernetesProvider: z.custom<k8s.Provider>((v) => pulumi.ProviderResource.isInstance(v), {
      message: "must be a kubernetes Provider (new k8s.Provider(...))",
    }),
    namespace: dnsLabelSchema().optional(),
    createNamespace: z.boolean().optional(),
    aws: awsSchema.optional(),
    gcp: gcpSchema.optional(),
    local: localSchema.optional(),
    image: pinnedImageSchema.optional(),
    replicas: z.number().int().min(1).max(20).optional(),
    workers: z.number().int().min(1).max(16).optional(),
    podDisruptionBudget: z.boolean().optional(),
    resources: z
      .object({
        cpuRequest: quantity.optional(),
        memoryRequest: quantity.optional(),
        cpuLimit: quantity.optional(),
        memoryLimit: quantity.optional(),
      })
      .strict()
      .optional(),
    database: z
      .object({
        size: z.enum([DatabaseSize.small, DatabaseSize.medium, DatabaseSize.large]).optional(),
        storageGb: z.number().int().min(20).max(65_536).optional(),
        highAvailability: z.boolean().optional(),
        deletionProtection: z.boolean().optional(),
        backupRetentionDays: z.number().int().min(1).max(35).optional(),
        pointInTimeRecovery: z.boolean().optional(),
      })
      .strict()
      .optional(),
    bucket: z
      .object({ versioning: z.boolean().optional(), forceDestroy: z.boolean().optional() })
      .strict()
      .optional(),
    protect: z.boolean().optional(),
    ingress: z
      .object({
        enabled: z.boolean().optional(),
        host: z
          .string()
          .regex(/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/, {
            message: 'must be a fully qualified host name such as "mlflow.example.com"',
          })
          .optional(),
        className: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: "must be an IngressClass name" })
          .max(253)
          .optional(),
        certificateArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, {
            message:
              'must be an ACM certificate ARN such as "arn:aws:acm:us-east-1:123456789012:certificate/<id>"',
          })
          .optional(),
        tlsSecretName: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: "must be a Kubernetes Secret name" })
          .max(253)
          .optional(),
        controllerNamespace: dnsLabelSchema().optional(),
        annotations: labelMap.optional(),
        sourceCidrs: z.array(cidrSchema({ example: "130.211.0.0/22" })).optional(),
      })
      .strict()
      .optional(),
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
    tags: tagsSchema.optional(),
  })
  .strict();

/** The args as far as the cross-field rules look at them.  @internal */
type CheckedArgs = Omit<z.output<typeof modelRegistryArgsObject>, "kubernetesProvider">;

/**
 * Args a stack program supplies from another component (the cluster's provider and, for a
 * cluster the stack creates, its cloud block), so the stack config resolves the rest without them.
 */
export type SuppliedByProgram = "kubernetesProvider" | "aws" | "gcp";

/**
 * Cross-field rules of `ModelRegistryArgs` (a block per target, TLS and auth with an Ingress,
 * the prod floor), each run once by `resolveModelRegistryArgs`.
 */
function registryProblems(v: CheckedArgs, environment: Environment, supplied: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  for (const t of [Target.aws, Target.gcp] as const) {
    if (v.target === t && !v[t] && !supplied.includes(t)) {
      problems.push({ path: [t], message: `required when target is "${t}"` });
    }
  }
  for (const other of TARGETS) {
    if (other !== v.target && v[other] !== undefined) {
      problems.push({ path: [other], message: `only used when target is "${other}"; remove it` });
    }
  }
  if (v.ingress?.enabled) {
    if (!v.ingress.host)
      problems.push({ path: ["ingress", "host"], message: "required when the Ingress is enabled" });
    problems.push(...ingressClassProblems(v.target, v.ingress));
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
    if (v.database?.backupRetentionDays !== undefined && v.database.backupRetentionDays < 7) {
      problems.push({ path: ["database", "backupRetentionDays"], message: "must be at least 7 in prod" });
    }
    for (const key of ["deletionProtection", "pointInTimeRecovery", "highAvailability"] as const) {
      if (v.database?.[key] === false) {
        problems.push({ path: ["database", key], message: "must not be false in prod" });
      }
    }
    if (v.protect === false) problems.push({ path: ["protect"], message: "must not be false in prod" });
  }
  return problems;
}

/**
 * The Ingress rules that depend on its class (the target's default unless given): a cloud class
 * only on its own target; TLS from an ACM certificate for "alb", from a Secret for every other
 * class; no controller namespace for a cloud load balancer.
 */
/**
 * Annotations that decide whether an Ingress also serves plain HTTP: the component sets them per
 * class (GKE `allow-http: "false"`, the ALB's single HTTPS listener, nginx's redirects), and a
 * caller's annotation would silently undo that (basic-auth passwords in clear text).
 */
export const HTTPS_ONLY_INGRESS_ANNOTATIONS = [
  "kubernetes.io/ingress.allow-http",
  "alb.ingress.kubernetes.io/listen-ports",
  "alb.ingress.kubernetes.io/ssl-redirect",
  "nginx.ingress.kubernetes.io/ssl-redirect",
  "nginx.ingress.kubernetes.io/force-ssl-redirect",
] as const;

function ingressClassProblems(target: Target, ingress: NonNullable<CheckedArgs["ingress"]>): Problem[] {
  const problems: Problem[] = [];
  const className = ingress.className ?? DEFAULT_INGRESS_CLASS[target];
  const cloud = CLOUD_INGRESS_CLASSES[className];
  const issue = (key: string, message: string) => problems.push({ path: ["ingress", key], message });
  for (const key of HTTPS_ONLY_INGRESS_ANNOTATIONS) {
    if (ingress.annotations?.[key] !== undefined) {
      problems.push({
        path: ["ingress", "annotations", key],
        message:
          "is set by the component to keep the Ingress HTTPS-only (no credentials in clear text); remove it",
      });
    }
  }
  if (cloud && cloud.target !== target) {
    issue("className", `"${className}" is served only on target "${cloud.target}", not on "${target}"`);
    return problems;
  }
  const tlsFromAcm = cloud?.tls === IngressTls.certificateArn;
  if (tlsFromAcm) {
    if (!ingress.certificateArn) {
      issue("certificateArn", `required for IngressClass "${className}" (its only listener is HTTPS)`);
    }
    if (ingress.tlsSecretName !== undefined) {
      issue(
        "tlsSecretName",
        `not used by IngressClass "${className}" (TLS comes from certificateArn); remove it`,
      );
    }
  } else {
    if (!ingress.tlsSecretName) {
      issue("tlsSecretName", "required when the Ingress is enabled (credentials never travel in clear text)");
    }
    if (ingress.certificateArn !== undefined) {
      issue("certificateArn", `only used by IngressClass "alb", not "${className}"; remove it`);
    }
  }
  if (cloud && ingress.controllerNamespace !== undefined) {
    issue(
      "controllerNamespace",
      `not used by IngressClass "${className}" (its load balancer reaches pod IPs directly); remove it`,
    );
  }
  return problems;
}

/**
 * Runtime schema of `ModelRegistryArgs`: the field schemas (the interface ↔ schema type test uses
 * it). The rules and defaults are `resolveModelRegistryArgs`'s.
 * @internal
 */
export const modelRegistryArgsSchema = modelRegistryArgsObject;

/** `ModelRegistryArgs` with every default applied (the provider and cloud blocks are the args'). */
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
  ingress:
    | (Omit<
        ModelRegistryIngressArgs,
        "enabled" | "host" | "className" | "controllerNamespace" | "annotations"
      > & {
        host: string;
        className: string;
        controllerNamespace: string;
        annotations: Record<string, string>;
      })
    | undefined;
  /** Basic auth; undefined when it is off (on by default with the Ingress). */
  auth: { adminUsername: string; defaultPermission: MlflowPermission } | undefined;
  clientNamespaceLabels: Record<string, string>;
  /** Tags of every resource, `environment` included. */
  tags: Record<string, string>;
}

/**
 * The contract pipeline of `ModelRegistry` (components/shared/contract.ts), in one pure pass: the
 * schema, the cross-field rules (each once), the environment preset and every default.
 * `environment` fills `args.environment` when that is not given. `supplied` lists the args a stack
 * program fills in from another component (the stack config resolves without them); the component
 * passes none.
 */
export function resolveModelRegistryArgs(
  args: unknown,
  environment?: Environment,
  supplied: readonly SuppliedByProgram[] = [],
): Resolution<ResolvedModelRegistryArgs> {
  const schema = modelRegistryArgsObject.omit(
    Object.fromEntries(supplied.map((k) => [k, true])) as Record<SuppliedByProgram, true>,
  );
  return resolveWith(schema, args, (parsed) => {
    const v = parsed as CheckedArgs;
    const env: Environment = v.environment ?? environment ?? "dev";
    const preset = PRESETS[env];
    const ingressEnabled = v.ingress?.enabled ?? false;
    const authEnabled = v.auth?.enabled ?? ingressEnabled;
    const ingress = v.ingress ?? {};
    const resolved: ResolvedModelRegistryArgs = {
      target: v.target,
      namespace: v.namespace ?? "mlflow",
      createNamespace: v.createNamespace ?? true,
      image: v.image ?? DEFAULT_MLFLOW_IMAGE,
      replicas: v.replicas ?? preset.replicas,
      workers: v.workers ?? 2,
      podDisruptionBudget: v.podDisruptionBudget ?? preset.podDisruptionBudget,
      spreadAcrossZones: env !== "dev",
      resources: {
        cpuRequest: v.resources?.cpuRequest ?? "250m",
        memoryRequest: v.resources?.memoryRequest ?? "512Mi",
        cpuLimit: v.resources?.cpuLimit ?? "1",
        memoryLimit: v.resources?.memoryLimit ?? "2Gi",
      },
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
      ingress: ingressEnabled
        ? {
            host: ingress.host ?? "",
            className: ingress.className ?? DEFAULT_INGRESS_CLASS[v.target],
            ...(ingress.certificateArn !== undefined ? { certificateArn: ingress.certificateArn } : {}),
            ...(ingress.tlsSecretName !== undefined ? { tlsSecretName: ingress.tlsSecretName } : {}),
            controllerNamespace: ingress.controllerNamespace ?? "ingress-nginx",
            annotations: ingress.annotations ?? {},
            ...(ingress.sourceCidrs !== undefined ? { sourceCidrs: ingress.sourceCidrs } : {}),
          }
        : undefined,
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
    return { resolved, problems: registryProblems(v, env, supplied) };
  });
}

/** Schemas of the per-target blocks, shared with the stack config.  @internal */
export const targetSchemas = { aws: awsSchema, gcp: gcpSchema, local: localSchema };
