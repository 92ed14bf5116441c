/**
 * Scrape targets (issue 9, "scrape coverage"): the ONE helper every component that owns a
 * workload (MLflow, the feature server, KServe/MLServer, KEDA, Kueue, Karpenter, DCGM,
 * cert-manager) uses to describe how Prometheus scrapes it. Pure: it creates no Pulumi resource,
 * it returns the manifest; the owning component creates it (only when monitoring is on), so the
 * monitor lives and dies with the workload.
 *
 * Backends (`ScrapeBackend`):
 * - `prometheusOperator`: a `monitoring.coreos.com/v1` ServiceMonitor or PodMonitor
 *   (prometheus-operator v0.93.0 CRDs, example/prometheus-operator-crd-full at f8fafd475f3d;
 *   kube-prometheus-stack 88.5.3 runs operator v0.93.1).
 * - `gmp`: a `monitoring.googleapis.com/v1` PodMonitoring for Google Cloud Managed Service for
 *   Prometheus, which reads neither ServiceMonitors nor PodMonitors and cannot target Services
 *   (GoogleCloudPlatform/prometheus-engine doc/api.md and
 *   charts/operator/crds/monitoring.googleapis.com_podmonitorings.yaml at 2ffde4ec;
 *   prometheus-engine#192 is open). Only what the PodMonitoring CRD states the same way is
 *   supported there: a pod monitor's port, path, scheme, interval, timeout and metric relabelling.
 *   Not supported on gmp, each rejected with a problem: `honorLabels` (no such field),
 *   `namespaceSelector` (a PodMonitoring selects pods of its own namespace only), basic auth (GMP's
 *   `basicAuth.username` is a plain string, not a Secret reference) and TLS (GMP reads Secrets
 *   only, and whether its collectors may read them depends on RBAC this helper cannot see).
 *
 * Which Prometheus selects the monitor: kube-prometheus-stack's `*SelectorNilUsesHelmValues: true`
 * (the chart default) makes the Prometheus select only monitors labelled `release: <release>`;
 * the Monitoring component sets them to false, so that selector is `{}` (all monitors;
 * docs/design/monitoring-research.md §1, values.yaml lines 4476/4499 and templates/prometheus/prometheus.yaml
 * lines 193–219 at prometheus-community/helm-charts cf408a29). So no label is added by default;
 * `prometheusSelectorLabels` adds one for a Prometheus that does select on labels.
 *
 * Args go through the contract pipeline (components/shared/contract.ts): `resolveScrapeTargetArgs`
 * returns every problem as a path and a message; `scrapeTargetManifests` throws them as
 * `args.<path>: <message>` lines.
 */
import { z } from "zod";
import { problemLine, resolveWith, type Problem, type Resolution } from "./contract";
import { durationMs } from "./duration";

/**
 * The label of the namespaces whose pods may query the in-cluster Prometheus API (port 9090 of the
 * Monitoring component's namespace): KEDA's operator (Prometheus triggers of model serving), the
 * closed loop's canary decision. Everything else reaches Prometheus only through Grafana.
 */
export const METRICS_READER_LABEL = { "mlops.pulumi.com/metrics-reader": "true" } as const;

/** What a prometheus-operator monitor selects: Services (and their endpoints) or Pods. */
export const MonitorKind = {
  /** A ServiceMonitor: selects Services by label and scrapes a named Service port. */
  serviceMonitor: "serviceMonitor",
  /** A PodMonitor: selects Pods by label and scrapes a named container port. */
  podMonitor: "podMonitor",
} as const;
export type MonitorKind = (typeof MonitorKind)[keyof typeof MonitorKind];

/** Who scrapes: the in-cluster prometheus-operator, or Google Cloud Managed Prometheus. */
export const ScrapeBackend = {
  /** `monitoring.coreos.com/v1` ServiceMonitor / PodMonitor. */
  prometheusOperator: "prometheusOperator",
  /** `monitoring.googleapis.com/v1` PodMonitoring (GKE; `kind` must be `podMonitor`). */
  gmp: "gmp",
} as const;
export type ScrapeBackend = (typeof ScrapeBackend)[keyof typeof ScrapeBackend];

/** The scrape URL's scheme (both CRDs accept lowercase `http`/`https`). */
export const ScrapeScheme = { http: "http", https: "https" } as const;
export type ScrapeScheme = (typeof ScrapeScheme)[keyof typeof ScrapeScheme];

/** Where a TLS CA certificate is read from. */
export const CaSource = { secret: "secret", configMap: "configMap" } as const;
export type CaSource = (typeof CaSource)[keyof typeof CaSource];

/**
 * Metric relabelling actions offered (a subset of Prometheus's `relabel_config` actions, all in
 * both the prometheus-operator and the GMP enums): enough to drop high-cardinality series or labels.
 */
export const RelabelAction = {
  /** Drop the series whose `sourceLabels` (joined by ";") match `regex`. */
  drop: "drop",
  /** Keep only the series whose `sourceLabels` match `regex`. */
  keep: "keep",
  /** Remove the labels whose NAME matches `regex` (no `sourceLabels`). */
  labelDrop: "labeldrop",
  /** Keep only the labels whose NAME matches `regex` (no `sourceLabels`). */
  labelKeep: "labelkeep",
} as const;
export type RelabelAction = (typeof RelabelAction)[keyof typeof RelabelAction];

/** A key of a Secret or ConfigMap in the monitor's namespace. */
export interface ObjectKeyRefArgs {
  /** The object's name (a DNS-1123 subdomain). */
  name: string;
  /** The key inside it (letters, digits, '-', '_', '.'). */
  key: string;
}

/**
 * HTTP basic auth, both halves from Secrets (never inline). MLflow's `/metrics` needs it when
 * MLflow's basic-auth app is on: its unprotected routes are only `/static`, `/favicon.ico` and
 * `/health` (docs/design/monitoring-research.md, summary item 6).
 */
export interface BasicAuthArgs {
  usernameSecret: ObjectKeyRefArgs;
  passwordSecret: ObjectKeyRefArgs;
}

/** TLS towards an `https` target: a CA to verify it with, or (for a self-signed target) no verification. */
export interface ScrapeTlsArgs {
  /** Where the CA certificate is. Required with `ca`. */
  caSource?: CaSource;
  /** The Secret or ConfigMap key holding the PEM CA bundle. Required unless `insecureSkipVerify`. */
  ca?: ObjectKeyRefArgs;
  /** The name the certificate must be valid for. @default the target's address */
  serverName?: string;
  /**
   * Do not verify the target's certificate: only for targets that serve a self-signed certificate
   * no CA bundle exists for (Kueue's controller-runtime metrics server, whose own chart sets
   * `metrics.serviceMonitor.tlsConfig.insecureSkipVerify: true`, kubernetes-sigs/kueue
   * charts/kueue/values.yaml at v0.19.2). Not allowed together with `ca`.
   * @default false
   */
  insecureSkipVerify?: boolean;
}

/** One metric relabelling, applied after the scrape (e.g. to drop high-cardinality series). */
export interface MetricRelabelingArgs {
  action: RelabelAction;
  /** Required for drop/keep; not allowed for labeldrop/labelkeep. */
  sourceLabels?: string[];
  /** An RE2 regular expression, anchored at both ends by Prometheus. */
  regex: string;
}

/** One scrape endpoint. */
export interface ScrapeEndpointArgs {
  /** The port NAME (a Service port of a ServiceMonitor, a container port of a pod monitor). */
  port: string;
  /** @default "/metrics" */
  path?: string;
  /**
   * How often to scrape. @default "30s", the Prometheus custom resource's own default
   * `spec.scrapeInterval` (crd-prometheuses.yaml line 9120, kube-prometheus-stack 88.5.3),
   * written explicitly so that the monitor does not depend on the Prometheus's setting and GMP
   * (where `interval` is required) gets the same value.
   */
  interval?: string;
  /** Scrape timeout; at most `interval`. @default the Prometheus's (10s) */
  scrapeTimeout?: string;
  /** @default "http" */
  scheme?: ScrapeScheme;
  /**
   * Keep the target's own labels when they clash with the target labels (instead of renaming
   * them `exported_*`). True for exporters that report other pods' labels, e.g. DCGM's
   * `pod`/`namespace`/`container` (docs/design/monitoring-research.md, summary item 7). @default false
   */
  honorLabels?: boolean;
  basicAuth?: BasicAuthArgs;
  /**
   * Send the scraping Prometheus's own ServiceAccount token as a bearer token, for a metrics
   * endpoint behind Kubernetes authentication and authorisation (controller-runtime's secure
   * metrics: Kueue; the Prometheus needs `get` on the non-resource URL `/metrics`, which
   * kube-prometheus-stack's Prometheus ClusterRole grants). Only with scheme "https" (a token is
   * never sent in clear text); not with `basicAuth`.
   * @default false
   */
  serviceAccountToken?: boolean;
  /** Only with scheme "https". */
  tls?: ScrapeTlsArgs;
  metricRelabelings?: MetricRelabelingArgs[];
}

/** Other namespaces the monitor selects its Services/Pods in. */
export interface NamespaceSelectorArgs {
  matchNames: string[];
}

/** A scrape target: what `scrapeTargetManifests` turns into a monitor. */
export interface ScrapeTargetArgs {
  /** @default "prometheusOperator" */
  backend?: ScrapeBackend;
  kind: MonitorKind;
  /** The monitor's name (a DNS-1123 subdomain). */
  name: string;
  /** The monitor's namespace (usually the workload's). */
  namespace: string;
  /** Labels of the Services (serviceMonitor) or Pods (podMonitor) to scrape; not empty. */
  selector: Record<string, string>;
  /** At least one. */
  endpoints: ScrapeEndpointArgs[];
  /** @default the monitor's own namespace */
  namespaceSelector?: NamespaceSelectorArgs;
  /** Labels on the monitor that a Prometheus selects monitors by. @default none (see file comment) */
  prometheusSelectorLabels?: Record<string, string>;
}

/** Where the operator mounts the Prometheus pod's ServiceAccount token. */
export const SERVICE_ACCOUNT_TOKEN_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** Defaults of the endpoint fields. */
export const SCRAPE_DEFAULTS = {
  path: "/metrics",
  /** The Prometheus custom resource's default `scrapeInterval` (see `ScrapeEndpointArgs.interval`). */
  interval: "30s",
  scheme: ScrapeScheme.http,
  honorLabels: false,
} as const;

// ---------------------------------------------------------------------------------------------
// Schema

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A Kubernetes label key: an optional DNS-subdomain prefix and a name of at most 63 characters. */
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** A port name (IANA_SVC_NAME: at most 15 lowercase letters, digits and '-', with a letter). */
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;
/** Durations both Prometheus and Go's time.ParseDuration (GMP's `format: duration`) accept. */
const DURATION = /^(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;
/** A classic Prometheus label name (the GMP CRD's pattern for `sourceLabels`). */
const PROM_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const nameSchema = z
  .string()
  .max(253, { message: "must be at most 253 characters" })
  .regex(DNS_SUBDOMAIN, { message: "must be a DNS-1123 subdomain (lowercase letters, digits, '-', '.')" });
const namespaceSchema = z
  .string()
  .max(63, { message: "must be at most 63 characters" })
  .regex(DNS_LABEL, { message: "must be a DNS-1123 label (lowercase letters, digits, '-')" });
const labelsSchema = z.record(
  z.string().regex(LABEL_KEY, { message: "must be a Kubernetes label key" }),
  z.string().regex(LABEL_VALUE, { message: "must be a Kubernetes label value (at most 63 characters)" }),
);
const durationSchema = z.string().refine((v) => v !== "" && DURATION.test(v) && (durationMs(v) ?? 0) > 0, {
  message: 'must be a positive duration in h, m, s or ms, such as "30s", "1m" or "1m30s"',
});
const keyRefSchema = z
  .object({
    name: nameSchema,
    key: z
      .string()
      .max(253, { message: "must be at most 253 characters" })
      .regex(/^[-._a-zA-Z0-9]+$/, { message: "must be a key (letters, digits, '-', '_', '.')" })
      .refine((v) => v !== "." && v !== "..", { message: 'must not be "." or ".."' }),
  })
  .strict();

/** Runtime schema of `ScrapeTargetArgs`'s fields.  @internal */
export const scrapeTargetArgsSchema = z
  .object({
    backend: z.enum([ScrapeBackend.prometheusOperator, ScrapeBackend.gmp]).optional(),
    kind: z.enum([MonitorKind.serviceMonitor, MonitorKind.podMonitor]),
    name: nameSchema,
    namespace: namespaceSchema,
    selector: labelsSchema,
    endpoints: z.array(
      z
        .object({
          port: z.string().regex(PORT_NAME, {
            message: "must be a port name (at most 15 lowercase letters, digits and '-', with a letter)",
          }),
          path: z
            .string()
            .regex(/^\/\S*$/, { message: 'must start with "/" and contain no spaces' })
            .optional(),
          interval: durationSchema.optional(),
          scrapeTimeout: durationSchema.optional(),
          scheme: z.enum([ScrapeScheme.http, ScrapeScheme.https]).optional(),
          honorLabels: z.boolean().optional(),
          basicAuth: z
            .object({ usernameSecret: keyRefSchema, passwordSecret: keyRefSchema })
            .strict()
            .optional(),
          serviceAccountToken: z.boolean().optional(),
          tls: z
            .object({
              caSource: z.enum([CaSource.secret, CaSource.configMap]).optional(),
              ca: keyRefSchema.optional(),
              serverName: z.string().min(1, { message: "must not be empty" }).optional(),
              insecureSkipVerify: z.boolean().optional(),
            })
            .strict()
            .optional(),
          metricRelabelings: z
            .array(
              z
                .object({
                  action: z.enum([
                    RelabelAction.drop,
                    RelabelAction.keep,
                    RelabelAction.labelDrop,
                    RelabelAction.labelKeep,
                  ]),
                  sourceLabels: z
                    .array(z.string().regex(PROM_LABEL_NAME, { message: "must be a Prometheus label name" }))
                    .optional(),
                  regex: z.string().min(1, { message: "must not be empty" }),
                })
                .strict(),
            )
            .optional(),
        })
        .strict(),
    ),
    namespaceSelector: z
      .object({ matchNames: z.array(namespaceSchema) })
      .strict()
      .optional(),
    prometheusSelectorLabels: labelsSchema.optional(),
  })
  .strict();

// ---------------------------------------------------------------------------------------------
// Resolved args

/** An endpoint with every default applied. */
export interface ResolvedScrapeEndpoint {
  port: string;
  path: string;
  interval: string;
  scrapeTimeout?: string;
  scheme: ScrapeScheme;
  honorLabels: boolean;
  basicAuth?: BasicAuthArgs;
  serviceAccountToken: boolean;
  tls?: ScrapeTlsArgs;
  metricRelabelings?: MetricRelabelingArgs[];
}

/** `ScrapeTargetArgs` with every default applied. */
export interface ResolvedScrapeTargetArgs {
  backend: ScrapeBackend;
  kind: MonitorKind;
  name: string;
  namespace: string;
  selector: Record<string, string>;
  endpoints: ResolvedScrapeEndpoint[];
  namespaceSelector?: NamespaceSelectorArgs;
  prometheusSelectorLabels?: Record<string, string>;
}

type ParsedArgs = z.output<typeof scrapeTargetArgsSchema>;

function scrapeTargetProblems(v: ParsedArgs): Problem[] {
  const problems: Problem[] = [];
  const gmp = v.backend === ScrapeBackend.gmp;
  if (Object.keys(v.selector).length === 0) {
    problems.push({
      path: ["selector"],
      message: `must not be empty (an empty selector matches every ${v.kind === MonitorKind.podMonitor ? "Pod" : "Service"} in the namespace)`,
    });
  }
  if (v.endpoints.length === 0)
    problems.push({ path: ["endpoints"], message: "must have at least one endpoint" });
  if (v.namespaceSelector && v.namespaceSelector.matchNames.length === 0) {
    problems.push({
      path: ["namespaceSelector", "matchNames"],
      message: "must not be empty (leave namespaceSelector out to select the monitor's own namespace)",
    });
  }
  if (gmp) {
    if (v.kind !== MonitorKind.podMonitor) {
      problems.push({
        path: ["kind"],
        message:
          'must be "podMonitor" with backend "gmp" (GMP PodMonitoring selects Pods, not Services; prometheus-engine#192)',
      });
    }
    if (v.namespaceSelector) {
      problems.push({
        path: ["namespaceSelector"],
        message:
          'is not supported with backend "gmp" (a PodMonitoring selects Pods in its own namespace only)',
      });
    }
  }
  v.endpoints.forEach((e, i) => {
    const at = (...rest: (string | number)[]) => ["endpoints", i, ...rest];
    const interval = durationMs(e.interval ?? SCRAPE_DEFAULTS.interval);
    const timeout = e.scrapeTimeout !== undefined ? durationMs(e.scrapeTimeout) : undefined;
    if (interval !== undefined && timeout !== undefined && timeout > interval) {
      // Prometheus rejects scrape_timeout > scrape_interval; so does GMP's CRD (a CEL rule).
      problems.push({ path: at("scrapeTimeout"), message: "must not be longer than interval" });
    }
    const https = (e.scheme ?? SCRAPE_DEFAULTS.scheme) === ScrapeScheme.https;
    if (e.tls && !https) {
      problems.push({ path: at("tls"), message: 'needs scheme "https"' });
    }
    if (e.tls) {
      const skip = e.tls.insecureSkipVerify === true;
      if (skip && e.tls.ca !== undefined) {
        problems.push({ path: at("tls", "insecureSkipVerify"), message: "must not be set together with ca" });
      }
      if (!skip && e.tls.ca === undefined) {
        problems.push({ path: at("tls", "ca"), message: "required unless insecureSkipVerify is true" });
      }
      if ((e.tls.ca === undefined) !== (e.tls.caSource === undefined)) {
        problems.push({
          path: at("tls", e.tls.ca === undefined ? "ca" : "caSource"),
          message: "ca and caSource go together",
        });
      }
    }
    if (e.serviceAccountToken === true) {
      if (!https) {
        problems.push({
          path: at("serviceAccountToken"),
          message: 'needs scheme "https" (a token is never sent in clear text)',
        });
      }
      if (e.basicAuth) {
        problems.push({
          path: at("serviceAccountToken"),
          message: "must not be set together with basicAuth",
        });
      }
      if (gmp) {
        problems.push({
          path: at("serviceAccountToken"),
          message: 'is not supported with backend "gmp" (GMP collectors do not send their token)',
        });
      }
    }
    if (gmp && e.honorLabels !== undefined) {
      problems.push({
        path: at("honorLabels"),
        message: 'is not supported with backend "gmp" (PodMonitoring has no honorLabels)',
      });
    }
    if (gmp && e.basicAuth) {
      problems.push({
        path: at("basicAuth"),
        message: 'is not supported with backend "gmp" (its basicAuth.username is plain text, not a Secret)',
      });
    }
    if (gmp && e.tls) {
      problems.push({ path: at("tls"), message: 'is not supported with backend "gmp" by this helper' });
    }
    (e.metricRelabelings ?? []).forEach((r, j) => {
      const rat = (...rest: string[]) => at("metricRelabelings", j, ...rest);
      const byName = r.action === RelabelAction.labelDrop || r.action === RelabelAction.labelKeep;
      if (byName && r.sourceLabels !== undefined) {
        // Prometheus model/relabel: "labeldrop action requires only 'regex', and no other fields".
        problems.push({ path: rat("sourceLabels"), message: `must not be set with action "${r.action}"` });
      }
      if (!byName && (r.sourceLabels ?? []).length === 0) {
        problems.push({
          path: rat("sourceLabels"),
          message: `must name at least one label with action "${r.action}"`,
        });
      }
      try {
        // A sanity check only: Prometheus uses RE2, whose syntax is mostly a subset of JavaScript's.
        new RegExp(`^(?:${r.regex})$`);
      } catch (err) {
        problems.push({
          path: rat("regex"),
          message: `is not a regular expression (${(err as Error).message})`,
        });
      }
    });
  });
  return problems;
}

/**
 * The contract pipeline of a scrape target (components/shared/contract.ts), in one pure pass: the
 * schema, the cross-field rules (non-empty selector, timeout ≤ interval, TLS needs https, what GMP
 * cannot express, relabelling shapes) and every default.
 */
export function resolveScrapeTargetArgs(args: unknown): Resolution<ResolvedScrapeTargetArgs> {
  return resolveWith(scrapeTargetArgsSchema, args, (v, fieldsValid) => {
    const problems = scrapeTargetProblems(v);
    if (!fieldsValid) return { resolved: undefined, problems };
    const resolved: ResolvedScrapeTargetArgs = {
      backend: v.backend ?? ScrapeBackend.prometheusOperator,
      kind: v.kind,
      name: v.name,
      namespace: v.namespace,
      selector: { ...v.selector },
      endpoints: v.endpoints.map((e) => ({
        port: e.port,
        path: e.path ?? SCRAPE_DEFAULTS.path,
        interval: e.interval ?? SCRAPE_DEFAULTS.interval,
        ...(e.scrapeTimeout !== undefined ? { scrapeTimeout: e.scrapeTimeout } : {}),
        scheme: e.scheme ?? SCRAPE_DEFAULTS.scheme,
        honorLabels: e.honorLabels ?? SCRAPE_DEFAULTS.honorLabels,
        ...(e.basicAuth ? { basicAuth: e.basicAuth } : {}),
        serviceAccountToken: e.serviceAccountToken ?? false,
        ...(e.tls ? { tls: e.tls } : {}),
        ...(e.metricRelabelings ? { metricRelabelings: e.metricRelabelings } : {}),
      })),
      ...(v.namespaceSelector
        ? { namespaceSelector: { matchNames: [...v.namespaceSelector.matchNames] } }
        : {}),
      ...(v.prometheusSelectorLabels ? { prometheusSelectorLabels: { ...v.prometheusSelectorLabels } } : {}),
    };
    return { resolved, problems };
  });
}

// ---------------------------------------------------------------------------------------------
// Manifests

/** A monitor manifest (ServiceMonitor, PodMonitor or PodMonitoring), ready for a CustomResource. */
export interface ScrapeTargetManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

/** Thrown by `scrapeTargetManifests` on invalid args: one `args.<path>: <message>` line each. */
export class ScrapeTargetArgsError extends Error {
  constructor(public readonly problems: Problem[]) {
    super(`invalid scrape target:\n  ${problems.map((p) => problemLine(p)).join("\n  ")}`);
    this.name = "ScrapeTargetArgsError";
  }
}

function relabelings(rs: MetricRelabelingArgs[]): Record<string, unknown>[] {
  return rs.map((r) => ({
    action: r.action,
    ...(r.sourceLabels !== undefined ? { sourceLabels: [...r.sourceLabels] } : {}),
    regex: r.regex,
  }));
}

/** A prometheus-operator endpoint (ServiceMonitor `endpoints[]` / PodMonitor `podMetricsEndpoints[]`). */
function operatorEndpoint(e: ResolvedScrapeEndpoint): Record<string, unknown> {
  return {
    port: e.port,
    path: e.path,
    interval: e.interval,
    ...(e.scrapeTimeout !== undefined ? { scrapeTimeout: e.scrapeTimeout } : {}),
    scheme: e.scheme,
    honorLabels: e.honorLabels,
    ...(e.basicAuth
      ? {
          basicAuth: {
            username: { name: e.basicAuth.usernameSecret.name, key: e.basicAuth.usernameSecret.key },
            password: { name: e.basicAuth.passwordSecret.name, key: e.basicAuth.passwordSecret.key },
          },
        }
      : {}),
    // The operator mounts the Prometheus pod's own token (deprecated in favour of `authorization`
    // with a Secret, which would need a token Secret in every monitored namespace; Kueue's own
    // chart uses this field, kubernetes-sigs/kueue charts/kueue/templates/prometheus/monitor.yaml).
    ...(e.serviceAccountToken ? { bearerTokenFile: SERVICE_ACCOUNT_TOKEN_FILE } : {}),
    ...(e.tls
      ? {
          tlsConfig: {
            ...(e.tls.ca !== undefined && e.tls.caSource !== undefined
              ? { ca: { [e.tls.caSource]: { name: e.tls.ca.name, key: e.tls.ca.key } } }
              : {}),
            ...(e.tls.serverName !== undefined ? { serverName: e.tls.serverName } : {}),
            ...(e.tls.insecureSkipVerify === true ? { insecureSkipVerify: true } : {}),
          },
        }
      : {}),
    ...(e.metricRelabelings ? { metricRelabelings: relabelings(e.metricRelabelings) } : {}),
  };
}

/** A GMP PodMonitoring endpoint (`spec.endpoints[]`; `timeout`, `metricRelabeling` are its names). */
function gmpEndpoint(e: ResolvedScrapeEndpoint): Record<string, unknown> {
  return {
    port: e.port,
    path: e.path,
    interval: e.interval,
    ...(e.scrapeTimeout !== undefined ? { timeout: e.scrapeTimeout } : {}),
    scheme: e.scheme,
    ...(e.metricRelabelings ? { metricRelabeling: relabelings(e.metricRelabelings) } : {}),
  };
}

/** The manifest of resolved args. */
export function renderScrapeTarget(r: ResolvedScrapeTargetArgs): ScrapeTargetManifest {
  const metadata = {
    name: r.name,
    namespace: r.namespace,
    ...(r.prometheusSelectorLabels ? { labels: { ...r.prometheusSelectorLabels } } : {}),
  };
  const selector = { matchLabels: { ...r.selector } };
  if (r.backend === ScrapeBackend.gmp) {
    return {
      apiVersion: "monitoring.googleapis.com/v1",
      kind: "PodMonitoring",
      metadata,
      spec: { selector, endpoints: r.endpoints.map(gmpEndpoint) },
    };
  }
  const service = r.kind === MonitorKind.serviceMonitor;
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: service ? "ServiceMonitor" : "PodMonitor",
    metadata,
    spec: {
      selector,
      ...(r.namespaceSelector
        ? { namespaceSelector: { matchNames: [...r.namespaceSelector.matchNames] } }
        : {}),
      [service ? "endpoints" : "podMetricsEndpoints"]: r.endpoints.map(operatorEndpoint),
    },
  };
}

/**
 * The monitor of a scrape target: a ServiceMonitor or PodMonitor (backend `prometheusOperator`),
 * or a GMP PodMonitoring (backend `gmp`). Throws `ScrapeTargetArgsError` listing every problem.
 */
export function scrapeTargetManifests(args: ScrapeTargetArgs): ScrapeTargetManifest {
  const r = resolveScrapeTargetArgs(args);
  if (r.problems.length > 0 || !r.resolved) throw new ScrapeTargetArgsError(r.problems);
  return renderScrapeTarget(r.resolved);
}
