#!/usr/bin/env node
/**
 * `npm run -s loop:render -- <dir>`: what the closed loop's services load, rendered by the
 * components' own pure renderers for the loop test's loopback endpoints
 * (examples/recommender/tests/test_loop.py; docs/loop-test.md). Reads `<dir>/endpoints.json`
 * ({@link Endpoints}) and writes into `<dir>`:
 *
 * - `mlflow.json`: the MLflow server's command (`mlflowServerArgs`, the model registry's) with the
 *   listen address moved to loopback, its environment (backend store URI from `backendStoreUri`,
 *   allowed hosts from `allowedHosts`) and the schema migration script (`migrationScript`);
 * - `feature_store.yaml`: Feast's configuration as the Feast operator composes it from the
 *   feature-store component's store sections (`sqlRegistryYaml`, `redisOnlineStoreYaml`, the
 *   `duckdb` offline store) and `feast.env` (`offlineStoreEnv`);
 * - `rules.yml`: the monitoring component's rule catalogue (`defaultRuleGroups`, `renderRuleFile`)
 *   with the drift rule's `for` from the endpoints (its own arg);
 * - `alertmanager.yml` and the bearer-token file it reads: the monitoring component's renderer
 *   (`resolveAlertingArgs`, `renderAlertmanagerConfig`) with the loop's receiver and route
 *   (`retrainingAlerting`), the webhook URL moved to the test's receiver, `groupWait` from the
 *   endpoints (its own arg);
 * - `prometheus.yml`: the test's Prometheus (scrapes the Pushgateway with `honor_labels`, as the
 *   Pushgateway's ServiceMonitor does, and sends to the Alertmanager);
 * - `loop.json`: the commands and environments of the loop's steps taken from the rendered drift
 *   CronJob, retraining Job and WorkflowTemplate (`driftCronJobManifest`,
 *   `retrainingJobManifest`, `workflowTemplateManifest`), placeholders such as
 *   `{{inputs.parameters.version}}` left for the test to fill as Argo would; the drift job's
 *   `MLOPS_S3_STORES` (`s3StoresValue`, as on "local") and, per step, the variables it reads from
 *   Secrets (`secretEnv`: the MLflow user's, as with `services.mlflowCredentials`).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { offlineStoreEnv, redisOnlineStoreYaml, sqlRegistryYaml } from "../components/feature-store";
import {
  allowedHosts,
  backendStoreUri,
  migrationScript,
  mlflowServerArgs,
} from "../components/model-registry";
import { renderAlertmanagerConfig, resolveAlertingArgs } from "../components/monitoring";
import { defaultRuleGroups, renderRuleFile } from "../components/monitoring";
import {
  resolveRetrainingLoopModel,
  retrainingLoopModelSchema,
  type RetrainingLoopModelArgs,
} from "../components/retraining-loop";
import { retrainingAlerting, WEBHOOK_SECRET_NAME } from "../components/retraining-loop";
import {
  driftCronJobManifest,
  S3_STORES_ENV,
  s3StoresValue,
  retrainingJobManifest,
  workflowTemplateManifest,
  WEBHOOK_TOKEN_KEY,
  type LoopSettings,
} from "../components/retraining-loop";

/** What the loop test started, on loopback (`<dir>/endpoints.json`). */
export interface Endpoints {
  postgres: { host: string; port: number; user: string; password: string; mlflowDb: string; feastDb: string };
  redis: { host: string; port: number; password: string };
  /**
   * moto's S3 server and the bucket that holds MLflow's artifacts, payload logs, the reference and
   * hold-out data and the drift reports.
   */
  s3: { endpoint: string; bucket: string };
  /**
   * The offline store's root (`OfflineStoreLocation.uri`): `s3://<bucket>` on the S3 endpoint in
   * the loop test, rendered as the component renders MinIO (`offlineStoreEnv`: DuckDB's endpoint
   * settings and the path-style query, docs/loop-test.md), or a local directory.
   */
  offlineStoreUri: string;
  /** The server's address and its uvicorn workers (`ModelRegistryArgs.workers`). */
  mlflow: { host: string; port: number; workers: number };
  pushgatewayUrl: string;
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** The test's webhook receiver (stands in for Argo Events' EventSource) and its bearer token. */
  webhook: { url: string; token: string };
  /** The served model: its name, the version the drift job watches, the Feast project. */
  model: { name: string; version: string };
  feastProject: string;
  /** The drift rule's `for` (`DriftParams.for`). */
  driftFor: string;
  /** Alertmanager's `groupWait` (`AlertingArgs.groupWait`). */
  groupWait: string;
}

type Env = { name: string; value?: unknown; valueFrom?: { secretKeyRef?: { name?: string; key: string } } }[];

/** A container's command and its literal environment (values from Secrets are the test's). */
export interface StepCommand {
  command: string[];
  env: Record<string, string>;
  /** The variables the container reads from Secrets: name → Secret and key (the test fills them). */
  secretEnv: Record<string, { secret: string; key: string }>;
}

function literalEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) if (typeof e.value === "string") out[e.name] = e.value;
  return out;
}

/** The variables a container reads from Secrets (`secretKeyRef`): name → the Secret and key. */
function secretEnv(env: Env): Record<string, { secret: string; key: string }> {
  const out: Record<string, { secret: string; key: string }> = {};
  for (const e of env) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) out[e.name] = { secret: ref.name ?? "", key: ref.key };
  }
  return out;
}

/** Replaces the value after `flag` (the listen address and port of a rendered command). */
function withFlag(args: string[], flag: string, value: string): string[] {
  const i = args.indexOf(flag);
  if (i < 0 || i + 1 >= args.length) throw new Error(`the rendered command has no ${flag}`);
  return [...args.slice(0, i + 1), value, ...args.slice(i + 2)];
}

interface Rendered {
  files: Record<string, string>;
}

/** Everything the test loads, as file name → content (pure: the endpoints in, the files out). */
export function renderLoop(e: Endpoints, dir: string): Rendered {
  const s3 = e.s3.endpoint;
  const bucket = `s3://${e.s3.bucket}`;
  const offline = {
    uri: e.offlineStoreUri,
    ...(e.offlineStoreUri.startsWith("s3://") ? { s3Endpoint: s3 } : {}),
  };
  const offlineRoot = offlineStoreEnv(offline).find((v) => v.name === "FEAST_OFFLINE_DATA_URI")!.value;
  const model = e.model.name;

  // --- MLflow (components/model-registry: mlflowWorkload's args and env, the migration Job's script)
  const mlflowArgs = mlflowServerArgs(e.mlflow.workers, `${bucket}/mlflow-artifacts`, false);
  const mlflow = {
    command: [
      "mlflow",
      ...withFlag(withFlag(mlflowArgs, "--host", e.mlflow.host), "--port", String(e.mlflow.port)),
    ],
    env: {
      MLFLOW_BACKEND_STORE_URI: backendStoreUri({
        username: e.postgres.user,
        password: e.postgres.password,
        host: e.postgres.host,
        port: e.postgres.port,
        databaseName: e.postgres.mlflowDb,
        sslMode: "disable",
      }),
      MLFLOW_SERVER_ALLOWED_HOSTS: allowedHosts("mlflow", "mlops", undefined, [
        `${e.mlflow.host}:${e.mlflow.port}`,
      ]),
      MLFLOW_S3_ENDPOINT_URL: s3,
    },
    migration: migrationScript(false),
  };

  // --- Feast (components/feature-store: the Secrets' store sections; the operator adds `type`)
  const indent = (yaml: string) =>
    yaml
      .trimEnd()
      .split("\n")
      .map((l) => `  ${l}`)
      .join("\n");
  const featureStoreYaml = [
    `project: ${e.feastProject}`,
    "provider: local",
    "registry:",
    "  registry_type: sql",
    indent(
      sqlRegistryYaml({
        host: e.postgres.host,
        port: e.postgres.port,
        databaseName: e.postgres.feastDb,
        username: e.postgres.user,
        password: e.postgres.password,
        sslMode: "disable",
      }),
    ),
    "online_store:",
    "  type: redis",
    indent(
      redisOnlineStoreYaml({
        host: e.redis.host,
        port: e.redis.port,
        password: e.redis.password,
        tls: false,
      }),
    ),
    "offline_store:",
    "  type: duckdb",
    "entity_key_serialization_version: 3",
    "",
  ].join("\n");
  const feastEnv = Object.fromEntries(offlineStoreEnv(offline).map((v) => [v.name, v.value]));

  // --- Prometheus rules and Alertmanager (components/monitoring, components/retraining-loop)
  const rules = renderRuleFile(defaultRuleGroups({ drift: { for: e.driftFor } }));
  const { receiver, route } = retrainingAlerting("mlops-loop", [model]);
  const alerting = resolveAlertingArgs({
    receivers: [{ ...receiver, webhook: { ...receiver.webhook!, url: e.webhook.url } }],
    routes: [route],
    groupWait: e.groupWait,
  });
  if (!alerting.resolved) {
    throw new Error(
      `alerting: ${alerting.problems.map((p) => `${p.path.join(".")}: ${p.message}`).join("; ")}`,
    );
  }
  const secretsDir = join(dir, "secrets");
  const alertmanager = renderAlertmanagerConfig(alerting.resolved, secretsDir);
  const prometheus = stringify({
    global: { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" },
    rule_files: [join(dir, "rules.yml")],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(e.alertmanagerUrl).host] }] }] },
    scrape_configs: [
      {
        job_name: "pushgateway",
        honor_labels: true,
        static_configs: [{ targets: [new URL(e.pushgatewayUrl).host] }],
      },
    ],
  });

  // --- The loop's steps (components/retraining-loop/manifests.ts)
  const modelArgs: RetrainingLoopModelArgs = {
    name: model,
    version: e.model.version,
    servingNamespace: "serving",
    // Every version's payload logs (the sink writes `<prefix>/<model>/<version>/`), as the stacks.
    payloadLogPath: `payload-logs/${model}/`,
    // Reference and hold-out data in the object store (the jobs read s3:// with MLOPS_S3_ENDPOINT_URL);
    // each training run writes its set under `reference/<model>/<version>/`.
    referenceDataPath: `reference/${model}/`,
    drift: { window: "1h", minRows: 100 },
    gate: {
      holdoutPath: `reference/${model}/holdout.parquet`,
      labelColumn: "purchased",
      metric: "roc_auc",
    },
    training: {
      team: "recsys",
      image: "ghcr.io/pulumi-mlops/recommender-train:0.1.0",
      command: ["python", "-m", "recommender.train"],
      // The labelled impressions the training run joins with the features (recommender.data).
      args: ["--entities", `${offlineRoot}/${model}/impressions.parquet`],
    },
  };
  const resolvedModel = resolveRetrainingLoopModel(retrainingLoopModelSchema.parse(modelArgs));
  const settings: LoopSettings = {
    instance: "loop",
    namespace: "mlops-loop",
    // A prebuilt jobs image (no install container): the test runs the steps in its own venv.
    jobs: {
      image: "ghcr.io/pulumi-mlops/mlops-jobs@sha256:" + "0".repeat(64),
      env: [],
      initContainers: [],
      volumes: [],
      volumeMounts: [],
      uid: 65532,
    },
    trackingUri: `http://${e.mlflow.host}:${e.mlflow.port}`,
    pushgatewayUrl: e.pushgatewayUrl,
    prometheusUrl: e.prometheusUrl,
    reportPrefix: `${bucket}/drift-reports`,
    // Both stores are the test's one bucket; the models' paths are inside it.
    referenceDataUri: bucket,
    payloadLogUri: bucket,
    clientEnv: [{ name: "MLOPS_S3_ENDPOINT_URL", value: s3 }],
    // As with `services.mlflowCredentials`: the MLflow clients read the user from the Secret
    // (`secretEnv` of each step in loop.json; the test's MLflow has no auth and sets none).
    mlflowCredentials: true,
  };
  // The drift job reads each bucket at its own endpoint with its own keys, by the names in
  // MLOPS_S3_STORES, as on "local" (all the stores are the test's one bucket: one entry, the
  // keys the test's environment holds).
  const driftSettings: LoopSettings = {
    ...settings,
    clientEnv: [
      ...settings.clientEnv,
      {
        name: S3_STORES_ENV,
        value: s3StoresValue([
          {
            bucket: e.s3.bucket,
            endpoint: s3,
            accessKeyEnv: "AWS_ACCESS_KEY_ID",
            secretKeyEnv: "AWS_SECRET_ACCESS_KEY",
          },
        ]),
      },
    ],
  };
  const drift = driftCronJobManifest(resolvedModel, driftSettings).spec.jobTemplate.spec.template.spec
    .containers[0]!;
  const job = retrainingJobManifest(resolvedModel, settings);
  const trainContainer = job.spec.template.spec.containers[0]!;
  const template = workflowTemplateManifest(resolvedModel, settings);
  type Tpl = {
    name: string;
    container?: { command: string[]; env: Env };
    script?: { command: string[]; env: Env; source: string };
  };
  const templates = template.spec.templates as Tpl[];
  const step = (name: string): StepCommand => {
    const t = templates.find((x) => x.name === name);
    const c = t?.container ?? t?.script;
    if (!c) throw new Error(`the WorkflowTemplate has no container step ${name}`);
    return {
      command: t?.script ? [...c.command, "-c", t.script.source] : c.command,
      env: literalEnv(c.env),
      secretEnv: secretEnv(c.env),
    };
  };
  const loop = {
    model: resolvedModel,
    drift: {
      command: drift.command,
      env: literalEnv(drift.env as Env),
      secretEnv: secretEnv(drift.env as Env),
    },
    train: {
      command: [...(trainContainer.command ?? []), ...(trainContainer.args ?? [])],
      env: literalEnv(trainContainer.env ?? []),
      secretEnv: secretEnv(trainContainer.env ?? []),
    },
    register: step("register"),
    evaluate: step("evaluate"),
    decide: step("decide"),
    production: step("production"),
    mutex: template.spec.synchronization,
  };

  return {
    files: {
      "mlflow.json": JSON.stringify(mlflow, null, 2),
      "feature_store.yaml": featureStoreYaml,
      "feast.json": JSON.stringify(feastEnv, null, 2),
      "rules.yml": rules,
      "alertmanager.yml": alertmanager.yaml,
      "prometheus.yml": prometheus,
      "loop.json": JSON.stringify(loop, null, 2),
      [join("secrets", WEBHOOK_SECRET_NAME, WEBHOOK_TOKEN_KEY)]: e.webhook.token,
    },
  };
}

function main(argv: string[]): number {
  if (argv.length !== 1) {
    process.stderr.write("usage: npm run -s loop:render -- <dir> (reads <dir>/endpoints.json)\n");
    return 2;
  }
  const dir = resolve(argv[0]!);
  const endpoints = JSON.parse(readFileSync(join(dir, "endpoints.json"), "utf8")) as Endpoints;
  const { files } = renderLoop(endpoints, dir);
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, content, { mode: name.startsWith("secrets") ? 0o600 : 0o644 });
  }
  process.stdout.write(`${JSON.stringify({ written: Object.keys(files).sort() })}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
