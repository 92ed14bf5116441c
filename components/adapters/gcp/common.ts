/**
 * Helpers shared by the Google Cloud adapter's files: settings access, label sanitizing, CIDR
 * parsing and the egress rule for Google APIs.
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { cidrProblem, formatIpv4Cidr, parseIpv4Cidr, type CidrRule } from "../../shared/cidr";
import type { CloudContext, GcpTargetArgs, TargetSettings } from "../types";

/**
 * Default CIDR of the private services access range (see `GcpTargetArgs.privateServiceAccessCidr`).
 * A /16 is what Google recommends reserving for private services access, so that later services
 * (more Cloud SQL instances, Memorystore, ...) fit in the same range
 * (https://cloud.google.com/vpc/docs/configure-private-services-access#allocating-range).
 */
export const DEFAULT_PRIVATE_SERVICE_ACCESS_CIDR = "10.100.0.0/16";

/** The link-local metadata server address (Compute Engine metadata server; GKE metadata server with Workload Identity). */
export const METADATA_SERVER_CIDR = "169.254.169.254/32";

/**
 * The GKE metadata server's own address on Calico / Dataplane V1 clusters on GKE 1.21.0-gke.1000
 * and later, where pod traffic to 169.254.169.254:80 is redirected to it on TCP 988.
 */
export const GKE_METADATA_SERVER_DAEMON_CIDR = "169.254.169.252/32";

/** Everything the GCP adapter's files need besides the per-call args. */
export interface GcpAdapterScope {
  ctx: CloudContext;
  gcp: GcpTargetArgs;
  /** `ctx.tags` sanitized to GCP label rules. */
  labels: Record<string, string>;
  /** Resource options for every child (`{ parent }`). */
  opts: pulumi.CustomResourceOptions;
  /** Resource options for stateful children (key ring, key, bucket, SQL instance): protect and retain on delete. */
  statefulOpts: pulumi.CustomResourceOptions;
}

/** Returns `settings.gcp`, or throws naming `args.gcp` when it is missing. */
export function requireGcpSettings(settings: TargetSettings): GcpTargetArgs {
  const gcp = settings.gcp;
  if (gcp === undefined || gcp === null) {
    throw new Error(
      'args.gcp: required when target is "gcp" (give project, region and network of the GKE cluster)',
    );
  }
  return gcp;
}

/** Builds the scope shared by the adapter's files. */
export function gcpScope(ctx: CloudContext, settings: TargetSettings): GcpAdapterScope {
  const gcp = requireGcpSettings(settings);
  const opts: pulumi.CustomResourceOptions = { parent: ctx.parent };
  return {
    ctx,
    gcp,
    labels: gcpLabels(ctx.tags),
    opts,
    statefulOpts: { ...opts, protect: ctx.protect, retainOnDelete: ctx.protect },
  };
}

const LABEL_MAX = 63;
const LABEL_INVALID = /[^a-z0-9_-]/g;

/**
 * Converts tags to GCP labels. Rules (https://cloud.google.com/resource-manager/docs/labels-overview#requirements):
 * keys and values at most 63 characters of lowercase letters, digits, `_` and `-`; keys start with a
 * lowercase letter; at most 64 labels. Keys and values are lowercased, other characters become
 * `_` (so `app.kubernetes.io/name` becomes `app_kubernetes_io_name`), keys not starting with a
 * letter get an `l_` prefix, and both are cut to 63 characters. When two keys sanitize to the same
 * label, the later one wins.
 */
export function gcpLabels(tags: Record<string, string>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [rawKey, rawValue] of Object.entries(tags)) {
    let key = rawKey.toLowerCase().replace(LABEL_INVALID, "_");
    if (!/^[a-z]/.test(key)) key = `l_${key}`;
    key = key.slice(0, LABEL_MAX);
    labels[key] = String(rawValue).toLowerCase().replace(LABEL_INVALID, "_").slice(0, LABEL_MAX);
  }
  const count = Object.keys(labels).length;
  if (count > 64) {
    throw new Error(`args.tags: ${count} tags, but Google Cloud allows at most 64 labels per resource`);
  }
  return labels;
}

/** The private services access range as `compute.GlobalAddress` takes it. */
export interface PrivateServiceAccessRange {
  /** Network address, e.g. "10.100.0.0". */
  address: string;
  /** Prefix length, e.g. 16. */
  prefixLength: number;
  /** The CIDR as given. */
  cidr: string;
}

/**
 * What the private services access CIDR may be: an IPv4 network address with a prefix of /8 to
 * /24. Google requires at least a /24 for an allocated range
 * (https://cloud.google.com/vpc/docs/configure-private-services-access#allocating-range). The
 * model registry's and the training cluster's schemas use the same rule.
 */
export const PRIVATE_SERVICE_ACCESS_CIDR_RULE: CidrRule = {
  minPrefix: 8,
  maxPrefix: 24,
  example: DEFAULT_PRIVATE_SERVICE_ACCESS_CIDR,
  reason: "Google requires at least a /24",
};

/** Parses the private services access CIDR (`PRIVATE_SERVICE_ACCESS_CIDR_RULE`); throws naming the argument. */
export function parsePrivateServiceAccessCidr(cidr: string): PrivateServiceAccessRange {
  const problem = cidrProblem(cidr, PRIVATE_SERVICE_ACCESS_CIDR_RULE);
  if (problem) throw new Error(`args.gcp.privateServiceAccessCidr: ${problem}`);
  const c = parseIpv4Cidr(cidr)!;
  return { address: formatIpv4Cidr(c).split("/")[0]!, prefixLength: c.prefix, cidr };
}

/**
 * Egress to Google APIs over HTTPS (storage.googleapis.com, sts/iamcredentials, ...). Their
 * addresses are not fixed, so the rule allows TCP 443 to any address except the metadata server.
 */
export function googleApisEgressRule(): k8s.types.input.networking.v1.NetworkPolicyEgressRule {
  return {
    to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [METADATA_SERVER_CIDR] } }],
    ports: [{ protocol: "TCP", port: 443 }],
  };
}
