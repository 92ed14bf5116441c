/**
 * The offline plan's JSON shape. This is a public contract: users' CI parses it. Fields may be
 * added; none may be removed or change meaning.
 */

/** One registered resource, shaped like a resource in `pulumi stack export`. */
export interface PlanResource {
  urn: string;
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
  /** Mock id (`<name>-id`); absent for components. */
  id?: string;
  /** Input property paths whose values are secret (masked in `inputs`). */
  secretInputs?: string[];
  /**
   * Outputs, secrets masked: for a component what it registered (`registerOutputs`); for a
   * provider resource its state after the mock create (inputs plus computed outputs).
   */
  outputs?: Record<string, unknown>;
  /** `true` for resources read rather than managed (`.get`, StackReference). */
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

export interface Plan {
  /** Version of this JSON shape. */
  planFormatVersion: 1;
  stack: string;
  project: string;
  resources: PlanResource[];
  /** Stack outputs; secret values are replaced by "[secret]". */
  outputs: Record<string, unknown>;
  policyViolations: PolicyViolation[];
  /** Warnings the program logged (`pulumi.log.warn`). */
  warnings: string[];
}
