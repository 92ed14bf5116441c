/**
 * `mlops:index:SecureWorkload`: one HTTP service on Kubernetes that meets the Pod Security
 * "restricted" profile (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted):
 * non-root uid/gid, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp,
 * a read-only root filesystem, requests and limits, and no API token in the pod unless asked.
 *
 * Children (for a component named `n`, Kubernetes names from `objectName`):
 * - the ServiceAccount `n-sa`, unless `serviceAccountName` names one created elsewhere (e.g. by
 *   an adapter's workload identity, which annotates it for IRSA / Workload Identity);
 * - the Deployment `n` (rolling update with no unavailable replica, zone spread on request);
 * - the ClusterIP Service `n-service` (port `port`, named `http`);
 * - the NetworkPolicy `n-network-policy`: ingress on `port` from `ingressFrom` only (plus any
 *   `extraIngress` rules, e.g. the metrics scrapers'), egress to the cluster DNS plus `egress`;
 * - the PodDisruptionBudget `n-pdb` (minAvailable 1) with `podDisruptionBudget` and ≥ 2 replicas
 *   (with one replica a PDB would block every node drain).
 * The Kubernetes provider comes from the options (`provider` / `providers`); the options'
 * `dependsOn` applies to every child.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { MlopsComponent } from "./component";
import {
  dnsEgressRule,
  resources,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  uniqueEnv,
  uniqueRules,
  zoneSpreadConstraint,
  type ContainerResources,
} from "./k8s";
import { dnsLabel } from "./names";
import { containerResourcesSchema, dnsLabelSchema, pinnedImageSchema, tagsSchema } from "./schemas";
import { argError, input, validateArgs } from "./validation";

/** Type token of {@link SecureWorkload}. */
export const SECURE_WORKLOAD_TYPE = "mlops:index:SecureWorkload";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;
type IngressRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

/** Arguments of {@link SecureWorkload}. */
export interface SecureWorkloadArgs {
  /** Namespace to run in (a RestrictedNamespace's `namespaceName`, or an existing one). */
  namespace: pulumi.Input<string>;
  /** Kubernetes name of the Deployment, Service, PDB and created ServiceAccount. @default the component name as a DNS label */
  objectName?: string;
  /** Kubernetes name of the NetworkPolicy. @default objectName */
  networkPolicyName?: string;
  /** Labels on every object and on the pods. Must include every `selectorLabels` entry. */
  labels: Record<string, string>;
  /** Labels that select the pods (stable across upgrades; a subset of `labels`). */
  selectorLabels: Record<string, string>;
  /** Container image, pinned to a tag other than `latest` or to a digest. */
  image: string;
  /** Name of the container. @default "app" */
  containerName?: string;
  /** Entrypoint override. @default the image's entrypoint */
  command?: string[];
  /** Container arguments. @default the image's command */
  args?: pulumi.Input<string>[];
  /** Environment variables; the first of two with one name wins. @default [] */
  env?: EnvVar[];
  /** Extra volumes. The root filesystem is read-only, so writable paths need an `emptyDir` here. @default [] */
  volumes?: Volume[];
  /** Mounts of `volumes` in the container. @default [] */
  volumeMounts?: VolumeMount[];
  /**
   * Init containers (each with its own restricted securityContext, requests and limits), e.g. the
   * dependency install of `pythonJobPod` (./python-job.ts). @default []
   */
  initContainers?: Container[];
  /** Container port, named `http`, served by the Service on the same port. */
  port: number;
  /**
   * HTTP path of the startup, readiness and liveness probes (on port `http`, timeout 5 s; startup
   * every 10 s for up to 5 min, readiness every 10 s, liveness every 20 s, 3 failures).
   * @default no probes
   */
  healthCheckPath?: string;
  /** Replicas. @default 1 */
  replicas?: number;
  /** Requests and limits of the container (always both). */
  resources: ContainerResources;
  /** uid the container runs as (never 0). @default 65532 (the distroless "nonroot" user) */
  runAsUser?: number;
  /** gid the container runs as, also the fsGroup. @default runAsUser */
  runAsGroup?: number;
  /**
   * An existing ServiceAccount to run as (e.g. one bound to a cloud identity); none is created.
   * @default a ServiceAccount `objectName` created here, with token automount off
   */
  serviceAccountName?: pulumi.Input<string>;
  /** Mount the Kubernetes API token into the pods (only for workloads that call the API server). @default false */
  automountServiceAccountToken?: boolean;
  /** Spread replicas across zones (`topology.kubernetes.io/zone`, ScheduleAnyway). @default false */
  spreadAcrossZones?: boolean;
  /** Add a PodDisruptionBudget (minAvailable 1) when there are at least 2 replicas. @default false */
  podDisruptionBudget?: boolean;
  /** Sources admitted to `port`. @default [{ podSelector: {} }] (pods of the same namespace) */
  ingressFrom?: Peer[];
  /**
   * Ingress rules beyond `ingressFrom` → `port`, each with its own sources and ports: e.g. the
   * cluster's metrics scrapers (`scraperIngressRule` in components/shared/scrape-target.ts).
   * @default []
   */
  extraIngress?: IngressRule[];
  /** Egress beyond the cluster DNS (always allowed). @default [] */
  egress?: EgressRule[];
  /** Service annotations (e.g. a load balancer's target settings). @default {} (none set) */
  serviceAnnotations?: Record<string, pulumi.Input<string>>;
  /** Resources the Deployment waits for beyond the options' `dependsOn` (config Secrets, a migration Job, identity bindings). @default [] */
  deploymentDependsOn?: pulumi.Resource[];
  /** Resources the Service waits for beyond the options' `dependsOn` (load-balancer companions). @default [] */
  serviceDependsOn?: pulumi.Resource[];
}

const resourcesSchema = containerResourcesSchema;
const resourceList = z.array(
  z.custom<pulumi.Resource>((v) => pulumi.Resource.isInstance(v), { message: "must be a Pulumi resource" }),
);

/** @internal */
export const secureWorkloadArgsSchema = z
  .object({
    namespace: input(dnsLabelSchema()),
    objectName: dnsLabelSchema().optional(),
    networkPolicyName: dnsLabelSchema().optional(),
    labels: tagsSchema,
    selectorLabels: tagsSchema.refine((v) => Object.keys(v).length > 0, { message: "must not be empty" }),
    image: pinnedImageSchema,
    containerName: dnsLabelSchema().optional(),
    command: z.array(z.string()).optional(),
    args: z.array(input(z.string())).optional(),
    env: z.array(z.custom<EnvVar>((v) => typeof v === "object" && v !== null)).optional(),
    volumes: z.array(z.custom<Volume>((v) => typeof v === "object" && v !== null)).optional(),
    volumeMounts: z.array(z.custom<VolumeMount>((v) => typeof v === "object" && v !== null)).optional(),
    initContainers: z.array(z.custom<Container>((v) => typeof v === "object" && v !== null)).optional(),
    port: z.number().int().min(1).max(65535),
    healthCheckPath: z.string().startsWith("/").optional(),
    replicas: z.number().int().min(1).max(100).optional(),
    resources: resourcesSchema,
    runAsUser: z.number().int().min(1).optional(),
    runAsGroup: z.number().int().min(1).optional(),
    serviceAccountName: input(z.string().min(1)).optional(),
    automountServiceAccountToken: z.boolean().optional(),
    spreadAcrossZones: z.boolean().optional(),
    podDisruptionBudget: z.boolean().optional(),
    ingressFrom: z.array(z.custom<Peer>((v) => typeof v === "object" && v !== null)).optional(),
    extraIngress: z.array(z.custom<IngressRule>((v) => typeof v === "object" && v !== null)).optional(),
    egress: z.array(z.custom<EgressRule>((v) => typeof v === "object" && v !== null)).optional(),
    serviceAnnotations: z.record(z.string(), input(z.string())).optional(),
    deploymentDependsOn: resourceList.optional(),
    serviceDependsOn: resourceList.optional(),
  })
  .strict();

/** A restricted-profile Deployment with its ServiceAccount, Service, NetworkPolicy and PDB (see the module comment). */
export class SecureWorkload extends MlopsComponent {
  /** Name of the Service (in `namespace`), e.g. for `http://<serviceName>.<namespace>.svc.cluster.local:<port>`. */
  public readonly serviceName: pulumi.Output<string>;
  /** Name of the ServiceAccount the pods run as. */
  public readonly serviceAccountName: pulumi.Output<string>;
  /** The Deployment, for dependents that need running pods (an Ingress). */
  public readonly deployment: k8s.apps.v1.Deployment;

  constructor(name: string, args: SecureWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    super(SECURE_WORKLOAD_TYPE, name, opts);
    const a = validateArgs(secureWorkloadArgsSchema, args, this, SECURE_WORKLOAD_TYPE);
    for (const [key, value] of Object.entries(a.selectorLabels)) {
      if (a.labels[key] !== value) {
        argError(
          this,
          SECURE_WORKLOAD_TYPE,
          `selectorLabels.${key}`,
          "must also be in args.labels with the same value",
        );
      }
    }
    if (
      a.volumeMounts?.some((m) => typeof m.name === "string" && !a.volumes?.some((v) => v.name === m.name))
    ) {
      argError(this, SECURE_WORKLOAD_TYPE, "volumeMounts", "every mount must name one of args.volumes");
    }

    const objectName = a.objectName ?? dnsLabel([name]);
    const labels = a.labels;
    const selector = a.selectorLabels;
    const namespace = a.namespace;
    const replicas = a.replicas ?? 1;
    const automount = a.automountServiceAccountToken ?? false;
    const uid = a.runAsUser ?? 65532;
    // The options' dependsOn (a resource or a list of them) is repeated on every child, so that
    // no object is created before what the caller made the whole workload wait for.
    const given = opts?.dependsOn;
    if (given !== undefined && !Array.isArray(given) && !pulumi.Resource.isInstance(given)) {
      throw new pulumi.ResourceError(
        `invalid options for ${SECURE_WORKLOAD_TYPE}: dependsOn must be a resource or a list of resources`,
        this,
      );
    }
    const dependsOn = given === undefined ? [] : Array.isArray(given) ? given : [given];
    const childOpts = (extra: pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({
      parent: this,
      dependsOn: [...dependsOn, ...extra],
    });
    const baseOpts = childOpts();

    let serviceAccountName: pulumi.Input<string>;
    if (a.serviceAccountName !== undefined) {
      serviceAccountName = a.serviceAccountName;
    } else {
      const sa = new k8s.core.v1.ServiceAccount(
        `${name}-sa`,
        { metadata: { name: objectName, namespace, labels }, automountServiceAccountToken: automount },
        baseOpts,
      );
      serviceAccountName = sa.metadata.name;
    }

    const probe = (extra: Record<string, number>): k8s.types.input.core.v1.Probe => ({
      httpGet: { path: a.healthCheckPath!, port: "http" },
      timeoutSeconds: 5,
      ...extra,
    });
    const probes = a.healthCheckPath
      ? {
          startupProbe: probe({ periodSeconds: 10, failureThreshold: 30 }),
          readinessProbe: probe({ periodSeconds: 10, failureThreshold: 3 }),
          livenessProbe: probe({ periodSeconds: 20, failureThreshold: 3 }),
        }
      : {};

    this.deployment = new k8s.apps.v1.Deployment(
      name,
      {
        metadata: { name: objectName, namespace, labels },
        spec: {
          replicas,
          selector: { matchLabels: selector },
          // A new pod is ready before an old one goes: no capacity dip during a rollout.
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName,
              automountServiceAccountToken: automount,
              securityContext: restrictedPodSecurityContext(uid, a.runAsGroup ?? uid),
              ...(a.spreadAcrossZones
                ? {
                    topologySpreadConstraints: [zoneSpreadConstraint(selector)],
                  }
                : {}),
              ...(a.initContainers?.length ? { initContainers: a.initContainers } : {}),
              containers: [
                {
                  name: a.containerName ?? "app",
                  image: a.image,
                  imagePullPolicy: "IfNotPresent",
                  ...(a.command ? { command: a.command } : {}),
                  ...(a.args ? { args: a.args } : {}),
                  ports: [{ name: "http", containerPort: a.port, protocol: "TCP" }],
                  env: uniqueEnv(a.env ?? []),
                  resources: resources(a.resources),
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: a.volumeMounts ?? [],
                  ...probes,
                },
              ],
              volumes: a.volumes ?? [],
            },
          },
        },
      },
      childOpts(a.deploymentDependsOn),
    );

    const annotations = a.serviceAnnotations ?? {};
    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: {
          name: objectName,
          namespace,
          labels,
          ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        },
        spec: {
          type: "ClusterIP",
          selector,
          ports: [{ name: "http", port: a.port, targetPort: "http", protocol: "TCP" }],
        },
      },
      childOpts(a.serviceDependsOn),
    );

    new k8s.networking.v1.NetworkPolicy(
      `${name}-network-policy`,
      {
        metadata: { name: a.networkPolicyName ?? objectName, namespace, labels },
        spec: {
          podSelector: { matchLabels: selector },
          policyTypes: ["Ingress", "Egress"],
          ingress: [
            { from: a.ingressFrom ?? [{ podSelector: {} }], ports: [{ protocol: "TCP", port: a.port }] },
            ...(a.extraIngress ?? []),
          ],
          egress: uniqueRules([dnsEgressRule(), ...(a.egress ?? [])]),
        },
      },
      baseOpts,
    );

    if ((a.podDisruptionBudget ?? false) && replicas >= 2) {
      new k8s.policy.v1.PodDisruptionBudget(
        `${name}-pdb`,
        {
          metadata: { name: objectName, namespace, labels },
          spec: { minAvailable: 1, selector: { matchLabels: selector } },
        },
        baseOpts,
      );
    }

    this.serviceName = service.metadata.name;
    this.serviceAccountName = pulumi.output(serviceAccountName);
    this.registerOutputs({ serviceName: this.serviceName, serviceAccountName: this.serviceAccountName });
  }
}
