/**
 * The EKS control plane: its IAM role, the KMS key that envelope-encrypts Secrets, the control-plane
 * log group, the cluster itself (private endpoint by default, API access entries only), admin
 * access entries, the managed add-ons, and the kubeconfig / Kubernetes provider.
 */
import * as aws from "../../shared/aws-sdk";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AwsIdentityMode, createCloudAdapter, KeyPurpose, Target, type EncryptionKey } from "../../adapters";
import type { ResolvedAwsClusterArgs } from "./args";
import { serviceAccountTrustPolicy, serviceTrustPolicy, type ClusterIdentity } from "./identity";
import type { AwsClusterNetwork } from "./network";
import type { AwsClusterScope } from "./scope";

/** Every EKS control-plane log type (https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html). */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/** The EKS access policy that grants cluster-admin (https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html). */
export const CLUSTER_ADMIN_ACCESS_POLICY = "AmazonEKSClusterAdminPolicy";

/** KMS actions the cluster role needs on the Secrets key (as in the terraform-aws-eks module's cluster encryption policy). */
export const CLUSTER_KMS_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"];

/** Namespace and ServiceAccount of the EBS CSI controller (the add-on's fixed names). */
export const EBS_CSI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "ebs-csi-controller-sa" } as const;

/**
 * Add-on versions are left to EKS: without `addonVersion` EKS installs the default version for the
 * cluster's Kubernetes version and keeps it until it is changed here. Pinning exact versions
 * (e.g. "v1.20.4-eksbuild.1") would need `aws eks describe-addon-versions` for the chosen
 * Kubernetes version, which this toolkit cannot verify offline.
 */
export const ADDON_VERSION_POLICY = "EKS default for the cluster version";

/**
 * The log group EKS writes control-plane logs to: the name is fixed by EKS
 * (https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html), so it is unique
 * because the cluster name is.
 */
export function controlPlaneLogGroupName(clusterName: string): string {
  return `/aws/eks/${clusterName}/cluster`;
}

/** The cluster role's inline policy: use of exactly the Secrets key. */
export function clusterKmsPolicy(keyArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "SecretsEnvelopeEncryption", Effect: "Allow", Action: CLUSTER_KMS_ACTIONS, Resource: keyArn },
    ],
  });
}

/**
 * A kubeconfig that authenticates with `aws eks get-token` (AWS CLI v2 on the machine that runs
 * Pulumi or kubectl); it holds no credentials itself.
 */
export function kubeconfigFor(clusterName: string, endpoint: string, caData: string, region: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": caData } }],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    "current-context": clusterName,
    preferences: {},
    users: [
      {
        name: clusterName,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"],
            interactiveMode: "Never",
          },
        },
      },
    ],
  });
}

/** The control plane and what hangs off it. */
export interface EksControlPlane {
  cluster: aws.eks.Cluster;
  /** The key that envelope-encrypts Secrets (`keyId` is its ARN). */
  secretsKey: EncryptionKey;
  /** The security group EKS creates for the control plane and managed nodes. */
  clusterSecurityGroupId: pulumi.Output<string>;
  /**
   * The additional security group of the control plane (`vpcConfig.securityGroupIds`): EKS puts
   * it on the API endpoint's ENIs only, so the `endpointPrivateAccessCidrs` rules live here.
   */
  controlPlaneSecurityGroup: aws.ec2.SecurityGroup;
}

/** Creates the KMS key, log group, cluster role, cluster and admin access entries. */
export function createControlPlane(
  scope: AwsClusterScope,
  args: ResolvedAwsClusterArgs,
  network: AwsClusterNetwork,
): EksControlPlane {
  const { name, opts, clusterName } = scope;

  // Secrets envelope encryption, from the seam's one KMS key builder (`${name}-secrets-key`, alias
  // `alias/<cluster name>-eks-secrets`). The default key policy (account root) delegates use to IAM;
  // the cluster role gets exactly this key below. Stateful: destroying it makes every Secret
  // unreadable, so it is protected with the cluster.
  const keys = createCloudAdapter(
    Target.aws,
    { parent: scope.parent, name, tags: scope.tags, protect: scope.protect, physicalNameBase: clusterName },
    {},
  );
  const secretsKey = keys.encryptionKey("secrets", { purpose: KeyPurpose.kubernetesSecrets });
  if (secretsKey === undefined) throw new Error(`${name}: the aws adapter returned no KMS key`);

  // EKS writes control-plane logs to this group; creating it first sets a retention (EKS would
  // create it with logs kept forever).
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-control-plane-logs`,
    {
      name: controlPlaneLogGroupName(clusterName),
      retentionInDays: args.logRetentionDays,
      tags: scope.tags,
    },
    opts,
  );

  const clusterRole = new aws.iam.Role(
    `${name}-cluster-role`,
    {
      description: `pulumi-mlops ${clusterName}: EKS control plane`,
      assumeRolePolicy: serviceTrustPolicy("EksControlPlane", "eks.amazonaws.com"),
      tags: scope.tags,
    },
    opts,
  );
  const clusterPolicy = new aws.iam.RolePolicyAttachment(
    `${name}-cluster-role-AmazonEKSClusterPolicy`,
    {
      role: clusterRole.name,
      policyArn: pulumi.interpolate`arn:${scope.partition}:iam::aws:policy/AmazonEKSClusterPolicy`,
    },
    opts,
  );
  const clusterKms = new aws.iam.RolePolicy(
    `${name}-cluster-role-kms`,
    { role: clusterRole.name, policy: secretsKey.keyId.apply(clusterKmsPolicy) },
    opts,
  );

  // The cluster security group EKS creates is attached to the control-plane ENIs *and* to every
  // managed and Karpenter node (so to every pod ENI): a 443 rule there would open the nodes too.
  // Additional security groups in `vpcConfig.securityGroupIds` go on the control-plane ENIs only
  // (https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html), so the API access
  // rules live on this one. Always created, so adding CIDRs later never touches the cluster. No
  // inline rules (they would fight the SecurityGroupIngressRule resources below) and no egress:
  // the provider removes AWS's default allow-all egress rule on create, and the cluster security
  // group already allows the control plane's egress.
  const controlPlaneSecurityGroup = new aws.ec2.SecurityGroup(
    `${name}-control-plane-sg`,
    {
      vpcId: network.vpcId,
      description: `pulumi-mlops ${clusterName}: EKS API endpoint ENIs (private API access)`,
      tags: { ...scope.tags, Name: `${clusterName}-control-plane` },
    },
    opts,
  );

  const publicCidrs = args.endpointPublicAccessCidrs;
  const cluster = new aws.eks.Cluster(
    `${name}-eks`,
    {
      name: clusterName,
      version: args.kubernetesVersion,
      roleArn: clusterRole.arn,
      vpcConfig: {
        subnetIds: network.privateSubnetIds,
        securityGroupIds: [controlPlaneSecurityGroup.id],
        endpointPrivateAccess: true,
        endpointPublicAccess: publicCidrs.length > 0,
        ...(publicCidrs.length > 0 ? { publicAccessCidrs: publicCidrs } : {}),
      },
      // Access entries only (no aws-auth ConfigMap). The identity that creates the cluster gets
      // an admin access entry from EKS itself (bootstrapClusterCreatorAdminPermissions): the same
      // `pulumi up` installs Karpenter and the in-cluster parts through the Kubernetes API, before
      // any access entry this program could create would exist. Settled (issue 7): EKS keeps one
      // access entry per principal, so `adminRoleArns` must not repeat that creator role, or
      // CreateAccessEntry fails with ResourceInUseException ("The specified access entry resource
      // is already in use on this cluster"; https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html,
      // https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessEntry.html; the same
      // report: pulumi/pulumi-eks#2373, terraform-aws-modules/terraform-aws-eks#2969). The
      // creator is not known before deployment (nor stable: it is whoever ran the first `up`), so
      // it is documented on `adminRoleArns` rather than filtered; duplicates within the list are
      // rejected. Turning the bootstrap off instead would need an explicit entry for the deployer
      // and every Kubernetes resource to wait for it, and a second `up` by another admin would
      // then revoke the first deployer's access.
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: secretsKey.keyId } },
      enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
      // The add-ons below are EKS-managed (versioned, updatable); skip the unmanaged copies.
      bootstrapSelfManagedAddons: false,
      upgradePolicy: { supportType: args.supportType },
      deletionProtection: args.deletionProtection,
      tags: scope.tags,
    },
    { ...opts, protect: scope.protect, dependsOn: [logGroup, clusterPolicy, clusterKms] },
  );

  const adminPolicyArn = pulumi.interpolate`arn:${scope.partition}:eks::aws:cluster-access-policy/${CLUSTER_ADMIN_ACCESS_POLICY}`;
  args.adminRoleArns.forEach((principalArn, i) => {
    const entry = new aws.eks.AccessEntry(
      `${name}-admin-${i}`,
      { clusterName: cluster.name, principalArn, type: "STANDARD", tags: scope.tags },
      opts,
    );
    new aws.eks.AccessPolicyAssociation(
      `${name}-admin-${i}-policy`,
      {
        clusterName: cluster.name,
        principalArn,
        policyArn: adminPolicyArn,
        accessScope: { type: "cluster" },
      },
      { ...opts, dependsOn: [entry] },
    );
  });

  const clusterSecurityGroupId = cluster.vpcConfig.apply((v) => v.clusterSecurityGroupId);
  // Open 443 on the private endpoint to the listed deploy/admin networks, on the control-plane
  // security group only (never on the cluster security group, which every node carries).
  args.endpointPrivateAccessCidrs.forEach((cidr, i) => {
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-api-access-${i}`,
      {
        securityGroupId: controlPlaneSecurityGroup.id,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: cidr,
        description: "Kubernetes API (private endpoint) from a deploy/admin network",
        tags: scope.tags,
      },
      opts,
    );
  });
  return { cluster, secretsKey, clusterSecurityGroupId, controlPlaneSecurityGroup };
}

function addon(
  scope: AwsClusterScope,
  cluster: aws.eks.Cluster,
  addonName: string,
  extra: Partial<aws.eks.AddonArgs>,
  dependsOn: pulumi.Resource[] = [],
): aws.eks.Addon {
  return new aws.eks.Addon(
    `${scope.name}-${addonName}`,
    {
      clusterName: cluster.name,
      addonName,
      // Take over objects of the same name on create; keep manual changes on update.
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "PRESERVE",
      tags: scope.tags,
      ...extra,
    },
    { ...scope.opts, dependsOn },
  );
}

/**
 * Add-ons the nodes need to join and run pods: the VPC CNI (with NetworkPolicy enforcement on, so
 * the default-deny policies of the team namespaces are enforced), kube-proxy, and the Pod Identity
 * agent ("podIdentity" mode). They are DaemonSets, so they become ACTIVE before any node exists.
 */
export function createNodeAddons(
  scope: AwsClusterScope,
  cluster: aws.eks.Cluster,
  mode: AwsIdentityMode,
): aws.eks.Addon[] {
  const addons = [
    addon(scope, cluster, "vpc-cni", {
      // https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html
      configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
    }),
    addon(scope, cluster, "kube-proxy", {}),
  ];
  if (mode === AwsIdentityMode.podIdentity) addons.push(addon(scope, cluster, "eks-pod-identity-agent", {}));
  return addons;
}

/**
 * Add-ons that run Deployments and so need nodes: CoreDNS, and the EBS CSI driver with its own
 * role (AmazonEBSCSIDriverPolicy) through the cluster's identity mode. The role's ARN goes into
 * the cluster's `aws` details: the key policy of an encrypted StorageClass admits that role only.
 */
export function createWorkloadAddons(
  scope: AwsClusterScope,
  cluster: aws.eks.Cluster,
  identity: ClusterIdentity,
  nodes: pulumi.Resource[],
): { addons: aws.eks.Addon[]; ebsCsiRoleArn: pulumi.Output<string> } {
  const { name, opts } = scope;
  const coredns = addon(scope, cluster, "coredns", {}, nodes);

  const ebsRole = new aws.iam.Role(
    `${name}-ebs-csi-role`,
    {
      description: `pulumi-mlops ${scope.clusterName}: EBS CSI controller (${identity.mode})`,
      assumeRolePolicy: serviceAccountTrustPolicy(
        identity,
        EBS_CSI_SERVICE_ACCOUNT.namespace,
        EBS_CSI_SERVICE_ACCOUNT.name,
      ),
      tags: scope.tags,
    },
    opts,
  );
  const ebsPolicy = new aws.iam.RolePolicyAttachment(
    `${name}-ebs-csi-role-AmazonEBSCSIDriverPolicy`,
    {
      role: ebsRole.name,
      policyArn: pulumi.interpolate`arn:${scope.partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy`,
    },
    opts,
  );
  const ebs = addon(
    scope,
    cluster,
    "aws-ebs-csi-driver",
    identity.mode === AwsIdentityMode.irsa
      ? { serviceAccountRoleArn: ebsRole.arn }
      : { podIdentityAssociations: [{ roleArn: ebsRole.arn, serviceAccount: EBS_CSI_SERVICE_ACCOUNT.name }] },
    [...nodes, ebsPolicy],
  );
  return { addons: [coredns, ebs], ebsCsiRoleArn: ebsRole.arn };
}

/** The kubeconfig (secret) and a Kubernetes provider for the cluster. */
export function createKubernetesAccess(
  scope: AwsClusterScope,
  cluster: aws.eks.Cluster,
): { kubeconfig: pulumi.Output<string>; provider: k8s.Provider } {
  const kubeconfig = pulumi.secret(
    pulumi
      .all([cluster.name, cluster.endpoint, cluster.certificateAuthority, scope.region])
      .apply(([clusterName, endpoint, ca, region]) => kubeconfigFor(clusterName, endpoint, ca.data, region)),
  );
  const provider = new k8s.Provider(
    `${scope.name}-k8s`,
    { kubeconfig, enableServerSideApply: true },
    { parent: scope.parent },
  );
  return { kubeconfig, provider };
}

/** Tags the cluster security group so Karpenter's EC2NodeClass finds it by discovery tag. */
export function tagClusterSecurityGroup(
  scope: AwsClusterScope,
  securityGroupId: pulumi.Output<string>,
  key: string,
): aws.ec2.Tag {
  return new aws.ec2.Tag(
    `${scope.name}-cluster-sg-discovery-tag`,
    { resourceId: securityGroupId, key, value: scope.clusterName },
    scope.opts,
  );
}
