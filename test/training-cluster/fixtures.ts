/**
 * Shared fixtures of the training-cluster tests and of the components that take a cluster: a fake
 * built cluster (a k8s.Provider and nothing to wait for), the public handle of it, GPU pools,
 * teams, and a program that installs the in-cluster parts.
 */
import type { ClusterMonitoring } from "../../components/shared/scrape-target";
import { componentContext } from "../../components/shared/component";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  installInClusterParts,
  inClusterArgsSchema,
  resolveInClusterArgs,
  type InClusterArgs,
  type InClusterParts,
  type ResolvedInClusterArgs,
} from "../../components/training-cluster/in-cluster";
import { handleOf } from "../../components/training-cluster/handle";
import {
  GPU_TRAINING_CLUSTER_TYPE,
  type BuiltCluster,
  type ClusterHandle,
  type ResolvedGpuPool,
} from "../../components/training-cluster/types";
import type { Environment } from "../../components/shared/presets";
import type { AwsTargetArgs, GcpTargetArgs } from "../../components/adapters";
import { resolvedOrThrow } from "../../components/shared/contract";

/**
 * In-cluster args as the component's resolver hands them to `installInClusterParts`: parsed,
 * resolved for the handle's GPU platform and the pools, and every problem thrown as the component
 * would (`args.<path>: <message>` in a ResourceError on `parent`).
 */
export function resolvedInClusterArgs(
  parent: pulumi.Resource,
  environment: Environment,
  handle: BuiltCluster,
  pools: ResolvedGpuPool[],
  args: InClusterArgs,
): ResolvedInClusterArgs {
  const resolution = resolveInClusterArgs(
    environment,
    handle,
    pools.map((p) => p.name),
    inClusterArgsSchema.parse(args),
  );
  return resolvedOrThrow(resolution, parent, GPU_TRAINING_CLUSTER_TYPE);
}

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
  handle?: Partial<Pick<BuiltCluster, "aws" | "gcp" | "managedGpuMetrics" | "ingressClassName">>;
  /** The cluster's monitoring, as `installClusterMonitoring` makes it. @default off */
  monitoring?: ClusterMonitoring;
}

/** A cluster handle on a kubeconfig provider named "cluster", with nothing to wait for. */
export function fakeBuiltCluster(s: Pick<Scenario, "driversPreinstalled" | "handle"> = {}): BuiltCluster {
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

/**
 * The public handle of a fake built cluster (provider "cluster"), as a `GpuTrainingCluster` builds
 * it: target "local", environment "dev" and no GPU pools unless given.
 */
export function fakeClusterHandle(
  h: Partial<
    Pick<
      ClusterHandle,
      "target" | "environment" | "aws" | "gcp" | "ingressClassName" | "gpuPools" | "monitoring"
    >
  > = {},
): ClusterHandle {
  const { target = "local", environment = "dev", gpuPools = [], monitoring, ...details } = h;
  return handleOf(fakeBuiltCluster({ handle: details }), target, environment, gpuPools, monitoring);
}

/** A program that installs the in-cluster parts on a fake handle; `seen.parts` gets the result. */
export function inClusterProgram(s: Scenario = {}, seen: { parts?: InClusterParts } = {}) {
  return () => {
    const name = s.name ?? "gtc";
    const parent = new Host(name);
    const handle = fakeBuiltCluster(s);
    const environment = s.environment ?? "dev";
    const pools = s.pools ?? POOLS;
    seen.parts = installInClusterParts(
      componentContext(parent, name, { environment, tags: { owner: "ml-platform" }, protect: false }),
      handle,
      pools,
      resolvedInClusterArgs(parent, environment, handle, pools, s.args ?? { teams: TEAMS }),
      s.monitoring,
    );
    return {};
  };
}

/** Cloud details of a cluster on "aws" (`fakeClusterHandle({ target: "aws", aws: CLUSTER_AWS })`). */
export const CLUSTER_AWS: AwsTargetArgs = {
  vpcId: "vpc-123",
  vpcCidrBlock: "10.0.0.0/16",
  privateSubnetIds: ["subnet-a", "subnet-b"],
  nodeSecurityGroupId: "sg-nodes",
  clusterName: "ml",
};

/** Cloud details of a cluster on "gcp". */
export const CLUSTER_GCP: GcpTargetArgs = {
  project: "acme-ml",
  region: "europe-west4",
  network: "projects/acme-ml/global/networks/ml",
};
