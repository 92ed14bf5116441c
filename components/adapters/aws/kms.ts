/**
 * Customer-managed KMS keys for the AWS adapter.
 */
import * as aws from "@pulumi/aws";
import { physicalName, physicalNameBase, PhysicalNameKind } from "../../shared/names";
import type { AdapterContext, EncryptionKey } from "../types";

/**
 * Days KMS waits before deleting a key scheduled for deletion. 30 is the maximum (and the KMS
 * default when unset): the longest window to notice and cancel an accidental deletion
 * (https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html).
 */
export const KMS_DELETION_WINDOW_DAYS = 30;

/**
 * Creates a symmetric customer-managed key with yearly automatic rotation, plus the alias
 * `alias/<name>-<stack>-<role>` (aliases are unique per account and region, so the stack is part
 * of it; see `physicalName`).
 *
 * No `policy` is set, so KMS applies its default key policy: the account root principal gets
 * `kms:*`, which delegates access to IAM policies in the account (no wildcard principal). See
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html. The workload role
 * gets use of the key through its own, key-scoped IAM policy (see `identity.ts`).
 *
 * The key is stateful (destroying it makes everything it encrypted unreadable), so it gets
 * `protect` and `retainOnDelete` from the context.
 */
export function createKmsKey(ctx: AdapterContext, role: string): EncryptionKey {
  const key = new aws.kms.Key(
    `${ctx.name}-${role}-key`,
    {
      description: `pulumi-mlops ${ctx.name} ${role} data key`,
      // Symmetric encryption key (the KMS default spec and usage), explicit for readers.
      keyUsage: "ENCRYPT_DECRYPT",
      customerMasterKeySpec: "SYMMETRIC_DEFAULT",
      // Automatic rotation is off by default in KMS; turn it on (every 365 days, the KMS default
      // period: https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html).
      enableKeyRotation: true,
      deletionWindowInDays: KMS_DELETION_WINDOW_DAYS,
      tags: ctx.tags,
    },
    { parent: ctx.parent, protect: ctx.protect, retainOnDelete: ctx.protect },
  );

  new aws.kms.Alias(
    `${ctx.name}-${role}-key-alias`,
    {
      name: physicalName(PhysicalNameKind.kmsAlias, physicalNameBase(ctx.name), role),
      targetKeyId: key.keyId,
    },
    { parent: ctx.parent },
  );

  // RDS (`kmsKeyId`, `performanceInsightsKmsKeyId`) and IAM policy resources need the key ARN,
  // and S3 accepts it too, so the adapter-neutral `keyId` is the ARN.
  return { keyId: key.arn, resource: key };
}
