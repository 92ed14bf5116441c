/**
 * `pulumi preview --policy-pack policies` loads the pack's folder (package.json `main`: entry.js,
 * which loads index.ts in a checkout) the way Pulumi's Node.js host loads a TypeScript program:
 * through the ts-node 7 vendored in @pulumi/pulumi, with the pack's tsconfig.json and TypeScript, type-checking as it compiles. The pack must compile that way and
 * start its analyzer gRPC server (which prints its port on stdout, for the Pulumi CLI to connect).
 * This runs in a child process: constructing a second PolicyPack in a process exits it.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const packDir = path.join(__dirname, "..", "..", "policies");

describe("the policy pack as the Pulumi CLI runs it", () => {
  it("compiles under Pulumi's vendored ts-node and serves the analyzer on loopback", async () => {
    const script = `
      const path = require("path");
      const tsnode = require(require.resolve("@pulumi/pulumi/vendor/ts-node@7.0.1", { paths: [process.cwd()] }));
      tsnode.register({
        compiler: require.resolve("typescript", { paths: [process.cwd()] }),
        project: "tsconfig.json",
        skipProject: false,
        compilerOptions: {},
      });
      // As the CLI does: the pack's folder, whose package.json main (entry.js) loads index.ts here.
      require(process.cwd());
    `;
    const child = spawn(process.execPath, ["-e", script], {
      cwd: packDir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        const line = stdout.split("\n")[0]!.trim();
        if (/^\d+$/.test(line) && stdout.includes("\n")) resolve(line);
      });
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("exit", (code) => reject(new Error(`pack exited ${code}:\n${stderr}${stdout}`)));
    }).finally(() => child.kill());
    expect(Number(port)).toBeGreaterThan(0);
  }, 180_000);
});
