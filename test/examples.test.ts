/**
 * The examples are part of the product: every Pulumi example is a standalone project (imports
 * `pulumi-mlops` by name, has its own package.json and a README with run steps) that plans clean
 * from its own folder with its own stack files; the GitHub Actions workflow runs both policy checks
 * the README promises, with commands that exist in this repository.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { Plan } from "../plan/types";

type EnvVar = { name: string; value?: string };
import { findResource, inputAt } from "./helpers";
import { planFromFolder } from "./package-from-source";
import { shippedStackPlan, type ShippedStack } from "./shipped-stacks";

interface Step {
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  jobs: Record<string, { steps: Step[]; strategy?: { matrix: Record<string, unknown> } }>;
}

const root = path.join(__dirname, "..");
const workflow = parse(
  fs.readFileSync(path.join(root, "examples", "github-actions", "mlops-checks.yml"), "utf8"),
) as Workflow;
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  version: string;
  scripts: Record<string, string>;
  peerDependencies: Record<string, string>;
};

describe("examples/github-actions/mlops-checks.yml", () => {
  it("runs the offline plan of every shipped cloud stack with an npm script that exists", () => {
    const job = workflow.jobs["offline-plan"]!;
    expect(job.steps.map((s) => s.run).filter(Boolean)).toEqual(
      expect.arrayContaining([
        "npm ci",
        "npm run plan -- --stack ${{ matrix.stack }} --out plan-${{ matrix.stack }}.json",
      ]),
    );
    expect(pkg.scripts["plan"]).toBeDefined();
    for (const stack of job.strategy!.matrix["stack"] as string[]) {
      expect(fs.existsSync(path.join(root, "stacks", `Pulumi.${stack}.yaml`)), stack).toBe(true);
    }
  });

  it("runs pulumi preview with the policy pack through pulumi/actions", () => {
    const step = workflow.jobs["preview"]!.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    expect(step.with).toMatchObject({ command: "preview", policyPacks: "policies" });
    expect(step.env).toHaveProperty("MLOPS_ENVIRONMENT");
    expect(fs.existsSync(path.join(root, "policies", "PulumiPolicy.yaml"))).toBe(true);
  });
});

/** Every folder of examples/ that is a Pulumi program. */
const programs = fs
  .readdirSync(path.join(root, "examples"))
  .filter((name) => fs.existsSync(path.join(root, "examples", name, "Pulumi.yaml")));

describe("Pulumi examples", () => {
  it("are the model registry, the recommender, serving from a stack reference and the training job", () => {
    expect(programs).toEqual([
      "model-registry",
      "recommender",
      "serving-from-stack-reference",
      "training-job",
    ]);
  });

  for (const name of programs) {
    const dir = path.join(root, "examples", name);
    const read = (file: string): string => fs.readFileSync(path.join(dir, file), "utf8");
    const project = (parse(read("Pulumi.yaml")) as { name: string }).name;
    const stacks = fs
      .readdirSync(dir)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined);
    // A program that reads other stacks answers them offline from its mocks file (docs/offline-plan.md).
    const mocks = fs.existsSync(path.join(dir, "mocks.json")) ? ["--mocks", "mocks.json"] : [];

    describe(name, () => {
      it("is standalone: imports only pulumi-mlops and its package.json dependencies", () => {
        const example = JSON.parse(read("package.json")) as {
          name: string;
          dependencies: Record<string, string>;
          scripts: Record<string, string>;
        };
        expect(example.name).toBe(project);
        expect(example.dependencies["pulumi-mlops"]).toBe(`^${pkg.version}`);
        // The package's peer dependencies, and tsx for the runtime's `nodeargs: --import tsx`.
        expect(Object.keys(example.dependencies).sort()).toEqual(
          [...Object.keys(pkg.peerDependencies), "pulumi-mlops", "tsx"].sort(),
        );
        // `npm run plan` plans one of the folder's stacks (`npm run plan -- --stack <other>` the rest).
        expect(example.scripts["plan"]).toBe(
          `mlops-plan --program . --stack ${/--stack ([\w.-]+)/.exec(example.scripts["plan"]!)?.[1]}${mocks.map((m) => ` ${m}`).join("")}`,
        );
        expect(stacks).toContain(/--stack ([\w.-]+)/.exec(example.scripts["plan"]!)?.[1]);
        const imports = [...read("index.ts").matchAll(/from "([^"]+)"/g)].map((m) => m[1]!);
        expect(imports).toContain("pulumi-mlops");
        for (const spec of imports) {
          expect(spec.startsWith("."), `${name}/index.ts imports ${spec}`).toBe(false);
          if (spec !== "pulumi-mlops")
            expect(Object.keys(example.dependencies)).toContain(
              spec.replace(/^(@[^/]+\/[^/]+|[^@/][^/]*).*$/, "$1"),
            );
        }
      });

      it("has a README whose run steps match its folder and stack files", () => {
        const readme = read("README.md");
        expect(readme).toContain(`cd examples/${name}\nnpm install`);
        expect(readme).toContain("npm run plan");
        expect(readme).toContain("pulumi up");
        for (const stack of stacks) expect(readme).toContain(`pulumi stack init ${stack}`);
        // Every config key the stack files set is documented, and every key of the project is read
        // by the program (a provider's own key, such as `aws:region`, is read by the provider).
        const program = read("index.ts");
        for (const stack of stacks) {
          const config = (parse(read(`Pulumi.${stack}.yaml`)) as { config: Record<string, unknown> }).config;
          for (const key of Object.keys(config)) {
            const own = key.startsWith(`${project}:`);
            const short = own ? key.slice(project.length + 1) : key;
            expect(readme, `${key} in README.md`).toContain(`| \`${short}\``);
            if (own) {
              expect(program, `${key} in index.ts`).toMatch(new RegExp(`config\\.\\w+\\("${short}"[,)]`));
            }
          }
        }
      });

      for (const stack of stacks) {
        it(`plans from its own folder (stack ${stack}): exit 0, no mandatory policy violation`, async () => {
          const run = await planFromFolder(dir, ["--stack", stack, ...mocks]);
          expect(run.err).toBe("");
          expect(run.code).toBe(0);
          expect(run.plan!.project).toBe(project);
          expect(run.plan!.policyViolations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
          expect(run.plan!.resources.some((r) => r.type.startsWith("mlops:index:"))).toBe(true);
        });
      }
    });
  }
});

/**
 * The recommender wires the five components through their outputs: the planned objects carry the
 * other components' endpoints and stores, and the paths of the example's own Python.
 */
describe("examples/recommender", () => {
  const dir = path.join(root, "examples", "recommender");
  /** What each stack's objects must point at: its artifact store's scheme and bucket. */
  const expected: Record<string, { artifacts: string; payloads: string; offline: string }> = {
    local: {
      artifacts: "s3://mlflow-artifacts",
      payloads: "s3://serving-payload-logs",
      offline: "s3://features-offline",
    },
    "aws-dev": {
      artifacts: "s3://mlflow-artifacts-bucket",
      payloads: "s3://serving-payload-logs-bucket",
      offline: "s3://features-offline-bucket",
    },
    "gcp-dev": {
      artifacts: "gs://mlflow-artifacts-bucket",
      payloads: "gs://serving-payload-logs-bucket",
      offline: "gs://features-offline-bucket",
    },
  };
  const plans: Record<string, Plan> = {};
  beforeAll(async () => {
    for (const stack of Object.keys(expected)) {
      const run = await planFromFolder(dir, ["--stack", stack, "--no-policies"]);
      expect(run.code, `${stack}: ${run.err}`).toBe(0);
      plans[stack] = run.plan!;
    }
  }, 120_000);

  for (const [stack, want] of Object.entries(expected)) {
    it(`${stack}: Feast applies the example's feature repository`, () => {
      const cr = findResource(plans[stack]!, "kubernetes:feast.dev/v1:FeatureStore");
      expect(inputAt(cr, "spec.feastProject")).toBe("shop_recommender");
      expect(inputAt(cr, "spec.feastProjectDir.git")).toEqual({
        url: "https://github.com/acme/pulumi-mlops.git",
        ref: "v0.1.0",
        featureRepoPath: "examples/recommender/feature_repo",
      });
    });

    it(`${stack}: serves the configured version from the registry's store, scaled on the Monitoring component's Prometheus`, () => {
      const plan = plans[stack]!;
      const isvc = findResource(plan, "kubernetes:serving.kserve.io/v1beta1:InferenceService");
      expect(inputAt(isvc, "spec.predictor.model.storageUri")).toBe(`${want.artifacts}/models/recommender/1`);
      expect(inputAt(isvc, "spec.predictor.logger.url")).toBe(
        "http://payload-sink.serving.svc.cluster.local:8080/models/recommender/versions/1",
      );
      const scaler = findResource(plan, "kubernetes:keda.sh/v1alpha1:ScaledObject");
      expect(inputAt(scaler, "spec.triggers[0].metadata.serverAddress")).toBe(
        "http://monitoring-prometheus.monitoring.svc.cluster.local:9090",
      );
      expect(plan.outputs).toMatchObject({
        mlflowTrackingUri: "http://mlflow.mlflow.svc.cluster.local:5000",
        recommenderUrl: "http://recommender-predictor.serving.svc.cluster.local",
        payloadLogUri: `${want.payloads}/payload-logs/recommender`,
        teamNamespace: "recsys",
      });
    });
    it(`${stack}: the drift job compares the payloads with the served version's training set`, () => {
      const drift = findResource(
        plans[stack]!,
        "kubernetes:batch/v1:CronJob",
        "retraining-drift-recommender",
      );
      expect(inputAt(drift, "spec.schedule")).toBe("0 * * * *");
      const env = inputAt(drift, "spec.jobTemplate.spec.template.spec.containers[0].env") as EnvVar[];
      expect(Object.fromEntries(env.map((e) => [e.name, e.value]))).toMatchObject({
        MLOPS_MODEL: "recommender",
        MLOPS_MODEL_VERSION: "1",
        MLOPS_REFERENCE: `${want.offline}/reference/recommender/`,
        MLOPS_CURRENT: `${want.payloads}/payload-logs/recommender/`,
        MLOPS_PRODUCTION_ALIAS: "production",
        MLOPS_PUSHGATEWAY_URL: "http://pushgateway.monitoring.svc.cluster.local:9091",
        MLOPS_DRIFT_SHARE: "0.3",
        MLOPS_MIN_ROWS: "500",
      });
    });

    it(`${stack}: ModelDrift goes to the loop's webhook, whose workflow trains recommender/train.py on the team's queue`, () => {
      const plan = plans[stack]!;
      const release = findResource(plan, "kubernetes:helm.sh/v3:Release", "monitoring");
      const receivers = inputAt(release, "values.alertmanager.config.receivers") as {
        name: string;
        webhook_configs?: { url: string; send_resolved: boolean }[];
      }[];
      expect(receivers.find((r) => r.name === "retraining-loop")?.webhook_configs).toEqual([
        expect.objectContaining({ url: plan.outputs["retrainingWebhookUrl"], send_resolved: false }),
      ]);
      const template = findResource(
        plan,
        "kubernetes:argoproj.io/v1alpha1:WorkflowTemplate",
        "retraining-template-recommender",
      );
      const steps = inputAt(template, "spec.templates") as {
        name: string;
        resource?: { manifest: string };
      }[];
      const job = parse(steps.find((t) => t.name === "train")!.resource!.manifest) as {
        metadata: { namespace: string; labels: Record<string, string> };
        spec: {
          template: {
            spec: {
              serviceAccountName: string;
              tolerations?: unknown[];
              containers: {
                image: string;
                command: string[];
                env: EnvVar[];
                resources: { requests: Record<string, string> };
              }[];
            };
          };
        };
      };
      expect(job.metadata.namespace).toBe("recsys");
      expect(job.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe("training");
      // scikit-learn on CPU, as the loop's own identity in the team namespace.
      expect(job.spec.template.spec.serviceAccountName).toBe("mlops-retrain-training");
      expect(job.spec.template.spec.containers[0]!.resources.requests).toEqual({ cpu: "2", memory: "4Gi" });
      expect(job.spec.template.spec.tolerations).toBeUndefined();
      const trainer = job.spec.template.spec.containers[0]!;
      expect(trainer.image).toBe("ghcr.io/acme/recommender-train:0.1.0");
      expect(trainer.command).toEqual(["python", "-m", "recommender.train"]);
      expect(Object.fromEntries(trainer.env.map((e) => [e.name, e.value]))).toMatchObject({
        MLFLOW_TRACKING_URI: "http://mlflow.mlflow.svc.cluster.local:5000",
        MLOPS_MODEL: "recommender",
        MLOPS_REFERENCE: `${want.offline}/reference/recommender/`,
      });
      expect(plan.outputs["retrainingWorkflow"]).toBe("retrain-recommender");
    });
  }

  it("builds the platform without serving until a version is registered (no modelVersion)", async () => {
    const config = (
      parse(fs.readFileSync(path.join(dir, "Pulumi.local.yaml"), "utf8")) as {
        config: Record<string, unknown>;
      }
    ).config;
    delete config["recommender-example:modelVersion"];
    delete config["recommender-example:modelPath"];
    fs.mkdirSync(path.join(root, ".tmp"), { recursive: true });
    const file = path.join(fs.mkdtempSync(path.join(root, ".tmp", "recommender-")), "Pulumi.first.yaml");
    fs.writeFileSync(file, stringify({ config }));
    const run = await planFromFolder(dir, ["--stack", "first", "--stack-file", file]);
    expect(run.code, run.err).toBe(0);
    const types = run.plan!.resources.map((r) => r.type);
    expect(types).toEqual(
      expect.arrayContaining([
        "mlops:index:GpuTrainingCluster",
        "mlops:index:ModelRegistry",
        "mlops:index:Monitoring",
        "mlops:index:FeatureStore",
      ]),
    );
    expect(types).not.toContain("mlops:index:ModelServing");
    expect(types).not.toContain("mlops:index:RetrainingLoop");
    expect(run.plan!.outputs["recommenderUrl"]).toBeUndefined();
    // No route to a webhook that does not exist yet.
    const release = findResource(run.plan!, "kubernetes:helm.sh/v3:Release", "monitoring");
    const receivers = inputAt(release, "values.alertmanager.config.receivers") as { name: string }[];
    expect(receivers.map((r) => r.name)).not.toContain("retraining-loop");
  });
});

/**
 * One more model on the platform's serving from another stack: the program reads the platform
 * stack's outputs through a StackReference (answered offline by its mocks.json, which holds exactly
 * what the shipped stacks export) and serves the model from the platform's artifact store, which it
 * reads and never changes, with a read grant on exactly that bucket (and its key).
 */
describe("examples/serving-from-stack-reference", () => {
  const dir = path.join(root, "examples", "serving-from-stack-reference");
  const mocks = JSON.parse(fs.readFileSync(path.join(dir, "mocks.json"), "utf8")) as {
    stackReferences: Record<string, Record<string, unknown>>;
  };
  /** The example's stacks and the platform stack each references. */
  const platforms: Record<string, ShippedStack> = {
    local: "local",
    "aws-dev": "aws-dev",
    "gcp-dev": "gcp-dev",
  };
  const plans: Record<string, Plan> = {};
  beforeAll(async () => {
    for (const stack of Object.keys(platforms)) {
      const run = await planFromFolder(dir, ["--stack", stack, "--mocks", "mocks.json"]);
      expect(run.code, `${stack}: ${run.err}`).toBe(0);
      plans[stack] = run.plan!;
    }
  }, 120_000);

  /** `[read ]<type> <name>` of every custom resource but providers and the StackReference. */
  const inventory = (plan: Plan): string[] =>
    plan.resources
      .filter((r) => r.custom && !r.type.startsWith("pulumi:"))
      .map((r) => `${r.external ? "read " : ""}${r.type.replace(/^kubernetes:/, "k8s:")} ${r.name}`)
      .sort();

  const SERVING = [
    "k8s:core/v1:Namespace extra-serving-namespace",
    "k8s:networking.k8s.io/v1:NetworkPolicy extra-serving-churn-network-policy",
    "k8s:networking.k8s.io/v1:NetworkPolicy extra-serving-namespace-default-deny",
    "k8s:networking.k8s.io/v1:NetworkPolicy extra-serving-namespace-dns-egress",
    "k8s:serving.kserve.io/v1beta1:InferenceService extra-serving-churn",
  ];

  for (const [stack, platform] of Object.entries(platforms)) {
    it(`${stack}: the mocks answer ${platform}'s StackReference with what the shipped stack exports`, async () => {
      const exported = (await shippedStackPlan(platform)).outputs;
      const answered = mocks.stackReferences[`acme/pulumi-mlops/${platform}`]!;
      const { kubeconfig, ...plain } = answered;
      expect(typeof kubeconfig).toBe("string");
      expect(exported["kubeconfig"]).toBe("[secret]");
      for (const [key, value] of Object.entries(plain)) expect(exported[key], key).toEqual(value);
      // Every output the program reads is answered (clusterAws / clusterGcp only on their target).
      const program = fs.readFileSync(path.join(dir, "index.ts"), "utf8");
      const read = [...program.matchAll(/platform\.\w+\("(\w+)"\)/g)].map((m) => m[1]!);
      for (const key of read) {
        if (key in exported) expect(Object.keys(answered), key).toContain(key);
      }
    });

    it(`${stack}: serves the model from the platform's artifact store, installs no platform, creates no store`, () => {
      const plan = plans[stack]!;
      const store = mocks.stackReferences[`acme/pulumi-mlops/${platform}`]!["mlflowArtifactStore"] as {
        bucketName: string;
      };
      const scheme = stack === "gcp-dev" ? "gs" : "s3";
      const isvc = findResource(
        plan,
        "kubernetes:serving.kserve.io/v1beta1:InferenceService",
        "extra-serving-churn",
      );
      expect(inputAt(isvc, "metadata.namespace")).toBe("serving-extra");
      expect(inputAt(isvc, "spec.predictor.model.storageUri")).toBe(
        `${scheme}://${store.bucketName}/models/churn/3`,
      );
      expect(plan.outputs["artifactStoreUri"]).toBe(`${scheme}://${store.bucketName}`);
      expect(plan.resources.some((r) => r.type === "mlops:index:ServingPlatform")).toBe(false);
      // What the platform's policies would flag on the store is its owner's: reads are not checked.
      expect(plan.policyViolations.filter((v) => v.urn.includes("platform-artifacts"))).toEqual([]);
    });
  }

  it("aws-dev: reads the bucket and its KMS key; the model's role reads exactly that bucket, with kms:Decrypt on that key", () => {
    const plan = plans["aws-dev"]!;
    const store = mocks.stackReferences["acme/pulumi-mlops/aws-dev"]!["mlflowArtifactStore"] as {
      bucketName: string;
      encryptionKeyId: string;
    };
    expect(inventory(plan)).toEqual(
      [
        ...SERVING,
        "aws:eks/podIdentityAssociation:PodIdentityAssociation extra-serving-churn-pod-identity",
        "aws:iam/role:Role extra-serving-churn-role",
        "aws:iam/rolePolicy:RolePolicy extra-serving-churn-role-policy",
        "k8s:core/v1:ServiceAccount extra-serving-churn-sa",
        "read aws:kms/key:Key platform-artifacts-key",
        "read aws:s3/bucket:Bucket platform-artifacts-bucket",
      ].sort(),
    );
    expect(findResource(plan, "aws:s3/bucket:Bucket", "platform-artifacts-bucket").id).toBe(store.bucketName);
    const policy = JSON.parse(
      inputAt(findResource(plan, "aws:iam/rolePolicy:RolePolicy"), "policy") as string,
    ) as {
      Statement: unknown[];
    };
    expect(policy.Statement).toEqual([
      {
        Sid: "Buckets",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation"],
        Resource: [`arn:aws:s3:::${store.bucketName}`],
      },
      {
        Sid: "ReadObjects",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: [`arn:aws:s3:::${store.bucketName}/*`],
      },
      { Sid: "ReadBucketKeys", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [store.encryptionKeyId] },
    ]);
    expect(
      inputAt(findResource(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation"), "clusterName"),
    ).toBe("gpu-cluster-aws-dev");
  });

  it("gcp-dev: reads the bucket and its CMEK key; the model's service account is objectViewer on that bucket", () => {
    const plan = plans["gcp-dev"]!;
    expect(inventory(plan)).toEqual(
      [
        ...SERVING,
        "gcp:serviceaccount/account:Account extra-serving-churn-gsa",
        "gcp:serviceaccount/iAMMember:IAMMember extra-serving-churn-wi-member",
        "gcp:storage/bucketIAMMember:BucketIAMMember extra-serving-churn-bucket0-bucket-member",
        "k8s:core/v1:ServiceAccount extra-serving-churn-serviceaccount",
        "read gcp:kms/cryptoKey:CryptoKey platform-artifacts-key",
        "read gcp:storage/bucket:Bucket platform-artifacts-bucket",
      ].sort(),
    );
    expect(findResource(plan, "gcp:storage/bucketIAMMember:BucketIAMMember").inputs).toMatchObject({
      bucket: "model-registry-artifacts-bucket",
      role: "roles/storage.objectViewer",
    });
  });

  it("local: reads the MinIO Service; a read-only MinIO user is created in the registry's namespace for the model", () => {
    const plan = plans["local"]!;
    expect(inventory(plan)).toEqual(
      [
        ...SERVING,
        "k8s:batch/v1:Job extra-serving-churn-minio-reader",
        "k8s:core/v1:ConfigMap extra-serving-churn-minio-reader",
        "k8s:core/v1:Secret extra-serving-churn-minio-reader",
        "k8s:core/v1:Secret extra-serving-churn-s3-credentials",
        "k8s:core/v1:ServiceAccount extra-serving-churn-sa",
        "k8s:networking.k8s.io/v1:NetworkPolicy extra-serving-churn-minio-client",
        "random:index/randomPassword:RandomPassword extra-serving-churn-minio-reader-password",
        "random:index/randomPassword:RandomPassword extra-serving-churn-minio-reader-user",
        "read k8s:core/v1:Service platform-artifacts-minio",
      ].sort(),
    );
    expect(findResource(plan, "kubernetes:core/v1:Service", "platform-artifacts-minio").id).toBe(
      "mlflow/model-registry-artifacts-minio",
    );
    const job = findResource(plan, "kubernetes:batch/v1:Job", "extra-serving-churn-minio-reader");
    expect(inputAt(job, "metadata.namespace")).toBe("mlflow");
    expect(inputAt(job, "spec.template.spec.serviceAccountName")).toBe("model-registry-artifacts-minio-mb");
    const config = findResource(plan, "kubernetes:core/v1:ConfigMap", "extra-serving-churn-minio-reader");
    expect(JSON.parse((inputAt(config, "data") as Record<string, string>)["policy.json"]!)).toMatchObject({
      Statement: [
        {
          Action: ["s3:ListBucket", "s3:GetBucketLocation"],
          Resource: ["arn:aws:s3:::model-registry-artifacts"],
        },
        { Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::model-registry-artifacts/*"] },
      ],
    });
  });
});
