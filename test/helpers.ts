/**
 * Test helpers over the offline plan engine: run a program (or build one component) under mocks
 * and get the exact resource graph to assert on.
 */
import { runPlan, type Plan, type PlanResource, type RunPlanOptions } from "../plan/engine";

export type { Plan, PlanResource };

/** Runs `program` under the mock runtime and returns every resource it registered. */
export function planOf(program: () => unknown, opts: Omit<RunPlanOptions, "program"> = {}): Promise<Plan> {
  return runPlan({ project: "mlops", stack: "test", ...opts, program });
}

/** All resources of a type token. */
export function resourcesOfType(plan: Plan, type: string): PlanResource[] {
  return plan.resources.filter((r) => r.type === type);
}

/** The one resource of `type` (with `name` when given); fails the test when there is not exactly one. */
export function findResource(plan: Plan, type: string, name?: string): PlanResource {
  const matches = resourcesOfType(plan, type).filter((r) => name === undefined || r.name === name);
  if (matches.length !== 1) {
    const names = resourcesOfType(plan, type).map((r) => r.name);
    throw new Error(
      `expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${matches.length} (have: ${names.join(", ") || "none"})`,
    );
  }
  return matches[0]!;
}

/** Direct children of the resource with `urn`. */
export function childrenOf(plan: Plan, urn: string): PlanResource[] {
  return plan.resources.filter((r) => r.parent === urn);
}

/** All descendants of the resource with `urn`. */
export function descendantsOf(plan: Plan, urn: string): PlanResource[] {
  const out: PlanResource[] = [];
  const walk = (u: string): void => {
    for (const child of childrenOf(plan, u)) {
      out.push(child);
      walk(child.urn);
    }
  };
  walk(urn);
  return out;
}

/** Reads a nested input by dotted path (`spec.template.spec.containers[0].image`). */
export function inputAt(resource: PlanResource, path: string): unknown {
  let value: unknown = resource.inputs;
  for (const part of path.split(/\.|(?=\[)/)) {
    if (value === undefined || value === null) return undefined;
    const index = /^\[(\d+)\]$/.exec(part);
    value = index ? (value as unknown[])[Number(index[1])] : (value as Record<string, unknown>)[part];
  }
  return value;
}
