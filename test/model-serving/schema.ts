/**
 * Strict validation of the custom resources ModelServing writes against the upstream schemas
 * vendored in test/schemas/ (see test/schemas/README.md), with ajv:
 * - `serving.kserve.io/v1beta1` InferenceService (kserve/kserve v0.20.0),
 * - `keda.sh/v1alpha1` ScaledObject and TriggerAuthentication (kedacore/keda v2.20.2).
 *
 * The upstream schemas leave objects open (an API server prunes unknown fields of a structural
 * schema silently); here every object that lists `properties` and neither `additionalProperties`
 * nor `x-kubernetes-preserve-unknown-fields` is closed, so an unknown field fails, and the CEL
 * `x-kubernetes-validations` (the API server's) are dropped. The files themselves are not edited:
 * the closing happens on a copy at load time, as in test/feature-store/schema.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";

type Schema = Record<string, unknown>;

function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (node === null || typeof node !== "object") return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node as Schema)) {
    // CEL rules are the API server's; ajv cannot evaluate them.
    if (k === "x-kubernetes-validations") continue;
    out[k] =
      k === "properties"
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

function errorsOf(file: string, manifest: unknown): string[] {
  const validate = validatorFor(file);
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map(
    (e: ErrorObject) =>
      `${e.instancePath || "/"} ${e.message ?? ""}${e.keyword === "additionalProperties" ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})` : ""}`,
  );
}

/** The schema errors of a `serving.kserve.io/v1beta1` InferenceService; [] when it is valid. */
export function inferenceServiceSchemaErrors(manifest: unknown): string[] {
  return errorsOf(join("kserve", "inferenceservice-v1beta1.json"), manifest);
}

/** The schema errors of a `keda.sh/v1alpha1` ScaledObject; [] when it is valid. */
export function scaledObjectSchemaErrors(manifest: unknown): string[] {
  return errorsOf(join("keda", "scaledobject-v1alpha1.json"), manifest);
}

/** The schema errors of a `keda.sh/v1alpha1` TriggerAuthentication; [] when it is valid. */
export function triggerAuthenticationSchemaErrors(manifest: unknown): string[] {
  return errorsOf(join("keda", "triggerauthentication-v1alpha1.json"), manifest);
}
