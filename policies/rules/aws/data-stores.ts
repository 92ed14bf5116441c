/** AWS RDS, KMS, ElastiCache, DynamoDB and Redshift Serverless rules. */
import * as aws from "../aws-sdk";
import { validateResourceOfType, type PolicyResource } from "@pulumi/policy";
import { ruleConfig } from "../../config";
import {
  ALWAYS_MANDATORY,
  MANDATORY_IN_PROD,
  MANDATORY_OUTSIDE_DEV,
  classPulumiType,
  resourceRule,
  stackRule,
  type ResourceRule,
  type StackRule,
} from "../types";
import { ofType, refersTo } from "../stack";
import { bool, dig, num, onlyIn, present, rec, recs, str, strs } from "../util";
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

/** Prod ElastiCache replication groups survive the loss of a node or an AZ. */
export const elasticacheProdMultiAz: ResourceRule = resourceRule(
  {
    name: "aws-elasticache-prod-multi-az",
    area: "aws",
    description:
      "In prod, ElastiCache replication groups have automatic failover and Multi-AZ on (a replica in another AZ is promoted when the primary or its AZ fails).",
    severity: "high",
    enforcement: MANDATORY_IN_PROD,
    remediation:
      "Set automaticFailoverEnabled: true, multiAzEnabled: true and at least one replica (numCacheClusters >= 2, or replicasPerNodeGroup >= 1 in cluster mode) on prod aws.elasticache.ReplicationGroup resources.",
    reference:
      "AWS Foundational Security Best Practices ElastiCache.3 (automatic failover); AWS ElastiCache User Guide, Minimizing downtime in ElastiCache with Multi-AZ",
  },
  validateResourceOfType(aws.elasticache.ReplicationGroup, (rg, args, report) => {
    onlyIn(args, ruleConfig(args).environment, ["prod"]);
    if (present(rg.globalReplicationGroupId))
      args.notApplicable("members of a global datastore take these settings from it");
    if (bool(rg.automaticFailoverEnabled) !== true) report("automaticFailoverEnabled is not true in prod.");
    if (bool(rg.multiAzEnabled) !== true) report("multiAzEnabled is not true in prod.");
    const nodes = num(rg.numCacheClusters);
    const replicas = num(rg.replicasPerNodeGroup);
    if (nodes !== undefined && nodes < 2)
      report(`numCacheClusters is ${nodes}; prod needs a replica (at least 2 nodes).`);
    if (replicas !== undefined && replicas < 1)
      report(`replicasPerNodeGroup is ${replicas}; prod needs at least 1 replica per shard.`);
  }),
);

/** ElastiCache Serverless caches require AUTH and encrypt with a customer key. */
export const elasticacheServerlessAuthKms: ResourceRule = resourceRule(
  {
    name: "aws-elasticache-serverless-auth-kms",
    area: "aws",
    description:
      "ElastiCache Serverless caches (always TLS, always encrypted at rest) require AUTH through an RBAC user group and encrypt with a customer-managed KMS key.",
    severity: "high",
    remediation:
      "Set userGroupId (an aws.elasticache.UserGroup whose default user is disabled or has a password) and kmsKeyId on aws.elasticache.ServerlessCache.",
    reference:
      "AWS ElastiCache User Guide: Role-Based Access Control (RBAC), Data security in ElastiCache Serverless",
  },
  validateResourceOfType(aws.elasticache.ServerlessCache, (cache, _args, report) => {
    if (!present(cache.userGroupId)) report("userGroupId is not set: clients connect without credentials.");
    if (!present(cache.kmsKeyId))
      report("kmsKeyId is not set (AWS-owned key instead of a customer-managed key).");
  }),
);

const EC2_SUBNET = classPulumiType(aws.ec2.Subnet);
const EC2_ROUTE_TABLE = classPulumiType(aws.ec2.RouteTable);
const EC2_ROUTE = classPulumiType(aws.ec2.Route);
const EC2_RTA = classPulumiType(aws.ec2.RouteTableAssociation);
const EC2_IGW = classPulumiType(aws.ec2.InternetGateway);
const CACHE_SUBNET_GROUP = classPulumiType(aws.elasticache.SubnetGroup);
const CACHE_RG = classPulumiType(aws.elasticache.ReplicationGroup);
const CACHE_SERVERLESS = classPulumiType(aws.elasticache.ServerlessCache);

/** True when `gatewayId` is a literal internet gateway id (`igw-...`). */
function isIgwId(gatewayId: unknown): boolean {
  return str(gatewayId)?.startsWith("igw-") === true;
}

/**
 * Why a subnet of the stack is public, or undefined. A subnet is public when it maps public IPs on
 * launch, or when a route table it is explicitly associated with (aws.ec2.RouteTableAssociation)
 * has a route to an internet gateway: a separate aws.ec2.Route or an inline `routes` entry whose
 * gatewayId is an InternetGateway of the stack or a literal `igw-` id (the VPC User Guide's
 * definition of a public subnet). A subnet that relies on its VPC's main route table is judged by
 * `mapPublicIpOnLaunch` alone; subnets passed in as plain ids are not judged.
 */
export function publicSubnetReason(
  resources: readonly PolicyResource[],
  subnet: PolicyResource,
): string | undefined {
  if (bool(rec(subnet.props)?.mapPublicIpOnLaunch) === true) return "mapPublicIpOnLaunch is true";
  const igws = ofType(resources, EC2_IGW);
  const associations = ofType(resources, EC2_RTA).filter((a) => refersTo(a, subnet, ["subnetId"]));
  for (const table of ofType(resources, EC2_ROUTE_TABLE)) {
    if (!associations.some((a) => refersTo(a, table, ["routeTableId"]))) continue;
    const inline = recs(rec(table.props)?.routes).some(
      (r) =>
        isIgwId(r.gatewayId) || (present(r.gatewayId) && igws.some((g) => refersTo(table, g, ["routes"]))),
    );
    const separate = ofType(resources, EC2_ROUTE).some(
      (r) =>
        refersTo(r, table, ["routeTableId"]) &&
        (isIgwId(rec(r.props)?.gatewayId) || igws.some((g) => refersTo(r, g, ["gatewayId"]))),
    );
    if (inline || separate) return `route table '${table.name}' routes to an internet gateway`;
  }
  return undefined;
}

/** ElastiCache clusters are not placed in public subnets. */
export const elasticacheNotInPublicSubnet: StackRule = stackRule(
  {
    name: "aws-elasticache-not-in-public-subnet",
    area: "aws",
    description:
      "ElastiCache replication groups (through their cache subnet group) and serverless caches are not placed in public subnets: subnets that map public IPs on launch or whose route table routes to an internet gateway.",
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    remediation:
      "Give the cache subnet group (or the serverless cache's subnetIds) only private subnets: mapPublicIpOnLaunch false and a route table without a route to an internet gateway (egress through a NAT gateway).",
    reference:
      "AWS ElastiCache User Guide, Amazon VPCs and ElastiCache security (place caches in private subnets); AWS Foundational Security Best Practices ElastiCache controls",
    resourceTypes: [CACHE_RG, CACHE_SERVERLESS, CACHE_SUBNET_GROUP, EC2_SUBNET],
  },
  (args, report) => {
    const subnets = ofType(args.resources, EC2_SUBNET);
    const publicIn = (owner: PolicyResource, key: string): string[] =>
      subnets.flatMap((s) => {
        if (!refersTo(owner, s, [key])) return [];
        const why = publicSubnetReason(args.resources, s);
        return why === undefined ? [] : [`'${s.name}' (${why})`];
      });
    for (const group of ofType(args.resources, CACHE_SUBNET_GROUP)) {
      const found = publicIn(group, "subnetIds");
      if (found.length === 0) continue;
      const users = ofType(args.resources, CACHE_RG).filter((rg) =>
        refersTo(rg, group, ["subnetGroupName"], "name"),
      );
      for (const rg of users)
        report(
          `Replication group '${rg.name}' uses cache subnet group '${group.name}' with public subnets: ${found.join(", ")}.`,
          rg.urn,
        );
    }
    for (const cache of ofType(args.resources, CACHE_SERVERLESS)) {
      const found = publicIn(cache, "subnetIds");
      if (found.length > 0)
        report(`Serverless cache '${cache.name}' is in public subnets: ${found.join(", ")}.`, cache.urn);
    }
  },
);

/** DynamoDB tables encrypt with a customer-managed key. */
export const dynamodbCmk: ResourceRule = resourceRule(
  {
    name: "aws-dynamodb-cmk",
    area: "aws",
    description:
      "DynamoDB tables (and their global table replicas) encrypt at rest with a customer-managed KMS key, not the AWS-owned or AWS-managed key.",
    severity: "high",
    enforcement: MANDATORY_OUTSIDE_DEV,
    remediation:
      "Set serverSideEncryption: { enabled: true, kmsKeyArn: <customer-managed key ARN> } on aws.dynamodb.Table, and kmsKeyArn on every replica.",
    reference: "Checkov CKV_AWS_119 (DynamoDB encrypted with a KMS CMK)",
  },
  validateResourceOfType(aws.dynamodb.Table, (table, _args, report) => {
    const sse = table.serverSideEncryption;
    if (bool(dig(sse, "enabled")) !== true)
      report("serverSideEncryption.enabled is not true (AWS-owned key).");
    else if (!present(dig(sse, "kmsKeyArn")))
      report("serverSideEncryption.kmsKeyArn is not set (AWS-managed key alias/aws/dynamodb).");
    for (const replica of recs(table.replicas)) {
      if (!present(replica.kmsKeyArn))
        report(`Replica in ${str(replica.regionName) ?? "another region"} has no kmsKeyArn.`);
    }
  }),
);

/** Prod DynamoDB tables can be recovered and are not deleted by accident. */
export const dynamodbProdProtection: ResourceRule = resourceRule(
  {
    name: "aws-dynamodb-prod-protection",
    area: "aws",
    description: "In prod, DynamoDB tables have point-in-time recovery and deletion protection enabled.",
    severity: "high",
    enforcement: MANDATORY_IN_PROD,
    remediation:
      "Set pointInTimeRecovery: { enabled: true } and deletionProtectionEnabled: true on prod aws.dynamodb.Table resources.",
    reference: "Checkov CKV_AWS_28 (DynamoDB point-in-time recovery); AWS DynamoDB deletion protection",
  },
  validateResourceOfType(aws.dynamodb.Table, (table, args, report) => {
    onlyIn(args, ruleConfig(args).environment, ["prod"]);
    if (bool(dig(table.pointInTimeRecovery, "enabled")) !== true)
      report("pointInTimeRecovery.enabled is not true in prod.");
    if (bool(table.deletionProtectionEnabled) !== true)
      report("deletionProtectionEnabled is not true in prod.");
  }),
);

/** Redshift Serverless namespaces encrypt with a customer-managed key and never hold a plain admin password. */
export const redshiftServerlessCmk: ResourceRule = resourceRule(
  {
    name: "aws-redshift-serverless-cmk",
    area: "aws",
    description:
      "Redshift Serverless namespaces encrypt data with a customer-managed KMS key (not the AWS-owned key) and set no plain-text admin password.",
    severity: "high",
    remediation:
      "Set kmsKeyId to a customer-managed KMS key on aws.redshiftserverless.Namespace; use manageAdminPassword (with adminPasswordSecretKmsKeyId) instead of adminUserPassword.",
    reference:
      "Amazon Redshift Serverless data encryption (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-data-encryption.html); managing admin passwords with Secrets Manager (https://docs.aws.amazon.com/redshift/latest/mgmt/redshift-secrets-manager-integration.html)",
  },
  validateResourceOfType(aws.redshiftserverless.Namespace, (ns, _args, report) => {
    const key = str(ns.kmsKeyId);
    if (key === undefined || key === "AWS_OWNED_KMS_KEY")
      report(`kmsKeyId is ${key ?? "not set"}: data is encrypted with the AWS-owned key.`);
    if (present(ns.adminUserPassword))
      report(
        "adminUserPassword is set: the password is in the program and the state; use manageAdminPassword.",
      );
  }),
);

/** Redshift Serverless workgroups are not reachable from the internet. */
export const redshiftServerlessNotPublic: ResourceRule = resourceRule(
  {
    name: "aws-redshift-serverless-not-public",
    area: "aws",
    description: "Redshift Serverless workgroups are not publicly accessible.",
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    remediation:
      "Set publiclyAccessible: false on aws.redshiftserverless.Workgroup and place it in private subnets; query it through the Redshift Data API.",
    reference:
      "AWS Security Hub Redshift.1 and Checkov CKV_AWS_87 (the same control for provisioned Redshift clusters), applied to Serverless workgroups",
  },
  validateResourceOfType(aws.redshiftserverless.Workgroup, (wg, _args, report) => {
    if (bool(wg.publiclyAccessible) === true) report("publiclyAccessible is true.");
  }),
);

/** RDS, KMS, ElastiCache, DynamoDB and Redshift Serverless rules. */
export const dataStoreRules: (ResourceRule | StackRule)[] = [
  rdsInstanceEncrypted,
  rdsClusterEncrypted,
  rdsNotPublic,
  rdsInstanceProdProtection,
  rdsClusterProdProtection,
  kmsKeyRotation,
  kmsNoWildcardPrincipal,
  elasticacheEncryption,
  elasticacheAuthRequired,
  elasticacheProdMultiAz,
  elasticacheServerlessAuthKms,
  elasticacheNotInPublicSubnet,
  dynamodbCmk,
  dynamodbProdProtection,
  redshiftServerlessCmk,
  redshiftServerlessNotPublic,
];
