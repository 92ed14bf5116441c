import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Files to hand to the workers before all others, in this order (paths from the repository root). */
const START_FIRST = ["test/package.test.ts"];

/**
 * Workers take the next file as they finish one, so a run ends when the longest file started last
 * ends. test/package.test.ts is a chain (pack, install, then the checks on the installed project)
 * longer than any other file: it starts first whatever vitest's duration cache holds (a fresh
 * clone has none, and vitest would order by file size), while the other workers run the rest.
 */
class StartLongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const i = START_FIRST.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
      return i < 0 ? START_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the other files keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each worker (a fork) runs test file after test file without restarting: the Pulumi SDKs, the
    // components and the compiled schema validators load once per worker instead of once per file.
    // Pulumi's mock runtime is process-global state: files in a worker run one after the other,
    // tests inside a file run sequentially, and plan/engine.ts queues runs.
    pool: "forks",
    isolate: false,
    // One worker per core. vitest's default leaves a core to its main process (cores - 1: one
    // worker on 2 cores), which here only collects results while the workers plan and compile.
    maxWorkers: availableParallelism(),
    sequence: { sequencer: StartLongestFirst },
    // Cheap stack captures for Pulumi's SDK (see the file).
    setupFiles: ["./test/setup.ts"],
    // A cache directory for the run's shipped-stack plans (test/shipped-stacks.ts).
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
