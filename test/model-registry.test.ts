import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  ModelRegistry,
  type AwsTargetArgs,
  type GcpTargetArgs,
  type ModelRegistryArgs,
  type Target,
} from "../components";
import { DEFAULT_INGRESS_CLASS } from "../components/adapters";
import { LOCAL_INGRESS } from "../components/adapters/local";
import { backendStoreUri, basicAuthIni, migrationScript } from "../components/model-registry/config";
import { allowedHosts } from "../components/model-registry/mlflow";
import { descendantsOf, findResource, inputAt, planOf, resourcesOfType, type Plan } from "./helpers";
import { fakeClusterHandle } from "./training-cluster/fixtures";

const aws: AwsTargetArgs = {
  vpcId: "vpc-123",
  vpcCidrBlock: "10.0.0.0/16",
  privateSubnetIds: ["subnet-a", "subnet-b"],
  nodeSecurityGroupId: "sg-nodes",
  // IRSA is chosen explicitly: the default is "podIdentity" (DEFAULT_AWS_IDENTITY_MODE).
  identityMode: "irsa",
  oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
  oidcProviderUrl: "https://oidc.eks.us-east-1.amazonaws.com/id/ABC",
};
const gcp: GcpTargetArgs = {
  project: "acme-ml",
  region: "europe-west4",
  network: "projects/acme-ml/global/networks/ml",
};
const tags = { owner: "ml-platform", "cost-center": "cc-1", "data-classification": "internal" };

/** Registry args, plus the target and cloud details of the (fake) cluster handle it gets. */
type Overrides = Partial<Omit<ModelRegistryArgs, "cluster">> & {
  target?: Target;
  aws?: AwsTargetArgs;
  gcp?: GcpTargetArgs;
};

/** The registry's args: `overrides` with a handle of target `target` (default "local") and its details. */
function registryArgs(overrides: Overrides): ModelRegistryArgs {
  const { target, aws: awsDetails, gcp: gcpDetails, ...rest } = overrides;
  const cluster = fakeClusterHandle({
    target: target ?? "local",
    ...(awsDetails ? { aws: awsDetails } : {}),
    ...(gcpDetails ? { gcp: gcpDetails } : {}),
  });
  return { tags, ...rest, cluster };
}

function registryPlan(overrides: Overrides): Promise<Plan> {
  return planOf(
    () => {
      new ModelRegistry("reg", registryArgs(overrides));
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
    const deny = findResource(
      plan,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "reg-namespace-default-deny",
    );
    expect(deny.inputs["spec"]).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    // Each workload's own policy allows DNS, so the namespace has no namespace-wide DNS policy.
    expect(
      resourcesOfType(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.inputs["metadata"]),
    ).not.toContainEqual(expect.objectContaining({ name: "allow-dns-egress" }));
  });

  it("the namespace is a RestrictedNamespace and the server a SecureWorkload; moved objects alias their old URNs", async () => {
    const plan = await registryPlan({ target: "aws", aws, environment: "prod" });
    const registry = findResource(plan, "mlops:index:ModelRegistry", "reg");
    const namespace = findResource(plan, "mlops:index:RestrictedNamespace", "reg-namespace");
    const server = findResource(plan, "mlops:index:SecureWorkload", "reg-server");
    expect(namespace.parent).toBe(registry.urn);
    expect(server.parent).toBe(registry.urn);
    const childrenOf = (urn: string) =>
      plan.resources
        .filter((r) => r.parent === urn)
        .map((r) => `${r.type} ${r.name}`)
        .sort();
    expect(childrenOf(namespace.urn)).toEqual([
      "kubernetes:core/v1:Namespace reg-namespace",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy reg-namespace-default-deny",
    ]);
    expect(childrenOf(server.urn)).toEqual([
      "kubernetes:apps/v1:Deployment reg-server",
      "kubernetes:core/v1:Service reg-server-service",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy reg-server-network-policy",
      "kubernetes:policy/v1:PodDisruptionBudget reg-server-pdb",
    ]);
    // The Secret, the migration Job and its policy, and the adapter's ServiceAccount stay put.
    for (const [type, name] of [
      ["kubernetes:core/v1:Secret", "reg-server-config"],
      ["kubernetes:batch/v1:Job", "reg-db-migrate"],
      ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "reg-db-migrate-network-policy"],
      ["kubernetes:core/v1:ServiceAccount", "reg-server-sa"],
    ] as const) {
      expect(findResource(plan, type, name).parent, name).toBe(registry.urn);
    }
    // Each moved object aliases the URN it had directly under the registry (`pulumi up` adopts it).
    const old = (type: string, name: string) =>
      `urn:pulumi:test::mlops::mlops:index:ModelRegistry$${type}::${name}`;
    for (const [type, name, oldName] of [
      ["kubernetes:core/v1:Namespace", "reg-namespace", "reg-namespace"],
      ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "reg-namespace-default-deny", "reg-default-deny"],
      ["kubernetes:apps/v1:Deployment", "reg-server", "reg-server"],
      ["kubernetes:core/v1:Service", "reg-server-service", "reg-service"],
      [
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "reg-server-network-policy",
        "reg-server-network-policy",
      ],
      ["kubernetes:policy/v1:PodDisruptionBudget", "reg-server-pdb", "reg-server-pdb"],
    ] as const) {
      expect(findResource(plan, type, name).aliases, name).toContain(old(type, oldName));
    }
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
    const svc = findResource(plan, "kubernetes:core/v1:Service", "reg-server-service");
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
    [
      "handle of an aws cluster without aws details",
      { target: "aws" },
      /args\.cluster\.aws: required when the cluster's target is "aws"/,
    ],
    [
      "handle with details of another target",
      { target: "local", gcp },
      /args\.cluster\.gcp: only used when the cluster's target is "gcp"/,
    ],
    [
      "irsa without OIDC",
      { target: "aws", aws: { ...aws, oidcProviderArn: undefined } },
      /args\.cluster\.aws\.oidcProviderArn: required/,
    ],
    [
      "one subnet",
      { target: "aws", aws: { ...aws, privateSubnetIds: ["subnet-a"] } },
      /args\.cluster\.aws\.privateSubnetIds: needs at least two/,
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
    expect(message).toMatch(/args\.cluster\.aws: required/);
    expect(message).toMatch(/args\.replicas: /);
    expect(message).toMatch(/args\.image: /);
  });

  it("registers no child when the args are invalid", async () => {
    let plan: Plan | undefined;
    const resources: string[] = [];
    try {
      plan = await planOf(() => {
        const cluster = fakeClusterHandle({ target: "aws" });
        try {
          new ModelRegistry("reg", { cluster });
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

const CERT_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8877-665544332211";
const CLIENTS = { namespaceSelector: { matchLabels: { "mlops.pulumi.com/mlflow-client": "true" } } };

function serverPolicy(plan: Plan) {
  return findResource(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "reg-server-network-policy");
}

describe("ModelRegistry Ingress per class (HTTPS only, artifact-sized limits, load balancer sources)", () => {
  it("aws: an internal ALB by default, HTTPS:443 only with the ACM certificate, pod IPs admitted from the VPC", async () => {
    const plan = await registryPlan({
      target: "aws",
      aws,
      ingress: { enabled: true, host: "mlflow.example.com", certificateArn: CERT_ARN },
    });
    const ingress = findResource(plan, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(inputAt(ingress, "spec.ingressClassName")).toBe("alb");
    expect(inputAt(ingress, "metadata.annotations")).toEqual({
      "alb.ingress.kubernetes.io/scheme": "internal",
      "alb.ingress.kubernetes.io/target-type": "ip",
      "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
      "alb.ingress.kubernetes.io/certificate-arn": CERT_ARN,
      "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
      "alb.ingress.kubernetes.io/backend-protocol": "HTTP",
      "alb.ingress.kubernetes.io/healthcheck-path": "/health",
      "alb.ingress.kubernetes.io/success-codes": "200",
      "alb.ingress.kubernetes.io/load-balancer-attributes":
        "idle_timeout.timeout_seconds=600,routing.http.drop_invalid_header_fields.enabled=true",
    });
    // TLS comes from ACM: no Secret.
    expect(inputAt(ingress, "spec.tls")).toEqual([{ hosts: ["mlflow.example.com"] }]);
    // The ALB reaches pod IPs from its ENIs in the VPC; no controller namespace is admitted.
    expect(inputAt(serverPolicy(plan), "spec.ingress")).toEqual([
      {
        from: [{ podSelector: {} }, CLIENTS, { ipBlock: { cidr: "10.0.0.0/16" } }],
        ports: [{ protocol: "TCP", port: 5000 }],
      },
    ]);
    expect(
      inputAt(findResource(plan, "kubernetes:core/v1:Service", "reg-server-service"), "metadata.annotations"),
    ).toBe(undefined);
  });

  it("gcp: GKE's internal load balancer by default, HTTPS only, NEGs, a BackendConfig with the artifact timeout", async () => {
    const plan = await registryPlan({
      target: "gcp",
      gcp: { ...gcp, proxyOnlySubnetCidr: "10.129.0.0/23" },
      ingress: { enabled: true, host: "mlflow.example.com", tlsSecretName: "mlflow-tls" },
    });
    const ingress = findResource(plan, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(inputAt(ingress, "metadata.annotations")).toEqual({
      "kubernetes.io/ingress.class": "gce-internal",
      "kubernetes.io/ingress.allow-http": "false",
    });
    expect(inputAt(ingress, "spec.ingressClassName")).toBeUndefined();
    expect(inputAt(ingress, "spec.tls")).toEqual([
      { hosts: ["mlflow.example.com"], secretName: "mlflow-tls" },
    ]);
    const backendConfig = findResource(
      plan,
      "kubernetes:cloud.google.com/v1:BackendConfig",
      "reg-backend-config",
    );
    expect(inputAt(backendConfig, "metadata.name")).toBe("reg");
    expect(inputAt(backendConfig, "spec")).toEqual({
      timeoutSec: 3600,
      healthCheck: { type: "HTTP", requestPath: "/health", port: 5000 },
    });
    const service = findResource(plan, "kubernetes:core/v1:Service", "reg-server-service");
    expect(inputAt(service, "spec.type")).toBe("ClusterIP");
    expect(inputAt(service, "metadata.annotations")).toEqual({
      "cloud.google.com/neg": '{"ingress":true}',
      "cloud.google.com/backend-config": '{"default":"reg"}',
    });
    expect(service.dependencies).toContain(backendConfig.urn);
    expect(inputAt(serverPolicy(plan), "spec.ingress[0].from")).toEqual([
      { podSelector: {} },
      CLIENTS,
      { ipBlock: { cidr: "130.211.0.0/22" } },
      { ipBlock: { cidr: "35.191.0.0/16" } },
      { ipBlock: { cidr: "10.129.0.0/23" } },
    ]);
  });

  it('gcp: class "gce" (external) admits Google front-end and health-check ranges only', async () => {
    const plan = await registryPlan({
      target: "gcp",
      gcp,
      ingress: { enabled: true, host: "mlflow.example.com", tlsSecretName: "mlflow-tls", className: "gce" },
    });
    const ingress = findResource(plan, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(inputAt(ingress, "metadata.annotations")).toEqual({
      "kubernetes.io/ingress.class": "gce",
      "kubernetes.io/ingress.allow-http": "false",
    });
    expect(inputAt(serverPolicy(plan), "spec.ingress[0].from")).toEqual([
      { podSelector: {} },
      CLIENTS,
      { ipBlock: { cidr: "130.211.0.0/22" } },
      { ipBlock: { cidr: "35.191.0.0/16" } },
    ]);
  });

  it("nginx (the local default): HTTPS redirect, 5 GiB bodies streamed, 600 s proxy timeouts, its namespace admitted", async () => {
    const plan = await registryPlan({
      ingress: { enabled: true, host: "mlflow.example.com", tlsSecretName: "mlflow-tls" },
    });
    const ingress = findResource(plan, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(inputAt(ingress, "spec.ingressClassName")).toBe("nginx");
    expect(inputAt(ingress, "metadata.annotations")).toEqual({
      "nginx.ingress.kubernetes.io/ssl-redirect": "true",
      "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
      "nginx.ingress.kubernetes.io/proxy-body-size": "5g",
      "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
      "nginx.ingress.kubernetes.io/proxy-read-timeout": "600",
      "nginx.ingress.kubernetes.io/proxy-send-timeout": "600",
    });
    expect(inputAt(serverPolicy(plan), "spec.ingress[0].from")).toEqual([
      { podSelector: {} },
      CLIENTS,
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
    ]);
  });

  it("a bring-your-own class on a cloud: its class name, the caller's annotations, its controller namespace", async () => {
    const plan = await registryPlan({
      target: "aws",
      aws,
      ingress: {
        enabled: true,
        host: "mlflow.example.com",
        tlsSecretName: "mlflow-tls",
        className: "traefik",
        controllerNamespace: "traefik",
        annotations: { "traefik.ingress.kubernetes.io/router.tls": "true" },
      },
    });
    const ingress = findResource(plan, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(inputAt(ingress, "spec.ingressClassName")).toBe("traefik");
    expect(inputAt(ingress, "metadata.annotations")).toEqual({
      "traefik.ingress.kubernetes.io/router.tls": "true",
    });
    expect(inputAt(serverPolicy(plan), "spec.ingress[0].from")).toEqual([
      { podSelector: {} },
      CLIENTS,
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } } },
    ]);
  });

  it("the caller's annotations and source CIDRs win over the class's own", async () => {
    const plan = await registryPlan({
      target: "aws",
      aws,
      ingress: {
        enabled: true,
        host: "mlflow.example.com",
        certificateArn: CERT_ARN,
        annotations: { "alb.ingress.kubernetes.io/group.name": "ml" },
        sourceCidrs: ["10.0.64.0/20"],
      },
    });
    const ingress = findResource(plan, "kubernetes:networking.k8s.io/v1:Ingress");
    expect(inputAt(ingress, "metadata.annotations")).toMatchObject({
      "alb.ingress.kubernetes.io/scheme": "internal",
      "alb.ingress.kubernetes.io/group.name": "ml",
    });
    expect(inputAt(serverPolicy(plan), "spec.ingress[0].from")).toEqual([
      { podSelector: {} },
      CLIENTS,
      { ipBlock: { cidr: "10.0.64.0/20" } },
    ]);
  });

  const bad: [string, Overrides, RegExp][] = [
    [
      "alb without a certificate",
      { target: "aws", aws, ingress: { enabled: true, host: "m.example.com" } },
      /args\.ingress\.certificateArn: required for IngressClass "alb"/,
    ],
    [
      "alb with a TLS Secret",
      {
        target: "aws",
        aws,
        ingress: { enabled: true, host: "m.example.com", certificateArn: CERT_ARN, tlsSecretName: "t" },
      },
      /args\.ingress\.tlsSecretName: not used by IngressClass "alb"/,
    ],
    [
      "a certificate ARN with another class",
      { ingress: { enabled: true, host: "m.example.com", tlsSecretName: "t", certificateArn: CERT_ARN } },
      /args\.ingress\.certificateArn: only used by IngressClass "alb", not "nginx"/,
    ],
    [
      "alb on gcp",
      {
        target: "gcp",
        gcp,
        ingress: { enabled: true, host: "m.example.com", className: "alb", certificateArn: CERT_ARN },
      },
      /args\.ingress\.className: "alb" is served only on target "aws", not on "gcp"/,
    ],
    [
      "gce on local",
      { ingress: { enabled: true, host: "m.example.com", tlsSecretName: "t", className: "gce" } },
      /args\.ingress\.className: "gce" is served only on target "gcp", not on "local"/,
    ],
    [
      "a controller namespace for a cloud load balancer",
      {
        target: "gcp",
        gcp,
        ingress: {
          enabled: true,
          host: "m.example.com",
          tlsSecretName: "t",
          className: "gce",
          controllerNamespace: "kube-system",
        },
      },
      /args\.ingress\.controllerNamespace: not used by IngressClass "gce"/,
    ],
    [
      "gce-internal without the proxy-only subnet",
      { target: "gcp", gcp, ingress: { enabled: true, host: "m.example.com", tlsSecretName: "t" } },
      /args\.gcp\.proxyOnlySubnetCidr: required for IngressClass "gce-internal"/,
    ],
    [
      "a malformed certificate ARN",
      {
        target: "aws",
        aws,
        ingress: { enabled: true, host: "m.example.com", certificateArn: "arn:aws:iam::1:role/x" },
      },
      /args\.ingress\.certificateArn: must be an ACM certificate ARN/,
    ],
    [
      "an annotation that lets a GKE Ingress serve plain HTTP",
      {
        target: "gcp",
        gcp: { ...gcp, proxyOnlySubnetCidr: "10.129.0.0/23" },
        ingress: {
          enabled: true,
          host: "m.example.com",
          tlsSecretName: "t",
          annotations: { "kubernetes.io/ingress.allow-http": "true" },
        },
      },
      /args\.ingress\.annotations\.kubernetes\.io\/ingress\.allow-http: is set by the component to keep the Ingress HTTPS-only/,
    ],
    [
      "an annotation that adds an HTTP listener to the ALB",
      {
        target: "aws",
        aws,
        ingress: {
          enabled: true,
          host: "m.example.com",
          certificateArn: CERT_ARN,
          annotations: { "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP":80},{"HTTPS":443}]' },
        },
      },
      /args\.ingress\.annotations\.alb\.ingress\.kubernetes\.io\/listen-ports: is set by the component/,
    ],
    [
      "an annotation that turns nginx's HTTPS redirect off",
      {
        ingress: {
          enabled: true,
          host: "m.example.com",
          tlsSecretName: "t",
          annotations: { "nginx.ingress.kubernetes.io/force-ssl-redirect": "false" },
        },
      },
      /args\.ingress\.annotations\.nginx\.ingress\.kubernetes\.io\/force-ssl-redirect: is set by the component/,
    ],
  ];
  for (const [title, overrides, message] of bad) {
    it(`rejects ${title}`, async () => {
      expect(await failure(overrides)).toMatch(message);
    });
  }

  it("each target's default class is the one its adapter serves", () => {
    expect(DEFAULT_INGRESS_CLASS).toEqual({ aws: "alb", gcp: "gce-internal", local: "nginx" });
    expect(LOCAL_INGRESS.defaultClassName).toBe(DEFAULT_INGRESS_CLASS.local);
  });
});

describe("ModelRegistry schema migration runs once, before any replica", () => {
  it("a restricted Job of the same image migrates the database; the Deployment waits for it", async () => {
    const plan = await registryPlan({
      target: "aws",
      aws,
      ingress: { enabled: true, host: "m.example.com", certificateArn: CERT_ARN },
    });
    const job = findResource(plan, "kubernetes:batch/v1:Job", "reg-db-migrate");
    expect(inputAt(job, "metadata.name")).toBeUndefined(); // generated: a changed Job is replaced under a new name
    expect(inputAt(job, "spec.backoffLimit")).toBe(4);
    const pod = inputAt(job, "spec.template.spec") as Record<string, unknown>;
    expect(pod["restartPolicy"]).toBe("Never");
    expect(pod["automountServiceAccountToken"]).toBe(false);
    expect(pod["securityContext"]).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const c = inputAt(job, "spec.template.spec.containers[0]") as Record<string, unknown>;
    expect(c["image"]).toBe(mlflowContainer(plan)["image"]);
    expect(c["command"]).toEqual(["/bin/sh", "-c"]);
    expect(c["args"]).toEqual([migrationScript(true)]);
    expect(c["env"]).toEqual([
      {
        name: "MLFLOW_BACKEND_STORE_URI",
        valueFrom: { secretKeyRef: { name: "reg-server-config", key: "backend-store-uri" } },
      },
      { name: "HOME", value: "/tmp" },
      { name: "TMPDIR", value: "/tmp" },
    ]);
    expect(c["securityContext"]).toEqual(mlflowContainer(plan)["securityContext"]);
    expect(c["resources"]).toEqual({
      requests: { cpu: "250m", memory: "512Mi" },
      limits: { cpu: "1", memory: "2Gi" },
    });
    // The Job's pods are not the Service's endpoints.
    expect(inputAt(job, "spec.template.metadata.labels")).toMatchObject({
      "app.kubernetes.io/component": "db-migration",
    });
    expect(deployment(plan).dependencies).toContain(job.urn);
    // Its own NetworkPolicy: nothing in, DNS and the database out.
    const np = findResource(
      plan,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "reg-db-migrate-network-policy",
    );
    expect(inputAt(np, "spec.podSelector.matchLabels")).toEqual({
      "app.kubernetes.io/name": "mlflow",
      "app.kubernetes.io/instance": "reg",
      "app.kubernetes.io/component": "db-migration",
    });
    expect(inputAt(np, "spec.ingress")).toEqual([]);
    const egress = inputAt(np, "spec.egress") as { ports: { port: number }[] }[];
    expect(egress.map((r) => r.ports.map((p) => p.port))).toEqual([[53, 53], [5432]]);
    expect(job.dependencies).toContain(np.urn);
  });

  it("the script initializes a fresh database, upgrades an old one, and migrates the auth tables only with auth", () => {
    expect(migrationScript(false)).toBe(
      [
        "set -eu",
        "python -c 'import os; from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore; " +
          'SqlAlchemyStore(os.environ["MLFLOW_BACKEND_STORE_URI"], "mlflow-artifacts:/")\' || mlflow db upgrade "$MLFLOW_BACKEND_STORE_URI"',
      ].join("\n"),
    );
    expect(migrationScript(true)).toBe(
      `${migrationScript(false)}\npython -c 'import os; from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore; ` +
        `SqlAlchemyStore().init_db(os.environ["MLFLOW_BACKEND_STORE_URI"])'`,
    );
    expect(migrationScript(true)).not.toMatch(/postgresql/);
  });
});

describe("ModelRegistry waits for its cloud identity", () => {
  it("aws podIdentity: the Deployment depends on the Pod Identity association and the role policy", async () => {
    const plan = await registryPlan({
      target: "aws",
      aws: {
        ...aws,
        identityMode: "podIdentity",
        clusterName: "ml-cluster",
        oidcProviderArn: undefined,
        oidcProviderUrl: undefined,
      },
    });
    const association = findResource(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation");
    const policy = findResource(plan, "aws:iam/rolePolicy:RolePolicy");
    expect(deployment(plan).dependencies).toEqual(expect.arrayContaining([association.urn, policy.urn]));
  });

  it("aws irsa: the Deployment depends on the role policy", async () => {
    const plan = await registryPlan({ target: "aws", aws });
    const policy = findResource(plan, "aws:iam/rolePolicy:RolePolicy");
    expect(deployment(plan).dependencies).toContain(policy.urn);
  });
});

describe("ModelRegistry rendered configuration", () => {
  const settings = {
    defaultPermission: "READ",
    databaseUri: "postgresql+psycopg2://mlflow:secret@db.internal:5432/mlflow?sslmode=require",
    adminUsername: "admin",
    adminPassword: "Zx9".repeat(11),
  };

  it("basic_auth.ini: exactly MLflow's keys, with the given permission and credentials", () => {
    expect(basicAuthIni(settings)).toBe(
      [
        "[mlflow]",
        "default_permission = READ",
        "database_uri = postgresql+psycopg2://mlflow:secret@db.internal:5432/mlflow?sslmode=require",
        "admin_username = admin",
        `admin_password = ${"Zx9".repeat(11)}`,
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth",
        "",
      ].join("\n"),
    );
  });

  it("basic_auth.ini: refuses MLflow's published admin password, short passwords and line breaks; escapes %", () => {
    expect(() => basicAuthIni({ ...settings, adminPassword: "password1234" })).toThrow(/published default/);
    expect(() => basicAuthIni({ ...settings, adminPassword: "short" })).toThrow(/at least 16/);
    expect(() => basicAuthIni({ ...settings, adminUsername: "admin\nadmin_password = x" })).toThrow(
      /single line/,
    );
    expect(basicAuthIni({ ...settings, databaseUri: "postgresql://u:p%40ss@h/db" })).toContain(
      "database_uri = postgresql://u:p%%40ss@h/db\n",
    );
  });

  it("the backend store URI percent-encodes the credentials", () => {
    expect(
      backendStoreUri({
        username: "mlflow",
        password: "a/b@c",
        host: "db",
        port: 5432,
        databaseName: "mlflow",
        sslMode: "require",
      }),
    ).toBe("postgresql+psycopg2://mlflow:a%2Fb%40c@db:5432/mlflow?sslmode=require");
  });

  it("the component renders basic_auth.ini with READ for everyone, the generated admin password and the backend store", async () => {
    const data = await renderedServerConfig({
      ingress: { enabled: true, host: "m.example.com", tlsSecretName: "t" },
    });
    const password = data.passwords["reg-admin-password"]!;
    const dbPassword = data.passwords["reg-db-password"]!;
    const uri = `postgresql+psycopg2://mlflow:${dbPassword}@reg-db-postgres.mlflow.svc.cluster.local:5432/mlflow?sslmode=disable`;
    expect(data.stringData["backend-store-uri"]).toBe(uri);
    expect(data.stringData["basic_auth.ini"]).toBe(
      basicAuthIni({
        defaultPermission: "READ",
        databaseUri: uri,
        adminUsername: "admin",
        adminPassword: password,
      }),
    );
    expect(data.stringData["basic_auth.ini"]).toMatch(/^default_permission = READ$/m);
    expect(password).not.toBe("password1234");
  });
});

/**
 * Builds the registry under plain Pulumi mocks (whose resource inputs carry secret values in
 * clear, unlike the plan, which masks them) and returns the server Secret's data and the generated
 * passwords.
 */
async function renderedServerConfig(
  overrides: Overrides,
): Promise<{ stringData: Record<string, string>; passwords: Record<string, string> }> {
  const passwords: Record<string, string> = {};
  let resolveData: (d: Record<string, string>) => void = () => undefined;
  const data = new Promise<Record<string, string>>((resolve) => (resolveData = resolve));
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "random:index/randomPassword:RandomPassword") {
          passwords[args.name] = `${args.name.replace(/[^a-z]/g, "")}${"7".repeat(24)}`;
          state["result"] = passwords[args.name];
        }
        if (args.type === "kubernetes:core/v1:Secret" && args.name === "reg-server-config") {
          // Mocks see secrets as { <signature key>: <secret signature>, value }.
          const raw = args.inputs["stringData"] as { value?: Record<string, string> };
          resolveData(raw.value ?? (raw as Record<string, string>));
        }
        if (args.type.startsWith("kubernetes:")) {
          state["metadata"] = {
            ...(args.inputs["metadata"] as object),
            name: (args.inputs["metadata"] as { name?: string })?.name ?? args.name,
          };
        }
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs as Record<string, unknown>,
    },
    "mlops",
    "test",
    false,
  );
  new ModelRegistry("reg", registryArgs(overrides));
  const stringData = await Promise.race([
    data,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("the server Secret was never registered")), 10_000),
    ),
  ]);
  return { stringData, passwords };
}
