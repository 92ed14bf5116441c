/**
 * NetworkPolicy egress rules shared by the AWS adapter's services.
 */
import type * as k8s from "@pulumi/kubernetes";

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
