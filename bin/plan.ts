#!/usr/bin/env node
/** Entry point of `npm run plan` / `mlops-plan`: see plan/cli.ts for flags and exit codes. */
import { invokedAs, main } from "../plan/cli";

// `mlops-plan ... | head` closes stdout early: that is not an error of the plan.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
  throw err;
});

main(process.argv.slice(2), undefined, invokedAs(process.argv[1], process.env)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
