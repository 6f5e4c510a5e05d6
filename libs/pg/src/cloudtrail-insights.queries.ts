import type pg from 'pg';
import { EVENT_KEY } from './cloudtrail-events.queries';
import { KeysetList, KeysetQueries } from './keyset-list';
import { Where } from './query-builder';

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
export class CloudTrailInsightsQueries extends KeysetQueries<Omit<InsightFilter, 'limit'>, InsightRow> {
  constructor(pool: pg.Pool) {
    super(new KeysetList(pool, 'cloudtrail_insights', EVENT_KEY));
  }

  protected where(f: Omit<InsightFilter, 'limit'>): Where {
    return new Where()
      .add('event_time >= ?', f.from)
      .add('event_time < ?', f.to)
      .add('event_name = ?', f.eventName)
      .add('insight_type = ?', f.insightType)
      .add('state = ?', f.state)
      .add('shared_event_id = ?', f.sharedEventId);
  }
}
