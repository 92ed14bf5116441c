/**
 * The `tableStore` capability (issue 10: the feature store's DynamoDB and Bigtable online stores):
 * exact tables / instance per target, the grants a workload identity gets on them (`read` vs
 * `readWrite`, never table creation), and the errors of bad args and of `local`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  Access,
  createAdapter,
  Target,
  type AdapterContext,
  type CloudAdapter,
  type TableStoreArgs,
  type TargetSettings,
} from "../../components/adapters";
import {
  BIGTABLE_READ_ROLE,
  BIGTABLE_USER_ROLE,
  bigtableTableNameProblem,
} from "../../components/adapters/gcp";
import {
  DYNAMODB_READ_ACTIONS,
  DYNAMODB_WRITE_ACTIONS,
  dynamoDbTableNameProblem,
  workloadAccessPolicy,
} from "../../components/adapters/aws";
import { tableStoreUnavailable } from "../../components/adapters/local";
import { descendantsOf, findResource, inputAt, planOf, resourcesOfType, type Plan } from "../helpers";
import { AWS_SETTINGS, GCP_SETTINGS, Host } from "./fixtures";

const AWS = AWS_SETTINGS;
const GCP = GCP_SETTINGS;
const CONFIG = {
  config: { "aws:region": "eu-west-1", "gcp:project": "ml-prod", "gcp:region": "europe-west4" },
};

const TABLES: Omit<TableStoreArgs, "key"> = {
  tables: ["feast.drivers", "feast.customers"],
  partitionKey: "entity_id",
  columnFamily: "features",
  maxVersions: 2,
  size: "medium",
  highAvailability: false,
  backupRetentionDays: 7,
  deletionProtection: true,
};

/**
 * A table store "online" with the data key, a bucket "offline"; identity "server" writes both,
 * "serving" reads the tables only.
 */
function program(target: Target, settings: TargetSettings, overrides: Partial<TableStoreArgs> = {}) {
  return () => {
    const parent = new Host("fs");
    const ctx: AdapterContext = {
      parent,
      name: "fs",
      k8sProvider: new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n" }),
      namespace: "feast",
      tags: { owner: "ml" },
      protect: false,
      dependsOn: [],
    };
    const adapter: CloudAdapter = createAdapter(target, ctx, settings);
    const key = adapter.encryptionKey("data");
    const bucket = adapter.objectStore("offline", { key, versioning: true, forceDestroy: true });
    const tables = adapter.tableStore("online", { ...TABLES, key, ...overrides });
    adapter.workloadIdentity("server", {
      serviceAccountName: "server",
      grants: [
        { resource: bucket, access: Access.readWrite },
        { resource: tables, access: Access.readWrite },
      ],
      labels: {},
    });
    adapter.workloadIdentity("serving", {
      serviceAccountName: "serving",
      grants: [{ resource: tables, access: Access.read }],
      labels: {},
    });
    return {
      key: key?.keyId,
      kind: tables.kind,
      tableNames: tables.tableNames,
      region: tables.region,
      project: tables.project,
      instanceId: tables.instanceId,
      egress: tables.egress,
      resources: tables.resources.map((r) => (r as pulumi.CustomResource).urn),
    };
  };
}

async function failureOf(target: Target, settings: TargetSettings, overrides: Partial<TableStoreArgs>) {
  try {
    await planOf(program(target, settings, overrides), CONFIG);
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

function policyOf(plan: Plan, name: string): unknown {
  return JSON.parse(findResource(plan, "aws:iam/rolePolicy:RolePolicy", name).inputs["policy"] as string);
}

const names = (plan: Plan, type: string) => resourcesOfType(plan, type).map((r) => r.name);

describe("aws: DynamoDB tables", () => {
  const plan = planOf(program(Target.aws, AWS), CONFIG);
  const arn = (name: string) => `arn:aws:dynamodb:eu-west-1:123456789012:table/fs-online-${name}-table`;

  it("creates exactly one encrypted, on-demand table per name, with PITR and deletion protection", async () => {
    const p = await plan;
    expect(names(p, "aws:dynamodb/table:Table")).toEqual([
      "fs-online-feast.drivers-table",
      "fs-online-feast.customers-table",
    ]);
    const table = findResource(p, "aws:dynamodb/table:Table", "fs-online-feast.drivers-table");
    expect(table.inputs).toEqual({
      name: "feast.drivers",
      billingMode: "PAY_PER_REQUEST",
      hashKey: "entity_id",
      attributes: [{ name: "entity_id", type: "S" }],
      serverSideEncryption: { enabled: true, kmsKeyArn: p.outputs["key"] },
      pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 7 },
      deletionProtectionEnabled: true,
      tags: { owner: "ml" },
    });
    expect(p.outputs["kind"]).toBe("tableStore");
    expect(p.outputs["tableNames"]).toEqual(["feast.drivers", "feast.customers"]);
    expect(p.outputs["region"]).toBe("eu-west-1");
    expect(p.outputs["project"]).toBeUndefined();
    expect(p.outputs["instanceId"]).toBeUndefined();
    expect(p.outputs["egress"]).toEqual([
      {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }],
        ports: [{ protocol: "TCP", port: 443 }],
      },
    ]);
    expect(p.outputs["resources"]).toEqual([
      findResource(p, "aws:dynamodb/table:Table", "fs-online-feast.drivers-table").urn,
      findResource(p, "aws:dynamodb/table:Table", "fs-online-feast.customers-table").urn,
    ]);
  });

  it("readWrite: item reads and writes on exactly the tables, the key through DynamoDB only, after the bucket statements", async () => {
    const p = await plan;
    const doc = policyOf(p, "fs-server-role-policy") as { Statement: { Sid: string }[] };
    expect(doc.Statement.map((s) => s.Sid)).toEqual([
      "Buckets",
      "Objects",
      "BucketKeys",
      "Tables",
      "TableWrites",
      "TableKeys",
    ]);
    expect(doc.Statement.slice(3)).toEqual([
      {
        Sid: "Tables",
        Effect: "Allow",
        Action: ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:BatchGetItem"],
        Resource: [arn("feast.drivers"), arn("feast.customers")],
      },
      {
        Sid: "TableWrites",
        Effect: "Allow",
        Action: ["dynamodb:PutItem", "dynamodb:BatchWriteItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
        Resource: [arn("feast.drivers"), arn("feast.customers")],
      },
      {
        Sid: "TableKeys",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
        Resource: [p.outputs["key"]],
        Condition: { StringEquals: { "kms:ViaService": "dynamodb.eu-west-1.amazonaws.com" } },
      },
    ]);
  });

  it("read: item reads only, decrypt through DynamoDB only; no bucket statement", async () => {
    const p = await plan;
    expect(policyOf(p, "fs-serving-role-policy")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Tables",
          Effect: "Allow",
          Action: DYNAMODB_READ_ACTIONS,
          Resource: [arn("feast.drivers"), arn("feast.customers")],
        },
        {
          Sid: "ReadTableKeys",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:DescribeKey"],
          Resource: [p.outputs["key"]],
          Condition: { StringEquals: { "kms:ViaService": "dynamodb.eu-west-1.amazonaws.com" } },
        },
      ],
    });
  });

  it("never grants table creation, deletion or re-tagging", () => {
    const all = [...DYNAMODB_READ_ACTIONS, ...DYNAMODB_WRITE_ACTIONS];
    for (const action of [
      "dynamodb:CreateTable",
      "dynamodb:DeleteTable",
      "dynamodb:UpdateTable",
      "dynamodb:TagResource",
      "dynamodb:UntagResource",
      "dynamodb:*",
    ]) {
      expect(all).not.toContain(action);
    }
    // With only bucket grants the document is exactly the bucket policy.
    const bucketOnly = workloadAccessPolicy(
      { buckets: [{ bucketArn: "arn:aws:s3:::b", access: "read" }], tables: [], workgroupArns: [] },
      "eu-west-1",
    );
    expect(JSON.parse(bucketOnly).Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      "Buckets",
      "ReadObjects",
    ]);
  });

  it("point-in-time recovery off at 0 days, deletion protection off when not asked", async () => {
    const p = await planOf(
      program(Target.aws, AWS, { backupRetentionDays: 0, deletionProtection: false }),
      CONFIG,
    );
    const table = findResource(p, "aws:dynamodb/table:Table", "fs-online-feast.drivers-table");
    expect(inputAt(table, "pointInTimeRecovery")).toEqual({ enabled: false });
    expect(inputAt(table, "deletionProtectionEnabled")).toBe(false);
  });

  it("refuses a missing key, a bad or repeated table name, and more than 35 days", async () => {
    expect(await failureOf(Target.aws, AWS, { key: undefined })).toContain(
      'fs: tableStore("online"): key: required on aws',
    );
    expect(await failureOf(Target.aws, AWS, { tables: ["ok.table", "no spaces"] })).toContain(
      `fs: tableStore("online"): tables[1]: "no spaces" is not a DynamoDB table name`,
    );
    expect(await failureOf(Target.aws, AWS, { tables: ["t.a", "t.a"] })).toContain(
      'fs: tableStore("online"): tables[1]: "t.a" is given twice',
    );
    expect(await failureOf(Target.aws, AWS, { backupRetentionDays: 36 })).toContain(
      "backupRetentionDays: 36 is not allowed; give a whole number of days from 0 to 35",
    );
    expect(dynamoDbTableNameProblem("ab")).toBeDefined();
    expect(dynamoDbTableNameProblem("abc")).toBeUndefined();
    expect(dynamoDbTableNameProblem("a".repeat(256))).toBeDefined();
  });
});

describe("gcp: Bigtable instance and tables", () => {
  const plan = planOf(program(Target.gcp, GCP), CONFIG);

  it("creates the key grant, an SSD instance with CMEK and autoscaling, and each table with its GC policy", async () => {
    const p = await plan;
    const host = findResource(p, "test:index:Host", "fs");
    expect(
      descendantsOf(p, host.urn)
        .map((r) => `${r.type} ${r.name}`)
        .filter((n) => /bigtable|online/.test(n))
        .sort(),
    ).toEqual([
      "gcp:bigtable/gCPolicy:GCPolicy fs-online-feast.customers-gc",
      "gcp:bigtable/gCPolicy:GCPolicy fs-online-feast.drivers-gc",
      "gcp:bigtable/instance:Instance fs-online-bigtable",
      "gcp:bigtable/instanceIamMember:InstanceIamMember fs-server-online-bigtable-member",
      "gcp:bigtable/instanceIamMember:InstanceIamMember fs-serving-online-bigtable-member",
      "gcp:bigtable/table:Table fs-online-feast.customers-table",
      "gcp:bigtable/table:Table fs-online-feast.drivers-table",
      "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember fs-online-bigtable-agent-member",
      "gcp:projects/serviceIdentity:ServiceIdentity fs-online-bigtable-agent",
    ]);
    const agent = findResource(
      p,
      "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
      "fs-online-bigtable-agent-member",
    );
    expect(agent.inputs).toEqual({
      cryptoKeyId: p.outputs["key"],
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: "serviceAccount:service-123456789012@gcp-sa-bigtable.iam.gserviceaccount.com",
    });
    const instance = findResource(p, "gcp:bigtable/instance:Instance", "fs-online-bigtable");
    expect(instance.dependencies).toContain(agent.urn);
    expect(instance.inputs).toEqual({
      project: "ml-prod",
      name: "fs-test-online",
      displayName: "mlops fs online",
      clusters: [
        {
          clusterId: "fs-test-online-c1",
          zone: "europe-west4-a",
          storageType: "SSD",
          kmsKeyName: p.outputs["key"],
          autoscalingConfig: { minNodes: 1, maxNodes: 5, cpuTarget: 50 },
        },
      ],
      deletionProtection: true,
      labels: { owner: "ml" },
    });
    expect(findResource(p, "gcp:bigtable/table:Table", "fs-online-feast.drivers-table").inputs).toEqual({
      project: "ml-prod",
      instanceName: "fs-test-online",
      name: "feast.drivers",
      columnFamilies: [{ family: "features" }],
      deletionProtection: "PROTECTED",
      automatedBackupPolicy: { retentionPeriod: "168h0m0s", frequency: "24h0m0s" },
    });
    expect(findResource(p, "gcp:bigtable/gCPolicy:GCPolicy", "fs-online-feast.drivers-gc").inputs).toEqual({
      project: "ml-prod",
      instanceName: "fs-test-online",
      table: "feast.drivers",
      columnFamily: "features",
      maxVersions: [{ number: 2 }],
      deletionPolicy: "ABANDON",
    });
    expect(p.outputs["instanceId"]).toBe("fs-test-online");
    expect(p.outputs["project"]).toBe("ml-prod");
    expect(p.outputs["region"]).toBe("europe-west4");
  });

  it("read is roles/bigtable.reader, readWrite roles/bigtable.user, both on exactly the instance", async () => {
    const p = await plan;
    const member = (name: string) =>
      findResource(p, "gcp:bigtable/instanceIamMember:InstanceIamMember", `fs-${name}-online-bigtable-member`)
        .inputs;
    expect(member("server")).toEqual({
      project: "ml-prod",
      instance: "fs-test-online",
      role: BIGTABLE_USER_ROLE,
      member: "serviceAccount:fs-test-server@ml-prod.iam.gserviceaccount.com",
    });
    expect(member("serving")).toEqual({
      project: "ml-prod",
      instance: "fs-test-online",
      role: BIGTABLE_READ_ROLE,
      member: "serviceAccount:fs-test-serving@ml-prod.iam.gserviceaccount.com",
    });
    expect([BIGTABLE_USER_ROLE, BIGTABLE_READ_ROLE]).toEqual([
      "roles/bigtable.user",
      "roles/bigtable.reader",
    ]);
    // No project-level Bigtable role.
    expect(
      resourcesOfType(p, "gcp:projects/iAMMember:IAMMember").filter((r) =>
        String(r.inputs["role"]).includes("bigtable"),
      ),
    ).toEqual([]);
  });

  it("highAvailability: two clusters in two zones; large size: 3–10 nodes; backups at least 3 days, off at 0", async () => {
    const p = await planOf(
      program(Target.gcp, GCP, { highAvailability: true, size: "large", backupRetentionDays: 1 }),
      CONFIG,
    );
    const instance = findResource(p, "gcp:bigtable/instance:Instance", "fs-online-bigtable");
    expect(inputAt(instance, "clusters")).toEqual(
      ["a", "b"].map((zone, i) => ({
        clusterId: `fs-test-online-c${i + 1}`,
        zone: `europe-west4-${zone}`,
        storageType: "SSD",
        kmsKeyName: p.outputs["key"],
        autoscalingConfig: { minNodes: 3, maxNodes: 10, cpuTarget: 50 },
      })),
    );
    expect(
      inputAt(
        findResource(p, "gcp:bigtable/table:Table", "fs-online-feast.drivers-table"),
        "automatedBackupPolicy",
      ),
    ).toEqual({ retentionPeriod: "72h0m0s", frequency: "24h0m0s" });
    const off = await planOf(
      program(Target.gcp, GCP, { backupRetentionDays: 0, deletionProtection: false }),
      CONFIG,
    );
    const table = findResource(off, "gcp:bigtable/table:Table", "fs-online-feast.drivers-table");
    expect(inputAt(table, "automatedBackupPolicy")).toBeUndefined();
    expect(inputAt(table, "deletionProtection")).toBe("UNPROTECTED");
    expect(
      inputAt(
        findResource(off, "gcp:bigtable/instance:Instance", "fs-online-bigtable"),
        "deletionProtection",
      ),
    ).toBe(false);
  });

  it("refuses a missing key and a name Bigtable would refuse", async () => {
    expect(await failureOf(Target.gcp, GCP, { key: undefined })).toContain(
      'fs: tableStore("online"): key: required on gcp',
    );
    expect(await failureOf(Target.gcp, GCP, { tables: ["-bad"] })).toContain(
      `fs: tableStore("online"): tables[0]: "-bad" is not a Bigtable table ID`,
    );
    expect(bigtableTableNameProblem("a".repeat(50))).toBeUndefined();
    expect(bigtableTableNameProblem("a".repeat(51))).toBeDefined();
    expect(bigtableTableNameProblem("_x.y-z")).toBeUndefined();
  });
});

describe("local: no table stores", () => {
  it("throws an Error naming what is allowed", async () => {
    expect(await failureOf(Target.local, {}, {})).toContain(tableStoreUnavailable("online").message);
    expect(tableStoreUnavailable("online").message).toBe(
      'tableStore("online"): table stores (DynamoDB, Bigtable) are not available on target "local"; use the key-value store (online store type "keyValue"); table stores need target "aws" (DynamoDB) or "gcp" (Bigtable)',
    );
  });
});
