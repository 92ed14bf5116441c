/**
 * What every file of the GKE builder shares: the builder context, labels and resource options.
 */
import type * as pulumi from "@pulumi/pulumi";
import { gcpLabels } from "../../adapters/gcp";
import { physicalNameBase } from "../../shared/names";
import type { ClusterBuildContext } from "../types";

/** Everything the builder's files need besides the args. */
export interface GcpClusterScope {
  ctx: ClusterBuildContext;
  /** `ctx.tags` sanitized to GCP label rules. */
  labels: Record<string, string>;
  /**
   * What makes the project-scoped physical names (GKE cluster, node service account) unique:
   * `ctx.clusterName` when given, else `<ctx.name>-<stack>` (see `physicalName`).
   */
  nameBase: string;
  /** Options for every child. */
  opts: pulumi.CustomResourceOptions;
  /** Options for stateful children (the secrets key): protect and retain on delete. */
  statefulOpts: pulumi.CustomResourceOptions;
}

/** Builds the scope shared by the builder's files. */
export function gcpClusterScope(ctx: ClusterBuildContext): GcpClusterScope {
  return {
    ctx,
    labels: gcpLabels(ctx.tags),
    nameBase: physicalNameBase(ctx.name, ctx.clusterName),
    opts: ctx.opts(),
    statefulOpts: ctx.statefulOpts(),
  };
}
