import type pg from 'pg';
import { EVENT_KEY } from './cloudtrail-events.queries';
import { KeysetList, type Page } from './keyset-list';
import { Where } from './query-builder';
import type { RowStream } from './stream-query';

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
  private readonly rows: KeysetList<InsightRow>;

  constructor(pool: pg.Pool) {
    this.rows = new KeysetList(pool, 'cloudtrail_insights', EVENT_KEY);
  }

  async list(f: InsightFilter): Promise<Page<InsightRow>> {
    return this.rows.page(this.where(f), f.cursor, f.limit);
  }

  /** Every matching row, in page order (from `cursor` when given), through a server-side cursor. */
  async stream(f: Omit<InsightFilter, 'limit'>): Promise<RowStream> {
    return this.rows.stream(this.where(f), f.cursor);
  }

  private where(f: Omit<InsightFilter, 'limit'>): Where {
    return new Where()
      .add('event_time >= ?', f.from)
      .add('event_time < ?', f.to)
      .add('event_name = ?', f.eventName)
      .add('insight_type = ?', f.insightType)
      .add('state = ?', f.state)
      .add('shared_event_id = ?', f.sharedEventId);
  }
}
