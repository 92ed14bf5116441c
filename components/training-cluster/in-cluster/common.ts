/**
 * Names, labels and resource options shared by the in-cluster files.
 *
 * Kubernetes objects get a fixed `metadata.name` (no auto-naming), so that job templates, queues
 * and policies can refer to them before deployment. Pulumi resource names are
 * `${ctx.name}-<what>` so that two components in one stack never collide.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { BuiltCluster } from "../types";
import { dnsEgressRule, governanceLabels, standardLabels } from "../../shared/k8s";
import type { InClusterContext } from "./args";

/** `app.kubernetes.io/name` of everything the in-cluster parts create. */
export const COMPONENT_LABEL = "gpu-training-cluster";

/** Namespace of the GPU stack (device plugin or GPU Operator, DCGM exporter). */
export const GPU_SYSTEM_NAMESPACE = "gpu-system";

/** Namespace of the Kueue controller. */
export const KUEUE_NAMESPACE = "kueue-system";

/** Name of the LocalQueue in every team namespace: jobs set `kueue.x-k8s.io/queue-name: training`. */
export const LOCAL_QUEUE_NAME = "training";

/** Name of the ServiceAccount in every team namespace that training jobs run as. */
export const TEAM_SERVICE_ACCOUNT = "training";

/** Name of the ResourceFlavor for CPU and memory (no node labels: any node). */
export const CPU_FLAVOR_NAME = "default-cpu";

/** Extended resource name of NVIDIA GPUs. */
export const GPU_RESOURCE = "nvidia.com/gpu";

/** Label that makes a team namespace's pods admissible by its ClusterQueue. */
export const TEAM_LABEL = "mlops.pulumi.com/team";

/** Labels of an object of the in-cluster parts (`role` is e.g. "kueue", "team"). */
export function labelsFor(ctx: InClusterContext, role: string): Record<string, string> {
  return { ...governanceLabels(ctx.tags), ...standardLabels(COMPONENT_LABEL, ctx.name, role) };
}

/**
 * Where a sub-component's children go (issue 8): under the sub-component (`parent`), with the
 * cluster component they were created under before the sub-components existed (`formerParent`)
 * as an alias, so that the deployed resources keep their identity instead of being replaced.
 */
export interface ChildContext extends InClusterContext {
  /** The cluster component: the children's parent in stacks deployed before issue 8. */
  formerParent?: pulumi.Resource;
}

/**
 * The context of the children of `component`, a sub-component of the cluster (`ctx.parent`):
 * names and labels stay the cluster's (`ctx.name`), so logical names do not change.
 */
export function subComponentContext(
  ctx: InClusterContext,
  component: pulumi.ComponentResource,
): ChildContext {
  return { ...ctx, parent: component, formerParent: ctx.parent };
}

/**
 * Options for every in-cluster child: parented to its (sub-)component, aliased to its former
 * parent, on the cluster's provider, after everything the cluster builder says must be ready
 * (node groups, Karpenter), plus `extra`.
 */
export function childOptions(
  ctx: ChildContext,
  handle: BuiltCluster,
  extra: pulumi.Resource[] = [],
): pulumi.CustomResourceOptions {
  return {
    parent: ctx.parent,
    provider: handle.provider,
    dependsOn: [...handle.ready, ...extra],
    ...(ctx.formerParent ? { aliases: [{ parent: ctx.formerParent }] } : {}),
  };
}

/**
 * The NetworkPolicy of a platform namespace (`kueue-system`, `gpu-system`): every pod there may
 * reach DNS and the Kubernetes API (TCP 443/6443; the control plane's address is not known in
 * advance on EKS/GKE), and is reachable only on the listed ports (webhooks, metrics). Traffic from
 * the node itself (kubelet probes) is always allowed by Kubernetes.
 */
export function platformNamespacePolicy(
  ctx: ChildContext,
  handle: BuiltCluster,
  namespace: k8s.core.v1.Namespace,
  role: string,
  ingressPorts: { port: number; fromAnywhere: boolean }[],
): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    `${ctx.name}-${role}-network-policy`,
    {
      metadata: { name: "platform", namespace: namespace.metadata.name, labels: labelsFor(ctx, role) },
      spec: {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
        ingress: ingressPorts.map((p) => ({
          // Admission webhooks are called by the API server, which is outside the pod network.
          from: p.fromAnywhere ? [{ ipBlock: { cidr: "0.0.0.0/0" } }] : [{ namespaceSelector: {} }],
          ports: [{ protocol: "TCP", port: p.port }],
        })),
        egress: [
          dnsEgressRule(),
          {
            ports: [
              { protocol: "TCP", port: 443 },
              { protocol: "TCP", port: 6443 },
            ],
          },
        ],
      },
    },
    childOptions(ctx, handle, [namespace]),
  );
}
