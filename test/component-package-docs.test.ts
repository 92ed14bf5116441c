/**
 * docs/component-package.md and the release workflow: the Python and Go programs use only names
 * the package schema (schema.json) has — components, their inputs and outputs, object types and
 * their fields — and examples/github-actions/release.yml tests, packs and publishes with
 * provenance using commands that exist in this repository.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = path.join(__dirname, "..");
const read = (file: string): string => fs.readFileSync(path.join(root, file), "utf8");

interface Schema {
  resources: Record<
    string,
    {
      inputProperties: Record<string, unknown>;
      requiredInputs?: string[];
      properties: Record<string, unknown>;
    }
  >;
  types: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
}
const schema = JSON.parse(read("schema.json")) as Schema;
const doc = read("docs/component-package.md");

/** The code blocks of `lang` in the page (docs/component-package.md unless `text` is given). */
function blocks(lang: string, text: string = doc): string[] {
  return [...text.matchAll(new RegExp("^```" + lang + "\\n([\\s\\S]*?)^```$", "gm"))].map((m) => m[1]!);
}

/** The text between the bracket at `open` and its match. */
function balanced(text: string, open: number): string {
  const pairs: Record<string, string> = { "(": ")", "{": "}", "[": "]" };
  const stack: string[] = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (pairs[c]) stack.push(pairs[c]);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return text.slice(open + 1, i);
    }
  }
  throw new Error(`unbalanced at ${open}`);
}

/** The keys given at the top level of a call's or literal's body (`key=` or `Key:`). */
function topLevelKeys(body: string, pattern: RegExp): string[] {
  let depth = 0;
  let flat = "";
  for (const c of body) {
    if ("([{".includes(c)) depth++;
    if (depth === 0) flat += c;
    if (")]}".includes(c)) depth--;
  }
  return [...flat.matchAll(pattern)].map((m) => m[1]!);
}

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const lowerFirst = (s: string): string => s[0]!.toLowerCase() + s.slice(1);

/** Checks the keys given to component / type `name` against the schema; returns what it checked. */
function check(name: string, keys: string[]): string {
  const resource = schema.resources[`mlops:index:${name}`];
  if (resource) {
    for (const k of keys) expect(Object.keys(resource.inputProperties), `${name}.${k}`).toContain(k);
    for (const r of resource.requiredInputs ?? []) expect(keys, `${name} needs ${r}`).toContain(r);
    return name;
  }
  const type =
    schema.types[`mlops:index:${name.replace(/Args$/, "")}`] ?? schema.types[`mlops:index:${name}`];
  expect(type, `type ${name} in schema.json`).toBeDefined();
  for (const k of keys) expect(Object.keys(type!.properties ?? {}), `${name}.${k}`).toContain(k);
  for (const r of type!.required ?? []) expect(keys, `${name} needs ${r}`).toContain(r);
  return name;
}

describe("docs/component-package.md", () => {
  it("has one Python and one Go program", () => {
    expect(blocks("python")).toHaveLength(1);
    expect(blocks("go")).toHaveLength(1);
  });

  it("its Python program uses the schema's components, inputs, types and outputs", () => {
    const program = blocks("python")[0]!;
    const checked: string[] = [];
    for (const m of program.matchAll(/mlops\.(\w+)\(/g)) {
      const body = balanced(program, m.index + m[0].length - 1);
      // A component's first argument is its name (a string), then keywords.
      checked.push(check(m[1]!, topLevelKeys(body, /(?:^|,)\s*(\w+)=/g).map(camel)));
    }
    expect(checked.sort()).toEqual([
      "ClusterHandleArgs",
      "GpuNodeLabelsArgs",
      "GpuTaintArgs",
      "ModelRegistry",
    ]);
    const outputs = [...program.matchAll(/registry\.(\w+)/g)].map((m) => camel(m[1]!));
    for (const o of outputs)
      expect(Object.keys(schema.resources["mlops:index:ModelRegistry"]!.properties)).toContain(o);
    expect(outputs).toEqual(["trackingUri"]);
  });

  it("its Go program uses the schema's components, inputs, types and outputs", () => {
    const program = blocks("go")[0]!;
    const checked: string[] = [];
    for (const m of program.matchAll(/&mlops\.(\w+)\{/g)) {
      const body = balanced(program, m.index + m[0].length - 1);
      const keys = topLevelKeys(body, /(?:^|,)\s*(\w+):/g).map(lowerFirst);
      const component = /^(\w+)Args$/.exec(m[1]!)?.[1];
      checked.push(
        check(component && schema.resources[`mlops:index:${component}`] ? component : m[1]!, keys),
      );
    }
    expect(checked.sort()).toEqual(["ExistingClusterArgs", "GpuTrainingCluster"]);
    expect(program).toContain("mlops.NewGpuTrainingCluster(ctx,");
    const outputs = [...program.matchAll(/cluster\.(\w+)/g)].map((m) => lowerFirst(m[1]!));
    for (const o of outputs)
      expect(Object.keys(schema.resources["mlops:index:GpuTrainingCluster"]!.properties)).toContain(o);
    expect(outputs).toEqual(["localQueueName"]);
  });

  it("the README's short Python and Go programs use the schema's names too", () => {
    const readme = read("README.md");
    const [python] = blocks("python", readme);
    const [go] = blocks("go", readme);
    const checked: string[] = [];
    for (const m of python!.matchAll(/mlops\.(\w+)\(/g)) {
      const body = balanced(python!, m.index + m[0].length - 1);
      checked.push(check(m[1]!, topLevelKeys(body, /(?:^|,)\s*(\w+)=/g).map(camel)));
    }
    for (const m of go!.matchAll(/&mlops\.(\w+)\{/g)) {
      const body = balanced(go!, m.index + m[0].length - 1);
      const component = /^(\w+)Args$/.exec(m[1]!)?.[1];
      const name = component && schema.resources[`mlops:index:${component}`] ? component : m[1]!;
      checked.push(check(name, topLevelKeys(body, /(?:^|,)\s*(\w+):/g).map(lowerFirst)));
    }
    expect(checked.sort()).toEqual([
      "ExistingClusterArgs",
      "ExistingClusterArgs",
      "GpuTrainingCluster",
      "GpuTrainingCluster",
    ]);
    const outputs = [...python!.matchAll(/cluster\.(\w+)/g)].map((m) => camel(m[1]!));
    expect(outputs).toEqual(["localQueueName"]);
    expect(Object.keys(schema.resources["mlops:index:GpuTrainingCluster"]!.properties)).toContain(outputs[0]);
  });

  it("tells how to add the package from a tag and from node_modules", () => {
    expect(doc).toContain("pulumi package add github.com/<org>/pulumi-mlops@v");
    expect(doc).toContain("pulumi package add ./node_modules/pulumi-mlops");
    expect(read("PulumiPlugin.yaml")).toMatch(/^runtime: nodejs$/m);
  });
});

interface Step {
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  steps: Step[];
}

describe("examples/github-actions/release.yml", () => {
  const workflow = parse(read("examples/github-actions/release.yml")) as {
    on: { push: { tags: string[] } };
    jobs: Record<string, Job>;
  };
  const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
  const runs = (job: string): string[] =>
    workflow.jobs[job]!.steps.map((s) => s.run).filter((r): r is string => !!r);

  it("runs on version tags", () => {
    expect(workflow.on.push.tags).toEqual(["v*"]);
  });

  it("tests with the same npm scripts as CI, which exist", () => {
    expect(runs("test")).toEqual([
      "npm ci",
      "npm run lint",
      "npm run typecheck",
      "npm run docs:check",
      "npm test",
    ]);
    for (const script of ["lint", "typecheck", "docs:check", "test"])
      expect(pkg.scripts[script], script).toBeDefined();
    const ci = read(".ci/run");
    for (const step of ["npm run -s lint", "npm run -s typecheck", "npm run -s docs:check", "npm test"])
      expect(ci).toContain(step);
  });

  it("packs (prepack builds dist/), checks the tag is the version and publishes that tarball with provenance", () => {
    const job = workflow.jobs["publish"]!;
    expect(job.needs).toBe("test");
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
    const steps = runs("publish");
    expect(steps).toContain("npm pack --pack-destination release");
    expect(pkg.scripts["prepack"]).toContain("npm run -s build");
    expect(steps.find((r) => r.includes("GITHUB_REF_NAME"))).toContain("require('./package.json').version");
    const publish = job.steps.find((s) => s.run?.startsWith("npm publish"))!;
    expect(publish.run).toBe("npm publish release/*.tgz --provenance --access public");
    expect(publish.env).toEqual({ NODE_AUTH_TOKEN: "${{ secrets.NPM_TOKEN }}" });
    expect(job.steps.find((s) => s.uses?.startsWith("actions/setup-node@"))!.with).toMatchObject({
      "registry-url": "https://registry.npmjs.org",
    });
  });
});
