/**
 * `mlops-plan --stack <name> [--program <path>] [--out <file>] ...` (in this repository: `npm run plan -- ...`)
 *
 * Exit codes (a public contract):
 *   0  the program planned and no mandatory policy was violated
 *   1  the program failed (message and the program's source location)
 *   2  bad flags or bad stack configuration (every problem listed, no stack trace)
 *   3  the plan has at least one mandatory policy violation
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runPlan, type Plan } from "./engine";
import type { InvokeAnswers } from "./mocks";
import { findProject, programFromFile, readStackConfig, resolveEntry, UsageError } from "./program";
import { applyPolicyCheck, describePolicyEnvironment, listPolicies, type PolicyOptions } from "./policies";

export const EXIT_OK = 0;
export const EXIT_PROGRAM_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_MANDATORY_VIOLATIONS = 3;

/**
 * How the user invoked the CLI, for the usage line: `npm run <script> --` when an npm script runs
 * it (this repository's `npm run plan`, or a consumer's script calling `mlops-plan`), else the bin
 * name it was started by (`mlops-plan`; also for `node .../dist/bin/plan.js`).
 */
export function invokedAs(script: string | undefined, env: NodeJS.ProcessEnv): string {
  const event = env["npm_lifecycle_event"];
  const command = env["npm_lifecycle_script"] ?? "";
  if (event && /(^|[\s/])(mlops-plan|bin\/plan\.[jt]s)(\s|$)/.test(command)) return `npm run ${event} --`;
  const base = script ? path.basename(script).replace(/\.[cm]?[jt]s$/, "") : "";
  return base && base !== "plan" ? base : "mlops-plan";
}

export function usage(command = "mlops-plan"): string {
  return `Usage: ${command} --stack <name> [options]

Runs a Pulumi TypeScript program offline under Pulumi's mock runtime, records every resource it
registers, checks them with the policy pack, prints a summary and optionally writes JSON.

Options:
  -s, --stack <name>           stack whose config (Pulumi.<name>.yaml) to use (required)
  --program <path>             program entry file or directory (default: the main of
                               the Pulumi.yaml in the current directory or above)
  --stack-file <file>          stack config file (default: <stackConfigDir>/Pulumi.<stack>.yaml)
  --out <file>                 write the plan as JSON
  --mocks <file>               JSON with extra mock answers: {"invokes": {...}, "stackReferences": {...}}
  --policy-pack-config <file>  policy pack configuration JSON (as for pulumi preview; also
                               sets the levels --list-policies shows)
  --no-policies                do not run the policy pack
  --list-policies              print the policy pack's rules as JSON and exit
  -q, --quiet                  print only problems
  -h, --help                   show this help

Exit codes: 0 ok, 1 program error, 2 bad flags or config, 3 mandatory policy violations.`;
}

interface Flags {
  stack?: string;
  program?: string;
  stackFile?: string;
  out?: string;
  mocks?: string;
  policyPackConfig?: string;
  policies: boolean;
  listPolicies: boolean;
  quiet: boolean;
  help: boolean;
}

const VALUE_FLAGS: Record<string, keyof Flags> = {
  "--stack": "stack",
  "-s": "stack",
  "--program": "program",
  "--stack-file": "stackFile",
  "--out": "out",
  "--mocks": "mocks",
  "--policy-pack-config": "policyPackConfig",
};

export function parseFlags(argv: string[]): Flags {
  const flags: Flags = { policies: true, listPolicies: false, quiet: false, help: false };
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const [arg, inline] =
      raw.startsWith("--") && raw.includes("=") ? raw.split(/=(.*)/s, 2) : [raw, undefined];
    const key = arg === undefined ? undefined : VALUE_FLAGS[arg];
    if (key) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === "" || (inline === undefined && value.startsWith("-"))) {
        problems.push(`${arg}: needs a value`);
        if (inline === undefined && value?.startsWith("-")) i--;
        continue;
      }
      (flags as unknown as Record<string, unknown>)[key] = value;
    } else if (arg === "--no-policies") flags.policies = false;
    else if (arg === "--list-policies") flags.listPolicies = true;
    else if (arg === "--quiet" || arg === "-q") flags.quiet = true;
    else if (arg === "--help" || arg === "-h") flags.help = true;
    else problems.push(`${raw}: unknown flag (see --help)`);
  }
  if (!flags.help && !flags.listPolicies && !flags.stack && problems.length === 0) {
    problems.push("--stack: required (the stack whose Pulumi.<stack>.yaml to plan)");
  }
  if (flags.stack !== undefined && !/^[A-Za-z0-9_.-]+$/.test(flags.stack)) {
    problems.push(`--stack ${flags.stack}: stack names may contain only letters, digits, "-", "_" and "."`);
  }
  if (problems.length > 0) throw new UsageError("invalid flags", problems);
  return flags;
}

interface MockFile {
  invokes?: InvokeAnswers;
  stackReferences?: Record<string, Record<string, unknown>>;
}

function readJson(file: string, flag: string): unknown {
  if (!fs.existsSync(file)) throw new UsageError(`${flag} ${file}: file not found`);
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`${flag} ${file}: not valid JSON: ${(err as Error).message}`);
  }
}

function readMocks(file: string | undefined): MockFile {
  if (!file) return {};
  const doc = readJson(file, "--mocks");
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new UsageError(`--mocks ${file}: must be a JSON object with "invokes" and/or "stackReferences"`);
  }
  const unknown = Object.keys(doc).filter((k) => k !== "invokes" && k !== "stackReferences");
  if (unknown.length > 0) {
    throw new UsageError(
      `--mocks ${file}: unknown key(s) ${unknown.join(", ")}; allowed: invokes, stackReferences`,
    );
  }
  return doc;
}

/** A writable sink, so tests can capture what the CLI prints. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs the CLI and returns its exit code. `command` is how the usage line names it (see {@link invokedAs}). */
export async function main(
  argv: string[],
  io: Output = consoleOutput,
  command = "mlops-plan",
): Promise<number> {
  let flags: Flags;
  try {
    flags = parseFlags(argv);
  } catch (err) {
    return reportUsage(err, io);
  }
  if (flags.help) {
    io.out(usage(command));
    return EXIT_OK;
  }
  if (flags.listPolicies) {
    try {
      const packConfig = flags.policyPackConfig
        ? readJson(flags.policyPackConfig, "--policy-pack-config")
        : undefined;
      io.out(JSON.stringify(listPolicies(packConfig), null, 2));
    } catch (err) {
      if (err instanceof UsageError) return reportUsage(err, io);
      throw err;
    }
    return EXIT_OK;
  }

  let plan: Plan;
  let policyOptions: PolicyOptions;
  try {
    const entry = flags.program ? resolveEntry(path.resolve(flags.program)) : undefined;
    // Without --program: the Pulumi project in the current directory (or above it).
    const project = findProject(entry ?? process.cwd());
    if (!project && !entry) throw new UsageError("no Pulumi.yaml found; pass --program <path>");
    const programEntry = entry ?? project!.main;
    const projectInfo = project ?? {
      dir: path.dirname(programEntry),
      name: "project",
      main: programEntry,
      stackConfigDir: path.dirname(programEntry),
    };
    const stack = flags.stack!;
    const stackConfig = readStackConfig(projectInfo, stack, flags.stackFile);
    const mocks = readMocks(flags.mocks);
    policyOptions = {
      enabled: flags.policies,
      packConfig: flags.policyPackConfig
        ? readJson(flags.policyPackConfig, "--policy-pack-config")
        : undefined,
      stackConfig: stackConfig.config,
      projectName: projectInfo.name,
    };
    if (!flags.quiet) {
      io.out(
        `Planning stack ${stack} of project ${projectInfo.name} offline ` +
          `(program ${path.relative(process.cwd(), programEntry)}, config ${path.relative(process.cwd(), stackConfig.file)})`,
      );
    }
    plan = await runPlan({
      program: programFromFile(programEntry),
      project: projectInfo.name,
      stack,
      config: stackConfig.config,
      secretKeys: stackConfig.secretKeys,
      invokes: mocks.invokes,
      stackReferences: mocks.stackReferences,
    });
  } catch (err) {
    if (err instanceof UsageError || isConfigError(err)) return reportUsage(err, io);
    return reportProgramError(err, io);
  }

  let violationsExit = EXIT_OK;
  try {
    applyPolicyCheck(plan, policyOptions);
  } catch (err) {
    if (err instanceof UsageError) return reportUsage(err, io);
    throw err;
  }
  if (plan.policyViolations.some((v) => v.enforcementLevel === "mandatory")) {
    violationsExit = EXIT_MANDATORY_VIOLATIONS;
  }

  if (flags.out) {
    fs.mkdirSync(path.dirname(path.resolve(flags.out)), { recursive: true });
    fs.writeFileSync(flags.out, `${JSON.stringify(plan, null, 2)}\n`);
  }
  printSummary(plan, io, flags, policyOptions.projectName);
  return violationsExit;
}

interface ConfigErrorLike {
  name: string;
  message: string;
  problems: string[];
  source?: string;
}

/** `StackConfigError` (or any error named so, with a `problems` list) means bad stack config. */
function isConfigError(err: unknown): err is ConfigErrorLike {
  return (
    err instanceof Error &&
    err.name === "StackConfigError" &&
    Array.isArray((err as Partial<ConfigErrorLike>).problems)
  );
}

function reportUsage(err: unknown, io: Output): number {
  const e = err as { message: string; problems?: string[] };
  const problems = e.problems ?? [];
  // A config error's message already lists its problems: print its headline once, then each problem.
  io.err(`error: ${problems.length > 0 ? (e.message.split("\n")[0] ?? e.message) : e.message}`);
  for (const p of problems) io.err(`  ${p}`);
  return EXIT_USAGE;
}

function reportProgramError(err: unknown, io: Output): number {
  const e = err instanceof Error ? err : new Error(String(err));
  io.err(`error: the program failed: ${e.message}`);
  const location = sourceLocation(e);
  if (location) io.err(`  at ${location}`);
  return EXIT_PROGRAM_ERROR;
}

/** The first stack frame in the program's own code (not in node_modules, not in this engine). */
export function sourceLocation(err: Error): string | undefined {
  const frames = (err.stack ?? "").split("\n").slice(1);
  for (const frame of frames) {
    const match = /\(?((?:\/|[A-Za-z]:\\)[^()]+?):(\d+):(\d+)\)?\s*$/.exec(frame.trim());
    if (!match) continue;
    const file = match[1]!;
    if (file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    if (file.startsWith(__dirname + path.sep)) continue;
    if (file.startsWith("node:") || !fs.existsSync(file)) continue;
    return `${path.relative(process.cwd(), file)}:${match[2]}:${match[3]}`;
  }
  return undefined;
}

/** `<name> (<type>)`: two resources of one name (a Role and a Policy `x-irsa`) stay apart. */
function resourceLabel(plan: Plan, urn: string): string {
  const resource = plan.resources.find((r) => r.urn === urn);
  // urn:pulumi:<stack>::<project>::<parent types$type>::<name>
  const parts = urn.split("::");
  const type = resource?.type ?? parts[2]?.split("$").pop() ?? "";
  const name = resource?.name ?? (parts.length > 3 ? parts.slice(3).join("::") : urn);
  return `${name}${type ? ` (${type})` : ""}`;
}

function printSummary(plan: Plan, io: Output, flags: Flags, projectName: string): void {
  const mandatory = plan.policyViolations.filter((v) => v.enforcementLevel === "mandatory");
  const advisory = plan.policyViolations.filter((v) => v.enforcementLevel !== "mandatory");
  if (!flags.quiet) {
    const custom = plan.resources.filter((r) => r.custom).length;
    io.out(
      `${plan.resources.length} resources (${plan.resources.length - custom} components, ${custom} custom)`,
    );
    const components = plan.resources.filter((r) => !r.custom && r.type !== "pulumi:pulumi:Stack");
    if (components.length > 0) {
      io.out("By component:");
      for (const c of components) {
        const count = countDescendants(plan, c.urn);
        io.out(`  ${c.type.padEnd(40)} ${c.name.padEnd(32)} ${String(count).padStart(4)} resources`);
      }
    }
    const byType = new Map<string, number>();
    for (const r of plan.resources) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
    io.out("By type:");
    for (const [type, count] of [...byType].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
      io.out(`  ${String(count).padStart(4)}  ${type}`);
    }
    if (plan.warnings.length > 0) {
      io.out(`Warnings (${plan.warnings.length}):`);
      for (const w of plan.warnings) io.out(`  - ${w}`);
    }
    io.out(
      plan.policyEnvironment && plan.policyEnvironmentSource
        ? `Policy environment: ${describePolicyEnvironment(plan.policyEnvironment, plan.policyEnvironmentSource, projectName)}`
        : "Policy environment: none (--no-policies)",
    );
    const exemptions = plan.policyExemptions ?? [];
    if (exemptions.length > 0) {
      io.out(`Policy exemptions applied (${exemptions.length}):`);
      for (const e of exemptions) {
        const by = e.kind === "podSecurity" ? `pod security exemption '${e.exemption}'` : `'${e.exemption}'`;
        io.out(`  - [${e.policyName}] ${resourceLabel(plan, e.urn)}: exempted by ${by}: ${e.reason}`);
      }
    }
  }
  if (plan.policyViolations.length > 0) {
    io.out(`Policy violations: ${mandatory.length} mandatory, ${advisory.length} advisory`);
    const groups = new Map<string, typeof plan.policyViolations>();
    for (const v of plan.policyViolations) {
      const key = `${v.enforcementLevel} ${v.policyName}`;
      groups.set(key, [...(groups.get(key) ?? []), v]);
    }
    for (const [key, items] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      io.out(`  [${key}] (${items.length})`);
      // The engine prefixes each message with the rule's description: show the finding itself.
      for (const v of items) {
        const finding = v.message.trim().split("\n").pop() ?? v.message;
        io.out(`    - ${v.urn ? `${resourceLabel(plan, v.urn)}: ` : ""}${finding}`);
      }
    }
  } else if (!flags.quiet) {
    io.out("Policy violations: none");
  }
  if (flags.out && !flags.quiet) io.out(`Wrote ${flags.out}`);
}

function countDescendants(plan: Plan, urn: string): number {
  let count = 0;
  for (const r of plan.resources) {
    if (r.parent === urn) count += 1 + countDescendants(plan, r.urn);
  }
  return count;
}
