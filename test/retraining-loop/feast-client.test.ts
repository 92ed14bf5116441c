/**
 * The training Job's Feast client (issue 12, the closed loop): FeatureStore `clientConfig` /
 * `client` (remote registry, offline and online stores on the operator's Services) and what the
 * RetrainingLoop makes of it per training team: the ConfigMap (its YAML parsed), the cluster CA
 * through a Certificate's `ca.crt`, the Job's volumes, mounts, env and token, the RoleBinding in
 * the Feast namespace and the NetworkPolicies on both sides; and the cases the loop refuses.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type ObjectStore } from "../../components/adapters";
import {
  FEAST_CLIENT_CA_PATH,
  feastClientConfigYaml,
  FeatureStore,
  type FeatureStoreArgs,
} from "../../components/feature-store";
import { RetrainingLoop, type RetrainingLoopArgs } from "../../components/retraining-loop";
import type { ClusterHandle } from "../../components/training-cluster";
import { findResource, inputAt, planOf, resourcesOfType, type Plan, type PlanResource } from "../helpers";
import { fakeClusterHandle } from "../training-cluster/fixtures";
import { LOOP_SERVICES } from "./fixtures";

const CR = "kubernetes:argoproj.io/v1alpha1:";
const T = {
  configMap: "kubernetes:core/v1:ConfigMap",
  binding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  certificate: "kubernetes:cert-manager.io/v1:Certificate",
} as const;

const withCertificates = (handle: ClusterHandle): ClusterHandle => ({
  ...handle,
  certificates: { issuerName: "mlops-internal-ca", issuerKind: "ClusterIssuer", dependsOn: [] },
});

interface Options {
  certificates?: boolean;
  store?: Partial<Omit<FeatureStoreArgs, "cluster">>;
  role?: string;
  withFeatureStore?: boolean;
}

function program(o: Options = {}) {
  return () => {
    const base = fakeClusterHandle({ target: "local" });
    const cluster = o.certificates === false ? base : withCertificates(base);
    const fs = new FeatureStore("fs", {
      cluster,
      project: "recommender",
      repository: { git: { url: "https://github.com/acme/features.git", ref: "v1.2.0" } },
      ...o.store,
    });
    const offline: ObjectStore = fs.offlineStore;
    const args: RetrainingLoopArgs = {
      cluster,
      services: {
        ...LOOP_SERVICES,
        ...(o.withFeatureStore === false ? {} : { featureStore: fs.client }),
        ...(o.role !== undefined ? { featureStoreRole: o.role } : {}),
      },
      stores: { referenceData: offline, payloadLogs: offline },
      models: [
        {
          name: "recommender",
          version: "3",
          servingNamespace: "serving",
          payloadLogPath: "payload-logs/recommender/",
          referenceDataPath: "reference/recommender/",
          gate: { holdoutPath: "holdout/recommender/", labelColumn: "clicked" },
          training: {
            team: "recsys",
            image: "ghcr.io/acme/recommender-train:1.4.0",
            command: ["python", "train.py"],
          },
        },
      ],
    };
    new RetrainingLoop("loop", args);
    return {};
  };
}

async function failure(o: Options): Promise<string> {
  try {
    await planOf(program(o));
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

interface PodSpec {
  automountServiceAccountToken: boolean;
  volumes: { name: string; configMap?: unknown; secret?: unknown }[];
  containers: {
    env: { name: string; value?: string }[];
    volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  }[];
}

function trainingPod(plan: Plan): PodSpec {
  const template = findResource(plan, `${CR}WorkflowTemplate`, "loop-template-recommender");
  const train = (
    inputAt(template, "spec.templates") as { name: string; resource?: { manifest: string } }[]
  ).find((t) => t.name === "train")!;
  return (parse(train.resource!.manifest) as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
}

const meta = (r: PlanResource) => r.inputs["metadata"] as { name: string; namespace?: string };

const SERVERS = "feast-recommender-%s.feast.svc.cluster.local";
const host = (role: string) => SERVERS.replace("%s", role);

describe("feastClientConfigYaml", () => {
  it("TLS: remote stores on port 443 with the CA as every server's cert", () => {
    expect(
      parse(
        feastClientConfigYaml({
          project: "recommender",
          name: "recommender",
          namespace: "feast",
          tls: true,
          caPath: "/etc/feast-ca/ca.crt",
          authz: "kubernetes",
        }),
      ),
    ).toEqual({
      project: "recommender",
      provider: "local",
      registry: { registry_type: "remote", path: `${host("registry")}:443`, cert: "/etc/feast-ca/ca.crt" },
      offline_store: {
        type: "remote",
        host: host("offline"),
        port: 443,
        scheme: "https",
        cert: "/etc/feast-ca/ca.crt",
      },
      online_store: { type: "remote", path: `https://${host("online")}:443`, cert: "/etc/feast-ca/ca.crt" },
      auth: { type: "kubernetes" },
      entity_key_serialization_version: 3,
    });
  });

  it("without TLS: port 80, http, no cert; a TLS config without a CA path is refused", () => {
    const yaml = parse(
      feastClientConfigYaml({ project: "p", name: "p", namespace: "ns", tls: false, authz: "oidc" }),
    ) as Record<string, unknown>;
    expect(yaml["registry"]).toEqual({
      registry_type: "remote",
      path: "feast-p-registry.ns.svc.cluster.local:80",
    });
    expect(yaml["offline_store"]).toEqual({
      type: "remote",
      host: "feast-p-offline.ns.svc.cluster.local",
      port: 80,
      scheme: "http",
    });
    expect(yaml["online_store"]).toEqual({
      type: "remote",
      path: "http://feast-p-online.ns.svc.cluster.local:80",
    });
    expect(yaml["auth"]).toEqual({ type: "oidc" });
    expect(() =>
      feastClientConfigYaml({ project: "p", name: "p", namespace: "ns", tls: true, authz: "kubernetes" }),
    ).toThrow("a TLS client config needs the CA path");
  });
});

describe("RetrainingLoop services.featureStore", () => {
  it("writes the FeatureStore's client config into a ConfigMap in the team namespace", async () => {
    const plan = await planOf(program());
    const cm = findResource(plan, T.configMap, "loop-feast-client-recsys");
    expect(meta(cm)).toMatchObject({ name: "mlops-retrain-feast", namespace: "recsys" });
    const data = cm.inputs["data"] as Record<string, string>;
    expect(Object.keys(data)).toEqual(["feature_store.yaml"]);
    expect(parse(data["feature_store.yaml"]!)).toEqual({
      project: "recommender",
      provider: "local",
      registry: { registry_type: "remote", path: `${host("registry")}:443`, cert: FEAST_CLIENT_CA_PATH },
      offline_store: {
        type: "remote",
        host: host("offline"),
        port: 443,
        scheme: "https",
        cert: FEAST_CLIENT_CA_PATH,
      },
      online_store: { type: "remote", path: `https://${host("online")}:443`, cert: FEAST_CLIENT_CA_PATH },
      auth: { type: "kubernetes" },
      entity_key_serialization_version: 3,
    });
    // No credentials of any store in it.
    expect(data["feature_store.yaml"]).not.toMatch(/password|postgresql|connection_string/);
  });

  it("brings the cluster CA into the team namespace: a Certificate of the cluster issuer, only its ca.crt mounted", async () => {
    const plan = await planOf(program());
    const cert = findResource(plan, T.certificate, "loop-feast-ca-recsys");
    expect(meta(cert)).toMatchObject({ name: "mlops-retrain-feast-ca", namespace: "recsys" });
    expect(inputAt(cert, "spec.secretName")).toBe("mlops-retrain-feast-ca");
    expect(inputAt(cert, "spec.issuerRef")).toEqual({
      name: "mlops-internal-ca",
      kind: "ClusterIssuer",
      group: "cert-manager.io",
    });
    const pod = trainingPod(plan);
    expect(pod.volumes.filter((v) => v.name.startsWith("feast"))).toEqual([
      { name: "feast-client", configMap: { name: "mlops-retrain-feast" } },
      {
        name: "feast-ca",
        secret: { secretName: "mlops-retrain-feast-ca", items: [{ key: "ca.crt", path: "ca.crt" }] },
      },
    ]);
    const container = pod.containers[0]!;
    expect(container.volumeMounts.filter((m) => m.name.startsWith("feast"))).toEqual([
      { name: "feast-client", mountPath: "/etc/feast", readOnly: true },
      { name: "feast-ca", mountPath: "/etc/feast-ca", readOnly: true },
    ]);
    expect(container.env.filter((e) => e.name === "FEAST_FS_YAML_FILE")).toEqual([
      { name: "FEAST_FS_YAML_FILE", value: "/etc/feast/feature_store.yaml" },
    ]);
    // Feast's kubernetes authz: the client sends the ServiceAccount token.
    expect(pod.automountServiceAccountToken).toBe(true);
  });

  it("binds the training ServiceAccount to the Feast reader Role in the Feast namespace", async () => {
    const plan = await planOf(program());
    const binding = findResource(plan, T.binding, "loop-feast-binding-recsys");
    expect(meta(binding)).toMatchObject({ name: "mlops-retrain-training-recsys", namespace: "feast" });
    expect(binding.inputs["roleRef"]).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: "feast-reader",
    });
    expect(binding.inputs["subjects"]).toEqual([
      { kind: "ServiceAccount", name: "mlops-retrain-training", namespace: "recsys" },
    ]);
    const writer = await planOf(program({ role: "feast-writer" }));
    expect(inputAt(findResource(writer, T.binding, "loop-feast-binding-recsys"), "roleRef.name")).toBe(
      "feast-writer",
    );
  });

  it("NetworkPolicies: the training pods reach the Feast servers' TLS ports, the Feast servers admit exactly them", async () => {
    const plan = await planOf(program());
    const tlsPorts = [6567, 8816, 6571].map((port) => ({ protocol: "TCP", port }));
    const trainingPods = {
      matchLabels: { "app.kubernetes.io/name": "training-job" },
      matchExpressions: [{ key: "mlops.pulumi.com/model", operator: "In", values: ["recommender"] }],
    };
    const egress = inputAt(
      findResource(plan, T.netpol, "loop-training-recsys-policy"),
      "spec.egress",
    ) as unknown[];
    expect(egress).toContainEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "feast" } },
          podSelector: { matchLabels: { "feast.dev/name": "recommender" } },
        },
      ],
      ports: tlsPorts,
    });
    const ingress = findResource(plan, T.netpol, "loop-feast-ingress-recsys");
    expect(meta(ingress)).toMatchObject({ name: "mlops-retrain-training-recsys", namespace: "feast" });
    expect(ingress.inputs["spec"]).toEqual({
      podSelector: { matchLabels: { "feast.dev/name": "recommender" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "recsys" } },
              podSelector: trainingPods,
            },
          ],
          ports: tlsPorts,
        },
      ],
    });
  });

  it("without TLS (no cluster issuer): http on the plain ports, no Certificate and no CA volume", async () => {
    const plan = await planOf(program({ certificates: false }));
    const yaml = parse(
      (findResource(plan, T.configMap, "loop-feast-client-recsys").inputs["data"] as Record<string, string>)[
        "feature_store.yaml"
      ]!,
    ) as Record<string, Record<string, unknown>>;
    expect(yaml["online_store"]).toEqual({ type: "remote", path: `http://${host("online")}:80` });
    expect(resourcesOfType(plan, T.certificate).map((r) => r.name)).toEqual([]);
    expect(trainingPod(plan).volumes.map((v) => v.name)).toContain("feast-client");
    expect(trainingPod(plan).volumes.map((v) => v.name)).not.toContain("feast-ca");
    const egress = JSON.stringify(
      inputAt(findResource(plan, T.netpol, "loop-training-recsys-policy"), "spec.egress"),
    );
    expect(egress).toContain('"port":6566');
    expect(egress).not.toContain('"port":6567');
  });

  it("without services.featureStore: no Feast ConfigMap, binding, policy, volume or token", async () => {
    const plan = await planOf(program({ withFeatureStore: false }));
    const loopFeast = plan.resources.filter((r) => r.name.startsWith("loop-feast"));
    expect(loopFeast.map((r) => r.name)).toEqual([]);
    const pod = trainingPod(plan);
    expect(pod.volumes.map((v) => v.name)).not.toContain("feast-client");
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0]!.env.map((e) => e.name)).not.toContain("FEAST_FS_YAML_FILE");
  });

  it("refuses OIDC authz, a role the FeatureStore does not have, a custom TLS Secret, and a role without a feature store", async () => {
    expect(
      await failure({
        store: { authz: { type: "oidc", issuerUrl: "https://id.acme.com/realms/ml", audience: "feast" } },
      }),
    ).toContain('services.featureStore: the FeatureStore\'s authz is "oidc"');
    expect(await failure({ role: "feast-admin" })).toContain(
      'services.featureStoreRole: "feast-admin" is not one of the FeatureStore\'s authz.roles (feast-reader, feast-writer)',
    );
    expect(await failure({ store: { tls: { secretName: "my-tls" } } })).toContain(
      "services.featureStore: the FeatureStore's servers use their own TLS Secret (tls.secretName)",
    );
    expect(await failure({ withFeatureStore: false, role: "feast-reader" })).toContain(
      "services.featureStoreRole: only used with featureStore; remove it",
    );
  });
});
