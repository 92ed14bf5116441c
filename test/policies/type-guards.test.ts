/**
 * Rules whose validation starts with a type guard (`onlyForTypes`): the pack's wrapper applies the
 * guard before the rule and the offline runner records the reason without an exception. Both must
 * give exactly what the rule itself gives, in the engine (which throws) and offline.
 */
import type { ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { describe, expect, it, vi } from "vitest";
import { RULES } from "../../policies/catalog";
import { resolveConfig } from "../../policies/config";
import { runPoliciesDetailed } from "../../policies/offline";
import { buildPolicies, RECORD_NOT_APPLICABLE } from "../../policies/pack";
import { endNotApplicable, onlyForTypes, typeGuardOf, type ResourceRule } from "../../policies/rules/types";
import { appliesIn, onlyIn } from "../../policies/rules/util";
import { toPlan } from "./helpers";

const OTHER_TYPE = "test:index:Unrelated";

const guarded = RULES.filter(
  (r): r is ResourceRule => r.kind === "resource" && typeGuardOf(r.validateResource) !== undefined,
);

/** Engine-like args (no recorder): `notApplicable` throws, as the engine's does. */
function engineArgs(type: string): ResourceValidationArgs {
  return {
    type,
    name: "r",
    urn: `urn:pulumi:s::p::${type}::r`,
    props: {},
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>(): T => ({}) as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`notApplicable: ${reason}`);
    },
  };
}

/** What a validation does for a resource of `type` with empty inputs: reports, recorded and thrown reasons. */
function outcome(
  validate: ResourceValidation,
  type: string,
  offline: boolean,
): { reports: unknown[]; recorded: string[]; thrown: string | undefined } {
  const reports: unknown[] = [];
  const recorded: string[] = [];
  const args = offline
    ? { ...engineArgs(type), [RECORD_NOT_APPLICABLE]: (reason: string) => recorded.push(reason) }
    : engineArgs(type);
  let thrown: string | undefined;
  try {
    void validate(args, (message) => reports.push(message));
  } catch (e) {
    thrown = e instanceof Error ? e.message : String(e);
  }
  return { reports, recorded, thrown };
}

/** The pack's wrapped validation of `rule` (what the engine and the offline runner call). */
function wrappedValidation(rule: ResourceRule): ResourceValidation {
  const policy = buildPolicies(resolveConfig({}), {}, [rule])[0]!;
  if (!("validateResource" in policy) || typeof policy.validateResource !== "function")
    throw new Error("not a resource policy");
  return policy.validateResource;
}

describe("type guards", () => {
  it("cover the rules most resources are not for (workloads, KServe, Feast, monitoring charts, required tags and labels)", () => {
    expect(guarded.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        "k8s-run-as-non-root",
        "k8s-container-resources",
        "k8s-inferenceservice-resources",
        "k8s-feast-authz",
        "gov-aws-required-tags",
        "gov-gcp-required-labels",
        "gov-k8s-required-labels",
        "k8s-grafana-anonymous-or-default-password",
        "k8s-prometheus-alertmanager-exposed-without-auth",
        "k8s-alertmanager-inline-receiver-secret",
        "k8s-inferenceservice-prod-min-replicas",
      ]),
    );
  });

  it("onlyForTypes: notApplicable(reason) for another type, the validation for a listed one", () => {
    const inner = vi.fn();
    const validate = onlyForTypes(["a:b:C"], "not a C", inner);
    expect(() => validate(engineArgs("x:y:Z"), vi.fn())).toThrow("notApplicable: not a C");
    expect(inner).not.toHaveBeenCalled();
    void validate(engineArgs("a:b:C"), vi.fn());
    expect(inner).toHaveBeenCalledTimes(1);
    expect(typeGuardOf(validate)).toEqual({ types: new Set(["a:b:C"]), reason: "not a C" });
  });

  for (const rule of guarded) {
    const guard = typeGuardOf(rule.validateResource)!;
    it(`${rule.name}: the wrapper gives the rule's own reason, thrown in the engine and recorded offline`, () => {
      // The rule itself.
      expect(() => rule.validateResource(engineArgs(OTHER_TYPE), vi.fn())).toThrow(
        `notApplicable: ${guard.reason}`,
      );
      const wrapped = wrappedValidation(rule);
      // The engine: no recorder, so the wrapper throws through notApplicable.
      expect(() => wrapped(engineArgs(OTHER_TYPE), vi.fn())).toThrow(`notApplicable: ${guard.reason}`);
      // Offline: recorded, nothing thrown, the rule not run.
      const record = vi.fn();
      const offline = { ...engineArgs(OTHER_TYPE), [RECORD_NOT_APPLICABLE]: record };
      expect(() => wrapped(offline, vi.fn())).not.toThrow();
      expect(record).toHaveBeenCalledWith(guard.reason);
      // A guarded type reaches the rule: the wrapper gives what the rule itself gives (its reports,
      // and its own not-applicable reason, thrown in the engine or recorded offline).
      for (const inside of guard.types) {
        for (const offline of [false, true]) {
          expect(outcome(wrapped, inside, offline)).toEqual(outcome(rule.validateResource, inside, offline));
        }
      }
    });
  }

  it("endNotApplicable: records the reason offline without throwing, throws through notApplicable in the engine", () => {
    expect(() => endNotApplicable(engineArgs(OTHER_TYPE), "why")).toThrow("notApplicable: why");
    const record = vi.fn();
    expect(() =>
      endNotApplicable({ ...engineArgs(OTHER_TYPE), [RECORD_NOT_APPLICABLE]: record }, "why"),
    ).not.toThrow();
    expect(record).toHaveBeenCalledWith("why");
  });

  it("appliesIn: true in a wanted environment; otherwise onlyIn's reason, recorded offline and thrown in the engine", () => {
    const record = vi.fn();
    const offline = { ...engineArgs(OTHER_TYPE), [RECORD_NOT_APPLICABLE]: record };
    expect(appliesIn(offline, "prod", ["prod"])).toBe(true);
    expect(record).not.toHaveBeenCalled();
    expect(appliesIn(offline, "dev", ["staging", "prod"])).toBe(false);
    expect(record).toHaveBeenCalledWith("applies only in staging/prod (environment is dev)");
    expect(() => appliesIn(engineArgs(OTHER_TYPE), "dev", ["staging", "prod"])).toThrow(
      "notApplicable: applies only in staging/prod (environment is dev)",
    );
    expect(() => onlyIn(engineArgs(OTHER_TYPE), "dev", ["staging", "prod"])).toThrow(
      "notApplicable: applies only in staging/prod (environment is dev)",
    );
  });

  it("gcp-memorystore-prod-ha checks the environment first for every type, offline as in the engine", () => {
    const rule = RULES.find((r): r is ResourceRule => r.name === "gcp-memorystore-prod-ha")!;
    const wrapped = wrappedValidation(rule);
    const devArgs = (type: string): ResourceValidationArgs => ({
      ...engineArgs(type),
      getConfig: <T extends object>(): T => ({ environment: "dev" }) as T,
    });
    const reason = "applies only in prod (environment is dev)";
    for (const type of [OTHER_TYPE, "gcp:redis/instance:Instance"]) {
      expect(() => wrapped(devArgs(type), vi.fn())).toThrow(`notApplicable: ${reason}`);
      const record = vi.fn();
      const offline = { ...devArgs(type), [RECORD_NOT_APPLICABLE]: record };
      expect(() => wrapped(offline, vi.fn())).not.toThrow();
      expect(record).toHaveBeenCalledWith(reason);
    }
    const resources = toPlan([
      { type: "kubernetes:core/v1:ConfigMap", name: "cm", props: {} },
      { type: "gcp:redis/instance:Instance", name: "redis", props: { tier: "BASIC" } },
    ]);
    const run = (environment: string) =>
      runPoliciesDetailed({ stack: "test", project: "mlops", resources }, { environment }, { rules: [rule] });
    expect(run("dev").notApplicable).toEqual([
      { policyName: rule.name, urn: resources[0]!.urn, reason },
      { policyName: rule.name, urn: resources[1]!.urn, reason },
    ]);
    expect(run("dev").violations).toEqual([]);
    // In prod other types pass without a record; the Redis instance reports.
    const prod = run("prod");
    expect(prod.notApplicable).toEqual([]);
    expect(prod.violations.map((v) => [v.urn, v.message.split("\n").pop()])).toEqual([
      [resources[1]!.urn, "tier is BASIC; prod needs STANDARD_HA."],
    ]);
  });

  it("the offline runner lists a guarded rule's reason per resource, as before", () => {
    const rule = guarded.find((r) => r.name === "gov-aws-required-tags")!;
    const result = runPoliciesDetailed(
      {
        stack: "test",
        project: "mlops",
        resources: toPlan([
          { type: "kubernetes:core/v1:ConfigMap", name: "cm", props: { metadata: { name: "cm" } } },
          { type: "aws:s3/bucket:Bucket", name: "b", props: { tags: {} } },
        ]),
      },
      { requiredTags: ["owner"] },
      { rules: [rule] },
    );
    expect(result.notApplicable).toEqual([
      {
        policyName: "gov-aws-required-tags",
        urn: "urn:pulumi:test::mlops::kubernetes:core/v1:ConfigMap::cm",
        reason: "not a tagged AWS type",
      },
    ]);
    expect(result.violations.map((v) => [v.urn, v.message.split("\n").pop()])).toEqual([
      [
        "urn:pulumi:test::mlops::aws:s3/bucket:Bucket::b",
        "Missing tags: owner (resource tags or the provider's defaultTags).",
      ],
    ]);
  });
});
