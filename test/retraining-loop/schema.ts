/**
 * Strict validation of the loop's Argo objects with ajv, against the schemas vendored in
 * test/schemas/argo/ (see test/schemas/README.md): Argo Workflows v4 WorkflowTemplate and
 * CronWorkflow (the CRDs' `openAPIV3Schema`) and Argo Events v1.9 EventBus, EventSource and Sensor
 * (argo-events' JSON schema; its CRDs preserve unknown fields, so the JSON schema is the only
 * structural check). As test/feature-store/schema.ts does, every object that lists `properties`
 * without `additionalProperties` or `x-kubernetes-preserve-unknown-fields` is closed on a copy at
 * load time, so an unknown field fails.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { closeObjects } from "../schemas/strict";

type Schema = Record<string, unknown>;

const dir = join(__dirname, "..", "schemas", "argo");
const load = (file: string) => JSON.parse(readFileSync(join(dir, file), "utf8")) as Schema;
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

const events = closeObjects(load("argo-events.schema.json")) as Schema;
const definitions = events["definitions"] as Schema;
const eventsKind = (kind: string) =>
  ajv.compile({ $ref: `#/definitions/io.argoproj.events.v1alpha1.${kind}`, definitions });

const validators: Record<string, ValidateFunction> = {
  WorkflowTemplate: ajv.compile(closeObjects(load("workflowtemplate-v1alpha1.json")) as Schema),
  CronWorkflow: ajv.compile(closeObjects(load("cronworkflow-v1alpha1.json")) as Schema),
  EventBus: eventsKind("EventBus"),
  EventSource: eventsKind("EventSource"),
  Sensor: eventsKind("Sensor"),
};

/** The schema errors of an Argo object (by its `kind`) as `<path> <message>` lines; [] when valid. */
export function argoSchemaErrors(manifest: { kind?: unknown; [field: string]: unknown }): string[] {
  const validate = validators[String(manifest.kind)];
  if (!validate) return [`no vendored schema for kind ${String(manifest.kind)}`];
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map(
    (e: ErrorObject) =>
      `${e.instancePath || "/"} ${e.message ?? ""}${e.keyword === "additionalProperties" ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})` : ""}`,
  );
}
