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
  IngressAuthenticationKind,
  IngressTls,
  OidcUnauthenticatedAction,
  type CloudAdapter,
  type IngressBackend,
  type LoadBalancerAuthentication,
  type LoadBalancerIngress,
  type LoadBalancerOidc,
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

/** ingress-nginx external authentication (`kind: "externalAuth"`). */
export interface ExternalAuthArgs {
  /** Authentication endpoint every request is checked against first (https), e.g. oauth2-proxy's `/oauth2/auth`. */
  url: string;
  /** Where a browser without a session is sent to sign in (https), e.g. oauth2-proxy's `/oauth2/start`. @default none (401) */
  signinUrl?: string;
}

/** OpenID Connect at the AWS ALB (`kind: "oidc"`); the client credentials only by Secret reference. */
export interface OidcAuthenticationArgs {
  /** Issuer URL (https), e.g. "https://login.example.com". */
  issuer: string;
  /** Authorization endpoint (https). */
  authorizationEndpoint: string;
  /** Token endpoint (https). */
  tokenEndpoint: string;
  /** User info endpoint (https). */
  userInfoEndpoint: string;
  /**
   * Kubernetes Secret in the component's namespace with the keys `clientID` and `clientSecret`
   * (create it from a Pulumi secret or an external secrets operator; never inline).
   */
  secretName: string;
  /** Space-separated scopes. @default "openid" */
  scope?: string;
  /**
   * A request without a session: "authenticate" redirects to the identity provider's login,
   * "deny" answers 401. Anonymous requests are never let through.
   * @default "authenticate"
   */
  onUnauthenticatedRequest?: OidcUnauthenticatedAction;
  /** Seconds a session stays valid (1–604800). @default 3600 */
  sessionTimeoutSeconds?: number;
}

/** Identity-Aware Proxy on GKE (`kind: "iap"`); the OAuth client only by Secret reference. */
export interface IapAuthenticationArgs {
  /** Kubernetes Secret in the component's namespace with the keys `client_id` and `client_secret`. */
  secretName: string;
}

/**
 * Who may call an exposed endpoint: every request is authenticated before it reaches the backend.
 * `kind` picks the mechanism and the field of the same name holds its settings (the other two
 * stay unset); secrets are named by Kubernetes Secret, never given inline.
 */
export interface IngressAuthenticationArgs {
  /**
   * "oidc" (class "alb": the ALB's OpenID Connect), "iap" (classes "gce-internal" and "gce":
   * Identity-Aware Proxy), "externalAuth" (class "nginx": ingress-nginx `auth-url`).
   * @default the class's: "oidc" for "alb", "iap" for "gce-internal"/"gce", else "externalAuth"
   */
  kind?: IngressAuthenticationKind;
  /** Settings of kind "externalAuth". */
  externalAuth?: ExternalAuthArgs;
  /** Settings of kind "oidc". */
  oidc?: OidcAuthenticationArgs;
  /** Settings of kind "iap". */
  iap?: IapAuthenticationArgs;
}

const httpsUrl = z.string().regex(/^https:\/\/[^\s/]+(\/\S*)?$/, { message: "must be an https:// URL" });
const secretName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: "must be a Kubernetes Secret name" })
  .max(253);

/** Schema of `IngressAuthenticationArgs`.  @internal */
export const ingressAuthenticationArgsSchema = z
  .object({
    kind: z
      .enum([
        IngressAuthenticationKind.externalAuth,
        IngressAuthenticationKind.oidc,
        IngressAuthenticationKind.iap,
      ])
      .optional(),
    externalAuth: z.object({ url: httpsUrl, signinUrl: httpsUrl.optional() }).strict().optional(),
    oidc: z
      .object({
        issuer: httpsUrl,
        authorizationEndpoint: httpsUrl,
        tokenEndpoint: httpsUrl,
        userInfoEndpoint: httpsUrl,
        secretName,
        scope: z
          .string()
          .regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, {
            message: 'must be space-separated OAuth scopes such as "openid email"',
          })
          .optional(),
        onUnauthenticatedRequest: z
          .enum([OidcUnauthenticatedAction.authenticate, OidcUnauthenticatedAction.deny])
          .optional(),
        sessionTimeoutSeconds: z.number().int().min(1).max(604800).optional(),
      })
      .strict()
      .optional(),
    iap: z.object({ secretName }).strict().optional(),
  })
  .strict();

/** The authentication kind a class offers: its load balancer's, or ingress-nginx's external auth. */
export function classAuthenticationKind(className: string): IngressAuthenticationKind {
  return CLOUD_INGRESS_CLASSES[className]?.authentication ?? IngressAuthenticationKind.externalAuth;
}

/** The only in-cluster class whose external-authentication annotations the component sets. */
export const EXTERNAL_AUTH_INGRESS_CLASS = "nginx";

/**
 * The rules of the authentication of an enabled Ingress on `target`, reported under `path` (the
 * Ingress's, e.g. `["models", 0, "exposure"]`): it is required; its kind is the class's (an
 * in-cluster class other than "nginx" would ignore ingress-nginx's annotations and serve
 * anonymously); the settings of that kind are set and those of the other kinds are not.
 */
export function ingressAuthenticationProblems(
  target: Target,
  ingress: (HttpsIngressArgs & { authentication?: IngressAuthenticationArgs }) | undefined,
  path: readonly (string | number)[],
): Problem[] {
  if (!ingress?.enabled) return [];
  const at = [...path, "authentication"];
  const auth = ingress.authentication;
  if (!auth) {
    return [
      {
        path: at,
        message: "required when exposure is enabled: an endpoint is never exposed without authentication",
      },
    ];
  }
  const className = ingress.className ?? DEFAULT_INGRESS_CLASS[target];
  const cloud = CLOUD_INGRESS_CLASSES[className];
  if (cloud && cloud.target !== target) return []; // reported on className
  const offered = classAuthenticationKind(className);
  const kind = auth.kind ?? offered;
  const problems: Problem[] = [];
  if (kind !== offered) {
    problems.push({
      path: [...at, "kind"],
      message: `"${kind}" is not what IngressClass "${className}" authenticates with (it offers "${offered}")`,
    });
  } else if (kind === IngressAuthenticationKind.externalAuth && className !== EXTERNAL_AUTH_INGRESS_CLASS) {
    problems.push({
      path: [...at, "kind"],
      message: `"externalAuth" is configured only for IngressClass "${EXTERNAL_AUTH_INGRESS_CLASS}" (ingress-nginx auth-url); "${className}" would ignore it and serve anonymously`,
    });
  }
  for (const k of Object.values(IngressAuthenticationKind)) {
    if (k === kind && auth[k] === undefined) {
      problems.push({ path: [...at, k], message: `required for kind "${kind}"` });
    } else if (k !== kind && auth[k] !== undefined) {
      problems.push({ path: [...at, k], message: `not used by kind "${kind}"; remove it` });
    }
  }
  return problems;
}

/** `IngressAuthenticationArgs` with its kind and every default applied. */
export interface ResolvedIngressAuthentication {
  kind: IngressAuthenticationKind;
  externalAuth?: ExternalAuthArgs;
  oidc?: LoadBalancerOidc;
  iap?: IapAuthenticationArgs;
}

/** `IngressAuthenticationArgs` resolved for `className` (after `ingressAuthenticationProblems`). */
export function resolveIngressAuthentication(
  className: string,
  auth: IngressAuthenticationArgs,
): ResolvedIngressAuthentication {
  const kind = auth.kind ?? classAuthenticationKind(className);
  const o = auth.oidc;
  return {
    kind,
    ...(kind === IngressAuthenticationKind.externalAuth && auth.externalAuth
      ? { externalAuth: auth.externalAuth }
      : {}),
    ...(kind === IngressAuthenticationKind.oidc && o
      ? {
          oidc: {
            issuer: o.issuer,
            authorizationEndpoint: o.authorizationEndpoint,
            tokenEndpoint: o.tokenEndpoint,
            userInfoEndpoint: o.userInfoEndpoint,
            secretName: o.secretName,
            scope: o.scope ?? "openid",
            onUnauthenticatedRequest: o.onUnauthenticatedRequest ?? OidcUnauthenticatedAction.authenticate,
            sessionTimeoutSeconds: o.sessionTimeoutSeconds ?? 3600,
          },
        }
      : {}),
    ...(kind === IngressAuthenticationKind.iap && auth.iap ? { iap: auth.iap } : {}),
  };
}

/**
 * ingress-nginx's external authentication annotations for "externalAuth" (every request is checked
 * against `url` first;
 * https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#external-authentication);
 * none for the load balancers' kinds, which the adapter configures.
 */
export function externalAuthAnnotations(auth: ResolvedIngressAuthentication): Record<string, string> {
  if (!auth.externalAuth) return {};
  return {
    "nginx.ingress.kubernetes.io/auth-url": auth.externalAuth.url,
    ...(auth.externalAuth.signinUrl !== undefined
      ? { "nginx.ingress.kubernetes.io/auth-signin": auth.externalAuth.signinUrl }
      : {}),
  };
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
  backend: IngressBackend,
  owner: pulumi.Resource,
  type: string,
  authentication?: ResolvedIngressAuthentication,
): HttpsIngressSettings {
  let loadBalancer: LoadBalancerIngress | undefined;
  const lbAuth: LoadBalancerAuthentication | undefined =
    authentication && authentication.kind !== IngressAuthenticationKind.externalAuth
      ? {
          kind: authentication.kind,
          ...(authentication.oidc ? { oidc: authentication.oidc } : {}),
          ...(authentication.iap ? { iap: authentication.iap } : {}),
        }
      : undefined;
  try {
    loadBalancer = adapter.ingress.loadBalancer({
      className: ingress.className,
      ...backend,
      certificateArn: ingress.certificateArn,
      ...(lbAuth ? { authentication: lbAuth } : {}),
    });
  } catch (err) {
    throw new pulumi.ResourceError(`invalid arguments for ${type}:\n  args.${(err as Error).message}`, owner);
  }
  // The load balancer must confirm the authentication it was asked for: an endpoint that asked
  // for authentication is never created without it.
  if (lbAuth && loadBalancer?.authentication !== lbAuth.kind) {
    throw new pulumi.ResourceError(
      `invalid arguments for ${type}:\n  args.ingress.authentication.kind: IngressClass "${ingress.className}" does not perform "${lbAuth.kind}" authentication on this target`,
      owner,
    );
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
