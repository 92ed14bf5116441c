/**
 * The AWS Load Balancer Controller: turns Ingresses of class `alb` into Application Load Balancers
 * (and `type: LoadBalancer` Services into NLBs). It replaces ingress-nginx, which was retired in
 * March 2026 (no security fixes after that). Installed in its own namespace with Pod Security
 * "restricted", a NetworkPolicy, its own IAM role (Pod Identity or IRSA, like Karpenter), and
 * `clusterName`, `region` and `vpcId` set explicitly: pods cannot reach IMDS (hop limit 1).
 *
 * Sources, all at the pinned release:
 * - chart: aws/eks-charts stable/aws-load-balancer-controller, chart 3.5.0 / appVersion v3.5.0
 *   (commit "aws-load-balancer-controller: v3.5.0 (#1354)", 2026-08-03), values.yaml and
 *   templates/{deployment,webhook,ingressclass}.yaml;
 * - IAM: kubernetes-sigs/aws-load-balancer-controller tag v3.5.0, docs/install/iam_policy.json,
 *   narrowed as described at `loadBalancerControllerPolicy`.
 */
import * as aws from "../../shared/aws-sdk";
import * as k8s from "@pulumi/kubernetes";
import { MonitorKind } from "../../shared/monitors";
import type { WorkloadScrapeTarget } from "../../shared/scrape-target";
import * as pulumi from "@pulumi/pulumi";
import { IRSA_ROLE_ANNOTATION } from "../../adapters/aws";
import { httpsEgressRule, podIdentityAgentEgressRule } from "../../adapters/aws";
import { AwsIdentityMode } from "../../adapters";
import {
  dnsEgressRule,
  governanceLabels,
  resources,
  restrictedContainerSecurityContext,
  restrictedNamespaceLabels,
  standardLabels,
} from "../../shared/k8s";
import { MlopsComponent } from "../../shared/component";
import { COMPONENT_LABEL } from "../in-cluster/common";
import { serviceAccountTrustPolicy, type ClusterIdentity } from "./identity";
import type { PolicyDocument } from "./karpenter";
import { SYSTEM_NODE_LABEL } from "./nodegroup";
import { subScope, type AwsClusterScope } from "./scope";
// The IngressClass the chart creates (`ingressClass` / `createIngressClassResource`) is the one
// the AWS adapter serves Ingresses with: one constant for both.
import { ALB_INGRESS_CLASS } from "../../adapters/aws";

/** Helm repository of the chart (https://aws.github.io/eks-charts, the repo of aws/eks-charts). */
export const LOAD_BALANCER_CONTROLLER_REPO = "https://aws.github.io/eks-charts";
/** Chart name in that repository. */
export const LOAD_BALANCER_CONTROLLER_CHART = "aws-load-balancer-controller";
/** Chart version 3.5.0 (appVersion v3.5.0), the newest release of aws/eks-charts at the time of writing. */
export const LOAD_BALANCER_CONTROLLER_CHART_VERSION = "3.5.0";
/**
 * The controller image, pinned here rather than left to the chart (the chart's values.yaml default
 * for 3.5.0 is the same repository and tag).
 */
export const LOAD_BALANCER_CONTROLLER_IMAGE = {
  repository: "public.ecr.aws/eks/aws-load-balancer-controller",
  tag: "v3.5.0",
} as const;

/** Namespace of the controller (its own, so it can enforce "restricted" and carry a NetworkPolicy). */
export const LOAD_BALANCER_CONTROLLER_NAMESPACE = "aws-load-balancer-controller";
/** ServiceAccount (and Helm release) name; the IAM role trusts exactly this ServiceAccount. */
export const LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller";
/** Port of the controller's admission webhooks (the chart's `webhookBindPort` default). */
export const LOAD_BALANCER_CONTROLLER_WEBHOOK_PORT = 9443;
/** Port of the controller's Prometheus metrics (the chart's `metricsBindAddr` default ":8080"). */
export const LOAD_BALANCER_CONTROLLER_METRICS_PORT = 8080;
/**
 * The controller's metrics: a PodMonitor on the container port "metrics-server" (8080), selected
 * by the chart's selector labels (aws/eks-charts stable/aws-load-balancer-controller
 * templates/deployment.yaml: the pod template's `aws-load-balancer-controller.selectorLabels`,
 * `app.kubernetes.io/name` and `app.kubernetes.io/instance`; the chart has no metrics Service).
 * The namespace's NetworkPolicy admits the port from inside the cluster.
 */
export function loadBalancerControllerScrapeTarget(): WorkloadScrapeTarget {
  return {
    kind: MonitorKind.podMonitor,
    name: "aws-load-balancer-controller",
    namespace: LOAD_BALANCER_CONTROLLER_NAMESPACE,
    selector: {
      "app.kubernetes.io/name": LOAD_BALANCER_CONTROLLER_CHART,
      "app.kubernetes.io/instance": LOAD_BALANCER_CONTROLLER_CHART,
    },
    endpoints: [{ port: "metrics-server" }],
  };
}

/**
 * The UID/GID the controller runs as: 65532, the "nonroot" user of the distroless base image the
 * controller is built on (Makefile BASE_IMAGE eks-distro-minimal-base-nonroot). Set explicitly so
 * `runAsNonRoot` never depends on the image's USER line.
 */
export const LOAD_BALANCER_CONTROLLER_UID = 65532;

/**
 * Requests and limits. The chart sets none and suggests 100m / 128Mi in its values.yaml comment;
 * memory is raised to 256Mi (requested = limit, so the scheduler reserves what may be used)
 * because the controller caches every Pod, Service and EndpointSlice of the cluster.
 */
export const LOAD_BALANCER_CONTROLLER_RESOURCES = {
  cpuRequest: "100m",
  memoryRequest: "256Mi",
  cpuLimit: "500m",
  memoryLimit: "256Mi",
};

/** What the controller's IAM policy is scoped to. */
export interface LoadBalancerControllerPolicyScope {
  partition: string;
  region: string;
  accountId: string;
  /** The cluster's VPC: the only VPC the controller creates or edits security groups in. */
  vpcId: string;
  /** The cluster name: the value of the `elbv2.k8s.aws/cluster` tag the controller puts on what it creates. */
  clusterName: string;
}

/** The tag the controller puts on every AWS resource it creates (value: the cluster name). */
export const LOAD_BALANCER_CONTROLLER_CLUSTER_TAG = "elbv2.k8s.aws/cluster";

/**
 * The controller's IAM policy: upstream's docs/install/iam_policy.json (v3.5.0), narrowed to this
 * cluster. An experienced operator would not ship upstream's `Resource: "*"` grants on an account
 * that hosts more than one cluster (aws-dev and aws-prod may share one), so:
 * - every ARN is in this partition, region and account; security groups are created and edited
 *   only in the cluster's VPC (`ec2:Vpc`);
 * - the tag conditions require `elbv2.k8s.aws/cluster` to equal this cluster's name (upstream only
 *   requires the tag to be present), so one cluster's controller cannot delete or modify another
 *   cluster's load balancers, target groups or security groups;
 * - actions the v3.5.0 source never calls are left out (Cognito, IAM server certificates, Outposts
 *   customer-owned IP pools, ec2:GetSecurityGroupsForVpc), and so are AWS WAF Classic
 *   (`waf-regional:*`, end of support 2025-09-30) and Shield Advanced, which the chart values below
 *   switch off (`enableWaf`, `enableShield`). WAFv2 stays: attach a web ACL to an ALB with the
 *   `alb.ingress.kubernetes.io/wafv2-acl-arn` annotation;
 * - `iam:CreateServiceLinkedRole` names the ELB service-linked role, not "*".
 * `Resource: "*"` remains only for Describe/List actions (no resource-level permissions), limited
 * to this region. One read action is added: `wafv2:ListWebACLs`, which v3.5.0 calls to resolve the
 * `alb.ingress.kubernetes.io/wafv2-acl-name` annotation (pkg/ingress/model_builder.go) but
 * upstream's file omits.
 */
export function loadBalancerControllerPolicy(s: LoadBalancerControllerPolicyScope): PolicyDocument {
  const elb = (kind: string) => `arn:${s.partition}:elasticloadbalancing:${s.region}:${s.accountId}:${kind}`;
  const loadBalancers = [elb("loadbalancer/app/*/*"), elb("loadbalancer/net/*/*")];
  const targetGroups = elb("targetgroup/*/*");
  const listeners = [elb("listener/app/*/*/*"), elb("listener/net/*/*/*")];
  const listenerRules = [elb("listener-rule/app/*/*/*"), elb("listener-rule/net/*/*/*")];
  const securityGroups = `arn:${s.partition}:ec2:${s.region}:${s.accountId}:security-group/*`;
  const vpc = `arn:${s.partition}:ec2:${s.region}:${s.accountId}:vpc/${s.vpcId}`;
  const inVpc = { "ec2:Vpc": vpc };
  const requestTagged = { [`aws:RequestTag/${LOAD_BALANCER_CONTROLLER_CLUSTER_TAG}`]: s.clusterName };
  const resourceTagged = { [`aws:ResourceTag/${LOAD_BALANCER_CONTROLLER_CLUSTER_TAG}`]: s.clusterName };
  const leavesClusterTag = { Null: { [`aws:RequestTag/${LOAD_BALANCER_CONTROLLER_CLUSTER_TAG}`]: "true" } };
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CreateElbServiceLinkedRole",
        Effect: "Allow",
        Action: "iam:CreateServiceLinkedRole",
        Resource: `arn:${s.partition}:iam::${s.accountId}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`,
        Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
      },
      {
        Sid: "RegionalReadActions",
        Effect: "Allow",
        Action: [
          "ec2:DescribeAccountAttributes",
          "ec2:DescribeAddresses",
          "ec2:DescribeAvailabilityZones",
          "ec2:DescribeInternetGateways",
          "ec2:DescribeVpcs",
          "ec2:DescribeVpcPeeringConnections",
          "ec2:DescribeSubnets",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeInstances",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeTags",
          "ec2:DescribeIpamPools",
          "ec2:DescribeRouteTables",
          "elasticloadbalancing:DescribeLoadBalancers",
          "elasticloadbalancing:DescribeLoadBalancerAttributes",
          "elasticloadbalancing:DescribeListeners",
          "elasticloadbalancing:DescribeListenerCertificates",
          "elasticloadbalancing:DescribeSSLPolicies",
          "elasticloadbalancing:DescribeRules",
          "elasticloadbalancing:DescribeTargetGroups",
          "elasticloadbalancing:DescribeTargetGroupAttributes",
          "elasticloadbalancing:DescribeTargetHealth",
          "elasticloadbalancing:DescribeTags",
          "elasticloadbalancing:DescribeTrustStores",
          "elasticloadbalancing:DescribeListenerAttributes",
          "elasticloadbalancing:DescribeCapacityReservation",
          "acm:ListCertificates",
          "wafv2:ListWebACLs",
        ],
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": s.region } },
      },
      {
        Sid: "ReadCertificates",
        Effect: "Allow",
        Action: "acm:DescribeCertificate",
        Resource: `arn:${s.partition}:acm:${s.region}:${s.accountId}:certificate/*`,
      },
      {
        Sid: "Wafv2WebAclAssociation",
        Effect: "Allow",
        Action: [
          "wafv2:GetWebACL",
          "wafv2:GetWebACLForResource",
          "wafv2:AssociateWebACL",
          "wafv2:DisassociateWebACL",
        ],
        Resource: [
          `arn:${s.partition}:wafv2:${s.region}:${s.accountId}:regional/webacl/*/*`,
          elb("loadbalancer/app/*/*"),
        ],
      },
      {
        Sid: "CreateSecurityGroupsInClusterVpc",
        Effect: "Allow",
        Action: "ec2:CreateSecurityGroup",
        Resource: [vpc, securityGroups],
      },
      {
        Sid: "TagSecurityGroupsOnCreate",
        Effect: "Allow",
        Action: "ec2:CreateTags",
        Resource: securityGroups,
        Condition: {
          StringEquals: { "ec2:CreateAction": "CreateSecurityGroup", ...requestTagged },
        },
      },
      {
        Sid: "TagOwnSecurityGroups",
        Effect: "Allow",
        Action: ["ec2:CreateTags", "ec2:DeleteTags"],
        Resource: securityGroups,
        Condition: { StringEquals: resourceTagged, ...leavesClusterTag },
      },
      {
        // Also the node security group (not tagged by the controller): ALB-to-pod rules.
        Sid: "EditSecurityGroupRulesInClusterVpc",
        Effect: "Allow",
        Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
        Resource: securityGroups,
        Condition: { ArnEquals: inVpc },
      },
      {
        Sid: "DeleteOwnSecurityGroups",
        Effect: "Allow",
        Action: "ec2:DeleteSecurityGroup",
        Resource: securityGroups,
        Condition: { StringEquals: resourceTagged },
      },
      {
        Sid: "CreateTaggedLoadBalancers",
        Effect: "Allow",
        Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
        Resource: [...loadBalancers, targetGroups],
        Condition: { StringEquals: requestTagged },
      },
      {
        Sid: "ManageListenersAndRules",
        Effect: "Allow",
        Action: [
          "elasticloadbalancing:CreateListener",
          "elasticloadbalancing:DeleteListener",
          "elasticloadbalancing:CreateRule",
          "elasticloadbalancing:DeleteRule",
        ],
        Resource: [...loadBalancers, ...listeners, ...listenerRules],
      },
      {
        Sid: "TagOwnLoadBalancers",
        Effect: "Allow",
        Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
        Resource: [...loadBalancers, targetGroups],
        Condition: { StringEquals: resourceTagged, ...leavesClusterTag },
      },
      {
        Sid: "TagListenersAndRules",
        Effect: "Allow",
        Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
        Resource: [...listeners, ...listenerRules],
      },
      {
        Sid: "ModifyOwnLoadBalancers",
        Effect: "Allow",
        Action: [
          "elasticloadbalancing:ModifyLoadBalancerAttributes",
          "elasticloadbalancing:SetIpAddressType",
          "elasticloadbalancing:SetSecurityGroups",
          "elasticloadbalancing:SetSubnets",
          "elasticloadbalancing:DeleteLoadBalancer",
          "elasticloadbalancing:ModifyTargetGroup",
          "elasticloadbalancing:ModifyTargetGroupAttributes",
          "elasticloadbalancing:DeleteTargetGroup",
          "elasticloadbalancing:ModifyListenerAttributes",
          "elasticloadbalancing:ModifyCapacityReservation",
          "elasticloadbalancing:ModifyIpPools",
        ],
        Resource: [...loadBalancers, targetGroups, ...listeners],
        Condition: { StringEquals: resourceTagged },
      },
      {
        Sid: "TagLoadBalancersOnCreate",
        Effect: "Allow",
        Action: "elasticloadbalancing:AddTags",
        Resource: [...loadBalancers, targetGroups],
        Condition: {
          StringEquals: {
            "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"],
            ...requestTagged,
          },
        },
      },
      {
        Sid: "RegisterTargets",
        Effect: "Allow",
        Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
        Resource: targetGroups,
      },
      {
        Sid: "ManageListenerSettings",
        Effect: "Allow",
        Action: [
          // Needed next to wafv2:AssociateWebACL for an ALB.
          "elasticloadbalancing:SetWebAcl",
          "elasticloadbalancing:ModifyListener",
          "elasticloadbalancing:AddListenerCertificates",
          "elasticloadbalancing:RemoveListenerCertificates",
          "elasticloadbalancing:ModifyRule",
          "elasticloadbalancing:SetRulePriorities",
        ],
        Resource: [...loadBalancers, ...listeners, ...listenerRules],
      },
    ],
  };
}

/** What the chart values depend on. */
export interface LoadBalancerControllerValuesScope {
  clusterName: string;
  region: string;
  vpcId: string;
  /** Tags for every load balancer, target group and security group the controller creates. */
  tags: Record<string, string>;
  /** The controller role for IRSA; undefined with Pod Identity (the association binds it). */
  irsaRoleArn?: string;
}

/** Values of the aws-load-balancer-controller chart (keys as in its values.yaml). */
export function loadBalancerControllerValues(v: LoadBalancerControllerValuesScope): Record<string, unknown> {
  return {
    // Explicit, so the controller never asks IMDS (pods cannot reach it: hop limit 1).
    clusterName: v.clusterName,
    region: v.region,
    vpcId: v.vpcId,
    image: { ...LOAD_BALANCER_CONTROLLER_IMAGE, pullPolicy: "IfNotPresent" },
    replicaCount: 2,
    // Two replicas on different nodes (the chart's default anti-affinity) stay up through a drain.
    podDisruptionBudget: { maxUnavailable: 1 },
    serviceAccount: {
      create: true,
      name: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
      annotations: v.irsaRoleArn ? { [IRSA_ROLE_ANNOTATION]: v.irsaRoleArn } : {},
    },
    // Pod Security "restricted" (the chart's defaults lack seccomp and the capability drop).
    podSecurityContext: {
      runAsNonRoot: true,
      runAsUser: LOAD_BALANCER_CONTROLLER_UID,
      runAsGroup: LOAD_BALANCER_CONTROLLER_UID,
      fsGroup: LOAD_BALANCER_CONTROLLER_UID,
      seccompProfile: { type: "RuntimeDefault" },
    },
    securityContext: restrictedContainerSecurityContext(),
    resources: resources(LOAD_BALANCER_CONTROLLER_RESOURCES),
    // On the system node group, next to Karpenter (never on a GPU node).
    nodeSelector: { "kubernetes.io/os": "linux", [SYSTEM_NODE_LABEL.key]: SYSTEM_NODE_LABEL.value },
    tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }],
    // The IngressClass "alb" (no IngressClassParams: nothing to enforce for every Ingress).
    ingressClass: ALB_INGRESS_CLASS,
    createIngressClassResource: true,
    ingressClassParams: { create: false },
    ingressClassConfig: { default: false },
    // Secure by default: an Ingress or Service without a scheme annotation gets an internal load
    // balancer; "ip" targets send traffic straight to pod IPs (the VPC CNI gives pods VPC
    // addresses), so ClusterIP Services work and NetworkPolicies see the load balancer's address.
    defaultLoadBalancerScheme: "internal",
    defaultTargetType: "ip",
    // The chart's default, kept: new `type: LoadBalancer` Services get this controller's internal
    // NLB instead of the legacy cloud provider's internet-facing Classic LB. Its failurePolicy is
    // Fail (on Service CREATE only), hence two replicas, a PDB and the install ordering in index.ts.
    enableServiceMutatorWebhook: true,
    // WAF Classic reached end of support on 2025-09-30 and Shield Advanced is a paid subscription
    // this toolkit does not set up; WAFv2 stays available (see loadBalancerControllerPolicy).
    enableWaf: false,
    enableWafv2: true,
    enableShield: false,
    defaultTags: v.tags,
    // Reuse the webhook certificate on upgrades instead of re-issuing it on every `helm upgrade`.
    keepTLSSecret: true,
    clusterSecretsPermissions: { allowAllSecrets: false },
    logLevel: "info",
  };
}

/** Pulumi type token of the load balancer controller sub-component. */
export const AWS_LOAD_BALANCER_CONTROLLER_TYPE = "mlops:index:AwsLoadBalancerController";

/** What the EKS builder hands to `AwsLoadBalancerController`. */
export interface AwsLoadBalancerControllerArgs {
  /** The EKS builder's scope (the cluster's context, physical name, region, partition, account). */
  scope: AwsClusterScope;
  cluster: aws.eks.Cluster;
  identity: ClusterIdentity;
  provider: k8s.Provider;
  vpcId: pulumi.Input<string>;
  vpcCidrBlock: pulumi.Input<string>;
  /** What must exist before the namespace and release (system nodes, CoreDNS, the Pod Identity agent, Karpenter). */
  dependsOn: pulumi.Resource[];
}

/**
 * `mlops:index:AwsLoadBalancerController`, a sub-component of the GPU training cluster on EKS
 * (issue 8): the controller's IAM role and policy, its identity binding, namespace, NetworkPolicy
 * and release (see the file comment).
 *
 * Children (for a component named `n`, `${cluster}-lb-controller` in the cluster): `n-role`,
 * `n-policy`, `n-pod-identity` (Pod Identity only), `n-ns`, `n-network-policy` and the release `n`
 * (named like its component). The names are those they had as the cluster's own children, so the
 * cluster creates it with a `movedFrom` alias only.
 */
export class AwsLoadBalancerController extends MlopsComponent {
  /** The controller's IAM role. */
  public readonly role: aws.iam.Role;
  /** The controller's namespace. */
  public readonly namespace: k8s.core.v1.Namespace;
  /** The controller's release (its Service webhook fails closed: wait for it before creating Services). */
  public readonly release: k8s.helm.v3.Release;
  /** The IngressClass the release creates. */
  public readonly ingressClassName: string;

  constructor(name: string, args: AwsLoadBalancerControllerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(AWS_LOAD_BALANCER_CONTROLLER_TYPE, name, opts);
    const scope = subScope(args.scope, this.context(args.scope));
    const { name: prefix, opts: awsOpts, clusterName } = scope;
    const { cluster, identity, provider } = args;

    const role = new aws.iam.Role(
      `${prefix}-role`,
      {
        description: `pulumi-mlops ${clusterName}: AWS Load Balancer Controller (${identity.mode})`,
        assumeRolePolicy: serviceAccountTrustPolicy(
          identity,
          LOAD_BALANCER_CONTROLLER_NAMESPACE,
          LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
        ),
        tags: scope.tags,
      },
      awsOpts,
    );
    const policy = new aws.iam.RolePolicy(
      `${prefix}-policy`,
      {
        role: role.name,
        policy: pulumi
          .all([scope.partition, scope.region, scope.accountId, args.vpcId])
          .apply(([partition, region, accountId, vpcId]) =>
            JSON.stringify(
              loadBalancerControllerPolicy({ partition, region, accountId, vpcId, clusterName }),
            ),
          ),
      },
      awsOpts,
    );
    const binding: pulumi.Resource[] = [];
    if (identity.mode === AwsIdentityMode.podIdentity) {
      binding.push(
        new aws.eks.PodIdentityAssociation(
          `${prefix}-pod-identity`,
          {
            clusterName: cluster.name,
            namespace: LOAD_BALANCER_CONTROLLER_NAMESPACE,
            serviceAccount: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
            roleArn: role.arn,
            tags: scope.tags,
          },
          awsOpts,
        ),
      );
    }

    // Labelled for the cluster component (its name), as before it was a sub-component.
    const labels = {
      ...governanceLabels(scope.tags),
      ...standardLabels(COMPONENT_LABEL, args.scope.name, "load-balancer-controller"),
    };
    const k8sOpts = { ...awsOpts, provider };
    const namespace = new k8s.core.v1.Namespace(
      `${prefix}-ns`,
      {
        metadata: {
          name: LOAD_BALANCER_CONTROLLER_NAMESPACE,
          labels: { ...labels, ...restrictedNamespaceLabels() },
        },
      },
      { ...k8sOpts, dependsOn: args.dependsOn },
    );
    const networkPolicy = new k8s.networking.v1.NetworkPolicy(
      `${prefix}-network-policy`,
      {
        metadata: { name: "platform", namespace: namespace.metadata.name, labels },
        spec: {
          podSelector: {},
          policyTypes: ["Ingress", "Egress"],
          ingress: [
            // Admission webhooks, called by the API server through the EKS control-plane ENIs in the
            // cluster's private subnets, which lie in the VPC's primary CIDR (as `existingVpc`
            // documents; the team namespaces' egress makes the same assumption). The nodes' and
            // pods' security group admits nothing from outside the cluster on this port anyway.
            {
              from: [{ ipBlock: { cidr: args.vpcCidrBlock } }],
              ports: [{ protocol: "TCP", port: LOAD_BALANCER_CONTROLLER_WEBHOOK_PORT }],
            },
            // Metrics, for a Prometheus inside the cluster.
            {
              from: [{ namespaceSelector: {} }],
              ports: [{ protocol: "TCP", port: LOAD_BALANCER_CONTROLLER_METRICS_PORT }],
            },
          ],
          egress: [
            dnsEgressRule(),
            // The Kubernetes API and the AWS APIs (ELB, EC2, ACM, WAFv2, STS), never IMDS.
            httpsEgressRule(),
            ...(identity.mode === AwsIdentityMode.podIdentity ? [podIdentityAgentEgressRule()] : []),
          ],
        },
      },
      { ...k8sOpts, dependsOn: [namespace] },
    );

    // The release is named like the component (its main resource; the base class allows it).
    const release = new k8s.helm.v3.Release(
      prefix,
      {
        name: LOAD_BALANCER_CONTROLLER_CHART,
        chart: LOAD_BALANCER_CONTROLLER_CHART,
        repositoryOpts: { repo: LOAD_BALANCER_CONTROLLER_REPO },
        version: LOAD_BALANCER_CONTROLLER_CHART_VERSION,
        namespace: namespace.metadata.name,
        createNamespace: false,
        values: pulumi.all([scope.region, args.vpcId, role.arn]).apply(([region, vpcId, roleArn]) =>
          loadBalancerControllerValues({
            clusterName,
            region,
            vpcId,
            tags: scope.tags,
            irsaRoleArn: identity.mode === AwsIdentityMode.irsa ? roleArn : undefined,
          }),
        ),
        timeout: 600,
        atomic: true,
        cleanupOnFail: true,
        maxHistory: 10,
      },
      { ...k8sOpts, dependsOn: [...args.dependsOn, namespace, networkPolicy, policy, ...binding] },
    );

    this.role = role;
    this.namespace = namespace;
    this.release = release;
    this.ingressClassName = ALB_INGRESS_CLASS;
    this.registerOutputs({
      roleArn: role.arn,
      namespace: namespace.metadata.name,
      release: release.name,
      ingressClassName: this.ingressClassName,
    });
  }
}
