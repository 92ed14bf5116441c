/**
 * The public contract of `mlops:index:Monitoring`: a hand-written, documented args interface and
 * the zod schema that validates it at runtime (test/types.test.ts keeps the two in sync), and the
 * one resolver (`resolveMonitoringArgs`) that applies the environment preset and every default.
 */
import { z } from "zod";
import { resolvePlatform, type ResolvedPlatform } from "../shared/component";
import { resolveWith, nested, type Problem, type Resolution } from "../shared/contract";
import {
  httpsIngressArgsSchema,
  httpsIngressProblems,
  resolveHttpsIngress,
  type HttpsIngressArgs,
  type ResolvedHttpsIngress,
} from "../shared/https-ingress";
import type { Environment } from "../shared/presets";
import { containerResourcesSchema, dnsLabelSchema, labelMapSchema } from "../shared/schemas";
import { ScrapeBackend } from "../shared/monitors";
import type { ContainerResources } from "../shared/k8s";
import { clusterComponentArgsShape, type ClusterHandle } from "../training-cluster";
import {
  alertingArgsSchema,
  resolveAlertingArgs,
  type AlertingArgs,
  type ResolvedAlertingArgs,
} from "./alertmanager";
import { catalogueParamsSchema, type CatalogueParams } from "./rules";

/** Where the metrics are stored and queried. */
export const MonitoringMode = {
  /**
   * kube-prometheus-stack in the cluster: Prometheus (with a PVC), Alertmanager and Grafana.
   * Every target.
   */
  selfHosted: "selfHosted",
  /**
   * The cloud's managed Prometheus: Amazon Managed Service for Prometheus on aws (the in-cluster
   * Prometheus keeps reading the monitors and remote-writes to an encrypted workspace), Google
   * Cloud Managed Service for Prometheus on gcp (GKE's collectors read PodMonitoring; rules are
   * evaluated by GMP). Not on target "local".
   */
  managed: "managed",
} as const;
export type MonitoringMode = (typeof MonitoringMode)[keyof typeof MonitoringMode];

/** The in-cluster Prometheus. Defaults come from the environment (dev / staging / prod). */
export interface MonitoringPrometheusArgs {
  /**
   * How long samples are kept (Prometheus duration: `d`, `w`, `y`, ...). With mode "managed" on
   * aws the workspace keeps them (`managedRetentionDays`) and this is the local buffer.
   * @default "7d" in dev, "15d" in staging, "30d" in prod ("1d" with mode "managed")
   */
  retention?: string;
  /**
   * Size of the PersistentVolumeClaim of each replica, in GiB. Retention by size is set to 85% of
   * it, so the TSDB never fills its volume (oldest blocks go first).
   * @default 20 in dev, 50 in staging, 100 in prod
   */
  storageGb?: number;
  /** Prometheus replicas (each scrapes every target; Alertmanager deduplicates). @default 1 in dev, 2 in staging/prod */
  replicas?: number;
  /** Container resources. @default requests 500m / 2Gi, limits 2 / 8Gi */
  resources?: ContainerResources;
  /**
   * Days the managed workspace keeps samples (mode "managed" on aws: the workspace's retention;
   * GMP keeps 24 months, fixed by Google).
   * @default 150 (the AMP default)
   */
  managedRetentionDays?: number;
}

/** The in-cluster Alertmanager and its routing. */
export interface MonitoringAlertmanagerArgs extends AlertingArgs {
  /** Alertmanager replicas (they gossip to deduplicate notifications). @default 1 in dev, 2 in staging, 3 in prod */
  replicas?: number;
  /** Size of each replica's volume (silences, notification log), in GiB. @default 2 */
  storageGb?: number;
}

/**
 * Grafana. Anonymous access is always off; it is reachable only inside the cluster unless its
 * Ingress is enabled.
 */
export interface MonitoringGrafanaArgs {
  /** Deploy Grafana with the toolkit's dashboards. @default true */
  enabled?: boolean;
  /** The admin user (its password is generated, kept in a Secret, and exported as a secret). @default "admin" */
  adminUsername?: string;
  /**
   * An HTTPS-only Ingress to Grafana (its own login guards it), on the target's internal load
   * balancer by default; its NetworkPolicy admits the load balancer (or the in-cluster controller)
   * to Grafana's pods only. The rest of the stack stays in-cluster.
   * @default off: Grafana is reachable only inside the cluster
   */
  ingress?: HttpsIngressArgs;
}

/** The Pushgateway batch jobs push their results to (drift scores, materialisation times). */
export interface MonitoringPushgatewayArgs {
  /** Deploy it. @default true */
  enabled?: boolean;
  /**
   * Labels of the namespaces whose pods may push (anyone who can push can fake a drift score,
   * which triggers retraining: only the batch jobs' namespaces get the label).
   * @default { "mlops.pulumi.com/metrics-pusher": "true" }
   */
  clientNamespaceLabels?: Record<string, string>;
}

export interface MonitoringArgs {
  /**
   * The cluster to monitor: a `GpuTrainingCluster`'s `handle` (with `monitoring: { enabled: true }`),
   * or `existingClusterHandle({ ..., monitoring: {} })`. Its `monitoring` says which backend
   * scrapes (mode "selfHosted" and "managed" on aws need "prometheusOperator", "managed" on gcp
   * needs "gmp") and which CRDs the rules come after.
   */
  cluster: ClusterHandle;
  /** Environment preset that picks the defaults below. @default the cluster's environment */
  environment?: Environment;
  /** Where the metrics live. @default "selfHosted" */
  mode?: MonitoringMode;
  /** Namespace of the stack (created with Pod Security "restricted" and default-deny networking). @default "monitoring" */
  namespace?: string;
  /** The in-cluster Prometheus. @default the environment preset */
  prometheus?: MonitoringPrometheusArgs;
  /** Alertmanager: receivers, routes, grouping, inhibition, replicas. @default no receivers: alerts go to the "null" receiver */
  alertmanager?: MonitoringAlertmanagerArgs;
  /** Grafana. @default enabled, admin "admin" with a generated password */
  grafana?: MonitoringGrafanaArgs;
  /** The Pushgateway. @default enabled */
  pushgateway?: MonitoringPushgatewayArgs;
  /**
   * Export node metrics with node-exporter (it needs the host's network, PID namespace and root
   * filesystem, so it runs alone in a namespace `<namespace>-node-exporter` with Pod Security
   * "privileged"). @default true
   */
  nodeExporter?: boolean;
  /** Parameters of the alert rules (SLO targets, thresholds, durations). @default the catalogue's defaults */
  alerts?: CatalogueParams;
  /**
   * Extra kube-prometheus-stack values, deep-merged over the component's (objects merge, arrays
   * and scalars replace): the upstream chart's knobs stay reachable. Keys that would weaken the
   * defaults the component guarantees are rejected (`PROTECTED_VALUE_PATHS`).
   * @default {}
   */
  values?: Record<string, unknown>;
  /** `protect` and retain-on-delete on the stack's release and volumes. @default true in prod, else false */
  protect?: boolean;
  /** Tags (AWS) and labels (GCP, Kubernetes) for every resource. @default {} (plus `environment`) */
  tags?: Record<string, string>;
}

/**
 * Chart values the component owns: setting them through `values` is an error, because each
 * guards a default of the security posture (nothing exposed, no anonymous access, no unauthenticated
 * admin or write APIs) or the monitor selection (every monitor in every namespace) that the
 * toolkit's components rely on.
 */
export const PROTECTED_VALUE_PATHS = [
  "crds.enabled",
  // The grafana subchart's `grafana.ini` key, section `auth.anonymous` (keys may contain dots).
  "grafana.grafana.ini.auth.anonymous",
  "grafana.adminPassword",
  "grafana.admin",
  "grafana.service.type",
  "grafana.ingress",
  "prometheus.service.type",
  "prometheus.ingress",
  "prometheus.prometheusSpec.enableAdminAPI",
  "prometheus.prometheusSpec.enableRemoteWriteReceiver",
  "prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues",
  "prometheus.prometheusSpec.podMonitorSelectorNilUsesHelmValues",
  "prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues",
  "prometheus.prometheusSpec.probeSelectorNilUsesHelmValues",
  "prometheus.prometheusSpec.scrapeConfigSelectorNilUsesHelmValues",
  "alertmanager.service.type",
  "alertmanager.ingress",
  "alertmanager.config",
  "alertmanager.stringConfig",
] as const;

const resourcesSchema = containerResourcesSchema;

/** A Prometheus duration (prometheus/common model.ParseDuration: ms s m h d w y). */
const PROMETHEUS_DURATION = /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/;
const prometheusDuration = z
  .string()
  .regex(PROMETHEUS_DURATION, { message: 'must be a Prometheus duration such as "15d", "12h" or "2w"' })
  // Only a well-formed duration can be zero (a malformed one has its own message).
  .refine((v) => !PROMETHEUS_DURATION.test(v) || /[1-9]/.test(v), { message: "must be longer than zero" });

/**
 * Field schemas of `MonitoringArgs`, without the cross-field rules.
 * @internal zod schema: kept out of the published declarations (stripInternal).
 */
export const monitoringArgsObject = z
  .object({
    ...clusterComponentArgsShape,
    mode: z.enum([MonitoringMode.selfHosted, MonitoringMode.managed]).optional(),
    namespace: dnsLabelSchema(46).optional(),
    prometheus: z
      .object({
        retention: prometheusDuration.optional(),
        storageGb: z.number().int().min(5).max(16_384).optional(),
        replicas: z.number().int().min(1).max(5).optional(),
        resources: resourcesSchema.optional(),
        managedRetentionDays: z.number().int().min(1).max(1095).optional(),
      })
      .strict()
      .optional(),
    alertmanager: alertingArgsSchema
      .extend({
        replicas: z.number().int().min(1).max(5).optional(),
        storageGb: z.number().int().min(1).max(100).optional(),
      })
      .strict()
      .optional(),
    grafana: z
      .object({
        enabled: z.boolean().optional(),
        adminUsername: z
          .string()
          .regex(/^[A-Za-z0-9_.@-]{1,64}$/, { message: "must be 1–64 letters, digits, '_', '.', '@' or '-'" })
          .optional(),
        ingress: httpsIngressArgsSchema("grafana.example.com").optional(),
      })
      .strict()
      .optional(),
    pushgateway: z
      .object({
        enabled: z.boolean().optional(),
        clientNamespaceLabels: labelMapSchema
          .refine((m) => Object.keys(m).length > 0, {
            message: "must name at least one label (an empty selector admits pushes from every namespace)",
          })
          .optional(),
      })
      .strict()
      .optional(),
    nodeExporter: z.boolean().optional(),
    alerts: catalogueParamsSchema.optional(),
    values: z.record(z.string(), z.unknown()).optional(),
    protect: z.boolean().optional(),
  })
  .strict();

/** Runtime schema of `MonitoringArgs`.  @internal */
export const monitoringArgsSchema = monitoringArgsObject;

/** `MonitoringArgs` with every default applied. */
export interface ResolvedMonitoringArgs extends ResolvedPlatform {
  mode: MonitoringMode;
  /** The backend that scrapes (the cluster's). */
  backend: ScrapeBackend;
  namespace: string;
  nodeExporterNamespace: string | undefined;
  prometheus: {
    retention: string;
    storageGb: number;
    /** 85% of `storageGb`, in Prometheus's size format ("42GiB"). */
    retentionSize: string;
    replicas: number;
    resources: ContainerResources;
    managedRetentionDays: number;
  };
  alertmanager: ResolvedAlertingArgs & { replicas: number; storageGb: number };
  /** Grafana; undefined when it is off. `ingress`: undefined when its Ingress is off. */
  grafana: { adminUsername: string; ingress: ResolvedHttpsIngress | undefined } | undefined;
  pushgateway: { clientNamespaceLabels: Record<string, string> } | undefined;
  alerts: CatalogueParams;
  values: Record<string, unknown>;
}

/** Per-environment defaults of the stack. */
const MONITORING_PRESETS: Record<
  Environment,
  { retention: string; storageGb: number; prometheusReplicas: number; alertmanagerReplicas: number }
> = {
  dev: { retention: "7d", storageGb: 20, prometheusReplicas: 1, alertmanagerReplicas: 1 },
  staging: { retention: "15d", storageGb: 50, prometheusReplicas: 2, alertmanagerReplicas: 2 },
  prod: { retention: "30d", storageGb: 100, prometheusReplicas: 2, alertmanagerReplicas: 3 },
};

/**
 * Default Prometheus resources. The chart sets none (values.yaml `prometheusSpec.resources: {}`);
 * Prometheus needs roughly 3–8 KiB of memory per active series, so 2 GiB requested serves a few
 * hundred thousand series (a GPU cluster with DCGM on a few dozen nodes), with room to 8 GiB.
 */
export const DEFAULT_PROMETHEUS_RESOURCES: ContainerResources = {
  cpuRequest: "500m",
  memoryRequest: "2Gi",
  cpuLimit: "2",
  memoryLimit: "8Gi",
};

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * The problems of `values` that touch `PROTECTED_VALUE_PATHS` (dotted; keys may contain dots:
 * `grafana.ini` is one key): a protected path set, or one of its parents set to a non-object,
 * which `mergeValues` would put in place of everything the component sets under it.
 */
function protectedValueProblems(values: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [key, child] of Object.entries(node)) {
      const path = prefix === "" ? key : `${prefix}.${key}`;
      if (PROTECTED_VALUE_PATHS.some((p) => p === path)) {
        problems.push({
          path: ["values", path],
          message:
            "is set by the component (a security or monitor-selection default it guarantees); remove it",
        });
      } else if (PROTECTED_VALUE_PATHS.some((p) => p.startsWith(`${path}.`))) {
        if (isPlainObject(child)) walk(child, path);
        else
          problems.push({
            path: ["values", path],
            message:
              "replaces what the component sets under it (a security or monitor-selection default it guarantees); set the keys inside it instead",
          });
      }
    }
  };
  walk(values, "");
  return problems;
}

type Checked = Omit<z.output<typeof monitoringArgsObject>, "cluster"> & {
  cluster: Pick<ClusterHandle, "target" | "environment" | "monitoring">;
};

function monitoringProblems(v: Checked, mode: MonitoringMode): Problem[] {
  const problems: Problem[] = [];
  const cluster = v.cluster;
  const backend = cluster.monitoring?.backend;
  if (backend === undefined) {
    problems.push({
      path: ["cluster"],
      message:
        "monitoring is off on this cluster: enable it on the cluster (GpuTrainingCluster monitoring: { enabled: true }, or existingClusterHandle({ monitoring: {} })), so the components on it create the monitors this Prometheus reads",
    });
  } else if (mode === MonitoringMode.selfHosted && backend !== ScrapeBackend.prometheusOperator) {
    problems.push({
      path: ["mode"],
      message: `"selfHosted" runs the prometheus-operator, but the cluster's monitoring backend is "${backend}"; use mode "managed" (GMP) or the cluster backend "prometheusOperator"`,
    });
  } else if (mode === MonitoringMode.managed) {
    const needed = cluster.target === "gcp" ? ScrapeBackend.gmp : ScrapeBackend.prometheusOperator;
    if (cluster.target === "local") {
      problems.push({
        path: ["mode"],
        message:
          '"managed" needs a cloud\'s managed Prometheus: target "aws" or "gcp"; use "selfHosted" on target "local"',
      });
    } else if (backend !== needed) {
      problems.push({
        path: ["mode"],
        message: `"managed" on target "${cluster.target}" needs the cluster's monitoring backend "${needed}", not "${backend}"`,
      });
    }
  }
  if (v.grafana?.enabled === false && v.grafana.ingress?.enabled) {
    problems.push({
      path: ["grafana", "ingress", "enabled"],
      message: "Grafana is off (grafana.enabled is false); remove the Ingress or enable Grafana",
    });
  } else {
    problems.push(...httpsIngressProblems(cluster.target, v.grafana?.ingress, ["grafana", "ingress"]));
  }
  problems.push(...protectedValueProblems(v.values ?? {}));
  return problems;
}

/**
 * The contract pipeline of `Monitoring` (components/shared/contract.ts), in one pure pass: the
 * schema, the cross-field rules (the cluster's monitoring backend against the mode and target,
 * protected chart values, routing and rule parameters) and every default. `environment` fills
 * `args.environment` and the cluster's environment when neither is given; `cluster` stands in for
 * `args.cluster` (the stack config has no handle yet).
 */
export function resolveMonitoringArgs(
  args: unknown,
  environment?: Environment,
  cluster?: Pick<ClusterHandle, "target" | "environment" | "monitoring">,
): Resolution<ResolvedMonitoringArgs> {
  const schema = cluster ? monitoringArgsObject.omit({ cluster: true }) : monitoringArgsObject;
  return resolveWith(schema, args, (parsed, fieldsValid) => {
    const v = { ...parsed, ...(cluster ? { cluster } : {}) } as Checked;
    if (typeof v.cluster?.target !== "string") return { resolved: undefined, problems: [] };
    const mode = v.mode ?? MonitoringMode.selfHosted;
    const problems = monitoringProblems(v, mode);
    const { alertmanager: am = {} } = v;
    const { replicas: amReplicas, storageGb: amStorage, ...routing } = am;
    const alerting = resolveAlertingArgs(routing);
    problems.push(...nested(["alertmanager"], alerting.problems));
    if (!fieldsValid || alerting.resolved === undefined) return { resolved: undefined, problems };
    const env: Environment = v.environment ?? v.cluster.environment ?? environment ?? "dev";
    const preset = MONITORING_PRESETS[env];
    const storageGb = v.prometheus?.storageGb ?? preset.storageGb;
    const namespace = v.namespace ?? "monitoring";
    const managed = mode === MonitoringMode.managed;
    const resolved: ResolvedMonitoringArgs = {
      ...resolvePlatform({ environment: env, tags: v.tags, protect: v.protect }),
      mode,
      backend: v.cluster.monitoring?.backend ?? ScrapeBackend.prometheusOperator,
      namespace,
      nodeExporterNamespace: (v.nodeExporter ?? true) ? `${namespace}-node-exporter` : undefined,
      prometheus: {
        retention: v.prometheus?.retention ?? (managed ? "1d" : preset.retention),
        storageGb,
        retentionSize: `${Math.floor(storageGb * 0.85)}GiB`,
        replicas: v.prometheus?.replicas ?? preset.prometheusReplicas,
        resources: v.prometheus?.resources ?? DEFAULT_PROMETHEUS_RESOURCES,
        managedRetentionDays: v.prometheus?.managedRetentionDays ?? 150,
      },
      alertmanager: {
        ...alerting.resolved,
        replicas: amReplicas ?? preset.alertmanagerReplicas,
        storageGb: amStorage ?? 2,
      },
      grafana:
        (v.grafana?.enabled ?? true)
          ? {
              adminUsername: v.grafana?.adminUsername ?? "admin",
              ingress: resolveHttpsIngress(v.cluster.target, v.grafana?.ingress),
            }
          : undefined,
      pushgateway:
        (v.pushgateway?.enabled ?? true)
          ? {
              clientNamespaceLabels: v.pushgateway?.clientNamespaceLabels ?? {
                "mlops.pulumi.com/metrics-pusher": "true",
              },
            }
          : undefined,
      alerts: v.alerts ?? {},
      values: v.values ?? {},
    };
    return { resolved, problems };
  });
}

// ---- type-level check: the interface and the schema describe the same shape ------------------

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
/** @internal zod schema: kept out of the published declarations (stripInternal). */
export type _MonitoringArgsMatch = Assert<Equals<z.input<typeof monitoringArgsObject>, MonitoringArgs>>;
