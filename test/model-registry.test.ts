import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { ModelRegistry, type ModelRegistryArgs } from "../components";
import { allowedHosts } from "../components/model-registry/mlflow";
import { descendantsOf, findResource, inputAt, planOf, resourcesOfType, type Plan } from "./helpers";

const aws: NonNullable<ModelRegistryArgs["aws"]> = {
  vpcId: "vpc-123",
  vpcCidrBlock: "10.0.0.0/16",
  privateSubnetIds: ["subnet-a", "subnet-b"],
  nodeSecurityGroupId: "sg-nodes",
  oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
  oidcProviderUrl: "https://oidc.eks.us-east-1.amazonaws.com/id/ABC",
};
const gcp: NonNullable<ModelRegistryArgs["gcp"]> = {
  project: "acme-ml",
  region: "europe-west4",
  network: "projects/acme-ml/global/networks/ml",
};
const tags = { owner: "ml-platform", "cost-center": "cc-1", "data-classification": "internal" };

type Overrides = Partial<Omit<ModelRegistryArgs, "kubernetesProvider">>;

function registryPlan(overrides: Overrides): Promise<Plan> {
  return planOf(
    () => {
      const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
      new ModelRegistry("reg", { target: "local", tags, ...overrides, kubernetesProvider: provider });
    },
    { config: { "aws:region": "us-east-1", "gcp:project": "acme-ml", "gcp:region": "europe-west4" } },
  );
}

function deployment(plan: Plan) {
  return findResource(plan, "kubernetes:apps/v1:Deployment", "reg-server");
}

function mlflowContainer(plan: Plan): Record<string, unknown> {
  return inputAt(deployment(plan), "spec.template.spec.containers[0]") as Record<string, unknown>;
}

function envValue(plan: Plan, name: string): unknown {
  const env = mlflowContainer(plan)["env"] as { name: string; value?: unknown; valueFrom?: unknown }[];
  const entry = env.find((e) => e.name === name);
  return entry?.value ?? entry?.valueFrom;
}

/** The error a program fails with, as a string ("" when it succeeds). */
async function failure(overrides: Overrides): Promise<string> {
  try {
    await registryPlan(overrides);
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

describe("ModelRegistry on each target", () => {
  const cases: {
    target: "aws" | "gcp" | "local";
    extra: Overrides;
    db: string;
    bucket: string;
    uri: RegExp;
  }[] = [
    {
      target: "aws",
      extra: { aws },
      db: "aws:rds/instance:Instance",
      bucket: "aws:s3/bucket:Bucket",
      uri: /^s3:\/\//,
    },
    {
      target: "gcp",
      extra: { gcp },
      db: "gcp:sql/databaseInstance:DatabaseInstance",
      bucket: "gcp:storage/bucket:Bucket",
      uri: /^gs:\/\//,
    },
    {
      target: "local",
      extra: {},
      db: "kubernetes:apps/v1:StatefulSet",
      bucket: "kubernetes:apps/v1:Deployment",
      uri: /^s3:\/\//,
    },
  ];

  for (const c of cases) {
    it(`${c.target}: registers MLflow, its database and its object store under the component`, async () => {
      const plan = await registryPlan({ target: c.target, ...c.extra });
      const component = findResource(plan, "mlops:index:ModelRegistry", "reg");
      const children = descendantsOf(plan, component.urn);
      // Every resource of the program except the provider and the stack lives under the component.
      expect(children.length).toBe(plan.resources.length - 3);
      const types = new Set(children.map((r) => r.type));
      for (const type of [
        "kubernetes:core/v1:Namespace",
        "kubernetes:apps/v1:Deployment",
        "kubernetes:core/v1:Service",
        "kubernetes:core/v1:Secret",
        "kubernetes:core/v1:ServiceAccount",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        c.db,
        c.bucket,
      ]) {
        expect(types, type).toContain(type);
      }
      // Children are named after the component.
      for (const child of children) expect(child.name.startsWith("reg-"), child.name).toBe(true);
      const args = mlflowContainer(plan)["args"] as string[];
      const destination = args[args.indexOf("--artifacts-destination") + 1];
      expect(destination).toMatch(c.uri);
      expect(destination).toMatch(/\/mlflow-artifacts$/);
      expect(args).toContain("--serve-artifacts");
      expect(component.outputs?.["trackingUri"]).toBe("http://reg.mlflow.svc.cluster.local:5000");
      expect(component.outputs?.["databaseEndpoint"]).toBe("[secret]");
      expect(component.outputs?.["backendStoreUri"]).toBe("[secret]");
      expect(component.outputs?.["serviceAccountName"]).toBe("reg");
      expect(component.outputs?.["artifactLocation"]).toBe(destination);
    });
  }

  it("every target: each env var and each egress rule appears once (server-side apply rejects duplicate names)", async () => {
    for (const c of cases) {
      const plan = await registryPlan({ target: c.target, ...c.extra });
      const names = (mlflowContainer(plan)["env"] as { name: string }[]).map((e) => e.name);
      expect(names.length, c.target).toBe(new Set(names).size);
      const np = findResource(
        plan,
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "reg-server-network-policy",
      );
      const rules = (inputAt(np, "spec.egress") as unknown[]).map((r) => JSON.stringify(r));
      expect(rules.length, c.target).toBe(new Set(rules).size);
    }
  });

  it("aws: backend store goes over TLS, the server runs as the IRSA-annotated ServiceAccount", async () => {
    const plan = await registryPlan({ target: "aws", aws });
    const sa = findResource(plan, "kubernetes:core/v1:ServiceAccount");
    expect(inputAt(sa, "metadata.annotations")).toHaveProperty("eks.amazonaws.com/role-arn");
    expect(inputAt(deployment(plan), "spec.template.spec.serviceAccountName")).toBe("reg");
    const rds = findResource(plan, "aws:rds/instance:Instance");
    expect(rds.inputs["storageEncrypted"]).toBe(true);
    expect(rds.inputs["publiclyAccessible"]).toBe(false);
    expect(rds.inputs["password"]).toBe("[secret]");
  });
});

describe("ModelRegistry security posture", () => {
  it("MLflow pods meet Pod Security restricted, with requests, limits and probes", async () => {
    const plan = await registryPlan({});
    const spec = inputAt(deployment(plan), "spec.template.spec") as Record<string, unknown>;
    expect(spec["automountServiceAccountToken"]).toBe(false);
    expect(spec["securityContext"]).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const c = mlflowContainer(plan);
    expect(c["securityContext"]).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(c["resources"]).toEqual({
      requests: { cpu: "250m", memory: "512Mi" },
      limits: { cpu: "1", memory: "2Gi" },
    });
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      expect(c[probe], probe).toMatchObject({ httpGet: { path: "/health", port: "http" } });
    }
    expect(c["image"]).toBe("ghcr.io/mlflow/mlflow:v3.15.2-full");
    expect(c["volumeMounts"]).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
  });

  it("the namespace enforces restricted and denies all traffic by default", async () => {
    const plan = await registryPlan({});
    const ns = findResource(plan, "kubernetes:core/v1:Namespace");
    expect(inputAt(ns, "metadata.labels")).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      owner: "ml-platform",
      "cost-center": "cc-1",
    });
    const deny = findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "reg-default-deny");
    expect(deny.inputs["spec"]).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("the server NetworkPolicy admits clients on 5000 only and egress to DNS, database and store", async () => {
    const plan = await registryPlan({ target: "aws", aws });
    const np = findResource(
      plan,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "reg-server-network-policy",
    );
    expect(inputAt(np, "spec.podSelector.matchLabels")).toEqual({
      "app.kubernetes.io/name": "mlflow",
      "app.kubernetes.io/instance": "reg",
      "app.kubernetes.io/component": "model-registry",
    });
    expect(inputAt(np, "spec.ingress")).toEqual([
      {
        from: [
          { podSelector: {} },
          { namespaceSelector: { matchLabels: { "mlops.pulumi.com/mlflow-client": "true" } } },
        ],
        ports: [{ protocol: "TCP", port: 5000 }],
      },
    ]);
    const egress = inputAt(np, "spec.egress") as { ports: { port: number }[]; to: unknown[] }[];
    const ports = egress.flatMap((rule) => rule.ports.map((p) => p.port));
    expect(ports).toEqual(expect.arrayContaining([53, 5432, 443]));
    const dbRule = egress.find((rule) => rule.ports.some((p) => p.port === 5432));
    expect(dbRule?.to).toEqual([{ ipBlock: { cidr: "10.0.0.0/16" } }]);
  });

  it("no secret appears in clear: the backend URI is only in a Secret, referenced by secretKeyRef", async () => {
    const plan = await registryPlan({ target: "gcp", gcp });
    const secret = findResource(plan, "kubernetes:core/v1:Secret", "reg-server-config");
    expect(secret.inputs["stringData"]).toEqual({ "backend-store-uri": "[secret]" });
    expect(envValue(plan, "MLFLOW_BACKEND_STORE_URI")).toEqual({
      secretKeyRef: { name: "reg-server-config", key: "backend-store-uri" },
    });
    expect(JSON.stringify(plan)).not.toMatch(/postgresql\+psycopg2:\/\/mlflow:[A-Za-z0-9]/);
    expect(JSON.stringify(plan)).not.toMatch(/mock[0-9a-f]{28}/);
  });

  it("accepts only its own host names (MLflow's DNS-rebinding protection)", async () => {
    const plan = await registryPlan({ namespace: "ml" });
    expect(envValue(plan, "MLFLOW_SERVER_ALLOWED_HOSTS")).toBe(allowedHosts("reg", "ml"));
    expect(allowedHosts("reg", "ml", "mlflow.example.com").split(",")).toEqual(
      expect.arrayContaining(["reg.ml.svc.cluster.local:5000", "reg:5000", "mlflow.example.com"]),
    );
  });

  it("no Ingress and no auth by default: ClusterIP only", async () => {
    const plan = await registryPlan({});
    expect(resourcesOfType(plan, "kubernetes:networking.k8s.io/v1:Ingress")).toHaveLength(0);
    const svc = findResource(plan, "kubernetes:core/v1:Service", "reg-service");
    expect(inputAt(svc, "spec.type")).toBe("ClusterIP");
    expect(mlflowContainer(plan)["args"]).not.toContain("--app-name");
  });

  it("an enabled Ingress turns on TLS and basic auth, and admits the ingress controller", async () => {
    const plan = await registryPlan({
      ingress: { enabled: true, host: "mlflow.example.com", tlsSecretName: "mlflow-tls", className: "nginx" },
    });
    const ingress = findResource(plan, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(inputAt(ingress, "spec.tls")).toEqual([
      { hosts: ["mlflow.example.com"], secretName: "mlflow-tls" },
    ]);
    expect(inputAt(ingress, "spec.ingressClassName")).toBe("nginx");
    const args = mlflowContainer(plan)["args"] as string[];
    expect(args.slice(args.indexOf("--app-name"), args.indexOf("--app-name") + 2)).toEqual([
      "--app-name",
      "basic-auth",
    ]);
    expect(envValue(plan, "MLFLOW_AUTH_CONFIG_PATH")).toBe("/etc/mlflow/auth/basic_auth.ini");
    expect(envValue(plan, "MLFLOW_FLASK_SERVER_SECRET_KEY")).toEqual({
      secretKeyRef: { name: "reg-server-config", key: "flask-secret-key" },
    });
    const secret = findResource(plan, "kubernetes:core/v1:Secret", "reg-server-config");
    expect(Object.keys(secret.inputs["stringData"] as object).sort()).toEqual([
      "backend-store-uri",
      "basic_auth.ini",
      "flask-secret-key",
    ]);
    const np = findResource(
      plan,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "reg-server-network-policy",
    );
    expect(inputAt(np, "spec.ingress[0].from[2]")).toEqual({
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } },
    });
    const component = findResource(plan, "mlops:index:ModelRegistry");
    expect(component.outputs?.["adminPassword"]).toBe("[secret]");
    expect(component.outputs?.["externalUrl"]).toBe("https://mlflow.example.com");
  });

  it("a GKE (gce) Ingress: selected by annotation, and the NetworkPolicy admits Google's load balancer ranges", async () => {
    const plan = await registryPlan({
      ingress: { enabled: true, host: "mlflow.example.com", tlsSecretName: "mlflow-tls", className: "gce" },
    });
    const ingress = findResource(plan, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(inputAt(ingress, "metadata.annotations")).toEqual({ "kubernetes.io/ingress.class": "gce" });
    expect(inputAt(ingress, "spec.ingressClassName")).toBeUndefined();
    const np = findResource(
      plan,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "reg-server-network-policy",
    );
    expect(inputAt(np, "spec.ingress[0].from")).toEqual(
      expect.arrayContaining([
        { ipBlock: { cidr: "130.211.0.0/22" } },
        { ipBlock: { cidr: "35.191.0.0/16" } },
      ]),
    );
  });
});

describe("ModelRegistry environment presets", () => {
  it("dev: one replica, no PDB, small single-zone database, nothing protected, force-destroy bucket", async () => {
    const plan = await registryPlan({ target: "aws", aws, environment: "dev" });
    expect(inputAt(deployment(plan), "spec.replicas")).toBe(1);
    expect(inputAt(deployment(plan), "spec.template.spec.topologySpreadConstraints")).toBeUndefined();
    expect(resourcesOfType(plan, "kubernetes:policy/v1:PodDisruptionBudget")).toHaveLength(0);
    const rds = findResource(plan, "aws:rds/instance:Instance");
    expect(rds.inputs).toMatchObject({
      instanceClass: "db.t4g.micro",
      multiAz: false,
      deletionProtection: false,
      backupRetentionPeriod: 1,
      allocatedStorage: 20,
    });
    expect(plan.resources.filter((r) => r.protect || r.retainOnDelete)).toEqual([]);
    expect(findResource(plan, "aws:s3/bucket:Bucket", "reg-artifacts-bucket").inputs["forceDestroy"]).toBe(
      true,
    );
  });

  it("prod: 2 replicas spread over zones, PDB, Multi-AZ protected database with 14-day backups", async () => {
    const plan = await registryPlan({ target: "aws", aws, environment: "prod" });
    expect(inputAt(deployment(plan), "spec.replicas")).toBe(2);
    expect(inputAt(deployment(plan), "spec.template.spec.topologySpreadConstraints[0].topologyKey")).toBe(
      "topology.kubernetes.io/zone",
    );
    const pdb = findResource(plan, "kubernetes:policy/v1:PodDisruptionBudget");
    expect(inputAt(pdb, "spec.minAvailable")).toBe(1);
    const rds = findResource(plan, "aws:rds/instance:Instance");
    expect(rds.inputs).toMatchObject({
      instanceClass: "db.m7g.large",
      multiAz: true,
      deletionProtection: true,
      backupRetentionPeriod: 14,
      allocatedStorage: 100,
      storageEncrypted: true,
    });
    const protectedTypes = plan.resources.filter((r) => r.protect && r.retainOnDelete).map((r) => r.type);
    expect(protectedTypes).toEqual(
      expect.arrayContaining(["aws:rds/instance:Instance", "aws:s3/bucket:Bucket", "aws:kms/key:Key"]),
    );
    expect(findResource(plan, "aws:s3/bucket:Bucket", "reg-artifacts-bucket").inputs["forceDestroy"]).toBe(
      false,
    );
  });

  it("prod on gcp: regional Cloud SQL with PITR and deletion protection", async () => {
    const plan = await registryPlan({ target: "gcp", gcp, environment: "prod" });
    const sql = findResource(plan, "gcp:sql/databaseInstance:DatabaseInstance");
    expect(sql.inputs["deletionProtection"]).toBe(true);
    expect(inputAt(sql, "settings.availabilityType")).toBe("REGIONAL");
    expect(inputAt(sql, "settings.backupConfiguration.pointInTimeRecoveryEnabled")).toBe(true);
    expect(inputAt(sql, "settings.ipConfiguration.ipv4Enabled")).toBe(false);
    expect(sql.protect && sql.retainOnDelete).toBe(true);
  });

  it("explicit values override the preset", async () => {
    const plan = await registryPlan({
      target: "aws",
      aws,
      environment: "prod",
      replicas: 4,
      database: { backupRetentionDays: 30, size: "large" },
    });
    expect(inputAt(deployment(plan), "spec.replicas")).toBe(4);
    expect(findResource(plan, "aws:rds/instance:Instance").inputs).toMatchObject({
      backupRetentionPeriod: 30,
      instanceClass: "db.r7g.xlarge",
    });
  });
});

describe("ModelRegistry rejects bad input before creating children", () => {
  const cases: [string, Overrides, RegExp][] = [
    ["aws target without aws block", { target: "aws" }, /args\.aws: required when target is "aws"/],
    ["block of another target", { target: "local", gcp }, /args\.gcp: only used when target is "gcp"/],
    [
      "irsa without OIDC",
      { target: "aws", aws: { ...aws, oidcProviderArn: undefined } },
      /args\.aws\.oidcProviderArn: required/,
    ],
    [
      "one subnet",
      { target: "aws", aws: { ...aws, privateSubnetIds: ["subnet-a"] } },
      /args\.aws\.privateSubnetIds: needs at least two/,
    ],
    [
      "replicas 1 in prod",
      { environment: "prod", replicas: 1 },
      /args\.replicas: must be at least 2 in prod/,
    ],
    [
      "short backups in prod",
      { environment: "prod", database: { backupRetentionDays: 3 } },
      /args\.database\.backupRetentionDays: must be at least 7 in prod/,
    ],
    ["latest image", { image: "ghcr.io/mlflow/mlflow:latest" }, /args\.image: must be pinned/],
    [
      "ingress without TLS",
      { ingress: { enabled: true, host: "mlflow.example.com" } },
      /args\.ingress\.tlsSecretName: required/,
    ],
    [
      "ingress with auth off",
      { ingress: { enabled: true, host: "m.example.com", tlsSecretName: "t" }, auth: { enabled: false } },
      /args\.auth\.enabled: must not be false while the Ingress is enabled/,
    ],
    ["bad namespace", { namespace: "ML_Flow" }, /args\.namespace: must be a DNS-1123 label/],
    ["unknown key", { replica: 2 } as Overrides, /args\.replica: unknown key/],
    [
      "bad quantity",
      { resources: { cpuLimit: "lots" } },
      /args\.resources\.cpuLimit: must be a Kubernetes quantity/,
    ],
  ];
  for (const [title, overrides, message] of cases) {
    it(title, async () => {
      expect(await failure(overrides)).toMatch(message);
    });
  }

  it("lists every problem at once", async () => {
    const message = await failure({ target: "aws", replicas: 0, image: "x:latest" });
    expect(message).toMatch(/args\.aws: required/);
    expect(message).toMatch(/args\.replicas: /);
    expect(message).toMatch(/args\.image: /);
  });

  it("registers no child when the args are invalid", async () => {
    let plan: Plan | undefined;
    const resources: string[] = [];
    try {
      plan = await planOf(() => {
        const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
        try {
          new ModelRegistry("reg", { target: "aws", kubernetesProvider: provider });
        } catch {
          resources.push("threw");
        }
      });
    } catch {
      // not reached: the error is caught inside the program
    }
    expect(resources).toEqual(["threw"]);
    expect(plan?.resources.map((r) => r.type).sort()).toEqual([
      "mlops:index:ModelRegistry",
      "pulumi:providers:kubernetes",
      "pulumi:pulumi:Stack",
    ]);
  });
});
