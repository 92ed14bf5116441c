import { describe, expect, it } from "vitest";
import {
  offlineStoreEnv,
  redisOnlineStoreYaml,
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
  it("local: MinIO's endpoint for Feast and boto3/DuckDB", () => {
    expect(offlineStoreEnv({ uri: "s3://bkt", s3Endpoint: "http://minio.feast.svc:9000" })).toEqual([
      { name: "FEAST_OFFLINE_DATA_URI", value: "s3://bkt/offline" },
      { name: "FEAST_S3_ENDPOINT_URL", value: "http://minio.feast.svc:9000" },
      { name: "AWS_ENDPOINT_URL_S3", value: "http://minio.feast.svc:9000" },
    ]);
  });
});
