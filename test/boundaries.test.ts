/**
 * Module boundaries inside `components/` (issue 8): a component reaches another component, and an
 * adapter, only through its index module.
 *
 * - `components/adapters/<target>/<file>` may be imported only from inside
 *   `components/adapters/<target>/`; everyone else uses `components/adapters` (the seam:
 *   `createAdapter`, `createCloudAdapter`, the types) or `components/adapters/<target>` (the
 *   target's index: its constants and pure policy helpers).
 * - `components/<comp>/<file>` may be imported only from inside `components/<comp>/`; everyone
 *   else uses `components/<comp>` (its `index.ts`).
 * - `components/shared/*` is the kit everyone may import; it, like the seam (`components/adapters`),
 *   imports no component.
 * - Every folder of `components/` is checked (`sourceFiles` walks the whole tree), and the adapter
 *   targets are the folders of `components/adapters/`, so a new component or target is covered.
 * - `components/index.ts`, the package's public facade, follows the same rules: it re-exports each
 *   component's public surface from that component's index.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const COMPONENTS = path.resolve(__dirname, "..", "components");

/** Every `.ts` file under `dir`, as paths relative to `components/` with "/" separators. */
function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [path.relative(COMPONENTS, full).split(path.sep).join("/")] : [];
  });
}

/** Relative module specifiers of static imports / re-exports and dynamic imports in `source`. */
function importSpecifiers(source: string): string[] {
  const pattern =
    /(?:^|[\s;])(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^\s*import\s+["']([^"']+)["']/gm;
  return [...source.matchAll(pattern)]
    .map((m) => m[1] ?? m[2] ?? m[3] ?? "")
    .filter((spec) => spec.startsWith("."));
}

/**
 * The module `spec` (relative to `from`, both relative to `components/`) resolves to, without
 * extension; a directory resolves to its `index`. `isDirectory` says whether a path is a directory.
 */
function resolveModule(from: string, spec: string, isDirectory: (p: string) => boolean): string {
  const target = path.posix
    .normalize(path.posix.join(path.posix.dirname(from), spec))
    .replace(/\.(ts|js)$/, "");
  return isDirectory(target) ? `${target}/index` : target;
}

/** The folders directly under `dir` (relative to `components/`). */
function folders(dir: string): string[] {
  return fs
    .readdirSync(path.join(COMPONENTS, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
}

/** The adapter targets: every folder of `components/adapters/`. */
const ADAPTER_TARGETS = folders("adapters");

/** The kit and the seam: every component may import them, and they import no component. */
const FOUNDATION = ["shared", "adapters"];

/** Why importing `target` from `importer` crosses a boundary, or undefined when it does not. */
function boundaryViolation(importer: string, target: string): string | undefined {
  if (target.startsWith("..")) return undefined;
  const [comp, ...rest] = target.split("/");
  const [importerComp, ...importerRest] = importer.split("/");
  if (comp === undefined || rest.length === 0) return undefined;
  if (comp === "adapters" && ADAPTER_TARGETS.includes(rest[0] ?? "") && rest.length > 1) {
    const adapterTarget = rest[0];
    const inside =
      importerComp === "adapters" && importerRest[0] === adapterTarget && importerRest.length > 1;
    if (!inside && rest.slice(1).join("/") !== "index")
      return `imports adapter internals "${target}" (use "adapters" or "adapters/${adapterTarget}")`;
    return undefined;
  }
  if (comp === importerComp || comp === "shared") return undefined;
  if (rest.join("/") !== "index") return `imports ${comp}'s internals "${target}" (use "${comp}", its index)`;
  if (FOUNDATION.includes(importerComp ?? "") && comp !== "adapters") {
    return `${importerComp} imports the component "${comp}" (the kit and the seam import no component)`;
  }
  return undefined;
}

/** Every boundary violation in `components/`, as `<importer> -> <target>: <why>`. */
function violations(): string[] {
  const isDirectory = (p: string) => {
    const full = path.join(COMPONENTS, p);
    return fs.existsSync(full) && fs.statSync(full).isDirectory();
  };
  return sourceFiles(COMPONENTS).flatMap((file) =>
    importSpecifiers(fs.readFileSync(path.join(COMPONENTS, file), "utf8")).flatMap((spec) => {
      const target = resolveModule(file, spec, isDirectory);
      const why = boundaryViolation(file, target);
      return why === undefined ? [] : [`${file} -> ${target}: ${why}`];
    }),
  );
}

/**
 * Imports of `components/` from the stack program and the scripts (`stacks/`, `bin/`): a
 * component's or adapter's index, the shared kit, or the package facade, as a user's program would.
 */
function outsideViolations(): string[] {
  const root = path.resolve(COMPONENTS, "..");
  return ["stacks", "bin"].flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir))
      .filter((f) => f.endsWith(".ts"))
      .flatMap((f) =>
        importSpecifiers(fs.readFileSync(path.join(root, dir, f), "utf8"))
          .map((spec) => path.posix.normalize(path.posix.join(dir, spec)))
          .filter((target) => target.startsWith("components/"))
          .map((target) => target.slice("components/".length))
          .filter((target) => {
            const [comp, ...rest] = target.split("/");
            if (comp === "shared" || rest.length === 0) return false;
            return !(rest.length === 1 && rest[0] === "index");
          })
          .map((target) => `${dir}/${f} -> components/${target}`),
      ),
  );
}

describe("module boundaries in components/", () => {
  it("the stack program and the scripts import components through their index modules", () => {
    expect(outsideViolations()).toEqual([]);
  });

  it("no file imports an adapter's or another component's internals", () => {
    expect(violations()).toEqual([]);
  });

  it("flags what main had before the seam split (the checker can fail)", () => {
    // Imports that were in components/ before issue 8's seam split.
    expect(boundaryViolation("training-cluster/aws/eks.ts", "adapters/aws/kms")).toMatch(/adapter internals/);
    expect(boundaryViolation("training-cluster/gcp/scope.ts", "adapters/gcp/common")).toMatch(
      /adapter internals/,
    );
    expect(boundaryViolation("training-cluster/index.ts", "adapters/types")).toMatch(/adapters's internals/);
    expect(boundaryViolation("model-registry/index.ts", "training-cluster/types")).toMatch(
      /training-cluster's internals/,
    );
    expect(boundaryViolation("shared/k8s.ts", "model-registry/args")).toMatch(/model-registry's internals/);
    // The package facade re-exported training-cluster internals before it went through the index.
    expect(boundaryViolation("index.ts", "training-cluster/in-cluster/job-template")).toMatch(
      /training-cluster's internals/,
    );
    expect(boundaryViolation("adapters/gcp/identity.ts", "adapters/aws/identity")).toMatch(
      /adapter internals/,
    );
    // The later components and the kit are held to the same rules.
    expect(boundaryViolation("retraining-loop/index.ts", "model-serving/payload-sink")).toMatch(
      /model-serving's internals/,
    );
    expect(boundaryViolation("model-serving/index.ts", "retraining-loop/args")).toMatch(
      /retraining-loop's internals/,
    );
    expect(boundaryViolation("feature-store/index.ts", "monitoring/values")).toMatch(
      /monitoring's internals/,
    );
    expect(boundaryViolation("shared/k8s.ts", "training-cluster/index")).toMatch(/import no component/);
    expect(boundaryViolation("adapters/aws/eks.ts", "model-registry/index")).toMatch(/import no component/);
  });

  it("checks every folder of components/ and every adapter target", () => {
    const files = sourceFiles(COMPONENTS);
    const scanned = new Set(files.map((f) => f.split("/")[0]));
    for (const folder of folders(".")) expect(scanned, folder).toContain(folder);
    for (const target of ADAPTER_TARGETS) {
      expect(
        files.some((f) => f.startsWith(`adapters/${target}/`)),
        target,
      ).toBe(true);
      expect(boundaryViolation("model-serving/index.ts", `adapters/${target}/index`)).toBeUndefined();
      expect(boundaryViolation("model-serving/index.ts", `adapters/${target}/x`)).toMatch(
        /adapter internals/,
      );
    }
    expect(ADAPTER_TARGETS).toEqual(expect.arrayContaining(["aws", "gcp", "local"]));
  });

  it("allows index modules, the shared kit and a component's own files", () => {
    for (const [importer, target] of [
      ["training-cluster/aws/eks.ts", "adapters/index"],
      ["training-cluster/aws/identity.ts", "adapters/aws/index"],
      ["model-registry/index.ts", "training-cluster/index"],
      ["model-registry/index.ts", "shared/names"],
      ["adapters/aws/s3.ts", "adapters/aws/network"],
      ["adapters/aws/s3.ts", "adapters/types"],
      ["adapters/index.ts", "adapters/aws/index"],
      ["training-cluster/gcp/gke.ts", "training-cluster/in-cluster/ports"],
      ["index.ts", "training-cluster/index"],
      ["index.ts", "shared/component"],
    ] as const) {
      expect(boundaryViolation(importer, target), `${importer} -> ${target}`).toBeUndefined();
    }
  });

  it("reads static, type-only, re-export and dynamic imports", () => {
    const source = [
      'import * as aws from "@pulumi/aws";',
      'import { a } from "../adapters/aws/kms";',
      'import type { B } from "../../adapters/types";',
      "import {\n  c,\n  d,\n} from './x';",
      'export { e } from "./e";',
      'export * from "./types";',
      'const f = await import("../f");',
    ].join("\n");
    expect(importSpecifiers(source)).toEqual([
      "../adapters/aws/kms",
      "../../adapters/types",
      "./x",
      "./e",
      "./types",
      "../f",
    ]);
  });
});
