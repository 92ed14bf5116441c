/**
 * GPU machine types on Google Cloud: which Compute Engine machine type and accelerator a pool of
 * a `GpuType` uses, how many GPUs one machine has, and how many nodes a GPU limit allows. Pure
 * functions, tested on their own.
 *
 * Source of the shapes: Compute Engine "GPU machine types"
 * (https://cloud.google.com/compute/docs/gpus) and "Accelerator-optimized machine family"
 * (https://cloud.google.com/compute/docs/accelerator-optimized-machines). On A2, A3 and G2 the
 * GPUs are part of the machine type; GKE still takes the accelerator type and count in
 * `guestAccelerators`, and they must match the machine.
 */
import type { Problem } from "../../shared/contract";
import { GpuType, type ResolvedGpuPool } from "../types";
import { GcpAccelerator } from "./args";

/** The GPUs of one machine type. */
export interface GpuMachine {
  /** Compute Engine machine type, e.g. "g2-standard-8". */
  machineType: string;
  /** Accelerator name for `guestAccelerators[].type`, e.g. "nvidia-l4". */
  acceleratorType: GcpAccelerator;
  /** GPUs attached to one machine. */
  gpusPerMachine: number;
}

type MachineTable = Record<string, { acceleratorType: GcpAccelerator; gpus: number }>;

const L4 = GcpAccelerator.nvidiaL4;
const A100 = GcpAccelerator.nvidiaA100;
const A100_80 = GcpAccelerator.nvidiaA100x80gb;
const H100 = GcpAccelerator.nvidiaH100x80gb;
const H100_MEGA = GcpAccelerator.nvidiaH100Mega80gb;
const H200 = GcpAccelerator.nvidiaH200x141gb;
const B200 = GcpAccelerator.nvidiaB200;

/**
 * Known GPU machine types per GpuType offered on Google Cloud. A10G and L40S are not offered on
 * Compute Engine, so they have no entry.
 */
export const GCP_GPU_MACHINES: Partial<Record<GpuType, MachineTable>> = {
  // G2: NVIDIA L4 24 GB.
  [GpuType.nvidiaL4]: {
    "g2-standard-4": { acceleratorType: L4, gpus: 1 },
    "g2-standard-8": { acceleratorType: L4, gpus: 1 },
    "g2-standard-12": { acceleratorType: L4, gpus: 1 },
    "g2-standard-16": { acceleratorType: L4, gpus: 1 },
    "g2-standard-24": { acceleratorType: L4, gpus: 2 },
    "g2-standard-32": { acceleratorType: L4, gpus: 1 },
    "g2-standard-48": { acceleratorType: L4, gpus: 4 },
    "g2-standard-96": { acceleratorType: L4, gpus: 8 },
  },
  // A2 Standard (A100 40 GB) and A2 Ultra (A100 80 GB).
  [GpuType.nvidiaA100]: {
    "a2-highgpu-1g": { acceleratorType: A100, gpus: 1 },
    "a2-highgpu-2g": { acceleratorType: A100, gpus: 2 },
    "a2-highgpu-4g": { acceleratorType: A100, gpus: 4 },
    "a2-highgpu-8g": { acceleratorType: A100, gpus: 8 },
    "a2-megagpu-16g": { acceleratorType: A100, gpus: 16 },
    "a2-ultragpu-1g": { acceleratorType: A100_80, gpus: 1 },
    "a2-ultragpu-2g": { acceleratorType: A100_80, gpus: 2 },
    "a2-ultragpu-4g": { acceleratorType: A100_80, gpus: 4 },
    "a2-ultragpu-8g": { acceleratorType: A100_80, gpus: 8 },
  },
  // A3 High / Edge (H100 80 GB) and A3 Mega (H100 Mega 80 GB).
  [GpuType.nvidiaH100]: {
    "a3-highgpu-1g": { acceleratorType: H100, gpus: 1 },
    "a3-highgpu-2g": { acceleratorType: H100, gpus: 2 },
    "a3-highgpu-4g": { acceleratorType: H100, gpus: 4 },
    "a3-highgpu-8g": { acceleratorType: H100, gpus: 8 },
    "a3-edgegpu-8g": { acceleratorType: H100, gpus: 8 },
    "a3-megagpu-8g": { acceleratorType: H100_MEGA, gpus: 8 },
  },
  // A3 Ultra (H200 141 GB): one shape, 8 GPUs ("A3 Ultra machine types").
  [GpuType.nvidiaH200]: {
    "a3-ultragpu-8g": { acceleratorType: H200, gpus: 8 },
  },
  // A4 (B200): one shape, 8 GPUs ("A4 machine types").
  [GpuType.nvidiaB200]: {
    "a4-highgpu-8g": { acceleratorType: B200, gpus: 8 },
  },
};

/**
 * Default machine type per GpuType:
 * - L4 → g2-standard-8: one L4 with 8 vCPUs and 32 GB, the smallest G2 shape whose host memory
 *   exceeds the GPU's 24 GB (checkpoints and data loader workers are staged in host RAM); the
 *   4-vCPU g2-standard-4 starves multi-worker data loading.
 * - A100 → a2-highgpu-1g: the smallest A100 shape, so the pool scales in steps of one GPU and
 *   `maxGpus` maps one-to-one to nodes. Use a2-ultragpu-* for the 80 GB part.
 * - H100 → a3-highgpu-8g: the A3 High shape offered on demand; the 1g/2g/4g shapes are offered
 *   only as Spot or through Flex-start (Compute Engine "A3 High machine types").
 * - H200 → a3-ultragpu-8g and B200 → a4-highgpu-8g: the only shapes of A3 Ultra and A4. Both are
 *   mostly sold through reservations, Flex-start or Spot; `maxGpus` must be a multiple of 8 to
 *   use every node.
 */
export const DEFAULT_GCP_GPU_MACHINE_TYPE: Partial<Record<GpuType, string>> = {
  [GpuType.nvidiaL4]: "g2-standard-8",
  [GpuType.nvidiaA100]: "a2-highgpu-1g",
  [GpuType.nvidiaH100]: "a3-highgpu-8g",
  [GpuType.nvidiaH200]: "a3-ultragpu-8g",
  [GpuType.nvidiaB200]: "a4-highgpu-8g",
};

/** GpuTypes that have a machine type on Google Cloud. */
export const GCP_GPU_TYPES = Object.keys(DEFAULT_GCP_GPU_MACHINE_TYPE) as GpuType[];

/**
 * The machine for a GPU type, `machineType` (when given) checked against the known shapes of that
 * type. Throws an Error naming what is allowed for a GPU type Google Cloud does not offer, or a
 * machine type that does not carry that GPU.
 */
export function gcpGpuMachine(gpuType: GpuType, machineType?: string): GpuMachine {
  const table = GCP_GPU_MACHINES[gpuType];
  const fallback = DEFAULT_GCP_GPU_MACHINE_TYPE[gpuType];
  if (!table || !fallback) {
    throw new Error(
      `gpuType "${gpuType}" is not offered on Google Cloud; use one of ${GCP_GPU_TYPES.map((t) => `"${t}"`).join(", ")}`,
    );
  }
  const chosen = machineType ?? fallback;
  const entry = table[chosen];
  if (!entry) {
    throw new Error(
      `machineType "${chosen}" is not a known Google Cloud machine type with ${gpuType} GPUs; use one of ${Object.keys(table).join(", ")}`,
    );
  }
  return { machineType: chosen, acceleratorType: entry.acceleratorType, gpusPerMachine: entry.gpus };
}

/**
 * Most nodes a pool may scale to so that it never exceeds `maxGpus`: ⌊maxGpus / GPUs per machine⌋.
 * Throws when `maxGpus` is smaller than one machine's GPUs (the pool could never start a node).
 */
export function maxNodesForGpus(maxGpus: number, gpusPerMachine: number): number {
  if (!Number.isInteger(maxGpus) || maxGpus < 1) {
    throw new Error(`maxGpus: ${maxGpus} is not allowed; give a whole number of GPUs, at least 1`);
  }
  const nodes = Math.floor(maxGpus / gpusPerMachine);
  if (nodes < 1) {
    throw new Error(
      `maxGpus: ${maxGpus} is less than the ${gpusPerMachine} GPUs of one machine, so no node could ever start; raise maxGpus or pick a smaller machineType`,
    );
  }
  return nodes;
}

/** Machine, accelerator and node limit of a resolved GPU pool. */
export interface GcpGpuPoolShape extends GpuMachine {
  /** Upper bound of nodes across all zones of the pool (`totalMaxNodeCount`). */
  maxNodes: number;
}

/** The GKE shape of a pool; errors name the pool. */
export function gcpGpuPoolShape(pool: ResolvedGpuPool): GcpGpuPoolShape {
  try {
    const machine = gcpGpuMachine(pool.gpuType, pool.machineType);
    return { ...machine, maxNodes: maxNodesForGpus(pool.maxGpus, machine.gpusPerMachine) };
  } catch (error) {
    throw new Error(`GPU pool "${pool.name}": ${(error as Error).message}`);
  }
}

/**
 * Problems with the GPU pools on GKE (paths under `args.`): a GPU type Google Cloud does not offer,
 * a machine type without that GPU, a GPU limit below one machine's GPUs.
 */
export function gcpGpuPoolProblems(pools: ResolvedGpuPool[]): Problem[] {
  const problems: Problem[] = [];
  for (const pool of pools) {
    try {
      gcpGpuPoolShape(pool);
    } catch (error) {
      problems.push({ path: ["gpuPools"], message: (error as Error).message });
    }
  }
  return problems;
}
