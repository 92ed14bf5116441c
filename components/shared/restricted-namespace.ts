/**
 * `mlops:index:RestrictedNamespace`: a namespace every workload of this toolkit can run in —
 * Pod Security admission enforcing the "restricted" profile, a default-deny NetworkPolicy (each
 * workload then admits exactly what it needs with its own policy) and, unless turned off, egress
 * to the cluster DNS for every pod.
 *
 * Children (for a component named `n`): the Namespace `n`, the NetworkPolicy `n-default-deny`
 * (`default-deny-all`) and, with `dnsEgress`, the NetworkPolicy `n-dns-egress` (`allow-dns-egress`).
 * The Kubernetes provider comes from the options (`provider` / `providers`), as for any resource.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { MlopsComponent } from "./component";
import { dnsEgressRule, restrictedNamespaceLabels } from "./k8s";
import { dnsLabelSchema, tagsSchema } from "./schemas";
import { validateArgs } from "./validation";

/** Type token of {@link RestrictedNamespace}. */
export const RESTRICTED_NAMESPACE_TYPE = "mlops:index:RestrictedNamespace";

/** Arguments of {@link RestrictedNamespace}. */
export interface RestrictedNamespaceArgs {
  /** Name of the namespace (a DNS-1123 label). */
  namespace: string;
  /**
   * Labels on the namespace and its NetworkPolicies. The Pod Security labels
   * (`pod-security.kubernetes.io/*`) are always set and win over these.
   * @default {}
   */
  labels?: Record<string, string>;
  /**
   * Add a NetworkPolicy that lets every pod of the namespace reach the cluster DNS (kube-dns /
   * CoreDNS in kube-system, UDP and TCP 53). Turn it off only where each workload's own policy
   * already allows DNS.
   * @default true
   */
  dnsEgress?: boolean;
  /**
   * An exception to the enforced Pod Security level, for a namespace whose pods a third-party
   * operator creates without the container-level settings "restricted" requires: enforce
   * "baseline" instead, keep auditing and warning at "restricted" (so the gap stays visible), and
   * record why in the annotation `mlops.pulumi.com/pod-security-exception`. Never lower than
   * "baseline". @default none: "restricted" is enforced
   */
  baselineEnforcementReason?: string;
}

/** @internal */
export const restrictedNamespaceArgsSchema = z
  .object({
    namespace: dnsLabelSchema(),
    labels: tagsSchema.optional(),
    dnsEgress: z.boolean().optional(),
    baselineEnforcementReason: z
      .string()
      .min(20, { message: "must say why (at least 20 characters)" })
      .optional(),
  })
  .strict();

/** A namespace with Pod Security "restricted", default-deny networking and DNS egress (see the module comment). */
export class RestrictedNamespace extends MlopsComponent {
  /** Name of the namespace (known once the Namespace is registered, so dependents wait for it). */
  public readonly namespaceName: pulumi.Output<string>;
  /** The Namespace object. */
  public readonly namespace: k8s.core.v1.Namespace;
  /** The default-deny NetworkPolicy. */
  public readonly defaultDeny: k8s.networking.v1.NetworkPolicy;

  constructor(name: string, args: RestrictedNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(RESTRICTED_NAMESPACE_TYPE, name, opts);
    const a = validateArgs(restrictedNamespaceArgsSchema, args, this, RESTRICTED_NAMESPACE_TYPE);
    const labels = a.labels ?? {};

    this.namespace = new k8s.core.v1.Namespace(
      name,
      {
        metadata: {
          name: a.namespace,
          labels: {
            ...labels,
            ...restrictedNamespaceLabels(),
            ...(a.baselineEnforcementReason !== undefined
              ? { "pod-security.kubernetes.io/enforce": "baseline" }
              : {}),
          },
          ...(a.baselineEnforcementReason !== undefined
            ? { annotations: { "mlops.pulumi.com/pod-security-exception": a.baselineEnforcementReason } }
            : {}),
        },
      },
      { parent: this },
    );
    this.namespaceName = this.namespace.metadata.name;
    this.defaultDeny = new k8s.networking.v1.NetworkPolicy(
      `${name}-default-deny`,
      {
        metadata: { name: "default-deny-all", namespace: this.namespaceName, labels },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      },
      { parent: this },
    );
    if (a.dnsEgress ?? true) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-dns-egress`,
        {
          metadata: { name: "allow-dns-egress", namespace: this.namespaceName, labels },
          spec: { podSelector: {}, policyTypes: ["Egress"], egress: [dnsEgressRule()] },
        },
        { parent: this },
      );
    }
    this.registerOutputs({ namespaceName: this.namespaceName });
  }
}
