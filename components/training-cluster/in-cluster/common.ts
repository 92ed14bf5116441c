/**
 * Names, labels and resource options shared by the in-cluster files.
 *
 * Kubernetes objects get a fixed `metadata.name` (no auto-naming), so that job templates, queues
 * and policies can refer to them before deployment. Pulumi resource names are
 * `${<sub-component>}-<what>` (the base class enforces it) so that two components in one stack
 * never collide; labels carry the cluster's name (`labelsFor(<cluster context>, ...)`).
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { BuiltCluster } from "../types";
import { dnsEgressRule, governanceLabels, standardLabels } from "../../shared/k8s";
import type { ComponentContext } from "../../shared/component";

/** `app.kubernetes.io/name` of everything the in-cluster parts create. */
export const COMPONENT_LABEL = "gpu-training-cluster";

/** Namespace of the GPU stack (device plugin or GPU Operator, DCGM exporter). */
export const GPU_SYSTEM_NAMESPACE = "gpu-system";

/** Namespace of the Kueue controller. */
export const KUEUE_NAMESPACE = "kueue-system";

/** Namespace of cert-manager (the chart's documented namespace; the CA's Secret lives there). */
export const CERT_MANAGER_NAMESPACE = "cert-manager";

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
export function labelsFor(ctx: ComponentContext, role: string): Record<string, string> {
  return { ...governanceLabels(ctx.tags), ...standardLabels(COMPONENT_LABEL, ctx.name, role) };
}

/**
 * Options for every in-cluster child: parented to its (sub-)component (`ctx.opts`), on the
 * cluster's provider, after everything the cluster builder says must be ready (node groups,
 * Karpenter), plus `extra`. (The aliases of objects that moved under a sub-component come from
 * the sub-component's creation options: `movedFrom` in components/shared/aliases.ts.)
 */
export function childOptions(
  ctx: ComponentContext,
  handle: BuiltCluster,
  extra: pulumi.Resource[] = [],
): pulumi.CustomResourceOptions {
  return ctx.opts({ provider: handle.provider, dependsOn: [...handle.ready, ...extra] });
}

/**
 * The NetworkPolicy of a platform namespace (`kueue-system`, `gpu-system`, `cert-manager`): every pod there may
 * reach DNS and the Kubernetes API (TCP 443/6443; the control plane's address is not known in
 * advance on EKS/GKE), and is reachable only on the listed ports (webhooks, metrics). Traffic from
 * the node itself (kubelet probes) is always allowed by Kubernetes.
 */
export function platformNamespacePolicy(
  ctx: ComponentContext,
  handle: BuiltCluster,
  namespace: k8s.core.v1.Namespace,
  labels: Record<string, string>,
  ingressPorts: { port: number; fromAnywhere: boolean }[],
): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    `${ctx.name}-system-network-policy`,
    {
      metadata: { name: "platform", namespace: namespace.metadata.name, labels },
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
