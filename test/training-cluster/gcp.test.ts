import { componentContext } from "../../components/shared/component";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import { createGcpAdapter } from "../../components/adapters/gcp";
import {
  controlPlaneWebhookPorts,
  createGcpCluster,
  gcpClusterArgsSchema,
  gcpGpuMachine,
  gcpGpuPoolShape,
  gpuNodePoolName,
  maxNodesForGpus,
  resolveGcpClusterArgs,
  type GcpClusterArgs,
  type GcpClusterFeatures,
} from "../../components/training-cluster/gcp";
import { API_SERVER_CALLBACK_PORTS } from "../../components/training-cluster/in-cluster";
import {
  GPU_NODE_LABELS,
  type BuiltCluster,
  type ResolvedGpuPool,
} from "../../components/training-cluster/types";
import type { Environment } from "../../components/shared/presets";
import { formatIssues } from "../../components/shared/validation";
import { problemLine } from "../../components/shared/contract";
import { GpuTrainingCluster, type GpuPoolArgs } from "../../components/training-cluster";
import {
  accountScopedPhysicalNames,
  findResource,
  inputAt,
  planOf,
  resourcesOfType,
  type Plan,
  type PlanResource,
} from "../helpers";

const T = {
  network: "gcp:compute/network:Network",
  subnet: "gcp:compute/subnetwork:Subnetwork",
  router: "gcp:compute/router:Router",
  nat: "gcp:compute/routerNat:RouterNat",
  address: "gcp:compute/globalAddress:GlobalAddress",
  connection: "gcp:servicenetworking/connection:Connection",
  account: "gcp:serviceaccount/account:Account",
  projectMember: "gcp:projects/iAMMember:IAMMember",
  keyRing: "gcp:kms/keyRing:KeyRing",
  key: "gcp:kms/cryptoKey:CryptoKey",
  keyMember: "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
  cluster: "gcp:container/cluster:Cluster",
  nodePool: "gcp:container/nodePool:NodePool",
  firewall: "gcp:compute/firewall:Firewall",
  sqlInstance: "gcp:sql/databaseInstance:DatabaseInstance",
  k8sProvider: "pulumi:providers:kubernetes",
} as const;

const PROJECT = "acme-ml";
const REGION = "europe-west4";
const NODE_SA_EMAIL = "train-test-gke-nodes@acme-ml.iam.gserviceaccount.com";
const OFFICE = { cidrBlock: "203.0.113.0/24", displayName: "office VPN" };

const POOLS: ResolvedGpuPool[] = [
  { name: "l4-spot", gpuType: "nvidia-l4", capacityType: "spot", maxGpus: 8, instanceFamilies: [] },
  { name: "a100", gpuType: "nvidia-a100", capacityType: "on-demand", maxGpus: 4, instanceFamilies: [] },
  { name: "h100", gpuType: "nvidia-h100", capacityType: "on-demand", maxGpus: 20, instanceFamilies: [] },
  {
    name: "l4-quad",
    gpuType: "nvidia-l4",
    capacityType: "spot",
    maxGpus: 10,
    instanceFamilies: [],
    machineType: "g2-standard-48",
  },
];

class Host extends pulumi.ComponentResource {
  constructor(name: string) {
    super("test:index:Host", name, {}, {});
  }
}

interface Build {
  environment?: Environment;
  args?: Partial<GcpClusterArgs>;
  pools?: ResolvedGpuPool[];
  protect?: boolean;
  features?: GcpClusterFeatures;
  /** The explicit physical cluster name (the component's `clusterName`). */
  clusterName?: string;
  after?: (handle: BuiltCluster, host: Host) => Record<string, unknown>;
}

/** A program that builds the GKE target inside a Host component, validating args like the component does. */
function program({
  environment = "prod",
  args = {},
  pools = POOLS,
  protect,
  features,
  clusterName,
  after,
}: Build) {
  return () => {
    const host = new Host("train");
    const parsed = gcpClusterArgsSchema.safeParse({ project: PROJECT, region: REGION, ...args });
    if (!parsed.success) throw new Error(formatIssues(parsed.error, "args.gcp").join("\n"));
    // As the component's resolver hands them to the builder (every rule passed).
    const { resolved, problems } = resolveGcpClusterArgs(parsed.data, environment);
    if (problems.length > 0) throw new Error(problems.map((p) => problemLine(p, "args.gcp")).join("\n"));
    const handle = createGcpCluster(
      {
        ...componentContext(host, "train", {
          environment,
          tags: { Team: "ML Platform", env: environment },
          protect: protect ?? environment === "prod",
        }),
        ...(clusterName ? { clusterName } : {}),
      },
      resolved,
      pools,
      features,
    );
    return {
      kubeconfig: handle.kubeconfig,
      kubeconfigText: pulumi.unsecret(handle.kubeconfig),
      clusterName: handle.clusterName,
      endpoint: handle.endpoint,
      gcp: handle.gcp,
      driversPreinstalled: handle.driversPreinstalled,
      managedGpuMetrics: handle.managedGpuMetrics,
      ready: handle.ready.map((r) => (r as pulumi.CustomResource).urn),
      ...(after?.(handle, host) ?? {}),
    };
  };
}

function pools(plan: Plan): PlanResource[] {
  return resourcesOfType(plan, T.nodePool);
}

function gpuPool(plan: Plan, name: string): PlanResource {
  return findResource(plan, T.nodePool, `train-gpu-${name}`);
}

describe("GKE target: prod", () => {
  let plan: Plan;
  const get = async (): Promise<Plan> =>
    (plan ??= await planOf(program({ args: { zones: [`${REGION}-a`, `${REGION}-b`] } })));

  it("creates exactly the expected children, all parented to the component", async () => {
    const p = await get();
    const host = findResource(p, "test:index:Host");
    const counts: Record<string, number> = {};
    for (const r of p.resources.filter((r) => r.parent === host.urn)) {
      counts[r.type] = (counts[r.type] ?? 0) + 1;
    }
    expect(counts).toEqual({
      [T.network]: 1,
      [T.subnet]: 2,
      [T.router]: 1,
      [T.nat]: 1,
      [T.address]: 1,
      [T.connection]: 1,
      [T.account]: 1,
      [T.projectMember]: 2,
      [T.keyRing]: 1,
      [T.key]: 1,
      [T.keyMember]: 1,
      [T.cluster]: 1,
      [T.nodePool]: 1 + POOLS.length,
      [T.firewall]: 1,
      [T.k8sProvider]: 1,
    });
  });

  it("lets the control plane reach Kueue's webhook (9443) and visibility API (8082) on the nodes, and nothing more", async () => {
    const p = await get();
    const fw = findResource(p, T.firewall, "train-control-plane-webhooks");
    const { description, ...inputs } = fw.inputs;
    expect(inputs).toEqual({
      project: PROJECT,
      network: `projects/${PROJECT}/global/networks/train-network`,
      direction: "INGRESS",
      priority: 1000,
      // The private cluster's control-plane range (the cluster's masterIpv4CidrBlock).
      sourceRanges: ["172.16.0.0/28"],
      // Exactly the cluster's nodes: every node pool runs as the node service account.
      targetServiceAccounts: [NODE_SA_EMAIL],
      // 10250 (cert-manager's webhook) is also in GKE's own rule; listed so the rule says it all.
      allows: [{ protocol: "tcp", ports: ["6443", "8082", "9443", "10250"] }],
    });
    expect(description).toMatch(
      /9443 Kueue admission webhooks, 8082 Kueue visibility APIService, 10250 cert-manager webhook/,
    );
    expect(inputAt(findResource(p, T.cluster), "privateClusterConfig.masterIpv4CidrBlock")).toBe(
      "172.16.0.0/28",
    );
    // The same list the platform namespaces' NetworkPolicies admit from outside the pod network
    // (each port once: Kueue, KServe and KEDA all serve webhooks on 9443).
    expect(controlPlaneWebhookPorts()).toEqual(
      [...new Set(API_SERVER_CALLBACK_PORTS.map((x) => x.port))].sort((a, b) => a - b).map(String),
    );
    // Every node pool, and the temporary default pool, runs as that account.
    for (const pool of pools(p)) expect(inputAt(pool, "nodeConfig.serviceAccount")).toBe(NODE_SA_EMAIL);
    expect(inputAt(findResource(p, T.cluster), "nodeConfig.serviceAccount")).toBe(NODE_SA_EMAIL);
    // The in-cluster parts wait for the rule.
    expect(p.outputs["ready"]).toContain(fw.urn);
  });

  it("follows a custom control-plane range", async () => {
    const p = await planOf(program({ args: { masterIpv4CidrBlock: "172.20.0.16/28" } }));
    expect(inputAt(findResource(p, T.firewall), "sourceRanges")).toEqual(["172.20.0.16/28"]);
  });

  it("builds a custom-mode VPC with a VPC-native subnet, flow logs, Cloud NAT and private services access", async () => {
    const p = await get();
    expect(findResource(p, T.network).inputs).toMatchObject({
      project: PROJECT,
      autoCreateSubnetworks: false,
    });
    const subnet = findResource(p, T.subnet, "train-nodes");
    expect(subnet.inputs).toMatchObject({
      region: REGION,
      ipCidrRange: "10.0.0.0/20",
      privateIpGoogleAccess: true,
      secondaryIpRanges: [
        { rangeName: "pods", ipCidrRange: "10.4.0.0/14" },
        { rangeName: "services", ipCidrRange: "10.8.0.0/20" },
      ],
      logConfig: {
        aggregationInterval: "INTERVAL_5_SEC",
        flowSampling: 0.5,
        metadata: "INCLUDE_ALL_METADATA",
      },
    });
    expect(findResource(p, T.nat).inputs).toMatchObject({
      natIpAllocateOption: "AUTO_ONLY",
      sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
      subnetworks: [
        {
          name: `projects/${PROJECT}/regions/${REGION}/subnetworks/train-nodes`,
          sourceIpRangesToNats: ["ALL_IP_RANGES"],
        },
      ],
      logConfig: { enable: true, filter: "ERRORS_ONLY" },
    });
    expect(findResource(p, T.address).inputs).toMatchObject({
      purpose: "VPC_PEERING",
      addressType: "INTERNAL",
      address: "10.100.0.0",
      prefixLength: 16,
      network: `projects/${PROJECT}/global/networks/train-network`,
    });
    expect(findResource(p, T.connection).inputs).toMatchObject({
      service: "servicenetworking.googleapis.com",
      reservedPeeringRanges: ["train-psa-range"],
    });
  });

  it("adds the region's proxy-only subnet that GKE's internal load balancer (the registry's Ingress) needs", async () => {
    const p = await get();
    expect(findResource(p, T.subnet, "train-proxy-only").inputs).toEqual({
      project: PROJECT,
      region: REGION,
      network: `projects/${PROJECT}/global/networks/train-network`,
      ipCidrRange: "10.10.0.0/23",
      purpose: "REGIONAL_MANAGED_PROXY",
      role: "ACTIVE",
      description:
        "Proxy-only subnet of the internal Application Load Balancers in front of GKE cluster train",
    });
  });

  it("makes nodes and the endpoint private, with authorized networks and no Google Cloud public IPs", async () => {
    const c = findResource(await get(), T.cluster);
    expect(c.inputs["privateClusterConfig"]).toEqual({
      enablePrivateNodes: true,
      enablePrivateEndpoint: true,
      masterIpv4CidrBlock: "172.16.0.0/28",
    });
    expect(c.inputs["masterAuthorizedNetworksConfig"]).toEqual({
      cidrBlocks: [],
      gcpPublicCidrsAccessEnabled: false,
    });
    // Private IP endpoint in prod: the IAM-authorized DNS endpoint is how the deploy reaches the API.
    expect(inputAt(c, "controlPlaneEndpointsConfig.dnsEndpointConfig.allowExternalTraffic")).toBe(true);
    expect(c.inputs).toMatchObject({
      networkingMode: "VPC_NATIVE",
      ipAllocationPolicy: { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" },
    });
  });

  it("turns on Workload Identity, the release channel, Dataplane V2, shielded nodes and Secrets encryption", async () => {
    const p = await get();
    const c = findResource(p, T.cluster);
    const key = findResource(p, T.key);
    expect(c.inputs).toMatchObject({
      name: "train-test",
      location: REGION,
      nodeLocations: [`${REGION}-a`, `${REGION}-b`],
      workloadIdentityConfig: { workloadPool: `${PROJECT}.svc.id.goog` },
      releaseChannel: { channel: "REGULAR" },
      datapathProvider: "ADVANCED_DATAPATH",
      enableShieldedNodes: true,
      enableLegacyAbac: false,
      masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
      databaseEncryption: {
        state: "ENCRYPTED",
        keyName: `projects/${PROJECT}/locations/${REGION}/keyRings/train-secrets-keyring/cryptoKeys/train-secrets-key`,
      },
      removeDefaultNodePool: true,
      initialNodeCount: 1,
      deletionProtection: true,
      resourceLabels: { team: "ml_platform", env: "prod" },
    });
    expect(c.inputs["minMasterVersion"]).toBeUndefined();
    expect(c.inputs["loggingConfig"]).toEqual({
      enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER"],
    });
    expect(inputAt(c, "monitoringConfig")).toEqual({
      enableComponents: ["SYSTEM_COMPONENTS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER"],
      managedPrometheus: { enabled: true },
    });
    expect(c.protect).toBe(true);
    expect(inputAt(c, "clusterAutoscaling.enabled")).toBe(false);
    // The cluster is only created once the GKE service agent may use the key.
    const grant = findResource(p, T.keyMember);
    expect(c.dependencies).toContain(grant.urn);
    expect(grant.inputs).toMatchObject({
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: "serviceAccount:service-123456789012@container-engine-robot.iam.gserviceaccount.com",
    });
    expect(key).toMatchObject({ protect: true, retainOnDelete: true });
    expect(key.inputs).toMatchObject({ purpose: "ENCRYPT_DECRYPT", rotationPeriod: "7776000s" });
  });

  it("runs every node (the temporary default pool too) as a dedicated least-privilege service account", async () => {
    const p = await get();
    const account = findResource(p, T.account);
    expect(account.inputs["accountId"]).toBe("train-test-gke-nodes");
    expect(
      resourcesOfType(p, T.projectMember)
        .map((m) => m.inputs)
        .sort((a, b) => String(a["role"]).localeCompare(String(b["role"]))),
    ).toEqual([
      { project: PROJECT, role: "roles/artifactregistry.reader", member: `serviceAccount:${NODE_SA_EMAIL}` },
      {
        project: PROJECT,
        role: "roles/container.defaultNodeServiceAccount",
        member: `serviceAccount:${NODE_SA_EMAIL}`,
      },
    ]);
    const configs = [
      findResource(p, T.cluster).inputs["nodeConfig"],
      ...pools(p).map((pool) => pool.inputs["nodeConfig"]),
    ] as Record<string, unknown>[];
    for (const config of configs) {
      expect(config["serviceAccount"]).toBe(NODE_SA_EMAIL);
      expect(String(config["serviceAccount"])).not.toMatch(/-compute@developer\.gserviceaccount\.com$/);
      expect(config["oauthScopes"]).toEqual(["https://www.googleapis.com/auth/cloud-platform"]);
      expect(config["shieldedInstanceConfig"]).toEqual({
        enableSecureBoot: true,
        enableIntegrityMonitoring: true,
      });
      expect(config["workloadMetadataConfig"]).toEqual({ mode: "GKE_METADATA" });
      expect(config["imageType"]).toBe("COS_CONTAINERD");
    }
  });

  it("adds an autoscaled, auto-repaired on-demand system pool", async () => {
    const p = await get();
    const system = findResource(p, T.nodePool, "train-system-pool");
    expect(system.inputs).toMatchObject({
      cluster: "train-test",
      location: REGION,
      name: "system",
      autoscaling: { minNodeCount: 1, maxNodeCount: 3 },
      management: { autoRepair: true, autoUpgrade: true },
      nodeConfig: {
        machineType: "e2-standard-4",
        kubeletConfig: { insecureKubeletReadonlyPortEnabled: "FALSE" },
      },
    });
    expect(inputAt(system, "nodeConfig.spot")).toBeUndefined();
    expect(inputAt(system, "nodeConfig.taints")).toBeUndefined();
  });

  it("gives every GPU pool min 0, the GPU taint and labels, GKE-managed drivers, and a max from maxGpus", async () => {
    const p = await get();
    const expected: Record<
      string,
      { machine: string; accel: string; count: number; max: number; spot: boolean }
    > = {
      "l4-spot": { machine: "g2-standard-8", accel: "nvidia-l4", count: 1, max: 8, spot: true },
      a100: { machine: "a2-highgpu-1g", accel: "nvidia-tesla-a100", count: 1, max: 4, spot: false },
      h100: { machine: "a3-highgpu-8g", accel: "nvidia-h100-80gb", count: 8, max: 2, spot: false },
      "l4-quad": { machine: "g2-standard-48", accel: "nvidia-l4", count: 4, max: 2, spot: true },
    };
    for (const pool of POOLS) {
      const e = expected[pool.name]!;
      const r = gpuPool(p, pool.name);
      expect(r.inputs).toMatchObject({
        name: `gpu-${pool.name}`,
        initialNodeCount: 0,
        autoscaling: { totalMinNodeCount: 0, totalMaxNodeCount: e.max, locationPolicy: "ANY" },
        nodeConfig: {
          machineType: e.machine,
          spot: e.spot,
          guestAccelerators: [
            { type: e.accel, count: e.count, gpuDriverInstallationConfig: { gpuDriverVersion: "LATEST" } },
          ],
          taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" }],
          labels: {
            [GPU_NODE_LABELS.gpu]: "true",
            [GPU_NODE_LABELS.pool]: pool.name,
            [GPU_NODE_LABELS.gpuType]: pool.gpuType,
            [GPU_NODE_LABELS.capacityType]: pool.capacityType,
          },
          shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
          workloadMetadataConfig: { mode: "GKE_METADATA" },
        },
      });
      // The pool never holds more GPUs than its limit.
      expect(e.max * e.count).toBeLessThanOrEqual(pool.maxGpus);
      expect(inputAt(r, "autoscaling.minNodeCount")).toBeUndefined();
    }
  });

  it("hands out a secret kubeconfig using gke-gcloud-auth-plugin, the DNS endpoint (private IP endpoint in prod) and the adapters' settings", async () => {
    const p = await get();
    expect(p.outputs["kubeconfig"]).toBe("[secret]");
    const kubeconfig = JSON.parse(String(p.outputs["kubeconfigText"]));
    expect(kubeconfig.clusters[0].cluster.server).toMatch(
      /^https:\/\/gke-[0-9a-f]{12}-acme-ml\.europe-west4\.gke\.goog$/,
    );
    // The DNS endpoint presents a publicly trusted certificate: no cluster CA in the kubeconfig.
    expect(kubeconfig.clusters[0].cluster["certificate-authority-data"]).toBeUndefined();
    expect(kubeconfig.users[0].user.exec).toMatchObject({
      command: "gke-gcloud-auth-plugin",
      apiVersion: "client.authentication.k8s.io/v1beta1",
    });
    expect(JSON.stringify(kubeconfig)).not.toMatch(/token|client-key|password/);
    const provider = findResource(p, T.k8sProvider);
    expect(provider.inputs["kubeconfig"]).toBe("[secret]");
    expect(p.outputs).toMatchObject({
      clusterName: "train-test",
      endpoint: "172.16.0.2",
      driversPreinstalled: true,
      gcp: {
        project: PROJECT,
        region: REGION,
        network: `projects/${PROJECT}/global/networks/train-network`,
        privateServiceAccess: "existing",
        privateServiceAccessCidr: "10.100.0.0/16",
        proxyOnlySubnetCidr: "10.10.0.0/23",
      },
    });
    const ready = p.outputs["ready"] as string[];
    expect(ready).toHaveLength(1 + POOLS.length + 1 + 1);
    for (const pool of pools(p)) expect(ready).toContain(pool.urn);
  });
});

describe("GKE target: the model registry's GCP adapter on this cluster", () => {
  it("places Cloud SQL on the cluster's network after its private services access, without a second range", async () => {
    const p = await planOf(
      program({
        after: (handle, host) => {
          const adapter = createGcpAdapter(
            {
              parent: host,
              name: "mlflow",
              k8sProvider: handle.provider,
              namespace: "mlflow",
              tags: {},
              protect: false,
              dependsOn: [],
            },
            { gcp: handle.gcp! },
          );
          adapter.postgres("db", {
            databaseName: "mlflow",
            username: "mlflow",
            password: pulumi.secret("not-a-real-password"),
            size: "small",
            storageGb: 20,
            highAvailability: false,
            deletionProtection: false,
            backupRetentionDays: 1,
            pointInTimeRecovery: false,
          });
          return {};
        },
      }),
    );
    expect(resourcesOfType(p, T.address)).toHaveLength(1);
    expect(resourcesOfType(p, T.connection)).toHaveLength(1);
    const instance = findResource(p, T.sqlInstance);
    expect(inputAt(instance, "settings.ipConfiguration.privateNetwork")).toBe(
      `projects/${PROJECT}/global/networks/train-network`,
    );
    expect(instance.dependencies).toContain(findResource(p, T.connection).urn);
  });
});

describe("GKE target: dev vs prod", () => {
  it("dev: public endpoint limited to the authorized networks, no deletion protection, fewer logs", async () => {
    const p = await planOf(
      program({
        environment: "dev",
        args: { masterAuthorizedNetworks: [OFFICE] },
        pools: [POOLS[0]!],
      }),
    );
    const c = findResource(p, T.cluster);
    expect(inputAt(c, "privateClusterConfig.enablePrivateNodes")).toBe(true);
    expect(inputAt(c, "privateClusterConfig.enablePrivateEndpoint")).toBe(false);
    expect(c.inputs["masterAuthorizedNetworksConfig"]).toEqual({
      cidrBlocks: [OFFICE],
      gcpPublicCidrsAccessEnabled: false,
    });
    expect(c.inputs["deletionProtection"]).toBe(false);
    expect(c.protect).toBe(false);
    expect(findResource(p, T.key)).toMatchObject({ protect: false, retainOnDelete: false });
    expect(inputAt(c, "loggingConfig.enableComponents")).toEqual(["SYSTEM_COMPONENTS", "WORKLOADS"]);
    expect(p.outputs["endpoint"]).toBe("203.0.113.10");
    // Secure settings do not depend on the environment.
    expect(c.inputs).toMatchObject({
      datapathProvider: "ADVANCED_DATAPATH",
      enableShieldedNodes: true,
      workloadIdentityConfig: { workloadPool: `${PROJECT}.svc.id.goog` },
      databaseEncryption: { state: "ENCRYPTED" },
    });
    expect(pools(p)).toHaveLength(2);
  });

  it("staging: deletion protection and control plane logs, endpoint still public by default", async () => {
    const p = await planOf(
      program({ environment: "staging", args: { masterAuthorizedNetworks: [OFFICE] }, pools: [] }),
    );
    const c = findResource(p, T.cluster);
    expect(c.inputs["deletionProtection"]).toBe(true);
    expect(inputAt(c, "privateClusterConfig.enablePrivateEndpoint")).toBe(false);
    expect(inputAt(c, "loggingConfig.enableComponents")).toContain("APISERVER");
  });

  it("the DNS endpoint, when enabled, is what the kubeconfig targets", async () => {
    const p = await planOf(program({ args: { dnsEndpoint: true }, pools: [] }));
    const c = findResource(p, T.cluster);
    expect(inputAt(c, "controlPlaneEndpointsConfig.dnsEndpointConfig.allowExternalTraffic")).toBe(true);
    const kubeconfig = JSON.parse(String(p.outputs["kubeconfigText"]));
    expect(kubeconfig.clusters[0].cluster.server).toMatch(
      /^https:\/\/gke-[0-9a-f]{12}-acme-ml\.europe-west4\.gke\.goog$/,
    );
    expect(kubeconfig.clusters[0].cluster["certificate-authority-data"]).toBeUndefined();
  });

  it("passes the release channel, version, driver version and system pool settings through", async () => {
    const p = await planOf(
      program({
        args: {
          releaseChannel: "STABLE",
          kubernetesVersion: "1.33",
          gpuDriverVersion: "DEFAULT",
          systemNodePool: { machineType: "e2-standard-8", minNodes: 2, maxNodes: 5 },
          gpuZones: [`${REGION}-b`],
          binaryAuthorization: true,
        },
        pools: [POOLS[0]!],
      }),
    );
    const c = findResource(p, T.cluster);
    expect(c.inputs).toMatchObject({
      releaseChannel: { channel: "STABLE" },
      minMasterVersion: "1.33",
      binaryAuthorization: { evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" },
    });
    expect(findResource(p, T.nodePool, "train-system-pool").inputs).toMatchObject({
      autoscaling: { minNodeCount: 2, maxNodeCount: 5 },
      nodeConfig: { machineType: "e2-standard-8" },
    });
    const gpu = gpuPool(p, "l4-spot");
    expect(gpu.inputs["nodeLocations"]).toEqual([`${REGION}-b`]);
    expect(inputAt(gpu, "nodeConfig.guestAccelerators[0].gpuDriverInstallationConfig.gpuDriverVersion")).toBe(
      "DEFAULT",
    );
  });

  it("node auto-provisioning: GPU limits per accelerator and hardened auto-provisioned nodes", async () => {
    const p = await planOf(
      program({
        args: {
          nodeAutoProvisioning: {
            enabled: true,
            gpuLimits: [
              { acceleratorType: "nvidia-l4", maxGpus: 16 },
              { acceleratorType: "nvidia-h100-80gb", maxGpus: 8 },
            ],
          },
        },
        pools: [],
      }),
    );
    const c = findResource(p, T.cluster);
    expect(c.inputs["clusterAutoscaling"]).toMatchObject({
      enabled: true,
      resourceLimits: [
        { resourceType: "cpu", minimum: 0, maximum: 128 },
        { resourceType: "memory", minimum: 0, maximum: 512 },
        { resourceType: "nvidia-l4", minimum: 0, maximum: 16 },
        { resourceType: "nvidia-h100-80gb", minimum: 0, maximum: 8 },
      ],
      autoProvisioningDefaults: {
        serviceAccount: NODE_SA_EMAIL,
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
        management: { autoRepair: true, autoUpgrade: true },
      },
    });
  });
});

describe("GKE target: GPU metrics", () => {
  it("managed DCGM adds DCGM to the monitored components, with managed Prometheus, and tells the in-cluster parts", async () => {
    const p = await planOf(
      program({
        environment: "dev",
        args: { masterAuthorizedNetworks: [OFFICE] },
        features: { managedDcgm: true },
      }),
    );
    expect(inputAt(findResource(p, T.cluster), "monitoringConfig")).toEqual({
      enableComponents: ["SYSTEM_COMPONENTS", "DCGM"],
      managedPrometheus: { enabled: true },
    });
    expect(p.outputs["managedGpuMetrics"]).toBe(true);
    // GKE's managed DCGM needs GKE-managed drivers: every GPU pool has them.
    for (const pool of POOLS) {
      expect(
        inputAt(gpuPool(p, pool.name), "nodeConfig.guestAccelerators[0].gpuDriverInstallationConfig"),
      ).toEqual({ gpuDriverVersion: "LATEST" });
    }
  });

  it("without it, no DCGM component", async () => {
    const p = await planOf(program({ environment: "dev", args: { masterAuthorizedNetworks: [OFFICE] } }));
    expect(inputAt(findResource(p, T.cluster), "monitoringConfig.enableComponents")).toEqual([
      "SYSTEM_COMPONENTS",
    ]);
    expect(p.outputs["managedGpuMetrics"]).toBe(false);
  });
});

describe("GKE target: GPU machine helpers", () => {
  it("maps each GPU type to its default machine, accelerator and GPUs per machine", () => {
    expect(gcpGpuMachine("nvidia-l4")).toEqual({
      machineType: "g2-standard-8",
      acceleratorType: "nvidia-l4",
      gpusPerMachine: 1,
    });
    expect(gcpGpuMachine("nvidia-a100")).toEqual({
      machineType: "a2-highgpu-1g",
      acceleratorType: "nvidia-tesla-a100",
      gpusPerMachine: 1,
    });
    expect(gcpGpuMachine("nvidia-h100")).toEqual({
      machineType: "a3-highgpu-8g",
      acceleratorType: "nvidia-h100-80gb",
      gpusPerMachine: 8,
    });
    expect(gcpGpuMachine("nvidia-a100", "a2-ultragpu-2g")).toEqual({
      machineType: "a2-ultragpu-2g",
      acceleratorType: "nvidia-a100-80gb",
      gpusPerMachine: 2,
    });
    expect(gcpGpuMachine("nvidia-h100", "a3-megagpu-8g").acceleratorType).toBe("nvidia-h100-mega-80gb");
    // A3 Ultra (H200) and A4 (B200): one 8-GPU shape each.
    expect(gcpGpuMachine("nvidia-h200")).toEqual({
      machineType: "a3-ultragpu-8g",
      acceleratorType: "nvidia-h200-141gb",
      gpusPerMachine: 8,
    });
    expect(gcpGpuMachine("nvidia-b200")).toEqual({
      machineType: "a4-highgpu-8g",
      acceleratorType: "nvidia-b200",
      gpusPerMachine: 8,
    });
  });

  it("rejects GPU types Google Cloud does not offer and machines without that GPU", () => {
    expect(() => gcpGpuMachine("nvidia-a10g")).toThrow(
      /"nvidia-a10g" is not offered on Google Cloud; use one of "nvidia-l4"/,
    );
    expect(() => gcpGpuMachine("nvidia-l40s")).toThrow(/not offered on Google Cloud/);
    expect(() => gcpGpuMachine("nvidia-l4", "a2-highgpu-1g")).toThrow(
      /"a2-highgpu-1g" is not a known .* nvidia-l4 GPUs; use one of g2-standard-4/,
    );
    expect(() => gcpGpuMachine("nvidia-h100", "n1-standard-8")).toThrow(/not a known/);
  });

  it("derives the node limit from maxGpus and never exceeds it", () => {
    expect(maxNodesForGpus(8, 1)).toBe(8);
    expect(maxNodesForGpus(20, 8)).toBe(2);
    expect(maxNodesForGpus(16, 8)).toBe(2);
    expect(() => maxNodesForGpus(4, 8)).toThrow(/less than the 8 GPUs of one machine/);
    expect(() => maxNodesForGpus(0, 1)).toThrow(/at least 1/);
    expect(() =>
      gcpGpuPoolShape({
        name: "big",
        gpuType: "nvidia-h100",
        capacityType: "spot",
        maxGpus: 4,
        instanceFamilies: [],
      }),
    ).toThrow(/^GPU pool "big": maxGpus: 4/);
  });

  it("keeps GKE names within 40 characters", () => {
    expect(gpuNodePoolName("l4-spot")).toBe("gpu-l4-spot");
    expect(gpuNodePoolName("a".repeat(60)).length).toBeLessThanOrEqual(40);
  });
});

describe("GKE target: physical names", () => {
  async function physicalNames(stack: string, clusterName?: string): Promise<string[]> {
    const plan = await planOf(
      program({
        environment: "dev",
        args: { masterAuthorizedNetworks: [OFFICE] },
        pools: [POOLS[0]!],
        ...(clusterName ? { clusterName } : {}),
      }),
      { stack },
    );
    return accountScopedPhysicalNames(plan)
      .map((u) => `${u.type} ${u.value}`)
      .sort();
  }

  it("puts the stack into every name that is unique per project: the cluster and the node service account", async () => {
    expect(await physicalNames("team-a.dev")).toEqual([
      "gcp:container/cluster:Cluster train-team-a-dev",
      "gcp:serviceaccount/account:Account train-team-a-dev-gke-nodes",
    ]);
  });

  it("uses an explicit clusterName as it is", async () => {
    expect(await physicalNames("team-a.dev", "ml-gke")).toEqual([
      "gcp:container/cluster:Cluster ml-gke",
      "gcp:serviceaccount/account:Account ml-gke-gke-nodes",
    ]);
  });

  it("keeps the service account id within 30 characters, with a hash that keeps stacks apart", async () => {
    const [a, b] = await Promise.all([
      physicalNames("production-europe-west4"),
      physicalNames("production-europe-west1"),
    ]);
    const account = (names: string[]) => names.find((n) => n.includes(":Account "))!.split(" ")[1]!;
    expect(account(a)).toMatch(/^train-production-europe-[0-9a-f]{6}$/);
    expect(account(a)).toHaveLength(30);
    expect(account(a)).not.toBe(account(b));
    expect(a.filter((n) => b.includes(n))).toEqual([]);
  });
});

describe("GKE target: args contract", () => {
  it("the hand-written interface and the zod schema agree", () => {
    expectTypeOf<z.input<typeof gcpClusterArgsSchema>>().toEqualTypeOf<GcpClusterArgs>();
    expectTypeOf<GcpClusterArgs>().toEqualTypeOf<z.input<typeof gcpClusterArgsSchema>>();
  });
});

describe("GKE target: bad input", () => {
  const issues = (args: Record<string, unknown>): string[] => {
    const result = gcpClusterArgsSchema.safeParse({ project: PROJECT, region: REGION, ...args });
    return result.success ? [] : formatIssues(result.error, "args.gcp");
  };

  it("accepts the minimal args", () => {
    expect(issues({})).toEqual([]);
  });

  it("rejects 0.0.0.0/0 and other Internet-sized authorized networks", () => {
    expect(issues({ masterAuthorizedNetworks: [{ cidrBlock: "0.0.0.0/0", displayName: "all" }] })).toEqual([
      expect.stringMatching(
        /^args\.gcp\.masterAuthorizedNetworks\[0\]\.cidrBlock: "0\.0\.0\.0\/0" opens the control plane/,
      ),
    ]);
    expect(
      issues({ masterAuthorizedNetworks: [{ cidrBlock: "0.0.0.0/1", displayName: "half" }] }),
    ).toHaveLength(1);
    expect(issues({ masterAuthorizedNetworks: [{ cidrBlock: "10.0.0.1/8", displayName: "x" }] })[0]).toMatch(
      /is not a network address \(host bits must be zero/,
    );
  });

  it("rejects a public endpoint without authorized networks", () => {
    expect(issues({ privateEndpoint: false })).toEqual([
      expect.stringMatching(/^args\.gcp\.masterAuthorizedNetworks: required when privateEndpoint is false/),
    ]);
    expect(resolveGcpClusterArgs({ project: PROJECT, region: REGION }, "dev").problems).toEqual([
      {
        path: ["masterAuthorizedNetworks"],
        message: expect.stringMatching(
          /required when the control plane endpoint is public \(the default in dev\)/,
        ),
      },
    ]);
    expect(resolveGcpClusterArgs({ project: PROJECT, region: REGION }, "prod").problems).toEqual([]);
  });

  it("rejects a public endpoint in prod", () => {
    const { problems } = resolveGcpClusterArgs(
      { project: PROJECT, region: REGION, privateEndpoint: false, masterAuthorizedNetworks: [OFFICE] },
      "prod",
    );
    expect(problems).toEqual([
      { path: ["privateEndpoint"], message: expect.stringMatching(/^must not be false in prod/) },
    ]);
  });

  it("rejects a private endpoint without the DNS endpoint (nothing could reach the new VPC's API)", () => {
    const { problems, resolved } = resolveGcpClusterArgs(
      { project: PROJECT, region: REGION, dnsEndpoint: false },
      "prod",
    );
    expect(problems).toEqual([
      { path: ["dnsEndpoint"], message: expect.stringMatching(/^must not be false with a private endpoint/) },
    ]);
    expect(resolved.dnsEndpoint).toBe(false);
    expect(resolveGcpClusterArgs({ project: PROJECT, region: REGION }, "prod").resolved.dnsEndpoint).toBe(
      true,
    );
  });

  it("rejects overlapping ranges, a master range that is not a /28 and zones of another region", () => {
    expect(issues({ podsCidr: "10.0.0.0/14" })).toEqual([
      expect.stringMatching(/^args\.gcp\.podsCidr: 10\.0\.0\.0\/14 overlaps nodesCidr \(10\.0\.0\.0\/20\)/),
    ]);
    expect(issues({ privateServiceAccessCidr: "10.8.0.0/16" })).toEqual([
      expect.stringMatching(/^args\.gcp\.privateServiceAccessCidr: .*overlaps servicesCidr/),
    ]);
    expect(issues({ proxyOnlySubnetCidr: "10.0.8.0/23" })).toEqual([
      expect.stringMatching(/^args\.gcp\.proxyOnlySubnetCidr: 10\.0\.8\.0\/23 overlaps nodesCidr/),
    ]);
    expect(issues({ proxyOnlySubnetCidr: "10.10.0.0/27" })).toEqual([
      expect.stringMatching(/^args\.gcp\.proxyOnlySubnetCidr: /),
    ]);
    expect(issues({ masterIpv4CidrBlock: "172.16.0.0/24" })).toEqual([
      expect.stringMatching(/^args\.gcp\.masterIpv4CidrBlock: "172\.16\.0\.0\/24" must be a \/28/),
    ]);
    expect(issues({ zones: ["us-central1-a"] })).toEqual([
      expect.stringMatching(/^args\.gcp\.zones\[0\]: "us-central1-a" is not a zone of region "europe-west4"/),
    ]);
  });

  it("rejects unknown keys, bad enums, a max below the min and bad NAP limits", () => {
    expect(issues({ enableLegacyAbac: true })).toEqual([
      "args.gcp.enableLegacyAbac: unknown key; remove it or check the spelling",
    ]);
    expect(issues({ releaseChannel: "NONE" })[0]).toMatch(
      /^args\.gcp\.releaseChannel: must be one of "RAPID", "REGULAR", "STABLE"/,
    );
    expect(issues({ systemNodePool: { minNodes: 3, maxNodes: 2 } })).toEqual([
      "args.gcp.systemNodePool.maxNodes: must be at least minNodes (3)",
    ]);
    expect(issues({ kubernetesVersion: "latest" })[0]).toMatch(
      /^args\.gcp\.kubernetesVersion: must be a GKE version/,
    );
    expect(
      issues({
        nodeAutoProvisioning: { enabled: true, gpuLimits: [{ acceleratorType: "nvidia-a10g", maxGpus: 4 }] },
      })[0],
    ).toMatch(/^args\.gcp\.nodeAutoProvisioning\.gpuLimits\[0\]\.acceleratorType: must be one of/);
    expect(issues({ project: "Acme" })[0]).toMatch(/^args\.gcp\.project: must be a project ID/);
  });

  it("the component's resolver rejects an unknown GPU machine, a too-small GPU limit and prod rules before creating anything", async () => {
    const bad: GpuPoolArgs[] = [
      { name: "a10g", gpuType: "nvidia-a10g", capacityType: "spot", maxGpus: 4 },
      { name: "l4", gpuType: "nvidia-l4", capacityType: "spot", maxGpus: 4, machineType: "g2-mega-1" },
      { name: "h100", gpuType: "nvidia-h100", capacityType: "on-demand", maxGpus: 4 },
      { name: "h100", gpuType: "nvidia-h100", capacityType: "on-demand", maxGpus: 8 },
    ];
    // The builder takes resolved args and checks nothing again: the component's resolver does.
    const run = planOf(() => {
      new GpuTrainingCluster("train", {
        target: "gcp",
        environment: "prod",
        gcp: { project: PROJECT, region: REGION, privateEndpoint: false, masterAuthorizedNetworks: [OFFICE] },
        gpuPools: bad,
      });
    });
    await expect(run).rejects.toThrow(/args\.gcp\.privateEndpoint: must not be false in prod/);
    const message = await run.catch((e: Error) => e.message);
    expect(message).toMatch(
      /args\.gpuPools: GPU pool "a10g": gpuType "nvidia-a10g" is not offered on Google Cloud/,
    );
    expect(message).toMatch(/args\.gpuPools: GPU pool "l4": machineType "g2-mega-1" is not a known/);
    expect(message).toMatch(/args\.gpuPools: GPU pool "h100": maxGpus: 4 is less than the 8 GPUs/);
    // A repeated pool name is the component's rule (one check, for every target).
    expect(message).toMatch(/args\.gpuPools\[3\]\.name: "h100" is used by another pool/);
  });
});
