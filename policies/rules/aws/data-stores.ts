/** AWS RDS, KMS and ElastiCache rules. */
import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { ruleConfig } from "../../config";
import {
  ALWAYS_MANDATORY,
  MANDATORY_IN_PROD,
  classPulumiType,
  resourceRule,
  type ResourceRule,
} from "../types";
import { bool, num, onlyIn, present, rec, str, strs } from "../util";
import { parsePolicyDocument } from "./iam-document";

/** RDS instances encrypt storage. */
export const rdsInstanceEncrypted: ResourceRule = resourceRule(
  {
    name: "aws-rds-instance-encrypted",
    area: "aws",
    description: "RDS DB instances have storage encryption enabled.",
    severity: "high",
    remediation: "Set storageEncrypted: true (and kmsKeyId to a customer-managed key) on aws.rds.Instance.",
    reference: "CIS AWS Foundations 2.3.1; Checkov CKV_AWS_16",
  },
  validateResourceOfType(aws.rds.Instance, (db, args, report) => {
    if (present(db.replicateSourceDb) && db.storageEncrypted === undefined)
      args.notApplicable("read replicas inherit encryption");
    if (db.storageEncrypted !== true) report("storageEncrypted is not true.");
  }),
);

/** Aurora clusters encrypt storage. */
export const rdsClusterEncrypted: ResourceRule = resourceRule(
  {
    name: "aws-rds-cluster-encrypted",
    area: "aws",
    description: "RDS/Aurora clusters have storage encryption enabled.",
    severity: "high",
    remediation: "Set storageEncrypted: true (and kmsKeyId) on aws.rds.Cluster.",
    reference: "CIS AWS Foundations 2.3.1; Checkov CKV_AWS_96",
  },
  validateResourceOfType(aws.rds.Cluster, (cluster, _args, report) => {
    if (cluster.storageEncrypted !== true) report("storageEncrypted is not true.");
  }),
);

/** RDS instances are not reachable from the internet. */
export const rdsNotPublic: ResourceRule = resourceRule(
  {
    name: "aws-rds-instance-not-public",
    area: "aws",
    description: "RDS DB instances are not publicly accessible.",
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    remediation: "Set publiclyAccessible: false and place the instance in private subnets.",
    reference: "CIS AWS Foundations 2.3.3; Checkov CKV_AWS_17",
  },
  validateResourceOfType(aws.rds.Instance, (db, _args, report) => {
    if (db.publiclyAccessible === true) report("publiclyAccessible is true.");
  }),
);

function checkProdProtection(
  props: { deletionProtection?: boolean; backupRetentionPeriod?: number },
  report: (m: string) => void,
): void {
  if (props.deletionProtection !== true) report("deletionProtection is not true in prod.");
  const retention = num(props.backupRetentionPeriod);
  if (retention !== undefined && retention < 7)
    report(`backupRetentionPeriod is ${retention} days; prod needs at least 7.`);
  if (retention === undefined && !present(props.backupRetentionPeriod))
    report("backupRetentionPeriod is not set; prod needs at least 7 days.");
}

/** Prod RDS instances have deletion protection and backups. */
export const rdsInstanceProdProtection: ResourceRule = resourceRule(
  {
    name: "aws-rds-instance-prod-protection",
    area: "aws",
    description:
      "In prod, RDS DB instances have deletion protection and at least 7 days of automated backups.",
    severity: "high",
    enforcement: MANDATORY_IN_PROD,
    remediation:
      "Set deletionProtection: true and backupRetentionPeriod >= 7 on prod aws.rds.Instance resources.",
    reference: "Checkov CKV_AWS_293 (deletion protection), CKV_AWS_133 (backups)",
  },
  validateResourceOfType(aws.rds.Instance, (db, args, report) => {
    onlyIn(args, ruleConfig(args).environment, ["prod"]);
    checkProdProtection(db, report);
  }),
);

/** Prod Aurora clusters have deletion protection and backups. */
export const rdsClusterProdProtection: ResourceRule = resourceRule(
  {
    name: "aws-rds-cluster-prod-protection",
    area: "aws",
    description:
      "In prod, RDS/Aurora clusters have deletion protection and at least 7 days of automated backups.",
    severity: "high",
    enforcement: MANDATORY_IN_PROD,
    remediation:
      "Set deletionProtection: true and backupRetentionPeriod >= 7 on prod aws.rds.Cluster resources.",
    reference: "Checkov CKV_AWS_139 (deletion protection), CKV_AWS_133 (backups)",
  },
  validateResourceOfType(aws.rds.Cluster, (cluster, args, report) => {
    onlyIn(args, ruleConfig(args).environment, ["prod"]);
    checkProdProtection(cluster, report);
  }),
);

/** Symmetric KMS keys rotate. */
export const kmsKeyRotation: ResourceRule = resourceRule(
  {
    name: "aws-kms-key-rotation",
    area: "aws",
    description: "Symmetric customer-managed KMS keys have automatic rotation enabled.",
    severity: "medium",
    remediation: "Set enableKeyRotation: true on aws.kms.Key (optionally rotationPeriodInDays).",
    reference: "CIS AWS Foundations 3.6 (KMS rotation); Checkov CKV_AWS_7",
  },
  validateResourceOfType(aws.kms.Key, (key, args, report) => {
    const spec = key.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
    if (spec !== "SYMMETRIC_DEFAULT" || (key.keyUsage !== undefined && key.keyUsage !== "ENCRYPT_DECRYPT")) {
      args.notApplicable("rotation applies to symmetric encryption keys only");
    }
    if (key.enableKeyRotation !== true) report("enableKeyRotation is not true.");
  }),
);

/** Resources that carry a KMS key policy in `policy`: the key itself and a separate key policy. */
const KMS_KEY_POLICY_CARRIERS: readonly string[] = [
  classPulumiType(aws.kms.Key),
  classPulumiType(aws.kms.KeyPolicy),
];

/** KMS key policies never allow everyone. */
export const kmsNoWildcardPrincipal: ResourceRule = resourceRule(
  {
    name: "aws-kms-key-no-wildcard-principal",
    area: "aws",
    description:
      "KMS key policies (on aws.kms.Key or a separate aws.kms.KeyPolicy) do not Allow a wildcard principal without a condition.",
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    remediation:
      "Name specific IAM principals in the key policy, or add conditions (aws:PrincipalOrgID, kms:CallerAccount).",
    reference: "Checkov CKV_AWS_33",
    resourceTypes: KMS_KEY_POLICY_CARRIERS,
  },
  (args, report) => {
    if (!KMS_KEY_POLICY_CARRIERS.includes(args.type)) return;
    for (const s of parsePolicyDocument(rec(args.props)?.policy) ?? []) {
      if (s.effect === "Allow" && isWildcardPrincipal(s.principal) && !s.condition)
        report(`Statement ${s.sid} allows principal "*" without a condition.`);
    }
  },
);

/** True for `"*"` or `{ AWS: "*" }` principals. */
export function isWildcardPrincipal(principal: unknown): boolean {
  if (principal === "*") return true;
  if (typeof principal === "object" && principal !== null) {
    const aws = (principal as Record<string, unknown>).AWS;
    return aws === "*" || (Array.isArray(aws) && aws.includes("*"));
  }
  return false;
}

/** ElastiCache replication groups encrypt at rest and in transit. */
export const elasticacheEncryption: ResourceRule = resourceRule(
  {
    name: "aws-elasticache-encryption",
    area: "aws",
    description:
      "ElastiCache replication groups (feature/online stores) encrypt data at rest and in transit.",
    severity: "high",
    remediation:
      "Set atRestEncryptionEnabled: true, transitEncryptionEnabled: true (and kmsKeyId, authToken) on aws.elasticache.ReplicationGroup.",
    reference: "Checkov CKV_AWS_29 (at rest), CKV_AWS_30 (in transit)",
  },
  validateResourceOfType(aws.elasticache.ReplicationGroup, (rg, _args, report) => {
    if (bool(rg.atRestEncryptionEnabled) !== true) report("atRestEncryptionEnabled is not true.");
    if (rg.transitEncryptionEnabled !== true) report("transitEncryptionEnabled is not true.");
  }),
);

/** ElastiCache replication groups require TLS and AUTH, and encrypt with a customer key. */
export const elasticacheAuthRequired: ResourceRule = resourceRule(
  {
    name: "aws-elasticache-auth-tls-required",
    area: "aws",
    description:
      "ElastiCache replication groups refuse plain-text connections (transit encryption mode 'required'), require AUTH (a token or an RBAC user group) and encrypt at rest with a customer-managed KMS key.",
    severity: "high",
    remediation:
      'Set transitEncryptionMode: "required", authToken (or userGroupIds) and kmsKeyId on aws.elasticache.ReplicationGroup.',
    reference:
      "Checkov CKV_AWS_31 (AUTH token), CKV_AWS_191 (KMS CMK); AWS ElastiCache in-transit encryption docs (TransitEncryptionMode)",
  },
  validateResourceOfType(aws.elasticache.ReplicationGroup, (rg, args, report) => {
    if (present(rg.globalReplicationGroupId))
      args.notApplicable("members of a global datastore take these settings from it");
    // An unset mode is "required" when transit encryption is on at creation; "preferred" also
    // accepts plain text (it exists only to migrate clients).
    const mode = str(rg.transitEncryptionMode);
    if (mode !== undefined && mode !== "required")
      report(`transitEncryptionMode is "${mode}"; plain-text connections are accepted.`);
    const auth = present(rg.authToken) || present(rg.authTokenWo) || strs(rg.userGroupIds).length > 0;
    if (!auth) report("Neither authToken nor userGroupIds is set: clients need no credentials.");
    if (!present(rg.kmsKeyId))
      report("kmsKeyId is not set (AWS-owned key instead of a customer-managed key).");
  }),
);

/** RDS, KMS and ElastiCache rules. */
export const dataStoreRules: ResourceRule[] = [
  rdsInstanceEncrypted,
  rdsClusterEncrypted,
  rdsNotPublic,
  rdsInstanceProdProtection,
  rdsClusterProdProtection,
  kmsKeyRotation,
  kmsNoWildcardPrincipal,
  elasticacheEncryption,
  elasticacheAuthRequired,
];
