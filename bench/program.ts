/**
 * The synthetic program `npm run bench` plans: `count` custom resources in groups of ten, each
 * group under one component, cycling through the resource kinds the shipped stacks use most
 * (Kubernetes workloads and their objects, S3 buckets, IAM roles, KMS keys, GCS buckets and
 * service accounts) with realistic, policy-relevant inputs. The same function runs under the
 * offline plan and under Pulumi's bare mock runtime, so the two measure the same registrations.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "../components/shared/aws-sdk";
import * as gcp from "../components/shared/gcp-sdk";
import * as k8s from "@pulumi/kubernetes";

/** Resources per group (one component each). */
export const GROUP_SIZE = 10;

/** Pinned by digest, as the pack's image rule asks (a made-up digest: nothing is pulled). */
const IMAGE = `ghcr.io/example/bench:1.0.0@sha256:${"0".repeat(64)}`;

const TAGS = { owner: "ml-platform", "cost-center": "bench", environment: "dev" };

function deployment(name: string, namespace: string, opts: pulumi.CustomResourceOptions): void {
  const labels = { "app.kubernetes.io/name": name, ...TAGS };
  new k8s.apps.v1.Deployment(
    name,
    {
      metadata: { name, namespace, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: { "app.kubernetes.io/name": name } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "server",
                image: IMAGE,
                ports: [{ containerPort: 8080 }],
                resources: {
                  requests: { cpu: "100m", memory: "128Mi" },
                  limits: { cpu: "500m", memory: "256Mi" },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  capabilities: { drop: ["ALL"] },
                },
              },
            ],
          },
        },
      },
    },
    opts,
  );
}

/** Creates resource number `i` (its kind is `i % GROUP_SIZE`). */
function resource(i: number, opts: pulumi.CustomResourceOptions): void {
  const name = `bench-${i}`;
  const namespace = "bench";
  const labels = { "app.kubernetes.io/name": name, ...TAGS };
  switch (i % GROUP_SIZE) {
    case 0:
      return deployment(name, namespace, opts);
    case 1:
      new k8s.core.v1.Service(
        name,
        {
          metadata: { name, namespace, labels },
          spec: { type: "ClusterIP", selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
        },
        opts,
      );
      return;
    case 2:
      new k8s.core.v1.ConfigMap(
        name,
        { metadata: { name, namespace, labels }, data: { "config.yaml": `name: ${name}\nreplicas: 2\n` } },
        opts,
      );
      return;
    case 3:
      new k8s.core.v1.ServiceAccount(
        name,
        { metadata: { name, namespace, labels }, automountServiceAccountToken: false },
        opts,
      );
      return;
    case 4:
      new k8s.networking.v1.NetworkPolicy(
        name,
        {
          metadata: { name, namespace, labels },
          spec: {
            podSelector: { matchLabels: { app: name } },
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 8080 }] }],
          },
        },
        opts,
      );
      return;
    case 5:
      new aws.s3.Bucket(name, { forceDestroy: false, tags: TAGS }, opts);
      return;
    case 6:
      new aws.iam.Role(
        name,
        {
          assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
            ],
          }),
          tags: TAGS,
        },
        opts,
      );
      return;
    case 7:
      new aws.kms.Key(
        name,
        { description: `bench key ${i}`, enableKeyRotation: true, deletionWindowInDays: 30, tags: TAGS },
        opts,
      );
      return;
    case 8:
      new gcp.storage.Bucket(
        name,
        {
          location: "US-CENTRAL1",
          uniformBucketLevelAccess: true,
          publicAccessPrevention: "enforced",
          versioning: { enabled: true },
          labels: { owner: "ml-platform", "cost-center": "bench" },
        },
        opts,
      );
      return;
    default:
      new gcp.serviceaccount.Account(name, { accountId: `bench-${i}`, displayName: name }, opts);
  }
}

class Group extends pulumi.ComponentResource {
  constructor(name: string, first: number, count: number) {
    super("bench:index:Group", name, {}, {});
    for (let i = first; i < first + count; i++) resource(i, { parent: this });
    this.registerOutputs({});
  }
}

/** A program that registers `count` custom resources (plus one component per ten of them). */
export function syntheticProgram(count: number): () => Record<string, unknown> {
  return () => {
    let groups = 0;
    for (let first = 0; first < count; first += GROUP_SIZE) {
      new Group(`group-${groups++}`, first, Math.min(GROUP_SIZE, count - first));
    }
    return { resources: count };
  };
}
