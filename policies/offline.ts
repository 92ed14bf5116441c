/**
 * Offline policy runner: evaluates the pack over a captured plan without the Pulumi engine, calling
 * the same wrapped validation functions with the same argument shapes @pulumi/policy's analyzer
 * server builds (see node_modules/@pulumi/policy/server.js: makeAnalyzeRpcFun / makeAnalyzeStackRpcFun):
 *
 * - resource policies run once per resource with `{ type, props: inputs, urn, name, opts, provider,
 *   stackTags, isType, asType, getConfig, notApplicable }`; a policy whose single validation carries a
 *   `__pulumiType` is skipped for other types (the engine's fast path);
 * - stack policies see every resource with `parent` and `dependencies` resolved to resource objects;
 * - enforcement: the level is the config file's `<policy>.enforcementLevel`, else its `all`, else
 *   the policy's own (server.js: `policyPackConfig[p.name].enforcementLevel || p.enforcementLevel`);
 *   `disabled` policies are skipped, `remediate` reports as `mandatory`;
 * - `getConfig()` returns the policy's entry of the config file without `enforcementLevel`, as the
 *   engine's does (the wrappers merge it over the pack config);
 * - resource policies see inputs (Analyze); stack policies see each custom resource's state after
 *   the mock create, inputs plus computed outputs (AnalyzeStack runs on outputs), components their inputs;
 * - `reportViolation(message)` yields `description + "\n" + message`; the object form is honoured.
 *
 * Resource options: `opts.protect` and `opts.parent` as the engine passes them, plus
 * `retainOnDelete`, `provider` and `dependencies` (the engine's analyzer protocol does not carry
 * retainOnDelete, so offline it is extra information rules may use). Secrets arrive masked as
 * "[secret]"; rules treat them as present but unknown.
 */
import type {
  EnforcementLevel,
  PolicyProviderResource,
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  StackValidationArgs,
} from "@pulumi/policy";
import type { PlanResource, PolicyViolation } from "../plan/types";
import { POLICY_PACK_NAME, RULES } from "./catalog";
import {
  effectiveEnforcementLevel,
  parsePolicyPackConfig,
  resolveConfig,
  type PackConfig,
  type PolicySettings,
} from "./config";
import { buildPolicies, RECORD_NOT_APPLICABLE, type RecordedExemption } from "./pack";
import { attachedPulumiType, type Rule } from "./rules/types";

/** What the runner needs from a plan. */
export interface PolicyRunInput {
  stack: string;
  project: string;
  resources: PlanResource[];
  /** Stack tags (passed to policies as the engine does; they do not select the environment). */
  stackTags?: Record<string, string>;
}

/** A policy that declared itself not applicable to a resource (includes recorded exemptions). */
export interface NotApplicableRecord {
  policyName: string;
  urn: string;
  reason: string;
}

/** An exemption that suppressed findings: by resource name pattern, or a scoped pod-security one. */
export interface AppliedExemption extends RecordedExemption {
  /** `resourceName`: an `exemptions` entry (`pattern` is its `resourceNamePattern`); `podSecurity`: a `podSecurityExemptions` entry (`pattern` is its name). */
  kind: "resourceName" | "podSecurity";
}

/** Everything an offline run produced. */
export interface PolicyRunResult {
  violations: PolicyViolation[];
  /** Findings suppressed by name-pattern or scoped pod-security exemptions, with their reasons. */
  exemptions: AppliedExemption[];
  notApplicable: NotApplicableRecord[];
}

/** Options for {@link runPoliciesDetailed}. */
export interface RunOptions {
  /** Run only these rules (default: the whole catalog). */
  rules?: readonly Rule[];
}

/**
 * What `notApplicable(reason)` throws to end a validation. Not an `Error`: it is control flow
 * (thrown per rule × resource that does not apply), and an `Error` would capture a stack trace
 * every time, translated through source maps under tsx. No rule catches it (the wrappers in
 * pack.ts and the rules' own `try` blocks only guard parsing); the runner records its reason.
 */
class NotApplicable {
  constructor(readonly reason: string | undefined) {}
}

function throwNotApplicable(reason?: string): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- control flow, see NotApplicable
  throw new NotApplicable(reason);
}

function typeOfClass(resourceClass: unknown): string | undefined {
  return attachedPulumiType(resourceClass);
}

/** Same semantics as the engine's isTypeOf: `__pulumiType` first, else the class's `isInstance`. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
  const t = typeOfClass(resourceClass);
  if (t !== undefined) return t === type;
  const isInstance: unknown = (resourceClass as { isInstance?: unknown }).isInstance;
  return (
    typeof isInstance === "function" &&
    (isInstance as (o: unknown) => unknown)({ __pulumiType: type }) === true
  );
}

function cloneJson(v: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
}

/**
 * What `JSON.parse(JSON.stringify(value))` gives, in one pass without the text in between, and
 * frozen throughout when `freeze` (validations share one copy of a resource's inputs): keys whose
 * value is undefined, a function or a symbol are left out (in arrays they become null), numbers
 * that are not finite become null, -0 becomes 0. Anything but a plain object, an array or a
 * primitive (a Date, a Map, an object with `toJSON`) goes through JSON itself. Plan values are
 * plain JSON; the rest only keeps the result exactly the same for other values.
 * @internal
 */
export function copyJson(value: unknown, freeze: boolean): unknown {
  return copyAt(value, "", freeze);
}

function copyAt(v: unknown, key: string, freeze: boolean): unknown {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      return Number.isFinite(v) ? (v === 0 ? 0 : v) : null;
    case "object":
      if (v === null) return null;
      break;
    case "bigint":
      return viaJson(v, key, freeze); // throws, as JSON does
    default:
      return undefined; // undefined, a function, a symbol
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (typeof (v as { toJSON?: unknown }).toJSON !== "function") {
    if (Array.isArray(v) && proto === Array.prototype) {
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) {
        const item = copyAt(v[i], String(i), freeze);
        out.push(item === undefined ? null : item);
      }
      return freeze ? Object.freeze(out) : out;
    }
    if (proto === Object.prototype || proto === null) {
      const source = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(source)) {
        const item = copyAt(source[k], k, freeze);
        if (item === undefined) continue;
        // JSON.parse makes "__proto__" an own property; an assignment would set the prototype.
        if (k === "__proto__")
          Object.defineProperty(out, k, {
            value: item,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        else out[k] = item;
      }
      return freeze ? Object.freeze(out) : out;
    }
  }
  return viaJson(v, key, freeze);
}

function viaJson(v: unknown, key: string, freeze: boolean): unknown {
  const copy = (JSON.parse(JSON.stringify({ [key]: v })) as Record<string, unknown>)[key];
  return freeze ? deepFreeze(copy) : copy;
}

/** Freezes a JSON value and everything in it, so validations can share one copy. */
function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const item of Object.values(v)) deepFreeze(item);
  }
  return v;
}

/** Resource options as the engine passes them, plus the extra fields the plan knows. */
export interface OfflineResourceOptions extends PolicyResourceOptions {
  retainOnDelete: boolean;
  /** Provider reference `<urn>::<id>`, "" for the default provider. */
  provider: string;
  dependencies: string[];
}

function optionsOf(r: PlanResource): OfflineResourceOptions {
  return {
    protect: r.protect,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(r.parent ? { parent: r.parent } : {}),
    retainOnDelete: r.retainOnDelete,
    provider: r.provider,
    dependencies: [...r.dependencies],
  };
}

/** A resource's provider as policies see it; one frozen object per provider (`cache`), shared by its resources. */
function providerOf(
  r: PlanResource,
  byUrn: ReadonlyMap<string, PlanResource>,
  cache: Map<string, PolicyProviderResource | undefined>,
): PolicyProviderResource | undefined {
  if (!r.provider) return undefined;
  if (cache.has(r.provider)) return cache.get(r.provider);
  const i = r.provider.lastIndexOf("::");
  const urn = i >= 0 ? r.provider.slice(0, i) : r.provider;
  const p = byUrn.get(urn);
  const provider = p
    ? deepFreeze({
        type: p.type,
        props: copyJson(p.inputs, true) as Record<string, unknown>,
        urn: p.urn,
        name: p.name,
      })
    : undefined;
  cache.set(r.provider, provider);
  return provider;
}

/**
 * A policy pack config file: the pack's flat keys ({@link PackConfig}) and/or the shape `pulumi
 * preview --policy-pack-config` takes (`all`, `<policy-name>`); see `parsePolicyPackConfig`.
 */
export type PolicyPackConfigInput = PackConfig | Record<string, unknown>;

function makeGetConfig(settings: PolicySettings | undefined): <T extends object>() => T {
  // As the engine: this policy's --policy-pack-config values without `enforcementLevel`, a new
  // object on every call.
  const properties = settings?.properties;
  if (properties === undefined || Object.keys(properties).length === 0)
    return <T extends object>() => ({}) as T;
  return <T extends object>() => cloneJson(properties) as T;
}

function collectReport(
  sink: PolicyViolation[],
  policy: { name: string; description: string; severity?: string },
  level: EnforcementLevel,
  /** The resource a resource policy runs on (undefined for stack policies), read at report time. */
  fixedUrnOf: () => string | undefined,
): ReportViolation {
  return (message: unknown, urn?: string) => {
    const fixedUrn = fixedUrnOf();
    if (typeof message === "object" && message !== null) {
      const info = message as {
        name?: string;
        message?: string;
        description?: string;
        urn?: string;
        enforcementLevel?: EnforcementLevel;
        severity?: string;
      };
      sink.push({
        policyName: info.name ?? policy.name,
        enforcementLevel: info.enforcementLevel ?? level,
        urn: fixedUrn ?? info.urn ?? "",
        message: info.message ?? info.description ?? policy.description,
        policyPackName: POLICY_PACK_NAME,
        ...((info.severity ?? policy.severity) ? { severity: info.severity ?? policy.severity } : {}),
      });
      return;
    }
    const text =
      typeof message === "string" && message ? `${policy.description}\n${message}` : policy.description;
    sink.push({
      policyName: policy.name,
      enforcementLevel: level,
      urn: fixedUrn ?? urn ?? "",
      message: text,
      policyPackName: POLICY_PACK_NAME,
      ...(policy.severity ? { severity: policy.severity } : {}),
    });
  };
}

function ensureSync(result: unknown, policyName: string): void {
  if (
    typeof result === "object" &&
    result !== null &&
    typeof (result as { then?: unknown }).then === "function"
  ) {
    throw new Error(
      `policy '${policyName}' returned a Promise; the offline runner only supports synchronous validations`,
    );
  }
}

function policyError(policyName: string, e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  return new Error(
    `Error validating resource with policy '${policyName}' from policy pack '${POLICY_PACK_NAME}': ${msg}`,
    { cause: e },
  );
}

/** Runs the pack over a plan and returns violations, recorded exemptions and not-applicable reasons. */
export function runPoliciesDetailed(
  plan: PolicyRunInput,
  config: PolicyPackConfigInput = {},
  options: RunOptions = {},
): PolicyRunResult {
  const parsed = parsePolicyPackConfig(
    config,
    RULES.map((r) => r.name),
  );
  const resolved = resolveConfig(parsed.pack);
  const exemptions: AppliedExemption[] = [];
  const policies = buildPolicies(
    resolved,
    { onExemption: (e) => exemptions.push({ ...e, kind: "resourceName" }) },
    options.rules ?? RULES,
  );
  const violations: PolicyViolation[] = [];
  const notApplicable: NotApplicableRecord[] = [];
  const stackTags: ReadonlyMap<string, string> = new Map(Object.entries(plan.stackTags ?? {}));
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const providers = new Map<string, PolicyProviderResource | undefined>();

  // The engine's level: the policy's config entry, else `all`, else the policy's own.
  const configuredLevel = (p: { name: string; enforcementLevel?: EnforcementLevel }): EnforcementLevel =>
    parsed.policies[p.name]?.enforcementLevel ?? parsed.all ?? p.enforcementLevel ?? "advisory";
  const levelOf = (p: { name: string; enforcementLevel?: EnforcementLevel }): EnforcementLevel => {
    const l = configuredLevel(p);
    return l === "remediate" ? "mandatory" : l;
  };
  const recordNa = (policyName: string, urn: string, given: string | undefined): void => {
    const reason = given ?? "Policy does not apply";
    notApplicable.push({ policyName, urn, reason });
    const m = /^exempted by pod security exemption '([^']+)': (.*?)(?: \(suppressed: (.*)\))?$/s.exec(reason);
    if (m) {
      exemptions.push({
        policyName,
        urn,
        resourceName: byUrn.get(urn)?.name ?? urn,
        pattern: m[1] ?? "",
        reason: m[2] ?? "",
        suppressed: m[3] ? m[3].split("; ") : [],
        kind: "podSecurity",
      });
    }
  };

  // Resource policies: the engine's Analyze call, once per resource. What does not depend on the
  // resource is built once per policy; what does not depend on the policy, once per resource.
  let currentUrn = "";
  let currentPolicy = "";
  const urnOfCurrent = (): string => currentUrn;
  // A rule's type guard (onlyForTypes) reports "not applicable" through this, not by throwing.
  const recordNotApplicable = (reason: string): void => recordNa(currentPolicy, currentUrn, reason);
  const resourcePolicies = policies.flatMap((p) => {
    if (!("validateResource" in p) || p.validateResource === undefined) return [];
    if (configuredLevel(p) === "disabled") return [];
    const validations: ResourceValidation[] = Array.isArray(p.validateResource)
      ? p.validateResource
      : [p.validateResource];
    return [
      {
        name: p.name,
        validations,
        // The engine's fast path: a single validation typed for one resource type.
        onlyType: Array.isArray(p.validateResource) ? undefined : attachedPulumiType(p.validateResource),
        getConfig: makeGetConfig(parsed.policies[p.name]),
        report: collectReport(violations, p, levelOf(p), urnOfCurrent),
      },
    ];
  });
  for (const r of plan.resources) {
    const type = r.type;
    const provider = providerOf(r, byUrn, providers);
    // One copy of the inputs for every validation of this resource, frozen: a rule that tried to
    // change them would fail (strict mode) instead of changing what the next rule sees.
    const props = copyJson(r.inputs, true) as Record<string, unknown>;
    // One arguments object per resource; each validation gets its policy's getConfig. Validations
    // are synchronous (ensureSync), so none sees another's.
    const args: ResourceValidationArgs & { [RECORD_NOT_APPLICABLE]: (reason: string) => void } = {
      type,
      props,
      urn: r.urn,
      name: r.name,
      opts: optionsOf(r),
      stackTags,
      isType: (cls) => isTypeOf(type, cls),
      asType: ((cls: unknown) =>
        isTypeOf(type, cls) ? props : undefined) as ResourceValidationArgs["asType"],
      getConfig: makeGetConfig(undefined),
      notApplicable: throwNotApplicable,
      ...(provider ? { provider } : {}),
      [RECORD_NOT_APPLICABLE]: recordNotApplicable,
    };
    currentUrn = r.urn;
    for (const p of resourcePolicies) {
      if (p.onlyType !== undefined && p.onlyType !== type) continue;
      args.getConfig = p.getConfig;
      currentPolicy = p.name;
      for (const validation of p.validations) {
        try {
          ensureSync(validation(args, p.report), p.name);
        } catch (e) {
          if (e instanceof NotApplicable) recordNa(p.name, r.urn, e.reason);
          else throw policyError(p.name, e);
        }
      }
    }
  }

  // Stack policies: the engine's AnalyzeStack call, with parents and dependencies resolved.
  const stackPolicies = policies.filter((p) => "validateStack" in p && configuredLevel(p) !== "disabled");
  if (stackPolicies.length > 0) {
    const resources: PolicyResource[] = plan.resources.map((r) => {
      // AnalyzeStack runs on each resource's final state; a component's `outputs` are what it
      // registered, so components keep their inputs.
      const props = copyJson(r.custom ? (r.outputs ?? r.inputs) : r.inputs, false) as Record<string, unknown>;
      const provider = providerOf(r, byUrn, providers);
      return {
        type: r.type,
        props,
        urn: r.urn,
        name: r.name,
        opts: optionsOf(r),
        dependencies: [],
        propertyDependencies: {},
        isType: (cls) => isTypeOf(r.type, cls),
        asType: ((cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined)) as PolicyResource["asType"],
        ...(provider ? { provider } : {}),
      };
    });
    const resByUrn = new Map(resources.map((r) => [r.urn, r]));
    plan.resources.forEach((r, i) => {
      const res = resources[i];
      if (!res) return;
      const parent = r.parent ? resByUrn.get(r.parent) : undefined;
      if (parent) res.parent = parent;
      res.dependencies = r.dependencies.flatMap((d) => {
        const dep = resByUrn.get(d);
        return dep ? [dep] : [];
      });
      res.propertyDependencies = Object.fromEntries(
        Object.entries(r.propertyDependencies ?? {}).map(([key, urns]) => [
          key,
          urns.flatMap((u) => {
            const dep = resByUrn.get(u);
            return dep ? [dep] : [];
          }),
        ]),
      );
    });
    for (const p of stackPolicies) {
      if (!("validateStack" in p)) continue;
      const fast = attachedPulumiType(p.validateStack);
      if (fast !== undefined && !resources.some((r) => r.type === fast)) continue;
      const args: StackValidationArgs = {
        resources,
        stackTags,
        getConfig: makeGetConfig(parsed.policies[p.name]),
        notApplicable: throwNotApplicable,
      };
      try {
        ensureSync(
          p.validateStack(
            args,
            collectReport(violations, p, levelOf(p), () => undefined),
          ),
          p.name,
        );
      } catch (e) {
        if (e instanceof NotApplicable) recordNa(p.name, "", e.reason);
        else throw policyError(p.name, e);
      }
    }
  }
  return { violations, exemptions, notApplicable };
}

/** Runs the pack over a plan and returns the violations (the plan JSON's `policyViolations`). */
export function runPolicies(plan: PolicyRunInput, config?: PolicyPackConfigInput): PolicyViolation[] {
  return runPoliciesDetailed(plan, config).violations;
}

/** JSON-able metadata of one rule, as printed by `--list-policies`. */
export interface PolicyListing {
  name: string;
  area: string;
  kind: "resource" | "stack";
  severity: string;
  /** Level under the given config (its `<rule>` level, `all`, `disabled`, `enforcementLevels`, `environment`; default: prod). */
  enforcementLevel: EnforcementLevel;
  enforcementByEnvironment: Record<string, EnforcementLevel>;
  resourceTypes: string[];
  description: string;
  reference: string;
  remediation: string;
  configKeys: string[];
}

/**
 * The pack's rules as JSON-able metadata, with each rule's level under `config` (a policy pack
 * config file, validated as {@link runPoliciesDetailed} does: the level the engine would apply).
 */
export function listPolicies(config: PolicyPackConfigInput = {}): PolicyListing[] {
  const parsed = parsePolicyPackConfig(
    config,
    RULES.map((r) => r.name),
  );
  const resolved = resolveConfig(parsed.pack);
  return RULES.map((r) => ({
    name: r.name,
    area: r.area,
    kind: r.kind,
    severity: r.severity,
    // As the runner: the rule's config entry, else `all`, else the pack's level for the config.
    enforcementLevel:
      parsed.policies[r.name]?.enforcementLevel ?? parsed.all ?? effectiveEnforcementLevel(r, resolved),
    enforcementByEnvironment: { ...r.enforcement },
    resourceTypes: [...r.resourceTypes],
    description: r.description,
    reference: r.reference,
    remediation: r.remediation,
    configKeys: [...r.configKeys],
  }));
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A Markdown table of every rule (for the README), generated from the rule metadata. */
export function renderPolicyTable(): string {
  const header =
    "| Rule | Area | Severity | dev / staging / prod | Resource types | Description | Reference |\n|---|---|---|---|---|---|---|";
  const short = (t: string): string =>
    t
      .replace(/^kubernetes:|^aws:|^gcp:/, "")
      .replace(/^[a-z0-9]+\/[a-zA-Z0-9]+:/, (m) => m.split("/")[0] + ":");
  const rows = RULES.map((r) => {
    const types =
      r.resourceTypes.length > 4
        ? `${r.resourceTypes
            .slice(0, 3)
            .map((t) => `\`${short(t)}\``)
            .join(", ")} +${r.resourceTypes.length - 3}`
        : r.resourceTypes.map((t) => `\`${short(t)}\``).join(", ");
    const levels = `${r.enforcement.dev} / ${r.enforcement.staging} / ${r.enforcement.prod}`;
    return `| \`${r.name}\` | ${r.area} | ${r.severity} | ${levels} | ${cell(types)} | ${cell(r.description)} | ${cell(r.reference)} |`;
  });
  return `${header}\n${rows.join("\n")}\n`;
}
