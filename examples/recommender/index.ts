/**
 * An e-commerce product recommender on pulumi-mlops, end to end: the GPU training cluster, the
 * MLflow model registry, monitoring, the Feast feature store (user and product features, purchase
 * history), the served model (KServe, with its payloads logged as Parquet) and the retraining loop
 * that watches those payloads for drift and retrains, gates and rolls out a new version.
 *
 * The same program runs on three targets (`pulumi config set target local|aws|gcp`): an existing
 * kind/k3d cluster with in-cluster PostgreSQL, MinIO and Valkey; EKS with RDS, S3 and ElastiCache;
 * GKE with Cloud SQL, GCS and Memorystore. The Python it runs (the Feast repository, the training
 * script) is in this folder: `feature_repo/` and `recommender/train.py`. See README.md for the
 * walk-through.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  ENVIRONMENTS,
  FeatureStore,
  GpuTrainingCluster,
  ModelRegistry,
  ModelServing,
  Monitoring,
  RetrainingLoop,
  retrainingAlerting,
  TARGETS,
  type GpuPoolArgs,
  type GpuTrainingClusterArgs,
} from "pulumi-mlops";

const config = new pulumi.Config();

// --- Where it runs -------------------------------------------------------------------------------

// local: a cluster from your kubeconfig (kind, k3d, ...); aws: EKS; gcp: GKE.
const target = config.require("target", { allowedValues: [...TARGETS] });
// dev | staging | prod: every component's preset (sizes, replicas, protection) and the policy levels.
const environment = config.get("environment", { allowedValues: [...ENVIRONMENTS] }) ?? "dev";
// The team that owns the recommender: its namespace and Kueue queue train the model (on CPU: its
// CPU and memory quota admit the Job; its GPU quota is for the team's GPU work).
const team = config.get("team") ?? "recsys";
const gpuQuota = config.getNumber("gpuQuota") ?? (target === "local" ? 0 : 2);

// Governance labels/tags on every resource (the policy pack requires the first three).
const tags = {
  owner: team,
  "cost-center": config.get("costCenter") ?? "shop-recsys",
  "data-classification": "internal",
  app: "recommender",
};

// --- What is served ------------------------------------------------------------------------------

// The registered version of the recommender that is served, and its path inside the registry's
// artifact store. Until train.py has registered a first one (README.md, step 4) there is nothing
// to serve or watch: the first `pulumi up` builds the platform, the next one serves and retrains.
const modelVersion = config.get("modelVersion");
const served =
  modelVersion === undefined ? undefined : { version: modelVersion, path: config.require("modelPath") };
const MODEL = "recommender";
/** The loop's namespace: Alertmanager's drift route points at the webhook Service there. */
const LOOP_NAMESPACE = "mlops-loop";

// --- 1. The cluster: created on aws/gcp, adopted on local ----------------------------------------

// On the clouds the API endpoint is reachable only from these ranges (your office or VPN, and the
// runner of `pulumi up`): the program installs charts through it.
const adminCidrs: string[] = target === "local" ? [] : config.requireObject("adminCidrs");
/** How the cluster comes to be on each target, and its GPU pools. */
function placement(): Pick<GpuTrainingClusterArgs, "aws" | "gcp" | "existing" | "gpuPools"> {
  // One spot L4 pool that scales to zero, for the team's GPU jobs (the recommender trains on CPU).
  const gpuPools: GpuPoolArgs[] = [
    { name: "l4-spot", gpuType: "nvidia-l4", capacityType: "spot", maxGpus: 4 },
  ];
  switch (target) {
    case "local":
      // kind-mlops unless you say otherwise; label GPU nodes mlops.pulumi.com/gpu=true to use them.
      return {
        existing: { context: config.get("kubeContext") ?? "kind-mlops", gpuDriversPreinstalled: true },
      };
    case "aws":
      // The region is the provider's own setting (`aws:region`).
      return { aws: { availabilityZoneCount: 2, endpointPublicAccessCidrs: adminCidrs }, gpuPools };
    case "gcp": {
      // The project and region are the provider's own settings (`gcp:project`, `gcp:region`).
      const gcp = new pulumi.Config("gcp");
      return {
        gcp: {
          project: gcp.require("project"),
          region: gcp.require("region"),
          masterAuthorizedNetworks: adminCidrs.map((cidrBlock) => ({ cidrBlock, displayName: "admins" })),
        },
        gpuPools,
      };
    }
  }
}
const cluster = new GpuTrainingCluster("shop", {
  target,
  environment,
  ...placement(),
  // The Prometheus-operator CRDs and monitors (read by the Monitoring component below), and
  // cert-manager with the in-cluster CA (TLS of the feature store and the serving platform).
  monitoring: { enabled: true },
  certManager: { enabled: true },
  teams: [{ name: team, gpuQuota, cpuQuota: "16", memoryQuota: "64Gi" }],
  tags,
});

// --- 2. The model registry: MLflow, where train.py logs runs and registers versions --------------

const registry = new ModelRegistry(
  "mlflow",
  { cluster: cluster.handle, namespace: "mlflow", tags },
  // On aws: after the load balancer controller the cluster installs (and destroyed before it).
  { dependsOn: [cluster] },
);

// --- 3. Monitoring: Prometheus, Alertmanager, Grafana and the Pushgateway the drift job pushes to -

// With a served model, Alertmanager sends its ModelDrift alerts to the retraining loop's webhook
// (never on resolution, at most once a day); the route needs only the loop's namespace, so
// Monitoring comes first and the loop (which pushes to its Pushgateway) after it.
const loopAlerting = served ? retrainingAlerting(LOOP_NAMESPACE, [MODEL], "24h") : undefined;
const monitoring = new Monitoring("monitoring", {
  cluster: cluster.handle,
  // ModelDrift fires when the drift job found drift for an hour (two runs in a row, at least).
  alerts: { drift: { for: "1h", matchers: `model="${MODEL}"` } },
  ...(loopAlerting
    ? { alertmanager: { receivers: [loopAlerting.receiver], routes: [loopAlerting.route] } }
    : {}),
  tags,
});

// --- 4. The feature store: Feast with this folder's feature repository ---------------------------

// The repository (your fork of this one) and the commit Feast applies: `feature_repo/` holds the
// entities (user, product), the feature views (user profile, product catalogue, purchase history)
// and the FeatureService `purchase_propensity` that train.py reads.
const featureStore = new FeatureStore("features", {
  cluster: cluster.handle,
  project: "shop_recommender",
  repository: {
    git: {
      url: config.require("featureRepoUrl"),
      ref: config.require("featureRepoRef"),
      featureRepoPath: "examples/recommender/feature_repo",
    },
  },
  // Every 30 minutes: the user and product features the model reads stay fresh in the online store.
  materialization: { schedule: "*/30 * * * *" },
  // train.py runs in the team's namespace (a Kueue Job) and reads its training set through Feast.
  clientNamespaceLabels: { "mlops.pulumi.com/team": team },
  tags,
});

// --- 5. Serving: the registered version, from the registry's store, payloads logged as Parquet ---

/**
 * Serves the registered version at `path` inside the registry's artifact store: MLServer behind
 * KServe, scaled by KEDA on requests in flight, every request and response logged as Parquet (the
 * drift job's current data).
 */
function serve(version: string, path: string): ModelServing {
  return new ModelServing(
    "serving",
    {
      cluster: cluster.handle,
      // Read-only: the models' identity may read the registry's bucket, never write it.
      artifactStore: registry.artifactStore,
      models: [
        {
          name: MODEL,
          storageUri: path,
          version,
          format: "mlflow",
          resources: { cpuRequest: "500m", memoryRequest: "1Gi", cpuLimit: "2", memoryLimit: "2Gi" },
          // Requests in flight per replica, from the Monitoring component's Prometheus.
          autoscaling: { metric: "concurrency", target: 8, maxReplicas: 4 },
          // Requests (the user and product features) and responses (the scores).
          logging: { mode: "all" },
        },
      ],
      prometheus: { url: monitoring.prometheusUrl },
      tags,
    },
    // On aws: after the load balancer controller, like the registry.
    { dependsOn: [cluster] },
  );
}

// --- 6. Retraining: drift → alert → train on Kueue → register → gate → canary → promote -----------

/**
 * The closed loop for the served version: the hourly drift job, the webhook Alertmanager calls,
 * the Sensor and the retraining workflow (one at a time per model).
 */
function retrain(version: string, serving: ModelServing): RetrainingLoop {
  return new RetrainingLoop(
    "retraining",
    {
      cluster: cluster.handle,
      namespace: LOOP_NAMESPACE,
      services: {
        trackingUri: registry.trackingUri,
        mlflowNamespace: "mlflow",
        pushgatewayUrl: monitoring.pushgatewayUrl.apply((url) => url ?? ""),
        prometheusUrl: monitoring.prometheusUrl,
        monitoringNamespace: "monitoring",
        // train.py's Feast client: feature_store.yaml with the remote registry, offline and online
        // stores, mounted at /etc/feast with FEAST_FS_YAML_FILE set; the Job's ServiceAccount gets
        // the "feast-reader" Role and the Feast servers admit its pods.
        featureStore: featureStore.client,
      },
      // Read-only grants for the drift job and the gate: the training and hold-out sets in the
      // feature store's offline bucket, the payload logs in serving's; the drift reports go to the
      // loop's own store. The training Job's identity may also write the offline bucket (train.py
      // writes the training set there).
      stores: { referenceData: featureStore.offlineStore, payloadLogs: serving.payloadLogStore! },
      models: [
        {
          name: MODEL,
          version,
          servingNamespace: "serving",
          // Every version's payloads (the sink writes `<prefix>/<model>/<version>/`): after the loop
          // promotes a version, the drift job follows the MLflow alias "production" and judges the
          // traffic against that version's training set, `reference/<model>/<version>/` (train.py).
          payloadLogPath: `payload-logs/${MODEL}/`,
          referenceDataPath: `reference/${MODEL}/`,
          // A column drifts past Evidently's per-type test; the dataset drifts when 30 % of the
          // columns do. Every hour, over the last day of traffic, at least 500 requests.
          drift: { schedule: "0 * * * *", window: "1d", driftShare: 0.3, minRows: 500 },
          // The candidate must beat production's ROC AUC on the held-back impressions by 0.01.
          gate: {
            holdoutPath: `holdout/${MODEL}/`,
            labelColumn: "purchased",
            metric: "roc_auc",
            minImprovement: 0.01,
          },
          // 10 % of the traffic for 30 minutes (200 requests at least); promoted while errors stay
          // under 1 % and the p99 latency under 300 ms, rolled back otherwise.
          canary: {
            trafficPercent: 10,
            window: "30m",
            minRequests: 200,
            maxErrorRate: 0.01,
            latencyQuantile: 0.99,
            maxLatencySeconds: 0.3,
          },
          // recommender/train.py in the team's namespace, through its Kueue queue, as the loop's
          // own identity there (read/write on the offline store only). The image is this folder
          // with its lock installed (README.md, "The training image"). scikit-learn needs no GPU:
          // no GPU request, selector or toleration; Kueue admits the Job against the team's CPU
          // and memory quota and it runs on the cluster's non-GPU nodes (EKS/GKE: the system node
          // group, hence 2 CPUs and 4 GiB).
          training: {
            team,
            image: config.require("trainingImage"),
            command: ["python", "-m", "recommender.train"],
            gpus: 0,
            cpu: "2",
            memory: "4Gi",
            activeDeadlineSeconds: 4 * 3600,
          },
          // And every Sunday at 03:00 UTC, drift or not.
          retrainSchedules: ["0 3 * * 0"],
        },
      ],
      tags,
    },
    // Its token Secret goes into the monitoring namespace, its read-only store users (local) into
    // the feature store's and serving's.
    { dependsOn: [monitoring, featureStore, serving] },
  );
}

const serving = served ? serve(served.version, served.path) : undefined;
const loop = served && serving ? retrain(served.version, serving) : undefined;
const recommender = serving?.models[MODEL];

// --- Outputs --------------------------------------------------------------------------------------

export const clusterName = cluster.clusterName;
export const kubeconfig = cluster.kubeconfig;
export const teamNamespace = cluster.teamNamespaces.apply((t) => t[team]);
export const mlflowTrackingUri = registry.trackingUri;
export const featureServerUrl = featureStore.featureServerUrl;
export const offlineDataUri = featureStore.offlineDataUri;
export const grafanaUrl = monitoring.grafanaUrl;
export const grafanaAdminPassword = monitoring.grafanaAdminPassword;
export const recommenderUrl = recommender?.internalUrl;
export const payloadLogUri = recommender?.payloadLogUri;
export const retrainingWebhookUrl = loop?.webhookUrl;
export const driftReportsUri = loop?.reportStore.uri;
export const retrainingWorkflow = loop?.workflowTemplates[MODEL];
