/**
 * The store sections of `feature_store.yaml` the Feast operator reads from Secrets: a
 * `FeatureStore`'s `services.*.persistence.store` names a Secret and a key whose value is the YAML
 * of that store's parameters (the operator adds `type` from the CR; feast-dev/feast v0.66.0
 * infra/feast-operator/docs/api and config/samples `*-secret.yaml`). Pure functions, tested per
 * target.
 */
import { Target, WarehouseEngine } from "../adapters";

/** Where the Redis online store's server CA is mounted in the Feast pods (gcp: Memorystore's CA). */
export const REDIS_CA_MOUNT_PATH = "/etc/feast/online-store-ca";
/** The file of the CA in that mount. */
export const REDIS_CA_FILE = "ca.crt";

/** What the Redis (Valkey) online store section is built from. */
export interface RedisStoreConfigInput {
  host: string;
  port: number;
  password: string;
  /** Connect with TLS. */
  tls: boolean;
  /** Path of a CA bundle to verify the server with; undefined: the system trust store. */
  caCertsPath?: string;
}

/**
 * The online store section for Feast's `redis` type: `connection_string` is
 * `host:port,key=value,...`; Feast splits it on `,` and passes each value (JSON-decoded where it
 * decodes) to redis-py, so `ssl=true` turns TLS on and `ssl_ca_certs` names the CA bundle
 * (feast sdk/python/feast/infra/online_stores/redis.py `_parse_connection_string`).
 */
export function redisOnlineStoreYaml(input: RedisStoreConfigInput): string {
  if (input.password.includes(",") || /^\d+$/.test(input.password) || input.password.length === 0) {
    throw new Error("the online store password must not be empty, contain ',' or be all digits");
  }
  const parts = [`${input.host}:${input.port}`, `password=${input.password}`];
  if (input.tls) {
    parts.push("ssl=true");
    if (input.caCertsPath) parts.push(`ssl_ca_certs=${input.caCertsPath}`, "ssl_cert_reqs=required");
  }
  return ["redis_type: redis", `connection_string: ${JSON.stringify(parts.join(","))}`, ""].join("\n");
}

/** What the SQL registry section is built from. */
export interface SqlRegistryConfigInput {
  host: string;
  port: number;
  databaseName: string;
  username: string;
  password: string;
  /** libpq sslmode (the database's). */
  sslMode: "require" | "disable";
}

/**
 * The SQL registry's SQLAlchemy URL, `postgresql+psycopg://user:password@host:port/db?sslmode=...`
 * (psycopg 3: the feature-server image installs `feast[minimal]`, which includes `postgres-c`,
 * psycopg[c,pool] ≥ 3.2.5; feast v0.66.0 pyproject.toml and
 * sdk/python/feast/infra/feature_servers/multicloud/requirements.txt).
 */
export function sqlRegistryUrl(input: SqlRegistryConfigInput): string {
  const user = encodeURIComponent(input.username);
  const password = encodeURIComponent(input.password);
  return `postgresql+psycopg://${user}:${password}@${input.host}:${input.port}/${encodeURIComponent(input.databaseName)}?sslmode=${input.sslMode}`;
}

/**
 * The registry section for Feast's `sql` type (`SqlRegistryConfig`, feast v0.66.0
 * sdk/python/feast/infra/registry/sql.py): the URL, a 60 s cache (the operator lifts
 * `cache_ttl_seconds` into the registry config) and connection checks on checkout (a database
 * failover drops pooled connections).
 */
export function sqlRegistryYaml(input: SqlRegistryConfigInput): string {
  return [
    `path: ${JSON.stringify(sqlRegistryUrl(input))}`,
    "cache_ttl_seconds: 60",
    "sqlalchemy_config_kwargs:",
    "  echo: false",
    "  pool_pre_ping: true",
    "",
  ].join("\n");
}

/**
 * Where the offline store's Parquet files live and how DuckDB reaches them: the bucket URI
 * (`s3://`, `gs://`) and, for an S3-compatible endpoint other than AWS (MinIO on local), the
 * endpoint DuckDB and the feature definitions' file sources use.
 */
export interface OfflineStoreLocation {
  /** URI of the bucket root. */
  uri: string;
  /** S3 endpoint override (MinIO); undefined for AWS S3 and GCS. */
  s3Endpoint?: string;
}

/** The offline store's data root inside the bucket. */
export function offlineDataUri(location: OfflineStoreLocation): string {
  return `${location.uri}/offline`;
}

/**
 * What DuckDB needs at the end of an `s3://` path to address an S3-compatible endpoint other than
 * AWS (MinIO) path style (`http://<endpoint>/<bucket>/<key>`): DuckDB's httpfs addresses buckets
 * virtual-host style (`<bucket>.<endpoint>`) unless a setting, a secret or this query on the path
 * says otherwise, and no environment variable does (duckdb/duckdb-httpfs `S3FileSystem::S3UrlParse`,
 * `ReadQueryParams`); DuckDB drops the query from the object key. Feature definitions append it to
 * every `FileSource` path under `FEAST_OFFLINE_DATA_URI` (as `FEAST_OFFLINE_PATH_QUERY`).
 */
export const DUCKDB_PATH_STYLE_QUERY = "?s3_url_style=path";

/**
 * Environment the Feast servers get for the offline store: `FEAST_OFFLINE_DATA_URI` (where feature
 * definitions put their Parquet sources) and, on an S3-compatible endpoint other than AWS (MinIO):
 * - `FEAST_S3_ENDPOINT_URL`, for the feature definitions' `FileSource(s3_endpoint_override=...)`,
 *   which Feast passes to pyarrow's `S3FileSystem` when `feast apply` infers a source's schema and
 *   when it writes a saved dataset (feast v0.66.0
 *   sdk/python/feast/infra/offline_stores/file_source.py `create_filesystem_and_path`);
 * - `AWS_ENDPOINT_URL_S3`, for boto3 in the feature code and Feast's `list_s3_files`;
 * - `DUCKDB_S3_ENDPOINT` (the endpoint's host and port) and `DUCKDB_S3_USE_SSL`, the only endpoint
 *   settings DuckDB's httpfs takes from the environment, read when the extension loads, with the
 *   keys from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (duckdb/duckdb-httpfs src/s3fs.cpp
 *   `AWSEnvironmentCredentialsProvider::SetAll`): Feast's DuckDB store reads a `FileSource` with
 *   `ibis.read_parquet(path)` and passes it no endpoint (feast v0.66.0
 *   sdk/python/feast/infra/offline_stores/duckdb.py `_read_data_source`);
 * - `FEAST_OFFLINE_PATH_QUERY` ({@link DUCKDB_PATH_STYLE_QUERY}), which the sources' paths end with so
 *   that DuckDB addresses the bucket path style; such a path no longer ends in `.parquet`, so the
 *   source names its format (`file_format=ParquetFormat()`).
 *
 * On AWS and GCS DuckDB reads neither the endpoint nor the pods' cloud identity: see
 * `parquetOfflineStoreLimit` and docs/feature-store.md.
 */
export function offlineStoreEnv(location: OfflineStoreLocation): { name: string; value: string }[] {
  return [
    { name: "FEAST_OFFLINE_DATA_URI", value: offlineDataUri(location) },
    ...(location.s3Endpoint ? s3CompatibleEnv(location.s3Endpoint) : []),
  ];
}

function s3CompatibleEnv(endpoint: string): { name: string; value: string }[] {
  const url = new URL(endpoint);
  return [
    { name: "FEAST_S3_ENDPOINT_URL", value: endpoint },
    { name: "AWS_ENDPOINT_URL_S3", value: endpoint },
    { name: "DUCKDB_S3_ENDPOINT", value: url.host },
    { name: "DUCKDB_S3_USE_SSL", value: url.protocol === "https:" ? "true" : "false" },
    { name: "FEAST_OFFLINE_PATH_QUERY", value: DUCKDB_PATH_STYLE_QUERY },
  ];
}

/**
 * What keeps Feast 0.66.0's DuckDB offline store (`offlineStore.type: "parquet"`) from reading
 * Parquet in the offline bucket on a cloud target, as the warning the component logs; undefined on
 * `local`, where the component renders DuckDB's endpoint settings for MinIO (`offlineStoreEnv`).
 * Feast reads a `FileSource` with `ibis.read_parquet(path)` on ibis' default DuckDB connection and
 * passes no credentials or endpoint without a `connection_ref` (feast v0.66.0
 * sdk/python/feast/infra/offline_stores/duckdb.py `_read_data_source`, lines 61-79). DuckDB's
 * httpfs then takes its S3 settings from the environment only as `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` / `AWS_DEFAULT_REGION`,
 * `DUCKDB_S3_ENDPOINT` and `DUCKDB_S3_USE_SSL`, read when the extension loads (duckdb/duckdb-httpfs
 * v1.5-variegata and main, src/s3fs.cpp `AWSEnvironmentCredentialsProvider::SetAll`); the AWS SDK
 * credential chain (IRSA, Pod Identity) needs a `credential_chain` secret of the `aws` extension,
 * which nothing in Feast's path creates, and `gs://` goes to GCS's S3-compatible XML API with HMAC
 * keys or a bearer-token secret (src/s3fs.cpp `S3AuthParams::ReadFrom`). Measured with DuckDB 1.5.5
 * and its httpfs (docs/feature-store.md).
 */
export function parquetOfflineStoreLimit(target: Target): string | undefined {
  const head = `offlineStore.type "parquet" on ${target}: Feast 0.66's DuckDB offline store cannot read the offline bucket`;
  const tail =
    "Feature sources shipped in the feature repository (local paths) still work. See docs/feature-store.md.";
  switch (target) {
    case Target.aws:
      return (
        `${head} with the Feast pods' IAM role: DuckDB's httpfs signs S3 requests only with static keys ` +
        "(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) and never uses IRSA or Pod Identity, so materialisation " +
        `and historical retrieval from s3:// sources fail with 403. Use offlineStore.type "redshift" for data in S3. ${tail}`
      );
    case Target.gcp:
      return (
        `${head} with Workload Identity: DuckDB's httpfs reads gs:// through GCS's S3-compatible API with HMAC ` +
        "keys (or a bearer-token secret Feast never creates), so materialisation and historical retrieval from " +
        `gs:// sources fail. Use offlineStore.type "bigquery" for data in GCS. ${tail}`
      );
    default:
      return undefined;
  }
}

/** Prefix of the offline bucket Feast stages warehouse data through (Redshift `COPY` / `UNLOAD`, BigQuery exports). */
export const OFFLINE_STAGING_PREFIX = "staging";

/** What the Redshift offline store section is built from (Redshift Serverless with IAM). */
export interface RedshiftOfflineStoreInput {
  /** AWS region of the workgroup. */
  region: string;
  /** Redshift Serverless workgroup name. */
  workgroup: string;
  database: string;
  /** `s3://<bucket>/<prefix>`: where entity dataframes are uploaded and results unloaded. */
  s3StagingLocation: string;
  /** ARN of the role Redshift assumes for `COPY` / `UNLOAD`. */
  iamRole: string;
}

/**
 * The offline store section for Feast's `redshift` type (`RedshiftOfflineStoreConfig`, feast
 * v0.66.0 sdk/python/feast/infra/offline_stores/redshift.py): Serverless is chosen by `workgroup`
 * (with neither `cluster_id` nor `user`: the Data API runs each statement as the caller's IAM
 * identity, `IAMR:<role name>`, through `redshift-serverless:GetCredentials`; aws_utils.py
 * `execute_redshift_statement_async` passes `WorkgroupName` only).
 */
export function redshiftOfflineStoreYaml(input: RedshiftOfflineStoreInput): string {
  return [
    `region: ${JSON.stringify(input.region)}`,
    `workgroup: ${JSON.stringify(input.workgroup)}`,
    `database: ${JSON.stringify(input.database)}`,
    `s3_staging_location: ${JSON.stringify(input.s3StagingLocation)}`,
    `iam_role: ${JSON.stringify(input.iamRole)}`,
    "",
  ].join("\n");
}

/** What the BigQuery offline store section is built from. */
export interface BigQueryOfflineStoreInput {
  projectId: string;
  /** Dataset Feast creates its temporary tables in (the component's CMEK dataset). */
  dataset: string;
  /** The dataset's location (the region). */
  location: string;
  /** `gs://<bucket>/<prefix>`: where `to_remote_storage` exports results. */
  gcsStagingLocation: string;
}

/**
 * The offline store section for Feast's `bigquery` type (`BigQueryOfflineStoreConfig`, feast
 * v0.66.0 sdk/python/feast/infra/offline_stores/bigquery.py): `location` is explicit (Feast's
 * default is the `US` multi-region, where it would create its dataset outside the region and
 * without the key); jobs run and are billed in `project_id`.
 */
export function bigQueryOfflineStoreYaml(input: BigQueryOfflineStoreInput): string {
  return [
    `project_id: ${JSON.stringify(input.projectId)}`,
    `dataset: ${JSON.stringify(input.dataset)}`,
    `location: ${JSON.stringify(input.location)}`,
    `gcs_staging_location: ${JSON.stringify(input.gcsStagingLocation)}`,
    "",
  ].join("\n");
}

/** A warehouse's values (a `Warehouse` handle's outputs, resolved), as the offline store section needs them. */
export interface WarehouseConfigInput {
  engine: WarehouseEngine;
  location: string;
  database: string;
  stagingUri: string;
  workgroup?: string;
  iamRoleArn?: string;
  project?: string;
}

/** The offline store section of a warehouse (`redshiftOfflineStoreYaml` / `bigQueryOfflineStoreYaml`). */
export function warehouseOfflineStoreYaml(w: WarehouseConfigInput): string {
  const need = (value: string | undefined, field: string): string => {
    if (value === undefined || value === "") throw new Error(`a ${w.engine} warehouse needs ${field}`);
    return value;
  };
  return w.engine === WarehouseEngine.redshift
    ? redshiftOfflineStoreYaml({
        region: w.location,
        workgroup: need(w.workgroup, "workgroup"),
        database: w.database,
        s3StagingLocation: w.stagingUri,
        iamRole: need(w.iamRoleArn, "iamRoleArn"),
      })
    : bigQueryOfflineStoreYaml({
        projectId: need(w.project, "project"),
        dataset: w.database,
        location: w.location,
        gcsStagingLocation: w.stagingUri,
      });
}
