/**
 * The public contract of `mlops:index:ModelServing`: a hand-written, documented args interface and
 * the zod schema that validates it at runtime (test/types.test.ts keeps the two in sync), and the
 * one resolver `resolveModelServingArgs` (components/shared/contract.ts).
 *
 * Scale from zero (read before setting `autoscaling.minReplicas: 0`): KServe's Standard mode runs
 * a plain Deployment behind a Service, with no activator in front of it (the Knative mode's
 * request buffer). A model at 0 replicas has no endpoint: requests sent to it fail (connection
 * refused / 503 from the ingress) until KEDA has scaled it up and the model has loaded (a cold
 * start of seconds to minutes). An online model (`online`, the default) therefore keeps at least
 * one replica; 0 needs `autoscaling.scaleToZero: true` on purpose, and KEDA's concurrency metric
 * (the only metric that can wake a Deployment from 0: an HPA never scales to or from 0).
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { resourcesWithDefaults } from "../shared/k8s";
import { StoreKind, Target, type ObjectStore } from "../adapters";
import { resolvePlatform } from "../shared/component";
import { resolveWith, type Problem, type Resolution } from "../shared/contract";
import {
  httpsIngressArgsSchema,
  httpsIngressProblems,
  ingressAuthenticationArgsSchema,
  ingressAuthenticationProblems,
  resolveHttpsIngress,
  resolveIngressAuthentication,
  type HttpsIngressArgs,
  type IngressAuthenticationArgs,
  type ResolvedHttpsIngress,
  type ResolvedIngressAuthentication,
} from "../shared/https-ingress";
import { PRESETS, type Environment } from "../shared/presets";
import { digestPinnedImageSchema } from "../shared/python-job";
import { input } from "../shared/validation";
import {
  dnsLabelSchema,
  labelMapSchema as labelMap,
  nonEmptyStringSchema as nonEmpty,
  resourceOverridesSchema,
} from "../shared/schemas";
import {
  clusterComponentArgsShape,
  GpuType,
  withClusterHandleDetails,
  type ClusterHandle,
  type ResolvedGpuPool,
} from "../training-cluster";

/** How a model is packaged; picks KServe's `modelFormat` and so the serving runtime. */
export const ModelFormat = {
  /** An MLflow model (the registry's format): KServe's MLServer runtime with protocol v2. */
  mlflow: "mlflow",
  /** A pickled / joblib scikit-learn model (MLServer, protocol v2). */
  sklearn: "sklearn",
  /** An XGBoost booster (MLServer, protocol v2). */
  xgboost: "xgboost",
  /** A TorchServe model archive (KServe's TorchServe runtime, protocol v1). */
  pytorch: "pytorch",
  /** A Hugging Face model directory (KServe's Hugging Face server, protocol v2). */
  huggingface: "huggingface",
} as const;
export type ModelFormat = (typeof ModelFormat)[keyof typeof ModelFormat];

/** What the autoscaler follows. */
export const ScaleMetric = {
  /** Average CPU utilisation (% of the request): an HPA that KServe creates; never below 1 replica. */
  cpu: "cpu",
  /** Requests in flight per replica, from Prometheus, through a KEDA ScaledObject. */
  concurrency: "concurrency",
  /** GPU duty cycle (DCGM `DCGM_FI_PROF_GR_ENGINE_ACTIVE`, %), from Prometheus, through KEDA. */
  gpuDutyCycle: "gpuDutyCycle",
} as const;
export type ScaleMetric = (typeof ScaleMetric)[keyof typeof ScaleMetric];

/** What KServe's payload logger records. */
export const PayloadLoggingMode = {
  all: "all",
  request: "request",
  response: "response",
} as const;
export type PayloadLoggingMode = (typeof PayloadLoggingMode)[keyof typeof PayloadLoggingMode];

/** How KEDA authenticates to the Prometheus its triggers query. */
export const PrometheusAuthentication = {
  /** No credentials: an in-cluster Prometheus (or GMP frontend) on a private Service. */
  none: "none",
  /**
   * The KEDA operator's own workload identity (a `TriggerAuthentication` with `podIdentity`, no
   * Secret): Google Cloud Managed Service for Prometheus's query API on gcp. Only on target "gcp".
   */
  podIdentity: "podIdentity",
} as const;
export type PrometheusAuthentication =
  (typeof PrometheusAuthentication)[keyof typeof PrometheusAuthentication];

/** CPU and memory of a model's server container; requests and limits are always both set. */
export interface ModelResources {
  /** @default "500m" */
  cpuRequest?: string;
  /** @default "1Gi" */
  memoryRequest?: string;
  /** @default "2" */
  cpuLimit?: string;
  /** @default "4Gi" */
  memoryLimit?: string;
}

/** How a model's replicas follow its load. */
export interface ModelAutoscalingArgs {
  /**
   * Fewest replicas. 0 needs metric "concurrency", and `scaleToZero: true` for an online model
   * (see the module comment).
   * @default 0 with `scaleToZero`, else 1 in dev and 2 in staging/prod (at least 2 in prod)
   */
  minReplicas?: number;
  /** Most replicas (at least `minReplicas`, and at least 1). @default 3 in dev, 5 in staging, 10 in prod */
  maxReplicas?: number;
  /** @default "cpu" ("gpuDutyCycle" with `gpu`) */
  metric?: ScaleMetric;
  /**
   * Target per replica: CPU utilisation % ("cpu"), requests in flight ("concurrency"), GPU duty
   * cycle % ("gpuDutyCycle"). @default 70 (cpu), 4 (concurrency), 60 (gpuDutyCycle)
   */
  target?: number;
  /**
   * Scale an online model to 0 when idle (`minReplicas` then defaults to 0), accepting that
   * requests fail while it is at 0 (Standard mode buffers nothing; see the module comment).
   * Never in prod. @default false
   */
  scaleToZero?: boolean;
}

/**
 * A second model version that takes part of the traffic (KServe `spec.canary[]`). Limits in
 * Standard mode: the canary runs a fixed number of replicas (it is not autoscaled), and the split
 * is approximate: `percent` is the share of the Service's endpoints KServe gives the canary
 * Deployment, not a per-request weight. Promote: set the model's `storageUri`/`version` to the
 * canary's and remove `canary`. Roll back: remove `canary` (or set `percent: 0`).
 */
export interface ModelCanaryArgs {
  /** Path of the candidate version inside the artifact store (same rules as the model's). */
  storageUri: string;
  /** Version label of the candidate (e.g. the registry's version number). @default the storageUri */
  version?: string;
  /** Share of traffic, 0–100. */
  percent: number;
  /** Fixed replicas of the canary. @default 1 */
  replicas?: number;
}

/** GPU serving: `nvidia.com/gpu` limits, placed on the cluster's GPU pools of that type. */
export interface ModelGpuArgs {
  /** GPU type; the cluster must have a GPU pool of it (`ClusterHandle.gpuPools`). */
  type: GpuType;
  /** GPUs per replica. @default 1 */
  count?: number;
}

/**
 * Payload logging: KServe's logger agent sends each request/response as a CloudEvent to a sink.
 * By default that is the component's payload sink (`mlops_jobs.payload_sink`, see
 * `ModelServingPayloadSinkArgs`), which pairs them and writes Parquet to the component's encrypted
 * `payload-logs` bucket under `<prefix>/<model>/<version>/` — the drift job's current data (the
 * model's `payloadLogUri` output). `sinkUrl` brings your own sink instead. The pinned KServe's own
 * blob-storage logger writes JSON only and reads static keys from a Secret, so it is not used.
 */
export interface ModelLoggingArgs {
  /** Log this model's payloads (false keeps the settings and logs nothing). @default true */
  enabled?: boolean;
  /**
   * In-cluster URL of your own sink (`http(s)://<service>.<namespace>.svc...`).
   * @default the component's payload sink (`http://payload-sink.<namespace>.svc.cluster.local:8080/models/<model>/versions/<version>`)
   */
  sinkUrl?: string;
  /** @default "all" (requests and responses: features and predictions) */
  mode?: PayloadLoggingMode;
}

/**
 * The component's payload sink, deployed when a model logs without its own `sinkUrl`: a
 * Deployment `payload-sink` in the serving namespace (Pod Security "restricted", its own workload
 * identity with read-write on the `payload-logs` bucket only), reachable only from the namespace's
 * model pods.
 */
export interface ModelServingPayloadSinkArgs {
  /** Prefix of the Parquet files in the bucket (a path without leading or trailing "/"). @default "payload-logs" */
  prefix?: string;
  /** Write when this many rows wait. @default 1000 */
  flushRows?: number;
  /** Write rows at most this old (`30s`, `5m`, `1h`). @default "5m" */
  flushInterval?: string;
  /**
   * A prebuilt image of jobs/Dockerfile pinned by digest (`<image>@sha256:<64 hex>`).
   * @default python:3.11-slim (pinned) with the sink's lock installed by an init container
   */
  image?: string;
  /** A PyPI mirror for that install (`PIP_INDEX_URL`; HTTPS on 443). @default PyPI */
  pipIndexUrl?: string;
}

/**
 * Exposure outside the cluster: an HTTPS Ingress (`HttpsIngressArgs`) in front of the model,
 * through the platform's ingress, and never anonymous: the AWS internal ALB with OpenID Connect
 * (class "alb", the default on aws), GKE's internal Application Load Balancer with Identity-Aware
 * Proxy ("gce-internal", the default on gcp), or a bring-your-own ingress-nginx with external
 * authentication ("nginx", the default on local). Without exposure a model is cluster-internal
 * only (its InferenceService is labelled `networking.kserve.io/visibility: cluster-local`).
 */
export interface ModelExposureArgs extends HttpsIngressArgs {
  /** How every request is authenticated (`IngressAuthenticationArgs`). Required when enabled. */
  authentication?: IngressAuthenticationArgs;
}

/** One model to serve. */
export interface ModelArgs {
  /** Name of the InferenceService (a DNS-1123 label, at most 45 characters). */
  name: string;
  /**
   * Path of the model inside the artifact store, e.g. "mlflow-artifacts/1/<run>/artifacts/model":
   * served from `<artifactStore.uri>/<storageUri>`. Never a URI (no `s3://`, `gs://`, `http://`).
   */
  storageUri: string;
  /** Version label (e.g. the registry's version number). @default the storageUri */
  version?: string;
  /** @default "mlflow" */
  format?: ModelFormat;
  /**
   * An online model answers live requests: it keeps at least one replica unless
   * `autoscaling.scaleToZero` says otherwise. @default true
   */
  online?: boolean;
  /** @default requests 500m/1Gi, limits 2/4Gi */
  resources?: ModelResources;
  /** @default the preset's replicas, CPU at 70 % */
  autoscaling?: ModelAutoscalingArgs;
  /** @default no canary */
  canary?: ModelCanaryArgs;
  /** @default CPU only */
  gpu?: ModelGpuArgs;
  /** @default no payload logging */
  logging?: ModelLoggingArgs;
  /** @default cluster-internal only */
  exposure?: ModelExposureArgs;
}

/** The Prometheus KEDA's triggers query ("concurrency" and "gpuDutyCycle" metrics). */
export interface ModelServingPrometheusArgs {
  /** Query URL (e.g. the Monitoring component's `prometheusUrl` output). */
  url: pulumi.Input<string>;
  /** @default "none" */
  authentication?: PrometheusAuthentication;
}

export interface ModelServingArgs {
  /** The cluster the models run on: a `GpuTrainingCluster`'s `handle`, or `existingClusterHandle(...)`. */
  cluster: ClusterHandle;
  /** Where the models are read from: the ModelRegistry's `artifactStore` (granted read-only). */
  artifactStore: ObjectStore;
  /** Environment preset that picks the defaults below. @default the cluster's environment */
  environment?: Environment;
  /** Namespace of the InferenceServices (Pod Security "restricted"). @default "serving" */
  namespace?: string;
  /** Install KServe and KEDA (once per cluster; false for a second ModelServing). @default true */
  installPlatform?: boolean;
  /** The models (names unique). */
  models: ModelArgs[];
  /** Required when a model scales on "concurrency" or "gpuDutyCycle". @default none */
  prometheus?: ModelServingPrometheusArgs;
  /** The component's payload sink (used by models that log without their own `sinkUrl`). @default see `ModelServingPayloadSinkArgs` */
  payloadSink?: ModelServingPayloadSinkArgs;
  /**
   * Labels of the namespaces whose pods may call the models.
   * @default { "mlops.pulumi.com/serving-client": "true" }
   */
  clientNamespaceLabels?: Record<string, string>;
  /** Tags / labels of every resource; `environment` is added. @default {} */
  tags?: Record<string, string>;
}

/** The default client namespace label. */
export const MODEL_SERVING_CLIENT_LABEL = { "mlops.pulumi.com/serving-client": "true" } as const;

/**
 * Longest model name: KServe names the predictor Deployment/Service `<name>-predictor` and the
 * canary's `<name>-predictor-canary`, and a Service name is a DNS label (63).
 */
export const MAX_MODEL_NAME_LENGTH = 45;

/** Default targets per metric. */
export const DEFAULT_SCALE_TARGETS: Record<ScaleMetric, number> = {
  cpu: 70,
  concurrency: 4,
  gpuDutyCycle: 60,
};
/** Default maximum replicas per environment. */
export const DEFAULT_MAX_REPLICAS: Record<Environment, number> = { dev: 3, staging: 5, prod: 10 };

/** A path inside the store: relative, normalised, no scheme. */
const STORE_PATH = /^(?![a-zA-Z][a-zA-Z0-9+.-]*:)[^/\s][^\s]*$/;
function storePathSchema() {
  return z.string().superRefine((p, ctx) => {
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(p)) {
      ctx.addIssue({
        code: "custom",
        message: `must be a path inside the artifact store (e.g. "mlflow-artifacts/1/<run>/artifacts/model"), not a URI: models are read only from the platform's store${/^http:/.test(p) ? ", never over plain http://" : ""}`,
      });
    } else if (!STORE_PATH.test(p) || /(^|\/)\.\.?(\/|$)|\/\/|\/$/.test(p)) {
      ctx.addIssue({
        code: "custom",
        message: "must be a relative, normalised path inside the artifact store",
      });
    }
  });
}

function isObjectStore(v: unknown): v is ObjectStore {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === StoreKind.objectStore;
}

/** @internal */
export const objectStoreSchema = z.custom<ObjectStore>(isObjectStore, {
  message: "must be an ObjectStore (e.g. a ModelRegistry's `artifactStore`)",
});

const inClusterUrl = z.string().regex(/^https?:\/\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d+)?(\/\S*)?$/, {
  message: 'must be an http(s) URL such as "http://sink.drift.svc.cluster.local:8080"',
});

const modelSchema = z
  .object({
    name: dnsLabelSchema(MAX_MODEL_NAME_LENGTH),
    storageUri: storePathSchema(),
    version: nonEmpty.optional(),
    format: z
      .enum([
        ModelFormat.mlflow,
        ModelFormat.sklearn,
        ModelFormat.xgboost,
        ModelFormat.pytorch,
        ModelFormat.huggingface,
      ])
      .optional(),
    online: z.boolean().optional(),
    resources: resourceOverridesSchema.optional(),
    autoscaling: z
      .object({
        minReplicas: z.number().int().min(0).max(100).optional(),
        maxReplicas: z.number().int().min(1).max(100).optional(),
        metric: z.enum([ScaleMetric.cpu, ScaleMetric.concurrency, ScaleMetric.gpuDutyCycle]).optional(),
        target: z.number().int().min(1).max(1000).optional(),
        scaleToZero: z.boolean().optional(),
      })
      .strict()
      .optional(),
    canary: z
      .object({
        storageUri: storePathSchema(),
        version: nonEmpty.optional(),
        percent: z
          .number()
          .int({ message: "must be a whole percentage" })
          .min(0, { message: "must be between 0 and 100" })
          .max(100, { message: "must be between 0 and 100" }),
        replicas: z.number().int().min(1).max(20).optional(),
      })
      .strict()
      .optional(),
    gpu: z
      .object({
        type: z.enum(Object.values(GpuType) as [GpuType, ...GpuType[]]),
        count: z.number().int().min(1).max(16).optional(),
      })
      .strict()
      .optional(),
    logging: z
      .object({
        enabled: z.boolean().optional(),
        sinkUrl: inClusterUrl.optional(),
        mode: z
          .enum([PayloadLoggingMode.all, PayloadLoggingMode.request, PayloadLoggingMode.response])
          .optional(),
      })
      .strict()
      .optional(),
    exposure: httpsIngressArgsSchema("recommender.example.com")
      .extend({ authentication: ingressAuthenticationArgsSchema.optional() })
      .strict()
      .optional(),
  })
  .strict();

/** Field schemas of `ModelServingArgs`, without the cross-field rules.  @internal */
export const modelServingArgsObject = z
  .object({
    ...clusterComponentArgsShape,
    artifactStore: objectStoreSchema,
    namespace: dnsLabelSchema().optional(),
    installPlatform: z.boolean().optional(),
    models: z.array(modelSchema).min(1, { message: "must list at least one model" }),
    prometheus: z
      .object({
        url: input(z.string().regex(/^https?:\/\/\S+$/, { message: "must be an http(s) URL" })),
        authentication: z
          .enum([PrometheusAuthentication.none, PrometheusAuthentication.podIdentity])
          .optional(),
      })
      .strict()
      .optional(),
    payloadSink: z
      .object({
        prefix: z
          .string()
          .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, {
            message: 'must be a path such as "payload-logs" (no leading or trailing "/")',
          })
          .optional(),
        flushRows: z.number().int().min(1).max(1_000_000).optional(),
        flushInterval: z
          .string()
          .regex(/^[1-9][0-9]*(s|m|h)$/, { message: 'must be a duration such as "30s", "5m" or "1h"' })
          .optional(),
        image: digestPinnedImageSchema.optional(),
        pipIndexUrl: z
          .string()
          .regex(/^https:\/\/\S+$/, { message: "must be an https:// URL" })
          .optional(),
      })
      .strict()
      .optional(),
    clientNamespaceLabels: labelMap.optional(),
  })
  .strict();

/** Runtime schema of `ModelServingArgs`: the field schemas and the cluster handle's details.  @internal */
export const modelServingArgsSchema = withClusterHandleDetails(modelServingArgsObject);

/** The cluster as the rules see it. */
type CheckedCluster = Pick<ClusterHandle, "target" | "environment" | "gpuPools" | "monitoring">;
type CheckedArgs = Omit<z.output<typeof modelServingArgsObject>, "cluster" | "artifactStore"> & {
  cluster: CheckedCluster;
};
type ParsedModel = z.output<typeof modelSchema>;

/** The formats MLServer serves (its metrics on 8082 are what "concurrency" reads). */
const MLSERVER_FORMATS = new Set<ModelFormat>([ModelFormat.mlflow, ModelFormat.sklearn, ModelFormat.xgboost]);

/** The metric a model scales on when `autoscaling.metric` is not given. */
function defaultMetric(m: ParsedModel): ScaleMetric {
  return m.autoscaling?.metric ?? (m.gpu ? ScaleMetric.gpuDutyCycle : ScaleMetric.cpu);
}

/** `autoscaling.minReplicas`, or 0 with `scaleToZero`, or the preset's replicas. */
function defaultMinReplicas(m: ParsedModel, env: Environment): number {
  return m.autoscaling?.minReplicas ?? (m.autoscaling?.scaleToZero === true ? 0 : PRESETS[env].replicas);
}

/** Cross-field rules of one model. */
function modelProblems(
  m: ParsedModel,
  index: number,
  env: Environment,
  cluster: CheckedCluster,
  prometheus: CheckedArgs["prometheus"],
): Problem[] {
  const problems: Problem[] = [];
  const at = (...path: (string | number)[]) => ["models", index, ...path];
  const auto = m.autoscaling;
  const metric = defaultMetric(m);
  const min = defaultMinReplicas(m, env);
  const max = auto?.maxReplicas ?? Math.max(DEFAULT_MAX_REPLICAS[env], min);
  if (max < min)
    problems.push({
      path: at("autoscaling", "maxReplicas"),
      message: `must be at least minReplicas (${min})`,
    });
  if (min === 0) {
    if ((m.online ?? true) && auto?.scaleToZero !== true) {
      problems.push({
        path: at("autoscaling", "minReplicas"),
        message:
          "0 makes an online model refuse requests while it is scaled down (KServe's Standard mode does not buffer requests during a cold start); keep 1, or set autoscaling.scaleToZero: true to accept it",
      });
    }
    if (metric !== ScaleMetric.concurrency) {
      problems.push({
        path: at("autoscaling", "minReplicas"),
        message: `0 needs metric "concurrency" (KEDA); "${metric}" cannot scale a model from zero`,
      });
    }
  }
  if (env === "prod" && min < 2) {
    problems.push({ path: at("autoscaling", "minReplicas"), message: "must be at least 2 in prod" });
  }
  if (auto?.scaleToZero === true && auto.minReplicas !== undefined && auto.minReplicas !== 0) {
    problems.push({
      path: at("autoscaling", "scaleToZero"),
      message: "scales the model to 0: minReplicas must be 0 or unset",
    });
  }
  if (metric === ScaleMetric.gpuDutyCycle && !m.gpu) {
    problems.push({ path: at("autoscaling", "metric"), message: '"gpuDutyCycle" needs gpu' });
  }
  if ((metric === ScaleMetric.concurrency || metric === ScaleMetric.gpuDutyCycle) && !prometheus) {
    problems.push({
      path: at("autoscaling", "metric"),
      message: `"${metric}" is read from Prometheus by KEDA: set prometheus.url (e.g. the Monitoring component's prometheusUrl)`,
    });
  }
  if (metric !== ScaleMetric.cpu && cluster.monitoring === undefined) {
    problems.push({
      path: at("autoscaling", "metric"),
      message: `"${metric}" needs the cluster's monitoring: without it nothing scrapes the metric KEDA reads`,
    });
  }
  if (metric === ScaleMetric.concurrency && !MLSERVER_FORMATS.has(m.format ?? ModelFormat.mlflow)) {
    problems.push({
      path: at("autoscaling", "metric"),
      message: `"concurrency" reads MLServer's requests-in-progress gauge: it needs format mlflow, sklearn or xgboost (not "${m.format}")`,
    });
  }
  if (metric === ScaleMetric.cpu && auto?.target !== undefined && auto.target > 100) {
    problems.push({
      path: at("autoscaling", "target"),
      message: "must be a CPU utilisation between 1 and 100 (%)",
    });
  }
  if (m.gpu) {
    const pools = cluster.gpuPools.filter((p: ResolvedGpuPool) => p.gpuType === m.gpu?.type);
    if (pools.length === 0) {
      const have = [...new Set(cluster.gpuPools.map((p) => p.gpuType))];
      problems.push({
        path: at("gpu", "type"),
        message: `the cluster has no GPU pool of type "${m.gpu.type}" (${have.length > 0 ? `it has ${have.map((t) => `"${t}"`).join(", ")}` : "it has no GPU pools"})`,
      });
    }
  }
  if (m.canary && m.canary.storageUri === m.storageUri) {
    problems.push({
      path: at("canary", "storageUri"),
      message: "is the model's current storageUri; a canary serves another version",
    });
  }
  if (m.exposure?.enabled) {
    problems.push(...httpsIngressProblems(cluster.target, m.exposure, at("exposure")));
    problems.push(...ingressAuthenticationProblems(cluster.target, m.exposure, at("exposure")));
  }
  return problems;
}

function modelServingProblems(v: CheckedArgs, env: Environment): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  v.models.forEach((m, i) => {
    const first = seen.get(m.name);
    if (first !== undefined) {
      problems.push({ path: ["models", i, "name"], message: `"${m.name}" is already models[${first}].name` });
    } else {
      seen.set(m.name, i);
    }
    if (
      m.name === PAYLOAD_SINK_NAME &&
      v.models.some((x) => x.logging && x.logging.enabled !== false && !x.logging.sinkUrl)
    ) {
      problems.push({
        path: ["models", i, "name"],
        message: `"${PAYLOAD_SINK_NAME}" is the component's payload sink (a model logs to it); choose another name`,
      });
    }
    problems.push(...modelProblems(m, i, env, v.cluster, v.prometheus));
  });
  if (
    v.prometheus?.authentication === PrometheusAuthentication.podIdentity &&
    v.cluster.target !== Target.gcp
  ) {
    problems.push({
      path: ["prometheus", "authentication"],
      message: `"podIdentity" (Google Cloud Managed Prometheus) needs target "gcp" (the cluster's target is "${v.cluster.target}")`,
    });
  }
  return problems;
}

/** One model with every default applied. */
export interface ResolvedModel {
  name: string;
  storageUri: string;
  version: string;
  format: ModelFormat;
  online: boolean;
  resources: Required<ModelResources>;
  autoscaling: { minReplicas: number; maxReplicas: number; metric: ScaleMetric; target: number };
  canary: { storageUri: string; version: string; percent: number; replicas: number } | undefined;
  gpu: { type: GpuType; count: number } | undefined;
  /**
   * Where the logger posts (`ownSink`: the component's payload sink, whose path names the model and
   * version per predictor), or undefined when the model does not log.
   */
  logging: { sinkUrl: string; mode: PayloadLoggingMode; ownSink: boolean } | undefined;
  exposure: (ResolvedHttpsIngress & { authentication: ResolvedIngressAuthentication }) | undefined;
  /** PodDisruptionBudget (minAvailable 1) and zone spread: staging/prod with at least 2 replicas. */
  highAvailability: boolean;
}

/** The payload sink with every default applied. */
export interface ResolvedPayloadSink {
  prefix: string;
  flushRows: number;
  flushInterval: string;
  image: string | undefined;
  pipIndexUrl: string | undefined;
  /** `http://payload-sink.<namespace>.svc.cluster.local:8080`. */
  url: string;
}

/** Kubernetes name of the payload sink's Deployment, Service and ServiceAccount (a model may not take it). */
export const PAYLOAD_SINK_NAME = "payload-sink";
/** The payload sink's port. */
export const PAYLOAD_SINK_PORT = 8080;

/** `ModelServingArgs` with every default applied. */
export interface ResolvedModelServingArgs {
  target: Target;
  environment: Environment;
  namespace: string;
  installPlatform: boolean;
  models: ResolvedModel[];
  prometheus: Required<ModelServingPrometheusArgs> | undefined;
  /** The component's payload sink, when a model logs to it. */
  payloadSink: ResolvedPayloadSink | undefined;
  clientNamespaceLabels: Record<string, string>;
  protect: boolean;
  tags: Record<string, string>;
}

/**
 * The contract pipeline of `ModelServing`: schema, cross-field rules and every default, in one
 * pure pass. `cluster`: the target, environment, GPU pools and monitoring of the cluster the
 * program will pass, for a caller that resolves before the cluster exists (the stack config); the
 * artifact store is then not checked either.
 */
export function resolveModelServingArgs(
  args: unknown,
  environment?: Environment,
  cluster?: CheckedCluster,
): Resolution<ResolvedModelServingArgs> {
  const schema = cluster
    ? modelServingArgsObject.omit({ cluster: true, artifactStore: true })
    : modelServingArgsSchema;
  return resolveWith(schema, args, (parsed, fieldsValid) => {
    const v = { ...parsed, ...(cluster ? { cluster } : {}) } as CheckedArgs;
    if (typeof v.cluster?.target !== "string" || !Array.isArray(v.models)) {
      return { resolved: undefined, problems: [] };
    }
    const env: Environment = v.environment ?? v.cluster.environment ?? environment ?? "dev";
    if (!fieldsValid) return { resolved: undefined, problems: modelServingProblems(v, env) };
    const namespace = v.namespace ?? "serving";
    const sinkUrl = `http://${PAYLOAD_SINK_NAME}.${namespace}.svc.cluster.local:${PAYLOAD_SINK_PORT}`;
    const models = v.models.map((m): ResolvedModel => {
      const metric = defaultMetric(m);
      const min = defaultMinReplicas(m, env);
      const exposure = resolveHttpsIngress(v.cluster.target, m.exposure);
      return {
        name: m.name,
        storageUri: m.storageUri,
        version: m.version ?? m.storageUri,
        format: m.format ?? ModelFormat.mlflow,
        online: m.online ?? true,
        resources: resourcesWithDefaults(m.resources, {
          cpuRequest: "500m",
          memoryRequest: "1Gi",
          cpuLimit: "2",
          memoryLimit: "4Gi",
        }),
        autoscaling: {
          minReplicas: min,
          maxReplicas: m.autoscaling?.maxReplicas ?? Math.max(DEFAULT_MAX_REPLICAS[env], min),
          metric,
          target: m.autoscaling?.target ?? DEFAULT_SCALE_TARGETS[metric],
        },
        canary: m.canary
          ? {
              storageUri: m.canary.storageUri,
              version: m.canary.version ?? m.canary.storageUri,
              percent: m.canary.percent,
              replicas: m.canary.replicas ?? 1,
            }
          : undefined,
        gpu: m.gpu ? { type: m.gpu.type, count: m.gpu.count ?? 1 } : undefined,
        logging:
          m.logging && m.logging.enabled !== false
            ? {
                sinkUrl: m.logging.sinkUrl ?? sinkUrl,
                mode: m.logging.mode ?? PayloadLoggingMode.all,
                ownSink: m.logging.sinkUrl === undefined,
              }
            : undefined,
        exposure:
          exposure && m.exposure?.authentication
            ? {
                ...exposure,
                authentication: resolveIngressAuthentication(exposure.className, m.exposure.authentication),
              }
            : undefined,
        highAvailability: env !== "dev" && min >= 2,
      };
    });
    const resolved: ResolvedModelServingArgs = {
      target: v.cluster.target,
      namespace,
      installPlatform: v.installPlatform ?? true,
      models,
      prometheus: v.prometheus
        ? {
            url: v.prometheus.url,
            authentication: v.prometheus.authentication ?? PrometheusAuthentication.none,
          }
        : undefined,
      payloadSink: models.some((m) => m.logging?.ownSink)
        ? {
            prefix: v.payloadSink?.prefix ?? "payload-logs",
            flushRows: v.payloadSink?.flushRows ?? 1000,
            flushInterval: v.payloadSink?.flushInterval ?? "5m",
            image: v.payloadSink?.image,
            pipIndexUrl: v.payloadSink?.pipIndexUrl,
            url: sinkUrl,
          }
        : undefined,
      clientNamespaceLabels: v.clientNamespaceLabels ?? { ...MODEL_SERVING_CLIENT_LABEL },
      ...resolvePlatform({ environment: env, tags: v.tags }),
    };
    return { resolved, problems: modelServingProblems(v, env) };
  });
}
