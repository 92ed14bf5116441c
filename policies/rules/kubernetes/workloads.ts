/** Resource requests/limits (incl. nvidia.com/gpu) and image rules on every pod-bearing kind. */
import { matchesPathPattern } from "../../config";
import { MANDATORY_OUTSIDE_DEV, type ResourceRule } from "../types";
import { dig, present, rec, str } from "../util";
import { containersOf, parseImage, workloadRule } from "./workload";

const GPU = "nvidia.com/gpu";

/** CPU/memory requests and a memory limit. */
export const containerResources: ResourceRule = workloadRule(
  {
    name: "k8s-container-resources",
    area: "kubernetes",
    description: "Every container sets cpu and memory requests and a memory limit.",
    severity: "medium",
    enforcement: MANDATORY_OUTSIDE_DEV,
    remediation:
      "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory on every container.",
    reference: "Checkov CKV_K8S_10-13; Kyverno require-requests-limits",
  },
  ({ workload }) => {
    const out: string[] = [];
    // Ephemeral containers cannot set resources (the API rejects them): nothing to check.
    for (const { label, c } of containersOf(workload.spec).filter((x) => !x.ephemeral)) {
      const requests = rec(dig(c, "resources", "requests")) ?? {};
      const limits = rec(dig(c, "resources", "limits")) ?? {};
      const missing = [
        ...(["cpu", "memory"] as const).filter((k) => !present(requests[k])).map((k) => `requests.${k}`),
        ...(present(limits.memory) ? [] : ["limits.memory"]),
      ];
      if (missing.length > 0) out.push(`${label} is missing ${missing.join(", ")}.`);
    }
    return out;
  },
);

/** GPU requests come with equal limits. */
export const gpuResources: ResourceRule = workloadRule(
  {
    name: "k8s-gpu-resources",
    area: "kubernetes",
    description:
      "Containers that use nvidia.com/gpu set it in limits (requests, when set, equal limits), and GPU pods tolerate the GPU node taint.",
    severity: "high",
    remediation:
      'Set resources.limits["nvidia.com/gpu"] (and the same value in requests, or omit requests) and add a toleration for nvidia.com/gpu.',
    reference: "Kubernetes 'Schedule GPUs' (extended resources must be limits); NVIDIA device plugin",
  },
  ({ workload }) => {
    const out: string[] = [];
    let usesGpu = false;
    for (const { label, c } of containersOf(workload.spec).filter((x) => !x.ephemeral)) {
      const req = dig(c, "resources", "requests", GPU);
      const lim = dig(c, "resources", "limits", GPU);
      if (!present(req) && !present(lim)) continue;
      usesGpu = true;
      if (!present(lim)) out.push(`${label} requests ${GPU} without a limit.`);
      else if (present(req) && String(req) !== String(lim))
        out.push(`${label} has ${GPU} requests (${String(req)}) != limits (${String(lim)}).`);
    }
    if (usesGpu) {
      const tolerations = Array.isArray(workload.spec.tolerations)
        ? (workload.spec.tolerations as unknown[])
        : [];
      const tolerates = tolerations.some(
        (t) =>
          str(dig(t, "key")) === GPU || (str(dig(t, "operator")) === "Exists" && dig(t, "key") === undefined),
      );
      if (!tolerates) out.push(`The pod uses GPUs but does not tolerate the ${GPU} taint.`);
    }
    return out;
  },
);

/** Images are pinned. */
export const imagePinned: ResourceRule = workloadRule(
  {
    name: "k8s-image-pinned",
    area: "kubernetes",
    description: "Container images are pinned by a tag other than 'latest' or by digest.",
    severity: "medium",
    enforcement: MANDATORY_OUTSIDE_DEV,
    remediation:
      "Reference images as registry/repo:1.2.3 or registry/repo@sha256:...; never :latest or untagged.",
    reference: "Checkov CKV_K8S_14 / CKV_K8S_43; Kyverno disallow-latest-tag",
  },
  ({ workload }) =>
    containersOf(workload.spec).flatMap(({ label, c }) => {
      const image = str(c.image);
      if (image === undefined) return present(c.image) ? [] : [`${label} has no image.`];
      const ref = parseImage(image);
      if (ref.digest) return [];
      if (ref.tag === undefined) return [`${label} image '${image}' has no tag.`];
      return ref.tag === "latest" ? [`${label} image '${image}' uses the 'latest' tag.`] : [];
    }),
);

/** Images come from allowed registries. */
export const imageAllowedRegistry: ResourceRule = workloadRule(
  {
    name: "k8s-image-allowed-registry",
    area: "kubernetes",
    description: "Container images come from a registry in allowedRegistries (config).",
    severity: "high",
    configKeys: ["allowedRegistries"],
    remediation:
      "Mirror the image into an allowed registry (ECR/Artifact Registry) or add the registry to allowedRegistries.",
    reference: "Kyverno restrict-image-registries; Checkov CKV_K8S_... (trusted registries)",
  },
  ({ workload, config, args }) => {
    if (config.allowedRegistries.length === 0)
      args.notApplicable("allowedRegistries is empty (any registry allowed)");
    return containersOf(workload.spec).flatMap(({ label, c }) => {
      const image = str(c.image);
      if (image === undefined) return [];
      const ref = parseImage(image);
      const full = `${ref.registry}/${ref.repository}`;
      const ok = config.allowedRegistries.some((p) =>
        p.includes("/") ? matchesPathPattern(full, p) : matchesPathPattern(ref.registry, p),
      );
      return ok
        ? []
        : [`${label} image '${image}' is from registry '${ref.registry}', not in allowedRegistries.`];
    });
  },
);

/** Workload resource and image rules. */
export const workloadRules: ResourceRule[] = [
  containerResources,
  gpuResources,
  imagePinned,
  imageAllowedRegistry,
];
