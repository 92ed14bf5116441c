/**
 * BigQuery for the Google Cloud adapter (`warehouse`): a dataset in the target region whose tables
 * are encrypted by default with the customer-managed key, with no public access. Workloads query
 * it as BigQuery jobs with their own Workload Identity (dataset-level data roles plus
 * `roles/bigquery.jobUser` on the project, granted by `workloadIdentity`).
 */
import * as gcp from "../../shared/gcp-sdk";
import * as pulumi from "@pulumi/pulumi";
import { bigQueryDatasetId, physicalNameBase } from "../../shared/names";
import { Access, StoreKind, WarehouseEngine, type Warehouse, type WarehouseArgs } from "../types";
import { googleApisEgressRule, type GcpAdapterScope } from "./common";
import { keyUserMember } from "./kms";
import type { StoreRoleRegistry } from "./gcs";

/** Read tables and their data in a dataset (`read` grants), granted on the dataset. */
export const BIGQUERY_READ_ROLE = "roles/bigquery.dataViewer";

/** Read, create, update and delete tables and their data in a dataset (`readWrite` grants), on the dataset. */
export const BIGQUERY_WRITE_ROLE = "roles/bigquery.dataEditor";

/**
 * Run jobs (queries, loads, extracts) in the project: every BigQuery read is a job, so every
 * warehouse grant adds it on the project
 * (https://cloud.google.com/bigquery/docs/access-control#bigquery.jobUser).
 */
export const BIGQUERY_JOB_USER_ROLE = "roles/bigquery.jobUser";

/** The dataset role of a grant's access. */
export function datasetRole(access: Access): string {
  return access === Access.read ? BIGQUERY_READ_ROLE : BIGQUERY_WRITE_ROLE;
}

/**
 * Creates, for `role`:
 * - `${ctx.name}-<role>-bigquery-agent-member`: the BigQuery encryption service agent
 *   (`bq-<project number>@bigquery-encryption.iam.gserviceaccount.com`, from
 *   `bigquery.getDefaultServiceAccount`) may encrypt and decrypt with `args.key`
 *   (https://cloud.google.com/bigquery/docs/customer-managed-encryption#grant_permission);
 * - `${ctx.name}-<role>-dataset`: the dataset (id `bigQueryDatasetId(<base>, role)`, unique per
 *   stack in the project) in the target region, default table encryption with `args.key`, no
 *   `accesses` of its own (BigQuery's project-role defaults; never `allUsers` /
 *   `allAuthenticatedUsers`), labels from the tags, `deleteContentsOnDestroy` from
 *   `args.forceDestroy`; stateful (`protect` / `retainOnDelete` from the context). It waits for the
 *   key grant: a table created before it could not be encrypted.
 *
 * `args.size` is not used (BigQuery runs on on-demand slots) and `args.staging` only names the
 * staging URI (extract jobs run with the caller's credentials, which the caller's bucket grant
 * covers).
 */
export function createBigQueryDataset(
  scope: GcpAdapterScope,
  role: string,
  args: WarehouseArgs,
  stores: StoreRoleRegistry,
): Warehouse {
  const { ctx, gcp: target, labels, opts, statefulOpts } = scope;
  const prefix = `${ctx.name}-${role}`;
  const dependsOn: pulumi.Resource[] = [];
  if (args.key) {
    const agent = gcp.bigquery.getDefaultServiceAccountOutput(
      { project: target.project },
      { parent: ctx.parent },
    );
    dependsOn.push(keyUserMember(`${prefix}-bigquery-agent-member`, args.key.keyId, agent.member, opts));
  }
  const dataset = new gcp.bigquery.Dataset(
    `${prefix}-dataset`,
    {
      project: target.project,
      datasetId: bigQueryDatasetId(ctx.physicalNameBase ?? physicalNameBase(ctx.name), role),
      location: target.region,
      description: `pulumi-mlops ${prefix}`,
      defaultEncryptionConfiguration: args.key ? { kmsKeyName: args.key.keyId } : undefined,
      deleteContentsOnDestroy: args.forceDestroy,
      labels,
    },
    { ...statefulOpts, dependsOn },
  );

  const warehouse: Warehouse = {
    kind: StoreKind.warehouse,
    engine: WarehouseEngine.bigquery,
    id: dataset.id,
    location: pulumi.output(target.region),
    database: dataset.datasetId,
    project: pulumi.output(target.project),
    stagingUri: pulumi.interpolate`${args.staging.uri}/${args.stagingPrefix}`,
    egress: [googleApisEgressRule()],
    ...(args.key ? { encryptionKey: args.key } : {}),
    resource: dataset,
  };
  stores.set(warehouse, role);
  return warehouse;
}
