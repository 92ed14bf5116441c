/** Test helpers: run one rule against plain resources through the offline runner. */
import type { PlanResource, PolicyViolation } from "../../plan/types";
import { ruleByName } from "../../policies/catalog";
import {
  runPoliciesDetailed,
  type PolicyPackConfigInput,
  type PolicyRunResult,
} from "../../policies/offline";

/** A resource in a test: type token, inputs and options. */
export interface TestResource {
  type: string;
  name?: string;
  props?: Record<string, unknown>;
  protect?: boolean;
  retainOnDelete?: boolean;
  /** Names of resources (in the same call) this one depends on. */
  dependsOn?: string[];
  /** Name of a provider resource (in the same call). */
  provider?: string;
}

/** URN of a test resource. */
export function urnOf(type: string, name: string): string {
  return `urn:pulumi:test::mlops::${type}::${name}`;
}

/** Converts test resources to plan resources (names default to `r0`, `r1`, ...). */
export function toPlan(resources: TestResource[]): PlanResource[] {
  const named = resources.map((r, i) => ({ ...r, name: r.name ?? `r${i}` }));
  const urnByName = new Map(named.map((r) => [r.name, urnOf(r.type, r.name)]));
  return named.map((r) => ({
    urn: urnOf(r.type, r.name),
    type: r.type,
    name: r.name,
    custom: true,
    parent: "",
    provider: r.provider ? `${urnByName.get(r.provider) ?? ""}::${r.provider}-id` : "",
    dependencies: (r.dependsOn ?? []).map((d) => urnByName.get(d) ?? d),
    inputs: r.props ?? {},
    protect: r.protect ?? false,
    retainOnDelete: r.retainOnDelete ?? false,
    id: `${r.name}-id`,
  }));
}

/** Runs one rule (by name) over the resources; returns the full result. */
export function runRuleDetailed(
  ruleName: string,
  resources: TestResource | TestResource[],
  config: PolicyPackConfigInput = {},
  stackTags?: Record<string, string>,
): PolicyRunResult {
  const rule = ruleByName(ruleName);
  if (!rule) throw new Error(`unknown rule ${ruleName}`);
  const list = Array.isArray(resources) ? resources : [resources];
  return runPoliciesDetailed(
    { stack: "test", project: "mlops", resources: toPlan(list), ...(stackTags ? { stackTags } : {}) },
    config,
    { rules: [rule] },
  );
}

/** Runs one rule (by name) over the resources; returns its violations. */
export function runRule(
  ruleName: string,
  resources: TestResource | TestResource[],
  config: PolicyPackConfigInput = {},
): PolicyViolation[] {
  return runRuleDetailed(ruleName, resources, config).violations;
}

/** True when the rule reports at least one violation. */
export function hasViolation(
  ruleName: string,
  resources: TestResource | TestResource[],
  config?: PolicyPackConfigInput,
): boolean {
  return runRule(ruleName, resources, config).length > 0;
}

/** True when the rule reports nothing. */
export function noViolations(
  ruleName: string,
  resources: TestResource | TestResource[],
  config?: PolicyPackConfigInput,
): boolean {
  return runRule(ruleName, resources, config).length === 0;
}
