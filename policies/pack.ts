/**
 * Turns catalog rules into the `Policy` objects the engine (and the offline runner) execute:
 * enforcement level from the environment, per-resource exemptions with recorded reasons, the stack
 * tag `environment`, and the merged pack config exposed through `args.getConfig()`.
 * Does not construct a `PolicyPack`.
 */
import type {
  EnforcementLevel,
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
  environmentFromStackTags,
  findExemption,
  resolveConfig,
  type Exemption,
  type ResolvedPackConfig,
} from "./config";
import { attachedPulumiType, type Rule, type RuleConfigKey } from "./rules/types";
import type { Environment } from "./rules/types";

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

type ObjectReport = (info: { message: string; enforcementLevel: EnforcementLevel; urn?: string }) => void;

/**
 * Reports a violation. When the environment differs from the pack's static one (stack tag), the level
 * is overridden through the object form of `reportViolation` that @pulumi/policy supports.
 */
function emit(
  report: ReportViolation,
  rule: Rule,
  message: string,
  urn: string | undefined,
  level: EnforcementLevel | undefined,
): void {
  if (level === undefined) {
    report(message, urn);
    return;
  }
  (report as unknown as ObjectReport)({
    message: `${rule.description}\n${message}`,
    enforcementLevel: level === "remediate" ? "mandatory" : level,
    ...(urn ? { urn } : {}),
  });
}

interface RunContext {
  config: ResolvedPackConfig;
  environment: Environment;
  /** Level override when the stack tag selects another environment than the static config. */
  level: EnforcementLevel | undefined;
}

function context(
  rule: Rule,
  base: ResolvedPackConfig,
  stackTags: ReadonlyMap<string, string> | undefined,
  engineConfig: object,
): RunContext {
  const tagged = environmentFromStackTags(stackTags);
  const environment = tagged ?? base.environment;
  const hasEngineConfig = Object.keys(engineConfig).length > 0;
  const config =
    !hasEngineConfig && environment === base.environment
      ? base
      : resolveConfig({ ...base, ...engineConfig, environment });
  const level =
    environment === base.environment ? undefined : effectiveEnforcementLevel(rule, config, environment);
  return { config, environment, level };
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
  const wrapped: ResourceValidation = (args, report) => {
    const ctx = context(rule, base, args.stackTags, args.getConfig<object>());
    if (ctx.level === "disabled") return args.notApplicable(`disabled in ${ctx.environment}`);
    const exemption = findExemption(ctx.config, rule.name, args.name);
    const suppressed: string[] = [];
    const inner: ReportViolation = (message) => {
      if (exemption) suppressed.push(message);
      else emit(report, rule, message, undefined, ctx.level);
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
    const ctx = context(rule, base, args.stackTags, args.getConfig<object>());
    if (ctx.level === "disabled") return args.notApplicable(`disabled in ${ctx.environment}`);
    const inner: ReportViolation = (message, urn) => {
      const exemption = urn ? findExemption(ctx.config, rule.name, nameFromUrn(urn)) : undefined;
      if (exemption && urn) hooks.onExemption?.(exemptionRecord(rule, urn, exemption, [message]));
      else emit(report, rule, message, urn, ctx.level);
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
