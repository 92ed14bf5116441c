/**
 * The shipped stacks, each planned once per test run through the CLI users run
 * (`mlops-plan --stack <s> --out <file> --quiet` from the repository root).
 *
 * Several test files assert on the same five plans. The first file that asks for a stack plans it
 * and stores the run (exit code, what the CLI printed, the plan file it wrote) in the run's cache
 * directory (`test/global-setup.ts` creates it under `.tmp/` and removes it after the run); any
 * other file, in this worker or another, reads it from there. Each call returns a fresh copy, so
 * a test may change what it gets. The cache lives for one `vitest run` only: a source change is
 * always planned anew.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inject } from "vitest";
import { main } from "../plan/cli";
import type { Plan } from "../plan/types";
import { SHIPPED_STACKS } from "./baseline";

export type ShippedStack = (typeof SHIPPED_STACKS)[number];

/** One run of `mlops-plan --stack <stack> --out <file> --quiet`. */
export interface StackRun {
  /** Exit code. */
  code: number;
  /** What it printed on stdout, lines joined with "\n". */
  out: string;
  /** What it printed on stderr, lines joined with "\n". */
  err: string;
  /** The plan file it wrote (undefined when it wrote none). */
  plan: Plan | undefined;
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's cache directory for shipped-stack plans (see test/global-setup.ts). */
    planCacheDir: string;
  }
}

/** How long to wait for another worker that is planning the same stack before planning it here. */
const WAIT_FOR_OTHER_WORKER_MS = 180_000;

let fallbackDir: string | undefined;

function cacheDir(): string {
  let dir: string | undefined;
  try {
    dir = inject("planCacheDir");
  } catch {
    dir = undefined;
  }
  // Without the global setup (another runner), a cache for this process only.
  dir ??= fallbackDir ??= fs.mkdtempSync(path.join(os.tmpdir(), "mlops-plan-cache-"));
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs the CLI in-process on the repository's stacks (it finds Pulumi.yaml from the working directory). */
async function planNow(stack: ShippedStack, dir: string): Promise<StackRun> {
  const file = path.join(dir, `${stack}.${process.pid}.plan.json`);
  const out: string[] = [];
  const err: string[] = [];
  const root = path.join(__dirname, "..");
  const before = process.cwd();
  process.chdir(root);
  try {
    const code = await main(["--stack", stack, "--out", file, "--quiet"], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    const plan = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Plan) : undefined;
    return { code, out: out.join("\n"), err: err.join("\n"), plan };
  } finally {
    process.chdir(before);
    fs.rmSync(file, { force: true });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** This process's runs, as the JSON the cache holds (parsed anew for each caller). */
const local = new Map<string, Promise<string>>();

function resultFile(dir: string, stack: string): string {
  return path.join(dir, `${stack}.json`);
}

/** Plans `stack` here and stores the run for the other workers; the lock is taken. */
function planAndStore(stack: ShippedStack, dir: string): Promise<string> {
  const result = (async () => {
    const lock = `${resultFile(dir, stack)}.lock`;
    try {
      const json = JSON.stringify(await planNow(stack, dir));
      const tmp = `${resultFile(dir, stack)}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, json);
      fs.renameSync(tmp, resultFile(dir, stack));
      return json;
    } catch (err) {
      fs.rmSync(lock, { force: true });
      throw err;
    }
  })();
  local.set(stack, result);
  return result;
}

/** Takes the lock on planning `stack` (false: another worker has it). */
function tryLock(dir: string, stack: string): boolean {
  try {
    fs.writeFileSync(`${resultFile(dir, stack)}.lock`, String(process.pid), { flag: "wx" });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/** The run's JSON of `stack` once another worker has stored it (or planned here after a timeout). */
async function awaitOther(stack: ShippedStack, dir: string): Promise<string> {
  const file = resultFile(dir, stack);
  const deadline = Date.now() + WAIT_FOR_OTHER_WORKER_MS;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) return local.get(stack) ?? planAndStore(stack, dir);
    await sleep(100);
  }
  return fs.readFileSync(file, "utf8");
}

/**
 * The CLI run of each of `stacks` (default: every shipped stack), planned at most once per test
 * run. Stacks nobody planned yet are planned here first; those another worker is planning are
 * awaited last, so the two workers never wait while there is a plan left to make.
 */
export async function shippedStackRuns(
  stacks: readonly ShippedStack[] = SHIPPED_STACKS,
): Promise<Map<ShippedStack, StackRun>> {
  const dir = cacheDir();
  const json = new Map<ShippedStack, string>();
  const elsewhere: ShippedStack[] = [];
  for (const stack of stacks) {
    const mine = local.get(stack);
    if (mine) json.set(stack, await mine);
    else if (fs.existsSync(resultFile(dir, stack)))
      json.set(stack, fs.readFileSync(resultFile(dir, stack), "utf8"));
    else if (tryLock(dir, stack)) json.set(stack, await planAndStore(stack, dir));
    else elsewhere.push(stack);
  }
  for (const stack of elsewhere) json.set(stack, await awaitOther(stack, dir));
  return new Map(stacks.map((s) => [s, JSON.parse(json.get(s)!) as StackRun]));
}

/** The CLI run of one shipped stack (see {@link shippedStackRuns}). */
export async function shippedStackRun(stack: ShippedStack): Promise<StackRun> {
  return (await shippedStackRuns([stack])).get(stack)!;
}

/** The plan of a shipped stack that must plan with exit 0 (fails with the CLI's errors otherwise). */
export async function shippedStackPlan(stack: ShippedStack): Promise<Plan> {
  const run = await shippedStackRun(stack);
  if (run.code !== 0 || !run.plan) throw new Error(`${stack}: mlops-plan exited ${run.code}:\n${run.err}`);
  return run.plan;
}
