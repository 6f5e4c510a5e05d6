import type { DigestCheck } from '@lake/schemas';
import type pg from 'pg';
import { BulkInsert } from './bulk-insert';
import { KeysetList, KeysetQueries } from './keyset-list';
import { Where } from './query-builder';

/** Writes digest verification results; idempotent on the digest and the log file. */
export class DigestChecksRepository {
  private readonly bulk = new BulkInsert<DigestCheck>(
    'digest_checks',
    [
      { name: 'digest_bucket', pgType: 'text', get: (c) => c.digestBucket },
      { name: 'digest_key', pgType: 'text', get: (c) => c.digestKey },
      { name: 'log_file_bucket', pgType: 'text', get: (c) => c.logFileBucket ?? '' },
      { name: 'log_file_key', pgType: 'text', get: (c) => c.logFileKey ?? '' },
      { name: 'item', pgType: 'text', get: (c) => c.item },
      { name: 'digest_start_time', pgType: 'timestamptz', get: (c) => c.digestStartTime },
      { name: 'digest_end_time', pgType: 'timestamptz', get: (c) => c.digestEndTime },
      { name: 'status', pgType: 'text', get: (c) => c.status },
      { name: 'chain_status', pgType: 'text', get: (c) => c.chainStatus },
      { name: 'signature_status', pgType: 'text', get: (c) => c.signatureStatus },
      { name: 'detail', pgType: 'text', get: (c) => c.detail },
      { name: 'checked_at', pgType: 'timestamptz', get: (c) => new Date(c.checkedAt) },
    ],
    ['digest_bucket', 'digest_key', 'log_file_bucket', 'log_file_key'],
  );

  insert(client: pg.ClientBase, checks: readonly DigestCheck[]): Promise<number> {
    return this.bulk.insert(client, checks);
  }
}

export interface DigestCheckFilter {
  status?: string;
  item?: string;
  digestKey?: string;
  limit: number;
  cursor?: string;
}

export type DigestCheckRow = Record<string, unknown>;

/** Read side of `digest_checks`, in digest key order (oldest digest first), log files in key order. */
export class DigestChecksQueries extends KeysetQueries<Omit<DigestCheckFilter, 'limit'>, DigestCheckRow> {
  constructor(pool: pg.Pool) {
    super(
      new KeysetList(pool, 'digest_checks', [
        { name: 'digest_bucket', kind: 'text' },
        { name: 'digest_key', kind: 'text' },
        { name: 'log_file_bucket', kind: 'text' },
        { name: 'log_file_key', kind: 'text' },
      ]),
    );
  }

  protected where(f: Omit<DigestCheckFilter, 'limit'>): Where {
    return new Where().add('status = ?', f.status).add('item = ?', f.item).add('digest_key = ?', f.digestKey);
  }
}
