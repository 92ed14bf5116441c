/**
 * Environment presets shared by every component and by the stack configuration. A preset only
 * picks defaults: every value it sets can be overridden by an explicit argument.
 */
export const Environment = {
  dev: "dev",
  staging: "staging",
  prod: "prod",
} as const;
export type Environment = (typeof Environment)[keyof typeof Environment];

export const ENVIRONMENTS = Object.values(Environment) as [Environment, ...Environment[]];

/** Defaults that differ between environments. */
export interface EnvironmentPreset {
  /** Replicas of stateless servers (MLflow). */
  replicas: number;
  /** PodDisruptionBudget for stateless servers. */
  podDisruptionBudget: boolean;
  /** Multi-AZ (AWS) / regional (GCP) database. */
  highAvailability: boolean;
  /** Deletion protection on databases. */
  deletionProtection: boolean;
  /** Days of automated database backups. */
  backupRetentionDays: number;
  /** Point-in-time recovery for databases. */
  pointInTimeRecovery: boolean;
  /** `protect: true` and retain-on-delete on stateful resources (database, bucket, key). */
  protectStatefulResources: boolean;
  /** Allow deleting a non-empty bucket on `pulumi destroy`. */
  forceDestroyBuckets: boolean;
  /** Database size class (resolved per cloud by the adapter). */
  databaseSize: DatabaseSize;
  /** Database storage in GiB. */
  databaseStorageGb: number;
}

export const PRESETS: Record<Environment, EnvironmentPreset> = {
  dev: {
    replicas: 1,
    podDisruptionBudget: false,
    highAvailability: false,
    deletionProtection: false,
    backupRetentionDays: 1,
    pointInTimeRecovery: false,
    protectStatefulResources: false,
    forceDestroyBuckets: true,
    databaseSize: "small",
    databaseStorageGb: 20,
  },
  staging: {
    replicas: 2,
    podDisruptionBudget: true,
    highAvailability: false,
    deletionProtection: true,
    backupRetentionDays: 7,
    pointInTimeRecovery: true,
    protectStatefulResources: false,
    forceDestroyBuckets: false,
    databaseSize: "medium",
    databaseStorageGb: 50,
  },
  prod: {
    replicas: 2,
    podDisruptionBudget: true,
    highAvailability: true,
    deletionProtection: true,
    backupRetentionDays: 14,
    pointInTimeRecovery: true,
    protectStatefulResources: true,
    forceDestroyBuckets: false,
    databaseSize: "medium",
    databaseStorageGb: 100,
  },
};

/** Database size classes; each cloud adapter maps them to its own instance types. */
export const DatabaseSize = {
  small: "small",
  medium: "medium",
  large: "large",
} as const;
export type DatabaseSize = (typeof DatabaseSize)[keyof typeof DatabaseSize];
