import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { RULES } from "../../policies/catalog";
import { resolveConfig, matchesPattern, effectiveEnforcementLevel } from "../../policies/config";
import { listPolicies, renderPolicyTable, runPolicies, runPoliciesDetailed } from "../../policies/offline";
import { buildPolicies } from "../../policies/pack";
import { classPulumiType as T } from "../../policies/rules/types";
import { workload } from "./fixtures";
import { runRule, runRuleDetailed, toPlan, type TestResource } from "./helpers";
import { planOf } from "../helpers";

const publicDb = {
  type: T(aws.rds.Instance),
  name: "db",
  props: { publiclyAccessible: true, storageEncrypted: false },
};
const unencryptedDb = { type: T(aws.rds.Instance), name: "scratch-db", props: { storageEncrypted: false } };

describe("enforcement by environment", () => {
  it("is mandatory in prod and advisory in dev for high-severity rules", () => {
    expect(
      runRule("aws-rds-instance-encrypted", unencryptedDb, { environment: "prod" })[0]?.enforcementLevel,
    ).toBe("mandatory");
    expect(
      runRule("aws-rds-instance-encrypted", unencryptedDb, { environment: "staging" })[0]?.enforcementLevel,
    ).toBe("mandatory");
    expect(
      runRule("aws-rds-instance-encrypted", unencryptedDb, { environment: "dev" })[0]?.enforcementLevel,
    ).toBe("advisory");
  });

  it("keeps critical rules mandatory everywhere", () => {
    expect(
      runRule("aws-rds-instance-not-public", publicDb, { environment: "dev" })[0]?.enforcementLevel,
    ).toBe("mandatory");
  });

  it("defaults to prod (secure by default)", () => {
    expect(runRule("aws-rds-instance-encrypted", unencryptedDb)[0]?.enforcementLevel).toBe("mandatory");
  });

  it("applies prod-only rules only in prod", () => {
    const db = { type: T(aws.rds.Instance), props: {} };
    expect(runRule("aws-rds-instance-prod-protection", db, { environment: "dev" })).toEqual([]);
    expect(runRule("aws-rds-instance-prod-protection", db, { environment: "prod" }).length).toBeGreaterThan(
      0,
    );
  });

  it("honours per-rule enforcement overrides", () => {
    const v = runRule("aws-rds-instance-encrypted", unencryptedDb, {
      environment: "dev",
      enforcementLevels: { "aws-rds-instance-encrypted": "mandatory" },
    });
    expect(v[0]?.enforcementLevel).toBe("mandatory");
  });
});

describe("disable and exemptions", () => {
  it("disables a rule", () => {
    expect(
      runRule("aws-rds-instance-not-public", publicDb, { disabled: ["aws-rds-instance-not-public"] }),
    ).toEqual([]);
    const rule = RULES.find((r) => r.name === "aws-rds-instance-not-public");
    expect(rule && effectiveEnforcementLevel(rule, resolveConfig({ disabled: [rule.name] }))).toBe(
      "disabled",
    );
  });

  it("exempts by glob pattern and records the reason", () => {
    const config = {
      exemptions: [
        {
          policy: "aws-rds-instance-encrypted",
          resourceNamePattern: "scratch-*",
          reason: "ephemeral CI database, no data",
        },
      ],
    };
    const r = runRuleDetailed(
      "aws-rds-instance-encrypted",
      [unencryptedDb, { ...unencryptedDb, name: "prod-db" }],
      config,
    );
    expect(r.violations.map((v) => v.urn)).toEqual([expect.stringContaining("::prod-db")]);
    expect(r.exemptions).toEqual([
      expect.objectContaining({
        policyName: "aws-rds-instance-encrypted",
        resourceName: "scratch-db",
        reason: "ephemeral CI database, no data",
      }),
    ]);
    expect(r.notApplicable[0]?.reason).toContain("ephemeral CI database");
  });

  it("exempts by regex pattern and policy glob, in stack rules too", () => {
    const config = {
      exemptions: [{ policy: "aws-s3-*", resourceNamePattern: "/^legacy-\\d+$/", reason: "migrating in Q3" }],
    };
    const bucket = (name: string): TestResource => ({ type: T(aws.s3.Bucket), name, props: {} });
    const res = [bucket("legacy-1")];
    const r = runRuleDetailed("aws-s3-public-access-block", res, config);
    expect(r.violations).toEqual([]);
    expect(r.exemptions[0]).toMatchObject({ resourceName: "legacy-1", reason: "migrating in Q3" });
    expect(runRule("aws-s3-public-access-block", [bucket("legacy-x")], config).length).toBe(1);
  });

  it("rejects exemptions without a reason and bad config", () => {
    expect(() =>
      resolveConfig({ exemptions: [{ policy: "*", resourceNamePattern: "*", reason: "" }] }),
    ).toThrow(/reason/);
    expect(() => resolveConfig({ environment: "qa" })).toThrow(/environment/);
    expect(() => resolveConfig({ allowedRegions: "eu-west-1" })).toThrow(/allowedRegions/);
    expect(matchesPattern("gpu-pool-a", "gpu-*")).toBe(true);
    expect(matchesPattern("gpu-pool-a", "/pool-[ab]$/")).toBe(true);
    expect(matchesPattern("gpu-pool-c", "/pool-[ab]$/")).toBe(false);
    expect(matchesPattern("xgpu-pool", "gpu-*")).toBe(false);
  });
});

describe("scoped pod security exemptions for GPU/CSI node agents", () => {
  const agentSpec = (image: string): Record<string, unknown> => ({
    containers: [{ name: "agent", image, securityContext: { privileged: true } }],
    volumes: [{ name: "dev", hostPath: { path: "/var/lib/kubelet/device-plugins" } }],
  });

  it("exempts the NVIDIA device plugin DaemonSet and records why", () => {
    const r = runRuleDetailed(
      "k8s-no-privileged-containers",
      workload("DaemonSet", agentSpec("nvcr.io/nvidia/k8s-device-plugin:v0.16.2")),
    );
    expect(r.violations).toEqual([]);
    expect(r.exemptions[0]).toMatchObject({
      pattern: "nvidia-gpu-node-agents",
      policyName: "k8s-no-privileged-containers",
    });
    expect(
      runRule(
        "k8s-no-host-path-volumes",
        workload("DaemonSet", agentSpec("nvcr.io/nvidia/k8s/dcgm-exporter:3.3.7")),
      ),
    ).toEqual([]);
  });

  it("does not exempt other kinds, other images or unlisted rules", () => {
    expect(
      runRule(
        "k8s-no-privileged-containers",
        workload("Deployment", agentSpec("nvcr.io/nvidia/k8s-device-plugin:v0.16.2")),
      ).length,
    ).toBe(1);
    expect(
      runRule("k8s-no-privileged-containers", workload("DaemonSet", agentSpec("docker.io/evil/agent:1.0")))
        .length,
    ).toBe(1);
    expect(
      runRule("k8s-image-pinned", workload("DaemonSet", agentSpec("nvcr.io/nvidia/k8s-device-plugin:latest")))
        .length,
    ).toBe(1);
  });

  it("can be switched off", () => {
    expect(
      runRule(
        "k8s-no-privileged-containers",
        workload("DaemonSet", agentSpec("nvcr.io/nvidia/k8s-device-plugin:v0.16.2")),
        { podSecurityExemptions: [] },
      ).length,
    ).toBe(1);
  });
});

describe("offline runner engine parity", () => {
  it("checks all six pod-bearing kinds", () => {
    for (const kind of ["Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"] as const) {
      const w = workload(kind, {
        containers: [{ name: "c", image: "ghcr.io/o/a:1.0.0", securityContext: { privileged: true } }],
      });
      expect(runRule("k8s-no-privileged-containers", w).length, kind).toBe(1);
    }
  });

  it("prefixes messages with the description like the engine and uses the resource URN", () => {
    const [v] = runRule("aws-rds-instance-not-public", publicDb);
    expect(v?.message.split("\n")[0]).toBe("RDS DB instances are not publicly accessible.");
    expect(v).toMatchObject({
      severity: "critical",
      urn: "urn:pulumi:test::mlops::aws:rds/instance:Instance::db",
    });
  });

  it("keeps the typed fast path (__pulumiType) on wrapped resource policies", () => {
    const policies = buildPolicies(resolveConfig({}));
    const p = policies.find((x) => x.name === "aws-rds-instance-not-public");
    const fn = p && "validateResource" in p ? p.validateResource : undefined;
    expect((fn as { __pulumiType?: string } | undefined)?.__pulumiType).toBe("aws:rds/instance:Instance");
  });

  it("treats masked secrets as present but unknown", () => {
    expect(
      runRule("aws-sagemaker-notebook-kms", {
        type: T(aws.sagemaker.NotebookInstance),
        props: { kmsKeyId: "[secret]" },
      }),
    ).toEqual([]);
    expect(
      runRule("aws-iam-no-admin-policy", { type: T(aws.iam.Policy), props: { policy: "[secret]" } }),
    ).toEqual([]);
  });

  it("gives stack policies dependencies and resource options", () => {
    const plan = toPlan([
      { type: T(aws.s3.Bucket), name: "b", props: {}, retainOnDelete: true },
      { type: T(aws.rds.Instance), name: "db", props: {} },
    ]);
    const r = runPoliciesDetailed(
      { stack: "s", project: "p", resources: plan },
      { environment: "prod" },
      { rules: RULES.filter((x) => x.name === "gov-stateful-resource-protection") },
    );
    expect(r.violations.map((v) => v.urn)).toEqual([plan[1]?.urn]);
  });

  it("runs the whole pack over a mixed plan", () => {
    const v = runPolicies({
      stack: "s",
      project: "p",
      resources: toPlan([publicDb, workload("Deployment", { containers: [{ name: "c", image: "x" }] })]),
    });
    const names = new Set(v.map((x) => x.policyName));
    expect(names.has("aws-rds-instance-not-public")).toBe(true);
    expect(names.has("k8s-run-as-non-root")).toBe(true);
    expect(names.has("k8s-image-pinned")).toBe(true);
  });
});

describe("catalog metadata", () => {
  it("has at least 60 rules with complete metadata", () => {
    expect(RULES.length).toBeGreaterThanOrEqual(60);
    for (const r of RULES) {
      expect(r.name).toMatch(/^(aws|gcp|k8s|gov|cost)-[a-z0-9-]+$/);
      expect(r.description && r.remediation && r.reference).toBeTruthy();
      expect(r.resourceTypes.length).toBeGreaterThan(0);
    }
  });

  it("lists policies as JSON and renders the README table", () => {
    const list = listPolicies();
    expect(JSON.parse(JSON.stringify(list))).toHaveLength(RULES.length);
    expect(list[0]).toMatchObject({
      name: "aws-s3-public-access-block",
      severity: "critical",
      enforcementLevel: "mandatory",
    });
    const table = renderPolicyTable();
    expect(table.split("\n").filter((l) => l.startsWith("| `"))).toHaveLength(RULES.length);
  });
});

describe("stack rules follow property dependencies from a real plan", () => {
  it("a policy that only mentions another bucket's ARN does not count as that bucket's policy", async () => {
    const plan = await planOf(() => {
      const data = new aws.s3.Bucket("data", {});
      const logs = new aws.s3.Bucket("logs", {});
      new aws.s3.BucketPolicy("logs-policy", {
        bucket: logs.bucket,
        policy: data.arn.apply((dataArn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
              {
                Effect: "Allow",
                Principal: { Service: "logging.s3.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: "arn:aws:s3:::logs/*",
                Condition: { ArnLike: { "aws:SourceArn": dataArn } },
              },
            ],
          }),
        ),
      });
    });
    const policy = plan.resources.find((r) => r.name === "logs-policy")!;
    const logs = plan.resources.find((r) => r.name === "logs")!;
    expect(policy.propertyDependencies?.["bucket"]).toEqual([logs.urn]);
    const tls = runPolicies(plan, { environment: "prod" }).filter(
      (v) => v.policyName === "aws-s3-tls-only-policy",
    );
    expect(tls.map((v) => v.urn.split("::").pop())).toEqual(["data"]);
  });
});
