/**
 * Object stores across stacks: `objectStoreReference` turns a store an adapter created into plain
 * values a stack can export, and `existingStore` rebuilds a handle from them in another stack,
 * through the target's adapter (the one place that maps a reference's target to its
 * implementation). Kept beside `adapters/index.ts`; the public `existingObjectStore`
 * (components/training-cluster/handle.ts) checks the reading cluster and calls it.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { type Problem, zodProblems } from "../shared/contract";
import { dnsLabelSchema, labelMapSchema, nonEmptyStringSchema as nonEmpty } from "../shared/schemas";
import { existingS3Store, s3StoreReference } from "./aws";
import { existingGcsStore, gcsStoreReference } from "./gcp";
import { existingMinioStore, minioStoreReference } from "./local";
import {
  Target,
  TARGETS,
  type ExistingStoreContext,
  type ObjectStore,
  type ObjectStoreReference,
} from "./types";

const EXISTING: Record<Target, (ctx: ExistingStoreContext, ref: ObjectStoreReference) => ObjectStore> = {
  aws: existingS3Store,
  gcp: existingGcsStore,
  local: existingMinioStore,
};

/**
 * The reference of a store an adapter's `objectStore()` created (or `existingObjectStore`
 * rebuilt), for a stack output: e.g. `objectStoreReference(registry.artifactStore)`. Another
 * stack rebuilds the handle with `existingObjectStore`. Throws an Error for any other store.
 */
export function objectStoreReference(store: ObjectStore): pulumi.Output<ObjectStoreReference> {
  const reference = s3StoreReference(store) ?? gcsStoreReference(store) ?? minioStoreReference(store);
  if (reference === undefined) {
    throw new Error(
      "objectStoreReference: the store was not created by an adapter's objectStore() (e.g. a ModelRegistry's artifactStore) nor rebuilt by existingObjectStore",
    );
  }
  return reference;
}

const kmsKeyArn = z.string().regex(/^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/, {
  message: 'must be a KMS key ARN such as "arn:aws:kms:us-east-1:123456789012:key/1234abcd-..."',
});
const cryptoKeyId = z
  .string()
  .regex(/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/, {
    message: 'must be a Cloud KMS key such as "projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>"',
  });

/** The shape of an `ObjectStoreReference`; the target's rules are `referenceRules`. */
const referenceSchema = z
  .object({
    target: z.enum(TARGETS),
    bucketName: nonEmpty,
    encryptionKeyId: nonEmpty.optional(),
    region: nonEmpty.optional(),
    project: nonEmpty.optional(),
    minio: z
      .object({
        namespace: dnsLabelSchema(),
        serviceName: dnsLabelSchema(),
        credentialsSecretName: nonEmpty,
        adminServiceAccountName: nonEmpty,
        adminPodLabels: labelMapSchema,
        serverPodLabels: labelMapSchema,
      })
      .strict()
      .optional(),
  })
  .strict();

/** What each target needs of a reference and what it does not take. */
function referenceRules(ref: z.output<typeof referenceSchema>): Problem[] {
  const problems: Problem[] = [];
  const needs: Record<Target, "region" | "project" | "minio"> = {
    aws: "region",
    gcp: "project",
    local: "minio",
  };
  for (const [target, key] of Object.entries(needs) as [Target, "region" | "project" | "minio"][]) {
    if (target === ref.target && ref[key] === undefined)
      problems.push({ path: [key], message: `required when target is "${target}"` });
    if (target !== ref.target && ref[key] !== undefined)
      problems.push({ path: [key], message: `only used when target is "${target}"; remove it` });
  }
  const key = ref.encryptionKeyId;
  if (key !== undefined) {
    const check = ref.target === Target.aws ? kmsKeyArn : ref.target === Target.gcp ? cryptoKeyId : undefined;
    if (check === undefined) {
      problems.push({
        path: ["encryptionKeyId"],
        message: 'not used when target is "local" (MinIO has no KMS); remove it',
      });
    } else {
      const result = check.safeParse(key);
      if (!result.success)
        problems.push(...zodProblems(result.error).map((p) => ({ ...p, path: ["encryptionKeyId"] })));
    }
  }
  return problems;
}

/** The problems of a value given as an `ObjectStoreReference`, paths relative to it.  @internal */
export function objectStoreReferenceProblems(reference: unknown): Problem[] {
  const result = referenceSchema.safeParse(reference);
  return result.success ? referenceRules(result.data) : zodProblems(result.error);
}

/**
 * The handle of the store `reference` names, through its target's adapter (reads, no new
 * resources). The caller has checked the reference (`objectStoreReferenceProblems`).
 * @internal
 */
export function existingStore(ctx: ExistingStoreContext, reference: ObjectStoreReference): ObjectStore {
  return EXISTING[reference.target](ctx, reference);
}
