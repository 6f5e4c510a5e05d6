import { AvroCodec } from './avro-codec';
import {
  cloudTrailEventSchema,
  deadLetterSchema,
  flowRecordSchema,
  objectEventSchema,
  type CloudTrailEvent,
  type DeadLetter,
  type FlowRecord,
  type ObjectEvent,
} from './avro-schemas';

/** Codecs compiled once per process (never per message). */
export const codecs = {
  objectEvent: new AvroCodec<ObjectEvent>(objectEventSchema),
  flowRecord: new AvroCodec<FlowRecord>(flowRecordSchema),
  cloudTrailEvent: new AvroCodec<CloudTrailEvent>(cloudTrailEventSchema),
  deadLetter: new AvroCodec<DeadLetter>(deadLetterSchema),
} as const;
