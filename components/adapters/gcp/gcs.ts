/**
 * Cloud Storage: a private, regional bucket with uniform bucket-level access, public access
 * prevention enforced and optional CMEK.
 */
import * as gcp from "../../shared/gcp-sdk";
import * as pulumi from "@pulumi/pulumi";
import { StoreKind, type GrantableStore, type ObjectStore, type ObjectStoreArgs } from "../types";
import { googleApisEgressRule, type GcpAdapterScope } from "./common";
import type { KeyGrantRegistry } from "./kms";

/** Roles of the stores (buckets, table stores, datasets) this adapter created, used to name per-store IAM members. */
export type StoreRoleRegistry = WeakMap<GrantableStore, string>;

/**
 * Creates the bucket in the target region (a CMEK key must be in the bucket's location, which is
 * why the key ring uses the same region). Security settings:
 * - `uniformBucketLevelAccess: true`: IAM only, no object ACLs (CIS GCP 5.2).
 * - `publicAccessPrevention: "enforced"`: no `allUsers`/`allAuthenticatedUsers` grant can apply (CIS GCP 5.1).
 * - `encryption.defaultKmsKeyName`: the customer-managed key, when given; the bucket waits for the
 *   Cloud Storage service agent's grant on the key, without which object writes fail.
 *
 * The bucket name is auto-named by Pulumi (logical name plus a random suffix), as bucket names are
 * global. Clients reach `storage.googleapis.com` over HTTPS with Workload Identity credentials, so
 * the only client setting is `GOOGLE_CLOUD_PROJECT`.
 */
export function createObjectStore(
  scope: GcpAdapterScope,
  role: string,
  args: ObjectStoreArgs,
  keys: KeyGrantRegistry,
  stores: StoreRoleRegistry,
): ObjectStore {
  const { ctx, gcp: target, labels, statefulOpts } = scope;
  const grants = args.key ? keys.get(args.key.resource) : undefined;
  const dependsOn: pulumi.Resource[] = grants ? [grants.storage] : args.key ? [args.key.resource] : [];

  const bucket = new gcp.storage.Bucket(
    `${ctx.name}-${role}-bucket`,
    {
      project: target.project,
      location: target.region,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      versioning: { enabled: args.versioning },
      encryption: args.key ? { defaultKmsKeyName: args.key.keyId } : undefined,
      forceDestroy: args.forceDestroy,
      labels,
    },
    { ...statefulOpts, dependsOn },
  );

  const store: ObjectStore = {
    kind: StoreKind.objectStore,
    bucketName: bucket.name,
    uri: pulumi.interpolate`gs://${bucket.name}`,
    clientEnv: [{ name: "GOOGLE_CLOUD_PROJECT", value: target.project }],
    egress: [googleApisEgressRule()],
    encryptionKey: args.key,
    resource: bucket,
  };
  stores.set(store, role);
  return store;
}
