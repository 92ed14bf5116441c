/**
 * The Kubernetes objects the training cluster writes validate against their upstream schemas, and
 * an unknown (misspelt) field fails the check:
 * - core objects (Namespace, ResourceQuota, LimitRange, ServiceAccount, NetworkPolicy, Job) with
 *   `kubernetes-models`, Karpenter objects with `@kubernetes-models/karpenter`, both strict
 *   (test/schemas/validate.ts `validateStrict`);
 * - Kueue objects (no registry package) with the project's subset schemas test/schemas/kueue/*.json.
 * Both the pure manifest builders and what the component registers (inputs read from the plan).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { ResourceQuota } from "kubernetes-models/v1/ResourceQuota";
import { LimitRange } from "kubernetes-models/v1/LimitRange";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Pod } from "kubernetes-models/v1/Pod";
import { NodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1/NodePool";
import { EC2NodeClass } from "@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass";
import {
  clusterQueueManifest,
  cohortManifest,
  cpuFlavorManifest,
  gpuDriverEgressPolicyManifest,
  gpuFlavorManifest,
  gpuSystemNamespaceManifest,
  kueueNamespaceManifest,
  limitRangeManifest,
  localQueueManifest,
  resolveTrainingJob,
  resourceQuotaManifest,
  teamCeilings,
  teamNamespaceManifest,
  teamNetworkPolicyManifests,
  teamServiceAccountManifest,
  trainingJobManifest,
  workloadIdentityEgress,
  type ResolvedTeam,
} from "../../components/training-cluster/in-cluster";
import { GPU_NODE_LABELS, GPU_TAINT } from "../../components/training-cluster/types";
import { GpuTrainingCluster } from "../../components";
import { loadBalancerControllerValues } from "../../components/training-cluster/aws";
import { planOf, type Plan } from "../helpers";
import {
  kueueSchema,
  validateJsonSchema,
  validateKueue,
  validateStrict,
  type ModelClass,
} from "../schemas/validate";
import { inClusterProgram, POOLS } from "./fixtures";

const LABELS = { "app.kubernetes.io/name": "gpu-training-cluster" };

const TEAM: ResolvedTeam = {
  name: "vision",
  namespace: "vision",
  gpuQuota: 4,
  cpuQuota: "64",
  memoryQuota: "256Gi",
  canBorrow: true,
  pools: ["l4-spot", "a100-on-demand"],
  maxPods: 200,
  serviceAccountAnnotations: { "iam.gke.io/gcp-service-account": "vision@p.iam.gserviceaccount.com" },
};

/** A manifest with `value` set at `path` (dotted; numeric parts index arrays). */
function withField(manifest: unknown, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(manifest) as Record<string, unknown>;
  const parts = path.split(".");
  let node: Record<string, unknown> = copy;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  node[parts.at(-1)!] = value;
  return copy;
}

/** Kubernetes models for the core types the component registers, by plan type token. */
const CORE_MODELS: Record<string, ModelClass> = {
  "kubernetes:core/v1:Namespace": Namespace,
  "kubernetes:core/v1:ResourceQuota": ResourceQuota,
  "kubernetes:core/v1:LimitRange": LimitRange,
  "kubernetes:core/v1:ServiceAccount": ServiceAccount,
  "kubernetes:networking.k8s.io/v1:NetworkPolicy": NetworkPolicy,
  "kubernetes:batch/v1:Job": Job,
};

// ---- the checks themselves fail on unknown fields --------------------------------------------

describe("unknown fields fail", () => {
  it("core objects: a misspelt field anywhere is reported with its path", () => {
    const ns = teamNamespaceManifest(TEAM, LABELS);
    expect(validateStrict(Namespace, ns)).toEqual([]);
    expect(validateStrict(Namespace, withField(ns, "metadata.lables", { a: "b" }))).toEqual([
      "/metadata/lables: unknown field",
    ]);

    const [deny] = teamNetworkPolicyManifests("vision", [], LABELS);
    expect(validateStrict(NetworkPolicy, deny)).toEqual([]);
    expect(validateStrict(NetworkPolicy, withField(deny, "spec.policyType", ["Ingress"]))).toEqual([
      "/spec/policyType: unknown field",
    ]);

    const job = trainingJobManifest(
      "smoke",
      resolveTrainingJob({ namespace: "vision", image: "busybox:1.37.0", command: ["true"] }),
    );
    const typo = structuredClone(job) as {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    typo.spec.template.spec.containers[0]!["securityContex"] = {};
    expect(validateStrict(Job, job)).toEqual([]);
    expect(validateStrict(Job, typo)).toEqual([
      "/spec/template/spec/containers/0/securityContex: unknown field",
    ]);
  });

  it("core objects: maps (labels, resource lists) accept any key, wrong types still fail", () => {
    const quota = resourceQuotaManifest(TEAM, { gpus: 8, cpu: "96", memory: "384Gi" }, { any: "label" });
    expect(validateStrict(ResourceQuota, quota)).toEqual([]);
    const bad = validateStrict(ResourceQuota, withField(quota, "spec.hard", "8"));
    expect(bad.length).toBeGreaterThan(0);
    expect(bad[0]).toMatch(/^schema: /);
  });

  it("Karpenter objects: a NodePool or EC2NodeClass with a misspelt field fails", () => {
    const nodePool = {
      apiVersion: "karpenter.sh/v1",
      kind: "NodePool",
      metadata: { name: "l4-spot" },
      spec: {
        template: {
          metadata: { labels: { [GPU_NODE_LABELS.pool]: "l4-spot" } },
          spec: {
            nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "gpu" },
            requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }],
            taints: [{ ...GPU_TAINT }],
          },
        },
        limits: { "nvidia.com/gpu": 16 },
        disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: "10m" },
      },
    };
    expect(validateStrict(NodePool, nodePool)).toEqual([]);
    expect(validateStrict(NodePool, withField(nodePool, "spec.template.spec.taint", []))).toEqual([
      "/spec/template/spec/taint: unknown field",
    ]);
    const nodeClass = {
      apiVersion: "karpenter.k8s.aws/v1",
      kind: "EC2NodeClass",
      metadata: { name: "gpu" },
      spec: {
        role: "KarpenterNodeRole",
        amiSelectorTerms: [{ alias: "al2023@latest" }],
        subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "c" } }],
        securityGroupSelectorTerms: [{ tags: { "karpenter.sh/discovery": "c" } }],
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
      },
    };
    expect(validateStrict(EC2NodeClass, nodeClass)).toEqual([]);
    expect(
      validateStrict(EC2NodeClass, withField(nodeClass, "spec.metadataOptions.httpToken", "required")),
    ).toEqual(["/spec/metadataOptions/httpToken: unknown field"]);
  });

  it("Kueue objects: the v1beta1 field name `cohort` (v1beta2: `cohortName`) and typos fail", () => {
    const cq = clusterQueueManifest(
      {
        name: "vision",
        namespace: "vision",
        cohort: "gtc",
        cpuQuota: "64",
        memoryQuota: "256Gi",
        gpuQuota: 4,
        gpuFlavors: ["l4-spot"],
        canBorrow: true,
        reclaimWithinCohort: "Any",
        withinClusterQueue: "LowerPriority",
      },
      LABELS,
    );
    expect(validateKueue(cq)).toEqual([]);
    expect(validateKueue(withField(cq, "spec.cohort", "gtc"))).toEqual(["/spec/cohort: unknown field"]);
    expect(validateKueue(withField(cq, "spec.preemption.reclaimWithinCohort", "Always"))).toEqual([
      '/spec/preemption/reclaimWithinCohort: must be one of "Never", "LowerPriority", "Any"',
    ]);
    const lq = localQueueManifest("vision", "vision", LABELS);
    expect(validateKueue(withField(lq, "spec.clusterQueu", "vision"))).toEqual([
      "/spec/clusterQueu: unknown field",
    ]);
    expect(validateKueue(withField(gpuFlavorManifest(POOLS[0]!, LABELS), "spec.nodeLabel", {}))).toEqual([
      "/spec/nodeLabel: unknown field",
    ]);
  });

  it("every object of the project's Kueue schemas forbids unknown fields", () => {
    for (const kind of ["ClusterQueue", "LocalQueue", "ResourceFlavor", "Cohort"] as const) {
      const check = (schema: ReturnType<typeof kueueSchema>, path: string): void => {
        if (schema.type === "object" && schema.properties) {
          expect(schema.additionalProperties, `${kind} ${path}`).toBe(false);
          for (const [k, child] of Object.entries(schema.properties)) check(child, `${path}.${k}`);
        }
        if (schema.items) check(schema.items, `${path}[]`);
      };
      check(kueueSchema(kind), kind);
    }
  });

  it("the JSON-schema validator refuses keywords it does not implement", () => {
    expect(() => validateJsonSchema({ type: "object", oneOf: [] } as never, {})).toThrow(/not supported/);
  });
});

// ---- the pure builders produce valid objects ---------------------------------------------------

describe("manifest builders", () => {
  it("team objects validate (core, strict)", () => {
    const ceiling = teamCeilings([TEAM]).get("vision")!;
    expect(validateStrict(Namespace, teamNamespaceManifest(TEAM, LABELS))).toEqual([]);
    expect(validateStrict(ResourceQuota, resourceQuotaManifest(TEAM, ceiling, LABELS))).toEqual([]);
    const defaults = { cpuRequest: "500m", memoryRequest: "1Gi", cpuLimit: "2", memoryLimit: "4Gi" };
    expect(validateStrict(LimitRange, limitRangeManifest("vision", defaults, LABELS))).toEqual([]);
    expect(validateStrict(ServiceAccount, teamServiceAccountManifest(TEAM, LABELS))).toEqual([]);
    const gcp = workloadIdentityEgress({ gcp: {} as never });
    for (const np of teamNetworkPolicyManifests("vision", gcp, LABELS)) {
      expect(validateStrict(NetworkPolicy, np), np.metadata.name).toEqual([]);
    }
    expect(validateStrict(Namespace, gpuSystemNamespaceManifest(LABELS))).toEqual([]);
    expect(validateStrict(Namespace, kueueNamespaceManifest(LABELS))).toEqual([]);
  });

  it("the GPU Operator driver pods' package-mirror egress policy validates (core, strict)", () => {
    expect(validateStrict(NetworkPolicy, gpuDriverEgressPolicyManifest(LABELS))).toEqual([]);
  });

  it("Kueue objects validate (project subset schemas)", () => {
    expect(validateKueue(cpuFlavorManifest(LABELS))).toEqual([]);
    for (const pool of POOLS) expect(validateKueue(gpuFlavorManifest(pool, LABELS))).toEqual([]);
    expect(validateKueue(cohortManifest("gtc", LABELS))).toEqual([]);
    expect(validateKueue(localQueueManifest("vision", "vision", LABELS))).toEqual([]);
    const cq = clusterQueueManifest(
      {
        name: "nlp",
        namespace: "team-nlp",
        cohort: "gtc",
        cpuQuota: "32500m",
        memoryQuota: "128Gi",
        gpuQuota: 0,
        gpuFlavors: [],
        canBorrow: false,
        reclaimWithinCohort: "Never",
        withinClusterQueue: "Never",
      },
      LABELS,
    );
    expect(validateKueue(cq)).toEqual([]);
  });

  it("the training Job validates (core, strict)", () => {
    const job = trainingJobManifest(
      "smoke",
      resolveTrainingJob({
        namespace: "vision",
        image: "pytorch/pytorch:2.11.0-cuda12.8-cudnn9-runtime",
        command: ["python", "-c", "print(1)"],
        args: ["--epochs", "1"],
        env: { EPOCHS: "1" },
        gpuType: "nvidia-l4",
        gpuPool: "l4-spot",
        activeDeadlineSeconds: 3600,
      }),
    );
    expect(validateStrict(Job, job)).toEqual([]);
  });
});

// ---- what the component registers validates ----------------------------------------------------

describe("registered objects (inputs from the plan)", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planOf(inClusterProgram({ handle: { gcp: {} as never } }));
  });

  it("every core object validates strictly", () => {
    const core = plan.resources.filter((r) => CORE_MODELS[r.type]);
    // gpu-system + kueue-system with a NetworkPolicy each, and per team: namespace, quota, limits,
    // SA, 6 NetworkPolicies
    expect(core).toHaveLength(2 * 2 + 2 * 10);
    for (const r of core) expect(validateStrict(CORE_MODELS[r.type]!, r.inputs), r.name).toEqual([]);
  });

  it("every Kueue object validates against the subset schema", () => {
    const kueue = plan.resources.filter((r) => r.type.startsWith("kubernetes:kueue.x-k8s.io/"));
    expect(kueue.map((r) => r.type.split(":").pop()).sort()).toEqual([
      "ClusterQueue",
      "ClusterQueue",
      "Cohort",
      "LocalQueue",
      "LocalQueue",
      "ResourceFlavor",
      "ResourceFlavor",
      "ResourceFlavor",
    ]);
    for (const r of kueue) expect(validateKueue(r.inputs), r.name).toEqual([]);
  });

  it("the ClusterQueues also meet the CRD's CEL rules we can check offline", () => {
    for (const r of plan.resources.filter((x) => x.type.endsWith(":ClusterQueue"))) {
      const spec = r.inputs["spec"] as {
        cohortName?: string;
        resourceGroups: {
          coveredResources: string[];
          flavors: { resources: { borrowingLimit?: unknown }[] }[];
        }[];
        preemption: { reclaimWithinCohort: string; borrowWithinCohort?: { policy: string } };
      };
      // "flavors must have the same number of resources as the coveredResources"
      for (const g of spec.resourceGroups)
        for (const f of g.flavors) expect(f.resources).toHaveLength(g.coveredResources.length);
      // "reclaimWithinCohort=Never and borrowWithinCohort.Policy!=Never" is rejected
      expect(
        spec.preemption.reclaimWithinCohort === "Never" &&
          spec.preemption.borrowWithinCohort?.policy !== "Never",
      ).toBe(false);
      // "borrowingLimit must be nil when cohort is empty"
      expect(spec.cohortName).toBeTruthy();
      // a resource is covered by at most one group
      const covered = spec.resourceGroups.flatMap((g) => g.coveredResources);
      expect(new Set(covered).size).toBe(covered.length);
    }
  });
});

// ---- the AWS Load Balancer Controller (EKS target) ---------------------------------------------

describe("AWS Load Balancer Controller objects", () => {
  it("its Namespace and NetworkPolicy validate strictly", async () => {
    const plan = await planOf(
      () => {
        new GpuTrainingCluster("gpu", {
          target: "aws",
          aws: { endpointPublicAccessCidrs: ["203.0.113.0/24"] },
        });
      },
      { config: { "aws:region": "us-east-1" } },
    );
    const objects = plan.resources.filter(
      (r) => r.name.startsWith("gpu-lb-controller") && CORE_MODELS[r.type] !== undefined,
    );
    expect(objects.map((r) => r.type).sort()).toEqual([
      "kubernetes:core/v1:Namespace",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    ]);
    for (const r of objects) expect(validateStrict(CORE_MODELS[r.type]!, r.inputs), r.name).toEqual([]);
  });

  it("the pod fields of its chart values (security contexts, resources, scheduling) validate as a Pod", () => {
    const values = loadBalancerControllerValues({
      clusterName: "c",
      region: "us-east-1",
      vpcId: "vpc-0123456789abcdef0",
      tags: {},
    });
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "aws-load-balancer-controller" },
      spec: {
        securityContext: values["podSecurityContext"],
        nodeSelector: values["nodeSelector"],
        tolerations: values["tolerations"],
        containers: [
          {
            name: "aws-load-balancer-controller",
            image: "public.ecr.aws/eks/aws-load-balancer-controller:v3.5.0",
            securityContext: values["securityContext"],
            resources: values["resources"],
          },
        ],
      },
    };
    expect(validateStrict(Pod, pod)).toEqual([]);
    expect(validateStrict(Pod, withField(pod, "spec.securityContext.runAsNonRot", true))).not.toEqual([]);
  });
});
