/**
 * The public contract of the GKE target of `mlops:index:GpuTrainingCluster` (`args.gcp`): a
 * hand-written, documented args interface, the zod schema that validates it, and the defaults
 * resolver that applies the environment preset and the rules that need the environment.
 */
import { z } from "zod";
import { PRIVATE_SERVICE_ACCESS_CIDR_RULE } from "../../adapters/gcp";
import { refineWith, type BlockResolution, type Problem } from "../../shared/contract";
import { cidrProblem, cidrsOverlap, isNetworkAddress, parseIpv4Cidr, type Ipv4Cidr } from "../../shared/cidr";
import { cidrSchema } from "../../shared/schemas";
import { PRESETS, type Environment } from "../../shared/presets";

/** GKE release channels (https://cloud.google.com/kubernetes-engine/docs/concepts/release-channels). */
export const GkeReleaseChannel = {
  /** Newest versions, weeks after open-source GA; no SLA for the newest minor. */
  rapid: "RAPID",
  /** The GKE default: versions 2–3 months after RAPID, a balance of features and stability. */
  regular: "REGULAR",
  /** Versions 2–3 months after REGULAR, for clusters that change least. */
  stable: "STABLE",
} as const;
export type GkeReleaseChannel = (typeof GkeReleaseChannel)[keyof typeof GkeReleaseChannel];

/**
 * Which NVIDIA driver GKE installs on GPU nodes (`gpuDriverInstallationConfig.gpuDriverVersion`,
 * https://cloud.google.com/kubernetes-engine/docs/how-to/gpus#install-drivers). Both are drivers
 * GKE tests and signs for the node's GKE version, so they load with secure boot on.
 */
export const GkeGpuDriverVersion = {
  /** The default driver of the node's GKE version. */
  default: "DEFAULT",
  /** The newest driver available for the node's GKE version (newer CUDA). */
  latest: "LATEST",
} as const;
export type GkeGpuDriverVersion = (typeof GkeGpuDriverVersion)[keyof typeof GkeGpuDriverVersion];

/** Compute Engine accelerator names that node auto-provisioning can be given limits for. */
export const GcpAccelerator = {
  /** NVIDIA L4 24 GB (G2 machines). */
  nvidiaL4: "nvidia-l4",
  /** NVIDIA A100 40 GB (a2-highgpu-*, a2-megagpu-16g). */
  nvidiaA100: "nvidia-tesla-a100",
  /** NVIDIA A100 80 GB (a2-ultragpu-*). */
  nvidiaA100x80gb: "nvidia-a100-80gb",
  /** NVIDIA H100 80 GB (a3-highgpu-*, a3-edgegpu-8g). */
  nvidiaH100x80gb: "nvidia-h100-80gb",
  /** NVIDIA H100 80 GB Mega (a3-megagpu-8g). */
  nvidiaH100Mega80gb: "nvidia-h100-mega-80gb",
  /** NVIDIA H200 141 GB (a3-ultragpu-8g). */
  nvidiaH200x141gb: "nvidia-h200-141gb",
  /** NVIDIA B200 (a4-highgpu-8g). */
  nvidiaB200: "nvidia-b200",
} as const;
export type GcpAccelerator = (typeof GcpAccelerator)[keyof typeof GcpAccelerator];
const GCP_ACCELERATORS = Object.values(GcpAccelerator) as [GcpAccelerator, ...GcpAccelerator[]];

/** A network allowed to reach the control plane's IP endpoint. */
export interface GcpMasterAuthorizedNetwork {
  /** IPv4 CIDR, e.g. "203.0.113.0/24". Prefixes shorter than /8 (and so 0.0.0.0/0) are rejected. */
  cidrBlock: string;
  /** Name shown in the console, e.g. "office VPN". */
  displayName: string;
}

/** The on-demand node pool for cluster add-ons and operators (Kueue, GPU operator, CoreDNS, ...). */
export interface GcpSystemNodePoolArgs {
  /**
   * Machine type. e2-standard-4 (4 vCPU, 16 GiB) leaves room for the in-cluster parts after the
   * per-node GKE reservations (about 0.1 vCPU and 2.6 GiB on a 16 GiB node,
   * https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes#memory_and_cpu_reservations);
   * an e2-standard-2 would leave about 5 GiB for CoreDNS, konnectivity, GKE's DaemonSets and the
   * operators. E2 supports Shielded VM secure boot.
   * @default "e2-standard-4"
   */
  machineType?: string;
  /**
   * Minimum nodes per zone (GKE `minNodeCount` counts per zone of the pool).
   * @default 1
   */
  minNodes?: number;
  /**
   * Maximum nodes per zone.
   * @default 3
   */
  maxNodes?: number;
  /**
   * Boot disk size in GB (pd-balanced).
   * @default 100
   */
  diskSizeGb?: number;
}

/** A GPU limit for node auto-provisioning. */
export interface GcpAcceleratorLimit {
  /** Compute Engine accelerator name (GcpAccelerator). */
  acceleratorType: GcpAccelerator;
  /** Most GPUs of this type that auto-provisioned nodes may have in total. */
  maxGpus: number;
}

/**
 * GKE node auto-provisioning (NAP): GKE creates node pools for pending pods within the cluster-wide
 * limits below. Off by default: the GPU node pools from `gpuPools` cover the GPU types we offer,
 * each with its own limit.
 */
export interface GcpNodeAutoProvisioningArgs {
  /**
   * Turn node auto-provisioning on.
   * @default false
   */
  enabled?: boolean;
  /**
   * Cluster-wide maximum vCPUs (all nodes, including the pools above).
   * @default 128
   */
  maxCpu?: number;
  /**
   * Cluster-wide maximum memory in GB.
   * @default 512
   */
  maxMemoryGb?: number;
  /**
   * GPU limits per accelerator type. An accelerator type without a limit is never auto-provisioned.
   * @default [] (no auto-provisioned GPUs)
   */
  gpuLimits?: GcpAcceleratorLimit[];
}

/** GKE settings of `mlops:index:GpuTrainingCluster` (target "gcp"). */
export interface GcpClusterArgs {
  /** Project ID, e.g. "acme-ml". The Workload Identity pool is `<project>.svc.id.goog`. */
  project: string;
  /** Region of the (regional) cluster, network, NAT and secrets key, e.g. "europe-west4". */
  region: string;
  /**
   * Zones of the region the nodes run in (`nodeLocations`), e.g. ["europe-west4-a", "europe-west4-b"].
   * The control plane is regional (replicated across zones) either way.
   * @default GKE's choice of three zones of the region
   */
  zones?: string[];
  /**
   * Zones the GPU node pools run in. GPU models are offered in some zones only
   * (https://cloud.google.com/compute/docs/gpus/gpu-regions-zones).
   * @default `zones`
   */
  gpuZones?: string[];
  /**
   * Primary range of the node subnet. A /20 holds 4,092 nodes.
   * @default "10.0.0.0/20"
   */
  nodesCidr?: string;
  /**
   * Secondary range for pods. A /14 is GKE's default cluster range: at the default 110 pods per
   * node each node takes a /24, so a /14 fits 1,024 nodes
   * (https://cloud.google.com/kubernetes-engine/docs/concepts/alias-ips#defaults_limits).
   * @default "10.4.0.0/14"
   */
  podsCidr?: string;
  /**
   * Secondary range for Services. A /20 (4,096 Services) is GKE's default Service range.
   * @default "10.8.0.0/20"
   */
  servicesCidr?: string;
  /**
   * The /28 for the control plane's private endpoint (must not overlap any range of the network).
   * @default "172.16.0.0/28"
   */
  masterIpv4CidrBlock?: string;
  /**
   * Range reserved for private services access (Cloud SQL private IP). The cluster's network
   * creates it and the Service Networking connection, and hands `privateServiceAccess: "existing"`
   * to the adapters.
   * @default "10.100.0.0/16"
   */
  privateServiceAccessCidr?: string;
  /**
   * The region's proxy-only subnet (purpose REGIONAL_MANAGED_PROXY), which GKE's internal
   * Application Load Balancer (IngressClass "gce-internal", the model registry's default on GCP)
   * needs; its Envoy proxies connect to pods from it. A /23 is Google's recommended size
   * (https://cloud.google.com/load-balancing/docs/proxy-only-subnets#proxy_only_subnet_size).
   * @default "10.10.0.0/23"
   */
  proxyOnlySubnetCidr?: string;
  /**
   * Serve the control plane on its private IP only (`enablePrivateEndpoint`). Required in prod;
   * `kubectl` and Pulumi must then run inside the VPC (or a peered/VPN network in
   * `masterAuthorizedNetworks`), or use the DNS endpoint (`dnsEndpoint`).
   * @default true in prod, false otherwise
   */
  privateEndpoint?: boolean;
  /**
   * Open the control plane's DNS-based endpoint (`gke-<hash>.<region>.gke.goog`) to callers
   * outside the VPC. Every request is authorized by IAM (`container.clusters.connect`), no IP
   * allow-list applies; the kubeconfig then uses it instead of the IP endpoint
   * (https://cloud.google.com/kubernetes-engine/docs/concepts/network-isolation#dns-based_endpoint).
   * With a private endpoint it is the only way the deploying `pulumi up` reaches the API of a
   * cluster whose VPC it creates, so it must not be turned off then.
   * @default true when the endpoint is private (prod), else false
   */
  dnsEndpoint?: boolean;
  /**
   * Networks allowed to reach the IP endpoint. Required (non-empty) when the endpoint is public;
   * with a private endpoint only internal ranges make sense. Google Cloud public IPs (other
   * customers' VMs, Cloud Shell) are never allowed.
   * @default [] (nodes and pods of the cluster's subnet only)
   */
  masterAuthorizedNetworks?: GcpMasterAuthorizedNetwork[];
  /**
   * Release channel; GKE upgrades the control plane and nodes within it.
   * @default "REGULAR"
   */
  releaseChannel?: GkeReleaseChannel;
  /**
   * Minimum control plane version (`minMasterVersion`), e.g. "1.33" or "1.33.4-gke.1036000". It
   * must be offered in the release channel; GKE upgrades past it automatically.
   * @default the release channel's default version
   */
  kubernetesVersion?: string;
  /** The system node pool. @default e2-standard-4, 1–3 nodes per zone */
  systemNodePool?: GcpSystemNodePoolArgs;
  /**
   * NVIDIA driver GKE installs on GPU nodes. LATEST, because training images on current CUDA 12
   * releases need recent drivers.
   * @default "LATEST"
   */
  gpuDriverVersion?: GkeGpuDriverVersion;
  /**
   * Boot disk size of GPU nodes in GB (pd-balanced); CUDA training images are often 10–20 GB.
   * @default 200
   */
  gpuDiskSizeGb?: number;
  /** Node auto-provisioning with GPU limits. @default off */
  nodeAutoProvisioning?: GcpNodeAutoProvisioningArgs;
  /**
   * Enforce the project's Binary Authorization policy (`PROJECT_SINGLETON_POLICY_ENFORCE`).
   * Off by default because the project needs a policy that admits the images we install.
   * @default false
   */
  binaryAuthorization?: boolean;
}

/** Defaults of `GcpClusterArgs` that do not depend on the environment. */
export const GCP_CLUSTER_DEFAULTS = {
  nodesCidr: "10.0.0.0/20",
  podsCidr: "10.4.0.0/14",
  servicesCidr: "10.8.0.0/20",
  masterIpv4CidrBlock: "172.16.0.0/28",
  privateServiceAccessCidr: "10.100.0.0/16",
  proxyOnlySubnetCidr: "10.10.0.0/23",
  releaseChannel: GkeReleaseChannel.regular,
  systemMachineType: "e2-standard-4",
  systemMinNodes: 1,
  systemMaxNodes: 3,
  systemDiskSizeGb: 100,
  gpuDriverVersion: GkeGpuDriverVersion.latest,
  gpuDiskSizeGb: 200,
  napMaxCpu: 128,
  napMaxMemoryGb: 512,
} as const;

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const REGION = /^[a-z]+-[a-z]+[0-9]+$/;
const ZONE = /^[a-z]+-[a-z]+[0-9]+-[a-z]$/;
const MACHINE_TYPE = /^[a-z][a-z0-9]*-[a-z0-9-]+$/;
/** "1.33", "1.33.4" or "1.33.4-gke.1036000". */
const GKE_VERSION = /^1\.\d{2,}(\.\d+(-gke\.\d+)?)?$/;
/** Authorized networks shorter than this are the Internet in all but name. */
const MIN_AUTHORIZED_PREFIX = 8;

const zones = z
  .array(z.string().regex(ZONE, { message: 'must be a zone such as "europe-west4-a"' }))
  .min(1, { message: "must list at least one zone" })
  .refine((v) => new Set(v).size === v.length, { message: "must not list a zone twice" });

const authorizedNetwork = z
  .object({
    cidrBlock: z.string().superRefine((value, ctx) => {
      const parsed = parseIpv4Cidr(value);
      const problem =
        parsed && parsed.prefix < MIN_AUTHORIZED_PREFIX
          ? `"${value}" opens the control plane to (a large part of) the Internet; list the networks that need access, each /${MIN_AUTHORIZED_PREFIX} or narrower`
          : cidrProblem(value, { example: "203.0.113.0/24" });
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    displayName: z.string().min(1, { message: "must not be empty" }).max(100),
  })
  .strict();

/** Field schemas of `GcpClusterArgs`, without the cross-field rules.  @internal */
export const gcpClusterArgsObject = z
  .object({
    project: z
      .string()
      .regex(PROJECT_ID, { message: "must be a project ID: 6–30 lowercase letters, digits or '-'" }),
    region: z.string().regex(REGION, { message: 'must be a region such as "europe-west4"' }),
    zones: zones.optional(),
    gpuZones: zones.optional(),
    nodesCidr: cidrSchema({
      minPrefix: 8,
      maxPrefix: 29,
      example: GCP_CLUSTER_DEFAULTS.nodesCidr,
    }).optional(),
    podsCidr: cidrSchema({ minPrefix: 8, maxPrefix: 24, example: GCP_CLUSTER_DEFAULTS.podsCidr }).optional(),
    servicesCidr: cidrSchema({
      minPrefix: 8,
      maxPrefix: 27,
      example: GCP_CLUSTER_DEFAULTS.servicesCidr,
    }).optional(),
    masterIpv4CidrBlock: cidrSchema({
      minPrefix: 28,
      maxPrefix: 28,
      example: GCP_CLUSTER_DEFAULTS.masterIpv4CidrBlock,
    }).optional(),
    // Google requires at least a /24 for an allocated range (see adapters/gcp/common.ts).
    privateServiceAccessCidr: cidrSchema(PRIVATE_SERVICE_ACCESS_CIDR_RULE).optional(),
    // Proxy-only subnets are /26 or larger (https://cloud.google.com/load-balancing/docs/proxy-only-subnets).
    proxyOnlySubnetCidr: cidrSchema({
      minPrefix: 8,
      maxPrefix: 26,
      example: GCP_CLUSTER_DEFAULTS.proxyOnlySubnetCidr,
    }).optional(),
    privateEndpoint: z.boolean().optional(),
    dnsEndpoint: z.boolean().optional(),
    masterAuthorizedNetworks: z.array(authorizedNetwork).max(50).optional(),
    releaseChannel: z
      .enum([GkeReleaseChannel.rapid, GkeReleaseChannel.regular, GkeReleaseChannel.stable])
      .optional(),
    kubernetesVersion: z
      .string()
      .regex(GKE_VERSION, { message: 'must be a GKE version such as "1.33" or "1.33.4-gke.1036000"' })
      .optional(),
    systemNodePool: z
      .object({
        machineType: z
          .string()
          .regex(MACHINE_TYPE, { message: 'must be a machine type such as "e2-standard-4"' })
          .optional(),
        minNodes: z.number().int().min(0).max(100).optional(),
        maxNodes: z.number().int().min(1).max(100).optional(),
        diskSizeGb: z.number().int().min(20).max(65_536).optional(),
      })
      .strict()
      .optional(),
    gpuDriverVersion: z.enum([GkeGpuDriverVersion.default, GkeGpuDriverVersion.latest]).optional(),
    gpuDiskSizeGb: z.number().int().min(50).max(65_536).optional(),
    nodeAutoProvisioning: z
      .object({
        enabled: z.boolean().optional(),
        maxCpu: z.number().int().min(1).optional(),
        maxMemoryGb: z.number().int().min(1).optional(),
        gpuLimits: z
          .array(
            z
              .object({
                acceleratorType: z.enum(GCP_ACCELERATORS),
                maxGpus: z.number().int().min(1).max(10_000),
              })
              .strict(),
          )
          .refine((v) => new Set(v.map((l) => l.acceleratorType)).size === v.length, {
            message: "must not list an acceleratorType twice",
          })
          .optional(),
      })
      .strict()
      .optional(),
    binaryAuthorization: z.boolean().optional(),
  })
  .strict();

/** @internal zod schema: kept out of the published declarations (stripInternal). */
type CheckedArgs = z.output<typeof gcpClusterArgsObject>;

/**
 * Cross-field rules that do not depend on the environment: zones in the region, a public endpoint
 * only with authorized networks, min ≤ max, no overlapping ranges (`resolveGcpClusterArgs` runs
 * them with the environment's; alone only while other fields are invalid).
 * @internal
 */
export function gcpClusterArgsProblems(v: CheckedArgs): Problem[] {
  const problems: Problem[] = [];
  for (const key of ["zones", "gpuZones"] as const) {
    v[key]?.forEach((zone, index) => {
      if (!zone.startsWith(`${v.region}-`)) {
        problems.push({
          path: [key, index],
          message: `"${zone}" is not a zone of region "${v.region}"`,
        });
      }
    });
  }
  if (v.privateEndpoint === false && (v.masterAuthorizedNetworks ?? []).length === 0) {
    problems.push({
      path: ["masterAuthorizedNetworks"],
      message:
        "required when privateEndpoint is false: list the CIDRs that may reach the public control plane endpoint",
    });
  }
  const pool = v.systemNodePool;
  if (pool?.minNodes !== undefined && pool.maxNodes !== undefined && pool.maxNodes < pool.minNodes) {
    problems.push({
      path: ["systemNodePool", "maxNodes"],
      message: `must be at least minNodes (${pool.minNodes})`,
    });
  }
  const ranges = (
    [
      "nodesCidr",
      "podsCidr",
      "servicesCidr",
      "masterIpv4CidrBlock",
      "privateServiceAccessCidr",
      "proxyOnlySubnetCidr",
    ] as const
  )
    .map((key) => {
      const cidr = v[key] ?? GCP_CLUSTER_DEFAULTS[key];
      return { key, cidr, parsed: parseIpv4Cidr(cidr) };
    })
    // Only well-formed network ranges are compared; the field schemas report the others.
    .filter(
      (r): r is typeof r & { parsed: Ipv4Cidr } => r.parsed !== undefined && isNetworkAddress(r.parsed),
    );
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i]!;
      const b = ranges[j]!;
      if (cidrsOverlap(a.parsed, b.parsed)) {
        // Report on the key the user gave (the later one when both or neither were given).
        const key = v[b.key] !== undefined || v[a.key] === undefined ? b.key : a.key;
        const other = key === b.key ? a : b;
        problems.push({
          path: [key],
          message: `${key === a.key ? a.cidr : b.cidr} overlaps ${other.key} (${other.cidr}); the ranges of the network must be disjoint`,
        });
      }
    }
  }
  return problems;
}

/**
 * Runtime schema of `GcpClusterArgs` on its own (unknown keys rejected), with the cross-field rules
 * that do not need the environment. The component's pipeline parses `gcpClusterArgsObject` and
 * runs every rule once in `resolveGcpClusterArgs`.
 * @internal
 */
export const gcpClusterArgsSchema = gcpClusterArgsObject.superRefine(refineWith(gcpClusterArgsProblems));

// ---------------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------------

/** `GcpClusterArgs` with every default applied for one environment. */
export interface ResolvedGcpClusterArgs {
  project: string;
  region: string;
  zones: string[] | undefined;
  gpuZones: string[] | undefined;
  nodesCidr: string;
  podsCidr: string;
  servicesCidr: string;
  masterIpv4CidrBlock: string;
  privateServiceAccessCidr: string;
  proxyOnlySubnetCidr: string;
  privateEndpoint: boolean;
  dnsEndpoint: boolean;
  masterAuthorizedNetworks: GcpMasterAuthorizedNetwork[];
  releaseChannel: GkeReleaseChannel;
  kubernetesVersion: string | undefined;
  systemNodePool: Required<GcpSystemNodePoolArgs>;
  gpuDriverVersion: GkeGpuDriverVersion;
  gpuDiskSizeGb: number;
  nodeAutoProvisioning: Required<GcpNodeAutoProvisioningArgs>;
  binaryAuthorization: boolean;
  /** API-side deletion protection of the cluster: the preset's `deletionProtection` (on in staging and prod). */
  deletionProtection: boolean;
}

/**
 * Applies the defaults for `environment` to field-validated args (`gcpClusterArgsObject`) and
 * returns every problem of `args.gcp` (paths under it), each rule run once: the cross-field rules
 * and the ones that depend on the environment:
 * - prod: the IP endpoint must be private (`privateEndpoint: false` is rejected).
 * - a public endpoint (the non-prod default) needs `masterAuthorizedNetworks`.
 */
export function resolveGcpClusterArgs(
  args: GcpClusterArgs,
  environment: Environment,
): BlockResolution<ResolvedGcpClusterArgs> {
  const d = GCP_CLUSTER_DEFAULTS;
  const problems = gcpClusterArgsProblems(args);
  const reported = (key: string) => problems.some((p) => p.path.join(".") === key);
  const privateEndpoint = args.privateEndpoint ?? environment === "prod";
  const masterAuthorizedNetworks = args.masterAuthorizedNetworks ?? [];
  if (environment === "prod" && args.privateEndpoint === false) {
    problems.push({
      path: ["privateEndpoint"],
      message:
        "must not be false in prod: the control plane has a private IP endpoint only (use dnsEndpoint for IAM-authorized access from outside the VPC)",
    });
  } else if (privateEndpoint && args.dnsEndpoint === false) {
    // The builder creates the VPC: in the same `pulumi up` nothing outside it reaches the private
    // IP endpoint, and the in-cluster parts are installed through the API.
    problems.push({
      path: ["dnsEndpoint"],
      message:
        "must not be false with a private endpoint: the cluster's VPC is created by the same `pulumi up`, so only the IAM-authorized DNS endpoint can reach the API to install the in-cluster parts",
    });
  } else if (
    !privateEndpoint &&
    masterAuthorizedNetworks.length === 0 &&
    !reported("masterAuthorizedNetworks")
  ) {
    problems.push({
      path: ["masterAuthorizedNetworks"],
      message: `required when the control plane endpoint is public (the default in ${environment}): list the CIDRs that may reach it, or set privateEndpoint: true`,
    });
  }
  const system = args.systemNodePool ?? {};
  const minNodes = system.minNodes ?? d.systemMinNodes;
  const maxNodes = system.maxNodes ?? Math.max(d.systemMaxNodes, minNodes);
  if (maxNodes < minNodes && !reported("systemNodePool.maxNodes")) {
    problems.push({
      path: ["systemNodePool", "maxNodes"],
      message: `must be at least minNodes (${minNodes})`,
    });
  }
  const nap = args.nodeAutoProvisioning ?? {};
  return {
    problems,
    resolved: {
      project: args.project,
      region: args.region,
      zones: args.zones,
      gpuZones: args.gpuZones ?? args.zones,
      nodesCidr: args.nodesCidr ?? d.nodesCidr,
      podsCidr: args.podsCidr ?? d.podsCidr,
      servicesCidr: args.servicesCidr ?? d.servicesCidr,
      masterIpv4CidrBlock: args.masterIpv4CidrBlock ?? d.masterIpv4CidrBlock,
      privateServiceAccessCidr: args.privateServiceAccessCidr ?? d.privateServiceAccessCidr,
      proxyOnlySubnetCidr: args.proxyOnlySubnetCidr ?? d.proxyOnlySubnetCidr,
      privateEndpoint,
      // A private IP endpoint in a VPC this stack creates is reachable only through the DNS endpoint.
      dnsEndpoint: args.dnsEndpoint ?? privateEndpoint,
      masterAuthorizedNetworks,
      releaseChannel: args.releaseChannel ?? d.releaseChannel,
      kubernetesVersion: args.kubernetesVersion,
      systemNodePool: {
        machineType: system.machineType ?? d.systemMachineType,
        minNodes,
        maxNodes,
        diskSizeGb: system.diskSizeGb ?? d.systemDiskSizeGb,
      },
      gpuDriverVersion: args.gpuDriverVersion ?? d.gpuDriverVersion,
      gpuDiskSizeGb: args.gpuDiskSizeGb ?? d.gpuDiskSizeGb,
      nodeAutoProvisioning: {
        enabled: nap.enabled ?? false,
        maxCpu: nap.maxCpu ?? d.napMaxCpu,
        maxMemoryGb: nap.maxMemoryGb ?? d.napMaxMemoryGb,
        gpuLimits: nap.gpuLimits ?? [],
      },
      binaryAuthorization: args.binaryAuthorization ?? false,
      deletionProtection: PRESETS[environment].deletionProtection,
    },
  };
}
