import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { describeIssue, parseWith, problemLine, resolvedOrThrow, zodProblems } from "./contract";

/**
 * A zod schema for a `pulumi.Input<T>`: a known value is validated by `schema`; an `Output` or a
 * `Promise` (not known until deployment) is accepted as it is and checked by the provider later.
 * @internal
 */
export function input<S extends z.ZodType>(
  schema: S,
): z.ZodType<pulumi.Input<z.output<S>>, pulumi.Input<z.input<S>>> {
  const custom = z.custom<pulumi.Input<z.output<S>>>() as unknown as z.ZodType<
    pulumi.Input<z.output<S>>,
    pulumi.Input<z.input<S>>
  >;
  return custom.superRefine((value, ctx) => {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return;
    const result = schema.safeParse(value);
    if (result.success) return;
    for (const issue of result.error.issues) {
      ctx.addIssue({ code: "custom", message: describeIssue(issue), path: issue.path });
    }
  });
}

/** All issues of a zod error as `<key path>: <message>` lines, unknown keys expanded per key.  @internal */
export function formatIssues(error: z.ZodError, prefix = ""): string[] {
  return zodProblems(error).map((p) => problemLine(p, prefix));
}

/**
 * Validates a component's args against its schema before any child is created. Every problem is
 * reported at once as `args.<key>: <what is wrong, what is allowed>` in a `pulumi.ResourceError`
 * (the contract pipeline's `parseWith` + `resolvedOrThrow`, for a component whose args need no
 * resolver).
 * @internal
 */
export function validateArgs<S extends z.ZodType>(
  schema: S,
  args: unknown,
  resource: pulumi.Resource,
  componentType: string,
): z.output<S> {
  return resolvedOrThrow(parseWith(schema, args ?? {}), resource, componentType);
}

/** Throws a `pulumi.ResourceError` naming the argument when a combination of args makes no sense. */
export function argError(
  resource: pulumi.Resource,
  componentType: string,
  key: string,
  message: string,
): never {
  throw new pulumi.ResourceError(
    `invalid arguments for ${componentType}:\n  args.${key}: ${message}`,
    resource,
  );
}
