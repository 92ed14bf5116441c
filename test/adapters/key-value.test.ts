/**
 * The key-value store capability on every target: exact children and inputs for dev and prod
 * presets, the Feast-safe AUTH token, the typed result, and a prod-level policy run with zero
 * mandatory violations.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { createAwsAdapter } from "../../components/adapters/aws";
import { createGcpAdapter } from "../../components/adapters/gcp";
import {
  isFeastSafeToken,
  KEY_VALUE_PASSWORD_INPUTS,
  KEY_VALUE_PASSWORD_LENGTH,
} from "../../components/adapters/key-value";
import { createLocalAdapter, VALKEY_IMAGE } from "../../components/adapters/local";
import type {
  AdapterContext,
  CloudAdapter,
  KeyValueStoreArgs,
  Target,
  TargetSettings,
} from "../../components/adapters/types";
import { PRESETS, type Environment } from "../../components/shared/presets";
import { runPoliciesDetailed } from "../../policies/offline";
import { childrenOf, findResource, inputAt, planOf, type Plan } from "../helpers";
import { Host } from "./fixtures";

const T = {
  password: "random:index/randomPassword:RandomPassword",
  rg: "aws:elasticache/replicationGroup:ReplicationGroup",
  cacheSubnets: "aws:elasticache/subnetGroup:SubnetGroup",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  kmsKey: "aws:kms/key:Key",
  kmsAlias: "aws:kms/alias:Alias",
  redis: "gcp:redis/instance:Instance",
  keyRing: "gcp:kms/keyRing:KeyRing",
  cryptoKey: "gcp:kms/cryptoKey:CryptoKey",
  keyMember: "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
  serviceIdentity: "gcp:projects/serviceIdentity:ServiceIdentity",
  psaRange: "gcp:compute/globalAddress:GlobalAddress",
  psaConnection: "gcp:servicenetworking/connection:Connection",
  secret: "kubernetes:core/v1:Secret",
  sa: "kubernetes:core/v1:ServiceAccount",
  netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  service: "kubernetes:core/v1:Service",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
} as const;

/** Governance tags the pack requires. */
const TAGS = {
  owner: "ml-platform",
  "cost-center": "ml-42",
  environment: "prod",
  "data-classification": "internal",
};
const NETWORK = {
  vpcId: "vpc-0abc",
  vpcCidrBlock: "10.0.0.0/16",
  privateSubnetIds: ["subnet-a", "subnet-b"],
  nodeSecurityGroupId: "sg-nodes",
};
const SETTINGS: Record<Target, TargetSettings> = {
  aws: { aws: { ...NETWORK, identityMode: "podIdentity", clusterName: "ml" } },
  gcp: {
    gcp: { project: "acme-ml", region: "europe-west4", network: "projects/acme-ml/global/networks/gke" },
  },
  local: { local: { storageClassName: "fast" } },
};
const FACTORY = { aws: createAwsAdapter, gcp: createGcpAdapter, local: createLocalAdapter };
const CLIENTS = { "mlops.pulumi.com/online-store-client": "true" };

/** The capability's args from an environment preset, as a component would resolve them. */
function argsFor(env: Environment): Omit<KeyValueStoreArgs, "key"> {
  const p = PRESETS[env];
  return {
    size: p.databaseSize,
    highAvailability: p.highAvailability,
    backupRetentionDays: p.backupRetentionDays,
    deletionProtection: p.deletionProtection,
    clientPodLabels: CLIENTS,
  };
}

/** An unprotected adapter context for a Host "fs" (namespace "features"). */
function context(): AdapterContext {
  return {
    parent: new Host("fs"),
    name: "fs",
    k8sProvider: new k8s.Provider("k8s", { kubeconfig: "{}" }),
    namespace: "features",
    tags: TAGS,
    protect: false,
    dependsOn: [],
  };
}

/** Plans a Host whose adapter builds one key-value store (with the adapter's key) for `env`. */
function plan(target: Target, env: Environment): Promise<Plan> {
  return planOf(
    () => {
      const parent = new Host("fs");
      const ctx: AdapterContext = {
        parent,
        name: "fs",
        k8sProvider: new k8s.Provider("k8s", { kubeconfig: "{}" }),
        namespace: "features",
        tags: { ...TAGS, environment: env },
        protect: PRESETS[env].protectStatefulResources,
        dependsOn: [],
      };
      const adapter: CloudAdapter = FACTORY[target](ctx, SETTINGS[target]);
      const key = adapter.encryptionKey("online");
      const kv = adapter.keyValueStore("online", { ...argsFor(env), key });
      return {
        host: kv.host,
        port: kv.port,
        tls: kv.tls,
        password: kv.password,
        passwordSecret: kv.passwordSecret,
        caCertificates: kv.caCertificates,
        egress: kv.egress,
      };
    },
    { config: { "aws:region": "eu-west-1", "gcp:project": "acme-ml", "gcp:region": "europe-west4" } },
  );
}

function names(p: Plan): string[] {
  return childrenOf(p, findResource(p, "test:index:Host").urn)
    .map((r) => `${r.type} ${r.name}`)
    .sort();
}

/** Mandatory violations of the whole pack at prod level, as `rule resource: reason` (the message's last line). */
function mandatoryViolations(p: Plan): string[] {
  const result = runPoliciesDetailed(
    { stack: p.stack, project: p.project, resources: p.resources },
    { environment: "prod" },
  );
  return result.violations
    .filter((v) => v.enforcementLevel === "mandatory")
    .map((v) => `${v.policyName} ${v.urn.split("::").pop() ?? ""}: ${v.message.split("\n").pop() ?? ""}`);
}

/** `p` with the inputs of the one resource of `type` changed by `edit` (what a weakened default would plan). */
function weakened(p: Plan, type: string, edit: (inputs: Record<string, unknown>) => void): Plan {
  return {
    ...p,
    resources: p.resources.map((r) => {
      if (r.type !== type) return r;
      const inputs = structuredClone(r.inputs);
      edit(inputs);
      return { ...r, inputs };
    }),
  };
}

describe("the generated AUTH token / password", () => {
  it("is 64 letters and digits with guaranteed letters: never a ',' and never all digits", () => {
    expect(KEY_VALUE_PASSWORD_INPUTS).toEqual({
      length: KEY_VALUE_PASSWORD_LENGTH,
      special: false,
      upper: true,
      lower: true,
      numeric: true,
      minUpper: 4,
      minLower: 4,
    });
    expect(KEY_VALUE_PASSWORD_LENGTH).toBe(64);
  });

  it("isFeastSafeToken rejects what Feast's connection-string parser would break on", () => {
    expect(isFeastSafeToken("abcDEF123")).toBe(true);
    expect(isFeastSafeToken("0b6f6c1e-8a55-4c1e-9d3a-4a7cbe1d2f00")).toBe(true); // Memorystore's UUID form
    expect(isFeastSafeToken("123456")).toBe(false);
    expect(isFeastSafeToken("abc,def")).toBe(false);
    expect(isFeastSafeToken("")).toBe(false);
  });

  it.each(["aws", "local"] as const)(
    "%s: the planned RandomPassword has exactly those inputs",
    async (target) => {
      const p = await plan(target, "dev");
      const [password] = p.resources.filter((r) => r.type === T.password);
      expect(password?.inputs).toEqual(KEY_VALUE_PASSWORD_INPUTS);
    },
  );
});

describe("aws: ElastiCache for Valkey", () => {
  let dev: Plan;
  let prod: Plan;
  beforeAll(async () => {
    [dev, prod] = await Promise.all([plan("aws", "dev"), plan("aws", "prod")]);
  }, 120_000);

  it("creates exactly the token, subnet group, node-only security group and replication group (plus the key)", () => {
    const expected = [
      `${T.cacheSubnets} fs-online-valkey-subnets`,
      `${T.ingress} fs-online-valkey-ingress`,
      `${T.kmsAlias} fs-online-key-alias`,
      `${T.kmsKey} fs-online-key`,
      `${T.password} fs-online-valkey-auth`,
      `${T.rg} fs-online-valkey`,
      `${T.sg} fs-online-valkey-sg`,
    ].sort();
    expect(names(dev)).toEqual(expected);
    expect(names(prod)).toEqual(expected);
  });

  it("subnet group on the private subnets; 6379 only from the node security group", () => {
    expect(findResource(prod, T.cacheSubnets).inputs).toEqual({
      description: "pulumi-mlops fs-online Valkey subnets",
      subnetIds: NETWORK.privateSubnetIds,
      tags: TAGS,
    });
    expect(findResource(prod, T.sg).inputs).toMatchObject({
      description: "pulumi-mlops fs-online Valkey: ingress 6379 from cluster nodes only",
      vpcId: NETWORK.vpcId,
    });
    expect(findResource(prod, T.sg).inputs["ingress"] ?? []).toEqual([]);
    expect(findResource(prod, T.ingress).inputs).toMatchObject({
      securityGroupId: findResource(prod, T.sg).id,
      description: "Valkey from the cluster node security group",
      ipProtocol: "tcp",
      fromPort: 6379,
      toPort: 6379,
      referencedSecurityGroupId: NETWORK.nodeSecurityGroupId,
    });
  });

  const common = (p: Plan) => ({
    description: "pulumi-mlops fs-online Valkey",
    engine: "valkey",
    engineVersion: "9.0",
    autoMinorVersionUpgrade: true,
    clusterMode: "disabled",
    port: 6379,
    subnetGroupName: "fs-online-valkey-subnets",
    securityGroupIds: [findResource(p, T.sg).id],
    transitEncryptionEnabled: true,
    transitEncryptionMode: "required",
    authToken: "[secret]",
    atRestEncryptionEnabled: true,
    kmsKeyId: findResource(p, T.kmsKey).outputs?.["arn"],
  });

  it("prod: two nodes, Multi-AZ automatic failover, 14 days of snapshots, a final snapshot, protected", () => {
    const rg = findResource(prod, T.rg);
    expect(rg.inputs).toEqual({
      ...common(prod),
      nodeType: "cache.m7g.large",
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      snapshotRetentionLimit: 14,
      finalSnapshotIdentifier: "fs-test-online-valkey-final",
      tags: TAGS,
    });
    expect(rg.secretInputs).toEqual(["authToken"]);
    expect([rg.protect, rg.retainOnDelete]).toEqual([true, true]);
  });

  it("dev: one burstable node, no failover, a day of snapshots, no final snapshot, unprotected", () => {
    const rg = findResource(dev, T.rg);
    expect(rg.inputs).toEqual({
      ...common(dev),
      nodeType: "cache.t4g.micro",
      numCacheClusters: 1,
      automaticFailoverEnabled: false,
      multiAzEnabled: false,
      snapshotRetentionLimit: 1,
      tags: { ...TAGS, environment: "dev" },
    });
    expect([rg.protect, rg.retainOnDelete]).toEqual([false, false]);
  });

  it("returns the primary endpoint, TLS on, the token as a secret, no CA to mount and VPC egress on 6379", () => {
    expect(prod.outputs).toEqual({
      host: expect.stringMatching(/^master\.fs-online-valkey.*\.eu-west-1\.cache\.amazonaws\.com$/),
      port: 6379,
      tls: true,
      password: "[secret]",
      egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/16" } }], ports: [{ protocol: "TCP", port: 6379 }] }],
    });
  });

  it("rejects snapshot retention ElastiCache does not accept", async () => {
    await expect(
      planOf(() => {
        const ctx = context();
        createAwsAdapter(ctx, SETTINGS.aws).keyValueStore("online", {
          ...argsFor("prod"),
          backupRetentionDays: 36,
        });
      }),
    ).rejects.toThrow(
      "ElastiCache backupRetentionDays: 36 is not allowed; give a whole number of days from 0 to 35",
    );
  });

  it("prod passes the policy pack with zero mandatory violations; without AUTH or strict TLS it does not", () => {
    expect(mandatoryViolations(prod)).toEqual([]);
    const weak = weakened(prod, T.rg, (i) => {
      delete i["authToken"];
      i["transitEncryptionMode"] = "preferred";
    });
    expect(mandatoryViolations(weak)).toEqual([
      expect.stringContaining(
        'aws-elasticache-auth-tls-required fs-online-valkey: transitEncryptionMode is "preferred"',
      ),
      expect.stringContaining(
        "aws-elasticache-auth-tls-required fs-online-valkey: Neither authToken nor userGroupIds",
      ),
    ]);
    const single = weakened(prod, T.rg, (i) => {
      i["numCacheClusters"] = 1;
      i["automaticFailoverEnabled"] = false;
      i["multiAzEnabled"] = false;
    });
    expect(mandatoryViolations(single)).toEqual([
      "aws-elasticache-prod-multi-az fs-online-valkey: automaticFailoverEnabled is not true in prod.",
      "aws-elasticache-prod-multi-az fs-online-valkey: multiAzEnabled is not true in prod.",
      "aws-elasticache-prod-multi-az fs-online-valkey: numCacheClusters is 1; prod needs a replica (at least 2 nodes).",
    ]);
  });
});

describe("gcp: Memorystore for Redis", () => {
  let dev: Plan;
  let prod: Plan;
  beforeAll(async () => {
    [dev, prod] = await Promise.all([plan("gcp", "dev"), plan("gcp", "prod")]);
  }, 120_000);

  it("creates the key (with its agents' grants), the private services access, the Memorystore agent's grant and the instance", () => {
    const expected = [
      `${T.keyMember} fs-online-gcs-agent-member`,
      `${T.keyMember} fs-online-redis-agent-member`,
      `${T.keyMember} fs-online-sql-agent-member`,
      `${T.cryptoKey} fs-online-key`,
      `${T.keyRing} fs-online-keyring`,
      `${T.psaConnection} fs-online-psa-connection`,
      `${T.psaRange} fs-online-psa-range`,
      `${T.serviceIdentity} fs-online-redis-agent`,
      `${T.serviceIdentity} fs-online-sql-agent`,
      `${T.redis} fs-online-redis`,
    ].sort();
    expect(names(dev)).toEqual(expected);
    expect(names(prod)).toEqual(expected);
  });

  it("grants the cloud-redis service agent use of the key before the instance exists", () => {
    expect(findResource(prod, T.serviceIdentity, "fs-online-redis-agent").inputs).toEqual({
      project: "acme-ml",
      service: "redis.googleapis.com",
    });
    const member = findResource(prod, T.keyMember, "fs-online-redis-agent-member");
    expect(member.inputs).toEqual({
      cryptoKeyId: findResource(prod, T.cryptoKey).id,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: "serviceAccount:service-123456789012@cloud-redis.iam.gserviceaccount.com",
    });
    expect(findResource(prod, T.redis).dependencies).toEqual(
      expect.arrayContaining([member.urn, findResource(prod, T.psaConnection).urn]),
    );
  });

  const common = (p: Plan) => ({
    project: "acme-ml",
    region: "europe-west4",
    displayName: "pulumi-mlops fs-online",
    redisVersion: "REDIS_7_2",
    readReplicasMode: "READ_REPLICAS_DISABLED",
    connectMode: "PRIVATE_SERVICE_ACCESS",
    authorizedNetwork: "projects/acme-ml/global/networks/gke",
    reservedIpRange: findResource(p, T.psaRange).outputs?.["name"],
    authEnabled: true,
    transitEncryptionMode: "SERVER_AUTHENTICATION",
    customerManagedKey: findResource(p, T.cryptoKey).id,
    persistenceConfig: { persistenceMode: "RDB", rdbSnapshotPeriod: "TWENTY_FOUR_HOURS" },
  });

  it("prod: STANDARD_HA, 5 GiB, deletion protection, protected", () => {
    const redis = findResource(prod, T.redis);
    expect(redis.inputs).toEqual({
      ...common(prod),
      tier: "STANDARD_HA",
      memorySizeGb: 5,
      deletionProtection: true,
      labels: TAGS,
    });
    expect([redis.protect, redis.retainOnDelete]).toEqual([true, true]);
  });

  it("dev: BASIC, 1 GiB, no deletion protection, unprotected", () => {
    const redis = findResource(dev, T.redis);
    expect(redis.inputs).toEqual({
      ...common(dev),
      tier: "BASIC",
      memorySizeGb: 1,
      deletionProtection: false,
      labels: { ...TAGS, environment: "dev" },
    });
    expect([redis.protect, redis.retainOnDelete]).toEqual([false, false]);
  });

  it("returns the private IP, the TLS port 6378, the AUTH string as a secret and the server CA for clients", () => {
    expect(prod.outputs).toEqual({
      host: "10.100.0.4",
      port: 6378,
      tls: true,
      password: "[secret]",
      caCertificates: expect.stringMatching(
        /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/,
      ),
      egress: [{ to: [{ ipBlock: { cidr: "10.100.0.4/32" } }], ports: [{ protocol: "TCP", port: 6378 }] }],
    });
  });

  it("shares one private services access with Cloud SQL, and creates none when it exists", async () => {
    const both = await planOf(() => {
      const ctx = context();
      const adapter = createGcpAdapter(ctx, SETTINGS.gcp);
      adapter.postgres("registry", {
        databaseName: "feast",
        username: "feast",
        password: pulumi.secret("not-a-real-password"),
        size: "small",
        storageGb: 20,
        highAvailability: false,
        deletionProtection: false,
        backupRetentionDays: 1,
        pointInTimeRecovery: false,
      });
      adapter.keyValueStore("online", argsFor("dev"));
      const existing = createGcpAdapter(
        { ...ctx, name: "other" },
        { gcp: { ...SETTINGS.gcp.gcp!, privateServiceAccess: "existing" } },
      );
      existing.keyValueStore("online", argsFor("dev"));
    });
    expect(both.resources.filter((r) => r.type === T.psaConnection).map((r) => r.name)).toEqual([
      "fs-registry-psa-connection",
    ]);
    const range = findResource(both, T.psaRange).outputs?.["name"];
    expect(inputAt(findResource(both, T.redis, "fs-online-redis"), "reservedIpRange")).toBe(range);
    expect(inputAt(findResource(both, T.redis, "other-online-redis"), "reservedIpRange")).toBeUndefined();
  });

  it("prod passes the policy pack with zero mandatory violations; without AUTH, TLS or CMEK it does not", () => {
    expect(mandatoryViolations(prod)).toEqual([]);
    const weak = weakened(prod, T.redis, (i) => {
      i["authEnabled"] = false;
      delete i["transitEncryptionMode"];
      delete i["customerManagedKey"];
    });
    expect(mandatoryViolations(weak)).toEqual([
      expect.stringContaining("gcp-memorystore-auth-tls fs-online-redis: authEnabled is not true"),
      expect.stringContaining("gcp-memorystore-auth-tls fs-online-redis: transitEncryptionMode is not set"),
      expect.stringContaining("gcp-memorystore-cmek fs-online-redis: customerManagedKey is not set"),
    ]);
    const peered = weakened(prod, T.redis, (i) => {
      i["tier"] = "BASIC";
      delete i["connectMode"];
    });
    expect(mandatoryViolations(peered)).toEqual([
      "gcp-memorystore-private-service-access fs-online-redis: connectMode is not set (DIRECT_PEERING); use PRIVATE_SERVICE_ACCESS.",
      "gcp-memorystore-prod-ha fs-online-redis: tier is BASIC; prod needs STANDARD_HA.",
    ]);
  });
});

describe("local: in-cluster Valkey", () => {
  let dev: Plan;
  let prod: Plan;
  beforeAll(async () => {
    [dev, prod] = await Promise.all([plan("local", "dev"), plan("local", "prod")]);
  }, 120_000);

  it("creates exactly the password, Secret, ServiceAccount, NetworkPolicy, two Services and the StatefulSet", () => {
    const expected = [
      `${T.netpol} fs-online-valkey`,
      `${T.password} fs-online-valkey-password`,
      `${T.sa} fs-online-valkey`,
      `${T.secret} fs-online-valkey-auth`,
      `${T.service} fs-online-valkey`,
      `${T.service} fs-online-valkey-hl`,
      `${T.statefulSet} fs-online-valkey`,
    ].sort();
    expect(names(dev)).toEqual(expected);
    expect(names(prod)).toEqual(expected);
  });

  it("keeps the password in the Secret: a client key and the server's requirepass file", () => {
    const secret = findResource(dev, T.secret);
    expect(secret.inputs["stringData"]).toEqual({ password: "[secret]", "valkey.conf": "[secret]" });
  });

  it("admits only labelled client pods on 6379 and lets the server send nothing", () => {
    expect(inputAt(findResource(dev, T.netpol), "spec")).toEqual({
      podSelector: {
        matchLabels: {
          "app.kubernetes.io/name": "valkey",
          "app.kubernetes.io/instance": "fs",
          "app.kubernetes.io/component": "online",
        },
      },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        { from: [{ podSelector: { matchLabels: CLIENTS } }], ports: [{ protocol: "TCP", port: 6379 }] },
      ],
      egress: [],
    });
  });

  it("runs the pinned image restricted, read-only, with the password only in the mounted config file", () => {
    const sts = findResource(dev, T.statefulSet);
    const pod = inputAt(sts, "spec.template.spec") as Record<string, unknown>;
    expect(pod["securityContext"]).toEqual({
      runAsNonRoot: true,
      runAsUser: 999,
      runAsGroup: 1000,
      fsGroup: 1000,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod["volumes"]).toEqual([
      { name: "config", secret: { secretName: "fs-online-valkey-auth", defaultMode: 0o440 } },
    ]);
    const container = inputAt(sts, "spec.template.spec.containers[0]") as Record<string, unknown>;
    expect(container).toEqual({
      name: "valkey",
      image: VALKEY_IMAGE,
      imagePullPolicy: "IfNotPresent",
      command: ["valkey-server"],
      args: [
        "/etc/valkey/valkey.conf",
        "--port",
        "6379",
        "--dir",
        "/data",
        "--appendonly",
        "yes",
        "--maxmemory",
        "384mb",
        "--maxmemory-policy",
        "noeviction",
      ],
      ports: [{ name: "valkey", containerPort: 6379, protocol: "TCP" }],
      securityContext: {
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
      startupProbe: {
        tcpSocket: { port: "valkey" },
        periodSeconds: 5,
        timeoutSeconds: 5,
        failureThreshold: 24,
      },
      readinessProbe: {
        tcpSocket: { port: "valkey" },
        periodSeconds: 10,
        timeoutSeconds: 5,
        failureThreshold: 3,
      },
      livenessProbe: {
        tcpSocket: { port: "valkey" },
        periodSeconds: 20,
        timeoutSeconds: 5,
        failureThreshold: 6,
      },
      volumeMounts: [
        { name: "data", mountPath: "/data" },
        { name: "config", mountPath: "/etc/valkey", readOnly: true },
      ],
    });
    expect(JSON.stringify(sts.inputs)).not.toContain("requirepass");
    expect(inputAt(sts, "spec.volumeClaimTemplates[0].spec")).toEqual({
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "2Gi" } },
      storageClassName: "fast",
    });
  });

  it("prod: medium sizing, and the StatefulSet is protected", () => {
    const sts = findResource(prod, T.statefulSet);
    expect(inputAt(sts, "spec.template.spec.containers[0].resources")).toEqual({
      requests: { cpu: "250m", memory: "1Gi" },
      limits: { cpu: "1", memory: "2Gi" },
    });
    expect([sts.protect, sts.retainOnDelete]).toEqual([true, true]);
  });

  it("returns the Service DNS name, plain TCP, the password (secret) and where clients read it", () => {
    expect(dev.outputs).toEqual({
      host: "fs-online-valkey.features.svc.cluster.local",
      port: 6379,
      tls: false,
      password: "[secret]",
      passwordSecret: { name: "fs-online-valkey-auth", key: "password" },
      egress: [
        {
          to: [
            {
              podSelector: {
                matchLabels: {
                  "app.kubernetes.io/name": "valkey",
                  "app.kubernetes.io/instance": "fs",
                  "app.kubernetes.io/component": "online",
                },
              },
            },
          ],
          ports: [{ protocol: "TCP", port: 6379 }],
        },
      ],
    });
  });

  it("refuses an empty client selector, which would admit every pod of the namespace", async () => {
    await expect(
      planOf(() => {
        const ctx = context();
        createLocalAdapter(ctx, {}).keyValueStore("online", { ...argsFor("dev"), clientPodLabels: {} });
      }),
    ).rejects.toThrow("fs: keyValueStore clientPodLabels: give at least one label");
  });

  it("prod passes the policy pack with zero mandatory violations", () => {
    expect(mandatoryViolations(prod)).toEqual([]);
  });
});
