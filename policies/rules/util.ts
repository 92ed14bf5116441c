/**
 * Narrowing helpers for resource inputs. Inputs are plain JSON as the engine sees them; secrets
 * arrive in offline plans masked as "[secret]", which the helpers treat as present but unknown.
 */
import type { ResourceValidationArgs } from "@pulumi/policy";
import { endNotApplicable, type ArgsWithRecorder } from "./types";

/** The mask the offline plan puts in place of secret values. */
export const SECRET_MASK = "[secret]";

/** True for a masked secret value (present, value unknown). */
export function isMasked(v: unknown): boolean {
  return v === SECRET_MASK;
}

/** The value as a plain object, or undefined. */
export function rec(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** The value as an array (a single value becomes a one-element array; nullish → []). */
export function arr(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** The value as an array of records (non-records dropped). */
export function recs(v: unknown): Record<string, unknown>[] {
  return arr(v).flatMap((x) => {
    const r = rec(x);
    return r ? [r] : [];
  });
}

/** The value as a known string (masked → undefined). */
export function str(v: unknown): string | undefined {
  return typeof v === "string" && !isMasked(v) ? v : undefined;
}

/** The value as a list of known strings. */
export function strs(v: unknown): string[] {
  return arr(v).flatMap((x) => {
    const s = str(x);
    return s === undefined ? [] : [s];
  });
}

/** The value as a boolean; accepts "true"/"false" strings (launch templates use them). */
export function bool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return undefined;
}

/** The value as a number; accepts numeric strings. */
export function num(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** True when a value is set: not nullish, not "", masked secrets count as set. */
export function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== "";
}

/** Walks a property path through records; undefined when any step is missing. */
export function dig(v: unknown, ...pathParts: string[]): unknown {
  let cur: unknown = v;
  for (const p of pathParts) {
    const r = rec(cur);
    if (!r) return undefined;
    cur = r[p];
  }
  return cur;
}

/** A string-to-string map (tags, labels); masked values are kept as the mask. */
export function stringMap(v: unknown): Record<string, string> {
  const r = rec(v);
  if (!r) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(r)) if (typeof val === "string") out[k] = val;
  return out;
}

/** Compares dotted numeric versions: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((x) => parseInt(x, 10));
  const pb = b.split(".").map((x) => parseInt(x, 10));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True when an IPv4/IPv6 CIDR opens to the whole internet. */
export function isOpenCidr(cidr: string): boolean {
  return cidr === "0.0.0.0/0" || cidr === "::/0";
}

/** Environment the rule runs in (from the pack config the wrapper passes through `getConfig`). */
export function isProd(env: string): boolean {
  return env === "prod";
}

function onlyInReason(env: string, wanted: readonly string[]): string {
  return `applies only in ${wanted.join("/")} (environment is ${env})`;
}

/** Shorthand for `args.notApplicable` used when a rule only applies in some environments. */
export function onlyIn(
  args: Pick<ResourceValidationArgs, "notApplicable">,
  env: string,
  wanted: readonly string[],
): void {
  if (!wanted.includes(env)) args.notApplicable(onlyInReason(env, wanted));
}

/**
 * {@link onlyIn} for a rule that checks the environment before the type (so it runs on every
 * resource): true when the rule applies in `env`; otherwise it ends the validation as not
 * applicable with the same reason, without an exception offline (`endNotApplicable`), and the
 * rule returns: `if (!appliesIn(args, env, ["prod"])) return;`.
 */
export function appliesIn(args: ArgsWithRecorder, env: string, wanted: readonly string[]): boolean {
  if (wanted.includes(env)) return true;
  endNotApplicable(args, onlyInReason(env, wanted));
  return false;
}
