import { describe, expect, it } from "vitest";
import { ruleByName } from "../../policies/catalog";
import { storageUriProblem } from "../../policies/rules/kubernetes/serving";
import { runRule, runRuleDetailed, type TestResource } from "./helpers";
import {
  NGINX_AUTH,
  editedInferenceService,
  inferenceService,
  inferenceServiceSpec,
  namespace,
  prometheusTrigger,
  resources,
  restrictedContainer,
  restrictedPod,
  scaledObject,
  servingIngress,
} from "./serving-fixtures";

type Env = "dev" | "staging" | "prod";
const findings = (rule: string, resource: TestResource | TestResource[], environment: Env = "prod") =>
  runRule(rule, resource, { environment }).map((v) => [v.message.split("\n").pop(), v.enforcementLevel]);
const messages = (rule: string, resource: TestResource | TestResource[], environment: Env = "prod") =>
  findings(rule, resource, environment).map(([m]) => m);

/** A restricted, resourced container named `name`. */
const container = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  image: "ghcr.io/acme/transformer:1.0.0",
  resources: structuredClone(resources),
  securityContext: structuredClone(restrictedContainer),
  ...extra,
});

describe("the serving rules are registered with their enforcement", () => {
  it.each([
    ["k8s-inferenceservice-resources", "medium", ["advisory", "mandatory", "mandatory"]],
    ["k8s-inferenceservice-prod-min-replicas", "high", ["advisory", "advisory", "mandatory"]],
    ["k8s-inferenceservice-storage-platform-store", "high", ["advisory", "mandatory", "mandatory"]],
    ["k8s-inferenceservice-storage-plain-http", "critical", ["mandatory", "mandatory", "mandatory"]],
    ["k8s-inferenceservice-pod-security", "high", ["advisory", "mandatory", "mandatory"]],
    ["k8s-serving-namespace-restricted", "high", ["advisory", "mandatory", "mandatory"]],
    ["k8s-serving-exposure-tls-auth", "high", ["mandatory", "mandatory", "mandatory"]],
    ["k8s-keda-no-inline-secrets", "high", ["mandatory", "mandatory", "mandatory"]],
  ] as const)("%s", (name, severity, [dev, staging, prod]) => {
    const rule = ruleByName(name);
    expect(rule?.severity).toBe(severity);
    expect(rule?.enforcement).toEqual({ dev, staging, prod });
    expect(rule?.reference.length).toBeGreaterThan(10);
  });
});

describe("k8s-inferenceservice-resources", () => {
  const rule = "k8s-inferenceservice-resources";

  it("accepts requests and a memory limit on every container, or pod-level resources", () => {
    expect(findings(rule, inferenceService())).toEqual([]);
    expect(
      findings(
        rule,
        editedInferenceService((s) => {
          delete s.predictor.model.resources;
          s.predictor.resources = structuredClone(resources);
        }),
      ),
    ).toEqual([]);
  });

  it("reports each container without them, in the model, canary, transformer, explainer and workerSpec", () => {
    const spec = inferenceServiceSpec() as ReturnType<typeof inferenceServiceSpec> & {
      predictor: Record<string, unknown>;
    };
    delete (spec.predictor.model as Record<string, unknown>).resources;
    spec.canary = [
      {
        trafficPercent: 10,
        predictor: {
          model: {
            modelFormat: { name: "mlflow" },
            storageUri: "s3://models/recommender/2",
            resources: { requests: { cpu: "1" } },
          },
        },
      },
    ];
    spec.transformer = { containers: [container("t", { resources: undefined })] };
    spec.explainer = { art: { type: "SquareAttack", resources: { limits: { memory: "1Gi" } } } };
    spec.predictor.workerSpec = {
      containers: [container("w", { resources: { requests: { cpu: "1", memory: "1Gi" } } })],
    };
    expect(findings(rule, inferenceService(spec), "dev")).toEqual([
      ["spec.predictor.model is missing requests.cpu, requests.memory, limits.memory.", "advisory"],
      ["spec.predictor.workerSpec.containers[0] (w) is missing limits.memory.", "advisory"],
      [
        "spec.transformer.containers[0] (t) is missing requests.cpu, requests.memory, limits.memory.",
        "advisory",
      ],
      ["spec.explainer.art is missing requests.cpu, requests.memory.", "advisory"],
      ["spec.canary[0].predictor.model is missing requests.memory, limits.memory.", "advisory"],
    ]);
  });

  it("requires GPUs as limits, requests equal to them", () => {
    const gpu = (r: Record<string, unknown>, l: Record<string, unknown>) =>
      editedInferenceService((s) => {
        s.predictor.model.resources = {
          requests: { cpu: "4", memory: "16Gi", ...r },
          limits: { memory: "16Gi", ...l },
        };
      });
    expect(findings(rule, gpu({}, { "nvidia.com/gpu": 1 }))).toEqual([]);
    expect(findings(rule, gpu({ "nvidia.com/gpu": 1 }, { "nvidia.com/gpu": 1 }))).toEqual([]);
    expect(messages(rule, gpu({ "nvidia.com/gpu": 1 }, {}))).toEqual([
      "spec.predictor.model requests nvidia.com/gpu without a limit.",
    ]);
    expect(messages(rule, gpu({ "nvidia.com/gpu": 2 }, { "nvidia.com/gpu": 1 }))).toEqual([
      "spec.predictor.model has nvidia.com/gpu requests (2) != limits (1).",
    ]);
  });

  it("ignores other kinds", () => {
    expect(findings(rule, scaledObject())).toEqual([]);
  });
});

describe("k8s-inferenceservice-prod-min-replicas", () => {
  const rule = "k8s-inferenceservice-prod-min-replicas";
  const replicas = (min: number | undefined) =>
    editedInferenceService((s) => {
      if (min === undefined) delete s.predictor.minReplicas;
      else s.predictor.minReplicas = min;
    });

  it("accepts 2 or more in prod", () => {
    expect(findings(rule, replicas(2))).toEqual([]);
    expect(findings(rule, replicas(5))).toEqual([]);
  });

  it("reports 1, 0 and unset (KServe's default of 1) in prod, mandatory", () => {
    expect(findings(rule, replicas(1))).toEqual([
      ["spec.predictor.minReplicas is 1: prod serving needs at least 2 replicas.", "mandatory"],
    ]);
    expect(messages(rule, replicas(0))).toEqual([
      "spec.predictor.minReplicas is 0: prod serving needs at least 2 replicas.",
    ]);
    expect(messages(rule, replicas(undefined))).toEqual([
      "spec.predictor.minReplicas is not set (KServe runs 1): prod serving needs at least 2 replicas.",
    ]);
  });

  it("checks the transformer and explainer, not canary predictors", () => {
    const isvc = editedInferenceService((s) => {
      s.transformer = { minReplicas: 1, containers: [container("t")] };
      s.explainer = { art: { type: "SquareAttack" } };
      s.canary = [
        { trafficPercent: 10, predictor: { minReplicas: 1, model: { modelFormat: { name: "mlflow" } } } },
      ];
    });
    expect(messages(rule, isvc)).toEqual([
      "spec.transformer.minReplicas is 1: prod serving needs at least 2 replicas.",
      "spec.explainer.minReplicas is not set (KServe runs 1): prod serving needs at least 2 replicas.",
    ]);
  });

  it("does not apply in dev or staging (scale to zero is the dev preset)", () => {
    expect(findings(rule, replicas(0), "dev")).toEqual([]);
    expect(findings(rule, replicas(1), "staging")).toEqual([]);
    const detailed = runRuleDetailed(rule, replicas(0), { environment: "dev" });
    expect(detailed.notApplicable.map((n) => n.reason)).toEqual([
      "applies only in prod (environment is dev)",
    ]);
  });

  it("skips a value unknown until apply", () => {
    expect(findings(rule, replicas("[unknown]" as unknown as number))).toEqual([]);
  });

  it("checks a ScaledObject that owns a KServe component's replicas (KEDA's default is 0)", () => {
    const scaler = (min: number | undefined, target = "recommender-predictor"): TestResource => {
      const so = scaledObject();
      const spec = (so.props as { spec: Record<string, unknown> }).spec;
      spec.scaleTargetRef = { apiVersion: "apps/v1", kind: "Deployment", name: target };
      if (min === undefined) delete spec.minReplicaCount;
      else spec.minReplicaCount = min;
      return so;
    };
    expect(findings(rule, scaler(2))).toEqual([]);
    expect(findings(rule, scaler(0))).toEqual([
      [
        "spec.minReplicaCount of the ScaledObject for 'recommender-predictor' is 0: prod serving needs at least 2 replicas.",
        "mandatory",
      ],
    ]);
    expect(messages(rule, scaler(undefined, "recommender-transformer"))).toEqual([
      "spec.minReplicaCount of the ScaledObject for 'recommender-transformer' is not set (KEDA scales to 0): prod serving needs at least 2 replicas.",
    ]);
    expect(findings(rule, scaler(0), "dev")).toEqual([]);
    // Other scale targets (a queue worker) are not serving.
    expect(findings(rule, scaler(0, "feature-materializer"))).toEqual([]);
  });
});

describe("storage URIs: k8s-inferenceservice-storage-platform-store and k8s-inferenceservice-storage-plain-http", () => {
  const store = "k8s-inferenceservice-storage-platform-store";
  const http = "k8s-inferenceservice-storage-plain-http";
  const uri = (u: string) => editedInferenceService((s) => (s.predictor.model.storageUri = u));

  it("accepts s3:// (S3 and MinIO on local) and gs:// URIs naming a bucket", () => {
    for (const u of ["s3://models/recommender/1", "gs://acme-models/recommender/3", "S3://Models/x"]) {
      expect(findings(store, uri(u)), u).toEqual([]);
      expect(findings(http, uri(u)), u).toEqual([]);
    }
    expect(storageUriProblem("s3://mlops-local-registry-artifacts/1/abc/artifacts/model")).toBeUndefined();
  });

  it("refuses https://, other schemes, a missing bucket and a bare path, naming the field", () => {
    expect(findings(store, uri("https://huggingface.co/acme/m/resolve/main/model.pkl"), "dev")).toEqual([
      [
        "spec.predictor.model.storageUri 'https://huggingface.co/acme/m/resolve/main/model.pkl' downloads the model from an HTTPS URL, outside the platform's object stores (no access control or audit by the platform, contents can change under the same URL).",
        "advisory",
      ],
    ]);
    expect(messages(store, uri("hf://acme/model"))).toEqual([
      "spec.predictor.model.storageUri 'hf://acme/model' uses hf://, not one of the platform's object stores (s3://, gs://).",
    ]);
    expect(messages(store, uri("pvc://models-cache/recommender"))).toEqual([
      "spec.predictor.model.storageUri 'pvc://models-cache/recommender' uses pvc://, not one of the platform's object stores (s3://, gs://).",
    ]);
    expect(messages(store, uri("s3:///recommender"))).toEqual([
      "spec.predictor.model.storageUri 's3:///recommender' names no bucket.",
    ]);
    expect(messages(store, uri("/mnt/models"))).toEqual([
      "spec.predictor.model.storageUri '/mnt/models' is not a URI with a scheme (s3://<bucket>/<path> or gs://<bucket>/<path>).",
    ]);
    expect(findings(store, uri("https://x.example.com/m"), "staging")[0]?.[1]).toBe("mandatory");
  });

  it("reports plain http:// once, always mandatory, under its own rule", () => {
    const isvc = uri("http://minio.example.com/models/m.pkl");
    expect(findings(store, isvc)).toEqual([]);
    expect(findings(http, isvc, "dev")).toEqual([
      [
        "spec.predictor.model.storageUri 'http://minio.example.com/models/m.pkl' downloads the model over plain HTTP (no integrity, no confidentiality).",
        "mandatory",
      ],
    ]);
  });

  it("checks framework fields, storageUris, STORAGE_URI of custom containers, canaries and the explainer", () => {
    const isvc = editedInferenceService((s) => {
      delete (s.predictor as Record<string, unknown>).model;
      s.predictor.sklearn = { storageUri: "gs://acme-models/sk" };
      s.predictor.storageUris = [
        { uri: "s3://models/a" },
        { uri: "https://example.com/b", mountPath: "/mnt/b" },
      ];
      s.transformer = {
        containers: [container("t", { env: [{ name: "STORAGE_URI", value: "http://example.com/t" }] })],
      };
      s.explainer = { art: { type: "SquareAttack", storageUri: "oci://ghcr.io/acme/explainer:1" } };
      s.canary = [{ trafficPercent: 20, predictor: { model: { storageUri: "hf://acme/next" } } }];
    });
    expect(messages(store, isvc)).toEqual([
      "spec.predictor.storageUris[1].uri 'https://example.com/b' downloads the model from an HTTPS URL, outside the platform's object stores (no access control or audit by the platform, contents can change under the same URL).",
      "spec.explainer.art.storageUri 'oci://ghcr.io/acme/explainer:1' uses oci://, not one of the platform's object stores (s3://, gs://).",
      "spec.canary[0].predictor.model.storageUri 'hf://acme/next' uses hf://, not one of the platform's object stores (s3://, gs://).",
    ]);
    expect(messages(http, isvc)).toEqual([
      "spec.transformer.containers[0] (t) env STORAGE_URI 'http://example.com/t' downloads the model over plain HTTP (no integrity, no confidentiality).",
    ]);
  });

  it("skips URIs only known after apply (a bucket created in the same stack)", () => {
    expect(findings(store, uri("[unknown]"))).toEqual([]);
    expect(findings(http, uri("[unknown]"))).toEqual([]);
  });
});

describe("k8s-inferenceservice-pod-security", () => {
  const rule = "k8s-inferenceservice-pod-security";

  it("accepts the restricted pod and container security contexts", () => {
    expect(findings(rule, inferenceService())).toEqual([]);
    // Everything on the container (seccomp too) is as good as on the pod.
    expect(
      findings(
        rule,
        editedInferenceService((s) => {
          delete s.predictor.securityContext;
          s.predictor.model.securityContext = {
            ...restrictedContainer,
            runAsUser: 1000,
            seccompProfile: { type: "RuntimeDefault" },
          };
        }),
      ),
    ).toEqual([]);
  });

  it("reports the model container without a securityContext (the runtime's defaults are not in the plan)", () => {
    expect(
      findings(
        rule,
        editedInferenceService((s) => delete s.predictor.model.securityContext),
        "dev",
      ),
    ).toEqual([
      ["spec.predictor.model does not set allowPrivilegeEscalation: false.", "advisory"],
      ["spec.predictor.model does not drop ALL capabilities.", "advisory"],
    ]);
    expect(
      messages(
        rule,
        editedInferenceService((s) => delete s.predictor.securityContext),
      ),
    ).toEqual(["spec.predictor.model has no RuntimeDefault/Localhost seccomp profile."]);
  });

  it("reports root, privileged, host namespaces, hostPath and host ports in every component", () => {
    const isvc = editedInferenceService((s) => {
      s.predictor.securityContext = { ...restrictedPod, runAsUser: 0 };
      s.predictor.hostNetwork = true;
      s.predictor.volumes = [{ name: "models", hostPath: { path: "/data/models" } }];
      s.transformer = {
        securityContext: restrictedPod,
        containers: [
          container("t", {
            securityContext: {
              ...restrictedContainer,
              privileged: true,
              capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] },
            },
            ports: [{ containerPort: 8080, hostPort: 8080 }],
          }),
        ],
      };
      s.canary = [
        {
          trafficPercent: 10,
          predictor: {
            securityContext: { seccompProfile: { type: "Unconfined" } },
            model: { securityContext: restrictedContainer },
          },
        },
      ];
    });
    expect(messages(rule, isvc)).toEqual([
      "spec.predictor.model runs as UID 0.",
      "spec.predictor: hostNetwork is true.",
      "spec.predictor: Volume 'models' is a hostPath (/data/models).",
      "spec.transformer.containers[0] (t) adds capabilities SYS_ADMIN.",
      "spec.transformer.containers[0] (t) is privileged.",
      "spec.transformer.containers[0] (t) binds hostPort 8080.",
      "spec.canary[0].predictor: The pod's seccompProfile is Unconfined.",
      "spec.canary[0].predictor.model has no RuntimeDefault/Localhost seccomp profile.",
    ]);
  });

  it("checks a multi-node predictor's workerSpec as its own pod", () => {
    const isvc = editedInferenceService((s) => {
      s.predictor.workerSpec = { containers: [container("worker")] };
    });
    expect(messages(rule, isvc)).toEqual([
      "spec.predictor.workerSpec.containers[0] (worker) has no RuntimeDefault/Localhost seccomp profile.",
    ]);
  });
});

describe("k8s-serving-namespace-restricted", () => {
  const rule = "k8s-serving-namespace-restricted";

  it("accepts a restricted namespace, and namespaces without InferenceServices at any level", () => {
    expect(findings(rule, [namespace("serving"), inferenceService()])).toEqual([]);
    expect(findings(rule, [namespace("features", "baseline"), inferenceService()])).toEqual([]);
  });

  it("reports a serving namespace enforcing baseline or nothing, naming its InferenceServices", () => {
    const two = [inferenceService(), inferenceService(undefined, { name: "ranker" })];
    expect(findings(rule, [namespace("serving", "baseline"), ...two])).toEqual([
      [
        "Namespace 'serving' runs InferenceService 'recommender', 'ranker' but enforces 'baseline', not 'restricted'.",
        "mandatory",
      ],
    ]);
    expect(messages(rule, [namespace("serving", null), inferenceService()], "staging")).toEqual([
      "Namespace 'serving' runs InferenceService 'recommender' but has no pod-security.kubernetes.io/enforce label (the cluster default applies, usually privileged), not 'restricted'.",
    ]);
    const v = runRule(rule, [namespace("serving", "privileged"), inferenceService()]);
    expect(v[0]?.urn).toContain("Namespace::ns-serving");
  });

  it("does not check a namespace outside the stack", () => {
    expect(findings(rule, inferenceService(undefined, { namespace: "elsewhere" }))).toEqual([]);
  });
});

describe("k8s-serving-exposure-tls-auth", () => {
  const rule = "k8s-serving-exposure-tls-auth";
  const isvc = inferenceService();

  it("accepts cluster-local InferenceServices and an HTTPS Ingress with authentication", () => {
    expect(findings(rule, isvc)).toEqual([]);
    expect(
      findings(rule, [isvc, servingIngress("recommender-predictor", { annotations: NGINX_AUTH })]),
    ).toEqual([]);
    // An internal ALB: ACM certificate, HTTPS-only listener, OIDC authentication.
    const alb = servingIngress("recommender-predictor", {
      className: "alb",
      tls: false,
      annotations: {
        "alb.ingress.kubernetes.io/scheme": "internal",
        "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
        "alb.ingress.kubernetes.io/certificate-arn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
        "alb.ingress.kubernetes.io/auth-type": "oidc",
      },
    });
    expect(findings(rule, [isvc, alb])).toEqual([]);
    // Ingresses to other Services are not this rule's business.
    expect(findings(rule, [isvc, servingIngress("mlflow", { tls: false })])).toEqual([]);
  });

  it("a GKE Ingress authenticates with IAP: a BackendConfig with iap.enabled named by the backend's annotation", () => {
    const gkeIsvc = (annotation?: string): TestResource => {
      const r = inferenceService();
      const meta = (r.props as { metadata: Record<string, unknown> }).metadata;
      if (annotation !== undefined) meta["annotations"] = { "cloud.google.com/backend-config": annotation };
      return r;
    };
    const backendConfig = (iap: boolean, name = "recommender-predictor"): TestResource => ({
      type: "kubernetes:cloud.google.com/v1:BackendConfig",
      name: `${name}-backend-config`,
      props: {
        metadata: { name, namespace: "serving" },
        spec: iap ? { iap: { enabled: true, oauthclientCredentials: { secretName: "iap-client" } } } : {},
      },
    });
    const gke = servingIngress("recommender-predictor", {
      className: "gce-internal",
      annotations: { "kubernetes.io/ingress.allow-http": "false" },
    });
    const named = '{"default":"recommender-predictor"}';
    expect(findings(rule, [gkeIsvc(named), backendConfig(true), gke])).toEqual([]);
    // A Service of the stack carrying the annotation counts the same way.
    const service: TestResource = {
      type: "kubernetes:core/v1:Service",
      name: "recommender-predictor",
      props: {
        metadata: {
          name: "recommender-predictor",
          namespace: "serving",
          annotations: { "cloud.google.com/backend-config": '{"ports":{"80":"recommender-predictor"}}' },
        },
      },
    };
    expect(findings(rule, [isvc, service, backendConfig(true), gke])).toEqual([]);
    const noAuth =
      "Ingress 'recommender-ingress' routes to serving workload 'recommender-predictor' but has no authentication (nginx.ingress.kubernetes.io/auth-url, nginx.ingress.kubernetes.io/auth-type basic|digest with auth-secret, alb.ingress.kubernetes.io/auth-type cognito|oidc, or for a GKE Ingress a BackendConfig with iap.enabled named by the backend's cloud.google.com/backend-config annotation).";
    // IAP off, no annotation, a BackendConfig of another name, or in another namespace: reported.
    expect(messages(rule, [gkeIsvc(named), backendConfig(false), gke])).toEqual([noAuth]);
    expect(messages(rule, [gkeIsvc(), backendConfig(true), gke])).toEqual([noAuth]);
    expect(messages(rule, [gkeIsvc(named), backendConfig(true, "other"), gke])).toEqual([noAuth]);
    expect(messages(rule, [gkeIsvc("not json"), backendConfig(true), gke])).toEqual([noAuth]);
    // IAP is a GKE feature: a BackendConfig does not authenticate an nginx Ingress.
    const nginx = servingIngress("recommender-predictor");
    expect(messages(rule, [gkeIsvc(named), backendConfig(true), nginx])).toEqual([noAuth]);
  });

  it("an ALB that lets unauthenticated requests through does not authenticate", () => {
    const alb = (onUnauthenticated?: string) =>
      servingIngress("recommender-predictor", {
        className: "alb",
        tls: false,
        annotations: {
          "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
          "alb.ingress.kubernetes.io/certificate-arn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
          "alb.ingress.kubernetes.io/auth-type": "oidc",
          ...(onUnauthenticated
            ? { "alb.ingress.kubernetes.io/auth-on-unauthenticated-request": onUnauthenticated }
            : {}),
        },
      });
    expect(findings(rule, [isvc, alb("deny")])).toEqual([]);
    expect(findings(rule, [isvc, alb("authenticate")])).toEqual([]);
    expect(messages(rule, [isvc, alb("allow")])).toEqual([
      "Ingress 'recommender-ingress' routes to serving workload 'recommender-predictor' but lets unauthenticated requests through (alb.ingress.kubernetes.io/auth-on-unauthenticated-request: allow; use authenticate or deny).",
    ]);
  });

  it("reports an InferenceService KServe would expose through its own Ingress, unless the chart disables it", () => {
    const external = inferenceService(undefined, {
      labels: { "networking.kserve.io/visibility": "external" },
    });
    expect(findings(rule, external, "dev")).toEqual([
      [
        "InferenceService 'serving/recommender' is not labelled networking.kserve.io/visibility: cluster-local: KServe creates an Ingress for it with no TLS and no authentication (copying its annotations).",
        "mandatory",
      ],
    ]);
    const kserve = (disable: unknown): TestResource => ({
      type: "kubernetes:helm.sh/v3:Release",
      name: "kserve",
      props: {
        chart: "oci://ghcr.io/kserve/charts/kserve-resources",
        version: "v0.20.0",
        values: { kserve: { controller: { gateway: { disableIngressCreation: disable } } } },
      },
    });
    expect(findings(rule, [kserve(true), external])).toEqual([]);
    const clusterLocalDomain: TestResource = {
      type: "kubernetes:helm.sh/v3:Release",
      name: "kserve",
      props: {
        chart: "kserve-resources",
        values: { kserve: { controller: { gateway: { domain: "svc.cluster.local" } } } },
      },
    };
    expect(findings(rule, [clusterLocalDomain, external])).toEqual([]);
    expect(findings(rule, [kserve(false), external])).toHaveLength(1);
  });

  it("reports an Ingress to a serving workload without TLS, serving plain HTTP, or without authentication", () => {
    expect(messages(rule, [isvc, servingIngress("recommender-predictor", { tls: false })])).toEqual([
      "Ingress 'recommender-ingress' routes to serving workload 'recommender-predictor' but has no TLS (spec.tls with a secretName, alb.ingress.kubernetes.io/certificate-arn or a GKE managed/pre-shared certificate).",
      "Ingress 'recommender-ingress' routes to serving workload 'recommender-predictor' but has no authentication (nginx.ingress.kubernetes.io/auth-url, nginx.ingress.kubernetes.io/auth-type basic|digest with auth-secret, alb.ingress.kubernetes.io/auth-type cognito|oidc, or for a GKE Ingress a BackendConfig with iap.enabled named by the backend's cloud.google.com/backend-config annotation).",
    ]);
    const gce = servingIngress("recommender-transformer", { className: "gce", annotations: NGINX_AUTH });
    expect(messages(rule, [isvc, gce])).toEqual([
      "Ingress 'recommender-ingress' routes to serving workload 'recommender-transformer' but also serves plain HTTP (set kubernetes.io/ingress.allow-http: \"false\").",
    ]);
    const albHttp = servingIngress("recommender-predictor", {
      className: "alb",
      tls: false,
      annotations: {
        "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP":80},{"HTTPS":443}]',
        "alb.ingress.kubernetes.io/certificate-arn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
        "alb.ingress.kubernetes.io/auth-type": "cognito",
      },
    });
    expect(messages(rule, [isvc, albHttp])).toEqual([
      "Ingress 'recommender-ingress' routes to serving workload 'recommender-predictor' but listens on plain HTTP (alb.ingress.kubernetes.io/listen-ports) without ssl-redirect.",
    ]);
    const nginxPlain = servingIngress("recommender-predictor", {
      annotations: { ...NGINX_AUTH, "nginx.ingress.kubernetes.io/ssl-redirect": "false" },
    });
    expect(messages(rule, [isvc, nginxPlain])).toHaveLength(1);
  });

  it("recognises a backend only known after apply through the dependency on the InferenceService", () => {
    const ing = {
      ...servingIngress("[unknown]", { tls: false, annotations: NGINX_AUTH }),
      dependsOn: ["recommender"],
    };
    expect(messages(rule, [isvc, ing])).toEqual([
      "Ingress 'recommender-ingress' routes to serving workload 'recommender-*' but has no TLS (spec.tls with a secretName, alb.ingress.kubernetes.io/certificate-arn or a GKE managed/pre-shared certificate).",
    ]);
    // Same name in another namespace: not a serving backend.
    const other = inferenceService(undefined, { namespace: "other" });
    expect(findings(rule, [other, servingIngress("recommender-predictor", { tls: false })])).toEqual([]);
  });

  describe("Gateway API routes", () => {
    const gateway = (listeners: Record<string, unknown>[]): TestResource => ({
      type: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
      name: "gateway",
      props: {
        metadata: { name: "platform", namespace: "gateway" },
        spec: { gatewayClassName: "gke-l7-rilb", listeners },
      },
    });
    const route = (sectionName?: string): TestResource => ({
      type: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
      name: "recommender-route",
      props: {
        metadata: { name: "recommender", namespace: "serving" },
        spec: {
          parentRefs: [{ name: "platform", namespace: "gateway", ...(sectionName ? { sectionName } : {}) }],
          hostnames: ["models.example.com"],
          rules: [{ backendRefs: [{ name: "recommender-predictor", port: 80 }] }],
        },
      },
    });
    const iap = (enabled: boolean): TestResource => ({
      type: "kubernetes:networking.gke.io/v1:GCPBackendPolicy",
      name: "recommender-iap",
      props: {
        metadata: { name: "recommender", namespace: "serving" },
        spec: {
          targetRef: { group: "", kind: "Service", name: "recommender-predictor" },
          default: { iap: { enabled, oauth2ClientSecret: { name: "iap" } } },
        },
      },
    });
    const https = {
      name: "https",
      protocol: "HTTPS",
      port: 443,
      tls: { certificateRefs: [{ name: "models-tls" }] },
    };
    const http = { name: "http", protocol: "HTTP", port: 80 };

    it("accepts a route on an HTTPS listener with IAP on the backend", () => {
      expect(findings(rule, [isvc, gateway([https]), route(), iap(true)])).toEqual([]);
      expect(findings(rule, [isvc, gateway([https, http]), route("https"), iap(true)])).toEqual([]);
    });

    it("reports an HTTP listener, a Gateway outside the stack and a backend without IAP", () => {
      expect(messages(rule, [isvc, gateway([https, http]), route(), iap(true)])).toEqual([
        "HTTPRoute 'recommender-route' routes to serving workload 'recommender-predictor' but attaches to listener 'http' of Gateway 'gateway/platform', which serves HTTP, not HTTPS.",
      ]);
      expect(messages(rule, [isvc, route(), iap(false)])).toEqual([
        "HTTPRoute 'recommender-route' routes to serving workload 'recommender-predictor' but its parent Gateway 'gateway/platform' is not in this stack: TLS cannot be verified.",
        "HTTPRoute 'recommender-route' routes to serving workload 'recommender-predictor' but backend 'recommender-predictor' has no authentication this rule can verify (a GCPBackendPolicy targeting the Service with spec.default.iap.enabled: true).",
      ]);
    });
  });
});

describe("k8s-keda-no-inline-secrets", () => {
  const rule = "k8s-keda-no-inline-secrets";
  const withTrigger = (metadata: Record<string, string>, type = "ScaledObject") =>
    scaledObject([prometheusTrigger(metadata)], type);

  it("accepts triggers with an authenticationRef, FromEnv keys and plain settings", () => {
    expect(findings(rule, scaledObject())).toEqual([]);
    expect(findings(rule, withTrigger({ authModes: "bearer", unsafeSsl: "false" }))).toEqual([]);
    expect(
      findings(
        rule,
        scaledObject([
          {
            type: "rabbitmq",
            metadata: { hostFromEnv: "RABBITMQ_HOST", queueName: "q", passwordFromEnv: "PW" },
          },
        ]),
      ),
    ).toEqual([]);
    expect(findings(rule, withTrigger({ customHeaders: "X-Tenant=ml,X-Team=recs" }))).toEqual([]);
  });

  it("reports credentials in metadata, always mandatory, on ScaledObjects and ScaledJobs", () => {
    expect(findings(rule, withTrigger({ bearerToken: "eyJhbGciOi" }), "dev")).toEqual([
      [
        "spec.triggers[0] (prometheus).metadata.bearerToken is a credential written inline; reference it from a TriggerAuthentication (authenticationRef) backed by a Secret or the pod identity.",
        "mandatory",
      ],
    ]);
    expect(
      messages(
        rule,
        withTrigger({ password: "hunter2", api_key: "k", Authorization: "Basic eDp5" }, "ScaledJob"),
      ),
    ).toEqual([
      "spec.triggers[0] (prometheus).metadata.password is a credential written inline; reference it from a TriggerAuthentication (authenticationRef) backed by a Secret or the pod identity.",
      "spec.triggers[0] (prometheus).metadata.api_key is a credential written inline; reference it from a TriggerAuthentication (authenticationRef) backed by a Secret or the pod identity.",
      "spec.triggers[0] (prometheus).metadata.Authorization is a credential written inline; reference it from a TriggerAuthentication (authenticationRef) backed by a Secret or the pod identity.",
    ]);
  });

  it("reports credential headers, URLs with credentials and Pulumi secrets", () => {
    expect(messages(rule, withTrigger({ customHeaders: "X-Tenant=ml,Authorization=Bearer abc" }))).toEqual([
      "spec.triggers[0] (prometheus).metadata.customHeaders carries the credential header Authorization inline; reference it from a TriggerAuthentication (authenticationRef) backed by a Secret or the pod identity.",
    ]);
    expect(
      messages(
        rule,
        scaledObject([
          { type: "rabbitmq", metadata: { host: "amqp://user:pw@rabbit:5672/", queueName: "q" } },
        ]),
      ),
    ).toEqual([
      "spec.triggers[0] (rabbitmq).metadata.host carries credentials (user:password@); reference it from a TriggerAuthentication (authenticationRef) backed by a Secret or the pod identity.",
    ]);
    expect(
      messages(rule, withTrigger({ serverAddress: "https://prom.example.com/api?token=abc" })),
    ).toHaveLength(1);
    expect(messages(rule, withTrigger({ query: "[secret]" }))).toEqual([
      "spec.triggers[0] (prometheus).metadata.query is a secret value written inline; reference it from a TriggerAuthentication (authenticationRef) backed by a Secret or the pod identity.",
    ]);
  });

  it("reports a literal Vault token in a (Cluster)TriggerAuthentication, not references", () => {
    const auth = (kind: string, spec: Record<string, unknown>): TestResource => ({
      type: `kubernetes:keda.sh/v1alpha1:${kind}`,
      name: "prometheus-auth",
      props: { metadata: { name: "prometheus-auth", namespace: "serving" }, spec },
    });
    const vault = (credential: Record<string, unknown>) => ({
      hashiCorpVault: {
        address: "https://vault.example.com",
        authentication: credential.token ? "token" : "kubernetes",
        role: "keda",
        credential,
        secrets: [{ parameter: "bearerToken", key: "token", path: "secret/data/prometheus" }],
      },
    });
    expect(findings(rule, auth("TriggerAuthentication", { podIdentity: { provider: "aws" } }))).toEqual([]);
    expect(
      findings(
        rule,
        auth("TriggerAuthentication", {
          secretTargetRef: [{ parameter: "bearerToken", name: "p", key: "t" }],
        }),
      ),
    ).toEqual([]);
    expect(
      findings(
        rule,
        auth("ClusterTriggerAuthentication", vault({ serviceAccount: "/var/run/secrets/token" })),
      ),
    ).toEqual([]);
    expect(
      findings(rule, auth("ClusterTriggerAuthentication", vault({ token: "hvs.CAESI" })), "dev"),
    ).toEqual([
      [
        "spec.hashiCorpVault.credential.token is a Vault token written inline; authenticate to Vault with authentication: kubernetes (role and the scaled workload's service account) instead.",
        "mandatory",
      ],
    ]);
  });

  it("ignores other kinds", () => {
    expect(findings(rule, inferenceService())).toEqual([]);
  });
});
