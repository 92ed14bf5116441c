/**
 * A component constructed for another language (issue 14): Pulumi's provider host deserializes a
 * construct's inputs (`deserializeInputs`) and hands every input with dependencies as an Output —
 * a Python or Go `cluster` holds the Kubernetes provider, so it arrives as an Output of the
 * handle. The package's provider (provider/construct.ts) gives the components plain values (known,
 * non-secret Outputs resolved, their resources added to `dependsOn`), keeps secrets and unknown
 * values as Outputs, and the ModelRegistry is built as from TypeScript.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { serializeProperties } from "@pulumi/pulumi/runtime/rpc";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { describe, expect, it } from "vitest";
import { GPU_NODE_LABELS, GPU_TAINT } from "../components";
import { extendConstruct, plainInputs } from "../provider/construct";
import { PACKAGE_NAME, PACKAGED_COMPONENTS } from "../provider/components";
import { descendantsOf, findResource, inputAt, planOf } from "./helpers";

const root = path.join(__dirname, "..");

/** The host's own deserialization of a construct's inputs (internal to @pulumi/pulumi: not in its declarations). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { deserializeInputs } = require("@pulumi/pulumi/provider/server") as {
  deserializeInputs: (
    inputs: Struct,
    dependencies: Map<string, { getUrnsList(): string[] }>,
  ) => Promise<Record<string, unknown>>;
};

/** The provider as provider.ts serves it, its component outputs taken from schema.json (no analysis). */
function packageProvider(): ComponentProvider {
  extendConstruct();
  const provider = new ComponentProvider({
    name: PACKAGE_NAME,
    components: PACKAGED_COMPONENTS,
    dirname: root,
  });
  const schema = JSON.parse(fs.readFileSync(path.join(root, "schema.json"), "utf8")) as {
    resources: Record<string, { properties: Record<string, unknown> }>;
  };
  const definitions = Object.fromEntries(
    Object.entries(schema.resources).map(([token, r]) => [token.split(":")[2]!, { outputs: r.properties }]),
  );
  (provider as unknown as { componentDefinitions: unknown }).componentDefinitions = definitions;
  return provider;
}

/** `inputs` as the engine sends them and the host hands them to construct: `deps` per property. */
async function asConstructInputs(
  inputs: Record<string, unknown>,
  deps: Record<string, string[]>,
): Promise<Record<string, unknown>> {
  const serialized = await serializeProperties("test", inputs);
  const dependencies = new Map(Object.entries(deps).map(([k, urns]) => [k, { getUrnsList: () => urns }]));
  return deserializeInputs(Struct.fromJavaScript(serialized), dependencies);
}

describe("construct from another language (provider/construct.ts)", () => {
  it("builds a ModelRegistry whose `cluster` (holding the Kubernetes provider) arrives as an Output", async () => {
    const seen: { cluster?: unknown } = {};
    const plan = await planOf(async () => {
      const kind = new k8s.Provider("kind", { context: "kind-mlops" });
      const cluster = {
        provider: kind,
        target: "local",
        environment: "dev",
        clusterName: "kind-mlops",
        gpuNodeLabels: GPU_NODE_LABELS,
        gpuTaint: GPU_TAINT,
        gpuPools: [],
      };
      const inputs = await asConstructInputs(
        { cluster, namespace: "mlflow", replicas: 1 },
        { cluster: [await new Promise<string>((resolve) => kind.urn.apply(resolve))] },
      );
      seen.cluster = inputs["cluster"];
      await packageProvider().construct("mlflow", "mlops:index:ModelRegistry", inputs, {});
    });
    // What the host gives construct: the handle as an Output (its plain form fails the component's check).
    expect(pulumi.Output.isInstance(seen.cluster)).toBe(true);
    const registry = findResource(plan, "mlops:index:ModelRegistry", "mlflow");
    const server = findResource(plan, "kubernetes:apps/v1:Deployment", "mlflow-server");
    expect(descendantsOf(plan, registry.urn)).toContain(server);
    expect(inputAt(server, "metadata.namespace")).toBe("mlflow");
    expect(server.provider).toContain("::kind::");
    // The resources the Output depended on (the provider) are the component's dependencies.
    expect(registry.dependencies).toEqual([expect.stringContaining("pulumi:providers:kubernetes::kind")]);
  });

  it("resolves known values deeply and keeps secrets as Outputs", async () => {
    await planOf(async () => {
      const { inputs, dependsOn } = await plainInputs({
        a: pulumi.output({ b: [pulumi.output("x")], c: 1 }),
        secret: pulumi.secret("s"),
        nested: { secret: pulumi.secret("t"), plain: "p" },
      });
      expect(inputs["a"]).toEqual({ b: ["x"], c: 1 });
      expect(pulumi.Output.isInstance(inputs["secret"])).toBe(true);
      expect(await pulumi.isSecret(inputs["secret"] as pulumi.Output<string>)).toBe(true);
      const nested = inputs["nested"] as { secret: unknown; plain: string };
      expect(nested.plain).toBe("p");
      expect(pulumi.Output.isInstance(nested.secret)).toBe(true);
      expect(dependsOn).toEqual([]);
    });
  });
});
