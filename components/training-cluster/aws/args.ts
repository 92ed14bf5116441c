/**
 * The public contract of the EKS target of `mlops:index:GpuTrainingCluster` (`args.aws`): a
 * hand-written, documented args interface, the zod schema that validates it, and the defaults
 * resolver that applies the environment preset and the rules that need the environment.
 *
 * The region is not an argument: it is the AWS provider's (`aws:region`).
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AwsIdentityMode, DEFAULT_AWS_IDENTITY_MODE } from "../../adapters";
import { PRESETS, type Environment } from "../../shared/presets";
import { cidrProblem } from "../../shared/cidr";
import { cidrSchema } from "../../shared/schemas";
import { refineWith, type BlockResolution, type Problem } from "../../shared/contract";
import { input } from "../../shared/validation";

// ---------------------------------------------------------------------------------------------
// Pinned versions
// ---------------------------------------------------------------------------------------------

/**
 * Kubernetes minor versions this target accepts: the ones in EKS standard support in late 2026
 * (1.34 until 2026-12-02, 1.35 until 2027-03-27, 1.36 until 2027-08-02 — EKS release calendar,
 * https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html) that Karpenter 1.14
 * supports (compatibility matrix: 1.34 ≥ 1.6, 1.35 ≥ 1.9, 1.36 ≥ 1.13;
 * https://karpenter.sh/v1.14/upgrading/compatibility/) and that AMI release `DEFAULT_AMI_RELEASE`
 * was built for (it ships AL2023 AMIs for 1.30–1.36).
 */
export const EksKubernetesVersion = {
  /** Standard support until 2026-12-02. */
  v1_34: "1.34",
  /** Standard support until 2027-03-27. */
  v1_35: "1.35",
  /** Standard support until 2027-08-02. */
  v1_36: "1.36",
} as const;
export type EksKubernetesVersion = (typeof EksKubernetesVersion)[keyof typeof EksKubernetesVersion];
const KUBERNETES_VERSIONS = Object.values(EksKubernetesVersion) as [
  EksKubernetesVersion,
  ...EksKubernetesVersion[],
];

/**
 * Kubernetes 1.36: the newest EKS version (on EKS since 2026-06-02, standard support until
 * 2027-08-02; https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions-standard.html)
 * and the version Karpenter v1.14.1's getting-started guide pins (`K8S_VERSION="1.36"`,
 * karpenter.sh/v1.14/getting-started/getting-started-with-karpenter/).
 */
export const DEFAULT_KUBERNETES_VERSION: EksKubernetesVersion = EksKubernetesVersion.v1_36;

/**
 * Karpenter Helm chart (oci://public.ecr.aws/karpenter/karpenter and karpenter-crd) version
 * 1.14.1: the release whose CRDs (NodePool karpenter.sh/v1, EC2NodeClass karpenter.k8s.aws/v1)
 * the custom resources of this target are written against (aws/karpenter-provider-aws tag
 * v1.14.1, pkg/apis/crds; the getting-started guide's `KARPENTER_VERSION="1.14.1"`).
 */
export const DEFAULT_KARPENTER_VERSION = "1.14.1";

/**
 * EKS-optimized AL2023 AMI release the GPU nodes run (`amiSelectorTerms: [{ alias:
 * "al2023@v20260714" }]`). Pinned, because `al2023@latest` makes Karpenter drift (replace) every
 * node on each weekly AMI release (karpenter.sh/v1.14/concepts/nodeclasses/, "amiSelectorTerms").
 * v20260714 is the newest release in awslabs/amazon-eks-ami CHANGELOG.md at the time of writing;
 * it includes `amazon-eks-node-al2023-x86_64-nvidia-1.36-v20260714` (and the 1.33–1.35 builds).
 * To move on: pick a newer tag from https://github.com/awslabs/amazon-eks-ami/releases.
 */
export const DEFAULT_AMI_RELEASE = "v20260714";

// ---------------------------------------------------------------------------------------------
// Args
// ---------------------------------------------------------------------------------------------

/** How many NAT gateways carry the private subnets' egress. */
export const NatGatewayMode = {
  /** One NAT gateway (in the first AZ) for all private subnets: cheapest, but one AZ failure cuts egress. */
  single: "single",
  /** One NAT gateway per AZ, each private subnet routed through its own AZ's gateway. */
  perAz: "perAz",
} as const;
export type NatGatewayMode = (typeof NatGatewayMode)[keyof typeof NatGatewayMode];

/** An existing VPC to adopt instead of creating one. Nothing in it is modified. */
export interface AwsExistingVpcArgs {
  /** VPC id, e.g. "vpc-0123456789abcdef0". */
  vpcId: pulumi.Input<string>;
  /** The VPC's primary IPv4 CIDR (NetworkPolicy egress to in-VPC services is limited to it). */
  vpcCidrBlock: pulumi.Input<string>;
  /**
   * Private subnets (routed through NAT, no public IPs) for the control-plane ENIs and every node:
   * at least two, in different AZs. Karpenter selects them by id.
   */
  privateSubnetIds: pulumi.Input<string>[];
  /**
   * Public subnets for internet-facing load balancers. They must already carry the tag
   * `kubernetes.io/role/elb: 1` (and the private ones `kubernetes.io/role/internal-elb: 1`) for the
   * AWS Load Balancer Controller to find them. May be empty (no internet-facing load balancers).
   */
  publicSubnetIds: pulumi.Input<string>[];
}

/** The on-demand managed node group for Karpenter, CoreDNS, the EBS CSI controller and operators. */
export interface AwsSystemNodeGroupArgs {
  /**
   * Instance types, in order of preference (EKS launches the first one with capacity). m7i.xlarge
   * (4 vCPU, 16 GiB) fits Karpenter (1 vCPU / 1 GiB per replica, as in Karpenter's guide), CoreDNS,
   * the EBS CSI controller, Kueue, the GPU operator and the model registry on two nodes; x86 because
   * not every operator image is published for arm64; m6i.xlarge is the same shape as a fallback.
   * @default ["m7i.xlarge", "m6i.xlarge"]
   */
  instanceTypes?: string[];
  /**
   * Minimum nodes. At least 2: Karpenter runs two replicas on different nodes.
   * @default 2 in dev and staging, 3 in prod (one per AZ)
   */
  minSize?: number;
  /** Nodes at creation (nothing autoscales this group afterwards). @default minSize */
  desiredSize?: number;
  /** Maximum nodes. @default 3 in dev and staging, 6 in prod */
  maxSize?: number;
  /** Encrypted gp3 root volume size in GiB. @default 50 */
  diskSizeGb?: number;
}

/** Settings of the EKS target (`args.aws`). */
export interface AwsClusterArgs {
  /**
   * Availability zones the VPC spans (the first N zones of the region). 2 is allowed outside prod
   * only. Ignored with `existingVpc` (and rejected when set with it).
   * @default 3
   */
  availabilityZoneCount?: number;
  /**
   * IPv4 CIDR of the VPC, a /16 to /20. Each AZ gets a private subnet of a quarter of it (pods take
   * VPC IPs with the VPC CNI) and a public subnet of 1/64 for load balancers.
   * @default "10.0.0.0/16"
   */
  vpcCidr?: string;
  /** Adopt this VPC instead of creating one (no VPC endpoints are added to it). @default undefined (create a VPC) */
  existingVpc?: AwsExistingVpcArgs;
  /**
   * NAT gateways for the private subnets. "single" is rejected in prod.
   * @default "single" in dev and staging, "perAz" in prod
   */
  natGateways?: NatGatewayMode;
  /**
   * Kubernetes minor version of the control plane and the system node group.
   * @default "1.36" (see DEFAULT_KUBERNETES_VERSION)
   */
  kubernetesVersion?: EksKubernetesVersion;
  /**
   * CIDRs allowed to reach the public API endpoint. Without it the endpoint is private only (reach
   * it from inside the VPC, a peered network or a VPN). "0.0.0.0/0" and "::/0" are rejected.
   * @default undefined (private endpoint only)
   */
  endpointPublicAccessCidrs?: string[];
  /**
   * CIDRs (inside the VPC or connected to it by VPN, peering or Transit Gateway) whose hosts may
   * reach the private API endpoint: a TCP 443 rule each on the cluster's dedicated control-plane
   * security group (attached to the API endpoint's ENIs only, not to nodes or pods). The hosts
   * that run `pulumi up` must be among them (or in `endpointPublicAccessCidrs`): the same run
   * installs Karpenter and the in-cluster parts through the API.
   * @default [] (only the cluster's own nodes)
   */
  endpointPrivateAccessCidrs?: string[];
  /**
   * IAM role ARNs that get cluster-admin through EKS access entries (AmazonEKSClusterAdminPolicy),
   * each listed once. The identity that creates the cluster (the first `pulumi up`) is admin
   * already: EKS gives it its own access entry (`bootstrapClusterCreatorAdminPermissions`), so do
   * not list that role here: a second entry for it fails with ResourceInUseException.
   * @default []
   */
  adminRoleArns?: string[];
  /** The system node group. @default see AwsSystemNodeGroupArgs */
  systemNodeGroup?: AwsSystemNodeGroupArgs;
  /**
   * Karpenter Helm chart version (1.14.0 or a newer 1.x: the NodePool and EC2NodeClass this target
   * writes are checked against the v1.14.1 CRDs).
   * @default "1.14.1"
   */
  karpenterVersion?: string;
  /**
   * EKS-optimized AL2023 AMI release (`vYYYYMMDD`) of the GPU nodes, from
   * https://github.com/awslabs/amazon-eks-ami/releases. Karpenter picks the NVIDIA variant of it
   * for GPU instance types.
   * @default "v20260714"
   */
  amiRelease?: string;
  /**
   * How pods get AWS credentials (Karpenter, the EBS CSI driver, and the identities the cloud
   * adapters create). "podIdentity": no OIDC provider or issuer-specific trust policies, and it is
   * what Karpenter's own guide uses; "irsa" creates the cluster's IAM OIDC provider instead.
   * @default "podIdentity" (`DEFAULT_AWS_IDENTITY_MODE`)
   */
  identityMode?: AwsIdentityMode;
  /** Encrypted gp3 root volume of the GPU nodes in GiB (container images of CUDA stacks are large). @default 200 */
  gpuNodeDiskSizeGb?: number;
  /**
   * Install the AWS Load Balancer Controller (pinned chart 3.5.0, its own least-privilege IAM role)
   * and its IngressClass "alb", which the model registry's Ingress uses on AWS. Load balancers it
   * creates are internal unless an Ingress asks otherwise. Turn it off only when the cluster gets
   * its ingress controller elsewhere (then set the registry's `ingress.className`). AWS only: an
   * adopted (`existing`) or GKE cluster rejects the whole `aws` block.
   * @default true
   */
  loadBalancerController?: boolean;
}

/** Defaults that do not depend on the environment. */
export const AWS_CLUSTER_DEFAULTS = {
  availabilityZoneCount: 3,
  vpcCidr: "10.0.0.0/16",
  kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
  karpenterVersion: DEFAULT_KARPENTER_VERSION,
  amiRelease: DEFAULT_AMI_RELEASE,
  identityMode: DEFAULT_AWS_IDENTITY_MODE,
  loadBalancerController: true,
  systemInstanceTypes: ["m7i.xlarge", "m6i.xlarge"],
  systemDiskSizeGb: 50,
  gpuNodeDiskSizeGb: 200,
} as const;

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

const OPEN_CIDRS = new Set(["0.0.0.0/0", "::/0"]);

/** The VPC: /16 to /20, so that the subnet plan (`subnetLayout`) has room. */
const vpcCidr = cidrSchema({ minPrefix: 16, maxPrefix: 20, example: "10.0.0.0/16" });

const publicAccessCidr = z.string().superRefine((v, ctx) => {
  const problem = OPEN_CIDRS.has(v)
    ? `"${v}" opens the Kubernetes API to the internet; list your office/VPN ranges instead`
    : cidrProblem(v, { minPrefix: 8, example: "203.0.113.0/24" });
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const idOf = (prefix: string) =>
  input(z.string().regex(new RegExp(`^${prefix}-[0-9a-f]{8,17}$`), { message: `must be a ${prefix} id` }));

const instanceType = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: 'must be an EC2 instance type such as "m7i.xlarge"' });

/** Field schemas of `AwsClusterArgs`, without the cross-field rules.  @internal */
export const awsClusterArgsObject = z
  .object({
    availabilityZoneCount: z.number().int().min(2).max(3).optional(),
    vpcCidr: vpcCidr.optional(),
    existingVpc: z
      .object({
        vpcId: idOf("vpc"),
        vpcCidrBlock: input(cidrSchema({ example: "10.0.0.0/16" })),
        privateSubnetIds: z
          .array(idOf("subnet"))
          .min(2, { message: "needs at least two subnets in different AZs (EKS requires two)" }),
        publicSubnetIds: z.array(idOf("subnet")),
      })
      .strict()
      .optional(),
    natGateways: z.enum([NatGatewayMode.single, NatGatewayMode.perAz]).optional(),
    kubernetesVersion: z.enum(KUBERNETES_VERSIONS).optional(),
    endpointPublicAccessCidrs: z
      .array(publicAccessCidr)
      .min(1, { message: "must list at least one CIDR; leave it out for a private endpoint" })
      .optional(),
    endpointPrivateAccessCidrs: z
      .array(publicAccessCidr)
      .min(1, { message: "must list at least one CIDR; leave it out when none is needed" })
      .optional(),
    adminRoleArns: z
      .array(
        z.string().regex(/^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
          message: 'must be an IAM role ARN such as "arn:aws:iam::123456789012:role/platform-admin"',
        }),
      )
      .optional(),
    systemNodeGroup: z
      .object({
        instanceTypes: z.array(instanceType).min(1).optional(),
        minSize: z
          .number()
          .int()
          .min(2, { message: "must be at least 2 (Karpenter runs two replicas on different nodes)" })
          .max(100)
          .optional(),
        desiredSize: z.number().int().min(2).max(100).optional(),
        maxSize: z.number().int().min(2).max(100).optional(),
        diskSizeGb: z.number().int().min(20).max(16_384).optional(),
      })
      .strict()
      .optional(),
    karpenterVersion: z
      .string()
      .regex(/^1\.(1[4-9]|[2-9]\d)\.\d+$/, {
        message: 'must be an exact Karpenter 1.x release from 1.14.0 on, such as "1.14.1"',
      })
      .optional(),
    amiRelease: z
      .string()
      .regex(/^v20\d{6}$/, { message: 'must be an EKS AMI release such as "v20260714" ("latest" drifts)' })
      .optional(),
    identityMode: z.enum([AwsIdentityMode.irsa, AwsIdentityMode.podIdentity]).optional(),
    gpuNodeDiskSizeGb: z.number().int().min(50).max(16_384).optional(),
    loadBalancerController: z.boolean().optional(),
  })
  .strict();

/** @internal zod schema: kept out of the published declarations (stripInternal). */
type CheckedArgs = z.output<typeof awsClusterArgsObject>;

/**
 * Runtime schema of `AwsClusterArgs` on its own: the field schemas plus the cross-field rules that
 * do not need the environment. The component's pipeline does not use it: it parses
 * `awsClusterArgsObject` and runs every rule once in `resolveAwsClusterArgs`.
 * @internal
 */
export const awsClusterArgsSchema = awsClusterArgsObject.superRefine(
  refineWith<CheckedArgs>((v) => awsClusterArgsProblems(v)),
);

// ---------------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------------

/** `AwsClusterArgs` with every default applied for one environment. */
export interface ResolvedAwsClusterArgs {
  availabilityZoneCount: number;
  vpcCidr: string;
  existingVpc: AwsExistingVpcArgs | undefined;
  natGateways: NatGatewayMode;
  kubernetesVersion: string;
  /** Empty: the API endpoint is private only. */
  endpointPublicAccessCidrs: string[];
  /** Sources admitted to the private endpoint on 443 besides the nodes. */
  endpointPrivateAccessCidrs: string[];
  adminRoleArns: string[];
  systemNodeGroup: Required<AwsSystemNodeGroupArgs>;
  karpenterVersion: string;
  amiRelease: string;
  identityMode: AwsIdentityMode;
  gpuNodeDiskSizeGb: number;
  /** Whether the AWS Load Balancer Controller is installed. */
  loadBalancerController: boolean;
  /** EKS upgrade policy: "STANDARD" in dev (no extended-support charges), "EXTENDED" elsewhere. */
  supportType: string;
  /** Days the control-plane log group keeps logs: 30 in dev, 365 in staging and prod. */
  logRetentionDays: number;
  /** API-side deletion protection of the cluster (the preset's `deletionProtection`). */
  deletionProtection: boolean;
}

/**
 * Cross-field rules of `AwsClusterArgs` that do not need the environment (`resolveAwsClusterArgs`
 * runs them; alone only while other fields are invalid, when no defaults can be applied).
 * @internal
 */
export function awsClusterArgsProblems(v: AwsClusterArgs): Problem[] {
  const problems: Problem[] = [];
  // The same `pulumi up` that creates the cluster installs Karpenter and the in-cluster parts
  // through its API: whoever runs it must be able to reach the endpoint.
  if (!v.endpointPublicAccessCidrs?.length) {
    if (!v.existingVpc) {
      problems.push({
        path: ["endpointPublicAccessCidrs"],
        message:
          "required when the cluster creates its own VPC: nothing outside a new VPC reaches a private-only endpoint during the same `pulumi up`. List your deploy runners' CIDRs (e.g. CI egress IPs), or adopt a VPC they reach (existingVpc) and list them in endpointPrivateAccessCidrs",
      });
    } else if (!v.endpointPrivateAccessCidrs?.length) {
      problems.push({
        path: ["endpointPrivateAccessCidrs"],
        message:
          "required for a private-only endpoint: the CIDRs (in or connected to the VPC) that run `pulumi up`; the cluster security group admits only the nodes otherwise",
      });
    }
  }
  if (v.existingVpc) {
    for (const key of ["availabilityZoneCount", "vpcCidr", "natGateways"] as const) {
      if (v[key] !== undefined)
        problems.push({
          path: [key],
          message: "is not used with existingVpc (the VPC exists already); remove it",
        });
    }
  }
  // EKS keeps one access entry per principal: a second CreateAccessEntry for the same ARN fails
  // with ResourceInUseException (https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessEntry.html).
  (v.adminRoleArns ?? []).forEach((arn, i, all) => {
    if (all.indexOf(arn) !== i)
      problems.push({
        path: ["adminRoleArns", i],
        message: `"${arn}" is listed twice; EKS allows one access entry per principal`,
      });
  });
  const s = v.systemNodeGroup;
  if (s) {
    if (s.minSize !== undefined && s.maxSize !== undefined && s.maxSize < s.minSize)
      problems.push({
        path: ["systemNodeGroup", "maxSize"],
        message: `must be at least minSize (${s.minSize})`,
      });
    if (s.desiredSize !== undefined && s.minSize !== undefined && s.desiredSize < s.minSize)
      problems.push({
        path: ["systemNodeGroup", "desiredSize"],
        message: `must be at least minSize (${s.minSize})`,
      });
    if (s.desiredSize !== undefined && s.maxSize !== undefined && s.desiredSize > s.maxSize)
      problems.push({
        path: ["systemNodeGroup", "desiredSize"],
        message: `must be at most maxSize (${s.maxSize})`,
      });
  }
  return problems;
}

/**
 * Applies the defaults for `environment` to field-validated args (`awsClusterArgsObject`) and
 * returns every problem of `args.aws` (paths under it), each rule run once: the cross-field rules
 * and the ones that depend on the environment:
 * - prod: three AZs (`availabilityZoneCount: 2` is rejected) and a NAT gateway per AZ.
 * - the system node group's sizes after defaults: min ≤ desired ≤ max.
 */
export function resolveAwsClusterArgs(
  args: AwsClusterArgs,
  environment: Environment,
): BlockResolution<ResolvedAwsClusterArgs> {
  const d = AWS_CLUSTER_DEFAULTS;
  const prod = environment === "prod";
  const problems = awsClusterArgsProblems(args);
  if (prod && args.availabilityZoneCount !== undefined && args.availabilityZoneCount < 3) {
    problems.push({
      path: ["availabilityZoneCount"],
      message: "must be 3 in prod (2 AZs are allowed in dev and staging only)",
    });
  }
  if (prod && args.natGateways === NatGatewayMode.single) {
    problems.push({
      path: ["natGateways"],
      message: 'must be "perAz" in prod (a single NAT gateway makes one AZ the egress of every node)',
    });
  }
  const s = args.systemNodeGroup ?? {};
  const minSize = s.minSize ?? (prod ? 3 : 2);
  const maxSize = s.maxSize ?? Math.max(prod ? 6 : 3, minSize);
  const desiredSize = s.desiredSize ?? minSize;
  if (!problems.some((p) => p.path[0] === "systemNodeGroup")) {
    if (maxSize < minSize)
      problems.push({
        path: ["systemNodeGroup", "maxSize"],
        message: `must be at least minSize (${minSize})`,
      });
    else if (desiredSize < minSize || desiredSize > maxSize)
      problems.push({
        path: ["systemNodeGroup", "desiredSize"],
        message: `must be between minSize (${minSize}) and maxSize (${maxSize})`,
      });
  }
  return {
    problems,
    resolved: {
      availabilityZoneCount: args.availabilityZoneCount ?? d.availabilityZoneCount,
      vpcCidr: args.vpcCidr ?? d.vpcCidr,
      existingVpc: args.existingVpc,
      natGateways:
        args.natGateways ??
        (PRESETS[environment].highAvailability ? NatGatewayMode.perAz : NatGatewayMode.single),
      kubernetesVersion: args.kubernetesVersion ?? d.kubernetesVersion,
      endpointPublicAccessCidrs: args.endpointPublicAccessCidrs ?? [],
      endpointPrivateAccessCidrs: args.endpointPrivateAccessCidrs ?? [],
      adminRoleArns: args.adminRoleArns ?? [],
      systemNodeGroup: {
        instanceTypes: s.instanceTypes ?? [...d.systemInstanceTypes],
        minSize,
        desiredSize,
        maxSize,
        diskSizeGb: s.diskSizeGb ?? d.systemDiskSizeGb,
      },
      karpenterVersion: args.karpenterVersion ?? d.karpenterVersion,
      amiRelease: args.amiRelease ?? d.amiRelease,
      identityMode: args.identityMode ?? d.identityMode,
      gpuNodeDiskSizeGb: args.gpuNodeDiskSizeGb ?? d.gpuNodeDiskSizeGb,
      loadBalancerController: args.loadBalancerController ?? d.loadBalancerController,
      supportType: environment === "dev" ? "STANDARD" : "EXTENDED",
      logRetentionDays: environment === "dev" ? 30 : 365,
      deletionProtection: PRESETS[environment].deletionProtection,
    },
  };
}
