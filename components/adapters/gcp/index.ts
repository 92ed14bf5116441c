/**
 * The Google Cloud adapter: Cloud KMS keys, Cloud Storage buckets, Cloud SQL for PostgreSQL on a
 * private IP, Memorystore for Redis, BigQuery, Workload Identity Federation for GKE, and the query path of
 * Google Cloud Managed Service for Prometheus. Each concern lives in its own file.
 */
import type { AdapterContext, CloudAdapter, CloudCapabilities, CloudContext, TargetSettings } from "../types";
import { createBigtableStore } from "./bigtable";
import { createBigQueryDataset } from "./bigquery";
import { createPdBlockStorage, type ComputeKeyGrantRegistry } from "./block-storage";
import { createPostgres } from "./cloudsql";
import { gcpScope, type GcpAdapterScope } from "./common";
import { createObjectStore, type StoreRoleRegistry } from "./gcs";
import { createGmpManagedMetrics } from "./gmp";
import { createWorkloadIdentity } from "./identity";
import { gcpIngressExposure } from "./ingress";
import { createKmsKey, type KeyGrantRegistry } from "./kms";
import { createMemorystoreRedis } from "./memorystore";
import { privateServiceAccessOnce } from "./private-service-access";
import { Target } from "../types";

export {
  BIGTABLE_AUTOSCALING,
  BIGTABLE_CPU_TARGET,
  BIGTABLE_MIN_BACKUP_DAYS,
  BIGTABLE_SERVICE,
  BIGTABLE_TABLE_NAME,
  bigtableTableNameProblem,
} from "./bigtable";
export { PD_CSI_PROVISIONER } from "./block-storage";
export { existingGcsStore, gcsStoreReference } from "./gcs";
export { BIGQUERY_JOB_USER_ROLE, BIGQUERY_READ_ROLE, BIGQUERY_WRITE_ROLE, datasetRole } from "./bigquery";
export { CLOUD_SQL_TIERS, POSTGRES_VERSION, transactionLogRetentionDays } from "./cloudsql";
export {
  DEFAULT_PRIVATE_SERVICE_ACCESS_CIDR,
  GKE_METADATA_SERVER_DAEMON_CIDR,
  METADATA_SERVER_CIDR,
  gcpLabels,
  parsePrivateServiceAccessCidr,
  PRIVATE_SERVICE_ACCESS_CIDR_RULE,
} from "./common";
export {
  BIGTABLE_READ_ROLE,
  BIGTABLE_USER_ROLE,
  bigtableRole,
  BUCKET_OBJECT_ROLE,
  BUCKET_READ_ROLE,
  GKE_SA_ANNOTATION,
  WORKLOAD_IDENTITY_USER_ROLE,
  bucketRole,
} from "./identity";
export {
  GMP_FRONTEND_IMAGE,
  GMP_FRONTEND_PORT,
  GMP_FRONTEND_REPLICAS,
  GMP_FRONTEND_RESOURCES,
  GMP_FRONTEND_UID,
  GMP_RETENTION_DAYS,
  GMP_RULE_EVALUATOR,
  MONITORING_VIEWER_ROLE,
} from "./gmp";
export { ENCRYPTER_DECRYPTER_ROLE, KEY_ROTATION_PERIOD } from "./kms";
export {
  createPrivateServiceAccess,
  type PrivateServiceAccess,
  type PrivateServiceAccessArgs,
} from "./private-service-access";
export { MEMORYSTORE_MEMORY_GB, MEMORYSTORE_REDIS_VERSION, MEMORYSTORE_TLS_PORT } from "./memorystore";
export {
  BACKEND_CONFIG_ANNOTATION,
  GCE_INGRESS_CLASS,
  GCE_INTERNAL_INGRESS_CLASS,
  GCP_INGRESS_CLASSES,
  GOOGLE_LOAD_BALANCER_CIDRS,
  NEG_ANNOTATION,
  backendConfigSpec,
  gkeIngressAnnotations,
} from "./ingress";

/**
 * The Google Cloud capabilities that need no Kubernetes provider (Cloud KMS keys), for cluster
 * builders that run before the cluster exists. `settings.gcp` (project and region) is required;
 * an Error naming `args.gcp` is thrown without it.
 */
export function createGcpCloudAdapter(ctx: CloudContext, settings: TargetSettings): CloudCapabilities {
  return gcpCloudCapabilities(gcpScope(ctx, settings), new WeakMap());
}

function gcpCloudCapabilities(scope: GcpAdapterScope, keys: KeyGrantRegistry): CloudCapabilities {
  return {
    target: Target.gcp,
    encryptionKey: (role, args) => createKmsKey(scope, role, keys, args),
  };
}

/**
 * Creates the Google Cloud adapter for one component instance. `settings.gcp` (project, region,
 * network) is required; an Error naming `args.gcp` is thrown without it. Children are named
 * `${ctx.name}-<role>-<kind>` and parented to `ctx.parent`; the key, bucket and SQL instance get
 * `protect`/`retainOnDelete` from `ctx.protect`; `ctx.tags` become labels on every labelable
 * resource.
 */
export function createGcpAdapter(ctx: AdapterContext, settings: TargetSettings): CloudAdapter {
  const scope = gcpScope(ctx, settings);
  const keys: KeyGrantRegistry = new WeakMap();
  const stores: StoreRoleRegistry = new WeakMap();
  const computeGrants: ComputeKeyGrantRegistry = new Map();
  const privateServiceAccess = privateServiceAccessOnce(scope);
  return {
    ...gcpCloudCapabilities(scope, keys),
    objectStore: (role, args) => createObjectStore(scope, role, args, keys, stores),
    postgres: (role, args) => createPostgres(scope, role, args, keys, privateServiceAccess),
    keyValueStore: (role, args) => createMemorystoreRedis(scope, role, args, privateServiceAccess),
    tableStore: (role, args) => {
      const store = createBigtableStore(scope, role, args);
      stores.set(store, role);
      return store;
    },
    warehouse: (role, args) => createBigQueryDataset(scope, role, args, stores),
    workloadIdentity: (role, args) => createWorkloadIdentity(scope, ctx, role, args, stores),
    ingress: gcpIngressExposure(ctx, scope.gcp),
    managedMetrics: (role, args) => createGmpManagedMetrics(scope, ctx, role, args, stores),
    blockStorage: (role, args) => createPdBlockStorage(scope, ctx, role, args, computeGrants),
  };
}
