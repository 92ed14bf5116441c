/**
 * Alertmanager routing (issue 9): the resolver's defaults and problems, and the rendered
 * alertmanager.yml checked by the real amtool (Debian bookworm's prometheus-alertmanager 0.25.0,
 * installed by .ci/run): `amtool check-config` and one `amtool config routes test` per receiver
 * and for the default route. The tests fail (they do not skip) when amtool is missing.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { parse, stringify } from "yaml";
import type { z } from "zod";
import {
  ALERTMANAGER_SECRETS_DIR,
  alertingArgsSchema,
  type AlertingArgs,
  MatchOperator,
  NULL_RECEIVER,
  ReceiverKind,
  renderAlertmanagerConfig,
  type RenderedAlertmanagerConfig,
  resolveAlertingArgs,
  type ResolvedAlertingArgs,
} from "../../components/monitoring/alertmanager";
import { pathString, type Problem } from "../../components/shared/contract";

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

const lines = (problems: Problem[]) => problems.map((p) => `${pathString(p.path)}: ${p.message}`);

function resolved(args: unknown): ResolvedAlertingArgs {
  const r = resolveAlertingArgs(args);
  expect(lines(r.problems)).toEqual([]);
  if (!r.resolved) throw new Error("not resolved");
  return r.resolved;
}

/** Dummy secret values: written to the mounted files, and must never appear in the config. */
const SECRET_VALUES: Record<string, string> = {
  "pagerduty/routing-key": "R0UT1NGKEY-do-not-leak-0123456789abcdef",
  "slack/warnings-url": "https://hooks.slack.com/services/T000/B000/do-not-leak-warnings",
  "slack/ml-url": "https://hooks.slack.com/services/T000/B000/do-not-leak-ml",
  "serving-hook/token": "tok-do-not-leak-serving",
};

/** The routing the tests exercise: a page, warnings, team routing, a namespace webhook, Watchdog. */
const ARGS: AlertingArgs = {
  receivers: [
    {
      name: "oncall-pager",
      kind: ReceiverKind.pagerduty,
      pagerduty: { routingKeySecret: { name: "pagerduty", key: "routing-key" } },
    },
    {
      name: "slack-warnings",
      kind: ReceiverKind.slack,
      slack: { apiUrlSecret: { name: "slack", key: "warnings-url" }, channel: "#alerts" },
    },
    {
      name: "ml-team-slack",
      kind: ReceiverKind.slack,
      slack: { apiUrlSecret: { name: "slack", key: "ml-url" }, channel: "#ml-team" },
    },
    {
      name: "serving-webhook",
      kind: ReceiverKind.webhook,
      webhook: {
        url: "https://hooks.example.com/alertmanager",
        credentialsSecret: { name: "serving-hook", key: "token" },
      },
    },
  ],
  routes: [
    // The always-firing heartbeat of kube-prometheus-stack: dropped here (a dead-man's switch
    // would get its own receiver).
    { receiver: NULL_RECEIVER, matchers: [{ label: "alertname", value: "Watchdog" }] },
    // Pages go to PagerDuty and keep matching, so the owning team also sees them.
    { receiver: "oncall-pager", matchers: [{ label: "severity", value: "critical" }], continue: true },
    { receiver: "ml-team-slack", matchers: [{ label: "team", value: "ml" }] },
    {
      receiver: "serving-webhook",
      matchers: [{ label: "namespace", operator: MatchOperator.regex, value: "kserve|serving-.*" }],
    },
    {
      receiver: "slack-warnings",
      matchers: [{ label: "severity", value: "warning" }],
      repeatInterval: "12h",
    },
  ],
};

describe("AlertingArgs", () => {
  it("matches its zod schema (a field added to one and not the other fails tsc)", () => {
    expectTypeOf<z.input<typeof alertingArgsSchema>>().toEqualTypeOf<AlertingArgs>();
    expectTypeOf<AlertingArgs>().toEqualTypeOf<z.input<typeof alertingArgsSchema>>();
  });
});

describe("resolveAlertingArgs: defaults", () => {
  it("applies every default to empty args: the null receiver, group_by, 30s/5m/4h, critical inhibits warning", () => {
    for (const args of [undefined, {}]) {
      expect(resolved(args)).toEqual({
        receivers: [],
        routes: [],
        defaultReceiver: "null",
        groupBy: ["alertname", "namespace"],
        groupWait: "30s",
        groupInterval: "5m",
        repeatInterval: "4h",
        inhibitRules: [
          {
            sourceMatchers: [{ label: "severity", operator: "=", value: "critical" }],
            targetMatchers: [{ label: "severity", operator: "=", value: "warning" }],
            equal: ["alertname", "namespace"],
          },
        ],
      });
    }
  });

  it("applies the receiver and route defaults (send_resolved, Bearer, operator '=', continue false)", () => {
    const r = resolved(ARGS);
    expect(
      r.receivers.map((x) => x.slack?.sendResolved ?? x.pagerduty?.sendResolved ?? x.webhook?.sendResolved),
    ).toEqual([true, true, true, true]);
    expect(r.receivers[3]?.webhook).toMatchObject({ authorizationType: "Bearer", maxAlerts: 0 });
    expect(r.routes[0]).toEqual({
      receiver: "null",
      matchers: [{ label: "alertname", operator: "=", value: "Watchdog" }],
      continue: false,
    });
    expect(r.routes[4]?.repeatInterval).toBe("12h");
    expect(r.routes[4]?.groupInterval).toBeUndefined();
  });

  it("keeps an explicit empty inhibitRules (inhibition off) and defaults a rule's equal", () => {
    expect(resolved({ inhibitRules: [] }).inhibitRules).toEqual([]);
    const rule = resolved({
      inhibitRules: [
        {
          sourceMatchers: [{ label: "alertname", value: "NodeDown" }],
          targetMatchers: [{ label: "severity", value: "warning" }],
        },
      ],
    }).inhibitRules[0];
    expect(rule?.equal).toEqual(["alertname", "namespace"]);
  });
});

describe("resolveAlertingArgs: problems", () => {
  const pager = (name: string) => ({
    name,
    kind: "pagerduty",
    pagerduty: { routingKeySecret: { name: "pd", key: "key" } },
  });
  const problemsOf = (args: unknown) => {
    const r = resolveAlertingArgs(args);
    expect(r.resolved).toBeUndefined();
    return lines(r.problems);
  };

  it("reports a route or the default sending to an unknown receiver", () => {
    expect(
      problemsOf({
        receivers: [pager("pager")],
        defaultReceiver: "nobody",
        routes: [{ receiver: "pagre", matchers: [{ label: "severity", value: "critical" }] }],
      }),
    ).toEqual([
      'defaultReceiver: unknown receiver "nobody"; define it under receivers or use "null" to drop',
      'routes[0].receiver: unknown receiver "pagre"; define it under receivers or use "null" to drop',
    ]);
  });

  it("reports duplicate receiver names and the reserved name null", () => {
    expect(problemsOf({ receivers: [pager("a"), pager("b"), pager("a"), pager("null")] })).toEqual([
      'receivers[2].name: duplicate receiver name "a" (also receivers[0])',
      'receivers[3].name: "null" is the built-in receiver that drops alerts; choose another name',
    ]);
  });

  it("requires exactly the block of the receiver's kind", () => {
    expect(
      problemsOf({
        receivers: [
          { name: "s", kind: "slack" },
          {
            name: "w",
            kind: "webhook",
            webhook: { url: "https://h.example.com/", credentialsSecret: { name: "h", key: "t" } },
            slack: { apiUrlSecret: { name: "s", key: "u" } },
          },
        ],
      }),
    ).toEqual([
      'receivers[0].slack: required when kind is "slack" (with apiUrlSecret: the Secret and key holding the Slack webhook URL)',
      'receivers[1].slack: only used when kind is "slack", not "webhook"; remove it',
    ]);
  });

  it("reports a missing or malformed secret reference", () => {
    expect(
      problemsOf({
        receivers: [
          { name: "p", kind: "pagerduty", pagerduty: {} },
          { name: "s", kind: "slack", slack: { apiUrlSecret: { name: "Slack_Secret", key: "a/b" } } },
          { name: "w", kind: "webhook", webhook: { url: "https://h.example.com/" } },
        ],
      }),
    ).toEqual([
      "receivers[0].pagerduty.routingKeySecret: required (object)",
      "receivers[1].slack.apiUrlSecret.name: must be a Kubernetes Secret name (lowercase letters, digits, '-', '.')",
      "receivers[1].slack.apiUrlSecret.key: must be a Secret key (letters, digits, '-', '_', '.')",
      "receivers[2].webhook.credentialsSecret: required (object)",
    ]);
  });

  it("refuses a secret inline: no API URL or routing key field, no credentials in a webhook URL", () => {
    expect(
      problemsOf({
        receivers: [
          {
            name: "s",
            kind: "slack",
            slack: {
              apiUrl: "https://hooks.slack.com/services/x",
              apiUrlSecret: { name: "s", key: "u" },
            },
          },
          {
            name: "w1",
            kind: "webhook",
            webhook: {
              url: "https://user:pw@h.example.com/",
              credentialsSecret: { name: "h", key: "t" },
            },
          },
          {
            name: "w2",
            kind: "webhook",
            webhook: {
              url: "https://h.example.com/?token=abc",
              credentialsSecret: { name: "h", key: "t" },
            },
          },
          {
            name: "w3",
            kind: "webhook",
            webhook: { url: "not a url", credentialsSecret: { name: "h", key: "t" } },
          },
        ],
      }),
    ).toEqual([
      "receivers[0].slack.apiUrl: unknown key; remove it or check the spelling",
      "receivers[1].webhook.url: must not contain credentials (it is not a secret in the rendered config); put the token in credentialsSecret",
      "receivers[2].webhook.url: must not have a query string or fragment (tokens in URLs end up in the config); put the token in credentialsSecret",
      'receivers[3].webhook.url: must be an absolute http(s) URL such as "https://hooks.example.com/alerts"',
    ]);
  });

  it("reports bad durations, and repeatInterval shorter than groupInterval", () => {
    const bad = 'must be a positive duration such as "30s", "5m", "4h" or "1h30m"';
    expect(problemsOf({ groupWait: "30 seconds", groupInterval: "0s", repeatInterval: "5" })).toEqual([
      `groupWait: ${bad}`,
      `groupInterval: ${bad}`,
      `repeatInterval: ${bad}`,
    ]);
    expect(problemsOf({ groupInterval: "10m", repeatInterval: "5m" })).toEqual([
      "repeatInterval: must be at least groupInterval (10m): Alertmanager only repeats at group_interval ticks",
    ]);
    expect(
      problemsOf({
        receivers: [pager("p")],
        routes: [{ receiver: "p", matchers: [{ label: "a", value: "b" }], repeatInterval: "1m" }],
      }),
    ).toEqual([
      "routes[0].repeatInterval: repeatInterval must be at least groupInterval: Alertmanager only repeats at group_interval ticks",
    ]);
  });

  it("reports an unknown matcher operator", () => {
    expect(
      problemsOf({
        receivers: [pager("p")],
        routes: [{ receiver: "p", matchers: [{ label: "team", operator: "==", value: "x" }] }],
      }),
    ).toEqual(['routes[0].matchers[0].operator: must be one of "=", "!=", "=~", "!~"']);
  });

  it("reports matchers: empty lists, bad label names, bad regular expressions", () => {
    expect(
      problemsOf({
        receivers: [pager("p")],
        groupBy: ["alert-name"],
        routes: [
          { receiver: "p", matchers: [] },
          { receiver: "p", matchers: [{ label: "team", operator: "=~", value: "ml(" }] },
          { receiver: "p", matchers: [{ label: "1team", value: "x" }] },
        ],
        inhibitRules: [{ sourceMatchers: [], targetMatchers: [{ label: "severity", value: "warning" }] }],
      }),
    ).toEqual([
      "routes[2].matchers[0].label: must be a label name (letters, digits and '_', not starting with a digit)",
      "groupBy[0]: must be a label name (letters, digits and '_', not starting with a digit)",
      "routes[0].matchers: must have at least one matcher (a route matching everything is defaultReceiver's job)",
      'routes[1].matchers[0].value: must be a regular expression (operator "=~")',
      "inhibitRules[0].sourceMatchers: must have at least one matcher (an empty one matches every alert)",
    ]);
  });

  it("reports an unknown key and a webhook authorization type amtool rejects", () => {
    expect(
      problemsOf({
        receiver: [],
        receivers: [
          {
            name: "w",
            kind: "webhook",
            webhook: {
              url: "https://h.example.com/",
              credentialsSecret: { name: "h", key: "t" },
              authorizationType: "Basic",
            },
          },
        ],
      }),
    ).toEqual([
      'receivers[0].webhook.authorizationType: must not be "Basic" (Alertmanager rejects it in authorization; use a token scheme)',
      "receiver: unknown key; remove it or check the spelling",
    ]);
  });
});

describe("renderAlertmanagerConfig with the real amtool", () => {
  let dir: string;
  let secretsDir: string;
  let configFile: string;
  let rendered: RenderedAlertmanagerConfig;

  const write = (name: string, content: string) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "alertmanager-test-"));
    secretsDir = join(dir, "secrets");
    rendered = renderAlertmanagerConfig(resolved(ARGS), secretsDir);
    // The files the Alertmanager CR would mount from the Secrets, with dummy values.
    for (const m of rendered.mounts) {
      mkdirSync(dirname(m.path), { recursive: true });
      writeFileSync(m.path, SECRET_VALUES[`${m.secretName}/${m.key}`] ?? "missing");
    }
    configFile = write("alertmanager.yml", rendered.yaml);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("passes amtool check-config (4 receivers + null, the default inhibit rule)", () => {
    const r = amtool(["check-config", configFile]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("SUCCESS");
    expect(r.stdout).toContain(" - 1 inhibit rules");
    expect(r.stdout).toContain(" - 5 receivers");
  });

  it("amtool check-config fails on a broken config (a route to an undefined receiver)", () => {
    const broken = structuredClone(rendered.config) as { route: { routes: { receiver: string }[] } };
    broken.route.routes[1]!.receiver = "no-such-receiver";
    const r = amtool(["check-config", write("broken.yml", stringify(broken))]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('FAILED: undefined receiver "no-such-receiver" used in route');
  });

  it("amtool 0.25 rejects the webhook url_file, which is why the URL stays plain", () => {
    const withUrlFile = parse(rendered.yaml) as {
      receivers: { webhook_configs?: Record<string, unknown>[] }[];
    };
    const hook = withUrlFile.receivers.find((r) => r.webhook_configs)!.webhook_configs![0]!;
    delete hook.url;
    hook.url_file = join(secretsDir, "serving-hook", "token");
    const r = amtool(["check-config", write("url-file.yml", stringify(withUrlFile))]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("field url_file not found");
  });

  const routeTest = (file: string, expected: string, labels: string[]) =>
    amtool([
      "config",
      "routes",
      "test",
      `--config.file=${file}`,
      `--verify.receivers=${expected}`,
      ...labels,
    ]);

  it.each([
    [
      "a page goes to PagerDuty",
      "oncall-pager",
      ["alertname=ServingErrorBudgetBurn", "severity=critical", "namespace=mlflow"],
    ],
    [
      "a page of the ml team also reaches its Slack (continue)",
      "oncall-pager,ml-team-slack",
      ["alertname=GpuIdle", "severity=critical", "team=ml"],
    ],
    [
      "a warning goes to the warnings Slack",
      "slack-warnings",
      ["alertname=KueueWorkloadsPending", "severity=warning", "namespace=kueue-system"],
    ],
    [
      "a warning of the ml team goes to the team's Slack (first match wins)",
      "ml-team-slack",
      ["alertname=ModelDrift", "severity=warning", "team=ml"],
    ],
    [
      "an alert in a serving namespace goes to the webhook (regex matcher)",
      "serving-webhook",
      ["alertname=KServeDown", "severity=info", "namespace=serving-prod"],
    ],
    ["Watchdog is dropped by the null receiver", "null", ["alertname=Watchdog", "severity=none"]],
    [
      "an unmatched alert goes to the default (null) receiver",
      "null",
      ["alertname=Unrouted", "severity=info", "namespace=default"],
    ],
  ])("routes: %s", (_what, expected, labels) => {
    const r = routeTest(configFile, expected, labels);
    expect(r.stdout.trim()).toBe(expected);
    expect(r.status).toBe(0);
  });

  it("amtool routes test fails when the expected receiver is not the resolved one", () => {
    const r = routeTest(configFile, "slack-warnings", ["alertname=X", "severity=critical"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("oncall-pager");
    expect(r.stdout).toContain("WARNING: Expected receivers did not match resolved receivers.");
  });

  it("routes what no route matches to a chosen defaultReceiver", () => {
    const config = renderAlertmanagerConfig(
      resolved({ ...ARGS, defaultReceiver: "slack-warnings" }),
      secretsDir,
    );
    const file = write("default-slack.yml", config.yaml);
    expect(amtool(["check-config", file]).status).toBe(0);
    const r = routeTest(file, "slack-warnings", ["alertname=Unrouted", "severity=info"]);
    expect(r.stdout.trim()).toBe("slack-warnings");
    expect(r.status).toBe(0);
  });

  it("renders secrets only as *_file paths under the mount dir, each mounted", () => {
    const cfg = rendered.config as {
      receivers: {
        name: string;
        slack_configs?: Record<string, unknown>[];
        pagerduty_configs?: Record<string, unknown>[];
        webhook_configs?: { url: string; http_config: { authorization: Record<string, unknown> } }[];
      }[];
    };
    const byName = Object.fromEntries(cfg.receivers.map((r) => [r.name, r]));
    expect(byName["oncall-pager"]?.pagerduty_configs).toEqual([
      { routing_key_file: join(secretsDir, "pagerduty/routing-key"), send_resolved: true },
    ]);
    expect(byName["slack-warnings"]?.slack_configs).toEqual([
      { api_url_file: join(secretsDir, "slack/warnings-url"), channel: "#alerts", send_resolved: true },
    ]);
    expect(byName["serving-webhook"]?.webhook_configs?.[0]).toEqual({
      url: "https://hooks.example.com/alertmanager",
      send_resolved: true,
      max_alerts: 0,
      http_config: {
        authorization: { type: "Bearer", credentials_file: join(secretsDir, "serving-hook/token") },
      },
    });
    expect(rendered.mounts).toEqual([
      { secretName: "pagerduty", key: "routing-key", path: join(secretsDir, "pagerduty/routing-key") },
      { secretName: "serving-hook", key: "token", path: join(secretsDir, "serving-hook/token") },
      { secretName: "slack", key: "ml-url", path: join(secretsDir, "slack/ml-url") },
      { secretName: "slack", key: "warnings-url", path: join(secretsDir, "slack/warnings-url") },
    ]);
    expect(rendered.secretNames).toEqual(["pagerduty", "serving-hook", "slack"]);
    // Each mounted file holds the dummy secret the test wrote.
    for (const m of rendered.mounts)
      expect(readFileSync(m.path, "utf8")).toBe(SECRET_VALUES[`${m.secretName}/${m.key}`]);
  });

  it("never puts a secret value or an inline secret field in the rendered YAML", () => {
    for (const value of Object.values(SECRET_VALUES)) expect(rendered.yaml).not.toContain(value);
    expect(rendered.yaml).not.toContain("hooks.slack.com");
    // No field that holds a secret inline, anywhere in the document.
    const inline = [
      "api_url",
      "routing_key",
      "service_key",
      "credentials",
      "password",
      "url_file",
      "bearer_token",
    ];
    const keys: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
          keys.push(k);
          walk(v);
        }
      }
    };
    walk(parse(rendered.yaml));
    expect(keys.filter((k) => inline.includes(k))).toEqual([]);
    expect(keys.filter((k) => k.endsWith("_file")).sort()).toEqual([
      "api_url_file",
      "api_url_file",
      "credentials_file",
      "routing_key_file",
    ]);
  });

  it("defaults the mount dir to where the Alertmanager CR mounts spec.secrets", () => {
    const config = renderAlertmanagerConfig(resolved(ARGS));
    expect(ALERTMANAGER_SECRETS_DIR).toBe("/etc/alertmanager/secrets");
    expect(config.mounts.map((m) => m.path)).toContain("/etc/alertmanager/secrets/pagerduty/routing-key");
    expect(config.yaml).toContain("routing_key_file: /etc/alertmanager/secrets/pagerduty/routing-key");
  });

  it("renders matcher values quoted and escaped so amtool parses them back", () => {
    const config = renderAlertmanagerConfig(
      resolved({
        ...ARGS,
        routes: [
          { receiver: "slack-warnings", matchers: [{ label: "summary", value: 'disk "full", really\\' }] },
          ...(ARGS.routes ?? []),
        ],
      }),
      secretsDir,
    );
    const file = write("escaped.yml", config.yaml);
    expect(amtool(["check-config", file]).status).toBe(0);
    // amtool parses its label arguments as matchers too: the value quoted and escaped the same way.
    const r = routeTest(file, "slack-warnings", ['summary="disk \\"full\\", really\\\\"']);
    expect(r.stdout.trim()).toBe("slack-warnings");
    expect(r.status).toBe(0);
  });
});

/**
 * amtool cannot evaluate inhibition, so the default inhibit rule is proved on the real
 * Alertmanager 0.25 (Debian's `prometheus-alertmanager`, same package as amtool): started on a
 * free local port with the default rendered config (only the null receiver: nothing is sent),
 * fed alerts through its API, and asked which ones are suppressed.
 */
describe("the default inhibit rule on the real Alertmanager", () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let base: string;
  let log = "";

  const freePort = () =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        const port = typeof address === "object" && address ? address.port : 0;
        server.close(() => resolve(port));
      });
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "alertmanager-run-"));
    const file = join(dir, "alertmanager.yml");
    writeFileSync(file, renderAlertmanagerConfig(resolved({}), join(dir, "secrets")).yaml);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const started = spawn(
      "prometheus-alertmanager",
      [
        `--config.file=${file}`,
        `--storage.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--cluster.listen-address=",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = started;
    started.stdout.on("data", (d: Buffer) => (log += d.toString()));
    started.stderr.on("data", (d: Buffer) => (log += d.toString()));
    const spawnError = new Promise<never>((_, reject) =>
      started.once("error", (e) =>
        reject(new Error(`cannot run prometheus-alertmanager (${e.message}): install it (see .ci/run)`)),
      ),
    );
    const ready = (async () => {
      for (let i = 0; i < 100; i++) {
        try {
          if ((await fetch(`${base}/-/ready`)).ok) return;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`Alertmanager did not become ready:\n${log}`);
    })();
    await Promise.race([ready, spawnError]);
  });
  afterAll(async () => {
    // Alertmanager writes its silences and notification log on shutdown: wait for it to exit
    // before removing its storage directory, or the removal races those writes (ENOTEMPTY).
    const running = child;
    if (running && running.exitCode === null && running.signalCode === null) {
      const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
      running.kill();
      await exited;
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  });

  it("a critical alert suppresses the warning with the same alertname and namespace, and only that", async () => {
    const alert = (severity: string, namespace: string, alertname = "ServingLatencyHigh") => ({
      labels: { alertname, namespace, severity },
    });
    const post = await fetch(`${base}/api/v2/alerts`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify([
        alert("critical", "serving"),
        alert("warning", "serving"),
        alert("warning", "training"),
        alert("warning", "serving", "GpuIdle"),
      ]),
    });
    expect(post.status).toBe(200);
    const response = await fetch(`${base}/api/v2/alerts`);
    const alerts = (await response.json()) as {
      labels: Record<string, string>;
      status: { state: string; inhibitedBy: string[] };
    }[];
    const state = Object.fromEntries(
      alerts.map((a) => [`${a.labels.alertname}/${a.labels.namespace}/${a.labels.severity}`, a.status.state]),
    );
    expect(state).toEqual({
      "ServingLatencyHigh/serving/critical": "active",
      "ServingLatencyHigh/serving/warning": "suppressed",
      "ServingLatencyHigh/training/warning": "active",
      "GpuIdle/serving/warning": "active",
    });
  });
});
