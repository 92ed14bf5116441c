/**
 * Karpenter: the node role and its access entry, the controller's IAM role with the scoped
 * policies of Karpenter's v1.14 CloudFormation reference, the SQS interruption queue with its
 * EventBridge rules, the pinned Helm releases (CRDs, controller) in kube-system, and the GPU
 * EC2NodeClass and NodePools (`nodepools.ts`) — together the `mlops:index:Karpenter`
 * sub-component of the cluster.
 *
 * Policies follow aws/karpenter-provider-aws v1.14.1
 * website/content/en/v1.14/getting-started/getting-started-with-karpenter/cloudformation.yaml
 * (documented at https://karpenter.sh/v1.14/reference/cloudformation/). The zonal-shift policy is
 * left out (zonal shift is not enabled) and so is the AmazonSSMManagedInstanceCore node policy (no
 * shell access to nodes).
 */
import * as aws from "../../shared/aws-sdk";
import * as k8s from "@pulumi/kubernetes";
import { MonitorKind } from "../../shared/monitors";
import type { WorkloadScrapeTarget } from "../../shared/scrape-target";
import * as pulumi from "@pulumi/pulumi";
import { AwsIdentityMode } from "../../adapters";
import { MlopsComponent } from "../../shared/component";
import { resources } from "../../shared/k8s";
import { physicalName, PhysicalNameKind } from "../../shared/names";
import { IRSA_ROLE_ANNOTATION } from "../../adapters/aws";
import { createNodeRole, serviceAccountTrustPolicy, type ClusterIdentity } from "./identity";
import type { ResolvedGpuPool } from "../types";
import type { ResolvedAwsClusterArgs } from "./args";
import { SYSTEM_NODE_LABEL } from "./nodegroup";
import { createGpuNodePools } from "./nodepools";
import { subScope, type AwsClusterScope } from "./scope";

/** Namespace Karpenter runs in (its guide's default for clusters without Fargate). */
export const KARPENTER_NAMESPACE = "kube-system";
/** Karpenter's ServiceAccount (and Helm release) name. */
export const KARPENTER_SERVICE_ACCOUNT = "karpenter";
/** The controller chart, from Karpenter's public ECR registry. */
export const KARPENTER_CHART = "oci://public.ecr.aws/karpenter/karpenter";
/**
 * The CRD chart. Helm installs a chart's crds/ only on first install, never on upgrade; managing
 * the CRDs as their own release upgrades them with the controller
 * (https://karpenter.sh/v1.14/upgrading/upgrade-guide/, "CRD Upgrades").
 */
export const KARPENTER_CRD_CHART = "oci://public.ecr.aws/karpenter/karpenter-crd";

/**
 * Controller resources: 1 vCPU / 1 GiB requested and limited, as in Karpenter's getting-started
 * guide (step08-apply-helm-chart.sh).
 */
export const KARPENTER_RESOURCES = {
  cpuRequest: "1",
  memoryRequest: "1Gi",
  cpuLimit: "1",
  memoryLimit: "1Gi",
};

/** Seconds SQS keeps an interruption message: 300, as in Karpenter's CloudFormation (a 2-minute spot notice is useless later). */
export const INTERRUPTION_MESSAGE_RETENTION_SECONDS = 300;

/** The EventBridge events Karpenter handles (its CloudFormation's five rules). */
export const INTERRUPTION_EVENTS = [
  { role: "spot-interruption", source: "aws.ec2", detailType: "EC2 Spot Instance Interruption Warning" },
  { role: "rebalance", source: "aws.ec2", detailType: "EC2 Instance Rebalance Recommendation" },
  { role: "instance-state-change", source: "aws.ec2", detailType: "EC2 Instance State-change Notification" },
  { role: "scheduled-change", source: "aws.health", detailType: "AWS Health Event" },
  {
    role: "capacity-reservation-interruption",
    source: "aws.ec2",
    detailType: "EC2 Capacity Reservation Instance Interruption Warning",
  },
] as const;

/** What the controller policies are scoped to. */
export interface KarpenterPolicyScope {
  partition: string;
  region: string;
  accountId: string;
  clusterName: string;
  nodeRoleArn: string;
  queueArn: string;
}

interface Statement {
  Sid: string;
  Effect: "Allow";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** A policy document. */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

const doc = (...Statement: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });

/**
 * The controller's policies, one document per concern, scoped to this cluster by tag conditions
 * (`kubernetes.io/cluster/<name>: owned`, `eks:eks-cluster-name`) as in Karpenter's reference.
 * No statement has a wildcard action; `Resource: "*"` appears only for read/describe actions
 * without resource-level permissions (region-scoped) and pricing.
 */
export function karpenterControllerPolicies(s: KarpenterPolicyScope): Record<string, PolicyDocument> {
  const ec2 = (kind: string) => `arn:${s.partition}:ec2:${s.region}:*:${kind}/*`;
  const owned = `kubernetes.io/cluster/${s.clusterName}`;
  const instanceProfiles = `arn:${s.partition}:iam::${s.accountId}:instance-profile/*`;
  const launchable = [
    "fleet",
    "instance",
    "volume",
    "network-interface",
    "launch-template",
    "spot-instances-request",
  ].map(ec2);
  return {
    "node-lifecycle": doc(
      {
        Sid: "AllowScopedEC2InstanceAccessActions",
        Effect: "Allow",
        Resource: [
          `arn:${s.partition}:ec2:${s.region}::image/*`,
          `arn:${s.partition}:ec2:${s.region}::snapshot/*`,
          ...["security-group", "subnet", "capacity-reservation", "placement-group"].map(ec2),
        ],
        Action: ["ec2:RunInstances", "ec2:CreateFleet"],
      },
      {
        Sid: "AllowScopedEC2LaunchTemplateAccessActions",
        Effect: "Allow",
        Resource: ec2("launch-template"),
        Action: ["ec2:RunInstances", "ec2:CreateFleet"],
        Condition: {
          StringEquals: { [`aws:ResourceTag/${owned}`]: "owned" },
          StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
        },
      },
      {
        Sid: "AllowScopedEC2InstanceActionsWithTags",
        Effect: "Allow",
        Resource: launchable,
        Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
        Condition: {
          StringEquals: {
            [`aws:RequestTag/${owned}`]: "owned",
            "aws:RequestTag/eks:eks-cluster-name": s.clusterName,
          },
          StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
        },
      },
      {
        Sid: "AllowScopedResourceCreationTagging",
        Effect: "Allow",
        Resource: launchable,
        Action: "ec2:CreateTags",
        Condition: {
          StringEquals: {
            [`aws:RequestTag/${owned}`]: "owned",
            "aws:RequestTag/eks:eks-cluster-name": s.clusterName,
            "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
          },
          StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
        },
      },
      {
        Sid: "AllowScopedResourceTagging",
        Effect: "Allow",
        Resource: ec2("instance"),
        Action: "ec2:CreateTags",
        Condition: {
          StringEquals: { [`aws:ResourceTag/${owned}`]: "owned" },
          StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
          StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": s.clusterName },
          "ForAllValues:StringEquals": {
            "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"],
          },
        },
      },
      {
        Sid: "AllowScopedDeletion",
        Effect: "Allow",
        Resource: [ec2("instance"), ec2("launch-template")],
        Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
        Condition: {
          StringEquals: { [`aws:ResourceTag/${owned}`]: "owned" },
          StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
        },
      },
    ),
    "iam-integration": doc(
      {
        Sid: "AllowPassingInstanceRole",
        Effect: "Allow",
        Resource: s.nodeRoleArn,
        Action: "iam:PassRole",
        Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
      },
      {
        Sid: "AllowScopedInstanceProfileCreationActions",
        Effect: "Allow",
        Resource: instanceProfiles,
        Action: ["iam:CreateInstanceProfile"],
        Condition: {
          StringEquals: {
            [`aws:RequestTag/${owned}`]: "owned",
            "aws:RequestTag/eks:eks-cluster-name": s.clusterName,
            "aws:RequestTag/topology.kubernetes.io/region": s.region,
          },
          StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
        },
      },
      {
        Sid: "AllowScopedInstanceProfileTagActions",
        Effect: "Allow",
        Resource: instanceProfiles,
        Action: ["iam:TagInstanceProfile"],
        Condition: {
          StringEquals: {
            [`aws:ResourceTag/${owned}`]: "owned",
            "aws:ResourceTag/topology.kubernetes.io/region": s.region,
            [`aws:RequestTag/${owned}`]: "owned",
            "aws:RequestTag/eks:eks-cluster-name": s.clusterName,
            "aws:RequestTag/topology.kubernetes.io/region": s.region,
          },
          StringLike: {
            "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*",
            "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*",
          },
        },
      },
      {
        Sid: "AllowScopedInstanceProfileActions",
        Effect: "Allow",
        Resource: instanceProfiles,
        Action: [
          "iam:AddRoleToInstanceProfile",
          "iam:RemoveRoleFromInstanceProfile",
          "iam:DeleteInstanceProfile",
        ],
        Condition: {
          StringEquals: {
            [`aws:ResourceTag/${owned}`]: "owned",
            "aws:ResourceTag/topology.kubernetes.io/region": s.region,
          },
          StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" },
        },
      },
    ),
    "eks-integration": doc({
      Sid: "AllowAPIServerEndpointDiscovery",
      Effect: "Allow",
      Resource: `arn:${s.partition}:eks:${s.region}:${s.accountId}:cluster/${s.clusterName}`,
      Action: "eks:DescribeCluster",
    }),
    interruption: doc({
      Sid: "AllowInterruptionQueueActions",
      Effect: "Allow",
      Resource: s.queueArn,
      Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
    }),
    "resource-discovery": doc(
      {
        Sid: "AllowRegionalReadActions",
        Effect: "Allow",
        Resource: "*",
        Action: [
          "ec2:DescribeCapacityReservations",
          "ec2:DescribeImages",
          "ec2:DescribeInstances",
          "ec2:DescribeInstanceStatus",
          "ec2:DescribeInstanceTypeOfferings",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplates",
          "ec2:DescribePlacementGroups",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeSpotPriceHistory",
          "ec2:DescribeSubnets",
        ],
        Condition: { StringEquals: { "aws:RequestedRegion": s.region } },
      },
      {
        Sid: "AllowSSMReadActions",
        Effect: "Allow",
        Resource: `arn:${s.partition}:ssm:${s.region}::parameter/aws/service/*`,
        Action: "ssm:GetParameter",
      },
      { Sid: "AllowPricingReadActions", Effect: "Allow", Resource: "*", Action: "pricing:GetProducts" },
      {
        Sid: "AllowUnscopedInstanceProfileListAction",
        Effect: "Allow",
        Resource: "*",
        Action: "iam:ListInstanceProfiles",
      },
      {
        Sid: "AllowInstanceProfileReadActions",
        Effect: "Allow",
        Resource: instanceProfiles,
        Action: "iam:GetInstanceProfile",
      },
    ),
  };
}

/**
 * The queue's resource policy: EventBridge may send only from this cluster's rules
 * (`aws:SourceArn`), and anything without TLS is denied.
 */
export function interruptionQueuePolicy(queueArn: string, ruleArns: string[]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Id: "EC2InterruptionPolicy",
    Statement: [
      {
        Sid: "EventBridgeRules",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": ruleArns } },
      },
      {
        Sid: "DenyHTTP",
        Effect: "Deny",
        Principal: "*",
        Action: "sqs:*",
        Resource: queueArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });
}

/** What the Helm values depend on. */
export interface KarpenterValuesScope {
  clusterName: string;
  clusterEndpoint: string;
  queueName: string;
  region: string;
  /** The controller role for IRSA; undefined with Pod Identity (the association binds it). */
  irsaRoleArn?: string;
}

/** Values of the Karpenter chart. */
export function karpenterValues(v: KarpenterValuesScope): Record<string, unknown> {
  return {
    settings: {
      clusterName: v.clusterName,
      clusterEndpoint: v.clusterEndpoint,
      interruptionQueue: v.queueName,
    },
    serviceAccount: {
      create: true,
      name: KARPENTER_SERVICE_ACCOUNT,
      annotations: v.irsaRoleArn ? { [IRSA_ROLE_ANNOTATION]: v.irsaRoleArn } : {},
    },
    replicas: 2,
    // On the system node group (the chart's affinity already keeps it off Karpenter's own nodes).
    nodeSelector: { "kubernetes.io/os": "linux", [SYSTEM_NODE_LABEL.key]: SYSTEM_NODE_LABEL.value },
    tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }],
    controller: {
      resources: resources(KARPENTER_RESOURCES),
      // The region explicitly: the controller cannot read it from IMDS (hop limit 1).
      env: [{ name: "AWS_REGION", value: v.region }],
    },
    logLevel: "info",
  };
}

/**
 * Karpenter's controller metrics (`karpenter_nodeclaims_*`, `karpenter_pods_state`: the Karpenter
 * rules' series): the chart's Service `karpenter`, port "http-metrics" (8080), selected by the
 * chart's selector labels (aws/karpenter-provider-aws charts/karpenter/templates/service.yaml and
 * _helpers.tpl: `app.kubernetes.io/name: karpenter`, `app.kubernetes.io/instance: <release>`).
 * Plain HTTP inside the cluster, no authentication.
 */
export function karpenterScrapeTarget(): WorkloadScrapeTarget {
  return {
    kind: MonitorKind.serviceMonitor,
    name: "karpenter",
    namespace: KARPENTER_NAMESPACE,
    selector: { "app.kubernetes.io/name": "karpenter", "app.kubernetes.io/instance": "karpenter" },
    endpoints: [{ port: "http-metrics" }],
  };
}

/** Pulumi type token of the Karpenter sub-component. */
export const KARPENTER_TYPE = "mlops:index:Karpenter";

/** What the EKS builder hands to `Karpenter`. */
export interface KarpenterArgs {
  /** The EKS builder's scope (the cluster's context, physical name, region, partition, account). */
  scope: AwsClusterScope;
  cluster: aws.eks.Cluster;
  identity: ClusterIdentity;
  provider: k8s.Provider;
  /** The chart version of both releases (the cluster's resolved `karpenterVersion`). */
  version: string;
  /** What must exist before the releases (system nodes, CoreDNS, the Pod Identity agent). */
  dependsOn: pulumi.Resource[];
  /** The GPU pools: one NodePool each. */
  pools: ResolvedGpuPool[];
  /** The EC2NodeClass's AMI release and root volume size (the cluster's resolved args). */
  nodeClass: Pick<ResolvedAwsClusterArgs, "amiRelease" | "gpuNodeDiskSizeGb">;
  /** Subnet ids of an adopted VPC for the EC2NodeClass; undefined selects by discovery tag. */
  subnetIds?: pulumi.Input<string>[];
  /**
   * What the EC2NodeClass and NodePools wait for besides Karpenter's releases (the discovery tag
   * on the cluster security group).
   */
  nodePoolsDependOn: pulumi.Resource[];
}

/**
 * `mlops:index:Karpenter`, a sub-component of the GPU training cluster on EKS (issue 8):
 * Karpenter's IAM, interruption handling and Helm releases (see the file comment).
 *
 * Children (for a component named `n`, `${cluster}-karpenter` in the cluster): `n-node-role` and
 * its policy attachments, `n-node-access`, `n-interruption` (the queue), `n-<event>` and
 * `n-<event>-target` per interruption event, `n-interruption-policy`, `n-controller-role`,
 * `n-controller-<concern>` policies, `n-pod-identity` (Pod Identity only), the releases
 * `n-crd` and `n` (the controller: named like its component), the EC2NodeClass
 * `n-gpu-nodeclass` and one NodePool `n-nodepool-<pool>` per GPU pool. The cluster creates it
 * with `movedFrom` aliases to the URNs they had as the cluster's own children: the same names,
 * except the EC2NodeClass and NodePools, which were `${cluster}-gpu-nodeclass` and
 * `${cluster}-nodepool-<pool>` (their Kubernetes names are unchanged).
 */
export class Karpenter extends MlopsComponent {
  /** The role Karpenter passes to its nodes' instance profiles. */
  public readonly nodeRole: aws.iam.Role;
  /** The controller's role (IRSA or Pod Identity). */
  public readonly controllerRole: aws.iam.Role;
  /** The SQS interruption queue. */
  public readonly queue: aws.sqs.Queue;
  /** The CRD release (`karpenter-crd`). */
  public readonly crds: k8s.helm.v3.Release;
  /** The controller release (`karpenter`). */
  public readonly release: k8s.helm.v3.Release;
  /** The GPU nodes' EC2NodeClass. */
  public readonly nodeClass: k8s.apiextensions.CustomResource;
  /** One NodePool per GPU pool. */
  public readonly nodePools: k8s.apiextensions.CustomResource[];

  constructor(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(KARPENTER_TYPE, name, opts);
    const scope = subScope(args.scope, this.context(args.scope));
    const { cluster, identity, provider, dependsOn } = args;
    const { name: n, opts: awsOpts, clusterName } = scope;

    // Nodes: the role Karpenter passes to its instance profiles, and an EC2_LINUX access entry so
    // nodes with it can join (no aws-auth ConfigMap).
    const { role: nodeRole, attachments } = createNodeRole(scope, "node", "Karpenter-launched GPU nodes");
    const nodeAccess = new aws.eks.AccessEntry(
      `${n}-node-access`,
      { clusterName: cluster.name, principalArn: nodeRole.arn, type: "EC2_LINUX", tags: scope.tags },
      { ...awsOpts, dependsOn: attachments },
    );

    // Interruption handling.
    const queue = new aws.sqs.Queue(
      `${n}-interruption`,
      {
        name: physicalName(PhysicalNameKind.sqsQueue, clusterName, "karpenter"),
        messageRetentionSeconds: INTERRUPTION_MESSAGE_RETENTION_SECONDS,
        sqsManagedSseEnabled: true,
        tags: scope.tags,
      },
      awsOpts,
    );
    const rules = INTERRUPTION_EVENTS.map((event) => {
      const rule = new aws.cloudwatch.EventRule(
        `${n}-${event.role}`,
        {
          description: `pulumi-mlops ${clusterName}: ${event.detailType} to Karpenter`,
          eventPattern: JSON.stringify({ source: [event.source], "detail-type": [event.detailType] }),
          tags: scope.tags,
        },
        awsOpts,
      );
      new aws.cloudwatch.EventTarget(
        `${n}-${event.role}-target`,
        { rule: rule.name, targetId: "KarpenterInterruptionQueueTarget", arn: queue.arn },
        awsOpts,
      );
      return rule;
    });
    new aws.sqs.QueuePolicy(
      `${n}-interruption-policy`,
      {
        queueUrl: queue.url,
        policy: pulumi
          .all([queue.arn, pulumi.all(rules.map((r) => r.arn))])
          .apply(([queueArn, ruleArns]) => interruptionQueuePolicy(queueArn, ruleArns)),
      },
      awsOpts,
    );

    // Controller.
    const controllerRole = new aws.iam.Role(
      `${n}-controller-role`,
      {
        description: `pulumi-mlops ${clusterName}: Karpenter controller (${identity.mode})`,
        assumeRolePolicy: serviceAccountTrustPolicy(identity, KARPENTER_NAMESPACE, KARPENTER_SERVICE_ACCOUNT),
        tags: scope.tags,
      },
      awsOpts,
    );
    const policies = pulumi
      .all([scope.partition, scope.region, scope.accountId, nodeRole.arn, queue.arn])
      .apply(([partition, region, accountId, nodeRoleArn, queueArn]) =>
        karpenterControllerPolicies({ partition, region, accountId, clusterName, nodeRoleArn, queueArn }),
      );
    const policyResources = [
      "node-lifecycle",
      "iam-integration",
      "eks-integration",
      "interruption",
      "resource-discovery",
    ].map(
      (concern) =>
        new aws.iam.RolePolicy(
          `${n}-controller-${concern}`,
          {
            role: controllerRole.name,
            policy: policies.apply((p) => JSON.stringify(p[concern])),
          },
          awsOpts,
        ),
    );

    const binding: pulumi.Resource[] = [];
    if (identity.mode === AwsIdentityMode.podIdentity) {
      binding.push(
        new aws.eks.PodIdentityAssociation(
          `${n}-pod-identity`,
          {
            clusterName: cluster.name,
            namespace: KARPENTER_NAMESPACE,
            serviceAccount: KARPENTER_SERVICE_ACCOUNT,
            roleArn: controllerRole.arn,
            tags: scope.tags,
          },
          awsOpts,
        ),
      );
    }

    const k8sOpts = { ...awsOpts, provider };
    const crds = new k8s.helm.v3.Release(
      `${n}-crd`,
      {
        name: "karpenter-crd",
        chart: KARPENTER_CRD_CHART,
        version: args.version,
        namespace: KARPENTER_NAMESPACE,
        maxHistory: 10,
      },
      { ...k8sOpts, dependsOn },
    );
    // The controller release is named like the component (its main resource; the base class allows it).
    const release = new k8s.helm.v3.Release(
      n,
      {
        name: "karpenter",
        chart: KARPENTER_CHART,
        version: args.version,
        namespace: KARPENTER_NAMESPACE,
        skipCrds: true,
        values: pulumi
          .all([cluster.endpoint, queue.name, scope.region, controllerRole.arn])
          .apply(([clusterEndpoint, queueName, region, roleArn]) =>
            karpenterValues({
              clusterName,
              clusterEndpoint,
              queueName,
              region,
              irsaRoleArn: identity.mode === AwsIdentityMode.irsa ? roleArn : undefined,
            }),
          ),
        timeout: 600,
        cleanupOnFail: true,
        maxHistory: 10,
      },
      { ...k8sOpts, dependsOn: [...dependsOn, crds, nodeAccess, ...policyResources, ...binding] },
    );

    const gpu = createGpuNodePools(scope, args.nodeClass, args.pools, {
      provider,
      nodeRole,
      subnetIds: args.subnetIds,
      dependsOn: [crds, release, ...args.nodePoolsDependOn],
    });

    this.nodeRole = nodeRole;
    this.controllerRole = controllerRole;
    this.queue = queue;
    this.crds = crds;
    this.release = release;
    this.nodeClass = gpu.nodeClass;
    this.nodePools = gpu.nodePools;
    this.registerOutputs({
      nodeRoleArn: nodeRole.arn,
      controllerRoleArn: controllerRole.arn,
      queueName: queue.name,
      release: release.name,
    });
  }
}
