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
import { onlyForTypes, typeGuardOf, type ResourceRule } from "../../policies/rules/types";
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

/** The pack's wrapped validation of `rule` (what the engine and the offline runner call). */
function wrappedValidation(rule: ResourceRule): ResourceValidation {
  const policy = buildPolicies(resolveConfig({}), {}, [rule])[0]!;
  if (!("validateResource" in policy) || typeof policy.validateResource !== "function")
    throw new Error("not a resource policy");
  return policy.validateResource;
}

describe("type guards", () => {
  it("cover the rules most resources are not for (workloads, KServe, Feast, required tags and labels)", () => {
    expect(guarded.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        "k8s-run-as-non-root",
        "k8s-container-resources",
        "k8s-inferenceservice-resources",
        "k8s-feast-authz",
        "gov-aws-required-tags",
        "gov-gcp-required-labels",
        "gov-k8s-required-labels",
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
      // A guarded type reaches the rule (which may report or be not applicable for its own reasons).
      const inside = [...guard.types][0]!;
      const recordInside = vi.fn();
      try {
        const insideArgs = { ...engineArgs(inside), [RECORD_NOT_APPLICABLE]: recordInside };
        void wrapped(insideArgs, vi.fn());
      } catch {
        // the rule's own notApplicable
      }
      expect(recordInside).not.toHaveBeenCalled();
    });
  }

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
