/**
 * `installInClusterParts`: everything the GPU training cluster installs inside Kubernetes, the same
 * on every target (EKS, GKE, an adopted kubeconfig). It sees only the `BuiltCluster`.
 *
 * - the GPU stack (`gpu.ts`): device plugin or GPU Operator, DCGM exporter, in `gpu-system`;
 * - Kueue (`kueue.ts`): the controller in `kueue-system`, a ResourceFlavor per GPU pool plus one
 *   for CPU, a Cohort;
 * - cert-manager (`cert-manager.ts`, with `certManager.enabled`): the controller in `cert-manager`
 *   and the in-cluster CA ClusterIssuer the components' serving certificates come from;
 * - per team (`teams.ts`): namespace, ResourceQuota, LimitRange, ServiceAccount,
 *   NetworkPolicies, the team's ClusterQueue and the LocalQueue `training`;
 * - the job template that submits to those queues is `job-template.ts` (`TrainingJob`).
 *
 * Each of the three is a sub-component of the cluster component (issue 8): `mlops:index:NvidiaGpuStack`
 * (`${name}-gpu`), `mlops:index:Kueue` (`${name}-kueue`) and one `mlops:index:TeamTenancy` per team
 * (`${name}-<team>`). This module resolves the args and composes them; it creates nothing itself.
 * Every Kubernetes object: `{ parent: <sub-component>, provider: handle.provider, dependsOn:
 * handle.ready }` (`childOptions`), and an alias to its URN under the cluster component, where
 * it was created before the sub-components existed (`movedFrom`, with its former name where it
 * had to change to carry its sub-component's name).
 */
import { movedFrom } from "../../shared/aliases";
import type { ComponentContext } from "../../shared/component";
import type { ClusterMonitoring } from "../../shared/scrape-target";
import type { BuiltCluster, ResolvedGpuPool } from "../types";
import { GpuStack, type ResolvedInClusterArgs } from "./args";
import { CertManager } from "./cert-manager";
import { CPU_FLAVOR_NAME } from "./common";
import { NvidiaGpuStack } from "./gpu";
import { Kueue } from "./kueue";
import { teamCeilings, TeamTenancy } from "./teams";

export * from "./args";
export {
  CERT_MANAGER_CHART,
  CERT_MANAGER_IMAGE_NAMESPACE,
  CERT_MANAGER_IMAGE_REGISTRY,
  CERT_MANAGER_RESOURCES,
  CERT_MANAGER_TYPE,
  CertManager,
  certManagerNamespaceManifest,
  certManagerScrapeTarget,
  certManagerSecurityContexts,
  certManagerValues,
  INTERNAL_CA_NAME,
  INTERNAL_CA_VALIDITY,
  internalCaCertificateManifest,
  internalCaIssuerManifest,
  SELF_SIGNED_ISSUER_NAME,
  selfSignedIssuerManifest,
  type CertManagerArgs,
  type CertManagerContainerResources,
} from "./cert-manager";
export {
  CERT_MANAGER_NAMESPACE,
  COMPONENT_LABEL,
  CPU_FLAVOR_NAME,
  GPU_RESOURCE,
  GPU_SYSTEM_NAMESPACE,
  KUEUE_NAMESPACE,
  LOCAL_QUEUE_NAME,
  TEAM_LABEL,
  TEAM_SERVICE_ACCOUNT,
} from "./common";
export {
  DCGM_EXPORTER_CHART,
  DCGM_EXPORTER_IMAGE,
  DEVICE_PLUGIN_CHART,
  DEVICE_PLUGIN_IMAGE,
  GPU_OPERATOR_CHART,
  GPU_OPERATOR_DRIVER_COMPONENT,
  dcgmExporterValues,
  gpuDriverEgressPolicyManifest,
  devicePluginValues,
  gpuOperatorValues,
  gpuSystemNamespaceManifest,
  NVIDIA_GPU_STACK_TYPE,
  NvidiaGpuStack,
  type NvidiaGpuStackArgs,
} from "./gpu";
export {
  KUEUE_API_VERSION,
  KUEUE_CHART,
  KUEUE_IMAGE_REPOSITORY,
  clusterQueueManifest,
  cohortManifest,
  cpuFlavorManifest,
  gpuFlavorManifest,
  kueueManagedNamespaceSelector,
  kueueManagerConfig,
  kueueNamespaceManifest,
  kueueValues,
  KUEUE_FRAMEWORKS,
  localQueueManifest,
  Kueue,
  KUEUE_TYPE,
  type ClusterQueueInput,
  type KueueArgs,
  type KueueHandle,
} from "./kueue";
export * from "./ports";
export {
  limitRangeManifest,
  resourceQuotaManifest,
  teamCeilings,
  teamNamespaceManifest,
  teamNetworkPolicyManifests,
  teamServiceAccountManifest,
  workloadIdentityEgress,
  TEAM_TENANCY_TYPE,
  TeamTenancy,
  type ResolvedContainerDefaults,
  type ResolvedTeam,
  type TeamCeiling,
  type TeamTenancyArgs,
} from "./teams";
export {
  cpuOnlyGpuPlacementProblem,
  gpuCountSchema,
  TRAINING_JOB_COMPONENT,
  QUEUE_NAME_LABEL,
  TRAINING_JOB_TYPE,
  TrainingJob,
  resolveTrainingJob,
  trainingJobArgsSchema,
  trainingJobManifest,
  type ResolvedTrainingJob,
  type TrainingJobArgs,
} from "./job-template";

/** What the in-cluster parts created: the cluster component's sub-components. */
export interface InClusterParts {
  /** The resolved args (defaults applied). */
  resolved: ResolvedInClusterArgs;
  /** The GPU stack; undefined for gpuStack "none" (the platform runs the device plugin). */
  gpu: NvidiaGpuStack | undefined;
  kueue: Kueue;
  /** cert-manager and the in-cluster CA; undefined when `certManager.enabled` is not true. */
  certManager: CertManager | undefined;
  /** Per team name. */
  teams: Record<string, TeamTenancy>;
}

/**
 * Installs the GPU stack, Kueue, cert-manager (when on) and the teams into the cluster behind `handle`, each a
 * sub-component of the cluster component (`ctx.parent`), named `${ctx.name}-<role>`. `r` is the
 * resolved in-cluster args (`resolveInClusterArgs`, checked by the component's resolver).
 */
export function installInClusterParts(
  ctx: ComponentContext,
  handle: BuiltCluster,
  pools: ResolvedGpuPool[],
  r: ResolvedInClusterArgs,
  monitoring: ClusterMonitoring | undefined,
): InClusterParts {
  const common = { context: ctx, cluster: handle };
  const gpuName = `${ctx.name}-gpu`;
  const kueueName = `${ctx.name}-kueue`;

  const gpu =
    r.gpuStack === GpuStack.none
      ? undefined
      : new NvidiaGpuStack(
          gpuName,
          {
            ...common,
            gpuStack: r.gpuStack,
            dcgmExporter: r.dcgmExporter,
            monitoring,
          },
          movedHere(ctx, {
            [`${gpuName}-nvidia-device-plugin`]: `${ctx.name}-nvidia-device-plugin`,
            [`${gpuName}-dcgm-exporter`]: `${ctx.name}-dcgm-exporter`,
          }),
        );
  const kueue = new Kueue(
    kueueName,
    {
      ...common,
      pools,
      version: r.kueueVersion,
      replicas: r.kueueReplicas,
      monitoring,
    },
    movedHere(ctx, {
      ...Object.fromEntries(
        [CPU_FLAVOR_NAME, ...pools.map((p) => p.name)].map((f) => [
          `${kueueName}-flavor-${f}`,
          `${ctx.name}-flavor-${f}`,
        ]),
      ),
      [`${kueueName}-cohort`]: `${ctx.name}-cohort`,
    }),
  );
  // New with issue 10: no former URNs to alias.
  const certManager =
    r.certManager === undefined
      ? undefined
      : new CertManager(
          `${ctx.name}-cert-manager`,
          { ...common, version: r.certManager.version, replicas: r.certManager.replicas, monitoring },
          ctx.opts(),
        );
  const ceilings = teamCeilings(r.teams);
  const teams = Object.fromEntries(
    r.teams.map((team) => [
      team.name,
      // Named like the prefix its children have always had (`${ctx.name}-<team>-ns`, ...).
      new TeamTenancy(
        `${ctx.name}-${team.name}`,
        {
          ...common,
          team,
          ceiling: ceilings.get(team.name)!,
          containerDefaults: r.containerDefaults,
          kueue,
          reclaimWithinCohort: r.reclaimWithinCohort,
          withinClusterQueue: r.withinClusterQueue,
          monitoring,
        },
        movedHere(ctx),
      ),
    ]),
  );
  return { resolved: r, gpu, kueue, certManager, teams };
}

/**
 * Options of a sub-component of the cluster (`ctx.parent`): its objects alias their URNs directly
 * under the cluster component, where stacks deployed before the sub-components (issue 8) have
 * them; `formerNames` maps a new logical name to the old one where it had to change.
 */
function movedHere(ctx: ComponentContext, formerNames: Record<string, string> = {}) {
  return ctx.opts({ transformations: [movedFrom(ctx.parent, formerNames)] });
}
