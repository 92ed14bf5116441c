/**
 * The cluster's network: a VPC across N availability zones with private subnets for the
 * control-plane ENIs and every node, public subnets only for load balancers, NAT, and VPC
 * endpoints for S3 (gateway), ECR and STS (interface) — or an adopted VPC, left as it is.
 */
import * as aws from "../../shared/aws-sdk";
import * as pulumi from "@pulumi/pulumi";
import { cidrSubnet, formatIpv4Cidr, parseIpv4Cidr } from "../../shared/cidr";
import { NatGatewayMode, type ResolvedAwsClusterArgs } from "./args";
import { named, type AwsClusterScope } from "./scope";

/** Subnet tag the AWS Load Balancer Controller selects internet-facing load balancer subnets by. */
export const ELB_ROLE_TAG = "kubernetes.io/role/elb";
/** Subnet tag the AWS Load Balancer Controller selects internal load balancer subnets by. */
export const INTERNAL_ELB_ROLE_TAG = "kubernetes.io/role/internal-elb";
/** Tag Karpenter's EC2NodeClass selects subnets and security groups by (value: the cluster name). */
export const KARPENTER_DISCOVERY_TAG = "karpenter.sh/discovery";

/** Interface endpoints (private DNS on) that let nodes pull images and exchange tokens without NAT. */
export const INTERFACE_ENDPOINT_SERVICES = ["ecr.api", "ecr.dkr", "sts"] as const;

/** HTTPS, the only port the interface endpoints listen on. */
const HTTPS_PORT = 443;

/** What the rest of the builder needs from the network. */
export interface AwsClusterNetwork {
  vpcId: pulumi.Input<string>;
  vpcCidrBlock: pulumi.Input<string>;
  /** Private subnets, one per AZ: control-plane ENIs, the system node group, Karpenter nodes. */
  privateSubnetIds: pulumi.Input<string>[];
  /** Public subnets, one per AZ: internet-facing load balancers only. */
  publicSubnetIds: pulumi.Input<string>[];
  /**
   * True when the private subnets carry `karpenter.sh/discovery: <cluster>` (a VPC this target
   * created); false for an adopted VPC, where Karpenter selects the subnets by id instead.
   */
  subnetsTaggedForDiscovery: boolean;
  /** Resources nodes need before they can join (NAT routes, endpoints); empty for an adopted VPC. */
  ready: pulumi.Resource[];
}

/** CIDRs of the created subnets, per AZ. */
export interface SubnetLayout {
  private: string[];
  public: string[];
}

/**
 * Splits the VPC CIDR: private subnet i is the i-th quarter (a /18 of a /16: 16,384 addresses per
 * AZ, since the VPC CNI gives every pod a VPC address); public subnet i is the i-th sixteenth of
 * the last quarter (a /22 of a /16), enough for load balancers. The last quarter's remaining
 * space is left free for later use.
 */
export function subnetLayout(vpcCidr: string, azCount: number): SubnetLayout {
  const vpc = parseIpv4Cidr(vpcCidr);
  if (!vpc) throw new Error(`subnetLayout: "${vpcCidr}" is not an IPv4 CIDR`);
  if (azCount < 1 || azCount > 3) throw new Error(`subnetLayout: ${azCount} AZs (1 to 3 fit the layout)`);
  const indexes = [...Array(azCount).keys()];
  const spare = cidrSubnet(vpc, 2, 3);
  return {
    private: indexes.map((i) => formatIpv4Cidr(cidrSubnet(vpc, 2, i))),
    public: indexes.map((i) => formatIpv4Cidr(cidrSubnet(spare, 4, i))),
  };
}

/** Creates the VPC (or adopts `args.existingVpc`). */
export function createNetwork(scope: AwsClusterScope, args: ResolvedAwsClusterArgs): AwsClusterNetwork {
  const existing = args.existingVpc;
  if (existing) {
    return {
      vpcId: existing.vpcId,
      vpcCidrBlock: existing.vpcCidrBlock,
      privateSubnetIds: existing.privateSubnetIds,
      publicSubnetIds: existing.publicSubnetIds,
      subnetsTaggedForDiscovery: false,
      ready: [],
    };
  }
  return createVpc(scope, args);
}

function createVpc(scope: AwsClusterScope, args: ResolvedAwsClusterArgs): AwsClusterNetwork {
  const { name, opts, clusterName } = scope;
  const azCount = args.availabilityZoneCount;
  const layout = subnetLayout(args.vpcCidr, azCount);
  // Only zones that need no opt-in: Local and Wavelength Zones lack most instance types and
  // EKS control-plane support.
  const zones = aws.getAvailabilityZonesOutput(
    { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
    { parent: scope.parent },
  );
  const zone = (i: number): pulumi.Output<string> =>
    zones.names.apply((names) => {
      const z = names[i];
      if (z === undefined)
        throw new Error(`${name}: the region has ${names.length} availability zones; ${azCount} are needed`);
      return z;
    });

  const vpc = new aws.ec2.Vpc(
    `${name}-vpc`,
    {
      cidrBlock: args.vpcCidr,
      // Both are needed for the private API endpoint and private DNS of interface endpoints.
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: named(scope, `${clusterName}-vpc`),
    },
    opts,
  );

  // The default security group allows all traffic between its members; take every rule away so
  // that nothing uses it by accident (CIS AWS Foundations 5.4).
  new aws.ec2.DefaultSecurityGroup(
    `${name}-default-sg`,
    { vpcId: vpc.id, ingress: [], egress: [], tags: named(scope, `${clusterName}-default-unused`) },
    opts,
  );

  const igw = new aws.ec2.InternetGateway(
    `${name}-igw`,
    { vpcId: vpc.id, tags: named(scope, `${clusterName}-igw`) },
    opts,
  );

  const publicRouteTable = new aws.ec2.RouteTable(
    `${name}-public-rt`,
    { vpcId: vpc.id, tags: named(scope, `${clusterName}-public`) },
    opts,
  );
  const publicDefaultRoute = new aws.ec2.Route(
    `${name}-public-default-route`,
    { routeTableId: publicRouteTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id },
    opts,
  );

  const publicSubnets = layout.public.map((cidr, i) => {
    const subnet = new aws.ec2.Subnet(
      `${name}-public-${i}`,
      {
        vpcId: vpc.id,
        cidrBlock: cidr,
        availabilityZone: zone(i),
        // Load balancers get their own addresses; nothing launched here gets a public IP by default.
        mapPublicIpOnLaunch: false,
        tags: { ...named(scope, `${clusterName}-public-${i}`), [ELB_ROLE_TAG]: "1" },
      },
      opts,
    );
    new aws.ec2.RouteTableAssociation(
      `${name}-public-${i}-rta`,
      { subnetId: subnet.id, routeTableId: publicRouteTable.id },
      opts,
    );
    return subnet;
  });

  const natCount = args.natGateways === NatGatewayMode.perAz ? azCount : 1;
  const natGateways = [...Array(natCount).keys()].map((i) => {
    const eip = new aws.ec2.Eip(
      `${name}-nat-${i}-eip`,
      { domain: "vpc", tags: named(scope, `${clusterName}-nat-${i}`) },
      opts,
    );
    return new aws.ec2.NatGateway(
      `${name}-nat-${i}`,
      {
        allocationId: eip.id,
        subnetId: publicSubnets[i]!.id,
        connectivityType: "public",
        tags: named(scope, `${clusterName}-nat-${i}`),
      },
      // A public NAT gateway needs the internet gateway attached first.
      { ...opts, dependsOn: [igw, publicDefaultRoute] },
    );
  });

  const privateRouteTables: aws.ec2.RouteTable[] = [];
  const privateRoutes: aws.ec2.Route[] = [];
  const privateSubnets = layout.private.map((cidr, i) => {
    const subnet = new aws.ec2.Subnet(
      `${name}-private-${i}`,
      {
        vpcId: vpc.id,
        cidrBlock: cidr,
        availabilityZone: zone(i),
        mapPublicIpOnLaunch: false,
        tags: {
          ...named(scope, `${clusterName}-private-${i}`),
          [INTERNAL_ELB_ROLE_TAG]: "1",
          [KARPENTER_DISCOVERY_TAG]: clusterName,
        },
      },
      opts,
    );
    // One route table per AZ in both modes, so that switching to perAz changes routes only.
    const routeTable = new aws.ec2.RouteTable(
      `${name}-private-${i}-rt`,
      { vpcId: vpc.id, tags: named(scope, `${clusterName}-private-${i}`) },
      opts,
    );
    privateRouteTables.push(routeTable);
    privateRoutes.push(
      new aws.ec2.Route(
        `${name}-private-${i}-default-route`,
        {
          routeTableId: routeTable.id,
          destinationCidrBlock: "0.0.0.0/0",
          natGatewayId: natGateways[natCount === 1 ? 0 : i]!.id,
        },
        opts,
      ),
    );
    new aws.ec2.RouteTableAssociation(
      `${name}-private-${i}-rta`,
      { subnetId: subnet.id, routeTableId: routeTable.id },
      opts,
    );
    return subnet;
  });

  const endpoints = createVpcEndpoints(
    scope,
    vpc,
    privateSubnets.map((s) => s.id),
    privateRouteTables.map((t) => t.id),
  );

  return {
    vpcId: vpc.id,
    vpcCidrBlock: vpc.cidrBlock,
    privateSubnetIds: privateSubnets.map((s) => s.id),
    publicSubnetIds: publicSubnets.map((s) => s.id),
    subnetsTaggedForDiscovery: true,
    ready: [...privateRoutes, ...endpoints],
  };
}

/**
 * S3 as a gateway endpoint (free, on every private route table) and ECR API, ECR registry and STS
 * as interface endpoints with private DNS, so image layers (served from S3), image manifests and
 * token exchanges (IRSA, Pod Identity) stay inside the VPC. The interface endpoints accept HTTPS
 * from the VPC CIDR only.
 */
function createVpcEndpoints(
  scope: AwsClusterScope,
  vpc: aws.ec2.Vpc,
  privateSubnetIds: pulumi.Input<string>[],
  privateRouteTableIds: pulumi.Input<string>[],
): aws.ec2.VpcEndpoint[] {
  const { name, opts, clusterName } = scope;
  const service = (svc: string) => pulumi.interpolate`${scope.reverseDnsPrefix}.${scope.region}.${svc}`;

  const s3 = new aws.ec2.VpcEndpoint(
    `${name}-s3-endpoint`,
    {
      vpcId: vpc.id,
      serviceName: service("s3"),
      vpcEndpointType: "Gateway",
      routeTableIds: privateRouteTableIds,
      tags: named(scope, `${clusterName}-s3`),
    },
    opts,
  );

  const sg = new aws.ec2.SecurityGroup(
    `${name}-endpoints-sg`,
    {
      vpcId: vpc.id,
      description: `pulumi-mlops ${clusterName}: HTTPS from the VPC to the interface endpoints`,
      tags: named(scope, `${clusterName}-endpoints`),
    },
    opts,
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-endpoints-https`,
    {
      securityGroupId: sg.id,
      description: "HTTPS from the VPC",
      ipProtocol: "tcp",
      fromPort: HTTPS_PORT,
      toPort: HTTPS_PORT,
      cidrIpv4: vpc.cidrBlock,
      tags: scope.tags,
    },
    opts,
  );

  const interfaces = INTERFACE_ENDPOINT_SERVICES.map(
    (svc) =>
      new aws.ec2.VpcEndpoint(
        `${name}-${svc.replace(/\./g, "-")}-endpoint`,
        {
          vpcId: vpc.id,
          serviceName: service(svc),
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: privateSubnetIds,
          securityGroupIds: [sg.id],
          tags: named(scope, `${clusterName}-${svc}`),
        },
        opts,
      ),
  );
  return [s3, ...interfaces];
}
