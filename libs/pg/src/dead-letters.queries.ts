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
  payload_truncated: boolean;
  occurred_at: Date;
};

/** Read side of `dead_letters`; the payload is returned as text (it is mostly text; bytea kept as is). */
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
      `SELECT id, service, bucket, key, position, reason, message, ` +
      `convert_from(payload, 'UTF8') AS payload, payload_truncated, occurred_at ` +
      `FROM dead_letters ${w.sql()} ORDER BY id LIMIT ${w.param(f.limit + 1)}`;
    const { rows } = await this.pool.query<DeadLetterRow>(sql, w.params).catch(async (err: unknown) => {
      // convert_from fails on bytes that are not UTF-8: fall back to hex for this page.
      if ((err as { code?: string }).code !== '22021') {
        throw err;
      }
      return this.pool.query<DeadLetterRow>(
        sql.replace("convert_from(payload, 'UTF8')", "encode(payload, 'hex')"),
        w.params,
      );
    });
    return page(rows, f.limit, (r) => [Number(r.id)]);
  }
}
