/**
 * The public `ClusterHandle` (issue 8): what `GpuTrainingCluster.handle` carries on every target,
 * `existingClusterHandle` for a cluster created elsewhere, the model registry planned from a
 * handle, and its artifact store as a grantable reference.
 */
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import {
  Access,
  createAdapter,
  existingClusterHandle,
  GPU_NODE_LABELS,
  GPU_TAINT,
  GpuTrainingCluster,
  ModelRegistry,
  type AwsTargetArgs,
  type ClusterHandle,
  type GpuTrainingClusterArgs,
} from "../components";
import { findResource, planOf, type Plan } from "./helpers";
import { fakeClusterHandle } from "./training-cluster/fixtures";

const config = { "aws:region": "us-east-1", "gcp:project": "acme-ml", "gcp:region": "europe-west4" };
const tags = { owner: "ml-platform", "cost-center": "cc-1", "data-classification": "internal" };

/** An adopted EKS cluster's network and identity (what `mlops:aws` holds). */
const adoptedAws: AwsTargetArgs = {
  vpcId: "vpc-0123",
  vpcCidrBlock: "10.20.0.0/16",
  privateSubnetIds: ["subnet-a", "subnet-b"],
  nodeSecurityGroupId: "sg-nodes",
  identityMode: "podIdentity",
  clusterName: "eks-prod",
};

/** Plans a cluster and returns its handle as stack outputs (the provider as its URN). */
async function handlePlan(
  args: GpuTrainingClusterArgs,
): Promise<{ plan: Plan; handle: Record<string, unknown> }> {
  const plan = await planOf(
    () => {
      const cluster = new GpuTrainingCluster("gpu", { ...args, tags });
      const { provider, ...rest } = cluster.handle;
      return {
        ...rest,
        providerIsTheClusters: provider === cluster.provider,
        providerUrn: provider.urn,
      };
    },
    { config },
  );
  return { plan, handle: plan.outputs };
}

const GPU_PLACEMENT = {
  gpuNodeLabels: {
    gpu: "mlops.pulumi.com/gpu",
    pool: "mlops.pulumi.com/gpu-pool",
    gpuType: "mlops.pulumi.com/gpu-type",
    capacityType: "mlops.pulumi.com/capacity-type",
  },
  gpuTaint: { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" },
};

describe("GpuTrainingCluster.handle", () => {
  it("aws (a created EKS cluster): its provider, target, environment, name, network and identity, alb, GPU placement", async () => {
    const { plan, handle } = await handlePlan({
      target: "aws",
      environment: "dev",
      aws: { endpointPublicAccessCidrs: ["203.0.113.0/24"] },
    });
    expect(handle).toEqual({
      target: "aws",
      environment: "dev",
      clusterName: "gpu-test",
      aws: {
        vpcId: "gpu-vpc-id",
        vpcCidrBlock: "10.0.0.0/16",
        privateSubnetIds: ["gpu-private-0-id", "gpu-private-1-id", "gpu-private-2-id"],
        nodeSecurityGroupId: "sg-10f44877aa3a73cba",
        identityMode: "podIdentity",
        clusterName: "gpu-test",
        // The key policy of an encrypted StorageClass admits this role only.
        ebsCsiRoleArn: "arn:aws:iam::123456789012:role/gpu-ebs-csi-role",
      },
      ingressClassName: "alb",
      ...GPU_PLACEMENT,
      gpuPools: [
        { name: "l4-spot", gpuType: "nvidia-l4", capacityType: "spot", maxGpus: 4, instanceFamilies: ["g6"] },
      ],
      providerIsTheClusters: true,
      providerUrn: findResource(plan, "pulumi:providers:kubernetes", "gpu-k8s").urn,
    });
    // The network details are the cluster's own resources, not copies.
    expect(findResource(plan, "aws:eks/cluster:Cluster").inputs["name"]).toBe("gpu-test");
  });

  it("gcp (a created GKE cluster): project, region, network, proxy-only subnet, node service account; no IngressClass", async () => {
    const { plan, handle } = await handlePlan({
      target: "gcp",
      environment: "prod",
      gcp: { project: "acme-ml", region: "europe-west4" },
    });
    expect(handle).toEqual({
      target: "gcp",
      environment: "prod",
      clusterName: "gpu-test",
      gcp: {
        project: "acme-ml",
        region: "europe-west4",
        network: "projects/acme-ml/global/networks/gpu-network",
        privateServiceAccess: "existing",
        privateServiceAccessCidr: "10.100.0.0/16",
        proxyOnlySubnetCidr: "10.10.0.0/23",
        nodeServiceAccount: "gpu-test-gke-nodes@acme-ml.iam.gserviceaccount.com",
      },
      ...GPU_PLACEMENT,
      gpuPools: [
        {
          name: "l4-on-demand",
          gpuType: "nvidia-l4",
          capacityType: "on-demand",
          maxGpus: 16,
          instanceFamilies: ["g6"],
        },
        {
          name: "l4-spot",
          gpuType: "nvidia-l4",
          capacityType: "spot",
          maxGpus: 32,
          instanceFamilies: ["g6"],
        },
      ],
      providerIsTheClusters: true,
      providerUrn: findResource(plan, "pulumi:providers:kubernetes", "gpu-k8s").urn,
    });
  });

  it("local (an adopted kubeconfig): the context as its name, no cloud details, no IngressClass, no pools", async () => {
    const { plan, handle } = await handlePlan({
      target: "local",
      environment: "staging",
      existing: { context: "kind-mlops" },
    });
    expect(handle).toEqual({
      target: "local",
      environment: "staging",
      clusterName: "kind-mlops",
      ...GPU_PLACEMENT,
      gpuPools: [],
      providerIsTheClusters: true,
      providerUrn: findResource(plan, "pulumi:providers:kubernetes", "gpu-k8s").urn,
    });
  });

  it("aws, adopted: existing.aws becomes the handle's aws, and the teams get the Pod Identity agent's egress", async () => {
    const { plan, handle } = await handlePlan({
      target: "aws",
      environment: "dev",
      existing: { context: "eks-prod", aws: adoptedAws },
      teams: [{ name: "research", gpuQuota: 1, cpuQuota: "8", memoryQuota: "32Gi" }],
    });
    expect(handle).toMatchObject({ target: "aws", clusterName: "eks-prod", aws: adoptedAws, gpuPools: [] });
    expect(handle["ingressClassName"]).toBeUndefined();
    // Pods of an EKS cluster in Pod Identity mode get credentials from the node-local agent.
    const policy = findResource(
      plan,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "gpu-research-allow-workload-identity",
    );
    expect(policy.inputs["spec"]).toMatchObject({
      egress: [{ to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] }],
    });
  });

  it("rejects an adopted cluster's details of another target, naming existing.<target>", async () => {
    await expect(
      handlePlan({ target: "local", existing: { context: "kind", aws: adoptedAws } }),
    ).rejects.toThrow(/args\.existing\.aws: only used when target is "aws"; remove it/);
  });

  it("the placement constants are the handle's", () => {
    const handle = fakeClusterHandle();
    expect(handle.gpuNodeLabels).toBe(GPU_NODE_LABELS);
    expect(handle.gpuTaint).toBe(GPU_TAINT);
  });
});

describe("existingClusterHandle (a cluster created elsewhere)", () => {
  it("builds a handle from a provider, a target and the cloud details; environment dev by default", async () => {
    let handle: ClusterHandle | undefined;
    let provider: k8s.Provider | undefined;
    await planOf(() => {
      provider = new k8s.Provider("eks", { context: "eks-prod" });
      handle = existingClusterHandle({ provider, target: "aws", clusterName: "eks-prod", aws: adoptedAws });
    });
    expect(handle).toMatchObject({
      provider,
      target: "aws",
      environment: "dev",
      aws: adoptedAws,
      ...GPU_PLACEMENT,
      gpuPools: [],
    });
    expect(handle!.gcp).toBeUndefined();
    expect(handle!.ingressClassName).toBeUndefined();
  });

  it("names each malformed field: details of another target, an identity mode without its fields", async () => {
    const problems = await planOf(() => {
      const provider = new k8s.Provider("gke", { context: "gke" });
      existingClusterHandle({
        provider,
        target: "gcp",
        clusterName: "gke",
        aws: { ...adoptedAws, identityMode: "irsa" },
      });
    }).then(
      () => "",
      (err: Error) => err.message,
    );
    expect(problems).toContain('aws: only used when the cluster\'s target is "aws"; remove it');
    const irsa = await planOf(() => {
      existingClusterHandle({
        provider: new k8s.Provider("eks", { context: "eks" }),
        target: "aws",
        clusterName: "eks",
        aws: { ...adoptedAws, identityMode: "irsa" },
      });
    }).then(
      () => "",
      (err: Error) => err.message,
    );
    expect(irsa).toContain('aws.oidcProviderArn: required when identityMode is "irsa"');
    expect(irsa).toContain('aws.oidcProviderUrl: required when identityMode is "irsa"');
  });
});

describe("ModelRegistry on a ClusterHandle", () => {
  it("takes provider, target and cloud details from the handle: the created cluster's provider and network", async () => {
    const plan = await planOf(
      () => {
        const cluster = new GpuTrainingCluster("gpu", {
          target: "aws",
          environment: "dev",
          aws: { endpointPublicAccessCidrs: ["203.0.113.0/24"] },
          tags,
        });
        new ModelRegistry("reg", { cluster: cluster.handle, tags }, { dependsOn: [cluster] });
      },
      { config },
    );
    const provider = findResource(plan, "pulumi:providers:kubernetes", "gpu-k8s");
    expect(
      findResource(plan, "kubernetes:apps/v1:Deployment", "reg-server").provider.startsWith(provider.urn),
    ).toBe(true);
    expect(findResource(plan, "aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"]).toEqual([
      "gpu-private-0-id",
      "gpu-private-1-id",
      "gpu-private-2-id",
    ]);
    // Pod Identity, the cluster's mode: an association with the cluster's name.
    expect(
      findResource(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "reg-server-pod-identity")
        .inputs["clusterName"],
    ).toBe("gpu-test");
  });

  it("defaults its environment to the cluster's", async () => {
    const plan = await planOf(() => {
      new ModelRegistry("reg", { cluster: fakeClusterHandle({ environment: "prod" }), tags });
    });
    expect(findResource(plan, "kubernetes:apps/v1:Deployment", "reg-server").inputs["spec"]).toMatchObject({
      replicas: 2,
    });
  });

  it("an aws handle without aws details fails naming args.cluster.aws, before any child", async () => {
    const registered: string[] = [];
    const message = await planOf(() => {
      const cluster = fakeClusterHandle({ target: "aws" });
      try {
        new ModelRegistry("reg", { cluster, tags });
      } catch (err) {
        registered.push((err as Error).message);
      }
    }).then((plan) => {
      expect(plan.resources.map((r) => r.type).sort()).toEqual([
        "mlops:index:ModelRegistry",
        "pulumi:providers:kubernetes",
        "pulumi:pulumi:Stack",
      ]);
      return registered.join("\n");
    });
    expect(message).toContain(
      'args.cluster.aws: required when the cluster\'s target is "aws" (the VPC, private subnets, node security group and identity mode)',
    );
  });

  it("a value that is not a handle fails naming args.cluster", async () => {
    const message = await planOf(() => {
      const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
      new ModelRegistry("reg", { cluster: { provider } as unknown as ClusterHandle, tags });
    }).then(
      () => "",
      (err: Error) => err.message,
    );
    expect(message).toMatch(/args\.cluster: must be a ClusterHandle/);
  });

  it("exposes its artifact store: the bucket it created, with its URI, key and resource", async () => {
    const plan = await planOf(
      () => {
        const registry = new ModelRegistry("reg", {
          cluster: fakeClusterHandle({ target: "aws", aws: adoptedAws }),
          tags,
        });
        const store = registry.artifactStore;
        return {
          bucketName: store.bucketName,
          registryBucketName: registry.bucketName,
          uri: store.uri,
          resourceUrn: (store.resource as unknown as { urn: unknown }).urn,
          keyId: store.encryptionKey?.keyId,
        };
      },
      { config },
    );
    const bucket = findResource(plan, "aws:s3/bucket:Bucket", "reg-artifacts-bucket");
    expect(bucket.outputs?.["bucket"]).toBe("reg-artifacts-bucket");
    expect(plan.outputs).toEqual({
      bucketName: "reg-artifacts-bucket",
      registryBucketName: "reg-artifacts-bucket",
      uri: "s3://reg-artifacts-bucket",
      resourceUrn: bucket.urn,
      keyId: findResource(plan, "aws:kms/key:Key").outputs?.["arn"],
    });
    expect(plan.outputs["keyId"]).toMatch(/^arn:aws:kms:/);
  });

  it("another component's identity can be granted read access to it, through the package's public API", async () => {
    // A consumer (e.g. model serving) on the same cluster: its own adapter instance and identity,
    // with a read grant on the registry's artifact store, and nothing else.
    class Consumer extends pulumi.ComponentResource {
      constructor(name: string) {
        super("test:index:Consumer", name, {});
      }
    }
    const plan = await planOf(
      () => {
        const cluster = fakeClusterHandle({ target: "aws", aws: adoptedAws });
        const registry = new ModelRegistry("reg", { cluster, tags });
        const consumer = new Consumer("serving");
        const adapter = createAdapter(
          cluster.target,
          {
            parent: consumer,
            name: "serving",
            k8sProvider: cluster.provider,
            namespace: "serving",
            tags: {},
            protect: false,
            dependsOn: [],
          },
          { aws: cluster.aws },
        );
        adapter.workloadIdentity("predictor", {
          serviceAccountName: "predictor",
          labels: {},
          grants: [{ resource: registry.artifactStore, access: Access.read }],
        });
        return { keyArn: registry.artifactStore.encryptionKey?.keyId };
      },
      { config },
    );
    const policy = JSON.parse(
      findResource(plan, "aws:iam/rolePolicy:RolePolicy", "serving-predictor-role-policy").inputs[
        "policy"
      ] as string,
    ) as unknown;
    const bucket = "arn:aws:s3:::reg-artifacts-bucket";
    expect(policy).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Buckets",
          Effect: "Allow",
          Action: ["s3:ListBucket", "s3:GetBucketLocation"],
          Resource: [bucket],
        },
        { Sid: "ReadObjects", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${bucket}/*`] },
        {
          Sid: "ReadBucketKeys",
          Effect: "Allow",
          Action: ["kms:Decrypt"],
          Resource: [plan.outputs["keyArn"]],
        },
      ],
    });
    expect(plan.outputs["keyArn"]).toMatch(/^arn:aws:kms:/);
  });
});
