/**
 * The field schemas every component shares (components/shared/schemas.ts, quantity.ts, cidr.ts):
 * one grammar per field, so the model registry, the team quotas and the training job accept the
 * same values.
 */
import { describe, expect, it } from "vitest";
import { modelRegistryArgsObject } from "../components/model-registry/args";
import { cidrProblem, cidrsOverlap, parseIpv4Cidr } from "../components/shared/cidr";
import { parseQuantity, QUANTITY } from "../components/shared/quantity";
import { cidrSchema, dnsLabelSchema, pinnedImageSchema, quantitySchema } from "../components/shared/schemas";
import { teamArgsSchema } from "../components/training-cluster/in-cluster/args";

describe("Kubernetes quantities (apimachinery resource.Quantity grammar, unsigned)", () => {
  // Decimal SI k M G T P E, binary Ki Mi Gi Ti Pi Ei, m for milli, decimal exponents.
  const valid = [
    "0",
    "1",
    "1.5",
    ".5",
    "2.",
    "500m",
    "1k",
    "1M",
    "1G",
    "1T",
    "1P",
    "1E",
    "1Ki",
    "512Mi",
    "64Gi",
    "1Ti",
    "1Pi",
    "1Ei",
    "1e3",
    "1E3",
    "2e-3",
  ];
  const invalid = ["", "-1", "1K", "1mi", "1gi", "1 Gi", "Gi", "1.5.5", "1GB", "1iB", "1e", "abc"];

  it.each(valid)("accepts %s", (q) => {
    expect(QUANTITY.test(q)).toBe(true);
    expect(quantitySchema.safeParse(q).success).toBe(true);
  });
  it.each(invalid)("rejects %j", (q) => {
    expect(QUANTITY.test(q)).toBe(false);
    expect(quantitySchema.safeParse(q).success).toBe(false);
  });

  it("parses every suffix to base units", () => {
    expect(parseQuantity("500m")).toBe(0.5);
    expect(parseQuantity("2")).toBe(2);
    expect(parseQuantity("1k")).toBe(1e3);
    expect(parseQuantity("1E")).toBe(1e18);
    expect(parseQuantity("1Ei")).toBe(2 ** 60);
    expect(parseQuantity("64Gi")).toBe(64 * 2 ** 30);
    expect(parseQuantity("1e3")).toBe(1000);
    expect(() => parseQuantity("1K")).toThrow(/not a Kubernetes quantity/);
  });

  it("the registry and the team quotas accept the same quantities (registry used to reject P, E, Pi, Ei)", () => {
    const registry = modelRegistryArgsObject.shape.resources.unwrap().shape.cpuLimit.unwrap();
    const team = teamArgsSchema.shape.cpuQuota;
    for (const q of [...valid, ...invalid]) {
      expect(registry.safeParse(q).success, q).toBe(team.safeParse(q).success);
    }
    expect(registry.safeParse("1Pi").success).toBe(true);
  });
});

describe("IPv4 CIDRs", () => {
  const rule = { minPrefix: 16, maxPrefix: 24, example: "10.0.0.0/16" };
  it("reports one wording for every CIDR field", () => {
    expect(cidrProblem("10.0.0.0/16", rule)).toBeUndefined();
    expect(cidrProblem("nope", rule)).toBe('"nope" is not an IPv4 CIDR such as "10.0.0.0/16"');
    expect(cidrProblem("10.300.0.0/16", rule)).toBe('"10.300.0.0/16" has an octet above 255');
    expect(cidrProblem("10.0.0.0/33", rule)).toBe('"10.0.0.0/33" has a prefix above /32');
    expect(cidrProblem("10.0.0.0/8", rule)).toBe('"10.0.0.0/8" must have a prefix length from /16 to /24');
    expect(cidrProblem("10.0.0.0/8", { minPrefix: 28, maxPrefix: 28, example: "x" })).toBe(
      '"10.0.0.0/8" must be a /28',
    );
    expect(cidrProblem("0.0.0.0/4", { minPrefix: 8, example: "x" })).toBe(
      '"0.0.0.0/4" must have a prefix of /8 or longer',
    );
    expect(cidrProblem("10.0.1.0/16", rule)).toBe(
      '"10.0.1.0/16" is not a network address (host bits must be zero for /16)',
    );
    expect(cidrSchema(rule).safeParse("10.0.1.0/16").success).toBe(false);
  });
  it("compares ranges", () => {
    const a = parseIpv4Cidr("10.0.0.0/16")!;
    expect(cidrsOverlap(a, parseIpv4Cidr("10.0.128.0/17")!)).toBe(true);
    expect(cidrsOverlap(a, parseIpv4Cidr("10.1.0.0/16")!)).toBe(false);
  });
});

describe("DNS labels and pinned images", () => {
  it("DNS-1123 labels up to the given length", () => {
    expect(dnsLabelSchema().safeParse("ml-team-1").success).toBe(true);
    expect(dnsLabelSchema().safeParse("ML_Team").success).toBe(false);
    expect(dnsLabelSchema(5).safeParse("abcdef").success).toBe(false);
  });
  it("images pinned to a tag other than latest or to a digest", () => {
    expect(pinnedImageSchema.safeParse("ghcr.io/mlflow/mlflow:v3.15.2-full").success).toBe(true);
    expect(pinnedImageSchema.safeParse(`busybox@sha256:${"a".repeat(64)}`).success).toBe(true);
    expect(pinnedImageSchema.safeParse("busybox:latest").success).toBe(false);
    expect(pinnedImageSchema.safeParse("busybox").success).toBe(false);
  });
});
