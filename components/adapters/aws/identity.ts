/**
 * Workload identity for the AWS adapter: one IAM role per Kubernetes ServiceAccount, via IRSA or
 * EKS Pod Identity, with an inline policy scoped to exactly the workload's buckets and keys.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { governanceLabels } from "../../shared/k8s";
import type { AdapterContext, ObjectStore, WorkloadIdentity, WorkloadIdentityArgs } from "../types";
import { httpsEgressRule, podIdentityAgentEgressRule } from "./network";

/** The identity settings of `AwsTargetArgs`, validated: exactly what each mode needs. */
export type AwsIdentity =
  | {
      mode: "irsa";
      /** ARN of the cluster's IAM OIDC provider. */
      oidcProviderArn: pulumi.Input<string>;
      /** Issuer URL of the cluster's OIDC provider (with or without https://). */
      oidcProviderUrl: pulumi.Input<string>;
    }
  | {
      mode: "podIdentity";
      /** EKS cluster name. */
      clusterName: pulumi.Input<string>;
    };

/** The audience IRSA tokens carry (https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html). */
export const IRSA_AUDIENCE = "sts.amazonaws.com";

/** The service principal EKS Pod Identity assumes roles as (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html). */
export const POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com";

/** ServiceAccount annotation the EKS pod identity webhook reads for IRSA. */
export const IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";

/** Bucket-level S3 actions a read/write workload needs (on the bucket ARN). */
export const S3_BUCKET_ACTIONS = ["s3:ListBucket", "s3:GetBucketLocation"];

/** Object-level S3 actions a read/write workload needs (on `<bucket ARN>/*`). */
export const S3_OBJECT_ACTIONS = [
  "s3:GetObject",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
];

/** KMS actions SSE-KMS reads and writes need (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html). */
export const KMS_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"];

/** The trust policy of an IRSA role: only `system:serviceaccount:<ns>:<sa>` with audience STS. */
export function irsaTrustPolicy(
  oidcProviderArn: string,
  issuerUrl: string,
  namespace: string,
  sa: string,
): string {
  // Condition keys use the issuer without the scheme (`oidc.eks.<region>.amazonaws.com/id/<id>`).
  const issuer = issuerUrl.replace(/^https:\/\//, "").replace(/\/+$/, "");
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "IrsaServiceAccount",
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${sa}`,
            [`${issuer}:aud`]: IRSA_AUDIENCE,
          },
        },
      },
    ],
  });
}

/**
 * The trust policy of an EKS Pod Identity role. The service principal alone would let any Pod
 * Identity association in the account use the role; the session tags EKS adds (cluster name,
 * namespace, service account) narrow it to one ServiceAccount on one cluster
 * (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html, "Setting Conditions").
 */
export function podIdentityTrustPolicy(clusterName: string, namespace: string, sa: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EksPodIdentityServiceAccount",
        Effect: "Allow",
        Principal: { Service: POD_IDENTITY_PRINCIPAL },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:RequestTag/eks-cluster-name": clusterName,
            "aws:RequestTag/kubernetes-namespace": namespace,
            "aws:RequestTag/kubernetes-service-account": sa,
          },
        },
      },
    ],
  });
}

/** The inline policy: read/write on exactly these buckets, and use of exactly these keys. */
export function bucketAccessPolicy(bucketArns: string[], keyArns: string[]): string {
  const statements: Record<string, unknown>[] = [
    { Sid: "Buckets", Effect: "Allow", Action: S3_BUCKET_ACTIONS, Resource: bucketArns },
    { Sid: "Objects", Effect: "Allow", Action: S3_OBJECT_ACTIONS, Resource: bucketArns.map((a) => `${a}/*`) },
  ];
  const keys = [...new Set(keyArns)];
  if (keys.length > 0)
    statements.push({ Sid: "BucketKeys", Effect: "Allow", Action: KMS_ACTIONS, Resource: keys });
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

function bucketArn(store: ObjectStore): pulumi.Output<string> {
  if (!aws.s3.Bucket.isInstance(store.resource)) {
    throw new Error("the AWS adapter can only grant access to S3 buckets created by an AWS adapter");
  }
  return store.resource.arn;
}

/**
 * Creates the ServiceAccount, its IAM role and the role's bucket policy; for Pod Identity also the
 * PodIdentityAssociation.
 */
export function createWorkloadIdentity(
  ctx: AdapterContext,
  identity: AwsIdentity,
  role: string,
  args: WorkloadIdentityArgs,
  region: pulumi.Output<string>,
): WorkloadIdentity {
  const opts = { parent: ctx.parent };
  const name = `${ctx.name}-${role}`;
  const namespace = pulumi.output(ctx.namespace);
  const sa = args.serviceAccountName;

  const assumeRolePolicy =
    identity.mode === "irsa"
      ? pulumi
          .all([identity.oidcProviderArn, identity.oidcProviderUrl, namespace])
          .apply(([arn, url, ns]) => irsaTrustPolicy(arn, url, ns, sa))
      : pulumi
          .all([identity.clusterName, namespace])
          .apply(([cluster, ns]) => podIdentityTrustPolicy(cluster, ns, sa));

  const iamRole = new aws.iam.Role(
    `${name}-role`,
    {
      description: `pulumi-mlops ${name}: ${identity.mode} role of ServiceAccount ${sa}`,
      assumeRolePolicy,
      tags: ctx.tags,
    },
    opts,
  );

  // Pods started before these exist get no credentials (Pod Identity) or no permissions (both
  // modes); the workload waits for them (`WorkloadIdentity.ready`).
  const ready: pulumi.Resource[] = [];
  if (args.readWriteBuckets.length > 0) {
    const bucketArns = args.readWriteBuckets.map(bucketArn);
    const keyArns = args.readWriteBuckets.flatMap((s) => (s.encryptionKey ? [s.encryptionKey.keyId] : []));
    const policy = new aws.iam.RolePolicy(
      `${name}-role-policy`,
      {
        role: iamRole.name,
        policy: pulumi
          .all([pulumi.all(bucketArns), pulumi.all(keyArns)])
          .apply(([buckets, keys]) => bucketAccessPolicy(buckets, keys)),
      },
      opts,
    );
    ready.push(policy);
  }

  const annotations: Record<string, pulumi.Input<string>> = identity.mode === "irsa"
    ? { [IRSA_ROLE_ANNOTATION]: iamRole.arn }
    : {};
  const serviceAccount = new k8s.core.v1.ServiceAccount(
    `${name}-sa`,
    {
      // Governance labels from the tags, then the component's own labels (which win on a clash).
      metadata: {
        name: sa,
        namespace: ctx.namespace,
        labels: { ...governanceLabels(ctx.tags), ...args.labels },
        annotations,
      },
      // The API token is not mounted by default; IRSA and Pod Identity mount their own
      // audience-scoped projected tokens through the EKS webhook.
      automountServiceAccountToken: false,
    },
    { ...opts, provider: ctx.k8sProvider, dependsOn: ctx.dependsOn },
  );

  const egress = [httpsEgressRule()];
  if (identity.mode === "podIdentity") {
    // The EKS Pod Identity webhook injects credentials only into pods created after the
    // association exists; earlier pods run without credentials until restarted
    // (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html).
    const association = new aws.eks.PodIdentityAssociation(
      `${name}-pod-identity`,
      {
        clusterName: identity.clusterName,
        namespace: ctx.namespace,
        serviceAccount: sa,
        roleArn: iamRole.arn,
        tags: ctx.tags,
      },
      opts,
    );
    ready.push(association);
    egress.push(podIdentityAgentEgressRule());
  }

  return {
    serviceAccount,
    serviceAccountName: serviceAccount.metadata.apply((m) => m.name ?? sa),
    principal: iamRole.arn,
    env: [{ name: "AWS_REGION", value: region }],
    egress,
    ready,
  };
}
