/**
 * The nodes' own Google service account: least privilege, never the Compute Engine default
 * service account (which has the project-wide Editor role in many projects).
 */
import * as gcp from "../../shared/gcp-sdk";
import * as pulumi from "@pulumi/pulumi";
import { physicalName, PhysicalNameKind } from "../../shared/names";
import type { ResolvedGcpClusterArgs } from "./args";
import type { GcpClusterScope } from "./scope";

/**
 * Project roles of the node service account, per CIS GKE Benchmark v2.0.0 5.2.1 ("Use custom least
 * privilege service accounts for GKE node pools") and GKE's "Configure node service accounts":
 * - `roles/container.defaultNodeServiceAccount`: the role Google made for node service accounts;
 *   it bundles what the older list (logging.logWriter, monitoring.metricWriter, monitoring.viewer,
 *   stackdriver.resourceMetadata.writer) granted, plus autoscaling metrics, and nothing more.
 * - `roles/artifactregistry.reader`: pull images from the project's Artifact Registry.
 * Workloads never use these: pods get their own identities through Workload Identity.
 */
export const NODE_SERVICE_ACCOUNT_ROLES = {
  "default-node": "roles/container.defaultNodeServiceAccount",
  "ar-reader": "roles/artifactregistry.reader",
} as const;

/** The OAuth scope of nodes: IAM decides what the account may do (GKE's recommendation with a custom account). */
export const NODE_OAUTH_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"];

/** The node service account and its grants. */
export interface NodeServiceAccount {
  account: gcp.serviceaccount.Account;
  email: pulumi.Output<string>;
  /** The project role grants; node pools wait for them. */
  grants: gcp.projects.IAMMember[];
}

export function createNodeServiceAccount(
  scope: GcpClusterScope,
  args: ResolvedGcpClusterArgs,
): NodeServiceAccount {
  const { ctx, opts } = scope;
  const account = new gcp.serviceaccount.Account(
    `${ctx.name}-nodes-sa`,
    {
      project: args.project,
      accountId: physicalName(PhysicalNameKind.gcpServiceAccountId, scope.nameBase, "gke-nodes"),
      displayName: `${ctx.name} GKE nodes`.slice(0, 100),
      description: `Node service account of GKE cluster ${ctx.name} (logging, monitoring, image pulls only); managed by pulumi-mlops`,
    },
    opts,
  );
  const grants = Object.entries(NODE_SERVICE_ACCOUNT_ROLES).map(
    ([short, role]) =>
      new gcp.projects.IAMMember(
        `${ctx.name}-nodes-sa-${short}`,
        { project: args.project, role, member: pulumi.interpolate`serviceAccount:${account.email}` },
        opts,
      ),
  );
  return { account, email: account.email, grants };
}
