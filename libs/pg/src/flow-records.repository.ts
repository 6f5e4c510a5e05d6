import { FLOW_FIELDS, type FlowFieldType, type FlowRecord } from '@lake/schemas';
import type pg from 'pg';
import { BulkInsert, type ColumnSpec } from './bulk-insert';

const PG_TYPE: Record<FlowFieldType, string> = {
  int: 'integer',
  long: 'bigint',
  string: 'text',
  address: 'inet',
};

const COLUMNS: ColumnSpec<FlowRecord>[] = [
  { name: 'event_time', pgType: 'timestamptz', get: (r) => new Date(r.event_time) },
  { name: 'source_bucket', pgType: 'text', get: (r) => r.source_bucket },
  { name: 'source_key', pgType: 'text', get: (r) => r.source_key },
  { name: 'source_line', pgType: 'bigint', get: (r) => r.source_line },
  ...FLOW_FIELDS.map((f): ColumnSpec<FlowRecord> => ({
    name: f.name,
    pgType: PG_TYPE[f.type],
    get: (r) => (r as unknown as Record<string, unknown>)[f.name],
  })),
  { name: 'flow_log_id', pgType: 'text', get: (r) => r.flow_log_id },
  { name: 'key_account_id', pgType: 'text', get: (r) => r.key_account_id },
  { name: 'key_region', pgType: 'text', get: (r) => r.key_region },
  { name: 'extra', pgType: 'jsonb', get: (r) => (r.extra ? JSON.stringify(r.extra) : null) },
];

/** Writes flow records to `vpc_flow_records`; idempotent on (event_time, source object, line). */
export class FlowRecordsRepository {
  static readonly table = 'vpc_flow_records' as const;
  static readonly columns = COLUMNS.map((c) => c.name);
  private readonly bulk = new BulkInsert<FlowRecord>(FlowRecordsRepository.table, COLUMNS, [
    'event_time',
    'source_bucket',
    'source_key',
    'source_line',
  ]);

  insert(client: pg.ClientBase, records: readonly FlowRecord[]): Promise<number> {
    return this.bulk.insert(client, records);
  }
}
