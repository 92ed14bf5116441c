/**
 * The system node group: a small on-demand EKS managed node group in the private subnets for
 * Karpenter, CoreDNS, the EBS CSI controller and the platform's operators. IMDSv2 only, hop limit
 * 1, encrypted gp3 root volume, no public IPs.
 */
import * as aws from "../../shared/aws-sdk";
import type * as pulumi from "@pulumi/pulumi";
import type { ResolvedAwsClusterArgs } from "./args";
import { createNodeRole } from "./identity";
import { named, type AwsClusterScope } from "./scope";

/**
 * Label of the system nodes. The group is labelled, not tainted: the platform's operators (Kueue,
 * the GPU operator, the model registry) then schedule there without tolerations, while GPU nodes
 * carry the GPU taint and Karpenter keeps itself off Karpenter nodes (its chart's required
 * affinity on `karpenter.sh/nodepool DoesNotExist`). Karpenter selects on this label.
 */
export const SYSTEM_NODE_LABEL = { key: "mlops.pulumi.com/node-role", value: "system" } as const;

/** AMI type of the system nodes: EKS-optimized AL2023 for x86_64 (AL2 AMIs ended 2025-11-26). */
export const SYSTEM_AMI_TYPE = "AL2023_x86_64_STANDARD";

/**
 * Instance metadata options of every node: IMDSv2 tokens required and a PUT response hop limit of
 * 1, so pods on the pod network cannot reach IMDS (and the node role's credentials). Hop limit 2
 * is only needed by pods that call IMDS themselves; here every controller gets its credentials
 * from IRSA / Pod Identity and its region from the environment, and the components that do use
 * IMDS (VPC CNI, Pod Identity agent, kube-proxy) run on the host network, where one hop suffices
 * (https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html,
 * "Restrict access to the instance profile assigned to the worker node"). Karpenter's own
 * EC2NodeClass default is the same.
 */
export const NODE_METADATA_OPTIONS = {
  httpEndpoint: "enabled",
  httpTokens: "required",
  httpPutResponseHopLimit: 1,
  httpProtocolIpv6: "disabled",
  instanceMetadataTags: "disabled",
} as const;

/** Root device of the EKS-optimized AL2023 AMIs. */
export const AL2023_ROOT_DEVICE = "/dev/xvda";

/** The system node group and its role. */
export interface SystemNodeGroup {
  nodeGroup: aws.eks.NodeGroup;
  launchTemplate: aws.ec2.LaunchTemplate;
  role: aws.iam.Role;
}

/**
 * Creates the node role, the launch template and the managed node group. The launch template sets
 * no security group, so EKS attaches the cluster security group (the one the database adapter
 * admits), and no network interfaces, so the subnets' "no public IP" setting applies.
 */
export function createSystemNodeGroup(
  scope: AwsClusterScope,
  args: ResolvedAwsClusterArgs,
  cluster: aws.eks.Cluster,
  subnetIds: pulumi.Input<string>[],
  dependsOn: pulumi.Resource[],
): SystemNodeGroup {
  const { name, opts, clusterName } = scope;
  const sys = args.systemNodeGroup;
  const { role, attachments } = createNodeRole(scope, "system-node", "system managed node group");

  const launchTemplate = new aws.ec2.LaunchTemplate(
    `${name}-system-lt`,
    {
      description: `pulumi-mlops ${clusterName}: system node group`,
      metadataOptions: NODE_METADATA_OPTIONS,
      blockDeviceMappings: [
        {
          deviceName: AL2023_ROOT_DEVICE,
          ebs: {
            volumeType: "gp3",
            volumeSize: sys.diskSizeGb,
            // The AWS-managed aws/ebs key: a customer key would need a key-policy grant for the
            // Auto Scaling service-linked role.
            encrypted: "true",
            deleteOnTermination: "true",
          },
        },
      ],
      tagSpecifications: [
        { resourceType: "instance", tags: named(scope, `${clusterName}-system`) },
        { resourceType: "volume", tags: named(scope, `${clusterName}-system`) },
      ],
      updateDefaultVersion: true,
      tags: scope.tags,
    },
    opts,
  );

  const nodeGroup = new aws.eks.NodeGroup(
    `${name}-system`,
    {
      clusterName: cluster.name,
      nodeGroupNamePrefix: "system-",
      nodeRoleArn: role.arn,
      subnetIds,
      amiType: SYSTEM_AMI_TYPE,
      capacityType: "ON_DEMAND",
      instanceTypes: sys.instanceTypes,
      version: cluster.version,
      scalingConfig: { minSize: sys.minSize, desiredSize: sys.desiredSize, maxSize: sys.maxSize },
      updateConfig: { maxUnavailable: 1 },
      launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
      labels: { [SYSTEM_NODE_LABEL.key]: SYSTEM_NODE_LABEL.value },
      tags: scope.tags,
    },
    {
      ...opts,
      dependsOn: [...dependsOn, ...attachments],
      // Replacement creates the new group first (a name prefix keeps the names apart).
      deleteBeforeReplace: false,
    },
  );
  return { nodeGroup, launchTemplate, role };
}
