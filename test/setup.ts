/**
 * Setup for every test file (vitest `setupFiles`; with `isolate: false` it runs once per file in a
 * shared worker, so it installs itself once).
 *
 * Pulumi's SDK reads `new Error().stack` for every promise it creates (`debuggablePromise`: the
 * trace is printed only when a program leaves promises pending) and for every resource
 * (`Resource.callsites`, with no stack depth limit: a source position the mock monitor ignores).
 * Under vitest, reading `.stack` runs vitest's source-map interceptor over every frame, which was
 * about a quarter of a plan's CPU. Those two captures get V8's plain format instead; every other
 * stack (a failed assertion, an error a test matches, a program's error location) is formatted,
 * and source-mapped, as before.
 */
const PULUMI_STACK_CAPTURES = new Set(["debuggablePromise", "callsites"]);

type PrepareStackTrace = (err: Error, stack: NodeJS.CallSite[]) => unknown;
const UNMAPPED = Symbol.for("pulumi-mlops.test.unmappedPulumiStacks");
const marked = (f: unknown): boolean => typeof f === "function" && UNMAPPED in f;

// eslint-disable-next-line @typescript-eslint/unbound-method -- V8 calls it without `this` too
const mapped: PrepareStackTrace | undefined = Error.prepareStackTrace;
if (mapped && !marked(mapped)) {
  const prepare: PrepareStackTrace = (err, stack) => {
    const top = stack[0]?.getFunctionName();
    if (top && PULUMI_STACK_CAPTURES.has(top)) {
      // A CallSite's toString() is V8's own frame format (`fn (file:line:column)`).
      const frames = stack.map((frame) => `\n    at ${(frame as { toString(): string }).toString()}`);
      return Error.prototype.toString.call(err) + frames.join("");
    }
    return mapped(err, stack);
  };
  Error.prepareStackTrace = Object.assign(prepare, { [UNMAPPED]: true });
}
