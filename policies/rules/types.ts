/**
 * Rule metadata and the helpers every rule module uses to declare itself. Nothing here constructs a
 * `PolicyPack`: rule modules stay importable from tests, the offline runner and documentation scripts.
 */
import type {
  EnforcementLevel,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidation,
  StackValidationPolicy,
} from "@pulumi/policy";

/** The area a rule belongs to; also the folder under `policies/rules/` it lives in. */
export type RuleArea = "aws" | "gcp" | "kubernetes" | "governance" | "cost";

/** The environments the pack distinguishes. */
export type Environment = "dev" | "staging" | "prod";

/** All known environments, in promotion order. */
export const ENVIRONMENTS: readonly Environment[] = ["dev", "staging", "prod"];

/** Default enforcement level of a rule in each environment. */
export type EnvironmentEnforcement = Readonly<Record<Environment, EnforcementLevel>>;

/** Mandatory everywhere: findings that are never acceptable (public data, admin wildcards). */
export const ALWAYS_MANDATORY: EnvironmentEnforcement = {
  dev: "mandatory",
  staging: "mandatory",
  prod: "mandatory",
};
/** Advisory in dev, mandatory in staging and prod. */
export const MANDATORY_OUTSIDE_DEV: EnvironmentEnforcement = {
  dev: "advisory",
  staging: "mandatory",
  prod: "mandatory",
};
/** Advisory in dev and staging, mandatory in prod. */
export const MANDATORY_IN_PROD: EnvironmentEnforcement = {
  dev: "advisory",
  staging: "advisory",
  prod: "mandatory",
};
/** Advisory everywhere (best practice, cost hints). */
export const ALWAYS_ADVISORY: EnvironmentEnforcement = {
  dev: "advisory",
  staging: "advisory",
  prod: "advisory",
};

/** Pack configuration keys a rule reads (declared so the engine accepts them as policy config). */
export type RuleConfigKey =
  | "requiredTags"
  | "allowedRegistries"
  | "allowedRegions"
  | "allowedGpuInstanceFamilies"
  | "allowedGpuAccelerators"
  | "allowLoadBalancerServices"
  | "allowNodePortServices"
  | "maxGpuNodesPerPool"
  | "minEksVersion"
  | "podSecurityExemptions";

/** Metadata every rule carries next to its logic. */
export interface RuleMetadata {
  /** Stable kebab-case name, prefixed by area (`aws-`, `gcp-`, `k8s-`, `gov-`, `cost-`). */
  name: string;
  /** One sentence: what the rule requires. */
  description: string;
  severity: Severity;
  /** What to change to comply. */
  remediation: string;
  /** The standard the rule comes from (CIS section, Pod Security Standards control, Checkov/Kyverno id). */
  reference: string;
  area: RuleArea;
  /** Pulumi type tokens the rule inspects. */
  resourceTypes: readonly string[];
  /** Default enforcement level per environment (before config overrides). */
  enforcement: EnvironmentEnforcement;
  /** Pack configuration keys the rule reads. */
  configKeys: readonly RuleConfigKey[];
}

/** A rule that validates one resource at a time. It is a valid `ResourceValidationPolicy` on its own. */
export interface ResourceRule extends ResourceValidationPolicy, RuleMetadata {
  kind: "resource";
  severity: Severity;
  enforcementLevel: EnforcementLevel;
  remediationSteps: string;
  validateResource: ResourceValidation;
}

/** A rule that validates the whole stack (cross-resource checks, resource options). */
export interface StackRule extends StackValidationPolicy, RuleMetadata {
  kind: "stack";
  severity: Severity;
  enforcementLevel: EnforcementLevel;
  remediationSteps: string;
  validateStack: StackValidation;
}

/** Any rule of the pack. */
export type Rule = ResourceRule | StackRule;

/** Input of {@link resourceRule} / {@link stackRule}: metadata with defaults filled in. */
export interface RuleSpec extends Omit<RuleMetadata, "enforcement" | "configKeys" | "resourceTypes"> {
  /** Defaults from severity: critical → always mandatory, high → mandatory outside dev, medium → mandatory in prod, low → advisory. */
  enforcement?: EnvironmentEnforcement;
  configKeys?: readonly RuleConfigKey[];
  /** Defaults to the type attached to a `validateResourceOfType` validation. */
  resourceTypes?: readonly string[];
}

/** The enforcement preset a severity implies. */
export function defaultEnforcement(severity: Severity): EnvironmentEnforcement {
  switch (severity) {
    case "critical":
      return ALWAYS_MANDATORY;
    case "high":
      return MANDATORY_OUTSIDE_DEV;
    case "medium":
      return MANDATORY_IN_PROD;
    case "low":
      return ALWAYS_ADVISORY;
  }
}

/** The Pulumi type token attached to a typed validation (`validateResourceOfType` sets `__pulumiType`). */
export function attachedPulumiType(fn: unknown): string | undefined {
  if (typeof fn !== "function") return undefined;
  const t: unknown = (fn as { __pulumiType?: unknown }).__pulumiType;
  return typeof t === "string" && t.length > 0 ? t : undefined;
}

/** What {@link onlyForTypes} attaches to the validation it returns. */
export interface TypeGuard {
  /** The types the validation runs on. */
  types: ReadonlySet<string>;
  /** Its `notApplicable` reason for every other type. */
  reason: string;
}

/**
 * A validation that, for a resource whose type is not in `types`, calls `notApplicable(reason)`
 * and nothing else; `validate` runs on the others. The guard is attached to the function, so the
 * pack's wrapper can apply it with a set lookup first (and the offline runner record the reason
 * without throwing: most rules do not apply to most resources).
 */
export function onlyForTypes(
  types: readonly string[],
  reason: string,
  validate: ResourceValidation,
): ResourceValidation {
  const guard: TypeGuard = { types: new Set(types), reason };
  const guarded: ResourceValidation = (args, report) => {
    if (!guard.types.has(args.type)) return args.notApplicable(reason);
    return validate(args, report);
  };
  (guarded as { __typeGuard?: TypeGuard }).__typeGuard = guard;
  return guarded;
}

/**
 * The offline runner passes a function under this key in the validation arguments: the pack's
 * wrappers (a type guard) and {@link endNotApplicable} record a not-applicable reason through it
 * instead of throwing. The engine's arguments do not have it, so there `notApplicable` throws as usual.
 */
export const RECORD_NOT_APPLICABLE: unique symbol = Symbol("mlops.recordNotApplicable");

/** Validation arguments that may carry {@link RECORD_NOT_APPLICABLE}. */
export type ArgsWithRecorder = ResourceValidationArgs & {
  [RECORD_NOT_APPLICABLE]?: (reason: string) => void;
};

/**
 * Ends a validation as not applicable, for a rule whose first check is not the type (the
 * environment, a chart's values): `return endNotApplicable(args, reason)`, before the rule reports
 * anything. In the engine it is `args.notApplicable(reason)` (which throws); offline the runner's
 * recorder takes the reason and nothing is thrown, with the same result. Only as the validation's
 * last act: offline, code after it runs.
 */
export function endNotApplicable(args: ArgsWithRecorder, reason: string): void {
  const record = args[RECORD_NOT_APPLICABLE];
  if (record) return record(reason);
  return args.notApplicable(reason);
}

/** The guard {@link onlyForTypes} attached to a validation, if any. */
export function typeGuardOf(fn: unknown): TypeGuard | undefined {
  if (typeof fn !== "function") return undefined;
  return (fn as { __typeGuard?: TypeGuard }).__typeGuard;
}

/** The Pulumi type token of a resource class (the static `__pulumiType` SDK classes carry). */
export function classPulumiType(cls: unknown): string {
  const t: unknown = (cls as { __pulumiType?: unknown }).__pulumiType;
  if (typeof t !== "string") throw new Error("resource class has no __pulumiType");
  return t;
}

function metadata(spec: RuleSpec, resourceTypes: readonly string[]): RuleMetadata {
  if (!/^(aws|gcp|k8s|gov|cost)-[a-z0-9]+(-[a-z0-9]+)*$/.test(spec.name)) {
    throw new Error(`rule name '${spec.name}' is not a prefixed kebab-case name`);
  }
  return {
    name: spec.name,
    description: spec.description,
    severity: spec.severity,
    remediation: spec.remediation,
    reference: spec.reference,
    area: spec.area,
    resourceTypes,
    enforcement: spec.enforcement ?? defaultEnforcement(spec.severity),
    configKeys: spec.configKeys ?? [],
  };
}

/** Declares a resource rule. Use `validateResourceOfType(...)` (or a multi-kind dispatcher plus `resourceTypes`). */
export function resourceRule(spec: RuleSpec, validateResource: ResourceValidation): ResourceRule {
  const attached = attachedPulumiType(validateResource);
  const resourceTypes = spec.resourceTypes ?? (attached ? [attached] : []);
  if (resourceTypes.length === 0) throw new Error(`rule '${spec.name}' declares no resource types`);
  const meta = metadata(spec, resourceTypes);
  return {
    ...meta,
    kind: "resource",
    enforcementLevel: meta.enforcement.prod,
    remediationSteps: meta.remediation,
    validateResource,
  };
}

/** Declares a stack rule. */
export function stackRule(
  spec: RuleSpec & { resourceTypes: readonly string[] },
  validateStack: StackValidation,
): StackRule {
  const meta = metadata(spec, spec.resourceTypes);
  return {
    ...meta,
    kind: "stack",
    enforcementLevel: meta.enforcement.prod,
    remediationSteps: meta.remediation,
    validateStack,
  };
}
