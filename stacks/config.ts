/**
 * Stack configuration: every `mlops:*` key of `stacks/Pulumi.<stack>.yaml`, validated as a whole
 * before any resource is registered. Every problem is reported at once as
 * `<key path>: <what is wrong, what is allowed>`.
 *
 * The environment (`mlops:environment`) is the preset: it picks each component's defaults
 * (components/shared/presets.ts); any explicit value overrides the preset.
 *
 * The config is a table of rows, one per `mlops:<key>` (`STACK_CONFIG_ROWS`): each has a schema
 * built from its component's own schema and, for a component's key, `resolve`, which calls that
 * component's resolver (`resolveGpuTrainingClusterArgs`, `resolveModelRegistryArgs`: the same
 * function the component calls) and maps its problem paths to config keys. So a bad value is
 * reported with the same message here (`mlops:cluster.<path>`) as by the component
 * (`args.<path>`), and no rule is written or run twice.
 */
import { z } from "zod";
import { Target, TARGETS } from "../components/adapters";
import { ENVIRONMENTS, type Environment } from "../components/shared/presets";
import { StackConfigError } from "../components/shared/errors";
import {
  modelRegistryArgsObject,
  resolveModelRegistryArgs,
  targetSchemas,
  type ResolvedModelRegistryArgs,
} from "../components/model-registry";
import {
  featureStoreArgsObject,
  resolveFeatureStoreArgs,
  type ResolvedFeatureStoreArgs,
} from "../components/feature-store";
import {
  modelServingArgsObject,
  resolveModelServingArgs,
  type ResolvedModelServingArgs,
} from "../components/model-serving";
import {
  inClusterPrometheusUrl,
  MonitoringMode,
  monitoringArgsObject,
  resolveMonitoringArgs,
  type ResolvedMonitoringArgs,
} from "../components/monitoring";
import {
  resolveRetrainingLoopArgs,
  retrainingAlerting,
  retrainingLoopArgsObject,
  type ResolvedRetrainingLoopArgs,
} from "../components/retraining-loop";
import { resolveAlertingArgs } from "../components/monitoring";
import { nested, parseWith, type Problem } from "../components/shared/contract";
import { ScrapeBackend } from "../components/shared/monitors";
import { nonEmptyStringSchema } from "../components/shared/schemas";
import {
  gpuTrainingClusterArgsObject,
  resolveGpuTrainingClusterArgs,
  type GpuTrainingClusterArgs,
  type ResolvedGpuTrainingClusterArgs,
} from "../components/training-cluster";

export const PROJECT = "mlops";

/** Classification of the data a stack holds (tag `data-classification`). */
export const DataClassification = {
  public: "public",
  internal: "internal",
  confidential: "confidential",
  restricted: "restricted",
} as const;

/** Required governance tags; more may be added. `environment` is set from `mlops:environment`. */
const tagsSchema = z
  .object({
    owner: nonEmptyStringSchema,
    "cost-center": nonEmptyStringSchema,
    "data-classification": z.enum(Object.values(DataClassification) as [string, ...string[]]),
  })
  .catchall(z.string().max(256));

/**
 * `mlops:cluster`: the GpuTrainingCluster args that make sense in config (target, environment and
 * tags come from their own keys). `aws` / `gcp` create the cluster; `existing` adopts one.
 */
const clusterSchema = gpuTrainingClusterArgsObject
  .omit({ target: true, environment: true, tags: true })
  .strict();

/** `mlops:modelRegistry`: the ModelRegistry args that make sense in config (no cluster handle, tags). */
const modelRegistrySchema = modelRegistryArgsObject
  .omit({
    cluster: true,
    environment: true,
    local: true,
    tags: true,
  })
  .strict();

/**
 * `mlops:monitoring`: the Monitoring args that make sense in config (no cluster handle,
 * environment or tags). Present: the cluster's monitoring is on (the stack sets
 * `mlops:cluster.monitoring` from it) and the stack runs a `Monitoring` component.
 */
const monitoringSchema = monitoringArgsObject.omit({ cluster: true, environment: true, tags: true }).strict();

/** `mlops:featureStore`: the FeatureStore args that make sense in config (no cluster handle, environment or tags). */
const featureStoreSchema = featureStoreArgsObject
  .omit({ cluster: true, environment: true, tags: true })
  .strict();

/**
 * `mlops:serving`: the ModelServing args that make sense in config (no cluster handle, artifact
 * store, environment or tags: the stack passes its cluster and the registry's artifact store; with
 * `mlops:monitoring` and no `prometheus`, the Monitoring component's Prometheus).
 */
const servingSchema = modelServingArgsObject
  .omit({ cluster: true, artifactStore: true, environment: true, tags: true })
  .strict();

/**
 * `mlops:retraining`: the RetrainingLoop args that make sense in config (no cluster handle,
 * environment, tags, services or stores: the stack wires the registry's tracking URI, the
 * Monitoring component's Pushgateway and Prometheus, the FeatureStore's offline store and the
 * serving payload-log store).
 */
const retrainingSchema = retrainingLoopArgsObject
  .omit({ cluster: true, environment: true, tags: true, services: true, stores: true })
  .strict();

const stackConfigObject = z
  .object({
    target: z.enum(TARGETS),
    environment: z.enum(ENVIRONMENTS),
    tags: tagsSchema,
    cluster: clusterSchema.optional(),
    aws: targetSchemas.aws.optional(),
    gcp: targetSchemas.gcp.optional(),
    local: targetSchemas.local.optional(),
    modelRegistry: modelRegistrySchema.optional(),
    monitoring: monitoringSchema.optional(),
    featureStore: featureStoreSchema.optional(),
    serving: servingSchema.optional(),
    retraining: retrainingSchema.optional(),
  })
  .strict();

/** What the components' resolvers made of the config (their defaults applied): read, never re-derived. */
export interface ResolvedStackConfig {
  /**
   * The `GpuTrainingCluster` args the config makes (`mlops:cluster` with target, environment, and
   * an adopted cluster's `mlops:aws` / `mlops:gcp` as `existing.aws` / `existing.gcp`): what the
   * cluster row resolved, for the program to pass on unchanged (plus its tags).
   */
  clusterArgs: GpuTrainingClusterArgs;
  /** `mlops:cluster` as `GpuTrainingCluster` resolves it. */
  cluster: ResolvedGpuTrainingClusterArgs;
  /**
   * `mlops:modelRegistry` as `ModelRegistry` resolves it (e.g. `auth` is set when auth is on, by
   * default with the Ingress).
   */
  modelRegistry: ResolvedModelRegistryArgs;
  /** `mlops:monitoring` as `Monitoring` resolves it; undefined when the key is absent (no monitoring). */
  monitoring: ResolvedMonitoringArgs | undefined;
  /** `mlops:featureStore` as `FeatureStore` resolves it; undefined when the key is absent. */
  featureStore: ResolvedFeatureStoreArgs | undefined;
  /** `mlops:serving` as `ModelServing` resolves it; undefined when the key is absent. */
  serving: ResolvedModelServingArgs | undefined;
  /** `mlops:retraining` as `RetrainingLoop` resolves it; undefined when the key is absent. */
  retraining: ResolvedRetrainingLoopArgs | undefined;
}

/** The validated `mlops:` keys, and what the components resolved from them. */
export type StackConfig = z.output<typeof stackConfigObject> & { resolved: ResolvedStackConfig };
type StackConfigKey = keyof typeof stackConfigObject.shape;

/**
 * What each `mlops:<key>` of a stack file holds. The README's configuration table is generated
 * from this (`npm run docs`) and the type requires an entry for every key the schema accepts, so
 * the table can neither miss an accepted key nor document a rejected one.
 */
export const STACK_CONFIG_DOCS: Record<keyof z.input<typeof stackConfigObject>, string> = {
  target: "`aws`, `gcp` or `local` (required)",
  environment:
    "`dev`, `staging` or `prod` (required): the preset of every component, and the policy pack's enforcement levels",
  tags: "`owner`, `cost-center`, `data-classification` (public/internal/confidential/restricted) required; more allowed. Every resource gets them, plus `environment`, `managed-by`, `pulumi-project` and `pulumi-stack`",
  cluster:
    "the `GpuTrainingCluster` args except target, environment and tags: `aws` or `gcp` (create the cluster) or `existing` (adopt one: `context` / `kubeconfig`), `gpuPools`, `teams`, `gpuStack`, `dcgmExporter`, `protect`, ...",
  aws: "the adopted EKS cluster's network and identity (`AwsTargetArgs`), required with `cluster.existing` (it becomes `existing.aws`); a created EKS cluster supplies it (setting it is an error)",
  gcp: "the adopted GKE cluster's project and network (`GcpTargetArgs`), required with `cluster.existing` (it becomes `existing.gcp`); a created GKE cluster supplies it (setting it is an error)",
  local: "the local target's block (`LocalTargetArgs`: `storageClassName`, `objectStoreStorageGb`)",
  modelRegistry:
    "any `ModelRegistryArgs` field except cluster (the stack's cluster), environment, local and tags: `namespace`, `replicas`, `database`, `bucket`, `ingress`, `auth`, ...",
  featureStore:
    "any `FeatureStoreArgs` field except cluster, environment and tags: `project` and `repository` (required), `onlineStore`, `offlineStore`, `registry`, `materialization`, `featureServer`, `authz`, `tls`, `clientNamespaceLabels`, `protect`, ... Present: the stack runs the `FeatureStore` component (Feast), with TLS from the cluster's cert-manager CA",
  serving:
    "any `ModelServingArgs` field except cluster, artifactStore (the registry's), environment and tags: `models` (required: name, storageUri inside the registry's store, format, autoscaling, canary, gpu, logging, exposure), `namespace`, `prometheus` (default: the Monitoring component's with `mlops:monitoring`), `clientNamespaceLabels`, ... Present: the stack runs `ModelServing` (KServe and KEDA), which needs the cluster's cert-manager",
  retraining:
    "any `RetrainingLoopArgs` field except cluster, environment, tags, services and stores (the stack wires MLflow, the Pushgateway and Prometheus of `mlops:monitoring`, the offline store of `mlops:featureStore` and the payload logs of `mlops:serving`): `models` (required: name, version, servingNamespace, payloadLogPath, referenceDataPath, drift, gate, canary, training on a team of `mlops:cluster.teams`), `namespace`, `trigger`, `jobsImage`, ... Present: the stack runs the `RetrainingLoop` (Argo Workflows and Events) and routes its models' drift alerts to it; needs `mlops:monitoring` (with the Pushgateway), `mlops:featureStore` and `mlops:serving` with the models logging to its payload sink",
  monitoring:
    "any `MonitoringArgs` field except cluster, environment and tags: `mode` (`selfHosted`, or `managed`: AMP on aws, GMP on gcp), `prometheus`, `alertmanager` (receivers, routes), `grafana`, `pushgateway`, `alerts`, `values`, ... Present (even `{}`): the cluster's monitoring is turned on (`mlops:cluster.monitoring` is derived from it) and the stack runs the `Monitoring` component",
};

/** Provider settings each target needs (checked together with the `mlops:` keys). */
export const REQUIRED_PROVIDER_CONFIG: Record<Target, string[]> = {
  aws: ["aws:region"],
  gcp: ["gcp:project", "gcp:region"],
  local: [],
};

/** The `mlops:<key>` names the schema accepts. */
export function stackConfigKeys(): string[] {
  return Object.keys(stackConfigObject.shape);
}

/** The raw `mlops:` values (decoded), with the stack's target and environment once they are valid. */
interface RowContext {
  raw: Partial<Record<StackConfigKey, unknown>>;
  target: Target;
  environment: Environment;
  /** Where each component's row puts its resolved args. */
  resolved: Partial<ResolvedStackConfig>;
}

/**
 * One `mlops:<key>` row: its schema (the component's own, the README table's key and the typed
 * config) and, for a component's key, `resolve`, which validates the value in one pass by calling
 * the component's resolver and returns its problems under config key paths. A row `resolve`s when
 * the target and environment are valid; without them its schema alone reports the field problems.
 * `resolvedBy`: a key a component's row resolves as part of that component's args.
 */
interface ConfigRow {
  key: StackConfigKey;
  schema: z.ZodType;
  resolve?: (ctx: RowContext) => Problem[];
  resolvedBy?: StackConfigKey;
}

/** Keys of an object value the row's schema does not accept (set elsewhere, or misspelt). */
function unknownKeys(key: StackConfigKey, value: unknown, schema: z.ZodObject): Problem[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
  return Object.keys(value)
    .filter((k) => !(k in schema.shape))
    .map((k) => ({ path: [key, k], message: "unknown key; remove it or check the spelling" }));
}

/** An object value of the config, or undefined (the row's schema reports a wrong type). */
function objectOrUndefined(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A cluster this stack creates (aws/gcp without `existing`) supplies its own cloud details. */
function createsCluster({ raw, target }: RowContext): boolean {
  return target !== "local" && objectOrUndefined(raw.cluster)?.["existing"] === undefined;
}

/**
 * How the stack composes `mlops:aws` / `mlops:gcp`: an adopted EKS / GKE cluster's network and
 * identity, which become its `existing.aws` / `existing.gcp` (and so its handle's, which the
 * model registry attaches to); a created cluster supplies its own. Returns the stack-level
 * problems and the blocks that go into `existing`.
 */
function cloudBlocks(ctx: RowContext): { problems: Problem[]; blocks: Record<string, unknown> } {
  const { raw, target } = ctx;
  const existing = objectOrUndefined(objectOrUndefined(raw.cluster)?.["existing"]);
  const problems: Problem[] = [];
  const blocks: Record<string, unknown> = {};
  for (const key of [Target.aws, Target.gcp] as const) {
    if (key !== target) {
      if (raw[key] !== undefined) {
        problems.push({ path: [key], message: `only used when target is "${key}"; remove it` });
      }
    } else if (createsCluster(ctx)) {
      if (raw[key] !== undefined) {
        problems.push({
          path: [key],
          message:
            "comes from the cluster this stack creates; remove it (or adopt a cluster with mlops:cluster.existing)",
        });
      }
    } else if (raw[key] === undefined && existing?.[key] === undefined) {
      problems.push({
        path: [key],
        message: `required when target is "${key}" and the cluster is adopted (mlops:cluster.existing): the network and identity the model registry attaches to`,
      });
    } else if (raw[key] !== undefined && existing?.[key] !== undefined) {
      problems.push({ path: [key], message: `given twice: remove it or mlops:cluster.existing.${key}` });
    } else if (raw[key] !== undefined) {
      blocks[key] = raw[key];
    }
  }
  return { problems, blocks };
}

/**
 * `mlops:cluster` with `mlops:aws` / `mlops:gcp`: the GpuTrainingCluster's own resolver, its
 * problems under `cluster`, or under `aws` / `gcp` for the block that came from there.
 */
function resolveClusterRow(ctx: RowContext): Problem[] {
  const value = ctx.raw.cluster;
  if (value !== undefined && objectOrUndefined(value) === undefined) {
    return nested(["cluster"], parseWith(clusterSchema, value).problems);
  }
  const extra = unknownKeys("cluster", value, clusterSchema);
  const cluster = Object.fromEntries(
    Object.entries(objectOrUndefined(value) ?? {}).filter(([k]) => k in clusterSchema.shape),
  );
  const { problems: stack, blocks } = cloudBlocks(ctx);
  const existing = objectOrUndefined(cluster["existing"]);
  const monitoring = derivedClusterMonitoring(ctx);
  if (monitoring && cluster["monitoring"] !== undefined) {
    stack.push({
      path: ["cluster", "monitoring"],
      message: "is set from mlops:monitoring (the stack turns the cluster's monitoring on for it); remove it",
    });
  }
  const args = {
    ...cluster,
    ...(existing ? { existing: { ...existing, ...blocks } } : {}),
    ...(monitoring && cluster["monitoring"] === undefined ? { monitoring } : {}),
    target: ctx.target,
    environment: ctx.environment,
  };
  const { resolved, problems } = resolveGpuTrainingClusterArgs(args, ctx.environment);
  if (resolved) {
    ctx.resolved.cluster = resolved;
    // The very args the resolver accepted.
    ctx.resolved.clusterArgs = args;
  }
  return [
    ...extra,
    ...stack,
    ...problems.map((p) => {
      const [head, key, ...rest] = p.path;
      const fromKey = head === "existing" && typeof key === "string" && key in blocks;
      return { path: fromKey ? [key, ...rest] : ["cluster", ...p.path], message: p.message };
    }),
  ];
}

/**
 * `mlops:modelRegistry` with `mlops:local`: the ModelRegistry's own resolver, against the target
 * and environment of the stack's cluster (the program passes its handle as `cluster`); the
 * problems go under the key they came from.
 */
function resolveModelRegistryRow(ctx: RowContext): Problem[] {
  const { raw, target, environment } = ctx;
  const value = raw.modelRegistry;
  if (value !== undefined && objectOrUndefined(value) === undefined) {
    return nested(["modelRegistry"], parseWith(modelRegistrySchema, value).problems);
  }
  const problems = unknownKeys("modelRegistry", value, modelRegistrySchema);
  const registry = Object.fromEntries(
    Object.entries(objectOrUndefined(value) ?? {}).filter(([k]) => k in modelRegistrySchema.shape),
  );
  const resolved = resolveModelRegistryArgs(
    { ...registry, environment, ...(raw.local !== undefined ? { local: raw.local } : {}) },
    environment,
    { target, environment },
  );
  if (resolved.resolved) ctx.resolved.modelRegistry = resolved.resolved;
  for (const p of resolved.problems) {
    const own = p.path[0] === "environment" || p.path[0] === "local";
    problems.push({ path: own ? p.path : ["modelRegistry", ...p.path], message: p.message });
  }
  return problems;
}

/**
 * The cluster's monitoring `mlops:monitoring` asks for: on, scraped by GMP for mode "managed" on
 * gcp, by the prometheus-operator otherwise. Undefined without `mlops:monitoring`.
 */
function derivedClusterMonitoring({
  raw,
  target,
}: RowContext): { enabled: true; backend: ScrapeBackend } | undefined {
  const value = objectOrUndefined(raw.monitoring);
  if (value === undefined) return undefined;
  const gmp = value["mode"] === MonitoringMode.managed && target === Target.gcp;
  return { enabled: true, backend: gmp ? ScrapeBackend.gmp : ScrapeBackend.prometheusOperator };
}

/**
 * `mlops:monitoring`: the Monitoring's own resolver, against the stack's cluster (its target and
 * environment, and the monitoring backend the cluster row derived); problems under `monitoring`.
 */
function resolveMonitoringRow(ctx: RowContext): Problem[] {
  const { raw, target, environment } = ctx;
  const value = raw.monitoring;
  if (value === undefined) return [];
  if (objectOrUndefined(value) === undefined) {
    return nested(["monitoring"], parseWith(monitoringSchema, value).problems);
  }
  const problems = unknownKeys("monitoring", value, monitoringSchema);
  const args = Object.fromEntries(
    Object.entries(objectOrUndefined(value) ?? {}).filter(([k]) => k in monitoringSchema.shape),
  );
  const backend = derivedClusterMonitoring(ctx)?.backend ?? ScrapeBackend.prometheusOperator;
  const resolved = resolveMonitoringArgs({ ...args, environment }, environment, {
    target,
    environment,
    monitoring: { backend, dependsOn: [] },
  });
  if (resolved.resolved) ctx.resolved.monitoring = resolved.resolved;
  for (const p of resolved.problems) {
    problems.push({
      path: p.path[0] === "environment" ? p.path : ["monitoring", ...p.path],
      message: p.message,
    });
  }
  return problems;
}

/**
 * `mlops:featureStore`: the FeatureStore's own resolver, against the stack's cluster (its target
 * and environment); problems under `featureStore`.
 */
function resolveFeatureStoreRow(ctx: RowContext): Problem[] {
  const { raw, target, environment } = ctx;
  const value = raw.featureStore;
  if (value === undefined) return [];
  if (objectOrUndefined(value) === undefined) {
    return nested(["featureStore"], parseWith(featureStoreSchema, value).problems);
  }
  const problems = unknownKeys("featureStore", value, featureStoreSchema);
  const args = Object.fromEntries(
    Object.entries(objectOrUndefined(value) ?? {}).filter(([k]) => k in featureStoreSchema.shape),
  );
  const resolved = resolveFeatureStoreArgs({ ...args, environment }, environment, { target, environment });
  if (resolved.resolved) ctx.resolved.featureStore = resolved.resolved;
  for (const p of resolved.problems) {
    problems.push({
      path: p.path[0] === "environment" ? p.path : ["featureStore", ...p.path],
      message: p.message,
    });
  }
  return problems;
}

/**
 * `mlops:serving`: the ModelServing's own resolver, against the stack's cluster (its target,
 * environment, GPU pools and monitoring) and, without `prometheus`, the in-cluster Prometheus of
 * `mlops:monitoring` when it is set; problems under `serving`.
 */
function resolveServingRow(ctx: RowContext): Problem[] {
  const { raw, target, environment } = ctx;
  const value = raw.serving;
  if (value === undefined) return [];
  if (objectOrUndefined(value) === undefined) {
    return nested(["serving"], parseWith(servingSchema, value).problems);
  }
  const problems = unknownKeys("serving", value, servingSchema);
  const args: Record<string, unknown> = Object.fromEntries(
    Object.entries(objectOrUndefined(value) ?? {}).filter(([k]) => k in servingSchema.shape),
  );
  const monitoring = derivedClusterMonitoring(ctx);
  const prometheus =
    args["prometheus"] ??
    (monitoring && ctx.resolved.monitoring
      ? { url: inClusterPrometheusUrl(ctx.resolved.monitoring.namespace) }
      : undefined);
  const resolved = resolveModelServingArgs(
    { ...args, ...(prometheus ? { prometheus } : {}), environment },
    environment,
    {
      target,
      environment,
      gpuPools: ctx.resolved.cluster?.gpuPools ?? [],
      ...(monitoring ? { monitoring: { backend: monitoring.backend, dependsOn: [] } } : {}),
    },
  );
  if (resolved.resolved) ctx.resolved.serving = resolved.resolved;
  for (const p of resolved.problems) {
    problems.push({
      path: p.path[0] === "environment" ? p.path : ["serving", ...p.path],
      message: p.message,
    });
  }
  return problems;
}

/**
 * `mlops:retraining`: the RetrainingLoop's own resolver, against the stack's cluster (its target
 * and environment), then what the stack wires: the services and stores of `mlops:monitoring`
 * (with the Pushgateway), `mlops:featureStore` and `mlops:serving` (each model served there,
 * logging to the payload sink, in its namespace), the training teams of `mlops:cluster.teams`,
 * and Monitoring's alerting with the loop's receiver and route added (`retrainingAlerting`).
 * Problems under `retraining` (the alerting's under `monitoring.alertmanager`).
 */
function resolveRetrainingRow(ctx: RowContext): Problem[] {
  const { raw, target, environment } = ctx;
  const value = raw.retraining;
  if (value === undefined) return [];
  if (objectOrUndefined(value) === undefined) {
    return nested(["retraining"], parseWith(retrainingSchema, value).problems);
  }
  const problems = unknownKeys("retraining", value, retrainingSchema);
  const args = Object.fromEntries(
    Object.entries(objectOrUndefined(value) ?? {}).filter(([k]) => k in retrainingSchema.shape),
  );
  const resolved = resolveRetrainingLoopArgs({ ...args, environment }, { target, environment });
  for (const p of resolved.problems) {
    problems.push({
      path: p.path[0] === "environment" ? p.path : ["retraining", ...p.path],
      message: p.message,
    });
  }
  const loop = resolved.resolved;
  if (!loop) return problems;
  const needs = (key: StackConfigKey, what: string) =>
    problems.push({ path: ["retraining"], message: `needs mlops:${key} (${what})` });
  const { monitoring, featureStore, serving, cluster } = ctx.resolved;
  if (raw.monitoring === undefined || (monitoring && !monitoring.pushgateway)) {
    needs(
      "monitoring",
      "with the Pushgateway: the drift job pushes its gauges there, Alertmanager calls the loop",
    );
  }
  if (raw.featureStore === undefined) needs("featureStore", "its offline store holds the reference data");
  if (raw.serving === undefined) needs("serving", "its payload sink writes the models' payload logs");
  if (serving) {
    loop.models.forEach((m, i) => {
      const served = serving.models.find((s) => s.name === m.name);
      if (!served?.logging?.ownSink) {
        problems.push({
          path: ["retraining", "models", i, "name"],
          message: `must be a model of mlops:serving that logs to the payload sink (logging: {}): its payload logs are the drift job's current data`,
        });
      }
      if (m.servingNamespace !== serving.namespace) {
        problems.push({
          path: ["retraining", "models", i, "servingNamespace"],
          message: `must be mlops:serving's namespace "${serving.namespace}"`,
        });
      }
    });
  }
  if (cluster) {
    const teams = cluster.inCluster.teams.map((t) => t.namespace);
    loop.models.forEach((m, i) => {
      if (!teams.includes(m.training.team)) {
        problems.push({
          path: ["retraining", "models", i, "training", "team"],
          message: `must be the namespace of a team of mlops:cluster.teams (${teams.map((t) => `"${t}"`).join(", ") || "none"})`,
        });
      }
    });
  }
  if (monitoring && featureStore) {
    const alerting = retrainingAlerting(
      loop.namespace,
      loop.models.map((m) => m.name),
      loop.trigger.repeatInterval,
    );
    // The alerting part (Monitoring's own `replicas` and `storageGb` aside), as Monitoring checks it.
    const {
      replicas: _replicas,
      storageGb: _storageGb,
      ...alertingOnly
    } = monitoringAlertingWithLoop(raw.monitoring, alerting);
    const withLoop = resolveAlertingArgs(alertingOnly);
    for (const p of withLoop.problems) {
      problems.push({ path: ["monitoring", "alertmanager", ...p.path], message: p.message });
    }
  }
  if (problems.length === 0) ctx.resolved.retraining = loop;
  return problems;
}

/**
 * `mlops:monitoring`'s `alertmanager` with the loop's receiver and route added: the route first,
 * with `continue` so that the drift alert also reaches the routes and receivers after it (the
 * people who watch the model), as the program passes it to Monitoring.
 */
export function monitoringAlertingWithLoop(
  monitoring: unknown,
  alerting: ReturnType<typeof retrainingAlerting>,
): Record<string, unknown> {
  const current = objectOrUndefined(objectOrUndefined(monitoring)?.["alertmanager"]) ?? {};
  const list = (key: string): unknown[] => {
    const v = current[key];
    return Array.isArray(v) ? v : [];
  };
  return {
    ...current,
    receivers: [...list("receivers"), alerting.receiver],
    routes: [{ ...alerting.route, continue: true }, ...list("routes")],
  };
}

/** The rows of the stack config, one per `mlops:<key>`. */
const STACK_CONFIG_ROWS: ConfigRow[] = [
  { key: "target", schema: stackConfigObject.shape.target },
  { key: "environment", schema: stackConfigObject.shape.environment },
  { key: "tags", schema: stackConfigObject.shape.tags },
  { key: "cluster", schema: stackConfigObject.shape.cluster, resolve: resolveClusterRow },
  { key: "aws", schema: stackConfigObject.shape.aws, resolvedBy: "cluster" },
  { key: "gcp", schema: stackConfigObject.shape.gcp, resolvedBy: "cluster" },
  { key: "local", schema: stackConfigObject.shape.local, resolvedBy: "modelRegistry" },
  { key: "modelRegistry", schema: stackConfigObject.shape.modelRegistry, resolve: resolveModelRegistryRow },
  { key: "monitoring", schema: stackConfigObject.shape.monitoring, resolve: resolveMonitoringRow },
  { key: "featureStore", schema: stackConfigObject.shape.featureStore, resolve: resolveFeatureStoreRow },
  { key: "serving", schema: stackConfigObject.shape.serving, resolve: resolveServingRow },
  { key: "retraining", schema: stackConfigObject.shape.retraining, resolve: resolveRetrainingRow },
];

/**
 * Every problem of the `mlops:` keys, each found once, under its config key path; and what the
 * components' rows resolved.
 */
function resolveConfig(raw: Record<string, unknown>): {
  problems: Problem[];
  resolved: Partial<ResolvedStackConfig>;
} {
  const resolved: Partial<ResolvedStackConfig> = {};
  const problems: Problem[] = Object.keys(raw)
    .filter((k) => !(k in stackConfigObject.shape))
    .map((k) => ({ path: [k], message: "unknown key; remove it or check the spelling" }));
  const target = stackConfigObject.shape.target.safeParse(raw["target"]);
  const environment = stackConfigObject.shape.environment.safeParse(raw["environment"]);
  const ctx: RowContext | undefined =
    target.success && environment.success
      ? { raw, target: target.data, environment: environment.data, resolved }
      : undefined;
  for (const row of STACK_CONFIG_ROWS) {
    const resolvedBy = row.resolvedBy && STACK_CONFIG_ROWS.find((r) => r.key === row.resolvedBy);
    if (ctx && (row.resolve || resolvedBy)) {
      problems.push(...(row.resolve?.(ctx) ?? []));
    } else {
      problems.push(...nested([row.key], parseWith(row.schema, raw[row.key]).problems));
    }
  }
  return { problems, resolved };
}

/** Provider settings the chosen target needs, checked with the `mlops:` keys. */
function providerProblems(target: Target, providerConfig: Record<string, string>): string[] {
  return REQUIRED_PROVIDER_CONFIG[target]
    .filter((key) => !providerConfig[key])
    .map((key) => `${key}: required when mlops:target is "${target}"`);
}

/** Structured config arrives JSON-encoded (as the Pulumi CLI passes it); scalars as strings. */
function decode(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

/**
 * Validates the stack's config (`allConfig`: every `namespace:key` → string value) and returns it
 * typed, or throws `StackConfigError` listing every problem.
 */
export function parseStackConfig(
  allConfig: Record<string, string>,
  source = "stack configuration",
): StackConfig {
  const prefix = `${PROJECT}:`;
  const raw: Record<string, unknown> = {};
  const providerConfig: Record<string, string> = {};
  for (const [key, value] of Object.entries(allConfig)) {
    if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = decode(value);
    else providerConfig[key] = value;
  }
  const config = resolveConfig(raw);
  const problems = config.problems.map((p) => `${configKey(p.path)}: ${p.message}`);
  if (typeof raw["target"] === "string" && (TARGETS as string[]).includes(raw["target"])) {
    problems.push(...providerProblems(raw["target"] as Target, providerConfig));
  }
  const { clusterArgs, cluster, modelRegistry, monitoring, featureStore, serving, retraining } =
    config.resolved;
  if (problems.length > 0 || !clusterArgs || !cluster || !modelRegistry) {
    throw new StackConfigError(problems, source);
  }
  // Every row passed its schema or its component's resolver: the values are the typed config.
  return {
    ...(raw as z.output<typeof stackConfigObject>),
    resolved: { clusterArgs, cluster, modelRegistry, monitoring, featureStore, serving, retraining },
  };
}

/** `["modelRegistry", "database", "size"]` → `mlops:modelRegistry.database.size`. */
function configKey(path: PropertyKey[]): string {
  const [head, ...rest] = path;
  let key = `${PROJECT}:${String(head ?? "")}`;
  for (const part of rest) key += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  return key;
}

export type { Environment, Target };
