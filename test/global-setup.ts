/**
 * Vitest global setup (runs once per `vitest run`, in the main process): a fresh cache directory
 * for the run's shipped-stack plans (test/shipped-stacks.ts), removed when the run ends.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { TestProject } from "vitest/node";

export default function setup(project: TestProject): () => void {
  const parent = path.join(__dirname, "..", ".tmp");
  fs.mkdirSync(parent, { recursive: true });
  const dir = fs.mkdtempSync(path.join(parent, "plan-cache-"));
  project.provide("planCacheDir", dir);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
