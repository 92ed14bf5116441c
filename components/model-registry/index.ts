/**
 * `mlops:index:ModelRegistry`: an MLflow tracking server and model registry on Kubernetes, with
 * its backend store on the target's PostgreSQL and its artifacts in the target's object store.
 *
 * Artifact access is proxied (`mlflow server --serve-artifacts --artifacts-destination ...`): only
 * the MLflow server's own identity can reach the bucket; clients need no cloud credentials and the
 * bucket policy stays scoped to one principal.
 *
 * When the cluster's monitoring is on (`ClusterHandle.monitoring`), the registry also creates
 * MLflow's monitor `<name>-monitor` (a PodMonitor, or a GMP PodMonitoring) through the one helper
 * (`createScrapeTarget`), after the server, and admits the cluster's scrapers to the server port;
 * with monitoring off nothing of it exists (see `mlflowScrapeTarget` in ./mlflow.ts).
 *
 * Cloud resources are auto-named by Pulumi (logical name plus a random suffix). The few whose
 * name must be set (the KMS alias, the Google service account id, RDS's final snapshot) are
 * `<name>-<stack>-<role>` (components/shared/names.ts), so two stacks in one account/project never
 * share one.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Access, type ObjectStore, type PostgresDatabase, type WorkloadIdentity } from "../adapters";
import { MlopsComponent } from "../shared/component";
import { clusterAdapter } from "../training-cluster";
import { dnsLabel } from "../shared/names";
import { movedFrom } from "../shared/aliases";
import { governanceLabels, standardLabels } from "../shared/k8s";
import { RestrictedNamespace } from "../shared/restricted-namespace";
import { createScrapeTarget, isScraped, scraperIngressRule } from "../shared/scrape-target";
import { resolvedOrThrow } from "../shared/contract";
import { httpsIngressSettings } from "../shared/https-ingress";
import { resolveModelRegistryArgs, type ModelRegistryArgs } from "./args";
import {
  ARTIFACT_IDLE_TIMEOUT_SECONDS,
  ARTIFACT_REQUEST_TIMEOUT_SECONDS,
  backendStoreUri as renderBackendStoreUri,
} from "./config";
import { mlflowScrapeTarget, mlflowWorkload, MLFLOW_PORT, type MlflowSettings } from "./mlflow";

export * from "./args";
/** The server's rendering, for the loop test's renderer (bin/render-loop.ts). */
export { backendStoreUri, migrationScript } from "./config";
export { allowedHosts, mlflowServerArgs } from "./mlflow";

/** The Pulumi type token of the component. */
export const MODEL_REGISTRY_TYPE = "mlops:index:ModelRegistry";

/** MLflow tracking server and model registry (see the module comment). */
export class ModelRegistry extends MlopsComponent {
  /** In-cluster tracking URI, e.g. `http://mlflow.mlflow.svc.cluster.local:5000`. */
  public readonly trackingUri: pulumi.Output<string>;
  /** External URL when the Ingress is enabled, else undefined. */
  public readonly externalUrl: pulumi.Output<string | undefined>;
  /** Where artifacts are stored: `s3://<bucket>/mlflow-artifacts` or `gs://<bucket>/mlflow-artifacts`. */
  public readonly artifactLocation: pulumi.Output<string>;
  /** Artifact bucket name (also `artifactStore.bucketName`). */
  public readonly bucketName: pulumi.Output<string>;
  /**
   * The artifact store as a grantable reference (bucket name, URI, client environment, egress,
   * encryption key, bucket resource): give it to another component's workload identity to let
   * that workload read the models (e.g. a serving component).
   */
  public readonly artifactStore: ObjectStore;
  /** Namespace MLflow runs in. */
  public readonly namespace: pulumi.Output<string>;
  /** Name of the ServiceAccount MLflow runs as (bound to the cloud identity). */
  public readonly serviceAccountName: pulumi.Output<string>;
  /** Cloud principal of that ServiceAccount (IAM role ARN, GCP service account e-mail, or the local Secret). */
  public readonly cloudPrincipal: pulumi.Output<string>;
  /** Database endpoint `host:port` (secret). */
  public readonly databaseEndpoint: pulumi.Output<string>;
  /** Backend store URI with credentials (secret). */
  public readonly backendStoreUri: pulumi.Output<string>;
  /** Admin user name when auth is on, else undefined. */
  public readonly adminUsername: pulumi.Output<string | undefined>;
  /** Admin password when auth is on (secret), else undefined. */
  public readonly adminPassword: pulumi.Output<string | undefined>;

  constructor(name: string, args: ModelRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super(MODEL_REGISTRY_TYPE, name, opts);
    const a = resolvedOrThrow(resolveModelRegistryArgs(args), this, MODEL_REGISTRY_TYPE);

    const cluster = args.cluster;
    // Every cloud resource and Kubernetes object carries the governance tags, `environment` included.
    const ctx = this.context(a);
    const { tags } = ctx;
    const provider = cluster.provider;
    const namespaceName = a.namespace;
    const labels = { ...governanceLabels(tags), ...standardLabels("mlflow", name, "model-registry") };

    // A RestrictedNamespace: Pod Security "restricted" and a default-deny NetworkPolicy; every
    // workload in it then admits exactly what it needs with its own NetworkPolicy, DNS included
    // (so no namespace-wide DNS policy). Its objects were created directly under the registry
    // before the RestrictedNamespace existed; the aliases keep the deployed objects.
    const dependsOn: pulumi.Resource[] = [];
    let namespace: pulumi.Output<string> = pulumi.output(namespaceName);
    if (a.createNamespace) {
      const ns = new RestrictedNamespace(
        `${name}-namespace`,
        { namespace: namespaceName, labels, dnsEgress: false },
        ctx.opts({
          provider,
          transformations: [movedFrom(this, { [`${name}-namespace-default-deny`]: `${name}-default-deny` })],
        }),
      );
      namespace = ns.namespaceName;
      dependsOn.push(ns.namespace, ns.defaultDeny);
    }

    const adapter = clusterAdapter(cluster, ctx, namespace, dependsOn, args.local);

    // The Ingress's class settings first: a class the target cannot serve fails before any
    // backing service is registered.
    const ingress = a.ingress
      ? httpsIngressSettings(
          a.ingress,
          adapter,
          {
            serviceName: dnsLabel([name]),
            port: MLFLOW_PORT,
            healthCheckPath: "/health",
            requestTimeoutSeconds: ARTIFACT_REQUEST_TIMEOUT_SECONDS,
            idleTimeoutSeconds: ARTIFACT_IDLE_TIMEOUT_SECONDS,
            labels,
          },
          this,
          MODEL_REGISTRY_TYPE,
        )
      : undefined;

    // Backing services, all behind the adapter seam.
    const key = adapter.encryptionKey("data");
    const bucket: ObjectStore = adapter.objectStore("artifacts", { key, ...a.bucket });
    const dbPassword = new random.RandomPassword(
      `${name}-db-password`,
      // Letters and digits only: the password goes into a connection URI unescaped.
      { length: 32, special: false },
      ctx.opts({ additionalSecretOutputs: ["result"] }),
    );
    const database: PostgresDatabase = adapter.postgres("db", {
      databaseName: "mlflow",
      username: "mlflow",
      password: pulumi.secret(dbPassword.result),
      ...a.database,
      key,
    });
    const serviceAccountName = dnsLabel([name]);
    const identity: WorkloadIdentity = adapter.workloadIdentity("server", {
      serviceAccountName,
      grants: [{ resource: bucket, access: Access.readWrite }],
      labels,
    });

    const backendStoreUri = pulumi.secret(
      pulumi
        .all([database.username, dbPassword.result, database.host, database.port, database.databaseName])
        .apply(([username, password, host, port, databaseName]) =>
          renderBackendStoreUri({ username, password, host, port, databaseName, sslMode: database.sslMode }),
        ),
    );
    const artifactLocation = pulumi.interpolate`${bucket.uri}/mlflow-artifacts`;

    // MLflow's own monitor, when the cluster is scraped by a backend that can express it.
    const monitoring = cluster.monitoring;
    const scrapeTarget = mlflowScrapeTarget(name, namespaceName, a.auth !== undefined);
    const scraperRule = isScraped(monitoring, scrapeTarget)
      ? scraperIngressRule(monitoring, [MLFLOW_PORT])
      : undefined;

    const settings: MlflowSettings = {
      name,
      namespace,
      labels,
      image: a.image,
      replicas: a.replicas,
      workers: a.workers,
      podDisruptionBudget: a.podDisruptionBudget,
      spreadAcrossZones: a.spreadAcrossZones,
      resources: a.resources,
      backendStoreUri,
      artifactsDestination: artifactLocation,
      identity,
      env: [...bucket.clientEnv, ...identity.env],
      egress: [...database.egress, ...bucket.egress, ...identity.egress],
      clientNamespaceLabels: a.clientNamespaceLabels,
      migrationEgress: database.egress,
      ingress,
      auth: a.auth,
      scrape: scraperRule ? { ingress: scraperRule, credentials: a.auth !== undefined } : undefined,
      dependsOn: [...dependsOn, database.resource, bucket.resource, identity.serviceAccount],
    };
    const workload = mlflowWorkload(this, provider, settings);
    // After the server (its pods and Service) and the Secret its credentials are read from.
    createScrapeTarget(
      { ctx, provider, monitoring, dependsOn: [workload.server, workload.secret] },
      "monitor",
      scrapeTarget,
    );

    this.namespace = namespace;
    this.trackingUri = pulumi.interpolate`http://${workload.serviceName}.${namespace}.svc.cluster.local:${MLFLOW_PORT}`;
    this.externalUrl = pulumi.output(settings.ingress ? `https://${settings.ingress.host}` : undefined);
    this.artifactLocation = artifactLocation;
    this.bucketName = bucket.bucketName;
    this.artifactStore = bucket;
    this.serviceAccountName = identity.serviceAccountName;
    this.cloudPrincipal = identity.principal;
    this.databaseEndpoint = pulumi.secret(pulumi.interpolate`${database.host}:${database.port}`);
    this.backendStoreUri = backendStoreUri;
    this.adminUsername = pulumi.output(settings.auth?.adminUsername);
    this.adminPassword = workload.adminPassword
      ? pulumi.secret(workload.adminPassword)
      : pulumi.output<string | undefined>(undefined);

    this.registerOutputs({
      trackingUri: this.trackingUri,
      externalUrl: this.externalUrl,
      artifactLocation: this.artifactLocation,
      bucketName: this.bucketName,
      namespace: this.namespace,
      serviceAccountName: this.serviceAccountName,
      cloudPrincipal: this.cloudPrincipal,
      databaseEndpoint: this.databaseEndpoint,
      backendStoreUri: this.backendStoreUri,
      adminUsername: this.adminUsername,
      adminPassword: this.adminPassword,
    });
  }
}

export { MLFLOW_PORT };
