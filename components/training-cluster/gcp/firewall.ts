/**
 * The firewall rule that lets the control plane call the webhooks and aggregated APIs running on
 * the nodes.
 *
 * A private GKE cluster on VPC peering (`masterIpv4CidrBlock`) gets one automatic ingress rule
 * from the control-plane range to the nodes, for tcp 443 and 10250 only (GKE "Adding firewall
 * rules for specific use cases", https://cloud.google.com/kubernetes-engine/docs/how-to/private-clusters#add_firewall_rules).
 * Kueue's webhook Service targets pod port 9443 and its visibility APIService pod port 8082; its
 * Pod/Deployment/ClusterQueue webhooks use `failurePolicy: Fail`, so without this rule the API
 * server times out on them and ClusterQueues (and, unscoped, every pod) cannot be created.
 */
import * as gcp from "../../shared/gcp-sdk";
import { API_SERVER_CALLBACK_PORTS } from "../in-cluster/ports";
import type { ResolvedGcpClusterArgs } from "./args";
import type { NodeServiceAccount } from "./iam";
import type { GcpClusterNetwork } from "./network";
import type { GcpClusterScope } from "./scope";

/** The ports the rule opens: exactly the pod ports the API server calls (in-cluster/ports.ts), tcp. */
export function controlPlaneWebhookPorts(): string[] {
  return [...new Set(API_SERVER_CALLBACK_PORTS.map((p) => p.port))].sort((a, b) => a - b).map(String);
}

/**
 * Ingress from the control-plane range (`masterIpv4CidrBlock`) to the cluster's nodes on
 * `controlPlaneWebhookPorts()`, tcp only. The targets are the nodes' own service account rather
 * than network tags: every node of the cluster runs as it (system pool, GPU pools, auto-provisioned
 * pools, the temporary default pool) and nothing else does, so the rule reaches exactly those VMs
 * (and their pod alias ranges) without depending on GKE's generated node tag.
 */
export function createControlPlaneWebhookFirewall(
  scope: GcpClusterScope,
  args: ResolvedGcpClusterArgs,
  net: GcpClusterNetwork,
  nodeSa: NodeServiceAccount,
): gcp.compute.Firewall {
  const { ctx, opts } = scope;
  return new gcp.compute.Firewall(
    `${ctx.name}-control-plane-webhooks`,
    {
      project: args.project,
      network: net.network.id,
      description: `GKE control plane of ${ctx.name} to webhooks and APIServices on its nodes (${API_SERVER_CALLBACK_PORTS.map((p) => `${p.port} ${p.what}`).join(", ")}); managed by pulumi-mlops`,
      direction: "INGRESS",
      priority: 1000,
      sourceRanges: [args.masterIpv4CidrBlock],
      targetServiceAccounts: [nodeSa.email],
      allows: [{ protocol: "tcp", ports: controlPlaneWebhookPorts() }],
    },
    opts,
  );
}
