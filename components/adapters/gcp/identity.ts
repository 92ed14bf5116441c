/**
 * Workload Identity Federation for GKE: a Google service account per workload, granted object
 * access on exactly its buckets, impersonable only by one Kubernetes ServiceAccount. No service
 * account keys are ever created.
 */
import * as gcp from "../../shared/gcp-sdk";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { governanceLabels } from "../../shared/k8s";
import { physicalName, physicalNameBase, PhysicalNameKind } from "../../shared/names";
import { checkGrants } from "../grants";
import type { KubernetesContext, WorkloadIdentity, WorkloadIdentityArgs } from "../types";
import { Access, StoreKind } from "../types";
import { BIGQUERY_JOB_USER_ROLE, datasetRole } from "./bigquery";
import {
  GKE_METADATA_SERVER_DAEMON_CIDR,
  METADATA_SERVER_CIDR,
  googleApisEgressRule,
  type GcpAdapterScope,
} from "./common";
import type { StoreRoleRegistry } from "./gcs";

/**
 * Object read/write/delete and list on a bucket, without changing IAM or bucket settings
 * (https://cloud.google.com/storage/docs/access-control/iam-roles#standard-roles). Granted on the
 * bucket, never on the project.
 */
export const BUCKET_OBJECT_ROLE = "roles/storage.objectUser";

/**
 * Object read and list on a bucket (`storage.objects.get`/`list`), for `read` grants
 * (https://cloud.google.com/storage/docs/access-control/iam-roles#standard-roles). Reading a CMEK
 * bucket needs no key grant: the Cloud Storage service agent decrypts.
 */
export const BUCKET_READ_ROLE = "roles/storage.objectViewer";

/** The bucket role of a grant's access. */
export function bucketRole(access: Access): string {
  return access === Access.read ? BUCKET_READ_ROLE : BUCKET_OBJECT_ROLE;
}

/**
 * Read-only access to the data of every table of a Bigtable instance (`bigtable.tables.get`,
 * `readRows`, ...), for `read` grants on a table store; granted on the instance, never the project
 * (https://cloud.google.com/iam/docs/roles-permissions/bigtable).
 */
export const BIGTABLE_READ_ROLE = "roles/bigtable.reader";

/**
 * Read-write access to the data of every table of a Bigtable instance (adds `mutateRows`), without
 * creating, changing or deleting tables, for `readWrite` grants on a table store (same page).
 * Feast's `update` needs no more once the tables and their column family exist (`bigtable.ts`).
 */
export const BIGTABLE_USER_ROLE = "roles/bigtable.user";

/** The instance role of a table store grant's access. */
export function bigtableRole(access: Access): string {
  return access === Access.read ? BIGTABLE_READ_ROLE : BIGTABLE_USER_ROLE;
}

/** Lets a principal (here one Kubernetes ServiceAccount) impersonate the Google service account. */
export const WORKLOAD_IDENTITY_USER_ROLE = "roles/iam.workloadIdentityUser";

/** Annotation that binds a Kubernetes ServiceAccount to a Google service account on GKE. */
export const GKE_SA_ANNOTATION = "iam.gke.io/gcp-service-account";

/**
 * Creates the Google service account (id `<name>-<stack>-<role>`, unique per stack in the
 * project, cut and hashed to the 30-character limit by `physicalName`), its bucket-scoped object
 * grants, the Workload Identity binding for
 * `serviceAccount:<project>.svc.id.goog[<namespace>/<ksa>]`, and the Kubernetes
 * ServiceAccount annotated with the Google account's e-mail (token automount off). The
 * ServiceAccount waits for the IAM grants, so pods using it never start without permissions.
 *
 * A warehouse grant (a BigQuery dataset) is a dataset IAM member `${ctx.name}-<role>-<store
 * role>-dataset-member` (`roles/bigquery.dataViewer` for `read`, `roles/bigquery.dataEditor` for
 * `readWrite`) plus `roles/bigquery.jobUser` on the project (`-bigquery-jobuser-member`).
 *
 * `projectRoles` (default none) are granted to the Google service account on the project, one
 * `${ctx.name}-<role>-<project role>-member` each (e.g. `roles/monitoring.viewer` for the GMP
 * frontend: `-monitoring-viewer-member`); the ServiceAccount waits for them too.
 *
 * Egress: the GKE metadata server, which serves tokens to pods under Workload Identity (TCP 80 on
 * 169.254.169.254; traffic is redirected to TCP 988, on 169.254.169.252 on Calico clusters from GKE
 * 1.21.0-gke.1000), and Google APIs on TCP 443.
 */
export function createWorkloadIdentity(
  scope: GcpAdapterScope,
  kube: KubernetesContext,
  role: string,
  args: WorkloadIdentityArgs,
  stores: StoreRoleRegistry,
  projectRoles: readonly string[] = [],
): WorkloadIdentity {
  const { ctx, gcp: target, opts } = scope;
  const grantList = checkGrants(role, args.grants);
  const prefix = `${ctx.name}-${role}`;

  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(args.serviceAccountName)) {
    throw new Error(
      `serviceAccountName: "${args.serviceAccountName}" is not a valid Kubernetes name (lowercase RFC 1123 subdomain)`,
    );
  }

  const account = new gcp.serviceaccount.Account(
    `${prefix}-gsa`,
    {
      project: target.project,
      accountId: physicalName(
        PhysicalNameKind.gcpServiceAccountId,
        ctx.physicalNameBase ?? physicalNameBase(ctx.name),
        role,
      ),
      displayName: `${ctx.name} ${role} (Workload Identity)`.slice(0, 100),
      description: `Workload Identity for Kubernetes ServiceAccount ${args.serviceAccountName}; managed by pulumi-mlops`,
    },
    opts,
  );
  const member = pulumi.interpolate`serviceAccount:${account.email}`;

  // One member per granted store, named after the store's role (`bucket<index>` / `tables<index>` /
  // `dataset<index>` for a store another adapter instance created), with the role of the grant's
  // access: on the bucket, the Bigtable instance or the dataset. Queries run as jobs in the
  // project: a dataset grant adds roles/bigquery.jobUser.
  const grants: pulumi.Resource[] = grantList.map(({ resource: store, access }, index) => {
    switch (store.kind) {
      case StoreKind.tableStore:
        if (store.instanceId === undefined) {
          throw new Error(
            `workloadIdentity("${role}"): grants[${index}].resource is not a Bigtable table store of a GCP adapter`,
          );
        }
        return new gcp.bigtable.InstanceIamMember(
          `${prefix}-${stores.get(store) ?? `tables${index}`}-bigtable-member`,
          {
            project: store.project ?? target.project,
            instance: store.instanceId,
            role: bigtableRole(access),
            member,
          },
          opts,
        );
      case StoreKind.warehouse:
        if (!gcp.bigquery.Dataset.isInstance(store.resource)) {
          throw new Error(
            `workloadIdentity("${role}"): grants[${index}]: the Google Cloud adapter can only grant access to BigQuery datasets created by a Google Cloud adapter`,
          );
        }
        return new gcp.bigquery.DatasetIamMember(
          `${prefix}-${stores.get(store) ?? `dataset${index}`}-dataset-member`,
          {
            project: store.project ?? target.project,
            datasetId: store.database,
            role: datasetRole(access),
            member,
          },
          opts,
        );
      default:
        return new gcp.storage.BucketIAMMember(
          `${prefix}-${stores.get(store) ?? `bucket${index}`}-bucket-member`,
          { bucket: store.bucketName, role: bucketRole(access), member },
          opts,
        );
    }
  });
  const warehouseRoles = grantList.some((g) => g.resource.kind === StoreKind.warehouse)
    ? [BIGQUERY_JOB_USER_ROLE]
    : [];

  for (const projectRole of [...new Set([...projectRoles, ...warehouseRoles])]) {
    grants.push(
      new gcp.projects.IAMMember(
        `${prefix}-${projectRole
          .replace(/^roles\//, "")
          .replace(/[^A-Za-z0-9]+/g, "-")
          .toLowerCase()}-member`,
        { project: target.project, role: projectRole, member },
        opts,
      ),
    );
  }

  const binding = new gcp.serviceaccount.IAMMember(
    `${prefix}-wi-member`,
    {
      serviceAccountId: account.name,
      role: WORKLOAD_IDENTITY_USER_ROLE,
      member: pulumi.interpolate`serviceAccount:${target.project}.svc.id.goog[${kube.namespace}/${args.serviceAccountName}]`,
    },
    opts,
  );

  const serviceAccount = new k8s.core.v1.ServiceAccount(
    `${prefix}-serviceaccount`,
    {
      metadata: {
        name: args.serviceAccountName,
        namespace: kube.namespace,
        // Governance labels from the tags, then the component's own labels (which win on a clash).
        labels: { ...governanceLabels(ctx.tags), ...args.labels },
        annotations: { [GKE_SA_ANNOTATION]: account.email },
      },
      automountServiceAccountToken: false,
    },
    { parent: ctx.parent, provider: kube.k8sProvider, dependsOn: [...kube.dependsOn, binding, ...grants] },
  );

  return {
    serviceAccount,
    serviceAccountName: serviceAccount.metadata.name,
    principal: account.email,
    env: [{ name: "GOOGLE_CLOUD_PROJECT", value: target.project }],
    egress: [
      {
        to: [{ ipBlock: { cidr: METADATA_SERVER_CIDR } }],
        ports: [
          { protocol: "TCP", port: 80 },
          { protocol: "TCP", port: 988 },
        ],
      },
      {
        to: [{ ipBlock: { cidr: GKE_METADATA_SERVER_DAEMON_CIDR } }],
        ports: [{ protocol: "TCP", port: 988 }],
      },
      googleApisEgressRule(),
    ],
    // The ServiceAccount itself waits for the IAM binding and grants.
    ready: [],
  };
}
