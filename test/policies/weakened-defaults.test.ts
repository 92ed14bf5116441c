/**
 * The rules must see the resources the components really plan: the aws-prod stack is planned through
 * the CLI, passes, and a copy with one security default weakened fails with a mandatory violation.
 * A rule that matched a type token, property path or resource kind the components do not use
 * would pass the fixtures and never fire on a real stack.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { shippedStackRun } from "../shipped-stacks";
import type { Plan, PlanResource } from "../../plan/types";
import { ruleByName } from "../../policies/catalog";
import { runPoliciesDetailed } from "../../policies/offline";
import type { Rule } from "../../policies/rules/types";

const RULE_NAMES = [
  "aws-iam-no-wildcard-resource",
  "aws-iam-inline-policy-least-privilege",
  "aws-s3-tls-only-policy",
  "aws-karpenter-nodeclass-imdsv2",
  "aws-eks-network-policy-enforced",
  "k8s-grafana-anonymous-or-default-password",
  "k8s-feast-authz",
  "k8s-feast-tls",
  "aws-elasticache-auth-tls-required",
  "k8s-inferenceservice-resources",
  "k8s-inferenceservice-prod-min-replicas",
  "k8s-inferenceservice-storage-platform-store",
  "k8s-inferenceservice-storage-plain-http",
  "k8s-inferenceservice-pod-security",
  "k8s-keda-no-inline-secrets",
] as const;
const rules: Rule[] = RULE_NAMES.map((n) => ruleByName(n)!);

let plan: Plan;
beforeAll(async () => {
  // Planned once per test run (test/shipped-stacks.ts), as `--stack aws-prod --out <file> --quiet`.
  const run = await shippedStackRun("aws-prod");
  expect(run.code).toBe(0);
  plan = run.plan!;
}, 120_000);

/** Mandatory violations of the rules above in `resources` (prod), as [rule, resource name]. */
function violations(resources: PlanResource[]): [string, string][] {
  const result = runPoliciesDetailed(
    { stack: plan.stack, project: plan.project, resources },
    { environment: "prod" },
    { rules },
  );
  return result.violations
    .filter((v) => v.enforcementLevel === "mandatory")
    .map((v) => [v.policyName, v.urn.split("::").pop() ?? ""]);
}

/**
 * A copy of the plan's resources with the one named `name` changed by `edit`, in its inputs (what
 * resource rules see) and its outputs (the final state stack rules see, as in the engine).
 */
function weakened(name: string, edit: (props: Record<string, unknown>) => void): PlanResource[] {
  return plan.resources.map((r) => {
    if (r.name !== name) return r;
    const inputs = structuredClone(r.inputs);
    edit(inputs);
    if (r.outputs === undefined) return { ...r, inputs };
    const outputs = structuredClone(r.outputs);
    edit(outputs);
    return { ...r, inputs, outputs };
  });
}

/** Edits the JSON policy document in `props.policy`. */
function editPolicy(edit: (statements: Record<string, unknown>[]) => void) {
  return (props: Record<string, unknown>) => {
    const doc = JSON.parse(String(props.policy)) as { Statement: Record<string, unknown>[] };
    edit(doc.Statement);
    props.policy = JSON.stringify(doc);
  };
}

function one(type: string, name: string): PlanResource {
  const found = plan.resources.filter((r) => r.type === type && r.name === name);
  expect(found, `${type} ${name}`).toHaveLength(1);
  return found[0]!;
}

describe("aws-prod: the rules fire on the planned resources when a default is weakened", () => {
  it("passes as shipped", () => {
    expect(violations(plan.resources)).toEqual([]);
  });

  it("inline role policy granting a scopable action on '*' (Karpenter's discovery statement)", () => {
    one("aws:iam/rolePolicy:RolePolicy", "gpu-cluster-karpenter-controller-resource-discovery");
    const resources = weakened(
      "gpu-cluster-karpenter-controller-resource-discovery",
      editPolicy((s) => {
        (s[0]!.Action as string[]).push("ec2:CreateTags");
      }),
    );
    expect(violations(resources)).toEqual([
      ["aws-iam-no-wildcard-resource", "gpu-cluster-karpenter-controller-resource-discovery"],
    ]);
  });

  it("inline role policy of the MLflow server opened to every bucket", () => {
    one("aws:iam/rolePolicy:RolePolicy", "model-registry-server-role-policy");
    const resources = weakened(
      "model-registry-server-role-policy",
      editPolicy((s) => {
        s[1]!.Resource = "*";
      }),
    );
    expect(violations(resources)).toEqual([
      ["aws-iam-no-wildcard-resource", "model-registry-server-role-policy"],
    ]);
  });

  it("TLS-only bucket policy narrowed to object reads", () => {
    one("aws:s3/bucketPolicy:BucketPolicy", "model-registry-artifacts-bucket-policy");
    const resources = weakened(
      "model-registry-artifacts-bucket-policy",
      editPolicy((s) => {
        s[0]!.Action = "s3:GetObject";
      }),
    );
    expect(violations(resources)).toEqual([["aws-s3-tls-only-policy", "model-registry-artifacts-bucket"]]);
  });

  it("EC2NodeClass with IMDSv1 or a hop limit of 2", () => {
    const nodeClass = one(
      "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
      "gpu-cluster-karpenter-gpu-nodeclass",
    );
    expect((nodeClass.inputs.spec as Record<string, unknown>).metadataOptions).toEqual({
      httpEndpoint: "enabled",
      httpProtocolIPv6: "disabled",
      httpPutResponseHopLimit: 1,
      httpTokens: "required",
    });
    for (const change of [{ httpTokens: "optional" }, { httpPutResponseHopLimit: 2 }]) {
      const resources = weakened("gpu-cluster-karpenter-gpu-nodeclass", (inputs) => {
        const spec = inputs.spec as { metadataOptions: Record<string, unknown> };
        spec.metadataOptions = { ...spec.metadataOptions, ...change };
      });
      expect(violations(resources), JSON.stringify(change)).toEqual([
        ["aws-karpenter-nodeclass-imdsv2", "gpu-cluster-karpenter-gpu-nodeclass"],
      ]);
    }
  });

  it("the Monitoring release with Grafana's anonymous access on (the component refuses it through values)", () => {
    const release = one("kubernetes:helm.sh/v3:Release", "monitoring");
    const anonymous = (props: Record<string, unknown>) =>
      (props.values as { grafana: Record<string, Record<string, Record<string, unknown>>> }).grafana[
        "grafana.ini"
      ]!["auth.anonymous"]!;
    expect(anonymous(release.inputs)).toEqual({ enabled: false });
    // The release's state has no `values` (the mock create returns none): only its inputs change.
    const resources = weakened("monitoring", (props) => {
      if (props.values !== undefined) anonymous(props).enabled = true;
    });
    expect(violations(resources)).toEqual([["k8s-grafana-anonymous-or-default-password", "monitoring"]]);
  });

  it("the FeatureStore CR without authz, or with a server's TLS turned off", () => {
    const cr = one("kubernetes:feast.dev/v1:FeatureStore", "feature-store-feature-store");
    const spec = (props: Record<string, unknown>) => props.spec as Record<string, unknown>;
    expect(spec(cr.inputs).authz).toEqual({ kubernetes: { roles: ["feast-reader", "feast-writer"] } });
    expect(violations(weakened("feature-store-feature-store", (props) => delete spec(props).authz))).toEqual([
      ["k8s-feast-authz", "feature-store-feature-store"],
    ]);
    const online = (props: Record<string, unknown>) =>
      (spec(props).services as Record<string, Record<string, Record<string, unknown>>>).onlineStore!.server!;
    expect(online(cr.inputs).tls).toMatchObject({ secretRef: { name: "feast-fraud-detection-tls" } });
    expect(
      violations(weakened("feature-store-feature-store", (props) => (online(props).tls = { disable: true }))),
    ).toEqual([["k8s-feast-tls", "feature-store-feature-store"]]);
  });

  it("the online store's ElastiCache accepting plain text or no AUTH token", () => {
    const rg = one("aws:elasticache/replicationGroup:ReplicationGroup", "feature-store-online-valkey");
    expect(rg.inputs).toMatchObject({ transitEncryptionEnabled: true, transitEncryptionMode: "required" });
    expect(
      violations(
        weakened("feature-store-online-valkey", (props) => (props.transitEncryptionMode = "preferred")),
      ),
    ).toEqual([["aws-elasticache-auth-tls-required", "feature-store-online-valkey"]]);
    expect(violations(weakened("feature-store-online-valkey", (props) => delete props.authToken))).toEqual([
      ["aws-elasticache-auth-tls-required", "feature-store-online-valkey"],
    ]);
  });

  it("the served model: one replica, no limits, a model over http://, privilege escalation, a token inline in KEDA's trigger", () => {
    const isvc = "serving-recommender";
    const scaled = "serving-recommender-scaledobject";
    one("kubernetes:serving.kserve.io/v1beta1:InferenceService", isvc);
    one("kubernetes:keda.sh/v1alpha1:ScaledObject", scaled);
    type Spec = { predictor: { minReplicas: number; model: Record<string, unknown> } };
    const predictor = (props: Record<string, unknown>) => (props.spec as Spec).predictor;
    expect(violations(weakened(isvc, (p) => (predictor(p).minReplicas = 1)))).toEqual([
      ["k8s-inferenceservice-prod-min-replicas", isvc],
    ]);
    expect(
      violations(weakened(scaled, (p) => ((p.spec as Record<string, unknown>).minReplicaCount = 1))),
    ).toEqual([["k8s-inferenceservice-prod-min-replicas", scaled]]);
    expect(violations(weakened(isvc, (p) => delete predictor(p).model.resources))).toEqual([
      ["k8s-inferenceservice-resources", isvc],
    ]);
    expect(
      violations(
        weakened(isvc, (p) => (predictor(p).model.storageUri = "http://models.example.com/recommender")),
      ),
    ).toEqual([["k8s-inferenceservice-storage-plain-http", isvc]]);
    expect(
      violations(weakened(isvc, (p) => (predictor(p).model.storageUri = "hf://acme/recommender"))),
    ).toEqual([["k8s-inferenceservice-storage-platform-store", isvc]]);
    expect(
      violations(
        weakened(isvc, (p) => {
          const sc = predictor(p).model.securityContext as Record<string, unknown>;
          sc.allowPrivilegeEscalation = true;
        }),
      ),
    ).toEqual([["k8s-inferenceservice-pod-security", isvc]]);
    expect(
      violations(
        weakened(scaled, (p) => {
          const trigger = (p.spec as { triggers: { metadata: Record<string, string> }[] }).triggers[0]!;
          trigger.metadata.bearerToken = "eyJhbGciOi";
        }),
      ),
    ).toEqual([["k8s-keda-no-inline-secrets", scaled]]);
  });

  it("VPC CNI without its network policy agent, or no VPC CNI add-on", () => {
    const cni = one("aws:eks/addon:Addon", "gpu-cluster-vpc-cni");
    expect(cni.inputs.configurationValues).toBe(JSON.stringify({ enableNetworkPolicy: "true" }));
    expect(
      violations(weakened("gpu-cluster-vpc-cni", (inputs) => delete inputs.configurationValues)),
    ).toEqual([["aws-eks-network-policy-enforced", "gpu-cluster-vpc-cni"]]);
    expect(violations(plan.resources.filter((r) => r.name !== "gpu-cluster-vpc-cni"))).toEqual([
      ["aws-eks-network-policy-enforced", "gpu-cluster-eks"],
    ]);
  });
});

describe("aws-dev: aws-elasticache-not-in-public-subnet recognises the planned VPC's public subnets", () => {
  // aws-dev builds its own VPC (aws-prod uses an existing one).
  let dev: Plan;
  beforeAll(async () => {
    const run = await shippedStackRun("aws-dev");
    expect(run.code).toBe(0);
    dev = run.plan!;
  }, 120_000);

  /**
   * A cache subnet group on `subnets` (planned subnets, by logical name) and a replication group
   * using it, related to them the way the engine relates them (property dependencies on the URNs).
   * The planned public subnets do not map public IPs on launch: only their route table's route to
   * the internet gateway makes them public.
   */
  function withCache(subnets: string[]): PlanResource[] {
    const urns = subnets.map((n) => {
      const found = dev.resources.filter((r) => r.type === "aws:ec2/subnet:Subnet" && r.name === n);
      expect(found, n).toHaveLength(1);
      return found[0]!.urn;
    });
    const base = { custom: true, parent: "", provider: "", protect: false, retainOnDelete: false };
    const group: PlanResource = {
      ...base,
      urn: "urn:pulumi:aws-dev::mlops::aws:elasticache/subnetGroup:SubnetGroup::kv-subnets",
      type: "aws:elasticache/subnetGroup:SubnetGroup",
      name: "kv-subnets",
      dependencies: urns,
      propertyDependencies: { subnetIds: urns },
      inputs: { name: "kv-subnets", description: "kv", subnetIds: subnets.map((n) => `${n}-id`) },
      outputs: { name: "kv-subnets", description: "kv", subnetIds: subnets.map((n) => `${n}-id`) },
      id: "kv-subnets",
    };
    const rg: PlanResource = {
      ...base,
      urn: "urn:pulumi:aws-dev::mlops::aws:elasticache/replicationGroup:ReplicationGroup::kv",
      type: "aws:elasticache/replicationGroup:ReplicationGroup",
      name: "kv",
      dependencies: [group.urn],
      propertyDependencies: { subnetGroupName: [group.urn] },
      inputs: { description: "kv", subnetGroupName: "kv-subnets" },
      outputs: { description: "kv", subnetGroupName: "kv-subnets" },
      id: "kv",
    };
    return [...dev.resources, group, rg];
  }
  const rule = ruleByName("aws-elasticache-not-in-public-subnet")!;
  const run = (resources: PlanResource[]) =>
    runPoliciesDetailed(
      { stack: dev.stack, project: dev.project, resources },
      { environment: "dev" },
      { rules: [rule] },
    ).violations.map((v) => [v.enforcementLevel, v.message.split("\n").pop()]);

  it("private subnets pass; a public subnet in the group is reported", () => {
    expect(run(withCache(["gpu-cluster-private-0", "gpu-cluster-private-1"]))).toEqual([]);
    expect(run(withCache(["gpu-cluster-private-0", "gpu-cluster-public-1"]))).toEqual([
      [
        "mandatory",
        "Replication group 'kv' uses cache subnet group 'kv-subnets' with public subnets: 'gpu-cluster-public-1' (route table 'gpu-cluster-public-rt' routes to an internet gateway).",
      ],
    ]);
  });
});
