/**
 * The GKE Standard cluster: regional control plane, private nodes, Workload Identity, Dataplane V2,
 * Shielded nodes, Secrets encryption with Cloud KMS, and (optionally) node auto-provisioning with
 * GPU limits. Node pools are separate resources (nodepools.ts).
 */
import * as gcp from "../../shared/gcp-sdk";
import type * as pulumi from "@pulumi/pulumi";
import type { ResolvedGcpClusterArgs } from "./args";
import { NODE_OAUTH_SCOPES, type NodeServiceAccount } from "./iam";
import type { EncryptionKey } from "../../adapters";
import { SECONDARY_RANGE_NAMES, type GcpClusterNetwork } from "./network";
import { physicalName, PhysicalNameKind } from "../../shared/names";
import type { GcpClusterScope } from "./scope";

/** Logs sent to Cloud Logging in every environment. */
export const BASE_LOGGING_COMPONENTS = ["SYSTEM_COMPONENTS", "WORKLOADS"];
/** Control plane logs added in staging and prod, the GKE counterpart of EKS control-plane logging. */
export const CONTROL_PLANE_LOGGING_COMPONENTS = ["APISERVER", "CONTROLLER_MANAGER", "SCHEDULER"];
/** Metrics sent to Cloud Monitoring in every environment. */
export const BASE_MONITORING_COMPONENTS = ["SYSTEM_COMPONENTS"];
/** Control plane metrics added in staging and prod. */
export const CONTROL_PLANE_MONITORING_COMPONENTS = ["APISERVER", "CONTROLLER_MANAGER", "SCHEDULER"];
/**
 * GKE managed DCGM metrics ("Collect and view DCGM metrics",
 * https://cloud.google.com/kubernetes-engine/docs/how-to/dcgm-metrics): GKE runs NVIDIA's DCGM
 * exporter on GPU nodes with GKE-managed drivers (every GPU pool here sets
 * `gpuDriverInstallationConfig`) and collects it with a ClusterPodMonitoring. It needs system
 * metrics and Managed Service for Prometheus, which this cluster always enables. The value is one
 * of the `monitoringConfig.enableComponents` values of @pulumi/gcp's `container.Cluster`.
 */
export const DCGM_MONITORING_COMPONENT = "DCGM";

/**
 * Node settings every node pool (and auto-provisioned pools) shares: Container-Optimized OS with
 * containerd (needed for GKE-managed GPU drivers and secure boot), Shielded VM secure boot and
 * integrity monitoring (CIS GKE Benchmark "Ensure Shielded GKE Nodes / Secure Boot / Integrity
 * Monitoring"; secure boot is off by default), the GKE metadata server (Workload Identity; hides
 * the node's credentials and instance metadata from pods), and the kubelet's unauthenticated
 * read-only port 10255 off (GKE "Disable the kubelet read-only port").
 */
export const NODE_IMAGE_TYPE = "COS_CONTAINERD";
export const SHIELDED_INSTANCE = { enableSecureBoot: true, enableIntegrityMonitoring: true } as const;
export const WORKLOAD_METADATA = { mode: "GKE_METADATA" } as const;
export const KUBELET_READONLY_PORT_OFF = "FALSE";

/**
 * Creates the cluster. Security and operations settings, with where each comes from:
 * - `removeDefaultNodePool` + `initialNodeCount: 1`: GKE requires a default pool at creation; it
 *   is deleted right away. Its `nodeConfig` already uses the node service account, shielded
 *   nodes and the GKE metadata server, so not even that pool runs with the default account.
 *   `nodeConfig` and `initialNodeCount` are ignored afterwards (changing them would replace the
 *   cluster).
 * - VPC-native (`ipAllocationPolicy` on the subnet's secondary ranges).
 * - Private nodes (`enablePrivateNodes`), private IP endpoint per `privateEndpoint`; master
 *   authorized networks always on, without Google Cloud public IPs
 *   (`gcpPublicCidrsAccessEnabled: false`); the DNS endpoint per `dnsEndpoint`.
 * - Workload Identity pool `<project>.svc.id.goog`.
 * - Release channel (+ `minMasterVersion` when `kubernetesVersion` is given).
 * - Dataplane V2 (`ADVANCED_DATAPATH`): eBPF datapath with NetworkPolicy enforcement built in.
 * - Shielded GKE nodes, no legacy ABAC, no client certificate (GKE "Harden your cluster's
 *   security"); basic auth no longer exists in the API.
 * - Secrets encrypted with the Cloud KMS key (application-layer Secrets encryption).
 * - System, workload (and in staging/prod control plane) logs and metrics; Managed Service for
 *   Prometheus; GKE managed DCGM GPU metrics when `features.managedDcgm`.
 * - The GCS FUSE CSI driver, so training jobs can mount datasets from Cloud Storage.
 * - Deletion protection in the API from the environment preset, `protect` from the context.
 * - Node auto-provisioning when enabled: cluster-wide CPU, memory and per-accelerator GPU limits,
 *   auto-provisioned nodes with the same service account and node hardening.
 */
export function createGkeCluster(
  scope: GcpClusterScope,
  args: ResolvedGcpClusterArgs,
  net: GcpClusterNetwork,
  nodeSa: NodeServiceAccount,
  secrets: EncryptionKey,
  features: { managedDcgm: boolean } = { managedDcgm: false },
): gcp.container.Cluster {
  const { ctx, labels, opts } = scope;
  const controlPlaneLogs = ctx.environment === "dev" ? [] : CONTROL_PLANE_LOGGING_COMPONENTS;
  const controlPlaneMetrics = ctx.environment === "dev" ? [] : CONTROL_PLANE_MONITORING_COMPONENTS;
  const gpuMetrics = features.managedDcgm ? [DCGM_MONITORING_COMPONENT] : [];
  const nap = args.nodeAutoProvisioning;

  const clusterAutoscaling: gcp.types.input.container.ClusterClusterAutoscaling = nap.enabled
    ? {
        enabled: true,
        resourceLimits: [
          { resourceType: "cpu", minimum: 0, maximum: nap.maxCpu },
          { resourceType: "memory", minimum: 0, maximum: nap.maxMemoryGb },
          ...nap.gpuLimits.map((limit) => ({
            resourceType: limit.acceleratorType,
            minimum: 0,
            maximum: limit.maxGpus,
          })),
        ],
        autoProvisioningLocations: args.gpuZones,
        autoProvisioningDefaults: {
          serviceAccount: nodeSa.email,
          oauthScopes: NODE_OAUTH_SCOPES,
          imageType: NODE_IMAGE_TYPE,
          diskType: "pd-balanced",
          shieldedInstanceConfig: { ...SHIELDED_INSTANCE },
          management: { autoRepair: true, autoUpgrade: true },
        },
      }
    : { enabled: false };

  const clusterOpts: pulumi.CustomResourceOptions = {
    ...opts,
    protect: ctx.protect,
    // The GKE service agent must be able to use the key before the cluster is created.
    dependsOn: [...secrets.ready],
    ignoreChanges: ["nodeConfig", "initialNodeCount"],
  };

  return new gcp.container.Cluster(
    `${ctx.name}-gke`,
    {
      project: args.project,
      // Unique per stack in the project: `clusterName`, else `<component name>-<stack>`.
      name: physicalName(PhysicalNameKind.gkeCluster, scope.nameBase),
      location: args.region,
      nodeLocations: args.zones,
      description: `GPU training cluster ${ctx.name}; managed by pulumi-mlops`,
      deletionProtection: args.deletionProtection,

      removeDefaultNodePool: true,
      initialNodeCount: 1,
      nodeConfig: {
        machineType: "e2-medium",
        serviceAccount: nodeSa.email,
        oauthScopes: NODE_OAUTH_SCOPES,
        imageType: NODE_IMAGE_TYPE,
        shieldedInstanceConfig: { ...SHIELDED_INSTANCE },
        workloadMetadataConfig: { ...WORKLOAD_METADATA },
      },
      nodePoolDefaults: {
        nodeConfigDefaults: { insecureKubeletReadonlyPortEnabled: KUBELET_READONLY_PORT_OFF },
      },
      nodePoolAutoConfig: {
        nodeKubeletConfig: { insecureKubeletReadonlyPortEnabled: KUBELET_READONLY_PORT_OFF },
      },

      network: net.network.id,
      subnetwork: net.subnet.id,
      networkingMode: "VPC_NATIVE",
      ipAllocationPolicy: {
        stackType: "IPV4",
        clusterSecondaryRangeName: SECONDARY_RANGE_NAMES.pods,
        servicesSecondaryRangeName: SECONDARY_RANGE_NAMES.services,
      },
      datapathProvider: "ADVANCED_DATAPATH",

      privateClusterConfig: {
        enablePrivateNodes: true,
        enablePrivateEndpoint: args.privateEndpoint,
        masterIpv4CidrBlock: args.masterIpv4CidrBlock,
      },
      masterAuthorizedNetworksConfig: {
        cidrBlocks: args.masterAuthorizedNetworks.map((n) => ({
          cidrBlock: n.cidrBlock,
          displayName: n.displayName,
        })),
        gcpPublicCidrsAccessEnabled: false,
      },
      controlPlaneEndpointsConfig: {
        dnsEndpointConfig: { allowExternalTraffic: args.dnsEndpoint },
      },
      masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
      enableLegacyAbac: false,
      enableShieldedNodes: true,
      workloadIdentityConfig: { workloadPool: `${args.project}.svc.id.goog` },
      releaseChannel: { channel: args.releaseChannel },
      minMasterVersion: args.kubernetesVersion,
      databaseEncryption: { state: "ENCRYPTED", keyName: secrets.keyId },
      binaryAuthorization: args.binaryAuthorization
        ? { evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" }
        : undefined,

      loggingConfig: { enableComponents: [...BASE_LOGGING_COMPONENTS, ...controlPlaneLogs] },
      monitoringConfig: {
        enableComponents: [...BASE_MONITORING_COMPONENTS, ...controlPlaneMetrics, ...gpuMetrics],
        // Always on; GKE managed DCGM metrics also require it.
        managedPrometheus: { enabled: true },
      },
      addonsConfig: {
        gcsFuseCsiDriverConfig: { enabled: true },
        gcePersistentDiskCsiDriverConfig: { enabled: true },
      },
      clusterAutoscaling,
      resourceLabels: labels,
    },
    clusterOpts,
  );
}
