/**
 * `mlops:index:GpuTrainingCluster` end to end on each target: the cluster builder the target
 * picks, the GPU pools (min 0, taint, GPU limit), the in-cluster parts, dev vs prod, bad input,
 * and the Karpenter/Kueue objects it registers validated strictly against their schemas.
 */
import { describe, expect, it } from "vitest";
import { NodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1/NodePool";
import { EC2NodeClass } from "@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass";
import { GpuTrainingCluster, ModelRegistry, type GpuTrainingClusterArgs } from "../../components";
import { AWS_GPU_INSTANCE_FAMILIES } from "../../components/training-cluster/aws";
import { GCP_GPU_MACHINES } from "../../components/training-cluster/gcp";
import { GpuType } from "../../components/training-cluster/types";
import { DEFAULT_CONFIG } from "../../policies/config";
import { findResource, inputAt, planOf, resourcesOfType, type Plan, type PlanResource } from "../helpers";
import { validateKueue, validateStrict, type ModelClass } from "../schemas/validate";

const teams: GpuTrainingClusterArgs["teams"] = [
  { name: "vision", gpuQuota: 4, cpuQuota: "64", memoryQuota: "256Gi" },
];
const prodTeams: GpuTrainingClusterArgs["teams"] = [
  ...teams,
  { name: "nlp", gpuQuota: 8, cpuQuota: "128", memoryQuota: "512Gi", pools: ["l4-on-demand"] },
];
const gcp = { project: "acme-ml-prod", region: "europe-west4" };
const config = { "aws:region": "us-east-1", "gcp:project": "acme-ml-prod", "gcp:region": "europe-west4" };

function clusterPlan(
  args: Partial<GpuTrainingClusterArgs> & Pick<GpuTrainingClusterArgs, "target">,
): Promise<Plan> {
  return planOf(
    () => {
      new GpuTrainingCluster("gpu", { teams, ...args });
    },
    { config },
  );
}

async function failure(
  args: Partial<GpuTrainingClusterArgs> & Pick<GpuTrainingClusterArgs, "target">,
): Promise<string> {
  try {
    await clusterPlan(args);
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

function releases(plan: Plan): Record<string, PlanResource> {
  // Keyed by chart name (an OCI chart reference ends with it).
  return Object.fromEntries(
    resourcesOfType(plan, "kubernetes:helm.sh/v3:Release").map((r): [string, PlanResource] => [
      String(r.inputs["chart"]).split("/").pop() ?? "",
      r,
    ]),
  );
}

/** The manifest a CustomResource registers: its inputs without Pulumi's extras. */
function manifest(r: PlanResource): Record<string, unknown> {
  const { apiVersion, kind, metadata, spec } = r.inputs;
  return { apiVersion, kind, metadata, spec };
}

describe("GpuTrainingCluster on aws (EKS + Karpenter)", () => {
  it("prod: GPU NodePools scale from zero with the GPU taint and a GPU limit; schemas validate strictly", async () => {
    const plan = await clusterPlan({
      target: "aws",
      environment: "prod",
      teams: prodTeams,
      aws: { endpointPublicAccessCidrs: ["203.0.113.0/24"] },
    });
    const eks = findResource(plan, "aws:eks/cluster:Cluster");
    expect(inputAt(eks, "vpcConfig.endpointPrivateAccess")).toBe(true);
    expect(inputAt(eks, "vpcConfig.publicAccessCidrs")).toEqual(["203.0.113.0/24"]);
    expect(resourcesOfType(plan, "aws:ec2/natGateway:NatGateway")).toHaveLength(3);
    const pools = resourcesOfType(plan, "kubernetes:karpenter.sh/v1:NodePool");
    expect(pools.map((p) => inputAt(p, "metadata.name")).sort()).toEqual(["l4-on-demand", "l4-spot"]);
    for (const pool of pools) {
      expect(inputAt(pool, "spec.template.spec.taints")).toEqual([
        { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" },
      ]);
      expect(inputAt(pool, "spec.limits")).toMatchObject({ "nvidia.com/gpu": expect.any(Number) });
      expect(inputAt(pool, "spec.replicas")).toBeUndefined(); // no static minimum: scales to zero
      expect(inputAt(pool, "spec.disruption.consolidationPolicy")).toBe("WhenEmpty");
      expect(validateStrict(NodePool as unknown as ModelClass, manifest(pool))).toEqual([]);
    }
    const spot = pools.find((p) => inputAt(p, "metadata.name") === "l4-spot")!;
    expect(inputAt(spot, "spec.limits")).toEqual({ "nvidia.com/gpu": 32 });
    const nodeClass = findResource(plan, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass");
    expect(inputAt(nodeClass, "spec.metadataOptions.httpTokens")).toBe("required");
    expect(validateStrict(EC2NodeClass as unknown as ModelClass, manifest(nodeClass))).toEqual([]);
    // Every chart pinned; the device plugin alone (the AL2023 NVIDIA AMI has the drivers).
    const charts = releases(plan);
    expect(Object.keys(charts).sort()).toEqual([
      "aws-load-balancer-controller",
      "dcgm-exporter",
      "karpenter",
      "karpenter-crd",
      "kueue",
      "nvidia-device-plugin",
    ]);
    for (const release of Object.values(charts))
      expect(release.inputs["version"]).toMatch(/^v?\d+\.\d+\.\d+$/);
    for (const cq of resourcesOfType(plan, "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue")) {
      expect(validateKueue(manifest(cq))).toEqual([]);
    }
    expect(resourcesOfType(plan, "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue")).toHaveLength(2);
    const component = findResource(plan, "mlops:index:GpuTrainingCluster");
    expect(component.outputs?.["kubeconfig"]).toBe("[secret]");
    expect(component.outputs?.["teamNamespaces"]).toEqual({ vision: "vision", nlp: "nlp" });
    // The AWS Load Balancer Controller's IngressClass, for the model registry's Ingress.
    expect(component.outputs?.["ingressClassName"]).toBe("alb");
  });

  it("dev: one spot pool, one NAT gateway, public endpoint only for the listed CIDRs, nothing protected", async () => {
    const plan = await clusterPlan({
      target: "aws",
      environment: "dev",
      aws: { endpointPublicAccessCidrs: ["203.0.113.0/24"] },
    });
    const pools = resourcesOfType(plan, "kubernetes:karpenter.sh/v1:NodePool");
    expect(pools.map((p) => inputAt(p, "metadata.name"))).toEqual(["l4-spot"]);
    expect(JSON.stringify(inputAt(pools[0]!, "spec.template.spec.requirements"))).toContain('"spot"');
    expect(resourcesOfType(plan, "aws:ec2/natGateway:NatGateway")).toHaveLength(1);
    expect(inputAt(findResource(plan, "aws:eks/cluster:Cluster"), "vpcConfig.publicAccessCidrs")).toEqual([
      "203.0.113.0/24",
    ]);
    expect(plan.resources.filter((r) => r.protect)).toEqual([]);
    // The physical name is unique per stack ("test") in the account.
    expect(findResource(plan, "aws:eks/cluster:Cluster").inputs["name"]).toBe("gpu-test");
  });

  it("names the EKS cluster and what derives from it after an explicit clusterName", async () => {
    const plan = await clusterPlan({
      target: "aws",
      clusterName: "ml-eks",
      aws: { endpointPublicAccessCidrs: ["203.0.113.0/24"] },
    });
    expect(findResource(plan, "aws:eks/cluster:Cluster").inputs["name"]).toBe("ml-eks");
    expect(findResource(plan, "aws:cloudwatch/logGroup:LogGroup").inputs["name"]).toBe(
      "/aws/eks/ml-eks/cluster",
    );
    expect(findResource(plan, "aws:kms/alias:Alias").inputs["name"]).toBe("alias/ml-eks-eks-secrets");
    expect(findResource(plan, "aws:sqs/queue:Queue").inputs["name"]).toBe("ml-eks-karpenter");
    expect(findResource(plan, "mlops:index:GpuTrainingCluster").outputs?.["clusterName"]).toBe("ml-eks");
  });

  it("gives the model registry its cluster: provider and AWS details from the handle", async () => {
    const plan = await planOf(
      () => {
        const cluster = new GpuTrainingCluster("gpu", {
          target: "aws",
          environment: "dev",
          aws: { endpointPublicAccessCidrs: ["203.0.113.0/24"] },
        });
        new ModelRegistry("reg", { cluster: cluster.handle });
      },
      { config },
    );
    const deployment = findResource(plan, "kubernetes:apps/v1:Deployment", "reg-server");
    const provider = findResource(plan, "pulumi:providers:kubernetes");
    expect(deployment.provider.startsWith(provider.urn)).toBe(true);
    const sgRule = findResource(
      plan,
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "reg-db-postgres-ingress",
    );
    expect(sgRule.inputs["referencedSecurityGroupId"]).toBeDefined();
  });
});

describe("GpuTrainingCluster on gcp (GKE)", () => {
  it("prod: GPU node pools from zero with taint, accelerator and a max; GKE's own device plugin", async () => {
    const plan = await clusterPlan({ target: "gcp", environment: "prod", gcp });
    const gke = findResource(plan, "gcp:container/cluster:Cluster");
    expect(inputAt(gke, "privateClusterConfig.enablePrivateNodes")).toBe(true);
    expect(inputAt(gke, "privateClusterConfig.enablePrivateEndpoint")).toBe(true);
    expect(inputAt(gke, "workloadIdentityConfig.workloadPool")).toBe("acme-ml-prod.svc.id.goog");
    const gpuPools = resourcesOfType(plan, "gcp:container/nodePool:NodePool").filter(
      (p) => inputAt(p, "nodeConfig.guestAccelerators") !== undefined,
    );
    expect(gpuPools).toHaveLength(2);
    for (const pool of gpuPools) {
      expect(
        inputAt(pool, "autoscaling.totalMinNodeCount") ?? inputAt(pool, "autoscaling.minNodeCount"),
      ).toBe(0);
      expect(inputAt(pool, "nodeConfig.taints")).toEqual([
        { key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" },
      ]);
      expect(inputAt(pool, "nodeConfig.shieldedInstanceConfig.enableSecureBoot")).toBe(true);
    }
    // GKE-managed drivers bring NVIDIA's device plugin: no second one.
    expect(Object.keys(releases(plan))).not.toContain("nvidia-device-plugin");
    expect(Object.keys(releases(plan))).not.toContain("gpu-operator");
    // No AWS Load Balancer Controller and no IngressClass claimed on GKE.
    expect(Object.keys(releases(plan))).not.toContain("aws-load-balancer-controller");
    expect(
      findResource(plan, "mlops:index:GpuTrainingCluster").outputs?.["ingressClassName"],
    ).toBeUndefined();
  });

  it("GKE managed DCGM is what dcgmExporter means on GKE (no second exporter), and the control plane reaches Kueue's webhooks", async () => {
    const plan = await clusterPlan({ target: "gcp", environment: "prod", gcp });
    const gke = findResource(plan, "gcp:container/cluster:Cluster");
    expect(inputAt(gke, "monitoringConfig")).toEqual({
      enableComponents: ["SYSTEM_COMPONENTS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER", "DCGM"],
      managedPrometheus: { enabled: true },
    });
    expect(Object.keys(releases(plan))).not.toContain("dcgm-exporter");
    const fw = findResource(plan, "gcp:compute/firewall:Firewall", "gpu-control-plane-webhooks");
    expect(inputAt(fw, "sourceRanges")).toEqual([inputAt(gke, "privateClusterConfig.masterIpv4CidrBlock")]);
    expect(inputAt(fw, "allows")).toEqual([{ protocol: "tcp", ports: ["6443", "8082", "9443", "10250"] }]);
    // Kueue (whose webhooks the API server calls during the release) waits for the rule.
    expect(releases(plan)["kueue"]!.dependencies).toContain(fw.urn);
    // And Kueue admits only the team namespaces.
    const config = JSON.parse(
      (
        releases(plan)["kueue"]!.inputs["values"] as {
          managerConfig: { controllerManagerConfigYaml: string };
        }
      ).managerConfig.controllerManagerConfigYaml,
    );
    expect(config.managedJobsNamespaceSelector).toEqual({
      matchExpressions: [{ key: "mlops.pulumi.com/team", operator: "Exists" }],
    });
  });

  it("dcgmExporter: false turns GKE's managed DCGM off", async () => {
    const plan = await clusterPlan({ target: "gcp", environment: "prod", gcp, dcgmExporter: false });
    expect(
      inputAt(findResource(plan, "gcp:container/cluster:Cluster"), "monitoringConfig.enableComponents"),
    ).toEqual(["SYSTEM_COMPONENTS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER"]);
  });

  it("H200 and B200 pools: A3 Ultra and A4 machines with their accelerators", async () => {
    const plan = await clusterPlan({
      target: "gcp",
      environment: "prod",
      gcp,
      teams: [],
      gpuPools: [
        { name: "h200", gpuType: "nvidia-h200", maxGpus: 16 },
        { name: "b200", gpuType: "nvidia-b200", maxGpus: 8 },
      ],
    });
    const pool = (name: string) => findResource(plan, "gcp:container/nodePool:NodePool", `gpu-gpu-${name}`);
    expect(inputAt(pool("h200"), "nodeConfig.machineType")).toBe("a3-ultragpu-8g");
    expect(inputAt(pool("h200"), "nodeConfig.guestAccelerators[0].type")).toBe("nvidia-h200-141gb");
    expect(inputAt(pool("h200"), "autoscaling.totalMaxNodeCount")).toBe(2);
    expect(inputAt(pool("b200"), "nodeConfig.machineType")).toBe("a4-highgpu-8g");
    expect(inputAt(pool("b200"), "nodeConfig.guestAccelerators[0].type")).toBe("nvidia-b200");
  });

  it("names the GKE cluster and its node service account after an explicit clusterName", async () => {
    const plan = await clusterPlan({ target: "gcp", environment: "prod", gcp, clusterName: "ml-gke" });
    expect(findResource(plan, "gcp:container/cluster:Cluster").inputs["name"]).toBe("ml-gke");
    expect(findResource(plan, "gcp:serviceaccount/account:Account").inputs["accountId"]).toBe(
      "ml-gke-gke-nodes",
    );
  });

  it("requires the gcp block", async () => {
    expect(await failure({ target: "gcp" })).toMatch(/args\.gcp: required when target is "gcp"/);
  });
});

describe("GpuTrainingCluster: H200 and B200 on aws", () => {
  it("P5e for H200 and P6-B200 for B200 by default; P5en allowed", async () => {
    const plan = await clusterPlan({
      target: "aws",
      environment: "dev",
      teams: [],
      aws: { endpointPublicAccessCidrs: ["203.0.113.0/24"] },
      gpuPools: [
        { name: "h200", gpuType: "nvidia-h200", maxGpus: 16 },
        { name: "h200en", gpuType: "nvidia-h200", maxGpus: 16, instanceFamilies: ["p5en"] },
        { name: "b200", gpuType: "nvidia-b200", maxGpus: 8 },
      ],
    });
    const families = (name: string) => {
      const pool = resourcesOfType(plan, "kubernetes:karpenter.sh/v1:NodePool").find(
        (p) => inputAt(p, "metadata.name") === name,
      )!;
      const reqs = inputAt(pool, "spec.template.spec.requirements") as { key: string; values: string[] }[];
      return reqs.find((r) => r.key === "karpenter.k8s.aws/instance-family")!.values;
    };
    expect(families("h200")).toEqual(["p5e"]);
    expect(families("h200en")).toEqual(["p5en"]);
    expect(families("b200")).toEqual(["p6-b200"]);
  });
});

describe("the policy pack allows every GPU family and accelerator the component can create", () => {
  it("AWS families and GCP machine families / accelerators are in the pack's defaults", () => {
    const awsFamilies = Object.values(AWS_GPU_INSTANCE_FAMILIES).flat();
    const gcpMachines = Object.values(GCP_GPU_MACHINES).flatMap((table) => Object.entries(table ?? {}));
    const gcpFamilies = gcpMachines.map(([machine]) => machine.split("-")[0]!);
    const accelerators = gcpMachines.map(([, m]) => m.acceleratorType);
    for (const f of [...awsFamilies, ...gcpFamilies])
      expect(DEFAULT_CONFIG.allowedGpuInstanceFamilies, f).toContain(f);
    for (const a of accelerators) expect(DEFAULT_CONFIG.allowedGpuAccelerators, a).toContain(a);
    // Every GPU type is offered somewhere.
    for (const t of Object.values(GpuType)) {
      expect(AWS_GPU_INSTANCE_FAMILIES[t].length + (GCP_GPU_MACHINES[t] ? 1 : 0), t).toBeGreaterThan(0);
    }
  });

  it("and nothing else: the pack's defaults are exactly the components' families and accelerators plus T4 (g4dn)", () => {
    // The other direction: a family or accelerator in the defaults that no component creates is a
    // stale entry (or one a component forgot). The only documented extra is the T4 (g4dn on AWS,
    // nvidia-tesla-t4 on GCP), allowed for clusters whose pools are not made by the component.
    const awsFamilies = Object.values(AWS_GPU_INSTANCE_FAMILIES).flat();
    const gcpMachines = Object.values(GCP_GPU_MACHINES).flatMap((table) => Object.entries(table ?? {}));
    const gcpFamilies = gcpMachines.map(([machine]) => machine.split("-")[0]!);
    const accelerators = gcpMachines.map(([, m]) => m.acceleratorType);
    const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
    expect(sorted(DEFAULT_CONFIG.allowedGpuInstanceFamilies)).toEqual(
      sorted([...awsFamilies, ...gcpFamilies, "g4dn"]),
    );
    expect(sorted(DEFAULT_CONFIG.allowedGpuAccelerators)).toEqual(
      sorted([...accelerators, "nvidia-tesla-t4"]),
    );
  });
});

describe("GpuTrainingCluster on an existing cluster (local / bring-your-own)", () => {
  it("adopts the kubeconfig and installs only the in-cluster parts", async () => {
    const plan = await clusterPlan({ target: "local", existing: { context: "kind-mlops" } });
    expect(plan.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("gcp:"))).toEqual([]);
    expect(inputAt(findResource(plan, "pulumi:providers:kubernetes"), "context")).toBe("kind-mlops");
    // No drivers declared: the GPU Operator installs them.
    expect(Object.keys(releases(plan)).sort()).toEqual(["gpu-operator", "kueue"]);
    const ns = resourcesOfType(plan, "kubernetes:core/v1:Namespace").find(
      (n) => inputAt(n, "metadata.name") === "vision",
    )!;
    expect(inputAt(ns, "metadata.labels")).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
    });
  });
});

describe("GpuTrainingCluster rejects bad input before creating children", () => {
  const cases: [string, Partial<GpuTrainingClusterArgs> & Pick<GpuTrainingClusterArgs, "target">, RegExp][] =
    [
      [
        "an unknown GPU type",
        { target: "aws", gpuPools: [{ name: "x", gpuType: "nvidia-t4" as never, maxGpus: 2 }] },
        /args\.gpuPools\[0\]\.gpuType: must be one of/,
      ],
      [
        "a pool without a GPU limit",
        { target: "aws", gpuPools: [{ name: "x", gpuType: "nvidia-l4", maxGpus: 0 }] },
        /args\.gpuPools\[0\]\.maxGpus: must be at least 1/,
      ],
      [
        "a public endpoint open to the world",
        { target: "aws", aws: { endpointPublicAccessCidrs: ["0.0.0.0/0"] } },
        /args\.aws\.endpointPublicAccessCidrs/,
      ],
      [
        "a max smaller than min",
        { target: "aws", aws: { systemNodeGroup: { minSize: 3, maxSize: 2 } } },
        /args\.aws\.systemNodeGroup\.maxSize: must be at least minSize/,
      ],
      [
        "a public GKE endpoint without authorized networks",
        { target: "gcp", gcp: { ...gcp, privateEndpoint: false } },
        /args\.gcp\.masterAuthorizedNetworks: required/,
      ],
      [
        "a team on an unknown pool",
        {
          target: "aws",
          teams: [{ name: "a", gpuQuota: 1, cpuQuota: "1", memoryQuota: "1Gi", pools: ["h100"] }],
        },
        /args\.teams\[0\]\.pools: unknown GPU pool\(s\) "h100"; the cluster's pools are/,
      ],
      [
        "duplicate pools",
        {
          target: "aws",
          gpuPools: [
            { name: "p", gpuType: "nvidia-l4", maxGpus: 1 },
            { name: "p", gpuType: "nvidia-l4", maxGpus: 1 },
          ],
        },
        /args\.gpuPools\[1\]\.name: "p" is used by another pool/,
      ],
      ["another target's block", { target: "aws", gcp }, /args\.gcp: only used when target is "gcp"/],
      // The AWS Load Balancer Controller switch is AWS-only: never silently ignored elsewhere.
      [
        "the load balancer controller switch on GKE",
        { target: "gcp", gcp, aws: { loadBalancerController: false } },
        /args\.aws: only used when target is "aws"/,
      ],
      [
        "the load balancer controller switch on an adopted cluster",
        { target: "aws", existing: { context: "kind-mlops" }, aws: { loadBalancerController: true } },
        /args\.existing: adopts a cluster: remove the aws\/gcp cluster settings/,
      ],
      [
        "the load balancer controller switch on the local target",
        { target: "local", aws: { loadBalancerController: false } },
        /args\.aws: only used when target is "aws"/,
      ],
      [
        "a load balancer controller switch that is not a boolean",
        { target: "aws", aws: { loadBalancerController: "yes" as never } },
        /args\.aws\.loadBalancerController/,
      ],
      [
        "protect on an adopted cluster (nothing stateful to protect)",
        { target: "local", existing: { context: "kind" }, protect: true },
        /args\.protect: an adopted cluster gets no stateful children/,
      ],
      [
        "a second device plugin on GKE",
        { target: "gcp", gcp, gpuStack: "devicePlugin" },
        /args\.gpuStack: "devicePlugin" cannot run on the GKE cluster this component creates/,
      ],
      [
        "the GPU Operator on GKE",
        { target: "gcp", gcp, gpuStack: "gpuOperator" },
        /args\.gpuStack: "gpuOperator" cannot run on the GKE cluster/,
      ],
      [
        "a DCGM exporter that nothing would run (no GPU stack, no managed DCGM)",
        { target: "local", existing: { context: "kind" }, gpuStack: "none", dcgmExporter: true },
        /args\.dcgmExporter: true needs a GPU stack/,
      ],
      [
        "a cluster name GKE/EKS would refuse",
        { target: "aws", clusterName: "ML_Cluster" },
        /args\.clusterName: must be a lowercase letter, then up to 39/,
      ],
      [
        "a cluster name over 40 characters",
        { target: "gcp", gcp, clusterName: "a".repeat(41) },
        /args\.clusterName/,
      ],
      [
        "a cluster name for an adopted cluster",
        { target: "aws", clusterName: "ml", existing: { context: "eks" } },
        /args\.clusterName: names a cluster this component creates; an adopted cluster's name is existing\.clusterName/,
      ],
      [
        "a cluster name on target local",
        { target: "local", clusterName: "ml" },
        /args\.clusterName: names a cluster this component creates; target "local" adopts one/,
      ],
      [
        "a private endpoint nobody can reach",
        { target: "aws", environment: "prod" },
        /args\.aws\.endpointPublicAccessCidrs: required when the cluster creates its own VPC/,
      ],
      [
        "a family that has no such GPU",
        {
          target: "aws",
          gpuPools: [{ name: "p", gpuType: "nvidia-h100", maxGpus: 8, instanceFamilies: ["g5"] }],
        },
        /args\.gpuPools\[0\]/,
      ],
    ];
  it("accepts what each target can honour: protect: false on an adopted cluster, gpuStack none on GKE", async () => {
    expect(await failure({ target: "local", existing: { context: "kind" }, protect: false })).toBe("");
    expect(await failure({ target: "gcp", environment: "prod", gcp, gpuStack: "none" })).toBe("");
  });
  for (const [title, args, message] of cases) {
    it(title, async () => {
      expect(await failure(args)).toMatch(message);
    });
  }
});
