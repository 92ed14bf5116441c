/**
 * README.md is documentation users rely on: its generated policy table matches the rules, and
 * every built-in mock answer of the offline plan is documented.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { renderReadme } from "../bin/update-readme";
import { awsInvokes } from "../plan/mock-outputs/aws";
import { gcpInvokes } from "../plan/mock-outputs/gcp";
import { RULES } from "../policies/catalog";

const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

describe("README.md", () => {
  it("has the policy table generated from the current rule metadata (npm run docs)", async () => {
    expect(await renderReadme(readme)).toBe(readme);
    for (const rule of RULES) expect(readme).toMatch(new RegExp(`\\| \`${rule.name}\` +\\|`));
  });

  it("documents every built-in invoke answer of the offline plan", () => {
    for (const token of [
      ...Object.keys(awsInvokes),
      ...Object.keys(gcpInvokes),
      "kubernetes:helm:template",
    ]) {
      expect(readme, token).toContain(`\`${token}\``);
    }
  });

  it("gives the two fresh-machine commands that CI runs", () => {
    expect(readme).toContain("npm ci && npm run plan -- --stack local");
    expect(readme).toContain("```sh\nnpm test\n```");
    expect(fs.readFileSync(path.join(__dirname, "..", ".ci", "run"), "utf8")).toMatch(/^npm test$/m);
  });
});
