import {
  codecs,
  FLOW_FIELDS,
  TGW_FLOW_FIELDS,
  type FlowFieldDef,
  type FlowFieldType,
  type FlowRecord,
  type TgwFlowRecord,
} from '@lake/schemas';
import type pg from 'pg';
import { AvroCopyTranscoder, type EncodedRow, type TranscodedRow } from './avro-copy';
import { BulkInsert, type ColumnSpec } from './bulk-insert';
import { FLOW_ROLLUP_RECORD } from './rollups.repository';

const PG_TYPE: Record<FlowFieldType, string> = {
  int: 'integer',
  long: 'bigint',
  string: 'text',
  address: 'inet',
};

type AnyFlow = FlowRecord | TgwFlowRecord;
const field = (r: AnyFlow, name: string): unknown => (r as unknown as Record<string, unknown>)[name];

/** Columns of a flow table: natural key, the AWS fields of the family, provenance, enrichment. */
function columnsFor<R extends AnyFlow>(fields: readonly FlowFieldDef[]): ColumnSpec<R>[] {
  return [
    { name: 'event_time', pgType: 'timestamptz', get: (r) => r.event_time },
    { name: 'source_bucket', pgType: 'text', get: (r) => r.source_bucket },
    { name: 'source_key', pgType: 'text', get: (r) => r.source_key },
    { name: 'source_line', pgType: 'bigint', get: (r) => r.source_line },
    ...fields.map((f): ColumnSpec<R> => ({
      name: f.name,
      pgType: PG_TYPE[f.type],
      get: (r) => field(r, f.name),
    })),
    { name: 'flow_log_id', pgType: 'text', get: (r) => r.flow_log_id },
    { name: 'key_account_id', pgType: 'text', get: (r) => r.key_account_id },
    { name: 'key_region', pgType: 'text', get: (r) => r.key_region },
    { name: 'delivered_at', pgType: 'timestamptz', get: (r) => r.delivered_at ?? null },
    { name: 'extra', pgType: 'jsonb', get: (r) => (r.extra ? JSON.stringify(r.extra) : null) },
    { name: 'protocol_name', pgType: 'text', get: (r) => r.protocol_name },
    { name: 'duration_seconds', pgType: 'bigint', get: (r) => r.duration_seconds },
    { name: 'dstport_service', pgType: 'text', get: (r) => r.dstport_service },
    { name: 'srcaddr_class', pgType: 'text', get: (r) => r.srcaddr_class },
    { name: 'dstaddr_class', pgType: 'text', get: (r) => r.dstaddr_class },
    { name: 'direction_guess', pgType: 'text', get: (r) => r.direction_guess },
    { name: 'event_date', pgType: 'date', get: (r) => r.event_date },
  ];
}

const KEY = ['event_time', 'source_bucket', 'source_key', 'source_line'];

/** The COPY columns of vpc_flow_records, in order. */
export const FLOW_COLUMNS = columnsFor<FlowRecord>(FLOW_FIELDS);

/** Writes flow records to `vpc_flow_records`; idempotent on (event_time, source object, line). */
export class FlowRecordsRepository {
  static readonly table = 'vpc_flow_records' as const;
  private readonly bulk = new BulkInsert<FlowRecord>(
    FlowRecordsRepository.table,
    FLOW_COLUMNS,
    KEY,
    // What the flow rollups read of each inserted row, recorded for them by the same transaction.
    { record: FLOW_ROLLUP_RECORD },
  );

  private readonly transcoder = new AvroCopyTranscoder(
    codecs.flowRecord,
    FLOW_COLUMNS,
    this.bulk.keptColumns,
    'event_time',
  );

  insert(client: pg.ClientBase, records: readonly FlowRecord[]): Promise<number> {
    return this.bulk.insert(client, records);
  }

  /**
   * A flow-record Kafka message (Avro single-object encoding) as this table's COPY text, with its
   * event time; throws what `codecs.flowRecord.decode` throws for a message it refuses.
   */
  encode(message: Buffer): TranscodedRow {
    return this.transcoder.transcode(message);
  }

  /** `insert` for rows of `encode` (which must not be `unstorable`). */
  insertEncoded(client: pg.ClientBase, rows: readonly EncodedRow[]): Promise<number> {
    return this.bulk.insertEncoded(client, rows);
  }
}

/** Writes Transit Gateway flow records to `tgw_flow_records`; idempotent likewise. */
export class TgwFlowRecordsRepository {
  static readonly table = 'tgw_flow_records' as const;
  private readonly bulk = new BulkInsert<TgwFlowRecord>(
    TgwFlowRecordsRepository.table,
    columnsFor(TGW_FLOW_FIELDS),
    KEY,
  );

  insert(client: pg.ClientBase, records: readonly TgwFlowRecord[]): Promise<number> {
    return this.bulk.insert(client, records);
  }
}
