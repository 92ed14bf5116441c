/**
 * Node pools: the on-demand system pool and one GPU pool per resolved GPU pool (scale from zero,
 * GPU taint and labels, GKE-managed NVIDIA drivers, spot or on-demand).
 */
import * as gcp from "../../shared/gcp-sdk";
import type * as pulumi from "@pulumi/pulumi";
import { dnsLabel } from "../../shared/names";
import { GPU_NODE_LABELS, GPU_TAINT, type ResolvedGpuPool } from "../types";
import type { ResolvedGcpClusterArgs } from "./args";
import { KUBELET_READONLY_PORT_OFF, NODE_IMAGE_TYPE, SHIELDED_INSTANCE, WORKLOAD_METADATA } from "./gke";
import { NODE_OAUTH_SCOPES, type NodeServiceAccount } from "./iam";
import { gcpGpuPoolShape } from "./machines";
import type { GcpClusterScope } from "./scope";

/** GKE spells Kubernetes taint effects in upper snake case. */
export const GKE_TAINT_EFFECT: Record<string, string> = {
  NoSchedule: "NO_SCHEDULE",
  PreferNoSchedule: "PREFER_NO_SCHEDULE",
  NoExecute: "NO_EXECUTE",
};

/** Name of the system pool in GKE. */
export const SYSTEM_POOL_NAME = "system";

/** GKE name of a GPU pool: `gpu-<pool>`, at most 40 characters. */
export function gpuNodePoolName(pool: string): string {
  return dnsLabel(["gpu", pool], 40);
}

/** Kubernetes labels of the nodes of a GPU pool (GPU_NODE_LABELS). */
export function gpuNodeLabels(pool: ResolvedGpuPool): Record<string, string> {
  return {
    [GPU_NODE_LABELS.gpu]: "true",
    [GPU_NODE_LABELS.pool]: pool.name,
    [GPU_NODE_LABELS.gpuType]: pool.gpuType,
    [GPU_NODE_LABELS.capacityType]: pool.capacityType,
  };
}

/** Settings shared by the nodes of every pool (see gke.ts for the reasons). */
function hardenedNodeConfig(
  nodeSa: NodeServiceAccount,
  labels: Record<string, string>,
): gcp.types.input.container.NodePoolNodeConfig {
  return {
    serviceAccount: nodeSa.email,
    oauthScopes: NODE_OAUTH_SCOPES,
    imageType: NODE_IMAGE_TYPE,
    shieldedInstanceConfig: { ...SHIELDED_INSTANCE },
    workloadMetadataConfig: { ...WORKLOAD_METADATA },
    kubeletConfig: { insecureKubeletReadonlyPortEnabled: KUBELET_READONLY_PORT_OFF },
    diskType: "pd-balanced",
    resourceLabels: labels,
  };
}

/** What the node pools need from the rest of the builder. */
export interface NodePoolInputs {
  cluster: gcp.container.Cluster;
  nodeSa: NodeServiceAccount;
}

/**
 * The system pool: on-demand `systemNodePool.machineType`, `minNodes`–`maxNodes` per zone,
 * autoscaled, auto-repaired and auto-upgraded with surge upgrades (one extra node, none
 * unavailable) so add-ons keep running. Replacing the pool (a machine type change) deletes it
 * first, because GKE pool names are fixed.
 */
export function createSystemNodePool(
  scope: GcpClusterScope,
  args: ResolvedGcpClusterArgs,
  { cluster, nodeSa }: NodePoolInputs,
): gcp.container.NodePool {
  const { ctx, labels, opts } = scope;
  const system = args.systemNodePool;
  return new gcp.container.NodePool(
    `${ctx.name}-system-pool`,
    {
      project: args.project,
      location: args.region,
      cluster: cluster.name,
      name: SYSTEM_POOL_NAME,
      nodeLocations: args.zones,
      initialNodeCount: system.minNodes,
      autoscaling: { minNodeCount: system.minNodes, maxNodeCount: system.maxNodes },
      management: { autoRepair: true, autoUpgrade: true },
      upgradeSettings: { strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 },
      nodeConfig: {
        ...hardenedNodeConfig(nodeSa, labels),
        machineType: system.machineType,
        diskSizeGb: system.diskSizeGb,
        labels: { "mlops.pulumi.com/pool": SYSTEM_POOL_NAME },
      },
    },
    { ...opts, dependsOn: nodeSa.grants, deleteBeforeReplace: true },
  );
}

/**
 * One GPU pool per resolved pool:
 * - machine and accelerator from `gcpGpuPoolShape` (L4 → g2-standard-8, A100 → a2-highgpu-1g,
 *   H100 → a3-highgpu-8g unless the pool names another shape of that GPU);
 * - GKE installs the NVIDIA driver (`gpuDriverInstallationConfig`), so no driver DaemonSet is
 *   needed and the signed driver loads with secure boot;
 * - `spot` for spot pools;
 * - autoscaling over all zones of the pool from 0 to ⌊maxGpus / GPUs per machine⌋ nodes
 *   (`totalMin/MaxNodeCount`), location policy ANY (take capacity in whichever zone has it,
 *   GKE's recommendation for Spot and scarce GPUs);
 * - the GPU taint (GKE also adds `nvidia.com/gpu=present:NoSchedule` itself; declaring it keeps the
 *   contract explicit) and GPU_NODE_LABELS;
 * - gVNIC (required by A3, faster on G2/A2);
 * - upgrades without surge (maxSurge 0, maxUnavailable 1): a surge node would need GPU quota and
 *   capacity that is often not there.
 */
export function createGpuNodePools(
  scope: GcpClusterScope,
  args: ResolvedGcpClusterArgs,
  pools: ResolvedGpuPool[],
  { cluster, nodeSa }: NodePoolInputs,
): gcp.container.NodePool[] {
  const { ctx, labels, opts } = scope;
  const taintEffect = GKE_TAINT_EFFECT[GPU_TAINT.effect] ?? "NO_SCHEDULE";
  return pools.map((pool) => {
    const shape = gcpGpuPoolShape(pool);
    const spot = pool.capacityType === "spot";
    return new gcp.container.NodePool(
      `${ctx.name}-gpu-${pool.name}`,
      {
        project: args.project,
        location: args.region,
        cluster: cluster.name,
        name: gpuNodePoolName(pool.name),
        nodeLocations: args.gpuZones,
        initialNodeCount: 0,
        autoscaling: {
          totalMinNodeCount: 0,
          totalMaxNodeCount: shape.maxNodes,
          locationPolicy: "ANY",
        },
        management: { autoRepair: true, autoUpgrade: true },
        upgradeSettings: { strategy: "SURGE", maxSurge: 0, maxUnavailable: 1 },
        nodeConfig: {
          ...hardenedNodeConfig(nodeSa, labels),
          machineType: shape.machineType,
          diskSizeGb: args.gpuDiskSizeGb,
          spot,
          guestAccelerators: [
            {
              type: shape.acceleratorType,
              count: shape.gpusPerMachine,
              gpuDriverInstallationConfig: { gpuDriverVersion: args.gpuDriverVersion },
            },
          ],
          gvnic: { enabled: true },
          labels: gpuNodeLabels(pool),
          taints: [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: taintEffect }],
        },
      },
      { ...opts, dependsOn: nodeSa.grants, deleteBeforeReplace: true } satisfies pulumi.CustomResourceOptions,
    );
  });
}
