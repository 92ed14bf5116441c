/**
 * S3 object stores for the AWS adapter: private, encrypted, TLS-only buckets.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AdapterContext, ObjectStore, ObjectStoreArgs } from "../types";
import { httpsEgressRule } from "./network";

/**
 * Builds the bucket policy that denies every request not made over TLS. This is the AWS-recommended
 * control (https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html,
 * "Enforce encryption of data in transit"); the `Principal: "*"` is only in a `Deny` statement, so
 * it grants nothing.
 */
export function tlsOnlyBucketPolicy(bucketArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });
}

/**
 * Creates a private S3 bucket with SSE-KMS default encryption, all four public-access blocks,
 * ACLs disabled (BucketOwnerEnforced), optional versioning and a TLS-only bucket policy.
 *
 * The bucket is stateful, so it gets `protect` and `retainOnDelete` from the context.
 */
export function createS3Bucket(
  ctx: AdapterContext,
  role: string,
  args: ObjectStoreArgs,
  region: pulumi.Output<string>,
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

  const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
    `${name}-bucket-public-access`,
    {
      bucket: bucket.bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );

  // ACLs disabled: the bucket owner owns every object (the S3 default for new buckets since
  // April 2023, https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html;
  // explicit so that drift is detected).
  const ownership = new aws.s3.BucketOwnershipControls(
    `${name}-bucket-ownership`,
    { bucket: bucket.bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
    opts,
  );

  if (args.versioning) {
    new aws.s3.BucketVersioning(
      `${name}-bucket-versioning`,
      { bucket: bucket.bucket, versioningConfiguration: { status: "Enabled" } },
      opts,
    );
  }

  new aws.s3.BucketPolicy(
    `${name}-bucket-policy`,
    {
      bucket: bucket.bucket,
      policy: bucket.arn.apply(tlsOnlyBucketPolicy),
    },
    // S3 rejects concurrent configuration changes on one bucket ("OperationAborted"); apply the
    // policy after the public-access block and ownership controls.
    { ...opts, dependsOn: [publicAccessBlock, ownership] },
  );

  return {
    bucketName: bucket.bucket,
    uri: pulumi.interpolate`s3://${bucket.bucket}`,
    clientEnv: [{ name: "AWS_REGION", value: region }],
    egress: [httpsEgressRule()],
    encryptionKey: args.key,
    resource: bucket,
  };
}
