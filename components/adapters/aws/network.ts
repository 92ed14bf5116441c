/**
 * Network pieces shared by the AWS adapter's services: NetworkPolicy egress rules and the
 * node-only security group of private data services.
 */
import * as aws from "../../shared/aws-sdk";
import type * as k8s from "@pulumi/kubernetes";
import type { CloudContext, AwsTargetArgs } from "../types";

type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/**
 * The EC2 instance metadata service (IMDS). Pods must not reach it: it would hand them the node
 * role's credentials (https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html,
 * "Restrict access to the instance profile assigned to the worker node").
 */
export const EC2_METADATA_CIDR = "169.254.169.254/32";

/**
 * The EKS Pod Identity agent's link-local address (IPv4), which serves pod credentials on port 80
 * (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html). On IPv6 clusters the
 * agent listens on `[fd00:ec2::23]`; this toolkit targets IPv4 clusters.
 */
export const EKS_POD_IDENTITY_AGENT_CIDR = "169.254.170.23/32";

/**
 * TCP 443 to any IPv4 address except the instance metadata service: S3 and STS public endpoints
 * have no fixed IP ranges a NetworkPolicy could list.
 */
export function httpsEgressRule(): EgressRule {
  return {
    to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [EC2_METADATA_CIDR] } }],
    ports: [{ protocol: "TCP", port: 443 }],
  };
}

/** TCP 80 to the EKS Pod Identity agent only. */
export function podIdentityAgentEgressRule(): EgressRule {
  return {
    to: [{ ipBlock: { cidr: EKS_POD_IDENTITY_AGENT_CIDR } }],
    ports: [{ protocol: "TCP", port: 80 }],
  };
}

/** The private service a `nodeOnlySecurityGroup` is for: `[kind, service name in descriptions, port]`. */
export type NodeOnlyService = readonly [kind: string, service: string, port: number];

/**
 * A security group `<owner>-<kind>-sg` for a private data service in the cluster's VPC that admits
 * TCP `port` only from the cluster's node security group (rule `<owner>-<kind>-ingress`). No inline rules: ingress is a separate rule resource.
 * No egress rules: security groups are stateful (replies are allowed) and the provider removes
 * the default allow-all egress rule of a new group (provider docs for aws.ec2.SecurityGroup
 * `egress`).
 */
export function nodeOnlySecurityGroup(
  ctx: CloudContext,
  target: AwsTargetArgs,
  owner: string,
  [kind, service, port]: NodeOnlyService,
): aws.ec2.SecurityGroup {
  const opts = { parent: ctx.parent };
  const prefix = `${owner}-${kind}`;
  const securityGroup = new aws.ec2.SecurityGroup(
    `${prefix}-sg`,
    {
      description: `pulumi-mlops ${owner} ${service}: ingress ${port} from cluster nodes only`,
      vpcId: target.vpcId,
      tags: ctx.tags,
    },
    opts,
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${prefix}-ingress`,
    {
      securityGroupId: securityGroup.id,
      description: `${service} from the cluster node security group`,
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: target.nodeSecurityGroupId,
      tags: ctx.tags,
    },
    opts,
  );
  return securityGroup;
}

/** NetworkPolicy egress to TCP `port` anywhere in the cluster's VPC (managed data services). */
export function vpcEgressRule(target: AwsTargetArgs, port: number): EgressRule {
  return { to: [{ ipBlock: { cidr: target.vpcCidrBlock } }], ports: [{ protocol: "TCP", port }] };
}
