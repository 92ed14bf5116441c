import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type Container = k8s.types.input.core.v1.Container;
type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;
type EnvVar = k8s.types.input.core.v1.EnvVar;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** Label keys every object of this toolkit carries (Kubernetes recommended labels). */
export function standardLabels(component: string, instance: string, role: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": component,
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/component": role,
    "app.kubernetes.io/part-of": "pulumi-mlops",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** The subset of `standardLabels` that selects pods (stable across upgrades). */
export function selectorLabels(component: string, instance: string, role: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": component,
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/component": role,
  };
}

/**
 * Pod-level security context that meets the Pod Security Standards "restricted" profile
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted).
 */
export function restrictedPodSecurityContext(uid: number, gid: number = uid): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container-level security context for the "restricted" profile, with a read-only root filesystem. */
export function restrictedContainerSecurityContext(): SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** A topology spread constraint over zones, as every component writes it. */
export interface ZoneSpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: string;
  labelSelector: { matchLabels: Record<string, string> };
}

/**
 * Spreads the pods `matchLabels` selects across zones (`topology.kubernetes.io/zone`, skew 1):
 * "ScheduleAnyway" prefers it (a zone outage or a single-zone node pool never blocks scheduling),
 * "DoNotSchedule" requires it.
 */
export function zoneSpreadConstraint(
  matchLabels: Record<string, string>,
  whenUnsatisfiable: "ScheduleAnyway" | "DoNotSchedule" = "ScheduleAnyway",
): ZoneSpreadConstraint {
  return {
    maxSkew: 1,
    topologyKey: "topology.kubernetes.io/zone",
    whenUnsatisfiable,
    labelSelector: { matchLabels },
  };
}

/** Pod Security admission labels that enforce, audit and warn on the "restricted" profile. */
export function restrictedNamespaceLabels(): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
  };
}

/** Pod Security admission labels of `gpu-system` (privileged; see the file comment for why). */
export function privilegedNamespaceLabels(): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": "privileged",
    "pod-security.kubernetes.io/enforce-version": "latest",
    // Still report what would break "restricted", so the exception stays visible.
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
  };
}

/** Container resources: requests and limits are always both set. */
export interface ContainerResources {
  cpuRequest: string;
  memoryRequest: string;
  cpuLimit: string;
  memoryLimit: string;
}

/** `overrides` (a component's `resources` arg, each field optional) with `defaults` for the rest. */
export function resourcesWithDefaults(
  overrides: Partial<ContainerResources> | undefined,
  defaults: ContainerResources,
): ContainerResources {
  return {
    cpuRequest: overrides?.cpuRequest ?? defaults.cpuRequest,
    memoryRequest: overrides?.memoryRequest ?? defaults.memoryRequest,
    cpuLimit: overrides?.cpuLimit ?? defaults.cpuLimit,
    memoryLimit: overrides?.memoryLimit ?? defaults.memoryLimit,
  };
}

export function resources(r: ContainerResources): NonNullable<Container["resources"]> {
  return {
    requests: { cpu: r.cpuRequest, memory: r.memoryRequest },
    limits: { cpu: r.cpuLimit, memory: r.memoryLimit },
  };
}

/** Egress to the cluster DNS (kube-dns / CoreDNS in kube-system), which every pod needs. */
export function dnsEgressRule(): k8s.types.input.networking.v1.NetworkPolicyEgressRule {
  return {
    to: [
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
      },
    ],
    ports: [
      { protocol: "UDP", port: 53 },
      { protocol: "TCP", port: 53 },
    ],
  };
}

/**
 * Governance tags as Kubernetes labels (owner, cost-center, environment, data-classification, ...),
 * so that in-cluster objects carry the same ownership data as cloud resources. Keys and values are
 * made valid label syntax (values: ≤ 63 of [A-Za-z0-9-_.], alphanumeric at both ends); keys that
 * cannot be made valid are skipped. Never use these in selectors: they may change.
 */
export function governanceLabels(tags: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(key))
      continue;
    const v = value
      .replace(/[^A-Za-z0-9._-]+/g, "-")
      .slice(0, 63)
      .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
    out[key] = v;
  }
  return out;
}

/**
 * Env vars by name, first one wins. Adapters may each contribute the same variable (e.g. the
 * region for both the bucket and the identity); a container with a duplicate name is rejected by
 * server-side apply.
 */
export function uniqueEnv(env: EnvVar[]): EnvVar[] {
  const seen = new Set<string>();
  return env.filter((e) => {
    if (typeof e.name !== "string") return true;
    if (seen.has(e.name)) return false;
    seen.add(e.name);
    return true;
  });
}

/** Egress rules without repeats (rules holding values not known until deployment are kept as they are). */
export function uniqueRules(rules: EgressRule[]): EgressRule[] {
  const seen = new Set<string>();
  return rules.filter((rule) => {
    if (containsOutput(rule)) return true;
    const key = JSON.stringify(rule);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function containsOutput(value: unknown): boolean {
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return true;
  if (Array.isArray(value)) return value.some(containsOutput);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsOutput);
  return false;
}
