/**
 * Strict validation of custom resources against the upstream schemas vendored in test/schemas/
 * (see test/schemas/README.md), with ajv. The upstream schemas leave objects open (an API server
 * prunes unknown fields of a structural schema silently); here every object that lists
 * `properties` and neither `additionalProperties` nor `x-kubernetes-preserve-unknown-fields` is
 * closed, so an unknown field fails, and the CEL `x-kubernetes-validations` (the API server's) are
 * dropped. The files themselves are not edited: the closing happens on a copy at load time.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";

type Schema = Record<string, unknown>;

/**
 * A copy of a schema in which every object that lists `properties` without `additionalProperties`
 * or `x-kubernetes-preserve-unknown-fields` is closed, so an unknown field fails (CRD schemas and
 * JSON schemas with `definitions` alike).
 */
export function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (node === null || typeof node !== "object") return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node as Schema)) {
    // CEL rules are the API server's; ajv cannot evaluate them.
    if (k === "x-kubernetes-validations") continue;
    out[k] =
      k === "properties" || k === "definitions"
        ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, closeObjects(s)]))
        : closeObjects(v);
  }
  if (
    out["properties"] !== undefined &&
    out["additionalProperties"] === undefined &&
    out["x-kubernetes-preserve-unknown-fields"] !== true
  ) {
    out["additionalProperties"] = false;
  }
  return out;
}

// `strict: false`: the Kubernetes vendor keywords (x-kubernetes-*) are not JSON Schema keywords;
// formats (int32, int64, date-time) are not checked.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, ValidateFunction>();

/** Compiles a vendored schema once, on first use (the InferenceService schema is large). */
function validatorFor(file: string): ValidateFunction {
  let validate = compiled.get(file);
  if (validate === undefined) {
    const upstream = JSON.parse(readFileSync(join(__dirname, "..", "schemas", file), "utf8")) as Schema;
    validate = ajv.compile(closeObjects(upstream) as Schema);
    compiled.set(file, validate);
  }
  return validate;
}

/**
 * The errors of `manifest` against the vendored schema `file` (a path under test/schemas/) as
 * `<path> <message>` lines; [] when it is valid.
 */
export function crdSchemaErrors(file: string, manifest: unknown): string[] {
  const validate = validatorFor(file);
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map(
    (e: ErrorObject) =>
      `${e.instancePath || "/"} ${e.message ?? ""}${e.keyword === "additionalProperties" ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})` : ""}`,
  );
}
