#!/usr/bin/env node
/**
 * `npm run bench [-- --out <file>] [--sizes 100,1000,5000] [--no-stacks] [--no-typecheck] [--suite]`
 *
 * Measures, from one run, in child processes of this one (bench/child.ts): the offline plan's CPU
 * cost per extra resource of a synthetic program next to Pulumi's bare mock runtime running the
 * same program (the ratio is the figure: the machine may be shared, so absolute times drift), the
 * policy pack over the largest plan, a cold plan of each shipped stack (CPU and peak RSS), and the
 * type-check; with `--suite`, `npm test` too (wall and CPU time, and the wall time that CPU needs
 * at least on this machine's cores). Prints a table and writes JSON (default `.tmp/bench/<commit>.json`) to compare commits.
 * See docs/benchmarks.md. Exit code 0 whether or not a target is met (it is a measurement).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ChildResult } from "../bench/child";

const ROOT = path.resolve(__dirname, "..");
const STACKS = ["local", "aws-dev", "aws-prod", "gcp-dev", "gcp-prod"] as const;

/** The targets of issue 13 (docs/benchmarks.md). */
const TARGETS = {
  /** Plan CPU per extra resource over the bare mock runtime's, at the largest size. */
  ratio: 1.3,
  /** Peak RSS of the largest plan (1 GiB). */
  peakRssBytes: 1024 ** 3,
  /** The policy pack over the largest plan, CPU ms. */
  policyMs: 500,
  /** Cold plan of the largest shipped stack, CPU ms. */
  stackMs: 3000,
  /** `npm test`, wall ms (on 2 cores). */
  suiteWallMs: 60_000,
};

interface Flags {
  out?: string;
  sizes: number[];
  stacks: boolean;
  typecheck: boolean;
  suite: boolean;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { sizes: [100, 1000, 5000], stacks: true, typecheck: true, suite: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--out") flags.out = argv[++i];
    else if (arg === "--sizes") flags.sizes = (argv[++i] ?? "").split(",").map(Number);
    else if (arg === "--no-stacks") flags.stacks = false;
    else if (arg === "--no-typecheck") flags.typecheck = false;
    else if (arg === "--suite") flags.suite = true;
    else
      throw new Error(
        `${arg}: unknown flag (--out <file>, --sizes <n,n>, --no-stacks, --no-typecheck, --suite)`,
      );
  }
  if (flags.out === "" || flags.sizes.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new Error("--out needs a file; --sizes needs positive integers");
  }
  return flags;
}

/** Runs bench/child.ts in a new Node process (under tsx, as `npm run plan` runs) and returns its result. */
function child(args: string[]): ChildResult {
  const result = path.join(os.tmpdir(), `mlops-bench-${process.pid}-${Date.now()}.json`);
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(ROOT, "bench", "child.ts"), ...args, "--result", result],
    { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "ignore", "pipe"], maxBuffer: 64 * 1024 * 1024 },
  );
  if (run.status !== 0 || !fs.existsSync(result)) {
    throw new Error(`bench child ${args.join(" ")} failed (exit ${run.status}):\n${run.stderr}`);
  }
  const parsed = JSON.parse(fs.readFileSync(result, "utf8")) as ChildResult;
  fs.rmSync(result, { force: true });
  return parsed;
}

interface Measured {
  /** CPU ms of the run with `count` resources, and of an empty run. */
  runMs: number;
  emptyMs: number;
  /** (run − empty) / count. */
  perResourceMs: number;
  peakRssBytes: number;
  engineMs?: number;
  policyMs?: number;
  resources: number;
}

function measured(r: ChildResult, count: number): Measured {
  const runMs = r.runMs ?? 0;
  const emptyMs = r.emptyMs ?? 0;
  return {
    runMs: round(runMs),
    emptyMs: round(emptyMs),
    perResourceMs: round((runMs - emptyMs) / count, 3),
    peakRssBytes: r.peakRssBytes,
    ...(r.engineMs !== undefined ? { engineMs: round(r.engineMs) } : {}),
    ...(r.policyMs !== undefined ? { policyMs: round(r.policyMs) } : {}),
    resources: r.resources ?? 0,
  };
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

interface TypecheckResult {
  command: string;
  cpuMs?: number;
  peakRssBytes?: number;
  exitCode: number | null;
}

/** `npm run typecheck`'s command, timed by /usr/bin/time when present (CPU of the process tree). */
function typecheck(): TypecheckResult {
  const script = (
    JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts["typecheck"]!;
  const [cmd, ...args] = script.split(/\s+/);
  const time = "/usr/bin/time";
  if (fs.existsSync(time)) {
    const run = spawnSync(time, ["-f", "BENCH %U %S %M", cmd!, ...args], { cwd: ROOT, encoding: "utf8" });
    const m = /BENCH ([\d.]+) ([\d.]+) (\d+)/.exec(run.stderr);
    return {
      command: script,
      exitCode: run.status,
      ...(m
        ? { cpuMs: round((Number(m[1]) + Number(m[2])) * 1000, 0), peakRssBytes: Number(m[3]) * 1024 }
        : {}),
    };
  }
  // Without /usr/bin/time: CPU of reaped children from /proc (Linux), no memory figure.
  const before = childrenCpuMs();
  const run = spawnSync(cmd!, args, { cwd: ROOT, encoding: "utf8" });
  const after = childrenCpuMs();
  return {
    command: script,
    exitCode: run.status,
    ...(before !== undefined && after !== undefined ? { cpuMs: after - before } : {}),
  };
}

interface SuiteResult {
  command: string;
  exitCode: number | null;
  wallMs: number;
  /** CPU of the process tree (user + system), when /usr/bin/time is there. */
  cpuMs?: number;
  /** The least wall time that much CPU needs on this machine's cores (`cpuMs / cores`). */
  cpuFloorWallMs?: number;
  cores: number;
  tests?: number;
  files?: number;
}

/** `npm test` (the README's test command), timed by /usr/bin/time when present. */
function testSuite(): SuiteResult {
  const cores = os.availableParallelism();
  const time = "/usr/bin/time";
  const withTime = fs.existsSync(time);
  const start = performance.now();
  const run = spawnSync(withTime ? time : "npm", withTime ? ["-f", "BENCH %U %S", "npm", "test"] : ["test"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    maxBuffer: 256 * 1024 * 1024,
  });
  const wallMs = round(performance.now() - start, 0);
  const output = `${run.stdout}\n${run.stderr}`;
  const count = (label: string): number | undefined => {
    const m = new RegExp(`${label}\\s+(?:\\d+ failed \\| )?(\\d+) passed`).exec(output);
    return m ? Number(m[1]) : undefined;
  };
  const m = /BENCH ([\d.]+) ([\d.]+)/.exec(run.stderr);
  const cpuMs = m ? round((Number(m[1]) + Number(m[2])) * 1000, 0) : undefined;
  const tests = count("Tests");
  const files = count("Test Files");
  return {
    command: "npm test",
    exitCode: run.status,
    wallMs,
    ...(cpuMs !== undefined ? { cpuMs, cpuFloorWallMs: round(cpuMs / cores, 0) } : {}),
    cores,
    ...(tests !== undefined ? { tests } : {}),
    ...(files !== undefined ? { files } : {}),
  };
}

function childrenCpuMs(): number | undefined {
  try {
    const fields = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
    // cutime and cstime are fields 16 and 17 (1-based, counting pid and comm): clock ticks (100/s).
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

function commit(): string {
  try {
    const sha = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], {
      cwd: ROOT,
      encoding: "utf8",
    }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd: ROOT,
      encoding: "utf8",
    }).trim();
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return "unknown";
  }
}

const mb = (bytes: number | undefined): string =>
  bytes === undefined ? "?" : `${Math.round(bytes / 1024 ** 2)} MiB`;

function main(argv: string[]): void {
  const flags = parseFlags(argv);
  const sha = commit();
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  log(
    `pulumi-mlops bench at ${sha}: node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(2)}`,
  );

  const plan = flags.sizes.map((count) => {
    // Back to back, so both see the same load on the machine.
    const bare = measured(child(["bare", String(count)]), count);
    const ours = measured(child(["plan", String(count)]), count);
    const ratio = round(ours.perResourceMs / bare.perResourceMs, 2);
    log(
      `plan ${String(count).padStart(5)} resources: ${ours.perResourceMs} ms/resource ` +
        `(engine ${ours.engineMs} + policies ${ours.policyMs} ms) vs bare mocks ${bare.perResourceMs} ms/resource: ` +
        `${ratio}x; peak RSS ${mb(ours.peakRssBytes)} (bare ${mb(bare.peakRssBytes)})`,
    );
    return { count, ours, bare, ratio };
  });
  const largest = plan[plan.length - 1]!;
  log(`policy pack over ${largest.ours.resources} resources: ${largest.ours.policyMs} ms CPU`);

  const stacks = flags.stacks
    ? STACKS.map((stack) => {
        const r = child(["stack", stack]);
        const entry = {
          stack,
          cpuMs: round(r.processMs, 0),
          peakRssBytes: r.peakRssBytes,
          exitCode: r.exitCode ?? null,
        };
        log(
          `cold plan ${stack.padEnd(8)}: ${entry.cpuMs} ms CPU, peak RSS ${mb(entry.peakRssBytes)}, exit ${entry.exitCode}`,
        );
        return entry;
      })
    : [];

  const tc = flags.typecheck ? typecheck() : undefined;
  if (tc)
    log(
      `type-check (${tc.command}): ${tc.cpuMs ?? "?"} ms CPU, peak RSS ${mb(tc.peakRssBytes)}, exit ${tc.exitCode}`,
    );

  const suite = flags.suite ? testSuite() : undefined;
  if (suite)
    log(
      `test suite (${suite.command}): ${suite.tests ?? "?"} tests in ${suite.files ?? "?"} files, ` +
        `${round(suite.wallMs / 1000)} s wall, ${suite.cpuMs === undefined ? "?" : round(suite.cpuMs / 1000)} s CPU ` +
        `(at least ${suite.cpuFloorWallMs === undefined ? "?" : round(suite.cpuFloorWallMs / 1000)} s wall on ${suite.cores} cores), exit ${suite.exitCode}`,
    );

  const slowestStack = stacks.reduce<(typeof stacks)[number] | undefined>(
    (a, b) => (a === undefined || b.cpuMs > a.cpuMs ? b : a),
    undefined,
  );
  const targets = [
    {
      name: `plan cost per extra resource / bare mocks (${largest.count})`,
      target: `<= ${TARGETS.ratio}`,
      value: largest.ratio,
      met: largest.ratio <= TARGETS.ratio,
    },
    {
      name: `peak RSS of the ${largest.count}-resource plan`,
      target: "< 1 GiB",
      value: mb(largest.ours.peakRssBytes),
      met: largest.ours.peakRssBytes < TARGETS.peakRssBytes,
    },
    {
      name: `policy pack over ${largest.ours.resources} resources`,
      target: `<= ${TARGETS.policyMs} ms`,
      value: largest.ours.policyMs ?? 0,
      met: (largest.ours.policyMs ?? Infinity) <= TARGETS.policyMs,
    },
    ...(slowestStack
      ? [
          {
            name: `cold plan of the slowest stack (${slowestStack.stack})`,
            target: `<= ${TARGETS.stackMs} ms`,
            value: slowestStack.cpuMs,
            met: slowestStack.cpuMs <= TARGETS.stackMs,
          },
        ]
      : []),
    ...(suite
      ? [
          {
            name: `npm test on ${suite.cores} cores (its CPU needs at least ${suite.cpuFloorWallMs === undefined ? "?" : round(suite.cpuFloorWallMs / 1000)} s wall)`,
            target: `<= ${TARGETS.suiteWallMs / 1000} s wall`,
            value: `${round(suite.wallMs / 1000)} s`,
            met: suite.exitCode === 0 && suite.wallMs <= TARGETS.suiteWallMs,
          },
        ]
      : []),
  ];
  log("targets:");
  for (const t of targets)
    log(`  ${t.met ? "met    " : "NOT met"} ${t.name}: ${t.value} (target ${t.target})`);

  const report = {
    benchFormatVersion: 1,
    commit: sha,
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    loadAverage: os.loadavg().map((l) => round(l, 2)),
    plan,
    policyPack: { resources: largest.ours.resources, cpuMs: largest.ours.policyMs },
    stacks,
    ...(tc ? { typecheck: tc } : {}),
    ...(suite ? { testSuite: suite } : {}),
    targets,
  };
  const out = flags.out ?? path.join(ROOT, ".tmp", "bench", `${sha}.json`);
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${path.relative(process.cwd(), path.resolve(out))}`);
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
