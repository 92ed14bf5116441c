/**
 * The GKE target of `mlops:index:GpuTrainingCluster`: a VPC-native private GKE Standard cluster
 * with a system node pool and GPU node pools that scale from zero. Each concern lives in its own
 * file: args.ts (contract), network.ts, iam.ts, gke.ts, nodepools.ts, machines.ts,
 * kubeconfig.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import { createCloudAdapter, GcpPrivateServiceAccess, KeyPurpose, Target } from "../../adapters";
import type { BuiltCluster, ResolvedGpuPool } from "../types";
import type { ResolvedGcpClusterArgs } from "./args";
import { createControlPlaneWebhookFirewall } from "./firewall";
import { createGkeCluster } from "./gke";
import { createNodeServiceAccount } from "./iam";
import { clusterKubeconfig } from "./kubeconfig";
import { createNetwork } from "./network";
import { createGpuNodePools, createSystemNodePool } from "./nodepools";
import type { ClusterBuildContext } from "../types";
import { gcpClusterScope } from "./scope";

export * from "./args";
export {
  DEFAULT_GCP_GPU_MACHINE_TYPE,
  GCP_GPU_MACHINES,
  GCP_GPU_TYPES,
  gcpGpuMachine,
  gcpGpuPoolShape,
  gcpGpuPoolProblems,
  maxNodesForGpus,
  type GcpGpuPoolShape,
  type GpuMachine,
} from "./machines";
export { controlPlaneWebhookPorts } from "./firewall";
export { DCGM_MONITORING_COMPONENT } from "./gke";
export { NODE_SERVICE_ACCOUNT_ROLES } from "./iam";
export { GKE_AUTH_PLUGIN, gkeKubeconfig } from "./kubeconfig";
export { FLOW_LOGS, SECONDARY_RANGE_NAMES } from "./network";
export { GKE_TAINT_EFFECT, SYSTEM_POOL_NAME, gpuNodeLabels, gpuNodePoolName } from "./nodepools";

/**
 * Builds the GKE target for the component's resolved `args.gcp` and GPU pools. The component's
 * resolver (`resolveGpuTrainingClusterArgs`) has checked them (environment rules, every GPU pool's
 * shape); the builder checks nothing again.
 *
 * Children (`${ctx.name}-<role>`, all parented to `ctx.parent`): network, nodes (subnet), router,
 * nat, psa-range, psa-connection, nodes-sa (+ its role grants), control-plane-webhooks (firewall),
 * secrets-keyring, secrets-key, secrets-key-gke-agent, gke, system-pool, gpu-<pool> per GPU pool,
 * k8s (the provider).
 *
 * `features.managedDcgm` turns on GKE's managed DCGM metrics (the component passes its
 * `dcgmExporter` arg); the handle then says the platform exports GPU metrics itself.
 *
 * The handle's `gcp` block points the adapters at this cluster's project, region and network, with
 * `privateServiceAccess: "existing"` (this builder made the Service Networking connection, and the
 * network ID it hands out resolves only after that connection exists).
 */
/** Cluster features the component derives from its own (target-independent) args. */
export interface GcpClusterFeatures {
  /** GKE managed DCGM metrics (`monitoringConfig.enableComponents` gets "DCGM"). @default false */
  managedDcgm?: boolean;
}

export function createGcpCluster(
  ctx: ClusterBuildContext,
  resolved: ResolvedGcpClusterArgs,
  pools: ResolvedGpuPool[],
  features: GcpClusterFeatures = {},
): BuiltCluster {
  const scope = gcpClusterScope(ctx);
  const net = createNetwork(scope, resolved);
  const nodeSa = createNodeServiceAccount(scope, resolved);
  // Application-layer Secrets encryption: a Cloud KMS key in the cluster's region (GKE requires
  // the region: https://cloud.google.com/kubernetes-engine/docs/how-to/encrypting-secrets) from
  // the seam's one key builder, which grants the GKE service agent its use (`secrets.ready`).
  // Stateful: losing it makes every Secret unreadable, so it is protected with the cluster.
  const keys = createCloudAdapter(
    Target.gcp,
    {
      parent: ctx.parent,
      name: ctx.name,
      tags: ctx.tags,
      protect: ctx.protect,
      physicalNameBase: scope.nameBase,
    },
    { gcp: { project: resolved.project, region: resolved.region, network: net.network.id } },
  );
  const secrets = keys.encryptionKey("secrets", { purpose: KeyPurpose.kubernetesSecrets });
  if (secrets === undefined) throw new Error(`${ctx.name}: the gcp adapter returned no Cloud KMS key`);
  const firewall = createControlPlaneWebhookFirewall(scope, resolved, net, nodeSa);
  const managedDcgm = features.managedDcgm ?? false;
  const cluster = createGkeCluster(scope, resolved, net, nodeSa, secrets, { managedDcgm });
  const systemPool = createSystemNodePool(scope, resolved, { cluster, nodeSa });
  const gpuPools = createGpuNodePools(scope, resolved, pools, { cluster, nodeSa });

  const kubeconfig = clusterKubeconfig(cluster, resolved.project, resolved.region, resolved.dnsEndpoint);
  const provider = new k8s.Provider(`${ctx.name}-k8s`, { kubeconfig }, { parent: ctx.parent });

  return {
    provider,
    kubeconfig,
    clusterName: cluster.name,
    endpoint: cluster.endpoint,
    gcp: {
      project: resolved.project,
      region: resolved.region,
      network: net.networkIdAfterPrivateServiceAccess,
      privateServiceAccess: GcpPrivateServiceAccess.existing,
      privateServiceAccessCidr: resolved.privateServiceAccessCidr,
      // Resolved once the subnet exists, so an internal load balancer never precedes it.
      proxyOnlySubnetCidr: net.proxyOnlySubnet.ipCidrRange,
      nodeServiceAccount: nodeSa.email,
    },
    driversPreinstalled: true,
    managedGpuMetrics: managedDcgm,
    // The firewall before any in-cluster part: Kueue's release and objects call its webhooks.
    ready: [systemPool, ...gpuPools, net.nat, firewall],
  };
}
