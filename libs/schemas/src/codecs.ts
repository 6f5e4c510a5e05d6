import { AvroCodec } from './avro-codec';
import {
  cloudTrailEventSchema,
  cloudTrailInsightSchema,
  digestCheckSchema,
  deadLetterSchema,
  flowRecordSchema,
  tgwFlowRecordSchema,
  objectEventSchema,
  type CloudTrailEvent,
  type CloudTrailInsight,
  type DigestCheck,
  type DeadLetter,
  type FlowRecord,
  type TgwFlowRecord,
  type ObjectEvent,
} from './avro-schemas';
import { cloudTrailEventSchemaHistory } from './cloudtrail-event.history';
import { flowRecordSchemaHistory, tgwFlowRecordSchemaHistory } from './flow-record.history';

/** Codecs compiled once per process (never per message). */
export const codecs = {
  objectEvent: new AvroCodec<ObjectEvent>(objectEventSchema),
  flowRecord: new AvroCodec<FlowRecord>(flowRecordSchema, flowRecordSchemaHistory),
  tgwFlowRecord: new AvroCodec<TgwFlowRecord>(tgwFlowRecordSchema, tgwFlowRecordSchemaHistory),
  cloudTrailEvent: new AvroCodec<CloudTrailEvent>(cloudTrailEventSchema, cloudTrailEventSchemaHistory),
  cloudTrailInsight: new AvroCodec<CloudTrailInsight>(cloudTrailInsightSchema),
  digestCheck: new AvroCodec<DigestCheck>(digestCheckSchema),
  deadLetter: new AvroCodec<DeadLetter>(deadLetterSchema),
} as const;
