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

/**
 * Input keys that hold a resource's own physical name (the name the cloud addresses it by), as
 * opposed to its logical name: `name`/`namePrefix` (most AWS and Google Cloud resources),
 * `accountId` (Google service accounts), `identifier`/`finalSnapshotIdentifier` (RDS),
 * `bucket`/`bucketPrefix` (S3), `nodeGroupName`/`nodeGroupNamePrefix` (EKS node groups).
 */
export const PHYSICAL_NAME_KEYS = [
  "name",
  "namePrefix",
  "accountId",
  "identifier",
  "identifierPrefix",
  "finalSnapshotIdentifier",
  "bucket",
  "bucketPrefix",
  "nodeGroupName",
  "nodeGroupNamePrefix",
] as const;

/**
 * Types whose physical name is unique only inside a parent resource (its cluster, instance, role
 * or rule), never in the account/project: two stacks can only clash on them through the parent,
 * whose own name is either checked (explicitly named) or auto-named (unique). Anything not listed
 * here is treated as account/project-scoped, so a new explicitly named resource is checked.
 */
export const PARENT_SCOPED_TYPES = new Set([
  "aws:eks/nodeGroup:NodeGroup",
  "aws:eks/addon:Addon",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:cloudwatch/eventTarget:EventTarget",
  "gcp:container/nodePool:NodePool",
  "gcp:sql/database:Database",
  "gcp:sql/user:User",
]);

/** Packages whose resources live outside the account/project (inside the cluster) or are not cloud resources. */
const NOT_ACCOUNT_SCOPED_PACKAGES = new Set(["kubernetes", "pulumi", "random", "tls", "command"]);

/** Packages whose resources have no physical name anywhere (providers, generated values). */
const UNNAMED_PACKAGES = new Set(["pulumi", "random", "tls", "command"]);

/** Where a physical name must be unique. */
export const NameScope = {
  /** The AWS account and region, or the Google Cloud project. */
  account: "account",
  /** A parent resource (`PARENT_SCOPED_TYPES`). */
  parent: "parent",
  /** A Kubernetes cluster (a namespace in it, for namespaced objects). */
  cluster: "cluster",
} as const;
export type NameScope = (typeof NameScope)[keyof typeof NameScope];

/** One explicitly set physical name of a planned resource. */
export interface PhysicalNameUse {
  type: string;
  /** Logical name of the resource. */
  resource: string;
  /** Input that holds it (`metadata.name` for a Kubernetes object). */
  key: string;
  /** The name; `<namespace>/<name>` for a namespaced Kubernetes object or Helm release. */
  value: string;
}

/** A physical name with where it must be unique. */
export interface ScopedPhysicalName extends PhysicalNameUse {
  scope: NameScope;
}

/**
 * Every physical name the plan sets explicitly on a resource it manages: inputs under
 * `PHYSICAL_NAME_KEYS` of cloud resources, and `metadata.name` (`name` for a Helm release) of
 * Kubernetes objects, with their namespace. Components, providers, read resources and auto-named
 * resources (no such input; unique by their random suffix) never appear. A value that is another
 * resource's output (a BucketPolicy's `bucket`) refers to that resource rather than naming this
 * one, and is skipped.
 */
export function explicitPhysicalNames(plan: Plan): ScopedPhysicalName[] {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const uses: ScopedPhysicalName[] = [];
  for (const r of plan.resources) {
    if (!r.custom || r.external) continue;
    const pkg = r.type.split(":")[0]!;
    if (UNNAMED_PACKAGES.has(pkg)) continue;
    if (pkg === "kubernetes") {
      const metadata = r.inputs["metadata"] as { name?: unknown; namespace?: unknown } | undefined;
      const [key, name, namespace] =
        typeof metadata?.name === "string"
          ? ["metadata.name", metadata.name, metadata.namespace]
          : ["name", r.inputs["name"], r.inputs["namespace"]];
      if (typeof name !== "string" || name === "") continue;
      const value = typeof namespace === "string" && namespace !== "" ? `${namespace}/${name}` : name;
      uses.push({ type: r.type, resource: r.name, key, value, scope: NameScope.cluster });
      continue;
    }
    const scope = PARENT_SCOPED_TYPES.has(r.type) ? NameScope.parent : NameScope.account;
    for (const key of PHYSICAL_NAME_KEYS) {
      const value = r.inputs[key];
      if (typeof value !== "string" || value === "") continue;
      const isReference = (r.propertyDependencies?.[key] ?? []).some((urn) =>
        Object.values(byUrn.get(urn)?.outputs ?? {}).includes(value),
      );
      if (!isReference) uses.push({ type: r.type, resource: r.name, key, value, scope });
    }
  }
  return uses;
}

/**
 * Every account/project-scoped physical name the plan sets explicitly: the
 * {@link explicitPhysicalNames} of managed cloud resources (not Kubernetes objects; not
 * `PARENT_SCOPED_TYPES`). Two stacks in one account/project fight over each of these.
 */
export function accountScopedPhysicalNames(plan: Plan): PhysicalNameUse[] {
  return explicitPhysicalNames(plan)
    .filter((u) => u.scope === NameScope.account && !NOT_ACCOUNT_SCOPED_PACKAGES.has(u.type.split(":")[0]!))
    .map(({ type, resource, key, value }) => ({ type, resource, key, value }));
}

/** The physical names (`<type> <value>`) two plans both set: each is a resource the stacks would fight over. */
export function sharedPhysicalNames(a: Plan, b: Plan): string[] {
  const of = (p: Plan) => new Set(accountScopedPhysicalNames(p).map((u) => `${u.type} ${u.value}`));
  const inB = of(b);
  return [...of(a)].filter((n) => inB.has(n)).sort();
}
