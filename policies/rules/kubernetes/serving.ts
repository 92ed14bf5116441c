/**
 * Model serving rules (issue 11): KServe `InferenceService` resources with resource limits, HA in
 * prod, models only from the platform's object stores and never over plain HTTP, Pod Security
 * "restricted" for the serving pods and their namespaces, and no serving workload exposed without
 * TLS and authentication. How the InferenceService is read: `./kserve.ts`.
 */
import * as k8s from "@pulumi/kubernetes";
import type { PolicyResource, ResourceValidation } from "@pulumi/policy";
import { ruleConfig } from "../../config";
import {
  ALWAYS_MANDATORY,
  MANDATORY_IN_PROD,
  MANDATORY_OUTSIDE_DEV,
  classPulumiType,
  onlyForTypes,
  resourceRule,
  stackRule,
  type ResourceRule,
  type StackRule,
} from "../types";
import { dig, num, onlyIn, present, rec, recs, str, stringMap } from "../util";
import { goTruthy, helmInstallOf, HELM_TYPES } from "./helm";
import { ingressBackends } from "./ingress";
import {
  CLUSTER_LOCAL,
  CLUSTER_LOCAL_DOMAIN,
  INFERENCE_SERVICE,
  VISIBILITY_LABEL,
  knownStr,
  servingComponents,
  servingPods,
  storageUris,
} from "./kserve";
import { KEDA_SCALED_OBJECT } from "./keda";
import { ingressAuthentication } from "./monitoring";
import { POD_SECURITY_RESTRICTED_CHECKS } from "./pod-security";

const GPU = "nvidia.com/gpu";

/** Runs `check` on the spec of an InferenceService. */
function onInferenceService(
  check: (
    spec: Record<string, unknown>,
    report: (m: string) => void,
    args: Parameters<ResourceValidation>[0],
  ) => void,
): ResourceValidation {
  return onlyForTypes([INFERENCE_SERVICE], "not a KServe InferenceService", (args, report) => {
    check(rec(dig(args.props, "spec")) ?? {}, report, args);
  });
}

// ---------- resources ----------

/** Every serving container sets requests and a memory limit. */
export const inferenceServiceResources: ResourceRule = resourceRule(
  {
    name: "k8s-inferenceservice-resources",
    area: "kubernetes",
    description:
      "Every container an InferenceService declares (the predictor's model or framework container, canary predictors, transformer, explainer, their containers, initContainers and a multi-node workerSpec) sets cpu and memory requests and a memory limit (or the component's pod-level resources do), and nvidia.com/gpu only as a limit (requests equal to it). Without them KServe silently applies its configured defaults (1 CPU, 2Gi in the kserve-resources chart), too small for most models and invisible in the plan.",
    severity: "medium",
    enforcement: MANDATORY_OUTSIDE_DEV,
    remediation:
      'Set resources.requests.cpu, resources.requests.memory and resources.limits.memory on spec.predictor.model (and every other serving container); GPUs as resources.limits["nvidia.com/gpu"].',
    reference:
      "Checkov CKV_K8S_10-13 / Kyverno require-requests-limits applied to KServe InferenceService containers; KServe inferenceservice-config `resource` defaults; Kubernetes 'Schedule GPUs'",
    resourceTypes: [INFERENCE_SERVICE],
  },
  onInferenceService((spec, report) => {
    for (const component of servingComponents(spec)) {
      for (const { pod, containers } of servingPods(component)) {
        const podRequests = rec(dig(pod, "resources", "requests")) ?? {};
        const podLimits = rec(dig(pod, "resources", "limits")) ?? {};
        for (const { label, c } of containers.filter((x) => !x.ephemeral)) {
          const requests = rec(dig(c, "resources", "requests")) ?? {};
          const limits = rec(dig(c, "resources", "limits")) ?? {};
          const missing = [
            ...(["cpu", "memory"] as const)
              .filter((k) => !present(requests[k]) && !present(podRequests[k]))
              .map((k) => `requests.${k}`),
            ...(present(limits.memory) || present(podLimits.memory) ? [] : ["limits.memory"]),
          ];
          if (missing.length > 0) report(`${label} is missing ${missing.join(", ")}.`);
          const gpuRequest = requests[GPU];
          const gpuLimit = limits[GPU];
          if (present(gpuRequest) && !present(gpuLimit)) report(`${label} requests ${GPU} without a limit.`);
          else if (present(gpuRequest) && String(gpuRequest) !== String(gpuLimit))
            report(`${label} has ${GPU} requests (${String(gpuRequest)}) != limits (${String(gpuLimit)}).`);
        }
      }
    }
  }),
);

// ---------- prod HA ----------

/** KServe's minReplicas when unset (`constants.DefaultMinReplicas`, kserve pkg/constants/constants.go). */
export const KSERVE_DEFAULT_MIN_REPLICAS = 1;

/** KEDA's minReplicaCount when unset (KEDA docs, ScaledObject specification: default 0). */
export const KEDA_DEFAULT_MIN_REPLICA_COUNT = 0;

/** A KServe component's Deployment (`<name>-predictor`, `-transformer`, `-explainer`, Standard mode). */
const SERVING_DEPLOYMENT = /-(predictor|transformer|explainer)$/;

/** Prod InferenceServices keep at least two replicas of every component on the request path. */
export const inferenceServiceProdMinReplicas: ResourceRule = resourceRule(
  {
    name: "k8s-inferenceservice-prod-min-replicas",
    area: "kubernetes",
    description:
      "In prod, an InferenceService's predictor, transformer and explainer run at least 2 replicas (minReplicas >= 2; unset means KServe's default of 1), and so does a KEDA ScaledObject that scales a KServe component's Deployment (<name>-predictor, -transformer, -explainer; minReplicaCount unset means KEDA's default of 0): one replica is a single point of failure during node drains and rollouts, and 0 (scale to zero) makes the first request wait for a cold start, which Standard mode does not buffer. Canary predictors run a fixed share and are not checked.",
    severity: "high",
    enforcement: MANDATORY_IN_PROD,
    remediation:
      "Set minReplicas: 2 (or more) on spec.predictor, spec.transformer and spec.explainer in prod (and minReplicaCount: 2 on the ScaledObject when KEDA owns the replicas), with a PodDisruptionBudget and a zone topology spread.",
    reference:
      "KServe InferenceService ComponentExtensionSpec minReplicas (constants.DefaultMinReplicas = 1); KEDA ScaledObject minReplicaCount (default 0); Kubernetes 'Configure a PodDisruptionBudget'",
    resourceTypes: [INFERENCE_SERVICE, KEDA_SCALED_OBJECT],
  },
  onlyForTypes([INFERENCE_SERVICE, KEDA_SCALED_OBJECT], "not a KServe InferenceService", (args, report) => {
    if (args.type === KEDA_SCALED_OBJECT) {
      const target = knownStr(dig(args.props, "spec", "scaleTargetRef", "name"));
      if (target === undefined || !SERVING_DEPLOYMENT.test(target))
        return args.notApplicable("the ScaledObject does not scale a KServe component's Deployment");
      onlyIn(args, ruleConfig(args).environment, ["prod"]);
      const raw = dig(args.props, "spec", "minReplicaCount");
      if (raw !== undefined && num(raw) === undefined) return; // unknown until apply
      const min = num(raw) ?? KEDA_DEFAULT_MIN_REPLICA_COUNT;
      if (min < 2)
        report(
          `spec.minReplicaCount of the ScaledObject for '${target}' is ${raw === undefined ? `not set (KEDA scales to ${KEDA_DEFAULT_MIN_REPLICA_COUNT})` : String(min)}: prod serving needs at least 2 replicas.`,
        );
      return;
    }
    if (args.type !== INFERENCE_SERVICE) return args.notApplicable("not a KServe InferenceService");
    onlyIn(args, ruleConfig(args).environment, ["prod"]);
    const spec = rec(dig(args.props, "spec")) ?? {};
    for (const component of servingComponents(spec).filter((c) => !c.canary)) {
      const raw = component.spec.minReplicas;
      if (raw !== undefined && num(raw) === undefined) continue; // unknown until apply
      const min = num(raw) ?? KSERVE_DEFAULT_MIN_REPLICAS;
      if (min < 2)
        report(
          `${component.path}.minReplicas is ${raw === undefined ? `not set (KServe runs ${KSERVE_DEFAULT_MIN_REPLICAS})` : String(min)}: prod serving needs at least 2 replicas.`,
        );
    }
  }),
);

// ---------- storage URIs ----------

/**
 * URI schemes of the platform's object stores: `s3://` (Amazon S3 on aws, MinIO on local, which
 * the toolkit addresses as `s3://<bucket>` with an endpoint override: components/adapters/local/minio.ts)
 * and `gs://` (Cloud Storage on gcp).
 */
export const PLATFORM_STORE_SCHEMES: readonly string[] = ["s3", "gs"];

/** Why a storage URI is not on one of the platform's object stores, or undefined when it is. */
export function storageUriProblem(uri: string): string | undefined {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/]*)/.exec(uri);
  if (!m) return "is not a URI with a scheme (s3://<bucket>/<path> or gs://<bucket>/<path>)";
  const scheme = (m[1] ?? "").toLowerCase();
  if (PLATFORM_STORE_SCHEMES.includes(scheme)) return (m[2] ?? "") === "" ? "names no bucket" : undefined;
  if (scheme === "https")
    return "downloads the model from an HTTPS URL, outside the platform's object stores (no access control or audit by the platform, contents can change under the same URL)";
  return `uses ${scheme}://, not one of the platform's object stores (${PLATFORM_STORE_SCHEMES.map((s) => `${s}://`).join(", ")})`;
}

/** Models come from the platform's object stores. */
export const inferenceServiceStoragePlatformStore: ResourceRule = resourceRule(
  {
    name: "k8s-inferenceservice-storage-platform-store",
    area: "kubernetes",
    description:
      "Every model an InferenceService loads (storageUri of the model / framework / art container, storageUris[].uri, a custom container's STORAGE_URI) is on one of the platform's object stores: an s3:// (S3, MinIO on local) or gs:// URI naming a bucket, read with the serving identity's read-only grant. https:// URLs, hf://, oci://, pvc:// and every other scheme are refused (plain http:// is reported by k8s-inferenceservice-storage-plain-http).",
    severity: "high",
    enforcement: MANDATORY_OUTSIDE_DEV,
    remediation:
      "Register the model in the model registry and serve its artifact URI (s3://<bucket>/<path> or gs://<bucket>/<path>); copy models from public hubs into the registry's store first. A deliberate exception (e.g. a pvc:// model cache) takes a recorded exemption with its reason.",
    reference:
      "KServe storage initializer (supported URI schemes: s3, gs, https, hf, pvc, oci, hdfs, ...); OWASP ML Top 10 ML06 (AI supply chain attacks)",
    resourceTypes: [INFERENCE_SERVICE],
  },
  onInferenceService((spec, report) => {
    for (const { path, uri } of storageUris(spec)) {
      if (/^http:\/\//i.test(uri)) continue; // k8s-inferenceservice-storage-plain-http
      const problem = storageUriProblem(uri);
      if (problem) report(`${path} '${uri}' ${problem}.`);
    }
  }),
);

/** No model over plain HTTP. */
export const inferenceServiceStoragePlainHttp: ResourceRule = resourceRule(
  {
    name: "k8s-inferenceservice-storage-plain-http",
    area: "kubernetes",
    description:
      "No InferenceService downloads a model over plain http://: anyone on the path can replace the artifact, and serialized models (pickle, joblib, MLflow pyfunc) run code when loaded.",
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    remediation:
      "Serve the model from the registry's object store (s3:// or gs://, fetched over TLS by the storage initializer).",
    reference:
      "CWE-494 (download of code without integrity check); CWE-319 (cleartext transmission); KServe storage initializer",
    resourceTypes: [INFERENCE_SERVICE],
  },
  onInferenceService((spec, report) => {
    for (const { path, uri } of storageUris(spec))
      if (/^http:\/\//i.test(uri))
        report(`${path} '${uri}' downloads the model over plain HTTP (no integrity, no confidentiality).`);
  }),
);

// ---------- Pod Security ----------

/** Serving pods meet Pod Security "restricted". */
export const inferenceServicePodSecurity: ResourceRule = resourceRule(
  {
    name: "k8s-inferenceservice-pod-security",
    area: "kubernetes",
    description:
      'The pods an InferenceService declares (predictor, canary predictors, transformer, explainer, a multi-node workerSpec) meet Pod Security "restricted" in the InferenceService itself: runAsNonRoot, no UID 0, allowPrivilegeEscalation false, drop ALL capabilities, RuntimeDefault/Localhost seccomp, no privileged container, host namespaces, hostPath volumes or host ports. The serving runtime\'s own defaults are not in the plan (and set no seccomp profile), so the InferenceService states them.',
    severity: "high",
    enforcement: MANDATORY_OUTSIDE_DEV,
    remediation:
      'Set securityContext: { runAsNonRoot: true, runAsUser: <non-zero>, seccompProfile: { type: RuntimeDefault } } on spec.predictor (and the other components) and securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } on the model container and every other container.',
    reference:
      'Kubernetes Pod Security Standards, "restricted" and "baseline" profiles; the k8s-run-as-non-root ... k8s-no-host-ports checks applied to KServe components',
    resourceTypes: [INFERENCE_SERVICE],
  },
  onInferenceService((spec, report) => {
    for (const component of servingComponents(spec)) {
      for (const { path, pod, containers } of servingPods(component)) {
        for (const check of POD_SECURITY_RESTRICTED_CHECKS) {
          for (const finding of check(pod, containers))
            report(finding.startsWith(`${path}.`) ? finding : `${path}: ${finding}`);
        }
      }
    }
  }),
);

const NAMESPACE = classPulumiType(k8s.core.v1.Namespace);
const PSA_ENFORCE = "pod-security.kubernetes.io/enforce";

/** The namespace of a resource's props (`default` when unset), or undefined when unknown. */
function resourceNamespace(r: PolicyResource): string | undefined {
  const ns = dig(r.props, "metadata", "namespace");
  if (ns === undefined) return "default";
  return knownStr(ns);
}

/** Namespaces that run InferenceServices enforce Pod Security "restricted". */
export const servingNamespaceRestricted: StackRule = stackRule(
  {
    name: "k8s-serving-namespace-restricted",
    area: "kubernetes",
    description:
      'Every Namespace of the stack that runs an InferenceService enforces Pod Security "restricted" (label pod-security.kubernetes.io/enforce: restricted), so the pods KServe creates (including its injected storage initializer and agent) are admitted only when they meet it. Namespaces outside the stack are not checked.',
    severity: "high",
    enforcement: MANDATORY_OUTSIDE_DEV,
    remediation:
      "Create the serving namespace with RestrictedNamespace (components/shared) without a baseline exception: labels pod-security.kubernetes.io/enforce: restricted (plus audit and warn).",
    reference: "Kubernetes Pod Security Admission (namespace labels); Pod Security Standards, restricted",
    resourceTypes: [NAMESPACE, INFERENCE_SERVICE],
  },
  (args, report) => {
    const byNamespace = new Map<string, string[]>();
    for (const isvc of args.resources.filter((r) => r.type === INFERENCE_SERVICE)) {
      const ns = resourceNamespace(isvc);
      if (ns === undefined) continue;
      const name = knownStr(dig(isvc.props, "metadata", "name")) ?? isvc.name;
      byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), name]);
    }
    for (const ns of args.resources.filter((r) => r.type === NAMESPACE)) {
      const name = knownStr(dig(ns.props, "metadata", "name"));
      const services = name === undefined ? undefined : byNamespace.get(name);
      if (!services) continue;
      const level = stringMap(dig(ns.props, "metadata", "labels"))[PSA_ENFORCE];
      if (level === "restricted") continue;
      report(
        `Namespace '${name ?? ""}' runs InferenceService ${services.map((s) => `'${s}'`).join(", ")} but ${level === undefined ? `has no ${PSA_ENFORCE} label (the cluster default applies, usually privileged)` : `enforces '${level}'`}, not 'restricted'.`,
        ns.urn,
      );
    }
  },
);

// ---------- exposure ----------

const INGRESS = classPulumiType(k8s.networking.v1.Ingress);
/** Gateway API kinds (gateway.networking.k8s.io/v1). */
export const HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
export const GRPC_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:GRPCRoute";
export const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
/** GKE's policy for a Gateway backend Service (IAP among others), networking.gke.io/v1. */
export const GCP_BACKEND_POLICY = "kubernetes:networking.gke.io/v1:GCPBackendPolicy";

/** GKE Ingress's per-backend settings (IAP among others), cloud.google.com/v1. */
export const BACKEND_CONFIG = "kubernetes:cloud.google.com/v1:BackendConfig";
const SERVICE = classPulumiType(k8s.core.v1.Service);
/** The Service annotation naming a GKE Ingress backend's BackendConfig. */
const BACKEND_CONFIG_ANNOTATION = "cloud.google.com/backend-config";

const ALB = "alb.ingress.kubernetes.io";
const INGRESS_AUTH_HINT =
  "nginx.ingress.kubernetes.io/auth-url, nginx.ingress.kubernetes.io/auth-type basic|digest with auth-secret, alb.ingress.kubernetes.io/auth-type cognito|oidc, or for a GKE Ingress a BackendConfig with iap.enabled named by the backend's cloud.google.com/backend-config annotation";

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A KServe InferenceService of the plan, with the Services KServe names after it. */
interface PlannedInferenceService {
  resource: PolicyResource;
  name: string | undefined;
  namespace: string | undefined;
  /** Matches `<name>-predictor`, `-transformer`, `-explainer` (and suffixed forms such as `-default`). */
  services: RegExp | undefined;
}

function plannedInferenceServices(resources: readonly PolicyResource[]): PlannedInferenceService[] {
  return resources
    .filter((r) => r.type === INFERENCE_SERVICE)
    .map((resource) => {
      const name = knownStr(dig(resource.props, "metadata", "name"));
      return {
        resource,
        name,
        namespace: resourceNamespace(resource),
        services:
          name === undefined
            ? undefined
            : new RegExp(`^${escapeRegExp(name)}-(predictor|transformer|explainer)(-[a-z0-9-]+)?$`),
      };
    });
}

/** The serving backends of a route or Ingress: Service names that belong to a planned InferenceService. */
function servingBackends(
  r: PolicyResource,
  names: readonly string[],
  services: readonly PlannedInferenceService[],
): string[] {
  const ns = resourceNamespace(r);
  const byName = names.filter((n) =>
    services.some((s) => s.namespace === ns && s.services !== undefined && s.services.test(n)),
  );
  if (byName.length > 0) return byName;
  // A backend named from an InferenceService's output (unknown until apply) still points at it.
  const dependsOn = services.filter((s) => r.dependencies.some((d) => d.urn === s.resource.urn));
  return dependsOn.length > 0 ? dependsOn.map((s) => `${s.name ?? s.resource.name}-*`) : [];
}

function routeBackendNames(spec: Record<string, unknown>): string[] {
  return recs(spec.rules).flatMap((rule) =>
    recs(rule.backendRefs)
      .filter((b) => (str(b.kind) ?? "Service") === "Service" && (str(b.group) ?? "") === "")
      .flatMap((b) => {
        const name = str(b.name);
        return name === undefined ? [] : [name];
      }),
  );
}

/** The IngressClass of an Ingress (spec or the legacy annotation). */
function ingressClass(
  spec: Record<string, unknown>,
  annotations: Record<string, string>,
): string | undefined {
  return str(spec.ingressClassName) ?? annotations["kubernetes.io/ingress.class"];
}

/** TLS and plain-HTTP findings of an Ingress, per class. */
function ingressTlsFindings(spec: Record<string, unknown>, annotations: Record<string, string>): string[] {
  const cls = ingressClass(spec, annotations);
  const out: string[] = [];
  const secretTls = recs(spec.tls).some((t) => present(t.secretName));
  const albCert = present(annotations[`${ALB}/certificate-arn`]);
  const gkeCert =
    present(annotations["networking.gke.io/managed-certificates"]) ||
    present(annotations["ingress.gcp.kubernetes.io/pre-shared-cert"]);
  if (!secretTls && !albCert && !gkeCert)
    out.push(
      "has no TLS (spec.tls with a secretName, alb.ingress.kubernetes.io/certificate-arn or a GKE managed/pre-shared certificate)",
    );
  if (cls === "alb") {
    let ports: unknown;
    try {
      ports = JSON.parse(annotations[`${ALB}/listen-ports`] ?? "[]");
    } catch {
      ports = [];
    }
    const http = recs(ports).some((p) => p.HTTP !== undefined);
    if (http && annotations[`${ALB}/ssl-redirect`] === undefined)
      out.push("listens on plain HTTP (alb.ingress.kubernetes.io/listen-ports) without ssl-redirect");
  } else if (cls === "gce" || cls === "gce-internal") {
    if (annotations["kubernetes.io/ingress.allow-http"] !== "false")
      out.push('also serves plain HTTP (set kubernetes.io/ingress.allow-http: "false")');
  } else if (
    annotations["nginx.ingress.kubernetes.io/ssl-redirect"] === "false" &&
    annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] !== "true"
  ) {
    out.push("serves plain HTTP (nginx.ingress.kubernetes.io/ssl-redirect is false)");
  }
  return out;
}

/** BackendConfig names of a `cloud.google.com/backend-config` annotation (`default` and per port). */
function backendConfigNames(annotation: string | undefined): string[] {
  if (annotation === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotation);
  } catch {
    return [];
  }
  const v = rec(parsed) ?? {};
  const ports = rec(v.ports) ?? {};
  return [v.default, ...Object.values(ports)].flatMap((n) => {
    const name = str(n);
    return name === undefined ? [] : [name];
  });
}

/**
 * GKE Ingress authentication of one backend Service: the annotations KServe copies from the
 * InferenceService onto its Services (or a planned Service of that name) name a BackendConfig of
 * the stack, in the same namespace, with `spec.iap.enabled: true`, for every port they name.
 */
function gkeIapProtects(
  backend: string,
  ns: string | undefined,
  services: readonly PlannedInferenceService[],
  resources: readonly PolicyResource[],
): boolean {
  const isvc = services.find(
    (s) =>
      s.namespace === ns &&
      ((s.services !== undefined && s.services.test(backend)) ||
        `${s.name ?? s.resource.name}-*` === backend),
  );
  const svc = resources.find(
    (r) =>
      r.type === SERVICE &&
      resourceNamespace(r) === ns &&
      knownStr(dig(r.props, "metadata", "name")) === backend,
  );
  const owner = svc ?? isvc?.resource;
  if (!owner) return false;
  const names = backendConfigNames(
    stringMap(dig(owner.props, "metadata", "annotations"))[BACKEND_CONFIG_ANNOTATION],
  );
  if (names.length === 0) return false;
  return names.every((name) =>
    resources.some(
      (r) =>
        r.type === BACKEND_CONFIG &&
        resourceNamespace(r) === ns &&
        knownStr(dig(r.props, "metadata", "name")) === name &&
        dig(r.props, "spec", "iap", "enabled") === true,
    ),
  );
}

/**
 * Authentication findings of an Ingress routing to serving backends: annotations (ingress-nginx,
 * ALB) or, on a GKE class, IAP on every backend; an ALB that lets unauthenticated requests through
 * (`auth-on-unauthenticated-request: allow`) does not count.
 */
function ingressAuthFindings(
  ing: PolicyResource,
  spec: Record<string, unknown>,
  annotations: Record<string, string>,
  backends: readonly string[],
  services: readonly PlannedInferenceService[],
  resources: readonly PolicyResource[],
): string[] {
  const auth = ingressAuthentication(annotations);
  if (auth !== undefined) {
    if (auth.startsWith("ALB") && annotations[`${ALB}/auth-on-unauthenticated-request`] === "allow")
      return [
        `lets unauthenticated requests through (${ALB}/auth-on-unauthenticated-request: allow; use authenticate or deny)`,
      ];
    return [];
  }
  const cls = ingressClass(spec, annotations);
  if (cls === "gce" || cls === "gce-internal") {
    const ns = resourceNamespace(ing);
    const open = backends.filter((b) => !gkeIapProtects(b, ns, services, resources));
    if (open.length === 0) return [];
  }
  return [`has no authentication (${INGRESS_AUTH_HINT})`];
}

/**
 * True when a KServe chart in the plan keeps KServe from creating an Ingress per InferenceService:
 * `kserve.controller.gateway.disableIngressCreation`, or the cluster-local ingress domain
 * (`gateway.domain: svc.cluster.local`, which the reconciler treats like the cluster-local label).
 */
function kserveIngressCreationDisabled(resources: readonly PolicyResource[]): boolean {
  return resources.some((r) => {
    const h = helmInstallOf(r.type, r.props, r.name);
    if (!h || (h.chart !== "kserve" && h.chart !== "kserve-resources")) return false;
    const gateway = dig(h.values, "kserve", "controller", "gateway");
    return (
      goTruthy(dig(gateway, "disableIngressCreation")) || str(dig(gateway, "domain")) === CLUSTER_LOCAL_DOMAIN
    );
  });
}

/** Serving workloads are exposed only with TLS and authentication. */
export const servingExposureTlsAuth: StackRule = stackRule(
  {
    name: "k8s-serving-exposure-tls-auth",
    area: "kubernetes",
    description:
      "A model endpoint is never exposed without TLS and authentication: every InferenceService is labelled networking.kserve.io/visibility: cluster-local (else KServe's Standard mode creates its own Ingress for it, without TLS or authentication, unless the stack's KServe chart sets kserve.controller.gateway.disableIngressCreation or the cluster-local domain); an Ingress routing to an InferenceService's Services serves HTTPS only (TLS Secret, ACM or GKE certificate; no plain HTTP listener) and authenticates (nginx auth-url/basic, ALB cognito/oidc never letting unauthenticated requests through, or on a GKE Ingress a BackendConfig with IAP enabled named by the backend's cloud.google.com/backend-config annotation); a Gateway API HTTPRoute/GRPCRoute to them attaches only to HTTPS/TLS listeners of a Gateway in the stack and each backend has a GKE GCPBackendPolicy with IAP enabled.",
    severity: "high",
    enforcement: ALWAYS_MANDATORY,
    remediation:
      "Label every InferenceService networking.kserve.io/visibility: cluster-local and expose it through the platform's ingress: an Ingress with spec.tls (or the ALB's ACM certificate and HTTPS-only listener) and authentication annotations (or, on GKE, a BackendConfig enabling IAP named by the backend Service's cloud.google.com/backend-config annotation), or an HTTPRoute on an HTTPS Gateway listener with a GCPBackendPolicy enabling IAP. An endpoint authenticated another way (mTLS mesh, the model server itself) takes a recorded exemption with its reason.",
    reference:
      "KServe raw/Standard ingress reconciler (kube_ingress_reconciler.go: cluster-local label, disableIngressCreation); OWASP API Security Top 10 API2 (broken authentication); CWE-319",
    resourceTypes: [
      INFERENCE_SERVICE,
      INGRESS,
      SERVICE,
      BACKEND_CONFIG,
      HTTP_ROUTE,
      GRPC_ROUTE,
      GATEWAY,
      GCP_BACKEND_POLICY,
      ...HELM_TYPES,
    ],
  },
  (args, report) => {
    const services = plannedInferenceServices(args.resources);
    if (services.length === 0) return;
    if (!kserveIngressCreationDisabled(args.resources)) {
      for (const s of services) {
        const labels = stringMap(dig(s.resource.props, "metadata", "labels"));
        if (labels[VISIBILITY_LABEL] === CLUSTER_LOCAL) continue;
        report(
          `InferenceService '${s.namespace ?? "?"}/${s.name ?? s.resource.name}' is not labelled ${VISIBILITY_LABEL}: ${CLUSTER_LOCAL}: KServe creates an Ingress for it with no TLS and no authentication (copying its annotations).`,
          s.resource.urn,
        );
      }
    }
    for (const ing of args.resources.filter((r) => r.type === INGRESS)) {
      const spec = rec(dig(ing.props, "spec")) ?? {};
      const backends = servingBackends(
        ing,
        ingressBackends(spec).map((b) => b.name),
        services,
      );
      if (backends.length === 0) continue;
      const annotations = stringMap(dig(ing.props, "metadata", "annotations"));
      const to = `Ingress '${ing.name}' routes to serving workload ${backends.map((b) => `'${b}'`).join(", ")} but`;
      for (const f of ingressTlsFindings(spec, annotations)) report(`${to} ${f}.`, ing.urn);
      for (const f of ingressAuthFindings(ing, spec, annotations, backends, services, args.resources))
        report(`${to} ${f}.`, ing.urn);
    }
    const gateways = args.resources.filter((r) => r.type === GATEWAY);
    const policies = args.resources.filter((r) => r.type === GCP_BACKEND_POLICY);
    for (const route of args.resources.filter((r) => r.type === HTTP_ROUTE || r.type === GRPC_ROUTE)) {
      const spec = rec(dig(route.props, "spec")) ?? {};
      const backends = servingBackends(route, routeBackendNames(spec), services);
      if (backends.length === 0) continue;
      const ns = resourceNamespace(route);
      const to = `${route.type.split(":").pop() ?? "Route"} '${route.name}' routes to serving workload ${backends.map((b) => `'${b}'`).join(", ")} but`;
      for (const parent of recs(spec.parentRefs)) {
        if ((str(parent.kind) ?? "Gateway") !== "Gateway") continue;
        const gwName = str(parent.name) ?? "?";
        const gwNs = str(parent.namespace) ?? ns;
        const gw = gateways.find(
          (g) => knownStr(dig(g.props, "metadata", "name")) === gwName && resourceNamespace(g) === gwNs,
        );
        if (!gw) {
          report(
            `${to} its parent Gateway '${gwNs ?? "?"}/${gwName}' is not in this stack: TLS cannot be verified.`,
            route.urn,
          );
          continue;
        }
        const section = str(parent.sectionName);
        const listeners = recs(dig(gw.props, "spec", "listeners")).filter(
          (l) => section === undefined || str(l.name) === section,
        );
        for (const l of listeners) {
          const protocol = str(l.protocol) ?? "?";
          if (protocol !== "HTTPS" && protocol !== "TLS")
            report(
              `${to} attaches to listener '${str(l.name) ?? "?"}' of Gateway '${gwNs ?? "?"}/${gwName}', which serves ${protocol}, not HTTPS.`,
              route.urn,
            );
        }
      }
      for (const backend of backends) {
        const iap = policies.some((p) => {
          const target = rec(dig(p.props, "spec", "targetRef")) ?? {};
          return (
            resourceNamespace(p) === ns &&
            str(target.kind) === "Service" &&
            str(target.name) === backend &&
            dig(p.props, "spec", "default", "iap", "enabled") === true
          );
        });
        if (!iap)
          report(
            `${to} backend '${backend}' has no authentication this rule can verify (a GCPBackendPolicy targeting the Service with spec.default.iap.enabled: true).`,
            route.urn,
          );
      }
    }
  },
);

/** The model serving rules. */
export const servingRules: (ResourceRule | StackRule)[] = [
  inferenceServiceResources,
  inferenceServiceProdMinReplicas,
  inferenceServiceStoragePlatformStore,
  inferenceServiceStoragePlainHttp,
  inferenceServicePodSecurity,
  servingNamespaceRestricted,
  servingExposureTlsAuth,
];
