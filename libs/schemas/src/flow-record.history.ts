import { flowRecordSchema, tgwFlowRecordSchema, type AvroSchema } from './avro-schemas';

/** `schema` as it was before `field` was added (fields are only ever added, nullable, default null). */
function without(schema: AvroSchema, field: string): AvroSchema {
  const fields = schema['fields'] as { name: string }[];
  return { ...schema, fields: fields.filter((f) => f.name !== field) };
}

/**
 * Earlier FlowRecord / TgwFlowRecord schemas that readers still resolve by fingerprint: messages
 * written before `delivered_at` (December 2026) read with it null.
 */
export const flowRecordSchemaHistory: readonly AvroSchema[] = [without(flowRecordSchema, 'delivered_at')];
export const tgwFlowRecordSchemaHistory: readonly AvroSchema[] = [
  without(tgwFlowRecordSchema, 'delivered_at'),
];
