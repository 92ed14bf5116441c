/**
 * DynamoDB tables for the AWS adapter (`tableStore`): pre-created, encrypted with the component's
 * customer-managed key, on-demand capacity, point-in-time recovery and deletion protection from the
 * args. The workload identity gets data-plane access to exactly these tables (`identity.ts`).
 *
 * Why pre-created: Feast's DynamoDB online store creates a missing table itself on `feast apply`
 * with no `SSESpecification`, i.e. encrypted with the AWS-owned key (feast v0.66.0
 * sdk/python/feast/infra/online_stores/dynamodb.py `DynamoDBOnlineStore.update`). It first calls
 * `DescribeTable` and skips creation for a table that exists, so tables this adapter created are
 * used as they are, and the identity never needs `dynamodb:CreateTable`.
 */
import * as aws from "../../shared/aws-sdk";
import type * as pulumi from "@pulumi/pulumi";
import type { CloudContext, TableStore, TableStoreArgs } from "../types";
import { StoreKind } from "../types";
import { httpsEgressRule } from "./network";

/**
 * A DynamoDB table name: 3–255 characters of `a-z`, `A-Z`, `0-9`, `_`, `-`, `.`
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html).
 */
export const DYNAMODB_TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** Most days of point-in-time recovery (`PointInTimeRecoverySpecification.RecoveryPeriodInDays`, 1–35). */
export const DYNAMODB_MAX_PITR_DAYS = 35;

/** Why `name` is not a DynamoDB table name, or undefined when it is one. */
export function dynamoDbTableNameProblem(name: string): string | undefined {
  return DYNAMODB_TABLE_NAME.test(name)
    ? undefined
    : `"${name}" is not a DynamoDB table name (3–255 characters of letters, digits, '_', '-' and '.')`;
}

/** The logical name of a table's resource: `<ctx.name>-<role>-<table name>-table`. */
function tableResourceName(prefix: string, table: string): string {
  return `${prefix}-${table}-table`;
}

/**
 * Creates one `aws.dynamodb.Table` per name in `args.tables` (`${ctx.name}-<role>-<table>-table`,
 * physical name exactly the given name): hash key `args.partitionKey` of type S (Feast's key schema),
 * PAY_PER_REQUEST, SSE-KMS with `args.key`, point-in-time recovery over `backupRetentionDays` days
 * when above 0, deletion protection from `deletionProtection`, the context's tags. Stateful:
 * `protect` and `retainOnDelete` from the context.
 *
 * @throws Error when `args.key` is missing (the AWS-owned key is never used), a table name is not
 * a DynamoDB name or given twice, or `backupRetentionDays` is outside 0–35.
 */
export function createDynamoDbTables(
  ctx: CloudContext,
  role: string,
  args: TableStoreArgs,
  region: pulumi.Output<string>,
): TableStore {
  const where = `${ctx.name}: tableStore("${role}")`;
  if (args.key === undefined) {
    throw new Error(`${where}: key: required on aws (tables are encrypted with a customer-managed KMS key)`);
  }
  if (args.tables.length === 0) throw new Error(`${where}: tables: give at least one table`);
  args.tables.forEach((table, index) => {
    const problem = dynamoDbTableNameProblem(table);
    if (problem) throw new Error(`${where}: tables[${index}]: ${problem}`);
    if (args.tables.indexOf(table) !== index)
      throw new Error(`${where}: tables[${index}]: "${table}" is given twice`);
  });
  const days = args.backupRetentionDays;
  if (!Number.isInteger(days) || days < 0 || days > DYNAMODB_MAX_PITR_DAYS) {
    throw new Error(
      `${where}: backupRetentionDays: ${days} is not allowed; give a whole number of days from 0 to ${DYNAMODB_MAX_PITR_DAYS}`,
    );
  }

  const prefix = `${ctx.name}-${role}`;
  const tables = args.tables.map(
    (name) =>
      new aws.dynamodb.Table(
        tableResourceName(prefix, name),
        {
          name,
          billingMode: "PAY_PER_REQUEST",
          hashKey: args.partitionKey,
          attributes: [{ name: args.partitionKey, type: "S" }],
          serverSideEncryption: { enabled: true, kmsKeyArn: args.key!.keyId },
          pointInTimeRecovery: days > 0 ? { enabled: true, recoveryPeriodInDays: days } : { enabled: false },
          deletionProtectionEnabled: args.deletionProtection,
          tags: ctx.tags,
        },
        { parent: ctx.parent, protect: ctx.protect, retainOnDelete: ctx.protect },
      ),
  );

  return {
    kind: StoreKind.tableStore,
    tableNames: [...args.tables],
    region,
    // DynamoDB's regional endpoint (and STS) over HTTPS; no fixed addresses to list.
    egress: [httpsEgressRule()],
    encryptionKey: args.key,
    resources: tables,
  };
}
