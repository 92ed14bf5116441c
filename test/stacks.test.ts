/**
 * The shipped stacks, planned through the same CLI users run (`npm run plan -- --stack <s>`).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../plan/cli";
import type { Plan, PlanResource } from "../plan/types";
import { parseStackConfig } from "../stacks/config";
import { StackConfigError } from "../components/shared/errors";
import { accountScopedPhysicalNames, sharedPhysicalNames } from "./helpers";
import {
  BASELINE_DIR,
  compareWithBaseline,
  describeBaselineDiff,
  NO_DIFFERENCE,
  readBaseline,
  SHIPPED_STACKS,
} from "./baseline";
import { shippedStackRuns } from "./shipped-stacks";

const STACKS = SHIPPED_STACKS;
/** A valid mlops:aws block (for an adopted cluster). */
const aws = {
  vpcId: "vpc-1",
  vpcCidrBlock: "10.0.0.0/16",
  privateSubnetIds: ["subnet-1", "subnet-2"],
  nodeSecurityGroupId: "sg-1",
  identityMode: "podIdentity",
  clusterName: "eks",
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-stacks-"));

interface CliRun {
  code: number;
  out: string;
  err: string;
}

async function cli(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const plans = new Map<string, Plan>();
const runs = new Map<string, CliRun>();

beforeAll(async () => {
  // Each stack is planned once per test run (test/shipped-stacks.ts), as `--stack <s> --out <file> --quiet`.
  for (const [stack, { plan, ...run }] of await shippedStackRuns(STACKS)) {
    runs.set(stack, run);
    if (plan) plans.set(stack, plan);
  }
}, 120_000);

function one(plan: Plan, type: string, name?: string): PlanResource {
  const found = plan.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  expect(found, `${type} ${name ?? ""}`).toHaveLength(1);
  return found[0]!;
}

function under(plan: Plan, ancestor: string, r: PlanResource): boolean {
  const byUrn = new Map(plan.resources.map((x) => [x.urn, x]));
  for (let p = byUrn.get(r.parent); p; p = byUrn.get(p.parent)) if (p.urn === ancestor) return true;
  return false;
}

describe("every shipped stack plans offline", () => {
  for (const stack of STACKS) {
    it(`${stack}: exit 0, zero mandatory policy violations, the model registry with its children`, () => {
      const run = runs.get(stack)!;
      expect(run.err).toBe("");
      expect(run.code).toBe(0);
      const plan = plans.get(stack)!;
      expect(plan.stack).toBe(stack);
      expect(plan.project).toBe("mlops");
      expect(plan.policyViolations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
      const registry = one(plan, "mlops:index:ModelRegistry", "model-registry");
      for (const [type, name] of [
        ["kubernetes:apps/v1:Deployment", "model-registry-server"],
        ["kubernetes:core/v1:Service", "model-registry-server-service"],
      ] as const) {
        expect(under(plan, registry.urn, one(plan, type, name)), name).toBe(true);
      }
      // The JSON has exactly the documented fields for each resource.
      for (const r of plan.resources) {
        for (const key of [
          "urn",
          "stateUrn",
          "type",
          "name",
          "custom",
          "parent",
          "provider",
          "dependencies",
          "inputs",
          "protect",
          "retainOnDelete",
        ]) {
          expect(r, `${r.name}.${key}`).toHaveProperty(key);
        }
      }
      // Secrets are never in clear.
      expect(JSON.stringify(plan)).not.toMatch(/mock[0-9a-f]{28}/);
    });
  }

  it("each target has its own database and object store", () => {
    const expectations: Record<string, [string, string]> = {
      local: ["kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:Job"],
      "aws-dev": ["aws:rds/instance:Instance", "aws:s3/bucket:Bucket"],
      "gcp-dev": ["gcp:sql/databaseInstance:DatabaseInstance", "gcp:storage/bucket:Bucket"],
    };
    for (const [stack, types] of Object.entries(expectations)) {
      const plan = plans.get(stack)!;
      for (const type of types)
        expect(
          plan.resources.some((r) => r.type === type),
          `${stack} ${type}`,
        ).toBe(true);
    }
  });

  it("aws-dev shows the security properties in the inputs", () => {
    const plan = plans.get("aws-dev")!;
    const pab = one(
      plan,
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "model-registry-artifacts-bucket-public-access",
    );
    expect(pab.inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const rds = one(plan, "aws:rds/instance:Instance", "model-registry-db-postgres");
    expect(rds.inputs).toMatchObject({
      storageEncrypted: true,
      publiclyAccessible: false,
      password: "[secret]",
    });
    expect(rds.inputs["kmsKeyId"]).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);
  });

  it("prod Ingresses: an internal ALB on aws-prod, GKE's internal load balancer on gcp-prod, HTTPS only", () => {
    const aws = one(plans.get("aws-prod")!, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(aws.inputs["spec"]).toMatchObject({ ingressClassName: "alb" });
    expect(aws.inputs["metadata"]).toMatchObject({
      annotations: {
        "alb.ingress.kubernetes.io/scheme": "internal",
        "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
        "alb.ingress.kubernetes.io/certificate-arn":
          "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8877-665544332211",
      },
    });
    const awsPolicy = one(
      plans.get("aws-prod")!,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "model-registry-server-network-policy",
    );
    expect(JSON.stringify(awsPolicy.inputs)).toContain('{"ipBlock":{"cidr":"10.30.0.0/16"}}');
    expect(JSON.stringify(awsPolicy.inputs)).not.toContain("ingress-nginx");

    const gcpPlan = plans.get("gcp-prod")!;
    const gcp = one(gcpPlan, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(gcp.inputs["metadata"]).toMatchObject({
      annotations: {
        "kubernetes.io/ingress.class": "gce-internal",
        "kubernetes.io/ingress.allow-http": "false",
      },
    });
    one(gcpPlan, "kubernetes:cloud.google.com/v1:BackendConfig");
    const proxyOnly = one(gcpPlan, "gcp:compute/subnetwork:Subnetwork", "gpu-cluster-proxy-only");
    expect(proxyOnly.inputs).toMatchObject({ purpose: "REGIONAL_MANAGED_PROXY", role: "ACTIVE" });
    const gcpPolicy = one(
      gcpPlan,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "model-registry-server-network-policy",
    );
    expect(JSON.stringify(gcpPolicy.inputs)).toContain(
      `{"ipBlock":{"cidr":"${String(proxyOnly.inputs["ipCidrRange"])}"}}`,
    );
    // The VPC firewall admits the proxies to the GKE nodes (by their service account) on 5000.
    const proxyFirewall = one(gcpPlan, "gcp:compute/firewall:Firewall", "model-registry-lb-proxy-firewall");
    expect(proxyFirewall.inputs).toMatchObject({
      direction: "INGRESS",
      sourceRanges: [proxyOnly.inputs["ipCidrRange"]],
      targetServiceAccounts: [
        one(gcpPlan, "gcp:serviceaccount/account:Account", "gpu-cluster-nodes-sa").outputs?.["email"],
      ],
      allows: [{ protocol: "tcp", ports: ["5000"] }],
    });
    for (const stack of ["aws-prod", "gcp-prod"]) {
      const plan = plans.get(stack)!;
      const job = one(plan, "kubernetes:batch/v1:Job", "model-registry-db-migrate");
      expect(one(plan, "kubernetes:apps/v1:Deployment", "model-registry-server").dependencies).toContain(
        job.urn,
      );
    }
  });

  it("prod stacks protect stateful resources; dev stacks do not", () => {
    for (const stack of ["aws-prod", "gcp-prod"]) {
      const plan = plans.get(stack)!;
      const db = plan.resources.find(
        (r) => r.type.includes("rds/instance") || r.type.includes("sql/databaseInstance"),
      )!;
      expect(db.protect && db.retainOnDelete, stack).toBe(true);
      expect(one(plan, "kubernetes:apps/v1:Deployment", "model-registry-server").inputs).toMatchObject({
        spec: { replicas: stack === "aws-prod" ? 3 : 2 },
      });
      expect(
        plan.resources.some((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget"),
        stack,
      ).toBe(true);
    }
    for (const stack of ["local", "aws-dev", "gcp-dev"]) {
      expect(
        plans.get(stack)!.resources.filter((r) => r.protect),
        stack,
      ).toEqual([]);
    }
  });

  it("stack outputs are written, secrets masked", () => {
    const plan = plans.get("aws-prod")!;
    expect(plan.outputs["mlflowTrackingUri"]).toBe("http://model-registry.mlflow.svc.cluster.local:5000");
    expect(plan.outputs["mlflowAdminPassword"]).toBe("[secret]");
    expect(plan.outputs["mlflowDatabaseEndpoint"]).toBe("[secret]");
    expect(plan.outputs["mlflowExternalUrl"]).toBe("https://mlflow.ml.example.com");
  });
});

describe("every shipped stack runs the retraining loop for the recommender", () => {
  for (const stack of STACKS) {
    it(`${stack}: after serving, reading the offline store and the payload logs; Alertmanager calls its webhook`, () => {
      const plan = plans.get(stack)!;
      const loop = one(plan, "mlops:index:RetrainingLoop", "retraining");
      // Created after serving, monitoring and the feature store (it depends on their children).
      for (const c of ["ModelServing", "Monitoring", "FeatureStore"])
        expect(
          loop.dependencies.some((u) => u.includes(`mlops:index:${c}$`)),
          c,
        ).toBe(true);
      const cronJob = one(plan, "kubernetes:batch/v1:CronJob", "retraining-drift-recommender");
      expect(under(plan, loop.urn, cronJob)).toBe(true);
      const env = Object.fromEntries(
        (
          cronJob.inputs["spec"] as {
            jobTemplate: {
              spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
            };
          }
        ).jobTemplate.spec.template.spec.containers[0]!.env.map((e) => [e.name, e.value]),
      );
      // The feature store's offline bucket and the serving payload-log bucket (mock names).
      const scheme = stack.startsWith("gcp") ? "gs" : "s3";
      expect(env["MLOPS_REFERENCE"]).toMatch(
        new RegExp(`^${scheme}://feature-store-offline[^/]*/reference/recommender/$`),
      );
      expect(env["MLOPS_CURRENT"]).toMatch(
        new RegExp(`^${scheme}://serving-payload-logs[^/]*/payload-logs/recommender/$`),
      );
      expect(env["MLOPS_PUSHGATEWAY_URL"]).toMatch(
        /^http:\/\/.*pushgateway.*\.monitoring\.svc\.cluster\.local:9091$/,
      );
      // The training step on a team of the stack's cluster, through its Kueue LocalQueue.
      const template = one(
        plan,
        "kubernetes:argoproj.io/v1alpha1:WorkflowTemplate",
        "retraining-template-recommender",
      );
      const train = (
        template.inputs["spec"] as { templates: { name: string; resource?: { manifest: string } }[] }
      ).templates.find((t) => t.name === "train")!;
      const job = parseYaml(train.resource!.manifest) as {
        metadata: { namespace: string; labels: Record<string, string> };
        spec: {
          template: {
            spec: {
              serviceAccountName: string;
              tolerations?: unknown[];
              containers: { resources: { requests: Record<string, string> } }[];
            };
          };
        };
      };
      const team = stack === "local" || stack === "gcp-dev" ? "research" : "applied";
      expect(job.metadata.namespace).toBe(team);
      expect(job.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe("training");
      // As the loop's own training identity in the team namespace, never the team's shared one.
      const pod = job.spec.template.spec;
      expect(pod.serviceAccountName).toBe("mlops-retrain-training");
      const sa = plan.resources.filter(
        (r) =>
          r.type === "kubernetes:core/v1:ServiceAccount" &&
          JSON.stringify(r.inputs["metadata"]).includes('"name":"mlops-retrain-training"'),
      );
      expect(sa.map((r) => (r.inputs["metadata"] as { namespace: string }).namespace)).toEqual([team]);
      // The local team has no GPU quota: the recommender trains on CPU there, on GPUs elsewhere.
      if (stack === "local") {
        expect(pod.containers[0]!.resources.requests).toEqual({ cpu: "2", memory: "8Gi" });
        expect(pod.tolerations).toBeUndefined();
      } else {
        expect(pod.containers[0]!.resources.requests["nvidia.com/gpu"]).toBe("1");
      }
      // Monitoring's Alertmanager routes the model's drift alert to the loop (bearer token, no
      // resolved notifications, at most once a day), and on to the stack's own receivers.
      const config = JSON.stringify(
        one(plan, "kubernetes:helm.sh/v3:Release", "monitoring").inputs["values"],
      );
      expect(config).toContain(
        '{"name":"retraining-loop","webhook_configs":[{"http_config":{"authorization":{"credentials_file":"/etc/alertmanager/secrets/mlops-loop-webhook/token","type":"Bearer"}},"max_alerts":0,"send_resolved":false,"url":"http://alertmanager-eventsource-svc.mlops-loop.svc:12000/drift"}]}',
      );
      expect(config).toMatch(
        /\{"continue":true,"group_by":\["alertname","model"\],"matchers":\[[^\]]*\],"receiver":"retraining-loop","repeat_interval":"24h"\}/,
      );
      // The token the receiver reads: a Secret of the loop in the monitoring namespace.
      const token = one(plan, "kubernetes:core/v1:Secret", "retraining-alertmanager-secret");
      expect(token.inputs["metadata"]).toMatchObject({ name: "mlops-loop-webhook", namespace: "monitoring" });
    });
  }
});

describe("the retraining loop logs in to MLflow exactly when the registry has auth on", () => {
  for (const stack of STACKS) {
    it(`${stack}: the MLflow clients get the registry admin's credentials by secretKeyRef iff auth is on`, () => {
      const plan = plans.get(stack)!;
      const auth = plan.outputs["mlflowAdminUsername"] !== undefined;
      if (stack === "aws-prod") expect(auth).toBe(true);
      const secrets = plan.resources
        .filter(
          (r) => r.type === "kubernetes:core/v1:Secret" && r.name.startsWith("retraining-mlflow-credentials"),
        )
        .map((r) => [r.name, (r.inputs["metadata"] as { namespace: string }).namespace])
        .sort();
      const template = one(
        plan,
        "kubernetes:argoproj.io/v1alpha1:WorkflowTemplate",
        "retraining-template-recommender",
      );
      const evaluate = (
        template.inputs["spec"] as {
          templates: { name: string; container?: { env: { name: string; valueFrom?: unknown }[] } }[];
        }
      ).templates.find((t) => t.name === "evaluate")!.container!.env;
      const password = evaluate.find((e) => e.name === "MLFLOW_TRACKING_PASSWORD");
      if (auth) {
        const team = stack === "local" || stack === "gcp-dev" ? "research" : "applied";
        expect(secrets).toEqual([
          ["retraining-mlflow-credentials", "mlops-loop"],
          [`retraining-mlflow-credentials-${team}`, team],
        ]);
        expect(password?.valueFrom).toEqual({ secretKeyRef: { name: "mlops-loop-mlflow", key: "password" } });
        const secret = one(plan, "kubernetes:core/v1:Secret", "retraining-mlflow-credentials");
        expect((secret.inputs["stringData"] as Record<string, unknown>)["password"]).toBe("[secret]");
      } else {
        expect(secrets).toEqual([]);
        expect(password).toBeUndefined();
      }
    });
  }
});

describe("local: the drift job reaches each MinIO store at its own endpoint with its own credentials", () => {
  it("lists the three buckets in MLOPS_S3_STORES and may reach the offline store's and payload-log store's servers", () => {
    const plan = plans.get("local")!;
    const cronJob = one(plan, "kubernetes:batch/v1:CronJob", "retraining-drift-recommender");
    const env = (
      cronJob.inputs["spec"] as {
        jobTemplate: {
          spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
        };
      }
    ).jobTemplate.spec.template.spec.containers[0]!.env;
    const stores = JSON.parse(env.find((e) => e.name === "MLOPS_S3_STORES")!.value!) as Record<
      string,
      { endpoint_url: string; access_key_env: string }
    >;
    const byKey = Object.fromEntries(Object.values(stores).map((v) => [v.access_key_env, v.endpoint_url]));
    expect(Object.keys(byKey).sort()).toEqual([
      "AWS_ACCESS_KEY_ID",
      "MLOPS_S3_REFERENCE_DATA_ACCESS_KEY_ID",
      "MLOPS_S3_REPORT_WRITER_ACCESS_KEY_ID",
    ]);
    expect(byKey["AWS_ACCESS_KEY_ID"]).toMatch(/\.serving\.svc\.cluster\.local:9000$/);
    expect(byKey["MLOPS_S3_REFERENCE_DATA_ACCESS_KEY_ID"]).toMatch(/\.feast\.svc\.cluster\.local:9000$/);
    expect(byKey["MLOPS_S3_REPORT_WRITER_ACCESS_KEY_ID"]).toMatch(/\.mlops-loop\.svc\.cluster\.local:9000$/);
    const egress = JSON.stringify(
      one(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "retraining-drift-policy").inputs["spec"],
    );
    for (const ns of ["feast", "serving"])
      expect(egress, ns).toContain(`"kubernetes.io/metadata.name":"${ns}"`);
  });
});

describe("the cloud stacks create their GPU training clusters", () => {
  const GPU_TAINT = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" };

  for (const stack of ["aws-dev", "aws-prod"]) {
    it(`${stack}: EKS, system node group, Karpenter, EC2NodeClass and GPU NodePools from zero with taint and limit`, () => {
      const plan = plans.get(stack)!;
      const cluster = one(plan, "mlops:index:GpuTrainingCluster", "gpu-cluster");
      for (const type of [
        "aws:eks/cluster:Cluster",
        "aws:eks/nodeGroup:NodeGroup",
        "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
      ]) {
        expect(under(plan, cluster.urn, one(plan, type)), type).toBe(true);
      }
      const charts = plan.resources
        .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
        .map((r) => String(r.inputs["chart"]).split("/").pop());
      expect(charts).toEqual(expect.arrayContaining(["karpenter", "nvidia-device-plugin", "kueue"]));
      const pools = plan.resources.filter((r) => r.type === "kubernetes:karpenter.sh/v1:NodePool");
      expect(pools.length).toBeGreaterThan(0);
      for (const pool of pools) {
        const spec = pool.inputs["spec"] as {
          limits?: Record<string, unknown>;
          replicas?: unknown;
          template: { spec: { taints: unknown[] } };
        };
        expect(spec.template.spec.taints, pool.name).toEqual([GPU_TAINT]);
        expect(spec.limits?.["nvidia.com/gpu"], pool.name).toBeGreaterThan(0);
        expect(spec.replicas, pool.name).toBeUndefined();
      }
    });

    it(`${stack}: the AWS Load Balancer Controller (IngressClass "alb") is up before the model registry and goes after it`, () => {
      const plan = plans.get(stack)!;
      const cluster = one(plan, "mlops:index:GpuTrainingCluster", "gpu-cluster");
      const controller = one(plan, "kubernetes:helm.sh/v3:Release", "gpu-cluster-lb-controller");
      expect(under(plan, cluster.urn, controller)).toBe(true);
      expect(controller.inputs).toMatchObject({ chart: "aws-load-balancer-controller", version: "3.5.0" });
      expect(cluster.outputs?.["ingressClassName"]).toBe("alb");
      // The registry depends on the cluster component, so on every child of it: its Ingress is
      // created once the class and webhook exist, and destroyed while the controller can still
      // delete the ALB.
      const registry = one(plan, "mlops:index:ModelRegistry", "model-registry");
      expect(registry.dependencies).toContain(controller.urn);
      const ingresses = plan.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress");
      for (const ingress of ingresses) expect(under(plan, registry.urn, ingress), ingress.name).toBe(true);
    });
  }

  for (const stack of ["gcp-dev", "gcp-prod"]) {
    it(`${stack}: GKE and GPU node pools from zero with taint and a max`, () => {
      const plan = plans.get(stack)!;
      one(plan, "gcp:container/cluster:Cluster");
      const gpuPools = plan.resources.filter(
        (r) =>
          r.type === "gcp:container/nodePool:NodePool" &&
          JSON.stringify(r.inputs).includes("guestAccelerators"),
      );
      expect(gpuPools.length).toBeGreaterThan(0);
      for (const pool of gpuPools) {
        const autoscaling = pool.inputs["autoscaling"] as Record<string, number>;
        expect(autoscaling["totalMinNodeCount"] ?? autoscaling["minNodeCount"], pool.name).toBe(0);
        expect((autoscaling["totalMaxNodeCount"] ?? autoscaling["maxNodeCount"])!, pool.name).toBeGreaterThan(
          0,
        );
        expect((pool.inputs["nodeConfig"] as { taints: unknown[] }).taints, pool.name).toEqual([
          { ...GPU_TAINT, effect: "NO_SCHEDULE" },
        ]);
      }
    });
  }

  // Children of each sub-component of the cluster: the GPU stack (device plugin + DCGM exporter;
  // none on GKE, whose platform runs them), Kueue (namespace, policy, release, Cohort, a flavor
  // for CPU and one per GPU pool), each team (namespace, quota, limits, ServiceAccount, 5
  // NetworkPolicies + the workload-identity one on EKS Pod Identity and GKE, ClusterQueue,
  // LocalQueue), and on EKS Karpenter (node role + 3 attachments + access entry, queue + policy,
  // 5 EventBridge rules + 5 targets, controller role + 5 policies + Pod Identity, 2 releases, the
  // EC2NodeClass and a NodePool per GPU pool) and
  // the load balancer controller (role, policy, Pod Identity, namespace, NetworkPolicy, release).
  const SUB_COMPONENT_CHILDREN: Record<
    (typeof STACKS)[number],
    { gpu?: number; kueue: number; team: number; karpenter?: number; lbController?: number }
  > = {
    // With monitoring on (every shipped stack), each sub-component also owns its workload's
    // monitor; gcp-prod's GMP cannot scrape Kueue's authenticated endpoint (no Kueue monitor).
    local: { gpu: 5, kueue: 6, team: 11 },
    "aws-dev": { gpu: 5, kueue: 7, team: 12, karpenter: 29, lbController: 7 },
    "aws-prod": { gpu: 5, kueue: 9, team: 12, karpenter: 31, lbController: 7 },
    "gcp-dev": { kueue: 7, team: 12 },
    "gcp-prod": { kueue: 8, team: 12 },
  };
  // Roles of the children that were `gpu-cluster-<role>` under the cluster and are
  // `gpu-cluster-{gpu,kueue,karpenter}-<role>` under their sub-component.
  const RENAMED_ROLES = /^(nvidia-device-plugin|dcgm-exporter|flavor-.+|cohort|gpu-nodeclass|nodepool-.+)$/;
  for (const stack of STACKS) {
    it(`${stack}: the cluster composes the GPU stack, Kueue, a tenancy per team (and on EKS Karpenter and the load balancer controller); what moved under them aliases its deployed URN`, () => {
      const plan = plans.get(stack)!;
      const cluster = one(plan, "mlops:index:GpuTrainingCluster", "gpu-cluster");
      const teams = Object.keys(plan.outputs["teamNamespaces"] as Record<string, string>);
      const expected = SUB_COMPONENT_CHILDREN[stack];
      const components = plan.resources.filter((r) => r.parent === cluster.urn && !r.custom);
      expect(components.map((c) => `${c.type} ${c.name}`).sort()).toEqual(
        [
          ...(expected.gpu === undefined ? [] : ["mlops:index:NvidiaGpuStack gpu-cluster-gpu"]),
          "mlops:index:Kueue gpu-cluster-kueue",
          "mlops:index:CertManager gpu-cluster-cert-manager",
          ...teams.map((t) => `mlops:index:TeamTenancy gpu-cluster-${t}`),
          ...(expected.karpenter === undefined ? [] : ["mlops:index:Karpenter gpu-cluster-karpenter"]),
          ...(expected.lbController === undefined
            ? []
            : ["mlops:index:AwsLoadBalancerController gpu-cluster-lb-controller"]),
        ].sort(),
      );
      const formerPrefix = cluster.stateUrn!.replace(/::gpu-cluster$/, "$");
      for (const component of components) {
        const children = plan.resources.filter((r) => r.parent === component.urn);
        const count: Record<string, number | undefined> = {
          "mlops:index:NvidiaGpuStack": expected.gpu,
          "mlops:index:Kueue": expected.kueue,
          // A team with `alerts` also owns its AlertmanagerConfig (aws-prod's research team).
          "mlops:index:TeamTenancy":
            expected.team + (stack === "aws-prod" && component.name === "gpu-cluster-research" ? 1 : 0),
          "mlops:index:Karpenter": expected.karpenter,
          "mlops:index:AwsLoadBalancerController": expected.lbController,
          // Namespace, policy, release, the self-signed and CA issuers, the CA, the monitor.
          "mlops:index:CertManager": 7,
        };
        expect(children, component.name).toHaveLength(count[component.type]!);
        for (const r of children) {
          expect(r.custom, r.name).toBe(true);
          // cert-manager came after the sub-components (issue 10): nothing of it moved.
          if (component.type === "mlops:index:CertManager") continue;
          // Children renamed to carry their sub-component's name alias their former name too.
          const role = r.name.slice(`${component.name}-`.length);
          const formerName = RENAMED_ROLES.test(role) ? `gpu-cluster-${role}` : r.name;
          expect(r.aliases, r.name).toContain(`${formerPrefix}${r.type}::${formerName}`);
        }
      }
    });
  }

  for (const stack of STACKS) {
    it(`${stack}: Kueue queues and team namespaces`, () => {
      const plan = plans.get(stack)!;
      const cqs = plan.resources.filter((r) => r.type === "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue");
      const lqs = plan.resources.filter((r) => r.type === "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue");
      expect(cqs.length).toBeGreaterThan(0);
      expect(lqs).toHaveLength(cqs.length);
      const teamNamespaces = plan.outputs["teamNamespaces"] as Record<string, string>;
      expect(Object.keys(teamNamespaces).length).toBe(cqs.length);
      for (const q of lqs) {
        expect(Object.values(teamNamespaces)).toContain(
          (q.inputs["metadata"] as { namespace: string }).namespace,
        );
      }
    });
  }
});

describe("nothing deployed moves: each stack plans the resources and physical names of its baseline", () => {
  it("every stack file is shipped and has a baseline (test/fixtures/baseline, `npm run baseline`)", () => {
    const stackFiles = fs
      .readdirSync(path.join(__dirname, "..", "stacks"))
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s) => s !== undefined);
    expect(stackFiles.sort()).toEqual([...STACKS].sort());
    expect(fs.readdirSync(BASELINE_DIR).sort()).toEqual(STACKS.map((s) => `${s}.json`).sort());
  });

  for (const stack of STACKS) {
    it(`${stack}: the same resources (state URNs, or aliases of them) and physical names`, () => {
      const baseline = readBaseline(stack);
      expect(baseline.stack).toBe(stack);
      expect(baseline.urns.length).toBeGreaterThan(0);
      const diff = compareWithBaseline(baseline, plans.get(stack)!);
      expect(diff, describeBaselineDiff(stack, diff)).toEqual(NO_DIFFERENCE);
    });
  }
});

describe("stacks of one program in one account/project share no physical name", () => {
  // The same stack file planned under a second stack name: every explicitly named resource of
  // the stack exists twice, as it would for a second stack (or a developer's own) in one account.
  const copies = new Map<string, Plan>();
  beforeAll(async () => {
    for (const stack of ["aws-prod", "gcp-prod"]) {
      const file = path.join(tmp, `${stack}-copy.json`);
      const run = await cli([
        "--stack",
        `${stack}-copy`,
        "--stack-file",
        path.join(__dirname, "..", "stacks", `Pulumi.${stack}.yaml`),
        "--out",
        file,
        "--quiet",
      ]);
      expect(run.err).toBe("");
      copies.set(stack, JSON.parse(fs.readFileSync(file, "utf8")) as Plan);
    }
  }, 120_000);

  it("finds the explicitly named cloud resources (names with the stack in them)", () => {
    const names = (stack: string) =>
      accountScopedPhysicalNames(plans.get(stack)!).map((u) => `${u.type} ${u.key}=${u.value}`);
    expect(names("aws-prod").sort()).toEqual([
      "aws:cloudwatch/logGroup:LogGroup name=/aws/eks/gpu-cluster-aws-prod/cluster",
      "aws:eks/cluster:Cluster name=gpu-cluster-aws-prod",
      "aws:elasticache/replicationGroup:ReplicationGroup finalSnapshotIdentifier=feature-store-aws-prod-online-valkey-final",
      "aws:kms/alias:Alias name=alias/feature-store-aws-prod-data",
      "aws:kms/alias:Alias name=alias/gpu-cluster-aws-prod-eks-secrets",
      "aws:kms/alias:Alias name=alias/model-registry-aws-prod-data",
      "aws:kms/alias:Alias name=alias/monitoring-aws-prod-metrics",
      "aws:kms/alias:Alias name=alias/retraining-aws-prod-drift-reports",
      "aws:kms/alias:Alias name=alias/serving-aws-prod-payload-logs",
      "aws:rds/instance:Instance finalSnapshotIdentifier=feature-store-aws-prod-registry-postgres-final",
      "aws:rds/instance:Instance finalSnapshotIdentifier=model-registry-aws-prod-db-postgres-final",
      "aws:sqs/queue:Queue name=gpu-cluster-aws-prod-karpenter",
    ]);
    expect(names("gcp-prod").sort()).toEqual([
      "gcp:container/cluster:Cluster name=gpu-cluster-gcp-prod",
      "gcp:serviceaccount/account:Account accountId=feature-store-gcp-prod-server",
      "gcp:serviceaccount/account:Account accountId=gpu-cluster-gcp-prod-gke-nodes",
      "gcp:serviceaccount/account:Account accountId=model-registry-gcp-prod-server",
      // "monitoring-gcp-prod-metrics-query" is over 30 characters: cut, with a hash of the whole.
      "gcp:serviceaccount/account:Account accountId=monitoring-gcp-prod-met-8c46e8",
      "gcp:serviceaccount/account:Account accountId=retraining-gcp-prod-drift",
      // "retraining-gcp-prod-training-applied": cut, with a hash of the whole.
      "gcp:serviceaccount/account:Account accountId=retraining-gcp-prod-tra-f149ec",
      "gcp:serviceaccount/account:Account accountId=retraining-gcp-prod-workflow",
      "gcp:serviceaccount/account:Account accountId=serving-gcp-prod-payload-sink",
      "gcp:serviceaccount/account:Account accountId=serving-gcp-prod-recommender",
    ]);
  });

  for (const [a, b] of [
    ["aws-dev", "aws-prod"],
    ["gcp-dev", "gcp-prod"],
  ] as const) {
    it(`${a} and ${b}`, () => {
      expect(accountScopedPhysicalNames(plans.get(a)!).length).toBeGreaterThan(0);
      expect(sharedPhysicalNames(plans.get(a)!, plans.get(b)!)).toEqual([]);
    });
  }

  it("mlops:cluster.clusterName names the cluster as given (e.g. to keep the names of an existing deployment)", async () => {
    const doc = parseYaml(
      fs.readFileSync(path.join(__dirname, "..", "stacks", "Pulumi.aws-dev.yaml"), "utf8"),
    ) as { config: Record<string, unknown> };
    const cluster = doc.config["mlops:cluster"] as Record<string, unknown>;
    const file = path.join(tmp, "Pulumi.named.yaml");
    fs.writeFileSync(
      file,
      JSON.stringify({
        config: { ...doc.config, "mlops:cluster": { ...cluster, clusterName: "gpu-cluster" } },
      }),
    );
    const out = path.join(tmp, "named.json");
    const run = await cli(["--stack", "named", "--stack-file", file, "--out", out, "--quiet"]);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    const plan = JSON.parse(fs.readFileSync(out, "utf8")) as Plan;
    expect(
      accountScopedPhysicalNames(plan)
        .filter((u) => u.resource.startsWith("gpu-cluster-"))
        .map((u) => u.value)
        .sort(),
    ).toEqual([
      "/aws/eks/gpu-cluster/cluster",
      "alias/gpu-cluster-eks-secrets",
      "gpu-cluster",
      "gpu-cluster-karpenter",
    ]);
    expect(plan.outputs["clusterName"]).toBe("gpu-cluster");
  }, 120_000);

  for (const stack of ["aws-prod", "gcp-prod"]) {
    it(`${stack} and the same program as stack ${stack}-copy`, () => {
      const copy = copies.get(stack)!;
      expect(accountScopedPhysicalNames(copy)).toHaveLength(
        accountScopedPhysicalNames(plans.get(stack)!).length,
      );
      expect(sharedPhysicalNames(plans.get(stack)!, copy)).toEqual([]);
    });
  }
});

describe("bad stack config is rejected with exit 2, naming every key", () => {
  function stackFile(name: string, config: Record<string, unknown>): string {
    const file = path.join(tmp, `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, JSON.stringify({ config }));
    return file;
  }
  const base = {
    "mlops:target": "local",
    "mlops:environment": "dev",
    "mlops:tags": { owner: "a", "cost-center": "b", "data-classification": "internal" },
  };
  /** What parseStackConfig reports for a local dev stack with `config` added (none: []). */
  const localProblems = (config: Record<string, string>): string[] => {
    try {
      parseStackConfig({
        "mlops:target": "local",
        "mlops:environment": "dev",
        "mlops:tags": JSON.stringify(base["mlops:tags"]),
        ...config,
      });
      return [];
    } catch (err) {
      return (err as StackConfigError).problems;
    }
  };

  it("lists each problem as <key path>: <what is wrong>", async () => {
    const file = stackFile("broken", {
      ...base,
      "mlops:environment": "production",
      "mlops:colour": "blue",
      "mlops:modelRegistry": { replicas: "two", databse: {} },
      "mlops:tags": { owner: "a" },
    });
    const run = await cli(["--stack", "broken", "--stack-file", file, "--quiet"]);
    expect(run.code).toBe(2);
    expect(run.out).toBe("");
    expect(run.err).toContain('mlops:environment: must be one of "dev", "staging", "prod"');
    expect(run.err).toContain("mlops:colour: unknown key");
    expect(run.err).toContain("mlops:modelRegistry.databse: unknown key");
    expect(run.err).toMatch(/mlops:modelRegistry\.replicas: must be a number, got string/);
    expect(run.err).toContain("mlops:tags.cost-center: required");
    expect(run.err).not.toMatch(/\s+at .*\.ts:\d+/); // no stack trace
  });

  it("rejects combinations that make no sense", async () => {
    const file = stackFile("combo", {
      ...base,
      "mlops:target": "aws",
      "mlops:environment": "prod",
      "mlops:gcp": { project: "p", region: "r", network: "n" },
      "mlops:cluster": { existing: { context: "eks-prod" }, aws: { availabilityZoneCount: 2 } },
      "mlops:modelRegistry": { replicas: 1, ingress: { enabled: true, host: "m.example.com" } },
    });
    const run = await cli(["--stack", "combo", "--stack-file", file]);
    expect(run.code).toBe(2);
    expect(run.err).toContain('mlops:aws: required when target is "aws"');
    expect(run.err).toContain('mlops:gcp: only used when target is "gcp"; remove it');
    expect(run.err).toContain("mlops:modelRegistry.replicas: must be at least 2 in prod");
    expect(run.err).toContain('mlops:modelRegistry.ingress.certificateArn: required for IngressClass "alb"');
    expect(run.err).toContain('aws:region: required when mlops:target is "aws"');
    expect(run.err).toContain(
      "mlops:cluster.existing: adopts a cluster: remove the aws/gcp cluster settings",
    );
    expect(run.err.split("\n").length).toBe(new Set(run.err.split("\n")).size); // each problem once
  });

  it("checks the cluster against the environment before anything is registered", async () => {
    const file = stackFile("cluster", {
      ...base,
      "mlops:target": "aws",
      "mlops:environment": "prod",
      "aws:region": "us-east-1",
      "mlops:cluster": {
        aws: { endpointPublicAccessCidrs: ["0.0.0.0/0"] },
        gpuPools: [{ name: "a", gpuType: "nvidia-t4", maxGpus: 0 }],
        teams: [{ name: "x", gpuQuota: -1, cpuQuota: "1", memoryQuota: "1Gi" }],
      },
    });
    const run = await cli(["--stack", "cluster", "--stack-file", file]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(
      /mlops:cluster\.aws\.endpointPublicAccessCidrs\[0\]: "0\.0\.0\.0\/0" opens the Kubernetes API/,
    );
    expect(run.err).toMatch(/mlops:cluster\.gpuPools\[0\]\.gpuType: must be one of/);
    expect(run.err).toMatch(/mlops:cluster\.gpuPools\[0\]\.maxGpus: must be at least 1/);
    expect(run.err).toMatch(/mlops:cluster\.teams\[0\]\.gpuQuota: /);

    // Once the fields are valid, the rules that depend on the environment and on other keys.
    const file2 = stackFile("cluster2", {
      ...base,
      "mlops:target": "aws",
      "mlops:environment": "prod",
      "aws:region": "us-east-1",
      "mlops:aws": aws,
      "mlops:cluster": { aws: { availabilityZoneCount: 2, natGateways: "single" } },
    });
    const run2 = await cli(["--stack", "cluster2", "--stack-file", file2]);
    expect(run2.code).toBe(2);
    expect(run2.err).toContain("mlops:aws: comes from the cluster this stack creates");
    expect(run2.err).toContain("mlops:cluster.aws.availabilityZoneCount: must be 3 in prod");
    expect(run2.err).toContain('mlops:cluster.aws.natGateways: must be "perAz" in prod');
  });

  it("an adopted EKS cluster: mlops:aws goes into its existing block, and the registry gets it from the cluster's handle", async () => {
    const file = stackFile("adopted-eks", {
      ...base,
      "mlops:target": "aws",
      "aws:region": "us-east-1",
      "mlops:aws": aws,
      "mlops:cluster": { existing: { context: "eks" } },
    });
    const out = path.join(tmp, "adopted-eks.json");
    const run = await cli(["--stack", "adopted-eks", "--stack-file", file, "--out", out, "--quiet"]);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    const plan = JSON.parse(fs.readFileSync(out, "utf8")) as Plan;
    expect(one(plan, "aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"]).toEqual([
      "subnet-1",
      "subnet-2",
    ]);
    expect(
      one(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "model-registry-server-pod-identity")
        .inputs["clusterName"],
    ).toBe("eks");

    // Given in both places, or in neither, the stack says which key to fix.
    const twice = stackFile("adopted-eks-twice", {
      ...base,
      "mlops:target": "aws",
      "aws:region": "us-east-1",
      "mlops:aws": aws,
      "mlops:cluster": { existing: { context: "eks", aws } },
    });
    const run2 = await cli(["--stack", "adopted-eks-twice", "--stack-file", twice]);
    expect(run2.code).toBe(2);
    expect(run2.err).toContain("mlops:aws: given twice: remove it or mlops:cluster.existing.aws");
  }, 60_000);

  it("checks mlops:cluster.clusterName: the GKE/EKS name rules, and only for a cluster the stack creates", () => {
    // Every call names its target (it overrides localProblems' "local").
    const problems = localProblems;
    expect(
      problems({
        "mlops:target": "aws",
        "aws:region": "us-east-1",
        "mlops:cluster": JSON.stringify({
          clusterName: "ml-eks",
          aws: { endpointPublicAccessCidrs: ["203.0.113.0/24"] },
        }),
      }),
    ).toEqual([]);
    expect(
      problems({
        "mlops:target": "aws",
        "aws:region": "us-east-1",
        "mlops:cluster": JSON.stringify({
          clusterName: "ML-EKS-",
          aws: { endpointPublicAccessCidrs: ["203.0.113.0/24"] },
        }),
      }),
    ).toEqual([
      expect.stringMatching(/^mlops:cluster\.clusterName: must be a lowercase letter, then up to 39/),
    ]);
    expect(
      problems({ "mlops:target": "local", "mlops:cluster": JSON.stringify({ clusterName: "kind" }) }),
    ).toEqual([
      'mlops:cluster.clusterName: names a cluster this component creates; target "local" adopts one (use existing.clusterName)',
    ]);
  });

  it("mlops:monitoring turns the cluster's monitoring on and resolves with the Monitoring's own rules", () => {
    const parse = (config: Record<string, string>) =>
      parseStackConfig({
        "mlops:environment": "prod",
        "mlops:tags": JSON.stringify(base["mlops:tags"]),
        ...config,
      });
    const problems = (config: Record<string, string>): string[] => {
      try {
        parse(config);
        return [];
      } catch (err) {
        return (err as StackConfigError).problems;
      }
    };
    const gcp = {
      "mlops:target": "gcp",
      "gcp:project": "acme-ml-prod",
      "gcp:region": "europe-west4",
      "mlops:cluster": JSON.stringify({
        gcp: { project: "acme-ml-prod", region: "europe-west4", privateEndpoint: true },
      }),
    };
    // Absent: no monitoring anywhere.
    const off = parse({ "mlops:target": "local" });
    expect(off.resolved.monitoring).toBeUndefined();
    expect(off.resolved.clusterArgs.monitoring).toBeUndefined();
    // Present: the cluster scrapes with the prometheus-operator; managed on gcp with GMP.
    const local = parse({ "mlops:target": "local", "mlops:monitoring": "{}" });
    expect(local.resolved.clusterArgs.monitoring).toEqual({ enabled: true, backend: "prometheusOperator" });
    expect(local.resolved.monitoring).toMatchObject({
      mode: "selfHosted",
      backend: "prometheusOperator",
      prometheus: { retention: "30d", storageGb: 100, retentionSize: "85GiB", replicas: 2 },
    });
    const managed = parse({ ...gcp, "mlops:monitoring": JSON.stringify({ mode: "managed" }) });
    expect(managed.resolved.clusterArgs.monitoring).toEqual({ enabled: true, backend: "gmp" });
    expect(managed.resolved.monitoring?.backend).toBe("gmp");
    // The component's messages, under the config key.
    expect(
      problems({ "mlops:target": "local", "mlops:monitoring": JSON.stringify({ mode: "managed" }) }),
    ).toEqual([
      'mlops:monitoring.mode: "managed" needs a cloud\'s managed Prometheus: target "aws" or "gcp"; use "selfHosted" on target "local"',
    ]);
    expect(
      problems({
        "mlops:target": "local",
        "mlops:monitoring": JSON.stringify({
          prometheus: { retention: "soon" },
          colour: "blue",
        }),
      }),
    ).toEqual([
      "mlops:monitoring.colour: unknown key; remove it or check the spelling",
      'mlops:monitoring.prometheus.retention: must be a Prometheus duration such as "15d", "12h" or "2w"',
    ]);
    // Cross-field rules run once the fields are valid.
    expect(
      problems({
        "mlops:target": "local",
        "mlops:monitoring": JSON.stringify({
          values: { grafana: { "grafana.ini": { "auth.anonymous": { enabled: true } } } },
        }),
      }),
    ).toEqual([
      "mlops:monitoring.values.grafana.grafana.ini.auth.anonymous: is set by the component (a security or monitor-selection default it guarantees); remove it",
    ]);
    expect(
      problems({
        "mlops:target": "local",
        "mlops:cluster": JSON.stringify({ monitoring: { enabled: true } }),
        "mlops:monitoring": "{}",
      }),
    ).toEqual([
      "mlops:cluster.monitoring: is set from mlops:monitoring (the stack turns the cluster's monitoring on for it); remove it",
    ]);
  });

  it("mlops:serving resolves with the ModelServing's own rules, the cluster's GPU pools and the stack's Prometheus", () => {
    const problems = localProblems;
    const model = { name: "recommender", storageUri: "models/recommender/1" };
    const concurrency = { ...model, autoscaling: { metric: "concurrency", scaleToZero: true } };
    const serving = (models: unknown[]) => JSON.stringify({ models });
    // The in-cluster Prometheus of mlops:monitoring serves KEDA's trigger.
    const ok = parseStackConfig({
      "mlops:target": "local",
      "mlops:environment": "dev",
      "mlops:tags": JSON.stringify(base["mlops:tags"]),
      "mlops:monitoring": "{}",
      "mlops:serving": serving([concurrency]),
    });
    expect(ok.resolved.serving?.models[0]).toMatchObject({
      name: "recommender",
      autoscaling: { metric: "concurrency", minReplicas: 0 },
    });
    // Without monitoring KEDA has nothing to query; bad values are named under the key.
    expect(problems({ "mlops:serving": serving([concurrency]) }).join("\n")).toMatch(
      /^mlops:serving\.models\[0\]\.autoscaling\.metric: /m,
    );
    expect(
      problems({
        "mlops:serving": serving([
          { ...model, name: "Recommender", canary: { storageUri: "x", percent: 120 } },
        ]),
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^mlops:serving\.models\[0\]\.name: /),
        expect.stringMatching(/^mlops:serving\.models\[0\]\.canary\.percent: /),
      ]),
    );
    expect(problems({ "mlops:serving": serving([{ ...model, gpu: { type: "h100" } }]) })).toEqual([
      expect.stringMatching(/^mlops:serving\.models\[0\]\.gpu\.type: /),
    ]);
    expect(problems({ "mlops:serving": JSON.stringify({ models: [model], artifactStore: {} }) })).toEqual([
      "mlops:serving.artifactStore: unknown key; remove it or check the spelling",
    ]);
  });

  it("mlops:retraining resolves with the RetrainingLoop's own rules and needs what the stack wires to it", () => {
    const problems = localProblems;
    const model = {
      name: "recommender",
      version: "1",
      servingNamespace: "serving",
      payloadLogPath: "payload-logs/recommender/",
      referenceDataPath: "reference/recommender/",
      gate: { holdoutPath: "holdout/recommender/", labelColumn: "purchased" },
      training: { team: "research", image: "ghcr.io/acme/train:1.0.0", command: ["python", "train.py"] },
    };
    const all = {
      "mlops:cluster": JSON.stringify({
        existing: { context: "kind" },
        teams: [{ name: "research", gpuQuota: 0, cpuQuota: "8", memoryQuota: "32Gi" }],
      }),
      "mlops:monitoring": "{}",
      "mlops:featureStore": JSON.stringify({
        project: "shop",
        repository: { git: { url: "https://github.com/acme/f.git", ref: "v1" } },
      }),
      "mlops:serving": JSON.stringify({
        models: [{ name: "recommender", storageUri: "models/recommender/1", logging: {} }],
      }),
    };
    const retraining = (models: unknown[], extra: Record<string, unknown> = {}) =>
      JSON.stringify({ models, ...extra });
    expect(problems({ ...all, "mlops:retraining": retraining([model]) })).toEqual([]);
    const ok = parseStackConfig({
      "mlops:target": "local",
      "mlops:environment": "dev",
      "mlops:tags": JSON.stringify(base["mlops:tags"]),
      ...all,
      "mlops:retraining": retraining([model]),
    });
    expect(ok.resolved.retraining).toMatchObject({
      namespace: "mlops-loop",
      jobsImage: undefined,
      trigger: { repeatInterval: "24h", maxPerHour: 1 },
    });
    // The component's own rules, under the key.
    expect(
      problems({ ...all, "mlops:retraining": retraining([model], { trigger: { repeatInterval: "1h" } }) }),
    ).toEqual([
      "mlops:retraining.trigger.repeatInterval: must be at least a day (24h): a firing drift alert must not resubmit retraining more often",
    ]);
    expect(problems({ ...all, "mlops:retraining": retraining([model], { stores: {} }) })).toEqual([
      "mlops:retraining.stores: unknown key; remove it or check the spelling",
    ]);
    // What the stack wires: the services and stores, the served model, the team.
    expect(problems({ "mlops:retraining": retraining([model]) })).toEqual([
      "mlops:retraining: needs mlops:monitoring (with the Pushgateway: the drift job pushes its gauges there, Alertmanager calls the loop)",
      "mlops:retraining: needs mlops:featureStore (its offline store holds the reference data)",
      "mlops:retraining: needs mlops:serving (its payload sink writes the models' payload logs)",
      "mlops:retraining.models[0].training.team: must be the namespace of a team of mlops:cluster.teams (none)",
    ]);
    expect(
      problems({
        ...all,
        "mlops:serving": JSON.stringify({
          models: [{ name: "recommender", storageUri: "models/recommender/1" }],
        }),
        "mlops:retraining": retraining([
          { ...model, servingNamespace: "models", training: { ...model.training, team: "search" } },
        ]),
      }),
    ).toEqual([
      "mlops:retraining.models[0].name: must be a model of mlops:serving that logs to the payload sink (logging: {}): its payload logs are the drift job's current data",
      'mlops:retraining.models[0].servingNamespace: must be mlops:serving\'s namespace "serving"',
      'mlops:retraining.models[0].training.team: must be the namespace of a team of mlops:cluster.teams ("research")',
    ]);
    // Monitoring's alerting with the loop's receiver: a receiver of the same name clashes.
    expect(
      problems({
        ...all,
        "mlops:monitoring": JSON.stringify({
          alertmanager: {
            receivers: [
              {
                name: "retraining-loop",
                kind: "webhook",
                webhook: { url: "https://x.example.com/h", credentialsSecret: { name: "s", key: "k" } },
              },
            ],
          },
        }),
        "mlops:retraining": retraining([model]),
      }),
    ).toEqual([expect.stringMatching(/^mlops:monitoring\.alertmanager\.receivers/)]);
  });

  it("rejects config before any resource is registered", () => {
    let error: unknown;
    try {
      parseStackConfig({ "mlops:target": "nowhere" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StackConfigError);
    expect((error as StackConfigError).problems).toEqual(
      expect.arrayContaining([
        'mlops:target: must be one of "aws", "gcp", "local"',
        'mlops:environment: must be one of "dev", "staging", "prod"',
        "mlops:tags: required (object)",
      ]),
    );
  });

  it("accepts a valid config and returns it typed", () => {
    const cfg = parseStackConfig({
      "mlops:target": "local",
      "mlops:environment": "staging",
      "mlops:tags": JSON.stringify({
        owner: "a",
        "cost-center": "b",
        "data-classification": "restricted",
        team: "x",
      }),
      "mlops:modelRegistry": JSON.stringify({ replicas: 3 }),
    });
    expect(cfg.environment).toBe("staging");
    expect(cfg.modelRegistry?.replicas).toBe(3);
    expect(cfg.tags["team"]).toBe("x");
  });
});
