/**
 * The `local` target: backing services inside any Kubernetes cluster reachable from a kubeconfig
 * (kind, k3d, ...). Everything runs in the context's namespace as plain Kubernetes objects that
 * meet the Pod Security "restricted" profile, each workload with its own ServiceAccount (no token)
 * and NetworkPolicy:
 *
 * - object store: a single-node MinIO server per store (`./minio.ts`), dev only;
 * - PostgreSQL: a single-instance StatefulSet of the official image (`./postgres.ts`);
 * - key-value store: a single-instance Valkey StatefulSet with a generated password (`./valkey.ts`);
 * - workload identity: a ServiceAccount plus the store's credentials by `secretKeyRef` (`./identity.ts`);
 * - encryption keys: none (there is no KMS in the cluster);
 * - managed metrics: none (`managedMetrics` throws; monitoring runs self-hosted);
 * - table stores: none (`tableStore` throws; the key-value store is the local online store);
 * - warehouse: none (`warehouse` throws; the offline store is Parquet on MinIO);
 * - block storage: no StorageClass of its own; volumes use `settings.local.storageClassName` or the
 *   cluster's default class, encrypted at rest only as far as the node disks are.
 */
import * as pulumi from "@pulumi/pulumi";
import type {
  AdapterContext,
  IngressExposure,
  CloudAdapter,
  CloudCapabilities,
  CloudContext,
  ObjectStore,
  TargetSettings,
} from "../types";
import { Target } from "../types";
import { createWorkloadIdentity } from "./identity";
import { createMinioObjectStore, type MinioStore } from "./minio";
import { createPostgres } from "./postgres";
import { createValkey } from "./valkey";

export {
  existingMinioStore,
  MC_IMAGE,
  MINIO_IMAGE,
  MINIO_PORT,
  MINIO_SECRET_KEYS,
  MINIO_UID,
  minioStoreReference,
} from "./minio";
export { VALKEY_GID, VALKEY_IMAGE, VALKEY_SECRET_KEYS, VALKEY_SIZING, VALKEY_UID } from "./valkey";
export { POSTGRES_IMAGE, POSTGRES_PGDATA, POSTGRES_PORT, POSTGRES_RESOURCES, POSTGRES_UID } from "./postgres";

/**
 * The Error `managedMetrics` throws on `local`: there is no managed Prometheus service in a plain
 * cluster, so the monitoring stack must run self-hosted.
 */
export function managedMetricsUnavailable(role: string): Error {
  return new Error(
    `managedMetrics("${role}"): managed monitoring is not available on target "local"; use monitoring mode "selfHosted" (managed monitoring needs target "aws" or "gcp")`,
  );
}

/**
 * The Error `tableStore` throws on `local`: DynamoDB and Bigtable are cloud services, and the
 * cluster runs no stand-in for them; the feature store's online store on `local` is the key-value
 * store.
 */
export function tableStoreUnavailable(role: string): Error {
  return new Error(
    `tableStore("${role}"): table stores (DynamoDB, Bigtable) are not available on target "local"; use the key-value store (online store type "keyValue"); table stores need target "aws" (DynamoDB) or "gcp" (Bigtable)`,
  );
}

/**
 * The Error `warehouse` throws on `local`: there is no data warehouse in a plain cluster; the
 * feature store's offline store is Parquet on MinIO there.
 */
export function warehouseUnavailable(role: string): Error {
  return new Error(
    `warehouse("${role}"): no data warehouse is available on target "local"; use offline store type "parquet" (a warehouse needs target "aws" for Redshift or "gcp" for BigQuery)`,
  );
}

/**
 * Exposure on `local`: an in-cluster ingress controller, by default ingress-nginx's class "nginx"
 * (kind's and most dev clusters' controller); there is no cloud load balancer.
 */
export const LOCAL_INGRESS: IngressExposure = {
  defaultClassName: "nginx",
  loadBalancer: () => undefined,
};

/**
 * The `local` capabilities that need no Kubernetes provider: only keys, and there are none (a
 * cluster has no KMS; data at rest is as protected as the cluster's volumes, so encrypt the node
 * disks / StorageClass if that matters).
 */
export function createLocalCloudAdapter(
  _ctx: CloudContext,
  _settings: TargetSettings = {},
): CloudCapabilities {
  return {
    target: Target.local,
    /** Always `undefined`: a cluster has no KMS. */
    encryptionKey(_role, _args) {
      return undefined;
    },
  };
}

/**
 * Creates the `local` adapter for one component instance. `settings.local` (optional) picks the
 * StorageClass and the MinIO volume size. The adapter remembers the stores it created so that
 * `workloadIdentity` can reference their credentials Secret.
 */
export function createLocalAdapter(ctx: AdapterContext, settings: TargetSettings): CloudAdapter {
  const local = settings.local;
  const stores = new Map<ObjectStore, MinioStore>();
  return {
    ...createLocalCloudAdapter(ctx, settings),
    objectStore(role, args) {
      const minio = createMinioObjectStore(ctx, local, role, args);
      stores.set(minio.store, minio);
      return minio.store;
    },
    postgres(role, args) {
      return createPostgres(ctx, local, role, args);
    },
    keyValueStore(role, args) {
      return createValkey(ctx, local, role, args);
    },
    tableStore(role, _args) {
      throw tableStoreUnavailable(role);
    },
    warehouse(role, _args) {
      throw warehouseUnavailable(role);
    },
    workloadIdentity(role, args) {
      return createWorkloadIdentity(ctx, stores, role, args);
    },
    ingress: LOCAL_INGRESS,
    managedMetrics(role, _args) {
      throw managedMetricsUnavailable(role);
    },
    blockStorage(_role, _args) {
      // Nothing to create: a local cluster has no KMS, so `args.key` is always undefined here.
      const className = local?.storageClassName;
      return {
        storageClassName: className === undefined ? undefined : pulumi.output(className),
        resources: [],
      };
    },
  };
}
