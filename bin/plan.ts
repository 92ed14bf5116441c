#!/usr/bin/env node
/** Entry point of `npm run plan` / `mlops-plan`: see plan/cli.ts for flags and exit codes. */
import { main } from "../plan/cli";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
