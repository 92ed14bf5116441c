/**
 * Schema checks for the Kubernetes objects the toolkit writes. Both checks fail on unknown fields:
 * an API server silently prunes unknown fields of a structural schema, so a typo would otherwise
 * be a silent misconfiguration.
 *
 * - `validateStrict(Model, manifest)`: core and Karpenter objects, against the upstream OpenAPI
 *   schemas compiled into `kubernetes-models` / `@kubernetes-models/karpenter`. Those validators
 *   ignore unknown fields, so the manifest is passed through a Proxy that records which keys the
 *   validator reads: a key that exists in the manifest but that the schema never asked for is
 *   unknown. Maps (labels, resource lists) are enumerated by the validator and so count as known;
 *   objects of an untyped schema (the validator reads no key) are left alone.
 * - `validateJsonSchema(schema, manifest)`: objects with no registry package (Kueue), against the
 *   subset schemas in test/schemas/kueue/*.json (hand-written from the upstream CRDs, with
 *   `additionalProperties: false`), with a small dependency-free validator for the keywords those
 *   schemas use.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** A `kubernetes-models` class: its prototype's `validate()` throws on a schema violation. */
export interface ModelClass {
  prototype: { validate(): void };
}

/** Problems found, one line each (`/json/pointer: message`); empty when the manifest is valid. */
export function validateStrict(model: ModelClass, manifest: unknown): string[] {
  const reads = new Map<object, { keys: Set<string>; enumerated: boolean }>();
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (value === null || typeof value !== "object") return value;
    const cached = proxies.get(value);
    if (cached) return cached;
    const record = { keys: new Set<string>(), enumerated: false };
    reads.set(value, record);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === "string") record.keys.add(key);
        return wrap(Reflect.get(target, key, receiver));
      },
      has(target, key) {
        if (typeof key === "string") record.keys.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        record.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };

  const problems: string[] = [];
  try {
    model.prototype.validate.call(wrap(manifest));
  } catch (e) {
    problems.push(`schema: ${(e as Error).message}`);
  }
  const walk = (value: unknown, path: string): void => {
    if (value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}/${i}`));
      return;
    }
    const record = reads.get(value);
    const typed = record !== undefined && !record.enumerated && record.keys.size > 0;
    for (const [key, child] of Object.entries(value)) {
      if (typed && !record.keys.has(key)) problems.push(`${path}/${key}: unknown field`);
      walk(child, `${path}/${key}`);
    }
  };
  walk(manifest, "");
  return problems;
}

/** The subset of JSON Schema the project's own schemas use. */
export interface JsonSchema {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maxProperties?: number;
  /** Kubernetes: an integer or a string (quantities). */
  "x-kubernetes-int-or-string"?: boolean;
  $comment?: string;
  title?: string;
}

const KNOWN_KEYWORDS = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "const",
  "pattern",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "minimum",
  "maxProperties",
  "x-kubernetes-int-or-string",
  "$comment",
  "title",
]);

/** Problems found (`/json/pointer: message`); empty when `value` matches `schema`. */
export function validateJsonSchema(schema: JsonSchema, value: unknown, path = ""): string[] {
  for (const key of Object.keys(schema)) {
    // A keyword this validator does not implement would be silently ignored: refuse it.
    if (!KNOWN_KEYWORDS.has(key))
      throw new Error(`schema keyword "${key}" at ${path || "/"} is not supported`);
  }
  const at = path || "/";
  const out: string[] = [];
  if (schema.const !== undefined && value !== schema.const) {
    out.push(`${at}: must be ${JSON.stringify(schema.const)}`);
  }
  if (schema.enum && !schema.enum.includes(value)) {
    out.push(`${at}: must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`);
  }
  if (schema["x-kubernetes-int-or-string"]) {
    if (!(typeof value === "string" || Number.isInteger(value)))
      out.push(`${at}: must be an integer or a string`);
  } else if (schema.type && !hasType(value, schema.type)) {
    out.push(`${at}: must be ${schema.type}`);
    return out;
  }
  if (typeof value === "string") {
    if (schema.pattern && !new RegExp(schema.pattern).test(value))
      out.push(`${at}: must match ${schema.pattern}`);
    if (schema.minLength !== undefined && value.length < schema.minLength)
      out.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      out.push(`${at}: longer than ${schema.maxLength}`);
  }
  if (typeof value === "number" && schema.minimum !== undefined && value < schema.minimum) {
    out.push(`${at}: must be at least ${schema.minimum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      out.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      out.push(`${at}: more than ${schema.maxItems} items`);
    if (schema.items)
      value.forEach((item, i) => out.push(...validateJsonSchema(schema.items!, item, `${path}/${i}`)));
  } else if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) {
      out.push(`${at}: more than ${schema.maxProperties} properties`);
    }
    for (const req of schema.required ?? []) {
      if (obj[req] === undefined) out.push(`${path}/${req}: required`);
    }
    for (const key of keys) {
      const child = schema.properties?.[key];
      if (child) {
        out.push(...validateJsonSchema(child, obj[key], `${path}/${key}`));
      } else if (schema.additionalProperties === false) {
        out.push(`${path}/${key}: unknown field`);
      } else if (typeof schema.additionalProperties === "object") {
        out.push(...validateJsonSchema(schema.additionalProperties, obj[key], `${path}/${key}`));
      }
    }
  }
  return out;
}

function hasType(value: unknown, type: NonNullable<JsonSchema["type"]>): boolean {
  switch (type) {
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number";
    default:
      return typeof value === type;
  }
}

/** The project's Kueue subset schemas, by kind. */
export const KUEUE_KINDS = ["ClusterQueue", "LocalQueue", "ResourceFlavor", "Cohort"] as const;
export type KueueKind = (typeof KUEUE_KINDS)[number];

/** Loads test/schemas/kueue/<kind>.json. */
export function kueueSchema(kind: KueueKind): JsonSchema {
  return JSON.parse(
    readFileSync(join(__dirname, "kueue", `${kind.toLowerCase()}.json`), "utf8"),
  ) as JsonSchema;
}

/** Validates a Kueue object against the project's subset schema of its kind. */
export function validateKueue(manifest: { kind?: unknown }): string[] {
  const kind = manifest.kind;
  if (!KUEUE_KINDS.includes(kind as KueueKind))
    return [`/kind: not a Kueue kind we have a schema for: ${String(kind)}`];
  return validateJsonSchema(kueueSchema(kind as KueueKind), manifest);
}
