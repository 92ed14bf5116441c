/**
 * AlertmanagerConfig objects where a component contributes routes (issue 9): the shared helper
 * (`alertmanagerConfigManifest` / `createAlertRoutes`), validated against the CRD subset
 * (test/schemas/monitoring/alertmanagerconfig.json), secrets only as SecretKeySelectors; the team
 * tenancy's contribution (`TeamArgs.alerts`) planned under the cluster, and its resolver problems;
 * and the routing the operator generates from it, written as the equivalent plain Alertmanager
 * configuration and checked by the real amtool (fails, never skips, without it).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  alertmanagerConfigManifest,
  createAlertRoutes,
  GpuTrainingCluster,
  MatchOperator,
  ReceiverKind,
  ScrapeBackend,
  type AlertRoutesArgs,
  type GpuTrainingClusterArgs,
  type ResolvedAlertReceiver,
} from "../../components";
import { renderAlertmanagerConfig, resolveAlertingArgs } from "../../components/monitoring";
import { findResource, inputAt, planOf, resourcesOfType, type Plan } from "../helpers";
import { validateJsonSchema, type JsonSchema } from "../schemas/validate";
import { alertmanagerConfigCrFindings } from "../../policies/rules/kubernetes/alertmanager-secrets";

const SCHEMA = JSON.parse(
  readFileSync(join(__dirname, "..", "schemas", "monitoring", "alertmanagerconfig.json"), "utf8"),
) as JsonSchema;
const AMC_TYPE = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig";

const slack: ResolvedAlertReceiver = {
  name: "slack",
  kind: ReceiverKind.slack,
  slack: { apiUrlSecret: { name: "alerting", key: "slack-url" }, channel: "#vision", sendResolved: true },
};
const pager: ResolvedAlertReceiver = {
  name: "pager",
  kind: ReceiverKind.pagerduty,
  pagerduty: { routingKeySecret: { name: "alerting", key: "pd-key" }, sendResolved: false },
};
const hook: ResolvedAlertReceiver = {
  name: "hook",
  kind: ReceiverKind.webhook,
  webhook: {
    url: "https://hooks.example.com/alerts",
    credentialsSecret: { name: "hook", key: "token" },
    authorizationType: "Bearer",
    sendResolved: true,
    maxAlerts: 10,
  },
};

const ARGS: AlertRoutesArgs = {
  name: "serving-alert-routes",
  namespace: "serving",
  labels: { "app.kubernetes.io/managed-by": "pulumi-mlops" },
  receivers: [slack, pager, hook],
  receiver: "slack",
  groupBy: ["alertname", "namespace"],
  groupWait: "30s",
  groupInterval: "5m",
  repeatInterval: "12h",
  routes: [
    {
      receiver: "pager",
      matchers: [{ label: "severity", operator: MatchOperator.equal, value: "critical" }],
      continue: true,
      repeatInterval: "1h",
    },
    {
      receiver: "hook",
      matchers: [{ label: "alertname", operator: MatchOperator.regex, value: "Serving.*" }],
      continue: false,
    },
  ],
};

describe("alertmanagerConfigManifest", () => {
  it("renders the CRD's camelCase fields, every secret a SecretKeySelector in the same namespace", () => {
    const m = alertmanagerConfigManifest(ARGS);
    expect(m).toEqual({
      apiVersion: "monitoring.coreos.com/v1alpha1",
      kind: "AlertmanagerConfig",
      metadata: {
        name: "serving-alert-routes",
        namespace: "serving",
        labels: { "app.kubernetes.io/managed-by": "pulumi-mlops" },
      },
      spec: {
        route: {
          receiver: "slack",
          groupBy: ["alertname", "namespace"],
          groupWait: "30s",
          groupInterval: "5m",
          repeatInterval: "12h",
          routes: [
            {
              receiver: "pager",
              matchers: [{ name: "severity", value: "critical", matchType: "=" }],
              continue: true,
              repeatInterval: "1h",
            },
            { receiver: "hook", matchers: [{ name: "alertname", value: "Serving.*", matchType: "=~" }] },
          ],
        },
        receivers: [
          {
            name: "slack",
            slackConfigs: [
              { apiURL: { name: "alerting", key: "slack-url" }, channel: "#vision", sendResolved: true },
            ],
          },
          {
            name: "pager",
            pagerdutyConfigs: [{ routingKey: { name: "alerting", key: "pd-key" }, sendResolved: false }],
          },
          {
            name: "hook",
            webhookConfigs: [
              {
                url: "https://hooks.example.com/alerts",
                sendResolved: true,
                maxAlerts: 10,
                httpConfig: {
                  authorization: { type: "Bearer", credentials: { name: "hook", key: "token" } },
                },
              },
            ],
          },
        ],
      },
    });
    expect(validateJsonSchema(SCHEMA, m)).toEqual([]);
    // The inline-secret policy (receivers with inline secrets) finds nothing to object to.
    expect(alertmanagerConfigCrFindings(m.spec)).toEqual([]);
  });

  it("the schema subset refuses an inline secret, an unknown field and a bad duration (it can fail)", () => {
    const m = alertmanagerConfigManifest(ARGS);
    const inline = structuredClone(m) as unknown as {
      spec: { receivers: { slackConfigs?: Record<string, unknown>[] }[]; route: Record<string, unknown> };
    };
    inline.spec.receivers[0]!.slackConfigs![0]!["apiURL"] = "https://hooks.slack.com/services/T/B/x";
    expect(validateJsonSchema(SCHEMA, inline)).toEqual([
      "/spec/receivers/0/slackConfigs/0/apiURL: must be object",
    ]);
    const unknown = structuredClone(m) as unknown as { spec: { route: Record<string, unknown> } };
    unknown.spec.route["group_by"] = ["alertname"];
    expect(validateJsonSchema(SCHEMA, unknown).join("\n")).toContain("group_by");
    const badDuration = structuredClone(m) as unknown as { spec: { route: Record<string, unknown> } };
    badDuration.spec.route["repeatInterval"] = "12 hours";
    expect(validateJsonSchema(SCHEMA, badDuration).join("\n")).toContain("/spec/route/repeatInterval");
  });

  it("throws, listing every problem, for receivers the routes do not define", () => {
    expect(() =>
      alertmanagerConfigManifest({
        ...ARGS,
        receiver: "nobody",
        routes: [{ receiver: "ghost", matchers: [], continue: false }],
      }),
    ).toThrow(
      'AlertmanagerConfig serving/serving-alert-routes: receiver: unknown receiver "nobody"; routes[0].receiver: unknown receiver "ghost"',
    );
    expect(() => alertmanagerConfigManifest({ ...ARGS, receivers: [] })).toThrow(
      "receivers: at least one is needed",
    );
  });
});

describe("createAlertRoutes", () => {
  const program = (backend: ScrapeBackend | undefined) => () => {
    const crds = new k8s.apiextensions.CustomResource("crds", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "crds" },
    });
    const provider = new k8s.Provider("k8s", {});
    class Owner extends pulumi.ComponentResource {
      constructor() {
        super("test:index:Owner", "owner");
        createAlertRoutes(
          {
            ctx: { name: "owner", opts: (extra = {}) => ({ parent: this, ...extra }) },
            provider,
            monitoring: backend === undefined ? undefined : { backend, dependsOn: [crds] },
          },
          "alert-routes",
          ARGS,
        );
      }
    }
    new Owner();
  };

  it("monitoring off: creates nothing", async () => {
    const plan = await planOf(program(undefined));
    expect(resourcesOfType(plan, AMC_TYPE)).toEqual([]);
  });

  it.each([ScrapeBackend.prometheusOperator, ScrapeBackend.gmp])(
    "monitoring on (%s): one AlertmanagerConfig under the owner, after the CRDs",
    async (backend) => {
      const plan = await planOf(program(backend));
      const [amc, ...rest] = resourcesOfType(plan, AMC_TYPE);
      expect(rest).toEqual([]);
      expect(amc?.name).toBe("owner-alert-routes");
      expect(amc?.parent).toBe(findResource(plan, "test:index:Owner", "owner").urn);
      expect(amc?.dependencies).toContain(findResource(plan, "kubernetes:v1:ConfigMap", "crds").urn);
      expect(amc?.inputs["spec"]).toEqual(alertmanagerConfigManifest(ARGS).spec);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// The team's contribution

const config = { "aws:region": "us-east-1" };
const TEAM_SLACK = {
  kind: ReceiverKind.slack,
  slack: { apiUrlSecret: { name: "vision-alerting", key: "slack-url" }, channel: "#vision-alerts" },
};

async function clusterPlan(args: Partial<GpuTrainingClusterArgs>): Promise<Plan> {
  return planOf(
    () => {
      new GpuTrainingCluster("gpu", {
        target: "aws",
        aws: { endpointPublicAccessCidrs: ["203.0.113.0/24"] },
        teams: [
          { name: "vision", gpuQuota: 4, cpuQuota: "64", memoryQuota: "256Gi", alerts: TEAM_SLACK },
          { name: "nlp", gpuQuota: 2, cpuQuota: "32", memoryQuota: "128Gi" },
        ],
        ...args,
      });
    },
    { config },
  );
}

async function failure(args: Partial<GpuTrainingClusterArgs>): Promise<string> {
  try {
    await clusterPlan(args);
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

describe("TeamArgs.alerts", () => {
  it("monitoring on: the team's AlertmanagerConfig in its namespace, under its TeamTenancy, after the CRDs", async () => {
    const plan = await clusterPlan({ monitoring: { enabled: true } });
    const all = resourcesOfType(plan, AMC_TYPE);
    expect(all.map((r) => r.name)).toEqual(["gpu-vision-alert-routes"]);
    const amc = all[0]!;
    expect(amc.parent).toBe(findResource(plan, "mlops:index:TeamTenancy", "gpu-vision").urn);
    const crds = resourcesOfType(plan, "kubernetes:helm.sh/v3:Release").find(
      (r) => r.inputs["chart"] === "prometheus-operator-crds",
    );
    expect(amc.dependencies).toContain(crds?.urn);
    expect(amc.dependencies).toContain(
      findResource(plan, "kubernetes:core/v1:Namespace", "gpu-vision-ns").urn,
    );
    const manifest = {
      apiVersion: amc.inputs["apiVersion"],
      kind: amc.inputs["kind"],
      metadata: amc.inputs["metadata"],
      spec: amc.inputs["spec"],
    };
    expect(validateJsonSchema(SCHEMA, manifest)).toEqual([]);
    expect(alertmanagerConfigCrFindings(amc.inputs["spec"])).toEqual([]);
    expect(inputAt(amc, "metadata.name")).toBe("team-alert-routes");
    expect(inputAt(amc, "metadata.namespace")).toBe("vision");
    expect(inputAt(amc, "metadata.labels")).toMatchObject({ "mlops.pulumi.com/team": "vision" });
    expect(amc.inputs["spec"]).toEqual({
      route: {
        receiver: "team",
        groupBy: ["alertname", "namespace"],
        groupWait: "30s",
        groupInterval: "5m",
        repeatInterval: "12h",
      },
      receivers: [
        {
          name: "team",
          slackConfigs: [
            {
              apiURL: { name: "vision-alerting", key: "slack-url" },
              channel: "#vision-alerts",
              sendResolved: true,
            },
          ],
        },
      ],
    });
  });

  it("takes the team's grouping and timing", async () => {
    const plan = await clusterPlan({
      monitoring: { enabled: true },
      teams: [
        {
          name: "vision",
          gpuQuota: 1,
          cpuQuota: "8",
          memoryQuota: "32Gi",
          alerts: {
            kind: ReceiverKind.webhook,
            webhook: {
              url: "https://hooks.example.com/vision",
              credentialsSecret: { name: "hook", key: "token" },
            },
            groupBy: ["alertname", "pod"],
            repeatInterval: "1d",
          },
        },
      ],
    });
    const amc = findResource(plan, AMC_TYPE, "gpu-vision-alert-routes");
    expect(inputAt(amc, "spec.route")).toEqual({
      receiver: "team",
      groupBy: ["alertname", "pod"],
      groupWait: "30s",
      groupInterval: "5m",
      repeatInterval: "1d",
    });
    expect(inputAt(amc, "spec.receivers")).toEqual([
      {
        name: "team",
        webhookConfigs: [
          {
            url: "https://hooks.example.com/vision",
            sendResolved: true,
            maxAlerts: 0,
            httpConfig: { authorization: { type: "Bearer", credentials: { name: "hook", key: "token" } } },
          },
        ],
      },
    ]);
  });

  it("monitoring off: alerts is an error (nothing could route them), naming the team", async () => {
    expect(await failure({})).toContain(
      "args.teams[0].alerts: needs monitoring.enabled: true (the routes are an AlertmanagerConfig for the cluster's Alertmanager); enable monitoring or remove it",
    );
  });

  const team = (name: string, alerts: NonNullable<GpuTrainingClusterArgs["teams"]>[number]["alerts"]) => ({
    name,
    gpuQuota: 1,
    cpuQuota: "8",
    memoryQuota: "32Gi",
    alerts,
  });

  it("field problems (schema) name the field under teams[i].alerts", async () => {
    const message = await failure({
      monitoring: { enabled: true },
      teams: [
        team("vision", {
          kind: ReceiverKind.webhook,
          webhook: { url: "https://hooks.example.com/x", credentialsSecret: { name: "Bad_Name", key: "t" } },
          groupWait: "soon",
        }),
      ],
    });
    expect(message).toBe(
      [
        "invalid arguments for mlops:index:GpuTrainingCluster:",
        "  args.teams[0].alerts.webhook.credentialsSecret.name: must be a Kubernetes Secret name (lowercase letters, digits, '-', '.')",
        '  args.teams[0].alerts.groupWait: must be a positive duration such as "30s", "5m", "4h" or "1h30m"',
      ].join("\n"),
    );
  });

  it("cross-field problems (receiver block, webhook URL, timing) are reported all at once", async () => {
    const message = await failure({
      monitoring: { enabled: true },
      teams: [
        team("vision", {
          kind: ReceiverKind.pagerduty,
          slack: { apiUrlSecret: { name: "s", key: "k" } },
          groupInterval: "1h",
          repeatInterval: "30m",
        }),
        team("nlp", {
          kind: ReceiverKind.webhook,
          webhook: {
            url: "https://user:pw@hooks.example.com/x",
            credentialsSecret: { name: "hook", key: "t" },
          },
        }),
      ],
    });
    expect(message).toBe(
      [
        "invalid arguments for mlops:index:GpuTrainingCluster:",
        '  args.teams[0].alerts.pagerduty: required when kind is "pagerduty" (with routingKeySecret: the Secret and key holding the PagerDuty routing key)',
        '  args.teams[0].alerts.slack: only used when kind is "slack", not "pagerduty"; remove it',
        "  args.teams[0].alerts.repeatInterval: repeatInterval (30m) must be at least groupInterval (1h): Alertmanager only repeats at group_interval ticks",
        "  args.teams[1].alerts.webhook.url: must not contain credentials (it is not a secret in the rendered config); put the token in credentialsSecret",
      ].join("\n"),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// What the operator generates, checked by amtool

/** Runs amtool; fails the test (never skips) when it is not installed. */
function amtool(args: string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync("amtool", args, { encoding: "utf8", timeout: 30_000 });
  if (result.error) {
    throw new Error(
      `cannot run amtool (${result.error.message}): install Debian's prometheus-alertmanager (see .ci/run)`,
    );
  }
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The plain Alertmanager configuration prometheus-operator v0.93 generates for the root routing
 * plus one team's AlertmanagerConfig (OnNamespace): the object's route becomes the first route
 * under the root, with a `namespace="<ns>"` matcher prepended and `continue: true` forced, its
 * receiver renamed `<ns>/<object>/<receiver>` (pkg/alertmanager/amcfg.go, `enforceNamespaceForRoute`
 * / `makeNamespacedString`; the CRD's `route.continue` doc: "always overridden to true for the
 * first-level route"). Secrets are files here; the operator writes their values instead.
 */
function operatorEquivalentConfig(dir: string): string {
  const root = resolveAlertingArgs({
    receivers: [
      { name: "oncall", kind: "pagerduty", pagerduty: { routingKeySecret: { name: "pd", key: "key" } } },
    ],
    routes: [{ receiver: "oncall", matchers: [{ label: "severity", value: "critical" }] }],
  });
  if (!root.resolved) throw new Error(JSON.stringify(root.problems));
  const rendered = renderAlertmanagerConfig(root.resolved, join(dir, "secrets"));
  const team = alertmanagerConfigManifest({
    name: "team-alert-routes",
    namespace: "vision",
    labels: {},
    receivers: [
      {
        name: "team",
        kind: ReceiverKind.slack,
        slack: { apiUrlSecret: { name: "vision-alerting", key: "slack-url" }, sendResolved: true },
      },
    ],
    receiver: "team",
    groupBy: ["alertname", "namespace"],
    groupWait: "30s",
    groupInterval: "5m",
    repeatInterval: "12h",
  });
  const r = team.spec.route;
  const prefix = `${team.metadata.namespace}/${team.metadata.name}/`;
  const route = rendered.config["route"] as Record<string, unknown> & { routes?: unknown[] };
  route.routes = [
    {
      receiver: prefix + r.receiver,
      matchers: [`namespace="${team.metadata.namespace}"`],
      continue: true,
      group_by: r.groupBy,
      group_wait: r.groupWait,
      group_interval: r.groupInterval,
      repeat_interval: r.repeatInterval,
    },
    ...(route.routes ?? []),
  ];
  const secretFile = join(dir, "secrets", "vision-alerting", "slack-url");
  (rendered.config["receivers"] as unknown[]).push({
    name: prefix + "team",
    slack_configs: [{ api_url_file: secretFile, send_resolved: true }],
  });
  for (const m of [...rendered.mounts.map((x) => x.path), secretFile]) {
    mkdirSync(dirname(m), { recursive: true });
    writeFileSync(m, "https://hooks.slack.com/services/T/B/dummy");
  }
  const file = join(dir, "alertmanager.yml");
  writeFileSync(file, stringify(rendered.config));
  return file;
}

describe("the team's route in the operator-generated configuration (amtool)", () => {
  let dir = "";
  let file = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "alert-routes-"));
    file = operatorEquivalentConfig(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is a valid configuration", () => {
    const r = amtool(["check-config", file]);
    expect(r.stderr + r.stdout).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  it.each([
    [
      "a GPU-idle alert of the team's namespace reaches the team",
      "vision/team-alert-routes/team",
      ["alertname=GpuAllocatedButIdle", "severity=warning", "namespace=vision"],
    ],
    [
      "a page of the team's namespace reaches the team and the root's on-call (continue)",
      "vision/team-alert-routes/team,oncall",
      ["alertname=GpuAllocatedButIdle", "severity=critical", "namespace=vision"],
    ],
    [
      "another namespace's alert does not reach the team",
      "null",
      ["alertname=GpuAllocatedButIdle", "severity=warning", "namespace=nlp"],
    ],
    [
      "Kueue's pending alert (no namespace label) does not reach the team",
      "null",
      ["alertname=KueueWorkloadsPending", "severity=warning", "cluster_queue=vision"],
    ],
  ])("%s", (_what, expected, labels) => {
    const r = amtool([
      "config",
      "routes",
      "test",
      `--config.file=${file}`,
      `--verify.receivers=${expected}`,
      ...labels,
    ]);
    expect(r.stdout.trim()).toBe(expected);
    expect(r.status).toBe(0);
  });
});
