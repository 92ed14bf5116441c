/**
 * Workload identity on `local`: there is no cloud IAM, so the "identity" is a Kubernetes
 * ServiceAccount (token automount off) plus the MinIO credentials of the store the workload
 * uses, injected by `secretKeyRef` (never as literal values).
 *
 * Children: one core/v1 ServiceAccount, Pulumi name `${ctx.name}-<role>-sa`, `metadata.name`
 * `args.serviceAccountName`.
 *
 * Access: each store has its own MinIO server with a single bucket. A `readWrite` grant injects
 * the server's root credentials (dev only: they could also administer that one server, which
 * holds nothing but the granted bucket). A `read` grant really is read-only: a MinIO user with a
 * policy that lists and reads exactly that bucket (`createMinioReader`), created by a Job the
 * workload's pods wait for (`WorkloadIdentity.ready`).
 *
 * A store of ANOTHER component (e.g. the model registry's artifacts granted to a serving
 * component) never hands out its root credentials: `createForeignMinioReader` creates a MinIO user
 * in the store's namespace — read-only for a `read` grant, object read/write on that one bucket
 * for a `readWrite` grant (`minioReadWritePolicy`, e.g. the retraining loop's training Job writing
 * reference data into the feature store's offline store) —, admits the workload's namespace to
 * the server, and puts the credentials in a Secret of the workload's namespace that the
 * ServiceAccount lists (`secrets`), so tools that find credentials through the ServiceAccount
 * (KServe's storage initializer) use them; the identity's `egress` then reaches the server across
 * namespaces.
 *
 * Limitation: only the first granted store's credentials are injected (one set of S3
 * credentials per process); a warning names the others.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { checkGrants } from "../grants";
import type { AdapterContext, ObjectStore, WorkloadIdentity, WorkloadIdentityArgs } from "../types";
import { childOptions, objectLabels, objectName } from "./common";
import {
  createForeignMinioReader,
  createMinioReader,
  minioStoreOf,
  MINIO_SECRET_KEYS,
  S3_CREDENTIAL_KEYS,
  type MinioStore,
} from "./minio";
import { Access, StoreKind } from "../types";

/**
 * Creates the workload's ServiceAccount and the environment that gives it the credentials of the
 * first store in `args.grants`. `stores` is the adapter instance's registry of the MinIO stores it
 * created.
 *
 * @throws Error when a store in `args.grants` was not created by this adapter instance.
 */
export function createWorkloadIdentity(
  ctx: AdapterContext,
  stores: ReadonlyMap<ObjectStore, MinioStore>,
  role: string,
  args: WorkloadIdentityArgs,
): WorkloadIdentity {
  const grants = checkGrants(role, args.grants);
  const known = grants.map(({ resource }, index) => {
    const own = resource.kind === StoreKind.objectStore ? stores.get(resource) : undefined;
    if (own !== undefined) return own;
    const foreign = resource.kind === StoreKind.objectStore ? minioStoreOf(resource) : undefined;
    if (foreign === undefined) {
      throw new Error(
        `local adapter: workloadIdentity("${role}"): grants[${index}].resource was not created by this ` +
          `adapter's objectStore() nor by another local adapter's; on the "local" target a workload can ` +
          `only be given credentials for a MinIO store.`,
      );
    }
    return foreign;
  });
  if (known.length > 1) {
    void pulumi.log.warn(
      `${ctx.name}: workloadIdentity("${role}") got ${known.length} buckets; on the "local" target each ` +
        `bucket has its own MinIO server and only the first one's credentials are injected.`,
      ctx.parent,
    );
  }

  // A store of another component: its read-only user, created where the store runs.
  const firstStore = known[0];
  const foreignReader =
    firstStore !== undefined && !stores.has(firstStore.store)
      ? createForeignMinioReader(ctx, firstStore, role, grants[0]!.access)
      : undefined;

  const serviceAccount = new k8s.core.v1.ServiceAccount(
    objectName(ctx, role, "sa"),
    {
      metadata: {
        name: args.serviceAccountName,
        namespace: ctx.namespace,
        labels: objectLabels(ctx, args.labels),
      },
      automountServiceAccountToken: false,
      ...(foreignReader ? { secrets: [{ name: foreignReader.credentialsSecretName }] } : {}),
    },
    childOptions(ctx),
  );

  // The first store's credentials: a read-only user for a `read` grant, the root user otherwise.
  const reader =
    foreignReader === undefined && firstStore !== undefined && grants[0]?.access === Access.read
      ? createMinioReader(ctx, firstStore, role)
      : undefined;
  const secretName =
    foreignReader?.credentialsSecretName ??
    reader?.credentialsSecretName ??
    firstStore?.credentialsSecretName;
  const keys = foreignReader ? S3_CREDENTIAL_KEYS : MINIO_SECRET_KEYS;
  const env: k8s.types.input.core.v1.EnvVar[] =
    secretName === undefined
      ? []
      : [
          {
            name: "AWS_ACCESS_KEY_ID",
            valueFrom: { secretKeyRef: { name: secretName, key: keys.user } },
          },
          {
            name: "AWS_SECRET_ACCESS_KEY",
            valueFrom: { secretKeyRef: { name: secretName, key: keys.password } },
          },
        ];

  return {
    serviceAccount,
    serviceAccountName: serviceAccount.metadata.name,
    // The "principal" is the credentials Secret (empty when no bucket was given).
    principal: pulumi.output(secretName ?? ""),
    env,
    // Reaching an own store is covered by its `egress`; another component's store is in another
    // namespace. No credential exchange is needed.
    egress: foreignReader?.egress ?? [],
    // Pods started before the read-only user exists would fail to authenticate.
    ready: foreignReader ? [foreignReader.job] : reader ? [reader.job] : [],
  };
}
