/**
 * The public contract of the in-cluster parts of `mlops:index:GpuTrainingCluster` (issue 3): the
 * GPU stack, Kueue, and the teams that share the GPUs. A hand-written, documented interface per
 * block and the zod schema that validates it (`inClusterArgsSchema`); the type-level check at the
 * end of this file keeps the two in sync.
 */
import { z } from "zod";
import { resourcesWithDefaults } from "../../shared/k8s";
import { refineWith, type BlockResolution, type Problem } from "../../shared/contract";
import type { Environment } from "../../shared/presets";
import type { BuiltCluster } from "../types";
import { CPU_FLAVOR_NAME } from "./common";
import type { ResolvedContainerDefaults, ResolvedTeam } from "./teams";
import { dnsLabelSchema, quantitySchema, resourceOverridesSchema } from "../../shared/schemas";
import { ScrapeBackend } from "../../shared/monitors";
import { durationMs } from "../../shared/duration";
import {
  durationSchema,
  labelNameSchema,
  receiverProblems,
  receiverSchema,
  resolveReceiver,
  type PagerDutyReceiverArgs,
  type ReceiverKind,
  type SlackReceiverArgs,
  type WebhookReceiverArgs,
  type ResolvedAlertReceiver,
} from "../../shared/alert-receivers";

/** How GPUs are exposed to Kubernetes. */
export const GpuStack = {
  /**
   * The NVIDIA device plugin only (DaemonSet on GPU nodes). Needs NVIDIA drivers and the container
   * toolkit already on the node image (EKS AL2023 NVIDIA AMI, Bottlerocket NVIDIA, GPU-ready kind).
   */
  devicePlugin: "devicePlugin",
  /**
   * The NVIDIA GPU Operator: device plugin, GPU feature discovery, DCGM exporter, and (when the
   * node image lacks them) the driver and the container toolkit as containers.
   */
  gpuOperator: "gpuOperator",
  /**
   * Nothing: the platform already runs a device plugin (GKE with GKE-managed drivers deploys its
   * own `nvidia-gpu-device-plugin` DaemonSet in kube-system; a second one would fight over the GPUs).
   */
  none: "none",
} as const;
export type GpuStack = (typeof GpuStack)[keyof typeof GpuStack];
export const GPU_STACKS = Object.values(GpuStack) as [GpuStack, ...GpuStack[]];

/**
 * Which workloads a team may preempt to get back quota it lent to the cohort
 * (Kueue `ClusterQueue.spec.preemption.reclaimWithinCohort`).
 */
export const ReclaimWithinCohort = {
  never: "Never",
  lowerPriority: "LowerPriority",
  any: "Any",
} as const;
export type ReclaimWithinCohort = (typeof ReclaimWithinCohort)[keyof typeof ReclaimWithinCohort];

/** Which of its own workloads a team's queue may preempt (Kueue `preemption.withinClusterQueue`). */
export const WithinClusterQueue = {
  never: "Never",
  lowerPriority: "LowerPriority",
  lowerOrNewerEqualPriority: "LowerOrNewerEqualPriority",
} as const;
export type WithinClusterQueue = (typeof WithinClusterQueue)[keyof typeof WithinClusterQueue];

/** A team: its namespace, its Kueue queues and its share of the GPUs, CPU and memory. */
export interface TeamArgs {
  /**
   * DNS-1123 label, unique among teams. Names the team's ClusterQueue and, unless `namespace` is
   * set, its namespace.
   * @example "vision"
   */
  name: string;
  /**
   * Namespace the team's jobs run in (created with Pod Security "restricted").
   * @default the team `name`
   */
  namespace?: string;
  /**
   * GPUs guaranteed to the team in each GPU pool it may use (the `nominalQuota` of
   * `nvidia.com/gpu` for each pool's ResourceFlavor). 0 means the team only borrows.
   * @example 4
   */
  gpuQuota: number;
  /**
   * CPU guaranteed to the team, a Kubernetes quantity.
   * @example "64"
   */
  cpuQuota: string;
  /**
   * Memory guaranteed to the team, a Kubernetes quantity.
   * @example "256Gi"
   */
  memoryQuota: string;
  /**
   * Whether the team may borrow idle quota of the other teams in the cohort (Kueue
   * `borrowingLimit` unset). When false, `borrowingLimit` is 0 for every resource.
   * @default true
   */
  canBorrow?: boolean;
  /**
   * GPU pools the team may use, by pool name.
   * @default every GPU pool of the cluster
   */
  pools?: string[];
  /**
   * Most pods in the team namespace at once (ResourceQuota `pods`).
   * @default 200
   */
  maxPods?: number;
  /**
   * Annotations of the team ServiceAccount, for cloud workload identity, e.g.
   * `{ "eks.amazonaws.com/role-arn": "arn:aws:iam::...:role/vision" }` (IRSA) or
   * `{ "iam.gke.io/gcp-service-account": "vision@project.iam.gserviceaccount.com" }` (GKE).
   * @default {}
   */
  serviceAccountAnnotations?: Record<string, string>;
  /**
   * Where the alerts of the team's namespace go, when the cluster's monitoring is on (an
   * AlertmanagerConfig in the namespace, `<cluster>-<team>-alert-routes`; see `TeamAlertsArgs`
   * for which alerts that is). Needs `monitoring.enabled: true`.
   * @default none: the team's alerts follow the Monitoring component's root routing only
   */
  alerts?: TeamAlertsArgs;
}

/**
 * A team's receiver for the alerts of its namespace. The cluster's Alertmanager routes to it every
 * alert whose `namespace` label is the team's namespace (the operator's `OnNamespace` matcher
 * strategy), before and in addition to the root routes (`continue: true`): today
 * `GpuAllocatedButIdle` of the team's pods (the DCGM mapping's `namespace` label), and any rule of
 * the team's own that keeps `namespace`. Not the Kueue alerts: `KueueWorkloadsPending` and
 * `KueueWorkloadsInadmissible` are `sum by (cluster_queue)` of metrics Kueue exports without a
 * namespace, so they carry no team namespace and only the root routing sees them (route them there
 * with a `cluster_queue="<team>"` matcher). Exactly the block of `kind` is set; its Secret is in
 * the team's namespace.
 */
export interface TeamAlertsArgs {
  /** Which integration the team is notified by; the block of the same name must be set and no other. */
  kind: ReceiverKind;
  /** Required when `kind` is "slack" (`apiUrlSecret`: a Secret in the team namespace). */
  slack?: SlackReceiverArgs;
  /** Required when `kind` is "pagerduty" (`routingKeySecret`: a Secret in the team namespace). */
  pagerduty?: PagerDutyReceiverArgs;
  /** Required when `kind` is "webhook" (`credentialsSecret`: a Secret in the team namespace). */
  webhook?: WebhookReceiverArgs;
  /** Labels alerts are grouped by. @default ["alertname", "namespace"] (as the root route) */
  groupBy?: string[];
  /** @default "30s" (Alertmanager's default) */
  groupWait?: string;
  /** @default "5m" (Alertmanager's default) */
  groupInterval?: string;
  /**
   * How long before a notification still firing is sent again. @default "12h" (the team's alerts
   * are warnings about cost and queueing, not pages: twice a day, not every 4h like the root route).
   * At least `groupInterval`.
   */
  repeatInterval?: string;
}

/** The defaults of `TeamAlertsArgs`. */
export const TEAM_ALERTS_DEFAULTS = {
  groupBy: ["alertname", "namespace"],
  groupWait: "30s",
  groupInterval: "5m",
  repeatInterval: "12h",
} as const;

/** Default requests and limits of containers that set none (the teams' LimitRange). */
export interface ContainerDefaultsArgs {
  /** @default "500m" */
  cpuRequest?: string;
  /** @default "1Gi" */
  memoryRequest?: string;
  /** @default "2" */
  cpuLimit?: string;
  /** @default "4Gi" */
  memoryLimit?: string;
}

/** Kueue preemption settings, the same for every team's ClusterQueue. */
export interface PreemptionArgs {
  /**
   * Which workloads may be preempted when a team reclaims the quota it lent to the cohort.
   * "Any" guarantees every team its nominal quota back; borrowed GPUs are best effort.
   * @default "Any"
   */
  reclaimWithinCohort?: ReclaimWithinCohort;
  /**
   * Which workloads of the same team may be preempted for a higher-priority one.
   * @default "LowerPriority"
   */
  withinClusterQueue?: WithinClusterQueue;
}

/** Monitoring of the cluster (`InClusterArgs.monitoring`). */
export interface ClusterMonitoringArgs {
  /** Turn monitoring on. @default false */
  enabled?: boolean;
  /**
   * Who scrapes: "prometheusOperator" (an in-cluster Prometheus, e.g. the `Monitoring`
   * component's; ServiceMonitors, PodMonitors and PrometheusRules) or "gmp" (Google Cloud Managed
   * Service for Prometheus, which this component turns on for the GKE clusters it creates;
   * PodMonitoring; only on target "gcp").
   * @default "prometheusOperator"
   */
  backend?: ScrapeBackend;
  /**
   * Install the prometheus-operator CRDs (chart prometheus-operator-crds, pinned) before any
   * monitor or rule: the monitors' CRDs with backend "prometheusOperator", and with "gmp" the
   * Alertmanager's (the `Monitoring` component's Alertmanager routes GMP's alerts). false when
   * the cluster already has them (another prometheus-operator installation).
   * @default true
   */
  installCrds?: boolean;
}

/**
 * cert-manager on the cluster (`InClusterArgs.certManager`): the pinned chart in the
 * `cert-manager` namespace and an in-cluster CA (the ClusterIssuer `mlops-internal-ca`) that the
 * components on the cluster get their serving certificates from (`ClusterHandle.certificates`).
 */
export interface ClusterCertManagerArgs {
  /**
   * Install cert-manager and the in-cluster CA. Off by default for now: turning it on adds
   * resources to a deployed cluster; components that serve TLS (the feature store, serving) need it.
   * @default false
   */
  enabled?: boolean;
  /**
   * cert-manager chart version (also the image tag), with the leading "v" the chart versions carry.
   * @default "v1.21.1"
   */
  version?: string;
  /**
   * Replicas of the controller, the webhook and the cainjector (each with a PodDisruptionBudget
   * when more than 1). @default 1 in dev, 2 in staging/prod
   */
  replicas?: number;
}

/** The in-cluster parts: GPU stack, Kueue and teams. */
export interface InClusterArgs {
  /**
   * How GPUs are exposed to Kubernetes. On a GKE cluster this component creates, only "none" (GKE
   * runs NVIDIA's device plugin with its managed drivers); anything else there is an error.
   * @default "none" on a created GKE cluster; else "devicePlugin" when the node image has the NVIDIA drivers (EKS AL2023 NVIDIA AMI), else "gpuOperator"
   */
  gpuStack?: GpuStack;
  /**
   * Export GPU metrics with NVIDIA DCGM exporter. On a GKE cluster this component creates, GKE's
   * managed DCGM metrics are turned on (whatever the `gpuStack`); elsewhere, with "gpuOperator" the
   * operator's own exporter is used and with "devicePlugin" a standalone exporter is installed.
   * `true` with `gpuStack: "none"` on a cluster without managed DCGM (nothing could export the
   * metrics) is an error.
   * @default true
   */
  dcgmExporter?: boolean;
  /**
   * Monitoring of the cluster and of every component on it: with `enabled`, the cluster installs
   * the prometheus-operator CRDs (unless `installCrds` is false), creates monitors for the
   * workloads it runs (Kueue, the DCGM exporter, Karpenter, the AWS Load Balancer Controller), and
   * its handle's `monitoring` tells the other components (model registry, ...) to create theirs.
   * A `Monitoring` component on the cluster runs the Prometheus that reads them.
   * @default monitoring off (no monitors, no CRDs)
   */
  monitoring?: ClusterMonitoringArgs;
  /**
   * cert-manager and the in-cluster CA, for the TLS of the components on the cluster.
   * @default cert-manager off (the handle's `certificates` is undefined)
   */
  certManager?: ClusterCertManagerArgs;
  /**
   * Kueue chart version (also the controller image tag, `v<version>`). The ClusterQueue,
   * LocalQueue, ResourceFlavor and Cohort objects use the `kueue.x-k8s.io/v1beta2` API.
   * @default "0.19.2"
   */
  kueueVersion?: string;
  /**
   * Kueue controller replicas (with a PodDisruptionBudget when more than 1).
   * @default 1 in dev, 2 in staging/prod
   */
  kueueReplicas?: number;
  /**
   * The teams sharing the cluster's GPUs.
   * @default []
   */
  teams?: TeamArgs[];
  /** Kueue preemption. @default reclaim "Any", within a queue "LowerPriority" */
  preemption?: PreemptionArgs;
  /** Defaults for containers in team namespaces. @default requests 500m/1Gi, limits 2/4Gi */
  containerDefaults?: ContainerDefaultsArgs;
}

/** Default of `dcgmExporter`. */
export const DEFAULT_DCGM_EXPORTER = true;

/** Kueue chart and controller version the toolkit is tested with (see `kueue.ts`). */
export const DEFAULT_KUEUE_VERSION = "0.19.2";

/** cert-manager chart and image version the toolkit is tested with (see `cert-manager.ts`). */
export const DEFAULT_CERT_MANAGER_VERSION = "v1.21.1";

/** Namespaces the platform owns; teams may not use them. */
export const RESERVED_NAMESPACES = ["default", "gpu-system", "kueue-system", "cert-manager"] as const;

const quantity = quantitySchema;
const dnsLabel = dnsLabelSchema();

/** Runtime schema of `TeamAlertsArgs`'s fields.  @internal */
export const teamAlertsSchema = receiverSchema
  .omit({ name: true })
  .extend({
    groupBy: z.array(labelNameSchema).optional(),
    groupWait: durationSchema.optional(),
    groupInterval: durationSchema.optional(),
    repeatInterval: durationSchema.optional(),
  })
  .strict();

/** @internal zod schema: kept out of the published declarations (stripInternal). */
export const teamArgsSchema = z
  .object({
    name: dnsLabel,
    namespace: dnsLabel.optional(),
    gpuQuota: z
      .number()
      .min(0, { message: "must be 0 or more GPUs" })
      .max(4096)
      .refine((n) => Number.isInteger(n), { message: "must be a whole number of GPUs" }),
    cpuQuota: quantity,
    memoryQuota: quantity,
    canBorrow: z.boolean().optional(),
    pools: z
      .array(dnsLabel)
      .min(1, { message: "must name at least one pool (omit it for every pool)" })
      .optional(),
    maxPods: z.number().int().min(1).max(10_000).optional(),
    serviceAccountAnnotations: z.record(z.string(), z.string()).optional(),
    alerts: teamAlertsSchema.optional(),
  })
  .strict();

const preemptionSchema = z
  .object({
    reclaimWithinCohort: z.enum(Object.values(ReclaimWithinCohort) as [ReclaimWithinCohort]).optional(),
    withinClusterQueue: z.enum(Object.values(WithinClusterQueue) as [WithinClusterQueue]).optional(),
  })
  .strict();

const clusterMonitoringSchema = z
  .object({
    enabled: z.boolean().optional(),
    backend: z.enum([ScrapeBackend.prometheusOperator, ScrapeBackend.gmp]).optional(),
    installCrds: z.boolean().optional(),
  })
  .strict();

const certManagerSchema = z
  .object({
    enabled: z.boolean().optional(),
    version: z
      .string()
      .regex(/^v\d+\.\d+\.\d+$/, {
        message: 'must be a released cert-manager version such as "v1.21.1" (with the "v", no range)',
      })
      .optional(),
    replicas: z.number().int().min(1).max(5).optional(),
  })
  .strict();

/** Field schemas of `InClusterArgs`, without the cross-field rules.  @internal */
export const inClusterArgsObject = z
  .object({
    gpuStack: z.enum(GPU_STACKS).optional(),
    dcgmExporter: z.boolean().optional(),
    monitoring: clusterMonitoringSchema.optional(),
    certManager: certManagerSchema.optional(),
    kueueVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, {
        message: 'must be a released Kueue version such as "0.19.2" (no "v", no range)',
      })
      .optional(),
    kueueReplicas: z.number().int().min(1).max(5).optional(),
    teams: z.array(teamArgsSchema).optional(),
    preemption: preemptionSchema.optional(),
    containerDefaults: resourceOverridesSchema.optional(),
  })
  .strict();

/** Cross-field rules: unique team names and namespaces, no platform namespaces.  @internal */
export function inClusterArgsProblems(v: z.output<typeof inClusterArgsObject>): Problem[] {
  const problems: Problem[] = [];
  const names = new Map<string, number>();
  const namespaces = new Map<string, number>();
  (v.teams ?? []).forEach((team, i) => {
    const first = names.get(team.name);
    if (first !== undefined) {
      problems.push({
        path: ["teams", i, "name"],
        message: `duplicate team name "${team.name}" (also teams[${first}]); team names must be unique`,
      });
    } else names.set(team.name, i);
    const ns = team.namespace ?? team.name;
    const firstNs = namespaces.get(ns);
    if (firstNs !== undefined && first === undefined) {
      problems.push({
        path: ["teams", i, "namespace"],
        message: `namespace "${ns}" is already used by teams[${firstNs}]; each team needs its own namespace`,
      });
    } else namespaces.set(ns, i);
    if ((RESERVED_NAMESPACES as readonly string[]).includes(ns) || ns.startsWith("kube-")) {
      problems.push({
        path: ["teams", i, team.namespace === undefined ? "name" : "namespace"],
        message: `namespace "${ns}" is reserved for the platform (${RESERVED_NAMESPACES.join(", ")}, kube-*); pick another`,
      });
    }
  });
  return problems;
}

/** `ClusterMonitoringArgs` with the defaults applied (monitoring on). */
export interface ResolvedClusterMonitoringArgs {
  backend: ScrapeBackend;
  installCrds: boolean;
}

/** Applies `ClusterMonitoringArgs`'s defaults; undefined when monitoring is off. */
function resolveClusterMonitoring(
  args: ClusterMonitoringArgs | undefined,
  problems: Problem[],
): ResolvedClusterMonitoringArgs | undefined {
  if (args === undefined || args.enabled !== true) {
    for (const key of ["backend", "installCrds"] as const) {
      if (args?.[key] !== undefined) {
        problems.push({
          path: ["monitoring", key],
          message: "only used with monitoring.enabled: true; remove it or enable monitoring",
        });
      }
    }
    return undefined;
  }
  return { backend: args.backend ?? ScrapeBackend.prometheusOperator, installCrds: args.installCrds ?? true };
}

/** `ClusterCertManagerArgs` with the defaults applied (cert-manager on). */
export interface ResolvedCertManagerArgs {
  version: string;
  replicas: number;
}

/** Applies `ClusterCertManagerArgs`'s defaults; undefined when cert-manager is off. */
function resolveCertManager(
  args: ClusterCertManagerArgs | undefined,
  environment: Environment,
  problems: Problem[],
): ResolvedCertManagerArgs | undefined {
  if (args === undefined || args.enabled !== true) {
    for (const key of ["version", "replicas"] as const) {
      if (args?.[key] !== undefined) {
        problems.push({
          path: ["certManager", key],
          message: "only used with certManager.enabled: true; remove it or enable cert-manager",
        });
      }
    }
    return undefined;
  }
  return {
    version: args.version ?? DEFAULT_CERT_MANAGER_VERSION,
    replicas: args.replicas ?? (environment === "dev" ? 1 : 2),
  };
}

/** Runtime schema of `InClusterArgs`.  @internal */
export const inClusterArgsSchema = inClusterArgsObject.superRefine(refineWith(inClusterArgsProblems));

/** `InClusterArgs` after validation.  @internal */
export type ValidatedInClusterArgs = z.output<typeof inClusterArgsSchema>;

/** The in-cluster args with every default applied. */
export interface ResolvedInClusterArgs {
  gpuStack: GpuStack;
  /** Whether the in-cluster parts install a DCGM exporter (false where the platform exports GPU metrics). */
  dcgmExporter: boolean;
  /** Monitoring, when on. */
  monitoring: ResolvedClusterMonitoringArgs | undefined;
  /** cert-manager, when on. */
  certManager: ResolvedCertManagerArgs | undefined;
  kueueVersion: string;
  kueueReplicas: number;
  teams: ResolvedTeam[];
  reclaimWithinCohort: ReclaimWithinCohort;
  withinClusterQueue: WithinClusterQueue;
  containerDefaults: ResolvedContainerDefaults;
}

/** What the in-cluster parts need to know about the cluster's GPU platform. */
export type GpuPlatform = Pick<BuiltCluster, "driversPreinstalled" | "managedGpuMetrics">;

/**
 * Applies the defaults, and runs the rules that need the cluster (each once, paths under `args.`):
 * the device plugin alone needs drivers on the node image; team pools must be pools of the
 * cluster; no pool may be called like the CPU flavor. Pure: the component's resolver
 * (`resolveGpuTrainingClusterArgs`) calls it with the platform its target gives.
 * @internal
 */
export function resolveInClusterArgs(
  environment: Environment,
  platform: GpuPlatform,
  poolNames: string[],
  args: ValidatedInClusterArgs,
): BlockResolution<ResolvedInClusterArgs> {
  const problems: Problem[] = [];
  const gpuStack =
    args.gpuStack ?? (platform.driversPreinstalled ? GpuStack.devicePlugin : GpuStack.gpuOperator);
  if (gpuStack === GpuStack.devicePlugin && !platform.driversPreinstalled) {
    problems.push({
      path: ["gpuStack"],
      message:
        '"devicePlugin" needs the NVIDIA driver and container toolkit on the node image, and this cluster\'s nodes do not have them; use "gpuOperator" (installs them), or declare the drivers preinstalled for an existing cluster (gpuDriversPreinstalled: true)',
    });
  }
  // An arg the cluster cannot honour is an error, never a silent no-op: with no GPU stack there is
  // no exporter to install, and only a platform with managed DCGM (GKE) exports the metrics.
  if (args.dcgmExporter === true && gpuStack === GpuStack.none && !platform.managedGpuMetrics) {
    problems.push({
      path: ["dcgmExporter"],
      message:
        'true needs a GPU stack to export the metrics, and gpuStack is "none" on a cluster without managed DCGM metrics; use gpuStack "devicePlugin" or "gpuOperator", or set dcgmExporter: false',
    });
  }
  if (poolNames.includes(CPU_FLAVOR_NAME)) {
    problems.push({
      path: ["gpuPools"],
      message: `a GPU pool may not be named "${CPU_FLAVOR_NAME}" (the Kueue flavor for CPU and memory)`,
    });
  }
  const teams = (args.teams ?? []).map((t, i): ResolvedTeam => {
    const unknown = (t.pools ?? []).filter((p) => !poolNames.includes(p));
    if (unknown.length > 0) {
      problems.push({
        path: ["teams", i, "pools"],
        message: `unknown GPU pool(s) ${unknown.map((p) => `"${p}"`).join(", ")}; the cluster's pools are ${poolNames.map((p) => `"${p}"`).join(", ") || "(none)"}`,
      });
    }
    const allowed = t.pools ?? poolNames;
    const alerts = resolveTeamAlerts(
      t.alerts,
      args.monitoring?.enabled === true,
      ["teams", i, "alerts"],
      problems,
    );
    return {
      name: t.name,
      namespace: t.namespace ?? t.name,
      gpuQuota: t.gpuQuota,
      cpuQuota: t.cpuQuota,
      memoryQuota: t.memoryQuota,
      canBorrow: t.canBorrow ?? true,
      pools: poolNames.filter((p) => allowed.includes(p)),
      maxPods: t.maxPods ?? 200,
      serviceAccountAnnotations: { ...(t.serviceAccountAnnotations ?? {}) },
      ...(alerts !== undefined ? { alerts } : {}),
    };
  });
  return {
    problems,
    resolved: {
      gpuStack,
      // The platform's managed DCGM replaces ours (two DCGM host engines on one GPU compete).
      dcgmExporter: (args.dcgmExporter ?? DEFAULT_DCGM_EXPORTER) && !platform.managedGpuMetrics,
      monitoring: resolveClusterMonitoring(args.monitoring, problems),
      certManager: resolveCertManager(args.certManager, environment, problems),
      kueueVersion: args.kueueVersion ?? DEFAULT_KUEUE_VERSION,
      kueueReplicas: args.kueueReplicas ?? (environment === "dev" ? 1 : 2),
      teams,
      reclaimWithinCohort: args.preemption?.reclaimWithinCohort ?? ReclaimWithinCohort.any,
      withinClusterQueue: args.preemption?.withinClusterQueue ?? WithinClusterQueue.lowerPriority,
      containerDefaults: resourcesWithDefaults(args.containerDefaults, {
        cpuRequest: "500m",
        memoryRequest: "1Gi",
        cpuLimit: "2",
        memoryLimit: "4Gi",
      }),
    },
  };
}

/** A team's alert receiver with its defaults applied (the receiver is named "team"). */
export interface ResolvedTeamAlerts {
  receiver: ResolvedAlertReceiver;
  groupBy: string[];
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
}

/** The receiver name of a team's AlertmanagerConfig (the operator prefixes it `<ns>/<object>/`). */
export const TEAM_ALERT_RECEIVER = "team";

/** Checks and resolves `TeamArgs.alerts` (problems under `path`). */
function resolveTeamAlerts(
  alerts: z.output<typeof teamAlertsSchema> | undefined,
  monitoringOn: boolean,
  path: (string | number)[],
  problems: Problem[],
): ResolvedTeamAlerts | undefined {
  if (alerts === undefined) return undefined;
  const before = problems.length;
  if (!monitoringOn) {
    problems.push({
      path,
      message:
        "needs monitoring.enabled: true (the routes are an AlertmanagerConfig for the cluster's Alertmanager); enable monitoring or remove it",
    });
  }
  for (const p of receiverProblems({ ...alerts, name: TEAM_ALERT_RECEIVER })) {
    problems.push({ path: [...path, ...p.path], message: p.message });
  }
  const groupInterval = alerts.groupInterval ?? TEAM_ALERTS_DEFAULTS.groupInterval;
  const repeatInterval = alerts.repeatInterval ?? TEAM_ALERTS_DEFAULTS.repeatInterval;
  if ((durationMs(repeatInterval) ?? 0) < (durationMs(groupInterval) ?? 0)) {
    problems.push({
      path: [...path, alerts.repeatInterval !== undefined ? "repeatInterval" : "groupInterval"],
      message: `repeatInterval (${repeatInterval}) must be at least groupInterval (${groupInterval}): Alertmanager only repeats at group_interval ticks`,
    });
  }
  if (problems.length > before) return undefined;
  return {
    receiver: resolveReceiver({ ...alerts, name: TEAM_ALERT_RECEIVER }),
    groupBy: alerts.groupBy ?? [...TEAM_ALERTS_DEFAULTS.groupBy],
    groupWait: alerts.groupWait ?? TEAM_ALERTS_DEFAULTS.groupWait,
    groupInterval,
    repeatInterval,
  };
}

// ---- type-level check: the interfaces and the schemas describe the same shape ----------------

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
/** @internal zod schema: kept out of the published declarations (stripInternal). */
export type _TeamArgsMatch = Assert<Equals<z.input<typeof teamArgsSchema>, TeamArgs>>;
/** @internal zod schema: kept out of the published declarations (stripInternal). */
export type _InClusterArgsMatch = Assert<Equals<z.input<typeof inClusterArgsObject>, InClusterArgs>>;
