/**
 * Zod schemas of the fields several components share, so that a field means the same everywhere
 * and says the same when it is wrong. Component args schemas are built from these.
 * @internal
 */
import { z } from "zod";
import { cidrProblem, type CidrRule } from "./cidr";
import { DNS_LABEL } from "./names";
import { QUANTITY } from "./quantity";

/** A Kubernetes quantity (`components/shared/quantity.ts`): requests, limits, quotas.  @internal */
export const quantitySchema = z.string().regex(QUANTITY, {
  message: 'must be a Kubernetes quantity such as "500m", "2", "512Mi" or "64Gi"',
});

/** A DNS-1123 label of at most `max` characters (namespaces, object names, pool names).  @internal */
export function dnsLabelSchema(max = 63): z.ZodString {
  return z
    .string()
    .max(max, { message: `must be at most ${max} characters` })
    .regex(DNS_LABEL, { message: "must be a DNS-1123 label (lowercase letters, digits, '-')" });
}

/** An IPv4 network CIDR within `rule`'s prefix range (`cidrProblem` has the wording).  @internal */
export function cidrSchema(rule: CidrRule): z.ZodType<string, string> {
  return z.string().superRefine((value, ctx) => {
    const problem = cidrProblem(value, rule);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/**
 * A container image reference pinned to a tag other than `latest` or to a digest: an unpinned
 * image changes under a running deployment.  @internal
 */
export const pinnedImageSchema = z
  .string()
  .regex(/^[^\s:@]+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/, {
    message: "must be an image reference",
  })
  .refine((v) => /@sha256:|:[\w][\w.-]*$/.test(v) && !/:latest$/.test(v), {
    message: "must be pinned to a tag other than latest, or a digest",
  });

/** Tags (AWS) / labels (GCP, Kubernetes) as given by the user; each target sanitizes them.  @internal */
export const tagsSchema = z.record(z.string(), z.string());

/**
 * Container requests and limits (`ContainerResources`): all four, as Kubernetes quantities.
 * @internal zod schema: kept out of the published declarations (stripInternal).
 */
export const containerResourcesSchema = z
  .object({
    cpuRequest: quantitySchema,
    memoryRequest: quantitySchema,
    cpuLimit: quantitySchema,
    memoryLimit: quantitySchema,
  })
  .strict();

/**
 * Requests and limits a user may override one by one (a component's `resources` arg): any of the
 * four, each a Kubernetes quantity; the component's defaults fill the rest.
 * @internal zod schema: kept out of the published declarations (stripInternal).
 */
export const resourceOverridesSchema = containerResourcesSchema.partial();

/** A string that must not be empty (names, ids).  @internal */
export const nonEmptyStringSchema = z.string().min(1, { message: "must not be empty" });

/** Kubernetes labels or annotations: a map of strings.  @internal */
export const labelMapSchema = z.record(z.string(), z.string());
