import type { AddressClass } from './address-class';

export type Direction = 'ingress' | 'egress' | 'internal' | 'external';

/** Which side of the network boundary an address class puts a host on; null: cannot tell. */
function side(c: AddressClass): 'inside' | 'outside' | null {
  switch (c) {
    // Not routed on the internet: the VPC / on-premises side.
    case 'private':
    case 'unique-local':
    case 'carrier-grade-nat': // 100.64/10, also usable as a VPC CIDR
    case 'link-local': // e.g. 169.254.169.253 (Amazon DNS), 169.254.169.123 (time sync)
    case 'loopback':
      return 'inside';
    // Internet-routed; documentation ranges stand in for public addresses in examples and tests.
    case 'public':
    case 'documentation':
      return 'outside';
    // No side of the boundary.
    case 'multicast':
    case 'broadcast':
    case 'unspecified':
    case 'reserved':
      return null;
  }
}

/**
 * A guess of the flow's direction from the classes of its two addresses, used only when the record
 * has no `flow-direction` field (format versions before 5, or custom formats without it). The rule:
 *
 *   inside  → inside   internal   (both private / unique-local / CGNAT / link-local / loopback)
 *   inside  → outside  egress     (private src, public dst)
 *   outside → inside   ingress    (public src, private dst)
 *   outside → outside  external   (public on both sides, e.g. an instance's public IP through an
 *                                  internet gateway as seen in some formats)
 *
 * null when either class is null or has no side (multicast, broadcast, unspecified, reserved).
 * It is a guess: NAT, public IPs inside VPCs and transit routing can all make it wrong.
 */
export function guessDirection(
  srcClass: AddressClass | null,
  dstClass: AddressClass | null,
): Direction | null {
  if (srcClass === null || dstClass === null) {
    return null;
  }
  const src = side(srcClass);
  const dst = side(dstClass);
  if (src === null || dst === null) {
    return null;
  }
  if (src === 'inside') {
    return dst === 'inside' ? 'internal' : 'egress';
  }
  return dst === 'inside' ? 'ingress' : 'external';
}
