/** GCP GKE cluster and node pool rules (CIS GKE Benchmark). */
import * as gcp from "../gcp-sdk";
import { validateResourceOfType } from "@pulumi/policy";
import { ALWAYS_MANDATORY, resourceRule, type ResourceRule } from "../types";
import { bool, dig, isOpenCidr, present, rec, recs, str } from "../util";

/** Autopilot clusters manage these settings themselves. */
function autopilot(cluster: { enableAutopilot?: boolean }): boolean {
  return cluster.enableAutopilot === true;
}

/** Nodes have no public IPs. */
export const gkePrivateNodes: ResourceRule = resourceRule(
  {
    name: "gcp-gke-private-nodes",
    area: "gcp",
    description: "GKE clusters use private nodes (no external IPs on nodes).",
    severity: "high",
    remediation: "Set privateClusterConfig.enablePrivateNodes: true (with Cloud NAT for egress).",
    reference: "CIS GKE Benchmark 5.6.5; Checkov CKV_GCP_25",
  },
  validateResourceOfType(gcp.container.Cluster, (c, _args, report) => {
    if (bool(dig(c.privateClusterConfig, "enablePrivateNodes")) !== true)
      report("privateClusterConfig.enablePrivateNodes is not true.");
  }),
);

/** The control plane is private or restricted to authorized networks. */
export const gkeControlPlaneRestricted: ResourceRule = resourceRule(
  {
    name: "gcp-gke-control-plane-restricted",
    area: "gcp",
    description:
      "GKE control plane endpoints are private, or master authorized networks restrict access (no 0.0.0.0/0).",
    severity: "high",
    remediation:
      "Set privateClusterConfig.enablePrivateEndpoint: true, or masterAuthorizedNetworksConfig.cidrBlocks with specific ranges.",
    reference: "CIS GKE Benchmark 5.6.3/5.6.4; Checkov CKV_GCP_20",
  },
  validateResourceOfType(gcp.container.Cluster, (c, _args, report) => {
    if (bool(dig(c.privateClusterConfig, "enablePrivateEndpoint")) === true) return;
    const man = rec(c.masterAuthorizedNetworksConfig);
    const cidrs = recs(man?.cidrBlocks).map((b) => str(b.cidrBlock) ?? "");
    if (!man || cidrs.length === 0)
      report("The public endpoint is not restricted by masterAuthorizedNetworksConfig.");
    else if (cidrs.some(isOpenCidr)) report("masterAuthorizedNetworksConfig allows 0.0.0.0/0.");
  }),
);

/** Workload Identity is enabled. */
export const gkeWorkloadIdentity: ResourceRule = resourceRule(
  {
    name: "gcp-gke-workload-identity",
    area: "gcp",
    description:
      "GKE clusters enable Workload Identity (pods use Kubernetes service accounts mapped to IAM, not node credentials).",
    severity: "high",
    remediation: "Set workloadIdentityConfig: { workloadPool: `${project}.svc.id.goog` }.",
    reference: "CIS GKE Benchmark 5.2.2; Checkov CKV_GCP_69",
  },
  validateResourceOfType(gcp.container.Cluster, (c, _args, report) => {
    if (autopilot(c)) return;
    if (!present(dig(c.workloadIdentityConfig, "workloadPool")))
      report("workloadIdentityConfig.workloadPool is not set.");
  }),
);

/** Shielded nodes are on. */
export const gkeShieldedNodes: ResourceRule = resourceRule(
  {
    name: "gcp-gke-shielded-nodes",
    area: "gcp",
    description: "GKE clusters keep Shielded GKE Nodes enabled.",
    severity: "medium",
    remediation: "Do not set enableShieldedNodes: false.",
    reference: "CIS GKE Benchmark 5.5.5; Checkov CKV_GCP_71",
  },
  validateResourceOfType(gcp.container.Cluster, (c, _args, report) => {
    if (c.enableShieldedNodes === false) report("enableShieldedNodes is false.");
  }),
);

/** Node pools enable secure boot. */
export const gkeNodePoolSecureBoot: ResourceRule = resourceRule(
  {
    name: "gcp-gke-node-pool-secure-boot",
    area: "gcp",
    description: "GKE node pools enable Secure Boot and integrity monitoring on shielded instances.",
    severity: "medium",
    remediation:
      "Set nodeConfig.shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true }. Note: third-party unsigned kernel modules (some GPU drivers) need Google's signed driver installer.",
    reference: "CIS GKE Benchmark 5.5.7/5.5.6; Checkov CKV_GCP_68",
  },
  validateResourceOfType(gcp.container.NodePool, (np, _args, report) => {
    const sic = rec(dig(np.nodeConfig, "shieldedInstanceConfig"));
    if (bool(sic?.enableSecureBoot) !== true)
      report("nodeConfig.shieldedInstanceConfig.enableSecureBoot is not true.");
    if (sic && bool(sic.enableIntegrityMonitoring) === false) report("enableIntegrityMonitoring is false.");
  }),
);

/** Node pools use the GKE metadata server. */
export const gkeNodePoolMetadata: ResourceRule = resourceRule(
  {
    name: "gcp-gke-node-pool-metadata-server",
    area: "gcp",
    description:
      "GKE node pools use the GKE metadata server (workloadMetadataConfig.mode GKE_METADATA) so pods cannot read node credentials.",
    severity: "high",
    remediation: 'Set nodeConfig.workloadMetadataConfig: { mode: "GKE_METADATA" }.',
    reference: "CIS GKE Benchmark 5.4.2; Checkov CKV_GCP_72",
  },
  validateResourceOfType(gcp.container.NodePool, (np, _args, report) => {
    if (str(dig(np.nodeConfig, "workloadMetadataConfig", "mode")) !== "GKE_METADATA")
      report("nodeConfig.workloadMetadataConfig.mode is not GKE_METADATA.");
  }),
);

/** A release channel is set. */
export const gkeReleaseChannel: ResourceRule = resourceRule(
  {
    name: "gcp-gke-release-channel",
    area: "gcp",
    description: "GKE clusters are enrolled in a release channel (RAPID, REGULAR, STABLE or EXTENDED).",
    severity: "medium",
    remediation: 'Set releaseChannel: { channel: "REGULAR" } (or STABLE for prod).',
    reference: "CIS GKE Benchmark 5.5.4; Checkov CKV_GCP_67 equivalent",
  },
  validateResourceOfType(gcp.container.Cluster, (c, _args, report) => {
    const ch = str(dig(c.releaseChannel, "channel"));
    if (ch === undefined || ch === "UNSPECIFIED") report("releaseChannel.channel is not set.");
  }),
);

/** NetworkPolicy enforcement is on. */
export const gkeNetworkPolicy: ResourceRule = resourceRule(
  {
    name: "gcp-gke-network-policy",
    area: "gcp",
    description: "GKE clusters enforce Kubernetes NetworkPolicy (networkPolicy.enabled or Dataplane V2).",
    severity: "medium",
    remediation:
      'Set datapathProvider: "ADVANCED_DATAPATH" (Dataplane V2) or networkPolicy: { enabled: true, provider: "CALICO" }.',
    reference: "CIS GKE Benchmark 5.6.7; Checkov CKV_GCP_12",
  },
  validateResourceOfType(gcp.container.Cluster, (c, _args, report) => {
    if (autopilot(c) || str(c.datapathProvider) === "ADVANCED_DATAPATH") return;
    if (bool(dig(c.networkPolicy, "enabled")) !== true)
      report("Neither Dataplane V2 nor networkPolicy.enabled is set.");
  }),
);

/** No legacy ABAC or client certificates. */
export const gkeNoLegacyAuth: ResourceRule = resourceRule(
  {
    name: "gcp-gke-no-legacy-auth",
    area: "gcp",
    description: "GKE clusters disable legacy ABAC and client-certificate (basic) authentication.",
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    remediation:
      "Remove enableLegacyAbac (or set false) and set masterAuth.clientCertificateConfig.issueClientCertificate: false.",
    reference: "CIS GKE Benchmark 5.8.1/5.8.3; Checkov CKV_GCP_7 / CKV_GCP_13",
  },
  validateResourceOfType(gcp.container.Cluster, (c, _args, report) => {
    if (c.enableLegacyAbac === true) report("enableLegacyAbac is true.");
    if (bool(dig(c.masterAuth, "clientCertificateConfig", "issueClientCertificate")) === true)
      report("masterAuth issues client certificates.");
  }),
);

/** GKE rules. */
export const gkeRules: ResourceRule[] = [
  gkePrivateNodes,
  gkeControlPlaneRestricted,
  gkeWorkloadIdentity,
  gkeShieldedNodes,
  gkeNodePoolSecureBoot,
  gkeNodePoolMetadata,
  gkeReleaseChannel,
  gkeNetworkPolicy,
  gkeNoLegacyAuth,
];
