/**
 * cert-manager: the shared certificate authority of the cluster (issue 10: TLS on every Feast
 * server; serving needs it too). Installed once, by the cluster, like Kueue: cert-manager manages
 * cluster-scoped objects and must be installed exactly once per cluster (cert-manager docs,
 * "Installing with Helm": never as a sub-chart of another chart).
 *
 * | Object                         | Name                       | Notes                                        |
 * | ------------------------------ | -------------------------- | -------------------------------------------- |
 * | Namespace                      | `cert-manager`             | Pod Security "restricted"                    |
 * | NetworkPolicy                  | `platform`                 | webhook 10250 from the API server, 9402 in-cluster |
 * | Helm release                   | `cert-manager`             | pinned chart, CRDs with the chart (kept on uninstall) |
 * | ClusterIssuer                  | `mlops-selfsigned`         | signs only the CA certificate                |
 * | Certificate (cert-manager ns)  | `mlops-internal-ca`        | the CA: ECDSA P-256, 10 years                |
 * | ClusterIssuer                  | `mlops-internal-ca`        | the CA issuer components get certificates from |
 *
 * The CA pattern is cert-manager's "Bootstrapping CA Issuers" (cert-manager docs,
 * configuration/selfsigned): a self-signed issuer issues one CA Certificate, whose Secret backs a
 * `ca` issuer. A ClusterIssuer reads its Secret from the "cluster resource namespace", the
 * release's namespace unless `clusterResourceNamespace` is set (chart values.yaml), so the CA
 * Certificate is in `cert-manager`.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { MlopsComponent, type ComponentContext } from "../../shared/component";
import {
  CERT_MANAGER_API_VERSION,
  CERT_MANAGER_GROUP,
  IssuerKind,
  type ClusterCertificates,
} from "../../shared/certificates";
import { restrictedNamespaceLabels } from "../../shared/k8s";
import { MonitorKind } from "../../shared/monitors";
import {
  createScrapeTarget,
  type ClusterMonitoring,
  type WorkloadScrapeTarget,
} from "../../shared/scrape-target";
import type { BuiltCluster } from "../types";
import { CERT_MANAGER_NAMESPACE, childOptions, labelsFor, platformNamespacePolicy } from "./common";
import { API_SERVER_CALLBACK_PORTS, CERT_MANAGER_METRICS_PORT, CERT_MANAGER_WEBHOOK_PORT } from "./ports";

/**
 * cert-manager chart, from cert-manager's OCI registry (`oci://quay.io/jetstack/charts/cert-manager`;
 * charts are pushed there as well as to charts.jetstack.io since design/20240625.push-charts-to-oci.md).
 * The default version is v1.21.1, the newest release (tag v1.21.1, 2026-07-29,
 * cert-manager/cert-manager 24e33194); chart versions carry the leading "v".
 */
export const CERT_MANAGER_CHART = "oci://quay.io/jetstack/charts/cert-manager";

/**
 * The images of the chart's four workloads and the ACME solver: `<imageRegistry>/<imageNamespace>/<name>`
 * (values.yaml at v1.21.1: `imageRegistry: quay.io`, `imageNamespace: jetstack`); the tag, which
 * the chart derives from its appVersion, is set explicitly to the pinned version.
 */
export const CERT_MANAGER_IMAGE_REGISTRY = "quay.io";
export const CERT_MANAGER_IMAGE_NAMESPACE = "jetstack";

/** The ClusterIssuer that self-signs the CA certificate (and nothing else). */
export const SELF_SIGNED_ISSUER_NAME = "mlops-selfsigned";

/** The in-cluster CA: its Certificate, its Secret and the ClusterIssuer components use. */
export const INTERNAL_CA_NAME = "mlops-internal-ca";

/**
 * The CA certificate's validity: 10 years, renewed a year before expiry. A CA rotation changes
 * `ca.crt` in every leaf Secret at that leaf's next renewal, so the CA lives far longer than the
 * leaves (90 days, `SERVING_CERTIFICATE_DEFAULTS`); cert-manager's own default (90 days) suits
 * leaves, not a root. Durations are Go durations (Certificate API reference: `duration`).
 */
export const INTERNAL_CA_VALIDITY = { duration: "87600h", renewBefore: "8760h" } as const;

/** A container's requests and limits, as the chart's `resources` values take them. */
export interface CertManagerContainerResources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/**
 * Requests and limits of each cert-manager container (the chart sets none; its values.yaml
 * suggests requests of 10m CPU / 32Mi). The controller and the cainjector cache Certificates and
 * Secrets cluster-wide, so they get more memory than the webhook; startupapicheck is a one-shot
 * job (a Helm post-install hook).
 */
export const CERT_MANAGER_RESOURCES: Record<
  "controller" | "webhook" | "cainjector" | "startupapicheck",
  CertManagerContainerResources
> = {
  controller: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
  webhook: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
  cainjector: { requests: { cpu: "20m", memory: "128Mi" }, limits: { cpu: "200m", memory: "512Mi" } },
  startupapicheck: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
};

/**
 * The pod and container security contexts of every cert-manager workload. The chart's defaults
 * (values.yaml at v1.21.1, `securityContext` / `containerSecurityContext` of the controller,
 * webhook, cainjector and startupapicheck) already meet Pod Security "restricted": non-root,
 * RuntimeDefault seccomp, no privilege escalation, all capabilities dropped, read-only root. They
 * are written here so that the posture is ours, not a chart default that a version bump changes.
 */
export function certManagerSecurityContexts() {
  return {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    containerSecurityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
    },
  };
}

/** Values of the cert-manager chart. */
export function certManagerValues(opts: { version: string; replicas: number }) {
  const ha = opts.replicas > 1;
  const image = (name: string) => ({ name, tag: opts.version, pullPolicy: "IfNotPresent" });
  const workload = (name: string, resources: CertManagerContainerResources) => ({
    ...certManagerSecurityContexts(),
    resources,
    image: image(name),
  });
  return {
    // CRDs with the chart, and kept when the release is uninstalled: deleting them would delete
    // every Certificate and Issuer (values.yaml `crds.keep`).
    crds: { enabled: true, keep: true },
    imageRegistry: CERT_MANAGER_IMAGE_REGISTRY,
    imageNamespace: CERT_MANAGER_IMAGE_NAMESPACE,
    // The controller (leader-elected, so replicas are standbys) and its PDB.
    replicaCount: opts.replicas,
    podDisruptionBudget: { enabled: ha, minAvailable: 1 },
    ...workload("cert-manager-controller", CERT_MANAGER_RESOURCES.controller),
    // Metrics are on (the controller Service, port 9402); the monitor is ours (`certManagerScrapeTarget`).
    prometheus: { enabled: true, servicemonitor: { enabled: false }, podmonitor: { enabled: false } },
    webhook: {
      replicaCount: opts.replicas,
      podDisruptionBudget: { enabled: ha, minAvailable: 1 },
      // The port the API server calls (API_SERVER_CALLBACK_PORTS); the chart's default, set explicitly.
      securePort: CERT_MANAGER_WEBHOOK_PORT,
      hostNetwork: false,
      ...workload("cert-manager-webhook", CERT_MANAGER_RESOURCES.webhook),
    },
    cainjector: {
      enabled: true,
      replicaCount: opts.replicas,
      podDisruptionBudget: { enabled: ha, minAvailable: 1 },
      ...workload("cert-manager-cainjector", CERT_MANAGER_RESOURCES.cainjector),
    },
    startupapicheck: {
      enabled: true,
      ...workload("cert-manager-startupapicheck", CERT_MANAGER_RESOURCES.startupapicheck),
    },
    acmesolver: { image: image("cert-manager-acmesolver") },
  };
}

/**
 * The controller's metrics (`certmanager_certificate_expiration_timestamp_seconds`,
 * `certmanager_certificate_ready_status`; cert-manager docs, devops-tips/prometheus-metrics): the
 * controller pods' container port "http-metrics" (9402, templates/deployment.yaml at v1.21.1), plain
 * http. A pod monitor, so that both backends (prometheus-operator and GMP) can express it.
 */
export function certManagerScrapeTarget(): WorkloadScrapeTarget {
  return {
    kind: MonitorKind.podMonitor,
    name: "cert-manager-controller",
    namespace: CERT_MANAGER_NAMESPACE,
    selector: {
      "app.kubernetes.io/name": "cert-manager",
      "app.kubernetes.io/instance": "cert-manager",
      "app.kubernetes.io/component": "controller",
    },
    endpoints: [{ port: "http-metrics" }],
  };
}

/** The `cert-manager` Namespace (every cert-manager workload meets the "restricted" profile). */
export function certManagerNamespaceManifest(labels: Record<string, string>) {
  return {
    apiVersion: "v1" as const,
    kind: "Namespace" as const,
    metadata: { name: CERT_MANAGER_NAMESPACE, labels: { ...labels, ...restrictedNamespaceLabels() } },
  };
}

/** The self-signed ClusterIssuer that signs the CA certificate. */
export function selfSignedIssuerManifest(labels: Record<string, string>) {
  return {
    apiVersion: CERT_MANAGER_API_VERSION,
    kind: "ClusterIssuer",
    metadata: { name: SELF_SIGNED_ISSUER_NAME, labels },
    spec: { selfSigned: {} },
  };
}

/** The CA certificate (in the cert-manager namespace, where a ClusterIssuer reads its Secret). */
export function internalCaCertificateManifest(labels: Record<string, string>) {
  return {
    apiVersion: CERT_MANAGER_API_VERSION,
    kind: "Certificate",
    metadata: { name: INTERNAL_CA_NAME, namespace: CERT_MANAGER_NAMESPACE, labels },
    spec: {
      isCA: true,
      commonName: INTERNAL_CA_NAME,
      secretName: INTERNAL_CA_NAME,
      secretTemplate: { labels },
      duration: INTERNAL_CA_VALIDITY.duration,
      renewBefore: INTERNAL_CA_VALIDITY.renewBefore,
      // ECDSA P-256: what cert-manager's CA bootstrap example uses; small, fast, widely supported.
      privateKey: { algorithm: "ECDSA", size: 256, encoding: "PKCS8", rotationPolicy: "Always" },
      usages: ["cert sign", "crl sign", "digital signature"],
      issuerRef: { name: SELF_SIGNED_ISSUER_NAME, kind: IssuerKind.clusterIssuer, group: CERT_MANAGER_GROUP },
    },
  };
}

/** The CA ClusterIssuer components get their certificates from. */
export function internalCaIssuerManifest(labels: Record<string, string>) {
  return {
    apiVersion: CERT_MANAGER_API_VERSION,
    kind: "ClusterIssuer",
    metadata: { name: INTERNAL_CA_NAME, labels },
    spec: { ca: { secretName: INTERNAL_CA_NAME } },
  };
}

/** Pulumi type token of the cert-manager sub-component. */
export const CERT_MANAGER_TYPE = "mlops:index:CertManager";

/** What cert-manager is made of (resolved by the cluster's in-cluster args). */
export interface CertManagerArgs {
  /** The cluster's context: the objects are labelled for it; environment, tags, protection inherited. */
  context: ComponentContext;
  /** The cluster cert-manager is installed into. */
  cluster: BuiltCluster;
  /** Chart and image version (`v1.21.1`). */
  version: string;
  /** Replicas of the controller, webhook and cainjector (PodDisruptionBudgets above 1). */
  replicas: number;
  /** The cluster's monitoring: the controller's monitor is created when it is on. */
  monitoring: ClusterMonitoring | undefined;
}

/**
 * `mlops:index:CertManager`, a sub-component of the GPU training cluster (see the file comment).
 *
 * Children (for a CertManager named `n`, `${cluster}-cert-manager` in the cluster): `n-system` (the
 * namespace), `n-system-network-policy`, the release `n`, `n-selfsigned-issuer`, `n-ca`,
 * `n-ca-issuer` and, with monitoring, `n-monitor`.
 */
export class CertManager extends MlopsComponent {
  /** The `cert-manager` namespace. */
  public readonly namespace: k8s.core.v1.Namespace;
  public readonly release: k8s.helm.v3.Release;
  /** The CA ClusterIssuer `mlops-internal-ca`. */
  public readonly caIssuer: k8s.apiextensions.CustomResource;
  /** What the cluster's handle offers components (`ClusterHandle.certificates`). */
  public readonly certificates: ClusterCertificates;

  constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(CERT_MANAGER_TYPE, name, opts);
    const { cluster: handle, context: cluster } = args;
    const ctx = this.context(cluster);
    const labels = labelsFor(cluster, "cert-manager");
    const namespace = new k8s.core.v1.Namespace(
      `${ctx.name}-system`,
      certManagerNamespaceManifest(labels),
      childOptions(ctx, handle),
    );
    // The API server calls the webhook (10250): it is outside the pod network. Metrics (9402) only
    // from inside the cluster. Egress: DNS and the API server; the CA issuer needs nothing else
    // (ACME issuers, which this toolkit does not create, would need the internet on 80/443).
    platformNamespacePolicy(ctx, handle, namespace, labelsFor(cluster, "cert-manager-system"), [
      ...API_SERVER_CALLBACK_PORTS.filter((p) => p.namespace === CERT_MANAGER_NAMESPACE).map((p) => ({
        port: p.port,
        fromAnywhere: true,
      })),
      { port: CERT_MANAGER_METRICS_PORT, fromAnywhere: false },
    ]);
    // The release is the component's main resource: it takes the component's own name.
    const release = new k8s.helm.v3.Release(
      ctx.name,
      {
        name: "cert-manager",
        chart: CERT_MANAGER_CHART,
        version: args.version,
        namespace: namespace.metadata.name,
        createNamespace: false,
        atomic: true,
        cleanupOnFail: true,
        values: certManagerValues(args),
      },
      childOptions(ctx, handle, [namespace]),
    );

    createScrapeTarget(
      { ctx, provider: handle.provider, monitoring: args.monitoring, dependsOn: [release] },
      "monitor",
      certManagerScrapeTarget(),
    );

    // ---- the in-cluster CA (after the release: CRDs and the webhook) ----
    const selfSigned = new k8s.apiextensions.CustomResource(
      `${ctx.name}-selfsigned-issuer`,
      selfSignedIssuerManifest(labels),
      childOptions(ctx, handle, [release]),
    );
    const ca = new k8s.apiextensions.CustomResource(
      `${ctx.name}-ca`,
      internalCaCertificateManifest(labels),
      childOptions(ctx, handle, [release, selfSigned]),
    );
    const caIssuer = new k8s.apiextensions.CustomResource(
      `${ctx.name}-ca-issuer`,
      internalCaIssuerManifest(labels),
      childOptions(ctx, handle, [release, ca]),
    );

    this.namespace = namespace;
    this.release = release;
    this.caIssuer = caIssuer;
    this.certificates = {
      issuerName: INTERNAL_CA_NAME,
      issuerKind: IssuerKind.clusterIssuer,
      dependsOn: [release, caIssuer],
    };
    this.registerOutputs({
      namespace: namespace.metadata.name,
      release: release.name,
      issuerName: INTERNAL_CA_NAME,
    });
  }
}
