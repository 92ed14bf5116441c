import { describe, expect, it } from "vitest";
import { RULES } from "../../policies/catalog";
import { FIXTURES } from "./fixtures";
import { runRule } from "./helpers";

describe("every rule has a compliant and a violating fixture", () => {
  it("covers exactly the catalog", () => {
    expect(Object.keys(FIXTURES).sort()).toEqual(RULES.map((r) => r.name).sort());
  });

  it.each(RULES.map((r) => [r.name] as const))("%s", (name) => {
    const f = FIXTURES[name];
    expect(f, `fixture for ${name}`).toBeDefined();
    if (!f) return;
    expect(runRule(name, f.good, f.config)).toEqual([]);
    const bad = runRule(name, f.bad, f.config);
    expect(bad.length, `violations of ${name}`).toBeGreaterThan(0);
    for (const v of bad) {
      expect(v.policyName).toBe(name);
      expect(v.policyPackName).toBe("mlops-policies");
      expect(v.urn).toMatch(/^urn:pulumi:/);
    }
  });
});

describe("aws-s3-sse-kms: SSE-S3 only on log buckets", () => {
  const tags = { owner: "ml", "cost-center": "42", environment: "prod", "data-classification": "internal" };
  const BUCKET = "aws:s3/bucket:Bucket";
  const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
  const bucket = (name: string, extra: Record<string, string> = {}, props: Record<string, unknown> = {}) => ({
    type: BUCKET,
    name,
    props: { tags: { ...tags, ...extra }, ...props },
  });
  const sseOn = (owner: string, sseAlgorithm: string) => ({
    type: SSE,
    name: `${owner}-encryption`,
    props: { bucket: `${owner}-id`, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm } }] },
    dependsOn: [owner],
  });
  const logs = bucket("logs", { purpose: "logs" });
  const run = (...resources: Parameters<typeof runRule>[1][]) => runRule("aws-s3-sse-kms", resources.flat());

  it("accepts AES256 (SSE-S3) on a bucket tagged purpose=logs, next to an SSE-KMS data bucket", () => {
    expect(run(bucket("data"), sseOn("data", "aws:kms"), logs, sseOn("logs", "AES256"))).toEqual([]);
    // Inline default encryption on a log bucket, too.
    const inline = bucket(
      "inline-logs",
      { purpose: "logs" },
      {
        serverSideEncryptionConfiguration: {
          rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        },
      },
    );
    expect(run(inline)).toEqual([]);
  });

  it("still requires SSE-KMS on every other bucket, even next to a log bucket", () => {
    const violations = run(bucket("data"), sseOn("data", "AES256"), logs, sseOn("logs", "AES256"));
    expect(violations).toHaveLength(1);
    expect(violations[0]?.urn).toContain("data-encryption");
    expect(violations[0]?.message).toContain(
      "Encryption configuration 'data-encryption' does not use SSE-KMS (only buckets tagged purpose=logs may use SSE-S3).",
    );
    // A configuration shared by a data bucket and a log bucket gets no exception.
    const shared = { ...sseOn("logs", "AES256"), name: "shared", dependsOn: ["data", "logs"] };
    expect(run(bucket("data"), logs, shared)).toHaveLength(1);
    // A log bucket without any default encryption is still flagged.
    expect(run(logs)[0]?.message).toContain("Log bucket 'logs' has no SSE-KMS or SSE-S3 default encryption.");
    // Other tags (data-classification=public) do not open the exception.
    expect(run(bucket("site", { "data-classification": "public" }), sseOn("site", "AES256"))).toHaveLength(1);
  });
});
