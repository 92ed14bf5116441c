/**
 * Loading a Pulumi program from disk: its project file, its stack config, and its entry module.
 *
 * A user's program normally has its own `node_modules/@pulumi/pulumi`. Two copies of the SDK in
 * one process break the mock runtime (pulumi/pulumi#12141), so while a program loads, every
 * `require("@pulumi/pulumi")` (from the program or from a provider SDK it uses) resolves to the
 * copy that holds the mocks: this package's.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Module from "node:module";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import { isRecord } from "./values";

/** Bad flags, a missing stack file or invalid config: the CLI exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = "UsageError";
  }
}

export interface PulumiProject {
  /** Directory holding Pulumi.yaml. */
  dir: string;
  /** Project name from Pulumi.yaml. */
  name: string;
  /** Absolute path of the program entry (Pulumi.yaml `main`, else package.json main, else index.ts). */
  main: string;
  /** Absolute directory of the stack config files (`stackConfigDir`, else the project dir). */
  stackConfigDir: string;
}

function readYaml(file: string): unknown {
  try {
    return parseYaml(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
}

/** Finds Pulumi.yaml in `start` or a directory above it. */
export function findProject(start: string): PulumiProject | undefined {
  let dir = path.resolve(start);
  if (fs.existsSync(dir) && fs.statSync(dir).isFile()) dir = path.dirname(dir);
  for (;;) {
    for (const file of ["Pulumi.yaml", "Pulumi.yml"]) {
      const full = path.join(dir, file);
      if (fs.existsSync(full)) return readProject(full);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readProject(file: string): PulumiProject {
  const doc = readYaml(file);
  if (!isRecord(doc) || typeof doc["name"] !== "string") {
    throw new UsageError(`${file}: "name" is required (the Pulumi project name)`);
  }
  const dir = path.dirname(file);
  const main = typeof doc["main"] === "string" ? doc["main"] : undefined;
  const stackConfigDir = typeof doc["stackConfigDir"] === "string" ? doc["stackConfigDir"] : ".";
  return {
    dir,
    name: doc["name"],
    main: resolveEntry(path.resolve(dir, main ?? ".")),
    stackConfigDir: path.resolve(dir, stackConfigDir),
  };
}

/** A directory entry resolves like Pulumi does: package.json main, else index.ts / index.js. */
export function resolveEntry(entry: string): string {
  if (fs.existsSync(entry) && fs.statSync(entry).isFile()) return entry;
  if (fs.existsSync(entry) && fs.statSync(entry).isDirectory()) {
    const pkgFile = path.join(entry, "package.json");
    if (fs.existsSync(pkgFile)) {
      const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { main?: unknown };
      if (typeof pkg.main === "string") {
        const main = path.resolve(entry, pkg.main);
        for (const candidate of [main, `${main}.ts`, `${main}.js`, path.join(main, "index.ts")]) {
          if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
        }
      }
    }
    for (const index of ["index.ts", "index.js"]) {
      if (fs.existsSync(path.join(entry, index))) return path.join(entry, index);
    }
  }
  for (const ext of [".ts", ".js"]) if (fs.existsSync(entry + ext)) return entry + ext;
  throw new UsageError(`program not found: ${entry} (expected a .ts/.js file or a directory with index.ts)`);
}

export interface StackConfig {
  file: string;
  config: Record<string, unknown>;
  secretKeys: string[];
}

/** The mock value a `secure:` config value gets offline (it cannot be decrypted without the CLI). */
export const MOCK_SECURE_VALUE = "mock-secure-value";

/** Reads `Pulumi.<stack>.yaml`; `secure:` values become secret mock values. */
export function readStackConfig(project: PulumiProject, stack: string, file?: string): StackConfig {
  const stackFile = file ? path.resolve(file) : path.join(project.stackConfigDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) {
    const available = fs.existsSync(project.stackConfigDir)
      ? fs
          .readdirSync(project.stackConfigDir)
          .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
          .filter((s): s is string => s !== undefined)
      : [];
    throw new UsageError(
      `--stack ${stack}: no stack file ${path.relative(process.cwd(), stackFile) || stackFile}` +
        (available.length > 0 ? `; available stacks: ${available.join(", ")}` : ""),
    );
  }
  const doc = readYaml(stackFile) ?? {};
  if (!isRecord(doc)) throw new UsageError(`${stackFile}: must be a YAML mapping`);
  const raw = doc["config"] ?? {};
  if (!isRecord(raw)) throw new UsageError(`${stackFile}: "config" must be a mapping of key: value`);
  const config: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const full = key.includes(":") ? key : `${project.name}:${key}`;
    if (isRecord(value) && typeof value["secure"] === "string" && Object.keys(value).length === 1) {
      config[full] = MOCK_SECURE_VALUE;
      secretKeys.push(full);
    } else {
      config[full] = value;
    }
  }
  return { file: stackFile, config, secretKeys };
}

let tsxRegistered = false;
const PULUMI_PACKAGE = /^@pulumi\/pulumi(\/.*)?$/;

interface ModuleInternals {
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
}

/**
 * Makes every `@pulumi/pulumi` import resolve to this process's copy (the one holding the mocks).
 * Returns a function that removes the hook.
 */
function redirectPulumiSdk(): () => void {
  const internals = Module as unknown as ModuleInternals;
  const original = internals._resolveFilename.bind(Module);
  // Resolves as this module would: this package's copy of the SDK.
  const ownRequire = Module.createRequire(__filename);
  let resolving = false;
  internals._resolveFilename = (request, parent, isMain, options) => {
    if (!resolving && PULUMI_PACKAGE.test(request)) {
      resolving = true;
      try {
        return ownRequire.resolve(request);
      } finally {
        resolving = false;
      }
    }
    return original(request, parent, isMain, options);
  };
  return () => {
    internals._resolveFilename = original;
  };
}

let esmHookRegistered = false;

/**
 * The same redirect for ES module resolution (`import()` and ESM programs), which does not go
 * through `Module._resolveFilename`: an ESM resolve hook resolves `@pulumi/pulumi[/...]` as if
 * this module had imported it. Registered once per process (ESM hooks cannot be removed); it only
 * touches that one package.
 */
function redirectPulumiSdkForEsm(): void {
  if (esmHookRegistered) return;
  esmHookRegistered = true;
  const parentURL = JSON.stringify(pathToFileURL(__filename).href);
  const hook = `
    export async function resolve(specifier, context, nextResolve) {
      if (specifier === "@pulumi/pulumi" || specifier.startsWith("@pulumi/pulumi/")) {
        return nextResolve(specifier, { ...context, parentURL: ${parentURL} });
      }
      return nextResolve(specifier, context);
    }`;
  Module.register(`data:text/javascript,${encodeURIComponent(hook)}`);
}

/**
 * Returns a program function for `runPlan` that loads `entry` as Pulumi's Node.js host does:
 * a default-exported function is called and its result is the stack's outputs; otherwise the
 * module's exports are. TypeScript entries are transpiled in-process by tsx.
 */
export function programFromFile(entry: string): () => Promise<unknown> {
  return async () => {
    // The only way to see whether a CommonJS hook for .ts is installed (e.g. by `tsx`).
    const tsHooked = require.extensions[".ts"] !== undefined;
    // Errors should point at the program's TypeScript lines (transpilers emit inline source maps).
    process.setSourceMapsEnabled(true);
    if (!tsxRegistered && !tsHooked && /\.[cm]?tsx?$/.test(entry)) {
      const { register } = await import("tsx/cjs/api");
      register();
      tsxRegistered = true;
    }
    redirectPulumiSdkForEsm();
    const unhook = redirectPulumiSdk();
    try {
      // A program's own modules are loaded anew on every run; libraries stay cached.
      const programDir = path.dirname(entry);
      for (const key of Object.keys(require.cache)) {
        if (key.startsWith(programDir + path.sep) && !key.includes(`${path.sep}node_modules${path.sep}`)) {
          delete require.cache[key];
        }
      }
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(entry) as Record<string, unknown> & { default?: unknown };
      const main = mod.default ?? mod;
      if (typeof main === "function") return await (main as () => unknown)();
      return main === mod ? { ...mod } : main;
    } finally {
      unhook();
    }
  };
}
