import { isUtf8 } from 'node:buffer';
import type pg from 'pg';
import { decodeCursor } from './cursor';
import { page, type Page } from './flow-records.queries';
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
export class DeadLettersQueries {
  constructor(private readonly pool: pg.Pool) {}

  async list(f: DeadLetterFilter): Promise<Page<DeadLetterRow>> {
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
    const sql =
      `SELECT id, service, bucket, key, position, reason, message, payload, payload_truncated, occurred_at ` +
      `FROM dead_letters ${w.sql()} ORDER BY id LIMIT ${w.param(f.limit + 1)}`;
    const { rows } = await this.pool.query<StoredRow>(sql, w.params);
    // The original bytes as base64 (exact), and as text when they are valid UTF-8 (most are).
    const items = rows.map(
      ({ payload, ...rest }) =>
        ({
          ...rest,
          payload: payload && isUtf8(payload) ? payload.toString('utf8') : null,
          payload_base64: payload ? payload.toString('base64') : null,
        }) as DeadLetterRow,
    );
    return page(items, f.limit, (r) => [Number(r.id)]);
  }
}

type StoredRow = Record<string, unknown> & { id: number; payload: Buffer | null };
