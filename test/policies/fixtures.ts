/** One compliant and one violating set of plain provider resources for every rule. */
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import type { PackConfig } from "../../policies/config";
import { classPulumiType as T } from "../../policies/rules/types";
import type { TestResource } from "./helpers";
import {
  clusterRoleBinding,
  driftCronJob,
  eventSource,
  sensor,
  trainingJob,
  withField,
  workflowTemplate,
} from "./argo-fixtures";
import { at, kpsRelease, serviceMonitor } from "./monitoring-fixtures";
import {
  NGINX_AUTH,
  editedInferenceService,
  inferenceService,
  namespace as servingNamespace,
  prometheusTrigger,
  scaledObject,
  servingIngress,
} from "./serving-fixtures";

/** A compliant/violating pair for one rule. */
export interface Fixture {
  good: TestResource | TestResource[];
  bad: TestResource | TestResource[];
  config?: PackConfig;
}

const tags = { owner: "ml", "cost-center": "42", environment: "prod", "data-classification": "internal" };

// ---------- S3 ----------
const bucket = (name = "data", props: Record<string, unknown> = {}): TestResource => ({
  type: T(aws.s3.Bucket),
  name,
  props: { tags, ...props },
});
const onBucket = (
  type: string,
  props: Record<string, unknown>,
  name = `${type.split(":").pop() ?? "x"}`,
): TestResource => ({ type, name, props: { bucket: "data-id", ...props }, dependsOn: ["data"] });
const pab = (all: boolean): TestResource =>
  onBucket(T(aws.s3.BucketPublicAccessBlock), {
    blockPublicAcls: true,
    blockPublicPolicy: all,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
const sse = (alg: string): TestResource =>
  onBucket(T(aws.s3.BucketServerSideEncryptionConfiguration), {
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: alg } }],
  });
/** A server access log bucket (tagged purpose=logs) and its default encryption. */
const logBucket = bucket("logs", { tags: { ...tags, purpose: "logs" } });
const logBucketSse = (alg: string): TestResource => ({
  type: T(aws.s3.BucketServerSideEncryptionConfiguration),
  name: "logs-encryption",
  props: { bucket: "logs-id", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: alg } }] },
  dependsOn: ["logs"],
});
const tlsPolicy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "TlsOnly",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::data", "arn:aws:s3:::data/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ],
});

/** A TLS-only bucket policy for bucket `data` with one statement's fields overridden. */
const tlsDeny = (over: Record<string, unknown>): string =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { ...(JSON.parse(tlsPolicy) as { Statement: Record<string, unknown>[] }).Statement[0], ...over },
    ],
  });

// ---------- IAM ----------
const doc = (...statements: Record<string, unknown>[]): string =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements });
const scoped = { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: "arn:aws:s3:::data/*" };
const iamPolicy = (policy: string): TestResource => ({ type: T(aws.iam.Policy), props: { policy } });
const inlinePolicy = (policy: string): TestResource => ({
  type: T(aws.iam.RolePolicy),
  props: { role: "r", policy },
});

// ---------- EKS / EC2 ----------
const eks = (props: Record<string, unknown>): TestResource => ({
  type: T(aws.eks.Cluster),
  props: {
    roleArn: "arn:aws:iam::1:role/eks",
    version: "1.32",
    vpcConfig: { subnetIds: ["s1"], endpointPublicAccess: false, endpointPrivateAccess: true },
    encryptionConfig: { resources: ["secrets"], provider: { keyArn: "arn:aws:kms:eu-west-1:1:key/k" } },
    enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    ...props,
  },
});
const lt = (props: Record<string, unknown>): TestResource => ({
  type: T(aws.ec2.LaunchTemplate),
  props: {
    metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 },
    blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeSize: 100 } }],
    networkInterfaces: [{ associatePublicIpAddress: "false" }],
    ...props,
  },
});
const instance = (props: Record<string, unknown>): TestResource => ({
  type: T(aws.ec2.Instance),
  props: {
    instanceType: "m6i.large",
    metadataOptions: { httpTokens: "required" },
    rootBlockDevice: { encrypted: true },
    associatePublicIpAddress: false,
    ...props,
  },
});
const sg = (cidr: string): TestResource => ({
  type: T(aws.ec2.SecurityGroup),
  props: { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [cidr] }] },
});
const ecr = (props: Record<string, unknown>): TestResource => ({
  type: T(aws.ecr.Repository),
  props: {
    imageTagMutability: "IMMUTABLE",
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfigurations: [{ encryptionType: "KMS" }],
    ...props,
  },
});
const nodeGroup = (props: Record<string, unknown>): TestResource => ({
  type: T(aws.eks.NodeGroup),
  props: {
    clusterName: "c",
    nodeRoleArn: "r",
    subnetIds: ["s"],
    instanceTypes: ["g5.xlarge"],
    capacityType: "SPOT",
    scalingConfig: { minSize: 0, maxSize: 4, desiredSize: 0 },
    ...props,
  },
});

/** A Karpenter EC2NodeClass with the given spec.metadataOptions (none when undefined). */
const nodeClass = (metadataOptions: Record<string, unknown> | undefined, name = "gpu"): TestResource => ({
  type: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
  name,
  props: {
    apiVersion: "karpenter.k8s.aws/v1",
    kind: "EC2NodeClass",
    metadata: { name },
    spec: {
      role: "node-role",
      amiSelectorTerms: [{ alias: "al2023@latest" }],
      ...(metadataOptions ? { metadataOptions } : {}),
    },
  },
});
/** The VPC CNI add-on of cluster `c` with the given configuration values. */
const vpcCni = (values: Record<string, unknown>): TestResource => ({
  type: T(aws.eks.Addon),
  name: "vpc-cni",
  props: { clusterName: "c", addonName: "vpc-cni", configurationValues: JSON.stringify(values) },
});

// ---------- GCP ----------
const gke = (props: Record<string, unknown>): TestResource => ({
  type: T(gcp.container.Cluster),
  props: {
    location: "europe-west4",
    privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: false },
    masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: "10.0.0.0/8" }] },
    workloadIdentityConfig: { workloadPool: "p.svc.id.goog" },
    releaseChannel: { channel: "REGULAR" },
    datapathProvider: "ADVANCED_DATAPATH",
    ...props,
  },
});
const nodePool = (
  nodeConfig: Record<string, unknown>,
  props: Record<string, unknown> = {},
): TestResource => ({
  type: T(gcp.container.NodePool),
  props: {
    cluster: "c",
    autoscaling: { minNodeCount: 0, maxNodeCount: 4 },
    nodeConfig: {
      machineType: "g2-standard-8",
      guestAccelerators: [{ type: "nvidia-l4", count: 1 }],
      spot: true,
      shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
      workloadMetadataConfig: { mode: "GKE_METADATA" },
      ...nodeConfig,
    },
    ...props,
  },
});
const gcs = (props: Record<string, unknown>): TestResource => ({
  type: T(gcp.storage.Bucket),
  props: {
    location: "EU",
    uniformBucketLevelAccess: true,
    publicAccessPrevention: "enforced",
    versioning: { enabled: true },
    labels: tags,
    ...props,
  },
});
const sql = (settings: Record<string, unknown>, props: Record<string, unknown> = {}): TestResource => ({
  type: T(gcp.sql.DatabaseInstance),
  props: {
    databaseVersion: "POSTGRES_16",
    region: "europe-west4",
    settings: {
      tier: "db-custom-2-7680",
      ipConfiguration: { ipv4Enabled: false, privateNetwork: "vpc", sslMode: "ENCRYPTED_ONLY" },
      backupConfiguration: { enabled: true, pointInTimeRecoveryEnabled: true },
      deletionProtectionEnabled: true,
      ...settings,
    },
    ...props,
  },
});

// ---------- Kubernetes ----------
const labels = { ...tags };
const secureCtx = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};
const container = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: "app",
  image: "ghcr.io/org/app:1.2.3",
  securityContext: { ...secureCtx },
  resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } },
  ...over,
});
const podSpec = (
  over: Record<string, unknown> = {},
  c: Record<string, unknown> = {},
): Record<string, unknown> => ({
  securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
  containers: [container(c)],
  ...over,
});
type Kind = "Pod" | "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob";
const KIND_TYPE: Record<Kind, string> = {
  Pod: T(k8s.core.v1.Pod),
  Deployment: T(k8s.apps.v1.Deployment),
  StatefulSet: T(k8s.apps.v1.StatefulSet),
  DaemonSet: T(k8s.apps.v1.DaemonSet),
  Job: T(k8s.batch.v1.Job),
  CronJob: T(k8s.batch.v1.CronJob),
};
/** A workload of `kind` with the given pod spec (namespace `ml`). */
export function workload(kind: Kind, spec: Record<string, unknown>, name = "w"): TestResource {
  const metadata = { name, namespace: "ml", labels };
  const template = { metadata: { labels }, spec };
  const specByKind: Record<Kind, unknown> = {
    Pod: spec,
    Deployment: { selector: {}, template },
    StatefulSet: { selector: {}, serviceName: "s", template },
    DaemonSet: { selector: {}, template },
    Job: { template },
    CronJob: { schedule: "* * * * *", jobTemplate: { spec: { template } } },
  };
  return { type: KIND_TYPE[kind], name, props: { metadata, spec: specByKind[kind] } };
}
const ctx = (over: Record<string, unknown>): Record<string, unknown> => ({
  securityContext: { ...secureCtx, ...over },
});
const gpuContainer = (limit: unknown, request?: unknown): Record<string, unknown> => ({
  resources: {
    requests: { cpu: "1", memory: "1Gi", ...(request !== undefined ? { "nvidia.com/gpu": request } : {}) },
    limits: { memory: "1Gi", ...(limit !== undefined ? { "nvidia.com/gpu": limit } : {}) },
  },
});
const gpuToleration = { tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] };
const service = (type: string, annotations: Record<string, string> = {}): TestResource => ({
  type: T(k8s.core.v1.Service),
  props: { metadata: { labels, annotations }, spec: { type, ports: [{ port: 80 }] } },
});
const netpol = (ns: string): TestResource => ({
  type: T(k8s.networking.v1.NetworkPolicy),
  name: `np-${ns}`,
  props: { metadata: { namespace: ns }, spec: { podSelector: {}, policyTypes: ["Ingress"] } },
});
const karpenter = (limits: Record<string, unknown> | undefined): TestResource => ({
  type: "kubernetes:karpenter.sh/v1:NodePool",
  props: {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    spec: {
      template: {
        spec: {
          requirements: [{ key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["g5"] }],
          taints: [{ key: "nvidia.com/gpu", effect: "NoSchedule" }],
        },
      },
      ...(limits ? { limits } : {}),
    },
  },
});

// ---------- ElastiCache network / DynamoDB / Bigtable / Memorystore for Valkey ----------
/**
 * A VPC slice: an internet gateway, a public route table (0.0.0.0/0 → IGW) with subnet `public`,
 * a private route table (0.0.0.0/0 → NAT) with subnet `private`, a cache subnet group `cache-subnets`
 * on `subnets` and a replication group `kv` using it.
 */
export function cacheInSubnets(subnets: readonly ("public" | "private")[]): TestResource[] {
  const subnet = (name: string): TestResource => ({
    type: T(aws.ec2.Subnet),
    name,
    props: {
      vpcId: "vpc-1",
      cidrBlock: name === "public" ? "10.0.0.0/24" : "10.0.1.0/24",
      mapPublicIpOnLaunch: false,
    },
  });
  const table = (name: string): TestResource => ({
    type: T(aws.ec2.RouteTable),
    name,
    props: { vpcId: "vpc-1" },
  });
  const association = (sub: string, rt: string): TestResource => ({
    type: T(aws.ec2.RouteTableAssociation),
    name: `${sub}-rta`,
    props: { subnetId: `${sub}-id`, routeTableId: `${rt}-id` },
    dependsOn: [sub, rt],
  });
  return [
    { type: T(aws.ec2.InternetGateway), name: "igw", props: { vpcId: "vpc-1" } },
    table("public-rt"),
    {
      type: T(aws.ec2.Route),
      name: "public-default",
      props: { routeTableId: "public-rt-id", destinationCidrBlock: "0.0.0.0/0", gatewayId: "igw-id" },
      dependsOn: ["public-rt", "igw"],
    },
    subnet("public"),
    association("public", "public-rt"),
    table("private-rt"),
    {
      type: T(aws.ec2.Route),
      name: "private-default",
      props: { routeTableId: "private-rt-id", destinationCidrBlock: "0.0.0.0/0", natGatewayId: "nat-1" },
      dependsOn: ["private-rt"],
    },
    subnet("private"),
    association("private", "private-rt"),
    {
      type: T(aws.elasticache.SubnetGroup),
      name: "cache-subnets",
      props: { name: "cache-subnets", subnetIds: subnets.map((n) => `${n}-id`) },
      dependsOn: [...subnets],
    },
    {
      type: T(aws.elasticache.ReplicationGroup),
      name: "kv",
      props: { description: "d", subnetGroupName: "cache-subnets" },
      dependsOn: ["cache-subnets"],
    },
  ];
}
const cmk = "arn:aws:kms:eu-west-1:123456789012:key/k";
const dynamo = (props: Record<string, unknown>): TestResource => ({
  type: T(aws.dynamodb.Table),
  name: "features",
  props: {
    hashKey: "entity",
    billingMode: "PAY_PER_REQUEST",
    serverSideEncryption: { enabled: true, kmsKeyArn: cmk },
    pointInTimeRecovery: { enabled: true },
    deletionProtectionEnabled: true,
    ...props,
  },
});
const redshiftNamespace = (props: Record<string, unknown>): TestResource => ({
  type: T(aws.redshiftserverless.Namespace),
  name: "offline-namespace",
  props: { namespaceName: "fs-prod-offline", manageAdminPassword: true, kmsKeyId: cmk, tags, ...props },
});
const redshiftWorkgroup = (props: Record<string, unknown>): TestResource => ({
  type: T(aws.redshiftserverless.Workgroup),
  name: "offline-workgroup",
  props: { workgroupName: "fs-prod-offline", namespaceName: "fs-prod-offline", tags, ...props },
});
const bqDataset = (props: Record<string, unknown>): TestResource => ({
  type: T(gcp.bigquery.Dataset),
  name: "offline-dataset",
  props: {
    datasetId: "fs_prod_offline",
    location: "europe-west4",
    defaultEncryptionConfiguration: { kmsKeyName: "projects/p/locations/r/keyRings/k/cryptoKeys/c" },
    ...props,
  },
});

const bigtable = (props: Record<string, unknown>): TestResource => ({
  type: T(gcp.bigtable.Instance),
  name: "features",
  props: {
    clusters: [
      {
        clusterId: "features-a",
        zone: "europe-west4-a",
        kmsKeyName: "projects/p/locations/europe-west4/keyRings/k/cryptoKeys/c",
      },
    ],
    ...props,
  },
});
const valkey = (props: Record<string, unknown>): TestResource => ({
  type: T(gcp.memorystore.Instance),
  name: "kv",
  props: {
    instanceId: "kv",
    location: "europe-west4",
    shardCount: 1,
    authorizationMode: "IAM_AUTH",
    transitEncryptionMode: "SERVER_AUTHENTICATION",
    kmsKey: "projects/p/locations/europe-west4/keyRings/k/cryptoKeys/c",
    replicaCount: 1,
    ...props,
  },
});
const redis = (props: Record<string, unknown>): TestResource => ({
  type: T(gcp.redis.Instance),
  name: "kv",
  props: { memorySizeGb: 1, ...props },
});

// ---------- Feast FeatureStore ----------
/** A compliant `feast.dev/v1` FeatureStore spec: Kubernetes authz, TLS on every server, SQL registry. */
export function featureStoreSpec(): Record<string, unknown> {
  const tls = (secret: string) => ({
    secretRef: { name: secret },
    secretKeyNames: { tlsCrt: "tls.crt", tlsKey: "tls.key" },
  });
  return {
    feastProject: "features",
    authz: { kubernetes: { roles: ["feast-reader", "feast-writer"] } },
    services: {
      onlineStore: { server: { tls: tls("online-tls") } },
      offlineStore: { server: { tls: tls("offline-tls") } },
      registry: {
        local: {
          server: { tls: tls("registry-tls") },
          persistence: { store: { type: "sql", secretRef: { name: "registry-db" } } },
        },
      },
      ui: { tls: tls("ui-tls") },
    },
  };
}
/** A FeatureStore resource with `spec` (default: {@link featureStoreSpec}) in `version`. */
export function featureStore(
  spec: Record<string, unknown> = featureStoreSpec(),
  version: "v1" | "v1alpha1" = "v1",
): TestResource {
  return {
    type: `kubernetes:feast.dev/${version}:FeatureStore`,
    name: "features",
    props: {
      apiVersion: `feast.dev/${version}`,
      kind: "FeatureStore",
      metadata: { name: "features", namespace: "features", labels },
      spec,
    },
  };
}
/** {@link featureStoreSpec} with `edit` applied. */
export function editedFeatureStore(edit: (spec: Record<string, unknown>) => void): TestResource {
  const spec = featureStoreSpec();
  edit(spec);
  return featureStore(spec);
}

/** Fixtures keyed by rule name. */
export const FIXTURES: Record<string, Fixture> = {
  // S3
  "aws-s3-public-access-block": { good: [bucket(), pab(true)], bad: [bucket(), pab(false)] },
  "aws-s3-sse-kms": {
    // Server access log targets support only SSE-S3, so a bucket tagged purpose=logs may use it.
    good: [bucket(), sse("aws:kms"), logBucket, logBucketSse("AES256")],
    bad: [bucket(), sse("AES256"), logBucket, logBucketSse("AES256")],
  },
  "aws-s3-tls-only-policy": {
    good: [bucket(), onBucket(T(aws.s3.BucketPolicy), { policy: tlsPolicy })],
    // Denies only s3:GetObject without TLS: uploads, deletes and listings still work over HTTP.
    bad: [bucket(), onBucket(T(aws.s3.BucketPolicy), { policy: tlsDeny({ Action: "s3:GetObject" }) })],
  },
  "aws-s3-acls-disabled": {
    good: [
      bucket(),
      onBucket(T(aws.s3.BucketOwnershipControls), { rule: { objectOwnership: "BucketOwnerEnforced" } }),
    ],
    bad: [
      bucket(),
      onBucket(T(aws.s3.BucketOwnershipControls), { rule: { objectOwnership: "ObjectWriter" } }),
      onBucket(T(aws.s3.BucketAcl), { acl: "public-read" }),
    ],
  },
  "aws-s3-versioning": {
    good: [
      bucket(),
      onBucket(T(aws.s3.BucketVersioning), { versioningConfiguration: { status: "Enabled" } }),
      bucket("logs", { tags: { ...tags, purpose: "logs" } }),
    ],
    bad: [
      bucket(),
      onBucket(T(aws.s3.BucketVersioning), { versioningConfiguration: { status: "Suspended" } }),
    ],
  },
  "aws-s3-access-logging": {
    good: [bucket(), onBucket(T(aws.s3.BucketLogging), { targetBucket: "logs-id", targetPrefix: "data/" })],
    bad: [bucket()],
  },
  // RDS / KMS / ElastiCache
  "aws-rds-instance-encrypted": {
    good: { type: T(aws.rds.Instance), props: { instanceClass: "db.t4g.micro", storageEncrypted: true } },
    bad: { type: T(aws.rds.Instance), props: { instanceClass: "db.t4g.micro" } },
  },
  "aws-rds-cluster-encrypted": {
    good: { type: T(aws.rds.Cluster), props: { engine: "aurora-postgresql", storageEncrypted: true } },
    bad: { type: T(aws.rds.Cluster), props: { engine: "aurora-postgresql", storageEncrypted: false } },
  },
  "aws-rds-instance-not-public": {
    good: { type: T(aws.rds.Instance), props: { publiclyAccessible: false } },
    bad: { type: T(aws.rds.Instance), props: { publiclyAccessible: true } },
  },
  "aws-rds-instance-prod-protection": {
    good: { type: T(aws.rds.Instance), props: { deletionProtection: true, backupRetentionPeriod: 14 } },
    bad: { type: T(aws.rds.Instance), props: { deletionProtection: false, backupRetentionPeriod: 1 } },
    config: { environment: "prod" },
  },
  "aws-rds-cluster-prod-protection": {
    good: {
      type: T(aws.rds.Cluster),
      props: { engine: "aurora-postgresql", deletionProtection: true, backupRetentionPeriod: 7 },
    },
    bad: { type: T(aws.rds.Cluster), props: { engine: "aurora-postgresql" } },
    config: { environment: "prod" },
  },
  "aws-kms-key-rotation": {
    good: { type: T(aws.kms.Key), props: { enableKeyRotation: true } },
    bad: { type: T(aws.kms.Key), props: {} },
  },
  "aws-kms-key-no-wildcard-principal": {
    good: {
      type: T(aws.kms.Key),
      props: {
        policy: doc({
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::1:root" },
          Action: "kms:*",
          Resource: "*",
        }),
      },
    },
    bad: {
      type: T(aws.kms.Key),
      props: {
        policy: doc({ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" }),
      },
    },
  },
  "aws-elasticache-encryption": {
    good: {
      type: T(aws.elasticache.ReplicationGroup),
      props: { description: "d", atRestEncryptionEnabled: true, transitEncryptionEnabled: true },
    },
    bad: {
      type: T(aws.elasticache.ReplicationGroup),
      props: { description: "d", atRestEncryptionEnabled: false },
    },
  },
  "aws-elasticache-auth-tls-required": {
    good: {
      type: T(aws.elasticache.ReplicationGroup),
      props: {
        description: "d",
        transitEncryptionEnabled: true,
        transitEncryptionMode: "required",
        authToken: "[secret]",
        atRestEncryptionEnabled: true,
        kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k",
      },
    },
    bad: {
      type: T(aws.elasticache.ReplicationGroup),
      props: { description: "d", transitEncryptionEnabled: true, transitEncryptionMode: "preferred" },
    },
  },
  "aws-elasticache-prod-multi-az": {
    good: {
      type: T(aws.elasticache.ReplicationGroup),
      props: { description: "d", numCacheClusters: 2, automaticFailoverEnabled: true, multiAzEnabled: true },
    },
    bad: {
      type: T(aws.elasticache.ReplicationGroup),
      props: {
        description: "d",
        numCacheClusters: 1,
        automaticFailoverEnabled: false,
        multiAzEnabled: false,
      },
    },
    config: { environment: "prod" },
  },
  "aws-elasticache-serverless-auth-kms": {
    good: {
      type: T(aws.elasticache.ServerlessCache),
      props: { engine: "valkey", userGroupId: "kv-users", kmsKeyId: cmk },
    },
    bad: { type: T(aws.elasticache.ServerlessCache), props: { engine: "valkey" } },
  },
  "aws-elasticache-not-in-public-subnet": {
    good: cacheInSubnets(["private"]),
    bad: cacheInSubnets(["private", "public"]),
  },
  // DynamoDB
  "aws-dynamodb-cmk": {
    good: dynamo({}),
    bad: dynamo({ serverSideEncryption: { enabled: true } }),
  },
  "aws-redshift-serverless-cmk": {
    good: redshiftNamespace({}),
    bad: redshiftNamespace({ kmsKeyId: undefined }),
  },
  "aws-redshift-serverless-not-public": {
    good: redshiftWorkgroup({ publiclyAccessible: false }),
    bad: redshiftWorkgroup({ publiclyAccessible: true }),
  },
  "aws-dynamodb-prod-protection": {
    good: dynamo({}),
    bad: dynamo({ pointInTimeRecovery: undefined, deletionProtectionEnabled: false }),
    config: { environment: "prod" },
  },
  // IAM
  "aws-iam-no-admin-policy": {
    good: iamPolicy(doc(scoped)),
    bad: iamPolicy(doc({ Effect: "Allow", Action: "*", Resource: "*" })),
  },
  "aws-iam-no-wildcard-actions": {
    good: iamPolicy(doc(scoped)),
    bad: iamPolicy(doc({ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::data/*" })),
  },
  "aws-iam-no-wildcard-resource": {
    good: [
      iamPolicy(
        doc(scoped, {
          Effect: "Allow",
          Action: ["ecr:GetAuthorizationToken", "ec2:DescribeInstances"],
          Resource: "*",
        }),
      ),
      inlinePolicy(doc(scoped, { Effect: "Allow", Action: "pricing:GetProducts", Resource: "*" })),
    ],
    bad: inlinePolicy(doc({ Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" })),
  },
  "aws-iam-no-privilege-escalation": {
    good: iamPolicy(
      doc({ Effect: "Allow", Action: "iam:PassRole", Resource: "arn:aws:iam::1:role/sagemaker-exec" }),
    ),
    bad: iamPolicy(doc({ Effect: "Allow", Action: ["iam:PassRole", "iam:AttachRolePolicy"], Resource: "*" })),
  },
  "aws-iam-inline-policy-least-privilege": {
    good: { type: T(aws.iam.RolePolicy), props: { role: "r", policy: doc(scoped) } },
    bad: {
      type: T(aws.iam.RolePolicy),
      props: { role: "r", policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) },
    },
  },
  "aws-iam-role-trust-scoped": {
    good: {
      type: T(aws.iam.Role),
      props: {
        assumeRolePolicy: doc({
          Effect: "Allow",
          Principal: { Federated: "arn:aws:iam::1:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X" },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: { "oidc.eks.eu-west-1.amazonaws.com/id/X:sub": "system:serviceaccount:ml:trainer" },
          },
        }),
      },
    },
    bad: {
      type: T(aws.iam.Role),
      props: {
        assumeRolePolicy: doc({
          Effect: "Allow",
          Principal: { Federated: "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" },
          Action: "sts:AssumeRoleWithWebIdentity",
        }),
      },
    },
  },
  // EKS / EC2 / ECR
  "aws-eks-endpoint-restricted": {
    good: eks({}),
    bad: eks({
      vpcConfig: { subnetIds: ["s1"], endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] },
    }),
  },
  "aws-eks-secrets-encryption": { good: eks({}), bad: eks({ encryptionConfig: undefined }) },
  "aws-eks-control-plane-logging": { good: eks({}), bad: eks({ enabledClusterLogTypes: ["api"] }) },
  "aws-eks-supported-version": { good: eks({}), bad: eks({ version: "1.27" }) },
  "aws-ec2-launch-template-imdsv2": {
    good: lt({}),
    bad: lt({ metadataOptions: { httpTokens: "optional" } }),
  },
  "aws-karpenter-nodeclass-imdsv2": {
    good: [
      nodeClass({ httpTokens: "required", httpPutResponseHopLimit: 1 }),
      nodeClass(undefined, "defaults"),
    ],
    bad: nodeClass({ httpTokens: "optional", httpPutResponseHopLimit: 2 }),
  },
  "aws-eks-network-policy-enforced": {
    good: [eks({ name: "c" }), vpcCni({ enableNetworkPolicy: "true" })],
    bad: [eks({ name: "c" }), vpcCni({})],
  },
  "aws-ec2-instance-imdsv2": { good: instance({}), bad: instance({ metadataOptions: undefined }) },
  "aws-ec2-launch-template-encrypted-volumes": {
    good: lt({}),
    bad: lt({ blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 100 } }] }),
  },
  "aws-ec2-instance-encrypted-volumes": {
    good: instance({}),
    bad: instance({ rootBlockDevice: { encrypted: false } }),
  },
  "aws-ebs-volume-encrypted": {
    good: { type: T(aws.ebs.Volume), props: { availabilityZone: "a", encrypted: true } },
    bad: { type: T(aws.ebs.Volume), props: { availabilityZone: "a" } },
  },
  "aws-ec2-launch-template-no-public-ip": {
    good: lt({}),
    bad: lt({ networkInterfaces: [{ associatePublicIpAddress: "true" }] }),
  },
  "aws-ec2-instance-no-public-ip": { good: instance({}), bad: instance({ associatePublicIpAddress: true }) },
  "aws-ec2-sg-no-public-admin-ports": { good: sg("10.0.0.0/8"), bad: sg("0.0.0.0/0") },
  "aws-ec2-sg-rule-no-public-admin-ports": {
    good: {
      type: T(aws.ec2.SecurityGroupRule),
      props: {
        type: "ingress",
        protocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrBlocks: ["0.0.0.0/0"],
        securityGroupId: "sg",
      },
    },
    bad: {
      type: T(aws.ec2.SecurityGroupRule),
      props: {
        type: "ingress",
        protocol: "-1",
        fromPort: 0,
        toPort: 0,
        cidrBlocks: ["0.0.0.0/0"],
        securityGroupId: "sg",
      },
    },
  },
  "aws-vpc-ingress-no-public-admin-ports": {
    good: {
      type: T(aws.vpc.SecurityGroupIngressRule),
      props: { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "10.1.0.0/16", securityGroupId: "sg" },
    },
    bad: {
      type: T(aws.vpc.SecurityGroupIngressRule),
      props: { ipProtocol: "tcp", fromPort: 3389, toPort: 3389, cidrIpv6: "::/0", securityGroupId: "sg" },
    },
  },
  "aws-ecr-immutable-tags": { good: ecr({}), bad: ecr({ imageTagMutability: "MUTABLE" }) },
  "aws-ecr-scan-on-push": { good: ecr({}), bad: ecr({ imageScanningConfiguration: { scanOnPush: false } }) },
  "aws-ecr-kms-encryption": {
    good: ecr({}),
    bad: ecr({ encryptionConfigurations: [{ encryptionType: "AES256" }] }),
  },
  // SageMaker
  "aws-sagemaker-notebook-no-direct-internet": {
    good: {
      type: T(aws.sagemaker.NotebookInstance),
      props: { directInternetAccess: "Disabled", subnetId: "s", rootAccess: "Disabled" },
    },
    bad: { type: T(aws.sagemaker.NotebookInstance), props: { directInternetAccess: "Enabled" } },
  },
  "aws-sagemaker-notebook-kms": {
    good: { type: T(aws.sagemaker.NotebookInstance), props: { kmsKeyId: "[secret]" } },
    bad: { type: T(aws.sagemaker.NotebookInstance), props: {} },
  },
  "aws-sagemaker-domain-vpc-only": {
    good: { type: T(aws.sagemaker.Domain), props: { appNetworkAccessType: "VpcOnly", kmsKeyId: "k" } },
    bad: { type: T(aws.sagemaker.Domain), props: { appNetworkAccessType: "PublicInternetOnly" } },
  },
  "aws-sagemaker-endpoint-config-kms": {
    good: { type: T(aws.sagemaker.EndpointConfiguration), props: { kmsKeyArn: "k" } },
    bad: { type: T(aws.sagemaker.EndpointConfiguration), props: {} },
  },
  "aws-sagemaker-model-network-isolation": {
    good: { type: T(aws.sagemaker.Model), props: { enableNetworkIsolation: true } },
    bad: { type: T(aws.sagemaker.Model), props: { executionRoleArn: "r" } },
  },
  // GKE
  "gcp-gke-private-nodes": {
    good: gke({}),
    bad: gke({ privateClusterConfig: { enablePrivateNodes: false } }),
  },
  "gcp-gke-control-plane-restricted": {
    good: gke({}),
    bad: gke({ masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: "0.0.0.0/0" }] } }),
  },
  "gcp-gke-workload-identity": { good: gke({}), bad: gke({ workloadIdentityConfig: undefined }) },
  "gcp-gke-shielded-nodes": { good: gke({}), bad: gke({ enableShieldedNodes: false }) },
  "gcp-gke-node-pool-secure-boot": {
    good: nodePool({}),
    bad: nodePool({ shieldedInstanceConfig: { enableSecureBoot: false } }),
  },
  "gcp-gke-node-pool-metadata-server": {
    good: nodePool({}),
    bad: nodePool({ workloadMetadataConfig: { mode: "GCE_METADATA" } }),
  },
  "gcp-gke-release-channel": { good: gke({}), bad: gke({ releaseChannel: { channel: "UNSPECIFIED" } }) },
  "gcp-gke-network-policy": { good: gke({}), bad: gke({ datapathProvider: "LEGACY_DATAPATH" }) },
  "gcp-gke-no-legacy-auth": { good: gke({}), bad: gke({ enableLegacyAbac: true }) },
  // GCS / SQL / KMS / Vertex
  "gcp-gcs-uniform-access": { good: gcs({}), bad: gcs({ uniformBucketLevelAccess: false }) },
  "gcp-gcs-public-access-prevention": { good: gcs({}), bad: gcs({ publicAccessPrevention: "inherited" }) },
  "gcp-gcs-versioning": { good: gcs({}), bad: gcs({ versioning: { enabled: false } }) },
  "gcp-sql-no-public-ip": { good: sql({}), bad: sql({ ipConfiguration: { sslMode: "ENCRYPTED_ONLY" } }) },
  "gcp-sql-ssl-required": {
    good: sql({}),
    bad: sql({ ipConfiguration: { ipv4Enabled: false, sslMode: "ALLOW_UNENCRYPTED_AND_ENCRYPTED" } }),
  },
  "gcp-sql-backups": { good: sql({}), bad: sql({ backupConfiguration: { enabled: false } }) },
  "gcp-sql-prod-deletion-protection": {
    good: sql({}),
    bad: sql({ deletionProtectionEnabled: false }, { deletionProtection: false }),
    config: { environment: "prod" },
  },
  "gcp-memorystore-auth-tls": {
    good: {
      type: T(gcp.redis.Instance),
      props: { memorySizeGb: 1, authEnabled: true, transitEncryptionMode: "SERVER_AUTHENTICATION" },
    },
    bad: { type: T(gcp.redis.Instance), props: { memorySizeGb: 1, authEnabled: true } },
  },
  "gcp-memorystore-cmek": {
    good: {
      type: T(gcp.redis.Instance),
      props: { memorySizeGb: 1, customerManagedKey: "projects/p/locations/r/keyRings/k/cryptoKeys/c" },
    },
    bad: { type: T(gcp.redis.Instance), props: { memorySizeGb: 1 } },
  },
  "gcp-memorystore-private-service-access": {
    good: redis({
      connectMode: "PRIVATE_SERVICE_ACCESS",
      authorizedNetwork: "projects/p/global/networks/vpc",
    }),
    bad: redis({ authorizedNetwork: "projects/p/global/networks/vpc" }),
  },
  "gcp-memorystore-valkey-auth-tls": {
    good: valkey({}),
    bad: valkey({ authorizationMode: "AUTH_DISABLED", transitEncryptionMode: undefined }),
  },
  "gcp-memorystore-prod-ha": {
    good: [redis({ tier: "STANDARD_HA" }), valkey({})],
    bad: [redis({ tier: "BASIC" }), valkey({ replicaCount: 0 })],
    config: { environment: "prod" },
  },
  "gcp-bigtable-prod-deletion-protection": {
    good: bigtable({}),
    bad: bigtable({ deletionProtection: false }),
    config: { environment: "prod" },
  },
  "gcp-bigquery-dataset-cmek": {
    good: bqDataset({}),
    bad: bqDataset({ defaultEncryptionConfiguration: undefined }),
  },
  "gcp-bigquery-dataset-not-public": {
    good: [
      bqDataset({ accesses: [{ role: "READER", specialGroup: "projectReaders" }] }),
      {
        type: T(gcp.bigquery.DatasetIamMember),
        name: "reader",
        props: {
          datasetId: "fs_prod_offline",
          role: "roles/bigquery.dataViewer",
          member: "serviceAccount:a@p.iam.gserviceaccount.com",
        },
      },
    ],
    bad: bqDataset({ accesses: [{ role: "READER", iamMember: "allUsers" }] }),
  },
  "gcp-bigtable-cmek": {
    good: bigtable({}),
    bad: bigtable({ clusters: [{ clusterId: "features-a", zone: "europe-west4-a" }] }),
  },
  "gcp-kms-key-rotation": {
    good: { type: T(gcp.kms.CryptoKey), props: { keyRing: "kr", rotationPeriod: "7776000s" } },
    bad: { type: T(gcp.kms.CryptoKey), props: { keyRing: "kr", rotationPeriod: "31536000s" } },
  },
  "gcp-vertex-dataset-cmek": {
    good: {
      type: T(gcp.vertex.AiDataset),
      props: { displayName: "d", metadataSchemaUri: "u", encryptionSpec: { kmsKeyName: "k" } },
    },
    bad: { type: T(gcp.vertex.AiDataset), props: { displayName: "d", metadataSchemaUri: "u" } },
  },
  "gcp-vertex-endpoint-cmek": {
    good: {
      type: T(gcp.vertex.AiEndpoint),
      props: { displayName: "e", location: "europe-west4", encryptionSpec: { kmsKeyName: "k" } },
    },
    bad: { type: T(gcp.vertex.AiEndpoint), props: { displayName: "e", location: "europe-west4" } },
  },
  "gcp-vertex-featurestore-cmek": {
    good: { type: T(gcp.vertex.AiFeatureStore), props: { encryptionSpec: { kmsKeyName: "k" } } },
    bad: { type: T(gcp.vertex.AiFeatureStore), props: {} },
  },
  "gcp-workbench-no-public-ip": {
    good: {
      type: T(gcp.workbench.Instance),
      props: { location: "europe-west4-a", gceSetup: { disablePublicIp: true } },
    },
    bad: { type: T(gcp.workbench.Instance), props: { location: "europe-west4-a", gceSetup: {} } },
  },
  "gcp-iam-member-no-basic-roles": {
    good: {
      type: T(gcp.projects.IAMMember),
      props: {
        project: "p",
        role: "roles/aiplatform.user",
        member: "serviceAccount:a@p.iam.gserviceaccount.com",
      },
    },
    bad: {
      type: T(gcp.projects.IAMMember),
      props: { project: "p", role: "roles/editor", member: "user:a@example.com" },
    },
  },
  "gcp-iam-binding-no-basic-roles": {
    good: {
      type: T(gcp.projects.IAMBinding),
      props: { project: "p", role: "roles/storage.objectViewer", members: ["group:ml@example.com"] },
    },
    bad: {
      type: T(gcp.projects.IAMBinding),
      props: { project: "p", role: "roles/owner", members: ["group:ml@example.com"] },
    },
  },
  "gcp-iam-no-service-account-keys": {
    good: { type: T(gcp.serviceaccount.Account), props: { accountId: "trainer" } },
    bad: { type: T(gcp.serviceaccount.Key), props: { serviceAccountId: "trainer" } },
  },
  "gcp-gcs-no-public-iam": {
    good: {
      type: T(gcp.storage.BucketIAMMember),
      props: {
        bucket: "b",
        role: "roles/storage.objectViewer",
        member: "serviceAccount:a@p.iam.gserviceaccount.com",
      },
    },
    bad: {
      type: T(gcp.storage.BucketIAMMember),
      props: { bucket: "b", role: "roles/storage.objectViewer", member: "allUsers" },
    },
  },
  // Kubernetes pod security (bad cases spread across all six kinds)
  "k8s-run-as-non-root": {
    good: workload("Pod", podSpec()),
    bad: workload(
      "Pod",
      podSpec(
        { securityContext: {} },
        { securityContext: { ...secureCtx, runAsNonRoot: undefined, runAsUser: 0 } },
      ),
    ),
  },
  "k8s-no-privilege-escalation": {
    good: workload("StatefulSet", podSpec()),
    bad: workload("StatefulSet", podSpec({}, ctx({ allowPrivilegeEscalation: true }))),
  },
  "k8s-drop-all-capabilities": {
    good: workload("Job", podSpec()),
    bad: workload("Job", podSpec({}, ctx({ capabilities: { add: ["SYS_ADMIN"] } }))),
  },
  "k8s-seccomp-profile": {
    good: workload("CronJob", podSpec()),
    bad: workload(
      "CronJob",
      podSpec({ securityContext: { runAsNonRoot: true } }, ctx({ seccompProfile: undefined })),
    ),
  },
  "k8s-no-privileged-containers": {
    good: workload("Deployment", podSpec()),
    bad: workload("Deployment", podSpec({}, ctx({ privileged: true }))),
  },
  "k8s-no-host-namespaces": {
    good: workload("DaemonSet", podSpec()),
    bad: workload("DaemonSet", podSpec({ hostNetwork: true, hostPID: true })),
  },
  "k8s-no-host-path-volumes": {
    good: workload("Deployment", podSpec({ volumes: [{ name: "shm", emptyDir: { medium: "Memory" } }] })),
    bad: workload(
      "Deployment",
      podSpec({ volumes: [{ name: "h", hostPath: { path: "/var/run/docker.sock" } }] }),
    ),
  },
  "k8s-no-host-ports": {
    good: workload("Pod", podSpec({}, { ports: [{ containerPort: 8080 }] })),
    bad: workload("Pod", podSpec({}, { ports: [{ containerPort: 8080, hostPort: 8080 }] })),
  },
  "k8s-read-only-root-filesystem": {
    good: workload("Job", podSpec()),
    bad: workload("Job", podSpec({}, ctx({ readOnlyRootFilesystem: false }))),
  },
  // Kubernetes workloads
  "k8s-container-resources": {
    good: workload("Deployment", podSpec()),
    bad: workload("Deployment", podSpec({}, { resources: { requests: { cpu: "1" } } })),
  },
  "k8s-gpu-resources": {
    good: workload("Job", podSpec(gpuToleration, gpuContainer(1, 1))),
    bad: workload("Job", podSpec(gpuToleration, gpuContainer(undefined, 2))),
  },
  "k8s-image-pinned": {
    good: workload("Deployment", podSpec({}, { image: "nvcr.io/nvidia/pytorch@sha256:abc" })),
    bad: workload("Deployment", podSpec({}, { image: "python:latest" })),
  },
  "k8s-image-allowed-registry": {
    good: workload(
      "Deployment",
      podSpec({}, { image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/trainer:1.0.0" }),
    ),
    bad: workload("Deployment", podSpec({}, { image: "evil.example.com/miner:1.0" })),
  },
  "k8s-service-no-external-exposure": {
    good: [
      service("ClusterIP"),
      service("LoadBalancer", { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" }),
    ],
    bad: service("LoadBalancer"),
  },
  "k8s-namespace-network-policy": {
    good: [
      { type: T(k8s.core.v1.Namespace), name: "ns", props: { metadata: { name: "ml", labels } } },
      workload("Deployment", podSpec()),
      netpol("ml"),
    ],
    bad: [
      { type: T(k8s.core.v1.Namespace), name: "ns", props: { metadata: { name: "ml", labels } } },
      workload("Deployment", podSpec()),
      netpol("other"),
    ],
  },
  "k8s-helm-release-version-pinned": {
    good: {
      type: T(k8s.helm.v3.Release),
      props: {
        chart: "ingress-nginx",
        version: "4.11.3",
        repositoryOpts: { repo: "https://kubernetes.github.io/ingress-nginx" },
      },
    },
    bad: { type: T(k8s.helm.v3.Release), props: { chart: "ingress-nginx", version: "^4.0.0" } },
  },
  "k8s-helm-chart-version-pinned": {
    good: {
      type: T(k8s.helm.v4.Chart),
      props: { chart: "oci://registry-1.docker.io/bitnamicharts/redis", version: "20.1.0" },
    },
    bad: { type: T(k8s.helm.v4.Chart), props: { chart: "oci://registry-1.docker.io/bitnamicharts/redis" } },
  },
  "k8s-helm-v3-chart-version-pinned": {
    good: { type: T(k8s.helm.v3.Chart), props: { path: "./charts/mlflow" } },
    bad: { type: T(k8s.helm.v3.Chart), props: { chart: "gpu-operator", version: "v24.x" } },
  },
  // Kubernetes monitoring: the Monitoring component's kube-prometheus-stack Release, one part weakened
  "k8s-grafana-anonymous-or-default-password": {
    good: kpsRelease(),
    bad: kpsRelease((v) => (at(v, "grafana", "grafana.ini", "auth.anonymous").enabled = true)),
  },
  "k8s-prometheus-alertmanager-exposed-without-auth": {
    good: kpsRelease(),
    bad: kpsRelease((v) => (at(v, "prometheus", "service").type = "LoadBalancer")),
  },
  "k8s-monitor-namespace-not-selected": {
    good: [kpsRelease(), serviceMonitor("kueue", "kueue-system")],
    bad: [
      kpsRelease(
        (v) => (at(v, "prometheus", "prometheusSpec").serviceMonitorSelectorNilUsesHelmValues = true),
      ),
      serviceMonitor("kueue", "kueue-system"),
    ],
  },
  "k8s-alertmanager-inline-receiver-secret": {
    good: kpsRelease(),
    bad: kpsRelease(
      (v) =>
        (at(v, "alertmanager").config = {
          receivers: [
            { name: "slack", slack_configs: [{ api_url: "https://hooks.slack.com/services/T0/B0/x" }] },
          ],
        }),
    ),
  },
  // Governance
  "gov-aws-required-tags": {
    good: [
      {
        type: "pulumi:providers:aws",
        name: "aws",
        props: { region: "eu-west-1", defaultTags: { tags: { owner: "ml", "cost-center": "42" } } },
      },
      {
        type: T(aws.s3.Bucket),
        props: { tags: { environment: "prod", "data-classification": "internal" } },
        provider: "aws",
      },
    ],
    bad: { type: T(aws.rds.Instance), props: { tags: { owner: "ml" } } },
  },
  "gov-gcp-required-labels": { good: gcs({}), bad: sql({ userLabels: { owner: "ml" } }) },
  "gov-k8s-required-labels": {
    good: workload("Deployment", podSpec()),
    bad: { type: T(k8s.core.v1.PersistentVolumeClaim), props: { metadata: { labels: { owner: "ml" } } } },
  },
  "gov-stateful-resource-protection": {
    good: [
      { type: T(aws.rds.Instance), name: "db", props: {}, protect: true },
      { type: T(gcp.storage.Bucket), name: "b", props: {}, retainOnDelete: true },
    ],
    bad: [{ type: T(aws.kms.Key), name: "key", props: {} }],
    config: { environment: "prod" },
  },
  "gov-allowed-regions": {
    good: [
      { type: "pulumi:providers:aws", name: "aws", props: { region: "eu-west-1" } },
      gke({ location: "europe-west4-a" }),
    ],
    bad: [{ type: "pulumi:providers:aws", name: "aws", props: { region: "us-east-1" } }],
    config: { allowedRegions: ["eu-west-1", "europe-west4"] },
  },
  // Cost
  "cost-eks-gpu-node-group-scaling": {
    good: nodeGroup({}),
    bad: nodeGroup({ scalingConfig: { minSize: 2, maxSize: 64, desiredSize: 2 } }),
  },
  "cost-gke-gpu-node-pool-scaling": {
    good: nodePool({}),
    bad: nodePool({}, { autoscaling: { minNodeCount: 1 } }),
  },
  "cost-karpenter-gpu-limit": { good: karpenter({ "nvidia.com/gpu": 16 }), bad: karpenter(undefined) },
  "cost-eks-allowed-gpu-families": {
    good: nodeGroup({}),
    bad: nodeGroup({ instanceTypes: ["p3.16xlarge"] }),
  },
  "cost-gke-allowed-gpu-types": {
    good: nodePool({}),
    bad: nodePool({
      machineType: "n1-standard-8",
      guestAccelerators: [{ type: "nvidia-tesla-k80", count: 1 }],
    }),
  },
  "cost-eks-dev-gpu-spot": {
    good: nodeGroup({}),
    bad: nodeGroup({ capacityType: "ON_DEMAND" }),
    config: { environment: "dev" },
  },
  "cost-gke-dev-gpu-spot": {
    good: nodePool({}),
    bad: nodePool({ spot: false }),
    config: { environment: "dev" },
  },
  // Feast
  "k8s-feast-featurestore-v1": { good: featureStore(), bad: featureStore(featureStoreSpec(), "v1alpha1") },
  "k8s-feast-authz": {
    good: featureStore(),
    bad: editedFeatureStore((spec) => {
      spec.authz = { noAuth: {} };
    }),
  },
  "k8s-feast-tls": {
    good: featureStore(),
    bad: editedFeatureStore((spec) => {
      (spec.services as { ui: unknown }).ui = { tls: { disable: true } };
    }),
  },
  "k8s-feast-registry-persistent": {
    good: featureStore(),
    bad: editedFeatureStore((spec) => {
      (spec.services as { registry: unknown }).registry = {
        local: { persistence: { file: { path: "/data/registry.db" } } },
      };
    }),
  },
  // Model serving (KServe InferenceService, KEDA)
  "k8s-inferenceservice-resources": {
    good: inferenceService(),
    bad: editedInferenceService((spec) => delete spec.predictor.model.resources),
  },
  "k8s-inferenceservice-prod-min-replicas": {
    good: inferenceService(),
    bad: editedInferenceService((spec) => (spec.predictor.minReplicas = 1)),
    config: { environment: "prod" },
  },
  "k8s-inferenceservice-storage-platform-store": {
    good: inferenceService(),
    bad: editedInferenceService(
      (spec) =>
        (spec.predictor.model.storageUri = "https://huggingface.co/acme/model/resolve/main/model.pkl"),
    ),
  },
  "k8s-inferenceservice-storage-plain-http": {
    good: inferenceService(),
    bad: editedInferenceService(
      (spec) => (spec.predictor.model.storageUri = "http://models.example.com/recommender.pkl"),
    ),
  },
  "k8s-inferenceservice-pod-security": {
    good: inferenceService(),
    bad: editedInferenceService((spec) => delete spec.predictor.model.securityContext),
  },
  "k8s-serving-namespace-restricted": {
    good: [servingNamespace("serving"), inferenceService()],
    bad: [servingNamespace("serving", "baseline"), inferenceService()],
  },
  "k8s-serving-exposure-tls-auth": {
    good: [inferenceService(), servingIngress("recommender-predictor", { annotations: NGINX_AUTH })],
    bad: [inferenceService(), servingIngress("recommender-predictor", { tls: false })],
  },
  // The retraining loop (Argo)
  "k8s-argo-sa-no-cluster-rights": {
    good: [workflowTemplate(), sensor(), clusterRoleBinding("someone-else")],
    bad: [workflowTemplate(), sensor(), clusterRoleBinding("mlops-sensor")],
  },
  "k8s-argo-webhook-auth": {
    good: eventSource(),
    bad: withField(eventSource(), "spec.webhook.drift.authSecret", undefined),
  },
  "k8s-training-kueue-queue": {
    good: [trainingJob(), workflowTemplate()],
    bad: withField(trainingJob(), "metadata.labels", { "app.kubernetes.io/name": "training-job" }),
  },
  "k8s-drift-job-limits": {
    good: driftCronJob(),
    bad: withField(
      driftCronJob(),
      "spec.jobTemplate.spec.template.spec.containers[0].resources.limits",
      undefined,
    ),
  },
  "k8s-keda-no-inline-secrets": {
    good: scaledObject(),
    bad: scaledObject([prometheusTrigger({ bearerToken: "eyJhbGciOi..." })]),
  },
};
