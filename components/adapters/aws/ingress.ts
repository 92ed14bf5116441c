/**
 * Exposure on AWS: an Application Load Balancer provisioned by the AWS Load Balancer Controller
 * (IngressClass "alb", installed by the cluster component), internal, reaching pod IPs directly,
 * with one HTTPS listener whose certificate comes from AWS Certificate Manager.
 */
import type * as pulumi from "@pulumi/pulumi";
import type {
  AwsTargetArgs,
  CloudIngressClass,
  IngressExposure,
  LoadBalancerIngress,
  LoadBalancerIngressArgs,
} from "../types";
import { IngressTls, Target } from "../types";

/** The AWS Load Balancer Controller's IngressClass (its chart creates it with this name). */
export const ALB_INGRESS_CLASS = "alb";

/** IngressClasses only AWS serves. */
export const AWS_INGRESS_CLASSES: Record<string, CloudIngressClass> = {
  [ALB_INGRESS_CLASS]: { target: Target.aws, tls: IngressTls.certificateArn },
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
 * The AWS exposure: "alb" by default. In IP target mode the ALB's nodes connect to pod IPs from
 * their own ENIs in the VPC's subnets, whose addresses are not known before the ALB exists, so
 * the NetworkPolicy admits the VPC CIDR (a VPC with secondary CIDRs for the ALB subnets needs
 * `ingress.sourceCidrs`). Trade-off, by choice: with the VPC CNI, pods draw their IPs from the
 * same VPC ranges, so this also admits in-VPC sources on MLflow's port (basic auth still applies
 * to every request); with dedicated load-balancer subnets, list only those in `ingress.sourceCidrs`.
 */
export function awsIngressExposure(target: AwsTargetArgs): IngressExposure {
  return {
    defaultClassName: ALB_INGRESS_CLASS,
    loadBalancer(args: LoadBalancerIngressArgs): LoadBalancerIngress | undefined {
      if (args.className !== ALB_INGRESS_CLASS) return undefined;
      if (!args.certificateArn) {
        throw new Error(`ingress.certificateArn: required for IngressClass "${ALB_INGRESS_CLASS}"`);
      }
      const sourceCidrs: pulumi.Input<string>[] = [target.vpcCidrBlock];
      return {
        ingressClassName: ALB_INGRESS_CLASS,
        ingressAnnotations: albIngressAnnotations({
          certificateArn: args.certificateArn,
          healthCheckPath: args.healthCheckPath,
          idleTimeoutSeconds: args.idleTimeoutSeconds,
        }),
        serviceAnnotations: {},
        sourceCidrs,
        resources: [],
      };
    },
  };
}
