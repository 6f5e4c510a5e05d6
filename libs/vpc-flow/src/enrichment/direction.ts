import type { AddressClass } from './address-class';

export type Direction = 'ingress' | 'egress' | 'internal' | 'external';

const INSIDE = new Set<AddressClass>([
  'private',
  'unique-local',
  'carrier-grade-nat',
  'link-local',
  'loopback',
]);

/**
 * A guess of the flow's direction from the address classes, used only when the record has no
 * flow-direction field (before v5): inside → inside is internal, inside → outside egress,
 * outside → inside ingress, outside → outside external (e.g. public IPs on both sides through an
 * internet gateway). "Inside" means an address that is not routed on the internet.
 */
export function guessDirection(src: AddressClass | null, dst: AddressClass | null): Direction | null {
  if (src === null || dst === null) {
    return null;
  }
  const srcIn = INSIDE.has(src);
  const dstIn = INSIDE.has(dst);
  if (srcIn && dstIn) {
    return 'internal';
  }
  if (srcIn) {
    return 'egress';
  }
  return dstIn ? 'ingress' : 'external';
}
