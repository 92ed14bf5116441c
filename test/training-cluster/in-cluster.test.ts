/**
 * The in-cluster parts of the GPU training cluster under the offline plan engine, on a fake
 * cluster handle: exact children, pinned releases and their values, Kueue objects per team and
 * pool, quotas, Pod Security labels, NetworkPolicies; the job template; the existing-cluster
 * path; and bad input.
 */
import { componentContext, type ComponentContext } from "../../components/shared/component";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { beforeAll, describe, expect, it } from "vitest";
import { adoptExistingCluster, existingClusterArgsSchema } from "../../components/training-cluster/existing";
import {
  DCGM_EXPORTER_CHART,
  DEVICE_PLUGIN_CHART,
  GPU_OPERATOR_CHART,
  inClusterArgsSchema,
  installInClusterParts,
  API_SERVER_CALLBACK_PORTS,
  CPU_FLAVOR_NAME,
  KUEUE_CHART,
  KUEUE_FRAMEWORKS,
  NvidiaGpuStack,
  QUEUE_NAME_LABEL,
  TEAM_LABEL,
  teamCeilings,
  TrainingJob,
  type InClusterParts,
} from "../../components/training-cluster/in-cluster";
import { GPU_NODE_LABELS, GPU_TAINT, type BuiltCluster } from "../../components/training-cluster/types";
import { formatIssues } from "../../components/shared/validation";
import { parseQuantity } from "../../components/shared/quantity";
import {
  childrenOf,
  descendantsOf,
  findResource,
  inputAt,
  planOf,
  resourcesOfType,
  type Plan,
  type PlanResource,
} from "../helpers";
import {
  fakeBuiltCluster,
  fakeClusterHandle,
  Host,
  inClusterProgram,
  POOLS,
  resolvedInClusterArgs,
  TEAMS,
} from "./fixtures";
import { planFromFolder } from "../package-from-source";

type JobSpec = k8s.types.output.batch.v1.JobSpec;
type NetworkPolicySpec = k8s.types.output.networking.v1.NetworkPolicySpec;

const T = {
  namespace: "kubernetes:core/v1:Namespace",
  quota: "kubernetes:core/v1:ResourceQuota",
  limits: "kubernetes:core/v1:LimitRange",
  sa: "kubernetes:core/v1:ServiceAccount",
  netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  release: "kubernetes:helm.sh/v3:Release",
  flavor: "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor",
  cohort: "kubernetes:kueue.x-k8s.io/v1beta2:Cohort",
  cq: "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue",
  lq: "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue",
  job: "kubernetes:batch/v1:Job",
  provider: "pulumi:providers:kubernetes",
  gpuStack: "mlops:index:NvidiaGpuStack",
  kueue: "mlops:index:Kueue",
  team: "mlops:index:TeamTenancy",
} as const;

const meta = (r: PlanResource) =>
  r.inputs["metadata"] as {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
const spec = <S>(r: PlanResource) => r.inputs["spec"] as S;
const values = (r: PlanResource) => r.inputs["values"] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const byMetaName = (plan: Plan, type: string, name: string, namespace?: string): PlanResource => {
  const found = resourcesOfType(plan, type).filter(
    (r) => meta(r).name === name && (namespace === undefined || meta(r).namespace === namespace),
  );
  expect(found, `${type} ${namespace ?? ""}/${name}`).toHaveLength(1);
  return found[0]!;
};

describe("device plugin stack (drivers preinstalled), two pools, two teams", () => {
  let plan: Plan;
  const seen: { parts?: InClusterParts } = {};
  beforeAll(async () => {
    plan = await planOf(inClusterProgram({}, seen));
  });

  it("composes sub-components: the GPU stack, Kueue and a tenancy per team, and nothing else directly", () => {
    const host = findResource(plan, "test:index:Host");
    expect(childrenOf(plan, host.urn).map((c) => `${c.type} ${c.name}`)).toEqual([
      `${T.gpuStack} gtc-gpu`,
      `${T.kueue} gtc-kueue`,
      `${T.team} gtc-vision`,
      `${T.team} gtc-nlp`,
    ]);
    const provider = findResource(plan, T.provider, "cluster");
    for (const c of descendantsOf(plan, host.urn).filter((r) => r.custom)) {
      expect(c.provider, c.name).toContain(provider.urn);
    }
  });

  it("each sub-component has exactly its children, named `${sub-component}-<role>`, aliasing their URNs under the component they were under", () => {
    const host = findResource(plan, "test:index:Host");
    const children = (type: string, name: string) => {
      const component = findResource(plan, type, name);
      expect(component.parent, name).toBe(host.urn);
      return childrenOf(plan, component.urn)
        .map((c) => `${c.type} ${c.name}`)
        .sort();
    };
    expect(children(T.gpuStack, "gtc-gpu")).toEqual(
      [
        `${T.namespace} gtc-gpu-system`,
        `${T.netpol} gtc-gpu-system-network-policy`,
        `${T.release} gtc-gpu-nvidia-device-plugin`,
        `${T.release} gtc-gpu-dcgm-exporter`,
      ].sort(),
    );
    expect(children(T.kueue, "gtc-kueue")).toEqual(
      [
        `${T.namespace} gtc-kueue-system`,
        `${T.netpol} gtc-kueue-system-network-policy`,
        `${T.release} gtc-kueue`,
        `${T.flavor} gtc-kueue-flavor-default-cpu`,
        `${T.flavor} gtc-kueue-flavor-l4-spot`,
        `${T.flavor} gtc-kueue-flavor-a100-on-demand`,
        `${T.cohort} gtc-kueue-cohort`,
      ].sort(),
    );
    for (const team of ["vision", "nlp"]) {
      // 5 NetworkPolicies: no workload-identity rule on a kubeconfig cluster.
      expect(children(T.team, `gtc-${team}`)).toEqual(
        [
          `${T.namespace} gtc-${team}-ns`,
          `${T.quota} gtc-${team}-quota`,
          `${T.limits} gtc-${team}-limits`,
          `${T.sa} gtc-${team}-sa`,
          ...[
            "default-deny",
            "allow-dns",
            "allow-same-namespace",
            "allow-model-registry",
            "allow-https-egress",
          ].map((p) => `${T.netpol} gtc-${team}-${p}`),
          `${T.cq} gtc-${team}-cq`,
          `${T.lq} gtc-${team}-lq`,
        ].sort(),
      );
    }
    // Every Kubernetes object aliases its URN under the component it was created under before the
    // sub-components existed, so a deployed stack keeps it (test/stacks.test.ts checks the stacks);
    // the ones renamed to carry their sub-component's name alias their former name.
    const formerName = (name: string) =>
      name.replace(/^gtc-(gpu|kueue)-(nvidia-device-plugin|dcgm-exporter|flavor-.+|cohort)$/, "gtc-$2");
    const objects = descendantsOf(plan, host.urn).filter((r) => r.custom);
    expect(objects).toHaveLength(4 + 7 + 2 * 11);
    // (The provider's own aliases of renamed Kubernetes types, e.g. extensions/v1beta1 for a
    // NetworkPolicy, stay under the sub-component.)
    const underHost = `${host.stateUrn!.replace(/::gtc$/, "")}$`;
    for (const r of objects) {
      expect(
        r.aliases!.filter((a) => a.startsWith(underHost) && !a.startsWith(`${underHost}mlops:index:`)),
        r.name,
      ).toEqual([`${underHost}${r.type}::${formerName(r.name)}`]);
    }
  });

  it("the sub-components' outputs: what the cluster and the other parts use", () => {
    const parts = seen.parts!;
    expect(parts.gpu!.gpuStack).toBe("devicePlugin");
    expect(parts.gpu!.releases).toHaveLength(2);
    expect(parts.kueue.cohortName).toBe("gtc");
    expect(parts.kueue.flavors).toHaveLength(3);
    expect(parts.kueue.clusterQueueDependencies).toEqual([
      parts.kueue.release,
      parts.kueue.cohort,
      ...parts.kueue.flavors,
    ]);
    expect(Object.keys(parts.teams)).toEqual(["vision", "nlp"]);
    expect(parts.teams["nlp"]!.serviceAccountName).toBe("training");
    // The LocalQueue waits for the team's ClusterQueue, which waits for the Kueue objects.
    const cq = findResource(plan, T.cq, "gtc-nlp-cq");
    const lq = findResource(plan, T.lq, "gtc-nlp-lq");
    expect(lq.dependencies).toContain(cq.urn);
    for (const name of [
      "gtc-kueue",
      "gtc-kueue-cohort",
      "gtc-kueue-flavor-default-cpu",
      "gtc-kueue-flavor-a100-on-demand",
    ]) {
      expect(cq.dependencies, name).toContain(plan.resources.find((r) => r.name === name && r.custom)!.urn);
    }
  });

  it("team namespaces are model-registry clients, and their jobs may reach MLflow on 5000", () => {
    const ns = byMetaName(plan, T.namespace, "vision", undefined);
    expect(inputAt(ns, "metadata.labels")).toMatchObject({ "mlops.pulumi.com/mlflow-client": "true" });
    const np = byMetaName(plan, T.netpol, "allow-model-registry", "vision");
    expect(inputAt(np, "spec.egress")).toEqual([
      {
        to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "app.kubernetes.io/name": "mlflow" } } }],
        ports: [{ protocol: "TCP", port: 5000 }],
      },
    ]);
  });

  it("platform namespaces admit only webhook, APIService and metrics ports, and reach only DNS and the API", () => {
    const kueue = byMetaName(plan, T.netpol, "platform", "kueue-system");
    // The API server (outside the pod network) calls the webhooks on 9443 and the visibility
    // APIService on 8082; without 8082 the APIService is unavailable and namespace deletion hangs.
    expect(inputAt(kueue, "spec.ingress")).toEqual([
      { from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 9443 }] },
      { from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 8082 }] },
      { from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: 8443 }] },
    ]);
    // The same ports the GKE firewall opens from the control plane (one list).
    expect(API_SERVER_CALLBACK_PORTS.map((p) => [p.port, p.namespace])).toEqual([
      [9443, "kueue-system"],
      [8082, "kueue-system"],
      [10250, "cert-manager"],
      // ModelServing's platform (components/model-serving/platform.ts) installs these on the cluster.
      [9443, "kserve"],
      [6443, "keda"],
      [9443, "keda"],
    ]);
    const gpu = byMetaName(plan, T.netpol, "platform", "gpu-system");
    expect(inputAt(gpu, "spec.ingress")).toEqual([
      { from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: 9400 }] },
    ]);
    for (const np of [kueue, gpu]) {
      expect(inputAt(np, "spec.podSelector")).toEqual({});
      expect(inputAt(np, "spec.egress[1]")).toEqual({
        ports: [
          { protocol: "TCP", port: 443 },
          { protocol: "TCP", port: 6443 },
        ],
      });
    }
  });

  it("installs the device plugin, pinned, on GPU nodes only, tolerating the GPU taint", () => {
    const r = byName(plan, T.release, "gtc-gpu-nvidia-device-plugin");
    expect(r.inputs).toMatchObject({
      chart: "nvidia-device-plugin",
      version: "0.20.0",
      repositoryOpts: { repo: "https://nvidia.github.io/k8s-device-plugin" },
      namespace: "gpu-system",
      createNamespace: false,
    });
    expect(DEVICE_PLUGIN_CHART.version).toBe("0.20.0");
    const v = values(r);
    expect(v["image"]).toEqual({ repository: "nvcr.io/nvidia/k8s-device-plugin", tag: "v0.20.0" });
    expect(v["nodeSelector"]).toEqual({ [GPU_NODE_LABELS.gpu]: "true" });
    expect(
      v["affinity"].nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms,
    ).toEqual([{ matchExpressions: [{ key: GPU_NODE_LABELS.gpu, operator: "In", values: ["true"] }] }]);
    expect(v["tolerations"]).toContainEqual({
      key: GPU_TAINT.key,
      operator: "Exists",
      effect: GPU_TAINT.effect,
    });
  });

  it("installs a standalone DCGM exporter, pinned, without a ServiceMonitor; no GPU Operator", () => {
    const r = byName(plan, T.release, "gtc-gpu-dcgm-exporter");
    expect(r.inputs).toMatchObject({
      chart: "dcgm-exporter",
      version: DCGM_EXPORTER_CHART.version,
      namespace: "gpu-system",
    });
    expect(values(r)["image"]).toEqual({
      repository: "nvcr.io/nvidia/k8s/dcgm-exporter",
      tag: "4.5.3-4.8.2-distroless",
    });
    expect(values(r)["serviceMonitor"]).toEqual({ enabled: false });
    expect(values(r)["tolerations"]).toContainEqual({
      key: GPU_TAINT.key,
      operator: "Exists",
      effect: GPU_TAINT.effect,
    });
    expect(resourcesOfType(plan, T.release).map((x) => x.inputs["chart"])).not.toContain("gpu-operator");
  });

  it("installs Kueue pinned from its OCI chart, image pinned, ServiceMonitor off, 1 replica in dev", () => {
    const r = byName(plan, T.release, "gtc-kueue");
    expect(r.inputs).toMatchObject({
      chart: KUEUE_CHART,
      version: "0.19.2",
      namespace: "kueue-system",
      createNamespace: false,
    });
    expect(KUEUE_CHART).toBe("oci://registry.k8s.io/kueue/charts/kueue");
    const v = values(r);
    expect(v["enablePrometheus"]).toBe(false);
    expect(v["controllerManager"]).toEqual({
      replicas: 1,
      podDisruptionBudget: { enabled: false, minAvailable: 1 },
      manager: {
        image: { repository: "registry.k8s.io/kueue/kueue", tag: "v0.19.2", pullPolicy: "IfNotPresent" },
      },
    });
    // The webhook Service targets the port the manager serves webhooks on.
    expect(v["webhookService"]).toEqual({ ports: [{ port: 443, protocol: "TCP", targetPort: 9443 }] });
  });

  it("scopes Kueue to the team namespaces and to batch/job, in the manager config the chart reads", () => {
    const v = values(byName(plan, T.release, "gtc-kueue"));
    const yaml = v["managerConfig"].controllerManagerConfigYaml as string;
    // JSON is YAML: the chart parses it with fromYaml (templates/manager/manager-config.yaml).
    const config = JSON.parse(yaml);
    expect(config).toEqual({
      apiVersion: "config.kueue.x-k8s.io/v1beta2",
      kind: "Configuration",
      health: { healthProbeBindAddress: ":8081" },
      metrics: { bindAddress: ":8443" },
      webhook: { port: 9443 },
      leaderElection: { leaderElect: true, resourceName: "c1f6bfd2.kueue.x-k8s.io" },
      controller: {
        groupKindConcurrency: {
          "Job.batch": 5,
          Pod: 5,
          "Workload.kueue.x-k8s.io": 10,
          "LocalQueue.kueue.x-k8s.io": 5,
          "ClusterQueue.kueue.x-k8s.io": 5,
          "ResourceFlavor.kueue.x-k8s.io": 1,
        },
      },
      clientConnection: { qps: 300, burst: 500 },
      // Copied by the chart onto every job webhook's namespaceSelector: only team namespaces.
      managedJobsNamespaceSelector: { matchExpressions: [{ key: TEAM_LABEL, operator: "Exists" }] },
      // Not pod/deployment/statefulset: their webhooks then fail open (failurePolicy Ignore).
      integrations: { frameworks: ["batch/job"] },
    });
    // Every team namespace carries the label the selector matches.
    for (const ns of ["vision", "team-nlp"]) {
      expect(Object.keys(meta(byMetaName(plan, T.namespace, ns)).labels!)).toContain(TEAM_LABEL);
    }
    // The training job template submits exactly that framework.
    expect(KUEUE_FRAMEWORKS).toEqual(["batch/job"]);
  });

  it("privileged Pod Security only in gpu-system (with the reason recorded); restricted elsewhere", () => {
    const labelsOf = (name: string) => meta(byMetaName(plan, T.namespace, name)).labels!;
    expect(labelsOf("gpu-system")["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    expect(
      meta(byMetaName(plan, T.namespace, "gpu-system")).annotations!["mlops.pulumi.com/privileged-reason"],
    ).toMatch(/device plugin/);
    for (const ns of ["kueue-system", "vision", "team-nlp"]) {
      expect(labelsOf(ns)).toMatchObject({
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      });
    }
    expect(labelsOf("vision")).toMatchObject({ "mlops.pulumi.com/team": "vision", owner: "ml-platform" });
  });

  it("a ResourceFlavor per GPU pool (pool label, GPU toleration) and one for CPU", () => {
    for (const pool of POOLS) {
      expect(spec(byMetaName(plan, T.flavor, pool.name))).toEqual({
        nodeLabels: { [GPU_NODE_LABELS.pool]: pool.name },
        tolerations: [{ key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect }],
      });
    }
    expect(spec(byMetaName(plan, T.flavor, "default-cpu"))).toEqual({});
    const release = byName(plan, T.release, "gtc-kueue");
    for (const f of resourcesOfType(plan, T.flavor)) expect(f.dependencies).toContain(release.urn);
  });

  it("a ClusterQueue per team: quotas per flavor, cohort, namespace selector, preemption", () => {
    expect(spec(byMetaName(plan, T.cq, "vision"))).toEqual({
      cohortName: "gtc",
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "vision" } },
      queueingStrategy: "BestEffortFIFO",
      resourceGroups: [
        {
          coveredResources: ["cpu", "memory"],
          flavors: [
            {
              name: "default-cpu",
              resources: [
                { name: "cpu", nominalQuota: "64" },
                { name: "memory", nominalQuota: "256Gi" },
              ],
            },
          ],
        },
        {
          coveredResources: ["nvidia.com/gpu"],
          flavors: [
            { name: "l4-spot", resources: [{ name: "nvidia.com/gpu", nominalQuota: 4 }] },
            { name: "a100-on-demand", resources: [{ name: "nvidia.com/gpu", nominalQuota: 4 }] },
          ],
        },
      ],
      preemption: {
        reclaimWithinCohort: "Any",
        withinClusterQueue: "LowerPriority",
        borrowWithinCohort: { policy: "Never" },
      },
    });
    // nlp: one pool, no borrowing
    const nlp = spec<{ resourceGroups: unknown[] }>(byMetaName(plan, T.cq, "nlp"));
    expect(nlp.resourceGroups[1]).toEqual({
      coveredResources: ["nvidia.com/gpu"],
      flavors: [
        {
          name: "a100-on-demand",
          resources: [{ name: "nvidia.com/gpu", nominalQuota: 2, borrowingLimit: 0 }],
        },
      ],
    });
    expect(byMetaName(plan, T.cohort, "gtc")).toBeDefined();
  });

  it("a LocalQueue `training` in each team namespace, pointing at the team's ClusterQueue", () => {
    expect(spec(byMetaName(plan, T.lq, "training", "vision"))).toEqual({ clusterQueue: "vision" });
    expect(spec(byMetaName(plan, T.lq, "training", "team-nlp"))).toEqual({ clusterQueue: "nlp" });
    expect(seen.parts!.teams["nlp"]!.localQueueName).toBe("training");
  });

  it("ResourceQuota = what the queue can admit: cohort totals when borrowing, nominal otherwise", () => {
    expect(spec(byMetaName(plan, T.quota, "team-quota", "vision"))).toEqual({
      // vision may borrow: l4 (4) + a100 (4 vision + 2 nlp); cpu 64 + 32.5; memory 256Gi + 128Gi
      hard: {
        "requests.cpu": "96500m",
        "requests.memory": "384Gi",
        "requests.nvidia.com/gpu": "10",
        pods: "200",
      },
    });
    expect(spec(byMetaName(plan, T.quota, "team-quota", "team-nlp"))).toEqual({
      hard: {
        "requests.cpu": "32500m",
        "requests.memory": "128Gi",
        "requests.nvidia.com/gpu": "2",
        pods: "50",
      },
    });
  });

  it("LimitRange defaults and a ServiceAccount without token automount (annotations for identity)", () => {
    expect(spec(byMetaName(plan, T.limits, "container-defaults", "vision"))).toEqual({
      limits: [
        {
          type: "Container",
          defaultRequest: { cpu: "500m", memory: "1Gi" },
          default: { cpu: "2", memory: "4Gi" },
        },
      ],
    });
    const sa = byMetaName(plan, T.sa, "training", "team-nlp");
    expect(sa.inputs["automountServiceAccountToken"]).toBe(false);
    expect(meta(sa).annotations).toEqual({
      "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/nlp",
    });
    expect(meta(byMetaName(plan, T.sa, "training", "vision")).annotations).toBeUndefined();
  });

  it("NetworkPolicies: default deny, DNS, same namespace both ways, HTTPS egress without link-local", () => {
    const np = (name: string) => spec<NetworkPolicySpec>(byMetaName(plan, T.netpol, name, "vision"));
    expect(np("default-deny")).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect(np("allow-dns").egress[0]!.ports).toEqual([
      { protocol: "UDP", port: 53 },
      { protocol: "TCP", port: 53 },
    ]);
    expect(np("allow-same-namespace")).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    });
    expect(np("allow-https-egress").egress).toEqual([
      {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } }],
        ports: [{ protocol: "TCP", port: 443 }],
      },
    ]);
  });
});

describe("GPU Operator stack", () => {
  it("drivers not preinstalled: operator installs driver and toolkit, its own DCGM exporter, no device plugin release", async () => {
    const plan = await planOf(inClusterProgram({ driversPreinstalled: false, environment: "prod" }));
    const releases = resourcesOfType(plan, T.release);
    expect(releases.map((r) => r.inputs["chart"]).sort()).toEqual([KUEUE_CHART, "gpu-operator"].sort());
    const op = byName(plan, T.release, "gtc-gpu-operator");
    expect(op.inputs).toMatchObject({
      version: "v26.7.0",
      repositoryOpts: { repo: "https://helm.ngc.nvidia.com/nvidia" },
      namespace: "gpu-system",
    });
    expect(GPU_OPERATOR_CHART.version).toBe("v26.7.0");
    expect(values(op)).toMatchObject({
      driver: { enabled: true },
      toolkit: { enabled: true },
      devicePlugin: { enabled: true },
      dcgmExporter: { enabled: true, serviceMonitor: { enabled: false } },
    });
    // The driver container apt-gets kernel headers from the distribution's HTTP mirrors.
    const driverEgress = byMetaName(plan, T.netpol, "gpu-driver-packages", "gpu-system");
    expect(driverEgress.inputs["spec"]).toEqual({
      podSelector: { matchLabels: { "app.kubernetes.io/component": "nvidia-driver" } },
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } }],
          ports: [{ protocol: "TCP", port: 80 }],
        },
      ],
    });
    // prod: 2 Kueue replicas with a PDB
    expect(values(byName(plan, T.release, "gtc-kueue"))["controllerManager"]).toMatchObject({
      replicas: 2,
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
    });
  });

  it("drivers preinstalled + gpuOperator: driver and toolkit off; DCGM off when asked", async () => {
    const plan = await planOf(
      inClusterProgram({
        driversPreinstalled: true,
        args: { gpuStack: "gpuOperator", dcgmExporter: false, teams: TEAMS },
      }),
    );
    expect(values(byName(plan, T.release, "gtc-gpu-operator"))).toMatchObject({
      driver: { enabled: false },
      toolkit: { enabled: false },
      dcgmExporter: { enabled: false },
    });
    expect(resourcesOfType(plan, T.release)).toHaveLength(2);
    // No driver container: no port 80 egress.
    expect(resourcesOfType(plan, T.netpol).map((r) => meta(r).name)).not.toContain("gpu-driver-packages");
  });

  it('gpuStack "none" (GKE-managed device plugin): no gpu-system, no GPU releases; GKE identity egress', async () => {
    const plan = await planOf(
      inClusterProgram({ args: { gpuStack: "none", teams: TEAMS }, handle: { gcp: {} as never } }),
    );
    expect(resourcesOfType(plan, T.release).map((r) => r.inputs["chart"])).toEqual([KUEUE_CHART]);
    expect(resourcesOfType(plan, T.namespace).map((r) => meta(r).name)).not.toContain("gpu-system");
    // Nothing to install: no GPU stack sub-component either.
    expect(resourcesOfType(plan, T.gpuStack)).toEqual([]);
    const wi = spec<NetworkPolicySpec>(byMetaName(plan, T.netpol, "allow-workload-identity", "vision"));
    expect(wi.egress.map((e) => e.to[0]!.ipBlock.cidr)).toEqual([
      "169.254.169.254/32",
      "169.254.169.252/32",
      "127.0.0.1/32",
    ]);
  });

  it("EKS Pod Identity: egress to the Pod Identity Agent only", async () => {
    const plan = await planOf(
      inClusterProgram({ handle: { aws: { identityMode: "podIdentity" } as never } }),
    );
    const wi = spec<NetworkPolicySpec>(byMetaName(plan, T.netpol, "allow-workload-identity", "vision"));
    expect(wi.egress).toEqual([
      { to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
    ]);
  });

  it("no GPU pools: ClusterQueues have only the CPU/memory group", async () => {
    const plan = await planOf(
      inClusterProgram({
        pools: [],
        args: { teams: [{ name: "vision", gpuQuota: 0, cpuQuota: "8", memoryQuota: "32Gi" }] },
      }),
    );
    expect(resourcesOfType(plan, T.flavor).map((r) => meta(r).name)).toEqual(["default-cpu"]);
    expect(spec<{ resourceGroups: unknown[] }>(byMetaName(plan, T.cq, "vision")).resourceGroups).toHaveLength(
      1,
    );
  });
});

describe("training job template", () => {
  let plan: Plan;
  beforeAll(async () => {
    // The example as a user runs it: from its own folder, with its Pulumi.dev.yaml.
    plan = (
      await planFromFolder(path.join(__dirname, "..", "..", "examples", "training-job"), ["--stack", "dev"])
    ).plan!;
  });

  it("the example submits one Job through Kueue: queue label, suspended, skipAwait", () => {
    const job = findResource(plan, T.job);
    expect(findResource(plan, "mlops:index:TrainingJob").urn).toBe(job.parent);
    expect(meta(job)).toMatchObject({ name: "mlp-smoke-001", namespace: "research" });
    expect(meta(job).labels![QUEUE_NAME_LABEL]).toBe("training");
    expect(meta(job).annotations).toEqual({ "pulumi.com/skipAwait": "true" });
    const s = spec<JobSpec>(job);
    expect(s).toMatchObject({
      suspend: true,
      backoffLimit: 1,
      ttlSecondsAfterFinished: 3600,
      activeDeadlineSeconds: 1800,
    });
  });

  it("requests GPUs, tolerates the GPU taint, selects GPU nodes, runs as the team ServiceAccount", () => {
    const pod = spec<JobSpec>(findResource(plan, T.job)).template.spec;
    const c = pod.containers[0]!;
    expect(c.image).toBe("pytorch/pytorch:2.11.0-cuda12.8-cudnn9-runtime");
    expect(c.resources).toEqual({
      requests: { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "1" },
      limits: { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "1" },
    });
    expect(pod.tolerations).toEqual([{ key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect }]);
    expect(pod.nodeSelector).toEqual({
      [GPU_NODE_LABELS.gpu]: "true",
      [GPU_NODE_LABELS.gpuType]: "nvidia-l4",
    });
    expect(pod.serviceAccountName).toBe("training");
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.restartPolicy).toBe("Never");
  });

  it("Pod Security restricted: non-root, seccomp, drop ALL, read-only root + /tmp and memory /dev/shm", () => {
    const pod = spec<JobSpec>(findResource(plan, T.job)).template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const c = pod.containers[0]!;
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(c.volumeMounts).toEqual([
      { name: "tmp", mountPath: "/tmp" },
      { name: "dshm", mountPath: "/dev/shm" },
    ]);
    expect(pod.volumes).toEqual([
      { name: "tmp", emptyDir: { sizeLimit: "10Gi" } },
      { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "2Gi" } },
    ]);
  });

  it("rejects an unpinned image, a negative, fractional or too large GPU count and an unknown GPU type, naming the argument", async () => {
    const attempt = (args: Record<string, unknown>) =>
      planOf(() => {
        new TrainingJob("bad", {
          cluster: fakeClusterHandle({ gpuPools: POOLS }),
          namespace: "vision",
          image: "pytorch/pytorch:2.11.0-cuda12.8-cudnn9-runtime",
          command: ["python"],
          ...args,
        });
      });
    await expect(attempt({ image: "pytorch/pytorch:latest" })).rejects.toThrow(/args\.image: must be pinned/);
    await expect(attempt({ gpus: -1 })).rejects.toThrow(/args\.gpus: must be 0 \(CPU only\) or more/);
    await expect(attempt({ gpus: 0.5 })).rejects.toThrow(/args\.gpus: must be an int/);
    await expect(attempt({ gpus: 17 })).rejects.toThrow(/args\.gpus: must be at most 16/);
    // A CPU-only job may not ask for GPU placement.
    await expect(attempt({ gpus: 0, gpuType: "nvidia-l4" })).rejects.toThrow(
      'args.gpuType: "nvidia-l4" places the pod on GPU nodes, but gpus is 0 (CPU only): remove gpuType or request GPUs',
    );
    await expect(attempt({ gpus: 0, gpuPool: "l4-spot" })).rejects.toThrow(
      'args.gpuPool: "l4-spot" places the pod on GPU nodes, but gpus is 0 (CPU only): remove gpuPool or request GPUs',
    );
    await expect(attempt({ gpuType: "nvidia-t4" })).rejects.toThrow(/args\.gpuType: must be one of/);
    await expect(attempt({ gpu: 1 })).rejects.toThrow(/args\.gpu: unknown key/);
  });

  it("on a handle that lists its pools: a pool or GPU type the cluster lacks is an error naming the argument", async () => {
    const attempt = (args: Record<string, unknown>, gpuPools = POOLS) =>
      planOf(() => {
        new TrainingJob("run", {
          cluster: fakeClusterHandle({ gpuPools }),
          namespace: "vision",
          image: "pytorch/pytorch:2.11.0-cuda12.8-cudnn9-runtime",
          command: ["python"],
          ...args,
        });
      });
    await expect(attempt({ gpuPool: "h100-spot" })).rejects.toThrow(
      'args.gpuPool: "h100-spot" is not a GPU pool of the cluster (l4-spot, a100-on-demand)',
    );
    await expect(attempt({ gpuType: "nvidia-h100" })).rejects.toThrow(
      'args.gpuType: "nvidia-h100" is offered by no GPU pool of the cluster (nvidia-l4, nvidia-a100)',
    );
    // A pool and a type the cluster has; any pool on a handle that lists none (an adopted cluster).
    const ok = await attempt({ gpuPool: "a100-on-demand", gpuType: "nvidia-a100" });
    expect(inputAt(findResource(ok, T.job), "spec.template.spec.nodeSelector")).toEqual({
      "mlops.pulumi.com/gpu": "true",
      "mlops.pulumi.com/gpu-type": "nvidia-a100",
      "mlops.pulumi.com/gpu-pool": "a100-on-demand",
    });
    await expect(attempt({ gpuPool: "h100-spot" }, [])).resolves.toBeDefined();
  });
});

/**
 * Kueue's flavor assignment, reduced to what decides admission here (kueue pkg/scheduler/flavorassigner):
 * every resource the pod requests must be covered by a resource group of the ClusterQueue, whose
 * first flavor with enough nominal quota is assigned; the pod gets the assigned flavors' node
 * labels and tolerations. Undefined: not admissible (a resource no group covers, or no quota).
 */
function kueueAssignment(
  cq: {
    resourceGroups: {
      coveredResources: string[];
      flavors: { name: string; resources: { name: string; nominalQuota: string | number }[] }[];
    }[];
  },
  flavors: Record<string, { nodeLabels?: Record<string, string>; tolerations?: unknown[] }>,
  requests: Record<string, string>,
):
  | { flavors: Record<string, string>; nodeLabels: Record<string, string>; tolerations: unknown[] }
  | undefined {
  const assigned: Record<string, string> = {};
  for (const [resource, amount] of Object.entries(requests)) {
    const group = cq.resourceGroups.find((g) => g.coveredResources.includes(resource));
    if (!group) return undefined;
    const flavor = group.flavors.find((f) => {
      const quota = f.resources.find((r) => r.name === resource)?.nominalQuota;
      return quota !== undefined && parseQuantity(String(quota)) >= parseQuantity(amount);
    });
    if (!flavor) return undefined;
    assigned[resource] = flavor.name;
  }
  const used = [...new Set(Object.values(assigned))].map((f) => flavors[f]!);
  return {
    flavors: assigned,
    nodeLabels: Object.assign({}, ...used.map((f) => f.nodeLabels ?? {})) as Record<string, string>,
    tolerations: used.flatMap((f) => f.tolerations ?? []),
  };
}

describe("CPU-only training (gpus: 0) on a team without GPU quota", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planOf(() => {
      // The local stack's team: a cluster with GPU pools, the team without GPU quota.
      inClusterProgram({
        args: { teams: [{ name: "research", gpuQuota: 0, cpuQuota: "8", memoryQuota: "32Gi" }] },
      })();
      const cluster = fakeClusterHandle({ gpuPools: POOLS });
      for (const gpus of [0, 1]) {
        new TrainingJob(`fit-${gpus}`, {
          cluster,
          namespace: "research",
          image: "python:3.11-slim@sha256:" + "a".repeat(64),
          command: ["python", "-m", "recommender.train"],
          gpus,
        });
      }
    });
  });
  const pod = (gpus: number) => spec<JobSpec>(findResource(plan, T.job, `fit-${gpus}`)).template.spec;
  const admission = (gpus: number) => {
    const flavors = Object.fromEntries(
      resourcesOfType(plan, T.flavor).map((f) => [
        meta(f).name,
        spec<{ nodeLabels?: Record<string, string>; tolerations?: unknown[] }>(f),
      ]),
    );
    return kueueAssignment(
      spec(byMetaName(plan, T.cq, "research")),
      flavors,
      pod(gpus).containers[0]!.resources.requests,
    );
  };

  it("requests cpu and memory only, selects no GPU node and tolerates no GPU taint", () => {
    expect(pod(0).containers[0]!.resources).toEqual({
      requests: { cpu: "4", memory: "16Gi" },
      limits: { cpu: "4", memory: "16Gi" },
    });
    expect(pod(0).nodeSelector).toBeUndefined();
    expect(pod(0).tolerations).toBeUndefined();
  });

  it("Kueue admits it on the CPU flavor, against the team's CPU and memory quota; it never lands on a GPU node", () => {
    expect(admission(0)).toEqual({
      flavors: { cpu: CPU_FLAVOR_NAME, memory: CPU_FLAVOR_NAME },
      nodeLabels: {},
      tolerations: [],
    });
    // GPU nodes are tainted on every target: a pod without the toleration is never scheduled there.
    expect(admission(0)!.tolerations).not.toContainEqual(expect.objectContaining({ key: GPU_TAINT.key }));
  });

  it("the same Job with one GPU is not admissible for a team without GPU quota (it would wait forever)", () => {
    expect(pod(1).containers[0]!.resources.requests).toMatchObject({ "nvidia.com/gpu": "1" });
    expect(admission(1)).toBeUndefined();
  });
});

describe("existing cluster target", () => {
  it("adopts a kubeconfig: provider with SSA and the context, secret kubeconfig, nothing to wait for, drivers off by default", async () => {
    let handle: BuiltCluster | undefined;
    const plan = await planOf(() => {
      const parent = new Host("gtc");
      handle = adoptExistingCluster(
        componentContext(parent, "gtc", { environment: "dev", tags: {}, protect: false }),
        existingClusterArgsSchema.parse({
          kubeconfig: "apiVersion: v1\nkind: Config\n",
          context: "kind-mlops",
        }),
      );
      return { kubeconfig: handle.kubeconfig, clusterName: handle.clusterName, endpoint: handle.endpoint };
    });
    const provider = findResource(plan, T.provider, "gtc-k8s");
    expect(provider.inputs).toMatchObject({ context: "kind-mlops", enableServerSideApply: "true" });
    expect(provider.parent).toBe(findResource(plan, "test:index:Host").urn);
    expect(handle!.driversPreinstalled).toBe(false);
    expect(handle!.ready).toEqual([]);
    expect(plan.outputs["clusterName"]).toBe("kind-mlops");
    expect(plan.outputs["endpoint"]).toBe("");
    expect(JSON.stringify(plan.outputs["kubeconfig"])).not.toContain("kind: Config");
  });

  it("installs only the in-cluster parts: the GPU Operator by default, device plugin when drivers are declared", async () => {
    const run = (gpuDriversPreinstalled?: boolean) =>
      planOf(() => {
        const parent = new Host("gtc");
        const ctx = componentContext(parent, "gtc", { environment: "dev", tags: {}, protect: false });
        const handle = adoptExistingCluster(ctx, { context: "kind-mlops", gpuDriversPreinstalled });
        installInClusterPartsFor(ctx, handle);
      });
    const charts = (plan: Plan) =>
      resourcesOfType(plan, T.release)
        .map((r) => r.inputs["chart"])
        .sort();
    expect(charts(await run())).toEqual(["gpu-operator", KUEUE_CHART].sort());
    expect(charts(await run(true))).toEqual(["dcgm-exporter", "nvidia-device-plugin", KUEUE_CHART].sort());
  });

  it("rejects unknown keys and an empty kubeconfig", () => {
    const r = existingClusterArgsSchema.safeParse({ kubeconfig: "", kubeContext: "x" });
    expect(r.success).toBe(false);
    const lines = formatIssues(r.error!, "args").sort();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^args\.kubeContext: unknown key/);
    expect(lines[1]).toBe("args.kubeconfig: must not be empty (omit it to use the ambient kubeconfig)");
  });
});

describe("bad input", () => {
  const issues = (args: unknown) => {
    const r = inClusterArgsSchema.safeParse(args);
    return r.success ? [] : formatIssues(r.error, "args");
  };

  it("duplicate team names and namespaces, reserved namespaces", () => {
    const team = { gpuQuota: 1, cpuQuota: "1", memoryQuota: "1Gi" };
    expect(
      issues({
        teams: [
          { name: "a", ...team },
          { name: "a", ...team },
        ],
      }),
    ).toEqual(['args.teams[1].name: duplicate team name "a" (also teams[0]); team names must be unique']);
    expect(
      issues({
        teams: [
          { name: "a", ...team },
          { name: "b", namespace: "a", ...team },
        ],
      }),
    ).toEqual([
      'args.teams[1].namespace: namespace "a" is already used by teams[0]; each team needs its own namespace',
    ]);
    expect(
      issues({
        teams: [
          { name: "kube-public", ...team },
          { name: "x", namespace: "kueue-system", ...team },
        ],
      }),
    ).toHaveLength(2);
  });

  it("negative or fractional quotas, bad quantities, unknown gpu stack, unknown keys", () => {
    expect(issues({ teams: [{ name: "a", gpuQuota: -1, cpuQuota: "1", memoryQuota: "1Gi" }] })).toEqual([
      "args.teams[0].gpuQuota: must be 0 or more GPUs",
    ]);
    expect(issues({ teams: [{ name: "a", gpuQuota: 1.5, cpuQuota: "1", memoryQuota: "1Gi" }] })).toEqual([
      "args.teams[0].gpuQuota: must be a whole number of GPUs",
    ]);
    expect(issues({ teams: [{ name: "a", gpuQuota: 1, cpuQuota: "-2", memoryQuota: "lots" }] })).toEqual([
      'args.teams[0].cpuQuota: must be a Kubernetes quantity such as "500m", "2", "512Mi" or "64Gi"',
      'args.teams[0].memoryQuota: must be a Kubernetes quantity such as "500m", "2", "512Mi" or "64Gi"',
    ]);
    expect(issues({ gpuStack: "cuda" })).toEqual([
      'args.gpuStack: must be one of "devicePlugin", "gpuOperator", "none"',
    ]);
    expect(issues({ kueueVersion: "v0.19.2" })[0]).toMatch(
      /^args\.kueueVersion: must be a released Kueue version/,
    );
    expect(
      issues({ teams: [{ name: "a", gpuQuota: 1, cpuQuota: "1", memoryQuota: "1Gi", gpus: 2 }] }),
    ).toEqual([expect.stringMatching(/^args\.teams\[0\]\.gpus: unknown key/)]);
    expect(
      issues({ teams: [{ name: "Vision", gpuQuota: 1, cpuQuota: "1", memoryQuota: "1Gi" }] })[0],
    ).toMatch(/DNS-1123/);
  });

  it("dcgmExporter: true with nothing to export it is an error, not a silent no-op", async () => {
    await expect(
      planOf(inClusterProgram({ args: { gpuStack: "none", dcgmExporter: true, teams: TEAMS } })),
    ).rejects.toThrow(
      /args\.dcgmExporter: true needs a GPU stack to export the metrics, and gpuStack is "none"/,
    );
    // The default (not asked for) stays quiet; so does a platform with managed DCGM.
    await planOf(inClusterProgram({ args: { gpuStack: "none", teams: TEAMS } }));
    await planOf(
      inClusterProgram({
        args: { gpuStack: "none", dcgmExporter: true, teams: TEAMS },
        handle: { managedGpuMetrics: true },
      }),
    );
  });

  it("a platform with managed DCGM (GKE) gets no second exporter, whatever the GPU stack", async () => {
    const dp = await planOf(inClusterProgram({ handle: { managedGpuMetrics: true } }));
    expect(
      resourcesOfType(dp, T.release)
        .map((r) => r.inputs["chart"])
        .sort(),
    ).toEqual(["nvidia-device-plugin", KUEUE_CHART].sort());
    const op = await planOf(
      inClusterProgram({
        args: { gpuStack: "gpuOperator", teams: TEAMS },
        handle: { managedGpuMetrics: true },
      }),
    );
    expect(values(byName(op, T.release, "gtc-gpu-operator"))["dcgmExporter"]).toEqual({
      enabled: false,
      serviceMonitor: { enabled: false },
    });
  });

  it("rules that need the cluster: device plugin without drivers, unknown team pool", async () => {
    await expect(
      planOf(inClusterProgram({ driversPreinstalled: false, args: { gpuStack: "devicePlugin" } })),
    ).rejects.toThrow(/args\.gpuStack: "devicePlugin" needs the NVIDIA driver/);
    await expect(
      planOf(
        inClusterProgram({
          args: {
            teams: [{ name: "a", gpuQuota: 1, cpuQuota: "1", memoryQuota: "1Gi", pools: ["h100-spot"] }],
          },
        }),
      ),
    ).rejects.toThrow(
      /args\.teams\[0\]\.pools: unknown GPU pool\(s\) "h100-spot"; the cluster's pools are "l4-spot", "a100-on-demand"/,
    );
  });

  it('a GPU stack sub-component for gpuStack "none" is refused (it would only make a privileged namespace)', async () => {
    await expect(
      planOf(() => {
        const parent = new Host("gtc");
        new NvidiaGpuStack(
          "gtc-gpu",
          {
            context: componentContext(parent, "gtc", { environment: "dev", tags: {}, protect: false }),
            cluster: fakeBuiltCluster(),
            gpuStack: "none",
            dcgmExporter: false,
            monitoring: undefined,
          },
          { parent },
        );
      }),
    ).rejects.toThrow(/mlops:index:NvidiaGpuStack:\n {2}args\.gpuStack: "none" installs no GPU stack/);
  });

  it("ceilings add quantities exactly", () => {
    const t = (name: string, cpu: string, mem: string) => ({
      name,
      namespace: name,
      gpuQuota: 1,
      cpuQuota: cpu,
      memoryQuota: mem,
      canBorrow: true,
      pools: ["p"],
      maxPods: 1,
      serviceAccountAnnotations: {},
    });
    expect(teamCeilings([t("a", "1500m", "512Mi"), t("b", "0.5", "1Gi")]).get("a")).toEqual({
      gpus: 2,
      cpu: "2",
      memory: "1536Mi",
    });
  });
});

// ---- helpers -------------------------------------------------------------------------------------

function byName(plan: Plan, type: string, name: string): PlanResource {
  return findResource(plan, type, name);
}

/** Installs the in-cluster parts with two teams on an adopted cluster (no GPU pools declared). */
function installInClusterPartsFor(ctx: ComponentContext, handle: BuiltCluster): void {
  installInClusterParts(
    ctx,
    handle,
    [],
    resolvedInClusterArgs(ctx.parent, ctx.environment, handle, [], {
      teams: [{ name: "vision", gpuQuota: 0, cpuQuota: "8", memoryQuota: "32Gi" }],
    }),
    undefined,
  );
}
