/**
 * Reading KServe `InferenceService` resources (`serving.kserve.io/v1beta1`) from a plan: their
 * components, the pod spec each component runs, its containers and the storage URIs it loads
 * models from.
 *
 * Field paths are those of the InferenceService CRD of kserve/kserve (config/crd/full at aaac4e294,
 * the release with Standard deployment mode and `spec.canary`):
 * - `spec.predictor`, `spec.transformer`, `spec.explainer` and each `spec.canary[].predictor` are
 *   pod specs (securityContext, volumes, hostNetwork, containers, initContainers, ...) plus
 *   KServe's fields (minReplicas, maxReplicas, storageUris, logger, ...);
 * - the predictor's model container is `model` (a container plus modelFormat, runtime and
 *   storageUri) or one of the older framework fields (`sklearn`, `xgboost`, ...), the explainer's
 *   is `art`; a multi-node predictor has a second pod spec, `workerSpec`;
 * - models come from `storageUri` (model / framework / art), `storageUris[].uri`, or a custom
 *   container's `STORAGE_URI` environment variable (kserve `pkg/constants/constants.go`
 *   `CustomSpecStorageUriEnvVarKey`), each downloaded by KServe's storage initializer.
 */
import type { NamedContainer } from "./workload";
import { dig, rec, recs, str } from "../util";

/** `kubernetes:serving.kserve.io/v1beta1:InferenceService`. */
export const INFERENCE_SERVICE = "kubernetes:serving.kserve.io/v1beta1:InferenceService";

/** What the offline plan writes for a value only known after apply (see plan/values.ts). */
const UNKNOWN_VALUE = "[unknown]";

/** The value as a known string: not a masked secret and not an unknown output. */
export function knownStr(v: unknown): string | undefined {
  const s = str(v);
  return s === UNKNOWN_VALUE ? undefined : s;
}

/** The predictor fields that hold the model server container (`model` or a framework). */
export const PREDICTOR_MODEL_FIELDS: readonly string[] = [
  "model",
  "sklearn",
  "xgboost",
  "tensorflow",
  "pytorch",
  "triton",
  "onnx",
  "huggingface",
  "pmml",
  "lightgbm",
  "paddle",
];
/** The explainer fields that hold the explainer container. */
const EXPLAINER_MODEL_FIELDS: readonly string[] = ["art"];

/** One component of an InferenceService. */
export interface ServingComponent {
  /** Path in the resource, e.g. `spec.predictor` or `spec.canary[0].predictor`. */
  path: string;
  role: "predictor" | "transformer" | "explainer";
  /** A canary predictor (`spec.canary[]`): runs a fixed number of replicas next to the predictor. */
  canary: boolean;
  spec: Record<string, unknown>;
}

/** The components an InferenceService spec declares. */
export function servingComponents(spec: Record<string, unknown>): ServingComponent[] {
  const out: ServingComponent[] = [];
  for (const role of ["predictor", "transformer", "explainer"] as const) {
    const c = rec(spec[role]);
    if (c) out.push({ path: `spec.${role}`, role, canary: false, spec: c });
  }
  recs(spec.canary).forEach((canary, i) => {
    const c = rec(canary.predictor);
    if (c) out.push({ path: `spec.canary[${i}].predictor`, role: "predictor", canary: true, spec: c });
  });
  return out;
}

/** A pod a component runs: its pod-level fields and every container the InferenceService writes. */
export interface ServingPod {
  /** Path of the pod spec, e.g. `spec.predictor` or `spec.predictor.workerSpec`. */
  path: string;
  pod: Record<string, unknown>;
  containers: NamedContainer[];
}

function listed(path: string, spec: Record<string, unknown>): NamedContainer[] {
  const out: NamedContainer[] = [];
  for (const field of ["containers", "initContainers", "ephemeralContainers"]) {
    recs(spec[field]).forEach((c, i) =>
      out.push({
        label: `${path}.${field}[${i}] (${str(c.name) ?? "?"})`,
        init: field !== "containers",
        ephemeral: field === "ephemeralContainers",
        c,
      }),
    );
  }
  return out;
}

/**
 * The pods of a component: the component's own (model / framework / art container first, then
 * `containers`, `initContainers`) and a multi-node predictor's `workerSpec`. The containers KServe
 * injects itself (storage initializer, logger/batcher agent) come from the platform's
 * configuration, not from the InferenceService.
 */
export function servingPods(component: ServingComponent): ServingPod[] {
  const fields = component.role === "explainer" ? EXPLAINER_MODEL_FIELDS : PREDICTOR_MODEL_FIELDS;
  const modelContainers: NamedContainer[] = fields.flatMap((field) => {
    const c = rec(component.spec[field]);
    return c ? [{ label: `${component.path}.${field}`, init: false, ephemeral: false, c }] : [];
  });
  const pods: ServingPod[] = [
    {
      path: component.path,
      pod: component.spec,
      containers: [...modelContainers, ...listed(component.path, component.spec)],
    },
  ];
  const worker = rec(component.spec.workerSpec);
  if (worker) {
    const path = `${component.path}.workerSpec`;
    pods.push({ path, pod: worker, containers: listed(path, worker) });
  }
  return pods;
}

/** A storage URI an InferenceService loads a model from, with where it is written. */
export interface StorageUriRef {
  path: string;
  uri: string;
}

/** Every known storage URI of an InferenceService spec. */
export function storageUris(spec: Record<string, unknown>): StorageUriRef[] {
  const out: StorageUriRef[] = [];
  const add = (path: string, v: unknown): void => {
    const uri = knownStr(v);
    if (uri !== undefined) out.push({ path, uri });
  };
  for (const component of servingComponents(spec)) {
    const fields = component.role === "explainer" ? EXPLAINER_MODEL_FIELDS : PREDICTOR_MODEL_FIELDS;
    for (const field of fields)
      add(`${component.path}.${field}.storageUri`, dig(component.spec, field, "storageUri"));
    recs(component.spec.storageUris).forEach((s, i) => add(`${component.path}.storageUris[${i}].uri`, s.uri));
    for (const { label, c } of listed(component.path, component.spec)) {
      for (const env of recs(c.env))
        if (str(env.name) === "STORAGE_URI") add(`${label} env STORAGE_URI`, env.value);
    }
  }
  return out;
}

/** The InferenceService label that keeps KServe from creating an Ingress for it. */
export const VISIBILITY_LABEL = "networking.kserve.io/visibility";
/** Its value for a cluster-internal InferenceService. */
export const CLUSTER_LOCAL = "cluster-local";
/** The ingress domain that makes every InferenceService cluster-internal (`constants.ClusterLocalDomain`). */
export const CLUSTER_LOCAL_DOMAIN = "svc.cluster.local";
