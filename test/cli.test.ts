/**
 * The `plan` CLI's public contract: flags, exit codes, JSON, and running users' own programs.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { invokedAs, main, parseFlags, sourceLocation } from "../plan/cli";
import type { Plan } from "../plan/types";

const fixtures = path.join(__dirname, "fixtures", "programs");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-cli-"));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

function readPlan(file: string): Plan {
  return JSON.parse(fs.readFileSync(file, "utf8")) as Plan;
}

describe("flags", () => {
  it("parses --flag value and --flag=value", () => {
    expect(parseFlags(["--stack", "dev", "--out=p.json", "--no-policies"])).toMatchObject({
      stack: "dev",
      out: "p.json",
      policies: false,
    });
  });

  const bad: [string[], string][] = [
    [[], "--stack: required"],
    [["--stack"], "--stack: needs a value"],
    [["--stack", "--out", "x"], "--stack: needs a value"],
    [["--stack", "dev", "--colour", "red"], "--colour: unknown flag"],
    [["--stack", "dev/../x"], "stack names may contain only"],
  ];
  for (const [args, message] of bad) {
    it(`exit 2 for ${JSON.stringify(args)}`, async () => {
      const run = await cli(args);
      expect(run.code).toBe(2);
      expect(run.err).toContain(message);
      expect(run.err).not.toMatch(/\n\s+at /);
    });
  }

  it("exit 2 for a stack without a stack file, listing the available stacks", async () => {
    const run = await cli(["--stack", "nope"]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(
      /--stack nope: no stack file stacks\/Pulumi\.nope\.yaml; available stacks: .*aws-dev/,
    );
  });

  it("exit 2 for a missing or malformed --mocks file", async () => {
    const bad = path.join(tmp, "bad-mocks.json");
    fs.writeFileSync(bad, JSON.stringify({ invoke: {} }));
    expect((await cli(["--stack", "local", "--mocks", path.join(tmp, "none.json")])).err).toContain(
      "file not found",
    );
    const run = await cli(["--stack", "local", "--mocks", bad]);
    expect(run.code).toBe(2);
    expect(run.err).toContain("unknown key(s) invoke; allowed: invokes, stackReferences");
  });

  it("--help prints usage and exits 0", async () => {
    const run = await cli(["--help"]);
    expect(run.code).toBe(0);
    expect(run.out).toContain(
      "Exit codes: 0 ok, 1 program error, 2 bad flags or config, 3 mandatory policy violations.",
    );
  });

  it("--help documents every flag the parser takes", async () => {
    const run = await cli(["--help"]);
    for (const flag of [
      "-s, --stack <name>",
      "--program <path>",
      "--stack-file <file>",
      "--out <file>",
      "--mocks <file>",
      "--policy-pack-config <file>",
      "--no-policies",
      "--list-policies",
      "-q, --quiet",
      "-h, --help",
    ]) {
      expect(run.out).toContain(`  ${flag}`);
    }
  });

  it("--help names the command as the user invoked it", () => {
    expect(invokedAs("/app/node_modules/.bin/mlops-plan", {})).toBe("mlops-plan");
    expect(invokedAs("/app/node_modules/pulumi-mlops/dist/bin/plan.js", {})).toBe("mlops-plan");
    // This repository's `npm run plan`, and a consumer's own script calling the bin.
    expect(
      invokedAs("/repo/bin/plan.ts", {
        npm_lifecycle_event: "plan",
        npm_lifecycle_script: "tsx bin/plan.ts",
      }),
    ).toBe("npm run plan --");
    expect(
      invokedAs("/app/node_modules/.bin/mlops-plan", {
        npm_lifecycle_event: "check",
        npm_lifecycle_script: "mlops-plan --stack dev",
      }),
    ).toBe("npm run check --");
    // Another script that happens to run under npm (a test runner) does not make it `npm run test`.
    expect(
      invokedAs("/app/node_modules/.bin/mlops-plan", {
        npm_lifecycle_event: "test",
        npm_lifecycle_script: "vitest run",
      }),
    ).toBe("mlops-plan");
  });

  it("--help as a process: `mlops-plan` when started directly, `npm run plan --` through npm", () => {
    const direct = spawnSync(
      process.execPath,
      ["--import", "tsx", path.join(__dirname, "..", "bin", "plan.ts"), "-h"],
      {
        encoding: "utf8",
        cwd: path.join(__dirname, ".."),
        env: { ...process.env, npm_lifecycle_event: "", npm_lifecycle_script: "" },
      },
    );
    expect(direct.stdout).toMatch(/^Usage: mlops-plan --stack <name> \[options\]$/m);
    const viaNpm = spawnSync("npm", ["run", "-s", "plan", "--", "--help"], {
      encoding: "utf8",
      cwd: path.join(__dirname, ".."),
    });
    expect(viaNpm.stdout).toMatch(/^Usage: npm run plan -- --stack <name> \[options\]$/m);
  });
});

describe("--program runs any user program", () => {
  it("a user's program with an insecure bucket: exit 3 in prod, mandatory violations named", async () => {
    const out = path.join(tmp, "insecure-prod.json");
    const run = await cli([
      "--program",
      path.join(fixtures, "insecure-bucket"),
      "--stack",
      "prod",
      "--out",
      out,
    ]);
    expect(run.code).toBe(3);
    const plan = readPlan(out);
    expect(plan.project).toBe("user-app");
    const bucket = plan.resources.find((r) => r.type === "aws:s3/bucket:Bucket")!;
    expect(bucket.inputs).toEqual({ bucketPrefix: "data" });
    const mandatory = plan.policyViolations
      .filter((v) => v.enforcementLevel === "mandatory")
      .map((v) => v.policyName);
    expect(mandatory).toEqual(expect.arrayContaining(["aws-s3-public-access-block", "aws-s3-sse-kms"]));
    for (const v of plan.policyViolations) {
      expect(v).toEqual({
        policyName: expect.any(String),
        enforcementLevel: expect.any(String),
        urn: expect.any(String),
        message: expect.any(String),
        policyPackName: "mlops-policies",
        severity: expect.any(String),
      });
    }
    expect(run.out).toMatch(/Policy violations: \d+ mandatory, \d+ advisory/);
    expect(run.out).toContain("[mandatory aws-s3-public-access-block]");
    // Each violation line names the resource, its type and the finding (not the rule's description).
    expect(run.out).toContain(
      "    - data (aws:s3/bucket:Bucket): Bucket 'data' has no BucketOwnershipControls",
    );
  });

  it("violation lines tell apart two resources of one name by their type", async () => {
    const out = path.join(tmp, "same-name.json");
    const run = await cli(["--program", path.join(fixtures, "same-name"), "--stack", "prod", "--out", out]);
    expect(run.code).toBe(3);
    const lines = run.out.split("\n").filter((l) => l.startsWith("    - shared "));
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {4}- shared \(aws:s3\/bucket:Bucket\): /),
        expect.stringMatching(/^ {4}- shared \(aws:kms\/key:Key\): /),
      ]),
    );
  });

  it("every resource the program registers is external: false; read ones external: true", async () => {
    const out = path.join(tmp, "external.json");
    const dir = path.join(fixtures, "reads-outside");
    const run = await cli([
      "--program",
      dir,
      "--stack",
      "dev",
      "--mocks",
      path.join(dir, "mocks.json"),
      "--out",
      out,
    ]);
    expect(run.code).toBe(0);
    const plan = readPlan(out);
    expect(plan.resources.find((r) => r.type === "pulumi:pulumi:StackReference")?.external).toBe(true);
    const managed = path.join(tmp, "external-managed.json");
    await cli([
      "--program",
      path.join(fixtures, "insecure-bucket"),
      "--stack",
      "prod",
      "--out",
      managed,
      "--quiet",
    ]);
    const insecure = readPlan(managed);
    expect(insecure.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack", "aws:s3/bucket:Bucket"]);
    for (const r of insecure.resources) expect(r.external, r.urn).toBe(false);
  });

  it("the policy environment is printed and written; a default (prod) that differs from the components' is a warning", async () => {
    const out = path.join(tmp, "insecure-prod.json");
    const run = await cli([
      "--program",
      path.join(fixtures, "insecure-bucket"),
      "--stack",
      "prod",
      "--out",
      out,
    ]);
    const plan = readPlan(out);
    expect(plan.policyEnvironment).toBe("prod");
    expect(plan.policyEnvironmentSource).toBe("default");
    const warning =
      "policy environment prod (the pack's default, the strictest; neither the policy pack config nor the stack config sets one) " +
      "differs from the components' environment dev (their default; the stack config sets no environment): " +
      'set user-app:environment in the stack config, or "environment" in the policy pack config';
    expect(plan.warnings).toEqual([warning]);
    expect(run.out).toContain(`  - ${warning}`);
    expect(run.out).toContain(
      "Policy environment: prod (the pack's default, the strictest; neither the policy pack config nor the stack config sets one)",
    );
  });

  it("the policy environment from the stack config: no warning; from the pack config over the stack's: a warning", async () => {
    const out = path.join(tmp, "env-staging.json");
    const stackFile = path.join(tmp, "Pulumi.staging.yaml");
    fs.writeFileSync(stackFile, "config:\n  aws:region: eu-west-1\n  user-app:environment: staging\n");
    const dir = path.join(fixtures, "insecure-bucket");
    const run = await cli(["--program", dir, "--stack", "staging", "--stack-file", stackFile, "--out", out]);
    expect(run.out).toContain("Policy environment: staging (user-app:environment)");
    expect(readPlan(out)).toMatchObject({
      policyEnvironment: "staging",
      policyEnvironmentSource: "stack-config",
      warnings: [],
    });
    const devPack = writeJson("env-dev.json", { environment: "dev" });
    await cli([
      "--program",
      dir,
      "--stack",
      "staging",
      "--stack-file",
      stackFile,
      "--out",
      out,
      "--policy-pack-config",
      devPack,
    ]);
    const plan = readPlan(out);
    expect(plan).toMatchObject({ policyEnvironment: "dev", policyEnvironmentSource: "policy-pack-config" });
    expect(plan.warnings).toEqual([
      "policy environment dev (set by the policy pack config) differs from the components' environment staging " +
        '(user-app:environment): set user-app:environment in the stack config, or "environment" in the policy pack config',
    ]);
  });

  it("--no-policies: no policy environment in the JSON, and the console says so", async () => {
    const out = path.join(tmp, "no-policies.json");
    const run = await cli([
      "--program",
      path.join(fixtures, "insecure-bucket"),
      "--stack",
      "prod",
      "--no-policies",
      "--out",
      out,
    ]);
    expect(run.out).toContain("Policy environment: none (--no-policies)");
    const plan = readPlan(out);
    expect(plan.policyEnvironment).toBeUndefined();
    expect(plan.policyExemptions).toEqual([]);
    expect(plan.policyViolations).toEqual([]);
  });

  it("each applied exemption is reported with rule, resource and reason, in the console and the JSON", async () => {
    const out = path.join(tmp, "exempted.json");
    const config = writeJson("exempt.json", {
      exemptions: [
        { policy: "aws-s3-versioning", resourceNamePattern: "dat?", reason: "scratch data, rebuilt nightly" },
      ],
    });
    const run = await cli([
      "--program",
      path.join(fixtures, "insecure-bucket"),
      "--stack",
      "prod",
      "--policy-pack-config",
      config,
      "--out",
      out,
    ]);
    const plan = readPlan(out);
    expect(plan.policyViolations.map((v) => v.policyName)).not.toContain("aws-s3-versioning");
    const bucket = plan.resources.find((r) => r.type === "aws:s3/bucket:Bucket")!;
    expect(plan.policyExemptions).toEqual([
      {
        policyName: "aws-s3-versioning",
        urn: bucket.urn,
        resourceType: "aws:s3/bucket:Bucket",
        resourceName: "data",
        kind: "resourceName",
        exemption: "dat?",
        reason: "scratch data, rebuilt nightly",
        suppressed: ["Data bucket 'data' has no BucketVersioning."],
      },
    ]);
    expect(run.out).toContain("Policy exemptions applied (1):");
    expect(run.out).toContain(
      "  - [aws-s3-versioning] data (aws:s3/bucket:Bucket): exempted by 'dat?': scratch data, rebuilt nightly",
    );
  });

  it("an unknown rule name in exemptions, disabled or enforcementLevels: exit 2 naming it", async () => {
    const config = writeJson("typo.json", {
      disabled: ["aws-s3-acess-logging"],
      enforcementLevels: { "aws-s3-sse": "advisory" },
      exemptions: [{ policy: "k8s-nope-*", resourceNamePattern: "*", reason: "typo" }],
      "k8s-service-no-external-exposure": { disabled: ["gov-nope"] },
    });
    const run = await cli([
      "--program",
      path.join(fixtures, "insecure-bucket"),
      "--stack",
      "prod",
      "--policy-pack-config",
      config,
    ]);
    expect(run.code).toBe(2);
    expect(run.err).toContain(
      "'disabled[0]': 'aws-s3-acess-logging' is not a rule of this pack (see --list-policies)",
    );
    expect(run.err).toContain("'enforcementLevels.aws-s3-sse': 'aws-s3-sse' is not a rule of this pack");
    expect(run.err).toContain("'exemptions[0].policy': 'k8s-nope-*' matches no rule of this pack");
    expect(run.err).toContain(
      "'k8s-service-no-external-exposure.disabled[0]': 'gov-nope' is not a rule of this pack",
    );
    // Globs that match some rule, and known names, are fine.
    const ok = writeJson("known.json", {
      disabled: ["aws-s3-access-logging"],
      exemptions: [{ policy: "aws-s3-*", resourceNamePattern: "data", reason: "ok" }],
    });
    const known = await cli([
      "--program",
      path.join(fixtures, "insecure-bucket"),
      "--stack",
      "prod",
      "--policy-pack-config",
      ok,
      "--quiet",
    ]);
    expect(known.err).toBe("");
  });

  it("the same program in dev with its own config: violations advisory only where the pack says so", async () => {
    const out = path.join(tmp, "insecure-dev.json");
    const run = await cli([
      "--program",
      path.join(fixtures, "insecure-bucket", "index.ts"),
      "--stack",
      "dev",
      "--out",
      out,
      "--policy-pack-config",
      writeJson("dev.json", { environment: "dev" }),
    ]);
    const plan = readPlan(out);
    expect(plan.resources.find((r) => r.type === "aws:s3/bucket:Bucket")!.inputs["bucketPrefix"]).toBe(
      "dev-data",
    );
    const levels = new Map(plan.policyViolations.map((v) => [v.policyName, v.enforcementLevel]));
    expect(levels.get("aws-s3-access-logging")).toBe("advisory");
    expect(run.code).toBe(plan.policyViolations.some((v) => v.enforcementLevel === "mandatory") ? 3 : 0);
  });

  it("--no-policies skips the pack: exit 0", async () => {
    const run = await cli([
      "--program",
      path.join(fixtures, "insecure-bucket"),
      "--stack",
      "prod",
      "--no-policies",
      "--quiet",
    ]);
    expect(run.code).toBe(0);
  });

  it("a failing program: exit 1 with the message and the program's source location (as a process)", () => {
    // A real process, as users run it: exit code, stderr, and source-mapped TypeScript locations.
    const result = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(__dirname, "..", "bin", "plan.ts"),
        "--program",
        path.join(fixtures, "throws"),
        "--stack",
        "dev",
      ],
      { encoding: "utf8", cwd: path.join(__dirname, "..") },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "error: the program failed: Missing required configuration variable 'throws:size'",
    );
    expect(result.stderr).toMatch(/\n  at test\/fixtures\/programs\/throws\/index\.ts:5:\d+/);
    expect(result.stderr).not.toMatch(/node_modules/);
  });

  it("StackReferences and invokes are answered by documented mocks and --mocks", async () => {
    const dir = path.join(fixtures, "reads-outside");
    const out = path.join(tmp, "reads.json");
    const run = await cli([
      "--program",
      dir,
      "--stack",
      "dev",
      "--mocks",
      path.join(dir, "mocks.json"),
      "--out",
      out,
    ]);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(readPlan(out).outputs).toEqual({
      vpcId: "vpc-0abc",
      account: "123456789012",
      zones: ["us-west-2a", "us-west-2b", "us-west-2c"],
      amiId: "ami-0123456789abcdef0",
    });
  });

  it("an invoke without an answer fails with a message naming it", async () => {
    const run = await cli(["--program", path.join(fixtures, "unknown-invoke"), "--stack", "dev"]);
    expect(run.code).toBe(1);
    expect(run.err).toContain('no mock answer for invoke "aws:ec2/getAmi:getAmi"');
    expect(run.err).toContain("--mocks");
  });
});

describe("an unmocked value passed into a component", () => {
  // The failed value leaves the component's children pending forever: without the fix the plan
  // never finishes and the process ends with only "N promises were still active".
  const dir = path.join(fixtures, "unmocked-into-component");

  it("an invoke without an answer: exit 1 naming the invoke and --mocks (as a process)", () => {
    const result = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(__dirname, "..", "bin", "plan.ts"),
        "--program",
        dir,
        "--stack",
        "invoke",
      ],
      { encoding: "utf8", cwd: path.join(__dirname, ".."), timeout: 60_000 },
    );
    expect(result.stderr).not.toContain("promises were still active");
    expect(result.stderr).toContain(
      'error: the program failed: the offline plan has no mock answer for invoke "aws:ec2/getVpc:getVpc"; ' +
        'add one with --mocks <file> ({"invokes": {"aws:ec2/getVpc:getVpc": {...result}}})',
    );
    expect(result.status).toBe(1);
  });

  it("a StackReference without mock outputs: exit 1 naming the reference and --mocks", async () => {
    const run = await cli(["--program", dir, "--stack", "reference"]);
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      'error: the program failed: StackReference "acme/network/prod" has no mock outputs: provide them with ' +
        '--mocks <file> ({"stackReferences": {"acme/network/prod": {...}}})',
    );
  });

  it("a StackReference output the mocks lack: exit 1 naming the output, the reference and --mocks", async () => {
    const mocks = writeJson("ref-without-vpc.json", {
      stackReferences: { "acme/network/prod": { subnetIds: ["subnet-1"] } },
    });
    const run = await cli(["--program", dir, "--stack", "reference", "--mocks", mocks]);
    expect(run.code).toBe(1);
    expect(run.err).toContain("Required output 'vpcId' does not exist on stack 'acme/network/prod'.");
    expect(run.err).toContain('--mocks <file> ({"stackReferences": {"acme/network/prod": {"vpcId": ...}}})');
  });

  it("with the mock answered the same program plans", async () => {
    const mocks = writeJson("ref-with-vpc.json", {
      stackReferences: { "acme/network/prod": { vpcId: "vpc-0abc" } },
    });
    const out = path.join(tmp, "unmocked-answered.json");
    const run = await cli([
      "--program",
      dir,
      "--stack",
      "reference",
      "--mocks",
      mocks,
      "--no-policies",
      "--out",
      out,
    ]);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    const sg = readPlan(out).resources.find((r) => r.type === "aws:ec2/securityGroup:SecurityGroup");
    expect(sg?.inputs["vpcId"]).toBe("vpc-0abc");
  });
});

describe("one @pulumi/pulumi for the user's program", () => {
  it("an import() of the SDK resolves to the copy holding the mocks, not the program's own", () => {
    // A user project with its own (here: poisoned) copy of the SDK, imported dynamically.
    const dir = fs.mkdtempSync(path.join(tmp, "esm-"));
    const sdk = path.join(dir, "node_modules", "@pulumi", "pulumi");
    fs.mkdirSync(sdk, { recursive: true });
    fs.writeFileSync(
      path.join(sdk, "package.json"),
      JSON.stringify({ name: "@pulumi/pulumi", version: "3.0.0", main: "index.js" }),
    );
    fs.writeFileSync(
      path.join(sdk, "index.js"),
      'throw new Error("a second copy of @pulumi/pulumi was loaded");',
    );
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: esm-prog\nruntime: nodejs\n");
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config: {}\n");
    fs.writeFileSync(
      path.join(dir, "index.ts"),
      [
        "export default async function main() {",
        '  const pulumi = await import("@pulumi/pulumi");',
        '  const c = new pulumi.ComponentResource("test:index:C", "c", {}, {});',
        "  return { urn: c.urn };",
        "}",
      ].join("\n"),
    );
    // A real process: ESM resolution hooks behave as they do for users.
    const out = path.join(dir, "plan.json");
    const result = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(__dirname, "..", "bin", "plan.ts"),
        "--program",
        dir,
        "--stack",
        "dev",
        "--out",
        out,
        "--quiet",
      ],
      { encoding: "utf8", cwd: path.join(__dirname, "..") },
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(readPlan(out).outputs["urn"]).toBe(
      "urn:pulumi:dev::esm-prog::pulumi:pulumi:Stack$test:index:C::c",
    );
  });
});

describe("--list-policies", () => {
  it("shows the levels under --policy-pack-config", async () => {
    const config = writeJson("list.json", {
      environment: "dev",
      disabled: ["aws-s3-versioning"],
      "aws-s3-sse-kms": "advisory",
    });
    const run = await cli(["--list-policies", "--policy-pack-config", config]);
    expect(run.code).toBe(0);
    const levels = new Map(
      (
        JSON.parse(run.out) as {
          name: string;
          enforcementLevel: string;
          enforcementByEnvironment: Record<string, string>;
        }[]
      ).map((r) => [r.name, r]),
    );
    expect(levels.get("aws-s3-versioning")?.enforcementLevel).toBe("disabled");
    expect(levels.get("aws-s3-sse-kms")?.enforcementLevel).toBe("advisory");
    const logging = levels.get("aws-s3-access-logging")!;
    expect(logging.enforcementLevel).toBe(logging.enforcementByEnvironment["dev"]);
    expect(logging.enforcementByEnvironment["dev"]).not.toBe(logging.enforcementByEnvironment["prod"]);
    const bad = await cli([
      "--list-policies",
      "--policy-pack-config",
      writeJson("list-bad.json", { disabled: ["nope"] }),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("'nope' is not a rule of this pack");
  });

  it("prints every rule's metadata as JSON", async () => {
    const run = await cli(["--list-policies"]);
    expect(run.code).toBe(0);
    const rules = JSON.parse(run.out) as Record<string, unknown>[];
    expect(rules.length).toBeGreaterThanOrEqual(60);
    for (const rule of rules) {
      for (const key of [
        "name",
        "severity",
        "enforcementLevel",
        "resourceTypes",
        "description",
        "reference",
      ]) {
        expect(rule, `${String(rule["name"])}.${key}`).toHaveProperty(key);
      }
    }
  });
});

describe("sourceLocation", () => {
  it("skips node_modules and the engine, and reports a path relative to cwd", () => {
    const err = new Error("x");
    err.stack = [
      "Error: x",
      `    at f (${path.join(process.cwd(), "node_modules", "@pulumi", "pulumi", "x.js")}:1:1)`,
      `    at g (${path.join(process.cwd(), "stacks", "index.ts")}:12:7)`,
    ].join("\n");
    expect(sourceLocation(err)).toBe("stacks/index.ts:12:7");
  });
});

function writeJson(name: string, value: unknown): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}
