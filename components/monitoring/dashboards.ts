/**
 * Grafana dashboards of the Monitoring component (issue 9) as code: a typed, minimal Grafana
 * dashboard model, builders for the five dashboards (GPU fleet, serving, training queues, feature
 * store, MLflow), the ConfigMap kube-prometheus-stack's Grafana sidecar loads, and a metric
 * catalogue with a PromQL tokenizer so a test can prove that every panel only queries metrics that
 * some exporter of the toolkit exposes or a rule of `rules.ts` records.
 *
 * Pure data and pure functions; nothing here talks to Pulumi or a cluster.
 */
import { DEFAULT_MLFLOW_UP_MATCHERS, PUSHED_METRICS, SLO_RECORDS, gpuIdleRules } from "./rules";

// ---------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------

/** Panel types used by the toolkit (Grafana panel plugin ids). */
export const PanelType = {
  TimeSeries: "timeseries",
  Stat: "stat",
  Gauge: "gauge",
  Row: "row",
} as const;
export type PanelType = (typeof PanelType)[keyof typeof PanelType];

/** Grafana unit ids (Grafana `packages/grafana-data/src/valueFormats/categories.ts`). */
export const Unit = {
  /** 0–1 shown as percent. */
  PercentUnit: "percentunit",
  /** Mebibytes (DCGM framebuffer metrics are in MiB). */
  Mebibytes: "mbytes",
  Watt: "watt",
  Celsius: "celsius",
  Seconds: "s",
  RequestsPerSecond: "reqps",
  Short: "short",
  /** Events (workloads) per second. */
  OpsPerSecond: "ops",
} as const;
export type Unit = (typeof Unit)[keyof typeof Unit];

/** The Prometheus datasource template variable every panel and target refers to. */
export const DATASOURCE_VARIABLE = "datasource";
/** Datasource reference of every panel and target: the `$datasource` variable. */
export interface DatasourceRef {
  type: "prometheus";
  uid: string;
}
const DS: DatasourceRef = { type: "prometheus", uid: `\${${DATASOURCE_VARIABLE}}` };

/** One PromQL query of a panel. */
export interface Target {
  refId: string;
  datasource: DatasourceRef;
  expr: string;
  legendFormat: string;
  /** Instant query (stat/gauge panels) instead of a range query. */
  instant?: boolean;
  range?: boolean;
}

export interface GridPos {
  h: number;
  w: number;
  x: number;
  y: number;
}

export interface Panel {
  id: number;
  type: PanelType;
  title: string;
  description?: string;
  gridPos: GridPos;
  datasource?: DatasourceRef;
  targets: Target[];
  fieldConfig: {
    defaults: { unit?: string; min?: number; max?: number; thresholds?: Thresholds };
    overrides: never[];
  };
  options: Record<string, unknown>;
  /** Rows only. */
  collapsed?: boolean;
  panels?: Panel[];
}

export interface Thresholds {
  mode: "absolute";
  steps: { color: string; value: number | null }[];
}

/** Template variable types used (Grafana variable `type`). */
export const VariableType = {
  /** A datasource picker (`query` is the datasource plugin id). */
  Datasource: "datasource",
  /** A query variable (`label_values(<selector>, <label>)`). */
  Query: "query",
} as const;
export type VariableType = (typeof VariableType)[keyof typeof VariableType];

/** A template variable: the Prometheus datasource picker, or a `label_values` query. */
export interface TemplateVariable {
  name: string;
  label: string;
  type: VariableType;
  query: string | { query: string; refId: string };
  datasource?: DatasourceRef;
  includeAll?: boolean;
  multi?: boolean;
  allValue?: string;
  current: Record<string, unknown>;
  refresh?: number;
  hide: number;
}

export interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  description: string;
  schemaVersion: number;
  editable: boolean;
  time: { from: string; to: string };
  refresh: string;
  timezone: string;
  templating: { list: TemplateVariable[] };
  annotations: { list: never[] };
  panels: Panel[];
}

/**
 * Dashboard JSON schema version written. 39 is what Grafana 10.4/11.x export; newer Grafana
 * (kube-prometheus-stack 88.5.3 ships Grafana 13.2.0) migrates older versions on load.
 */
export const SCHEMA_VERSION = 39;

/** The description of one panel a builder lays out. */
export interface PanelSpec {
  type: Exclude<PanelType, "row">;
  title: string;
  description?: string;
  unit?: Unit;
  /** Width in grid columns (24 = full width). @default 12 (timeseries), 6 (stat/gauge) */
  width?: number;
  min?: number;
  max?: number;
  /** Threshold steps for stat/gauge colouring (first step is the base colour). */
  thresholds?: { color: string; value: number | null }[];
  queries: { expr: string; legend: string }[];
}

/** A row: a title and its panels. */
export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

const GRID_WIDTH = 24;

/** Lays out rows and panels left to right, top to bottom, with unique ids starting at 1. */
export function layoutPanels(rows: readonly RowSpec[]): Panel[] {
  let id = 1;
  let y = 0;
  const out: Panel[] = [];
  for (const row of rows) {
    out.push({
      id: id++,
      type: PanelType.Row,
      title: row.title,
      gridPos: { h: 1, w: GRID_WIDTH, x: 0, y },
      collapsed: false,
      panels: [],
      targets: [],
      fieldConfig: { defaults: {}, overrides: [] },
      options: {},
    });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      const w = p.width ?? (p.type === PanelType.TimeSeries ? 12 : 6);
      const h = p.type === PanelType.TimeSeries ? 8 : 5;
      if (x + w > GRID_WIDTH) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      const instant = p.type !== PanelType.TimeSeries;
      out.push({
        id: id++,
        type: p.type,
        title: p.title,
        ...(p.description ? { description: p.description } : {}),
        gridPos: { h, w, x, y },
        datasource: DS,
        targets: p.queries.map((q, i) => ({
          refId: String.fromCharCode(65 + i),
          datasource: DS,
          expr: q.expr,
          legendFormat: q.legend,
          ...(instant ? { instant: true, range: false } : {}),
        })),
        fieldConfig: {
          defaults: {
            ...(p.unit ? { unit: p.unit } : {}),
            ...(p.min !== undefined ? { min: p.min } : {}),
            ...(p.max !== undefined ? { max: p.max } : {}),
            ...(p.thresholds ? { thresholds: { mode: "absolute", steps: p.thresholds } } : {}),
          },
          overrides: [],
        },
        options:
          p.type === PanelType.TimeSeries
            ? { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } }
            : { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false } },
      });
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return out;
}

/** The `$datasource` variable (type datasource, Prometheus). */
export function datasourceVariable(): TemplateVariable {
  return {
    name: DATASOURCE_VARIABLE,
    label: "Data source",
    type: VariableType.Datasource,
    query: "prometheus",
    current: {},
    hide: 0,
  };
}

/**
 * A multi-value `label_values(<metric>, <label>)` variable with "All" = `.*`, for use in
 * `label=~"$name"` matchers.
 */
export function labelVariable(
  name: string,
  label: string,
  metric: string,
  labelName = name,
): TemplateVariable {
  const q = `label_values(${metric}, ${labelName})`;
  return {
    name,
    label,
    type: VariableType.Query,
    datasource: DS,
    query: { query: q, refId: "PrometheusVariableQueryEditor-VariableQuery" },
    includeAll: true,
    multi: true,
    allValue: ".*",
    current: { selected: true, text: ["All"], value: ["$__all"] },
    refresh: 2,
    hide: 0,
  };
}

/** A dashboard with the toolkit's defaults (last 6h, 1m refresh, UTC). */
export function dashboard(
  uid: string,
  title: string,
  description: string,
  variables: TemplateVariable[],
  rows: RowSpec[],
): Dashboard {
  if (!/^[a-zA-Z0-9_-]{1,40}$/.test(uid)) throw new Error(`dashboard uid "${uid}": 1–40 of [a-zA-Z0-9_-]`);
  return {
    uid,
    title,
    tags: ["mlops", "pulumi-mlops"],
    description,
    schemaVersion: SCHEMA_VERSION,
    editable: false,
    time: { from: "now-6h", to: "now" },
    refresh: "1m",
    timezone: "utc",
    templating: { list: [datasourceVariable(), ...variables] },
    annotations: { list: [] },
    panels: layoutPanels(rows),
  };
}

// ---------------------------------------------------------------------------------------------
// The five dashboards
// ---------------------------------------------------------------------------------------------

const RATE = "$__rate_interval";

/**
 * GPU fleet, from dcgm-exporter (NVIDIA/dcgm-exporter 4.5.3-4.8.2 `etc/default-counters.csv`):
 * `DCGM_FI_PROF_GR_ENGINE_ACTIVE` (0–1 ratio), `DCGM_FI_PROF_PIPE_TENSOR_ACTIVE` (0–1),
 * `DCGM_FI_DEV_FB_USED`/`_FREE` (MiB), `DCGM_FI_DEV_POWER_USAGE` (W), `DCGM_FI_DEV_GPU_TEMP` (°C),
 * `DCGM_FI_DEV_XID_ERRORS` (last XID). The Kubernetes mapping labels `pod`/`namespace` need
 * `honorLabels: true` on the ServiceMonitor (research notes §4); unassigned GPUs have `pod=""`.
 * The idle threshold (0.1 over 30m) is the default of `gpuIdleRules` in rules.ts.
 */
export function gpuFleetDashboard(): Dashboard {
  /** The `GpuAllocatedButIdle` alert expression itself, so the stat and the alert cannot disagree. */
  const gpuIdleAlertExpr = (): string => {
    const rule = gpuIdleRules().alertingRules.find((r) => r.alert === "GpuAllocatedButIdle");
    if (!rule) throw new Error("rules.ts has no GpuAllocatedButIdle alert");
    return rule.expr;
  };
  const ns = `namespace=~"$namespace"`;
  return dashboard(
    "mlops-gpu-fleet",
    "MLOps / GPU fleet",
    "GPU activity, memory, power and idle allocations from dcgm-exporter.",
    [labelVariable("namespace", "Namespace", "DCGM_FI_PROF_GR_ENGINE_ACTIVE")],
    [
      {
        title: "Fleet",
        panels: [
          {
            type: PanelType.Stat,
            title: "GPUs reporting",
            unit: Unit.Short,
            queries: [{ expr: "count(DCGM_FI_PROF_GR_ENGINE_ACTIVE)", legend: "GPUs" }],
          },
          {
            type: PanelType.Stat,
            title: "GPUs allocated to pods",
            unit: Unit.Short,
            queries: [{ expr: `count(DCGM_FI_PROF_GR_ENGINE_ACTIVE{pod!=""})`, legend: "allocated" }],
          },
          {
            type: PanelType.Stat,
            title: "Allocated but idle (alert condition)",
            description: "Same condition as the GpuAllocatedButIdle alert (rules.ts gpuIdleRules defaults).",
            unit: Unit.Short,
            thresholds: [
              { color: "green", value: null },
              { color: "orange", value: 1 },
            ],
            queries: [
              {
                expr: `count(${gpuIdleAlertExpr()}) or vector(0)`,
                legend: "idle",
              },
            ],
          },
          {
            type: PanelType.Gauge,
            title: "Fleet engine activity",
            unit: Unit.PercentUnit,
            min: 0,
            max: 1,
            queries: [{ expr: "avg(DCGM_FI_PROF_GR_ENGINE_ACTIVE)", legend: "activity" }],
          },
        ],
      },
      {
        title: "Activity",
        panels: [
          {
            type: PanelType.TimeSeries,
            title: "Graphics engine active by pod",
            unit: Unit.PercentUnit,
            min: 0,
            max: 1,
            queries: [
              {
                expr: `avg by (namespace, pod) (DCGM_FI_PROF_GR_ENGINE_ACTIVE{pod!="",${ns}})`,
                legend: "{{namespace}}/{{pod}}",
              },
            ],
          },
          {
            type: PanelType.TimeSeries,
            title: "Tensor pipe active by pod",
            unit: Unit.PercentUnit,
            min: 0,
            max: 1,
            queries: [
              {
                expr: `avg by (namespace, pod) (DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{pod!="",${ns}})`,
                legend: "{{namespace}}/{{pod}}",
              },
            ],
          },
        ],
      },
      {
        title: "Memory, power, health",
        panels: [
          {
            type: PanelType.TimeSeries,
            title: "Framebuffer used",
            unit: Unit.Mebibytes,
            queries: [
              {
                expr: `sum by (Hostname, gpu) (DCGM_FI_DEV_FB_USED{${ns}})`,
                legend: "{{Hostname}} gpu {{gpu}}",
              },
            ],
          },
          {
            type: PanelType.TimeSeries,
            title: "Framebuffer used (share)",
            unit: Unit.PercentUnit,
            min: 0,
            max: 1,
            queries: [
              {
                expr: `sum by (Hostname, gpu) (DCGM_FI_DEV_FB_USED{${ns}}) / (sum by (Hostname, gpu) (DCGM_FI_DEV_FB_USED{${ns}}) + sum by (Hostname, gpu) (DCGM_FI_DEV_FB_FREE{${ns}}))`,
                legend: "{{Hostname}} gpu {{gpu}}",
              },
            ],
          },
          {
            type: PanelType.TimeSeries,
            title: "Power",
            unit: Unit.Watt,
            queries: [
              {
                expr: `sum by (Hostname, gpu) (DCGM_FI_DEV_POWER_USAGE{${ns}})`,
                legend: "{{Hostname}} gpu {{gpu}}",
              },
            ],
          },
          {
            type: PanelType.TimeSeries,
            title: "Temperature",
            unit: Unit.Celsius,
            queries: [
              {
                expr: `max by (Hostname, gpu) (DCGM_FI_DEV_GPU_TEMP{${ns}})`,
                legend: "{{Hostname}} gpu {{gpu}}",
              },
            ],
          },
          {
            type: PanelType.Stat,
            title: "GPUs with an XID error",
            unit: Unit.Short,
            thresholds: [
              { color: "green", value: null },
              { color: "red", value: 1 },
            ],
            queries: [{ expr: "count(DCGM_FI_DEV_XID_ERRORS > 0) or vector(0)", legend: "XID" }],
          },
        ],
      },
    ],
  );
}

/** Parameters of the serving dashboard (defaults match `rules.ts`). */
export interface ServingDashboardParams {
  /** `slo` label of the error SLO recordings (errorSloRules `name`). @default "serving-errors" */
  errorSlo?: string;
  /** `slo` label of the latency SLO recordings (latencySloRules `name`). @default "serving-latency" */
  latencySlo?: string;
  /** Regex on the Deployment name of the predictors (KServe: `<isvc>-predictor…`). @default ".*-predictor.*" */
  deploymentRegex?: string;
}

/**
 * Serving: MLServer model counters `model_infer_request_success_total`/`_failure_total`
 * (SeldonIO/MLServer docs/user-guide/metrics.md), KServe's predict histogram
 * `request_predict_seconds` (kserve/kserve python/kserve/kserve/metrics.py), the SLO ratios
 * `rules.ts` records (`SLO_RECORDS` × windows 5m/1h/1d), and replicas from kube-state-metrics
 * v2.20 `kube_deployment_status_replicas_available` / `kube_deployment_spec_replicas`
 * (kubernetes/kube-state-metrics docs/metrics/workload/deployment-metrics.md).
 */
export function servingDashboard(params: ServingDashboardParams = {}): Dashboard {
  const errorSlo = params.errorSlo ?? "serving-errors";
  const latencySlo = params.latencySlo ?? "serving-latency";
  const dep = params.deploymentRegex ?? ".*-predictor.*";
  const problems: string[] = [];
  for (const [key, v] of [
    ["errorSlo", errorSlo],
    ["latencySlo", latencySlo],
  ] as const)
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v))
      problems.push(`${key}: "${v}" must be lowercase letters, digits and dashes (an SLO name of rules.ts)`);
  if (dep === "" || /["\\\n]/.test(dep))
    problems.push(`deploymentRegex: "${dep}" must be non-empty, without quotes, backslashes or newlines`);
  if (problems.length > 0)
    throw new Error(`invalid serving dashboard parameters:\n  ${problems.join("\n  ")}`);
  const ns = `namespace=~"$namespace"`;
  const model = `model_name=~"$model"`;
  const quantile = (q: number) => ({
    expr: `histogram_quantile(${q}, sum by (namespace, model_name, le) (rate(request_predict_seconds_bucket{${ns},${model}}[${RATE}])))`,
    legend: `p${Math.round(q * 100)} {{namespace}}/{{model_name}}`,
  });
  return dashboard(
    "mlops-serving",
    "MLOps / Serving",
    "Throughput, latency, errors, SLO burn and replicas of the model servers.",
    [
      labelVariable("namespace", "Namespace", "model_infer_request_success_total"),
      labelVariable("model", "Model", `model_infer_request_success_total{${ns}}`, "model_name"),
    ],
    [
      {
        title: "SLOs (recorded by the monitoring rules)",
        panels: [
          {
            type: PanelType.Stat,
            title: "Error ratio, 1h",
            unit: Unit.PercentUnit,
            queries: [
              {
                expr: `max by (namespace, model_name) (${SLO_RECORDS.errorRatio}_rate1h{slo="${errorSlo}",${ns},${model}})`,
                legend: "{{namespace}}/{{model_name}}",
              },
            ],
          },
          {
            type: PanelType.Stat,
            title: "Error ratio, 1d",
            unit: Unit.PercentUnit,
            queries: [
              {
                expr: `max by (namespace, model_name) (${SLO_RECORDS.errorRatio}_rate1d{slo="${errorSlo}",${ns},${model}})`,
                legend: "{{namespace}}/{{model_name}}",
              },
            ],
          },
          {
            type: PanelType.Stat,
            title: "Slow requests, 1h",
            unit: Unit.PercentUnit,
            queries: [
              {
                expr: `max by (namespace, model_name) (${SLO_RECORDS.latencyRatio}_rate1h{slo="${latencySlo}",${ns},${model}})`,
                legend: "{{namespace}}/{{model_name}}",
              },
            ],
          },
          {
            type: PanelType.Stat,
            title: "Slow requests, 1d",
            unit: Unit.PercentUnit,
            queries: [
              {
                expr: `max by (namespace, model_name) (${SLO_RECORDS.latencyRatio}_rate1d{slo="${latencySlo}",${ns},${model}})`,
                legend: "{{namespace}}/{{model_name}}",
              },
            ],
          },
          {
            type: PanelType.TimeSeries,
            title: "SLO error and slow ratios (5m)",
            unit: Unit.PercentUnit,
            width: 24,
            queries: [
              {
                expr: `${SLO_RECORDS.errorRatio}_rate5m{slo="${errorSlo}",${ns},${model}}`,
                legend: "errors {{namespace}}/{{model_name}}",
              },
              {
                expr: `${SLO_RECORDS.latencyRatio}_rate5m{slo="${latencySlo}",${ns},${model}}`,
                legend: "slow {{namespace}}/{{model_name}}",
              },
            ],
          },
        ],
      },
      {
        title: "Traffic",
        panels: [
          {
            type: PanelType.TimeSeries,
            title: "Requests per second",
            unit: Unit.RequestsPerSecond,
            queries: [
              {
                expr: `sum by (namespace, model_name) (rate(model_infer_request_success_total{${ns},${model}}[${RATE}]))`,
                legend: "ok {{namespace}}/{{model_name}}",
              },
              {
                expr: `sum by (namespace, model_name) (rate(model_infer_request_failure_total{${ns},${model}}[${RATE}]))`,
                legend: "failed {{namespace}}/{{model_name}}",
              },
            ],
          },
          {
            type: PanelType.TimeSeries,
            title: "Predict latency (KServe)",
            unit: Unit.Seconds,
            queries: [quantile(0.5), quantile(0.95), quantile(0.99)],
          },
        ],
      },
      {
        title: "Replicas",
        panels: [
          {
            type: PanelType.TimeSeries,
            title: "Available vs desired replicas",
            unit: Unit.Short,
            width: 24,
            queries: [
              {
                expr: `sum by (namespace, deployment) (kube_deployment_status_replicas_available{${ns},deployment=~"${dep}"})`,
                legend: "available {{namespace}}/{{deployment}}",
              },
              {
                expr: `sum by (namespace, deployment) (kube_deployment_spec_replicas{${ns},deployment=~"${dep}"})`,
                legend: "desired {{namespace}}/{{deployment}}",
              },
            ],
          },
        ],
      },
    ],
  );
}

/**
 * Training queues, Kueue v0.19.2 (kubernetes-sigs/kueue site/content/en/docs/reference/metrics.md
 * at tag v0.19.2): `kueue_pending_workloads{cluster_queue,status}`,
 * `kueue_admitted_active_workloads{cluster_queue}`, the histogram
 * `kueue_admission_wait_time_seconds{cluster_queue}`, counters `kueue_admitted_workloads_total`,
 * `kueue_evicted_workloads_total{reason}`. `replica_role!="follower"` keeps the leader only.
 */
export function trainingQueuesDashboard(): Dashboard {
  const cq = `cluster_queue=~"$cluster_queue",replica_role!="follower"`;
  const wait = (q: number) => ({
    expr: `histogram_quantile(${q}, sum by (cluster_queue, le) (rate(kueue_admission_wait_time_seconds_bucket{${cq}}[${RATE}])))`,
    legend: `p${Math.round(q * 100)} {{cluster_queue}}`,
  });
  return dashboard(
    "mlops-training-queues",
    "MLOps / Training queues (Kueue)",
    "Pending and admitted workloads and admission wait per ClusterQueue.",
    [labelVariable("cluster_queue", "ClusterQueue", "kueue_pending_workloads")],
    [
      {
        title: "Now",
        panels: [
          {
            type: PanelType.Stat,
            title: "Pending (active)",
            unit: Unit.Short,
            queries: [{ expr: `sum(kueue_pending_workloads{status="active",${cq}})`, legend: "pending" }],
          },
          {
            type: PanelType.Stat,
            title: "Inadmissible",
            unit: Unit.Short,
            thresholds: [
              { color: "green", value: null },
              { color: "orange", value: 1 },
            ],
            queries: [
              { expr: `sum(kueue_pending_workloads{status="inadmissible",${cq}})`, legend: "inadmissible" },
            ],
          },
          {
            type: PanelType.Stat,
            title: "Admitted, running",
            unit: Unit.Short,
            queries: [{ expr: `sum(kueue_admitted_active_workloads{${cq}})`, legend: "admitted" }],
          },
          {
            type: PanelType.Stat,
            title: "p90 admission wait (1h)",
            unit: Unit.Seconds,
            queries: [
              {
                expr: `histogram_quantile(0.9, sum by (le) (rate(kueue_admission_wait_time_seconds_bucket{${cq}}[1h])))`,
                legend: "p90",
              },
            ],
          },
        ],
      },
      {
        title: "Over time",
        panels: [
          {
            type: PanelType.TimeSeries,
            title: "Pending workloads",
            unit: Unit.Short,
            queries: [
              {
                expr: `sum by (cluster_queue, status) (kueue_pending_workloads{${cq}})`,
                legend: "{{cluster_queue}} {{status}}",
              },
            ],
          },
          {
            type: PanelType.TimeSeries,
            title: "Admitted active workloads",
            unit: Unit.Short,
            queries: [
              {
                expr: `sum by (cluster_queue) (kueue_admitted_active_workloads{${cq}})`,
                legend: "{{cluster_queue}}",
              },
            ],
          },
          {
            type: PanelType.TimeSeries,
            title: "Admission wait",
            unit: Unit.Seconds,
            queries: [wait(0.5), wait(0.9), wait(0.99)],
          },
          {
            type: PanelType.TimeSeries,
            title: "Admissions and evictions",
            unit: Unit.OpsPerSecond,
            queries: [
              {
                expr: `sum by (cluster_queue) (rate(kueue_admitted_workloads_total{${cq}}[${RATE}]))`,
                legend: "admitted {{cluster_queue}}",
              },
              {
                expr: `sum by (cluster_queue, reason) (rate(kueue_evicted_workloads_total{${cq}}[${RATE}]))`,
                legend: "evicted {{cluster_queue}} {{reason}}",
              },
            ],
          },
        ],
      },
    ],
  );
}

/**
 * Feature store: the timestamps the materialisation job pushes (`PUSHED_METRICS` in rules.ts) and
 * the Feast feature server's metrics (feast-dev/feast sdk/python/feast/metrics.py, commit
 * 0b621de5): `feast_feature_freshness_seconds{project,feature_view}`,
 * `feast_feature_server_request_total{endpoint,status}`,
 * `feast_feature_server_request_latency_seconds` (histogram).
 */
export function featureStoreDashboard(): Dashboard {
  const ok = PUSHED_METRICS.materializationLastSuccess;
  const fail = PUSHED_METRICS.materializationLastFailure;
  const fv = `project=~"$project"`;
  return dashboard(
    "mlops-feature-store",
    "MLOps / Feature store",
    "Materialisation age and failures, feature freshness and feature server traffic.",
    [labelVariable("project", "Project", ok)],
    [
      {
        title: "Materialisation",
        panels: [
          {
            type: PanelType.Stat,
            title: "Feature views whose last run failed",
            unit: Unit.Short,
            thresholds: [
              { color: "green", value: null },
              { color: "red", value: 1 },
            ],
            queries: [
              {
                expr: `count((${fail}{${fv}} > ${ok}{${fv}}) or (${fail}{${fv}} unless ${ok}{${fv}})) or vector(0)`,
                legend: "failed",
              },
            ],
          },
          {
            type: PanelType.Stat,
            title: "Oldest successful materialisation",
            unit: Unit.Seconds,
            queries: [{ expr: `max(time() - ${ok}{${fv}})`, legend: "age" }],
          },
          {
            type: PanelType.TimeSeries,
            title: "Age of the last successful materialisation",
            unit: Unit.Seconds,
            queries: [{ expr: `time() - ${ok}{${fv}}`, legend: "{{project}}/{{feature_view}}" }],
          },
          {
            type: PanelType.TimeSeries,
            title: "Feature freshness (feature server)",
            unit: Unit.Seconds,
            queries: [
              {
                expr: `max by (project, feature_view) (feast_feature_freshness_seconds{${fv}})`,
                legend: "{{project}}/{{feature_view}}",
              },
            ],
          },
        ],
      },
      {
        title: "Feature server",
        panels: [
          {
            type: PanelType.TimeSeries,
            title: "Requests per second",
            unit: Unit.RequestsPerSecond,
            queries: [
              {
                expr: `sum by (endpoint, status) (rate(feast_feature_server_request_total[${RATE}]))`,
                legend: "{{endpoint}} {{status}}",
              },
            ],
          },
          {
            type: PanelType.TimeSeries,
            title: "Request latency p95",
            unit: Unit.Seconds,
            queries: [
              {
                expr: `histogram_quantile(0.95, sum by (endpoint, le) (rate(feast_feature_server_request_latency_seconds_bucket[${RATE}])))`,
                legend: "p95 {{endpoint}}",
              },
            ],
          },
        ],
      },
    ],
  );
}

/**
 * MLflow 3.x with `--expose-prometheus` (mlflow/server/prometheus_exporter.py, prometheus_flask_exporter
 * with prefix `mlflow`): `mlflow_http_request_total{method,status}`,
 * `mlflow_http_request_duration_seconds` (histogram), `mlflow_http_request_exceptions_total`; and
 * Prometheus's own `up` for the target (by default the matchers of `mlflowRules`,
 * `DEFAULT_MLFLOW_UP_MATCHERS` in rules.ts, which select the ModelRegistry's monitor).
 */
export function mlflowDashboard(params: { upMatchers?: string } = {}): Dashboard {
  const up = params.upMatchers ?? DEFAULT_MLFLOW_UP_MATCHERS;
  return dashboard(
    "mlops-mlflow",
    "MLOps / MLflow",
    "Availability, traffic, errors and latency of the MLflow tracking server and registry.",
    [],
    [
      {
        title: "Availability",
        panels: [
          {
            type: PanelType.Stat,
            title: "Targets up",
            unit: Unit.Short,
            thresholds: [
              { color: "red", value: null },
              { color: "green", value: 1 },
            ],
            queries: [{ expr: `sum(up{${up}})`, legend: "up" }],
          },
          {
            type: PanelType.Stat,
            title: "5xx share (1h)",
            unit: Unit.PercentUnit,
            queries: [
              {
                expr: `sum(rate(mlflow_http_request_total{status=~"5.."}[1h])) / sum(rate(mlflow_http_request_total[1h]))`,
                legend: "5xx",
              },
            ],
          },
          {
            type: PanelType.TimeSeries,
            title: "Up",
            unit: Unit.Short,
            min: 0,
            max: 1,
            queries: [{ expr: `up{${up}}`, legend: "{{instance}}" }],
          },
        ],
      },
      {
        title: "Traffic",
        panels: [
          {
            type: PanelType.TimeSeries,
            title: "Requests per second by status",
            unit: Unit.RequestsPerSecond,
            queries: [
              { expr: `sum by (status) (rate(mlflow_http_request_total[${RATE}]))`, legend: "{{status}}" },
            ],
          },
          {
            type: PanelType.TimeSeries,
            title: "Latency",
            unit: Unit.Seconds,
            queries: [0.5, 0.95, 0.99].map((q) => ({
              expr: `histogram_quantile(${q}, sum by (le) (rate(mlflow_http_request_duration_seconds_bucket[${RATE}])))`,
              legend: `p${Math.round(q * 100)}`,
            })),
          },
          {
            type: PanelType.TimeSeries,
            title: "Unhandled exceptions per second",
            unit: Unit.OpsPerSecond,
            queries: [
              { expr: `sum(rate(mlflow_http_request_exceptions_total[${RATE}]))`, legend: "exceptions" },
            ],
          },
        ],
      },
    ],
  );
}

/** The five dashboards of the toolkit with default parameters. */
export function defaultDashboards(): Dashboard[] {
  return [
    gpuFleetDashboard(),
    servingDashboard(),
    trainingQueuesDashboard(),
    featureStoreDashboard(),
    mlflowDashboard(),
  ];
}

// ---------------------------------------------------------------------------------------------
// ConfigMap for the Grafana sidecar
// ---------------------------------------------------------------------------------------------

/**
 * The label the sidecar selects dashboards by. kube-prometheus-stack 88.5.3 sets
 * `grafana.sidecar.dashboards.label: grafana_dashboard` and `labelValue: "1"`
 * (prometheus-community/helm-charts charts/kube-prometheus-stack/values.yaml lines 1539–1540 at
 * cf408a29), with `searchNamespace: ALL`, so a ConfigMap in any namespace is loaded.
 */
export const DEFAULT_SIDECAR_LABEL = { name: "grafana_dashboard", value: "1" } as const;

export interface SidecarLabel {
  name: string;
  value: string;
}

export interface DashboardConfigMap {
  apiVersion: "v1";
  kind: "ConfigMap";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  data: Record<string, string>;
}

/** A ConfigMap's data is capped at 1 MiB (https://kubernetes.io/docs/concepts/configuration/configmap/). */
const CONFIGMAP_LIMIT = 1024 * 1024;

/** The ConfigMap (key `<uid>.json`) the Grafana sidecar loads the dashboard from. */
export function dashboardConfigMap(
  d: Dashboard,
  namespace: string,
  sidecarLabel: SidecarLabel = DEFAULT_SIDECAR_LABEL,
): DashboardConfigMap {
  const json = JSON.stringify(d, null, 2);
  if (Buffer.byteLength(json, "utf8") > CONFIGMAP_LIMIT)
    throw new Error(`dashboard ${d.uid} is larger than a ConfigMap can hold (1 MiB)`);
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: `grafana-dashboard-${d.uid}`.toLowerCase(),
      namespace,
      labels: { [sidecarLabel.name]: sidecarLabel.value, "app.kubernetes.io/part-of": "pulumi-mlops" },
    },
    data: { [`${d.uid}.json`]: json },
  };
}

// ---------------------------------------------------------------------------------------------
// Metric catalogue and PromQL tokenizer
// ---------------------------------------------------------------------------------------------

/** Where a metric comes from. */
export interface MetricSource {
  exporter: string;
  /** Version and document the name was read from. */
  doc: string;
}

const DCGM: MetricSource = {
  exporter: "dcgm-exporter 4.5.3-4.8.2",
  doc: "https://github.com/NVIDIA/dcgm-exporter/blob/4.5.3-4.8.2/etc/default-counters.csv",
};
const KUEUE: MetricSource = {
  exporter: "Kueue v0.19.2",
  doc: "https://github.com/kubernetes-sigs/kueue/blob/v0.19.2/site/content/en/docs/reference/metrics.md",
};
const KSM: MetricSource = {
  exporter: "kube-state-metrics v2.20.0",
  doc: "https://github.com/kubernetes/kube-state-metrics/blob/v2.20.0/docs/metrics/workload/deployment-metrics.md",
};
const MLSERVER: MetricSource = {
  exporter: "MLServer (prometheus_client counters get _total)",
  doc: "https://github.com/SeldonIO/MLServer/blob/master/docs/user-guide/metrics.md",
};
const KSERVE: MetricSource = {
  exporter: "KServe Python model server",
  doc: "https://github.com/kserve/kserve/blob/master/python/kserve/kserve/metrics.py",
};
const FEAST: MetricSource = {
  exporter: "Feast feature server (--metrics)",
  doc: "https://github.com/feast-dev/feast/blob/0b621de5/sdk/python/feast/metrics.py",
};
const MLFLOW: MetricSource = {
  exporter: "MLflow 3.x --expose-prometheus (prometheus_flask_exporter, prefix mlflow)",
  doc: "https://github.com/mlflow/mlflow/blob/master/mlflow/server/prometheus_exporter.py",
};
const PUSHED: MetricSource = {
  exporter: "pulumi-mlops batch jobs via the Pushgateway",
  doc: "components/monitoring/rules.ts PUSHED_METRICS",
};

const HISTOGRAM_SUFFIXES = ["_bucket", "_count", "_sum"] as const;
function histogram(base: string, src: MetricSource): [string, MetricSource][] {
  return HISTOGRAM_SUFFIXES.map((s) => [`${base}${s}`, src]);
}

/**
 * Metric name → source, for every series a dashboard may query that is not recorded by a rule.
 * Histograms are listed with their `_bucket`, `_count` and `_sum` series.
 */
export const KNOWN_METRICS: Readonly<Record<string, MetricSource>> = Object.freeze(
  Object.fromEntries<MetricSource>([
    [
      "up",
      {
        exporter: "Prometheus (per scrape target)",
        doc: "https://prometheus.io/docs/concepts/jobs_instances/",
      },
    ],
    ...[
      "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
      "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
      "DCGM_FI_PROF_DRAM_ACTIVE",
      "DCGM_FI_DEV_GPU_UTIL",
      "DCGM_FI_DEV_FB_USED",
      "DCGM_FI_DEV_FB_FREE",
      "DCGM_FI_DEV_POWER_USAGE",
      "DCGM_FI_DEV_GPU_TEMP",
      "DCGM_FI_DEV_XID_ERRORS",
    ].map((m): [string, MetricSource] => [m, DCGM]),
    ...[
      "kueue_pending_workloads",
      "kueue_admitted_active_workloads",
      "kueue_admitted_workloads_total",
      "kueue_evicted_workloads_total",
    ].map((m): [string, MetricSource] => [m, KUEUE]),
    ...histogram("kueue_admission_wait_time_seconds", KUEUE),
    ["kube_deployment_status_replicas_available", KSM],
    ["kube_deployment_spec_replicas", KSM],
    ["model_infer_request_success_total", MLSERVER],
    ["model_infer_request_failure_total", MLSERVER],
    ...histogram("request_predict_seconds", KSERVE),
    ["feast_feature_freshness_seconds", FEAST],
    ["feast_feature_server_request_total", FEAST],
    ...histogram("feast_feature_server_request_latency_seconds", FEAST),
    ["mlflow_http_request_total", MLFLOW],
    ["mlflow_http_request_exceptions_total", MLFLOW],
    ...histogram("mlflow_http_request_duration_seconds", MLFLOW),
    ...Object.values(PUSHED_METRICS).map((m): [string, MetricSource] => [m, PUSHED]),
  ]),
);

/** PromQL aggregation operators (may be followed by `by`/`without` before their parenthesis). */
const AGGREGATIONS = new Set([
  "sum",
  "min",
  "max",
  "avg",
  "group",
  "stddev",
  "stdvar",
  "count",
  "count_values",
  "bottomk",
  "topk",
  "quantile",
  "limitk",
  "limit_ratio",
]);
/** Keywords followed by a parenthesised label list. */
const LABEL_LIST_KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
/** Other keywords and literals that are not metric names. */
const KEYWORDS = new Set(["and", "or", "unless", "atan2", "bool", "offset", "inf", "nan", "start", "end"]);

/** The error thrown on an expression the tokenizer cannot read (an unterminated string or brace). */
export class PromqlTokenError extends Error {}

/**
 * The metric names a PromQL expression selects, in order of first appearance, without duplicates.
 * Skips strings, label matchers (except `__name__="…"`, which names a metric), range and subquery
 * brackets, numbers and durations, function and aggregation names, keywords, the label lists of
 * `by`/`without`/`on`/`ignoring`/`group_left`/`group_right`, comments and Grafana variables
 * (`$name`, `${name}`, `[[name]]`).
 */
export function metricsReferenced(expr: string): string[] {
  const found: string[] = [];
  const add = (m: string) => {
    if (!found.includes(m)) found.push(m);
  };
  let i = 0;
  const n = expr.length;
  const skipSpace = () => {
    while (i < n && /\s/.test(expr[i] as string)) i++;
  };
  const readString = (): string => {
    const q = expr[i] as string;
    let j = i + 1;
    let s = "";
    while (j < n && expr[j] !== q) {
      if (expr[j] === "\\" && q !== "`") {
        s += expr[j + 1] ?? "";
        j += 2;
      } else s += expr[j++];
    }
    if (j >= n) throw new PromqlTokenError(`unterminated string at ${i} in: ${expr}`);
    i = j + 1;
    return s;
  };
  /** Skips a `{…}` matcher block; a `__name__="…"` matcher names a metric, which is added. */
  const skipBraces = (): void => {
    // at '{'
    i++;
    while (i < n && expr[i] !== "}") {
      skipSpace();
      const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(expr.slice(i));
      if (m) {
        const label = m[0];
        i += label.length;
        skipSpace();
        const op = /^(=~|!~|!=|=)/.exec(expr.slice(i));
        if (op) {
          i += op[0].length;
          skipSpace();
          if (expr[i] === '"' || expr[i] === "'" || expr[i] === "`") {
            const v = readString();
            if (label === "__name__" && op[0] === "=") add(v);
          }
        }
      } else if (expr[i] === '"' || expr[i] === "'" || expr[i] === "`") readString();
      else i++;
    }
    if (i >= n) throw new PromqlTokenError(`unterminated {…} in: ${expr}`);
    i++;
  };
  while (i < n) {
    const c = expr[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "#") {
      while (i < n && expr[i] !== "\n") i++;
    } else if (c === '"' || c === "'" || c === "`") {
      readString();
    } else if (c === "{") {
      skipBraces();
    } else if (c === "[") {
      // Range or subquery: durations and Grafana variables only ([[var]] included).
      let depth = 0;
      do {
        if (expr[i] === "[") depth++;
        else if (expr[i] === "]") depth--;
        i++;
      } while (i < n && depth > 0);
      if (depth > 0) throw new PromqlTokenError(`unterminated [...] in: ${expr}`);
    } else if (c === "$") {
      i++;
      if (expr[i] === "{") {
        while (i < n && expr[i] !== "}") i++;
        i++;
      } else {
        const m = /^[a-zA-Z0-9_]*/.exec(expr.slice(i));
        i += m ? m[0].length : 0;
      }
    } else if (/[0-9.]/.test(c)) {
      // Number, hex, scientific notation or duration (5m, 1h30m).
      const m = /^(?:0[xX][0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?[a-zA-Z0-9]*)/.exec(expr.slice(i));
      i += m && m[0].length > 0 ? m[0].length : 1;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i)) as RegExpExecArray;
      const word = m[0];
      i += word.length;
      const lower = word.toLowerCase();
      const save = i;
      skipSpace();
      const next = expr[i];
      if (LABEL_LIST_KEYWORDS.has(lower)) {
        if (next === "(") {
          while (i < n && expr[i] !== ")") i++;
          i++;
        }
      } else if (KEYWORDS.has(lower) || AGGREGATIONS.has(lower) || next === "(") {
        // keyword, aggregation or function call: not a metric
        i = save;
      } else {
        add(word);
        i = save;
      }
    } else {
      i++;
    }
  }
  return found;
}

/** Every PromQL expression of a dashboard: panel targets and `label_values(<selector>, …)` variable queries. */
export function dashboardExprs(d: Dashboard): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  const walk = (panels: readonly Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets)
        out.push({ where: `${d.uid} panel ${p.id} "${p.title}" ${t.refId}`, expr: t.expr });
      if (p.panels) walk(p.panels);
    }
  };
  walk(d.panels);
  for (const v of d.templating.list) {
    if (v.type !== VariableType.Query) continue;
    const q = typeof v.query === "string" ? v.query : v.query.query;
    const m = /^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)$/s.exec(q);
    if (m) out.push({ where: `${d.uid} variable ${v.name}`, expr: m[1] as string });
  }
  return out;
}

/**
 * Every metric a dashboard references that is neither in {@link KNOWN_METRICS} nor in
 * `recordedNames` (the `record` names of the rule groups), with where it was found.
 */
export function unknownMetrics(
  dashboards: readonly Dashboard[],
  recordedNames: readonly string[],
): { metric: string; where: string }[] {
  const recorded = new Set(recordedNames);
  const out: { metric: string; where: string }[] = [];
  for (const d of dashboards)
    for (const { where, expr } of dashboardExprs(d))
      for (const m of metricsReferenced(expr))
        if (!Object.hasOwn(KNOWN_METRICS, m) && !recorded.has(m)) out.push({ metric: m, where });
  return out;
}

/**
 * Grafana's built-in interval variables and the toolkit's template variables replaced by values
 * promtool can parse: intervals by durations, every other `$var`/`${var}` by `.*` (the variables
 * are only used inside `=~"…"` matchers, where "All" is `.*`).
 */
export function substituteVariables(expr: string): string {
  const builtins: Record<string, string> = {
    __rate_interval: "5m",
    __interval: "1m",
    __range: "1h",
  };
  return expr.replace(/\$\{([a-zA-Z0-9_]+)\}|\$([a-zA-Z0-9_]+)/g, (_, a?: string, b?: string) => {
    const name = (a ?? b) as string;
    return builtins[name] ?? ".*";
  });
}
