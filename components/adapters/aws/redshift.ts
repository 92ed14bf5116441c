/**
 * Amazon Redshift Serverless for the AWS adapter (`warehouse`): a namespace encrypted with the
 * customer-managed key, a private workgroup in the cluster's VPC, and the IAM role Redshift assumes
 * for `COPY` / `UNLOAD` through the staging prefix of a bucket. Workloads query it through the
 * Redshift Data API with their own IAM identity (no database password anywhere): the Data API
 * calls `redshift-serverless:GetCredentials` for them and they run as database user
 * `IAMR:<role name>` (https://docs.aws.amazon.com/redshift/latest/mgmt/data-api-access.html).
 */
import * as aws from "../../shared/aws-sdk";
import * as pulumi from "@pulumi/pulumi";
import { physicalName, PhysicalNameKind } from "../../shared/names";
import type { DatabaseSize } from "../../shared/presets";
import {
  StoreKind,
  WarehouseEngine,
  type AwsTargetArgs,
  type CloudContext,
  type Warehouse,
  type WarehouseArgs,
} from "../types";
import { nameBase } from "./kms";
import { httpsEgressRule, nodeOnlySecurityGroup } from "./network";

/** The port of a Redshift Serverless workgroup (the Redshift default). */
export const REDSHIFT_PORT = 5439;

/**
 * Base and maximum capacity in Redshift Processing Units per size class. 8 RPUs is the smallest
 * base capacity; the maximum caps what a runaway query can cost
 * (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-capacity.html).
 */
export const REDSHIFT_CAPACITY: Record<DatabaseSize, { base: number; max: number }> = {
  small: { base: 8, max: 32 },
  medium: { base: 32, max: 128 },
  large: { base: 128, max: 512 },
};

/**
 * The admin user of the namespace. Its password is never in the program or the state: Redshift
 * generates it and keeps it in AWS Secrets Manager, encrypted with the component's key
 * (`manageAdminPassword`); it is what a platform engineer uses to `GRANT` the workloads' database
 * users (`IAMR:<role name>`) access to schemas and tables.
 */
export const REDSHIFT_ADMIN_USER = "admin";

/** Namespace logs exported to CloudWatch: connections, users and user activity (audit). */
export const REDSHIFT_LOG_EXPORTS = ["connectionlog", "useractivitylog", "userlog"];

/** The service principals Redshift (provisioned and Serverless) assumes an attached role as. */
export const REDSHIFT_SERVICE_PRINCIPALS = ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"];

/**
 * Redshift Data API actions that run SQL, on the workgroup's ARN
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonredshiftdataapi.html).
 */
export const REDSHIFT_DATA_ACTIONS = [
  "redshift-data:ExecuteStatement",
  "redshift-data:BatchExecuteStatement",
];

/**
 * Redshift Data API actions on statements: no resource type in the Service Authorization
 * Reference, so they are granted on "*" with the condition that the statement was run by the
 * caller (`redshift-data:statement-owner-iam-userid` = `${aws:userid}`), as AWS's managed
 * AmazonRedshiftDataFullAccess policy does.
 */
export const REDSHIFT_DATA_STATEMENT_ACTIONS = [
  "redshift-data:DescribeStatement",
  "redshift-data:GetStatementResult",
  "redshift-data:CancelStatement",
  "redshift-data:ListStatements",
];

/** Temporary database credentials for IAM identities, on the workgroup's ARN (the Data API calls it). */
export const REDSHIFT_CREDENTIALS_ACTIONS = ["redshift-serverless:GetCredentials"];

/** S3 object actions of Redshift's role on the staging prefix: `UNLOAD` writes, `COPY` reads, Feast cleans up. */
export const REDSHIFT_STAGING_OBJECT_ACTIONS = [
  "s3:GetObject",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
];

/** The trust policy of the role Redshift assumes: the Redshift service principals, nothing else. */
export function redshiftTrustPolicy(): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "RedshiftServerless",
        Effect: "Allow",
        Principal: { Service: REDSHIFT_SERVICE_PRINCIPALS },
        Action: "sts:AssumeRole",
      },
    ],
  });
}

/**
 * The policy of the role Redshift assumes: read/write on exactly `<bucket>/<prefix>/*`, listing
 * only under that prefix, and use of the bucket's key (SSE-KMS) when it has one.
 */
export function redshiftStagingPolicy(bucketArn: string, prefix: string, keyArn?: string): string {
  const statements: Record<string, unknown>[] = [
    {
      Sid: "StagingList",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [bucketArn],
      Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}/*`] } },
    },
    { Sid: "StagingBucket", Effect: "Allow", Action: ["s3:GetBucketLocation"], Resource: [bucketArn] },
    {
      Sid: "StagingObjects",
      Effect: "Allow",
      Action: REDSHIFT_STAGING_OBJECT_ACTIONS,
      Resource: [`${bucketArn}/${prefix}/*`],
    },
  ];
  if (keyArn !== undefined) {
    statements.push({
      Sid: "StagingKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"],
      Resource: [keyArn],
    });
  }
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * The identity policy statements of a warehouse grant (read and readWrite alike: what a database
 * user may read or write is decided by the database's GRANTs to `IAMR:<role name>`): the Data API
 * and GetCredentials on exactly these workgroups, and the caller's own statements.
 */
export function warehouseAccessStatements(workgroupArns: string[]): Record<string, unknown>[] {
  if (workgroupArns.length === 0) return [];
  return [
    { Sid: "WarehouseQueries", Effect: "Allow", Action: REDSHIFT_DATA_ACTIONS, Resource: workgroupArns },
    {
      Sid: "WarehouseCredentials",
      Effect: "Allow",
      Action: REDSHIFT_CREDENTIALS_ACTIONS,
      Resource: workgroupArns,
    },
    {
      Sid: "WarehouseOwnStatements",
      Effect: "Allow",
      Action: REDSHIFT_DATA_STATEMENT_ACTIONS,
      Resource: "*",
      Condition: { StringEquals: { "redshift-data:statement-owner-iam-userid": "${aws:userid}" } },
    },
  ];
}

/** The ARN of an S3 bucket an AWS adapter created (the staging store). */
function stagingBucketArn(args: WarehouseArgs): pulumi.Output<string> {
  if (!aws.s3.Bucket.isInstance(args.staging.resource)) {
    throw new Error(
      "the AWS adapter can only stage a warehouse through an S3 bucket created by an AWS adapter",
    );
  }
  return args.staging.resource.arn;
}

/**
 * Creates, for `role` (children `${ctx.name}-<role>-redshift-*`):
 * - `-redshift-role` (+ `-redshift-role-policy`): the IAM role Redshift assumes, read/write on the
 *   staging prefix only (`redshiftStagingPolicy`); attached to the namespace as its default role,
 *   which Feast names as `iam_role` for `COPY` / `UNLOAD`;
 * - `-redshift-namespace`: database `<role>`, encrypted with `args.key`, admin password managed by
 *   Redshift in Secrets Manager under the same key (never a plain password), audit logs exported;
 *   stateful (`protect` / `retainOnDelete` from the context);
 * - `-redshift-sg` / `-redshift-ingress`: a security group admitting 5439 from the cluster's node
 *   security group only;
 * - `-redshift-workgroup`: not publicly accessible, in the private subnets (Redshift Serverless
 *   needs them in three Availability Zones), enhanced VPC routing (COPY / UNLOAD traffic stays in
 *   the VPC: the VPC needs an S3 gateway endpoint or a NAT route), TLS required, user activity
 *   logging on, capacity by size class (`REDSHIFT_CAPACITY`).
 *
 * Clients use the Data API over HTTPS (their NetworkPolicy egress); nothing in the cluster needs
 * 5439 for Feast, so no egress to it is returned.
 */
export function createRedshiftServerless(
  ctx: CloudContext,
  target: AwsTargetArgs,
  role: string,
  args: WarehouseArgs,
  region: pulumi.Output<string>,
): Warehouse {
  if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(args.stagingPrefix)) {
    throw new Error(
      `warehouse("${role}"): stagingPrefix "${args.stagingPrefix}" must be a key prefix without leading or trailing "/"`,
    );
  }
  const opts = { parent: ctx.parent };
  const name = `${ctx.name}-${role}`;
  const base = nameBase(ctx);
  const capacity = REDSHIFT_CAPACITY[args.size];

  const iamRole = new aws.iam.Role(
    `${name}-redshift-role`,
    {
      description: `pulumi-mlops ${name}: Redshift Serverless COPY/UNLOAD through ${args.stagingPrefix}/`,
      assumeRolePolicy: redshiftTrustPolicy(),
      tags: ctx.tags,
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-redshift-role-policy`,
    {
      role: iamRole.name,
      policy: pulumi
        .all([stagingBucketArn(args), args.staging.encryptionKey?.keyId])
        .apply(([bucketArn, keyArn]) => redshiftStagingPolicy(bucketArn, args.stagingPrefix, keyArn)),
    },
    opts,
  );

  const namespace = new aws.redshiftserverless.Namespace(
    `${name}-redshift-namespace`,
    {
      namespaceName: physicalName(PhysicalNameKind.redshiftNamespace, base, role),
      dbName: role.replace(/[^a-z0-9_]/g, "_"),
      adminUsername: REDSHIFT_ADMIN_USER,
      manageAdminPassword: true,
      adminPasswordSecretKmsKeyId: args.key?.keyId,
      kmsKeyId: args.key?.keyId,
      iamRoles: [iamRole.arn],
      defaultIamRoleArn: iamRole.arn,
      logExports: REDSHIFT_LOG_EXPORTS,
      tags: ctx.tags,
    },
    { ...opts, protect: ctx.protect, retainOnDelete: ctx.protect, dependsOn: [policy] },
  );

  const securityGroup = nodeOnlySecurityGroup(ctx, target, name, [
    "redshift",
    "Redshift Serverless",
    REDSHIFT_PORT,
  ]);
  const workgroup = new aws.redshiftserverless.Workgroup(
    `${name}-redshift-workgroup`,
    {
      workgroupName: physicalName(PhysicalNameKind.redshiftWorkgroup, base, role),
      namespaceName: namespace.namespaceName,
      baseCapacity: capacity.base,
      maxCapacity: capacity.max,
      publiclyAccessible: false,
      enhancedVpcRouting: true,
      subnetIds: target.privateSubnetIds,
      securityGroupIds: [securityGroup.id],
      port: REDSHIFT_PORT,
      // Both are the service's defaults today; set explicitly so that a change away from them
      // shows as drift (the provider compares the keys given: hashicorp/terraform-provider-aws
      // PR #33916 added these two keys for that reason).
      configParameters: [
        { parameterKey: "require_ssl", parameterValue: "true" },
        { parameterKey: "enable_user_activity_logging", parameterValue: "true" },
      ],
      tags: ctx.tags,
    },
    opts,
  );

  return {
    kind: StoreKind.warehouse,
    engine: WarehouseEngine.redshift,
    id: workgroup.arn,
    location: region,
    database: namespace.dbName,
    workgroup: workgroup.workgroupName,
    iamRoleArn: iamRole.arn,
    stagingUri: pulumi.interpolate`${args.staging.uri}/${args.stagingPrefix}`,
    egress: [httpsEgressRule()],
    ...(args.key ? { encryptionKey: args.key } : {}),
    resource: workgroup,
  };
}
