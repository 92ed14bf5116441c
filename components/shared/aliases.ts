import type * as pulumi from "@pulumi/pulumi";

/**
 * A resource transformation for a sub-component that takes over resources an older version
 * created directly under `oldParent`: every custom resource below it gets the alias
 * `{ name: <old name>, parent: oldParent }`, so `pulumi up` adopts the deployed object instead of
 * replacing it (the old name is `renamed[<new name>]`, else unchanged). This toolkit's components
 * are left alone: nothing is deployed for them. Use in the sub-component's options: `transformations: [...]`.
 *
 * The one alias mechanism of the toolkit's moves: the model registry's RestrictedNamespace and
 * SecureWorkload, and the training cluster's NvidiaGpuStack, Kueue, TeamTenancy and (on EKS)
 * Karpenter and AwsLoadBalancerController, all take over their objects this way (where a child was renamed to carry its sub-component's name, e.g.
 * `<cluster>-cohort` → `<cluster>-kueue-cohort`, `renamed` maps the new name to the old one).
 *
 * A (legacy, in-process) `transformations` entry rather than a `transforms` one: it runs inside
 * the program, so it works the same under `pulumi up` and under the offline plan's mock runtime,
 * which has no engine-side transform callbacks.
 */
export function movedFrom(
  oldParent: pulumi.Resource,
  renamed: Record<string, string> = {},
): pulumi.ResourceTransformation {
  return ({ type, name, props, opts }) => {
    // The transformation runs before the resource's class marks it custom, so components are
    // told apart by type token: this toolkit's (`mlops:index:*`) have nothing deployed.
    if (type.startsWith("mlops:index:")) return undefined;
    return {
      props,
      opts: {
        ...opts,
        aliases: [...(opts.aliases ?? []), { name: renamed[name] ?? name, parent: oldParent }],
      },
    };
  };
}
