/**
 * Strict validation of a `feast.dev/v1` FeatureStore against the upstream v1 schema vendored in
 * test/schemas/feast/featurestore-v1.json (see test/schemas/README.md), with ajv. The upstream
 * schema leaves objects open (an API server prunes unknown fields silently); here every object
 * that lists `properties` and neither `additionalProperties` nor
 * `x-kubernetes-preserve-unknown-fields` is closed, so an unknown field fails. The file itself is
 * not edited: the closing happens on a copy at load time.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ErrorObject } from "ajv";

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

const upstream = JSON.parse(
  readFileSync(join(__dirname, "..", "schemas", "feast", "featurestore-v1.json"), "utf8"),
) as Schema;
// `strict: false`: the Kubernetes vendor keywords (x-kubernetes-*) are not JSON Schema keywords;
// formats (int32, int64, date-time) are not checked.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const validate = ajv.compile(closeObjects(upstream) as Schema);

/** The schema errors of `manifest` as `<path> <message>` lines; [] when it is valid. */
export function featureStoreSchemaErrors(manifest: unknown): string[] {
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map(
    (e: ErrorObject) =>
      `${e.instancePath || "/"} ${e.message ?? ""}${e.keyword === "additionalProperties" ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})` : ""}`,
  );
}
