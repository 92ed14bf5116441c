/**
 * `pythonJobPod` (components/shared/python-job.ts): a module of mlops_jobs run from the pinned
 * upstream Python image with an init-container install of a hash-pinned lock and the sources as a
 * ConfigMap; or from a digest-pinned prebuilt image. Planned inside a SecureWorkload and validated
 * against the Kubernetes schema.
 */
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { describe, expect, it } from "vitest";
import {
  JobsLock,
  PYTHON_IMAGE,
  jobsDir,
  jobsSources,
  pythonJobPod,
  type PythonJobPodArgs,
} from "../components/shared/python-job";
import { SecureWorkload } from "../components/shared/secure-workload";
import { findResource, inputAt, planOf, type Plan } from "./helpers";
import { validateStrict, type ModelClass } from "./schemas/validate";

const ROOT = join(__dirname, "..");
const labels = { app: "sink" };

function workloadPlan(extra: Partial<PythonJobPodArgs> = {}): Promise<Plan> {
  return planOf(() => {
    const pod = pythonJobPod(
      "sink",
      {
        objectName: "payload-sink",
        namespace: "serving",
        labels,
        module: "payload_sink",
        lock: JobsLock.sink,
        args: ["--port", "8080"],
        env: [{ name: "MLOPS_SINK_PREFIX", value: "s3://logs/payload-logs" }],
        ...extra,
      },
      {},
    );
    new SecureWorkload(
      "sink",
      {
        namespace: "serving",
        objectName: "payload-sink",
        labels,
        selectorLabels: labels,
        image: pod.image,
        command: pod.command,
        args: pod.args,
        env: pod.env,
        volumes: pod.volumes,
        volumeMounts: pod.volumeMounts,
        initContainers: pod.initContainers,
        runAsUser: pod.uid,
        port: 8080,
        healthCheckPath: "/healthz",
        resources: { cpuRequest: "100m", memoryRequest: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" },
        egress: pod.egress,
      },
      {},
    );
  });
}

describe("pythonJobPod", () => {
  it("installs the lock into /deps in an init container and runs the module from the ConfigMap's sources", async () => {
    const plan = await workloadPlan({ pipIndexUrl: "https://pypi.mirror.internal/simple" });
    const cm = findResource(plan, "kubernetes:core/v1:ConfigMap", "sink-sources");
    const sources = readdirSync(join(ROOT, "jobs/mlops_jobs"))
      .filter((f) => /\.(py|json)$/.test(f))
      .sort();
    expect(inputAt(cm, "metadata")).toEqual({ name: "payload-sink-py", namespace: "serving", labels });
    const data = inputAt(cm, "data") as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual([...sources, "requirements-sink.lock"].sort());
    expect(data["payload_sink.py"]).toBe(readFileSync(join(ROOT, "jobs/mlops_jobs/payload_sink.py"), "utf8"));
    expect(data["requirements-sink.lock"]).toBe(
      readFileSync(join(ROOT, "jobs/requirements-sink.lock"), "utf8"),
    );
    expect(validateStrict(ConfigMap as unknown as ModelClass, cm.inputs)).toEqual([]);

    const deployment = findResource(plan, "kubernetes:apps/v1:Deployment", "sink");
    const spec = inputAt(deployment, "spec.template.spec") as Record<string, unknown>;
    expect(spec["initContainers"]).toEqual([
      {
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
          "/deps",
          "-r",
          "/lock/requirements-sink.lock",
        ],
        env: [
          { name: "HOME", value: "/tmp" },
          { name: "PIP_INDEX_URL", value: "https://pypi.mirror.internal/simple" },
        ],
        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        securityContext: {
          allowPrivilegeEscalation: false,
          privileged: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ["ALL"] },
          seccompProfile: { type: "RuntimeDefault" },
        },
        volumeMounts: [
          { name: "deps", mountPath: "/deps" },
          { name: "sources", mountPath: "/lock", readOnly: true },
          { name: "tmp", mountPath: "/tmp" },
        ],
      },
    ]);
    const [app] = spec["containers"] as Record<string, unknown>[];
    expect(app!["image"]).toBe(PYTHON_IMAGE);
    expect(app!["command"]).toEqual(["python", "-m", "mlops_jobs.payload_sink"]);
    expect(app!["args"]).toEqual(["--port", "8080"]);
    expect(app!["env"]).toEqual([
      { name: "PYTHONUNBUFFERED", value: "1" },
      { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
      { name: "HOME", value: "/tmp" },
      { name: "MLOPS_SINK_PREFIX", value: "s3://logs/payload-logs" },
      { name: "PYTHONPATH", value: "/deps:/app" },
    ]);
    expect(app!["volumeMounts"]).toEqual([
      { name: "deps", mountPath: "/deps", readOnly: true },
      { name: "package", mountPath: "/app/mlops_jobs", readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
    ]);
    expect(spec["volumes"]).toEqual([
      { name: "deps", emptyDir: { sizeLimit: "2Gi" } },
      {
        name: "sources",
        configMap: {
          name: "payload-sink-py",
          items: [{ key: "requirements-sink.lock", path: "requirements-sink.lock" }],
        },
      },
      {
        name: "package",
        configMap: { name: "payload-sink-py", items: sources.map((f) => ({ key: f, path: f })) },
      },
      { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
    ]);
    expect(spec["securityContext"]).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
    });
    expect(validateStrict(Deployment as unknown as ModelClass, deployment.inputs)).toEqual([]);
    // The install reaches the index over HTTPS; nothing else is opened beyond DNS.
    const policy = findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "sink-network-policy");
    expect((inputAt(policy, "spec.egress") as unknown[]).slice(1)).toEqual([
      {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } }],
        ports: [{ protocol: "TCP", port: 443 }],
      },
    ]);
  });

  it("runs a digest-pinned prebuilt image as it is: no install, no ConfigMap, no index egress", async () => {
    const image = `registry.internal/mlops-jobs:0.1.0@sha256:${"a".repeat(64)}`;
    const plan = await workloadPlan({ image });
    expect(plan.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap")).toEqual([]);
    const deployment = findResource(plan, "kubernetes:apps/v1:Deployment", "sink");
    expect(inputAt(deployment, "spec.template.spec.initContainers")).toBeUndefined();
    expect(inputAt(deployment, "spec.template.spec.containers.0.image")).toBe(image);
    expect(inputAt(deployment, "spec.template.spec.containers.0.command")).toEqual([
      "python",
      "-m",
      "mlops_jobs.payload_sink",
    ]);
    const env = inputAt(deployment, "spec.template.spec.containers.0.env") as { name: string }[];
    expect(env.map((e) => e.name)).not.toContain("PYTHONPATH");
    const policy = findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "sink-network-policy");
    expect(inputAt(policy, "spec.egress")).toHaveLength(1); // DNS only
  });

  it("refuses an image without a digest and a module the package does not have", () => {
    const base = { objectName: "x", namespace: "ns", labels, module: "payload_sink", lock: JobsLock.sink };
    expect(() => pythonJobPod("x", { ...base, image: "registry.internal/mlops-jobs:0.1.0" }, {})).toThrow(
      "image: must be pinned by digest (<image>@sha256:<64 hex>)",
    );
    expect(() => pythonJobPod("x", { ...base, module: "nope" }, {})).toThrow(
      /^module: "nope" is not a module of mlops_jobs/,
    );
    expect(() => pythonJobPod("x", { ...base, module: "../etc" }, {})).toThrow(/^module: "\.\.\/etc"/);
  });

  it("finds jobs/ above the compiled file, as in the installed package (dist/components/shared)", () => {
    const pkg = mkdtempSync(join(tmpdir(), "mlops-pkg-"));
    mkdirSync(join(pkg, "jobs/mlops_jobs"), { recursive: true });
    mkdirSync(join(pkg, "dist/components/shared"), { recursive: true });
    writeFileSync(join(pkg, "jobs/mlops_jobs/__init__.py"), '"""pkg"""\n');
    writeFileSync(join(pkg, "jobs/mlops_jobs/payload_sink.py"), "print(1)\n");
    writeFileSync(join(pkg, "jobs/mlops_jobs/notes.txt"), "not shipped\n");
    expect(jobsDir(join(pkg, "dist/components/shared"))).toBe(join(pkg, "jobs"));
    expect(jobsSources(join(pkg, "jobs"))).toEqual({
      "__init__.py": '"""pkg"""\n',
      "payload_sink.py": "print(1)\n",
    });
    expect(() => jobsDir(tmpdir())).toThrow(/jobs\/mlops_jobs not found above/);
  });

  it('package.json "files" ships the sources, the runtime locks and the Dockerfile, not the tests or the dev lock', () => {
    const files = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { files: string[] }).files;
    expect(files).toEqual(
      expect.arrayContaining([
        "jobs/mlops_jobs/*.py",
        "jobs/mlops_jobs/*.json",
        "jobs/requirements.lock",
        "jobs/requirements-sink.lock",
        "jobs/Dockerfile",
      ]),
    );
    expect(files.filter((f) => f.includes("tests") || f.includes("requirements-dev"))).toEqual([]);
  });
});
