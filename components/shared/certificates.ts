/**
 * How a component gets a TLS certificate for a server it runs (issue 10: TLS on every Feast server;
 * serving needs the same): `createServingCertificate`, the one helper, from the cluster's
 * `certificates` (a `ClusterHandle` field, set when the cluster runs cert-manager). It creates a
 * `cert-manager.io/v1` Certificate from the cluster's issuer, after the issuer exists, and returns
 * the Secret cert-manager writes and the key names in it: what a server mounts (Feast's
 * `tls.secretRef` / `tls.secretKeyNames`) and what its clients trust (`ca.crt`).
 *
 * The issuer the cluster offers is an in-cluster CA (`mlops-internal-ca`, see
 * components/training-cluster/in-cluster/cert-manager.ts): certificates for service-to-service TLS
 * on cluster DNS names, not for public hostnames (those come from the Ingress's own certificate).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ComponentContext } from "./component";

/**
 * The kind of issuer a cluster offers. Only cluster-wide issuers: a component's Certificate lives
 * in the component's namespace, and a namespaced `Issuer` serves only its own namespace.
 */
export const IssuerKind = {
  /** A `cert-manager.io/v1` ClusterIssuer. */
  clusterIssuer: "ClusterIssuer",
} as const;
export type IssuerKind = (typeof IssuerKind)[keyof typeof IssuerKind];

/** The cluster's certificate issuer (a `ClusterHandle`'s `certificates`), when cert-manager runs on it. */
export interface ClusterCertificates {
  /** The issuer's name (`mlops-internal-ca` on a cluster whose cert-manager this toolkit installs). */
  issuerName: string;
  /** The issuer's kind. */
  issuerKind: IssuerKind;
  /**
   * What a Certificate must be created after: the cert-manager release (its CRDs and webhook) and
   * the issuer; empty when they come from elsewhere (an adopted cluster's own cert-manager).
   */
  dependsOn: pulumi.Resource[];
}

/** The API group of cert-manager's objects. */
export const CERT_MANAGER_GROUP = "cert-manager.io";

/** The API version of cert-manager's Certificate, Issuer and ClusterIssuer. */
export const CERT_MANAGER_API_VERSION = "cert-manager.io/v1";

/**
 * The keys of a `kubernetes.io/tls` Secret cert-manager writes for a Certificate: the certificate
 * chain, the private key, and the issuing CA (cert-manager docs, "Certificate resource":
 * `tls.crt`, `tls.key`, and `ca.crt` where the issuer knows its CA, as the CA issuer does).
 */
export const TLS_SECRET_KEYS = {
  certificate: "tls.crt",
  privateKey: "tls.key",
  ca: "ca.crt",
} as const;

/** Defaults of a serving certificate. */
export const SERVING_CERTIFICATE_DEFAULTS = {
  /** 90 days, cert-manager's own default `duration` (Certificate API reference). */
  duration: "2160h",
  /** Renewed 30 days before expiry (cert-manager's default is a third of the duration: the same). */
  renewBefore: "720h",
} as const;

/** What a serving certificate is for. */
export interface ServingCertificateArgs {
  /** The namespace of the server (the Certificate and its Secret live there). */
  namespace: pulumi.Input<string>;
  /** The Secret cert-manager writes (a DNS-1123 subdomain); also the Certificate's name. */
  secretName: string;
  /**
   * The names clients reach the server by, e.g. `feast-online.features.svc` and
   * `feast-online.features.svc.cluster.local`; at least one. The first is also the common name.
   */
  dnsNames: string[];
  /** How long a certificate is valid (a Go duration). @default "2160h" (90 days) */
  duration?: string;
  /** How long before expiry it is renewed. @default "720h" (30 days) */
  renewBefore?: string;
  /** Labels of the Certificate and of the Secret it writes. @default {} */
  labels?: Record<string, string>;
}

/** Where the Certificate is created: under its owner, on the cluster's provider. */
export interface CertificatePlacement {
  /** The owner's context: the Certificate is its child `${ctx.name}-<role>`. */
  ctx: Pick<ComponentContext, "name" | "opts">;
  /** The cluster's Kubernetes provider. */
  provider: k8s.Provider;
  /** The cluster's issuer (`ClusterHandle.certificates`); undefined: cert-manager is off. */
  certificates: ClusterCertificates | undefined;
  /** What else the Certificate comes after (the owner's namespace). @default [] */
  dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/** What a server needs of its certificate: the Secret and its keys. */
export interface ServingCertificate {
  /** The Certificate. */
  certificate: k8s.apiextensions.CustomResource;
  /** The `kubernetes.io/tls` Secret cert-manager writes (in the server's namespace). */
  secretName: string;
  /** The key names inside it (`TLS_SECRET_KEYS`). */
  keys: typeof TLS_SECRET_KEYS;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const GO_DURATION = /^(\d+(\.\d+)?(h|m|s|ms))+$/;

/** Problems of serving certificate args (a bug of the owning component: they are thrown). */
export function servingCertificateProblems(args: ServingCertificateArgs): string[] {
  const problems: string[] = [];
  if (args.secretName.length > 253 || !DNS_SUBDOMAIN.test(args.secretName)) {
    problems.push(`secretName: "${args.secretName}" must be a DNS-1123 subdomain`);
  }
  if (args.dnsNames.length === 0) problems.push("dnsNames: at least one name is required");
  args.dnsNames.forEach((n, i) => {
    if (n.length > 253 || !DNS_SUBDOMAIN.test(n)) {
      problems.push(`dnsNames[${i}]: "${n}" must be a lowercase DNS name`);
    }
  });
  for (const key of ["duration", "renewBefore"] as const) {
    const v = args[key];
    if (v !== undefined && !GO_DURATION.test(v)) {
      problems.push(`${key}: "${v}" must be a Go duration such as "2160h"`);
    }
  }
  return problems;
}

/**
 * The `cert-manager.io/v1` Certificate of a server (pure: tests validate it against the upstream
 * schema). ECDSA P-256 keys, rotated on every renewal; usages for a TLS server.
 */
export function servingCertificateManifest(
  issuer: Pick<ClusterCertificates, "issuerName" | "issuerKind">,
  args: ServingCertificateArgs,
) {
  const labels = args.labels ?? {};
  return {
    apiVersion: CERT_MANAGER_API_VERSION,
    kind: "Certificate",
    metadata: { name: args.secretName, namespace: args.namespace, labels },
    spec: {
      secretName: args.secretName,
      secretTemplate: { labels },
      commonName: args.dnsNames[0],
      dnsNames: [...args.dnsNames],
      duration: args.duration ?? SERVING_CERTIFICATE_DEFAULTS.duration,
      renewBefore: args.renewBefore ?? SERVING_CERTIFICATE_DEFAULTS.renewBefore,
      // A new key on every renewal (cert-manager's default since v1.18, written so it is ours).
      privateKey: { algorithm: "ECDSA", size: 256, encoding: "PKCS8", rotationPolicy: "Always" },
      // ECDSA keys sign; "key encipherment" is an RSA key-transport usage.
      usages: ["server auth", "digital signature"],
      issuerRef: { name: issuer.issuerName, kind: issuer.issuerKind, group: CERT_MANAGER_GROUP },
    },
  };
}

/**
 * Creates the Certificate of a server under its owner (`${ctx.name}-<role>`), after the cluster's
 * issuer, and returns its Secret and key names. The owner checks `certificates` first (its own
 * args say what to do without cert-manager); called without it, or with invalid args, this throws,
 * listing every problem.
 */
export function createServingCertificate(
  placement: CertificatePlacement,
  role: string,
  args: ServingCertificateArgs,
): ServingCertificate {
  const { ctx, provider, certificates } = placement;
  if (certificates === undefined) {
    throw new Error(
      `${ctx.name}-${role}: the cluster has no certificate issuer; turn certManager.enabled on for the GpuTrainingCluster (or give existingClusterHandle its certificates)`,
    );
  }
  const problems = servingCertificateProblems(args);
  if (problems.length > 0) throw new Error(`${ctx.name}-${role}:\n  ${problems.join("\n  ")}`);
  const dependsOn = pulumi
    .output(placement.dependsOn ?? [])
    .apply((extra) => [...certificates.dependsOn, ...extra]);
  const certificate = new k8s.apiextensions.CustomResource(
    `${ctx.name}-${role}`,
    servingCertificateManifest(certificates, args),
    ctx.opts({ provider, dependsOn }),
  );
  return { certificate, secretName: args.secretName, keys: TLS_SECRET_KEYS };
}
