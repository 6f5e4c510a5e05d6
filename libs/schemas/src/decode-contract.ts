import type { EncodeArena } from './avro-codec';
import type { ObjectKeyInfo } from './object-key-info';

/**
 * The contract between decoders (pure: bytes in, records or issues out) and the pipeline that feeds them.
 * A decoder never throws for bad input: it reports an issue (→ dead-letter topic) and goes on.
 */

/** Stable reason codes of dead letters; documented in the README. */
export const DEAD_LETTER_REASONS = [
  'OBJECT_MISSING',
  'OBJECT_ACCESS_DENIED',
  'OBJECT_EMPTY',
  'NOT_GZIP',
  'GZIP_CORRUPT',
  'INVALID_UTF8',
  'HEADER_ONLY',
  'HEADER_INVALID',
  'FIELD_COUNT',
  'NOT_A_NUMBER',
  'OUT_OF_RANGE',
  'INVALID_ADDRESS',
  'INVALID_JSON',
  'NOT_CLOUDTRAIL',
  'RECORD_NOT_OBJECT',
  'RECORD_INVALID',
  'UNSUPPORTED_FORMAT',
  'SCHEMA_UNKNOWN',
  'NOT_S3_NOTIFICATION',
  'NOTIFICATION_FAILED',
  'PARQUET_INVALID',
  'DIGEST_INVALID',
  'SINK_REJECTED',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export interface DecodeIssue {
  reason: DeadLetterReason;
  message: string;
  /** Line number (flow logs, 1-based) or record index (CloudTrail, 0-based); null for the whole object. */
  position: number | null;
  /** The offending bytes, as read (the pipeline cuts them to its payload limit). */
  payload: Buffer | null;
}

export type DecodeOutput<T> = { ok: true; value: T } | { ok: false; issue: DecodeIssue };

/** Where the bytes come from, passed to the decoder for provenance fields. */
export interface ObjectContext {
  bucket: string;
  key: string;
  keyInfo: ObjectKeyInfo;
  /** The object's user metadata (`x-amz-meta-*`, names without the prefix), from the GET that read it. */
  metadata?: Readonly<Record<string, string>>;
  /**
   * Where a decoder that writes finished Avro messages itself (the flow-log decoder's `avro` option)
   * puts them: the parser's arena for the object, reset once Kafka acknowledged what it holds.
   */
  arena?: EncodeArena;
}

/**
 * A decoder reads the (decompressed) bytes of one object and yields its outputs in batches,
 * keeping partial input across chunks, in bounded memory.
 */
export type Decoder<T> = (
  source: AsyncIterable<Buffer>,
  context: ObjectContext,
) => AsyncIterable<DecodeOutput<T>[]>;

/** Random access to an object's bytes (Parquet needs its footer first): the shape hyparquet reads. */
export interface RandomAccessFile {
  byteLength: number;
  slice(start: number, end?: number): Promise<ArrayBuffer>;
}

/** A decoder for formats that need random access (Parquet), yielding batches like `Decoder`. */
export type RandomAccessDecoder<T> = (
  file: RandomAccessFile,
  context: ObjectContext,
) => AsyncIterable<DecodeOutput<T>[]>;
