/**
 * PostgreSQL on `local`: a single-instance StatefulSet of the official `postgres` image in the
 * context's namespace.
 *
 * Children (all named `${ctx.name}-<role>-<kind>`, the same string as `metadata.name`):
 *
 * | Kind                         | Name suffix            | Notes                                          |
 * | ---------------------------- | ---------------------- | ---------------------------------------------- |
 * | core/v1 Secret               | `-postgres-credentials`| `POSTGRES_PASSWORD`, `POSTGRES_USER`, `POSTGRES_DB` |
 * | core/v1 ServiceAccount       | `-postgres`            | token automount off                            |
 * | networking/v1 NetworkPolicy  | `-postgres`            | ingress 5432 from the namespace, no egress     |
 * | core/v1 Service (headless)   | `-postgres-hl`         | governing Service of the StatefulSet           |
 * | core/v1 Service (ClusterIP)  | `-postgres`            | what clients connect to                        |
 * | apps/v1 StatefulSet          | `-postgres`            | 1 replica, volumeClaimTemplate `data`; stateful |
 *
 * What the managed targets offer and `local` does not: high availability, automated backups,
 * point-in-time recovery, deletion protection and storage encryption with a customer key. Those
 * `PostgresArgs` have no effect here (HA and PITR requests log a warning). Data lives on the
 * StatefulSet's PVC, which Kubernetes keeps when the StatefulSet is deleted (default
 * `persistentVolumeClaimRetentionPolicy`: Retain); delete it by hand to start from scratch.
 */
import * as pulumi from "@pulumi/pulumi";
import { resources, selectorLabels, standardLabels, type ContainerResources } from "../../shared/k8s";
import type { DatabaseSize } from "../../shared/presets";
import type { AdapterContext, LocalTargetArgs, PostgresArgs, PostgresDatabase } from "../types";
import {
  credentialsSecret,
  dataVolumeClaimTemplate,
  emptyDirVolume,
  MAX_STATEFULSET_NAME_LENGTH,
  instanceLabel,
  objectLabels,
  objectName,
  podEgress,
  sameNamespaceIngress,
  serverNetworkPolicy,
  serverProbes,
  serviceHost,
  singleInstanceStatefulSet,
  statefulServices,
  workloadServiceAccount,
} from "./common";

/**
 * PostgreSQL image: newest 17.x on Alpine found in docker-library/postgres
 * (https://github.com/docker-library/postgres/blob/master/17/alpine3.24/Dockerfile: PG_VERSION 17.11).
 * Stays on 17 because 18 moved the default PGDATA.
 */
export const POSTGRES_IMAGE = "postgres:17.11-alpine3.24";

/** uid/gid of the `postgres` user in the Alpine image ("70 is the standard uid/gid for postgres in Alpine"). */
export const POSTGRES_UID = 70;

/** PostgreSQL's port. */
export const POSTGRES_PORT = 5432;

/** Mount point of the data volume (the image's `VOLUME`). */
const DATA_MOUNT = "/var/lib/postgresql/data";

/** PGDATA is a subdirectory of the volume, so the volume's `lost+found` does not break initdb. */
export const POSTGRES_PGDATA = `${DATA_MOUNT}/pgdata`;

/** Keys of the credentials Secret, named after the image's environment variables. */
export const POSTGRES_SECRET_KEYS = {
  password: "POSTGRES_PASSWORD",
  user: "POSTGRES_USER",
  database: "POSTGRES_DB",
} as const;

/** `app.kubernetes.io/name` of the PostgreSQL pods. */
const POSTGRES_APP = "postgres";

/**
 * Container resources per size class. Dev-scale sizing chosen for this toolkit (no upstream
 * default); the image's default `shared_buffers` is 128 MB, well inside the smallest limit.
 */
export const POSTGRES_RESOURCES: Record<DatabaseSize, ContainerResources> = {
  small: { cpuRequest: "250m", memoryRequest: "512Mi", cpuLimit: "1", memoryLimit: "1Gi" },
  medium: { cpuRequest: "500m", memoryRequest: "1Gi", cpuLimit: "2", memoryLimit: "2Gi" },
  large: { cpuRequest: "1", memoryRequest: "2Gi", cpuLimit: "4", memoryLimit: "4Gi" },
};

/**
 * Creates the PostgreSQL StatefulSet, its credentials Secret, Services, ServiceAccount and
 * NetworkPolicy. The connection is unencrypted (`sslMode: "disable"`): traffic stays inside the
 * cluster and the NetworkPolicy admits only pods of the same namespace; this is a dev target.
 */
export function createPostgres(
  ctx: AdapterContext,
  local: LocalTargetArgs | undefined,
  role: string,
  args: PostgresArgs,
): PostgresDatabase {
  const name = objectName(ctx, role, "postgres", MAX_STATEFULSET_NAME_LENGTH);
  const headlessName = objectName(ctx, role, "postgres-hl");
  const secretName = objectName(ctx, role, "postgres-credentials");
  const instance = instanceLabel(ctx);
  const standard = standardLabels(POSTGRES_APP, instance, role);
  // Object and pod template labels carry the governance labels too; selectors only the stable ones.
  const labels = objectLabels(ctx, standard);
  const selector = selectorLabels(POSTGRES_APP, instance, role);

  if (args.highAvailability) {
    void pulumi.log.warn(
      `${name}: highAvailability has no effect on the "local" target; PostgreSQL runs as a single pod.`,
      ctx.parent,
    );
  }
  if (args.pointInTimeRecovery) {
    void pulumi.log.warn(
      `${name}: pointInTimeRecovery has no effect on the "local" target; there are no automated backups.`,
      ctx.parent,
    );
  }

  const secret = credentialsSecret(ctx, secretName, labels, {
    // Marked secret here too in case the caller passed a plain Output.
    [POSTGRES_SECRET_KEYS.password]: pulumi.secret(args.password),
    [POSTGRES_SECRET_KEYS.user]: args.username,
    [POSTGRES_SECRET_KEYS.database]: args.databaseName,
  });

  const serviceAccount = workloadServiceAccount(ctx, name, labels);
  // PostgreSQL needs no egress; ingress only on 5432 from pods of this namespace.
  const networkPolicy = serverNetworkPolicy(ctx, name, labels, selector, [
    sameNamespaceIngress(POSTGRES_PORT),
  ]);
  const server = { name, headlessName, labels, selector, portName: "postgres", port: POSTGRES_PORT };
  const { headless, service } = statefulServices(ctx, server);

  // pg_isready talks to the Unix socket in /var/run/postgresql (the image's default).
  const isReady = ["pg_isready", "-U", args.username, "-d", args.databaseName];

  const statefulSet = singleInstanceStatefulSet(ctx, {
    ...server,
    uid: POSTGRES_UID,
    container: {
      name: "postgres",
      image: POSTGRES_IMAGE,
      // Environment of the image's docker-entrypoint.sh; read at initdb only.
      env: [
        ...Object.values(POSTGRES_SECRET_KEYS).map((key) => ({
          name: key,
          valueFrom: { secretKeyRef: { name: secretName, key } },
        })),
        { name: "PGDATA", value: POSTGRES_PGDATA },
      ],
      resources: resources(POSTGRES_RESOURCES[args.size]),
      // initdb on a fresh volume: up to 5 minutes.
      ...serverProbes({ exec: { command: isReady } }, 300),
      volumeMounts: [
        { name: "data", mountPath: DATA_MOUNT },
        { name: "run", mountPath: "/var/run/postgresql" },
        { name: "tmp", mountPath: "/tmp" },
      ],
    },
    volumes: [emptyDirVolume("run", "16Mi"), emptyDirVolume("tmp", "256Mi")],
    data: dataVolumeClaimTemplate(standard, args.storageGb, local),
    dependsOn: [secret, serviceAccount, networkPolicy, headless, service],
  });

  return {
    host: serviceHost(name, ctx.namespace),
    port: pulumi.output(POSTGRES_PORT),
    // `resource` (the StatefulSet) depends on both Services, so waiting for it covers the DNS name.
    databaseName: pulumi.output(args.databaseName),
    username: pulumi.output(args.username),
    sslMode: "disable",
    egress: [podEgress(selector, POSTGRES_PORT)],
    resource: statefulSet,
  };
}
