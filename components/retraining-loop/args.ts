/**
 * The public contract of `mlops:index:RetrainingLoop` (issue 12): a documented args interface, the
 * zod schema beside it (test/types.test.ts keeps the two in sync) and the one resolver
 * (`resolveRetrainingLoopArgs`) that applies every default and every cross-field rule.
 *
 * Every per-model setting is plain data (names, URIs, numbers): the loop is wired to the other
 * components through their outputs (the MLflow tracking URI, the Pushgateway and Prometheus URLs,
 * the stores as grantable references), never through their classes.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { StoreKind, Target, type ObjectStore } from "../adapters";
import { FeastClientTls, type FeatureStoreClient } from "../feature-store";
import { resolveWith, type Problem, type Resolution } from "../shared/contract";
import { ENVIRONMENTS, PRESETS, type Environment } from "../shared/presets";
import {
  dnsLabelSchema,
  labelMapSchema,
  nonEmptyStringSchema as nonEmpty,
  quantitySchema,
  tagsSchema,
} from "../shared/schemas";
import { digestPinnedImageSchema } from "../shared/python-job";
import { input } from "../shared/validation";
import {
  clusterHandleSchema,
  cpuOnlyGpuPlacementProblem,
  gpuCountSchema,
  GpuType,
  withClusterHandleDetails,
  type ClusterHandle,
} from "../training-cluster";

/** The metric the evaluation gate compares (jobs/README.md, `mlops-evaluate --metric`). */
export const GateMetric = {
  accuracy: "accuracy",
  f1: "f1",
  precision: "precision",
  recall: "recall",
  rocAuc: "roc_auc",
  rmse: "rmse",
  mae: "mae",
  r2: "r2",
} as const;
export type GateMetric = (typeof GateMetric)[keyof typeof GateMetric];

/** Which way the gate metric is better (`mlops-evaluate --direction`). */
export const GateDirection = {
  higher: "higher",
  lower: "lower",
} as const;
export type GateDirection = (typeof GateDirection)[keyof typeof GateDirection];

/** The drift job of one model (`mlops-drift`, jobs/README.md): schedule and Evidently settings. */
export interface RetrainingLoopDriftArgs {
  /** Cron schedule of the drift CronJob (UTC). @default "0 * * * *" (hourly) */
  schedule?: string;
  /** The current window: payload files of the last `window` (`MLOPS_WINDOW`). @default "1d" */
  window?: string;
  /** Evidently drift method for every column (`MLOPS_DRIFT_METHOD`). @default Evidently's per column type */
  method?: string;
  /** Per-column threshold (`MLOPS_DRIFT_THRESHOLD`). @default the method's */
  threshold?: number;
  /** Share of drifting columns that is dataset drift (`MLOPS_DRIFT_SHARE`). @default 0.5 */
  driftShare?: number;
  /** Most rows per side; larger inputs are sampled (`MLOPS_SAMPLE_CAP`). @default 50000 */
  sampleCap?: number;
  /** Fewer current rows is an error, not a verdict (`MLOPS_MIN_ROWS`). @default 100 */
  minRows?: number;
  /** Features to compare (`MLOPS_COLUMNS`). @default the columns both sides have */
  columns?: string[];
}

/** The evaluation gate of one model (`mlops-evaluate`): exit 0 promote, 3 reject. */
export interface RetrainingLoopGateArgs {
  /**
   * The held-back set (Parquet file or prefix), a path inside the reference data store
   * (`stores.referenceData`), e.g. "holdout/recommender/" (`MLOPS_HOLDOUT` is the store's URI and it).
   */
  holdoutPath: string;
  /** The true label column of the held-back set (`MLOPS_LABEL_COLUMN`). */
  labelColumn: string;
  /** @default "accuracy" */
  metric?: GateMetric;
  /** @default the metric's own (higher for scores, lower for errors) */
  direction?: GateDirection;
  /** The candidate must beat production by strictly more (`MLOPS_MIN_IMPROVEMENT`). @default 0 */
  minImprovement?: number;
}

/** The canary's SLOs (`mlops-promote`): promote when they hold for the window, roll back when broken. */
export interface RetrainingLoopCanaryArgs {
  /** Share of the traffic the canary gets. @default 10 */
  trafficPercent?: number;
  /** @default "30m" */
  window?: string;
  /** @default 0.005 */
  maxErrorRate?: number;
  /** @default 1 */
  maxLatencySeconds?: number;
  /** @default 0.99 */
  latencyQuantile?: number;
  /** @default 100 */
  minRequests?: number;
}

/** The retraining step: the TrainingJob template's settings (components/training-cluster/in-cluster/job-template.ts). */
export interface RetrainingLoopTrainingArgs {
  /** The team (its namespace, LocalQueue and GPU quota) that trains the model. */
  team: string;
  /** The team's LocalQueue. @default "training" */
  queue?: string;
  /** Training image, pinned to a tag other than latest or a digest. */
  image: string;
  /** Entrypoint; it logs the run to MLflow and registers the new version. */
  command: string[];
  /** @default [] */
  args?: string[];
  /**
   * GPUs of the training pod (requests = limits), 0 to 16. 0 trains on CPU only (e.g. a
   * scikit-learn model): no GPU request, no GPU nodeSelector or toleration; Kueue admits the Job
   * against the team's CPU and memory quota, so a team without GPU quota can retrain.
   * @default 1
   */
  gpus?: number;
  /** Only GPUs of this type; only with `gpus` ≥ 1. @default any GPU type */
  gpuType?: GpuType;
  /** @default "4" */
  cpu?: string;
  /** @default "16Gi" */
  memory?: string;
  /** Hard limit of a run, in seconds. @default 86400 */
  activeDeadlineSeconds?: number;
}

/** One served model the loop watches and retrains. */
export interface RetrainingLoopModelArgs {
  /** Registered model name in MLflow (a DNS-1123 label: it names the loop's objects). */
  name: string;
  /**
   * The served version until the loop's first promotion: the drift job judges the version under
   * the MLflow alias "production" (the loop's promote step moves it) and this one while the model
   * has no such alias. Drift gauges are labelled with the judged version.
   */
  version: string;
  /** Namespace of the model's InferenceService. */
  servingNamespace: string;
  /**
   * The model's serving payload logs (Parquet), a prefix inside the payload-log store
   * (`stores.payloadLogs`): with ModelServing's payload sink `<sink prefix>/<model>/`, e.g.
   * "payload-logs/recommender/" (`MLOPS_CURRENT` is the store's URI and it).
   */
  payloadLogPath: string;
  /**
   * The model's reference data, a prefix inside the reference data store (`stores.referenceData`),
   * e.g. "reference/recommender/" (`MLOPS_REFERENCE`): each training run writes its training set
   * under `<prefix>/<registered version>/`, and the drift job reads the served version's.
   */
  referenceDataPath: string;
  /** @default {} (every drift default) */
  drift?: RetrainingLoopDriftArgs;
  gate: RetrainingLoopGateArgs;
  /** @default {} (every canary default) */
  canary?: RetrainingLoopCanaryArgs;
  training: RetrainingLoopTrainingArgs;
  /** Cron schedules of the periodic retraining (CronWorkflow `schedules`). @default ["0 3 * * 0"] (Sundays 03:00 UTC) */
  retrainSchedules?: string[];
}

/**
 * Where the loop's jobs read: other components' stores, granted `read` to the drift job and the
 * workflow steps (on "local" through the local adapter's cross-namespace MinIO reader, as
 * ModelServing reads the registry's artifacts). The drift reports go to the loop's own store
 * (output `reportStore`, read/write for the drift job only). The one writer into another
 * component's bucket is the training Job: its identity (per training team, in the team's
 * namespace) has `readWrite` on `referenceData`, where it reads the features and writes the
 * training set.
 */
export interface RetrainingLoopStoresArgs {
  /**
   * The offline store holding reference data and hold-out sets (FeatureStore `offlineStore`):
   * `read` for the drift job and the gate, `readWrite` for the training Job.
   */
  referenceData: ObjectStore;
  /** The store the serving logger writes payload logs to (ModelServing `payloadLogStore`). */
  payloadLogs: ObjectStore;
}

/**
 * Credentials of an MLflow user for the loop's MLflow clients, when the tracking server has basic
 * auth on (ModelRegistry `auth`, on by default with its Ingress). The loop keeps them in the K8s
 * Secret `mlops-loop-mlflow` (in its namespace and, for the training Job, in each training team's)
 * and gives exactly the containers that talk to MLflow (the training Job, register, evaluate,
 * decide) `MLFLOW_TRACKING_USERNAME` / `MLFLOW_TRACKING_PASSWORD` by `secretKeyRef`.
 *
 * Better than the registry's admin (ModelRegistry `adminUsername` / `adminPassword`, what the
 * shipped stacks pass): a dedicated MLflow user with `EDIT` on the loop's registered models and the training experiment only
 * (`mlflow` auth REST API `users/create` and `registered-models/permissions/create`, or the
 * server's `/signup` page as the admin), its password a Pulumi secret (`pulumi config set --secret`).
 */
export interface RetrainingLoopMlflowCredentialsArgs {
  /** The MLflow user. */
  username: pulumi.Input<string>;
  /** Its password: pass a Pulumi secret (`pulumi.secret(...)`, a `--secret` config value). */
  password: pulumi.Input<string>;
}

/** The platform services the loop talks to (the other components' outputs). */
export interface RetrainingLoopServicesArgs {
  /** MLflow tracking URI (ModelRegistry `trackingUri`). */
  trackingUri: pulumi.Input<string>;
  /** Namespace of MLflow (egress of the workflow steps). */
  mlflowNamespace: string;
  /**
   * The MLflow user of the loop's MLflow clients, required when the tracking server has basic
   * auth on (ModelRegistry `auth`): without it they get 401. See `RetrainingLoopMlflowCredentialsArgs`.
   * @default none (the tracking server has no auth)
   */
  mlflowCredentials?: RetrainingLoopMlflowCredentialsArgs;
  /** Pushgateway base URL (Monitoring `pushgatewayUrl`). */
  pushgatewayUrl: pulumi.Input<string>;
  /** Prometheus base URL (Monitoring `prometheusUrl`), read by the canary decision. */
  prometheusUrl: pulumi.Input<string>;
  /** Namespace of the monitoring stack (Pushgateway, Prometheus, Alertmanager). */
  monitoringNamespace: string;
  /**
   * The feature store the training Job reads its features through (FeatureStore `client`): per
   * training team a ConfigMap `mlops-retrain-feast` with its client `feature_store.yaml`, mounted
   * read-only at `/etc/feast` with `FEAST_FS_YAML_FILE` set; with TLS the cluster CA at
   * `/etc/feast-ca/ca.crt`; the Job's ServiceAccount bound to `featureStoreRole` in the Feast
   * namespace and admitted to the Feast servers (NetworkPolicies both ways). Its servers must use
   * authz "kubernetes" and no TLS or the cluster issuer's certificates. See docs/retraining-loop.md.
   * @default none (the training Job gets no Feast client config)
   */
  featureStore?: FeatureStoreClient;
  /**
   * The Feast Role (one of the FeatureStore's `authz.roles`) the training Job's ServiceAccount is
   * bound to; the feature repository's Feast permissions say what it may do.
   * @default "feast-reader"
   */
  featureStoreRole?: string;
}

/** Trigger settings: the webhook Alertmanager calls and the Sensor that submits retraining. */
export interface RetrainingLoopTriggerArgs {
  /** Most retraining submissions per model per hour through the Sensor. @default 1 */
  maxPerHour?: number;
  /** Alertmanager's `repeat_interval` of the drift route (at least a day). @default "24h" */
  repeatInterval?: string;
}

export interface RetrainingLoopArgs {
  /** The cluster (a `GpuTrainingCluster`'s `handle` or `existingClusterHandle(...)`). */
  cluster: ClusterHandle;
  /** Environment preset that picks the defaults. @default the cluster's environment */
  environment?: Environment;
  /** Governance tags on every taggable resource. @default {} (plus `environment`) */
  tags?: Record<string, string>;
  /**
   * `protect` and retain-on-delete on stateful children.
   * @default the environment preset's `protectStatefulResources`
   */
  protect?: boolean;
  /** Namespace of the loop (drift CronJobs, workflows, Sensor, EventSource). @default "mlops-loop" */
  namespace?: string;
  /**
   * Extra labels of the loop namespace, for the services that admit client namespaces by label
   * (e.g. ModelRegistry `clientNamespaceLabels`). The Pushgateway pusher and Prometheus reader
   * labels (`mlops.pulumi.com/metrics-pusher`, `mlops.pulumi.com/metrics-reader`) are always set.
   * @default { "mlops.pulumi.com/mlflow-client": "true" } (ModelRegistry's default client label)
   */
  namespaceLabels?: Record<string, string>;
  /** Namespace of the Argo Workflows controller. @default "argo" */
  argoNamespace?: string;
  /** Namespace of the Argo Events controller. @default "argo-events" */
  argoEventsNamespace?: string;
  /**
   * A prebuilt image of jobs/Dockerfile, pinned by digest (`repo@sha256:...`), for the drift job
   * and the workflow's Python steps (register, evaluate, decide).
   * @default none: the pinned upstream Python image installs jobs/requirements.lock (hash-locked)
   * in an init container and runs the package's sources from a ConfigMap (`pythonJobPod`)
   */
  jobsImage?: string;
  /** The platform services the loop talks to (MLflow, the Pushgateway, Prometheus). */
  services: RetrainingLoopServicesArgs;
  /** Where the loop's jobs read: reference data and payload logs (drift reports go to its own `reportStore`). */
  stores: RetrainingLoopStoresArgs;
  /** At least one model. */
  models: RetrainingLoopModelArgs[];
  /** The webhook trigger (Argo Events) that starts a retraining. @default {} (every trigger default) */
  trigger?: RetrainingLoopTriggerArgs;
}

// ---------------------------------------------------------------------------------------------

const DURATION = /^[1-9][0-9]*(s|m|h|d)$/;
const durationSchema = z
  .string()
  .regex(DURATION, { message: 'must be a duration such as "30m", "6h" or "1d"' });
const CRON = /^(\S+\s+){4}\S+$/;
const cronSchema = z
  .string()
  .regex(CRON, { message: 'must be a five-field cron schedule such as "0 * * * *"' });
const share = z.number().gt(0).max(1);
/** A path inside a store: relative, no scheme, no `..`, no `//`. */
const storePathSchema = z
  .string()
  .regex(/^[A-Za-z0-9._=-]+(\/[A-Za-z0-9._=-]+)*\/?$/, {
    message: 'must be a path inside the store such as "reference/recommender/" (no scheme, no leading "/")',
  })
  .refine((v) => !v.split("/").includes(".."), { message: 'must not contain ".."' });
const objectStoreSchema = z.custom<ObjectStore>(
  (v) => typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === StoreKind.objectStore,
  { message: "must be an ObjectStore (a component's store output, e.g. FeatureStore offlineStore)" },
);

/** @internal zod schema: kept out of the published declarations (stripInternal). */
export const retrainingLoopModelSchema = z
  .object({
    name: dnsLabelSchema(40),
    version: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,63}$/, { message: "must be 1–63 letters, digits, '.', '_' or '-'" }),
    servingNamespace: dnsLabelSchema(),
    payloadLogPath: storePathSchema,
    referenceDataPath: storePathSchema,
    drift: z
      .object({
        schedule: cronSchema.optional(),
        window: durationSchema.optional(),
        method: nonEmpty.optional(),
        threshold: z.number().positive().optional(),
        driftShare: share.optional(),
        sampleCap: z.number().int().min(1).optional(),
        minRows: z.number().int().min(1).optional(),
        columns: z.array(nonEmpty).min(1).optional(),
      })
      .strict()
      .optional(),
    gate: z
      .object({
        holdoutPath: storePathSchema,
        labelColumn: nonEmpty,
        metric: z.enum(Object.values(GateMetric) as [GateMetric, ...GateMetric[]]).optional(),
        direction: z.enum([GateDirection.higher, GateDirection.lower]).optional(),
        minImprovement: z.number().min(0).optional(),
      })
      .strict(),
    canary: z
      .object({
        trafficPercent: z.number().int().min(1).max(50).optional(),
        window: durationSchema.optional(),
        maxErrorRate: share.optional(),
        maxLatencySeconds: z.number().positive().optional(),
        latencyQuantile: z.number().gt(0).lt(1).optional(),
        minRequests: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    training: z
      .object({
        team: dnsLabelSchema(),
        queue: dnsLabelSchema().optional(),
        image: z
          .string()
          .regex(/^[^\s:@]+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/, {
            message: "must be an image reference",
          })
          .refine((v) => /@sha256:|:[\w][\w.-]*$/.test(v) && !/:latest$/.test(v), {
            message: "must be pinned to a tag other than latest, or a digest",
          }),
        command: z.array(z.string()).min(1, { message: "must not be empty" }),
        args: z.array(z.string()).optional(),
        gpus: gpuCountSchema.optional(),
        gpuType: z.enum(Object.values(GpuType) as [GpuType, ...GpuType[]]).optional(),
        cpu: quantitySchema.optional(),
        memory: quantitySchema.optional(),
        activeDeadlineSeconds: z.number().int().min(60).optional(),
      })
      .strict(),
    retrainSchedules: z.array(cronSchema).min(1).optional(),
  })
  .strict();

const featureStoreClientSchema = z.custom<FeatureStoreClient>(
  (v) =>
    typeof v === "object" &&
    v !== null &&
    "config" in v &&
    "serverPodLabels" in v &&
    Array.isArray((v as { serverPorts?: unknown }).serverPorts),
  { message: "must be a FeatureStore's client (FeatureStore `client`)" },
);

/** The default Feast Role of the training Job (the operator's default reader Role). */
export const DEFAULT_FEATURE_STORE_ROLE = "feast-reader";

/** What the loop cannot do with a feature store client (paths under `services`). */
function featureStoreClientProblems(client: FeatureStoreClient | undefined, role: string | undefined) {
  const problems: { path: string[]; message: string }[] = [];
  if (client === undefined) {
    if (role !== undefined)
      problems.push({ path: ["featureStoreRole"], message: "only used with featureStore; remove it" });
    return problems;
  }
  if (client.authz !== "kubernetes") {
    problems.push({
      path: ["featureStore"],
      message: `the FeatureStore's authz is "${client.authz}": the training Job authenticates with its ServiceAccount token, which needs authz "kubernetes"`,
    });
  } else {
    const r = role ?? DEFAULT_FEATURE_STORE_ROLE;
    if (!client.roles.includes(r)) {
      problems.push({
        path: ["featureStoreRole"],
        message: `"${r}" is not one of the FeatureStore's authz.roles (${client.roles.join(", ")})`,
      });
    }
  }
  if (client.tls === FeastClientTls.custom) {
    problems.push({
      path: ["featureStore"],
      message:
        "the FeatureStore's servers use their own TLS Secret (tls.secretName): the loop cannot know the CA the training Job must trust; let the cluster issuer sign them",
    });
  }
  return problems;
}

/** @internal zod schema (fields only; `retrainingLoopArgsSchema` adds the cluster details). */
export const retrainingLoopArgsObject = z
  .object({
    cluster: clusterHandleSchema,
    environment: z.enum(ENVIRONMENTS).optional(),
    tags: tagsSchema.optional(),
    protect: z.boolean().optional(),
    namespace: dnsLabelSchema().optional(),
    namespaceLabels: labelMapSchema.optional(),
    argoNamespace: dnsLabelSchema().optional(),
    argoEventsNamespace: dnsLabelSchema().optional(),
    jobsImage: digestPinnedImageSchema.optional(),
    services: z
      .object({
        trackingUri: input(z.string().url()),
        mlflowNamespace: dnsLabelSchema(),
        mlflowCredentials: z
          .object({ username: input(nonEmpty), password: input(nonEmpty) })
          .strict()
          .optional(),
        pushgatewayUrl: input(z.string().url()),
        prometheusUrl: input(z.string().url()),
        monitoringNamespace: dnsLabelSchema(),
        featureStore: featureStoreClientSchema.optional(),
        featureStoreRole: nonEmpty.optional(),
      })
      .strict()
      .superRefine((services, ctx) => {
        for (const problem of featureStoreClientProblems(services.featureStore, services.featureStoreRole)) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, ...problem });
        }
      }),
    stores: z
      .object({
        referenceData: objectStoreSchema,
        payloadLogs: objectStoreSchema,
      })
      .strict(),
    models: z.array(retrainingLoopModelSchema).min(1, { message: "must list at least one model" }),
    trigger: z
      .object({
        maxPerHour: z.number().int().min(1).max(60).optional(),
        repeatInterval: durationSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** @internal zod schema: kept out of the published declarations (stripInternal). */
export const retrainingLoopArgsSchema = withClusterHandleDetails(retrainingLoopArgsObject);

/** A model with every default applied. */
export interface ResolvedRetrainingLoopModel {
  name: string;
  version: string;
  servingNamespace: string;
  payloadLogPath: string;
  referenceDataPath: string;
  drift: Required<Omit<RetrainingLoopDriftArgs, "method" | "threshold" | "columns">> &
    Pick<RetrainingLoopDriftArgs, "method" | "threshold" | "columns">;
  gate: Required<Omit<RetrainingLoopGateArgs, "direction">> & Pick<RetrainingLoopGateArgs, "direction">;
  canary: Required<RetrainingLoopCanaryArgs>;
  training: Required<Omit<RetrainingLoopTrainingArgs, "gpuType">> &
    Pick<RetrainingLoopTrainingArgs, "gpuType">;
  retrainSchedules: string[];
}

export interface ResolvedRetrainingLoopArgs {
  target: Target;
  environment: Environment;
  tags: Record<string, string>;
  protect: boolean;
  namespace: string;
  namespaceLabels: Record<string, string>;
  argoNamespace: string;
  argoEventsNamespace: string;
  jobsImage: string | undefined;
  models: ResolvedRetrainingLoopModel[];
  trigger: Required<RetrainingLoopTriggerArgs>;
}

/** The documented defaults. */
export const RETRAINING_LOOP_DEFAULTS = {
  namespace: "mlops-loop",
  namespaceLabels: { "mlops.pulumi.com/mlflow-client": "true" },
  argoNamespace: "argo",
  argoEventsNamespace: "argo-events",
  driftSchedule: "0 * * * *",
  retrainSchedules: ["0 3 * * 0"],
  maxPerHour: 1,
  repeatInterval: "24h",
} as const;

const HOURS: Record<string, number> = { s: 1 / 3600, m: 1 / 60, h: 1, d: 24 };
function hours(duration: string): number {
  const m = DURATION.exec(duration);
  return m ? Number(duration.slice(0, -1)) * HOURS[m[1]!]! : 0;
}

type Parsed = z.output<typeof retrainingLoopArgsObject>;
/** What the rules read: the fields without the handles, and the cluster's target and environment. */
type Checked = Omit<Parsed, "cluster" | "services" | "stores"> & {
  cluster: { target: Target; environment?: Environment };
};

/**
 * The cluster details the resolver needs when the caller has no handle yet: a stack's config
 * validates `mlops:retraining` before any resource exists (the stack passes the handle, the other
 * components' services and stores to the component itself).
 */
export interface RetrainingLoopClusterDetails {
  target: Target;
  environment: Environment;
}

function loopProblems(v: Checked): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  v.models.forEach((m, i) => {
    const first = seen.get(m.name);
    if (first !== undefined) {
      problems.push({ path: ["models", i, "name"], message: `"${m.name}" is already models[${first}].name` });
    } else seen.set(m.name, i);
    const gpuTypeProblem = cpuOnlyGpuPlacementProblem(m.training.gpus ?? 1, "gpuType", m.training.gpuType);
    if (gpuTypeProblem !== undefined) {
      problems.push({ path: ["models", i, "training", "gpuType"], message: gpuTypeProblem });
    }
  });
  const repeat = v.trigger?.repeatInterval;
  if (repeat !== undefined && hours(repeat) < 24) {
    problems.push({
      path: ["trigger", "repeatInterval"],
      message: "must be at least a day (24h): a firing drift alert must not resubmit retraining more often",
    });
  }
  return problems;
}

/**
 * A model of the loop with every default applied: the resolver's defaults, exported for the loop
 * test's renderer (bin/render-loop.ts), which needs the models without a cluster.
 * @internal
 */
export function resolveRetrainingLoopModel(
  m: z.output<typeof retrainingLoopModelSchema>,
): ResolvedRetrainingLoopModel {
  return {
    name: m.name,
    version: m.version,
    servingNamespace: m.servingNamespace,
    payloadLogPath: m.payloadLogPath,
    referenceDataPath: m.referenceDataPath,
    drift: {
      schedule: m.drift?.schedule ?? RETRAINING_LOOP_DEFAULTS.driftSchedule,
      window: m.drift?.window ?? "1d",
      method: m.drift?.method,
      threshold: m.drift?.threshold,
      driftShare: m.drift?.driftShare ?? 0.5,
      sampleCap: m.drift?.sampleCap ?? 50_000,
      minRows: m.drift?.minRows ?? 100,
      columns: m.drift?.columns,
    },
    gate: {
      holdoutPath: m.gate.holdoutPath,
      labelColumn: m.gate.labelColumn,
      metric: m.gate.metric ?? GateMetric.accuracy,
      direction: m.gate.direction,
      minImprovement: m.gate.minImprovement ?? 0,
    },
    canary: {
      trafficPercent: m.canary?.trafficPercent ?? 10,
      window: m.canary?.window ?? "30m",
      maxErrorRate: m.canary?.maxErrorRate ?? 0.005,
      maxLatencySeconds: m.canary?.maxLatencySeconds ?? 1,
      latencyQuantile: m.canary?.latencyQuantile ?? 0.99,
      minRequests: m.canary?.minRequests ?? 100,
    },
    training: {
      team: m.training.team,
      queue: m.training.queue ?? "training",
      image: m.training.image,
      command: m.training.command,
      args: m.training.args ?? [],
      gpus: m.training.gpus ?? 1,
      gpuType: m.training.gpuType,
      cpu: m.training.cpu ?? "4",
      memory: m.training.memory ?? "16Gi",
      activeDeadlineSeconds: m.training.activeDeadlineSeconds ?? 86_400,
    },
    retrainSchedules: m.retrainSchedules ?? [...RETRAINING_LOOP_DEFAULTS.retrainSchedules],
  };
}

/**
 * Applies the defaults and the cross-field rules (the one resolver of the component). With
 * `cluster`, the args are checked without `cluster`, `services` and `stores` (a stack's config).
 */
export function resolveRetrainingLoopArgs(
  args: unknown,
  cluster?: RetrainingLoopClusterDetails,
): Resolution<ResolvedRetrainingLoopArgs> {
  const schema = cluster
    ? retrainingLoopArgsObject.omit({ cluster: true, services: true, stores: true })
    : retrainingLoopArgsSchema;
  return resolveWith(schema, args, (parsed, fieldsValid) => {
    const v = { ...parsed, ...(cluster ? { cluster } : {}) } as Checked;
    const problems = Array.isArray(v.models) ? loopProblems(v) : [];
    if (!fieldsValid || problems.length > 0) return { resolved: undefined, problems };
    const environment: Environment = v.environment ?? v.cluster.environment ?? "dev";
    const resolved: ResolvedRetrainingLoopArgs = {
      target: v.cluster.target,
      environment,
      tags: v.tags ?? {},
      protect: v.protect ?? PRESETS[environment].protectStatefulResources,
      namespace: v.namespace ?? RETRAINING_LOOP_DEFAULTS.namespace,
      namespaceLabels: v.namespaceLabels ?? { ...RETRAINING_LOOP_DEFAULTS.namespaceLabels },
      argoNamespace: v.argoNamespace ?? RETRAINING_LOOP_DEFAULTS.argoNamespace,
      argoEventsNamespace: v.argoEventsNamespace ?? RETRAINING_LOOP_DEFAULTS.argoEventsNamespace,
      jobsImage: v.jobsImage,
      models: v.models.map(resolveRetrainingLoopModel),
      trigger: {
        maxPerHour: v.trigger?.maxPerHour ?? RETRAINING_LOOP_DEFAULTS.maxPerHour,
        repeatInterval: v.trigger?.repeatInterval ?? RETRAINING_LOOP_DEFAULTS.repeatInterval,
      },
    };
    return { resolved, problems: [] };
  });
}
