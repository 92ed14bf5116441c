/**
 * `mlops:index:RetrainingLoop` (issue 12): the closed loop's Kubernetes side. Drift detected →
 * alert → retraining on Kueue → registered → evaluated → canary → promoted or rolled back.
 *
 * - Argo Workflows v4 and Argo Events, pinned charts, each in a restricted namespace with its
 *   NetworkPolicy (./argo.ts);
 * - the loop's own restricted namespace (labelled as a Pushgateway pusher), with per model: the
 *   drift CronJob (the `mlops_jobs` package on `pythonJobPod`: the pinned Python image installs
 *   jobs/requirements.lock, hash-locked, in an init container and runs the sources from the
 *   ConfigMap `mlops-jobs-py`, or a prebuilt `jobsImage`; read-only grants on the reference data
 *   and payload logs, read/write on the loop's own report store), the retraining WorkflowTemplate (train as a Kueue
 *   Job from the TrainingJob template in the team's namespace, look up the registered version,
 *   gate, canary, observe, decide, promote/rollback; one mutex per model), the periodic
 *   CronWorkflow and the Sensor;
 * - the trigger: a JetStream EventBus, the Alertmanager webhook EventSource (ClusterIP only,
 *   bearer token from a Secret), and what the Monitoring component must route to it
 *   (`alertReceiver`, `alertRoute`, the token's Secret in the monitoring namespace);
 * - the stores: the reference data and payload logs are other components' stores, granted `read`
 *   only (on "local" through the local adapter's cross-namespace MinIO reader: a read-only MinIO
 *   user in the store's namespace, its credentials in the loop's); the drift reports go to the
 *   loop's OWN object store (`reportStore`, read/write for the drift job alone), so the loop never
 *   needs write access to another component's bucket. On "local" each MinIO store is its own
 *   server: the drift identity carries the payload logs' credentials and each further store a
 *   credentials identity of its own (`n-drift-reference-data-*`, `n-drift-report-writer-*`),
 *   whose keys the drift job reads under per-store names listed in `MLOPS_S3_STORES`;
 * - the training Job's identity: per training team, the loop's own ServiceAccount
 *   `mlops-retrain-training` in the team's namespace (adapter workload identity: IAM role with Pod
 *   Identity/IRSA, Google service account with Workload Identity, or on "local" a MinIO writer user
 *   on the offline store's server), read/write on the reference data store only (train.py reads the
 *   feature store's offline features there and writes the training set, `MLOPS_REFERENCE`; MLflow
 *   proxies the model artifacts, so no grant on the registry's bucket), and an egress
 *   NetworkPolicy for the team's retraining pods; the team's shared `training` ServiceAccount
 *   gets nothing;
 * - least-privilege ServiceAccounts and Roles: the workflow executor creates/patches
 *   `workflowtaskresults` in the loop namespace, creates/watches Jobs in the teams' namespaces
 *   and patches the models' InferenceServices; the Sensor creates Workflows; nothing cluster-wide.
 *
 * Children (component `n`): `n-argo-namespace`, `n-argo-network-policy`, `n-argo` (release), the
 * same three for `n-argo-events`; `n-namespace`; the identities `n-drift-*` and `n-workflow-*`
 * (adapter); the report store `n-drift-reports-*` (adapter object store with its key); `n-jobs-sources` (the ConfigMap, without `jobsImage`); `n-sensor-sa`, `n-eventsource-sa`; `n-executor-role`, `n-executor-binding`,
 * `n-sensor-role`, `n-sensor-binding`, `n-jobs-role-<team>`, `n-jobs-binding-<team>`, per
 * training team the identity `n-training-<team>-*` (adapter) and `n-training-<team>-policy`,
 * `n-canary-role-<ns>`, `n-canary-binding-<ns>`; `n-webhook-token`, `n-webhook-secret`,
 * `n-alertmanager-secret`; with `services.mlflowCredentials` `n-mlflow-credentials` and
 * `n-mlflow-credentials-<team>` (the Secret `mlops-loop-mlflow`); with `services.featureStore` per
 * training team `n-feast-client-<team>` (ConfigMap), `n-feast-ca-<team>` (Certificate, with TLS),
 * `n-feast-binding-<team>` and `n-feast-ingress-<team>` (in the Feast namespace); `n-event-bus`, `n-event-source`; the NetworkPolicies `n-drift-policy`,
 * `n-workflow-policy`, `n-event-bus-policy`, `n-event-source-policy`, `n-sensor-policy`; per model
 * `n-drift-<model>`, `n-template-<model>`, `n-periodic-<model>`, `n-sensor-<model>`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Access, Target, type Grant, type ObjectStore } from "../adapters";
import { MLFLOW_PORT } from "../model-registry";
import { MlopsComponent } from "../shared/component";
import { clusterAdapter, TRAINING_JOB_COMPONENT } from "../training-cluster";
import { PRESETS } from "../shared/presets";
import { resolvedOrThrow } from "../shared/contract";
import { governanceLabels, uniqueEnv, uniqueRules } from "../shared/k8s";
import { METRICS_READER_LABEL } from "../shared/monitors";
import { JobsLock, pythonJobPod } from "../shared/python-job";
import { RestrictedNamespace } from "../shared/restricted-namespace";
import type { AlertReceiverArgs, AlertRouteArgs } from "../monitoring";
import { MONITORING_SERVICES, PUSHGATEWAY_PORT } from "../monitoring";
import { installArgo } from "./argo";
import { DEFAULT_FEATURE_STORE_ROLE, resolveRetrainingLoopArgs, type RetrainingLoopArgs } from "./args";
import { FEAST_CLIENT_CONFIG_FILE, FeastClientTls } from "../feature-store";
import { createServingCertificate } from "../shared/certificates";
import {
  ARGO_API_VERSION,
  cronWorkflowManifest,
  JOBS_SCRATCH_SIZE,
  driftCronJobManifest,
  MLFLOW_CREDENTIALS_KEYS,
  MLFLOW_CREDENTIALS_SECRET,
  eventBusManifest,
  eventSourceManifest,
  FEAST_CLIENT_CA_SECRET,
  FEAST_CLIENT_CONFIGMAP,
  LOOP_SERVICE_ACCOUNTS,
  loopLabels,
  MODEL_LABEL,
  S3_STORES_ENV,
  s3StoresValue,
  sensorManifest,
  webhookServiceUrl,
  WEBHOOK_PORT,
  WEBHOOK_TOKEN_KEY,
  workflowTemplateManifest,
  type JobsRuntime,
  type LoopSettings,
} from "./manifests";

export * from "./args";
export * from "./manifests";
export * from "./argo";

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown>;
  spec: unknown;
}
interface ManifestInput {
  apiVersion: string;
  kind: string;
  value: pulumi.Input<Manifest>;
}

/** The Pulumi type token of the component. */
export const RETRAINING_LOOP_TYPE = "mlops:index:RetrainingLoop";

/** The namespace label the Monitoring component's Pushgateway admits pushes from. */
export const METRICS_PUSHER_LABEL = "mlops.pulumi.com/metrics-pusher";
/** Name of the webhook token's Secret (in the loop namespace and in the monitoring namespace). */
export const WEBHOOK_SECRET_NAME = "mlops-loop-webhook";
/** Role of the loop's own object store of drift reports (`<name>-drift-reports...`). */
export const REPORT_STORE_ROLE = "drift-reports";
/** The jobs' sources ConfigMap is `<JOBS_OBJECT_NAME>-py` (`pythonJobPod`). */
export const JOBS_OBJECT_NAME = "mlops-jobs";
/** Name of the Alertmanager receiver of the drift alerts. */
export const DRIFT_RECEIVER_NAME = "retraining-loop";
/** Prometheus's port (the Monitoring component's Service), read by the canary decision. */
const PROMETHEUS_PORT = MONITORING_SERVICES.prometheus.port;
/** JetStream client and cluster ports (Argo Events EventBus). */
const JETSTREAM_PORTS = [4222, 6222, 8222];
const API_SERVER_EGRESS = {
  ports: [
    { protocol: "TCP", port: 443 },
    { protocol: "TCP", port: 6443 },
  ],
};

/**
 * The Alertmanager receiver and route the Monitoring component needs (pass them in its
 * `alerting.receivers` / `alerting.routes`): `ModelDrift` of the loop's models goes to the
 * webhook, grouped per model, never on resolution, repeated at most once per `repeatInterval`.
 */
export function retrainingAlerting(
  namespace: string,
  models: string[],
  repeatInterval = "24h",
): { receiver: AlertReceiverArgs; route: AlertRouteArgs } {
  return {
    receiver: {
      name: DRIFT_RECEIVER_NAME,
      kind: "webhook",
      webhook: {
        url: webhookServiceUrl(namespace),
        credentialsSecret: { name: WEBHOOK_SECRET_NAME, key: WEBHOOK_TOKEN_KEY },
        sendResolved: false,
      },
    },
    route: {
      receiver: DRIFT_RECEIVER_NAME,
      matchers: [
        { label: "alertname", value: "ModelDrift" },
        { label: "model", operator: "=~", value: models.join("|") },
      ],
      groupBy: ["alertname", "model"],
      repeatInterval,
    },
  };
}

/**
 * The jobs read an S3-compatible endpoint (local MinIO) from `MLOPS_S3_ENDPOINT_URL`
 * (jobs/mlops_jobs/storage.py): the store's `MLFLOW_S3_ENDPOINT_URL`, when it has one.
 */
function s3Endpoint(store: ObjectStore): k8s.types.input.core.v1.EnvVar[] {
  return store.clientEnv
    .filter((e) => e.name === "MLFLOW_S3_ENDPOINT_URL")
    .map((e) => ({ ...e, name: "MLOPS_S3_ENDPOINT_URL" }));
}

/** The endpoint (`MLFLOW_S3_ENDPOINT_URL`) a store's clients use, if it has one. */
function endpointOf(store: ObjectStore): pulumi.Output<string> {
  const value = store.clientEnv.find((e) => e.name === "MLFLOW_S3_ENDPOINT_URL")?.value;
  return pulumi.output(value).apply((v) => v ?? "");
}

/**
 * `MLOPS_S3_STORES` on "local": every store's bucket → its MinIO endpoint and the names of the
 * variables holding its keys (the first store's are `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`,
 * the others' `<prefix>_ACCESS_KEY_ID` / `<prefix>_SECRET_ACCESS_KEY`). Names only, never keys.
 */
function s3StoresJson(
  first: ObjectStore,
  others: { store: ObjectStore; prefix: string }[],
): pulumi.Output<string> {
  const entries = [
    { store: first, access: "AWS_ACCESS_KEY_ID", secret: "AWS_SECRET_ACCESS_KEY" },
    ...others.map(({ store, prefix }) => ({
      store,
      access: `${prefix}_ACCESS_KEY_ID`,
      secret: `${prefix}_SECRET_ACCESS_KEY`,
    })),
  ];
  return pulumi
    .all(entries.map((e) => pulumi.all([e.store.bucketName, endpointOf(e.store)])))
    .apply((resolved) =>
      s3StoresValue(
        resolved.map(([bucket, endpoint], i) => ({
          bucket,
          endpoint,
          accessKeyEnv: entries[i]!.access,
          secretKeyEnv: entries[i]!.secret,
        })),
      ),
    );
}

/** The closed loop's Kubernetes side (see the module comment). */
export class RetrainingLoop extends MlopsComponent {
  /** The loop's namespace. */
  public readonly namespace: pulumi.Output<string>;
  /** The in-cluster URL Alertmanager posts drift alerts to. */
  public readonly webhookUrl: string;
  /** Pass to Monitoring's `alerting.receivers`. */
  public readonly alertReceiver: AlertReceiverArgs;
  /** Pass to Monitoring's `alerting.routes`. */
  public readonly alertRoute: AlertRouteArgs;
  /**
   * The loop's own object store of drift reports (Evidently HTML/JSON under `drift-reports/`):
   * read/write for the drift job only; grant `read` on it to whoever reads the reports.
   */
  public readonly reportStore: ObjectStore;
  /** The WorkflowTemplate of each model, by model name. */
  public readonly workflowTemplates: Record<string, string>;

  constructor(name: string, args: RetrainingLoopArgs, opts?: pulumi.ComponentResourceOptions) {
    super(RETRAINING_LOOP_TYPE, name, opts);
    const a = resolvedOrThrow(resolveRetrainingLoopArgs(args), this, RETRAINING_LOOP_TYPE);
    const cluster = args.cluster;
    const provider = cluster.provider;
    const ctx = this.context({
      environment: a.environment,
      tags: { environment: a.environment, ...a.tags },
      protect: a.protect,
    });
    const labels = { ...governanceLabels(ctx.tags), ...loopLabels(name, "loop") };

    installArgo(ctx, provider, {
      argoNamespace: a.argoNamespace,
      argoEventsNamespace: a.argoEventsNamespace,
      loopNamespace: a.namespace,
      labels,
    });

    const ns = new RestrictedNamespace(
      `${name}-namespace`,
      {
        namespace: a.namespace,
        labels: { ...a.namespaceLabels, ...labels, ...METRICS_READER_LABEL, [METRICS_PUSHER_LABEL]: "true" },
      },
      ctx.opts({ provider }),
    );
    const namespace = ns.namespaceName;
    const nsReady = [ns.namespace, ns.defaultDeny];
    const childOpts = (extra: pulumi.Resource[] = []) =>
      ctx.opts({ provider, dependsOn: [...nsReady, ...extra] });

    const adapter = clusterAdapter(cluster, ctx, namespace, nsReady);
    const { referenceData, payloadLogs } = args.stores;
    // The loop's own store for the drift reports: it never writes into another component's bucket.
    const reportKey = adapter.encryptionKey(REPORT_STORE_ROLE);
    const reports = adapter.objectStore(REPORT_STORE_ROLE, {
      ...(reportKey ? { key: reportKey } : {}),
      // Reports are written once; versions on because the policy pack asks every bucket to keep them.
      versioning: true,
      forceDestroy: PRESETS[a.environment].forceDestroyBuckets,
    });
    const stores: ObjectStore[] = [payloadLogs, referenceData, reports].filter(
      (s, i, all) => all.indexOf(s) === i,
    );
    // Read-only on the reference data and payload logs; read/write only on the loop's report store.
    const driftGrants: Grant[] = stores.map((resource) => ({
      resource,
      access: resource === reports ? Access.readWrite : Access.read,
    }));
    // On "local" each MinIO store is its own server with its own credentials and an identity
    // injects one set: the drift identity gets the payload logs' (the first store), and each
    // further store its own credentials identity, whose keys the drift job reads under per-store
    // names listed in MLOPS_S3_STORES (jobs/mlops_jobs/storage.py).
    const local = a.target === Target.local;
    const drift = adapter.workloadIdentity("drift", {
      serviceAccountName: LOOP_SERVICE_ACCOUNTS.drift,
      grants: local ? driftGrants.slice(0, 1) : driftGrants,
      labels,
    });
    const storeCredentials = local
      ? driftGrants.slice(1).map((grant) => {
          const role = grant.resource === reports ? "drift-report-writer" : "drift-reference-data";
          const identity = adapter.workloadIdentity(role, {
            // Never mounted by a pod: it only carries the store's credentials Secret.
            serviceAccountName: `mlops-${role}`,
            grants: [grant],
            labels,
          });
          const prefix = `MLOPS_S3_${role
            .replace(/^drift-/, "")
            .replace(/-/g, "_")
            .toUpperCase()}`;
          return { store: grant.resource as ObjectStore, identity, prefix };
        })
      : [];
    // The gate reads the hold-out set; MLflow proxies the model artifacts.
    const workflow = adapter.workloadIdentity("workflow", {
      serviceAccountName: LOOP_SERVICE_ACCOUNTS.workflow,
      grants: [{ resource: referenceData, access: Access.read }],
      labels,
    });
    // The training Job's identity, one per training team in the team's namespace (a pod runs as a
    // ServiceAccount of its own namespace), never the team's shared `training` ServiceAccount:
    // read/write on the reference data store (the feature store's offline store), whose offline
    // features train.py reads and where it writes the training set (MLOPS_REFERENCE). Nothing on
    // the registry's bucket: MLflow proxies the artifacts (`mlflow server --serve-artifacts`).
    const trainingTeams = [...new Set(a.models.map((m) => m.training.team))];
    const training = new Map(
      trainingTeams.map((team) => [
        team,
        clusterAdapter(cluster, ctx, team, []).workloadIdentity(`training-${team}`, {
          serviceAccountName: LOOP_SERVICE_ACCOUNTS.training,
          grants: [{ resource: referenceData, access: Access.readWrite }],
          labels,
        }),
      ]),
    );
    const serviceAccount = (role: string, saName: string) =>
      new k8s.core.v1.ServiceAccount(
        `${name}-${role}-sa`,
        { metadata: { name: saName, namespace, labels }, automountServiceAccountToken: role === "sensor" },
        childOpts(),
      );
    serviceAccount("sensor", LOOP_SERVICE_ACCOUNTS.sensor);
    serviceAccount("eventsource", LOOP_SERVICE_ACCOUNTS.eventSource);

    // ---- RBAC: namespaced Roles only ----
    const role = (
      pulumiName: string,
      roleNamespace: pulumi.Input<string>,
      roleName: string,
      rules: k8s.types.input.rbac.v1.PolicyRule[],
      subject: string,
    ) => {
      new k8s.rbac.v1.Role(
        `${name}-${pulumiName}-role`,
        { metadata: { name: roleName, namespace: roleNamespace, labels }, rules },
        childOpts(),
      );
      new k8s.rbac.v1.RoleBinding(
        `${name}-${pulumiName}-binding`,
        {
          metadata: { name: roleName, namespace: roleNamespace, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName },
          subjects: [{ kind: "ServiceAccount", name: subject, namespace: a.namespace }],
        },
        childOpts(),
      );
    };
    // The executor reports step results (Argo Workflows ≥ 3.4: workflowtaskresults).
    role(
      "executor",
      namespace,
      "mlops-retrain-executor",
      [{ apiGroups: ["argoproj.io"], resources: ["workflowtaskresults"], verbs: ["create", "patch"] }],
      LOOP_SERVICE_ACCOUNTS.workflow,
    );
    role(
      "sensor",
      namespace,
      "mlops-sensor",
      [{ apiGroups: ["argoproj.io"], resources: ["workflows"], verbs: ["create"] }],
      LOOP_SERVICE_ACCOUNTS.sensor,
    );
    for (const team of trainingTeams) {
      role(
        `jobs-${team}`,
        team,
        "mlops-retrain-jobs",
        [{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "watch"] }],
        LOOP_SERVICE_ACCOUNTS.workflow,
      );
    }
    for (const servingNs of [...new Set(a.models.map((m) => m.servingNamespace))]) {
      role(
        `canary-${servingNs}`,
        servingNs,
        "mlops-retrain-canary",
        [
          {
            apiGroups: ["serving.kserve.io"],
            resources: ["inferenceservices"],
            resourceNames: a.models.filter((m) => m.servingNamespace === servingNs).map((m) => m.name),
            verbs: ["get", "patch"],
          },
        ],
        LOOP_SERVICE_ACCOUNTS.workflow,
      );
    }

    // ---- The webhook's bearer token: in the loop namespace (EventSource) and for Alertmanager ----
    const token = new random.RandomPassword(
      `${name}-webhook-token`,
      { length: 48, special: false },
      ctx.opts({ additionalSecretOutputs: ["result"] }),
    );
    const tokenSecret = (pulumiName: string, secretNamespace: pulumi.Input<string>) =>
      new k8s.core.v1.Secret(
        `${name}-${pulumiName}`,
        {
          metadata: { name: WEBHOOK_SECRET_NAME, namespace: secretNamespace, labels },
          type: "Opaque",
          stringData: { [WEBHOOK_TOKEN_KEY]: pulumi.secret(token.result) },
        },
        childOpts(),
      );
    const webhookSecret = tokenSecret("webhook-secret", namespace);
    tokenSecret("alertmanager-secret", args.services.monitoringNamespace);

    // ---- Argo Events: the bus, the webhook ----
    // A custom resource from its manifest (plain, or known once the settings are): apiVersion
    // and kind are plain (they make the resource's type), metadata and spec may wait.
    const custom = (pulumiName: string, manifest: ManifestInput, deps: pulumi.Resource[] = []) => {
      const m = pulumi.output(manifest.value);
      return new k8s.apiextensions.CustomResource(
        `${name}-${pulumiName}`,
        {
          apiVersion: manifest.apiVersion,
          kind: manifest.kind,
          metadata: m.apply((x) => x.metadata),
          spec: m.apply((x) => x.spec),
        },
        childOpts(deps),
      );
    };
    const plain = (m: Manifest): ManifestInput => ({ apiVersion: m.apiVersion, kind: m.kind, value: m });
    const bus = custom("event-bus", plain(eventBusManifest(name, a.namespace)));
    custom("event-source", plain(eventSourceManifest(name, a.namespace, WEBHOOK_SECRET_NAME)), [
      bus,
      webhookSecret,
    ]);

    // ---- NetworkPolicies ----
    const policy = (role: string, spec: pulumi.Input<k8s.types.input.networking.v1.NetworkPolicySpec>) =>
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${role}-policy`,
        { metadata: { name: role, namespace, labels }, spec },
        childOpts(),
      );
    const monitoringNs = {
      namespaceSelector: {
        matchLabels: { "kubernetes.io/metadata.name": args.services.monitoringNamespace },
      },
    };
    const toPort = (peer: Record<string, unknown>, port: number) => ({
      to: [peer],
      ports: [{ protocol: "TCP", port }],
    });
    // The jobs' Python runtime: one ConfigMap of sources and lock for every drift and workflow pod.
    const pod = pythonJobPod(
      `${name}-jobs`,
      {
        objectName: JOBS_OBJECT_NAME,
        namespace,
        labels,
        module: "drift",
        lock: JobsLock.jobs,
        ...(a.jobsImage ? { image: a.jobsImage } : {}),
      },
      childOpts(),
    );
    const runtime: pulumi.Output<JobsRuntime> = pulumi
      .output({
        env: pod.env,
        initContainers: pod.initContainers,
        volumes: pod.volumes,
        volumeMounts: pod.volumeMounts,
      })
      .apply((p) => ({
        image: pod.image,
        env: p.env.map((e) => ({ name: e.name, value: e.value ?? "" })),
        initContainers: p.initContainers,
        volumes: p.volumes.map((v) =>
          v.name === "tmp" ? { name: "tmp", emptyDir: { sizeLimit: JOBS_SCRATCH_SIZE } } : v,
        ),
        volumeMounts: p.volumeMounts,
        uid: pod.uid,
      }));
    const runtimeReady = pod.configMap ? [pod.configMap] : [];
    const storeEgress = stores.flatMap((s) => s.egress);
    // MLflow: the workflow's steps, and the drift job (it reads the production alias).
    const toMlflow = toPort(
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.services.mlflowNamespace } },
      },
      MLFLOW_PORT,
    );
    policy("drift", {
      podSelector: { matchLabels: { "app.kubernetes.io/component": "drift" } },
      policyTypes: ["Ingress", "Egress"],
      egress: uniqueRules([
        toMlflow,
        toPort(monitoringNs, PUSHGATEWAY_PORT),
        ...storeEgress,
        ...drift.egress,
        ...storeCredentials.flatMap((c) => c.identity.egress),
        ...pod.egress,
      ]),
    });
    policy("workflow", {
      podSelector: { matchExpressions: [{ key: "workflows.argoproj.io/workflow", operator: "Exists" }] },
      policyTypes: ["Ingress", "Egress"],
      egress: uniqueRules([
        API_SERVER_EGRESS,
        toMlflow,
        toPort(monitoringNs, PUSHGATEWAY_PORT),
        toPort(monitoringNs, PROMETHEUS_PORT),
        ...referenceData.egress,
        ...workflow.egress,
        ...pod.egress,
      ]),
    });
    // The training pods of the team's models (the team's own policies admit DNS, MLflow and HTTPS):
    // the reference data store and the identity's credential exchange (on "local" the store's
    // MinIO in its namespace).
    // The training pods of a team's models (the loop's; never the team's other pods).
    const trainingPods = (team: string) => ({
      matchLabels: { "app.kubernetes.io/name": TRAINING_JOB_COMPONENT },
      matchExpressions: [
        {
          key: MODEL_LABEL,
          operator: "In",
          values: a.models.filter((m) => m.training.team === team).map((m) => m.name),
        },
      ],
    });
    // The feature store's client (services.featureStore): per team its config in a ConfigMap, the
    // cluster CA (TLS), the training ServiceAccount bound to the Feast Role in the Feast namespace,
    // and the Feast servers admitting exactly the loop's training pods (an ingress policy of the
    // loop in the Feast namespace: NetworkPolicies add up, and the team namespace keeps its labels).
    const feast = args.services.featureStore;
    const feastRole = args.services.featureStoreRole ?? DEFAULT_FEATURE_STORE_ROLE;
    const feastServerPorts = (feast?.serverPorts ?? []).map((port) => ({ protocol: "TCP", port }));
    const feastResources = new Map<string, pulumi.Resource[]>();
    if (feast) {
      for (const team of trainingTeams) {
        const teamResources: pulumi.Resource[] = [
          new k8s.core.v1.ConfigMap(
            `${name}-feast-client-${team}`,
            {
              metadata: { name: FEAST_CLIENT_CONFIGMAP, namespace: team, labels },
              data: { [FEAST_CLIENT_CONFIG_FILE]: feast.config },
            },
            childOpts(),
          ),
          new k8s.rbac.v1.RoleBinding(
            `${name}-feast-binding-${team}`,
            {
              metadata: {
                name: `${LOOP_SERVICE_ACCOUNTS.training}-${team}`,
                namespace: feast.namespace,
                labels,
              },
              roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: feastRole },
              subjects: [{ kind: "ServiceAccount", name: LOOP_SERVICE_ACCOUNTS.training, namespace: team }],
            },
            childOpts(),
          ),
          new k8s.networking.v1.NetworkPolicy(
            `${name}-feast-ingress-${team}`,
            {
              metadata: {
                name: `${LOOP_SERVICE_ACCOUNTS.training}-${team}`,
                namespace: feast.namespace,
                labels,
              },
              spec: {
                podSelector: { matchLabels: feast.serverPodLabels },
                policyTypes: ["Ingress"],
                ingress: [
                  {
                    from: [
                      {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": team } },
                        podSelector: trainingPods(team),
                      },
                    ],
                    ports: feastServerPorts,
                  },
                ],
              },
            },
            childOpts(),
          ),
        ];
        if (feast.tls === FeastClientTls.clusterIssuer) {
          // cert-manager writes the issuing CA into every Certificate's Secret (`ca.crt`): a
          // Certificate of the cluster issuer in the team namespace brings the cluster CA where the
          // training pod can mount it (a pod mounts Secrets of its own namespace only). Only
          // `ca.crt` is mounted; the certificate names no Service.
          teamResources.push(
            createServingCertificate(
              { ctx, provider, certificates: cluster.certificates, dependsOn: nsReady },
              `feast-ca-${team}`,
              {
                namespace: team,
                secretName: FEAST_CLIENT_CA_SECRET,
                dnsNames: [`${LOOP_SERVICE_ACCOUNTS.training}.${team}.svc`],
                labels,
              },
            ).certificate,
          );
        }
        feastResources.set(team, teamResources);
      }
    }
    // The training pods of the team's models (the team's own policies admit DNS, MLflow and HTTPS):
    // the reference data store and the identity's credential exchange (on "local" the store's
    // MinIO in its namespace), and the Feast servers' ports with a feature store.
    for (const [team, identity] of training) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-training-${team}-policy`,
        {
          metadata: { name: LOOP_SERVICE_ACCOUNTS.training, namespace: team, labels },
          spec: {
            podSelector: trainingPods(team),
            policyTypes: ["Egress"],
            egress: [
              ...uniqueRules([...referenceData.egress, ...identity.egress]),
              ...(feast
                ? [
                    {
                      to: [
                        {
                          namespaceSelector: {
                            matchLabels: { "kubernetes.io/metadata.name": feast.namespace },
                          },
                          podSelector: { matchLabels: feast.serverPodLabels },
                        },
                      ],
                      ports: feastServerPorts,
                    },
                  ]
                : []),
            ],
          },
        },
        childOpts(),
      );
    }
    const busPods = { podSelector: { matchLabels: { "eventbus-name": "default" } } };
    policy("event-bus", {
      podSelector: busPods.podSelector,
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        { from: [{ podSelector: {} }], ports: JETSTREAM_PORTS.map((port) => ({ protocol: "TCP", port })) },
      ],
      egress: [{ to: [busPods], ports: JETSTREAM_PORTS.map((port) => ({ protocol: "TCP", port })) }],
    });
    policy("event-source", {
      podSelector: { matchLabels: { "eventsource-name": "alertmanager" } },
      policyTypes: ["Ingress", "Egress"],
      // Only Alertmanager (in the monitoring namespace) reaches the webhook.
      ingress: [{ from: [monitoringNs], ports: [{ protocol: "TCP", port: WEBHOOK_PORT }] }],
      egress: [toPort(busPods, 4222)],
    });
    policy("sensor", {
      podSelector: { matchExpressions: [{ key: "sensor-name", operator: "Exists" }] },
      policyTypes: ["Ingress", "Egress"],
      egress: [toPort(busPods, 4222), API_SERVER_EGRESS],
    });

    // ---- The MLflow user's credentials (basic auth): in the loop namespace for the workflow's
    // MLflow steps and in each training team's for the training Job (a pod reads Secrets of its
    // own namespace only) ----
    const mlflowCredentials = args.services.mlflowCredentials;
    const credentialSecrets: pulumi.Resource[] = [];
    if (mlflowCredentials) {
      const credentialsSecret = (pulumiName: string, secretNamespace: pulumi.Input<string>) =>
        new k8s.core.v1.Secret(
          `${name}-${pulumiName}`,
          {
            metadata: { name: MLFLOW_CREDENTIALS_SECRET, namespace: secretNamespace, labels },
            type: "Opaque",
            stringData: {
              [MLFLOW_CREDENTIALS_KEYS.username]: mlflowCredentials.username,
              [MLFLOW_CREDENTIALS_KEYS.password]: pulumi.secret(mlflowCredentials.password),
            },
          },
          { ...childOpts(), additionalSecretOutputs: ["stringData", "data"] },
        );
      credentialSecrets.push(credentialsSecret("mlflow-credentials", namespace));
      for (const team of [...new Set(a.models.map((m) => m.training.team))]) {
        credentialSecrets.push(credentialsSecret(`mlflow-credentials-${team}`, team));
      }
    }

    // ---- Per model ----
    const settings = pulumi
      .all([
        args.services.trackingUri,
        args.services.pushgatewayUrl,
        args.services.prometheusUrl,
        reports.uri,
        runtime,
        referenceData.uri,
        payloadLogs.uri,
      ])
      .apply(
        ([
          trackingUri,
          pushgatewayUrl,
          prometheusUrl,
          reportsUri,
          jobs,
          referenceDataUri,
          payloadLogUri,
        ]): LoopSettings => ({
          instance: name,
          namespace: a.namespace,
          jobs,
          trackingUri,
          pushgatewayUrl,
          prometheusUrl,
          reportPrefix: `${reportsUri}/drift-reports`,
          referenceDataUri,
          payloadLogUri,
          clientEnv: [],
          mlflowCredentials: mlflowCredentials !== undefined,
        }),
      );
    // Plain values: the adapters' environment may hold outputs (regions, endpoints).
    const withEnv = (env: k8s.types.input.core.v1.EnvVar[]) =>
      pulumi.all([settings, pulumi.output(env)]).apply(([s, e]): LoopSettings => ({ ...s, clientEnv: e }));
    const driftSettings = withEnv(
      uniqueEnv([
        ...s3Endpoint(stores[0]!),
        ...stores.flatMap((s) => s.clientEnv),
        ...drift.env,
        ...(local
          ? [
              { name: S3_STORES_ENV, value: s3StoresJson(stores[0]!, storeCredentials) },
              ...storeCredentials.flatMap(({ identity, prefix }) =>
                identity.env.map((e) => ({
                  ...e,
                  name:
                    e.name === "AWS_ACCESS_KEY_ID"
                      ? `${prefix}_ACCESS_KEY_ID`
                      : e.name === "AWS_SECRET_ACCESS_KEY"
                        ? `${prefix}_SECRET_ACCESS_KEY`
                        : e.name,
                })),
              ),
            ]
          : []),
      ]),
    );
    const workflowSettings = withEnv(
      uniqueEnv([...s3Endpoint(referenceData), ...referenceData.clientEnv, ...workflow.env]),
    );
    // The training Job of a team's model: the reference data store's client and the team's
    // training identity.
    const trainingSettings = new Map(
      [...training].map(([team, identity]) => [
        team,
        pulumi
          .all([
            workflowSettings,
            pulumi.output(
              uniqueEnv([...s3Endpoint(referenceData), ...referenceData.clientEnv, ...identity.env]),
            ),
          ])
          .apply(([s, e]): LoopSettings => ({
            ...s,
            trainingEnv: e,
            ...(feast
              ? {
                  feast: {
                    configMap: FEAST_CLIENT_CONFIGMAP,
                    ...(feast.tls === FeastClientTls.clusterIssuer
                      ? { caSecret: FEAST_CLIENT_CA_SECRET }
                      : {}),
                  },
                }
              : {}),
          })),
      ]),
    );
    const templates: Record<string, string> = {};
    for (const model of a.models) {
      const cronJob = driftSettings.apply((s) => driftCronJobManifest(model, s));
      new k8s.batch.v1.CronJob(
        `${name}-drift-${model.name}`,
        {
          // The governance labels (owner, cost centre, ...) on the CronJob as on every child.
          metadata: cronJob.metadata.apply((m) => ({ ...m, labels: { ...labels, ...m.labels } })),
          spec: cronJob.spec,
        },
        childOpts([
          drift.serviceAccount,
          ...drift.ready,
          ...storeCredentials.flatMap((c) => c.identity.ready),
          ...runtimeReady,
        ]),
      );
      const trainer = training.get(model.training.team)!;
      const template = custom(
        `template-${model.name}`,
        {
          apiVersion: ARGO_API_VERSION,
          kind: "WorkflowTemplate",
          value: trainingSettings.get(model.training.team)!.apply((s) => workflowTemplateManifest(model, s)),
        },
        [
          workflow.serviceAccount,
          ...workflow.ready,
          trainer.serviceAccount,
          ...trainer.ready,
          ...runtimeReady,
          ...credentialSecrets,
          ...(feastResources.get(model.training.team) ?? []),
        ],
      );
      custom(`periodic-${model.name}`, plain(cronWorkflowManifest(model, name, a.namespace)), [template]);
      custom(`sensor-${model.name}`, plain(sensorManifest(model, name, a.namespace, a.trigger.maxPerHour)), [
        bus,
        template,
      ]);
      templates[model.name] = `retrain-${model.name}`;
    }

    const alerting = retrainingAlerting(
      a.namespace,
      a.models.map((m) => m.name),
      a.trigger.repeatInterval,
    );
    this.namespace = namespace;
    this.webhookUrl = webhookServiceUrl(a.namespace);
    this.alertReceiver = alerting.receiver;
    this.alertRoute = alerting.route;
    this.workflowTemplates = templates;
    this.reportStore = reports;
    this.registerOutputs({
      reportStore: reports.uri,
      namespace: this.namespace,
      webhookUrl: this.webhookUrl,
      workflowTemplates: this.workflowTemplates,
    });
  }
}
