/**
 * Cloud SQL for PostgreSQL on a private IP only, with SSL enforced, automated backups and
 * optional CMEK, plus the VPC's private services access when asked to create it.
 */
import * as gcp from "../../shared/gcp-sdk";
import * as pulumi from "@pulumi/pulumi";
import type { DatabaseSize } from "../../shared/presets";
import type { PostgresArgs, PostgresDatabase } from "../types";
import type { GcpAdapterScope } from "./common";
import type { KeyGrantRegistry } from "./kms";
import type { PrivateServiceAccessOnce } from "./private-service-access";

/**
 * PostgreSQL major version of new instances, valid in both Cloud SQL editions (API enum
 * `SqlDatabaseVersion`, https://cloud.google.com/sql/docs/postgres/admin-api/rest/v1beta4/SqlDatabaseVersion;
 * versions per edition: https://cloud.google.com/sql/docs/postgres/db-versions).
 */
export const POSTGRES_VERSION = "POSTGRES_17";

/**
 * Cloud SQL tier per size class. All are dedicated-core custom machines at the 3.75 GiB per vCPU
 * ratio of the N1 standard shape (db-custom-<vCPUs>-<MiB>; memory must be 0.9–6.5 GiB per vCPU in
 * 256 MiB steps, https://cloud.google.com/sql/docs/postgres/instance-settings#machine-type-2ndgen):
 * - small: 1 vCPU / 3.75 GiB, the smallest dedicated-core tier; shared-core tiers (db-f1-micro,
 *   db-g1-small) carry no SLA ("Shared-core instances ... are not covered by the SLA",
 *   https://cloud.google.com/sql/docs/postgres/operational-guidelines).
 * - medium: 2 vCPU / 7.5 GiB, enough for a team's MLflow tracking store with a few workers.
 * - large: 4 vCPU / 15 GiB, for many concurrent runs logging metrics.
 * Custom tiers need the ENTERPRISE edition, which is therefore always set explicitly.
 */
export const CLOUD_SQL_TIERS: Record<DatabaseSize, string> = {
  small: "db-custom-1-3840",
  medium: "db-custom-2-7680",
  large: "db-custom-4-15360",
};

/**
 * Days of transaction logs kept for point-in-time recovery: the backup retention, capped at 7,
 * the maximum for the ENTERPRISE edition (`transactionLogRetentionDays`, "from 1-7", Cloud SQL
 * Admin API BackupConfiguration).
 */
export function transactionLogRetentionDays(backupRetentionDays: number): number {
  return Math.min(7, Math.max(1, backupRetentionDays));
}

/**
 * Creates, when `privateServiceAccess` is "create" (the default), the reserved range and the
 * Service Networking connection; then the instance, its database and owner user.
 *
 * Instance security settings: no public IPv4, private IP on the cluster's network, only encrypted
 * connections (`sslMode: "ENCRYPTED_ONLY"`; `requireSsl` no longer exists in @pulumi/gcp 9.x),
 * no private path for other Google services, automated backups, deletion protection both in the
 * provider and in the API, CMEK when a key is given (the instance waits for the Cloud SQL service
 * agent's grant on it), and connection logging.
 */
export function createPostgres(
  scope: GcpAdapterScope,
  role: string,
  args: PostgresArgs,
  keys: KeyGrantRegistry,
  privateServiceAccess: PrivateServiceAccessOnce,
): PostgresDatabase {
  const { ctx, gcp: target, labels, opts, statefulOpts } = scope;
  const prefix = `${ctx.name}-${role}`;

  if (
    !Number.isInteger(args.backupRetentionDays) ||
    args.backupRetentionDays < 1 ||
    args.backupRetentionDays > 365
  ) {
    throw new Error(
      `Cloud SQL backupRetentionDays: ${args.backupRetentionDays} is not allowed; give a whole number of retained daily backups from 1 to 365`,
    );
  }
  if (!Number.isInteger(args.storageGb) || args.storageGb < 10) {
    throw new Error(
      `Cloud SQL storageGb: ${args.storageGb} is not allowed; give a whole number of GiB, at least 10 (the PD_SSD minimum)`,
    );
  }
  if (args.highAvailability && !args.pointInTimeRecovery) {
    throw new Error(
      // Provider docs for settings.availabilityType: "For Postgres ... ensure that
      // settings.backup_configuration.point_in_time_recovery_enabled is set to true".
      "Cloud SQL pointInTimeRecovery: must be true when highAvailability is true (a REGIONAL PostgreSQL instance needs point-in-time recovery)",
    );
  }

  const instanceDeps: pulumi.Resource[] = [];
  const access = privateServiceAccess(prefix);
  if (access) instanceDeps.push(access.connection);
  const allocatedIpRange = access?.range.name;

  const grants = args.key ? keys.get(args.key.resource) : undefined;
  if (grants) instanceDeps.push(grants.cloudSql);
  else if (args.key) instanceDeps.push(args.key.resource);

  const instance = new gcp.sql.DatabaseInstance(
    `${prefix}-instance`,
    {
      project: target.project,
      region: target.region,
      databaseVersion: POSTGRES_VERSION,
      deletionProtection: args.deletionProtection,
      encryptionKeyName: args.key?.keyId,
      settings: {
        edition: "ENTERPRISE",
        tier: CLOUD_SQL_TIERS[args.size],
        availabilityType: args.highAvailability ? "REGIONAL" : "ZONAL",
        deletionProtectionEnabled: args.deletionProtection,
        diskType: "PD_SSD",
        diskSize: args.storageGb,
        diskAutoresize: true,
        ipConfiguration: {
          ipv4Enabled: false,
          privateNetwork: target.network,
          allocatedIpRange,
          sslMode: "ENCRYPTED_ONLY",
          enablePrivatePathForGoogleCloudServices: false,
        },
        backupConfiguration: {
          enabled: true,
          pointInTimeRecoveryEnabled: args.pointInTimeRecovery,
          transactionLogRetentionDays: args.pointInTimeRecovery
            ? transactionLogRetentionDays(args.backupRetentionDays)
            : undefined,
          backupRetentionSettings: { retainedBackups: args.backupRetentionDays, retentionUnit: "COUNT" },
        },
        databaseFlags: [
          { name: "log_connections", value: "on" },
          { name: "log_disconnections", value: "on" },
        ],
        userLabels: labels,
      },
    },
    { ...statefulOpts, dependsOn: instanceDeps },
  );

  // Both are abandoned rather than deleted: dropping the database through the API would destroy
  // the data on a rename, and Cloud SQL refuses to delete a PostgreSQL user that owns objects
  // (see `deletionPolicy` on gcp.sql.User). Deleting the instance removes both anyway.
  const database = new gcp.sql.Database(
    `${prefix}-database`,
    { project: target.project, instance: instance.name, name: args.databaseName, deletionPolicy: "ABANDON" },
    opts,
  );
  const user = new gcp.sql.User(
    `${prefix}-user`,
    {
      project: target.project,
      instance: instance.name,
      name: args.username,
      password: pulumi.secret(args.password),
      deletionPolicy: "ABANDON",
    },
    { ...opts, additionalSecretOutputs: ["password"] },
  );

  return {
    host: instance.privateIpAddress,
    port: pulumi.output(5432),
    databaseName: database.name,
    username: user.name,
    sslMode: "require",
    // Exactly the instance's private IP: with an existing private services access, Cloud SQL may
    // allocate from any range peered to the VPC, not only `privateServiceAccessCidr`.
    egress: [
      {
        to: [{ ipBlock: { cidr: pulumi.interpolate`${instance.privateIpAddress}/32` } }],
        ports: [{ protocol: "TCP", port: 5432 }],
      },
    ],
    resource: instance,
  };
}
