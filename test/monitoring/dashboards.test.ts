/**
 * The Grafana dashboards (components/monitoring/dashboards.ts): structure (unique uids and panel
 * ids, JSON round-trip, every panel queries through the `$datasource` variable), the sidecar
 * ConfigMap, the metric check (every referenced metric is exported by a known component or recorded
 * by rules.ts, and a made-up metric is reported), the PromQL tokenizer on tricky expressions, and
 * every expression syntax-checked by the real `promtool check rules` (Debian's `prometheus`
 * package, promtool 2.42.0; the tests fail, not skip, when it is missing).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  DEFAULT_SIDECAR_LABEL,
  KNOWN_METRICS,
  PanelType,
  SCHEMA_VERSION,
  Unit,
  VariableType,
  dashboard,
  dashboardConfigMap,
  dashboardExprs,
  defaultDashboards,
  metricsReferenced,
  servingDashboard,
  substituteVariables,
  unknownMetrics,
  type Dashboard,
  type Panel,
} from "../../components/monitoring/dashboards";
import {
  PUSHED_METRICS,
  SLO_RECORDS,
  defaultRuleGroups,
  gpuIdleRules,
} from "../../components/monitoring/rules";

const DASHBOARDS = defaultDashboards();
const RECORDED = defaultRuleGroups().flatMap((g) => g.recordingRules.map((r) => r.record));

function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "dashboards-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function promtool(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync("promtool", args, { cwd: dir, encoding: "utf8", timeout: 120_000 });
  if (r.error)
    throw new Error(`promtool could not run (install Debian's prometheus package): ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Writes the expressions as recording rules `dashboard:check:<n>` and runs `promtool check rules`. */
function checkExprs(name: string, exprs: readonly string[]): { status: number | null; out: string } {
  const file = join(dir, `${name}.yml`);
  const rules = exprs.map((e, n) => ({ record: `dashboard:check:${n}`, expr: substituteVariables(e) }));
  writeFileSync(file, stringify({ groups: [{ name: "dashboard-check", rules }] }, { lineWidth: 0 }));
  return promtool("check", "rules", file);
}

describe("dashboard structure", () => {
  it("has the five dashboards with unique uids", () => {
    expect(DASHBOARDS.map((d) => d.uid)).toEqual([
      "mlops-gpu-fleet",
      "mlops-serving",
      "mlops-training-queues",
      "mlops-feature-store",
      "mlops-mlflow",
    ]);
    expect(new Set(DASHBOARDS.map((d) => d.uid)).size).toBe(DASHBOARDS.length);
  });

  it.each(DASHBOARDS.map((d) => [d.uid, d] as const))("%s: valid structure", (_uid, d) => {
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    expect(d.schemaVersion).toBe(SCHEMA_VERSION);
    expect(d.title).not.toBe("");
    const ds = d.templating.list.find((v) => v.name === "datasource");
    expect(ds).toMatchObject({ type: "datasource", query: "prometheus" });
    const panels = allPanels(d);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const queryPanels = panels.filter((p) => p.type !== PanelType.Row);
    expect(queryPanels.length).toBeGreaterThan(2);
    for (const p of queryPanels) {
      expect(p.targets.length, p.title).toBeGreaterThanOrEqual(1);
      expect(p.datasource).toEqual({ type: "prometheus", uid: "${datasource}" });
      for (const t of p.targets) {
        expect(t.datasource).toEqual({ type: "prometheus", uid: "${datasource}" });
        expect(t.expr.trim()).not.toBe("");
      }
      expect(new Set(p.targets.map((t) => t.refId)).size).toBe(p.targets.length);
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
    // Every variable used in an expression is defined.
    const defined = new Set(d.templating.list.map((v) => v.name));
    for (const { where, expr } of dashboardExprs(d))
      for (const m of expr.matchAll(/\$\{?([a-zA-Z0-9_]+)/g))
        if (!(m[1] as string).startsWith("__"))
          expect(defined.has(m[1] as string), `${where}: $${m[1]}`).toBe(true);
  });

  it("panels do not overlap", () => {
    for (const d of DASHBOARDS) {
      const ps = d.panels;
      for (let a = 0; a < ps.length; a++)
        for (let b = a + 1; b < ps.length; b++) {
          const p = (ps[a] as Panel).gridPos;
          const q = (ps[b] as Panel).gridPos;
          const overlap = p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h;
          expect(overlap, `${d.uid} panels ${a}/${b}`).toBe(false);
        }
    }
  });

  it("the serving dashboard reads the SLO series rules.ts records", () => {
    const exprs = dashboardExprs(servingDashboard())
      .map((e) => e.expr)
      .join("\n");
    expect(exprs).toContain(`${SLO_RECORDS.errorRatio}_rate5m{slo="serving-errors"`);
    expect(exprs).toContain(`${SLO_RECORDS.latencyRatio}_rate1h{slo="serving-latency"`);
    expect(exprs).toContain("kube_deployment_status_replicas_available");
  });

  it("serving parameters: custom SLO names reach the queries, bad ones are rejected", () => {
    const exprs = dashboardExprs(servingDashboard({ errorSlo: "kserve-errors", deploymentRegex: "fraud-.*" }))
      .map((e) => e.expr)
      .join("\n");
    expect(exprs).toContain(`slo="kserve-errors"`);
    expect(exprs).toContain(`deployment=~"fraud-.*"`);
    expect(() => servingDashboard({ errorSlo: "Bad Name", deploymentRegex: 'x"} or vector(1) #' })).toThrow(
      /errorSlo: "Bad Name"[\s\S]*deploymentRegex/,
    );
  });

  it("the GPU idle stat counts exactly the GpuAllocatedButIdle alert condition", () => {
    const rule = gpuIdleRules().alertingRules[0];
    const stat = allPanels(DASHBOARDS[0] as Dashboard).find((p) => p.title.startsWith("Allocated but idle"));
    expect(stat?.targets[0]?.expr).toBe(`count(${rule?.expr ?? "missing"}) or vector(0)`);
  });

  it("rejects a bad uid", () => {
    expect(() => dashboard("has space", "t", "d", [], [])).toThrow(/uid/);
  });
});

describe("sidecar ConfigMap", () => {
  it("carries the dashboard JSON under <uid>.json with the kube-prometheus-stack sidecar label", () => {
    const d = DASHBOARDS[0] as Dashboard;
    const cm = dashboardConfigMap(d, "monitoring");
    expect(cm.apiVersion).toBe("v1");
    expect(cm.kind).toBe("ConfigMap");
    expect(cm.metadata.namespace).toBe("monitoring");
    expect(cm.metadata.name).toBe("grafana-dashboard-mlops-gpu-fleet");
    expect(cm.metadata.labels.grafana_dashboard).toBe("1");
    expect(DEFAULT_SIDECAR_LABEL).toEqual({ name: "grafana_dashboard", value: "1" });
    expect(JSON.parse(cm.data["mlops-gpu-fleet.json"] as string)).toEqual(d);
  });
  it("uses a custom sidecar label", () => {
    const cm = dashboardConfigMap(DASHBOARDS[1] as Dashboard, "obs", { name: "dash", value: "yes" });
    expect(cm.metadata.labels.dash).toBe("yes");
    expect(cm.metadata.labels.grafana_dashboard).toBeUndefined();
  });
  it("every ConfigMap name is a valid DNS subdomain", () => {
    for (const d of DASHBOARDS)
      expect(dashboardConfigMap(d, "m").metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});

describe("metric check", () => {
  it("every referenced metric is exported by a component or recorded by a rule", () => {
    expect(unknownMetrics(DASHBOARDS, RECORDED)).toEqual([]);
  });
  it("the check actually looks at panels: recorded SLO series and pushed gauges are referenced", () => {
    const referenced = new Set(
      DASHBOARDS.flatMap((d) => dashboardExprs(d).flatMap((e) => metricsReferenced(e.expr))),
    );
    expect(referenced.has(`${SLO_RECORDS.errorRatio}_rate5m`)).toBe(true);
    expect(referenced.has(PUSHED_METRICS.materializationLastSuccess)).toBe(true);
    expect(referenced.has("DCGM_FI_PROF_GR_ENGINE_ACTIVE")).toBe(true);
    expect(referenced.has("kueue_admission_wait_time_seconds_bucket")).toBe(true);
    // Without the recorded names the SLO panels are reported.
    expect(unknownMetrics(DASHBOARDS, []).map((u) => u.metric)).toContain(`${SLO_RECORDS.errorRatio}_rate1h`);
  });
  it("reports a panel with a made-up metric, and a made-up metric in a variable query", () => {
    const bad = dashboard(
      "bad",
      "bad",
      "d",
      [
        {
          name: "x",
          label: "x",
          type: VariableType.Query,
          query: { query: "label_values(nonexistent_variable_metric, x)", refId: "A" },
          current: {},
          hide: 0,
        },
      ],
      [
        {
          title: "r",
          panels: [
            {
              type: PanelType.TimeSeries,
              title: "p",
              unit: Unit.Short,
              queries: [
                {
                  expr: `sum by (le) (rate(made_up_metric_total{job="x"}[5m])) / on() group_left up`,
                  legend: "",
                },
              ],
            },
          ],
        },
      ],
    );
    expect(unknownMetrics([bad], RECORDED)).toEqual([
      { metric: "made_up_metric_total", where: 'bad panel 2 "p" A' },
      { metric: "nonexistent_variable_metric", where: "bad variable x" },
    ]);
  });
  it("every catalogue entry names a source", () => {
    for (const [m, s] of Object.entries(KNOWN_METRICS)) {
      expect(m).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
      expect(s.exporter, m).not.toBe("");
      expect(s.doc, m).not.toBe("");
    }
  });
});

describe("metricsReferenced", () => {
  it.each([
    [
      `histogram_quantile(0.99, sum by (namespace, le) (rate(request_predict_seconds_bucket{le=~"1|1[.]0", namespace=~"$namespace"}[$__rate_interval])))`,
      ["request_predict_seconds_bucket"],
    ],
    [`sum without (instance, pod) (foo_total offset 1h) / ignoring(code) bar`, ["foo_total", "bar"]],
    [
      `sum by (namespace) (a_total) * on (namespace) group_left (team, owner) kube_namespace_labels{label_team!=""}`,
      ["a_total", "kube_namespace_labels"],
    ],
    [`rate(x{job=~"a|b", path!~"/by/(on)"}[5m:30s] offset -10m) > bool 0.5e-3`, ["x"]],
    [`{__name__="via_name_matcher", job="j"} or absent(up{job="m"})`, ["via_name_matcher", "up"]],
    [`label_replace(cpu_seconds, "dst", "$1", "src", "(sum|rate).*")`, ["cpu_seconds"]],
    [`count_values("version", build_info) and topk(3, y) unless z @ start()`, ["build_info", "y", "z"]],
    [`0x1F + 1h30m + Inf - NaN + vector(1) + time()`, []],
    [
      `avg_over_time(m:recorded:ratio_rate5m{slo='a\\'b'}[1d]) # trailing comment metric_in_comment`,
      ["m:recorded:ratio_rate5m"],
    ],
    [`sum(a) by (le) + min(b) without (x) + avg(a)`, ["a", "b"]],
  ])("%s", (expr, expected) => {
    expect(metricsReferenced(expr)).toEqual(expected);
  });
  it("throws on an unterminated string or brace", () => {
    expect(() => metricsReferenced(`foo{a="b}`)).toThrow(/unterminated/);
    expect(() => metricsReferenced(`foo{a="b"`)).toThrow(/unterminated/);
  });
});

describe("promtool check rules on every expression", () => {
  it("substitutes Grafana variables", () => {
    expect(substituteVariables(`rate(x{a=~"$namespace",b=~"\${model}"}[$__rate_interval])`)).toBe(
      `rate(x{a=~".*",b=~".*"}[5m])`,
    );
  });
  it("accepts every panel and variable expression of the five dashboards", () => {
    const exprs = DASHBOARDS.flatMap((d) => dashboardExprs(d).map((e) => e.expr));
    expect(exprs.length).toBeGreaterThan(40);
    const r = checkExprs("all", exprs);
    expect(r.out).toContain(`SUCCESS: ${exprs.length} rules found`);
    expect(r.status).toBe(0);
  });
  it("rejects a broken expression (the check can fail)", () => {
    const r = checkExprs("broken", [`sum by (le (rate(foo_bucket[5m]))`]);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/parse error|unexpected/i);
  });
});
