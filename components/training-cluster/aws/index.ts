/**
 * The EKS target of `mlops:index:GpuTrainingCluster`: `createAwsCluster` builds the VPC, the EKS
 * control plane, the system node group, Karpenter with the GPU NodePools (sub-component
 * `mlops:index:Karpenter`, `<name>-karpenter`) and the AWS Load Balancer Controller
 * (sub-component `mlops:index:AwsLoadBalancerController`, `<name>-lb-controller`), and returns
 * the `BuiltCluster` the in-cluster parts and other components use.
 */
import { AwsIdentityMode, type AwsTargetArgs } from "../../adapters";
import { movedFrom } from "../../shared/aliases";
import { childrenOf } from "../../shared/component";
import { physicalName, physicalNameBase, PhysicalNameKind } from "../../shared/names";
import type { BuiltCluster, ResolvedGpuPool } from "../types";
import type { ResolvedAwsClusterArgs } from "./args";
import {
  createControlPlane,
  createKubernetesAccess,
  createNodeAddons,
  createWorkloadAddons,
  tagClusterSecurityGroup,
} from "./eks";
import { createClusterIdentity } from "./identity";
import { Karpenter, karpenterScrapeTarget } from "./karpenter";
import { AwsLoadBalancerController, loadBalancerControllerScrapeTarget } from "./load-balancer-controller";
import { createNetwork, KARPENTER_DISCOVERY_TAG } from "./network";
import { createSystemNodeGroup } from "./nodegroup";
import type { ClusterBuildContext } from "../types";
import { createScope } from "./scope";

export * from "./args";
export { subnetLayout, ELB_ROLE_TAG, INTERNAL_ELB_ROLE_TAG, KARPENTER_DISCOVERY_TAG } from "./network";
export { CONTROL_PLANE_LOG_TYPES, kubeconfigFor, clusterKmsPolicy, controlPlaneLogGroupName } from "./eks";
export { NODE_METADATA_OPTIONS, SYSTEM_NODE_LABEL } from "./nodegroup";
export {
  karpenterControllerPolicies,
  interruptionQueuePolicy,
  karpenterValues,
  INTERRUPTION_EVENTS,
  KARPENTER_NAMESPACE,
  KARPENTER_SERVICE_ACCOUNT,
  KARPENTER_TYPE,
  Karpenter,
  type KarpenterArgs,
} from "./karpenter";
export {
  AWS_GPU_INSTANCE_FAMILIES,
  defaultAwsInstanceFamilies,
  nodePoolManifest,
  ec2NodeClassManifest,
  awsGpuPoolProblems,
  GPU_NODE_CLASS_NAME,
  KARPENTER_DO_NOT_DISRUPT_ANNOTATION,
  type NodePoolManifest,
  type Ec2NodeClassManifest,
  type NodePoolOptions,
  type Ec2NodeClassOptions,
} from "./nodepools";
export {
  AWS_LOAD_BALANCER_CONTROLLER_TYPE,
  AwsLoadBalancerController,
  type AwsLoadBalancerControllerArgs,
  loadBalancerControllerPolicy,
  loadBalancerControllerValues,
  LOAD_BALANCER_CONTROLLER_CHART,
  LOAD_BALANCER_CONTROLLER_CHART_VERSION,
  LOAD_BALANCER_CONTROLLER_IMAGE,
  LOAD_BALANCER_CONTROLLER_NAMESPACE,
  LOAD_BALANCER_CONTROLLER_REPO,
  LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
  type LoadBalancerControllerPolicyScope,
  type LoadBalancerControllerValuesScope,
} from "./load-balancer-controller";

/**
 * Builds the EKS cluster for `ctx.parent`. Every child is named `${ctx.name}-<role>` and parented
 * to `ctx.parent`. The physical cluster name is `ctx.clusterName` when given, else
 * `<ctx.name>-<stack>` (at most 40 characters, see `physicalName`); the names derived from it
 * (log group, KMS alias, interruption queue) are therefore unique per stack in the account.
 *
 * `resolved` and `pools` come from the component's resolver (`resolveGpuTrainingClusterArgs`),
 * which has checked them (environment rules, system node group sizes, instance families of each
 * pool's GPU model): the builder checks nothing again.
 */
export function createAwsCluster(
  ctx: ClusterBuildContext,
  resolved: ResolvedAwsClusterArgs,
  pools: ResolvedGpuPool[],
): BuiltCluster {
  const clusterName = physicalName(PhysicalNameKind.eksCluster, physicalNameBase(ctx.name, ctx.clusterName));
  const scope = createScope(ctx, clusterName);
  const network = createNetwork(scope, resolved);
  const { cluster, clusterSecurityGroupId } = createControlPlane(scope, resolved, network);
  const identity = createClusterIdentity(scope, resolved.identityMode, cluster);
  const sgTag = tagClusterSecurityGroup(scope, clusterSecurityGroupId, KARPENTER_DISCOVERY_TAG);

  const nodeAddons = createNodeAddons(scope, cluster, resolved.identityMode);
  const system = createSystemNodeGroup(scope, resolved, cluster, network.privateSubnetIds, [
    ...network.ready,
    ...nodeAddons,
  ]);
  const { addons: workloadAddons, ebsCsiRoleArn } = createWorkloadAddons(scope, cluster, identity, [
    system.nodeGroup,
  ]);

  const { kubeconfig, provider } = createKubernetesAccess(scope, cluster);
  // Karpenter and the load balancer controller are sub-components of the cluster component
  // (issue 8); their children kept their names, and alias their URNs directly under the cluster,
  // where stacks deployed before the sub-components have them (`movedFrom`). Dependencies name
  // the same resources as before (never a whole sub-component), so the install order is unchanged.
  const movedHere = (formerNames: Record<string, string> = {}) =>
    ctx.opts({ transformations: [movedFrom(ctx.parent, formerNames)] });
  const karpenterName = `${ctx.name}-karpenter`;
  const karpenter = new Karpenter(
    karpenterName,
    {
      scope,
      cluster,
      identity,
      provider,
      version: resolved.karpenterVersion,
      dependsOn: [system.nodeGroup, ...workloadAddons],
      pools,
      nodeClass: resolved,
      subnetIds: network.subnetsTaggedForDiscovery ? undefined : network.privateSubnetIds,
      nodePoolsDependOn: [sgTag],
    },
    // The EC2NodeClass and NodePools took the sub-component's prefix (their Kubernetes names did not change).
    movedHere({
      [`${karpenterName}-gpu-nodeclass`]: `${ctx.name}-gpu-nodeclass`,
      ...Object.fromEntries(
        pools.map((p) => [`${karpenterName}-nodepool-${p.name}`, `${ctx.name}-nodepool-${p.name}`]),
      ),
    }),
  );
  // The chart's Service webhook fails closed (a `type: LoadBalancer` Service must never fall
  // back to a public Classic LB), so no other release may create a Service while the
  // controller's first pods start: it comes after Karpenter and before the in-cluster parts (it
  // is in `ready`). The model registry's Ingress needs its IngressClass and Ingress webhook.
  const lbController = resolved.loadBalancerController
    ? new AwsLoadBalancerController(
        `${ctx.name}-lb-controller`,
        {
          scope,
          cluster,
          identity,
          provider,
          vpcId: network.vpcId,
          vpcCidrBlock: network.vpcCidrBlock,
          dependsOn: [system.nodeGroup, ...nodeAddons, ...workloadAddons, karpenter.release],
        },
        movedHere(),
      )
    : undefined;

  const oidc = identity.oidcProvider;
  const aws: AwsTargetArgs = {
    vpcId: network.vpcId,
    vpcCidrBlock: network.vpcCidrBlock,
    privateSubnetIds: network.privateSubnetIds,
    // EKS attaches the cluster security group to managed and (by discovery tag) Karpenter nodes,
    // so it is what a database admits.
    nodeSecurityGroupId: clusterSecurityGroupId,
    identityMode: resolved.identityMode,
    clusterName: cluster.name,
    ebsCsiRoleArn,
    ...(oidc && resolved.identityMode === AwsIdentityMode.irsa
      ? { oidcProviderArn: oidc.arn, oidcProviderUrl: oidc.url }
      : {}),
  };

  return {
    provider,
    kubeconfig,
    clusterName: cluster.name,
    endpoint: cluster.endpoint,
    aws,
    driversPreinstalled: true,
    ...(lbController ? { ingressClassName: lbController.ingressClassName } : {}),
    ready: [
      system.nodeGroup,
      ...workloadAddons,
      karpenter.release,
      karpenter.nodeClass,
      ...karpenter.nodePools,
      ...(lbController ? [lbController.release] : []),
    ],
    scrapeTargets: [
      {
        owner: childrenOf(karpenter),
        role: "monitor",
        target: karpenterScrapeTarget(),
        dependsOn: [karpenter.release],
      },
      ...(lbController
        ? [
            {
              owner: childrenOf(lbController),
              role: "monitor",
              target: loadBalancerControllerScrapeTarget(),
              dependsOn: [lbController.release],
            },
          ]
        : []),
    ],
  };
}
