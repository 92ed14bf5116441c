/**
 * An HTTPS-only Ingress in front of one Service, shared by the components that can expose a web UI
 * or API (ModelRegistry's MLflow, Monitoring's Grafana): the args, their schema and cross-field
 * rules, the resolved shape, and the settings the target's adapter adds for its own load-balancer
 * classes. Each component renders its Ingress (or chart values) from `HttpsIngressSettings`.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  CLOUD_INGRESS_CLASSES,
  DEFAULT_INGRESS_CLASS,
  IngressTls,
  type CloudAdapter,
  type LoadBalancerIngress,
  type Target,
} from "../adapters";
import type { Problem } from "./contract";
import { cidrSchema, dnsLabelSchema, labelMapSchema } from "./schemas";

/**
 * Exposing a server outside the cluster through an Ingress. Off by default. On the clouds it is
 * the target's own load balancer, internal by default: an internal ALB (AWS Load Balancer
 * Controller, class "alb") on AWS, GKE's internal Application Load Balancer ("gce-internal") on
 * Google Cloud; any other class is a bring-your-own in-cluster controller (e.g. "nginx"). Every
 * class serves HTTPS only.
 */
export interface HttpsIngressArgs {
  /** Create the Ingress. @default false */
  enabled?: boolean;
  /** Host name, e.g. "mlflow.example.com". Required when enabled. */
  host?: string;
  /**
   * IngressClass: "alb" (AWS only), "gce-internal" or "gce" (Google Cloud only), or the class of an
   * in-cluster controller ("nginx" gets ingress-nginx's HTTPS annotations and the component's own;
   * other classes only `annotations`).
   * @default "alb" on aws, "gce-internal" on gcp, "nginx" on local
   */
  className?: string;
  /**
   * ARN of the AWS Certificate Manager certificate for `host`. Required for class "alb" (the
   * ALB's only listener is HTTPS:443); not used by other classes.
   */
  certificateArn?: string;
  /**
   * Secret with the TLS certificate for `host`. Required for every class except "alb": credentials
   * never travel in clear text.
   */
  tlsSecretName?: string;
  /**
   * Namespace of an in-cluster ingress controller, admitted by the NetworkPolicy. Not used by the
   * cloud classes ("alb", "gce", "gce-internal"), whose load balancers reach pod IPs directly.
   * @default "ingress-nginx"
   */
  controllerNamespace?: string;
  /**
   * Extra annotations for the Ingress (e.g. cert-manager issuer, a WAF ACL); they win over the
   * class's own, except the annotations that keep the Ingress HTTPS-only
   * (`HTTPS_ONLY_INGRESS_ANNOTATIONS`), which are rejected.
   * @default {}
   */
  annotations?: Record<string, string>;
  /**
   * CIDRs the load balancer reaches the pods from, admitted by the NetworkPolicy; replaces the
   * class's own ranges.
   * @default "alb": the VPC CIDR (`aws.vpcCidrBlock`); "gce": Google's front-end and health-check
   * ranges 130.211.0.0/22 and 35.191.0.0/16 (https://cloud.google.com/load-balancing/docs/health-check-concepts#ip-ranges);
   * "gce-internal": those plus the proxy-only subnet (`gcp.proxyOnlySubnetCidr`); otherwise []
   */
  sourceCidrs?: string[];
}

/**
 * Schema of `HttpsIngressArgs`; `hostExample` appears in the host's error message.
 * @internal
 */
export function httpsIngressArgsSchema(hostExample: string) {
  return z
    .object({
      enabled: z.boolean().optional(),
      host: z
        .string()
        .regex(/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/, {
          message: `must be a fully qualified host name such as "${hostExample}"`,
        })
        .optional(),
      className: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: "must be an IngressClass name" })
        .max(253)
        .optional(),
      certificateArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, {
          message:
            'must be an ACM certificate ARN such as "arn:aws:acm:us-east-1:123456789012:certificate/<id>"',
        })
        .optional(),
      tlsSecretName: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: "must be a Kubernetes Secret name" })
        .max(253)
        .optional(),
      controllerNamespace: dnsLabelSchema().optional(),
      annotations: labelMapSchema.optional(),
      sourceCidrs: z.array(cidrSchema({ example: "130.211.0.0/22" })).optional(),
    })
    .strict();
}

/**
 * Annotations that decide whether an Ingress also serves plain HTTP: the component sets them per
 * class (GKE `allow-http: "false"`, the ALB's single HTTPS listener, nginx's redirects), and a
 * caller's annotation would silently undo that (credentials in clear text).
 */
export const HTTPS_ONLY_INGRESS_ANNOTATIONS = [
  "kubernetes.io/ingress.allow-http",
  "alb.ingress.kubernetes.io/listen-ports",
  "alb.ingress.kubernetes.io/ssl-redirect",
  "nginx.ingress.kubernetes.io/ssl-redirect",
  "nginx.ingress.kubernetes.io/force-ssl-redirect",
] as const;

/**
 * The cross-field rules of an enabled `HttpsIngressArgs`, reported under `path` (e.g.
 * `["ingress"]` or `["grafana", "ingress"]`): the host is required; HTTPS-only annotations are
 * rejected; a cloud class only on its own target; TLS from an ACM certificate for "alb", from a
 * Secret for every other class; no controller namespace for a cloud load balancer. An Ingress that
 * is off has no rules.
 */
export function httpsIngressProblems(
  target: Target,
  ingress: HttpsIngressArgs | undefined,
  path: readonly (string | number)[],
): Problem[] {
  if (!ingress?.enabled) return [];
  const problems: Problem[] = [];
  const issue = (key: string, message: string) => problems.push({ path: [...path, key], message });
  if (!ingress.host) issue("host", "required when the Ingress is enabled");
  const className = ingress.className ?? DEFAULT_INGRESS_CLASS[target];
  const cloud = CLOUD_INGRESS_CLASSES[className];
  for (const key of HTTPS_ONLY_INGRESS_ANNOTATIONS) {
    if (ingress.annotations?.[key] !== undefined) {
      problems.push({
        path: [...path, "annotations", key],
        message:
          "is set by the component to keep the Ingress HTTPS-only (no credentials in clear text); remove it",
      });
    }
  }
  if (cloud && cloud.target !== target) {
    issue("className", `"${className}" is served only on target "${cloud.target}", not on "${target}"`);
    return problems;
  }
  if (cloud?.tls === IngressTls.certificateArn) {
    if (!ingress.certificateArn) {
      issue("certificateArn", `required for IngressClass "${className}" (its only listener is HTTPS)`);
    }
    if (ingress.tlsSecretName !== undefined) {
      issue(
        "tlsSecretName",
        `not used by IngressClass "${className}" (TLS comes from certificateArn); remove it`,
      );
    }
  } else {
    if (!ingress.tlsSecretName) {
      issue("tlsSecretName", "required when the Ingress is enabled (credentials never travel in clear text)");
    }
    if (ingress.certificateArn !== undefined) {
      issue("certificateArn", `only used by IngressClass "alb", not "${className}"; remove it`);
    }
  }
  if (cloud && ingress.controllerNamespace !== undefined) {
    issue(
      "controllerNamespace",
      `not used by IngressClass "${className}" (its load balancer reaches pod IPs directly); remove it`,
    );
  }
  return problems;
}

/** An enabled `HttpsIngressArgs` with its class and every default applied. */
export type ResolvedHttpsIngress = Omit<
  HttpsIngressArgs,
  "enabled" | "host" | "className" | "controllerNamespace" | "annotations"
> & {
  host: string;
  className: string;
  controllerNamespace: string;
  annotations: Record<string, string>;
};

/** `HttpsIngressArgs` resolved on `target`; undefined when the Ingress is off. */
export function resolveHttpsIngress(
  target: Target,
  ingress: HttpsIngressArgs | undefined,
): ResolvedHttpsIngress | undefined {
  if (!ingress?.enabled) return undefined;
  return {
    host: ingress.host ?? "",
    className: ingress.className ?? DEFAULT_INGRESS_CLASS[target],
    ...(ingress.certificateArn !== undefined ? { certificateArn: ingress.certificateArn } : {}),
    ...(ingress.tlsSecretName !== undefined ? { tlsSecretName: ingress.tlsSecretName } : {}),
    controllerNamespace: ingress.controllerNamespace ?? "ingress-nginx",
    annotations: ingress.annotations ?? {},
    ...(ingress.sourceCidrs !== undefined ? { sourceCidrs: ingress.sourceCidrs } : {}),
  };
}

/** What a component tells the adapter about the Service behind its Ingress. */
export interface HttpsIngressBackend {
  /** Name of the Service behind the Ingress (`metadata.name`). */
  serviceName: string;
  /** Container port the Service targets (load balancers that reach pod IPs connect to it). */
  port: number;
  /** Path that answers 200 without credentials (the load balancer's health check). */
  healthCheckPath: string;
  /** Seconds a whole request may take (load balancers with a response timeout). */
  requestTimeoutSeconds: number;
  /** Seconds a connection may stay idle (load balancers with an idle timeout). */
  idleTimeoutSeconds: number;
  /** Labels for the adapter's companion objects. */
  labels: Record<string, string>;
}

/** The Ingress a component renders: the resolved args and the target's load balancer, if any. */
export interface HttpsIngressSettings {
  host: string;
  className: string;
  /** TLS Secret; undefined when the load balancer takes its certificate elsewhere (ACM). */
  tlsSecretName?: string;
  /** The target's own load balancer for `className`; undefined for an in-cluster controller. */
  loadBalancer?: LoadBalancerIngress;
  /** Namespace of the in-cluster controller (unused with a cloud load balancer). */
  controllerNamespace: string;
  annotations: Record<string, string>;
  /** Explicit load-balancer source CIDRs; undefined to use the load balancer's own. */
  sourceCidrs?: string[];
}

/**
 * The Ingress settings: the class, and for the target's own load-balancer classes the adapter's
 * annotations, Service annotations, source ranges and companion objects (created by the adapter).
 * An adapter error becomes a ResourceError on `owner` naming the argument (`args.<message>`).
 */
export function httpsIngressSettings(
  ingress: ResolvedHttpsIngress,
  adapter: CloudAdapter,
  backend: HttpsIngressBackend,
  owner: pulumi.Resource,
  type: string,
): HttpsIngressSettings {
  let loadBalancer: LoadBalancerIngress | undefined;
  try {
    loadBalancer = adapter.ingress.loadBalancer({
      className: ingress.className,
      ...backend,
      certificateArn: ingress.certificateArn,
    });
  } catch (err) {
    throw new pulumi.ResourceError(`invalid arguments for ${type}:\n  args.${(err as Error).message}`, owner);
  }
  return {
    host: ingress.host,
    className: ingress.className,
    tlsSecretName: ingress.tlsSecretName,
    loadBalancer,
    controllerNamespace: ingress.controllerNamespace,
    annotations: ingress.annotations,
    sourceCidrs: ingress.sourceCidrs,
  };
}

/** A NetworkPolicy ingress peer. */
export interface IngressPeer {
  namespaceSelector?: { matchLabels: Record<string, string> };
  ipBlock?: { cidr: pulumi.Input<string> };
}

/**
 * The NetworkPolicy peers the Ingress's traffic comes from: an in-cluster controller's namespace,
 * then the explicit `sourceCidrs` or else the load balancer's own ranges (a cloud load balancer
 * connects to pod IPs from them).
 */
export function httpsIngressPeers(s: HttpsIngressSettings): IngressPeer[] {
  const lb = s.loadBalancer;
  const peers: IngressPeer[] = [];
  if (!lb) {
    peers.push({
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": s.controllerNamespace } },
    });
  }
  for (const cidr of s.sourceCidrs ?? lb?.sourceCidrs ?? []) peers.push({ ipBlock: { cidr } });
  return peers;
}

/**
 * `spec.ingressClassName` and the annotations of the Ingress: the load balancer's (or, for an
 * in-cluster controller, `inClusterAnnotations`), then the caller's.
 */
export function httpsIngressClass(
  s: HttpsIngressSettings,
  inClusterAnnotations: Record<string, string>,
): { ingressClassName?: string; annotations: Record<string, pulumi.Input<string>> } {
  const lb = s.loadBalancer;
  return {
    ...(lb
      ? lb.ingressClassName !== undefined
        ? { ingressClassName: lb.ingressClassName }
        : {}
      : { ingressClassName: s.className }),
    annotations: { ...(lb ? lb.ingressAnnotations : inClusterAnnotations), ...s.annotations },
  };
}

/**
 * ingress-nginx's HTTPS-only annotations for class "nginx" (redirect plain HTTP, also when TLS is
 * terminated in front of the controller;
 * https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#server-side-https-enforcement-through-redirect),
 * none for other in-cluster classes.
 */
export function nginxHttpsOnlyAnnotations(className: string): Record<string, string> {
  if (className !== "nginx") return {};
  return {
    "nginx.ingress.kubernetes.io/ssl-redirect": "true",
    "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
  };
}
