/**
 * Block storage on GKE: a StorageClass of the Compute Engine persistent disk CSI driver (on by
 * default in GKE) whose balanced persistent disks are encrypted with the component's Cloud KMS key
 * (CMEK), and the grant that lets Compute Engine use the key.
 */
import * as gcp from "../../shared/gcp-sdk";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AdapterContext, BlockStorage, BlockStorageArgs } from "../types";
import { blockStorageClassName, reclaimPolicy, requireBlockStorageKey } from "../block-storage";
import type { GcpAdapterScope } from "./common";
import { keyUserMember } from "./kms";

/** Provisioner name of the Compute Engine persistent disk CSI driver. */
export const PD_CSI_PROVISIONER = "pd.csi.storage.gke.io";

/** The Compute Engine grant on each key, so a key used by several StorageClasses gets one. */
export type ComputeKeyGrantRegistry = Map<pulumi.Resource, gcp.kms.CryptoKeyIAMMember>;

/**
 * The StorageClass `${ctx.name}-<role>-storageclass` (physical name
 * `<component>-<stack>-<role>-encrypted`) for `pd-balanced` disks encrypted with `args.key`, and
 * the grant `${ctx.name}-<role>-compute-agent-member` of `roles/cloudkms.cryptoKeyEncrypterDecrypter`
 * on the key to the Compute Engine service agent
 * `service-<project number>@compute-system.iam.gserviceaccount.com`, which encrypts the disks
 * (once per key). Both as in "Use customer-managed encryption keys (CMEK)"
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/using-cmek#create_a_cmek_protected_attached_disk);
 * the parameters (`type`, `disk-encryption-kms-key`: the key's full resource id, `labels`:
 * `k=v,...`) are the driver's (kubernetes-sigs/gcp-compute-persistent-disk-csi-driver README,
 * "CreateVolume Parameters"); the disks carry the context's tags as labels.
 * `WaitForFirstConsumer` creates a zonal disk in the zone the pod is scheduled to.
 */
export function createPdBlockStorage(
  scope: GcpAdapterScope,
  ctx: AdapterContext,
  role: string,
  args: BlockStorageArgs,
  registry: ComputeKeyGrantRegistry,
): BlockStorage {
  const key = requireBlockStorageKey(ctx, role, args, "gcp");
  let grant = registry.get(key.resource);
  if (grant === undefined) {
    const project = gcp.organizations.getProjectOutput(
      { projectId: scope.gcp.project },
      { parent: ctx.parent },
    );
    grant = keyUserMember(
      `${ctx.name}-${role}-compute-agent-member`,
      key.keyId,
      pulumi.interpolate`serviceAccount:service-${project.number}@compute-system.iam.gserviceaccount.com`,
      scope.opts,
    );
    registry.set(key.resource, grant);
  }

  const diskLabels = Object.entries(scope.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const storageClass = new k8s.storage.v1.StorageClass(
    `${ctx.name}-${role}-storageclass`,
    {
      metadata: { name: blockStorageClassName(ctx, role), labels: args.labels },
      provisioner: PD_CSI_PROVISIONER,
      parameters: {
        type: "pd-balanced",
        "disk-encryption-kms-key": key.keyId,
        ...(diskLabels === "" ? {} : { labels: diskLabels }),
      },
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
      reclaimPolicy: reclaimPolicy(args),
    },
    { parent: ctx.parent, provider: ctx.k8sProvider },
  );
  return { storageClassName: storageClass.metadata.name, resources: [storageClass, grant, ...key.ready] };
}
