/**
 * Pulumi's Node.js SDK tracks every promise it creates (`debuggablePromise` in
 * @pulumi/pulumi/runtime/debuggable.js), about eighty per resource (four per output property): it
 * records a stack trace (`new Error().stack`), a debug id and a label on the promise, adds it to a
 * set of leak candidates and chains `.then`/`.catch` to take it out again, all to print pending
 * promises when a program exits with some left (the trace only with `PULUMI_DEBUG_PROMISE_LEAKS`).
 * In the offline plan that was the largest single cost per resource: reading `.stack` formats the
 * trace at once, through the source maps under tsx; and the two extra promises, their closures and
 * the set entry are about a quarter of what a registration keeps alive until its response, so a
 * 5,000-resource plan peaked above 1 GiB (docs/benchmarks.md).
 *
 * While a plan runs, {@link untrackedPromises} makes that function return the promise it is given.
 * The plan loses nothing it uses: it never exits the process, it finds a registration left pending
 * by a failed value through the rejection itself (engine.ts), and nothing reads the labels. With
 * `PULUMI_DEBUG_PROMISE_LEAKS` set, or an SDK without that function, nothing changes.
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

/** Turns the SDK's promise tracking off; returns the function that turns it back on. */
export function untrackedPromises(): () => void {
  const mod = debuggableModule();
  const original = mod?.debuggablePromise;
  if (!mod || typeof original !== "function" || process.env["PULUMI_DEBUG_PROMISE_LEAKS"]) {
    return () => undefined;
  }
  const untracked: PromiseTracker = (p) => p;
  mod.debuggablePromise = untracked;
  return () => {
    if (mod.debuggablePromise === untracked) mod.debuggablePromise = original;
  };
}
