/**
 * cert-manager on the cluster (issue 10) and the certificate helper other components use: off by
 * default; on, the `mlops:index:CertManager` sub-component with its exact children, the pinned
 * chart and its values (CRDs, security contexts, resources, replicas and PDBs per environment),
 * the namespace policy and the webhook port in API_SERVER_CALLBACK_PORTS, the in-cluster CA
 * validated against the upstream cert-manager schemas, the handle's `certificates`, the monitor
 * with monitoring on and off, bad input, `createServingCertificate`, and the policy pack on a
 * cluster with cert-manager on every target.
 */
import * as k8s from "@pulumi/kubernetes";
import { Certificate } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate";
import { ClusterIssuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer";
import { describe, expect, it } from "vitest";
import {
  createServingCertificate,
  existingClusterHandle,
  GpuTrainingCluster,
  IssuerKind,
  servingCertificateManifest,
  type ClusterCertificates,
  type ClusterHandle,
  type GpuTrainingClusterArgs,
} from "../../components";
import { componentContext } from "../../components/shared/component";
import {
  API_SERVER_CALLBACK_PORTS,
  CERT_MANAGER_CHART,
  certManagerValues,
} from "../../components/training-cluster/in-cluster";
import { controlPlaneWebhookPorts } from "../../components/training-cluster/gcp";
import { runPoliciesDetailed } from "../../policies/offline";
import {
  childrenOf,
  findResource,
  inputAt,
  planOf,
  resourcesOfType,
  type Plan,
  type PlanResource,
} from "../helpers";
import { validateStrict, type ModelClass } from "../schemas/validate";
import { fakeClusterHandle, Host } from "./fixtures";

const teams: GpuTrainingClusterArgs["teams"] = [
  { name: "vision", gpuQuota: 4, cpuQuota: "64", memoryQuota: "256Gi" },
];
const config = { "aws:region": "us-east-1", "gcp:project": "acme-ml-prod", "gcp:region": "europe-west4" };
// The control plane reached through the IAM-authorized DNS endpoint (as the gcp-prod stack), so
// that dev needs no authorised networks.
const gcp = { project: "acme-ml-prod", region: "europe-west4", dnsEndpoint: true, privateEndpoint: true };
const tags = { owner: "ml-platform", "cost-center": "cc-1", "data-classification": "internal" };

const T = {
  component: "mlops:index:CertManager",
  cluster: "mlops:index:GpuTrainingCluster",
  namespace: "kubernetes:core/v1:Namespace",
  netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  release: "kubernetes:helm.sh/v3:Release",
  certificate: "kubernetes:cert-manager.io/v1:Certificate",
  clusterIssuer: "kubernetes:cert-manager.io/v1:ClusterIssuer",
  podMonitor: "kubernetes:monitoring.coreos.com/v1:PodMonitor",
  podMonitoring: "kubernetes:monitoring.googleapis.com/v1:PodMonitoring",
} as const;

async function clusterPlan(
  args: Partial<GpuTrainingClusterArgs> & Pick<GpuTrainingClusterArgs, "target">,
  seen: { handle?: ClusterHandle } = {},
): Promise<Plan> {
  return planOf(
    () => {
      const aws = args.target === "aws" ? { aws: { endpointPublicAccessCidrs: ["203.0.113.0/24"] } } : {};
      const g = args.target === "gcp" ? { gcp } : {};
      seen.handle = new GpuTrainingCluster("gpu", { teams, tags, ...aws, ...g, ...args }).handle;
    },
    { config },
  );
}

async function failure(args: Partial<GpuTrainingClusterArgs> & Pick<GpuTrainingClusterArgs, "target">) {
  try {
    await clusterPlan(args);
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

/** The manifest a CustomResource registers: its inputs without Pulumi's extras. */
function manifest(r: PlanResource): Record<string, unknown> {
  const { apiVersion, kind, metadata, spec } = r.inputs;
  return { apiVersion, kind, metadata, spec };
}

function values(plan: Plan): Record<string, unknown> {
  return inputAt(findResource(plan, T.release, "gpu-cert-manager"), "values") as Record<string, unknown>;
}

const CONTEXTS = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
  containerSecurityContext: {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    readOnlyRootFilesystem: true,
  },
};

describe("cert-manager off (the default)", () => {
  it("installs nothing and the handle has no certificates", async () => {
    const seen: { handle?: ClusterHandle } = {};
    const plan = await clusterPlan({ target: "local" }, seen);
    expect(resourcesOfType(plan, T.component)).toEqual([]);
    expect(resourcesOfType(plan, T.clusterIssuer)).toEqual([]);
    expect(resourcesOfType(plan, T.release).map((r) => r.inputs["chart"])).not.toContain(CERT_MANAGER_CHART);
    expect(seen.handle?.certificates).toBeUndefined();
    expect(seen.handle && "certificates" in seen.handle).toBe(false);
  });

  it("enabled: false is the same as leaving it out", async () => {
    const plan = await clusterPlan({ target: "local", certManager: { enabled: false } });
    expect(resourcesOfType(plan, T.component)).toEqual([]);
  });
});

describe("cert-manager on (local, dev)", () => {
  const seen: { handle?: ClusterHandle } = {};
  const planned = clusterPlan({ target: "local", certManager: { enabled: true } }, seen);

  it("is a sub-component of the cluster with exactly these children", async () => {
    const plan = await planned;
    const component = findResource(plan, T.component, "gpu-cert-manager");
    expect(component.parent).toBe(findResource(plan, T.cluster, "gpu").urn);
    expect(
      childrenOf(plan, component.urn)
        .map((c) => `${c.type} ${c.name}`)
        .sort(),
    ).toEqual(
      [
        `${T.namespace} gpu-cert-manager-system`,
        `${T.netpol} gpu-cert-manager-system-network-policy`,
        `${T.release} gpu-cert-manager`,
        `${T.clusterIssuer} gpu-cert-manager-selfsigned-issuer`,
        `${T.certificate} gpu-cert-manager-ca`,
        `${T.clusterIssuer} gpu-cert-manager-ca-issuer`,
      ].sort(),
    );
    expect(component.outputs).toEqual({
      namespace: "cert-manager",
      release: "cert-manager",
      issuerName: "mlops-internal-ca",
    });
  });

  it("the namespace is Pod Security restricted", async () => {
    const ns = findResource(await planned, T.namespace, "gpu-cert-manager-system");
    expect(inputAt(ns, "metadata.name")).toBe("cert-manager");
    expect(inputAt(ns, "metadata.labels")).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "latest",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
      owner: "ml-platform",
    });
  });

  it("installs the pinned chart with its CRDs (kept on uninstall), after the namespace", async () => {
    const plan = await planned;
    const release = findResource(plan, T.release, "gpu-cert-manager");
    expect(release.inputs).toMatchObject({
      name: "cert-manager",
      chart: "oci://quay.io/jetstack/charts/cert-manager",
      version: "v1.21.1",
      namespace: "cert-manager",
      createNamespace: false,
      atomic: true,
      cleanupOnFail: true,
    });
    expect(release.dependencies).toContain(findResource(plan, T.namespace, "gpu-cert-manager-system").urn);
    expect(values(plan)).toEqual(certManagerValues({ version: "v1.21.1", replicas: 1 }));
  });

  it("values: restricted security contexts, requests and limits, pinned images, one replica and no PDB in dev", async () => {
    const v = values(await planned) as Record<string, Record<string, unknown>>;
    expect(v["crds"]).toEqual({ enabled: true, keep: true });
    expect(v["imageRegistry"]).toBe("quay.io");
    expect(v["imageNamespace"]).toBe("jetstack");
    expect(v["replicaCount"]).toBe(1);
    expect(v["podDisruptionBudget"]).toEqual({ enabled: false, minAvailable: 1 });
    expect(v["securityContext"]).toEqual(CONTEXTS.securityContext);
    expect(v["containerSecurityContext"]).toEqual(CONTEXTS.containerSecurityContext);
    expect(v["resources"]).toEqual({
      requests: { cpu: "50m", memory: "128Mi" },
      limits: { cpu: "500m", memory: "512Mi" },
    });
    expect(v["image"]).toEqual({
      name: "cert-manager-controller",
      tag: "v1.21.1",
      pullPolicy: "IfNotPresent",
    });
    expect(v["prometheus"]).toEqual({
      enabled: true,
      servicemonitor: { enabled: false },
      podmonitor: { enabled: false },
    });
    const expected = {
      webhook: [
        { cpu: "20m", memory: "64Mi" },
        { cpu: "200m", memory: "128Mi" },
      ],
      cainjector: [
        { cpu: "20m", memory: "128Mi" },
        { cpu: "200m", memory: "512Mi" },
      ],
      startupapicheck: [
        { cpu: "10m", memory: "32Mi" },
        { cpu: "100m", memory: "64Mi" },
      ],
    } as const;
    for (const [part, [requests, limits]] of Object.entries(expected)) {
      const p = v[part]!;
      expect(p["securityContext"], part).toEqual(CONTEXTS.securityContext);
      expect(p["containerSecurityContext"], part).toEqual(CONTEXTS.containerSecurityContext);
      expect(p["resources"], part).toEqual({ requests, limits });
      expect(p["image"], part).toEqual({
        name: `cert-manager-${part}`,
        tag: "v1.21.1",
        pullPolicy: "IfNotPresent",
      });
    }
    expect(v["webhook"]!["securePort"]).toBe(10250);
    expect(v["webhook"]!["hostNetwork"]).toBe(false);
    expect(v["webhook"]!["replicaCount"]).toBe(1);
    expect(v["cainjector"]!["replicaCount"]).toBe(1);
    expect(v["acmesolver"]).toEqual({
      image: { name: "cert-manager-acmesolver", tag: "v1.21.1", pullPolicy: "IfNotPresent" },
    });
  });

  it("NetworkPolicy: the webhook from the API server (outside the pod network), metrics from the cluster, egress DNS and the API", async () => {
    const np = findResource(await planned, T.netpol, "gpu-cert-manager-system-network-policy");
    expect(inputAt(np, "metadata.name")).toBe("platform");
    expect(inputAt(np, "metadata.namespace")).toBe("cert-manager");
    expect(inputAt(np, "spec.podSelector")).toEqual({});
    expect(inputAt(np, "spec.policyTypes")).toEqual(["Ingress", "Egress"]);
    expect(inputAt(np, "spec.ingress")).toEqual([
      { from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 10250 }] },
      { from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: 9402 }] },
    ]);
    expect(inputAt(np, "spec.egress[1]")).toEqual({
      ports: [
        { protocol: "TCP", port: 443 },
        { protocol: "TCP", port: 6443 },
      ],
    });
  });

  it("the webhook port is in API_SERVER_CALLBACK_PORTS, so the GKE firewall opens it", () => {
    expect(API_SERVER_CALLBACK_PORTS).toContainEqual({
      port: 10250,
      namespace: "cert-manager",
      what: "cert-manager webhook",
    });
    expect(controlPlaneWebhookPorts()).toEqual(["6443", "8082", "9443", "10250"]);
  });

  it("the in-cluster CA: a self-signed ClusterIssuer, an ECDSA P-256 CA Certificate of 10 years, the CA ClusterIssuer; all valid upstream", async () => {
    const plan = await planned;
    const release = findResource(plan, T.release, "gpu-cert-manager");
    const selfSigned = findResource(plan, T.clusterIssuer, "gpu-cert-manager-selfsigned-issuer");
    const ca = findResource(plan, T.certificate, "gpu-cert-manager-ca");
    const caIssuer = findResource(plan, T.clusterIssuer, "gpu-cert-manager-ca-issuer");
    expect(manifest(selfSigned)).toMatchObject({
      apiVersion: "cert-manager.io/v1",
      kind: "ClusterIssuer",
      metadata: { name: "mlops-selfsigned" },
      spec: { selfSigned: {} },
    });
    expect(inputAt(ca, "metadata.name")).toBe("mlops-internal-ca");
    expect(inputAt(ca, "metadata.namespace")).toBe("cert-manager");
    expect(inputAt(ca, "spec")).toEqual({
      isCA: true,
      commonName: "mlops-internal-ca",
      secretName: "mlops-internal-ca",
      secretTemplate: { labels: inputAt(ca, "metadata.labels") },
      duration: "87600h",
      renewBefore: "8760h",
      privateKey: { algorithm: "ECDSA", size: 256, encoding: "PKCS8", rotationPolicy: "Always" },
      usages: ["cert sign", "crl sign", "digital signature"],
      issuerRef: { name: "mlops-selfsigned", kind: "ClusterIssuer", group: "cert-manager.io" },
    });
    expect(manifest(caIssuer)).toMatchObject({
      metadata: { name: "mlops-internal-ca" },
      spec: { ca: { secretName: "mlops-internal-ca" } },
    });
    // Each after the release (CRDs, webhook) and after what it needs.
    expect(selfSigned.dependencies).toContain(release.urn);
    expect(ca.dependencies).toEqual(expect.arrayContaining([release.urn, selfSigned.urn]));
    expect(caIssuer.dependencies).toEqual(expect.arrayContaining([release.urn, ca.urn]));
    expect(validateStrict(ClusterIssuer as unknown as ModelClass, manifest(selfSigned))).toEqual([]);
    expect(validateStrict(Certificate as unknown as ModelClass, manifest(ca))).toEqual([]);
    expect(validateStrict(ClusterIssuer as unknown as ModelClass, manifest(caIssuer))).toEqual([]);
  });

  it("the handle offers the CA ClusterIssuer, after the release and the issuer", async () => {
    const plan = await planned;
    const certs = seen.handle?.certificates;
    expect(certs?.issuerName).toBe("mlops-internal-ca");
    expect(certs?.issuerKind).toBe("ClusterIssuer");
    const urns = await Promise.all(
      (certs?.dependsOn ?? []).map((r) => new Promise<string>((resolve) => r.urn.apply(resolve))),
    );
    expect(urns).toEqual([
      findResource(plan, T.release, "gpu-cert-manager").urn,
      findResource(plan, T.clusterIssuer, "gpu-cert-manager-ca-issuer").urn,
    ]);
  });

  it("no monitor while the cluster's monitoring is off", async () => {
    const plan = await planned;
    expect([...resourcesOfType(plan, T.podMonitor), ...resourcesOfType(plan, T.podMonitoring)]).toEqual([]);
  });
});

describe("cert-manager replicas per environment", () => {
  it("staging and prod: 2 replicas of each workload with PodDisruptionBudgets", async () => {
    for (const environment of ["staging", "prod"] as const) {
      const v = values(
        await clusterPlan({ target: "local", environment, certManager: { enabled: true } }),
      ) as Record<string, Record<string, unknown>>;
      expect(v["replicaCount"], environment).toBe(2);
      expect(v["podDisruptionBudget"], environment).toEqual({ enabled: true, minAvailable: 1 });
      for (const part of ["webhook", "cainjector"]) {
        expect(v[part]!["replicaCount"], `${environment} ${part}`).toBe(2);
        expect(v[part]!["podDisruptionBudget"], `${environment} ${part}`).toEqual({
          enabled: true,
          minAvailable: 1,
        });
      }
    }
  });

  it("replicas and version from the args", async () => {
    const plan = await clusterPlan({
      target: "local",
      environment: "prod",
      certManager: { enabled: true, replicas: 3, version: "v1.20.3" },
    });
    expect(inputAt(findResource(plan, T.release, "gpu-cert-manager"), "version")).toBe("v1.20.3");
    expect(values(plan)).toEqual(certManagerValues({ version: "v1.20.3", replicas: 3 }));
    expect((values(plan)["image"] as Record<string, unknown>)["tag"]).toBe("v1.20.3");
  });
});

describe("cert-manager's monitor", () => {
  it("prometheusOperator: a PodMonitor on the controller's http-metrics port, after the CRDs and the release", async () => {
    const plan = await clusterPlan({
      target: "aws",
      certManager: { enabled: true },
      monitoring: { enabled: true },
    });
    const m = findResource(plan, T.podMonitor, "gpu-cert-manager-monitor");
    expect(m.parent).toBe(findResource(plan, T.component, "gpu-cert-manager").urn);
    expect(inputAt(m, "metadata")).toEqual({ name: "cert-manager-controller", namespace: "cert-manager" });
    expect(inputAt(m, "spec")).toEqual({
      selector: {
        matchLabels: {
          "app.kubernetes.io/name": "cert-manager",
          "app.kubernetes.io/instance": "cert-manager",
          "app.kubernetes.io/component": "controller",
        },
      },
      podMetricsEndpoints: [
        { port: "http-metrics", path: "/metrics", interval: "30s", scheme: "http", honorLabels: false },
      ],
    });
    expect(m.dependencies).toEqual(
      expect.arrayContaining([
        findResource(plan, T.release, "gpu-cert-manager").urn,
        findResource(plan, T.release, "gpu-prometheus-crds").urn,
      ]),
    );
  });

  it("gmp on GKE: a PodMonitoring of the same pods and port", async () => {
    const plan = await clusterPlan({
      target: "gcp",
      certManager: { enabled: true },
      monitoring: { enabled: true, backend: "gmp" },
    });
    const m = findResource(plan, T.podMonitoring, "gpu-cert-manager-monitor");
    expect(inputAt(m, "metadata")).toEqual({ name: "cert-manager-controller", namespace: "cert-manager" });
    expect(inputAt(m, "spec.selector")).toEqual({
      matchLabels: {
        "app.kubernetes.io/name": "cert-manager",
        "app.kubernetes.io/instance": "cert-manager",
        "app.kubernetes.io/component": "controller",
      },
    });
    expect(inputAt(m, "spec.endpoints")).toMatchObject([{ port: "http-metrics", path: "/metrics" }]);
    // The release (whose webhook the API server calls) comes after the control-plane firewall rule.
    const fw = findResource(plan, "gcp:compute/firewall:Firewall", "gpu-control-plane-webhooks");
    expect(inputAt(fw, "allows")).toEqual([{ protocol: "tcp", ports: ["6443", "8082", "9443", "10250"] }]);
    expect(findResource(plan, T.release, "gpu-cert-manager").dependencies).toContain(fw.urn);
  });
});

describe("cert-manager args: bad input is named", () => {
  const cases: [string, Partial<GpuTrainingClusterArgs>, string][] = [
    [
      "version without enabled",
      { certManager: { version: "v1.21.1" } },
      "args.certManager.version: only used with certManager.enabled: true; remove it or enable cert-manager",
    ],
    [
      "replicas with enabled: false",
      { certManager: { enabled: false, replicas: 2 } },
      "args.certManager.replicas: only used with certManager.enabled: true; remove it or enable cert-manager",
    ],
    [
      "a version without the v",
      { certManager: { enabled: true, version: "1.21.1" } },
      'args.certManager.version: must be a released cert-manager version such as "v1.21.1" (with the "v", no range)',
    ],
    ["zero replicas", { certManager: { enabled: true, replicas: 0 } }, "args.certManager.replicas:"],
    ["an unknown field", { certManager: { enabled: true, issuer: "x" } as never }, "args.certManager"],
    [
      "a team in the cert-manager namespace",
      { teams: [{ name: "cert-manager", gpuQuota: 0, cpuQuota: "1", memoryQuota: "1Gi" }] },
      'args.teams[0].name: namespace "cert-manager" is reserved for the platform',
    ],
  ];
  for (const [title, args, message] of cases) {
    it(title, async () => {
      expect(await failure({ target: "local", ...args })).toContain(message);
    });
  }
});

describe("existingClusterHandle: certificates of a cert-manager the owner installed", () => {
  const provider = () => new k8s.Provider("p", { kubeconfig: "apiVersion: v1\nkind: Config\n" });

  it("defaults the kind to ClusterIssuer and waits for nothing", async () => {
    await planOf(() => {
      const h = existingClusterHandle({
        provider: provider(),
        target: "local",
        clusterName: "kind",
        certificates: { issuerName: "corp-ca" },
      });
      expect(h.certificates).toEqual({ issuerName: "corp-ca", issuerKind: "ClusterIssuer", dependsOn: [] });
      expect(
        existingClusterHandle({ provider: provider(), target: "local", clusterName: "kind" }).certificates,
      ).toBeUndefined();
    });
  });

  it("rejects a malformed issuer name and an unknown kind", async () => {
    await planOf(() => {
      expect(() =>
        existingClusterHandle({
          provider: provider(),
          target: "local",
          clusterName: "kind",
          certificates: { issuerName: "Corp CA", issuerKind: "Issuer" as IssuerKind },
        }),
      ).toThrow(
        'invalid arguments for existingClusterHandle:\n  certificates.issuerName: must be a DNS-1123 subdomain (the issuer\'s metadata.name)\n  certificates.issuerKind: must be one of "ClusterIssuer"',
      );
    });
  });
});

describe("createServingCertificate", () => {
  const issuer: Pick<ClusterCertificates, "issuerName" | "issuerKind"> = {
    issuerName: "mlops-internal-ca",
    issuerKind: IssuerKind.clusterIssuer,
  };
  const args = {
    namespace: "features",
    secretName: "feast-online-tls",
    dnsNames: ["feast-online.features.svc", "feast-online.features.svc.cluster.local"],
    labels: { "app.kubernetes.io/name": "feast" },
  };

  it("the Certificate manifest: the cluster's issuer, the Secret, the names, ECDSA P-256, 90 days; valid upstream", () => {
    const m = servingCertificateManifest(issuer, args);
    expect(m).toEqual({
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: {
        name: "feast-online-tls",
        namespace: "features",
        labels: { "app.kubernetes.io/name": "feast" },
      },
      spec: {
        secretName: "feast-online-tls",
        secretTemplate: { labels: { "app.kubernetes.io/name": "feast" } },
        commonName: "feast-online.features.svc",
        dnsNames: ["feast-online.features.svc", "feast-online.features.svc.cluster.local"],
        duration: "2160h",
        renewBefore: "720h",
        privateKey: { algorithm: "ECDSA", size: 256, encoding: "PKCS8", rotationPolicy: "Always" },
        usages: ["server auth", "digital signature"],
        issuerRef: { name: "mlops-internal-ca", kind: "ClusterIssuer", group: "cert-manager.io" },
      },
    });
    expect(validateStrict(Certificate as unknown as ModelClass, m)).toEqual([]);
    // The check is strict: a misspelt field fails.
    expect(
      validateStrict(Certificate as unknown as ModelClass, { ...m, spec: { ...m.spec, dnsName: ["x"] } }),
    ).toEqual(["/spec/dnsName: unknown field"]);
  });

  it("creates it under its owner after the issuer, and returns the Secret and its keys (what Feast's tls.secretRef / secretKeyNames take)", async () => {
    const seen: { result?: ReturnType<typeof createServingCertificate> } = {};
    const plan = await planOf(() => {
      const handle = fakeClusterHandle();
      const owner = new Host("fs");
      const issuerStandIn = new k8s.apiextensions.CustomResource(
        "issuer",
        {
          apiVersion: "cert-manager.io/v1",
          kind: "ClusterIssuer",
          metadata: { name: "mlops-internal-ca" },
          spec: {},
        },
        { provider: handle.provider },
      );
      const ns = new k8s.core.v1.Namespace(
        "ns",
        { metadata: { name: "features" } },
        { provider: handle.provider },
      );
      seen.result = createServingCertificate(
        {
          ctx: componentContext(owner, "fs", { environment: "dev", tags: {}, protect: false }),
          provider: handle.provider,
          certificates: { ...issuer, dependsOn: [issuerStandIn] },
          dependsOn: [ns],
        },
        "online-tls",
        args,
      );
    });
    const cert = findResource(plan, T.certificate, "fs-online-tls");
    expect(cert.parent).toBe(findResource(plan, "test:index:Host", "fs").urn);
    expect(manifest(cert)).toEqual(servingCertificateManifest(issuer, args));
    expect(cert.dependencies).toEqual(
      expect.arrayContaining([
        findResource(plan, T.clusterIssuer, "issuer").urn,
        findResource(plan, T.namespace, "ns").urn,
      ]),
    );
    expect(seen.result?.secretName).toBe("feast-online-tls");
    expect(seen.result?.keys).toEqual({ certificate: "tls.crt", privateKey: "tls.key", ca: "ca.crt" });
  });

  it("throws without an issuer on the cluster, and lists every bad arg", async () => {
    await planOf(() => {
      const handle = fakeClusterHandle();
      const ctx = componentContext(new Host("fs"), "fs", { environment: "dev", tags: {}, protect: false });
      expect(() =>
        createServingCertificate({ ctx, provider: handle.provider, certificates: undefined }, "tls", args),
      ).toThrow(
        "fs-tls: the cluster has no certificate issuer; turn certManager.enabled on for the GpuTrainingCluster (or give existingClusterHandle its certificates)",
      );
      expect(() =>
        createServingCertificate(
          { ctx, provider: handle.provider, certificates: { ...issuer, dependsOn: [] } },
          "tls",
          { namespace: "features", secretName: "Feast_TLS", dnsNames: [], duration: "90d" },
        ),
      ).toThrow(
        'fs-tls:\n  secretName: "Feast_TLS" must be a DNS-1123 subdomain\n  dnsNames: at least one name is required\n  duration: "90d" must be a Go duration such as "2160h"',
      );
    });
  });

  it("works on a GpuTrainingCluster's handle", async () => {
    const plan = await planOf(
      () => {
        const cluster = new GpuTrainingCluster("gpu", {
          target: "local",
          teams,
          certManager: { enabled: true },
        });
        createServingCertificate(
          {
            ctx: componentContext(new Host("fs"), "fs", { environment: "dev", tags: {}, protect: false }),
            provider: cluster.handle.provider,
            certificates: cluster.handle.certificates,
          },
          "tls",
          args,
        );
      },
      { config },
    );
    const cert = findResource(plan, T.certificate, "fs-tls");
    expect(cert.dependencies).toEqual(
      expect.arrayContaining([
        findResource(plan, T.release, "gpu-cert-manager").urn,
        findResource(plan, T.clusterIssuer, "gpu-cert-manager-ca-issuer").urn,
      ]),
    );
    expect(inputAt(cert, "spec.issuerRef")).toEqual({
      name: "mlops-internal-ca",
      kind: "ClusterIssuer",
      group: "cert-manager.io",
    });
  });
});

describe("the policy pack on a cluster with cert-manager on", () => {
  function mandatoryViolations(plan: Plan): string[] {
    return runPoliciesDetailed(
      { stack: "test", project: "mlops", resources: plan.resources },
      { environment: "prod" },
    )
      .violations.filter((v) => v.enforcementLevel === "mandatory")
      .map((v) => `${v.policyName} ${v.urn.split("::").pop() ?? ""}`);
  }

  for (const target of ["aws", "gcp", "local"] as const) {
    it(`${target} prod, monitoring on: no mandatory violation`, async () => {
      const plan = await clusterPlan({
        target,
        environment: "prod",
        certManager: { enabled: true },
        monitoring: { enabled: true },
        // The pack's GKE GPU pool ceiling (the gcp-prod stack's pools are as small).
        ...(target === "gcp"
          ? { gpuPools: [{ name: "l4-on-demand", gpuType: "nvidia-l4" as const, maxGpus: 16 }] }
          : {}),
      });
      expect(resourcesOfType(plan, T.component)).toHaveLength(1);
      expect(mandatoryViolations(plan)).toEqual([]);
    });
  }

  it("and the pack sees the cert-manager namespace: without its NetworkPolicy it is a violation", async () => {
    const plan = await clusterPlan({ target: "local", environment: "prod", certManager: { enabled: true } });
    const without = {
      ...plan,
      resources: plan.resources.filter((r) => r.name !== "gpu-cert-manager-system-network-policy"),
    };
    expect(mandatoryViolations(without)).toContain("k8s-namespace-network-policy gpu-cert-manager-system");
  });
});
