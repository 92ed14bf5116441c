/**
 * The one place that maps a target to its adapter. Adapters are loaded lazily so that a program
 * for one cloud does not need (or pay the import time of) the other clouds' SDKs.
 */
import type { AdapterContext, CloudAdapter, Target, TargetSettings } from "./types";

export * from "./types";

type Factory = (ctx: AdapterContext, settings: TargetSettings) => CloudAdapter;

/* eslint-disable @typescript-eslint/no-require-imports */
const FACTORIES: Record<Target, () => Factory> = {
  aws: () => (require("./aws") as typeof import("./aws")).createAwsAdapter,
  gcp: () => (require("./gcp") as typeof import("./gcp")).createGcpAdapter,
  local: () => (require("./local") as typeof import("./local")).createLocalAdapter,
};
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Returns the adapter for `target`. The caller has validated that `settings` has the block the
 * target needs (`settings.aws` for "aws", `settings.gcp` for "gcp").
 */
export function createAdapter(target: Target, ctx: AdapterContext, settings: TargetSettings): CloudAdapter {
  return FACTORIES[target]()(ctx, settings);
}
