/**
 * The cluster's network: a custom-mode VPC, one subnet with secondary ranges for pods and
 * Services (VPC-native), Cloud Router + Cloud NAT for the private nodes' egress, and private
 * services access (reserved range + Service Networking connection) for Cloud SQL private IP.
 */
import * as gcp from "../../shared/gcp-sdk";
import * as pulumi from "@pulumi/pulumi";
import { createPrivateServiceAccess } from "../../adapters/gcp";
import type { ResolvedGcpClusterArgs } from "./args";
import type { GcpClusterScope } from "./scope";

/** Names of the subnet's secondary ranges, referenced by the cluster's `ipAllocationPolicy`. */
export const SECONDARY_RANGE_NAMES = { pods: "pods", services: "services" } as const;

/**
 * VPC flow log settings of the node subnet: 5-second aggregation (the API default), half of the
 * flows sampled (the API default) with all metadata, so that traffic of a node can be traced for
 * incident response (CIS Google Cloud Platform Foundation Benchmark 3.8, "Ensure that VPC Flow
 * Logs is enabled for every subnet in a VPC network").
 */
export const FLOW_LOGS = {
  aggregationInterval: "INTERVAL_5_SEC",
  flowSampling: 0.5,
  metadata: "INCLUDE_ALL_METADATA",
} as const;

/** What the rest of the builder needs from the network. */
export interface GcpClusterNetwork {
  network: gcp.compute.Network;
  subnet: gcp.compute.Subnetwork;
  /** The region's proxy-only subnet for GKE's internal Application Load Balancer. */
  proxyOnlySubnet: gcp.compute.Subnetwork;
  router: gcp.compute.Router;
  nat: gcp.compute.RouterNat;
  /** The Service Networking connection for Cloud SQL private IP. */
  privateServiceAccess: gcp.servicenetworking.Connection;
  /**
   * The network ID (`projects/<p>/global/networks/<n>`), resolved only once the Service
   * Networking connection exists: whatever takes it (a Cloud SQL instance on private IP) depends
   * on the connection without knowing about it.
   */
  networkIdAfterPrivateServiceAccess: pulumi.Output<string>;
}

/**
 * Creates the network. Security settings:
 * - custom mode (`autoCreateSubnetworks: false`): no auto subnets in every region with the
 *   permissive default firewall rules of auto-mode networks;
 * - `privateIpGoogleAccess`: nodes without external IPs reach Google APIs (Artifact Registry,
 *   Cloud Logging) without NAT;
 * - flow logs on the subnet (FLOW_LOGS);
 * - Cloud NAT only for the subnet's ranges, with automatically allocated addresses and error
 *   logging (private nodes have no external IP; NAT is their only way out to registries outside
 *   Google such as nvcr.io or registry.k8s.io). Dynamic port allocation (64–4,096 ports per VM)
 *   avoids port exhaustion when GPU nodes download datasets and images from many endpoints.
 * - private services access on a reserved range, abandoned (not deleted) on destroy, as the
 *   adapter does it (components/adapters/gcp/cloudsql.ts).
 */
export function createNetwork(scope: GcpClusterScope, args: ResolvedGcpClusterArgs): GcpClusterNetwork {
  const { ctx, labels, opts } = scope;
  const prefix = ctx.name;

  const network = new gcp.compute.Network(
    `${prefix}-network`,
    {
      project: args.project,
      autoCreateSubnetworks: false,
      routingMode: "REGIONAL",
      description: `VPC of GKE cluster ${ctx.name}; managed by pulumi-mlops`,
    },
    opts,
  );

  const subnet = new gcp.compute.Subnetwork(
    `${prefix}-nodes`,
    {
      project: args.project,
      region: args.region,
      network: network.id,
      ipCidrRange: args.nodesCidr,
      stackType: "IPV4_ONLY",
      secondaryIpRanges: [
        { rangeName: SECONDARY_RANGE_NAMES.pods, ipCidrRange: args.podsCidr },
        { rangeName: SECONDARY_RANGE_NAMES.services, ipCidrRange: args.servicesCidr },
      ],
      privateIpGoogleAccess: true,
      logConfig: { ...FLOW_LOGS },
      description: `Nodes (primary), pods and Services (secondary) of GKE cluster ${ctx.name}`,
    },
    opts,
  );

  // Envoy-based regional load balancers (GKE's internal Application Load Balancer, "gce-internal")
  // need one ACTIVE proxy-only subnet per region and network; no VM or pod gets an address in it
  // (https://cloud.google.com/load-balancing/docs/proxy-only-subnets). The GKE Ingress controller
  // opens its own firewall rule from this range to the backends (kubernetes/ingress-gce#2186).
  const proxyOnlySubnet = new gcp.compute.Subnetwork(
    `${prefix}-proxy-only`,
    {
      project: args.project,
      region: args.region,
      network: network.id,
      ipCidrRange: args.proxyOnlySubnetCidr,
      purpose: "REGIONAL_MANAGED_PROXY",
      role: "ACTIVE",
      description: `Proxy-only subnet of the internal Application Load Balancers in front of GKE cluster ${ctx.name}`,
    },
    opts,
  );

  const router = new gcp.compute.Router(
    `${prefix}-router`,
    { project: args.project, region: args.region, network: network.id },
    opts,
  );

  const nat = new gcp.compute.RouterNat(
    `${prefix}-nat`,
    {
      project: args.project,
      region: args.region,
      router: router.name,
      natIpAllocateOption: "AUTO_ONLY",
      sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
      subnetworks: [{ name: subnet.id, sourceIpRangesToNats: ["ALL_IP_RANGES"] }],
      enableDynamicPortAllocation: true,
      enableEndpointIndependentMapping: false,
      minPortsPerVm: 64,
      maxPortsPerVm: 4096,
      logConfig: { enable: true, filter: "ERRORS_ONLY" },
    },
    opts,
  );

  const { connection: privateServiceAccess } = createPrivateServiceAccess(
    prefix,
    { project: args.project, network: network.id, cidr: args.privateServiceAccessCidr, labels },
    opts,
  );

  const networkIdAfterPrivateServiceAccess = pulumi
    .all([network.id, privateServiceAccess.id])
    .apply(([id]) => id);

  return {
    network,
    subnet,
    proxyOnlySubnet,
    router,
    nat,
    privateServiceAccess,
    networkIdAfterPrivateServiceAccess,
  };
}
