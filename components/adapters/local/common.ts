/**
 * Naming, resource options and other helpers shared by the `local` adapter's files.
 *
 * Every Kubernetes object the adapter creates has the same string as its Pulumi resource name and
 * as its `metadata.name` (no auto-naming), so in-cluster DNS names are known before deployment:
 * `${ctx.name}-<role>-<kind>`, lower-cased and cut to a DNS-1123 label.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
  governanceLabels,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from "../../shared/k8s";
import { shortHash, slug } from "../../shared/names";
import type { AdapterContext, LocalTargetArgs } from "../types";

/** Longest DNS-1123 label (Service, Job and label-value limit). */
export const MAX_NAME_LENGTH = 63;

/**
 * Longest StatefulSet name: the controller adds a `controller-revision-hash` label whose value is
 * `<name>-<10-char hash>`, and label values are limited to 63 characters.
 */
export const MAX_STATEFULSET_NAME_LENGTH = 52;

/**
 * Cuts `name` to `maxLength`, replacing the tail by a hash of the full name so that two long names
 * that share a prefix stay distinct. Deterministic: the same input always gives the same name.
 */
function fitLength(name: string, maxLength: number): string {
  if (name.length <= maxLength) return name;
  const head = name.slice(0, maxLength - 9).replace(/-+$/, "");
  return `${head}-${shortHash(name, 8)}`;
}

/**
 * The name of one object: `${ctx.name}-<role>-<kind>` as a DNS-1035 label (the strictest form,
 * which Services need: lower-case alphanumerics and `-`, starting with a letter, at most
 * `maxLength` characters). Used both as the Pulumi resource name and as `metadata.name`.
 *
 * @throws Error when the name does not start with a letter after sanitizing (a Service name must).
 */
export function objectName(
  ctx: AdapterContext,
  role: string,
  kind: string,
  maxLength = MAX_NAME_LENGTH,
): string {
  const name = slug([`${ctx.name}-${role}-${kind}`]);
  if (!/^[a-z]/.test(name)) {
    throw new Error(
      `local adapter: the component name "${ctx.name}" with role "${role}" gives the Kubernetes name ` +
        `"${name}", which does not start with a letter; Kubernetes Service names (DNS-1035) must.`,
    );
  }
  return fitLength(name, maxLength);
}

/**
 * A bucket name for `${ctx.name}-<role>` that follows the S3 bucket naming rules MinIO applies
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html): 3-63 characters,
 * lower-case letters, digits and `-` (no dots, so it is always a valid virtual-host label), starting
 * and ending with a letter or digit, not starting with `xn--` or `sthree-`, not ending with
 * `-s3alias` or `--ol-s3`.
 */
export function bucketName(ctx: AdapterContext, role: string): string {
  let name = slug([`${ctx.name}-${role}`]);
  if (name.startsWith("xn--") || name.startsWith("sthree-")) name = `b-${name}`;
  if (name.length < 3) name = `${name}-bucket`.replace(/^-/, "");
  name = fitLength(name, 63);
  if (name.endsWith("-s3alias") || name.endsWith("--ol-s3")) name = fitLength(`${name}-b`, 63);
  return name;
}

/** A valid Kubernetes label value: at most 63 characters of `[A-Za-z0-9_.-]`, alphanumeric at both ends. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * `ctx.name` as a label value for `app.kubernetes.io/instance`: unchanged when it is a valid label
 * value, otherwise sanitized and cut (with a hash of the original) so that labels and selectors
 * are accepted by the API server.
 */
export function instanceLabel(ctx: AdapterContext): string {
  if (ctx.name.length <= MAX_NAME_LENGTH && LABEL_VALUE.test(ctx.name)) return ctx.name;
  const head = ctx.name
    .replace(/[^A-Za-z0-9_.-]+/g, "-")
    .slice(0, MAX_NAME_LENGTH - 9)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  return head ? `${head}-${shortHash(ctx.name, 8)}` : shortHash(ctx.name, 8);
}

/**
 * `metadata.labels` for an object of the adapter: the governance labels from `ctx.tags` (owner,
 * cost-center, ... as valid label syntax) plus `labels`, which win on a clash so that the
 * `app.kubernetes.io/*` labels selectors rely on cannot be overridden by a tag. Never use the
 * result in a selector (`matchLabels`, Service `selector`): tags may change, selectors must not.
 */
export function objectLabels(ctx: AdapterContext, labels: Record<string, string>): Record<string, string> {
  return { ...governanceLabels(ctx.tags), ...labels };
}

/** Extra options for one child on top of the context's parent, provider and `dependsOn`. */
export interface ChildOptions {
  /** Children of this adapter the resource must wait for (added to `ctx.dependsOn`). */
  dependsOn?: pulumi.Resource[];
  /** Stateful (PVC, StatefulSet): `protect` and `retainOnDelete` follow `ctx.protect`. */
  stateful?: boolean;
  /** Values of these output properties are stored as secrets. */
  additionalSecretOutputs?: string[];
}

/**
 * Resource options for a Kubernetes child: `{ parent: ctx.parent, provider: ctx.k8sProvider,
 * dependsOn: ctx.dependsOn }` plus `protect`/`retainOnDelete` for stateful children.
 */
export function childOptions(ctx: AdapterContext, extra: ChildOptions = {}): pulumi.CustomResourceOptions {
  const opts: pulumi.CustomResourceOptions = {
    parent: ctx.parent,
    provider: ctx.k8sProvider,
    dependsOn: [...ctx.dependsOn, ...(extra.dependsOn ?? [])],
  };
  if (extra.stateful) {
    opts.protect = ctx.protect;
    opts.retainOnDelete = ctx.protect;
  }
  if (extra.additionalSecretOutputs) opts.additionalSecretOutputs = extra.additionalSecretOutputs;
  return opts;
}

/**
 * Resource options for a non-Kubernetes child (random credentials): parent and `dependsOn` only,
 * no Kubernetes provider.
 */
export function plainChildOptions(ctx: AdapterContext): pulumi.CustomResourceOptions {
  return { parent: ctx.parent, dependsOn: [...ctx.dependsOn] };
}

/** A disk-backed `emptyDir` volume with a size limit (scratch space under a read-only root). */
export function emptyDirVolume(name: string, sizeLimit: string): k8s.types.input.core.v1.Volume {
  return { name, emptyDir: { sizeLimit } };
}

/**
 * NetworkPolicy ingress rule that admits TCP `port` from any pod in the policy's own namespace
 * (a `podSelector` without a `namespaceSelector` matches only the policy's namespace).
 */
export function sameNamespaceIngress(port: number): k8s.types.input.networking.v1.NetworkPolicyIngressRule {
  return { from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port }] };
}

/** NetworkPolicy egress rule to TCP `port` of pods with `matchLabels` in the policy's own namespace. */
export function podEgress(
  matchLabels: Record<string, string>,
  port: number,
): k8s.types.input.networking.v1.NetworkPolicyEgressRule {
  return { to: [{ podSelector: { matchLabels: { ...matchLabels } } }], ports: [{ protocol: "TCP", port }] };
}

/** `<service>.<namespace>.svc.cluster.local`, the in-cluster DNS name of a Service. */
export function serviceHost(service: string, namespace: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.interpolate`${service}.${namespace}.svc.cluster.local`;
}

/** A ServiceAccount `name` for one workload, without token automount (the workloads never call the API). */
export function workloadServiceAccount(
  ctx: AdapterContext,
  name: string,
  labels: Record<string, string>,
): k8s.core.v1.ServiceAccount {
  return new k8s.core.v1.ServiceAccount(
    name,
    { metadata: { name, namespace: ctx.namespace, labels }, automountServiceAccountToken: false },
    childOptions(ctx),
  );
}

/** A NetworkPolicy `name` for server pods (`selector`): only `ingress` in, nothing out. */
export function serverNetworkPolicy(
  ctx: AdapterContext,
  name: string,
  labels: Record<string, string>,
  selector: Record<string, string>,
  ingress: k8s.types.input.networking.v1.NetworkPolicyIngressRule[],
): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    name,
    {
      metadata: { name, namespace: ctx.namespace, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ["Ingress", "Egress"],
        ingress,
        egress: [],
      },
    },
    childOptions(ctx),
  );
}

/** What `statefulServices` exposes: one named TCP port of the StatefulSet's pods. */
export interface StatefulServiceArgs {
  /** Name of the ClusterIP Service (and of the StatefulSet). */
  name: string;
  /** Name of the governing headless Service. */
  headlessName: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
  /** Name of the container port (also the Service port's name). */
  portName: string;
  port: number;
}

/**
 * The governing headless Service of a single-instance StatefulSet and the ClusterIP Service
 * clients connect to, both on one named port.
 */
export function statefulServices(
  ctx: AdapterContext,
  args: StatefulServiceArgs,
): { headless: k8s.core.v1.Service; service: k8s.core.v1.Service } {
  const ports = [{ name: args.portName, port: args.port, targetPort: args.portName, protocol: "TCP" }];
  const service = (name: string, spec: k8s.types.input.core.v1.ServiceSpec) =>
    new k8s.core.v1.Service(
      name,
      { metadata: { name, namespace: ctx.namespace, labels: args.labels }, spec },
      childOptions(ctx),
    );
  return {
    headless: service(args.headlessName, { clusterIP: "None", selector: args.selector, ports }),
    service: service(args.name, { type: "ClusterIP", selector: args.selector, ports }),
  };
}

/**
 * The `data` volumeClaimTemplate of a StatefulSet. Standard labels only: volumeClaimTemplates
 * cannot be changed in place, so a tag change would replace the StatefulSet (the PVCs are not
 * Pulumi objects).
 */
export function dataVolumeClaimTemplate(
  standardLabels: Record<string, string>,
  storageGb: number,
  local: LocalTargetArgs | undefined,
): k8s.types.input.core.v1.PersistentVolumeClaim {
  return {
    metadata: { name: "data", labels: standardLabels },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: `${storageGb}Gi` } },
      ...(local?.storageClassName !== undefined ? { storageClassName: local.storageClassName } : {}),
    },
  };
}

type Probe = k8s.types.input.core.v1.Probe;

/**
 * Start-up, readiness and liveness probes of a data server with one check (`handler`: an `exec`
 * or `tcpSocket`): start-up every 5 s for up to `startupSeconds`, readiness every 10 s (3
 * failures), liveness every 20 s (6 failures, so a busy server is not restarted too early).
 */
export function serverProbes(
  handler: Pick<Probe, "exec" | "tcpSocket">,
  startupSeconds: number,
): { startupProbe: Probe; readinessProbe: Probe; livenessProbe: Probe } {
  return {
    startupProbe: { ...handler, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: startupSeconds / 5 },
    readinessProbe: { ...handler, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    livenessProbe: { ...handler, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
  };
}

/** What `singleInstanceStatefulSet` runs. */
export interface SingleInstanceStatefulSetArgs extends StatefulServiceArgs {
  /** uid (and gid) of the pod's "restricted" security context. */
  uid: number;
  gid?: number;
  /** The one container (its `securityContext` is set to the restricted one here). */
  container: k8s.types.input.core.v1.Container;
  /** Pod volumes besides the `data` claim. */
  volumes: k8s.types.input.core.v1.Volume[];
  /** The `data` volumeClaimTemplate (`dataVolumeClaimTemplate`). */
  data: k8s.types.input.core.v1.PersistentVolumeClaim;
  /** Children the StatefulSet waits for (Secret, ServiceAccount, NetworkPolicy, Services). */
  dependsOn: pulumi.Resource[];
}

/**
 * A one-replica StatefulSet of a data server under its governing headless Service, running as the
 * ServiceAccount of the same name (no token), Pod Security "restricted", no service links. The
 * data PVC outlives the StatefulSet (the explicit Kubernetes default retention policy, also on
 * replacement). Stateful: `protect`/`retainOnDelete` from the context.
 */
export function singleInstanceStatefulSet(
  ctx: AdapterContext,
  args: SingleInstanceStatefulSetArgs,
): k8s.apps.v1.StatefulSet {
  const { name, labels } = args;
  return new k8s.apps.v1.StatefulSet(
    name,
    {
      metadata: { name, namespace: ctx.namespace, labels },
      spec: {
        replicas: 1,
        serviceName: args.headlessName,
        selector: { matchLabels: args.selector },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(args.uid, args.gid),
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                ...args.container,
                imagePullPolicy: "IfNotPresent",
                ports: [{ name: args.portName, containerPort: args.port, protocol: "TCP" }],
                securityContext: restrictedContainerSecurityContext(),
              },
            ],
            volumes: args.volumes,
          },
        },
        volumeClaimTemplates: [args.data],
      },
    },
    childOptions(ctx, { stateful: true, dependsOn: args.dependsOn }),
  );
}

/**
 * An Opaque Secret `name` of credentials. `stringData` stays secret end to end: the provider
 * stores it as a secret, and `data`/`stringData` are marked secret outputs too in case a caller
 * passed a plain Output.
 */
export function credentialsSecret(
  ctx: AdapterContext,
  name: string,
  labels: Record<string, string>,
  stringData: Record<string, pulumi.Input<string>>,
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(
    name,
    { metadata: { name, namespace: ctx.namespace, labels }, type: "Opaque", stringData },
    childOptions(ctx, { additionalSecretOutputs: ["data", "stringData"] }),
  );
}
