/**
 * Private services access: the reserved internal range and the Service Networking peering that
 * Cloud SQL private IP needs (one per VPC). Shared by the model registry's adapter (when it
 * creates the access itself) and the GKE cluster's network (which creates it for its VPC).
 */
import * as gcp from "../../shared/gcp-sdk";
import type * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_PRIVATE_SERVICE_ACCESS_CIDR,
  parsePrivateServiceAccessCidr,
  type GcpAdapterScope,
} from "./common";

export interface PrivateServiceAccessArgs {
  project: pulumi.Input<string>;
  /** Self link or id of the VPC network. */
  network: pulumi.Input<string>;
  /** The reserved range, e.g. "10.100.0.0/16". */
  cidr: string;
  labels: Record<string, string>;
}

export interface PrivateServiceAccess {
  range: gcp.compute.GlobalAddress;
  connection: gcp.servicenetworking.Connection;
}

/** Creates `${prefix}-psa-range` and `${prefix}-psa-connection`. */
export function createPrivateServiceAccess(
  prefix: string,
  args: PrivateServiceAccessArgs,
  opts: pulumi.CustomResourceOptions,
): PrivateServiceAccess {
  const psa = parsePrivateServiceAccessCidr(args.cidr);
  const range = new gcp.compute.GlobalAddress(
    `${prefix}-psa-range`,
    {
      project: args.project,
      purpose: "VPC_PEERING",
      addressType: "INTERNAL",
      address: psa.address,
      prefixLength: psa.prefixLength,
      network: args.network,
      labels: args.labels,
    },
    opts,
  );
  const connection = new gcp.servicenetworking.Connection(
    `${prefix}-psa-connection`,
    {
      network: args.network,
      service: "servicenetworking.googleapis.com",
      reservedPeeringRanges: [range.name],
      // Deleting the peering fails while any producer (a Cloud SQL instance) still uses it, and
      // would cut every other private service on the VPC: abandon it on delete instead (deleting
      // the network removes it).
      deletionPolicy: "ABANDON",
    },
    opts,
  );
  return { range, connection };
}

/**
 * The adapter's private services access, created at most once (a VPC has one Service Networking
 * connection): the first service that needs it (Cloud SQL, Memorystore) creates it under its own
 * prefix, later ones reuse it. Undefined when `gcp.privateServiceAccess` is "existing". The CIDR
 * is checked on every call, so a bad `privateServiceAccessCidr` fails either way.
 */
export type PrivateServiceAccessOnce = (prefix: string) => PrivateServiceAccess | undefined;

export function privateServiceAccessOnce(scope: GcpAdapterScope): PrivateServiceAccessOnce {
  let created: PrivateServiceAccess | undefined;
  return (prefix) => {
    const { gcp: target, labels, opts } = scope;
    const cidr = parsePrivateServiceAccessCidr(
      target.privateServiceAccessCidr ?? DEFAULT_PRIVATE_SERVICE_ACCESS_CIDR,
    ).cidr;
    if ((target.privateServiceAccess ?? "create") !== "create") return undefined;
    created ??= createPrivateServiceAccess(
      prefix,
      { project: target.project, network: target.network, cidr, labels },
      opts,
    );
    return created;
  };
}
