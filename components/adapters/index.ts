/**
 * The one place that maps a target to its adapter: components call `createAdapter` and never
 * branch on the target themselves.
 */
import { ALB_INGRESS_CLASS, AWS_INGRESS_CLASSES, createAwsAdapter, createAwsCloudAdapter } from "./aws";
import {
  createGcpAdapter,
  createGcpCloudAdapter,
  GCE_INTERNAL_INGRESS_CLASS,
  GCP_INGRESS_CLASSES,
} from "./gcp";
import { createLocalAdapter, createLocalCloudAdapter, LOCAL_INGRESS } from "./local";
import type {
  AdapterContext,
  CloudAdapter,
  CloudCapabilities,
  CloudContext,
  CloudIngressClass,
  Target,
  TargetSettings,
} from "./types";

export * from "./types";
export { objectStoreReference } from "./store-reference";
/** @internal checked and dispatched by the public existingObjectStore (training-cluster). */
export { existingStore, objectStoreReferenceProblems } from "./store-reference";
/** @internal zod schemas: kept out of the published declarations (stripInternal). */
export { awsTargetArgsSchema, gcpTargetArgsSchema } from "./target-schemas";

type Factory = (ctx: AdapterContext, settings: TargetSettings) => CloudAdapter;
type CloudFactory = (ctx: CloudContext, settings: TargetSettings) => CloudCapabilities;

const FACTORIES: Record<Target, Factory> = {
  aws: createAwsAdapter,
  gcp: createGcpAdapter,
  local: createLocalAdapter,
};

const CLOUD_FACTORIES: Record<Target, CloudFactory> = {
  aws: createAwsCloudAdapter,
  gcp: createGcpCloudAdapter,
  local: createLocalCloudAdapter,
};

/**
 * Returns the capabilities of `target` that create no Kubernetes objects (customer-managed keys),
 * for callers without a Kubernetes provider: the cluster builders, which run before the cluster
 * exists. `settings` needs only what those capabilities use (the `gcp` block on "gcp", of which
 * keys use `project` and `region`; nothing on "aws" and "local"). Its children are named and parented exactly as the full
 * adapter's (`createAdapter`).
 */
export function createCloudAdapter(
  target: Target,
  ctx: CloudContext,
  settings: TargetSettings,
): CloudCapabilities {
  return CLOUD_FACTORIES[target](ctx, settings);
}

/**
 * Returns the adapter for `target`. The caller has validated that `settings` has the block the
 * target needs (`settings.aws` for "aws", `settings.gcp` for "gcp").
 */
export function createAdapter(target: Target, ctx: AdapterContext, settings: TargetSettings): CloudAdapter {
  return FACTORIES[target](ctx, settings);
}

/**
 * IngressClass each target uses when a component's args name none (the adapters'
 * `ingress.defaultClassName`, available before an adapter exists, for argument checks).
 */
export const DEFAULT_INGRESS_CLASS: Record<Target, string> = {
  aws: ALB_INGRESS_CLASS,
  gcp: GCE_INTERNAL_INGRESS_CLASS,
  local: LOCAL_INGRESS.defaultClassName,
};

/** IngressClasses served by one target's own load balancers; every other class name is an in-cluster controller. */
export const CLOUD_INGRESS_CLASSES: Record<string, CloudIngressClass> = {
  ...AWS_INGRESS_CLASSES,
  ...GCP_INGRESS_CLASSES,
};
