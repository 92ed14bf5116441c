/**
 * `runPlan` as `pulumi-mlops/plan` publishes it: the engine's run plus the policy pack, so a
 * library user gets the same plan the CLI writes (violations, policy environment, exemptions).
 */
import { normaliseConfig, runPlan as runEngine, type RunPlanOptions as EngineOptions } from "./engine";
import { applyPolicyCheck } from "./policies";
import type { Plan } from "./types";

export interface RunPlanOptions extends EngineOptions {
  /**
   * Run the policy pack over the plan, as the CLI does (`--no-policies` is `false`).
   * @default true
   */
  policies?: boolean;
  /**
   * Policy pack configuration: what the CLI's `--policy-pack-config` file holds (the pack's keys
   * and/or `all` / `<rule>` entries). Without an `environment`, the stack config's
   * `<project>:environment` applies, else prod. Invalid config throws `UsageError`.
   * @default {}
   */
  policyPackConfig?: Record<string, unknown>;
}

/**
 * Runs `options.program` under Pulumi's mock runtime and returns the plan the CLI would write for
 * it: every registered resource, stack outputs, warnings and, unless `policies: false`, the
 * policy pack's violations, the policy environment and the applied exemptions. Runs are
 * sequential (the mock runtime is process-global).
 */
export async function runPlan(options: RunPlanOptions): Promise<Plan> {
  const { policies = true, policyPackConfig, ...engine } = options;
  const project = engine.project ?? "project";
  const plan = await runEngine(engine);
  return applyPolicyCheck(plan, {
    enabled: policies,
    packConfig: policyPackConfig,
    stackConfig: normaliseConfig(engine.config ?? {}, project),
    projectName: project,
  });
}
