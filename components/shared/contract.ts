/**
 * The contract pipeline every component follows (issue 8, item 1): one pure function per
 * component, `resolve<X>Args(args, environment?) → Resolution<Resolved<X>Args>`, does in one pass
 * what used to be spread over zod refinements, builder-level resolvers and runtime checks:
 *
 *  1. the schema parse (field shapes; unknown keys);
 *  2. the cross-field rules (one place each, never repeated by a builder);
 *  3. the environment presets and every default.
 *
 * The component constructor calls it once and throws one `pulumi.ResourceError` listing every
 * problem as `args.<path>: <message>` (`throwOnProblems`); the stack config calls the same
 * function and reports the same message under the config key (`mlops:<key path>`). Builders take
 * the resolved values and check nothing themselves.
 *
 * The types are public (resolvers return them); the helpers are internal.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

/** Where a problem is: keys and array indexes under the args (`["teams", 0, "pools"]`). */
export type ProblemPath = (string | number)[];

/** One thing wrong with the args, with the path of the key it is about. */
export interface Problem {
  path: ProblemPath;
  message: string;
}

/**
 * The outcome of a component's resolver: `resolved` (every default applied) when `problems` is
 * empty, else undefined and every problem found.
 */
export interface Resolution<T> {
  resolved: T | undefined;
  problems: Problem[];
}

/**
 * The outcome of a sub-block's resolver (`args.aws`, `args.gcp`, the in-cluster parts): the
 * defaults can be applied even when the block has problems, so `resolved` is always there.
 */
export interface BlockResolution<T> {
  resolved: T;
  problems: Problem[];
}

/** A successful resolution, or a failed one when `problems` is not empty.  @internal */
export function resolution<T>(resolved: T, problems: Problem[]): Resolution<T> {
  return { resolved: problems.length === 0 ? resolved : undefined, problems };
}

/** A failed resolution.  @internal */
export function failed<T>(problems: Problem[]): Resolution<T> {
  return { resolved: undefined, problems };
}

/** Problems found under `prefix` (e.g. a sub-block's problems placed under `["aws"]`).  @internal */
export function nested(prefix: ProblemPath, problems: Problem[]): Problem[] {
  return problems.map((p) => ({ path: [...prefix, ...p.path], message: p.message }));
}

/** Zod issues as problems; an unknown-keys issue becomes one problem per key.  @internal */
export function zodProblems(error: z.ZodError): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        problems.push({ path: [...path, key], message: "unknown key; remove it or check the spelling" });
      }
    } else {
      problems.push({ path, message: describeIssue(issue) });
    }
  }
  return problems;
}

/** Parses `value` with `schema`: the data, or the problems.  @internal */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): Resolution<z.output<S>> {
  const result = schema.safeParse(value);
  return result.success ? { resolved: result.data, problems: [] } : failed(zodProblems(result.error));
}

/**
 * Parses `args` with `schema` and resolves them in the same pass: `resolve` runs as the schema's
 * refinement, so it sees the values whenever zod can give them: when every field is valid
 * (`fieldsValid`: apply the defaults and every rule) and also when some fields only failed a check
 * (a range, a pattern, an unknown key: then only the rules that need no defaults should run, so
 * that all problems are reported at once). A field of the wrong type stops it, as in zod.
 * @internal
 */
export function resolveWith<S extends z.ZodType, T>(
  schema: S,
  args: unknown,
  resolve: (value: z.output<S>, fieldsValid: boolean) => { resolved: T | undefined; problems: Problem[] },
): Resolution<T> {
  let resolved: T | undefined;
  const result = schema
    .superRefine((value, ctx) => {
      const r = resolve(value, ctx.issues.length === 0);
      resolved = r.resolved;
      for (const p of r.problems) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
    })
    .safeParse(args ?? {});
  return result.success ? { resolved, problems: [] } : failed(zodProblems(result.error));
}

/** Adds rule problems to a zod refinement (for a sub-block's standalone schema).  @internal */
export function refineWith<T>(rules: (value: T) => Problem[]): (value: T, ctx: z.RefinementCtx) => void {
  return (value, ctx) => {
    for (const p of rules(value)) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
  };
}

/** `["gpuPools", 0, "name"]` → `gpuPools[0].name` (prefixed: `args.gpuPools[0].name`).  @internal */
export function pathString(path: ProblemPath, prefix = ""): string {
  let out = prefix;
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : out === "" ? part : `.${part}`;
  }
  return out || "(root)";
}

/** `args.<path>: <message>`, the line a component reports for one problem.  @internal */
export function problemLine(problem: Problem, prefix = "args"): string {
  return `${pathString(problem.path, prefix)}: ${problem.message}`;
}

/**
 * Returns the resolved args, or throws one `pulumi.ResourceError` on `resource` listing every
 * problem as `args.<path>: <message>`.
 * @internal
 */
export function resolvedOrThrow<T>(
  resolution: Resolution<T>,
  resource: pulumi.Resource,
  componentType: string,
): T {
  if (resolution.problems.length === 0 && resolution.resolved !== undefined) return resolution.resolved;
  const lines = resolution.problems.map((p) => problemLine(p));
  throw new pulumi.ResourceError(
    `invalid arguments for ${componentType}:\n  ${lines.join("\n  ")}`,
    resource,
  );
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

function article(word: string): string {
  return /^[aeiou]/.test(word) ? "an" : "a";
}
