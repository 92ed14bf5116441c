/**
 * MLflow's scrape coverage (issue 9): with the cluster's monitoring on, the ModelRegistry creates
 * MLflow's monitor through the one helper (`createScrapeTarget`) — a PodMonitor on the container
 * port "http" for the prometheus-operator, a PodMonitoring for GMP — after the server and the
 * Secret it reads credentials from, and after the cluster's CRDs; admits the scrapers to the server
 * port; lets MLflow's host check accept a scrape of the pod's own address; and with basic auth on
 * authenticates with the admin's credentials from the server Secret (not possible on GMP: no
 * monitor there). With monitoring off, nothing of it exists and the server is exactly what it was.
 * The `job` the monitor gives its targets is checked with promtool against the default MLflow rules.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  ModelRegistry,
  type ClusterMonitoring,
  type GcpTargetArgs,
  type ModelRegistryArgs,
  type Target,
} from "../components";
import {
  allowedHosts,
  METRICS_CREDENTIAL_KEYS,
  mlflowMonitorName,
  SCRAPE_HOSTS,
} from "../components/model-registry/mlflow";
import { mlflowDashboard } from "../components/monitoring/dashboards";
import { DEFAULT_MLFLOW_UP_MATCHERS, mlflowRules, renderRuleFile } from "../components/monitoring/rules";
import { findResource, inputAt, planOf, resourcesOfType, type Plan, type PlanResource } from "./helpers";
import { validateJsonSchema, validateStrict, type JsonSchema, type ModelClass } from "./schemas/validate";
import { fakeClusterHandle } from "./training-cluster/fixtures";

const gcp: GcpTargetArgs = {
  project: "acme-ml",
  region: "europe-west4",
  network: "projects/acme-ml/global/networks/ml",
};
const config = { "gcp:project": "acme-ml", "gcp:region": "europe-west4" };

const MONITOR_TYPES = [
  "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
  "kubernetes:monitoring.coreos.com/v1:PodMonitor",
  "kubernetes:monitoring.googleapis.com/v1:PodMonitoring",
];
const schema = (file: string): JsonSchema =>
  JSON.parse(readFileSync(join(__dirname, "schemas", "monitoring", file), "utf8")) as JsonSchema;
const SCHEMAS: Record<string, JsonSchema> = {
  PodMonitor: schema("podmonitor.json"),
  PodMonitoring: schema("podmonitoring-gmp.json"),
};

const SELECTOR = {
  "app.kubernetes.io/name": "mlflow",
  "app.kubernetes.io/instance": "reg",
  "app.kubernetes.io/component": "model-registry",
};
const CLIENTS_RULE = {
  from: [
    { podSelector: {} },
    { namespaceSelector: { matchLabels: { "mlops.pulumi.com/mlflow-client": "true" } } },
  ],
  ports: [{ protocol: "TCP", port: 5000 }],
};

interface Scenario {
  /** The cluster's monitoring backend; undefined: monitoring off. */
  backend?: ClusterMonitoring["backend"];
  target?: Target;
  args?: Partial<Omit<ModelRegistryArgs, "cluster">>;
  name?: string;
}

/** Plans a registry on a fake cluster whose monitoring depends on a stand-in for the CRD release. */
function registryPlan(s: Scenario = {}): Promise<Plan> {
  return planOf(
    () => {
      const crds = new k8s.core.v1.ConfigMap("prometheus-crds", { metadata: { name: "crds" } });
      const target = s.target ?? "local";
      const cluster = fakeClusterHandle({
        target,
        ...(target === "gcp" ? { gcp } : {}),
        ...(s.backend ? { monitoring: { backend: s.backend, dependsOn: [crds] } } : {}),
      });
      new ModelRegistry(s.name ?? "reg", { ...s.args, cluster });
    },
    { config },
  );
}

function monitors(plan: Plan): PlanResource[] {
  return MONITOR_TYPES.flatMap((t) => resourcesOfType(plan, t));
}

/** The monitor: exactly one, valid against the schema of its kind. */
function theMonitor(plan: Plan): PlanResource {
  const all = monitors(plan);
  expect(all.map((m) => m.name)).toEqual(["reg-monitor"]);
  const m = all[0]!;
  const s = SCHEMAS[m.inputs["kind"] as string];
  if (!s) throw new Error(`no schema for ${String(m.inputs["kind"])}`);
  expect(validateJsonSchema(s, m.inputs)).toEqual([]);
  return m;
}

const deployment = (plan: Plan) => findResource(plan, "kubernetes:apps/v1:Deployment", "reg-server");
const networkPolicy = (plan: Plan) =>
  findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "reg-server-network-policy");
const secret = (plan: Plan) => findResource(plan, "kubernetes:core/v1:Secret", "reg-server-config");
const container = (plan: Plan) =>
  inputAt(deployment(plan), "spec.template.spec.containers[0]") as {
    args: string[];
    env: { name: string; value?: unknown; valueFrom?: unknown }[];
    volumeMounts: unknown[];
  };

/** The Deployment's inputs with the two env entries a scraped pod adds taken out. */
function withoutScrapeEnv(d: PlanResource): unknown {
  const copy = structuredClone(d.inputs) as {
    spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
  };
  const env = copy.spec.template.spec.containers[0]!.env;
  const hosts = env.find((e) => e.name === "MLFLOW_SERVER_ALLOWED_HOSTS")!;
  hosts.value = hosts.value!.split(",").slice(0, -SCRAPE_HOSTS.length).join(",");
  copy.spec.template.spec.containers[0]!.env = env.filter((e) => e.name !== "POD_IP");
  return copy;
}

describe("MLflow serves its metrics whether or not it is scraped", () => {
  it("mlflow server --expose-prometheus into the /tmp emptyDir (the root filesystem is read-only)", async () => {
    const plan = await registryPlan();
    const c = container(plan);
    expect(
      c.args.slice(c.args.indexOf("--expose-prometheus"), c.args.indexOf("--expose-prometheus") + 2),
    ).toEqual(["--expose-prometheus", "/tmp/prometheus"]);
    expect(c.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(inputAt(deployment(plan), "spec.template.spec.volumes")).toEqual([
      { name: "tmp", emptyDir: { sizeLimit: "2Gi" } },
    ]);
    expect(
      inputAt(deployment(plan), "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem"),
    ).toBe(true);
  });
});

describe("monitoring off (the cluster has no monitoring)", () => {
  it("no monitor, no scraper rule, no pod address in the host list, no scrape credentials", async () => {
    const plan = await registryPlan({ args: { auth: { enabled: true } } });
    expect(monitors(plan)).toEqual([]);
    expect(inputAt(networkPolicy(plan), "spec.ingress")).toEqual([CLIENTS_RULE]);
    const env = container(plan).env;
    expect(env.map((e) => e.name)).not.toContain("POD_IP");
    expect(env.find((e) => e.name === "MLFLOW_SERVER_ALLOWED_HOSTS")?.value).toBe(
      allowedHosts("reg", "mlflow"),
    );
    expect(Object.keys(secret(plan).inputs["stringData"] as object).sort()).toEqual([
      "backend-store-uri",
      "basic_auth.ini",
      "flask-secret-key",
    ]);
  });
});

describe("monitoring on, prometheus-operator backend", () => {
  it("without auth: a PodMonitor on port http, under the registry, after the CRDs, the server and its Secret", async () => {
    const plan = await registryPlan({ backend: "prometheusOperator" });
    const m = theMonitor(plan);
    expect(m.type).toBe("kubernetes:monitoring.coreos.com/v1:PodMonitor");
    expect(m.inputs).toEqual({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: "mlflow-reg", namespace: "mlflow" },
      spec: {
        selector: { matchLabels: SELECTOR },
        podMetricsEndpoints: [
          { port: "http", path: "/metrics", interval: "30s", scheme: "http", honorLabels: false },
        ],
      },
    });
    expect(m.parent).toBe(findResource(plan, "mlops:index:ModelRegistry", "reg").urn);
    for (const dep of [
      findResource(plan, "kubernetes:core/v1:ConfigMap", "prometheus-crds"),
      deployment(plan),
      findResource(plan, "kubernetes:core/v1:Service", "reg-server-service"),
      secret(plan),
    ]) {
      expect(m.dependencies, dep.name).toContain(dep.urn);
    }
    // The monitor selects the server's pods: the selector is the Deployment's, and the port is
    // the container's named port.
    expect(inputAt(deployment(plan), "spec.selector.matchLabels")).toEqual(SELECTOR);
    expect(inputAt(deployment(plan), "spec.template.spec.containers[0].ports")).toEqual([
      { name: "http", containerPort: 5000, protocol: "TCP" },
    ]);
    // No credentials without auth.
    expect(Object.keys(secret(plan).inputs["stringData"] as object)).toEqual(["backend-store-uri"]);
  });

  it("the NetworkPolicy admits the Monitoring namespace's label to 5000, beside the clients", async () => {
    const plan = await registryPlan({ backend: "prometheusOperator" });
    expect(inputAt(networkPolicy(plan), "spec.ingress")).toEqual([
      CLIENTS_RULE,
      {
        from: [{ namespaceSelector: { matchLabels: { "mlops.pulumi.com/metrics-scraper": "true" } } }],
        ports: [{ protocol: "TCP", port: 5000 }],
      },
    ]);
    expect(validateStrict(NetworkPolicy as unknown as ModelClass, networkPolicy(plan).inputs)).toEqual([]);
  });

  it("MLflow's host check accepts a scrape of the pod's own address (POD_IP from the downward API), nothing wider", async () => {
    const plan = await registryPlan({ backend: "prometheusOperator" });
    const env = container(plan).env;
    const names = env.map((e) => e.name);
    expect(env.find((e) => e.name === "POD_IP")).toEqual({
      name: "POD_IP",
      valueFrom: { fieldRef: { fieldPath: "status.podIP" } },
    });
    // Kubernetes expands $(POD_IP) only from entries defined before.
    expect(names.indexOf("POD_IP")).toBeLessThan(names.indexOf("MLFLOW_SERVER_ALLOWED_HOSTS"));
    const hosts = env.find((e) => e.name === "MLFLOW_SERVER_ALLOWED_HOSTS")?.value as string;
    expect(hosts).toBe(allowedHosts("reg", "mlflow", undefined, SCRAPE_HOSTS));
    expect(hosts.split(",").slice(-2)).toEqual(["$(POD_IP):5000", "[$(POD_IP)]:5000"]);
    expect(hosts).not.toContain("*.");
    expect(hosts.split(",").filter((h) => h.includes("*"))).toEqual(["localhost:*", "127.0.0.1:*"]);
    expect(validateStrict(Deployment as unknown as ModelClass, deployment(plan).inputs)).toEqual([]);
  });

  it("the Deployment differs from an unmonitored one only by those two env entries", async () => {
    const off = await registryPlan();
    const on = await registryPlan({ backend: "prometheusOperator" });
    expect(deployment(on).inputs).not.toEqual(deployment(off).inputs);
    expect(withoutScrapeEnv(deployment(on))).toEqual(deployment(off).inputs);
  });

  it("with auth: basicAuth from the server Secret's metrics keys, which hold the admin's user name and password", async () => {
    const plan = await registryPlan({ backend: "prometheusOperator", args: { auth: { enabled: true } } });
    const m = theMonitor(plan);
    expect(inputAt(m, "spec.podMetricsEndpoints")).toEqual([
      {
        port: "http",
        path: "/metrics",
        interval: "30s",
        scheme: "http",
        honorLabels: false,
        basicAuth: {
          username: { name: "reg-server-config", key: "metrics-username" },
          password: { name: "reg-server-config", key: "metrics-password" },
        },
      },
    ]);
    expect(m.dependencies).toContain(secret(plan).urn);
    // A Secret's data is masked in the plan; its values in clear: the last test of this file.
    expect(secret(plan).inputs["stringData"]).toEqual({
      "backend-store-uri": "[secret]",
      "basic_auth.ini": "[secret]",
      "flask-secret-key": "[secret]",
      [METRICS_CREDENTIAL_KEYS.username]: "[secret]",
      [METRICS_CREDENTIAL_KEYS.password]: "[secret]",
    });
  });
});

describe("monitoring on, GMP backend (gcp)", () => {
  it("without auth: a PodMonitoring on port http, and gmp-system admitted to 5000", async () => {
    const plan = await registryPlan({ backend: "gmp", target: "gcp" });
    const m = theMonitor(plan);
    expect(m.type).toBe("kubernetes:monitoring.googleapis.com/v1:PodMonitoring");
    expect(m.inputs).toEqual({
      apiVersion: "monitoring.googleapis.com/v1",
      kind: "PodMonitoring",
      metadata: { name: "mlflow-reg", namespace: "mlflow" },
      spec: {
        selector: { matchLabels: SELECTOR },
        endpoints: [{ port: "http", path: "/metrics", interval: "30s", scheme: "http" }],
      },
    });
    expect(m.dependencies).toContain(
      findResource(plan, "kubernetes:core/v1:ConfigMap", "prometheus-crds").urn,
    );
    expect(m.dependencies).toContain(deployment(plan).urn);
    expect(inputAt(networkPolicy(plan), "spec.ingress")).toEqual([
      CLIENTS_RULE,
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gmp-system" } } }],
        ports: [{ protocol: "TCP", port: 5000 }],
      },
    ]);
    expect(container(plan).env.map((e) => e.name)).toContain("POD_IP");
  });

  it("with auth: no monitor (GMP cannot read basic-auth credentials from a Secret), and nothing else changes", async () => {
    const auth = { auth: { enabled: true } };
    const plan = await registryPlan({ backend: "gmp", target: "gcp", args: auth });
    const off = await registryPlan({ target: "gcp", args: auth });
    expect(monitors(plan)).toEqual([]);
    expect(inputAt(networkPolicy(plan), "spec.ingress")).toEqual([CLIENTS_RULE]);
    expect(deployment(plan).inputs).toEqual(deployment(off).inputs);
    expect(secret(plan).inputs).toEqual(secret(off).inputs);
    expect(networkPolicy(plan).inputs).toEqual(networkPolicy(off).inputs);
  });
});

describe("the monitor's job is what the MLflow rules and dashboard select", () => {
  /** The `job` label Prometheus gives the monitor's targets (see DEFAULT_MLFLOW_UP_MATCHERS). */
  function jobOf(m: PlanResource): string {
    const { name, namespace } = m.inputs["metadata"] as { name: string; namespace: string };
    return m.inputs["kind"] === "PodMonitor" ? `${namespace}/${name}` : name;
  }

  it("the name starts with mlflow- whatever the registry is called (the end is what gets truncated)", () => {
    expect(mlflowMonitorName("reg")).toBe("mlflow-reg");
    expect(mlflowMonitorName("x".repeat(80))).toMatch(/^mlflow-x+-[0-9a-f]+$/);
    expect(mlflowMonitorName("x".repeat(80)).length).toBeLessThanOrEqual(63);
  });

  it("promtool: MlflowDown fires for the targets of each backend's monitor, also in a namespace without 'mlflow'", async () => {
    const jobs = [
      jobOf(theMonitor(await registryPlan({ backend: "prometheusOperator" }))),
      jobOf(theMonitor(await registryPlan({ backend: "gmp", target: "gcp" }))),
      jobOf(
        monitors(
          await planOf(
            () => {
              const cluster = fakeClusterHandle({
                monitoring: { backend: "prometheusOperator", dependsOn: [] },
              });
              new ModelRegistry("models", { cluster, namespace: "registry" });
            },
            { config },
          ),
        )[0]!,
      ),
    ];
    expect(jobs).toEqual(["mlflow/mlflow-reg", "mlflow-reg", "registry/mlflow-models"]);

    const dir = mkdtempSync(join(tmpdir(), "mlops-mlflow-job-"));
    try {
      writeFileSync(join(dir, "rules.yml"), renderRuleFile([mlflowRules()]));
      const test = (expectFiring: boolean) => ({
        rule_files: ["rules.yml"],
        evaluation_interval: "1m",
        tests: jobs.map((job) => ({
          name: `job ${job}`,
          interval: "1m",
          input_series: [{ series: `up{job="${job}",instance="10.0.0.7:5000"}`, values: "0x20" }],
          alert_rule_test: [
            {
              eval_time: "10m",
              alertname: "MlflowDown",
              ...(expectFiring
                ? {
                    exp_alerts: [
                      {
                        exp_labels: { job, instance: "10.0.0.7:5000", severity: "critical" },
                        exp_annotations: alertAnnotations(job),
                      },
                    ],
                  }
                : {}),
            },
            { eval_time: "20m", alertname: "MlflowTargetMissing" },
          ],
        })),
      });
      writeFileSync(join(dir, "jobs.test.yml"), stringify(test(true)));
      const ok = promtool(dir, "test", "rules", "jobs.test.yml");
      expect(ok.out).toContain("SUCCESS");
      expect(ok.status).toBe(0);
      // The test can fail: expecting no alert for the same series does.
      writeFileSync(join(dir, "wrong.test.yml"), stringify(test(false)));
      expect(promtool(dir, "test", "rules", "wrong.test.yml").status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the dashboard's availability panels use the rules' default matchers", () => {
    const json = JSON.stringify(mlflowDashboard());
    expect(json).toContain(JSON.stringify(`up{${DEFAULT_MLFLOW_UP_MATCHERS}}`).slice(1, -1));
    expect(DEFAULT_MLFLOW_UP_MATCHERS).toBe('job=~".*mlflow.*"');
  });
});

// Last: its plain mocks replace the plan's for the rest of the file.
describe("the scrape credentials in clear", () => {
  it("metrics-username/-password are the admin's user name and generated password", async () => {
    const data = await serverSecretInClear({
      backend: "prometheusOperator",
      args: { auth: { enabled: true } },
    });
    expect(data.stringData["metrics-password"]).toBe(data.passwords["reg-admin-password"]);
    expect(data.stringData["basic_auth.ini"]).toContain(
      `admin_password = ${data.passwords["reg-admin-password"]}\n`,
    );
    expect(data.stringData["metrics-username"]).toBe("admin");
  });
});

function promtool(cwd: string, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync("promtool", args, { cwd, encoding: "utf8", timeout: 120_000 });
  if (r.error)
    throw new Error(`cannot run promtool (install Debian package "prometheus"): ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** MlflowDown's annotations for a target of `job` at 10.0.0.7:5000, expanded as Prometheus does. */
function alertAnnotations(job: string): Record<string, string> {
  const rule = mlflowRules().alertingRules.find((a) => a.alert === "MlflowDown")!;
  const labels: Record<string, string> = { job, instance: "10.0.0.7:5000" };
  const expand = (t: string) =>
    t.replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_, l: string) => labels[l] ?? "");
  return {
    summary: expand(rule.summary),
    description: expand(rule.description),
    runbook: expand(rule.runbook),
  };
}

/**
 * The server Secret's data and the generated passwords in clear: the registry under plain Pulumi
 * mocks (whose inputs carry secret values, unlike the plan, which masks them).
 */
async function serverSecretInClear(
  s: Scenario,
): Promise<{ stringData: Record<string, string>; passwords: Record<string, string> }> {
  const passwords: Record<string, string> = {};
  let resolveData: (d: Record<string, string>) => void = () => undefined;
  const data = new Promise<Record<string, string>>((resolve) => (resolveData = resolve));
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "random:index/randomPassword:RandomPassword") {
          passwords[args.name] = `${args.name.replace(/[^a-z]/g, "")}${"7".repeat(24)}`;
          state["result"] = passwords[args.name];
        }
        if (args.type === "kubernetes:core/v1:Secret" && args.name === "reg-server-config") {
          // Mocks see secrets as { <signature key>: <secret signature>, value }.
          const raw = args.inputs["stringData"] as { value?: Record<string, string> };
          resolveData(raw.value ?? (raw as Record<string, string>));
        }
        if (args.type.startsWith("kubernetes:")) {
          state["metadata"] = {
            ...(args.inputs["metadata"] as object),
            name: (args.inputs["metadata"] as { name?: string })?.name ?? args.name,
          };
        }
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs as Record<string, unknown>,
    },
    "mlops",
    "test",
    false,
  );
  const cluster = fakeClusterHandle({
    monitoring: { backend: s.backend ?? "prometheusOperator", dependsOn: [] },
  });
  new ModelRegistry("reg", { ...s.args, cluster });
  const stringData = await Promise.race([
    data,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("the server Secret was never registered")), 10_000),
    ),
  ]);
  return { stringData, passwords };
}
