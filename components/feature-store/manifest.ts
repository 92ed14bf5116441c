/**
 * The `feast.dev/v1` `FeatureStore` object (one per Feast project), as a pure function of the
 * resolved args and the names of what it refers to, so tests can validate it against the upstream
 * v1 schema (test/schemas/feast/featurestore-v1.json). Always `v1`: `v1alpha1` is served without a
 * conversion webhook and drops v1-only fields silently.
 */
import type { WarehouseEngine } from "../adapters";
import { zoneSpreadConstraint } from "../shared/k8s";
import type { OnlineStoreType, ResolvedFeatureStoreArgs } from "./args";
import { FEAST_ONLINE_STORE_TYPE } from "./online-stores";
import { REDIS_CA_FILE, REDIS_CA_MOUNT_PATH } from "./store-config";

/** apiVersion of the CR. */
export const FEATURE_STORE_API_VERSION = "feast.dev/v1";
/** The key of each store Secret (the operator's default key is the store type). */
export const ONLINE_STORE_SECRET_KEY = "redis";
/** The key of the online store Secret for an online store type: its Feast type (`redis`, `dynamodb`, `bigtable`). */
export function onlineStoreSecretKey(type: OnlineStoreType): string {
  return FEAST_ONLINE_STORE_TYPE[type];
}
export const REGISTRY_SECRET_KEY = "sql";
/** The key of the offline store Secret: the store type ("redshift" / "bigquery"), the operator's default. */
export function offlineStoreSecretKey(engine: WarehouseEngine): string {
  return engine;
}
/** The key of the OIDC Secret the operator reads the feature servers' OIDC settings from. */
export const OIDC_SECRET_KEY = "oidc";

/** The uid/gid the Feast containers run as (the feature-server image's non-root user). */
export const FEAST_UID = 1001;

/** Names of the objects the CR refers to. */
export interface FeatureStoreRefs {
  /** `metadata.name` of the CR (the operator names its objects `feast-<name>`). */
  name: string;
  namespace: string;
  labels: Record<string, string>;
  onlineStoreSecret: string;
  registrySecret: string;
  /**
   * The warehouse offline store's Secret (`services.offlineStore.persistence.store`); undefined:
   * Parquet read with DuckDB (`persistence.file`).
   */
  offlineStore?: { type: WarehouseEngine; secret: string };
  /** The OIDC settings Secret, with authz "oidc". */
  oidcSecret?: string;
  /** ConfigMap with the online store's CA (`ca.crt`), when the store has a private CA. */
  onlineStoreCaConfigMap?: string;
  /** Environment of every Feast server (offline store location, cloud credentials). */
  env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
}

type Json = Record<string, unknown>;

/** The `FeatureStore` CR (see the module comment). */
export function featureStoreManifest(a: ResolvedFeatureStoreArgs, refs: FeatureStoreRefs): Json {
  const r = a.featureServer.resources;
  const resources = {
    requests: { cpu: r.cpuRequest, memory: r.memoryRequest },
    limits: { cpu: r.cpuLimit, memory: r.memoryLimit },
  };
  const tls = a.tlsSecretName
    ? {
        tls: {
          secretRef: { name: a.tlsSecretName },
          secretKeyNames: { tlsCrt: "tls.crt", tlsKey: "tls.key" },
        },
      }
    : {};
  const caMount = refs.onlineStoreCaConfigMap
    ? { volumeMounts: [{ name: "online-store-ca", mountPath: REDIS_CA_MOUNT_PATH, readOnly: true }] }
    : {};
  const server = (extra: Json = {}): Json => ({
    env: refs.env,
    resources,
    ...tls,
    ...extra,
  });
  const selector = { matchLabels: { "feast.dev/name": refs.name } };

  const feastProjectDir = a.repository.git
    ? {
        git: {
          url: a.repository.git.url,
          ref: a.repository.git.ref,
          ...(a.repository.git.featureRepoPath ? { featureRepoPath: a.repository.git.featureRepoPath } : {}),
        },
      }
    : { packaged: { featureRepoPath: a.repository.image!.feastProjectDir } };
  const image = a.repository.image ? { image: a.repository.image.image } : {};

  const authz =
    a.authz.type === "oidc"
      ? {
          oidc: {
            issuerUrl: a.authz.issuerUrl,
            secretRef: { name: refs.oidcSecret },
            secretKeyName: OIDC_SECRET_KEY,
          },
        }
      : { kubernetes: { roles: a.authz.roles } };

  const spec: Json = {
    feastProject: a.project,
    feastProjectDir,
    authz,
    ...(a.featureServer.autoscaling ? {} : { replicas: a.featureServer.replicas }),
    services: {
      runFeastApplyOnInit: true,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: FEAST_UID,
        runAsGroup: FEAST_UID,
        fsGroup: FEAST_UID,
        seccompProfile: { type: "RuntimeDefault" },
      },
      ...(refs.onlineStoreCaConfigMap
        ? {
            volumes: [
              {
                name: "online-store-ca",
                configMap: {
                  name: refs.onlineStoreCaConfigMap,
                  items: [{ key: REDIS_CA_FILE, path: REDIS_CA_FILE }],
                },
              },
            ],
          }
        : {}),
      onlineStore: {
        persistence: {
          store: {
            type: FEAST_ONLINE_STORE_TYPE[a.onlineStore.type],
            secretRef: { name: refs.onlineStoreSecret },
            secretKeyName: onlineStoreSecretKey(a.onlineStore.type),
          },
        },
        // Metrics on port 8000 ("metrics"): the operator adds its ServiceMonitor for this server.
        server: server({ ...image, ...caMount, metrics: true }),
      },
      offlineStore: {
        persistence: refs.offlineStore
          ? {
              store: {
                type: refs.offlineStore.type,
                secretRef: { name: refs.offlineStore.secret },
                secretKeyName: offlineStoreSecretKey(refs.offlineStore.type),
              },
            }
          : { file: { type: "duckdb" } },
        server: server(image),
      },
      registry: {
        local: {
          persistence: {
            store: {
              type: "sql",
              secretRef: { name: refs.registrySecret },
              secretKeyName: REGISTRY_SECRET_KEY,
            },
          },
          server: server({ ...image, restAPI: true, grpc: true }),
        },
      },
      ...(a.featureServer.autoscaling
        ? {
            scaling: {
              autoscaling: {
                minReplicas: a.featureServer.autoscaling.minReplicas,
                maxReplicas: a.featureServer.autoscaling.maxReplicas,
                metrics: [
                  {
                    type: "Resource",
                    resource: {
                      name: "cpu",
                      target: {
                        type: "Utilization",
                        averageUtilization: a.featureServer.autoscaling.targetCpuUtilization,
                      },
                    },
                  },
                ],
              },
            },
          }
        : {}),
      // With one replica a PDB would block every node drain.
      ...(a.podDisruptionBudget && a.featureServer.replicas >= 2
        ? { podDisruptionBudgets: { minAvailable: 1 } }
        : {}),
      ...(a.spreadAcrossZones
        ? {
            topologySpreadConstraints: [zoneSpreadConstraint(selector.matchLabels)],
          }
        : {}),
    },
    cronJob: {
      schedule: a.materialization.schedule,
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobSpec: { activeDeadlineSeconds: a.materialization.deadlineSeconds, backoffLimit: 1 },
      containerConfigs: {
        // Incremental: from each feature view's last materialised time up to now (UTC).
        commands: ["feast materialize-incremental $(date -u +'%Y-%m-%dT%H:%M:%S')"],
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
      },
    },
  };
  return {
    apiVersion: FEATURE_STORE_API_VERSION,
    kind: "FeatureStore",
    metadata: { name: refs.name, namespace: refs.namespace, labels: refs.labels },
    spec,
  };
}
