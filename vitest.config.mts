import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Pulumi's mock runtime is process-global state: each test file runs in its own fork,
    // and tests inside a file run sequentially.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
