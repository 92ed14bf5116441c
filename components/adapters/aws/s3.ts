/**
 * S3 object stores for the AWS adapter: private, encrypted, TLS-only buckets, each with server
 * access logging to a dedicated log bucket.
 */
import * as aws from "../../shared/aws-sdk";
import * as pulumi from "@pulumi/pulumi";
import {
  StoreKind,
  Target,
  type CloudContext,
  type ExistingStoreContext,
  type ObjectStore,
  type ObjectStoreArgs,
  type ObjectStoreReference,
} from "../types";
import { httpsEgressRule } from "./network";

/** Key prefix of the server access logs in the log bucket (the log delivery grant is scoped to it). */
export const ACCESS_LOG_PREFIX = "access-logs/";

/** Days server access logs are kept: 90, or 365 when the context protects its data (prod). */
export const ACCESS_LOG_RETENTION_DAYS = { default: 90, protected: 365 } as const;

/** Tag that marks a bucket as a log sink; the policy pack allows SSE-S3 on such buckets only. */
export const LOG_BUCKET_TAGS = { purpose: "logs" } as const;

/**
 * The statement that denies every request not made over TLS. This is the AWS-recommended control
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html, "Enforce
 * encryption of data in transit"); the `Principal: "*"` is only in a `Deny` statement, so it grants
 * nothing.
 */
function denyInsecureTransport(bucketArn: string): Record<string, unknown> {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** Builds the bucket policy that denies every request not made over TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: [denyInsecureTransport(bucketArn)] });
}

/**
 * Builds the policy of a server access log bucket: TLS only, plus `s3:PutObject` for the S3 logging
 * service principal on the log prefix, only for logs of `sourceBucketArn` in `sourceAccountId`.
 *
 * With ACLs disabled (BucketOwnerEnforced) a bucket policy is the only way to grant log delivery,
 * and the `aws:SourceArn` / `aws:SourceAccount` conditions keep the service from writing logs of
 * other buckets or accounts into it (confused deputy). See "Permissions for log delivery" in
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html.
 */
export function accessLogBucketPolicy(
  logBucketArn: string,
  sourceBucketArn: string,
  sourceAccountId: string,
): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      denyInsecureTransport(logBucketArn),
      {
        Sid: "S3ServerAccessLogsPolicy",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${logBucketArn}/${ACCESS_LOG_PREFIX}*`,
        Condition: {
          ArnLike: { "aws:SourceArn": sourceBucketArn },
          StringEquals: { "aws:SourceAccount": sourceAccountId },
        },
      },
    ],
  });
}

/** Public access block with all four settings on. */
function blockPublicAccess(name: string, bucket: aws.s3.Bucket, opts: pulumi.CustomResourceOptions) {
  return new aws.s3.BucketPublicAccessBlock(
    name,
    {
      bucket: bucket.bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );
}

/**
 * ACLs disabled: the bucket owner owns every object (the S3 default for new buckets since April
 * 2023, https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html; explicit
 * so that drift is detected).
 */
function ownerEnforced(name: string, bucket: aws.s3.Bucket, opts: pulumi.CustomResourceOptions) {
  return new aws.s3.BucketOwnershipControls(
    name,
    { bucket: bucket.bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
    opts,
  );
}

/**
 * Creates the server access log bucket of one object store, `${ctx.name}-<role>-logs`: private
 * (all four public-access blocks, ACLs disabled), TLS-only, SSE-S3 encrypted, logs expiring after
 * `ACCESS_LOG_RETENTION_DAYS`, and a policy that lets only the S3 logging service write logs of
 * `sourceBucket` under `ACCESS_LOG_PREFIX`. Tagged `purpose: logs` (plus `ctx.tags`).
 *
 * Encryption is SSE-S3 (AES256), not SSE-KMS: "You can use default bucket encryption on the target
 * bucket only if you use server-side encryption with Amazon S3 managed keys (SSE-S3) ... Default
 * server-side encryption with AWS Key Management Service (AWS KMS) keys (SSE-KMS) is not supported"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
 *
 * No versioning (log objects are written once and expire) and no access logging of its own (AWS:
 * "Your target bucket should not have server access logging enabled"). Like the data bucket, it is
 * stateful (`protect`/`retainOnDelete` from the context) and `forceDestroy` follows the store's.
 *
 * Returns the bucket and the resources log delivery needs before logging is switched on.
 */
function createAccessLogBucket(
  ctx: CloudContext,
  name: string,
  args: ObjectStoreArgs,
  sourceBucket: aws.s3.Bucket,
  accountId: pulumi.Output<string>,
): { bucket: aws.s3.Bucket; ready: pulumi.Resource[] } {
  const opts = { parent: ctx.parent };
  const logs = `${name}-logs`;

  const bucket = new aws.s3.Bucket(
    logs,
    { forceDestroy: args.forceDestroy, tags: { ...ctx.tags, ...LOG_BUCKET_TAGS } },
    { ...opts, protect: ctx.protect, retainOnDelete: ctx.protect },
  );

  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
    `${logs}-encryption`,
    {
      bucket: bucket.bucket,
      rules: [
        {
          // SSE-S3: the only default encryption S3 supports on an access log target (see above).
          applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" },
          blockedEncryptionTypes: ["SSE-C"],
        },
      ],
    },
    opts,
  );

  const publicAccessBlock = blockPublicAccess(`${logs}-public-access`, bucket, opts);
  const ownership = ownerEnforced(`${logs}-ownership`, bucket, opts);

  const policy = new aws.s3.BucketPolicy(
    `${logs}-policy`,
    {
      bucket: bucket.bucket,
      policy: pulumi
        .all([bucket.arn, sourceBucket.arn, accountId])
        .apply(([logArn, sourceArn, account]) => accessLogBucketPolicy(logArn, sourceArn, account)),
    },
    { ...opts, dependsOn: [publicAccessBlock, ownership] },
  );

  const lifecycle = new aws.s3.BucketLifecycleConfiguration(
    `${logs}-lifecycle`,
    {
      bucket: bucket.bucket,
      rules: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: { prefix: ACCESS_LOG_PREFIX },
          expiration: {
            days: ctx.protect ? ACCESS_LOG_RETENTION_DAYS.protected : ACCESS_LOG_RETENTION_DAYS.default,
          },
        },
      ],
    },
    // One configuration change at a time on the bucket (see the data bucket's policy).
    { ...opts, dependsOn: [policy] },
  );

  return { bucket, ready: [encryption, ownership, policy, lifecycle] };
}

/**
 * Creates a private S3 bucket with SSE-KMS default encryption, all four public-access blocks,
 * ACLs disabled (BucketOwnerEnforced), optional versioning, a TLS-only bucket policy, and server
 * access logging to a dedicated log bucket (`createAccessLogBucket`).
 *
 * The buckets are stateful, so they get `protect` and `retainOnDelete` from the context.
 */
export function createS3Bucket(
  ctx: CloudContext,
  role: string,
  args: ObjectStoreArgs,
  region: pulumi.Output<string>,
  accountId: pulumi.Output<string>,
): ObjectStore {
  const opts = { parent: ctx.parent };
  const name = `${ctx.name}-${role}`;

  const bucket = new aws.s3.Bucket(
    `${name}-bucket`,
    { forceDestroy: args.forceDestroy, tags: ctx.tags },
    { ...opts, protect: ctx.protect, retainOnDelete: ctx.protect },
  );

  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-bucket-encryption`,
    {
      bucket: bucket.bucket,
      rules: [
        {
          applyServerSideEncryptionByDefault: args.key
            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.key.keyId }
            : // Without a customer key, "aws:kms" with no key id uses the AWS-managed `aws/s3` key
              // (provider docs for `kmsMasterKeyId`), still SSE-KMS rather than SSE-S3.
              { sseAlgorithm: "aws:kms" },
          // S3 Bucket Keys cut KMS requests (and cost) by up to 99% for SSE-KMS
          // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html).
          bucketKeyEnabled: true,
          // Refuse SSE-C uploads (customer-provided keys bypass the KMS key and its audit trail).
          // S3 blocks them on new buckets from March 2026 (provider docs); explicit here.
          blockedEncryptionTypes: ["SSE-C"],
        },
      ],
    },
    opts,
  );

  const publicAccessBlock = blockPublicAccess(`${name}-bucket-public-access`, bucket, opts);
  const ownership = ownerEnforced(`${name}-bucket-ownership`, bucket, opts);

  if (args.versioning) {
    new aws.s3.BucketVersioning(
      `${name}-bucket-versioning`,
      { bucket: bucket.bucket, versioningConfiguration: { status: "Enabled" } },
      opts,
    );
  }

  const policy = new aws.s3.BucketPolicy(
    `${name}-bucket-policy`,
    {
      bucket: bucket.bucket,
      policy: bucket.arn.apply(tlsOnlyBucketPolicy),
    },
    // S3 rejects concurrent configuration changes on one bucket ("OperationAborted"); apply the
    // policy after the public-access block and ownership controls.
    { ...opts, dependsOn: [publicAccessBlock, ownership] },
  );

  // Server access logging (CIS AWS Foundations 3.6): every request to the bucket is logged to its
  // own log bucket, once that bucket lets the logging service write.
  const logs = createAccessLogBucket(ctx, name, args, bucket, accountId);
  new aws.s3.BucketLogging(
    `${name}-bucket-logging`,
    {
      bucket: bucket.bucket,
      targetBucket: logs.bucket.bucket,
      targetPrefix: ACCESS_LOG_PREFIX,
      // Date-partitioned keys (`<prefix><account>/<region>/<bucket>/<yyyy>/<mm>/<dd>/...`) keep
      // the logs queryable by day (e.g. with Athena partition projection).
      targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
    },
    { ...opts, dependsOn: [policy, ...logs.ready] },
  );

  return {
    kind: StoreKind.objectStore,
    bucketName: bucket.bucket,
    uri: pulumi.interpolate`s3://${bucket.bucket}`,
    clientEnv: [{ name: "AWS_REGION", value: region }],
    egress: [httpsEgressRule()],
    encryptionKey: args.key,
    resource: bucket,
  };
}

/**
 * The reference (`objectStoreReference`) of a store `createS3Bucket` made: its bucket's name and
 * region and its key's ARN. Undefined for any other store.
 */
export function s3StoreReference(store: ObjectStore): pulumi.Output<ObjectStoreReference> | undefined {
  if (!aws.s3.Bucket.isInstance(store.resource)) return undefined;
  const bucket = store.resource;
  return pulumi
    .all([bucket.bucket, bucket.region, store.encryptionKey?.keyId])
    .apply(([bucketName, region, key]) => ({
      target: Target.aws,
      bucketName,
      region,
      ...(key ? { encryptionKeyId: key } : {}),
    }));
}

/**
 * The handle of an S3 bucket another stack created (`existingObjectStore`): the bucket read as
 * `${ctx.name}-bucket` (a real `aws.s3.Bucket`, so a workload identity's read grant covers its
 * ARN) and, with `encryptionKeyId`, the KMS key read as `${ctx.name}-key` (the grant adds
 * `kms:Decrypt` on it). Nothing is created: the bucket keeps its owner's settings.
 */
export function existingS3Store(ctx: ExistingStoreContext, ref: ObjectStoreReference): ObjectStore {
  const opts = ctx.parent ? { parent: ctx.parent } : {};
  const bucket = aws.s3.Bucket.get(`${ctx.name}-bucket`, ref.bucketName, { bucket: ref.bucketName }, opts);
  const keyId = ref.encryptionKeyId;
  return {
    kind: StoreKind.objectStore,
    bucketName: bucket.bucket,
    uri: pulumi.interpolate`s3://${bucket.bucket}`,
    clientEnv: [{ name: "AWS_REGION", value: ref.region ?? "" }],
    egress: [httpsEgressRule()],
    ...(keyId
      ? {
          encryptionKey: {
            keyId: pulumi.output(keyId),
            resource: aws.kms.Key.get(`${ctx.name}-key`, keyId, { arn: keyId }, opts),
            ready: [],
          },
        }
      : {}),
    resource: bucket,
  };
}
