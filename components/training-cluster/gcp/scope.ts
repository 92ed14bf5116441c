/**
 * What every file of the GKE builder shares: the builder context, labels and resource options.
 */
import type * as pulumi from "@pulumi/pulumi";
import { gcpLabels } from "../../adapters/gcp/common";
import { physicalNameBase } from "../../shared/names";
import type { Environment } from "../../shared/presets";

/** What the component hands the GKE builder. */
export interface GcpClusterContext {
  /** The component that owns every child (`{ parent }`). */
  parent: pulumi.Resource;
  /** The component's name; children are named `${name}-<role>`. */
  name: string;
  /**
   * Physical GKE cluster name chosen by the user (the component's `clusterName` arg).
   * @default `<name>-<stack>` (see `physicalNameBase`)
   */
  clusterName?: string;
  /** The resolved environment (picks defaults and the prod rules). */
  environment: Environment;
  /** Tags, applied as GCP labels (sanitized) to every labelable resource. */
  tags: Record<string, string>;
  /** `protect` on the cluster and the secrets key (also retain-on-delete on the key). */
  protect: boolean;
}

/** Everything the builder's files need besides the args. */
export interface GcpClusterScope {
  ctx: GcpClusterContext;
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
export function gcpClusterScope(ctx: GcpClusterContext): GcpClusterScope {
  const opts: pulumi.CustomResourceOptions = { parent: ctx.parent };
  return {
    ctx,
    labels: gcpLabels(ctx.tags),
    nameBase: physicalNameBase(ctx.name, ctx.clusterName),
    opts,
    statefulOpts: { ...opts, protect: ctx.protect, retainOnDelete: ctx.protect },
  };
}
