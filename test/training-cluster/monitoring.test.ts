/**
 * The cluster's part of monitoring (issue 9): with `monitoring.enabled` the cluster installs the
 * prometheus-operator CRDs, creates the monitors of the platform workloads it runs (Kueue, the
 * DCGM exporter, Karpenter, the AWS Load Balancer Controller) through the one helper, each after
 * the CRDs and under the sub-component that owns the workload, and hands `monitoring` to the other
 * components through its handle. Off by default: no CRDs, no monitors.
 */
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import {
  existingClusterHandle,
  GpuTrainingCluster,
  PROMETHEUS_OPERATOR_CRDS_CHART,
  type ClusterHandle,
  type GpuTrainingClusterArgs,
} from "../../components";
import { findResource, inputAt, planOf, resourcesOfType, type Plan, type PlanResource } from "../helpers";

const teams: GpuTrainingClusterArgs["teams"] = [
  { name: "vision", gpuQuota: 4, cpuQuota: "64", memoryQuota: "256Gi" },
];
const config = { "aws:region": "us-east-1", "gcp:project": "acme-ml-prod", "gcp:region": "europe-west4" };
const gcp = { project: "acme-ml-prod", region: "europe-west4" };

const MONITOR_TYPES = [
  "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
  "kubernetes:monitoring.coreos.com/v1:PodMonitor",
  "kubernetes:monitoring.googleapis.com/v1:PodMonitoring",
];

async function clusterPlan(
  args: Partial<GpuTrainingClusterArgs> & Pick<GpuTrainingClusterArgs, "target">,
  seen: { handle?: ClusterHandle } = {},
): Promise<Plan> {
  return planOf(
    () => {
      const aws = args.target === "aws" ? { aws: { endpointPublicAccessCidrs: ["203.0.113.0/24"] } } : {};
      seen.handle = new GpuTrainingCluster("gpu", { teams, ...aws, ...args }).handle;
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

function monitors(plan: Plan): PlanResource[] {
  return MONITOR_TYPES.flatMap((t) => resourcesOfType(plan, t));
}

function crdRelease(plan: Plan): PlanResource | undefined {
  return resourcesOfType(plan, "kubernetes:helm.sh/v3:Release").find(
    (r) => r.inputs["chart"] === PROMETHEUS_OPERATOR_CRDS_CHART.chart,
  );
}

function releaseByChart(plan: Plan, chart: string): PlanResource {
  const r = resourcesOfType(plan, "kubernetes:helm.sh/v3:Release").find((x) =>
    String(x.inputs["chart"]).endsWith(chart),
  );
  if (!r) throw new Error(`no release of ${chart}`);
  return r;
}

describe("cluster monitoring off (the default)", () => {
  it("installs no CRDs and creates no monitor; the charts' own monitors stay off; the handle has none", async () => {
    const seen: { handle?: ClusterHandle } = {};
    const plan = await clusterPlan({ target: "aws" }, seen);
    expect(crdRelease(plan)).toBeUndefined();
    expect(monitors(plan)).toEqual([]);
    expect(inputAt(releaseByChart(plan, "kueue"), "values.enablePrometheus")).toBe(false);
    expect(seen.handle?.monitoring).toBeUndefined();
  });
});

describe("cluster monitoring on aws (prometheusOperator)", () => {
  it("installs the pinned CRD release first and every platform monitor after it, under its owner", async () => {
    const seen: { handle?: ClusterHandle } = {};
    const plan = await clusterPlan({ target: "aws", monitoring: { enabled: true } }, seen);
    const crds = crdRelease(plan);
    expect(crds?.name).toBe("gpu-prometheus-crds");
    expect(crds?.inputs).toMatchObject({
      name: "prometheus-operator-crds",
      chart: "prometheus-operator-crds",
      version: "31.0.1",
      repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" },
      namespace: "kube-system",
    });
    // The CRDs come after the cluster is ready (its system nodes, add-ons, Karpenter).
    const karpenterRelease = findResource(plan, "kubernetes:helm.sh/v3:Release", "gpu-karpenter");
    expect(crds?.dependencies).toContain(karpenterRelease.urn);

    const byName = Object.fromEntries(monitors(plan).map((m) => [m.name, m]));
    expect(Object.keys(byName).sort()).toEqual([
      "gpu-gpu-dcgm-monitor",
      "gpu-karpenter-monitor",
      "gpu-kueue-monitor",
      "gpu-lb-controller-monitor",
    ]);
    for (const m of Object.values(byName)) expect(m.dependencies).toContain(crds?.urn);

    const kueue = byName["gpu-kueue-monitor"]!;
    expect(kueue.type).toBe("kubernetes:monitoring.coreos.com/v1:ServiceMonitor");
    expect(kueue.parent).toBe(findResource(plan, "mlops:index:Kueue", "gpu-kueue").urn);
    expect(kueue.dependencies).toContain(
      findResource(plan, "kubernetes:helm.sh/v3:Release", "gpu-kueue").urn,
    );
    expect(inputAt(kueue, "metadata")).toEqual({ name: "kueue-controller", namespace: "kueue-system" });
    expect(inputAt(kueue, "spec")).toEqual({
      selector: {
        matchLabels: {
          "app.kubernetes.io/name": "kueue",
          "app.kubernetes.io/instance": "kueue",
          "app.kubernetes.io/component": "metrics-service",
        },
      },
      endpoints: [
        {
          port: "https",
          path: "/metrics",
          interval: "30s",
          scheme: "https",
          honorLabels: false,
          bearerTokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token",
          tlsConfig: { insecureSkipVerify: true },
        },
      ],
    });

    const dcgm = byName["gpu-gpu-dcgm-monitor"]!;
    expect(dcgm.type).toBe("kubernetes:monitoring.coreos.com/v1:PodMonitor");
    expect(dcgm.parent).toBe(findResource(plan, "mlops:index:NvidiaGpuStack", "gpu-gpu").urn);
    expect(inputAt(dcgm, "spec")).toEqual({
      selector: {
        matchLabels: {
          "app.kubernetes.io/name": "dcgm-exporter",
          "app.kubernetes.io/instance": "dcgm-exporter",
        },
      },
      podMetricsEndpoints: [
        { port: "metrics", path: "/metrics", interval: "30s", scheme: "http", honorLabels: true },
      ],
    });
    // The charts' own monitors stay off: the helper's are the only ones.
    expect(inputAt(releaseByChart(plan, "dcgm-exporter"), "values.serviceMonitor.enabled")).toBe(false);
    expect(inputAt(releaseByChart(plan, "kueue"), "values.enablePrometheus")).toBe(false);

    const karpenter = byName["gpu-karpenter-monitor"]!;
    expect(karpenter.parent).toBe(findResource(plan, "mlops:index:Karpenter", "gpu-karpenter").urn);
    expect(inputAt(karpenter, "metadata.namespace")).toBe("kube-system");
    expect(inputAt(karpenter, "spec.endpoints")).toEqual([
      { port: "http-metrics", path: "/metrics", interval: "30s", scheme: "http", honorLabels: false },
    ]);

    const lbc = byName["gpu-lb-controller-monitor"]!;
    expect(lbc.type).toBe("kubernetes:monitoring.coreos.com/v1:PodMonitor");
    expect(lbc.parent).toBe(
      findResource(plan, "mlops:index:AwsLoadBalancerController", "gpu-lb-controller").urn,
    );
    expect(inputAt(lbc, "spec.selector.matchLabels")).toEqual({
      "app.kubernetes.io/name": "aws-load-balancer-controller",
      "app.kubernetes.io/instance": "aws-load-balancer-controller",
    });
    expect(inputAt(lbc, "spec.podMetricsEndpoints.0.port")).toBe("metrics-server");

    expect(seen.handle?.monitoring?.backend).toBe("prometheusOperator");
    expect(seen.handle?.monitoring?.dependsOn).toHaveLength(1);
  });

  it("installCrds: false creates the monitors without a CRD release (the cluster already has them)", async () => {
    const plan = await clusterPlan({ target: "aws", monitoring: { enabled: true, installCrds: false } });
    expect(crdRelease(plan)).toBeUndefined();
    expect(monitors(plan)).toHaveLength(4);
  });

  it("no DCGM monitor when nothing of ours exports GPU metrics", async () => {
    const plan = await clusterPlan({ target: "aws", dcgmExporter: false, monitoring: { enabled: true } });
    expect(
      monitors(plan)
        .map((m) => m.name)
        .sort(),
    ).toEqual(["gpu-karpenter-monitor", "gpu-kueue-monitor", "gpu-lb-controller-monitor"]);
  });
});

describe("cluster monitoring on gcp (gmp)", () => {
  it("installs the prometheus-operator CRDs (for the Alertmanager) and creates no monitor GMP cannot express (Kueue's authenticated https); GKE collects DCGM itself", async () => {
    const seen: { handle?: ClusterHandle } = {};
    const plan = await clusterPlan(
      { target: "gcp", environment: "prod", gcp, monitoring: { enabled: true, backend: "gmp" } },
      seen,
    );
    expect(crdRelease(plan)?.name).toBe("gpu-prometheus-crds");
    expect(monitors(plan)).toEqual([]);
    expect(seen.handle?.monitoring?.backend).toBe("gmp");
    expect(seen.handle?.monitoring?.dependsOn).toHaveLength(1);
  });
});

describe("cluster monitoring: bad input", () => {
  it("rejects gmp off GCP, and settings without enabled, naming the argument", async () => {
    expect(await failure({ target: "aws", monitoring: { enabled: true, backend: "gmp" } })).toContain(
      'args.monitoring.backend: "gmp" (Google Cloud Managed Service for Prometheus) needs target "gcp"; use "prometheusOperator" on target "aws"',
    );
    expect(await failure({ target: "aws", monitoring: { installCrds: false } })).toContain(
      "args.monitoring.installCrds: only used with monitoring.enabled: true; remove it or enable monitoring",
    );
    expect(
      await failure({ target: "aws", monitoring: { enabled: true, backend: "other" as never } }),
    ).toContain("args.monitoring.backend");
  });
});

describe("existingClusterHandle monitoring", () => {
  const provider = () => new k8s.Provider("kind", { kubeconfig: "apiVersion: v1\nkind: Config\n" });

  it("carries the backend its owner declares, with nothing to wait for; off when not given", async () => {
    await planOf(() => {
      const on = existingClusterHandle({
        provider: provider(),
        target: "local",
        clusterName: "kind",
        monitoring: {},
      });
      expect(on.monitoring).toEqual({ backend: "prometheusOperator", dependsOn: [] });
      const off = existingClusterHandle({ provider: provider(), target: "local", clusterName: "kind" });
      expect(off.monitoring).toBeUndefined();
    });
  });

  it("rejects gmp off GCP", async () => {
    await expect(
      planOf(() =>
        existingClusterHandle({
          provider: provider(),
          target: "local",
          clusterName: "kind",
          monitoring: { backend: "gmp" },
        }),
      ),
    ).rejects.toThrow(
      'invalid arguments for existingClusterHandle:\n  monitoring.backend: "gmp" (Google Cloud Managed Service for Prometheus) needs target "gcp"',
    );
  });
});
