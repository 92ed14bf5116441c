/**
 * The AWS cloud adapter: S3 buckets, RDS for PostgreSQL, ElastiCache for Valkey, Redshift
 * Serverless, KMS keys, IAM workload identity (IRSA or EKS Pod Identity) and Amazon Managed
 * Service for Prometheus for components running on EKS. Secure by default: every data bucket and
 * database is private, KMS-encrypted and TLS-only, every bucket logs server access to its own
 * private, TLS-only, SSE-S3 log bucket (S3 supports no SSE-KMS on log targets), and every IAM
 * policy is scoped to exactly the resources the workload uses.
 */
import * as aws from "../../shared/aws-sdk";
import * as pulumi from "@pulumi/pulumi";
import type {
  AdapterContext,
  AwsTargetArgs,
  CloudAdapter,
  CloudCapabilities,
  CloudContext,
  TargetSettings,
} from "../types";
import { AwsIdentityMode, DEFAULT_AWS_IDENTITY_MODE, Target } from "../types";
import { problemLine } from "../../shared/contract";
import { awsIdentityProblems } from "../target-schemas";
import { createEbsBlockStorage, type EbsKeyPolicyRegistry } from "./block-storage";
import { createAmpManagedMetrics } from "./amp";
import { createDynamoDbTables } from "./dynamodb";
import { createElastiCacheValkey } from "./elasticache";
import { createWorkloadIdentity, type AwsIdentity } from "./identity";
import { awsIngressExposure } from "./ingress";
import { createKmsKey } from "./kms";
import { createRdsPostgres } from "./rds";
import { createRedshiftServerless } from "./redshift";
import { createS3Bucket } from "./s3";

export { existingS3Store, s3StoreReference } from "./s3";

export {
  AMP_MAX_RETENTION_DAYS,
  AMP_REMOTE_WRITE_ACTIONS,
  AMP_REMOTE_WRITE_QUEUE,
  remoteWritePolicy,
} from "./amp";
export {
  EBS_CSI_PROVISIONER,
  EBS_KMS_GRANT_ACTIONS,
  EBS_KMS_KEY_ACTIONS,
  ebsKeyPolicy,
  type AwsKeyPolicyScope,
} from "./block-storage";
export { DYNAMODB_MAX_PITR_DAYS, DYNAMODB_TABLE_NAME, dynamoDbTableNameProblem } from "./dynamodb";
export { ELASTICACHE_NODE_TYPE, VALKEY_ENGINE_VERSION } from "./elasticache";
export type { AwsIdentity } from "./identity";
export {
  DYNAMODB_KMS_ACTIONS,
  DYNAMODB_KMS_READ_ACTIONS,
  DYNAMODB_READ_ACTIONS,
  DYNAMODB_WRITE_ACTIONS,
  IRSA_AUDIENCE,
  IRSA_ROLE_ANNOTATION,
  KMS_ACTIONS,
  KMS_READ_ACTIONS,
  POD_IDENTITY_PRINCIPAL,
  S3_BUCKET_ACTIONS,
  S3_OBJECT_ACTIONS,
  S3_READ_OBJECT_ACTIONS,
  bucketAccessPolicy,
  irsaTrustPolicy,
  workloadAccessPolicy,
  podIdentityTrustPolicy,
  type ResolvedGrants,
  tableAccessStatements,
  type BucketGrant,
  type TableGrant,
} from "./identity";
export { KMS_DELETION_WINDOW_DAYS } from "./kms";
export {
  REDSHIFT_ADMIN_USER,
  REDSHIFT_CAPACITY,
  REDSHIFT_CREDENTIALS_ACTIONS,
  REDSHIFT_DATA_ACTIONS,
  REDSHIFT_DATA_STATEMENT_ACTIONS,
  REDSHIFT_LOG_EXPORTS,
  REDSHIFT_PORT,
  REDSHIFT_SERVICE_PRINCIPALS,
  redshiftStagingPolicy,
  redshiftTrustPolicy,
  warehouseAccessStatements,
} from "./redshift";
export {
  EC2_METADATA_CIDR,
  EKS_POD_IDENTITY_AGENT_CIDR,
  httpsEgressRule,
  podIdentityAgentEgressRule,
} from "./network";
export {
  ALB_CONTROLLER,
  ALB_INGRESS_CLASS,
  ALB_SSL_POLICY,
  AWS_INGRESS_CLASSES,
  albIngressAnnotations,
  albOidcAnnotations,
} from "./ingress";

/**
 * Checks that `target` has what its identity mode needs (`awsIdentityProblems`, the rule the
 * target schema applies too) and returns the resolved identity. Throws one Error listing every
 * problem as `args.aws.<key>: <what is wrong>`.
 */
export function resolveAwsIdentity(target: AwsTargetArgs, where: string): AwsIdentity {
  const modes: string[] = Object.values(AwsIdentityMode);
  const problems =
    target.identityMode !== undefined && !modes.includes(target.identityMode)
      ? [`args.aws.identityMode: must be one of ${modes.map((m) => JSON.stringify(m)).join(", ")}`]
      : awsIdentityProblems(target).map((p) => problemLine(p, "args.aws"));
  if (problems.length > 0) {
    throw new Error(`invalid AWS target settings for ${where}:\n  ${problems.join("\n  ")}`);
  }
  const mode = target.identityMode ?? DEFAULT_AWS_IDENTITY_MODE;
  return mode === AwsIdentityMode.irsa
    ? { mode, oidcProviderArn: target.oidcProviderArn!, oidcProviderUrl: target.oidcProviderUrl! }
    : { mode, clusterName: target.clusterName! };
}

/** The provider's region and account, each read once and only when a child needs it. */
interface AwsAccountLookups {
  region(): pulumi.Output<string>;
  accountId(): pulumi.Output<string>;
  partition(): pulumi.Output<string>;
}

function accountLookups(ctx: CloudContext): AwsAccountLookups {
  let region: pulumi.Output<string> | undefined;
  let accountId: pulumi.Output<string> | undefined;
  let partition: pulumi.Output<string> | undefined;
  return {
    region: () => (region ??= aws.getRegionOutput({}, { parent: ctx.parent }).apply((r) => r.region)),
    accountId: () =>
      (accountId ??= aws.getCallerIdentityOutput({}, { parent: ctx.parent }).apply((c) => c.accountId)),
    partition: () =>
      (partition ??= aws.getPartitionOutput({}, { parent: ctx.parent }).apply((p) => p.partition)),
  };
}

/**
 * The AWS capabilities that need neither a Kubernetes provider nor `settings.aws` (KMS keys),
 * for cluster builders that run before the cluster exists. Keys are named `${ctx.name}-<role>-key`.
 */
export function createAwsCloudAdapter(ctx: CloudContext, _settings: TargetSettings = {}): CloudCapabilities {
  return {
    target: Target.aws,
    encryptionKey(role, args) {
      return createKmsKey(ctx, role, args);
    },
  };
}

/**
 * Creates the AWS adapter for one component instance. Every child is named `${ctx.name}-<role>-…`
 * and parented to `ctx.parent`; keys, buckets and databases get `protect`/`retainOnDelete` from
 * `ctx.protect`; `ctx.tags` go on every taggable resource.
 *
 * @throws Error when `settings.aws` is missing or lacks what its identity mode needs (checked here,
 * before any child is created).
 */
export function createAwsAdapter(ctx: AdapterContext, settings: TargetSettings): CloudAdapter {
  const target = settings.aws;
  if (target === undefined) {
    throw new Error(
      `invalid AWS target settings for ${ctx.name}:\n  args.aws: required when target is "aws"`,
    );
  }
  const identity = resolveAwsIdentity(target, ctx.name);
  const account = accountLookups(ctx);
  const keyPolicies: EbsKeyPolicyRegistry = new Map();

  return {
    ...createAwsCloudAdapter(ctx, settings),
    objectStore(role, args) {
      return createS3Bucket(ctx, role, args, account.region(), account.accountId());
    },
    postgres(role, args) {
      return createRdsPostgres(ctx, target, role, args);
    },
    keyValueStore(role, args) {
      return createElastiCacheValkey(ctx, target, role, args);
    },
    tableStore(role, args) {
      return createDynamoDbTables(ctx, role, args, account.region());
    },
    warehouse(role, args) {
      return createRedshiftServerless(ctx, target, role, args, account.region());
    },
    workloadIdentity(role, args) {
      return createWorkloadIdentity(ctx, identity, role, args, account.region());
    },
    ingress: awsIngressExposure(ctx, target),
    managedMetrics(role, args) {
      return createAmpManagedMetrics(ctx, identity, role, args, account.region());
    },
    blockStorage(role, args) {
      const scope = pulumi
        .all([account.partition(), account.accountId(), account.region(), target.ebsCsiRoleArn])
        .apply(([partition, accountId, region, ebsCsiRoleArn]) => ({
          partition,
          accountId,
          region,
          ...(ebsCsiRoleArn !== undefined ? { ebsCsiRoleArn } : {}),
        }));
      return createEbsBlockStorage(ctx, role, args, scope, keyPolicies);
    },
  };
}
