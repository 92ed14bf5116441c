/**
 * What every target's key-value store shares: the Valkey / Redis OSS port and the generated AUTH
 * token / password.
 */
import type * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** The Valkey / Redis OSS port (the engines' default, and ElastiCache's). */
export const KEY_VALUE_PORT = 6379;

/**
 * Length of the generated password. ElastiCache accepts AUTH tokens of 16 to 128 printable
 * characters (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html); 64 alphanumerics
 * carry about 380 bits.
 */
export const KEY_VALUE_PASSWORD_LENGTH = 64;

/**
 * Inputs of the generated AUTH token / password. Letters and digits only (`special: false`):
 * - Feast splits its Redis connection string (`host:port,password=...,ssl=true`) on `,` and
 *   JSON-decodes each value, so the token must contain no `,` and must not be all digits (a
 *   digits-only token would decode to a number); `minUpper`/`minLower` guarantee letters;
 * - ElastiCache rejects `"`, `/`, `@` and spaces in an AUTH token (page above), and the token goes
 *   into `rediss://` URLs unescaped.
 */
export const KEY_VALUE_PASSWORD_INPUTS: random.RandomPasswordArgs = {
  length: KEY_VALUE_PASSWORD_LENGTH,
  special: false,
  upper: true,
  lower: true,
  numeric: true,
  minUpper: 4,
  minLower: 4,
};

/** Generates the AUTH token / password `name` (the provider stores its `result` as a secret). */
export function keyValuePassword(name: string, opts: pulumi.CustomResourceOptions): random.RandomPassword {
  return new random.RandomPassword(name, { ...KEY_VALUE_PASSWORD_INPUTS }, opts);
}

/**
 * True when `token` is usable in a Feast Redis connection string: no `,`, not all digits, and
 * not empty. The generated passwords always are (see `KEY_VALUE_PASSWORD_INPUTS`).
 */
export function isFeastSafeToken(token: string): boolean {
  return token.length > 0 && !token.includes(",") && !/^\d+$/.test(token);
}
