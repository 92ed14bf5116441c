import { describe, expect, it } from "vitest";
import {
  bigQueryOfflineStoreYaml,
  DUCKDB_PATH_STYLE_QUERY,
  offlineStoreEnv,
  parquetOfflineStoreLimit,
  redisOnlineStoreYaml,
  redshiftOfflineStoreYaml,
  warehouseOfflineStoreYaml,
  sqlRegistryUrl,
  sqlRegistryYaml,
} from "../../components/feature-store";

describe("online store (Feast redis) section per target", () => {
  it("aws: ElastiCache with TLS to a public CA", () => {
    expect(
      redisOnlineStoreYaml({
        host: "master.kv.use1.cache.amazonaws.com",
        port: 6379,
        password: "Abc123xyz",
        tls: true,
      }),
    ).toBe(
      'redis_type: redis\nconnection_string: "master.kv.use1.cache.amazonaws.com:6379,password=Abc123xyz,ssl=true"\n',
    );
  });
  it("gcp: Memorystore with TLS verified against its mounted CA", () => {
    expect(
      redisOnlineStoreYaml({
        host: "10.100.0.5",
        port: 6378,
        password: "Abc123xyz",
        tls: true,
        caCertsPath: "/etc/feast/online-store-ca/ca.crt",
      }),
    ).toBe(
      'redis_type: redis\nconnection_string: "10.100.0.5:6378,password=Abc123xyz,ssl=true,ssl_ca_certs=/etc/feast/online-store-ca/ca.crt,ssl_cert_reqs=required"\n',
    );
  });
  it("local: in-cluster Valkey without TLS", () => {
    expect(
      redisOnlineStoreYaml({
        host: "fs-online-valkey.feast.svc.cluster.local",
        port: 6379,
        password: "Abc123xyz",
        tls: false,
      }),
    ).toBe(
      'redis_type: redis\nconnection_string: "fs-online-valkey.feast.svc.cluster.local:6379,password=Abc123xyz"\n',
    );
  });
  it("refuses a password Feast would split or decode as a number", () => {
    for (const password of ["a,b", "123456", ""]) {
      expect(() => redisOnlineStoreYaml({ host: "h", port: 1, password, tls: false })).toThrow(
        "the online store password must not be empty, contain ',' or be all digits",
      );
    }
  });
});

describe("SQL registry section", () => {
  const base = {
    host: "db.internal",
    port: 5432,
    databaseName: "feast_registry",
    username: "feast",
    password: "p@ss/word",
  };
  it("aws/gcp: psycopg 3 with sslmode=require, credentials escaped", () => {
    expect(sqlRegistryUrl({ ...base, sslMode: "require" })).toBe(
      "postgresql+psycopg://feast:p%40ss%2Fword@db.internal:5432/feast_registry?sslmode=require",
    );
    expect(sqlRegistryYaml({ ...base, sslMode: "require" })).toBe(
      'path: "postgresql+psycopg://feast:p%40ss%2Fword@db.internal:5432/feast_registry?sslmode=require"\n' +
        "cache_ttl_seconds: 60\nsqlalchemy_config_kwargs:\n  echo: false\n  pool_pre_ping: true\n",
    );
  });
  it("local: sslmode=disable", () => {
    expect(sqlRegistryUrl({ ...base, sslMode: "disable" })).toMatch(/\?sslmode=disable$/);
  });
});

describe("offline store environment", () => {
  it("aws / gcp: the data root only", () => {
    expect(offlineStoreEnv({ uri: "s3://bkt" })).toEqual([
      { name: "FEAST_OFFLINE_DATA_URI", value: "s3://bkt/offline" },
    ]);
    expect(offlineStoreEnv({ uri: "gs://bkt" })).toEqual([
      { name: "FEAST_OFFLINE_DATA_URI", value: "gs://bkt/offline" },
    ]);
  });
  it("local: MinIO's endpoint for the file sources (pyarrow), boto3 and DuckDB, and the path-style query", () => {
    expect(offlineStoreEnv({ uri: "s3://bkt", s3Endpoint: "http://minio.feast.svc:9000" })).toEqual([
      { name: "FEAST_OFFLINE_DATA_URI", value: "s3://bkt/offline" },
      { name: "FEAST_S3_ENDPOINT_URL", value: "http://minio.feast.svc:9000" },
      { name: "AWS_ENDPOINT_URL_S3", value: "http://minio.feast.svc:9000" },
      { name: "DUCKDB_S3_ENDPOINT", value: "minio.feast.svc:9000" },
      { name: "DUCKDB_S3_USE_SSL", value: "false" },
      { name: "FEAST_OFFLINE_PATH_QUERY", value: "?s3_url_style=path" },
    ]);
    expect(DUCKDB_PATH_STYLE_QUERY).toBe("?s3_url_style=path");
  });
  it("an https endpoint keeps TLS for DuckDB; the default port stays implicit", () => {
    const env = offlineStoreEnv({ uri: "s3://bkt", s3Endpoint: "https://s3.example.internal" });
    expect(env.find((e) => e.name === "DUCKDB_S3_ENDPOINT")?.value).toBe("s3.example.internal");
    expect(env.find((e) => e.name === "DUCKDB_S3_USE_SSL")?.value).toBe("true");
  });
});

describe("parquet offline store limit per target (Feast 0.66's DuckDB store)", () => {
  it("aws: no IRSA / Pod Identity in DuckDB's httpfs; points to redshift", () => {
    const m = parquetOfflineStoreLimit("aws");
    expect(m).toMatch(
      /^offlineStore\.type "parquet" on aws: Feast 0\.66's DuckDB offline store cannot read the offline bucket/,
    );
    expect(m).toContain("never uses IRSA or Pod Identity");
    expect(m).toContain('Use offlineStore.type "redshift"');
    expect(m).toContain("docs/feature-store.md");
  });
  it("gcp: HMAC keys only, no Workload Identity; points to bigquery", () => {
    const m = parquetOfflineStoreLimit("gcp");
    expect(m).toMatch(/^offlineStore\.type "parquet" on gcp: /);
    expect(m).toContain(
      "with Workload Identity: DuckDB's httpfs reads gs:// through GCS's S3-compatible API with HMAC",
    );
    expect(m).toContain('Use offlineStore.type "bigquery"');
  });
  it("local: no limit (DuckDB gets MinIO's settings from offlineStoreEnv)", () => {
    expect(parquetOfflineStoreLimit("local")).toBeUndefined();
  });
});

describe("offline store (warehouse) section per target", () => {
  it("aws: Redshift Serverless through the Data API, staging on the offline bucket", () => {
    const input = {
      region: "us-east-1",
      workgroup: "fs-prod-offline",
      database: "offline",
      s3StagingLocation: "s3://fs-offline-bucket/staging",
      iamRole: "arn:aws:iam::123456789012:role/fs-offline-redshift-role",
    };
    const yaml =
      'region: "us-east-1"\nworkgroup: "fs-prod-offline"\ndatabase: "offline"\n' +
      's3_staging_location: "s3://fs-offline-bucket/staging"\n' +
      'iam_role: "arn:aws:iam::123456789012:role/fs-offline-redshift-role"\n';
    expect(redshiftOfflineStoreYaml(input)).toBe(yaml);
    // No cluster_id / user: Serverless with the caller's IAM identity.
    expect(yaml).not.toMatch(/cluster_id|user/);
    expect(
      warehouseOfflineStoreYaml({
        engine: "redshift",
        location: input.region,
        database: input.database,
        stagingUri: input.s3StagingLocation,
        workgroup: input.workgroup,
        iamRoleArn: input.iamRole,
      }),
    ).toBe(yaml);
  });

  it("gcp: BigQuery in the dataset's region (not Feast's US default)", () => {
    const yaml =
      'project_id: "acme-ml"\ndataset: "fs_prod_offline"\nlocation: "europe-west4"\n' +
      'gcs_staging_location: "gs://fs-offline-bucket/staging"\n';
    expect(
      bigQueryOfflineStoreYaml({
        projectId: "acme-ml",
        dataset: "fs_prod_offline",
        location: "europe-west4",
        gcsStagingLocation: "gs://fs-offline-bucket/staging",
      }),
    ).toBe(yaml);
    expect(
      warehouseOfflineStoreYaml({
        engine: "bigquery",
        location: "europe-west4",
        database: "fs_prod_offline",
        stagingUri: "gs://fs-offline-bucket/staging",
        project: "acme-ml",
      }),
    ).toBe(yaml);
  });

  it("a warehouse without its engine's fields is refused", () => {
    expect(() =>
      warehouseOfflineStoreYaml({
        engine: "redshift",
        location: "us-east-1",
        database: "d",
        stagingUri: "s3://b/s",
      }),
    ).toThrow("a redshift warehouse needs workgroup");
    expect(() =>
      warehouseOfflineStoreYaml({
        engine: "bigquery",
        location: "EU",
        database: "d",
        stagingUri: "gs://b/s",
      }),
    ).toThrow("a bigquery warehouse needs project");
  });
});
