import type pg from 'pg';
import { decodeCursor } from './cursor';
import { page, type Page } from './flow-records.queries';
import { Where } from './query-builder';
import { streamQuery, type RowStream } from './stream-query';

export interface InsightFilter {
  from: Date;
  to: Date;
  eventName?: string;
  insightType?: string;
  state?: string;
  sharedEventId?: string;
  limit: number;
  cursor?: string;
}

export type InsightRow = Record<string, unknown> & { event_time: Date };

/** Read side of `cloudtrail_insights`. */
export class CloudTrailInsightsQueries {
  constructor(private readonly pool: pg.Pool) {}

  async list(f: InsightFilter): Promise<Page<InsightRow>> {
    const { sql, w } = this.select(f);
    const { rows } = await this.pool.query<InsightRow>(`${sql} LIMIT ${w.param(f.limit + 1)}`, w.params);
    return page(rows, f.limit, (r) => [
      r.event_time.toISOString(),
      r['source_bucket'] as string,
      r['source_key'] as string,
      Number(r['record_index']),
    ]);
  }

  /** Every matching row, in page order (from `cursor` when given), through a server-side cursor. */
  async stream(f: Omit<InsightFilter, 'limit'>): Promise<RowStream> {
    const { sql, w } = this.select(f);
    return streamQuery(this.pool, sql, w.params);
  }

  private select(f: Omit<InsightFilter, 'limit'>): { sql: string; w: Where } {
    const w = new Where()
      .add('event_time >= ?', f.from)
      .add('event_time < ?', f.to)
      .add('event_name = ?', f.eventName)
      .add('insight_type = ?', f.insightType)
      .add('state = ?', f.state)
      .add('shared_event_id = ?', f.sharedEventId);
    if (f.cursor) {
      const [t, b, k, i] = decodeCursor(f.cursor, ['string', 'string', 'string', 'number']);
      w.addMany('(event_time, source_bucket, source_key, record_index) > (?1::timestamptz, ?2, ?3, ?4)', [
        t,
        b,
        k,
        i,
      ]);
    }
    return {
      sql: `SELECT * FROM cloudtrail_insights ${w.sql()} ORDER BY event_time, source_bucket, source_key, record_index`,
      w,
    };
  }
}
