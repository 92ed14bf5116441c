/** Public API of the offline plan: run any Pulumi program under mocks and inspect its resources. */
export { runPlan, type RunPlanOptions } from "./library";
export { ProgramError } from "./engine";
export type {
  Plan,
  PlanResource,
  PolicyEnvironment,
  PolicyEnvironmentSource,
  PolicyExemption,
  PolicyViolation,
} from "./types";
export type { InvokeAnswers } from "./mocks";
export { programFromFile, findProject, readStackConfig, UsageError } from "./program";
export { main as runCli, EXIT_OK, EXIT_PROGRAM_ERROR, EXIT_USAGE, EXIT_MANDATORY_VIOLATIONS } from "./cli";
