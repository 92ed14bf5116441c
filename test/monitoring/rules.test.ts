/**
 * The alert-rule catalogue (components/monitoring/rules.ts), checked with Prometheus's own tool:
 * the default catalogue is rendered to a temp dir, `promtool check rules` must accept it, and
 * `promtool test rules` unit tests (written here, input_series notation) assert which alerts fire
 * and when: burn rate on a sustained error rate but not on a blip, latency burn rate, GPU idle
 * (not for a busy or an unassigned GPU), Kueue, Karpenter, feature materialisation, MLflow, drift,
 * and nothing at all on healthy series. A deliberately wrong expectation must make promtool fail.
 * promtool comes from Debian's `prometheus` package (2.42.0 on bookworm; `.ci/run` installs it):
 * the tests fail, not skip, when it is missing.
 *
 * Unit-test format: https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import { parse, stringify } from "yaml";
import {
  ALERT_CATALOGUE,
  RuleParameterError,
  Severity,
  alertCatalogueMarkdown,
  catalogueParamsSchema,
  catalogueProblems,
  type CatalogueParams,
  defaultRuleGroups,
  driftRules,
  durationSeconds,
  errorSloRules,
  featureStoreRules,
  gpuIdleRules,
  karpenterRules,
  kueueRules,
  latencySloRules,
  leMatcher,
  mlflowRules,
  prometheusRuleManifest,
  pushgatewayRules,
  renderGroups,
  renderRuleFile,
  type AlertingRule,
  type RuleGroup,
} from "../../components/monitoring/rules";
import { validateJsonSchema, type JsonSchema } from "../schemas/validate";

const GROUPS = defaultRuleGroups();

/** `xs[i]`, failing the test when there is no such element. */
function at<T>(xs: readonly T[], i: number): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`no element ${i}`);
  return x;
}
let dir: string;

function promtool(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync("promtool", args, { cwd: dir, encoding: "utf8", timeout: 120_000 });
  if (r.error)
    throw new Error(`cannot run promtool (install Debian package "prometheus"): ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The alert with that name in `groups`. */
function alertOf(name: string, groups: RuleGroup[] = GROUPS): AlertingRule {
  const a = groups.flatMap((g) => g.alertingRules).find((x) => x.alert === name);
  if (!a) throw new Error(`no alert ${name}`);
  return a;
}

/** `{{ $labels.x }}` expanded as Prometheus does (the catalogue uses no other template syntax). */
function expand(template: string, labels: Record<string, string>): string {
  return template.replace(/\{\{ \$labels\.([a-zA-Z_]+) \}\}/g, (_, l: string) => {
    if (labels[l] === undefined) throw new Error(`test series lack label ${l} used by a template`);
    return labels[l];
  });
}

/** An expected firing alert: its labels (series labels + severity) and all three annotations. */
function fires(name: string, labels: Record<string, string>): object {
  const a = alertOf(name);
  const all = { ...labels, ...a.labels, severity: a.severity };
  return {
    exp_labels: all,
    exp_annotations: {
      summary: expand(a.summary, all),
      description: expand(a.description, all),
      runbook: expand(a.runbook, all),
    },
  };
}

interface Series {
  series: string;
  values: string;
}
interface UnitTest {
  name: string;
  interval: string;
  input_series: Series[];
  alert_rule_test: { eval_time: string; alertname: string; exp_alerts?: object[] }[];
  promql_expr_test?: { expr: string; eval_time: string; exp_samples: { labels: string; value: number }[] }[];
}

/** Writes a promtool unit-test file for `tests` next to rules.yml and runs it. */
function runUnitTests(file: string, tests: UnitTest[]): { status: number | null; out: string } {
  writeFileSync(join(dir, file), stringify({ rule_files: ["rules.yml"], evaluation_interval: "1m", tests }));
  return promtool("test", "rules", file);
}

/** Asserts that no alert of the catalogue fires at each of `times`. */
function nothingFires(times: string[]): UnitTest["alert_rule_test"] {
  return times.flatMap((t) => ALERT_CATALOGUE.map((e) => ({ eval_time: t, alertname: e.alert })));
}

const MODEL = { namespace: "serving", model_name: "fraud" };
const sel = (metric: string, labels: Record<string, string>) =>
  `${metric}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`;

const SUSTAINED_ERRORS: UnitTest = {
  name: "sustained 10% errors page",
  interval: "1m",
  input_series: [
    { series: sel("model_infer_request_success_total", MODEL), values: "0+90x180" },
    { series: sel("model_infer_request_failure_total", MODEL), values: "0+10x180" },
  ],
  alert_rule_test: [
    // pending (for: 2m), not yet firing
    { eval_time: "1m", alertname: "ServingErrorBudgetBurn" },
    {
      eval_time: "10m",
      alertname: "ServingErrorBudgetBurn",
      exp_alerts: [fires("ServingErrorBudgetBurn", { ...MODEL, slo: "serving-errors" })],
    },
  ],
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mlops-rules-"));
  writeFileSync(join(dir, "rules.yml"), renderRuleFile(GROUPS));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("promtool check rules", () => {
  it("accepts the rendered default catalogue and counts every rule", () => {
    const r = promtool("check", "rules", "rules.yml");
    expect(r.out).toContain("SUCCESS");
    expect(r.status).toBe(0);
    const n = GROUPS.reduce((s, g) => s + g.recordingRules.length + g.alertingRules.length, 0);
    expect(r.out).toContain(`${n} rules found`);
    // 2 SLOs × 6 windows (5m, 30m, 1h, 6h, 1d, 3d) recorded
    expect(n).toBe(12 + ALERT_CATALOGUE.length);
  });

  it("rejects a broken rule (the check can fail)", () => {
    const broken = errorSloRules();
    broken.alertingRules[0] = { ...at(broken.alertingRules, 0), expr: "sum(rate(x[5m]) >" };
    writeFileSync(join(dir, "broken.yml"), renderRuleFile([broken]));
    const r = promtool("check", "rules", "broken.yml");
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/parse error|unexpected/);
  });
});

describe("promtool test rules: what fires", () => {
  it("error burn rate: pages on sustained errors, not on a two-minute blip; a slow burn tickets", () => {
    const r = runUnitTests("slo-errors.test.yml", [
      SUSTAINED_ERRORS,
      {
        // 4 healthy hours (100 req/min, no errors), then 2 minutes at 50% errors, then healthy.
        name: "a two-minute blip does not page",
        interval: "1m",
        input_series: [
          {
            series: sel("model_infer_request_success_total", MODEL),
            values: "0+100x240 24050+50x1 24200+100x60",
          },
          { series: sel("model_infer_request_failure_total", MODEL), values: "0x240 50+50x1 100x60" },
        ],
        alert_rule_test: ["242m", "245m", "250m", "260m", "300m"].flatMap((t) => [
          { eval_time: t, alertname: "ServingErrorBudgetBurn" },
          { eval_time: t, alertname: "ServingErrorBudgetBurnSlow" },
        ]),
        // The blip is visible: the 5m window is above the 14.4× threshold (only the 1h window is not).
        promql_expr_test: [
          {
            expr: 'count(mlops:slo_error_ratio_rate5m{slo="serving-errors"} > 14.4 * 0.005)',
            eval_time: "245m",
            exp_samples: [{ labels: "{}", value: 1 }],
          },
        ],
      },
      {
        name: "1% errors for hours (2× burn) tickets but does not page",
        interval: "1m",
        input_series: [
          { series: sel("model_infer_request_success_total", MODEL), values: "0+99x420" },
          { series: sel("model_infer_request_failure_total", MODEL), values: "0+1x420" },
        ],
        alert_rule_test: [
          { eval_time: "60m", alertname: "ServingErrorBudgetBurn" },
          {
            eval_time: "60m",
            alertname: "ServingErrorBudgetBurnSlow",
            exp_alerts: [fires("ServingErrorBudgetBurnSlow", { ...MODEL, slo: "serving-errors" })],
          },
        ],
      },
    ]);
    expect(r.out).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  it('latency burn rate: pages when 20% of requests are slower than 1s (bucket le="1.0")', () => {
    const r = runUnitTests("slo-latency.test.yml", [
      {
        name: "sustained slow requests page",
        interval: "1m",
        input_series: [
          { series: sel("request_predict_seconds_bucket", { ...MODEL, le: "0.5" }), values: "0+60x120" },
          { series: sel("request_predict_seconds_bucket", { ...MODEL, le: "1.0" }), values: "0+80x120" },
          { series: sel("request_predict_seconds_bucket", { ...MODEL, le: "+Inf" }), values: "0+100x120" },
          { series: sel("request_predict_seconds_count", MODEL), values: "0+100x120" },
        ],
        alert_rule_test: [
          { eval_time: "1m", alertname: "ServingLatencyBudgetBurn" },
          {
            eval_time: "10m",
            alertname: "ServingLatencyBudgetBurn",
            exp_alerts: [fires("ServingLatencyBudgetBurn", { ...MODEL, slo: "serving-latency" })],
          },
          { eval_time: "10m", alertname: "ServingErrorBudgetBurn" },
        ],
      },
    ]);
    expect(r.out).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  it("GPU idle: fires for an allocated idle GPU only, after window + for", () => {
    const gpu = (g: string, pod: string, ns: string) => ({
      gpu: g,
      pod,
      namespace: ns,
      instance: "node-1:9400",
    });
    const idle = gpu("1", "notebook-0", "vision");
    const r = runUnitTests("gpu.test.yml", [
      {
        name: "idle allocated GPU",
        interval: "1m",
        input_series: [
          { series: sel("DCGM_FI_PROF_GR_ENGINE_ACTIVE", gpu("0", "train-0", "vision")), values: "0.9x120" },
          { series: sel("DCGM_FI_PROF_GR_ENGINE_ACTIVE", idle), values: "0.02x120" },
          // unassigned GPU: the exporter writes pod="" (no label in Prometheus)
          {
            series: sel("DCGM_FI_PROF_GR_ENGINE_ACTIVE", { gpu: "2", instance: "node-1:9400" }),
            values: "0x120",
          },
        ],
        alert_rule_test: [
          { eval_time: "20m", alertname: "GpuAllocatedButIdle" },
          {
            eval_time: "40m",
            alertname: "GpuAllocatedButIdle",
            exp_alerts: [fires("GpuAllocatedButIdle", idle)],
          },
        ],
      },
    ]);
    expect(r.out).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  it("Kueue pending/inadmissible and Karpenter launch failures/unschedulable pods fire", () => {
    const r = runUnitTests("queues.test.yml", [
      {
        name: "queues and provisioning",
        interval: "1m",
        input_series: [
          {
            series: sel("kueue_pending_workloads", {
              cluster_queue: "team-a",
              status: "active",
              replica_role: "leader",
            }),
            values: "3x90",
          },
          {
            series: sel("kueue_pending_workloads", {
              cluster_queue: "team-a",
              status: "inadmissible",
              replica_role: "leader",
            }),
            values: "0x90",
          },
          {
            series: sel("kueue_pending_workloads", {
              cluster_queue: "team-b",
              status: "inadmissible",
              replica_role: "leader",
            }),
            values: "1x90",
          },
          {
            series: sel("kueue_pending_workloads", {
              cluster_queue: "team-b",
              status: "active",
              replica_role: "leader",
            }),
            values: "0x90",
          },
          {
            series: sel("karpenter_cloudprovider_instance_launch_failures_total", {
              zone: "us-east-1a",
              capacity_type: "spot",
              nodepool: "gpu",
            }),
            values: "0+1x90",
          },
          {
            series: sel("karpenter_cloudprovider_instance_launch_failures_total", {
              zone: "us-east-1b",
              capacity_type: "on-demand",
              nodepool: "gpu",
            }),
            values: "0x90",
          },
          { series: "karpenter_scheduler_unschedulable_pods_count", values: "2x90" },
        ],
        alert_rule_test: [
          { eval_time: "30m", alertname: "KueueWorkloadsPending" },
          {
            eval_time: "70m",
            alertname: "KueueWorkloadsPending",
            exp_alerts: [fires("KueueWorkloadsPending", { cluster_queue: "team-a" })],
          },
          {
            eval_time: "20m",
            alertname: "KueueWorkloadsInadmissible",
            exp_alerts: [fires("KueueWorkloadsInadmissible", { cluster_queue: "team-b" })],
          },
          {
            eval_time: "20m",
            alertname: "KarpenterInstanceLaunchFailures",
            exp_alerts: [
              fires("KarpenterInstanceLaunchFailures", { zone: "us-east-1a", capacity_type: "spot" }),
            ],
          },
          { eval_time: "10m", alertname: "KarpenterUnschedulablePods" },
          {
            eval_time: "20m",
            alertname: "KarpenterUnschedulablePods",
            exp_alerts: [fires("KarpenterUnschedulablePods", {})],
          },
        ],
      },
    ]);
    expect(r.out).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  it("feature materialisation failure/staleness, Feast freshness, MLflow down/missing, drift and Pushgateway down fire", () => {
    const job = (j: string, extra: Record<string, string>) => ({ job: j, ...extra });
    const fv = (v: string) => job("feature-materialization", { project: "fraud", feature_view: v });
    const r = runUnitTests("batch.test.yml", [
      {
        name: "materialisation failed, never succeeded, succeeded after a failure",
        interval: "1m",
        input_series: [
          {
            series: sel("mlops_feature_materialization_last_failure_timestamp_seconds", fv("failed")),
            values: "120x30",
          },
          {
            series: sel("mlops_feature_materialization_last_success_timestamp_seconds", fv("failed")),
            values: "60x30",
          },
          {
            series: sel("mlops_feature_materialization_last_failure_timestamp_seconds", fv("new")),
            values: "60x30",
          },
          {
            series: sel("mlops_feature_materialization_last_failure_timestamp_seconds", fv("ok")),
            values: "60x30",
          },
          {
            series: sel("mlops_feature_materialization_last_success_timestamp_seconds", fv("ok")),
            values: "120x30",
          },
        ],
        alert_rule_test: [
          { eval_time: "3m", alertname: "FeatureMaterializationFailed" },
          {
            eval_time: "10m",
            alertname: "FeatureMaterializationFailed",
            exp_alerts: [
              fires("FeatureMaterializationFailed", fv("failed")),
              fires("FeatureMaterializationFailed", fv("new")),
            ],
          },
        ],
      },
      {
        name: "materialisation stale after 26h, a fresh view does not fire",
        interval: "1m",
        input_series: [
          // last success at t=0 and never again
          {
            series: sel("mlops_feature_materialization_last_success_timestamp_seconds", fv("stale")),
            values: "0x1700",
          },
          // a job that succeeds every minute (its timestamp follows time())
          {
            series: sel("mlops_feature_materialization_last_success_timestamp_seconds", fv("fresh")),
            values: "0+60x1700",
          },
        ],
        alert_rule_test: [
          { eval_time: "1550m", alertname: "FeatureMaterializationStale" },
          {
            eval_time: "1600m",
            alertname: "FeatureMaterializationStale",
            exp_alerts: [fires("FeatureMaterializationStale", fv("stale"))],
          },
        ],
      },
      {
        name: "Feast freshness, MLflow down, drift",
        interval: "1m",
        input_series: [
          {
            series: sel("feast_feature_freshness_seconds", { project: "fraud", feature_view: "old" }),
            values: "100000x60",
          },
          {
            series: sel("feast_feature_freshness_seconds", { project: "fraud", feature_view: "new" }),
            values: "3600x60",
          },
          { series: sel("up", { job: "mlflow", instance: "10.0.0.7:5000" }), values: "1x10 0x50" },
          { series: sel("up", { job: "other", instance: "10.0.0.8:80" }), values: "0x60" },
          {
            series: sel("up", { job: "prometheus-pushgateway", instance: "10.0.0.9:9091" }),
            values: "1x10 0x50",
          },
          {
            series: sel("mlops_model_drift_detected", job("model-drift", { model: "fraud", version: "3" })),
            values: "1x60",
          },
          {
            // Drift found once, then gone: a single noisy window does not page.
            series: sel("mlops_model_drift_detected", job("model-drift", { model: "churn", version: "7" })),
            values: "1x10 0x50",
          },
          {
            // The share and the per-feature scores are for dashboards: high, but no alert on them.
            series: sel("mlops_model_drift_share", job("model-drift", { model: "churn", version: "7" })),
            values: "0.9x60",
          },
        ],
        alert_rule_test: [
          {
            eval_time: "10m",
            alertname: "FeastFeatureViewStale",
            exp_alerts: [fires("FeastFeatureViewStale", { project: "fraud", feature_view: "old" })],
          },
          { eval_time: "13m", alertname: "MlflowDown" },
          {
            eval_time: "20m",
            alertname: "MlflowDown",
            exp_alerts: [fires("MlflowDown", { job: "mlflow", instance: "10.0.0.7:5000" })],
          },
          { eval_time: "20m", alertname: "MlflowTargetMissing" },
          { eval_time: "15m", alertname: "PushgatewayDown" },
          {
            eval_time: "25m",
            alertname: "PushgatewayDown",
            exp_alerts: [
              fires("PushgatewayDown", { job: "prometheus-pushgateway", instance: "10.0.0.9:9091" }),
            ],
          },
          { eval_time: "20m", alertname: "ModelDrift" },
          {
            eval_time: "40m",
            alertname: "ModelDrift",
            exp_alerts: [fires("ModelDrift", job("model-drift", { model: "fraud", version: "3" }))],
          },
        ],
      },
      {
        name: "no MLflow target at all",
        interval: "1m",
        input_series: [{ series: sel("up", { job: "other", instance: "10.0.0.8:80" }), values: "1x30" }],
        alert_rule_test: [
          { eval_time: "10m", alertname: "MlflowTargetMissing" },
          {
            eval_time: "20m",
            alertname: "MlflowTargetMissing",
            exp_alerts: [fires("MlflowTargetMissing", {})],
          },
        ],
      },
    ]);
    expect(r.out).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  it("nothing fires on healthy series", () => {
    const gpu = { gpu: "0", pod: "train-0", namespace: "vision", instance: "node-1:9400" };
    const fv = { job: "feature-materialization", project: "fraud", feature_view: "ok" };
    const r = runUnitTests("healthy.test.yml", [
      {
        name: "healthy platform",
        interval: "1m",
        input_series: [
          // 0.1% errors (a fifth of the 0.5% budget) and 99.9% of requests under 1s
          { series: sel("model_infer_request_success_total", MODEL), values: "0+999x240" },
          { series: sel("model_infer_request_failure_total", MODEL), values: "0+1x240" },
          { series: sel("request_predict_seconds_bucket", { ...MODEL, le: "1.0" }), values: "0+999x240" },
          { series: sel("request_predict_seconds_count", MODEL), values: "0+1000x240" },
          { series: sel("DCGM_FI_PROF_GR_ENGINE_ACTIVE", gpu), values: "0.7x240" },
          {
            series: sel("kueue_pending_workloads", {
              cluster_queue: "team-a",
              status: "active",
              replica_role: "leader",
            }),
            values: "0x240",
          },
          {
            series: sel("kueue_pending_workloads", {
              cluster_queue: "team-a",
              status: "inadmissible",
              replica_role: "leader",
            }),
            values: "0x240",
          },
          {
            series: sel("karpenter_cloudprovider_instance_launch_failures_total", {
              zone: "us-east-1a",
              capacity_type: "spot",
            }),
            values: "0x240",
          },
          { series: "karpenter_scheduler_unschedulable_pods_count", values: "0x240" },
          {
            series: sel("mlops_feature_materialization_last_success_timestamp_seconds", fv),
            values: "0+60x240",
          },
          {
            series: sel("mlops_feature_materialization_last_failure_timestamp_seconds", fv),
            values: "-60x240",
          },
          {
            series: sel("feast_feature_freshness_seconds", { project: "fraud", feature_view: "ok" }),
            values: "600x240",
          },
          { series: sel("up", { job: "mlflow", instance: "10.0.0.7:5000" }), values: "1x240" },
          {
            series: sel("up", { job: "prometheus-pushgateway", instance: "10.0.0.9:9091" }),
            values: "1x240",
          },
          {
            series: sel("mlops_model_drift_detected", { job: "model-drift", model: "fraud", version: "3" }),
            values: "0x240",
          },
        ],
        alert_rule_test: nothingFires(["5m", "30m", "70m", "130m", "239m"]),
      },
    ]);
    expect(r.out).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  it("a wrong expectation makes promtool fail (the harness can fail)", () => {
    const wrong: UnitTest = {
      ...SUSTAINED_ERRORS,
      name: "wrong: claims nothing fires on sustained errors",
      alert_rule_test: [{ eval_time: "10m", alertname: "ServingErrorBudgetBurn" }],
    };
    const r = runUnitTests("wrong.test.yml", [wrong]);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("FAILED");
    expect(r.out).toContain("ServingErrorBudgetBurn");
  });
});

describe("rule builders", () => {
  it("error SLO: recorded ratio and burn-rate expressions for given parameters", () => {
    const g = errorSloRules({
      name: "api",
      target: 0.999,
      by: ["job"],
      matchers: 'namespace="web"',
      errorCounter: "http_requests_total",
      errorMatchers: 'code=~"5.."',
      successCounter: "http_requests_total",
      successMatchers: 'code!~"5.."',
      pageWindows: [{ long: "1h", short: "5m", burnRate: 14.4 }],
      ticketWindows: [],
      extraWindows: [],
    });
    expect(g.name).toBe("mlops-slo-api");
    expect(g.recordingRules.map((r) => r.record)).toEqual([
      "mlops:slo_error_ratio_rate5m",
      "mlops:slo_error_ratio_rate1h",
    ]);
    expect(g.recordingRules[0]).toEqual({
      record: "mlops:slo_error_ratio_rate5m",
      expr:
        'sum by (job) (rate(http_requests_total{namespace="web",code=~"5.."}[5m]))\n/\n' +
        '(sum by (job) (rate(http_requests_total{namespace="web",code=~"5.."}[5m])) + ' +
        'sum by (job) (rate(http_requests_total{namespace="web",code!~"5.."}[5m])))',
      labels: { slo: "api" },
    });
    expect(g.alertingRules).toHaveLength(1);
    expect(g.alertingRules[0]?.alert).toBe("ServingErrorBudgetBurn");
    expect(g.alertingRules[0]?.severity).toBe(Severity.Critical);
    expect(g.alertingRules[0]?.expr).toBe(
      '(mlops:slo_error_ratio_rate1h{slo="api"} > (14.4 * (1 - 0.999)) and mlops:slo_error_ratio_rate5m{slo="api"} > (14.4 * (1 - 0.999)))',
    );
  });

  it("SLO defaults: workbook pairs, windows 5m 30m 1h 6h 1d 3d, 99.5%", () => {
    const g = latencySloRules();
    expect(g.recordingRules.map((r) => r.record.replace("mlops:slo_slow_ratio_rate", ""))).toEqual([
      "5m",
      "30m",
      "1h",
      "6h",
      "1d",
      "3d",
    ]);
    expect(g.recordingRules[0]?.expr).toBe(
      "(sum by (namespace, model_name) (rate(request_predict_seconds_count[5m])) - " +
        'sum by (namespace, model_name) (rate(request_predict_seconds_bucket{le=~"1|1[.]0"}[5m])))\n/\n' +
        "sum by (namespace, model_name) (rate(request_predict_seconds_count[5m]))",
    );
    const [page, ticket] = g.alertingRules;
    expect(page?.expr).toBe(
      '(mlops:slo_slow_ratio_rate1h{slo="serving-latency"} > (14.4 * (1 - 0.995)) and mlops:slo_slow_ratio_rate5m{slo="serving-latency"} > (14.4 * (1 - 0.995)))\nor\n' +
        '(mlops:slo_slow_ratio_rate6h{slo="serving-latency"} > (6 * (1 - 0.995)) and mlops:slo_slow_ratio_rate30m{slo="serving-latency"} > (6 * (1 - 0.995)))',
    );
    expect(ticket?.expr).toBe(
      '(mlops:slo_slow_ratio_rate3d{slo="serving-latency"} > (1 * (1 - 0.995)) and mlops:slo_slow_ratio_rate6h{slo="serving-latency"} > (1 * (1 - 0.995)))',
    );
    expect([page?.severity, page?.for, ticket?.severity, ticket?.for]).toEqual([
      "critical",
      "2m",
      "warning",
      "15m",
    ]);
    expect(leMatcher(0.25)).toBe('le="0.25"');
  });

  it("GPU idle, Kueue, Karpenter, feature store, MLflow, drift: exact expressions", () => {
    expect(gpuIdleRules().alertingRules[0]?.expr).toBe(
      'avg_over_time(DCGM_FI_PROF_GR_ENGINE_ACTIVE{pod!=""}[30m]) < 0.1',
    );
    expect(
      gpuIdleRules({
        metric: "DCGM_FI_DEV_GPU_UTIL",
        percent: true,
        podLabel: "exported_pod",
        namespaceLabel: "exported_namespace",
        threshold: 0.05,
        window: "1h",
        for: "0s",
        matchers: 'exported_namespace!="jupyter"',
      }).alertingRules[0],
    ).toMatchObject({
      expr: 'avg_over_time(DCGM_FI_DEV_GPU_UTIL{exported_pod!="",exported_namespace!="jupyter"}[1h]) < 5',
      for: "0s",
      summary:
        "GPU {{ $labels.gpu }} of pod {{ $labels.exported_namespace }}/{{ $labels.exported_pod }} is allocated but idle",
    });
    expect(
      kueueRules({ maxPending: 5, matchers: 'cluster_queue=~"team-.*"' }).alertingRules.map((a) => a.expr),
    ).toEqual([
      'sum by (cluster_queue) (kueue_pending_workloads{status="active",replica_role!="follower",cluster_queue=~"team-.*"}) > 5',
      'sum by (cluster_queue) (kueue_pending_workloads{status="inadmissible",replica_role!="follower",cluster_queue=~"team-.*"}) > 0',
    ]);
    expect(karpenterRules({ window: "30m", maxLaunchFailures: 0 }).alertingRules[0]?.expr).toBe(
      "sum by (zone, capacity_type) (increase(karpenter_cloudprovider_instance_launch_failures_total[30m])) > 0",
    );
    const fs = featureStoreRules({ maxStaleness: "2h", feastFreshness: false });
    expect(fs.alertingRules.map((a) => a.alert)).toEqual([
      "FeatureMaterializationFailed",
      "FeatureMaterializationStale",
    ]);
    expect(fs.alertingRules[1]?.expr).toBe(
      "time() - mlops_feature_materialization_last_success_timestamp_seconds > 7200",
    );
    expect(
      mlflowRules({ upMatchers: 'job="mlflow",namespace="registry"' }).alertingRules.map((a) => a.expr),
    ).toEqual([
      'up{job="mlflow",namespace="registry"} == 0',
      'absent(up{job="mlflow",namespace="registry"})',
    ]);
    expect(driftRules({ for: "1h", matchers: 'model="fraud"' }).alertingRules[0]).toMatchObject({
      expr: 'mlops_model_drift_detected{model="fraud"} == 1',
      for: "1h",
      severity: "warning",
    });
  });

  it("rejects bad parameters with every problem listed", () => {
    const problems = (f: () => unknown): string[] => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(RuleParameterError);
        return (e as RuleParameterError).problems;
      }
      throw new Error("no error thrown");
    };
    expect(
      problems(() =>
        errorSloRules({
          target: 99.5,
          by: ["model-name"],
          pageWindows: [{ long: "5m", short: "1h", burnRate: 0 }],
          errorCounter: "model infer",
          matchers: "namespace=serving",
        }),
      ),
    ).toEqual([
      "target: 99.5 must be strictly between 0 and 1",
      'by[0]: "model-name" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)',
      'matchers: "namespace=serving" is not a list of label matchers like namespace="serving"',
      "pageWindows[0].burnRate: 0 must be greater than 0",
      "pageWindows[0]: the short window 1h must be shorter than the long window 5m",
      'errorCounter: "model infer" is not a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)',
    ]);
    expect(
      problems(() =>
        errorSloRules({ target: 0.9, pageWindows: [{ long: "1h", short: "5m", burnRate: 14.4 }] }),
      ),
    ).toEqual(["pageWindows[0].burnRate: 14.4 × (1 − 0.9) ≥ 1, an error ratio can never exceed it"]);
    expect(
      problems(() => latencySloRules({ histogram: "request_predict_seconds_bucket", thresholdSeconds: -1 })),
    ).toEqual([
      'histogram: "request_predict_seconds_bucket" must be the base name, without _bucket/_count/_sum',
      "thresholdSeconds: -1 must be greater than 0 (a bucket boundary)",
    ]);
    expect(problems(() => gpuIdleRules({ threshold: 10, window: "30 minutes" }))).toEqual([
      "threshold: 10 must be strictly between 0 and 1",
      'window: "30 minutes" is not a Prometheus duration like 5m, 6h or 3d',
    ]);
    expect(problems(() => kueueRules({ maxPending: -1, pendingFor: "1" }))).toEqual([
      "maxPending: -1 must be a whole number, 0 or more",
      'pendingFor: "1" is not a Prometheus duration like 5m, 6h or 3d',
    ]);
    expect(problems(() => karpenterRules({ window: "0m" }))).toEqual(["window: must be longer than 0"]);
    expect(problems(() => mlflowRules({ upMatchers: "" }))).toEqual([
      "upMatchers: must select MLflow's target (empty selects every target)",
    ]);
    expect(problems(() => driftRules({ for: "1", matchers: "model" }))).toEqual([
      'for: "1" is not a Prometheus duration like 5m, 6h or 3d',
      'matchers: "model" is not a list of label matchers like namespace="serving"',
    ]);
    expect(pushgatewayRules({ upMatchers: 'job="pgw"' }).alertingRules[0]?.expr).toBe('up{job="pgw"} == 0');
    expect(problems(() => pushgatewayRules({ upMatchers: "job=pgw", for: "10" }))).toEqual([
      'upMatchers: "job=pgw" is not a list of label matchers like namespace="serving"',
      'for: "10" is not a Prometheus duration like 5m, 6h or 3d',
    ]);
    expect(() => featureStoreRules({ maxStaleness: "1.5h" })).toThrow(
      /maxStaleness: "1.5h" is not a Prometheus duration/,
    );
    expect(() => renderGroups([driftRules(), driftRules()])).toThrow(
      /duplicate rule group name "mlops-model-drift"/,
    );
    expect(durationSeconds("3d")).toBe(259200);
    expect(catalogueProblems()).toEqual([]);
    expect(catalogueProblems({ gpuIdle: { threshold: 2 }, drift: { for: "soon" } })).toEqual([
      "gpuIdle.threshold: 2 must be strictly between 0 and 1",
      'drift.for: "soon" is not a Prometheus duration like 5m, 6h or 3d',
    ]);
  });
});

describe("CatalogueParams and its zod schema", () => {
  it("describe the same shape", () => {
    expectTypeOf<z.input<typeof catalogueParamsSchema>>().toEqualTypeOf<CatalogueParams>();
    expectTypeOf<CatalogueParams>().toEqualTypeOf<z.input<typeof catalogueParamsSchema>>();
  });

  it("rejects unknown fields and reports the builders' problems at their paths", () => {
    expect(catalogueParamsSchema.safeParse({}).success).toBe(true);
    const issuesOf = (value: unknown) =>
      catalogueParamsSchema.safeParse(value).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ??
      [];
    expect(issuesOf({ kueue: { maxPending: 1.5 }, drift: { for: "-1m" } })).toEqual([
      "kueue.maxPending: 1.5 must be a whole number, 0 or more",
      'drift.for: "-1m" is not a Prometheus duration like 5m, 6h or 3d',
    ]);
    // The drift decision is the drift job's (mlops_model_drift_detected): no threshold here.
    expect(issuesOf({ drift: { threshold: 0.2 } })).toHaveLength(1);
    const issues = issuesOf({ gpuIdle: { treshold: 0.1 }, errorSlo: { by: "namespace" } });
    expect(issues).toHaveLength(2);
    expect(issues.some((i) => i.startsWith("gpuIdle") && /treshold/.test(i))).toBe(true);
    expect(issues.some((i) => i.startsWith("errorSlo.by"))).toBe(true);
  });
});

describe("renderings", () => {
  it("the rule file is the groups: document promtool reads, alerts carry severity and three annotations", () => {
    const doc = parse(renderRuleFile(GROUPS)) as {
      groups: { name: string; rules: Record<string, unknown>[] }[];
    };
    expect(Object.keys(doc)).toEqual(["groups"]);
    expect(doc.groups.map((g) => g.name)).toEqual(GROUPS.map((g) => g.name));
    for (const rule of doc.groups.flatMap((g) => g.rules).filter((r) => r.alert)) {
      expect(Object.keys(rule.annotations as object).sort()).toEqual(["description", "runbook", "summary"]);
      expect(Object.values(Severity)).toContain((rule.labels as Record<string, string>).severity);
    }
  });

  it("the PrometheusRule validates against the CRD subset schema; a misspelt field fails", () => {
    const schema = JSON.parse(
      readFileSync(join(__dirname, "..", "schemas", "monitoring", "prometheusrule.json"), "utf8"),
    ) as JsonSchema;
    const m = prometheusRuleManifest(
      "mlops-alerts",
      "monitoring",
      { "app.kubernetes.io/part-of": "pulumi-mlops" },
      GROUPS,
    );
    expect(m.apiVersion).toBe("monitoring.coreos.com/v1");
    expect(m.kind).toBe("PrometheusRule");
    expect(m.spec).toEqual({ groups: renderGroups(GROUPS) });
    expect(validateJsonSchema(schema, m)).toEqual([]);
    const bad = JSON.parse(JSON.stringify(m)) as { spec: { groups: { rules: Record<string, unknown>[] }[] } };
    at(at(bad.spec.groups, 0).rules, 0).labelz = {};
    at(at(bad.spec.groups, 1).rules, 6).for = "2 minutes";
    expect(validateJsonSchema(schema, bad)).toEqual([
      "/spec/groups/0/rules/0/labelz: unknown field",
      expect.stringMatching(/^\/spec\/groups\/1\/rules\/6\/for: must match/),
    ]);
  });

  it("ALERT_CATALOGUE lists every alert once with severity, for and summary; Markdown table", () => {
    const names = ALERT_CATALOGUE.map((e) => e.alert);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(GROUPS.flatMap((g) => g.alertingRules.map((a) => a.alert)));
    expect(ALERT_CATALOGUE.find((e) => e.alert === "GpuAllocatedButIdle")).toEqual({
      alert: "GpuAllocatedButIdle",
      group: "mlops-gpu",
      severity: "warning",
      for: "30m",
      summary: "GPU {{ $labels.gpu }} of pod {{ $labels.namespace }}/{{ $labels.pod }} is allocated but idle",
    });
    const md = alertCatalogueMarkdown();
    expect(md.split("\n")).toHaveLength(ALERT_CATALOGUE.length + 2);
    expect(md).toContain(
      "| `GpuAllocatedButIdle` | warning | 30m | GPU {gpu} of pod {namespace}/{pod} is allocated but idle |",
    );
  });
});
