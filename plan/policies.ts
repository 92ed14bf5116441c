/**
 * The bridge from the offline plan to the policy pack (`policies/`): the same rules, built by the
 * same code, that `pulumi preview --policy-pack policies` runs, applied to the captured graph.
 */
import {
  listPolicies as listPackPolicies,
  runPolicies,
  type PolicyListing,
  type PolicyPackConfigInput,
} from "../policies/offline";
import { RULES } from "../policies/catalog";
import { isEnvironment, parsePolicyPackConfig } from "../policies/config";
import { UsageError } from "./program";
import type { Plan, PolicyViolation } from "./types";

export interface PolicyOptions {
  /** Run the pack at all (`--no-policies` turns it off). */
  enabled: boolean;
  /**
   * Pack configuration, as given to `--policy-pack-config` (validated here): the pack's flat keys
   * and/or the file `pulumi preview --policy-pack-config` takes (`all`, `<policy-name>`).
   */
  packConfig?: unknown;
  /** The stack's config (namespaced keys): `<project>:environment` selects the environment when the pack config has none. */
  stackConfig: Record<string, unknown>;
  projectName: string;
}

/**
 * The pack config for a plan: the given config, with `environment` taken from the stack's
 * `<project>:environment` when the config does not set one (without either, the pack's default
 * applies: prod levels, the strictest). Wrong types and unknown top-level keys are usage errors.
 */
export function packConfigFor(options: PolicyOptions): PolicyPackConfigInput {
  const given = options.packConfig ?? {};
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    throw new UsageError(
      "--policy-pack-config: must be a JSON object (see the README's policy configuration)",
    );
  }
  const config = { ...(given as Record<string, unknown>) };
  const stackEnvironment = options.stackConfig[`${options.projectName}:environment`];
  if (config["environment"] === undefined && isEnvironment(stackEnvironment)) {
    config["environment"] = stackEnvironment;
  }
  try {
    parsePolicyPackConfig(
      config,
      RULES.map((r) => r.name),
    );
  } catch (err) {
    throw new UsageError(`--policy-pack-config: ${(err as Error).message}`);
  }
  // Validated above; the runner parses it again and resolves defaults itself.
  return config;
}

/** Runs the policy pack over the plan and returns every violation. */
export function applyPolicies(plan: Plan, options: PolicyOptions): PolicyViolation[] {
  if (!options.enabled) return [];
  return runPolicies(plan, packConfigFor(options));
}

/** The pack's rules as JSON-able metadata (`--list-policies`). */
export function listPolicies(): PolicyListing[] {
  return listPackPolicies();
}
