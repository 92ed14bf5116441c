/**
 * Shared fixtures of the training-cluster tests: a fake cluster handle (a k8s.Provider and nothing
 * to wait for), GPU pools, teams, and a program that installs the in-cluster parts.
 */
import { componentContext } from "../../components/shared/component";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  installInClusterParts,
  inClusterArgsSchema,
  type InClusterArgs,
  type InClusterParts,
} from "../../components/training-cluster/in-cluster";
import type { ClusterHandle, ResolvedGpuPool } from "../../components/training-cluster/types";
import type { Environment } from "../../components/shared/presets";

export class Host extends pulumi.ComponentResource {
  constructor(name: string) {
    super("test:index:Host", name, {});
  }
}

export const POOLS: ResolvedGpuPool[] = [
  { name: "l4-spot", gpuType: "nvidia-l4", capacityType: "spot", maxGpus: 16, instanceFamilies: ["g6"] },
  {
    name: "a100-on-demand",
    gpuType: "nvidia-a100",
    capacityType: "on-demand",
    maxGpus: 8,
    instanceFamilies: ["p4d"],
  },
];

export const TEAMS: InClusterArgs["teams"] = [
  { name: "vision", gpuQuota: 4, cpuQuota: "64", memoryQuota: "256Gi" },
  {
    name: "nlp",
    namespace: "team-nlp",
    gpuQuota: 2,
    cpuQuota: "32500m",
    memoryQuota: "128Gi",
    canBorrow: false,
    pools: ["a100-on-demand"],
    maxPods: 50,
    serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/nlp" },
  },
];

export interface Scenario {
  name?: string;
  environment?: Environment;
  driversPreinstalled?: boolean;
  pools?: ResolvedGpuPool[];
  args?: InClusterArgs;
  handle?: Partial<Pick<ClusterHandle, "aws" | "gcp" | "managedGpuMetrics">>;
}

/** A cluster handle on a kubeconfig provider named "cluster", with nothing to wait for. */
export function fakeClusterHandle(s: Pick<Scenario, "driversPreinstalled" | "handle"> = {}): ClusterHandle {
  return {
    provider: new k8s.Provider("cluster", { kubeconfig: "apiVersion: v1\nkind: Config\n" }),
    kubeconfig: pulumi.secret(""),
    clusterName: pulumi.output("test"),
    endpoint: pulumi.output(""),
    driversPreinstalled: s.driversPreinstalled ?? true,
    ready: [],
    ...s.handle,
  };
}

/** A program that installs the in-cluster parts on a fake handle; `seen.parts` gets the result. */
export function inClusterProgram(s: Scenario = {}, seen: { parts?: InClusterParts } = {}) {
  return () => {
    const name = s.name ?? "gtc";
    const parent = new Host(name);
    const handle = fakeClusterHandle(s);
    seen.parts = installInClusterParts(
      componentContext(parent, name, {
        environment: s.environment ?? "dev",
        tags: { owner: "ml-platform" },
        protect: false,
      }),
      handle,
      s.pools ?? POOLS,
      inClusterArgsSchema.parse(s.args ?? { teams: TEAMS }),
    );
    return {};
  };
}
