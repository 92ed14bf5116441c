/**
 * Run by lazy-sdk.test.ts in a process of its own (module loading is per process): a cold plan of
 * the shipped local stack through the CLI, then which modules it loaded, as JSON on stdout.
 */
import * as path from "node:path";
import { main } from "../../plan/cli";

function loaded(id: string): boolean {
  return require.cache[require.resolve(id)] !== undefined;
}

function loadedUnder(folder: string): boolean {
  const marker = `${path.sep}node_modules${path.sep}${path.join(...folder.split("/"))}${path.sep}`;
  return Object.keys(require.cache).some((file) => file.includes(marker));
}

void (async () => {
  const exitCode = await main(["--stack", "local", "-q"], { out: () => undefined, err: () => undefined });
  const afterPlan = {
    awsRoot: loaded("@pulumi/aws"),
    gcpRoot: loaded("@pulumi/gcp"),
    awsS3: loaded("@pulumi/aws/s3"),
    grpc: loadedUnder("@grpc/grpc-js"),
    automation: loaded("@pulumi/pulumi/automation"),
  };
  // A deferred module still works: the first read loads it.
  const pulumi = await import("@pulumi/pulumi");
  const localWorkspace = typeof pulumi.automation.LocalWorkspace;
  const grpcAfterUse = loadedUnder("@grpc/grpc-js");
  // The last line (the program may log its own lines before it).
  process.stdout.write(`\n${JSON.stringify({ exitCode, afterPlan, localWorkspace, grpcAfterUse })}\n`);
})();
