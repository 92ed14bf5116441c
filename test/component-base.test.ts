/**
 * The base component (components/shared/component.ts): the platform defaults, the context's
 * resource options, the child-name prefix rule (at runtime, and over every shipped stack's plan),
 * and the aliases of the children renamed to follow it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import {
  carriesPrefix,
  componentContext,
  MlopsComponent,
  resolvePlatform,
  type ComponentContext,
} from "../components/shared/component";
import { SHIPPED_STACKS } from "./baseline";
import { shippedStackRuns } from "./shipped-stacks";
import { findResource, planOf, type Plan } from "./helpers";
import { inClusterProgram } from "./training-cluster/fixtures";

/** A component that creates one bucket child per name in `children`, and a sub-component with `grandchild`. */
class Widget extends MlopsComponent {
  public readonly ctx: ComponentContext;
  constructor(name: string, args: { children: string[]; grandchild?: string; protect?: boolean }) {
    super("mlops:index:Widget", name);
    this.ctx = this.context(resolvePlatform({ protect: args.protect }));
    for (const child of args.children) new aws.s3.Bucket(child, {}, this.ctx.opts());
    if (args.grandchild !== undefined) {
      const part = new Part(`${name}-part`, this.ctx.opts());
      new aws.s3.Bucket(args.grandchild, {}, { parent: part });
    }
    this.registerOutputs({});
  }
}

class Part extends MlopsComponent {
  constructor(name: string, opts: pulumi.ComponentResourceOptions) {
    super("mlops:index:Part", name, opts);
  }
}

describe("resolvePlatform: the documented defaults of PlatformArgs", () => {
  it("dev, the environment tag, and the preset's protection", () => {
    expect(resolvePlatform({})).toEqual({ environment: "dev", tags: { environment: "dev" }, protect: false });
    expect(resolvePlatform({ environment: "staging" })).toEqual({
      environment: "staging",
      tags: { environment: "staging" },
      protect: false,
    });
    expect(resolvePlatform({ environment: "prod", tags: { owner: "ml" } })).toEqual({
      environment: "prod",
      tags: { environment: "prod", owner: "ml" },
      protect: true,
    });
  });

  it("explicit values win: protect, and an explicit environment tag", () => {
    expect(resolvePlatform({ environment: "prod", protect: false }).protect).toBe(false);
    expect(resolvePlatform({ protect: true }).protect).toBe(true);
    expect(resolvePlatform({ tags: { environment: "sandbox" } }).tags).toEqual({ environment: "sandbox" });
  });
});

describe("ComponentContext: opts() and statefulOpts()", () => {
  // Stand-ins: the options only carry them (no resource is registered outside a plan).
  const parent = { fake: "owner" } as unknown as pulumi.Resource;
  const dep = { fake: "dependency" } as unknown as pulumi.Resource;
  const on = componentContext(parent, "owner", {
    environment: "prod",
    tags: { environment: "prod" },
    protect: true,
  });
  const off = componentContext(parent, "owner", {
    environment: "dev",
    tags: { environment: "dev" },
    protect: false,
  });

  it("carries the component's name, environment, tags and protection", () => {
    expect(on).toMatchObject({
      parent,
      name: "owner",
      environment: "prod",
      tags: { environment: "prod" },
      protect: true,
    });
  });

  it("opts: the parent, plus what is asked for", () => {
    expect(on.opts()).toEqual({ parent });
    expect(off.opts({ dependsOn: [dep], ignoreChanges: ["tags"] })).toEqual({
      parent,
      dependsOn: [dep],
      ignoreChanges: ["tags"],
    });
  });

  it("statefulOpts: protect and retainOnDelete only when protection is on, and never dropped by `extra`", () => {
    expect(on.statefulOpts()).toEqual({ parent, protect: true, retainOnDelete: true });
    expect(on.statefulOpts({ dependsOn: [dep], protect: false, retainOnDelete: false })).toEqual({
      parent,
      dependsOn: [dep],
      protect: true,
      retainOnDelete: true,
    });
    expect(off.statefulOpts()).toEqual({ parent });
    expect(off.statefulOpts({ dependsOn: [dep] })).toEqual({ parent, dependsOn: [dep] });
  });

  it("a copy of the context keeps its methods (cluster builders spread it)", () => {
    const copy = { ...on, clusterName: "c" };
    expect(copy.statefulOpts()).toEqual({ parent, protect: true, retainOnDelete: true });
  });

  it("a component's own context: its name, and options parented to it", async () => {
    let widget: Widget | undefined;
    const plan = await planOf(() => {
      widget = new Widget("w", { children: ["w-data"], protect: true });
    });
    expect(widget!.componentName).toBe("w");
    expect(widget!.componentType).toBe("mlops:index:Widget");
    expect(widget!.ctx.name).toBe("w");
    expect(widget!.ctx.opts()).toEqual({ parent: widget });
    const bucket = findResource(plan, "aws:s3/bucket:Bucket", "w-data");
    expect(bucket.parent).toBe(findResource(plan, "mlops:index:Widget", "w").urn);
  });
});

describe("the child-name prefix rule", () => {
  it("allows `${name}-<role>` and the component's own name", () => {
    expect(carriesPrefix("gpu-cluster-kueue", "gpu-cluster-kueue-cohort")).toBe(true);
    expect(carriesPrefix("gpu-cluster-kueue", "gpu-cluster-kueue")).toBe(true);
    expect(carriesPrefix("gpu-cluster-kueue", "gpu-cluster-cohort")).toBe(false);
    expect(carriesPrefix("gpu-cluster-kueue", "gpu-cluster-kueuex")).toBe(false);
  });

  it("a child without the prefix fails where it is created, with a ResourceError naming it", async () => {
    let error: unknown;
    await planOf(() => {
      try {
        new Widget("w", { children: ["w-ok", "data"] });
      } catch (e) {
        error = e;
      }
    });
    expect(error).toBeInstanceOf(pulumi.ResourceError);
    expect((error as Error).message).toBe(
      'mlops:index:Widget "w": child aws:s3/bucket:Bucket "data" must be named "w-<role>" ' +
        "(every child carries its component's name, so two instances never collide)",
    );
  });

  it("a near miss (`${name}x`) is refused too", async () => {
    await expect(planOf(() => new Widget("w", { children: ["wx-data"] }))).rejects.toThrow(
      /child aws:s3\/bucket:Bucket "wx-data" must be named "w-<role>"/,
    );
  });

  it("checks direct children only: a grandchild answers to its own component", async () => {
    await expect(
      planOf(() => new Widget("w", { children: ["w"], grandchild: "w-part-data" })),
    ).resolves.toBeDefined();
    await expect(planOf(() => new Widget("w", { children: [], grandchild: "w-data" }))).rejects.toThrow(
      /mlops:index:Part "w-part": child aws:s3\/bucket:Bucket "w-data" must be named "w-part-<role>"/,
    );
  });
});

describe("every shipped stack: each child of an mlops:index:* component carries the component's name", () => {
  const plans = new Map<string, Plan>();
  beforeAll(async () => {
    // Each stack is planned once per test run (test/shipped-stacks.ts), as `--stack <s> --out <file> --quiet`.
    for (const [stack, run] of await shippedStackRuns(SHIPPED_STACKS)) {
      expect(run.code, stack).toBe(0);
      plans.set(stack, run.plan!);
    }
  }, 180_000);

  for (const stack of SHIPPED_STACKS) {
    it(`${stack}: \`\${parent}-<role>\`, or the parent's own name for its main resource`, () => {
      const plan = plans.get(stack)!;
      const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
      const children = plan.resources.flatMap((r) => {
        const parent = byUrn.get(r.parent);
        return parent?.type.startsWith("mlops:index:") ? [{ parent, child: r }] : [];
      });
      expect(children.length).toBeGreaterThan(50);
      const line = ({ parent, child }: (typeof children)[number]) =>
        `${parent.type} ${parent.name} <- ${child.type} ${child.name}`;
      expect(
        children
          .filter((c) => !c.child.name.startsWith(`${c.parent.name}-`))
          .map(line)
          .sort(),
      ).toEqual(
        [
          // The main resources named exactly like their component (allowed: see carriesPrefix).
          ...(stack.startsWith("aws-")
            ? [
                "mlops:index:AwsLoadBalancerController gpu-cluster-lb-controller <- kubernetes:helm.sh/v3:Release gpu-cluster-lb-controller",
                "mlops:index:Karpenter gpu-cluster-karpenter <- kubernetes:helm.sh/v3:Release gpu-cluster-karpenter",
              ]
            : []),
          "mlops:index:CertManager gpu-cluster-cert-manager <- kubernetes:helm.sh/v3:Release gpu-cluster-cert-manager",
          "mlops:index:Kueue gpu-cluster-kueue <- kubernetes:helm.sh/v3:Release gpu-cluster-kueue",
          "mlops:index:Monitoring monitoring <- kubernetes:helm.sh/v3:Release monitoring",
          "mlops:index:RestrictedNamespace feature-store-namespace <- kubernetes:core/v1:Namespace feature-store-namespace",
          "mlops:index:RestrictedNamespace model-registry-namespace <- kubernetes:core/v1:Namespace model-registry-namespace",
          "mlops:index:RestrictedNamespace monitoring-namespace <- kubernetes:core/v1:Namespace monitoring-namespace",
          "mlops:index:RestrictedNamespace retraining-argo-events-namespace <- kubernetes:core/v1:Namespace retraining-argo-events-namespace",
          "mlops:index:RestrictedNamespace retraining-argo-namespace <- kubernetes:core/v1:Namespace retraining-argo-namespace",
          "mlops:index:RestrictedNamespace retraining-namespace <- kubernetes:core/v1:Namespace retraining-namespace",
          "mlops:index:RestrictedNamespace serving-namespace <- kubernetes:core/v1:Namespace serving-namespace",
          "mlops:index:RestrictedNamespace serving-platform-keda-namespace <- kubernetes:core/v1:Namespace serving-platform-keda-namespace",
          "mlops:index:RestrictedNamespace serving-platform-kserve-namespace <- kubernetes:core/v1:Namespace serving-platform-kserve-namespace",
          "mlops:index:SecureWorkload model-registry-server <- kubernetes:apps/v1:Deployment model-registry-server",
          "mlops:index:SecureWorkload monitoring-pushgateway <- kubernetes:apps/v1:Deployment monitoring-pushgateway",
          "mlops:index:SecureWorkload serving-payload-sink <- kubernetes:apps/v1:Deployment serving-payload-sink",
        ].sort(),
      );
    });
  }
});

describe("the children renamed to carry their sub-component's name alias their former URN", () => {
  const seen = {};
  let plan: Plan;
  beforeAll(async () => {
    plan = await planOf(inClusterProgram({ driversPreinstalled: true }, seen));
  });
  const former = (type: string, name: string) => `urn:pulumi:test::mlops::test:index:Host$${type}::${name}`;

  it("the GPU stack's releases: new logical names, the same Helm release names", () => {
    for (const role of ["nvidia-device-plugin", "dcgm-exporter"]) {
      const release = findResource(plan, "kubernetes:helm.sh/v3:Release", `gtc-gpu-${role}`);
      expect(release.inputs["name"]).toBe(role);
      expect(release.aliases).toContain(former("kubernetes:helm.sh/v3:Release", `gtc-${role}`));
    }
  });

  it("Kueue's flavors and Cohort: new logical names, the same Kubernetes names", () => {
    const flavor = "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor";
    for (const [name, objectName] of [
      ["default-cpu", "default-cpu"],
      ["l4-spot", "l4-spot"],
      ["a100-on-demand", "a100-on-demand"],
    ]) {
      const r = findResource(plan, flavor, `gtc-kueue-flavor-${name}`);
      expect(r.inputs["metadata"]).toMatchObject({ name: objectName });
      expect(r.aliases).toContain(former(flavor, `gtc-flavor-${name}`));
    }
    const cohortType = "kubernetes:kueue.x-k8s.io/v1beta2:Cohort";
    const cohort = findResource(plan, cohortType, "gtc-kueue-cohort");
    expect(cohort.inputs["metadata"]).toMatchObject({ name: "gtc" });
    expect(cohort.aliases).toContain(former(cohortType, "gtc-cohort"));
  });

  it("children that kept their names alias the same name under the cluster", () => {
    const ns = findResource(plan, "kubernetes:core/v1:Namespace", "gtc-kueue-system");
    expect(ns.aliases).toContain(former("kubernetes:core/v1:Namespace", "gtc-kueue-system"));
    const release = findResource(plan, "kubernetes:helm.sh/v3:Release", "gtc-kueue");
    expect(release.aliases).toContain(former("kubernetes:helm.sh/v3:Release", "gtc-kueue"));
  });
});
