/**
 * Pulumi's wire format for property values: special objects marked by a signature key stand for
 * secrets, unknowns, resource references, assets and archives. The plan shows them readably and
 * never shows a secret in clear.
 */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** What replaces a secret value in the plan. */
export const SECRET_MASK = "[secret]";
/** What replaces a value not known until deployment. */
export const UNKNOWN_MASK = "[unknown]";

/** A plain object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Unwraps one level of output/secret wrapping, reporting whether the value was secret. */
export function unwrapValue(value: unknown): { value: unknown; secret: boolean } {
  if (!isRecord(value)) return { value, secret: false };
  const sig = value[SIG_KEY];
  if (sig === SECRET_SIG) return { value: value["value"], secret: true };
  if (sig === OUTPUT_SIG) {
    return { value: "value" in value ? value["value"] : UNKNOWN, secret: value["secret"] === true };
  }
  return { value, secret: false };
}

/** Replaces secrets by "[secret]", unknowns by "[unknown]", resource references by their URN. */
export function maskValue(value: unknown): unknown {
  const { value: v, secret } = unwrapValue(value);
  if (secret) return SECRET_MASK;
  if (v === UNKNOWN) return UNKNOWN_MASK;
  if (Array.isArray(v)) return v.map(maskValue);
  if (!isRecord(v)) return v;
  const sig = v[SIG_KEY];
  if (sig === RESOURCE_SIG) return v["urn"];
  if (sig === ASSET_SIG || sig === ARCHIVE_SIG) {
    const { [SIG_KEY]: _sig, ...rest } = v;
    return { asset: sig === ASSET_SIG, ...(maskValue(rest) as Record<string, unknown>) };
  }
  return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, maskValue(item)]));
}
