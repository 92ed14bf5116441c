/**
 * One served model of `ModelServing`: the pure manifests (InferenceService, ScaledObject,
 * TriggerAuthentication) and the builder that creates a model's objects under the component.
 *
 * Per model `m` (component `n`): the adapter's ServiceAccount `n-m-sa` (plus its cloud identity:
 * IAM role / Pod Identity association, Google service account binding) with a read-only grant on
 * the artifact store; the InferenceService `n-m`; with a KEDA metric the ScaledObject
 * `n-m-scaledobject` (and `n-m-trigger-auth` when KEDA authenticates with its pod identity); with
 * high availability the PodDisruptionBudget `n-m-pdb`; the NetworkPolicy `n-m-network-policy`;
 * with exposure the Ingress `n-m-ingress` and the adapter's companions (aws OIDC: the Role
 * `n-m-oidc-secret-role` and RoleBinding `n-m-oidc-secret-role-binding` letting the AWS Load
 * Balancer Controller read the client Secret; gcp: the BackendConfig `n-m-backend-config` with
 * IAP and, for "gce-internal", the firewall `n-m-lb-proxy-firewall`); on a monitored cluster the PodMonitor `n-m-monitor`
 * (MLServer runtimes only).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Access, type CloudAdapter, type ObjectStore } from "../adapters";
import type { ComponentContext } from "../shared/component";
import {
  externalAuthAnnotations,
  httpsIngressClass,
  httpsIngressPeers,
  httpsIngressSettings,
  nginxHttpsOnlyAnnotations,
} from "../shared/https-ingress";
import {
  dnsEgressRule,
  restrictedContainerSecurityContext,
  uniqueRules,
  zoneSpreadConstraint,
} from "../shared/k8s";
import { MonitorKind } from "../shared/monitors";
import {
  createScrapeTarget,
  isScraped,
  scraperIngressRule,
  type WorkloadScrapeTarget,
} from "../shared/scrape-target";
import type { ClusterHandle } from "../training-cluster";
import {
  ModelFormat,
  PAYLOAD_SINK_PORT,
  PrometheusAuthentication,
  ScaleMetric,
  type ResolvedModel,
  type ResolvedModelServingArgs,
} from "./args";

type Manifest = Record<string, unknown>;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

export const INFERENCE_SERVICE_API_VERSION = "serving.kserve.io/v1beta1";
export const KEDA_API_VERSION = "keda.sh/v1alpha1";

/**
 * KServe's predictor container port (constants.go `InferenceServiceDefaultHttpPort`), behind the
 * Standard-mode Service `<name>-predictor` on port 80.
 */
export const MODEL_HTTP_PORT = 8080;
/**
 * MLServer's metrics port (`metrics_port` default 8082, SeldonIO/MLServer mlserver/settings.py);
 * KServe's kserve-mlserver runtime annotates `prometheus.kserve.io/port: "8080"`, a known upstream
 * bug, so the component declares the port itself and scrapes it by name.
 */
export const MLSERVER_METRICS_PORT = 8082;
/** The name of that port on the model container (what the PodMonitor selects). */
export const METRICS_PORT_NAME = "metrics";

/**
 * Every InferenceService is cluster-local: with this label KServe's Standard-mode ingress
 * reconciler creates no Ingress/HTTPRoute of its own for it (which would carry no TLS and no
 * authentication), whatever the platform's ingress config says (kserve constants.go
 * `NetworkVisibility`/`ClusterLocalVisibility`, kube_ingress_reconciler.go). Exposure is only the
 * component's own authenticated Ingress.
 */
export const CLUSTER_LOCAL_LABEL = { "networking.kserve.io/visibility": "cluster-local" } as const;

/** The label KServe puts on every pod of an InferenceService (constants.go `InferenceServicePodLabelKey`). */
export const ISVC_POD_LABEL = "serving.kserve.io/inferenceservice";

/**
 * The ClusterServingRuntime and protocol of each format, from the pinned `kserve-runtime-configs`
 * chart: MLServer serves mlflow, sklearn and xgboost with the v2 (Open Inference) protocol.
 */
export const RUNTIMES: Record<ModelFormat, { runtime: string; protocolVersion: string; mlserver: boolean }> =
  {
    mlflow: { runtime: "kserve-mlserver", protocolVersion: "v2", mlserver: true },
    sklearn: { runtime: "kserve-mlserver", protocolVersion: "v2", mlserver: true },
    xgboost: { runtime: "kserve-mlserver", protocolVersion: "v2", mlserver: true },
    pytorch: { runtime: "kserve-torchserve", protocolVersion: "v1", mlserver: false },
    huggingface: { runtime: "kserve-huggingfaceserver", protocolVersion: "v2", mlserver: false },
  };

/**
 * The non-root uid the runtimes' images run as (MLServer, TorchServe and the Hugging Face server
 * images all create uid 1000); set explicitly so Pod Security "restricted" can verify it.
 */
export const MODEL_UID = 1000;

/** The Prometheus queries KEDA scales on (per model; `ns` and `name` are DNS labels). */
export function scaleQuery(metric: ScaleMetric, ns: string, name: string): string {
  const pods = `namespace="${ns}",pod=~"${name}-predictor-.*"`;
  switch (metric) {
    // MLServer's REST server gauge of requests in progress (starlette_exporter
    // `rest_server_requests_in_progress`), summed over the model's predictor pods.
    case ScaleMetric.concurrency:
      return `sum(rest_server_requests_in_progress{${pods}})`;
    // DCGM's graphics engine activity (0–1) of the GPUs the model's pods hold, as a percentage;
    // the cluster's DCGM monitor keeps the workload's pod/namespace labels (honorLabels).
    case ScaleMetric.gpuDutyCycle:
      return `100 * avg(DCGM_FI_PROF_GR_ENGINE_ACTIVE{${pods}})`;
    default:
      throw new Error(`metric "${metric}" is not read from Prometheus`);
  }
}

/** What the manifests need besides the resolved model. */
export interface ModelContext {
  namespace: string;
  labels: Record<string, string>;
  /** `<artifactStore.uri>` (e.g. `s3://bucket`). */
  storeUri: string;
  serviceAccountName: string;
  /** GPU placement from the cluster handle. */
  gpuNodeLabels: ClusterHandle["gpuNodeLabels"];
  gpuTaint: ClusterHandle["gpuTaint"];
}

/** Whether KEDA (rather than KServe's HPA) scales the model. */
export function scaledByKeda(m: ResolvedModel): boolean {
  return m.autoscaling.metric !== ScaleMetric.cpu;
}

/**
 * A version as one path segment of the payload sink's URL and files (characters other than
 * letters, digits, ".", "_" and "-" become "_"; the sink applies the same rule).
 */
export function payloadLogSegment(version: string): string {
  return version.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** The URL a predictor's logger posts to: the component's sink names the model and version in its path. */
export function loggerUrl(m: ResolvedModel, version: string): string | undefined {
  if (!m.logging) return undefined;
  return m.logging.ownSink
    ? `${m.logging.sinkUrl}/models/${m.name}/versions/${payloadLogSegment(version)}`
    : m.logging.sinkUrl;
}

/** The predictor of one version: the model, its resources, placement and security. */
function predictorSpec(
  m: ResolvedModel,
  c: ModelContext,
  version: string,
  storagePath: string,
  replicas: { min: number; max: number },
  hpa: boolean,
): Manifest {
  const rt = RUNTIMES[m.format];
  const gpuLimits = m.gpu ? { "nvidia.com/gpu": String(m.gpu.count) } : {};
  return {
    serviceAccountName: c.serviceAccountName,
    minReplicas: replicas.min,
    maxReplicas: replicas.max,
    ...(hpa ? { scaleMetric: "cpu", scaleMetricType: "Utilization", scaleTarget: m.autoscaling.target } : {}),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: MODEL_UID,
      runAsGroup: MODEL_UID,
      fsGroup: MODEL_UID,
      seccompProfile: { type: "RuntimeDefault" },
    },
    ...(m.gpu
      ? {
          nodeSelector: { [c.gpuNodeLabels.gpu]: "true", [c.gpuNodeLabels.gpuType]: m.gpu.type },
          tolerations: [
            { key: c.gpuTaint.key, operator: "Equal", value: c.gpuTaint.value, effect: c.gpuTaint.effect },
          ],
        }
      : {}),
    ...(m.highAvailability
      ? {
          topologySpreadConstraints: [zoneSpreadConstraint({ [ISVC_POD_LABEL]: m.name }, "DoNotSchedule")],
        }
      : {}),
    ...(m.logging ? { logger: { mode: m.logging.mode, url: loggerUrl(m, version) } } : {}),
    model: {
      // KServe's name for the model container (constants.go InferenceServiceContainerName); the
      // canary's schema requires it.
      name: "kserve-container",
      modelFormat: { name: m.format },
      runtime: rt.runtime,
      protocolVersion: rt.protocolVersion,
      storageUri: `${c.storeUri}/${storagePath}`,
      ports: [
        { name: "http1", containerPort: MODEL_HTTP_PORT, protocol: "TCP" },
        ...(rt.mlserver
          ? [{ name: METRICS_PORT_NAME, containerPort: MLSERVER_METRICS_PORT, protocol: "TCP" }]
          : []),
      ],
      resources: {
        requests: { cpu: m.resources.cpuRequest, memory: m.resources.memoryRequest, ...gpuLimits },
        limits: { cpu: m.resources.cpuLimit, memory: m.resources.memoryLimit, ...gpuLimits },
      },
      // Not read-only: the runtimes write to their working directory and /tmp.
      securityContext: { ...restrictedContainerSecurityContext(), readOnlyRootFilesystem: false },
    },
  };
}

/**
 * The InferenceService of a model: Standard deployment mode; KServe's HPA ("cpu") or no KServe
 * autoscaler ("external": the component's ScaledObject owns the replicas); the canary in
 * `spec.canary[]` with fixed replicas.
 */
export function inferenceServiceManifest(m: ResolvedModel, c: ModelContext): Manifest {
  const keda = scaledByKeda(m);
  return {
    apiVersion: INFERENCE_SERVICE_API_VERSION,
    kind: "InferenceService",
    metadata: {
      name: m.name,
      namespace: c.namespace,
      labels: { ...c.labels, ...CLUSTER_LOCAL_LABEL },
      annotations: {
        // The chart's default mode is Knative (Serverless); the platform installs none.
        "serving.kserve.io/deploymentMode": "Standard",
        // "external": KServe authors no HPA and no ScaledObject and leaves the Deployment's
        // replicas to the component's ScaledObject (kserve pkg/constants AutoscalerClassExternal).
        "serving.kserve.io/autoscalerClass": keda ? "external" : "hpa",
        "mlops.pulumi.com/model-version": m.version,
        ...(m.canary ? { "mlops.pulumi.com/canary-version": m.canary.version } : {}),
      },
    },
    spec: {
      predictor: predictorSpec(
        m,
        c,
        m.version,
        m.storageUri,
        { min: m.autoscaling.minReplicas, max: m.autoscaling.maxReplicas },
        !keda,
      ),
      ...(m.canary
        ? {
            canary: [
              {
                trafficPercent: m.canary.percent,
                predictor: predictorSpec(
                  m,
                  c,
                  m.canary.version,
                  m.canary.storageUri,
                  { min: m.canary.replicas, max: m.canary.replicas },
                  false,
                ),
              },
            ],
          }
        : {}),
    },
  };
}

/** The KEDA ScaledObject of a model scaled on a Prometheus metric (KServe's predictor Deployment). */
export function scaledObjectManifest(
  m: ResolvedModel,
  c: Pick<ModelContext, "namespace" | "labels">,
  prometheusUrl: string,
  triggerAuthenticationName: string | undefined,
): Manifest {
  return {
    apiVersion: KEDA_API_VERSION,
    kind: "ScaledObject",
    metadata: { name: m.name, namespace: c.namespace, labels: c.labels },
    spec: {
      // KServe's Standard-mode Deployment of the predictor is `<name>-predictor`.
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: `${m.name}-predictor` },
      minReplicaCount: m.autoscaling.minReplicas,
      maxReplicaCount: m.autoscaling.maxReplicas,
      triggers: [
        {
          type: "prometheus",
          metricType: "AverageValue",
          metadata: {
            serverAddress: prometheusUrl,
            query: scaleQuery(m.autoscaling.metric, c.namespace, m.name),
            threshold: String(m.autoscaling.target),
            // Wake a model at 0 on the first request in flight.
            activationThreshold: "0",
          },
          ...(triggerAuthenticationName ? { authenticationRef: { name: triggerAuthenticationName } } : {}),
        },
      ],
    },
  };
}

/**
 * The TriggerAuthentication of "podIdentity": KEDA's operator authenticates with its own workload
 * identity (no Secret: with `restrict.secret` the operator reads Secrets only in its namespace).
 */
export function triggerAuthenticationManifest(
  name: string,
  c: Pick<ModelContext, "namespace" | "labels">,
): Manifest {
  return {
    apiVersion: KEDA_API_VERSION,
    kind: "TriggerAuthentication",
    metadata: { name, namespace: c.namespace, labels: c.labels },
    spec: { podIdentity: { provider: "gcp" } },
  };
}

/** The outputs of one served model. */
export interface ServedModel {
  /** In-cluster URL of the model (`http://<name>-predictor.<namespace>.svc.cluster.local`). */
  internalUrl: string;
  /** `https://<host>` when exposed, else undefined. */
  externalUrl: string | undefined;
  /** The version serving the main share of traffic. */
  currentVersion: string;
  /** The canary's version, or undefined. */
  canaryVersion: string | undefined;
  /** The canary's share of traffic (0 without a canary). */
  canaryPercent: number;
  /**
   * With payload logging to the component's sink: `<payload bucket uri>/<prefix>/<model>`, under
   * which each version's Parquet files are (`<version>/date=YYYY-MM-DD/part-*.parquet`; the drift
   * job's `--current` is `<payloadLogUri>/<version>`). Undefined otherwise.
   */
  payloadLogUri: pulumi.Output<string> | undefined;
}

/** What the builder needs from the component. */
export interface ModelBuildContext {
  ctx: ComponentContext;
  provider: k8s.Provider;
  adapter: CloudAdapter;
  artifactStore: ObjectStore;
  cluster: ClusterHandle;
  a: ResolvedModelServingArgs;
  labels: Record<string, string>;
  /** The namespace and the platform: every object of a model comes after them. */
  dependsOn: pulumi.Resource[];
  owner: pulumi.Resource;
  type: string;
  /** The component's payload sink, when a model logs to it. */
  payloadSink?: { store: ObjectStore; prefix: string; selector: Record<string, string> };
}

/** The egress rule to the component's payload sink pods, on the sink port. */
function ownSinkEgress(selector: Record<string, string>): EgressRule {
  return {
    to: [{ podSelector: { matchLabels: selector } }],
    ports: [{ protocol: "TCP", port: PAYLOAD_SINK_PORT }],
  };
}

/** The egress rule to a logger sink URL's host port, in any namespace of the cluster. */
function sinkEgress(url: string): EgressRule {
  const u = new URL(url);
  const port = u.port !== "" ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
  return { to: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port }] };
}

/** Creates one model's objects (see the module comment) and returns its outputs. */
export function createModel(b: ModelBuildContext, m: ResolvedModel): ServedModel {
  const { ctx, provider, adapter, a, labels } = b;
  const child = `${ctx.name}-${m.name}`;
  const ns = a.namespace;
  const identity = adapter.workloadIdentity(m.name, {
    serviceAccountName: m.name,
    grants: [{ resource: b.artifactStore, access: Access.read }],
    labels,
  });
  const after = [...b.dependsOn, identity.serviceAccount, ...identity.ready];
  const c = (storeUri: string): ModelContext => ({
    namespace: ns,
    labels,
    storeUri,
    serviceAccountName: m.name,
    gpuNodeLabels: b.cluster.gpuNodeLabels,
    gpuTaint: b.cluster.gpuTaint,
  });
  // Exposure: an HTTPS Ingress through the platform's ingress, authenticated (see ./args.ts). The
  // target's load balancer may need annotations on the predictor Service: KServe builds the
  // predictor's ObjectMeta from the InferenceService's annotations minus its
  // `serviceAnnotationDisallowedList` (components/predictor.go buildPredictorResources) and creates
  // the Service with it (reconcilers/service/service_reconciler.go createDefaultSvc). Companion
  // objects (BackendConfig, the controller's Secret grant) exist before the InferenceService.
  const ingress = m.exposure
    ? httpsIngressSettings(
        m.exposure,
        adapter,
        {
          role: m.name,
          serviceName: `${m.name}-predictor`,
          port: MODEL_HTTP_PORT,
          healthCheckPath: "/v2/health/ready",
          requestTimeoutSeconds: 60,
          idleTimeoutSeconds: 60,
          labels,
        },
        b.owner,
        b.type,
        m.exposure.authentication,
      )
    : undefined;
  const lb = ingress?.loadBalancer;
  const manifest = pulumi
    .all([b.artifactStore.uri, pulumi.output(lb?.serviceAnnotations ?? {})])
    .apply(([uri, serviceAnnotations]) => {
      const x = inferenceServiceManifest(m, c(uri));
      const meta = x["metadata"] as { annotations: Record<string, string> };
      const merged: Manifest = {
        ...x,
        metadata: { ...meta, annotations: { ...meta.annotations, ...serviceAnnotations } },
      };
      return merged;
    });
  const isvc = new k8s.apiextensions.CustomResource(
    child,
    {
      apiVersion: INFERENCE_SERVICE_API_VERSION,
      kind: "InferenceService",
      metadata: manifest.apply((x) => x["metadata"] as k8s.types.input.meta.v1.ObjectMeta),
      spec: manifest.apply((x) => x["spec"]),
    },
    ctx.opts({ provider, dependsOn: [...after, b.artifactStore.resource, ...(lb?.resources ?? [])] }),
  );

  if (scaledByKeda(m) && a.prometheus) {
    const authName =
      a.prometheus.authentication === PrometheusAuthentication.podIdentity
        ? `${m.name}-prometheus`
        : undefined;
    const auth = authName
      ? new k8s.apiextensions.CustomResource(
          `${child}-trigger-auth`,
          triggerAuthenticationManifest(authName, {
            namespace: ns,
            labels,
          }) as k8s.apiextensions.CustomResourceArgs,
          ctx.opts({ provider, dependsOn: b.dependsOn }),
        )
      : undefined;
    const scaled = pulumi
      .output(a.prometheus.url)
      .apply((url) => scaledObjectManifest(m, { namespace: ns, labels }, url, authName));
    new k8s.apiextensions.CustomResource(
      `${child}-scaledobject`,
      {
        apiVersion: KEDA_API_VERSION,
        kind: "ScaledObject",
        metadata: { name: m.name, namespace: ns, labels },
        spec: scaled.apply((x) => x["spec"]),
      },
      ctx.opts({ provider, dependsOn: [...b.dependsOn, isvc, ...(auth ? [auth] : [])] }),
    );
  }

  if (m.highAvailability) {
    new k8s.policy.v1.PodDisruptionBudget(
      `${child}-pdb`,
      {
        metadata: { name: m.name, namespace: ns, labels },
        spec: { minAvailable: 1, selector: { matchLabels: { [ISVC_POD_LABEL]: m.name } } },
      },
      ctx.opts({ provider, dependsOn: b.dependsOn }),
    );
  }

  if (ingress && m.exposure) {
    const cls = httpsIngressClass(ingress, {
      ...nginxHttpsOnlyAnnotations(ingress.className),
      ...externalAuthAnnotations(m.exposure.authentication),
    });
    new k8s.networking.v1.Ingress(
      `${child}-ingress`,
      {
        metadata: { name: m.name, namespace: ns, labels, annotations: cls.annotations },
        spec: {
          ...(cls.ingressClassName ? { ingressClassName: cls.ingressClassName } : {}),
          tls: [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }],
          rules: [
            {
              host: ingress.host,
              http: {
                paths: [
                  {
                    path: "/",
                    pathType: "Prefix",
                    backend: { service: { name: `${m.name}-predictor`, port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      },
      ctx.opts({ provider, dependsOn: [isvc, ...(lb?.resources ?? [])] }),
    );
  }

  const rt = RUNTIMES[m.format];
  const scrapeTarget: WorkloadScrapeTarget = {
    kind: MonitorKind.podMonitor,
    name: `${m.name}-mlserver`,
    namespace: ns,
    selector: { [ISVC_POD_LABEL]: m.name },
    endpoints: [{ port: METRICS_PORT_NAME }],
  };
  const monitoring = b.cluster.monitoring;
  const scraped = rt.mlserver && isScraped(monitoring, scrapeTarget);
  const scraper = scraped ? scraperIngressRule(monitoring, [MLSERVER_METRICS_PORT]) : undefined;
  const httpPort = [{ protocol: "TCP", port: MODEL_HTTP_PORT }];
  new k8s.networking.v1.NetworkPolicy(
    `${child}-network-policy`,
    {
      metadata: { name: m.name, namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: { [ISVC_POD_LABEL]: m.name } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          {
            from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: a.clientNamespaceLabels } }],
            ports: httpPort,
          },
          ...(ingress ? [{ from: httpsIngressPeers(ingress), ports: httpPort }] : []),
          ...(scraper ? [scraper] : []),
        ],
        // The storage initializer reads the model from the store (with the identity's credential
        // exchange); the logger agent posts to its sink.
        egress: uniqueRules([
          dnsEgressRule(),
          ...b.artifactStore.egress,
          ...identity.egress,
          ...(m.logging
            ? [
                m.logging.ownSink && b.payloadSink
                  ? ownSinkEgress(b.payloadSink.selector)
                  : sinkEgress(m.logging.sinkUrl),
              ]
            : []),
        ]),
      },
    },
    ctx.opts({ provider, dependsOn: b.dependsOn }),
  );
  if (rt.mlserver) {
    createScrapeTarget({ ctx, provider, monitoring, dependsOn: [isvc] }, `${m.name}-monitor`, scrapeTarget);
  }

  return {
    internalUrl: `http://${m.name}-predictor.${ns}.svc.cluster.local`,
    externalUrl: ingress ? `https://${ingress.host}` : undefined,
    currentVersion: m.version,
    canaryVersion: m.canary?.version,
    canaryPercent: m.canary?.percent ?? 0,
    payloadLogUri:
      m.logging?.ownSink && b.payloadSink
        ? pulumi.interpolate`${b.payloadSink.store.uri}/${b.payloadSink.prefix}/${m.name}`
        : undefined,
  };
}
