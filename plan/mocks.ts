/**
 * Deterministic answers of the mock runtime: computed outputs of resources, and invoke results.
 * Every built-in answer is listed here and documented in docs/offline-plan.md ("Mock values").
 */
import { awsInvokes, awsOutputs, genericAwsArn } from "./mock-outputs/aws";
import { gcpInvokes, gcpOutputs } from "./mock-outputs/gcp";
import { kubernetesOutputs } from "./mock-outputs/kubernetes";
import type { MockContext } from "./mock-outputs/types";
import { createHash } from "node:crypto";
import { isRecord } from "./values";

export interface MockDefaults {
  awsRegion: string;
  gcpProject: string;
  gcpRegion: string;
}

/** Extra invoke answers: token → result object, or a function of the invoke's inputs. */
export type InvokeAnswers = Record<
  string,
  Record<string, unknown> | ((inputs: Record<string, unknown>) => Record<string, unknown>)
>;

/** AWS services without a region (no `region` output in @pulumi/aws 7). */
const GLOBAL_AWS_MODULES = new Set([
  "iam",
  "route53",
  "cloudfront",
  "organizations",
  "globalaccelerator",
  "budgets",
  "shield",
  "waf",
]);

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A deterministic 32-character value for generated secrets (never a real credential). */
function mockSecret(name: string): string {
  return `mock${hash(`secret:${name}`).slice(0, 28)}`;
}

const randomOutputs: Record<string, (ctx: MockContext) => Record<string, unknown>> = {
  "random:index/randomPassword:RandomPassword": (ctx) => ({
    result: mockSecret(ctx.name),
    bcryptHash: `$2a$10$${hash(ctx.name).slice(0, 53)}`,
  }),
  "random:index/randomString:RandomString": (ctx) => {
    const length = typeof ctx.inputs["length"] === "number" ? ctx.inputs["length"] : 16;
    return { result: hash(`string:${ctx.name}`).slice(0, length) };
  },
  "random:index/randomId:RandomId": (ctx) => {
    const bytes = typeof ctx.inputs["byteLength"] === "number" ? ctx.inputs["byteLength"] : 8;
    const hex = hash(`id:${ctx.name}`).slice(0, bytes * 2);
    return { hex, dec: BigInt(`0x${hex}`).toString(), b64Url: Buffer.from(hex, "hex").toString("base64url") };
  },
};

/** Kubernetes objects without `metadata.name` get `<name>-<8 hex>`, as the provider's autonaming does. */
function kubernetesAutoname(ctx: MockContext): Record<string, unknown> {
  const metadata = isRecord(ctx.inputs["metadata"]) ? ctx.inputs["metadata"] : {};
  if (typeof metadata["name"] === "string") return {};
  return { metadata: { ...metadata, name: `${ctx.name}-${hash(`k8s:${ctx.name}`).slice(0, 8)}` } };
}

/** Outputs a real provider would compute for a resource of `type`, from its inputs. */
export function computedOutputs(type: string, ctx: MockContext): Record<string, unknown> {
  const pkg = type.split(":")[0];
  let out: Record<string, unknown> = {};
  if (pkg === "aws" && ctx.inputs["arn"] === undefined) out["arn"] = genericAwsArn(type, ctx);
  // @pulumi/aws 7 resources carry their region as an output; global services do not.
  const awsModule = type.split(/[:/]/)[1] ?? "";
  if (pkg === "aws" && ctx.inputs["region"] === undefined && !GLOBAL_AWS_MODULES.has(awsModule)) {
    out["region"] = ctx.awsRegion;
  }
  if (pkg === "kubernetes") out = { ...out, ...kubernetesAutoname(ctx) };
  const specific = awsOutputs[type] ?? gcpOutputs[type] ?? kubernetesOutputs[type] ?? randomOutputs[type];
  if (specific) out = { ...out, ...specific(ctx) };
  return out;
}

/** Invokes answered offline: helm.v3 templates render to nothing (their children are not planned). */
const builtinInvokes: Record<
  string,
  (inputs: Record<string, unknown>, d: MockDefaults) => Record<string, unknown>
> = {
  "kubernetes:helm:template": () => ({ result: [] }),
  "kubernetes:yaml:decode": () => ({ result: [] }),
};

/** Answers an invoke, or throws an error naming the token when there is no answer for it. */
export function answerInvoke(
  token: string,
  inputs: Record<string, unknown>,
  defaults: MockDefaults,
  extra: InvokeAnswers,
): Record<string, unknown> {
  const user = extra[token];
  if (user) return typeof user === "function" ? user(inputs) : user;
  const builtin = builtinInvokes[token] ?? awsInvokes[token] ?? gcpInvokes[token];
  if (builtin) return builtin(inputs, defaults);
  throw new Error(
    `the offline plan has no mock answer for invoke "${token}"; ` +
      `add one with --mocks <file> ({"invokes": {"${token}": {...result}}}) or the invokes option of runPlan`,
  );
}
