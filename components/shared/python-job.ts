/**
 * How a pod runs a module of the `mlops_jobs` Python package (jobs/) without a custom image: there
 * is no registry to publish one to, so the pod starts from a pinned upstream Python image and
 * - an init container installs one of the package's hash-pinned locks
 *   (`pip install --require-hashes --no-deps --target /deps -r <lock>`) into an `emptyDir`
 *   (PyPI over HTTPS, or the mirror `pipIndexUrl` names; the pod needs egress on 443);
 * - the package's sources (`jobs/mlops_jobs/*.py` and `*.json`, read from the installed package
 *   folder, which package.json "files" ships) and the lock are a ConfigMap `<objectName>-py`,
 *   mounted read-only at `/app/mlops_jobs` and `/lock`;
 * - the container runs `python -m mlops_jobs.<module>` with `PYTHONPATH=/deps:/app`, as a non-root
 *   uid under the "restricted" profile with a read-only root filesystem (`/tmp` is an emptyDir).
 *
 * Or, with `image`, a prebuilt image of jobs/Dockerfile pinned by digest: no init container, no
 * ConfigMap, no egress to PyPI.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { restrictedContainerSecurityContext, resources, type ContainerResources } from "./k8s";

type Container = k8s.types.input.core.v1.Container;
type EnvVar = k8s.types.input.core.v1.EnvVar;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/**
 * The upstream image: Docker Official Image `python:3.11-slim` (Debian bookworm, CPython 3.11,
 * https://hub.docker.com/_/python), pinned by its multi-arch index digest as public Dockerfiles pin
 * it (e.g. `public.ecr.aws/docker/library/python:3.11-slim@sha256:9c900dea…`, the ECR mirror of the
 * same index). Check a new digest with `docker buildx imagetools inspect python:3.11-slim`.
 */
export const PYTHON_IMAGE =
  "python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7";

/** The package's hash-pinned locks (files in jobs/). */
export const JobsLock = {
  /** The jobs' whole runtime (Evidently, MLflow, scikit-learn, pandas, s3fs, gcsfs): drift, evaluate, promote. */
  jobs: "requirements.lock",
  /** The payload sink's: pyarrow alone. */
  sink: "requirements-sink.lock",
} as const;
export type JobsLock = (typeof JobsLock)[keyof typeof JobsLock];

/** An image pinned by digest (`<repo>[:tag]@sha256:<64 hex>`). @internal */
export const digestPinnedImageSchema = z
  .string()
  .regex(/^[^\s@]+@sha256:[a-f0-9]{64}$/, { message: "must be pinned by digest (<image>@sha256:<64 hex>)" });

/** The uid the Python containers run as (the image's root is never used). */
export const PYTHON_JOB_UID = 65532;
/** Where the locked dependencies are installed, and the sources mounted. */
export const DEPS_DIR = "/deps";
export const APP_DIR = "/app";

/** Any address but the link-local range (cloud metadata and credential endpoints). */
const INDEX_PEER = { ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } };

/** The jobs/ folder of the installed package (or of the repository checkout). */
export function jobsDir(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "jobs", "mlops_jobs", "__init__.py"))) return path.join(dir, "jobs");
    if (path.dirname(dir) === dir) {
      throw new Error(`jobs/mlops_jobs not found above ${from}: the package ships it (package.json "files")`);
    }
  }
}

/** The package's sources as ConfigMap data: every `*.py` and `*.json` of jobs/mlops_jobs, by file name. */
export function jobsSources(dir: string = jobsDir()): Record<string, string> {
  const pkg = path.join(dir, "mlops_jobs");
  return Object.fromEntries(
    fs
      .readdirSync(pkg)
      .filter((f) => /\.(py|json)$/.test(f))
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(pkg, f), "utf8")]),
  );
}

/** Arguments of {@link pythonJobPod}. */
export interface PythonJobPodArgs {
  /** Kubernetes name the ConfigMap is derived from (`<objectName>-py`). */
  objectName: string;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  /** Module of `mlops_jobs` to run (`python -m mlops_jobs.<module>`), e.g. "payload_sink". */
  module: string;
  /** The lock the init container installs. */
  lock: JobsLock;
  /** Container arguments after the module. @default [] */
  args?: pulumi.Input<string>[];
  /** Environment of the container (the settings). @default [] */
  env?: EnvVar[];
  /** A prebuilt image of jobs/Dockerfile, pinned by digest. @default the upstream image + init install */
  image?: string;
  /** A PyPI mirror for the init container (`PIP_INDEX_URL`). @default PyPI */
  pipIndexUrl?: string;
  /** Size limit of the `/deps` emptyDir. @default "2Gi" */
  depsSizeLimit?: string;
  /** Requests and limits of the init container. @default requests 100m/256Mi, limits 1/1Gi */
  installResources?: ContainerResources;
}

/** What a pod spec needs to run the module (see the module comment). */
export interface PythonJobPod {
  image: string;
  command: string[];
  args: pulumi.Input<string>[];
  env: EnvVar[];
  volumes: Volume[];
  volumeMounts: VolumeMount[];
  initContainers: Container[];
  /** Egress the pod needs beyond its own stores: HTTPS to the package index (none with `image`). */
  egress: EgressRule[];
  /** The sources' ConfigMap (none with `image`). */
  configMap: k8s.core.v1.ConfigMap | undefined;
  /** The uid and gid the pod must run as. */
  uid: number;
}

/**
 * Creates the sources' ConfigMap `${name}-sources` (unless `image`) and returns the pod's pieces.
 * Throws an Error naming `module` or `image` when they are wrong; callers validate their own args
 * first and report them by path.
 */
export function pythonJobPod(
  name: string,
  a: PythonJobPodArgs,
  opts: pulumi.CustomResourceOptions,
  dir?: string,
): PythonJobPod {
  const command = ["python", "-m", `mlops_jobs.${a.module}`];
  const env: EnvVar[] = [
    { name: "PYTHONUNBUFFERED", value: "1" },
    { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
    { name: "HOME", value: "/tmp" },
    ...(a.env ?? []),
  ];
  const tmp: Volume = { name: "tmp", emptyDir: { sizeLimit: "256Mi" } };
  const tmpMount: VolumeMount = { name: "tmp", mountPath: "/tmp" };
  if (a.image !== undefined) {
    const parsed = digestPinnedImageSchema.safeParse(a.image);
    if (!parsed.success) throw new Error(`image: ${parsed.error.issues[0]!.message}`);
    return {
      image: a.image,
      command,
      args: a.args ?? [],
      env,
      volumes: [tmp],
      volumeMounts: [tmpMount],
      initContainers: [],
      egress: [],
      configMap: undefined,
      uid: PYTHON_JOB_UID,
    };
  }
  const jobs = dir ?? jobsDir();
  const sources = jobsSources(jobs);
  if (!/^[a-z_][a-z0-9_]*$/.test(a.module) || sources[`${a.module}.py`] === undefined) {
    throw new Error(`module: "${a.module}" is not a module of mlops_jobs (${jobs}/mlops_jobs)`);
  }
  const lockKey = a.lock.replace(/\.lock$/, "").replace(/[^a-z0-9-]/g, "-") + ".lock";
  const configMap = new k8s.core.v1.ConfigMap(
    `${name}-sources`,
    {
      metadata: { name: `${a.objectName}-py`, namespace: a.namespace, labels: a.labels },
      data: { ...sources, [lockKey]: fs.readFileSync(path.join(jobs, a.lock), "utf8") },
    },
    opts,
  );
  const sourceItems = Object.keys(sources).map((f) => ({ key: f, path: f }));
  const install: Container = {
    name: "install",
    image: PYTHON_IMAGE,
    imagePullPolicy: "IfNotPresent",
    command: [
      "python",
      "-m",
      "pip",
      "install",
      "--require-hashes",
      "--no-deps",
      "--no-cache-dir",
      "--disable-pip-version-check",
      "--no-warn-script-location",
      "--target",
      DEPS_DIR,
      "-r",
      `/lock/${lockKey}`,
    ],
    env: [
      { name: "HOME", value: "/tmp" },
      ...(a.pipIndexUrl ? [{ name: "PIP_INDEX_URL", value: a.pipIndexUrl }] : []),
    ],
    resources: resources(
      a.installResources ?? { cpuRequest: "100m", memoryRequest: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" },
    ),
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: [
      { name: "deps", mountPath: DEPS_DIR },
      { name: "sources", mountPath: "/lock", readOnly: true },
      tmpMount,
    ],
  };
  return {
    image: PYTHON_IMAGE,
    command,
    args: a.args ?? [],
    env: [...env, { name: "PYTHONPATH", value: `${DEPS_DIR}:${APP_DIR}` }],
    volumes: [
      { name: "deps", emptyDir: { sizeLimit: a.depsSizeLimit ?? "2Gi" } },
      {
        name: "sources",
        configMap: { name: configMap.metadata.name, items: [{ key: lockKey, path: lockKey }] },
      },
      { name: "package", configMap: { name: configMap.metadata.name, items: sourceItems } },
      tmp,
    ],
    volumeMounts: [
      { name: "deps", mountPath: DEPS_DIR, readOnly: true },
      { name: "package", mountPath: `${APP_DIR}/mlops_jobs`, readOnly: true },
      tmpMount,
    ],
    initContainers: [install],
    // PyPI (or the mirror) over HTTPS, wherever it resolves; never the link-local metadata endpoints.
    egress: [{ to: [INDEX_PEER], ports: [{ protocol: "TCP", port: 443 }] }],
    configMap,
    uid: PYTHON_JOB_UID,
  };
}
