/**
 * ModelServing's payload logging to the component's sink: the payload-logs bucket, the sink (the
 * mlops_jobs.payload_sink module on pythonJobPod) with its identity and NetworkPolicies, the
 * models' logger URLs and egress, the outputs, and bad arguments by path.
 */
import * as pulumi from "@pulumi/pulumi";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { describe, expect, it } from "vitest";
import type { ModelArgs, ObjectStore } from "../../components";
import { PYTHON_IMAGE } from "../../components/shared/python-job";
import { runPoliciesDetailed } from "../../policies/offline";
import { findResource, inputAt, type Plan } from "../helpers";
import { validateStrict, type ModelClass } from "../schemas/validate";
import {
  ISVC,
  RECOMMENDER,
  servingChildren,
  servingFailure,
  servingPlan as fixturePlan,
  type ServingOverrides,
} from "./fixtures";
import { inferenceServiceSchemaErrors } from "./schema";

const LOGGED: ModelArgs = { ...RECOMMENDER, logging: {} };
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

interface Outputs {
  payloadLogStore: ObjectStore | undefined;
  payloadLogUri: pulumi.Output<string> | undefined;
}

/** The component with a logged recommender unless the test says otherwise. */
function servingPlan(o: ServingOverrides = {}, outputs?: Outputs): Promise<Plan> {
  return fixturePlan({ models: [LOGGED], ...o }, (serving) => {
    if (outputs) {
      outputs.payloadLogStore = serving.payloadLogStore;
      outputs.payloadLogUri = serving.models["recommender"]?.payloadLogUri;
    }
  });
}
const failure = (o: ServingOverrides): Promise<string> => servingFailure({ models: [LOGGED], ...o });
const children = servingChildren;

function value<T>(o: pulumi.Output<T> | undefined): Promise<T | undefined> {
  return new Promise((resolve) => (o ? o.apply((v) => resolve(v)) : resolve(undefined)));
}

const SINK_K8S = [
  "kubernetes:apps/v1:Deployment serving-payload-sink",
  "kubernetes:core/v1:ConfigMap serving-payload-sink-sources",
  "kubernetes:core/v1:Service serving-payload-sink-service",
  "kubernetes:networking.k8s.io/v1:NetworkPolicy serving-payload-sink-network-policy",
  "mlops:index:SecureWorkload serving-payload-sink",
];
const ADDED: Record<"aws" | "gcp" | "local", string[]> = {
  aws: [
    "aws:eks/podIdentityAssociation:PodIdentityAssociation serving-payload-sink-pod-identity",
    "aws:iam/role:Role serving-payload-sink-role",
    "aws:iam/rolePolicy:RolePolicy serving-payload-sink-role-policy",
    "aws:kms/alias:Alias serving-payload-logs-key-alias",
    "aws:kms/key:Key serving-payload-logs-key",
    "aws:s3/bucket:Bucket serving-payload-logs-bucket",
    "aws:s3/bucket:Bucket serving-payload-logs-logs",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration serving-payload-logs-logs-lifecycle",
    "aws:s3/bucketLogging:BucketLogging serving-payload-logs-bucket-logging",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls serving-payload-logs-bucket-ownership",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls serving-payload-logs-logs-ownership",
    "aws:s3/bucketPolicy:BucketPolicy serving-payload-logs-bucket-policy",
    "aws:s3/bucketPolicy:BucketPolicy serving-payload-logs-logs-policy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock serving-payload-logs-bucket-public-access",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock serving-payload-logs-logs-public-access",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration serving-payload-logs-bucket-encryption",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration serving-payload-logs-logs-encryption",
    "aws:s3/bucketVersioning:BucketVersioning serving-payload-logs-bucket-versioning",
    "kubernetes:core/v1:ServiceAccount serving-payload-sink-sa",
    ...SINK_K8S,
  ],
  gcp: [
    "gcp:kms/cryptoKey:CryptoKey serving-payload-logs-key",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember serving-payload-logs-gcs-agent-member",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember serving-payload-logs-sql-agent-member",
    "gcp:kms/keyRing:KeyRing serving-payload-logs-keyring",
    "gcp:projects/serviceIdentity:ServiceIdentity serving-payload-logs-sql-agent",
    "gcp:serviceaccount/account:Account serving-payload-sink-gsa",
    "gcp:serviceaccount/iAMMember:IAMMember serving-payload-sink-wi-member",
    "gcp:storage/bucket:Bucket serving-payload-logs-bucket",
    "gcp:storage/bucketIAMMember:BucketIAMMember serving-payload-sink-payload-logs-bucket-member",
    "kubernetes:core/v1:ServiceAccount serving-payload-sink-serviceaccount",
    ...SINK_K8S,
  ],
  local: [
    "kubernetes:apps/v1:Deployment serving-payload-logs-minio",
    "kubernetes:batch/v1:Job serving-payload-logs-minio-mb",
    "kubernetes:core/v1:PersistentVolumeClaim serving-payload-logs-minio-data",
    "kubernetes:core/v1:Secret serving-payload-logs-minio-credentials",
    "kubernetes:core/v1:Service serving-payload-logs-minio",
    "kubernetes:core/v1:ServiceAccount serving-payload-logs-minio",
    "kubernetes:core/v1:ServiceAccount serving-payload-logs-minio-mb",
    "kubernetes:core/v1:ServiceAccount serving-payload-sink-sa",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy serving-payload-logs-minio",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy serving-payload-logs-minio-mb",
    "random:index/randomPassword:RandomPassword serving-payload-logs-minio-root-password",
    "random:index/randomPassword:RandomPassword serving-payload-logs-minio-root-user",
    ...SINK_K8S,
  ],
};

describe("ModelServing payload sink: children per target", () => {
  for (const target of ["aws", "gcp", "local"] as const) {
    it(`${target}: logging to the component's sink adds exactly the bucket, the identity and the sink; off adds none`, async () => {
      const on = children(await servingPlan({ target }));
      const off = children(await servingPlan({ target, models: [RECOMMENDER] }));
      expect(on.filter((c) => !off.includes(c))).toEqual([...ADDED[target]].sort());
      expect(off.filter((c) => !on.includes(c))).toEqual([]);
    });
  }

  it("no sink with logging disabled or with your own sinkUrl", async () => {
    const off = children(await servingPlan({ models: [RECOMMENDER] }));
    const disabled = await servingPlan({
      models: [{ ...RECOMMENDER, logging: { enabled: false, mode: "request" } }],
    });
    expect(children(disabled)).toEqual(off);
    expect(
      inputAt(findResource(disabled, ISVC, "serving-recommender"), "spec.predictor.logger"),
    ).toBeUndefined();
    const own = await servingPlan({
      models: [{ ...RECOMMENDER, logging: { sinkUrl: "http://sink.drift.svc.cluster.local:8080" } }],
    });
    expect(children(own)).toEqual(off);
  });
});

describe("ModelServing payload sink: the models' loggers", () => {
  it("each predictor posts to the sink with its model and version in the path; the canary with its own version", async () => {
    const plan = await servingPlan({
      models: [
        {
          ...LOGGED,
          logging: { mode: "all" },
          canary: { storageUri: "mlflow-artifacts/1/def456/artifacts/model", version: "4", percent: 10 },
        },
        { name: "churn", storageUri: "models/churn/v1", logging: { mode: "request" } },
      ],
    });
    const sink = "http://payload-sink.serving.svc.cluster.local:8080";
    const isvc = findResource(plan, ISVC, "serving-recommender");
    expect(inputAt(isvc, "spec.predictor.logger")).toEqual({
      mode: "all",
      url: `${sink}/models/recommender/versions/3`,
    });
    expect(inputAt(isvc, "spec.canary.0.predictor.logger")).toEqual({
      mode: "all",
      url: `${sink}/models/recommender/versions/4`,
    });
    // A version defaulting to the storage path becomes one path segment (the sink's rule).
    expect(inputAt(findResource(plan, ISVC, "serving-churn"), "spec.predictor.logger")).toEqual({
      mode: "request",
      url: `${sink}/models/churn/versions/models_churn_v1`,
    });
    expect(inferenceServiceSchemaErrors(isvc.inputs)).toEqual([]);
  });

  it("the model pods reach only the sink's pods on 8080 (not every namespace)", async () => {
    const plan = await servingPlan();
    const egress = inputAt(
      findResource(plan, NP, "serving-recommender-network-policy"),
      "spec.egress",
    ) as unknown[];
    expect(egress).toContainEqual({
      to: [
        {
          podSelector: {
            matchLabels: {
              "app.kubernetes.io/name": "mlops-payload-sink",
              "app.kubernetes.io/instance": "serving",
              "app.kubernetes.io/component": "payload-sink",
            },
          },
        },
      ],
      ports: [{ protocol: "TCP", port: 8080 }],
    });
    expect(egress).not.toContainEqual(expect.objectContaining({ to: [{ namespaceSelector: {} }] }));
  });
});

describe("ModelServing payload sink: the sink", () => {
  it("aws: the sink module on the pinned image, writing to <payload bucket>/payload-logs as the payload-sink identity", async () => {
    const plan = await servingPlan({ payloadSink: { flushRows: 500, flushInterval: "2m" } });
    const deployment = findResource(plan, DEPLOYMENT, "serving-payload-sink");
    expect(inputAt(deployment, "metadata.name")).toBe("payload-sink");
    expect(inputAt(deployment, "metadata.namespace")).toBe("serving");
    expect(inputAt(deployment, "spec.replicas")).toBe(1);
    const spec = inputAt(deployment, "spec.template.spec") as Record<string, unknown>;
    expect(spec["serviceAccountName"]).toBe("payload-sink");
    expect(spec["automountServiceAccountToken"]).toBe(false);
    const [sink] = spec["containers"] as Record<string, unknown>[];
    expect(sink!["image"]).toBe(PYTHON_IMAGE);
    expect(sink!["command"]).toEqual(["python", "-m", "mlops_jobs.payload_sink"]);
    const bucket = "serving-payload-logs-bucket"; // the mocks' physical name
    expect(sink!["env"]).toEqual([
      { name: "PYTHONUNBUFFERED", value: "1" },
      { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
      { name: "HOME", value: "/tmp" },
      { name: "MLOPS_SINK_PREFIX", value: `s3://${bucket}/payload-logs` },
      { name: "MLOPS_SINK_PORT", value: "8080" },
      { name: "MLOPS_SINK_FLUSH_ROWS", value: "500" },
      { name: "MLOPS_SINK_FLUSH_INTERVAL", value: "2m" },
      { name: "MLOPS_SINK_MAX_BUFFER_ROWS", value: "100000" },
      { name: "AWS_REGION", value: "us-east-1" },
      { name: "PYTHONPATH", value: "/deps:/app" },
    ]);
    expect((spec["initContainers"] as { command: string[] }[])[0]!.command.slice(-4)).toEqual([
      "--target",
      "/deps",
      "-r",
      "/lock/requirements-sink.lock",
    ]);
    expect(sink!["resources"]).toEqual({
      requests: { cpu: "100m", memory: "256Mi" },
      limits: { cpu: "1", memory: "1Gi" },
    });
    expect(sink!["securityContext"]).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(validateStrict(Deployment as unknown as ModelClass, deployment.inputs)).toEqual([]);
  });

  it("prod: two replicas across zones with a PDB; a prebuilt image and a PyPI mirror when given", async () => {
    const image = `registry.internal/mlops-jobs:0.1.0@sha256:${"b".repeat(64)}`;
    const prod = await servingPlan({ environment: "prod", payloadSink: { image } });
    const deployment = findResource(prod, DEPLOYMENT, "serving-payload-sink");
    expect(inputAt(deployment, "spec.replicas")).toBe(2);
    expect(inputAt(deployment, "spec.template.spec.initContainers")).toBeUndefined();
    expect(inputAt(deployment, "spec.template.spec.containers.0.image")).toBe(image);
    expect(
      findResource(prod, "kubernetes:policy/v1:PodDisruptionBudget", "serving-payload-sink-pdb"),
    ).toBeDefined();
    const mirror = await servingPlan({ payloadSink: { pipIndexUrl: "https://pypi.mirror.internal/simple" } });
    expect(
      inputAt(
        findResource(mirror, DEPLOYMENT, "serving-payload-sink"),
        "spec.template.spec.initContainers.0.env",
      ),
    ).toContainEqual({ name: "PIP_INDEX_URL", value: "https://pypi.mirror.internal/simple" });
  });

  it("NetworkPolicy: ingress on 8080 only from the namespace's model pods; egress DNS, the store, the identity, HTTPS for the install", async () => {
    const plan = await servingPlan();
    const np = findResource(plan, NP, "serving-payload-sink-network-policy");
    expect(inputAt(np, "metadata.name")).toBe("payload-sink");
    expect(inputAt(np, "spec.ingress")).toEqual([
      {
        from: [
          {
            podSelector: {
              matchExpressions: [{ key: "serving.kserve.io/inferenceservice", operator: "Exists" }],
            },
          },
        ],
        ports: [{ protocol: "TCP", port: 8080 }],
      },
    ]);
    const egress = inputAt(np, "spec.egress") as { ports?: { port: number }[] }[];
    // DNS; the store (S3 over HTTPS, not the instance metadata); the EKS Pod Identity agent; the
    // package index for the install (not link-local).
    expect(egress.slice(1)).toEqual([
      {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }],
        ports: [{ protocol: "TCP", port: 443 }],
      },
      { to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
      {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } }],
        ports: [{ protocol: "TCP", port: 443 }],
      },
    ]);
    expect(validateStrict(NetworkPolicy as unknown as ModelClass, np.inputs)).toEqual([]);
  });

  it("local: the sink reaches its MinIO with MLOPS_S3_ENDPOINT_URL and the store's credentials by reference", async () => {
    const plan = await servingPlan({ target: "local" });
    const env = inputAt(
      findResource(plan, DEPLOYMENT, "serving-payload-sink"),
      "spec.template.spec.containers.0.env",
    ) as {
      name: string;
      value?: string;
      valueFrom?: unknown;
    }[];
    const endpoint = env.find((e) => e.name === "MLOPS_S3_ENDPOINT_URL");
    expect(endpoint?.value).toMatch(
      /^http:\/\/serving-payload-logs-minio\.serving\.svc\.cluster\.local:9000$/,
    );
    expect(env.find((e) => e.name === "MLOPS_SINK_PREFIX")?.value).toMatch(
      /^s3:\/\/[a-z0-9-]+\/payload-logs$/,
    );
    for (const e of env.filter((x) => /SECRET|KEY_ID/.test(x.name))) {
      expect(e.value, e.name).toBeUndefined();
      expect(e.valueFrom, e.name).toBeDefined();
    }
  });
});

describe("ModelServing payload sink: grants and outputs", () => {
  it("aws: the sink's role writes only the payload bucket; the model's stays read-only on the registry's", async () => {
    const plan = await servingPlan();
    const bucket = "serving-payload-logs-bucket"; // the mocks' physical name
    const policy = JSON.parse(
      inputAt(
        findResource(plan, "aws:iam/rolePolicy:RolePolicy", "serving-payload-sink-role-policy"),
        "policy",
      ) as string,
    ) as { Statement: { Action: string[]; Resource: string | string[] }[] };
    const actions = policy.Statement.flatMap((s) => s.Action);
    expect(actions).toEqual(expect.arrayContaining(["s3:PutObject", "s3:GetObject"]));
    const buckets = policy.Statement.flatMap((s) => [s.Resource].flat()).filter((r) =>
      r.startsWith("arn:aws:s3"),
    );
    expect(buckets.length).toBeGreaterThan(0);
    expect(buckets.every((r) => r.startsWith(`arn:aws:s3:::${bucket}`))).toBe(true);
    const model = JSON.parse(
      inputAt(
        findResource(plan, "aws:iam/rolePolicy:RolePolicy", "serving-recommender-role-policy"),
        "policy",
      ) as string,
    ) as { Statement: { Action: string[] }[] };
    expect(model.Statement.flatMap((s) => s.Action).filter((a) => /Put|Delete/.test(a))).toEqual([]);
  });

  it("gcp: the sink's Google service account is objectUser (read and write objects, no IAM) on the payload bucket only", async () => {
    const plan = await servingPlan({ target: "gcp" });
    const member = findResource(
      plan,
      "gcp:storage/bucketIAMMember:BucketIAMMember",
      "serving-payload-sink-payload-logs-bucket-member",
    );
    expect(inputAt(member, "role")).toBe("roles/storage.objectUser");
    // The mocks name the bucket after its resource: this is the payload bucket, not the registry's.
    expect(inputAt(member, "bucket")).toBe("serving-payload-logs-bucket");
  });

  it("outputs: payloadLogStore and each model's payloadLogUri; none without the component's sink", async () => {
    const outputs: Outputs = { payloadLogStore: undefined, payloadLogUri: undefined };
    await servingPlan({}, outputs);
    const bucket = "serving-payload-logs-bucket"; // the mocks' physical name
    expect(outputs.payloadLogStore?.kind).toBe("objectStore");
    expect(await value(outputs.payloadLogStore?.uri)).toBe(`s3://${bucket}`);
    expect(await value(outputs.payloadLogUri)).toBe(`s3://${bucket}/payload-logs/recommender`);
    const none: Outputs = { payloadLogStore: undefined, payloadLogUri: undefined };
    await servingPlan({ models: [{ ...RECOMMENDER, logging: { sinkUrl: "http://s.d.svc:8080" } }] }, none);
    expect(none.payloadLogStore).toBeUndefined();
    expect(none.payloadLogUri).toBeUndefined();
  });

  it("payloadSink.prefix moves the files and the URI", async () => {
    const outputs: Outputs = { payloadLogStore: undefined, payloadLogUri: undefined };
    await servingPlan({ payloadSink: { prefix: "logs/serving" } }, outputs);
    const bucket = "serving-payload-logs-bucket"; // the mocks' physical name
    expect(await value(outputs.payloadLogUri)).toBe(`s3://${bucket}/logs/serving/recommender`);
  });
});

describe("ModelServing payload sink: the policy pack", () => {
  for (const target of ["aws", "gcp", "local"] as const) {
    it(`${target} prod: no rule of the pack, at any level, flags the bucket, the identity or the sink`, async () => {
      const plan = await servingPlan({
        target,
        environment: "prod",
        tags: { owner: "ml-platform", "cost-center": "ml", "data-classification": "internal" },
      });
      const result = runPoliciesDetailed(
        { stack: "test", project: "mlops", resources: plan.resources, stackTags: { environment: "prod" } },
        {},
      );
      const mine = result.violations.filter((v) => /payload-(sink|logs)/.test(v.urn));
      expect(mine.map((v) => `${v.policyName}: ${v.urn.split("::").pop()}: ${v.message}`)).toEqual([]);
      // The check can fail: the same run sees the sink's objects.
      expect(plan.resources.filter((r) => /payload-sink/.test(r.urn)).length).toBeGreaterThan(4);
    });
  }
});

describe("ModelServing payload sink: bad arguments by path", () => {
  const cases: [string, ServingOverrides, string][] = [
    [
      "an image without a digest",
      { payloadSink: { image: "registry.internal/mlops-jobs:0.1.0" } },
      "args.payloadSink.image: must be pinned by digest (<image>@sha256:<64 hex>)",
    ],
    [
      "a flush interval that is not a duration",
      { payloadSink: { flushInterval: "soon" } },
      'args.payloadSink.flushInterval: must be a duration such as "30s", "5m" or "1h"',
    ],
    [
      "a prefix with a leading slash",
      { payloadSink: { prefix: "/logs" } },
      'args.payloadSink.prefix: must be a path such as "payload-logs" (no leading or trailing "/")',
    ],
    [
      "a plain-HTTP package index",
      { payloadSink: { pipIndexUrl: "http://pypi.internal/simple" } },
      "args.payloadSink.pipIndexUrl: must be an https:// URL",
    ],
    ["zero flush rows", { payloadSink: { flushRows: 0 } }, "args.payloadSink.flushRows:"],
    [
      "a model named like the sink",
      { models: [{ ...LOGGED, name: "payload-sink" }] },
      `args.models[0].name: "payload-sink" is the component's payload sink (a model logs to it); choose another name`,
    ],
    [
      "a sink URL outside the cluster's form",
      { models: [{ ...RECOMMENDER, logging: { sinkUrl: "ftp://sink" } }] },
      "args.models[0].logging.sinkUrl: must be an http(s) URL",
    ],
  ];
  for (const [what, o, expected] of cases) {
    it(what, async () => {
      expect(await failure(o)).toContain(expected);
    });
  }
});
