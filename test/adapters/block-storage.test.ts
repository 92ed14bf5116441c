/**
 * The block storage capability (`blockStorage`) on every target under the offline plan engine: the
 * exact StorageClass per cloud, what lets the cloud's storage service use the component's key (the
 * KMS key policy on aws, the Compute Engine agent's IAM member on gcp), retain vs delete, nothing on
 * local, the pack's verdict on the resources, and the KMS wildcard-principal rule on a separate
 * `aws.kms.KeyPolicy` both ways.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StorageClass } from "kubernetes-models/storage.k8s.io/v1/StorageClass";
import { describe, expect, it } from "vitest";
import { createAwsAdapter, ebsKeyPolicy } from "../../components/adapters/aws";
import { createGcpAdapter } from "../../components/adapters/gcp";
import { createLocalAdapter } from "../../components/adapters/local";
import type {
  AdapterContext,
  BlockStorage,
  CloudAdapter,
  TargetSettings,
} from "../../components/adapters/types";
import { classPulumiType } from "../../policies/rules/types";
import { RULES } from "../../policies/catalog";
import { runPolicies } from "../../policies/offline";
import { childrenOf, findResource, planOf, resourcesOfType, type Plan, type PlanResource } from "../helpers";
import { runRule } from "../policies/helpers";
import { validateStrict } from "../schemas/validate";
import { Host } from "./fixtures";

const T = {
  host: "test:index:Host",
  storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
  awsKey: "aws:kms/key:Key",
  awsKeyPolicy: "aws:kms/keyPolicy:KeyPolicy",
  gcpKey: "gcp:kms/cryptoKey:CryptoKey",
  gcpKeyMember: "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
} as const;

/** The governance tags the pack requires (gov-aws-required-tags, gov-gcp-required-labels). */
const TAGS = {
  owner: "ml-platform",
  "cost-center": "ML 42",
  environment: "prod",
  "data-classification": "internal",
};
const LABELS = { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/part-of": "pulumi-mlops" };
const REGION = "eu-west-1";
const ACCOUNT = "123456789012";

const AWS_SETTINGS: TargetSettings = {
  aws: {
    vpcId: "vpc-0123",
    vpcCidrBlock: "10.0.0.0/16",
    privateSubnetIds: ["subnet-a", "subnet-b"],
    nodeSecurityGroupId: "sg-nodes",
    identityMode: "podIdentity",
    clusterName: "ml-cluster",
  },
};
const GCP_SETTINGS: TargetSettings = {
  gcp: { project: "acme-ml", region: "europe-west4", network: "projects/acme-ml/global/networks/gke" },
};

type Factory = (ctx: AdapterContext, settings: TargetSettings) => CloudAdapter;

interface Build {
  factory: Factory;
  settings: TargetSettings;
  protect?: boolean;
  /** Asks the adapter for block storage; returns the results to export. */
  run: (adapter: CloudAdapter) => BlockStorage[];
}

/** A program with one Host component named "prom" whose adapter `run` uses. */
function program({ factory, settings, protect = false, run }: Build) {
  return () => {
    const parent = new Host("prom");
    const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
    const ctx: AdapterContext = {
      parent,
      name: "prom",
      k8sProvider,
      namespace: "monitoring",
      tags: TAGS,
      protect,
      dependsOn: [],
    };
    const results = run(factory(ctx, settings));
    return {
      classNames: results.map((r) => r.storageClassName ?? "default"),
      resources: results.map((r) => r.resources.map((x) => (x as pulumi.CustomResource).urn)),
    };
  };
}

function hostChildren(plan: Plan): string[] {
  return childrenOf(plan, findResource(plan, T.host, "prom").urn)
    .map((r) => `${r.type} ${r.name}`)
    .sort();
}

function urnsOf(...resources: PlanResource[]): string[] {
  return resources.map((r) => r.urn);
}

describe("blockStorage on aws: EBS gp3 encrypted with the component's KMS key", () => {
  const plan = (retain: boolean, roles = ["data"]) =>
    planOf(
      program({
        factory: createAwsAdapter,
        settings: AWS_SETTINGS,
        protect: retain,
        run: (adapter) => {
          const key = adapter.encryptionKey("data");
          return roles.map((role) => adapter.blockStorage(role, { key, labels: LABELS, retain }));
        },
      }),
      { config: { "aws:region": REGION } },
    );

  it("creates the key, its alias, one key policy and the StorageClass, all under the component", async () => {
    const p = await plan(true);
    expect(hostChildren(p)).toEqual(
      [
        `${T.awsKey} prom-data-key`,
        "aws:kms/alias:Alias prom-data-key-alias",
        `${T.awsKeyPolicy} prom-data-ebs-key-policy`,
        `${T.storageClass} prom-data-storageclass`,
      ].sort(),
    );
  });

  it("sets exactly the StorageClass inputs: gp3, encrypted with the key ARN, ext4, tags, zonal binding, Retain", async () => {
    const p = await plan(true);
    const key = findResource(p, T.awsKey);
    const arn = key.outputs?.["arn"];
    expect(arn).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${ACCOUNT}:key/`));
    const sc = findResource(p, T.storageClass);
    expect(sc.inputs).toEqual({
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: "prom-test-data-encrypted", labels: LABELS },
      provisioner: "ebs.csi.aws.com",
      parameters: {
        type: "gp3",
        encrypted: "true",
        kmsKeyId: arn,
        "csi.storage.k8s.io/fstype": "ext4",
        tagSpecification_1: "cost-center=ML 42",
        tagSpecification_2: "data-classification=internal",
        tagSpecification_3: "environment=prod",
        tagSpecification_4: "owner=ml-platform",
      },
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
      reclaimPolicy: "Retain",
    });
    expect(sc.provider).toMatch(/::k8s::/);
    expect(validateStrict(StorageClass, sc.inputs)).toEqual([]);
    expect(p.outputs["classNames"]).toEqual(["prom-test-data-encrypted"]);
  });

  it("deletes the volume with its claim when retain is false", async () => {
    const p = await plan(false);
    expect(findResource(p, T.storageClass).inputs["reclaimPolicy"]).toBe("Delete");
  });

  it("keeps KMS's default statement and admits EBS only through EC2 in the region, for the account", async () => {
    const p = await plan(true);
    const key = findResource(p, T.awsKey);
    const policy = findResource(p, T.awsKeyPolicy);
    expect(policy.inputs["keyId"]).toBe(key.id);
    expect(JSON.parse(policy.inputs["policy"] as string)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "EnableIamPolicies",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: "kms:*",
          Resource: "*",
        },
        {
          Sid: "EbsVolumesViaEc2",
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
          Resource: "*",
          Condition: {
            StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": `ec2.${REGION}.amazonaws.com` },
          },
        },
        {
          Sid: "EbsGrantsViaEc2",
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
          Resource: "*",
          Condition: {
            StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": `ec2.${REGION}.amazonaws.com` },
            Bool: { "kms:GrantIsForAWSResource": "true" },
          },
        },
      ],
    });
  });

  it("returns the StorageClass and the key policy for workloads to wait for", async () => {
    const p = await plan(true);
    expect(p.outputs["resources"]).toEqual([
      urnsOf(findResource(p, T.storageClass), findResource(p, T.awsKeyPolicy)),
    ]);
  });

  it("sets one key policy per key: a second StorageClass on the same key reuses it", async () => {
    const p = await plan(false, ["tsdb", "alertmanager"]);
    expect(resourcesOfType(p, T.awsKeyPolicy).map((r) => r.name)).toEqual(["prom-tsdb-ebs-key-policy"]);
    expect(resourcesOfType(p, T.storageClass).map((r) => r.inputs["metadata"])).toEqual([
      { name: "prom-test-tsdb-encrypted", labels: LABELS },
      { name: "prom-test-alertmanager-encrypted", labels: LABELS },
    ]);
    const policyUrn = findResource(p, T.awsKeyPolicy).urn;
    const returned = p.outputs["resources"] as string[][];
    expect(returned.map((r) => r.includes(policyUrn))).toEqual([true, true]);
  });

  it("has no mandatory policy violation (prod), and the KMS rule sees the key policy", async () => {
    const p = await plan(true);
    const kmsRule = RULES.find((r) => r.name === "aws-kms-key-no-wildcard-principal");
    expect(kmsRule?.resourceTypes).toContain(T.awsKeyPolicy);
    const urns = new Set(
      [T.awsKey, T.awsKeyPolicy, T.storageClass].flatMap((t) => resourcesOfType(p, t).map((r) => r.urn)),
    );
    const violations = runPolicies(
      { stack: "test", project: "mlops", resources: p.resources },
      { environment: "prod" },
    )
      .filter((v) => urns.has(v.urn) && v.enforcementLevel === "mandatory")
      .map((v) => `${v.policyName}: ${v.message}`);
    expect(violations).toEqual([]);
  });

  it("is reported by the pack once the planned key policy loses its conditions (weakened default)", async () => {
    const p = await plan(true);
    const weakened = p.resources.map((r) => {
      if (r.type !== T.awsKeyPolicy) return r;
      const doc = JSON.parse(r.inputs["policy"] as string) as { Statement: Record<string, unknown>[] };
      const statements = doc.Statement.map(({ Condition: _dropped, ...rest }) => rest);
      return { ...r, inputs: { ...r.inputs, policy: JSON.stringify({ ...doc, Statement: statements }) } };
    });
    const violations = runPolicies(
      { stack: "test", project: "mlops", resources: weakened },
      { environment: "prod" },
    )
      .filter((v) => v.policyName === "aws-kms-key-no-wildcard-principal")
      .map((v) => ({ urn: v.urn, level: v.enforcementLevel, last: v.message.split("\n").pop() }));
    const urn = findResource(p, T.awsKeyPolicy).urn;
    expect(violations).toEqual([
      {
        urn,
        level: "mandatory",
        last: 'Statement EbsVolumesViaEc2 allows principal "*" without a condition.',
      },
      {
        urn,
        level: "mandatory",
        last: 'Statement EbsGrantsViaEc2 allows principal "*" without a condition.',
      },
    ]);
  });

  it("rejects a call without a key, naming args.key", async () => {
    await expect(
      planOf(
        program({
          factory: createAwsAdapter,
          settings: AWS_SETTINGS,
          run: (adapter) => [adapter.blockStorage("data", { labels: LABELS, retain: false })],
        }),
        { config: { "aws:region": REGION } },
      ),
    ).rejects.toThrow(/blockStorage\("data"\): args\.key is required on aws/);
  });
});

describe("aws-kms-key-no-wildcard-principal on a separate aws.kms.KeyPolicy", () => {
  const keyPolicy = (policy: unknown) => ({
    type: classPulumiType(aws.kms.KeyPolicy),
    name: "kp",
    props: { keyId: "k", policy: JSON.stringify(policy) },
  });
  const run = (policy: unknown) => runRule("aws-kms-key-no-wildcard-principal", [keyPolicy(policy)]);

  it("accepts the EBS key policy (wildcard principal only with account and service conditions)", () => {
    expect(run(ebsKeyPolicy({ partition: "aws", accountId: ACCOUNT, region: REGION }))).toEqual([]);
  });

  it("names the EBS CSI controller's role as the only principal when the cluster gives it", () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/gpu-ebs-csi-role`;
    const policy = ebsKeyPolicy({
      partition: "aws",
      accountId: ACCOUNT,
      region: REGION,
      ebsCsiRoleArn: role,
    });
    const statements = (policy["Statement"] as { Sid: string; Principal: unknown }[]).filter((st) =>
      st.Sid.startsWith("Ebs"),
    );
    expect(statements.map((st) => [st.Sid, st.Principal])).toEqual([
      ["EbsVolumesViaEc2", { AWS: role }],
      ["EbsGrantsViaEc2", { AWS: role }],
    ]);
    expect(run(policy)).toEqual([]);
  });

  it('reports a key policy that allows principal "*" without a condition', () => {
    const open = {
      Version: "2012-10-17",
      Statement: [
        { Sid: "Open", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" },
      ],
    };
    expect(run(open).map((v) => v.message)).toEqual([
      expect.stringContaining('Statement Open allows principal "*" without a condition.'),
    ]);
  });
});

describe("blockStorage on gcp: PD balanced encrypted with the component's Cloud KMS key", () => {
  const plan = (retain: boolean, roles = ["data"]) =>
    planOf(
      program({
        factory: createGcpAdapter,
        settings: GCP_SETTINGS,
        protect: retain,
        run: (adapter) => {
          const key = adapter.encryptionKey("data");
          return roles.map((role) => adapter.blockStorage(role, { key, labels: LABELS, retain }));
        },
      }),
    );

  it("sets exactly the StorageClass inputs: pd-balanced, the key's resource id, disk labels, zonal binding", async () => {
    const p = await plan(true);
    const key = findResource(p, T.gcpKey);
    expect(key.id).toMatch(/^projects\/acme-ml\/locations\/europe-west4\/keyRings\/.+\/cryptoKeys\/.+$/);
    const sc = findResource(p, T.storageClass);
    expect(sc.inputs).toEqual({
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: "prom-test-data-encrypted", labels: LABELS },
      provisioner: "pd.csi.storage.gke.io",
      parameters: {
        type: "pd-balanced",
        "disk-encryption-kms-key": key.id,
        labels: "cost-center=ml_42,data-classification=internal,environment=prod,owner=ml-platform",
      },
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
      reclaimPolicy: "Retain",
    });
    expect(validateStrict(StorageClass, sc.inputs)).toEqual([]);
  });

  it("deletes the disk with its claim when retain is false", async () => {
    const p = await plan(false);
    expect(findResource(p, T.storageClass).inputs["reclaimPolicy"]).toBe("Delete");
  });

  it("grants the Compute Engine service agent encrypt/decrypt on the key, once per key", async () => {
    const p = await plan(false, ["tsdb", "alertmanager"]);
    const key = findResource(p, T.gcpKey);
    const member = findResource(p, T.gcpKeyMember, "prom-tsdb-compute-agent-member");
    expect(member.inputs).toEqual({
      cryptoKeyId: key.id,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: "serviceAccount:service-123456789012@compute-system.iam.gserviceaccount.com",
    });
    expect(member.parent).toBe(findResource(p, T.host, "prom").urn);
    expect(resourcesOfType(p, T.gcpKeyMember).filter((r) => r.name.includes("compute"))).toHaveLength(1);
    // Each StorageClass's consumers wait for the grant and the key's own service-agent grants.
    const returned = p.outputs["resources"] as string[][];
    expect(returned.map((r) => r.includes(member.urn))).toEqual([true, true]);
    const keyGrants = resourcesOfType(p, T.gcpKeyMember)
      .filter((r) => !r.name.includes("compute"))
      .map((r) => r.urn)
      .sort();
    expect(keyGrants).toHaveLength(2);
    expect(returned[0]!.filter((u) => keyGrants.includes(u)).sort()).toEqual(keyGrants);
  });

  it("has no mandatory policy violation (prod)", async () => {
    const p = await plan(true);
    const urns = new Set(
      [T.gcpKey, T.gcpKeyMember, T.storageClass].flatMap((t) => resourcesOfType(p, t).map((r) => r.urn)),
    );
    const violations = runPolicies(
      { stack: "test", project: "mlops", resources: p.resources },
      { environment: "prod" },
    )
      .filter((v) => urns.has(v.urn) && v.enforcementLevel === "mandatory")
      .map((v) => `${v.policyName}: ${v.message}`);
    expect(violations).toEqual([]);
  });

  it("rejects a call without a key, naming args.key", async () => {
    await expect(
      planOf(
        program({
          factory: createGcpAdapter,
          settings: GCP_SETTINGS,
          run: (adapter) => [adapter.blockStorage("data", { labels: LABELS, retain: true })],
        }),
      ),
    ).rejects.toThrow(/blockStorage\("data"\): args\.key is required on gcp/);
  });
});

describe("blockStorage on local: the cluster's class, nothing created", () => {
  const plan = (settings: TargetSettings) =>
    planOf(
      program({
        factory: createLocalAdapter,
        settings,
        run: (adapter) => [
          adapter.blockStorage("data", { key: adapter.encryptionKey("data"), labels: LABELS, retain: true }),
        ],
      }),
    );

  it("returns no StorageClass (the cluster default) and creates nothing", async () => {
    const p = await plan({});
    expect(hostChildren(p)).toEqual([]);
    expect(resourcesOfType(p, T.storageClass)).toEqual([]);
    expect(p.outputs["classNames"]).toEqual(["default"]);
    expect(p.outputs["resources"]).toEqual([[]]);
  });

  it("returns the configured settings.local.storageClassName, still creating nothing", async () => {
    const p = await plan({ local: { storageClassName: "encrypted-nvme" } });
    expect(hostChildren(p)).toEqual([]);
    expect(p.outputs["classNames"]).toEqual(["encrypted-nvme"]);
  });
});
