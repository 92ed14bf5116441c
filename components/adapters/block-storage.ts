/**
 * What every target's block storage (`BlockStorageCapability`) shares: the StorageClass's physical
 * name, its reclaim policy and the check that a cloud target got a key.
 */
import * as pulumi from "@pulumi/pulumi";
import { physicalName, physicalNameBase, PhysicalNameKind } from "../shared/names";
import type { BlockStorageArgs, CloudContext, EncryptionKey, Target } from "./types";

/**
 * `metadata.name` of a component's StorageClass: `<base>-<role>-encrypted`, where the base is
 * `<component>-<stack>` (`CloudContext.physicalNameBase`). A StorageClass is cluster-scoped, so the
 * stack in the name keeps two stacks of one program on a shared cluster apart.
 */
export function blockStorageClassName(ctx: CloudContext, role: string): string {
  const base = ctx.physicalNameBase ?? physicalNameBase(ctx.name);
  return physicalName(PhysicalNameKind.storageClass, base, role, "encrypted");
}

/** `Retain` keeps the cloud volume when its claim is deleted (prod); `Delete` removes it with the claim. */
export function reclaimPolicy(args: BlockStorageArgs): "Retain" | "Delete" {
  return args.retain ? "Retain" : "Delete";
}

/**
 * The key a cloud target encrypts the volumes with. Volumes without the component's key would fall
 * back to the provider-managed key, so a missing key is an error, never a silent downgrade.
 */
export function requireBlockStorageKey(
  ctx: CloudContext,
  role: string,
  args: BlockStorageArgs,
  target: Target,
): EncryptionKey {
  if (args.key === undefined) {
    throw new pulumi.ResourceError(
      `blockStorage("${role}"): args.key is required on ${target} (volumes are encrypted with the component's customer-managed key; create it with encryptionKey)`,
      ctx.parent,
    );
  }
  return args.key;
}
