import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ModelRegistry, ModelServing } from "../../components";
import { resolveModelServingArgs } from "../../components/model-serving";
import { findResource, inputAt, planOf, resourcesOfType, type Plan } from "../helpers";
import { fakeClusterHandle, POOLS } from "../training-cluster/fixtures";
import { validateJsonSchema, type JsonSchema } from "../schemas/validate";
import {
  aws,
  CERTIFICATES,
  ISVC,
  RECOMMENDER,
  servingChildren,
  servingFailure,
  servingPlan as fixturePlan,
  type ServingOverrides,
} from "./fixtures";
import {
  inferenceServiceSchemaErrors,
  scaledObjectSchemaErrors,
  triggerAuthenticationSchemaErrors,
} from "./schema";

/** The component with the platform's owner tag unless the test says otherwise. */
const servingPlan = (o: ServingOverrides = {}): Promise<Plan> =>
  fixturePlan({ tags: { owner: "ml-platform" }, ...o });
const failure = (o: ServingOverrides): Promise<string> =>
  servingFailure({ tags: { owner: "ml-platform" }, ...o });
const children = servingChildren;
const PROMETHEUS = { url: "http://monitoring-prometheus.monitoring.svc.cluster.local:9090" };

const SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";
const TRIGGER_AUTH = "kubernetes:keda.sh/v1alpha1:TriggerAuthentication";
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";

/** The CR's manifest as the API server receives it. */
function manifestOf(plan: Plan, type: string, name: string): Record<string, unknown> {
  const r = findResource(plan, type, name);
  return r.inputs;
}

const POD_MONITOR_SCHEMA = JSON.parse(
  readFileSync(join(__dirname, "..", "schemas", "monitoring", "podmonitor.json"), "utf8"),
) as JsonSchema;

/** Every CR of the plan validated against its vendored upstream schema (unknown fields fail). */
function expectValidCustomResources(plan: Plan): void {
  for (const r of resourcesOfType(plan, ISVC))
    expect(inferenceServiceSchemaErrors(r.inputs), r.name).toEqual([]);
  for (const r of resourcesOfType(plan, SCALED_OBJECT))
    expect(scaledObjectSchemaErrors(r.inputs), r.name).toEqual([]);
  for (const r of resourcesOfType(plan, TRIGGER_AUTH))
    expect(triggerAuthenticationSchemaErrors(r.inputs), r.name).toEqual([]);
  for (const r of resourcesOfType(plan, POD_MONITOR))
    expect(validateJsonSchema(POD_MONITOR_SCHEMA, r.inputs), r.name).toEqual([]);
}

const MODEL_CHILDREN_AWS = [
  "aws:eks/podIdentityAssociation:PodIdentityAssociation serving-recommender-pod-identity",
  "aws:iam/role:Role serving-recommender-role",
  "aws:iam/rolePolicy:RolePolicy serving-recommender-role-policy",
  "kubernetes:core/v1:ServiceAccount serving-recommender-sa",
  "kubernetes:networking.k8s.io/v1:NetworkPolicy serving-recommender-network-policy",
  "kubernetes:serving.kserve.io/v1beta1:InferenceService serving-recommender",
];
const NAMESPACE_CHILDREN = [
  "kubernetes:core/v1:Namespace serving-namespace",
  "kubernetes:networking.k8s.io/v1:NetworkPolicy serving-namespace-default-deny",
  "kubernetes:networking.k8s.io/v1:NetworkPolicy serving-namespace-dns-egress",
  "mlops:index:RestrictedNamespace serving-namespace",
];

describe("ModelServing: children per target", () => {
  it("aws: the platform, the restricted namespace, and per model a Pod Identity role read-only on the store", async () => {
    const plan = await servingPlan({ target: "aws" });
    expect(children(plan)).toEqual(
      [...MODEL_CHILDREN_AWS, ...NAMESPACE_CHILDREN, "mlops:index:ServingPlatform serving-platform"].sort(),
    );
    // Read-only on exactly the registry's bucket (the aws adapter's read grant).
    const policy = JSON.parse(
      inputAt(
        findResource(plan, "aws:iam/rolePolicy:RolePolicy", "serving-recommender-role-policy"),
        "policy",
      ) as string,
    ) as { Statement: { Action: string[] }[] };
    const actions = policy.Statement.flatMap((s) => s.Action);
    expect(actions).toContain("s3:GetObject");
    expect(actions.filter((a) => /Put|Delete/.test(a))).toEqual([]);
    expectValidCustomResources(plan);
  });

  it("gcp: a Google service account with Workload Identity and objectViewer on the registry's bucket", async () => {
    const plan = await servingPlan({ target: "gcp" });
    expect(children(plan)).toEqual(
      [
        "gcp:serviceaccount/account:Account serving-recommender-gsa",
        "gcp:serviceaccount/iAMMember:IAMMember serving-recommender-wi-member",
        "gcp:storage/bucketIAMMember:BucketIAMMember serving-recommender-bucket0-bucket-member",
        "kubernetes:core/v1:ServiceAccount serving-recommender-serviceaccount",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy serving-recommender-network-policy",
        "kubernetes:serving.kserve.io/v1beta1:InferenceService serving-recommender",
        ...NAMESPACE_CHILDREN,
        "mlops:index:ServingPlatform serving-platform",
      ].sort(),
    );
    expect(
      inputAt(
        findResource(
          plan,
          "gcp:storage/bucketIAMMember:BucketIAMMember",
          "serving-recommender-bucket0-bucket-member",
        ),
        "role",
      ),
    ).toBe("roles/storage.objectViewer");
    expectValidCustomResources(plan);
  });

  it("local: a read-only MinIO user of the registry's store, its credentials listed on the ServiceAccount for KServe's storage initializer", async () => {
    const plan = await servingPlan({ target: "local" });
    expect(children(plan)).toEqual(
      [
        "kubernetes:batch/v1:Job serving-recommender-minio-reader",
        "kubernetes:core/v1:ConfigMap serving-recommender-minio-reader",
        "kubernetes:core/v1:Secret serving-recommender-minio-reader",
        "kubernetes:core/v1:Secret serving-recommender-s3-credentials",
        "kubernetes:core/v1:ServiceAccount serving-recommender-sa",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy serving-recommender-minio-client",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy serving-recommender-network-policy",
        "kubernetes:serving.kserve.io/v1beta1:InferenceService serving-recommender",
        "random:index/randomPassword:RandomPassword serving-recommender-minio-reader-password",
        "random:index/randomPassword:RandomPassword serving-recommender-minio-reader-user",
        ...NAMESPACE_CHILDREN,
        "mlops:index:ServingPlatform serving-platform",
      ].sort(),
    );
    // The reader is created in the registry's namespace; the model reads s3://<bucket>/<path>.
    expect(
      inputAt(
        findResource(plan, "kubernetes:batch/v1:Job", "serving-recommender-minio-reader"),
        "metadata.namespace",
      ),
    ).toBe("mlflow");
    expect(
      inputAt(findResource(plan, "kubernetes:core/v1:ServiceAccount", "serving-recommender-sa"), "secrets"),
    ).toEqual([{ name: "serving-recommender-s3-credentials" }]);
    expect(inputAt(findResource(plan, ISVC, "serving-recommender"), "spec.predictor.model.storageUri")).toBe(
      "s3://registry-artifacts/mlflow-artifacts/1/abc123/artifacts/model",
    );
    const np = findResource(
      plan,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "serving-recommender-network-policy",
    );
    expect(inputAt(np, "spec.egress")).toContainEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "mlflow" } },
          podSelector: {
            matchLabels: {
              "app.kubernetes.io/name": "minio",
              "app.kubernetes.io/instance": "registry",
              "app.kubernetes.io/component": "artifacts",
            },
          },
        },
      ],
      ports: [{ protocol: "TCP", port: 9000 }],
    });
    expectValidCustomResources(plan);
  });

  it("installPlatform: false (a second ModelServing on the cluster) creates no platform", async () => {
    const plan = await servingPlan({ installPlatform: false });
    expect(children(plan)).toEqual([...MODEL_CHILDREN_AWS, ...NAMESPACE_CHILDREN].sort());
  });
});

describe("ModelServing: the InferenceService", () => {
  it("dev defaults: Standard mode, MLServer v2 for mlflow, KServe's HPA on CPU, restricted pods, the store's path", async () => {
    const plan = await servingPlan();
    const isvc = manifestOf(plan, ISVC, "serving-recommender");
    expect(inputAt(findResource(plan, ISVC, "serving-recommender"), "metadata.annotations")).toEqual({
      "serving.kserve.io/deploymentMode": "Standard",
      "serving.kserve.io/autoscalerClass": "hpa",
      "mlops.pulumi.com/model-version": "3",
    });
    expect(isvc["spec"]).toEqual({
      predictor: {
        serviceAccountName: "recommender",
        minReplicas: 1,
        maxReplicas: 3,
        scaleMetric: "cpu",
        scaleMetricType: "Utilization",
        scaleTarget: 70,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 1000,
          runAsGroup: 1000,
          fsGroup: 1000,
          seccompProfile: { type: "RuntimeDefault" },
        },
        model: {
          name: "kserve-container",
          modelFormat: { name: "mlflow" },
          runtime: "kserve-mlserver",
          protocolVersion: "v2",
          storageUri: "s3://registry-artifacts-bucket/mlflow-artifacts/1/abc123/artifacts/model",
          ports: [
            { name: "http1", containerPort: 8080, protocol: "TCP" },
            { name: "metrics", containerPort: 8082, protocol: "TCP" },
          ],
          resources: {
            requests: { cpu: "500m", memory: "1Gi" },
            limits: { cpu: "2", memory: "4Gi" },
          },
          securityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: false,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
          },
        },
      },
    });
    expect(inferenceServiceSchemaErrors(isvc)).toEqual([]);
  });

  it("a misspelt field fails the vendored schema (the check can fail)", async () => {
    const plan = await servingPlan();
    const isvc = manifestOf(plan, ISVC, "serving-recommender") as {
      spec: { predictor: Record<string, unknown> };
    };
    const broken = { ...isvc, spec: { predictor: { ...isvc.spec.predictor, minReplica: 1 } } };
    expect(inferenceServiceSchemaErrors(broken).join("\n")).toContain("minReplica");
  });

  it("each format picks its runtime and protocol; only MLServer runtimes declare the metrics port", async () => {
    const plan = await servingPlan({
      models: [
        { name: "tree", storageUri: "models/xgb", format: "xgboost" },
        { name: "vision", storageUri: "models/resnet", format: "pytorch" },
        { name: "llm", storageUri: "models/opt", format: "huggingface" },
      ],
    });
    const model = (n: string) =>
      inputAt(findResource(plan, ISVC, `serving-${n}`), "spec.predictor.model") as Record<string, unknown>;
    expect([model("tree")["runtime"], model("tree")["protocolVersion"]]).toEqual(["kserve-mlserver", "v2"]);
    expect([model("vision")["runtime"], model("vision")["protocolVersion"]]).toEqual([
      "kserve-torchserve",
      "v1",
    ]);
    expect([model("llm")["runtime"], model("llm")["protocolVersion"]]).toEqual([
      "kserve-huggingfaceserver",
      "v2",
    ]);
    expect(model("vision")["ports"]).toEqual([{ name: "http1", containerPort: 8080, protocol: "TCP" }]);
    expectValidCustomResources(plan);
  });

  it("prod: at least 2 replicas, a PodDisruptionBudget and zone spread", async () => {
    const plan = await servingPlan({ environment: "prod" });
    const predictor = inputAt(findResource(plan, ISVC, "serving-recommender"), "spec.predictor") as Record<
      string,
      unknown
    >;
    expect([predictor["minReplicas"], predictor["maxReplicas"]]).toEqual([2, 10]);
    expect(predictor["topologySpreadConstraints"]).toEqual([
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: { matchLabels: { "serving.kserve.io/inferenceservice": "recommender" } },
      },
    ]);
    const pdb = findResource(plan, "kubernetes:policy/v1:PodDisruptionBudget", "serving-recommender-pdb");
    expect(inputAt(pdb, "spec")).toEqual({
      minAvailable: 1,
      selector: { matchLabels: { "serving.kserve.io/inferenceservice": "recommender" } },
    });
    expectValidCustomResources(plan);
  });

  it("dev has no PodDisruptionBudget and no zone spread", async () => {
    const plan = await servingPlan();
    expect(resourcesOfType(plan, "kubernetes:policy/v1:PodDisruptionBudget")).toEqual([]);
    expect(
      inputAt(findResource(plan, ISVC, "serving-recommender"), "spec.predictor.topologySpreadConstraints"),
    ).toBeUndefined();
  });
});

describe("ModelServing: autoscaling", () => {
  it("concurrency: KServe authors no autoscaler; a KEDA ScaledObject on the predictor Deployment, no inline secret", async () => {
    const plan = await servingPlan({
      monitoring: true,
      prometheus: PROMETHEUS,
      models: [{ ...RECOMMENDER, autoscaling: { metric: "concurrency", target: 8, maxReplicas: 6 } }],
    });
    expect(inputAt(findResource(plan, ISVC, "serving-recommender"), "metadata.annotations")).toMatchObject({
      "serving.kserve.io/autoscalerClass": "external",
    });
    const predictor = inputAt(findResource(plan, ISVC, "serving-recommender"), "spec.predictor") as Record<
      string,
      unknown
    >;
    expect(predictor["scaleMetric"]).toBeUndefined();
    const so = findResource(plan, SCALED_OBJECT, "serving-recommender-scaledobject");
    expect(inputAt(so, "metadata")).toMatchObject({ name: "recommender", namespace: "serving" });
    expect(inputAt(so, "spec")).toEqual({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "recommender-predictor" },
      minReplicaCount: 1,
      maxReplicaCount: 6,
      triggers: [
        {
          type: "prometheus",
          metricType: "AverageValue",
          metadata: {
            serverAddress: PROMETHEUS.url,
            query:
              'sum(rest_server_requests_in_progress{namespace="serving",pod=~"recommender-predictor-.*"})',
            threshold: "8",
            activationThreshold: "0",
          },
        },
      ],
    });
    expect(resourcesOfType(plan, TRIGGER_AUTH)).toEqual([]);
    expectValidCustomResources(plan);
  });

  it("the Prometheus URL may be an output (the Monitoring component's prometheusUrl)", async () => {
    const plan = await servingPlan({
      monitoring: true,
      prometheus: { url: pulumi.output(PROMETHEUS.url) },
      models: [{ ...RECOMMENDER, autoscaling: { metric: "concurrency" } }],
    });
    expect(
      inputAt(
        findResource(plan, SCALED_OBJECT, "serving-recommender-scaledobject"),
        "spec.triggers[0].metadata.serverAddress",
      ),
    ).toBe(PROMETHEUS.url);
    expectValidCustomResources(plan);
  });

  it("gcp with podIdentity: a TriggerAuthentication (KEDA's own identity, no Secret) referenced by the trigger", async () => {
    const plan = await servingPlan({
      target: "gcp",
      monitoring: true,
      prometheus: {
        url: "https://monitoring.googleapis.com/v1/projects/acme-ml/location/global/prometheus",
        authentication: "podIdentity",
      },
      models: [{ ...RECOMMENDER, autoscaling: { metric: "concurrency" } }],
    });
    const auth = findResource(plan, TRIGGER_AUTH, "serving-recommender-trigger-auth");
    expect(inputAt(auth, "spec")).toEqual({ podIdentity: { provider: "gcp" } });
    expect(inputAt(auth, "metadata.name")).toBe("recommender-prometheus");
    expect(
      inputAt(
        findResource(plan, SCALED_OBJECT, "serving-recommender-scaledobject"),
        "spec.triggers[0].authenticationRef",
      ),
    ).toEqual({ name: "recommender-prometheus" });
    expectValidCustomResources(plan);
  });

  it("gpuDutyCycle: DCGM's engine activity of the model's pods, the default metric with a GPU", async () => {
    const plan = await servingPlan({
      gpuPools: POOLS,
      monitoring: true,
      prometheus: PROMETHEUS,
      models: [{ ...RECOMMENDER, gpu: { type: "nvidia-l4" } }],
    });
    const so = findResource(plan, SCALED_OBJECT, "serving-recommender-scaledobject");
    expect(inputAt(so, "spec.triggers[0].metadata.query")).toBe(
      '100 * avg(DCGM_FI_PROF_GR_ENGINE_ACTIVE{namespace="serving",pod=~"recommender-predictor-.*"})',
    );
    expect(inputAt(so, "spec.triggers[0].metadata.threshold")).toBe("60");
    expectValidCustomResources(plan);
  });

  it("scale from zero: an online model at 0 is refused unless opted in (Standard mode buffers no request)", async () => {
    const refused = await failure({
      monitoring: true,
      prometheus: PROMETHEUS,
      models: [{ ...RECOMMENDER, autoscaling: { metric: "concurrency", minReplicas: 0 } }],
    });
    expect(refused).toContain(
      "args.models[0].autoscaling.minReplicas: 0 makes an online model refuse requests while it is scaled down",
    );
    const plan = await servingPlan({
      monitoring: true,
      prometheus: PROMETHEUS,
      models: [{ ...RECOMMENDER, autoscaling: { metric: "concurrency", minReplicas: 0, scaleToZero: true } }],
    });
    expect(
      inputAt(findResource(plan, SCALED_OBJECT, "serving-recommender-scaledobject"), "spec.minReplicaCount"),
    ).toBe(0);
    // A batch (not online) model may sit at 0 without the opt-in.
    const batch = await servingPlan({
      monitoring: true,
      prometheus: PROMETHEUS,
      models: [{ ...RECOMMENDER, online: false, autoscaling: { metric: "concurrency", minReplicas: 0 } }],
    });
    expect(
      inputAt(findResource(batch, SCALED_OBJECT, "serving-recommender-scaledobject"), "spec.minReplicaCount"),
    ).toBe(0);
  });

  it("scaleToZero alone sets minReplicas to 0 (the dev stack's switch); never in prod; contradicting minReplicas is refused", async () => {
    const plan = await servingPlan({
      monitoring: true,
      prometheus: PROMETHEUS,
      models: [{ ...RECOMMENDER, autoscaling: { metric: "concurrency", scaleToZero: true } }],
    });
    expect(
      inputAt(findResource(plan, SCALED_OBJECT, "serving-recommender-scaledobject"), "spec.minReplicaCount"),
    ).toBe(0);
    expect(inputAt(findResource(plan, ISVC, "serving-recommender"), "spec.predictor.minReplicas")).toBe(0);
    const prod = await failure({
      environment: "prod",
      monitoring: true,
      prometheus: PROMETHEUS,
      models: [{ ...RECOMMENDER, autoscaling: { metric: "concurrency", scaleToZero: true } }],
    });
    expect(prod).toContain("args.models[0].autoscaling.minReplicas: must be at least 2 in prod");
    const contradicting = await failure({
      monitoring: true,
      prometheus: PROMETHEUS,
      models: [{ ...RECOMMENDER, autoscaling: { metric: "concurrency", scaleToZero: true, minReplicas: 1 } }],
    });
    expect(contradicting).toContain(
      "args.models[0].autoscaling.scaleToZero: scales the model to 0: minReplicas must be 0 or unset",
    );
  });

  it("0 replicas on CPU (an HPA never scales from zero) is refused even when opted in", async () => {
    const message = await failure({
      models: [{ ...RECOMMENDER, autoscaling: { minReplicas: 0, scaleToZero: true } }],
    });
    expect(message).toContain(
      'args.models[0].autoscaling.minReplicas: 0 needs metric "concurrency" (KEDA); "cpu" cannot scale a model from zero',
    );
  });
});

describe("ModelServing: canary, promotion and rollback as argument changes", () => {
  const CANARY = { storageUri: "mlflow-artifacts/1/def456/artifacts/model", version: "4", percent: 10 };

  it("a canary takes its percentage with fixed replicas; the outputs carry both versions", async () => {
    let outputs: Record<string, unknown> = {};
    const plan = await planOf(
      () => {
        const cluster = { ...fakeClusterHandle({ target: "aws", aws }), certificates: CERTIFICATES };
        const registry = new ModelRegistry("registry", { cluster });
        const serving = new ModelServing("serving", {
          cluster,
          artifactStore: registry.artifactStore,
          models: [{ ...RECOMMENDER, canary: CANARY }],
        });
        outputs = serving.models;
      },
      { config: { "aws:region": "us-east-1" } },
    );
    const isvc = findResource(plan, ISVC, "serving-recommender");
    expect(inputAt(isvc, "metadata.annotations")).toMatchObject({
      "mlops.pulumi.com/model-version": "3",
      "mlops.pulumi.com/canary-version": "4",
    });
    const canary = inputAt(isvc, "spec.canary") as {
      trafficPercent: number;
      predictor: Record<string, unknown>;
    }[];
    expect(canary).toHaveLength(1);
    expect(canary[0]!.trafficPercent).toBe(10);
    expect([canary[0]!.predictor["minReplicas"], canary[0]!.predictor["maxReplicas"]]).toEqual([1, 1]);
    expect(canary[0]!.predictor["scaleMetric"]).toBeUndefined();
    expect(inputAt(isvc, "spec.canary[0].predictor.model.storageUri")).toBe(
      "s3://registry-artifacts-bucket/mlflow-artifacts/1/def456/artifacts/model",
    );
    expect(inputAt(isvc, "spec.predictor.model.storageUri")).toBe(
      "s3://registry-artifacts-bucket/mlflow-artifacts/1/abc123/artifacts/model",
    );
    expect(outputs["recommender"]).toEqual({
      internalUrl: "http://recommender-predictor.serving.svc.cluster.local",
      externalUrl: undefined,
      currentVersion: "3",
      canaryVersion: "4",
      canaryPercent: 10,
    });
    expectValidCustomResources(plan);
  });

  it("raising the percentage changes only trafficPercent", async () => {
    const at10 = await servingPlan({ models: [{ ...RECOMMENDER, canary: CANARY }] });
    const at50 = await servingPlan({ models: [{ ...RECOMMENDER, canary: { ...CANARY, percent: 50 } }] });
    const spec = (p: Plan) =>
      inputAt(findResource(p, ISVC, "serving-recommender"), "spec") as {
        canary: { trafficPercent: number }[];
      };
    const [a, b] = [spec(at10), spec(at50)];
    expect(b.canary[0]!.trafficPercent).toBe(50);
    expect({ ...b, canary: [{ ...b.canary[0], trafficPercent: 10 }] }).toEqual(a);
  });

  it("promotion: the canary's path and version become the model's, and the canary is gone", async () => {
    const plan = await servingPlan({
      models: [{ ...RECOMMENDER, storageUri: CANARY.storageUri, version: CANARY.version }],
    });
    const isvc = findResource(plan, ISVC, "serving-recommender");
    expect(inputAt(isvc, "spec.canary")).toBeUndefined();
    expect(inputAt(isvc, "spec.predictor.model.storageUri")).toBe(
      "s3://registry-artifacts-bucket/mlflow-artifacts/1/def456/artifacts/model",
    );
    expect(inputAt(isvc, "metadata.annotations")).toMatchObject({ "mlops.pulumi.com/model-version": "4" });
  });

  it("rollback: removing the canary leaves the current version alone", async () => {
    const before = await servingPlan();
    const rolledBack = await servingPlan({ models: [{ ...RECOMMENDER }] });
    expect(inputAt(findResource(rolledBack, ISVC, "serving-recommender"), "spec")).toEqual(
      inputAt(findResource(before, ISVC, "serving-recommender"), "spec"),
    );
  });
});

describe("ModelServing: GPU serving from the cluster's pools", () => {
  it("nvidia.com/gpu requests and limits, the GPU taint tolerated and the pool type selected from the handle", async () => {
    const plan = await servingPlan({
      gpuPools: POOLS,
      models: [
        {
          ...RECOMMENDER,
          format: "huggingface",
          gpu: { type: "nvidia-a100", count: 2 },
          autoscaling: { metric: "cpu" },
        },
      ],
    });
    const predictor = inputAt(findResource(plan, ISVC, "serving-recommender"), "spec.predictor") as Record<
      string,
      unknown
    >;
    expect(predictor["nodeSelector"]).toEqual({
      "mlops.pulumi.com/gpu": "true",
      "mlops.pulumi.com/gpu-type": "nvidia-a100",
    });
    expect(predictor["tolerations"]).toEqual([
      { key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" },
    ]);
    expect(
      inputAt(findResource(plan, ISVC, "serving-recommender"), "spec.predictor.model.resources"),
    ).toEqual({
      requests: { cpu: "500m", memory: "1Gi", "nvidia.com/gpu": "2" },
      limits: { cpu: "2", memory: "4Gi", "nvidia.com/gpu": "2" },
    });
    expectValidCustomResources(plan);
  });

  it("a GPU type with no pool on the cluster is refused, naming the pools it has", async () => {
    const message = await failure({
      gpuPools: POOLS,
      models: [{ ...RECOMMENDER, gpu: { type: "nvidia-h100" }, autoscaling: { metric: "cpu" } }],
    });
    expect(message).toContain(
      'args.models[0].gpu.type: the cluster has no GPU pool of type "nvidia-h100" (it has "nvidia-l4", "nvidia-a100")',
    );
    const none = await failure({
      models: [{ ...RECOMMENDER, gpu: { type: "nvidia-l4" }, autoscaling: { metric: "cpu" } }],
    });
    expect(none).toContain(
      'args.models[0].gpu.type: the cluster has no GPU pool of type "nvidia-l4" (it has no GPU pools)',
    );
  });
});

describe("ModelServing: network, metrics, logging and exposure", () => {
  it("NetworkPolicy: client namespaces and the namespace on 8080; egress to DNS, the store and the identity only (aws)", async () => {
    const plan = await servingPlan();
    const np = findResource(
      plan,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "serving-recommender-network-policy",
    );
    expect(inputAt(np, "spec.podSelector")).toEqual({
      matchLabels: { "serving.kserve.io/inferenceservice": "recommender" },
    });
    expect(inputAt(np, "spec.ingress")).toEqual([
      {
        from: [
          { podSelector: {} },
          { namespaceSelector: { matchLabels: { "mlops.pulumi.com/serving-client": "true" } } },
        ],
        ports: [{ protocol: "TCP", port: 8080 }],
      },
    ]);
    // DNS, HTTPS to S3 (the metadata endpoint excepted) and the EKS Pod Identity agent.
    expect(inputAt(np, "spec.egress")).toEqual([
      {
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
      },
      {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }],
        ports: [{ protocol: "TCP", port: 443 }],
      },
      { to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
    ]);
  });

  it("monitoring on: a PodMonitor on MLServer's port 8082 (by name), and the scrapers admitted to it", async () => {
    const plan = await servingPlan({ monitoring: true });
    const monitor = findResource(plan, POD_MONITOR, "serving-recommender-monitor");
    expect(inputAt(monitor, "spec.podMetricsEndpoints")).toEqual([
      { port: "metrics", path: "/metrics", scheme: "http", interval: "30s", honorLabels: false },
    ]);
    expect(inputAt(monitor, "spec.selector")).toEqual({
      matchLabels: { "serving.kserve.io/inferenceservice": "recommender" },
    });
    const np = findResource(
      plan,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "serving-recommender-network-policy",
    );
    expect(inputAt(np, "spec.ingress[1]")).toEqual({
      from: [{ namespaceSelector: { matchLabels: { "mlops.pulumi.com/metrics-scraper": "true" } } }],
      ports: [{ protocol: "TCP", port: 8082 }],
    });
    expectValidCustomResources(plan);
  });

  it("monitoring off: no monitor", async () => {
    expect(resourcesOfType(await servingPlan(), POD_MONITOR)).toEqual([]);
  });

  it("payload logging: the logger posts to the sink, and the NetworkPolicy lets it", async () => {
    const plan = await servingPlan({
      models: [
        {
          ...RECOMMENDER,
          logging: { sinkUrl: "http://payload-sink.drift.svc.cluster.local:8080", mode: "request" },
        },
      ],
    });
    expect(inputAt(findResource(plan, ISVC, "serving-recommender"), "spec.predictor.logger")).toEqual({
      mode: "request",
      url: "http://payload-sink.drift.svc.cluster.local:8080",
    });
    const np = findResource(
      plan,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "serving-recommender-network-policy",
    );
    expect(inputAt(np, "spec.egress")).toContainEqual({
      to: [{ namespaceSelector: {} }],
      ports: [{ protocol: "TCP", port: 8080 }],
    });
    expectValidCustomResources(plan);
  });

  it("exposure: HTTPS through the in-cluster controller with external authentication, and the controller admitted", async () => {
    let external: unknown;
    const plan = await planOf(
      () => {
        const cluster = { ...fakeClusterHandle({ target: "aws", aws }), certificates: CERTIFICATES };
        const registry = new ModelRegistry("registry", { cluster });
        const serving = new ModelServing("serving", {
          cluster,
          artifactStore: registry.artifactStore,
          models: [
            {
              ...RECOMMENDER,
              exposure: {
                enabled: true,
                host: "recommender.example.com",
                className: "nginx",
                tlsSecretName: "recommender-tls",
                authentication: { externalAuth: { url: "https://auth.example.com/oauth2/auth" } },
              },
            },
          ],
        });
        external = serving.models["recommender"]?.externalUrl;
      },
      { config: { "aws:region": "us-east-1" } },
    );
    const ingress = findResource(
      plan,
      "kubernetes:networking.k8s.io/v1:Ingress",
      "serving-recommender-ingress",
    );
    expect(inputAt(ingress, "metadata.annotations")).toEqual({
      "nginx.ingress.kubernetes.io/ssl-redirect": "true",
      "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
      "nginx.ingress.kubernetes.io/auth-url": "https://auth.example.com/oauth2/auth",
    });
    expect(inputAt(ingress, "spec")).toEqual({
      ingressClassName: "nginx",
      tls: [{ hosts: ["recommender.example.com"], secretName: "recommender-tls" }],
      rules: [
        {
          host: "recommender.example.com",
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "recommender-predictor", port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    });
    const np = findResource(
      plan,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "serving-recommender-network-policy",
    );
    expect(inputAt(np, "spec.ingress[1]")).toEqual({
      from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }],
      ports: [{ protocol: "TCP", port: 8080 }],
    });
    expect(external).toBe("https://recommender.example.com");
  });

  it("exposure without authentication or TLS is refused", async () => {
    const message = await failure({
      models: [{ ...RECOMMENDER, exposure: { enabled: true, host: "recommender.example.com" } }],
    });
    expect(message).toContain("args.models[0].exposure.authentication: required when exposure is enabled");
    expect(message).toContain('args.models[0].exposure.certificateArn: required for IngressClass "alb"');
  });
});

describe("ModelServing: bad arguments are named with their path", () => {
  const cases: [string, ServingOverrides, string][] = [
    [
      "canary percentage above 100",
      { models: [{ ...RECOMMENDER, canary: { storageUri: "models/v4", percent: 101 } }] },
      "args.models[0].canary.percent: must be between 0 and 100",
    ],
    [
      "canary percentage below 0",
      { models: [{ ...RECOMMENDER, canary: { storageUri: "models/v4", percent: -5 } }] },
      "args.models[0].canary.percent: must be between 0 and 100",
    ],
    [
      "a model name that is not a DNS label",
      { models: [{ ...RECOMMENDER, name: "Recommender_v2" }] },
      "args.models[0].name: must be a DNS-1123 label",
    ],
    [
      "a storageUri on http://",
      { models: [{ ...RECOMMENDER, storageUri: "http://models.example.com/recommender" }] },
      'args.models[0].storageUri: must be a path inside the artifact store (e.g. "mlflow-artifacts/1/<run>/artifacts/model"), not a URI: models are read only from the platform\'s store, never over plain http://',
    ],
    [
      "a storageUri in another bucket",
      { models: [{ ...RECOMMENDER, storageUri: "s3://someone-elses-bucket/model" }] },
      "args.models[0].storageUri: must be a path inside the artifact store",
    ],
    [
      "a storageUri escaping the store's prefix",
      { models: [{ ...RECOMMENDER, storageUri: "mlflow-artifacts/../other" }] },
      "args.models[0].storageUri: must be a relative, normalised path inside the artifact store",
    ],
    [
      "prod with fewer than 2 replicas",
      { environment: "prod", models: [{ ...RECOMMENDER, autoscaling: { minReplicas: 1 } }] },
      "args.models[0].autoscaling.minReplicas: must be at least 2 in prod",
    ],
    [
      "two models of one name",
      { models: [RECOMMENDER, { ...RECOMMENDER, storageUri: "models/other" }] },
      'args.models[1].name: "recommender" is already models[0].name',
    ],
    [
      "a KEDA metric without Prometheus",
      { models: [{ ...RECOMMENDER, autoscaling: { metric: "concurrency" } }] },
      'args.models[0].autoscaling.metric: "concurrency" is read from Prometheus by KEDA: set prometheus.url',
    ],
    [
      "a KEDA metric on a cluster without monitoring",
      { prometheus: PROMETHEUS, models: [{ ...RECOMMENDER, autoscaling: { metric: "concurrency" } }] },
      'args.models[0].autoscaling.metric: "concurrency" needs the cluster\'s monitoring',
    ],
    [
      "concurrency on a runtime other than MLServer",
      {
        monitoring: true,
        prometheus: PROMETHEUS,
        models: [{ ...RECOMMENDER, format: "pytorch", autoscaling: { metric: "concurrency" } }],
      },
      'args.models[0].autoscaling.metric: "concurrency" reads MLServer\'s requests-in-progress gauge: it needs format mlflow, sklearn or xgboost (not "pytorch")',
    ],
    [
      "a Prometheus URL that is not http(s)",
      { prometheus: { url: "prometheus:9090" } },
      "args.prometheus.url: must be an http(s) URL",
    ],
    [
      "podIdentity off gcp",
      { prometheus: { ...PROMETHEUS, authentication: "podIdentity" } },
      'args.prometheus.authentication: "podIdentity" (Google Cloud Managed Prometheus) needs target "gcp"',
    ],
    [
      "maxReplicas below minReplicas",
      { models: [{ ...RECOMMENDER, autoscaling: { minReplicas: 4, maxReplicas: 2 } }] },
      "args.models[0].autoscaling.maxReplicas: must be at least minReplicas (4)",
    ],
  ];
  for (const [what, o, expected] of cases) {
    it(what, async () => {
      expect(await failure(o)).toContain(expected);
    });
  }

  it("reports every problem at once, before any child exists", () => {
    const r = resolveModelServingArgs({
      cluster: fakeClusterHandle({ target: "aws", aws }),
      artifactStore: { kind: "objectStore" },
      models: [{ name: "Bad", storageUri: "http://x/y", canary: { storageUri: "m/2", percent: 150 } }],
    });
    expect(r.resolved).toBeUndefined();
    expect(r.problems.map((p) => p.path.join("."))).toEqual(
      expect.arrayContaining(["models.0.name", "models.0.storageUri", "models.0.canary.percent"]),
    );
  });

  it("an artifact store that is not an ObjectStore is refused", () => {
    const r = resolveModelServingArgs({
      cluster: fakeClusterHandle({ target: "aws", aws }),
      artifactStore: "s3://bucket",
      models: [RECOMMENDER],
    });
    expect(r.problems).toEqual([
      { path: ["artifactStore"], message: "must be an ObjectStore (e.g. a ModelRegistry's `artifactStore`)" },
    ]);
  });
});

describe("resolveModelServingArgs: presets and the stack config's call", () => {
  const cluster = { target: "aws" as const, environment: "dev" as const, gpuPools: [] };

  it("resolves before the cluster exists (the stack config): per environment replicas and high availability", () => {
    const at = (environment: "dev" | "staging" | "prod") =>
      resolveModelServingArgs({ environment, models: [RECOMMENDER] }, undefined, cluster).resolved?.models[0];
    expect(at("dev")).toMatchObject({
      autoscaling: { minReplicas: 1, maxReplicas: 3, metric: "cpu", target: 70 },
      highAvailability: false,
    });
    expect(at("staging")).toMatchObject({
      autoscaling: { minReplicas: 2, maxReplicas: 5 },
      highAvailability: true,
    });
    expect(at("prod")).toMatchObject({
      autoscaling: { minReplicas: 2, maxReplicas: 10 },
      highAvailability: true,
    });
  });

  it("defaults: namespace, platform, client label, format, version from the path", () => {
    const r = resolveModelServingArgs(
      { models: [{ name: "m", storageUri: "models/m" }] },
      undefined,
      cluster,
    );
    expect(r.problems).toEqual([]);
    expect(r.resolved).toMatchObject({
      namespace: "serving",
      installPlatform: true,
      clientNamespaceLabels: { "mlops.pulumi.com/serving-client": "true" },
      prometheus: undefined,
      models: [
        { name: "m", version: "models/m", format: "mlflow", online: true, canary: undefined, gpu: undefined },
      ],
    });
  });

  it("the stack config gets the same messages, by path", () => {
    const r = resolveModelServingArgs(
      { environment: "prod", models: [{ ...RECOMMENDER, autoscaling: { minReplicas: 1 } }] },
      undefined,
      cluster,
    );
    expect(r.problems).toEqual([
      { path: ["models", 0, "autoscaling", "minReplicas"], message: "must be at least 2 in prod" },
    ]);
  });
});
