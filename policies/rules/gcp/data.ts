/** GCP Cloud Storage, Cloud SQL, Memorystore, KMS and Vertex AI rules. */
import * as gcp from "@pulumi/gcp";
import { validateResourceOfType } from "@pulumi/policy";
import { ruleConfig } from "../../config";
import { ALWAYS_MANDATORY, MANDATORY_IN_PROD, resourceRule, type ResourceRule } from "../types";
import { bool, dig, onlyIn, present, str } from "../util";

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

/** Memorystore for Redis uses CMEK. */
export const memorystoreCmek: ResourceRule = resourceRule(
  {
    name: "gcp-memorystore-cmek",
    area: "gcp",
    description: "Memorystore for Redis instances encrypt data at rest with a customer-managed key.",
    severity: "medium",
    remediation:
      "Set customerManagedKey to a Cloud KMS key in the instance's region (the cloud-redis service agent needs cryptoKeyEncrypterDecrypter).",
    reference:
      "Google Cloud Memorystore for Redis CMEK (https://cloud.google.com/memorystore/docs/redis/cmek)",
  },
  validateResourceOfType(gcp.redis.Instance, (r, _args, report) => {
    if (!present(r.customerManagedKey)) report("customerManagedKey is not set.");
  }),
);

/** Cloud Storage, Cloud SQL, Memorystore, KMS and Vertex AI rules. */
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
];
