import { describe, expect, it } from "vitest";
import { RULES } from "../../policies/catalog";
import { FIXTURES, cacheInSubnets, editedFeatureStore, featureStore, featureStoreSpec } from "./fixtures";
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

describe("feature-store data rules: exact findings, both ways, per environment", () => {
  const RG = "aws:elasticache/replicationGroup:ReplicationGroup";
  const SERVERLESS = "aws:elasticache/serverlessCache:ServerlessCache";
  const TABLE = "aws:dynamodb/table:Table";
  const REDIS = "gcp:redis/instance:Instance";
  const VALKEY = "gcp:memorystore/instance:Instance";
  const BIGTABLE = "gcp:bigtable/instance:Instance";
  const CMK = "arn:aws:kms:eu-west-1:123456789012:key/k";
  /** `[message, enforcementLevel]` of each violation (the message's last line: the finding). */
  const findings = (rule: string, resources: Parameters<typeof runRule>[1], environment = "prod") =>
    runRule(rule, resources, { environment: environment as "dev" | "staging" | "prod" }).map((v) => [
      v.message.split("\n").pop(),
      v.enforcementLevel,
    ]);

  it("aws-elasticache-prod-multi-az: failover, Multi-AZ and a replica in prod only", () => {
    const ha = {
      description: "d",
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
    };
    const rg = (props: Record<string, unknown>) => ({ type: RG, name: "kv", props });
    expect(findings("aws-elasticache-prod-multi-az", rg(ha))).toEqual([]);
    expect(findings("aws-elasticache-prod-multi-az", rg({ description: "d", numCacheClusters: 1 }))).toEqual([
      ["automaticFailoverEnabled is not true in prod.", "mandatory"],
      ["multiAzEnabled is not true in prod.", "mandatory"],
      ["numCacheClusters is 1; prod needs a replica (at least 2 nodes).", "mandatory"],
    ]);
    expect(
      findings(
        "aws-elasticache-prod-multi-az",
        rg({ ...ha, numCacheClusters: undefined, replicasPerNodeGroup: 0 }),
      ),
    ).toEqual([["replicasPerNodeGroup is 0; prod needs at least 1 replica per shard.", "mandatory"]]);
    // A single-node dev or staging cache is not checked.
    expect(findings("aws-elasticache-prod-multi-az", rg({ description: "d" }), "dev")).toEqual([]);
    expect(findings("aws-elasticache-prod-multi-az", rg({ description: "d" }), "staging")).toEqual([]);
  });

  it("aws-elasticache-serverless-auth-kms: a user group and a customer key", () => {
    const cache = (props: Record<string, unknown>) => ({ type: SERVERLESS, name: "kv", props });
    expect(
      findings(
        "aws-elasticache-serverless-auth-kms",
        cache({ engine: "valkey", userGroupId: "u", kmsKeyId: CMK }),
      ),
    ).toEqual([]);
    expect(findings("aws-elasticache-serverless-auth-kms", cache({ engine: "valkey" }), "dev")).toEqual([
      ["userGroupId is not set: clients connect without credentials.", "advisory"],
      ["kmsKeyId is not set (AWS-owned key instead of a customer-managed key).", "advisory"],
    ]);
    expect(
      findings("aws-elasticache-serverless-auth-kms", cache({ engine: "valkey", kmsKeyId: CMK }), "staging"),
    ).toEqual([["userGroupId is not set: clients connect without credentials.", "mandatory"]]);
  });

  it("aws-elasticache-not-in-public-subnet: a route to an internet gateway or public IPs on launch make a subnet public", () => {
    const rule = "aws-elasticache-not-in-public-subnet";
    expect(findings(rule, cacheInSubnets(["private"]), "dev")).toEqual([]);
    expect(findings(rule, cacheInSubnets(["private", "public"]), "dev")).toEqual([
      [
        "Replication group 'kv' uses cache subnet group 'cache-subnets' with public subnets: 'public' (route table 'public-rt' routes to an internet gateway).",
        "mandatory",
      ],
    ]);
    // mapPublicIpOnLaunch alone makes the private subnet public.
    const mapping = cacheInSubnets(["private"]).map((r) =>
      r.name === "private" ? { ...r, props: { ...r.props, mapPublicIpOnLaunch: true } } : r,
    );
    expect(findings(rule, mapping)).toEqual([
      [
        "Replication group 'kv' uses cache subnet group 'cache-subnets' with public subnets: 'private' (mapPublicIpOnLaunch is true).",
        "mandatory",
      ],
    ]);
    // An inline route to a literal igw- id counts too.
    const inline = cacheInSubnets(["private"]).map((r) =>
      r.name === "private-rt"
        ? { ...r, props: { ...r.props, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: "igw-0abc" }] } }
        : r,
    );
    expect(findings(rule, inline)[0]?.[0]).toBe(
      "Replication group 'kv' uses cache subnet group 'cache-subnets' with public subnets: 'private' (route table 'private-rt' routes to an internet gateway).",
    );
    // A serverless cache names its subnets itself.
    const net = cacheInSubnets(["private"]).filter((r) => r.name !== "kv" && r.name !== "cache-subnets");
    const serverless = (subnets: string[]) => [
      ...net,
      {
        type: SERVERLESS,
        name: "sc",
        props: { engine: "valkey", subnetIds: subnets.map((s) => `${s}-id`) },
        dependsOn: subnets,
      },
    ];
    expect(findings(rule, serverless(["private"]))).toEqual([]);
    expect(findings(rule, serverless(["public"]))).toEqual([
      [
        "Serverless cache 'sc' is in public subnets: 'public' (route table 'public-rt' routes to an internet gateway).",
        "mandatory",
      ],
    ]);
  });

  it("aws-dynamodb-cmk: the AWS-owned key, the AWS-managed key and a replica without a key are each reported", () => {
    const table = (props: Record<string, unknown>) => ({
      type: TABLE,
      name: "t",
      props: { hashKey: "id", ...props },
    });
    const rule = "aws-dynamodb-cmk";
    expect(findings(rule, table({ serverSideEncryption: { enabled: true, kmsKeyArn: CMK } }))).toEqual([]);
    expect(findings(rule, table({}), "dev")).toEqual([
      ["serverSideEncryption.enabled is not true (AWS-owned key).", "advisory"],
    ]);
    expect(findings(rule, table({ serverSideEncryption: { enabled: true } }), "staging")).toEqual([
      ["serverSideEncryption.kmsKeyArn is not set (AWS-managed key alias/aws/dynamodb).", "mandatory"],
    ]);
    expect(
      findings(
        rule,
        table({
          serverSideEncryption: { enabled: true, kmsKeyArn: CMK },
          replicas: [{ regionName: "eu-central-1", kmsKeyArn: CMK }, { regionName: "us-east-1" }],
        }),
      ),
    ).toEqual([["Replica in us-east-1 has no kmsKeyArn.", "mandatory"]]);
  });

  it("aws-dynamodb-prod-protection: point-in-time recovery and deletion protection in prod only", () => {
    const table = (props: Record<string, unknown>) => ({
      type: TABLE,
      name: "t",
      props: { hashKey: "id", ...props },
    });
    const rule = "aws-dynamodb-prod-protection";
    expect(
      findings(rule, table({ pointInTimeRecovery: { enabled: true }, deletionProtectionEnabled: true })),
    ).toEqual([]);
    expect(findings(rule, table({ pointInTimeRecovery: { enabled: false } }))).toEqual([
      ["pointInTimeRecovery.enabled is not true in prod.", "mandatory"],
      ["deletionProtectionEnabled is not true in prod.", "mandatory"],
    ]);
    expect(findings(rule, table({}), "staging")).toEqual([]);
  });

  it("gcp-memorystore-private-service-access: DIRECT_PEERING (the default) is reported", () => {
    const redis = (props: Record<string, unknown>) => ({
      type: REDIS,
      name: "kv",
      props: { memorySizeGb: 1, ...props },
    });
    const rule = "gcp-memorystore-private-service-access";
    expect(findings(rule, redis({ connectMode: "PRIVATE_SERVICE_ACCESS" }))).toEqual([]);
    expect(findings(rule, redis({}))).toEqual([
      ["connectMode is not set (DIRECT_PEERING); use PRIVATE_SERVICE_ACCESS.", "mandatory"],
    ]);
    expect(findings(rule, redis({ connectMode: "DIRECT_PEERING" }), "dev")).toEqual([
      ["connectMode is DIRECT_PEERING; use PRIVATE_SERVICE_ACCESS.", "advisory"],
    ]);
  });

  it("gcp-memorystore-valkey-auth-tls and gcp-memorystore-cmek on Memorystore for Valkey", () => {
    const valkey = (props: Record<string, unknown>) => ({
      type: VALKEY,
      name: "kv",
      props: { instanceId: "kv", location: "europe-west4", shardCount: 1, ...props },
    });
    const secure = {
      authorizationMode: "IAM_AUTH",
      transitEncryptionMode: "SERVER_AUTHENTICATION",
      kmsKey: "k",
    };
    expect(findings("gcp-memorystore-valkey-auth-tls", valkey(secure))).toEqual([]);
    expect(findings("gcp-memorystore-cmek", valkey(secure))).toEqual([]);
    expect(findings("gcp-memorystore-valkey-auth-tls", valkey({}))).toEqual([
      ["authorizationMode is not set (AUTH_DISABLED): clients need no credentials.", "mandatory"],
      ["transitEncryptionMode is not set (TRANSIT_ENCRYPTION_DISABLED).", "mandatory"],
    ]);
    expect(
      findings(
        "gcp-memorystore-valkey-auth-tls",
        valkey({ ...secure, transitEncryptionMode: "TRANSIT_ENCRYPTION_DISABLED" }),
        "dev",
      ),
    ).toEqual([["transitEncryptionMode is TRANSIT_ENCRYPTION_DISABLED.", "advisory"]]);
    expect(findings("gcp-memorystore-cmek", valkey({ ...secure, kmsKey: undefined }))).toEqual([
      ["kmsKey is not set.", "mandatory"],
    ]);
  });

  it("gcp-memorystore-prod-ha: STANDARD_HA for Redis, replicas across zones for Valkey, in prod only", () => {
    const rule = "gcp-memorystore-prod-ha";
    const redis = (props: Record<string, unknown>) => ({
      type: REDIS,
      name: "redis",
      props: { memorySizeGb: 1, ...props },
    });
    const valkey = (props: Record<string, unknown>) => ({
      type: VALKEY,
      name: "valkey",
      props: { instanceId: "kv", location: "europe-west4", shardCount: 1, ...props },
    });
    expect(findings(rule, [redis({ tier: "STANDARD_HA" }), valkey({ replicaCount: 1 })])).toEqual([]);
    expect(findings(rule, [redis({}), valkey({ zoneDistributionConfig: { mode: "SINGLE_ZONE" } })])).toEqual([
      ["tier is not set (BASIC); prod needs STANDARD_HA.", "mandatory"],
      ["replicaCount is 0; prod needs at least 1 replica per shard.", "mandatory"],
      ["zoneDistributionConfig.mode is SINGLE_ZONE; prod needs MULTI_ZONE.", "mandatory"],
    ]);
    expect(findings(rule, [redis({ tier: "BASIC" }), valkey({})], "staging")).toEqual([]);
  });

  it("gcp-bigtable-prod-deletion-protection and gcp-bigtable-cmek (advisory everywhere)", () => {
    const bt = (props: Record<string, unknown>) => ({ type: BIGTABLE, name: "bt", props });
    const cluster = (id: string, key?: string) => ({
      clusterId: id,
      zone: "europe-west4-a",
      ...(key ? { kmsKeyName: key } : {}),
    });
    // Unset is the provider default (true).
    expect(findings("gcp-bigtable-prod-deletion-protection", bt({ clusters: [cluster("a")] }))).toEqual([]);
    expect(findings("gcp-bigtable-prod-deletion-protection", bt({ deletionProtection: false }))).toEqual([
      ["deletionProtection is false in prod.", "mandatory"],
    ]);
    expect(
      findings("gcp-bigtable-prod-deletion-protection", bt({ deletionProtection: false }), "dev"),
    ).toEqual([]);
    expect(findings("gcp-bigtable-cmek", bt({ clusters: [cluster("a", "k"), cluster("b", "k")] }))).toEqual(
      [],
    );
    expect(findings("gcp-bigtable-cmek", bt({ clusters: [cluster("a", "k"), cluster("b")] }))).toEqual([
      ["Cluster 'b' has no kmsKeyName.", "advisory"],
    ]);
  });
});

describe("Feast FeatureStore rules: exact findings, both ways", () => {
  const findings = (
    rule: string,
    resource: Parameters<typeof runRule>[1],
    environment: "dev" | "prod" = "prod",
  ) => runRule(rule, resource, { environment }).map((v) => [v.message.split("\n").pop(), v.enforcementLevel]);
  type Spec = Record<string, unknown> & { services: Record<string, Record<string, unknown>> };
  const edited = (edit: (spec: Spec) => void) => editedFeatureStore((s) => edit(s as Spec));

  it("k8s-feast-featurestore-v1: v1 passes, v1alpha1 is reported in every environment", () => {
    expect(findings("k8s-feast-featurestore-v1", featureStore())).toEqual([]);
    expect(
      findings("k8s-feast-featurestore-v1", featureStore(featureStoreSpec(), "v1alpha1"), "dev"),
    ).toEqual([["FeatureStore is written as feast.dev/v1alpha1; emit feast.dev/v1.", "mandatory"]]);
  });

  it("k8s-feast-authz: kubernetes or oidc; noAuth or no authz is reported", () => {
    expect(findings("k8s-feast-authz", featureStore())).toEqual([]);
    expect(
      findings(
        "k8s-feast-authz",
        edited((s) => (s.authz = { oidc: { secretRef: { name: "oidc" } } })),
      ),
    ).toEqual([]);
    expect(
      findings(
        "k8s-feast-authz",
        edited((s) => (s.authz = { noAuth: {} })),
      ),
    ).toEqual([
      [
        "spec.authz has neither kubernetes nor oidc (noAuth): the Feast servers authorize every request.",
        "mandatory",
      ],
    ]);
    expect(
      findings(
        "k8s-feast-authz",
        edited((s) => delete s.authz),
        "dev",
      ),
    ).toEqual([["spec.authz is not set: the Feast servers authorize every request.", "advisory"]]);
    // v1alpha1 is checked the same way (and reported by k8s-feast-featurestore-v1).
    const alpha = featureStore({ ...featureStoreSpec(), authz: undefined }, "v1alpha1");
    expect(findings("k8s-feast-authz", alpha)).toHaveLength(1);
  });

  it("k8s-feast-tls: every server that runs has a certificate Secret and none disables TLS", () => {
    expect(findings("k8s-feast-tls", featureStore())).toEqual([]);
    expect(
      findings(
        "k8s-feast-tls",
        edited((s) => {
          s.services.offlineStore = { server: { tls: { disable: true } } };
          s.services.ui = { tls: {} };
        }),
      ),
    ).toEqual([
      [
        "spec.services.offlineStore.server.tls.disable is true: the server serves plain HTTP/gRPC.",
        "mandatory",
      ],
      ["spec.services.ui.tls.secretRef is not set: the server serves plain HTTP/gRPC.", "mandatory"],
    ]);
    // The online feature server runs by default: without a tls block it serves plain text.
    expect(findings("k8s-feast-tls", featureStore({ feastProject: "features" }))).toEqual([
      [
        "spec.services.onlineStore.server.tls.secretRef is not set: the server serves plain HTTP/gRPC.",
        "mandatory",
      ],
    ]);
    // The registry server runs only when configured; then it needs its own certificate.
    expect(
      findings(
        "k8s-feast-tls",
        edited((s) => {
          s.services.registry = {
            local: { server: {}, persistence: { store: { type: "sql", secretRef: { name: "db" } } } },
          };
        }),
      ),
    ).toEqual([
      [
        "spec.services.registry.local.server.tls.secretRef is not set: the server serves plain HTTP/gRPC.",
        "mandatory",
      ],
    ]);
    // No offline server or UI, a remote registry and a disabled online store: nothing runs here.
    expect(
      findings(
        "k8s-feast-tls",
        featureStore({
          feastProject: "features",
          services: {
            onlineStore: { disabled: true },
            registry: { remote: { feastRef: { name: "central" } } },
          },
        }),
      ),
    ).toEqual([]);
  });

  it("k8s-feast-registry-persistent: a store, a PVC or an object store; a plain file path or the default is reported", () => {
    const persistence = (p: unknown) =>
      edited((s) => {
        s.services.registry = { local: { persistence: p } };
      });
    const rule = "k8s-feast-registry-persistent";
    expect(findings(rule, featureStore())).toEqual([]);
    expect(
      findings(
        rule,
        persistence({ file: { path: "registry.db", pvc: { ref: { name: "reg" }, mountPath: "/data" } } }),
      ),
    ).toEqual([]);
    expect(findings(rule, persistence({ file: { path: "s3://bucket/registry.db" } }))).toEqual([]);
    expect(findings(rule, persistence({ file: { path: "gs://bucket/registry.db" } }))).toEqual([]);
    expect(findings(rule, persistence({ file: { path: "/data/registry.db" } }))).toEqual([
      [
        "spec.services.registry.local.persistence.file has neither pvc nor an s3:// or gs:// path: the registry is a file on the pod's ephemeral storage.",
        "mandatory",
      ],
    ]);
    expect(findings(rule, featureStore({ feastProject: "features" }), "dev")).toEqual([
      [
        "spec.services.registry.local.persistence is not set: the registry is a file on the pod's ephemeral storage.",
        "advisory",
      ],
    ]);
    // A remote registry is another FeatureStore's: checked there.
    expect(
      findings(
        rule,
        featureStore({
          feastProject: "f",
          services: { registry: { remote: { feastRef: { name: "central" } } } },
        }),
      ),
    ).toEqual([]);
  });
});

describe("warehouse rules: exact findings, both ways", () => {
  const cmk = "arn:aws:kms:eu-west-1:123456789012:key/k";
  const NS = "aws:redshiftserverless/namespace:Namespace";
  const WG = "aws:redshiftserverless/workgroup:Workgroup";
  const messages = (rule: string, type: string, props: Record<string, unknown>) =>
    runRule(rule, { type, name: "wh", props }, { environment: "prod" }).map((v) => v.message);

  it("aws-redshift-serverless-cmk: the AWS-owned key and a plain admin password are reported", () => {
    const good = { namespaceName: "n", kmsKeyId: cmk, manageAdminPassword: true };
    expect(messages("aws-redshift-serverless-cmk", NS, good)).toEqual([]);
    expect(messages("aws-redshift-serverless-cmk", NS, { ...good, kmsKeyId: "AWS_OWNED_KMS_KEY" })).toEqual([
      expect.stringContaining("kmsKeyId is AWS_OWNED_KMS_KEY: data is encrypted with the AWS-owned key."),
    ]);
    expect(
      messages("aws-redshift-serverless-cmk", NS, {
        namespaceName: "n",
        adminUsername: "a",
        adminUserPassword: "p",
      }),
    ).toEqual([
      expect.stringContaining("kmsKeyId is not set"),
      expect.stringContaining("adminUserPassword is set"),
    ]);
  });

  it("aws-redshift-serverless-not-public: only publiclyAccessible true is reported", () => {
    expect(
      messages("aws-redshift-serverless-not-public", WG, { workgroupName: "w", namespaceName: "n" }),
    ).toEqual([]);
    expect(
      messages("aws-redshift-serverless-not-public", WG, {
        workgroupName: "w",
        namespaceName: "n",
        publiclyAccessible: true,
      }),
    ).toEqual([expect.stringContaining("publiclyAccessible is true.")]);
  });

  it("gcp-bigquery-dataset-not-public: allUsers / allAuthenticatedUsers on every way of granting a dataset", () => {
    const rule = "gcp-bigquery-dataset-not-public";
    const sa = "serviceAccount:a@p.iam.gserviceaccount.com";
    expect(
      messages(rule, "gcp:bigquery/dataset:Dataset", {
        datasetId: "d",
        accesses: [{ role: "READER", userByEmail: "a@p.com" }],
      }),
    ).toEqual([]);
    expect(
      messages(rule, "gcp:bigquery/dataset:Dataset", {
        datasetId: "d",
        accesses: [
          { role: "READER", specialGroup: "allAuthenticatedUsers" },
          { role: "READER", iamMember: "allUsers" },
        ],
      }),
    ).toEqual([
      expect.stringContaining("Grants dataset access to allAuthenticatedUsers."),
      expect.stringContaining("Grants dataset access to allUsers."),
    ]);
    expect(
      messages(rule, "gcp:bigquery/datasetAccess:DatasetAccess", { datasetId: "d", iamMember: sa }),
    ).toEqual([]);
    expect(
      messages(rule, "gcp:bigquery/datasetAccess:DatasetAccess", {
        datasetId: "d",
        specialGroup: "allAuthenticatedUsers",
      }),
    ).toEqual([expect.stringContaining("allAuthenticatedUsers")]);
    expect(
      messages(rule, "gcp:bigquery/datasetIamMember:DatasetIamMember", {
        datasetId: "d",
        role: "r",
        member: sa,
      }),
    ).toEqual([]);
    expect(
      messages(rule, "gcp:bigquery/datasetIamMember:DatasetIamMember", {
        datasetId: "d",
        role: "r",
        member: "allUsers",
      }),
    ).toEqual([expect.stringContaining("allUsers")]);
    expect(
      messages(rule, "gcp:bigquery/datasetIamBinding:DatasetIamBinding", {
        datasetId: "d",
        role: "r",
        members: [sa],
      }),
    ).toEqual([]);
    expect(
      messages(rule, "gcp:bigquery/datasetIamBinding:DatasetIamBinding", {
        datasetId: "d",
        role: "r",
        members: [sa, "allUsers"],
      }),
    ).toEqual([expect.stringContaining("allUsers")]);
  });

  it("gcp-bigquery-dataset-cmek: a dataset without a default key is reported", () => {
    const key = { kmsKeyName: "projects/p/locations/r/keyRings/k/cryptoKeys/c" };
    expect(
      messages("gcp-bigquery-dataset-cmek", "gcp:bigquery/dataset:Dataset", {
        datasetId: "d",
        defaultEncryptionConfiguration: key,
      }),
    ).toEqual([]);
    expect(messages("gcp-bigquery-dataset-cmek", "gcp:bigquery/dataset:Dataset", { datasetId: "d" })).toEqual(
      [expect.stringContaining("defaultEncryptionConfiguration.kmsKeyName is not set.")],
    );
  });
});
