/**
 * The `feature_store.yaml` of an in-cluster Feast client: the registry, the offline store and the
 * online store are Feast's `remote` types pointing at the operator's server Services, so a client
 * needs no database password, no warehouse and no bucket grant for features (the servers hold
 * them). The same content as the client ConfigMap the Feast operator renders
 * (`feast-<name>-client`, feast-dev/feast v0.66.0 infra/feast-operator/internal/controller/services
 * repo_config.go `getClientRepoConfig`, services.go `setServiceHostnames`), computed here because
 * that ConfigMap lives in the Feast namespace and a pod mounts ConfigMaps of its own namespace only:
 * - Services `feast-<name>-<online|offline|registry>.<ns>.svc.cluster.local`, port 80 (443 with
 *   TLS, services_types.go `HttpPort` / `HttpsPort`); the registry path is `host:port` (gRPC), the
 *   online path a URL, the offline store host, port and scheme (Arrow Flight);
 * - `cert`: the file the client verifies the servers with. Feast passes it as the trust root
 *   (remote offline store `tls_root_certs`, remote registry `grpc.ssl_channel_credentials`, remote
 *   online store `requests` `verify`; sdk/python/feast/infra/{offline_stores,registry,online_stores}/remote.py),
 *   so the issuing CA's certificate works where the operator names the server's own certificate;
 * - `auth`: the CR's authz type (kubernetes: the client sends its ServiceAccount token).
 *
 * The remote offline store serves `get_historical_features` (point-in-time joins run on the
 * offline server, remote.py `RemoteOfflineStore.get_historical_features`).
 */
import type * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { FeatureStoreAuthz } from "./args";

/** Feast's `entity_key_serialization_version` the operator writes (v0.66.0 api/v1 `SerializationVersion`). */
export const FEAST_ENTITY_KEY_SERIALIZATION_VERSION = 3;

/** What a client config is built from. */
export interface FeastClientConfigInput {
  /** The Feast project. */
  project: string;
  /** The operator's name of the FeatureStore (the CR's name). */
  name: string;
  /** The Feast namespace. */
  namespace: string;
  /** Whether the servers use TLS. */
  tls: boolean;
  /** Path of the CA certificate the client verifies the servers with (with TLS). */
  caPath?: string;
  /** The servers' authz type. */
  authz: FeatureStoreAuthz;
}

/** The in-cluster host of a Feast server Service. */
export function feastServiceHost(name: string, namespace: string, role: "online" | "offline" | "registry") {
  return `feast-${name}-${role}.${namespace}.svc.cluster.local`;
}

/** The client `feature_store.yaml` (see the module comment). */
export function feastClientConfigYaml(input: FeastClientConfigInput): string {
  if (input.tls && !input.caPath) throw new Error("a TLS client config needs the CA path");
  const port = input.tls ? 443 : 80;
  const scheme = input.tls ? "https" : "http";
  const cert = input.tls ? { cert: input.caPath } : {};
  const host = (role: "online" | "offline" | "registry") =>
    feastServiceHost(input.name, input.namespace, role);
  return stringify({
    project: input.project,
    provider: "local",
    registry: { registry_type: "remote", path: `${host("registry")}:${port}`, ...cert },
    offline_store: { type: "remote", host: host("offline"), port, scheme, ...cert },
    online_store: { type: "remote", path: `${scheme}://${host("online")}:${port}`, ...cert },
    auth: { type: input.authz },
    entity_key_serialization_version: FEAST_ENTITY_KEY_SERIALIZATION_VERSION,
  });
}

/** Where a client pod mounts the client config (`FEAST_FS_YAML_FILE` names the file). */
export const FEAST_CLIENT_CONFIG_DIR = "/etc/feast";
/** The key / file name of the client config. */
export const FEAST_CLIENT_CONFIG_FILE = "feature_store.yaml";
/** Where a client pod mounts the CA certificate the config's `cert` fields name. */
export const FEAST_CLIENT_CA_DIR = "/etc/feast-ca";
/** The file of the CA in that mount (cert-manager's `ca.crt`). */
export const FEAST_CLIENT_CA_FILE = "ca.crt";
/** The path a client config's `cert` fields name. */
export const FEAST_CLIENT_CA_PATH = `${FEAST_CLIENT_CA_DIR}/${FEAST_CLIENT_CA_FILE}`;

/** How the Feast servers' certificates are issued, as far as a client's trust goes. */
export const FeastClientTls = {
  /** No TLS. */
  none: "none",
  /** From the cluster's issuer: a client trusts the cluster CA (`ca.crt` of any Certificate it issues). */
  clusterIssuer: "clusterIssuer",
  /** From the given Secret (`tlsSecretName`): the CA is not known to the component. */
  custom: "custom",
} as const;
export type FeastClientTls = (typeof FeastClientTls)[keyof typeof FeastClientTls];

/**
 * What an in-cluster Feast client needs (FeatureStore `client`), e.g. RetrainingLoop
 * `services.featureStore`: the config, where the servers are, and how they authenticate and
 * encrypt.
 */
export interface FeatureStoreClient {
  /**
   * The client `feature_store.yaml` (remote registry, offline and online stores); with TLS its
   * `cert` fields name `/etc/feast-ca/ca.crt`.
   */
  config: pulumi.Input<string>;
  /** The Feast namespace. */
  namespace: pulumi.Input<string>;
  /** Labels of the Feast server pods (a client's egress and the server's ingress select them). */
  serverPodLabels: Record<string, string>;
  /** The servers' container ports a client reaches (NetworkPolicies match the pod's port). */
  serverPorts: number[];
  /** The servers' authz type: "kubernetes" (ServiceAccount token and Roles) or "oidc". */
  authz: FeatureStoreAuthz;
  /** The Roles a client's ServiceAccount can be bound to in the Feast namespace (authz "kubernetes"). */
  roles: string[];
  /** How the servers' certificates are issued ("none", "clusterIssuer" or "custom"). */
  tls: FeastClientTls;
}
