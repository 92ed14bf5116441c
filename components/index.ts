/**
 * pulumi-mlops: reusable Pulumi components for a secure MLOps platform on AWS, Google Cloud or
 * any Kubernetes cluster.
 */
export { ModelRegistry, MODEL_REGISTRY_TYPE, MLFLOW_PORT } from "./model-registry";
export type {
  ModelRegistryArgs,
  ModelRegistryAuthArgs,
  ModelRegistryBucketArgs,
  ModelRegistryDatabaseArgs,
  ModelRegistryIngressArgs,
  ModelRegistryResources,
} from "./model-registry";
export { DEFAULT_MLFLOW_IMAGE, MlflowPermission } from "./model-registry";
export {
  Monitoring,
  MONITORING_TYPE,
  MonitoringMode,
  KUBE_PROMETHEUS_STACK_CHART,
  PUSHGATEWAY_IMAGE,
  PROTECTED_VALUE_PATHS,
  ReceiverKind,
  MatchOperator,
  Severity,
  ALERT_CATALOGUE,
  type MonitoringArgs,
  type MonitoringPrometheusArgs,
  type MonitoringAlertmanagerArgs,
  type MonitoringGrafanaArgs,
  type MonitoringPushgatewayArgs,
  type AlertingArgs,
  type AlertReceiverArgs,
  type AlertRouteArgs,
  type AlertMatcherArgs,
  type AlertInhibitRuleArgs,
  type SlackReceiverArgs,
  type PagerDutyReceiverArgs,
  type WebhookReceiverArgs,
  type SecretKeyRefArgs,
  type CatalogueParams,
} from "./monitoring";
export {
  FeatureStore,
  FEATURE_STORE_TYPE,
  FEAST_OPERATOR_VERSION,
  FEAST_OPERATOR_MANIFEST_URL,
  OnlineStoreType,
  OfflineStoreType,
  FeatureStoreAuthz,
  FEATURE_STORE_CLIENT_LABEL,
  FeastClientTls,
  feastClientConfigYaml,
  type FeatureStoreClient,
  type FeatureStoreArgs,
  type FeatureStoreAuthzArgs,
  type FeatureStoreAutoscalingArgs,
  type FeatureStoreGitRepositoryArgs,
  type FeatureStoreImageRepositoryArgs,
  type FeatureStoreMaterializationArgs,
  type FeatureStoreOfflineStoreArgs,
  type FeatureStoreOnlineStoreArgs,
  type FeatureStoreRegistryArgs,
  type FeatureStoreRepositoryArgs,
  type FeatureStoreResources,
  type FeatureStoreServerArgs,
  type FeatureStoreTlsArgs,
  type FeatureStoreOnlineEndpoint,
  type FeatureStoreOnlineTables,
} from "./feature-store";
export {
  ModelServing,
  MODEL_SERVING_TYPE,
  MODEL_SERVING_CLIENT_LABEL,
  ModelFormat,
  ScaleMetric,
  PayloadLoggingMode,
  PrometheusAuthentication,
  ServingPlatform,
  SERVING_PLATFORM_TYPE,
  type ModelServingArgs,
  type ModelArgs,
  type ModelResources,
  type ModelAutoscalingArgs,
  type ModelCanaryArgs,
  type ModelGpuArgs,
  type ModelLoggingArgs,
  type ModelExposureArgs,
  type ModelServingPrometheusArgs,
  type ModelServingPayloadSinkArgs,
  type ServedModel,
  type ServingPlatformArgs,
} from "./model-serving";
export {
  Target,
  TARGETS,
  AwsIdentityMode,
  GcpPrivateServiceAccess,
  type AwsTargetArgs,
  type GcpTargetArgs,
  type LocalTargetArgs,
  type CloudAdapter,
  type ObjectStore,
  type ObjectStoreReference,
  type MinioServerReference,
  objectStoreReference,
  StoreKind,
  type GrantableStore,
  type EncryptionKey,
  createAdapter,
  createCloudAdapter,
  Access,
  type Grant,
  type WorkloadIdentityArgs,
  type WorkloadIdentity,
  IngressAuthenticationKind,
  OidcUnauthenticatedAction,
} from "./adapters";
export { Environment, ENVIRONMENTS, PRESETS, DatabaseSize, type EnvironmentPreset } from "./shared/presets";
export { StackConfigError } from "./shared/errors";
export {
  MlopsComponent,
  componentContext,
  resolvePlatform,
  carriesPrefix,
  type ChildResourceOptions,
  type ComponentContext,
  type PlatformArgs,
  type ResolvedPlatform,
} from "./shared/component";
export {
  RestrictedNamespace,
  RESTRICTED_NAMESPACE_TYPE,
  type RestrictedNamespaceArgs,
} from "./shared/restricted-namespace";
export { SecureWorkload, SECURE_WORKLOAD_TYPE, type SecureWorkloadArgs } from "./shared/secure-workload";
export {
  pythonJobPod,
  jobsDir,
  jobsSources,
  JobsLock,
  PYTHON_IMAGE,
  PYTHON_JOB_UID,
  type PythonJobPod,
  type PythonJobPodArgs,
} from "./shared/python-job";
export type { ContainerResources } from "./shared/k8s";
export {
  HTTPS_ONLY_INGRESS_ANNOTATIONS,
  type HttpsIngressArgs,
  type IngressAuthenticationArgs,
  type ExternalAuthArgs,
  type OidcAuthenticationArgs,
  type IapAuthenticationArgs,
} from "./shared/https-ingress";
export { ScrapeBackend, MonitorKind, ScrapeScheme } from "./shared/monitors";
export {
  createScrapeTarget,
  isScraped,
  scraperIngressRule,
  scraperNamespaceLabels,
  METRICS_SCRAPER_NAMESPACE_LABEL,
  GMP_COLLECTOR_NAMESPACE,
  type ClusterMonitoring,
  type WorkloadScrapeTarget,
  type ScrapeTargetPlacement,
} from "./shared/scrape-target";
export {
  createServingCertificate,
  servingCertificateManifest,
  IssuerKind,
  TLS_SECRET_KEYS,
  SERVING_CERTIFICATE_DEFAULTS,
  CERT_MANAGER_API_VERSION,
  type ClusterCertificates,
  type CertificatePlacement,
  type ServingCertificate,
  type ServingCertificateArgs,
} from "./shared/certificates";
export {
  createAlertRoutes,
  alertmanagerConfigManifest,
  AlertRoutesArgsError,
  ALERT_ROUTE_BACKENDS,
  type AlertRoutesArgs,
  type AlertRoutesPlacement,
  type AlertSubRoute,
} from "./shared/alert-routes";
export type { ResolvedAlertMatcher, ResolvedAlertReceiver } from "./shared/alert-receivers";
export {
  RetrainingLoop,
  RETRAINING_LOOP_TYPE,
  RETRAINING_LOOP_DEFAULTS,
  GateMetric,
  GateDirection,
  retrainingAlerting,
  ARGO_WORKFLOWS_CHART_VERSION,
  ARGO_WORKFLOWS_VERSION,
  ARGO_EVENTS_CHART_VERSION,
  ARGO_EVENTS_VERSION,
  type RetrainingLoopArgs,
  type RetrainingLoopModelArgs,
  type RetrainingLoopDriftArgs,
  type RetrainingLoopGateArgs,
  type RetrainingLoopCanaryArgs,
  type RetrainingLoopTrainingArgs,
  type RetrainingLoopStoresArgs,
  type RetrainingLoopServicesArgs,
  type RetrainingLoopTriggerArgs,
} from "./retraining-loop";
export {
  GPU_NODE_LABELS,
  GPU_TAINT,
  type GpuNodeLabels,
  type GpuTaint,
  GpuType,
  CapacityType,
  type ClusterHandle,
  type ResolvedGpuPool,
  GpuTrainingCluster,
  GPU_TRAINING_CLUSTER_TYPE,
  defaultGpuPools,
  existingClusterHandle,
  type ExistingClusterHandleArgs,
  existingObjectStore,
  type ExistingObjectStoreArgs,
  type ExistingClusterMonitoringArgs,
  type ExistingClusterCertificatesArgs,
  type ClusterMonitoringArgs,
  type ClusterCertManagerArgs,
  CertManager,
  CERT_MANAGER_TYPE,
  CERT_MANAGER_CHART,
  CERT_MANAGER_NAMESPACE,
  DEFAULT_CERT_MANAGER_VERSION,
  INTERNAL_CA_NAME,
  PROMETHEUS_OPERATOR_CRDS_CHART,
  type GpuTrainingClusterArgs,
  type GpuPoolArgs,
  type AwsClusterArgs,
  type GcpClusterArgs,
  type ExistingClusterArgs,
  GpuStack,
  type InClusterArgs,
  type TeamArgs,
  type TeamAlertsArgs,
  TEAM_ALERTS_DEFAULTS,
  TEAM_ALERT_RECEIVER,
  TrainingJob,
  TRAINING_JOB_TYPE,
  QUEUE_NAME_LABEL,
  trainingJobManifest,
  type TrainingJobArgs,
  LOCAL_QUEUE_NAME,
  TEAM_SERVICE_ACCOUNT,
} from "./training-cluster";
/**
 * The args' runtime zod schemas. Exported for JavaScript and for this repository's type tests,
 * but kept out of the published declarations (stripInternal): zod's declarations fail to compile
 * for a consumer with `moduleResolution: node` and no `esModuleInterop` (TS1259).
 * @internal
 */
export { modelRegistryArgsSchema } from "./model-registry";
/** @internal see modelRegistryArgsSchema */
export { gpuTrainingClusterArgsSchema } from "./training-cluster";
/** @internal see modelRegistryArgsSchema */
export { monitoringArgsSchema } from "./monitoring";
/** @internal see modelRegistryArgsSchema */
export { featureStoreArgsSchema } from "./feature-store";
/** @internal see modelRegistryArgsSchema */
export { modelServingArgsSchema } from "./model-serving";
/** @internal see modelRegistryArgsSchema */
export { retrainingLoopArgsSchema } from "./retraining-loop";
