/** GCP Cloud Storage, Cloud SQL, Memorystore, Bigtable, BigQuery, KMS and Vertex AI rules. */
import * as gcp from "../gcp-sdk";
import { validateResourceOfType } from "@pulumi/policy";
import { ruleConfig } from "../../config";
import {
  ALWAYS_ADVISORY,
  ALWAYS_MANDATORY,
  MANDATORY_IN_PROD,
  classPulumiType,
  resourceRule,
  type ResourceRule,
} from "../types";
import { appliesIn, bool, dig, num, onlyIn, present, rec, recs, str, strs } from "../util";

/** Uniform bucket-level access. */
export const gcsUniformAccess: ResourceRule = resourceRule(
  {
    name: "gcp-gcs-uniform-access",
    area: "gcp",
    description: "Cloud Storage buckets use uniform bucket-level access (no object ACLs).",
    severity: "high",
    remediation: "Set uniformBucketLevelAccess: true.",
    reference: "CIS GCP Foundations 5.2; Checkov CKV_GCP_29",
  },
  validateResourceOfType(gcp.storage.Bucket, (b, _args, report) => {
    if (b.uniformBucketLevelAccess !== true) report("uniformBucketLevelAccess is not true.");
  }),
);

/** Public access prevention is enforced. */
export const gcsPublicAccessPrevention: ResourceRule = resourceRule(
  {
    name: "gcp-gcs-public-access-prevention",
    area: "gcp",
    description: "Cloud Storage buckets enforce public access prevention.",
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    remediation: 'Set publicAccessPrevention: "enforced".',
    reference: "CIS GCP Foundations 5.1; Checkov CKV_GCP_114",
  },
  validateResourceOfType(gcp.storage.Bucket, (b, _args, report) => {
    if (str(b.publicAccessPrevention) !== "enforced") report("publicAccessPrevention is not 'enforced'.");
  }),
);

/** Object versioning. */
export const gcsVersioning: ResourceRule = resourceRule(
  {
    name: "gcp-gcs-versioning",
    area: "gcp",
    description: "Cloud Storage buckets keep object versions (models, datasets).",
    severity: "medium",
    remediation: "Set versioning: { enabled: true } (add lifecycle rules to expire noncurrent versions).",
    reference: "Checkov CKV_GCP_78",
  },
  validateResourceOfType(gcp.storage.Bucket, (b, _args, report) => {
    if (bool(dig(b.versioning, "enabled")) !== true) report("versioning.enabled is not true.");
  }),
);

/** Cloud SQL has no public IP. */
export const sqlNoPublicIp: ResourceRule = resourceRule(
  {
    name: "gcp-sql-no-public-ip",
    area: "gcp",
    description: "Cloud SQL instances have no public IPv4 address (private IP only).",
    severity: "high",
    remediation: "Set settings.ipConfiguration: { ipv4Enabled: false, privateNetwork: <VPC self link> }.",
    reference: "CIS GCP Foundations 6.6; Checkov CKV_GCP_60",
  },
  validateResourceOfType(gcp.sql.DatabaseInstance, (db, _args, report) => {
    if (bool(dig(db.settings, "ipConfiguration", "ipv4Enabled")) !== false)
      report("settings.ipConfiguration.ipv4Enabled is not false (public IP is the default).");
  }),
);

/** Cloud SQL requires TLS. */
export const sqlSslRequired: ResourceRule = resourceRule(
  {
    name: "gcp-sql-ssl-required",
    area: "gcp",
    description: "Cloud SQL instances only accept encrypted connections.",
    severity: "high",
    remediation:
      'Set settings.ipConfiguration.sslMode: "ENCRYPTED_ONLY" or "TRUSTED_CLIENT_CERTIFICATE_REQUIRED".',
    reference: "CIS GCP Foundations 6.4; Checkov CKV_GCP_6",
  },
  validateResourceOfType(gcp.sql.DatabaseInstance, (db, _args, report) => {
    const mode = str(dig(db.settings, "ipConfiguration", "sslMode"));
    if (mode !== "ENCRYPTED_ONLY" && mode !== "TRUSTED_CLIENT_CERTIFICATE_REQUIRED")
      report(`settings.ipConfiguration.sslMode is ${mode ?? "not set"}.`);
  }),
);

/** Cloud SQL backups. */
export const sqlBackups: ResourceRule = resourceRule(
  {
    name: "gcp-sql-backups",
    area: "gcp",
    description: "Cloud SQL instances have automated backups (and point-in-time recovery) enabled.",
    severity: "medium",
    remediation: "Set settings.backupConfiguration: { enabled: true, pointInTimeRecoveryEnabled: true }.",
    reference: "CIS GCP Foundations 6.7; Checkov CKV_GCP_14",
  },
  validateResourceOfType(gcp.sql.DatabaseInstance, (db, args, report) => {
    if (present(db.masterInstanceName)) args.notApplicable("read replicas are backed up by their primary");
    const backup = dig(db.settings, "backupConfiguration");
    if (bool(dig(backup, "enabled")) !== true) report("settings.backupConfiguration.enabled is not true.");
  }),
);

/** Prod Cloud SQL deletion protection. */
export const sqlProdDeletionProtection: ResourceRule = resourceRule(
  {
    name: "gcp-sql-prod-deletion-protection",
    area: "gcp",
    description: "In prod, Cloud SQL instances have deletion protection on (Pulumi and API level).",
    severity: "high",
    enforcement: MANDATORY_IN_PROD,
    remediation:
      "Keep deletionProtection: true (the default) and set settings.deletionProtectionEnabled: true.",
    reference: "Checkov CKV_GCP_x (deletion protection) equivalent; Google Cloud SQL best practices",
  },
  validateResourceOfType(gcp.sql.DatabaseInstance, (db, args, report) => {
    onlyIn(args, ruleConfig(args).environment, ["prod"]);
    if (db.deletionProtection === false) report("deletionProtection is false.");
    if (bool(dig(db.settings, "deletionProtectionEnabled")) !== true)
      report("settings.deletionProtectionEnabled is not true.");
  }),
);

/** KMS keys rotate at least every 90 days. */
export const gcpKmsRotation: ResourceRule = resourceRule(
  {
    name: "gcp-kms-key-rotation",
    area: "gcp",
    description: "Cloud KMS symmetric keys rotate at most every 90 days.",
    severity: "medium",
    remediation: 'Set rotationPeriod: "7776000s" (90 days) or shorter on gcp.kms.CryptoKey.',
    reference: "CIS GCP Foundations 1.10; Checkov CKV_GCP_43",
  },
  validateResourceOfType(gcp.kms.CryptoKey, (key, args, report) => {
    const purpose = str(key.purpose) ?? "ENCRYPT_DECRYPT";
    if (purpose !== "ENCRYPT_DECRYPT")
      args.notApplicable("automatic rotation applies to symmetric keys only");
    const period = str(key.rotationPeriod);
    const seconds = period === undefined ? undefined : parseFloat(period.replace(/s$/, ""));
    if (seconds === undefined || !Number.isFinite(seconds)) report("rotationPeriod is not set.");
    else if (seconds > 7776000) report(`rotationPeriod ${period} is longer than 90 days.`);
  }),
);

const VERTEX_CMEK = {
  area: "gcp" as const,
  severity: "medium" as const,
  remediation:
    "Set encryptionSpec: { kmsKeyName: <projects/.../cryptoKeys/...> } (the Vertex AI service agent needs cryptoKeyEncrypterDecrypter).",
  reference: "Checkov CKV_GCP_96 (Vertex AI datasets CMEK) and equivalents",
};

/** Vertex AI datasets use CMEK. */
export const vertexDatasetCmek: ResourceRule = resourceRule(
  {
    ...VERTEX_CMEK,
    name: "gcp-vertex-dataset-cmek",
    description: "Vertex AI datasets are encrypted with a customer-managed key.",
  },
  validateResourceOfType(gcp.vertex.AiDataset, (d, _args, report) => {
    if (!present(dig(d.encryptionSpec, "kmsKeyName"))) report("encryptionSpec.kmsKeyName is not set.");
  }),
);

/** Vertex AI endpoints use CMEK. */
export const vertexEndpointCmek: ResourceRule = resourceRule(
  {
    ...VERTEX_CMEK,
    name: "gcp-vertex-endpoint-cmek",
    description: "Vertex AI endpoints are encrypted with a customer-managed key.",
  },
  validateResourceOfType(gcp.vertex.AiEndpoint, (e, _args, report) => {
    if (!present(dig(e.encryptionSpec, "kmsKeyName"))) report("encryptionSpec.kmsKeyName is not set.");
  }),
);

/** Vertex AI feature stores use CMEK. */
export const vertexFeatureStoreCmek: ResourceRule = resourceRule(
  {
    ...VERTEX_CMEK,
    name: "gcp-vertex-featurestore-cmek",
    description: "Vertex AI feature stores are encrypted with a customer-managed key.",
  },
  validateResourceOfType(gcp.vertex.AiFeatureStore, (f, _args, report) => {
    if (!present(dig(f.encryptionSpec, "kmsKeyName"))) report("encryptionSpec.kmsKeyName is not set.");
  }),
);

/** Vertex AI Workbench instances have no public IP. */
export const workbenchNoPublicIp: ResourceRule = resourceRule(
  {
    name: "gcp-workbench-no-public-ip",
    area: "gcp",
    description: "Vertex AI Workbench instances have no public IP and disable root-level proxy bypass.",
    severity: "high",
    remediation: "Set gceSetup.disablePublicIp: true (use IAP / the proxy for access).",
    reference: "Checkov CKV_GCP_89 (notebook public IP)",
  },
  validateResourceOfType(gcp.workbench.Instance, (w, _args, report) => {
    if (bool(dig(w.gceSetup, "disablePublicIp")) !== true) report("gceSetup.disablePublicIp is not true.");
  }),
);

/** Memorystore for Redis requires AUTH and TLS. */
export const memorystoreAuthTls: ResourceRule = resourceRule(
  {
    name: "gcp-memorystore-auth-tls",
    area: "gcp",
    description:
      "Memorystore for Redis instances require AUTH and in-transit encryption (TLS with server authentication).",
    severity: "high",
    remediation:
      'Set authEnabled: true and transitEncryptionMode: "SERVER_AUTHENTICATION" on gcp.redis.Instance.',
    reference: "Checkov CKV_GCP_95 (AUTH), CKV_GCP_97 (in-transit encryption)",
  },
  validateResourceOfType(gcp.redis.Instance, (r, _args, report) => {
    if (bool(r.authEnabled) !== true) report("authEnabled is not true (AUTH is off by default).");
    if (str(r.transitEncryptionMode) !== "SERVER_AUTHENTICATION")
      report(`transitEncryptionMode is ${str(r.transitEncryptionMode) ?? "not set (DISABLED)"}.`);
  }),
);

const REDIS_INSTANCE = classPulumiType(gcp.redis.Instance);
const VALKEY_INSTANCE = classPulumiType(gcp.memorystore.Instance);

/** Memorystore for Redis and for Valkey use CMEK. */
export const memorystoreCmek: ResourceRule = resourceRule(
  {
    name: "gcp-memorystore-cmek",
    area: "gcp",
    description:
      "Memorystore for Redis instances (customerManagedKey) and Memorystore for Valkey instances (kmsKey) encrypt data at rest with a customer-managed key.",
    severity: "medium",
    remediation:
      "Set customerManagedKey (gcp.redis.Instance) or kmsKey (gcp.memorystore.Instance) to a Cloud KMS key in the instance's region (the service agent needs cryptoKeyEncrypterDecrypter).",
    reference:
      "Google Cloud Memorystore for Redis CMEK (https://cloud.google.com/memorystore/docs/redis/cmek); Memorystore for Valkey CMEK (https://cloud.google.com/memorystore/docs/valkey/cmek)",
    resourceTypes: [REDIS_INSTANCE, VALKEY_INSTANCE],
  },
  (args, report) => {
    const props = rec(args.props);
    if (args.type === REDIS_INSTANCE && !present(props?.customerManagedKey))
      report("customerManagedKey is not set.");
    if (args.type === VALKEY_INSTANCE && !present(props?.kmsKey)) report("kmsKey is not set.");
  },
);

/** Memorystore for Redis connects over private services access. */
export const memorystorePrivateServiceAccess: ResourceRule = resourceRule(
  {
    name: "gcp-memorystore-private-service-access",
    area: "gcp",
    description:
      "Memorystore for Redis instances connect through private services access (connectMode PRIVATE_SERVICE_ACCESS): an internal IP from the VPC's allocated range, reachable only from the authorized network, with no public endpoint.",
    severity: "medium",
    remediation:
      'Set connectMode: "PRIVATE_SERVICE_ACCESS" and authorizedNetwork to the cluster\'s VPC (with a servicenetworking connection and an allocated range) on gcp.redis.Instance.',
    reference:
      "Google Cloud Memorystore for Redis networking (https://cloud.google.com/memorystore/docs/redis/networking): private services access is the recommended connection mode (works with Shared VPC, one managed range per network)",
  },
  validateResourceOfType(gcp.redis.Instance, (r, _args, report) => {
    const mode = str(r.connectMode);
    if (mode !== "PRIVATE_SERVICE_ACCESS")
      report(`connectMode is ${mode ?? "not set (DIRECT_PEERING)"}; use PRIVATE_SERVICE_ACCESS.`);
  }),
);

/** Memorystore for Valkey requires IAM AUTH and TLS. */
export const memorystoreValkeyAuthTls: ResourceRule = resourceRule(
  {
    name: "gcp-memorystore-valkey-auth-tls",
    area: "gcp",
    description:
      "Memorystore for Valkey instances require authentication (authorizationMode IAM_AUTH or TOKEN_AUTH) and in-transit encryption (transitEncryptionMode SERVER_AUTHENTICATION).",
    severity: "high",
    remediation:
      'Set authorizationMode: "IAM_AUTH" and transitEncryptionMode: "SERVER_AUTHENTICATION" on gcp.memorystore.Instance (both are immutable: set them at creation).',
    reference:
      "Google Cloud Memorystore for Valkey: About IAM authentication and About in-transit encryption (https://cloud.google.com/memorystore/docs/valkey)",
  },
  validateResourceOfType(gcp.memorystore.Instance, (v, _args, report) => {
    const auth = str(v.authorizationMode);
    if (auth !== "IAM_AUTH" && auth !== "TOKEN_AUTH")
      report(`authorizationMode is ${auth ?? "not set (AUTH_DISABLED)"}: clients need no credentials.`);
    const tls = str(v.transitEncryptionMode);
    if (tls !== "SERVER_AUTHENTICATION")
      report(`transitEncryptionMode is ${tls ?? "not set (TRANSIT_ENCRYPTION_DISABLED)"}.`);
  }),
);

/** Prod Memorystore survives the loss of a zone. */
export const memorystoreProdHa: ResourceRule = resourceRule(
  {
    name: "gcp-memorystore-prod-ha",
    area: "gcp",
    description:
      "In prod, Memorystore survives a zone failure: Redis instances use the STANDARD_HA tier; Valkey instances have at least one replica per shard and are not SINGLE_ZONE.",
    severity: "high",
    enforcement: MANDATORY_IN_PROD,
    remediation:
      'Set tier: "STANDARD_HA" on prod gcp.redis.Instance resources; set replicaCount >= 1 and keep zoneDistributionConfig.mode MULTI_ZONE on prod gcp.memorystore.Instance resources.',
    reference:
      "Google Cloud Memorystore for Redis tiers (https://cloud.google.com/memorystore/docs/redis/redis-tiers); Memorystore for Valkey high availability and replicas",
    resourceTypes: [REDIS_INSTANCE, VALKEY_INSTANCE],
  },
  (args, report) => {
    // The environment first, for every type (the pack lists this rule's not-applicable reasons so).
    if (!appliesIn(args, ruleConfig(args).environment, ["prod"])) return;
    const props = rec(args.props);
    if (args.type === REDIS_INSTANCE) {
      const tier = str(props?.tier);
      if (tier !== "STANDARD_HA") report(`tier is ${tier ?? "not set (BASIC)"}; prod needs STANDARD_HA.`);
    } else if (args.type === VALKEY_INSTANCE) {
      const replicas = num(props?.replicaCount) ?? 0;
      if (replicas < 1) report(`replicaCount is ${replicas}; prod needs at least 1 replica per shard.`);
      if (str(dig(props?.zoneDistributionConfig, "mode")) === "SINGLE_ZONE")
        report("zoneDistributionConfig.mode is SINGLE_ZONE; prod needs MULTI_ZONE.");
    }
  },
);

/** Prod Bigtable instances keep the provider's deletion protection. */
export const bigtableProdDeletionProtection: ResourceRule = resourceRule(
  {
    name: "gcp-bigtable-prod-deletion-protection",
    area: "gcp",
    description:
      "In prod, Bigtable instances keep deletionProtection on (the provider default), so no update or destroy deletes the instance and its tables.",
    severity: "high",
    enforcement: MANDATORY_IN_PROD,
    remediation:
      "Keep deletionProtection: true (do not set it to false) on prod gcp.bigtable.Instance resources.",
    reference: "Pulumi gcp.bigtable.Instance deletionProtection; Google Cloud Bigtable best practices",
  },
  validateResourceOfType(gcp.bigtable.Instance, (bt, args, report) => {
    onlyIn(args, ruleConfig(args).environment, ["prod"]);
    if (bool(bt.deletionProtection) === false) report("deletionProtection is false in prod.");
  }),
);

/** Bigtable clusters use CMEK (advisory). */
export const bigtableCmek: ResourceRule = resourceRule(
  {
    name: "gcp-bigtable-cmek",
    area: "gcp",
    description: "Every cluster of a Bigtable instance encrypts data at rest with a customer-managed key.",
    severity: "medium",
    enforcement: ALWAYS_ADVISORY,
    remediation:
      "Set kmsKeyName on every entry of clusters (a key in the cluster's region; the Bigtable service agent needs cryptoKeyEncrypterDecrypter). Immutable: set it at creation.",
    reference: "Google Cloud Bigtable CMEK (https://cloud.google.com/bigtable/docs/cmek)",
  },
  validateResourceOfType(gcp.bigtable.Instance, (bt, _args, report) => {
    for (const cluster of recs(bt.clusters)) {
      if (!present(cluster.kmsKeyName))
        report(`Cluster '${str(cluster.clusterId) ?? "?"}' has no kmsKeyName.`);
    }
  }),
);

/** BigQuery datasets encrypt new tables with a customer-managed key by default. */
export const bigqueryDatasetCmek: ResourceRule = resourceRule(
  {
    name: "gcp-bigquery-dataset-cmek",
    area: "gcp",
    description:
      "BigQuery datasets have a default customer-managed encryption key (defaultEncryptionConfiguration.kmsKeyName), so every table created in them is encrypted with it.",
    severity: "medium",
    remediation:
      "Set defaultEncryptionConfiguration: { kmsKeyName } on gcp.bigquery.Dataset to a Cloud KMS key in the dataset's location (the BigQuery encryption service agent needs cryptoKeyEncrypterDecrypter on it).",
    reference: "CIS GCP Foundations 7.3 (default CMK for BigQuery datasets); Checkov CKV_GCP_81",
  },
  validateResourceOfType(gcp.bigquery.Dataset, (ds, _args, report) => {
    if (!present(dig(ds.defaultEncryptionConfiguration, "kmsKeyName")))
      report("defaultEncryptionConfiguration.kmsKeyName is not set.");
  }),
);

const PUBLIC_MEMBERS = ["allUsers", "allAuthenticatedUsers"];
const DATASET = classPulumiType(gcp.bigquery.Dataset);
const DATASET_ACCESS = classPulumiType(gcp.bigquery.DatasetAccess);
const DATASET_IAM_MEMBER = classPulumiType(gcp.bigquery.DatasetIamMember);
const DATASET_IAM_BINDING = classPulumiType(gcp.bigquery.DatasetIamBinding);

/** BigQuery datasets are not shared with allUsers / allAuthenticatedUsers. */
export const bigqueryDatasetNotPublic: ResourceRule = resourceRule(
  {
    name: "gcp-bigquery-dataset-not-public",
    area: "gcp",
    description:
      "BigQuery datasets grant nothing to allUsers or allAuthenticatedUsers (dataset accesses, DatasetAccess, DatasetIamMember, DatasetIamBinding).",
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    remediation: "Grant dataset roles to specific principals (service accounts, groups) only.",
    reference: "CIS GCP Foundations 7.1 (BigQuery datasets not publicly accessible); Checkov CKV_GCP_15",
    resourceTypes: [DATASET, DATASET_ACCESS, DATASET_IAM_MEMBER, DATASET_IAM_BINDING],
  },
  (args, report) => {
    const props = rec(args.props);
    const publicOf = (values: unknown[]) =>
      values.map((v) => str(v)).filter((v): v is string => v !== undefined && PUBLIC_MEMBERS.includes(v));
    const found =
      args.type === DATASET
        ? recs(props?.accesses).flatMap((a) => publicOf([a.iamMember, a.specialGroup]))
        : args.type === DATASET_ACCESS
          ? publicOf([props?.iamMember, props?.specialGroup])
          : args.type === DATASET_IAM_MEMBER
            ? publicOf([props?.member])
            : publicOf(strs(props?.members));
    for (const member of [...new Set(found)]) report(`Grants dataset access to ${member}.`);
  },
);

/** Cloud Storage, Cloud SQL, Memorystore, Bigtable, BigQuery, KMS and Vertex AI rules. */
export const gcpDataRules: ResourceRule[] = [
  gcsUniformAccess,
  gcsPublicAccessPrevention,
  gcsVersioning,
  sqlNoPublicIp,
  sqlSslRequired,
  sqlBackups,
  sqlProdDeletionProtection,
  gcpKmsRotation,
  vertexDatasetCmek,
  vertexEndpointCmek,
  vertexFeatureStoreCmek,
  workbenchNoPublicIp,
  memorystoreAuthTls,
  memorystoreCmek,
  memorystorePrivateServiceAccess,
  memorystoreValkeyAuthTls,
  memorystoreProdHa,
  bigtableProdDeletionProtection,
  bigtableCmek,
  bigqueryDatasetCmek,
  bigqueryDatasetNotPublic,
];
