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
const project = path.join(work, "user-project");
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

  // A user's project: the example program, depending on the tarball and the peer SDKs.
  fs.mkdirSync(project);
  for (const file of ["index.ts", "Pulumi.yaml", "Pulumi.dev.yaml"]) {
    fs.copyFileSync(path.join(root, "examples", "model-registry", file), path.join(project, file));
  }
  const example = JSON.parse(
    fs.readFileSync(path.join(root, "examples", "model-registry", "package.json"), "utf8"),
  ) as {
    dependencies: Record<string, string>;
  };
  const rootPkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
    dependencies: Record<string, string>;
  };
  const dependencies: Record<string, string> = {};
  for (const name of Object.keys(example.dependencies)) {
    dependencies[name] =
      name === "pulumi-mlops"
        ? `file:${tarball}`
        : (rootPkg.devDependencies[name] ?? rootPkg.dependencies[name])!;
  }
  fs.writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ name: "user-project", private: true, dependencies }, null, 2),
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

  it("its mlops-plan bin plans the user's program, which uses the ModelRegistry by name", () => {
    const bin = path.join(project, "node_modules", ".bin", "mlops-plan");
    const result = spawnSync(bin, ["--program", ".", "--stack", "dev", "--out", "plan.json", "--quiet"], {
      cwd: project,
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const plan = JSON.parse(fs.readFileSync(path.join(project, "plan.json"), "utf8")) as Plan;
    expect(plan.project).toBe("model-registry-example");
    const registry = plan.resources.find((r) => r.type === "mlops:index:ModelRegistry");
    expect(registry?.name).toBe("mlflow");
    expect(
      plan.resources.some((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "mlflow-server"),
    ).toBe(true);
    expect(plan.outputs["trackingUri"]).toBe("http://mlflow.mlflow.svc.cluster.local:5000");
  });
});
