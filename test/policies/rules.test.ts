import { describe, expect, it } from "vitest";
import { RULES } from "../../policies/catalog";
import { FIXTURES } from "./fixtures";
import { runRule } from "./helpers";
import { Access } from "../../components/adapters";
import { bucketAccessPolicy } from "../../components/adapters/aws";
import { tlsOnlyBucketPolicy } from "../../components/adapters/aws/s3";
import { clusterKmsPolicy } from "../../components/training-cluster/aws/eks";
import { karpenterControllerPolicies } from "../../components/training-cluster/aws/karpenter";
import { ec2NodeClassManifest } from "../../components/training-cluster/aws/nodepools";

describe("every rule has a compliant and a violating fixture", () => {
  it("covers exactly the catalog", () => {
    expect(Object.keys(FIXTURES).sort()).toEqual(RULES.map((r) => r.name).sort());
  });

  it.each(RULES.map((r) => [r.name] as const))("%s", (name) => {
    const f = FIXTURES[name];
    expect(f, `fixture for ${name}`).toBeDefined();
    if (!f) return;
    expect(runRule(name, f.good, f.config)).toEqual([]);
    const bad = runRule(name, f.bad, f.config);
    expect(bad.length, `violations of ${name}`).toBeGreaterThan(0);
    for (const v of bad) {
      expect(v.policyName).toBe(name);
      expect(v.policyPackName).toBe("mlops-policies");
      expect(v.urn).toMatch(/^urn:pulumi:/);
    }
  });
});

describe("aws-s3-sse-kms: SSE-S3 only on log buckets", () => {
  const tags = { owner: "ml", "cost-center": "42", environment: "prod", "data-classification": "internal" };
  const BUCKET = "aws:s3/bucket:Bucket";
  const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
  const bucket = (name: string, extra: Record<string, string> = {}, props: Record<string, unknown> = {}) => ({
    type: BUCKET,
    name,
    props: { tags: { ...tags, ...extra }, ...props },
  });
  const sseOn = (owner: string, sseAlgorithm: string) => ({
    type: SSE,
    name: `${owner}-encryption`,
    props: { bucket: `${owner}-id`, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm } }] },
    dependsOn: [owner],
  });
  const logs = bucket("logs", { purpose: "logs" });
  const run = (...resources: Parameters<typeof runRule>[1][]) => runRule("aws-s3-sse-kms", resources.flat());

  it("accepts AES256 (SSE-S3) on a bucket tagged purpose=logs, next to an SSE-KMS data bucket", () => {
    expect(run(bucket("data"), sseOn("data", "aws:kms"), logs, sseOn("logs", "AES256"))).toEqual([]);
    // Inline default encryption on a log bucket, too.
    const inline = bucket(
      "inline-logs",
      { purpose: "logs" },
      {
        serverSideEncryptionConfiguration: {
          rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        },
      },
    );
    expect(run(inline)).toEqual([]);
  });

  it("still requires SSE-KMS on every other bucket, even next to a log bucket", () => {
    const violations = run(bucket("data"), sseOn("data", "AES256"), logs, sseOn("logs", "AES256"));
    expect(violations).toHaveLength(1);
    expect(violations[0]?.urn).toContain("data-encryption");
    expect(violations[0]?.message).toContain(
      "Encryption configuration 'data-encryption' does not use SSE-KMS (only buckets tagged purpose=logs may use SSE-S3).",
    );
    // A configuration shared by a data bucket and a log bucket gets no exception.
    const shared = { ...sseOn("logs", "AES256"), name: "shared", dependsOn: ["data", "logs"] };
    expect(run(bucket("data"), logs, shared)).toHaveLength(1);
    // A log bucket without any default encryption is still flagged.
    expect(run(logs)[0]?.message).toContain("Log bucket 'logs' has no SSE-KMS or SSE-S3 default encryption.");
    // Other tags (data-classification=public) do not open the exception.
    expect(run(bucket("site", { "data-classification": "public" }), sseOn("site", "AES256"))).toHaveLength(1);
  });
});

const ALLOW_TYPES = {
  role: "aws:iam/rolePolicy:RolePolicy",
  user: "aws:iam/userPolicy:UserPolicy",
  group: "aws:iam/groupPolicy:GroupPolicy",
} as const;
const policyDoc = (...Statement: Record<string, unknown>[]): string =>
  JSON.stringify({ Version: "2012-10-17", Statement });

describe("aws-iam-no-wildcard-resource: inline policies, checked against the Service Authorization Reference", () => {
  const run = (resources: Parameters<typeof runRule>[1]) =>
    runRule("aws-iam-no-wildcard-resource", resources, { environment: "prod" });
  const onRole = (...statements: Record<string, unknown>[]) => ({
    type: ALLOW_TYPES.role,
    name: "inline",
    props: { role: "r", policy: policyDoc(...statements) },
  });
  const star = (action: string | string[], extra: Record<string, unknown> = {}) => ({
    Effect: "Allow",
    Action: action,
    Resource: "*",
    ...extra,
  });

  it("checks role, user and group policies and a role's inlinePolicies, mandatory in prod", () => {
    for (const [kind, type] of Object.entries(ALLOW_TYPES)) {
      const v = run({ type, name: kind, props: { [kind]: "x", policy: policyDoc(star("s3:GetObject")) } });
      expect(v.map((x) => [x.urn.split("::").pop(), x.enforcementLevel])).toEqual([[kind, "mandatory"]]);
      expect(v[0]?.message).toContain('statement #0 grants s3:GetObject on Resource "*"');
    }
    const role = {
      type: "aws:iam/role:Role",
      name: "role",
      props: {
        assumeRolePolicy: policyDoc({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" } }),
        inlinePolicies: [
          { name: "read", policy: policyDoc({ ...star("s3:GetObject"), Resource: "arn:aws:s3:::data/*" }) },
          { name: "data", policy: policyDoc(star(["sqs:ReceiveMessage", "ec2:DescribeInstances"])) },
        ],
      },
    };
    const v = run(role);
    expect(v).toHaveLength(1);
    expect(v[0]?.message).toContain(
      `Inline policy 'data': statement #0 grants sqs:ReceiveMessage on Resource "*"`,
    );
  });

  it("accepts '*' for actions the reference lists without resource types (case-insensitively)", () => {
    const unscoped = [
      "ec2:DescribeInstances",
      "ec2:DescribeSubnets",
      "EC2:describeinstancetypes",
      "pricing:GetProducts",
      "iam:ListInstanceProfiles",
      "sts:GetCallerIdentity",
      "ecr:GetAuthorizationToken",
      "logs:DescribeLogGroups",
      "elasticloadbalancing:DescribeLoadBalancers",
      "autoscaling:DescribeAutoScalingGroups",
      "kms:CreateKey",
      "s3:ListAllMyBuckets",
    ];
    expect(run(onRole(star(unscoped)))).toEqual([]);
  });

  it("flags '*' for scopable actions, wildcards and actions of services it does not know", () => {
    // Describe/List/Create actions that do support resource-level permissions, a wildcard that
    // also matches such actions (ec2:DescribeFleetHistory), and an unknown service.
    for (const action of [
      "s3:ListBucket",
      "eks:DescribeCluster",
      "kms:DescribeKey",
      "iam:ListRolePolicies",
      "ecr:DescribeImages",
      "logs:CreateLogGroup",
      "ec2:CreateTags",
      "ec2:CreateNetworkInterface",
      "ec2:Describe*",
      "example:ListThings",
    ]) {
      const v = run(onRole(star(action)));
      expect(
        v.map((x) => x.message.split("\n")[1]),
        action,
      ).toEqual([`statement #0 grants ${action} on Resource "*"`]);
    }
  });

  it("accepts a statement scoped by a resource or request tag with a concrete value, nothing weaker", () => {
    const tag = "aws:ResourceTag/elbv2.k8s.aws/cluster";
    const actions = ["elasticloadbalancing:DeleteLoadBalancer", "ec2:DeleteSecurityGroup"];
    const scopedBy = (Condition: Record<string, unknown>) => run(onRole(star(actions, { Condition })));
    expect(scopedBy({ StringEquals: { [tag]: "gpu-cluster" } })).toEqual([]);
    expect(scopedBy({ StringLike: { "ec2:ResourceTag/team": "ml-*" } })).toEqual([]);
    expect(scopedBy({ StringEquals: { "aws:RequestTag/elbv2.k8s.aws/cluster": "gpu-cluster" } })).toEqual([]);
    // Tag present with any value (every cluster's), tag optional, other keys: still "*".
    for (const Condition of [
      { Null: { [tag]: "false" } },
      { StringLike: { [tag]: "*" } },
      { StringEqualsIfExists: { [tag]: "gpu-cluster" } },
      { StringNotEquals: { [tag]: "other" } },
      { StringEquals: { "aws:RequestedRegion": "eu-west-1" } },
    ])
      expect(scopedBy(Condition), JSON.stringify(Condition)).toHaveLength(1);
  });

  it("passes the inline policies the components write", () => {
    const karpenter = karpenterControllerPolicies({
      partition: "aws",
      region: "eu-west-1",
      accountId: "123456789012",
      clusterName: "gpu-cluster",
      nodeRoleArn: "arn:aws:iam::123456789012:role/node",
      queueArn: "arn:aws:sqs:eu-west-1:123456789012:gpu-cluster-karpenter",
    });
    const documents = [
      ...Object.values(karpenter).map((d) => JSON.stringify(d)),
      clusterKmsPolicy("arn:aws:kms:eu-west-1:123456789012:key/k"),
      bucketAccessPolicy([
        {
          bucketArn: "arn:aws:s3:::artifacts",
          keyArn: "arn:aws:kms:eu-west-1:123456789012:key/k",
          access: Access.readWrite,
        },
        {
          bucketArn: "arn:aws:s3:::models",
          keyArn: "arn:aws:kms:eu-west-1:123456789012:key/m",
          access: Access.read,
        },
      ]),
    ];
    // Karpenter's discovery statement does use Resource "*" (Describe*, pricing, ListInstanceProfiles).
    expect(documents.some((d) => d.includes('"Resource":"*"'))).toBe(true);
    const resources = documents.map((policy, i) => ({
      type: ALLOW_TYPES.role,
      name: `p${i}`,
      props: { role: "r", policy },
    }));
    expect(run(resources)).toEqual([]);
    expect(runRule("aws-iam-inline-policy-least-privilege", resources)).toEqual([]);
  });
});

describe("aws-iam-inline-policy-least-privilege: user and group policies and a role's inlinePolicies", () => {
  it("reports admin, wildcard actions and escalation in every inline carrier", () => {
    const admin = policyDoc({ Effect: "Allow", Action: "*", Resource: "*" });
    for (const [kind, type] of Object.entries(ALLOW_TYPES)) {
      const v = runRule("aws-iam-inline-policy-least-privilege", {
        type,
        props: { [kind]: "x", policy: admin },
      });
      expect(
        v.map((x) => x.message.split("\n")[1]),
        kind,
      ).toContain('statement #0 allows "*" on "*"');
    }
    const v = runRule("aws-iam-inline-policy-least-privilege", {
      type: "aws:iam/role:Role",
      props: {
        inlinePolicies: [
          { name: "pass", policy: policyDoc({ Effect: "Allow", Action: "iam:PassRole", Resource: "*" }) },
        ],
      },
    });
    expect(v.map((x) => x.message.split("\n")[1])).toEqual([
      "Inline policy 'pass': statement #0 grants privilege-escalation actions iam:PassRole on all resources",
    ]);
  });
});

describe("aws-s3-tls-only-policy: deny all S3 actions to everyone on the bucket and its objects", () => {
  const arn = "arn:aws:s3:::data";
  const deny = {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [arn, `${arn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
  const run = (statement: Record<string, unknown>, bucketProps: Record<string, unknown> = {}) =>
    runRule("aws-s3-tls-only-policy", [
      { type: "aws:s3/bucket:Bucket", name: "data", props: bucketProps },
      {
        type: "aws:s3/bucketPolicy:BucketPolicy",
        name: "data-policy",
        props: { bucket: "data", policy: policyDoc(statement) },
        dependsOn: ["data"],
      },
    ]);

  it("accepts the components' policy and equivalent forms", () => {
    expect(
      runRule("aws-s3-tls-only-policy", [
        { type: "aws:s3/bucket:Bucket", name: "data", props: {} },
        {
          type: "aws:s3/bucketPolicy:BucketPolicy",
          props: { bucket: "data", policy: tlsOnlyBucketPolicy(arn) },
          dependsOn: ["data"],
        },
      ]),
    ).toEqual([]);
    for (const over of [
      { Action: "*" },
      { Action: ["s3:GetObject", "s3:*"] },
      { Principal: { AWS: "*" } },
      { Resource: "*" },
      { Condition: { Bool: { "aws:SecureTransport": false } } },
    ])
      expect(run({ ...deny, ...over }), JSON.stringify(over)).toEqual([]);
    // With the bucket name known, ARN patterns that cover it count.
    expect(
      run({ ...deny, Resource: ["arn:aws:s3:::dat?", "arn:*:s3:::data/*"] }, { bucket: "data" }),
    ).toEqual([]);
  });

  it("rejects a deny of fewer actions, principals or resources", () => {
    for (const over of [
      { Action: "s3:GetObject" },
      { Action: ["s3:GetObject", "s3:PutObject"] },
      { Action: undefined, NotAction: "s3:GetObject" },
      { Principal: { AWS: "arn:aws:iam::123456789012:root" } },
      { Resource: `${arn}/*` },
      { Resource: arn },
      { Resource: undefined, NotResource: `${arn}/private/*` },
      { Condition: { Bool: { "aws:SecureTransport": "true" } } },
      { Condition: undefined },
      { Effect: "Allow" },
    ]) {
      const v = run({ ...deny, ...over });
      expect(
        v.map((x) => x.urn.split("::").pop()),
        JSON.stringify(over),
      ).toEqual(["data"]);
      expect(v[0]?.message).toContain(
        `Bucket 'data' has no policy denying all S3 actions ("s3:*", principal "*", bucket and object ARNs) without TLS (aws:SecureTransport=false).`,
      );
    }
    // With the bucket name known, another bucket's ARNs do not count.
    expect(
      run({ ...deny, Resource: ["arn:aws:s3:::other", "arn:aws:s3:::other/*"] }, { bucket: "data" }),
    ).toHaveLength(1);
  });
});

describe("aws-karpenter-nodeclass-imdsv2", () => {
  const TYPE = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";
  const run = (spec: Record<string, unknown>) =>
    runRule("aws-karpenter-nodeclass-imdsv2", {
      type: TYPE,
      name: "gpu",
      props: { apiVersion: "karpenter.k8s.aws/v1", kind: "EC2NodeClass", metadata: { name: "gpu" }, spec },
    }).map((v) => v.message.split("\n")[1]);

  it("accepts the component's EC2NodeClass and Karpenter's defaults", () => {
    const manifest = ec2NodeClassManifest({
      clusterName: "gpu-cluster",
      nodeRoleName: "node",
      amiRelease: "v20260714",
      rootVolumeGb: 200,
      tags: {},
    });
    expect(manifest.spec.metadataOptions.httpTokens).toBe("required");
    expect(run(manifest.spec as unknown as Record<string, unknown>)).toEqual([]);
    expect(run({ role: "node" })).toEqual([]);
    expect(run({ metadataOptions: { httpEndpoint: "disabled" } })).toEqual([]);
  });

  it("rejects IMDSv1 and a hop limit above 1", () => {
    expect(run({ metadataOptions: { httpTokens: "optional" } })).toEqual([
      `spec.metadataOptions.httpTokens is 'optional'; IMDSv2 needs "required".`,
    ]);
    expect(run({ metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } })).toEqual([
      "spec.metadataOptions.httpPutResponseHopLimit is 2; use 1 so pods on the pod network cannot reach IMDS.",
    ]);
  });
});

describe("aws-eks-network-policy-enforced", () => {
  const cluster = { type: "aws:eks/cluster:Cluster", name: "eks", props: { name: "gpu-cluster" } };
  const cni = (configurationValues: unknown, clusterName = "gpu-cluster") => ({
    type: "aws:eks/addon:Addon",
    name: "cni",
    props: { clusterName, addonName: "vpc-cni", configurationValues },
  });
  const run = (...resources: Parameters<typeof runRule>[1][]) =>
    runRule("aws-eks-network-policy-enforced", resources.flat(), { environment: "prod" }).map((v) => [
      v.urn.split("::").pop(),
      v.message.split("\n")[1],
      v.enforcementLevel,
    ]);
  const OFF = `VPC CNI add-on 'cni' does not set enableNetworkPolicy "true" in configurationValues: NetworkPolicies are not enforced.`;
  const MISSING = `EKS cluster 'eks' has no vpc-cni add-on (aws.eks.Addon) with enableNetworkPolicy "true": the default VPC CNI does not enforce NetworkPolicies.`;

  it("accepts the network policy agent on, in JSON (as the component writes it) or YAML", () => {
    expect(run(cluster, cni(JSON.stringify({ enableNetworkPolicy: "true" })))).toEqual([]);
    expect(
      run(cluster, cni('env:\n  ENABLE_PREFIX_DELEGATION: "true"\nenableNetworkPolicy: "true"\n')),
    ).toEqual([]);
    expect(run(cluster, cni("[secret]"))).toEqual([]); // unknown values are not reported
  });

  it("rejects a VPC CNI without it and a cluster without a VPC CNI add-on", () => {
    expect(run(cluster, cni(JSON.stringify({ enableNetworkPolicy: "false" })))).toEqual([
      ["cni", OFF, "mandatory"],
    ]);
    expect(run(cluster, cni(undefined))).toEqual([["cni", OFF, "mandatory"]]);
    expect(run(cluster)).toEqual([["eks", MISSING, "mandatory"]]);
    // The add-on of another cluster does not count.
    expect(run(cluster, cni(JSON.stringify({ enableNetworkPolicy: "true" }), "other"))).toEqual([
      ["eks", MISSING, "mandatory"],
    ]);
  });
});

describe("key-value store rules: each requirement on its own", () => {
  const RG = "aws:elasticache/replicationGroup:ReplicationGroup";
  const REDIS = "gcp:redis/instance:Instance";
  const compliant = {
    description: "d",
    transitEncryptionEnabled: true,
    transitEncryptionMode: "required",
    authToken: "[secret]",
    atRestEncryptionEnabled: true,
    kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k",
  };
  const rg = (props: Record<string, unknown>) =>
    runRule("aws-elasticache-auth-tls-required", { type: RG, name: "kv", props }, { environment: "prod" });

  it("aws-elasticache-auth-tls-required: passes with a token or an RBAC user group, fails without either", () => {
    expect(rg(compliant)).toEqual([]);
    expect(rg({ ...compliant, authToken: undefined, userGroupIds: ["kv-users"] })).toEqual([]);
    // An unset mode with transit encryption on is "required" on creation.
    expect(rg({ ...compliant, transitEncryptionMode: undefined })).toEqual([]);
    const noAuth = rg({ ...compliant, authToken: undefined });
    expect(noAuth.map((v) => [v.message, v.enforcementLevel])).toEqual([
      [expect.stringContaining("Neither authToken nor userGroupIds is set"), "mandatory"],
    ]);
    expect(rg({ ...compliant, transitEncryptionMode: "preferred" })[0]?.message).toContain(
      'transitEncryptionMode is "preferred"',
    );
    expect(rg({ ...compliant, kmsKeyId: undefined })[0]?.message).toContain("kmsKeyId is not set");
  });

  it("gcp-memorystore-auth-tls and gcp-memorystore-cmek: each missing setting is reported", () => {
    const good = {
      memorySizeGb: 1,
      authEnabled: true,
      transitEncryptionMode: "SERVER_AUTHENTICATION",
      customerManagedKey: "projects/p/locations/r/keyRings/k/cryptoKeys/c",
    };
    const run = (rule: string, props: Record<string, unknown>) =>
      runRule(rule, { type: REDIS, name: "kv", props }, { environment: "prod" }).map((v) => v.message);
    expect(run("gcp-memorystore-auth-tls", good)).toEqual([]);
    expect(run("gcp-memorystore-cmek", good)).toEqual([]);
    expect(run("gcp-memorystore-auth-tls", { ...good, authEnabled: false })).toEqual([
      expect.stringContaining("authEnabled is not true"),
    ]);
    expect(run("gcp-memorystore-auth-tls", { ...good, transitEncryptionMode: "DISABLED" })).toEqual([
      expect.stringContaining("transitEncryptionMode is DISABLED"),
    ]);
    expect(run("gcp-memorystore-cmek", { ...good, customerManagedKey: undefined })).toEqual([
      expect.stringContaining("customerManagedKey is not set"),
    ]);
  });
});
