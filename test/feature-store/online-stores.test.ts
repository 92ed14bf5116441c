/**
 * The DynamoDB and Bigtable online stores as Feast sees them: exact `feature_store.yaml` online
 * sections and the physical table names Feast computes (expected values worked out by hand from
 * feast v0.66.0 dynamodb.py `_get_table_name` and bigtable.py `_get_table_name`, hashes with
 * Python's hashlib, not with the code under test).
 */
import { describe, expect, it } from "vitest";
import {
  bigtableOnlineStoreYaml,
  bigtableTableName,
  dynamoDbOnlineStoreYaml,
  dynamoDbTableName,
  dynamoDbTableNameTemplate,
  FEAST_ONLINE_STORE_TYPE,
  onlineTableNames,
} from "../../components/feature-store";
import { onlineTableProblems } from "../../components/feature-store/online-stores";

describe("online store sections", () => {
  it("dynamodb: the tables' region and the prefixed table name template", () => {
    expect(dynamoDbOnlineStoreYaml({ region: "us-east-1", prefix: "features-aws-prod" })).toBe(
      'region: "us-east-1"\ntable_name_template: "features-aws-prod.{project}.{table_name}"\n',
    );
  });

  it("bigtable: project, instance and the column family's max_versions", () => {
    expect(bigtableOnlineStoreYaml({ project: "acme-ml", instanceId: "features-gcp-prod-online" })).toBe(
      'project_id: "acme-ml"\ninstance: "features-gcp-prod-online"\nmax_versions: 2\n',
    );
  });

  it("the CR's store type and Secret key per online store type", () => {
    expect(FEAST_ONLINE_STORE_TYPE).toEqual({
      keyValue: "redis",
      dynamodb: "dynamodb",
      bigtable: "bigtable",
    });
  });
});

describe("table names", () => {
  it("dynamodb: the template filled in with the project and feature view", () => {
    expect(dynamoDbTableNameTemplate("fs-dev")).toBe("fs-dev.{project}.{table_name}");
    expect(dynamoDbTableName("fs-dev", "fraud_detection", "driver_stats")).toBe(
      "fs-dev.fraud_detection.driver_stats",
    );
  });

  it("bigtable: <project>.<entities>, hashed as Feast hashes to stay within 50 characters", () => {
    expect(bigtableTableName("fraud_detection", "customer-shop")).toBe("fraud_detection.customer-shop");
    // An entities part over 24 characters: the first 24 hex digits of its MD5.
    expect(bigtableTableName("fraud_detection", "customer-merchant-terminal-zone")).toBe(
      "fraud_detection.8aec3c10ef2c0a0caecf0e1a",
    );
    // A project longer than what is left: 10 characters, "_", hex digits of its MD5.
    expect(bigtableTableName("a_feast_project_name_that_is_long_enough_to_hash", "driver")).toBe(
      "a_feast_pr_e369f2a21aeba06df2d63ac474075236.driver",
    );
    expect(
      bigtableTableName("a_very_long_feast_project_name_for_tests", "customer-merchant-terminal-zone"),
    ).toBe("a_very_lon_cd162f3cd755d9.8aec3c10ef2c0a0caecf0e1a");
    expect(
      bigtableTableName("a_very_long_feast_project_name_for_tests", "customer-merchant-terminal-zone"),
    ).toHaveLength(50);
  });

  it("onlineTableNames per type, in the order given", () => {
    expect(
      onlineTableNames({ type: "dynamodb", project: "p", tables: ["b_view", "a_view"], prefix: "fs-dev" }),
    ).toEqual(["fs-dev.p.b_view", "fs-dev.p.a_view"]);
    expect(
      onlineTableNames({ type: "bigtable", project: "p", tables: ["driver", "__dummy"], prefix: "x" }),
    ).toEqual(["p.driver", "p.__dummy"]);
  });

  it("problems: duplicates, names the service refuses, unsorted or malformed entity combinations", () => {
    expect(
      onlineTableProblems({ type: "dynamodb", project: "p", tables: ["ok", "bad view", "ok"], prefix: "fs" }),
    ).toEqual([
      {
        index: 1,
        message:
          "its table \"fs.p.bad view\" is not a DynamoDB table name (3–255 characters of letters, digits, '_', '-' and '.')",
      },
      { index: 2, message: '"ok" is given twice' },
    ]);
    // The resolver does not know the prefix yet: a placeholder in the message.
    expect(onlineTableProblems({ type: "dynamodb", project: "p", tables: ["bad view"], prefix: "" })).toEqual(
      [
        {
          index: 0,
          message:
            "its table \"<name>-<stack>.p.bad view\" is not a DynamoDB table name (3–255 characters of letters, digits, '_', '-' and '.')",
        },
      ],
    );
    expect(
      onlineTableProblems({
        type: "bigtable",
        project: "p",
        tables: ["shop-customer", "a b", "__dummy", "driver"],
        prefix: "",
      }),
    ).toEqual([
      { index: 0, message: '"shop-customer": sort the entity names ("customer-shop"), as Feast does' },
      {
        index: 1,
        message:
          "\"a b\" is not an entity combination: give the feature view's entity names (letters, digits, '_') sorted and joined with '-', or \"__dummy\"",
      },
    ]);
  });
});
