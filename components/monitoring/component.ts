/**
 * `mlops:index:Monitoring`: Prometheus, Alertmanager and Grafana as code for a cluster of this
 * toolkit (issue 9).
 *
 * What it deploys, on the cluster's provider:
 * - the namespace (`RestrictedNamespace`: Pod Security "restricted", default-deny networking) with
 *   one NetworkPolicy for the stack, and node-exporter's own privileged namespace;
 * - kube-prometheus-stack (pinned), after the prometheus-operator CRDs the cluster installed
 *   (`cluster.monitoring.dependsOn`): every `*SelectorNilUsesHelmValues` off (all monitors in all
 *   namespaces), retention by time and size on a PVC per replica, admin API and remote-write
 *   receiver off, every Service ClusterIP;
 * - the toolkit's alert rules (`rules.ts`), one PrometheusRule (or GMP ClusterRules);
 * - the Alertmanager routing from args (`alertmanager.ts`): receivers' secrets are files;
 * - Grafana with a generated admin password (a Secret; exported as a secret), anonymous access
 *   off, and the toolkit's dashboards as ConfigMaps the sidecar loads;
 * - the Pushgateway the batch jobs push drift scores and materialisation times to, and its monitor.
 *
 * Mode "managed" swaps the store behind the adapter seam (`managedMetrics`): on aws an encrypted
 * Amazon Managed Service for Prometheus workspace the in-cluster Prometheus remote-writes to (with
 * Pod Identity or IRSA), on gcp Google Cloud Managed Service for Prometheus (GKE's collectors read
 * PodMonitoring, GMP evaluates the rules as ClusterRules and sends alerts to this Alertmanager;
 * Grafana queries through the GMP frontend). The component never branches on the target.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ManagedMetrics } from "../adapters";
import { clusterAdapter } from "../training-cluster";
import { MlopsComponent } from "../shared/component";
import { resolvedOrThrow } from "../shared/contract";
import { governanceLabels, privilegedNamespaceLabels, standardLabels } from "../shared/k8s";
import { METRICS_READER_LABEL, MonitorKind, ScrapeBackend } from "../shared/monitors";
import { RestrictedNamespace } from "../shared/restricted-namespace";
import {
  createScrapeTarget,
  GMP_COLLECTOR_NAMESPACE,
  METRICS_SCRAPER_NAMESPACE_LABEL,
  scraperNamespaceLabels,
  type ClusterMonitoring,
} from "../shared/scrape-target";
import { SecureWorkload } from "../shared/secure-workload";
import { renderAlertmanagerConfig } from "./alertmanager";
import { grafanaIngress } from "./grafana-ingress";
import {
  MonitoringMode,
  resolveMonitoringArgs,
  type MonitoringArgs,
  type ResolvedMonitoringArgs,
} from "./args";
import { dashboardConfigMap, defaultDashboards } from "./dashboards";
import { defaultRuleGroups, prometheusRuleManifest } from "./rules";
import {
  GRAFANA_ADMIN_KEYS,
  KUBE_PROMETHEUS_STACK_CHART,
  MONITORING_RELEASE,
  MONITORING_SERVICES,
  OPERATOR_WEBHOOK_PORT,
  kubePrometheusStackValues,
  monitoringServiceUrl,
  mergeValues,
} from "./values";

/** The Pulumi type token of the component. */
export const MONITORING_TYPE = "mlops:index:Monitoring";

/**
 * The Pushgateway image: quay.io/prometheus/pushgateway v1.11.3, the appVersion of the
 * prometheus-community chart prometheus-pushgateway 3.8.0 (docs/design/monitoring-research.md §2).
 * It runs as `nobody` (65534, the image's USER).
 */
export const PUSHGATEWAY_IMAGE = "quay.io/prometheus/pushgateway:v1.11.3";
/** node-exporter's port (prometheus-node-exporter chart `service.port`). */
export const NODE_EXPORTER_PORT = 9100;
/** The Pushgateway's port (`--web.listen-address`, upstream default). */
export const PUSHGATEWAY_PORT = 9091;
/** Kubernetes names of the objects the component creates itself. */
export const MONITORING_OBJECTS = {
  grafanaAdminSecret: "grafana-admin",
  rules: "mlops-alerts",
  pushgateway: "pushgateway",
  networkPolicy: "monitoring-stack",
} as const;

/** Grafana's pod labels (the grafana-community chart's selector labels under this release). */
const GRAFANA_POD_LABELS = { "app.kubernetes.io/name": "grafana" } as const;
/** The ServiceAccount the chart creates for Prometheus (`<fullname>-prometheus`). */
const PROMETHEUS_SERVICE_ACCOUNT = `${MONITORING_RELEASE}-prometheus`;

/** Prometheus, Alertmanager and Grafana for a cluster (see the module comment). */
export class Monitoring extends MlopsComponent {
  /** Namespace of the stack. */
  public readonly namespace: pulumi.Output<string>;
  /** In-cluster Prometheus URL (its HTTP API, for Grafana and tools); the GMP frontend's with mode "managed" on gcp. */
  public readonly prometheusUrl: pulumi.Output<string>;
  /** In-cluster Alertmanager URL. */
  public readonly alertmanagerUrl: pulumi.Output<string>;
  /** In-cluster Grafana URL, or undefined when Grafana is off. */
  public readonly grafanaUrl: pulumi.Output<string | undefined>;
  /** `https://<grafana.ingress.host>` when Grafana's Ingress is enabled, else undefined. */
  public readonly grafanaExternalUrl: pulumi.Output<string | undefined>;
  /** Grafana's admin user, or undefined when Grafana is off. */
  public readonly grafanaAdminUsername: pulumi.Output<string | undefined>;
  /** Grafana's admin password (secret), or undefined when Grafana is off. */
  public readonly grafanaAdminPassword: pulumi.Output<string | undefined>;
  /** In-cluster Pushgateway URL (batch jobs push here), or undefined when it is off. */
  public readonly pushgatewayUrl: pulumi.Output<string | undefined>;
  /** With mode "managed": the AMP workspace ARN (aws) or the Google Cloud project (gcp); else undefined. */
  public readonly managedEndpoint: pulumi.Output<string | undefined>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super(MONITORING_TYPE, name, opts);
    const a = resolvedOrThrow(resolveMonitoringArgs(args), this, MONITORING_TYPE);
    const cluster = args.cluster;
    // The resolver refuses a cluster without monitoring.
    const monitoring = cluster.monitoring as ClusterMonitoring;
    const ctx = this.context(a);
    const provider = cluster.provider;
    const labels = { ...governanceLabels(a.tags), ...standardLabels("monitoring", name, "monitoring") };
    const gmp = a.backend === ScrapeBackend.gmp;

    // ---- namespaces ----
    const ns = new RestrictedNamespace(
      `${name}-namespace`,
      {
        namespace: a.namespace,
        labels: { ...labels, [METRICS_SCRAPER_NAMESPACE_LABEL.key]: METRICS_SCRAPER_NAMESPACE_LABEL.value },
      },
      ctx.opts({ provider }),
    );
    const namespace = ns.namespaceName;
    const nodeExporterNs =
      a.nodeExporterNamespace !== undefined
        ? new k8s.core.v1.Namespace(
            `${name}-node-exporter-namespace`,
            {
              metadata: {
                name: a.nodeExporterNamespace,
                labels: { ...labels, ...privilegedNamespaceLabels() },
                annotations: {
                  "mlops.pulumi.com/privileged-reason":
                    "node-exporter reads the host's metrics: hostNetwork, hostPID and a read-only hostPath of /",
                },
              },
            },
            ctx.opts({ provider }),
          )
        : undefined;
    if (nodeExporterNs) {
      // node-exporter runs on the host's network, where NetworkPolicies do not apply; the policy
      // still states the intent (only the scrapers, only its port, nothing out) for any other pod.
      new k8s.networking.v1.NetworkPolicy(
        `${name}-node-exporter-network-policy`,
        {
          metadata: { name: "node-exporter", namespace: nodeExporterNs.metadata.name, labels },
          spec: {
            podSelector: {},
            policyTypes: ["Ingress", "Egress"],
            ingress: [
              {
                from: [{ namespaceSelector: { matchLabels: scraperNamespaceLabels(a.backend) } }],
                ports: [{ protocol: "TCP", port: NODE_EXPORTER_PORT }],
              },
            ],
            egress: [],
          },
        },
        ctx.opts({ provider, dependsOn: [nodeExporterNs] }),
      );
    }

    // ---- the managed store, behind the adapter seam ----
    const adapter = clusterAdapter(cluster, ctx, namespace, [ns.namespace, ns.defaultDeny]);
    // One key for what the stack stores: the Prometheus and Alertmanager volumes (a StorageClass
    // whose volumes it encrypts) and, with mode "managed", the workspace.
    const key = adapter.encryptionKey("metrics");
    const storage = adapter.blockStorage("volumes", { key, labels, retain: a.protect });
    let managed: ManagedMetrics | undefined;
    if (a.mode === MonitoringMode.managed) {
      managed = adapter.managedMetrics("metrics", {
        prometheusServiceAccountName: PROMETHEUS_SERVICE_ACCOUNT,
        queryServiceAccountName: "gmp-frontend",
        queryClientPodLabels: { ...GRAFANA_POD_LABELS },
        key,
        retentionDays: a.prometheus.managedRetentionDays,
        labels,
      });
    }
    const inClusterPrometheus = !gmp;

    // ---- the stack's NetworkPolicy (on top of the namespace's default deny and DNS egress) ----
    const networkPolicy = new k8s.networking.v1.NetworkPolicy(
      `${name}-network-policy`,
      {
        metadata: { name: MONITORING_OBJECTS.networkPolicy, namespace, labels },
        spec: stackNetworkPolicySpec(gmp, managed),
      },
      ctx.opts({ provider, dependsOn: [ns.namespace] }),
    );

    // ---- Grafana's admin credentials ----
    let grafanaPassword: random.RandomPassword | undefined;
    let grafanaSecret: k8s.core.v1.Secret | undefined;
    if (a.grafana) {
      grafanaPassword = new random.RandomPassword(
        `${name}-grafana-password`,
        { length: 32, special: false },
        ctx.opts({ additionalSecretOutputs: ["result"] }),
      );
      grafanaSecret = new k8s.core.v1.Secret(
        `${name}-grafana-admin`,
        {
          metadata: { name: MONITORING_OBJECTS.grafanaAdminSecret, namespace, labels },
          type: "Opaque",
          stringData: {
            [GRAFANA_ADMIN_KEYS.user]: a.grafana.adminUsername,
            [GRAFANA_ADMIN_KEYS.password]: pulumi.secret(grafanaPassword.result),
          },
        },
        ctx.opts({ provider, dependsOn: [ns.namespace] }),
      );
    }

    // ---- Grafana's Ingress (off by default): the load balancer's settings, a NetworkPolicy ----
    const grafanaIngressSettings = a.grafana?.ingress
      ? grafanaIngress({
          name,
          ingress: a.grafana.ingress,
          adapter,
          ctx,
          provider,
          namespace,
          labels,
          podLabels: { ...GRAFANA_POD_LABELS },
          dependsOn: [ns.namespace],
          owner: this,
          type: MONITORING_TYPE,
        })
      : undefined;

    // ---- kube-prometheus-stack ----
    const alerting = renderAlertmanagerConfig(a.alertmanager);
    const values = pulumi
      .all([
        cluster.clusterName,
        managed?.remoteWrite ?? pulumi.output([]),
        managed?.queryUrl,
        pulumi.output(managed?.prometheusServiceAccountAnnotations ?? {}),
        storage.storageClassName,
        grafanaIngressSettings?.values,
      ])
      .apply(([clusterName, remoteWrite, queryUrl, annotations, storageClassName, grafanaIngressValues]) =>
        mergeValues(
          kubePrometheusStackValues(a, {
            clusterName,
            storageClassName,
            alertmanagerConfig: alerting.config,
            alertmanagerSecrets: alerting.secretNames,
            grafanaAdminSecret: grafanaSecret ? MONITORING_OBJECTS.grafanaAdminSecret : undefined,
            remoteWrite,
            ...(Object.keys(annotations).length > 0
              ? { prometheusServiceAccountAnnotations: annotations }
              : {}),
            inClusterPrometheus,
            ...(queryUrl !== undefined ? { grafanaDatasourceUrl: queryUrl } : {}),
            ...(grafanaIngressValues !== undefined ? { grafanaIngress: grafanaIngressValues } : {}),
          }),
          a.values,
        ),
      );
    const release = new k8s.helm.v3.Release(
      name,
      {
        name: MONITORING_RELEASE,
        chart: KUBE_PROMETHEUS_STACK_CHART.chart,
        version: KUBE_PROMETHEUS_STACK_CHART.version,
        repositoryOpts: { repo: KUBE_PROMETHEUS_STACK_CHART.repo },
        namespace,
        createNamespace: false,
        skipCrds: true,
        values,
        timeout: 900,
        atomic: true,
        cleanupOnFail: true,
        maxHistory: 10,
      },
      ctx.statefulOpts({
        provider,
        dependsOn: [
          ...monitoring.dependsOn,
          ns.namespace,
          networkPolicy,
          ...(nodeExporterNs ? [nodeExporterNs] : []),
          ...(grafanaSecret ? [grafanaSecret] : []),
          ...(grafanaIngressSettings?.dependsOn ?? []),
          ...storage.resources,
          ...(managed?.resources ?? []),
        ],
      }),
    );

    // ---- the toolkit's alert rules (after the operator's admission webhook is up) ----
    const groups = defaultRuleGroups(a.alerts);
    const ruleManifest = prometheusRuleManifest(MONITORING_OBJECTS.rules, a.namespace, labels, groups);
    new k8s.apiextensions.CustomResource(
      `${name}-rules`,
      gmp
        ? {
            apiVersion: "monitoring.googleapis.com/v1",
            kind: "ClusterRules",
            metadata: { name: MONITORING_OBJECTS.rules, labels },
            spec: ruleManifest.spec,
          }
        : { ...ruleManifest, metadata: { ...ruleManifest.metadata, namespace } },
      ctx.opts({ provider, dependsOn: [...monitoring.dependsOn, release] }),
    );
    if (gmp) {
      // GMP's rule evaluator sends its alerts to this Alertmanager (OperatorConfig
      // `rules.alerting.alertmanagers`, prometheus-engine doc/api.md AlertingSpec); GKE owns the
      // OperatorConfig `gmp-public/config`, so it is patched (server-side apply), not replaced.
      new k8s.apiextensions.CustomResourcePatch(
        `${name}-gmp-alerting`,
        {
          apiVersion: "monitoring.googleapis.com/v1",
          kind: "OperatorConfig",
          metadata: { name: "config", namespace: "gmp-public" },
          rules: {
            alerting: {
              alertmanagers: [
                {
                  name: MONITORING_SERVICES.alertmanager.name,
                  namespace,
                  port: MONITORING_SERVICES.alertmanager.port,
                },
              ],
            },
          },
        },
        ctx.opts({ provider, dependsOn: [release] }),
      );
    }

    // ---- dashboards as code ----
    if (a.grafana) {
      for (const d of defaultDashboards()) {
        const cm = dashboardConfigMap(d, a.namespace);
        new k8s.core.v1.ConfigMap(
          `${name}-dashboard-${d.uid}`,
          { ...cm, metadata: { ...cm.metadata, namespace, labels: { ...labels, ...cm.metadata.labels } } },
          ctx.opts({ provider, dependsOn: [ns.namespace] }),
        );
      }
    }

    // ---- the Pushgateway and its monitor ----
    let pushgatewayUrl: pulumi.Output<string | undefined> = pulumi.output(undefined);
    if (a.pushgateway) {
      const pushgateway = this.pushgateway(name, a, labels, namespace, provider, gmp, ns.namespace);
      pushgatewayUrl = pulumi.interpolate`http://${pushgateway.serviceName}.${namespace}.svc.cluster.local:${PUSHGATEWAY_PORT}`;
      createScrapeTarget(
        { ctx, provider, monitoring, dependsOn: [pushgateway.deployment] },
        "pushgateway-monitor",
        {
          kind: MonitorKind.podMonitor,
          name: MONITORING_OBJECTS.pushgateway,
          namespace: a.namespace,
          selector: { "app.kubernetes.io/name": "pushgateway", "app.kubernetes.io/instance": name },
          // Keep the pushed `job` and `instance` (the pushing job's, not the Pushgateway's); GMP
          // has no honorLabels and keeps them as `exported_*`.
          endpoints: [{ port: "http", ...(gmp ? {} : { honorLabels: true }) }],
        },
      );
    }

    const svc = (s: { name: string; port: number }) =>
      pulumi.output(namespace).apply((ns) => monitoringServiceUrl(s, ns));
    this.namespace = namespace;
    this.prometheusUrl = inClusterPrometheus
      ? svc(MONITORING_SERVICES.prometheus)
      : (managed?.queryUrl ?? pulumi.output(""));
    this.alertmanagerUrl = svc(MONITORING_SERVICES.alertmanager);
    this.grafanaUrl = a.grafana ? svc(MONITORING_SERVICES.grafana) : pulumi.output(undefined);
    this.grafanaExternalUrl = pulumi.output(
      a.grafana?.ingress ? `https://${a.grafana.ingress.host}` : undefined,
    );
    this.grafanaAdminUsername = pulumi.output(a.grafana?.adminUsername);
    this.grafanaAdminPassword = grafanaPassword
      ? pulumi.secret(grafanaPassword.result)
      : pulumi.output<string | undefined>(undefined);
    this.pushgatewayUrl = pushgatewayUrl;
    this.managedEndpoint = managed ? managed.endpoint : pulumi.output(undefined);
    this.registerOutputs({
      namespace: this.namespace,
      prometheusUrl: this.prometheusUrl,
      alertmanagerUrl: this.alertmanagerUrl,
      grafanaUrl: this.grafanaUrl,
      grafanaExternalUrl: this.grafanaExternalUrl,
      grafanaAdminUsername: this.grafanaAdminUsername,
      grafanaAdminPassword: this.grafanaAdminPassword,
      pushgatewayUrl: this.pushgatewayUrl,
      managedEndpoint: this.managedEndpoint,
    });
  }

  /**
   * The Pushgateway: a hardened single replica (a Pushgateway is not clustered; two would split
   * the pushes), its state in an emptyDir persisted every minute (a restart loses at most what
   * the next run pushes again). Pushes only from the namespaces labelled as pushers, scrapes
   * from the stack's own namespace (and GMP's collectors).
   */
  private pushgateway(
    name: string,
    a: ResolvedMonitoringArgs,
    labels: Record<string, string>,
    namespace: pulumi.Output<string>,
    provider: k8s.Provider,
    gmp: boolean,
    ns: k8s.core.v1.Namespace,
  ): SecureWorkload {
    const pushers = a.pushgateway?.clientNamespaceLabels ?? {};
    const selector = { "app.kubernetes.io/name": "pushgateway", "app.kubernetes.io/instance": name };
    return new SecureWorkload(
      `${name}-pushgateway`,
      {
        namespace,
        objectName: MONITORING_OBJECTS.pushgateway,
        labels: { ...labels, ...selector },
        selectorLabels: selector,
        image: PUSHGATEWAY_IMAGE,
        containerName: "pushgateway",
        args: [
          `--web.listen-address=:${PUSHGATEWAY_PORT}`,
          "--persistence.file=/data/pushgateway.data",
          "--persistence.interval=1m",
        ],
        volumes: [{ name: "data", emptyDir: { sizeLimit: "256Mi" } }],
        volumeMounts: [{ name: "data", mountPath: "/data" }],
        port: PUSHGATEWAY_PORT,
        healthCheckPath: "/-/healthy",
        resources: { cpuRequest: "50m", memoryRequest: "64Mi", cpuLimit: "200m", memoryLimit: "256Mi" },
        runAsUser: 65534,
        ingressFrom: [
          { podSelector: {} },
          { namespaceSelector: { matchLabels: pushers } },
          ...(gmp
            ? [
                {
                  namespaceSelector: {
                    matchLabels: { "kubernetes.io/metadata.name": GMP_COLLECTOR_NAMESPACE },
                  },
                },
              ]
            : []),
        ],
      },
      this.context(a).opts({ provider, dependsOn: [ns] }),
    );
  }
}

/**
 * The stack's NetworkPolicy (every pod of the namespace): within the namespace anything (Grafana →
 * Prometheus → Alertmanager, the operator → its StatefulSets); from the API server the operator's
 * admission webhook; from namespaces labelled `METRICS_READER_LABEL` the Prometheus API; out to every pod of the cluster (scraping), to the API server, the kubelets'
 * and node-exporter's ports on the nodes and HTTPS endpoints (receivers, the managed store), never
 * the link-local metadata range.
 */
function stackNetworkPolicySpec(
  gmp: boolean,
  managed: ManagedMetrics | undefined,
): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: {},
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      { from: [{ podSelector: {} }] },
      // The API server calls the admission webhook from outside the pod network.
      {
        from: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
        ports: [{ protocol: "TCP", port: OPERATOR_WEBHOOK_PORT }],
      },
      // Namespaces labelled as metrics readers query Prometheus (KEDA, the canary decision).
      {
        from: [{ namespaceSelector: { matchLabels: { ...METRICS_READER_LABEL } } }],
        ports: [{ protocol: "TCP", port: MONITORING_SERVICES.prometheus.port }],
      },
      ...(gmp
        ? [
            {
              from: [
                {
                  namespaceSelector: {
                    matchLabels: { "kubernetes.io/metadata.name": GMP_COLLECTOR_NAMESPACE },
                  },
                },
              ],
              ports: [{ protocol: "TCP", port: MONITORING_SERVICES.alertmanager.port }],
            },
          ]
        : []),
    ],
    egress: [
      { to: [{ namespaceSelector: {} }] },
      {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } }],
        ports: [443, 6443, 10250, NODE_EXPORTER_PORT].map((port) => ({ protocol: "TCP", port })),
      },
      ...(managed?.egress ?? []),
    ],
  };
}
