/**
 * What the component package serves to other languages (`pulumi package add`): its name (the
 * `mlops` of every `mlops:index:<Name>` type token) and its components. The building blocks for
 * TypeScript component authors (`MlopsComponent`, `RestrictedNamespace`, `SecureWorkload`,
 * `CertManager`) are not served: another component creates them, in TypeScript.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  FeatureStore,
  GpuTrainingCluster,
  ModelRegistry,
  ModelServing,
  Monitoring,
  RetrainingLoop,
  ServingPlatform,
  TrainingJob,
} from "../components";

/** The package name in the schema: type tokens are `mlops:index:<Name>`, as the components register. */
export const PACKAGE_NAME = "mlops";

/** The components in the package's schema, in the README's order. */
export const PACKAGED_COMPONENTS = [
  GpuTrainingCluster,
  TrainingJob,
  ModelRegistry,
  Monitoring,
  FeatureStore,
  ServingPlatform,
  ModelServing,
  RetrainingLoop,
];

/**
 * The package's root (where package.json, tsconfig.json and the sources the analyzer reads are),
 * from the folder of the running provider module: the root itself (sources, run by Pulumi's
 * ts-node) or its `dist/` (the compiled package).
 */
export function packageRoot(dir: string): string {
  return fs.existsSync(path.join(dir, "package.json")) ? dir : path.dirname(dir);
}
