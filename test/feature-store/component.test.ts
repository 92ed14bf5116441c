import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import {
  FeatureStore,
  FEAST_OPERATOR_MANIFEST_URL,
  type FeatureStoreArgs,
  type Target,
} from "../../components";
import { runPoliciesDetailed } from "../../policies/offline";
import {
  FEAST_POD_SECURITY_EXCEPTION,
  featureStoreManifest,
  parquetOfflineStoreLimit,
  resolveFeatureStoreArgs,
} from "../../components/feature-store";
import {
  descendantsOf,
  findResource,
  inputAt,
  planOf,
  resourcesOfType,
  type Plan,
  type PlanResource,
} from "../helpers";
import { CLUSTER_AWS, CLUSTER_GCP, fakeClusterHandle } from "../training-cluster/fixtures";
import { featureStoreSchemaErrors } from "./schema";

const aws = CLUSTER_AWS;
const gcp = CLUSTER_GCP;
const repository = { git: { url: "https://github.com/acme/features.git", ref: "v1.2.0" } };

type Overrides = Partial<Omit<FeatureStoreArgs, "cluster">> & {
  target?: Target;
  monitoring?: boolean;
  backend?: "prometheusOperator" | "gmp";
  /** The cluster has cert-manager's in-cluster CA (`ClusterHandle.certificates`). */
  certificates?: boolean;
};

function storeArgs(o: Overrides): FeatureStoreArgs {
  const { target = "local", monitoring, backend = "prometheusOperator", certificates, ...rest } = o;
  const handle = fakeClusterHandle({
    target,
    ...(target === "aws" ? { aws } : {}),
    ...(target === "gcp" ? { gcp } : {}),
    ...(monitoring
      ? {
          monitoring: {
            backend,
            // A stand-in for the cluster's prometheus-operator CRD release.
            dependsOn: [new k8s.core.v1.ConfigMap("prometheus-crds", { metadata: { name: "crds" } })],
          },
        }
      : {}),
  });
  const cluster = certificates
    ? {
        ...handle,
        certificates: {
          issuerName: "mlops-internal-ca",
          issuerKind: "ClusterIssuer" as const,
          dependsOn: [],
        },
      }
    : handle;
  return {
    project: "fraud_detection",
    repository,
    tags: { owner: "ml-platform", "cost-center": "cc-1", "data-classification": "internal" },
    ...rest,
    cluster,
  };
}

function storePlan(o: Overrides): Promise<Plan> {
  return planOf(
    () => {
      new FeatureStore("fs", storeArgs(o));
    },
    { config: { "aws:region": "us-east-1", "gcp:project": "acme-ml", "gcp:region": "europe-west4" } },
  );
}

async function failure(o: Overrides): Promise<string> {
  try {
    await storePlan(o);
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

const CR = "kubernetes:feast.dev/v1:FeatureStore";

/** The Feast servers' environment per target: the offline data root, MinIO's endpoint, credentials. */
const SERVER_ENV: Record<"local" | "aws" | "gcp", unknown[]> = {
  local: [
    { name: "FEAST_OFFLINE_DATA_URI", value: "s3://fs-offline/offline" },
    { name: "FEAST_S3_ENDPOINT_URL", value: "http://fs-offline-minio.feast.svc.cluster.local:9000" },
    { name: "AWS_ENDPOINT_URL_S3", value: "http://fs-offline-minio.feast.svc.cluster.local:9000" },
    // DuckDB's httpfs: MinIO's host and port, plain HTTP; sources end their paths with the query.
    { name: "DUCKDB_S3_ENDPOINT", value: "fs-offline-minio.feast.svc.cluster.local:9000" },
    { name: "DUCKDB_S3_USE_SSL", value: "false" },
    { name: "FEAST_OFFLINE_PATH_QUERY", value: "?s3_url_style=path" },
    {
      name: "AWS_ACCESS_KEY_ID",
      valueFrom: { secretKeyRef: { key: "MINIO_ROOT_USER", name: "fs-server-minio-reader" } },
    },
    {
      name: "AWS_SECRET_ACCESS_KEY",
      valueFrom: { secretKeyRef: { key: "MINIO_ROOT_PASSWORD", name: "fs-server-minio-reader" } },
    },
  ],
  aws: [
    { name: "FEAST_OFFLINE_DATA_URI", value: "s3://fs-offline-bucket/offline" },
    { name: "AWS_REGION", value: "us-east-1" },
  ],
  gcp: [
    { name: "FEAST_OFFLINE_DATA_URI", value: "gs://fs-offline-bucket/offline" },
    { name: "GOOGLE_CLOUD_PROJECT", value: "acme-ml" },
  ],
};

/** The online store handle per target (plan mocks' endpoints). */
const ONLINE_STORE: Record<"local" | "aws" | "gcp", unknown> = {
  local: { host: "fs-online-valkey.feast.svc.cluster.local", port: 6379, tls: false },
  aws: { host: "master.fs-online-valkey.9b123c.us-east-1.cache.amazonaws.com", port: 6379, tls: true },
  gcp: { host: "10.100.0.4", port: 6378, tls: true },
};

/** Every resource under the component, per target (dev, no monitoring), as `type name`. */
const CHILDREN: Record<"local" | "aws" | "gcp", string[]> = {
  local: [
    "kubernetes:apps/v1:Deployment fs-offline-minio",
    "kubernetes:apps/v1:StatefulSet fs-online-valkey",
    "kubernetes:apps/v1:StatefulSet fs-registry-postgres",
    "kubernetes:batch/v1:Job fs-offline-minio-mb",
    "kubernetes:batch/v1:Job fs-server-minio-reader",
    "kubernetes:core/v1:ConfigMap fs-server-minio-reader",
    "kubernetes:core/v1:Namespace fs-namespace",
    "kubernetes:core/v1:PersistentVolumeClaim fs-offline-minio-data",
    "kubernetes:core/v1:Secret fs-offline-minio-credentials",
    "kubernetes:core/v1:Secret fs-online-store",
    "kubernetes:core/v1:Secret fs-online-valkey-auth",
    "kubernetes:core/v1:Secret fs-registry",
    "kubernetes:core/v1:Secret fs-registry-postgres-credentials",
    "kubernetes:core/v1:Secret fs-server-minio-reader",
    "kubernetes:core/v1:Service fs-offline-minio",
    "kubernetes:core/v1:Service fs-online-valkey",
    "kubernetes:core/v1:Service fs-online-valkey-hl",
    "kubernetes:core/v1:Service fs-registry-postgres",
    "kubernetes:core/v1:Service fs-registry-postgres-hl",
    "kubernetes:core/v1:ServiceAccount fs-offline-minio",
    "kubernetes:core/v1:ServiceAccount fs-offline-minio-mb",
    "kubernetes:core/v1:ServiceAccount fs-online-valkey",
    "kubernetes:core/v1:ServiceAccount fs-registry-postgres",
    "kubernetes:core/v1:ServiceAccount fs-server-sa",
    "kubernetes:feast.dev/v1:FeatureStore fs-feature-store",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy fs-materialize-network-policy",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy fs-namespace-default-deny",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy fs-namespace-dns-egress",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy fs-network-policy",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy fs-offline-minio",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy fs-offline-minio-mb",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy fs-online-valkey",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy fs-registry-postgres",
    "kubernetes:yaml/v2:ConfigFile fs-operator",
    "mlops:index:RestrictedNamespace fs-namespace",
    "random:index/randomPassword:RandomPassword fs-offline-minio-root-password",
    "random:index/randomPassword:RandomPassword fs-offline-minio-root-user",
    "random:index/randomPassword:RandomPassword fs-online-valkey-password",
    "random:index/randomPassword:RandomPassword fs-registry-password",
    "random:index/randomPassword:RandomPassword fs-server-minio-reader-password",
    "random:index/randomPassword:RandomPassword fs-server-minio-reader-user",
  ],
  aws: [
    "aws:ec2/securityGroup:SecurityGroup fs-online-valkey-sg",
    "aws:ec2/securityGroup:SecurityGroup fs-registry-postgres-sg",
    "aws:eks/podIdentityAssociation:PodIdentityAssociation fs-server-pod-identity",
    "aws:elasticache/replicationGroup:ReplicationGroup fs-online-valkey",
    "aws:elasticache/subnetGroup:SubnetGroup fs-online-valkey-subnets",
    "aws:iam/role:Role fs-server-role",
    "aws:iam/rolePolicy:RolePolicy fs-server-role-policy",
    "aws:kms/alias:Alias fs-data-key-alias",
    "aws:kms/key:Key fs-data-key",
    "aws:rds/instance:Instance fs-registry-postgres",
    "aws:rds/parameterGroup:ParameterGroup fs-registry-postgres-params",
    "aws:rds/subnetGroup:SubnetGroup fs-registry-postgres-subnets",
    "aws:s3/bucket:Bucket fs-offline-bucket",
    "aws:s3/bucket:Bucket fs-offline-logs",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration fs-offline-logs-lifecycle",
    "aws:s3/bucketLogging:BucketLogging fs-offline-bucket-logging",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls fs-offline-bucket-ownership",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls fs-offline-logs-ownership",
    "aws:s3/bucketPolicy:BucketPolicy fs-offline-bucket-policy",
    "aws:s3/bucketPolicy:BucketPolicy fs-offline-logs-policy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock fs-offline-bucket-public-access",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock fs-offline-logs-public-access",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration fs-offline-bucket-encryption",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration fs-offline-logs-encryption",
    "aws:s3/bucketVersioning:BucketVersioning fs-offline-bucket-versioning",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule fs-online-valkey-ingress",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule fs-registry-postgres-ingress",
    "kubernetes:core/v1:Namespace fs-namespace",
    "kubernetes:core/v1:Secret fs-online-store",
    "kubernetes:core/v1:Secret fs-registry",
    "kubernetes:core/v1:ServiceAccount fs-server-sa",
    "kubernetes:feast.dev/v1:FeatureStore fs-feature-store",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy fs-materialize-network-policy",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy fs-namespace-default-deny",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy fs-namespace-dns-egress",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy fs-network-policy",
    "kubernetes:yaml/v2:ConfigFile fs-operator",
    "mlops:index:RestrictedNamespace fs-namespace",
    "random:index/randomPassword:RandomPassword fs-online-valkey-auth",
    "random:index/randomPassword:RandomPassword fs-registry-password",
  ],
  gcp: [
    "gcp:compute/globalAddress:GlobalAddress fs-online-psa-range",
    "gcp:kms/cryptoKey:CryptoKey fs-data-key",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember fs-data-gcs-agent-member",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember fs-data-sql-agent-member",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember fs-online-redis-agent-member",
    "gcp:kms/keyRing:KeyRing fs-data-keyring",
    "gcp:projects/serviceIdentity:ServiceIdentity fs-data-sql-agent",
    "gcp:projects/serviceIdentity:ServiceIdentity fs-online-redis-agent",
    "gcp:redis/instance:Instance fs-online-redis",
    "gcp:serviceaccount/account:Account fs-server-gsa",
    "gcp:serviceaccount/iAMMember:IAMMember fs-server-wi-member",
    "gcp:servicenetworking/connection:Connection fs-online-psa-connection",
    "gcp:sql/database:Database fs-registry-database",
    "gcp:sql/databaseInstance:DatabaseInstance fs-registry-instance",
    "gcp:sql/user:User fs-registry-user",
    "gcp:storage/bucket:Bucket fs-offline-bucket",
    "gcp:storage/bucketIAMMember:BucketIAMMember fs-server-offline-bucket-member",
    "kubernetes:core/v1:ConfigMap fs-online-store-ca",
    "kubernetes:core/v1:Namespace fs-namespace",
    "kubernetes:core/v1:Secret fs-online-store",
    "kubernetes:core/v1:Secret fs-registry",
    "kubernetes:core/v1:ServiceAccount fs-server-serviceaccount",
    "kubernetes:feast.dev/v1:FeatureStore fs-feature-store",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy fs-materialize-network-policy",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy fs-namespace-default-deny",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy fs-namespace-dns-egress",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy fs-network-policy",
    "kubernetes:yaml/v2:ConfigFile fs-operator",
    "mlops:index:RestrictedNamespace fs-namespace",
    "random:index/randomPassword:RandomPassword fs-registry-password",
  ],
};

describe("FeatureStore on each target", () => {
  const cases = [
    { target: "local", kv: "kubernetes:apps/v1:StatefulSet", db: "kubernetes:apps/v1:StatefulSet" },
    {
      target: "aws",
      kv: "aws:elasticache/replicationGroup:ReplicationGroup",
      db: "aws:rds/instance:Instance",
    },
    { target: "gcp", kv: "gcp:redis/instance:Instance", db: "gcp:sql/databaseInstance:DatabaseInstance" },
  ] as const;

  for (const c of cases) {
    it(`${c.target}: operator, stores, Secrets and a v1 FeatureStore that passes the upstream schema`, async () => {
      const plan = await storePlan({ target: c.target });
      const component = findResource(plan, "mlops:index:FeatureStore", "fs");
      expect(
        descendantsOf(plan, component.urn)
          .map((r) => `${r.type} ${r.name}`)
          .sort(),
      ).toEqual(CHILDREN[c.target]);
      const operator = findResource(plan, "kubernetes:yaml/v2:ConfigFile", "fs-operator");
      expect(operator.inputs["file"]).toBe(FEAST_OPERATOR_MANIFEST_URL);
      expect(resourcesOfType(plan, c.kv).length).toBeGreaterThan(0);
      expect(resourcesOfType(plan, c.db).length).toBeGreaterThan(0);

      const cr = findResource(plan, CR, "fs-feature-store");
      expect(cr.inputs["apiVersion"]).toBe("feast.dev/v1");
      expect(featureStoreSchemaErrors(cr.inputs)).toEqual([]);
      expect(inputAt(cr, "spec.feastProject")).toBe("fraud_detection");
      expect(inputAt(cr, "metadata.name")).toBe("fraud-detection");
      expect(inputAt(cr, "spec.authz")).toEqual({ kubernetes: { roles: ["feast-reader", "feast-writer"] } });
      expect(inputAt(cr, "spec.services.onlineStore.persistence")).toEqual({
        store: { type: "redis", secretRef: { name: "fraud-detection-online-store" }, secretKeyName: "redis" },
      });
      expect(inputAt(cr, "spec.services.registry.local.persistence")).toEqual({
        store: { type: "sql", secretRef: { name: "fraud-detection-registry" }, secretKeyName: "sql" },
      });
      expect(inputAt(cr, "spec.services.offlineStore.persistence")).toEqual({ file: { type: "duckdb" } });
      // Feast 0.66's DuckDB store cannot read S3 / GCS with the pods' identity: the deployment says
      // so; on local DuckDB reads MinIO with the settings above, and nothing is logged.
      expect(plan.warnings.filter((w) => w.includes('offlineStore.type "parquet"'))).toEqual(
        c.target === "local" ? [] : [`fs: ${parquetOfflineStoreLimit(c.target)}`],
      );
      expect(inputAt(cr, "spec.cronJob.concurrencyPolicy")).toBe("Forbid");
      expect(inputAt(cr, "spec.cronJob.schedule")).toBe("0 * * * *");
      expect(inputAt(cr, "spec.cronJob.jobSpec.activeDeadlineSeconds")).toBe(3000);
      expect(inputAt(cr, "spec.feastProjectDir")).toEqual({
        git: { url: "https://github.com/acme/features.git", ref: "v1.2.0" },
      });

      // The ServiceAccount the operator runs the pods as, created by the workload identity.
      const sa = resourcesOfType(plan, "kubernetes:core/v1:ServiceAccount").find(
        (r) => inputAt(r, "metadata.name") === "feast-fraud-detection",
      );
      expect(sa).toBeDefined();
      // The store configurations hold credentials: Pulumi secrets, never in clear in the plan.
      expect(
        inputAt(findResource(plan, "kubernetes:core/v1:Secret", "fs-online-store"), "stringData"),
      ).toEqual({
        redis: "[secret]",
      });
      expect(inputAt(findResource(plan, "kubernetes:core/v1:Secret", "fs-registry"), "stringData")).toEqual({
        sql: "[secret]",
      });
      expect(component.outputs?.["registryConnection"]).toBe("[secret]");
      expect(inputAt(cr, "spec.services.onlineStore.server.env")).toEqual(SERVER_ENV[c.target]);
      expect(inputAt(cr, "spec.services.registry.local.server.env")).toEqual(SERVER_ENV[c.target]);
      expect(component.outputs?.["onlineStore"]).toEqual(ONLINE_STORE[c.target]);
      expect(component.outputs?.["featureServerUrl"]).toBe(
        "http://feast-fraud-detection-online.feast.svc.cluster.local",
      );
      expect(component.outputs?.["clientNamespaceLabels"]).toEqual({
        "mlops.pulumi.com/feature-store-client": "true",
      });
      const np = findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "fs-network-policy");
      expect(inputAt(np, "spec.podSelector")).toEqual({
        matchLabels: { "feast.dev/name": "fraud-detection" },
      });
      expect(inputAt(np, "spec.ingress[0].from[1]")).toEqual({
        namespaceSelector: { matchLabels: { "mlops.pulumi.com/feature-store-client": "true" } },
      });
      expect(operator.dependencies).toEqual([]);
      const materialize = findResource(
        plan,
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "fs-materialize-network-policy",
      );
      expect(inputAt(materialize, "spec")).toEqual({
        podSelector: { matchExpressions: [{ key: "batch.kubernetes.io/job-name", operator: "Exists" }] },
        policyTypes: ["Ingress", "Egress"],
        ingress: [],
        egress: [
          inputAt(np, "spec.egress[0]"),
          {
            ports: [
              { protocol: "TCP", port: 443 },
              { protocol: "TCP", port: 6443 },
            ],
          },
        ],
      });
      // No monitor with monitoring off.
      expect(resourcesOfType(plan, "kubernetes:monitoring.coreos.com/v1:PodMonitor")).toEqual([]);
    });
  }

  it("the Feast identity (servers and materialisation) only reads the offline bucket", async () => {
    const aws = await storePlan({ target: "aws" });
    const doc = JSON.parse(
      String(findResource(aws, "aws:iam/rolePolicy:RolePolicy", "fs-server-role-policy").inputs["policy"]),
    ) as { Statement: { Sid: string; Action: string[] }[] };
    const actions = doc.Statement.flatMap((st) => st.Action);
    expect(doc.Statement.map((st) => st.Sid)).toContain("ReadObjects");
    expect(actions).toContain("s3:GetObject");
    expect(actions.filter((a) => /Put|Delete|Multipart|GenerateDataKey|Encrypt/.test(a))).toEqual([]);
    const gcp = await storePlan({ target: "gcp" });
    expect(
      findResource(gcp, "gcp:storage/bucketIAMMember:BucketIAMMember", "fs-server-offline-bucket-member")
        .inputs["role"],
    ).toBe("roles/storage.objectViewer");
  });

  it("gcp: the Memorystore CA is mounted from a ConfigMap", async () => {
    const plan = await storePlan({ target: "gcp" });
    const cr = findResource(plan, CR, "fs-feature-store");
    expect(findResource(plan, "kubernetes:core/v1:ConfigMap", "fs-online-store-ca")).toBeDefined();
    expect(inputAt(cr, "spec.services.volumes[0].configMap.name")).toBe("fraud-detection-online-store-ca");
    expect(inputAt(cr, "spec.services.onlineStore.server.volumeMounts")).toEqual([
      { name: "online-store-ca", mountPath: "/etc/feast/online-store-ca", readOnly: true },
    ]);
  });

  it("prometheus-operator: the operator after the CRDs (it creates the ServiceMonitor), scrapers admitted", async () => {
    const plan = await storePlan({ monitoring: true });
    const crds = findResource(plan, "kubernetes:core/v1:ConfigMap", "prometheus-crds");
    const operator = findResource(plan, "kubernetes:yaml/v2:ConfigFile", "fs-operator");
    expect(operator.dependencies).toContain(crds.urn);
    const cr = findResource(plan, CR, "fs-feature-store");
    expect(cr.dependencies).toContain(operator.urn);
    expect(inputAt(cr, "spec.services.onlineStore.server.metrics")).toBe(true);
    // No second monitor: the operator's ServiceMonitor scrapes the online server.
    expect(resourcesOfType(plan, "kubernetes:monitoring.coreos.com/v1:PodMonitor")).toEqual([]);
    const np = findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "fs-network-policy");
    expect(inputAt(np, "spec.ingress[1]")).toEqual({
      from: [{ namespaceSelector: { matchLabels: { "mlops.pulumi.com/metrics-scraper": "true" } } }],
      ports: [{ protocol: "TCP", port: 8000 }],
    });
  });

  it("gmp: a PodMonitoring on the metrics port after the FeatureStore, GMP's collectors admitted", async () => {
    const plan = await storePlan({ target: "gcp", monitoring: true, backend: "gmp" });
    const cr = findResource(plan, CR, "fs-feature-store");
    const monitor = findResource(plan, "kubernetes:monitoring.googleapis.com/v1:PodMonitoring", "fs-monitor");
    expect(inputAt(monitor, "spec.selector.matchLabels")).toEqual({ "feast.dev/name": "fraud-detection" });
    expect(inputAt(monitor, "spec.endpoints[0].port")).toBe("metrics");
    expect(monitor.dependencies).toContain(cr.urn);
    const np = findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "fs-network-policy");
    expect(inputAt(np, "spec.ingress[1].from")).toEqual([
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gmp-system" } } },
    ]);
  });

  it("prod: PDB, zone spread, autoscaling and an oidc authz pass the schema", async () => {
    const plan = await storePlan({
      target: "aws",
      environment: "prod",
      featureServer: { autoscaling: { minReplicas: 2, maxReplicas: 6 } },
      authz: { type: "oidc", issuerUrl: "https://login.acme.com/realms/ml", audience: "feast" },
      repository: { image: { image: "ghcr.io/acme/features:1.2.0", feastProjectDir: "/app/feature_repo" } },
    });
    const cr = findResource(plan, CR, "fs-feature-store");
    expect(featureStoreSchemaErrors(cr.inputs)).toEqual([]);
    expect(inputAt(cr, "spec.replicas")).toBeUndefined();
    expect(inputAt(cr, "spec.services.scaling.autoscaling.maxReplicas")).toBe(6);
    expect(inputAt(cr, "spec.services.podDisruptionBudgets")).toEqual({ minAvailable: 1 });
    expect(inputAt(cr, "spec.services.topologySpreadConstraints[0].topologyKey")).toBe(
      "topology.kubernetes.io/zone",
    );
    expect(inputAt(cr, "spec.authz")).toEqual({
      oidc: {
        issuerUrl: "https://login.acme.com/realms/ml",
        secretRef: { name: "fraud-detection-oidc" },
        secretKeyName: "oidc",
      },
    });
    expect(inputAt(cr, "spec.feastProjectDir")).toEqual({
      packaged: { featureRepoPath: "/app/feature_repo" },
    });
  });
});

/** What a warehouse offline store adds to the children of `CHILDREN` (dev). */
const WAREHOUSE_CHILDREN: Record<"aws" | "gcp", string[]> = {
  aws: [
    "aws:ec2/securityGroup:SecurityGroup fs-offline-redshift-sg",
    "aws:iam/role:Role fs-offline-redshift-role",
    "aws:iam/rolePolicy:RolePolicy fs-offline-redshift-role-policy",
    "aws:redshiftserverless/namespace:Namespace fs-offline-redshift-namespace",
    "aws:redshiftserverless/workgroup:Workgroup fs-offline-redshift-workgroup",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule fs-offline-redshift-ingress",
    "kubernetes:core/v1:Secret fs-offline-store",
  ],
  gcp: [
    "gcp:bigquery/dataset:Dataset fs-offline-dataset",
    "gcp:bigquery/datasetIamMember:DatasetIamMember fs-server-offline-dataset-member",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember fs-offline-bigquery-agent-member",
    "gcp:projects/iAMMember:IAMMember fs-server-bigquery-jobuser-member",
    "kubernetes:core/v1:Secret fs-offline-store",
  ],
};

describe("FeatureStore with a warehouse offline store", () => {
  const cases = [
    {
      target: "aws",
      type: "redshift",
      warehouse: {
        engine: "redshift",
        database: "offline",
        location: "us-east-1",
        workgroup: "fs-test-offline",
      },
    },
    {
      target: "gcp",
      type: "bigquery",
      warehouse: {
        engine: "bigquery",
        database: "fs_test_offline",
        location: "europe-west4",
        project: "acme-ml",
      },
    },
  ] as const;

  for (const c of cases) {
    it(`${c.target}: ${c.type} next to the offline bucket, its Secret in the CR, which passes the upstream schema`, async () => {
      const plan = await storePlan({ target: c.target, offlineStore: { type: c.type } });
      const component = findResource(plan, "mlops:index:FeatureStore", "fs");
      expect(
        descendantsOf(plan, component.urn)
          .map((r) => `${r.type} ${r.name}`)
          .sort(),
      ).toEqual([...CHILDREN[c.target], ...WAREHOUSE_CHILDREN[c.target]].sort());
      const cr = findResource(plan, CR, "fs-feature-store");
      expect(featureStoreSchemaErrors(cr.inputs)).toEqual([]);
      expect(inputAt(cr, "spec.services.offlineStore.persistence")).toEqual({
        store: { type: c.type, secretRef: { name: "fraud-detection-offline-store" }, secretKeyName: c.type },
      });
      const secret = findResource(plan, "kubernetes:core/v1:Secret", "fs-offline-store");
      expect(inputAt(secret, "metadata.name")).toBe("fraud-detection-offline-store");
      expect(Object.keys(inputAt(secret, "stringData") as object)).toEqual([c.type]);
      expect(cr.dependencies).toContain(secret.urn);
      // The bucket stays (staging and landing zone): same environment as with Parquet.
      expect(inputAt(cr, "spec.services.offlineStore.server.env")).toEqual(SERVER_ENV[c.target]);
      expect(component.outputs?.["offlineWarehouse"]).toEqual(c.warehouse);
      // A warehouse reads with the Feast identity: no DuckDB warning.
      expect(plan.warnings.filter((w) => w.includes("offlineStore.type"))).toEqual([]);
      // The warehouse's clients reach it over HTTPS (Data API / Google APIs).
      const np = findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "fs-network-policy");
      expect(inputAt(np, "spec.egress")).toContainEqual({
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }],
        ports: [{ protocol: "TCP", port: 443 }],
      });
    });
  }

  it("aws: the Feast identity may query exactly the workgroup and write the bucket (entity uploads to staging/)", async () => {
    const plan = await storePlan({ target: "aws", offlineStore: { type: "redshift" } });
    const workgroup = findResource(plan, "aws:redshiftserverless/workgroup:Workgroup");
    const policy = JSON.parse(
      inputAt(
        findResource(plan, "aws:iam/rolePolicy:RolePolicy", "fs-server-role-policy"),
        "policy",
      ) as string,
    ) as { Statement: { Sid: string; Action: string[]; Resource: string | string[] }[] };
    expect(policy.Statement.map((s) => s.Sid)).toEqual([
      "Buckets",
      "Objects",
      "BucketKeys",
      "WarehouseQueries",
      "WarehouseCredentials",
      "WarehouseOwnStatements",
    ]);
    expect(policy.Statement.find((s) => s.Sid === "Objects")?.Action).toContain("s3:PutObject");
    expect(policy.Statement.find((s) => s.Sid === "WarehouseCredentials")?.Resource).toEqual([
      workgroup.outputs?.["arn"],
    ]);
  });

  it("gcp: the Feast identity is dataEditor on the dataset, jobUser on the project, objectUser on the bucket", async () => {
    const plan = await storePlan({ target: "gcp", offlineStore: { type: "bigquery" } });
    const member = "serviceAccount:fs-test-server@acme-ml.iam.gserviceaccount.com";
    expect(
      findResource(plan, "gcp:bigquery/datasetIamMember:DatasetIamMember", "fs-server-offline-dataset-member")
        .inputs,
    ).toEqual({
      project: "acme-ml",
      datasetId: "fs_test_offline",
      role: "roles/bigquery.dataEditor",
      member,
    });
    expect(
      findResource(plan, "gcp:projects/iAMMember:IAMMember", "fs-server-bigquery-jobuser-member").inputs,
    ).toEqual({ project: "acme-ml", role: "roles/bigquery.jobUser", member });
    expect(
      inputAt(
        findResource(plan, "gcp:storage/bucketIAMMember:BucketIAMMember", "fs-server-offline-bucket-member"),
        "role",
      ),
    ).toBe("roles/storage.objectUser");
  });

  it("sizes the Redshift workgroup from the preset (medium in prod) or the args", async () => {
    expect(
      resolveFeatureStoreArgs(storeArgs({ target: "aws", environment: "prod" })).resolved?.offlineStore.size,
    ).toBe("medium");
    const plan = await storePlan({ target: "aws", offlineStore: { type: "redshift", size: "large" } });
    expect(inputAt(findResource(plan, "aws:redshiftserverless/workgroup:Workgroup"), "baseCapacity")).toBe(
      128,
    );
  });

  for (const [target, type] of [
    ["aws", "redshift"],
    ["gcp", "bigquery"],
  ] as const) {
    it(`${target} (prod) with ${type}: no mandatory violation`, async () => {
      const plan = await storePlan({
        target,
        environment: "prod",
        certificates: true,
        offlineStore: { type },
      });
      expect(mandatoryViolations(plan.resources)).toEqual([]);
      const stateful =
        target === "aws"
          ? findResource(plan, "aws:redshiftserverless/namespace:Namespace")
          : findResource(plan, "gcp:bigquery/dataset:Dataset");
      expect([stateful.protect, stateful.retainOnDelete]).toEqual([true, true]);
    });
  }
});

describe("FeatureStore warehouse defaults under the policy pack (weakened)", () => {
  /** The plan's resources with the one of `type` changed by `edit` in its inputs. */
  function weakened(
    resources: PlanResource[],
    type: string,
    edit: (inputs: Record<string, unknown>) => void,
  ) {
    return resources.map((r) => {
      if (r.type !== type) return r;
      const inputs = structuredClone(r.inputs);
      edit(inputs);
      return { ...r, inputs };
    });
  }

  it("aws: a public workgroup or an AWS-owned-key namespace is a mandatory violation", async () => {
    const plan = await storePlan({
      target: "aws",
      environment: "prod",
      certificates: true,
      offlineStore: { type: "redshift" },
    });
    const publicWg = weakened(plan.resources, "aws:redshiftserverless/workgroup:Workgroup", (i) => {
      i["publiclyAccessible"] = true;
    });
    expect(mandatoryViolations(publicWg)).toEqual([
      "aws-redshift-serverless-not-public fs-offline-redshift-workgroup",
    ]);
    const ownedKey = weakened(plan.resources, "aws:redshiftserverless/namespace:Namespace", (i) => {
      delete i["kmsKeyId"];
    });
    expect(mandatoryViolations(ownedKey)).toEqual([
      "aws-redshift-serverless-cmk fs-offline-redshift-namespace",
    ]);
  });

  it("gcp: a dataset without its default key, or shared with allUsers, is a mandatory violation", async () => {
    const plan = await storePlan({
      target: "gcp",
      environment: "prod",
      certificates: true,
      offlineStore: { type: "bigquery" },
    });
    const noKey = weakened(plan.resources, "gcp:bigquery/dataset:Dataset", (i) => {
      delete i["defaultEncryptionConfiguration"];
    });
    expect(mandatoryViolations(noKey)).toEqual(["gcp-bigquery-dataset-cmek fs-offline-dataset"]);
    const shared = weakened(plan.resources, "gcp:bigquery/datasetIamMember:DatasetIamMember", (i) => {
      i["member"] = "allUsers";
    });
    expect(mandatoryViolations(shared)).toEqual([
      "gcp-bigquery-dataset-not-public fs-server-offline-dataset-member",
    ]);
  });
});

describe("the FeatureStore CR against the upstream v1 schema", () => {
  it("an unknown field fails", () => {
    const resolved = resolveFeatureStoreArgs(storeArgs({})).resolved!;
    const manifest = featureStoreManifest(resolved, {
      name: "p",
      namespace: "feast",
      labels: {},
      onlineStoreSecret: "o",
      registrySecret: "r",
      env: [],
    });
    expect(featureStoreSchemaErrors(manifest)).toEqual([]);
    const spec = manifest["spec"] as Record<string, unknown>;
    const bad = { ...manifest, spec: { ...spec, services: { ...(spec["services"] as object), tlss: {} } } };
    expect(featureStoreSchemaErrors(bad)).toEqual([
      "/spec/services must NOT have additional properties (tlss)",
    ]);
  });
});

describe("FeatureStore args", () => {
  it("names each bad argument with its path", async () => {
    const message = await failure({
      project: "bad project",
      repository: {},
      namespace: "Feast",
    });
    expect(message).toContain(
      "args.project: must be letters, digits, '_' or '-', starting with a letter or digit",
    );
    expect(message).toContain("args.namespace: must be a DNS-1123 label (lowercase letters, digits, '-')");
    expect(message).toContain('args.repository: set exactly one of "git" or "image"');
  });

  it("cross-field rules", async () => {
    expect(await failure({ repository: {} })).toContain(
      'args.repository: set exactly one of "git" or "image"',
    );
    expect(await failure({ target: "local", onlineStore: { type: "dynamodb" } })).toContain(
      'args.onlineStore.type: "dynamodb" needs target "aws" (the cluster\'s target is "local")',
    );
    expect(
      await failure({ target: "gcp", onlineStore: { type: "dynamodb", tables: ["driver_stats"] } }),
    ).toContain('args.onlineStore.type: "dynamodb" needs target "aws" (the cluster\'s target is "gcp")');
    expect(await failure({ target: "aws", onlineStore: { type: "bigtable", tables: ["driver"] } })).toContain(
      'args.onlineStore.type: "bigtable" needs target "gcp" (the cluster\'s target is "aws")',
    );
    expect(await failure({ target: "gcp", offlineStore: { type: "redshift" } })).toContain(
      'args.offlineStore.type: "redshift" needs target "aws" (the cluster\'s target is "gcp")',
    );
    expect(await failure({ target: "local", offlineStore: { type: "bigquery" } })).toContain(
      'args.offlineStore.type: "bigquery" needs target "gcp" (the cluster\'s target is "local")',
    );
    expect(await failure({ target: "gcp", offlineStore: { type: "bigquery", size: "large" } })).toBe(
      'invalid arguments for mlops:index:FeatureStore:\n  args.offlineStore.size: only used with type "redshift" (the type is "bigquery"); remove it',
    );
    expect(await failure({ target: "aws", offlineStore: { size: "small" } })).toContain(
      'args.offlineStore.size: only used with type "redshift" (the type is "parquet"); remove it',
    );
    expect(await failure({ authz: { type: "oidc" } })).toContain(
      'args.authz.issuerUrl: required with type "oidc"',
    );
    expect(await failure({ featureServer: { autoscaling: { minReplicas: 3, maxReplicas: 2 } } })).toContain(
      "args.featureServer.autoscaling.maxReplicas: must be at least minReplicas (3)",
    );
    expect(await failure({ environment: "prod", featureServer: { replicas: 1 } })).toContain(
      "args.featureServer.replicas: must be at least 2 in prod",
    );
    // The registry database follows the same prod rules as the model registry's.
    expect(
      await failure({
        environment: "prod",
        registry: { backupRetentionDays: 3, pointInTimeRecovery: false },
      }),
    ).toBe(
      "invalid arguments for mlops:index:FeatureStore:\n  args.registry.backupRetentionDays: must be at least 7 in prod\n  args.registry.pointInTimeRecovery: must not be false in prod",
    );
  });

  it("defaults", () => {
    const r = resolveFeatureStoreArgs(storeArgs({})).resolved!;
    expect(r.namespace).toBe("feast");
    expect(r.clientNamespaceLabels).toEqual({ "mlops.pulumi.com/feature-store-client": "true" });
    expect(r.onlineStore.type).toBe("keyValue");
    expect(r.offlineStore.type).toBe("parquet");
    expect(r.authz).toEqual({ type: "kubernetes", roles: ["feast-reader", "feast-writer"] });
    expect(r.tlsSecretName).toBeUndefined();
  });
});

/** Mandatory policy violations of the plan (prod levels), as `rule resource`. */
function mandatoryViolations(resources: PlanResource[]): string[] {
  return runPoliciesDetailed({ stack: "test", project: "mlops", resources }, { environment: "prod" })
    .violations.filter((v) => v.enforcementLevel === "mandatory")
    .map((v) => `${v.policyName} ${v.urn.split("::").pop() ?? ""}`);
}

describe("FeatureStore under the policy pack", () => {
  for (const target of ["local", "aws", "gcp"] as const) {
    it(`${target} (prod): no mandatory violation on a cluster with certificates (TLS on every server)`, async () => {
      const plan = await storePlan({ target, environment: "prod", certificates: true });
      expect(mandatoryViolations(plan.resources)).toEqual([]);
    });
  }

  it("without certificates (and no tls Secret) the servers run without TLS, which prod refuses", async () => {
    const plan = await storePlan({ target: "local", environment: "prod" });
    expect(mandatoryViolations(plan.resources)).toEqual([
      "k8s-feast-tls fs-feature-store",
      "k8s-feast-tls fs-feature-store",
      "k8s-feast-tls fs-feature-store",
    ]);
  });
});

describe("FeatureStore namespace", () => {
  it("enforces Pod Security baseline (the operator's containers cannot meet restricted), audits and warns at restricted", async () => {
    const plan = await storePlan({ target: "local" });
    const ns = findResource(plan, "kubernetes:core/v1:Namespace", "fs-namespace");
    expect(inputAt(ns, "metadata.labels")).toMatchObject({
      "pod-security.kubernetes.io/enforce": "baseline",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    });
    expect(inputAt(ns, "metadata.annotations")).toEqual({
      "mlops.pulumi.com/pod-security-exception": FEAST_POD_SECURITY_EXCEPTION,
    });
  });
});

describe("FeatureStore TLS from the cluster's issuer", () => {
  it("requests a certificate naming every server Service and points each server at its Secret", async () => {
    const plan = await storePlan({ target: "local", certificates: true });
    const cert = findResource(plan, "kubernetes:cert-manager.io/v1:Certificate", "fs-tls");
    expect(inputAt(cert, "metadata.name")).toBe("feast-fraud-detection-tls");
    expect(inputAt(cert, "metadata.namespace")).toBe("feast");
    expect(inputAt(cert, "spec.secretName")).toBe("feast-fraud-detection-tls");
    expect(inputAt(cert, "spec.issuerRef")).toEqual({
      name: "mlops-internal-ca",
      kind: "ClusterIssuer",
      group: "cert-manager.io",
    });
    expect(inputAt(cert, "spec.dnsNames")).toEqual(
      ["online", "offline", "registry"].flatMap((role) => [
        `feast-fraud-detection-${role}.feast.svc`,
        `feast-fraud-detection-${role}.feast.svc.cluster.local`,
      ]),
    );
    const cr = findResource(plan, CR);
    expect(inputAt(cr, "spec.services.onlineStore.server.tls")).toEqual({
      secretRef: { name: "feast-fraud-detection-tls" },
      secretKeyNames: { tlsCrt: "tls.crt", tlsKey: "tls.key" },
    });
    expect(cr.dependencies).toContain(cert.urn);
  });

  it("an explicit tls Secret wins: no certificate is requested", async () => {
    const plan = await storePlan({
      target: "local",
      certificates: true,
      tls: { secretName: "my-feast-tls" },
    });
    expect(plan.resources.filter((r) => r.type === "kubernetes:cert-manager.io/v1:Certificate")).toEqual([]);
    expect(inputAt(findResource(plan, CR), "spec.services.onlineStore.server.tls.secretRef")).toEqual({
      name: "my-feast-tls",
    });
  });
});

/** The table online stores: DynamoDB on aws, Bigtable on gcp (dev, no monitoring). */
const TABLE_CASES = {
  aws: { type: "dynamodb", tables: ["driver_stats", "customer_profile"] },
  gcp: { type: "bigtable", tables: ["driver", "customer-shop"] },
} as const;

/** Every resource under the component with a table online store, as `type name`. */
const TABLE_CHILDREN: Record<"aws" | "gcp", string[]> = {
  aws: [
    "aws:dynamodb/table:Table fs-online-fs-test.fraud_detection.customer_profile-table",
    "aws:dynamodb/table:Table fs-online-fs-test.fraud_detection.driver_stats-table",
    ...CHILDREN.aws.filter((c) => !/online-valkey/.test(c)),
  ].sort(),
  gcp: [
    "gcp:bigtable/gCPolicy:GCPolicy fs-online-fraud_detection.customer-shop-gc",
    "gcp:bigtable/gCPolicy:GCPolicy fs-online-fraud_detection.driver-gc",
    "gcp:bigtable/instance:Instance fs-online-bigtable",
    "gcp:bigtable/instanceIamMember:InstanceIamMember fs-server-online-bigtable-member",
    "gcp:bigtable/table:Table fs-online-fraud_detection.customer-shop-table",
    "gcp:bigtable/table:Table fs-online-fraud_detection.driver-table",
    "gcp:compute/globalAddress:GlobalAddress fs-registry-psa-range",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember fs-online-bigtable-agent-member",
    "gcp:projects/serviceIdentity:ServiceIdentity fs-online-bigtable-agent",
    "gcp:servicenetworking/connection:Connection fs-registry-psa-connection",
    ...CHILDREN.gcp.filter((c) => !/ fs-online-(redis|psa|store-ca)/.test(c)),
  ].sort(),
};

describe("FeatureStore with a table online store", () => {
  for (const target of ["aws", "gcp"] as const) {
    const online = TABLE_CASES[target];
    it(`${target}: ${online.type} tables pre-created, no key-value store, the CR and Secret of type ${online.type}`, async () => {
      const plan = await storePlan({ target, onlineStore: { ...online, tables: [...online.tables] } });
      const component = findResource(plan, "mlops:index:FeatureStore", "fs");
      expect(
        descendantsOf(plan, component.urn)
          .map((r) => `${r.type} ${r.name}`)
          .sort(),
      ).toEqual(TABLE_CHILDREN[target]);
      // No Redis CA, no Redis egress.
      expect(resourcesOfType(plan, "kubernetes:core/v1:ConfigMap")).toEqual([]);
      const cr = findResource(plan, CR, "fs-feature-store");
      expect(featureStoreSchemaErrors(cr.inputs)).toEqual([]);
      expect(inputAt(cr, "spec.services.onlineStore.persistence")).toEqual({
        store: {
          type: online.type,
          secretRef: { name: "fraud-detection-online-store" },
          secretKeyName: online.type,
        },
      });
      expect(inputAt(cr, "spec.services.volumes")).toBeUndefined();
      expect(inputAt(cr, "spec.services.onlineStore.server.volumeMounts")).toBeUndefined();
      expect(
        Object.keys(
          inputAt(findResource(plan, "kubernetes:core/v1:Secret", "fs-online-store"), "stringData") as object,
        ),
      ).toEqual([online.type]);
      // The CR waits for the tables.
      const tableType = target === "aws" ? "aws:dynamodb/table:Table" : "gcp:bigtable/table:Table";
      for (const table of resourcesOfType(plan, tableType)) expect(cr.dependencies).toContain(table.urn);
      // Egress: DNS, the registry database, the stores' and the identity's HTTPS, the API server.
      const np = findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "fs-network-policy");
      const egress = inputAt(np, "spec.egress") as { ports?: { port: number }[] }[];
      const ports = egress.flatMap((rule) => (rule.ports ?? []).map((p) => p.port));
      expect(ports).not.toContain(6379);
      expect(ports).not.toContain(6378);
      expect(ports).toContain(443);

      expect(component.outputs?.["onlineStoreType"]).toBe(online.type);
      expect(component.outputs?.["onlineStore"]).toEqual(
        target === "aws"
          ? { host: "dynamodb.us-east-1.amazonaws.com", port: 443, tls: true }
          : { host: "bigtable.googleapis.com", port: 443, tls: true },
      );
      expect(component.outputs?.["onlineTables"]).toEqual(
        target === "aws"
          ? {
              tables: ["fs-test.fraud_detection.driver_stats", "fs-test.fraud_detection.customer_profile"],
              region: "us-east-1",
            }
          : {
              tables: ["fraud_detection.driver", "fraud_detection.customer-shop"],
              region: "europe-west4",
              project: "acme-ml",
              instanceId: "fs-test-online",
            },
      );
    });
  }

  it("aws: each feature view's table, encrypted with the component's key, and a policy with exactly their ARNs", async () => {
    const plan = await storePlan({
      target: "aws",
      onlineStore: { type: "dynamodb", tables: ["driver_stats"] },
    });
    const key = findResource(plan, "aws:kms/key:Key", "fs-data-key");
    const table = findResource(
      plan,
      "aws:dynamodb/table:Table",
      "fs-online-fs-test.fraud_detection.driver_stats-table",
    );
    expect(table.inputs).toEqual({
      name: "fs-test.fraud_detection.driver_stats",
      billingMode: "PAY_PER_REQUEST",
      hashKey: "entity_id",
      attributes: [{ name: "entity_id", type: "S" }],
      serverSideEncryption: { enabled: true, kmsKeyArn: key.outputs?.["arn"] },
      pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 1 },
      deletionProtectionEnabled: false,
      tags: {
        owner: "ml-platform",
        "cost-center": "cc-1",
        "data-classification": "internal",
        environment: "dev",
      },
    });
    const policy = JSON.parse(
      findResource(plan, "aws:iam/rolePolicy:RolePolicy", "fs-server-role-policy").inputs["policy"] as string,
    ) as { Statement: { Sid: string; Action: string[]; Resource: string[] }[] };
    const tableArn =
      "arn:aws:dynamodb:us-east-1:123456789012:table/fs-online-fs-test.fraud_detection.driver_stats-table";
    expect(policy.Statement.filter((s) => s.Sid.startsWith("Table")).map((s) => [s.Sid, s.Resource])).toEqual(
      [
        ["Tables", [tableArn]],
        ["TableWrites", [tableArn]],
        ["TableKeys", [key.outputs?.["arn"]]],
      ],
    );
    expect(policy.Statement.flatMap((s) => s.Action)).not.toContain("dynamodb:CreateTable");
  });

  it("prod: deletion protection, point-in-time recovery over 14 days; bigtable with two clusters", async () => {
    const aws = await storePlan({
      target: "aws",
      environment: "prod",
      certificates: true,
      onlineStore: { type: "dynamodb", tables: ["driver_stats"] },
    });
    const table = findResource(
      aws,
      "aws:dynamodb/table:Table",
      "fs-online-fs-test.fraud_detection.driver_stats-table",
    );
    expect(inputAt(table, "deletionProtectionEnabled")).toBe(true);
    expect(inputAt(table, "pointInTimeRecovery")).toEqual({ enabled: true, recoveryPeriodInDays: 14 });
    const gcp = await storePlan({
      target: "gcp",
      environment: "prod",
      certificates: true,
      onlineStore: { type: "bigtable", tables: ["driver"] },
    });
    const instance = findResource(gcp, "gcp:bigtable/instance:Instance", "fs-online-bigtable");
    expect(inputAt(instance, "deletionProtection")).toBe(true);
    expect((inputAt(instance, "clusters") as { zone: string }[]).map((c) => c.zone)).toEqual([
      "europe-west4-a",
      "europe-west4-b",
    ]);
    expect(
      inputAt(
        findResource(gcp, "gcp:bigtable/table:Table", "fs-online-fraud_detection.driver-table"),
        "deletionProtection",
      ),
    ).toBe("PROTECTED");
  });
});

describe("FeatureStore table online store args", () => {
  it("tables: required with dynamodb and bigtable, refused with keyValue, each named with its path", async () => {
    expect(await failure({ target: "aws", onlineStore: { type: "dynamodb" } })).toContain(
      'args.onlineStore.tables: required with type "dynamodb": name every feature view whose table Feast reads and writes',
    );
    expect(await failure({ target: "gcp", onlineStore: { type: "bigtable" } })).toContain(
      'args.onlineStore.tables: required with type "bigtable": name every entity combination (entity names sorted, joined with "-")',
    );
    expect(await failure({ target: "aws", onlineStore: { type: "dynamodb", tables: [] } })).toContain(
      "args.onlineStore.tables: must name at least one table",
    );
    expect(await failure({ target: "aws", onlineStore: { tables: ["driver_stats"] } })).toContain(
      'args.onlineStore.tables: only used with type "dynamodb" or "bigtable"; remove it',
    );
    expect(
      await failure({
        target: "aws",
        onlineStore: { type: "dynamodb", tables: ["driver_stats", "driver stats"] },
      }),
    ).toContain(
      "args.onlineStore.tables[1]: its table \"<name>-<stack>.fraud_detection.driver stats\" is not a DynamoDB table name (3–255 characters of letters, digits, '_', '-' and '.')",
    );
    expect(
      await failure({ target: "gcp", onlineStore: { type: "bigtable", tables: ["shop-customer"] } }),
    ).toContain(
      'args.onlineStore.tables[0]: "shop-customer": sort the entity names ("customer-shop"), as Feast does',
    );
  });

  it("prod: no table store without deletion protection, no DynamoDB without point-in-time recovery", async () => {
    const message = await failure({
      target: "aws",
      environment: "prod",
      onlineStore: {
        type: "dynamodb",
        tables: ["driver_stats"],
        deletionProtection: false,
        backupRetentionDays: 0,
      },
    });
    expect(message).toContain(
      'args.onlineStore.deletionProtection: must not be false in prod with "dynamodb"',
    );
    expect(message).toContain(
      'args.onlineStore.backupRetentionDays: must be at least 1 in prod with "dynamodb" (point-in-time recovery)',
    );
    expect(
      await failure({
        target: "gcp",
        environment: "prod",
        onlineStore: { type: "bigtable", tables: ["driver"], deletionProtection: false },
      }),
    ).toContain('args.onlineStore.deletionProtection: must not be false in prod with "bigtable"');
  });

  it("resolves tables ([] with keyValue)", () => {
    expect(resolveFeatureStoreArgs(storeArgs({})).resolved!.onlineStore.tables).toEqual([]);
    expect(
      resolveFeatureStoreArgs(
        storeArgs({ target: "aws", onlineStore: { type: "dynamodb", tables: ["a_view"] } }),
      ).resolved!.onlineStore,
    ).toEqual({
      type: "dynamodb",
      size: "small",
      highAvailability: false,
      backupRetentionDays: 1,
      deletionProtection: false,
      tables: ["a_view"],
    });
  });
});

/** Violations of the table stores' rules, evaluated at `environment`'s levels. */
function tableStoreViolations(resources: PlanResource[], environment: "dev" | "prod"): string[] {
  return runPoliciesDetailed({ stack: "test", project: "mlops", resources }, { environment })
    .violations.filter((v) => /dynamodb|bigtable/.test(v.policyName))
    .map((v) => `${v.policyName} ${v.enforcementLevel} ${v.urn.split("::").pop() ?? ""}`);
}

describe("FeatureStore table online stores under the policy pack", () => {
  for (const target of ["aws", "gcp"] as const) {
    const online = TABLE_CASES[target];
    it(`${target} ${online.type}: no mandatory violation in prod, none of the table rules in dev or prod`, async () => {
      const prod = await storePlan({
        target,
        environment: "prod",
        certificates: true,
        onlineStore: { ...online, tables: [...online.tables] },
      });
      expect(mandatoryViolations(prod.resources)).toEqual([]);
      expect(tableStoreViolations(prod.resources, "prod")).toEqual([]);
      const dev = await storePlan({ target, onlineStore: { ...online, tables: [...online.tables] } });
      expect(tableStoreViolations(dev.resources, "dev")).toEqual([]);
    });
  }

  it("the rules can fail: dev's tables (no deletion protection) judged as prod", async () => {
    const aws = await storePlan({
      target: "aws",
      onlineStore: { type: "dynamodb", tables: ["driver_stats"] },
    });
    expect(tableStoreViolations(aws.resources, "prod")).toEqual([
      "aws-dynamodb-prod-protection mandatory fs-online-fs-test.fraud_detection.driver_stats-table",
    ]);
    const gcp = await storePlan({ target: "gcp", onlineStore: { type: "bigtable", tables: ["driver"] } });
    expect(tableStoreViolations(gcp.resources, "prod")).toEqual([
      "gcp-bigtable-prod-deletion-protection mandatory fs-online-bigtable",
    ]);
    // The customer-managed key is what the CMK rules protect: without it they fire.
    const weakened = aws.resources.map((r) =>
      r.type === "aws:dynamodb/table:Table"
        ? { ...r, inputs: { ...r.inputs, serverSideEncryption: { enabled: false } } }
        : r,
    );
    expect(tableStoreViolations(weakened, "dev")).toEqual([
      "aws-dynamodb-cmk advisory fs-online-fs-test.fraud_detection.driver_stats-table",
    ]);
    expect(tableStoreViolations(weakened, "prod")).toEqual([
      "aws-dynamodb-cmk mandatory fs-online-fs-test.fraud_detection.driver_stats-table",
      "aws-dynamodb-prod-protection mandatory fs-online-fs-test.fraud_detection.driver_stats-table",
    ]);
    const noCmek = gcp.resources.map((r) =>
      r.type === "gcp:bigtable/instance:Instance"
        ? {
            ...r,
            inputs: {
              ...r.inputs,
              clusters: (r.inputs["clusters"] as Record<string, unknown>[]).map(
                ({ kmsKeyName: _k, ...c }) => c,
              ),
            },
          }
        : r,
    );
    expect(tableStoreViolations(noCmek, "dev")).toEqual(["gcp-bigtable-cmek advisory fs-online-bigtable"]);
  });
});
