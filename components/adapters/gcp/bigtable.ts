/**
 * Cloud Bigtable for the Google Cloud adapter (`tableStore`): one SSD instance per store, CMEK on
 * every cluster, autoscaling by size class, a second cluster in another zone with
 * `highAvailability`, and the tables pre-created with their column family and its garbage
 * collection, so the workload identity needs only data access on the instance (`identity.ts`).
 *
 * Why pre-created: Feast's Bigtable online store creates each missing table and its `features`
 * column family (garbage collection keeping `max_versions` cells) on `feast apply` with an admin
 * client (feast v0.66.0 sdk/python/feast/infra/online_stores/bigtable.py `BigtableOnlineStore.update`:
 * `table.exists()`, `list_column_families()`, then `create()` only for what is missing). Creating
 * tables needs `bigtable.tables.create` (roles/bigtable.admin); reading whether they exist needs
 * only `bigtable.tables.get`, which roles/bigtable.user and roles/bigtable.reader carry
 * (https://cloud.google.com/iam/docs/roles-permissions/bigtable). With the tables here, Feast's
 * identity is a plain data user.
 */
import * as gcp from "../../shared/gcp-sdk";
import * as pulumi from "@pulumi/pulumi";
import { physicalName, physicalNameBase, PhysicalNameKind } from "../../shared/names";
import type { DatabaseSize } from "../../shared/presets";
import type { TableStore, TableStoreArgs } from "../types";
import { StoreKind } from "../types";
import { googleApisEgressRule, type GcpAdapterScope } from "./common";
import { grantKeyToServiceAgent } from "./kms";

/**
 * A Bigtable table ID: up to 50 characters of `[-_.a-zA-Z0-9]`, starting with `_`, a letter or a
 * digit (https://cloud.google.com/bigtable/docs/reference/admin/rest/v2/projects.instances.tables/create,
 * `tableId`).
 */
export const BIGTABLE_TABLE_NAME = /^[_a-zA-Z0-9][-_.a-zA-Z0-9]{0,49}$/;

/**
 * Autoscaling bounds of each cluster per size class, and the CPU utilisation it aims for
 * (https://cloud.google.com/bigtable/docs/autoscaling: targets from 10 to 80 %; Google recommends
 * keeping a replicated instance's clusters well below the single-cluster ceiling so that one
 * cluster can take the other's traffic on failover, hence 50 %):
 * - small  → 1–2 nodes: dev and light online serving;
 * - medium → 1–5 nodes;
 * - large  → 3–10 nodes.
 */
export const BIGTABLE_AUTOSCALING: Record<DatabaseSize, { minNodes: number; maxNodes: number }> = {
  small: { minNodes: 1, maxNodes: 2 },
  medium: { minNodes: 1, maxNodes: 5 },
  large: { minNodes: 3, maxNodes: 10 },
};

/** CPU utilisation (%) each cluster's autoscaler aims for (see `BIGTABLE_AUTOSCALING`). */
export const BIGTABLE_CPU_TARGET = 50;

/** Bigtable's shortest automated backup retention (days): 3 (`AutomatedBackupPolicy.retentionPeriod`, 3–90 days). */
export const BIGTABLE_MIN_BACKUP_DAYS = 3;

/** The service whose agent (`service-<number>@gcp-sa-bigtable.iam.gserviceaccount.com`) uses a cluster's CMEK. */
export const BIGTABLE_SERVICE = "bigtableadmin.googleapis.com";

/** Why `name` is not a Bigtable table ID, or undefined when it is one. */
export function bigtableTableNameProblem(name: string): string | undefined {
  return BIGTABLE_TABLE_NAME.test(name)
    ? undefined
    : `"${name}" is not a Bigtable table ID (up to 50 characters of letters, digits, '_', '-' and '.', not starting with '-' or '.')`;
}

/** A Go duration of whole days (`72h0m0s`), the provider's format for Bigtable durations. */
function days(n: number): string {
  return `${n * 24}h0m0s`;
}

/**
 * Grants the Bigtable service agent use of the key (`<prefix>-bigtable-agent`,
 * `<prefix>-bigtable-agent-member`), then creates the instance `${ctx.name}-<role>-bigtable`
 * (ID `physicalName(bigtableInstance, base, role)`, SSD, one cluster per zone — the first zone of
 * the region that is UP, and with `highAvailability` the second one too — each with `args.key` as
 * CMEK and autoscaling from `BIGTABLE_AUTOSCALING`; the provider's deletion protection from
 * `deletionProtection`), and per table `${ctx.name}-<role>-<table>-table` (the column family
 * `args.columnFamily`, deletion protection, daily automated backups kept
 * `max(3, backupRetentionDays)` days when above 0) with its garbage collection
 * `${ctx.name}-<role>-<table>-gc` (keep `maxVersions` cells; abandoned on delete, as a replicated
 * instance refuses to delete a GC policy). Instance and tables are stateful: `protect` and
 * `retainOnDelete` from the context.
 *
 * Feast's Bigtable store has no app profile setting (`BigtableOnlineStoreConfig`), so it uses the
 * instance's default app profile. Whether that one routes to any cluster (automatic failover
 * between the two zones) or to one depends on how Bigtable created it
 * (https://cloud.google.com/bigtable/docs/app-profiles); this adapter does not change it. Check it
 * with `gcloud bigtable app-profiles describe default --instance=<instance>` and set multi-cluster
 * routing there when the second cluster must take traffic on failover.
 *
 * @throws Error when `args.key` is missing, a table name is not a Bigtable table ID or given twice.
 */
export function createBigtableStore(scope: GcpAdapterScope, role: string, args: TableStoreArgs): TableStore {
  const { ctx, gcp: target, labels, opts, statefulOpts } = scope;
  const where = `${ctx.name}: tableStore("${role}")`;
  if (args.key === undefined) {
    throw new Error(`${where}: key: required on gcp (each cluster is encrypted with a customer-managed key)`);
  }
  if (args.tables.length === 0) throw new Error(`${where}: tables: give at least one table`);
  args.tables.forEach((table, index) => {
    const problem = bigtableTableNameProblem(table);
    if (problem) throw new Error(`${where}: tables[${index}]: ${problem}`);
    if (args.tables.indexOf(table) !== index)
      throw new Error(`${where}: tables[${index}]: "${table}" is given twice`);
  });
  if (!Number.isInteger(args.maxVersions) || args.maxVersions < 1) {
    throw new Error(
      `${where}: maxVersions: ${args.maxVersions} is not allowed; give a whole number of at least 1`,
    );
  }

  const prefix = `${ctx.name}-${role}`;
  const base = ctx.physicalNameBase ?? physicalNameBase(ctx.name);
  const keyGrant = grantKeyToServiceAgent(scope, prefix, "bigtable", BIGTABLE_SERVICE, args.key);
  const zones = gcp.compute
    .getZonesOutput({ project: target.project, region: target.region, status: "UP" }, { parent: ctx.parent })
    .apply((z) => [...z.names].sort());
  const clusterCount = args.highAvailability ? 2 : 1;
  const keyId = args.key.keyId;
  const scaling = BIGTABLE_AUTOSCALING[args.size];

  const instance = new gcp.bigtable.Instance(
    `${prefix}-bigtable`,
    {
      project: target.project,
      name: physicalName(PhysicalNameKind.bigtableInstance, base, role),
      displayName: `mlops ${ctx.name} ${role}`.slice(0, 30),
      clusters: pulumi.all([zones, keyId]).apply(([names, key]) => {
        if (names.length < clusterCount) {
          throw new Error(
            `${where}: the region has ${names.length} zone(s) UP; highAvailability needs ${clusterCount}`,
          );
        }
        return names.slice(0, clusterCount).map((zone, index) => ({
          clusterId: physicalName(PhysicalNameKind.bigtableCluster, base, role, `c${index + 1}`),
          zone,
          storageType: "SSD",
          kmsKeyName: key,
          autoscalingConfig: { ...scaling, cpuTarget: BIGTABLE_CPU_TARGET },
        }));
      }),
      deletionProtection: args.deletionProtection,
      labels,
    },
    { ...statefulOpts, dependsOn: [keyGrant] },
  );

  const tables = args.tables.flatMap((name) => {
    const table = new gcp.bigtable.Table(
      `${prefix}-${name}-table`,
      {
        project: target.project,
        instanceName: instance.name,
        name,
        columnFamilies: [{ family: args.columnFamily }],
        deletionProtection: args.deletionProtection ? "PROTECTED" : "UNPROTECTED",
        ...(args.backupRetentionDays > 0
          ? {
              automatedBackupPolicy: {
                retentionPeriod: days(Math.max(BIGTABLE_MIN_BACKUP_DAYS, args.backupRetentionDays)),
                frequency: days(1),
              },
            }
          : {}),
      },
      statefulOpts,
    );
    const gc = new gcp.bigtable.GCPolicy(
      `${prefix}-${name}-gc`,
      {
        project: target.project,
        instanceName: instance.name,
        table: table.name,
        columnFamily: args.columnFamily,
        maxVersions: [{ number: args.maxVersions }],
        deletionPolicy: "ABANDON",
      },
      opts,
    );
    return [table, gc];
  });

  return {
    kind: StoreKind.tableStore,
    tableNames: [...args.tables],
    region: pulumi.output(target.region),
    project: pulumi.output(target.project),
    instanceId: instance.name,
    // bigtable.googleapis.com and the admin API over HTTPS (Private Google Access or not).
    egress: [googleApisEgressRule()],
    encryptionKey: args.key,
    resources: [instance, ...tables],
  };
}
