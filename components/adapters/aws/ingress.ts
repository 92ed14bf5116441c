/**
 * Exposure on AWS: an Application Load Balancer provisioned by the AWS Load Balancer Controller
 * (IngressClass "alb", installed by the cluster component), internal, reaching pod IPs directly,
 * with one HTTPS listener whose certificate comes from AWS Certificate Manager.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type {
  AdapterContext,
  AwsTargetArgs,
  CloudIngressClass,
  IngressExposure,
  LoadBalancerIngress,
  LoadBalancerIngressArgs,
  LoadBalancerOidc,
} from "../types";
import { IngressAuthenticationKind, IngressTls, Target } from "../types";

/** The AWS Load Balancer Controller's IngressClass (its chart creates it with this name). */
export const ALB_INGRESS_CLASS = "alb";

/** IngressClasses only AWS serves. */
export const AWS_INGRESS_CLASSES: Record<string, CloudIngressClass> = {
  [ALB_INGRESS_CLASS]: {
    target: Target.aws,
    tls: IngressTls.certificateArn,
    authentication: IngressAuthenticationKind.oidc,
  },
};

/**
 * TLS policy of the HTTPS listener: TLS 1.3 and 1.2 with restricted (AEAD, forward-secret)
 * ciphers and post-quantum key exchange, the policy the AWS console itself defaults to
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html).
 * The API default (ELBSecurityPolicy-2016-08) still allows TLS 1.0.
 */
export const ALB_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09";

/** Annotation prefix of the AWS Load Balancer Controller. */
const ALB = "alb.ingress.kubernetes.io";

/**
 * The Ingress annotations of an internal ALB (annotation reference:
 * https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/):
 * - `scheme: internal`: the ALB gets private IPs only (reach it over the VPC, VPN or peering);
 * - `target-type: ip`: targets are pod IPs (no NodePort, works with the restricted NetworkPolicy);
 * - one HTTPS:443 listener and no HTTP listener at all, so credentials never travel in clear text;
 * - the ACM certificate and the TLS policy above;
 * - health checks on MLflow's unauthenticated `/health`;
 * - an idle timeout long enough for artifact transfers (the ALB default is 60 s) and dropping
 *   invalid header fields (request smuggling hardening; AWS Security Hub ELB.4).
 * ALBs have no request body size limit.
 */
export function albIngressAnnotations(args: {
  certificateArn: string;
  healthCheckPath: string;
  idleTimeoutSeconds: number;
}): Record<string, string> {
  return {
    [`${ALB}/scheme`]: "internal",
    [`${ALB}/target-type`]: "ip",
    [`${ALB}/listen-ports`]: JSON.stringify([{ HTTPS: 443 }]),
    [`${ALB}/certificate-arn`]: args.certificateArn,
    [`${ALB}/ssl-policy`]: ALB_SSL_POLICY,
    [`${ALB}/backend-protocol`]: "HTTP",
    [`${ALB}/healthcheck-path`]: args.healthCheckPath,
    [`${ALB}/success-codes`]: "200",
    [`${ALB}/load-balancer-attributes`]: [
      `idle_timeout.timeout_seconds=${args.idleTimeoutSeconds}`,
      "routing.http.drop_invalid_header_fields.enabled=true",
    ].join(","),
  };
}

/**
 * Where the cluster component installs the AWS Load Balancer Controller
 * (components/training-cluster/aws/load-balancer-controller.ts; a test keeps the two equal).
 */
export const ALB_CONTROLLER = {
  namespace: "aws-load-balancer-controller",
  serviceAccount: "aws-load-balancer-controller",
} as const;

/**
 * The ALB's OpenID Connect authentication (annotation reference, "Authentication":
 * https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#authentication):
 * `auth-type: oidc`; `auth-idp-oidc`, the identity provider's endpoints and the Secret (same
 * namespace as the Ingress, keys `clientID` and `clientSecret`) the controller reads the client
 * credentials from; the scope; the session cookie's lifetime; and what an unauthenticated request
 * gets ("authenticate" or "deny"; the controller's third value, "allow", lets anonymous requests
 * through and is never produced). The ALB itself calls the token and user info endpoints, so an
 * internal ALB needs a route to them (a NAT gateway for a public identity provider).
 */
export function albOidcAnnotations(oidc: LoadBalancerOidc): Record<string, string> {
  return {
    [`${ALB}/auth-type`]: "oidc",
    [`${ALB}/auth-idp-oidc`]: JSON.stringify({
      issuer: oidc.issuer,
      authorizationEndpoint: oidc.authorizationEndpoint,
      tokenEndpoint: oidc.tokenEndpoint,
      userInfoEndpoint: oidc.userInfoEndpoint,
      secretName: oidc.secretName,
    }),
    [`${ALB}/auth-scope`]: oidc.scope,
    [`${ALB}/auth-on-unauthenticated-request`]: oidc.onUnauthenticatedRequest,
    [`${ALB}/auth-session-timeout`]: String(oidc.sessionTimeoutSeconds),
  };
}

/**
 * Read access for the AWS Load Balancer Controller to the one OIDC client Secret: the cluster
 * component installs the controller with `clusterSecretsPermissions.allowAllSecrets: false` (its
 * chart then grants no Secret access at all; helm/aws-load-balancer-controller templates/rbac.yaml),
 * so the exposure grants `get`/`list`/`watch` on that Secret by name, in its namespace only.
 */
function oidcSecretReader(
  ctx: AdapterContext,
  role: string | undefined,
  secretName: string,
  labels: Record<string, string>,
): pulumi.Resource[] {
  const prefix = role !== undefined ? `${ctx.name}-${role}` : ctx.name;
  const name = `${role ?? ctx.name}-alb-oidc-secret-reader`;
  const r = new k8s.rbac.v1.Role(
    `${prefix}-oidc-secret-role`,
    {
      metadata: { name, namespace: ctx.namespace, labels },
      rules: [
        {
          apiGroups: [""],
          resources: ["secrets"],
          resourceNames: [secretName],
          verbs: ["get", "list", "watch"],
        },
      ],
    },
    { parent: ctx.parent, provider: ctx.k8sProvider, dependsOn: ctx.dependsOn },
  );
  const binding = new k8s.rbac.v1.RoleBinding(
    `${prefix}-oidc-secret-role-binding`,
    {
      metadata: { name, namespace: ctx.namespace, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [
        { kind: "ServiceAccount", name: ALB_CONTROLLER.serviceAccount, namespace: ALB_CONTROLLER.namespace },
      ],
    },
    { parent: ctx.parent, provider: ctx.k8sProvider, dependsOn: [...ctx.dependsOn, r] },
  );
  return [r, binding];
}

/**
 * The AWS exposure: "alb" by default. In IP target mode the ALB's nodes connect to pod IPs from
 * their own ENIs in the VPC's subnets, whose addresses are not known before the ALB exists, so
 * the NetworkPolicy admits the VPC CIDR (a VPC with secondary CIDRs for the ALB subnets needs
 * `ingress.sourceCidrs`). Trade-off, by choice: with the VPC CNI, pods draw their IPs from the
 * same VPC ranges, so this also admits in-VPC sources on MLflow's port (basic auth still applies
 * to every request); with dedicated load-balancer subnets, list only those in `ingress.sourceCidrs`.
 */
export function awsIngressExposure(ctx: AdapterContext, target: AwsTargetArgs): IngressExposure {
  return {
    defaultClassName: ALB_INGRESS_CLASS,
    loadBalancer(args: LoadBalancerIngressArgs): LoadBalancerIngress | undefined {
      if (args.className !== ALB_INGRESS_CLASS) return undefined;
      if (!args.certificateArn) {
        throw new Error(`ingress.certificateArn: required for IngressClass "${ALB_INGRESS_CLASS}"`);
      }
      const auth = args.authentication;
      if (auth && (auth.kind !== IngressAuthenticationKind.oidc || !auth.oidc)) {
        throw new Error(
          `ingress.authentication.kind: IngressClass "${ALB_INGRESS_CLASS}" authenticates with "oidc" (and its settings), not "${auth.kind}"`,
        );
      }
      const sourceCidrs: pulumi.Input<string>[] = [target.vpcCidrBlock];
      return {
        ingressClassName: ALB_INGRESS_CLASS,
        ingressAnnotations: {
          ...albIngressAnnotations({
            certificateArn: args.certificateArn,
            healthCheckPath: args.healthCheckPath,
            idleTimeoutSeconds: args.idleTimeoutSeconds,
          }),
          ...(auth?.oidc ? albOidcAnnotations(auth.oidc) : {}),
        },
        serviceAnnotations: {},
        sourceCidrs,
        resources: auth?.oidc ? oidcSecretReader(ctx, args.role, auth.oidc.secretName, args.labels) : [],
        ...(auth ? { authentication: auth.kind } : {}),
      };
    },
  };
}
