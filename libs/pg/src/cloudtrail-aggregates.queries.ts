import type pg from 'pg';
import type { Answer } from './flow-analytics.queries';
import { Where } from './query-builder';
import { RollupSourcePicker, type SourceChoice } from './rollup-source';
import { CLOUDTRAIL_DIM_EXPR, CLOUDTRAIL_ROLLUPS, type CloudTrailDim } from './rollups';

export const CLOUDTRAIL_AGGREGATE_KEYS = [
  'principal',
  'source_ip',
  'event_name',
  'event_source',
  'error_code',
  'region',
] as const satisfies readonly CloudTrailDim[];
export type CloudTrailAggregateKey = (typeof CLOUDTRAIL_AGGREGATE_KEYS)[number];

export interface CloudTrailScope {
  from: Date;
  to: Date;
  eventName?: string;
  eventSource?: string;
  principal?: string;
  sourceIp?: string;
  region?: string;
  errorCode?: string;
  limit: number;
  source?: SourceChoice;
}

/** CloudTrail event and error counts by one dimension, from the coarsest exact rollup or raw rows. */
export class CloudTrailAggregatesQueries {
  private readonly picker: RollupSourcePicker;

  constructor(private readonly pool: pg.Pool) {
    this.picker = new RollupSourcePicker(pool);
  }

  async aggregate(
    s: CloudTrailScope,
    by: CloudTrailAggregateKey,
  ): Promise<Answer<{ key: string | null; events: number; errors: number }>> {
    const src = await this.picker.pick(CLOUDTRAIL_ROLLUPS, s.from, s.to, null, s.source);
    const raw = src === 'raw';
    const table = raw ? 'cloudtrail_events' : src.table;
    const dim = (d: CloudTrailDim) => (raw ? `r.${CLOUDTRAIL_DIM_EXPR[d]}` : `r.${d}`);
    const time = raw ? 'r.event_time' : 'r.bucket';
    const w = new Where()
      .add(`${time} >= ?`, s.from)
      .add(`${time} < ?`, s.to)
      .add(`${dim('event_name')} = ?`, s.eventName)
      .add(`${dim('event_source')} = ?`, s.eventSource)
      .add(`${dim('principal')} = ?`, s.principal)
      .add(`${dim('source_ip')} = ?`, s.sourceIp)
      .add(`${dim('region')} = ?`, s.region)
      .add(`${dim('error_code')} = ?`, s.errorCode);
    const measures = raw
      ? 'count(*)::int8 AS events, (count(*) FILTER (WHERE r.is_error))::int8 AS errors'
      : 'coalesce(sum(r.events), 0)::int8 AS events, coalesce(sum(r.errors), 0)::int8 AS errors';
    const sql =
      `SELECT ${dim(by)} AS key, ${measures} FROM ${table} r ${w.sql()} ` +
      `GROUP BY 1 ORDER BY events DESC, 1 NULLS LAST LIMIT ${w.param(s.limit)}`;
    const { rows } = await this.pool.query<{ key: string | null; events: number; errors: number }>(
      sql,
      w.params,
    );
    return { items: rows, source: table };
  }
}
