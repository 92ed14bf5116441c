/**
 * Cloud KMS: a customer-managed encryption key (CMEK) per role, usable by Cloud Storage and
 * Cloud SQL through their service agents.
 */
import * as gcp from "../../shared/gcp-sdk";
import * as pulumi from "@pulumi/pulumi";
import type { EncryptionKey, EncryptionKeyArgs } from "../types";
import { KeyPurpose } from "../types";
import type { GcpAdapterScope } from "./common";

/**
 * Rotation period of the key: 90 days, the maximum CIS Google Cloud Platform Foundation
 * Benchmark recommendation 1.10 ("Ensure KMS encryption keys are rotated within a period of 90
 * days") allows.
 */
export const KEY_ROTATION_PERIOD = "7776000s";

/** The IAM role a service agent needs to encrypt and decrypt with a key. */
export const ENCRYPTER_DECRYPTER_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter";

/** The grants that let the Google service agents use a data key; users of the key depend on them. */
export interface KeyGrants {
  /** Cloud Storage service agent (`service-<number>@gs-project-accounts...`) on the key. */
  storage: gcp.kms.CryptoKeyIAMMember;
  /** Cloud SQL service agent (`service-<number>@gcp-sa-cloud-sql...`) on the key. */
  cloudSql: gcp.kms.CryptoKeyIAMMember;
}

/** Data keys created by this adapter, with their grants, looked up by the key resource. */
export type KeyGrantRegistry = WeakMap<pulumi.Resource, KeyGrants>;

/**
 * The one Cloud KMS key builder of the toolkit: the adapter's `encryptionKey` (component data)
 * and the GKE builder's Secrets key both call it, so every key has the same settings.
 *
 * Creates a key ring `${ctx.name}-<role>-keyring` and an ENCRYPT_DECRYPT key
 * `${ctx.name}-<role>-key` (90-day rotation, CIS GCP 1.10) in the target region, and grants the
 * service agents of the key's purpose use of it:
 * - "data": the Cloud Storage and Cloud SQL service agents (`-gcs-agent-member`,
 *   `-sql-agent-member`, plus the `-sql-agent` ServiceIdentity that makes sure Cloud SQL's agent
 *   exists). A bucket or instance is only created with CMEK once its agent can use the key, so
 *   both look the grants up in `registry`.
 * - "kubernetesSecrets": the GKE service agent
 *   `service-<project number>@container-engine-robot.iam.gserviceaccount.com` (`-key-gke-agent`),
 *   which GKE needs for `databaseEncryption`
 *   (https://cloud.google.com/kubernetes-engine/docs/how-to/encrypting-secrets); the cluster
 *   waits for it (`EncryptionKey.ready`).
 *
 * Key rings cannot be deleted in Google Cloud; deleting a key destroys its versions after the
 * scheduled-destruction period (30 days by default, `destroyScheduledDuration`). Both get
 * `protect`/`retainOnDelete` from the context: the key because it is stateful; the key ring because
 * `pulumi destroy` could only forget it anyway (so protecting it costs nothing) and the pack's
 * stateful-resource rule then needs no exception for it.
 */
export function createKmsKey(
  scope: GcpAdapterScope,
  role: string,
  registry: KeyGrantRegistry,
  args: EncryptionKeyArgs = {},
): EncryptionKey {
  const { ctx, gcp: target, labels, opts, statefulOpts } = scope;
  const prefix = `${ctx.name}-${role}`;

  const keyRing = new gcp.kms.KeyRing(
    `${prefix}-keyring`,
    { project: target.project, location: target.region },
    statefulOpts,
  );
  const key = new gcp.kms.CryptoKey(
    `${prefix}-key`,
    {
      keyRing: keyRing.id,
      purpose: "ENCRYPT_DECRYPT",
      rotationPeriod: KEY_ROTATION_PERIOD,
      labels,
    },
    statefulOpts,
  );

  if ((args.purpose ?? KeyPurpose.data) === KeyPurpose.kubernetesSecrets) {
    const project = gcp.organizations.getProjectOutput({ projectId: target.project }, { parent: ctx.parent });
    const gkeAgent = keyUserMember(
      `${prefix}-key-gke-agent`,
      key.id,
      pulumi.interpolate`serviceAccount:service-${project.number}@container-engine-robot.iam.gserviceaccount.com`,
      opts,
    );
    return { keyId: key.id, resource: key, ready: [gkeAgent] };
  }

  // The Cloud Storage service agent exists in every project; the invoke returns its e-mail.
  const storageAgent = gcp.storage.getProjectServiceAccountOutput(
    { project: target.project },
    { parent: ctx.parent },
  );
  // The Cloud SQL service agent is created on demand; ServiceIdentity makes sure it exists.
  const sqlAgent = new gcp.projects.ServiceIdentity(
    `${prefix}-sql-agent`,
    { project: target.project, service: "sqladmin.googleapis.com" },
    opts,
  );

  const storage = keyUserMember(
    `${prefix}-gcs-agent-member`,
    key.id,
    pulumi.interpolate`serviceAccount:${storageAgent.emailAddress}`,
    opts,
  );
  const cloudSql = keyUserMember(
    `${prefix}-sql-agent-member`,
    key.id,
    pulumi.interpolate`serviceAccount:${sqlAgent.email}`,
    opts,
  );

  registry.set(key, { storage, cloudSql });
  return { keyId: key.id, resource: key, ready: [storage, cloudSql] };
}

/** Grants `member` (a service agent) encrypt/decrypt on the key `cryptoKeyId`. */
export function keyUserMember(
  name: string,
  cryptoKeyId: pulumi.Input<string>,
  member: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): gcp.kms.CryptoKeyIAMMember {
  return new gcp.kms.CryptoKeyIAMMember(name, { cryptoKeyId, role: ENCRYPTER_DECRYPTER_ROLE, member }, opts);
}

/**
 * Grants the service agent of `service` (e.g. "redis.googleapis.com", "bigtableadmin.googleapis.com")
 * use of `key`, for services whose agent the key builder does not grant up front (the data key's
 * purpose grants only Cloud Storage and Cloud SQL; Memorystore and Bigtable ask here when they
 * use the key): `<prefix>-<agent>-agent` (the
 * ServiceIdentity that makes sure the agent exists) and `<prefix>-<agent>-agent-member`. Returns
 * the grant; a resource encrypted with the key must depend on it.
 */
export function grantKeyToServiceAgent(
  scope: GcpAdapterScope,
  prefix: string,
  agent: string,
  service: string,
  key: EncryptionKey,
): gcp.kms.CryptoKeyIAMMember {
  const { gcp: target, opts } = scope;
  const identity = new gcp.projects.ServiceIdentity(
    `${prefix}-${agent}-agent`,
    { project: target.project, service },
    opts,
  );
  return keyUserMember(
    `${prefix}-${agent}-agent-member`,
    key.keyId,
    pulumi.interpolate`serviceAccount:${identity.email}`,
    opts,
  );
}
