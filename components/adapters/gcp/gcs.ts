/**
 * Cloud Storage: a private, regional bucket with uniform bucket-level access, public access
 * prevention enforced and optional CMEK.
 */
import * as gcp from "../../shared/gcp-sdk";
import * as pulumi from "@pulumi/pulumi";
import {
  StoreKind,
  Target,
  type ExistingStoreContext,
  type GrantableStore,
  type ObjectStore,
  type ObjectStoreArgs,
  type ObjectStoreReference,
} from "../types";
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

/**
 * The reference (`objectStoreReference`) of a store `createObjectStore` made: its bucket's name and
 * project and its CMEK key. Undefined for any other store.
 */
export function gcsStoreReference(store: ObjectStore): pulumi.Output<ObjectStoreReference> | undefined {
  if (!gcp.storage.Bucket.isInstance(store.resource)) return undefined;
  const bucket = store.resource;
  return pulumi
    .all([bucket.name, bucket.project, store.encryptionKey?.keyId])
    .apply(([bucketName, project, key]) => ({
      target: Target.gcp,
      bucketName,
      project,
      ...(key ? { encryptionKeyId: key } : {}),
    }));
}

/**
 * The handle of a Cloud Storage bucket another stack created (`existingObjectStore`): the bucket
 * read as `${ctx.name}-bucket` and, with `encryptionKeyId`, its CMEK key read as `${ctx.name}-key`
 * (reported only: Cloud Storage's service agent decrypts for readers). A read grant is a bucket IAM
 * member on the bucket's name; nothing else is created.
 */
export function existingGcsStore(ctx: ExistingStoreContext, ref: ObjectStoreReference): ObjectStore {
  const opts = ctx.parent ? { parent: ctx.parent } : {};
  const bucket = gcp.storage.Bucket.get(
    `${ctx.name}-bucket`,
    ref.bucketName,
    { name: ref.bucketName, ...(ref.project ? { project: ref.project } : {}) },
    opts,
  );
  const keyId = ref.encryptionKeyId;
  return {
    kind: StoreKind.objectStore,
    bucketName: bucket.name,
    uri: pulumi.interpolate`gs://${bucket.name}`,
    clientEnv: [{ name: "GOOGLE_CLOUD_PROJECT", value: ref.project ?? "" }],
    egress: [googleApisEgressRule()],
    ...(keyId
      ? {
          encryptionKey: {
            keyId: pulumi.output(keyId),
            resource: gcp.kms.CryptoKey.get(`${ctx.name}-key`, keyId, undefined, opts),
            ready: [],
          },
        }
      : {}),
    resource: bucket,
  };
}
