import type pg from 'pg';
import { decodeCursor, encodeCursor } from './cursor';
import { Where } from './query-builder';
import { streamQuery, type RowStream } from './stream-query';

export interface FlowFilter {
  from: Date;
  to: Date;
  /** Address or CIDR matched against either side / one side. */
  addr?: string;
  srcaddr?: string;
  dstaddr?: string;
  srcport?: number;
  dstport?: number;
  protocol?: number;
  action?: string;
  interfaceId?: string;
  accountId?: string;
  region?: string;
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type FlowRow = Record<string, unknown> & { event_time: Date };

const SORT = ['event_time', 'source_bucket', 'source_key', 'source_line'] as const;

/** Read side of `vpc_flow_records`. */
export class FlowRecordsQueries {
  /** @param table vpc_flow_records, or tgw_flow_records (the same filters apply but interface_id). */
  constructor(
    private readonly pool: pg.Pool,
    private readonly table: 'vpc_flow_records' | 'tgw_flow_records' = 'vpc_flow_records',
  ) {}

  async list(f: FlowFilter): Promise<Page<FlowRow>> {
    const { sql, w } = this.select(f);
    const { rows } = await this.pool.query<FlowRow>(`${sql} LIMIT ${w.param(f.limit + 1)}`, w.params);
    return page(rows, f.limit, (r) => [
      r.event_time.toISOString(),
      r['source_bucket'] as string,
      r['source_key'] as string,
      Number(r['source_line']),
    ]);
  }

  /** Every matching row, in page order (from `cursor` when given), through a server-side cursor. */
  async stream(f: Omit<FlowFilter, 'limit'>): Promise<RowStream> {
    const { sql, w } = this.select(f);
    return streamQuery(this.pool, sql, w.params);
  }

  private select(f: Omit<FlowFilter, 'limit'>): { sql: string; w: Where } {
    const w = new Where()
      .add('event_time >= ?', f.from)
      .add('event_time < ?', f.to)
      .add('srcaddr <<= ?::inet', f.srcaddr)
      .add('dstaddr <<= ?::inet', f.dstaddr)
      .add('srcport = ?', f.srcport)
      .add('dstport = ?', f.dstport)
      .add('protocol = ?', f.protocol)
      .add('action = ?', f.action)
      .add('interface_id = ?', f.interfaceId)
      .add('account_id = ?', f.accountId)
      .add('coalesce(region, key_region) = ?', f.region);
    if (f.addr) {
      w.addMany('(srcaddr <<= ?1::inet OR dstaddr <<= ?1::inet)', [f.addr]);
    }
    if (f.cursor) {
      const [t, b, k, l] = decodeCursor(f.cursor, ['string', 'string', 'string', 'number']);
      w.addMany('(event_time, source_bucket, source_key, source_line) > (?1::timestamptz, ?2, ?3, ?4)', [
        t,
        b,
        k,
        l,
      ]);
    }
    return { sql: `SELECT * FROM ${this.table} ${w.sql()} ORDER BY ${SORT.join(', ')}`, w };
  }
}

export function page<T>(rows: T[], limit: number, keyOf: (row: T) => (string | number)[]): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return { items, nextCursor: more && last ? encodeCursor(keyOf(last)) : null };
}
