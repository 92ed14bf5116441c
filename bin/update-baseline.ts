/**
 * Rewrites test/fixtures/baseline/<stack>.json (the resources and physical names each shipped stack
 * deploys; test/stacks.test.ts checks every plan against them) from the stacks' current plans.
 *
 *   npm run baseline                    every shipped stack
 *   npm run baseline -- aws-prod        only the stacks named
 *   npm run baseline -- --check         exit 1 (changing nothing) when a baseline is out of date
 *
 * Run it only for an intended change (a resource added or removed on purpose, a fix that renames
 * one) and review the diff: a refactor that moves resources gives them `aliases` and needs no new
 * baseline (a stack whose only differences are resources aliasing their baseline URNs matches, and
 * its file is left as it is). An update keeps the deployed URN of every resource that moved and
 * aliases it (`updatedBaseline`): only what is created or deleted changes in the file.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main as plan } from "../plan/cli";
import type { Plan } from "../plan/types";
import {
  BASELINE_DIR,
  baselineFile,
  baselineOf,
  compareWithBaseline,
  describeBaselineDiff,
  readBaseline,
  renderBaseline,
  updatedBaseline,
  SHIPPED_STACKS,
} from "../test/baseline";

async function main(args: string[]): Promise<number> {
  const check = args.includes("--check");
  const named = args.filter((a) => !a.startsWith("-"));
  const unknown = named.filter((s) => !(SHIPPED_STACKS as readonly string[]).includes(s));
  if (unknown.length > 0) {
    process.stderr.write(`not a shipped stack: ${unknown.join(", ")} (have: ${SHIPPED_STACKS.join(", ")})\n`);
    return 2;
  }
  const stacks = named.length > 0 ? named : [...SHIPPED_STACKS];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-baseline-"));
  let code = 0;
  try {
    for (const stack of stacks) {
      const out = path.join(tmp, `${stack}.json`);
      const err: string[] = [];
      const exit = await plan(["--stack", stack, "--out", out, "--quiet", "--no-policies"], {
        out: () => undefined,
        err: (l) => err.push(l),
      });
      if (exit !== 0) {
        process.stderr.write(`${stack}: the plan failed (exit ${exit}):\n${err.join("\n")}\n`);
        return 1;
      }
      const planned = JSON.parse(fs.readFileSync(out, "utf8")) as Plan;
      const file = baselineFile(stack);
      // An existing baseline keeps the deployed URNs of resources that moved (they alias them).
      const baseline = fs.existsSync(file)
        ? updatedBaseline(readBaseline(stack), planned)
        : baselineOf(planned);
      const next = await renderBaseline(baseline);
      const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
      if (next === current) continue;
      const name = path.relative(process.cwd(), file);
      // Resources that moved (a new parent, a renamed component) and alias their deployed URN are
      // unchanged for the engine: the baseline keeps recording what is deployed, in both modes.
      const moved = current === undefined ? undefined : movedThroughAliases(stack, planned);
      if (moved !== undefined) {
        process.stdout.write(
          `${name}: matches (${moved} resource(s) moved, each aliasing its deployed URN)\n`,
        );
        continue;
      }
      if (check) {
        // Here the engine would create, delete or rename something (aliased moves matched above).
        const diff = current === undefined ? "" : describeDiff(stack, planned);
        process.stderr.write(`${name} is out of date: run \`npm run baseline\`\n${diff}`);
        code = 1;
      } else {
        fs.mkdirSync(BASELINE_DIR, { recursive: true });
        fs.writeFileSync(file, next);
        process.stdout.write(`${name} updated\n`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return code;
}

/**
 * How many resources of `plan` have a URN the baseline lacks but alias one of its URNs, when that
 * is the only difference (undefined when anything else differs).
 */
function movedThroughAliases(stack: string, plan: Plan): number | undefined {
  const baseline = readBaseline(stack);
  const diff = compareWithBaseline(baseline, plan);
  if (Object.values(diff).some((items: string[]) => items.length > 0)) return undefined;
  const deployed = new Set(baseline.urns);
  return plan.resources.filter((r) => r.custom && !r.external && !deployed.has(r.stateUrn ?? r.urn)).length;
}

function describeDiff(stack: string, plan: Plan): string {
  const text = describeBaselineDiff(stack, compareWithBaseline(readBaseline(stack), plan));
  return text ? `${text}\n` : "";
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
