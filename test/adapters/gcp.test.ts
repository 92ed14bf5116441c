import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Access } from "../../components/adapters";
import { describe, expect, it } from "vitest";
import { createGcpAdapter, gcpLabels } from "../../components/adapters/gcp";
import { physicalName, PhysicalNameKind } from "../../components/shared/names";
import type {
  AdapterContext,
  CloudAdapter,
  GcpTargetArgs,
  PostgresArgs,
} from "../../components/adapters/types";
import { findResource, inputAt, planOf, resourcesOfType, type Plan, type PlanResource } from "../helpers";
import { Host } from "./fixtures";

const T = {
  keyRing: "gcp:kms/keyRing:KeyRing",
  key: "gcp:kms/cryptoKey:CryptoKey",
  keyMember: "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
  serviceIdentity: "gcp:projects/serviceIdentity:ServiceIdentity",
  bucket: "gcp:storage/bucket:Bucket",
  bucketMember: "gcp:storage/bucketIAMMember:BucketIAMMember",
  address: "gcp:compute/globalAddress:GlobalAddress",
  connection: "gcp:servicenetworking/connection:Connection",
  instance: "gcp:sql/databaseInstance:DatabaseInstance",
  database: "gcp:sql/database:Database",
  user: "gcp:sql/user:User",
  account: "gcp:serviceaccount/account:Account",
  saMember: "gcp:serviceaccount/iAMMember:IAMMember",
  ksa: "kubernetes:core/v1:ServiceAccount",
} as const;

const NETWORK = "projects/acme-ml/global/networks/gke";
const GCP: GcpTargetArgs = { project: "acme-ml", region: "europe-west4", network: NETWORK };
const STORAGE_AGENT = "serviceAccount:service-123456789012@gs-project-accounts.iam.gserviceaccount.com";
const SQL_AGENT = "serviceAccount:service-123456789012@gcp-sa-cloud-sql.iam.gserviceaccount.com";

interface Build {
  name?: string;
  gcp?: GcpTargetArgs;
  protect?: boolean;
  run: (adapter: CloudAdapter) => Record<string, unknown> | void;
}

/** A program that builds a Host component and lets `run` use a GCP adapter parented to it. */
function program({
  name = "mlflow",
  gcp = GCP,
  protect = false,
  run,
}: Build): () => Record<string, unknown> | void {
  return () => {
    const host = new Host(name);
    const k8sProvider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const ctx: AdapterContext = {
      parent: host,
      name,
      k8sProvider,
      namespace: "mlops",
      tags: { Team: "ML Platform", "app.kubernetes.io/part-of": "pulumi-mlops", "1st": "X/Y" },
      protect,
      dependsOn: [],
    };
    return run(createGcpAdapter(ctx, { gcp }));
  };
}

function postgresArgs(overrides: Partial<PostgresArgs> = {}): PostgresArgs {
  return {
    databaseName: "mlflow",
    username: "mlflow",
    password: pulumi.secret("not-a-real-password"),
    size: "medium",
    storageGb: 100,
    highAvailability: true,
    deletionProtection: true,
    backupRetentionDays: 14,
    pointInTimeRecovery: true,
    ...overrides,
  };
}

const EXPECTED_LABELS = { team: "ml_platform", "app_kubernetes_io_part-of": "pulumi-mlops", l_1st: "x_y" };

function hostUrn(plan: Plan): string {
  return findResource(plan, "test:index:Host").urn;
}

function names(resources: PlanResource[]): string[] {
  return resources.map((r) => `${r.type} ${r.name}`).sort();
}

describe("GCP adapter: full platform (prod-like, protected)", () => {
  let plan: Plan;
  const get = async (): Promise<Plan> => {
    plan ??= await planOf(
      program({
        protect: true,
        run: (adapter) => {
          const key = adapter.encryptionKey("data");
          if (!key) throw new Error("the gcp adapter must return a key");
          const store = adapter.objectStore("artifacts", { key, versioning: true, forceDestroy: false });
          const db = adapter.postgres("db", postgresArgs({ key }));
          const wi = adapter.workloadIdentity("server", {
            serviceAccountName: "mlflow",
            grants: [{ resource: store, access: Access.readWrite }],
            labels: { "app.kubernetes.io/name": "mlflow" },
          });
          return {
            uri: store.uri,
            bucketName: store.bucketName,
            storeEnv: store.clientEnv,
            storeEgress: store.egress,
            host: db.host,
            port: db.port,
            sslMode: db.sslMode,
            databaseName: db.databaseName,
            username: db.username,
            dbEgress: db.egress,
            principal: wi.principal,
            ksaName: wi.serviceAccountName,
            wiEnv: wi.env,
            wiEgress: wi.egress,
          };
        },
      }),
    );
    return plan;
  };

  it("creates exactly the expected children, all parented to the component", async () => {
    const p = await get();
    const children = p.resources.filter((r) => r.parent === hostUrn(p));
    expect(names(children)).toEqual(
      [
        `${T.keyRing} mlflow-data-keyring`,
        `${T.key} mlflow-data-key`,
        `${T.serviceIdentity} mlflow-data-sql-agent`,
        `${T.keyMember} mlflow-data-gcs-agent-member`,
        `${T.keyMember} mlflow-data-sql-agent-member`,
        `${T.bucket} mlflow-artifacts-bucket`,
        `${T.address} mlflow-db-psa-range`,
        `${T.connection} mlflow-db-psa-connection`,
        `${T.instance} mlflow-db-instance`,
        `${T.database} mlflow-db-database`,
        `${T.user} mlflow-db-user`,
        `${T.account} mlflow-server-gsa`,
        `${T.bucketMember} mlflow-server-artifacts-bucket-member`,
        `${T.saMember} mlflow-server-wi-member`,
        `${T.ksa} mlflow-server-serviceaccount`,
      ].sort(),
    );
    // Nothing else registered but the host, the k8s provider and the stack.
    expect(
      p.resources
        .filter((r) => r.parent !== hostUrn(p))
        .map((r) => r.type)
        .sort(),
    ).toEqual(["pulumi:providers:kubernetes", "pulumi:pulumi:Stack", "test:index:Host"].sort());
  });

  it("never creates service account keys or project-wide grants", async () => {
    const p = await get();
    expect(resourcesOfType(p, "gcp:serviceaccount/key:Key")).toHaveLength(0);
    expect(resourcesOfType(p, "gcp:projects/iAMMember:IAMMember")).toHaveLength(0);
    expect(resourcesOfType(p, "gcp:projects/iAMBinding:IAMBinding")).toHaveLength(0);
    expect(resourcesOfType(p, "gcp:projects/iAMPolicy:IAMPolicy")).toHaveLength(0);
  });

  it("protects and retains exactly the stateful children", async () => {
    const p = await get();
    const stateful = p.resources.filter((r) => r.protect).map((r) => `${r.type} ${r.name}`);
    expect(stateful.sort()).toEqual(
      [
        // Key rings cannot be deleted in Google Cloud; protecting the ring keeps the pack's
        // stateful-resource rule simple and costs nothing.
        `${T.keyRing} mlflow-data-keyring`,
        `${T.key} mlflow-data-key`,
        `${T.bucket} mlflow-artifacts-bucket`,
        `${T.instance} mlflow-db-instance`,
      ].sort(),
    );
    expect(
      p.resources
        .filter((r) => r.retainOnDelete)
        .map((r) => r.name)
        .sort(),
    ).toEqual(
      ["mlflow-artifacts-bucket", "mlflow-data-key", "mlflow-data-keyring", "mlflow-db-instance"].sort(),
    );
  });

  it("creates a rotated ENCRYPT_DECRYPT key in the region, usable by the GCS and Cloud SQL agents", async () => {
    const p = await get();
    const ring = findResource(p, T.keyRing);
    expect(ring.inputs).toMatchObject({ project: "acme-ml", location: "europe-west4" });
    const key = findResource(p, T.key);
    expect(key.inputs).toMatchObject({
      purpose: "ENCRYPT_DECRYPT",
      rotationPeriod: "7776000s",
      labels: EXPECTED_LABELS,
    });
    expect(key.inputs["keyRing"]).toBe(ring.id);
    expect(findResource(p, T.serviceIdentity).inputs).toEqual({
      project: "acme-ml",
      service: "sqladmin.googleapis.com",
    });

    const gcs = findResource(p, T.keyMember, "mlflow-data-gcs-agent-member");
    const sql = findResource(p, T.keyMember, "mlflow-data-sql-agent-member");
    for (const grant of [gcs, sql]) {
      expect(grant.inputs["role"]).toBe("roles/cloudkms.cryptoKeyEncrypterDecrypter");
      expect(grant.inputs["cryptoKeyId"]).toBe(key.id);
    }
    expect(gcs.inputs["member"]).toBe(STORAGE_AGENT);
    expect(sql.inputs["member"]).toBe(SQL_AGENT);
  });

  it("creates a private, CMEK-encrypted, versioned, labelled bucket that waits for the agent's key grant", async () => {
    const p = await get();
    const bucket = findResource(p, T.bucket);
    expect(bucket.inputs).toMatchObject({
      project: "acme-ml",
      location: "europe-west4",
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      versioning: { enabled: true },
      encryption: { defaultKmsKeyName: findResource(p, T.key).id },
      forceDestroy: false,
      labels: EXPECTED_LABELS,
    });
    expect(bucket.dependencies).toContain(findResource(p, T.keyMember, "mlflow-data-gcs-agent-member").urn);
    expect(p.outputs["uri"]).toBe("gs://mlflow-artifacts-bucket");
    expect(p.outputs["storeEnv"]).toEqual([{ name: "GOOGLE_CLOUD_PROJECT", value: "acme-ml" }]);
    expect(p.outputs["storeEgress"]).toEqual([
      {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }],
        ports: [{ protocol: "TCP", port: 443 }],
      },
    ]);
  });

  it("creates private services access for the default range", async () => {
    const p = await get();
    const range = findResource(p, T.address);
    expect(range.inputs).toMatchObject({
      project: "acme-ml",
      purpose: "VPC_PEERING",
      addressType: "INTERNAL",
      address: "10.100.0.0",
      prefixLength: 16,
      network: NETWORK,
      labels: EXPECTED_LABELS,
    });
    const connection = findResource(p, T.connection);
    expect(connection.inputs).toMatchObject({
      network: NETWORK,
      service: "servicenetworking.googleapis.com",
      reservedPeeringRanges: ["mlflow-db-psa-range"],
      deletionPolicy: "ABANDON",
    });
  });

  it("creates a private-IP, SSL-only, backed-up, regional PostgreSQL 17 instance", async () => {
    const p = await get();
    const instance = findResource(p, T.instance);
    expect(instance.inputs).toMatchObject({
      project: "acme-ml",
      region: "europe-west4",
      databaseVersion: "POSTGRES_17",
      deletionProtection: true,
      encryptionKeyName: findResource(p, T.key).id,
    });
    expect(instance.inputs["settings"]).toMatchObject({
      edition: "ENTERPRISE",
      tier: "db-custom-2-7680",
      availabilityType: "REGIONAL",
      deletionProtectionEnabled: true,
      diskType: "PD_SSD",
      diskSize: 100,
      diskAutoresize: true,
      ipConfiguration: {
        ipv4Enabled: false,
        privateNetwork: NETWORK,
        allocatedIpRange: "mlflow-db-psa-range",
        sslMode: "ENCRYPTED_ONLY",
        enablePrivatePathForGoogleCloudServices: false,
      },
      backupConfiguration: {
        enabled: true,
        pointInTimeRecoveryEnabled: true,
        transactionLogRetentionDays: 7,
        backupRetentionSettings: { retainedBackups: 14, retentionUnit: "COUNT" },
      },
      databaseFlags: [
        { name: "log_connections", value: "on" },
        { name: "log_disconnections", value: "on" },
      ],
      userLabels: EXPECTED_LABELS,
    });
    expect(inputAt(instance, "settings.ipConfiguration.requireSsl")).toBeUndefined();
    expect(inputAt(instance, "settings.ipConfiguration.authorizedNetworks")).toBeUndefined();
    expect(instance.dependencies).toContain(findResource(p, T.connection).urn);
    expect(instance.dependencies).toContain(findResource(p, T.keyMember, "mlflow-data-sql-agent-member").urn);
  });

  it("creates the database and a user whose password stays secret", async () => {
    const p = await get();
    expect(findResource(p, T.database).inputs).toMatchObject({
      name: "mlflow",
      instance: "mlflow-db-instance",
    });
    const user = findResource(p, T.user);
    expect(user.inputs).toMatchObject({
      name: "mlflow",
      instance: "mlflow-db-instance",
      password: "[secret]",
    });
    expect(user.secretInputs).toContain("password");
    expect(JSON.stringify(p)).not.toContain("not-a-real-password");
  });

  it("returns the private connection details and egress to the services range only", async () => {
    const p = await get();
    expect(p.outputs).toMatchObject({
      host: "10.100.0.3",
      port: 5432,
      sslMode: "require",
      databaseName: "mlflow",
      username: "mlflow",
      // Egress to exactly the instance's private IP (the mock's 10.100.0.3), not a whole range.
      dbEgress: [{ to: [{ ipBlock: { cidr: "10.100.0.3/32" } }], ports: [{ protocol: "TCP", port: 5432 }] }],
    });
  });

  it("grants the workload's Google service account object access on its bucket only", async () => {
    const p = await get();
    const account = findResource(p, T.account);
    expect(account.inputs).toMatchObject({ project: "acme-ml", accountId: "mlflow-test-server" });
    const member = findResource(p, T.bucketMember);
    expect(member.inputs).toEqual({
      bucket: "mlflow-artifacts-bucket",
      role: "roles/storage.objectUser",
      member: "serviceAccount:mlflow-test-server@acme-ml.iam.gserviceaccount.com",
    });
  });

  it("lets exactly one Kubernetes ServiceAccount impersonate it (Workload Identity)", async () => {
    const p = await get();
    const binding = findResource(p, T.saMember);
    expect(binding.inputs).toEqual({
      serviceAccountId: "projects/acme-ml/serviceAccounts/mlflow-test-server@acme-ml.iam.gserviceaccount.com",
      role: "roles/iam.workloadIdentityUser",
      member: "serviceAccount:acme-ml.svc.id.goog[mlops/mlflow]",
    });

    const ksa = findResource(p, T.ksa);
    expect(ksa.inputs).toMatchObject({
      automountServiceAccountToken: false,
      metadata: {
        name: "mlflow",
        namespace: "mlops",
        labels: { "app.kubernetes.io/name": "mlflow" },
        annotations: {
          "iam.gke.io/gcp-service-account": "mlflow-test-server@acme-ml.iam.gserviceaccount.com",
        },
      },
    });
    // Governance labels from ctx.tags (as valid label syntax), then the component's own labels.
    expect(inputAt(ksa, "metadata.labels")).toEqual({
      Team: "ML-Platform",
      "app.kubernetes.io/part-of": "pulumi-mlops",
      "1st": "X-Y",
      "app.kubernetes.io/name": "mlflow",
    });
    const provider = findResource(p, "pulumi:providers:kubernetes");
    expect(ksa.provider.startsWith(`${provider.urn}::`)).toBe(true);
    expect(ksa.dependencies).toEqual(
      expect.arrayContaining([binding.urn, findResource(p, T.bucketMember).urn]),
    );

    expect(p.outputs).toMatchObject({
      principal: "mlflow-test-server@acme-ml.iam.gserviceaccount.com",
      ksaName: "mlflow",
      wiEnv: [{ name: "GOOGLE_CLOUD_PROJECT", value: "acme-ml" }],
      wiEgress: [
        {
          to: [{ ipBlock: { cidr: "169.254.169.254/32" } }],
          ports: [
            { protocol: "TCP", port: 80 },
            { protocol: "TCP", port: 988 },
          ],
        },
        { to: [{ ipBlock: { cidr: "169.254.169.252/32" } }], ports: [{ protocol: "TCP", port: 988 }] },
        {
          to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }],
          ports: [{ protocol: "TCP", port: 443 }],
        },
      ],
    });
  });
});

describe("GCP adapter: dev-like settings", () => {
  it("makes a zonal, unprotected instance without PITR and a bucket without CMEK", async () => {
    const p = await planOf(
      program({
        run: (adapter) => {
          adapter.objectStore("artifacts", { versioning: false, forceDestroy: true });
          adapter.postgres(
            "db",
            postgresArgs({
              size: "small",
              storageGb: 20,
              highAvailability: false,
              deletionProtection: false,
              backupRetentionDays: 1,
              pointInTimeRecovery: false,
            }),
          );
        },
      }),
    );
    expect(p.resources.filter((r) => r.protect || r.retainOnDelete)).toEqual([]);
    expect(resourcesOfType(p, T.key)).toHaveLength(0);

    const bucket = findResource(p, T.bucket);
    expect(bucket.inputs).toMatchObject({
      versioning: { enabled: false },
      forceDestroy: true,
      publicAccessPrevention: "enforced",
    });
    expect(bucket.inputs["encryption"]).toBeUndefined();

    const instance = findResource(p, T.instance);
    expect(instance.inputs["deletionProtection"]).toBe(false);
    expect(instance.inputs["encryptionKeyName"]).toBeUndefined();
    expect(instance.inputs["settings"]).toMatchObject({
      edition: "ENTERPRISE",
      tier: "db-custom-1-3840",
      availabilityType: "ZONAL",
      deletionProtectionEnabled: false,
      diskSize: 20,
      ipConfiguration: { ipv4Enabled: false, sslMode: "ENCRYPTED_ONLY" },
      backupConfiguration: {
        enabled: true,
        pointInTimeRecoveryEnabled: false,
        backupRetentionSettings: { retainedBackups: 1 },
      },
    });
    expect(inputAt(instance, "settings.backupConfiguration.transactionLogRetentionDays")).toBeUndefined();
  });

  it("caps transaction log retention at 7 days and follows shorter backup retention", async () => {
    const p = await planOf(
      program({
        run: (adapter) => {
          adapter.postgres(
            "short",
            postgresArgs({ highAvailability: false, backupRetentionDays: 3, size: "large" }),
          );
        },
      }),
    );
    const instance = findResource(p, T.instance);
    expect(inputAt(instance, "settings.backupConfiguration.transactionLogRetentionDays")).toBe(3);
    expect(inputAt(instance, "settings.tier")).toBe("db-custom-4-15360");
    expect(inputAt(instance, "settings.availabilityType")).toBe("ZONAL");
  });
});

describe("GCP adapter: existing private services access", () => {
  it("creates no reserved range or connection and uses the given CIDR for egress", async () => {
    const p = await planOf(
      program({
        gcp: { ...GCP, privateServiceAccess: "existing", privateServiceAccessCidr: "10.50.0.0/20" },
        run: (adapter) => {
          const db = adapter.postgres("db", postgresArgs());
          return { dbEgress: db.egress };
        },
      }),
    );
    expect(resourcesOfType(p, T.address)).toHaveLength(0);
    expect(resourcesOfType(p, T.connection)).toHaveLength(0);
    const instance = findResource(p, T.instance);
    expect(inputAt(instance, "settings.ipConfiguration.privateNetwork")).toBe(NETWORK);
    expect(inputAt(instance, "settings.ipConfiguration.allocatedIpRange")).toBeUndefined();
    // Cloud SQL may take its IP from any range peered to the VPC: egress follows the instance's IP.
    expect(p.outputs["dbEgress"]).toEqual([
      { to: [{ ipBlock: { cidr: "10.100.0.3/32" } }], ports: [{ protocol: "TCP", port: 5432 }] },
    ]);
  });
});

describe("GCP adapter: Ingress exposure", () => {
  const lbArgs = {
    serviceName: "mlflow",
    port: 5000,
    healthCheckPath: "/health",
    requestTimeoutSeconds: 3600,
    idleTimeoutSeconds: 600,
    labels: { "app.kubernetes.io/name": "mlflow" },
  };

  it("gce-internal (the default): HTTPS only, NEGs, a BackendConfig, Google's ranges plus the proxy-only subnet", async () => {
    const p = await planOf(
      program({
        gcp: { ...GCP, proxyOnlySubnetCidr: "10.10.0.0/23" },
        run: (adapter) => {
          const lb = adapter.ingress.loadBalancer({ ...lbArgs, className: adapter.ingress.defaultClassName });
          return {
            defaultClassName: adapter.ingress.defaultClassName,
            ingressAnnotations: lb?.ingressAnnotations,
            serviceAnnotations: lb?.serviceAnnotations,
            sourceCidrs: lb?.sourceCidrs,
            ingressClassName: lb?.ingressClassName ?? "by annotation",
            nginx: adapter.ingress.loadBalancer({ ...lbArgs, className: "nginx" }) ?? "in-cluster",
          };
        },
      }),
    );
    expect(p.outputs).toEqual({
      defaultClassName: "gce-internal",
      ingressAnnotations: {
        "kubernetes.io/ingress.class": "gce-internal",
        "kubernetes.io/ingress.allow-http": "false",
      },
      serviceAnnotations: {
        "cloud.google.com/neg": '{"ingress":true}',
        "cloud.google.com/backend-config": '{"default":"mlflow"}',
      },
      sourceCidrs: ["130.211.0.0/22", "35.191.0.0/16", "10.10.0.0/23"],
      ingressClassName: "by annotation",
      nginx: "in-cluster",
    });
    const bc = findResource(p, "kubernetes:cloud.google.com/v1:BackendConfig", "mlflow-backend-config");
    expect(bc.parent).toBe(hostUrn(p));
    expect(bc.inputs["spec"]).toEqual({
      timeoutSec: 3600,
      healthCheck: { type: "HTTP", requestPath: "/health", port: 5000 },
    });
    expect(inputAt(bc, "metadata.namespace")).toBe("mlops");
    // GKE's Ingress controller does not open the VPC firewall to the proxies: the adapter does,
    // from the proxy-only subnet only, on the serving port only; without the nodes' service
    // account it cannot narrow the targets further.
    const fw = findResource(p, "gcp:compute/firewall:Firewall", "mlflow-lb-proxy-firewall");
    expect(fw.parent).toBe(hostUrn(p));
    expect(fw.inputs).toEqual({
      project: GCP.project,
      network: NETWORK,
      description:
        "GKE internal Application Load Balancer proxies to mlflow on tcp 5000; managed by pulumi-mlops",
      direction: "INGRESS",
      priority: 1000,
      sourceRanges: ["10.10.0.0/23"],
      allows: [{ protocol: "tcp", ports: ["5000"] }],
    });
  });

  it("gce-internal: the proxy firewall targets the cluster's nodes by service account when known; gce needs none", async () => {
    const nodes = "gpu-nodes@proj.iam.gserviceaccount.com";
    const p = await planOf(
      program({
        gcp: { ...GCP, proxyOnlySubnetCidr: "10.10.0.0/23", nodeServiceAccount: nodes },
        run: (adapter) => {
          adapter.ingress.loadBalancer({ ...lbArgs, className: "gce-internal" });
        },
      }),
    );
    const fw = findResource(p, "gcp:compute/firewall:Firewall", "mlflow-lb-proxy-firewall");
    expect(fw.inputs["targetServiceAccounts"]).toEqual([nodes]);
    expect(fw.inputs["sourceRanges"]).toEqual(["10.10.0.0/23"]);

    const external = await planOf(
      program({
        gcp: { ...GCP, proxyOnlySubnetCidr: "10.10.0.0/23", nodeServiceAccount: nodes },
        run: (adapter) => {
          adapter.ingress.loadBalancer({ ...lbArgs, className: "gce" });
        },
      }),
    );
    expect(resourcesOfType(external, "gcp:compute/firewall:Firewall")).toEqual([]);
  });

  it("gce-internal needs the proxy-only subnet's CIDR", async () => {
    await expect(
      planOf(
        program({
          run: (adapter) => {
            adapter.ingress.loadBalancer({ ...lbArgs, className: "gce-internal" });
          },
        }),
      ),
    ).rejects.toThrow(/gcp\.proxyOnlySubnetCidr: required for IngressClass "gce-internal"/);
  });
});

describe("GCP adapter: service account IDs", () => {
  const VALID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

  it("is <name>-<stack>-<role>, cut to 30 characters with a deterministic hash", async () => {
    const name = "very-long-component-name-for-the-platform";
    const p = await planOf(
      program({
        name,
        run: (adapter) => {
          adapter.workloadIdentity("training-worker", {
            serviceAccountName: "trainer",
            grants: [],
            labels: {},
          });
        },
      }),
    );
    const id = findResource(p, T.account).inputs["accountId"];
    expect(id).toMatch(VALID);
    expect(id).toHaveLength(30);
    expect(id).toMatch(/^very-long-component-nam-[0-9a-f]{6}$/);
    // The plan's stack is "test".
    expect(id).toBe(physicalName(PhysicalNameKind.gcpServiceAccountId, `${name}-test`, "training-worker"));
    expect(id).not.toBe(
      physicalName(PhysicalNameKind.gcpServiceAccountId, `${name}-prod`, "training-worker"),
    );
    expect(resourcesOfType(p, T.bucketMember)).toHaveLength(0);
    expect(findResource(p, T.saMember).inputs["member"]).toBe(
      "serviceAccount:acme-ml.svc.id.goog[mlops/trainer]",
    );
  });
});

describe("GCP adapter: labels", () => {
  it("sanitizes tags to GCP label rules", () => {
    const long = "A".repeat(80);
    const labels = gcpLabels({ Env: "Prod", "cost-center": "R&D 42", [long]: long });
    expect(labels["env"]).toBe("prod");
    expect(labels["cost-center"]).toBe("r_d_42");
    expect(labels["a".repeat(63)]).toBe("a".repeat(63));
    for (const [k, v] of Object.entries(labels)) {
      expect(k).toMatch(/^[a-z][a-z0-9_-]{0,62}$/);
      expect(v).toMatch(/^[a-z0-9_-]{0,63}$/);
    }
  });
});

describe("GCP adapter: bad input", () => {
  // Validation happens before any resource is created, so these call the adapter directly rather
  // than through the mock runtime (where a throwing program also surfaces as unhandled rejections).
  const ctx = (): AdapterContext => ({
    parent: {} as pulumi.Resource,
    name: "mlflow",
    k8sProvider: {} as k8s.Provider,
    namespace: "mlops",
    tags: {},
    protect: false,
    dependsOn: [],
  });

  it("throws naming args.gcp when the gcp settings are missing", () => {
    expect(() => createGcpAdapter(ctx(), {})).toThrow(/^args\.gcp: required when target is "gcp"/);
    expect(() => createGcpAdapter(ctx(), { aws: undefined })).toThrow(/args\.gcp/);
  });

  it("rejects a private services access CIDR that is not a network address or too small", () => {
    const postgres = (cidr: string) => () =>
      createGcpAdapter(ctx(), { gcp: { ...GCP, privateServiceAccessCidr: cidr } }).postgres(
        "db",
        postgresArgs(),
      );
    expect(postgres("10.100.0.1/16")).toThrow(
      /^args\.gcp\.privateServiceAccessCidr: .*not a network address/,
    );
    expect(postgres("10.100.0.0/28")).toThrow(/^args\.gcp\.privateServiceAccessCidr: .*\/24/);
    expect(postgres("10.300.0.0/16")).toThrow(/^args\.gcp\.privateServiceAccessCidr: .*above 255/);
    expect(postgres("not-a-cidr")).toThrow(/^args\.gcp\.privateServiceAccessCidr: .*not an IPv4 CIDR/);
  });

  it("rejects high availability without point-in-time recovery, and impossible backup or disk sizes", () => {
    const adapter = createGcpAdapter(ctx(), { gcp: GCP });
    expect(() =>
      adapter.postgres("db", postgresArgs({ highAvailability: true, pointInTimeRecovery: false })),
    ).toThrow(/pointInTimeRecovery: must be true when highAvailability is true/);
    expect(() => adapter.postgres("db", postgresArgs({ backupRetentionDays: 0 }))).toThrow(
      /backupRetentionDays/,
    );
    expect(() => adapter.postgres("db", postgresArgs({ storageGb: 5 }))).toThrow(/storageGb/);
  });

  it("rejects an invalid Kubernetes ServiceAccount name", () => {
    const adapter = createGcpAdapter(ctx(), { gcp: GCP });
    expect(() =>
      adapter.workloadIdentity("server", {
        serviceAccountName: "MLflow_SA",
        grants: [],
        labels: {},
      }),
    ).toThrow(/serviceAccountName: "MLflow_SA"/);
  });
});
