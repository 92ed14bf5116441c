/**
 * What the retraining loop's test programs share: the services the loop talks to, and a cluster
 * with two stores from its target's real adapter (standing in for the feature store's offline
 * bucket and serving's payload logs).
 */
import { createAdapter, type ObjectStore, type Target } from "../../components/adapters";
import type { RetrainingLoopServicesArgs } from "../../components/retraining-loop";
import type { ClusterHandle } from "../../components/training-cluster";
import { CLUSTER_AWS, CLUSTER_GCP, fakeClusterHandle, Host } from "../training-cluster/fixtures";

/** MLflow, the Pushgateway and Prometheus at their in-cluster addresses. */
export const LOOP_SERVICES: RetrainingLoopServicesArgs = {
  trackingUri: "http://mlflow.mlflow.svc.cluster.local:5000",
  mlflowNamespace: "mlflow",
  pushgatewayUrl: "http://pushgateway.monitoring.svc:9091",
  prometheusUrl: "http://prometheus-operated.monitoring.svc:9090",
  monitoringNamespace: "monitoring",
};

/**
 * Inside a program: a cluster of `target` (with the shared cloud details) and the stores
 * "offline" and "logs" its adapter creates for a stand-in component "data" in the namespace "data".
 */
export function clusterWithStores(target: Target): {
  cluster: ClusterHandle;
  offline: ObjectStore;
  logs: ObjectStore;
} {
  const details = target === "aws" ? { aws: CLUSTER_AWS } : target === "gcp" ? { gcp: CLUSTER_GCP } : {};
  const cluster = fakeClusterHandle({ target, ...details });
  const adapter = createAdapter(
    target,
    {
      parent: new Host("data"),
      name: "data",
      k8sProvider: cluster.provider,
      namespace: "data",
      tags: {},
      protect: false,
      dependsOn: [],
    },
    details,
  );
  return {
    cluster,
    offline: adapter.objectStore("offline", { versioning: true, forceDestroy: true }),
    logs: adapter.objectStore("logs", { versioning: true, forceDestroy: true }),
  };
}
