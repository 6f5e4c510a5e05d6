import type { DigestCheck } from '@lake/schemas';
import type pg from 'pg';
import { BulkInsert } from './bulk-insert';
import { decodeCursor } from './cursor';
import { page, type Page } from './flow-records.queries';
import { Where } from './query-builder';
import { streamQuery, type RowStream } from './stream-query';

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

/** Read side of `digest_checks`, newest digest first. */
export class DigestChecksQueries {
  constructor(private readonly pool: pg.Pool) {}

  async list(f: DigestCheckFilter): Promise<Page<DigestCheckRow>> {
    const { sql, w } = this.select(f);
    const { rows } = await this.pool.query<DigestCheckRow>(`${sql} LIMIT ${w.param(f.limit + 1)}`, w.params);
    return page(rows, f.limit, (r) => [
      r['digest_bucket'] as string,
      r['digest_key'] as string,
      r['log_file_bucket'] as string,
      r['log_file_key'] as string,
    ]);
  }

  /** Every matching row, in page order (from `cursor` when given), through a server-side cursor. */
  async stream(f: Omit<DigestCheckFilter, 'limit'>): Promise<RowStream> {
    const { sql, w } = this.select(f);
    return streamQuery(this.pool, sql, w.params);
  }

  private select(f: Omit<DigestCheckFilter, 'limit'>): { sql: string; w: Where } {
    const w = new Where()
      .add('status = ?', f.status)
      .add('item = ?', f.item)
      .add('digest_key = ?', f.digestKey);
    if (f.cursor) {
      const [b, k, lb, lk] = decodeCursor(f.cursor, ['string', 'string', 'string', 'string']);
      w.addMany('(digest_bucket, digest_key, log_file_bucket, log_file_key) > (?1, ?2, ?3, ?4)', [
        b,
        k,
        lb,
        lk,
      ]);
    }
    return {
      sql: `SELECT * FROM digest_checks ${w.sql()} ORDER BY digest_bucket, digest_key, log_file_bucket, log_file_key`,
      w,
    };
  }
}
