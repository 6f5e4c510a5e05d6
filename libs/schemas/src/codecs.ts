import { AvroCodec } from './avro-codec';
import {
  cloudTrailEventSchema,
  cloudTrailInsightSchema,
  deadLetterSchema,
  flowRecordSchema,
  tgwFlowRecordSchema,
  objectEventSchema,
  type CloudTrailEvent,
  type CloudTrailInsight,
  type DeadLetter,
  type FlowRecord,
  type TgwFlowRecord,
  type ObjectEvent,
} from './avro-schemas';

/** Codecs compiled once per process (never per message). */
export const codecs = {
  objectEvent: new AvroCodec<ObjectEvent>(objectEventSchema),
  flowRecord: new AvroCodec<FlowRecord>(flowRecordSchema),
  tgwFlowRecord: new AvroCodec<TgwFlowRecord>(tgwFlowRecordSchema),
  cloudTrailEvent: new AvroCodec<CloudTrailEvent>(cloudTrailEventSchema),
  cloudTrailInsight: new AvroCodec<CloudTrailInsight>(cloudTrailInsightSchema),
  deadLetter: new AvroCodec<DeadLetter>(deadLetterSchema),
} as const;
