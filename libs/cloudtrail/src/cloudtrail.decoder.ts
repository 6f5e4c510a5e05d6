import { isUtf8 } from 'node:buffer';
import type { CloudTrailEvent, DecodeIssue, DecodeOutput, Decoder, ObjectContext } from '@lake/schemas';
import { mapCloudTrailRecord } from './cloudtrail-record.mapper';
import { JsonRecordsScanner, describeJson, type ScannerSink } from './json-records.scanner';

/** Outputs per yielded batch. */
const BATCH_SIZE = 500;
/** Input is scanned in slices of at most this many bytes, so that a huge chunk still yields in bounded steps. */
const SLICE_BYTES = 64 * 1024;
/** Bytes kept from the start of the file as the payload of file-level issues (the pipeline cuts further). */
const HEAD_BYTES = 64 * 1024;

type Output = DecodeOutput<unknown>;

/** Maps one element of `Records` (an object) to a typed record or an issue. */
export type RecordMapper<T> = (
  raw: Record<string, unknown>,
  context: ObjectContext,
  index: number,
) => DecodeOutput<T>;

/** Length of the UTF-8 sequence that `lead` starts (1 for bytes that start none: isUtf8 refuses them). */
function sequenceLength(lead: number): number {
  if (lead >= 0xf0) {
    return lead >= 0xf8 ? 1 : 4;
  }
  if (lead >= 0xe0) {
    return 3;
  }
  return lead >= 0xc0 ? 2 : 1;
}

/** How many bytes at the end of `buf` start a UTF-8 sequence that goes on in the next chunk. */
function incompleteTail(buf: Buffer): number {
  const n = buf.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const c = buf[n - back]!;
    if ((c & 0xc0) !== 0x80) {
      return sequenceLength(c) > back ? back : 0;
    }
  }
  return 0;
}

/**
 * Decodes one CloudTrail log file, `{"Records":[…]}`, pushed in chunks of any size and split
 * anywhere: each chunk is checked to be UTF-8 (a character split across chunks is completed
 * first), then a byte scanner (`JsonRecordsScanner`) cuts out the elements of `Records` one by
 * one and `JSON.parse`s each, so memory holds one record at a time whatever the file size, and
 * parsing is V8's own. Records completed before an error are still output.
 */
export class CloudTrailFileDecoder<T = CloudTrailEvent> implements ScannerSink {
  private readonly scanner = new JsonRecordsScanner(this);
  private out: Output[] = [];
  private head: Buffer | null = null;
  private headLength = 0;
  private bytes = 0;
  /** The start of a UTF-8 character whose other bytes are in the next chunk. */
  private carry: Buffer | null = null;
  /** Index of the next element of Records. */
  private next = 0;
  private stopped = false;

  constructor(
    private readonly context: ObjectContext,
    private readonly map: RecordMapper<T> = mapCloudTrailRecord as unknown as RecordMapper<T>,
  ) {}

  /** True once a file-level issue ended the decoding: the rest of the input is not needed. */
  get done(): boolean {
    return this.stopped;
  }

  push(chunk: Buffer, out: Output[]): void {
    if (this.stopped || chunk.length === 0) {
      return;
    }
    this.keepHead(chunk);
    this.bytes += chunk.length;
    this.out = out;
    let body = chunk;
    if (this.carry) {
      // Complete the character begun in the previous chunk.
      const need = sequenceLength(this.carry[0]!) - this.carry.length;
      const joined = Buffer.concat([this.carry, chunk.subarray(0, need)]);
      body = chunk.subarray(need);
      if (joined.length < sequenceLength(joined[0]!)) {
        this.carry = joined;
        return;
      }
      this.carry = null;
      if (!this.valid(joined)) {
        return;
      }
      this.scanner.push(joined);
      if (this.stopped) {
        return;
      }
    }
    const tail = incompleteTail(body);
    if (tail > 0) {
      this.carry = Buffer.from(body.subarray(body.length - tail));
      body = body.subarray(0, body.length - tail);
    }
    if (body.length > 0 && this.valid(body)) {
      this.scanner.push(body);
    }
  }

  end(out: Output[]): void {
    if (this.stopped) {
      return;
    }
    this.out = out;
    if (this.bytes === 0) {
      this.fail('OBJECT_EMPTY', 'the object is empty');
      return;
    }
    if (this.carry) {
      this.fail('INVALID_UTF8', 'the file ends inside a UTF-8 character');
      return;
    }
    this.scanner.end();
    if (this.stopped) {
      return;
    }
    const { topLevel, records } = this.scanner;
    if (topLevel !== 'an object') {
      this.fail('NOT_CLOUDTRAIL', `the JSON is ${topLevel ?? 'empty'}, not an object with a "Records" array`);
    } else if (records === null) {
      this.fail('NOT_CLOUDTRAIL', 'the JSON object has no "Records" member');
    } else if (records !== 'an array') {
      this.fail('NOT_CLOUDTRAIL', `"Records" is ${records}, not an array`);
    }
    this.stopped = true;
  }

  /** Nothing to release; kept for callers that abandon the input before `end()`. */
  close(): void {
    this.carry = null;
  }

  /** ScannerSink: one element of Records. */
  element(value: unknown, bytes: Buffer): void {
    const index = this.next++;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const output = this.map(value as Record<string, unknown>, this.context, index);
      if (!output.ok && output.issue.position === index) {
        // The dead letter carries the record's original bytes.
        output.issue.payload = Buffer.from(bytes);
      }
      this.out.push(output);
      return;
    }
    this.out.push({
      ok: false,
      issue: {
        reason: 'RECORD_NOT_OBJECT',
        message: `record ${index} is ${describeJson(value)}, not an object`,
        position: index,
        payload: Buffer.from(bytes),
      },
    });
  }

  /** ScannerSink: the JSON is broken; the records before it are out already. */
  syntaxError(message: string): void {
    this.fail('INVALID_JSON', `invalid JSON (${this.next} records read): ${message}`);
  }

  private valid(bytes: Buffer): boolean {
    if (isUtf8(bytes)) {
      return true;
    }
    this.fail('INVALID_UTF8', `the file is not valid UTF-8 (${this.next} records read)`);
    return false;
  }

  private keepHead(chunk: Buffer): void {
    if (this.headLength < HEAD_BYTES) {
      this.head ??= Buffer.allocUnsafe(HEAD_BYTES);
      this.headLength += chunk.copy(this.head, this.headLength);
    }
  }

  /** Reports a file-level issue and stops; OBJECT_EMPTY and NOT_CLOUDTRAIL concern the whole file. */
  private fail(reason: DecodeIssue['reason'], message: string): void {
    if (this.stopped) {
      return;
    }
    const wholeFile = reason === 'OBJECT_EMPTY' || reason === 'NOT_CLOUDTRAIL';
    this.out.push({
      ok: false,
      issue: {
        reason,
        message,
        position: wholeFile ? null : this.next,
        payload: this.head ? this.head.subarray(0, this.headLength) : null,
      },
    });
    this.stopped = true;
  }
}

/**
 * A `Decoder` for `{"Records":[…]}` files whose records `map` turns into T: the decompressed bytes
 * of one file in, batches of at most 500 outputs out. After a file-level issue the rest of the
 * source is left unread.
 */
export function createCloudTrailDecoder<T>(map: RecordMapper<T>): Decoder<T> {
  return async function* decodeRecordsFile(source: AsyncIterable<Buffer>, context: ObjectContext) {
    const decoder = new CloudTrailFileDecoder<T>(context, map);
    const out: DecodeOutput<T>[] = [];
    const sink = out as Output[];
    try {
      for await (const chunk of source) {
        for (let at = 0; at < chunk.length && !decoder.done; at += SLICE_BYTES) {
          decoder.push(chunk.subarray(at, at + SLICE_BYTES), sink);
          while (out.length >= BATCH_SIZE) {
            yield out.splice(0, BATCH_SIZE);
          }
        }
        if (decoder.done) {
          break;
        }
      }
      decoder.end(sink);
      while (out.length > 0) {
        yield out.splice(0, BATCH_SIZE);
      }
    } finally {
      decoder.close();
    }
  };
}

/** The CloudTrail log-file `Decoder` (CloudTrail/ folders). */
export const decodeCloudTrail: Decoder<CloudTrailEvent> = createCloudTrailDecoder(mapCloudTrailRecord);
