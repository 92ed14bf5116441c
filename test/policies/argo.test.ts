/**
 * The retraining loop's rules (policies/rules/kubernetes/argo.ts), both ways and on the variants
 * each rule must catch; the fixtures are the component's own manifests (./argo-fixtures.ts).
 */
import { describe, expect, it } from "vitest";
import { runRule } from "./helpers";
import {
  clusterRoleBinding,
  cronWorkflow,
  driftCronJob,
  eventSource,
  LOOP_MODEL,
  sensor,
  trainingJob,
  withField,
  workflowTemplate,
} from "./argo-fixtures";

const messages = (rule: string, resources: Parameters<typeof runRule>[1]) =>
  runRule(rule, resources).map((v) => v.message.split("\n").slice(1).join("\n"));

describe("k8s-argo-sa-no-cluster-rights", () => {
  const rule = "k8s-argo-sa-no-cluster-rights";
  it("flags a ClusterRoleBinding to the workflow's, the executor's or the Sensor's ServiceAccount", () => {
    expect(runRule(rule, [workflowTemplate(), clusterRoleBinding("mlops-retrain")])).toHaveLength(1);
    expect(
      runRule(rule, [sensor(), clusterRoleBinding("mlops-sensor", "mlops-loop", "cluster-admin")]),
    ).toHaveLength(1);
    const executor = withField(workflowTemplate(), "spec.executor", { serviceAccountName: "argo-exec" });
    expect(runRule(rule, [executor, clusterRoleBinding("argo-exec")])).toHaveLength(1);
  });
  it("a CronWorkflow without a ServiceAccount runs as the namespace's default one", () => {
    expect(runRule(rule, [cronWorkflow(), clusterRoleBinding("default")])).toHaveLength(1);
    expect(runRule(rule, [cronWorkflow(), clusterRoleBinding("default", "other-namespace")])).toEqual([]);
  });
  it("leaves other ServiceAccounts and namespaced bindings alone", () => {
    expect(
      runRule(rule, [workflowTemplate(), sensor(), clusterRoleBinding("prometheus", "monitoring")]),
    ).toEqual([]);
    expect(runRule(rule, [workflowTemplate(), clusterRoleBinding("mlops-retrain", "elsewhere")])).toEqual([]);
  });
});

describe("k8s-argo-webhook-auth", () => {
  const rule = "k8s-argo-webhook-auth";
  it("accepts the loop's webhook and refuses one without authSecret or without its key", () => {
    expect(runRule(rule, eventSource())).toEqual([]);
    expect(messages(rule, withField(eventSource(), "spec.webhook.drift.authSecret", undefined))).toEqual([
      "spec.webhook.drift has no authSecret (name and key): the endpoint accepts unauthenticated events.",
    ]);
    expect(
      runRule(rule, withField(eventSource(), "spec.webhook.drift.authSecret.key", undefined)),
    ).toHaveLength(1);
  });
});

describe("k8s-training-kueue-queue", () => {
  const rule = "k8s-training-kueue-queue";
  it("accepts the TrainingJob template and the loop's WorkflowTemplate (its train step creates a queued Job)", () => {
    expect(runRule(rule, [trainingJob(), workflowTemplate(), cronWorkflow()])).toEqual([]);
  });
  it("flags a GPU Job without the queue label, and a CPU Job not", () => {
    expect(runRule(rule, withField(trainingJob(), "metadata.labels", {}))).toHaveLength(1);
    const cpuOnly = withField(
      withField(trainingJob(), "metadata.labels", {}),
      "spec.template.spec.containers[0].resources",
      { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
    );
    expect(runRule(rule, cpuOnly)).toEqual([]);
  });
  it("flags a workflow whose resource template creates an unqueued GPU Job, or that runs a GPU container itself", () => {
    const template = workflowTemplate();
    const templates = (
      template.props!["spec"] as { templates: { name: string; resource?: { manifest: string } }[] }
    ).templates;
    const trainIndex = templates.findIndex((t) => t.name === "train");
    const manifest = templates[trainIndex]!.resource!.manifest.replace(
      /kueue\.x-k8s\.io\/queue-name: training\n\s*/,
      "",
    );
    expect(manifest).not.toContain("queue-name");
    expect(
      messages(rule, withField(template, `spec.templates[${trainIndex}].resource.manifest`, manifest)),
    ).toEqual([
      `templates[${trainIndex}] (train) creates a Job that requests nvidia.com/gpu without the kueue.x-k8s.io/queue-name label: it bypasses Kueue and the team's quota.`,
    ]);
    const gpuStep = withField(template, `spec.templates[${trainIndex}]`, {
      name: "train",
      container: { image: "x:1", resources: { limits: { "nvidia.com/gpu": "1" } } },
    });
    expect(messages(rule, gpuStep)).toEqual([
      `templates[${trainIndex}] (train) runs a nvidia.com/gpu container in the workflow's own pod, outside Kueue; create a queued Job with a resource template instead.`,
    ]);
  });
});

describe("k8s-drift-job-limits", () => {
  const rule = "k8s-drift-job-limits";
  const container = "spec.jobTemplate.spec.template.spec.containers[0]";
  it("accepts the loop's drift CronJob and refuses it without limits or a cpu request", () => {
    expect(runRule(rule, driftCronJob())).toEqual([]);
    expect(messages(rule, withField(driftCronJob(), `${container}.resources.limits`, undefined))).toEqual([
      "containers[0] (drift) of the drift CronJob is missing limits.cpu, limits.memory.",
    ]);
    expect(
      runRule(rule, withField(driftCronJob(), `${container}.resources.requests.cpu`, undefined)),
    ).toHaveLength(1);
  });
  it("recognises a drift job by its entrypoint too, and ignores other CronJobs", () => {
    const unlabelled = withField(
      withField(driftCronJob(), "metadata.labels", {}),
      `${container}.resources`,
      undefined,
    );
    expect(runRule(rule, unlabelled)).toHaveLength(1);
    const other = withField(unlabelled, `${container}.command`, ["python", "-m", "backup"]);
    expect(runRule(rule, other)).toEqual([]);
  });
  it("names the model's drift CronJob after the model", () => {
    expect((driftCronJob().props!["metadata"] as { name: string }).name).toBe(`drift-${LOOP_MODEL.name}`);
  });
});
