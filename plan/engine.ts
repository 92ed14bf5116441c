/**
 * The offline plan engine: runs a Pulumi program in-process under Pulumi's mock runtime and
 * records every resource it registers, with the inputs, parent, provider, dependencies and
 * resource options the engine would see. Tests, the `plan` CLI and users' CI share this engine.
 */
// First: makes the SDK's closure-serialization requires lazy before the SDK loads (lazy-sdk.ts).
import "./lazy-sdk";
import * as pulumi from "@pulumi/pulumi";
import { untrackedPromises } from "./captures";
import { answerInvoke, computedOutputs, type InvokeAnswers, type MockDefaults } from "./mocks";
import { isRecord, maskValue, SECRET_MASK, unwrapValue } from "./values";
import type { Plan, PlanResource } from "./types";

export type { Plan, PlanResource, PolicyViolation } from "./types";

export interface RunPlanOptions {
  /** The program: a function that creates resources and may return stack outputs. */
  program: () => unknown;
  /** Pulumi project name. @default "project" */
  project?: string;
  /** Stack name. @default "stack" */
  stack?: string;
  /**
   * Stack configuration. Keys are `namespace:key` (a key without a namespace gets the project's);
   * values are strings, or objects/arrays/numbers/booleans, which are passed JSON-encoded as the
   * Pulumi CLI passes structured config.
   */
  config?: Record<string, unknown>;
  /** Config keys whose values are secrets. */
  secretKeys?: string[];
  /** Answers for invokes beyond the built-in ones, by token. */
  invokes?: InvokeAnswers;
  /** Outputs of StackReferences the program reads, by referenced stack name. */
  stackReferences?: Record<string, Record<string, unknown>>;
}

/** An error raised by the program itself (as opposed to bad config or flags). */
export class ProgramError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "ProgramError";
  }
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getPropertydependenciesMap(): {
    forEach(cb: (deps: { getUrnsList(): string[] }, key: string) => void): void;
  };
  /** Structured aliases (the mock monitor, like current engines, supports alias specs). */
  getAliasesList(): AliasMessage[];
  /** Aliases as URNs (what the SDK sends to an engine without alias specs). */
  getAliasurnsList(): string[];
}

/** `pulumirpc.Alias`: a URN, or a spec whose empty fields default to the resource's own. */
interface AliasMessage {
  getUrn(): string;
  getSpec():
    | {
        getName(): string;
        getType(): string;
        getStack(): string;
        getProject(): string;
        getParenturn(): string;
        getNoparent(): boolean;
      }
    | undefined;
}

/** An alias as the program declared it, read off the request. */
type DeclaredAlias =
  | { urn: string }
  | { name: string; type: string; stack: string; project: string; parentUrn: string; noParent: boolean };

interface RegisterOutputsRequest {
  getUrn(): string;
  getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}

interface ReadRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getId(): string;
  getProvider(): string;
  getProperties(): { toJavaScript(): Record<string, unknown> } | undefined;
  getDependenciesList(): string[];
}

type Callback = (err: unknown, resp: unknown) => void;

interface MonitorLike {
  registerResource(req: RegisterRequest, cb: Callback): void;
  registerResourceOutputs(req: RegisterOutputsRequest, cb: Callback): void;
  readResource(req: ReadRequest, cb: Callback): void;
}

interface ResponseWithUrn {
  getUrn(): string;
  getId?(): string;
  getObject?(): { toJavaScript(): Record<string, unknown> } | undefined;
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** Keeps runs strictly sequential: the mock runtime is process-global. */
let queue: Promise<unknown> = Promise.resolve();

/** Runs `options.program` under mocks and returns the captured plan (policies not yet applied). */
export function runPlan(options: RunPlanOptions): Promise<Plan> {
  const run = queue.then(() => runPlanNow(options));
  queue = run.catch(() => undefined);
  return run;
}

async function runPlanNow(options: RunPlanOptions): Promise<Plan> {
  const project = options.project ?? "project";
  const stack = options.stack ?? "stack";
  const config = normaliseConfig(options.config ?? {}, project);
  const defaults: MockDefaults = {
    awsRegion: stringConfig(config, "aws:region") ?? "us-east-1",
    gcpProject: stringConfig(config, "gcp:project") ?? "mock-project",
    gcpRegion: stringConfig(config, "gcp:region") ?? "us-central1",
  };

  const resources: PlanResource[] = [];
  const byUrn = new Map<string, PlanResource>();
  const secretOutputs = new Map<string, string[]>();
  const declaredAliases = new Map<string, DeclaredAlias[]>();
  const warnings: string[] = [];
  let stackOutputs: Record<string, unknown> = {};
  const asyncErrors: unknown[] = [];
  // Invokes without an answer and StackReferences without outputs, each message naming what to mock.
  const mockErrors: string[] = [];

  // A value that failed (an unanswered invoke, a StackReference without outputs, an error in an
  // apply) and flowed into a resource's inputs leaves that registration, and everything waiting on
  // it (a component's children, the stack), pending forever: the run would never finish and the
  // Pulumi runtime would print only "N promises were still active" at exit. Pulumi's language host
  // ends a program on its first unhandled rejection; the plan does the same, after a short grace
  // period in which the error that caused it (and any mock error) is collected.
  let abortRun: (err: unknown) => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    abortRun = reject;
  });
  aborted.catch(() => undefined);
  let abortTimer: NodeJS.Timeout | undefined;
  const firstFailure = (): unknown =>
    mockErrors.length > 0 ? new ProgramError(mockErrors[0]!, asyncErrors[0]) : explainFailure(asyncErrors[0]);
  const scheduleAbort = (): void => {
    abortTimer ??= setTimeout(() => abortRun(firstFailure()), 50);
  };
  const mockError = (err: unknown): void => {
    mockErrors.push((err as Error).message);
    scheduleAbort();
  };

  await pulumi.runtime.setMocks(
    {
      newResource: (args: pulumi.runtime.MockResourceArgs) => {
        const inputs = args.inputs as Record<string, unknown>;
        if (args.type === "pulumi:pulumi:StackReference") {
          try {
            return stackReferenceState(args.name, inputs, options.stackReferences ?? {});
          } catch (err) {
            mockError(err);
            throw err;
          }
        }
        const fallbackId = args.id || `${args.name}-id`;
        const computed = computedOutputs(args.type, {
          name: args.name,
          inputs,
          id: fallbackId,
          ...defaults,
        });
        // A type may compute its real id shape (e.g. a GCP key's full resource path).
        const id = typeof computed["id"] === "string" ? computed["id"] : fallbackId;
        const state: Record<string, unknown> = { ...inputs, ...computed };
        delete state["id"];
        for (const key of secretOutputs.get(`${args.type}::${args.name}`) ?? []) {
          if (key in state) state[key] = pulumi.secret(state[key]);
        }
        return { id, state };
      },
      call: (args: pulumi.runtime.MockCallArgs) => {
        try {
          return answerInvoke(
            args.token,
            args.inputs as Record<string, unknown>,
            defaults,
            options.invokes ?? {},
          );
        } catch (err) {
          // The runtime re-wraps invoke errors without their message: keep it to report.
          mockError(err);
          throw err;
        }
      },
    },
    project,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config, options.secretKeys ?? []);

  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const originalRegister = monitor.registerResource.bind(monitor);
  const originalOutputs = monitor.registerResourceOutputs.bind(monitor);
  const originalRead = monitor.readResource.bind(monitor);

  monitor.registerResource = (req, cb) => {
    const type = req.getType();
    const name = req.getName();
    const additional = req.getAdditionalsecretoutputsList();
    if (additional.length > 0) secretOutputs.set(`${type}::${name}`, additional);
    const rawInputs = req.getObject()?.toJavaScript() ?? {};
    const aliases = declaredAliasesOf(req);
    originalRegister(req, (err, resp) => {
      if (!err && resp) {
        const r = resp as ResponseWithUrn;
        const urn = r.getUrn();
        const record: PlanResource = {
          urn,
          type,
          name,
          custom: req.getCustom(),
          parent: req.getParent(),
          provider: req.getProvider(),
          dependencies: [...new Set(req.getDependenciesList())],
          inputs: maskResourceInputs(type, rawInputs),
          protect: req.getProtect(),
          retainOnDelete: req.getRetainondelete(),
          // Registered, so managed by this program (read resources are recorded below).
          external: false,
        };
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((deps, key) => {
          const urns = [...new Set(deps.getUrnsList())];
          if (urns.length > 0) propertyDependencies[key] = urns;
        });
        if (Object.keys(propertyDependencies).length > 0) record.propertyDependencies = propertyDependencies;
        const secretInputs = secretPaths(rawInputs);
        if (secretInputs.length > 0) record.secretInputs = secretInputs;
        if (req.getCustom()) {
          record.id = r.getId?.() ?? `${name}-id`;
          // The resource's state after the (mock) create: inputs plus what the provider computes.
          // Stack policies see these, as the engine's AnalyzeStack does.
          const state = r.getObject?.()?.toJavaScript();
          if (state) record.outputs = maskResourceInputs(type, state);
        }
        if (aliases.length > 0) declaredAliases.set(urn, aliases);
        resources.push(record);
        byUrn.set(urn, record);
      }
      cb(err, resp);
    });
  };

  monitor.registerResourceOutputs = (req, cb) => {
    const urn = req.getUrn();
    const outputs = maskValue(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
    const record = byUrn.get(urn);
    if (record?.type === STACK_TYPE) stackOutputs = outputs;
    else if (record) record.outputs = outputs;
    originalOutputs(req, cb);
  };

  monitor.readResource = (req, cb) => {
    const rawInputs = req.getProperties()?.toJavaScript() ?? {};
    originalRead(req, (err, resp) => {
      if (!err && resp) {
        const urn = (resp as ResponseWithUrn).getUrn();
        const record: PlanResource = {
          urn,
          type: req.getType(),
          name: req.getName(),
          custom: true,
          parent: req.getParent(),
          provider: req.getProvider(),
          dependencies: [...new Set(req.getDependenciesList())],
          inputs: maskValue(rawInputs) as Record<string, unknown>,
          protect: false,
          retainOnDelete: false,
          id: req.getId(),
          external: true,
        };
        resources.push(record);
        byUrn.set(urn, record);
      }
      cb(err, resp);
    });
  };

  const log = pulumi.log as { warn: typeof pulumi.log.warn; error: typeof pulumi.log.error };
  const originalWarn = log.warn;
  const originalError = log.error;
  const errors: string[] = [];
  log.warn = (msg: string) => {
    warnings.push(msg);
    return Promise.resolve();
  };
  log.error = (msg: string) => {
    errors.push(msg);
    return Promise.resolve();
  };
  const onRejection = (reason: unknown): void => {
    asyncErrors.push(reason);
    scheduleAbort();
  };
  process.on("unhandledRejection", onRejection);
  // The SDK's per-promise tracking costs more than the rest of a registration (captures.ts).
  const restoreCaptures = untrackedPromises();

  try {
    try {
      await Promise.race([
        pulumi.runtime.runInPulumiStack(async () => {
          const result = await options.program();
          return isRecord(result) ? result : undefined;
        }),
        aborted,
      ]);
    } catch (err) {
      // Let the rejections that the failed registrations raise surface while we listen.
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (mockErrors.length > 0) throw new ProgramError(mockErrors[0]!, err);
      throw explainFailure(err);
    }
    await Promise.race([pulumi.runtime.disconnect(), aborted]);
    // Give rejections raised in the last microtasks a chance to surface.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    restoreCaptures();
    clearTimeout(abortTimer);
    process.off("unhandledRejection", onRejection);
    log.warn = originalWarn;
    log.error = originalError;
  }

  if (mockErrors.length > 0) throw new ProgramError(mockErrors[0]!, asyncErrors[0]);
  if (asyncErrors.length > 0) throw explainFailure(asyncErrors[0]);
  if (errors.length > 0) {
    throw new ProgramError(
      `the program logged ${errors.length} error(s):\n  ${errors.join("\n  ")}`,
      undefined,
    );
  }

  recordStateUrns(resources, declaredAliases, project, stack);

  return {
    planFormatVersion: 1,
    stack,
    project,
    resources,
    outputs: stackOutputs,
    policyViolations: [],
    warnings,
  };
}

function declaredAliasesOf(req: RegisterRequest): DeclaredAlias[] {
  const out: DeclaredAlias[] = req.getAliasurnsList().map((urn) => ({ urn }));
  for (const alias of req.getAliasesList()) {
    const spec = alias.getSpec();
    if (!spec) out.push({ urn: alias.getUrn() });
    else
      out.push({
        name: spec.getName(),
        type: spec.getType(),
        stack: spec.getStack(),
        project: spec.getProject(),
        parentUrn: spec.getParenturn(),
        noParent: spec.getNoparent(),
      });
  }
  return out;
}

/** The parts of `urn:pulumi:<stack>::<project>::<qualified type>::<name>` (a name may contain `::`). */
function urnParts(urn: string): { qualifiedType: string; type: string; name: string } {
  const parts = urn.split("::");
  const qualifiedType = parts[2] ?? "";
  return { qualifiedType, type: qualifiedType.split("$").pop()!, name: parts.slice(3).join("::") };
}

/** The URN of a resource of `type` named `name` under `parent` (a URN; "" or the stack: top level). */
function createUrn(name: string, type: string, parent: string, project: string, stack: string): string {
  const parentType = parent ? urnParts(parent).qualifiedType : "";
  const qualified = parentType && parentType !== STACK_TYPE ? `${parentType}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/**
 * Sets each resource's {@link PlanResource.stateUrn} (the mock runtime's `urn` names only the
 * immediate parent's type; the engine's has the whole chain) and {@link PlanResource.aliases}:
 * every URN the engine would look for in the stack's state when the resource's own is not there.
 * This follows the engine's `generateAliases` (pkg/resource/deploy/step_generator.go): each
 * declared alias collapsed to a URN (empty spec fields default to the resource's name, type,
 * parent, project and stack; an alias parent that is itself aliased also counts under its old
 * URNs), then each alias of the parent combined with the child's name and type and with each of
 * the child's own aliases (a child named `<parent name>-x` follows a renamed parent, as in
 * `inheritedChildAlias`). The engine inherits only the parent alias that matched the old state;
 * without a state, the plan lists all of them.
 */
function recordStateUrns(
  resources: PlanResource[],
  declared: Map<string, DeclaredAlias[]>,
  project: string,
  stack: string,
): void {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const stateUrns = new Map<string, string>();
  /** The engine's URN of the resource whose mock URN is `urn` (an unknown URN stays as it is). */
  const stateUrnOf = (urn: string): string => {
    const known = stateUrns.get(urn);
    if (known !== undefined) return known;
    const r = byUrn.get(urn);
    if (!r) return urn;
    stateUrns.set(urn, urn); // parents register first, so there is no cycle; guard anyway
    const parent = r.parent && byUrn.has(r.parent) ? stateUrnOf(r.parent) : "";
    const result = createUrn(r.name, r.type, parent, project, stack);
    stateUrns.set(urn, result);
    return result;
  };
  const aliasMemo = new Map<string, string[]>();
  const aliasesOf = (urn: string): string[] => {
    const known = aliasMemo.get(urn);
    if (known) return known;
    aliasMemo.set(urn, []);
    const r = byUrn.get(urn);
    const out = new Set<string>();
    if (r) {
      const own: string[] = [];
      for (const alias of declared.get(urn) ?? []) {
        if ("urn" in alias) {
          own.push(alias.urn);
          continue;
        }
        const name = alias.name || r.name;
        const type = alias.type || r.type;
        const aliasProject = alias.project || project;
        const aliasStack = alias.stack || stack;
        const parent = alias.noParent ? "" : alias.parentUrn || r.parent;
        const parents =
          parent && parent !== r.parent ? [stateUrnOf(parent), ...aliasesOf(parent)] : [stateUrnOf(parent)];
        for (const p of parents) own.push(createUrn(name, type, p, aliasProject, aliasStack));
      }
      for (const a of own) out.add(a);
      if (r.parent) {
        const parentName = urnParts(r.parent).name;
        for (const parentAlias of aliasesOf(r.parent)) {
          const inherit = (type: string, name: string): string =>
            createUrn(
              name.startsWith(parentName) ? urnParts(parentAlias).name + name.slice(parentName.length) : name,
              type,
              parentAlias,
              project,
              stack,
            );
          out.add(inherit(r.type, r.name));
          for (const a of own) out.add(inherit(urnParts(a).type, urnParts(a).name));
        }
      }
      out.delete(stateUrnOf(urn));
    }
    const list = [...out];
    aliasMemo.set(urn, list);
    return list;
  };
  for (const r of resources) {
    r.stateUrn = stateUrnOf(r.urn);
    const aliases = aliasesOf(r.urn);
    if (aliases.length > 0) r.aliases = aliases;
  }
}

/**
 * A StackReference output the mocks do not have (`requireOutput`) fails with the SDK's message;
 * add how to mock it. Any other error is returned as it is.
 */
function explainFailure(err: unknown): unknown {
  if (err instanceof ProgramError) return err;
  const message = err instanceof Error ? err.message : "";
  const missing = /Required output '([^']+)' does not exist on stack '([^']+)'/.exec(message);
  if (!missing) return err;
  const [, key, ref] = missing;
  return new ProgramError(
    `${message} Add it to the mock outputs of that StackReference with --mocks <file> ` +
      `({"stackReferences": {"${ref}": {"${key}": ...}}}) or the stackReferences option of runPlan.`,
    err,
  );
}

function stackReferenceState(
  name: string,
  inputs: Record<string, unknown>,
  refs: Record<string, Record<string, unknown>>,
): { id: string; state: Record<string, unknown> } {
  const ref = typeof inputs["name"] === "string" ? inputs["name"] : name;
  const outputs = refs[ref];
  if (!outputs) {
    throw new Error(
      `StackReference "${ref}" has no mock outputs: provide them with --mocks <file> ` +
        `({"stackReferences": {"${ref}": {...}}}) or the stackReferences option of runPlan.`,
    );
  }
  return { id: ref, state: { name: ref, outputs, secretOutputNames: [] } };
}

/** Pulumi config keys without a namespace belong to the project; structured values are JSON. */
export function normaliseConfig(config: Record<string, unknown>, project: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    const full = key.includes(":") ? key : `${project}:${key}`;
    out[full] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

function stringConfig(config: Record<string, string>, key: string): string | undefined {
  return config[key];
}

/** Kubernetes Secret data is masked whether or not the program marked it secret; its keys stay visible. */
function maskResourceInputs(type: string, raw: Record<string, unknown>): Record<string, unknown> {
  const inputs = maskValue(raw) as Record<string, unknown>;
  if (type === "kubernetes:core/v1:Secret") {
    for (const field of ["data", "stringData"]) {
      // Unwrap every level of secret/output wrapping (provider state may nest them).
      let value = raw[field];
      for (let u = unwrapValue(value); u.value !== value; u = unwrapValue(value)) value = u.value;
      if (isRecord(value)) {
        inputs[field] = Object.fromEntries(Object.keys(value).map((k) => [k, SECRET_MASK]));
      }
    }
  }
  return inputs;
}

/** Dotted paths of the secret values in a raw (serialized) property map. */
function secretPaths(raw: Record<string, unknown>): string[] {
  const paths: string[] = [];
  const walk = (value: unknown, path: string): void => {
    const unwrapped = unwrapValue(value);
    if (unwrapped.secret) {
      paths.push(path);
      return;
    }
    const v = unwrapped.value;
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (isRecord(v)) for (const [k, item] of Object.entries(v)) walk(item, path ? `${path}.${k}` : k);
  };
  walk(raw, "");
  return paths;
}
