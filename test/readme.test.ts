/**
 * README.md and docs/ are documentation users rely on: every TypeScript snippet plans clean as
 * written, the generated tables (stack config keys, policy rules) match their sources, every
 * component output and every built-in mock answer of the offline plan is documented.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  ALERTS_DOC,
  GPU_CATALOG,
  PUSH_CONTRACT,
  renderConfigTable,
  renderDoc,
  renderPoliciesDoc,
  renderReadme,
} from "../bin/update-readme";
import { ALERT_CATALOGUE, pushContractDocument, Severity } from "../components/monitoring";
import { awsInvokes } from "../plan/mock-outputs/aws";
import { gcpInvokes } from "../plan/mock-outputs/gcp";
import { RULES } from "../policies/catalog";
import { parseStackConfig, REQUIRED_PROVIDER_CONFIG, stackConfigKeys } from "../stacks/config";
import { planFromFolder } from "./package-from-source";

const root = path.join(__dirname, "..");
const read = (file: string): string => fs.readFileSync(path.join(root, file), "utf8");
const readme = read("README.md");
const policiesDoc = read("docs/policies.md");
const alertsDoc = read("docs/alerts.md");

/** The body of the Markdown section that starts with `heading` (up to the next heading of any level). */
function section(text: string, heading: string): string {
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const body: string[] = [];
  let fenced = false;
  for (const line of text.slice(start + heading.length + 2).split("\n")) {
    if (/^ *```/.test(line)) fenced = !fenced;
    else if (!fenced && /^#{1,6} /.test(line)) break;
    body.push(line);
  }
  return body.join("\n");
}

/** The first-column code names of the Markdown table rows in `text`. */
function tableKeys(text: string): string[] {
  return [...text.matchAll(/^\| `([^`]+)` +\|/gm)].map((m) => m[1]!);
}

describe("README.md", () => {
  it("has its generated sections up to date (npm run docs)", async () => {
    expect(await renderReadme(readme)).toBe(readme);
  });

  it("documents exactly the stack config keys the program accepts (mlops:cluster, not mlops:kubernetes)", () => {
    const documented = tableKeys(section(readme, "## Stacks and configuration"));
    expect(documented).toEqual([
      ...stackConfigKeys().map((k) => `mlops:${k}`),
      ...new Set(Object.values(REQUIRED_PROVIDER_CONFIG).flat()),
    ]);
    expect(documented).toContain("mlops:cluster");
    expect(documented).not.toContain("mlops:kubernetes");
    // What the table says is what the program does: an undocumented key is rejected.
    expect(() =>
      parseStackConfig({
        "mlops:target": "local",
        "mlops:environment": "dev",
        "mlops:tags": JSON.stringify({ owner: "a", "cost-center": "b", "data-classification": "internal" }),
        "mlops:kubernetes": JSON.stringify({ context: "kind" }),
      }),
    ).toThrow("mlops:kubernetes: unknown key");
    expect(renderConfigTable()).toContain("| `mlops:cluster` |");
  });

  it("lists every alert of the catalogue with its severity and for, and explains the severities (docs/alerts.md, linked from the README)", async () => {
    expect(section(readme, "### Alert catalogue")).toContain("](docs/alerts.md)");
    expect(await renderDoc(ALERTS_DOC, alertsDoc)).toBe(alertsDoc);
    const catalogue = alertsDoc;
    expect(tableKeys(catalogue)).toEqual(ALERT_CATALOGUE.map((a) => a.alert));
    expect(tableKeys(catalogue)).toContain("ModelDrift");
    const row = (alert: string) =>
      new RegExp(`^\\| \`${alert}\` +\\| ([a-z]+) +\\| ([0-9a-z]+) +\\|`, "m").exec(catalogue)?.slice(1);
    for (const a of ALERT_CATALOGUE) expect(row(a.alert), a.alert).toEqual([a.severity, a.for]);
    // The generated table, between its markers, with label templates shown as {label}.
    expect(catalogue).toContain("<!-- alert-catalogue:start");
    expect(catalogue).toContain("Model {model} version {version} drifts from its training data");
    for (const severity of Object.values(Severity)) expect(catalogue).toContain(`**${severity}**`);
    expect(catalogue).toContain("`runbook`");
    expect(readme).toContain("\n## Monitoring\n");
  });

  it("links the policy rules (docs/policies.md) instead of carrying the table", () => {
    expect(readme).toContain("](docs/policies.md)");
    for (const rule of RULES) expect(readme).not.toMatch(new RegExp(`^\\| \`${rule.name}\` +\\|`, "m"));
    // The table alone is over 50 KB: a README near this size has grown a table back (or needs a page in docs/).
    expect(Buffer.byteLength(readme)).toBeLessThan(64_000);
  });

  it("has the sections users ask for", () => {
    for (const heading of [
      "## Prerequisites",
      "## Install in your own project",
      "## Reaching MLflow after deploy",
      "## Idle cost of the shipped stacks",
      "## Teardown of a prod stack",
      "## Upgrades",
    ]) {
      expect(readme).toContain(`\n${heading}\n`);
    }
    // An idle cost for every shipped stack.
    const costs = tableKeys(section(readme, "## Idle cost of the shipped stacks"));
    const stacks = fs
      .readdirSync(path.join(root, "stacks"))
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined);
    expect(costs.sort()).toEqual(stacks.sort());
    // The install section names every peer dependency.
    const pkg = JSON.parse(read("package.json")) as { peerDependencies: Record<string, string> };
    const install = section(readme, "## Install in your own project");
    for (const peer of Object.keys(pkg.peerDependencies)) expect(install).toContain(peer);
    expect(install).toContain("npm install pulumi-mlops");
    // The teardown steps name the commands that lift each protection.
    expect(section(readme, "## Teardown of a prod stack")).toContain("](docs/teardown.md)");
    const teardown = read("docs/teardown.md");
    for (const step of [
      "pulumi state unprotect",
      "deletionProtection' false",
      "--no-deletion-protection",
      "schedule-key-deletion",
    ]) {
      expect(teardown).toContain(step);
    }
  });

  it("has an outputs table per component listing exactly its public outputs", () => {
    const components: [string, string][] = [
      ["ModelRegistry", "components/model-registry/index.ts"],
      ["GpuTrainingCluster", "components/training-cluster/index.ts"],
      ["TrainingJob", "components/training-cluster/in-cluster/job-template.ts"],
      ["Monitoring", "components/monitoring/component.ts"],
      ["FeatureStore", "components/feature-store/index.ts"],
      ["ModelServing", "components/model-serving/index.ts"],
    ];
    for (const [name, file] of components) {
      const source = read(file);
      const body = source.slice(source.indexOf(`export class ${name} `));
      const classBody = body.slice(0, body.indexOf("constructor("));
      const outputs = [...classBody.matchAll(/^ {2}(?:public )?readonly (\w+)/gm)].map((m) => m[1]!);
      expect(outputs.length, name).toBeGreaterThan(0);
      expect(tableKeys(section(readme, `#### Outputs of \`${name}\``)), name).toEqual(outputs);
    }
  });

  it("documents every built-in invoke answer of the offline plan (in docs/offline-plan.md, linked)", () => {
    expect(section(readme, "## Offline plan")).toContain("](docs/offline-plan.md)");
    const offlinePlanDoc = read("docs/offline-plan.md");
    for (const token of [
      ...Object.keys(awsInvokes),
      ...Object.keys(gcpInvokes),
      "kubernetes:helm:template",
    ]) {
      expect(offlinePlanDoc, token).toContain(`\`${token}\``);
    }
  });

  it("gives the two fresh-machine commands that CI runs", () => {
    expect(readme).toContain("npm ci && npm run plan -- --stack local");
    expect(readme).toContain("```sh\nnpm test\n```");
    expect(read(".ci/run")).toMatch(/^npm test$/m);
  });
});

describe("README.md TypeScript snippets plan as written", () => {
  const snippets = [...readme.matchAll(/^( *)```(?:ts|typescript)\n([\s\S]*?)^\1```$/gm)].map((m) =>
    m[2]!.replace(new RegExp(`^${m[1]!}`, "gm"), ""),
  );

  it("there are snippets for every component", () => {
    const all = snippets.join("\n");
    for (const name of ["ModelRegistry", "GpuTrainingCluster", "TrainingJob"]) {
      expect(all).toContain(`new ${name}(`);
    }
  });

  snippets.forEach((code, i) => {
    const firstLine = code.split("\n").find((l) => !l.startsWith("import") && l.trim() !== "") ?? "";
    it(`snippet ${i + 1} (${firstLine.trim().slice(0, 60)}): exit 0, no mandatory policy violation`, async () => {
      // A Pulumi project holding the snippet verbatim; `pulumi-mlops` resolves to this repository.
      const dir = path.join(root, ".tmp", "readme-snippets", String(i + 1));
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "index.ts"), code);
      fs.writeFileSync(
        path.join(dir, "Pulumi.yaml"),
        "name: readme-snippet\nruntime: nodejs\nmain: index.ts\n",
      );
      // The policy pack checks at the level of the environment the snippet deploys (prod if none).
      const environment = /environment: "(dev|staging|prod)"/.exec(code)?.[1] ?? "prod";
      fs.writeFileSync(
        path.join(dir, "Pulumi.readme.yaml"),
        `config:\n  aws:region: us-east-1\n  readme-snippet:environment: ${environment}\n`,
      );
      const run = await planFromFolder(dir, ["--stack", "readme"]);
      expect(run.err).toBe("");
      expect(run.code).toBe(0);
      expect(run.plan!.policyViolations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    });
  });
});

describe("docs/policies.md", () => {
  it("has the policy table generated from the current rule metadata (npm run docs)", async () => {
    expect(await renderPoliciesDoc(policiesDoc)).toBe(policiesDoc);
    expect(tableKeys(policiesDoc)).toEqual(RULES.map((r) => r.name));
  });
});

describe("policies/gpu-catalog.generated.ts", () => {
  it("is the components' GPU families and accelerators as they are now (npm run docs)", async () => {
    const current = fs.readFileSync(GPU_CATALOG, "utf8");
    expect(await renderDoc(GPU_CATALOG, current)).toBe(current);
    // Rendered from the constants, not from the file: a family added to a component shows up.
    expect(await renderDoc(GPU_CATALOG, "")).toContain('"p6-b200"');
  });
});

describe("jobs/mlops_jobs/contract.generated.json", () => {
  it("is the push contract as it is now (npm run docs), which the Python jobs load", async () => {
    const current = fs.readFileSync(PUSH_CONTRACT, "utf8");
    expect(await renderDoc(PUSH_CONTRACT, current)).toBe(current);
    const { $comment, ...doc } = JSON.parse(current) as Record<string, unknown>;
    expect($comment).toMatch(/^Generated by `npm run docs`/);
    expect(doc).toEqual(JSON.parse(JSON.stringify(pushContractDocument())));
  });
});

describe("CHANGELOG.md", () => {
  it("keeps a changelog: an Unreleased section and the released version of package.json", () => {
    const changelog = read("CHANGELOG.md");
    const { version } = JSON.parse(read("package.json")) as { version: string };
    expect(changelog).toContain("https://keepachangelog.com/en/1.1.0/");
    const headings = [...changelog.matchAll(/^## \[([^\]]+)\]/gm)].map((m) => m[1]!);
    expect(headings[0]).toBe("Unreleased");
    expect(headings).toContain(version);
    expect(changelog).toMatch(
      new RegExp(`^## \\[${version.replace(/\./g, "\\.")}\\] - \\d{4}-\\d{2}-\\d{2}$`, "m"),
    );
  });
});
