import type { CloudTrailEvent, DecodeIssue, DecodeOutput, Decoder, ObjectContext } from '@lake/schemas';
import { parser } from 'stream-json';
import { mapCloudTrailRecord } from './cloudtrail-record.mapper';
import { JsonValueAssembler, type JsonToken } from './json-value.assembler';

/** Outputs per yielded batch. */
const BATCH_SIZE = 500;
/** Input is tokenized in slices of at most this many bytes, so that a huge chunk still yields in bounded steps. */
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

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Decodes one CloudTrail log file, `{"Records":[…]}`, pushed in chunks of any size and split
 * anywhere: stream-json's tokenizer, a walk down to the `Records` array (what stream-json's Pick and
 * StreamArray do), and one record assembled at a time, so memory does not grow with the file.
 *
 * The tokenizer is a Transform stream, driven synchronously: Node runs `_transform` inside `write()`
 * when no earlier write is pending, and `read()` hands over the tokens it pushed (releasing a write
 * held back by a full buffer). So each push is complete when it returns, nothing waits on the event
 * loop, and the records completed before a syntax error are still read out (stream.pipeline would
 * destroy every stage on the error, with the tokens still buffered in them).
 */
export class CloudTrailFileDecoder<T = CloudTrailEvent> {
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  private readonly tokenizer = parser({ packValues: true, streamValues: false, decodeStrings: false });
  private readonly record = new JsonValueAssembler();
  private head: Buffer | null = null;
  private headLength = 0;
  private bytes = 0;
  /** Containers open around the current token, the Records elements' own ones not counted. */
  private depth = 0;
  /** What the top-level value is: 'an object', 'an array', … */
  private topLevel: string | null = null;
  /** What the top-level `Records` member is, null while none was seen. */
  private records: string | null = null;
  private afterRecordsKey = false;
  private inRecords = false;
  /** Index of the next element of Records. */
  private next = 0;
  private stopped = false;

  constructor(
    private readonly context: ObjectContext,
    private readonly map: RecordMapper<T> = mapCloudTrailRecord as unknown as RecordMapper<T>,
  ) {
    // Errors are read from `tokenizer.errored` after each write; this listener only keeps the
    // stream's 'error' event from being thrown as an unhandled one.
    this.tokenizer.on('error', () => undefined);
  }

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
    let text: string;
    try {
      text = this.utf8.decode(chunk, { stream: true });
    } catch {
      this.fail('INVALID_UTF8', `the file is not valid UTF-8 (${this.next} records read)`, out);
      return;
    }
    this.feed(text, out);
  }

  end(out: Output[]): void {
    if (this.stopped) {
      return;
    }
    if (this.bytes === 0) {
      this.fail('OBJECT_EMPTY', 'the object is empty', out);
      return;
    }
    let rest: string;
    try {
      rest = this.utf8.decode();
    } catch {
      this.fail('INVALID_UTF8', 'the file ends inside a UTF-8 character', out);
      return;
    }
    this.feed(rest, out);
    if (this.stopped) {
      return;
    }
    this.tokenizer.end();
    this.drain(out);
    const err = this.tokenizer.errored;
    if (err) {
      this.fail(
        'INVALID_JSON',
        `invalid JSON at the end of the file (${this.next} records read): ${err.message}`,
        out,
      );
    } else if (this.topLevel !== 'an object') {
      this.fail(
        'NOT_CLOUDTRAIL',
        `the JSON is ${this.topLevel ?? 'empty'}, not an object with a "Records" array`,
        out,
      );
    } else if (this.records === null) {
      this.fail('NOT_CLOUDTRAIL', 'the JSON object has no "Records" member', out);
    } else if (this.records !== 'an array') {
      this.fail('NOT_CLOUDTRAIL', `"Records" is ${this.records}, not an array`, out);
    }
    this.stopped = true;
  }

  /** Releases the tokenizer; needed only when the input is abandoned before `end()`. */
  close(): void {
    this.tokenizer.destroy();
  }

  private keepHead(chunk: Buffer): void {
    if (this.headLength < HEAD_BYTES) {
      this.head ??= Buffer.allocUnsafe(HEAD_BYTES);
      this.headLength += chunk.copy(this.head, this.headLength);
    }
  }

  private feed(text: string, out: Output[]): void {
    if (text.length === 0) {
      return;
    }
    this.tokenizer.write(text);
    this.drain(out);
    const err = this.tokenizer.errored;
    if (err) {
      this.fail('INVALID_JSON', `invalid JSON (${this.next} records read): ${err.message}`, out);
    }
  }

  private drain(out: Output[]): void {
    for (
      let t = this.tokenizer.read() as JsonToken | null;
      t !== null;
      t = this.tokenizer.read() as JsonToken | null
    ) {
      this.token(t, out);
    }
  }

  private token(t: JsonToken, out: Output[]): void {
    if (this.inRecords) {
      if (t.name === 'endArray' && !this.record.busy) {
        this.inRecords = false;
        this.depth--;
      } else if (this.record.consume(t)) {
        out.push(this.element(this.record.take()));
      }
      return;
    }
    switch (t.name) {
      case 'startObject':
        this.valueStarts('an object');
        this.depth++;
        return;
      case 'startArray':
        this.inRecords = this.valueStarts('an array');
        this.depth++;
        return;
      case 'endObject':
      case 'endArray':
        this.depth--;
        return;
      case 'keyValue':
        this.afterRecordsKey = this.depth === 1 && t.value === 'Records';
        return;
      case 'stringValue':
        this.valueStarts('a string');
        return;
      case 'numberValue':
        this.valueStarts('a number');
        return;
      case 'nullValue':
        this.valueStarts('null');
        return;
      case 'trueValue':
      case 'falseValue':
        this.valueStarts('a boolean');
        return;
    }
  }

  /** Notes where a value outside the Records elements starts; true when it is the Records array. */
  private valueStarts(kind: string): boolean {
    if (this.depth === 0) {
      this.topLevel = kind;
      return false;
    }
    if (this.depth === 1 && this.afterRecordsKey) {
      this.afterRecordsKey = false;
      this.records = kind;
      return kind === 'an array';
    }
    return false;
  }

  private element(value: unknown): Output {
    const index = this.next++;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return this.map(value as Record<string, unknown>, this.context, index);
    }
    return {
      ok: false,
      issue: {
        reason: 'RECORD_NOT_OBJECT',
        message: `record ${index} is ${describe(value)}, not an object`,
        position: index,
        payload: Buffer.from(JSON.stringify(value)),
      },
    };
  }

  /** Reports a file-level issue and stops; OBJECT_EMPTY and NOT_CLOUDTRAIL concern the whole file. */
  private fail(reason: DecodeIssue['reason'], message: string, out: Output[]): void {
    const wholeFile = reason === 'OBJECT_EMPTY' || reason === 'NOT_CLOUDTRAIL';
    out.push({
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
