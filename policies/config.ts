/**
 * Pack configuration: environment, exemptions, disabled rules and the knobs individual rules read.
 *
 * Where it comes from:
 * - offline: the `config` argument of `runPolicies` (the `npm run plan` CLI passes it);
 * - `pulumi preview --policy-pack policies`: `index.ts` calls {@link loadPackConfigFromEnvironment}
 *   (env `MLOPS_POLICY_CONFIG` = inline JSON or a path; else `mlops-policy-config.json` in the
 *   pack directory; env `MLOPS_ENVIRONMENT` overrides the environment), and per-policy values from
 *   `--policy-pack-config` are merged over it at validation time (the engine's per-policy config wins).
 *
 * The offline `--policy-pack-config` file takes the pack's flat keys plus the shape
 * `pulumi preview --policy-pack-config` takes (`all`, `<policy-name>`); see {@link parsePolicyPackConfig}.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EnforcementLevel, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { ENVIRONMENTS, type Environment, type Rule } from "./rules/types";
import {
  COMPONENT_AWS_GPU_FAMILIES,
  COMPONENT_GCP_GPU_ACCELERATORS,
  COMPONENT_GCP_GPU_FAMILIES,
} from "./gpu-catalog.generated";

/** A recorded exemption of resources (by logical name) from one rule, or from all (`policy: "*"`). */
export interface Exemption {
  /** Rule name, or a glob over rule names (`k8s-*`, `*`). */
  policy: string;
  /** Glob over the resource's logical name (`*`, `?`), or a regex written as `/.../flags`. */
  resourceNamePattern: string;
  /** Why the exemption is acceptable; recorded with every suppressed finding. Required. */
  reason: string;
}

/**
 * A scoped exemption from Pod Security checks for node-level system workloads (GPU device plugin,
 * DCGM exporter, CSI drivers) which legitimately need privileges. It applies only when the
 * workload's kind is listed and EVERY container image matches one of `imagePatterns`.
 */
export interface PodSecurityExemption {
  name: string;
  /** Pod security rule names this exemption covers. */
  policies: string[];
  /** Workload kinds (`DaemonSet`, ...). */
  kinds: string[];
  /**
   * Image globs (see {@link matchesImagePattern}): `*` and `?` stay within one path segment, `**`
   * spans segments; matched against the image as written and against `registry/repository`
   * (tag and digest stripped), so `nvcr.io/nvidia/k8s-device-plugin` covers every tag.
   */
  imagePatterns: string[];
  reason: string;
}

/** The pack's configuration. Every field is optional; see {@link DEFAULT_CONFIG}. */
export interface PackConfig {
  environment?: Environment;
  exemptions?: Exemption[];
  /** Rule names to switch off entirely. */
  disabled?: string[];
  /** Per-rule enforcement level overrides (win over the environment defaults). */
  enforcementLevels?: Record<string, EnforcementLevel>;
  /** Tag (AWS) / label (GCP, Kubernetes) keys every resource must carry. */
  requiredTags?: string[];
  /**
   * Image registry globs (`ghcr.io`, `*.dkr.ecr.*.amazonaws.com`, `ghcr.io/my-org/**`). A glob with a
   * `/` matches `registry/repository`, where `*` stays within one segment and `**` spans segments.
   * Empty: any registry.
   */
  allowedRegistries?: string[];
  /** Cloud regions resources may be created in. Empty: any region. */
  allowedRegions?: string[];
  /** AWS instance families / GCP machine families allowed for GPU nodes (`g5`, `p4d`, `g2`, `a2`). */
  allowedGpuInstanceFamilies?: string[];
  /** GCP accelerator types allowed on GKE node pools. */
  allowedGpuAccelerators?: string[];
  allowLoadBalancerServices?: boolean;
  allowNodePortServices?: boolean;
  /** Upper bound on nodes (EKS node group `maxSize`, GKE `maxNodeCount`) of one GPU pool. */
  maxGpuNodesPerPool?: number;
  /** Oldest EKS Kubernetes version still considered supported (`major.minor`). */
  minEksVersion?: string;
  podSecurityExemptions?: PodSecurityExemption[];
}

/** {@link PackConfig} with every default applied. */
export type ResolvedPackConfig = Required<PackConfig>;

/** Pod Security checks a GPU/CSI node agent may be exempted from. */
export const NODE_AGENT_POD_SECURITY_POLICIES = [
  "k8s-no-privileged-containers",
  "k8s-no-privilege-escalation",
  "k8s-no-host-namespaces",
  "k8s-no-host-path-volumes",
  "k8s-run-as-non-root",
  "k8s-drop-all-capabilities",
  "k8s-read-only-root-filesystem",
];

/**
 * Default scoped exemptions: NVIDIA device plugin, DCGM exporter, GPU feature discovery, CSI node
 * drivers. Each pattern names a repository (or a namespace of repositories) that only its vendor can
 * push to; `*` never crosses a `/`, so a look-alike image elsewhere (`ghcr.io/x/csi-miner`) is not covered.
 */
export const DEFAULT_POD_SECURITY_EXEMPTIONS: PodSecurityExemption[] = [
  {
    name: "nvidia-gpu-node-agents",
    policies: NODE_AGENT_POD_SECURITY_POLICIES,
    kinds: ["DaemonSet"],
    imagePatterns: [
      "nvcr.io/nvidia/k8s-device-plugin",
      "nvcr.io/nvidia/gpu-feature-discovery",
      // NVIDIA's Kubernetes components: dcgm-exporter, container-toolkit, ...
      "nvcr.io/nvidia/k8s/*",
      // GPU Operator operands: driver manager, validator, MIG manager, ...
      "nvcr.io/nvidia/cloud-native/*",
      "registry.k8s.io/nfd/node-feature-discovery",
    ],
    reason:
      "NVIDIA device plugin / DCGM exporter / feature discovery must access host devices, /dev and /var/lib/kubelet to advertise and monitor GPUs (NVIDIA GPU Operator requirements).",
  },
  {
    name: "csi-node-drivers",
    policies: NODE_AGENT_POD_SECURITY_POLICIES,
    kinds: ["DaemonSet"],
    imagePatterns: [
      // Kubernetes CSI sidecars (node-driver-registrar, livenessprobe) and upstream drivers.
      "registry.k8s.io/sig-storage/*",
      "registry.k8s.io/provider-aws/aws-ebs-csi-driver",
      "registry.k8s.io/cloud-provider-gcp/gcp-compute-persistent-disk-csi-driver",
      // AWS EBS/EFS CSI drivers and their EKS Distro sidecars (public ECR).
      "public.ecr.aws/ebs-csi-driver/*",
      "public.ecr.aws/efs-csi-driver/*",
      "public.ecr.aws/eks-distro/kubernetes-csi/*",
      // The same images from the EKS add-on registry (account 602401143452, one region label).
      "/^602401143452\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com\\/eks\\/[a-z0-9._-]+$/",
      // GKE's CSI drivers (Persistent Disk, Filestore, GCS FUSE) and sidecars.
      "gke.gcr.io/*csi*",
    ],
    reason:
      "CSI node plugins mount volumes for pods: they need privileged mode, host networking and kubelet hostPath mounts.",
  },
];

/** Defaults applied by {@link resolveConfig}. */
export const DEFAULT_CONFIG: ResolvedPackConfig = {
  // Secure by default: without an explicit environment the strictest (prod) levels apply.
  environment: "prod",
  exemptions: [],
  disabled: [],
  enforcementLevels: {},
  requiredTags: ["owner", "cost-center", "environment", "data-classification"],
  allowedRegistries: [
    "docker.io",
    "ghcr.io",
    "quay.io",
    "registry.k8s.io",
    "nvcr.io",
    "public.ecr.aws",
    "gcr.io",
    "*.gcr.io",
    "*.pkg.dev",
    "*.dkr.ecr.*.amazonaws.com",
  ],
  allowedRegions: [],
  // Every family and accelerator the GpuTrainingCluster can create (generated from its
  // constants into gpu-catalog.generated.ts by `npm run docs`), plus the T4 (g4dn on AWS,
  // nvidia-tesla-t4 on GCP) for clusters whose pools the component does not make.
  allowedGpuInstanceFamilies: [...COMPONENT_AWS_GPU_FAMILIES, "g4dn", ...COMPONENT_GCP_GPU_FAMILIES],
  allowedGpuAccelerators: [...COMPONENT_GCP_GPU_ACCELERATORS, "nvidia-tesla-t4"],
  allowLoadBalancerServices: false,
  allowNodePortServices: false,
  maxGpuNodesPerPool: 16,
  minEksVersion: "1.31",
  podSecurityExemptions: DEFAULT_POD_SECURITY_EXEMPTIONS,
};

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stringList(v: unknown, key: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
    throw new Error(`policy config '${key}' must be a list of strings`);
  }
  return v;
}

/** True when `value` names one of the environments. */
export function isEnvironment(value: unknown): value is Environment {
  return typeof value === "string" && (ENVIRONMENTS as readonly string[]).includes(value);
}

/**
 * Validates untrusted config (JSON, policy-pack config) and fills defaults. Unknown keys are ignored
 * (the engine passes per-policy keys through); wrong types throw with the key named.
 */
export function resolveConfig(input: unknown = {}): ResolvedPackConfig {
  if (!isRecord(input)) throw new Error("policy config must be an object");
  const out: ResolvedPackConfig = { ...DEFAULT_CONFIG };
  if (input.environment !== undefined) {
    if (!isEnvironment(input.environment))
      throw new Error(`policy config 'environment' must be one of ${ENVIRONMENTS.join(", ")}`);
    out.environment = input.environment;
  }
  if (input.exemptions !== undefined) {
    if (!Array.isArray(input.exemptions)) throw new Error("policy config 'exemptions' must be a list");
    out.exemptions = input.exemptions.map((e: unknown, i) => {
      if (!isRecord(e) || typeof e.policy !== "string" || typeof e.resourceNamePattern !== "string") {
        throw new Error(`policy config 'exemptions[${i}]' needs 'policy' and 'resourceNamePattern' strings`);
      }
      if (typeof e.reason !== "string" || e.reason.trim() === "") {
        throw new Error(`policy config 'exemptions[${i}]' needs a non-empty 'reason'`);
      }
      compilePattern(e.resourceNamePattern); // fail early on a bad regex
      return { policy: e.policy, resourceNamePattern: e.resourceNamePattern, reason: e.reason };
    });
  }
  for (const key of [
    "disabled",
    "requiredTags",
    "allowedRegistries",
    "allowedRegions",
    "allowedGpuInstanceFamilies",
    "allowedGpuAccelerators",
  ] as const) {
    const list = stringList(input[key], key);
    if (list) out[key] = list;
  }
  if (input.enforcementLevels !== undefined) {
    if (!isRecord(input.enforcementLevels))
      throw new Error("policy config 'enforcementLevels' must be an object");
    const levels: Record<string, EnforcementLevel> = {};
    for (const [k, v] of Object.entries(input.enforcementLevels)) {
      if (!LEVELS.includes(v as EnforcementLevel))
        throw new Error(`policy config 'enforcementLevels.${k}' must be one of ${LEVELS.join(", ")}`);
      levels[k] = v as EnforcementLevel;
    }
    out.enforcementLevels = levels;
  }
  for (const key of ["allowLoadBalancerServices", "allowNodePortServices"] as const) {
    const v = input[key];
    if (v === undefined) continue;
    if (typeof v !== "boolean") throw new Error(`policy config '${key}' must be a boolean`);
    out[key] = v;
  }
  if (input.maxGpuNodesPerPool !== undefined) {
    if (typeof input.maxGpuNodesPerPool !== "number" || input.maxGpuNodesPerPool < 0) {
      throw new Error("policy config 'maxGpuNodesPerPool' must be a non-negative number");
    }
    out.maxGpuNodesPerPool = input.maxGpuNodesPerPool;
  }
  if (input.minEksVersion !== undefined) {
    if (typeof input.minEksVersion !== "string" || !/^\d+\.\d+$/.test(input.minEksVersion)) {
      throw new Error("policy config 'minEksVersion' must look like '1.31'");
    }
    out.minEksVersion = input.minEksVersion;
  }
  if (input.podSecurityExemptions !== undefined) {
    if (!Array.isArray(input.podSecurityExemptions))
      throw new Error("policy config 'podSecurityExemptions' must be a list");
    out.podSecurityExemptions = input.podSecurityExemptions.map((e: unknown, i) => {
      const where = `podSecurityExemptions[${i}]`;
      if (
        !isRecord(e) ||
        typeof e.name !== "string" ||
        typeof e.reason !== "string" ||
        e.reason.trim() === ""
      ) {
        throw new Error(`policy config '${where}' needs 'name' and a non-empty 'reason'`);
      }
      return {
        name: e.name,
        reason: e.reason,
        policies: stringList(e.policies, `${where}.policies`) ?? [],
        kinds: stringList(e.kinds, `${where}.kinds`) ?? [],
        imagePatterns: stringList(e.imagePatterns, `${where}.imagePatterns`) ?? [],
      };
    });
  }
  return out;
}

/** The pack's own (flat) configuration keys. */
export const PACK_CONFIG_KEYS: readonly (keyof PackConfig)[] = [
  "environment",
  "exemptions",
  "disabled",
  "enforcementLevels",
  "requiredTags",
  "allowedRegistries",
  "allowedRegions",
  "allowedGpuInstanceFamilies",
  "allowedGpuAccelerators",
  "allowLoadBalancerServices",
  "allowNodePortServices",
  "maxGpuNodesPerPool",
  "minEksVersion",
  "podSecurityExemptions",
];

/** One policy's entry in a `pulumi preview --policy-pack-config` file. */
export interface PolicySettings {
  /** The policy's level, as the engine applies it (wins over `all` and the pack's level). */
  enforcementLevel?: EnforcementLevel;
  /** What the engine returns from that policy's `getConfig()` (everything but `enforcementLevel`). */
  properties: Record<string, unknown>;
}

/** A policy pack config file split into the pack's flat keys and the engine's per-policy shape. */
export interface ParsedPolicyPackConfig {
  /** The pack's flat keys (environment, exemptions, ...): the static pack config. */
  pack: PackConfig;
  /** `all`: the level for every policy without its own `enforcementLevel`. */
  all?: EnforcementLevel;
  /** `<policy-name>` entries. */
  policies: Record<string, PolicySettings>;
}

function level(v: unknown, where: string): EnforcementLevel {
  if (typeof v !== "string" || !LEVELS.includes(v as EnforcementLevel)) {
    throw new Error(`policy config '${where}' must be one of ${LEVELS.join(", ")}`);
  }
  return v as EnforcementLevel;
}

/**
 * Parses a policy pack config file: the pack's flat keys ({@link PACK_CONFIG_KEYS}) and the file
 * `pulumi preview --policy-pack-config` takes, `{"all": "<level>" | {"enforcementLevel"}, "<policy>":
 * "<level>" | {"enforcementLevel"?, ...properties}}`. Any other top-level key (a typo, a rule this
 * pack does not have) is rejected, naming it. `policyNames` are the pack's policy names.
 */
export function parsePolicyPackConfig(
  input: unknown,
  policyNames: readonly string[],
): ParsedPolicyPackConfig {
  if (!isRecord(input)) throw new Error("policy config must be an object");
  const names = new Set(policyNames);
  const pack: Record<string, unknown> = {};
  const policies: Record<string, PolicySettings> = {};
  let all: EnforcementLevel | undefined;
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(input)) {
    if ((PACK_CONFIG_KEYS as readonly string[]).includes(key)) {
      pack[key] = value;
    } else if (key === "all") {
      if (isRecord(value)) {
        const extra = Object.keys(value).filter((k) => k !== "enforcementLevel");
        if (extra.length > 0) {
          throw new Error(`policy config 'all' takes only 'enforcementLevel' (got '${extra.join("', '")}')`);
        }
        if (value.enforcementLevel !== undefined) all = level(value.enforcementLevel, "all.enforcementLevel");
      } else all = level(value, "all");
    } else if (names.has(key)) {
      if (isRecord(value)) {
        const { enforcementLevel, ...properties } = value;
        try {
          resolveConfig(properties);
        } catch (err) {
          throw new Error(`policy config '${key}': ${(err as Error).message}`, { cause: err });
        }
        policies[key] = {
          ...(enforcementLevel !== undefined
            ? { enforcementLevel: level(enforcementLevel, `${key}.enforcementLevel`) }
            : {}),
          properties,
        };
      } else policies[key] = { enforcementLevel: level(value, key), properties: {} };
    } else unknown.push(key);
  }
  if (unknown.length > 0) {
    throw new Error(
      `unknown policy config key${unknown.length > 1 ? "s" : ""} '${unknown.join("', '")}': ` +
        `not a pack setting (${PACK_CONFIG_KEYS.join(", ")}), "all", or a policy of this pack`,
    );
  }
  resolveConfig(pack);
  const problems = [
    ...unknownRuleNames(pack, policyNames),
    ...Object.entries(policies).flatMap(([name, settings]) =>
      unknownRuleNames(settings.properties, policyNames, `${name}.`),
    ),
  ];
  if (problems.length > 0) throw new Error(problems.join("; "));
  return { pack, ...(all !== undefined ? { all } : {}), policies };
}

/**
 * Rule names in `disabled`, `enforcementLevels` and `exemptions[].policy` that name no rule of the
 * pack, one problem each (empty when all are known). A typo there would otherwise switch nothing
 * off and exempt nothing, silently. An exemption's `policy` is a glob: it must match some rule.
 */
export function unknownRuleNames(
  config: Record<string, unknown>,
  policyNames: readonly string[],
  prefix = "",
): string[] {
  const names = new Set(policyNames);
  const problems: string[] = [];
  const hint = "not a rule of this pack (see --list-policies)";
  const disabled = config["disabled"];
  if (Array.isArray(disabled)) {
    disabled.forEach((name, i) => {
      if (typeof name === "string" && !names.has(name)) {
        problems.push(`policy config '${prefix}disabled[${i}]': '${name}' is ${hint}`);
      }
    });
  }
  const levels = config["enforcementLevels"];
  if (isRecord(levels)) {
    for (const name of Object.keys(levels)) {
      if (!names.has(name))
        problems.push(`policy config '${prefix}enforcementLevels.${name}': '${name}' is ${hint}`);
    }
  }
  const exemptions = config["exemptions"];
  if (Array.isArray(exemptions)) {
    exemptions.forEach((e: unknown, i) => {
      const policy = isRecord(e) ? e["policy"] : undefined;
      if (typeof policy === "string" && !policyNames.some((n) => matchesPattern(n, policy))) {
        problems.push(
          `policy config '${prefix}exemptions[${i}].policy': '${policy}' matches no rule of this pack (see --list-policies)`,
        );
      }
    });
  }
  return problems;
}

const patternCache = new Map<string, RegExp>();

function globBody(pattern: string, segments: boolean): string {
  let body = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      if (segments && pattern[i + 1] === "*") {
        body += ".*";
        i++;
      } else body += segments ? "[^/]*" : ".*";
    } else if (c === "?") body += segments ? "[^/]" : ".";
    else body += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return body;
}

/**
 * Compiles a glob or a `/regex/flags` pattern into an anchored RegExp. By default `*` matches any
 * text and `?` one character (resource and policy names); with `segments` (image and registry globs)
 * `*` and `?` stay within one `/`-separated segment and `**` matches across segments.
 */
export function compilePattern(pattern: string, options: { segments?: boolean } = {}): RegExp {
  const segments = options.segments === true;
  const key = `${segments ? "s" : "n"}:${pattern}`;
  const cached = patternCache.get(key);
  if (cached) return cached;
  let re: RegExp;
  const m = /^\/(.*)\/([a-z]*)$/.exec(pattern);
  if (m) re = new RegExp(m[1] ?? "", m[2]);
  else re = new RegExp(`^${globBody(pattern, segments)}$`);
  patternCache.set(key, re);
  return re;
}

/** True when `value` matches the glob or regex `pattern` (`*` matches any text). */
export function matchesPattern(value: string, pattern: string): boolean {
  return compilePattern(pattern).test(value);
}

/** True when `value` matches the segment-aware glob (`*` within a segment, `**` across) or regex. */
export function matchesPathPattern(value: string, pattern: string): boolean {
  return compilePattern(pattern, { segments: true }).test(value);
}

/** `[registry/]repository[:tag][@digest]` reduced to `registry/repository` (Docker Hub: `docker.io/library/x`). */
export function imageRepository(image: string): string {
  const [nameTag = ""] = image.split("@", 1);
  const slash = nameTag.indexOf("/");
  const first = slash >= 0 ? nameTag.slice(0, slash) : "";
  const hasRegistry = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  let rest = hasRegistry ? nameTag.slice(slash + 1) : nameTag;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) rest = rest.slice(0, colon);
  if (!hasRegistry && !rest.includes("/")) rest = `library/${rest}`;
  return `${hasRegistry ? first : "docker.io"}/${rest}`;
}

/**
 * True when an image reference matches an image pattern: segment-aware (`*` does not cross `/`,
 * `**` does), against the reference as written or its `registry/repository`.
 */
export function matchesImagePattern(image: string, pattern: string): boolean {
  return matchesPathPattern(image, pattern) || matchesPathPattern(imageRepository(image), pattern);
}

/** The first exemption covering (policy, resource name), if any. */
export function findExemption(
  config: ResolvedPackConfig,
  policyName: string,
  resourceName: string,
): Exemption | undefined {
  return config.exemptions.find(
    (e) => matchesPattern(policyName, e.policy) && matchesPattern(resourceName, e.resourceNamePattern),
  );
}

/** The enforcement level a rule runs at under `config` (disabled list → per-rule override → environment default). */
export function effectiveEnforcementLevel(
  rule: Pick<Rule, "name" | "enforcement">,
  config: ResolvedPackConfig,
  environment: Environment = config.environment,
): EnforcementLevel {
  if (config.disabled.includes(rule.name)) return "disabled";
  return config.enforcementLevels[rule.name] ?? rule.enforcement[environment];
}

/**
 * The resolved pack config a rule sees. Inside the pack (and the offline runner) `getConfig()` returns
 * the merged, resolved config; called on bare args it yields the defaults.
 */
export function ruleConfig(
  args: Pick<ResourceValidationArgs | StackValidationArgs, "getConfig">,
): ResolvedPackConfig {
  const input = args.getConfig<PackConfig>();
  // The wrappers hand every validation the same config object: resolve it once (the result is
  // frozen, as every validation shares it).
  const known = RESOLVED.get(input);
  if (known) return known;
  const resolved = deepFreezeConfig(resolveConfig(input));
  RESOLVED.set(input, resolved);
  return resolved;
}

/** {@link ruleConfig}'s results by the config object they came from. */
const RESOLVED = new WeakMap<object, ResolvedPackConfig>();

function deepFreezeConfig<T>(v: T): T {
  if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const item of Object.values(v)) deepFreezeConfig(item);
  }
  return v;
}

/**
 * Loads the pack config for the CrossGuard entry point: env `MLOPS_POLICY_CONFIG` (inline JSON or a
 * file path), else `mlops-policy-config.json` in `dir`; env `MLOPS_ENVIRONMENT` overrides `environment`.
 * With `policyNames`, a rule name there that the pack does not have is an error (see {@link unknownRuleNames}).
 */
export function loadPackConfigFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  dir: string = process.cwd(),
  policyNames?: readonly string[],
): ResolvedPackConfig {
  let raw: unknown = {};
  const source = env.MLOPS_POLICY_CONFIG;
  if (source && source.trim().startsWith("{")) {
    raw = JSON.parse(source) as unknown;
  } else {
    const file = source ?? path.join(dir, "mlops-policy-config.json");
    if (fs.existsSync(file)) raw = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    else if (source) throw new Error(`MLOPS_POLICY_CONFIG file not found: ${file}`);
  }
  if (env.MLOPS_ENVIRONMENT !== undefined) {
    if (!isRecord(raw)) throw new Error("policy config must be an object");
    raw = { ...raw, environment: env.MLOPS_ENVIRONMENT };
  }
  const resolved = resolveConfig(raw);
  const problems = policyNames && isRecord(raw) ? unknownRuleNames(raw, policyNames) : [];
  if (problems.length > 0) throw new Error(problems.join("; "));
  return resolved;
}
