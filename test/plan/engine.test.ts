/**
 * The offline plan engine: what it records for each registered resource, and how it fails.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../plan/cli";
import { runPlan } from "../../plan/engine";
import * as published from "../../plan/index";
import { findResource, inputAt, planOf } from "../helpers";

class Widget extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("mlops:index:Widget", name, {}, opts);
    const password = new random.RandomPassword(`${name}-password`, { length: 16 }, { parent: this });
    const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: "{}" }, { parent: this });
    const secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      { stringData: { password: password.result, user: "admin" } },
      { parent: this, provider, protect: true, retainOnDelete: true, dependsOn: [password] },
    );
    this.url = pulumi.interpolate`https://${secret.metadata.name}`;
    this.registerOutputs({ url: this.url, password: pulumi.secret(password.result) });
  }
}

describe("runPlan records", () => {
  it("external: false for every registered resource, true for read ones (.get, StackReference)", async () => {
    const plan = await planOf(
      () => {
        const vpc = aws.ec2.Vpc.get("existing", "vpc-123");
        new aws.s3.Bucket("b", { bucket: vpc.id });
        return { x: new pulumi.StackReference("acme/net/prod").getOutput("a") };
      },
      { stackReferences: { "acme/net/prod": { a: 1 } } },
    );
    expect(plan.resources.map((r) => [r.type, r.external])).toEqual([
      ["pulumi:pulumi:Stack", false],
      ["aws:ec2/vpc:Vpc", true],
      ["pulumi:pulumi:StackReference", true],
      ["aws:s3/bucket:Bucket", false],
    ]);
  });

  it("type, name, parent, provider, dependencies, options and masked inputs", async () => {
    const plan = await planOf(() => ({ url: new Widget("w").url }));
    const component = findResource(plan, "mlops:index:Widget", "w");
    const secret = findResource(plan, "kubernetes:core/v1:Secret", "w-secret");
    const provider = findResource(plan, "pulumi:providers:kubernetes", "w-k8s");
    const password = findResource(plan, "random:index/randomPassword:RandomPassword", "w-password");
    expect(component.custom).toBe(false);
    expect(secret).toMatchObject({
      custom: true,
      parent: component.urn,
      provider: `${provider.urn}::w-k8s-id`,
      protect: true,
      retainOnDelete: true,
      id: "w-secret-id",
    });
    expect(secret.dependencies).toContain(password.urn);
    // Secret data keys stay visible; values never.
    expect(secret.inputs["stringData"]).toEqual({ password: "[secret]", user: "[secret]" });
    expect(secret.urn).toBe("urn:pulumi:test::mlops::mlops:index:Widget$kubernetes:core/v1:Secret::w-secret");
    // Component outputs and stack outputs, with secrets masked; autonamed objects get a stable name.
    expect(component.outputs).toEqual({
      url: expect.stringMatching(/^https:\/\/w-secret-[0-9a-f]{8}$/),
      password: "[secret]",
    });
    expect(plan.outputs["url"]).toBe(component.outputs?.["url"]);
    expect(JSON.stringify(plan)).not.toMatch(/mock[0-9a-f]{28}/);
  });

  it("each provider resource's state after the mock create: inputs plus computed outputs, secrets masked", async () => {
    const plan = await planOf(
      () => {
        new Widget("w");
        new aws.s3.Bucket("data", { forceDestroy: true });
        new aws.iam.Role("role", { assumeRolePolicy: "{}" });
      },
      { config: { "aws:region": "eu-west-1" } },
    );
    const secret = findResource(plan, "kubernetes:core/v1:Secret", "w-secret");
    expect(secret.outputs).toMatchObject({ stringData: { password: "[secret]", user: "[secret]" } });
    expect(inputAt(secret, "metadata")).toBeUndefined();
    expect(secret.outputs?.["metadata"]).toEqual({ name: expect.stringMatching(/^w-secret-[0-9a-f]{8}$/) });
    const bucket = findResource(plan, "aws:s3/bucket:Bucket", "data");
    expect(bucket.inputs).toEqual({ forceDestroy: true });
    expect(bucket.outputs).toMatchObject({
      forceDestroy: true,
      region: "eu-west-1",
      arn: expect.stringContaining("arn:aws:s3"),
    });
    // IAM is global: no region.
    expect(findResource(plan, "aws:iam/role:Role").outputs?.["region"]).toBeUndefined();
  });

  it("aliases: each declared alias as a URN, and those a child inherits from its parent's, as the engine resolves them", async () => {
    class Group extends pulumi.ComponentResource {
      constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:index:Group", name, {}, opts);
        // Moved from the Widget (its old parent) into this group.
        new aws.sns.Topic(`${name}-data`, {}, { parent: this, aliases: [{ parent: opts?.parent }] });
        this.registerOutputs({});
      }
    }
    class Renamed extends pulumi.ComponentResource {
      constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        // Was `mlops:index:Old` named "old"; its children follow it (`old-key`, `old-role`).
        super(
          "mlops:index:Renamed",
          name,
          {},
          { ...opts, aliases: [{ type: "mlops:index:Old", name: "old" }] },
        );
        new aws.kms.Key(`${name}-key`, {}, { parent: this });
        new aws.iam.Role(
          `${name}-role`,
          { assumeRolePolicy: "{}" },
          { parent: this, aliases: [{ name: `${name}-r` }] },
        );
        this.registerOutputs({});
      }
    }
    const plan = await planOf(() => {
      const widget = new Widget("w");
      new Group("w-group", { parent: widget });
      new Renamed("new");
      // Moved from the top level into the widget; and an alias given as a URN.
      new aws.ecr.Repository("t", {}, { parent: widget, aliases: [{ parent: pulumi.rootStackResource }] });
      new aws.sqs.Queue("q", {}, { aliases: ["urn:pulumi:test::mlops::aws:sqs/queue:Queue::old-q"] });
      new aws.s3.Bucket("b", {}, { parent: widget });
    });
    const prefix = "urn:pulumi:test::mlops::";
    const aliasesOf = (type: string, name: string) => findResource(plan, type, name).aliases;
    // The URNs a deployment records: the whole chain of parent types.
    expect(findResource(plan, "aws:sns/topic:Topic", "w-group-data").stateUrn).toBe(
      `${prefix}mlops:index:Widget$mlops:index:Group$aws:sns/topic:Topic::w-group-data`,
    );
    expect(findResource(plan, "mlops:index:Widget", "w").stateUrn).toBe(`${prefix}mlops:index:Widget::w`);
    expect(findResource(plan, "pulumi:pulumi:Stack").stateUrn).toBe(
      `${prefix}pulumi:pulumi:Stack::mlops-test`,
    );
    expect(aliasesOf("aws:sns/topic:Topic", "w-group-data")).toEqual([
      `${prefix}mlops:index:Widget$aws:sns/topic:Topic::w-group-data`,
    ]);
    expect(aliasesOf("mlops:index:Renamed", "new")).toEqual([`${prefix}mlops:index:Old::old`]);
    expect(aliasesOf("aws:kms/key:Key", "new-key")).toEqual([
      `${prefix}mlops:index:Old$aws:kms/key:Key::old-key`,
    ]);
    expect(aliasesOf("aws:iam/role:Role", "new-role")).toEqual([
      `${prefix}mlops:index:Renamed$aws:iam/role:Role::new-r`,
      `${prefix}mlops:index:Old$aws:iam/role:Role::old-role`,
      `${prefix}mlops:index:Old$aws:iam/role:Role::old-r`,
    ]);
    expect(aliasesOf("aws:ecr/repository:Repository", "t")).toEqual([
      `${prefix}aws:ecr/repository:Repository::t`,
    ]);
    // A provider's own aliases for a renamed type are aliases too (aws:s3/bucketV2:BucketV2 became Bucket).
    expect(aliasesOf("aws:s3/bucket:Bucket", "b")).toEqual([
      `${prefix}mlops:index:Widget$aws:s3/bucketV2:BucketV2::b`,
    ]);
    expect(aliasesOf("aws:sqs/queue:Queue", "q")).toEqual([`${prefix}aws:sqs/queue:Queue::old-q`]);
    // A resource without aliases has no field.
    expect(findResource(plan, "mlops:index:Widget", "w")).not.toHaveProperty("aliases");
  });

  it("warnings the program logs", async () => {
    const plan = await planOf(() => {
      void pulumi.log.warn("careful");
    });
    expect(plan.warnings).toEqual(["careful"]);
  });

  it("stack config, with secret keys", async () => {
    const plan = await planOf(
      () => {
        const config = new pulumi.Config();
        return {
          size: config.requireNumber("size"),
          token: config.requireSecret("token"),
          obj: config.requireObject("obj"),
        };
      },
      { config: { size: 3, token: "abc", obj: { a: [1] } }, secretKeys: ["mlops:token"] },
    );
    expect(plan.outputs).toEqual({ size: 3, token: "[secret]", obj: { a: [1] } });
  });
});

describe("runPlan and the SDK's promise tracking", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK-internal module the plan patches
  const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise: (p: Promise<unknown>, ctx: unknown) => Promise<unknown>;
  };

  it("is off while the program runs (the SDK gets its promise back) and restored afterwards", async () => {
    const original = debuggable.debuggablePromise;
    const given = Promise.resolve(1);
    let returned: Promise<unknown> | undefined;
    const plan = await planOf(() => {
      returned = debuggable.debuggablePromise(given, "probe");
      new Widget("w");
    });
    expect(returned).toBe(given);
    expect(plan.resources.map((r) => r.type)).toContain("kubernetes:core/v1:Secret");
    expect(debuggable.debuggablePromise).toBe(original);
    // Outside a plan the SDK's own function wraps the promise again.
    expect(debuggable.debuggablePromise(given, "probe")).not.toBe(given);
  });

  it("stays on with PULUMI_DEBUG_PROMISE_LEAKS set", async () => {
    const given = Promise.resolve(1);
    let returned: Promise<unknown> | undefined;
    process.env["PULUMI_DEBUG_PROMISE_LEAKS"] = "1";
    try {
      await planOf(() => {
        returned = debuggable.debuggablePromise(given, "probe");
      });
    } finally {
      delete process.env["PULUMI_DEBUG_PROMISE_LEAKS"];
    }
    expect(returned).toBeDefined();
    expect(returned).not.toBe(given);
  });
});

describe("runPlan fails cleanly", () => {
  it("a component error rejects the run; the next run in the same process works", async () => {
    class Bad extends pulumi.ComponentResource {
      constructor(name: string) {
        super("mlops:index:Bad", name, {}, {});
        throw new pulumi.ResourceError("args.size: must be positive", this);
      }
    }
    await expect(runPlan({ program: () => void new Bad("b") })).rejects.toThrow(
      "args.size: must be positive",
    );
    const plan = await planOf(() => void new Widget("ok"));
    expect(plan.resources.map((r) => r.name)).toContain("ok-secret");
  });

  it("an error in an apply rejects the run", async () => {
    await expect(
      planOf(() => {
        pulumi.output(1).apply(() => {
          throw new Error("in apply");
        });
      }),
    ).rejects.toThrow("in apply");
  });

  it("a StackReference without mock outputs names the stack", async () => {
    await expect(
      planOf(() => ({ v: new pulumi.StackReference("org/net/prod").getOutput("vpcId") })),
    ).rejects.toThrow('StackReference "org/net/prod" has no mock outputs');
  });

  it("an unanswered invoke whose value flows into a component's children rejects the run, naming it", async () => {
    // The children's registrations would wait forever on the failed value; the run must not hang.
    class Holder extends pulumi.ComponentResource {
      constructor(name: string, vpcId: pulumi.Input<string>) {
        super("mlops:index:Holder", name, {}, {});
        const sg = new aws.ec2.SecurityGroup(`${name}-sg`, { vpcId }, { parent: this });
        new aws.ec2.SecurityGroupRule(
          `${name}-rule`,
          { securityGroupId: sg.id, type: "egress", protocol: "-1", fromPort: 0, toPort: 0 },
          { parent: this },
        );
      }
    }
    await expect(
      planOf(() => void new Holder("h", aws.ec2.getVpcOutput({ default: true }).id)),
    ).rejects.toThrow('no mock answer for invoke "aws:ec2/getVpc:getVpc"');
    const plan = await planOf(() => void new Holder("h", aws.ec2.getVpcOutput({ default: true }).id), {
      invokes: { "aws:ec2/getVpc:getVpc": { id: "vpc-1" } },
    });
    expect(findResource(plan, "aws:ec2/securityGroup:SecurityGroup").inputs["vpcId"]).toBe("vpc-1");
  }, 15_000);

  it("an error the program logs fails the run", async () => {
    await expect(
      planOf(() => {
        void pulumi.log.error("broken");
      }),
    ).rejects.toThrow("the program logged 1 error(s):\n  broken");
  });
});

describe("runPlan as published (pulumi-mlops/plan)", () => {
  const entry = path.join(__dirname, "..", "fixtures", "programs", "insecure-bucket", "index.ts");

  it("returns the same plan the CLI writes: violations, policy environment, exemptions", async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mlops-lib-")), "plan.json");
    const code = await main(["--program", entry, "--stack", "prod", "--out", out, "--quiet"], {
      out: () => undefined,
      err: () => undefined,
    });
    expect(code).toBe(3);
    const fromCli = JSON.parse(fs.readFileSync(out, "utf8")) as unknown;
    const plan = await published.runPlan({
      program: published.programFromFile(entry),
      project: "user-app",
      stack: "prod",
      config: { "aws:region": "eu-west-1" },
    });
    expect(plan.policyViolations.map((v) => v.policyName)).toContain("aws-s3-public-access-block");
    expect(plan.policyEnvironment).toBe("prod");
    expect(JSON.parse(JSON.stringify(plan))).toEqual(fromCli);
  });

  it("takes the policy pack config, or runs no policies with policies: false", async () => {
    const program = (): void => void new aws.s3.Bucket("data", {});
    const dev = await published.runPlan({
      program,
      config: { environment: "dev" },
      policyPackConfig: {
        exemptions: [{ policy: "aws-s3-*", resourceNamePattern: "data", reason: "scratch" }],
      },
    });
    expect(dev).toMatchObject({
      policyEnvironment: "dev",
      policyEnvironmentSource: "stack-config",
      warnings: [],
    });
    expect(dev.policyViolations.filter((v) => v.policyName.startsWith("aws-s3-"))).toEqual([]);
    expect(dev.policyExemptions?.map((e) => e.policyName)).toContain("aws-s3-public-access-block");
    const off = await published.runPlan({ program, policies: false });
    expect(off.policyViolations).toEqual([]);
    expect(off.policyEnvironment).toBeUndefined();
  });
});
