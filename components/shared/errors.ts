import * as pulumi from "@pulumi/pulumi";

/**
 * Invalid stack configuration. Thrown before any resource is registered, with every problem as
 * `<key path>: <what is wrong, what is allowed>`. It is a `pulumi.RunError`, so `pulumi up` prints
 * the message without a stack trace; the offline plan exits 2 on it.
 */
export class StackConfigError extends pulumi.RunError {
  constructor(
    /** Every problem found, one line each. */
    readonly problems: string[],
    /** Where the config came from, for the message. */
    readonly source = "stack configuration",
  ) {
    super(`invalid ${source}:\n  ${problems.join("\n  ")}`);
    this.name = "StackConfigError";
  }
}
