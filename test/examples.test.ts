/**
 * The examples are part of the product: the GitHub Actions workflow runs both policy checks the
 * README promises, with commands that exist in this repository.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

interface Step {
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  jobs: Record<string, { steps: Step[]; strategy?: { matrix: Record<string, unknown> } }>;
}

const root = path.join(__dirname, "..");
const workflow = parse(
  fs.readFileSync(path.join(root, "examples", "github-actions", "mlops-checks.yml"), "utf8"),
) as Workflow;
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
};

describe("examples/github-actions/mlops-checks.yml", () => {
  it("runs the offline plan of every shipped cloud stack with an npm script that exists", () => {
    const job = workflow.jobs["offline-plan"]!;
    expect(job.steps.map((s) => s.run).filter(Boolean)).toEqual(
      expect.arrayContaining([
        "npm ci",
        "npm run plan -- --stack ${{ matrix.stack }} --out plan-${{ matrix.stack }}.json",
      ]),
    );
    expect(pkg.scripts["plan"]).toBeDefined();
    for (const stack of job.strategy!.matrix["stack"] as string[]) {
      expect(fs.existsSync(path.join(root, "stacks", `Pulumi.${stack}.yaml`)), stack).toBe(true);
    }
  });

  it("runs pulumi preview with the policy pack through pulumi/actions", () => {
    const step = workflow.jobs["preview"]!.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    expect(step.with).toMatchObject({ command: "preview", policyPacks: "policies" });
    expect(step.env).toHaveProperty("MLOPS_ENVIRONMENT");
    expect(fs.existsSync(path.join(root, "policies", "PulumiPolicy.yaml"))).toBe(true);
  });
});
