/**
 * Strict validation of a `feast.dev/v1` FeatureStore against the upstream v1 schema vendored in
 * test/schemas/feast/featurestore-v1.json (see test/schemas/README.md): unknown fields fail
 * (test/schemas/strict.ts).
 */
import { join } from "node:path";
import { crdSchemaErrors } from "../schemas/strict";

/** The schema errors of `manifest` as `<path> <message>` lines; [] when it is valid. */
export function featureStoreSchemaErrors(manifest: unknown): string[] {
  return crdSchemaErrors(join("feast", "featurestore-v1.json"), manifest);
}
