/**
 * The monitoring rules (issue 9), each both ways, through the offline runner: the Release the
 * Monitoring component emits passes all four, and each weakening of it (or of a standalone
 * Service, Ingress, monitor or AlertmanagerConfig) is reported with its exact finding.
 */
import { describe, expect, it } from "vitest";
import { scrapeTargetManifests, MonitorKind, ScrapeBackend } from "../../components/monitoring";
import { runRule, runRuleDetailed, type TestResource } from "./helpers";
import {
  at,
  customResource,
  kpsRelease,
  namespace,
  RELEASE,
  serviceMonitor,
  V3_CHART,
  V4_CHART,
} from "./monitoring-fixtures";

const GRAFANA = "k8s-grafana-anonymous-or-default-password";
const EXPOSURE = "k8s-prometheus-alertmanager-exposed-without-auth";
const SELECTED = "k8s-monitor-namespace-not-selected";
const RECEIVERS = "k8s-alertmanager-inline-receiver-secret";
const MONITORING_RULES = [GRAFANA, EXPOSURE, SELECTED, RECEIVERS];

/** The rule's findings (the message line after the rule's description). */
function findings(rule: string, resources: TestResource | TestResource[], environment = "prod"): string[] {
  return runRule(rule, resources, { environment }).map((v) => v.message.split("\n").slice(1).join("\n"));
}

/** A chart install of another kind or chart. */
function chart(
  type: string,
  chartRef: string,
  values: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return { type, name: "chart", props: { chart: chartRef, version: "1.0.0", values, ...extra } };
}

/** A monitor through the component's own helper (the way every owning component creates one). */
function componentMonitor(
  name: string,
  ns: string,
  kind: MonitorKind = MonitorKind.serviceMonitor,
): TestResource {
  const m = scrapeTargetManifests({
    kind,
    name,
    namespace: ns,
    selector: { app: name },
    endpoints: [{ port: "metrics" }],
  });
  return { type: `kubernetes:${m.apiVersion}:${m.kind}`, name, props: { ...m } };
}

describe("the Monitoring component's kube-prometheus-stack Release", () => {
  it.each(MONITORING_RULES)("passes %s", (rule) => {
    const resources = [
      namespace("monitoring"),
      kpsRelease(),
      componentMonitor("kueue", "kueue-system"),
      componentMonitor("dcgm-exporter", "gpu-operator", MonitorKind.podMonitor),
      customResource("monitoring.coreos.com/v1", "PrometheusRule", "mlops-alerts", {
        namespace: "monitoring",
      }),
    ];
    expect(findings(rule, resources)).toEqual([]);
  });
});

describe(GRAFANA, () => {
  const grafana = (edit: (g: Record<string, unknown>) => void) => kpsRelease((v) => edit(at(v, "grafana")));

  it("flags anonymous access in grafana.ini (any go-ini true value) and in the environment", () => {
    for (const enabled of [true, "true", "True", "on", 1]) {
      expect(
        findings(
          GRAFANA,
          grafana((g) => (at(g, "grafana.ini", "auth.anonymous").enabled = enabled)),
        ),
        String(enabled),
      ).toEqual([
        `grafana.grafana.ini["auth.anonymous"].enabled is ${JSON.stringify(enabled)}: anyone who reaches Grafana reads its dashboards and queries its datasources without logging in.`,
      ]);
    }
    expect(
      findings(
        GRAFANA,
        grafana((g) => (g.env = { GF_AUTH_ANONYMOUS_ENABLED: "true" })),
      ),
    ).toEqual(['grafana.env.GF_AUTH_ANONYMOUS_ENABLED is "true": anonymous access is on.']);
    for (const enabled of [false, "false", 0, "off"])
      expect(
        findings(
          GRAFANA,
          grafana((g) => (at(g, "grafana.ini", "auth.anonymous").enabled = enabled)),
        ),
      ).toEqual([]);
  });

  it("flags a default or well-known admin password unless a Secret or the environment provides the password", () => {
    const withPassword = (adminPassword: unknown, existingSecret?: string) =>
      grafana((g) => {
        g.adminPassword = adminPassword;
        g.admin = existingSecret === undefined ? {} : { existingSecret };
      });
    for (const pw of ["admin", "prom-operator", "Password", "grafana", "strongpassword"])
      expect(findings(GRAFANA, withPassword(pw)), pw).toEqual([
        `grafana.adminPassword is a default/well-known password ('${pw}').`,
      ]);
    // admin.existingSecret wins over adminPassword (grafana.secretsData and the pod env use the Secret).
    expect(findings(GRAFANA, withPassword("admin", "grafana-admin"))).toEqual([]);
    // Empty or absent: the chart generates a random 40-character password.
    expect(findings(GRAFANA, withPassword(""))).toEqual([]);
    expect(
      findings(
        GRAFANA,
        grafana((g) => (g.admin = {})),
      ),
    ).toEqual([]);
    // Another literal, or a Pulumi secret (masked offline).
    expect(findings(GRAFANA, withPassword("x7G!c2kq9Pz0"))).toEqual([]);
    expect(findings(GRAFANA, withPassword("[secret]"))).toEqual([]);
    // The environment overrides both; an env default is flagged even with existingSecret.
    expect(
      findings(
        GRAFANA,
        grafana((g) => (g.env = { GF_SECURITY_ADMIN_PASSWORD: "admin" })),
      ),
    ).toEqual(["grafana.env.GF_SECURITY_ADMIN_PASSWORD is a default/well-known password."]);
    expect(
      findings(
        GRAFANA,
        grafana((g) => {
          g.adminPassword = "admin";
          g.admin = {};
          g.env = { GF_SECURITY_DISABLE_INITIAL_ADMIN_CREATION: "true" };
        }),
      ),
    ).toEqual([]);
  });

  it("flags kube-prometheus-stack before 79.0.0 without a password (its default was prom-operator)", () => {
    const old = (version: string, admin: Record<string, unknown>) =>
      kpsRelease((v) => (at(v, "grafana").admin = admin), { version });
    expect(findings(GRAFANA, old("78.5.0", {}))).toEqual([
      "kube-prometheus-stack 78.5.0 defaults grafana.adminPassword to 'prom-operator' (random only since 79.0.0).",
    ]);
    expect(findings(GRAFANA, old("79.0.0", {}))).toEqual([]);
    expect(findings(GRAFANA, old("78.5.0", { existingSecret: "grafana-admin" }))).toEqual([]);
  });

  it("reads the grafana chart's top-level values through Release, helm.v4.Chart and helm.v3.Chart", () => {
    const anonymous = { "grafana.ini": { "auth.anonymous": { enabled: true } }, adminPassword: "admin" };
    for (const [type, ref] of [
      [RELEASE, "grafana"],
      [V4_CHART, "oci://ghcr.io/grafana-community/helm-charts/grafana"],
      [V3_CHART, "grafana-community/grafana"],
    ] as const) {
      expect(findings(GRAFANA, chart(type, ref, anonymous)), type).toEqual([
        'grafana.ini["auth.anonymous"].enabled is true: anyone who reaches Grafana reads its dashboards and queries its datasources without logging in.',
        "adminPassword is a default/well-known password ('admin').",
      ]);
    }
    // A local chart directory (helm.v3.Chart `path`) named grafana.
    expect(
      findings(GRAFANA, { type: V3_CHART, props: { path: "./charts/grafana", values: anonymous } }),
    ).toHaveLength(2);
  });

  it("ignores a disabled Grafana and other charts, and is mandatory in every environment", () => {
    const disabled = kpsRelease((v) => (v.grafana = { enabled: false, adminPassword: "admin" }));
    expect(findings(GRAFANA, disabled)).toEqual([]);
    const other = runRuleDetailed(GRAFANA, chart(RELEASE, "ingress-nginx", { adminPassword: "admin" }));
    expect(other.violations).toEqual([]);
    expect(other.notApplicable.map((n) => n.reason)).toEqual([
      "not a kube-prometheus-stack or grafana chart with Grafana enabled",
    ]);
    const bad = grafana((g) => Object.assign(g, { adminPassword: "admin", admin: {} }));
    for (const environment of ["dev", "staging", "prod"])
      expect(runRule(GRAFANA, bad, { environment }).map((v) => v.enforcementLevel)).toEqual(["mandatory"]);
  });
});

describe(EXPOSURE, () => {
  it("flags LoadBalancer and NodePort Services and external IPs in kube-prometheus-stack values, internal load balancers included", () => {
    expect(
      findings(
        EXPOSURE,
        kpsRelease((v) => (at(v, "prometheus", "service").type = "LoadBalancer")),
      ),
    ).toEqual([
      "prometheus.service.type is LoadBalancer: Prometheus's unauthenticated API is reachable from outside the cluster.",
    ]);
    expect(
      findings(
        EXPOSURE,
        kpsRelease((v) => {
          const svc = at(v, "alertmanager", "service");
          svc.type = "LoadBalancer";
          svc.annotations = { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" };
        }),
      ),
    ).toEqual([
      "alertmanager.service.type is LoadBalancer: Alertmanager's unauthenticated API is reachable from outside the cluster.",
    ]);
    expect(
      findings(
        EXPOSURE,
        kpsRelease((v) => {
          at(v, "alertmanager", "service").externalIPs = ["203.0.113.10"];
          Object.assign(at(v, "prometheus", "servicePerReplica"), { enabled: true, type: "NodePort" });
        }),
      ),
    ).toEqual([
      "prometheus.servicePerReplica.type is NodePort: Prometheus's unauthenticated API is reachable from outside the cluster.",
      "alertmanager.service.externalIPs is set: Alertmanager's unauthenticated API is reachable on external IPs.",
    ]);
    // A disabled Prometheus exposes nothing; Grafana (own login) is not this rule's.
    expect(
      findings(
        EXPOSURE,
        kpsRelease((v) => {
          Object.assign(at(v, "prometheus"), { enabled: false, service: { type: "LoadBalancer" } });
          at(v, "grafana", "service").type = "LoadBalancer";
        }),
      ),
    ).toEqual([]);
  });

  it("accepts an Ingress only with authentication annotations (nginx auth-url or basic auth with a secret, ALB cognito/oidc)", () => {
    const withIngress = (annotations: Record<string, string>) =>
      kpsRelease((v) =>
        Object.assign(at(v, "prometheus", "ingress"), {
          enabled: true,
          hosts: ["prom.example.com"],
          annotations,
        }),
      );
    const unauthenticated =
      "prometheus.ingress is enabled without authentication in front of Prometheus (annotations: nginx.ingress.kubernetes.io/auth-url, nginx.ingress.kubernetes.io/auth-type basic|digest with auth-secret, or alb.ingress.kubernetes.io/auth-type cognito|oidc).";
    for (const annotations of <Record<string, string>[]>[
      {},
      { "nginx.ingress.kubernetes.io/auth-type": "basic" },
      { "alb.ingress.kubernetes.io/auth-type": "none" },
      { "kubernetes.io/ingress.class": "nginx" },
    ])
      expect(findings(EXPOSURE, withIngress(annotations)), JSON.stringify(annotations)).toEqual([
        unauthenticated,
      ]);
    for (const annotations of <Record<string, string>[]>[
      { "nginx.ingress.kubernetes.io/auth-url": "https://oauth2.example.com/oauth2/auth" },
      {
        "nginx.ingress.kubernetes.io/auth-type": "basic",
        "nginx.ingress.kubernetes.io/auth-secret": "prom-htpasswd",
      },
      { "alb.ingress.kubernetes.io/auth-type": "oidc" },
      { "alb.ingress.kubernetes.io/auth-type": "cognito" },
    ])
      expect(findings(EXPOSURE, withIngress(annotations)), JSON.stringify(annotations)).toEqual([]);
  });

  it("flags Gateway API routes and the Thanos sidecar's external Service and Ingress", () => {
    expect(
      findings(
        EXPOSURE,
        kpsRelease((v) => {
          at(v, "alertmanager", "route", "main").enabled = true;
          at(v, "prometheus", "thanosServiceExternal").enabled = true;
          at(v, "prometheus", "thanosIngress").enabled = true;
        }),
      ),
    ).toEqual([
      "prometheus.thanosServiceExternal is enabled: the Thanos sidecar's StoreAPI (every series, no authentication) is exposed through a LoadBalancer Service.",
      "prometheus.thanosIngress is enabled without authentication in front of the Thanos sidecar (annotations: nginx.ingress.kubernetes.io/auth-url, nginx.ingress.kubernetes.io/auth-type basic|digest with auth-secret, or alb.ingress.kubernetes.io/auth-type cognito|oidc).",
      "alertmanager.route.main is enabled: a Gateway API route to Alertmanager carries no authentication this rule can verify; route to an authenticating proxy (e.g. oauth2-proxy) instead, or exempt the release with the reason.",
    ]);
  });

  it("reads the prometheus and alertmanager charts", () => {
    expect(
      findings(
        EXPOSURE,
        chart(RELEASE, "prometheus-community/prometheus", {
          server: { service: { type: "NodePort" } },
          alertmanager: { service: { type: "LoadBalancer" } },
        }),
      ),
    ).toEqual([
      "server.service.type is NodePort: Prometheus's unauthenticated API is reachable from outside the cluster.",
      "alertmanager.service.type is LoadBalancer: Alertmanager's unauthenticated API is reachable from outside the cluster.",
    ]);
    expect(
      findings(
        EXPOSURE,
        chart(V4_CHART, "oci://ghcr.io/prometheus-community/charts/alertmanager", {
          ingress: { enabled: true },
        }),
      ),
    ).toEqual([
      "ingress is enabled without authentication in front of Alertmanager (annotations: nginx.ingress.kubernetes.io/auth-url, nginx.ingress.kubernetes.io/auth-type basic|digest with auth-secret, or alb.ingress.kubernetes.io/auth-type cognito|oidc).",
    ]);
    expect(
      findings(EXPOSURE, chart(RELEASE, "prometheus", { server: { service: { type: "ClusterIP" } } })),
    ).toEqual([]);
  });

  const svc = (type: string, spec: Record<string, unknown>): TestResource => ({
    type: "kubernetes:core/v1:Service",
    name: "svc",
    props: { metadata: { name: "svc" }, spec: { type, ...spec } },
  });

  it("flags standalone Services that expose Prometheus or Alertmanager (by selector or port)", () => {
    expect(
      findings(
        EXPOSURE,
        svc("LoadBalancer", { selector: { "app.kubernetes.io/name": "prometheus" }, ports: [{ port: 80 }] }),
      ),
    ).toEqual([
      "spec.type is LoadBalancer: Prometheus's unauthenticated API is reachable from outside the cluster.",
    ]);
    expect(
      findings(
        EXPOSURE,
        svc("NodePort", { selector: { app: "x" }, ports: [{ port: 80, targetPort: 9093 }] }),
      ),
    ).toEqual([
      "spec.type is NodePort: Alertmanager's unauthenticated API is reachable from outside the cluster.",
    ]);
    expect(
      findings(
        EXPOSURE,
        svc("ClusterIP", { selector: { alertmanager: "main" }, externalIPs: ["203.0.113.1"] }),
      ),
    ).toEqual(["spec.externalIPs is set: Alertmanager's unauthenticated API is reachable on external IPs."]);
    expect(
      findings(
        EXPOSURE,
        svc("ClusterIP", { selector: { "app.kubernetes.io/name": "prometheus" }, ports: [{ port: 9090 }] }),
      ),
    ).toEqual([]);
    // Grafana behind a load balancer is not this rule's concern.
    const grafana = runRuleDetailed(
      EXPOSURE,
      svc("LoadBalancer", { selector: { "app.kubernetes.io/name": "grafana" }, ports: [{ port: 3000 }] }),
    );
    expect(grafana.violations).toEqual([]);
    expect(grafana.notApplicable.map((n) => n.reason)).toEqual([
      "the Service does not select Prometheus or Alertmanager",
    ]);
  });

  it("flags standalone Ingresses to Prometheus or Alertmanager Services without authentication", () => {
    const ingress = (backend: string, annotations: Record<string, string> = {}): TestResource => ({
      type: "kubernetes:networking.k8s.io/v1:Ingress",
      name: "ing",
      props: {
        metadata: { annotations },
        spec: {
          rules: [
            {
              host: "ops.example.com",
              http: {
                paths: [
                  {
                    path: "/",
                    pathType: "Prefix",
                    backend: { service: { name: backend, port: { name: "http-web" } } },
                  },
                ],
              },
            },
          ],
        },
      },
    });
    expect(findings(EXPOSURE, ingress("monitoring-kube-prometheus-prometheus"))).toEqual([
      "The Ingress routes to 'monitoring-kube-prometheus-prometheus' (Prometheus/Alertmanager, no authentication of their own) without authentication annotations (nginx.ingress.kubernetes.io/auth-url, nginx.ingress.kubernetes.io/auth-type basic|digest with auth-secret, or alb.ingress.kubernetes.io/auth-type cognito|oidc).",
    ]);
    expect(findings(EXPOSURE, ingress("alertmanager-operated"))).toHaveLength(1);
    expect(findings(EXPOSURE, ingress("prom-prometheus-server"))).toHaveLength(1);
    expect(
      findings(EXPOSURE, {
        type: "kubernetes:networking.k8s.io/v1:Ingress",
        props: { spec: { defaultBackend: { service: { name: "metrics", port: { number: 9090 } } } } },
      }),
    ).toHaveLength(1);
    expect(
      findings(
        EXPOSURE,
        ingress("monitoring-kube-prometheus-prometheus", {
          "nginx.ingress.kubernetes.io/auth-url": "https://sso/auth",
        }),
      ),
    ).toEqual([]);
    // Grafana's and the node exporter's Services are not Prometheus's.
    expect(findings(EXPOSURE, ingress("kube-prometheus-stack-grafana"))).toEqual([]);
    expect(findings(EXPOSURE, ingress("kube-prometheus-stack-prometheus-node-exporter"))).toEqual([]);
  });
});

describe(SELECTED, () => {
  const defaults = (
    edit: (spec: Record<string, unknown>) => void = () => {},
    props: Record<string, unknown> = {},
  ) =>
    kpsRelease((v) => {
      const prometheus = at(v, "prometheus");
      prometheus.prometheusSpec = {};
      edit(at(prometheus, "prometheusSpec"));
    }, props);

  it("with the chart's defaults, selects only monitors and rules labelled release=<release name>", () => {
    const rule = customResource("monitoring.coreos.com/v1", "PrometheusRule", "alerts", { namespace: "ml" });
    expect(findings(SELECTED, [defaults(), serviceMonitor("mlflow", "mlflow"), rule])).toEqual([
      "ServiceMonitor 'mlflow' in namespace 'mlflow' is selected by no Prometheus in the stack: kube-prometheus-stack Release 'monitoring': its serviceMonitorSelector is release=monitoring and the ServiceMonitor's labels are {}.",
      "PrometheusRule 'alerts' in namespace 'ml' is selected by no Prometheus in the stack: kube-prometheus-stack Release 'monitoring': its ruleSelector is release=monitoring and the PrometheusRule's labels are {}.",
    ]);
    expect(
      findings(SELECTED, [defaults(), serviceMonitor("mlflow", "mlflow", { release: "monitoring" })]),
    ).toEqual([]);
    expect(
      findings(SELECTED, [defaults(), serviceMonitor("mlflow", "mlflow", { release: "other" })]),
    ).toHaveLength(1);
    // An auto-named Release: any release label may be right, none is wrong.
    const autoNamed = defaults(() => {}, { name: undefined });
    expect(
      findings(SELECTED, [autoNamed, serviceMonitor("a", "ml", { release: "monitoring-x1y2" })]),
    ).toEqual([]);
    expect(findings(SELECTED, [autoNamed, serviceMonitor("a", "ml")])).toHaveLength(1);
  });

  it("uses explicit selectors and the NilUsesHelmValues flags as the chart's template does", () => {
    const team = defaults((s) => (s.serviceMonitorSelector = { matchLabels: { team: "ml" } }));
    expect(findings(SELECTED, [team, serviceMonitor("a", "ml", { team: "ml" })])).toEqual([]);
    expect(findings(SELECTED, [team, serviceMonitor("b", "ml", { release: "monitoring" })])).toEqual([
      "ServiceMonitor 'b' in namespace 'ml' is selected by no Prometheus in the stack: kube-prometheus-stack Release 'monitoring': its serviceMonitorSelector is team=ml and the ServiceMonitor's labels are {release=monitoring}.",
    ]);
    const expressions = defaults(
      (s) =>
        (s.podMonitorSelector = {
          matchExpressions: [{ key: "tier", operator: "In", values: ["gpu", "serving"] }],
        }),
    );
    const podMonitor = (labels: Record<string, string>) =>
      customResource("monitoring.coreos.com/v1", "PodMonitor", "pm", { namespace: "ml", labels });
    expect(findings(SELECTED, [expressions, podMonitor({ tier: "gpu" })])).toEqual([]);
    expect(findings(SELECTED, [expressions, podMonitor({ tier: "batch" })])).toEqual([
      "PodMonitor 'pm' in namespace 'ml' is selected by no Prometheus in the stack: kube-prometheus-stack Release 'monitoring': its podMonitorSelector is tier in (gpu, serving) and the PodMonitor's labels are {tier=batch}.",
    ]);
    // Flag false with an empty selector: everything; a null ruleSelector is omitted: no rules at all.
    const noRules = defaults((s) =>
      Object.assign(s, { ruleSelectorNilUsesHelmValues: false, ruleSelector: null }),
    );
    expect(
      findings(SELECTED, [
        noRules,
        customResource("monitoring.coreos.com/v1", "PrometheusRule", "r", { namespace: "monitoring" }),
      ]),
    ).toEqual([
      "PrometheusRule 'r' in namespace 'monitoring' is selected by no Prometheus in the stack: kube-prometheus-stack Release 'monitoring': no ruleSelector (selects none).",
    ]);
  });

  it("checks the monitor's namespace labels against the namespace selector (from the stack's Namespaces)", () => {
    const selective = kpsRelease(
      (v) =>
        (at(v, "prometheus", "prometheusSpec").serviceMonitorNamespaceSelector = {
          matchLabels: { monitoring: "on" },
        }),
    );
    expect(
      findings(SELECTED, [selective, namespace("ml", { monitoring: "on" }), serviceMonitor("a", "ml")]),
    ).toEqual([]);
    expect(
      findings(SELECTED, [selective, namespace("ml", { team: "ml" }), serviceMonitor("a", "ml")]),
    ).toEqual([
      "ServiceMonitor 'a' in namespace 'ml' is selected by no Prometheus in the stack: kube-prometheus-stack Release 'monitoring': its serviceMonitorNamespaceSelector is monitoring=on and namespace 'ml' has labels {team=ml, kubernetes.io/metadata.name=ml}.",
    ]);
    // A namespace the stack does not declare: its labels are unknown, so it is assumed to match...
    expect(findings(SELECTED, [selective, serviceMonitor("a", "elsewhere")])).toEqual([]);
    // ...unless the selector reads only the name label, which the API server sets.
    const byName = kpsRelease(
      (v) =>
        (at(v, "prometheus", "prometheusSpec").serviceMonitorNamespaceSelector = {
          matchExpressions: [
            { key: "kubernetes.io/metadata.name", operator: "In", values: ["ml", "serving"] },
          ],
        }),
    );
    expect(findings(SELECTED, [byName, serviceMonitor("a", "serving")])).toEqual([]);
    expect(findings(SELECTED, [byName, serviceMonitor("a", "batch")])).toHaveLength(1);
  });

  it("reads a Prometheus resource: absent selectors select nothing, an absent namespace selector only its own namespace", () => {
    const prometheus = customResource(
      "monitoring.coreos.com/v1",
      "Prometheus",
      "main",
      { namespace: "monitoring" },
      {
        serviceMonitorSelector: {},
      },
    );
    expect(findings(SELECTED, [prometheus, serviceMonitor("a", "monitoring")])).toEqual([]);
    expect(findings(SELECTED, [prometheus, serviceMonitor("a", "ml")])).toEqual([
      "ServiceMonitor 'a' in namespace 'ml' is selected by no Prometheus in the stack: Prometheus 'main': it only watches its own namespace 'monitoring'.",
    ]);
    expect(
      findings(SELECTED, [
        prometheus,
        customResource("monitoring.coreos.com/v1", "PrometheusRule", "r", { namespace: "monitoring" }),
      ]),
    ).toEqual([
      "PrometheusRule 'r' in namespace 'monitoring' is selected by no Prometheus in the stack: Prometheus 'main': no ruleSelector (selects none).",
    ]);
    // One of two Prometheuses selecting the monitor is enough.
    expect(findings(SELECTED, [prometheus, kpsRelease(), serviceMonitor("a", "ml")])).toEqual([]);
  });

  it("checks nothing without a Prometheus in the stack, and never flags GMP PodMonitorings", () => {
    const alone = runRuleDetailed(SELECTED, [serviceMonitor("a", "ml")]);
    expect(alone.violations).toEqual([]);
    expect(alone.notApplicable.map((n) => n.reason)).toEqual([
      "no Prometheus in the stack (the monitors may serve one declared elsewhere)",
    ]);
    const gmp = scrapeTargetManifests({
      backend: ScrapeBackend.gmp,
      kind: MonitorKind.podMonitor,
      name: "dcgm",
      namespace: "gpu-operator",
      selector: { app: "dcgm" },
      endpoints: [{ port: "metrics" }],
    });
    expect(gmp.apiVersion).toBe("monitoring.googleapis.com/v1");
    expect(
      findings(SELECTED, [
        defaults(),
        { type: `kubernetes:${gmp.apiVersion}:${gmp.kind}`, props: { ...gmp } },
      ]),
    ).toEqual([]);
  });

  it("is advisory in dev and mandatory in staging and prod", () => {
    const bad = [defaults(), serviceMonitor("a", "ml")];
    expect(
      ["dev", "staging", "prod"].map(
        (environment) => runRule(SELECTED, bad, { environment })[0]?.enforcementLevel,
      ),
    ).toEqual(["advisory", "mandatory", "mandatory"]);
  });
});

describe(RECEIVERS, () => {
  const withConfig = (config: unknown, key = "config") =>
    kpsRelease((v) => (at(v, "alertmanager")[key] = config));
  const receiver = (name: string, kind: string, cfg: Record<string, unknown>) => ({
    receivers: [{ name: "null" }, { name, [kind]: [cfg] }],
  });

  it("flags inline Slack, PagerDuty, Opsgenie and VictorOps credentials and accepts their *_file forms", () => {
    expect(
      findings(
        RECEIVERS,
        withConfig(
          receiver("slack", "slack_configs", { api_url: "https://hooks.slack.com/services/T0/B0/x" }),
        ),
      ),
    ).toEqual(["alertmanager.config.receivers[slack].slack_configs[0].api_url is inline; use api_url_file."]);
    expect(
      findings(
        RECEIVERS,
        withConfig(receiver("pager", "pagerduty_configs", { routing_key: "[secret]", service_key: "abc" })),
      ),
    ).toEqual([
      "alertmanager.config.receivers[pager].pagerduty_configs[0].routing_key is inline; use routing_key_file.",
      "alertmanager.config.receivers[pager].pagerduty_configs[0].service_key is inline; use service_key_file.",
    ]);
    expect(findings(RECEIVERS, withConfig(receiver("og", "opsgenie_configs", { api_key: "k" })))).toEqual([
      "alertmanager.config.receivers[og].opsgenie_configs[0].api_key is inline; use api_key_file.",
    ]);
    expect(
      findings(
        RECEIVERS,
        withConfig(receiver("vo", "victorops_configs", { api_key: "k", routing_key: "team" })),
      ),
    ).toEqual([
      "alertmanager.config.receivers[vo].victorops_configs[0].api_key is inline; use api_key_file.",
    ]);
    for (const [kind, cfg] of [
      ["slack_configs", { api_url_file: "/etc/alertmanager/secrets/slack/url", channel: "#alerts" }],
      [
        "pagerduty_configs",
        {
          routing_key_file: "/etc/alertmanager/secrets/pd/key",
          url: "https://events.pagerduty.com/v2/enqueue",
        },
      ],
      ["opsgenie_configs", { api_key_file: "/etc/alertmanager/secrets/og/key" }],
    ] as const)
      expect(findings(RECEIVERS, withConfig(receiver("r", kind, cfg))), kind).toEqual([]);
  });

  it("flags webhook URLs carrying credentials and accepts a plain URL with credentials_file", () => {
    const hook = (url: string, extra: Record<string, unknown> = {}) =>
      findings(RECEIVERS, withConfig(receiver("hook", "webhook_configs", { url, ...extra })));
    const fix =
      "; keep the URL free of credentials (put them in http_config.authorization.credentials_file) or use url_file.";
    expect(hook("https://user:pass@hooks.example.com/am")).toEqual([
      `alertmanager.config.receivers[hook].webhook_configs[0].url carries credentials (user:password@)${fix}`,
    ]);
    expect(hook("https://hooks.example.com/am?token=abc")).toEqual([
      `alertmanager.config.receivers[hook].webhook_configs[0].url carries a credential in its query string ('token=')${fix}`,
    ]);
    expect(hook("https://chat.googleapis.com/v1/spaces/X/messages?key=k")).toHaveLength(1);
    expect(hook("https://hooks.slack.com/services/T0/B0/secret")).toEqual([
      `alertmanager.config.receivers[hook].webhook_configs[0].url is a Slack incoming-webhook URL, which is itself the credential${fix}`,
    ]);
    expect(hook("[secret]")).toEqual([
      `alertmanager.config.receivers[hook].webhook_configs[0].url is a secret value written inline${fix}`,
    ]);
    expect(
      hook("https://hooks.example.com/am?channel=ops", {
        http_config: {
          authorization: { type: "Bearer", credentials_file: "/etc/alertmanager/secrets/hook/token" },
        },
      }),
    ).toEqual([]);
  });

  it("flags inline http_config credentials and global secrets, not global settings", () => {
    const http = (http_config: Record<string, unknown>) =>
      findings(
        RECEIVERS,
        withConfig(receiver("hook", "webhook_configs", { url: "https://h.example.com/", http_config })),
      );
    const where = "alertmanager.config.receivers[hook].webhook_configs[0].http_config";
    expect(http({ authorization: { credentials: "t" } })).toEqual([
      `${where}.authorization.credentials is inline; use authorization.credentials_file.`,
    ]);
    expect(http({ basic_auth: { username: "am", password: "p" } })).toEqual([
      `${where}.basic_auth.password is inline; use basic_auth.password_file.`,
    ]);
    expect(http({ bearer_token: "t" })).toEqual([
      `${where}.bearer_token is inline; use authorization.credentials_file.`,
    ]);
    expect(http({ oauth2: { client_id: "am", client_secret: "s", token_url: "https://sso/token" } })).toEqual(
      [`${where}.oauth2.client_secret is inline; use oauth2.client_secret_file.`],
    );
    expect(http({ proxy_url: "http://u:p@proxy:3128" })).toEqual([
      `${where}.proxy_url carries credentials (user:password@).`,
    ]);
    expect(http({ basic_auth: { username: "am", password_file: "/etc/alertmanager/secrets/h/p" } })).toEqual(
      [],
    );
    expect(
      findings(
        RECEIVERS,
        withConfig({
          global: {
            resolve_timeout: "5m",
            pagerduty_url: "https://events.pagerduty.com/v2/enqueue",
            slack_api_url: "https://hooks.slack.com/services/T/B/x",
            smtp_auth_password: "p",
            http_config: { authorization: { credentials: "t" } },
          },
          receivers: [{ name: "null" }],
        }),
      ),
    ).toEqual([
      "alertmanager.config.global.smtp_auth_password is inline; use smtp_auth_password_file.",
      "alertmanager.config.global.slack_api_url is inline; use slack_api_url_file.",
      "alertmanager.config.global.http_config.authorization.credentials is inline; use authorization.credentials_file.",
    ]);
  });

  it("parses stringConfig and string configs as YAML, and reads the prometheus and alertmanager charts", () => {
    const yaml = "receivers:\n  - name: pager\n    pagerduty_configs:\n      - routing_key: abc\n";
    expect(findings(RECEIVERS, withConfig(yaml, "stringConfig"))).toEqual([
      "alertmanager.stringConfig.receivers[pager].pagerduty_configs[0].routing_key is inline; use routing_key_file.",
    ]);
    expect(findings(RECEIVERS, withConfig(yaml))).toEqual([
      "alertmanager.config.receivers[pager].pagerduty_configs[0].routing_key is inline; use routing_key_file.",
    ]);
    expect(
      findings(
        RECEIVERS,
        withConfig(yaml.replace("routing_key: abc", "routing_key_file: /s/k"), "stringConfig"),
      ),
    ).toEqual([]);
    expect(findings(RECEIVERS, withConfig("{{ .Values.unparsable", "stringConfig"))).toEqual([]);
    const slack = {
      receivers: [{ name: "s", slack_configs: [{ api_url: "https://hooks.slack.com/services/x" }] }],
    };
    expect(findings(RECEIVERS, chart(RELEASE, "prometheus", { alertmanager: { config: slack } }))).toEqual([
      "alertmanager.config.receivers[s].slack_configs[0].api_url is inline; use api_url_file.",
    ]);
    expect(findings(RECEIVERS, chart(V4_CHART, "alertmanager", { config: slack }))).toEqual([
      "config.receivers[s].slack_configs[0].api_url is inline; use api_url_file.",
    ]);
  });

  it("requires Secret references in AlertmanagerConfig receivers and clean webhook URLs", () => {
    const amc = (receivers: Record<string, unknown>[]) =>
      customResource(
        "monitoring.coreos.com/v1alpha1",
        "AlertmanagerConfig",
        "team",
        { namespace: "ml" },
        {
          route: { receiver: "team" },
          receivers,
        },
      );
    expect(
      findings(
        RECEIVERS,
        amc([{ name: "team", webhookConfigs: [{ url: "https://hooks.example.com/x?apikey=1" }] }]),
      ),
    ).toEqual([
      "spec.receivers[team].webhookConfigs[0].url carries a credential in its query string ('apikey='); use urlSecret.",
    ]);
    expect(
      findings(
        RECEIVERS,
        amc([
          {
            name: "team",
            slackConfigs: [{ apiURL: "https://hooks.slack.com/services/x" }],
            pagerdutyConfigs: [
              { routingKey: { name: "pd", key: "k" }, url: "https://u:p@events.pagerduty.com/v2/enqueue" },
            ],
            webhookConfigs: [
              {
                url: "https://h.example.com/",
                httpConfig: { basicAuth: { username: { name: "h", key: "u" }, password: "p" } },
              },
            ],
          },
        ]),
      ),
    ).toEqual([
      "spec.receivers[team].slackConfigs[0].apiURL is not a Secret reference ({ name, key }): the credential is inline.",
      "spec.receivers[team].pagerdutyConfigs[0].url carries credentials (user:password@); keep credentials in Secret references.",
      "spec.receivers[team].webhookConfigs[0].httpConfig.basicAuth.password is not a Secret reference ({ name, key }): the credential is inline.",
    ]);
    expect(
      findings(
        RECEIVERS,
        amc([
          {
            name: "team",
            slackConfigs: [{ apiURL: { name: "slack", key: "url" }, channel: "#ml" }],
            webhookConfigs: [
              { urlSecret: { name: "hook", key: "url" } },
              {
                url: "https://h.example.com/am",
                httpConfig: { authorization: { credentials: { name: "hook", key: "token" } } },
              },
            ],
          },
        ]),
      ),
    ).toEqual([]);
  });
});
