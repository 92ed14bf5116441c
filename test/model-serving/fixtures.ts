/**
 * What the ModelServing tests share: the fake clusters' cloud details, the example model, a plan
 * of the component on a fake cluster (with cert-manager's issuer, which the serving platform
 * requires) and its children without the platform's own (test/model-serving/platform.test.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import {
  ModelRegistry,
  ModelServing,
  type GcpTargetArgs,
  type ModelArgs,
  type ModelServingArgs,
  type Target,
} from "../../components";
import type { ResolvedGpuPool } from "../../components/training-cluster";
import { descendantsOf, findResource, planOf, resourcesOfType, type Plan } from "../helpers";
import { CLUSTER_AWS, CLUSTER_GCP, fakeClusterHandle } from "../training-cluster/fixtures";

export const aws = CLUSTER_AWS;
export const gcp = CLUSTER_GCP;

/** The cluster's cert-manager issuer, which the serving platform needs (KServe's webhook certificate). */
export const CERTIFICATES = {
  issuerName: "mlops-internal-ca",
  issuerKind: "ClusterIssuer" as const,
  dependsOn: [],
};

export const RECOMMENDER: ModelArgs = {
  name: "recommender",
  storageUri: "mlflow-artifacts/1/abc123/artifacts/model",
  version: "3",
};

export const ISVC = "kubernetes:serving.kserve.io/v1beta1:InferenceService";

/** Args of the component under test, and of its fake cluster. */
export type ServingOverrides = Partial<Omit<ModelServingArgs, "cluster" | "artifactStore">> & {
  target?: Target;
  environment?: "dev" | "staging" | "prod";
  /** The cluster has the Prometheus CRDs (prometheus-operator). */
  monitoring?: boolean;
  gpuPools?: ResolvedGpuPool[];
  /** The gcp cluster's details. @default `gcp` */
  gcpTarget?: GcpTargetArgs;
};

/**
 * A plan of `ModelServing` "serving" (models `[RECOMMENDER]` unless given) reading from a
 * `ModelRegistry`'s store on a fake cluster; `capture` sees the component (its outputs).
 */
export function servingPlan(
  o: ServingOverrides = {},
  capture?: (serving: ModelServing) => void,
): Promise<Plan> {
  const { target = "aws", environment, monitoring, gpuPools, gcpTarget = gcp, ...rest } = o;
  return planOf(
    () => {
      const handle = fakeClusterHandle({
        target,
        ...(environment ? { environment } : {}),
        ...(target === "aws" ? { aws } : {}),
        ...(target === "gcp" ? { gcp: gcpTarget } : {}),
        ...(gpuPools ? { gpuPools } : {}),
        ...(monitoring
          ? {
              monitoring: {
                backend: "prometheusOperator" as const,
                dependsOn: [new k8s.core.v1.ConfigMap("prometheus-crds", { metadata: { name: "crds" } })],
              },
            }
          : {}),
      });
      const cluster = { ...handle, certificates: CERTIFICATES };
      const registry = new ModelRegistry("registry", { cluster });
      const serving = new ModelServing("serving", {
        models: [RECOMMENDER],
        ...rest,
        cluster,
        artifactStore: registry.artifactStore,
      });
      capture?.(serving);
    },
    { config: { "aws:region": "us-east-1", "gcp:project": "acme-ml", "gcp:region": "europe-west4" } },
  );
}

/** The message `servingPlan(o)` fails with; "" when it plans. */
export async function servingFailure(o: ServingOverrides): Promise<string> {
  try {
    await servingPlan(o);
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

/** Every resource under the component as `type name`, the platform's own children left out. */
export function servingChildren(plan: Plan): string[] {
  const component = findResource(plan, "mlops:index:ModelServing", "serving");
  const platform = resourcesOfType(plan, "mlops:index:ServingPlatform").map((r) => r.urn);
  const underPlatform = new Set(platform.flatMap((urn) => descendantsOf(plan, urn).map((r) => r.urn)));
  return descendantsOf(plan, component.urn)
    .filter((r) => !underPlatform.has(r.urn))
    .map((r) => `${r.type} ${r.name}`)
    .sort();
}
