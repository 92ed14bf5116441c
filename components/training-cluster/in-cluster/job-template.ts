/**
 * The training job template: a `batch/v1` Job submitted through Kueue into a team's LocalQueue.
 *
 * `trainingJobManifest` builds the Job as a plain object (validated against the upstream schema in
 * tests); `TrainingJob` (`mlops:index:TrainingJob`) is the small component users instantiate. It is
 * a component rather than a bare function so that its args are validated like every other
 * component's (a `pulumi.ResourceError` naming the argument), so that the run shows up as one
 * typed node in the plan that policies can target, and so that the Job can be renamed or
 * restructured later behind a stable type.
 *
 * What the Job gets:
 * - `kueue.x-k8s.io/queue-name: training` and `suspend: true`: Kueue admits it when the team has
 *   quota and unsuspends it (Pulumi then ignores `spec.suspend`, or a later `up` would suspend a
 *   running job again);
 * - `nvidia.com/gpu` requests = limits, the GPU taint tolerated, a nodeSelector on the GPU node
 *   labels (`gpu: "true"`, plus the pool and/or GPU type when given); with `gpus: 0` (CPU-only
 *   training, e.g. scikit-learn) none of the three: Kueue admits the Job against the team's CPU
 *   and memory quota alone (the `default-cpu` flavor every ClusterQueue has), and without the
 *   toleration its pod never lands on a (tainted) GPU node;
 * - the team ServiceAccount (the team's cloud identity), Pod Security "restricted": non-root,
 *   all capabilities dropped, RuntimeDefault seccomp, read-only root filesystem with an emptyDir
 *   on /tmp, and a memory-backed /dev/shm (PyTorch DataLoader workers share tensors through it;
 *   the container runtime's default is 64 MiB);
 * - `backoffLimit`, `ttlSecondsAfterFinished`, a pinned image.
 *
 * Pulumi does not wait for the Job (`pulumi.com/skipAwait`): a queued job may wait hours for GPUs.
 * Once `ttlSecondsAfterFinished` has passed the cluster deletes the Job; give each run its own
 * name (e.g. with a run id), or a later `pulumi up` after a refresh submits it again.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  standardLabels,
} from "../../shared/k8s";
import { MlopsComponent } from "../../shared/component";
import { DNS_LABEL } from "../../shared/names";
import { dnsLabelSchema, pinnedImageSchema, quantitySchema } from "../../shared/schemas";
import { argError, validateArgs } from "../../shared/validation";
import { clusterHandleSchema } from "../handle";
import { GPU_NODE_LABELS, GPU_TAINT, GpuType, type ClusterHandle } from "../types";
import { GPU_RESOURCE, LOCAL_QUEUE_NAME, TEAM_SERVICE_ACCOUNT } from "./common";

/** Kueue's label that puts a Job into a LocalQueue. */
export const QUEUE_NAME_LABEL = "kueue.x-k8s.io/queue-name";

/** `app.kubernetes.io/name` of a training Job and its pods. */
export const TRAINING_JOB_COMPONENT = "training-job";

/** The `mlops:index:TrainingJob` type token. */
export const TRAINING_JOB_TYPE = "mlops:index:TrainingJob";

export interface TrainingJobArgs {
  /**
   * The training cluster: a `GpuTrainingCluster`'s `handle`, or `existingClusterHandle(...)` for a
   * cluster the job's program did not create. Its provider submits the Job; when it lists GPU
   * pools, `gpuPool` and `gpuType` must name one of them.
   */
  cluster: ClusterHandle;
  /** The team namespace the job runs in. @example "vision" */
  namespace: string;
  /**
   * Container image, pinned to a tag other than `latest` or to a digest.
   * @example "pytorch/pytorch:2.11.0-cuda12.8-cudnn9-runtime"
   */
  image: string;
  /** Entrypoint. @example ["torchrun", "--nproc-per-node=1", "train.py"] */
  command: string[];
  /** Arguments. @default [] */
  args?: string[];
  /** Environment variables (plain values; reference secrets through a mounted file instead). @default {} */
  env?: Record<string, string>;
  /**
   * GPUs per pod (requests = limits), 0 to 16. 0 trains on CPU only: no `nvidia.com/gpu` request,
   * no GPU nodeSelector or toleration; Kueue admits it against the team's CPU and memory quota (its
   * ClusterQueue's `default-cpu` flavor) and the pod runs on the cluster's untainted, non-GPU nodes.
   * @default 1
   */
  gpus?: number;
  /** Run only on GPUs of this type (node label `mlops.pulumi.com/gpu-type`); only with `gpus` ≥ 1. @default any GPU type */
  gpuType?: GpuType;
  /** Run only in this GPU pool (node label `mlops.pulumi.com/gpu-pool`); only with `gpus` ≥ 1. @default any pool the team's queue admits to */
  gpuPool?: string;
  /** CPU per pod (requests = limits). @default "4" */
  cpu?: string;
  /** Memory per pod, including the /dev/shm volume (requests = limits). @default "16Gi" */
  memory?: string;
  /** Size of the memory-backed /dev/shm. @default "2Gi" */
  shmSize?: string;
  /** Size of the /tmp scratch volume (the root filesystem is read-only). @default "10Gi" */
  tmpSize?: string;
  /** Retries of a failed pod before the Job fails. @default 2 */
  backoffLimit?: number;
  /** Seconds after which a finished Job (and its pods and logs) is deleted. @default 86400 (one day) */
  ttlSecondsAfterFinished?: number;
  /** Hard limit on the Job's run time, in seconds. @default no limit */
  activeDeadlineSeconds?: number;
  /** The team's LocalQueue. @default "training" */
  queueName?: string;
  /** ServiceAccount the pods run as (the team's identity). @default "training" */
  serviceAccountName?: string;
  /** Non-root uid (and gid) of the container. @default 1000 */
  runAsUser?: number;
  /** Extra labels of the Job and its pods. @default {} */
  labels?: Record<string, string>;
}

const quantity = quantitySchema;

/**
 * GPUs of a training pod: a whole number from 0 (CPU only) to 16.
 * @internal zod schema (shared by `TrainingJob` and the retraining loop's training step).
 */
export const gpuCountSchema = z
  .number()
  .int()
  .min(0, { message: "must be 0 (CPU only) or more" })
  .max(16, { message: "must be at most 16" });

/** The error of `gpuType` / `gpuPool` on a CPU-only job (`gpus: 0`), or undefined. */
export function cpuOnlyGpuPlacementProblem(
  gpus: number,
  field: "gpuType" | "gpuPool",
  value: string | undefined,
): string | undefined {
  return gpus === 0 && value !== undefined
    ? `"${value}" places the pod on GPU nodes, but gpus is 0 (CPU only): remove ${field} or request GPUs`
    : undefined;
}

/** @internal zod schema: kept out of the published declarations (stripInternal). */
export const trainingJobArgsSchema = z
  .object({
    cluster: clusterHandleSchema,
    namespace: dnsLabelSchema(),
    image: pinnedImageSchema,
    command: z.array(z.string()).min(1, { message: "must not be empty" }),
    args: z.array(z.string()).optional(),
    env: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "must be an environment variable name" }),
        z.string(),
      )
      .optional(),
    gpus: gpuCountSchema.optional(),
    gpuType: z.enum(Object.values(GpuType) as [GpuType, ...GpuType[]]).optional(),
    gpuPool: dnsLabelSchema().optional(),
    cpu: quantity.optional(),
    memory: quantity.optional(),
    shmSize: quantity.optional(),
    tmpSize: quantity.optional(),
    backoffLimit: z.number().int().min(0).max(100).optional(),
    ttlSecondsAfterFinished: z.number().int().min(0).optional(),
    activeDeadlineSeconds: z.number().int().min(1).optional(),
    queueName: dnsLabelSchema().optional(),
    serviceAccountName: dnsLabelSchema(253).optional(),
    runAsUser: z.number().int().min(1, { message: "must be a non-root uid (1 or more)" }).optional(),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/** `TrainingJobArgs` without the cluster, every default applied. */
export type ResolvedTrainingJob = Required<
  Omit<TrainingJobArgs, "cluster" | "gpuType" | "gpuPool" | "activeDeadlineSeconds">
> &
  Pick<TrainingJobArgs, "gpuType" | "gpuPool" | "activeDeadlineSeconds">;

/** Applies the defaults. */
export function resolveTrainingJob(args: Omit<TrainingJobArgs, "cluster">): ResolvedTrainingJob {
  return {
    namespace: args.namespace,
    image: args.image,
    command: args.command,
    args: args.args ?? [],
    env: args.env ?? {},
    gpus: args.gpus ?? 1,
    gpuType: args.gpuType,
    gpuPool: args.gpuPool,
    cpu: args.cpu ?? "4",
    memory: args.memory ?? "16Gi",
    shmSize: args.shmSize ?? "2Gi",
    tmpSize: args.tmpSize ?? "10Gi",
    backoffLimit: args.backoffLimit ?? 2,
    ttlSecondsAfterFinished: args.ttlSecondsAfterFinished ?? 86_400,
    activeDeadlineSeconds: args.activeDeadlineSeconds,
    queueName: args.queueName ?? LOCAL_QUEUE_NAME,
    serviceAccountName: args.serviceAccountName ?? TEAM_SERVICE_ACCOUNT,
    runAsUser: args.runAsUser ?? 1000,
    labels: args.labels ?? {},
  };
}

/** The Job, as a plain `batch/v1` manifest. */
export function trainingJobManifest(name: string, job: ResolvedTrainingJob) {
  const labels = { ...job.labels, ...standardLabels(TRAINING_JOB_COMPONENT, name, "trainer") };
  // GPU placement only for GPU jobs: a CPU-only pod (gpus 0) selects no GPU node and tolerates
  // no GPU taint, so it runs on the cluster's other nodes.
  const gpu = job.gpus > 0;
  const nodeSelector: Record<string, string> = { [GPU_NODE_LABELS.gpu]: "true" };
  if (job.gpuType) nodeSelector[GPU_NODE_LABELS.gpuType] = job.gpuType;
  if (job.gpuPool) nodeSelector[GPU_NODE_LABELS.pool] = job.gpuPool;
  const amount: Record<string, string> = {
    cpu: job.cpu,
    memory: job.memory,
    ...(gpu ? { [GPU_RESOURCE]: String(job.gpus) } : {}),
  };
  return {
    apiVersion: "batch/v1" as const,
    kind: "Job" as const,
    metadata: {
      name,
      namespace: job.namespace,
      labels: { ...labels, [QUEUE_NAME_LABEL]: job.queueName },
      // A queued Job can wait for GPUs far longer than Pulumi's await timeout.
      annotations: { "pulumi.com/skipAwait": "true" },
    },
    spec: {
      suspend: true,
      backoffLimit: job.backoffLimit,
      ttlSecondsAfterFinished: job.ttlSecondsAfterFinished,
      ...(job.activeDeadlineSeconds !== undefined
        ? { activeDeadlineSeconds: job.activeDeadlineSeconds }
        : {}),
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          serviceAccountName: job.serviceAccountName,
          automountServiceAccountToken: false,
          securityContext: restrictedPodSecurityContext(job.runAsUser),
          ...(gpu
            ? {
                nodeSelector,
                tolerations: [{ key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect }],
              }
            : {}),
          containers: [
            {
              name: "trainer",
              image: job.image,
              imagePullPolicy: "IfNotPresent",
              command: job.command,
              ...(job.args.length > 0 ? { args: job.args } : {}),
              env: [
                // Read-only root filesystem: caches and home go to the /tmp scratch volume.
                { name: "HOME", value: "/tmp" },
                { name: "XDG_CACHE_HOME", value: "/tmp/.cache" },
                ...Object.entries(job.env).map(([n, value]) => ({ name: n, value })),
              ],
              resources: { requests: { ...amount }, limits: { ...amount } },
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [
                { name: "tmp", mountPath: "/tmp" },
                { name: "dshm", mountPath: "/dev/shm" },
              ],
            },
          ],
          volumes: [
            { name: "tmp", emptyDir: { sizeLimit: job.tmpSize } },
            { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: job.shmSize } },
          ],
        },
      },
    },
  };
}

/** One training run: a Kueue-queued `batch/v1` Job on the team's GPUs (or CPUs, with `gpus: 0`). */
export class TrainingJob extends MlopsComponent {
  /** `metadata.name` of the Job (the resource name). */
  readonly jobName: string;
  /** The team namespace. */
  readonly namespace: string;
  /** The LocalQueue the Job was submitted to. */
  readonly queueName: string;
  /** The Job. */
  readonly job: k8s.batch.v1.Job;

  constructor(name: string, args: TrainingJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TRAINING_JOB_TYPE, name, opts);
    if (!DNS_LABEL.test(name) || name.length > 63) {
      throw new pulumi.ResourceError(
        `invalid name for ${TRAINING_JOB_TYPE}: "${name}" must be a DNS-1123 label (it is the Job's name)`,
        this,
      );
    }
    const valid = validateArgs(trainingJobArgsSchema, args, this, TRAINING_JOB_TYPE);
    const { cluster, ...rest } = valid;
    const resolved = resolveTrainingJob(rest);
    // A pool or GPU type the cluster does not have would leave the Job pending forever. An adopted
    // cluster whose handle lists no pools is not checked (its owner labels the nodes).
    for (const field of ["gpuType", "gpuPool"] as const) {
      const problem = cpuOnlyGpuPlacementProblem(resolved.gpus, field, resolved[field]);
      if (problem !== undefined) argError(this, TRAINING_JOB_TYPE, field, problem);
    }
    const pools = cluster.gpuPools;
    if (pools.length > 0) {
      if (resolved.gpuPool !== undefined && !pools.some((p) => p.name === resolved.gpuPool)) {
        argError(
          this,
          TRAINING_JOB_TYPE,
          "gpuPool",
          `"${resolved.gpuPool}" is not a GPU pool of the cluster (${pools.map((p) => p.name).join(", ")})`,
        );
      }
      if (resolved.gpuType !== undefined && !pools.some((p) => p.gpuType === resolved.gpuType)) {
        argError(
          this,
          TRAINING_JOB_TYPE,
          "gpuType",
          `"${resolved.gpuType}" is offered by no GPU pool of the cluster (${[...new Set(pools.map((p) => p.gpuType))].join(", ")})`,
        );
      }
    }
    this.jobName = name;
    this.namespace = resolved.namespace;
    this.queueName = resolved.queueName;
    this.job = new k8s.batch.v1.Job(name, trainingJobManifest(name, resolved), {
      parent: this,
      provider: cluster.provider,
      // Kueue unsuspends the Job on admission; Pulumi must not suspend it again.
      ignoreChanges: ["spec.suspend"],
      deleteBeforeReplace: true,
    });
    this.registerOutputs({ jobName: this.jobName, namespace: this.namespace, queueName: this.queueName });
  }
}
