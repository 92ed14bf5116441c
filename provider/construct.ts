/**
 * What the components need of a `construct` call from another language. Pulumi's Node.js provider
 * host (`deserializeInputs` in @pulumi/pulumi/provider/server) hands `construct` every input that
 * has dependencies or is a secret as an `Output`: a Python or Go `cluster` holds the Kubernetes
 * provider, so it arrives as an `Output` of the handle, and the component, which validates its
 * args and applies defaults before creating anything (docs/component-package.md, "Inputs are
 * plain values"), rejects it ("args.cluster: must be a ClusterHandle"). `extendConstruct` makes
 * such inputs plain before the component sees them:
 *
 * - an `Output` whose value is known and not secret becomes its value (recursively, through
 *   arrays and plain objects), and the resources it depended on become the component's
 *   `dependsOn`, so nothing loses its ordering;
 * - a secret, or a value not known yet (a preview), stays an `Output`: the fields that take one
 *   (`Input<string>`: URLs, kubeconfig, credentials) accept it, and a plain field reports it by
 *   name.
 *
 * It relies on the internals of `Output` (`isKnown`, `promise()`, `allResources()`) and of
 * `ComponentProvider.construct`; `extendConstruct` throws if `construct` is gone.
 */
import * as pulumi from "@pulumi/pulumi";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";

/** The internals of an `Output` read here (present on every Output of @pulumi/pulumi 3). */
interface OutputInternals {
  isKnown: Promise<boolean>;
  promise(): Promise<unknown>;
  allResources?: () => Promise<Set<pulumi.Resource>>;
}

/** A plain object (not a resource, not a class instance such as an asset). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `value` with every known, non-secret `Output` replaced by its value; their resources go into `deps`. */
async function plain(value: unknown, deps: Set<pulumi.Resource>): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const output = value as unknown as OutputInternals;
    if (!(await output.isKnown) || (await pulumi.isSecret(value))) return value;
    for (const resource of (await output.allResources?.()) ?? []) deps.add(resource);
    return plain(await output.promise(), deps);
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => plain(v, deps)));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = await plain(v, deps);
    return out;
  }
  return value;
}

/**
 * The inputs of a construct with known, non-secret Outputs made plain (see the module comment),
 * and the resources those Outputs depended on.
 */
export async function plainInputs(
  inputs: Record<string, unknown>,
): Promise<{ inputs: Record<string, unknown>; dependsOn: pulumi.Resource[] }> {
  const deps = new Set<pulumi.Resource>();
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(inputs)) out[key] = await plain(value, deps);
  return { inputs: out, dependsOn: [...deps] };
}

/** `given` (the host passes an array of the caller's `dependsOn`) plus `extra`. */
function withDependencies(
  given: pulumi.ComponentResourceOptions["dependsOn"],
  extra: pulumi.Resource[],
): pulumi.ComponentResourceOptions["dependsOn"] {
  if (extra.length === 0) return given;
  if (given === undefined) return extra;
  if (Array.isArray(given)) return [...given, ...extra];
  if (pulumi.Resource.isInstance(given)) return [given, ...extra];
  // An Output or Promise of resources (not what the host passes): both, once it is known.
  const later: pulumi.Output<unknown> = pulumi.output(given as pulumi.Input<unknown>);
  return later.apply((g): pulumi.Resource[] => [
    ...(Array.isArray(g) ? (g as pulumi.Resource[]) : [g as pulumi.Resource]),
    ...extra,
  ]);
}

type Construct = (
  this: unknown,
  name: string,
  type: string,
  inputs: Record<string, unknown>,
  options: pulumi.ComponentResourceOptions,
) => Promise<unknown>;

let extended = false;

/** Wraps `ComponentProvider.construct` to pass the components `plainInputs` (once per process). */
export function extendConstruct(): void {
  if (extended) return;
  const proto = ComponentProvider.prototype as unknown as { construct: Construct };
  const { construct } = proto;
  if (typeof construct !== "function") {
    throw new Error(
      "@pulumi/pulumi's ComponentProvider has no construct: provider/construct.ts needs updating",
    );
  }
  proto.construct = async function (this: unknown, name, type, inputs, options) {
    const plainArgs = await plainInputs(inputs);
    return construct.call(this, name, type, plainArgs.inputs, {
      ...options,
      dependsOn: withDependencies(options.dependsOn, plainArgs.dependsOn),
    });
  };
  extended = true;
}
