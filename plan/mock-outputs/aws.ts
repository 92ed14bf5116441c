import { createHash } from "node:crypto";
import { MOCK_AWS_ACCOUNT_ID, type ComputedOutputs, type MockContext } from "./types";

/** Generic ARN for any AWS resource: `arn:aws:<service>:<region>:<account>:<kind>/<name>`. */
export function genericAwsArn(type: string, ctx: { name: string; awsRegion: string }): string {
  // type token: aws:<module>/<resource>:<Resource>
  const [, mod = "unknown", resource = "resource"] = type.split(/[:/]/);
  return `arn:aws:${mod}:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:${resource.toLowerCase()}/${ctx.name}`;
}

function hex(text: string, length: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** A deterministic UUID-shaped id derived from `seed` (KMS key ids, IAM unique ids). */
function mockUuid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function str(ctx: MockContext, key: string): string | undefined {
  const v = ctx.inputs[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * The physical name of a resource the provider autonames: the `name` input when given, else the
 * logical name. (A real provider appends a random suffix; the mock omits it so plans are stable.)
 */
function physicalName(ctx: MockContext, key = "name"): string {
  return str(ctx, key) ?? ctx.name;
}

/**
 * Type-specific computed outputs for AWS resources (the generic `arn` is added for every aws type;
 * an entry here overrides it where the real ARN has another shape).
 */
export const awsOutputs: Record<string, ComputedOutputs> = {
  /** Key id is a UUID; ARN `arn:aws:kms:<region>:<account>:key/<uuid>`. */
  "aws:kms/key:Key": (ctx) => {
    const keyId = mockUuid(`kms:${ctx.name}`);
    return { keyId, arn: `arn:aws:kms:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:key/${keyId}` };
  },
  /** Alias ARN `arn:aws:kms:<region>:<account>:alias/<name>` (name includes `alias/`). */
  "aws:kms/alias:Alias": (ctx) => {
    const name = physicalName(ctx);
    return { name, arn: `arn:aws:kms:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:${name}` };
  },
  /** Bucket name = the `bucket` input, else the logical name; bucket ARNs have no region/account. */
  "aws:s3/bucket:Bucket": (ctx) => {
    const bucket = physicalName(ctx, "bucket");
    return {
      bucket,
      arn: `arn:aws:s3:::${bucket}`,
      region: str(ctx, "region") ?? ctx.awsRegion,
      bucketDomainName: `${bucket}.s3.amazonaws.com`,
      bucketRegionalDomainName: `${bucket}.s3.${ctx.awsRegion}.amazonaws.com`,
      hostedZoneId: "Z3AQBSTGFYJSTF",
    };
  },
  /** IAM is global: `arn:aws:iam::<account>:role/<name>`. */
  "aws:iam/role:Role": (ctx) => {
    const name = physicalName(ctx);
    return {
      name,
      arn: `arn:aws:iam::${MOCK_AWS_ACCOUNT_ID}:role/${name}`,
      uniqueId: `AROA${hex(`role:${ctx.name}`, 17).toUpperCase()}`,
    };
  },
  /** Inline policy id `<role>:<policy name>`. */
  "aws:iam/rolePolicy:RolePolicy": (ctx) => ({ name: physicalName(ctx) }),
  /** Autonamed subnet group; ARN `arn:aws:rds:<region>:<account>:subgrp:<name>`. */
  "aws:rds/subnetGroup:SubnetGroup": (ctx) => {
    const name = physicalName(ctx);
    return { name, arn: `arn:aws:rds:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:subgrp:${name}` };
  },
  /** Autonamed parameter group; ARN `arn:aws:rds:<region>:<account>:pg:<name>`. */
  "aws:rds/parameterGroup:ParameterGroup": (ctx) => {
    const name = physicalName(ctx);
    return { name, arn: `arn:aws:rds:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:pg:${name}` };
  },
  /**
   * RDS instance: identifier = `identifier` input or the logical name; endpoint host
   * `<identifier>.c0mock0000000.<region>.rds.amazonaws.com`; port = `port` input or 5432.
   */
  "aws:rds/instance:Instance": (ctx) => {
    const identifier = physicalName(ctx, "identifier");
    const address = `${identifier}.c0mock0000000.${ctx.awsRegion}.rds.amazonaws.com`;
    const port = typeof ctx.inputs["port"] === "number" ? ctx.inputs["port"] : 5432;
    return {
      identifier,
      address,
      port,
      endpoint: `${address}:${port}`,
      arn: `arn:aws:rds:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:db:${identifier}`,
      resourceId: `db-${hex(`rds:${ctx.name}`, 26).toUpperCase()}`,
      hostedZoneId: "Z2R2ITUGPM61AM",
    };
  },
  /** ElastiCache subnet group: name = `name` input or the logical name, lowercased (as ElastiCache stores it). */
  "aws:elasticache/subnetGroup:SubnetGroup": (ctx) => {
    const name = physicalName(ctx).toLowerCase();
    return { name, arn: `arn:aws:elasticache:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:subnetgroup:${name}` };
  },
  /**
   * ElastiCache replication group: id = `replicationGroupId` input or the logical name (lowercased);
   * primary endpoint `master.<id>.<6 hex>.<region>.cache.amazonaws.com` (the in-transit encryption
   * form), reader endpoint `replica.…`.
   */
  "aws:elasticache/replicationGroup:ReplicationGroup": (ctx) => {
    const id = physicalName(ctx, "replicationGroupId").toLowerCase();
    const zone = `${hex(`elasticache:${ctx.name}`, 6)}.${ctx.awsRegion}.cache.amazonaws.com`;
    return {
      replicationGroupId: id,
      primaryEndpointAddress: `master.${id}.${zone}`,
      readerEndpointAddress: `replica.${id}.${zone}`,
      arn: `arn:aws:elasticache:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:replicationgroup:${id}`,
    };
  },
  /** Security group: `name` autonamed; ARN `arn:aws:ec2:<region>:<account>:security-group/<id>`. */
  "aws:ec2/securityGroup:SecurityGroup": (ctx) => ({
    name: physicalName(ctx),
    arn: `arn:aws:ec2:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:security-group/${ctx.id}`,
    ownerId: MOCK_AWS_ACCOUNT_ID,
  }),
  /**
   * EKS cluster: name = `name` input or the logical name; endpoint
   * `https://<32 hex>.gr7.<region>.eks.amazonaws.com`; a base64 mock CA; the OIDC issuer
   * `https://oidc.eks.<region>.amazonaws.com/id/<32 hex>`; the cluster security group `sg-<17 hex>`
   * added to the `vpcConfig` input; status ACTIVE.
   */
  "aws:eks/cluster:Cluster": (ctx) => {
    const name = physicalName(ctx);
    const id = hex(`eks:${ctx.name}`, 32).toUpperCase();
    const vpcConfig = ctx.inputs["vpcConfig"];
    return {
      name,
      arn: `arn:aws:eks:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:cluster/${name}`,
      clusterId: mockUuid(`eks:${ctx.name}`),
      endpoint: `https://${id}.gr7.${ctx.awsRegion}.eks.amazonaws.com`,
      certificateAuthority: { data: Buffer.from(`mock-ca:${name}`).toString("base64") },
      identities: [{ oidcs: [{ issuer: `https://oidc.eks.${ctx.awsRegion}.amazonaws.com/id/${id}` }] }],
      vpcConfig: {
        ...(typeof vpcConfig === "object" && vpcConfig !== null ? vpcConfig : {}),
        clusterSecurityGroupId: `sg-${hex(`eks-sg:${ctx.name}`, 17)}`,
      },
      platformVersion: "eks.1",
      status: "ACTIVE",
    };
  },
  /** Managed node group: name = `nodeGroupName`, else `<nodeGroupNamePrefix><8 hex>`, else the logical name. */
  "aws:eks/nodeGroup:NodeGroup": (ctx) => {
    const prefix = str(ctx, "nodeGroupNamePrefix");
    const nodeGroupName =
      str(ctx, "nodeGroupName") ?? (prefix ? `${prefix}${hex(`ng:${ctx.name}`, 8)}` : ctx.name);
    const cluster = str(ctx, "clusterName") ?? "cluster";
    return {
      nodeGroupName,
      arn: `arn:aws:eks:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:nodegroup/${cluster}/${nodeGroupName}/${mockUuid(`ng:${ctx.name}`)}`,
      status: "ACTIVE",
    };
  },
  /** IAM OIDC provider: `url` without the scheme (as IAM returns it); ARN `arn:aws:iam::<account>:oidc-provider/<url>`. */
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (ctx) => {
    const url = (str(ctx, "url") ?? ctx.name).replace(/^https:\/\//, "");
    return { url, arn: `arn:aws:iam::${MOCK_AWS_ACCOUNT_ID}:oidc-provider/${url}` };
  },
  /** Launch template: id `lt-<17 hex>`, latest and default version 1. */
  "aws:ec2/launchTemplate:LaunchTemplate": (ctx) => {
    const id = `lt-${hex(`lt:${ctx.name}`, 17)}`;
    return {
      id,
      arn: `arn:aws:ec2:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:launch-template/${id}`,
      latestVersion: 1,
      defaultVersion: 1,
    };
  },
  /** SQS queue: name = `name` input or the logical name; ARN and `https://sqs.<region>.amazonaws.com/<account>/<name>` URL. */
  "aws:sqs/queue:Queue": (ctx) => {
    const name = physicalName(ctx);
    return {
      name,
      arn: `arn:aws:sqs:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:${name}`,
      url: `https://sqs.${ctx.awsRegion}.amazonaws.com/${MOCK_AWS_ACCOUNT_ID}/${name}`,
    };
  },
  /** EventBridge rule on the default bus: ARN `arn:aws:events:<region>:<account>:rule/<name>`. */
  "aws:cloudwatch/eventRule:EventRule": (ctx) => {
    const name = physicalName(ctx);
    return { name, arn: `arn:aws:events:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:rule/${name}` };
  },
  /**
   * AMP workspace id `ws-<uuid>`, ARN `arn:aws:aps:<region>:<account>:workspace/<id>` and the
   * endpoint ending in "/" (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-find-workspace-details.html).
   */
  "aws:amp/workspace:Workspace": (ctx) => {
    const workspaceId = `ws-${mockUuid(`amp:${ctx.name}`)}`;
    return {
      arn: `arn:aws:aps:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:workspace/${workspaceId}`,
      prometheusEndpoint: `https://aps-workspaces.${ctx.awsRegion}.amazonaws.com/workspaces/${workspaceId}/`,
    };
  },
  /**
   * Redshift Serverless namespace: id a UUID, ARN `arn:aws:redshift-serverless:<region>:<account>:namespace/<id>`,
   * `dbName` = input or "dev" (the service default), the managed admin secret's ARN when
   * `manageAdminPassword` is on.
   */
  "aws:redshiftserverless/namespace:Namespace": (ctx) => {
    const namespaceId = mockUuid(`rs-namespace:${ctx.name}`);
    const namespaceName = physicalName(ctx, "namespaceName");
    return {
      namespaceId,
      namespaceName,
      dbName: str(ctx, "dbName") ?? "dev",
      arn: `arn:aws:redshift-serverless:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:namespace/${namespaceId}`,
      ...(ctx.inputs["manageAdminPassword"] === true
        ? {
            adminPasswordSecretArn: `arn:aws:secretsmanager:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:secret:redshift!${namespaceName}-admin-${hex(`rs-secret:${ctx.name}`, 6)}`,
          }
        : {}),
    };
  },
  /**
   * Redshift Serverless workgroup: id a UUID, ARN `arn:aws:redshift-serverless:<region>:<account>:workgroup/<id>`,
   * endpoint `<name>.<account>.<region>.redshift-serverless.amazonaws.com` on `port` (5439).
   */
  "aws:redshiftserverless/workgroup:Workgroup": (ctx) => {
    const workgroupId = mockUuid(`rs-workgroup:${ctx.name}`);
    const workgroupName = physicalName(ctx, "workgroupName");
    const port = typeof ctx.inputs["port"] === "number" ? ctx.inputs["port"] : 5439;
    return {
      workgroupId,
      workgroupName,
      port,
      arn: `arn:aws:redshift-serverless:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:workgroup/${workgroupId}`,
      endpoints: [
        {
          address: `${workgroupName}.${MOCK_AWS_ACCOUNT_ID}.${ctx.awsRegion}.redshift-serverless.amazonaws.com`,
          port,
          vpcEndpoints: [],
        },
      ],
    };
  },
  /** Pod Identity association id `a-<17 chars>`, ARN under the cluster's name. */
  "aws:eks/podIdentityAssociation:PodIdentityAssociation": (ctx) => {
    const associationId = `a-${hex(`pia:${ctx.name}`, 17)}`;
    const cluster = str(ctx, "clusterName") ?? "cluster";
    return {
      associationId,
      associationArn: `arn:aws:eks:${ctx.awsRegion}:${MOCK_AWS_ACCOUNT_ID}:podidentityassociation/${cluster}/${associationId}`,
    };
  },
};

/** Context of an invoke answer: the stack's `aws:region` (or the documented fallback). */
export interface AwsInvokeContext {
  awsRegion: string;
}

/**
 * Deterministic answers for the AWS invokes the toolkit uses. The account is always
 * `MOCK_AWS_ACCOUNT_ID` (123456789012), the partition `aws`, the region the stack's `aws:region`
 * (or the `region` argument of the invoke).
 */
export const awsInvokes: Record<
  string,
  (inputs: Record<string, unknown>, ctx: AwsInvokeContext) => Record<string, unknown>
> = {
  /** The provider's region: `region` = `name` = `id` = the region; description "Mock (<region>)". */
  "aws:index/getRegion:getRegion": (inputs, ctx) => {
    const region = typeof inputs["region"] === "string" ? inputs["region"] : ctx.awsRegion;
    return {
      region,
      name: region,
      id: region,
      description: `Mock (${region})`,
      endpoint: `ec2.${region}.amazonaws.com`,
    };
  },
  /** The mock account 123456789012 with a role session as the caller. */
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: MOCK_AWS_ACCOUNT_ID,
    arn: `arn:aws:sts::${MOCK_AWS_ACCOUNT_ID}:assumed-role/mock/mock`,
    userId: "AROAMOCKMOCKMOCKMOCK:mock",
    id: MOCK_AWS_ACCOUNT_ID,
  }),
  /** Three zones `<region>a`, `<region>b`, `<region>c` (zone ids `<region>-az1..3`). */
  "aws:index/getAvailabilityZones:getAvailabilityZones": (inputs, ctx) => {
    const region = typeof inputs["region"] === "string" ? inputs["region"] : ctx.awsRegion;
    const suffixes = ["a", "b", "c"];
    return {
      id: region,
      region,
      names: suffixes.map((s) => `${region}${s}`),
      zoneIds: suffixes.map((_, i) => `${region}-az${i + 1}`),
      groupNames: [region],
    };
  },
  /** The commercial partition. */
  "aws:index/getPartition:getPartition": () => ({
    id: "aws",
    partition: "aws",
    dnsSuffix: "amazonaws.com",
    reverseDnsPrefix: "com.amazonaws",
  }),
};
