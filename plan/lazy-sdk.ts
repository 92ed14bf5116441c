/**
 * `@pulumi/pulumi` loads, when it is imported, the modules of its closure serialization (used by
 * `pulumi.runtime.serializeFunction`, e.g. for callback Lambdas): TypeScript (through
 * `typescript-shim`, ~0.6 s) and npm's Arborist with its dependency tree (~0.6 s). A plan rarely
 * serializes a function, so this module, imported before the SDK, makes those two requires lazy:
 * they return a stand-in that loads the real module on first use. Nothing else changes; a newer
 * SDK that no longer requires them from these files is simply not affected. See docs/benchmarks.md.
 */
import Module from "node:module";
import * as path from "node:path";

interface LoaderInternals {
  _load(request: string, parent: { filename?: string | null } | null | undefined, isMain: boolean): unknown;
}

interface LazyRequire {
  /** The requiring file, relative to the SDK's directory. */
  from: string;
  request: string;
  /** The real module is CommonJS and its requirer reads it through `__importStar`: say `__esModule`, so the stand-in is used as it is. */
  esModule: boolean;
}

const LAZY: readonly LazyRequire[] = [
  {
    from: path.join("runtime", "closure", "parseFunction.js"),
    request: "../../typescript-shim",
    esModule: false,
  },
  { from: path.join("runtime", "closure", "codePaths.js"), request: "@npmcli/arborist", esModule: true },
];

const SDK = `${path.sep}@pulumi${path.sep}pulumi${path.sep}`;

/** An object that loads the real module the first time anything is read from it. */
function standIn(load: () => object, esModule: boolean): object {
  let real: object | undefined;
  const target = (): object => (real ??= load());
  return new Proxy(
    {},
    {
      get: (_t, key): unknown =>
        esModule && key === "__esModule" ? true : (Reflect.get(target(), key) as unknown),
      has: (_t, key) => Reflect.has(target(), key),
      ownKeys: () => Reflect.ownKeys(target()),
      getOwnPropertyDescriptor: (_t, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
        // The stand-in's own target is empty: a non-configurable property would break the Proxy invariants.
        return descriptor ? { ...descriptor, configurable: true } : undefined;
      },
    },
  );
}

let installed = false;

/** Installs the lazy requires (once per process). */
export function deferSdkClosureModules(): void {
  if (installed) return;
  installed = true;
  const loader = Module as unknown as LoaderInternals;
  const original = loader._load.bind(Module);
  loader._load = (request, parent, isMain) => {
    const filename = parent?.filename ?? "";
    if (filename.includes(SDK)) {
      const lazy = LAZY.find((l) => l.request === request && filename.endsWith(SDK + l.from));
      if (lazy) return standIn(() => original(request, parent, isMain) as object, lazy.esModule);
    }
    return original(request, parent, isMain);
  };
}

deferSdkClosureModules();
