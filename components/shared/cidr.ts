/**
 * IPv4 CIDRs: one parser, one type and one set of range checks for every component and adapter
 * (the VPC and subnet plan on AWS, the GKE ranges, the private services access range, authorized
 * networks, NetworkPolicy `ipBlock`s).
 */

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** An IPv4 CIDR as a 32-bit address (unsigned, host bits as given) and a prefix length. */
export interface Ipv4Cidr {
  address: number;
  prefix: number;
}

/** Parses "a.b.c.d/p"; `undefined` when it is not an IPv4 CIDR (octet above 255, prefix above 32). */
export function parseIpv4Cidr(cidr: string): Ipv4Cidr | undefined {
  const m = IPV4_CIDR.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  return { address: octets.reduce((acc, o) => acc * 256 + o, 0), prefix };
}

/** Number of addresses in the CIDR. */
export function cidrSize(c: Ipv4Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** True when the CIDR has no host bits set ("10.0.0.0/16", not "10.0.1.0/16"). */
export function isNetworkAddress(c: Ipv4Cidr): boolean {
  return c.address % cidrSize(c) === 0;
}

/** Whether two network CIDRs share any address. */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.address < b.address + cidrSize(b) && b.address < a.address + cidrSize(a);
}

/** Formats a parsed CIDR. */
export function formatIpv4Cidr(c: Ipv4Cidr): string {
  const a = c.address;
  return `${Math.floor(a / 2 ** 24) % 256}.${Math.floor(a / 2 ** 16) % 256}.${Math.floor(a / 2 ** 8) % 256}.${a % 256}/${c.prefix}`;
}

/** The `index`-th subnet of `base` with `newBits` more prefix bits (Terraform's `cidrsubnet`). */
export function cidrSubnet(base: Ipv4Cidr, newBits: number, index: number): Ipv4Cidr {
  const prefix = base.prefix + newBits;
  if (prefix > 32 || index < 0 || index >= 2 ** newBits) {
    throw new Error(`cidrSubnet: ${formatIpv4Cidr(base)} has no subnet ${index} of /${prefix}`);
  }
  return { address: base.address + index * 2 ** (32 - prefix), prefix };
}

/** What a CIDR field accepts. */
export interface CidrRule {
  /** Shortest prefix (largest range) accepted. @default 0 */
  minPrefix?: number;
  /** Longest prefix (smallest range) accepted. @default 32 */
  maxPrefix?: number;
  /** An accepted value, for the message. */
  example: string;
  /** Why the prefix range is what it is, appended to that message (e.g. the provider's rule). */
  reason?: string;
}

/**
 * What is wrong with `value` as a network CIDR (IPv4, host bits zero) within `rule`'s prefix range,
 * or `undefined` when nothing is. The one wording every CIDR field reports.
 */
export function cidrProblem(value: string, rule: CidrRule): string | undefined {
  const { minPrefix = 0, maxPrefix = 32 } = rule;
  const m = IPV4_CIDR.exec(value);
  if (!m) return `"${value}" is not an IPv4 CIDR such as "${rule.example}"`;
  if (m.slice(1, 5).some((o) => Number(o) > 255)) return `"${value}" has an octet above 255`;
  const c = parseIpv4Cidr(value);
  if (!c) return `"${value}" has a prefix above /32`;
  if (c.prefix < minPrefix || c.prefix > maxPrefix) {
    const range =
      minPrefix === maxPrefix
        ? `must be a /${minPrefix}`
        : maxPrefix === 32
          ? `must have a prefix of /${minPrefix} or longer`
          : `must have a prefix length from /${minPrefix} to /${maxPrefix}`;
    return `"${value}" ${range}${rule.reason ? ` (${rule.reason})` : ""}`;
  }
  if (!isNetworkAddress(c))
    return `"${value}" is not a network address (host bits must be zero for /${c.prefix})`;
  return undefined;
}
