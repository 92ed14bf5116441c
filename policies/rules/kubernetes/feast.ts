/**
 * Feast `FeatureStore` custom resources (issue 10): written as `feast.dev/v1`, authorization on,
 * TLS on every Feast server, and a registry that outlives its pod.
 *
 * Field paths are those of the `feast.dev/v1` FeatureStore CRD of the Feast operator v0.66.0
 * (feast-dev/feast `infra/feast-operator/config/crd/bases/feast.dev_featurestores.yaml`):
 * - `spec.authz` holds exactly one of `kubernetes`, `oidc`, `noAuth`; without it the servers
 *   authorize nobody's requests (every client may read and write every feature);
 * - each server's `tls` is `{ secretRef: { name }, secretKeyNames: { tlsCrt, tlsKey }, disable }`
 *   (`secretRef` is required unless `disable` is true); the servers are
 *   `spec.services.onlineStore.server`, `spec.services.offlineStore.server`,
 *   `spec.services.registry.local.server` and `spec.services.ui`;
 * - `spec.services.registry.local.persistence` holds exactly one of `file` (`path`, `pvc`) and
 *   `store` (`type`, `secretRef`: a SQL/Snowflake registry).
 */
import { type ResourceValidation } from "@pulumi/policy";
import {
  ALWAYS_MANDATORY,
  MANDATORY_OUTSIDE_DEV,
  onlyForTypes,
  resourceRule,
  type ResourceRule,
} from "../types";
import { bool, dig, present, rec, str } from "../util";

/** The FeatureStore kind in the version the toolkit writes. */
export const FEAST_FEATURE_STORE_V1 = "kubernetes:feast.dev/v1:FeatureStore";
/** The deprecated version (served without a conversion webhook: v1-only fields are pruned). */
export const FEAST_FEATURE_STORE_V1ALPHA1 = "kubernetes:feast.dev/v1alpha1:FeatureStore";
const FEAST_TYPES: readonly string[] = [FEAST_FEATURE_STORE_V1, FEAST_FEATURE_STORE_V1ALPHA1];

/** Runs `check` on the spec of a FeatureStore of either version. */
function onFeatureStore(
  check: (spec: Record<string, unknown>, report: (m: string) => void) => void,
): ResourceValidation {
  return onlyForTypes(FEAST_TYPES, "not a Feast FeatureStore", (args, report) => {
    check(rec(dig(args.props, "spec")) ?? {}, report);
  });
}

/** FeatureStore resources are written as feast.dev/v1. */
export const feastFeatureStoreV1: ResourceRule = resourceRule(
  {
    name: "k8s-feast-featurestore-v1",
    area: "kubernetes",
    description:
      "Feast FeatureStore resources are written as feast.dev/v1: v1alpha1 is deprecated and served without a conversion webhook, so the API server silently drops every v1-only field (authz, TLS, persistence settings among them).",
    severity: "high",
    enforcement: ALWAYS_MANDATORY,
    remediation: 'Write the resource with apiVersion "feast.dev/v1" (same kind, FeatureStore).',
    reference:
      "Feast operator v0.66.0 FeatureStore CRD (feast.dev/v1 is the storage version; v1alpha1 deprecated)",
    resourceTypes: FEAST_TYPES,
  },
  (args, report) => {
    if (args.type === FEAST_FEATURE_STORE_V1ALPHA1)
      report("FeatureStore is written as feast.dev/v1alpha1; emit feast.dev/v1.");
  },
);

/** FeatureStore servers authorize requests. */
export const feastAuthz: ResourceRule = resourceRule(
  {
    name: "k8s-feast-authz",
    area: "kubernetes",
    description:
      "Feast FeatureStore resources turn authorization on: spec.authz.kubernetes (Kubernetes RBAC roles) or spec.authz.oidc, never spec.authz.noAuth or no spec.authz.",
    severity: "high",
    enforcement: MANDATORY_OUTSIDE_DEV,
    remediation:
      "Set spec.authz.kubernetes: { roles: [...] } (clients authenticate with their service account token) or spec.authz.oidc: { secretRef: { name } }.",
    reference:
      "Feast docs, Authorization manager (permissions, Kubernetes and OIDC auth); Feast operator FeatureStore CRD spec.authz",
    resourceTypes: FEAST_TYPES,
  },
  onFeatureStore((spec, report) => {
    const authz = rec(spec.authz);
    if (authz === undefined) report("spec.authz is not set: the Feast servers authorize every request.");
    else if (!present(authz.kubernetes) && !present(authz.oidc))
      report(
        "spec.authz has neither kubernetes nor oidc (noAuth): the Feast servers authorize every request.",
      );
  }),
);

/**
 * The servers a FeatureStore runs and where each one's TLS settings are. As the operator applies
 * its defaults (`ApplyDefaultsToStatus`, feast-dev/feast infra/feast-operator/internal/controller/services/util.go):
 * the online feature server runs unless the online store is `disabled`, even when the CR does not
 * mention it; the registry server runs only with `registry.local.server`, the offline server only
 * with `offlineStore.server`, the UI only with `ui`.
 */
function servers(spec: Record<string, unknown>): { path: string; tls: unknown }[] {
  const services = rec(spec.services) ?? {};
  const out: { path: string; tls: unknown }[] = [];
  const online = rec(services.onlineStore);
  if (bool(online?.disabled) !== true)
    out.push({ path: "spec.services.onlineStore.server.tls", tls: dig(online?.server, "tls") });
  const offline = rec(dig(services.offlineStore, "server"));
  if (offline) out.push({ path: "spec.services.offlineStore.server.tls", tls: offline.tls });
  const registry = rec(dig(services.registry, "local", "server"));
  if (registry) out.push({ path: "spec.services.registry.local.server.tls", tls: registry.tls });
  const ui = rec(services.ui);
  if (ui) out.push({ path: "spec.services.ui.tls", tls: ui.tls });
  return out;
}

/** Every Feast server serves TLS. */
export const feastTls: ResourceRule = resourceRule(
  {
    name: "k8s-feast-tls",
    area: "kubernetes",
    description:
      "Every server a Feast FeatureStore runs (online feature server, local registry, offline server, UI) serves TLS from a certificate Secret: tls.secretRef set and tls.disable not true.",
    severity: "high",
    enforcement: MANDATORY_OUTSIDE_DEV,
    remediation:
      "Give each server tls: { secretRef: { name: <kubernetes.io/tls Secret, e.g. from a cert-manager Certificate> }, secretKeyNames: { tlsCrt: tls.crt, tlsKey: tls.key } } and never disable: true.",
    reference: "Feast operator FeatureStore CRD (TlsConfigs: secretRef, secretKeyNames, disable)",
    resourceTypes: FEAST_TYPES,
  },
  onFeatureStore((spec, report) => {
    for (const { path, tls } of servers(spec)) {
      const t = rec(tls);
      if (bool(t?.disable) === true) report(`${path}.disable is true: the server serves plain HTTP/gRPC.`);
      else if (!present(str(dig(t, "secretRef", "name"))))
        report(`${path}.secretRef is not set: the server serves plain HTTP/gRPC.`);
    }
  }),
);

/** True when a registry file path is an object store URI (durable without a volume). */
function isObjectStoreUri(path: string | undefined): boolean {
  return path !== undefined && (path.startsWith("s3://") || path.startsWith("gs://"));
}

/** The FeatureStore's registry outlives its pod. */
export const feastRegistryPersistent: ResourceRule = resourceRule(
  {
    name: "k8s-feast-registry-persistent",
    area: "kubernetes",
    description:
      "A Feast FeatureStore's local registry is durable: spec.services.registry.local.persistence is a store (SQL registry) or a file on a PVC or an object store (s3://, gs://), never a file on the pod's ephemeral storage (the default), which loses every feature definition when the pod restarts.",
    severity: "high",
    enforcement: MANDATORY_OUTSIDE_DEV,
    remediation:
      "Set spec.services.registry.local.persistence.store: { type: sql, secretRef: { name } } (a SQL registry on Postgres), or persistence.file with pvc (ref or create) or an s3:// / gs:// path.",
    reference:
      "Feast docs, Registries (SQL registry for production); Feast operator FeatureStore CRD (RegistryPersistence)",
    resourceTypes: FEAST_TYPES,
  },
  onFeatureStore((spec, report) => {
    const registry = rec(dig(spec.services, "registry"));
    if (present(registry?.remote)) return; // another FeatureStore's registry: checked there
    const persistence = rec(dig(registry?.local, "persistence"));
    if (present(persistence?.store)) return;
    const file = rec(persistence?.file);
    if (present(file?.pvc) || isObjectStoreUri(str(file?.path))) return;
    report(
      file === undefined
        ? "spec.services.registry.local.persistence is not set: the registry is a file on the pod's ephemeral storage."
        : "spec.services.registry.local.persistence.file has neither pvc nor an s3:// or gs:// path: the registry is a file on the pod's ephemeral storage.",
    );
  }),
);

/** The Feast FeatureStore rules. */
export const feastRules: ResourceRule[] = [
  feastFeatureStoreV1,
  feastAuthz,
  feastTls,
  feastRegistryPersistent,
];
