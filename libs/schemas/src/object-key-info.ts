import type { ObjectKind } from './avro-schemas';

/** What an object's key says about it (filled by @lake/object-keys). */
export interface ObjectKeyInfo {
  kind: ObjectKind;
  accountId: string | null;
  region: string | null;
  /** AWS Organizations id of an organization trail (`o-…`). */
  organizationId: string | null;
  /** Flow-log id (`fl-…`) from a flow-log file name. */
  flowLogId: string | null;
  /** Delivery time from the file name, epoch ms. */
  deliveredAt: number | null;
  /** The part of the key before `AWSLogs/`, without the trailing slash. */
  prefix: string | null;
  compressed: boolean;
}
