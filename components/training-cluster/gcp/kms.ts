/**
 * Application-layer Secrets encryption: a Cloud KMS key in the cluster's region that GKE uses to
 * envelope-encrypt Kubernetes Secrets in etcd, and the GKE service agent's grant on it.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { ENCRYPTER_DECRYPTER_ROLE, KEY_ROTATION_PERIOD } from "../../adapters/gcp/kms";
import type { ResolvedGcpClusterArgs } from "./args";
import type { GcpClusterScope } from "./scope";

/** The secrets key and the grant the cluster must wait for. */
export interface SecretsKey {
  key: gcp.kms.CryptoKey;
  /** The GKE service agent's encrypter/decrypter grant; without it cluster creation fails. */
  grant: gcp.kms.CryptoKeyIAMMember;
}

/**
 * Creates a key ring and key (90-day rotation, CIS GCP 1.10) in the cluster's region, which GKE
 * requires for `databaseEncryption`
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/encrypting-secrets), and grants the GKE
 * service agent `service-<project number>@container-engine-robot.iam.gserviceaccount.com` use of
 * it. The key is stateful: losing it makes every Secret of the cluster unreadable, so it gets
 * `protect`/`retainOnDelete` from the context.
 */
export function createSecretsKey(scope: GcpClusterScope, args: ResolvedGcpClusterArgs): SecretsKey {
  const { ctx, labels, opts, statefulOpts } = scope;
  const keyRing = new gcp.kms.KeyRing(
    `${ctx.name}-secrets-keyring`,
    { project: args.project, location: args.region },
    // Key rings cannot be deleted in GCP; protecting it keeps the prod stateful-resource rule simple.
    statefulOpts,
  );
  const key = new gcp.kms.CryptoKey(
    `${ctx.name}-secrets-key`,
    { keyRing: keyRing.id, purpose: "ENCRYPT_DECRYPT", rotationPeriod: KEY_ROTATION_PERIOD, labels },
    statefulOpts,
  );
  const project = gcp.organizations.getProjectOutput({ projectId: args.project }, { parent: ctx.parent });
  const grant = new gcp.kms.CryptoKeyIAMMember(
    `${ctx.name}-secrets-key-gke-agent`,
    {
      cryptoKeyId: key.id,
      role: ENCRYPTER_DECRYPTER_ROLE,
      member: pulumi.interpolate`serviceAccount:service-${project.number}@container-engine-robot.iam.gserviceaccount.com`,
    },
    opts,
  );
  return { key, grant };
}
