/**
 * Model serving fixtures: a KServe InferenceService that meets every serving rule (the shape the
 * ModelServing component is meant to write: cluster-local, restricted pods, resources, an s3://
 * model, two replicas), its namespace, and KEDA ScaledObjects.
 */
import type { TestResource } from "./helpers";

const labels = { owner: "ml", "cost-center": "42", environment: "prod", "data-classification": "internal" };

/** The restricted container securityContext. */
export const restrictedContainer = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  runAsNonRoot: true,
};

/** The restricted pod securityContext. */
export const restrictedPod = {
  runAsNonRoot: true,
  runAsUser: 1000,
  seccompProfile: { type: "RuntimeDefault" },
};

/** Requests and a memory limit. */
export const resources = {
  requests: { cpu: "500m", memory: "1Gi" },
  limits: { memory: "2Gi" },
};

/** A compliant InferenceService spec (MLflow model on MLServer, protocol v2, from S3). */
export function inferenceServiceSpec(): Record<string, unknown> {
  return {
    predictor: {
      minReplicas: 2,
      maxReplicas: 4,
      serviceAccountName: "recommender",
      securityContext: { ...restrictedPod },
      model: {
        modelFormat: { name: "mlflow" },
        protocolVersion: "v2",
        storageUri: "s3://models/recommender/1",
        resources: structuredClone(resources),
        securityContext: structuredClone(restrictedContainer),
      },
    },
  };
}

/** An InferenceService resource `name` in namespace `serving` with `spec` and extra labels. */
export function inferenceService(
  spec: Record<string, unknown> = inferenceServiceSpec(),
  options: { name?: string; namespace?: string; labels?: Record<string, string> } = {},
): TestResource {
  const name = options.name ?? "recommender";
  return {
    type: "kubernetes:serving.kserve.io/v1beta1:InferenceService",
    name,
    props: {
      apiVersion: "serving.kserve.io/v1beta1",
      kind: "InferenceService",
      metadata: {
        name,
        namespace: options.namespace ?? "serving",
        labels: { ...labels, "networking.kserve.io/visibility": "cluster-local", ...options.labels },
      },
      spec,
    },
  };
}

/** {@link inferenceServiceSpec} with `edit` applied. */
export function editedInferenceService(
  edit: (spec: InferenceServiceSpec) => void,
  options: Parameters<typeof inferenceService>[1] = {},
): TestResource {
  const spec = inferenceServiceSpec() as InferenceServiceSpec;
  edit(spec);
  return inferenceService(spec, options);
}

/** The spec shape the edits use. */
export type InferenceServiceSpec = Record<string, unknown> & {
  predictor: Record<string, unknown> & { model: Record<string, unknown> };
};

/** A Namespace `name` with the given Pod Security enforce level (null: no label). */
export function namespace(name: string, enforce: string | null = "restricted"): TestResource {
  return {
    type: "kubernetes:core/v1:Namespace",
    name: `ns-${name}`,
    props: {
      metadata: {
        name,
        labels: {
          ...labels,
          ...(enforce !== null ? { "pod-security.kubernetes.io/enforce": enforce } : {}),
        },
      },
    },
  };
}

/** A KEDA ScaledObject for the predictor with `triggers` (default: a Prometheus trigger with a TriggerAuthentication). */
export function scaledObject(triggers?: Record<string, unknown>[], type = "ScaledObject"): TestResource {
  return {
    type: `kubernetes:keda.sh/v1alpha1:${type}`,
    name: "recommender-scaler",
    props: {
      apiVersion: "keda.sh/v1alpha1",
      kind: type,
      metadata: { name: "recommender", namespace: "serving", labels },
      spec: {
        scaleTargetRef: { name: "recommender-predictor" },
        minReplicaCount: 2,
        maxReplicaCount: 4,
        triggers: triggers ?? [
          {
            type: "prometheus",
            metadata: {
              serverAddress: "https://prometheus.monitoring.svc:9090",
              query: 'sum(rate(mlserver_requests_total{model="recommender"}[1m]))',
              threshold: "10",
              authModes: "bearer",
            },
            authenticationRef: { name: "prometheus-auth" },
          },
        ],
      },
    },
  };
}

/** A Prometheus trigger with `metadata` merged over a plain one. */
export function prometheusTrigger(metadata: Record<string, string>): Record<string, unknown> {
  return {
    type: "prometheus",
    metadata: {
      serverAddress: "http://prometheus.monitoring.svc:9090",
      query: "sum(up)",
      threshold: "10",
      ...metadata,
    },
  };
}

/** An Ingress `name` in namespace `serving` routing `host` to `service`. */
export function servingIngress(
  service: string,
  options: {
    className?: string;
    annotations?: Record<string, string>;
    tls?: boolean;
    name?: string;
  } = {},
): TestResource {
  return {
    type: "kubernetes:networking.k8s.io/v1:Ingress",
    name: options.name ?? "recommender-ingress",
    props: {
      metadata: {
        name: options.name ?? "recommender",
        namespace: "serving",
        labels,
        annotations: options.annotations ?? {},
      },
      spec: {
        ingressClassName: options.className ?? "nginx",
        ...(options.tls === false
          ? {}
          : { tls: [{ hosts: ["models.example.com"], secretName: "models-tls" }] }),
        rules: [
          {
            host: "models.example.com",
            http: {
              paths: [
                {
                  path: "/",
                  pathType: "Prefix",
                  backend: { service: { name: service, port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
  };
}

/** nginx external authentication (oauth2-proxy). */
export const NGINX_AUTH = {
  "nginx.ingress.kubernetes.io/auth-url": "https://oauth2.example.com/oauth2/auth",
};
