/**
 * pulumi-mlops: reusable Pulumi components for a secure MLOps platform on AWS, Google Cloud or
 * any Kubernetes cluster.
 */
export { ModelRegistry, MLFLOW_PORT } from "./model-registry";
export type {
  ModelRegistryArgs,
  ModelRegistryAuthArgs,
  ModelRegistryBucketArgs,
  ModelRegistryDatabaseArgs,
  ModelRegistryIngressArgs,
  ModelRegistryResources,
} from "./model-registry";
export { DEFAULT_MLFLOW_IMAGE, MlflowPermission, modelRegistryArgsSchema } from "./model-registry";
export {
  Target,
  TARGETS,
  AwsIdentityMode,
  GcpPrivateServiceAccess,
  type AwsTargetArgs,
  type GcpTargetArgs,
  type LocalTargetArgs,
  type CloudAdapter,
} from "./adapters/types";
export { Environment, ENVIRONMENTS, PRESETS, DatabaseSize, type EnvironmentPreset } from "./shared/presets";
export { StackConfigError } from "./shared/errors";
