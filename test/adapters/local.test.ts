/**
 * The `local` adapter under the offline plan engine: exact children, Pod Security "restricted"
 * pod templates, pinned images, resources and probes, secrets only by reference, NetworkPolicies,
 * volumes and protection of stateful children.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Access, StoreKind } from "../../components/adapters";
import { beforeAll, describe, expect, it } from "vitest";
import { createLocalAdapter, MC_IMAGE, MINIO_IMAGE, POSTGRES_IMAGE } from "../../components/adapters/local";
import { MINIO_READ_WRITE_POLICY, minioReadWritePolicy } from "../../components/adapters/local/minio";
import type {
  AdapterContext,
  CloudAdapter,
  ObjectStore,
  PostgresArgs,
  TargetSettings,
  WorkloadIdentity,
} from "../../components/adapters/types";
import { childrenOf, findResource, planOf, resourcesOfType, type Plan, type PlanResource } from "../helpers";
import { Host } from "./fixtures";

type PodSpec = k8s.types.output.core.v1.PodSpec;
type Container = k8s.types.output.core.v1.Container;
type EnvVar = k8s.types.output.core.v1.EnvVar;
type NetworkPolicySpec = k8s.types.output.networking.v1.NetworkPolicySpec;
type ServiceSpec = k8s.types.output.core.v1.ServiceSpec;
type PvcSpec = k8s.types.output.core.v1.PersistentVolumeClaimSpec;
type StatefulSetSpec = k8s.types.output.apps.v1.StatefulSetSpec;
type DeploymentSpec = k8s.types.output.apps.v1.DeploymentSpec;
type JobSpec = k8s.types.output.batch.v1.JobSpec;
type ObjectMeta = k8s.types.output.meta.v1.ObjectMeta;

const T = {
  password: "random:index/randomPassword:RandomPassword",
  secret: "kubernetes:core/v1:Secret",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
  sa: "kubernetes:core/v1:ServiceAccount",
  service: "kubernetes:core/v1:Service",
  deployment: "kubernetes:apps/v1:Deployment",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  job: "kubernetes:batch/v1:Job",
  netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  namespace: "kubernetes:core/v1:Namespace",
  host: "test:index:Host",
} as const;

const WORKLOAD_TYPES = [T.deployment, T.statefulSet, T.job];

/** Governance tags of the component: the last key is not a valid label key (skipped). */
const TAGS = {
  owner: "ml-platform",
  "cost-center": "R&D 42",
  environment: "dev",
  "data-classification": "internal",
  "mlops:component": "registry",
};
/** `TAGS` as Kubernetes labels (values made valid label syntax). */
const GOVERNANCE_LABELS = {
  owner: "ml-platform",
  "cost-center": "R-D-42",
  environment: "dev",
  "data-classification": "internal",
};
const NS = "ml";
const DB_PASSWORD = "not-a-real-password-7f3a";

const DB: Omit<PostgresArgs, "password"> = {
  databaseName: "mlflow",
  username: "mlflow",
  size: "small",
  storageGb: 20,
  highAvailability: false,
  deletionProtection: false,
  backupRetentionDays: 1,
  pointInTimeRecovery: false,
};

interface Scenario {
  name: string;
  settings: TargetSettings;
  protect: boolean;
  versioning: boolean;
  db: Omit<PostgresArgs, "password">;
}

const DEV: Scenario = {
  name: "reg",
  settings: { local: { storageClassName: "local-path", objectStoreStorageGb: 25 } },
  protect: false,
  versioning: true,
  db: DB,
};

/** What the program saw directly from the adapter (values that are not stack outputs). */
interface Seen {
  adapter?: CloudAdapter;
  store?: ObjectStore;
  keyIsUndefined?: boolean;
  /** Secret name -> keys of its `stringData`. */
  secretKeys?: Map<string, string[]>;
}

/**
 * Records the keys of every Kubernetes Secret's `stringData` as the program passed them (the plan
 * masks the whole map, keys included, because the SDK marks it secret).
 */
function recordSecretKeys(into: Map<string, string[]>): void {
  pulumi.runtime.registerStackTransformation((args) => {
    if (args.type === T.secret) {
      const data = args.props["stringData"] as pulumi.Input<Record<string, pulumi.Input<string>>> | undefined;
      if (data !== undefined) {
        void pulumi.unsecret(pulumi.output(data)).apply((d) => into.set(args.name, Object.keys(d).sort()));
      }
    }
    return undefined;
  });
}

/** A program that builds one Host component and asks the local adapter for everything it offers. */
function program(s: Scenario, seen: Seen = {}) {
  return () => {
    recordSecretKeys((seen.secretKeys ??= new Map()));
    const parent = new Host(s.name);
    const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
    const ns = new k8s.core.v1.Namespace(NS, { metadata: { name: NS } }, { provider: k8sProvider });
    const ctx: AdapterContext = {
      parent,
      name: s.name,
      k8sProvider,
      // An Output, as a component passes it: names must be built with interpolate.
      namespace: ns.metadata.name,
      tags: TAGS,
      protect: s.protect,
      dependsOn: [ns],
    };
    const adapter = createLocalAdapter(ctx, s.settings);
    const key = adapter.encryptionKey("data");
    const store = adapter.objectStore("artifacts", {
      key,
      versioning: s.versioning,
      forceDestroy: !s.protect,
    });
    const db = adapter.postgres("backend", { ...s.db, key, password: pulumi.secret(DB_PASSWORD) });
    const identity = adapter.workloadIdentity("server", {
      serviceAccountName: "mlflow",
      grants: [{ resource: store, access: Access.readWrite }],
      labels: { "app.kubernetes.io/name": "mlflow" },
    });
    seen.adapter = adapter;
    seen.store = store;
    seen.keyIsUndefined = key === undefined;
    return {
      target: adapter.target,
      bucketName: store.bucketName,
      uri: store.uri,
      storeEnv: store.clientEnv,
      storeEgress: store.egress,
      storeKey: store.encryptionKey === undefined,
      storeResource: store.resource.urn,
      dbHost: db.host,
      dbPort: db.port,
      dbName: db.databaseName,
      dbUser: db.username,
      sslMode: db.sslMode,
      dbEgress: db.egress,
      dbResource: db.resource.urn,
      principal: identity.principal,
      serviceAccountName: identity.serviceAccountName,
      identityEnv: identity.env,
      identityEgress: identity.egress,
    };
  };
}

// ---- small typed accessors over plan inputs ----------------------------------------------------

function meta(r: PlanResource): ObjectMeta {
  return r.inputs["metadata"] as ObjectMeta;
}
function spec<S>(r: PlanResource): S {
  return r.inputs["spec"] as S;
}
function podSpecOf(r: PlanResource): PodSpec {
  if (r.type === T.deployment) return spec<DeploymentSpec>(r).template.spec;
  if (r.type === T.statefulSet) return spec<StatefulSetSpec>(r).template.spec;
  if (r.type === T.job) return spec<JobSpec>(r).template.spec;
  throw new Error(`not a workload: ${r.type}`);
}
function podLabelsOf(r: PlanResource): Record<string, string> {
  if (r.type === T.deployment) return spec<DeploymentSpec>(r).template.metadata.labels;
  if (r.type === T.statefulSet) return spec<StatefulSetSpec>(r).template.metadata.labels;
  return spec<JobSpec>(r).template.metadata.labels;
}
function allContainers(pod: PodSpec): Container[] {
  return [...(pod.initContainers ?? []), ...pod.containers];
}
function byName(plan: Plan, type: string, name: string): PlanResource {
  return findResource(plan, type, name);
}
function hostOf(plan: Plan): PlanResource {
  return findResource(plan, T.host);
}
/** Every resource under the Host component (the adapter's children). */
function adapterChildren(plan: Plan): PlanResource[] {
  return childrenOf(plan, hostOf(plan).urn);
}
function isSubset(sub: Record<string, string>, sup: Record<string, string>): boolean {
  return Object.entries(sub).every(([k, v]) => sup[k] === v);
}

const DNS1123_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

// ---- the dev scenario: everything at once --------------------------------------------------------

describe("local adapter: children and their security settings", () => {
  let plan: Plan;
  const seen: Seen = {};
  beforeAll(async () => {
    plan = await planOf(program(DEV, seen));
  });

  it("creates exactly the expected children, named <component>-<role>-<kind>", () => {
    const got = adapterChildren(plan)
      .map((r) => `${r.type} ${r.name}`)
      .sort();
    const want = [
      // object store
      `${T.password} reg-artifacts-minio-root-user`,
      `${T.password} reg-artifacts-minio-root-password`,
      `${T.secret} reg-artifacts-minio-credentials`,
      `${T.pvc} reg-artifacts-minio-data`,
      `${T.sa} reg-artifacts-minio`,
      `${T.netpol} reg-artifacts-minio`,
      `${T.deployment} reg-artifacts-minio`,
      `${T.service} reg-artifacts-minio`,
      `${T.sa} reg-artifacts-minio-mb`,
      `${T.netpol} reg-artifacts-minio-mb`,
      `${T.job} reg-artifacts-minio-mb`,
      // postgres
      `${T.secret} reg-backend-postgres-credentials`,
      `${T.sa} reg-backend-postgres`,
      `${T.netpol} reg-backend-postgres`,
      `${T.service} reg-backend-postgres-hl`,
      `${T.service} reg-backend-postgres`,
      `${T.statefulSet} reg-backend-postgres`,
      // identity
      `${T.sa} reg-server-sa`,
    ].sort();
    expect(got).toEqual(want);
  });

  it("adapter facts: target local, no encryption key anywhere", () => {
    expect(plan.outputs["target"]).toBe("local");
    expect(seen.keyIsUndefined).toBe(true);
    expect(plan.outputs["storeKey"]).toBe(true);
    expect(resourcesOfType(plan, "aws:kms/key:Key")).toHaveLength(0);
  });

  it("every Kubernetes child is a structurally valid object in the namespace, named as registered", () => {
    const kube = adapterChildren(plan).filter((r) => r.type.startsWith("kubernetes:"));
    expect(kube.length).toBe(16);
    const ns = byName(plan, T.namespace, NS);
    const provider = plan.resources.find((r) => r.type === "pulumi:providers:kubernetes");
    expect(provider).toBeDefined();
    for (const r of kube) {
      const [, groupVersion = "", kind = ""] = r.type.split(":");
      const [group = "", version = ""] = groupVersion.split("/");
      expect(r.inputs["apiVersion"], r.name).toBe(group === "core" ? version : `${group}/${version}`);
      expect(r.inputs["kind"], r.name).toBe(kind);
      const m = meta(r);
      expect(typeof m.name, r.name).toBe("string");
      expect(m.name, r.name).toMatch(DNS1123_LABEL);
      expect(m.name.length, r.name).toBeLessThanOrEqual(63);
      expect(m.namespace, r.name).toBe(NS);
      expect(Object.keys(m.labels ?? {}).length, r.name).toBeGreaterThan(0);
      // Pulumi name == metadata.name (only the identity SA takes the caller's name).
      expect(m.name, r.name).toBe(r.name === "reg-server-sa" ? "mlflow" : r.name);
      // Explicit provider, parent and the context's dependsOn on every child.
      expect(r.provider.startsWith(`${provider!.urn}::`), r.name).toBe(true);
      expect(r.parent, r.name).toBe(hostOf(plan).urn);
      expect(r.dependencies, r.name).toContain(ns.urn);
    }
  });

  it("every Kubernetes child and pod template carries the governance labels, never in a selector", () => {
    const kube = adapterChildren(plan).filter((r) => r.type.startsWith("kubernetes:"));
    expect(kube.length).toBeGreaterThan(10);
    for (const r of kube) expect(isSubset(GOVERNANCE_LABELS, meta(r).labels ?? {}), r.name).toBe(true);
    const governanceKeys = Object.keys(GOVERNANCE_LABELS);
    const noGovernanceKey = (labels: Record<string, string> | undefined, where: string) =>
      expect(
        Object.keys(labels ?? {}).filter((k) => governanceKeys.includes(k)),
        where,
      ).toEqual([]);
    for (const w of kube.filter((r) => WORKLOAD_TYPES.includes(r.type as (typeof WORKLOAD_TYPES)[number]))) {
      expect(isSubset(GOVERNANCE_LABELS, podLabelsOf(w)), `${w.name} pod template`).toBe(true);
      // Standard labels still win, so the selector keeps matching the pods.
      expect(podLabelsOf(w)["app.kubernetes.io/part-of"], w.name).toBe("pulumi-mlops");
      if (w.type !== T.job) {
        const selector = spec<DeploymentSpec | StatefulSetSpec>(w).selector.matchLabels;
        noGovernanceKey(selector, `${w.name} selector`);
        expect(isSubset(selector ?? {}, podLabelsOf(w)), w.name).toBe(true);
      }
    }
    for (const svc of resourcesOfType(plan, T.service))
      noGovernanceKey(spec<ServiceSpec>(svc).selector, svc.name);
    for (const np of resourcesOfType(plan, T.netpol)) {
      noGovernanceKey(spec<NetworkPolicySpec>(np).podSelector.matchLabels, np.name);
      for (const rule of spec<NetworkPolicySpec>(np).egress ?? [])
        for (const to of rule.to ?? []) noGovernanceKey(to.podSelector?.matchLabels, `${np.name} egress`);
    }
    // The PostgreSQL volumeClaimTemplate keeps the standard labels only: it cannot change in place,
    // so a tag change must not replace the StatefulSet.
    const [vct] = spec<StatefulSetSpec>(
      byName(plan, T.statefulSet, "reg-backend-postgres"),
    ).volumeClaimTemplates;
    noGovernanceKey(vct!.metadata.labels, "volumeClaimTemplate");
  });

  it("random credentials have no Kubernetes provider and are alphanumeric (they go into a URL)", () => {
    for (const r of resourcesOfType(plan, T.password)) {
      expect(r.provider.includes("kubernetes"), r.name).toBe(false);
      expect(r.inputs["special"], r.name).toBe(false);
      expect(r.inputs["length"] as number, r.name).toBeGreaterThanOrEqual(16);
    }
  });

  it("every pod template meets Pod Security 'restricted' and has its own ServiceAccount", () => {
    const workloads = plan.resources.filter((r) =>
      WORKLOAD_TYPES.includes(r.type as (typeof WORKLOAD_TYPES)[number]),
    );
    expect(workloads.map((w) => w.name).sort()).toEqual([
      "reg-artifacts-minio",
      "reg-artifacts-minio-mb",
      "reg-backend-postgres",
    ]);
    const saNames = resourcesOfType(plan, T.sa).map((r) => meta(r).name);
    const usedSas = new Set<string>();
    for (const w of workloads) {
      const pod = podSpecOf(w);
      expect(pod.automountServiceAccountToken, w.name).toBe(false);
      expect(pod.hostNetwork ?? false, w.name).toBe(false);
      expect(pod.hostPID ?? false, w.name).toBe(false);
      expect(pod.hostIPC ?? false, w.name).toBe(false);
      expect(saNames, w.name).toContain(pod.serviceAccountName);
      expect(pod.serviceAccountName).not.toBe("default");
      usedSas.add(pod.serviceAccountName);
      const psc = pod.securityContext;
      expect(psc.runAsNonRoot, w.name).toBe(true);
      expect(psc.runAsUser, w.name).toBeGreaterThan(0);
      expect(psc.runAsGroup, w.name).toBeGreaterThan(0);
      expect(psc.fsGroup, w.name).toBeGreaterThan(0);
      expect(psc.seccompProfile.type, w.name).toBe("RuntimeDefault");
      const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
      if (w.type === T.statefulSet)
        for (const t of spec<StatefulSetSpec>(w).volumeClaimTemplates) volumes.add(t.metadata.name);
      for (const c of allContainers(pod)) {
        const where = `${w.name}/${c.name}`;
        const sc = c.securityContext;
        expect(sc.allowPrivilegeEscalation, where).toBe(false);
        expect(sc.privileged ?? false, where).toBe(false);
        expect(sc.readOnlyRootFilesystem, where).toBe(true);
        expect(sc.runAsNonRoot, where).toBe(true);
        expect(sc.capabilities.drop, where).toEqual(["ALL"]);
        expect(sc.capabilities.add ?? [], where).toEqual([]);
        expect(sc.seccompProfile.type, where).toBe("RuntimeDefault");
        // requests and limits for cpu and memory
        for (const k of ["requests", "limits"] as const) {
          expect(c.resources[k]?.["cpu"], `${where} ${k}.cpu`).toBeTruthy();
          expect(c.resources[k]?.["memory"], `${where} ${k}.memory`).toBeTruthy();
        }
        // pinned images: a tag that is not "latest", from the documented set
        expect([MINIO_IMAGE, MC_IMAGE, POSTGRES_IMAGE], where).toContain(c.image);
        expect(c.image, where).toMatch(/:[^:/@]+$/);
        expect(c.image, where).not.toMatch(/:latest$/);
        // every mount names a declared volume; a read-only root needs writable mounts
        expect((c.volumeMounts ?? []).length, where).toBeGreaterThan(0);
        for (const vm of c.volumeMounts ?? [])
          expect(volumes.has(vm.name), `${where} mount ${vm.name}`).toBe(true);
      }
      // long-running servers have readiness and liveness probes
      if (w.type !== T.job) {
        for (const c of pod.containers) {
          expect(c.readinessProbe, `${w.name}/${c.name} readiness`).toBeDefined();
          expect(c.livenessProbe, `${w.name}/${c.name} liveness`).toBeDefined();
        }
      }
    }
    // one ServiceAccount per workload, all with token automount off
    expect(usedSas.size).toBe(workloads.length);
    for (const sa of resourcesOfType(plan, T.sa))
      expect(sa.inputs["automountServiceAccountToken"], sa.name).toBe(false);
  });

  it("every workload's pods are selected by a NetworkPolicy with both policy types", () => {
    const policies = resourcesOfType(plan, T.netpol);
    for (const w of plan.resources.filter((r) =>
      WORKLOAD_TYPES.includes(r.type as (typeof WORKLOAD_TYPES)[number]),
    )) {
      const labels = podLabelsOf(w);
      const selecting = policies.filter((p) =>
        isSubset(spec<NetworkPolicySpec>(p).podSelector.matchLabels ?? {}, labels),
      );
      expect(
        selecting.map((p) => p.name),
        w.name,
      ).toEqual([w.name]);
      expect(spec<NetworkPolicySpec>(selecting[0]!).policyTypes, w.name).toEqual(["Ingress", "Egress"]);
    }
  });

  it("secret values appear only in Secrets (stringData), and env reads them by secretKeyRef", () => {
    const all = JSON.stringify(plan);
    expect(all).not.toContain(DB_PASSWORD);
    expect(all).not.toMatch(/mock[0-9a-f]{28}/); // the engine's generated random passwords
    const secrets = new Map(resourcesOfType(plan, T.secret).map((s) => [meta(s).name, s]));
    expect([...secrets.keys()].sort()).toEqual([
      "reg-artifacts-minio-credentials",
      "reg-backend-postgres-credentials",
    ]);
    for (const s of secrets.values()) {
      expect(s.inputs["data"], s.name).toBeUndefined();
      // stringData is secret as a whole (masked map or masked values), never clear text
      const stringData = s.inputs["stringData"];
      if (typeof stringData === "string") expect(stringData, s.name).toBe("[secret]");
      else for (const v of Object.values(stringData as object)) expect(v, s.name).toBe("[secret]");
      expect(s.secretInputs ?? [], s.name).toEqual(
        expect.arrayContaining([expect.stringMatching(/^stringData/)]),
      );
    }
    const keysOf = (secretName: string): string[] => {
      const keys = seen.secretKeys?.get(secretName);
      expect(keys, `keys of ${secretName}`).toBeDefined();
      return keys!;
    };
    expect(keysOf("reg-artifacts-minio-credentials")).toEqual(["MINIO_ROOT_PASSWORD", "MINIO_ROOT_USER"]);
    expect(keysOf("reg-backend-postgres-credentials")).toEqual([
      "POSTGRES_DB",
      "POSTGRES_PASSWORD",
      "POSTGRES_USER",
    ]);
    for (const r of adapterChildren(plan).filter((x) => x.type !== T.secret)) {
      expect(JSON.stringify(r.inputs), r.name).not.toContain("[secret]");
    }
    const envs: [string, EnvVar][] = [];
    for (const w of plan.resources.filter((r) =>
      WORKLOAD_TYPES.includes(r.type as (typeof WORKLOAD_TYPES)[number]),
    )) {
      for (const c of allContainers(podSpecOf(w)))
        for (const e of c.env ?? []) envs.push([`${w.name}/${c.name}`, e]);
    }
    for (const e of plan.outputs["identityEnv"] as EnvVar[]) envs.push(["identity", e]);
    const secretish = /PASSWORD|SECRET|ACCESS_KEY|ROOT_USER|POSTGRES_USER|POSTGRES_DB/;
    let refs = 0;
    for (const [where, e] of envs) {
      if (secretish.test(e.name)) {
        expect(e.value, `${where} ${e.name}`).toBeUndefined();
        const ref = e.valueFrom?.secretKeyRef;
        expect(ref, `${where} ${e.name}`).toBeDefined();
        expect(secrets.has(ref.name), `${where} ${e.name} -> ${ref.name}`).toBe(true);
        expect(keysOf(ref.name), `${where} ${e.name}`).toContain(ref.key);
        refs++;
      }
    }
    // minio 2 + mc 2x2 + postgres 3 + identity 2
    expect(refs).toBe(11);
  });

  it("MinIO: pinned image, Recreate, console off, probes, PVC with the configured size and class", () => {
    const d = byName(plan, T.deployment, "reg-artifacts-minio");
    const ds = spec<DeploymentSpec>(d);
    expect(ds.replicas).toBe(1);
    expect(ds.strategy.type).toBe("Recreate");
    expect(ds.selector.matchLabels).toEqual({
      "app.kubernetes.io/name": "minio",
      "app.kubernetes.io/instance": "reg",
      "app.kubernetes.io/component": "artifacts",
    });
    expect(isSubset(ds.selector.matchLabels ?? {}, ds.template.metadata.labels)).toBe(true);
    const [c] = ds.template.spec.containers;
    expect(c!.image).toBe("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z");
    expect(c!.args).toEqual(expect.arrayContaining(["server", "/data"]));
    expect(c!.env).toContainEqual({ name: "MINIO_BROWSER", value: "off" });
    expect(c!.ports).toEqual([{ name: "s3", containerPort: 9000, protocol: "TCP" }]);
    expect(c!.readinessProbe.httpGet.path).toBe("/minio/health/ready");
    expect(c!.livenessProbe.httpGet.path).toBe("/minio/health/live");
    expect(ds.template.spec.volumes).toContainEqual({
      name: "data",
      persistentVolumeClaim: { claimName: "reg-artifacts-minio-data" },
    });
    const pvc = spec<PvcSpec>(byName(plan, T.pvc, "reg-artifacts-minio-data"));
    expect(pvc.resources.requests).toEqual({ storage: "25Gi" });
    expect(pvc.storageClassName).toBe("local-path");
    expect(pvc.accessModes).toEqual(["ReadWriteOnce"]);
    const svc = spec<ServiceSpec>(byName(plan, T.service, "reg-artifacts-minio"));
    expect(svc.type).toBe("ClusterIP");
    expect(svc.selector).toEqual(ds.selector.matchLabels);
    expect(svc.ports).toEqual([{ name: "s3", port: 9000, targetPort: "s3", protocol: "TCP" }]);
    // root credentials come from the Secret
    for (const key of ["MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"]) {
      expect(c!.env).toContainEqual({
        name: key,
        valueFrom: { secretKeyRef: { name: "reg-artifacts-minio-credentials", key } },
      });
    }
  });

  it("MinIO NetworkPolicy: ingress 9000 from this namespace only, no egress", () => {
    const np = spec<NetworkPolicySpec>(byName(plan, T.netpol, "reg-artifacts-minio"));
    expect(np.ingress).toEqual([{ from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: 9000 }] }]);
    expect(np.egress).toEqual([]);
  });

  it("bucket Job: pinned mc, idempotent mb then versioning, credentials by reference, bounded retries", () => {
    const job = byName(plan, T.job, "reg-artifacts-minio-mb");
    const js = spec<JobSpec>(job);
    expect(js.backoffLimit).toBeGreaterThan(0);
    expect(js.ttlSecondsAfterFinished).toBeGreaterThan(0);
    expect(js.activeDeadlineSeconds).toBeGreaterThan(0);
    const pod = js.template.spec;
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.initContainers?.map((c) => c.args)).toEqual([
      ["mb", "--ignore-existing", "minio/reg-artifacts"],
    ]);
    expect(pod.containers.map((c) => c.args)).toEqual([["version", "enable", "minio/reg-artifacts"]]);
    for (const c of allContainers(pod)) {
      expect(c.image).toBe("quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z");
      expect(c.env).toContainEqual({ name: "HOME", value: "/tmp" });
      expect(c.env).toContainEqual({ name: "MC_CONFIG_DIR", value: "/tmp/.mc" });
      const mcHost = c.env.find((e) => e.name === "MC_HOST_minio");
      expect(mcHost?.value).toBe(
        `http://$(MINIO_ACCESS_KEY_ID):$(MINIO_SECRET_ACCESS_KEY)@reg-artifacts-minio.${NS}.svc.cluster.local:9000`,
      );
      expect(c.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    }
    expect(pod.volumes?.[0]?.emptyDir).toBeDefined();
    // waits for the server, its Service and both NetworkPolicies
    for (const dep of [
      byName(plan, T.deployment, "reg-artifacts-minio"),
      byName(plan, T.service, "reg-artifacts-minio"),
      byName(plan, T.netpol, "reg-artifacts-minio-mb"),
    ]) {
      expect(job.dependencies).toContain(dep.urn);
    }
    const np = spec<NetworkPolicySpec>(byName(plan, T.netpol, "reg-artifacts-minio-mb"));
    expect(np.ingress).toEqual([]);
    expect(np.egress).toHaveLength(2);
    expect(np.egress[0]!.ports).toEqual([
      { protocol: "UDP", port: 53 },
      { protocol: "TCP", port: 53 },
    ]);
    expect(np.egress[1]).toEqual({
      to: [
        {
          podSelector: {
            matchLabels: spec<DeploymentSpec>(byName(plan, T.deployment, "reg-artifacts-minio")).selector
              .matchLabels,
          },
        },
      ],
      ports: [{ protocol: "TCP", port: 9000 }],
    });
  });

  it("object store result: deterministic bucket, s3 URI, endpoint env, egress to MinIO pods", () => {
    expect(plan.outputs["bucketName"]).toBe("reg-artifacts");
    expect(plan.outputs["uri"]).toBe("s3://reg-artifacts");
    expect(plan.outputs["storeEnv"]).toEqual([
      { name: "MLFLOW_S3_ENDPOINT_URL", value: `http://reg-artifacts-minio.${NS}.svc.cluster.local:9000` },
      { name: "AWS_DEFAULT_REGION", value: "us-east-1" },
    ]);
    expect(plan.outputs["storeEgress"]).toEqual([
      {
        to: [
          {
            podSelector: {
              matchLabels: {
                "app.kubernetes.io/name": "minio",
                "app.kubernetes.io/instance": "reg",
                "app.kubernetes.io/component": "artifacts",
              },
            },
          },
        ],
        ports: [{ protocol: "TCP", port: 9000 }],
      },
    ]);
    expect(plan.outputs["storeResource"]).toBe(byName(plan, T.job, "reg-artifacts-minio-mb").urn);
  });

  it("PostgreSQL: pinned alpine image as uid 70, PGDATA in a subdirectory, emptyDirs, pg_isready probes", () => {
    const sts = byName(plan, T.statefulSet, "reg-backend-postgres");
    const ss = spec<StatefulSetSpec>(sts);
    expect(ss.replicas).toBe(1);
    expect(ss.serviceName).toBe("reg-backend-postgres-hl");
    const pod = ss.template.spec;
    expect(pod.securityContext.runAsUser).toBe(70);
    expect(pod.securityContext.fsGroup).toBe(70);
    const [c] = pod.containers;
    expect(c!.image).toBe("postgres:17.11-alpine3.24");
    expect(c!.env).toContainEqual({ name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" });
    for (const key of ["POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_DB"]) {
      expect(c!.env).toContainEqual({
        name: key,
        valueFrom: { secretKeyRef: { name: "reg-backend-postgres-credentials", key } },
      });
    }
    const mounts = Object.fromEntries(c!.volumeMounts.map((m) => [m.mountPath, m.name]));
    expect(mounts).toEqual({
      "/var/lib/postgresql/data": "data",
      "/var/run/postgresql": "run",
      "/tmp": "tmp",
    });
    for (const v of pod.volumes ?? []) expect(v.emptyDir, v.name).toBeDefined();
    const isReady = ["pg_isready", "-U", "mlflow", "-d", "mlflow"];
    expect(c!.readinessProbe.exec.command).toEqual(isReady);
    expect(c!.livenessProbe.exec.command).toEqual(isReady);
    expect(c!.resources).toEqual({
      requests: { cpu: "250m", memory: "512Mi" },
      limits: { cpu: "1", memory: "1Gi" },
    });
    const [vct] = ss.volumeClaimTemplates;
    expect(vct!.metadata.name).toBe("data");
    expect(vct!.spec.resources.requests).toEqual({ storage: "20Gi" });
    expect(vct!.spec.storageClassName).toBe("local-path");
  });

  it("PostgreSQL Services and NetworkPolicy: headless + ClusterIP on 5432, ingress from this namespace only", () => {
    const selector = spec<StatefulSetSpec>(byName(plan, T.statefulSet, "reg-backend-postgres")).selector
      .matchLabels;
    const hl = spec<ServiceSpec>(byName(plan, T.service, "reg-backend-postgres-hl"));
    expect(hl.clusterIP).toBe("None");
    expect(hl.selector).toEqual(selector);
    const svc = spec<ServiceSpec>(byName(plan, T.service, "reg-backend-postgres"));
    expect(svc.type).toBe("ClusterIP");
    expect(svc.selector).toEqual(selector);
    expect(svc.ports).toEqual([{ name: "postgres", port: 5432, targetPort: "postgres", protocol: "TCP" }]);
    const np = spec<NetworkPolicySpec>(byName(plan, T.netpol, "reg-backend-postgres"));
    expect(np.podSelector.matchLabels).toEqual(selector);
    expect(np.ingress).toEqual([{ from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: 5432 }] }]);
    expect(np.egress).toEqual([]);
  });

  it("PostgreSQL result: in-cluster host, 5432, sslmode disable, egress to the postgres pods", () => {
    expect(plan.outputs["dbHost"]).toBe(`reg-backend-postgres.${NS}.svc.cluster.local`);
    expect(plan.outputs["dbPort"]).toBe(5432);
    expect(plan.outputs["dbName"]).toBe("mlflow");
    expect(plan.outputs["dbUser"]).toBe("mlflow");
    expect(plan.outputs["sslMode"]).toBe("disable");
    expect(plan.outputs["dbEgress"]).toEqual([
      {
        to: [
          {
            podSelector: {
              matchLabels: {
                "app.kubernetes.io/name": "postgres",
                "app.kubernetes.io/instance": "reg",
                "app.kubernetes.io/component": "backend",
              },
            },
          },
        ],
        ports: [{ protocol: "TCP", port: 5432 }],
      },
    ]);
    expect(plan.outputs["dbResource"]).toBe(byName(plan, T.statefulSet, "reg-backend-postgres").urn);
    expect(plan.warnings).toEqual([]);
  });

  it("workload identity: ServiceAccount without token, MinIO credentials by secretKeyRef, no extra egress", () => {
    const sa = byName(plan, T.sa, "reg-server-sa");
    expect(meta(sa).name).toBe("mlflow");
    expect(meta(sa).labels).toEqual({ ...GOVERNANCE_LABELS, "app.kubernetes.io/name": "mlflow" });
    expect(sa.inputs["automountServiceAccountToken"]).toBe(false);
    expect(plan.outputs["serviceAccountName"]).toBe("mlflow");
    expect(plan.outputs["principal"]).toBe("reg-artifacts-minio-credentials");
    expect(plan.outputs["identityEnv"]).toEqual([
      {
        name: "AWS_ACCESS_KEY_ID",
        valueFrom: { secretKeyRef: { name: "reg-artifacts-minio-credentials", key: "MINIO_ROOT_USER" } },
      },
      {
        name: "AWS_SECRET_ACCESS_KEY",
        valueFrom: { secretKeyRef: { name: "reg-artifacts-minio-credentials", key: "MINIO_ROOT_PASSWORD" } },
      },
    ]);
    expect(plan.outputs["identityEgress"]).toEqual([]);
  });

  it("nothing is protected or retained when ctx.protect is false", () => {
    for (const r of adapterChildren(plan)) {
      expect(r.protect, r.name).toBe(false);
      expect(r.retainOnDelete, r.name).toBe(false);
    }
  });
});

describe("local adapter: protect, defaults and variations", () => {
  it("protect: only the PVC and the StatefulSet are protected and retained on delete", async () => {
    const plan = await planOf(program({ ...DEV, protect: true }));
    const stateful = new Set([`${T.pvc} reg-artifacts-minio-data`, `${T.statefulSet} reg-backend-postgres`]);
    for (const r of adapterChildren(plan)) {
      const isStateful = stateful.has(`${r.type} ${r.name}`);
      expect(r.protect, r.name).toBe(isStateful);
      expect(r.retainOnDelete, r.name).toBe(isStateful);
    }
  });

  it("defaults: 10Gi MinIO volume and no storageClassName; versioning off runs a single mb container", async () => {
    const plan = await planOf(program({ ...DEV, settings: {}, versioning: false }));
    const pvc = spec<PvcSpec>(byName(plan, T.pvc, "reg-artifacts-minio-data"));
    expect(pvc.resources.requests).toEqual({ storage: "10Gi" });
    expect("storageClassName" in pvc).toBe(false);
    const vct = spec<StatefulSetSpec>(byName(plan, T.statefulSet, "reg-backend-postgres"))
      .volumeClaimTemplates[0]!;
    expect("storageClassName" in vct.spec).toBe(false);
    const pod = spec<JobSpec>(byName(plan, T.job, "reg-artifacts-minio-mb")).template.spec;
    expect(pod.initContainers ?? []).toEqual([]);
    expect(pod.containers.map((c) => c.args)).toEqual([["mb", "--ignore-existing", "minio/reg-artifacts"]]);
  });

  it("HA and PITR requests warn (no local effect); size picks container resources", async () => {
    const plan = await planOf(
      program({
        ...DEV,
        db: { ...DB, highAvailability: true, pointInTimeRecovery: true, size: "large", storageGb: 100 },
      }),
    );
    expect(plan.warnings.some((w) => /highAvailability has no effect/.test(w))).toBe(true);
    expect(plan.warnings.some((w) => /pointInTimeRecovery has no effect/.test(w))).toBe(true);
    const ss = spec<StatefulSetSpec>(byName(plan, T.statefulSet, "reg-backend-postgres"));
    expect(ss.replicas).toBe(1);
    expect(ss.template.spec.containers[0]!.resources.limits).toEqual({ cpu: "4", memory: "4Gi" });
    expect(ss.volumeClaimTemplates[0]!.spec.resources.requests).toEqual({ storage: "100Gi" });
  });

  it("long names are cut deterministically to DNS-1123 limits (StatefulSet <= 52) and the bucket to S3 rules", async () => {
    const name = `Very_Long.Component-${"x".repeat(60)}`;
    const plan1 = await planOf(program({ ...DEV, name }));
    const plan2 = await planOf(program({ ...DEV, name }));
    const names = (p: Plan) =>
      adapterChildren(p)
        .map((r) => `${r.type} ${r.name}`)
        .sort();
    expect(names(plan1)).toEqual(names(plan2));
    const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
    for (const r of adapterChildren(plan1).filter((x) => x.type.startsWith("kubernetes:"))) {
      for (const v of Object.values(meta(r).labels ?? {})) {
        expect(v, `${r.name} label`).toMatch(labelValue);
        expect(v.length, `${r.name} label`).toBeLessThanOrEqual(63);
      }
      const n = meta(r).name;
      expect(n, r.name).toMatch(DNS1123_LABEL);
      expect(n.length, r.name).toBeLessThanOrEqual(r.type === T.statefulSet ? 52 : 63);
    }
    // distinct objects stay distinct after cutting
    const deployments = resourcesOfType(plan1, T.deployment).map((r) => r.name);
    const jobs = resourcesOfType(plan1, T.job).map((r) => r.name);
    expect(deployments[0]).not.toBe(jobs[0]);
    const bucket = plan1.outputs["bucketName"] as string;
    expect(bucket).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
    expect(bucket.startsWith("very-long-component-")).toBe(true);
    // the Job targets the same bucket the store reports
    const job = spec<JobSpec>(byName(plan1, T.job, jobs[0]!)).template.spec;
    expect(allContainers(job)[0]!.args).toEqual(["mb", "--ignore-existing", `minio/${bucket}`]);
  });
});

describe("local adapter: workloadIdentity only accepts this adapter's buckets", () => {
  it("no buckets: a bare ServiceAccount with no credentials", async () => {
    let env: unknown;
    const plan = await planOf(() => {
      const parent = new Host("a");
      const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
      const adapter = createLocalAdapter(
        { parent, k8sProvider, name: "a", namespace: NS, tags: {}, protect: false, dependsOn: [] },
        {},
      );
      env = adapter.workloadIdentity("server", {
        serviceAccountName: "x",
        grants: [],
        labels: {},
      }).env;
    });
    expect(env).toEqual([]);
    expect(adapterChildren(plan).map((r) => `${r.type} ${r.name}`)).toEqual([`${T.sa} a-server-sa`]);
  });

  it("throws, creating nothing, for a hand-made bucket no local adapter created", async () => {
    const errors: string[] = [];
    const attempt = (f: () => unknown): void => {
      try {
        f();
        errors.push("(no error)");
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    };
    const plan = await planOf(() => {
      const parent = new Host("a");
      const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
      const base = { parent, k8sProvider, namespace: NS, tags: {}, protect: false, dependsOn: [] };
      const a = createLocalAdapter({ ...base, name: "a" }, {});
      const own = a.objectStore("artifacts", { versioning: false, forceDestroy: true });
      const fake: ObjectStore = {
        kind: StoreKind.objectStore,
        bucketName: pulumi.output("b"),
        uri: pulumi.output("s3://b"),
        clientEnv: [],
        egress: [],
        resource: parent,
      };
      attempt(() =>
        a.workloadIdentity("two", {
          serviceAccountName: "y",
          grants: [
            { resource: own, access: Access.readWrite },
            { resource: fake, access: Access.readWrite },
          ],
          labels: {},
        }),
      );
    });
    expect(errors).toEqual([
      expect.stringMatching(
        /workloadIdentity\("two"\): grants\[1\]\.resource was not created by this adapter/,
      ),
    ]);
    // validation happens before the ServiceAccount is created
    expect(resourcesOfType(plan, T.sa).filter((r) => /-two-sa$/.test(r.name))).toEqual([]);
  });

  it("several buckets: warns that only the first store's credentials are injected", async () => {
    let env: unknown;
    const plan = await planOf(() => {
      const parent = new Host("a");
      const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
      const adapter = createLocalAdapter(
        { parent, k8sProvider, name: "a", namespace: NS, tags: {}, protect: false, dependsOn: [] },
        {},
      );
      const one = adapter.objectStore("one", { versioning: false, forceDestroy: true });
      const two = adapter.objectStore("two", { versioning: false, forceDestroy: true });
      env = adapter.workloadIdentity("server", {
        serviceAccountName: "x",
        grants: [
          { resource: one, access: Access.readWrite },
          { resource: two, access: Access.readWrite },
        ],
        labels: {},
      }).env;
    });
    expect(plan.warnings.some((w) => /only the first one's credentials/.test(w))).toBe(true);
    expect(JSON.stringify(env)).toContain("a-one-minio-credentials");
    expect(JSON.stringify(env)).not.toContain("a-two-minio-credentials");
  });
});

describe("local adapter: invalid names", () => {
  it("a name that cannot start a Service name is rejected with a clear error before anything is created", async () => {
    let message = "(no error)";
    const plan = await planOf(() => {
      const parent = new Host("h");
      const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
      const adapter = createLocalAdapter(
        { parent, k8sProvider, name: "9lives", namespace: NS, tags: {}, protect: false, dependsOn: [] },
        {},
      );
      try {
        adapter.objectStore("artifacts", { versioning: false, forceDestroy: true });
      } catch (err) {
        message = err instanceof Error ? err.message : String(err);
      }
    });
    expect(message).toMatch(/"9lives-artifacts-minio", which does not start with a letter/);
    expect(adapterChildren(plan)).toEqual([]);
  });
});

describe("local adapter: a read grant on another component's store (a serving component reading the registry's models)", () => {
  it("creates the reader where the store runs, admits the workload's namespace, and lists the credentials on the ServiceAccount", async () => {
    let identity: WorkloadIdentity | undefined;
    const plan = await planOf(() => {
      const parent = new Host("a");
      const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
      const base = { parent, k8sProvider, tags: {}, protect: false, dependsOn: [] };
      const registry = createLocalAdapter({ ...base, name: "registry", namespace: "mlflow" }, {});
      const serving = createLocalAdapter({ ...base, name: "serving", namespace: "serving" }, {});
      const store = registry.objectStore("artifacts", { versioning: false, forceDestroy: true });
      identity = serving.workloadIdentity("model", {
        serviceAccountName: "model",
        grants: [{ resource: store, access: Access.read }],
        labels: {},
      });
    });
    const names = (type: string) =>
      resourcesOfType(plan, type)
        .filter((r) => r.name.startsWith("serving-"))
        .map((r) => `${(r.inputs["metadata"] as { namespace: string }).namespace}/${r.name}`)
        .sort();
    // The user, its policy and the Job in the store's namespace; the client policy there too.
    expect(names(T.job)).toEqual(["mlflow/serving-model-minio-reader"]);
    expect(names("kubernetes:core/v1:ConfigMap")).toEqual(["mlflow/serving-model-minio-reader"]);
    expect(names(T.secret)).toEqual([
      "mlflow/serving-model-minio-reader",
      "serving/serving-model-s3-credentials",
    ]);
    expect(names(T.netpol)).toEqual(["mlflow/serving-model-minio-client"]);
    const job = findResource(plan, T.job, "serving-model-minio-reader");
    expect(spec<JobSpec>(job).template.spec.serviceAccountName).toBe("registry-artifacts-minio-mb");
    const client = findResource(plan, T.netpol, "serving-model-minio-client");
    expect(client.inputs["spec"]).toEqual({
      podSelector: {
        matchLabels: {
          "app.kubernetes.io/name": "minio",
          "app.kubernetes.io/instance": "registry",
          "app.kubernetes.io/component": "artifacts",
        },
      },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "serving" } } }],
          ports: [{ protocol: "TCP", port: 9000 }],
        },
      ],
    });
    const creds = findResource(plan, T.secret, "serving-model-s3-credentials");
    expect((creds.inputs["metadata"] as { annotations: unknown }).annotations).toEqual({
      "serving.kserve.io/s3-endpoint": "registry-artifacts-minio.mlflow.svc.cluster.local:9000",
      "serving.kserve.io/s3-usehttps": "0",
      "serving.kserve.io/s3-region": "us-east-1",
    });
    expect(Object.keys(creds.inputs["stringData"] as object).sort()).toEqual([
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
    ]);
    const sa = findResource(plan, T.sa, "serving-model-sa");
    expect(sa.inputs["secrets"]).toEqual([{ name: "serving-model-s3-credentials" }]);
    expect(identity?.env).toEqual([
      {
        name: "AWS_ACCESS_KEY_ID",
        valueFrom: { secretKeyRef: { name: "serving-model-s3-credentials", key: "AWS_ACCESS_KEY_ID" } },
      },
      {
        name: "AWS_SECRET_ACCESS_KEY",
        valueFrom: { secretKeyRef: { name: "serving-model-s3-credentials", key: "AWS_SECRET_ACCESS_KEY" } },
      },
    ]);
    expect(identity?.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "mlflow" } },
            podSelector: {
              matchLabels: {
                "app.kubernetes.io/name": "minio",
                "app.kubernetes.io/instance": "registry",
                "app.kubernetes.io/component": "artifacts",
              },
            },
          },
        ],
        ports: [{ protocol: "TCP", port: 9000 }],
      },
    ]);
    expect(identity?.ready).toHaveLength(1);
  });

  it("readWrite: a MinIO writer user (object read/write on that bucket, no admin rights), never the root credentials", async () => {
    let identity: WorkloadIdentity | undefined;
    const plan = await planOf(() => {
      const parent = new Host("a");
      const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
      const base = { parent, k8sProvider, tags: {}, protect: false, dependsOn: [] };
      const features = createLocalAdapter({ ...base, name: "features", namespace: "feast" }, {});
      const loop = createLocalAdapter({ ...base, name: "loop", namespace: "recsys" }, {});
      const store = features.objectStore("offline", { versioning: false, forceDestroy: true });
      identity = loop.workloadIdentity("training", {
        serviceAccountName: "trainer",
        grants: [{ resource: store, access: Access.readWrite }],
        labels: {},
      });
    });
    const names = (type: string) =>
      resourcesOfType(plan, type)
        .filter((r) => r.name.startsWith("loop-"))
        .map((r) => `${(r.inputs["metadata"] as { namespace: string }).namespace}/${r.name}`)
        .sort();
    expect(names(T.job)).toEqual(["feast/loop-training-minio-writer"]);
    expect(names(T.secret)).toEqual([
      "feast/loop-training-minio-writer",
      "recsys/loop-training-s3-credentials",
    ]);
    expect(names(T.netpol)).toEqual(["feast/loop-training-minio-client"]);
    const job = findResource(plan, T.job, "loop-training-minio-writer");
    const steps = [
      ...spec<JobSpec>(job).template.spec.initContainers,
      ...spec<JobSpec>(job).template.spec.containers,
    ];
    expect(steps.map((c) => c.args)).toEqual([
      ["admin", "policy", "create", "minio", MINIO_READ_WRITE_POLICY, "/policy/policy.json"],
      ["admin", "user", "add", "minio", "$(READER_USER)", "$(READER_PASSWORD)"],
      ["admin", "policy", "attach", "minio", MINIO_READ_WRITE_POLICY, "--user", "$(READER_USER)"],
    ]);
    const policy = findResource(plan, "kubernetes:core/v1:ConfigMap", "loop-training-minio-writer");
    expect((policy.inputs["data"] as Record<string, string>)["policy.json"]).toBe(
      minioReadWritePolicy("features-offline"),
    );
    expect(JSON.parse(minioReadWritePolicy("features-offline"))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
          Resource: ["arn:aws:s3:::features-offline"],
        },
        {
          Effect: "Allow",
          Action: [
            "s3:GetObject",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts",
          ],
          Resource: ["arn:aws:s3:::features-offline/*"],
        },
      ],
    });
    // The workload's keys are the writer's (in its own namespace), never the store's root Secret.
    expect(JSON.stringify(identity?.env)).toContain("loop-training-s3-credentials");
    expect(JSON.stringify(identity?.env)).not.toContain("features-offline-minio-credentials");
    expect(identity?.ready).toHaveLength(1);
  });
});
