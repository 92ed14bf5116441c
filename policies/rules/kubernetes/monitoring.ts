/**
 * Monitoring stack rules (issue 9): Grafana without anonymous access or a default admin password,
 * Prometheus and Alertmanager not reachable from outside the cluster without authentication,
 * every ServiceMonitor/PodMonitor/Probe/ScrapeConfig/PrometheusRule selected by the stack's
 * Prometheus, and Alertmanager receivers without inline credentials.
 *
 * Helm values are read as the charts' templates read them (kube-prometheus-stack 88.5.3 at
 * prometheus-community/helm-charts cf408a29, its grafana subchart from grafana-community/helm-charts,
 * and the prometheus and alertmanager charts); see docs/design/monitoring-research.md.
 */
import * as k8s from "@pulumi/kubernetes";
import type { PolicyResource, ResourceValidation } from "@pulumi/policy";
import { parse as parseYaml } from "yaml";
import {
  ALWAYS_MANDATORY,
  MANDATORY_OUTSIDE_DEV,
  classPulumiType,
  endNotApplicable,
  onlyForTypes,
  resourceRule,
  stackRule,
  type ResourceRule,
  type StackRule,
} from "../types";
import { compareVersions, dig, isMasked, num, rec, recs, str, stringMap } from "../util";
import { alertmanagerConfigCrFindings, nativeAlertmanagerConfigFindings } from "./alertmanager-secrets";
import { ingressBackends } from "./ingress";
import { isPinnedVersion } from "./cluster";
import { goTruthy, HELM_TYPES, helmFlag, helmInstallOf, type HelmInstall } from "./helm";
import {
  describeSelector,
  matchSelector,
  parseLabelSelector,
  type LabelSelector,
  type Match,
} from "./label-selector";

const KPS = "kube-prometheus-stack";
const SERVICE = classPulumiType(k8s.core.v1.Service);
const INGRESS = classPulumiType(k8s.networking.v1.Ingress);
const NAMESPACE = classPulumiType(k8s.core.v1.Namespace);

/** The Helm install behind a resource validation, or undefined. */
function installOf(args: { type: string; props: unknown; name: string }): HelmInstall | undefined {
  return helmInstallOf(args.type, args.props, args.name);
}

// ---------- Grafana ----------

/**
 * Admin passwords that are defaults or documented examples: Grafana's own `admin`, the
 * kube-prometheus-stack default before 79.0.0 (`prom-operator`), the grafana chart's commented
 * example (`strongpassword`) and the usual guesses. Compared case-insensitively.
 */
const KNOWN_GRAFANA_PASSWORDS: readonly string[] = [
  "admin",
  "prom-operator",
  "password",
  "grafana",
  "strongpassword",
  "changeme",
];

/**
 * kube-prometheus-stack set `grafana.adminPassword: prom-operator` until 79.0.0 (commit c215211a0,
 * "Fix insecure default password in grafana", #5679); since then the grafana chart generates a
 * random 40-character password when neither `adminPassword` nor `admin.existingSecret` is set.
 */
const KPS_RANDOM_GRAFANA_PASSWORD_SINCE = "79.0.0";

/** go-ini's true values (Grafana parses `grafana.ini` and `GF_*` booleans with it). */
const INI_TRUE = new Set(["1", "t", "true", "y", "yes", "on"]);

function iniTrue(v: unknown): boolean {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  return typeof v === "string" && INI_TRUE.has(v.trim().toLowerCase());
}

function knownPassword(v: unknown): boolean {
  const s = str(v);
  return s !== undefined && KNOWN_GRAFANA_PASSWORDS.includes(s.trim().toLowerCase());
}

/** The Grafana values of a chart install with their path prefix, or undefined when it has no Grafana. */
function grafanaValues(h: HelmInstall): { at: string; values: Record<string, unknown> } | undefined {
  if (h.chart === KPS) {
    const g = rec(h.values.grafana) ?? {};
    return helmFlag(g.enabled, true) ? { at: "grafana.", values: g } : undefined;
  }
  if (h.chart === "grafana") return { at: "", values: h.values };
  return undefined;
}

/** Anonymous access and default admin passwords in Grafana chart values. */
export function grafanaFindings(h: HelmInstall): string[] {
  const grafana = grafanaValues(h);
  if (!grafana) return [];
  const { at, values: g } = grafana;
  const out: string[] = [];
  const anonymous = rec(rec(g["grafana.ini"])?.["auth.anonymous"])?.enabled;
  const env = rec(g.env) ?? {};
  if (iniTrue(anonymous))
    out.push(
      `${at}grafana.ini["auth.anonymous"].enabled is ${JSON.stringify(anonymous)}: anyone who reaches Grafana reads its dashboards and queries its datasources without logging in.`,
    );
  if (iniTrue(env.GF_AUTH_ANONYMOUS_ENABLED))
    out.push(
      `${at}env.GF_AUTH_ANONYMOUS_ENABLED is ${JSON.stringify(env.GF_AUTH_ANONYMOUS_ENABLED)}: anonymous access is on.`,
    );
  // The password Grafana starts with, in the chart's order (grafana.secretsData and the pod's env):
  // no initial admin at all; an env password (file or literal); admin.existingSecret; adminPassword;
  // else a random one.
  if (
    goTruthy(env.GF_SECURITY_DISABLE_INITIAL_ADMIN_CREATION) ||
    goTruthy(env.GF_SECURITY_ADMIN_PASSWORD__FILE)
  )
    return out;
  if (goTruthy(env.GF_SECURITY_ADMIN_PASSWORD)) {
    if (knownPassword(env.GF_SECURITY_ADMIN_PASSWORD))
      out.push(`${at}env.GF_SECURITY_ADMIN_PASSWORD is a default/well-known password.`);
    return out;
  }
  if (goTruthy(dig(g, "admin", "existingSecret"))) return out;
  if (knownPassword(g.adminPassword)) {
    out.push(`${at}adminPassword is a default/well-known password ('${str(g.adminPassword) ?? ""}').`);
  } else if (
    g.adminPassword === undefined &&
    h.chart === KPS &&
    isPinnedVersion(h.version) &&
    compareVersions((h.version ?? "").replace(/^v/, ""), KPS_RANDOM_GRAFANA_PASSWORD_SINCE) < 0
  ) {
    out.push(
      `kube-prometheus-stack ${h.version ?? ""} defaults grafana.adminPassword to 'prom-operator' (random only since ${KPS_RANDOM_GRAFANA_PASSWORD_SINCE}).`,
    );
  }
  return out;
}

const NOT_GRAFANA = "not a kube-prometheus-stack or grafana chart with Grafana enabled";

// Only Helm types have an install (helmInstallOf): the guard gives the rule's own reason for the others.
const validateGrafana: ResourceValidation = onlyForTypes(HELM_TYPES, NOT_GRAFANA, (args, report) => {
  const h = installOf(args);
  if (!h || grafanaValues(h) === undefined) return endNotApplicable(args, NOT_GRAFANA);
  for (const f of grafanaFindings(h)) report(f);
});

/** Grafana: no anonymous access, no default admin password. */
export const grafanaAnonymousOrDefaultPassword: ResourceRule = resourceRule(
  {
    name: "k8s-grafana-anonymous-or-default-password",
    area: "kubernetes",
    description:
      'Grafana (the grafana chart, or kube-prometheus-stack\'s grafana.*) has anonymous access off (grafana.ini "auth.anonymous".enabled, GF_AUTH_ANONYMOUS_ENABLED) and no default or well-known admin password (admin, prom-operator, ...; kube-prometheus-stack before 79.0.0 defaults to prom-operator).',
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    remediation:
      'Set grafana.ini: {"auth.anonymous": {enabled: false}} and admin.existingSecret to a Secret with a generated password (or leave adminPassword unset: the chart generates a random one).',
    reference:
      "Grafana docs, Anonymous authentication ([auth.anonymous]); grafana chart grafana.secretsData; kube-prometheus-stack #5679 (79.0.0)",
    resourceTypes: HELM_TYPES,
  },
  validateGrafana,
);

// ---------- Prometheus / Alertmanager exposure ----------

/** Ingress annotations that put authentication in front of the backend. */
export function ingressAuthentication(annotations: Readonly<Record<string, string>>): string | undefined {
  const nginx = "nginx.ingress.kubernetes.io/";
  if ((annotations[`${nginx}auth-url`] ?? "") !== "") return "ingress-nginx external auth (auth-url)";
  const nginxType = annotations[`${nginx}auth-type`];
  if ((nginxType === "basic" || nginxType === "digest") && (annotations[`${nginx}auth-secret`] ?? "") !== "")
    return `ingress-nginx ${nginxType} auth`;
  const albType = annotations["alb.ingress.kubernetes.io/auth-type"];
  if (albType === "cognito" || albType === "oidc") return `ALB ${albType} authentication`;
  return undefined;
}

const AUTH_HINT =
  "nginx.ingress.kubernetes.io/auth-url, nginx.ingress.kubernetes.io/auth-type basic|digest with auth-secret, or alb.ingress.kubernetes.io/auth-type cognito|oidc";

/** A chart component serving Prometheus's or Alertmanager's unauthenticated HTTP API. */
interface ApiComponent {
  /** Values path prefix for messages, e.g. `prometheus.`. */
  at: string;
  what: "Prometheus" | "Alertmanager";
  values: Record<string, unknown>;
  /** kube-prometheus-stack's Prometheus also exposes the Thanos sidecar's StoreAPI. */
  thanos: boolean;
}

function apiComponents(h: HelmInstall): ApiComponent[] {
  const sub = (key: string): Record<string, unknown> | undefined => {
    const v = rec(h.values[key]) ?? {};
    return helmFlag(v.enabled, true) ? v : undefined;
  };
  const out: ApiComponent[] = [];
  const add = (
    at: string,
    what: ApiComponent["what"],
    values: Record<string, unknown> | undefined,
    thanos = false,
  ) => {
    if (values) out.push({ at, what, values, thanos });
  };
  if (h.chart === KPS) {
    add("prometheus.", "Prometheus", sub("prometheus"), true);
    add("alertmanager.", "Alertmanager", sub("alertmanager"));
  } else if (h.chart === "prometheus") {
    add("server.", "Prometheus", rec(h.values.server) ?? {});
    add("alertmanager.", "Alertmanager", sub("alertmanager"));
  } else if (h.chart === "alertmanager") {
    add("", "Alertmanager", h.values);
  }
  return out;
}

const EXTERNAL_SERVICE_TYPES = new Set(["LoadBalancer", "NodePort"]);

function serviceExposure(svc: Record<string, unknown> | undefined, at: string, what: string): string[] {
  if (!svc || !helmFlag(svc.enabled, true)) return [];
  const out: string[] = [];
  const type = str(svc.type);
  if (type !== undefined && EXTERNAL_SERVICE_TYPES.has(type))
    out.push(`${at}.type is ${type}: ${what}'s unauthenticated API is reachable from outside the cluster.`);
  if (goTruthy(svc.externalIPs))
    out.push(`${at}.externalIPs is set: ${what}'s unauthenticated API is reachable on external IPs.`);
  return out;
}

function ingressExposure(ingress: Record<string, unknown> | undefined, at: string, what: string): string[] {
  if (!ingress || !goTruthy(ingress.enabled)) return [];
  if (ingressAuthentication(stringMap(ingress.annotations))) return [];
  return [`${at} is enabled without authentication in front of ${what} (annotations: ${AUTH_HINT}).`];
}

/** Exposure findings for one chart component. */
function componentExposure(c: ApiComponent): string[] {
  const v = c.values;
  const out = [
    ...serviceExposure(rec(v.service), `${c.at}service`, c.what),
    ...ingressExposure(rec(v.ingress), `${c.at}ingress`, c.what),
    ...ingressExposure(rec(v.ingressPerReplica), `${c.at}ingressPerReplica`, c.what),
  ];
  const perReplica = rec(v.servicePerReplica);
  if (perReplica && goTruthy(perReplica.enabled))
    out.push(...serviceExposure({ ...perReplica, enabled: true }, `${c.at}servicePerReplica`, c.what));
  for (const key of ["route", "routePerReplica"]) {
    for (const [name, route] of Object.entries(rec(v[key]) ?? {})) {
      if (goTruthy(rec(route)?.enabled))
        out.push(
          `${c.at}${key}.${name} is enabled: a Gateway API route to ${c.what} carries no authentication this rule can verify; route to an authenticating proxy (e.g. oauth2-proxy) instead, or exempt the release with the reason.`,
        );
    }
  }
  if (c.thanos) {
    const external = rec(v.thanosServiceExternal);
    if (external && goTruthy(external.enabled))
      out.push(
        `${c.at}thanosServiceExternal is enabled: the Thanos sidecar's StoreAPI (every series, no authentication) is exposed through a ${str(external.type) ?? "LoadBalancer"} Service.`,
      );
    const thanos = rec(v.thanosService);
    if (thanos && goTruthy(thanos.enabled))
      out.push(
        ...serviceExposure({ ...thanos, enabled: true }, `${c.at}thanosService`, "the Thanos sidecar"),
      );
    out.push(...ingressExposure(rec(v.thanosIngress), `${c.at}thanosIngress`, "the Thanos sidecar"));
  }
  return out;
}

/** The Prometheus/Alertmanager API a Service's selector or ports point at, or undefined. */
export function monitoringApiOfService(
  spec: Record<string, unknown>,
): "Prometheus" | "Alertmanager" | undefined {
  const selector = stringMap(spec.selector);
  for (const key of ["app.kubernetes.io/name", "app"]) {
    if (selector[key] === "prometheus") return "Prometheus";
    if (selector[key] === "alertmanager") return "Alertmanager";
  }
  // prometheus-operator labels its pods `prometheus: <name>` / `alertmanager: <name>`.
  if ("prometheus" in selector) return "Prometheus";
  if ("alertmanager" in selector) return "Alertmanager";
  for (const p of recs(spec.ports)) {
    for (const port of [num(p.port), num(p.targetPort)]) {
      if (port === 9090) return "Prometheus";
      if (port === 9093) return "Alertmanager";
    }
  }
  return undefined;
}

/**
 * Service names of Prometheus and Alertmanager as the charts and the operator name them:
 * `<fullname>-prometheus`, `<fullname>-alertmanager`, per-replica `-<n>`, the operator's governing
 * `prometheus-operated` / `alertmanager-operated`, the prometheus chart's `<release>-prometheus-server`.
 */
const API_SERVICE_NAME = /(^|-)(prometheus|alertmanager)(-server|-operated)?(-\d+)?$/;

const NOT_EXPOSURE_TYPE = "not a Helm chart, Service or Ingress";

const validateExposure: ResourceValidation = onlyForTypes(
  [...HELM_TYPES, SERVICE, INGRESS],
  NOT_EXPOSURE_TYPE,
  (args, report) => {
    const h = installOf(args);
    if (h) {
      const components = apiComponents(h);
      if (components.length === 0) return endNotApplicable(args, "not a Prometheus or Alertmanager chart");
      for (const c of components) for (const f of componentExposure(c)) report(f);
      return;
    }
    const props = rec(args.props) ?? {};
    const spec = rec(props.spec) ?? {};
    if (args.type === SERVICE) {
      const what = monitoringApiOfService(spec);
      if (!what) return endNotApplicable(args, "the Service does not select Prometheus or Alertmanager");
      for (const f of serviceExposure({ ...spec, enabled: true }, "spec", what)) report(f);
      return;
    }
    if (args.type === INGRESS) {
      const backends = ingressBackends(spec).filter(
        (b) => API_SERVICE_NAME.test(b.name) || b.port === 9090 || b.port === 9093,
      );
      if (backends.length === 0)
        return endNotApplicable(args, "the Ingress routes to no Prometheus or Alertmanager");
      if (ingressAuthentication(stringMap(dig(props, "metadata", "annotations")))) return;
      report(
        `The Ingress routes to ${backends.map((b) => `'${b.name}'`).join(", ")} (Prometheus/Alertmanager, no authentication of their own) without authentication annotations (${AUTH_HINT}).`,
      );
      return;
    }
    endNotApplicable(args, NOT_EXPOSURE_TYPE);
  },
);

/** Prometheus and Alertmanager are not reachable from outside the cluster without authentication. */
export const prometheusAlertmanagerExposedWithoutAuth: ResourceRule = resourceRule(
  {
    name: "k8s-prometheus-alertmanager-exposed-without-auth",
    area: "kubernetes",
    description:
      "Prometheus and Alertmanager (no authentication of their own) are not exposed outside the cluster: no LoadBalancer/NodePort Service or external IPs (internal load balancers included), no Ingress without authentication annotations, no Gateway API route, in kube-prometheus-stack/prometheus/alertmanager chart values and in standalone Services and Ingresses.",
    severity: "high",
    enforcement: ALWAYS_MANDATORY,
    remediation:
      "Keep the Services ClusterIP and use kubectl port-forward, or expose them through an Ingress with authentication (oauth2-proxy via nginx auth-url, nginx basic auth, ALB cognito/oidc).",
    reference:
      "Prometheus docs, Security model (no built-in authentication); kube-prometheus-stack values prometheus/alertmanager service, ingress, route",
    resourceTypes: [...HELM_TYPES, SERVICE, INGRESS],
  },
  validateExposure,
);

// ---------- Monitors selected by the Prometheus ----------

/** The Prometheus selector families (CR field stem and the kube-prometheus-stack values stem). */
type Family = "serviceMonitor" | "podMonitor" | "probe" | "scrapeConfig" | "rule";

const MONITOR_TYPES: Readonly<Record<string, { kind: string; family: Family }>> = {
  "kubernetes:monitoring.coreos.com/v1:ServiceMonitor": { kind: "ServiceMonitor", family: "serviceMonitor" },
  "kubernetes:monitoring.coreos.com/v1:PodMonitor": { kind: "PodMonitor", family: "podMonitor" },
  "kubernetes:monitoring.coreos.com/v1:Probe": { kind: "Probe", family: "probe" },
  "kubernetes:monitoring.coreos.com/v1alpha1:ScrapeConfig": { kind: "ScrapeConfig", family: "scrapeConfig" },
  "kubernetes:monitoring.coreos.com/v1:PrometheusRule": { kind: "PrometheusRule", family: "rule" },
};
const PROMETHEUS_CR = "kubernetes:monitoring.coreos.com/v1:Prometheus";
const PROMETHEUS_AGENT_CR = "kubernetes:monitoring.coreos.com/v1alpha1:PrometheusAgent";
const FAMILIES: readonly Family[] = ["serviceMonitor", "podMonitor", "probe", "scrapeConfig", "rule"];

/** How one Prometheus selects one family: null objects selector = none; null namespace selector = own namespace. */
interface FamilySelection {
  objects: LabelSelector | null;
  namespaces: LabelSelector | null;
}

/** A Prometheus in the plan and its selectors. */
interface PrometheusSelection {
  label: string;
  namespace: string;
  families: Partial<Record<Family, FamilySelection>>;
}

const selectorKey = (f: Family): string => `${f}Selector`;
const namespaceSelectorKey = (f: Family): string => `${f}NamespaceSelector`;

/**
 * kube-prometheus-stack's Prometheus (templates/prometheus/prometheus.yaml): a non-empty
 * `<family>Selector` is used as is; else with `<family>SelectorNilUsesHelmValues` (default true)
 * only objects labelled `release: <release name>`; else `{}` (all) — for rules and scrape configs
 * only if the selector is not null (a null one is omitted: the operator selects none). Namespace
 * selectors are `{}` (all namespaces) unless set. In agent mode there is no rule selector.
 */
function kpsPrometheus(h: HelmInstall, resourceName: string): PrometheusSelection | undefined {
  const prometheus = rec(h.values.prometheus) ?? {};
  if (!helmFlag(prometheus.enabled, true)) return undefined;
  const spec = rec(prometheus.prometheusSpec) ?? {};
  const families: PrometheusSelection["families"] = {};
  for (const f of FAMILIES) {
    if (f === "rule" && goTruthy(prometheus.agentMode)) continue;
    const given = spec[selectorKey(f)];
    let objects: LabelSelector | null;
    if (goTruthy(given)) objects = parseLabelSelector(given);
    else if (helmFlag(spec[`${selectorKey(f)}NilUsesHelmValues`], true))
      objects =
        h.releaseName !== undefined
          ? { requirements: [{ key: "release", operator: "In", values: [h.releaseName] }] }
          : // An auto-named release: only that the label must exist is known.
            { requirements: [{ key: "release", operator: "Exists", values: [] }] };
    else if ((f === "rule" || f === "scrapeConfig") && given === null) objects = null;
    else objects = { requirements: [] };
    const ns = spec[namespaceSelectorKey(f)];
    families[f] = { objects, namespaces: goTruthy(ns) ? parseLabelSelector(ns) : { requirements: [] } };
  }
  return {
    label: `kube-prometheus-stack ${h.kind} '${h.releaseName ?? resourceName}'`,
    namespace: str(h.values.namespaceOverride) ?? h.namespace ?? "default",
    families,
  };
}

/** A Prometheus (or PrometheusAgent) custom resource: absent selectors select nothing / only its namespace. */
function crPrometheus(r: PolicyResource): PrometheusSelection {
  const props = rec(r.props) ?? {};
  const spec = rec(props.spec) ?? {};
  const namespace = str(dig(props, "metadata", "namespace")) ?? "default";
  const families: PrometheusSelection["families"] = {};
  for (const f of FAMILIES) {
    if (f === "rule" && r.type === PROMETHEUS_AGENT_CR) continue;
    const objects = spec[selectorKey(f)];
    const namespaces = spec[namespaceSelectorKey(f)];
    families[f] = {
      objects: rec(objects) ? parseLabelSelector(objects) : null,
      namespaces: rec(namespaces) ? parseLabelSelector(namespaces) : null,
    };
  }
  const kind = r.type === PROMETHEUS_AGENT_CR ? "PrometheusAgent" : "Prometheus";
  return { label: `${kind} '${str(dig(props, "metadata", "name")) ?? r.name}'`, namespace, families };
}

/** Set on every namespace by the API server (Kubernetes ≥ 1.21). */
const NAME_LABEL = "kubernetes.io/metadata.name";

/** Labels of the namespaces the plan declares (with the API server's `kubernetes.io/metadata.name`). */
function namespaceLabels(resources: readonly PolicyResource[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const ns of resources.filter((r) => r.type === NAMESPACE)) {
    const name = str(dig(ns.props, "metadata", "name"));
    if (name === undefined) continue;
    out.set(name, { ...stringMap(dig(ns.props, "metadata", "labels")), [NAME_LABEL]: name });
  }
  return out;
}

function and(a: Match, b: Match): Match {
  if (a === false || b === false) return false;
  return a === "unknown" || b === "unknown" ? "unknown" : true;
}

/** Whether `p` selects the monitor, and why not. */
function selects(
  p: PrometheusSelection,
  family: Family,
  kind: string,
  labels: Record<string, string>,
  namespace: string,
  nsLabels: Record<string, string> | undefined,
): { match: Match; reason: string } {
  const sel = p.families[family];
  if (!sel) return { match: false, reason: `${p.label}: evaluates no ${kind}s` };
  if (sel.objects === null)
    return { match: false, reason: `${p.label}: no ${selectorKey(family)} (selects none)` };
  const byLabels = matchSelector(sel.objects, labels, true);
  let byNamespace: Match;
  if (sel.namespaces === null) byNamespace = namespace === p.namespace;
  else if (nsLabels) byNamespace = matchSelector(sel.namespaces, nsLabels, true);
  else byNamespace = matchSelector(sel.namespaces, { [NAME_LABEL]: namespace }, false, [NAME_LABEL]);
  const reasons: string[] = [];
  if (byLabels === false)
    reasons.push(
      `its ${selectorKey(family)} is ${describeSelector(sel.objects)} and the ${kind}'s labels are ${describeLabels(labels)}`,
    );
  if (byNamespace === false)
    reasons.push(
      sel.namespaces === null
        ? `it only watches its own namespace '${p.namespace}'`
        : `its ${namespaceSelectorKey(family)} is ${describeSelector(sel.namespaces)} and namespace '${namespace}' has labels ${describeLabels(nsLabels ?? {})}`,
    );
  return { match: and(byLabels, byNamespace), reason: `${p.label}: ${reasons.join("; ")}` };
}

function describeLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? "{}" : `{${entries.map(([k, v]) => `${k}=${v}`).join(", ")}}`;
}

/** ServiceMonitors, PodMonitors, Probes, ScrapeConfigs and PrometheusRules the stack's Prometheus selects. */
export const monitorNamespaceNotSelected: StackRule = stackRule(
  {
    name: "k8s-monitor-namespace-not-selected",
    area: "kubernetes",
    description:
      "Every ServiceMonitor, PodMonitor, Probe, ScrapeConfig and PrometheusRule is selected by a Prometheus the stack declares (a kube-prometheus-stack chart or a Prometheus resource): its labels match the Prometheus's selector (kube-prometheus-stack's default: release=RELEASE-NAME) and its namespace's labels the namespace selector. With no Prometheus in the stack nothing is checked (the monitors may serve one elsewhere); a namespace the stack does not declare is assumed to match; GMP PodMonitorings are always read by Google Cloud Managed Service for Prometheus.",
    severity: "medium",
    enforcement: MANDATORY_OUTSIDE_DEV,
    remediation:
      "Set prometheus.prometheusSpec.*SelectorNilUsesHelmValues: false (and empty selectors) on kube-prometheus-stack, or label the monitor (and its namespace) to match the Prometheus's selectors.",
    reference:
      "prometheus-operator Prometheus CRD (serviceMonitorSelector/NamespaceSelector: null selects none / own namespace); kube-prometheus-stack README and templates/prometheus/prometheus.yaml",
    resourceTypes: [
      ...HELM_TYPES,
      PROMETHEUS_CR,
      PROMETHEUS_AGENT_CR,
      NAMESPACE,
      ...Object.keys(MONITOR_TYPES),
    ],
  },
  (args, report) => {
    const monitors = args.resources.filter((r) => r.type in MONITOR_TYPES);
    if (monitors.length === 0) return;
    const prometheuses: PrometheusSelection[] = [];
    for (const r of args.resources) {
      if (r.type === PROMETHEUS_CR || r.type === PROMETHEUS_AGENT_CR) prometheuses.push(crPrometheus(r));
      const h = helmInstallOf(r.type, r.props, r.name);
      if (h?.chart === KPS) {
        const p = kpsPrometheus(h, r.name);
        if (p) prometheuses.push(p);
      }
    }
    if (prometheuses.length === 0)
      return args.notApplicable("no Prometheus in the stack (the monitors may serve one declared elsewhere)");
    const namespaces = namespaceLabels(args.resources);
    for (const m of monitors) {
      const { kind, family } = MONITOR_TYPES[m.type] ?? { kind: "?", family: "serviceMonitor" };
      const metadata = rec(rec(m.props)?.metadata) ?? {};
      const labels = stringMap(metadata.labels);
      const namespace = str(metadata.namespace) ?? "default";
      const results = prometheuses.map((p) =>
        selects(p, family, kind, labels, namespace, namespaces.get(namespace)),
      );
      if (results.some((x) => x.match !== false)) continue;
      report(
        `${kind} '${str(metadata.name) ?? m.name}' in namespace '${namespace}' is selected by no Prometheus in the stack: ${results.map((x) => x.reason).join(" | ")}.`,
        m.urn,
      );
    }
  },
);

// ---------- Alertmanager receivers ----------

const ALERTMANAGER_CONFIG_CR = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig";

/** An Alertmanager configuration given as an object or as a YAML string. */
function configDocument(v: unknown): Record<string, unknown> | undefined {
  const r = rec(v);
  if (r) return r;
  if (typeof v !== "string" || isMasked(v) || v.trim() === "") return undefined;
  try {
    return rec(parseYaml(v));
  } catch {
    // A templated (tplConfig) string that is not valid YAML before rendering: nothing to read.
    return undefined;
  }
}

/**
 * Where each chart takes Alertmanager's configuration: kube-prometheus-stack `alertmanager.config`
 * (object, or a string with tplConfig) and `alertmanager.stringConfig`; the prometheus chart's
 * alertmanager subchart `alertmanager.config`; the alertmanager chart's `config`. Every one is
 * checked, used or not: Helm keeps all values in its release Secret.
 */
function alertmanagerConfigs(h: HelmInstall): { at: string; value: unknown }[] {
  const am = rec(h.values.alertmanager) ?? {};
  if (h.chart === KPS)
    return [
      { at: "alertmanager.config", value: am.config },
      { at: "alertmanager.stringConfig", value: am.stringConfig },
    ];
  if (h.chart === "prometheus") return [{ at: "alertmanager.config", value: am.config }];
  if (h.chart === "alertmanager") return [{ at: "config", value: h.values.config }];
  return [];
}

const NOT_RECEIVERS_TYPE = "not a Helm chart or AlertmanagerConfig";

const validateReceivers: ResourceValidation = onlyForTypes(
  [...HELM_TYPES, ALERTMANAGER_CONFIG_CR],
  NOT_RECEIVERS_TYPE,
  (args, report) => {
    const h = installOf(args);
    if (h) {
      const configs = alertmanagerConfigs(h);
      if (configs.length === 0)
        return endNotApplicable(args, "not a chart with an Alertmanager configuration");
      for (const c of configs)
        for (const f of nativeAlertmanagerConfigFindings(configDocument(c.value), c.at)) report(f);
      return;
    }
    if (args.type === ALERTMANAGER_CONFIG_CR) {
      for (const f of alertmanagerConfigCrFindings(rec(args.props)?.spec)) report(f);
      return;
    }
    endNotApplicable(args, NOT_RECEIVERS_TYPE);
  },
);

/** Alertmanager receivers read their credentials from files or Secret references. */
export const alertmanagerInlineReceiverSecret: ResourceRule = resourceRule(
  {
    name: "k8s-alertmanager-inline-receiver-secret",
    area: "kubernetes",
    description:
      "Alertmanager receivers carry no credentials inline: in chart values (kube-prometheus-stack alertmanager.config/stringConfig, prometheus, alertmanager) every field Alertmanager types as a secret (Slack api_url, PagerDuty routing_key/service_key, Opsgenie/VictorOps api_key, SMTP passwords, http_config credentials/passwords/bearer tokens, ...) uses its *_file form and URLs carry no user:password, token query parameter or credential path; AlertmanagerConfig resources use Secret references (urlSecret, apiURL, routingKey, ...).",
    severity: "high",
    enforcement: ALWAYS_MANDATORY,
    remediation:
      "Put the credential in a Kubernetes Secret, mount it into Alertmanager (alertmanagerSpec.secrets → /etc/alertmanager/secrets/{secret}/{key}) and use the *_file field (api_url_file, routing_key_file, http_config.authorization.credentials_file); in AlertmanagerConfig use the SecretKeySelector fields.",
    reference:
      "Alertmanager docs/configuration.md (secret-typed fields and their *_file alternatives); prometheus-operator AlertmanagerConfig v1alpha1 CRD",
    resourceTypes: [...HELM_TYPES, ALERTMANAGER_CONFIG_CR],
  },
  validateReceivers,
);

/** The monitoring rules. */
export const monitoringRules: (ResourceRule | StackRule)[] = [
  grafanaAnonymousOrDefaultPassword,
  prometheusAlertmanagerExposedWithoutAuth,
  monitorNamespaceNotSelected,
  alertmanagerInlineReceiverSecret,
];
