/**
 * Kubernetes resource quantities ("500m", "2", "1.5", "512Mi", "64Gi", "1G", "1e3"), one grammar for
 * every component. It is apimachinery's `resource.Quantity` grammar
 * (https://github.com/kubernetes/apimachinery/blob/master/pkg/api/resource/quantity.go):
 *
 *   <quantity> ::= <number><suffix>
 *   <suffix>   ::= <binarySI> | <decimalExponent> | <decimalSI>
 *   <binarySI> ::= Ki | Mi | Gi | Ti | Pi | Ei
 *   <decimalSI> ::= m | "" | k | M | G | T | P | E
 *   <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>
 *   <number>   ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
 *
 * without the sign: a request, limit or quota is never negative.
 */

/** Multipliers of the SI suffixes. */
const SUFFIX: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A non-negative Kubernetes quantity (see the module comment). */
export const QUANTITY = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/;

/** A Kubernetes quantity as a number of base units (cores, bytes). */
export function parseQuantity(q: string): number {
  const m = QUANTITY.exec(q);
  if (!m) throw new Error(`not a Kubernetes quantity: "${q}"`);
  const suffix = m[2] ?? "";
  const multiplier = /^[eE][+-]?[0-9]+$/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX[suffix]!;
  return Number(m[1]) * multiplier;
}

/** CPU cores as a quantity: whole cores as "N", else millicores "Nm". */
export function formatCpu(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Bytes as a quantity with the largest binary suffix that divides it, else plain bytes. */
export function formatMemory(bytes: number): string {
  const b = Math.round(bytes);
  for (const s of ["Pi", "Ti", "Gi", "Mi", "Ki"]) {
    const unit = SUFFIX[s]!;
    if (b % unit === 0) return `${b / unit}${s}`;
  }
  return String(b);
}
