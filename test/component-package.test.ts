/**
 * The component package (`pulumi package add`, issue 14): schema.json serves every public
 * component under its own type token, and carries every documented input (the args interface's
 * fields) and output (the class's public `readonly` fields, the README's outputs table) with its
 * TSDoc description. It is `Any` only on the listed opaque properties (provider/analyzer.ts), and
 * refers to the Kubernetes provider as a provider.
 *
 * That schema.json is exactly what Pulumi's component analyzer derives from the sources is checked
 * where the analyzer runs as Pulumi runs it: under the plugin host on the installed package
 * (test/package.test.ts, both CI lanes) and by `npm run docs:check`. The analysis takes about 15 s
 * of CPU, so the suite runs it once (docs/benchmarks.md, "Test suite").
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import * as ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import * as library from "../components";
import { OPAQUE_PROPERTIES } from "../provider/analyzer";
import { PACKAGE_NAME, PACKAGED_COMPONENTS } from "../provider/components";
import { goImportBasePath, repositoryUrl } from "../provider/schema";

const root = path.join(__dirname, "..");
const read = (file: string): string => fs.readFileSync(path.join(root, file), "utf8");

interface Property {
  type?: string;
  $ref?: string;
  description?: string;
  optional?: boolean;
  plain?: boolean;
  items?: Property;
  additionalProperties?: Property;
}
interface Schema {
  name: string;
  version: string;
  resources: Record<
    string,
    {
      isComponent: boolean;
      description?: string;
      inputProperties: Record<string, Property>;
      requiredInputs?: string[];
      properties: Record<string, Property>;
    }
  >;
  types: Record<string, { properties?: Record<string, Property>; enum?: { value: string }[] }>;
}

let rendered = "";
let schema: Schema;

beforeAll(() => {
  rendered = read("schema.json");
  schema = JSON.parse(rendered) as Schema;
});

/**
 * The description a declaration's TSDoc gives it in the schema: the comments (as the analyzer
 * takes them, without tags), then its `@default` as a sentence of its own (provider/analyzer.ts).
 */
function tsdoc(node: ts.Node): string {
  const comment = ts
    .getJSDocCommentsAndTags(node)
    .filter(ts.isJSDoc)
    .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? "")
    .join("\n");
  const tag = ts.getJSDocTags(node).find((t) => t.tagName.text === "default");
  const text = (ts.getTextOfJSDocComment(tag?.comment) ?? "").replace(/\s+/g, " ").trim();
  if (!text) return comment;
  const sentence = `Default: ${text}${text.endsWith(".") ? "" : "."}`;
  return comment ? `${comment}\n\n${sentence}` : sentence;
}

/** Every interface and class declared under components/, by name (syntax only: fast). */
function declarations(): {
  interfaces: Map<string, ts.InterfaceDeclaration>;
  classes: Map<string, ts.ClassDeclaration>;
} {
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  const classes = new Map<string, ts.ClassDeclaration>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith(".ts")) {
        const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
        source.forEachChild((node) => {
          if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node);
          if (ts.isClassDeclaration(node) && node.name) classes.set(node.name.text, node);
        });
      }
    }
  };
  walk(path.join(root, "components"));
  return { interfaces, classes };
}

const { interfaces, classes } = declarations();

/** The fields of interface `name` (its own and those of the interfaces it extends) with their TSDoc. */
function interfaceFields(name: string): Map<string, string> {
  const decl = interfaces.get(name);
  if (!decl) throw new Error(`no interface ${name} under components/`);
  const fields = new Map<string, string>();
  for (const clause of decl.heritageClauses ?? []) {
    for (const base of clause.types) {
      for (const [k, v] of interfaceFields(base.expression.getText())) fields.set(k, v);
    }
  }
  for (const member of decl.members) {
    if (ts.isPropertySignature(member)) fields.set(member.name.getText(), tsdoc(member));
  }
  return fields;
}

/** The public `readonly` fields of class `name` with their TSDoc: its documented outputs. */
function classOutputs(name: string): Map<string, string> {
  const decl = classes.get(name)!;
  const outputs = new Map<string, string>();
  for (const member of decl.members) {
    if (!ts.isPropertyDeclaration(member)) continue;
    const mods = ts.getModifiers(member)?.map((m) => m.kind) ?? [];
    if (mods.includes(ts.SyntaxKind.PrivateKeyword) || mods.includes(ts.SyntaxKind.ProtectedKeyword))
      continue;
    if (mods.includes(ts.SyntaxKind.ReadonlyKeyword)) outputs.set(member.name.getText(), tsdoc(member));
  }
  return outputs;
}

/** The args interface of a component class: the type of its constructor's `args`. */
function argsInterface(name: string): string {
  const ctor = classes.get(name)!.members.find(ts.isConstructorDeclaration)!;
  return ctor.parameters.find((p) => p.name.getText() === "args")!.type!.getText();
}

/** The first-column code names of the README's outputs table of `name`, if it has one. */
function readmeOutputs(name: string): string[] | undefined {
  const readme = read("README.md");
  const start = readme.indexOf(`\n#### Outputs of \`${name}\`\n`);
  if (start < 0) return undefined;
  const body = readme.slice(start + 1).split(/\n#{1,6} /)[0]!;
  return [...body.matchAll(/^\| `([^`]+)` +\|/gm)].map((m) => m[1]!);
}

describe("schema.json (npm run schema)", () => {
  it("is checked against the analyzer's output by npm run schema --check (docs:check) and the plugin host test", () => {
    expect(read("test/package.test.ts")).toContain(
      'expect(JSON.parse(served)).toEqual(JSON.parse(fs.readFileSync(path.join(root, "schema.json"), "utf8")));',
    );
    expect(JSON.parse(read("package.json"))).toMatchObject({ scripts: { schema: "tsx bin/schema.ts" } });
    expect(
      (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts["docs:check"],
    ).toContain("bin/schema.ts --check");
  });

  it("is the package `mlops` at the npm package's version", () => {
    const pkg = JSON.parse(read("package.json")) as { version: string };
    expect(schema.name).toBe(PACKAGE_NAME);
    expect(schema.version).toBe(pkg.version);
  });

  it("serves every public component the library exports, under the type token it registers", () => {
    const building = ["MlopsComponent", "RestrictedNamespace", "SecureWorkload", "CertManager"];
    const exported = getPulumiComponents(library).map((c) => c.name);
    expect(PACKAGED_COMPONENTS.map((c) => c.name).sort()).toEqual(
      exported.filter((n) => !building.includes(n)).sort(),
    );
    expect(Object.keys(schema.resources).sort()).toEqual(
      PACKAGED_COMPONENTS.map((c) => `mlops:index:${c.name}`).sort(),
    );
    for (const resource of Object.values(schema.resources)) expect(resource.isComponent).toBe(true);
    // The tokens are the components' own TYPE constants (what a construct registers).
    expect(library.MODEL_REGISTRY_TYPE).toBe("mlops:index:ModelRegistry");
    expect(library.GPU_TRAINING_CLUSTER_TYPE).toBe("mlops:index:GpuTrainingCluster");
    expect(library.RETRAINING_LOOP_TYPE).toBe("mlops:index:RetrainingLoop");
  });

  for (const component of PACKAGED_COMPONENTS.map((c) => c.name)) {
    describe(component, () => {
      it("has every field of its args interface as an input, each with its TSDoc description", () => {
        const resource = schema.resources[`mlops:index:${component}`]!;
        const fields = interfaceFields(argsInterface(component));
        expect(Object.keys(resource.inputProperties).sort()).toEqual([...fields.keys()].sort());
        for (const [field, doc] of fields) {
          expect(doc, `${component}.${field} has no TSDoc`).not.toBe("");
          expect(resource.inputProperties[field]!.description, `${component}.${field}`).toBe(doc);
        }
      });

      it("has every public output (the README's outputs table), each with its TSDoc description", () => {
        const resource = schema.resources[`mlops:index:${component}`]!;
        const outputs = classOutputs(component);
        expect(Object.keys(resource.properties).sort()).toEqual([...outputs.keys()].sort());
        for (const [output, doc] of outputs) {
          expect(doc, `${component}.${output} has no TSDoc`).not.toBe("");
          expect(resource.properties[output]!.description, `${component}.${output}`).toBe(doc);
        }
        const table = readmeOutputs(component);
        if (table) expect(table.sort()).toEqual([...outputs.keys()].sort());
      });
    });
  }

  it("names the repository and a Go import path in it (package.json `repository`), not Pulumi's placeholder", () => {
    const pkg = JSON.parse(read("package.json")) as { repository: { url: string } };
    const repo = /^git\+https:\/\/(github\.com\/[\w.-]+\/[\w.-]+)\.git$/.exec(pkg.repository.url)![1]!;
    const document = JSON.parse(rendered) as {
      repository: string;
      language: { go: { importBasePath: string; modulePath: string } };
    };
    expect(document.repository).toBe(`https://${repo}`);
    expect(document.language.go).toMatchObject({
      importBasePath: `${repo}/sdk/go/mlops`,
      modulePath: `${repo}/sdk/go/mlops`,
      respectSchemaVersion: true,
    });
    // The Go program in docs/component-package.md imports exactly that path.
    expect(read("docs/component-package.md")).toContain(`"${repo}/sdk/go/mlops"`);
  });

  it("derives the Go path from every form of package.json `repository`, with Go's major version suffix", () => {
    expect(repositoryUrl({ repository: "github:acme/ml" })).toBe("https://github.com/acme/ml");
    expect(repositoryUrl({ repository: "acme/ml" })).toBe("https://github.com/acme/ml");
    expect(repositoryUrl({ repository: { url: "https://gitlab.com/acme/ml.git" } })).toBe(
      "https://gitlab.com/acme/ml",
    );
    expect(repositoryUrl({})).toBeUndefined();
    const manifest = { repository: { url: "git+https://github.com/acme/ml.git" } };
    expect(goImportBasePath({ ...manifest, version: "1.4.0" }, "mlops")).toBe(
      "github.com/acme/ml/sdk/go/mlops",
    );
    expect(goImportBasePath({ ...manifest, version: "2.0.0" }, "mlops")).toBe(
      "github.com/acme/ml/sdk/go/mlops/v2",
    );
    expect(goImportBasePath({ version: "1.0.0" }, "mlops")).toBeUndefined();
  });

  it("tells other languages each argument's documented default (the TSDoc @default)", () => {
    const registry = schema.resources["mlops:index:ModelRegistry"]!.inputProperties;
    expect(registry["environment"]!.description).toBe(
      "Environment preset that picks the defaults below.\n\nDefault: the cluster's environment.",
    );
    const aws = schema.types["mlops:index:AwsTargetArgs"]!.properties!;
    expect(aws["identityMode"]!.description).toBe(
      'How pods get AWS credentials.\n\nDefault: "podIdentity" (`DEFAULT_AWS_IDENTITY_MODE`).',
    );
    // A field without @default keeps its comment only.
    expect(aws["vpcId"]!.description).toBe("VPC of the EKS cluster. The database is placed in it.");
  });

  it("types the cluster handle for other languages: the Kubernetes provider as a provider reference", () => {
    const handle = schema.types["mlops:index:ClusterHandle"]!.properties!;
    expect(handle["provider"]!.$ref).toMatch(/^\/kubernetes\/v4\.\d+\.\d+\/schema\.json#\/provider$/);
    expect(handle["gpuNodeLabels"]!.$ref).toBe("#/types/mlops:index:GpuNodeLabels");
    expect(schema.types["mlops:index:Target"]!.enum!.map((e) => e.value).sort()).toEqual([
      "aws",
      "gcp",
      "local",
    ]);
    for (const r of Object.values(schema.resources)) {
      expect(r.inputProperties["cluster"]?.$ref ?? "#/types/mlops:index:ClusterHandle").toBe(
        "#/types/mlops:index:ClusterHandle",
      );
    }
  });

  it("falls back to Any on exactly the listed opaque properties, and nowhere else", () => {
    const any: string[] = [];
    const visit = (where: string, props: Record<string, Property> | undefined): void => {
      for (const [name, prop] of Object.entries(props ?? {})) {
        if (prop.$ref === "pulumi.json#/Any") any.push(`${where}.${name}`);
      }
    };
    for (const [token, t] of Object.entries(schema.types)) visit(token.split(":")[2]!, t.properties);
    for (const [token, r] of Object.entries(schema.resources))
      visit(`${token.split(":")[2]!}Args`, r.inputProperties);
    expect(any.sort()).toEqual(Object.keys(OPAQUE_PROPERTIES).sort());
  });
});
