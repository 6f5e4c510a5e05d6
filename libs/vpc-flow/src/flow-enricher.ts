// Imported from their modules, not the folder's index: a re-export is a getter call per use in
// CommonJS output, and these run for every record.
import { addressClass } from './enrichment/address-class';
import { guessDirection } from './enrichment/direction';
import { protocolName } from './enrichment/ip-protocols.table';
import { serviceName } from './enrichment/well-known-ports.table';

const DAY_MS = 86_400_000;

/**
 * Adds the derived fields to a decoded record (in place, once per record): protocol name,
 * duration, destination service, address classes, a direction guess where the record has no
 * flow-direction, and the UTC event date.
 */
export function enrich(r: Record<string, unknown>): void {
  const start = r['start'] as number | null;
  const end = r['end'] as number | null;
  const srcClass = addressClass(r['srcaddr'] as string | null);
  const dstClass = addressClass(r['dstaddr'] as string | null);
  r['protocol_name'] = protocolName(r['protocol'] as number | null);
  r['duration_seconds'] = start !== null && end !== null ? end - start : null;
  r['dstport_service'] = serviceName(r['dstport'] as number | null);
  r['srcaddr_class'] = srcClass;
  r['dstaddr_class'] = dstClass;
  r['direction_guess'] = r['flow_direction'] ? null : guessDirection(srcClass, dstClass);
  r['event_date'] = Math.floor((r['event_time'] as number) / DAY_MS);
}
