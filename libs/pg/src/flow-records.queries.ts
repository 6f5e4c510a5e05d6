import type pg from 'pg';
import { KeysetList, KeysetQueries } from './keyset-list';
import { Where } from './query-builder';

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
  /** vpc_flow_records only. */
  vpcId?: string;
  /** tgw_flow_records only. */
  tgwAttachmentId?: string;
  accountId?: string;
  region?: string;
  limit: number;
  cursor?: string;
}

export type FlowRow = Record<string, unknown> & { event_time: Date };

/** Read side of `vpc_flow_records`. */
export class FlowRecordsQueries extends KeysetQueries<Omit<FlowFilter, 'limit'>, FlowRow> {
  /** @param table vpc_flow_records, or tgw_flow_records (the same filters, but interface_id and vpc_id are VPC fields, tgw_attachment_id a TGW one). */
  constructor(pool: pg.Pool, table: 'vpc_flow_records' | 'tgw_flow_records' = 'vpc_flow_records') {
    super(
      new KeysetList(pool, table, [
        { name: 'event_time', kind: 'time' },
        { name: 'source_bucket', kind: 'text' },
        { name: 'source_key', kind: 'text' },
        { name: 'source_line', kind: 'int' },
      ]),
    );
  }

  protected where(f: Omit<FlowFilter, 'limit'>): Where {
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
      .add('vpc_id = ?', f.vpcId)
      .add('tgw_attachment_id = ?', f.tgwAttachmentId)
      .add('account_id = ?', f.accountId)
      .add('coalesce(region, key_region) = ?', f.region);
    if (f.addr) {
      w.addMany('(srcaddr <<= ?1::inet OR dstaddr <<= ?1::inet)', [f.addr]);
    }
    return w;
  }
}
