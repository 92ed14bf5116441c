/**
 * The cloud adapter seam. Components are cloud-agnostic: everything that differs between targets
 * (encryption keys, object stores, PostgreSQL, key-value stores, workload identity, ingress) sits
 * behind the adapter, with one implementation folder per target (`aws/`, `gcp/`, `local/`). A
 * component asks the adapter for what it needs and never branches on the target itself.
 *
 * The seam is split by capability:
 * - `CloudCapabilities` (`createCloudAdapter`, with a `CloudContext`: parent, name, tags,
 *   protection, no Kubernetes provider): customer-managed keys. Cluster builders use it before the
 *   cluster's Kubernetes provider exists.
 * - `CloudAdapter` (`createAdapter`, with an `AdapterContext` = `CloudContext` plus the
 *   `KubernetesContext`): everything else, including what creates Kubernetes objects
 *   (ServiceAccounts of workload identities, the `local` target's in-cluster services).
 * Identities take grants (`{ resource: ObjectStore, access: Access }`), so a store one component
 * created can be granted to another component's identity.
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { DatabaseSize } from "../shared/presets";
import type { ComponentContext } from "../shared/component";
import type { ScrapeBackend } from "../shared/monitors";

/** Where a component's backing services run. */
export const Target = {
  /** Amazon Web Services: S3, RDS PostgreSQL, KMS, IAM (IRSA or EKS Pod Identity). */
  aws: "aws",
  /** Google Cloud: GCS, Cloud SQL PostgreSQL (private IP), Cloud KMS, Workload Identity. */
  gcp: "gcp",
  /** Any Kubernetes cluster from a kubeconfig (kind, k3d, ...): in-cluster PostgreSQL and MinIO. */
  local: "local",
} as const;
export type Target = (typeof Target)[keyof typeof Target];
export const TARGETS = Object.values(Target) as [Target, ...Target[]];

/** How pods get AWS credentials without static keys. */
export const AwsIdentityMode = {
  /** IAM Roles for Service Accounts: an IAM role trusted by the cluster's OIDC provider. */
  irsa: "irsa",
  /** EKS Pod Identity: an IAM role trusted by pods.eks.amazonaws.com plus a PodIdentityAssociation. */
  podIdentity: "podIdentity",
} as const;
export type AwsIdentityMode = (typeof AwsIdentityMode)[keyof typeof AwsIdentityMode];

/**
 * The one default identity mode of every component and adapter: EKS Pod Identity. Its roles trust
 * `pods.eks.amazonaws.com` instead of one cluster's OIDC issuer, so a role is reusable across
 * clusters and no IAM OIDC provider is needed
 * (https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html); it needs the
 * `eks-pod-identity-agent` add-on, which the training cluster installs in this mode.
 */
export const DEFAULT_AWS_IDENTITY_MODE: AwsIdentityMode = AwsIdentityMode.podIdentity;

/** The cluster and network a component's AWS backing services attach to. */
export interface AwsTargetArgs {
  /** VPC of the EKS cluster. The database is placed in it. */
  vpcId: pulumi.Input<string>;
  /** CIDR block of the VPC; NetworkPolicy egress to the database is limited to it. */
  vpcCidrBlock: pulumi.Input<string>;
  /** Private subnets (at least two, in different AZs) for the database subnet group. */
  privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Security group of the cluster's nodes (or pods); only it may reach the database on 5432. */
  nodeSecurityGroupId: pulumi.Input<string>;
  /**
   * How pods get AWS credentials.
   * @default "podIdentity" (`DEFAULT_AWS_IDENTITY_MODE`)
   */
  identityMode?: AwsIdentityMode;
  /** ARN of the cluster's IAM OIDC provider. Required when `identityMode` is "irsa". */
  oidcProviderArn?: pulumi.Input<string>;
  /** Issuer URL of the cluster's OIDC provider (with or without https://). Required for "irsa". */
  oidcProviderUrl?: pulumi.Input<string>;
  /** EKS cluster name. Required when `identityMode` is "podIdentity". */
  clusterName?: pulumi.Input<string>;
  /**
   * ARN of the IAM role the EBS CSI controller runs as: the only principal the key policy of an
   * encrypted StorageClass (`blockStorage`) admits. A cluster this toolkit creates sets it.
   * @default any principal of the account, through EC2 in the region only
   */
  ebsCsiRoleArn?: pulumi.Input<string>;
}

/** Whether the component creates the VPC's private services access (needed for Cloud SQL private IP). */
export const GcpPrivateServiceAccess = {
  /** Create the reserved range and the Service Networking connection on the network. */
  create: "create",
  /** The network already has a Service Networking connection (one per VPC). */
  existing: "existing",
} as const;
export type GcpPrivateServiceAccess = (typeof GcpPrivateServiceAccess)[keyof typeof GcpPrivateServiceAccess];

/** The project and network a component's Google Cloud backing services attach to. */
export interface GcpTargetArgs {
  /** Project ID; its Workload Identity pool is `<project>.svc.id.goog`. */
  project: pulumi.Input<string>;
  /** Region for the database, bucket and key ring (e.g. "europe-west4"). */
  region: pulumi.Input<string>;
  /** Self link or ID of the cluster's VPC network (`projects/<p>/global/networks/<n>`). */
  network: pulumi.Input<string>;
  /**
   * Private services access for Cloud SQL private IP.
   * @default "create"
   */
  privateServiceAccess?: GcpPrivateServiceAccess;
  /**
   * CIDR of the private services access range, used for NetworkPolicy egress to the database.
   * With "create" it is also the reserved range's address.
   * @default "10.100.0.0/16"
   */
  privateServiceAccessCidr?: string;
  /**
   * CIDR of the region's proxy-only subnet (purpose REGIONAL_MANAGED_PROXY), from which GKE's
   * internal Application Load Balancer (IngressClass "gce-internal") connects to pods; admitted by
   * the NetworkPolicy. Required for an Ingress of class "gce-internal" (the default on GCP); a
   * cluster created by this toolkit supplies it.
   */
  proxyOnlySubnetCidr?: pulumi.Input<string>;
  /**
   * E-mail of the service account the cluster's nodes run as. With an Ingress of class
   * "gce-internal", the firewall rule that admits the load balancer's proxies to the pods targets
   * exactly these nodes; without it, the rule targets every VM of the network (still only from the
   * proxy-only subnet and only on the serving port). A cluster created by this toolkit supplies it.
   * @default undefined (every VM of the network)
   */
  nodeServiceAccount?: pulumi.Input<string>;
}

/** Settings for in-cluster backing services on any Kubernetes cluster. */
export interface LocalTargetArgs {
  /**
   * StorageClass for the PostgreSQL and MinIO volumes and for `blockStorage`; the cluster default when unset.
   * @default undefined (cluster default)
   */
  storageClassName?: string;
  /**
   * Size of the MinIO volume in GiB.
   * @default 10
   */
  objectStoreStorageGb?: number;
}

/**
 * What a cloud capability (keys, object stores, databases, key-value stores, cloud identities and
 * roles) needs to place its cloud children: their parent, names, tags and protection. No
 * Kubernetes provider: a cluster builder, which runs before any Kubernetes provider exists, uses
 * `createCloudAdapter` with this context alone.
 */
export interface CloudContext extends Pick<ComponentContext, "parent" | "name" | "tags" | "protect"> {
  /**
   * Base of account- or project-unique physical names (KMS aliases, snapshot identifiers, service
   * account ids): `<base>-<role>`.
   * @default `<name>-<stack>` (`physicalNameBase(name)`)
   */
  physicalNameBase?: string;
}

/**
 * The Kubernetes part of the context, for capabilities that create Kubernetes objects
 * (ServiceAccounts of workload identities, the in-cluster services of the `local` target, GKE's
 * BackendConfig).
 */
export interface KubernetesContext {
  /** Provider of the Kubernetes cluster the workload runs on. */
  k8sProvider: k8s.Provider;
  /** Namespace the workload runs in (in-cluster services on `local` go there too). */
  namespace: pulumi.Input<string>;
  /** Options applied to resources that must depend on something outside (e.g. the namespace). */
  dependsOn: pulumi.Resource[];
}

/** Everything the full adapter (`createAdapter`) needs: the cloud context plus the Kubernetes part. */
export interface AdapterContext extends CloudContext, KubernetesContext {}

/** What a customer-managed key protects; picks the service agents granted its use and its description. */
export const KeyPurpose = {
  /** A component's data: object stores, databases and key-value stores (the default). */
  data: "data",
  /** Envelope encryption of a cluster's Kubernetes Secrets (EKS / GKE application-layer encryption). */
  kubernetesSecrets: "kubernetesSecrets",
} as const;
export type KeyPurpose = (typeof KeyPurpose)[keyof typeof KeyPurpose];

export interface EncryptionKeyArgs {
  /**
   * What the key protects.
   * @default "data"
   */
  purpose?: KeyPurpose;
}

/** A customer-managed encryption key (none on `local`). */
export interface EncryptionKey {
  /** ARN (AWS) or ID `projects/.../cryptoKeys/...` (GCP). */
  keyId: pulumi.Output<string>;
  resource: pulumi.CustomResource;
  /**
   * The grants that let the cloud's service agents use the key (gcp); a resource encrypted with
   * the key waits for them. Empty where IAM policies of the key's users suffice (aws).
   */
  ready: pulumi.Resource[];
}

export interface ObjectStoreArgs {
  /** Encrypt objects with this key (SSE-KMS / CMEK). */
  key?: EncryptionKey;
  /** Keep object versions. */
  versioning: boolean;
  /** Allow `pulumi destroy` to delete a non-empty bucket. */
  forceDestroy: boolean;
}

/**
 * What kind of store a handle is: each target's workload identity grants access by kind (a bucket
 * policy / bucket IAM member for an object store). Every store handle that can be granted has one.
 */
export const StoreKind = {
  /** An `ObjectStore` (S3, GCS, MinIO bucket). */
  objectStore: "objectStore",
  /** A `TableStore` (DynamoDB tables, a Bigtable instance's tables). */
  tableStore: "tableStore",
  /** A `Warehouse` (Redshift Serverless workgroup, BigQuery dataset). */
  warehouse: "warehouse",
} as const;
export type StoreKind = (typeof StoreKind)[keyof typeof StoreKind];

export interface ObjectStore {
  /** Discriminant of `GrantableStore`. */
  kind: typeof StoreKind.objectStore;
  /** Bucket name. */
  bucketName: pulumi.Output<string>;
  /** URI of the bucket root: `s3://<bucket>` or `gs://<bucket>`. */
  uri: pulumi.Output<string>;
  /** Non-secret environment a client process needs (e.g. `MLFLOW_S3_ENDPOINT_URL` on local). */
  clientEnv: k8s.types.input.core.v1.EnvVar[];
  /** NetworkPolicy egress rules a pod needs to reach the store. */
  egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[];
  /** The key objects are encrypted with, when there is one (identity policies grant use of it). */
  encryptionKey?: EncryptionKey;
  /** The bucket resource (for `dependsOn`). */
  resource: pulumi.Resource;
}

/**
 * The MinIO server of a `local` object store, by the names of its Kubernetes objects
 * (`ObjectStoreReference.minio`): what another stack needs to give its workloads a read-only user
 * of that server, as a program does for a store of another component (`workloadIdentity`'s read
 * grant: the user is created by a Job in the server's namespace, with the server's root
 * credentials, as the ServiceAccount the server's NetworkPolicies admit).
 */
export interface MinioServerReference {
  /** Namespace of the server (its owner component's). */
  namespace: string;
  /** `metadata.name` of its Service (S3 API on port 9000). */
  serviceName: string;
  /** Secret in `namespace` with its root credentials (`MINIO_ROOT_USER`, `MINIO_ROOT_PASSWORD`). */
  credentialsSecretName: string;
  /** ServiceAccount in `namespace` of the pods allowed to administer the server (its bucket Job's). */
  adminServiceAccountName: string;
  /** Labels of those pods (the selector of the NetworkPolicy that lets them reach the server). */
  adminPodLabels: Record<string, string>;
  /** Labels of the server's pods (its Service's selector). */
  serverPodLabels: Record<string, string>;
}

/**
 * An object store as plain values: what a stack exports of a store it created
 * (`objectStoreReference`) and what another stack rebuilds the store's handle from
 * (`existingObjectStore`), e.g. to serve one more model from the platform's artifact store.
 */
export interface ObjectStoreReference {
  /** The target the store was created on (the reading cluster's target). */
  target: Target;
  /** Bucket name. */
  bucketName: string;
  /**
   * aws: ARN of the KMS key the objects are encrypted with (SSE-KMS), so that a read grant also
   * grants `kms:Decrypt` on it; gcp: the Cloud KMS key (`projects/.../cryptoKeys/...`, CMEK),
   * reported only (Cloud Storage's service agent decrypts for readers). Not on local.
   * @default none (the bucket's default encryption)
   */
  encryptionKeyId?: string;
  /** aws: the bucket's region (clients' `AWS_REGION`). Required on aws. */
  region?: string;
  /** gcp: the bucket's project (clients' `GOOGLE_CLOUD_PROJECT`). Required on gcp. */
  project?: string;
  /** local: the MinIO server that holds the bucket. Required on local. */
  minio?: MinioServerReference;
}

/** Where `existingObjectStore` puts what it reads, and the cluster it reads through (local). */
export interface ExistingStoreContext {
  /** Logical name base of the reads: `${name}-bucket`, `${name}-key`, `${name}-minio`. */
  name: string;
  /** Parent of the reads. @default the stack */
  parent?: pulumi.Resource;
  /** Provider of the cluster the MinIO server runs on; the local store reads its Service through it. */
  k8sProvider: k8s.Provider;
}

export interface PostgresArgs {
  /** Database name to create. */
  databaseName: string;
  /** Owner user name. */
  username: string;
  /** Owner password: a Pulumi secret, never a plain value. */
  password: pulumi.Output<string>;
  size: DatabaseSize;
  storageGb: number;
  highAvailability: boolean;
  deletionProtection: boolean;
  backupRetentionDays: number;
  pointInTimeRecovery: boolean;
  /** Encrypt storage with this key. */
  key?: EncryptionKey;
}

export interface PostgresDatabase {
  /** Host name or private IP reachable from the cluster. */
  host: pulumi.Output<string>;
  port: pulumi.Output<number>;
  databaseName: pulumi.Output<string>;
  username: pulumi.Output<string>;
  /** libpq `sslmode` to connect with. */
  sslMode: "require" | "disable";
  /** NetworkPolicy egress rules a pod needs to reach the database. */
  egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[];
  /** The database instance (for `dependsOn`). */
  resource: pulumi.Resource;
}

/** What a key-value store (Valkey / Redis OSS protocol; the feature store's online store) needs. */
export interface KeyValueStoreArgs {
  /** Node (aws) / memory (gcp) / container (local) size class. */
  size: DatabaseSize;
  /** A replica in another zone with automatic failover (Multi-AZ on aws, STANDARD_HA on gcp); no effect on local. */
  highAvailability: boolean;
  /** Days of automatic snapshots kept (aws); 0 turns them off. Daily RDB persistence on gcp when above 0. */
  backupRetentionDays: number;
  /** Final snapshot on delete (aws) and the provider's deletion protection (gcp). */
  deletionProtection: boolean;
  /** Encrypt data at rest with this key (KMS / CMEK). */
  key?: EncryptionKey;
  /**
   * Pod labels the store's clients carry. On `local` the store's NetworkPolicy admits only pods of
   * the namespace with all of these labels; the cloud stores are reachable from the cluster's
   * nodes only (security group / private services access).
   */
  clientPodLabels: Record<string, string>;
}

/** A Kubernetes Secret key holding a credential (`secretKeyRef`). */
export interface SecretKeyReference {
  /** `metadata.name` of the Secret, in the context's namespace. */
  name: string;
  /** Key in the Secret's data. */
  key: string;
}

export interface KeyValueStore {
  /** Host name or private IP of the primary endpoint. */
  host: pulumi.Output<string>;
  port: pulumi.Output<number>;
  /** Whether clients must connect with TLS (`rediss://`, Feast `ssl=true`). */
  tls: boolean;
  /**
   * The AUTH token / password: a Pulumi secret. Never contains `,` and is never all digits (Feast
   * splits its Redis connection string on `,` and JSON-decodes each value).
   */
  password: pulumi.Output<string>;
  /** Where the password is stored in the cluster (local only; clients read it by `secretKeyRef`). */
  passwordSecret?: SecretKeyReference;
  /**
   * PEM certificates of the CA that signs the server certificate, for clients to mount and verify
   * the server with (gcp: Memorystore's per-instance CA). Undefined where the server certificate
   * chains to a public CA in the system trust store (aws) or there is no TLS (local).
   */
  caCertificates?: pulumi.Output<string>;
  /** NetworkPolicy egress rules a client pod needs to reach the store. */
  egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[];
  /** The store (for `dependsOn`). */
  resource: pulumi.Resource;
}

/** What a table store (the feature store's DynamoDB / Bigtable online store) needs. */
export interface TableStoreArgs {
  /**
   * Exact physical names of the tables to create (the names the client computes; e.g. Feast's
   * `{project}.{table}`). At least one; each at most once; each valid for the target's service
   * (aws: 3–255 of `[A-Za-z0-9_.-]`; gcp: up to 50 of `[-_.A-Za-z0-9]`, not starting with `-` or
   * `.`), or the capability throws naming the table.
   */
  tables: string[];
  /** aws: the string partition (hash) key attribute of every table. Unused on gcp (row keys have no name). */
  partitionKey: string;
  /** gcp: the column family every table has. Unused on aws (items have no column families). */
  columnFamily: string;
  /** gcp: cell versions the column family's garbage collection keeps (at least 1). Unused on aws. */
  maxVersions: number;
  /** gcp: autoscaling bounds of each cluster (`BIGTABLE_AUTOSCALING`). Unused on aws (on-demand capacity). */
  size: DatabaseSize;
  /**
   * gcp: a second cluster in another zone of the region (replication). Unused on aws: DynamoDB
   * always replicates a table across three Availability Zones.
   */
  highAvailability: boolean;
  /**
   * aws: point-in-time recovery of each table over this many days (1–35; 0 turns it off). gcp:
   * daily automated backups of each table kept this many days (at least Bigtable's minimum of 3;
   * 0 turns them off).
   */
  backupRetentionDays: number;
  /** aws: each table's deletion protection. gcp: the instance's and each table's deletion protection. */
  deletionProtection: boolean;
  /** Encrypt the tables with this key (aws: SSE-KMS; gcp: CMEK on each cluster). Required on aws and gcp. */
  key?: EncryptionKey;
}

/** Pre-created tables of a managed wide-column / key-value service (DynamoDB, Bigtable). */
export interface TableStore {
  /** Discriminant of `GrantableStore`. */
  kind: typeof StoreKind.tableStore;
  /** The physical table names, as `TableStoreArgs.tables` gave them. */
  tableNames: string[];
  /** Region of the tables (aws) or of the instance's clusters (gcp). */
  region: pulumi.Output<string>;
  /** Google Cloud project of the instance (gcp); undefined on aws. */
  project?: pulumi.Output<string>;
  /** Bigtable instance ID (gcp); undefined on aws. */
  instanceId?: pulumi.Output<string>;
  /** NetworkPolicy egress a client pod needs to reach the service's API (HTTPS). */
  egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[];
  /** The key the tables are encrypted with (identity policies grant use of it on aws). */
  encryptionKey?: EncryptionKey;
  /** The tables (aws) or the instance and its tables (gcp), for `dependsOn`. */
  resources: pulumi.Resource[];
}

/** The engine of a `Warehouse`: what its SQL dialect and clients are (Feast's offline store type). */
export const WarehouseEngine = {
  /** Amazon Redshift Serverless, queried through the Redshift Data API (aws). */
  redshift: "redshift",
  /** BigQuery, queried as BigQuery jobs (gcp). */
  bigquery: "bigquery",
} as const;
export type WarehouseEngine = (typeof WarehouseEngine)[keyof typeof WarehouseEngine];

/** What a data warehouse (the feature store's offline store on aws / gcp) needs. */
export interface WarehouseArgs {
  /** Compute size class (aws: the workgroup's base capacity in RPUs); unused on gcp (on-demand slots). */
  size: DatabaseSize;
  /** Encrypt the warehouse's data with this key (aws: namespace and its admin secret; gcp: dataset default CMEK). */
  key?: EncryptionKey;
  /**
   * The bucket the warehouse stages data through (aws: `UNLOAD` / `COPY`, for which the warehouse's
   * own IAM role gets read/write on `stagingPrefix` of it and nothing else).
   */
  staging: ObjectStore;
  /** Key prefix of the staging area in `staging`, without leading or trailing "/" (e.g. "staging"). */
  stagingPrefix: string;
  /** Let `pulumi destroy` delete the warehouse with its tables (gcp: `deleteContentsOnDestroy`). */
  forceDestroy: boolean;
}

/**
 * A data warehouse a workload queries (and that can be granted): a Redshift Serverless namespace
 * and workgroup (aws) or a BigQuery dataset (gcp). The engine-specific fields are set only by
 * their engine.
 */
export interface Warehouse {
  /** Discriminant of `GrantableStore`. */
  kind: typeof StoreKind.warehouse;
  engine: WarehouseEngine;
  /** A stable reference: the workgroup ARN (aws) or `projects/<p>/datasets/<d>` (gcp). */
  id: pulumi.Output<string>;
  /** The AWS region (redshift) or the BigQuery location (bigquery) the data lives in. */
  location: pulumi.Output<string>;
  /** Database (redshift) or dataset id (bigquery) the workload's tables go in. */
  database: pulumi.Output<string>;
  /** Redshift Serverless workgroup name (redshift only). */
  workgroup?: pulumi.Output<string>;
  /** ARN of the IAM role Redshift assumes for `COPY` / `UNLOAD` on the staging prefix (redshift only). */
  iamRoleArn?: pulumi.Output<string>;
  /** Project of the dataset (bigquery only). */
  project?: pulumi.Output<string>;
  /** URI of the staging area: `<staging bucket uri>/<stagingPrefix>`. */
  stagingUri: pulumi.Output<string>;
  /** NetworkPolicy egress rules a client pod needs (HTTPS to the Data API / Google APIs). */
  egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[];
  /** The key the warehouse's data is encrypted with, when there is one. */
  encryptionKey?: EncryptionKey;
  /** The workgroup (aws) or dataset (gcp), for `dependsOn`. */
  resource: pulumi.Resource;
}

/** What a grant allows on a resource. */
export const Access = {
  /**
   * Read and list objects (aws: s3:GetObject/ListBucket/GetBucketLocation, kms:Decrypt; gcp:
   * roles/storage.objectViewer); read items / rows of a table store (aws: `DYNAMODB_READ_ACTIONS`;
   * gcp: roles/bigtable.reader on the instance). On a warehouse: query it (aws: the Data API and
   * GetCredentials on the workgroup; what the database user may read is the database's GRANTs;
   * gcp: roles/bigquery.dataViewer on the dataset and roles/bigquery.jobUser on the project).
   */
  read: "read",
  /**
   * Read, write and delete objects (aws: adds Put/Delete/multipart and kms:GenerateDataKey/Encrypt;
   * gcp: roles/storage.objectUser); read and write items / rows of a table store, never create or
   * delete tables (aws: adds `DYNAMODB_WRITE_ACTIONS`; gcp: roles/bigtable.user on the instance). On a warehouse: as `read` (aws) /
   * roles/bigquery.dataEditor on the dataset (gcp).
   */
  readWrite: "readWrite",
} as const;
export type Access = (typeof Access)[keyof typeof Access];

/** Every store handle a workload identity can be granted access to, discriminated by `kind`. */
export type GrantableStore = ObjectStore | TableStore | Warehouse;

/**
 * Access to one resource granted to a workload identity. `resource` is any grantable store an
 * adapter of the same target created: the component's own, or one another component exposes
 * (e.g. a model registry's artifact store granted `read` to a serving component).
 */
export interface Grant {
  resource: GrantableStore;
  access: Access;
}

export interface WorkloadIdentityArgs {
  /** Name of the Kubernetes ServiceAccount to create in the context's namespace. */
  serviceAccountName: string;
  /** What the workload may do on which stores (policies are scoped to exactly these stores); each store at most once. */
  grants: Grant[];
  /** Labels for the ServiceAccount. */
  labels: Record<string, string>;
}

export interface WorkloadIdentity {
  /** The ServiceAccount the workload runs as (token automount off). */
  serviceAccount: k8s.core.v1.ServiceAccount;
  serviceAccountName: pulumi.Output<string>;
  /** Cloud principal bound to it: IAM role ARN, GCP service account email, or the credentials Secret on local. */
  principal: pulumi.Output<string>;
  /** Environment the workload needs for its credentials (secret values only by `secretKeyRef`). */
  env: k8s.types.input.core.v1.EnvVar[];
  /** NetworkPolicy egress rules the credential exchange needs (STS, GKE metadata server). */
  egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[];
  /**
   * What a pod running as the ServiceAccount must wait for to get working credentials (EKS Pod
   * Identity association, the role's policy): pods created before it start without credentials
   * or permissions. Workloads put these in their `dependsOn`. Empty when nothing is pending.
   */
  ready: pulumi.Resource[];
}

/** How the Ingress gets its TLS certificate. */
export const IngressTls = {
  /** A Kubernetes Secret named by `tlsSecretName` (in-cluster controllers, GKE Ingress). */
  secret: "secret",
  /** An AWS Certificate Manager certificate named by `certificateArn` (AWS Load Balancer Controller). */
  certificateArn: "certificateArn",
} as const;
export type IngressTls = (typeof IngressTls)[keyof typeof IngressTls];

/** How an exposed endpoint authenticates every request before it reaches the backend. */
export const IngressAuthenticationKind = {
  /**
   * The in-cluster controller asks an external authentication service first (ingress-nginx
   * `auth-url`, e.g. oauth2-proxy's `/oauth2/auth`). In-cluster controller classes only.
   */
  externalAuth: "externalAuth",
  /** OpenID Connect at the load balancer (AWS Load Balancer Controller, `auth-type: oidc`). */
  oidc: "oidc",
  /** Identity-Aware Proxy at the load balancer (GKE Ingress, BackendConfig `iap`). */
  iap: "iap",
} as const;
export type IngressAuthenticationKind =
  (typeof IngressAuthenticationKind)[keyof typeof IngressAuthenticationKind];

/** What an OIDC-authenticating load balancer does with a request that carries no session. */
export const OidcUnauthenticatedAction = {
  /** Redirect to the identity provider's login (browsers), then serve. */
  authenticate: "authenticate",
  /** Answer 401 (API clients that already hold the load balancer's session cookie). */
  deny: "deny",
} as const;
export type OidcUnauthenticatedAction =
  (typeof OidcUnauthenticatedAction)[keyof typeof OidcUnauthenticatedAction];

/** OpenID Connect at the load balancer; the client credentials only by Secret reference. */
export interface LoadBalancerOidc {
  /** Issuer URL (https). */
  issuer: string;
  /** Authorization endpoint (https). */
  authorizationEndpoint: string;
  /** Token endpoint (https). */
  tokenEndpoint: string;
  /** User info endpoint (https). */
  userInfoEndpoint: string;
  /** Secret in the component's namespace with the keys `clientID` and `clientSecret`. */
  secretName: string;
  /** Space-separated scopes requested from the identity provider. */
  scope: string;
  /** What happens to a request without a session (never "allow": no anonymous requests). */
  onUnauthenticatedRequest: OidcUnauthenticatedAction;
  /** Seconds the load balancer's session cookie stays valid. */
  sessionTimeoutSeconds: number;
}

/** Identity-Aware Proxy at the load balancer; the OAuth client only by Secret reference. */
export interface LoadBalancerIap {
  /** Secret in the component's namespace with the keys `client_id` and `client_secret`. */
  secretName: string;
}

/**
 * Authentication a target's load balancer performs for every request: `kind` is the class's
 * (`CloudIngressClass.authentication`) and the field of that kind is set.
 */
export interface LoadBalancerAuthentication {
  kind: IngressAuthenticationKind;
  /** Set for kind "oidc". */
  oidc?: LoadBalancerOidc;
  /** Set for kind "iap". */
  iap?: LoadBalancerIap;
}

/** An IngressClass served by a target's own load balancer (not by an in-cluster controller). */
export interface CloudIngressClass {
  /** The only target the class exists on. */
  target: Target;
  /** Where its certificate comes from. */
  tls: IngressTls;
  /** The authentication its load balancer performs ("oidc" on the ALB, "iap" on GKE). */
  authentication: IngressAuthenticationKind;
}

/** The Service behind an Ingress, as a component describes it to the target's load balancer. */
export interface IngressBackend {
  /**
   * Distinguishes the companion objects of several Ingresses of one component: they are named
   * `${ctx.name}-${role}-<kind>` (e.g. one per served model); without it `${ctx.name}-<kind>`.
   */
  role?: string;
  /** Name of the Service behind the Ingress (`metadata.name`). */
  serviceName: string;
  /** Container port the Service targets; load balancers that reach pod IPs connect to it. */
  port: number;
  /** HTTP path the load balancer health-checks (answers 200 without credentials). */
  healthCheckPath: string;
  /** Seconds a whole request/response may take (load balancers with a response timeout). */
  requestTimeoutSeconds: number;
  /** Seconds a connection may stay idle (load balancers with an idle timeout). */
  idleTimeoutSeconds: number;
  /** Labels for companion objects. */
  labels: Record<string, string>;
}

/** What a target's load balancer needs to expose one Service through an Ingress. */
export interface LoadBalancerIngressArgs extends IngressBackend {
  /** IngressClass name (one of the target's cloud classes). */
  className: string;
  /** ACM certificate ARN, for classes whose `tls` is "certificateArn". */
  certificateArn?: string;
  /**
   * Authentication the load balancer performs for every request (its kind must be the class's);
   * undefined for a backend that authenticates itself (e.g. MLflow's basic auth).
   */
  authentication?: LoadBalancerAuthentication;
}

/** What the component puts on its Ingress and Service for a target's own load balancer. */
export interface LoadBalancerIngress {
  /** `spec.ingressClassName`; undefined when the class is chosen by annotation (GKE). */
  ingressClassName?: string;
  /** Annotations on the Ingress (scheme, listeners, TLS policy, health check, timeouts). */
  ingressAnnotations: Record<string, pulumi.Input<string>>;
  /** Annotations on the Service (e.g. GKE's NEG and BackendConfig). */
  serviceAnnotations: Record<string, pulumi.Input<string>>;
  /** Where the load balancer connects to pod IPs from (NetworkPolicy `ipBlock` peers). */
  sourceCidrs: pulumi.Input<string>[];
  /** Companion objects the Ingress needs before it is created (e.g. GKE BackendConfig). */
  resources: pulumi.Resource[];
  /** The authentication the load balancer now performs (`args.authentication.kind`); undefined without. */
  authentication?: IngressAuthenticationKind;
}

/** How a target exposes a Service outside the cluster. */
export interface IngressExposure {
  /** IngressClass used when the component's args name none. */
  readonly defaultClassName: string;
  /**
   * Ingress and Service settings for one of the target's own load-balancer classes (and any
   * companion object, created here); undefined for every other class, which an in-cluster
   * controller serves.
   */
  loadBalancer(args: LoadBalancerIngressArgs): LoadBalancerIngress | undefined;
}

/** What a managed Prometheus-compatible service gives the monitoring stack. */
export interface ManagedMetricsArgs {
  /**
   * The ServiceAccount of the in-cluster Prometheus (in the context's namespace; created by the
   * kube-prometheus-stack chart, never by the adapter): on aws it remote-writes to the workspace
   * with this identity.
   */
  prometheusServiceAccountName: string;
  /**
   * The ServiceAccount of the query proxy Grafana reads through (gcp: the GMP frontend, created by
   * the adapter with its Workload Identity binding). Unused on aws.
   */
  queryServiceAccountName: string;
  /**
   * Pod labels of the query proxy's clients (Grafana): the proxy's NetworkPolicy admits only pods
   * of the context's namespace with all of these labels; `{}` admits every pod of the namespace.
   * Unused on aws.
   */
  queryClientPodLabels: Record<string, string>;
  /**
   * Key the workspace is encrypted with (aws); when undefined the adapter creates one
   * (`encryptionKey(role)`): the AWS-owned key is never used. Unused on gcp (Google-managed
   * encryption of Cloud Monitoring data).
   */
  key?: EncryptionKey;
  /**
   * Days the managed store keeps samples (aws: `WorkspaceConfiguration.retentionPeriodInDays`).
   * gcp: fixed by Google at 24 months; the requested value is not an error there, and
   * `ManagedMetrics.retentionDays` reports what applies.
   */
  retentionDays: number;
  /** Labels for the Kubernetes objects the adapter creates. */
  labels: Record<string, string>;
}

/** What the monitoring stack uses of a managed Prometheus-compatible service. */
export interface ManagedMetrics {
  /** How workloads are scraped under this service. */
  scrapeBackend: ScrapeBackend;
  /**
   * `prometheus.prometheusSpec.remoteWrite` entries (aws: the workspace's remote-write URL with
   * SigV4 in the workspace's region); `[]` on gcp.
   */
  remoteWrite: pulumi.Output<Record<string, unknown>[]>;
  /**
   * Annotations for the Prometheus ServiceAccount (aws irsa: the role ARN; `{}` for Pod Identity,
   * whose association the adapter creates, and on gcp).
   */
  prometheusServiceAccountAnnotations: Record<string, pulumi.Input<string>>;
  /**
   * Prometheus-compatible URL Grafana queries (gcp: the GMP frontend Service the adapter creates);
   * undefined on aws, where Grafana reads the in-cluster Prometheus.
   */
  queryUrl?: pulumi.Output<string>;
  /**
   * NetworkPolicy egress the pods that talk to the service need: the in-cluster Prometheus (aws:
   * HTTPS to the workspace and STS, plus the Pod Identity agent) or the frontend (gcp: metadata
   * server and Google APIs; its own NetworkPolicy already allows them).
   */
  egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[];
  /** A stable reference shown to users: the AMP workspace ARN (aws) or the GCP project (gcp). */
  endpoint: pulumi.Output<string>;
  /** Days the managed store keeps samples: the requested value (aws), 730 (gcp, fixed by Google). */
  retentionDays: number;
  /**
   * Created resources the Prometheus (aws) or Grafana (gcp) pods wait for: workspace, role policy
   * and Pod Identity association; the frontend.
   */
  resources: pulumi.Resource[];
}

/** What a component's block storage (PersistentVolumes of its StatefulSets) needs. */
export interface BlockStorageArgs {
  /**
   * Key the volumes are encrypted with (the component's data key, from `encryptionKey`). Required
   * on aws and gcp, where the StorageClass names it; unused on local, which has no keys.
   */
  key?: EncryptionKey;
  /** Labels for the StorageClass. */
  labels: Record<string, string>;
  /** Keep the volume when its claim is deleted (`reclaimPolicy: Retain`, prod) instead of deleting it. */
  retain: boolean;
}

/** Block storage for a component's PersistentVolumeClaims. */
export interface BlockStorage {
  /**
   * StorageClass name for PVCs and `volumeClaimTemplates`; `undefined` means the cluster's default
   * class (local).
   */
  storageClassName: pulumi.Output<string> | undefined;
  /** Created resources (the StorageClass, key grants) a workload with such volumes must come after. */
  resources: pulumi.Resource[];
}

/** Capability: a StorageClass whose volumes are encrypted with the component's customer-managed key. */
export interface BlockStorageCapability {
  /**
   * A StorageClass `${name}-<role>-storageclass` whose volumes (EBS gp3 on aws, PD balanced on
   * gcp) are encrypted with `args.key`, plus what lets the cloud's storage service use the key;
   * nothing on local (the cluster's default class).
   */
  blockStorage(role: string, args: BlockStorageArgs): BlockStorage;
}

/** Capability: customer-managed encryption keys. */
export interface KeyCapability {
  /**
   * A customer-managed key `${name}-<role>-key` (KMS on aws, Cloud KMS on gcp, with the grants its
   * purpose needs); `undefined` where the target has none (local).
   */
  encryptionKey(role: string, args?: EncryptionKeyArgs): EncryptionKey | undefined;
}

/** Capability: private, encrypted object stores (S3, GCS, in-cluster MinIO). */
export interface ObjectStoreCapability {
  objectStore(role: string, args: ObjectStoreArgs): ObjectStore;
}

/** Capability: PostgreSQL databases (RDS, Cloud SQL, in-cluster PostgreSQL). */
export interface DatabaseCapability {
  postgres(role: string, args: PostgresArgs): PostgresDatabase;
}

/** Capability: key-value stores, the feature store's online store (ElastiCache, Memorystore, in-cluster Valkey). */
export interface KeyValueStoreCapability {
  /** A Valkey / Redis OSS key-value store with AUTH (and TLS and CMEK where the target has them). */
  keyValueStore(role: string, args: KeyValueStoreArgs): KeyValueStore;
}

/**
 * Capability: pre-created, encrypted tables of a managed service (DynamoDB on aws, a Bigtable
 * instance on gcp), the feature store's alternative online stores. Grantable to a workload
 * identity (`read`: read items / rows; `readWrite`: also write them; never create or delete
 * tables). `local` has none and throws an Error naming what is allowed.
 */
export interface TableStoreCapability {
  tableStore(role: string, args: TableStoreArgs): TableStore;
}

/**
 * Capability: a private, encrypted data warehouse (Redshift Serverless on aws, BigQuery on gcp).
 * Targets without one (local) throw an Error naming what is allowed instead.
 */
export interface WarehouseCapability {
  warehouse(role: string, args: WarehouseArgs): Warehouse;
}

/** Capability: a ServiceAccount bound to a cloud identity, with grants on stores (no static keys). */
export interface IdentityCapability {
  workloadIdentity(role: string, args: WorkloadIdentityArgs): WorkloadIdentity;
}

/** Capability: exposing a Service through an Ingress on the target's load balancer or a controller. */
export interface IngressCapability {
  /** How a Service is exposed through an Ingress on this target. */
  readonly ingress: IngressExposure;
}

/**
 * Capability: a managed Prometheus-compatible metrics store (the monitoring stack's "managed"
 * mode). Targets without one (local) throw an Error naming what is allowed instead.
 */
export interface ManagedMetricsCapability {
  managedMetrics(role: string, args: ManagedMetricsArgs): ManagedMetrics;
}

/**
 * The capabilities of a target that create no Kubernetes objects on any target (`createCloudAdapter`):
 * usable by a cluster builder before the cluster's Kubernetes provider exists.
 */
export interface CloudCapabilities extends KeyCapability {
  readonly target: Target;
}

/**
 * One target's implementation of every capability. Create one per component instance; a part that
 * needs only some capabilities takes only those interfaces (e.g. `ObjectStoreCapability &
 * IdentityCapability`).
 */
export interface CloudAdapter
  extends
    CloudCapabilities,
    ObjectStoreCapability,
    DatabaseCapability,
    KeyValueStoreCapability,
    TableStoreCapability,
    WarehouseCapability,
    IdentityCapability,
    IngressCapability,
    ManagedMetricsCapability,
    BlockStorageCapability {}

/** Per-target settings, as the component received them. */
export interface TargetSettings {
  aws?: AwsTargetArgs;
  gcp?: GcpTargetArgs;
  local?: LocalTargetArgs;
}
