/**
 * The DynamoDB and Bigtable online stores as Feast sees them: the physical table names Feast
 * computes for the tables the component pre-creates, and the online store section of
 * `feature_store.yaml` the operator reads from the online store Secret (it adds `type` from the
 * CR's `services.onlineStore.persistence.store.type`). Pure functions, tested for their exact
 * output.
 */
import { createHash } from "node:crypto";
import { dynamoDbTableNameProblem } from "../adapters/aws";
import { bigtableTableNameProblem } from "../adapters/gcp";
import type { OnlineStoreType } from "./args";

/** The online store types backed by pre-created tables (`tableStore`). */
export type TableOnlineStoreType = Exclude<OnlineStoreType, "keyValue">;

/** The Feast `type` of each online store type (the CR's `persistence.store.type` and the Secret key). */
export const FEAST_ONLINE_STORE_TYPE: Record<OnlineStoreType, string> = {
  keyValue: "redis",
  dynamodb: "dynamodb",
  bigtable: "bigtable",
};

/** DynamoDB's partition key of every Feast table: `entity_id`, a string (feast v0.66.0 dynamodb.py `update`). */
export const FEAST_DYNAMODB_PARTITION_KEY = "entity_id";

/** The column family of every Feast Bigtable table (`BigtableOnlineStore.feature_column_family`). */
export const FEAST_BIGTABLE_COLUMN_FAMILY = "features";

/** Cell versions Feast's Bigtable column family keeps (`BigtableOnlineStoreConfig.max_versions` default). */
export const FEAST_BIGTABLE_MAX_VERSIONS = 2;

/** The entity part of a Bigtable table of a feature view without entities (Feast's `DUMMY_ENTITY_NAME`). */
export const FEAST_DUMMY_ENTITY = "__dummy";

/**
 * Feast's DynamoDB table name template with the component's prefix: `<prefix>.{project}.{table_name}`.
 * Feast's default is `{project}.{table_name}`; the prefix (`<component name>-<stack>`) keeps two
 * stacks of one program in one account and region apart, as every other account-scoped name is.
 */
export function dynamoDbTableNameTemplate(prefix: string): string {
  return `${prefix}.{project}.{table_name}`;
}

/** The DynamoDB table Feast uses for feature view `view` (`dynamoDbTableNameTemplate` filled in). */
export function dynamoDbTableName(prefix: string, project: string, view: string): string {
  return `${prefix}.${project}.${view}`;
}

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

/**
 * The Bigtable table Feast uses for an entity combination `entities` (the feature view's entity
 * names sorted and joined with `-`, or `__dummy`): `<project part>.<entities part>`, at most 50
 * characters. As Feast computes it (feast v0.66.0 sdk/python/feast/infra/online_stores/bigtable.py
 * `_get_table_name`): an entities part over 24 characters becomes the first 24 hex digits of its
 * MD5; a project longer than what is left becomes its first 10 characters, `_` and hex digits of
 * its MD5 filling the rest.
 */
export function bigtableTableName(project: string, entities: string): string {
  const entitiesPart = entities.length > 24 ? md5(entities).slice(0, 24) : entities;
  const remaining = 50 - entitiesPart.length - 1;
  const projectPart =
    project.length > remaining
      ? `${project.slice(0, 10)}_${md5(project).slice(0, remaining - 10 - 1)}`
      : project;
  return `${projectPart}.${entitiesPart}`;
}

/** What the resolver shows for the DynamoDB prefix, which it does not know yet (`<component name>-<stack>`). */
export const UNKNOWN_PREFIX = "<name>-<stack>";

/** A table's name for messages: the prefix placeholder instead of the stand-in the resolver checks with. */
function displayName(input: OnlineTablesInput, table: string): string {
  return input.type === "dynamodb"
    ? dynamoDbTableName(input.prefix === "" ? UNKNOWN_PREFIX : input.prefix, input.project, table)
    : bigtableTableName(input.project, table);
}

/** What the physical table names are computed from. */
export interface OnlineTablesInput {
  type: TableOnlineStoreType;
  /** The Feast project (`spec.feastProject`). */
  project: string;
  /** `onlineStore.tables`: feature view names (dynamodb) or entity combinations (bigtable). */
  tables: string[];
  /**
   * The DynamoDB name prefix (`dynamoDbTableNameTemplate`); unused for bigtable. `""`: not known
   * yet (the resolver): names are checked with a one-character stand-in and shown with
   * `UNKNOWN_PREFIX`.
   */
  prefix: string;
}

/** The physical tables Feast reads and writes, in the order of `tables`. */
export function onlineTableNames(input: OnlineTablesInput): string[] {
  return input.tables.map((table) =>
    input.type === "dynamodb"
      ? dynamoDbTableName(input.prefix, input.project, table)
      : bigtableTableName(input.project, table),
  );
}

/**
 * Why an entry of `onlineStore.tables` cannot be used, or undefined: duplicates, and names whose
 * physical table the service would refuse (DynamoDB: 3–255 of `[A-Za-z0-9_.-]`; Bigtable: the
 * entity names joined with `-`, each of `[A-Za-z0-9_]`, or `__dummy`).
 */
export function onlineTableProblems(input: OnlineTablesInput): { index: number; message: string }[] {
  const names = onlineTableNames(input.prefix === "" ? { ...input, prefix: "x" } : input);
  return input.tables.flatMap((table, index) => {
    if (input.tables.indexOf(table) !== index) return [{ index, message: `"${table}" is given twice` }];
    if (input.type === "bigtable") {
      const entities = table.split("-");
      if (table !== FEAST_DUMMY_ENTITY && !entities.every((e) => /^[A-Za-z0-9_]+$/.test(e))) {
        return [
          {
            index,
            message: `"${table}" is not an entity combination: give the feature view's entity names (letters, digits, '_') sorted and joined with '-', or "${FEAST_DUMMY_ENTITY}"`,
          },
        ];
      }
      if ([...entities].sort().join("-") !== table) {
        return [
          {
            index,
            message: `"${table}": sort the entity names ("${[...entities].sort().join("-")}"), as Feast does`,
          },
        ];
      }
    }
    const problem =
      input.type === "dynamodb"
        ? dynamoDbTableNameProblem(names[index]!)
        : bigtableTableNameProblem(names[index]!);
    const shown = problem?.replace(`"${names[index]!}"`, `"${displayName(input, table)}"`);
    return shown ? [{ index, message: `its table ${shown}` }] : [];
  });
}

/** What the DynamoDB online store section is built from. */
export interface DynamoDbStoreConfigInput {
  /** Region of the tables. */
  region: string;
  /** The DynamoDB name prefix (`dynamoDbTableNameTemplate`). */
  prefix: string;
}

/**
 * The online store section for Feast's `dynamodb` type (`DynamoDBOnlineStoreConfig`, feast v0.66.0
 * dynamodb.py): the tables' region and the table name template. No `tags`: the tables carry the
 * component's tags, and Feast has no permission to change them.
 */
export function dynamoDbOnlineStoreYaml(input: DynamoDbStoreConfigInput): string {
  return [
    `region: ${JSON.stringify(input.region)}`,
    `table_name_template: ${JSON.stringify(dynamoDbTableNameTemplate(input.prefix))}`,
    "",
  ].join("\n");
}

/** What the Bigtable online store section is built from. */
export interface BigtableStoreConfigInput {
  /** Google Cloud project of the instance. */
  project: string;
  /** Bigtable instance ID. */
  instanceId: string;
}

/**
 * The online store section for Feast's `bigtable` type (`BigtableOnlineStoreConfig`, feast v0.66.0
 * bigtable.py): the project and instance, and `max_versions` equal to the garbage collection the
 * component gave each table's column family.
 */
export function bigtableOnlineStoreYaml(input: BigtableStoreConfigInput): string {
  return [
    `project_id: ${JSON.stringify(input.project)}`,
    `instance: ${JSON.stringify(input.instanceId)}`,
    `max_versions: ${FEAST_BIGTABLE_MAX_VERSIONS}`,
    "",
  ].join("\n");
}
