/**
 * Planning a user's program (a README snippet, an example folder) against this repository's
 * sources: while a plan runs, `pulumi-mlops` and `pulumi-mlops/plan` resolve to `components/` and
 * `plan/` here, as they resolve to the installed package in a user's project (package.json
 * `exports`). test/package.test.ts plans the examples against the packed tarball instead.
 */
import * as fs from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import { main } from "../plan/cli";
import type { Plan } from "../plan/types";

const root = path.join(__dirname, "..");

/** The package's export map, pointed at the sources. */
const EXPORTS: Record<string, string> = {
  "pulumi-mlops": path.join(root, "components", "index.ts"),
  "pulumi-mlops/plan": path.join(root, "plan", "index.ts"),
};

interface ModuleInternals {
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
}

/** Runs `fn` with `require("pulumi-mlops[/plan]")` resolving to this repository's sources. */
export async function withPackageFromSource<T>(fn: () => Promise<T>): Promise<T> {
  const internals = Module as unknown as ModuleInternals;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- restored as it was
  const restore = internals._resolveFilename;
  const original = restore.bind(Module);
  internals._resolveFilename = (request, parent, isMain, options) =>
    original(EXPORTS[request] ?? request, parent, isMain, options);
  try {
    return await fn();
  } finally {
    internals._resolveFilename = restore;
  }
}

export interface CliRun {
  code: number;
  out: string;
  err: string;
  plan: Plan | undefined;
}

/**
 * Runs `mlops-plan <args> --out <tmp> --quiet` in-process from `cwd` (a Pulumi project folder),
 * with the package resolved to the sources, and returns the exit code, what it printed and the plan.
 */
export async function planFromFolder(cwd: string, args: string[]): Promise<CliRun> {
  fs.mkdirSync(path.join(root, ".tmp"), { recursive: true });
  const outFile = path.join(fs.mkdtempSync(path.join(root, ".tmp", "plan-")), "plan.json");
  const out: string[] = [];
  const err: string[] = [];
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const code = await withPackageFromSource(() =>
      main([...args, "--out", outFile, "--quiet"], { out: (l) => out.push(l), err: (l) => err.push(l) }),
    );
    const plan = fs.existsSync(outFile) ? (JSON.parse(fs.readFileSync(outFile, "utf8")) as Plan) : undefined;
    return { code, out: out.join("\n"), err: err.join("\n"), plan };
  } finally {
    process.chdir(before);
  }
}
