/**
 * The retraining loop's training Job (issue 12): the identity it runs as in the team's namespace
 * (exact identity and grant resources, its ServiceAccount and environment, per target), the egress
 * of its pods, the workflow's unchanged least-privilege RBAC, and CPU-only training (`gpus: 0`).
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type Target } from "../../components/adapters";
import {
  LOOP_SERVICE_ACCOUNTS,
  RetrainingLoop,
  RETRAINING_LOOP_TYPE,
  resolveRetrainingLoopArgs,
  type RetrainingLoopArgs,
  type RetrainingLoopModelArgs,
  type RetrainingLoopTrainingArgs,
} from "../../components/retraining-loop";
import { clusterWithStores, LOOP_SERVICES } from "./fixtures";
import { findResource, inputAt, planOf, resourcesOfType, type Plan, type PlanResource } from "../helpers";

const CR = "kubernetes:argoproj.io/v1alpha1:";
const T = {
  sa: "kubernetes:core/v1:ServiceAccount",
  secret: "kubernetes:core/v1:Secret",
  configMap: "kubernetes:core/v1:ConfigMap",
  job: "kubernetes:batch/v1:Job",
  netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
  binding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
} as const;

const model = (
  name: string,
  training: Partial<RetrainingLoopTrainingArgs> = {},
): RetrainingLoopModelArgs => ({
  name,
  version: "3",
  servingNamespace: "serving",
  payloadLogPath: `payload-logs/${name}/`,
  referenceDataPath: `reference/${name}/`,
  gate: { holdoutPath: `holdout/${name}/`, labelColumn: "clicked" },
  training: {
    team: "recsys",
    image: "ghcr.io/acme/recommender-train:1.4.0",
    command: ["python", "train.py"],
    ...training,
  },
});

/** The stores from a real adapter in the namespace "data" (the feature store's and serving's), and the loop. */
function program(target: Target, models: RetrainingLoopModelArgs[] = [model("recommender")]) {
  return () => {
    const { cluster, offline, logs } = clusterWithStores(target);
    const args: RetrainingLoopArgs = {
      cluster,
      services: LOOP_SERVICES,
      stores: { referenceData: offline, payloadLogs: logs },
      models,
    };
    new RetrainingLoop("loop", args);
    return {};
  };
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } };
}
interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken: boolean;
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  containers: {
    env: EnvVar[];
    resources: { requests: Record<string, string>; limits: Record<string, string> };
  }[];
}
interface JobManifest {
  metadata: { namespace: string; labels: Record<string, string> };
  spec: { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

/** The training Job the model's WorkflowTemplate creates. */
function trainingJob(plan: Plan, modelName = "recommender"): JobManifest {
  const template = findResource(plan, `${CR}WorkflowTemplate`, `loop-template-${modelName}`);
  const train = (
    inputAt(template, "spec.templates") as { name: string; resource?: { manifest: string } }[]
  ).find((t) => t.name === "train")!;
  return parse(train.resource!.manifest) as JobManifest;
}

const meta = (r: PlanResource) => r.inputs["metadata"] as { name: string; namespace?: string };
const loopChildren = (plan: Plan) => {
  const loop = findResource(plan, RETRAINING_LOOP_TYPE, "loop");
  return plan.resources.filter((r) => r.parent === loop.urn);
};
/** `type name` of the loop's children whose name contains `part`. */
const childrenNamed = (plan: Plan, part: string) =>
  loopChildren(plan)
    .filter((r) => r.name.includes(part))
    .map((r) => `${r.type} ${r.name}`)
    .sort();

describe("RetrainingLoop training identity", () => {
  it("aws: an IAM role for the loop's ServiceAccount in the team namespace, read/write on the reference data bucket only", async () => {
    const plan = await planOf(program("aws"));
    expect(childrenNamed(plan, "-training-")).toEqual(
      [
        "aws:eks/podIdentityAssociation:PodIdentityAssociation loop-training-recsys-pod-identity",
        "aws:iam/role:Role loop-training-recsys-role",
        "aws:iam/rolePolicy:RolePolicy loop-training-recsys-role-policy",
        `${T.sa} loop-training-recsys-sa`,
        `${T.netpol} loop-training-recsys-policy`,
      ].sort(),
    );
    const sa = findResource(plan, T.sa, "loop-training-recsys-sa");
    expect(meta(sa)).toMatchObject({ name: "mlops-retrain-training", namespace: "recsys" });
    expect(sa.inputs["automountServiceAccountToken"]).toBe(false);
    const association = findResource(
      plan,
      "aws:eks/podIdentityAssociation:PodIdentityAssociation",
      "loop-training-recsys-pod-identity",
    );
    expect(association.inputs).toMatchObject({
      clusterName: "ml",
      namespace: "recsys",
      serviceAccount: "mlops-retrain-training",
    });
    const trust = JSON.parse(
      inputAt(
        findResource(plan, "aws:iam/role:Role", "loop-training-recsys-role"),
        "assumeRolePolicy",
      ) as string,
    ) as { Statement: { Condition: unknown }[] };
    expect(trust.Statement[0]!.Condition).toEqual({
      StringEquals: {
        "aws:RequestTag/eks-cluster-name": "ml",
        "aws:RequestTag/kubernetes-namespace": "recsys",
        "aws:RequestTag/kubernetes-service-account": "mlops-retrain-training",
      },
    });
    // Exactly the offline (reference data) bucket, read and write; nothing of the payload logs,
    // the reports or MLflow's bucket (MLflow proxies the artifacts).
    const policy = JSON.parse(
      inputAt(
        findResource(plan, "aws:iam/rolePolicy:RolePolicy", "loop-training-recsys-role-policy"),
        "policy",
      ) as string,
    ) as { Statement: { Sid: string; Action: string[]; Resource: string[] }[] };
    expect(policy.Statement.map((st) => [st.Sid, st.Resource])).toEqual([
      ["Buckets", ["arn:aws:s3:::data-offline-bucket"]],
      ["Objects", ["arn:aws:s3:::data-offline-bucket/*"]],
    ]);
    expect(policy.Statement[1]!.Action).toContain("s3:PutObject");
    // The Job runs as it, with the region; never as the team's shared "training" ServiceAccount.
    const pod = trainingJob(plan).spec.template.spec;
    expect(pod.serviceAccountName).toBe(LOOP_SERVICE_ACCOUNTS.training);
    expect(pod.automountServiceAccountToken).toBe(false);
    const env = pod.containers[0]!.env;
    expect(env.find((e) => e.name === "AWS_REGION")).toBeDefined();
    expect(env.find((e) => e.name === "MLOPS_REFERENCE")?.value).toBe(
      "s3://data-offline-bucket/reference/recommender/",
    );
    expect(env.some((e) => e.name === "AWS_ACCESS_KEY_ID")).toBe(false);
  });

  it("gcp: a Google service account bound to the loop's ServiceAccount in the team namespace, objectUser on the reference data bucket only", async () => {
    const plan = await planOf(program("gcp"));
    expect(childrenNamed(plan, "-training-")).toEqual(
      [
        "gcp:serviceaccount/account:Account loop-training-recsys-gsa",
        "gcp:serviceaccount/iAMMember:IAMMember loop-training-recsys-wi-member",
        "gcp:storage/bucketIAMMember:BucketIAMMember loop-training-recsys-bucket0-bucket-member",
        `${T.sa} loop-training-recsys-serviceaccount`,
        `${T.netpol} loop-training-recsys-policy`,
      ].sort(),
    );
    const members = loopChildren(plan).filter(
      (r) => r.type === "gcp:storage/bucketIAMMember:BucketIAMMember" && r.name.startsWith("loop-training-"),
    );
    expect(members.map((m) => [m.inputs["bucket"], m.inputs["role"]])).toEqual([
      ["data-offline-bucket", "roles/storage.objectUser"],
    ]);
    expect(
      inputAt(
        findResource(plan, "gcp:serviceaccount/iAMMember:IAMMember", "loop-training-recsys-wi-member"),
        "member",
      ),
    ).toBe("serviceAccount:acme-ml.svc.id.goog[recsys/mlops-retrain-training]");
    const sa = findResource(plan, T.sa, "loop-training-recsys-serviceaccount");
    expect(meta(sa)).toMatchObject({ name: "mlops-retrain-training", namespace: "recsys" });
    expect(Object.keys((sa.inputs["metadata"] as { annotations: object }).annotations)).toEqual([
      "iam.gke.io/gcp-service-account",
    ]);
    expect(trainingJob(plan).spec.template.spec.serviceAccountName).toBe("mlops-retrain-training");
  });

  it("local: a MinIO user with read/write on the offline store only, its keys and endpoint in the Job's environment", async () => {
    const plan = await planOf(program("local"));
    expect(childrenNamed(plan, "-training-")).toEqual(
      [
        `${T.job} loop-training-recsys-minio-writer`,
        `${T.configMap} loop-training-recsys-minio-writer`,
        `${T.secret} loop-training-recsys-minio-writer`,
        "random:index/randomPassword:RandomPassword loop-training-recsys-minio-writer-user",
        "random:index/randomPassword:RandomPassword loop-training-recsys-minio-writer-password",
        `${T.secret} loop-training-recsys-s3-credentials`,
        `${T.sa} loop-training-recsys-sa`,
        `${T.netpol} loop-training-recsys-minio-client`,
        `${T.netpol} loop-training-recsys-policy`,
      ].sort(),
    );
    // The writer is created where the store runs, admits the team namespace to that server only,
    // and its keys go to a Secret in the team namespace.
    const where = (type: string, n: string) => meta(findResource(plan, type, n)).namespace;
    expect(where(T.job, "loop-training-recsys-minio-writer")).toBe("data");
    expect(where(T.secret, "loop-training-recsys-s3-credentials")).toBe("recsys");
    const policyDoc = JSON.parse(
      (
        inputAt(findResource(plan, T.configMap, "loop-training-recsys-minio-writer"), "data") as Record<
          string,
          string
        >
      )["policy.json"]!,
    ) as { Statement: { Action: string[]; Resource: string[] }[] };
    expect(policyDoc.Statement.flatMap((st) => st.Resource)).toEqual([
      "arn:aws:s3:::data-offline",
      "arn:aws:s3:::data-offline/*",
    ]);
    expect(policyDoc.Statement[1]!.Action).toContain("s3:PutObject");
    expect(policyDoc.Statement.flatMap((st) => st.Action).some((a) => a.startsWith("admin:"))).toBe(false);
    const client = findResource(plan, T.netpol, "loop-training-recsys-minio-client");
    expect(inputAt(client, "spec.ingress[0].from")).toEqual([
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "recsys" } } },
    ]);
    // The payload logs' server is not opened to the team (only the drift identity reads it).
    expect(
      resourcesOfType(plan, T.netpol).filter(
        (r) => r.name.startsWith("loop-training-") && JSON.stringify(r.inputs).includes("logs"),
      ),
    ).toEqual([]);
    const pod = trainingJob(plan).spec.template.spec;
    expect(pod.serviceAccountName).toBe("mlops-retrain-training");
    const env = pod.containers[0]!.env;
    const byName = (n: string) => env.find((e) => e.name === n);
    expect(byName("MLOPS_S3_ENDPOINT_URL")?.value).toBe(
      "http://data-offline-minio.data.svc.cluster.local:9000",
    );
    expect(byName("MLOPS_REFERENCE")?.value).toBe("s3://data-offline/reference/recommender/");
    for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
      expect(byName(key)).toEqual({
        name: key,
        valueFrom: { secretKeyRef: { name: "loop-training-recsys-s3-credentials", key } },
      });
    }
    // The training pods may reach the offline store's MinIO across namespaces.
    const egress = JSON.stringify(
      inputAt(findResource(plan, T.netpol, "loop-training-recsys-policy"), "spec.egress"),
    );
    expect(egress).toContain('"kubernetes.io/metadata.name":"data"');
    expect(egress).toContain('"port":9000');
  });

  it("the training pods' egress policy selects exactly the team's retraining Jobs", async () => {
    const plan = await planOf(
      program("aws", [model("recommender"), model("ranker"), model("churn", { team: "growth" })]),
    );
    const policy = (team: string) => findResource(plan, T.netpol, `loop-training-${team}-policy`);
    expect(meta(policy("recsys"))).toMatchObject({ name: "mlops-retrain-training", namespace: "recsys" });
    expect(inputAt(policy("recsys"), "spec.podSelector")).toEqual({
      matchLabels: { "app.kubernetes.io/name": "training-job" },
      matchExpressions: [
        { key: "mlops.pulumi.com/model", operator: "In", values: ["recommender", "ranker"] },
      ],
    });
    expect(inputAt(policy("growth"), "spec.podSelector.matchExpressions")).toEqual([
      { key: "mlops.pulumi.com/model", operator: "In", values: ["churn"] },
    ]);
    expect(inputAt(policy("recsys"), "spec.policyTypes")).toEqual(["Egress"]);
    // Every retraining Job's pod carries what the policy selects, and runs as its team's identity.
    for (const [m, team] of [
      ["recommender", "recsys"],
      ["churn", "growth"],
    ] as const) {
      const job = trainingJob(plan, m);
      expect(job.metadata.namespace).toBe(team);
      expect(job.spec.template.metadata.labels).toMatchObject({
        "app.kubernetes.io/name": "training-job",
        "mlops.pulumi.com/model": m,
      });
      expect(job.spec.template.spec.serviceAccountName).toBe("mlops-retrain-training");
    }
    // One identity per team, each in its own namespace.
    expect(
      resourcesOfType(plan, T.sa)
        .filter((r) => r.name.startsWith("loop-training-"))
        .map((r) => `${meta(r).namespace}/${meta(r).name}`)
        .sort(),
    ).toEqual(["growth/mlops-retrain-training", "recsys/mlops-retrain-training"]);
  });

  it("the workflow still only creates and watches Jobs in the team namespaces: no ServiceAccount, Secret or RBAC rights", async () => {
    const plan = await planOf(program("aws"));
    const rules = resourcesOfType(plan, T.role).flatMap((r) =>
      (r.inputs["rules"] as { resources: string[]; verbs: string[] }[]).map(
        (rule) => `${meta(r).namespace}/${meta(r).name}: ${rule.resources.join(",")} ${rule.verbs.join(",")}`,
      ),
    );
    expect(rules.filter((r) => r.startsWith("recsys/"))).toEqual([
      "recsys/mlops-retrain-jobs: jobs create,get,list,watch",
    ]);
    expect(rules.join("\n")).not.toMatch(/serviceaccounts|secrets|roles|rolebindings/);
    expect(
      inputAt(findResource(plan, T.binding, "loop-jobs-recsys-binding"), "subjects") as unknown[],
    ).toEqual([{ kind: "ServiceAccount", name: "mlops-retrain", namespace: "mlops-loop" }]);
  });
});

describe("RetrainingLoop CPU training (gpus: 0)", () => {
  it("gpus 0: no GPU request, no GPU nodeSelector or toleration; cpu and memory only", async () => {
    const plan = await planOf(program("aws", [model("recommender", { gpus: 0, cpu: "2", memory: "8Gi" })]));
    const pod = trainingJob(plan).spec.template.spec;
    expect(pod.containers[0]!.resources).toEqual({
      requests: { cpu: "2", memory: "8Gi" },
      limits: { cpu: "2", memory: "8Gi" },
    });
    expect(pod.nodeSelector).toBeUndefined();
    expect(pod.tolerations).toBeUndefined();
  });

  it("gpus 1 (the default) keeps the GPU request, selector and toleration", async () => {
    const plan = await planOf(program("aws"));
    const pod = trainingJob(plan).spec.template.spec;
    expect(pod.containers[0]!.resources.limits["nvidia.com/gpu"]).toBe("1");
    expect(pod.nodeSelector).toEqual({ "mlops.pulumi.com/gpu": "true" });
    expect(pod.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
  });

  it("refuses a negative, fractional or too large GPU count and a GPU type without GPUs, naming the key", () => {
    const problems = (training: Partial<RetrainingLoopTrainingArgs>) =>
      resolveRetrainingLoopArgs(
        { models: [model("recommender", training)] },
        { target: "aws", environment: "dev" },
      ).problems.map((p) => `${p.path.join(".")}: ${p.message}`);
    expect(problems({ gpus: 0 })).toEqual([]);
    expect(problems({ gpus: -1 })).toEqual(["models.0.training.gpus: must be 0 (CPU only) or more"]);
    expect(problems({ gpus: 1.5 })).toEqual(["models.0.training.gpus: must be an int, got number"]);
    expect(problems({ gpus: 17 })).toEqual(["models.0.training.gpus: must be at most 16"]);
    expect(problems({ gpus: 0, gpuType: "nvidia-l4" })).toEqual([
      'models.0.training.gpuType: "nvidia-l4" places the pod on GPU nodes, but gpus is 0 (CPU only): remove gpuType or request GPUs',
    ]);
  });
});
