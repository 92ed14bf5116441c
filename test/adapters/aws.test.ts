/**
 * The AWS adapter under the offline plan engine: exact children, security-relevant inputs, and
 * input validation, for both identity modes.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Access } from "../../components/adapters";
import { describe, expect, it } from "vitest";
import { albIngressAnnotations, createAwsAdapter } from "../../components/adapters/aws";
import type {
  AdapterContext,
  AwsTargetArgs,
  PostgresArgs,
  TargetSettings,
} from "../../components/adapters/types";
import { DEFAULT_AWS_IDENTITY_MODE } from "../../components/adapters/types";
import { modelRegistryArgsSchema } from "../../components/model-registry/args";
import { AWS_CLUSTER_DEFAULTS } from "../../components/training-cluster/aws/args";
import { fakeClusterHandle } from "../training-cluster/fixtures";
import { RULES } from "../../policies/catalog";
import { runPolicies } from "../../policies/offline";
import {
  childrenOf,
  findResource,
  inputAt,
  planOf,
  resourcesOfType,
  type Plan,
  type PlanResource,
} from "../helpers";
import { Host } from "./fixtures";

const T = {
  key: "aws:kms/key:Key",
  alias: "aws:kms/alias:Alias",
  bucket: "aws:s3/bucket:Bucket",
  sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  logging: "aws:s3/bucketLogging:BucketLogging",
  subnetGroup: "aws:rds/subnetGroup:SubnetGroup",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  params: "aws:rds/parameterGroup:ParameterGroup",
  db: "aws:rds/instance:Instance",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  pia: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
  sa: "kubernetes:core/v1:ServiceAccount",
} as const;

const TAGS = { "mlops:component": "test", owner: "ml-platform", "cost-center": "ML 42" };
/** `TAGS` as Kubernetes labels: keys that are not valid label keys are skipped, values sanitized. */
const GOVERNANCE_LABELS = { owner: "ml-platform", "cost-center": "ML-42" };
const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const OIDC_ARN = `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`;
const NETWORK = {
  vpcId: "vpc-0123",
  vpcCidrBlock: "10.0.0.0/16",
  privateSubnetIds: ["subnet-a", "subnet-b"],
  nodeSecurityGroupId: "sg-nodes",
};
const IRSA: AwsTargetArgs = {
  ...NETWORK,
  identityMode: "irsa",
  oidcProviderArn: OIDC_ARN,
  oidcProviderUrl: `https://${ISSUER}`,
};
const POD_IDENTITY: AwsTargetArgs = { ...NETWORK, identityMode: "podIdentity", clusterName: "ml-cluster" };

const PROD_DB: Omit<PostgresArgs, "password"> = {
  databaseName: "mlflow",
  username: "mlflow",
  size: "medium",
  storageGb: 100,
  highAvailability: true,
  deletionProtection: true,
  backupRetentionDays: 14,
  pointInTimeRecovery: true,
};

interface Scenario {
  settings: TargetSettings;
  protect: boolean;
  db: Omit<PostgresArgs, "password">;
  /** Create a customer-managed key and use it for the bucket and database. */
  withKey: boolean;
  versioning: boolean;
}

const PROD: Scenario = {
  settings: { aws: IRSA },
  protect: true,
  db: PROD_DB,
  withKey: true,
  versioning: true,
};

/** A program that builds one Host component and asks the AWS adapter for everything it offers. */
function program(s: Scenario) {
  return () => {
    const parent = new Host("reg");
    const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
    const ctx: AdapterContext = {
      parent,
      name: "reg",
      k8sProvider,
      namespace: "mlops",
      tags: TAGS,
      protect: s.protect,
      dependsOn: [],
    };
    const adapter = createAwsAdapter(ctx, s.settings);
    const key = s.withKey ? adapter.encryptionKey("data") : undefined;
    const store = adapter.objectStore("artifacts", {
      key,
      versioning: s.versioning,
      forceDestroy: !s.protect,
    });
    const db = adapter.postgres("backend", { ...s.db, key, password: pulumi.secret("not-a-real-password") });
    const identity = adapter.workloadIdentity("server", {
      serviceAccountName: "mlflow",
      grants: [{ resource: store, access: Access.readWrite }],
      labels: { "app.kubernetes.io/name": "mlflow" },
    });
    return {
      target: adapter.target,
      keyArn: key?.keyId,
      bucketName: store.bucketName,
      uri: store.uri,
      storeEnv: store.clientEnv,
      storeEgress: store.egress,
      dbHost: db.host,
      dbPort: db.port,
      dbName: db.databaseName,
      dbUser: db.username,
      sslMode: db.sslMode,
      dbEgress: db.egress,
      principal: identity.principal,
      serviceAccountName: identity.serviceAccountName,
      identityEnv: identity.env,
      identityEgress: identity.egress,
      identityReady: identity.ready.map((r) => (r as pulumi.CustomResource).urn),
      defaultIngressClass: adapter.ingress.defaultClassName,
      alb: adapter.ingress.loadBalancer({ ...LB_ARGS, className: "alb" }),
      nginx: adapter.ingress.loadBalancer({ ...LB_ARGS, className: "nginx" }) ?? "in-cluster",
    };
  };
}

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abc";
const LB_ARGS = {
  serviceName: "mlflow",
  port: 5000,
  healthCheckPath: "/health",
  requestTimeoutSeconds: 3600,
  idleTimeoutSeconds: 600,
  certificateArn: CERT,
  labels: {},
};

function host(plan: Plan): PlanResource {
  return findResource(plan, "test:index:Host", "reg");
}

function json(resource: PlanResource, key: string): unknown {
  const value = resource.inputs[key];
  expect(typeof value).toBe("string");
  return JSON.parse(value as string);
}

const REGION = "eu-west-1";
const config = { "aws:region": REGION };

describe("AWS adapter, IRSA, prod-like settings", () => {
  let plan: Plan;
  const get = async () => (plan ??= await planOf(program(PROD), { config }));

  it("creates exactly the expected children, all parented to the component", async () => {
    const p = await get();
    const children = childrenOf(p, host(p).urn)
      .map((r) => `${r.type} ${r.name}`)
      .sort();
    expect(children).toEqual(
      [
        `${T.key} reg-data-key`,
        `${T.alias} reg-data-key-alias`,
        `${T.bucket} reg-artifacts-bucket`,
        `${T.sse} reg-artifacts-bucket-encryption`,
        `${T.pab} reg-artifacts-bucket-public-access`,
        `${T.ownership} reg-artifacts-bucket-ownership`,
        `${T.versioning} reg-artifacts-bucket-versioning`,
        `${T.bucketPolicy} reg-artifacts-bucket-policy`,
        `${T.logging} reg-artifacts-bucket-logging`,
        `${T.bucket} reg-artifacts-logs`,
        `${T.sse} reg-artifacts-logs-encryption`,
        `${T.pab} reg-artifacts-logs-public-access`,
        `${T.ownership} reg-artifacts-logs-ownership`,
        `${T.bucketPolicy} reg-artifacts-logs-policy`,
        `${T.lifecycle} reg-artifacts-logs-lifecycle`,
        `${T.subnetGroup} reg-backend-postgres-subnets`,
        `${T.sg} reg-backend-postgres-sg`,
        `${T.ingress} reg-backend-postgres-ingress`,
        `${T.params} reg-backend-postgres-params`,
        `${T.db} reg-backend-postgres`,
        `${T.role} reg-server-role`,
        `${T.rolePolicy} reg-server-role-policy`,
        `${T.sa} reg-server-sa`,
      ].sort(),
    );
    // Nothing else of the adapter's was created outside the component.
    const foreign = p.resources.filter(
      (r) => r.type.startsWith("aws:") && !r.type.startsWith("pulumi:providers") && r.parent !== host(p).urn,
    );
    expect(foreign).toEqual([]);
  });

  it("protects and retains exactly the stateful children", async () => {
    const p = await get();
    const flagged = childrenOf(p, host(p).urn)
      .filter((r) => r.protect || r.retainOnDelete)
      .map((r) => `${r.name} ${r.protect} ${r.retainOnDelete}`)
      .sort();
    expect(flagged).toEqual([
      "reg-artifacts-bucket true true",
      "reg-artifacts-logs true true",
      "reg-backend-postgres true true",
      "reg-data-key true true",
    ]);
  });

  it("tags every taggable resource", async () => {
    const p = await get();
    for (const type of [T.key, T.subnetGroup, T.sg, T.ingress, T.params, T.db, T.role]) {
      expect(findResource(p, type).inputs["tags"], type).toEqual(TAGS);
    }
    expect(findResource(p, T.bucket, "reg-artifacts-bucket").inputs["tags"]).toEqual(TAGS);
    // The log bucket is marked as such (the policy pack allows it SSE-S3 for that reason).
    expect(findResource(p, T.bucket, "reg-artifacts-logs").inputs["tags"]).toEqual({
      ...TAGS,
      purpose: "logs",
    });
  });

  it("creates a rotating KMS key with the default (account-root) policy and an alias", async () => {
    const p = await get();
    const key = findResource(p, T.key);
    expect(key.inputs["enableKeyRotation"]).toBe(true);
    expect(key.inputs["deletionWindowInDays"]).toBe(30);
    expect(key.inputs["policy"]).toBeUndefined();
    // Aliases are unique per account and region: the stack ("test") is part of the name.
    expect(findResource(p, T.alias).inputs["name"]).toBe("alias/reg-test-data");
    expect(p.outputs["keyArn"]).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\/[0-9a-f-]{36}$/);
  });

  it("makes the bucket private, SSE-KMS with the key, owner-enforced and versioned", async () => {
    const p = await get();
    const bucket = findResource(p, T.bucket, "reg-artifacts-bucket");
    expect(bucket.inputs["forceDestroy"]).toBe(false);
    expect(findResource(p, T.pab, "reg-artifacts-bucket-public-access").inputs).toMatchObject({
      bucket: "reg-artifacts-bucket",
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(findResource(p, T.sse, "reg-artifacts-bucket-encryption").inputs["rules"]).toEqual([
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: p.outputs["keyArn"] },
        bucketKeyEnabled: true,
        blockedEncryptionTypes: ["SSE-C"],
      },
    ]);
    expect(findResource(p, T.ownership, "reg-artifacts-bucket-ownership").inputs["rule"]).toEqual({
      objectOwnership: "BucketOwnerEnforced",
    });
    expect(findResource(p, T.versioning).inputs["versioningConfiguration"]).toEqual({ status: "Enabled" });
  });

  it("denies every non-TLS request in the bucket policy", async () => {
    const p = await get();
    expect(json(findResource(p, T.bucketPolicy, "reg-artifacts-bucket-policy"), "policy")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["arn:aws:s3:::reg-artifacts-bucket", "arn:aws:s3:::reg-artifacts-bucket/*"],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });

  it("logs server access of the data bucket to its own log bucket, once log delivery is allowed", async () => {
    const p = await get();
    const logging = findResource(p, T.logging, "reg-artifacts-bucket-logging");
    expect(logging.inputs).toEqual({
      bucket: "reg-artifacts-bucket",
      targetBucket: "reg-artifacts-logs",
      targetPrefix: "access-logs/",
      targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
    });
    // Logging is switched on only after the log bucket's policy, ownership, encryption and lifecycle.
    for (const name of [
      "reg-artifacts-logs-policy",
      "reg-artifacts-logs-ownership",
      "reg-artifacts-logs-encryption",
      "reg-artifacts-logs-lifecycle",
    ]) {
      expect(logging.dependencies, name).toContain(p.resources.find((r) => r.name === name)?.urn);
    }
  });

  it("makes the log bucket private, owner-enforced, SSE-S3 encrypted and expiring after 365 days", async () => {
    const p = await get();
    const logs = findResource(p, T.bucket, "reg-artifacts-logs");
    expect(logs.inputs["forceDestroy"]).toBe(false);
    expect(findResource(p, T.pab, "reg-artifacts-logs-public-access").inputs).toEqual({
      bucket: "reg-artifacts-logs",
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(findResource(p, T.ownership, "reg-artifacts-logs-ownership").inputs["rule"]).toEqual({
      objectOwnership: "BucketOwnerEnforced",
    });
    // S3 supports only SSE-S3 as default encryption of a server access log target.
    expect(findResource(p, T.sse, "reg-artifacts-logs-encryption").inputs["rules"]).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, blockedEncryptionTypes: ["SSE-C"] },
    ]);
    expect(findResource(p, T.lifecycle, "reg-artifacts-logs-lifecycle").inputs).toEqual({
      bucket: "reg-artifacts-logs",
      rules: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: { prefix: "access-logs/" },
          expiration: { days: 365 },
        },
      ],
    });
    // Log objects are written once and expire: no versioning, and no logging of the log bucket.
    expect(resourcesOfType(p, T.versioning).map((r) => r.name)).toEqual(["reg-artifacts-bucket-versioning"]);
    expect(resourcesOfType(p, T.logging)).toHaveLength(1);
  });

  it("lets only the S3 logging service write, only logs of the data bucket, only over TLS", async () => {
    const p = await get();
    const policy = findResource(p, T.bucketPolicy, "reg-artifacts-logs-policy");
    expect(policy.dependencies).toEqual(
      expect.arrayContaining([
        findResource(p, T.pab, "reg-artifacts-logs-public-access").urn,
        findResource(p, T.ownership, "reg-artifacts-logs-ownership").urn,
      ]),
    );
    const logs = "arn:aws:s3:::reg-artifacts-logs";
    expect(json(policy, "policy")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [logs, `${logs}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        {
          Sid: "S3ServerAccessLogsPolicy",
          Effect: "Allow",
          Principal: { Service: "logging.s3.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: `${logs}/access-logs/*`,
          Condition: {
            ArnLike: { "aws:SourceArn": "arn:aws:s3:::reg-artifacts-bucket" },
            StringEquals: { "aws:SourceAccount": "123456789012" },
          },
        },
      ],
    });
  });

  it("passes every S3 rule and the protection rule of the policy pack (prod)", async () => {
    const p = await get();
    const names = new Set(RULES.filter((r) => r.name.startsWith("aws-s3-")).map((r) => r.name));
    expect(names.size).toBeGreaterThanOrEqual(6);
    names.add("gov-stateful-resource-protection");
    const violations = runPolicies(
      { stack: "test", project: "mlops", resources: p.resources },
      { environment: "prod" },
    ).filter((v) => names.has(v.policyName));
    expect(violations.map((v) => `${v.policyName}: ${v.message}`)).toEqual([]);
  });

  it("returns the bucket's URI, region env and an HTTPS egress that excludes the metadata service", async () => {
    const p = await get();
    expect(p.outputs["uri"]).toBe("s3://reg-artifacts-bucket");
    expect(p.outputs["storeEnv"]).toEqual([{ name: "AWS_REGION", value: REGION }]);
    expect(p.outputs["storeEgress"]).toEqual([
      {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }],
        ports: [{ protocol: "TCP", port: 443 }],
      },
    ]);
  });

  it("creates an encrypted, private, multi-AZ, protected RDS PostgreSQL 17 instance", async () => {
    const p = await get();
    const db = findResource(p, T.db);
    expect(db.inputs).toMatchObject({
      engine: "postgres",
      engineVersion: "17",
      autoMinorVersionUpgrade: true,
      instanceClass: "db.m7g.large",
      storageType: "gp3",
      allocatedStorage: 100,
      maxAllocatedStorage: 200,
      storageEncrypted: true,
      kmsKeyId: p.outputs["keyArn"],
      publiclyAccessible: false,
      multiAz: true,
      deletionProtection: true,
      backupRetentionPeriod: 14,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: "reg-test-backend-postgres-final",
      copyTagsToSnapshot: true,
      iamDatabaseAuthenticationEnabled: false,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: p.outputs["keyArn"],
      dbName: "mlflow",
      username: "mlflow",
      port: 5432,
      dbSubnetGroupName: "reg-backend-postgres-subnets",
      parameterGroupName: "reg-backend-postgres-params",
      vpcSecurityGroupIds: ["reg-backend-postgres-sg-id"],
    });
    // The password reaches the engine only as a secret.
    expect(db.inputs["password"]).toBe("[secret]");
    expect(db.secretInputs).toContain("password");
  });

  it("places the database in the private subnets behind a TLS-only parameter group", async () => {
    const p = await get();
    expect(findResource(p, T.subnetGroup).inputs["subnetIds"]).toEqual(["subnet-a", "subnet-b"]);
    const params = findResource(p, T.params);
    expect(params.inputs["family"]).toBe("postgres17");
    expect(params.inputs["parameters"]).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "rds.force_ssl", value: "1" })]),
    );
  });

  it("allows only TCP 5432 from the node security group into the database", async () => {
    const p = await get();
    const sg = findResource(p, T.sg);
    expect(sg.inputs["vpcId"]).toBe("vpc-0123");
    expect(sg.inputs["ingress"]).toBeUndefined();
    expect(sg.inputs["egress"]).toBeUndefined();
    const rules = resourcesOfType(p, T.ingress);
    expect(rules).toHaveLength(1);
    expect(rules[0]!.inputs).toMatchObject({
      securityGroupId: "reg-backend-postgres-sg-id",
      ipProtocol: "tcp",
      fromPort: 5432,
      toPort: 5432,
      referencedSecurityGroupId: "sg-nodes",
    });
    expect(rules[0]!.inputs["cidrIpv4"]).toBeUndefined();
    expect(resourcesOfType(p, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")).toEqual([]);
  });

  it("returns the database endpoint with sslmode=require and egress limited to the VPC", async () => {
    const p = await get();
    expect(p.outputs).toMatchObject({
      dbHost: `reg-backend-postgres.c0mock0000000.${REGION}.rds.amazonaws.com`,
      dbPort: 5432,
      dbName: "mlflow",
      dbUser: "mlflow",
      sslMode: "require",
    });
    expect(p.outputs["dbEgress"]).toEqual([
      { to: [{ ipBlock: { cidr: "10.0.0.0/16" } }], ports: [{ protocol: "TCP", port: 5432 }] },
    ]);
  });

  it("trusts exactly one ServiceAccount through the cluster's OIDC provider", async () => {
    const p = await get();
    expect(json(findResource(p, T.role), "assumeRolePolicy")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "IrsaServiceAccount",
          Effect: "Allow",
          Principal: { Federated: OIDC_ARN },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              [`${ISSUER}:sub`]: "system:serviceaccount:mlops:mlflow",
              [`${ISSUER}:aud`]: "sts.amazonaws.com",
            },
          },
        },
      ],
    });
    expect(resourcesOfType(p, T.pia)).toEqual([]);
  });

  it("grants read/write on exactly the bucket and use of exactly its key, with no wildcards", async () => {
    const p = await get();
    const rolePolicy = findResource(p, T.rolePolicy);
    expect(rolePolicy.inputs["role"]).toBe("reg-server-role");
    const doc = json(rolePolicy, "policy") as { Statement: { Action: string[]; Resource: string[] }[] };
    const arn = "arn:aws:s3:::reg-artifacts-bucket";
    expect(doc).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Buckets",
          Effect: "Allow",
          Action: ["s3:ListBucket", "s3:GetBucketLocation"],
          Resource: [arn],
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
          Resource: [`${arn}/*`],
        },
        {
          Sid: "BucketKeys",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"],
          Resource: [p.outputs["keyArn"]],
        },
      ],
    });
    for (const statement of doc.Statement) {
      for (const action of statement.Action) expect(action).not.toContain("*");
      for (const resource of statement.Resource) expect(resource).not.toBe("*");
    }
  });

  it("creates the ServiceAccount with the role annotation, labels and no token automount", async () => {
    const p = await get();
    const sa = findResource(p, T.sa);
    expect(sa.provider).toMatch(/::k8s::/);
    expect(sa.inputs["automountServiceAccountToken"]).toBe(false);
    expect(sa.inputs["metadata"]).toEqual({
      name: "mlflow",
      namespace: "mlops",
      // The governance labels from ctx.tags, plus the component's own labels.
      labels: { ...GOVERNANCE_LABELS, "app.kubernetes.io/name": "mlflow" },
      annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/reg-server-role" },
    });
    expect(p.outputs).toMatchObject({
      principal: "arn:aws:iam::123456789012:role/reg-server-role",
      serviceAccountName: "mlflow",
      identityEnv: [{ name: "AWS_REGION", value: REGION }],
      identityEgress: [
        {
          to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }],
          ports: [{ protocol: "TCP", port: 443 }],
        },
      ],
    });
  });
});

describe("AWS adapter, EKS Pod Identity, dev-like settings", () => {
  const DEV: Scenario = {
    settings: { aws: POD_IDENTITY },
    protect: false,
    withKey: false,
    versioning: false,
    db: {
      ...PROD_DB,
      size: "small",
      storageGb: 20,
      highAvailability: false,
      deletionProtection: false,
      backupRetentionDays: 1,
      pointInTimeRecovery: false,
    },
  };
  let plan: Plan;
  const get = async () => (plan ??= await planOf(program(DEV), { config }));

  it("trusts pods.eks.amazonaws.com for one ServiceAccount and associates the role", async () => {
    const p = await get();
    expect(json(findResource(p, T.role), "assumeRolePolicy")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "EksPodIdentityServiceAccount",
          Effect: "Allow",
          Principal: { Service: "pods.eks.amazonaws.com" },
          Action: ["sts:AssumeRole", "sts:TagSession"],
          Condition: {
            StringEquals: {
              "aws:RequestTag/eks-cluster-name": "ml-cluster",
              "aws:RequestTag/kubernetes-namespace": "mlops",
              "aws:RequestTag/kubernetes-service-account": "mlflow",
            },
          },
        },
      ],
    });
    const pia = findResource(p, T.pia, "reg-server-pod-identity");
    expect(pia.parent).toBe(host(p).urn);
    expect(pia.inputs).toMatchObject({
      clusterName: "ml-cluster",
      namespace: "mlops",
      serviceAccount: "mlflow",
      roleArn: "arn:aws:iam::123456789012:role/reg-server-role",
      tags: TAGS,
    });
  });

  it("hands the workload the association and the role policy to wait for (pods created earlier get no credentials)", async () => {
    const p = await get();
    expect(p.outputs["identityReady"]).toEqual([
      findResource(p, T.rolePolicy).urn,
      findResource(p, T.pia, "reg-server-pod-identity").urn,
    ]);
  });

  it("exposes through an internal ALB (HTTPS only, the ACM certificate, VPC sources); other classes are in-cluster", async () => {
    const p = await get();
    expect(p.outputs["defaultIngressClass"]).toBe("alb");
    expect(p.outputs["alb"]).toEqual({
      ingressClassName: "alb",
      ingressAnnotations: albIngressAnnotations({
        certificateArn: CERT,
        healthCheckPath: "/health",
        idleTimeoutSeconds: 600,
      }),
      serviceAnnotations: {},
      sourceCidrs: ["10.0.0.0/16"],
      resources: [],
    });
    expect(
      albIngressAnnotations({ certificateArn: CERT, healthCheckPath: "/health", idleTimeoutSeconds: 600 }),
    ).toEqual({
      "alb.ingress.kubernetes.io/scheme": "internal",
      "alb.ingress.kubernetes.io/target-type": "ip",
      "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
      "alb.ingress.kubernetes.io/certificate-arn": CERT,
      "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
      "alb.ingress.kubernetes.io/backend-protocol": "HTTP",
      "alb.ingress.kubernetes.io/healthcheck-path": "/health",
      "alb.ingress.kubernetes.io/success-codes": "200",
      "alb.ingress.kubernetes.io/load-balancer-attributes":
        "idle_timeout.timeout_seconds=600,routing.http.drop_invalid_header_fields.enabled=true",
    });
    expect(p.outputs["nginx"]).toBe("in-cluster");
  });

  it("does not annotate the ServiceAccount and allows egress to the Pod Identity agent", async () => {
    const p = await get();
    const sa = findResource(p, T.sa);
    expect(sa.inputs["automountServiceAccountToken"]).toBe(false);
    expect(inputAt(sa, "metadata.labels")).toEqual({
      ...GOVERNANCE_LABELS,
      "app.kubernetes.io/name": "mlflow",
    });
    expect((sa.inputs["metadata"] as Record<string, unknown>)["annotations"] ?? {}).toEqual({});
    expect(p.outputs["identityEgress"]).toEqual([
      {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }],
        ports: [{ protocol: "TCP", port: 443 }],
      },
      { to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
    ]);
  });

  it("protects nothing and creates no key when the context says so", async () => {
    const p = await get();
    expect(p.resources.filter((r) => r.protect || r.retainOnDelete).map((r) => r.name)).toEqual([]);
    expect(resourcesOfType(p, T.key)).toEqual([]);
    expect(resourcesOfType(p, T.versioning)).toEqual([]);
    expect(findResource(p, T.bucket, "reg-artifacts-bucket").inputs["forceDestroy"]).toBe(true);
    // The log bucket follows the data bucket, and keeps logs for 90 days outside prod.
    expect(findResource(p, T.bucket, "reg-artifacts-logs").inputs["forceDestroy"]).toBe(true);
    expect(inputAt(findResource(p, T.lifecycle), "rules[0].expiration.days")).toBe(90);
  });

  it("falls back to SSE-KMS with the AWS-managed key and grants no KMS use", async () => {
    const p = await get();
    expect(findResource(p, T.sse, "reg-artifacts-bucket-encryption").inputs["rules"]).toEqual([
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" },
        bucketKeyEnabled: true,
        blockedEncryptionTypes: ["SSE-C"],
      },
    ]);
    const doc = json(findResource(p, T.rolePolicy), "policy") as { Statement: { Sid: string }[] };
    expect(doc.Statement.map((s) => s.Sid)).toEqual(["Buckets", "Objects"]);
  });

  it("sizes a dev database: micro, single-AZ, no insights, no final snapshot", async () => {
    const p = await get();
    const db = findResource(p, T.db);
    expect(db.inputs).toMatchObject({
      instanceClass: "db.t4g.micro",
      allocatedStorage: 20,
      maxAllocatedStorage: 40,
      storageEncrypted: true,
      publiclyAccessible: false,
      multiAz: false,
      deletionProtection: false,
      backupRetentionPeriod: 1,
      skipFinalSnapshot: true,
      performanceInsightsEnabled: false,
    });
    expect(db.inputs["kmsKeyId"]).toBeUndefined();
    expect(db.inputs["finalSnapshotIdentifier"]).toBeUndefined();
    expect(db.inputs["performanceInsightsKmsKeyId"]).toBeUndefined();
  });
});

describe("AWS adapter input validation", () => {
  /**
   * Runs the adapter's constructor (and optionally `postgres`) inside a program and returns what it
   * threw. The error is caught inside the program so that the plan itself completes: the test
   * then also sees that nothing was created before the error.
   */
  async function failureOf(settings: TargetSettings, db?: Omit<PostgresArgs, "password">) {
    let thrown: unknown;
    const plan = await planOf(() => {
      const parent = new Host("reg");
      const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
      try {
        const adapter = createAwsAdapter(
          { parent, name: "reg", k8sProvider, namespace: "mlops", tags: TAGS, protect: false, dependsOn: [] },
          settings,
        );
        if (db) adapter.postgres("backend", { ...db, password: pulumi.secret("x") });
      } catch (e) {
        thrown = e;
      }
    });
    expect(thrown).toBeInstanceOf(Error);
    // Validation runs before any child is created.
    expect(plan.resources.filter((r) => r.type.startsWith("aws:"))).toEqual([]);
    return (thrown as Error).message;
  }

  it("names both missing OIDC settings for irsa", async () => {
    const message = await failureOf({ aws: { ...NETWORK, identityMode: "irsa" } });
    expect(message).toContain('args.aws.oidcProviderArn: required when identityMode is "irsa"');
    expect(message).toContain('args.aws.oidcProviderUrl: required when identityMode is "irsa"');
  });

  it("defaults to podIdentity, so a missing cluster name fails without an explicit mode", async () => {
    const message = await failureOf({ aws: { ...NETWORK, oidcProviderUrl: `https://${ISSUER}` } });
    expect(message).toContain('args.aws.clusterName: required when identityMode is "podIdentity"');
    expect(message).not.toContain("oidcProvider");
  });

  it("has one identity-mode default: the adapter, the registry and the cluster all use podIdentity", () => {
    expect(DEFAULT_AWS_IDENTITY_MODE).toBe("podIdentity");
    expect(AWS_CLUSTER_DEFAULTS.identityMode).toBe(DEFAULT_AWS_IDENTITY_MODE);
    // The registry's schema asks for what the default mode needs (clusterName), not OIDC settings.
    const registry = modelRegistryArgsSchema.safeParse({
      cluster: fakeClusterHandle({ target: "aws", aws: NETWORK }),
    });
    expect(registry.success).toBe(false);
    expect(registry.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["cluster.aws.clusterName", 'required when identityMode is "podIdentity"'],
    ]);
  });

  it("names the missing cluster name for podIdentity", async () => {
    expect(await failureOf({ aws: { ...NETWORK, identityMode: "podIdentity" } })).toMatch(
      /args\.aws\.clusterName: required when identityMode is "podIdentity"/,
    );
  });

  it("refuses an unknown identity mode", async () => {
    const bad = { ...IRSA, identityMode: "kiam" } as unknown as AwsTargetArgs;
    expect(await failureOf({ aws: bad })).toContain(
      'args.aws.identityMode: must be one of "irsa", "podIdentity"',
    );
  });

  it("refuses to run without settings.aws", async () => {
    expect(await failureOf({})).toMatch(/args\.aws: required/);
  });

  it("refuses point-in-time recovery without automated backups", async () => {
    expect(
      await failureOf({ aws: IRSA }, { ...PROD_DB, backupRetentionDays: 0, pointInTimeRecovery: true }),
    ).toMatch(/backupRetentionDays must be at least 1/);
  });
});
