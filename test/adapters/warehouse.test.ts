/**
 * The warehouse capability on every target: Redshift Serverless (aws) and BigQuery (gcp) with
 * their exact children and inputs, the staging-only role Redshift assumes, warehouse grants in
 * each target's workload identity (IAM document / dataset members), and the `local` refusal.
 */
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import {
  createAwsAdapter,
  REDSHIFT_CAPACITY,
  redshiftStagingPolicy,
  workloadAccessPolicy,
} from "../../components/adapters/aws";
import { createGcpAdapter } from "../../components/adapters/gcp";
import { createLocalAdapter } from "../../components/adapters/local";
import {
  Access,
  type AdapterContext,
  type CloudAdapter,
  type Target,
  type TargetSettings,
} from "../../components/adapters/types";
import type { DatabaseSize } from "../../components/shared/presets";
import { childrenOf, findResource, inputAt, planOf, type Plan } from "../helpers";
import { Host } from "./fixtures";

const TAGS = {
  owner: "ml-platform",
  "cost-center": "ml-42",
  environment: "prod",
  "data-classification": "internal",
};
const SETTINGS: Record<Target, TargetSettings> = {
  aws: {
    aws: {
      vpcId: "vpc-0abc",
      vpcCidrBlock: "10.0.0.0/16",
      privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
      nodeSecurityGroupId: "sg-nodes",
      identityMode: "podIdentity",
      clusterName: "ml",
    },
  },
  gcp: {
    gcp: { project: "acme-ml", region: "europe-west4", network: "projects/acme-ml/global/networks/gke" },
  },
  local: {},
};
const FACTORY = { aws: createAwsAdapter, gcp: createGcpAdapter, local: createLocalAdapter };

function context(protect = false): AdapterContext {
  return {
    parent: new Host("fs"),
    name: "fs",
    k8sProvider: new k8s.Provider("k8s", { kubeconfig: "{}" }),
    namespace: "features",
    tags: TAGS,
    protect,
    dependsOn: [],
  };
}

interface Options {
  size?: DatabaseSize;
  forceDestroy?: boolean;
  protect?: boolean;
  /** Grant the warehouse to a workload identity "reader" with this access. */
  grant?: Access;
}

/** Plans a Host whose adapter builds the data key, the offline bucket and the warehouse "offline". */
function plan(target: Target, o: Options = {}): Promise<Plan> {
  return planOf(
    () => {
      const adapter: CloudAdapter = FACTORY[target](context(o.protect), SETTINGS[target]);
      const key = adapter.encryptionKey("data");
      const bucket = adapter.objectStore("offline", { key, versioning: true, forceDestroy: false });
      const warehouse = adapter.warehouse("offline", {
        size: o.size ?? "small",
        key,
        staging: bucket,
        stagingPrefix: "staging",
        forceDestroy: o.forceDestroy ?? false,
      });
      if (o.grant) {
        adapter.workloadIdentity("reader", {
          serviceAccountName: "reader",
          grants: [{ resource: warehouse, access: o.grant }],
          labels: {},
        });
      }
    },
    { config: { "aws:region": "eu-west-1", "gcp:project": "acme-ml", "gcp:region": "europe-west4" } },
  );
}

/** `type name` of the Host's children that are not the key's or the bucket's. */
function warehouseChildren(p: Plan): string[] {
  return childrenOf(p, findResource(p, "test:index:Host", "fs").urn)
    .filter((r) => !/^fs-(data|offline-(bucket|logs))/.test(r.name))
    .map((r) => `${r.type} ${r.name}`)
    .sort();
}

const KEY_ARN = /^arn:aws:kms:eu-west-1:123456789012:key\//;

describe("warehouse on aws: Redshift Serverless", () => {
  it("a CMK-encrypted namespace with a managed admin password, a private workgroup and a staging-only role", async () => {
    const p = await plan("aws");
    expect(warehouseChildren(p)).toEqual([
      "aws:ec2/securityGroup:SecurityGroup fs-offline-redshift-sg",
      "aws:iam/role:Role fs-offline-redshift-role",
      "aws:iam/rolePolicy:RolePolicy fs-offline-redshift-role-policy",
      "aws:redshiftserverless/namespace:Namespace fs-offline-redshift-namespace",
      "aws:redshiftserverless/workgroup:Workgroup fs-offline-redshift-workgroup",
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule fs-offline-redshift-ingress",
    ]);
    const ns = findResource(p, "aws:redshiftserverless/namespace:Namespace");
    const keyArn = inputAt(ns, "kmsKeyId") as string;
    expect(keyArn).toMatch(KEY_ARN);
    expect(ns.inputs).toMatchObject({
      namespaceName: "fs-test-offline",
      dbName: "offline",
      manageAdminPassword: true,
      adminPasswordSecretKmsKeyId: keyArn,
      defaultIamRoleArn: "arn:aws:iam::123456789012:role/fs-offline-redshift-role",
      iamRoles: ["arn:aws:iam::123456789012:role/fs-offline-redshift-role"],
      logExports: ["connectionlog", "useractivitylog", "userlog"],
    });
    expect(inputAt(ns, "adminUserPassword")).toBeUndefined();
    expect(ns.protect).toBeFalsy();

    const wg = findResource(p, "aws:redshiftserverless/workgroup:Workgroup");
    expect(wg.inputs).toMatchObject({
      workgroupName: "fs-test-offline",
      namespaceName: "fs-test-offline",
      baseCapacity: 8,
      maxCapacity: 32,
      publiclyAccessible: false,
      enhancedVpcRouting: true,
      subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
      securityGroupIds: ["fs-offline-redshift-sg-id"],
      port: 5439,
      configParameters: [
        { parameterKey: "require_ssl", parameterValue: "true" },
        { parameterKey: "enable_user_activity_logging", parameterValue: "true" },
      ],
    });
    const ingress = findResource(p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(ingress.inputs).toMatchObject({
      securityGroupId: "fs-offline-redshift-sg-id",
      referencedSecurityGroupId: "sg-nodes",
      fromPort: 5439,
      toPort: 5439,
      ipProtocol: "tcp",
    });

    const role = findResource(p, "aws:iam/role:Role", "fs-offline-redshift-role");
    expect(JSON.parse(inputAt(role, "assumeRolePolicy") as string)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "RedshiftServerless",
          Effect: "Allow",
          Principal: { Service: ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"] },
          Action: "sts:AssumeRole",
        },
      ],
    });
    const policy = findResource(p, "aws:iam/rolePolicy:RolePolicy", "fs-offline-redshift-role-policy");
    expect(inputAt(policy, "policy")).toBe(
      redshiftStagingPolicy("arn:aws:s3:::fs-offline-bucket", "staging", keyArn),
    );
  });

  it("the staging policy: list only under the prefix, objects only under it, the bucket's key", () => {
    expect(JSON.parse(redshiftStagingPolicy("arn:aws:s3:::b", "staging", "arn:k"))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "StagingList",
          Effect: "Allow",
          Action: ["s3:ListBucket"],
          Resource: ["arn:aws:s3:::b"],
          Condition: { StringLike: { "s3:prefix": ["staging", "staging/*"] } },
        },
        {
          Sid: "StagingBucket",
          Effect: "Allow",
          Action: ["s3:GetBucketLocation"],
          Resource: ["arn:aws:s3:::b"],
        },
        {
          Sid: "StagingObjects",
          Effect: "Allow",
          Action: [
            "s3:GetObject",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts",
          ],
          Resource: ["arn:aws:s3:::b/staging/*"],
        },
        {
          Sid: "StagingKey",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"],
          Resource: ["arn:k"],
        },
      ],
    });
    // No key: no key statement.
    const noKey = JSON.parse(redshiftStagingPolicy("arn:aws:s3:::b", "staging")) as {
      Statement: { Sid: string }[];
    };
    expect(noKey.Statement.map((s) => s.Sid)).toEqual(["StagingList", "StagingBucket", "StagingObjects"]);
  });

  it("capacity by size class; protected namespace with protect on", async () => {
    expect(REDSHIFT_CAPACITY).toEqual({
      small: { base: 8, max: 32 },
      medium: { base: 32, max: 128 },
      large: { base: 128, max: 512 },
    });
    const p = await plan("aws", { size: "large", protect: true });
    const wg = findResource(p, "aws:redshiftserverless/workgroup:Workgroup");
    expect([inputAt(wg, "baseCapacity"), inputAt(wg, "maxCapacity")]).toEqual([128, 512]);
    const ns = findResource(p, "aws:redshiftserverless/namespace:Namespace");
    expect([ns.protect, ns.retainOnDelete]).toEqual([true, true]);
  });

  it("a grant: the Data API and GetCredentials on exactly the workgroup, statements by owner only", async () => {
    const p = await plan("aws", { grant: Access.read });
    const wg = findResource(p, "aws:redshiftserverless/workgroup:Workgroup");
    const arn = wg.outputs?.["arn"] as string;
    expect(arn).toMatch(/^arn:aws:redshift-serverless:eu-west-1:123456789012:workgroup\//);
    const policy = findResource(p, "aws:iam/rolePolicy:RolePolicy", "fs-reader-role-policy");
    expect(JSON.parse(inputAt(policy, "policy") as string)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "WarehouseQueries",
          Effect: "Allow",
          Action: ["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"],
          Resource: [arn],
        },
        {
          Sid: "WarehouseCredentials",
          Effect: "Allow",
          Action: ["redshift-serverless:GetCredentials"],
          Resource: [arn],
        },
        {
          Sid: "WarehouseOwnStatements",
          Effect: "Allow",
          Action: [
            "redshift-data:DescribeStatement",
            "redshift-data:GetStatementResult",
            "redshift-data:CancelStatement",
            "redshift-data:ListStatements",
          ],
          Resource: "*",
          Condition: { StringEquals: { "redshift-data:statement-owner-iam-userid": "${aws:userid}" } },
        },
      ],
    });
    // readWrite is the same IAM document: the database's GRANTs decide what IAMR:<role> may write.
    const rw = await plan("aws", { grant: Access.readWrite });
    const rwPolicy = findResource(rw, "aws:iam/rolePolicy:RolePolicy", "fs-reader-role-policy");
    expect(inputAt(rwPolicy, "policy")).toBe(inputAt(policy, "policy"));
  });

  it("workloadAccessPolicy: exactly the bucket document without warehouses, bucket then warehouse statements with both", () => {
    const buckets = [{ bucketArn: "arn:aws:s3:::b", access: Access.readWrite }];
    expect(workloadAccessPolicy({ buckets, tables: [], workgroupArns: [] }, "us-east-1")).toBe(
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "Buckets",
            Effect: "Allow",
            Action: ["s3:ListBucket", "s3:GetBucketLocation"],
            Resource: ["arn:aws:s3:::b"],
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
            Resource: ["arn:aws:s3:::b/*"],
          },
        ],
      }),
    );
    const both = JSON.parse(
      workloadAccessPolicy({ buckets, tables: [], workgroupArns: ["arn:wg"] }, "us-east-1"),
    ) as { Statement: { Sid: string }[] };
    expect(both.Statement.map((s) => s.Sid)).toEqual([
      "Buckets",
      "Objects",
      "WarehouseQueries",
      "WarehouseCredentials",
      "WarehouseOwnStatements",
    ]);
  });

  it("refuses a staging prefix with a leading or trailing '/'", async () => {
    await expect(
      planOf(() => {
        const adapter = createAwsAdapter(context(), SETTINGS.aws);
        const bucket = adapter.objectStore("offline", { versioning: true, forceDestroy: false });
        adapter.warehouse("offline", {
          size: "small",
          staging: bucket,
          stagingPrefix: "/staging/",
          forceDestroy: false,
        });
      }),
    ).rejects.toThrow(
      'warehouse("offline"): stagingPrefix "/staging/" must be a key prefix without leading or trailing "/"',
    );
  });
});

describe("warehouse on gcp: BigQuery", () => {
  it("a regional dataset with the key as default CMEK after the BigQuery agent's key grant", async () => {
    const p = await plan("gcp", { forceDestroy: true });
    expect(warehouseChildren(p)).toEqual([
      "gcp:bigquery/dataset:Dataset fs-offline-dataset",
      "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember fs-offline-bigquery-agent-member",
    ]);
    const key = "projects/acme-ml/locations/europe-west4/keyRings/fs-data-keyring/cryptoKeys/fs-data-key";
    const agent = findResource(
      p,
      "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
      "fs-offline-bigquery-agent-member",
    );
    expect(agent.inputs).toMatchObject({
      cryptoKeyId: key,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: "serviceAccount:bq-123456789012@bigquery-encryption.iam.gserviceaccount.com",
    });
    const ds = findResource(p, "gcp:bigquery/dataset:Dataset");
    expect(ds.inputs).toEqual({
      project: "acme-ml",
      datasetId: "fs_test_offline",
      location: "europe-west4",
      description: "pulumi-mlops fs-offline",
      defaultEncryptionConfiguration: { kmsKeyName: key },
      deleteContentsOnDestroy: true,
      labels: TAGS,
    });
    expect(ds.dependencies).toContain(agent.urn);
    const kept = await plan("gcp", { forceDestroy: false, protect: true });
    const keptDs = findResource(kept, "gcp:bigquery/dataset:Dataset");
    expect(inputAt(keptDs, "deleteContentsOnDestroy")).toBe(false);
    expect([keptDs.protect, keptDs.retainOnDelete]).toEqual([true, true]);
  });

  for (const [access, role] of [
    [Access.read, "roles/bigquery.dataViewer"],
    [Access.readWrite, "roles/bigquery.dataEditor"],
  ] as const) {
    it(`a ${access} grant: ${role} on the dataset and jobUser on the project`, async () => {
      const p = await plan("gcp", { grant: access });
      const member = findResource(
        p,
        "gcp:bigquery/datasetIamMember:DatasetIamMember",
        "fs-reader-offline-dataset-member",
      );
      expect(member.inputs).toEqual({
        project: "acme-ml",
        datasetId: "fs_test_offline",
        role,
        member: "serviceAccount:fs-test-reader@acme-ml.iam.gserviceaccount.com",
      });
      const job = findResource(p, "gcp:projects/iAMMember:IAMMember", "fs-reader-bigquery-jobuser-member");
      expect(job.inputs).toEqual({
        project: "acme-ml",
        role: "roles/bigquery.jobUser",
        member: "serviceAccount:fs-test-reader@acme-ml.iam.gserviceaccount.com",
      });
      const sa = findResource(p, "kubernetes:core/v1:ServiceAccount", "fs-reader-serviceaccount");
      expect(sa.dependencies).toEqual(expect.arrayContaining([member.urn, job.urn]));
    });
  }
});

describe("warehouse grants across targets", () => {
  it("gcp refuses a warehouse it did not create (a Redshift workgroup)", async () => {
    await expect(
      planOf(() => {
        const aws = createAwsAdapter(context(), SETTINGS.aws);
        const bucket = aws.objectStore("offline", { versioning: true, forceDestroy: false });
        const redshift = aws.warehouse("offline", {
          size: "small",
          staging: bucket,
          stagingPrefix: "staging",
          forceDestroy: false,
        });
        const gcp = createGcpAdapter({ ...context(), name: "other" }, SETTINGS.gcp);
        gcp.workloadIdentity("reader", {
          serviceAccountName: "reader",
          grants: [{ resource: redshift, access: Access.read }],
          labels: {},
        });
      }),
    ).rejects.toThrow(
      'workloadIdentity("reader"): grants[0]: the Google Cloud adapter can only grant access to BigQuery datasets created by a Google Cloud adapter',
    );
  });

  it("aws refuses a warehouse it did not create (a BigQuery dataset)", async () => {
    await expect(
      planOf(() => {
        const gcp = createGcpAdapter(context(), SETTINGS.gcp);
        const bucket = gcp.objectStore("offline", { versioning: true, forceDestroy: false });
        const bq = gcp.warehouse("offline", {
          size: "small",
          staging: bucket,
          stagingPrefix: "staging",
          forceDestroy: false,
        });
        const aws = createAwsAdapter({ ...context(), name: "other" }, SETTINGS.aws);
        aws.workloadIdentity("reader", {
          serviceAccountName: "reader",
          grants: [{ resource: bq, access: Access.read }],
          labels: {},
        });
      }),
    ).rejects.toThrow(
      "the AWS adapter can only grant access to Redshift Serverless workgroups created by an AWS adapter",
    );
  });
});

describe("warehouse on local", () => {
  it("throws naming what is allowed", async () => {
    await expect(
      planOf(() => {
        const adapter = createLocalAdapter(context(), SETTINGS.local);
        const bucket = adapter.objectStore("offline", { versioning: true, forceDestroy: false });
        adapter.warehouse("offline", {
          size: "small",
          staging: bucket,
          stagingPrefix: "staging",
          forceDestroy: false,
        });
      }),
    ).rejects.toThrow(
      'warehouse("offline"): no data warehouse is available on target "local"; use offline store type "parquet" (a warehouse needs target "aws" for Redshift or "gcp" for BigQuery)',
    );
  });
});
