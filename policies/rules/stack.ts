/** Helpers for stack rules: find resources by type and relate them through the dependency graph. */
import type { PolicyResource } from "@pulumi/policy";
import { rec, str } from "./util";

/**
 * The resources of each type, per resources list: rules look types up once per bucket, subnet, ...
 * (`attached`), which scanning the whole list every time made quadratic. The list a stack
 * validation gets does not change while it runs; a list of another length is indexed again.
 */
const byTypeCache = new WeakMap<
  readonly PolicyResource[],
  { length: number; byType: Map<string, PolicyResource[]> }
>();

function byType(resources: readonly PolicyResource[]): Map<string, PolicyResource[]> {
  const cached = byTypeCache.get(resources);
  if (cached && cached.length === resources.length) return cached.byType;
  const index = new Map<string, PolicyResource[]>();
  for (const r of resources) {
    const list = index.get(r.type);
    if (list) list.push(r);
    else index.set(r.type, [r]);
  }
  byTypeCache.set(resources, { length: resources.length, byType: index });
  return index;
}

/** Resources of the given type token, in the list's order (a new array). */
export function ofType(resources: readonly PolicyResource[], type: string): PolicyResource[] {
  return [...(byType(resources).get(type) ?? [])];
}

/**
 * True when `dependent` refers to `target`. When the engine reports which resources the referring
 * properties (`keys`, e.g. `bucket`) came from, only those count: a policy that merely mentions
 * another bucket's ARN elsewhere does not attach to it. Otherwise any dependency counts. Also true
 * when one of `keys` in its props equals the target's `targetKey` input (e.g. a literal bucket name).
 */
export function refersTo(
  dependent: PolicyResource,
  target: PolicyResource,
  keys: readonly string[] = [],
  targetKey?: string,
): boolean {
  const byProperty = keys.flatMap((k) => dependent.propertyDependencies?.[k] ?? []);
  if (byProperty.length > 0) {
    if (byProperty.some((d) => d.urn === target.urn)) return true;
  } else if (dependent.dependencies.some((d) => d.urn === target.urn)) {
    return true;
  }
  if (targetKey) {
    const targetValue = str(rec(target.props)?.[targetKey]);
    if (targetValue !== undefined && keys.some((k) => str(rec(dependent.props)?.[k]) === targetValue))
      return true;
  }
  return false;
}

/** The resources of `type` that refer to `target`. */
export function attached(
  resources: readonly PolicyResource[],
  target: PolicyResource,
  type: string,
  keys: readonly string[] = ["bucket"],
  targetKey = "bucket",
): PolicyResource[] {
  return ofType(resources, type).filter((r) => refersTo(r, target, keys, targetKey));
}
