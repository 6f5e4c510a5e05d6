import type pg from 'pg';
import { EVENT_KEY } from './cloudtrail-events.queries';
import {
  CLOUDTRAIL_INSIGHT_COLUMNS,
  cloudTrailInsightRecord,
  type CloudTrailRecord,
} from './cloudtrail-records';
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

/** An Insights event as CloudTrail writes it, plus `lake` (cloudtrail-records.ts). */
export type InsightRow = CloudTrailRecord;

/** Read side of `cloudtrail_insights`: Insights events in CloudTrail's shape and names. */
export class CloudTrailInsightsQueries extends KeysetQueries<Omit<InsightFilter, 'limit'>, InsightRow> {
  constructor(pool: pg.Pool) {
    super(
      new KeysetList(pool, 'cloudtrail_insights', EVENT_KEY, {
        map: cloudTrailInsightRecord,
        columns: [...CLOUDTRAIL_INSIGHT_COLUMNS],
      }),
    );
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
