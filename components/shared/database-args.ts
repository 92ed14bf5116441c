/**
 * The PostgreSQL settings every component with a database takes (the model registry's backend
 * store, the feature store's SQL registry): one field schema and one set of prod rules, so the two
 * components accept and refuse the same values with the same messages.
 */
import { z } from "zod";
import type { Problem, ProblemPath } from "./contract";
import { DatabaseSize } from "./presets";

/**
 * A component's PostgreSQL database (the registry's backend store, the feature store's SQL
 * registry). Defaults come from the environment preset (components/shared/presets.ts).
 */
export interface PostgresSettingsArgs {
  /** Size class; each cloud maps it to an instance type. @default "small" in dev, "medium" in staging/prod */
  size?: DatabaseSize;
  /** Storage in GiB (AWS autoscaling up to twice this). @default 20 in dev, 50 in staging, 100 in prod */
  storageGb?: number;
  /** Multi-AZ (AWS) / regional (GCP). @default true in prod, else false */
  highAvailability?: boolean;
  /** Refuse deletion of the instance. @default true in staging/prod, false in dev */
  deletionProtection?: boolean;
  /** Days of automated backups (1–35). @default 1 in dev, 7 in staging, 14 in prod */
  backupRetentionDays?: number;
  /** Point-in-time recovery. @default true in staging/prod, false in dev */
  pointInTimeRecovery?: boolean;
}

/**
 * Field schema of a component's database block (`size`, `storageGb`, `highAvailability`,
 * `deletionProtection`, `backupRetentionDays`, `pointInTimeRecovery`).
 * @internal zod schema: kept out of the published declarations (stripInternal).
 */
export const postgresSettingsSchema = z
  .object({
    size: z.enum([DatabaseSize.small, DatabaseSize.medium, DatabaseSize.large]).optional(),
    storageGb: z.number().int().min(20).max(65_536).optional(),
    highAvailability: z.boolean().optional(),
    deletionProtection: z.boolean().optional(),
    backupRetentionDays: z.number().int().min(1).max(35).optional(),
    pointInTimeRecovery: z.boolean().optional(),
  })
  .strict();

/**
 * What prod refuses in a database block at `path`: fewer than 7 days of backups, and turning off
 * deletion protection, point-in-time recovery or high availability.
 */
export function postgresProdProblems(
  database: z.output<typeof postgresSettingsSchema> | undefined,
  path: ProblemPath,
): Problem[] {
  const problems: Problem[] = [];
  if (database?.backupRetentionDays !== undefined && database.backupRetentionDays < 7) {
    problems.push({ path: [...path, "backupRetentionDays"], message: "must be at least 7 in prod" });
  }
  for (const key of ["deletionProtection", "pointInTimeRecovery", "highAvailability"] as const) {
    if (database?.[key] === false) {
      problems.push({ path: [...path, key], message: "must not be false in prod" });
    }
  }
  return problems;
}
