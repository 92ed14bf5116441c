/**
 * EKS node-level rules the cluster resource alone does not show: instance metadata on Karpenter's
 * EC2NodeClasses, and NetworkPolicy enforcement by the VPC CNI add-on.
 */
import * as aws from "../aws-sdk";
import * as k8s from "@pulumi/kubernetes";
import { validateResourceOfType } from "@pulumi/policy";
import { ofType, refersTo } from "../stack";
import {
  classPulumiType,
  resourceRule,
  stackRule,
  type ResourceRule,
  type Rule,
  type StackRule,
} from "../types";
import { dig, isMasked, num, present, rec, str } from "../util";

/** Karpenter v1 EC2NodeClass (a CustomResource); the static type makes `validateResourceOfType` fast-path it. */
export class KarpenterEc2NodeClass extends k8s.apiextensions.CustomResource {
  /** Pulumi type token of `karpenter.k8s.aws/v1` EC2NodeClass custom resources. */
  static readonly __pulumiType = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";
}

/**
 * Karpenter's defaults for omitted `spec.metadataOptions` fields, from the EC2NodeClass CRD of
 * Karpenter v1 (`karpenter.k8s.aws_ec2nodeclasses.yaml`: httpEndpoint enabled, httpProtocolIPv6
 * disabled, httpPutResponseHopLimit 1, httpTokens required).
 */
const NODECLASS_METADATA_DEFAULTS = { httpTokens: "required", httpPutResponseHopLimit: 1 } as const;

/**
 * Karpenter nodes require IMDSv2 with a hop limit of 1. A pod on the pod network is one hop further
 * from IMDS than the node, so with a hop limit of 1 it gets no token and cannot read the node role's
 * credentials; with IMDSv1 (`httpTokens: optional`) any pod, or an SSRF in one, can. Not checked:
 * `httpEndpoint: disabled` (no IMDS at all is stricter still, though the EKS AMIs' bootstrap needs
 * it) and `httpProtocolIPv6` (the IPv6 endpoint is subject to the same token and hop rules; IPv6
 * clusters need it).
 */
export const karpenterNodeClassImdsv2: ResourceRule = resourceRule(
  {
    name: "aws-karpenter-nodeclass-imdsv2",
    area: "aws",
    description:
      "Karpenter EC2NodeClasses require IMDSv2 (metadataOptions.httpTokens required) with a PUT response hop limit of 1, so pods cannot take the node role's credentials; omitted fields take Karpenter's defaults, which comply.",
    severity: "high",
    remediation:
      'Set spec.metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 } (Karpenter\'s defaults) or leave it out; give pods that need AWS credentials IRSA or EKS Pod Identity instead of a higher hop limit.',
    reference:
      "Karpenter EC2NodeClass spec.metadataOptions; Amazon EKS Best Practices, Security: Restrict access to the instance profile assigned to the worker node; AWS Foundational Security EC2.8",
  },
  validateResourceOfType(KarpenterEc2NodeClass, (nodeClass, _args, report) => {
    const options = dig(nodeClass, "spec", "metadataOptions");
    // Absent fields take the CRD defaults; unknown (computed or secret) values are not reported.
    const tokens = str(dig(options, "httpTokens") ?? NODECLASS_METADATA_DEFAULTS.httpTokens);
    const hops =
      dig(options, "httpPutResponseHopLimit") ?? NODECLASS_METADATA_DEFAULTS.httpPutResponseHopLimit;
    if (tokens !== undefined && tokens !== "required")
      report(`spec.metadataOptions.httpTokens is '${tokens}'; IMDSv2 needs "required".`);
    const hopLimit = num(hops);
    if (hopLimit !== undefined && hopLimit > 1)
      report(
        `spec.metadataOptions.httpPutResponseHopLimit is ${hopLimit}; use 1 so pods on the pod network cannot reach IMDS.`,
      );
  }),
);

const EKS_CLUSTER = classPulumiType(aws.eks.Cluster);
const EKS_ADDON = classPulumiType(aws.eks.Addon);
const VPC_CNI = "vpc-cni";

/**
 * Whether the VPC CNI add-on's `configurationValues` (JSON or YAML, as EKS accepts) turn on its
 * network policy agent: `enableNetworkPolicy: "true"`
 * (https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html). Undefined
 * when the values are unknown (computed or secret).
 */
export function vpcCniEnforcesNetworkPolicy(configurationValues: unknown): boolean | undefined {
  if (!present(configurationValues)) return false;
  if (isMasked(configurationValues) || typeof configurationValues !== "string") return undefined;
  try {
    const value = rec(JSON.parse(configurationValues))?.enableNetworkPolicy;
    return value === "true" || value === true;
  } catch {
    // YAML: a top-level `enableNetworkPolicy: "true"` line.
    return /^enableNetworkPolicy:\s*["']?true["']?\s*(#.*)?$/m.test(configurationValues);
  }
}

/**
 * NetworkPolicies are enforced on EKS. The VPC CNI enforces them only with its network policy agent
 * on (`enableNetworkPolicy: "true"`, off by default); without it every NetworkPolicy the components
 * write (default-deny per team namespace, the controllers' policies) is accepted by the API server
 * and silently ignored. So every EKS cluster must manage the VPC CNI as an EKS add-on with that
 * setting, and no vpc-cni add-on may leave it off. A cluster that runs another CNI which enforces
 * NetworkPolicies (Cilium, Calico) is exempted with a recorded reason.
 */
export const eksNetworkPolicyEnforced: StackRule = stackRule(
  {
    name: "aws-eks-network-policy-enforced",
    area: "aws",
    description:
      'EKS clusters enforce Kubernetes NetworkPolicies: each has a vpc-cni add-on whose configurationValues set enableNetworkPolicy "true".',
    severity: "high",
    remediation:
      'Add aws.eks.Addon { addonName: "vpc-cni", configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }) } for the cluster (VPC CNI 1.14 or later); with another CNI that enforces NetworkPolicies, exempt the cluster from this rule and say which.',
    reference:
      "CIS Amazon EKS Benchmark 5.4.4 (Ensure Network Policy is enabled); Amazon EKS User Guide: Limit pod traffic with Kubernetes network policies",
    resourceTypes: [EKS_CLUSTER, EKS_ADDON],
  },
  (args, report) => {
    const cnis = ofType(args.resources, EKS_ADDON).filter((a) => str(rec(a.props)?.addonName) === VPC_CNI);
    for (const addon of cnis) {
      if (vpcCniEnforcesNetworkPolicy(rec(addon.props)?.configurationValues) === false)
        report(
          `VPC CNI add-on '${addon.name}' does not set enableNetworkPolicy "true" in configurationValues: NetworkPolicies are not enforced.`,
          addon.urn,
        );
    }
    for (const cluster of ofType(args.resources, EKS_CLUSTER)) {
      if (cnis.some((a) => refersTo(a, cluster, ["clusterName"], "name"))) continue;
      report(
        `EKS cluster '${cluster.name}' has no vpc-cni add-on (aws.eks.Addon) with enableNetworkPolicy "true": the default VPC CNI does not enforce NetworkPolicies.`,
        cluster.urn,
      );
    }
  },
);

/** EKS node-level rules. */
export const eksNodeRules: Rule[] = [karpenterNodeClassImdsv2, eksNetworkPolicyEnforced];
