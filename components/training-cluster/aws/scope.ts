/**
 * What every part of the EKS builder shares: the owning component, names, tags, and the
 * provider's region, partition and account (read once).
 */
import * as aws from "../../shared/aws-sdk";
import type * as pulumi from "@pulumi/pulumi";
import type { ComponentContext } from "../../shared/component";
import type { ClusterBuildContext } from "../types";

/** The context plus what the builder derives once (`opts` as a value: `ctx.opts()`). */
export interface AwsClusterScope extends Omit<ClusterBuildContext, "opts"> {
  /** Physical EKS cluster name (also the Karpenter discovery tag value). */
  clusterName: string;
  /** `{ parent }` for every child. */
  opts: pulumi.CustomResourceOptions;
  /** The provider's region, e.g. "eu-west-1". */
  region: pulumi.Output<string>;
  /** The partition, e.g. "aws". */
  partition: pulumi.Output<string>;
  /** Reverse DNS prefix of service names, e.g. "com.amazonaws". */
  reverseDnsPrefix: pulumi.Output<string>;
  /** The account id. */
  accountId: pulumi.Output<string>;
}

/** Reads region, partition and account once, as children of the component. */
export function createScope(ctx: ClusterBuildContext, clusterName: string): AwsClusterScope {
  const invokeOpts = { parent: ctx.parent };
  const partition = aws.getPartitionOutput({}, invokeOpts);
  return {
    ...ctx,
    clusterName,
    opts: ctx.opts(),
    region: aws.getRegionOutput({}, invokeOpts).apply((r) => r.region),
    partition: partition.apply((p) => p.partition),
    reverseDnsPrefix: partition.apply((p) => p.reverseDnsPrefix),
    accountId: aws.getCallerIdentityOutput({}, invokeOpts).apply((c) => c.accountId),
  };
}

/** `tags` plus a Name tag. */
export function named(scope: AwsClusterScope, name: string): Record<string, string> {
  return { ...scope.tags, Name: name };
}

/**
 * The scope of a sub-component of the cluster (Karpenter, the load balancer controller): `scope`
 * with the sub-component's context (`ctx`: its name, children parented to it). The physical
 * cluster name, region, partition and account stay the cluster's.
 */
export function subScope(scope: AwsClusterScope, ctx: ComponentContext): AwsClusterScope {
  return { ...scope, ...ctx, opts: ctx.opts() };
}
