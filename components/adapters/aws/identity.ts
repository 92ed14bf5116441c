/**
 * Workload identity for the AWS adapter: one IAM role per Kubernetes ServiceAccount, via IRSA or
 * EKS Pod Identity, with an inline policy scoped to exactly the workload's buckets and keys.
 */
import * as aws from "../../shared/aws-sdk";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { governanceLabels } from "../../shared/k8s";
import { checkGrants } from "../grants";
import type {
  AdapterContext,
  ObjectStore,
  TableStore,
  Warehouse,
  WorkloadIdentity,
  WorkloadIdentityArgs,
} from "../types";
import { Access, StoreKind } from "../types";
import { httpsEgressRule, podIdentityAgentEgressRule } from "./network";
import { warehouseAccessStatements } from "./redshift";

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

/** Bucket-level S3 actions every grant needs, read or read/write (on the bucket ARN). */
export const S3_BUCKET_ACTIONS = ["s3:ListBucket", "s3:GetBucketLocation"];

/** Object-level S3 actions of a `readWrite` grant (on `<bucket ARN>/*`). */
export const S3_OBJECT_ACTIONS = [
  "s3:GetObject",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
];

/** Object-level S3 actions of a `read` grant (on `<bucket ARN>/*`): download only. */
export const S3_READ_OBJECT_ACTIONS = ["s3:GetObject"];

/** KMS actions SSE-KMS reads and writes need (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html). */
export const KMS_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"];

/**
 * KMS actions reading an SSE-KMS object needs: `kms:Decrypt` only (uploads need
 * `kms:GenerateDataKey`; same page).
 */
export const KMS_READ_ACTIONS = ["kms:Decrypt"];

/**
 * DynamoDB data-plane actions of a `read` grant on a table store (on the table ARNs): the reads
 * Feast's online store makes (`BatchGetItem` in `online_read`, `GetItem`) and `DescribeTable`
 * (`update` checks each table exists and waits for it; feast v0.66.0
 * sdk/python/feast/infra/online_stores/dynamodb.py).
 */
export const DYNAMODB_READ_ACTIONS = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:BatchGetItem"];

/**
 * DynamoDB actions a `readWrite` grant adds: item writes (`BatchWriteItem` from
 * `online_write_batch`'s batch writer, `PutItem`/`UpdateItem` from `update_online_store`) and
 * `DeleteItem`. Never `CreateTable`/`DeleteTable` (the tables are pre-created encrypted with the
 * customer-managed key; Feast would create a missing one with the AWS-owned key) and never
 * `TagResource`/`UntagResource`/`ListTagsOfResource`: Feast's `update` re-tags existing tables by
 * removing every tag not in its own config (the governance tags Pulumi set), and it skips that step
 * on AccessDenied with a warning (same file, `_update_tags`).
 */
export const DYNAMODB_WRITE_ACTIONS = [
  "dynamodb:PutItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
];

/**
 * KMS actions reading a table encrypted with a customer-managed key needs, through DynamoDB only
 * (`kms:ViaService`): the actions the AWS-managed DynamoDB key's policy grants every principal
 * authorized to use DynamoDB, without `CreateGrant` and `ReEncrypt*`, which only table creation and
 * key changes use (https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html).
 */
export const DYNAMODB_KMS_READ_ACTIONS = ["kms:Decrypt", "kms:DescribeKey"];

/** KMS actions writing such a table needs, through DynamoDB only (same page). */
export const DYNAMODB_KMS_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"];

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

/** One grant with its ARNs resolved, as `bucketAccessPolicy` takes it. */
export interface BucketGrant {
  bucketArn: string;
  /** ARN of the bucket's KMS key, when it has a customer-managed one. */
  keyArn?: string;
  access: Access;
}

/**
 * The inline policy: exactly the granted access on exactly these buckets, and use of exactly their
 * keys. `readWrite` buckets get `S3_OBJECT_ACTIONS` and `KMS_ACTIONS` on their keys; `read`
 * buckets `S3_READ_OBJECT_ACTIONS` and `KMS_READ_ACTIONS` on keys no `readWrite` bucket uses.
 * With only `readWrite` grants the document is the one this adapter has always written
 * (statements "Buckets", "Objects", "BucketKeys").
 */
export function bucketAccessPolicy(grants: BucketGrant[]): string {
  const writable = grants.filter((g) => g.access === Access.readWrite);
  const readable = grants.filter((g) => g.access === Access.read);
  const keysOf = (list: BucketGrant[]) => [...new Set(list.flatMap((g) => (g.keyArn ? [g.keyArn] : [])))];
  const writeKeys = keysOf(writable);
  const readKeys = keysOf(readable).filter((k) => !writeKeys.includes(k));
  const objects = (list: BucketGrant[]) => list.map((g) => `${g.bucketArn}/*`);

  const statements: Record<string, unknown>[] = [
    { Sid: "Buckets", Effect: "Allow", Action: S3_BUCKET_ACTIONS, Resource: grants.map((g) => g.bucketArn) },
  ];
  if (writable.length > 0)
    statements.push({
      Sid: "Objects",
      Effect: "Allow",
      Action: S3_OBJECT_ACTIONS,
      Resource: objects(writable),
    });
  if (readable.length > 0)
    statements.push({
      Sid: "ReadObjects",
      Effect: "Allow",
      Action: S3_READ_OBJECT_ACTIONS,
      Resource: objects(readable),
    });
  if (writeKeys.length > 0)
    statements.push({ Sid: "BucketKeys", Effect: "Allow", Action: KMS_ACTIONS, Resource: writeKeys });
  if (readKeys.length > 0)
    statements.push({ Sid: "ReadBucketKeys", Effect: "Allow", Action: KMS_READ_ACTIONS, Resource: readKeys });
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** One table store grant with its ARNs resolved, as `tableAccessStatements` takes it. */
export interface TableGrant {
  tableArns: string[];
  /** ARN of the tables' KMS key. */
  keyArn?: string;
  access: Access;
}

/**
 * The statements of table store grants: `DYNAMODB_READ_ACTIONS` on every granted table
 * ("Tables"), `DYNAMODB_WRITE_ACTIONS` on the `readWrite` ones ("TableWrites"), and use of their
 * keys through DynamoDB in `region` only ("TableKeys": `DYNAMODB_KMS_ACTIONS` on the keys of
 * `readWrite` tables; "ReadTableKeys": `DYNAMODB_KMS_READ_ACTIONS` on the others).
 */
export function tableAccessStatements(grants: TableGrant[], region: string): Record<string, unknown>[] {
  if (grants.length === 0) return [];
  const writable = grants.filter((g) => g.access === Access.readWrite);
  const keysOf = (list: TableGrant[]) => [...new Set(list.flatMap((g) => (g.keyArn ? [g.keyArn] : [])))];
  const writeKeys = keysOf(writable);
  const readKeys = keysOf(grants).filter((k) => !writeKeys.includes(k));
  const viaDynamoDb = { StringEquals: { "kms:ViaService": `dynamodb.${region}.amazonaws.com` } };
  const statements: Record<string, unknown>[] = [
    {
      Sid: "Tables",
      Effect: "Allow",
      Action: DYNAMODB_READ_ACTIONS,
      Resource: grants.flatMap((g) => g.tableArns),
    },
  ];
  if (writable.length > 0)
    statements.push({
      Sid: "TableWrites",
      Effect: "Allow",
      Action: DYNAMODB_WRITE_ACTIONS,
      Resource: writable.flatMap((g) => g.tableArns),
    });
  if (writeKeys.length > 0)
    statements.push({
      Sid: "TableKeys",
      Effect: "Allow",
      Action: DYNAMODB_KMS_ACTIONS,
      Resource: writeKeys,
      Condition: viaDynamoDb,
    });
  if (readKeys.length > 0)
    statements.push({
      Sid: "ReadTableKeys",
      Effect: "Allow",
      Action: DYNAMODB_KMS_READ_ACTIONS,
      Resource: readKeys,
      Condition: viaDynamoDb,
    });
  return statements;
}

/** What one workload identity's inline policy grants, by kind of store, with ARNs resolved. */
export interface ResolvedGrants {
  buckets: BucketGrant[];
  tables: TableGrant[];
  /** ARNs of the Redshift Serverless workgroups granted. */
  workgroupArns: string[];
}

/**
 * The inline policy of a workload identity: `bucketAccessPolicy` of its bucket grants (exactly that
 * document when it has no other grant), then `tableAccessStatements` of its table grants (key use
 * through DynamoDB in `region` only) and `warehouseAccessStatements` of its warehouse grants.
 */
export function workloadAccessPolicy(grants: ResolvedGrants, region: string): string {
  const { buckets, tables, workgroupArns } = grants;
  if (tables.length === 0 && workgroupArns.length === 0) return bucketAccessPolicy(buckets);
  const bucketStatements =
    buckets.length > 0
      ? (JSON.parse(bucketAccessPolicy(buckets)) as { Statement: Record<string, unknown>[] }).Statement
      : [];
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      ...bucketStatements,
      ...tableAccessStatements(tables, region),
      ...warehouseAccessStatements(workgroupArns),
    ],
  });
}

function tableArns(store: TableStore): pulumi.Output<string>[] {
  return store.resources.map((resource) => {
    if (!aws.dynamodb.Table.isInstance(resource)) {
      throw new Error("the AWS adapter can only grant access to DynamoDB tables created by an AWS adapter");
    }
    return resource.arn;
  });
}

function workgroupArn(warehouse: Warehouse): pulumi.Output<string> {
  if (!aws.redshiftserverless.Workgroup.isInstance(warehouse.resource)) {
    throw new Error(
      "the AWS adapter can only grant access to Redshift Serverless workgroups created by an AWS adapter",
    );
  }
  return warehouse.resource.arn;
}

function bucketArn(store: ObjectStore): pulumi.Output<string> {
  if (!aws.s3.Bucket.isInstance(store.resource)) {
    throw new Error("the AWS adapter can only grant access to S3 buckets created by an AWS adapter");
  }
  return store.resource.arn;
}

/** An IAM role for one Kubernetes ServiceAccount, with what binds it (`createServiceAccountRole`). */
export interface ServiceAccountRole {
  role: aws.iam.Role;
  /** Annotations the ServiceAccount needs: the role ARN for IRSA, none for Pod Identity. */
  annotations: Record<string, pulumi.Input<string>>;
  /** NetworkPolicy egress the credential exchange needs (HTTPS; the Pod Identity agent). */
  egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[];
  /** The role policy and the Pod Identity association: pods created before them lack permissions or credentials. */
  ready: pulumi.Resource[];
}

/**
 * The IAM side of a workload identity, without the ServiceAccount (which the caller or a chart
 * creates): the role `<name>-role` trusted by exactly ServiceAccount `sa` of the context's
 * namespace (IRSA or Pod Identity), its inline policy `<name>-role-policy` when `policy` is given,
 * and in Pod Identity mode the association `<name>-pod-identity`.
 */
export function createServiceAccountRole(
  ctx: AdapterContext,
  identity: AwsIdentity,
  name: string,
  sa: string,
  policy?: pulumi.Input<string>,
): ServiceAccountRole {
  const opts = { parent: ctx.parent };
  const namespace = pulumi.output(ctx.namespace);
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
  // modes); the workload waits for them.
  const ready: pulumi.Resource[] = [];
  if (policy !== undefined) {
    ready.push(new aws.iam.RolePolicy(`${name}-role-policy`, { role: iamRole.name, policy }, opts));
  }

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

  const annotations: Record<string, pulumi.Input<string>> = identity.mode === "irsa"
    ? { [IRSA_ROLE_ANNOTATION]: iamRole.arn }
    : {};
  return { role: iamRole, annotations, egress, ready };
}

/**
 * Creates the ServiceAccount, its IAM role and the role's bucket policy; for Pod Identity also the
 * PodIdentityAssociation (`createServiceAccountRole`).
 */
export function createWorkloadIdentity(
  ctx: AdapterContext,
  identity: AwsIdentity,
  role: string,
  args: WorkloadIdentityArgs,
  region: pulumi.Output<string>,
): WorkloadIdentity {
  const grants = checkGrants(role, args.grants);
  const name = `${ctx.name}-${role}`;
  const sa = args.serviceAccountName;

  const bucketGrants = grants.flatMap((g) =>
    g.resource.kind === StoreKind.objectStore ? [{ ...g, resource: g.resource }] : [],
  );
  const tableGrants = grants.flatMap((g) =>
    g.resource.kind === StoreKind.tableStore ? [{ ...g, resource: g.resource }] : [],
  );
  const buckets = pulumi.all(
    bucketGrants.map((g) =>
      pulumi
        .all([bucketArn(g.resource), g.resource.encryptionKey?.keyId])
        .apply(([arn, key]): BucketGrant => ({ bucketArn: arn, keyArn: key, access: g.access })),
    ),
  );
  const tables = pulumi.all(
    tableGrants.map((g) =>
      pulumi
        .all([pulumi.all(tableArns(g.resource)), g.resource.encryptionKey?.keyId])
        .apply(([arns, key]): TableGrant => ({ tableArns: arns, keyArn: key, access: g.access })),
    ),
  );
  const workgroups = pulumi.all(
    grants.flatMap(({ resource }) => (resource.kind === StoreKind.warehouse ? [workgroupArn(resource)] : [])),
  );
  const policy =
    grants.length === 0
      ? undefined
      : pulumi
          .all([buckets, tables, workgroups, region])
          .apply(([b, t, w, r]) => workloadAccessPolicy({ buckets: b, tables: t, workgroupArns: w }, r));
  const iam = createServiceAccountRole(ctx, identity, name, sa, policy);

  const serviceAccount = new k8s.core.v1.ServiceAccount(
    `${name}-sa`,
    {
      // Governance labels from the tags, then the component's own labels (which win on a clash).
      metadata: {
        name: sa,
        namespace: ctx.namespace,
        labels: { ...governanceLabels(ctx.tags), ...args.labels },
        annotations: iam.annotations,
      },
      // The API token is not mounted by default; IRSA and Pod Identity mount their own
      // audience-scoped projected tokens through the EKS webhook.
      automountServiceAccountToken: false,
    },
    { parent: ctx.parent, provider: ctx.k8sProvider, dependsOn: ctx.dependsOn },
  );

  return {
    serviceAccount,
    serviceAccountName: serviceAccount.metadata.apply((m) => m.name ?? sa),
    principal: iam.role.arn,
    env: [{ name: "AWS_REGION", value: region }],
    egress: iam.egress,
    ready: iam.ready,
  };
}
