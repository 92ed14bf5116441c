/**
 * Using pulumi-mlops from your own Pulumi program: an MLflow model registry on a local cluster
 * (kind, k3d, ...), with in-cluster PostgreSQL and MinIO. The registry takes its cluster as a
 * `ClusterHandle`: here one for a cluster created elsewhere (`existingClusterHandle`); with a
 * `GpuTrainingCluster` it is `cluster.handle`. Swap `target` to "aws" or "gcp" and give the
 * handle the matching `aws` / `gcp` details to use managed services instead.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { existingClusterHandle, ModelRegistry } from "pulumi-mlops";

const config = new pulumi.Config();
// dev | staging | prod: picks the component's defaults (and the policy pack's enforcement levels).
const environment = config.get("environment") ?? "dev";
if (environment !== "dev" && environment !== "staging" && environment !== "prod") {
  throw new Error(`model-registry-example:environment must be dev, staging or prod, not "${environment}"`);
}
const kubeContext = config.get("kubeContext") ?? "kind-mlops";
const cluster = existingClusterHandle({
  provider: new k8s.Provider("cluster", { context: kubeContext, enableServerSideApply: true }),
  target: "local",
  clusterName: kubeContext,
  environment,
});

const registry = new ModelRegistry("mlflow", {
  cluster,
  namespace: "mlflow",
  tags: { owner: "data-science", "cost-center": "ds-42", "data-classification": "internal" },
});

export const trackingUri = registry.trackingUri;
export const artifactLocation = registry.artifactLocation;
