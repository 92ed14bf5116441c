import { createHash } from "node:crypto";

/** A short deterministic hash of `text` (hex). */
export function shortHash(text: string, length = 6): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * A DNS-1123 label (lowercase alphanumerics and "-", starting and ending alphanumeric) of at most
 * `max` characters made from `parts`; when too long it is truncated and a hash of the full name is
 * appended, so distinct inputs stay distinct and the result is stable across runs.
 */
export function dnsLabel(parts: string[], max = 63): string {
  const full = parts
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  if (full.length <= max) return full;
  const hash = shortHash(full);
  return `${full.slice(0, max - hash.length - 1).replace(/-$/, "")}-${hash}`;
}

/** Pattern of a DNS-1123 label, for validating names given by users. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
