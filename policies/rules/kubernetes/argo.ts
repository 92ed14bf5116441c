/**
 * The closed loop on Argo (issue 12): Argo Workflows v4 (`argoproj.io/v1alpha1` Workflow,
 * WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow) and Argo Events v1.9 (EventSource,
 * Sensor), plus the training Jobs and drift CronJobs the loop runs.
 *
 * Field paths: a workflow's ServiceAccount is `spec.serviceAccountName` (CronWorkflow:
 * `spec.workflowSpec.serviceAccountName`), per template `templates[].serviceAccountName`, the
 * executor's `spec.executor.serviceAccountName`; an EventSource's or Sensor's pods run as
 * `spec.template.serviceAccountName` (argo-workflows manifests/base/crds/full at v4.1.2;
 * argo-events api/jsonschema/schema.json at v1.9.11). A webhook EventSource's
 * `spec.webhook.<name>.authSecret` is the Secret key holding the bearer token the server
 * checks. A resource template's `resource.manifest` is the object (YAML) the step creates.
 */
import * as k8s from "@pulumi/kubernetes";
import type { PolicyResource } from "@pulumi/policy";
import { parse as parseYaml } from "yaml";
import {
  ALWAYS_MANDATORY,
  classPulumiType,
  MANDATORY_OUTSIDE_DEV,
  onlyForTypes,
  resourceRule,
  stackRule,
  type Rule,
} from "../types";
import { dig, present, rec, recs, str } from "../util";
import { containersOf, workloadOf } from "./workload";

const ARGO = "kubernetes:argoproj.io/v1alpha1:";
export const ARGO_WORKFLOW = `${ARGO}Workflow`;
export const ARGO_WORKFLOW_TEMPLATE = `${ARGO}WorkflowTemplate`;
export const ARGO_CLUSTER_WORKFLOW_TEMPLATE = `${ARGO}ClusterWorkflowTemplate`;
export const ARGO_CRON_WORKFLOW = `${ARGO}CronWorkflow`;
export const ARGO_EVENT_SOURCE = `${ARGO}EventSource`;
export const ARGO_SENSOR = `${ARGO}Sensor`;
const WORKFLOW_TYPES: readonly string[] = [
  ARGO_WORKFLOW,
  ARGO_WORKFLOW_TEMPLATE,
  ARGO_CLUSTER_WORKFLOW_TEMPLATE,
  ARGO_CRON_WORKFLOW,
];
const CLUSTER_ROLE_BINDING = classPulumiType(k8s.rbac.v1.ClusterRoleBinding);
const JOB = classPulumiType(k8s.batch.v1.Job);
const CRON_JOB = classPulumiType(k8s.batch.v1.CronJob);

/** Kueue's label that puts a Job into a LocalQueue. */
export const KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name";
const GPU = "nvidia.com/gpu";

/** The workflow spec of an Argo workflow-kind object (CronWorkflow: `spec.workflowSpec`). */
function workflowSpec(type: string, props: unknown): Record<string, unknown> {
  const spec = rec(dig(props, "spec")) ?? {};
  return type === ARGO_CRON_WORKFLOW ? (rec(spec.workflowSpec) ?? {}) : spec;
}

/** The ServiceAccounts an Argo object's pods run as, with the namespace they live in. */
export function argoServiceAccounts(
  r: Pick<PolicyResource, "type" | "props">,
): { name: string; namespace: string }[] {
  const namespace = str(dig(r.props, "metadata", "namespace")) ?? "default";
  const names: (string | undefined)[] = [];
  if (WORKFLOW_TYPES.includes(r.type)) {
    const spec = workflowSpec(r.type, r.props);
    names.push(str(spec.serviceAccountName), str(dig(spec, "executor", "serviceAccountName")));
    for (const t of recs(spec.templates)) names.push(str(t.serviceAccountName));
  } else if (r.type === ARGO_SENSOR || r.type === ARGO_EVENT_SOURCE) {
    names.push(str(dig(r.props, "spec", "template", "serviceAccountName")));
  }
  // Argo runs pods without a ServiceAccount as the namespace's "default".
  const given = names.filter((n): n is string => n !== undefined);
  return [...new Set(given.length > 0 ? given : ["default"])].map((name) => ({ name, namespace }));
}

/** Argo workflow and event ServiceAccounts get namespaced rights only. */
export const argoServiceAccountNoClusterRights = stackRule(
  {
    name: "k8s-argo-sa-no-cluster-rights",
    area: "kubernetes",
    description:
      "The ServiceAccounts Argo workflows (Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow: spec/executor/template serviceAccountName) and Argo Events Sensors and EventSources (spec.template.serviceAccountName) run as are not subjects of a ClusterRoleBinding: a workflow step or a Sensor runs user-supplied code and event payloads, and a cluster-wide grant turns one compromised step into a compromised cluster.",
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    remediation:
      "Bind a namespaced Role with a RoleBinding in each namespace the ServiceAccount must act in (e.g. workflowtaskresults create/patch in the workflow namespace, jobs create/get/watch in the team namespace, workflows create for a Sensor); remove the ClusterRoleBinding.",
    reference:
      "Argo Workflows docs, Service Accounts and Workflow RBAC (least privilege); Argo Events docs, Service Accounts; CIS Kubernetes Benchmark 5.1.1 / 5.1.3",
    resourceTypes: [CLUSTER_ROLE_BINDING, ...WORKFLOW_TYPES, ARGO_SENSOR, ARGO_EVENT_SOURCE],
  },
  (args, report) => {
    const users = new Map<string, string>();
    for (const r of args.resources.filter((x) =>
      [...WORKFLOW_TYPES, ARGO_SENSOR, ARGO_EVENT_SOURCE].includes(x.type),
    )) {
      for (const sa of argoServiceAccounts(r)) users.set(`${sa.namespace}/${sa.name}`, r.name);
    }
    for (const binding of args.resources.filter((x) => x.type === CLUSTER_ROLE_BINDING)) {
      const role = str(dig(binding.props, "roleRef", "name")) ?? "?";
      for (const s of recs(dig(binding.props, "subjects"))) {
        if (str(s.kind) !== "ServiceAccount") continue;
        const key = `${str(s.namespace) ?? "default"}/${str(s.name) ?? "?"}`;
        const user = users.get(key);
        if (user)
          report(
            `ClusterRoleBinding '${binding.name}' grants ClusterRole '${role}' cluster-wide to ServiceAccount ${key}, which the Argo object '${user}' runs as; use namespaced Roles.`,
            binding.urn,
          );
      }
    }
  },
);

/** Webhook EventSources check a bearer token. */
export const argoWebhookAuth = resourceRule(
  {
    name: "k8s-argo-webhook-auth",
    area: "kubernetes",
    description:
      "Every webhook of an Argo Events EventSource (spec.webhook.<name>) has authSecret (a Secret name and key): without it anyone who reaches the Service can post events and submit workflows (a retraining run on the team's GPUs for every request).",
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    remediation:
      "Put a random token in a Secret, set spec.webhook.<name>.authSecret: { name: <secret>, key: <key> }, and send it as 'Authorization: Bearer <token>' (Alertmanager: http_config.authorization.credentials_file).",
    reference: "Argo Events docs, Webhook event source (authSecret); OWASP API2:2023 Broken Authentication",
    resourceTypes: [ARGO_EVENT_SOURCE],
  },
  onlyForTypes([ARGO_EVENT_SOURCE], "not an Argo Events EventSource", (args, report) => {
    if (args.type !== ARGO_EVENT_SOURCE) {
      args.notApplicable("not an Argo Events EventSource");
      return;
    }
    for (const [name, hook] of Object.entries(rec(dig(args.props, "spec", "webhook")) ?? {})) {
      const secret = rec(dig(hook, "authSecret"));
      if (!present(str(secret?.name)) || !present(str(secret?.key)))
        report(
          `spec.webhook.${name} has no authSecret (name and key): the endpoint accepts unauthenticated events.`,
        );
    }
  }),
);

function requestsGpu(container: Record<string, unknown>): boolean {
  return (
    present(dig(container, "resources", "limits", GPU)) ||
    present(dig(container, "resources", "requests", GPU))
  );
}

/** The findings of a Job manifest (plain object) that requests GPUs without a queue label. */
function unqueuedGpuJob(job: Record<string, unknown>, where: string): string[] {
  const pod = rec(dig(job, "spec", "template", "spec")) ?? {};
  if (!containersOf(pod).some(({ c }) => requestsGpu(c))) return [];
  const queue = str(dig(job, "metadata", "labels", KUEUE_QUEUE_LABEL));
  return present(queue)
    ? []
    : [
        `${where} requests ${GPU} without the ${KUEUE_QUEUE_LABEL} label: it bypasses Kueue and the team's quota.`,
      ];
}

/** Training steps go through Kueue. */
export const trainingThroughKueue = resourceRule(
  {
    name: "k8s-training-kueue-queue",
    area: "kubernetes",
    description: `GPU training runs go through Kueue: a batch/v1 Job requesting ${GPU} carries the ${KUEUE_QUEUE_LABEL} label (its team's LocalQueue), an Argo workflow (Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow) creates its GPU Jobs with that label (resource templates) and runs no GPU container in its own pods (container/script templates are not Kueue workloads). Otherwise the run takes GPUs outside the team's quota and fair sharing.`,
    severity: "high",
    enforcement: MANDATORY_OUTSIDE_DEV,
    remediation: `Submit the training as a batch/v1 Job with metadata.labels["${KUEUE_QUEUE_LABEL}"] = <the team's LocalQueue> (the TrainingJob template); from a workflow, create that Job with a resource template (action: create) instead of a GPU container template.`,
    reference: "Kueue docs, Run a Kubernetes Job (queue-name label); Argo Workflows docs, Resource template",
    resourceTypes: [JOB, ...WORKFLOW_TYPES],
  },
  onlyForTypes([JOB, ...WORKFLOW_TYPES], "not a batch/v1 Job or an Argo workflow", (args, report) => {
    if (args.type === JOB) {
      const w = workloadOf(args);
      const job = { metadata: w?.metadata ?? {}, spec: { template: { spec: w?.spec ?? {} } } };
      for (const f of unqueuedGpuJob(job, "The Job")) report(f);
      return;
    }
    if (!WORKFLOW_TYPES.includes(args.type)) {
      args.notApplicable("not a batch/v1 Job or an Argo workflow");
      return;
    }
    recs(workflowSpec(args.type, args.props).templates).forEach((t, i) => {
      const at = `templates[${i}] (${str(t.name) ?? "?"})`;
      for (const key of ["container", "script"]) {
        const c = rec(t[key]);
        if (c && requestsGpu(c))
          report(
            `${at} runs a ${GPU} ${key} in the workflow's own pod, outside Kueue; create a queued Job with a resource template instead.`,
          );
      }
      const manifest = str(dig(t, "resource", "manifest"));
      if (manifest === undefined) return;
      let object: unknown;
      try {
        object = parseYaml(manifest);
      } catch {
        return;
      }
      const obj = rec(object);
      if (obj && str(obj.kind) === "Job")
        for (const f of unqueuedGpuJob(obj, `${at} creates a Job that`)) report(f);
    });
  }),
);

/** Whether a CronJob runs the loop's drift job (its label, or the jobs image's entrypoint). */
function isDriftCronJob(metadata: Record<string, unknown>, pod: Record<string, unknown>): boolean {
  const labels = rec(metadata.labels) ?? {};
  if (
    str(labels["app.kubernetes.io/name"]) === "retraining-loop" &&
    str(labels["app.kubernetes.io/component"]) === "drift"
  )
    return true;
  return containersOf(pod).some(({ c }) => {
    const argv: unknown[] = [
      ...(Array.isArray(c.command) ? (c.command as unknown[]) : []),
      ...(Array.isArray(c.args) ? (c.args as unknown[]) : []),
    ];
    return argv.some((a) => a === "mlops_jobs.drift" || a === "mlops-drift");
  });
}

/** Drift CronJobs set CPU and memory limits. */
export const driftJobLimits = resourceRule(
  {
    name: "k8s-drift-job-limits",
    area: "kubernetes",
    description:
      "Drift-detection CronJobs (the retraining loop's, labelled app.kubernetes.io/name=retraining-loop and app.kubernetes.io/component=drift, or running mlops-drift / mlops_jobs.drift) set cpu and memory requests and limits on every container: the job loads and samples Parquet of unbounded size every hour, and without limits one large payload log starves the node.",
    severity: "high",
    enforcement: MANDATORY_OUTSIDE_DEV,
    remediation:
      "Set resources.requests and resources.limits (cpu and memory) on every container of spec.jobTemplate.spec.template.spec; lower MLOPS_SAMPLE_CAP rather than removing the limit.",
    reference:
      "Checkov CKV_K8S_10-13; Kyverno require-requests-limits; Kubernetes docs, Resource Management for Pods",
    resourceTypes: [CRON_JOB],
  },
  onlyForTypes([CRON_JOB], "not a CronJob", (args, report) => {
    const w = workloadOf(args);
    if (!w || w.kind !== "CronJob") {
      args.notApplicable("not a CronJob");
      return;
    }
    if (!isDriftCronJob(w.metadata, w.spec)) {
      args.notApplicable("not a drift-detection CronJob");
      return;
    }
    for (const { label, c } of containersOf(w.spec).filter((x) => !x.ephemeral)) {
      const missing = (["requests", "limits"] as const).flatMap((kind) =>
        (["cpu", "memory"] as const)
          .filter((r) => !present(dig(c, "resources", kind, r)))
          .map((r) => `${kind}.${r}`),
      );
      if (missing.length > 0) report(`${label} of the drift CronJob is missing ${missing.join(", ")}.`);
    }
  }),
);

/** The loop's rules. */
export const argoRules: Rule[] = [
  argoServiceAccountNoClusterRights,
  argoWebhookAuth,
  trainingThroughKueue,
  driftJobLimits,
];
