// The loader of test/model-serving/schema.ts both ways: a manifest written the upstream way passes,
// a typo (an unknown field, which an API server would prune silently) and a wrong type fail.
import { describe, expect, it } from "vitest";
import {
  inferenceServiceSchemaErrors,
  scaledObjectSchemaErrors,
  triggerAuthenticationSchemaErrors,
} from "./schema";

const inferenceService = {
  apiVersion: "serving.kserve.io/v1beta1",
  kind: "InferenceService",
  metadata: { name: "recommender", namespace: "serving" },
  spec: {
    predictor: {
      minReplicas: 1,
      maxReplicas: 3,
      serviceAccountName: "recommender",
      model: {
        modelFormat: { name: "mlflow" },
        protocolVersion: "v2",
        storageUri: "s3://models/recommender/1",
        resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "1Gi" } },
      },
    },
    canary: [
      {
        trafficPercent: 10,
        predictor: { name: "v2", model: { name: "kserve-container", modelFormat: { name: "mlflow" } } },
      },
    ],
  },
};

const scaledObject = {
  apiVersion: "keda.sh/v1alpha1",
  kind: "ScaledObject",
  metadata: { name: "recommender", namespace: "serving" },
  spec: {
    scaleTargetRef: { name: "recommender-predictor" },
    minReplicaCount: 1,
    maxReplicaCount: 3,
    triggers: [
      {
        type: "prometheus",
        metadata: { serverAddress: "http://prometheus:9090", query: "sum(x)", threshold: "5" },
        authenticationRef: { name: "recommender-prometheus" },
      },
    ],
  },
};

const triggerAuthentication = {
  apiVersion: "keda.sh/v1alpha1",
  kind: "TriggerAuthentication",
  metadata: { name: "recommender-prometheus", namespace: "serving" },
  spec: {
    secretTargetRef: [{ parameter: "bearerToken", name: "prometheus-token", key: "token" }],
  },
};

describe("vendored ModelServing schemas (ajv, unknown fields fail)", () => {
  it("accepts an InferenceService with a canary and refuses a misspelt field and a percentage over 100", () => {
    expect(inferenceServiceSchemaErrors(inferenceService)).toEqual([]);
    const typo = structuredClone(inferenceService) as Record<string, unknown>;
    const model = (typo as { spec: { predictor: { model: Record<string, unknown> } } }).spec.predictor.model;
    model["storageURI"] = model["storageUri"];
    delete model["storageUri"];
    expect(inferenceServiceSchemaErrors(typo)).toEqual([
      "/spec/predictor/model must NOT have additional properties (storageURI)",
    ]);
    const over = structuredClone(inferenceService);
    over.spec.canary[0]!.trafficPercent = 101;
    expect(inferenceServiceSchemaErrors(over)).toEqual(["/spec/canary/0/trafficPercent must be <= 100"]);
  });

  it("accepts a ScaledObject with a Prometheus trigger and refuses a misspelt field", () => {
    expect(scaledObjectSchemaErrors(scaledObject)).toEqual([]);
    const typo = structuredClone(scaledObject);
    (typo.spec as Record<string, unknown>)["minReplicas"] = 0;
    expect(scaledObjectSchemaErrors(typo)).toEqual([
      "/spec must NOT have additional properties (minReplicas)",
    ]);
    const numeric = structuredClone(scaledObject);
    (numeric.spec.triggers[0]!.metadata as Record<string, unknown>)["threshold"] = 5;
    expect(scaledObjectSchemaErrors(numeric)).toEqual(["/spec/triggers/0/metadata/threshold must be string"]);
  });

  it("accepts a TriggerAuthentication from a Secret and refuses an incomplete reference", () => {
    expect(triggerAuthenticationSchemaErrors(triggerAuthentication)).toEqual([]);
    const partial = structuredClone(triggerAuthentication);
    delete (partial.spec.secretTargetRef[0] as { key?: string }).key;
    expect(triggerAuthenticationSchemaErrors(partial)).toEqual([
      "/spec/secretTargetRef/0 must have required property 'key'",
    ]);
  });
});
