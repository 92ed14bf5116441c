/**
 * Stack configuration: every `mlops:*` key of `stacks/Pulumi.<stack>.yaml`, validated as a whole
 * before any resource is registered. Every problem is reported at once as
 * `<key path>: <what is wrong, what is allowed>`.
 *
 * The environment (`mlops:environment`) is the preset: it picks each component's defaults
 * (components/shared/presets.ts); any explicit value overrides the preset.
 */
import { z } from "zod";
import { TARGETS, type Target } from "../components/adapters/types";
import { ENVIRONMENTS, type Environment } from "../components/shared/presets";
import { StackConfigError } from "../components/shared/errors";
import {
  checkModelRegistryArgs,
  modelRegistryArgsObject,
  targetSchemas,
} from "../components/model-registry/args";
import { formatIssue } from "../components/shared/validation";
import {
  checkGpuTrainingClusterArgs,
  gpuTrainingClusterArgsObject,
} from "../components/training-cluster/args";
import { resolveAwsClusterArgs } from "../components/training-cluster/aws/args";
import { resolveGcpClusterArgs } from "../components/training-cluster/gcp/args";

export const PROJECT = "mlops";

/** Classification of the data a stack holds (tag `data-classification`). */
export const DataClassification = {
  public: "public",
  internal: "internal",
  confidential: "confidential",
  restricted: "restricted",
} as const;

const nonEmpty = z.string().min(1, { message: "must not be empty" });

/** Required governance tags; more may be added. `environment` is set from `mlops:environment`. */
const tagsSchema = z
  .object({
    owner: nonEmpty,
    "cost-center": nonEmpty,
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
  })
  .strict();

export type StackConfig = z.output<typeof stackConfigObject>;

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

/** Maps a path inside the ModelRegistry args to the config key it came from. */
function registryPathToConfig(path: PropertyKey[]): PropertyKey[] {
  const [head, ...rest] = path;
  if (head === "environment" || head === "local") {
    return [head, ...rest];
  }
  return ["modelRegistry", ...path];
}

/** Runs a component's cross-field rules, placing each issue under the config key it came from. */
function collect(
  check: (ctx: z.RefinementCtx) => void,
  toConfigPath: (path: PropertyKey[]) => PropertyKey[],
  ctx: z.RefinementCtx,
): void {
  const inner = {
    addIssue: (issue: { path?: PropertyKey[]; message?: string }) =>
      ctx.addIssue({
        code: "custom",
        message: issue.message ?? "invalid",
        path: toConfigPath(issue.path ?? []),
      }),
  } as unknown as z.RefinementCtx;
  check(inner);
}

const stackConfigSchema = stackConfigObject.superRefine((cfg, ctx) => {
  const cluster = cfg.cluster ?? {};
  // A cluster this stack creates (aws/gcp without `existing`) supplies the registry's cloud
  // details; an adopted one on aws/gcp gets them from mlops:aws / mlops:gcp (its `existing` block).
  const createsCluster = cfg.target !== "local" && cluster.existing === undefined;
  for (const key of ["aws", "gcp"] as const) {
    if (key !== cfg.target) {
      if (cfg[key] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `only used when target is "${key}"; remove it`,
        });
      }
    } else if (createsCluster) {
      if (cfg[key] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message:
            "comes from the cluster this stack creates; remove it (or adopt a cluster with mlops:cluster.existing)",
        });
      }
    } else if (cfg[key] === undefined && cluster.existing?.[key] === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `required when target is "${key}" and the cluster is adopted (mlops:cluster.existing): the network and identity the model registry attaches to`,
      });
    } else if (cfg[key] !== undefined && cluster.existing?.[key] !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `given twice: remove it or mlops:cluster.existing.${key}`,
      });
    }
  }
  const registryArgs = {
    ...(cfg.modelRegistry ?? {}),
    cluster: { target: cfg.target, environment: cfg.environment },
    environment: cfg.environment,
    local: cfg.local,
  };
  collect((inner) => checkModelRegistryArgs(registryArgs, inner), registryPathToConfig, ctx);
  const clusterArgs = { ...cluster, target: cfg.target, environment: cfg.environment };
  collect(
    (inner) => checkGpuTrainingClusterArgs(clusterArgs, inner),
    (path) => ["cluster", ...path],
    ctx,
  );
  // The rules that depend on the environment (e.g. 3 AZs in prod), as the cluster builders apply them.
  if (cfg.target === "aws" && !cluster.existing) {
    for (const p of resolveAwsClusterArgs(cluster.aws ?? {}, cfg.environment).problems) {
      ctx.addIssue({ code: "custom", path: ["cluster", "aws", ...p.key.split(".")], message: p.message });
    }
  }
  if (cfg.target === "gcp" && cluster.gcp && !cluster.existing) {
    for (const p of resolveGcpClusterArgs(cluster.gcp, cfg.environment).problems) {
      ctx.addIssue({ code: "custom", path: ["cluster", "gcp", ...p.key.split(".")], message: p.message });
    }
  }
});

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
  const result = stackConfigSchema.safeParse(raw);
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          problems.push(`${configKey([...issue.path, key])}: unknown key; remove it or check the spelling`);
        }
      } else {
        problems.push(
          `${configKey(issue.path)}: ${formatIssue({ ...issue, path: [] }).replace(/^\(root\): /, "")}`,
        );
      }
    }
  }
  if (typeof raw["target"] === "string" && (TARGETS as string[]).includes(raw["target"])) {
    problems.push(...providerProblems(raw["target"] as Target, providerConfig));
  }
  if (problems.length > 0 || !result.success) throw new StackConfigError([...new Set(problems)], source);
  return result.data;
}

/** `["modelRegistry", "database", "size"]` → `mlops:modelRegistry.database.size`. */
function configKey(path: PropertyKey[]): string {
  const [head, ...rest] = path;
  let key = `${PROJECT}:${String(head ?? "")}`;
  for (const part of rest) key += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  return key;
}

export type { Environment, Target };
