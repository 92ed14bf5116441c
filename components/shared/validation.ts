import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

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

/** Formats one zod issue as `<key path>: <what is wrong>`.  @internal */
export function formatIssue(issue: z.core.$ZodIssue, prefix = ""): string {
  const path = [prefix, ...issue.path.map((p) => (typeof p === "number" ? `[${p}]` : String(p)))]
    .filter((p) => p !== "")
    .join(".")
    .replace(/\.\[/g, "[");
  return `${path || "(root)"}: ${describeIssue(issue)}`;
}

/** What is wrong, in words a user acts on ("required (string)", "must be one of ...").  @internal */
export function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}; remove them or check the spelling`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_type":
      return /received undefined$/.test(issue.message)
        ? `required (${issue.expected})`
        : `must be ${article(issue.expected)} ${issue.expected}${/received (\w+)/.exec(issue.message)?.[1] ? `, got ${/received (\w+)/.exec(issue.message)![1]}` : ""}`;
    case "too_small":
    case "too_big":
      return issue.message.replace(/^Too (small|big): expected \w+ to (be|have) /, "must be ");
    default:
      return issue.message;
  }
}

/** All issues of a zod error as `<key path>: <message>` lines, unknown keys expanded per key.  @internal */
export function formatIssues(error: z.ZodError, prefix = ""): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        lines.push(
          formatIssue({ ...issue, path: [...issue.path, key], keys: [key] }, prefix).replace(
            /unknown key\(s\) "[^"]*"/,
            "unknown key",
          ),
        );
      }
    } else {
      lines.push(formatIssue(issue, prefix));
    }
  }
  return lines;
}

/**
 * Validates a component's args against its schema before any child is created. Every problem is
 * reported at once as `args.<key>: <what is wrong, what is allowed>` in a `pulumi.ResourceError`.
 * @internal
 */
export function validateArgs<S extends z.ZodType>(
  schema: S,
  args: unknown,
  resource: pulumi.Resource,
  componentType: string,
): z.output<S> {
  const result = schema.safeParse(args ?? {});
  if (result.success) return result.data;
  const lines = formatIssues(result.error, "args");
  throw new pulumi.ResourceError(
    `invalid arguments for ${componentType}:\n  ${lines.join("\n  ")}`,
    resource,
  );
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

function article(word: string): string {
  return /^[aeiou]/.test(word) ? "an" : "a";
}
