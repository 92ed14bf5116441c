/**
 * Object stores across stacks (issue 14): `objectStoreReference` exports a store an adapter
 * created as plain values, per target; `existingObjectStore` rebuilds its handle in another
 * program by reading (never creating) the bucket, and a workload identity there is granted read on
 * exactly that bucket (aws: with kms:Decrypt on its key; gcp: objectViewer on the bucket; local: a
 * read-only MinIO user created in the server's namespace). Malformed references are errors naming
 * the key.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  Access,
  createAdapter,
  existingObjectStore,
  objectStoreReference,
  type ObjectStore,
  type ObjectStoreReference,
  type Target,
} from "../components";
import { findResource, inputAt, planOf, resourcesOfType, type Plan } from "./helpers";
import { AWS_SETTINGS, GCP_SETTINGS, Host } from "./adapters/fixtures";
import { fakeClusterHandle } from "./training-cluster/fixtures";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0b7f0c9e-1111-2222-3333-444455556666";
const CMEK = "projects/ml-prod/locations/europe-west4/keyRings/registry/cryptoKeys/data";

/** A store as the owner's adapter creates it, in namespace "mlflow" of component "registry". */
function ownStore(target: Target): ObjectStore {
  const parent = new Host("registry");
  const provider = new k8s.Provider("cluster", {});
  const settings = target === "aws" ? AWS_SETTINGS : target === "gcp" ? GCP_SETTINGS : {};
  const adapter = createAdapter(
    target,
    {
      parent,
      name: "registry",
      tags: {},
      protect: false,
      k8sProvider: provider,
      namespace: "mlflow",
      dependsOn: [],
    },
    settings,
  );
  const key = adapter.encryptionKey("data");
  return adapter.objectStore("artifacts", { versioning: true, forceDestroy: false, ...(key ? { key } : {}) });
}

/** The reference a program exports of its own store on `target`. */
async function exportedReference(target: Target): Promise<ObjectStoreReference> {
  const plan = await planOf(() => ({ reference: objectStoreReference(ownStore(target)) }));
  return plan.outputs["reference"] as ObjectStoreReference;
}

/** Another program: the store rebuilt from `reference`, granted `read` to workload "reader" of namespace "serving". */
function readerPlan(reference: ObjectStoreReference): Promise<Plan> {
  return planOf(() => {
    const settings =
      reference.target === "aws" ? AWS_SETTINGS : reference.target === "gcp" ? GCP_SETTINGS : {};
    const cluster = fakeClusterHandle({ target: reference.target, ...settings });
    const store = existingObjectStore("platform-artifacts", { cluster, reference });
    const adapter = createAdapter(
      reference.target,
      {
        parent: new Host("serving"),
        name: "serving",
        tags: {},
        protect: false,
        k8sProvider: cluster.provider,
        namespace: "serving",
        dependsOn: [],
      },
      settings,
    );
    adapter.workloadIdentity("reader", {
      serviceAccountName: "reader",
      grants: [{ resource: store, access: Access.read }],
      labels: {},
    });
    return { uri: store.uri, bucketName: store.bucketName };
  });
}

describe("objectStoreReference", () => {
  it("aws: the bucket, its region and its KMS key ARN", async () => {
    const ref = await exportedReference("aws");
    expect(ref).toEqual({
      target: "aws",
      bucketName: "registry-artifacts-bucket",
      region: "us-east-1",
      encryptionKeyId: expect.stringMatching(/^arn:aws:kms:us-east-1:123456789012:key\/[0-9a-f-]{36}$/),
    });
  });

  it("gcp: the bucket, its project and its CMEK key", async () => {
    expect(await exportedReference("gcp")).toEqual({
      target: "gcp",
      bucketName: "registry-artifacts-bucket",
      project: "ml-prod",
      encryptionKeyId: expect.stringMatching(
        /^projects\/ml-prod\/locations\/europe-west4\/keyRings\/.+\/cryptoKeys\/.+$/,
      ),
    });
  });

  it("local: the bucket and the names of its MinIO server's objects", async () => {
    expect(await exportedReference("local")).toEqual({
      target: "local",
      bucketName: "registry-artifacts",
      minio: {
        namespace: "mlflow",
        serviceName: "registry-artifacts-minio",
        credentialsSecretName: "registry-artifacts-minio-credentials",
        adminServiceAccountName: "registry-artifacts-minio-mb",
        adminPodLabels: {
          "app.kubernetes.io/name": "minio-mb",
          "app.kubernetes.io/instance": "registry",
          "app.kubernetes.io/component": "artifacts",
        },
        serverPodLabels: {
          "app.kubernetes.io/name": "minio",
          "app.kubernetes.io/instance": "registry",
          "app.kubernetes.io/component": "artifacts",
        },
      },
    });
  });

  it("refuses a store no adapter built (a hand-made handle)", async () => {
    await expect(
      planOf(() => {
        const store: ObjectStore = {
          kind: "objectStore",
          bucketName: pulumi.output("b"),
          uri: pulumi.output("s3://b"),
          clientEnv: [],
          egress: [],
          resource: new Host("elsewhere"),
        };
        return { ref: objectStoreReference(store) };
      }),
    ).rejects.toThrow(/objectStoreReference: the store was not created by an adapter's objectStore\(\)/);
  });
});

describe("existingObjectStore", () => {
  it("aws: reads the bucket and its key; a read grant covers exactly them (kms:Decrypt)", async () => {
    const plan = await readerPlan({
      target: "aws",
      bucketName: "platform-bucket",
      region: "eu-west-1",
      encryptionKeyId: KEY_ARN,
    });
    const reads = plan.resources.filter((r) => r.external).map((r) => `${r.type} ${r.name} ${r.id}`);
    expect(reads.sort()).toEqual([
      `aws:kms/key:Key platform-artifacts-key ${KEY_ARN}`,
      "aws:s3/bucket:Bucket platform-artifacts-bucket platform-bucket",
    ]);
    // Nothing of the bucket is created or changed.
    expect(plan.resources.filter((r) => !r.external && r.type.startsWith("aws:s3/"))).toEqual([]);
    expect(plan.outputs).toEqual({ uri: "s3://platform-bucket", bucketName: "platform-bucket" });
    const policy = JSON.parse(
      inputAt(findResource(plan, "aws:iam/rolePolicy:RolePolicy"), "policy") as string,
    ) as {
      Statement: { Sid: string; Action: string[]; Resource: string[] }[];
    };
    expect(policy.Statement).toEqual([
      expect.objectContaining({ Sid: "Buckets", Resource: ["arn:aws:s3:::platform-bucket"] }),
      expect.objectContaining({
        Sid: "ReadObjects",
        Action: ["s3:GetObject"],
        Resource: ["arn:aws:s3:::platform-bucket/*"],
      }),
      expect.objectContaining({ Sid: "ReadBucketKeys", Action: ["kms:Decrypt"], Resource: [KEY_ARN] }),
    ]);
  });

  it("gcp: reads the bucket and its key; a read grant is objectViewer on that bucket", async () => {
    const plan = await readerPlan({
      target: "gcp",
      bucketName: "platform-bucket",
      project: "ml-prod",
      encryptionKeyId: CMEK,
    });
    expect(
      plan.resources
        .filter((r) => r.external && r.type !== "pulumi:pulumi:Stack")
        .map((r) => `${r.type} ${r.id}`)
        .sort(),
    ).toEqual([`gcp:kms/cryptoKey:CryptoKey ${CMEK}`, "gcp:storage/bucket:Bucket platform-bucket"]);
    expect(plan.outputs["uri"]).toBe("gs://platform-bucket");
    const member = findResource(plan, "gcp:storage/bucketIAMMember:BucketIAMMember");
    expect(member.inputs).toMatchObject({ bucket: "platform-bucket", role: "roles/storage.objectViewer" });
  });

  it("local: reads the MinIO Service; a read grant creates a read-only user in the server's namespace and admits the reader there", async () => {
    const reference = await exportedReference("local");
    const plan = await readerPlan(reference);
    const service = plan.resources.find((r) => r.external && r.type === "kubernetes:core/v1:Service");
    expect(service?.id).toBe("mlflow/registry-artifacts-minio");
    expect(plan.outputs["uri"]).toBe("s3://registry-artifacts");
    const job = findResource(plan, "kubernetes:batch/v1:Job", "serving-reader-minio-reader");
    expect(inputAt(job, "metadata.namespace")).toBe("mlflow");
    expect(inputAt(job, "spec.template.spec.serviceAccountName")).toBe("registry-artifacts-minio-mb");
    expect(inputAt(job, "spec.template.metadata.labels")).toMatchObject(reference.minio!.adminPodLabels);
    expect(job.dependencies).toContain(service!.urn);
    const client = findResource(
      plan,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "serving-reader-minio-client",
    );
    expect(inputAt(client, "metadata.namespace")).toBe("mlflow");
    expect(inputAt(client, "spec.ingress[0].from[0].namespaceSelector.matchLabels")).toEqual({
      "kubernetes.io/metadata.name": "serving",
    });
    const secret = findResource(plan, "kubernetes:core/v1:Secret", "serving-reader-s3-credentials");
    expect(inputAt(secret, "metadata.annotations")).toMatchObject({
      "serving.kserve.io/s3-endpoint": "registry-artifacts-minio.mlflow.svc.cluster.local:9000",
    });
    // No MinIO server, bucket Job or root credentials of its own.
    expect(resourcesOfType(plan, "kubernetes:apps/v1:Deployment")).toEqual([]);
  });

  it("names every malformed key of the reference, and a reference of another target than the cluster's", () => {
    const cluster = fakeClusterHandle({ target: "aws", ...AWS_SETTINGS });
    const call = (reference: unknown) => () =>
      existingObjectStore("x", { cluster, reference: reference as ObjectStoreReference });
    expect(
      call({ target: "aws", bucketName: "b", encryptionKeyId: "alias/x", minio: undefined, project: "p" }),
    ).toThrow(
      [
        'invalid arguments for existingObjectStore("x"):',
        '  reference.region: required when target is "aws"',
        '  reference.project: only used when target is "gcp"; remove it',
        '  reference.encryptionKeyId: must be a KMS key ARN such as "arn:aws:kms:us-east-1:123456789012:key/1234abcd-..."',
      ].join("\n"),
    );
    expect(call({ target: "gcp", bucketName: "b", project: "p" })).toThrow(
      'reference.target: "gcp" is not the cluster\'s target "aws"',
    );
    expect(call({ target: "aws", bucketName: "", region: "us-east-1", extra: 1 })).toThrow(
      /reference\.bucketName: must not be empty\n {2}reference\.extra: unknown key/,
    );
  });
});
