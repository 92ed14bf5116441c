/**
 * `mlops:index:Monitoring` (issue 9) planned under mocks: the exact children and their inputs per
 * mode, target and environment preset; the rules, the Alertmanager routing, Grafana, the
 * Pushgateway and the namespaces; every error message for bad input; and the whole plan against
 * the policy pack, both as shipped (no mandatory violation) and weakened through `values` (refused
 * by the resolver, or reported by the pack where the resolver does not guard the path).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  KUBE_PROMETHEUS_STACK_CHART,
  Monitoring,
  MONITORING_TYPE,
  PROMETHEUS_OPERATOR_CRDS_CHART,
  PUSHGATEWAY_IMAGE,
  ReceiverKind,
  type AwsTargetArgs,
  type GcpTargetArgs,
  type MonitoringArgs,
  type Target,
} from "../../components";
import {
  defaultDashboards,
  defaultRuleGroups,
  prometheusRuleManifest,
  ScrapeBackend,
  type CatalogueParams,
} from "../../components/monitoring";
import type { Environment } from "../../components/shared/presets";
import type { PlanResource } from "../../plan/types";
import { runPoliciesDetailed } from "../../policies/offline";
import { findResource, inputAt, planOf, resourcesOfType, type Plan } from "../helpers";
import { validateJsonSchema, type JsonSchema } from "../schemas/validate";
import { fakeClusterHandle } from "../training-cluster/fixtures";

// ---- fixtures ---------------------------------------------------------------------------------

const aws: AwsTargetArgs = {
  vpcId: "vpc-123",
  vpcCidrBlock: "10.0.0.0/16",
  privateSubnetIds: ["subnet-a", "subnet-b"],
  nodeSecurityGroupId: "sg-nodes",
  identityMode: "irsa",
  oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
  oidcProviderUrl: "https://oidc.eks.us-east-1.amazonaws.com/id/ABC",
};
const gcp: GcpTargetArgs = {
  project: "acme-ml",
  region: "europe-west4",
  network: "projects/acme-ml/global/networks/ml",
};
const CONFIG = { "aws:region": "us-east-1", "gcp:project": "acme-ml", "gcp:region": "europe-west4" };
const tags = { owner: "ml-platform", "cost-center": "cc-1", "data-classification": "internal" };

const T = {
  release: "kubernetes:helm.sh/v3:Release",
  namespace: "kubernetes:core/v1:Namespace",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  secret: "kubernetes:core/v1:Secret",
  configMap: "kubernetes:core/v1:ConfigMap",
  deployment: "kubernetes:apps/v1:Deployment",
  service: "kubernetes:core/v1:Service",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  password: "random:index/randomPassword:RandomPassword",
  prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
  podMonitor: "kubernetes:monitoring.coreos.com/v1:PodMonitor",
  clusterRules: "kubernetes:monitoring.googleapis.com/v1:ClusterRules",
  podMonitoring: "kubernetes:monitoring.googleapis.com/v1:PodMonitoring",
  operatorConfigPatch: "kubernetes:monitoring.googleapis.com/v1:OperatorConfigPatch",
  restrictedNamespace: "mlops:index:RestrictedNamespace",
  secureWorkload: "mlops:index:SecureWorkload",
} as const;

const schema = (file: string): JsonSchema =>
  JSON.parse(readFileSync(join(__dirname, "..", "schemas", "monitoring", file), "utf8")) as JsonSchema;

/** The labels the component puts on its objects (the tags and the environment). */
function labels(environment: Environment = "dev"): Record<string, string> {
  return {
    "app.kubernetes.io/component": "monitoring",
    "app.kubernetes.io/instance": "mon",
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/name": "monitoring",
    "app.kubernetes.io/part-of": "pulumi-mlops",
    environment,
    owner: "ml-platform",
    "cost-center": "cc-1",
    "data-classification": "internal",
  };
}

interface Scenario {
  target?: Target;
  /** The cluster's scrape backend. @default "gmp" on gcp, else "prometheusOperator" */
  backend?: ScrapeBackend;
  /** The cluster's environment. @default "dev" */
  environment?: Environment;
  /** false: a cluster without monitoring. */
  monitoring?: false;
  args?: Omit<MonitoringArgs, "cluster">;
}

/**
 * Plans `new Monitoring("mon", …)` on a fake handle of `target` whose `monitoring.dependsOn` is a
 * stand-in of the cluster's CRD release (`crds`), with the cloud details the target needs.
 */
function monitoringPlan(s: Scenario = {}): Promise<Plan> {
  const target = s.target ?? "local";
  return planOf(
    () => {
      const base = fakeClusterHandle({
        target,
        environment: s.environment ?? "dev",
        ...(target === "aws" ? { aws } : {}),
        ...(target === "gcp" ? { gcp } : {}),
      });
      const crds = new k8s.helm.v3.Release(
        "crds",
        {
          name: PROMETHEUS_OPERATOR_CRDS_CHART.chart,
          chart: PROMETHEUS_OPERATOR_CRDS_CHART.chart,
          version: PROMETHEUS_OPERATOR_CRDS_CHART.version,
          repositoryOpts: { repo: PROMETHEUS_OPERATOR_CRDS_CHART.repo },
          namespace: "kube-system",
        },
        { provider: base.provider },
      );
      const backend = s.backend ?? (target === "gcp" ? ScrapeBackend.gmp : ScrapeBackend.prometheusOperator);
      const cluster = s.monitoring === false ? base : { ...base, monitoring: { backend, dependsOn: [crds] } };
      new Monitoring("mon", { tags, ...s.args, cluster });
    },
    { config: CONFIG },
  );
}

/** The error a program fails with ("" when it plans). */
async function failure(s: Scenario): Promise<string> {
  try {
    await monitoringPlan(s);
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

const release = (plan: Plan) => findResource(plan, T.release, "mon");
const values = (plan: Plan) => inputAt(release(plan), "values") as Record<string, unknown>;
const urnOf = (plan: Plan, type: string, name: string) => findResource(plan, type, name).urn;
const component = (plan: Plan) => findResource(plan, MONITORING_TYPE, "mon");

/** `[type, name, parent name]` of every resource under the component, sorted. */
function tree(plan: Plan): string[] {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const under = (r: PlanResource): boolean => {
    const p = byUrn.get(r.parent);
    return p !== undefined && (p.urn === component(plan).urn || under(p));
  };
  return plan.resources
    .filter(under)
    .map((r) => `${r.type} ${r.name} <- ${byUrn.get(r.parent)?.name ?? "?"}`)
    .sort();
}

/** Mandatory policy violations of the plan (prod levels), as `rule resource`. */
function mandatoryViolations(resources: PlanResource[]): string[] {
  return runPoliciesDetailed({ stack: "test", project: "mlops", resources }, { environment: "prod" })
    .violations.filter((v) => v.enforcementLevel === "mandatory")
    .map((v) => `${v.policyName} ${v.urn.split("::").pop() ?? ""}`);
}

const RESOURCES = (cpuRequest: string, memoryRequest: string, cpuLimit: string, memoryLimit: string) => ({
  requests: { cpu: cpuRequest, memory: memoryRequest },
  limits: { cpu: cpuLimit, memory: memoryLimit },
});

const claim = (storage: string) => ({
  volumeClaimTemplate: {
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage } } },
  },
});

/** The routes that drop kube-prometheus-stack's always-firing Watchdog and InfoInhibitor. */
const META_ROUTES = [
  { receiver: "null", matchers: ['alertname="Watchdog"'] },
  { receiver: "null", matchers: ['alertname="InfoInhibitor"'] },
];

/** The release values of a default selfHosted Monitoring in dev, written out by hand. */
const DEV_VALUES = {
  fullnameOverride: "monitoring",
  crds: { enabled: false },
  kubeControllerManager: { enabled: false },
  kubeScheduler: { enabled: false },
  kubeEtcd: { enabled: false },
  kubeProxy: { enabled: false },
  defaultRules: {
    create: true,
    rules: {
      etcd: false,
      kubeControllerManager: false,
      kubeSchedulerAlerting: false,
      kubeSchedulerRecording: false,
      kubeProxy: false,
    },
  },
  prometheusOperator: {
    resources: RESOURCES("100m", "128Mi", "500m", "512Mi"),
    admissionWebhooks: { patch: { resources: RESOURCES("50m", "64Mi", "100m", "128Mi") } },
  },
  prometheus: {
    enabled: true,
    service: { type: "ClusterIP" },
    ingress: { enabled: false },
    prometheusSpec: {
      serviceMonitorSelectorNilUsesHelmValues: false,
      podMonitorSelectorNilUsesHelmValues: false,
      ruleSelectorNilUsesHelmValues: false,
      probeSelectorNilUsesHelmValues: false,
      scrapeConfigSelectorNilUsesHelmValues: false,
      enableAdminAPI: false,
      enableRemoteWriteReceiver: false,
      retention: "7d",
      retentionSize: "17GiB",
      replicas: 1,
      externalLabels: { cluster: "test" },
      resources: RESOURCES("500m", "2Gi", "2", "8Gi"),
      storageSpec: claim("20Gi"),
    },
  },
  alertmanager: {
    service: { type: "ClusterIP" },
    ingress: { enabled: false },
    config: {
      route: {
        receiver: "null",
        group_by: ["alertname", "namespace"],
        group_wait: "30s",
        group_interval: "5m",
        repeat_interval: "4h",
        routes: META_ROUTES,
      },
      inhibit_rules: [
        {
          source_matchers: ['severity="critical"'],
          target_matchers: ['severity="warning"'],
          equal: ["alertname", "namespace"],
        },
      ],
      receivers: [{ name: "null" }],
    },
    alertmanagerSpec: {
      replicas: 1,
      secrets: [],
      alertmanagerConfigMatcherStrategy: { type: "OnNamespace" },
      alertmanagerConfigSelector: {},
      alertmanagerConfigNamespaceSelector: {},
      resources: RESOURCES("50m", "128Mi", "200m", "256Mi"),
      storage: claim("2Gi"),
    },
  },
  grafana: {
    enabled: true,
    fullnameOverride: "monitoring-grafana",
    admin: { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" },
    "grafana.ini": {
      "auth.anonymous": { enabled: false },
      users: { allow_sign_up: false },
      analytics: { reporting_enabled: false, check_for_updates: false },
      security: { disable_gravatar: true, cookie_secure: true },
    },
    service: { type: "ClusterIP" },
    ingress: { enabled: false },
    persistence: { enabled: false },
    initChownData: { enabled: false },
    testFramework: { enabled: false },
    resources: RESOURCES("100m", "256Mi", "500m", "512Mi"),
    sidecar: {
      resources: RESOURCES("50m", "64Mi", "100m", "128Mi"),
      dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" },
    },
  },
  "kube-state-metrics": { resources: RESOURCES("50m", "128Mi", "200m", "256Mi") },
  nodeExporter: { enabled: true },
  "prometheus-node-exporter": {
    namespaceOverride: "monitoring-node-exporter",
    resources: RESOURCES("50m", "32Mi", "200m", "64Mi"),
  },
};

// ---- 1. selfHosted on local -------------------------------------------------------------------

describe("selfHosted on local (dev)", () => {
  it("creates exactly the stack's children, each under the component or the child it belongs to", async () => {
    const plan = await monitoringPlan();
    expect(tree(plan)).toEqual(
      [
        `${T.restrictedNamespace} mon-namespace <- mon`,
        `${T.namespace} mon-namespace <- mon-namespace`,
        `${T.networkPolicy} mon-namespace-default-deny <- mon-namespace`,
        `${T.networkPolicy} mon-namespace-dns-egress <- mon-namespace`,
        `${T.namespace} mon-node-exporter-namespace <- mon`,
        `${T.networkPolicy} mon-node-exporter-network-policy <- mon`,
        `${T.networkPolicy} mon-network-policy <- mon`,
        `${T.password} mon-grafana-password <- mon`,
        `${T.secret} mon-grafana-admin <- mon`,
        `${T.release} mon <- mon`,
        `${T.prometheusRule} mon-rules <- mon`,
        `${T.configMap} mon-dashboard-mlops-gpu-fleet <- mon`,
        `${T.configMap} mon-dashboard-mlops-serving <- mon`,
        `${T.configMap} mon-dashboard-mlops-training-queues <- mon`,
        `${T.configMap} mon-dashboard-mlops-feature-store <- mon`,
        `${T.configMap} mon-dashboard-mlops-mlflow <- mon`,
        `${T.secureWorkload} mon-pushgateway <- mon`,
        `${T.serviceAccount} mon-pushgateway-sa <- mon-pushgateway`,
        `${T.deployment} mon-pushgateway <- mon-pushgateway`,
        `${T.service} mon-pushgateway-service <- mon-pushgateway`,
        `${T.networkPolicy} mon-pushgateway-network-policy <- mon-pushgateway`,
        `${T.podMonitor} mon-pushgateway-monitor <- mon`,
      ].sort(),
    );
    // Every Kubernetes child is deployed with the cluster's provider.
    for (const r of plan.resources.filter(
      (x) => x.custom && x.type.startsWith("kubernetes:") && x.name !== "cluster",
    ))
      expect(r.provider, r.name).toMatch(/::cluster::cluster-id$/);
  });

  it("installs the pinned kube-prometheus-stack: no CRDs, atomic, into the component's namespace", async () => {
    const plan = await monitoringPlan();
    const r = release(plan);
    const { values: _values, compat: _compat, ...rest } = r.inputs;
    expect(rest).toEqual({
      name: "monitoring",
      chart: "kube-prometheus-stack",
      version: "88.5.3",
      repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" },
      namespace: "monitoring",
      createNamespace: false,
      skipCrds: true,
      timeout: 900,
      atomic: true,
      cleanupOnFail: true,
      maxHistory: 10,
    });
    expect(KUBE_PROMETHEUS_STACK_CHART).toEqual({
      repo: "https://prometheus-community.github.io/helm-charts",
      chart: "kube-prometheus-stack",
      version: "88.5.3",
    });
    expect(r.protect).toBe(false);
    expect(r.retainOnDelete).toBe(false);
  });

  it("sets exactly the values the component guarantees (dev preset)", async () => {
    const plan = await monitoringPlan();
    expect(values(plan)).toEqual(DEV_VALUES);
  });

  it("comes after the cluster's CRDs, its namespaces, the stack NetworkPolicy and the Grafana Secret", async () => {
    const plan = await monitoringPlan();
    expect([...release(plan).dependencies].sort()).toEqual(
      [
        urnOf(plan, T.release, "crds"),
        urnOf(plan, T.namespace, "mon-namespace"),
        urnOf(plan, T.namespace, "mon-node-exporter-namespace"),
        urnOf(plan, T.networkPolicy, "mon-network-policy"),
        urnOf(plan, T.secret, "mon-grafana-admin"),
      ].sort(),
    );
  });

  it("prod: 30d / 85GiB on 100Gi, two Prometheus and three Alertmanager replicas spread, the release protected", async () => {
    const plan = await monitoringPlan({ environment: "prod" });
    const v = values(plan) as {
      prometheus: { prometheusSpec: Record<string, unknown> };
      alertmanager: { alertmanagerSpec: Record<string, unknown> };
    };
    expect(v.prometheus.prometheusSpec).toMatchObject({
      retention: "30d",
      retentionSize: "85GiB",
      replicas: 2,
      podAntiAffinity: "soft",
      storageSpec: claim("100Gi"),
      externalLabels: { cluster: "test" },
    });
    expect(v.alertmanager.alertmanagerSpec).toMatchObject({ replicas: 3, podAntiAffinity: "soft" });
    const r = release(plan);
    expect([r.protect, r.retainOnDelete]).toEqual([true, true]);
    // Only the release holds state; nothing else is protected.
    expect(plan.resources.filter((x) => x.protect).map((x) => x.name)).toEqual(["mon"]);
    expect(inputAt(findResource(plan, T.namespace, "mon-namespace"), "metadata.labels.environment")).toBe(
      "prod",
    );
  });

  it("staging: 15d / 42GiB on 50Gi, two replicas each; explicit prometheus args win over the preset", async () => {
    const staging = values(await monitoringPlan({ environment: "staging" })) as never as {
      prometheus: { prometheusSpec: Record<string, unknown> };
      alertmanager: { alertmanagerSpec: Record<string, unknown> };
    };
    expect(staging.prometheus.prometheusSpec).toMatchObject({
      retention: "15d",
      retentionSize: "42GiB",
      replicas: 2,
      storageSpec: claim("50Gi"),
    });
    expect(staging.alertmanager.alertmanagerSpec.replicas).toBe(2);
    expect(release(await monitoringPlan({ environment: "staging" })).protect).toBe(false);

    const custom = values(
      await monitoringPlan({
        environment: "prod",
        args: {
          prometheus: {
            retention: "90d",
            storageGb: 250,
            replicas: 3,
            resources: { cpuRequest: "1", memoryRequest: "4Gi", cpuLimit: "4", memoryLimit: "16Gi" },
          },
          alertmanager: { replicas: 1, storageGb: 5 },
          protect: false,
        },
      }),
    ) as never as {
      prometheus: { prometheusSpec: Record<string, unknown> };
      alertmanager: { alertmanagerSpec: Record<string, unknown> };
    };
    expect(custom.prometheus.prometheusSpec).toMatchObject({
      retention: "90d",
      retentionSize: "212GiB",
      replicas: 3,
      storageSpec: claim("250Gi"),
      resources: RESOURCES("1", "4Gi", "4", "16Gi"),
    });
    expect(custom.alertmanager.alertmanagerSpec).toMatchObject({ replicas: 1, storage: claim("5Gi") });
    expect(custom.alertmanager.alertmanagerSpec).not.toHaveProperty("podAntiAffinity");
  });

  it("the component's environment defaults to the cluster's; an explicit one wins", async () => {
    const plan = await monitoringPlan({ environment: "prod", args: { environment: "dev" } });
    expect(inputAt(release(plan), "values.prometheus.prometheusSpec.retention")).toBe("7d");
    expect(release(plan).protect).toBe(false);
  });

  it("outputs the in-cluster URLs, the admin user and the password as a secret", async () => {
    const plan = await monitoringPlan();
    expect(component(plan).outputs).toEqual({
      namespace: "monitoring",
      prometheusUrl: "http://monitoring-prometheus.monitoring.svc.cluster.local:9090",
      alertmanagerUrl: "http://monitoring-alertmanager.monitoring.svc.cluster.local:9093",
      grafanaUrl: "http://monitoring-grafana.monitoring.svc.cluster.local:80",
      grafanaAdminUsername: "admin",
      grafanaAdminPassword: "[secret]",
      pushgatewayUrl: "http://pushgateway.monitoring.svc.cluster.local:9091",
    });
  });

  it("a custom namespace names the namespace, node-exporter's, the release's and every URL", async () => {
    const plan = await monitoringPlan({ args: { namespace: "observability" } });
    expect(inputAt(findResource(plan, T.namespace, "mon-namespace"), "metadata.name")).toBe("observability");
    expect(inputAt(findResource(plan, T.namespace, "mon-node-exporter-namespace"), "metadata.name")).toBe(
      "observability-node-exporter",
    );
    expect(inputAt(release(plan), "namespace")).toBe("observability");
    expect(inputAt(release(plan), "values.prometheus-node-exporter.namespaceOverride")).toBe(
      "observability-node-exporter",
    );
    expect(inputAt(findResource(plan, T.prometheusRule, "mon-rules"), "metadata.namespace")).toBe(
      "observability",
    );
    expect(component(plan).outputs?.["prometheusUrl"]).toBe(
      "http://monitoring-prometheus.observability.svc.cluster.local:9090",
    );
  });
});

// ---- 2. the alert rules -----------------------------------------------------------------------

describe("the toolkit's alert rules (PrometheusRule)", () => {
  it("one PrometheusRule mlops-alerts in the namespace: the catalogue's groups, valid against the CRD, after the release", async () => {
    const plan = await monitoringPlan();
    const rule = findResource(plan, T.prometheusRule, "mon-rules");
    const expected = prometheusRuleManifest("mlops-alerts", "monitoring", labels(), defaultRuleGroups());
    expect(rule.inputs).toEqual(expected);
    expect(expected.spec.groups.map((g) => g.name)).toEqual([
      "mlops-slo-serving-errors",
      "mlops-slo-serving-latency",
      "mlops-gpu",
      "mlops-kueue",
      "mlops-karpenter",
      "mlops-feature-store",
      "mlops-mlflow",
      "mlops-model-drift",
      "mlops-pushgateway",
    ]);
    expect(validateJsonSchema(schema("prometheusrule.json"), rule.inputs)).toEqual([]);
    // The operator's admission webhook (in the release) validates it; the CRD comes with the cluster.
    expect(rule.dependencies).toEqual(
      expect.arrayContaining([release(plan).urn, urnOf(plan, T.release, "crds")]),
    );
  });

  it("custom alert parameters flow into the rules (an errorSlo target of 99.5%)", async () => {
    const alerts: CatalogueParams = { errorSlo: { target: 0.995 }, gpuIdle: { threshold: 0.05, for: "2h" } };
    const plan = await monitoringPlan({ args: { alerts } });
    const groups = inputAt(findResource(plan, T.prometheusRule, "mon-rules"), "spec.groups");
    const custom = prometheusRuleManifest("mlops-alerts", "monitoring", labels(), defaultRuleGroups(alerts));
    expect(groups).toEqual(custom.spec.groups);
    expect(groups).not.toEqual(prometheusRuleManifest("m", "m", {}, defaultRuleGroups()).spec.groups);
    // The page threshold is 14.4 × the error budget of 99.5%.
    expect(JSON.stringify(groups)).toContain("> (14.4 * (1 - 0.995))");
  });

  it("invalid alert parameters are reported at their path", async () => {
    expect(await failure({ args: { alerts: { errorSlo: { target: 1.5 } } } })).toMatch(
      /^invalid arguments for mlops:index:Monitoring:\n {2}args\.alerts\.errorSlo\.target: /,
    );
  });
});

// ---- 3. Alertmanager --------------------------------------------------------------------------

describe("Alertmanager routing from args", () => {
  const alertmanager: MonitoringArgs["alertmanager"] = {
    receivers: [
      {
        name: "slack-ml",
        kind: ReceiverKind.slack,
        slack: { apiUrlSecret: { name: "alerting", key: "slack-url" }, channel: "#ml-alerts" },
      },
      {
        name: "pager",
        kind: ReceiverKind.pagerduty,
        pagerduty: { routingKeySecret: { name: "pagerduty", key: "routing-key" } },
      },
      {
        name: "hook",
        kind: ReceiverKind.webhook,
        webhook: {
          url: "https://hooks.example.com/alerts",
          credentialsSecret: { name: "alerting", key: "hook-token" },
        },
      },
    ],
    routes: [
      { receiver: "pager", matchers: [{ label: "severity", value: "critical" }] },
      {
        receiver: "slack-ml",
        matchers: [{ label: "severity", operator: "=~", value: "warning|info" }],
        continue: true,
      },
    ],
    defaultReceiver: "hook",
    repeatInterval: "12h",
  };

  it("renders the receivers into values.alertmanager.config with *_file paths and mounts their Secrets", async () => {
    const plan = await monitoringPlan({ args: { alertmanager } });
    expect(inputAt(release(plan), "values.alertmanager.config")).toEqual({
      route: {
        receiver: "hook",
        group_by: ["alertname", "namespace"],
        group_wait: "30s",
        group_interval: "5m",
        repeat_interval: "12h",
        routes: [
          ...META_ROUTES,
          { receiver: "pager", matchers: ['severity="critical"'] },
          { receiver: "slack-ml", matchers: ['severity=~"warning|info"'], continue: true },
        ],
      },
      inhibit_rules: [
        {
          source_matchers: ['severity="critical"'],
          target_matchers: ['severity="warning"'],
          equal: ["alertname", "namespace"],
        },
      ],
      receivers: [
        { name: "null" },
        {
          name: "slack-ml",
          slack_configs: [
            {
              api_url_file: "/etc/alertmanager/secrets/alerting/slack-url",
              channel: "#ml-alerts",
              send_resolved: true,
            },
          ],
        },
        {
          name: "pager",
          pagerduty_configs: [
            { routing_key_file: "/etc/alertmanager/secrets/pagerduty/routing-key", send_resolved: true },
          ],
        },
        {
          name: "hook",
          webhook_configs: [
            {
              url: "https://hooks.example.com/alerts",
              send_resolved: true,
              max_alerts: 0,
              http_config: {
                authorization: {
                  type: "Bearer",
                  credentials_file: "/etc/alertmanager/secrets/alerting/hook-token",
                },
              },
            },
          ],
        },
      ],
    });
    expect(inputAt(release(plan), "values.alertmanager.alertmanagerSpec.secrets")).toEqual([
      "alerting",
      "pagerduty",
    ]);
    // No credential anywhere in the release's values.
    expect(JSON.stringify(values(plan))).not.toMatch(/api_url"|routing_key"|credentials"/);
  });

  it("the chart's always-firing alerts never reach a receiver, unless a route of the args names one itself", async () => {
    const heartbeat = await monitoringPlan({
      args: {
        alertmanager: {
          ...alertmanager,
          routes: [
            { receiver: "hook", matchers: [{ label: "alertname", value: "Watchdog" }], repeatInterval: "5m" },
          ],
        },
      },
    });
    expect(inputAt(release(heartbeat), "values.alertmanager.config.route.routes")).toEqual([
      { receiver: "null", matchers: ['alertname="InfoInhibitor"'] },
      { receiver: "hook", matchers: ['alertname="Watchdog"'], repeat_interval: "5m" },
    ]);
  });

  it("the release's configuration passes the real amtool, and routes the always-firing alerts to null", async () => {
    const plan = await monitoringPlan({ args: { alertmanager } });
    const dir = mkdtempSync(join(tmpdir(), "mlops-monitoring-"));
    const file = join(dir, "alertmanager.yml");
    writeFileSync(file, stringify(inputAt(release(plan), "values.alertmanager.config")));
    const amtool = (args: string[]) => {
      const r = spawnSync("amtool", args, { encoding: "utf8", timeout: 30_000 });
      if (r.error)
        throw new Error(`cannot run amtool (${r.error.message}): install Debian's prometheus-alertmanager`);
      return { status: r.status, stdout: r.stdout.trim() };
    };
    expect(amtool(["check-config", file]).status).toBe(0);
    for (const [expected, labels] of [
      ["null", ["alertname=Watchdog", "severity=none"]],
      ["null", ["alertname=InfoInhibitor", "severity=none", "namespace=monitoring"]],
      ["pager", ["alertname=MlflowDown", "severity=critical"]],
      ["slack-ml", ["alertname=ModelDrift", "severity=warning"]],
      ["hook", ["alertname=Unrouted", "severity=none"]],
    ] as const) {
      expect(
        amtool([
          "config",
          "routes",
          "test",
          `--config.file=${file}`,
          `--verify.receivers=${expected}`,
          ...labels,
        ]),
        labels.join(" "),
      ).toEqual({ status: 0, stdout: expected });
    }
  });

  it("a route to an unknown receiver is refused before anything is created", async () => {
    const message = await failure({
      args: {
        alertmanager: { routes: [{ receiver: "oncall", matchers: [{ label: "team", value: "ml" }] }] },
      },
    });
    expect(message).toBe(
      'invalid arguments for mlops:index:Monitoring:\n  args.alertmanager.routes[0].receiver: unknown receiver "oncall"; define it under receivers or use "null" to drop',
    );
  });
});

// ---- 4. Grafana -------------------------------------------------------------------------------

describe("Grafana", () => {
  it("an admin Secret with a generated 32-character password, referenced by the chart; the password output is secret", async () => {
    const plan = await monitoringPlan({ args: { grafana: { adminUsername: "ops" } } });
    const password = findResource(plan, T.password, "mon-grafana-password");
    expect(password.inputs).toMatchObject({ length: 32, special: false });
    const secret = findResource(plan, T.secret, "mon-grafana-admin");
    expect(secret.inputs).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "grafana-admin", namespace: "monitoring", labels: labels() },
      type: "Opaque",
      stringData: { "admin-user": "[secret]", "admin-password": "[secret]" },
    });
    expect(secret.secretInputs).toEqual(["stringData"]);
    expect(secret.dependencies).toContain(password.urn);
    expect(inputAt(release(plan), "values.grafana.admin")).toEqual({
      existingSecret: "grafana-admin",
      userKey: "admin-user",
      passwordKey: "admin-password",
    });
    expect((values(plan).grafana as Record<string, unknown>)["grafana.ini"]).toMatchObject({
      "auth.anonymous": { enabled: false },
    });
    expect(component(plan).outputs).toMatchObject({
      grafanaAdminUsername: "ops",
      grafanaAdminPassword: "[secret]",
    });
  });

  it("the five dashboards as ConfigMaps the sidecar loads (label grafana_dashboard=1)", async () => {
    const plan = await monitoringPlan();
    const maps = resourcesOfType(plan, T.configMap);
    expect(maps.map((m) => m.name).sort()).toEqual(
      defaultDashboards()
        .map((d) => `mon-dashboard-${d.uid}`)
        .sort(),
    );
    expect(maps).toHaveLength(5);
    for (const d of defaultDashboards()) {
      const cm = findResource(plan, T.configMap, `mon-dashboard-${d.uid}`);
      expect(inputAt(cm, "metadata")).toEqual({
        name: `grafana-dashboard-${d.uid}`,
        namespace: "monitoring",
        labels: { ...labels(), grafana_dashboard: "1" },
      });
      const data = inputAt(cm, "data") as Record<string, string>;
      expect(Object.keys(data)).toEqual([`${d.uid}.json`]);
      expect((JSON.parse(data[`${d.uid}.json`]!) as { uid: string }).uid).toBe(d.uid);
      expect(cm.dependencies).toContain(urnOf(plan, T.namespace, "mon-namespace"));
    }
  });

  it("grafana.enabled false: no password, Secret or dashboard, Grafana off in the chart, no Grafana outputs", async () => {
    const plan = await monitoringPlan({ args: { grafana: { enabled: false } } });
    expect(resourcesOfType(plan, T.password)).toEqual([]);
    expect(resourcesOfType(plan, T.secret)).toEqual([]);
    expect(resourcesOfType(plan, T.configMap)).toEqual([]);
    expect(values(plan).grafana).toEqual({ enabled: false });
    expect(release(plan).dependencies).not.toContain(expect.stringContaining("grafana"));
    const outputs = component(plan).outputs ?? {};
    expect(outputs["grafanaUrl"]).toBeUndefined();
    expect(outputs["grafanaAdminUsername"]).toBeUndefined();
    expect(outputs["grafanaAdminPassword"]).toBeUndefined();
  });
});

// ---- 5. Pushgateway ---------------------------------------------------------------------------

describe("the Pushgateway", () => {
  const selector = { "app.kubernetes.io/name": "pushgateway", "app.kubernetes.io/instance": "mon" };
  const podLabels = { ...labels(), ...selector };

  it("one hardened replica: pinned image, restricted security context, resources, persistence args", async () => {
    const plan = await monitoringPlan();
    const d = findResource(plan, T.deployment, "mon-pushgateway");
    expect(inputAt(d, "metadata")).toEqual({
      name: "pushgateway",
      namespace: "monitoring",
      labels: podLabels,
    });
    expect(inputAt(d, "spec.replicas")).toBe(1);
    expect(inputAt(d, "spec.selector")).toEqual({ matchLabels: selector });
    const pod = inputAt(d, "spec.template.spec") as Record<string, unknown>;
    expect(pod["automountServiceAccountToken"]).toBe(false);
    expect(pod["serviceAccountName"]).toBe("pushgateway");
    expect(pod["securityContext"]).toEqual({
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      fsGroup: 65534,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod["volumes"]).toEqual([{ name: "data", emptyDir: { sizeLimit: "256Mi" } }]);
    const c = inputAt(d, "spec.template.spec.containers[0]") as Record<string, unknown>;
    expect(PUSHGATEWAY_IMAGE).toBe("quay.io/prometheus/pushgateway:v1.11.3");
    expect(c["image"]).toBe(PUSHGATEWAY_IMAGE);
    expect(c["args"]).toEqual([
      "--web.listen-address=:9091",
      "--persistence.file=/data/pushgateway.data",
      "--persistence.interval=1m",
    ]);
    expect(c["ports"]).toEqual([{ name: "http", containerPort: 9091, protocol: "TCP" }]);
    expect(c["resources"]).toEqual(RESOURCES("50m", "64Mi", "200m", "256Mi"));
    expect(c["securityContext"]).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(c["volumeMounts"]).toEqual([{ name: "data", mountPath: "/data" }]);
    expect((c["readinessProbe"] as Record<string, unknown>)["httpGet"]).toEqual({
      path: "/-/healthy",
      port: "http",
    });
    expect(inputAt(findResource(plan, T.service, "mon-pushgateway-service"), "spec")).toEqual({
      type: "ClusterIP",
      selector,
      ports: [{ name: "http", port: 9091, targetPort: "http", protocol: "TCP" }],
    });
  });

  it("admits pushes only from the pusher-labelled namespaces and scrapes from its own namespace", async () => {
    const plan = await monitoringPlan();
    const np = findResource(plan, T.networkPolicy, "mon-pushgateway-network-policy");
    expect(inputAt(np, "spec.podSelector")).toEqual({ matchLabels: selector });
    expect(inputAt(np, "spec.ingress")).toEqual([
      {
        from: [
          { podSelector: {} },
          { namespaceSelector: { matchLabels: { "mlops.pulumi.com/metrics-pusher": "true" } } },
        ],
        ports: [{ protocol: "TCP", port: 9091 }],
      },
    ]);
    const custom = await monitoringPlan({
      args: { pushgateway: { clientNamespaceLabels: { team: "batch" } } },
    });
    expect(
      inputAt(
        findResource(custom, T.networkPolicy, "mon-pushgateway-network-policy"),
        "spec.ingress[0].from[1]",
      ),
    ).toEqual({ namespaceSelector: { matchLabels: { team: "batch" } } });
  });

  it("its PodMonitor keeps the pushed job/instance labels (honorLabels) and comes after the CRDs and the Deployment", async () => {
    const plan = await monitoringPlan();
    const m = findResource(plan, T.podMonitor, "mon-pushgateway-monitor");
    expect(m.inputs).toEqual({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: "pushgateway", namespace: "monitoring" },
      spec: {
        selector: { matchLabels: selector },
        podMetricsEndpoints: [
          { port: "http", path: "/metrics", interval: "30s", scheme: "http", honorLabels: true },
        ],
      },
    });
    expect(validateJsonSchema(schema("podmonitor.json"), m.inputs)).toEqual([]);
    expect(m.dependencies).toEqual(
      expect.arrayContaining([urnOf(plan, T.release, "crds"), urnOf(plan, T.deployment, "mon-pushgateway")]),
    );
  });

  it("pushgateway.enabled false: no Pushgateway, no monitor, no URL", async () => {
    const plan = await monitoringPlan({ args: { pushgateway: { enabled: false } } });
    expect(resourcesOfType(plan, T.secureWorkload)).toEqual([]);
    expect(resourcesOfType(plan, T.deployment)).toEqual([]);
    expect(resourcesOfType(plan, T.podMonitor)).toEqual([]);
    expect(component(plan).outputs?.["pushgatewayUrl"]).toBeUndefined();
  });
});

// ---- 6. namespaces and the stack NetworkPolicy ------------------------------------------------

describe("namespaces and the stack NetworkPolicy", () => {
  it("the stack's namespace is restricted, default-deny, and labelled as the metrics scraper", async () => {
    const plan = await monitoringPlan();
    expect(inputAt(findResource(plan, T.namespace, "mon-namespace"), "metadata")).toEqual({
      name: "monitoring",
      labels: {
        ...labels(),
        "mlops.pulumi.com/metrics-scraper": "true",
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      },
    });
    expect(inputAt(findResource(plan, T.networkPolicy, "mon-namespace-default-deny"), "spec")).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
    });
  });

  it("node-exporter runs alone in a privileged namespace, with the reason on it", async () => {
    const plan = await monitoringPlan();
    expect(inputAt(findResource(plan, T.namespace, "mon-node-exporter-namespace"), "metadata")).toEqual({
      name: "monitoring-node-exporter",
      labels: {
        ...labels(),
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      },
      annotations: {
        "mlops.pulumi.com/privileged-reason":
          "node-exporter reads the host's metrics: hostNetwork, hostPID and a read-only hostPath of /",
      },
    });
  });

  it("node-exporter's namespace admits only the scrapers to its port, nothing out (node-exporter itself is on the host network)", async () => {
    const plan = await monitoringPlan();
    const np = findResource(plan, T.networkPolicy, "mon-node-exporter-network-policy");
    expect(inputAt(np, "metadata")).toEqual({
      name: "node-exporter",
      namespace: "monitoring-node-exporter",
      labels: labels(),
    });
    expect(inputAt(np, "spec")).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { "mlops.pulumi.com/metrics-scraper": "true" } } }],
          ports: [{ protocol: "TCP", port: 9100 }],
        },
      ],
      egress: [],
    });
    expect(np.dependencies).toContain(urnOf(plan, T.namespace, "mon-node-exporter-namespace"));
  });

  it("nodeExporter false: no privileged namespace, node-exporter off in the chart", async () => {
    const plan = await monitoringPlan({ args: { nodeExporter: false } });
    expect(resourcesOfType(plan, T.namespace).map((n) => n.name)).toEqual(["mon-namespace"]);
    expect(resourcesOfType(plan, T.networkPolicy).map((n) => n.name)).not.toContain(
      "mon-node-exporter-network-policy",
    );
    expect(values(plan).nodeExporter).toEqual({ enabled: false });
    expect(values(plan)).not.toHaveProperty("prometheus-node-exporter");
  });

  it("the stack NetworkPolicy: the namespace talks to itself, the API server reaches the webhook, metrics readers reach Prometheus, scraping and HTTPS out, never the metadata range", async () => {
    const plan = await monitoringPlan();
    const np = findResource(plan, T.networkPolicy, "mon-network-policy");
    expect(inputAt(np, "metadata")).toEqual({
      name: "monitoring-stack",
      namespace: "monitoring",
      labels: labels(),
    });
    expect(inputAt(np, "spec")).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        { from: [{ podSelector: {} }] },
        { from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 10250 }] },
        {
          from: [{ namespaceSelector: { matchLabels: { "mlops.pulumi.com/metrics-reader": "true" } } }],
          ports: [{ protocol: "TCP", port: 9090 }],
        },
      ],
      egress: [
        { to: [{ namespaceSelector: {} }] },
        {
          to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } }],
          ports: [443, 6443, 10250, 9100].map((port) => ({ protocol: "TCP", port })),
        },
      ],
    });
  });
});

// ---- 7. managed mode --------------------------------------------------------------------------

describe("managed on aws (Amazon Managed Service for Prometheus)", () => {
  const managed = () => monitoringPlan({ target: "aws", args: { mode: "managed" } });

  it("an encrypted workspace with the component's key; the in-cluster Prometheus remote-writes to it with SigV4 and keeps 1d", async () => {
    const plan = await managed();
    const key = findResource(plan, "aws:kms/key:Key", "mon-metrics-key");
    const workspace = findResource(plan, "aws:amp/workspace:Workspace", "mon-metrics-workspace");
    expect(workspace.parent).toBe(component(plan).urn);
    expect(workspace.propertyDependencies?.["kmsKeyArn"]).toEqual([key.urn]);
    expect(
      inputAt(
        findResource(
          plan,
          "aws:amp/workspaceConfiguration:WorkspaceConfiguration",
          "mon-metrics-workspace-config",
        ),
        "retentionPeriodInDays",
      ),
    ).toBe(150);
    const endpoint = String(workspace.outputs?.["prometheusEndpoint"]);
    expect(endpoint).toMatch(/^https:\/\/aps-workspaces\.us-east-1\.amazonaws\.com\/workspaces\/ws-[^/]+\/$/);
    const spec = inputAt(release(plan), "values.prometheus.prometheusSpec") as Record<string, unknown>;
    expect(spec["remoteWrite"]).toEqual([
      {
        url: `${endpoint}api/v1/remote_write`,
        sigv4: { region: "us-east-1" },
        queueConfig: { capacity: 2500, maxSamplesPerSend: 1000, maxShards: 200 },
      },
    ]);
    expect(spec["retention"]).toBe("1d");
    expect(spec["enableRemoteWriteReceiver"]).toBe(false);
    // IRSA: the chart's Prometheus ServiceAccount carries the remote-write role.
    expect(inputAt(release(plan), "values.prometheus.serviceAccount")).toEqual({
      annotations: {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/mon-metrics-remote-write-role",
      },
    });
    expect(release(plan).dependencies).toEqual(
      expect.arrayContaining([
        workspace.urn,
        urnOf(plan, "aws:amp/workspaceConfiguration:WorkspaceConfiguration", "mon-metrics-workspace-config"),
        urnOf(plan, "aws:iam/rolePolicy:RolePolicy", "mon-metrics-remote-write-role-policy"),
      ]),
    );
    expect(component(plan).outputs?.["managedEndpoint"]).toBe(workspace.outputs?.["arn"]);
    // Rules and monitors stay prometheus-operator objects.
    expect(resourcesOfType(plan, T.prometheusRule)).toHaveLength(1);
    expect(resourcesOfType(plan, T.podMonitor)).toHaveLength(1);
    expect(inputAt(release(plan), "values.prometheus.enabled")).toBe(true);
  });

  it("managedRetentionDays and an explicit local retention are honoured", async () => {
    const plan = await monitoringPlan({
      target: "aws",
      args: { mode: "managed", prometheus: { managedRetentionDays: 400, retention: "2d" } },
    });
    expect(
      inputAt(
        findResource(
          plan,
          "aws:amp/workspaceConfiguration:WorkspaceConfiguration",
          "mon-metrics-workspace-config",
        ),
        "retentionPeriodInDays",
      ),
    ).toBe(400);
    expect(inputAt(release(plan), "values.prometheus.prometheusSpec.retention")).toBe("2d");
  });

  it("selfHosted on aws: only the volumes' key, no workspace; both volume claims on the encrypted StorageClass", async () => {
    const plan = await monitoringPlan({ target: "aws" });
    expect(
      plan.resources
        .filter((r) => r.type.startsWith("aws:"))
        .map((r) => `${r.type} ${r.name}`)
        .sort(),
    ).toEqual([
      "aws:kms/alias:Alias mon-metrics-key-alias",
      "aws:kms/key:Key mon-metrics-key",
      "aws:kms/keyPolicy:KeyPolicy mon-volumes-ebs-key-policy",
    ]);
    const storageClass = String(
      inputAt(findResource(plan, "kubernetes:storage.k8s.io/v1:StorageClass"), "metadata.name"),
    );
    expect(inputAt(release(plan), "values.prometheus.prometheusSpec.storageSpec")).toEqual({
      volumeClaimTemplate: {
        spec: {
          storageClassName: storageClass,
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: "20Gi" } },
        },
      },
    });
    expect(
      inputAt(
        release(plan),
        "values.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.storageClassName",
      ),
    ).toBe(storageClass);
    expect(inputAt(release(plan), "values.prometheus.prometheusSpec")).not.toHaveProperty("remoteWrite");
  });
});

describe("managed on gcp (Google Cloud Managed Service for Prometheus)", () => {
  const managed = () => monitoringPlan({ target: "gcp", args: { mode: "managed" } });

  it("no in-cluster Prometheus; Grafana queries the GMP frontend", async () => {
    const plan = await managed();
    expect(inputAt(release(plan), "values.prometheus.enabled")).toBe(false);
    const frontend = findResource(plan, T.service, "mon-metrics-frontend-service");
    const queryUrl = `http://${String(inputAt(frontend, "metadata.name"))}.monitoring.svc.cluster.local:9090`;
    expect(queryUrl).toBe("http://mon-metrics-frontend.monitoring.svc.cluster.local:9090");
    expect(inputAt(release(plan), "values.grafana.sidecar.datasources")).toEqual({ url: queryUrl });
    expect(component(plan).outputs).toMatchObject({ prometheusUrl: queryUrl, managedEndpoint: "acme-ml" });
    expect(release(plan).dependencies).toContain(urnOf(plan, T.deployment, "mon-metrics-frontend"));
  });

  it("GMP evaluates the rules: ClusterRules (cluster-scoped) instead of a PrometheusRule", async () => {
    const plan = await managed();
    expect(resourcesOfType(plan, T.prometheusRule)).toEqual([]);
    const rules = findResource(plan, T.clusterRules, "mon-rules");
    expect(rules.inputs).toEqual({
      apiVersion: "monitoring.googleapis.com/v1",
      kind: "ClusterRules",
      metadata: { name: "mlops-alerts", labels: labels() },
      spec: {
        groups: prometheusRuleManifest("mlops-alerts", "monitoring", {}, defaultRuleGroups()).spec.groups,
      },
    });
    expect(rules.dependencies).toContain(release(plan).urn);
  });

  it("patches GKE's OperatorConfig so GMP's rule evaluator alerts this Alertmanager", async () => {
    const plan = await managed();
    const patch = findResource(plan, T.operatorConfigPatch, "mon-gmp-alerting");
    expect(patch.inputs).toEqual({
      apiVersion: "monitoring.googleapis.com/v1",
      kind: "OperatorConfig",
      metadata: { name: "config", namespace: "gmp-public" },
      rules: {
        alerting: {
          alertmanagers: [{ name: "monitoring-alertmanager", namespace: "monitoring", port: 9093 }],
        },
      },
    });
    expect(patch.dependencies).toContain(release(plan).urn);
  });

  it("the Pushgateway's monitor is a GMP PodMonitoring (no honorLabels there) and gmp-system may scrape it", async () => {
    const plan = await managed();
    expect(resourcesOfType(plan, T.podMonitor)).toEqual([]);
    const m = findResource(plan, T.podMonitoring, "mon-pushgateway-monitor");
    expect(inputAt(m, "spec.endpoints")).toEqual([
      { port: "http", path: "/metrics", interval: "30s", scheme: "http" },
    ]);
    expect(inputAt(m, "metadata")).toEqual({ name: "pushgateway", namespace: "monitoring" });
    expect(validateJsonSchema(schema("podmonitoring-gmp.json"), m.inputs)).toEqual([]);
    expect(
      inputAt(
        findResource(plan, T.networkPolicy, "mon-pushgateway-network-policy"),
        "spec.ingress[0].from[2]",
      ),
    ).toEqual({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gmp-system" } } });
  });

  it("the stack NetworkPolicy admits gmp-system to the Alertmanager port", async () => {
    const plan = await managed();
    expect(inputAt(findResource(plan, T.networkPolicy, "mon-network-policy"), "spec.ingress")).toEqual([
      { from: [{ podSelector: {} }] },
      { from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 10250 }] },
      {
        from: [{ namespaceSelector: { matchLabels: { "mlops.pulumi.com/metrics-reader": "true" } } }],
        ports: [{ protocol: "TCP", port: 9090 }],
      },
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gmp-system" } } }],
        ports: [{ protocol: "TCP", port: 9093 }],
      },
    ]);
  });

  it("one key, for the Alertmanager's volumes (GMP's own data is encrypted by Google)", async () => {
    const plan = await managed();
    expect(resourcesOfType(plan, "gcp:kms/cryptoKey:CryptoKey").map((r) => r.name)).toEqual([
      "mon-metrics-key",
    ]);
    const storageClass = String(
      inputAt(findResource(plan, "kubernetes:storage.k8s.io/v1:StorageClass"), "metadata.name"),
    );
    expect(
      inputAt(
        release(plan),
        "values.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.storageClassName",
      ),
    ).toBe(storageClass);
  });
});

// ---- 8. bad input -----------------------------------------------------------------------------

const HEAD = "invalid arguments for mlops:index:Monitoring:\n  ";

describe("bad input: one ResourceError naming the argument, before any child", () => {
  it("a cluster without monitoring", async () => {
    expect(await failure({ monitoring: false })).toBe(
      `${HEAD}args.cluster: monitoring is off on this cluster: enable it on the cluster (GpuTrainingCluster monitoring: { enabled: true }, or existingClusterHandle({ monitoring: {} })), so the components on it create the monitors this Prometheus reads`,
    );
  });

  it("selfHosted on a cluster scraped by GMP", async () => {
    expect(await failure({ target: "gcp", backend: ScrapeBackend.gmp })).toBe(
      `${HEAD}args.mode: "selfHosted" runs the prometheus-operator, but the cluster's monitoring backend is "gmp"; use mode "managed" (GMP) or the cluster backend "prometheusOperator"`,
    );
  });

  it("managed on local", async () => {
    expect(await failure({ args: { mode: "managed" } })).toBe(
      `${HEAD}args.mode: "managed" needs a cloud's managed Prometheus: target "aws" or "gcp"; use "selfHosted" on target "local"`,
    );
  });

  it("managed on gcp with a prometheus-operator cluster", async () => {
    expect(
      await failure({ target: "gcp", backend: ScrapeBackend.prometheusOperator, args: { mode: "managed" } }),
    ).toBe(
      `${HEAD}args.mode: "managed" on target "gcp" needs the cluster's monitoring backend "gmp", not "prometheusOperator"`,
    );
  });

  it("a retention that is not a Prometheus duration, or zero", async () => {
    for (const retention of ["15 days", "15D", "1h15d", "7"]) {
      expect(await failure({ args: { prometheus: { retention } } }), retention).toBe(
        `${HEAD}args.prometheus.retention: must be a Prometheus duration such as "15d", "12h" or "2w"`,
      );
    }
    for (const retention of ["0d", "0d0h", "", "00h"]) {
      expect(await failure({ args: { prometheus: { retention } } }), retention).toBe(
        `${HEAD}args.prometheus.retention: must be longer than zero`,
      );
    }
    expect(await failure({ args: { prometheus: { retention: "1y2w3d4h" } } })).toBe("");
  });

  it("pushers must be named: an empty namespace selector would admit pushes from every namespace", async () => {
    expect(await failure({ args: { pushgateway: { clientNamespaceLabels: {} } } })).toBe(
      `${HEAD}args.pushgateway.clientNamespaceLabels: must name at least one label (an empty selector admits pushes from every namespace)`,
    );
  });

  it("storageGb and replicas out of range", async () => {
    expect(await failure({ args: { prometheus: { storageGb: 4 } } })).toBe(
      `${HEAD}args.prometheus.storageGb: must be >=5`,
    );
    expect(await failure({ args: { prometheus: { storageGb: 20.5 } } })).toBe(
      `${HEAD}args.prometheus.storageGb: must be an int, got number`,
    );
    expect(await failure({ args: { prometheus: { replicas: 6 }, alertmanager: { storageGb: 0 } } })).toBe(
      `${HEAD}args.prometheus.replicas: must be <=5\n  args.alertmanager.storageGb: must be >=1`,
    );
  });

  it("every problem at once, including an unknown key", async () => {
    expect(
      await failure({
        monitoring: false,
        args: { namespace: "Monitoring", grafana: { enable: false } as never },
      }),
    ).toBe(
      [
        `${HEAD}args.namespace: must be a DNS-1123 label (lowercase letters, digits, '-')`,
        "args.grafana.enable: unknown key; remove it or check the spelling",
        "args.cluster: monitoring is off on this cluster: enable it on the cluster (GpuTrainingCluster monitoring: { enabled: true }, or existingClusterHandle({ monitoring: {} })), so the components on it create the monitors this Prometheus reads",
      ].join("\n  "),
    );
  });
});

// ---- values: the upstream chart's knobs, minus what the component guarantees -------------------

describe("values: deep-merged over the component's, protected paths refused", () => {
  it("a harmless override merges deep without dropping siblings; arrays replace", async () => {
    const plan = await monitoringPlan({
      args: {
        values: {
          prometheus: { prometheusSpec: { scrapeInterval: "15s", retention: "3d" } },
          alertmanager: { alertmanagerSpec: { secrets: ["extra"] } },
          grafana: { plugins: ["grafana-piechart-panel"] },
        },
      },
    });
    const v = values(plan) as typeof DEV_VALUES & Record<string, Record<string, unknown>>;
    expect(v.prometheus.prometheusSpec).toEqual({
      ...DEV_VALUES.prometheus.prometheusSpec,
      scrapeInterval: "15s",
      retention: "3d",
    });
    expect(v.alertmanager.alertmanagerSpec).toEqual({
      ...DEV_VALUES.alertmanager.alertmanagerSpec,
      secrets: ["extra"],
    });
    expect(v.grafana).toEqual({ ...DEV_VALUES.grafana, plugins: ["grafana-piechart-panel"] });
    expect({
      ...v,
      prometheus: DEV_VALUES.prometheus,
      alertmanager: DEV_VALUES.alertmanager,
      grafana: DEV_VALUES.grafana,
    }).toEqual(DEV_VALUES);
  });

  it("Grafana's anonymous access (grafana.ini [auth.anonymous] of the grafana subchart) cannot be set", async () => {
    expect(
      await failure({
        args: { values: { grafana: { "grafana.ini": { "auth.anonymous": { enabled: true } } } } },
      }),
    ).toBe(
      `${HEAD}args.values.grafana.grafana.ini.auth.anonymous: is set by the component (a security or monitor-selection default it guarantees); remove it`,
    );
    // Other grafana.ini sections stay reachable.
    const plan = await monitoringPlan({
      args: { values: { grafana: { "grafana.ini": { log: { level: "warn" } } } } },
    });
    expect((values(plan).grafana as Record<string, unknown>)["grafana.ini"]).toEqual({
      ...DEV_VALUES.grafana["grafana.ini"],
      log: { level: "warn" },
    });
  });

  it("each guaranteed default is refused, every one reported", async () => {
    const message = await failure({
      args: {
        values: {
          crds: { enabled: true },
          grafana: { adminPassword: "admin", service: { type: "LoadBalancer" }, ingress: { enabled: true } },
          prometheus: {
            service: { type: "NodePort" },
            prometheusSpec: { enableAdminAPI: true, serviceMonitorSelectorNilUsesHelmValues: true },
          },
          alertmanager: { config: {}, stringConfig: "route: {}" },
        },
      },
    });
    const message2 =
      "is set by the component (a security or monitor-selection default it guarantees); remove it";
    expect(message).toBe(
      HEAD +
        [
          "crds.enabled",
          "grafana.adminPassword",
          "grafana.service.type",
          "grafana.ingress",
          "prometheus.service.type",
          "prometheus.prometheusSpec.enableAdminAPI",
          "prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues",
          "alertmanager.config",
          "alertmanager.stringConfig",
        ]
          .map((p) => `args.values.${p}: ${message2}`)
          .join("\n  "),
    );
  });

  it("replacing a parent of a guaranteed default with a non-object (which would drop it) is refused too", async () => {
    for (const [values, path] of [
      [{ prometheus: { prometheusSpec: null } }, "prometheus.prometheusSpec"],
      [{ grafana: { "grafana.ini": "" } }, "grafana.grafana.ini"],
      [{ prometheus: [] }, "prometheus"],
    ] as const) {
      expect(await failure({ args: { values: values } }), path).toBe(
        `${HEAD}args.values.${path}: replaces what the component sets under it (a security or monitor-selection default it guarantees); set the keys inside it instead`,
      );
    }
  });
});

// ---- 9. the policy pack over the whole plan ---------------------------------------------------

/** The plan's resources with the release's values edited (inputs and outputs, as the engine sees them). */
function withReleaseValues(plan: Plan, edit: (v: Record<string, unknown>) => void): PlanResource[] {
  return plan.resources.map((r) => {
    if (r.type !== T.release || r.name !== "mon") return r;
    const inputs = structuredClone(r.inputs);
    edit(inputs["values"] as Record<string, unknown>);
    const outputs = r.outputs ? structuredClone(r.outputs) : undefined;
    if (outputs?.["values"]) edit(outputs["values"] as Record<string, unknown>);
    return { ...r, inputs, ...(outputs ? { outputs } : {}) };
  });
}

describe("the policy pack over the component's plan (prod levels)", () => {
  const scenarios: [string, Scenario][] = [
    ["selfHosted on local, prod", { environment: "prod" }],
    ["selfHosted on aws, prod", { target: "aws", environment: "prod" }],
    ["managed on aws, prod", { target: "aws", environment: "prod", args: { mode: "managed" } }],
    ["managed on gcp, prod", { target: "gcp", environment: "prod", args: { mode: "managed" } }],
  ];
  for (const [title, s] of scenarios) {
    it(`${title}: no mandatory violation`, async () => {
      const plan = await monitoringPlan(s);
      expect(mandatoryViolations(plan.resources)).toEqual([]);
    });
  }

  it("Grafana made anonymous in the planned release fires k8s-grafana-anonymous-or-default-password", async () => {
    const plan = await monitoringPlan({ environment: "prod" });
    const resources = withReleaseValues(plan, (v) => {
      (v["grafana"] as Record<string, Record<string, Record<string, unknown>>>)["grafana.ini"]![
        "auth.anonymous"
      ]!.enabled = true;
    });
    expect(mandatoryViolations(resources)).toEqual(["k8s-grafana-anonymous-or-default-password mon"]);
  });

  it("paths the resolver leaves open are still caught by the pack: a Prometheus exposed per replica, a monitor selector narrowed", async () => {
    const exposed = await monitoringPlan({
      environment: "prod",
      args: { values: { prometheus: { servicePerReplica: { enabled: true, type: "LoadBalancer" } } } },
    });
    expect(mandatoryViolations(exposed.resources)).toEqual([
      "k8s-prometheus-alertmanager-exposed-without-auth mon",
    ]);

    const narrowed = await monitoringPlan({
      environment: "prod",
      args: {
        values: {
          prometheus: { prometheusSpec: { podMonitorSelector: { matchLabels: { release: "monitoring" } } } },
        },
      },
    });
    expect(mandatoryViolations(narrowed.resources)).toEqual([
      "k8s-monitor-namespace-not-selected mon-pushgateway-monitor",
    ]);
  });

  it("an inline receiver secret cannot even be written: alertmanager.config is protected", async () => {
    expect(
      await failure({
        args: {
          values: {
            alertmanager: {
              config: {
                receivers: [{ name: "s", slack_configs: [{ api_url: "https://hooks.slack.com/x" }] }],
              },
            },
          },
        },
      }),
    ).toBe(
      `${HEAD}args.values.alertmanager.config: is set by the component (a security or monitor-selection default it guarantees); remove it`,
    );
  });
});
