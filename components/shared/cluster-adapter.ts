/**
 * The adapter of a component that runs on a cluster: `createAdapter` for the cluster's target,
 * with the cluster's provider and target details (`aws` / `gcp`), the component as parent and the
 * namespace its workloads (and, on `local`, its in-cluster services) go to.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import {
  createAdapter,
  type AwsTargetArgs,
  type CloudAdapter,
  type GcpTargetArgs,
  type Target,
} from "../adapters";

/** What the adapter needs of the cluster (a `ClusterHandle` is one). */
export interface AdapterCluster {
  target: Target;
  provider: k8s.Provider;
  aws?: AwsTargetArgs;
  gcp?: GcpTargetArgs;
}

/** Where and how the component's adapter places its children. */
export interface ClusterAdapterPlacement {
  namespace: pulumi.Input<string>;
  tags: Record<string, string>;
  protect: boolean;
  /** What the adapter's Kubernetes children wait for (the namespace and its default-deny policy). */
  dependsOn: pulumi.Resource[];
}

/** The component `parent`'s adapter on `cluster` (children named `<name>-...`). */
export function clusterAdapter(
  parent: pulumi.ComponentResource,
  name: string,
  cluster: AdapterCluster,
  p: ClusterAdapterPlacement,
): CloudAdapter {
  return createAdapter(
    cluster.target,
    { parent, name, k8sProvider: cluster.provider, ...p },
    { aws: cluster.aws, gcp: cluster.gcp },
  );
}
