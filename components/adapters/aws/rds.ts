/**
 * RDS for PostgreSQL for the AWS adapter: private, encrypted, TLS-only.
 */
import * as aws from "../../shared/aws-sdk";
import { physicalName, PhysicalNameKind } from "../../shared/names";
import { nameBase } from "./kms";
import type { DatabaseSize } from "../../shared/presets";
import type { CloudContext, AwsTargetArgs, PostgresArgs, PostgresDatabase } from "../types";
import { nodeOnlySecurityGroup, vpcEgressRule } from "./network";

/** PostgreSQL port (the RDS default for the postgres engine). */
export const POSTGRES_PORT = 5432;

/**
 * Major version only, so that RDS picks the newest 17.x minor and auto-upgrades within 17
 * (17.1–17.4 reached end of standard support on 2026-05-31 and were force-upgraded; pinning a minor
 * invites such upgrades: https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html).
 */
export const POSTGRES_ENGINE_VERSION = "17";

/**
 * Parameter group family for `POSTGRES_ENGINE_VERSION` (`postgres<major>`, the `DBParameterGroupFamily`
 * of `aws rds describe-db-engine-versions --engine postgres`,
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithParamGroups.html).
 */
export const POSTGRES_PARAMETER_FAMILY = "postgres17";

/**
 * RDS instance class per size class. Graviton (g) classes are the cheapest per vCPU.
 * - small  → db.t4g.micro (2 vCPU burstable, 1 GiB): dev only. Classes and their
 *   engine support: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.html.
 * - medium → db.m7g.large (2 vCPU, 8 GiB): general purpose, not burstable, so a busy staging/prod
 *   tracking server cannot run out of CPU credits (a db.t4g.large would).
 * - large  → db.r7g.xlarge (4 vCPU, 32 GiB): memory-optimised, keeps a large MLflow metrics table
 *   in cache.
 */
export const RDS_INSTANCE_CLASS: Record<DatabaseSize, string> = {
  small: "db.t4g.micro",
  medium: "db.m7g.large",
  large: "db.r7g.xlarge",
};

/**
 * Classes without (Performance/Database) Insights. AWS lists db.t2/t3/t4g micro and small as
 * unsupported for MySQL/MariaDB
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DatabaseInsights.Engines.html);
 * we stay conservative and keep it off on them for PostgreSQL too.
 */
const NO_INSIGHTS_CLASSES = new Set(["db.t4g.micro", "db.t4g.small", "db.t3.micro", "db.t3.small"]);

/**
 * Days of Performance Insights retention: 7 is the free tier and the RDS default
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PerfInsights.Overview.cost.html).
 */
const PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7;

/**
 * Creates an RDS for PostgreSQL 17 instance in the VPC's private subnets: reachable only on 5432
 * from the cluster's node security group, not publicly accessible, storage encrypted with the
 * given KMS key, TLS enforced by `rds.force_ssl`.
 *
 * Point-in-time recovery: on RDS it is implied by automated backups (any `backupRetentionPeriod`
 * above 0 keeps transaction logs for PITR within the retention window,
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIT.html). It cannot be switched off
 * separately, so `pointInTimeRecovery: false` with a retention above 0 still has PITR, and
 * `pointInTimeRecovery: true` needs a retention of at least 1 day.
 *
 * The instance is stateful, so it gets `protect` and `retainOnDelete` from the context.
 */
export function createRdsPostgres(
  ctx: CloudContext,
  target: AwsTargetArgs,
  role: string,
  args: PostgresArgs,
): PostgresDatabase {
  if (args.pointInTimeRecovery && args.backupRetentionDays < 1) {
    throw new Error(
      `${ctx.name}: point-in-time recovery on RDS needs automated backups; ` +
        `backupRetentionDays must be at least 1 (got ${args.backupRetentionDays})`,
    );
  }
  const opts = { parent: ctx.parent };
  const name = `${ctx.name}-${role}`;
  const instanceClass = RDS_INSTANCE_CLASS[args.size];

  const subnetGroup = new aws.rds.SubnetGroup(
    `${name}-postgres-subnets`,
    {
      description: `pulumi-mlops ${name} database subnets`,
      subnetIds: target.privateSubnetIds,
      tags: ctx.tags,
    },
    opts,
  );

  const securityGroup = nodeOnlySecurityGroup(ctx, target, name, ["postgres", "PostgreSQL", POSTGRES_PORT]);

  const parameterGroup = new aws.rds.ParameterGroup(
    `${name}-postgres-params`,
    {
      description: `pulumi-mlops ${name} PostgreSQL parameters (TLS only)`,
      family: POSTGRES_PARAMETER_FAMILY,
      parameters: [
        // Reject non-TLS connections. 1 is already the RDS default from PostgreSQL 15
        // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html);
        // explicit so that it cannot drift.
        { name: "rds.force_ssl", value: "1" },
        // Audit trail of who connected from where (off by default in PostgreSQL).
        { name: "log_connections", value: "1" },
        { name: "log_disconnections", value: "1" },
      ],
      tags: ctx.tags,
    },
    opts,
  );

  const insights = !NO_INSIGHTS_CLASSES.has(instanceClass);
  const instance = new aws.rds.Instance(
    `${name}-postgres`,
    {
      engine: "postgres",
      engineVersion: POSTGRES_ENGINE_VERSION,
      autoMinorVersionUpgrade: true,
      allowMajorVersionUpgrade: false,
      instanceClass,
      // gp3: baseline 3000 IOPS / 125 MiB/s at any size, cheaper than gp2
      // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html).
      storageType: "gp3",
      allocatedStorage: args.storageGb,
      // Storage autoscaling up to twice the requested size, so a full disk does not stop writes.
      maxAllocatedStorage: args.storageGb * 2,
      storageEncrypted: true,
      kmsKeyId: args.key?.keyId,
      dbName: args.databaseName,
      username: args.username,
      password: args.password,
      port: POSTGRES_PORT,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [securityGroup.id],
      parameterGroupName: parameterGroup.name,
      publiclyAccessible: false,
      multiAz: args.highAvailability,
      deletionProtection: args.deletionProtection,
      backupRetentionPeriod: args.backupRetentionDays,
      // Keep automated backups after deleting a protected database (RDS default: delete them).
      deleteAutomatedBackups: !args.deletionProtection,
      skipFinalSnapshot: !args.deletionProtection,
      // Snapshot identifiers are unique per account and region: `<name>-<stack>-<role>-postgres-final`.
      finalSnapshotIdentifier: args.deletionProtection
        ? physicalName(PhysicalNameKind.rdsSnapshot, nameBase(ctx), role, "postgres-final")
        : undefined,
      copyTagsToSnapshot: true,
      // MLflow authenticates with its generated password; IAM database auth would only widen who can log in.
      iamDatabaseAuthenticationEnabled: false,
      performanceInsightsEnabled: insights,
      performanceInsightsKmsKeyId: insights ? args.key?.keyId : undefined,
      performanceInsightsRetentionPeriod: insights ? PERFORMANCE_INSIGHTS_RETENTION_DAYS : undefined,
      // The server log (with the connection log lines above) in CloudWatch Logs.
      enabledCloudwatchLogsExports: ["postgresql"],
      tags: ctx.tags,
    },
    { ...opts, protect: ctx.protect, retainOnDelete: ctx.protect },
  );

  return {
    host: instance.address,
    port: instance.port,
    databaseName: instance.dbName,
    username: instance.username,
    // TLS is enforced server-side; `verify-full` would also need the RDS CA bundle in the image.
    sslMode: "require",
    egress: [vpcEgressRule(target, POSTGRES_PORT)],
    resource: instance,
  };
}
