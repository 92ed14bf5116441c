/**
 * The Google Cloud adapter: Cloud KMS keys, Cloud Storage buckets, Cloud SQL for PostgreSQL on a
 * private IP, Memorystore for Redis, and Workload Identity Federation for GKE. Each concern lives in its own file.
 */
import type { AdapterContext, CloudAdapter, TargetSettings } from "../types";
import { createPostgres } from "./cloudsql";
import { gcpScope } from "./common";
import { createObjectStore, type StoreRoleRegistry } from "./gcs";
import { createWorkloadIdentity } from "./identity";
import { gcpIngressExposure } from "./ingress";
import { createEncryptionKey, type KeyGrantRegistry } from "./kms";
import { createMemorystoreRedis } from "./memorystore";
import { privateServiceAccessOnce } from "./private-service-access";

export { CLOUD_SQL_TIERS, POSTGRES_VERSION, transactionLogRetentionDays } from "./cloudsql";
export {
  DEFAULT_PRIVATE_SERVICE_ACCESS_CIDR,
  GKE_METADATA_SERVER_DAEMON_CIDR,
  METADATA_SERVER_CIDR,
  gcpLabels,
  parsePrivateServiceAccessCidr,
  PRIVATE_SERVICE_ACCESS_CIDR_RULE,
} from "./common";
export { BUCKET_OBJECT_ROLE, GKE_SA_ANNOTATION, WORKLOAD_IDENTITY_USER_ROLE } from "./identity";
export { ENCRYPTER_DECRYPTER_ROLE, KEY_ROTATION_PERIOD } from "./kms";
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
  const privateServiceAccess = privateServiceAccessOnce(scope);
  return {
    target: "gcp",
    encryptionKey: (role) => createEncryptionKey(scope, role, keys),
    objectStore: (role, args) => createObjectStore(scope, role, args, keys, stores),
    postgres: (role, args) => createPostgres(scope, role, args, keys, privateServiceAccess),
    keyValueStore: (role, args) => createMemorystoreRedis(scope, role, args, privateServiceAccess),
    workloadIdentity: (role, args) => createWorkloadIdentity(scope, role, args, stores),
    ingress: gcpIngressExposure(ctx, scope.gcp),
  };
}
