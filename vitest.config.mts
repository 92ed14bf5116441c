import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each worker (a fork) runs test file after test file without restarting: the Pulumi SDKs, the
    // components and the compiled schema validators load once per worker instead of once per file.
    // Pulumi's mock runtime is process-global state: files in a worker run one after the other,
    // tests inside a file run sequentially, and plan/engine.ts queues runs.
    pool: "forks",
    isolate: false,
    // Cheap stack captures for Pulumi's SDK (see the file).
    setupFiles: ["./test/setup.ts"],
    // A cache directory for the run's shipped-stack plans (test/shipped-stacks.ts).
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
