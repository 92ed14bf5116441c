/**
 * Object store on `local`: one single-node MinIO server per `objectStore(role)` call, in the
 * context's namespace, plus a Job that creates the bucket.
 *
 * Children (all named `${ctx.name}-<role>-<kind>`, the same string as `metadata.name`):
 *
 * | Kind                         | Name suffix            | Notes                                          |
 * | ---------------------------- | ---------------------- | ---------------------------------------------- |
 * | random.RandomPassword (x2)   | `-minio-root-user`, `-minio-root-password` | root credentials          |
 * | core/v1 Secret               | `-minio-credentials`   | `MINIO_ROOT_USER`, `MINIO_ROOT_PASSWORD`        |
 * | core/v1 PersistentVolumeClaim| `-minio-data`          | stateful: protect + retainOnDelete             |
 * | core/v1 ServiceAccount       | `-minio`               | token automount off                            |
 * | apps/v1 Deployment           | `-minio`               | 1 replica, Recreate                            |
 * | core/v1 Service              | `-minio`               | ClusterIP, port 9000                           |
 * | networking/v1 NetworkPolicy  | `-minio`               | ingress 9000 from the namespace, no egress     |
 * | core/v1 ServiceAccount       | `-minio-mb`            | for the bucket Job                             |
 * | networking/v1 NetworkPolicy  | `-minio-mb`            | no ingress; egress DNS + MinIO 9000            |
 * | batch/v1 Job                 | `-minio-mb`            | `mc mb --ignore-existing` (+ versioning)       |
 *
 * MinIO is for development only: the community edition stopped publishing images (see
 * `MINIO_IMAGE`), the pinned last image carries a known CVE, and the workload gets the root
 * credentials (there is no bucket-scoped user).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import {
  dnsEgressRule,
  resources,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  selectorLabels,
  standardLabels,
} from "../../shared/k8s";
import {
  Access,
  StoreKind,
  Target,
  type AdapterContext,
  type ExistingStoreContext,
  type LocalTargetArgs,
  type ObjectStore,
  type ObjectStoreArgs,
  type ObjectStoreReference,
} from "../types";
import {
  bucketName as makeBucketName,
  childOptions,
  emptyDirVolume,
  instanceLabel,
  objectLabels,
  objectName,
  plainChildOptions,
  podEgress,
  sameNamespaceIngress,
  serviceHost,
} from "./common";

/**
 * MinIO server image: the last community image. MinIO stopped publishing community binaries and
 * images in October 2025 (https://github.com/minio/minio/issues/21647) and the `minio/*` images were
 * removed from Docker Hub in September 2026; quay.io still serves this last release
 * (https://quay.io/repository/minio/minio?tab=tags; release notes:
 * https://github.com/minio/minio/releases/tag/RELEASE.2025-09-07T16-13-09Z). Digest, for reference:
 * sha256:14cea493d9a34af32f524e538b8346cf79f3321eff8e708c1e2960462bd8936e.
 * It predates the October 2025 security release, which exists only as source: dev only.
 */
export const MINIO_IMAGE = "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z";

/**
 * MinIO client image used by the bucket Job; the pinned `mc` release from the same source
 * (https://quay.io/repository/minio/mc?tab=tags; https://github.com/minio/mc/releases/tag/RELEASE.2025-08-13T08-35-41Z).
 * Digest, for reference:
 * sha256:a7fe349ef4bd8521fb8497f55c6042871b2ae640607cf99d9bede5e9bdf11727.
 */
export const MC_IMAGE = "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z";

/** S3 API port of MinIO (minio/minio Dockerfile.release: `EXPOSE 9000`). */
export const MINIO_PORT = 9000;

/**
 * Non-root uid/gid MinIO and mc run as. The images have no `USER` line (they would run as root);
 * any non-root uid works when `fsGroup` makes the volume writable (the server only needs write
 * access to its data directory: minio/minio Dockerfile.release, which sets no `USER`).
 */
export const MINIO_UID = 1000;

/** Region MinIO reports by default (MinIO `MINIO_REGION` default is "us-east-1"). */
export const MINIO_REGION = "us-east-1";

/** Keys of the MinIO credentials Secret. */
export const MINIO_SECRET_KEYS = {
  /** MinIO root user; used as `AWS_ACCESS_KEY_ID` by clients. */
  user: "MINIO_ROOT_USER",
  /** MinIO root password; used as `AWS_SECRET_ACCESS_KEY` by clients. */
  password: "MINIO_ROOT_PASSWORD",
} as const;

/** `app.kubernetes.io/name` of the MinIO server pods. */
const MINIO_APP = "minio";
/** `app.kubernetes.io/name` of the bucket Job's pods (must not match the server's selector). */
const MINIO_MB_APP = "minio-mb";
/** Alias of the MinIO server in the mc configuration (`MC_HOST_<alias>`). */
const MC_ALIAS = "minio";

/**
 * What the adapter instance remembers about a MinIO store it created, so that `workloadIdentity`
 * can reference its credentials Secret by `secretKeyRef`.
 */
export interface MinioStore {
  /** The store returned to the component. */
  store: ObjectStore;
  /** `metadata.name` of the Secret holding `MINIO_ROOT_USER` / `MINIO_ROOT_PASSWORD`. */
  credentialsSecretName: string;
  /** The bucket's name. */
  bucket: string;
  /** `metadata.name` of the MinIO Service. */
  serviceName: string;
  /** In-cluster host name of the MinIO Service. */
  host: pulumi.Output<string>;
  /**
   * The bucket Job (the server is up and the bucket exists once it has completed); for a store of
   * another stack (`existingMinioStore`), the read of the server's Service.
   */
  bucketJob: pulumi.Resource;
  /** ServiceAccount and labels of the bucket Job, whose NetworkPolicy admits its pods to MinIO. */
  jobServiceAccountName: string;
  jobLabels: Record<string, string>;
  /** The selector part of `jobLabels` (what that NetworkPolicy selects). */
  jobSelector: Record<string, string>;
  /** Namespace the server runs in (its owner's). */
  namespace: pulumi.Input<string>;
  /** Selector labels of the server's pods. */
  serverSelector: Record<string, string>;
}

/**
 * Every MinIO store any local adapter instance created, so that another component's workload
 * identity can be granted `read` on it (a serving component reading the registry's models).
 */
const MINIO_STORES = new WeakMap<ObjectStore, MinioStore>();

/** The MinIO store behind `store` when a local adapter created it, else undefined. */
export function minioStoreOf(store: ObjectStore): MinioStore | undefined {
  return MINIO_STORES.get(store);
}

/** Name of the read-only policy a `read` grant's MinIO user gets (`mc admin policy create`). */
export const MINIO_READ_POLICY = "mlops-read";

/**
 * The MinIO policy of a `read` grant: list and read exactly `bucket`, the same actions as the aws
 * adapter's read grant (MinIO policies are IAM-compatible:
 * https://min.io/docs/minio/linux/administration/identity-access-management/policy-based-access-control.html).
 * MinIO's built-in `readonly` policy is not used: it has no `s3:ListBucket`, which a reader
 * (e.g. MLflow downloading a model directory) needs.
 */
export function minioReadPolicy(bucket: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation"],
        Resource: [`arn:aws:s3:::${bucket}`],
      },
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${bucket}/*`] },
    ],
  });
}

/** Name of the read/write policy a `readWrite` grant on another component's store gets. */
export const MINIO_READ_WRITE_POLICY = "mlops-readwrite";

/**
 * The MinIO policy of a `readWrite` grant on another component's store: list, read, write and
 * delete objects of exactly `bucket` (multipart uploads included), the aws adapter's read/write
 * object actions (`S3_OBJECT_ACTIONS`); never an admin action, so the store's root credentials
 * stay with its owner.
 */
export function minioReadWritePolicy(bucket: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
        Resource: [`arn:aws:s3:::${bucket}`],
      },
      {
        Effect: "Allow",
        Action: [
          "s3:GetObject",
          "s3:PutObject",
          "s3:DeleteObject",
          "s3:AbortMultipartUpload",
          "s3:ListMultipartUploadParts",
        ],
        Resource: [`arn:aws:s3:::${bucket}/*`],
      },
    ],
  });
}

/**
 * mc's environment: the server and root credentials as `MC_HOST_<alias>`; Kubernetes expands
 * $(VAR) from the env entries defined before it, so the credentials never appear in the pod spec.
 */
function mcEnv(secretName: string, host: pulumi.Input<string>): k8s.types.input.core.v1.EnvVar[] {
  return [
    secretEnv("MINIO_ACCESS_KEY_ID", secretName, MINIO_SECRET_KEYS.user),
    secretEnv("MINIO_SECRET_ACCESS_KEY", secretName, MINIO_SECRET_KEYS.password),
    {
      name: `MC_HOST_${MC_ALIAS}`,
      value: pulumi.interpolate`http://$(MINIO_ACCESS_KEY_ID):$(MINIO_SECRET_ACCESS_KEY)@${host}:${MINIO_PORT}`,
    },
    { name: "HOME", value: "/tmp" },
    { name: "MC_CONFIG_DIR", value: "/tmp/.mc" },
  ];
}

/** One restricted mc container (the image's entrypoint is `mc`). */
function mcContainer(
  name: string,
  mcArgs: string[],
  env: k8s.types.input.core.v1.EnvVar[],
  volumeMounts: k8s.types.input.core.v1.VolumeMount[] = [],
): k8s.types.input.core.v1.Container {
  return {
    name,
    image: MC_IMAGE,
    imagePullPolicy: "IfNotPresent",
    args: mcArgs,
    env,
    securityContext: restrictedContainerSecurityContext(),
    resources: resources({
      cpuRequest: "50m",
      memoryRequest: "64Mi",
      cpuLimit: "200m",
      memoryLimit: "128Mi",
    }),
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...volumeMounts],
  };
}

/** A run-once mc Job's spec (retries with back-off while MinIO comes up; the whole run is bounded). */
function mcJobSpec(
  serviceAccountName: string,
  labels: Record<string, string>,
  containers: Pick<k8s.types.input.core.v1.PodSpec, "initContainers" | "containers">,
  volumes: k8s.types.input.core.v1.Volume[] = [],
): k8s.types.input.batch.v1.JobSpec {
  return {
    backoffLimit: 6,
    activeDeadlineSeconds: 600,
    // The finished Job is removed after a day; its mc steps are idempotent, so a re-run
    // (after `pulumi refresh` notices it is gone) is harmless.
    ttlSecondsAfterFinished: 86400,
    template: {
      metadata: { labels },
      spec: {
        restartPolicy: "Never",
        serviceAccountName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPodSecurityContext(MINIO_UID),
        ...containers,
        volumes: [emptyDirVolume("tmp", "16Mi"), ...volumes],
      },
    },
  };
}

/**
 * Generated MinIO credentials `${ctx.name}-<role>-<kind>-user` and `-password`. Alphanumeric only
 * (special: false): the mc Jobs put them in an `MC_HOST_<alias>` URL. MinIO requires a user of
 * >= 3 and a password of >= 8 characters.
 */
function minioCredentials(
  ctx: AdapterContext,
  role: string,
  kind: string,
): { user: random.RandomPassword; password: random.RandomPassword } {
  const user = new random.RandomPassword(
    objectName(ctx, role, `${kind}-user`),
    { length: 20, special: false, upper: false },
    plainChildOptions(ctx),
  );
  const password = new random.RandomPassword(
    objectName(ctx, role, `${kind}-password`),
    { length: 40, special: false },
    plainChildOptions(ctx),
  );
  return { user, password };
}

/** `env` entry that reads `key` of Secret `secretName`. */
function secretEnv(name: string, secretName: string, key: string): k8s.types.input.core.v1.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}

/**
 * Creates a MinIO server, its storage, credentials, Service and NetworkPolicy, and a Job that
 * creates the bucket. `args.key` has no effect (no KMS on `local`); `args.forceDestroy` has no
 * effect (objects live on the PVC, which goes with the stack unless `ctx.protect` retains it).
 */
export function createMinioObjectStore(
  ctx: AdapterContext,
  local: LocalTargetArgs | undefined,
  role: string,
  args: ObjectStoreArgs,
): MinioStore {
  const serverName = objectName(ctx, role, "minio");
  const secretName = objectName(ctx, role, "minio-credentials");
  const pvcName = objectName(ctx, role, "minio-data");
  const mbName = objectName(ctx, role, "minio-mb");
  const bucket = makeBucketName(ctx, role);
  const instance = instanceLabel(ctx);
  // Object and pod template labels carry the governance labels too; selectors only the stable ones.
  const labels = objectLabels(ctx, standardLabels(MINIO_APP, instance, role));
  const selector = selectorLabels(MINIO_APP, instance, role);
  const mbLabels = objectLabels(ctx, standardLabels(MINIO_MB_APP, instance, role));
  const mbSelector = selectorLabels(MINIO_MB_APP, instance, role);
  const host = serviceHost(serverName, ctx.namespace);
  const endpoint = pulumi.interpolate`http://${host}:${MINIO_PORT}`;

  const { user: rootUser, password: rootPassword } = minioCredentials(ctx, role, "minio-root");

  const secret = new k8s.core.v1.Secret(
    secretName,
    {
      metadata: { name: secretName, namespace: ctx.namespace, labels },
      type: "Opaque",
      stringData: {
        [MINIO_SECRET_KEYS.user]: rootUser.result,
        [MINIO_SECRET_KEYS.password]: rootPassword.result,
      },
    },
    childOptions(ctx),
  );

  const pvc = new k8s.core.v1.PersistentVolumeClaim(
    pvcName,
    {
      metadata: { name: pvcName, namespace: ctx.namespace, labels },
      spec: {
        accessModes: ["ReadWriteOnce"],
        // Default 10 GiB: LocalTargetArgs.objectStoreStorageGb (components/adapters/types.ts).
        resources: { requests: { storage: `${local?.objectStoreStorageGb ?? 10}Gi` } },
        ...(local?.storageClassName !== undefined ? { storageClassName: local.storageClassName } : {}),
      },
    },
    // The provider treats a Pending PVC of a WaitForFirstConsumer class (kind, k3d local-path) as
    // ready, so the Deployment that binds it can depend on it (pulumi/pulumi-kubernetes#3130).
    childOptions(ctx, { stateful: true }),
  );

  const serviceAccount = new k8s.core.v1.ServiceAccount(
    serverName,
    {
      metadata: { name: serverName, namespace: ctx.namespace, labels },
      automountServiceAccountToken: false,
    },
    childOptions(ctx),
  );

  // MinIO needs no egress in single-node mode; ingress only on the S3 port from this namespace.
  const networkPolicy = new k8s.networking.v1.NetworkPolicy(
    serverName,
    {
      metadata: { name: serverName, namespace: ctx.namespace, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ["Ingress", "Egress"],
        ingress: [sameNamespaceIngress(MINIO_PORT)],
        egress: [],
      },
    },
    childOptions(ctx),
  );

  const deployment = new k8s.apps.v1.Deployment(
    serverName,
    {
      metadata: { name: serverName, namespace: ctx.namespace, labels },
      spec: {
        replicas: 1,
        // The ReadWriteOnce volume cannot be attached to an old and a new pod at the same time.
        strategy: { type: "Recreate" },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: serverName,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(MINIO_UID),
            containers: [
              {
                name: "minio",
                image: MINIO_IMAGE,
                imagePullPolicy: "IfNotPresent",
                // Entrypoint docker-entrypoint.sh prepends `minio`. Certificates would default to
                // ~/.minio/certs, which MinIO creates at start-up: point it at the /tmp emptyDir.
                args: ["server", "--address", `:${MINIO_PORT}`, "--certs-dir", "/tmp/certs", "/data"],
                ports: [{ name: "s3", containerPort: MINIO_PORT, protocol: "TCP" }],
                env: [
                  secretEnv(MINIO_SECRET_KEYS.user, secretName, MINIO_SECRET_KEYS.user),
                  secretEnv(MINIO_SECRET_KEYS.password, secretName, MINIO_SECRET_KEYS.password),
                  // No web console: only the S3 API is served.
                  { name: "MINIO_BROWSER", value: "off" },
                  { name: "HOME", value: "/tmp" },
                ],
                securityContext: restrictedContainerSecurityContext(),
                // Dev-scale sizing chosen for this toolkit (no upstream default).
                resources: resources({
                  cpuRequest: "100m",
                  memoryRequest: "256Mi",
                  cpuLimit: "1",
                  memoryLimit: "1Gi",
                }),
                // Health endpoints: https://min.io/docs/minio/linux/operations/monitoring/healthcheck-probe.html
                readinessProbe: {
                  httpGet: { path: "/minio/health/ready", port: "s3", scheme: "HTTP" },
                  initialDelaySeconds: 5,
                  periodSeconds: 10,
                  timeoutSeconds: 5,
                  failureThreshold: 3,
                },
                livenessProbe: {
                  httpGet: { path: "/minio/health/live", port: "s3", scheme: "HTTP" },
                  initialDelaySeconds: 15,
                  periodSeconds: 20,
                  timeoutSeconds: 5,
                  failureThreshold: 3,
                },
                volumeMounts: [
                  { name: "data", mountPath: "/data" },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
            volumes: [
              { name: "data", persistentVolumeClaim: { claimName: pvcName } },
              emptyDirVolume("tmp", "64Mi"),
            ],
          },
        },
      },
    },
    childOptions(ctx, { dependsOn: [secret, pvc, serviceAccount] }),
  );

  const service = new k8s.core.v1.Service(
    serverName,
    {
      metadata: { name: serverName, namespace: ctx.namespace, labels },
      spec: {
        type: "ClusterIP",
        selector,
        ports: [{ name: "s3", port: MINIO_PORT, targetPort: "s3", protocol: "TCP" }],
      },
    },
    childOptions(ctx),
  );

  // Bucket Job ------------------------------------------------------------------------------

  const mbServiceAccount = new k8s.core.v1.ServiceAccount(
    mbName,
    {
      metadata: { name: mbName, namespace: ctx.namespace, labels: mbLabels },
      automountServiceAccountToken: false,
    },
    childOptions(ctx),
  );

  const mbNetworkPolicy = new k8s.networking.v1.NetworkPolicy(
    mbName,
    {
      metadata: { name: mbName, namespace: ctx.namespace, labels: mbLabels },
      spec: {
        podSelector: { matchLabels: mbSelector },
        policyTypes: ["Ingress", "Egress"],
        ingress: [],
        egress: [dnsEgressRule(), podEgress(selector, MINIO_PORT)],
      },
    },
    childOptions(ctx),
  );

  // mc reads the server and credentials from MC_HOST_<alias> (`mcEnv`).
  const env = mcEnv(secretName, host);
  const target = `${MC_ALIAS}/${bucket}`;
  const makeBucket = mcContainer("make-bucket", ["mb", "--ignore-existing", target], env);
  // Two steps without a shell: create (idempotent) in an init container, then enable versioning
  // (idempotent) in the main container.
  const containers = args.versioning
    ? {
        initContainers: [makeBucket],
        containers: [mcContainer("enable-versioning", ["version", "enable", target], env)],
      }
    : { containers: [makeBucket] };

  const job = new k8s.batch.v1.Job(
    mbName,
    {
      metadata: { name: mbName, namespace: ctx.namespace, labels: mbLabels },
      spec: mcJobSpec(mbName, mbLabels, containers),
    },
    childOptions(ctx, { dependsOn: [deployment, service, networkPolicy, mbServiceAccount, mbNetworkPolicy] }),
  );

  const store: ObjectStore = {
    kind: StoreKind.objectStore,
    bucketName: pulumi.output(bucket),
    uri: pulumi.output(`s3://${bucket}`),
    clientEnv: minioClientEnv(endpoint),
    egress: [podEgress(selector, MINIO_PORT)],
    // The bucket exists once the Job has completed.
    resource: job,
  };
  const minio: MinioStore = {
    store,
    credentialsSecretName: secretName,
    bucket,
    serviceName: serverName,
    host,
    bucketJob: job,
    jobServiceAccountName: mbName,
    jobLabels: mbLabels,
    jobSelector: mbSelector,
    namespace: ctx.namespace,
    serverSelector: selector,
  };
  MINIO_STORES.set(store, minio);
  return minio;
}

/** A MinIO user of a `read` grant: the Secret holding its credentials and the Job that creates it. */
export interface MinioReader {
  /** `metadata.name` of the Secret with the reader's credentials (keys `MINIO_SECRET_KEYS`). */
  credentialsSecretName: string;
  /** The Job that creates the user; the workload's pods wait for it. */
  job: k8s.batch.v1.Job;
  /** The user's generated name and password (secret outputs). */
  user: pulumi.Output<string>;
  password: pulumi.Output<string>;
}

/**
 * Creates a read-only MinIO user for the workload identity `role` on `minio`'s server: generated
 * credentials (`${ctx.name}-<role>-minio-reader-user`, `-minio-reader-password`) in the Secret
 * `${ctx.name}-<role>-minio-reader`, the ConfigMap of the same name holding the policy
 * (`minioReadPolicy`), and the Job of the same name that creates the policy, the user and the
 * attachment with `mc admin` (https://min.io/docs/minio/linux/reference/minio-mc-admin/mc-admin-policy-attach.html),
 * running as the bucket Job's ServiceAccount and labels so the same NetworkPolicy admits it to MinIO.
 * No shell: each step is one container, the credentials come in by `secretKeyRef` and `$(VAR)`.
 * Every step is idempotent, so a re-run after the finished Job was removed is harmless:
 * `policy create` replaces the policy, `user add` updates an existing user, and `policy attach`
 * succeeds when the policy is already attached since mc RELEASE.2024-10 (minio/mc#5058; the
 * pinned `MC_IMAGE` is newer).
 */
export function createMinioReader(
  ctx: AdapterContext,
  minio: MinioStore,
  role: string,
  access: Access = Access.read,
): MinioReader {
  // A `readWrite` grant (another component's store only): the same, as `-minio-writer` with
  // `minioReadWritePolicy`.
  const kind = access === Access.read ? "minio-reader" : "minio-writer";
  const policyName = access === Access.read ? MINIO_READ_POLICY : MINIO_READ_WRITE_POLICY;
  const policyDocument =
    access === Access.read ? minioReadPolicy(minio.bucket) : minioReadWritePolicy(minio.bucket);
  const name = objectName(ctx, role, kind);
  const { user, password } = minioCredentials(ctx, role, kind);
  // The bucket Job's labels (its NetworkPolicy admits them), over the reader's governance labels
  // (the same as the store's own for a store of this program; a store of another stack has none).
  const labels = objectLabels(ctx, minio.jobLabels);
  const secret = new k8s.core.v1.Secret(
    name,
    {
      metadata: { name, namespace: ctx.namespace, labels },
      type: "Opaque",
      stringData: { [MINIO_SECRET_KEYS.user]: user.result, [MINIO_SECRET_KEYS.password]: password.result },
    },
    childOptions(ctx),
  );
  const policy = new k8s.core.v1.ConfigMap(
    name,
    {
      metadata: { name, namespace: ctx.namespace, labels },
      data: { "policy.json": policyDocument },
    },
    childOptions(ctx),
  );
  const env = [
    ...mcEnv(minio.credentialsSecretName, minio.host),
    secretEnv("READER_USER", name, MINIO_SECRET_KEYS.user),
    secretEnv("READER_PASSWORD", name, MINIO_SECRET_KEYS.password),
  ];
  const job = new k8s.batch.v1.Job(
    name,
    {
      metadata: { name, namespace: ctx.namespace, labels },
      spec: mcJobSpec(
        minio.jobServiceAccountName,
        labels,
        {
          initContainers: [
            mcContainer(
              "create-policy",
              ["admin", "policy", "create", MC_ALIAS, policyName, "/policy/policy.json"],
              env,
              [{ name: "policy", mountPath: "/policy", readOnly: true }],
            ),
            mcContainer(
              "add-user",
              ["admin", "user", "add", MC_ALIAS, "$(READER_USER)", "$(READER_PASSWORD)"],
              env,
            ),
          ],
          containers: [
            mcContainer(
              "attach-policy",
              ["admin", "policy", "attach", MC_ALIAS, policyName, "--user", "$(READER_USER)"],
              env,
            ),
          ],
        },
        [{ name: "policy", configMap: { name } }],
      ),
    },
    childOptions(ctx, { dependsOn: [minio.bucketJob, secret, policy] }),
  );
  return { credentialsSecretName: name, job, user: user.result, password: password.result };
}

/** The keys of a foreign reader's Secret in the workload's namespace (the S3 client names). */
export const S3_CREDENTIAL_KEYS = { user: "AWS_ACCESS_KEY_ID", password: "AWS_SECRET_ACCESS_KEY" } as const;

/** A `read` (or `readWrite`) grant on a MinIO store of another component (see `createForeignMinioReader`). */
export interface ForeignMinioReader {
  /** `metadata.name` of the credentials Secret in the workload's namespace (keys `S3_CREDENTIAL_KEYS`). */
  credentialsSecretName: string;
  /** The Job that creates the user (in the store's namespace); the workload's pods wait for it. */
  job: k8s.batch.v1.Job;
  /** Egress from the workload's namespace to the store's server. */
  egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[];
}

/**
 * A read-only MinIO user for the workload identity `role` of the component `ctx` on a store that
 * another component created in another namespace. Named `${ctx.name}-<role>-minio-reader*` under
 * the workload's component:
 * - the user, its policy and the Job that creates them (as `createMinioReader`) in the STORE's
 *   namespace, where the root credentials and the bucket Job's ServiceAccount and NetworkPolicy are;
 * - the NetworkPolicy `${ctx.name}-<role>-minio-client` there, admitting the workload's namespace
 *   to the server's S3 port (the store's own policy admits only its namespace);
 * - the Secret `${ctx.name}-<role>-s3-credentials` in the WORKLOAD's namespace with the same
 *   credentials under the S3 client names, annotated with the endpoint in the form KServe's
 *   storage initializer reads from a ServiceAccount's Secrets (`serving.kserve.io/s3-endpoint`,
 *   `s3-usehttps`, `s3-region`: kserve pkg/credentials/s3 `s3_secret.go`).
 *
 * With `access` `readWrite` the user is a writer (`${ctx.name}-<role>-minio-writer*`, policy
 * `minioReadWritePolicy`): object reads and writes on that one bucket, no admin rights.
 */
export function createForeignMinioReader(
  ctx: AdapterContext,
  minio: MinioStore,
  role: string,
  access: Access = Access.read,
): ForeignMinioReader {
  // The user, its policy and its Job live where the store's root credentials and bucket Job are.
  const storeCtx: AdapterContext = { ...ctx, namespace: minio.namespace };
  const { job, user, password } = createMinioReader(storeCtx, minio, role, access);
  const clientName = objectName(ctx, role, "minio-client");
  new k8s.networking.v1.NetworkPolicy(
    clientName,
    {
      metadata: { name: clientName, namespace: minio.namespace, labels: objectLabels(ctx, {}) },
      spec: {
        podSelector: { matchLabels: { ...minio.serverSelector } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ctx.namespace } } }],
            ports: [{ protocol: "TCP", port: MINIO_PORT }],
          },
        ],
      },
    },
    childOptions(storeCtx),
  );
  const credentialsSecretName = objectName(ctx, role, "s3-credentials");
  new k8s.core.v1.Secret(
    credentialsSecretName,
    {
      metadata: {
        name: credentialsSecretName,
        namespace: ctx.namespace,
        labels: objectLabels(ctx, {}),
        annotations: {
          "serving.kserve.io/s3-endpoint": pulumi.interpolate`${minio.host}:${MINIO_PORT}`,
          "serving.kserve.io/s3-usehttps": "0",
          "serving.kserve.io/s3-region": MINIO_REGION,
        },
      },
      type: "Opaque",
      stringData: { [S3_CREDENTIAL_KEYS.user]: user, [S3_CREDENTIAL_KEYS.password]: password },
    },
    childOptions(ctx),
  );
  return { credentialsSecretName, job, egress: [minioEgress(minio)] };
}

/** NetworkPolicy egress from any namespace to `minio`'s server (its namespace, its pods, port 9000). */
function minioEgress(
  minio: Pick<MinioStore, "namespace" | "serverSelector">,
): k8s.types.input.networking.v1.NetworkPolicyEgressRule {
  return {
    to: [
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": minio.namespace } },
        podSelector: { matchLabels: { ...minio.serverSelector } },
      },
    ],
    ports: [{ protocol: "TCP", port: MINIO_PORT }],
  };
}

/** Client environment of a MinIO store at `endpoint` (the S3 endpoint and MinIO's region). */
function minioClientEnv(endpoint: pulumi.Input<string>): k8s.types.input.core.v1.EnvVar[] {
  return [
    { name: "MLFLOW_S3_ENDPOINT_URL", value: endpoint },
    { name: "AWS_DEFAULT_REGION", value: MINIO_REGION },
  ];
}

/**
 * The reference (`objectStoreReference`) of a store a local adapter created: its bucket and the
 * names of its server's objects. Undefined for any other store.
 */
export function minioStoreReference(store: ObjectStore): pulumi.Output<ObjectStoreReference> | undefined {
  const minio = MINIO_STORES.get(store);
  if (minio === undefined) return undefined;
  return pulumi.output(minio.namespace).apply((namespace) => ({
    target: Target.local,
    bucketName: minio.bucket,
    minio: {
      namespace,
      serviceName: minio.serviceName,
      credentialsSecretName: minio.credentialsSecretName,
      adminServiceAccountName: minio.jobServiceAccountName,
      adminPodLabels: { ...minio.jobSelector },
      serverPodLabels: { ...minio.serverSelector },
    },
  }));
}

/**
 * The handle of a MinIO store another stack created (`existingObjectStore`): the server's Service
 * read as `${ctx.name}-minio` through `ctx.k8sProvider`, and the store registered like one of
 * another component, so a workload identity can be granted `read` on it (the read-only user, its
 * Job in the server's namespace and the NetworkPolicy admitting the workload's namespace:
 * `createForeignMinioReader`). Its egress reaches the server across namespaces. Nothing else is
 * created; `readWrite` stays with the store's owner.
 */
export function existingMinioStore(ctx: ExistingStoreContext, ref: ObjectStoreReference): ObjectStore {
  const server = ref.minio!;
  const service = k8s.core.v1.Service.get(`${ctx.name}-minio`, `${server.namespace}/${server.serviceName}`, {
    provider: ctx.k8sProvider,
    ...(ctx.parent ? { parent: ctx.parent } : {}),
  });
  const host = serviceHost(server.serviceName, server.namespace);
  const minio: Omit<MinioStore, "store"> = {
    credentialsSecretName: server.credentialsSecretName,
    bucket: ref.bucketName,
    serviceName: server.serviceName,
    host,
    bucketJob: service,
    jobServiceAccountName: server.adminServiceAccountName,
    jobLabels: { ...server.adminPodLabels },
    jobSelector: { ...server.adminPodLabels },
    namespace: server.namespace,
    serverSelector: { ...server.serverPodLabels },
  };
  const store: ObjectStore = {
    kind: StoreKind.objectStore,
    bucketName: pulumi.output(ref.bucketName),
    uri: pulumi.output(`s3://${ref.bucketName}`),
    clientEnv: minioClientEnv(pulumi.interpolate`http://${host}:${MINIO_PORT}`),
    egress: [minioEgress(minio)],
    resource: service,
  };
  MINIO_STORES.set(store, { ...minio, store });
  return store;
}
