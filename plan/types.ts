/**
 * The offline plan's JSON shape. This is a public contract: users' CI parses it. Fields may be
 * added; none may be removed or change meaning.
 */

/** One registered resource, shaped like a resource in `pulumi stack export`. */
export interface PlanResource {
  /**
   * The resource's URN in the plan: `parent`, `dependencies`, policy violations and exemptions refer
   * to resources by it. It is the mock runtime's, whose type part names only the immediate
   * parent's type; {@link PlanResource.stateUrn} is the one a deployment records.
   */
  urn: string;
  /**
   * The URN the Pulumi engine gives the resource, as in the stack's state (`pulumi stack export`):
   * `urn:pulumi:<stack>::<project>::<ancestor types, outermost first, joined by $>$<type>::<name>`
   * (a top-level resource has no ancestor types). Optional in the type only for plans written
   * before it was set.
   */
  stateUrn?: string;
  /** Type token, e.g. `aws:s3/bucket:Bucket` or `mlops:index:ModelRegistry`. */
  type: string;
  /** Logical name. */
  name: string;
  /** `true` for provider (custom) resources, `false` for components. */
  custom: boolean;
  /** URN of the parent resource (the stack for top-level resources). */
  parent: string;
  /** Provider reference `<provider urn>::<provider id>` when one was set explicitly, else "". */
  provider: string;
  /** URNs this resource depends on (explicit `dependsOn` plus input dependencies). */
  dependencies: string[];
  /** For each input property, the URNs its value came from. */
  propertyDependencies?: Record<string, string[]>;
  /** Inputs as the engine would see them; secret values are replaced by "[secret]". */
  inputs: Record<string, unknown>;
  protect: boolean;
  retainOnDelete: boolean;
  /**
   * URNs (in the form of {@link PlanResource.stateUrn}) the resource may have had before: its
   * `aliases` option (and its provider's built-in aliases for renamed types) collapsed to URNs,
   * plus those it inherits from its parent's aliases, as the engine computes them. When the stack's
   * state has no resource at `stateUrn`, the engine adopts the one at the first of these instead
   * of creating a new one. Absent when the resource has none.
   */
  aliases?: string[];
  /** Mock id (`<name>-id`); absent for components. */
  id?: string;
  /** Input property paths whose values are secret (masked in `inputs`). */
  secretInputs?: string[];
  /**
   * Outputs, secrets masked: for a component what it registered (`registerOutputs`); for a
   * provider resource its state after the mock create (inputs plus computed outputs).
   */
  outputs?: Record<string, unknown>;
  /**
   * `true` for resources read rather than managed (`.get`, StackReference), `false` for every
   * resource the program registers. Optional in the type only for plans written before it was set.
   */
  external?: boolean;
}

/** A policy violation found by the offline policy run. */
export interface PolicyViolation {
  policyName: string;
  enforcementLevel: "advisory" | "mandatory" | "remediate" | "disabled";
  /** URN of the violating resource; "" for a stack-level violation without one. */
  urn: string;
  message: string;
  /** Policy pack name. */
  policyPackName?: string;
  /** Rule severity, from the rule's metadata. */
  severity?: string;
}

/** A policy exemption that suppressed findings on one resource. */
export interface PolicyExemption {
  policyName: string;
  /** URN of the exempted resource. */
  urn: string;
  /** Type token of the exempted resource ("" when the URN is not in the plan). */
  resourceType: string;
  /** Logical name of the exempted resource. */
  resourceName: string;
  /**
   * `resourceName`: an `exemptions` entry of the pack config; `podSecurity`: a scoped
   * `podSecurityExemptions` entry (privileged node agents from trusted images).
   */
  kind: "resourceName" | "podSecurity";
  /** The `resourceNamePattern` of the exemption, or the name of the pod security exemption. */
  exemption: string;
  /** The reason recorded with the exemption. */
  reason: string;
  /** The findings it suppressed. */
  suppressed: string[];
}

/** The environment whose enforcement levels the policy pack used. */
export type PolicyEnvironment = "dev" | "staging" | "prod";

/**
 * Where the policy environment came from: the policy pack config's `environment`, the stack's
 * `<project>:environment`, or the pack's default (prod, the strictest).
 */
export type PolicyEnvironmentSource = "policy-pack-config" | "stack-config" | "default";

export interface Plan {
  /** Version of this JSON shape. */
  planFormatVersion: 1;
  stack: string;
  project: string;
  resources: PlanResource[];
  /** Stack outputs; secret values are replaced by "[secret]". */
  outputs: Record<string, unknown>;
  policyViolations: PolicyViolation[];
  /**
   * Warnings: what the program logged (`pulumi.log.warn`), then the plan's own (a policy
   * environment that differs from the components' environment).
   */
  warnings: string[];
  /** The environment the policy pack ran with; absent when policies did not run. */
  policyEnvironment?: PolicyEnvironment;
  /** Where {@link Plan.policyEnvironment} came from; absent when policies did not run. */
  policyEnvironmentSource?: PolicyEnvironmentSource;
  /** Every exemption that suppressed a finding, with its reason ([] when none, or no policies ran). */
  policyExemptions?: PolicyExemption[];
}
