/**
 * The baseline comparison behind "nothing deployed moves" (test/stacks.test.ts): a moved resource
 * that aliases its old URN is unchanged, one that does not is deleted and created, and the failure
 * message lists exactly what appeared and disappeared.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  baselineOf,
  compareWithBaseline,
  describeBaselineDiff,
  NO_DIFFERENCE,
  renderBaseline,
} from "./baseline";
import { planOf } from "./helpers";

/** Today's component: a bucket and a namespace directly under it. */
class Store extends pulumi.ComponentResource {
  constructor(name: string) {
    super("mlops:index:Store", name, {});
    new aws.s3.Bucket(`${name}-bucket`, { bucket: "acme-models" }, { parent: this });
    new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: "models" } }, { parent: this });
    this.registerOutputs({});
  }
}

/** The same after a refactor: the bucket moves into a sub-component, with or without an alias. */
class RefactoredStore extends pulumi.ComponentResource {
  constructor(name: string, options: { alias: boolean; bucketName?: string; namespace?: string }) {
    super("mlops:index:Store", name, {});
    const bucketed = new pulumi.ComponentResource(
      "mlops:index:Bucketed",
      `${name}-bucketed`,
      {},
      { parent: this },
    );
    new aws.s3.Bucket(
      `${name}-bucket`,
      { bucket: options.bucketName ?? "acme-models" },
      // Its old parent was this component.
      { parent: bucketed, aliases: options.alias ? [{ parent: this }] : [] },
    );
    new k8s.core.v1.Namespace(
      `${name}-ns`,
      { metadata: { name: options.namespace ?? "models" } },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

const prefix = "urn:pulumi:test::mlops::";

describe("the baseline of a plan", () => {
  it("lists the managed resources by state URN and the explicit physical names, sorted", async () => {
    const baseline = baselineOf(await planOf(() => new Store("store")));
    expect(baseline).toEqual({
      $comment: expect.stringContaining("npm run baseline"),
      stack: "test",
      urns: [
        `${prefix}mlops:index:Store$aws:s3/bucket:Bucket::store-bucket`,
        `${prefix}mlops:index:Store$kubernetes:core/v1:Namespace::store-ns`,
      ],
      physicalNames: [
        "aws:s3/bucket:Bucket bucket=acme-models",
        "kubernetes:core/v1:Namespace metadata.name=models",
      ],
    });
    // One array item per line: a reviewed diff shows each resource on its own line.
    expect(await renderBaseline(baseline)).toContain(
      `  "urns": [\n    "${prefix}mlops:index:Store$aws:s3/bucket:Bucket::store-bucket",\n`,
    );
  });
});

describe("compareWithBaseline", () => {
  it("finds nothing when the plan is the baseline's", async () => {
    const plan = await planOf(() => new Store("store"));
    expect(compareWithBaseline(baselineOf(plan), plan)).toEqual(NO_DIFFERENCE);
    expect(describeBaselineDiff("test", NO_DIFFERENCE)).toBe("");
  });

  it("a resource moved into a sub-component with an alias of its old URN is unchanged (the new component is not deployed)", async () => {
    const baseline = baselineOf(await planOf(() => new Store("store")));
    const plan = await planOf(() => new RefactoredStore("store", { alias: true }));
    expect(compareWithBaseline(baseline, plan)).toEqual(NO_DIFFERENCE);
  });

  it("without the alias, the old URN disappears and the new one appears, and the message lists exactly those", async () => {
    const baseline = baselineOf(await planOf(() => new Store("store")));
    const plan = await planOf(() => new RefactoredStore("store", { alias: false }));
    const diff = compareWithBaseline(baseline, plan);
    expect(diff).toEqual({
      ...NO_DIFFERENCE,
      disappearedUrns: [`${prefix}mlops:index:Store$aws:s3/bucket:Bucket::store-bucket`],
      appearedUrns: [`${prefix}mlops:index:Store$mlops:index:Bucketed$aws:s3/bucket:Bucket::store-bucket`],
    });
    expect(describeBaselineDiff("test", diff)).toBe(
      [
        "test: the plan differs from test/fixtures/baseline/test.json",
        "  resources that disappeared (the engine would delete them):",
        `    - ${prefix}mlops:index:Store$aws:s3/bucket:Bucket::store-bucket`,
        "  resources that appeared (the engine would create them):",
        `    + ${prefix}mlops:index:Store$mlops:index:Bucketed$aws:s3/bucket:Bucket::store-bucket`,
        "A resource whose URN changes must alias its old URN (the `aliases` resource option); a physical " +
          "name that changes replaces the resource. If the change is intended, run `npm run baseline` and " +
          "review the diff.",
      ].join("\n"),
    );
  });

  it("a changed physical name is reported even when the URN is kept (the cloud resource or object is replaced)", async () => {
    const baseline = baselineOf(await planOf(() => new Store("store")));
    const plan = await planOf(
      () => new RefactoredStore("store", { alias: true, bucketName: "acme-models-v2", namespace: "ml" }),
    );
    expect(compareWithBaseline(baseline, plan)).toEqual({
      ...NO_DIFFERENCE,
      disappearedNames: [
        "aws:s3/bucket:Bucket bucket=acme-models",
        "kubernetes:core/v1:Namespace metadata.name=models",
      ],
      appearedNames: [
        "aws:s3/bucket:Bucket bucket=acme-models-v2",
        "kubernetes:core/v1:Namespace metadata.name=ml",
      ],
    });
  });

  it("two resources claiming one deployed URN (by URN or alias) are reported", async () => {
    const baseline = baselineOf(await planOf(() => new Store("store")));
    const plan = await planOf(() => {
      new Store("store");
      // A second bucket that aliases the deployed one: the engine rejects the update.
      new aws.s3.Bucket(
        "copy",
        {},
        { aliases: [`${prefix}mlops:index:Store$aws:s3/bucket:Bucket::store-bucket`] },
      );
    });
    expect(compareWithBaseline(baseline, plan).claimedTwice).toEqual([
      `${prefix}mlops:index:Store$aws:s3/bucket:Bucket::store-bucket`,
    ]);
  });
});
