/**
 * Team namespaces: where training jobs run.
 *
 * Per team (Kubernetes names fixed; Pulumi names `${cluster}-<team>-<kind>`, under its TeamTenancy):
 *
 * | Kind                         | metadata.name           | Notes                                            |
 * | ---------------------------- | ----------------------- | ------------------------------------------------ |
 * | core/v1 Namespace            | `<namespace>`           | Pod Security "restricted" (enforce/audit/warn)   |
 * | core/v1 ResourceQuota        | `team-quota`            | requests.cpu/memory/nvidia.com/gpu, pods         |
 * | core/v1 LimitRange           | `container-defaults`    | default requests/limits of containers            |
 * | core/v1 ServiceAccount       | `training`              | jobs run as it; token automount off              |
 * | networking/v1 NetworkPolicy  | `default-deny`          | no ingress, no egress                            |
 * | networking/v1 NetworkPolicy  | `allow-dns`             | egress to kube-dns                               |
 * | networking/v1 NetworkPolicy  | `allow-same-namespace`  | ingress + egress among the team's pods (NCCL, rendezvous) |
 * | networking/v1 NetworkPolicy  | `allow-https-egress`    | egress TCP 443 outside the node link-local range (datasets, registries, cloud APIs) |
 * | networking/v1 NetworkPolicy  | `allow-workload-identity` | only on GKE / EKS Pod Identity: the node-local credential endpoint |
 *
 * | kueue ClusterQueue (cluster) | `<team>`                | the team's quota in the cluster's Cohort (kueue.ts) |
 * | kueue LocalQueue             | `training`              | where the team's jobs queue (kueue.ts)           |
 *
 * Each team is a `TeamTenancy` sub-component of the cluster, which creates all of the above.
 *
 * The ResourceQuota is the backstop for pods that bypass Kueue (a Job without the queue label is
 * not queued): it equals the most the team's ClusterQueue can ever admit, i.e. the nominal quota,
 * or the whole cohort's quota when the team may borrow. Kueue, not the ResourceQuota, is what
 * shares the GPUs.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { MlopsComponent, type ComponentContext } from "../../shared/component";
import { dnsEgressRule, restrictedNamespaceLabels } from "../../shared/k8s";
import { AwsIdentityMode } from "../../adapters";
import type { BuiltCluster } from "../types";
import { formatCpu, formatMemory, parseQuantity } from "../../shared/quantity";
import {
  TEAM_ALERT_RECEIVER,
  type ReclaimWithinCohort,
  type ResolvedTeamAlerts,
  type WithinClusterQueue,
} from "./args";
import { createAlertRoutes } from "../../shared/alert-routes";
import type { ClusterMonitoring } from "../../shared/scrape-target";
import {
  childOptions,
  GPU_RESOURCE,
  labelsFor,
  LOCAL_QUEUE_NAME,
  TEAM_LABEL,
  TEAM_SERVICE_ACCOUNT,
} from "./common";
import { clusterQueueManifest, kueueObject, localQueueManifest, type KueueHandle } from "./kueue";

type NetworkPolicyEgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;
type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** A team with every default applied. */
export interface ResolvedTeam {
  name: string;
  namespace: string;
  gpuQuota: number;
  cpuQuota: string;
  memoryQuota: string;
  canBorrow: boolean;
  /** Pool names the team may use, in the cluster's pool order. */
  pools: string[];
  maxPods: number;
  serviceAccountAnnotations: Record<string, string>;
  /** Where the alerts of the team's namespace go (only with monitoring on). */
  alerts?: ResolvedTeamAlerts;
}

/** The most a team's queue can admit, per resource (what its ResourceQuota allows). */
export interface TeamCeiling {
  gpus: number;
  cpu: string;
  memory: string;
}

/**
 * Ceilings of every team: its nominal quota, or, when it may borrow, everything the cohort has
 * (borrowing is bounded by the other teams' nominal quotas of the same flavors).
 */
export function teamCeilings(teams: ResolvedTeam[]): Map<string, TeamCeiling> {
  const gpusPerPool = new Map<string, number>();
  let cpu = 0;
  let memory = 0;
  for (const t of teams) {
    for (const p of t.pools) gpusPerPool.set(p, (gpusPerPool.get(p) ?? 0) + t.gpuQuota);
    cpu += parseQuantity(t.cpuQuota);
    memory += parseQuantity(t.memoryQuota);
  }
  const out = new Map<string, TeamCeiling>();
  for (const t of teams) {
    if (!t.canBorrow) {
      out.set(t.name, {
        gpus: t.gpuQuota * t.pools.length,
        cpu: formatCpu(parseQuantity(t.cpuQuota)),
        memory: formatMemory(parseQuantity(t.memoryQuota)),
      });
    } else {
      out.set(t.name, {
        gpus: t.pools.reduce((sum, p) => sum + (gpusPerPool.get(p) ?? 0), 0),
        cpu: formatCpu(cpu),
        memory: formatMemory(memory),
      });
    }
  }
  return out;
}

/**
 * Label of namespaces whose pods may call the model registry (MLflow's NetworkPolicy admits them;
 * `ModelRegistryArgs.clientNamespaceLabels` defaults to it).
 */
export const MLFLOW_CLIENT_LABEL = "mlops.pulumi.com/mlflow-client";

/** Port of the MLflow tracking server, which training jobs log to. */
export const MLFLOW_PORT = 5000;

/**
 * The team Namespace: Pod Security "restricted", labelled with the team and as a client of the
 * model registry (training jobs log runs and models to MLflow).
 */
export function teamNamespaceManifest(team: ResolvedTeam, labels: Record<string, string>) {
  return {
    apiVersion: "v1" as const,
    kind: "Namespace" as const,
    metadata: {
      name: team.namespace,
      labels: {
        ...labels,
        [TEAM_LABEL]: team.name,
        [MLFLOW_CLIENT_LABEL]: "true",
        ...restrictedNamespaceLabels(),
      },
    },
  };
}

/** The team ResourceQuota (requests only: extended resources such as GPUs have no separate limit). */
export function resourceQuotaManifest(
  team: ResolvedTeam,
  ceiling: TeamCeiling,
  labels: Record<string, string>,
) {
  return {
    apiVersion: "v1" as const,
    kind: "ResourceQuota" as const,
    metadata: { name: "team-quota", namespace: team.namespace, labels },
    spec: {
      hard: {
        "requests.cpu": ceiling.cpu,
        "requests.memory": ceiling.memory,
        [`requests.${GPU_RESOURCE}`]: String(ceiling.gpus),
        pods: String(team.maxPods),
      },
    },
  };
}

/** Container defaults with every default applied. */
export interface ResolvedContainerDefaults {
  cpuRequest: string;
  memoryRequest: string;
  cpuLimit: string;
  memoryLimit: string;
}

/**
 * The team LimitRange: requests and limits for containers that set none, so that every pod counts
 * against the ResourceQuota (which rejects pods without requests) and against Kueue's quota.
 */
export function limitRangeManifest(
  namespace: string,
  d: ResolvedContainerDefaults,
  labels: Record<string, string>,
) {
  return {
    apiVersion: "v1" as const,
    kind: "LimitRange" as const,
    metadata: { name: "container-defaults", namespace, labels },
    spec: {
      limits: [
        {
          type: "Container",
          defaultRequest: { cpu: d.cpuRequest, memory: d.memoryRequest },
          default: { cpu: d.cpuLimit, memory: d.memoryLimit },
        },
      ],
    },
  };
}

/** The team ServiceAccount training jobs run as (no API token: jobs do not call the API server). */
export function teamServiceAccountManifest(team: ResolvedTeam, labels: Record<string, string>) {
  return {
    apiVersion: "v1" as const,
    kind: "ServiceAccount" as const,
    metadata: {
      name: TEAM_SERVICE_ACCOUNT,
      namespace: team.namespace,
      labels,
      ...(Object.keys(team.serviceAccountAnnotations).length > 0
        ? { annotations: { ...team.serviceAccountAnnotations } }
        : {}),
    },
    automountServiceAccountToken: false,
  };
}

/**
 * Egress a pod needs to get cloud credentials from the node, by target:
 * - GKE Workload Identity: the GKE metadata server, 169.254.169.254:80 (Dataplane V2), and
 *   169.254.169.252:988 / 127.0.0.1:988 (other dataplanes);
 * - EKS Pod Identity: the Pod Identity Agent, 169.254.170.23:80;
 * - IRSA and kubeconfig clusters: nothing (IRSA calls STS on 443).
 */
export function workloadIdentityEgress(handle: Pick<BuiltCluster, "aws" | "gcp">): NetworkPolicyEgressRule[] {
  const rule = (cidr: string, port: number): NetworkPolicyEgressRule => ({
    to: [{ ipBlock: { cidr } }],
    ports: [{ protocol: "TCP", port }],
  });
  if (handle.gcp)
    return [rule("169.254.169.254/32", 80), rule("169.254.169.252/32", 988), rule("127.0.0.1/32", 988)];
  if (handle.aws?.identityMode === AwsIdentityMode.podIdentity) return [rule("169.254.170.23/32", 80)];
  return [];
}

/** The team's NetworkPolicies: default deny, then only what training needs. */
export function teamNetworkPolicyManifests(
  namespace: string,
  identityEgress: NetworkPolicyEgressRule[],
  labels: Record<string, string>,
) {
  const policy = (name: string, spec: Omit<NetworkPolicySpec, "podSelector">) => ({
    apiVersion: "networking.k8s.io/v1" as const,
    kind: "NetworkPolicy" as const,
    metadata: { name, namespace, labels },
    spec: { podSelector: {}, ...spec },
  });
  const policies = [
    policy("default-deny", { policyTypes: ["Ingress", "Egress"] }),
    policy("allow-dns", { policyTypes: ["Egress"], egress: [dnsEgressRule()] }),
    // Distributed training (torchrun rendezvous, NCCL) talks pod to pod on arbitrary ports.
    policy("allow-same-namespace", {
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    }),
    // The model registry (MLflow pods in any namespace), where jobs log runs and models.
    policy("allow-model-registry", {
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            { namespaceSelector: {}, podSelector: { matchLabels: { "app.kubernetes.io/name": "mlflow" } } },
          ],
          ports: [{ protocol: "TCP", port: MLFLOW_PORT }],
        },
      ],
    }),
    // Datasets, model hubs, registries and cloud APIs over TLS; never the node-local link range
    // (instance metadata), which only the identity rule below opens, port by port.
    policy("allow-https-egress", {
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } }],
          ports: [{ protocol: "TCP", port: 443 }],
        },
      ],
    }),
  ];
  if (identityEgress.length > 0) {
    policies.push(policy("allow-workload-identity", { policyTypes: ["Egress"], egress: identityEgress }));
  }
  return policies;
}

/** Pulumi type token of a team's sub-component. */
export const TEAM_TENANCY_TYPE = "mlops:index:TeamTenancy";

/** What one team's tenancy is made of (resolved by the cluster's in-cluster args). */
export interface TeamTenancyArgs {
  /** The cluster's context: the objects are labelled for it; environment, tags and protection are inherited. */
  context: ComponentContext;
  /** The cluster the team lives in. */
  cluster: BuiltCluster;
  team: ResolvedTeam;
  /** The most the team's queue can admit (`teamCeilings` of all the cluster's teams). */
  ceiling: TeamCeiling;
  /** Requests and limits of containers that set none (the LimitRange). */
  containerDefaults: ResolvedContainerDefaults;
  /** The cluster's Kueue: the Cohort the team's ClusterQueue joins. */
  kueue: KueueHandle;
  reclaimWithinCohort: ReclaimWithinCohort;
  withinClusterQueue: WithinClusterQueue;
  /** The cluster's monitoring; undefined: off (no AlertmanagerConfig). @default undefined */
  monitoring?: ClusterMonitoring;
}

/**
 * `mlops:index:TeamTenancy`, a sub-component of the GPU training cluster per team: the team
 * namespace and everything in it, and the team's ClusterQueue and LocalQueue (the table above).
 *
 * Children (for a tenancy named `n`, `${cluster}-<team>` in the cluster, the prefix its objects
 * have always had): `n-ns`, `n-quota`, `n-limits`, `n-sa`, `n-<policy>`, `n-cq`, `n-lq`. The
 * cluster creates it with a `movedFrom` alias to the cluster component, their former parent.
 */
export class TeamTenancy extends MlopsComponent {
  /** The team namespace (where its jobs run). */
  public readonly namespace: k8s.core.v1.Namespace;
  /** The LocalQueue jobs submit to (`kueue.x-k8s.io/queue-name: training`). */
  public readonly localQueueName: string;
  /** The ServiceAccount jobs run as. */
  public readonly serviceAccountName: string;
  public readonly clusterQueue: k8s.apiextensions.CustomResource;
  public readonly localQueue: k8s.apiextensions.CustomResource;

  constructor(name: string, args: TeamTenancyArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TEAM_TENANCY_TYPE, name, opts);
    const { cluster: handle, team, kueue, context: cluster } = args;
    const ctx = this.context(cluster);
    const labels = labelsFor(cluster, "team");
    const namespace = new k8s.core.v1.Namespace(
      `${ctx.name}-ns`,
      teamNamespaceManifest(team, labels),
      childOptions(ctx, handle),
    );
    const inNs = childOptions(ctx, handle, [namespace]);
    new k8s.core.v1.ResourceQuota(
      `${ctx.name}-quota`,
      resourceQuotaManifest(team, args.ceiling, labels),
      inNs,
    );
    new k8s.core.v1.LimitRange(
      `${ctx.name}-limits`,
      limitRangeManifest(team.namespace, args.containerDefaults, labels),
      inNs,
    );
    new k8s.core.v1.ServiceAccount(`${ctx.name}-sa`, teamServiceAccountManifest(team, labels), inNs);
    for (const policy of teamNetworkPolicyManifests(team.namespace, workloadIdentityEgress(handle), labels)) {
      new k8s.networking.v1.NetworkPolicy(`${ctx.name}-${policy.metadata.name}`, policy, inNs);
    }

    const kueueLabels = labelsFor(cluster, "kueue");
    const clusterQueue = kueueObject(
      `${ctx.name}-cq`,
      clusterQueueManifest(
        {
          name: team.name,
          namespace: team.namespace,
          cohort: kueue.cohortName,
          cpuQuota: team.cpuQuota,
          memoryQuota: team.memoryQuota,
          gpuQuota: team.gpuQuota,
          gpuFlavors: team.pools,
          canBorrow: team.canBorrow,
          reclaimWithinCohort: args.reclaimWithinCohort,
          withinClusterQueue: args.withinClusterQueue,
        },
        kueueLabels,
      ),
      childOptions(ctx, handle, kueue.clusterQueueDependencies),
    );
    const localQueue = kueueObject(
      `${ctx.name}-lq`,
      localQueueManifest(team.namespace, team.name, kueueLabels),
      childOptions(ctx, handle, [kueue.release, namespace, clusterQueue]),
    );

    // The team's alert routes (TeamArgs.alerts): an AlertmanagerConfig in its namespace.
    if (team.alerts !== undefined) {
      createAlertRoutes(
        { ctx, provider: handle.provider, monitoring: args.monitoring, dependsOn: [namespace] },
        "alert-routes",
        {
          name: "team-alert-routes",
          namespace: team.namespace,
          labels: { ...labels, [TEAM_LABEL]: team.name },
          receivers: [team.alerts.receiver],
          receiver: TEAM_ALERT_RECEIVER,
          groupBy: team.alerts.groupBy,
          groupWait: team.alerts.groupWait,
          groupInterval: team.alerts.groupInterval,
          repeatInterval: team.alerts.repeatInterval,
        },
      );
    }

    this.namespace = namespace;
    this.localQueueName = LOCAL_QUEUE_NAME;
    this.serviceAccountName = TEAM_SERVICE_ACCOUNT;
    this.clusterQueue = clusterQueue;
    this.localQueue = localQueue;
    this.registerOutputs({
      namespace: namespace.metadata.name,
      localQueueName: this.localQueueName,
      serviceAccountName: this.serviceAccountName,
    });
  }
}
