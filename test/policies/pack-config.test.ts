/**
 * Review 2 (B1, M1–M4): image-pattern exemptions, the config precedence inside the wrapped policies,
 * the `pulumi preview --policy-pack-config` file offline, and stack policies over outputs.
 */
import * as aws from "@pulumi/aws";
import type { ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { describe, expect, it, vi } from "vitest";
import { packConfigFor } from "../../plan/policies";
import type { PlanResource } from "../../plan/types";
import { RULES, ruleByName } from "../../policies/catalog";
import {
  loadPackConfigFromEnvironment,
  matchesImagePattern,
  matchesPathPattern,
  matchesPattern,
  resolveConfig,
} from "../../policies/config";
import { runPoliciesDetailed } from "../../policies/offline";
import { buildPolicies } from "../../policies/pack";
import { classPulumiType as T } from "../../policies/rules/types";
import { workload } from "./fixtures";
import { runRule, runRuleDetailed, toPlan } from "./helpers";

const privilegedNodeAgent = (image: string): Record<string, unknown> => ({
  containers: [{ name: "agent", image, securityContext: { privileged: true } }],
  hostNetwork: true,
  hostPID: true,
  volumes: [{ name: "root", hostPath: { path: "/" } }],
});

describe("B1: pod security exemptions match trusted repositories only", () => {
  it("does not exempt a privileged DaemonSet from an arbitrary registry whose image is named csi-*", () => {
    const ds = workload("DaemonSet", privilegedNodeAgent("ghcr.io/attacker/csi-miner:1.0"));
    for (const rule of [
      "k8s-no-privileged-containers",
      "k8s-no-host-namespaces",
      "k8s-no-host-path-volumes",
    ]) {
      const r = runRuleDetailed(rule, ds);
      expect(r.violations.length, rule).toBeGreaterThan(0);
      expect(r.exemptions, rule).toEqual([]);
    }
    // Nor one that borrows a trusted name as a deeper path, or a look-alike host.
    for (const image of [
      "ghcr.io/attacker/registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.11.1",
      "gke.gcr.io.evil.com/csi-driver:1.0",
      "gke.gcr.io/evil/csi-driver:1.0",
      "nvcr.io/nvidia/cloud-native/a/b:1.0",
      "602401143452.dkr.ecr.us-west-2.amazonaws.com.evil.io/eks/aws-ebs-csi-driver:v1",
      "nvcr.io/nvidia/pytorch:24.05-py3",
    ]) {
      expect(
        runRule("k8s-no-privileged-containers", workload("DaemonSet", privilegedNodeAgent(image))).length,
        image,
      ).toBe(1);
    }
  });

  it("exempts real CSI node driver and NVIDIA images", () => {
    for (const image of [
      "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.11.1",
      "public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.35.0",
      "public.ecr.aws/eks-distro/kubernetes-csi/livenessprobe:v2.13.1-eks-1-31-2",
      "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/aws-ebs-csi-driver:v1.35.0",
      "gke.gcr.io/gcs-fuse-csi-driver-sidecar-mounter:v1.4.2-gke.0",
      "nvcr.io/nvidia/k8s-device-plugin:v0.16.2",
      "nvcr.io/nvidia/k8s-device-plugin@sha256:0000000000000000000000000000000000000000000000000000000000000000",
      "nvcr.io/nvidia/k8s/dcgm-exporter:3.3.7-3.5.0-ubuntu22.04",
      "nvcr.io/nvidia/cloud-native/k8s-driver-manager:v0.6.10",
    ]) {
      const r = runRuleDetailed(
        "k8s-no-privileged-containers",
        workload("DaemonSet", privilegedNodeAgent(image)),
      );
      expect(r.violations, image).toEqual([]);
      expect(r.exemptions.length, image).toBe(1);
    }
  });

  it("image globs are segment-aware: * and ? stay within a segment, ** spans segments", () => {
    expect(matchesPathPattern("gke.gcr.io/csi-x:1", "gke.gcr.io/*csi*")).toBe(true);
    expect(matchesPathPattern("gke.gcr.io/a/csi-x:1", "gke.gcr.io/*csi*")).toBe(false);
    expect(matchesPathPattern("ghcr.io/org/team/img", "ghcr.io/org/*")).toBe(false);
    expect(matchesPathPattern("ghcr.io/org/team/img", "ghcr.io/org/**")).toBe(true);
    expect(matchesPathPattern("a/b", "a?b")).toBe(false);
    expect(
      matchesImagePattern("nvcr.io/nvidia/k8s-device-plugin:v1", "nvcr.io/nvidia/k8s-device-plugin"),
    ).toBe(true);
    // Resource and policy name patterns keep `*` matching anything.
    expect(matchesPattern("ns/legacy-app", "*legacy-*")).toBe(true);
  });

  it("allowedRegistries path globs are segment-aware too", () => {
    const w = (image: string): ReturnType<typeof workload> =>
      workload("Deployment", { containers: [{ name: "c", image }] });
    const cfg = { allowedRegistries: ["ghcr.io/my-org/*"] };
    expect(runRule("k8s-image-allowed-registry", w("ghcr.io/my-org/app:1.0"), cfg)).toEqual([]);
    expect(runRule("k8s-image-allowed-registry", w("ghcr.io/my-org/x/app:1.0"), cfg)).toHaveLength(1);
    expect(
      runRule("k8s-image-allowed-registry", w("ghcr.io/my-org/x/app:1.0"), {
        allowedRegistries: ["ghcr.io/my-org/**"],
      }),
    ).toEqual([]);
  });
});

const unencryptedDb = { type: T(aws.rds.Instance), name: "db", props: { storageEncrypted: false } };
const nodePort = {
  type: "kubernetes:core/v1:Service",
  name: "svc",
  props: { metadata: { name: "svc" }, spec: { type: "NodePort", ports: [{ port: 80 }] } },
};

/** Engine-like args for a wrapped resource policy. */
function resourceArgs(
  r: { type: string; name: string; props: Record<string, unknown> },
  engineConfig: object,
  stackTags: Record<string, string> = {},
): ResourceValidationArgs {
  return {
    type: r.type,
    name: r.name,
    urn: `urn:pulumi:s::p::${r.type}::${r.name}`,
    props: r.props,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: {} as never,
      additionalSecretOutputs: [],
    },
    stackTags: new Map(Object.entries(stackTags)),
    isType: (cls) => (cls as { __pulumiType?: string }).__pulumiType === r.type,
    asType: ((cls: { __pulumiType?: string }) =>
      cls.__pulumiType === r.type ? r.props : undefined) as ResourceValidationArgs["asType"],
    getConfig: <U extends object>() => engineConfig as U,
    notApplicable: (reason?: string): never => {
      throw new Error(`notApplicable: ${reason}`);
    },
  };
}

function wrapped(
  name: string,
  config = resolveConfig({}),
): (args: ResourceValidationArgs, report: never) => unknown {
  const p = buildPolicies(config, {}, [ruleByName(name)!])[0]!;
  if (!("validateResource" in p) || typeof p.validateResource !== "function")
    throw new Error("not a resource policy");
  return p.validateResource;
}

describe("M2/M3: config precedence inside the wrapped policies", () => {
  it("an engine per-policy `environment` takes effect (it is no longer overwritten)", () => {
    const db = { type: T(aws.rds.Instance), name: "db", props: {} };
    const validate = wrapped("aws-rds-instance-prod-protection");
    const report = vi.fn();
    // Static config: prod (default). The engine config selects dev for this policy.
    expect(() => validate(resourceArgs(db, { environment: "dev" }), report as never)).toThrow(
      /notApplicable/,
    );
    expect(report).not.toHaveBeenCalled();
    validate(resourceArgs(db, {}), report as never);
    expect(report).toHaveBeenCalled();
  });

  it("offline, the same per-policy `environment` wins over the static config", () => {
    const db = { type: T(aws.rds.Instance), name: "db", props: {} };
    expect(runRule("aws-rds-instance-prod-protection", db, { environment: "prod" }).length).toBeGreaterThan(
      0,
    );
    expect(
      runRule("aws-rds-instance-prod-protection", db, {
        environment: "prod",
        "aws-rds-instance-prod-protection": { environment: "dev" },
      }),
    ).toEqual([]);
  });

  it("reports only through the documented (message, urn) form, whatever the stack tags say", () => {
    const validate = wrapped("aws-rds-instance-encrypted", resolveConfig({ environment: "dev" }));
    const report = vi.fn();
    validate(resourceArgs(unencryptedDb, {}, { environment: "prod" }), report as never);
    expect(report).toHaveBeenCalledTimes(1);
    expect(typeof report.mock.calls[0]![0]).toBe("string");
  });

  it("the stack tag `environment` no longer changes levels (a lowered level stays lowered)", () => {
    const r = runRuleDetailed(
      "aws-rds-instance-encrypted",
      unencryptedDb,
      { environment: "prod", "aws-rds-instance-encrypted": "advisory" },
      { environment: "prod" },
    );
    expect(r.violations.map((v) => v.enforcementLevel)).toEqual(["advisory"]);
    const dev = runRuleDetailed(
      "aws-rds-instance-encrypted",
      unencryptedDb,
      { environment: "prod" },
      { environment: "dev" },
    );
    expect(dev.violations.map((v) => v.enforcementLevel)).toEqual(["mandatory"]);
  });
});

describe("M1: offline --policy-pack-config takes the file `pulumi preview --policy-pack-config` takes", () => {
  const rule = "k8s-service-no-external-exposure";

  it("applies a per-policy enforcementLevel", () => {
    expect(runRule(rule, nodePort).map((v) => v.enforcementLevel)).toEqual(["mandatory"]);
    expect(
      runRule(rule, nodePort, { [rule]: { enforcementLevel: "advisory" } }).map((v) => v.enforcementLevel),
    ).toEqual(["advisory"]);
    expect(runRule(rule, nodePort, { [rule]: "advisory" }).map((v) => v.enforcementLevel)).toEqual([
      "advisory",
    ]);
    expect(runRule(rule, nodePort, { [rule]: "disabled" })).toEqual([]);
  });

  it("applies `all`, with per-policy levels winning", () => {
    const all = runRule(rule, nodePort, { all: "advisory" });
    expect(all.length).toBe(1);
    expect(all.some((v) => v.enforcementLevel === "mandatory")).toBe(false);
    expect(runRule(rule, nodePort, { all: { enforcementLevel: "advisory" } })[0]?.enforcementLevel).toBe(
      "advisory",
    );
    expect(runRule(rule, nodePort, { all: "advisory", [rule]: "mandatory" })[0]?.enforcementLevel).toBe(
      "mandatory",
    );
  });

  it("returns the policy's properties from getConfig(), merged over the pack config", () => {
    expect(runRule(rule, nodePort, { [rule]: { allowNodePortServices: true } })).toEqual([]);
    // Another policy's properties do not leak.
    expect(runRule(rule, nodePort, { "k8s-image-pinned": { allowNodePortServices: true } })).toHaveLength(1);
  });

  it("still takes the pack's flat keys alongside", () => {
    expect(runRule(rule, nodePort, { allowNodePortServices: true, all: "advisory" })).toEqual([]);
  });

  it("rejects unknown top-level keys, naming them", () => {
    expect(() => runRule(rule, nodePort, { "k8s-service-no-externl-exposure": "advisory" })).toThrow(
      /unknown policy config key 'k8s-service-no-externl-exposure'/,
    );
    expect(() => runRule(rule, nodePort, { all: "loud" })).toThrow(/'all' must be one of/);
    expect(() => runRule(rule, nodePort, { [rule]: { allowNodePortServices: "yes" } })).toThrow(
      new RegExp(`'${rule}'.*allowNodePortServices`),
    );
  });

  it("the plan CLI turns a bad file into a usage error (exit 2)", () => {
    const options = { enabled: true, stackConfig: {}, projectName: "p" };
    expect(() => packConfigFor({ ...options, packConfig: { enviroment: "dev" } })).toThrow(
      expect.objectContaining({
        name: "UsageError",
        message: expect.stringContaining("'enviroment'"),
      }) as Error,
    );
    expect(
      packConfigFor({
        ...options,
        packConfig: { all: "advisory", [rule]: { enforcementLevel: "advisory" } },
      }),
    ).toEqual({
      all: "advisory",
      [rule]: { enforcementLevel: "advisory" },
    });
  });
});

describe("M4: stack policies see outputs, resource policies inputs", () => {
  const bucket = (outputs?: Record<string, unknown>): PlanResource => ({
    ...toPlan([{ type: T(aws.s3.Bucket), name: "data", props: { bucket: "data" } }])[0]!,
    ...(outputs ? { outputs } : {}),
  });

  it("gov-allowed-regions reports a region that only the outputs carry", () => {
    const rule = ruleByName("gov-allowed-regions")!;
    const run = (r: PlanResource): ReturnType<typeof runPoliciesDetailed> =>
      runPoliciesDetailed(
        { stack: "s", project: "p", resources: [r] },
        { allowedRegions: ["eu-west-1"] },
        { rules: [rule] },
      );
    const outside = run(bucket({ bucket: "data", region: "us-east-1" }));
    expect(outside.violations.map((v) => v.message)).toEqual([expect.stringContaining("us-east-1")]);
    expect(run(bucket({ bucket: "data", region: "eu-west-1" })).violations).toEqual([]);
    // Without recorded outputs (older plans), inputs stand in.
    expect(run(bucket()).violations).toEqual([]);
  });

  it("hands stack policies the outputs of custom resources and the inputs of components", () => {
    const seen = new Map<string, Record<string, unknown>>();
    const probe = {
      ...ruleByName("gov-allowed-regions")!,
      validateStack: (args: StackValidationArgs): void => {
        for (const r of args.resources) seen.set(r.name, r.props);
      },
    };
    const component: PlanResource = {
      ...bucket(),
      urn: "urn:pulumi:s::p::mlops:index:Thing::thing",
      type: "mlops:index:Thing",
      name: "thing",
      custom: false,
      inputs: { size: 1 },
      outputs: { registered: true },
    };
    runPoliciesDetailed(
      { stack: "s", project: "p", resources: [bucket({ region: "us-east-1" }), component] },
      {},
      {
        rules: [probe],
      },
    );
    expect(seen.get("data")).toEqual({ region: "us-east-1" });
    expect(seen.get("thing")).toEqual({ size: 1 });
  });
});

describe("minor: ephemeral containers are not checked for resources (the API forbids them)", () => {
  const resources = { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } };
  const app = { name: "app", image: "ghcr.io/o/a:1.0.0", resources };

  it("k8s-container-resources: an ephemeral debug container without resources passes", () => {
    const debug = { name: "debug", image: "busybox:1.36" };
    expect(
      runRule(
        "k8s-container-resources",
        workload("Pod", { containers: [app], ephemeralContainers: [debug] }),
      ),
    ).toEqual([]);
    // Regular and init containers without resources are still reported.
    expect(
      runRule("k8s-container-resources", workload("Pod", { containers: [app], initContainers: [debug] })),
    ).toHaveLength(1);
  });

  it("k8s-gpu-resources ignores ephemeral containers", () => {
    const gpuDebug = {
      name: "debug",
      image: "busybox:1.36",
      resources: { requests: { "nvidia.com/gpu": 1 } },
    };
    expect(
      runRule("k8s-gpu-resources", workload("Pod", { containers: [app], ephemeralContainers: [gpuDebug] })),
    ).toEqual([]);
    expect(
      runRule("k8s-gpu-resources", workload("Pod", { containers: [app, gpuDebug] })).length,
    ).toBeGreaterThan(0);
  });
});

describe("unknown rule names in the pack config are errors, not silent no-ops", () => {
  const names = RULES.map((r) => r.name);

  it("the pulumi preview path (MLOPS_POLICY_CONFIG) names each unknown rule", () => {
    const env = {
      MLOPS_POLICY_CONFIG: JSON.stringify({
        disabled: ["aws-s3-versioning", "aws-s3-versoning"],
        exemptions: [{ policy: "gcp-*-nope", resourceNamePattern: "*", reason: "typo" }],
      }),
    };
    expect(() => loadPackConfigFromEnvironment(env, "/nonexistent", names)).toThrow(
      "policy config 'disabled[1]': 'aws-s3-versoning' is not a rule of this pack (see --list-policies); " +
        "policy config 'exemptions[0].policy': 'gcp-*-nope' matches no rule of this pack (see --list-policies)",
    );
    const ok = { MLOPS_POLICY_CONFIG: JSON.stringify({ disabled: ["aws-s3-versioning"] }) };
    expect(loadPackConfigFromEnvironment(ok, "/nonexistent", names).disabled).toEqual(["aws-s3-versioning"]);
  });

  it("the offline runner rejects them before running", () => {
    expect(() =>
      runPoliciesDetailed(
        { stack: "s", project: "p", resources: [] },
        { enforcementLevels: { "k8s-nope": "advisory" } },
      ),
    ).toThrow("policy config 'enforcementLevels.k8s-nope': 'k8s-nope' is not a rule of this pack");
  });
});
