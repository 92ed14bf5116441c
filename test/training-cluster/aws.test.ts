/**
 * The EKS target of the GPU training cluster under the offline plan engine: network shape per
 * environment, control-plane security, the system node group, Karpenter (IAM, interruption
 * handling, Helm), the EC2NodeClass and NodePools, the handle's compatibility with the AWS
 * adapter, and input validation.
 */
import { componentContext } from "../../components/shared/component";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { createAwsAdapter } from "../../components/adapters/aws";
import {
  AWS_LOAD_BALANCER_CONTROLLER_TYPE,
  awsClusterArgsSchema,
  createAwsCluster,
  GPU_NODE_CLASS_NAME,
  INTERRUPTION_EVENTS,
  KARPENTER_TYPE,
  resolveAwsClusterArgs,
  ec2NodeClassManifest,
  nodePoolManifest,
  subnetLayout,
  type AwsClusterArgs,
} from "../../components/training-cluster/aws";
import type { ResolvedGpuPool } from "../../components/training-cluster/types";
import { GpuTrainingCluster, type GpuPoolArgs } from "../../components/training-cluster";
import type { Environment } from "../../components/shared/presets";
import { formatIssues } from "../../components/shared/validation";
import { documentFindings, parsePolicyDocument } from "../../policies/rules/aws/iam-document";
import {
  accountScopedPhysicalNames,
  childrenOf,
  findResource,
  inputAt,
  planOf,
  resourcesOfType,
  type Plan,
  type PlanResource,
} from "../helpers";

const T = {
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  nat: "aws:ec2/natGateway:NatGateway",
  eip: "aws:ec2/eip:Eip",
  route: "aws:ec2/route:Route",
  routeTable: "aws:ec2/routeTable:RouteTable",
  endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  tag: "aws:ec2/tag:Tag",
  key: "aws:kms/key:Key",
  alias: "aws:kms/alias:Alias",
  cluster: "aws:eks/cluster:Cluster",
  addon: "aws:eks/addon:Addon",
  accessEntry: "aws:eks/accessEntry:AccessEntry",
  accessPolicy: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
  pia: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
  oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  lt: "aws:ec2/launchTemplate:LaunchTemplate",
  nodeGroup: "aws:eks/nodeGroup:NodeGroup",
  queue: "aws:sqs/queue:Queue",
  queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
  rule: "aws:cloudwatch/eventRule:EventRule",
  target: "aws:cloudwatch/eventTarget:EventTarget",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  release: "kubernetes:helm.sh/v3:Release",
  nodeClass: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
  nodePool: "kubernetes:karpenter.sh/v1:NodePool",
  namespace: "kubernetes:core/v1:Namespace",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  rds: "aws:rds/instance:Instance",
} as const;

const REGION = "eu-west-1";
const config = { "aws:region": REGION };
const TAGS = { "mlops:component": "training-cluster", "mlops:env": "test" };

const POOLS: ResolvedGpuPool[] = [
  {
    name: "l4-spot",
    gpuType: "nvidia-l4",
    capacityType: "spot",
    maxGpus: 8,
    instanceFamilies: ["g6", "gr6"],
  },
  {
    name: "a10g-od",
    gpuType: "nvidia-a10g",
    capacityType: "on-demand",
    maxGpus: 4,
    instanceFamilies: ["g5"],
  },
  {
    name: "h100-od",
    gpuType: "nvidia-h100",
    capacityType: "on-demand",
    maxGpus: 16,
    instanceFamilies: ["p5"],
  },
];

class Host extends pulumi.ComponentResource {
  constructor(name: string) {
    super("test:index:Host", name, {});
  }
}

/** `args.aws` as the component's resolver hands it to the builder (every rule passed). */
function resolvedAws(args: AwsClusterArgs, environment: Environment) {
  const { resolved, problems } = resolveAwsClusterArgs(awsClusterArgsSchema.parse(args), environment);
  expect(problems).toEqual([]);
  return resolved;
}

interface Scenario {
  environment: Environment;
  args: AwsClusterArgs;
  pools?: ResolvedGpuPool[];
  /** Also run the AWS adapter (database + workload identity) against the handle. */
  withAdapter?: boolean;
}

function program(s: Scenario) {
  return () => {
    const parent = new Host("gpu");
    const handle = createAwsCluster(
      componentContext(parent, `ml-${s.environment}`, {
        environment: s.environment,
        tags: TAGS,
        protect: s.environment === "prod",
      }),
      resolvedAws(s.args, s.environment),
      s.pools ?? POOLS,
    );
    if (s.withAdapter) {
      const adapter = createAwsAdapter(
        {
          parent,
          name: "reg",
          k8sProvider: handle.provider,
          namespace: "mlops",
          tags: TAGS,
          protect: false,
          dependsOn: handle.ready,
        },
        { aws: handle.aws },
      );
      adapter.postgres("backend", {
        databaseName: "mlflow",
        username: "mlflow",
        password: pulumi.secret("not-a-real-password"),
        size: "small",
        storageGb: 20,
        highAvailability: false,
        deletionProtection: false,
        backupRetentionDays: 1,
        pointInTimeRecovery: false,
      });
      adapter.workloadIdentity("server", { serviceAccountName: "mlflow", grants: [], labels: {} });
    }
    return {
      clusterName: handle.clusterName,
      endpoint: handle.endpoint,
      kubeconfig: handle.kubeconfig,
      aws: handle.aws,
      driversPreinstalled: handle.driversPreinstalled,
      ingressClassName: handle.ingressClassName,
      ready: handle.ready.map((r) => (r as unknown as { urn: pulumi.Output<string> }).urn),
    };
  };
}

const cache = new Map<string, Promise<Plan>>();
function planFor(s: Scenario): Promise<Plan> {
  const key = JSON.stringify(s);
  if (!cache.has(key)) cache.set(key, planOf(program(s), { config }));
  return cache.get(key)!;
}

function json(resource: PlanResource, key: string): unknown {
  const value = resource.inputs[key];
  expect(typeof value).toBe("string");
  return JSON.parse(value as string);
}

function named(plan: Plan, type: string, name: string): PlanResource {
  return findResource(plan, type, name);
}

interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

const DEV: Scenario = {
  environment: "dev",
  args: { endpointPublicAccessCidrs: ["203.0.113.0/24"] },
  withAdapter: true,
};
const PROD: Scenario = {
  environment: "prod",
  args: {
    endpointPublicAccessCidrs: ["203.0.113.0/24", "198.51.100.10/32"],
    adminRoleArns: ["arn:aws:iam::123456789012:role/platform-admin"],
  },
};
/** A private-only endpoint: an adopted VPC that the deploy runners reach (10.200.0.0/16). */
const PROD_PRIVATE: Scenario = {
  environment: "prod",
  args: {
    existingVpc: {
      vpcId: "vpc-0123456789abcdef0",
      vpcCidrBlock: "10.20.0.0/16",
      privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb", "subnet-0dddddddddddddddd"],
      publicSubnetIds: ["subnet-0cccccccccccccccc"],
    },
    endpointPrivateAccessCidrs: ["10.200.0.0/16"],
  },
};
const IRSA: Scenario = {
  environment: "staging",
  args: { identityMode: "irsa", availabilityZoneCount: 2, endpointPublicAccessCidrs: ["203.0.113.0/24"] },
  withAdapter: true,
};
const EXISTING: Scenario = {
  environment: "dev",
  args: {
    existingVpc: {
      vpcId: "vpc-0123456789abcdef0",
      vpcCidrBlock: "10.20.0.0/16",
      privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
      publicSubnetIds: ["subnet-0cccccccccccccccc"],
    },
    endpointPrivateAccessCidrs: ["10.20.0.0/16"],
  },
};

describe("subnet layout", () => {
  it("gives each AZ a quarter of the VPC for nodes and a /22 of the last quarter for load balancers", () => {
    expect(subnetLayout("10.0.0.0/16", 3)).toEqual({
      private: ["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"],
      public: ["10.0.192.0/22", "10.0.196.0/22", "10.0.200.0/22"],
    });
    expect(subnetLayout("172.16.16.0/20", 2)).toEqual({
      private: ["172.16.16.0/22", "172.16.20.0/22"],
      public: ["172.16.28.0/26", "172.16.28.64/26"],
    });
  });
});

describe("EKS target, dev defaults (Pod Identity)", () => {
  const get = () => planFor(DEV);

  it("creates a 3-AZ VPC with private + public subnets, one NAT gateway and the VPC endpoints", async () => {
    const p = await get();
    expect(resourcesOfType(p, T.vpc)).toHaveLength(1);
    const vpc = named(p, T.vpc, "ml-dev-vpc");
    expect(vpc.inputs).toMatchObject({
      cidrBlock: "10.0.0.0/16",
      enableDnsSupport: true,
      enableDnsHostnames: true,
    });
    const subnets = resourcesOfType(p, T.subnet);
    const priv = subnets.filter((s) => s.name.includes("-private-"));
    const pub = subnets.filter((s) => s.name.includes("-public-"));
    expect(priv.map((s) => s.inputs["cidrBlock"])).toEqual(["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"]);
    expect(pub.map((s) => s.inputs["availabilityZone"])).toEqual([`${REGION}a`, `${REGION}b`, `${REGION}c`]);
    for (const s of subnets) expect(s.inputs["mapPublicIpOnLaunch"]).toBe(false);
    for (const s of priv) {
      expect(s.inputs["tags"]).toMatchObject({
        "kubernetes.io/role/internal-elb": "1",
        "karpenter.sh/discovery": "ml-dev-test",
      });
      expect(s.inputs["tags"]).not.toHaveProperty(["kubernetes.io/role/elb"]);
    }
    for (const s of pub) {
      expect(s.inputs["tags"]).toMatchObject({ "kubernetes.io/role/elb": "1" });
      expect(s.inputs["tags"]).not.toHaveProperty(["karpenter.sh/discovery"]);
    }
    expect(resourcesOfType(p, T.nat)).toHaveLength(1);
    expect(resourcesOfType(p, T.eip)).toHaveLength(1);
    // Every private route table sends 0.0.0.0/0 to the single NAT gateway.
    const natRoutes = resourcesOfType(p, T.route).filter((r) => r.inputs["natGatewayId"] !== undefined);
    expect(natRoutes.map((r) => r.inputs["natGatewayId"])).toEqual(Array(3).fill("ml-dev-nat-0-id"));
  });

  it("adds an S3 gateway endpoint and private-DNS ECR/STS interface endpoints reachable on 443 from the VPC only", async () => {
    const p = await get();
    const endpoints = resourcesOfType(p, T.endpoint);
    expect(endpoints.map((e) => [e.inputs["serviceName"], e.inputs["vpcEndpointType"]])).toEqual([
      [`com.amazonaws.${REGION}.s3`, "Gateway"],
      [`com.amazonaws.${REGION}.ecr.api`, "Interface"],
      [`com.amazonaws.${REGION}.ecr.dkr`, "Interface"],
      [`com.amazonaws.${REGION}.sts`, "Interface"],
    ]);
    expect(endpoints[0]!.inputs["routeTableIds"]).toEqual([
      "ml-dev-private-0-rt-id",
      "ml-dev-private-1-rt-id",
      "ml-dev-private-2-rt-id",
    ]);
    for (const e of endpoints.slice(1)) {
      expect(e.inputs).toMatchObject({
        privateDnsEnabled: true,
        subnetIds: ["ml-dev-private-0-id", "ml-dev-private-1-id", "ml-dev-private-2-id"],
        securityGroupIds: ["ml-dev-endpoints-sg-id"],
      });
    }
    const rules = resourcesOfType(p, T.ingress).filter((r) => r.name.startsWith("ml-dev-"));
    expect(rules).toHaveLength(1);
    expect(rules[0]!.inputs).toMatchObject({
      securityGroupId: "ml-dev-endpoints-sg-id",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "10.0.0.0/16",
    });
  });

  it("creates an EKS 1.36 cluster (public endpoint limited to the listed CIDRs) with API access entries, KMS-encrypted Secrets and all five log types", async () => {
    const p = await get();
    const cluster = findResource(p, T.cluster);
    expect(cluster.inputs).toMatchObject({
      name: "ml-dev-test",
      version: "1.36",
      roleArn: "arn:aws:iam::123456789012:role/ml-dev-cluster-role",
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
      enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
      bootstrapSelfManagedAddons: false,
      upgradePolicy: { supportType: "STANDARD" },
      deletionProtection: false,
      tags: TAGS,
    });
    expect(cluster.inputs["vpcConfig"]).toEqual({
      subnetIds: ["ml-dev-private-0-id", "ml-dev-private-1-id", "ml-dev-private-2-id"],
      securityGroupIds: ["ml-dev-control-plane-sg-id"],
      endpointPrivateAccess: true,
      endpointPublicAccess: true,
      publicAccessCidrs: ["203.0.113.0/24"],
    });
    const key = named(p, T.key, "ml-dev-secrets-key");
    expect(key.inputs["enableKeyRotation"]).toBe(true);
    expect(named(p, T.alias, "ml-dev-secrets-key-alias").inputs).toEqual({
      name: "alias/ml-dev-test-eks-secrets",
      targetKeyId: key.outputs?.["keyId"],
    });
    const keyArn = inputAt(cluster, "encryptionConfig.provider.keyArn") as string;
    expect(keyArn).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\/[0-9a-f-]{36}$/);
    expect(cluster.inputs["encryptionConfig"]).toEqual({ resources: ["secrets"], provider: { keyArn } });
    // The cluster role may use exactly that key.
    const kms = json(named(p, T.rolePolicy, "ml-dev-cluster-role-kms"), "policy") as {
      Statement: Statement[];
    };
    expect(kms.Statement).toEqual([
      {
        Sid: "SecretsEnvelopeEncryption",
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
        Resource: keyArn,
      },
    ]);
    expect(named(p, T.logGroup, "ml-dev-control-plane-logs").inputs).toMatchObject({
      name: "/aws/eks/ml-dev-test/cluster",
      retentionInDays: 30,
    });
    expect(cluster.dependencies).toContain(named(p, T.logGroup, "ml-dev-control-plane-logs").urn);
  });

  it("installs the managed add-ons: VPC CNI with NetworkPolicy, kube-proxy, Pod Identity agent, CoreDNS and EBS CSI", async () => {
    const p = await get();
    const addons: Record<string, PlanResource> = Object.fromEntries(
      resourcesOfType(p, T.addon).map((a) => [a.inputs["addonName"], a]),
    );
    expect(Object.keys(addons).sort()).toEqual(
      ["aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"].sort(),
    );
    expect(JSON.parse(addons["vpc-cni"]!.inputs["configurationValues"] as string)).toEqual({
      enableNetworkPolicy: "true",
    });
    for (const a of Object.values(addons)) expect(a.inputs["addonVersion"]).toBeUndefined();
    expect(addons["aws-ebs-csi-driver"]!.inputs["podIdentityAssociations"]).toEqual([
      {
        roleArn: "arn:aws:iam::123456789012:role/ml-dev-ebs-csi-role",
        serviceAccount: "ebs-csi-controller-sa",
      },
    ]);
    // Node add-ons come before the node group; Deployments (CoreDNS, EBS CSI) after it.
    const ng = findResource(p, T.nodeGroup);
    for (const n of ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"])
      expect(ng.dependencies).toContain(addons[n]!.urn);
    for (const n of ["coredns", "aws-ebs-csi-driver"]) expect(addons[n]!.dependencies).toContain(ng.urn);
    expect(resourcesOfType(p, T.oidc)).toEqual([]);
  });

  it("runs an on-demand system node group in the private subnets with IMDSv2 (hop limit 1) and an encrypted gp3 root", async () => {
    const p = await get();
    const lt = findResource(p, T.lt);
    expect(lt.inputs["metadataOptions"]).toMatchObject({
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
      httpEndpoint: "enabled",
    });
    expect(lt.inputs["blockDeviceMappings"]).toEqual([
      {
        deviceName: "/dev/xvda",
        ebs: { volumeType: "gp3", volumeSize: 50, encrypted: "true", deleteOnTermination: "true" },
      },
    ]);
    expect(lt.inputs["networkInterfaces"]).toBeUndefined();
    expect(lt.inputs["vpcSecurityGroupIds"]).toBeUndefined();
    const ng = findResource(p, T.nodeGroup);
    expect(ng.inputs).toMatchObject({
      clusterName: "ml-dev-test",
      capacityType: "ON_DEMAND",
      amiType: "AL2023_x86_64_STANDARD",
      instanceTypes: ["m7i.xlarge", "m6i.xlarge"],
      subnetIds: ["ml-dev-private-0-id", "ml-dev-private-1-id", "ml-dev-private-2-id"],
      scalingConfig: { minSize: 2, desiredSize: 2, maxSize: 3 },
      labels: { "mlops.pulumi.com/node-role": "system" },
      launchTemplate: { id: lt.id, version: "1" },
    });
    expect(ng.inputs["taints"]).toBeUndefined();
  });

  it("installs the pinned Karpenter 1.14.1 charts in kube-system with its queue, region and resources", async () => {
    const p = await get();
    const crds = named(p, T.release, "ml-dev-karpenter-crd");
    expect(crds.inputs).toMatchObject({
      name: "karpenter-crd",
      chart: "oci://public.ecr.aws/karpenter/karpenter-crd",
      version: "1.14.1",
      namespace: "kube-system",
    });
    const release = named(p, T.release, "ml-dev-karpenter");
    expect(release.provider).toMatch(/::ml-dev-k8s::/);
    expect(release.inputs).toMatchObject({
      name: "karpenter",
      chart: "oci://public.ecr.aws/karpenter/karpenter",
      version: "1.14.1",
      namespace: "kube-system",
      skipCrds: true,
    });
    const values = release.inputs["values"] as Record<string, unknown>;
    expect(values["settings"]).toEqual({
      clusterName: "ml-dev-test",
      clusterEndpoint: p.outputs["endpoint"],
      interruptionQueue: "ml-dev-test-karpenter",
    });
    expect(values["serviceAccount"]).toEqual({ create: true, name: "karpenter", annotations: {} });
    expect(values["tolerations"]).toEqual([{ key: "CriticalAddonsOnly", operator: "Exists" }]);
    expect(values["nodeSelector"]).toMatchObject({ "mlops.pulumi.com/node-role": "system" });
    expect(values["controller"]).toEqual({
      resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
      env: [{ name: "AWS_REGION", value: REGION }],
    });
    expect(release.dependencies).toEqual(
      expect.arrayContaining([
        crds.urn,
        findResource(p, T.nodeGroup).urn,
        named(p, T.pia, "ml-dev-karpenter-pod-identity").urn,
      ]),
    );
    expect(named(p, T.pia, "ml-dev-karpenter-pod-identity").inputs).toMatchObject({
      clusterName: "ml-dev-test",
      namespace: "kube-system",
      serviceAccount: "karpenter",
      roleArn: "arn:aws:iam::123456789012:role/ml-dev-karpenter-controller-role",
    });
    // Karpenter's nodes join through an EC2_LINUX access entry of the node role.
    expect(named(p, T.accessEntry, "ml-dev-karpenter-node-access").inputs).toMatchObject({
      principalArn: "arn:aws:iam::123456789012:role/ml-dev-karpenter-node-role",
      type: "EC2_LINUX",
    });
  });

  it("feeds an SSE SQS interruption queue from five EventBridge rules, accepting only those rules over TLS", async () => {
    const p = await get();
    const queue = findResource(p, T.queue);
    expect(queue.inputs).toMatchObject({
      name: "ml-dev-test-karpenter",
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 300,
    });
    const rules = resourcesOfType(p, T.rule);
    expect(rules.map((r): unknown => JSON.parse(r.inputs["eventPattern"] as string))).toEqual([
      { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
      { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
      { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
      { source: ["aws.health"], "detail-type": ["AWS Health Event"] },
      { source: ["aws.ec2"], "detail-type": ["EC2 Capacity Reservation Instance Interruption Warning"] },
    ]);
    const queueArn = `arn:aws:sqs:${REGION}:123456789012:ml-dev-test-karpenter`;
    for (const t of resourcesOfType(p, T.target)) expect(t.inputs["arn"]).toBe(queueArn);
    const policy = json(findResource(p, T.queuePolicy), "policy") as { Statement: Statement[] };
    expect(policy.Statement[0]).toEqual({
      Sid: "EventBridgeRules",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: queueArn,
      Condition: {
        ArnEquals: {
          "aws:SourceArn": rules.map((r) => `arn:aws:events:${REGION}:123456789012:rule/${r.name}`),
        },
      },
    });
    expect(policy.Statement[1]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it("grants IAM with no wildcard actions, PassRole on the node role only, within the inline size limit", async () => {
    const p = await get();
    for (const rp of resourcesOfType(p, T.rolePolicy)) {
      const doc = json(rp, "policy") as { Statement: Statement[] };
      for (const s of doc.Statement) {
        expect(s.Effect, `${rp.name} ${s.Sid}`).toBe("Allow");
        for (const a of list(s.Action)) expect(a, `${rp.name} ${s.Sid}`).not.toContain("*");
        // Resource "*" only for actions without resource-level permissions.
        if (list(s.Resource).includes("*"))
          for (const a of list(s.Action))
            expect(a, `${rp.name} ${s.Sid}`).toMatch(
              /^((ec2|elasticloadbalancing):Describe\w+|pricing:GetProducts|iam:ListInstanceProfiles|acm:ListCertificates|wafv2:ListWebACLs)$/,
            );
      }
    }
    const controller = resourcesOfType(p, T.rolePolicy).filter((r) =>
      r.name.startsWith("ml-dev-karpenter-controller-"),
    );
    expect(controller.map((r) => r.name.replace("ml-dev-karpenter-controller-", ""))).toEqual([
      "node-lifecycle",
      "iam-integration",
      "eks-integration",
      "interruption",
      "resource-discovery",
    ]);
    // IAM caps the aggregate inline policy size of a role at 10,240 characters (whitespace excluded).
    expect(controller.reduce((n, r) => n + (r.inputs["policy"] as string).length, 0)).toBeLessThan(10_240);
    const iam = json(named(p, T.rolePolicy, "ml-dev-karpenter-controller-iam-integration"), "policy") as {
      Statement: Statement[];
    };
    expect(iam.Statement[0]).toMatchObject({
      Action: "iam:PassRole",
      Resource: "arn:aws:iam::123456789012:role/ml-dev-karpenter-node-role",
    });
    const lifecycle = json(
      named(p, T.rolePolicy, "ml-dev-karpenter-controller-node-lifecycle"),
      "policy",
    ) as { Statement: Statement[] };
    const deletion = lifecycle.Statement.find((s) => s.Sid === "AllowScopedDeletion")!;
    expect(deletion.Condition).toEqual({
      StringEquals: { "aws:ResourceTag/kubernetes.io/cluster/ml-dev-test": "owned" },
      StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
    });
    // Trust: Karpenter's ServiceAccount on this cluster only (Pod Identity session tags).
    const trust = json(named(p, T.role, "ml-dev-karpenter-controller-role"), "assumeRolePolicy") as {
      Statement: Statement[];
    };
    expect(trust.Statement[0]!.Condition).toEqual({
      StringEquals: {
        "aws:RequestTag/eks-cluster-name": "ml-dev-test",
        "aws:RequestTag/kubernetes-namespace": "kube-system",
        "aws:RequestTag/kubernetes-service-account": "karpenter",
      },
    });
  });

  it("tags the cluster security group for Karpenter discovery", async () => {
    const p = await get();
    expect(findResource(p, T.tag).inputs).toEqual({
      resourceId: (p.outputs["aws"] as Record<string, unknown>)["nodeSecurityGroupId"],
      key: "karpenter.sh/discovery",
      value: "ml-dev-test",
    });
  });

  it("writes an EC2NodeClass on a pinned AL2023 release with encrypted gp3, IMDSv2 and discovery selectors", async () => {
    const p = await get();
    const nc = findResource(p, T.nodeClass);
    expect(nc.provider).toMatch(/::ml-dev-k8s::/);
    expect(nc.dependencies).toContain(named(p, T.release, "ml-dev-karpenter").urn);
    expect(nc.inputs["metadata"]).toMatchObject({ name: "mlops-gpu" });
    expect(nc.inputs["spec"]).toEqual({
      role: "ml-dev-karpenter-node-role",
      amiSelectorTerms: [{ alias: "al2023@v20260714" }],
      subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "ml-dev-test" } }],
      securityGroupSelectorTerms: [{ tags: { "karpenter.sh/discovery": "ml-dev-test" } }],
      associatePublicIPAddress: false,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpProtocolIPv6: "disabled",
        httpPutResponseHopLimit: 1,
        httpTokens: "required",
      },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          rootVolume: true,
          ebs: {
            volumeSize: "200Gi",
            volumeType: "gp3",
            iops: 3000,
            throughput: 250,
            encrypted: true,
            deleteOnTermination: true,
          },
        },
      ],
      instanceStorePolicy: "RAID0",
      tags: TAGS,
    });
  });

  it("writes one scale-to-zero NodePool per GPU pool: families, capacity type, taint, labels, GPU limit, empty-only consolidation", async () => {
    const p = await get();
    const poolName = (np: PlanResource) => (np.inputs["metadata"] as { name: string }).name;
    const pools = ["l4-spot", "a10g-od", "h100-od"].map((n) =>
      resourcesOfType(p, T.nodePool).find((np) => poolName(np) === n)!,
    );
    expect(resourcesOfType(p, T.nodePool)).toHaveLength(3);
    expect(pools.map(poolName)).toEqual(["l4-spot", "a10g-od", "h100-od"]);
    const spec = (i: number) => pools[i]!.inputs["spec"] as Record<string, unknown>;
    expect(spec(0)).toEqual({
      template: {
        metadata: {
          labels: {
            "mlops.pulumi.com/gpu": "true",
            "mlops.pulumi.com/gpu-pool": "l4-spot",
            "mlops.pulumi.com/gpu-type": "nvidia-l4",
            "mlops.pulumi.com/capacity-type": "spot",
          },
        },
        spec: {
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "mlops-gpu" },
          requirements: [
            { key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["g6", "gr6"] },
            { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] },
            { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
            { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
            { key: "karpenter.k8s.aws/instance-gpu-count", operator: "Gt", values: ["0"] },
          ],
          taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }],
          expireAfter: "720h",
        },
      },
      limits: { "nvidia.com/gpu": 8 },
      disruption: {
        consolidationPolicy: "WhenEmpty",
        consolidateAfter: "5m",
        budgets: [
          { nodes: "100%", reasons: ["Empty"] },
          { nodes: "0", reasons: ["Drifted", "Underutilized"] },
        ],
      },
    });
    expect(inputAt(pools[1]!, "spec.template.spec.requirements[1].values")).toEqual(["on-demand"]);
    expect(inputAt(pools[2]!, "spec.template.spec.requirements[0].values")).toEqual(["p5"]);
    expect(spec(2)["limits"]).toEqual({ "nvidia.com/gpu": 16 });
    for (const np of pools) {
      // Scale to zero: no static replicas (Karpenter NodePools have no minimum).
      expect(spec(pools.indexOf(np))).not.toHaveProperty("replicas");
      expect(np.dependencies).toContain(findResource(p, T.nodeClass).urn);
    }
  });

  it("hands the AWS adapter a cluster it can use (database in the private subnets behind the cluster SG, Pod Identity)", async () => {
    const p = await get();
    const aws = p.outputs["aws"] as Record<string, unknown>;
    expect(aws).toEqual({
      vpcId: "ml-dev-vpc-id",
      vpcCidrBlock: "10.0.0.0/16",
      privateSubnetIds: ["ml-dev-private-0-id", "ml-dev-private-1-id", "ml-dev-private-2-id"],
      nodeSecurityGroupId: expect.stringMatching(/^sg-[0-9a-f]{17}$/),
      identityMode: "podIdentity",
      clusterName: "ml-dev-test",
      ebsCsiRoleArn: "arn:aws:iam::123456789012:role/ml-dev-ebs-csi-role",
    });
    expect(p.outputs["driversPreinstalled"]).toBe(true);
    expect(
      findResource(
        p,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "reg-backend-postgres-ingress",
      ).inputs,
    ).toMatchObject({
      referencedSecurityGroupId: aws["nodeSecurityGroupId"],
    });
    expect(findResource(p, T.pia, "reg-server-pod-identity").inputs["clusterName"]).toBe("ml-dev-test");
  });

  it("returns a secret exec kubeconfig, the endpoint and the resources to wait for", async () => {
    const p = await get();
    expect(p.outputs["kubeconfig"]).toBe("[secret]");
    expect(p.outputs["endpoint"]).toMatch(/^https:\/\/[0-9A-F]{32}\.gr7\.eu-west-1\.eks\.amazonaws\.com$/);
    expect(p.outputs["clusterName"]).toBe("ml-dev-test");
    const provider = findResource(p, "pulumi:providers:kubernetes", "ml-dev-k8s");
    expect(provider.secretInputs).toContain("kubeconfig");
    const ready = p.outputs["ready"] as string[];
    expect(ready).toEqual(
      expect.arrayContaining([
        findResource(p, T.nodeGroup).urn,
        named(p, T.release, "ml-dev-karpenter").urn,
        findResource(p, T.nodeClass).urn,
        ...resourcesOfType(p, T.nodePool).map((r) => r.urn),
      ]),
    );
  });

  it("parents every AWS and Kubernetes child to the component or its Karpenter / load balancer controller sub-component, and protects nothing in dev", async () => {
    const p = await get();
    const host = findResource(p, "test:index:Host", "gpu");
    const subComponents = [
      findResource(p, KARPENTER_TYPE, "ml-dev-karpenter"),
      findResource(p, AWS_LOAD_BALANCER_CONTROLLER_TYPE, "ml-dev-lb-controller"),
    ];
    expect(subComponents.map((c) => c.parent)).toEqual([host.urn, host.urn]);
    const parents = new Set([host.urn, ...subComponents.map((c) => c.urn)]);
    const stray = p.resources.filter(
      (r) => (r.type.startsWith("aws:") || r.type.startsWith("kubernetes:")) && !parents.has(r.parent),
    );
    expect(stray.map((r) => r.name)).toEqual([]);
    expect(p.resources.filter((r) => r.protect || r.retainOnDelete)).toEqual([]);
  });

  it("groups Karpenter's and the load balancer controller's children under sub-components, each aliased to its URN under the component", async () => {
    const p = await get();
    const host = findResource(p, "test:index:Host", "gpu");
    // Where these children were created before the sub-components existed (issue 8).
    // The EC2NodeClass and NodePools took the sub-component's prefix; the rest kept their names.
    const formerName = (name: string) =>
      name.replace(/^ml-dev-karpenter-(gpu-nodeclass|nodepool-)/, "ml-dev-$1");
    const former = (r: PlanResource) =>
      `${host.stateUrn!.replace(/::gpu$/, "$")}${r.type}::${formerName(r.name)}`;
    const children = (type: string, name: string) =>
      childrenOf(p, findResource(p, type, name).urn).map((r) => {
        expect(r.aliases, r.name).toContain(former(r));
        return `${r.type} ${r.name}`;
      });
    const events = INTERRUPTION_EVENTS.map((e) => e.role);
    expect(children(KARPENTER_TYPE, "ml-dev-karpenter").sort()).toEqual(
      [
        `${T.role} ml-dev-karpenter-node-role`,
        ...["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonEKS_CNI_Policy"].map(
          (policy) => `${T.attachment} ml-dev-karpenter-node-${policy}`,
        ),
        `${T.accessEntry} ml-dev-karpenter-node-access`,
        `${T.queue} ml-dev-karpenter-interruption`,
        `${T.queuePolicy} ml-dev-karpenter-interruption-policy`,
        ...events.map((e) => `${T.rule} ml-dev-karpenter-${e}`),
        ...events.map((e) => `${T.target} ml-dev-karpenter-${e}-target`),
        `${T.role} ml-dev-karpenter-controller-role`,
        ...["node-lifecycle", "iam-integration", "eks-integration", "interruption", "resource-discovery"].map(
          (concern) => `${T.rolePolicy} ml-dev-karpenter-controller-${concern}`,
        ),
        `${T.pia} ml-dev-karpenter-pod-identity`,
        `${T.release} ml-dev-karpenter-crd`,
        `${T.release} ml-dev-karpenter`,
        `${T.nodeClass} ml-dev-karpenter-gpu-nodeclass`,
        ...POOLS.map((pool) => `${T.nodePool} ml-dev-karpenter-nodepool-${pool.name}`),
      ].sort(),
    );
    expect(children(AWS_LOAD_BALANCER_CONTROLLER_TYPE, "ml-dev-lb-controller").sort()).toEqual(
      [
        `${T.role} ml-dev-lb-controller-role`,
        `${T.rolePolicy} ml-dev-lb-controller-policy`,
        `${T.pia} ml-dev-lb-controller-pod-identity`,
        `${T.namespace} ml-dev-lb-controller-ns`,
        `${T.networkPolicy} ml-dev-lb-controller-network-policy`,
        `${T.release} ml-dev-lb-controller`,
      ].sort(),
    );
    // The move changes no physical name (the Kubernetes names of the NodePools are the pools'),
    // and the releases and NodePools wait for what they waited for before.
    expect(named(p, T.nodeClass, "ml-dev-karpenter-gpu-nodeclass").inputs["metadata"]).toMatchObject({
      name: GPU_NODE_CLASS_NAME,
    });
    expect(
      resourcesOfType(p, T.nodePool)
        .map((r) => (r.inputs["metadata"] as { name: string }).name)
        .sort(),
    ).toEqual(POOLS.map((pool) => pool.name).sort());
    expect(named(p, T.release, "ml-dev-karpenter").inputs["name"]).toBe("karpenter");
    expect(named(p, T.release, "ml-dev-lb-controller").inputs["name"]).toBe("aws-load-balancer-controller");
    expect(named(p, T.release, "ml-dev-lb-controller").dependencies).toContain(
      named(p, T.release, "ml-dev-karpenter").urn,
    );
    const nodeClass = named(p, T.nodeClass, "ml-dev-karpenter-gpu-nodeclass");
    const sgTag = findResource(p, T.tag);
    const karpenterReleases = [
      named(p, T.release, "ml-dev-karpenter-crd").urn,
      named(p, T.release, "ml-dev-karpenter").urn,
    ];
    // (and the node role, whose name it carries)
    const nodeRole = named(p, T.role, "ml-dev-karpenter-node-role");
    expect([...nodeClass.dependencies].sort()).toEqual(
      [...karpenterReleases, sgTag.urn, nodeRole.urn].sort(),
    );
    for (const pool of resourcesOfType(p, T.nodePool)) {
      expect([...pool.dependencies].sort(), pool.name).toEqual(
        [...karpenterReleases, sgTag.urn, nodeClass.urn].sort(),
      );
    }
  });
});

describe("EKS target, prod", () => {
  it("creates a NAT gateway per AZ, each private subnet routed through its own", async () => {
    const p = await planFor(PROD);
    expect(resourcesOfType(p, T.vpc)).toHaveLength(1);
    expect(resourcesOfType(p, T.subnet)).toHaveLength(6);
    expect(resourcesOfType(p, T.nat)).toHaveLength(3);
    expect(resourcesOfType(p, T.eip)).toHaveLength(3);
    const natRoutes = resourcesOfType(p, T.route).filter((r) => r.inputs["natGatewayId"] !== undefined);
    expect(natRoutes.map((r) => r.inputs["natGatewayId"])).toEqual([
      "ml-prod-nat-0-id",
      "ml-prod-nat-1-id",
      "ml-prod-nat-2-id",
    ]);
  });

  it("opens the public endpoint only to the listed CIDRs and makes the listed roles cluster-admin", async () => {
    const p = await planFor(PROD);
    expect(findResource(p, T.cluster).inputs["vpcConfig"]).toMatchObject({
      endpointPrivateAccess: true,
      endpointPublicAccess: true,
      publicAccessCidrs: ["203.0.113.0/24", "198.51.100.10/32"],
    });
    const admin = "arn:aws:iam::123456789012:role/platform-admin";
    expect(named(p, T.accessEntry, "ml-prod-admin-0").inputs).toMatchObject({
      principalArn: admin,
      type: "STANDARD",
    });
    expect(findResource(p, T.accessPolicy).inputs).toMatchObject({
      principalArn: admin,
      policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
      accessScope: { type: "cluster" },
    });
  });

  it("keeps the endpoint private when no public CIDRs are given, open on 443 to the listed networks only", async () => {
    const p = await planFor(PROD_PRIVATE);
    expect(findResource(p, T.cluster).inputs["vpcConfig"]).toEqual({
      subnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb", "subnet-0dddddddddddddddd"],
      securityGroupIds: ["ml-prod-control-plane-sg-id"],
      endpointPrivateAccess: true,
      endpointPublicAccess: false,
    });
    const rules = p.resources.filter((r) => r.name.startsWith("ml-prod-api-access-"));
    expect(rules.map((r) => r.inputs)).toEqual([
      expect.objectContaining({ ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "10.200.0.0/16" }),
    ]);
  });

  it("puts the private API rules on a dedicated control-plane security group, never on the cluster security group every node and pod ENI carries", async () => {
    const p = await planFor(PROD_PRIVATE);
    const sg = named(p, T.sg, "ml-prod-control-plane-sg");
    // No inline rules (they would fight the rule resources); the provider drops AWS's default egress.
    expect(sg.inputs).toEqual({
      vpcId: "vpc-0123456789abcdef0",
      description: "pulumi-mlops ml-prod-test: EKS API endpoint ENIs (private API access)",
      tags: { ...TAGS, Name: "ml-prod-test-control-plane" },
    });
    expect(findResource(p, T.cluster).dependencies).toContain(sg.urn);
    expect(named(p, T.ingress, "ml-prod-api-access-0").inputs).toEqual({
      securityGroupId: "ml-prod-control-plane-sg-id",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "10.200.0.0/16",
      description: "Kubernetes API (private endpoint) from a deploy/admin network",
      tags: TAGS,
    });
    // Nothing CIDR-based lands on the cluster (node) security group.
    const nodeSg = (p.outputs["aws"] as Record<string, unknown>)["nodeSecurityGroupId"];
    expect(nodeSg).toMatch(/^sg-/);
    const onNodeSg = resourcesOfType(p, T.ingress).filter((r) => r.inputs["securityGroupId"] === nodeSg);
    expect(onNodeSg.filter((r) => r.inputs["cidrIpv4"] !== undefined)).toEqual([]);
    // Created even without private CIDRs, so adding some later does not touch the cluster.
    const dev = await planFor(DEV);
    expect(inputAt(findResource(dev, T.cluster), "vpcConfig.securityGroupIds")).toEqual([
      "ml-dev-control-plane-sg-id",
    ]);
    expect(dev.resources.filter((r) => r.name.startsWith("ml-dev-api-access-"))).toEqual([]);
  });

  it("rejects an API endpoint that nobody running `pulumi up` could reach", () => {
    const schemaProblems = (args: AwsClusterArgs): string[] => {
      const r = awsClusterArgsSchema.safeParse(args);
      return r.success ? [] : formatIssues(r.error, "args.aws");
    };
    expect(schemaProblems({})).toEqual([
      expect.stringMatching(
        /^args\.aws\.endpointPublicAccessCidrs: required when the cluster creates its own VPC/,
      ),
    ]);
    expect(schemaProblems({ existingVpc: PROD_PRIVATE.args.existingVpc })).toEqual([
      expect.stringMatching(/^args\.aws\.endpointPrivateAccessCidrs: required for a private-only endpoint/),
    ]);
    expect(schemaProblems(PROD_PRIVATE.args)).toEqual([]);
    expect(schemaProblems(PROD.args)).toEqual([]);
  });

  it("protects the cluster and its key, enables deletion protection and sizes the system group per AZ", async () => {
    const p = await planFor(PROD_PRIVATE);
    const flagged = p.resources
      .filter((r) => r.protect || r.retainOnDelete)
      .map((r) => `${r.name} ${r.protect} ${r.retainOnDelete}`);
    expect(flagged.sort()).toEqual(["ml-prod-eks true false", "ml-prod-secrets-key true true"]);
    expect(findResource(p, T.cluster).inputs).toMatchObject({
      deletionProtection: true,
      upgradePolicy: { supportType: "EXTENDED" },
    });
    expect(findResource(p, T.nodeGroup).inputs["scalingConfig"]).toEqual({
      minSize: 3,
      desiredSize: 3,
      maxSize: 6,
    });
    expect(findResource(p, T.logGroup).inputs["retentionInDays"]).toBe(365);
  });
});

describe("EKS target, IRSA in staging with 2 AZs", () => {
  const get = () => planFor(IRSA);

  it("spans 2 AZs with one NAT gateway", async () => {
    const p = await get();
    expect(resourcesOfType(p, T.subnet)).toHaveLength(4);
    expect(resourcesOfType(p, T.nat)).toHaveLength(1);
  });

  it("creates the OIDC provider and trusts it for Karpenter and EBS CSI, without the Pod Identity agent", async () => {
    const p = await get();
    const oidc = findResource(p, T.oidc);
    expect(oidc.inputs["clientIdLists"]).toEqual(["sts.amazonaws.com"]);
    const issuer = oidc.inputs["url"] as string;
    expect(issuer).toMatch(/^https:\/\/oidc\.eks\.eu-west-1\.amazonaws\.com\/id\/[0-9A-F]{32}$/);
    const host = issuer.replace("https://", "");
    const trust = json(named(p, T.role, "ml-staging-karpenter-controller-role"), "assumeRolePolicy") as {
      Statement: Statement[];
    };
    expect(trust.Statement[0]).toMatchObject({
      Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${host}` },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          [`${host}:sub`]: "system:serviceaccount:kube-system:karpenter",
          [`${host}:aud`]: "sts.amazonaws.com",
        },
      },
    });
    expect(inputAt(named(p, T.release, "ml-staging-karpenter"), "values.serviceAccount.annotations")).toEqual(
      {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/ml-staging-karpenter-controller-role",
      },
    );
    const ebs = resourcesOfType(p, T.addon).find((a) => a.inputs["addonName"] === "aws-ebs-csi-driver")!;
    expect(ebs.inputs["serviceAccountRoleArn"]).toBe(
      "arn:aws:iam::123456789012:role/ml-staging-ebs-csi-role",
    );
    expect(resourcesOfType(p, T.addon).map((a) => a.inputs["addonName"])).not.toContain(
      "eks-pod-identity-agent",
    );
    expect(resourcesOfType(p, T.pia).filter((r) => r.name.startsWith("ml-staging"))).toEqual([]);
  });

  it("hands the adapter the OIDC provider, which it trusts for the workload role", async () => {
    const p = await get();
    const aws = p.outputs["aws"] as Record<string, string>;
    expect(aws).toMatchObject({ identityMode: "irsa", clusterName: "ml-staging-test" });
    expect(aws["oidcProviderArn"]).toMatch(
      /^arn:aws:iam::123456789012:oidc-provider\/oidc\.eks\.eu-west-1\.amazonaws\.com\/id\//,
    );
    const trust = json(named(p, T.role, "reg-server-role"), "assumeRolePolicy") as { Statement: Statement[] };
    expect(trust.Statement[0]!.Principal).toEqual({ Federated: aws["oidcProviderArn"] });
  });
});

describe("EKS target, adopted VPC", () => {
  it("creates no network and selects Karpenter's subnets by id", async () => {
    const p = await planFor(EXISTING);
    for (const type of [T.vpc, T.subnet, T.nat, T.eip, T.endpoint, T.routeTable])
      expect(resourcesOfType(p, type), type).toEqual([]);
    expect(inputAt(findResource(p, T.cluster), "vpcConfig.subnetIds")).toEqual([
      "subnet-0aaaaaaaaaaaaaaaa",
      "subnet-0bbbbbbbbbbbbbbbb",
    ]);
    expect(inputAt(findResource(p, T.nodeClass), "spec.subnetSelectorTerms")).toEqual([
      { id: "subnet-0aaaaaaaaaaaaaaaa" },
      { id: "subnet-0bbbbbbbbbbbbbbbb" },
    ]);
    expect(p.outputs["aws"]).toMatchObject({ vpcId: "vpc-0123456789abcdef0", vpcCidrBlock: "10.20.0.0/16" });
  });
});

describe("EKS target, AWS Load Balancer Controller", () => {
  const get = () => planFor(DEV);
  const ROLE = "arn:aws:iam::123456789012:role/ml-dev-lb-controller-role";

  it("installs the pinned chart 3.5.0 from eks-charts in its own namespace with explicit cluster, region and VPC (no IMDS)", async () => {
    const p = await get();
    const release = named(p, T.release, "ml-dev-lb-controller");
    expect(release.provider).toMatch(/::ml-dev-k8s::/);
    expect(release.inputs).toMatchObject({
      name: "aws-load-balancer-controller",
      chart: "aws-load-balancer-controller",
      repositoryOpts: { repo: "https://aws.github.io/eks-charts" },
      version: "3.5.0",
      namespace: "aws-load-balancer-controller",
      createNamespace: false,
      atomic: true,
    });
    expect(release.inputs["values"]).toEqual({
      clusterName: "ml-dev-test",
      region: REGION,
      vpcId: "ml-dev-vpc-id",
      image: {
        repository: "public.ecr.aws/eks/aws-load-balancer-controller",
        tag: "v3.5.0",
        pullPolicy: "IfNotPresent",
      },
      replicaCount: 2,
      podDisruptionBudget: { maxUnavailable: 1 },
      serviceAccount: { create: true, name: "aws-load-balancer-controller", annotations: {} },
      podSecurityContext: {
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        fsGroup: 65532,
        seccompProfile: { type: "RuntimeDefault" },
      },
      securityContext: {
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
      nodeSelector: { "kubernetes.io/os": "linux", "mlops.pulumi.com/node-role": "system" },
      tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }],
      ingressClass: "alb",
      createIngressClassResource: true,
      ingressClassParams: { create: false },
      ingressClassConfig: { default: false },
      defaultLoadBalancerScheme: "internal",
      defaultTargetType: "ip",
      enableServiceMutatorWebhook: true,
      enableWaf: false,
      enableWafv2: true,
      enableShield: false,
      defaultTags: TAGS,
      keepTLSSecret: true,
      clusterSecretsPermissions: { allowAllSecrets: false },
      logLevel: "info",
    });
    expect(named(p, T.namespace, "ml-dev-lb-controller-ns").inputs["metadata"]).toMatchObject({
      name: "aws-load-balancer-controller",
      labels: {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "app.kubernetes.io/component": "load-balancer-controller",
      },
    });
    // The IngressClass "alb" exists once the cluster is up; other components wait on `ready`.
    expect(p.outputs["ingressClassName"]).toBe("alb");
    expect(p.outputs["ready"] as string[]).toContain(release.urn);
  });

  it("binds its own role through Pod Identity to exactly its ServiceAccount, before the release", async () => {
    const p = await get();
    const trust = json(named(p, T.role, "ml-dev-lb-controller-role"), "assumeRolePolicy") as {
      Statement: Statement[];
    };
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0]).toMatchObject({
      Principal: { Service: "pods.eks.amazonaws.com" },
      Condition: {
        StringEquals: {
          "aws:RequestTag/kubernetes-namespace": "aws-load-balancer-controller",
          "aws:RequestTag/kubernetes-service-account": "aws-load-balancer-controller",
        },
      },
    });
    const pia = named(p, T.pia, "ml-dev-lb-controller-pod-identity");
    expect(pia.inputs).toEqual({
      clusterName: "ml-dev-test",
      namespace: "aws-load-balancer-controller",
      serviceAccount: "aws-load-balancer-controller",
      roleArn: ROLE,
      tags: TAGS,
    });
    const release = named(p, T.release, "ml-dev-lb-controller");
    expect(release.dependencies).toEqual(
      expect.arrayContaining([
        pia.urn,
        named(p, T.rolePolicy, "ml-dev-lb-controller-policy").urn,
        named(p, T.namespace, "ml-dev-lb-controller-ns").urn,
        named(p, T.networkPolicy, "ml-dev-lb-controller-network-policy").urn,
        findResource(p, T.nodeGroup).urn,
        // After Karpenter: the chart's Service webhook fails closed while its first pods start.
        named(p, T.release, "ml-dev-karpenter").urn,
      ]),
    );
  });

  it("admits the API server to the webhook (9443) from the VPC only and lets the pods reach DNS, HTTPS and the Pod Identity agent", async () => {
    const p = await get();
    const np = named(p, T.networkPolicy, "ml-dev-lb-controller-network-policy");
    expect(np.inputs["metadata"]).toMatchObject({
      name: "platform",
      namespace: "aws-load-balancer-controller",
    });
    expect(np.inputs["spec"]).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        { from: [{ ipBlock: { cidr: "10.0.0.0/16" } }], ports: [{ protocol: "TCP", port: 9443 }] },
        { from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: 8080 }] },
      ],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
        {
          to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }],
          ports: [{ protocol: "TCP", port: 443 }],
        },
        { to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
      ],
    });
  });

  it("scopes the IAM policy to this cluster's tag, VPC, region and account, and passes the pack's least-privilege checks", async () => {
    const p = await get();
    const policy = json(named(p, T.rolePolicy, "ml-dev-lb-controller-policy"), "policy") as {
      Statement: Statement[];
    };
    // Inline policies are checked like managed ones: no admin, wildcard action, "*" on a
    // resource-scopable action, or escalation on all resources.
    expect(documentFindings(parsePolicyDocument(policy)!)).toEqual({
      admin: [],
      wildcardActions: [],
      wildcardResources: [],
      escalation: [],
    });
    const by = (sid: string) => policy.Statement.find((s) => s.Sid === sid)!;
    const arns = policy.Statement.flatMap((s) => list(s.Resource)).filter((r) => r !== "*");
    for (const arn of arns)
      expect(arn).toMatch(
        /^arn:aws:(ec2|elasticloadbalancing|acm|wafv2):eu-west-1:123456789012:|^arn:aws:iam::123456789012:/,
      );
    expect(by("CreateElbServiceLinkedRole")).toEqual({
      Sid: "CreateElbServiceLinkedRole",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource:
        "arn:aws:iam::123456789012:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing",
      Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
    });
    expect(by("RegionalReadActions").Condition).toEqual({ StringEquals: { "aws:RequestedRegion": REGION } });
    // Creation only with this cluster's tag; changes and deletes only on what carries it.
    expect(by("CreateTaggedLoadBalancers").Condition).toEqual({
      StringEquals: { "aws:RequestTag/elbv2.k8s.aws/cluster": "ml-dev-test" },
    });
    expect(by("ModifyOwnLoadBalancers").Condition).toEqual({
      StringEquals: { "aws:ResourceTag/elbv2.k8s.aws/cluster": "ml-dev-test" },
    });
    expect(list(by("ModifyOwnLoadBalancers").Action)).toContain("elasticloadbalancing:DeleteLoadBalancer");
    expect(by("DeleteOwnSecurityGroups")).toMatchObject({
      Action: "ec2:DeleteSecurityGroup",
      Resource: "arn:aws:ec2:eu-west-1:123456789012:security-group/*",
      Condition: { StringEquals: { "aws:ResourceTag/elbv2.k8s.aws/cluster": "ml-dev-test" } },
    });
    expect(by("CreateSecurityGroupsInClusterVpc").Resource).toEqual([
      "arn:aws:ec2:eu-west-1:123456789012:vpc/ml-dev-vpc-id",
      "arn:aws:ec2:eu-west-1:123456789012:security-group/*",
    ]);
    expect(by("EditSecurityGroupRulesInClusterVpc").Condition).toEqual({
      ArnEquals: { "ec2:Vpc": "arn:aws:ec2:eu-west-1:123456789012:vpc/ml-dev-vpc-id" },
    });
    // WAF Classic and Shield Advanced are off in the chart values, and not granted.
    const actions = policy.Statement.flatMap((s) => list(s.Action));
    expect(actions.filter((a) => /^(waf-regional|shield|cognito-idp):/.test(a))).toEqual([]);
    expect(
      (named(p, T.rolePolicy, "ml-dev-lb-controller-policy").inputs["policy"] as string).length,
    ).toBeLessThan(10_240);
  });

  it("uses IRSA when the cluster does: annotated ServiceAccount, OIDC trust, no Pod Identity association or agent egress", async () => {
    const p = await planFor(IRSA);
    const release = named(p, T.release, "ml-staging-lb-controller");
    expect(inputAt(release, "values.serviceAccount.annotations")).toEqual({
      "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/ml-staging-lb-controller-role",
    });
    const host = (findResource(p, T.oidc).inputs["url"] as string).replace("https://", "");
    const trust = json(named(p, T.role, "ml-staging-lb-controller-role"), "assumeRolePolicy") as {
      Statement: Statement[];
    };
    expect(trust.Statement[0]!.Condition).toEqual({
      StringEquals: {
        [`${host}:sub`]: "system:serviceaccount:aws-load-balancer-controller:aws-load-balancer-controller",
        [`${host}:aud`]: "sts.amazonaws.com",
      },
    });
    expect(resourcesOfType(p, T.pia).filter((r) => r.name.startsWith("ml-staging-lb"))).toEqual([]);
    const egress = inputAt(
      named(p, T.networkPolicy, "ml-staging-lb-controller-network-policy"),
      "spec.egress",
    );
    expect(JSON.stringify(egress)).not.toContain("169.254.170.23");
  });

  it("is not installed with loadBalancerController: false (no class to offer downstream)", async () => {
    const p = await planFor({
      ...DEV,
      args: { ...DEV.args, loadBalancerController: false },
      withAdapter: false,
    });
    expect(p.resources.filter((r) => r.name.startsWith("ml-dev-lb-controller"))).toEqual([]);
    expect(p.outputs["ingressClassName"]).toBeUndefined();
    expect(findResource(p, T.cluster).inputs["name"]).toBe("ml-dev-test");
  });
});

describe("EKS admin access entries", () => {
  it("rejects a role listed twice (EKS keeps one access entry per principal)", () => {
    const admin = "arn:aws:iam::123456789012:role/platform-admin";
    const r = awsClusterArgsSchema.safeParse({ ...PROD.args, adminRoleArns: [admin, admin] });
    expect(r.success ? [] : formatIssues(r.error, "args.aws")).toEqual([
      `args.aws.adminRoleArns[1]: "${admin}" is listed twice; EKS allows one access entry per principal`,
    ]);
  });

  it("keeps EKS's own admin entry for the cluster creator and adds exactly one entry per listed role", async () => {
    const p = await planFor(PROD);
    expect(inputAt(findResource(p, T.cluster), "accessConfig")).toEqual({
      authenticationMode: "API",
      bootstrapClusterCreatorAdminPermissions: true,
    });
    const admins = resourcesOfType(p, T.accessEntry).filter((r) => r.inputs["type"] === "STANDARD");
    expect(admins.map((r) => r.inputs["principalArn"])).toEqual([
      "arn:aws:iam::123456789012:role/platform-admin",
    ]);
  });
});

describe("EKS target physical names", () => {
  async function physicalNames(stack: string, clusterName?: string): Promise<string[]> {
    const plan = await planOf(
      () => {
        const parent = new Host("gpu");
        createAwsCluster(
          {
            ...componentContext(parent, "gpu-cluster", { environment: "dev", tags: TAGS, protect: false }),
            ...(clusterName ? { clusterName } : {}),
          },
          resolvedAws(DEV.args, "dev"),
          POOLS,
        );
      },
      { config, stack },
    );
    return accountScopedPhysicalNames(plan)
      .map((u) => `${u.type} ${u.value}`)
      .sort();
  }

  it("puts the stack into every name that is unique per account/region: cluster, log group, KMS alias, queue", async () => {
    expect(await physicalNames("team-a.dev")).toEqual([
      "aws:cloudwatch/logGroup:LogGroup /aws/eks/gpu-cluster-team-a-dev/cluster",
      "aws:eks/cluster:Cluster gpu-cluster-team-a-dev",
      "aws:kms/alias:Alias alias/gpu-cluster-team-a-dev-eks-secrets",
      "aws:sqs/queue:Queue gpu-cluster-team-a-dev-karpenter",
    ]);
  });

  it("uses an explicit clusterName as it is (e.g. to keep an existing cluster's names)", async () => {
    expect(await physicalNames("team-a.dev", "gpu-cluster")).toEqual([
      "aws:cloudwatch/logGroup:LogGroup /aws/eks/gpu-cluster/cluster",
      "aws:eks/cluster:Cluster gpu-cluster",
      "aws:kms/alias:Alias alias/gpu-cluster-eks-secrets",
      "aws:sqs/queue:Queue gpu-cluster-karpenter",
    ]);
  });

  it("cuts a long stack name to the 40-character cluster limit with a hash that keeps stacks apart", async () => {
    const [a, b] = await Promise.all([
      physicalNames("a-very-long-stack-name-for-the-production-account-1"),
      physicalNames("a-very-long-stack-name-for-the-production-account-2"),
    ]);
    const cluster = (names: string[]) =>
      names.find((n) => n.startsWith("aws:eks/cluster:Cluster "))!.split(" ")[1]!;
    expect(cluster(a)).toMatch(/^gpu-cluster-a-very-long-stack-nam-[0-9a-f]{6}$/);
    expect(cluster(a)).toHaveLength(40);
    expect(cluster(a)).not.toBe(cluster(b));
    expect(a.filter((n) => b.includes(n))).toEqual([]);
  });
});

describe("manifest builders", () => {
  it("nodePoolManifest and ec2NodeClassManifest are plain, deterministic objects", () => {
    const np = nodePoolManifest(POOLS[0]!, {
      nodeClassName: "other",
      consolidateAfter: "1m",
      expireAfter: "Never",
    });
    expect(np.metadata.name).toBe("l4-spot");
    expect(np.spec.template.spec.nodeClassRef.name).toBe("other");
    expect(np.spec.disruption.consolidateAfter).toBe("1m");
    expect(np.spec.template.spec.expireAfter).toBe("Never");
    expect(JSON.parse(JSON.stringify(np))).toEqual(np);
    const nc = ec2NodeClassManifest({
      clusterName: "c",
      nodeRoleName: "r",
      amiRelease: "v20260714",
      rootVolumeGb: 100,
      tags: { team: "ml", "kubernetes.io/cluster/c": "owned", "eks:eks-cluster-name": "c", empty: "" },
    });
    // Restricted tag keys (the CRD rejects them) and empty values are dropped.
    expect(nc.spec.tags).toEqual({ team: "ml" });
    expect(nc.spec.amiSelectorTerms).toEqual([{ alias: "al2023@v20260714" }]);
  });
});

describe("EKS target input validation", () => {
  function schemaProblems(args: unknown): string[] {
    const r = awsClusterArgsSchema.safeParse(args);
    return r.success ? [] : formatIssues(r.error, "args.aws");
  }

  // The component's resolver checks the builder's args and pools (the builder checks nothing again).
  async function failureOf(environment: Environment, args: AwsClusterArgs, pools: GpuPoolArgs[] = POOLS) {
    let thrown: unknown;
    const plan = await planOf(
      () => {
        try {
          new GpuTrainingCluster("ml", {
            target: "aws",
            environment,
            aws: args,
            gpuPools: pools,
            tags: TAGS,
          });
        } catch (e) {
          thrown = e;
        }
      },
      { config },
    );
    expect(thrown).toBeInstanceOf(Error);
    // Validation runs before any child is created.
    expect(
      plan.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("kubernetes:")),
    ).toEqual([]);
    return (thrown as Error).message;
  }

  it("rejects an endpoint open to the internet", () => {
    expect(schemaProblems({ endpointPublicAccessCidrs: ["0.0.0.0/0"] })).toEqual([
      'args.aws.endpointPublicAccessCidrs[0]: "0.0.0.0/0" opens the Kubernetes API to the internet; list your office/VPN ranges instead',
    ]);
    expect(schemaProblems({ endpointPublicAccessCidrs: ["::/0"] })[0]).toMatch(/opens the Kubernetes API/);
    expect(schemaProblems({ endpointPublicAccessCidrs: ["0.0.0.0/4"] })[0]).toMatch(
      /prefix of \/8 or longer/,
    );
    expect(schemaProblems({ endpointPublicAccessCidrs: [] })[0]).toMatch(
      /leave it out for a private endpoint/,
    );
  });

  it("rejects 2 AZs and a single NAT gateway in prod, naming the keys", async () => {
    const message = await failureOf("prod", { availabilityZoneCount: 2, natGateways: "single" });
    expect(message).toContain("args.aws.availabilityZoneCount: must be 3 in prod");
    expect(message).toContain('args.aws.natGateways: must be "perAz" in prod');
  });

  it("rejects an instance family that does not carry the pool's GPU model", async () => {
    const message = await failureOf("dev", {}, [
      { name: "l4", gpuType: "nvidia-l4", capacityType: "spot", maxGpus: 4, instanceFamilies: ["g6", "m5"] },
      {
        name: "h100",
        gpuType: "nvidia-h100",
        capacityType: "on-demand",
        maxGpus: 8,
        instanceFamilies: ["p5e"],
      },
    ]);
    expect(message).toContain(
      'args.gpuPools[0].instanceFamilies: "m5" is not an EC2 family with nvidia-l4 GPUs; use one of "g6", "gr6"',
    );
    expect(message).toContain(
      'args.gpuPools[1].instanceFamilies: "p5e" is not an EC2 family with nvidia-h100 GPUs',
    );
    // A GPU limit below 1 is the pool schema's (the builder no longer checks it a second time).
    const zero = await failureOf("dev", {}, [{ name: "h100", gpuType: "nvidia-h100", maxGpus: 0 }]);
    expect(zero).toContain("args.gpuPools[0].maxGpus: must be at least 1 (every pool needs a GPU limit)");
  });

  it("rejects a system group whose max is below its min, and duplicate pool names", async () => {
    expect(
      schemaProblems({
        endpointPublicAccessCidrs: ["203.0.113.0/24"],
        systemNodeGroup: { minSize: 4, maxSize: 3 },
      }),
    ).toEqual(["args.aws.systemNodeGroup.maxSize: must be at least minSize (4)"]);
    const message = await failureOf("dev", { systemNodeGroup: { minSize: 4, maxSize: 3 } }, [
      POOLS[0]!,
      POOLS[0]!,
    ]);
    expect(message).toContain("args.aws.systemNodeGroup.maxSize: must be at least minSize (4)");
    expect(message).toContain('args.gpuPools[1].name: "l4-spot" is used by another pool');
  });

  it("rejects settings that make no sense with an adopted VPC, and a bad VPC", () => {
    const existingVpc = {
      vpcId: "vpc-0123456789abcdef0",
      vpcCidrBlock: "10.0.0.0/16",
      privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa"],
      publicSubnetIds: [],
    };
    expect(
      schemaProblems({ existingVpc, vpcCidr: "10.1.0.0/16", endpointPrivateAccessCidrs: ["10.0.0.0/16"] }),
    ).toEqual([
      "args.aws.existingVpc.privateSubnetIds: needs at least two subnets in different AZs (EKS requires two)",
      "args.aws.vpcCidr: is not used with existingVpc (the VPC exists already); remove it",
    ]);
  });

  it("rejects unpinned or unsupported versions, bad CIDRs, AZ counts and unknown keys", () => {
    const problems = schemaProblems({
      endpointPublicAccessCidrs: ["203.0.113.0/24"],
      kubernetesVersion: "1.30",
      karpenterVersion: "latest",
      amiRelease: "latest",
      vpcCidr: "10.0.1.0/16",
      availabilityZoneCount: 4,
      adminRoleArns: ["arn:aws:iam::123456789012:user/alice"],
      region: "us-east-1",
    });
    expect(problems.pop()).toMatch(/^args\.aws\.region: unknown key/);
    expect(problems).toEqual([
      "args.aws.availabilityZoneCount: must be <=3",
      'args.aws.vpcCidr: "10.0.1.0/16" is not a network address (host bits must be zero for /16)',
      'args.aws.kubernetesVersion: must be one of "1.34", "1.35", "1.36"',
      'args.aws.adminRoleArns[0]: must be an IAM role ARN such as "arn:aws:iam::123456789012:role/platform-admin"',
      'args.aws.karpenterVersion: must be an exact Karpenter 1.x release from 1.14.0 on, such as "1.14.1"',
      'args.aws.amiRelease: must be an EKS AMI release such as "v20260714" ("latest" drifts)',
    ]);
    const reach = { endpointPublicAccessCidrs: ["203.0.113.0/24"] };
    expect(schemaProblems({ ...reach, vpcCidr: "10.0.0.0/24" })).toEqual([
      'args.aws.vpcCidr: "10.0.0.0/24" must have a prefix length from /16 to /20',
    ]);
    expect(schemaProblems(reach)).toEqual([]);
  });
});
