/**
 * The published package: `npm pack` produces a tarball that another Pulumi program installs and
 * imports by name (examples/model-registry), and whose `mlops-plan` bin plans that program.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../plan/types";

const root = path.join(__dirname, "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-pack-"));
const project = path.join(work, "user-projects");
/** The example programs (folders of examples/ with a Pulumi.yaml). */
const examples = fs
  .readdirSync(path.join(root, "examples"))
  .filter((name) => fs.existsSync(path.join(root, "examples", name, "Pulumi.yaml")));
let tarball = "";
let files: string[] = [];

function npm(args: string[], cwd: string): string {
  return execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

beforeAll(() => {
  npm(["run", "-s", "build"], root);
  const packed = JSON.parse(
    npm(["pack", "--json", "--ignore-scripts", "--pack-destination", work], root),
  ) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarball = path.join(work, packed[0]!.filename);
  files = packed[0]!.files.map((f) => f.path);

  // Users' projects: every example program, each in its own folder, with the dependencies of its
  // package.json (the tarball for pulumi-mlops, the repo's pinned versions for the rest) installed
  // once in the folder above them, where Node's resolution finds them.
  fs.mkdirSync(project);
  const rootPkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
    dependencies: Record<string, string>;
  };
  const dependencies: Record<string, string> = {};
  for (const name of examples) {
    fs.cpSync(path.join(root, "examples", name), path.join(project, name), {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}node_modules`),
    });
    const example = JSON.parse(
      fs.readFileSync(path.join(root, "examples", name, "package.json"), "utf8"),
    ) as {
      dependencies: Record<string, string>;
    };
    for (const dep of Object.keys(example.dependencies)) {
      dependencies[dep] =
        dep === "pulumi-mlops"
          ? `file:${tarball}`
          : (rootPkg.devDependencies[dep] ?? rootPkg.dependencies[dep])!;
    }
  }
  fs.writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ name: "user-projects", private: true, dependencies }, null, 2),
  );
  npm(
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
    project,
  );
}, 300_000);

describe("npm pack", () => {
  it("ships the compiled library with declarations, and no tests or sources", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "CHANGELOG.md",
        "docs/policies.md",
        "dist/components/index.js",
        "dist/components/index.d.ts",
        "dist/plan/index.js",
        "dist/bin/plan.js",
      ]),
    );
    expect(
      files.filter((f) => f.startsWith("test/") || f.endsWith(".test.js") || /^components\/.*\.ts$/.test(f)),
    ).toEqual([]);
  });

  it("is importable by name from another program", () => {
    const out = execFileSync(
      process.execPath,
      [
        "-e",
        'const m = require("pulumi-mlops"); console.log(typeof m.ModelRegistry, m.Target.aws, typeof require("pulumi-mlops/plan").runPlan)',
      ],
      { cwd: project, encoding: "utf8" },
    );
    expect(out.trim()).toBe("function aws function");
  });

  function planExample(name: string): { status: number | null; stderr: string; plan: Plan } {
    const bin = path.join(project, "node_modules", ".bin", "mlops-plan");
    const result = spawnSync(bin, ["--program", ".", "--stack", "dev", "--out", "plan.json", "--quiet"], {
      cwd: path.join(project, name),
      encoding: "utf8",
    });
    const planFile = path.join(project, name, "plan.json");
    const plan = fs.existsSync(planFile)
      ? (JSON.parse(fs.readFileSync(planFile, "utf8")) as Plan)
      : undefined;
    return { status: result.status, stderr: result.stderr, plan: plan! };
  }

  it("its mlops-plan bin plans the user's program, which uses the ModelRegistry by name", () => {
    const { status, stderr, plan } = planExample("model-registry");
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(plan.project).toBe("model-registry-example");
    const registry = plan.resources.find((r) => r.type === "mlops:index:ModelRegistry");
    expect(registry?.name).toBe("mlflow");
    expect(
      plan.resources.some((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "mlflow-server"),
    ).toBe(true);
    expect(plan.outputs["trackingUri"]).toBe("http://mlflow.mlflow.svc.cluster.local:5000");
  });

  it("plans the training job example, which uses the TrainingJob by name", () => {
    expect(examples).toEqual(["model-registry", "training-job"]);
    const { status, stderr, plan } = planExample("training-job");
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(plan.project).toBe("training-job-example");
    expect(plan.resources.find((r) => r.type === "mlops:index:TrainingJob")?.name).toBe("mlp-smoke-001");
    expect(plan.outputs["namespace"]).toBe("research");
  });
});
