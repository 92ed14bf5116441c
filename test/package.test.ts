/**
 * The published package: `npm pack` on a fresh clone (no dist/) builds it (prepack) and produces a
 * tarball that another Pulumi program installs and imports by name (examples/model-registry),
 * whose declarations compile for a consumer with Pulumi's template tsconfig (no esModuleInterop,
 * no skipLibCheck) under every moduleResolution, whose `mlops-plan` bin plans that program, and
 * which ships the policy pack with its lockfile, runnable from node_modules as the Pulumi CLI runs
 * it, and which works as a component package: Pulumi's plugin host runs it from node_modules and
 * it serves schema.json.
 */
import { execFileSync, spawn, spawnSync, type ChildProcessByStdio } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Readable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { GetSchemaRequest } from "@pulumi/pulumi/proto/provider_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../plan/types";

const root = path.join(__dirname, "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-pack-"));
const project = path.join(work, "user-projects");
/** The example programs (folders of examples/ with a Pulumi.yaml). */
const examples = fs
  .readdirSync(path.join(root, "examples"))
  .filter((name) => fs.existsSync(path.join(root, "examples", name, "Pulumi.yaml")));
let tarball = "";
const CONSUMER_TYPESCRIPT = "5.9.3";
let files: string[] = [];

function npm(args: string[], cwd: string): string {
  return execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <args>` in `cwd` in the background: the file's other tests run while it works. */
function runNode(args: string[], cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * The checks that need only the installed project and take most of the file's CPU (the consumer
 * compiles, the plugin host's schema), started as soon as the project is installed so that they
 * overlap the file's other tests; each test awaits its own.
 */
const background: { compiles: Map<string, Promise<Ran>>; servedSchema?: Promise<string> } = {
  compiles: new Map(),
};
const children: ChildProcessByStdio<null, Readable, Readable>[] = [];
afterAll(() => {
  for (const child of children) child.kill();
});

beforeAll(() => {
  // As on a fresh clone: no dist/. `npm pack` must build it (prepack).
  fs.rmSync(path.join(root, "dist"), { recursive: true, force: true });
  const packed = JSON.parse(npm(["pack", "--json", "--pack-destination", work], root)) as {
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
  // A TypeScript consumer: TypeScript 5 (6 no longer lets esModuleInterop be off, so it would not
  // show what a consumer on 5.x sees) and Node types.
  dependencies["typescript"] = CONSUMER_TYPESCRIPT;
  dependencies["@types/node"] = rootPkg.devDependencies["@types/node"]!;
  fs.writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ name: "user-projects", private: true, dependencies }, null, 2),
  );
  npm(
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
    project,
  );

  startConsumerCompiles();
  background.servedSchema = serveSchemaFromNodeModules();
  // Not awaited here: its test reports a failure. This keeps an early one from being unhandled.
  background.servedSchema.catch(() => undefined);
}, 300_000);

describe("npm pack", () => {
  it("ships the compiled library with declarations, the component package's files, and no tests", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "CHANGELOG.md",
        "docs/policies.md",
        "docs/offline-plan.md",
        "docs/teardown.md",
        "docs/idle-cost.md",
        "dist/components/index.js",
        "dist/components/index.d.ts",
        "dist/plan/index.js",
        "dist/bin/plan.js",
        "dist/plan/index.d.ts",
        // The component package: its plugin manifest, entry, schema and, for the analyzer that
        // derives the schema when Pulumi runs the plugin, the TypeScript it reads.
        "PulumiPlugin.yaml",
        "provider.js",
        "dist/provider.js",
        "provider.ts",
        "provider/analyzer.ts",
        "schema.json",
        "tsconfig.json",
        "components/index.ts",
        "components/model-registry/args.ts",
      ]),
    );
    expect(
      files.filter((f) => f.startsWith("test/") || f.startsWith("stacks/") || /\.test\.[jt]s$/.test(f)),
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

  it("ships the Python jobs' sources, runtime locks and Dockerfile (pythonJobPod reads them from the installed package), not their tests", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "jobs/mlops_jobs/__init__.py",
        "jobs/mlops_jobs/payload_sink.py",
        "jobs/mlops_jobs/contract.generated.json",
        "jobs/requirements.lock",
        "jobs/requirements-sink.lock",
        "jobs/Dockerfile",
      ]),
    );
    expect(files.filter((f) => f.startsWith("jobs/tests/") || f.includes("requirements-dev"))).toEqual([]);
    const out = execFileSync(
      process.execPath,
      [
        "-e",
        'const m = require("pulumi-mlops"); console.log(m.jobsDir(), Object.keys(m.jobsSources()).includes("payload_sink.py"))',
      ],
      { cwd: project, encoding: "utf8" },
    );
    expect(out.trim()).toBe(
      `${path.join(fs.realpathSync(project), "node_modules", "pulumi-mlops", "jobs")} true`,
    );
  });

  it("its mlops-plan bin names itself in --help", () => {
    const bin = path.join(project, "node_modules", ".bin", "mlops-plan");
    const result = spawnSync(bin, ["--help"], {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, npm_lifecycle_event: "", npm_lifecycle_script: "" },
    });
    expect(result.stdout).toMatch(/^Usage: mlops-plan --stack <name> \[options\]$/m);
  });

  function planExample(name: string, stack = "dev"): { status: number | null; stderr: string; plan: Plan } {
    const bin = path.join(project, "node_modules", ".bin", "mlops-plan");
    const result = spawnSync(bin, ["--program", ".", "--stack", stack, "--out", "plan.json", "--quiet"], {
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
    expect(examples).toEqual([
      "model-registry",
      "recommender",
      "serving-from-stack-reference",
      "training-job",
    ]);
    const { status, stderr, plan } = planExample("training-job");
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(plan.project).toBe("training-job-example");
    expect(plan.resources.find((r) => r.type === "mlops:index:TrainingJob")?.name).toBe("mlp-smoke-001");
    expect(plan.outputs["namespace"]).toBe("research");
  });

  it("plans the recommender example, which composes the components by name, for its local stack", () => {
    const { status, stderr, plan } = planExample("recommender", "local");
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(plan.project).toBe("recommender-example");
    const stack = plan.resources.find((r) => r.type === "pulumi:pulumi:Stack")!.urn;
    expect(
      plan.resources
        .filter((r) => r.parent === stack && r.type.startsWith("mlops:index:"))
        .map((r) => `${r.type} ${r.name}`)
        .sort(),
    ).toEqual([
      "mlops:index:FeatureStore features",
      "mlops:index:GpuTrainingCluster shop",
      "mlops:index:ModelRegistry mlflow",
      "mlops:index:ModelServing serving",
      "mlops:index:Monitoring monitoring",
      "mlops:index:RetrainingLoop retraining",
    ]);
  });
});

// Pulumi's TypeScript template tsconfig: strict, no esModuleInterop, no skipLibCheck.
const consumerBase = {
  strict: true,
  target: "es2020",
  noEmit: true,
  types: ["node"],
  forceConsistentCasingInFileNames: true,
};
/**
 * Each moduleResolution with the TypeScript that compiles it: TypeScript 7 (the current release,
 * what a consumer installing TypeScript today gets; the repository's pinned `typescript-7`, native:
 * about a third of TypeScript 5's CPU here) wherever it can; TypeScript 5 for Pulumi's template
 * (module commonjs, moduleResolution node, esModuleInterop off), which TypeScript 7 cannot check:
 * it removed moduleResolution node (error TS5108) and esModuleInterop off. That compile is the one
 * that fails on a declaration needing esModuleInterop and on the `plan` subpath without
 * typesVersions.
 */
const consumerSettings: [string, Record<string, unknown>, "typescript" | "typescript-7"][] = [
  ["node", { module: "commonjs", moduleResolution: "node" }, "typescript"],
  ["node16", { module: "node16", moduleResolution: "node16" }, "typescript-7"],
  ["bundler", { module: "esnext", moduleResolution: "bundler" }, "typescript-7"],
];
const TSC: Record<"typescript" | "typescript-7", () => string> = {
  // TypeScript 5 as the consumer installs it (the project's node_modules).
  typescript: () => path.join(project, "node_modules", "typescript", "bin", "tsc"),
  "typescript-7": () => path.join(root, "node_modules", "typescript-7", "bin", "tsc"),
};

/** Writes the consumer and its tsconfigs and starts their compiles (tsc type-checks the SDKs' declarations: no skipLibCheck). */
function startConsumerCompiles(): void {
  fs.writeFileSync(
    path.join(project, "consumer.ts"),
    [
      'import { GpuTrainingCluster, ModelRegistry, type ModelRegistryArgs } from "pulumi-mlops";',
      'import { runPlan, type Plan, type PolicyExemption } from "pulumi-mlops/plan";',
      'export const args: Partial<ModelRegistryArgs> = { namespace: "mlflow" };',
      "export const components = [GpuTrainingCluster, ModelRegistry];",
      "export async function check(): Promise<PolicyExemption[] | undefined> {",
      "  const plan: Plan = await runPlan({ program: () => undefined });",
      "  return plan.policyExemptions;",
      "}",
    ].join("\n"),
  );
  for (const [name, options, typescript] of consumerSettings) {
    const tsconfig = `tsconfig.${name}.json`;
    fs.writeFileSync(
      path.join(project, tsconfig),
      JSON.stringify({ compilerOptions: { ...consumerBase, ...options }, files: ["consumer.ts"] }),
    );
    background.compiles.set(name, runNode([TSC[typescript](), "-p", tsconfig], project));
  }
}

describe("a TypeScript consumer", () => {
  for (const [name, , typescript] of consumerSettings) {
    it(`compiles against the package with moduleResolution ${name} (${typescript})`, async () => {
      const result = await background.compiles.get(name)!;
      expect(result.stdout + result.stderr).toBe("");
      expect(result.status).toBe(0);
    }, 300_000);
  }
});

/** Pulumi's Node.js host running `cmd` (run-plugin, run-policy-pack) of the user's @pulumi/pulumi. */
function pulumiHost(cmd: string, args: string[], cwd: string): ChildProcessByStdio<null, Readable, Readable> {
  const script = require.resolve(`@pulumi/pulumi/cmd/${cmd}`, { paths: [project] });
  return spawn(process.execPath, [script, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
}

/** The port a plugin prints on its first line of stdout (for the Pulumi CLI to connect). */
function servedPort(child: ChildProcessByStdio<null, Readable, Readable>): Promise<number> {
  let stdout = "";
  let stderr = "";
  return new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      const m = /^(\d+)\n/.exec(stdout);
      if (m) resolve(Number(m[1]));
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => reject(new Error(`exited ${code}:\n${stderr}${stdout}`)));
  });
}

describe("the policy pack in the package", () => {
  it("ships the pack's sources, PulumiPolicy.yaml, its entry and a lockfile in sync with its package.json", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "policies/PulumiPolicy.yaml",
        "policies/package.json",
        "policies/package-lock.json",
        "policies/entry.js",
        "policies/index.ts",
        "policies/pack.ts",
        "policies/catalog.ts",
        "policies/config.ts",
        "dist/policies/index.js",
      ]),
    );
    // No tsconfig.json in the pack's folder: Pulumi's host would hand its options to the
    // TypeScript it finds, which is its vendored 3.8 in a project without TypeScript.
    expect(
      files.filter((f) => f.startsWith("policies/node_modules/") || f === "policies/tsconfig.json"),
    ).toEqual([]);
    const pack = path.join(work, "mlops-policies");
    fs.cpSync(path.join(project, "node_modules", "pulumi-mlops", "policies"), pack, { recursive: true });
    const ci = spawnSync("npm", ["ci", "--dry-run", "--no-audit", "--no-fund"], {
      cwd: pack,
      encoding: "utf8",
    });
    expect(ci.stderr).not.toMatch(/npm error/);
    expect(ci.status).toBe(0);
  });

  it("runs from node_modules as `pulumi preview --policy-pack node_modules/pulumi-mlops/policies` runs it", async () => {
    // The CLI's Node.js host: run-policy-pack <engine> <pack folder>, in the pack's folder, with
    // Pulumi's ts-node registered (it compiles nothing under node_modules: the entry loads the
    // compiled pack). The pack's analyzer serves on loopback and prints its port.
    const packDir = path.join(project, "node_modules", "pulumi-mlops", "policies");
    const child = pulumiHost("run-policy-pack", ["127.0.0.1:1", packDir], packDir);
    try {
      expect(await servedPort(child)).toBeGreaterThan(0);
    } finally {
      child.kill();
    }
  }, 120_000);
});

/** What Pulumi's plugin host serves as the schema of the installed package (`pulumi package add ./node_modules/pulumi-mlops`). */
async function serveSchemaFromNodeModules(): Promise<string> {
  const pkgDir = path.join(project, "node_modules", "pulumi-mlops");
  const child = pulumiHost("run-plugin", [pkgDir], project);
  children.push(child);
  try {
    const port = await servedPort(child);
    const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      return await new Promise<string>((resolve, reject) =>
        client.getSchema(new GetSchemaRequest(), (err, res) =>
          err ? reject(err) : resolve(res.getSchema()),
        ),
      );
    } finally {
      client.close();
    }
  } finally {
    child.kill();
  }
}

describe("the component package (pulumi package add ./node_modules/pulumi-mlops)", () => {
  it("runs under Pulumi's plugin host from node_modules and serves schema.json", async () => {
    const served = await background.servedSchema!;
    expect(JSON.parse(served)).toEqual(JSON.parse(fs.readFileSync(path.join(root, "schema.json"), "utf8")));
  }, 300_000);
});
