/**
 * Plain resources of the retraining loop for the Argo policy tests, built with the component's own
 * manifest builders (components/retraining-loop/manifests.ts), so the compliant cases are what the
 * component writes and each violating case is one weakened field.
 */
import {
  cronWorkflowManifest,
  driftCronJobManifest,
  eventSourceManifest,
  sensorManifest,
  workflowTemplateManifest,
  type LoopSettings,
  type ResolvedRetrainingLoopModel,
} from "../../components/retraining-loop";
import { trainingJobManifest } from "../../components/training-cluster";
import type { TestResource } from "./helpers";

const ARGO = "kubernetes:argoproj.io/v1alpha1:";

export const LOOP_MODEL: ResolvedRetrainingLoopModel = {
  name: "recommender",
  version: "3",
  servingNamespace: "serving",
  payloadLogPath: "payload-logs/recommender/",
  referenceDataPath: "recommender/train.parquet",
  drift: { schedule: "0 * * * *", window: "1d", driftShare: 0.5, sampleCap: 50_000, minRows: 100 },
  gate: {
    holdoutPath: "recommender/holdout.parquet",
    labelColumn: "clicked",
    metric: "accuracy",
    minImprovement: 0,
  },
  canary: {
    trafficPercent: 10,
    window: "30m",
    maxErrorRate: 0.005,
    maxLatencySeconds: 1,
    latencyQuantile: 0.99,
    minRequests: 100,
  },
  training: {
    team: "recsys",
    queue: "training",
    image: "ghcr.io/acme/train:1.0.0",
    command: ["python", "train.py"],
    args: [],
    gpus: 1,
    cpu: "4",
    memory: "16Gi",
    activeDeadlineSeconds: 86_400,
  },
  retrainSchedules: ["0 3 * * 0"],
};

export const LOOP_SETTINGS: LoopSettings = {
  instance: "loop",
  namespace: "mlops-loop",
  jobs: {
    image: `ghcr.io/acme/mlops-jobs@sha256:${"a".repeat(64)}`,
    env: [{ name: "HOME", value: "/tmp" }],
    initContainers: [],
    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "4Gi" } }],
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    uid: 65532,
  },
  trackingUri: "http://mlflow.mlflow.svc:5000",
  pushgatewayUrl: "http://pushgateway.monitoring.svc:9091",
  prometheusUrl: "http://prometheus.monitoring.svc:9090",
  reportPrefix: "s3://reports/drift-reports",
  referenceDataUri: "s3://offline",
  payloadLogUri: "s3://logs",
  clientEnv: [],
};

/** A plain resource of a manifest: the type token from its apiVersion and kind. */
export function asResource(
  name: string,
  manifest: { apiVersion: string; kind: string },
  type?: string,
): TestResource {
  const group = manifest.apiVersion.includes("/") ? manifest.apiVersion : `core/${manifest.apiVersion}`;
  return {
    type: type ?? `kubernetes:${group}:${manifest.kind}`,
    name,
    props: manifest,
  };
}

export const workflowTemplate = (model = LOOP_MODEL) =>
  asResource("template", workflowTemplateManifest(model, LOOP_SETTINGS), `${ARGO}WorkflowTemplate`);
export const cronWorkflow = () =>
  asResource("periodic", cronWorkflowManifest(LOOP_MODEL, "loop", "mlops-loop"), `${ARGO}CronWorkflow`);
export const sensor = () =>
  asResource("sensor", sensorManifest(LOOP_MODEL, "loop", "mlops-loop", 1), `${ARGO}Sensor`);
export const eventSource = () =>
  asResource(
    "event-source",
    eventSourceManifest("loop", "mlops-loop", "mlops-loop-webhook"),
    `${ARGO}EventSource`,
  );
export const driftCronJob = () => asResource("drift", driftCronJobManifest(LOOP_MODEL, LOOP_SETTINGS));

/** A training Job from the TrainingJob template (queue label set). */
export const trainingJob = (): TestResource =>
  asResource(
    "train",
    trainingJobManifest("train", {
      namespace: "recsys",
      image: "ghcr.io/acme/train:1.0.0",
      command: ["python", "train.py"],
      args: [],
      env: {},
      gpus: 1,
      cpu: "4",
      memory: "16Gi",
      shmSize: "2Gi",
      tmpSize: "10Gi",
      backoffLimit: 2,
      ttlSecondsAfterFinished: 86_400,
      queueName: "training",
      serviceAccountName: "training",
      runAsUser: 1000,
      labels: {},
    }),
  );

/** A ClusterRoleBinding of `role` to a ServiceAccount. */
export const clusterRoleBinding = (sa: string, namespace = "mlops-loop", role = "edit"): TestResource => ({
  type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  name: `crb-${sa}`,
  props: {
    metadata: { name: `crb-${sa}` },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ kind: "ServiceAccount", name: sa, namespace }],
  },
});

/**
 * A deep copy of `r` with the field at `path` (dots, `[i]` for array items) set to `value`, or
 * deleted when `value` is undefined: one weakened field.
 */
export function withField(r: TestResource, path: string, value: unknown): TestResource {
  const props = structuredClone(r.props ?? {});
  const parts = path.split(/\.|(?=\[)/).map((p) => (/^\[\d+\]$/.test(p) ? Number(p.slice(1, -1)) : p));
  let node: Record<string | number, unknown> = props;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  const last = parts[parts.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return { ...r, props };
}
