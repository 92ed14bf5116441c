/**
 * Pulumi's Node.js SDK records a stack trace on every promise it tracks
 * (`debuggablePromise` in @pulumi/pulumi/runtime/debuggable.js: `new Error().stack`), about twenty
 * per resource, only to print them when `PULUMI_DEBUG_PROMISE_LEAKS` is set. Reading `.stack`
 * formats the trace at once, and under tsx (source maps on) every frame is translated through the
 * source maps: in the offline plan that was the largest single cost per resource (docs/benchmarks.md).
 *
 * While a plan runs, {@link quietPromiseStacks} makes those captures empty (`Error.stackTraceLimit`
 * 0 for the duration of the SDK's own call). Errors the program throws, and the SDK's other
 * captures, keep their full, source-mapped stacks. With `PULUMI_DEBUG_PROMISE_LEAKS` set, or an SDK
 * without that function, nothing changes.
 */

type PromiseTracker = (p: Promise<unknown>, ctx: unknown) => Promise<unknown>;

interface DebuggableModule {
  debuggablePromise?: PromiseTracker;
}

/** The SDK's module (the copy this package resolves, the one the plan runs). */
function debuggableModule(): DebuggableModule | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an SDK-internal module
    return require("@pulumi/pulumi/runtime/debuggable") as DebuggableModule;
  } catch {
    return undefined;
  }
}

/** Turns the SDK's per-promise stack captures off; returns the function that turns them back on. */
export function quietPromiseStacks(): () => void {
  const mod = debuggableModule();
  const original = mod?.debuggablePromise;
  if (!mod || typeof original !== "function" || process.env["PULUMI_DEBUG_PROMISE_LEAKS"]) {
    return () => undefined;
  }
  const quiet: PromiseTracker = (p, ctx) => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return original(p, ctx);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
  mod.debuggablePromise = quiet;
  return () => {
    if (mod.debuggablePromise === quiet) mod.debuggablePromise = original;
  };
}
