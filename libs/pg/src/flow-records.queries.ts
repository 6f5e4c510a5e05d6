import type pg from 'pg';
import { KeysetList, type Page } from './keyset-list';
import { Where } from './query-builder';
import type { RowStream } from './stream-query';

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

export type FlowRow = Record<string, unknown> & { event_time: Date };

/** Read side of `vpc_flow_records`. */
export class FlowRecordsQueries {
  private readonly rows: KeysetList<FlowRow>;

  /** @param table vpc_flow_records, or tgw_flow_records (the same filters apply but interface_id). */
  constructor(pool: pg.Pool, table: 'vpc_flow_records' | 'tgw_flow_records' = 'vpc_flow_records') {
    this.rows = new KeysetList(pool, table, [
      { name: 'event_time', kind: 'time' },
      { name: 'source_bucket', kind: 'text' },
      { name: 'source_key', kind: 'text' },
      { name: 'source_line', kind: 'int' },
    ]);
  }

  async list(f: FlowFilter): Promise<Page<FlowRow>> {
    return this.rows.page(this.where(f), f.cursor, f.limit);
  }

  /** Every matching row, in page order (from `cursor` when given), through a server-side cursor. */
  async stream(f: Omit<FlowFilter, 'limit'>): Promise<RowStream> {
    return this.rows.stream(this.where(f), f.cursor);
  }

  private where(f: Omit<FlowFilter, 'limit'>): Where {
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
    return w;
  }
}
