/**
 * Turns catalog rules into the `Policy` objects the engine (and the offline runner) execute:
 * enforcement level from the environment, per-resource exemptions with recorded reasons, and the
 * merged pack config exposed through `args.getConfig()`. Does not construct a `PolicyPack`.
 *
 * Config precedence at validation time: the engine's per-policy config (`getConfig()`, from
 * `--policy-pack-config`) over the pack's static config (`MLOPS_POLICY_CONFIG` / `MLOPS_ENVIRONMENT`
 * / `mlops-policy-config.json`, or the offline flat keys) over the defaults (prod). The enforcement
 * level is the engine's: the policy's static level unless `--policy-pack-config` sets one. The
 * wrappers never report at another level (they only use the documented `reportViolation(message,
 * urn)`); an engine-config `environment` or `disabled` that switches a rule off makes it not applicable.
 */
import type {
  Policies,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidation,
  StackValidationPolicy,
} from "@pulumi/policy";
import { RULES } from "./catalog";
import {
  effectiveEnforcementLevel,
  findExemption,
  resolveConfig,
  type Exemption,
  type ResolvedPackConfig,
} from "./config";
import {
  attachedPulumiType,
  endNotApplicable,
  typeGuardOf,
  type Rule,
  type RuleConfigKey,
} from "./rules/types";

/** The key of the offline runner's not-applicable recorder in the validation arguments (see rules/types.ts). */
export { RECORD_NOT_APPLICABLE } from "./rules/types";

/** A finding suppressed by an exemption, with the recorded reason. */
export interface RecordedExemption {
  policyName: string;
  urn: string;
  resourceName: string;
  /** The exemption's `resourceNamePattern`, or the scoped pod-security exemption's name. */
  pattern: string;
  reason: string;
  /** The suppressed violation messages. */
  suppressed: string[];
}

/** Callbacks for observing what the wrapped policies do. */
export interface PackHooks {
  onExemption?(exemption: RecordedExemption): void;
}

/** The logical name in a URN (`urn:pulumi:stack::project::type::name`). */
export function nameFromUrn(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i >= 0 ? urn.slice(i + 2) : urn;
}

interface RunContext {
  config: ResolvedPackConfig;
  /** Set when the engine's per-policy config (not the static one) switches the rule off. */
  disabledBy: string | undefined;
}

function context(rule: Rule, base: ResolvedPackConfig, engineConfig: object): RunContext {
  if (Object.keys(engineConfig).length === 0) return { config: base, disabledBy: undefined };
  // The engine's per-policy values (including `environment`) win over the static pack config.
  const config = resolveConfig({ ...base, ...engineConfig });
  // Only a change made by the engine config disables the rule here: when the static level was
  // already "disabled" and the engine still runs the policy, the user enabled it explicitly.
  const disabled =
    effectiveEnforcementLevel(rule, config) === "disabled" &&
    effectiveEnforcementLevel(rule, base) !== "disabled";
  return {
    config,
    disabledBy: disabled
      ? config.disabled.includes(rule.name)
        ? "disabled by the policy pack config"
        : `disabled in ${config.environment}`
      : undefined,
  };
}

function isThenable(v: unknown): v is PromiseLike<void> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}

function exemptionRecord(rule: Rule, urn: string, e: Exemption, suppressed: string[]): RecordedExemption {
  return {
    policyName: rule.name,
    urn,
    resourceName: nameFromUrn(urn),
    pattern: e.resourceNamePattern,
    reason: e.reason,
    suppressed,
  };
}

function wrapResource(
  rule: Extract<Rule, { kind: "resource" }>,
  base: ResolvedPackConfig,
  hooks: PackHooks,
): ResourceValidation {
  // The config without the engine's per-policy values: the common case, one getter for every call.
  const baseConfig = <T extends object>(): T => base as unknown as T;
  const guard = typeGuardOf(rule.validateResource);
  const wrapped: ResourceValidation = (args, report) => {
    const ctx = context(rule, base, args.getConfig<object>());
    if (ctx.disabledBy) return args.notApplicable(ctx.disabledBy);
    if (guard && !guard.types.has(args.type)) {
      // What the rule itself would do first; the offline runner records it without an exception.
      return endNotApplicable(args, guard.reason);
    }
    const exemption = findExemption(ctx.config, rule.name, args.name);
    if (!exemption) {
      // Nothing to suppress: the rule reports straight through (its result, a Promise or not, as is).
      const getConfig = ctx.config === base ? baseConfig : <T extends object>() => ctx.config as unknown as T;
      return rule.validateResource({ ...args, getConfig }, (message) => report(message));
    }
    const suppressed: string[] = [];
    const inner: ReportViolation = (message) => {
      if (exemption) suppressed.push(message);
      else report(message);
    };
    const innerArgs: ResourceValidationArgs = {
      ...args,
      getConfig: <T extends object>() => ctx.config as unknown as T,
    };
    const finish = (): void => {
      if (exemption && suppressed.length > 0) {
        hooks.onExemption?.(exemptionRecord(rule, args.urn, exemption, suppressed));
        args.notApplicable(`exempted by '${exemption.resourceNamePattern}': ${exemption.reason}`);
      }
    };
    const result = rule.validateResource(innerArgs, inner);
    if (isThenable(result)) return Promise.resolve(result).then(finish);
    finish();
  };
  const type = attachedPulumiType(rule.validateResource);
  if (type) (wrapped as { __pulumiType?: string }).__pulumiType = type;
  return wrapped;
}

function wrapStack(
  rule: Extract<Rule, { kind: "stack" }>,
  base: ResolvedPackConfig,
  hooks: PackHooks,
): StackValidation {
  return (args, report) => {
    const ctx = context(rule, base, args.getConfig<object>());
    if (ctx.disabledBy) return args.notApplicable(ctx.disabledBy);
    const inner: ReportViolation = (message, urn) => {
      const exemption = urn ? findExemption(ctx.config, rule.name, nameFromUrn(urn)) : undefined;
      if (exemption && urn) hooks.onExemption?.(exemptionRecord(rule, urn, exemption, [message]));
      else report(message, urn);
    };
    return rule.validateStack(
      { ...args, getConfig: <T extends object>() => ctx.config as unknown as T },
      inner,
    );
  };
}

const CONFIG_SCHEMAS: Record<
  RuleConfigKey | "environment" | "exemptions",
  PolicyConfigSchema["properties"][string]
> = {
  environment: { type: "string", enum: ["dev", "staging", "prod"] },
  exemptions: {
    type: "array",
    items: {
      type: "object",
      properties: {
        policy: { type: "string" },
        resourceNamePattern: { type: "string" },
        reason: { type: "string" },
      },
      required: ["policy", "resourceNamePattern", "reason"],
    },
  },
  requiredTags: { type: "array", items: { type: "string" } },
  allowedRegistries: { type: "array", items: { type: "string" } },
  allowedRegions: { type: "array", items: { type: "string" } },
  allowedGpuInstanceFamilies: { type: "array", items: { type: "string" } },
  allowedGpuAccelerators: { type: "array", items: { type: "string" } },
  allowLoadBalancerServices: { type: "boolean" },
  allowNodePortServices: { type: "boolean" },
  maxGpuNodesPerPool: { type: "number" },
  minEksVersion: { type: "string" },
  podSecurityExemptions: { type: "array", items: { type: "object" } },
};

function configSchema(rule: Rule): PolicyConfigSchema {
  const keys = ["environment", "exemptions", ...rule.configKeys] as const;
  return { properties: Object.fromEntries(keys.map((k) => [k, CONFIG_SCHEMAS[k]])) };
}

/**
 * Builds the engine policies for `config`. `rules` defaults to the whole catalog (tests pass one).
 * Each policy's `enforcementLevel` is the level for the configured environment.
 */
export function buildPolicies(
  config: ResolvedPackConfig,
  hooks: PackHooks = {},
  rules: readonly Rule[] = RULES,
): Policies {
  return rules.map((rule): ResourceValidationPolicy | StackValidationPolicy => {
    const common = {
      name: rule.name,
      description: rule.description,
      enforcementLevel: effectiveEnforcementLevel(rule, config),
      severity: rule.severity,
      remediationSteps: rule.remediation,
      tags: [rule.area],
      configSchema: configSchema(rule),
    };
    return rule.kind === "resource"
      ? { ...common, validateResource: wrapResource(rule, config, hooks) }
      : { ...common, validateStack: wrapStack(rule, config, hooks) };
  });
}
