/**
 * Exposure on Google Cloud: the GKE Ingress controller's Application Load Balancers, internal
 * (IngressClass "gce-internal", the default) or external ("gce"), with container-native load
 * balancing (NEGs: the load balancer connects to pod IPs), HTTPS only, and a BackendConfig that
 * sets the backend timeout and the health check.
 */
import * as gcp from "../../shared/gcp-sdk";
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type {
  AdapterContext,
  CloudIngressClass,
  GcpTargetArgs,
  IngressExposure,
  LoadBalancerIngress,
  LoadBalancerIap,
  LoadBalancerIngressArgs,
} from "../types";
import { IngressAuthenticationKind, IngressTls, Target } from "../types";

/** GKE's internal Application Load Balancer (regional, private IP in the cluster's VPC). */
export const GCE_INTERNAL_INGRESS_CLASS = "gce-internal";
/** GKE's external Application Load Balancer (public IP). */
export const GCE_INGRESS_CLASS = "gce";

/** IngressClasses only Google Cloud serves (GKE selects them by annotation, with no IngressClass object). */
export const GCP_INGRESS_CLASSES: Record<string, CloudIngressClass> = {
  [GCE_INTERNAL_INGRESS_CLASS]: {
    target: Target.gcp,
    tls: IngressTls.secret,
    authentication: IngressAuthenticationKind.iap,
  },
  [GCE_INGRESS_CLASS]: {
    target: Target.gcp,
    tls: IngressTls.secret,
    authentication: IngressAuthenticationKind.iap,
  },
};

/**
 * Source ranges of Google's health checkers (and of the external Application Load Balancer's
 * front ends), https://cloud.google.com/load-balancing/docs/health-check-concepts#ip-ranges.
 */
export const GOOGLE_LOAD_BALANCER_CIDRS = ["130.211.0.0/22", "35.191.0.0/16"] as const;

/**
 * Service annotation for container-native load balancing: the Service gets NEGs of pod IPs.
 * Without it a ClusterIP Service cannot back a GKE Ingress (the controller needs NodePort
 * Services for instance-group backends), and the internal Application Load Balancer supports
 * NEG backends only (https://cloud.google.com/kubernetes-engine/docs/how-to/container-native-load-balancing,
 * https://cloud.google.com/kubernetes-engine/docs/concepts/ingress-ilb).
 */
export const NEG_ANNOTATION = "cloud.google.com/neg";
/** Service annotation naming the BackendConfig of its ports. */
export const BACKEND_CONFIG_ANNOTATION = "cloud.google.com/backend-config";

/**
 * Ingress annotations of a GKE Ingress: the class, and no HTTP (port 80) forwarding rule at all
 * (`kubernetes.io/ingress.allow-http: "false"`), so the load balancer serves HTTPS only
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/ingress-configuration#disabling_http).
 * Both load balancers take the certificate from the Ingress's TLS Secret.
 */
export function gkeIngressAnnotations(className: string): Record<string, string> {
  return {
    "kubernetes.io/ingress.class": className,
    "kubernetes.io/ingress.allow-http": "false",
  };
}

/**
 * The BackendConfig spec (cloud.google.com/v1,
 * https://cloud.google.com/kubernetes-engine/docs/how-to/ingress-configuration#configuring_ingress_features_through_backendconfig_parameters):
 * - `timeoutSec`: the backend service timeout, which on GKE's Application Load Balancers bounds a
 *   whole HTTP request and response (default 30 s, too short for artifact uploads);
 * - a health check on the serving port and path (the default checks `/` on the serving port, which
 *   MLflow's basic auth answers with 401).
 * - with `iap`, Identity-Aware Proxy in front of the backend: every request needs a Google identity
 *   IAP admits (`roles/iap.httpsResourceAccessor` on the backend service), with the OAuth client
 *   from a Secret of the namespace (keys `client_id` and `client_secret`;
 *   https://cloud.google.com/iap/docs/enabling-kubernetes-howto, "Configuring BackendConfig").
 * The GKE load balancers have no request body size limit.
 */
export function backendConfigSpec(args: {
  requestTimeoutSeconds: number;
  port: number;
  healthCheckPath: string;
  iap?: LoadBalancerIap;
}): Record<string, unknown> {
  return {
    timeoutSec: args.requestTimeoutSeconds,
    healthCheck: { type: "HTTP", requestPath: args.healthCheckPath, port: args.port },
    ...(args.iap
      ? { iap: { enabled: true, oauthclientCredentials: { secretName: args.iap.secretName } } }
      : {}),
  };
}

/**
 * The VPC firewall rule that lets the internal Application Load Balancer's Envoy proxies reach the
 * pods: GKE's Ingress controller opens the health-check ranges itself but "does not create a
 * firewall rule to allow connections from the load balancer proxies in the proxy-only subnet. You
 * must create this firewall rule manually"
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/internal-load-balance-ingress, "Create a
 * firewall rule"). Ingress from the proxy-only subnet only, on the serving port only, to the
 * cluster's nodes (their service account; their pod alias ranges are covered) when known.
 */
export function proxyOnlySubnetFirewall(
  ctx: AdapterContext,
  target: GcpTargetArgs,
  proxyOnlySubnetCidr: pulumi.Input<string>,
  port: number,
  role?: string,
): gcp.compute.Firewall {
  return new gcp.compute.Firewall(
    `${role !== undefined ? `${ctx.name}-${role}` : ctx.name}-lb-proxy-firewall`,
    {
      project: target.project,
      network: target.network,
      description: `GKE internal Application Load Balancer proxies to ${ctx.name} on tcp ${port}; managed by pulumi-mlops`,
      direction: "INGRESS",
      priority: 1000,
      sourceRanges: [proxyOnlySubnetCidr],
      ...(target.nodeServiceAccount !== undefined
        ? { targetServiceAccounts: [target.nodeServiceAccount] }
        : {}),
      allows: [{ protocol: "tcp", ports: [String(port)] }],
    },
    { parent: ctx.parent },
  );
}

/**
 * The Google Cloud exposure: "gce-internal" by default. A model registry with basic auth is an
 * internal tool; an internal load balancer keeps it off the internet, like the internal ALB on
 * AWS (choose "gce" for a public endpoint). The internal load balancer's Envoy proxies connect to
 * pods from the region's proxy-only subnet (`gcp.proxyOnlySubnetCidr`), health checks from
 * Google's ranges.
 */
export function gcpIngressExposure(ctx: AdapterContext, target: GcpTargetArgs): IngressExposure {
  return {
    defaultClassName: GCE_INTERNAL_INGRESS_CLASS,
    loadBalancer(args: LoadBalancerIngressArgs): LoadBalancerIngress | undefined {
      if (!(args.className in GCP_INGRESS_CLASSES)) return undefined;
      const auth = args.authentication;
      if (auth && (auth.kind !== IngressAuthenticationKind.iap || !auth.iap)) {
        throw new Error(
          `ingress.authentication.kind: IngressClass "${args.className}" authenticates with "iap" (and its settings), not "${auth.kind}"`,
        );
      }
      const prefix = args.role !== undefined ? `${ctx.name}-${args.role}` : ctx.name;
      const sourceCidrs: pulumi.Input<string>[] = [...GOOGLE_LOAD_BALANCER_CIDRS];
      const resources: pulumi.Resource[] = [];
      if (args.className === GCE_INTERNAL_INGRESS_CLASS) {
        if (target.proxyOnlySubnetCidr === undefined) {
          throw new Error(
            `gcp.proxyOnlySubnetCidr: required for IngressClass "${GCE_INTERNAL_INGRESS_CLASS}" (the CIDR of the ` +
              `region's proxy-only subnet, from which the internal load balancer reaches the pods)`,
          );
        }
        sourceCidrs.push(target.proxyOnlySubnetCidr);
        resources.push(
          proxyOnlySubnetFirewall(ctx, target, target.proxyOnlySubnetCidr, args.port, args.role),
        );
      }
      const backendConfig = new k8s.apiextensions.CustomResource(
        `${prefix}-backend-config`,
        {
          apiVersion: "cloud.google.com/v1",
          kind: "BackendConfig",
          metadata: { name: args.serviceName, namespace: ctx.namespace, labels: args.labels },
          spec: backendConfigSpec({ ...args, iap: auth?.iap }),
        },
        { parent: ctx.parent, provider: ctx.k8sProvider, dependsOn: ctx.dependsOn },
      );
      return {
        ingressAnnotations: gkeIngressAnnotations(args.className),
        serviceAnnotations: {
          [NEG_ANNOTATION]: JSON.stringify({ ingress: true }),
          [BACKEND_CONFIG_ANNOTATION]: backendConfig.metadata.apply((m) =>
            JSON.stringify({ default: m.name ?? args.serviceName }),
          ),
        },
        sourceCidrs,
        resources: [...resources, backendConfig],
        ...(auth ? { authentication: auth.kind } : {}),
      };
    },
  };
}
