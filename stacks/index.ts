/**
 * The pulumi-mlops stack program: reads and validates `stacks/Pulumi.<stack>.yaml`, then composes
 * the components: the GPU training cluster (created on aws/gcp, adopted on local), the model
 * registry on it and, with `mlops:monitoring`, the monitoring stack; with `mlops:featureStore`,
 * `mlops:serving` and `mlops:retraining`, the feature store, model serving and the retraining loop. Run with `pulumi up -s <stack>` (Pulumi.yaml points here) or offline with
 * `npm run plan -- --stack <stack>`.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  FeastClientTls,
  FeatureStore,
  GpuTrainingCluster,
  ModelRegistry,
  ModelServing,
  Monitoring,
  objectStoreReference,
  RetrainingLoop,
  retrainingAlerting,
} from "../components";
import { monitoringAlertingWithLoop, parseStackConfig, PROJECT } from "./config";

export default function main(): Record<string, pulumi.Output<unknown>> {
  // Validate everything before the first resource is registered.
  const cfg = parseStackConfig(
    pulumi.runtime.allConfig(),
    `configuration of stack ${pulumi.getStack()} (stacks/Pulumi.${pulumi.getStack()}.yaml)`,
  );
  const tags: Record<string, string> = {
    ...cfg.tags,
    environment: cfg.environment,
    "managed-by": "pulumi",
    "pulumi-project": PROJECT,
    "pulumi-stack": pulumi.getStack(),
  };

  // The args the config resolved (an adopted cluster's mlops:aws / mlops:gcp are in its
  // `existing` block, so its handle carries them to the registry like a created cluster's own).
  const cluster = new GpuTrainingCluster("gpu-cluster", { ...cfg.resolved.clusterArgs, tags });

  const registry = new ModelRegistry(
    "model-registry",
    {
      ...cfg.modelRegistry,
      cluster: cluster.handle,
      environment: cfg.environment,
      local: cfg.local,
      tags,
    },
    // On the cluster component, so on every child of it: the registry's Ingress comes after the
    // AWS Load Balancer Controller and its IngressClass "alb" (aws), and on destroy goes first,
    // while the controller can still delete its ALB.
    { dependsOn: [cluster] },
  );

  const outputs: Record<string, pulumi.Output<unknown>> = {
    clusterName: cluster.clusterName,
    kubeconfig: cluster.kubeconfig,
    teamNamespaces: cluster.teamNamespaces,
    mlflowTrackingUri: registry.trackingUri,
    mlflowArtifactLocation: registry.artifactLocation,
    mlflowServiceAccount: registry.serviceAccountName,
    mlflowCloudPrincipal: registry.cloudPrincipal,
    mlflowDatabaseEndpoint: registry.databaseEndpoint,
    // What another stack needs to deploy onto this cluster and read the registry's models
    // (examples/serving-from-stack-reference): existingClusterHandle and existingObjectStore.
    clusterTarget: pulumi.output(cluster.handle.target),
    clusterEnvironment: pulumi.output(cluster.handle.environment),
    mlflowArtifactStore: objectStoreReference(registry.artifactStore),
  };
  if (cluster.handle.aws) outputs["clusterAws"] = pulumi.output(cluster.handle.aws);
  if (cluster.handle.gcp) outputs["clusterGcp"] = pulumi.output(cluster.handle.gcp);
  // What the registry's resolver made of the config (its defaults are its own: auth is on with
  // the Ingress); never re-derived here.
  const resolvedRegistry = cfg.resolved.modelRegistry;
  if (resolvedRegistry.ingress) outputs["mlflowExternalUrl"] = registry.externalUrl;
  if (resolvedRegistry.auth) {
    outputs["mlflowAdminUsername"] = registry.adminUsername;
    outputs["mlflowAdminPassword"] = registry.adminPassword;
  }

  // Monitoring, when `mlops:monitoring` is set (the cluster's monitoring was turned on for it).
  // With `mlops:retraining`, Alertmanager also routes the loop's drift alerts to its webhook: the
  // receiver needs only names the loop's resolved args give (its namespace's webhook Service and
  // the token Secret it creates in the monitoring namespace), so Monitoring comes first, in one pass.
  const loopArgs = cfg.resolved.retraining;
  const loopAlerting = loopArgs
    ? retrainingAlerting(
        loopArgs.namespace,
        loopArgs.models.map((m) => m.name),
        loopArgs.trigger.repeatInterval,
      )
    : undefined;
  let monitoring: Monitoring | undefined;
  if (cfg.monitoring && cfg.resolved.monitoring) {
    monitoring = new Monitoring("monitoring", {
      ...cfg.monitoring,
      ...(loopAlerting ? { alertmanager: monitoringAlertingWithLoop(cfg.monitoring, loopAlerting) } : {}),
      cluster: cluster.handle,
      environment: cfg.environment,
      tags,
    });
    outputs["prometheusUrl"] = monitoring.prometheusUrl;
    outputs["alertmanagerUrl"] = monitoring.alertmanagerUrl;
    if (cfg.resolved.monitoring.grafana) {
      outputs["grafanaUrl"] = monitoring.grafanaUrl;
      if (cfg.resolved.monitoring.grafana.ingress)
        outputs["grafanaExternalUrl"] = monitoring.grafanaExternalUrl;
      outputs["grafanaAdminUsername"] = monitoring.grafanaAdminUsername;
      outputs["grafanaAdminPassword"] = monitoring.grafanaAdminPassword;
    }
    if (cfg.resolved.monitoring.pushgateway) outputs["pushgatewayUrl"] = monitoring.pushgatewayUrl;
    if (cfg.resolved.monitoring.mode === "managed") outputs["metricsEndpoint"] = monitoring.managedEndpoint;
  }

  // The feature store (Feast), when `mlops:featureStore` is set.
  let featureStore: FeatureStore | undefined;
  if (cfg.featureStore && cfg.resolved.featureStore) {
    featureStore = new FeatureStore("feature-store", {
      ...cfg.featureStore,
      cluster: cluster.handle,
      environment: cfg.environment,
      tags,
    });
    outputs["featureServerUrl"] = featureStore.featureServerUrl;
    outputs["featureStoreRegistryConnection"] = featureStore.registryConnection;
  }

  // Model serving (KServe + KEDA), when `mlops:serving` is set: the models are read from the
  // registry's artifact store; KEDA's triggers query the Monitoring component's Prometheus unless
  // the config names another.
  let serving: ModelServing | undefined;
  if (cfg.serving && cfg.resolved.serving) {
    serving = new ModelServing(
      "serving",
      {
        ...cfg.serving,
        ...(cfg.serving.prometheus === undefined && monitoring
          ? { prometheus: { url: monitoring.prometheusUrl } }
          : {}),
        cluster: cluster.handle,
        artifactStore: registry.artifactStore,
        environment: cfg.environment,
        tags,
      },
      // Like the registry: exposed models' Ingresses come after the load balancer controller.
      { dependsOn: [cluster] },
    );
    outputs["servingModels"] = pulumi.output(serving.models);
  }

  // The retraining loop, when `mlops:retraining` is set (its row checked that monitoring with the
  // Pushgateway, the feature store and serving with the payload sink are there): reference data in
  // the feature store's offline store, payload logs in the serving payload-log store, MLflow of the
  // registry, the Pushgateway and Prometheus of the Monitoring component.
  const payloadLogs = serving?.payloadLogStore;
  if (
    cfg.retraining &&
    loopArgs &&
    monitoring &&
    featureStore &&
    serving &&
    payloadLogs &&
    cfg.resolved.monitoring
  ) {
    const loop = new RetrainingLoop(
      "retraining",
      {
        ...cfg.retraining,
        cluster: cluster.handle,
        environment: cfg.environment,
        tags,
        services: {
          trackingUri: registry.trackingUri,
          mlflowNamespace: resolvedRegistry.namespace,
          // With the registry's basic auth on (e.g. aws-prod: on with the Ingress), the loop's MLflow
          // clients log in as its admin; a dedicated MLflow user is better (docs/retraining-loop.md).
          ...(resolvedRegistry.auth
            ? {
                mlflowCredentials: {
                  username: registry.adminUsername.apply((u) => u ?? ""),
                  password: registry.adminPassword.apply((p) => p ?? ""),
                },
              }
            : {}),
          pushgatewayUrl: monitoring.pushgatewayUrl.apply((url) => url ?? ""),
          prometheusUrl: monitoring.prometheusUrl,
          monitoringNamespace: cfg.resolved.monitoring.namespace,
          // The training Job reads features through Feast's remote stores (FEAST_FS_YAML_FILE). It
          // authenticates with its ServiceAccount token and trusts the cluster CA: with authz
          // "oidc" or a TLS Secret of its own the store's client is not passed (docs/retraining-loop.md).
          ...(featureStore.client.authz === "kubernetes" && featureStore.client.tls !== FeastClientTls.custom
            ? { featureStore: featureStore.client }
            : {}),
        },
        stores: { referenceData: featureStore.offlineStore, payloadLogs },
      },
      // The token Secret goes into the monitoring namespace; the stores' read-only users (local)
      // into the feature store's and serving's.
      { dependsOn: [monitoring, featureStore, serving] },
    );
    outputs["retrainingNamespace"] = loop.namespace;
    outputs["retrainingWebhookUrl"] = pulumi.output(loop.webhookUrl);
    outputs["retrainingReportStore"] = loop.reportStore.uri;
    outputs["retrainingWorkflowTemplates"] = pulumi.output(loop.workflowTemplates);
  }
  return outputs;
}
