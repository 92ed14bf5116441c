/**
 * Workload identity on `local`: there is no cloud IAM, so the "identity" is a Kubernetes
 * ServiceAccount (token automount off) plus the MinIO credentials of the store the workload
 * uses, injected by `secretKeyRef` (never as literal values).
 *
 * Children: one core/v1 ServiceAccount, Pulumi name `${ctx.name}-<role>-sa`, `metadata.name`
 * `args.serviceAccountName`.
 *
 * Limitation (dev only): the credentials are MinIO's root credentials, so access is not scoped
 * to the bucket the way an IAM policy scopes it on the clouds.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { checkGrants } from "../grants";
import type { AdapterContext, ObjectStore, WorkloadIdentity, WorkloadIdentityArgs } from "../types";
import { childOptions, objectLabels, objectName } from "./common";
import { MINIO_SECRET_KEYS, type MinioStore } from "./minio";

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
  const known = checkGrants(role, args.grants).map(({ resource }, index) => {
    const minio = stores.get(resource);
    if (minio === undefined) {
      throw new Error(
        `local adapter: workloadIdentity("${role}"): grants[${index}].resource was not created by this ` +
          `adapter's objectStore(); on the "local" target a workload can only be given credentials for ` +
          `a MinIO store of the same component.`,
      );
    }
    return minio;
  });
  if (known.length > 1) {
    void pulumi.log.warn(
      `${ctx.name}: workloadIdentity("${role}") got ${known.length} buckets; on the "local" target each ` +
        `bucket has its own MinIO server and only the first one's credentials are injected.`,
      ctx.parent,
    );
  }

  const serviceAccount = new k8s.core.v1.ServiceAccount(
    objectName(ctx, role, "sa"),
    {
      metadata: {
        name: args.serviceAccountName,
        namespace: ctx.namespace,
        labels: objectLabels(ctx, args.labels),
      },
      automountServiceAccountToken: false,
    },
    childOptions(ctx),
  );

  const first = known[0];
  const env: k8s.types.input.core.v1.EnvVar[] =
    first === undefined
      ? []
      : [
          {
            name: "AWS_ACCESS_KEY_ID",
            valueFrom: { secretKeyRef: { name: first.credentialsSecretName, key: MINIO_SECRET_KEYS.user } },
          },
          {
            name: "AWS_SECRET_ACCESS_KEY",
            valueFrom: {
              secretKeyRef: { name: first.credentialsSecretName, key: MINIO_SECRET_KEYS.password },
            },
          },
        ];

  return {
    serviceAccount,
    serviceAccountName: serviceAccount.metadata.name,
    // The "principal" is the credentials Secret (empty when no bucket was given).
    principal: pulumi.output(first?.credentialsSecretName ?? ""),
    env,
    // Reaching MinIO is covered by the store's own `egress`; no credential exchange is needed.
    egress: [],
    ready: [],
  };
}
