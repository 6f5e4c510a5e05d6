import { isUtf8 } from 'node:buffer';
import type pg from 'pg';
import { decodeCursor } from './cursor';
import { page, type Page } from './flow-records.queries';
import { Where } from './query-builder';
import { streamQuery, type RowStream } from './stream-query';

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
export class DeadLettersQueries {
  constructor(private readonly pool: pg.Pool) {}

  async list(f: DeadLetterFilter): Promise<Page<DeadLetterRow>> {
    const { sql, w } = this.select(f);
    const { rows } = await this.pool.query<StoredRow>(`${sql} LIMIT ${w.param(f.limit + 1)}`, w.params);
    return page(rows.map(withPayloadText), f.limit, (r) => [Number(r.id)]);
  }

  /** Every matching row, in page order (from `cursor` when given), through a server-side cursor. */
  async stream(f: Omit<DeadLetterFilter, 'limit'>): Promise<RowStream> {
    const { sql, w } = this.select(f);
    return streamQuery(this.pool, sql, w.params, {
      columns: OUTPUT_COLUMNS,
      map: (row) => withPayloadText(row as StoredRow),
    });
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

  private select(f: Omit<DeadLetterFilter, 'limit'>): { sql: string; w: Where } {
    const w = new Where()
      .add('occurred_at >= ?', f.from)
      .add('occurred_at < ?', f.to)
      .add('service = ?', f.service)
      .add('reason = ?', f.reason)
      .add('key = ?', f.key);
    if (f.cursor) {
      const [id] = decodeCursor(f.cursor, ['number']);
      w.add('id > ?', id);
    }
    return { sql: `SELECT ${STORED_COLUMNS.join(', ')} FROM dead_letters ${w.sql()} ORDER BY id`, w };
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
