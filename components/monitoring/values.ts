/**
 * The kube-prometheus-stack release of `mlops:index:Monitoring`: the pinned chart and the values
 * the component sets, as a pure function of the resolved args (tests read them without a plan).
 *
 * Facts with sources: docs/design/monitoring-research.md (§1 chart values with line numbers in
 * prometheus-community/helm-charts cf408a29, §2 images and their Pod Security level).
 */
import type { ContainerResources } from "../shared/k8s";
import { resources } from "../shared/k8s";
import { NULL_RECEIVER } from "./alertmanager";
import type { ResolvedMonitoringArgs } from "./args";

/**
 * kube-prometheus-stack 88.5.3 (appVersion v0.93.1: Prometheus v3.14.0, Alertmanager v0.34.0,
 * Grafana 13.2.0 from the grafana-community chart 12.11.1); the newest release in the stored
 * snapshot of prometheus-community/helm-charts (charts/kube-prometheus-stack/Chart.yaml at cf408a29).
 * Its CRDs come from the cluster's `prometheus-operator-crds` 31.0.1 release (same operator version).
 */
export const KUBE_PROMETHEUS_STACK_CHART = {
  repo: "https://prometheus-community.github.io/helm-charts",
  chart: "kube-prometheus-stack",
  version: "88.5.3",
} as const;

/** Helm release name, and the chart's `fullnameOverride`: object names start with it. */
export const MONITORING_RELEASE = "monitoring";

/** In-cluster Services the stack creates (`<fullnameOverride>-<component>`), and their ports. */
export const MONITORING_SERVICES = {
  prometheus: { name: `${MONITORING_RELEASE}-prometheus`, port: 9090 },
  alertmanager: { name: `${MONITORING_RELEASE}-alertmanager`, port: 9093 },
  grafana: { name: `${MONITORING_RELEASE}-grafana`, port: 80 },
} as const;

/** In-cluster URL of one of the stack's Services in `namespace` (`http://<name>.<ns>.svc.cluster.local:<port>`). */
export function monitoringServiceUrl(service: { name: string; port: number }, namespace: string): string {
  return `http://${service.name}.${namespace}.svc.cluster.local:${service.port}`;
}

/** In-cluster URL of the self-hosted Prometheus API in `namespace` (KEDA triggers, the canary decision). */
export function inClusterPrometheusUrl(namespace: string): string {
  return monitoringServiceUrl(MONITORING_SERVICES.prometheus, namespace);
}

/**
 * Grafana's container port: the grafana chart's Service maps port 80 to `service.targetPort: 3000`
 * (grafana-community/helm-charts charts/grafana/values.yaml `service.port`/`service.targetPort`),
 * where a load balancer that reaches pod IPs connects.
 */
export const GRAFANA_CONTAINER_PORT = 3000;

/** Grafana's health endpoint: 200 without a login (the chart's probes use it). */
export const GRAFANA_HEALTH_PATH = "/api/health";

/** The prometheus-operator's admission webhook port (`prometheusOperator.tls.internalPort`), called by the API server. */
export const OPERATOR_WEBHOOK_PORT = 10250;

/** The Grafana admin Secret's keys (the chart's `admin.userKey` / `admin.passwordKey` defaults). */
export const GRAFANA_ADMIN_KEYS = { user: "admin-user", password: "admin-password" } as const;

/**
 * Requests and limits of the stack's other containers. The chart sets none for most of them
 * (values.yaml `resources: {}`); these fit a cluster of a few dozen nodes, and every one can be
 * changed through `values`.
 */
export const STACK_RESOURCES: Record<
  | "alertmanager"
  | "operator"
  | "webhookJob"
  | "grafana"
  | "grafanaSidecar"
  | "kubeStateMetrics"
  | "nodeExporter",
  ContainerResources
> = {
  alertmanager: { cpuRequest: "50m", memoryRequest: "128Mi", cpuLimit: "200m", memoryLimit: "256Mi" },
  operator: { cpuRequest: "100m", memoryRequest: "128Mi", cpuLimit: "500m", memoryLimit: "512Mi" },
  webhookJob: { cpuRequest: "50m", memoryRequest: "64Mi", cpuLimit: "100m", memoryLimit: "128Mi" },
  grafana: { cpuRequest: "100m", memoryRequest: "256Mi", cpuLimit: "500m", memoryLimit: "512Mi" },
  grafanaSidecar: { cpuRequest: "50m", memoryRequest: "64Mi", cpuLimit: "100m", memoryLimit: "128Mi" },
  kubeStateMetrics: { cpuRequest: "50m", memoryRequest: "128Mi", cpuLimit: "200m", memoryLimit: "256Mi" },
  nodeExporter: { cpuRequest: "50m", memoryRequest: "32Mi", cpuLimit: "200m", memoryLimit: "64Mi" },
};

/** What the values depend on beyond the resolved args. */
export interface StackValueInputs {
  /** `cluster` external label on every series (the cluster's physical name). */
  clusterName: string;
  /** StorageClass of the Prometheus and Alertmanager volumes; the cluster default when undefined. */
  storageClassName: string | undefined;
  /** The Alertmanager configuration (`renderAlertmanagerConfig(...).config`): secrets as `*_file`. */
  alertmanagerConfig: Record<string, unknown>;
  /** Secrets mounted into the Alertmanager (`renderAlertmanagerConfig(...).secretNames`). */
  alertmanagerSecrets: string[];
  /** The Grafana admin Secret (keys `GRAFANA_ADMIN_KEYS`). */
  grafanaAdminSecret: string | undefined;
  /** Remote-write targets (mode "managed" on aws): prometheusSpec.remoteWrite. @default [] */
  remoteWrite?: Record<string, unknown>[];
  /** Annotations of the Prometheus ServiceAccount (IRSA). @default {} */
  prometheusServiceAccountAnnotations?: Record<string, string>;
  /**
   * Run the in-cluster Prometheus: false with GMP (GKE's collectors scrape, GMP evaluates the
   * rules), where the stack keeps the operator, the Alertmanager and Grafana.
   */
  inClusterPrometheus: boolean;
  /** Grafana's Prometheus datasource URL when it is not the in-cluster Prometheus (the GMP frontend). */
  grafanaDatasourceUrl?: string;
  /** Grafana's Ingress (the class's settings resolved); undefined when it is off. */
  grafanaIngress?: GrafanaIngressValues;
}

/** Grafana's Ingress as the chart renders it (`grafana.ingress`, `grafana.service.annotations`). */
export interface GrafanaIngressValues {
  host: string;
  /** `spec.ingressClassName`; undefined when the class is chosen by annotation (GKE). */
  ingressClassName?: string;
  /** The class's annotations, then the caller's. */
  annotations: Record<string, string>;
  /** TLS Secret; undefined when the load balancer holds the certificate (ACM). */
  tlsSecretName?: string;
  /** Annotations on Grafana's Service the load balancer needs (GKE NEG, BackendConfig). */
  serviceAnnotations: Record<string, string>;
}

/**
 * The grafana chart's Ingress values (charts/grafana/templates/ingress.yaml renders `hosts`, `path`,
 * `pathType`, `tls` and `ingressClassName`, with the Service's port as the backend), off unless
 * `ingress` is given.
 */
function grafanaIngressValues(ingress: GrafanaIngressValues | undefined): Record<string, unknown> {
  if (!ingress) return { enabled: false };
  return {
    enabled: true,
    ...(ingress.ingressClassName !== undefined ? { ingressClassName: ingress.ingressClassName } : {}),
    annotations: ingress.annotations,
    hosts: [ingress.host],
    path: "/",
    pathType: "Prefix",
    tls: [
      {
        hosts: [ingress.host],
        ...(ingress.tlsSecretName !== undefined ? { secretName: ingress.tlsSecretName } : {}),
      },
    ],
  };
}

/**
 * kube-prometheus-stack's own always-firing alerts (defaultRules group "general", severity "none"):
 * `Watchdog`, the dead man's switch, and `InfoInhibitor`, which fires while any info alert fires.
 * Neither is a problem to notify about. The chart's default `alertmanager.config` routes Watchdog
 * to "null" (values.yaml `alertmanager.config.route.routes`, prometheus-community/helm-charts
 * charts/kube-prometheus-stack) and inhibits InfoInhibitor; Helm merges that default route list
 * only while ours has none, so with the args' routes both would reach the default receiver (a page
 * every `repeatInterval`). They are dropped explicitly, before the args' routes, unless a route of
 * the args matches the alert's name itself (e.g. Watchdog sent to a heartbeat service).
 */
export const CHART_META_ALERTS = ["Watchdog", "InfoInhibitor"] as const;

/** The rendered Alertmanager configuration with the routes dropping `CHART_META_ALERTS` first. */
export function withMetaAlertRoutes(config: Record<string, unknown>): Record<string, unknown> {
  const route = (config["route"] ?? {}) as Record<string, unknown>;
  const routes = (route["routes"] ?? []) as { matchers?: unknown }[];
  const named = (alert: string) =>
    routes.some((r) => Array.isArray(r.matchers) && r.matchers.includes(`alertname="${alert}"`));
  const drop = CHART_META_ALERTS.filter((alert) => !named(alert)).map((alert) => ({
    receiver: NULL_RECEIVER,
    matchers: [`alertname="${alert}"`],
  }));
  return { ...config, route: { ...route, routes: [...drop, ...routes] } };
}

function volumeClaim(storageGb: number, storageClassName: string | undefined) {
  return {
    volumeClaimTemplate: {
      spec: {
        ...(storageClassName !== undefined ? { storageClassName } : {}),
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: `${storageGb}Gi` } },
      },
    },
  };
}

/**
 * The values the component sets (before the user's `values` are merged over them). The parts the
 * security posture rests on (`PROTECTED_VALUE_PATHS`) cannot be overridden.
 */
export function kubePrometheusStackValues(
  r: ResolvedMonitoringArgs,
  inputs: StackValueInputs,
): Record<string, unknown> {
  const p = r.prometheus;
  const am = r.alertmanager;
  // Managed control planes (EKS, GKE) do not expose these components' metrics: their targets and
  // alerts would only ever report them down.
  const controlPlaneOff = {
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeEtcd: { enabled: false },
    kubeProxy: { enabled: false },
  };
  return {
    fullnameOverride: MONITORING_RELEASE,
    // The CRDs are the cluster's own release (prometheus-operator-crds), installed before any monitor.
    crds: { enabled: false },
    ...controlPlaneOff,
    defaultRules: {
      create: true,
      rules: {
        etcd: false,
        kubeControllerManager: false,
        kubeSchedulerAlerting: false,
        kubeSchedulerRecording: false,
        kubeProxy: false,
      },
    },
    prometheusOperator: {
      resources: resources(STACK_RESOURCES.operator),
      admissionWebhooks: { patch: { resources: resources(STACK_RESOURCES.webhookJob) } },
    },
    prometheus: {
      enabled: inputs.inClusterPrometheus,
      service: { type: "ClusterIP" },
      ingress: { enabled: false },
      ...(inputs.prometheusServiceAccountAnnotations
        ? { serviceAccount: { annotations: inputs.prometheusServiceAccountAnnotations } }
        : {}),
      prometheusSpec: {
        // Every monitor and rule in every namespace: without these the Prometheus selects only
        // objects labelled `release: <release>` (values.yaml lines 4451–4546).
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        scrapeConfigSelectorNilUsesHelmValues: false,
        enableAdminAPI: false,
        enableRemoteWriteReceiver: false,
        retention: p.retention,
        retentionSize: p.retentionSize,
        replicas: p.replicas,
        ...(p.replicas > 1 ? { podAntiAffinity: "soft" } : {}),
        externalLabels: { cluster: inputs.clusterName },
        resources: resources(p.resources),
        storageSpec: volumeClaim(p.storageGb, inputs.storageClassName),
        ...(inputs.remoteWrite && inputs.remoteWrite.length > 0 ? { remoteWrite: inputs.remoteWrite } : {}),
      },
    },
    alertmanager: {
      service: { type: "ClusterIP" },
      ingress: { enabled: false },
      // The rendered configuration (every secret is a `*_file` under /etc/alertmanager/secrets),
      // with the chart's always-firing alerts dropped first (`withMetaAlertRoutes`).
      config: withMetaAlertRoutes(inputs.alertmanagerConfig),
      alertmanagerSpec: {
        replicas: am.replicas,
        ...(am.replicas > 1 ? { podAntiAffinity: "soft" } : {}),
        secrets: inputs.alertmanagerSecrets,
        // Every AlertmanagerConfig in every namespace (a component contributes its routes with
        // one), each only seeing the alerts of its own namespace.
        alertmanagerConfigSelector: {},
        alertmanagerConfigNamespaceSelector: {},
        alertmanagerConfigMatcherStrategy: { type: "OnNamespace" },
        resources: resources(STACK_RESOURCES.alertmanager),
        storage: volumeClaim(am.storageGb, inputs.storageClassName),
      },
    },
    grafana: r.grafana
      ? {
          enabled: true,
          fullnameOverride: MONITORING_SERVICES.grafana.name,
          admin: {
            existingSecret: inputs.grafanaAdminSecret,
            userKey: GRAFANA_ADMIN_KEYS.user,
            passwordKey: GRAFANA_ADMIN_KEYS.password,
          },
          "grafana.ini": {
            "auth.anonymous": { enabled: false },
            users: { allow_sign_up: false },
            analytics: { reporting_enabled: false, check_for_updates: false },
            security: { disable_gravatar: true, cookie_secure: true },
            // Behind the Ingress, Grafana builds its redirects and links from the external URL.
            ...(inputs.grafanaIngress
              ? {
                  server: {
                    root_url: `https://${inputs.grafanaIngress.host}`,
                    domain: inputs.grafanaIngress.host,
                  },
                }
              : {}),
          },
          service: {
            type: "ClusterIP",
            ...(inputs.grafanaIngress && Object.keys(inputs.grafanaIngress.serviceAnnotations).length > 0
              ? { annotations: inputs.grafanaIngress.serviceAnnotations }
              : {}),
          },
          ingress: grafanaIngressValues(inputs.grafanaIngress),
          // Dashboards live in ConfigMaps (as code); Grafana keeps no state worth a volume, and the
          // chart's chown init container runs as root (values.yaml lines 531–566).
          persistence: { enabled: false },
          initChownData: { enabled: false },
          // The chart's test pod has no hardened security context.
          testFramework: { enabled: false },
          resources: resources(STACK_RESOURCES.grafana),
          sidecar: {
            resources: resources(STACK_RESOURCES.grafanaSidecar),
            dashboards: {
              enabled: true,
              label: "grafana_dashboard",
              labelValue: "1",
              searchNamespace: "ALL",
            },
            ...(inputs.grafanaDatasourceUrl !== undefined
              ? { datasources: { url: inputs.grafanaDatasourceUrl } }
              : {}),
          },
        }
      : { enabled: false },
    "kube-state-metrics": { resources: resources(STACK_RESOURCES.kubeStateMetrics) },
    ...(r.nodeExporterNamespace !== undefined
      ? {
          nodeExporter: { enabled: true },
          "prometheus-node-exporter": {
            namespaceOverride: r.nodeExporterNamespace,
            resources: resources(STACK_RESOURCES.nodeExporter),
          },
        }
      : { nodeExporter: { enabled: false } }),
  };
}

/** `over` deep-merged into `base`: objects merge key by key, arrays and scalars replace. */
export function mergeValues(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    const isObject = (x: unknown): x is Record<string, unknown> =>
      typeof x === "object" && x !== null && !Array.isArray(x);
    out[key] = isObject(current) && isObject(value) ? mergeValues(current, value) : value;
  }
  return out;
}
