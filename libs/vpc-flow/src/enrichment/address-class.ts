import { isIP } from 'node:net';

/** Every address class. A class's index here is its number (classifyV4Index). */
export const ADDRESS_CLASSES = [
  'private',
  'public',
  'loopback',
  'link-local',
  'multicast',
  'carrier-grade-nat',
  'unspecified',
  'reserved',
  'documentation',
  'unique-local',
  'broadcast',
] as const;

export type AddressClass = (typeof ADDRESS_CLASSES)[number];

const index = (c: AddressClass): number => ADDRESS_CLASSES.indexOf(c);
const PRIVATE = index('private');
const PUBLIC = index('public');
const LOOPBACK = index('loopback');
const LINK_LOCAL = index('link-local');
const MULTICAST = index('multicast');
const CARRIER_GRADE_NAT = index('carrier-grade-nat');
const UNSPECIFIED = index('unspecified');
const RESERVED = index('reserved');
const DOCUMENTATION = index('documentation');
const BROADCAST = index('broadcast');

const DOT = 0x2e;
const COLON = 0x3a;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * Dotted-quad IPv4 in `s[from, to)` to an unsigned 32-bit number, or -1 when it is not one. Strict:
 * four decimal octets 0–255 without leading zeros (as `net.isIPv4`). No allocation.
 */
export function parseV4(s: string, from: number, to: number): number {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= ZERO && c <= NINE) {
      if (digits === 1 && octet === 0) {
        return -1; // leading zero
      }
      octet = octet * 10 + (c - ZERO);
      if (octet > 255) {
        return -1;
      }
      digits++;
    } else if (c === DOT) {
      if (digits === 0 || dots === 3) {
        return -1;
      }
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) {
    return -1;
  }
  return n * 256 + octet;
}

/** Top `bits` bits of `n` equal those of `base` (both unsigned 32-bit). */
function inPrefix(n: number, base: number, bits: number): boolean {
  const shift = 32 - bits;
  return n >>> shift === base >>> shift;
}

/**
 * IANA IPv4 special-purpose blocks (RFC 6890): RFC 1918 private, RFC 6598 shared address space
 * (carrier-grade NAT), RFC 3927 link-local, RFC 5737 documentation, RFC 5771 multicast, RFC 1112
 * reserved (240/4), RFC 919 limited broadcast; everything else is public.
 */
export function classifyV4(n: number): AddressClass {
  return ADDRESS_CLASSES[classifyV4Index(n)]!;
}

/**
 * classifyV4 as the class's index in ADDRESS_CLASSES: a number, which the flow line encoder uses
 * to index its tables of encoded classes without a string lookup per address.
 */
export function classifyV4Index(n: number): number {
  const a = n >>> 24;
  switch (a) {
    case 0:
      return UNSPECIFIED; // 0.0.0.0/8 "this network"
    case 10:
      return PRIVATE;
    case 127:
      return LOOPBACK;
    case 100:
      return inPrefix(n, 0x64400000, 10) ? CARRIER_GRADE_NAT : PUBLIC;
    case 169:
      return inPrefix(n, 0xa9fe0000, 16) ? LINK_LOCAL : PUBLIC;
    case 172:
      return inPrefix(n, 0xac100000, 12) ? PRIVATE : PUBLIC;
    case 192:
      if (inPrefix(n, 0xc0a80000, 16)) {
        return PRIVATE;
      }
      return inPrefix(n, 0xc0000200, 24) ? DOCUMENTATION : PUBLIC; // 192.0.2.0/24 TEST-NET-1
    case 198:
      return inPrefix(n, 0xc6336400, 24) ? DOCUMENTATION : PUBLIC; // 198.51.100.0/24 TEST-NET-2
    case 203:
      return inPrefix(n, 0xcb007100, 24) ? DOCUMENTATION : PUBLIC; // 203.0.113.0/24 TEST-NET-3
    default:
      if (a >= 224 && a <= 239) {
        return MULTICAST;
      }
      if (a >= 240) {
        return n === 0xffffffff ? BROADCAST : RESERVED;
      }
      return PUBLIC;
  }
}

/** Scratch for the eight 16-bit groups of an IPv6 address (single-threaded, reused per call). */
const groups = new Uint16Array(8);

function hexValue(c: number): number {
  if (c >= ZERO && c <= NINE) {
    return c - ZERO;
  }
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * Fills `groups` from an IPv6 address already accepted by `net.isIP` (so the syntax is known to be
 * valid): hex groups, one optional `::`, an optional trailing dotted IPv4, an optional `%zone`.
 * Returns false if anything is off.
 */
function parseV6(s: string): boolean {
  let end = s.indexOf('%');
  if (end < 0) {
    end = s.length;
  }
  groups.fill(0);
  let count = 0; // groups written
  let gap = -1; // index in groups where '::' sits
  let i = 0;
  if (s.charCodeAt(0) === COLON && s.charCodeAt(1) === COLON) {
    gap = 0;
    i = 2;
  }
  while (i < end) {
    // One group (hex) or a trailing dotted IPv4.
    let value = 0;
    let j = i;
    for (; j < end; j++) {
      const h = hexValue(s.charCodeAt(j));
      if (h < 0) {
        break;
      }
      value = value * 16 + h;
    }
    if (j < end && s.charCodeAt(j) === DOT) {
      const v4 = parseV4(s, i, end);
      if (v4 < 0 || count > 6) {
        return false;
      }
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    if (j === i || j - i > 4 || count > 7) {
      return false;
    }
    groups[count++] = value;
    if (j === end) {
      break;
    }
    if (s.charCodeAt(j) !== COLON) {
      return false;
    }
    if (s.charCodeAt(j + 1) === COLON) {
      if (gap >= 0) {
        return false;
      }
      gap = count;
      i = j + 2;
    } else {
      i = j + 1;
    }
  }
  if (gap >= 0) {
    if (count > 7) {
      return false;
    }
    // Shift the groups written after '::' to the end; the gap becomes zeros.
    const tail = count - gap;
    for (let k = 1; k <= tail; k++) {
      groups[8 - k] = groups[gap + tail - k]!;
    }
    groups.fill(0, gap, 8 - tail);
    return true;
  }
  return count === 8;
}

/**
 * IANA IPv6 special-purpose blocks: ::/128 unspecified, ::1/128 loopback, ::ffff:0:0/96 IPv4-mapped
 * (classified as its IPv4), fe80::/10 link-local, fc00::/7 unique-local (RFC 4193), ff00::/8
 * multicast, 2001:db8::/32 and 3fff::/20 documentation (RFC 3849, RFC 9637); everything else public.
 */
function classifyV6(): AddressClass {
  const g0 = groups[0]!;
  if (g0 === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0) {
    const g5 = groups[5]!;
    const g6 = groups[6]!;
    const g7 = groups[7]!;
    if (g5 === 0xffff) {
      return classifyV4(g6 * 0x10000 + g7);
    }
    if (g5 === 0 && g6 === 0) {
      if (g7 === 0) {
        return 'unspecified';
      }
      if (g7 === 1) {
        return 'loopback';
      }
    }
    return 'public';
  }
  if ((g0 & 0xffc0) === 0xfe80) {
    return 'link-local';
  }
  if ((g0 & 0xfe00) === 0xfc00) {
    return 'unique-local';
  }
  if ((g0 & 0xff00) === 0xff00) {
    return 'multicast';
  }
  if ((g0 === 0x2001 && groups[1] === 0x0db8) || (g0 & 0xfff0) === 0x3ff0) {
    return 'documentation';
  }
  return 'public';
}

/**
 * The kind of address (RFC 6890 special-purpose registries), for IPv4 and IPv6 text as found in
 * flow records; null for null, '-' and anything that is not an IP address. Allocation-free on the
 * IPv4 path, which is the common one.
 */
export function addressClass(ip: string | null): AddressClass | null {
  if (ip === null || ip.length < 2) {
    return null;
  }
  const n = parseV4(ip, 0, ip.length);
  if (n >= 0) {
    return classifyV4(n);
  }
  if (ip.indexOf(':') < 0 || isIP(ip) !== 6) {
    return null;
  }
  return addressClassV6(ip);
}

/** The class of an address `net.isIP` accepted as IPv6 (null if it cannot be read). */
export function addressClassV6(ip: string): AddressClass | null {
  return parseV6(ip) ? classifyV6() : null;
}
