/**
 * `npm run schema`: runs Pulumi's component analyzer on the package (as `pulumi package add` does
 * through provider.ts) and writes its schema to schema.json. `--check` only compares, exiting 1
 * when schema.json is stale (part of `npm run docs:check`, which CI runs).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { extendAnalyzer } from "../provider/analyzer";
import { PACKAGE_NAME, PACKAGED_COMPONENTS } from "../provider/components";
import { extendSchema } from "../provider/schema";

const root = path.join(__dirname, "..");
export const SCHEMA_FILE = path.join(root, "schema.json");

/** The package schema as the analyzer derives it, formatted as schema.json holds it. */
export async function renderSchema(): Promise<string> {
  extendAnalyzer();
  extendSchema();
  const provider = new ComponentProvider({
    name: PACKAGE_NAME,
    components: PACKAGED_COMPONENTS,
    dirname: root,
  });
  const schema = JSON.parse(await provider.getSchema()) as unknown;
  return `${JSON.stringify(schema, null, 2)}\n`;
}

async function main(args: string[]): Promise<number> {
  const rendered = await renderSchema();
  const current = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, "utf8") : "";
  if (args.includes("--check")) {
    if (current === rendered) return 0;
    console.error("schema.json is out of date: run `npm run schema`");
    return 1;
  }
  if (current !== rendered) fs.writeFileSync(SCHEMA_FILE, rendered);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
