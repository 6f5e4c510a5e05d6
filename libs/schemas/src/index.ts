export { AvroCodec, EncodeArena, SINGLE_OBJECT_HEADER_LENGTH, SINGLE_OBJECT_MARKER } from './avro-codec';
export {
  OBJECT_KINDS,
  PUBLISHED_SCHEMAS,
  cloudTrailEventSchema,
  cloudTrailInsightSchema,
  digestCheckSchema,
  deadLetterSchema,
  flowRecordSchema,
  tgwFlowRecordSchema,
  objectEventSchema,
  type AvroSchema,
  type CloudTrailEvent,
  type CloudTrailInsight,
  type DigestCheck,
  type InsightAverage,
  type CloudTrailUserIdentity,
  type CloudTrailSessionContext,
  type DeadLetter,
  type FlowEnrichment,
  type FlowRecord,
  type TgwFlowRecord,
  type ObjectEvent,
  type ObjectKind,
} from './avro-schemas';
export { codecs } from './codecs';
export { avroRecordPlan, writeLong as writeAvroLong, type AvroFieldPlan } from './avro-writer';
export { userIdentityAsWritten } from './cloudtrail-identity.json';
export { cloudTrailEventSchemaHistory } from './cloudtrail-event.history';
export { flowRecordSchemaHistory, tgwFlowRecordSchemaHistory } from './flow-record.history';
export {
  FLOW_FIELDS,
  TGW_FLOW_FIELDS,
  type FlowAwsFields,
  type TgwFlowAwsFields,
  type FlowFieldDef,
  type FlowFieldName,
  type FlowFieldType,
} from './flow-fields';
export { rabinFingerprint } from './rabin';
export { SchemaError, type SchemaErrorCode } from './schema.errors';
export {
  DEAD_LETTER_REASONS,
  type DeadLetterReason,
  type DecodeIssue,
  type DecodeOutput,
  type Decoder,
  type ObjectContext,
  type RandomAccessDecoder,
  type RandomAccessFile,
} from './decode-contract';
export type { ObjectKeyInfo } from './object-key-info';
