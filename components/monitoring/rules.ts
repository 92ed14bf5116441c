/**
 * The alert-rule catalogue of the Monitoring component (issue 9), as pure data and pure functions:
 * a typed rule model, one builder per rule family with documented, defaulted parameters, the plain
 * Prometheus rule file (`groups:`) that `promtool check rules` / `promtool test rules` read, and
 * the `monitoring.coreos.com/v1` PrometheusRule object a component creates.
 *
 * Only PromQL and rule-file features that both promtool 2.42 (Debian bookworm, used by the tests)
 * and Prometheus v3.x (the cluster) accept are used: no UTF-8 quoted names, no `keep_firing_for`,
 * no `$value` formatting in annotations (so the tests can assert every annotation exactly).
 *
 * Sources for thresholds and metric names are cited next to each default.
 */
import { stringify } from "yaml";
import { z } from "zod";

/** Alert severity, the `severity` label Alertmanager routes on. */
export const Severity = {
  /** Someone must act now (pages). */
  Critical: "critical",
  /** Someone must act within a working day (ticket). */
  Warning: "warning",
  /** For dashboards and inhibition only. */
  Info: "info",
} as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

/** A recording rule: `record` is the new series name, `expr` the PromQL that computes it. */
export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

/** An alerting rule with the annotations every alert of the toolkit carries. */
export interface AlertingRule {
  alert: string;
  expr: string;
  /** How long `expr` must hold before the alert fires (a Prometheus duration, "0s" for at once). */
  for: string;
  severity: Severity;
  /** One line; may use `{{ $labels.<name> }}`. */
  summary: string;
  /** What happened and why it matters; may use `{{ $labels.<name> }}`. */
  description: string;
  /** Plain-text steps for the person on call (annotation `runbook`). */
  runbook: string;
  /** Extra labels (besides `severity`). */
  labels?: Record<string, string>;
}

/** A rule group: Prometheus evaluates the recording rules first, then the alerts, in order. */
export interface RuleGroup {
  name: string;
  /** Evaluation interval; the Prometheus global one when omitted. */
  interval?: string;
  recordingRules: RecordingRule[];
  alertingRules: AlertingRule[];
}

// ---------------------------------------------------------------------------------------------
// Validation helpers (bad parameters are rejected with every problem listed)
// ---------------------------------------------------------------------------------------------

/** Thrown by the builders on invalid parameters; `problems` has one line per problem. */
export class RuleParameterError extends Error {
  constructor(
    readonly family: string,
    readonly problems: string[],
  ) {
    super(`invalid ${family} rule parameters:\n  ${problems.join("\n  ")}`);
    this.name = "RuleParameterError";
  }
}

const DURATION_UNITS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 } as const;
/** A Prometheus duration with one unit, e.g. `5m`, `6h`, `3d` (the form this toolkit writes). */
const DURATION = /^([0-9]+)(ms|s|m|h|d|w|y)$/;
/** Prometheus metric names (https://prometheus.io/docs/concepts/data_model/, legacy charset). */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** A comma-separated list of label matchers without braces, e.g. `namespace="serving",job=~"a.*"`. */
const MATCHERS =
  /^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*(,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*)*$/;

/** Seconds in a one-unit Prometheus duration; throws on anything else. */
export function durationSeconds(duration: string): number {
  const m = DURATION.exec(duration);
  if (!m) throw new Error(`"${duration}" is not a Prometheus duration like 5m, 6h or 3d`);
  return Number(m[1]) * DURATION_UNITS[m[2] as keyof typeof DURATION_UNITS];
}

class Checker {
  readonly problems: string[] = [];
  duration(key: string, value: string, positive = true): void {
    const m = DURATION.exec(value);
    if (!m) this.problems.push(`${key}: "${value}" is not a Prometheus duration like 5m, 6h or 3d`);
    else if (positive && Number(m[1]) === 0) this.problems.push(`${key}: must be longer than 0`);
  }
  metric(key: string, value: string): void {
    if (!METRIC_NAME.test(value))
      this.problems.push(`${key}: "${value}" is not a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)`);
  }
  label(key: string, value: string): void {
    if (!LABEL_NAME.test(value))
      this.problems.push(`${key}: "${value}" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)`);
  }
  matchers(key: string, value: string): void {
    if (value !== "" && !MATCHERS.test(value))
      this.problems.push(`${key}: "${value}" is not a list of label matchers like namespace="serving"`);
  }
  number(key: string, value: number, min: number, max: number, inclusive = true): void {
    const ok =
      Number.isFinite(value) && (inclusive ? value >= min && value <= max : value > min && value < max);
    if (!ok)
      this.problems.push(
        `${key}: ${value} must be ${inclusive ? "between" : "strictly between"} ${min} and ${max}`,
      );
  }
  done(family: string): void {
    if (this.problems.length > 0) throw new RuleParameterError(family, this.problems);
  }
}

/** `metric{matchers}` (or `metric` when there are none). */
function selector(metric: string, ...matchers: string[]): string {
  const m = matchers.filter((x) => x.trim() !== "").join(",");
  return m === "" ? metric : `${metric}{${m}}`;
}

function byClause(labels: readonly string[]): string {
  return labels.length === 0 ? "" : ` by (${labels.join(", ")})`;
}

// ---------------------------------------------------------------------------------------------
// 1. Serving SLOs: multi-window, multi-burn-rate alerts
// ---------------------------------------------------------------------------------------------

/** One long/short window pair of a multi-window burn-rate alert. */
export interface BurnRateWindow {
  long: string;
  short: string;
  /** How many times faster than "exactly exhausted at the end of the SLO period" the budget burns. */
  burnRate: number;
}

/**
 * Google SRE Workbook, ch. 5 "Alerting on SLOs" (https://sre.google/workbook/alerting-on-slos/),
 * table 5-8, the recommended starting point for a 30-day SLO: page on 1h/5m at 14.4× (2% of the
 * budget in 1h) and 6h/30m at 6× (5% in 6h); ticket on 3d/6h at 1× (10% in 3d). The short window
 * is 1/12 of the long one ("a good guideline"), so the alert resets soon after the burn stops.
 */
export const WORKBOOK_PAGE_WINDOWS: readonly BurnRateWindow[] = [
  { long: "1h", short: "5m", burnRate: 14.4 },
  { long: "6h", short: "30m", burnRate: 6 },
];
/** See {@link WORKBOOK_PAGE_WINDOWS}. */
export const WORKBOOK_TICKET_WINDOWS: readonly BurnRateWindow[] = [{ long: "3d", short: "6h", burnRate: 1 }];

/** Parameters shared by the error-ratio and latency SLO families. */
interface SloCommon {
  /** SLO name, the `slo` label of every recorded series and alert; lowercase, e.g. `kserve-latency`. @default "serving-errors" (errors) / "serving-latency" (latency) */
  name?: string;
  /** Target over the 30-day SLO period, e.g. 0.995 = 99.5% good requests. Default 0.995. @default 0.995 */
  target?: number;
  /** Labels the SLI is computed per (one alert per combination). Default `namespace`, `model_name`. @default ["namespace", "model_name"] */
  by?: string[];
  /** Extra label matchers on every input series, e.g. `namespace="serving"`. Default none. @default "" */
  matchers?: string;
  /** Page pairs. Default {@link WORKBOOK_PAGE_WINDOWS}. @default WORKBOOK_PAGE_WINDOWS */
  pageWindows?: BurnRateWindow[];
  /** Ticket pairs. Default {@link WORKBOOK_TICKET_WINDOWS}. @default WORKBOOK_TICKET_WINDOWS */
  ticketWindows?: BurnRateWindow[];
  /**
   * Windows recorded besides those of the pairs (for dashboards: the error budget over a day).
   * Default `1d`, so with the workbook pairs the recorded windows are 5m, 30m, 1h, 6h, 1d, 3d.
   * @default ["1d"]
   */
  extraWindows?: string[];
  /**
   * `for` of the page alert. Default 2m: one or two evaluations more than the short window needs,
   * to ride out a single scrape failure; the short window already makes the alert reset quickly.
   * @default "2m"
   */
  pageFor?: string;
  /** `for` of the ticket alert. Default 15m (a ticket is not urgent; avoids flapping tickets). @default "15m" */
  ticketFor?: string;
}

/** Error-ratio SLO parameters. */
export interface ErrorSloParams extends SloCommon {
  /**
   * Counter of failed requests. Default `model_infer_request_failure_total`, MLServer's model
   * metric `model_infer_request_failure` (SeldonIO/MLServer docs/user-guide/metrics.md; prometheus
   * client counters are exposed with `_total`), labelled `model_name`, `model_version`.
   * @default "model_infer_request_failure_total"
   */
  errorCounter?: string;
  /** Extra matchers on the error counter only, e.g. `code=~"5.."` for a generic HTTP counter. @default "" */
  errorMatchers?: string;
  /** Counter of successful requests. Default `model_infer_request_success_total` (MLServer, as above). @default "model_infer_request_success_total" */
  successCounter?: string;
  /** Extra matchers on the success counter only, e.g. `code!~"5.."`. @default "" */
  successMatchers?: string;
}

/** Latency SLO parameters: a request is good when it is faster than `thresholdSeconds`. */
export interface LatencySloParams extends SloCommon {
  /**
   * Histogram base name (without `_bucket`/`_count`). Default `request_predict_seconds`, KServe's
   * Python model server predict latency (kserve/kserve python/kserve/kserve/metrics.py), label
   * `model_name`.
   * @default "request_predict_seconds"
   */
  histogram?: string;
  /**
   * Latency threshold; must be a bucket boundary of the histogram. Default 1 (second): KServe's
   * histograms use prometheus_client's default buckets (.005 … 1, 2.5, 5, 7.5, 10).
   * @default 1
   */
  thresholdSeconds?: number;
}

/** Names of what {@link errorSloRules} / {@link latencySloRules} record and alert. */
export const SLO_RECORDS = {
  errorRatio: "mlops:slo_error_ratio",
  latencyRatio: "mlops:slo_slow_ratio",
} as const;

interface ResolvedSlo {
  name: string;
  target: number;
  by: string[];
  matchers: string;
  pageWindows: BurnRateWindow[];
  ticketWindows: BurnRateWindow[];
  windows: string[];
  pageFor: string;
  ticketFor: string;
}

function resolveSlo(c: Checker, p: SloCommon, defaultName: string): ResolvedSlo {
  const r = {
    name: p.name ?? defaultName,
    target: p.target ?? 0.995,
    by: p.by ?? ["namespace", "model_name"],
    matchers: p.matchers ?? "",
    pageWindows: p.pageWindows ?? [...WORKBOOK_PAGE_WINDOWS],
    ticketWindows: p.ticketWindows ?? [...WORKBOOK_TICKET_WINDOWS],
    pageFor: p.pageFor ?? "2m",
    ticketFor: p.ticketFor ?? "15m",
  };
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(r.name))
    c.problems.push(`name: "${r.name}" must be lowercase letters, digits and dashes`);
  c.number("target", r.target, 0, 1, false);
  r.by.forEach((l, i) => c.label(`by[${i}]`, l));
  c.matchers("matchers", r.matchers);
  if (r.pageWindows.length === 0 && r.ticketWindows.length === 0)
    c.problems.push("pageWindows, ticketWindows: at least one burn-rate window pair is needed");
  for (const [key, list] of [
    ["pageWindows", r.pageWindows],
    ["ticketWindows", r.ticketWindows],
  ] as const) {
    list.forEach((w, i) => {
      c.duration(`${key}[${i}].long`, w.long);
      c.duration(`${key}[${i}].short`, w.short);
      if (!(Number.isFinite(w.burnRate) && w.burnRate > 0))
        c.problems.push(`${key}[${i}].burnRate: ${w.burnRate} must be greater than 0`);
      if (
        DURATION.test(w.long) &&
        DURATION.test(w.short) &&
        durationSeconds(w.short) >= durationSeconds(w.long)
      )
        c.problems.push(
          `${key}[${i}]: the short window ${w.short} must be shorter than the long window ${w.long}`,
        );
      if (Number.isFinite(w.burnRate) && w.burnRate * (1 - r.target) >= 1)
        c.problems.push(
          `${key}[${i}].burnRate: ${w.burnRate} × (1 − ${r.target}) ≥ 1, an error ratio can never exceed it`,
        );
    });
  }
  const extra = p.extraWindows ?? ["1d"];
  extra.forEach((w, i) => c.duration(`extraWindows[${i}]`, w));
  c.duration("pageFor", r.pageFor, false);
  c.duration("ticketFor", r.ticketFor, false);
  const all = [...r.pageWindows, ...r.ticketWindows].flatMap((w) => [w.long, w.short]).concat(extra);
  const windows = [...new Set(all)].filter((w) => DURATION.test(w));
  windows.sort((a, b) => durationSeconds(a) - durationSeconds(b));
  return { ...r, windows };
}

/** The alert expression: each pair ANDs its long and short window, the pairs are ORed. */
function burnExpr(record: string, slo: ResolvedSlo, pairs: BurnRateWindow[]): string {
  const sel = (w: string) => `${record}_rate${w}{slo="${slo.name}"}`;
  return pairs
    .map((p) => {
      const t = `(${p.burnRate} * (1 - ${slo.target}))`;
      return `(${sel(p.long)} > ${t} and ${sel(p.short)} > ${t})`;
    })
    .join("\nor\n");
}

function sloGroup(
  kind: "error" | "latency",
  slo: ResolvedSlo,
  ratio: (window: string) => string,
  what: { record: string; alert: string; noun: string; runbookCause: string },
): RuleGroup {
  const recordingRules: RecordingRule[] = slo.windows.map((w) => ({
    record: `${what.record}_rate${w}`,
    expr: ratio(w),
    labels: { slo: slo.name },
  }));
  const who = slo.by.map((l) => `{{ $labels.${l} }}`).join("/") || "the service";
  const pct = +(slo.target * 100).toPrecision(10);
  const budget = `${+((1 - slo.target) * 100).toPrecision(10)}%`;
  const windowsText = (pairs: BurnRateWindow[]) =>
    pairs.map((p) => `${p.long}/${p.short} at ${p.burnRate}×`).join(", ");
  const runbook = [
    `1. Open the serving dashboard for ${who} and find when the ${what.noun} started.`,
    `2. ${what.runbookCause}`,
    "3. If a new model version or config was rolled out just before, roll it back (previous InferenceService revision / canary traffic 0).",
    `4. Query the recorded ratios ${slo.windows.map((w) => `${what.record}_rate${w}`).join(", ")} (label slo="${slo.name}") to see whether the burn is ongoing.`,
  ].join("\n");
  const alertingRules: AlertingRule[] = [];
  if (slo.pageWindows.length > 0)
    alertingRules.push({
      alert: what.alert,
      expr: burnExpr(what.record, slo, slo.pageWindows),
      for: slo.pageFor,
      severity: Severity.Critical,
      summary: `${who} burns its ${kind} budget fast (SLO ${slo.name}, ${pct}%)`,
      description: `The ${what.noun} of ${who} is high enough to spend the 30-day error budget (${budget}) within days (windows ${windowsText(slo.pageWindows)}; SRE Workbook ch. 5).`,
      runbook,
      labels: {},
    });
  if (slo.ticketWindows.length > 0)
    alertingRules.push({
      alert: `${what.alert}Slow`,
      expr: burnExpr(what.record, slo, slo.ticketWindows),
      for: slo.ticketFor,
      severity: Severity.Warning,
      summary: `${who} burns its ${kind} budget steadily (SLO ${slo.name}, ${pct}%)`,
      description: `The ${what.noun} of ${who} will exhaust the 30-day error budget (${budget}) if it continues (windows ${windowsText(slo.ticketWindows)}; SRE Workbook ch. 5).`,
      runbook,
      labels: {},
    });
  return { name: `mlops-slo-${slo.name}`, recordingRules, alertingRules };
}

/**
 * Error-ratio SLO: ratio = errors / (errors + successes) per `by` labels, recorded for every window,
 * with a page alert (`ServingErrorBudgetBurn`, critical) and a ticket alert
 * (`ServingErrorBudgetBurnSlow`, warning) on the multi-window burn rates.
 */
export function errorSloRules(params: ErrorSloParams = {}): RuleGroup {
  const c = new Checker();
  const slo = resolveSlo(c, params, "serving-errors");
  const errorCounter = params.errorCounter ?? "model_infer_request_failure_total";
  const successCounter = params.successCounter ?? "model_infer_request_success_total";
  const errorMatchers = params.errorMatchers ?? "";
  const successMatchers = params.successMatchers ?? "";
  c.metric("errorCounter", errorCounter);
  c.metric("successCounter", successCounter);
  c.matchers("errorMatchers", errorMatchers);
  c.matchers("successMatchers", successMatchers);
  c.done("error SLO");
  const by = byClause(slo.by);
  return sloGroup(
    "error",
    slo,
    (w) => {
      const bad = `sum${by} (rate(${selector(errorCounter, slo.matchers, errorMatchers)}[${w}]))`;
      const good = `sum${by} (rate(${selector(successCounter, slo.matchers, successMatchers)}[${w}]))`;
      return `${bad}\n/\n(${bad} + ${good})`;
    },
    {
      record: SLO_RECORDS.errorRatio,
      alert: "ServingErrorBudgetBurn",
      noun: "error ratio",
      runbookCause:
        "Read the model server logs (kubectl logs -n <namespace> -l serving.kserve.io/inferenceservice=<model>) for exceptions, OOM kills and failing dependencies (feature server, object store).",
    },
  );
}

/**
 * `le` matcher for a bucket boundary. Python's prometheus_client writes whole numbers as `1.0`;
 * Prometheus 3 normalises classic-histogram `le` values to the float form `1` at ingestion
 * (Prometheus 3.0 migration guide, https://prometheus.io/docs/prometheus/latest/migration/), while
 * 2.x keeps the text as scraped. The regex matches both, so the rule works on either version.
 */
export function leMatcher(thresholdSeconds: number): string {
  const s = String(thresholdSeconds);
  return Number.isInteger(thresholdSeconds) ? `le=~"${s}|${s}[.]0"` : `le="${s}"`;
}

/**
 * Latency SLO: ratio = 1 − (requests faster than the threshold / all requests), from the
 * histogram's `_bucket{le=threshold}` and `_count`, recorded for every window, with a page alert
 * (`ServingLatencyBudgetBurn`, critical) and a ticket alert (`…Slow`, warning).
 */
export function latencySloRules(params: LatencySloParams = {}): RuleGroup {
  const c = new Checker();
  const slo = resolveSlo(c, params, "serving-latency");
  const histogram = params.histogram ?? "request_predict_seconds";
  const threshold = params.thresholdSeconds ?? 1;
  c.metric("histogram", histogram);
  if (/_(bucket|count|sum)$/.test(histogram))
    c.problems.push(`histogram: "${histogram}" must be the base name, without _bucket/_count/_sum`);
  if (!(Number.isFinite(threshold) && threshold > 0))
    c.problems.push(`thresholdSeconds: ${threshold} must be greater than 0 (a bucket boundary)`);
  c.done("latency SLO");
  const by = byClause(slo.by);
  return sloGroup(
    "latency",
    slo,
    (w) => {
      const all = `sum${by} (rate(${selector(`${histogram}_count`, slo.matchers)}[${w}]))`;
      const fast = `sum${by} (rate(${selector(`${histogram}_bucket`, slo.matchers, leMatcher(threshold))}[${w}]))`;
      return `(${all} - ${fast})\n/\n${all}`;
    },
    {
      record: SLO_RECORDS.latencyRatio,
      alert: "ServingLatencyBudgetBurn",
      noun: `share of requests slower than ${threshold}s`,
      runbookCause:
        "Check replicas and queueing (is the autoscaler at its maximum? are pods Pending for GPUs?), CPU/GPU saturation of the predictor pods, and the latency of dependencies (feature server).",
    },
  );
}

// ---------------------------------------------------------------------------------------------
// 2. GPUs allocated but idle (cost)
// ---------------------------------------------------------------------------------------------

export interface GpuIdleParams {
  /**
   * DCGM gauge of GPU activity as a 0–1 ratio. Default `DCGM_FI_PROF_GR_ENGINE_ACTIVE`, "Ratio of
   * time the graphics engine is active" (NVIDIA/dcgm-exporter 4.5.3-4.8.2 etc/default-counters.csv).
   * On GPUs without profiling (DCP) support use `DCGM_FI_DEV_GPU_UTIL` with `percent: true`.
   * @default "DCGM_FI_PROF_GR_ENGINE_ACTIVE"
   */
  metric?: string;
  /** The metric is in percent (0–100, `DCGM_FI_DEV_GPU_UTIL`), so the threshold is scaled by 100. @default false */
  percent?: boolean;
  /**
   * Pod label of the exporter's Kubernetes mapping (internal/pkg/transformation/const.go). Default
   * `pod`, which needs `honorLabels: true` on the DCGM ServiceMonitor; with the chart's default
   * `honorLabels: false` Prometheus renames it `exported_pod`
   * (https://prometheus.io/docs/prometheus/latest/configuration/configuration/#scrape_config,
   * `honor_labels`). Unassigned GPUs have `pod=""` (dcgm-exporter README), so they never fire.
   * @default "pod"
   */
  podLabel?: string;
  /** Namespace label of the mapping (`namespace`, or `exported_namespace` without honorLabels). @default "namespace" */
  namespaceLabel?: string;
  /**
   * Average activity below which the GPU counts as idle. Default 0.1 (10% of the time busy): a
   * training or serving job that feeds its GPU is far above that, while an idle notebook, a job
   * stuck on I/O or a hung NCCL collective is near 0; 10% leaves room for a busy-then-idle
   * workload to still count as idle when it is idle most of the time.
   * @default 0.1
   */
  threshold?: number;
  /**
   * Averaging window. Default 30m, so short pauses (data loading, checkpoints, evaluation on CPU)
   * do not count as idle.
   * @default "30m"
   */
  window?: string;
  /**
   * `for`. Default 30m: with the 30m average, a GPU must be mostly idle for about an hour before
   * the alert fires, long enough that a user who steps away briefly is not nagged.
   * @default "30m"
   */
  for?: string;
  /** Extra matchers, e.g. `namespace!="gpu-operator"`. Default none. @default "" */
  matchers?: string;
}

/** `GpuAllocatedButIdle` (warning): a GPU that a pod holds has been (almost) idle for a long time. */
export function gpuIdleRules(params: GpuIdleParams = {}): RuleGroup {
  const c = new Checker();
  const metric = params.metric ?? "DCGM_FI_PROF_GR_ENGINE_ACTIVE";
  const percent = params.percent ?? false;
  const podLabel = params.podLabel ?? "pod";
  const nsLabel = params.namespaceLabel ?? "namespace";
  const threshold = params.threshold ?? 0.1;
  const window = params.window ?? "30m";
  const forDuration = params.for ?? "30m";
  const matchers = params.matchers ?? "";
  c.metric("metric", metric);
  c.label("podLabel", podLabel);
  c.label("namespaceLabel", nsLabel);
  c.number("threshold", threshold, 0, 1, false);
  c.duration("window", window);
  c.duration("for", forDuration, false);
  c.matchers("matchers", matchers);
  c.done("GPU idle");
  const limit = percent ? +(threshold * 100).toPrecision(10) : threshold;
  const who = `{{ $labels.${nsLabel} }}/{{ $labels.${podLabel} }}`;
  return {
    name: "mlops-gpu",
    recordingRules: [],
    alertingRules: [
      {
        alert: "GpuAllocatedButIdle",
        expr: `avg_over_time(${selector(metric, `${podLabel}!=""`, matchers)}[${window}]) < ${limit}`,
        for: forDuration,
        severity: Severity.Warning,
        summary: `GPU {{ $labels.gpu }} of pod ${who} is allocated but idle`,
        description: `Pod ${who} holds GPU {{ $labels.gpu }} on {{ $labels.instance }}, but ${metric} averaged below ${limit} over ${window} for ${forDuration}. The GPU costs money and blocks other workloads' quota.`,
        runbook: [
          `1. kubectl -n {{ $labels.${nsLabel} }} describe pod {{ $labels.${podLabel} }}: what runs there and since when.`,
          "2. If it is a notebook or a finished/hung job, ask the owner to stop it or delete the pod (Kueue will admit queued work).",
          "3. If it is stuck on input (data loading, network), check its logs and the storage/network throughput.",
          "4. If idling is expected (e.g. a warm serving replica), exclude it with the matchers parameter of this rule.",
        ].join("\n"),
        labels: {},
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// 3. Kueue: workloads pending too long
// ---------------------------------------------------------------------------------------------

export interface KueuePendingParams {
  /**
   * Pending workloads per ClusterQueue above which the queue counts as backed up. Default 0: any
   * pending workload, so with `for` this says "the queue has not drained for `for`".
   * @default 0
   */
  maxPending?: number;
  /** `for` of `KueueWorkloadsPending`. Default 1h (a training queue may legitimately wait minutes for nodes). @default "1h" */
  pendingFor?: string;
  /**
   * `for` of `KueueWorkloadsInadmissible`. Default 15m: an inadmissible workload (no flavor fits,
   * quota too small, missing LocalQueue) will not be admitted without a change.
   * @default "15m"
   */
  inadmissibleFor?: string;
  /** Extra matchers, e.g. `cluster_queue=~"team-.*"`. Default none. @default "" */
  matchers?: string;
}

/**
 * Kueue v0.19.2 metrics (kubernetes-sigs/kueue site/content/en/docs/reference/metrics.md at tag
 * v0.19.2): `kueue_pending_workloads{cluster_queue, status="active"|"inadmissible"}` (gauge), every
 * metric labelled `replica_role`; `replica_role!="follower"` keeps only the leader (or a standalone
 * replica) of an HA deployment, and matches series without that label too.
 */
export function kueueRules(params: KueuePendingParams = {}): RuleGroup {
  const c = new Checker();
  const maxPending = params.maxPending ?? 0;
  const pendingFor = params.pendingFor ?? "1h";
  const inadmissibleFor = params.inadmissibleFor ?? "15m";
  const matchers = params.matchers ?? "";
  if (!(Number.isInteger(maxPending) && maxPending >= 0))
    c.problems.push(`maxPending: ${maxPending} must be a whole number, 0 or more`);
  c.duration("pendingFor", pendingFor, false);
  c.duration("inadmissibleFor", inadmissibleFor, false);
  c.matchers("matchers", matchers);
  c.done("Kueue");
  const sel = (status: string) =>
    selector("kueue_pending_workloads", `status="${status}"`, `replica_role!="follower"`, matchers);
  const runbook = [
    "1. kubectl get clusterqueue {{ $labels.cluster_queue }} -o yaml: look at status.pendingWorkloads, flavorsUsage and the conditions.",
    "2. kubectl get workloads -A --field-selector status.admitted=false (or kueuectl list workloads): read the Admitted/QuotaReserved condition message of the oldest.",
    "3. Quota exhausted: wait, preempt lower-priority work, or raise the team's GPU quota. No nodes: check Karpenter (KarpenterInstanceLaunchFailures) and the NodePool limits.",
  ].join("\n");
  return {
    name: "mlops-kueue",
    recordingRules: [],
    alertingRules: [
      {
        alert: "KueueWorkloadsPending",
        expr: `sum by (cluster_queue) (${sel("active")}) > ${maxPending}`,
        for: pendingFor,
        severity: Severity.Warning,
        summary: "ClusterQueue {{ $labels.cluster_queue }} has had pending workloads for " + pendingFor,
        description: `More than ${maxPending} workloads of ClusterQueue {{ $labels.cluster_queue }} have been waiting for admission for ${pendingFor} (kueue_pending_workloads{status="active"}).`,
        runbook,
        labels: {},
      },
      {
        alert: "KueueWorkloadsInadmissible",
        expr: `sum by (cluster_queue) (${sel("inadmissible")}) > 0`,
        for: inadmissibleFor,
        severity: Severity.Warning,
        summary: "ClusterQueue {{ $labels.cluster_queue }} has inadmissible workloads",
        description:
          'Workloads of ClusterQueue {{ $labels.cluster_queue }} cannot be admitted as they are (kueue_pending_workloads{status="inadmissible"}): no flavor fits, the request exceeds the quota, or the queue is stopped.',
        runbook,
        labels: {},
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// 4. Karpenter: node provisioning failures
// ---------------------------------------------------------------------------------------------

export interface KarpenterParams {
  /** Window over which launch failures are counted. Default 15m. @default "15m" */
  window?: string;
  /**
   * Launch failures per window (per zone and capacity type) that fire. Default 3: Karpenter falls
   * back to other instance types after an InsufficientInstanceCapacity error, so one failure is
   * normal; repeated failures mean pods wait for nodes.
   * @default 3
   */
  maxLaunchFailures?: number;
  /** `for` of `KarpenterUnschedulablePods`. Default 15m (provisioning a GPU node takes minutes). @default "15m" */
  unschedulableFor?: string;
}

/**
 * Karpenter v1.14 metrics (aws/karpenter-provider-aws website/content/en/v1.14/reference/metrics.md,
 * commit 692ccdd): `karpenter_cloudprovider_instance_launch_failures_total` (labels `zone`,
 * `capacity_type`, a reason) and `karpenter_scheduler_unschedulable_pods_count` (gauge). The
 * v0.x `karpenter_provisioner_scheduling_*` names no longer exist.
 */
export function karpenterRules(params: KarpenterParams = {}): RuleGroup {
  const c = new Checker();
  const window = params.window ?? "15m";
  const maxLaunchFailures = params.maxLaunchFailures ?? 3;
  const unschedulableFor = params.unschedulableFor ?? "15m";
  c.duration("window", window);
  if (!(Number.isInteger(maxLaunchFailures) && maxLaunchFailures >= 0))
    c.problems.push(`maxLaunchFailures: ${maxLaunchFailures} must be a whole number, 0 or more`);
  c.duration("unschedulableFor", unschedulableFor, false);
  c.done("Karpenter");
  const runbook = [
    "1. kubectl logs -n kube-system -l app.kubernetes.io/name=karpenter | grep -i 'launch': read the cloud provider error (capacity, quota, IAM, subnet IPs).",
    "2. kubectl get nodeclaims: NodeClaims stuck without a node, and their Launched condition message.",
    "3. InsufficientInstanceCapacity: allow more instance types, zones or on-demand in the NodePool. Quota/IAM errors: raise the service quota or fix the node role.",
  ].join("\n");
  return {
    name: "mlops-karpenter",
    recordingRules: [],
    alertingRules: [
      {
        alert: "KarpenterInstanceLaunchFailures",
        expr: `sum by (zone, capacity_type) (increase(karpenter_cloudprovider_instance_launch_failures_total[${window}])) > ${maxLaunchFailures}`,
        for: "0s",
        severity: Severity.Warning,
        summary: "Karpenter fails to launch {{ $labels.capacity_type }} instances in {{ $labels.zone }}",
        description: `More than ${maxLaunchFailures} instance launches failed in ${window} in zone {{ $labels.zone }} ({{ $labels.capacity_type }}); pods waiting for those nodes stay Pending.`,
        runbook,
        labels: {},
      },
      {
        alert: "KarpenterUnschedulablePods",
        expr: "max(karpenter_scheduler_unschedulable_pods_count) > 0",
        for: unschedulableFor,
        severity: Severity.Warning,
        summary: `Karpenter has had pods it cannot schedule for ${unschedulableFor}`,
        description:
          "No NodePool can provide a node for some pending pods (requirements, taints, NodePool limits, or launch failures).",
        runbook,
        labels: {},
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// 5. Batch jobs and the registry: materialisation, MLflow, model drift
// ---------------------------------------------------------------------------------------------

/**
 * Gauges this toolkit's batch jobs push to the Pushgateway (grouping key `job` plus the labels
 * listed), following the Pushgateway's batch-job convention of a last-success timestamp
 * (https://prometheus.io/docs/practices/instrumentation/#batch-jobs,
 * https://github.com/prometheus/pushgateway#use-it). The Pushgateway's ServiceMonitor keeps the
 * pushed `job`/`instance` with `honorLabels: true` (chart prometheus-pushgateway 3.8.0).
 */
export const PUSHED_METRICS = {
  /** Unix time of the last successful materialisation; labels `project`, `feature_view`. */
  materializationLastSuccess: "mlops_feature_materialization_last_success_timestamp_seconds",
  /** Unix time of the last failed materialisation; labels `project`, `feature_view`. */
  materializationLastFailure: "mlops_feature_materialization_last_failure_timestamp_seconds",
  /**
   * Per-feature drift score of a served model version (labels `model`, `version`, `feature`,
   * `method`), pushed by the drift job (jobs/mlops_jobs/drift.py): Evidently's column drift score
   * for the configured method, a p-value for statistical tests (drift when below the threshold) or
   * a distance otherwise (drift when above); `method` names it (Evidently's stattest name).
   */
  modelDriftScore: "mlops_model_drift_score",
  /** Share (0–1) of a model version's features that drift (labels `model`, `version`); drift job. */
  modelDriftShare: "mlops_model_drift_share",
  /**
   * 1 when the drift job found dataset drift for a model version (its drift share reached the
   * configured share), else 0 (labels `model`, `version`). The `ModelDrift` alert reads it.
   */
  modelDriftDetected: "mlops_model_drift_detected",
  /** Unix time of the drift job's last successful run for a model version (`model`, `version`). */
  modelDriftLastSuccess: "mlops_model_drift_last_success_timestamp_seconds",
  /**
   * 1 when the evaluation gate (jobs/mlops_jobs/evaluate.py) passed a candidate model version,
   * 0 when it rejected it (labels `model`, `version`, `metric`).
   */
  modelEvaluationPassed: "mlops_model_evaluation_passed",
  /**
   * The canary decision (jobs/mlops_jobs/promote.py) for a model version as a state set: 1 on the
   * series of the decision taken (`decision` is promote, hold or rollback; labels `model`, `version`).
   */
  modelRolloutDecision: "mlops_model_rollout_decision",
} as const;

export interface FeatureStoreParams {
  /**
   * Age of the last successful materialisation that fires `FeatureMaterializationStale`.
   * Default 26h: a daily materialisation schedule plus two hours of slack.
   * @default "26h"
   */
  maxStaleness?: string;
  /** `for` of the failure and staleness alerts. Default 5m (one missed scrape must not fire). @default "5m" */
  for?: string;
  /**
   * Also alert on `feast_feature_freshness_seconds{project, feature_view}` (Feast feature server
   * with metrics on; feast-dev/feast sdk/python/feast/metrics.py, commit 0b621de5: "now minus the
   * latest materialization end"). Default true.
   * @default true
   */
  feastFreshness?: boolean;
}

/** `FeatureMaterializationFailed`, `FeatureMaterializationStale` and `FeastFeatureViewStale`. */
export function featureStoreRules(params: FeatureStoreParams = {}): RuleGroup {
  const c = new Checker();
  const maxStaleness = params.maxStaleness ?? "26h";
  const forDuration = params.for ?? "5m";
  const feast = params.feastFreshness ?? true;
  c.duration("maxStaleness", maxStaleness);
  c.duration("for", forDuration, false);
  c.done("feature store");
  const seconds = durationSeconds(maxStaleness);
  const fv = "{{ $labels.project }}/{{ $labels.feature_view }}";
  const runbook = [
    "1. Find the last materialisation Job: kubectl get jobs -n <feature-store namespace> --sort-by=.status.startTime, then kubectl logs job/<name>.",
    "2. Typical causes: the offline store is unreachable or its credentials expired, the online store is full, the source table has no new partition.",
    "3. Re-run the materialisation CronJob by hand once fixed (kubectl create job --from=cronjob/<name> <name>-manual) and check that the timestamp moves.",
  ].join("\n");
  const alertingRules: AlertingRule[] = [
    {
      alert: "FeatureMaterializationFailed",
      expr: `${PUSHED_METRICS.materializationLastFailure} > ${PUSHED_METRICS.materializationLastSuccess}\nor\n(${PUSHED_METRICS.materializationLastFailure} unless ${PUSHED_METRICS.materializationLastSuccess})`,
      for: forDuration,
      severity: Severity.Warning,
      summary: `Materialisation of feature view ${fv} failed`,
      description: `The last run of the materialisation job for ${fv} failed (it has not succeeded since), so online features are getting older.`,
      runbook,
      labels: {},
    },
    {
      alert: "FeatureMaterializationStale",
      expr: `time() - ${PUSHED_METRICS.materializationLastSuccess} > ${seconds}`,
      for: forDuration,
      severity: Severity.Warning,
      summary: `Feature view ${fv} was last materialised more than ${maxStaleness} ago`,
      description: `No successful materialisation of ${fv} for more than ${maxStaleness}: the job fails, does not run (CronJob suspended or not scheduled), or cannot push its metrics.`,
      runbook,
      labels: {},
    },
  ];
  if (feast)
    alertingRules.push({
      alert: "FeastFeatureViewStale",
      expr: `feast_feature_freshness_seconds > ${seconds}`,
      for: forDuration,
      severity: Severity.Warning,
      summary: `The feature server serves features of ${fv} older than ${maxStaleness}`,
      description: `Feast reports that the latest materialisation of ${fv} ended more than ${maxStaleness} ago (feast_feature_freshness_seconds).`,
      runbook,
      labels: {},
    });
  return { name: "mlops-feature-store", recordingRules: [], alertingRules };
}

/**
 * The default matchers of MLflow's scrape target (`mlflowRules`, `mlflowDashboard`). The
 * ModelRegistry's monitor is named `mlflow-<registry name>` (components/model-registry/mlflow.ts
 * `mlflowMonitorName`), so the `job` of its targets always contains "mlflow": `<namespace>/<name>`
 * for a prometheus-operator PodMonitor without `jobLabel` (prometheus-operator
 * pkg/prometheus/promcfg.go, the PodMonitor scrape config), `<name>` for a GMP PodMonitoring
 * (prometheus-engine pkg/operator/apis/monitoring/v1/pod_config.go), whatever the registry and its namespace are called.
 */
export const DEFAULT_MLFLOW_UP_MATCHERS = `job=~".*mlflow.*"`;

export interface MlflowParams {
  /**
   * Matchers of MLflow's scrape target (see {@link DEFAULT_MLFLOW_UP_MATCHERS}: they select the
   * ModelRegistry's own monitor on either backend).
   * @default "job=~\".*mlflow.*\""
   */
  upMatchers?: string;
  /** `for` of `MlflowDown`. Default 5m (a rolling restart must not page). @default "5m" */
  for?: string;
  /** `for` of `MlflowTargetMissing` (no target at all). Default 15m. @default "15m" */
  missingFor?: string;
}

/** `MlflowDown` (critical) on `up == 0` and `MlflowTargetMissing` (warning) on `absent(up)`. */
export function mlflowRules(params: MlflowParams = {}): RuleGroup {
  const c = new Checker();
  const upMatchers = params.upMatchers ?? DEFAULT_MLFLOW_UP_MATCHERS;
  const forDuration = params.for ?? "5m";
  const missingFor = params.missingFor ?? "15m";
  c.matchers("upMatchers", upMatchers);
  if (upMatchers.trim() === "")
    c.problems.push("upMatchers: must select MLflow's target (empty selects every target)");
  c.duration("for", forDuration, false);
  c.duration("missingFor", missingFor, false);
  c.done("MLflow");
  const up = selector("up", upMatchers);
  const runbook = [
    "1. kubectl get pods -n <registry namespace> -l app.kubernetes.io/name=mlflow and kubectl describe/logs the failing pod.",
    "2. Check the backend database (connection errors in the log) and the artifact store credentials.",
    "3. If the pods run but the target is down, check the metrics endpoint: it needs the scrape credentials when basic auth is on (/metrics is protected).",
  ].join("\n");
  return {
    name: "mlops-mlflow",
    recordingRules: [],
    alertingRules: [
      {
        alert: "MlflowDown",
        expr: `${up} == 0`,
        for: forDuration,
        severity: Severity.Critical,
        summary: "MLflow target {{ $labels.instance }} is down",
        description: `Prometheus cannot scrape MLflow at {{ $labels.instance }} (job {{ $labels.job }}) for ${forDuration}: the tracking server and model registry are probably unavailable.`,
        runbook,
        labels: {},
      },
      {
        alert: "MlflowTargetMissing",
        expr: `absent(${up})`,
        for: missingFor,
        severity: Severity.Warning,
        summary: "Prometheus has no MLflow target",
        description: `No scrape target matches ${up}: MLflow is not deployed, its monitor is missing, or Prometheus does not select it.`,
        runbook,
        labels: {},
      },
    ],
  };
}

export interface DriftParams {
  /**
   * `for`. Default 30m: the drift job must find drift across runs (a CronJob every few minutes),
   * not in one noisy window.
   * @default "30m"
   */
  for?: string;
  /** Extra matchers, e.g. `model=~"fraud-.*"`. Default none. @default "" */
  matchers?: string;
}

/**
 * `ModelDrift` (warning): the drift job keeps finding dataset drift for a model version. The
 * decision is the job's (Evidently's `DataDriftPreset`: per-column method and threshold, and the
 * share of drifting columns that makes the dataset drift, all set per model on the drift job), so
 * the rule reads the job's verdict (`mlops_model_drift_detected`), not a threshold of its own.
 */
export function driftRules(params: DriftParams = {}): RuleGroup {
  const c = new Checker();
  const forDuration = params.for ?? "30m";
  const matchers = params.matchers ?? "";
  c.duration("for", forDuration, false);
  c.matchers("matchers", matchers);
  c.done("model drift");
  return {
    name: "mlops-model-drift",
    recordingRules: [],
    alertingRules: [
      {
        alert: "ModelDrift",
        expr: `${selector(PUSHED_METRICS.modelDriftDetected, matchers)} == 1`,
        for: forDuration,
        severity: Severity.Warning,
        summary: "Model {{ $labels.model }} version {{ $labels.version }} drifts from its training data",
        description: `The drift job has found dataset drift (${PUSHED_METRICS.modelDriftDetected}) for model {{ $labels.model }} version {{ $labels.version }} for ${forDuration}: its inputs no longer look like the training data (the drifting share is ${PUSHED_METRICS.modelDriftShare}, the per-feature scores ${PUSHED_METRICS.modelDriftScore}).`,
        runbook: [
          "1. Open the drift report of the last drift job run for the model (the Evidently HTML/JSON in the object store): which features moved, and since when.",
          "2. Rule out a data bug first (a broken upstream pipeline, a changed unit or encoding, a feature view that stopped materialising).",
          "3. If the shift is real, retrain on recent data (the retraining pipeline) and compare the candidate in the registry before promoting it.",
        ].join("\n"),
        labels: {},
      },
    ],
  };
}

export interface PushgatewayParams {
  /**
   * Matchers of the Pushgateway's scrape target. Default `job=~".*pushgateway.*"` (the Monitoring
   * component's PodMonitor `pushgateway` gives the job `<namespace>/pushgateway`).
   * @default "job=~\".*pushgateway.*\""
   */
  upMatchers?: string;
  /** `for`. Default 10m (a restart must not fire). @default "10m" */
  for?: string;
}

/**
 * `PushgatewayDown` (warning). The batch alerts above read gauges the jobs push to the Pushgateway
 * (https://github.com/prometheus/pushgateway#use-it); when it is down, or restarted without
 * `--persistence.file`, those series vanish and the staleness and drift alerts go silent instead
 * of firing, so its own availability is alerted on.
 */
export function pushgatewayRules(params: PushgatewayParams = {}): RuleGroup {
  const c = new Checker();
  const upMatchers = params.upMatchers ?? `job=~".*pushgateway.*"`;
  const forDuration = params.for ?? "10m";
  c.matchers("upMatchers", upMatchers);
  if (upMatchers.trim() === "")
    c.problems.push("upMatchers: must select the Pushgateway's target (empty selects every target)");
  c.duration("for", forDuration, false);
  c.done("Pushgateway");
  return {
    name: "mlops-pushgateway",
    recordingRules: [],
    alertingRules: [
      {
        alert: "PushgatewayDown",
        expr: `${selector("up", upMatchers)} == 0`,
        for: forDuration,
        severity: Severity.Warning,
        summary: "Pushgateway {{ $labels.instance }} is down",
        description: `Prometheus cannot scrape the Pushgateway at {{ $labels.instance }} for ${forDuration}: batch jobs cannot push, and the materialisation and drift alerts cannot fire while their series are missing.`,
        runbook: [
          "1. kubectl get pods -n <monitoring namespace> -l app.kubernetes.io/name=pushgateway; describe and read the logs of the failing pod.",
          "2. After it is back, check that the materialisation and drift jobs push again (their last-success timestamps move); without persistence, old series are gone until the next push.",
        ].join("\n"),
        labels: {},
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// The catalogue and its renderings
// ---------------------------------------------------------------------------------------------

/** Parameters of every family; each is optional and defaulted. */
export interface CatalogueParams {
  /** Serving error-ratio SLO ({@link errorSloRules}). @default {} */
  errorSlo?: ErrorSloParams;
  /** Serving latency SLO ({@link latencySloRules}). @default {} */
  latencySlo?: LatencySloParams;
  /** GPUs allocated but idle ({@link gpuIdleRules}). @default {} */
  gpuIdle?: GpuIdleParams;
  /** Kueue queues ({@link kueueRules}). @default {} */
  kueue?: KueuePendingParams;
  /** Karpenter provisioning ({@link karpenterRules}). @default {} */
  karpenter?: KarpenterParams;
  /** Feature materialisation ({@link featureStoreRules}). @default {} */
  featureStore?: FeatureStoreParams;
  /** MLflow availability ({@link mlflowRules}). @default {} */
  mlflow?: MlflowParams;
  /** Model drift ({@link driftRules}). @default {} */
  drift?: DriftParams;
  /** Pushgateway availability ({@link pushgatewayRules}). @default {} */
  pushgateway?: PushgatewayParams;
}

/**
 * Every rule group of the toolkit with the given (or default) parameters; throws
 * {@link RuleParameterError} on the first family with invalid parameters.
 */
export function defaultRuleGroups(params: CatalogueParams = {}): RuleGroup[] {
  return [
    errorSloRules(params.errorSlo),
    latencySloRules(params.latencySlo),
    gpuIdleRules(params.gpuIdle),
    kueueRules(params.kueue),
    karpenterRules(params.karpenter),
    featureStoreRules(params.featureStore),
    mlflowRules(params.mlflow),
    driftRules(params.drift),
    pushgatewayRules(params.pushgateway),
  ];
}

/**
 * Every problem of `params`, each prefixed with its family's key (e.g. `gpuIdle.threshold: …`);
 * empty when all are valid. For the component's contract pipeline (`resolve…Args` problems).
 */
export function catalogueProblems(params: CatalogueParams = {}): string[] {
  const families: [keyof CatalogueParams, () => unknown][] = [
    ["errorSlo", () => errorSloRules(params.errorSlo)],
    ["latencySlo", () => latencySloRules(params.latencySlo)],
    ["gpuIdle", () => gpuIdleRules(params.gpuIdle)],
    ["kueue", () => kueueRules(params.kueue)],
    ["karpenter", () => karpenterRules(params.karpenter)],
    ["featureStore", () => featureStoreRules(params.featureStore)],
    ["mlflow", () => mlflowRules(params.mlflow)],
    ["drift", () => driftRules(params.drift)],
    ["pushgateway", () => pushgatewayRules(params.pushgateway)],
  ];
  return families.flatMap(([key, build]) => {
    try {
      build();
      return [];
    } catch (e) {
      if (e instanceof RuleParameterError) return e.problems.map((p) => `${key}.${p}`);
      throw e;
    }
  });
}

const burnRateWindowSchema = z.object({ long: z.string(), short: z.string(), burnRate: z.number() }).strict();
const sloCommonShape = {
  name: z.string().optional(),
  target: z.number().optional(),
  by: z.array(z.string()).optional(),
  matchers: z.string().optional(),
  pageWindows: z.array(burnRateWindowSchema).optional(),
  ticketWindows: z.array(burnRateWindowSchema).optional(),
  extraWindows: z.array(z.string()).optional(),
  pageFor: z.string().optional(),
  ticketFor: z.string().optional(),
};

/**
 * Runtime schema of {@link CatalogueParams}: the shape (unknown fields rejected), then every
 * builder's own checks ({@link catalogueProblems}) as issues at the family's path. @internal
 */
export const catalogueParamsSchema = z
  .strictObject({
    errorSlo: z
      .object({
        ...sloCommonShape,
        errorCounter: z.string().optional(),
        errorMatchers: z.string().optional(),
        successCounter: z.string().optional(),
        successMatchers: z.string().optional(),
      })
      .strict()
      .optional(),
    latencySlo: z
      .object({
        ...sloCommonShape,
        histogram: z.string().optional(),
        thresholdSeconds: z.number().optional(),
      })
      .strict()
      .optional(),
    gpuIdle: z
      .object({
        metric: z.string().optional(),
        percent: z.boolean().optional(),
        podLabel: z.string().optional(),
        namespaceLabel: z.string().optional(),
        threshold: z.number().optional(),
        window: z.string().optional(),
        for: z.string().optional(),
        matchers: z.string().optional(),
      })
      .strict()
      .optional(),
    kueue: z
      .object({
        maxPending: z.number().optional(),
        pendingFor: z.string().optional(),
        inadmissibleFor: z.string().optional(),
        matchers: z.string().optional(),
      })
      .strict()
      .optional(),
    karpenter: z
      .object({
        window: z.string().optional(),
        maxLaunchFailures: z.number().optional(),
        unschedulableFor: z.string().optional(),
      })
      .strict()
      .optional(),
    featureStore: z
      .object({
        maxStaleness: z.string().optional(),
        for: z.string().optional(),
        feastFreshness: z.boolean().optional(),
      })
      .strict()
      .optional(),
    mlflow: z
      .object({
        upMatchers: z.string().optional(),
        for: z.string().optional(),
        missingFor: z.string().optional(),
      })
      .strict()
      .optional(),
    drift: z
      .object({
        for: z.string().optional(),
        matchers: z.string().optional(),
      })
      .strict()
      .optional(),
    pushgateway: z
      .object({ upMatchers: z.string().optional(), for: z.string().optional() })
      .strict()
      .optional(),
  })
  .superRefine((params, ctx) => {
    // The builders' checks need well-typed input: only when the shape itself is valid.
    if (ctx.issues.length > 0) return;
    for (const problem of catalogueProblems(params)) {
      const [path = "", message = problem] = problem.split(/: (.*)/s);
      ctx.addIssue({ code: "custom", path: path.split("."), message });
    }
  });

/** The rule-file shape of a group (what both the plain rule file and PrometheusRule spec hold). */
export interface RenderedRule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RenderedGroup {
  name: string;
  interval?: string;
  rules: RenderedRule[];
}

/** Groups in the Prometheus rule-file shape; rejects duplicate group names (Prometheus does too). */
export function renderGroups(groups: readonly RuleGroup[]): RenderedGroup[] {
  const seen = new Set<string>();
  return groups.map((g) => {
    if (seen.has(g.name)) throw new Error(`duplicate rule group name "${g.name}"`);
    seen.add(g.name);
    const rules: RenderedRule[] = [
      ...g.recordingRules.map((r) => ({
        record: r.record,
        expr: r.expr,
        ...(r.labels && Object.keys(r.labels).length > 0 ? { labels: { ...r.labels } } : {}),
      })),
      ...g.alertingRules.map((a) => ({
        alert: a.alert,
        expr: a.expr,
        for: a.for,
        labels: { ...a.labels, severity: a.severity },
        annotations: { summary: a.summary, description: a.description, runbook: a.runbook },
      })),
    ];
    return { name: g.name, ...(g.interval ? { interval: g.interval } : {}), rules };
  });
}

/** The plain Prometheus rule file (`groups:`) that `promtool check rules` and Prometheus read. */
export function renderRuleFile(groups: readonly RuleGroup[]): string {
  return stringify({ groups: renderGroups(groups) }, { lineWidth: 0 });
}

/** A `monitoring.coreos.com/v1` PrometheusRule object. */
export interface PrometheusRuleManifest {
  apiVersion: "monitoring.coreos.com/v1";
  kind: "PrometheusRule";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { groups: RenderedGroup[] };
}

/** The PrometheusRule a component creates for `groups` (its `spec` is the rule file's content). */
export function prometheusRuleManifest(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  groups: readonly RuleGroup[],
): PrometheusRuleManifest {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name, namespace, labels: { ...labels } },
    spec: { groups: renderGroups(groups) },
  };
}

/** One row of the alert catalogue (for the README table). */
export interface CatalogueEntry {
  alert: string;
  group: string;
  severity: Severity;
  for: string;
  summary: string;
}

/** Every alert of the default catalogue. */
export const ALERT_CATALOGUE: readonly CatalogueEntry[] = defaultRuleGroups().flatMap((g) =>
  g.alertingRules.map((a) => ({
    alert: a.alert,
    group: g.name,
    severity: a.severity,
    for: a.for,
    summary: a.summary,
  })),
);

/** The catalogue as a Markdown table (label templates shown as `{label}`; `<label>` would be read as HTML by Markdown renderers). */
export function alertCatalogueMarkdown(entries: readonly CatalogueEntry[] = ALERT_CATALOGUE): string {
  const text = (s: string) => s.replace(/\{\{ \$labels\.([a-zA-Z_]+) \}\}/g, "{$1}").replace(/\|/g, "\\|");
  return [
    "| alert | severity | for | summary |",
    "| --- | --- | --- | --- |",
    ...entries.map((e) => `| \`${e.alert}\` | ${e.severity} | ${e.for} | ${text(e.summary)} |`),
  ].join("\n");
}
