export type AddressClass =
  | 'private'
  | 'public'
  | 'loopback'
  | 'link-local'
  | 'multicast'
  | 'carrier-grade-nat'
  | 'unspecified'
  | 'reserved'
  | 'documentation'
  | 'unique-local'
  | 'broadcast';

/** Dotted IPv4 to a 32-bit number; NaN when it is not one. */
function ipv4(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) {
    return Number.NaN;
  }
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (p.length === 0 || !Number.isInteger(v) || v < 0 || v > 255) {
      return Number.NaN;
    }
    n = n * 256 + v;
  }
  return n;
}

const inRange = (n: number, base: number, bits: number): boolean =>
  Math.floor(n / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits));

/** RFC 1918, RFC 6598, RFC 5737, RFC 5735/6890 special-purpose blocks. */
function classifyV4(n: number): AddressClass {
  if (inRange(n, 0x0a000000, 8) || inRange(n, 0xac100000, 12) || inRange(n, 0xc0a80000, 16)) {
    return 'private';
  }
  if (inRange(n, 0x7f000000, 8)) {
    return 'loopback';
  }
  if (inRange(n, 0xa9fe0000, 16)) {
    return 'link-local';
  }
  if (inRange(n, 0x64400000, 10)) {
    return 'carrier-grade-nat';
  }
  if (inRange(n, 0xe0000000, 4)) {
    return 'multicast';
  }
  if (n === 0xffffffff) {
    return 'broadcast';
  }
  if (inRange(n, 0xf0000000, 4)) {
    return 'reserved';
  }
  if (inRange(n, 0x00000000, 8)) {
    return 'unspecified';
  }
  if (inRange(n, 0xc0000200, 24) || inRange(n, 0xc6336400, 24) || inRange(n, 0xcb007100, 24)) {
    return 'documentation';
  }
  return 'public';
}

/** RFC 4291 / 4193 / 3849 prefixes, from the first two 16-bit groups. */
function classifyV6(ip: string): AddressClass | null {
  const lower = ip.toLowerCase();
  if (lower === '::1') {
    return 'loopback';
  }
  if (lower === '::') {
    return 'unspecified';
  }
  if (lower.startsWith('::ffff:') && lower.includes('.')) {
    const n = ipv4(lower.slice(7));
    return Number.isNaN(n) ? null : classifyV4(n);
  }
  const colon = lower.indexOf(':');
  if (colon < 0) {
    return null;
  }
  const first = colon === 0 ? 0 : parseInt(lower.slice(0, colon), 16);
  if (Number.isNaN(first)) {
    return null;
  }
  if ((first & 0xffc0) === 0xfe80) {
    return 'link-local';
  }
  if ((first & 0xfe00) === 0xfc00) {
    return 'unique-local';
  }
  if ((first & 0xff00) === 0xff00) {
    return 'multicast';
  }
  if (first === 0x2001) {
    const next = lower.indexOf(':', colon + 1);
    const second = lower.slice(colon + 1, next < 0 ? undefined : next);
    if (second === 'db8' || second === '0db8') {
      return 'documentation';
    }
  }
  return 'public';
}

/** The kind of address: private (RFC 1918 / unique-local), public, loopback, link-local, … */
export function addressClass(ip: string | null): AddressClass | null {
  if (ip === null || ip.length === 0) {
    return null;
  }
  if (ip.includes(':')) {
    return classifyV6(ip);
  }
  const n = ipv4(ip);
  return Number.isNaN(n) ? null : classifyV4(n);
}
