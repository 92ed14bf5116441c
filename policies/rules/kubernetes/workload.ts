/**
 * Pod template extraction for the six pod-bearing kinds, image reference parsing, and the scoped
 * Pod Security exemptions for node agents (GPU device plugin, DCGM, CSI drivers).
 */
import * as k8s from "@pulumi/kubernetes";
import type { ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { matchesImagePattern, ruleConfig, type ResolvedPackConfig } from "../../config";
import { classPulumiType, onlyForTypes, resourceRule, type ResourceRule, type RuleSpec } from "../types";
import { arr, dig, rec, recs, str } from "../util";

/** A pod-bearing workload as the rules see it. */
export interface Workload {
  kind: "Pod" | "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob";
  /** The workload object's metadata. */
  metadata: Record<string, unknown>;
  /** The pod template's metadata (equal to `metadata` for a Pod). */
  podMetadata: Record<string, unknown>;
  /** The pod spec. */
  spec: Record<string, unknown>;
}

/** Pulumi type tokens of the pod-bearing kinds. */
export const WORKLOAD_TYPES: readonly string[] = [
  k8s.core.v1.Pod,
  k8s.apps.v1.Deployment,
  k8s.apps.v1.StatefulSet,
  k8s.apps.v1.DaemonSet,
  k8s.batch.v1.Job,
  k8s.batch.v1.CronJob,
].map(classPulumiType);
const WORKLOAD_TYPE_SET: ReadonlySet<string> = new Set(WORKLOAD_TYPES);
const NOT_A_WORKLOAD = `Policy only applies to ${WORKLOAD_TYPES.join(", ")}`;

/**
 * The workload behind `args`, or undefined for other types. Dispatches on the type token with one
 * call per resource (the engine's per-type fast path only supports a single type per policy).
 */
export function workloadOf(args: ResourceValidationArgs): Workload | undefined {
  // Most resources are not workloads: one set lookup instead of six `asType` calls (each one
  // resolving a lazily loaded SDK class).
  if (!WORKLOAD_TYPE_SET.has(args.type)) return undefined;
  const pod = args.asType(k8s.core.v1.Pod);
  if (pod)
    return {
      kind: "Pod",
      metadata: rec(pod.metadata) ?? {},
      podMetadata: rec(pod.metadata) ?? {},
      spec: rec(pod.spec) ?? {},
    };
  const tpl = (kind: Workload["kind"], metadata: unknown, template: unknown): Workload => ({
    kind,
    metadata: rec(metadata) ?? {},
    podMetadata: rec(dig(template, "metadata")) ?? {},
    spec: rec(dig(template, "spec")) ?? {},
  });
  const d = args.asType(k8s.apps.v1.Deployment);
  if (d) return tpl("Deployment", d.metadata, d.spec?.template);
  const s = args.asType(k8s.apps.v1.StatefulSet);
  if (s) return tpl("StatefulSet", s.metadata, s.spec?.template);
  const ds = args.asType(k8s.apps.v1.DaemonSet);
  if (ds) return tpl("DaemonSet", ds.metadata, ds.spec?.template);
  const j = args.asType(k8s.batch.v1.Job);
  if (j) return tpl("Job", j.metadata, j.spec?.template);
  const cj = args.asType(k8s.batch.v1.CronJob);
  if (cj) return tpl("CronJob", cj.metadata, cj.spec?.jobTemplate?.spec?.template);
  return undefined;
}

/** A container of the pod spec with where it came from. */
export interface NamedContainer {
  /** `containers[0] (app)` style label for messages. */
  label: string;
  init: boolean;
  /** An ephemeral (debug) container: the API forbids `resources` on these. */
  ephemeral: boolean;
  c: Record<string, unknown>;
}

/** All containers: regular, init and ephemeral. */
export function containersOf(spec: Record<string, unknown>): NamedContainer[] {
  const out: NamedContainer[] = [];
  for (const field of ["containers", "initContainers", "ephemeralContainers"]) {
    recs(spec[field]).forEach((c, i) =>
      out.push({
        label: `${field}[${i}] (${str(c.name) ?? "?"})`,
        init: field !== "containers",
        ephemeral: field === "ephemeralContainers",
        c,
      }),
    );
  }
  return out;
}

/** Namespace of the workload ("default" when unset). */
export function namespaceOf(metadata: Record<string, unknown>): string {
  return str(metadata.namespace) ?? "default";
}

/** A parsed image reference. */
export interface ImageRef {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** Parses `[registry/]repository[:tag][@digest]`; Docker Hub is the default registry. */
export function parseImage(image: string): ImageRef {
  const [nameTag = "", digest] = image.split("@", 2);
  const slash = nameTag.indexOf("/");
  const first = slash >= 0 ? nameTag.slice(0, slash) : "";
  const hasRegistry = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  const registry = hasRegistry ? first : "docker.io";
  let rest = hasRegistry ? nameTag.slice(slash + 1) : nameTag;
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!hasRegistry && !rest.includes("/")) rest = `library/${rest}`;
  return {
    registry,
    repository: rest,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** The scoped Pod Security exemption covering this workload and rule, if any. */
export function podSecurityExemption(
  config: ResolvedPackConfig,
  w: Workload,
  ruleName: string,
): { name: string; reason: string } | undefined {
  const images = containersOf(w.spec).map((nc) => str(nc.c.image));
  if (images.length === 0 || images.some((i) => i === undefined)) return undefined;
  return config.podSecurityExemptions.find(
    (e) =>
      e.policies.includes(ruleName) &&
      e.kinds.includes(w.kind) &&
      images.every((img) => e.imagePatterns.some((p) => matchesImagePattern(img ?? "", p))),
  );
}

/** Arguments of a workload check. */
export interface WorkloadCheckContext {
  workload: Workload;
  config: ResolvedPackConfig;
  args: ResourceValidationArgs;
}

/**
 * Declares a rule over the six pod-bearing kinds. `check` returns findings; when the workload is a
 * node agent covered by a scoped Pod Security exemption, the findings are suppressed and the
 * exemption reason is recorded through `notApplicable` (engine and offline runner alike).
 */
export function workloadRule(
  spec: RuleSpec,
  check: (ctx: WorkloadCheckContext) => string[],
  options: { podSecurity?: boolean } = {},
): ResourceRule {
  const validate: ResourceValidation = (args, report: ReportViolation) => {
    const workload = workloadOf(args);
    if (!workload) {
      args.notApplicable(NOT_A_WORKLOAD);
      return;
    }
    const config = ruleConfig(args);
    const findings = check({ workload, config, args });
    if (findings.length === 0) return;
    const exemption = options.podSecurity ? podSecurityExemption(config, workload, spec.name) : undefined;
    if (exemption) {
      args.notApplicable(
        `exempted by pod security exemption '${exemption.name}': ${exemption.reason} (suppressed: ${findings.join("; ")})`,
      );
    }
    for (const f of findings) report(f);
  };
  return resourceRule(
    { ...spec, resourceTypes: spec.resourceTypes ?? WORKLOAD_TYPES },
    // workloadOf is undefined exactly for the other types.
    onlyForTypes(WORKLOAD_TYPES, NOT_A_WORKLOAD, validate),
  );
}

/** A container's securityContext merged over the pod's (container wins). */
export function effectiveSecurity(
  pod: Record<string, unknown>,
  c: Record<string, unknown>,
  key: string,
): unknown {
  const own = dig(c, "securityContext", key);
  return own !== undefined ? own : dig(pod, "securityContext", key);
}

/** Strings of a list value. */
export function listOf(v: unknown): string[] {
  return arr(v).filter((x): x is string => typeof x === "string");
}
