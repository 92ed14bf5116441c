/**
 * The batch jobs' push contract (components/monitoring/pushgateway.ts): exact bodies and paths,
 * every problem reported, the body linted by the real `promtool check metrics`, and the whole
 * path end to end on the real servers of Debian bookworm (installed by .ci/run): pushes to
 * Pushgateway 1.5.1, scraped with `honor_labels: true` by Prometheus 2.42, which evaluates the
 * shipped drift and feature-store rule groups (rendered by renderRuleFile, default parameters).
 * The tests fail (they do not skip) when a binary is missing.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  driftRules,
  featureStoreRules,
  PUSH_CONTENT_TYPE,
  PushContractError,
  PUSHED_METRIC_SPECS,
  PUSHED_METRICS,
  PUSH_CONTRACT_EXAMPLES,
  PUSH_JOBS,
  pushContractDocument,
  type PushedSample,
  pushgatewayPath,
  pushRequest,
  renderPushedMetrics,
  renderRuleFile,
} from "../../components/monitoring";
import { type Daemon, freePorts, pollUntil, startDaemon } from "./daemon";

/** A per-feature drift score of version 3 (Evidently's Wasserstein distance). */
const drift = (model: string, score: number, feature: string): PushedSample => ({
  metric: PUSHED_METRICS.modelDriftScore,
  labels: { model, version: "3", feature, method: "wasserstein" },
  value: score,
});
/** The drift job's verdict for version 3 of a model. */
const detected = (model: string, yes: boolean): PushedSample => ({
  metric: PUSHED_METRICS.modelDriftDetected,
  labels: { model, version: "3" },
  value: yes ? 1 : 0,
});
const materialized = (
  outcome: "success" | "failure",
  project: string,
  featureView: string,
  at: number,
): PushedSample => ({
  metric:
    outcome === "success"
      ? PUSHED_METRICS.materializationLastSuccess
      : PUSHED_METRICS.materializationLastFailure,
  labels: { project, feature_view: featureView },
  value: at,
});

/** The problems a call reports (fails when it does not throw PushContractError). */
function problemsOf(call: () => unknown): string[] {
  try {
    call();
  } catch (e) {
    if (e instanceof PushContractError) return e.problems;
    throw e;
  }
  throw new Error("expected a PushContractError");
}

describe("renderPushedMetrics", () => {
  it("renders one HELP/TYPE block per metric, labels in the spec's order, no timestamps, a final newline", () => {
    const body = renderPushedMetrics([
      detected("fraud-detector", true),
      drift("fraud-detector", 0.31, "amount"),
      materialized("failure", "shop", "orders", 1_796_000_000.5),
      {
        metric: PUSHED_METRICS.modelDriftScore,
        labels: { method: "psi", feature: "country", version: "3", model: "fraud-detector" },
        value: 0,
      },
      materialized("success", "shop", "orders", 1_795_990_000),
    ]);
    expect(body).toBe(
      [
        "# HELP mlops_feature_materialization_last_success_timestamp_seconds Unix time of the last successful materialisation of a feature view.",
        "# TYPE mlops_feature_materialization_last_success_timestamp_seconds gauge",
        'mlops_feature_materialization_last_success_timestamp_seconds{project="shop",feature_view="orders"} 1795990000',
        "# HELP mlops_feature_materialization_last_failure_timestamp_seconds Unix time of the last failed materialisation of a feature view.",
        "# TYPE mlops_feature_materialization_last_failure_timestamp_seconds gauge",
        'mlops_feature_materialization_last_failure_timestamp_seconds{project="shop",feature_view="orders"} 1796000000.5',
        "# HELP mlops_model_drift_score Drift score of one input feature of a model version against its training data (Evidently column drift score of the method in the method label: a p-value for statistical tests, a distance otherwise).",
        "# TYPE mlops_model_drift_score gauge",
        'mlops_model_drift_score{model="fraud-detector",version="3",feature="amount",method="wasserstein"} 0.31',
        'mlops_model_drift_score{model="fraud-detector",version="3",feature="country",method="psi"} 0',
        "# HELP mlops_model_drift_detected 1 when the drift job found dataset drift for a model version, else 0.",
        "# TYPE mlops_model_drift_detected gauge",
        'mlops_model_drift_detected{model="fraud-detector",version="3"} 1',
        "",
      ].join("\n"),
    );
    expect(renderPushedMetrics([])).toBe("");
  });

  it("escapes backslash, double quote and newline in label values", () => {
    expect(renderPushedMetrics([detected('a\\b "c"\nd', true)])).toContain(
      'mlops_model_drift_detected{model="a\\\\b \\"c\\"\\nd",version="3"} 1\n',
    );
  });

  it("reports every problem: unknown metric or label, missing or empty label, bad value, duplicate series", () => {
    expect(
      problemsOf(() =>
        renderPushedMetrics([
          { metric: "mlops_unknown" as typeof PUSHED_METRICS.modelDriftScore, labels: {}, value: 1 },
          { metric: PUSHED_METRICS.modelDriftShare, labels: { version: "3", feature: "" }, value: -0.1 },
          {
            metric: PUSHED_METRICS.materializationLastSuccess,
            labels: { project: "shop", feature_view: "", job: "x" },
            value: Number.NaN,
          },
          drift("m", Number.POSITIVE_INFINITY, "f"),
        ]),
      ),
    ).toEqual([
      'samples[0].metric: "mlops_unknown" is not a pushed metric (one of mlops_feature_materialization_last_success_timestamp_seconds, mlops_feature_materialization_last_failure_timestamp_seconds, mlops_model_drift_score, mlops_model_drift_share, mlops_model_drift_detected, mlops_model_drift_last_success_timestamp_seconds, mlops_model_evaluation_passed, mlops_model_rollout_decision)',
      "samples[1].labels.model: required by mlops_model_drift_share (non-empty)",
      "samples[1].labels.feature: not a label of mlops_model_drift_share (model, version)",
      "samples[1].value: -0.1 must be a finite number >= 0",
      "samples[2].labels.feature_view: required by mlops_feature_materialization_last_success_timestamp_seconds (non-empty)",
      "samples[2].labels.job: not a label of mlops_feature_materialization_last_success_timestamp_seconds (project, feature_view)",
      "samples[2].value: NaN must be a finite number >= 0",
      "samples[3].value: Infinity must be a finite number >= 0",
    ]);
    expect(
      problemsOf(() =>
        renderPushedMetrics([
          drift("m", 0.1, "a"),
          drift("m", 0.2, "b"),
          {
            metric: PUSHED_METRICS.modelDriftScore,
            labels: { method: "wasserstein", feature: "a", version: "3", model: "m" },
            value: 0.3,
          },
        ]),
      ),
    ).toEqual([
      'samples[2]: duplicate series mlops_model_drift_score{model="m",version="3",feature="a",method="wasserstein"} (also samples[0])',
    ]);
    // An optional label sent empty is a problem of its own (omit it instead).
    expect(
      problemsOf(() =>
        renderPushedMetrics([
          {
            metric: PUSHED_METRICS.materializationLastSuccess,
            labels: { project: "", feature_view: "v" },
            value: 1,
          },
        ]),
      ),
    ).toEqual([
      "samples[0].labels.project: required by mlops_feature_materialization_last_success_timestamp_seconds (non-empty)",
    ]);
  });

  it("passes the real `promtool check metrics` lint (HELP present, gauge naming)", () => {
    const body = renderPushedMetrics([
      drift("fraud-detector", 0.31, "amount"),
      detected("fraud-detector", true),
      {
        metric: PUSHED_METRICS.modelDriftShare,
        labels: { model: "fraud-detector", version: "3" },
        value: 0.5,
      },
      {
        metric: PUSHED_METRICS.modelDriftLastSuccess,
        labels: { model: "fraud-detector", version: "3" },
        value: 1_795_990_000,
      },
      {
        metric: PUSHED_METRICS.modelEvaluationPassed,
        labels: { model: "fraud-detector", version: "4", metric: "roc_auc" },
        value: 1,
      },
      {
        metric: PUSHED_METRICS.modelRolloutDecision,
        labels: { model: "fraud-detector", version: "4", decision: "hold" },
        value: 1,
      },
      materialized("success", "shop", "orders", 1_795_990_000),
      materialized("failure", "shop", "orders", 1_796_000_000),
    ]);
    const r = spawnSync("promtool", ["check", "metrics"], { input: body, encoding: "utf8", timeout: 30_000 });
    if (r.error) throw new Error(`cannot run promtool (${r.error.message}): install Debian's prometheus`);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
    // The same lint does report a problem (so an empty output means something).
    const bad = spawnSync("promtool", ["check", "metrics"], {
      input: "mlops_model_drift_score 1\n",
      encoding: "utf8",
    });
    expect(bad.stdout + bad.stderr).toContain("mlops_model_drift_score no help text");
    expect(bad.status).not.toBe(0);
  });

  it("uses the labels the shipped rules read (every $labels.<name> of the drift and feature-store alerts)", () => {
    const templated = (groups: ReturnType<typeof driftRules>[], metrics: string[]) => {
      const used = new Set<string>();
      for (const a of groups.flatMap((g) => g.alertingRules))
        if (metrics.some((m) => a.expr.includes(m)))
          for (const m of `${a.summary} ${a.description}`.matchAll(/\$labels\.([a-zA-Z_]+)/g))
            used.add(m[1]!);
      return [...used].sort();
    };
    const { modelDriftDetected, materializationLastFailure, materializationLastSuccess } = PUSHED_METRICS;
    expect(templated([driftRules()], [modelDriftDetected])).toEqual(["model", "version"]);
    expect(PUSHED_METRIC_SPECS[modelDriftDetected].requiredLabels).toEqual(["model", "version"]);
    expect(
      templated([featureStoreRules()], [materializationLastFailure, materializationLastSuccess]),
    ).toEqual(["feature_view", "project"]);
    expect(PUSHED_METRIC_SPECS[materializationLastSuccess].requiredLabels).toEqual([
      "project",
      "feature_view",
    ]);
    expect(PUSHED_METRIC_SPECS[materializationLastFailure].requiredLabels).toEqual([
      "project",
      "feature_view",
    ]);
  });
});

describe("pushgatewayPath", () => {
  it("builds /metrics/job/<job>{/<label>/<value>} with the labels sorted by name", () => {
    expect(pushgatewayPath("model-drift")).toBe("/metrics/job/model-drift");
    expect(pushgatewayPath("feature-materialization", { project: "shop", feature_view: "orders" })).toBe(
      "/metrics/job/feature-materialization/feature_view/orders/project/shop",
    );
  });

  it("encodes values as the Pushgateway README's examples do: base64url for '/', '=' for empty, URI otherwise", () => {
    expect(pushgatewayPath("directory_cleaner", { path: "/var/tmp" })).toBe(
      "/metrics/job/directory_cleaner/path@base64/L3Zhci90bXA",
    );
    expect(pushgatewayPath("example", { first_label: "", second_label: "foobar" })).toBe(
      "/metrics/job/example/first_label@base64/=/second_label/foobar",
    );
    expect(pushgatewayPath("titan", { name: "Προμηθεύς" })).toBe(
      "/metrics/job/titan/name/%CE%A0%CF%81%CE%BF%CE%BC%CE%B7%CE%B8%CE%B5%CF%8D%CF%82",
    );
    expect(pushgatewayPath("a/b", { shard: "..", here: ".", q: "x y?&#%" })).toBe(
      "/metrics/job@base64/YS9i/here@base64/Lg/q/x%20y%3F%26%23%25/shard@base64/Li4",
    );
    // base64url, not base64: '+' and '/' of the standard alphabet would break the path.
    expect(pushgatewayPath("j", { v: "/>>?" })).toBe("/metrics/job/j/v@base64/Lz4-Pw");
  });

  it("reports an empty job, `job` in the grouping key and bad label names", () => {
    expect(problemsOf(() => pushgatewayPath("", { job: "x", "bad-name": "y", __reserved: "z" }))).toEqual([
      "job: must not be empty (the Pushgateway rejects an empty job)",
      "groupingKey.job: the job is the first argument, not a grouping label",
      "groupingKey.bad-name: not a label name ([a-zA-Z_][a-zA-Z0-9_]*)",
      'groupingKey.__reserved: names starting with "__" are reserved by Prometheus',
    ]);
  });
});

describe("pushRequest", () => {
  it("returns the path, the text-format content type and the body", () => {
    const samples = [drift("fraud-detector", 0.31, "amount"), detected("fraud-detector", false)];
    expect(pushRequest("model-drift", { model: "fraud-detector" }, samples)).toEqual({
      path: "/metrics/job/model-drift/model/fraud-detector",
      contentType: "text/plain; version=0.0.4; charset=utf-8",
      body: renderPushedMetrics(samples),
    });
    expect(PUSH_CONTENT_TYPE).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  it("rejects a sample whose label the grouping key would overwrite with another value", () => {
    expect(
      problemsOf(() =>
        pushRequest("model-drift", { model: "fraud-detector" }, [
          detected("fraud-detector", true),
          drift("churn", 0.3, "tenure"),
        ]),
      ),
    ).toEqual([
      'samples[1].labels.model: "churn" differs from the grouping key\'s "fraud-detector" (the Pushgateway would overwrite it)',
    ]);
  });
});

describe("PUSH_JOBS and the contract document", () => {
  it("every pushed metric belongs to exactly one job, whose grouping labels each of its metrics requires", () => {
    const owners = Object.values(PUSHED_METRICS).map((m) =>
      Object.values(PUSH_JOBS)
        .filter((j) => (j.metrics as readonly string[]).includes(m))
        .map((j) => j.job),
    );
    expect(owners).toEqual([
      ["feature-materialization"],
      ["feature-materialization"],
      ["model-drift"],
      ["model-drift"],
      ["model-drift"],
      ["model-drift"],
      ["model-evaluation"],
      ["model-rollout"],
    ]);
    for (const j of Object.values(PUSH_JOBS))
      for (const m of j.metrics)
        for (const label of j.groupingLabels)
          expect(PUSHED_METRIC_SPECS[m].requiredLabels, `${j.job} groups ${m} by ${label}`).toContain(label);
  });

  it("lists the metrics in body order and replays every example through pushRequest", () => {
    const doc = pushContractDocument();
    expect(doc.contentType).toBe(PUSH_CONTENT_TYPE);
    expect(doc.metrics.map((m) => m.name)).toEqual(Object.values(PUSHED_METRICS));
    expect(doc.metrics[2]).toEqual({
      name: PUSHED_METRICS.modelDriftScore,
      ...PUSHED_METRIC_SPECS[PUSHED_METRICS.modelDriftScore],
    });
    expect(doc.examples.map((e) => e.name)).toEqual(PUSH_CONTRACT_EXAMPLES.map((e) => e.name));
    // The number formats another language must reproduce (JavaScript's shortest round-trip form).
    const first = doc.examples[0]!.expected;
    expect(
      "body" in first && first.body.split("\n").filter((l) => l.startsWith("mlops_model_drift_score")),
    ).toEqual([
      'mlops_model_drift_score{model="recommender",version="3",feature="price",method="wasserstein"} 0.31',
      'mlops_model_drift_score{model="recommender",version="3",feature="basket_size",method="wasserstein"} 0',
      'mlops_model_drift_score{model="recommender",version="3",feature="tiny",method="wasserstein"} 1e-7',
      'mlops_model_drift_score{model="recommender",version="3",feature="small",method="wasserstein"} 0.00001',
      'mlops_model_drift_score{model="recommender",version="3",feature="huge",method="wasserstein"} 1e+21',
      'mlops_model_drift_score{model="recommender",version="3",feature="big",method="wasserstein"} 123456789012345680000',
    ]);
    // Every kind of outcome is covered: bodies, sample problems, duplicates, overwrites, key problems.
    const problems = doc.examples.flatMap((e) => ("problems" in e.expected ? e.expected.problems : []));
    for (const kind of [
      /is not a pushed metric/,
      /required by/,
      /not a label of/,
      /must be a finite number/,
      /duplicate series/,
      /the Pushgateway would overwrite it/,
      /job: must not be empty/,
      /reserved by Prometheus/,
    ])
      expect(
        problems.some((p) => kind.test(p)),
        String(kind),
      ).toBe(true);
    expect(doc.examples.filter((e) => "body" in e.expected)).toHaveLength(3);
  });
});

/**
 * End to end on the real servers: a drift job and a materialisation job push (the way the
 * contract says: PUT per model, POST per feature view), Prometheus scrapes the Pushgateway every
 * second with `honor_labels: true` and evaluates the shipped rule groups every second.
 */
describe("pushed metrics on the real Pushgateway and Prometheus", () => {
  let dir: string;
  let pushgateway: Daemon | undefined;
  let prometheus: Daemon | undefined;
  const groups = [driftRules(), featureStoreRules()];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pushgateway-run-"));
    const [pgPort, promPort] = await freePorts(2);
    writeFileSync(join(dir, "rules.yml"), renderRuleFile(groups));
    writeFileSync(
      join(dir, "prometheus.yml"),
      stringify({
        global: { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" },
        rule_files: [join(dir, "rules.yml")],
        scrape_configs: [
          {
            job_name: "pushgateway",
            // As the Pushgateway's ServiceMonitor (honorLabels: true): keep the pushed job and
            // labels instead of renaming them exported_*.
            honor_labels: true,
            static_configs: [{ targets: [`127.0.0.1:${pgPort}`] }],
          },
        ],
      }),
    );
    const started = await Promise.allSettled([
      startDaemon(
        "prometheus-pushgateway",
        [
          `--web.listen-address=127.0.0.1:${pgPort}`,
          // Debian builds in --persistence.file=/var/lib/prometheus/pushgateway.data (and reads it
          // at start): keep the test's pushes, and its start, to the temp dir.
          `--persistence.file=${join(dir, "pushgateway.data")}`,
        ],
        pgPort!,
        "prometheus-pushgateway",
      ),
      startDaemon(
        "prometheus",
        [
          `--config.file=${join(dir, "prometheus.yml")}`,
          `--storage.tsdb.path=${join(dir, "data")}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
        ],
        promPort!,
        "prometheus",
      ),
    ]);
    pushgateway = started[0].status === "fulfilled" ? started[0].value : undefined;
    prometheus = started[1].status === "fulfilled" ? started[1].value : undefined;
    for (const s of started) if (s.status === "rejected") throw s.reason;
  });

  afterAll(async () => {
    // Prometheus writes its TSDB and the Pushgateway its persistence file on shutdown: wait for
    // both processes to exit before removing the directory (removing it first races those
    // writes: ENOTEMPTY).
    await Promise.all([pushgateway?.stop(), prometheus?.stop()]);
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  });

  const push = async (
    method: "PUT" | "POST",
    job: string,
    key: Record<string, string>,
    samples: PushedSample[],
  ) => {
    const request = pushRequest(job, key, samples);
    const response = await fetch(`${pushgateway!.base}${request.path}`, {
      method,
      headers: { "Content-Type": request.contentType },
      body: request.body,
    });
    expect(`${response.status} ${await response.text()}`).toBe("200 ");
  };

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${prometheus!.base}${path}`);
    const json = (await response.json()) as { status: string; data: T; error?: string };
    if (json.status !== "success") throw new Error(`${path}: ${json.error ?? response.status}`);
    return json.data;
  };

  it("groups the Pushgateway stores have exactly the labels of the encoded path (/, empty, .., unicode)", async () => {
    const key = { model: "fraud/v2 ΣΠ", run: "", shard: ".." };
    await push("PUT", "drift/nightly", key, [detected("fraud/v2 ΣΠ", false)]);
    const response = await fetch(`${pushgateway!.base}/api/v1/metrics`);
    const stored = (await response.json()) as { data: { labels: Record<string, string> }[] };
    expect(stored.data.map((g) => g.labels)).toContainEqual({ job: "drift/nightly", ...key });
    // Leave nothing for the next test: DELETE the group by the same path.
    const deleted = await fetch(`${pushgateway!.base}${pushgatewayPath("drift/nightly", key)}`, {
      method: "DELETE",
    });
    expect(deleted.status).toBe(202);
    await pollUntil(
      "the group to be deleted",
      async () => {
        const after = (await (await fetch(`${pushgateway!.base}/api/v1/metrics`)).json()) as {
          data: { labels: Record<string, string> }[];
        };
        return after.data.some((g) => g.labels.job === "drift/nightly") ? undefined : true;
      },
      5_000,
    );
  });

  it("fires the drift and materialisation alerts with the pushed labels, and nothing for healthy series", async () => {
    const now = Date.now() / 1000;
    const hour = 3600;
    // Drift job: PUT one group per model. A model's earlier version vanishes with the next PUT.
    const { modelDrift } = PUSH_JOBS;
    await push(modelDrift.method, modelDrift.job, { model: "fraud-detector" }, [
      { ...detected("fraud-detector", false), labels: { model: "fraud-detector", version: "2" } },
    ]);
    await push(modelDrift.method, modelDrift.job, { model: "fraud-detector" }, [
      drift("fraud-detector", 0.31, "amount"),
      detected("fraud-detector", true),
    ]);
    await push(modelDrift.method, modelDrift.job, { model: "churn" }, [detected("churn", false)]);
    // Materialisation job: POST per feature view, one push per run (success or failure).
    const view = (project: string, featureView: string) => ({ project, feature_view: featureView });
    const run = (outcome: "success" | "failure", project: string, featureView: string, at: number) =>
      push("POST", "feature-materialization", view(project, featureView), [
        materialized(outcome, project, featureView, at),
      ]);
    await run("success", "shop", "orders", now - hour); // then the next run fails:
    await run("failure", "shop", "orders", now - 60);
    await run("failure", "shop", "customers", now - 2 * hour); // then the next run succeeds:
    await run("success", "shop", "customers", now - 60);
    await run("success", "shop", "returns", now - 27 * hour); // and nothing since

    // Wait until Prometheus has every pushed series (3 drift series, 5 timestamps; the POSTs kept
    // the earlier success of "orders"; the PUT removed version 2 of fraud-detector): the samples it saw are no newer than that query's time.
    // Then wait until both groups were evaluated after it (an evaluation's timestamp is within
    // one interval before its start), so "no alert" below means the rules saw the healthy series.
    const seenAt = await pollUntil(
      "Prometheus to scrape the 8 pushed series",
      async () => {
        const query = encodeURIComponent('{__name__=~"mlops_.+"}');
        const { result } = await api<{
          result: { metric: Record<string, string>; value: [number, string] }[];
        }>(`/api/v1/query?query=${query}`);
        if (result.length === 8) return result[0]!.value[0];
        // Not yet: the timeout message shows what Prometheus had.
        throw new Error(`${result.length} series: ${JSON.stringify(result.map((r) => r.metric))}`);
      },
      // Prometheus 2.42 applies its scrape targets on a 5 s tick after start, so the first scrape
      // comes ~5 s in; the deadline leaves room for a slow CI machine.
      20_000,
    );
    interface Alert {
      labels: Record<string, string>;
      annotations: Record<string, string>;
      state: string;
    }
    interface Rules {
      groups: { name: string; lastEvaluation: string; rules: { name: string; alerts: Alert[] }[] }[];
    }
    const rules = await pollUntil(
      "both rule groups to be evaluated after the series were seen",
      async () => {
        const data = await api<Rules>("/api/v1/rules?type=alert");
        const evaluated = data.groups.map((g) => Date.parse(g.lastEvaluation) / 1000);
        return evaluated.length === 2 && evaluated.every((t) => t > seenAt + 1.1) ? data : undefined;
      },
      10_000,
    );
    const alerts = rules.groups
      .flatMap((g) => g.rules.flatMap((r) => r.alerts))
      .map((a) => ({ state: a.state, labels: a.labels, summary: a.annotations.summary }))
      .sort((a, b) => `${a.labels.alertname}`.localeCompare(`${b.labels.alertname}`));
    // honor_labels kept the pushed job and every label (no exported_job, no job="pushgateway");
    // the empty instance the Pushgateway adds is no label at all.
    expect(alerts).toEqual([
      {
        state: "pending",
        labels: {
          alertname: "FeatureMaterializationFailed",
          severity: "warning",
          job: "feature-materialization",
          project: "shop",
          feature_view: "orders",
        },
        summary: "Materialisation of feature view shop/orders failed",
      },
      {
        state: "pending",
        labels: {
          alertname: "FeatureMaterializationStale",
          severity: "warning",
          job: "feature-materialization",
          project: "shop",
          feature_view: "returns",
        },
        summary: "Feature view shop/returns was last materialised more than 26h ago",
      },
      {
        state: "pending",
        labels: {
          alertname: "ModelDrift",
          severity: "warning",
          job: "model-drift",
          model: "fraud-detector",
          version: "3",
        },
        summary: "Model fraud-detector version 3 drifts from its training data",
      },
    ]);
    // Pending, not firing: the shipped rules wait `for` 30m (drift) and 5m (feature store).
    expect(groups.map((g) => g.alertingRules.map((a) => a.for))).toEqual([["30m"], ["5m", "5m", "5m"]]);
  });
});
