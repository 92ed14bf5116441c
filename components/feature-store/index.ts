/**
 * `mlops:index:FeatureStore`: Feast on Kubernetes through the pinned Feast operator, one
 * `feast.dev/v1` `FeatureStore` per project, with its stores behind the adapter seam:
 * - online store: the target's key-value store (ElastiCache / Memorystore / in-cluster Valkey),
 *   Feast `redis` type, its connection in a Secret; or (`onlineStore.type`) DynamoDB (aws) /
 *   Bigtable (gcp) on the adapter's `tableStore`: the tables Feast uses are pre-created from
 *   `onlineStore.tables` (encrypted with the component's key) and the Secret says where they are;
 *   Feast's identity reads and writes their items / rows but cannot create tables, so Feast never
 *   creates one with the provider's default encryption;
 * - offline store: Parquet on the target's object store, read with DuckDB (on MinIO through the
 *   endpoint settings `offlineStoreEnv` renders; on S3 and GCS Feast 0.66's DuckDB store cannot
 *   read the bucket with the pods' identity: a warning says so, see `parquetOfflineStoreLimit`);
 *   or the target's warehouse (Redshift Serverless / BigQuery,
 *   `offlineStore.type`), its Feast section in a Secret, staging through the offline bucket's
 *   `staging/` prefix (the bucket is kept with every type: staging area and a landing zone for
 *   producers);
 * - registry: Feast's SQL registry on the target's PostgreSQL (own database and user);
 * - materialisation: the CR's `cronJob` (incremental, `Forbid`, bounded by a deadline);
 * - identity: the ServiceAccount the operator runs the Feast pods as (`feast-<cr name>`) is
 *   created first by the adapter's workload identity, bound to the cloud identity. The operator
 *   adopts an existing ServiceAccount of that name: its CreateOrUpdate sets only the labels and
 *   its controller reference and keeps the annotations (IRSA / Workload Identity) (feast v0.66.0
 *   operator services.go `setServiceAccount`). One identity serves the servers and
 *   materialisation: the operator's CronJob runs as the same ServiceAccount and `kubectl exec`s
 *   `feast apply` and `feast materialize-incremental` inside the server Deployment's pod
 *   (cronjob.go `getCronJobContainer`), so no second identity can separate them. It holds what
 *   materialisation needs and no more: read on the offline bucket with Parquet (materialisation
 *   and historical retrieval only read it; producers write it with their own identity, granted
 *   `readWrite` on `offlineStore`), read/write on it with a warehouse (Feast uploads entity
 *   dataframes to the staging prefix) and on the warehouse (aws: the Redshift Data API and
 *   GetCredentials on the workgroup; gcp: dataEditor on the dataset, jobUser on the project), and
 *   read/write on the online store (its tables, with a table online store).
 *
 * Known gap (v0.66.0): the operator sets the pod's `securityContext` from the CR but no container
 * `securityContext` on the server containers (only on the CronJob's), so Pod Security
 * "restricted" (`allowPrivilegeEscalation: false`, `capabilities.drop: [ALL]` per container)
 * rejects the server pods in this restricted namespace until upstream sets them.
 *
 * Children (component `n`): `n-namespace` (RestrictedNamespace), `n-operator` (the operator's
 * manifest, yaml.v2 ConfigFile), the adapter's `n-data-key`, `n-offline-*` (the bucket; with a
 * warehouse also `n-offline-redshift-*` or `n-offline-dataset`, and the Secret
 * `n-offline-store`), `n-registry-*`, `n-online-*` (key-value store, or the table store's tables /
 * instance), `n-server-*`, `n-registry-password`, the Secrets `n-online-store` and
 * `n-registry`, `n-oidc` (authz "oidc"), `n-online-store-ca` (a store with a private CA), the CR
 * `n-feature-store`, the NetworkPolicy `n-network-policy` and, on a GMP-scraped cluster, the
 * monitor `n-monitor` (the operator creates its own ServiceMonitor for prometheus-operator).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  Access,
  type Grant,
  type KeyValueStore,
  type ObjectStore,
  type TableStore,
  type Warehouse,
} from "../adapters";
import { clusterAdapter } from "../training-cluster";
import { physicalNameBase } from "../shared/names";
import { MlopsComponent } from "../shared/component";
import { resolvedOrThrow } from "../shared/contract";
import { dnsEgressRule, governanceLabels, standardLabels, uniqueRules } from "../shared/k8s";
import { MonitorKind, ScrapeBackend } from "../shared/monitors";
import { RestrictedNamespace } from "../shared/restricted-namespace";
import { createServingCertificate } from "../shared/certificates";
import { createScrapeTarget, scraperIngressRule, type WorkloadScrapeTarget } from "../shared/scrape-target";
import {
  OnlineStoreType,
  OfflineStoreType,
  resolveFeatureStoreArgs,
  type FeatureStoreArgs,
  type ResolvedFeatureStoreArgs,
} from "./args";
import {
  featureStoreManifest,
  FEATURE_STORE_API_VERSION,
  offlineStoreSecretKey,
  OIDC_SECRET_KEY,
  onlineStoreSecretKey,
  REGISTRY_SECRET_KEY,
} from "./manifest";
import {
  OFFLINE_STAGING_PREFIX,
  offlineDataUri,
  offlineStoreEnv,
  parquetOfflineStoreLimit,
  redisOnlineStoreYaml,
  REDIS_CA_FILE,
  REDIS_CA_MOUNT_PATH,
  sqlRegistryUrl,
  sqlRegistryYaml,
  warehouseOfflineStoreYaml,
} from "./store-config";
import {
  bigtableOnlineStoreYaml,
  dynamoDbOnlineStoreYaml,
  FEAST_BIGTABLE_COLUMN_FAMILY,
  FEAST_BIGTABLE_MAX_VERSIONS,
  FEAST_DYNAMODB_PARTITION_KEY,
  onlineTableNames,
} from "./online-stores";
import {
  FEAST_CLIENT_CA_PATH,
  feastClientConfigYaml,
  FeastClientTls,
  type FeatureStoreClient,
} from "./client-config";

export * from "./args";
export * from "./client-config";
export {
  bigtableOnlineStoreYaml,
  bigtableTableName,
  dynamoDbOnlineStoreYaml,
  dynamoDbTableName,
  dynamoDbTableNameTemplate,
  FEAST_BIGTABLE_COLUMN_FAMILY,
  FEAST_BIGTABLE_MAX_VERSIONS,
  FEAST_DUMMY_ENTITY,
  FEAST_DYNAMODB_PARTITION_KEY,
  FEAST_ONLINE_STORE_TYPE,
  onlineTableNames,
} from "./online-stores";
export { featureStoreManifest, FEATURE_STORE_API_VERSION } from "./manifest";
export {
  bigQueryOfflineStoreYaml,
  DUCKDB_PATH_STYLE_QUERY,
  OFFLINE_STAGING_PREFIX,
  offlineStoreEnv,
  parquetOfflineStoreLimit,
  redisOnlineStoreYaml,
  redshiftOfflineStoreYaml,
  sqlRegistryUrl,
  sqlRegistryYaml,
  warehouseOfflineStoreYaml,
} from "./store-config";

/**
 * Why the Feast namespace enforces Pod Security "baseline" (auditing and warning at "restricted"):
 * the Feast operator v0.66.0 renders its server containers with a pod-level securityContext only
 * (no per-container `allowPrivilegeEscalation: false` / `capabilities.drop: [ALL]`), the
 * `FeatureStore` CR has no field to add them, and it rewrites the Deployment on every reconcile;
 * "restricted" would reject every Feast pod. The pods still run as non-root with the operator's
 * pod securityContext; the warnings show the gap until upstream sets the container fields.
 */
export const FEAST_POD_SECURITY_EXCEPTION =
  "Feast operator v0.66.0 sets no container-level allowPrivilegeEscalation/capabilities on its server containers and the FeatureStore CR cannot add them";

/** The Feast servers the operator runs a Service for (`feast-<project>-<role>`). */
const FEAST_SERVER_ROLES = ["online", "offline", "registry"] as const;

/** The Pulumi type token of the component. */
export const FEATURE_STORE_TYPE = "mlops:index:FeatureStore";

/**
 * The Feast operator release: v0.66.0 (feast-dev/feast, the newest release when pinned), installed
 * as upstream documents it, from the release's `infra/feast-operator/dist/install.yaml` with
 * server-side apply (the CRD is too large for client-side apply's last-applied annotation).
 */
export const FEAST_OPERATOR_VERSION = "v0.66.0";
/** The pinned operator manifest. */
export const FEAST_OPERATOR_MANIFEST_URL = `https://raw.githubusercontent.com/feast-dev/feast/${FEAST_OPERATOR_VERSION}/infra/feast-operator/dist/install.yaml`;

/**
 * Container ports of the Feast servers (operator `services` defaults): online 6566, offline 8815,
 * registry gRPC 6570 and REST 6572; with TLS 6567, 8816, 6571 and 6573. Metrics on 8000.
 */
export const FEAST_SERVER_PORTS = [6566, 6567, 8815, 8816, 6570, 6571, 6572, 6573];
export const FEAST_METRICS_PORT = 8000;

/**
 * HTTPS and the API server's ports, to any address: the API server's address is not known here
 * (443 on EKS/GKE, 6443 on kind/k3d), and `git clone` of the feature repository on init needs
 * HTTPS to the git host.
 */
const API_SERVER_PORTS = [
  { protocol: "TCP", port: 443 },
  { protocol: "TCP", port: 6443 },
];

/** The operator's pod label naming the FeatureStore a pod belongs to. */
const FEAST_NAME_LABEL = "feast.dev/name";

/** Where a client reaches the online store (`FeatureStore.onlineStore`). */
export interface FeatureStoreOnlineEndpoint {
  /** Host name (the in-cluster service, or the cloud service's regional endpoint). */
  host: string;
  /** TCP port. */
  port: number;
  /** Whether the connection uses TLS. */
  tls: boolean;
}

/** Where the online tables are (`FeatureStore.onlineTables`). */
export interface FeatureStoreOnlineTables {
  /** Physical table names; empty with "keyValue". */
  tables: string[];
  /** Region of the tables (dynamodb) or of the instance's clusters (bigtable). */
  region?: string;
  /** Google Cloud project of the Bigtable instance (bigtable). */
  project?: string;
  /** Bigtable instance ID (bigtable). */
  instanceId?: string;
}

/** Feast feature store (see the module comment). */
export class FeatureStore extends MlopsComponent {
  /** In-cluster URL of the online feature server (`http(s)://feast-<name>-online.<ns>.svc.cluster.local`). */
  public readonly featureServerUrl: pulumi.Output<string>;
  /** The SQL registry's connection URL with credentials (secret). */
  public readonly registryConnection: pulumi.Output<string>;
  /**
   * Online store endpoint as plain data for consumers: `{ host, port, tls }`. For "dynamodb" and
   * "bigtable" the service's regional HTTPS endpoint (`dynamodb.<region>.amazonaws.com`,
   * `bigtable.googleapis.com`), port 443, TLS.
   */
  public readonly onlineStore: pulumi.Output<FeatureStoreOnlineEndpoint>;
  /** Which online store runs (`onlineStore.type`). */
  public readonly onlineStoreType: OnlineStoreType;
  /**
   * The online store's tables as a grantable reference (give it `Access.read` to a consumer that
   * reads features directly); undefined with "keyValue".
   */
  public readonly onlineTableStore: TableStore | undefined;
  /**
   * Where the online tables are: their physical names, the region, and (bigtable) the project and
   * instance ID; `{ tables: [] }` with "keyValue".
   */
  public readonly onlineTables: pulumi.Output<FeatureStoreOnlineTables>;
  /** Offline store: the bucket as a grantable reference (give it `Access.read` to a consumer). */
  public readonly offlineStore: ObjectStore;
  /**
   * The warehouse of a "redshift" or "bigquery" offline store as a grantable reference (give it
   * `Access.read` to a consumer): `engine`, `database` (Redshift database / BigQuery dataset id),
   * `workgroup` (redshift), `project` (bigquery), `location`; undefined with "parquet".
   */
  public readonly offlineWarehouse: Warehouse | undefined;
  /** URI of the offline data root (`<bucket uri>/offline`). */
  public readonly offlineDataUri: pulumi.Output<string>;
  /** Labels a namespace needs for its pods to call the Feast servers. */
  public readonly clientNamespaceLabels: Record<string, string>;
  /** Namespace Feast runs in. */
  public readonly namespace: pulumi.Output<string>;
  /**
   * The `feature_store.yaml` of an in-cluster client: Feast's remote registry, offline and online
   * stores on the servers' Services (no database password, no bucket or warehouse grant needed);
   * with TLS its `cert` fields name `/etc/feast-ca/ca.crt` (the cluster CA). See client-config.ts.
   */
  public readonly clientConfig: pulumi.Output<string>;
  /**
   * What an in-cluster client needs (config, namespace, server pods and ports, authz, TLS), e.g.
   * RetrainingLoop `services.featureStore`.
   */
  public readonly client: FeatureStoreClient;

  constructor(name: string, args: FeatureStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super(FEATURE_STORE_TYPE, name, opts);
    const resolved: ResolvedFeatureStoreArgs = resolvedOrThrow(
      resolveFeatureStoreArgs(args),
      this,
      FEATURE_STORE_TYPE,
    );
    const cluster = args.cluster;
    const ctx = this.context(resolved);
    const { tags } = ctx;
    const provider = cluster.provider;
    const labels = { ...governanceLabels(tags), ...standardLabels("feast", name, "feature-store") };
    const crName = resolved.project.toLowerCase().replace(/_/g, "-");

    const ns = new RestrictedNamespace(
      `${name}-namespace`,
      {
        namespace: resolved.namespace,
        labels,
        baselineEnforcementReason: FEAST_POD_SECURITY_EXCEPTION,
      },
      ctx.opts({ provider }),
    );
    const namespace = ns.namespaceName;
    const nsReady = [ns.namespace, ns.defaultDeny];

    // TLS on every Feast server: the given Secret, else a certificate from the cluster's issuer
    // (cert-manager's in-cluster CA) naming every server Service; off only without either.
    const certificate =
      resolved.tlsSecretName === undefined && cluster.certificates !== undefined
        ? createServingCertificate(
            { ctx, provider, certificates: cluster.certificates, dependsOn: nsReady },
            "tls",
            {
              namespace: resolved.namespace,
              secretName: `feast-${crName}-tls`,
              dnsNames: FEAST_SERVER_ROLES.flatMap((role) => {
                const service = `feast-${crName}-${role}`;
                return [
                  `${service}.${resolved.namespace}.svc`,
                  `${service}.${resolved.namespace}.svc.cluster.local`,
                ];
              }),
              labels,
            },
          )
        : undefined;
    const a: ResolvedFeatureStoreArgs = certificate
      ? { ...resolved, tlsSecretName: certificate.secretName }
      : resolved;

    // yaml/v2 ConfigFile reads a remote file and applies each object with the provider's apply
    // mode: server-side apply, the default of pulumi-kubernetes v4 (the cluster providers here set
    // `enableServerSideApply`), which the Feast CRD needs (too large for last-applied-configuration).
    // https://www.pulumi.com/registry/packages/kubernetes/api-docs/yaml/v2/configfile/
    // The operator only detects the Prometheus CRDs at start-up: with monitoring on, it comes after them.
    const operator = new k8s.yaml.v2.ConfigFile(
      `${name}-operator`,
      { file: FEAST_OPERATOR_MANIFEST_URL },
      ctx.opts({ provider, dependsOn: cluster.monitoring?.dependsOn ?? [] }),
    );

    // Feast 0.66's DuckDB store cannot read the bucket with the pods' cloud identity (aws, gcp:
    // parquetOfflineStoreLimit, docs/feature-store.md): say so on every deployment that uses it.
    const parquetLimit =
      a.offlineStore.type === OfflineStoreType.parquet ? parquetOfflineStoreLimit(cluster.target) : undefined;
    if (parquetLimit) {
      void pulumi.log.warn(`${name}: ${parquetLimit}`, this);
    }
    const adapter = clusterAdapter(cluster, ctx, namespace, nsReady);
    const key = adapter.encryptionKey("data");
    const bucket = adapter.objectStore("offline", {
      key,
      versioning: a.offlineStore.versioning,
      forceDestroy: a.offlineStore.forceDestroy,
    });
    // A warehouse offline store stages through the bucket's `staging/` prefix.
    const warehouse =
      a.offlineStore.type === OfflineStoreType.parquet
        ? undefined
        : adapter.warehouse("offline", {
            size: a.offlineStore.size,
            key,
            staging: bucket,
            stagingPrefix: OFFLINE_STAGING_PREFIX,
            forceDestroy: a.offlineStore.forceDestroy,
          });
    const podLabels = { [FEAST_NAME_LABEL]: crName };
    // The online store: the key-value capability, or pre-created tables (dynamodb / bigtable)
    // whose names Feast computes from the project (online-stores.ts).
    const onlineSettings = {
      size: a.onlineStore.size,
      highAvailability: a.onlineStore.highAvailability,
      backupRetentionDays: a.onlineStore.backupRetentionDays,
      deletionProtection: a.onlineStore.deletionProtection,
      key,
    };
    const tablePrefix = physicalNameBase(name);
    const online: KeyValueStore | undefined =
      a.onlineStore.type === OnlineStoreType.keyValue
        ? adapter.keyValueStore("online", { ...onlineSettings, clientPodLabels: podLabels })
        : undefined;
    const tableStore: TableStore | undefined =
      a.onlineStore.type === OnlineStoreType.keyValue
        ? undefined
        : adapter.tableStore("online", {
            ...onlineSettings,
            tables: onlineTableNames({
              type: a.onlineStore.type,
              project: a.project,
              tables: a.onlineStore.tables,
              prefix: tablePrefix,
            }),
            partitionKey: FEAST_DYNAMODB_PARTITION_KEY,
            columnFamily: FEAST_BIGTABLE_COLUMN_FAMILY,
            maxVersions: FEAST_BIGTABLE_MAX_VERSIONS,
          });
    // Letters and digits only, at least one letter: the password goes into a URL and into Feast's
    // `,`-split, JSON-decoded connection parameters.
    const registryPassword = new random.RandomPassword(
      `${name}-registry-password`,
      { length: 32, special: false, minLower: 4, minUpper: 4 },
      ctx.opts({ additionalSecretOutputs: ["result"] }),
    );
    const database = adapter.postgres("registry", {
      databaseName: "feast_registry",
      username: "feast",
      password: pulumi.secret(registryPassword.result),
      ...a.registry,
      key,
    });
    // The operator runs every Feast pod as `feast-<cr name>`; the adapter creates it bound to the cloud identity.
    // Materialisation runs in the server pod (the CronJob execs there), so this one identity
    // writes the online tables too.
    const tableGrants: Grant[] = tableStore ? [{ resource: tableStore, access: Access.readWrite }] : [];
    const identity = adapter.workloadIdentity("server", {
      serviceAccountName: `feast-${crName}`,
      // Read only on the bucket with Parquet; with a warehouse Feast uploads entity dataframes to
      // and reads results from the bucket's staging prefix, and queries the warehouse; read/write
      // on a table online store. See the module comment (one identity for servers and
      // materialisation).
      grants: [
        { resource: bucket, access: warehouse ? Access.readWrite : Access.read },
        ...(warehouse ? [{ resource: warehouse, access: Access.readWrite }] : []),
        ...tableGrants,
      ],
      labels,
    });

    // The online store section: Redis credentials (a secret), or where the tables are.
    const onlineYaml: pulumi.Output<string> = online
      ? pulumi.secret(
          pulumi.all([online.host, online.port, online.password]).apply(([host, port, password]) =>
            redisOnlineStoreYaml({
              host,
              port,
              password,
              tls: online.tls,
              ...(online.caCertificates ? { caCertsPath: `${REDIS_CA_MOUNT_PATH}/${REDIS_CA_FILE}` } : {}),
            }),
          ),
        )
      : a.onlineStore.type === OnlineStoreType.dynamodb
        ? tableStore!.region.apply((region) => dynamoDbOnlineStoreYaml({ region, prefix: tablePrefix }))
        : pulumi
            .all([tableStore!.project, tableStore!.instanceId])
            .apply(([project, instanceId]) =>
              bigtableOnlineStoreYaml({ project: project ?? "", instanceId: instanceId ?? "" }),
            );
    const onlineSecret = new k8s.core.v1.Secret(
      `${name}-online-store`,
      {
        metadata: { name: `${crName}-online-store`, namespace, labels },
        type: "Opaque",
        stringData: { [onlineStoreSecretKey(a.onlineStore.type)]: onlineYaml },
      },
      ctx.opts({ provider, dependsOn: nsReady }),
    );
    const registryInput = pulumi
      .all([database.host, database.port, database.databaseName, database.username, registryPassword.result])
      .apply(([host, port, databaseName, username, password]) => ({
        host,
        port,
        databaseName,
        username,
        password,
        sslMode: database.sslMode,
      }));
    const registryConnection = pulumi.secret(registryInput.apply(sqlRegistryUrl));
    const registryYaml = pulumi.secret(registryInput.apply(sqlRegistryYaml));
    const registrySecret = new k8s.core.v1.Secret(
      `${name}-registry`,
      {
        metadata: { name: `${crName}-registry`, namespace, labels },
        type: "Opaque",
        stringData: { [REGISTRY_SECRET_KEY]: registryYaml },
      },
      ctx.opts({ provider, dependsOn: nsReady }),
    );
    const extraDeps: pulumi.Resource[] = [];
    let offlineStoreRef: { type: Warehouse["engine"]; secret: string } | undefined;
    if (warehouse) {
      offlineStoreRef = { type: warehouse.engine, secret: `${crName}-offline-store` };
      const offlineYaml = pulumi
        .all([
          warehouse.location,
          warehouse.database,
          warehouse.stagingUri,
          warehouse.workgroup,
          warehouse.iamRoleArn,
          warehouse.project,
        ])
        .apply(([location, database, stagingUri, workgroup, iamRoleArn, project]) =>
          warehouseOfflineStoreYaml({
            engine: warehouse.engine,
            location,
            database,
            stagingUri,
            ...(workgroup !== undefined ? { workgroup } : {}),
            ...(iamRoleArn !== undefined ? { iamRoleArn } : {}),
            ...(project !== undefined ? { project } : {}),
          }),
        );
      // No credentials in it (the Feast identity's IAM does the rest), but the CR reads it from a Secret.
      extraDeps.push(
        new k8s.core.v1.Secret(
          `${name}-offline-store`,
          {
            metadata: { name: offlineStoreRef.secret, namespace, labels },
            type: "Opaque",
            stringData: { [offlineStoreSecretKey(warehouse.engine)]: offlineYaml },
          },
          ctx.opts({ provider, dependsOn: nsReady }),
        ),
      );
    }
    let oidcSecret: string | undefined;
    if (a.authz.type === "oidc") {
      oidcSecret = `${crName}-oidc`;
      extraDeps.push(
        new k8s.core.v1.Secret(
          `${name}-oidc`,
          {
            metadata: { name: oidcSecret, namespace, labels },
            type: "Opaque",
            // The operator reads the key named by `authz.oidc.secretKeyName` as YAML and passes its
            // optional `audience` to the servers' OIDC config; the discovery URL comes from the CR's
            // `issuerUrl` (feast v0.66.0 operator internal/controller/services/repo_config.go).
            stringData: { [OIDC_SECRET_KEY]: `audience: ${JSON.stringify(a.authz.audience)}\n` },
          },
          ctx.opts({ provider, dependsOn: nsReady }),
        ),
      );
    }
    let caConfigMap: string | undefined;
    if (online?.caCertificates) {
      caConfigMap = `${crName}-online-store-ca`;
      extraDeps.push(
        new k8s.core.v1.ConfigMap(
          `${name}-online-store-ca`,
          {
            metadata: { name: caConfigMap, namespace, labels },
            data: { [REDIS_CA_FILE]: online.caCertificates },
          },
          ctx.opts({ provider, dependsOn: nsReady }),
        ),
      );
    }

    const s3Endpoint = bucket.clientEnv.find((e) => e.name === "MLFLOW_S3_ENDPOINT_URL")?.value;
    const env = pulumi
      .all([bucket.uri, pulumi.output(s3Endpoint)])
      .apply(([uri, endpoint]) =>
        offlineStoreEnv({ uri, ...(typeof endpoint === "string" ? { s3Endpoint: endpoint } : {}) }),
      );
    const identityEnv = pulumi.output(identity.env);
    const manifest = pulumi.all([namespace, env, identityEnv]).apply(([nsName, offlineEnv, credEnv]) =>
      featureStoreManifest(a, {
        name: crName,
        namespace: nsName,
        labels,
        onlineStoreSecret: `${crName}-online-store`,
        registrySecret: `${crName}-registry`,
        ...(offlineStoreRef ? { offlineStore: offlineStoreRef } : {}),
        ...(oidcSecret ? { oidcSecret } : {}),
        ...(caConfigMap ? { onlineStoreCaConfigMap: caConfigMap } : {}),
        env: [...offlineEnv, ...(credEnv as FeatureStoreEnv)],
      }),
    );
    const cr = new k8s.apiextensions.CustomResource(
      `${name}-feature-store`,
      {
        apiVersion: FEATURE_STORE_API_VERSION,
        kind: "FeatureStore",
        metadata: { name: crName, namespace, labels },
        spec: manifest.apply((m) => m["spec"]),
      },
      ctx.opts({
        provider,
        dependsOn: [
          operator,
          ...nsReady,
          onlineSecret,
          registrySecret,
          ...extraDeps,
          identity.serviceAccount,
          ...identity.ready,
          database.resource,
          ...(online ? [online.resource] : (tableStore?.resources ?? [])),
          bucket.resource,
          ...(certificate ? [certificate.certificate] : []),
        ],
      }),
    );

    // The Feast pods: ingress from client namespaces and their own namespace on the server ports,
    // egress to the stores, the credential exchange, the API server (the materialisation job
    // execs into the server pod; Kubernetes authz reviews tokens) and HTTPS (git clone on init).
    const monitoring = cluster.monitoring;
    // With the prometheus-operator backend the Feast operator creates the online server's
    // ServiceMonitor itself (port "metrics", /metrics) when it found the CRD at start-up (v0.66.0
    // internal/controller/services/service_monitor.go), hence its order after the CRDs; a second
    // monitor here would scrape every series twice. GMP has no ServiceMonitor: the component
    // creates the PodMonitoring. Either way the scrapers are admitted to the metrics port.
    const scrapeTarget: WorkloadScrapeTarget = {
      backends: [ScrapeBackend.gmp],
      kind: MonitorKind.podMonitor,
      name: `${crName}-feast`,
      namespace: a.namespace,
      selector: podLabels,
      endpoints: [{ port: "metrics" }],
    };
    const scraper = scraperIngressRule(monitoring, [FEAST_METRICS_PORT]);
    const ports = FEAST_SERVER_PORTS.map((port) => ({ protocol: "TCP", port }));
    new k8s.networking.v1.NetworkPolicy(
      `${name}-network-policy`,
      {
        metadata: { name: `feast-${crName}`, namespace, labels },
        spec: {
          podSelector: { matchLabels: podLabels },
          policyTypes: ["Ingress", "Egress"],
          ingress: [
            {
              from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: a.clientNamespaceLabels } }],
              ports,
            },
            ...(scraper ? [scraper] : []),
          ],
          egress: uniqueRules([
            dnsEgressRule(),
            ...(online?.egress ?? tableStore?.egress ?? []),
            ...database.egress,
            ...bucket.egress,
            ...(warehouse?.egress ?? []),
            ...identity.egress,
            {
              ports: [
                { protocol: "TCP", port: 443 },
                { protocol: "TCP", port: 6443 },
              ],
            },
          ]),
        },
      },
      ctx.opts({ provider, dependsOn: nsReady }),
    );
    // The materialisation CronJob's pods carry no label of the operator's (their template's
    // metadata is empty, cronjob.go); Kubernetes labels every Job pod with
    // `batch.kubernetes.io/job-name`. They only `kubectl exec` into the server: DNS and the API
    // server, nothing else, and no ingress.
    new k8s.networking.v1.NetworkPolicy(
      `${name}-materialize-network-policy`,
      {
        metadata: { name: `feast-${crName}-materialize`, namespace, labels },
        spec: {
          podSelector: { matchExpressions: [{ key: "batch.kubernetes.io/job-name", operator: "Exists" }] },
          policyTypes: ["Ingress", "Egress"],
          ingress: [],
          egress: [dnsEgressRule(), { ports: API_SERVER_PORTS }],
        },
      },
      ctx.opts({ provider, dependsOn: nsReady }),
    );
    createScrapeTarget({ ctx, provider, monitoring, dependsOn: [cr] }, "monitor", scrapeTarget);

    const scheme = a.tlsSecretName ? "https" : "http";
    this.namespace = namespace;
    this.featureServerUrl = pulumi.interpolate`${scheme}://feast-${crName}-online.${namespace}.svc.cluster.local`;
    this.registryConnection = registryConnection;
    this.onlineStoreType = a.onlineStore.type;
    this.onlineTableStore = tableStore;
    this.onlineStore = online
      ? pulumi.all([online.host, online.port]).apply(([host, port]) => ({ host, port, tls: online.tls }))
      : tableStore!.region.apply((region) => ({
          host:
            a.onlineStore.type === OnlineStoreType.dynamodb
              ? `dynamodb.${region}.amazonaws.com`
              : "bigtable.googleapis.com",
          port: 443,
          tls: true,
        }));
    this.onlineTables = tableStore
      ? pulumi
          .all([tableStore.region, tableStore.project, tableStore.instanceId])
          .apply(([region, project, instanceId]) => ({
            tables: tableStore.tableNames,
            region,
            ...(project !== undefined ? { project } : {}),
            ...(instanceId !== undefined ? { instanceId } : {}),
          }))
      : pulumi.output({ tables: [] as string[] });
    this.offlineStore = bucket;
    this.offlineWarehouse = warehouse;
    this.offlineDataUri = bucket.uri.apply((uri) => offlineDataUri({ uri }));
    this.clientNamespaceLabels = a.clientNamespaceLabels;
    const serverTls = a.tlsSecretName !== undefined;
    this.clientConfig = namespace.apply((nsName) =>
      feastClientConfigYaml({
        project: a.project,
        name: crName,
        namespace: nsName,
        tls: serverTls,
        ...(serverTls ? { caPath: FEAST_CLIENT_CA_PATH } : {}),
        authz: a.authz.type,
      }),
    );
    this.client = {
      config: this.clientConfig,
      namespace,
      serverPodLabels: podLabels,
      // The servers' container ports a client reaches: online, offline (Arrow Flight), registry gRPC.
      serverPorts: serverTls ? [6567, 8816, 6571] : [6566, 8815, 6570],
      authz: a.authz.type,
      roles: a.authz.type === "kubernetes" ? [...a.authz.roles] : [],
      tls: !serverTls
        ? FeastClientTls.none
        : certificate
          ? FeastClientTls.clusterIssuer
          : FeastClientTls.custom,
    };
    this.registerOutputs({
      featureServerUrl: this.featureServerUrl,
      registryConnection: this.registryConnection,
      onlineStore: this.onlineStore,
      onlineStoreType: this.onlineStoreType,
      onlineTables: this.onlineTables,
      offlineDataUri: this.offlineDataUri,
      offlineWarehouse: warehouse
        ? pulumi
            .all([warehouse.database, warehouse.location, warehouse.workgroup, warehouse.project])
            .apply(([database, location, workgroup, project]) => ({
              engine: warehouse.engine,
              database,
              location,
              ...(workgroup !== undefined ? { workgroup } : {}),
              ...(project !== undefined ? { project } : {}),
            }))
        : undefined,
      clientNamespaceLabels: this.clientNamespaceLabels,
      namespace: this.namespace,
      clientConfig: this.clientConfig,
    });
  }
}

type FeatureStoreEnv = {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } };
}[];
