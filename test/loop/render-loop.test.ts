/**
 * bin/render-loop.ts (`npm run -s loop:render`): the loop test's service configuration is the
 * components' own rendering with the loopback endpoints swapped in — exact MLflow command and
 * environment, feature_store.yaml, the drift rule's `for`, the loop's Alertmanager route and
 * receiver, and the steps' commands from the rendered CronJob, Job and WorkflowTemplate.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderLoop, type Endpoints } from "../../bin/render-loop";
import { migrationScript } from "../../components/model-registry/config";

const endpoints: Endpoints = {
  postgres: {
    host: "127.0.0.1",
    port: 5433,
    user: "loop",
    password: "p@ss",
    mlflowDb: "mlflow",
    feastDb: "feast",
  },
  redis: { host: "127.0.0.1", port: 6390, password: "redis-pw" },
  s3: { endpoint: "http://127.0.0.1:9000", bucket: "loop" },
  offlineStoreUri: "s3://loop",
  mlflow: { host: "127.0.0.1", port: 5055, workers: 1 },
  pushgatewayUrl: "http://127.0.0.1:9091",
  prometheusUrl: "http://127.0.0.1:9090",
  alertmanagerUrl: "http://127.0.0.1:9093",
  webhook: { url: "http://127.0.0.1:12000/drift", token: "tok" },
  model: { name: "recommender", version: "1" },
  feastProject: "recommender",
  driftFor: "5s",
  groupWait: "1s",
};
const { files } = renderLoop(endpoints, "/work/loop");
const json = (name: string) => JSON.parse(files[name]!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("render-loop", () => {
  it("starts MLflow with the registry's flags on loopback and its backend URI", () => {
    const m = json("mlflow.json");
    expect(m.command).toEqual([
      "mlflow",
      "server",
      "--host",
      "127.0.0.1",
      "--port",
      "5055",
      "--workers",
      "1",
      "--serve-artifacts",
      "--artifacts-destination",
      "s3://loop/mlflow-artifacts",
      "--expose-prometheus",
      "/tmp/prometheus",
    ]);
    expect(m.env.MLFLOW_BACKEND_STORE_URI).toBe(
      "postgresql+psycopg2://loop:p%40ss@127.0.0.1:5433/mlflow?sslmode=disable",
    );
    expect(m.env.MLFLOW_SERVER_ALLOWED_HOSTS.split(",")).toContain("127.0.0.1:5055");
    expect(m.migration).toBe(migrationScript(false));
  });

  it("composes feature_store.yaml from the feature store's sections", () => {
    expect(files["feature_store.yaml"]).toBe(
      [
        "project: recommender",
        "provider: local",
        "registry:",
        "  registry_type: sql",
        '  path: "postgresql+psycopg://loop:p%40ss@127.0.0.1:5433/feast?sslmode=disable"',
        "  cache_ttl_seconds: 60",
        "  sqlalchemy_config_kwargs:",
        "    echo: false",
        "    pool_pre_ping: true",
        "online_store:",
        "  type: redis",
        "  redis_type: redis",
        '  connection_string: "127.0.0.1:6390,password=redis-pw"',
        "offline_store:",
        "  type: duckdb",
        "entity_key_serialization_version: 3",
        "",
      ].join("\n"),
    );
    // The offline store on the S3 endpoint, as the component renders it for MinIO: the endpoint for
    // pyarrow (Feast's file sources) and boto3, DuckDB's own settings, the path-style query.
    expect(json("feast.json")).toEqual({
      FEAST_OFFLINE_DATA_URI: "s3://loop/offline",
      FEAST_S3_ENDPOINT_URL: "http://127.0.0.1:9000",
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9000",
      DUCKDB_S3_ENDPOINT: "127.0.0.1:9000",
      DUCKDB_S3_USE_SSL: "false",
      FEAST_OFFLINE_PATH_QUERY: "?s3_url_style=path",
    });
  });

  it("loads the rule catalogue with the drift rule's `for` and routes ModelDrift to the bearer webhook", () => {
    const rules = parse(files["rules.yml"]!) as {
      groups: { name: string; rules: { alert?: string; for?: string }[] }[];
    };
    const drift = rules.groups.find((g) => g.name === "mlops-model-drift")!;
    expect(drift.rules.map((r) => [r.alert, r.for])).toEqual([["ModelDrift", "5s"]]);
    const am = parse(files["alertmanager.yml"]!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(am.route.group_wait).toBe("1s");
    expect(am.route.routes).toEqual([
      {
        receiver: "retraining-loop",
        matchers: ['alertname="ModelDrift"', 'model=~"recommender"'],
        group_by: ["alertname", "model"],
        repeat_interval: "24h",
      },
    ]);
    expect(am.receivers[1].webhook_configs).toEqual([
      {
        url: "http://127.0.0.1:12000/drift",
        send_resolved: false,
        max_alerts: 0,
        http_config: {
          authorization: { type: "Bearer", credentials_file: "/work/loop/secrets/mlops-loop-webhook/token" },
        },
      },
    ]);
    expect(files["secrets/mlops-loop-webhook/token"]).toBe("tok");
  });

  it("takes the steps' commands and environments from the rendered loop objects", () => {
    const loop = json("loop.json");
    expect(loop.drift.command).toEqual(["python", "-m", "mlops_jobs.drift"]);
    expect(loop.drift.env).toMatchObject({
      MLOPS_MODEL: "recommender",
      MLOPS_MODEL_VERSION: "1",
      MLFLOW_TRACKING_URI: "http://127.0.0.1:5055",
      MLOPS_PRODUCTION_ALIAS: "production",
      // The reference data prefix (each version's set under `<prefix>/<version>/`), every version's payloads.
      MLOPS_REFERENCE: "s3://loop/reference/recommender/",
      MLOPS_CURRENT: "s3://loop/payload-logs/recommender/",
      MLOPS_PUSHGATEWAY_URL: "http://127.0.0.1:9091",
      MLOPS_S3_ENDPOINT_URL: "http://127.0.0.1:9000",
    });
    expect(loop.train.command).toEqual([
      "python",
      "-m",
      "recommender.train",
      "--entities",
      "s3://loop/offline/recommender/impressions.parquet",
    ]);
    expect(loop.train.env).toMatchObject({
      MLFLOW_TRACKING_URI: "http://127.0.0.1:5055",
      MLOPS_REFERENCE: "s3://loop/reference/recommender/",
      MLOPS_REGISTER_TAG: "mlops.workflow.uid",
      MLOPS_WORKFLOW_UID: "{{workflow.uid}}",
    });
    expect(loop.register.command.slice(0, 2)).toEqual(["python", "-c"]);
    expect(loop.evaluate.command).toEqual(["python", "-m", "mlops_jobs.evaluate"]);
    expect(loop.evaluate.env).toMatchObject({
      MLOPS_CANDIDATE_VERSION: "{{inputs.parameters.version}}",
      MLOPS_HOLDOUT: "s3://loop/reference/recommender/holdout.parquet",
      MLOPS_METRIC: "roc_auc",
      MLOPS_DECISION_FILE: "/tmp/decision.json",
    });
    expect(loop.decide.command).toEqual(["python", "-m", "mlops_jobs.promote"]);
    // After the promote patch: the alias follows.
    expect(loop.production.command.slice(0, 2)).toEqual(["python", "-c"]);
    expect(loop.production.env).toMatchObject({
      MLOPS_PRODUCTION_ALIAS: "production",
      MLOPS_VERSION: "{{inputs.parameters.version}}",
    });
    expect(loop.mutex).toEqual({ mutexes: [{ name: "retrain-recommender" }] });
  });

  it("renders what the component emits for the stores' keys and the MLflow user", () => {
    const loop = json("loop.json");
    // MLOPS_S3_STORES as on "local" (s3StoresValue): the test's one bucket, its endpoint, the
    // names of the variables with its keys.
    expect(JSON.parse(loop.drift.env.MLOPS_S3_STORES as string)).toEqual({
      loop: {
        endpoint_url: "http://127.0.0.1:9000",
        access_key_env: "AWS_ACCESS_KEY_ID",
        secret_key_env: "AWS_SECRET_ACCESS_KEY",
      },
    });
    // Every MLflow client reads the user from the Secret (services.mlflowCredentials), never as a value.
    const mlflowUser = {
      MLFLOW_TRACKING_USERNAME: { secret: "mlops-loop-mlflow", key: "username" },
      MLFLOW_TRACKING_PASSWORD: { secret: "mlops-loop-mlflow", key: "password" },
    };
    const steps = Object.entries(loop).filter(
      ([, c]) => typeof c === "object" && c !== null && "env" in c && "secretEnv" in c,
    ) as [string, { env: Record<string, string>; secretEnv: unknown }][];
    const clients = steps.filter(([, c]) => "MLFLOW_TRACKING_URI" in c.env).map(([name]) => name);
    expect(clients).toEqual(expect.arrayContaining(["train", "register", "evaluate", "decide"]));
    for (const [name, c] of steps) {
      expect(c.secretEnv, name).toEqual(clients.includes(name) ? mlflowUser : {});
      expect(Object.keys(c.env), name).not.toContain("MLFLOW_TRACKING_PASSWORD");
    }
  });

  it("takes a local directory as the offline store's root: no endpoint settings", () => {
    const local = renderLoop({ ...endpoints, offlineStoreUri: "/work/offline-store" }, "/work/loop").files;
    expect(JSON.parse(local["feast.json"]!)).toEqual({
      FEAST_OFFLINE_DATA_URI: "/work/offline-store/offline",
    });
  });
});
