/**
 * The contract pipeline (issue 8, item 1): one pure resolver per component, called by the
 * component and by the stack config alike; every rule runs once; defaults and presets applied in
 * the same pass.
 */
import { describe, expect, it } from "vitest";
import { resolveModelRegistryArgs } from "../components/model-registry/args";
import { problemLine, type Problem } from "../components/shared/contract";
import { GpuTrainingCluster, resolveGpuTrainingClusterArgs } from "../components/training-cluster";
import { StackConfigError } from "../components/shared/errors";
import { parseStackConfig } from "../stacks/config";
import { planOf } from "./helpers";

const TAGS = { owner: "ml-platform", "cost-center": "cc-1", "data-classification": "internal" };
const REACH = { endpointPublicAccessCidrs: ["203.0.113.0/24"] };

/** The stack config's problems (empty when it parses). */
function configProblems(config: Record<string, unknown>): string[] {
  const all: Record<string, string> = { "mlops:tags": JSON.stringify(TAGS) };
  for (const [key, value] of Object.entries(config)) {
    all[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  try {
    parseStackConfig(all);
    return [];
  } catch (err) {
    if (err instanceof StackConfigError) return err.problems;
    throw err;
  }
}

/** The message a component throws for `args` (the constructor calls its resolver once). */
async function componentError(build: () => void): Promise<string> {
  let thrown: unknown;
  await planOf(
    () => {
      try {
        build();
      } catch (err) {
        thrown = err;
      }
    },
    { config: { "aws:region": "us-east-1" } },
  );
  expect(thrown).toBeInstanceOf(Error);
  return (thrown as Error).message;
}

const lines = (problems: Problem[]) => problems.map((p) => problemLine(p));

describe("resolveGpuTrainingClusterArgs", () => {
  it("is pure: the same args give the same resolution, the args are not changed, nothing is registered", () => {
    const args = {
      target: "aws",
      environment: "prod",
      aws: { ...REACH, systemNodeGroup: { minSize: 4 } },
      teams: [{ name: "vision", gpuQuota: 4, cpuQuota: "8", memoryQuota: "32Gi" }],
    };
    const copy = structuredClone(args);
    const first = resolveGpuTrainingClusterArgs(args);
    const second = resolveGpuTrainingClusterArgs(args);
    expect(first.problems).toEqual([]);
    expect(second).toEqual(first);
    expect(args).toEqual(copy);
    // Called outside any Pulumi program: it registers nothing and needs no runtime.
    expect(first.resolved?.aws?.systemNodeGroup).toEqual({
      instanceTypes: ["m7i.xlarge", "m6i.xlarge"],
      minSize: 4,
      desiredSize: 4,
      maxSize: 6,
      diskSizeGb: 50,
    });
  });

  it("returns every problem at once: field, cross-field, environment and pool rules together", () => {
    const { resolved, problems } = resolveGpuTrainingClusterArgs({
      target: "aws",
      environment: "prod",
      aws: { availabilityZoneCount: 2, natGateways: "single" },
      gpuPools: [
        { name: "l4", gpuType: "nvidia-l4", maxGpus: 8, instanceFamilies: ["m5"] },
        { name: "l4", gpuType: "nvidia-l4", maxGpus: 8 },
      ],
      teams: [{ name: "vision", gpuQuota: 1, cpuQuota: "1", memoryQuota: "1Gi", pools: ["h100"] }],
    });
    expect(resolved).toBeUndefined();
    expect(lines(problems)).toEqual([
      'args.gpuPools[1].name: "l4" is used by another pool',
      "args.aws.endpointPublicAccessCidrs: required when the cluster creates its own VPC: nothing outside a new VPC reaches a private-only endpoint during the same `pulumi up`. List your deploy runners' CIDRs (e.g. CI egress IPs), or adopt a VPC they reach (existingVpc) and list them in endpointPrivateAccessCidrs",
      "args.aws.availabilityZoneCount: must be 3 in prod (2 AZs are allowed in dev and staging only)",
      'args.aws.natGateways: must be "perAz" in prod (a single NAT gateway makes one AZ the egress of every node)',
      'args.gpuPools[0].instanceFamilies: "m5" is not an EC2 family with nvidia-l4 GPUs; use one of "g6", "gr6"',
      'args.teams[0].pools: unknown GPU pool(s) "h100"; the cluster\'s pools are "l4", "l4"',
    ]);
  });

  it("reports check-level field problems together with the rules that need no defaults", () => {
    const { problems } = resolveGpuTrainingClusterArgs({
      target: "local",
      kueueReplicas: 9,
      clusterName: "kind",
      teams: [
        { name: "a", gpuQuota: 1, cpuQuota: "1", memoryQuota: "1Gi" },
        { name: "a", gpuQuota: 1, cpuQuota: "1", memoryQuota: "1Gi" },
      ],
    });
    expect(lines(problems)).toEqual([
      "args.kueueReplicas: must be <=5",
      'args.teams[1].name: duplicate team name "a" (also teams[0]); team names must be unique',
      'args.clusterName: names a cluster this component creates; target "local" adopts one (use existing.clusterName)',
    ]);
  });

  it("applies the environment preset and the defaults in the same pass (dev vs prod)", () => {
    const dev = resolveGpuTrainingClusterArgs({ target: "aws", aws: REACH }).resolved!;
    const prod = resolveGpuTrainingClusterArgs({ target: "aws", aws: REACH }, "prod").resolved!;
    expect(dev.environment).toBe("dev");
    expect(prod.environment).toBe("prod");
    expect([dev.protect, prod.protect]).toEqual([false, true]);
    expect([dev.tags, prod.tags]).toEqual([{ environment: "dev" }, { environment: "prod" }]);
    expect([dev.aws!.natGateways, prod.aws!.natGateways]).toEqual(["single", "perAz"]);
    expect([dev.aws!.systemNodeGroup.minSize, prod.aws!.systemNodeGroup.minSize]).toEqual([2, 3]);
    expect([dev.aws!.supportType, prod.aws!.supportType]).toEqual(["STANDARD", "EXTENDED"]);
    expect([dev.inCluster.kueueReplicas, prod.inCluster.kueueReplicas]).toEqual([1, 2]);
    expect(dev.gpuPools).toEqual([
      {
        name: "l4-spot",
        gpuType: "nvidia-l4",
        capacityType: "spot",
        maxGpus: 4,
        instanceFamilies: ["g6"],
      },
    ]);
    expect(prod.gpuPools.map((p) => [p.name, p.capacityType, p.maxGpus])).toEqual([
      ["l4-on-demand", "on-demand", 16],
      ["l4-spot", "spot", 32],
    ]);
    // The args' own environment wins over the caller's.
    expect(
      resolveGpuTrainingClusterArgs({ target: "local", environment: "staging" }, "prod").resolved!
        .environment,
    ).toBe("staging");
    // The GPU stack each platform calls for: GKE runs its own (none), EKS's AMI has the drivers,
    // an adopted cluster without drivers gets the GPU Operator.
    const gcp = { project: "acme-ml", region: "europe-west4", privateEndpoint: true };
    expect(resolveGpuTrainingClusterArgs({ target: "gcp", gcp }).resolved!.inCluster.gpuStack).toBe("none");
    expect(dev.inCluster.gpuStack).toBe("devicePlugin");
    expect(resolveGpuTrainingClusterArgs({ target: "local" }).resolved!.inCluster.gpuStack).toBe(
      "gpuOperator",
    );
  });

  it("checks team pools once: one problem for an unknown pool, not one per phase", async () => {
    const args = {
      target: "aws" as const,
      aws: REACH,
      teams: [{ name: "a", gpuQuota: 1, cpuQuota: "1", memoryQuota: "1Gi", pools: ["h100", "l4-spot"] }],
    };
    const { problems } = resolveGpuTrainingClusterArgs(args);
    expect(lines(problems)).toEqual([
      'args.teams[0].pools: unknown GPU pool(s) "h100"; the cluster\'s pools are "l4-spot"',
    ]);
    const message = await componentError(() => new GpuTrainingCluster("gpu", { ...args, tags: TAGS }));
    expect(message.match(/teams\[0\]\.pools/g)).toHaveLength(1);
  });

  it("runs the AWS cross-field rules once (no second copy from the builder's resolver)", () => {
    const existingVpc = {
      vpcId: "vpc-0123456789abcdef0",
      vpcCidrBlock: "10.0.0.0/16",
      privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
      publicSubnetIds: [],
    };
    const { problems } = resolveGpuTrainingClusterArgs({
      target: "aws",
      aws: { existingVpc, vpcCidr: "10.1.0.0/16", endpointPrivateAccessCidrs: ["10.0.0.0/16"] },
    });
    expect(lines(problems)).toEqual([
      "args.aws.vpcCidr: is not used with existingVpc (the VPC exists already); remove it",
    ]);
  });
});

describe("resolveModelRegistryArgs", () => {
  // The cluster handle is a Pulumi value the program supplies: resolved here against its target
  // and environment, as the stack config does.
  const local = { target: "local", environment: "dev" } as const;
  const aws = { target: "aws", environment: "dev" } as const;

  it("applies the preset and the defaults, auth on with the Ingress", () => {
    const dev = resolveModelRegistryArgs({}, undefined, local).resolved!;
    const prod = resolveModelRegistryArgs({ environment: "prod" }, undefined, local).resolved!;
    expect([dev.replicas, prod.replicas]).toEqual([1, 2]);
    expect([dev.protect, prod.protect]).toEqual([false, true]);
    expect([dev.database.backupRetentionDays, prod.database.backupRetentionDays]).toEqual([1, 14]);
    expect([dev.bucket.forceDestroy, prod.bucket.forceDestroy]).toEqual([true, false]);
    expect(dev.auth).toBeUndefined();
    expect(dev.ingress).toBeUndefined();
    const exposed = resolveModelRegistryArgs(
      { ingress: { enabled: true, host: "mlflow.example.com", tlsSecretName: "mlflow-tls" } },
      undefined,
      local,
    ).resolved!;
    expect(exposed.auth).toEqual({ adminUsername: "admin", defaultPermission: "READ" });
    expect(exposed.ingress?.className).toBe("nginx");
  });

  it("returns every problem at once", () => {
    const { problems } = resolveModelRegistryArgs(
      { environment: "prod", replicas: 1, image: "x:latest", ingress: { enabled: true }, local: {} },
      undefined,
      aws,
    );
    expect(lines(problems)).toEqual([
      "args.image: must be pinned to a tag other than latest, or a digest",
      'args.local: only used when target is "local"; remove it',
      "args.ingress.host: required when the Ingress is enabled",
      'args.ingress.certificateArn: required for IngressClass "alb" (its only listener is HTTPS)',
      "args.replicas: must be at least 2 in prod",
    ]);
  });

  it("the stack config carries what the registry resolved (the stack program derives no default)", () => {
    const base = { "mlops:target": "local", "mlops:environment": "dev", "mlops:tags": JSON.stringify(TAGS) };
    const plain = parseStackConfig(base);
    expect(plain.resolved.modelRegistry.auth).toBeUndefined();
    const exposed = parseStackConfig({
      ...base,
      "mlops:modelRegistry": JSON.stringify({
        ingress: { enabled: true, host: "mlflow.example.com", tlsSecretName: "mlflow-tls" },
      }),
    });
    expect(exposed.resolved.modelRegistry.auth).toEqual({
      adminUsername: "admin",
      defaultPermission: "READ",
    });
    expect(exposed.resolved.cluster.environment).toBe("dev");
  });
});

describe("the stack config and the components report the same problem the same way", () => {
  it("cluster: mlops:cluster.<path> and args.<path>, one message", async () => {
    const cluster = { aws: { ...REACH, natGateways: "single" }, kueueReplicas: 9 };
    const config = configProblems({
      "mlops:target": "aws",
      "mlops:environment": "prod",
      "aws:region": "us-east-1",
      "mlops:cluster": cluster,
    });
    const message = await componentError(
      () =>
        new GpuTrainingCluster("gpu", {
          target: "aws",
          environment: "prod",
          tags: TAGS,
          ...(cluster as object),
        }),
    );
    const component = message
      .split("\n")
      .slice(1)
      .map((l) => l.trim());
    expect(config).toEqual(component.map((l) => l.replace(/^args\./, "mlops:cluster.")));
    expect(config).toEqual(["mlops:cluster.kueueReplicas: must be <=5"]);
    // Once the fields are valid, the environment's rule, the same way in both.
    const valid = { aws: { ...REACH, natGateways: "single" } };
    const config2 = configProblems({
      "mlops:target": "aws",
      "mlops:environment": "prod",
      "aws:region": "us-east-1",
      "mlops:cluster": valid,
    });
    const component2 = lines(resolveGpuTrainingClusterArgs({ target: "aws", ...valid }, "prod").problems);
    expect(config2).toEqual([
      'mlops:cluster.aws.natGateways: must be "perAz" in prod (a single NAT gateway makes one AZ the egress of every node)',
    ]);
    expect(config2).toEqual(component2.map((l) => l.replace(/^args\./, "mlops:cluster.")));
  });

  it("model registry: mlops:modelRegistry.<path> and args.<path>, one message", () => {
    const registry = { replicas: 1, database: { backupRetentionDays: 3 } };
    const config = configProblems({
      "mlops:target": "local",
      "mlops:environment": "prod",
      "mlops:modelRegistry": registry,
    });
    const component = lines(
      resolveModelRegistryArgs(registry, undefined, { target: "local", environment: "prod" }).problems,
    );
    expect(config).toEqual([
      "mlops:modelRegistry.replicas: must be at least 2 in prod",
      "mlops:modelRegistry.database.backupRetentionDays: must be at least 7 in prod",
    ]);
    expect(config).toEqual(component.map((l) => l.replace(/^args\./, "mlops:modelRegistry.")));
  });

  it("the program gets the cluster args the config resolved: an adopted cluster's mlops:aws is its existing.aws", () => {
    const network = {
      vpcId: "vpc-1",
      vpcCidrBlock: "10.0.0.0/16",
      privateSubnetIds: ["subnet-1", "subnet-2"],
      nodeSecurityGroupId: "sg-1",
      identityMode: "podIdentity",
      clusterName: "eks",
    };
    const cfg = parseStackConfig({
      "mlops:target": "aws",
      "mlops:environment": "dev",
      "mlops:tags": JSON.stringify(TAGS),
      "aws:region": "us-east-1",
      "mlops:cluster": JSON.stringify({ existing: { context: "eks" } }),
      "mlops:aws": JSON.stringify(network),
    });
    expect(cfg.resolved.clusterArgs).toEqual({
      target: "aws",
      environment: "dev",
      existing: { context: "eks", aws: network },
    });
    expect(cfg.resolved.cluster.existing).toEqual({ context: "eks", aws: network });
  });

  it("an adopted cluster's cloud block is its own config key; a created cluster supplies it", () => {
    expect(
      configProblems({
        "mlops:target": "aws",
        "mlops:environment": "dev",
        "aws:region": "us-east-1",
        "mlops:cluster": { existing: { context: "eks" } },
      }),
    ).toEqual([
      'mlops:aws: required when target is "aws" and the cluster is adopted (mlops:cluster.existing): the network and identity the model registry attaches to',
    ]);
    expect(
      configProblems({
        "mlops:target": "aws",
        "mlops:environment": "dev",
        "aws:region": "us-east-1",
        "mlops:cluster": { aws: REACH },
      }),
    ).toEqual([]);
  });
});
