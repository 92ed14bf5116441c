/**
 * The bridge from the offline plan to the policy pack (`policies/`): the same rules, built by the
 * same code, that `pulumi preview --policy-pack policies` runs, applied to the captured graph.
 */
import {
  listPolicies as listPackPolicies,
  runPoliciesDetailed,
  type PolicyListing,
  type PolicyPackConfigInput,
} from "../policies/offline";
import { RULES } from "../policies/catalog";
import { DEFAULT_CONFIG, isEnvironment, parsePolicyPackConfig } from "../policies/config";
import { UsageError } from "./program";
import type {
  Plan,
  PolicyEnvironment,
  PolicyEnvironmentSource,
  PolicyExemption,
  PolicyViolation,
} from "./types";
import { isRecord } from "./values";

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

/** The environment the pack runs with, and where it came from (as {@link packConfigFor} picks it). */
export function policyEnvironmentOf(options: Omit<PolicyOptions, "enabled">): {
  environment: PolicyEnvironment;
  source: PolicyEnvironmentSource;
} {
  const given: unknown = isRecord(options.packConfig) ? options.packConfig["environment"] : undefined;
  if (isEnvironment(given)) return { environment: given, source: "policy-pack-config" };
  const stackEnvironment = options.stackConfig[`${options.projectName}:environment`];
  if (isEnvironment(stackEnvironment)) return { environment: stackEnvironment, source: "stack-config" };
  return { environment: DEFAULT_CONFIG.environment, source: "default" };
}

/**
 * The environment the program's components are built for, as the stack config says: the
 * project's `environment` key, else `mlops:environment` (the key the shipped program reads), else
 * `dev`, the components' default `environment` argument.
 */
export function componentEnvironmentOf(options: Pick<PolicyOptions, "stackConfig" | "projectName">): {
  environment: PolicyEnvironment;
  key?: string;
} {
  for (const key of [`${options.projectName}:environment`, "mlops:environment"]) {
    const value = options.stackConfig[key];
    if (isEnvironment(value)) return { environment: value, key };
  }
  return { environment: "dev" };
}

/** What one policy run adds to a plan. */
export interface PolicyCheck {
  violations: PolicyViolation[];
  exemptions: PolicyExemption[];
  environment: PolicyEnvironment;
  environmentSource: PolicyEnvironmentSource;
  /** A policy environment that differs from the components' (else empty). */
  warnings: string[];
}

const SOURCE_TEXT: Record<PolicyEnvironmentSource, string> = {
  "policy-pack-config": "set by the policy pack config",
  "stack-config": "from the stack config",
  default: "the pack's default, the strictest; neither the policy pack config nor the stack config sets one",
};

/** How the environment line and warning name the source. */
export function describePolicyEnvironment(
  environment: PolicyEnvironment,
  source: PolicyEnvironmentSource,
  projectName: string,
): string {
  return `${environment} (${source === "stack-config" ? `${projectName}:environment` : SOURCE_TEXT[source]})`;
}

/** Runs the pack over the plan: violations, applied exemptions, the environment it used. */
export function checkPolicies(plan: Plan, options: PolicyOptions): PolicyCheck | undefined {
  if (!options.enabled) return undefined;
  const config = packConfigFor(options);
  // Only what the program manages: the engine sends no resource it merely reads (`.get`, a
  // StackReference) to a policy pack, neither to resource nor to stack policies
  // (https://github.com/pulumi/pulumi/issues/3950); its owner's stack is checked instead.
  const result = runPoliciesDetailed(
    { ...plan, resources: plan.resources.filter((r) => !r.external) },
    config,
  );
  const { environment, source } = policyEnvironmentOf(options);
  const components = componentEnvironmentOf(options);
  const warnings: string[] = [];
  // A stack without an environment is checked at prod levels while the components build dev
  // defaults: say so (both are defensible defaults; silently combining them is not).
  if (components.environment !== environment) {
    warnings.push(
      `policy environment ${describePolicyEnvironment(environment, source, options.projectName)} differs from ` +
        `the components' environment ${components.environment} (${components.key ?? "their default; the stack config sets no environment"}): ` +
        `set ${options.projectName}:environment in the stack config, or "environment" in the policy pack config`,
    );
  }
  const types = new Map(plan.resources.map((r) => [r.urn, r.type]));
  return {
    violations: result.violations,
    exemptions: result.exemptions.map((e) => ({
      policyName: e.policyName,
      urn: e.urn,
      resourceType: types.get(e.urn) ?? "",
      resourceName: e.resourceName,
      kind: e.kind,
      exemption: e.pattern,
      reason: e.reason,
      suppressed: e.suppressed,
    })),
    environment,
    environmentSource: source,
    warnings,
  };
}

/**
 * Runs the pack and records the result in the plan, as the CLI writes it: `policyViolations`,
 * `policyEnvironment`, `policyEnvironmentSource`, `policyExemptions`, and an environment mismatch
 * in `warnings`. With policies off, only `policyExemptions: []`.
 */
export function applyPolicyCheck(plan: Plan, options: PolicyOptions): Plan {
  const check = checkPolicies(plan, options);
  plan.policyViolations = check?.violations ?? [];
  if (check) {
    plan.policyEnvironment = check.environment;
    plan.policyEnvironmentSource = check.environmentSource;
    plan.warnings.push(...check.warnings);
  }
  plan.policyExemptions = check?.exemptions ?? [];
  return plan;
}

/** Runs the policy pack over the plan and returns every violation. */
export function applyPolicies(plan: Plan, options: PolicyOptions): PolicyViolation[] {
  return checkPolicies(plan, options)?.violations ?? [];
}

/** The pack's rules as JSON-able metadata (`--list-policies`), with levels under `packConfig`. */
export function listPolicies(packConfig?: unknown): PolicyListing[] {
  if (packConfig !== undefined && !isRecord(packConfig)) {
    throw new UsageError(
      "--policy-pack-config: must be a JSON object (see the README's policy configuration)",
    );
  }
  try {
    return listPackPolicies(packConfig);
  } catch (err) {
    throw new UsageError(`--policy-pack-config: ${(err as Error).message}`);
  }
}
