/**
 * The closed loop's Kubernetes objects as plain manifests (tests validate each against its
 * upstream schema, test/schemas/argo/): per model the drift CronJob, the retraining
 * WorkflowTemplate, the periodic CronWorkflow and the Sensor; once per loop the JetStream EventBus
 * and the Alertmanager webhook EventSource.
 *
 * API versions: Argo Workflows v4 (`argoproj.io/v1alpha1` WorkflowTemplate / CronWorkflow; v4
 * removed the singular `synchronization.mutex` and `schedule`, so only `mutexes` and `schedules`
 * are written: argoproj/argo-workflows manifests/base/crds/full at v4.1.2) and Argo Events v1.9
 * (`argoproj.io/v1alpha1` EventBus / EventSource / Sensor, api/jsonschema/schema.json at v1.9.11).
 */
import { stringify } from "yaml";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  standardLabels,
} from "../shared/k8s";
import { QUEUE_NAME_LABEL, trainingJobManifest } from "../training-cluster";
import type { ResolvedRetrainingLoopModel } from "./args";
import {
  FEAST_CLIENT_CA_DIR,
  FEAST_CLIENT_CA_FILE,
  FEAST_CLIENT_CONFIG_DIR,
  FEAST_CLIENT_CONFIG_FILE,
} from "../feature-store";

/** API version of every Argo object. */
export const ARGO_API_VERSION = "argoproj.io/v1alpha1";
/** Label naming the model an object or pod belongs to. */
export const MODEL_LABEL = "mlops.pulumi.com/model";
/** Name of the EventBus (Argo Events' default: EventSources and Sensors use it without naming it). */
export const EVENT_BUS_NAME = "default";
/** Name of the Alertmanager webhook EventSource and its event. */
export const EVENT_SOURCE_NAME = "alertmanager";
export const DRIFT_EVENT_NAME = "drift";
/** Port and path of the webhook (in-cluster Service only). */
export const WEBHOOK_PORT = 12000;
export const WEBHOOK_ENDPOINT = "/drift";
/** Key of the bearer token in the webhook's Secret. */
export const WEBHOOK_TOKEN_KEY = "token";
/** ServiceAccounts of the loop. */
export const LOOP_SERVICE_ACCOUNTS = {
  drift: "mlops-drift",
  workflow: "mlops-retrain",
  sensor: "mlops-sensor",
  eventSource: "mlops-eventsource",
  /**
   * The training Job's, in each training team's namespace (the loop's own identity there, never
   * the team's shared `training` ServiceAccount): read/write on the reference data store only.
   */
  training: "mlops-retrain-training",
} as const;
/** The uid of the training Job's container and the Argo Events pods (the jobs' pods run as `JobsRuntime.uid`). */
const UID = 1000;

/** The resources of the jobs' containers (drift, evaluation, decision): CPU work on Parquet. */
export const JOB_RESOURCES = {
  requests: { cpu: "500m", memory: "1Gi" },
  limits: { cpu: "2", memory: "4Gi" },
};
/** The resources of the small steps (lookup, patches). */
const SMALL_RESOURCES = {
  requests: { cpu: "100m", memory: "128Mi" },
  limits: { cpu: "500m", memory: "512Mi" },
};

import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

type Env = { name: string; value: string }[];

export function loopLabels(instance: string, role: string, model?: string): Record<string, string> {
  return { ...standardLabels("retraining-loop", instance, role), ...(model ? { [MODEL_LABEL]: model } : {}) };
}

/**
 * How the loop's Python containers run the `mlops_jobs` package: the pieces of `pythonJobPod`
 * (components/shared/python-job.ts), resolved to plain values. Without `jobsImage` that is the
 * pinned upstream Python image, an init container installing jobs/requirements.lock into `/deps`
 * and the sources from the ConfigMap `mlops-jobs-py`; with it, the prebuilt image alone.
 */
export interface JobsRuntime {
  image: string;
  /** PYTHONPATH, HOME and the interpreter's settings. */
  env: Env;
  /** The install container (none with a prebuilt image). */
  initContainers: k8s.types.input.core.v1.Container[];
  /** Every volume the containers mount; `tmp` is the scratch volume (`JOBS_SCRATCH_SIZE`). */
  volumes: k8s.types.input.core.v1.Volume[];
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
  /** The uid the pods run as. */
  uid: number;
}

/** Size of the jobs' `/tmp` (Parquet samples, the Evidently report, MLflow downloads). */
export const JOBS_SCRATCH_SIZE = "4Gi";

/** What every manifest builder needs besides the model. */
export interface LoopSettings {
  /** The component's name (the `app.kubernetes.io/instance` label). */
  instance: string;
  namespace: string;
  jobs: JobsRuntime;
  trackingUri: string;
  pushgatewayUrl: string;
  prometheusUrl: string;
  /** Where drift reports go (`MLOPS_REPORT_PREFIX`): in the loop's own report store. */
  reportPrefix: string;
  /** The URI of the reference data store (`stores.referenceData`); the models' paths are inside it. */
  referenceDataUri: string;
  /** The URI of the payload-log store (`stores.payloadLogs`). */
  payloadLogUri: string;
  /** Environment of the store clients and the cloud identity (secrets only by reference). */
  clientEnv: k8s.types.input.core.v1.EnvVar[];
  /**
   * Environment of the training Job: the loop's training identity in the model's team namespace
   * and the reference data store's client (on "local" its endpoint and the MinIO user's keys by
   * `secretKeyRef`). Secrets only by reference.
   * @default [] (none)
   */
  trainingEnv?: pulumi.Unwrap<k8s.types.input.core.v1.EnvVar>[];
  /**
   * Whether the Secret `MLFLOW_CREDENTIALS_SECRET` (keys `MLFLOW_CREDENTIALS_KEYS`) holds the MLflow
   * user's credentials (`services.mlflowCredentials`), in the loop namespace and the teams'.
   * @default false
   */
  mlflowCredentials?: boolean;
  /**
   * The training Job's Feast client (`services.featureStore`): the ConfigMap in the team namespace
   * with `feature_store.yaml`, and the Secret whose `ca.crt` is the CA the servers' certificates
   * chain to (with TLS).
   * @default undefined (no Feast client config)
   */
  feast?: { configMap: string; caSecret?: string };
}

/** The ConfigMap of the training Job's Feast client config, in each training team's namespace. */
export const FEAST_CLIENT_CONFIGMAP = "mlops-retrain-feast";
/**
 * The Secret in each training team's namespace whose `ca.crt` the training Job trusts the Feast
 * servers with: cert-manager writes the issuing CA into every Certificate's Secret, so a
 * Certificate of the cluster issuer in the team namespace brings the cluster CA there (its own
 * key and certificate are not mounted).
 */
export const FEAST_CLIENT_CA_SECRET = "mlops-retrain-feast-ca";

/** The Secret of the MLflow user's credentials (`services.mlflowCredentials`), in the loop and team namespaces. */
export const MLFLOW_CREDENTIALS_SECRET = "mlops-loop-mlflow";
/** Its keys. */
export const MLFLOW_CREDENTIALS_KEYS = { username: "username", password: "password" } as const;

/**
 * The MLflow client's basic-auth variables (`MLFLOW_TRACKING_USERNAME` / `MLFLOW_TRACKING_PASSWORD`,
 * mlflow/environment_variables.py) by `secretKeyRef`; none without `services.mlflowCredentials`.
 */
export function mlflowCredentialsEnv(
  s: Pick<LoopSettings, "mlflowCredentials">,
): { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } }[] {
  if (!s.mlflowCredentials) return [];
  const ref = (name: string, key: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: MLFLOW_CREDENTIALS_SECRET, key } },
  });
  return [
    ref("MLFLOW_TRACKING_USERNAME", MLFLOW_CREDENTIALS_KEYS.username),
    ref("MLFLOW_TRACKING_PASSWORD", MLFLOW_CREDENTIALS_KEYS.password),
  ];
}

/** The per-bucket endpoints and credential variables of the jobs (jobs/mlops_jobs/storage.py). */
export const S3_STORES_ENV = "MLOPS_S3_STORES";

/** One bucket of `MLOPS_S3_STORES`: its endpoint and the NAMES of the variables holding its keys. */
export interface S3StoreEntry {
  bucket: string;
  endpoint: string;
  accessKeyEnv: string;
  secretKeyEnv: string;
}

/**
 * The value of `MLOPS_S3_STORES` (jobs/mlops_jobs/storage.py): bucket → `endpoint_url`,
 * `access_key_env`, `secret_key_env`. Variable names only, never keys.
 */
export function s3StoresValue(entries: S3StoreEntry[]): string {
  return JSON.stringify(
    Object.fromEntries(
      entries.map((e) => [
        e.bucket,
        { endpoint_url: e.endpoint, access_key_env: e.accessKeyEnv, secret_key_env: e.secretKeyEnv },
      ]),
    ),
  );
}

/** A path inside a store: `<store URI>/<path>` (`s3://bucket/reference/recommender/`). */
export function inStore(storeUri: string, path: string): string {
  return `${storeUri.replace(/\/+$/, "")}/${path}`;
}

/**
 * The MLflow alias of the version in production: the pointer the promote step moves (and nothing
 * else), the gate compares candidates with and the drift job takes the served version from.
 */
export const PRODUCTION_ALIAS = "production";

/**
 * The environment of the drift job, exactly the variables of jobs/README.md (`mlops-drift`):
 * optional settings only when set, so the job's own defaults stay the defaults. It judges the
 * version under `PRODUCTION_ALIAS` (`model.version` while there is none) against that version's
 * training set, `<MLOPS_REFERENCE>/<version>/` (written by its training run).
 */
export function driftEnv(model: ResolvedRetrainingLoopModel, s: LoopSettings): Env {
  const d = model.drift;
  return [
    { name: "MLOPS_MODEL", value: model.name },
    { name: "MLOPS_MODEL_VERSION", value: model.version },
    { name: "MLFLOW_TRACKING_URI", value: s.trackingUri },
    { name: "MLOPS_PRODUCTION_ALIAS", value: PRODUCTION_ALIAS },
    { name: "MLOPS_REFERENCE", value: inStore(s.referenceDataUri, model.referenceDataPath) },
    { name: "MLOPS_CURRENT", value: inStore(s.payloadLogUri, model.payloadLogPath) },
    { name: "MLOPS_WINDOW", value: d.window },
    ...(d.columns ? [{ name: "MLOPS_COLUMNS", value: d.columns.join(",") }] : []),
    ...(d.method ? [{ name: "MLOPS_DRIFT_METHOD", value: d.method }] : []),
    ...(d.threshold !== undefined ? [{ name: "MLOPS_DRIFT_THRESHOLD", value: String(d.threshold) }] : []),
    { name: "MLOPS_DRIFT_SHARE", value: String(d.driftShare) },
    { name: "MLOPS_SAMPLE_CAP", value: String(d.sampleCap) },
    { name: "MLOPS_MIN_ROWS", value: String(d.minRows) },
    { name: "MLOPS_REPORT_PREFIX", value: s.reportPrefix },
    { name: "MLOPS_PUSHGATEWAY_URL", value: s.pushgatewayUrl },
  ];
}

/** Caches on the /tmp scratch volume (read-only root filesystem; the runtime sets HOME=/tmp). */
const SCRATCH_ENV: Env = [{ name: "XDG_CACHE_HOME", value: "/tmp/.cache" }];

/** A container of the jobs runtime: its image, its environment after the step's, its mounts. */
function jobsContainer(
  s: LoopSettings,
  command: string[],
  env: Env,
  resources: typeof JOB_RESOURCES,
  mlflow = false,
): Omit<k8s.types.input.core.v1.Container, "name"> {
  return {
    image: s.jobs.image,
    imagePullPolicy: "IfNotPresent",
    command,
    env: [...env, ...s.jobs.env, ...SCRATCH_ENV, ...s.clientEnv, ...(mlflow ? mlflowCredentialsEnv(s) : [])],
    resources,
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: s.jobs.volumeMounts,
  };
}

/** The drift CronJob of a model (`drift-<model>`). */
export function driftCronJobManifest(model: ResolvedRetrainingLoopModel, s: LoopSettings) {
  const labels = loopLabels(s.instance, "drift", model.name);
  return {
    apiVersion: "batch/v1" as const,
    kind: "CronJob" as const,
    metadata: { name: `drift-${model.name}`, namespace: s.namespace, labels },
    spec: {
      schedule: model.drift.schedule,
      timeZone: "Etc/UTC",
      // One run at a time per model; a late run is skipped, not piled up.
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels },
        spec: {
          backoffLimit: 1,
          activeDeadlineSeconds: 3600,
          ttlSecondsAfterFinished: 86_400,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: "Never",
              serviceAccountName: LOOP_SERVICE_ACCOUNTS.drift,
              securityContext: restrictedPodSecurityContext(s.jobs.uid),
              initContainers: s.jobs.initContainers,
              containers: [
                {
                  name: "drift",
                  ...jobsContainer(
                    s,
                    ["python", "-m", "mlops_jobs.drift"],
                    driftEnv(model, s),
                    JOB_RESOURCES,
                    true,
                  ),
                },
              ],
              volumes: s.jobs.volumes,
            },
          },
        },
      },
    },
  };
}

/** The environment of the evaluation gate (`mlops-evaluate`, jobs/README.md). */
export function evaluateEnv(model: ResolvedRetrainingLoopModel, s: LoopSettings): Env {
  const g = model.gate;
  return [
    { name: "MLOPS_MODEL", value: model.name },
    { name: "MLOPS_CANDIDATE_VERSION", value: "{{inputs.parameters.version}}" },
    { name: "MLOPS_PRODUCTION_ALIAS", value: PRODUCTION_ALIAS },
    { name: "MLOPS_HOLDOUT", value: inStore(s.referenceDataUri, g.holdoutPath) },
    { name: "MLOPS_LABEL_COLUMN", value: g.labelColumn },
    { name: "MLOPS_METRIC", value: g.metric },
    ...(g.direction ? [{ name: "MLOPS_DIRECTION", value: g.direction }] : []),
    { name: "MLOPS_MIN_IMPROVEMENT", value: String(g.minImprovement) },
    { name: "MLFLOW_TRACKING_URI", value: s.trackingUri },
    { name: "MLOPS_PUSHGATEWAY_URL", value: s.pushgatewayUrl },
    { name: "MLOPS_DECISION_FILE", value: "/tmp/decision.json" },
  ];
}

/** The environment of the canary decision (`mlops-promote`, jobs/README.md). */
export function promoteEnv(model: ResolvedRetrainingLoopModel, s: LoopSettings): Env {
  const c = model.canary;
  return [
    { name: "MLOPS_PROMETHEUS_URL", value: s.prometheusUrl },
    { name: "MLOPS_MODEL", value: model.name },
    { name: "MLOPS_CANARY_VERSION", value: "{{inputs.parameters.version}}" },
    { name: "MLOPS_NAMESPACE", value: model.servingNamespace },
    { name: "MLOPS_WINDOW", value: c.window },
    { name: "MLOPS_MAX_ERROR_RATE", value: String(c.maxErrorRate) },
    { name: "MLOPS_MAX_LATENCY_SECONDS", value: String(c.maxLatencySeconds) },
    { name: "MLOPS_LATENCY_QUANTILE", value: String(c.latencyQuantile) },
    { name: "MLOPS_MIN_REQUESTS", value: String(c.minRequests) },
    { name: "MLFLOW_TRACKING_URI", value: s.trackingUri },
    { name: "MLOPS_PUSHGATEWAY_URL", value: s.pushgatewayUrl },
    { name: "MLOPS_DECISION_FILE", value: "/tmp/decision.json" },
  ];
}

/** The MLflow tag the training run must put on the version it registers (the workflow finds it by it). */
export const WORKFLOW_TAG = "mlops.workflow.uid";

/**
 * The training Job the workflow's first step creates: the TrainingJob template
 * (`trainingJobManifest`, same GPU placement — none with `gpus: 0` —, Pod Security and Kueue queue
 * label) in the team's namespace, named per run (`generateName`), told where to log and which tag
 * to set. It runs as the loop's training identity (`LOOP_SERVICE_ACCOUNTS.training`, with
 * `trainingEnv`), not as the team's shared ServiceAccount.
 */
export function retrainingJobManifest(model: ResolvedRetrainingLoopModel, s: LoopSettings) {
  const t = model.training;
  const job = trainingJobManifest(`retrain-${model.name}`, {
    namespace: t.team,
    image: t.image,
    command: t.command,
    args: t.args,
    env: {
      MLFLOW_TRACKING_URI: s.trackingUri,
      MLOPS_MODEL: model.name,
      // The reference data prefix: the run writes its training set to `<prefix>/<version>/`.
      MLOPS_REFERENCE: inStore(s.referenceDataUri, model.referenceDataPath),
      MLOPS_REGISTER_TAG: WORKFLOW_TAG,
      MLOPS_WORKFLOW_UID: "{{workflow.uid}}",
    },
    gpus: t.gpus,
    gpuType: t.gpuType,
    gpuPool: undefined,
    cpu: t.cpu,
    memory: t.memory,
    shmSize: "2Gi",
    tmpSize: "10Gi",
    backoffLimit: 2,
    ttlSecondsAfterFinished: 86_400,
    activeDeadlineSeconds: t.activeDeadlineSeconds,
    queueName: t.queue,
    serviceAccountName: LOOP_SERVICE_ACCOUNTS.training,
    runAsUser: UID,
    labels: { [MODEL_LABEL]: model.name },
  });
  const { name: _name, annotations: _annotations, ...metadata } = job.metadata;
  // The run reads and writes the reference data store as the loop's training identity, and logs
  // to MLflow and registers there: the MLflow user's credentials (the Secret's copy in the team
  // namespace).
  const podSpec = job.spec.template.spec;
  const feast = feastClientMounts(s.feast);
  const containers = podSpec.containers.map((c) => ({
    ...c,
    env: [...c.env, ...(s.trainingEnv ?? []), ...mlflowCredentialsEnv(s), ...feast.env],
    volumeMounts: [...c.volumeMounts, ...feast.volumeMounts],
  }));
  return {
    ...job,
    metadata: { ...metadata, generateName: `retrain-${model.name}-` },
    spec: {
      ...job.spec,
      template: {
        ...job.spec.template,
        spec: {
          ...podSpec,
          // Feast's "kubernetes" authz: the client sends the pod's ServiceAccount token (read from
          // the standard path) and the servers review it; the ServiceAccount has no Kubernetes RBAC.
          ...(s.feast ? { automountServiceAccountToken: true } : {}),
          containers,
          volumes: [...podSpec.volumes, ...feast.volumes],
        },
      },
    },
  };
}

/** The training container's Feast client: the config (read-only), the CA, `FEAST_FS_YAML_FILE`. */
function feastClientMounts(feast: LoopSettings["feast"]) {
  if (!feast) return { env: [], volumeMounts: [], volumes: [] };
  return {
    env: [{ name: "FEAST_FS_YAML_FILE", value: `${FEAST_CLIENT_CONFIG_DIR}/${FEAST_CLIENT_CONFIG_FILE}` }],
    volumeMounts: [
      { name: "feast-client", mountPath: FEAST_CLIENT_CONFIG_DIR, readOnly: true },
      ...(feast.caSecret ? [{ name: "feast-ca", mountPath: FEAST_CLIENT_CA_DIR, readOnly: true }] : []),
    ],
    volumes: [
      { name: "feast-client", configMap: { name: feast.configMap } },
      ...(feast.caSecret
        ? [
            {
              name: "feast-ca",
              // Only the CA certificate: never the Certificate's own key.
              secret: {
                secretName: feast.caSecret,
                items: [{ key: FEAST_CLIENT_CA_FILE, path: FEAST_CLIENT_CA_FILE }],
              },
            },
          ]
        : []),
    ],
  };
}

/**
 * The registration lookup: the version the training run registered with `WORKFLOW_TAG` =
 * this workflow's uid (fails when there is none), as the output parameters `version` and `source`.
 */
export const REGISTER_SCRIPT = [
  "import os, sys",
  "from mlflow import MlflowClient",
  "model, uid, tag = os.environ['MLOPS_MODEL'], os.environ['MLOPS_WORKFLOW_UID'], os.environ['MLOPS_REGISTER_TAG']",
  "found = MlflowClient().search_model_versions(f\"name='{model}' and tags.`{tag}`='{uid}'\")",
  "if not found:",
  "    sys.exit(f'no version of {model} carries {tag}={uid}: the training run did not register one')",
  "v = max(found, key=lambda m: int(m.version))",
  "open('/tmp/version', 'w').write(v.version)",
  "open('/tmp/source', 'w').write(v.source)",
].join("\n");

/**
 * After a promotion: the promoted version becomes `MLOPS_PRODUCTION_ALIAS` in MLflow (one
 * registry call; the drift job judges the traffic against this version's reference data from then
 * on, the gate compares the next candidates with it). A rejected or rolled-back candidate never
 * gets here.
 */
export const PRODUCTION_SCRIPT = [
  "import os",
  "from mlflow import MlflowClient",
  "model, alias, version = os.environ['MLOPS_MODEL'], os.environ['MLOPS_PRODUCTION_ALIAS'], os.environ['MLOPS_VERSION']",
  "MlflowClient().set_registered_model_alias(model, alias, version)",
  "print(f'{model} version {version} is {alias}')",
].join("\n");

/** The merge patch that makes the candidate the InferenceService's canary (KServe v1beta1). */
function canaryPatch(percent: number, storageUri?: string): string {
  return JSON.stringify({
    spec: {
      predictor: {
        canaryTrafficPercent: percent,
        ...(storageUri ? { model: { storageUri } } : {}),
      },
    },
  });
}

/**
 * The condition that the canary decision (the JSON `mlops-promote` writes, jobs/README.md) is
 * `decision`: an Argo expression (`{{=...}}` with `jsonpath`), evaluated only after a passed gate.
 * "hold" does neither: the canary stays and the next run decides again.
 */
export function decisionIs(decision: "promote" | "rollback"): string {
  return `{{=steps.evaluate.exitCode == '0' && jsonpath(steps.decide.outputs.parameters.decision, '$.decision') == '${decision}'}}`;
}

/** Name of the mutex every run of a model holds: two alerts never train the same model twice. */
export function retrainMutexName(model: string): string {
  return `retrain-${model}`;
}

/** The retraining WorkflowTemplate of a model (`retrain-<model>`). */
export function workflowTemplateManifest(model: ResolvedRetrainingLoopModel, s: LoopSettings) {
  const labels = loopLabels(s.instance, "retraining", model.name);
  const isvc = (action: string, manifest: string) => ({ action, mergeStrategy: "merge", manifest });
  const isvcRef = (patch: string) =>
    stringify({
      apiVersion: "serving.kserve.io/v1beta1",
      kind: "InferenceService",
      metadata: { name: model.name, namespace: model.servingNamespace },
      ...JSON.parse(patch),
    });
  const versionInput = { parameters: [{ name: "version" }] };
  // A small MLflow client step of the jobs runtime (register, production): its script, the
  // tracking server and the model, then the step's own variables.
  const mlflowScript = (source: string, env: Env) => ({
    initContainers: s.jobs.initContainers,
    script: {
      ...jobsContainer(
        s,
        ["python"],
        [
          { name: "MLFLOW_TRACKING_URI", value: s.trackingUri },
          { name: "MLOPS_MODEL", value: model.name },
          ...env,
        ],
        SMALL_RESOURCES,
        true,
      ),
      source,
    },
  });
  const versionArg = {
    parameters: [{ name: "version", value: "{{steps.register.outputs.parameters.version}}" }],
  };
  return {
    apiVersion: ARGO_API_VERSION,
    kind: "WorkflowTemplate",
    metadata: { name: `retrain-${model.name}`, namespace: s.namespace, labels },
    spec: {
      entrypoint: "retrain",
      serviceAccountName: LOOP_SERVICE_ACCOUNTS.workflow,
      // The executor's token is needed to report results (workflowtaskresults); nothing else mounts one.
      automountServiceAccountToken: true,
      securityContext: restrictedPodSecurityContext(s.jobs.uid),
      podMetadata: { labels },
      synchronization: { mutexes: [{ name: retrainMutexName(model.name) }] },
      activeDeadlineSeconds: model.training.activeDeadlineSeconds + 6 * 3600,
      ttlStrategy: { secondsAfterCompletion: 7 * 86_400 },
      podGC: { strategy: "OnPodSuccess" },
      arguments: { parameters: [{ name: "reason", value: "schedule" }] },
      volumes: s.jobs.volumes,
      templates: [
        {
          name: "retrain",
          steps: [
            [{ name: "train", template: "train" }],
            [{ name: "register", template: "register" }],
            [{ name: "evaluate", template: "evaluate", arguments: versionArg, continueOn: { failed: true } }],
            // Exit 3 is a verdict (reject); any other failure of the gate fails the workflow.
            [
              {
                name: "gate-error",
                template: "gate-error",
                when: "{{steps.evaluate.exitCode}} != 0 && {{steps.evaluate.exitCode}} != 3",
              },
            ],
            [
              {
                name: "canary",
                template: "canary",
                arguments: {
                  parameters: [
                    ...versionArg.parameters,
                    { name: "source", value: "{{steps.register.outputs.parameters.source}}" },
                  ],
                },
                when: "{{steps.evaluate.exitCode}} == 0",
              },
            ],
            [{ name: "observe", template: "observe", when: "{{steps.evaluate.exitCode}} == 0" }],
            [
              {
                name: "decide",
                template: "decide",
                arguments: versionArg,
                when: "{{steps.evaluate.exitCode}} == 0",
              },
            ],
            [
              {
                name: "promote",
                template: "promote",
                when: decisionIs("promote"),
              },
              {
                name: "rollback",
                template: "rollback",
                when: decisionIs("rollback"),
              },
            ],
            // Only once the InferenceService serves the candidate: the registry's pointer follows.
            [
              {
                name: "production",
                template: "production",
                arguments: versionArg,
                when: decisionIs("promote"),
              },
            ],
          ],
        },
        {
          // The Kueue Job in the team namespace; the step waits for it (a queued Job may wait for GPUs).
          name: "train",
          resource: {
            action: "create",
            manifest: stringify(retrainingJobManifest(model, s)),
            successCondition: "status.succeeded > 0",
            failureCondition: "status.failed > 2",
          },
        },
        {
          name: "register",
          ...mlflowScript(REGISTER_SCRIPT, [
            { name: "MLOPS_REGISTER_TAG", value: WORKFLOW_TAG },
            { name: "MLOPS_WORKFLOW_UID", value: "{{workflow.uid}}" },
          ]),
          outputs: {
            parameters: [
              { name: "version", valueFrom: { path: "/tmp/version" } },
              { name: "source", valueFrom: { path: "/tmp/source" } },
            ],
          },
        },
        {
          // Exit 0: the candidate is better (promote); 3: reject (the workflow ends there).
          name: "evaluate",
          inputs: versionInput,
          initContainers: s.jobs.initContainers,
          container: jobsContainer(
            s,
            ["python", "-m", "mlops_jobs.evaluate"],
            evaluateEnv(model, s),
            JOB_RESOURCES,
            true,
          ),
        },
        {
          name: "gate-error",
          container: jobsContainer(
            s,
            [
              "python",
              "-c",
              "import sys; sys.exit('the evaluation gate failed instead of deciding (see its step log)')",
            ],
            [],
            SMALL_RESOURCES,
          ),
        },
        {
          name: "canary",
          inputs: { parameters: [{ name: "version" }, { name: "source" }] },
          resource: isvc(
            "patch",
            isvcRef(canaryPatch(model.canary.trafficPercent, "{{inputs.parameters.source}}")),
          ),
        },
        { name: "observe", suspend: { duration: model.canary.window } },
        {
          name: "decide",
          inputs: versionInput,
          initContainers: s.jobs.initContainers,
          container: jobsContainer(
            s,
            ["python", "-m", "mlops_jobs.promote"],
            promoteEnv(model, s),
            JOB_RESOURCES,
            true,
          ),
          outputs: {
            parameters: [
              {
                name: "decision",
                valueFrom: { path: "/tmp/decision.json", default: '{"decision": "hold"}' },
              },
            ],
          },
        },
        { name: "promote", resource: isvc("patch", isvcRef(canaryPatch(100))) },
        { name: "rollback", resource: isvc("patch", isvcRef(canaryPatch(0))) },
        {
          name: "production",
          inputs: versionInput,
          ...mlflowScript(PRODUCTION_SCRIPT, [
            { name: "MLOPS_PRODUCTION_ALIAS", value: PRODUCTION_ALIAS },
            { name: "MLOPS_VERSION", value: "{{inputs.parameters.version}}" },
          ]),
        },
      ],
    },
  };
}

/** The periodic retraining of a model (`retrain-<model>-periodic`). */
export function cronWorkflowManifest(
  model: ResolvedRetrainingLoopModel,
  instance: string,
  namespace: string,
) {
  return {
    apiVersion: ARGO_API_VERSION,
    kind: "CronWorkflow",
    metadata: {
      name: `retrain-${model.name}-periodic`,
      namespace,
      labels: loopLabels(instance, "retraining", model.name),
    },
    spec: {
      schedules: model.retrainSchedules,
      timezone: "Etc/UTC",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      workflowSpec: {
        workflowTemplateRef: { name: `retrain-${model.name}` },
        arguments: { parameters: [{ name: "reason", value: "schedule" }] },
      },
    },
  };
}

/** The JetStream EventBus (`default`): three replicas, restricted pods, requests and limits. */
export function eventBusManifest(instance: string, namespace: string) {
  const resources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "1Gi" } };
  const small = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "128Mi" } };
  return {
    apiVersion: ARGO_API_VERSION,
    kind: "EventBus",
    metadata: { name: EVENT_BUS_NAME, namespace, labels: loopLabels(instance, "event-bus") },
    spec: {
      jetstream: {
        // A version listed in the Argo Events controller's JetStream config (argo-events chart
        // values.yaml `configs.jetstream.versions`).
        version: "2.10.10",
        replicas: 3,
        securityContext: restrictedPodSecurityContext(UID),
        containerTemplate: { resources, securityContext: restrictedContainerSecurityContext() },
        reloaderContainerTemplate: {
          resources: small,
          securityContext: restrictedContainerSecurityContext(),
        },
        metricsContainerTemplate: { resources: small, securityContext: restrictedContainerSecurityContext() },
        persistence: { volumeSize: "10Gi" },
      },
    },
  };
}

/**
 * The webhook EventSource Alertmanager posts to: a ClusterIP Service only (no Ingress), the
 * bearer token checked against the Secret (`authSecret`).
 */
export function eventSourceManifest(instance: string, namespace: string, tokenSecretName: string) {
  return {
    apiVersion: ARGO_API_VERSION,
    kind: "EventSource",
    metadata: { name: EVENT_SOURCE_NAME, namespace, labels: loopLabels(instance, "event-source") },
    spec: {
      eventBusName: EVENT_BUS_NAME,
      template: {
        serviceAccountName: LOOP_SERVICE_ACCOUNTS.eventSource,
        securityContext: restrictedPodSecurityContext(UID),
        container: {
          resources: SMALL_RESOURCES,
          securityContext: restrictedContainerSecurityContext(),
        },
      },
      service: { ports: [{ port: WEBHOOK_PORT, targetPort: WEBHOOK_PORT }] },
      webhook: {
        [DRIFT_EVENT_NAME]: {
          endpoint: WEBHOOK_ENDPOINT,
          method: "POST",
          port: String(WEBHOOK_PORT),
          url: webhookServiceUrl(namespace),
          authSecret: { name: tokenSecretName, key: WEBHOOK_TOKEN_KEY },
          maxPayloadSize: 1_048_576,
        },
      },
    },
  };
}

/** The in-cluster address of the webhook (the EventSource controller names its Service `<name>-eventsource-svc`). */
export function webhookServiceUrl(namespace: string): string {
  return `http://${EVENT_SOURCE_NAME}-eventsource-svc.${namespace}.svc:${WEBHOOK_PORT}${WEBHOOK_ENDPOINT}`;
}

/**
 * The Sensor of a model (`retrain-<model>`): fires on an Alertmanager notification whose status is
 * `firing` and whose common `model` label is the model, at most `maxPerHour` times an hour, and
 * submits a Workflow from the model's WorkflowTemplate.
 */
export function sensorManifest(
  model: ResolvedRetrainingLoopModel,
  instance: string,
  namespace: string,
  maxPerHour: number,
) {
  const dependency = "drift-alert";
  const workflow = {
    apiVersion: ARGO_API_VERSION,
    kind: "Workflow",
    metadata: { generateName: `retrain-${model.name}-`, namespace, labels: { [MODEL_LABEL]: model.name } },
    spec: {
      workflowTemplateRef: { name: `retrain-${model.name}` },
      arguments: { parameters: [{ name: "reason", value: "drift" }] },
    },
  };
  return {
    apiVersion: ARGO_API_VERSION,
    kind: "Sensor",
    metadata: {
      name: `retrain-${model.name}`,
      namespace,
      labels: loopLabels(instance, "sensor", model.name),
    },
    spec: {
      eventBusName: EVENT_BUS_NAME,
      template: {
        serviceAccountName: LOOP_SERVICE_ACCOUNTS.sensor,
        securityContext: restrictedPodSecurityContext(UID),
        container: { resources: SMALL_RESOURCES, securityContext: restrictedContainerSecurityContext() },
      },
      dependencies: [
        {
          name: dependency,
          eventSourceName: EVENT_SOURCE_NAME,
          eventName: DRIFT_EVENT_NAME,
          filters: {
            dataLogicalOperator: "and",
            data: [
              { path: "body.status", type: "string", value: ["firing"] },
              { path: "body.commonLabels.model", type: "string", value: [model.name] },
            ],
          },
        },
      ],
      triggers: [
        {
          template: {
            name: "retrain",
            // A plain Kubernetes create of the Workflow (the k8s trigger): the Sensor needs only
            // `create` on workflows (the argoWorkflow trigger shells out to the argo CLI, which
            // reads more).
            k8s: { operation: "create", source: { resource: workflow } },
          },
          rateLimit: { unit: "Hour", requestsPerUnit: maxPerHour },
        },
      ],
    },
  };
}

export { QUEUE_NAME_LABEL };
