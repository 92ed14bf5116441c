/**
 * `mlops:index:RetrainingLoop` planned under mocks: exact children, every Argo object valid
 * against the vendored v4 / v1.9 schemas, the per-model mutex, the drift job's environment (the
 * variables of jobs/README.md), least-privilege RBAC, the alert route, and bad args by path.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { CronJob } from "kubernetes-models/batch/v1";
import { parse } from "yaml";
import { type ObjectStore, type Target } from "../../components/adapters";
import {
  RetrainingLoop,
  RETRAINING_LOOP_TYPE,
  ARGO_EVENTS_CHART_VERSION,
  ARGO_WORKFLOWS_CHART_VERSION,
  resolveRetrainingLoopArgs,
  retrainingAlerting,
  retrainMutexName,
  WORKFLOW_TAG,
  PRODUCTION_SCRIPT,
  type RetrainingLoopArgs,
  type RetrainingLoopModelArgs,
} from "../../components/retraining-loop";
import { QUEUE_NAME_LABEL } from "../../components/training-cluster";
import {
  descendantsOf,
  findResource,
  inputAt,
  planOf,
  resourcesOfType,
  type Plan,
  type PlanResource,
} from "../helpers";
import { CLUSTER_AWS, fakeClusterHandle } from "../training-cluster/fixtures";
import { validateStrict, type ModelClass } from "../schemas/validate";
import { resolveAlertingArgs } from "../../components/monitoring";
import { runPoliciesDetailed } from "../../policies/offline";
import { clusterWithStores, LOOP_SERVICES } from "./fixtures";
import { argoSchemaErrors } from "./schema";
import { PYTHON_IMAGE, PYTHON_JOB_UID } from "../../components/shared/python-job";

const DIGEST = "ghcr.io/acme/mlops-jobs@sha256:" + "a".repeat(64);
const CR = "kubernetes:argoproj.io/v1alpha1:";

const model = (name: string, over: Partial<RetrainingLoopModelArgs> = {}): RetrainingLoopModelArgs => ({
  name,
  version: "3",
  servingNamespace: "serving",
  payloadLogPath: `payload-logs/${name}/`,
  referenceDataPath: `reference/${name}/`,
  gate: { holdoutPath: `holdout/${name}.parquet`, labelColumn: "clicked" },
  training: {
    team: "recsys",
    image: "ghcr.io/acme/recommender-train:1.4.0",
    command: ["python", "train.py"],
  },
  ...over,
});

const aws = CLUSTER_AWS;

type Over = Partial<Omit<RetrainingLoopArgs, "cluster" | "stores">> & { target?: Target };

/** A program with the stores from a real adapter (on a stand-in host) and the loop. */
function program(over: Over = {}) {
  return () => {
    const { target = "aws", ...rest } = over;
    const { cluster, offline, logs } = clusterWithStores(target);
    new RetrainingLoop("loop", {
      cluster,
      services: LOOP_SERVICES,
      stores: { referenceData: offline, payloadLogs: logs },
      models: [model("recommender", { drift: { method: "psi", threshold: 0.2, columns: ["price", "age"] } })],
      ...rest,
    });
    return {};
  };
}

const loopChildren = (plan: Plan) => {
  const loop = findResource(plan, RETRAINING_LOOP_TYPE, "loop");
  return plan.resources.filter((r) => r.parent === loop.urn);
};
const manifestOf = (r: PlanResource) => ({
  apiVersion: r.inputs["apiVersion"],
  kind: r.inputs["kind"],
  metadata: r.inputs["metadata"],
  spec: r.inputs["spec"],
});

describe("RetrainingLoop", () => {
  it("creates exactly the documented children", async () => {
    const plan = await planOf(program());
    const names = loopChildren(plan)
      .map((r) => `${r.type} ${r.name}`)
      .sort();
    expect(names).toEqual(
      [
        "mlops:index:RestrictedNamespace loop-argo-namespace",
        "mlops:index:RestrictedNamespace loop-argo-events-namespace",
        "mlops:index:RestrictedNamespace loop-namespace",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy loop-argo-network-policy",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy loop-argo-events-network-policy",
        "kubernetes:helm.sh/v3:Release loop-argo",
        "kubernetes:helm.sh/v3:Release loop-argo-events",
        "aws:iam/role:Role loop-drift-role",
        "aws:iam/rolePolicy:RolePolicy loop-drift-role-policy",
        "aws:eks/podIdentityAssociation:PodIdentityAssociation loop-drift-pod-identity",
        "aws:iam/role:Role loop-workflow-role",
        "aws:iam/rolePolicy:RolePolicy loop-workflow-role-policy",
        "aws:eks/podIdentityAssociation:PodIdentityAssociation loop-workflow-pod-identity",
        // The training Job's identity in the team namespace (test/retraining-loop/training.test.ts).
        "aws:iam/role:Role loop-training-recsys-role",
        "aws:iam/rolePolicy:RolePolicy loop-training-recsys-role-policy",
        "aws:eks/podIdentityAssociation:PodIdentityAssociation loop-training-recsys-pod-identity",
        "kubernetes:core/v1:ServiceAccount loop-training-recsys-sa",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy loop-training-recsys-policy",
        // The loop's own report store (encrypted with its own key, versioned, access-logged).
        "aws:kms/key:Key loop-drift-reports-key",
        "aws:kms/alias:Alias loop-drift-reports-key-alias",
        ...[
          "s3/bucket:Bucket #",
          "s3/bucketOwnershipControls:BucketOwnershipControls #-ownership",
          "s3/bucketPolicy:BucketPolicy #-policy",
          "s3/bucketPublicAccessBlock:BucketPublicAccessBlock #-public-access",
          "s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration #-encryption",
        ].flatMap((t) =>
          ["loop-drift-reports-bucket", "loop-drift-reports-logs"].map((n) => `aws:${t.replace("#", n)}`),
        ),
        "aws:s3/bucketVersioning:BucketVersioning loop-drift-reports-bucket-versioning",
        "aws:s3/bucketLogging:BucketLogging loop-drift-reports-bucket-logging",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration loop-drift-reports-logs-lifecycle",
        "kubernetes:core/v1:ServiceAccount loop-drift-sa",
        "kubernetes:core/v1:ServiceAccount loop-workflow-sa",
        "kubernetes:core/v1:ServiceAccount loop-sensor-sa",
        "kubernetes:core/v1:ServiceAccount loop-eventsource-sa",
        "kubernetes:core/v1:ConfigMap loop-jobs-sources",
        "kubernetes:rbac.authorization.k8s.io/v1:Role loop-executor-role",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding loop-executor-binding",
        "kubernetes:rbac.authorization.k8s.io/v1:Role loop-sensor-role",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding loop-sensor-binding",
        "kubernetes:rbac.authorization.k8s.io/v1:Role loop-jobs-recsys-role",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding loop-jobs-recsys-binding",
        "kubernetes:rbac.authorization.k8s.io/v1:Role loop-canary-serving-role",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding loop-canary-serving-binding",
        "random:index/randomPassword:RandomPassword loop-webhook-token",
        "kubernetes:core/v1:Secret loop-webhook-secret",
        "kubernetes:core/v1:Secret loop-alertmanager-secret",
        `${CR}EventBus loop-event-bus`,
        `${CR}EventSource loop-event-source`,
        "kubernetes:networking.k8s.io/v1:NetworkPolicy loop-drift-policy",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy loop-workflow-policy",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy loop-event-bus-policy",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy loop-event-source-policy",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy loop-sensor-policy",
        "kubernetes:batch/v1:CronJob loop-drift-recommender",
        `${CR}WorkflowTemplate loop-template-recommender`,
        `${CR}CronWorkflow loop-periodic-recommender`,
        `${CR}Sensor loop-sensor-recommender`,
      ].sort(),
    );
  });

  it("writes every Argo object valid against the vendored Argo Workflows v4 / Argo Events v1.9 schemas", async () => {
    const plan = await planOf(
      program({
        models: [
          model("recommender"),
          model("ranker", {
            training: { team: "search", image: "ghcr.io/acme/rank:2.0.0", command: ["python", "rank.py"] },
          }),
        ],
      }),
    );
    const argo = plan.resources.filter((r) => r.type.startsWith(CR));
    expect(argo.map((r) => r.type.slice(CR.length)).sort()).toEqual([
      "CronWorkflow",
      "CronWorkflow",
      "EventBus",
      "EventSource",
      "Sensor",
      "Sensor",
      "WorkflowTemplate",
      "WorkflowTemplate",
    ]);
    for (const r of argo) expect(argoSchemaErrors(manifestOf(r)), r.name).toEqual([]);
    // The check bites: an unknown field and the v3 singular `mutex` fail.
    const template = manifestOf(findResource(plan, `${CR}WorkflowTemplate`, "loop-template-recommender"));
    const spec = template.spec as Record<string, unknown>;
    expect(
      argoSchemaErrors({ ...template, spec: { ...spec, synchronization: { mutex: { name: "x" } } } }),
    ).toContain("/spec/synchronization must NOT have additional properties (mutex)");
    const sensor = manifestOf(findResource(plan, `${CR}Sensor`, "loop-sensor-recommender"));
    const sensorSpec = sensor.spec as { triggers: Record<string, unknown>[] };
    expect(
      argoSchemaErrors({
        ...sensor,
        spec: {
          ...sensorSpec,
          triggers: [{ ...sensorSpec.triggers[0], rateLimit: { unit: "Hour", perUnit: 1 } }],
        },
      }),
    ).toEqual(["/spec/triggers/0/rateLimit must NOT have additional properties (perUnit)"]);
    const cron = manifestOf(findResource(plan, `${CR}CronWorkflow`, "loop-periodic-recommender"));
    expect(
      argoSchemaErrors({ ...cron, spec: { ...(cron.spec as object), schedule: "0 3 * * 0" } }),
    ).toContain("/spec must NOT have additional properties (schedule)");
  });

  it("holds one mutex per model on every run (two alerts never train a model twice)", async () => {
    const plan = await planOf(program());
    const template = findResource(plan, `${CR}WorkflowTemplate`, "loop-template-recommender");
    expect(inputAt(template, "spec.synchronization")).toEqual({
      mutexes: [{ name: retrainMutexName("recommender") }],
    });
    expect(retrainMutexName("recommender")).toBe("retrain-recommender");
    const cron = findResource(plan, `${CR}CronWorkflow`, "loop-periodic-recommender");
    expect(inputAt(cron, "spec")).toEqual({
      schedules: ["0 3 * * 0"],
      timezone: "Etc/UTC",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      workflowSpec: {
        workflowTemplateRef: { name: "retrain-recommender" },
        arguments: { parameters: [{ name: "reason", value: "schedule" }] },
      },
    });
  });

  it("the drift CronJob sets exactly the settings jobs/README.md documents for mlops-drift", async () => {
    const plan = await planOf(program());
    const cronJob = findResource(plan, "kubernetes:batch/v1:CronJob", "loop-drift-recommender");
    const container = inputAt(cronJob, "spec.jobTemplate.spec.template.spec.containers[0]") as {
      image: string;
      command: string[];
      env: { name: string; value?: string }[];
      resources: unknown;
      securityContext: Record<string, unknown>;
    };
    expect(container.image).toBe(PYTHON_IMAGE);
    expect(container.command).toEqual(["python", "-m", "mlops_jobs.drift"]);
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    const mlops = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("MLOPS_")));
    expect(mlops).toEqual({
      MLOPS_MODEL: "recommender",
      MLOPS_MODEL_VERSION: "3",
      // The version it judges is the one under this alias (MLOPS_MODEL_VERSION while there is none).
      MLOPS_PRODUCTION_ALIAS: "production",
      // The models' paths inside the stores granted to the loop: the reference data is read from
      // `<prefix>/<judged version>/`.
      MLOPS_REFERENCE: "s3://data-offline-bucket/reference/recommender/",
      MLOPS_CURRENT: "s3://data-logs-bucket/payload-logs/recommender/",
      MLOPS_WINDOW: "1d",
      MLOPS_COLUMNS: "price,age",
      MLOPS_DRIFT_METHOD: "psi",
      MLOPS_DRIFT_THRESHOLD: "0.2",
      MLOPS_DRIFT_SHARE: "0.5",
      MLOPS_SAMPLE_CAP: "50000",
      MLOPS_MIN_ROWS: "100",
      // The loop's own report store.
      MLOPS_REPORT_PREFIX: "s3://loop-drift-reports-bucket/drift-reports",
      MLOPS_PUSHGATEWAY_URL: "http://pushgateway.monitoring.svc:9091",
    });
    // Against the README: every variable set is one the drift section documents, and every
    // required one is set.
    const readme = readFileSync(join(__dirname, "..", "..", "jobs", "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### `mlops-drift`"), readme.indexOf("### `mlops-evaluate`"));
    const rows = [...section.matchAll(/^\| `--[a-z-]+` \/ `(MLOPS_[A-Z_]+)`\s*\| ([^|]+)\|/gm)].map((m) => ({
      name: m[1]!,
      required: m[2]!.trim() === "required",
    }));
    expect(rows.length).toBeGreaterThan(10);
    for (const name of Object.keys(mlops))
      expect(
        rows.map((r) => r.name),
        name,
      ).toContain(name);
    for (const row of rows.filter((r) => r.required))
      expect(Object.keys(mlops), row.name).toContain(row.name);
    // Pod Security "restricted", limits, a read-only root filesystem.
    expect(container.resources).toEqual({
      requests: { cpu: "500m", memory: "1Gi" },
      limits: { cpu: "2", memory: "4Gi" },
    });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(inputAt(cronJob, "spec.concurrencyPolicy")).toBe("Forbid");
    expect(inputAt(cronJob, "spec.schedule")).toBe("0 * * * *");
    expect(inputAt(cronJob, "spec.jobTemplate.spec.template.spec.serviceAccountName")).toBe("mlops-drift");
    expect(validateStrict(CronJob as unknown as ModelClass, cronJob.inputs)).toEqual([]);
    // It reads the production alias from MLflow: the tracking server, and egress to its port only
    // in MLflow's namespace (as the workflow's steps).
    expect(env["MLFLOW_TRACKING_URI"]).toBe("http://mlflow.mlflow.svc.cluster.local:5000");
    const toMlflow = {
      to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "mlflow" } } }],
      ports: [{ protocol: "TCP", port: 5000 }],
    };
    for (const n of ["loop-drift-policy", "loop-workflow-policy"])
      expect(
        inputAt(findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", n), "spec.egress"),
        n,
      ).toContainEqual(toMlflow);
  });

  it("runs the jobs on the pinned Python image: the hash-locked install, the sources from one ConfigMap", async () => {
    const plan = await planOf(program());
    const sources = findResource(plan, "kubernetes:core/v1:ConfigMap", "loop-jobs-sources");
    expect(inputAt(sources, "metadata.name")).toBe("mlops-jobs-py");
    expect(inputAt(sources, "metadata.namespace")).toBe("mlops-loop");
    const data = inputAt(sources, "data") as Record<string, string>;
    for (const f of ["drift.py", "evaluate.py", "promote.py", "requirements.lock"])
      expect(Object.keys(data)).toContain(f);
    expect(data["requirements.lock"]).toBe(
      readFileSync(join(__dirname, "..", "..", "jobs", "requirements.lock"), "utf8"),
    );
    const podSpec = inputAt(
      findResource(plan, "kubernetes:batch/v1:CronJob", "loop-drift-recommender"),
      "spec.jobTemplate.spec.template.spec",
    ) as {
      initContainers: { image: string; command: string[] }[];
      volumes: { name: string; emptyDir?: unknown }[];
      securityContext: { runAsUser: number };
    };
    expect(podSpec.initContainers.map((c) => c.image)).toEqual([PYTHON_IMAGE]);
    expect(podSpec.initContainers[0]!.command).toEqual(
      expect.arrayContaining(["--require-hashes", "/lock/requirements.lock"]),
    );
    expect(podSpec.volumes.find((v) => v.name === "tmp")).toEqual({
      name: "tmp",
      emptyDir: { sizeLimit: "4Gi" },
    });
    expect(podSpec.securityContext.runAsUser).toBe(PYTHON_JOB_UID);
    // The workflow's Python steps install the same lock; the training step keeps the user's image.
    const template = findResource(plan, `${CR}WorkflowTemplate`, "loop-template-recommender");
    const templates = inputAt(template, "spec.templates") as {
      name: string;
      initContainers?: { image: string }[];
      container?: { image: string; command: string[] };
      script?: { image: string };
    }[];
    for (const step of ["register", "evaluate", "decide"]) {
      const t = templates.find((x) => x.name === step)!;
      expect(
        t.initContainers?.map((c) => c.image),
        step,
      ).toEqual([PYTHON_IMAGE]);
      expect((t.container ?? t.script)!.image, step).toBe(PYTHON_IMAGE);
    }
    expect(templates.find((t) => t.name === "evaluate")!.container!.command).toEqual([
      "python",
      "-m",
      "mlops_jobs.evaluate",
    ]);
    expect(templates.find((t) => t.name === "train")!.initContainers).toBeUndefined();
    // The install reaches the package index over HTTPS, never the metadata endpoints.
    for (const n of ["loop-drift-policy", "loop-workflow-policy"]) {
      const egress = inputAt(
        findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", n),
        "spec.egress",
      );
      expect(egress, n).toContainEqual({
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } }],
        ports: [{ protocol: "TCP", port: 443 }],
      });
    }
  });

  it("with jobsImage runs the prebuilt image: no install, no ConfigMap, no egress to the index", async () => {
    const plan = await planOf(program({ jobsImage: DIGEST }));
    expect(resourcesOfType(plan, "kubernetes:core/v1:ConfigMap")).toEqual([]);
    const podSpec = inputAt(
      findResource(plan, "kubernetes:batch/v1:CronJob", "loop-drift-recommender"),
      "spec.jobTemplate.spec.template.spec",
    ) as { initContainers: unknown[]; containers: { image: string }[] };
    expect(podSpec.containers[0]!.image).toBe(DIGEST);
    expect(podSpec.initContainers).toEqual([]);
    const egress = inputAt(
      findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "loop-drift-policy"),
      "spec.egress",
    );
    expect(egress).not.toContainEqual({
      to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } }],
      ports: [{ protocol: "TCP", port: 443 }],
    });
  });

  it("grants the drift job read on the reference data and read/write on the reports only", async () => {
    const plan = await planOf(program());
    const policy = (n: string) =>
      JSON.stringify(findResource(plan, "aws:iam/rolePolicy:RolePolicy", n).inputs["policy"]);
    const drift = policy("loop-drift-role-policy");
    const workflow = policy("loop-workflow-role-policy");
    expect(drift).toContain("s3:GetObject");
    expect(drift).toContain("s3:PutObject");
    // Writes only into the loop's own report store.
    const statements = JSON.parse(
      findResource(plan, "aws:iam/rolePolicy:RolePolicy", "loop-drift-role-policy").inputs[
        "policy"
      ] as string,
    ) as { Statement: { Action: string[]; Resource: string[] }[] };
    const writes = statements.Statement.filter((st) => st.Action.includes("s3:PutObject")).flatMap(
      (st) => st.Resource,
    );
    expect(writes.length).toBeGreaterThan(0);
    for (const r of writes) expect(r).toMatch(/^arn:aws:s3:::loop-drift-reports-bucket/);
    // The workflow steps only read (the hold-out set); MLflow proxies the models.
    expect(workflow).toContain("s3:GetObject");
    expect(workflow).not.toContain("s3:PutObject");
  });

  it("trains through the TrainingJob template in the team's namespace and LocalQueue", async () => {
    const plan = await planOf(program());
    const template = findResource(plan, `${CR}WorkflowTemplate`, "loop-template-recommender");
    const templates = inputAt(template, "spec.templates") as {
      name: string;
      resource?: { action: string; manifest: string };
    }[];
    const train = templates.find((t) => t.name === "train")!;
    expect(train.resource!.action).toBe("create");
    const job = parse(train.resource!.manifest) as TrainingJobManifest;
    expect(job.kind).toBe("Job");
    expect(job.metadata.namespace).toBe("recsys");
    expect(job.metadata.generateName).toBe("retrain-recommender-");
    expect(job.metadata.labels[QUEUE_NAME_LABEL]).toBe("training");
    expect(job.spec.suspend).toBe(true);
    expect(job.spec.template.spec.containers[0]!.resources.limits["nvidia.com/gpu"]).toBe("1");
    const env = Object.fromEntries(
      (job.spec.template.spec.containers[0]!.env as { name: string; value: string }[]).map((e) => [
        e.name,
        e.value,
      ]),
    );
    expect(env).toMatchObject({
      MLFLOW_TRACKING_URI: "http://mlflow.mlflow.svc.cluster.local:5000",
      MLOPS_MODEL: "recommender",
      // The run writes its training set under `<prefix>/<registered version>/`.
      MLOPS_REFERENCE: "s3://data-offline-bucket/reference/recommender/",
      MLOPS_REGISTER_TAG: WORKFLOW_TAG,
      MLOPS_WORKFLOW_UID: "{{workflow.uid}}",
    });
    // The steps in order, the gate's exit code deciding the rest.
    const steps = (
      templates.find((t) => t.name === "retrain") as unknown as { steps: { name: string; when?: string }[][] }
    ).steps;
    expect(steps.map((group) => group.map((st) => st.name))).toEqual([
      ["train"],
      ["register"],
      ["evaluate"],
      ["gate-error"],
      ["canary"],
      ["observe"],
      ["decide"],
      ["promote", "rollback"],
      ["production"],
    ]);
    expect(steps[3]![0]!.when).toBe("{{steps.evaluate.exitCode}} != 0 && {{steps.evaluate.exitCode}} != 3");
    expect(steps[4]![0]!.when).toBe("{{steps.evaluate.exitCode}} == 0");
    expect(steps[7]!.map((st) => st.when)).toEqual([
      "{{=steps.evaluate.exitCode == '0' && jsonpath(steps.decide.outputs.parameters.decision, '$.decision') == 'promote'}}",
      "{{=steps.evaluate.exitCode == '0' && jsonpath(steps.decide.outputs.parameters.decision, '$.decision') == 'rollback'}}",
    ]);
    // Only after the promote patch: the promoted version becomes the MLflow alias "production"
    // (never on reject, hold or rollback), the pointer the drift job and the gate read.
    expect(steps[8]).toEqual([
      {
        name: "production",
        template: "production",
        arguments: {
          parameters: [{ name: "version", value: "{{steps.register.outputs.parameters.version}}" }],
        },
        when: steps[7]![0]!.when,
      },
    ]);
    const production = templates.find((t) => t.name === "production") as unknown as {
      inputs: unknown;
      script: { command: string[]; env: { name: string; value: string }[]; source: string };
    };
    expect(production.inputs).toEqual({ parameters: [{ name: "version" }] });
    expect(production.script.command).toEqual(["python"]);
    expect(production.script.source).toBe(PRODUCTION_SCRIPT);
    expect(PRODUCTION_SCRIPT).toContain("MlflowClient().set_registered_model_alias(model, alias, version)");
    expect(Object.fromEntries(production.script.env.map((e) => [e.name, e.value]))).toMatchObject({
      MLFLOW_TRACKING_URI: "http://mlflow.mlflow.svc.cluster.local:5000",
      MLOPS_MODEL: "recommender",
      MLOPS_PRODUCTION_ALIAS: "production",
      MLOPS_VERSION: "{{inputs.parameters.version}}",
    });
    const evaluate = templates.find((t) => t.name === "evaluate") as unknown as {
      container: { env: { name: string; value: string }[] };
    };
    const evalEnv = Object.fromEntries(evaluate.container.env.map((e) => [e.name, e.value]));
    expect(evalEnv).toMatchObject({
      MLOPS_MODEL: "recommender",
      MLOPS_PRODUCTION_ALIAS: "production",
      MLOPS_HOLDOUT: "s3://data-offline-bucket/holdout/recommender.parquet",
      MLOPS_LABEL_COLUMN: "clicked",
      MLOPS_METRIC: "accuracy",
      MLOPS_MIN_IMPROVEMENT: "0",
    });
  });

  it("with services.mlflowCredentials, gives exactly the MLflow clients the user from a Secret", async () => {
    const services = LOOP_SERVICES;
    type EnvVar = {
      name: string;
      value?: string;
      valueFrom?: { secretKeyRef: { name: string; key: string } };
    };
    type Step = {
      name: string;
      container?: { env: EnvVar[] };
      script?: { env: EnvVar[] };
      resource?: { manifest: string };
    };
    const credentialEnv = (plan: Plan) => {
      const template = findResource(plan, `${CR}WorkflowTemplate`, "loop-template-recommender");
      const steps = inputAt(template, "spec.templates") as Step[];
      const names = (env: EnvVar[]) =>
        env.filter((e) => ["MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"].includes(e.name));
      const byStep: Record<string, EnvVar[]> = {};
      for (const st of steps) {
        const env = st.container?.env ?? st.script?.env;
        if (env) byStep[st.name] = names(env);
        if (st.name === "train") {
          const job = parse(st.resource!.manifest) as TrainingJobManifest;
          byStep["train"] = names(job.spec.template.spec.containers[0]!.env);
        }
      }
      const cronJob = findResource(plan, "kubernetes:batch/v1:CronJob", "loop-drift-recommender");
      byStep["drift"] = names(
        inputAt(cronJob, "spec.jobTemplate.spec.template.spec.containers[0].env") as EnvVar[],
      );
      return byStep;
    };
    const ref = (key: string) => ({ secretKeyRef: { name: "mlops-loop-mlflow", key } });
    const expected = [
      { name: "MLFLOW_TRACKING_USERNAME", valueFrom: ref("username") },
      { name: "MLFLOW_TRACKING_PASSWORD", valueFrom: ref("password") },
    ];

    const withAuth = await planOf(
      program({
        services: {
          ...services,
          mlflowCredentials: { username: "loop", password: pulumi.secret("s3cr3t-password") },
        },
      }),
    );
    expect(credentialEnv(withAuth)).toEqual({
      train: expected,
      register: expected,
      evaluate: expected,
      "gate-error": [],
      decide: expected,
      production: expected,
      // It reads the production alias.
      drift: expected,
    });
    // The Secret in the loop namespace (workflow steps) and the team's (training Job); the password secret.
    for (const [n, ns] of [
      ["loop-mlflow-credentials", "mlops-loop"],
      ["loop-mlflow-credentials-recsys", "recsys"],
    ] as const) {
      const secret = findResource(withAuth, "kubernetes:core/v1:Secret", n);
      expect(inputAt(secret, "metadata"), n).toMatchObject({ name: "mlops-loop-mlflow", namespace: ns });
      // The whole stringData is secret in the state (the password is), so the username shows as one too.
      expect(secret.inputs["stringData"], n).toEqual({ username: "[secret]", password: "[secret]" });
    }
    expect(JSON.stringify(withAuth.resources.map((r) => r.inputs))).not.toContain("s3cr3t-password");

    const withoutAuth = await planOf(program({ services }));
    expect(credentialEnv(withoutAuth)).toEqual({
      train: [],
      register: [],
      evaluate: [],
      "gate-error": [],
      decide: [],
      production: [],
      drift: [],
    });
    expect(
      resourcesOfType(withoutAuth, "kubernetes:core/v1:Secret").filter((r) => r.name.includes("mlflow")),
    ).toEqual([]);
  });

  it("binds only namespaced Roles; the executor may create and patch workflowtaskresults", async () => {
    const plan = await planOf(program());
    expect(resourcesOfType(plan, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")).toEqual([]);
    expect(resourcesOfType(plan, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")).toEqual([]);
    expect(
      inputAt(
        findResource(plan, "kubernetes:rbac.authorization.k8s.io/v1:Role", "loop-executor-role"),
        "rules",
      ),
    ).toEqual([
      { apiGroups: ["argoproj.io"], resources: ["workflowtaskresults"], verbs: ["create", "patch"] },
    ]);
    const jobs = findResource(plan, "kubernetes:rbac.authorization.k8s.io/v1:Role", "loop-jobs-recsys-role");
    expect(inputAt(jobs, "metadata.namespace")).toBe("recsys");
    expect(inputAt(jobs, "rules")).toEqual([
      { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "watch"] },
    ]);
    expect(
      inputAt(
        findResource(plan, "kubernetes:rbac.authorization.k8s.io/v1:Role", "loop-canary-serving-role"),
        "rules",
      ),
    ).toEqual([
      {
        apiGroups: ["serving.kserve.io"],
        resources: ["inferenceservices"],
        resourceNames: ["recommender"],
        verbs: ["get", "patch"],
      },
    ]);
    expect(
      inputAt(
        findResource(plan, "kubernetes:rbac.authorization.k8s.io/v1:Role", "loop-sensor-role"),
        "rules",
      ),
    ).toEqual([{ apiGroups: ["argoproj.io"], resources: ["workflows"], verbs: ["create"] }]);
  });

  it("triggers on firing drift alerts of the model only, rate-limited, from an authenticated in-cluster webhook", async () => {
    const plan = await planOf(program({ trigger: { maxPerHour: 2 } }));
    const source = findResource(plan, `${CR}EventSource`, "loop-event-source");
    expect(inputAt(source, "spec.webhook.drift.authSecret")).toEqual({
      name: "mlops-loop-webhook",
      key: "token",
    });
    expect(inputAt(source, "spec.service")).toEqual({ ports: [{ port: 12000, targetPort: 12000 }] });
    const sensor = findResource(plan, `${CR}Sensor`, "loop-sensor-recommender");
    expect(inputAt(sensor, "spec.dependencies[0].filters")).toEqual({
      dataLogicalOperator: "and",
      data: [
        { path: "body.status", type: "string", value: ["firing"] },
        { path: "body.commonLabels.model", type: "string", value: ["recommender"] },
      ],
    });
    expect(inputAt(sensor, "spec.triggers[0].rateLimit")).toEqual({ unit: "Hour", requestsPerUnit: 2 });
    expect(inputAt(sensor, "spec.triggers[0].template.k8s.source.resource.spec.workflowTemplateRef")).toEqual(
      {
        name: "retrain-recommender",
      },
    );
    const bus = findResource(plan, `${CR}EventBus`, "loop-event-bus");
    expect(inputAt(bus, "spec.jetstream.replicas")).toBe(3);
    // Only Alertmanager's namespace reaches the webhook.
    expect(
      inputAt(
        findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "loop-event-source-policy"),
        "spec.ingress",
      ),
    ).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
        ports: [{ protocol: "TCP", port: 12000 }],
      },
    ]);
    // The token: a generated secret, in the loop namespace and in the monitoring namespace.
    for (const n of ["loop-webhook-secret", "loop-alertmanager-secret"]) {
      expect(
        Object.keys(inputAt(findResource(plan, "kubernetes:core/v1:Secret", n), "stringData") as object),
      ).toEqual(["token"]);
    }
  });

  it("exposes the Alertmanager receiver and route that Monitoring's alerting accepts", () => {
    const alerting = retrainingAlerting("mlops-loop", ["recommender", "ranker"]);
    expect(alerting.receiver.webhook).toEqual({
      url: "http://alertmanager-eventsource-svc.mlops-loop.svc:12000/drift",
      credentialsSecret: { name: "mlops-loop-webhook", key: "token" },
      sendResolved: false,
    });
    expect(alerting.route).toEqual({
      receiver: "retraining-loop",
      matchers: [
        { label: "alertname", value: "ModelDrift" },
        { label: "model", operator: "=~", value: "recommender|ranker" },
      ],
      groupBy: ["alertname", "model"],
      repeatInterval: "24h",
    });
    const resolved = resolveAlertingArgs({ receivers: [alerting.receiver], routes: [alerting.route] });
    expect(resolved.problems).toEqual([]);
  });

  it("installs pinned Argo Workflows v4 and Argo Events charts in their own namespaces", async () => {
    const plan = await planOf(program());
    const wf = findResource(plan, "kubernetes:helm.sh/v3:Release", "loop-argo");
    expect(inputAt(wf, "chart")).toBe("argo-workflows");
    expect(inputAt(wf, "version")).toBe(ARGO_WORKFLOWS_CHART_VERSION);
    expect(inputAt(wf, "namespace")).toBe("argo");
    expect(inputAt(wf, "values.controller.workflowNamespaces")).toEqual(["mlops-loop"]);
    expect(inputAt(wf, "values.server.enabled")).toBe(false);
    expect(inputAt(wf, "values.controller.resources.limits")).toEqual({ cpu: "1", memory: "1Gi" });
    expect(inputAt(wf, "values.executor.resources.limits")).toEqual({ cpu: "500m", memory: "256Mi" });
    const ev = findResource(plan, "kubernetes:helm.sh/v3:Release", "loop-argo-events");
    expect(inputAt(ev, "chart")).toBe("argo-events");
    expect(inputAt(ev, "version")).toBe(ARGO_EVENTS_CHART_VERSION);
    expect(inputAt(ev, "namespace")).toBe("argo-events");
    const loopNs = findResource(plan, "kubernetes:core/v1:Namespace", "loop-namespace");
    expect(inputAt(loopNs, "metadata.labels")).toMatchObject({
      "mlops.pulumi.com/mlflow-client": "true",
      "mlops.pulumi.com/metrics-reader": "true",
      "mlops.pulumi.com/metrics-pusher": "true",
      "pod-security.kubernetes.io/enforce": "restricted",
    });
  });

  for (const target of ["aws", "gcp"] as const) {
    it(`${target} (prod): no mandatory violation of the policy pack`, async () => {
      const tags = { owner: "ml-platform", "cost-center": "cc-1", "data-classification": "internal" };
      // With the MLflow user's Secrets (the registry's auth is on in prod).
      const services = {
        ...LOOP_SERVICES,
        mlflowCredentials: { username: "loop", password: pulumi.secret("s3cr3t-password") },
      };
      const plan = await planOf(program({ target, environment: "prod", tags, services }));
      expect(resourcesOfType(plan, "kubernetes:core/v1:Secret").map((r) => r.name)).toContain(
        "loop-mlflow-credentials-recsys",
      );
      // The loop's resources only (the stores stand in for another component's).
      const loop = findResource(plan, RETRAINING_LOOP_TYPE, "loop");
      const resources = descendantsOf(plan, loop.urn);
      const mandatory = runPoliciesDetailed(
        { stack: "test", project: "mlops", resources },
        { environment: "prod" },
      )
        .violations.filter((v) => v.enforcementLevel === "mandatory")
        .map(
          (v) =>
            `${v.policyName} ${v.urn.split("::").pop() ?? ""}: ${v.message.split("\n").slice(1).join(" ")}`,
        );
      expect(mandatory).toEqual([]);
    });
  }

  it("local: reads the other components' MinIO stores through read-only users, writes reports to its own MinIO", async () => {
    const plan = await planOf(program({ target: "local" }));
    const names = loopChildren(plan).map((r) => `${r.type} ${r.name}`);
    // A read-only MinIO user per identity, created in the store's namespace, its credentials in the loop's.
    for (const role of ["drift", "workflow"]) {
      const job = findResource(plan, "kubernetes:batch/v1:Job", `loop-${role}-minio-reader`);
      expect(inputAt(job, "metadata.namespace"), role).toBe("data");
      const client = findResource(
        plan,
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        `loop-${role}-minio-client`,
      );
      expect(inputAt(client, "metadata.namespace"), role).toBe("data");
      expect(inputAt(client, "spec.ingress[0].from"), role).toEqual([
        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "mlops-loop" } } },
      ]);
      expect(names).toContain(`kubernetes:core/v1:Secret loop-${role}-s3-credentials`);
    }
    // The drift job reads the payload logs with the read-only user (the first grant) at its endpoint.
    const cronJob = findResource(plan, "kubernetes:batch/v1:CronJob", "loop-drift-recommender");
    const env = inputAt(cronJob, "spec.jobTemplate.spec.template.spec.containers[0].env") as {
      name: string;
      value?: string;
      valueFrom?: { secretKeyRef: { name: string } };
    }[];
    const byName = (n: string) => env.find((e) => e.name === n);
    expect(byName("MLOPS_S3_ENDPOINT_URL")?.value).toBe("http://data-logs-minio.data.svc.cluster.local:9000");
    expect(byName("AWS_ACCESS_KEY_ID")?.valueFrom?.secretKeyRef.name).toBe("loop-drift-s3-credentials");
    expect(byName("MLOPS_REPORT_PREFIX")?.value).toBe("s3://loop-drift-reports/drift-reports");
    // Each further store: its own endpoint and credentials, by name in MLOPS_S3_STORES (never the keys).
    expect(JSON.parse(byName("MLOPS_S3_STORES")!.value!)).toEqual({
      "data-logs": {
        endpoint_url: "http://data-logs-minio.data.svc.cluster.local:9000",
        access_key_env: "AWS_ACCESS_KEY_ID",
        secret_key_env: "AWS_SECRET_ACCESS_KEY",
      },
      "data-offline": {
        endpoint_url: "http://data-offline-minio.data.svc.cluster.local:9000",
        access_key_env: "MLOPS_S3_REFERENCE_DATA_ACCESS_KEY_ID",
        secret_key_env: "MLOPS_S3_REFERENCE_DATA_SECRET_ACCESS_KEY",
      },
      "loop-drift-reports": {
        endpoint_url: "http://loop-drift-reports-minio.mlops-loop.svc.cluster.local:9000",
        access_key_env: "MLOPS_S3_REPORT_WRITER_ACCESS_KEY_ID",
        secret_key_env: "MLOPS_S3_REPORT_WRITER_SECRET_ACCESS_KEY",
      },
    });
    // The offline store through a read-only user of its own (in the store's namespace); the
    // report store with its own server's credentials.
    expect(byName("MLOPS_S3_REFERENCE_DATA_ACCESS_KEY_ID")?.valueFrom?.secretKeyRef.name).toBe(
      "loop-drift-reference-data-s3-credentials",
    );
    expect(
      inputAt(
        findResource(plan, "kubernetes:batch/v1:Job", "loop-drift-reference-data-minio-reader"),
        "metadata.namespace",
      ),
    ).toBe("data");
    const writer = byName("MLOPS_S3_REPORT_WRITER_SECRET_ACCESS_KEY")?.valueFrom?.secretKeyRef.name;
    expect(writer).toMatch(/^loop-drift-reports/);
    // The pod runs as the drift identity: the credential identities' ServiceAccounts are never mounted.
    expect(inputAt(cronJob, "spec.jobTemplate.spec.template.spec.serviceAccountName")).toBe("mlops-drift");
    // The reports: the loop's own MinIO in its namespace.
    expect(names).toContain("kubernetes:apps/v1:Deployment loop-drift-reports-minio");
    expect(
      inputAt(
        findResource(plan, "kubernetes:apps/v1:Deployment", "loop-drift-reports-minio"),
        "metadata.namespace",
      ),
    ).toBe("mlops-loop");
    // The gate reads the hold-out set through its own read-only user on the offline store.
    const template = findResource(plan, `${CR}WorkflowTemplate`, "loop-template-recommender");
    const evaluate = (
      inputAt(template, "spec.templates") as { name: string; container?: { env: typeof env } }[]
    ).find((t) => t.name === "evaluate")!.container!.env;
    expect(evaluate.find((e) => e.name === "MLOPS_S3_ENDPOINT_URL")?.value).toBe(
      "http://data-offline-minio.data.svc.cluster.local:9000",
    );
    expect(evaluate.find((e) => e.name === "AWS_ACCESS_KEY_ID")?.valueFrom?.secretKeyRef.name).toBe(
      "loop-workflow-s3-credentials",
    );
    // Both identities reach the stores' servers across namespaces, and nothing else of "data".
    for (const n of ["loop-drift-policy", "loop-workflow-policy"]) {
      const egress = JSON.stringify(
        inputAt(findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", n), "spec.egress"),
      );
      expect(egress, n).toContain('"kubernetes.io/metadata.name":"data"');
    }
  });

  it("plans on gcp too", async () => {
    const plan = await planOf(program({ target: "gcp" }));
    expect(resourcesOfType(plan, "kubernetes:batch/v1:CronJob").map((r) => r.name)).toEqual([
      "loop-drift-recommender",
    ]);
  });

  describe("bad args are reported by path", () => {
    const problems = (over: Record<string, unknown>) =>
      resolveRetrainingLoopArgs({
        cluster: fakeClusterHandle({ target: "aws", aws }),
        jobsImage: DIGEST,
        services: {
          trackingUri: "http://mlflow:5000",
          mlflowNamespace: "mlflow",
          pushgatewayUrl: "http://pg:9091",
          prometheusUrl: "http://prom:9090",
          monitoringNamespace: "monitoring",
        },
        stores: { referenceData: STORE, payloadLogs: STORE },
        models: [model("recommender")],
        ...over,
      }).problems.map((p) => `${p.path.join(".")}: ${p.message}`);

    it("accepts the baseline", () => {
      expect(problems({})).toEqual([]);
    });
    it("refuses an image not pinned by digest", () => {
      expect(problems({ jobsImage: "ghcr.io/acme/mlops-jobs:1.0.0" })).toEqual([
        "jobsImage: must be pinned by digest (<image>@sha256:<64 hex>)",
      ]);
    });
    it("refuses a second model of the same name and an unpinned training image", () => {
      expect(
        problems({
          models: [
            model("recommender"),
            model("recommender", {
              training: { team: "recsys", image: "ghcr.io/acme/train:latest", command: ["x"] },
            }),
          ],
        }),
      ).toEqual([
        "models.1.training.image: must be pinned to a tag other than latest, or a digest",
        'models.1.name: "recommender" is already models[0].name',
      ]);
    });
    it("refuses a repeat interval under a day and a store that is not one", () => {
      expect(problems({ trigger: { repeatInterval: "4h" } })).toEqual([
        "trigger.repeatInterval: must be at least a day (24h): a firing drift alert must not resubmit retraining more often",
      ]);
      expect(problems({ stores: { referenceData: STORE, payloadLogs: "s3://x" } })).toEqual([
        "stores.payloadLogs: must be an ObjectStore (a component's store output, e.g. FeatureStore offlineStore)",
      ]);
    });
    it("refuses an empty model list and a bad schedule", () => {
      expect(problems({ models: [] })).toEqual(["models: must list at least one model"]);
      expect(problems({ models: [model("recommender", { retrainSchedules: ["weekly"] })] })).toEqual([
        'models.0.retrainSchedules.0: must be a five-field cron schedule such as "0 * * * *"',
      ]);
    });
    it("refuses a store path that is a URI, absolute or climbs out", () => {
      expect(
        problems({
          models: [
            model("recommender", {
              referenceDataPath: "s3://offline/reference/",
              payloadLogPath: "/payload-logs/recommender/",
              gate: { holdoutPath: "holdout/../../secrets/", labelColumn: "clicked" },
            }),
          ],
        }),
      ).toEqual([
        'models.0.payloadLogPath: must be a path inside the store such as "reference/recommender/" (no scheme, no leading "/")',
        'models.0.referenceDataPath: must be a path inside the store such as "reference/recommender/" (no scheme, no leading "/")',
        'models.0.gate.holdoutPath: must not contain ".."',
      ]);
    });
    it("the component throws them as one ResourceError", async () => {
      await expect(planOf(program({ jobsImage: "ghcr.io/acme/mlops-jobs:1.0.0" }))).rejects.toThrow(
        /invalid arguments for mlops:index:RetrainingLoop:\n {2}args\.jobsImage: must be pinned by digest/,
      );
    });
  });
});

/** The fields of the training Job the test reads. */
interface TrainingJobManifest {
  kind: string;
  metadata: { namespace: string; generateName: string; labels: Record<string, string> };
  spec: {
    suspend: boolean;
    template: {
      spec: {
        containers: {
          resources: { limits: Record<string, string> };
          env: { name: string; value: string }[];
        }[];
      };
    };
  };
}

const STORE = {
  kind: "objectStore",
  bucketName: pulumi.output("b"),
  uri: pulumi.output("s3://b"),
  clientEnv: [],
  egress: [],
  resource: undefined as unknown as pulumi.Resource,
} as ObjectStore;
