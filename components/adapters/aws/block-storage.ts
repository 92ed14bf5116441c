/**
 * Block storage on EKS: a StorageClass of the EBS CSI driver whose gp3 volumes are encrypted with
 * the component's customer-managed KMS key, and the key-policy statements that let EC2 use the key
 * for the driver.
 */
import * as aws from "../../shared/aws-sdk";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AdapterContext, BlockStorage, BlockStorageArgs, EncryptionKey } from "../types";
import { blockStorageClassName, reclaimPolicy, requireBlockStorageKey } from "../block-storage";

/** Provisioner name of the Amazon EBS CSI driver (the EKS add-on the cluster builder installs). */
export const EBS_CSI_PROVISIONER = "ebs.csi.aws.com";

/**
 * KMS actions EC2 performs with the key when the EBS CSI driver creates, attaches and snapshots
 * an encrypted volume, and the grant actions (only for grants to AWS resources) EBS needs to use
 * the key while the volume is attached. Both lists as in the EKS user guide, "Create an Amazon EBS
 * CSI driver IAM role", step "If you use a custom KMS key for encryption on your Amazon EBS
 * volumes" (https://docs.aws.amazon.com/eks/latest/userguide/csi-iam-role.html).
 */
export const EBS_KMS_KEY_ACTIONS: readonly string[] = [
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncrypt*",
  "kms:GenerateDataKey*",
  "kms:DescribeKey",
];
export const EBS_KMS_GRANT_ACTIONS: readonly string[] = [
  "kms:CreateGrant",
  "kms:ListGrants",
  "kms:RevokeGrant",
];

/** The account, region and partition the key policy is scoped to. */
export interface AwsKeyPolicyScope {
  partition: string;
  accountId: string;
  region: string;
  /**
   * The EBS CSI controller's IAM role (`AwsTargetArgs.ebsCsiRoleArn`): when known, the only
   * principal the EC2 statements admit; else every principal of the account (through EC2 only).
   */
  ebsCsiRoleArn?: string;
}

/**
 * The key policy of a data key whose volumes the EBS CSI driver creates:
 *
 * 1. `EnableIamPolicies`: KMS's default key policy statement, unchanged (the account root gets
 *    `kms:*`, which delegates access to IAM policies; the workload roles' key-scoped IAM policies
 *    keep working, https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
 *    `createKmsKey` sets no policy, so this statement is the whole policy the key had before.
 * 2. `EbsVolumesViaEc2` / `EbsGrantsViaEc2`: use of the key and grants for AWS resources, for
 *    principals of this account only (`kms:CallerAccount`) and only through EC2 in this region
 *    (`kms:ViaService` = `ec2.<region>.amazonaws.com`): the EBS CSI controller's role calls
 *    `ec2:CreateVolume`/`AttachVolume`, and EC2 calls KMS on its behalf. The adapter does not know
 *    that role (the cluster builder or the user creates it, with AmazonEBSCSIDriverPolicy, which
 *    has no KMS permissions), so the statement names the account and service instead, the way
 *    the AWS managed `aws/ebs` key's policy does
 *    (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service,
 *    https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account,
 *    https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource).
 *    No principal outside the account and no direct KMS call (only EC2's) is admitted. When the
 *    cluster names the EBS CSI controller's role (`ebsCsiRoleArn`: a cluster this toolkit creates
 *    does), that role is the only principal: no other role of the account can use the key to
 *    create a volume, e.g. from a snapshot of a metrics volume.
 */
export function ebsKeyPolicy(scope: AwsKeyPolicyScope): Record<string, unknown> {
  const viaEc2 = {
    "kms:CallerAccount": scope.accountId,
    "kms:ViaService": `ec2.${scope.region}.amazonaws.com`,
  };
  const principal = { AWS: scope.ebsCsiRoleArn ?? "*" };
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EnableIamPolicies",
        Effect: "Allow",
        Principal: { AWS: `arn:${scope.partition}:iam::${scope.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "EbsVolumesViaEc2",
        Effect: "Allow",
        Principal: principal,
        Action: [...EBS_KMS_KEY_ACTIONS],
        Resource: "*",
        Condition: { StringEquals: viaEc2 },
      },
      {
        Sid: "EbsGrantsViaEc2",
        Effect: "Allow",
        Principal: principal,
        Action: [...EBS_KMS_GRANT_ACTIONS],
        Resource: "*",
        Condition: { StringEquals: viaEc2, Bool: { "kms:GrantIsForAWSResource": "true" } },
      },
    ],
  };
}

/** The key policy set on each key, so a key used by several StorageClasses gets one. */
export type EbsKeyPolicyRegistry = Map<pulumi.Resource, aws.kms.KeyPolicy>;

/**
 * The StorageClass `${ctx.name}-<role>-storageclass` (physical name
 * `<component>-<stack>-<role>-encrypted`) for EBS gp3 volumes encrypted with `args.key`, and the
 * key policy `${ctx.name}-<role>-ebs-key-policy` that lets EC2 use the key for them (once per
 * key: a second StorageClass on the same key reuses the first one's policy). Parameters are the
 * driver's (kubernetes-sigs/aws-ebs-csi-driver docs/parameters.md): `type: gp3`, `encrypted`,
 * `kmsKeyId` (the key ARN), `csi.storage.k8s.io/fstype: ext4`, and one `tagSpecification_<n>` per
 * context tag, so the volumes carry the stack's governance tags. `WaitForFirstConsumer` creates
 * the volume in the zone the pod is scheduled to (an EBS volume attaches only in its own zone).
 */
export function createEbsBlockStorage(
  ctx: AdapterContext,
  role: string,
  args: BlockStorageArgs,
  scope: pulumi.Output<AwsKeyPolicyScope>,
  registry: EbsKeyPolicyRegistry,
): BlockStorage {
  const key: EncryptionKey = requireBlockStorageKey(ctx, role, args, "aws");
  let keyPolicy = registry.get(key.resource);
  if (keyPolicy === undefined) {
    keyPolicy = new aws.kms.KeyPolicy(
      `${ctx.name}-${role}-ebs-key-policy`,
      { keyId: key.resource.id, policy: scope.apply((s) => JSON.stringify(ebsKeyPolicy(s))) },
      { parent: ctx.parent },
    );
    registry.set(key.resource, keyPolicy);
  }

  const tagSpecifications = Object.fromEntries(
    Object.keys(ctx.tags)
      .sort()
      .map((tag, i) => [`tagSpecification_${i + 1}`, `${tag}=${ctx.tags[tag]}`]),
  );
  const storageClass = new k8s.storage.v1.StorageClass(
    `${ctx.name}-${role}-storageclass`,
    {
      metadata: { name: blockStorageClassName(ctx, role), labels: args.labels },
      provisioner: EBS_CSI_PROVISIONER,
      parameters: {
        type: "gp3",
        encrypted: "true",
        kmsKeyId: key.keyId,
        "csi.storage.k8s.io/fstype": "ext4",
        ...tagSpecifications,
      },
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
      reclaimPolicy: reclaimPolicy(args),
    },
    { parent: ctx.parent, provider: ctx.k8sProvider },
  );
  return { storageClassName: storageClass.metadata.name, resources: [storageClass, keyPolicy, ...key.ready] };
}
