/**
 * The base of every component of this toolkit (issue 8): `MlopsComponent`, the platform args
 * every top-level component shares (`PlatformArgs`), and the one context a component hands its
 * parts (`ComponentContext`: owner, name, environment, tags, protection, resource options).
 *
 * The naming rule is enforced, not only written down: a child of an `MlopsComponent` must be
 * named `${name}-<role>` (or `${name}` itself, for the component's main resource). A child named
 * otherwise fails at its `new`, with a `ResourceError` naming it. Why the rule matters: logical
 * names are unique per type and parent type only, so two instances of one component in a stack
 * collide unless every child carries its component's name; and the engine's alias inheritance
 * (a renamed parent renames `<parent name>...` children with it) only works for prefixed names.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { TARGETS, type Target } from "../adapters";
import { ENVIRONMENTS, PRESETS, type Environment } from "./presets";
import { tagsSchema } from "./schemas";

/** Args every top-level component takes: where it runs, for which environment, tagged and protected how. */
export interface PlatformArgs {
  /** Where the component's backing services run (picks the adapter; the component never branches on it). */
  target: Target;
  /**
   * The environment preset: picks defaults (replicas, HA, backups, protection, ...); every value it
   * sets can be overridden by an explicit argument.
   * @default "dev"
   */
  environment?: Environment;
  /**
   * Governance tags on every taggable cloud resource (as labels on GCP and on Kubernetes objects).
   * `environment` is always added (an explicit `environment` tag wins).
   * @default {} (plus `environment`)
   */
  tags?: Record<string, string>;
  /**
   * `protect: true` and retain-on-delete on stateful children (databases, buckets, keys, the
   * cluster): `pulumi destroy` then refuses to delete them, and removing them from the program
   * leaves them in the cloud.
   * @default the environment preset's `protectStatefulResources` (true in prod, false otherwise)
   */
  protect?: boolean;
}

/**
 * The runtime schema of `PlatformArgs`'s fields, for a component's args schema:
 * `z.object({ ...platformArgsShape, <own fields> })`.
 * @internal zod schema: kept out of the published declarations (stripInternal).
 */
export const platformArgsShape = {
  target: z.enum(TARGETS),
  environment: z.enum(ENVIRONMENTS).optional(),
  tags: tagsSchema.optional(),
  protect: z.boolean().optional(),
};

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
/** @internal the interface and the schema describe the same shape */
export type _PlatformArgsMatch = Assert<Equals<z.input<z.ZodObject<typeof platformArgsShape>>, PlatformArgs>>;

/** `PlatformArgs` with the defaults applied (the target aside: each component resolves its own). */
export interface ResolvedPlatform {
  environment: Environment;
  /** The tags, `environment` included. */
  tags: Record<string, string>;
  protect: boolean;
}

/** Applies the documented defaults of `PlatformArgs`. */
export function resolvePlatform(args: Omit<PlatformArgs, "target">): ResolvedPlatform {
  const environment = args.environment ?? "dev";
  return {
    environment,
    tags: { environment, ...(args.tags ?? {}) },
    protect: args.protect ?? PRESETS[environment].protectStatefulResources,
  };
}

/** Options a child can take: a custom resource's or a component's (the context serves both). */
export type ChildResourceOptions = pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;

/**
 * What a component hands the parts that create its children (cluster builders, sub-components,
 * helper functions): one shape everywhere.
 */
export interface ComponentContext extends ResolvedPlatform {
  /** The component: the parent of every child. */
  readonly parent: pulumi.Resource;
  /** The component's name: every child is named `${name}-<role>`. */
  readonly name: string;
  /** Options of an ordinary child (a resource or a sub-component): `{ parent, ...extra }`. */
  opts(extra?: ChildResourceOptions): ChildResourceOptions;
  /**
   * Options of a stateful child (database, bucket, key, cluster): `opts(extra)`, plus
   * `protect: true` and `retainOnDelete: true` when `protect` is on (they win over `extra`:
   * protection is never dropped by accident).
   */
  statefulOpts(extra?: ChildResourceOptions): ChildResourceOptions;
}

/**
 * The context of the component `parent` named `name`. Components get theirs from
 * `MlopsComponent.context`; this is for the parts (and tests) that stand in for one.
 */
export function componentContext(
  parent: pulumi.Resource,
  name: string,
  platform: ResolvedPlatform,
): ComponentContext {
  const { environment, tags, protect } = platform;
  // Plain functions on a plain object: a `{ ...ctx, more }` copy keeps them.
  const opts = (extra?: ChildResourceOptions): ChildResourceOptions => ({ parent, ...extra });
  return {
    parent,
    name,
    environment,
    tags,
    protect,
    opts,
    statefulOpts: (extra?: ChildResourceOptions): ChildResourceOptions =>
      protect ? { ...opts(extra), protect: true, retainOnDelete: true } : opts(extra),
  };
}

/** Whether `child` is a name the naming rule allows under a component named `parent`. */
export function carriesPrefix(parent: string, child: string): boolean {
  return child === parent || child.startsWith(`${parent}-`);
}

/**
 * The base class of every `mlops:index:*` component. It enforces the naming rule on direct
 * children (see the module comment) and builds the component's context.
 *
 * The rule is checked by a resource transformation the base class adds to the component's own
 * options: the SDK runs a component's transformations for every resource created below it, in
 * that resource's constructor, so a badly named child throws where it is created. A
 * transformation (rather than reading the SDK's private child list at `registerOutputs`) uses
 * only the public API, and it also catches children created after `registerOutputs`. It changes
 * nothing (it returns `undefined`), and grandchildren are left to their own component.
 */
export abstract class MlopsComponent extends pulumi.ComponentResource {
  /** The type token (`mlops:index:<Name>`). */
  public readonly componentType: string;
  /** The component's name: every child is named `${componentName}-<role>`. */
  public readonly componentName: string;

  constructor(type: string, name: string, opts?: pulumi.ComponentResourceOptions) {
    super(
      type,
      name,
      {},
      { ...opts, transformations: [...(opts?.transformations ?? []), prefixRule(type, name)] },
    );
    this.componentType = type;
    this.componentName = name;
  }

  /** This component's context: its name, `platform`, and options parented to it. */
  protected context(platform: ResolvedPlatform): ComponentContext {
    return componentContext(this, this.componentName, platform);
  }
}

/** The transformation that enforces the naming rule on the direct children of `type`/`name`. */
function prefixRule(type: string, name: string): pulumi.ResourceTransformation {
  return ({ type: childType, name: childName, opts }) => {
    const parent = opts.parent;
    // Only direct children: a grandchild's parent is another (sub-)component with its own rule.
    if (
      parent === undefined ||
      pulumi.resourceType(parent) !== type ||
      pulumi.resourceName(parent) !== name
    ) {
      return undefined;
    }
    if (!carriesPrefix(name, childName)) {
      throw new pulumi.ResourceError(
        `${type} "${name}": child ${childType} "${childName}" must be named "${name}-<role>" ` +
          "(every child carries its component's name, so two instances never collide)",
        parent,
      );
    }
    return undefined;
  };
}

/**
 * Where a child of `component` goes, for code outside it that creates a child it owns (the cluster
 * creates the monitor of its Karpenter sub-component under that sub-component): the component's
 * name (the child's prefix) and options parented to it.
 */
export function childrenOf(component: MlopsComponent): Pick<ComponentContext, "name" | "opts"> {
  return {
    name: component.componentName,
    opts: (extra?: ChildResourceOptions): ChildResourceOptions => ({ parent: component, ...extra }),
  };
}
