/**
 * `managedMetrics` on every target under the offline plan engine: the AMP workspace, its key,
 * retention and remote-write identity (both AWS identity modes), the GMP frontend with its Workload
 * Identity on GCP, the `local` error, and the policy pack over what is created (no mandatory
 * violation; the IAM rules do examine the remote-write policy).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { createAdapter } from "../../components/adapters";
import { ScrapeBackend } from "../../components/shared/monitors";
import type {
  AdapterContext,
  AwsTargetArgs,
  CloudAdapter,
  ManagedMetrics,
  ManagedMetricsArgs,
  Target,
  TargetSettings,
} from "../../components/adapters/types";
import { runPolicies } from "../../policies/offline";
import { validateStrict, type ModelClass } from "../schemas/validate";
import { childrenOf, findResource, inputAt, planOf, type Plan, type PlanResource } from "../helpers";
import { Host } from "./fixtures";

const T = {
  key: "aws:kms/key:Key",
  alias: "aws:kms/alias:Alias",
  workspace: "aws:amp/workspace:Workspace",
  workspaceConfig: "aws:amp/workspaceConfiguration:WorkspaceConfiguration",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  pia: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
  gsa: "gcp:serviceaccount/account:Account",
  projectMember: "gcp:projects/iAMMember:IAMMember",
  saMember: "gcp:serviceaccount/iAMMember:IAMMember",
  ksa: "kubernetes:core/v1:ServiceAccount",
  deployment: "kubernetes:apps/v1:Deployment",
  service: "kubernetes:core/v1:Service",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
} as const;

const REGION = "eu-west-1";
const TAGS = {
  owner: "ml-platform",
  "cost-center": "ml-42",
  environment: "prod",
  "data-classification": "internal",
};
const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const NETWORK = {
  vpcId: "vpc-0123",
  vpcCidrBlock: "10.0.0.0/16",
  privateSubnetIds: ["subnet-a", "subnet-b"],
  nodeSecurityGroupId: "sg-nodes",
};
const IRSA: AwsTargetArgs = {
  ...NETWORK,
  identityMode: "irsa",
  oidcProviderArn: `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`,
  oidcProviderUrl: `https://${ISSUER}`,
};
const POD_IDENTITY: AwsTargetArgs = { ...NETWORK, identityMode: "podIdentity", clusterName: "ml-cluster" };
const GCP_SETTINGS: TargetSettings = {
  gcp: { project: "acme-ml", region: "europe-west4", network: "projects/acme-ml/global/networks/gke" },
};
const GRAFANA = { "app.kubernetes.io/name": "grafana" };

const ARGS: ManagedMetricsArgs = {
  prometheusServiceAccountName: "kps-prometheus",
  queryServiceAccountName: "gmp-frontend",
  queryClientPodLabels: GRAFANA,
  retentionDays: 400,
  labels: { "app.kubernetes.io/part-of": "pulumi-mlops" },
};

function context(): AdapterContext {
  return {
    parent: new Host("mon"),
    name: "mon",
    k8sProvider: new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n" }),
    namespace: "monitoring",
    tags: TAGS,
    protect: true,
    dependsOn: [],
  };
}

/** The ManagedMetrics fields a plan can show (outputs resolved, resources as URNs). */
function exported(m: ManagedMetrics): Record<string, unknown> {
  return {
    scrapeBackend: m.scrapeBackend,
    remoteWrite: m.remoteWrite,
    annotations: m.prometheusServiceAccountAnnotations,
    queryUrl: m.queryUrl ?? "none",
    egress: m.egress,
    endpoint: m.endpoint,
    retentionDays: m.retentionDays,
    resources: m.resources.map((r) => (r as pulumi.CustomResource).urn),
  };
}

/** Plans one adapter's `managedMetrics("metrics", args)`; `withKey` passes the adapter's data key. */
function program(target: Target, settings: TargetSettings, args: ManagedMetricsArgs, withKey = false) {
  return () => {
    const adapter: CloudAdapter = createAdapter(target, context(), settings);
    const key = withKey ? adapter.encryptionKey("data") : undefined;
    return { ...exported(adapter.managedMetrics("metrics", { ...args, key })), keyArn: key?.keyId };
  };
}

const config = { "aws:region": REGION };

function hostChildren(p: Plan): string[] {
  const host = findResource(p, "test:index:Host", "mon");
  return childrenOf(p, host.urn)
    .map((r) => `${r.type} ${r.name}`)
    .sort();
}

function json(resource: PlanResource, key: string): unknown {
  const value = resource.inputs[key];
  expect(typeof value).toBe("string");
  return JSON.parse(value as string);
}

function urnOf(p: Plan, type: string, name: string): string {
  return findResource(p, type, name).urn;
}

/** Mandatory violations of the whole pack (prod) on the plan's resources. */
function mandatoryViolations(p: Plan): string[] {
  return runPolicies({ stack: "test", project: "mlops", resources: p.resources }, { environment: "prod" })
    .filter((v) => v.enforcementLevel === "mandatory")
    .map((v) => `${v.policyName}: ${v.message}`);
}

describe("managedMetrics on aws, Pod Identity, adapter-created key", () => {
  let plan: Plan;
  const get = async () => (plan ??= await planOf(program("aws", { aws: POD_IDENTITY }, ARGS), { config }));

  it("creates exactly the key, the workspace, its configuration and the remote-write identity (no ServiceAccount)", async () => {
    const p = await get();
    expect(hostChildren(p)).toEqual(
      [
        `${T.key} mon-metrics-key`,
        `${T.alias} mon-metrics-key-alias`,
        `${T.workspace} mon-metrics-workspace`,
        `${T.workspaceConfig} mon-metrics-workspace-config`,
        `${T.role} mon-metrics-remote-write-role`,
        `${T.rolePolicy} mon-metrics-remote-write-role-policy`,
        `${T.pia} mon-metrics-remote-write-pod-identity`,
      ].sort(),
    );
    // The chart creates the Prometheus ServiceAccount: the adapter creates no Kubernetes object.
    expect(p.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.name)).toEqual([]);
  });

  it("encrypts the workspace with the customer-managed key and protects it", async () => {
    const p = await get();
    const key = findResource(p, T.key, "mon-metrics-key");
    const workspace = findResource(p, T.workspace, "mon-metrics-workspace");
    expect(workspace.inputs["kmsKeyArn"]).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
    expect(workspace.inputs).toEqual({ kmsKeyArn: workspace.inputs["kmsKeyArn"], tags: TAGS });
    expect(workspace.dependencies).toContain(key.urn);
    expect([workspace.protect, workspace.retainOnDelete]).toEqual([true, true]);
    expect(findResource(p, T.workspaceConfig).inputs).toEqual({
      workspaceId: "mon-metrics-workspace-id",
      retentionPeriodInDays: 400,
    });
  });

  it("allows only aps:RemoteWrite on the workspace ARN, to the Prometheus ServiceAccount only", async () => {
    const p = await get();
    const arn = p.outputs["endpoint"] as string;
    expect(arn).toMatch(/^arn:aws:aps:eu-west-1:123456789012:workspace\/ws-[0-9a-f-]{36}$/);
    expect(json(findResource(p, T.rolePolicy), "policy")).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "RemoteWrite", Effect: "Allow", Action: ["aps:RemoteWrite"], Resource: [arn] }],
    });
    expect(json(findResource(p, T.role), "assumeRolePolicy")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "EksPodIdentityServiceAccount",
          Effect: "Allow",
          Principal: { Service: "pods.eks.amazonaws.com" },
          Action: ["sts:AssumeRole", "sts:TagSession"],
          Condition: {
            StringEquals: {
              "aws:RequestTag/eks-cluster-name": "ml-cluster",
              "aws:RequestTag/kubernetes-namespace": "monitoring",
              "aws:RequestTag/kubernetes-service-account": "kps-prometheus",
            },
          },
        },
      ],
    });
    expect(findResource(p, T.pia).inputs).toEqual({
      clusterName: "ml-cluster",
      namespace: "monitoring",
      serviceAccount: "kps-prometheus",
      roleArn: "arn:aws:iam::123456789012:role/mon-metrics-remote-write-role",
      tags: TAGS,
    });
  });

  it("returns remote-write with SigV4, no annotations, the Pod Identity egress and what Prometheus waits for", async () => {
    const p = await get();
    const arn = p.outputs["endpoint"] as string;
    const id = arn.split("/")[1]!;
    expect(p.outputs).toMatchObject({
      scrapeBackend: ScrapeBackend.prometheusOperator,
      remoteWrite: [
        {
          url: `https://aps-workspaces.${REGION}.amazonaws.com/workspaces/${id}/api/v1/remote_write`,
          sigv4: { region: REGION },
          queueConfig: { capacity: 2500, maxSamplesPerSend: 1000, maxShards: 200 },
        },
      ],
      annotations: {},
      queryUrl: "none",
      retentionDays: 400,
      egress: [
        {
          to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }],
          ports: [{ protocol: "TCP", port: 443 }],
        },
        { to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
      ],
      resources: [
        urnOf(p, T.workspace, "mon-metrics-workspace"),
        urnOf(p, T.workspaceConfig, "mon-metrics-workspace-config"),
        urnOf(p, T.rolePolicy, "mon-metrics-remote-write-role-policy"),
        urnOf(p, T.pia, "mon-metrics-remote-write-pod-identity"),
      ],
    });
  });

  it("passes the policy pack (prod): no mandatory violation", async () => {
    expect(mandatoryViolations(await get())).toEqual([]);
  });

  it('the IAM rules examine the remote-write policy: the managed policy\'s Resource "*" is reported', async () => {
    const p = await get();
    const widened = p.resources.map((r) =>
      r.type === T.rolePolicy
        ? {
            ...r,
            inputs: {
              ...r.inputs,
              policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: "aps:RemoteWrite", Resource: "*" }],
              }),
            },
          }
        : r,
    );
    const names = runPolicies(
      { stack: "test", project: "mlops", resources: widened },
      { environment: "prod" },
    )
      .filter((v) => v.urn === urnOf(p, T.rolePolicy, "mon-metrics-remote-write-role-policy"))
      .map((v) => v.policyName);
    expect(names).toContain("aws-iam-no-wildcard-resource");
  });
});

describe("managedMetrics on aws, IRSA, the component's key", () => {
  let plan: Plan;
  const get = async () => (plan ??= await planOf(program("aws", { aws: IRSA }, ARGS, true), { config }));

  it("uses the given key (creates none), annotates the Prometheus ServiceAccount and creates no association", async () => {
    const p = await get();
    expect(hostChildren(p)).toEqual(
      [
        `${T.key} mon-data-key`,
        `${T.alias} mon-data-key-alias`,
        `${T.workspace} mon-metrics-workspace`,
        `${T.workspaceConfig} mon-metrics-workspace-config`,
        `${T.role} mon-metrics-remote-write-role`,
        `${T.rolePolicy} mon-metrics-remote-write-role-policy`,
      ].sort(),
    );
    expect(findResource(p, T.workspace).inputs["kmsKeyArn"]).toBe(p.outputs["keyArn"]);
    expect(p.outputs["annotations"]).toEqual({
      "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/mon-metrics-remote-write-role",
    });
    expect(p.outputs["egress"]).toEqual([
      {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }],
        ports: [{ protocol: "TCP", port: 443 }],
      },
    ]);
  });

  it("trusts exactly the Prometheus ServiceAccount through the cluster's OIDC provider", async () => {
    const p = await get();
    const trust = json(findResource(p, T.role), "assumeRolePolicy") as {
      Statement: { Condition: { StringEquals: Record<string, string> } }[];
    };
    expect(trust.Statement[0]!.Condition.StringEquals).toEqual({
      [`${ISSUER}:sub`]: "system:serviceaccount:monitoring:kps-prometheus",
      [`${ISSUER}:aud`]: "sts.amazonaws.com",
    });
  });

  it("passes the policy pack (prod): no mandatory violation", async () => {
    expect(mandatoryViolations(await get())).toEqual([]);
  });
});

describe("managedMetrics on aws: retention AMP cannot honour", () => {
  for (const days of [0, 1096, 30.5]) {
    it(`rejects retentionDays ${days}`, async () => {
      await expect(
        planOf(program("aws", { aws: POD_IDENTITY }, { ...ARGS, retentionDays: days }), { config }),
      ).rejects.toThrow(
        `managedMetrics("metrics"): retentionDays: ${days} is not an integer from 1 to 1095 (Amazon Managed Service for Prometheus retention)`,
      );
    });
  }
});

describe("managedMetrics on gcp: the GMP frontend", () => {
  let plan: Plan;
  const get = async () =>
    (plan ??= await planOf(program("gcp", GCP_SETTINGS, { ...ARGS, retentionDays: 90 })));

  it("creates exactly the frontend's Workload Identity and the frontend's objects", async () => {
    const p = await get();
    expect(hostChildren(p)).toEqual(
      [
        `${T.gsa} mon-metrics-query-gsa`,
        `${T.projectMember} mon-metrics-query-monitoring-viewer-member`,
        `${T.saMember} mon-metrics-query-wi-member`,
        `${T.ksa} mon-metrics-query-serviceaccount`,
        `${T.deployment} mon-metrics-frontend`,
        `${T.service} mon-metrics-frontend-service`,
        `${T.networkPolicy} mon-metrics-frontend-network-policy`,
        `${T.pdb} mon-metrics-frontend-pdb`,
      ].sort(),
    );
    for (const type of [T.deployment, T.service, T.networkPolicy, T.pdb]) {
      expect(inputAt(findResource(p, type), "metadata"), type).toEqual({
        name: "mon-metrics-frontend",
        namespace: "monitoring",
        labels: {
          ...TAGS,
          "app.kubernetes.io/part-of": "pulumi-mlops",
          "app.kubernetes.io/name": "gmp-frontend",
          "app.kubernetes.io/instance": "mon-metrics",
        },
      });
    }
  });

  it("grants roles/monitoring.viewer on the project to a Google account only the frontend's ServiceAccount can use", async () => {
    const p = await get();
    const email = `${findResource(p, T.gsa).inputs["accountId"] as string}@acme-ml.iam.gserviceaccount.com`;
    expect(findResource(p, T.projectMember).inputs).toEqual({
      project: "acme-ml",
      role: "roles/monitoring.viewer",
      member: `serviceAccount:${email}`,
    });
    expect(findResource(p, T.saMember).inputs).toMatchObject({
      role: "roles/iam.workloadIdentityUser",
      member: "serviceAccount:acme-ml.svc.id.goog[monitoring/gmp-frontend]",
    });
    const ksa = findResource(p, T.ksa);
    expect(inputAt(ksa, "metadata")).toMatchObject({
      name: "gmp-frontend",
      namespace: "monitoring",
      annotations: { "iam.gke.io/gcp-service-account": email },
    });
    expect(ksa.inputs["automountServiceAccountToken"]).toBe(false);
    // The ServiceAccount, and so the frontend, waits for the grants.
    expect(ksa.dependencies).toEqual(
      expect.arrayContaining([urnOf(p, T.projectMember, "mon-metrics-query-monitoring-viewer-member")]),
    );
  });

  it("runs the pinned frontend hardened: restricted security contexts, requests and limits, the project flag", async () => {
    const p = await get();
    const d = findResource(p, T.deployment);
    expect(inputAt(d, "spec.replicas")).toBe(2);
    expect(inputAt(d, "spec.template.spec.serviceAccountName")).toBe("gmp-frontend");
    expect(inputAt(d, "spec.template.spec.automountServiceAccountToken")).toBe(false);
    expect(inputAt(d, "spec.template.spec.securityContext")).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(inputAt(d, "spec.template.spec.containers[0]")).toMatchObject({
      name: "frontend",
      image: "gke.gcr.io/prometheus-engine/frontend:v0.15.3-gke.0",
      args: ["--web.listen-address=:9090", "--query.project-id=acme-ml"],
      ports: [{ name: "http", containerPort: 9090, protocol: "TCP" }],
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
      securityContext: {
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
    });
    expect(inputAt(d, "spec.template.spec.containers[0].readinessProbe.httpGet")).toEqual({
      path: "/-/ready",
      port: "http",
    });
    expect(inputAt(d, "spec.template.spec.containers[0].livenessProbe.httpGet")).toEqual({
      path: "/-/healthy",
      port: "http",
    });
    // The pods wait for the ServiceAccount, which waits for the IAM grants.
    expect(d.dependencies).toContain(urnOf(p, T.ksa, "mon-metrics-query-serviceaccount"));
    expect(inputAt(findResource(p, T.service), "spec")).toEqual({
      type: "ClusterIP",
      selector: { "app.kubernetes.io/name": "gmp-frontend", "app.kubernetes.io/instance": "mon-metrics" },
      ports: [{ name: "http", port: 9090, targetPort: "http", protocol: "TCP" }],
    });
    expect(inputAt(findResource(p, T.pdb), "spec.minAvailable")).toBe(1);
  });

  it("admits only Grafana's pods and allows egress to DNS, the metadata server, Google APIs and the rule-evaluator", async () => {
    const p = await get();
    const np = findResource(p, T.networkPolicy);
    expect(inputAt(np, "spec.ingress")).toEqual([
      { from: [{ podSelector: { matchLabels: GRAFANA } }], ports: [{ protocol: "TCP", port: 9090 }] },
    ]);
    expect(inputAt(np, "spec.egress")).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          },
        ],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
      {
        to: [{ ipBlock: { cidr: "169.254.169.254/32" } }],
        ports: [
          { protocol: "TCP", port: 80 },
          { protocol: "TCP", port: 988 },
        ],
      },
      { to: [{ ipBlock: { cidr: "169.254.169.252/32" } }], ports: [{ protocol: "TCP", port: 988 }] },
      {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }],
        ports: [{ protocol: "TCP", port: 443 }],
      },
      {
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gmp-system" } } }],
        ports: [{ protocol: "TCP", port: 19092 }],
      },
    ]);
  });

  it("returns the frontend's URL, no remote-write, the project and GMP's fixed retention", async () => {
    const p = await get();
    expect(p.outputs).toMatchObject({
      scrapeBackend: ScrapeBackend.gmp,
      remoteWrite: [],
      annotations: {},
      queryUrl: "http://mon-metrics-frontend.monitoring.svc.cluster.local:9090",
      endpoint: "acme-ml",
      retentionDays: 730,
      resources: [
        urnOf(p, T.deployment, "mon-metrics-frontend"),
        urnOf(p, T.service, "mon-metrics-frontend-service"),
        urnOf(p, T.networkPolicy, "mon-metrics-frontend-network-policy"),
      ],
    });
  });

  it("every Kubernetes object it creates validates strictly against its upstream schema", async () => {
    const p = await get();
    const models: Record<string, ModelClass> = {
      [T.ksa]: ServiceAccount,
      [T.deployment]: Deployment,
      [T.service]: Service,
      [T.networkPolicy]: NetworkPolicy,
      [T.pdb]: PodDisruptionBudget,
    };
    const objects = p.resources.filter((r) => models[r.type] !== undefined);
    expect(objects).toHaveLength(5);
    for (const r of objects) expect(validateStrict(models[r.type]!, r.inputs), r.name).toEqual([]);
  });

  it("the Kubernetes rules examine the frontend: a weakened container is reported", async () => {
    const p = await get();
    const deployment = findResource(p, T.deployment);
    const weakened = structuredClone(deployment.inputs) as {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    const container = weakened.spec.template.spec.containers[0]!;
    container["securityContext"] = {
      ...(container["securityContext"] as object),
      allowPrivilegeEscalation: true,
    };
    delete container["resources"];
    const resources = p.resources.map((r) => (r.urn === deployment.urn ? { ...r, inputs: weakened } : r));
    const names = runPolicies({ stack: "test", project: "mlops", resources }, { environment: "prod" })
      .filter((v) => v.urn === deployment.urn)
      .map((v) => v.policyName)
      .sort();
    expect(names).toEqual(["k8s-container-resources", "k8s-no-privilege-escalation"]);
  });

  it("passes the policy pack (prod): no mandatory violation", async () => {
    expect(mandatoryViolations(await get())).toEqual([]);
  });
});

describe("managedMetrics on local", () => {
  it("throws: managed monitoring is not available, selfHosted is", async () => {
    await expect(planOf(program("local", {}, ARGS))).rejects.toThrow(
      'managedMetrics("metrics"): managed monitoring is not available on target "local"; use monitoring mode "selfHosted" (managed monitoring needs target "aws" or "gcp")',
    );
  });
});
