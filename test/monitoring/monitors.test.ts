/**
 * Scrape targets (issue 9): the one helper components use to describe their monitors. Every
 * produced object is checked exactly and validated strictly against the vendored CRD subset
 * schemas (test/schemas/monitoring/{servicemonitor,podmonitor,podmonitoring-gmp}.json); bad args
 * come back as `path: message` problems.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import {
  CaSource,
  MonitorKind,
  RelabelAction,
  resolveScrapeTargetArgs,
  SCRAPE_DEFAULTS,
  ScrapeBackend,
  ScrapeScheme,
  scrapeTargetArgsSchema,
  ScrapeTargetArgsError,
  scrapeTargetManifests,
  type ScrapeTargetArgs,
  type ScrapeTargetManifest,
} from "../../components/shared/monitors";
import { pathString } from "../../components/shared/contract";
import { validateJsonSchema, type JsonSchema } from "../schemas/validate";

const schema = (file: string): JsonSchema =>
  JSON.parse(readFileSync(join(__dirname, "..", "schemas", "monitoring", file), "utf8")) as JsonSchema;
const SCHEMAS: Record<string, JsonSchema> = {
  ServiceMonitor: schema("servicemonitor.json"),
  PodMonitor: schema("podmonitor.json"),
  PodMonitoring: schema("podmonitoring-gmp.json"),
};

/** Renders and validates strictly against the schema of the produced kind. */
function manifest(args: ScrapeTargetArgs): ScrapeTargetManifest {
  const m = scrapeTargetManifests(args);
  const s = SCHEMAS[m.kind];
  if (!s) throw new Error(`no schema for kind ${m.kind}`);
  expect(validateJsonSchema(s, m)).toEqual([]);
  return m;
}

const problems = (args: unknown) =>
  resolveScrapeTargetArgs(args).problems.map((p) => `${pathString(p.path)}: ${p.message}`);

const MLFLOW: ScrapeTargetArgs = {
  kind: MonitorKind.serviceMonitor,
  name: "mlflow",
  namespace: "mlflow",
  selector: { "app.kubernetes.io/name": "mlflow" },
  endpoints: [{ port: "http" }],
};

describe("scrapeTargetManifests (prometheusOperator)", () => {
  it("a plain MLflow ServiceMonitor: defaults path /metrics, 30s, http, honorLabels false, no labels", () => {
    expect(manifest(MLFLOW)).toEqual({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "mlflow", namespace: "mlflow" },
      spec: {
        selector: { matchLabels: { "app.kubernetes.io/name": "mlflow" } },
        endpoints: [{ port: "http", path: "/metrics", interval: "30s", scheme: "http", honorLabels: false }],
      },
    });
    expect(SCRAPE_DEFAULTS).toEqual({
      path: "/metrics",
      interval: "30s",
      scheme: "http",
      honorLabels: false,
    });
  });

  it("MLflow with basic auth: username and password come from Secret keys, never values", () => {
    const m = manifest({
      ...MLFLOW,
      endpoints: [
        {
          port: "http",
          basicAuth: {
            usernameSecret: { name: "mlflow-metrics-auth", key: "username" },
            passwordSecret: { name: "mlflow-metrics-auth", key: "password" },
          },
        },
      ],
      prometheusSelectorLabels: { release: "monitoring" },
    });
    expect(m).toEqual({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "mlflow", namespace: "mlflow", labels: { release: "monitoring" } },
      spec: {
        selector: { matchLabels: { "app.kubernetes.io/name": "mlflow" } },
        endpoints: [
          {
            port: "http",
            path: "/metrics",
            interval: "30s",
            scheme: "http",
            honorLabels: false,
            basicAuth: {
              username: { name: "mlflow-metrics-auth", key: "username" },
              password: { name: "mlflow-metrics-auth", key: "password" },
            },
          },
        ],
      },
    });
  });

  it("DCGM with honorLabels, a scrape timeout, https with a CA from a ConfigMap, and a high-cardinality drop", () => {
    const m = manifest({
      kind: MonitorKind.serviceMonitor,
      name: "dcgm-exporter",
      namespace: "monitoring",
      selector: { "app.kubernetes.io/name": "dcgm-exporter" },
      namespaceSelector: { matchNames: ["gpu-system"] },
      endpoints: [
        {
          port: "metrics",
          interval: "15s",
          scrapeTimeout: "10s",
          scheme: ScrapeScheme.https,
          honorLabels: true,
          tls: {
            caSource: CaSource.configMap,
            ca: { name: "cluster-ca", key: "ca.crt" },
            serverName: "dcgm-exporter.gpu-system.svc",
          },
          metricRelabelings: [
            { action: RelabelAction.drop, sourceLabels: ["__name__"], regex: "DCGM_FI_PROF_.*_BYTES" },
            { action: RelabelAction.labelDrop, regex: "UUID|pci_bus_id" },
          ],
        },
      ],
    });
    expect(m).toEqual({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "dcgm-exporter", namespace: "monitoring" },
      spec: {
        selector: { matchLabels: { "app.kubernetes.io/name": "dcgm-exporter" } },
        namespaceSelector: { matchNames: ["gpu-system"] },
        endpoints: [
          {
            port: "metrics",
            path: "/metrics",
            interval: "15s",
            scrapeTimeout: "10s",
            scheme: "https",
            honorLabels: true,
            tlsConfig: {
              ca: { configMap: { name: "cluster-ca", key: "ca.crt" } },
              serverName: "dcgm-exporter.gpu-system.svc",
            },
            metricRelabelings: [
              { action: "drop", sourceLabels: ["__name__"], regex: "DCGM_FI_PROF_.*_BYTES" },
              { action: "labeldrop", regex: "UUID|pci_bus_id" },
            ],
          },
        ],
      },
    });
  });

  it("a PodMonitor puts the endpoints under podMetricsEndpoints; a CA from a Secret", () => {
    expect(
      manifest({
        kind: MonitorKind.podMonitor,
        name: "feature-server",
        namespace: "features",
        selector: { app: "feast-feature-server" },
        endpoints: [
          {
            port: "metrics",
            path: "/prom",
            scheme: ScrapeScheme.https,
            tls: { caSource: CaSource.secret, ca: { name: "feast-tls", key: "ca.crt" } },
          },
        ],
      }),
    ).toEqual({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: "feature-server", namespace: "features" },
      spec: {
        selector: { matchLabels: { app: "feast-feature-server" } },
        podMetricsEndpoints: [
          {
            port: "metrics",
            path: "/prom",
            interval: "30s",
            scheme: "https",
            honorLabels: false,
            tlsConfig: { ca: { secret: { name: "feast-tls", key: "ca.crt" } } },
          },
        ],
      },
    });
  });

  it("the schemas are strict: a misspelt or wrongly placed field fails validation", () => {
    const sm = scrapeTargetManifests(MLFLOW);
    const misspelt = { ...sm, spec: { ...sm.spec, endpoints: [{ port: "http", honourLabels: true }] } };
    expect(validateJsonSchema(SCHEMAS.ServiceMonitor!, misspelt)).toEqual([
      "/spec/endpoints/0/honourLabels: unknown field",
    ]);
    // A ServiceMonitor's endpoints key is not a PodMonitor's.
    const pm = scrapeTargetManifests({ ...MLFLOW, kind: MonitorKind.podMonitor });
    expect(validateJsonSchema(SCHEMAS.ServiceMonitor!, { ...pm, kind: "ServiceMonitor" })).toEqual([
      "/spec/endpoints: required",
      "/spec/podMetricsEndpoints: unknown field",
    ]);
    expect(
      validateJsonSchema(SCHEMAS.PodMonitoring!, {
        ...pm,
        apiVersion: "monitoring.googleapis.com/v1",
        kind: "PodMonitoring",
      }),
    ).toEqual(["/spec/endpoints: required", "/spec/podMetricsEndpoints: unknown field"]);
  });
});

describe("endpoints behind Kubernetes authorisation (Kueue's secure metrics)", () => {
  const KUEUE: ScrapeTargetArgs = {
    kind: MonitorKind.serviceMonitor,
    name: "kueue-controller",
    namespace: "kueue-system",
    selector: { "app.kubernetes.io/name": "kueue" },
    endpoints: [
      { port: "https", scheme: "https", serviceAccountToken: true, tls: { insecureSkipVerify: true } },
    ],
  };

  it("sends the Prometheus's own token and skips verification of a self-signed certificate (schema-valid)", () => {
    expect(manifest(KUEUE).spec["endpoints"]).toEqual([
      {
        port: "https",
        path: "/metrics",
        interval: "30s",
        scheme: "https",
        honorLabels: false,
        bearerTokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token",
        tlsConfig: { insecureSkipVerify: true },
      },
    ]);
  });

  it("never sends a token in clear text, nor with basic auth, nor on gmp; TLS needs a CA or an explicit skip, not both", () => {
    const endpoint = (e: Record<string, unknown>) => ({ ...KUEUE, endpoints: [e] });
    expect(problems(endpoint({ port: "http", serviceAccountToken: true }))).toEqual([
      'endpoints[0].serviceAccountToken: needs scheme "https" (a token is never sent in clear text)',
    ]);
    const basicAuth = {
      usernameSecret: { name: "s", key: "u" },
      passwordSecret: { name: "s", key: "p" },
    };
    expect(
      problems(
        endpoint({
          port: "https",
          scheme: "https",
          serviceAccountToken: true,
          basicAuth,
          tls: { insecureSkipVerify: true },
        }),
      ),
    ).toEqual(["endpoints[0].serviceAccountToken: must not be set together with basicAuth"]);
    expect(
      problems({
        ...KUEUE,
        backend: "gmp",
        kind: "podMonitor",
        endpoints: [{ port: "https", scheme: "https", serviceAccountToken: true }],
      }),
    ).toContain(
      'endpoints[0].serviceAccountToken: is not supported with backend "gmp" (GMP collectors do not send their token)',
    );
    expect(problems(endpoint({ port: "https", scheme: "https", tls: {} }))).toEqual([
      "endpoints[0].tls.ca: required unless insecureSkipVerify is true",
    ]);
    expect(
      problems(
        endpoint({
          port: "https",
          scheme: "https",
          tls: { insecureSkipVerify: true, caSource: "secret", ca: { name: "ca", key: "ca.crt" } },
        }),
      ),
    ).toEqual(["endpoints[0].tls.insecureSkipVerify: must not be set together with ca"]);
    expect(
      problems(endpoint({ port: "https", scheme: "https", tls: { ca: { name: "ca", key: "ca.crt" } } })),
    ).toEqual(["endpoints[0].tls.caSource: ca and caSource go together"]);
  });
});

describe("scrapeTargetManifests (gmp)", () => {
  it("a GMP PodMonitoring from the same args: endpoints, timeout, metricRelabeling", () => {
    expect(
      manifest({
        backend: ScrapeBackend.gmp,
        kind: MonitorKind.podMonitor,
        name: "kserve-predictor",
        namespace: "serving",
        selector: { "serving.kserve.io/inferenceservice": "fraud" },
        endpoints: [
          {
            port: "metrics",
            interval: "1m",
            scrapeTimeout: "20s",
            metricRelabelings: [{ action: RelabelAction.labelDrop, regex: "pod_template_hash" }],
          },
        ],
      }),
    ).toEqual({
      apiVersion: "monitoring.googleapis.com/v1",
      kind: "PodMonitoring",
      metadata: { name: "kserve-predictor", namespace: "serving" },
      spec: {
        selector: { matchLabels: { "serving.kserve.io/inferenceservice": "fraud" } },
        endpoints: [
          {
            port: "metrics",
            path: "/metrics",
            interval: "1m",
            timeout: "20s",
            scheme: "http",
            metricRelabeling: [{ action: "labeldrop", regex: "pod_template_hash" }],
          },
        ],
      },
    });
  });

  it("every RelabelAction is accepted by both CRDs (each rendered object validates)", () => {
    for (const action of Object.values(RelabelAction)) {
      const byName = action === RelabelAction.labelDrop || action === RelabelAction.labelKeep;
      const relabel = byName
        ? { action, regex: "le" }
        : { action, sourceLabels: ["__name__"], regex: "x_.*" };
      for (const backend of Object.values(ScrapeBackend)) {
        const m = manifest({
          ...MLFLOW,
          backend,
          kind: MonitorKind.podMonitor,
          endpoints: [{ port: "http", metricRelabelings: [relabel] }],
        });
        const endpoints = (m.spec.endpoints ?? m.spec.podMetricsEndpoints) as Record<string, unknown>[];
        expect(
          endpoints[0]![backend === ScrapeBackend.gmp ? "metricRelabeling" : "metricRelabelings"],
        ).toEqual([relabel]);
      }
    }
  });

  it("rejects what PodMonitoring cannot express, each at its path", () => {
    expect(
      problems({
        ...MLFLOW,
        backend: "gmp",
        namespaceSelector: { matchNames: ["other"] },
        endpoints: [
          {
            port: "http",
            scheme: "https",
            honorLabels: true,
            basicAuth: { usernameSecret: { name: "a", key: "u" }, passwordSecret: { name: "a", key: "p" } },
            tls: { caSource: "secret", ca: { name: "a", key: "ca.crt" } },
          },
        ],
      }),
    ).toEqual([
      'kind: must be "podMonitor" with backend "gmp" (GMP PodMonitoring selects Pods, not Services; prometheus-engine#192)',
      'namespaceSelector: is not supported with backend "gmp" (a PodMonitoring selects Pods in its own namespace only)',
      'endpoints[0].honorLabels: is not supported with backend "gmp" (PodMonitoring has no honorLabels)',
      'endpoints[0].basicAuth: is not supported with backend "gmp" (its basicAuth.username is plain text, not a Secret)',
      'endpoints[0].tls: is not supported with backend "gmp" by this helper',
    ]);
  });
});

describe("bad args", () => {
  it("reports every problem as path: message", () => {
    expect(
      problems({
        kind: "serviceMonitor",
        name: "MLflow",
        namespace: "ml_flow",
        selector: {},
        endpoints: [
          {
            port: "HTTP",
            path: "metrics",
            interval: "1d",
            scheme: "ftp",
            basicAuth: { usernameSecret: { name: "s", key: "u" }, password: "hunter2" },
          },
        ],
        prometheusSelector: { release: "x" },
      }),
    ).toEqual([
      "name: must be a DNS-1123 subdomain (lowercase letters, digits, '-', '.')",
      "namespace: must be a DNS-1123 label (lowercase letters, digits, '-')",
      "endpoints[0].port: must be a port name (at most 15 lowercase letters, digits and '-', with a letter)",
      'endpoints[0].path: must start with "/" and contain no spaces',
      'endpoints[0].interval: must be a positive duration in h, m, s or ms, such as "30s", "1m" or "1m30s"',
      'endpoints[0].scheme: must be one of "http", "https"',
      "endpoints[0].basicAuth.passwordSecret: required (object)",
      "endpoints[0].basicAuth.password: unknown key; remove it or check the spelling",
      "prometheusSelector: unknown key; remove it or check the spelling",
    ]);
  });

  it("cross-field rules: empty selector and endpoints, timeout > interval, tls over http, relabel shapes", () => {
    expect(problems({ ...MLFLOW, selector: {}, endpoints: [] })).toEqual([
      "selector: must not be empty (an empty selector matches every Service in the namespace)",
      "endpoints: must have at least one endpoint",
    ]);
    expect(
      problems({
        ...MLFLOW,
        namespaceSelector: { matchNames: [] },
        endpoints: [
          {
            port: "http",
            scrapeTimeout: "45s",
            tls: { caSource: "configMap", ca: { name: "ca", key: "ca.crt" } },
            metricRelabelings: [
              { action: "drop", regex: "x" },
              { action: "labelkeep", sourceLabels: ["job"], regex: "job|instance" },
              { action: "keep", sourceLabels: ["__name__"], regex: "(" },
            ],
          },
        ],
      }),
    ).toEqual([
      "namespaceSelector.matchNames: must not be empty (leave namespaceSelector out to select the monitor's own namespace)",
      "endpoints[0].scrapeTimeout: must not be longer than interval",
      'endpoints[0].tls: needs scheme "https"',
      'endpoints[0].metricRelabelings[0].sourceLabels: must name at least one label with action "drop"',
      'endpoints[0].metricRelabelings[1].sourceLabels: must not be set with action "labelkeep"',
      expect.stringMatching(/^endpoints\[0\]\.metricRelabelings\[2\]\.regex: is not a regular expression \(/),
    ]);
  });

  it("scrapeTargetManifests throws one error listing args.<path>: <message>", () => {
    const bad = { ...MLFLOW, selector: {}, endpoints: [{ port: "http", interval: "0s" }] };
    expect(() => scrapeTargetManifests(bad)).toThrow(ScrapeTargetArgsError);
    expect(() => scrapeTargetManifests(bad)).toThrow(
      "invalid scrape target:\n" +
        '  args.endpoints[0].interval: must be a positive duration in h, m, s or ms, such as "30s", "1m" or "1m30s"\n' +
        "  args.selector: must not be empty (an empty selector matches every Service in the namespace)",
    );
  });

  it("the args type and the zod schema agree", () => {
    expectTypeOf<z.input<typeof scrapeTargetArgsSchema>>().toEqualTypeOf<ScrapeTargetArgs>();
    expectTypeOf<ScrapeTargetArgs>().toEqualTypeOf<z.input<typeof scrapeTargetArgsSchema>>();
  });
});
