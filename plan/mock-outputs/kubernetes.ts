import type { ComputedOutputs } from "./types";

/** Type-specific computed outputs for Kubernetes resources. */
export const kubernetesOutputs: Record<string, ComputedOutputs> = {};
