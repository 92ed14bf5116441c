/**
 * ModelServing's platform part, `mlops:index:ServingPlatform` (issue 11): its exact children with
 * monitoring off, on prometheus-operator and on GMP; the three pinned KServe charts in order and
 * the KEDA chart, with the values that matter (Standard mode, no KServe ingress, restricted Secret
 * access, the cluster's issuer, no prometheus-adapter); the ordering after cert-manager and the
 * Prometheus CRDs; the presets; the "restricted" namespaces and their NetworkPolicies; the
 * monitors against their schemas; and the refusal of a cluster without cert-manager.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import {
  NO_CERT_MANAGER_MESSAGE,
  resolveServingPlatformArgs,
  ServingPlatform,
  servingPlatformArgsSchema,
  SERVING_PLATFORM_TYPE,
  type ServingPlatformArgs,
} from "../../components/model-serving/platform";
import {
  kedaValues,
  KSERVE_DISABLED_RUNTIMES,
  kserveResourcesValues,
  kserveRuntimeConfigsValues,
} from "../../components/model-serving/platform-values";
import { API_SERVER_CALLBACK_PORTS } from "../../components/training-cluster";
import { IssuerKind } from "../../components/shared/certificates";
import { ScrapeBackend } from "../../components/shared/monitors";
import type { Environment } from "../../components/shared/presets";
import type { Target } from "../../components/adapters";
import type { ClusterHandle } from "../../components/training-cluster/types";
import {
  childrenOf,
  findResource,
  inputAt,
  planOf,
  resourcesOfType,
  type Plan,
  type PlanResource,
} from "../helpers";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { validateJsonSchema, validateStrict, type JsonSchema } from "../schemas/validate";
import { fakeClusterHandle } from "../training-cluster/fixtures";

const T = {
  platform: SERVING_PLATFORM_TYPE,
  restrictedNamespace: "mlops:index:RestrictedNamespace",
  namespace: "kubernetes:core/v1:Namespace",
  netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  release: "kubernetes:helm.sh/v3:Release",
  configMap: "kubernetes:core/v1:ConfigMap",
  serviceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
  podMonitor: "kubernetes:monitoring.coreos.com/v1:PodMonitor",
  podMonitoring: "kubernetes:monitoring.googleapis.com/v1:PodMonitoring",
};

const monitorSchema = (file: string): JsonSchema =>
  JSON.parse(readFileSync(join(__dirname, "..", "schemas", "monitoring", file), "utf8")) as JsonSchema;

interface Scenario {
  environment?: Environment;
  target?: Target;
  /** The cluster's monitoring backend; undefined: monitoring off. */
  backend?: ScrapeBackend;
  /** The cluster's issuer; undefined with `certManager: false`. @default "mlops-internal-ca" */
  issuerName?: string;
  /** @default true */
  certManager?: boolean;
  tags?: Record<string, string>;
}

/**
 * A program with a fake cluster handle whose cert-manager release and Prometheus CRDs are stand-in
 * ConfigMaps ("cert-manager", "prometheus-crds"), so the ordering shows in the plan.
 */
function program(s: Scenario = {}, seen: { platform?: ServingPlatform } = {}) {
  return () => {
    const base = fakeClusterHandle({ environment: s.environment ?? "dev", target: s.target ?? "local" });
    const standIn = (name: string) =>
      new k8s.core.v1.ConfigMap(
        name,
        { metadata: { name, namespace: "default" } },
        { provider: base.provider },
      );
    const certManager = standIn("cert-manager");
    const crds = standIn("prometheus-crds");
    const cluster: ClusterHandle = {
      ...base,
      ...(s.backend !== undefined ? { monitoring: { backend: s.backend, dependsOn: [crds] } } : {}),
      ...(s.certManager === false
        ? {}
        : {
            certificates: {
              issuerName: s.issuerName ?? "mlops-internal-ca",
              issuerKind: IssuerKind.clusterIssuer,
              dependsOn: [certManager],
            },
          }),
    };
    seen.platform = new ServingPlatform("serving-platform", {
      cluster,
      ...(s.tags !== undefined ? { tags: s.tags } : {}),
    });
    return {};
  };
}

const P = "serving-platform";
const urnOf = (plan: Plan, type: string, name: string) => findResource(plan, type, name).urn;
const releaseOf = (plan: Plan, name: string) => findResource(plan, T.release, name);

async function failure(args: unknown): Promise<string> {
  try {
    await planOf(() => {
      new ServingPlatform(P, args as ServingPlatformArgs);
    });
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

describe("ServingPlatform args", () => {
  it("the interface and the zod schema describe the same shape", () => {
    expectTypeOf<z.input<typeof servingPlatformArgsSchema>>().toEqualTypeOf<ServingPlatformArgs>();
    expectTypeOf<ServingPlatformArgs>().toEqualTypeOf<z.input<typeof servingPlatformArgsSchema>>();
  });

  it("refuses a cluster without cert-manager, naming `cluster`", async () => {
    expect(await failure({ cluster: fakeClusterHandle() })).toBe(
      `invalid arguments for mlops:index:ServingPlatform:\n  args.cluster: ${NO_CERT_MANAGER_MESSAGE}`,
    );
    expect(NO_CERT_MANAGER_MESSAGE).toMatch(
      /^has no cert-manager .*turn certManager\.enabled on for the GpuTrainingCluster/,
    );
    // The same check, as a problem with its path.
    expect(resolveServingPlatformArgs({ cluster: fakeClusterHandle() }).problems).toEqual([
      { path: ["cluster"], message: NO_CERT_MANAGER_MESSAGE },
    ]);
  });

  it("refuses a value that is not a handle and an unknown key", async () => {
    const msg = await failure({ cluster: { provider: "p" }, tag: {} });
    expect(msg).toContain("args.cluster: must be a ClusterHandle");
    expect(msg).toContain("args.tag: unknown key; remove it or check the spelling");
  });

  it("takes replicas, PodDisruptionBudgets and protection from the cluster's environment", () => {
    const withCerts = (environment: Environment): ServingPlatformArgs => ({
      cluster: {
        ...fakeClusterHandle({ environment }),
        certificates: {
          issuerName: "mlops-internal-ca",
          issuerKind: IssuerKind.clusterIssuer,
          dependsOn: [],
        },
      },
      tags: { owner: "ml" },
    });
    const dev = resolveServingPlatformArgs(withCerts("dev")).resolved!;
    const prod = resolveServingPlatformArgs(withCerts("prod")).resolved!;
    expect([dev.replicas, dev.podDisruptionBudget, dev.protect, dev.tags]).toEqual([
      1,
      false,
      false,
      { environment: "dev", owner: "ml" },
    ]);
    expect([prod.replicas, prod.podDisruptionBudget, prod.protect, prod.tags]).toEqual([
      2,
      true,
      true,
      { environment: "prod", owner: "ml" },
    ]);
  });
});

describe("ServingPlatform children", () => {
  const children = (plan: Plan) =>
    childrenOf(plan, urnOf(plan, T.platform, P))
      .map((r) => `${r.type} ${r.name}`)
      .sort();
  const always = [
    `${T.restrictedNamespace} ${P}-kserve-namespace`,
    `${T.netpol} ${P}-kserve-network-policy`,
    `${T.release} ${P}-kserve-crd`,
    `${T.release} ${P}-kserve`,
    `${T.release} ${P}-kserve-runtimes`,
    `${T.restrictedNamespace} ${P}-keda-namespace`,
    `${T.netpol} ${P}-keda-network-policy`,
    `${T.release} ${P}-keda`,
  ];

  it("monitoring off: the namespaces, policies and four releases, no monitor", async () => {
    const plan = await planOf(program());
    expect(children(plan)).toEqual([...always].sort());
  });

  it("prometheus-operator: a ServiceMonitor for the KServe controller and a PodMonitor for KEDA's operator", async () => {
    const plan = await planOf(program({ backend: ScrapeBackend.prometheusOperator }));
    expect(children(plan)).toEqual(
      [...always, `${T.serviceMonitor} ${P}-kserve-monitor`, `${T.podMonitor} ${P}-keda-monitor`].sort(),
    );
  });

  it("GMP: only KEDA's PodMonitoring (the KServe controller's metrics need a token GMP does not send)", async () => {
    const plan = await planOf(program({ backend: ScrapeBackend.gmp, target: "gcp" }));
    expect(children(plan)).toEqual([...always, `${T.podMonitoring} ${P}-keda-monitor`].sort());
  });

  it("no prometheus-adapter or any other chart: exactly KServe's three charts and KEDA", async () => {
    const plan = await planOf(program({ backend: ScrapeBackend.prometheusOperator }));
    const charts = resourcesOfType(plan, T.release).map((r) => [
      r.inputs["chart"],
      r.inputs["version"],
      r.inputs["name"],
      r.inputs["namespace"],
      (r.inputs["repositoryOpts"] as { repo?: string } | undefined)?.repo,
    ]);
    // Registration order is not creation order (that is `dependsOn`, tested below).
    expect(charts.sort((x, y) => String(x[0]).localeCompare(String(y[0])))).toEqual([
      ["keda", "2.20.2", "keda", "keda", "https://kedacore.github.io/charts"],
      ["oci://ghcr.io/kserve/charts/kserve-crd", "v0.20.0", "kserve-crd", "kserve", undefined],
      ["oci://ghcr.io/kserve/charts/kserve-resources", "v0.20.0", "kserve", "kserve", undefined],
      [
        "oci://ghcr.io/kserve/charts/kserve-runtime-configs",
        "v0.20.0",
        "kserve-runtime-configs",
        "kserve",
        undefined,
      ],
    ]);
    for (const r of resourcesOfType(plan, T.release)) {
      expect([r.inputs["atomic"], r.inputs["cleanupOnFail"], r.inputs["createNamespace"]]).toEqual([
        true,
        true,
        false,
      ]);
    }
  });
});

describe("ServingPlatform ordering", () => {
  it("crd → resources → runtime-configs, KServe after cert-manager and KEDA; KEDA after cert-manager and the Prometheus CRDs", async () => {
    const seen: { platform?: ServingPlatform } = {};
    const plan = await planOf(program({ backend: ScrapeBackend.prometheusOperator }, seen));
    const certManager = urnOf(plan, T.configMap, "cert-manager");
    const crds = urnOf(plan, T.configMap, "prometheus-crds");
    const kserveNs = urnOf(plan, T.namespace, `${P}-kserve-namespace`);
    const kedaNs = urnOf(plan, T.namespace, `${P}-keda-namespace`);
    const crd = releaseOf(plan, `${P}-kserve-crd`);
    const kserve = releaseOf(plan, `${P}-kserve`);
    const runtimes = releaseOf(plan, `${P}-kserve-runtimes`);
    const keda = releaseOf(plan, `${P}-keda`);

    expect(crd.dependencies).toContain(kserveNs);
    // KServe's controller after KEDA: it watches ScaledObjects only if their CRD exists at its start.
    expect(kserve.dependencies).toEqual(
      expect.arrayContaining([
        crd.urn,
        keda.urn,
        certManager,
        kserveNs,
        urnOf(plan, T.netpol, `${P}-kserve-network-policy`),
      ]),
    );
    expect(runtimes.dependencies).toContain(kserve.urn);
    expect(keda.dependencies).toEqual(
      expect.arrayContaining([certManager, crds, kedaNs, urnOf(plan, T.netpol, `${P}-keda-network-policy`)]),
    );
    // KServe does not wait for the Prometheus CRDs; KEDA waits for nothing of KServe's.
    expect(kserve.dependencies).not.toContain(crds);
    expect(
      keda.dependencies.filter((u) => [crd.urn, kserve.urn, runtimes.urn, kserveNs].includes(u)),
    ).toEqual([]);
    // The monitors come after their release and the CRDs.
    expect(findResource(plan, T.serviceMonitor, `${P}-kserve-monitor`).dependencies).toEqual(
      expect.arrayContaining([kserve.urn, crds]),
    );
    expect(findResource(plan, T.podMonitor, `${P}-keda-monitor`).dependencies).toEqual(
      expect.arrayContaining([keda.urn, crds]),
    );

    // `ready` is every release: CRDs, controllers and webhooks of both.
    const ready = await Promise.all(
      (seen.platform?.ready ?? []).map((r) => new Promise<string>((resolve) => r.urn.apply(resolve))),
    );
    expect(ready).toEqual([crd.urn, kserve.urn, runtimes.urn, keda.urn]);
    expect([seen.platform?.kserveNamespace, seen.platform?.kedaNamespace]).toEqual(["kserve", "keda"]);
  });

  it("without monitoring KEDA waits only for cert-manager and its namespace", async () => {
    const plan = await planOf(program());
    expect(releaseOf(plan, `${P}-keda`).dependencies).not.toContain(
      urnOf(plan, T.configMap, "prometheus-crds"),
    );
    expect(releaseOf(plan, `${P}-keda`).dependencies).toContain(urnOf(plan, T.configMap, "cert-manager"));
  });

  it("protects the KServe CRD release (uninstalling it deletes every InferenceService) where the preset protects state", async () => {
    const prod = await planOf(program({ environment: "prod" }));
    const dev = await planOf(program({ environment: "dev" }));
    const flags = (plan: Plan, name: string) => {
      const r = releaseOf(plan, name);
      return [r.protect, r.retainOnDelete];
    };
    expect(flags(prod, `${P}-kserve-crd`)).toEqual([true, true]);
    expect(flags(dev, `${P}-kserve-crd`)).toEqual([false, false]);
    for (const name of [`${P}-kserve`, `${P}-kserve-runtimes`, `${P}-keda`]) {
      expect(flags(prod, name)).toEqual([false, false]);
    }
  });
});

describe("KServe values", () => {
  it("Standard mode, no ingress of its own, the webhook certificate from cert-manager, pinned images", async () => {
    const plan = await planOf(program());
    const kserve = releaseOf(plan, `${P}-kserve`);
    expect(inputAt(kserve, "values")).toEqual(kserveResourcesValues());
    const v = (path: string) => inputAt(kserve, `values.kserve.${path}`);
    // The chart's default is "Knative".
    expect(v("controller.deploymentMode")).toBe("Standard");
    expect(v("controller.gateway")).toEqual({
      domain: "svc.cluster.local",
      urlScheme: "http",
      disableIngressCreation: true,
      disableIstioVirtualHost: true,
      ingressGateway: { enableGatewayApi: false, createGateway: false },
    });
    expect(v("controller.knativeAddressableResolver.enabled")).toBe(false);
    expect(v("certManager.enabled")).toBe(true);
    expect([
      v("version"),
      v("controller.image"),
      v("controller.tag"),
      v("controller.imagePullPolicy"),
    ]).toEqual(["v0.20.0", "kserve/kserve-controller", "v0.20.0", "IfNotPresent"]);
    expect(v("controller.rbacProxyImage")).toBe("quay.io/brancz/kube-rbac-proxy:v0.18.0");
    expect(v("controller.resources")).toEqual({
      requests: { cpu: "100m", memory: "300Mi" },
      limits: { cpu: "500m", memory: "600Mi" },
    });
    expect(v("controller.rbacProxy.resources")).toEqual({
      requests: { cpu: "10m", memory: "32Mi" },
      limits: { cpu: "100m", memory: "64Mi" },
    });
    expect(v("controller.securityContext")).toEqual({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    for (const sc of [v("controller.containerSecurityContext"), v("controller.rbacProxy.securityContext")]) {
      expect(sc).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
      });
    }
    // What KServe injects into model pods meets "restricted" too; model pods mount no API token.
    expect(v("storage.containerSecurityContext")).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(v("security.autoMountServiceAccountToken")).toBe(false);
    // The CRD chart takes no values.
    expect(inputAt(releaseOf(plan, `${P}-kserve-crd`), "values")).toEqual({});
  });

  it("runtime-configs: the runtimes on, the five ModelServing uses pinned, the rest (vLLM's `latest` too) off", async () => {
    const plan = await planOf(program());
    const runtimes = releaseOf(plan, `${P}-kserve-runtimes`);
    expect(inputAt(runtimes, "values")).toEqual(kserveRuntimeConfigsValues());
    const sr = inputAt(runtimes, "values.kserve.servingruntime") as Record<string, unknown>;
    expect(sr["enabled"]).toBe(true);
    expect(inputAt(runtimes, "values.kserve.llmisvcConfigs.enabled")).toBe(false);
    const pins = Object.fromEntries(
      Object.entries(sr)
        .filter(([, r]) => typeof r === "object" && (r as { disabled: boolean }).disabled === false)
        .map(([name, r]) => [name, `${(r as { image: string }).image}:${(r as { tag: string }).tag}`]),
    );
    expect(pins).toEqual({
      mlserver: "docker.io/seldonio/mlserver:1.5.0",
      sklearnserver: "kserve/sklearnserver:v0.20.0",
      xgbserver: "kserve/xgbserver:v0.20.0",
      huggingfaceserver: "kserve/huggingfaceserver:v0.20.0",
      torchserve: "pytorch/torchserve-kfs:0.9.0",
    });
    for (const name of KSERVE_DISABLED_RUNTIMES) expect(sr[name]).toEqual({ disabled: true });
    expect(sr["vllmserver"]).toEqual({ disabled: true });
  });
});

describe("KEDA values", () => {
  it("restricted Secret access, the cluster's issuer, pinned images, requests and limits", async () => {
    const plan = await planOf(program({ issuerName: "corp-ca" }));
    const keda = releaseOf(plan, `${P}-keda`);
    expect(inputAt(keda, "values")).toEqual(
      kedaValues({
        issuer: { issuerName: "corp-ca", issuerKind: "ClusterIssuer" },
        replicas: 1,
        podDisruptionBudget: false,
      }),
    );
    const v = (path: string) => inputAt(keda, `values.${path}`);
    expect(v("permissions.operator.restrict.secret")).toBe(true);
    expect(v("permissions.metricServer.restrict.secret")).toBe(true);
    expect(v("certificates")).toEqual({
      autoGenerated: false,
      certManager: {
        enabled: true,
        generateCA: false,
        issuer: { generate: false, name: "corp-ca", kind: "ClusterIssuer", group: "cert-manager.io" },
      },
    });
    expect([v("image.keda"), v("image.pullPolicy")]).toEqual([
      { registry: "ghcr.io", repository: "kedacore/keda", tag: "2.20.2" },
      "IfNotPresent",
    ]);
    expect(v("image.metricsApiServer.tag")).toBe("2.20.2");
    expect(v("image.webhooks.tag")).toBe("2.20.2");
    expect(v("resources.operator")).toEqual({
      requests: { cpu: "100m", memory: "100Mi" },
      limits: { cpu: "1", memory: "1000Mi" },
    });
    for (const c of ["operator", "metricServer", "webhooks"]) {
      expect(v(`resources.${c}.limits.memory`)).toMatch(/Mi$/);
      expect(v(`securityContext.${c}`)).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(v(`podSecurityContext.${c}`)).toEqual({
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
    }
    // KEDA is the one external-metrics provider: its metrics API server is on; the chart's own
    // monitors and NetworkPolicies are off (ours instead); the API server's ports explicit.
    expect(v("metricsServer.enabled")).toBe(true);
    expect(v("networkPolicy.enabled")).toBe(false);
    expect(v("prometheus.operator.enabled")).toBe(true);
    expect(v("prometheus.operator.serviceMonitor.enabled")).toBe(false);
    expect(v("prometheus.operator.podMonitor.enabled")).toBe(false);
    expect([v("service.portHttpsTarget"), v("webhooks.port")]).toEqual([6443, 9443]);
  });

  it("dev: one replica, no PodDisruptionBudgets; prod: two, each with a PodDisruptionBudget", async () => {
    const dev = await planOf(program({ environment: "dev" }));
    const prod = await planOf(program({ environment: "prod" }));
    const shape = (plan: Plan) => {
      const r = releaseOf(plan, `${P}-keda`);
      return [
        inputAt(r, "values.operator.replicaCount"),
        inputAt(r, "values.metricsServer.replicaCount"),
        inputAt(r, "values.webhooks.replicaCount"),
        inputAt(r, "values.podDisruptionBudget"),
      ];
    };
    expect(shape(dev)).toEqual([1, 1, 1, { operator: {}, metricServer: {}, webhooks: {} }]);
    expect(shape(prod)).toEqual([
      2,
      2,
      2,
      { operator: { minAvailable: 1 }, metricServer: { minAvailable: 1 }, webhooks: { minAvailable: 1 } },
    ]);
  });
});

describe("ServingPlatform namespaces and NetworkPolicies", () => {
  const RESTRICTED = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
  };
  const API_SERVER_EGRESS = {
    ports: [
      { protocol: "TCP", port: 443 },
      { protocol: "TCP", port: 6443 },
    ],
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
  const fromAnywhere = (port: number) => ({
    from: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
    ports: [{ protocol: "TCP", port }],
  });
  const policy = (plan: Plan, name: string): PlanResource => findResource(plan, T.netpol, name);

  it("kserve and keda are restricted (no exception), default deny with DNS egress, labelled with the tags", async () => {
    const plan = await planOf(program({ tags: { owner: "ml-platform" } }));
    for (const [ns, name] of [
      ["kserve", `${P}-kserve-namespace`],
      ["keda", `${P}-keda-namespace`],
    ] as const) {
      const n = findResource(plan, T.namespace, name);
      expect(inputAt(n, "metadata.name")).toBe(ns);
      expect(inputAt(n, "metadata.labels")).toMatchObject({
        ...RESTRICTED,
        owner: "ml-platform",
        environment: "dev",
      });
      expect(inputAt(n, "metadata.annotations")).toBeUndefined();
      expect(inputAt(policy(plan, `${name}-default-deny`), "spec")).toEqual({
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
      });
      expect(inputAt(policy(plan, `${name}-dns-egress`), "metadata.namespace")).toBe(ns);
    }
    // Only KEDA's namespace may query Prometheus (its Prometheus triggers); the Monitoring
    // component's NetworkPolicy admits this label on 9090.
    const readers = [`${P}-kserve-namespace`, `${P}-keda-namespace`].map(
      (name) => inputAt(findResource(plan, T.namespace, name), "metadata.labels") as Record<string, string>,
    );
    expect(readers.map((l) => l["mlops.pulumi.com/metrics-reader"])).toEqual([undefined, "true"]);
    // Every Namespace and NetworkPolicy is strictly valid (unknown fields fail).
    expect(resourcesOfType(plan, T.netpol)).toHaveLength(6);
    for (const r of [...resourcesOfType(plan, T.namespace), ...resourcesOfType(plan, T.netpol)]) {
      const [model, apiVersion, kind] =
        r.type === T.namespace
          ? [Namespace, "v1", "Namespace"]
          : [NetworkPolicy, "networking.k8s.io/v1", "NetworkPolicy"];
      expect(validateStrict(model, { apiVersion, kind, ...r.inputs }), r.name).toEqual([]);
    }
  });

  it("the API server's callback ports are in the one list the GKE firewall opens", () => {
    expect(API_SERVER_CALLBACK_PORTS.filter((p) => ["kserve", "keda"].includes(p.namespace))).toEqual([
      { port: 9443, namespace: "kserve", what: "KServe admission webhooks" },
      { port: 6443, namespace: "keda", what: "KEDA external metrics APIService" },
      { port: 9443, namespace: "keda", what: "KEDA admission webhooks" },
    ]);
  });

  it("kserve: the webhooks from the API server, DNS and the API server out; the metrics only to the scrapers", async () => {
    const off = await planOf(program());
    expect(inputAt(policy(off, `${P}-kserve-network-policy`), "metadata")).toMatchObject({
      name: "kserve-controller",
      namespace: "kserve",
    });
    expect(inputAt(policy(off, `${P}-kserve-network-policy`), "spec")).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [fromAnywhere(9443)],
      egress: [DNS_EGRESS, API_SERVER_EGRESS],
    });
    const on = await planOf(program({ backend: ScrapeBackend.prometheusOperator }));
    expect(inputAt(policy(on, `${P}-kserve-network-policy`), "spec.ingress")).toEqual([
      fromAnywhere(9443),
      {
        from: [{ namespaceSelector: { matchLabels: { "mlops.pulumi.com/metrics-scraper": "true" } } }],
        ports: [{ protocol: "TCP", port: 8443 }],
      },
    ]);
    // GMP cannot scrape the controller (no monitor), so its port stays closed.
    const gmp = await planOf(program({ backend: ScrapeBackend.gmp, target: "gcp" }));
    expect(inputAt(policy(gmp, `${P}-kserve-network-policy`), "spec.ingress")).toEqual([fromAnywhere(9443)]);
  });

  it("keda: metrics API and webhooks from the API server, the operator's gRPC inside, Prometheus out", async () => {
    const grpc = [{ protocol: "TCP", port: 9666 }];
    const off = await planOf(program());
    expect(inputAt(policy(off, `${P}-keda-network-policy`), "metadata")).toMatchObject({
      name: "keda",
      namespace: "keda",
    });
    expect(inputAt(policy(off, `${P}-keda-network-policy`), "spec")).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [fromAnywhere(6443), fromAnywhere(9443), { from: [{ podSelector: {} }], ports: grpc }],
      egress: [
        DNS_EGRESS,
        API_SERVER_EGRESS,
        { to: [{ podSelector: {} }], ports: grpc },
        {
          to: [{ namespaceSelector: { matchLabels: { "mlops.pulumi.com/metrics-scraper": "true" } } }],
          ports: [{ protocol: "TCP", port: 9090 }],
        },
      ],
    });
    const gmp = await planOf(program({ backend: ScrapeBackend.gmp, target: "gcp" }));
    expect(inputAt(policy(gmp, `${P}-keda-network-policy`), "spec.ingress[3]")).toEqual({
      from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gmp-system" } } }],
      ports: [{ protocol: "TCP", port: 8080 }],
    });
  });
});

describe("ServingPlatform monitors", () => {
  it("KServe's ServiceMonitor (token, no verification, one copy of each series) and KEDA's PodMonitor match their schemas", async () => {
    const plan = await planOf(program({ backend: ScrapeBackend.prometheusOperator }));
    const sm = findResource(plan, T.serviceMonitor, `${P}-kserve-monitor`);
    expect(inputAt(sm, "metadata")).toMatchObject({ name: "kserve-controller", namespace: "kserve" });
    expect(inputAt(sm, "spec.selector.matchLabels")).toEqual({
      "app.kubernetes.io/name": "kserve",
      "control-plane": "kserve-controller-manager",
    });
    expect(inputAt(sm, "spec.endpoints[0]")).toMatchObject({
      port: "https",
      scheme: "https",
      bearerTokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token",
      tlsConfig: { insecureSkipVerify: true },
      metricRelabelings: [
        { action: "drop", sourceLabels: ["service"], regex: "kserve-controller-manager-service" },
      ],
    });
    expect(validateJsonSchema(monitorSchema("servicemonitor.json"), sm.inputs)).toEqual([]);
    const pm = findResource(plan, T.podMonitor, `${P}-keda-monitor`);
    expect(inputAt(pm, "metadata")).toMatchObject({ name: "keda-operator", namespace: "keda" });
    expect(inputAt(pm, "spec.selector.matchLabels")).toEqual({ "app.kubernetes.io/name": "keda-operator" });
    expect(inputAt(pm, "spec.podMetricsEndpoints[0].port")).toBe("metrics");
    expect(validateJsonSchema(monitorSchema("podmonitor.json"), pm.inputs)).toEqual([]);
  });

  it("on GMP, KEDA's PodMonitoring matches its schema", async () => {
    const plan = await planOf(program({ backend: ScrapeBackend.gmp, target: "gcp" }));
    const pm = findResource(plan, T.podMonitoring, `${P}-keda-monitor`);
    expect(inputAt(pm, "metadata.namespace")).toBe("keda");
    expect(validateJsonSchema(monitorSchema("podmonitoring-gmp.json"), pm.inputs)).toEqual([]);
  });
});
