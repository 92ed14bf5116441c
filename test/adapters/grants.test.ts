/**
 * Workload identities take grants `{ resource, access: read | readWrite }` (issue 8): on every
 * target a `read` grant gives exactly read access and a `readWrite` grant exactly what the
 * adapters have always given. Also: `createCloudAdapter` builds keys without a Kubernetes
 * provider, with the same names as the full adapter.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  Access,
  createAdapter,
  createCloudAdapter,
  KeyPurpose,
  Target,
  type AdapterContext,
  type CloudAdapter,
  type TargetSettings,
} from "../../components/adapters";
import { findResource, inputAt, planOf, resourcesOfType, type Plan } from "../helpers";
import { AWS_SETTINGS, GCP_SETTINGS, Host } from "./fixtures";

const AWS = AWS_SETTINGS;
const GCP = GCP_SETTINGS;

/**
 * A "models" store (with a key where the target has one) and a "scratch" store; the identity
 * "serving" reads models only, "trainer" reads models and writes scratch.
 */
function program(target: Target, settings: TargetSettings) {
  return () => {
    const parent = new Host("reg");
    const ctx: AdapterContext = {
      parent,
      name: "reg",
      k8sProvider: new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n" }),
      namespace: "mlops",
      tags: {},
      protect: false,
      dependsOn: [],
    };
    const adapter: CloudAdapter = createAdapter(target, ctx, settings);
    const modelsKey = adapter.encryptionKey("models");
    const scratchKey = adapter.encryptionKey("scratch");
    const models = adapter.objectStore("models", { key: modelsKey, versioning: true, forceDestroy: true });
    const scratch = adapter.objectStore("scratch", {
      key: scratchKey,
      versioning: false,
      forceDestroy: true,
    });
    const serving = adapter.workloadIdentity("serving", {
      serviceAccountName: "serving",
      grants: [{ resource: models, access: Access.read }],
      labels: {},
    });
    const trainer = adapter.workloadIdentity("trainer", {
      serviceAccountName: "trainer",
      grants: [
        { resource: scratch, access: Access.readWrite },
        { resource: models, access: Access.read },
      ],
      labels: {},
    });
    return {
      modelsKey: modelsKey?.keyId,
      scratchKey: scratchKey?.keyId,
      servingEnv: serving.env,
      servingPrincipal: serving.principal,
      servingReady: serving.ready.map((r) => (r as pulumi.CustomResource).urn),
      trainerEnv: trainer.env,
    };
  };
}

function policyOf(plan: Plan, name: string): unknown {
  return JSON.parse(findResource(plan, "aws:iam/rolePolicy:RolePolicy", name).inputs["policy"] as string);
}

describe("aws: grants", () => {
  const plan = planOf(program(Target.aws, AWS));
  const models = "arn:aws:s3:::reg-models-bucket";
  const scratch = "arn:aws:s3:::reg-scratch-bucket";

  it("a read grant allows list and get on the bucket and decrypt with its key, nothing else", async () => {
    const p = await plan;
    expect(policyOf(p, "reg-serving-role-policy")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Buckets",
          Effect: "Allow",
          Action: ["s3:ListBucket", "s3:GetBucketLocation"],
          Resource: [models],
        },
        { Sid: "ReadObjects", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${models}/*`] },
        {
          Sid: "ReadBucketKeys",
          Effect: "Allow",
          Action: ["kms:Decrypt"],
          Resource: [p.outputs["modelsKey"]],
        },
      ],
    });
  });

  it("read and readWrite grants together keep each bucket and key to its own access", async () => {
    const p = await plan;
    expect(policyOf(p, "reg-trainer-role-policy")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Buckets",
          Effect: "Allow",
          Action: ["s3:ListBucket", "s3:GetBucketLocation"],
          Resource: [scratch, models],
        },
        {
          Sid: "Objects",
          Effect: "Allow",
          Action: [
            "s3:GetObject",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts",
          ],
          Resource: [`${scratch}/*`],
        },
        { Sid: "ReadObjects", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${models}/*`] },
        {
          Sid: "BucketKeys",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"],
          Resource: [p.outputs["scratchKey"]],
        },
        {
          Sid: "ReadBucketKeys",
          Effect: "Allow",
          Action: ["kms:Decrypt"],
          Resource: [p.outputs["modelsKey"]],
        },
      ],
    });
  });
});

describe("gcp: grants", () => {
  const plan = planOf(program(Target.gcp, GCP));
  const member = (p: Plan, name: string) =>
    findResource(p, "gcp:storage/bucketIAMMember:BucketIAMMember", name).inputs;

  it("a read grant is roles/storage.objectViewer on exactly the bucket", async () => {
    const p = await plan;
    expect(member(p, "reg-serving-models-bucket-member")).toMatchObject({
      bucket: "reg-models-bucket",
      role: "roles/storage.objectViewer",
    });
    expect(
      resourcesOfType(p, "gcp:storage/bucketIAMMember:BucketIAMMember")
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      "reg-serving-models-bucket-member",
      "reg-trainer-models-bucket-member",
      "reg-trainer-scratch-bucket-member",
    ]);
  });

  it("a readWrite grant keeps roles/storage.objectUser; a read grant next to it stays a viewer", async () => {
    const p = await plan;
    expect(member(p, "reg-trainer-scratch-bucket-member")["role"]).toBe("roles/storage.objectUser");
    expect(member(p, "reg-trainer-models-bucket-member")["role"]).toBe("roles/storage.objectViewer");
  });
});

describe("local: grants", () => {
  const plan = planOf(program(Target.local, { local: {} }));

  it("a read grant gets a read-only MinIO user scoped to the bucket, not the root credentials", async () => {
    const p = await plan;
    const reader = "reg-serving-minio-reader";
    expect(inputAt(findResource(p, "kubernetes:core/v1:ConfigMap", reader), "data")).toEqual({
      "policy.json": JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["s3:ListBucket", "s3:GetBucketLocation"],
            Resource: ["arn:aws:s3:::reg-models"],
          },
          { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::reg-models/*"] },
        ],
      }),
    });
    const job = findResource(p, "kubernetes:batch/v1:Job", reader);
    const spec = "spec.template.spec";
    expect(inputAt(job, `${spec}.initContainers[0].args`)).toEqual([
      "admin",
      "policy",
      "create",
      "minio",
      "mlops-read",
      "/policy/policy.json",
    ]);
    expect(inputAt(job, `${spec}.initContainers[1].args`)).toEqual([
      "admin",
      "user",
      "add",
      "minio",
      "$(READER_USER)",
      "$(READER_PASSWORD)",
    ]);
    expect(inputAt(job, `${spec}.containers[0].args`)).toEqual([
      "admin",
      "policy",
      "attach",
      "minio",
      "mlops-read",
      "--user",
      "$(READER_USER)",
    ]);
    // It runs as the bucket Job's ServiceAccount, whose NetworkPolicy admits it to MinIO.
    expect(inputAt(job, `${spec}.serviceAccountName`)).toBe("reg-models-minio-mb");
    expect(p.outputs["servingEnv"]).toEqual([
      { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: reader, key: "MINIO_ROOT_USER" } } },
      {
        name: "AWS_SECRET_ACCESS_KEY",
        valueFrom: { secretKeyRef: { name: reader, key: "MINIO_ROOT_PASSWORD" } },
      },
    ]);
    expect(p.outputs["servingPrincipal"]).toBe(reader);
    expect(p.outputs["servingReady"]).toEqual([job.urn]);
  });

  it("a readWrite grant gets the store's root credentials and no reader", async () => {
    const p = await plan;
    const root = "reg-scratch-minio-credentials";
    expect(p.outputs["trainerEnv"]).toEqual([
      { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: root, key: "MINIO_ROOT_USER" } } },
      {
        name: "AWS_SECRET_ACCESS_KEY",
        valueFrom: { secretKeyRef: { name: root, key: "MINIO_ROOT_PASSWORD" } },
      },
    ]);
    expect(
      resourcesOfType(p, "kubernetes:batch/v1:Job")
        .map((j) => j.name)
        .sort(),
    ).toEqual(["reg-models-minio-mb", "reg-scratch-minio-mb", "reg-serving-minio-reader"]);
  });
});

describe("grants are checked on every target", () => {
  for (const [target, settings] of [
    [Target.aws, AWS],
    [Target.gcp, GCP],
    [Target.local, { local: {} }],
  ] as const) {
    it(`${target}: a store granted twice or an unknown access is refused`, async () => {
      const errors: string[] = [];
      const p = await planOf(() => {
        const ctx: AdapterContext = {
          parent: new Host("reg"),
          name: "reg",
          k8sProvider: new k8s.Provider("k8s", { kubeconfig: "{}" }),
          namespace: "mlops",
          tags: {},
          protect: false,
          dependsOn: [],
        };
        const adapter = createAdapter(target, ctx, settings);
        const store = adapter.objectStore("models", { versioning: false, forceDestroy: true });
        for (const [role, grants] of [
          [
            "twice",
            [
              { resource: store, access: Access.read },
              { resource: store, access: Access.readWrite },
            ],
          ],
          ["bad", [{ resource: store, access: "admin" as Access }]],
        ] as const) {
          try {
            adapter.workloadIdentity(role, { serviceAccountName: role, grants: [...grants], labels: {} });
          } catch (error) {
            errors.push((error as Error).message);
          }
        }
      });
      expect(errors).toEqual([
        'workloadIdentity("twice"): grants[1] grants a store that grants[0] already grants; give each store once, with the widest access it needs',
        'workloadIdentity("bad"): grants[0].access: "admin" is not one of "read", "readWrite"',
      ]);
      // Refused before anything of the identity is created.
      expect(p.resources.filter((r) => /^reg-(twice|bad)-/.test(r.name))).toEqual([]);
    });
  }
});

describe("createCloudAdapter: keys without a Kubernetes provider", () => {
  const build = (target: Target, settings: TargetSettings, physicalNameBase?: string) => () => {
    const cloud = createCloudAdapter(
      target,
      { parent: new Host("gpu"), name: "gpu", tags: {}, protect: true, physicalNameBase },
      settings,
    );
    const data = cloud.encryptionKey("data");
    const secrets = cloud.encryptionKey("secrets", { purpose: KeyPurpose.kubernetesSecrets });
    return { target: cloud.target, data: data?.keyId ?? "none", secrets: secrets?.keyId ?? "none" };
  };

  it("aws: a data key and an EKS Secrets key from the one builder, named as before", async () => {
    const p = await planOf(build(Target.aws, {}, "gpu-cluster"));
    const keys = resourcesOfType(p, "aws:kms/key:Key");
    expect(keys.map((k) => [k.name, k.inputs["description"], k.inputs["enableKeyRotation"]])).toEqual([
      ["gpu-data-key", "pulumi-mlops gpu data data key", true],
      ["gpu-secrets-key", "pulumi-mlops gpu-cluster: EKS Secrets envelope encryption", true],
    ]);
    expect(keys.every((k) => k.protect === true)).toBe(true);
    expect(resourcesOfType(p, "aws:kms/alias:Alias").map((a) => [a.name, a.inputs["name"]])).toEqual([
      ["gpu-data-key-alias", "alias/gpu-cluster-data"],
      ["gpu-secrets-key-alias", "alias/gpu-cluster-eks-secrets"],
    ]);
  });

  it("gcp: a Secrets key grants only the GKE service agent; a data key the Storage and Cloud SQL agents", async () => {
    const p = await planOf(build(Target.gcp, GCP));
    expect(
      resourcesOfType(p, "gcp:kms/cryptoKey:CryptoKey").map((k) => [k.name, k.inputs["rotationPeriod"]]),
    ).toEqual([
      ["gpu-data-key", "7776000s"],
      ["gpu-secrets-key", "7776000s"],
    ]);
    expect(
      resourcesOfType(p, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
        .map((m) => m.name)
        .sort(),
    ).toEqual(["gpu-data-gcs-agent-member", "gpu-data-sql-agent-member", "gpu-secrets-key-gke-agent"]);
    const gke = findResource(p, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "gpu-secrets-key-gke-agent");
    expect(gke.inputs["role"]).toBe("roles/cloudkms.cryptoKeyEncrypterDecrypter");
    expect(gke.inputs["member"]).toMatch(
      /^serviceAccount:service-\d+@container-engine-robot\.iam\.gserviceaccount\.com$/,
    );
  });

  it("local: no keys", async () => {
    const p = await planOf(build(Target.local, {}));
    expect(p.outputs).toMatchObject({ target: "local", data: "none", secrets: "none" });
    expect(p.resources.filter((r) => r.type !== "test:index:Host" && !r.type.startsWith("pulumi:"))).toEqual(
      [],
    );
  });
});
