/**
 * Strict validation of the custom resources ModelServing writes against the upstream schemas
 * vendored in test/schemas/ (see test/schemas/README.md), with ajv:
 * - `serving.kserve.io/v1beta1` InferenceService (kserve/kserve v0.20.0),
 * - `keda.sh/v1alpha1` ScaledObject, TriggerAuthentication and ClusterTriggerAuthentication
 *   (kedacore/keda v2.20.2; with the platform's `permissions.operator.restrict.secret: true` KEDA
 *   reads Secrets only in its own namespace, which a ClusterTriggerAuthentication refers to).
 * Objects are closed (unknown fields fail): test/schemas/strict.ts.
 */
import { join } from "node:path";
import { crdSchemaErrors as errorsOf } from "../schemas/strict";

/** The schema errors of a `serving.kserve.io/v1beta1` InferenceService; [] when it is valid. */
export function inferenceServiceSchemaErrors(manifest: unknown): string[] {
  return errorsOf(join("kserve", "inferenceservice-v1beta1.json"), manifest);
}

/** The schema errors of a `keda.sh/v1alpha1` ScaledObject; [] when it is valid. */
export function scaledObjectSchemaErrors(manifest: unknown): string[] {
  return errorsOf(join("keda", "scaledobject-v1alpha1.json"), manifest);
}

/** The schema errors of a `keda.sh/v1alpha1` TriggerAuthentication; [] when it is valid. */
export function triggerAuthenticationSchemaErrors(manifest: unknown): string[] {
  return errorsOf(join("keda", "triggerauthentication-v1alpha1.json"), manifest);
}

/** The schema errors of a `keda.sh/v1alpha1` ClusterTriggerAuthentication; [] when it is valid. */
export function clusterTriggerAuthenticationSchemaErrors(manifest: unknown): string[] {
  return errorsOf(join("keda", "clustertriggerauthentication-v1alpha1.json"), manifest);
}
