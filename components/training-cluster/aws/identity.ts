/**
 * Workload identity of the cluster's own controllers (Karpenter, the EBS CSI driver): the trust
 * policy of their IAM roles, through IRSA or EKS Pod Identity, scoped to one ServiceAccount.
 */
import * as aws from "../../shared/aws-sdk";
import * as pulumi from "@pulumi/pulumi";
import { IRSA_AUDIENCE, irsaTrustPolicy, podIdentityTrustPolicy } from "../../adapters/aws";
import { AwsIdentityMode } from "../../adapters";
import type { AwsClusterScope } from "./scope";

/** The cluster's workload identity, as the controllers' roles and the adapters need it. */
export interface ClusterIdentity {
  mode: AwsIdentityMode;
  /** EKS cluster name (Pod Identity session tags carry it). */
  clusterName: pulumi.Output<string>;
  /** The cluster's IAM OIDC provider ("irsa" only). */
  oidcProvider?: aws.iam.OpenIdConnectProvider;
}

/** Creates the IAM OIDC provider of the cluster's issuer when the mode is "irsa". */
export function createClusterIdentity(
  scope: AwsClusterScope,
  mode: AwsIdentityMode,
  cluster: aws.eks.Cluster,
): ClusterIdentity {
  if (mode !== AwsIdentityMode.irsa) return { mode, clusterName: cluster.name };
  const issuer = cluster.identities.apply((ids) => {
    const url = ids[0]?.oidcs[0]?.issuer;
    if (!url) throw new Error(`${scope.name}: the EKS cluster reports no OIDC issuer`);
    return url;
  });
  // No thumbprint: IAM trusts the EKS OIDC issuers' certificate authority itself
  // (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html).
  const oidcProvider = new aws.iam.OpenIdConnectProvider(
    `${scope.name}-oidc`,
    { url: issuer, clientIdLists: [IRSA_AUDIENCE], tags: scope.tags },
    scope.opts,
  );
  return { mode, clusterName: cluster.name, oidcProvider };
}

/** Trust policy of a controller role that exactly `namespace/serviceAccount` may assume. */
export function serviceAccountTrustPolicy(
  identity: ClusterIdentity,
  namespace: string,
  serviceAccount: string,
): pulumi.Output<string> {
  const oidc = identity.oidcProvider;
  if (oidc) {
    return pulumi
      .all([oidc.arn, oidc.url])
      .apply(([arn, url]) => irsaTrustPolicy(arn, url, namespace, serviceAccount));
  }
  return identity.clusterName.apply((cluster) => podIdentityTrustPolicy(cluster, namespace, serviceAccount));
}

/**
 * The trust policy of a role an AWS service assumes on its own behalf: the EKS control plane
 * ("eks.amazonaws.com"), the cluster's nodes ("ec2.amazonaws.com").
 */
export function serviceTrustPolicy(sid: string, service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: sid, Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}

/** The AWS-managed policies every EKS node role needs (https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html). */
export const NODE_MANAGED_POLICIES = [
  "AmazonEKSWorkerNodePolicy",
  // Pull-only (no ecr:BatchImportUpstreamImage), the policy Karpenter's v1.14 guide uses.
  "AmazonEC2ContainerRegistryPullOnly",
  // The VPC CNI's aws-node DaemonSet (host network) uses the node role; pods cannot reach IMDS
  // (hop limit 1), so they cannot borrow it.
  "AmazonEKS_CNI_Policy",
] as const;

/** A node role and its policy attachments (nodes can join only once they exist). */
export interface NodeRole {
  role: aws.iam.Role;
  attachments: aws.iam.RolePolicyAttachment[];
}

/** Creates a node role (EC2 trust) with `NODE_MANAGED_POLICIES` attached. */
export function createNodeRole(scope: AwsClusterScope, role: string, description: string): NodeRole {
  const { name, opts } = scope;
  const nodeRole = new aws.iam.Role(
    `${name}-${role}-role`,
    {
      description: `pulumi-mlops ${scope.clusterName}: ${description}`,
      assumeRolePolicy: serviceTrustPolicy("Ec2Nodes", "ec2.amazonaws.com"),
      tags: scope.tags,
    },
    opts,
  );
  const attachments = NODE_MANAGED_POLICIES.map(
    (policy) =>
      new aws.iam.RolePolicyAttachment(
        `${name}-${role}-${policy}`,
        {
          role: nodeRole.name,
          policyArn: pulumi.interpolate`arn:${scope.partition}:iam::aws:policy/${policy}`,
        },
        opts,
      ),
  );
  return { role: nodeRole, attachments };
}
