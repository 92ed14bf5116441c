/**
 * `@pulumi/pulumi` loads, when it is imported, modules a plan rarely or never uses:
 *
 * - the modules of its closure serialization (used by `pulumi.runtime.serializeFunction`, e.g. for
 *   callback Lambdas): TypeScript (through `typescript-shim`, ~0.6 s) and npm's Arborist with its
 *   dependency tree (~0.6 s);
 * - gRPC (`@grpc/grpc-js` and the generated service clients, `proto/*_grpc_pb.js`, which build their
 *   client classes from it when they load): the connection to the engine and the callback server,
 *   which a plan under mocks does not open. The SDK's modules read it only inside functions (to
 *   connect, or to compare an error's `grpc.status` code).
 *
 * This module, imported before the SDK, makes those requires lazy: they return a stand-in that
 * loads the real module on first use. Nothing else changes; a newer SDK that no longer requires
 * them from these files is simply not affected. See docs/benchmarks.md.
 */
import Module from "node:module";
import * as path from "node:path";

interface LoaderInternals {
  _load(request: string, parent: { filename?: string | null } | null | undefined, isMain: boolean): unknown;
}

interface LazyRequire {
  /** The requiring files, from the folder of their package's scope (`@pulumi/pulumi/index.js`). */
  from: readonly string[];
  request: string;
  /**
   * Say `__esModule` without loading: the requirer reads the module through `__importStar`, which
   * would otherwise copy every export at once (the real module is CommonJS, or says it itself).
   */
  esModule: boolean;
}

const LAZY: readonly LazyRequire[] = [
  // Closure serialization.
  {
    from: ["@pulumi/pulumi/runtime/closure/parseFunction.js"],
    request: "../../typescript-shim",
    esModule: false,
  },
  { from: ["@pulumi/pulumi/runtime/closure/codePaths.js"], request: "@npmcli/arborist", esModule: true },
  // gRPC: the runtime's own uses, and the parts of the SDKs that serve or drive the engine (the
  // Automation API, the provider and policy pack servers), which load it as they load.
  {
    from: [
      "@pulumi/pulumi/errors.js",
      "@pulumi/pulumi/runtime/settings.js",
      "@pulumi/pulumi/runtime/callbacks.js",
      "@pulumi/pulumi/runtime/resource.js",
      "@pulumi/pulumi/runtime/invoke.js",
    ],
    request: "@grpc/grpc-js",
    esModule: true,
  },
  { from: ["@pulumi/pulumi/runtime/settings.js"], request: "../proto/engine_grpc_pb", esModule: true },
  { from: ["@pulumi/pulumi/runtime/settings.js"], request: "../proto/resource_grpc_pb", esModule: true },
  { from: ["@pulumi/pulumi/runtime/callbacks.js"], request: "../proto/callback_grpc_pb", esModule: true },
  { from: ["@pulumi/pulumi/index.js"], request: "./automation", esModule: true },
  { from: ["@pulumi/pulumi/index.js"], request: "./provider", esModule: true },
  { from: ["@pulumi/policy/policy.js"], request: "./server", esModule: true },
].map((l) => ({ ...l, from: l.from.map((f) => path.sep + path.join(...f.split("/"))) }));

const SCOPE = `${path.sep}@pulumi${path.sep}`;

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
export function deferUnusedSdkModules(): void {
  if (installed) return;
  installed = true;
  const loader = Module as unknown as LoaderInternals;
  const original = loader._load.bind(Module);
  loader._load = (request, parent, isMain) => {
    const filename = parent?.filename ?? "";
    if (filename.includes(SCOPE)) {
      const lazy = LAZY.find((l) => l.request === request && l.from.some((from) => filename.endsWith(from)));
      if (lazy) return standIn(() => original(request, parent, isMain) as object, lazy.esModule);
    }
    return original(request, parent, isMain);
  };
}

deferUnusedSdkModules();
