/**
 * The one helper that makes every explicitly set physical name (components/shared/names.ts), and
 * the test helper that collects such names from a plan (test/helpers.ts).
 */
import { describe, expect, it } from "vitest";
import {
  PHYSICAL_NAME_RULES,
  PhysicalNameKind,
  physicalName,
  physicalNameBase,
  bigQueryDatasetId,
} from "../components/shared/names";
import { accountScopedPhysicalNames, sharedPhysicalNames, type Plan, type PlanResource } from "./helpers";

/** Lowercase letters, digits and single hyphens; a letter first; a letter or digit last. */
const CHARSET = /^[a-z](-?[a-z0-9])*$/;
const KINDS = Object.values(PhysicalNameKind);

describe("physicalNameBase", () => {
  it("is <component name>-<stack>, or the explicit name as it is", () => {
    expect(physicalNameBase("gpu-cluster", undefined, "aws-prod")).toBe("gpu-cluster-aws-prod");
    expect(physicalNameBase("gpu-cluster", "ml-eks", "aws-prod")).toBe("ml-eks");
  });
});

describe("physicalName", () => {
  it("joins base and roles readably when they fit, in each kind's form", () => {
    expect(physicalName(PhysicalNameKind.eksCluster, "gpu-cluster-aws-prod")).toBe("gpu-cluster-aws-prod");
    expect(physicalName(PhysicalNameKind.kmsAlias, "model-registry-aws-prod", "data")).toBe(
      "alias/model-registry-aws-prod-data",
    );
    expect(physicalName(PhysicalNameKind.sqsQueue, "gpu-cluster-aws-prod", "karpenter")).toBe(
      "gpu-cluster-aws-prod-karpenter",
    );
    expect(physicalName(PhysicalNameKind.rdsSnapshot, "reg-prod", "db", "postgres-final")).toBe(
      "reg-prod-db-postgres-final",
    );
    expect(physicalName(PhysicalNameKind.gkeCluster, "gpu-cluster-gcp-prod")).toBe("gpu-cluster-gcp-prod");
    expect(physicalName(PhysicalNameKind.gcpServiceAccountId, "gpu-cluster-gcp-prod", "gke-nodes")).toBe(
      "gpu-cluster-gcp-prod-gke-nodes",
    );
    expect(physicalName(PhysicalNameKind.storageClass, "monitoring-aws-prod", "tsdb", "encrypted")).toBe(
      "monitoring-aws-prod-tsdb-encrypted",
    );
  });

  it("lowercases and turns other characters (stack names may have '.', '_', capitals) into single hyphens", () => {
    expect(physicalName(PhysicalNameKind.eksCluster, "ML_Cluster-Team.A--dev")).toBe("ml-cluster-team-a-dev");
    expect(physicalName(PhysicalNameKind.sqsQueue, "-a-", "_b_")).toBe("a-b");
  });

  it("starts every kind with a letter", () => {
    expect(physicalName(PhysicalNameKind.gkeCluster, "1st-prod")).toBe("gke-1st-prod");
    expect(physicalName(PhysicalNameKind.rdsSnapshot, "1reg-prod", "final")).toBe("db-1reg-prod-final");
    expect(physicalName(PhysicalNameKind.eksCluster, "9")).toBe("eks-9");
    expect(physicalName(PhysicalNameKind.kmsAlias, "0", "data")).toBe("alias/key-0-data");
  });

  it("cuts a name that is too long and appends a hash of the whole name, at exactly the limit", () => {
    const long = "team-with-a-rather-long-name-platform-production-eu-west-1";
    for (const kind of KINDS) {
      const rule = PHYSICAL_NAME_RULES[kind];
      const base = long.repeat(Math.ceil(rule.max / long.length) + 1);
      const name = physicalName(kind, base, "role");
      expect(name.startsWith(rule.prefix), kind).toBe(true);
      const body = name.slice(rule.prefix.length);
      expect(body.length, kind).toBeLessThanOrEqual(rule.max);
      expect(body.length, kind).toBeGreaterThanOrEqual(rule.max - 1); // a "-" before the hash is never doubled
      expect(body, kind).toMatch(/-[0-9a-f]{6}$/);
      expect(body, kind).toMatch(CHARSET);
    }
    expect(physicalName(PhysicalNameKind.eksCluster, "gpu-cluster", "a-very-long-stack-name-prod-1")).toMatch(
      /^gpu-cluster-a-very-long-stack-nam-[0-9a-f]{6}$/,
    );
  });

  it("keeps names that differ only in the cut-off part apart, and is deterministic", () => {
    const a = physicalName(PhysicalNameKind.gcpServiceAccountId, "model-registry-production-eu", "server");
    const b = physicalName(PhysicalNameKind.gcpServiceAccountId, "model-registry-production-us", "server");
    expect(a).toHaveLength(30);
    expect(a.slice(0, 23)).toBe(b.slice(0, 23));
    expect(a).not.toBe(b);
    expect(physicalName(PhysicalNameKind.gcpServiceAccountId, "model-registry-production-eu", "server")).toBe(
      a,
    );
  });

  it("pads a name shorter than the kind's minimum with the hash (service account ids: 6)", () => {
    const id = physicalName(PhysicalNameKind.gcpServiceAccountId, "ml");
    expect(id).toMatch(/^ml-[0-9a-f]{6}$/);
    expect(physicalName(PhysicalNameKind.gcpServiceAccountId, "a-b", "c")).toMatch(/^a-b-c-[0-9a-f]{6}$/); // 5 < 6
    expect(physicalName(PhysicalNameKind.gcpServiceAccountId, "ab-cd", "e")).toBe("ab-cd-e");
  });

  it("always satisfies every kind's charset and length rules", () => {
    const bases = [
      "x",
      "X_Y",
      "1",
      "a--b__",
      "--",
      "gpu-cluster-aws-dev",
      "ä-ö-ü",
      "a".repeat(300),
      "9".repeat(70),
    ];
    for (const kind of KINDS) {
      const rule = PHYSICAL_NAME_RULES[kind];
      for (const base of bases) {
        for (const roles of [[], ["server"], ["x", "y-"]]) {
          const name = physicalName(kind, base, ...roles);
          const body = name.slice(rule.prefix.length);
          expect(name.startsWith(rule.prefix)).toBe(true);
          expect(body, `${kind} ${base}`).toMatch(CHARSET);
          expect(body.length, `${kind} ${base}`).toBeGreaterThanOrEqual(rule.min);
          expect(body.length, `${kind} ${base}`).toBeLessThanOrEqual(rule.max);
        }
      }
    }
  });

  it("has each service's limits", () => {
    expect(PHYSICAL_NAME_RULES.gcpServiceAccountId).toMatchObject({ min: 6, max: 30 });
    expect(PHYSICAL_NAME_RULES.gkeCluster.max).toBe(40);
    expect(PHYSICAL_NAME_RULES.eksCluster.max).toBeLessThanOrEqual(100);
    expect(PHYSICAL_NAME_RULES.sqsQueue.max).toBe(80);
    expect(PHYSICAL_NAME_RULES.rdsSnapshot.max).toBe(255);
    expect(PHYSICAL_NAME_RULES.kmsAlias.prefix.length + PHYSICAL_NAME_RULES.kmsAlias.max).toBe(256);
    expect(PHYSICAL_NAME_RULES.redshiftNamespace).toMatchObject({ min: 3, max: 64 });
    expect(PHYSICAL_NAME_RULES.redshiftWorkgroup).toMatchObject({ min: 3, max: 64 });
    expect(PHYSICAL_NAME_RULES.bigqueryDataset).toMatchObject({ min: 1, max: 1024 });
  });

  it("BigQuery dataset ids take '_' for '-' (ids allow letters, digits and '_' only)", () => {
    expect(bigQueryDatasetId("feature-store-aws.prod", "offline")).toBe("feature_store_aws_prod_offline");
    expect(bigQueryDatasetId("9lives-dev", "offline")).toBe("bq_9lives_dev_offline");
  });
});

describe("accountScopedPhysicalNames (the collector the stack test uses)", () => {
  function resource(
    name: string,
    type: string,
    inputs: Record<string, unknown>,
    extra: Partial<PlanResource> = {},
  ): PlanResource {
    return {
      urn: `urn:pulumi:s::p::${type}::${name}`,
      type,
      name,
      custom: true,
      parent: "",
      provider: "",
      dependencies: [],
      inputs,
      protect: false,
      retainOnDelete: false,
      ...extra,
    };
  }
  function plan(...resources: PlanResource[]): Plan {
    return {
      planFormatVersion: 1,
      stack: "s",
      project: "p",
      resources,
      outputs: {},
      policyViolations: [],
      warnings: [],
    };
  }
  const bucket = resource("b", "aws:s3/bucket:Bucket", {}, { outputs: { bucket: "b-1234" } });

  it("collects explicitly set names, but not references, auto-names, Kubernetes objects or parent-scoped names", () => {
    const p = plan(
      resource("q", "aws:sqs/queue:Queue", { name: "shared-queue" }),
      resource("sa", "gcp:serviceaccount/account:Account", { accountId: "shared-sa" }),
      resource("snap", "aws:rds/instance:Instance", { finalSnapshotIdentifier: "shared-final" }),
      bucket,
      resource(
        "policy",
        "aws:s3/bucketPolicy:BucketPolicy",
        { bucket: "b-1234" },
        { propertyDependencies: { bucket: [bucket.urn] } },
      ),
      resource("role", "aws:iam/role:Role", { description: "auto-named" }),
      resource("cm", "kubernetes:core/v1:ConfigMap", { name: "x" }),
      resource("pool", "gcp:container/nodePool:NodePool", { name: "system" }),
      resource("ext", "aws:sqs/queue:Queue", { name: "read-only" }, { external: true }),
      resource("component", "mlops:index:X", { name: "c" }, { custom: false }),
    );
    expect(accountScopedPhysicalNames(p)).toEqual([
      { type: "aws:sqs/queue:Queue", resource: "q", key: "name", value: "shared-queue" },
      { type: "gcp:serviceaccount/account:Account", resource: "sa", key: "accountId", value: "shared-sa" },
      {
        type: "aws:rds/instance:Instance",
        resource: "snap",
        key: "finalSnapshotIdentifier",
        value: "shared-final",
      },
    ]);
  });

  it("reports a name two plans share (of one type)", () => {
    const a = plan(
      resource("q", "aws:sqs/queue:Queue", { name: "same" }),
      resource("c", "aws:eks/cluster:Cluster", { name: "a" }),
    );
    const b = plan(
      resource("q", "aws:sqs/queue:Queue", { name: "same" }),
      resource("c", "aws:eks/cluster:Cluster", { name: "b" }),
      resource("l", "aws:cloudwatch/logGroup:LogGroup", { name: "a" }),
    );
    expect(sharedPhysicalNames(a, b)).toEqual(["aws:sqs/queue:Queue same"]);
  });
});
