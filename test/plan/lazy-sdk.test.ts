/**
 * What a cold plan loads: the SDK roots of AWS and GCP stay unloaded (components and the pack import
 * the services they use: components/shared/aws-sdk.ts, policies/rules/aws-sdk.ts), and so does gRPC,
 * which plan/lazy-sdk.ts defers until something reads it. In a process of its own, as users run a plan.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { expect, it } from "vitest";

it("a cold plan of the local stack loads neither the AWS/GCP SDK roots nor gRPC; a deferred module loads when read", () => {
  const root = path.join(__dirname, "..", "..");
  const result = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "lazy-sdk-probe.ts")], {
    encoding: "utf8",
    cwd: root,
  });
  expect(result.status, result.stderr).toBe(0);
  expect(JSON.parse(result.stdout.trim().split("\n").pop() ?? "")).toEqual({
    exitCode: 0,
    afterPlan: { awsRoot: false, gcpRoot: false, awsS3: true, grpc: false, automation: false },
    localWorkspace: "function",
    grpcAfterUse: true,
  });
});
