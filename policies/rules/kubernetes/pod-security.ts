/**
 * Pod Security Standards checks (baseline + restricted) on every pod-bearing kind. Each check is a
 * function of a pod spec and its containers (`PodCheck`), so pod specs embedded in other kinds
 * (KServe InferenceService components) are checked by the same code.
 */
import { ALWAYS_ADVISORY, ALWAYS_MANDATORY, MANDATORY_OUTSIDE_DEV, type ResourceRule } from "../types";
import { bool, dig, num, rec, recs, str } from "../util";
import { containersOf, effectiveSecurity, listOf, workloadRule, type NamedContainer } from "./workload";

const PSS = "Kubernetes Pod Security Standards";

/** A Pod Security check: findings for a pod spec (pod-level fields) and its containers. */
export type PodCheck = (pod: Record<string, unknown>, containers: readonly NamedContainer[]) => string[];

/** runAsNonRoot true (pod or container) and no UID 0. */
export const checkRunAsNonRoot: PodCheck = (pod, containers) => {
  const out: string[] = [];
  for (const { label, c } of containers) {
    if (bool(effectiveSecurity(pod, c, "runAsNonRoot")) !== true)
      out.push(`${label} does not set runAsNonRoot: true.`);
    if (num(effectiveSecurity(pod, c, "runAsUser")) === 0) out.push(`${label} runs as UID 0.`);
  }
  return out;
};

/** allowPrivilegeEscalation false on every container. */
export const checkNoPrivilegeEscalation: PodCheck = (_pod, containers) =>
  containers
    .filter(({ c }) => bool(dig(c, "securityContext", "allowPrivilegeEscalation")) !== false)
    .map(({ label }) => `${label} does not set allowPrivilegeEscalation: false.`);

/** Drop ALL capabilities, add back at most NET_BIND_SERVICE. */
export const checkDropAllCapabilities: PodCheck = (_pod, containers) => {
  const out: string[] = [];
  for (const { label, c } of containers) {
    const caps = rec(dig(c, "securityContext", "capabilities"));
    if (!listOf(caps?.drop).includes("ALL")) out.push(`${label} does not drop ALL capabilities.`);
    const added = listOf(caps?.add).filter((a) => a !== "NET_BIND_SERVICE");
    if (added.length > 0) out.push(`${label} adds capabilities ${added.join(", ")}.`);
  }
  return out;
};

/** Seccomp RuntimeDefault or Localhost (pod or every container), never Unconfined. */
export const checkSeccompProfile: PodCheck = (pod, containers) => {
  const ok = (t: unknown): boolean => t === "RuntimeDefault" || t === "Localhost";
  const podType = dig(pod, "securityContext", "seccompProfile", "type");
  const out: string[] = [];
  if (podType === "Unconfined") out.push("The pod's seccompProfile is Unconfined.");
  for (const { label, c } of containers) {
    const t = dig(c, "securityContext", "seccompProfile", "type");
    if (t === "Unconfined") out.push(`${label} uses seccompProfile Unconfined.`);
    else if (!ok(t) && !ok(podType)) out.push(`${label} has no RuntimeDefault/Localhost seccomp profile.`);
  }
  return out;
};

/** No privileged container. */
export const checkNoPrivileged: PodCheck = (_pod, containers) =>
  containers
    .filter(({ c }) => bool(dig(c, "securityContext", "privileged")) === true)
    .map(({ label }) => `${label} is privileged.`);

/** No host network, PID or IPC namespace. */
export const checkNoHostNamespaces: PodCheck = (pod) =>
  (["hostNetwork", "hostPID", "hostIPC"] as const)
    .filter((k) => bool(pod[k]) === true)
    .map((k) => `${k} is true.`);

/** No hostPath volume. */
export const checkNoHostPath: PodCheck = (pod) =>
  recs(pod.volumes)
    .filter((v) => v.hostPath !== undefined)
    .map((v) => `Volume '${str(v.name) ?? "?"}' is a hostPath (${str(dig(v, "hostPath", "path")) ?? "?"}).`);

/** No host port. */
export const checkNoHostPorts: PodCheck = (_pod, containers) =>
  containers.flatMap(({ label, c }) =>
    recs(c.ports)
      .filter((p) => (num(p.hostPort) ?? 0) > 0)
      .map((p) => `${label} binds hostPort ${String(p.hostPort)}.`),
  );

/**
 * The checks of the Pod Security Standards' baseline and restricted profiles (in the order of the
 * rules below; the read-only root filesystem is not part of either profile).
 */
export const POD_SECURITY_RESTRICTED_CHECKS: readonly PodCheck[] = [
  checkRunAsNonRoot,
  checkNoPrivilegeEscalation,
  checkDropAllCapabilities,
  checkSeccompProfile,
  checkNoPrivileged,
  checkNoHostNamespaces,
  checkNoHostPath,
  checkNoHostPorts,
];

/** Containers run as non-root. */
export const runAsNonRoot: ResourceRule = workloadRule(
  {
    name: "k8s-run-as-non-root",
    area: "kubernetes",
    description: "Pods run as non-root: runAsNonRoot true (pod or every container) and no runAsUser 0.",
    severity: "high",
    configKeys: ["podSecurityExemptions"],
    remediation:
      "Set spec.securityContext.runAsNonRoot: true and a non-zero runAsUser (build images with a USER).",
    reference: `${PSS} restricted: "Running as Non-root" / "Running as Non-root user"; Kyverno require-run-as-nonroot`,
  },
  ({ workload }) => checkRunAsNonRoot(workload.spec, containersOf(workload.spec)),
  { podSecurity: true },
);

/** No privilege escalation. */
export const noPrivilegeEscalation: ResourceRule = workloadRule(
  {
    name: "k8s-no-privilege-escalation",
    area: "kubernetes",
    description: "Every container sets securityContext.allowPrivilegeEscalation: false.",
    severity: "high",
    configKeys: ["podSecurityExemptions"],
    remediation: "Set securityContext.allowPrivilegeEscalation: false on every container.",
    reference: `${PSS} restricted: "Privilege Escalation"; Checkov CKV_K8S_20`,
  },
  ({ workload }) => checkNoPrivilegeEscalation(workload.spec, containersOf(workload.spec)),
  { podSecurity: true },
);

/** Drop all capabilities. */
export const dropAllCapabilities: ResourceRule = workloadRule(
  {
    name: "k8s-drop-all-capabilities",
    area: "kubernetes",
    description: "Every container drops ALL capabilities and adds back at most NET_BIND_SERVICE.",
    severity: "medium",
    enforcement: MANDATORY_OUTSIDE_DEV,
    configKeys: ["podSecurityExemptions"],
    remediation: 'Set securityContext.capabilities: { drop: ["ALL"] } (add only NET_BIND_SERVICE if needed).',
    reference: `${PSS} restricted: "Capabilities"; Kyverno require-drop-all`,
  },
  ({ workload }) => checkDropAllCapabilities(workload.spec, containersOf(workload.spec)),
  { podSecurity: true },
);

/** Seccomp RuntimeDefault or Localhost. */
export const seccompProfile: ResourceRule = workloadRule(
  {
    name: "k8s-seccomp-profile",
    area: "kubernetes",
    description:
      "Pods use a seccomp profile of type RuntimeDefault or Localhost (pod-level or on every container), never Unconfined.",
    severity: "medium",
    enforcement: MANDATORY_OUTSIDE_DEV,
    configKeys: ["podSecurityExemptions"],
    remediation: 'Set spec.securityContext.seccompProfile: { type: "RuntimeDefault" }.',
    reference: `${PSS} restricted: "Seccomp"; Checkov CKV_K8S_31`,
  },
  ({ workload }) => checkSeccompProfile(workload.spec, containersOf(workload.spec)),
  { podSecurity: true },
);

/** No privileged containers. */
export const noPrivileged: ResourceRule = workloadRule(
  {
    name: "k8s-no-privileged-containers",
    area: "kubernetes",
    description: "No container runs privileged.",
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    configKeys: ["podSecurityExemptions"],
    remediation:
      "Remove securityContext.privileged: true. GPU access goes through the NVIDIA device plugin (nvidia.com/gpu limits), not privileged mode.",
    reference: `${PSS} baseline: "Privileged Containers"; Checkov CKV_K8S_16`,
  },
  ({ workload }) => checkNoPrivileged(workload.spec, containersOf(workload.spec)),
  { podSecurity: true },
);

/** No host namespaces. */
export const noHostNamespaces: ResourceRule = workloadRule(
  {
    name: "k8s-no-host-namespaces",
    area: "kubernetes",
    description: "Pods do not share the host network, PID or IPC namespaces.",
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    configKeys: ["podSecurityExemptions"],
    remediation:
      "Remove hostNetwork, hostPID and hostIPC (use Services / NCCL over the pod network or SR-IOV device plugins).",
    reference: `${PSS} baseline: "Host Namespaces"; Checkov CKV_K8S_17-19`,
  },
  ({ workload }) => checkNoHostNamespaces(workload.spec, containersOf(workload.spec)),
  { podSecurity: true },
);

/** No hostPath volumes. */
export const noHostPath: ResourceRule = workloadRule(
  {
    name: "k8s-no-host-path-volumes",
    area: "kubernetes",
    description: "Pods do not mount hostPath volumes.",
    severity: "high",
    enforcement: ALWAYS_MANDATORY,
    configKeys: ["podSecurityExemptions"],
    remediation:
      "Use PersistentVolumeClaims, emptyDir (medium: Memory for /dev/shm) or CSI volumes instead of hostPath.",
    reference: `${PSS} baseline: "HostPath Volumes"; Kyverno disallow-host-path`,
  },
  ({ workload }) => checkNoHostPath(workload.spec, containersOf(workload.spec)),
  { podSecurity: true },
);

/** No host ports. */
export const noHostPorts: ResourceRule = workloadRule(
  {
    name: "k8s-no-host-ports",
    area: "kubernetes",
    description: "Containers do not bind host ports.",
    severity: "medium",
    enforcement: MANDATORY_OUTSIDE_DEV,
    configKeys: ["podSecurityExemptions"],
    remediation: "Remove ports[].hostPort; expose through a Service.",
    reference: `${PSS} baseline: "Host Ports"; Kyverno disallow-host-ports`,
  },
  ({ workload }) => checkNoHostPorts(workload.spec, containersOf(workload.spec)),
  { podSecurity: true },
);

/** Read-only root filesystem. */
export const readOnlyRootFs: ResourceRule = workloadRule(
  {
    name: "k8s-read-only-root-filesystem",
    area: "kubernetes",
    description: "Containers use a read-only root filesystem (writable paths via emptyDir/PVC).",
    severity: "low",
    enforcement: ALWAYS_ADVISORY,
    configKeys: ["podSecurityExemptions"],
    remediation:
      "Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes for /tmp and caches.",
    reference: "Checkov CKV_K8S_22; Kyverno require-ro-rootfs",
  },
  ({ workload }) =>
    containersOf(workload.spec)
      .filter(({ c }) => bool(dig(c, "securityContext", "readOnlyRootFilesystem")) !== true)
      .map(({ label }) => `${label} has a writable root filesystem.`),
  { podSecurity: true },
);

/** Pod Security rules. */
export const podSecurityRules: ResourceRule[] = [
  runAsNonRoot,
  noPrivilegeEscalation,
  dropAllCapabilities,
  seccompProfile,
  noPrivileged,
  noHostNamespaces,
  noHostPath,
  noHostPorts,
  readOnlyRootFs,
];
