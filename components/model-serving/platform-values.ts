/**
 * The serving platform's pins, chart values, scrape targets and NetworkPolicy specs (pure: tests
 * assert them as they are, and `ServingPlatform` in platform.ts creates the objects).
 *
 * KServe v0.20.0 (kserve/kserve tag v0.20.0, 1fb781055dd1, the newest release: 2026-08-06) is
 * the first release with `spec.canary[]` in Standard mode; its three OCI charts are installed in
 * the order upstream documents (charts/kserve-*\/README.md): `kserve-crd` (the CRDs, as templates),
 * `kserve-resources` (the controller, its webhooks, the `inferenceservice-config` ConfigMap) and
 * `kserve-runtime-configs` (the ClusterServingRuntimes, validated by the controller's webhook).
 *
 * KEDA 2.20.2 (kedacore/charts commit cbb9bb8 "prepare v2.20.2 release", keda/values.yaml; the
 * CRDs are kedacore/keda v2.20.2, 68a5b5028f35) is the cluster's one external-metrics provider:
 * no prometheus-adapter (only one `v1beta1.external.metrics.k8s.io` APIService can exist).
 */
import type * as k8s from "@pulumi/kubernetes";
import {
  API_SERVER_CALLBACK_PORTS,
  KEDA_METRICS_API_PORT,
  KEDA_NAMESPACE,
  KEDA_WEBHOOK_PORT,
  KSERVE_NAMESPACE,
} from "../training-cluster";
import type { ClusterCertificates } from "../shared/certificates";
import { dnsEgressRule, restrictedContainerSecurityContext } from "../shared/k8s";
import { MonitorKind, RelabelAction, ScrapeBackend, ScrapeScheme } from "../shared/monitors";
import {
  METRICS_SCRAPER_NAMESPACE_LABEL,
  isScraped,
  scraperIngressRule,
  type ClusterMonitoring,
  type WorkloadScrapeTarget,
} from "../shared/scrape-target";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type IngressRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;

export { KEDA_NAMESPACE, KSERVE_NAMESPACE };

// ---------------------------------------------------------------------------------------------
// Pins
// ---------------------------------------------------------------------------------------------

/** The KServe release: chart versions, `kserve.version` (every kserve/* image tag) and the CRDs. */
export const KSERVE_VERSION = "v0.20.0";

/**
 * KServe's OCI charts, in install order (charts/kserve-crd, kserve-resources and
 * kserve-runtime-configs at v0.20.0; each README's `helm install ... oci://ghcr.io/kserve/charts/...`).
 */
export const KSERVE_CHARTS = {
  crd: "oci://ghcr.io/kserve/charts/kserve-crd",
  resources: "oci://ghcr.io/kserve/charts/kserve-resources",
  runtimeConfigs: "oci://ghcr.io/kserve/charts/kserve-runtime-configs",
} as const;

/** Helm release names of the three KServe charts (as upstream's READMEs install them). */
export const KSERVE_RELEASES = {
  crd: "kserve-crd",
  resources: "kserve",
  runtimeConfigs: "kserve-runtime-configs",
} as const;

/** The KEDA chart (https://kedacore.github.io/charts `keda`, version = appVersion 2.20.2). */
export const KEDA_CHART = {
  chart: "keda",
  repo: "https://kedacore.github.io/charts",
  version: "2.20.2",
} as const;

/** KEDA's images (chart values `image.*`; the chart's registry and repositories, tagged with the release). */
export const KEDA_IMAGES = {
  registry: "ghcr.io",
  operator: "kedacore/keda",
  metricsApiServer: "kedacore/keda-metrics-apiserver",
  webhooks: "kedacore/keda-admission-webhooks",
} as const;

/**
 * kube-rbac-proxy in front of the KServe controller's metrics (chart value
 * `kserve.controller.rbacProxyImage`, the chart's pin at v0.20.0, set explicitly).
 */
export const KSERVE_RBAC_PROXY_IMAGE = "quay.io/brancz/kube-rbac-proxy:v0.18.0";

/**
 * The deployment mode of every InferenceService (the `inferenceservice-config` ConfigMap's
 * `deploy.defaultDeploymentMode`): "Standard", plain Deployments, Services and HPA/KEDA
 * autoscalers, no Knative or Istio. The chart's default is "Knative"
 * (kserve-resources values.yaml `kserve.controller.deploymentMode`); "RawDeployment" is the
 * deprecated name of Standard (pkg/constants/constants.go `DeploymentModeType` at v0.20.0).
 */
export const KSERVE_DEPLOYMENT_MODE = "Standard";

/**
 * The ingress domain of the controller's config: `svc.cluster.local` is KServe's cluster-local
 * domain, for which it creates no Ingress (`isInternal` in
 * pkg/controller/v1beta1/inferenceservice/reconcilers/ingress/kube_ingress_reconciler.go at
 * v0.20.0), on top of `disableIngressCreation`. Models are exposed through the platform's ingress
 * by ModelServing itself; the internal address is the InferenceService's `status.address.url`
 * (`http://<isvc>-predictor.<namespace>.svc.cluster.local`), `status.url` is no address.
 */
export const KSERVE_INGRESS_DOMAIN = "svc.cluster.local";

/**
 * The serving runtimes (ClusterServingRuntimes of kserve-runtime-configs v0.20.0) the toolkit
 * keeps enabled, for the model formats ModelServing offers: MLServer (mlflow, and sklearn/xgboost
 * with protocol v2), the KServe sklearn, xgboost and Hugging Face servers, and TorchServe
 * (pytorch). The tags are the chart's pins at v0.20.0 (values.yaml `kserve.servingruntime.*.tag`;
 * "" there means `kserve.version`), written here so the pin is ours. MLServer serves its metrics
 * on 8082 (`MLSERVER_METRICS_PORT` default), not the 8080 its runtime's annotation names.
 */
export const KSERVE_RUNTIMES = {
  mlserver: { image: "docker.io/seldonio/mlserver", tag: "1.5.0" },
  sklearnserver: { image: "kserve/sklearnserver", tag: KSERVE_VERSION },
  xgbserver: { image: "kserve/xgbserver", tag: KSERVE_VERSION },
  huggingfaceserver: { image: "kserve/huggingfaceserver", tag: KSERVE_VERSION },
  torchserve: { image: "pytorch/torchserve-kfs", tag: "0.9.0" },
} as const;

/**
 * The runtimes turned off (`disabled: true`: the ClusterServingRuntime exists but is never
 * selected): formats ModelServing does not offer, and vLLM, whose chart tag is the unpinned
 * `latest` (values.yaml `kserve.servingruntime.vllmserver.tag`). The Hugging Face multi-node
 * runtime follows `huggingfaceserver.disabled` in the chart.
 */
export const KSERVE_DISABLED_RUNTIMES = [
  "tensorflow",
  "tritonserver",
  "pmmlserver",
  "paddleserver",
  "lgbserver",
  "predictiveserver",
  "autogluonserver",
  "vllmserver",
] as const;

// ---------------------------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------------------------

/** The KServe controller's metrics: kube-rbac-proxy's container port "https" (8443, fixed in the chart). */
export const KSERVE_METRICS_PORT = 8443;

/** KEDA operator's Prometheus metrics (chart value `prometheus.operator.port`, container port "metrics"). */
export const KEDA_OPERATOR_METRICS_PORT = 8080;

/** KEDA operator's gRPC metrics service, called by the metrics API server (fixed in the chart: 9666). */
export const KEDA_OPERATOR_GRPC_PORT = 9666;

/**
 * The Prometheus HTTP API port KEDA's Prometheus triggers query: the in-cluster Prometheus
 * (components/monitoring `MONITORING_SERVICES.prometheus.port`) and the GMP frontend
 * (components/adapters/gcp `GMP_FRONTEND_PORT`) both listen on 9090, in the namespace labelled
 * `METRICS_SCRAPER_NAMESPACE_LABEL`.
 */
export const PROMETHEUS_QUERY_PORT = 9090;

/** The API server's ports (443 on EKS/GKE, 6443 on kind/k3d); its address is not known in advance. */
const API_SERVER_PORTS = [
  { protocol: "TCP", port: 443 },
  { protocol: "TCP", port: 6443 },
];

/** The pod ports of `namespace` the API server calls (from the one list, API_SERVER_CALLBACK_PORTS). */
export function callbackPorts(namespace: string): number[] {
  return API_SERVER_CALLBACK_PORTS.filter((p) => p.namespace === namespace).map((p) => p.port);
}

// ---------------------------------------------------------------------------------------------
// Requests, limits and security contexts
// ---------------------------------------------------------------------------------------------

/** Requests and limits of one container. */
export interface PlatformContainerResources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/**
 * Requests and limits of the platform's containers. KServe: the controller's are the chart's
 * (values.yaml `kserve.controller.resources` at v0.20.0) with twice the memory limit, since the
 * controller caches every InferenceService, Deployment and Service of the cluster; kube-rbac-proxy
 * only proxies scrapes, so a tenth of the chart's 100m/300Mi. KEDA: the chart's requests and
 * limits for the operator (values.yaml `resources.*` at 2.20.2: 100m/100Mi, 1 CPU/1000Mi; it is
 * the one that grows with the ScaledObjects), lower memory limits for the metrics API server
 * (512Mi: it relays the operator's values) and the webhooks (256Mi: they validate one object).
 */
export const PLATFORM_RESOURCES: Record<
  "kserveController" | "kserveRbacProxy" | "kedaOperator" | "kedaMetricsServer" | "kedaWebhooks",
  PlatformContainerResources
> = {
  kserveController: { requests: { cpu: "100m", memory: "300Mi" }, limits: { cpu: "500m", memory: "600Mi" } },
  kserveRbacProxy: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
  kedaOperator: { requests: { cpu: "100m", memory: "100Mi" }, limits: { cpu: "1", memory: "1000Mi" } },
  kedaMetricsServer: { requests: { cpu: "100m", memory: "100Mi" }, limits: { cpu: "1", memory: "512Mi" } },
  kedaWebhooks: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
};

/** Pod security context of every platform pod (Pod Security "restricted"). */
export function platformPodSecurityContext() {
  return { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
}

/**
 * Container security context of the containers KServe adds to model pods (storage initializer)
 * and of the serving runtimes: "restricted" without a read-only root (the servers and the
 * initializer write to their image's paths). The model namespace's pods set the rest (pod
 * `seccompProfile`), so model pods can run in a "restricted" namespace.
 */
export function modelContainerSecurityContext() {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

// ---------------------------------------------------------------------------------------------
// Chart values
// ---------------------------------------------------------------------------------------------

/**
 * Values of `kserve-resources` v0.20.0 (charts/kserve-resources/values.yaml and
 * files/common/configmap-patch.yaml, which renders them into the `inferenceservice-config` ConfigMap):
 * - Standard deployment mode (`KSERVE_DEPLOYMENT_MODE`), no Knative addressable resolver, no
 *   local model cache;
 * - no ingress of KServe's own: `disableIngressCreation`, no Gateway API, no Gateway, the
 *   cluster-local domain (`KSERVE_INGRESS_DOMAIN`); ModelServing exposes models itself;
 * - the webhook certificate from cert-manager: the chart's Certificate `serving-cert` (its issuer
 *   is hard-coded to the chart's own namespaced self-signed Issuer `selfsigned-issuer`,
 *   files/kserve/resources.yaml, not a value) is issued by the cluster's cert-manager, whose
 *   cainjector writes the CA into KServe's webhook configurations (`cert-manager.io/inject-ca-from`);
 * - pinned images (`kserve.version`, kube-rbac-proxy), `IfNotPresent` (the chart's controller
 *   default is `Always`);
 * - requests, limits and "restricted" security contexts on the controller, and on the storage
 *   initializer KServe injects into model pods;
 * - model pods without an automounted ServiceAccount token (`security.autoMountServiceAccountToken`):
 *   they never call the API server; cloud identities (IRSA, EKS Pod Identity) inject their own
 *   projected token and GKE Workload Identity needs none.
 */
export function kserveResourcesValues() {
  // The chart's default (`kserve.controller.*SecurityContext`) already meets "restricted"; set
  // here so the posture is ours, not a default a bump changes (likewise keda's `securityContext.*`).
  const sc = restrictedContainerSecurityContext();
  return {
    kserve: {
      version: KSERVE_VERSION,
      createSharedResources: true,
      certManager: { enabled: true },
      inferenceServiceConfig: { enabled: true },
      storage: { containerSecurityContext: modelContainerSecurityContext() },
      localmodel: { enabled: false },
      security: { autoMountServiceAccountToken: false },
      controller: {
        deploymentMode: KSERVE_DEPLOYMENT_MODE,
        knativeAddressableResolver: { enabled: false },
        gateway: {
          domain: KSERVE_INGRESS_DOMAIN,
          urlScheme: "http",
          disableIngressCreation: true,
          disableIstioVirtualHost: true,
          ingressGateway: { enableGatewayApi: false, createGateway: false },
        },
        image: "kserve/kserve-controller",
        tag: KSERVE_VERSION,
        imagePullPolicy: "IfNotPresent",
        resources: PLATFORM_RESOURCES.kserveController,
        securityContext: platformPodSecurityContext(),
        containerSecurityContext: sc,
        rbacProxyImage: KSERVE_RBAC_PROXY_IMAGE,
        rbacProxy: { resources: PLATFORM_RESOURCES.kserveRbacProxy, securityContext: sc },
      },
    },
  };
}

/**
 * Values of `kserve-runtime-configs` v0.20.0 (charts/kserve-runtime-configs/values.yaml): the
 * ClusterServingRuntimes on (the chart's default is off), `KSERVE_RUNTIMES` pinned and
 * "restricted", `KSERVE_DISABLED_RUNTIMES` off, no LLMInferenceServiceConfigs (they need the
 * llmisvc CRDs, which the platform does not install).
 */
export function kserveRuntimeConfigsValues() {
  const runtimes: Record<string, unknown> = {};
  for (const [name, pin] of Object.entries(KSERVE_RUNTIMES)) {
    runtimes[name] = {
      disabled: false,
      image: pin.image,
      tag: pin.tag,
      imagePullPolicy: "IfNotPresent",
      securityContext: modelContainerSecurityContext(),
    };
  }
  for (const name of KSERVE_DISABLED_RUNTIMES) runtimes[name] = { disabled: true };
  return {
    kserve: {
      version: KSERVE_VERSION,
      llmisvcConfigs: { enabled: false },
      servingruntime: { enabled: true, ...runtimes },
    },
  };
}

/** What KEDA's values depend on. */
export interface KedaValuesInput {
  /** The cluster's certificate issuer: KEDA's webhook and metrics API certificate comes from it. */
  issuer: Pick<ClusterCertificates, "issuerName" | "issuerKind">;
  /** Replicas of the operator (leader-elected: the others are standbys), metrics server and webhooks. */
  replicas: number;
  /** A PodDisruptionBudget (minAvailable 1) for each. */
  podDisruptionBudget: boolean;
}

/**
 * Values of the KEDA chart 2.20.2 (keda/values.yaml at kedacore/charts cbb9bb8):
 * - `permissions.operator.restrict.secret: true` (and the metrics server's): the operator reads
 *   Secrets only in `keda` (a Role instead of cluster-wide list/watch; `KEDA_RESTRICT_SECRET_ACCESS`,
 *   kedacore/keda pkg/scaling/resolver/scale_resolvers.go at v2.20.2): a trigger's credentials
 *   are a ClusterTriggerAuthentication whose Secret lives in `keda`, or a pod identity; a
 *   TriggerAuthentication's `secretTargetRef` in another namespace is not readable;
 * - the certificate of the metrics API server, the webhooks and the operator's gRPC from the
 *   cluster's cert-manager issuer (`certificates.certManager` with `issuer.generate: false`: the
 *   chart's Certificate `keda-operator-tls-certificates` names that issuer, and cainjector fills
 *   the APIService's and the webhook's CA bundles); no self-generated certificates;
 * - pinned images, `IfNotPresent`, requests/limits, "restricted" security contexts, replicas
 *   and PodDisruptionBudgets from the environment;
 * - the operator's Prometheus metrics on (the monitor is ours), no chart monitors, rules or
 *   NetworkPolicies (ours), the API server's callback ports set explicitly.
 */
export function kedaValues(input: KedaValuesInput) {
  const sc = restrictedContainerSecurityContext();
  const pod = platformPodSecurityContext();
  const pdb = input.podDisruptionBudget ? { minAvailable: 1 } : {};
  const image = (repository: string) => ({
    registry: KEDA_IMAGES.registry,
    repository,
    tag: KEDA_CHART.version,
  });
  return {
    image: {
      keda: image(KEDA_IMAGES.operator),
      metricsApiServer: image(KEDA_IMAGES.metricsApiServer),
      webhooks: image(KEDA_IMAGES.webhooks),
      pullPolicy: "IfNotPresent",
    },
    crds: { install: true },
    operator: { replicaCount: input.replicas },
    metricsServer: { enabled: true, replicaCount: input.replicas },
    webhooks: { enabled: true, replicaCount: input.replicas, port: KEDA_WEBHOOK_PORT },
    podDisruptionBudget: { operator: pdb, metricServer: pdb, webhooks: pdb },
    service: { portHttpsTarget: KEDA_METRICS_API_PORT },
    permissions: {
      operator: { restrict: { secret: true } },
      metricServer: { restrict: { secret: true } },
    },
    certificates: {
      autoGenerated: false,
      certManager: {
        enabled: true,
        generateCA: false,
        issuer: {
          generate: false,
          name: input.issuer.issuerName,
          kind: input.issuer.issuerKind,
          group: "cert-manager.io",
        },
      },
    },
    resources: {
      operator: PLATFORM_RESOURCES.kedaOperator,
      metricServer: PLATFORM_RESOURCES.kedaMetricsServer,
      webhooks: PLATFORM_RESOURCES.kedaWebhooks,
    },
    securityContext: { operator: sc, metricServer: sc, webhooks: sc },
    podSecurityContext: { operator: pod, metricServer: pod, webhooks: pod },
    networkPolicy: { enabled: false },
    prometheus: {
      operator: {
        enabled: true,
        port: KEDA_OPERATOR_METRICS_PORT,
        serviceMonitor: { enabled: false },
        podMonitor: { enabled: false },
        prometheusRules: { enabled: false },
      },
      metricServer: { enabled: false, serviceMonitor: { enabled: false }, podMonitor: { enabled: false } },
      webhooks: { enabled: false, serviceMonitor: { enabled: false }, prometheusRules: { enabled: false } },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Scrape targets
// ---------------------------------------------------------------------------------------------

/**
 * The KServe controller's metrics (controller-runtime reconcile and webhook series) behind
 * kube-rbac-proxy: https on 8443 with a self-signed certificate, the caller's token checked with a
 * SubjectAccessReview (files/kserve/resources.yaml at v0.20.0), so like Kueue's: the Prometheus's
 * token, no certificate verification, prometheus-operator only (GMP's collectors send no token).
 * Two Services with the same labels select the controller on that port
 * (`kserve-controller-manager-metrics-service` and `kserve-controller-manager-service`); the
 * second one's copy is dropped, so every series is stored once.
 */
export function kserveScrapeTarget(): WorkloadScrapeTarget {
  return {
    backends: [ScrapeBackend.prometheusOperator],
    kind: MonitorKind.serviceMonitor,
    name: "kserve-controller",
    namespace: KSERVE_NAMESPACE,
    selector: { "app.kubernetes.io/name": "kserve", "control-plane": "kserve-controller-manager" },
    endpoints: [
      {
        port: "https",
        scheme: ScrapeScheme.https,
        serviceAccountToken: true,
        tls: { insecureSkipVerify: true },
        metricRelabelings: [
          {
            action: RelabelAction.drop,
            sourceLabels: ["service"],
            regex: "kserve-controller-manager-service",
          },
        ],
      },
    ],
  };
}

/**
 * KEDA operator's metrics (`keda_scaler_errors_total`, `keda_scaler_metrics_value`,
 * `keda_scaled_object_errors_total`; KEDA docs "Integrations > Prometheus"): plain http on the
 * container port "metrics" of the pods labelled `app.kubernetes.io/name: keda-operator`
 * (keda/templates/manager/deployment.yaml), so a pod monitor both backends can express.
 */
export function kedaScrapeTarget(): WorkloadScrapeTarget {
  return {
    kind: MonitorKind.podMonitor,
    name: "keda-operator",
    namespace: KEDA_NAMESPACE,
    selector: { "app.kubernetes.io/name": "keda-operator" },
    endpoints: [{ port: "metrics" }],
  };
}

// ---------------------------------------------------------------------------------------------
// NetworkPolicies (on top of each namespace's default deny and DNS egress)
// ---------------------------------------------------------------------------------------------

/** Ingress from outside the pod network (the API server) to `ports`. */
function fromApiServer(ports: number[]): IngressRule[] {
  return ports.map((port) => ({
    from: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
    ports: [{ protocol: "TCP", port }],
  }));
}

/**
 * `kserve`: the API server calls the webhooks (API_SERVER_CALLBACK_PORTS); the cluster's scrapers
 * reach the metrics when they scrape them; the controller reaches DNS and the API server only.
 */
export function kserveNetworkPolicySpec(monitoring: ClusterMonitoring | undefined): NetworkPolicySpec {
  const scrape = isScraped(monitoring, kserveScrapeTarget())
    ? scraperIngressRule(monitoring, [KSERVE_METRICS_PORT])
    : undefined;
  return {
    podSelector: {},
    policyTypes: ["Ingress", "Egress"],
    ingress: [...fromApiServer(callbackPorts(KSERVE_NAMESPACE)), ...(scrape ? [scrape] : [])],
    egress: [dnsEgressRule(), { ports: API_SERVER_PORTS }],
  };
}

/**
 * `keda`: the API server calls the metrics API server (external.metrics.k8s.io) and the webhooks
 * (API_SERVER_CALLBACK_PORTS); the metrics server calls the operator's gRPC inside the namespace;
 * the operator queries Prometheus for the Prometheus triggers (the namespace labelled
 * `METRICS_SCRAPER_NAMESPACE_LABEL`: the Monitoring component's, where the in-cluster Prometheus
 * or the GMP frontend listens); and everything reaches DNS and the API server. HTTPS (443) to any
 * address also serves triggers of managed services (Amazon Managed Prometheus, Cloud Monitoring).
 */
export function kedaNetworkPolicySpec(monitoring: ClusterMonitoring | undefined): NetworkPolicySpec {
  const scrape = isScraped(monitoring, kedaScrapeTarget())
    ? scraperIngressRule(monitoring, [KEDA_OPERATOR_METRICS_PORT])
    : undefined;
  const grpc = [{ protocol: "TCP", port: KEDA_OPERATOR_GRPC_PORT }];
  return {
    podSelector: {},
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      ...fromApiServer(callbackPorts(KEDA_NAMESPACE)),
      { from: [{ podSelector: {} }], ports: grpc },
      ...(scrape ? [scrape] : []),
    ],
    egress: [
      dnsEgressRule(),
      { ports: API_SERVER_PORTS },
      { to: [{ podSelector: {} }], ports: grpc },
      {
        to: [
          {
            namespaceSelector: {
              matchLabels: { [METRICS_SCRAPER_NAMESPACE_LABEL.key]: METRICS_SCRAPER_NAMESPACE_LABEL.value },
            },
          },
        ],
        ports: [{ protocol: "TCP", port: PROMETHEUS_QUERY_PORT }],
      },
    ],
  };
}
