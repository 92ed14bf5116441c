/**
 * Customer-managed KMS keys for the AWS adapter.
 */
import * as aws from "../../shared/aws-sdk";
import { physicalName, physicalNameBase, PhysicalNameKind } from "../../shared/names";
import type { CloudContext, EncryptionKey, EncryptionKeyArgs } from "../types";
import { KeyPurpose } from "../types";

/**
 * Days KMS waits before deleting a key scheduled for deletion. 30 is the maximum (and the KMS
 * default when unset): the longest window to notice and cancel an accidental deletion
 * (https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html).
 */
export const KMS_DELETION_WINDOW_DAYS = 30;

/** The base of the context's account-unique physical names (`CloudContext.physicalNameBase`). */
export function nameBase(ctx: CloudContext): string {
  return ctx.physicalNameBase ?? physicalNameBase(ctx.name);
}

/**
 * The one KMS key builder of the toolkit: the adapters' `encryptionKey` (component data) and the
 * EKS builder's Secrets key both call it, so every key has the same settings.
 *
 * Creates a symmetric customer-managed key `${ctx.name}-<role>-key` with yearly automatic
 * rotation, plus the alias `${ctx.name}-<role>-key-alias`, physical name
 * `alias/<base>-<role>` for data keys and `alias/<base>-eks-<role>` for a cluster's Secrets key
 * (aliases are unique per account and region, so the base carries the stack or the cluster name;
 * see `physicalName`).
 *
 * No `policy` is set, so KMS applies its default key policy: the account root principal gets
 * `kms:*`, which delegates access to IAM policies in the account (no wildcard principal). See
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html. The workload role
 * gets use of the key through its own, key-scoped IAM policy (see `identity.ts`), the EKS cluster
 * role through the cluster builder's policy.
 *
 * The key is stateful (destroying it makes everything it encrypted unreadable), so it gets
 * `protect` and `retainOnDelete` from the context.
 */
export function createKmsKey(ctx: CloudContext, role: string, args: EncryptionKeyArgs = {}): EncryptionKey {
  const base = nameBase(ctx);
  const secrets = (args.purpose ?? KeyPurpose.data) === KeyPurpose.kubernetesSecrets;
  const key = new aws.kms.Key(
    `${ctx.name}-${role}-key`,
    {
      description: secrets
        ? `pulumi-mlops ${base}: EKS Secrets envelope encryption`
        : `pulumi-mlops ${ctx.name} ${role} data key`,
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
      name: physicalName(PhysicalNameKind.kmsAlias, base, secrets ? `eks-${role}` : role),
      targetKeyId: key.keyId,
    },
    { parent: ctx.parent },
  );

  // RDS (`kmsKeyId`, `performanceInsightsKmsKeyId`), EKS (`encryptionConfig`) and IAM policy
  // resources need the key ARN, and S3 accepts it too, so the adapter-neutral `keyId` is the ARN.
  // Users get the key through IAM policies: nothing to wait for.
  return { keyId: key.arn, resource: key, ready: [] };
}
