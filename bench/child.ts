/**
 * One measurement of `npm run bench`, in its own process (started by bin/bench.ts, which reads the
 * JSON this writes to `--result <file>`). CPU time is `process.cpuUsage()` (user + system, all
 * threads of this process), memory the process's peak RSS (`process.resourceUsage().maxRSS`).
 *
 *   plan <count>   the synthetic program through the offline plan (engine, then the policy pack)
 *   bare <count>   the same program under Pulumi's bare mock runtime (setMocks, no policies)
 *   stack <name>   a cold `npm run plan -- --stack <name> -q` (the CLI, from process start)
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** What a child reports. Times are CPU milliseconds. */
export interface ChildResult {
  mode: "plan" | "bare" | "stack";
  /** Resources the run registered (components and the stack included). */
  resources?: number;
  /** CPU of a run of the program with no resources (the fixed cost), median of three. */
  emptyMs?: number;
  /** CPU of a run with `count` resources (median of the repetitions). */
  runMs?: number;
  /** Of `runMs`: the engine (registration under mocks). */
  engineMs?: number;
  /** Of `runMs`: the policy pack over the plan. */
  policyMs?: number;
  /** CPU of the whole process so far (for `stack`: the cold plan, loading included). */
  processMs: number;
  /** Peak RSS of the process, bytes. */
  peakRssBytes: number;
  /** The CLI's exit code (`stack`). */
  exitCode?: number;
}

function cpuMs(since?: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Timed<T> {
  ms: number;
  value: T;
}

async function timed<T>(f: () => Promise<T>): Promise<Timed<T>> {
  const start = process.cpuUsage();
  const value = await f();
  return { ms: cpuMs(start), value };
}

/** Repetitions per size: small runs are noisy, a 5,000-resource run is long enough once. */
function repetitions(count: number): number {
  return count >= 5000 ? 1 : count >= 1000 ? 2 : 3;
}

async function planMode(count: number): Promise<ChildResult> {
  const { runPlan } = await import("../plan/engine.js");
  const { applyPolicyCheck } = await import("../plan/policies.js");
  const { syntheticProgram } = await import("./program.js");
  const once = async (n: number): Promise<{ engine: number; policy: number; resources: number }> => {
    const engine = await timed(() =>
      runPlan({ program: syntheticProgram(n), project: "bench", stack: "dev" }),
    );
    const start = process.cpuUsage();
    applyPolicyCheck(engine.value, {
      enabled: true,
      stackConfig: { "bench:environment": "dev" },
      projectName: "bench",
    });
    return { engine: engine.ms, policy: cpuMs(start), resources: engine.value.resources.length };
  };
  await once(50); // warm-up: lazily loaded SDK modules, JIT
  const empty = median([await once(0), await once(0), await once(0)].map((r) => r.engine + r.policy));
  const runs: { engine: number; policy: number; resources: number }[] = [];
  for (let i = 0; i < repetitions(count); i++) runs.push(await once(count));
  const mid = [...runs].sort((a, b) => a.engine + a.policy - (b.engine + b.policy))[
    Math.floor(runs.length / 2)
  ]!;
  return {
    mode: "plan",
    resources: mid.resources,
    emptyMs: empty,
    runMs: mid.engine + mid.policy,
    engineMs: mid.engine,
    policyMs: mid.policy,
    processMs: cpuMs(),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

async function bareMode(count: number): Promise<ChildResult> {
  const pulumi = await import("@pulumi/pulumi");
  const { syntheticProgram } = await import("./program.js");
  const once = async (n: number): Promise<number> => {
    let registered = 0;
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered++;
          return { id: `${args.name}-id`, state: args.inputs as Record<string, unknown> };
        },
        call: () => ({}),
      },
      "bench",
      "dev",
      false,
    );
    await pulumi.runtime.runInPulumiStack(() => Promise.resolve(syntheticProgram(n)()));
    await pulumi.runtime.disconnect();
    return registered;
  };
  await once(50);
  const empty = median(
    [await timed(() => once(0)), await timed(() => once(0)), await timed(() => once(0))].map((t) => t.ms),
  );
  const runs: Timed<number>[] = [];
  for (let i = 0; i < repetitions(count); i++) runs.push(await timed(() => once(count)));
  const mid = [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]!;
  return {
    mode: "bare",
    resources: mid.value,
    emptyMs: empty,
    runMs: mid.ms,
    processMs: cpuMs(),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

async function stackMode(stack: string): Promise<ChildResult> {
  const { main } = await import("../plan/cli.js");
  const quiet = { out: () => undefined, err: (line: string) => process.stderr.write(`${line}\n`) };
  const exitCode = await main(["--stack", stack, "-q"], quiet);
  return {
    mode: "stack",
    exitCode,
    processMs: cpuMs(),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

async function run(argv: string[]): Promise<void> {
  const [mode, arg, flag, file] = argv;
  if (flag !== "--result" || !file || !arg)
    throw new Error("usage: child.ts <plan|bare|stack> <arg> --result <file>");
  const result =
    mode === "plan"
      ? await planMode(Number(arg))
      : mode === "bare"
        ? await bareMode(Number(arg))
        : mode === "stack"
          ? await stackMode(arg)
          : undefined;
  if (!result) throw new Error(`unknown mode ${mode}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(result));
}

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
