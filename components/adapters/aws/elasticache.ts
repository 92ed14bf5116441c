/**
 * ElastiCache for Valkey for the AWS adapter: a replication group in the VPC's private subnets,
 * TLS required, AUTH token, encrypted at rest with the customer-managed key.
 */
import * as aws from "../../shared/aws-sdk";
import * as pulumi from "@pulumi/pulumi";
import { physicalName, PhysicalNameKind } from "../../shared/names";
import { nameBase } from "./kms";
import type { DatabaseSize } from "../../shared/presets";
import { KEY_VALUE_PORT, keyValuePassword } from "../key-value";
import type { CloudContext, AwsTargetArgs, KeyValueStore, KeyValueStoreArgs } from "../types";
import { nodeOnlySecurityGroup, vpcEgressRule } from "./network";

/**
 * Valkey version (major.minor; ElastiCache applies patch releases itself with
 * `autoMinorVersionUpgrade`). 9.0 is the newest version listed for every partition, China
 * included; 9.1 is listed only in the global docs so far
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/engine-versions.html).
 */
export const VALKEY_ENGINE_VERSION = "9.0";

/**
 * ElastiCache node type per size class (Graviton, cheapest per GiB;
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html):
 * - small  → cache.t4g.micro (0.5 GiB, burstable): dev only;
 * - medium → cache.m7g.large (6.4 GiB), not burstable, for a team's online features;
 * - large  → cache.r7g.large (13 GiB), memory-optimised.
 */
export const ELASTICACHE_NODE_TYPE: Record<DatabaseSize, string> = {
  small: "cache.t4g.micro",
  medium: "cache.m7g.large",
  large: "cache.r7g.large",
};

/** Most days of automatic snapshots ElastiCache keeps (`SnapshotRetentionLimit`, 0–35). */
export const ELASTICACHE_MAX_SNAPSHOT_DAYS = 35;

/**
 * Creates the AUTH token, a cache subnet group on the private subnets, a security group open on
 * 6379 to the cluster's node security group only, and a cluster-mode-disabled Valkey replication
 * group: in-transit encryption required (`transitEncryptionMode: "required"` refuses plain-text
 * connections), AUTH token, at-rest encryption with the given KMS key, automatic minor upgrades.
 * With `highAvailability` it has a replica in a second AZ with Multi-AZ automatic failover (two
 * nodes, the minimum ElastiCache accepts for it). Snapshots are kept for `backupRetentionDays`;
 * with `deletionProtection` a final snapshot is taken on delete (automatic snapshots are deleted
 * with the group). The group is stateful, so it gets `protect` and `retainOnDelete` from the context.
 *
 * The server certificate is issued by Amazon's public CA, so clients verify it with the system
 * trust store (no CA to mount).
 */
export function createElastiCacheValkey(
  ctx: CloudContext,
  target: AwsTargetArgs,
  role: string,
  args: KeyValueStoreArgs,
): KeyValueStore {
  const days = args.backupRetentionDays;
  if (!Number.isInteger(days) || days < 0 || days > ELASTICACHE_MAX_SNAPSHOT_DAYS) {
    throw new Error(
      `${ctx.name}: ElastiCache backupRetentionDays: ${days} is not allowed; give a whole number of days from 0 to ${ELASTICACHE_MAX_SNAPSHOT_DAYS}`,
    );
  }
  const opts = { parent: ctx.parent };
  const name = `${ctx.name}-${role}`;
  const token = keyValuePassword(`${name}-valkey-auth`, opts);
  const securityGroup = nodeOnlySecurityGroup(ctx, target, name, ["valkey", "Valkey", KEY_VALUE_PORT]);
  const subnets = { description: `pulumi-mlops ${name} Valkey subnets`, subnetIds: target.privateSubnetIds };
  const subnetGroup = new aws.elasticache.SubnetGroup(
    `${name}-valkey-subnets`,
    { ...subnets, tags: ctx.tags },
    opts,
  );

  const ha = args.highAvailability;
  const group = new aws.elasticache.ReplicationGroup(
    `${name}-valkey`,
    {
      description: `pulumi-mlops ${name} Valkey`,
      engine: "valkey",
      engineVersion: VALKEY_ENGINE_VERSION,
      autoMinorVersionUpgrade: true,
      nodeType: ELASTICACHE_NODE_TYPE[args.size],
      // One shard (Feast's "redis" type, not "redis_cluster"); a replica in another AZ for HA.
      clusterMode: "disabled",
      numCacheClusters: ha ? 2 : 1,
      automaticFailoverEnabled: ha,
      multiAzEnabled: ha,
      port: KEY_VALUE_PORT,
      subnetGroupName: subnetGroup.name,
      securityGroupIds: [securityGroup.id],
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      authToken: pulumi.secret(token.result),
      atRestEncryptionEnabled: true,
      kmsKeyId: args.key?.keyId,
      snapshotRetentionLimit: days,
      finalSnapshotIdentifier: args.deletionProtection
        ? physicalName(PhysicalNameKind.elasticacheSnapshot, nameBase(ctx), role, "valkey-final")
        : undefined,
      tags: ctx.tags,
    },
    { ...opts, protect: ctx.protect, retainOnDelete: ctx.protect, additionalSecretOutputs: ["authToken"] },
  );

  return {
    host: group.primaryEndpointAddress,
    port: pulumi.output(KEY_VALUE_PORT),
    tls: true,
    password: pulumi.secret(token.result),
    egress: [vpcEgressRule(target, KEY_VALUE_PORT)],
    resource: group,
  };
}
