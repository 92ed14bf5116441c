/**
 * The reusable sub-components RestrictedNamespace and SecureWorkload, planned on their own: exact
 * children and inputs, the provider from the options, every Kubernetes object strictly valid
 * against its upstream schema (kubernetes-models), and bad arguments rejected with a
 * `pulumi.ResourceError` naming the argument before any child is registered.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import {
  RestrictedNamespace,
  SecureWorkload,
  type RestrictedNamespaceArgs,
  type SecureWorkloadArgs,
} from "../components";
import { childrenOf, findResource, inputAt, planOf, type Plan } from "./helpers";
import { validateStrict, type ModelClass } from "./schemas/validate";

const MODELS: Record<string, ModelClass> = {
  "kubernetes:core/v1:Namespace": Namespace,
  "kubernetes:core/v1:Service": Service,
  "kubernetes:core/v1:ServiceAccount": ServiceAccount,
  "kubernetes:apps/v1:Deployment": Deployment,
  "kubernetes:networking.k8s.io/v1:NetworkPolicy": NetworkPolicy,
  "kubernetes:policy/v1:PodDisruptionBudget": PodDisruptionBudget,
};

const DNS_EGRESS = {
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
};

const PSA = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  "pod-security.kubernetes.io/audit": "restricted",
  "pod-security.kubernetes.io/warn": "restricted",
};

function namespacePlan(args: RestrictedNamespaceArgs): Promise<Plan> {
  return planOf(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    new RestrictedNamespace("team", args, { provider });
  });
}

const LABELS = { "app.kubernetes.io/name": "api", "app.kubernetes.io/instance": "api", owner: "ml-platform" };
const SELECTOR = { "app.kubernetes.io/name": "api", "app.kubernetes.io/instance": "api" };
const MINIMAL: SecureWorkloadArgs = {
  namespace: "team",
  labels: LABELS,
  selectorLabels: SELECTOR,
  image: "ghcr.io/acme/api:1.2.3",
  port: 8080,
  resources: { cpuRequest: "100m", memoryRequest: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" },
};

function workloadPlan(overrides: Partial<SecureWorkloadArgs>): Promise<Plan> {
  return planOf(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    new SecureWorkload("api", { ...MINIMAL, ...overrides }, { provider });
  });
}

/** `<type> <name>` of the direct children of the one component of `type`. */
function children(plan: Plan, type: string): string[] {
  const component = findResource(plan, type);
  return childrenOf(plan, component.urn)
    .map((r) => `${r.type} ${r.name}`)
    .sort();
}

/** The error a program fails with (undefined when it succeeds). */
async function failure(plan: () => Promise<Plan>): Promise<Error | undefined> {
  try {
    await plan();
    return undefined;
  } catch (err) {
    return err as Error;
  }
}

describe("RestrictedNamespace", () => {
  it("a documented baseline exception enforces baseline, still audits and warns at restricted, and says why", async () => {
    const reason = "operator pods lack container-level securityContext fields";
    const plan = await namespacePlan({ namespace: "feast", baselineEnforcementReason: reason });
    expect(findResource(plan, "kubernetes:core/v1:Namespace", "team").inputs["metadata"]).toEqual({
      name: "feast",
      labels: { ...PSA, "pod-security.kubernetes.io/enforce": "baseline" },
      annotations: { "mlops.pulumi.com/pod-security-exception": reason },
    });
    await expect(namespacePlan({ namespace: "feast", baselineEnforcementReason: "because" })).rejects.toThrow(
      "args.baselineEnforcementReason: must say why (at least 20 characters)",
    );
  });

  it("registers the namespace with Pod Security restricted, default-deny and DNS egress, on the given provider", async () => {
    const plan = await namespacePlan({ namespace: "vision", labels: { owner: "cv" } });
    expect(children(plan, "mlops:index:RestrictedNamespace")).toEqual([
      "kubernetes:core/v1:Namespace team",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy team-default-deny",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy team-dns-egress",
    ]);
    const provider = findResource(plan, "pulumi:providers:kubernetes", "cluster");
    const ns = findResource(plan, "kubernetes:core/v1:Namespace", "team");
    expect(ns.provider).toContain(provider.urn);
    expect(ns.inputs).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "vision", labels: { owner: "cv", ...PSA } },
    });
    expect(
      findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "team-default-deny").inputs,
    ).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "default-deny-all", namespace: "vision", labels: { owner: "cv" } },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    });
    expect(
      findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "team-dns-egress").inputs,
    ).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-dns-egress", namespace: "vision", labels: { owner: "cv" } },
      spec: { podSelector: {}, policyTypes: ["Egress"], egress: [DNS_EGRESS] },
    });
    for (const r of plan.resources.filter((x) => MODELS[x.type])) {
      expect(validateStrict(MODELS[r.type]!, r.inputs), r.name).toEqual([]);
    }
  });

  it("the Pod Security labels win over the caller's; dnsEgress false leaves DNS to each workload", async () => {
    const plan = await namespacePlan({
      namespace: "vision",
      labels: { "pod-security.kubernetes.io/enforce": "privileged" },
      dnsEgress: false,
    });
    expect(children(plan, "mlops:index:RestrictedNamespace")).toEqual([
      "kubernetes:core/v1:Namespace team",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy team-default-deny",
    ]);
    expect(findResource(plan, "kubernetes:core/v1:Namespace").inputs["metadata"]).toEqual({
      name: "vision",
      labels: PSA,
    });
  });

  it.each([
    [{ namespace: "Vision_1" }, "args.namespace: must be a DNS-1123 label"],
    [{ namespace: "vision", dnsEgres: false } as RestrictedNamespaceArgs, "args.dnsEgres: unknown key"],
    [{} as RestrictedNamespaceArgs, "args.namespace: required"],
  ])("rejects %j with a ResourceError naming the argument", async (args, message) => {
    const err = await failure(() =>
      planOf(() => {
        new RestrictedNamespace("team", args);
      }),
    );
    expect(err).toBeInstanceOf(pulumi.ResourceError);
    expect(err?.message).toContain("invalid arguments for mlops:index:RestrictedNamespace");
    expect(err?.message).toContain(message);
  });
});

describe("SecureWorkload", () => {
  it("registers a ServiceAccount, Deployment, Service and NetworkPolicy meeting Pod Security restricted", async () => {
    const plan = await workloadPlan({});
    expect(children(plan, "mlops:index:SecureWorkload")).toEqual([
      "kubernetes:apps/v1:Deployment api",
      "kubernetes:core/v1:Service api-service",
      "kubernetes:core/v1:ServiceAccount api-sa",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy api-network-policy",
    ]);
    const provider = findResource(plan, "pulumi:providers:kubernetes", "cluster");
    for (const r of childrenOf(plan, findResource(plan, "mlops:index:SecureWorkload").urn)) {
      expect(r.provider, r.name).toContain(provider.urn);
    }
    const metadata = { name: "api", namespace: "team", labels: LABELS };
    expect(findResource(plan, "kubernetes:core/v1:ServiceAccount").inputs).toEqual({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata,
      automountServiceAccountToken: false,
    });
    expect(findResource(plan, "kubernetes:apps/v1:Deployment").inputs).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata,
      spec: {
        replicas: 1,
        selector: { matchLabels: SELECTOR },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels: LABELS },
          spec: {
            serviceAccountName: "api",
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              runAsGroup: 65532,
              fsGroup: 65532,
              fsGroupChangePolicy: "OnRootMismatch",
              seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
              {
                name: "app",
                image: "ghcr.io/acme/api:1.2.3",
                imagePullPolicy: "IfNotPresent",
                ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
                env: [],
                resources: {
                  requests: { cpu: "100m", memory: "128Mi" },
                  limits: { cpu: "500m", memory: "256Mi" },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  privileged: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  capabilities: { drop: ["ALL"] },
                  seccompProfile: { type: "RuntimeDefault" },
                },
                volumeMounts: [],
              },
            ],
            volumes: [],
          },
        },
      },
    });
    expect(findResource(plan, "kubernetes:core/v1:Service").inputs).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata,
      spec: {
        type: "ClusterIP",
        selector: SELECTOR,
        ports: [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }],
      },
    });
    expect(findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata,
      spec: {
        podSelector: { matchLabels: SELECTOR },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: 8080 }] }],
        egress: [DNS_EGRESS],
      },
    });
    for (const r of plan.resources.filter((x) => MODELS[x.type])) {
      expect(validateStrict(MODELS[r.type]!, r.inputs), r.name).toEqual([]);
    }
  });

  it("an existing ServiceAccount, probes, zone spread, a PDB, extra egress and Service annotations", async () => {
    const egress = { to: [{ ipBlock: { cidr: "10.0.0.0/16" } }], ports: [{ protocol: "TCP", port: 5432 }] };
    const plan = await workloadPlan({
      serviceAccountName: "api-identity",
      healthCheckPath: "/health",
      replicas: 2,
      spreadAcrossZones: true,
      podDisruptionBudget: true,
      runAsUser: 1000,
      containerName: "api",
      command: ["api"],
      args: ["serve"],
      env: [
        { name: "A", value: "1" },
        { name: "A", value: "2" },
      ],
      volumes: [{ name: "tmp", emptyDir: { sizeLimit: "1Gi" } }],
      volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
      ingressFrom: [{ namespaceSelector: { matchLabels: { client: "true" } } }],
      egress: [egress, egress],
      serviceAnnotations: { "example.com/target": "ip" },
      networkPolicyName: "api-server",
    });
    expect(children(plan, "mlops:index:SecureWorkload")).toEqual([
      "kubernetes:apps/v1:Deployment api",
      "kubernetes:core/v1:Service api-service",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy api-network-policy",
      "kubernetes:policy/v1:PodDisruptionBudget api-pdb",
    ]);
    const deployment = findResource(plan, "kubernetes:apps/v1:Deployment");
    const pod = (deployment.inputs["spec"] as { template: { spec: Record<string, unknown> } }).template.spec;
    expect(pod["serviceAccountName"]).toBe("api-identity");
    expect(pod["securityContext"]).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
    expect(pod["topologySpreadConstraints"]).toEqual([
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: SELECTOR },
      },
    ]);
    const container = (pod["containers"] as Record<string, unknown>[])[0]!;
    expect(container["name"]).toBe("api");
    expect(container["command"]).toEqual(["api"]);
    expect(container["args"]).toEqual(["serve"]);
    // The first of two variables with one name wins (server-side apply rejects duplicates).
    expect(container["env"]).toEqual([{ name: "A", value: "1" }]);
    expect(container["volumeMounts"]).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    const probe = (periodSeconds: number, failureThreshold: number) => ({
      httpGet: { path: "/health", port: "http" },
      timeoutSeconds: 5,
      periodSeconds,
      failureThreshold,
    });
    expect(container["startupProbe"]).toEqual(probe(10, 30));
    expect(container["readinessProbe"]).toEqual(probe(10, 3));
    expect(container["livenessProbe"]).toEqual(probe(20, 3));
    expect(findResource(plan, "kubernetes:core/v1:Service").inputs["metadata"]).toEqual({
      name: "api",
      namespace: "team",
      labels: LABELS,
      annotations: { "example.com/target": "ip" },
    });
    expect(findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs["spec"]).toEqual({
      podSelector: { matchLabels: SELECTOR },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { client: "true" } } }],
          ports: [{ protocol: "TCP", port: 8080 }],
        },
      ],
      egress: [DNS_EGRESS, egress],
    });
    expect(
      (
        findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs["metadata"] as {
          name: string;
        }
      ).name,
    ).toBe("api-server");
    expect(findResource(plan, "kubernetes:policy/v1:PodDisruptionBudget").inputs).toEqual({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "api", namespace: "team", labels: LABELS },
      spec: { minAvailable: 1, selector: { matchLabels: SELECTOR } },
    });
    for (const r of plan.resources.filter((x) => MODELS[x.type])) {
      expect(validateStrict(MODELS[r.type]!, r.inputs), r.name).toEqual([]);
    }
  });

  it("extraIngress rules follow the port rule, with their own sources and ports", async () => {
    const scrapers = {
      from: [{ namespaceSelector: { matchLabels: { "mlops.pulumi.com/metrics-scraper": "true" } } }],
      ports: [{ protocol: "TCP", port: 9090 }],
    };
    const plan = await workloadPlan({ extraIngress: [scrapers] });
    const np = findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
    expect(inputAt(np, "spec.ingress")).toEqual([
      { from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: 8080 }] },
      scrapers,
    ]);
    expect(validateStrict(MODELS[np.type]!, np.inputs)).toEqual([]);
  });

  it("no PDB with one replica (it would block every node drain)", async () => {
    const plan = await workloadPlan({ podDisruptionBudget: true });
    expect(plan.resources.filter((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget")).toEqual([]);
  });

  it("the options' dependsOn reaches every child; deploymentDependsOn only the Deployment", async () => {
    const plan = await planOf(() => {
      const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
      const ready = new k8s.core.v1.ConfigMap("ready", { data: { a: "b" } }, { provider });
      const config = new k8s.core.v1.Secret("config", { stringData: { a: "b" } }, { provider });
      new SecureWorkload(
        "api",
        { ...MINIMAL, deploymentDependsOn: [config] },
        { provider, dependsOn: [ready] },
      );
    });
    const ready = findResource(plan, "kubernetes:core/v1:ConfigMap", "ready").urn;
    const config = findResource(plan, "kubernetes:core/v1:Secret", "config").urn;
    for (const r of childrenOf(plan, findResource(plan, "mlops:index:SecureWorkload").urn)) {
      expect(r.dependencies, r.name).toContain(ready);
      expect(r.dependencies.includes(config), r.name).toBe(r.type === "kubernetes:apps/v1:Deployment");
    }
  });

  it.each([
    [{ image: "ghcr.io/acme/api:latest" }, "args.image: must be pinned"],
    [{ runAsUser: 0 }, "args.runAsUser: must be >=1"],
    [{ port: 0 }, "args.port: must be >=1"],
    [{ namespace: "Team" }, "args.namespace: must be a DNS-1123 label"],
    [
      { resources: { cpuRequest: "lots", memoryRequest: "1Gi", cpuLimit: "1", memoryLimit: "1Gi" } },
      "args.resources.cpuRequest",
    ],
    [{ selectorLabels: { tier: "web" } }, "args.selectorLabels.tier: must also be in args.labels"],
    [
      { volumeMounts: [{ name: "cache", mountPath: "/cache" }] },
      "args.volumeMounts: every mount must name one of args.volumes",
    ],
    [{ privileged: true } as Partial<SecureWorkloadArgs>, "args.privileged: unknown key"],
  ])("rejects %j with a ResourceError naming the argument", async (overrides, message) => {
    const err = await failure(() =>
      planOf(() => {
        new SecureWorkload("api", { ...MINIMAL, ...overrides });
      }),
    );
    expect(err).toBeInstanceOf(pulumi.ResourceError);
    expect(err?.message).toContain("invalid arguments for mlops:index:SecureWorkload");
    expect(err?.message).toContain(message);
  });
});
