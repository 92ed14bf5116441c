/**
 * The one place that maps a target to its adapter: components call `createAdapter` and never
 * branch on the target themselves.
 */
import { createAwsAdapter } from "./aws";
import { createGcpAdapter } from "./gcp";
import { createLocalAdapter } from "./local";
import type { AdapterContext, CloudAdapter, Target, TargetSettings } from "./types";

export * from "./types";

type Factory = (ctx: AdapterContext, settings: TargetSettings) => CloudAdapter;

const FACTORIES: Record<Target, Factory> = {
  aws: createAwsAdapter,
  gcp: createGcpAdapter,
  local: createLocalAdapter,
};

/**
 * Returns the adapter for `target`. The caller has validated that `settings` has the block the
 * target needs (`settings.aws` for "aws", `settings.gcp` for "gcp").
 */
export function createAdapter(target: Target, ctx: AdapterContext, settings: TargetSettings): CloudAdapter {
  return FACTORIES[target](ctx, settings);
}
