import { isUtf8 } from 'node:buffer';
import type pg from 'pg';
import { KeysetList, KeysetQueries } from './keyset-list';
import { Where } from './query-builder';

export interface DeadLetterFilter {
  from: Date;
  to: Date;
  service?: string;
  reason?: string;
  key?: string;
  limit: number;
  cursor?: string;
}

export type DeadLetterRow = Record<string, unknown> & {
  id: number;
  service: string;
  bucket: string | null;
  key: string | null;
  position: number | null;
  reason: string;
  message: string;
  payload: string | null;
  payload_base64: string | null;
  payload_truncated: boolean;
  occurred_at: Date;
};

/** Read side of `dead_letters`. */
export class DeadLettersQueries extends KeysetQueries<Omit<DeadLetterFilter, 'limit'>, DeadLetterRow> {
  constructor(private readonly pool: pg.Pool) {
    super(
      new KeysetList(pool, 'dead_letters', [{ name: 'id', kind: 'int' }], {
        select: STORED_COLUMNS,
        map: (row) => withPayloadText(row as StoredRow),
        columns: OUTPUT_COLUMNS,
      }),
    );
  }

  /** Dead letters per service and reason in a time range, most first. */
  async counts(range: { from: Date; to: Date }): Promise<{ items: DeadLetterCount[] }> {
    const { rows } = await this.pool.query<DeadLetterCount>(
      `SELECT service, reason, count(*)::int AS count FROM dead_letters
       WHERE occurred_at >= $1 AND occurred_at < $2
       GROUP BY service, reason ORDER BY count DESC, service, reason`,
      [range.from, range.to],
    );
    return { items: rows };
  }

  protected where(f: Omit<DeadLetterFilter, 'limit'>): Where {
    return new Where()
      .add('occurred_at >= ?', f.from)
      .add('occurred_at < ?', f.to)
      .add('service = ?', f.service)
      .add('reason = ?', f.reason)
      .add('key = ?', f.key);
  }
}

const STORED_COLUMNS = [
  'id',
  'service',
  'bucket',
  'key',
  'position',
  'reason',
  'message',
  'payload',
  'payload_truncated',
  'occurred_at',
];
const OUTPUT_COLUMNS = [
  ...STORED_COLUMNS.slice(0, 7),
  'payload',
  'payload_base64',
  'payload_truncated',
  'occurred_at',
];

/** The original bytes as base64 (exact), and as text when they are valid UTF-8 (most are). */
function withPayloadText({ payload, ...rest }: StoredRow): DeadLetterRow {
  return {
    ...rest,
    payload: payload && isUtf8(payload) ? payload.toString('utf8') : null,
    payload_base64: payload ? payload.toString('base64') : null,
  } as DeadLetterRow;
}

export interface DeadLetterCount {
  service: string;
  reason: string;
  count: number;
}

type StoredRow = Record<string, unknown> & { id: number; payload: Buffer | null };
