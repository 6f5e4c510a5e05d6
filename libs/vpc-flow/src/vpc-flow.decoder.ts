import { isAscii, isUtf8 } from 'node:buffer';
import { isIP } from 'node:net';
import {
  FLOW_FIELDS,
  TGW_FLOW_FIELDS,
  EncodeArena,
  SINGLE_OBJECT_HEADER_LENGTH,
  codecs,
  type DecodeIssue,
  type DecodeOutput,
  type Decoder,
  type FlowRecord,
  type ObjectContext,
  type TgwFlowRecord,
} from '@lake/schemas';
import { enrich } from './flow-enricher';
import { DEFAULT_FORMAT, parseHeader, type Column, type FlowFamily, type FlowHeader } from './flow-header';
import {
  NO_ROOM,
  compileLineEncoder,
  objectConstants,
  type LineEncoder,
  type ObjectConstants,
} from './flow-line-encoder';
import { compileLineParser, type LineParser } from './flow-line-parser';

export interface VpcFlowDecoderOptions {
  /**
   * Records without a header line (CloudWatch Logs subscriptions deliver them so) are read with the
   * default v2 format when true; otherwise a file whose first line is not a header is dead-lettered.
   */
  headerless?: boolean;
  /**
   * Clean lines come out as the finished Avro messages of their records (`FlowAvroMessage`),
   * written straight from the line's bytes into the context's arena; other lines as records
   * (`FlowDecoded`), as without this option (the `decode` command prints records).
   */
  avro?: boolean;
}

/** A decoded line: a VPC flow record or a Transit Gateway flow record, as the file's header says. */
export type FlowDecoded = { family: 'vpc'; record: FlowRecord } | { family: 'tgw'; record: TgwFlowRecord };

/**
 * A clean line as the finished Avro single-object message of its family's record, written
 * straight from the line's bytes into the context's arena (the decoder's own when it has none).
 */
export class FlowAvroMessage {
  constructor(
    readonly family: FlowFamily,
    readonly message: Buffer,
  ) {}
}

/** What the decoder yields with the `avro` option. */
export type FlowOutput = FlowDecoded | FlowAvroMessage;

/**
 * The Avro single-object message of a decoded flow line (its family's codec), in `arena` when
 * given: what the flow parser publishes.
 */
export function encodeFlow(d: FlowOutput, arena?: EncodeArena): Buffer {
  if (d instanceof FlowAvroMessage) {
    return d.message;
  }
  return d.family === 'vpc'
    ? codecs.flowRecord.encode(d.record, arena)
    : codecs.tgwFlowRecord.encode(d.record, arena);
}

/** A message's header length. Read once: a re-export is a getter call per use in CommonJS. */
const HEADER = SINGLE_OBJECT_HEADER_LENGTH;

/** Compiled encoders by family and header (a service reads many files of few formats). */
const ENCODERS = new Map<string, LineEncoder | null>();
const MAX_ENCODERS = 64;

function lineEncoder(header: FlowHeader): LineEncoder | null {
  const id = `${header.family} ${header.columns.map((c) => (c.known ? c.field.name : `?${c.name}`)).join(' ')}`;
  let encoder = ENCODERS.get(id);
  if (encoder === undefined) {
    encoder = compileLineEncoder(header.family, header.columns, RANGES);
    if (ENCODERS.size >= MAX_ENCODERS) {
      ENCODERS.clear();
    }
    ENCODERS.set(id, encoder);
  }
  return encoder;
}

export const RANGES: Record<string, readonly [number, number]> = {
  srcport: [0, 65535],
  dstport: [0, 65535],
  protocol: [0, 255],
  version: [1, 255],
  tcp_flags: [0, 255],
  traffic_path: [0, 255],
  encryption_status: [0, 255],
};
const DIGITS = /^\d+$/;

export type Mutable = Record<string, string | number | null | Record<string, string>>;

/** Fields the decoder and the enricher set besides the AWS fields. */
const ADDED_FIELDS = [
  'source_bucket',
  'source_key',
  'source_line',
  'flow_log_id',
  'key_account_id',
  'key_region',
  'delivered_at',
  'event_time',
  'extra',
  'protocol_name',
  'duration_seconds',
  'dstport_service',
  'srcaddr_class',
  'dstaddr_class',
  'direction_guess',
  'event_date',
];

/**
 * A constructor that creates a record with every field of the family already present (null), in
 * one fixed order. Why generated: records are made millions of times; an object that gains its ~70
 * properties one by one (or from a spread copy plus additions) falls back to slow dictionary
 * properties in V8, which measured 4x slower with most of the time in GC. Field names come from
 * our own schema table, never from input.
 */
function recordFactory(names: readonly string[]): () => Mutable {
  const body = names.map((n) => `this[${JSON.stringify(n)}] = null;`).join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see above: fixed names, built once.
  const Ctor = new Function(body) as new () => Mutable;
  return () => new Ctor();
}

export const FACTORIES: Record<FlowFamily, () => Mutable> = {
  vpc: recordFactory([...FLOW_FIELDS.map((f) => f.name), ...ADDED_FIELDS]),
  tgw: recordFactory([...TGW_FLOW_FIELDS.map((f) => f.name), ...ADDED_FIELDS]),
};

export class VpcFlowLineDecoder {
  private header: FlowHeader | null = null;
  private lineNo = 0;
  private dataLines = 0;
  private bytesSeen = 0;
  private broken = false;
  /** The partial last line of the previous chunk. */
  private rest: Buffer | null = null;
  /** The fast path for clean lines of this file's header (null: every line takes the general path). */
  private parseLine: LineParser | null = null;
  /** With the `avro` option: the fast path writing Avro messages, and where it writes them. */
  private encodeLine: LineEncoder | null = null;
  private constants: ObjectConstants | null = null;
  private readonly arena: EncodeArena;
  private viewed: Buffer | null = null;
  private view: DataView = new DataView(new ArrayBuffer(0));

  constructor(
    private readonly context: ObjectContext,
    private readonly options: VpcFlowDecoderOptions = {},
  ) {
    // Without the caller's arena, each slab is the GC's once its messages are dropped.
    this.arena = context.arena ?? new EncodeArena(false);
  }

  push(chunk: Buffer, out: DecodeOutput<FlowOutput>[]): void {
    this.bytesSeen += chunk.length;
    let data = chunk;
    if (this.rest) {
      // Only the line cut by the chunk boundary is joined, not the whole chunk.
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        this.rest = Buffer.concat([this.rest, chunk]);
        return;
      }
      const joined = Buffer.concat([this.rest, chunk.subarray(0, nl + 1)]);
      this.rest = null;
      this.wholeLines(joined, joined.length - 1, out);
      data = chunk.subarray(nl + 1);
    }
    const last = data.lastIndexOf(10);
    if (last === -1) {
      this.rest = data.length > 0 ? Buffer.from(data) : null;
      return;
    }
    this.wholeLines(data, last, out);
    if (last + 1 < data.length) {
      // Copy so that the (possibly large) chunk is not kept alive by a small remainder.
      this.rest = Buffer.from(data.subarray(last + 1));
    }
  }

  /** The lines of `data[0, last]`, `last` being the index of a '\n'. */
  private wholeLines(data: Buffer, last: number, out: DecodeOutput<FlowOutput>[]): void {
    let start = 0;
    while (start <= last && this.header === null && !this.broken) {
      const nl = data.indexOf(10, start);
      this.line(withoutCr(data, start, nl), out);
      start = nl + 1;
    }
    if (start <= last && !this.broken) {
      this.lines(data, start, last + 1, out);
    }
  }

  end(out: DecodeOutput<FlowOutput>[]): void {
    if (this.rest && this.rest.length > 0) {
      this.line(withoutCr(this.rest, 0, this.rest.length), out);
    }
    this.rest = null;
    if (this.bytesSeen === 0) {
      out.push(issue('OBJECT_EMPTY', 'the object is empty', null, null));
    } else if (this.header && !this.broken && this.dataLines === 0) {
      out.push(issue('HEADER_ONLY', 'the file has a header line but no records', null, null));
    }
  }

  /**
   * Whole lines `data[from, to)` (ending with '\n') after the header. When they are all ASCII, as
   * flow logs are, they are read from one latin1 string (one copy, no per-line decoding) with the
   * header's compiled parser; a line it refuses, and every line of a chunk with other bytes, takes
   * the general path.
   */
  private lines(data: Buffer, from: number, to: number, out: DecodeOutput<FlowOutput>[]): void {
    const header = this.header!;
    const parse = this.parseLine;
    const ascii = (parse !== null || this.encodeLine !== null) && isAscii(data.subarray(from, to));
    if (ascii && this.encodeLine !== null) {
      this.encodeLines(data, from, to, out);
      return;
    }
    if (parse === null || !ascii) {
      let start = from;
      while (start < to) {
        const nl = data.indexOf(10, start);
        this.line(withoutCr(data, start, nl), out);
        start = nl + 1;
      }
      return;
    }
    const text = data.toString('latin1', from, to);
    const create = FACTORIES[header.family];
    let p = 0;
    while (p < text.length) {
      const nl = text.indexOf('\n', p);
      const e = nl > p && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.lineNo++;
      if (e > p) {
        this.dataLines++;
        const r = create();
        if (parse(text, p, e, r)) {
          out.push(finishRecord(r, header.family, this.context, this.lineNo, null));
        } else {
          const bytes = data.subarray(from + p, from + e);
          out.push(this.record(text.substring(p, e), bytes, header));
        }
      }
      p = nl + 1;
    }
  }

  /**
   * All-ASCII whole lines `data[from, to)` with the `avro` option: each clean line is written as
   * an Avro message into the arena, every other line takes the general path.
   */
  private encodeLines(data: Buffer, from: number, to: number, out: DecodeOutput<FlowOutput>[]): void {
    const header = this.header!;
    const { family } = header;
    const encode = this.encodeLine!;
    const constants = this.constants!;
    const arena = this.arena;
    const view = new DataView(data.buffer, data.byteOffset, data.length);
    let p = from;
    while (p < to) {
      const nl = data.indexOf(10, p);
      const e = nl > p && data[nl - 1] === 13 ? nl - 1 : nl;
      this.lineNo++;
      if (e > p) {
        this.dataLines++;
        let at = arena.pos;
        let end = encode(data, p, e, arena.slab, at, this.lineNo, constants, view, this.slabView());
        if (end === NO_ROOM) {
          arena.next(HEADER + (e - p) * 2 + constants.size + 65536);
          at = 0;
          end = encode(data, p, e, arena.slab, 0, this.lineNo, constants, view, this.slabView());
        }
        if (end >= 0) {
          arena.pos = end;
          out.push({ ok: true, value: new FlowAvroMessage(family, arena.slab.subarray(at, end)) });
        } else {
          out.push(this.record(data.toString('latin1', p, e), data.subarray(p, e), header));
        }
      }
      p = nl + 1;
    }
  }

  /** A DataView of the arena's current slab. */
  private slabView(): DataView {
    const slab = this.arena.slab;
    if (this.viewed !== slab) {
      this.viewed = slab;
      this.view = new DataView(slab.buffer, slab.byteOffset, slab.length);
    }
    return this.view;
  }

  private line(bytes: Buffer, out: DecodeOutput<FlowOutput>[]): void {
    this.lineNo++;
    if (bytes.length === 0 || this.broken) {
      return;
    }
    if (!isUtf8(bytes)) {
      if (this.header !== null) {
        this.dataLines++;
      }
      out.push(issue('INVALID_UTF8', 'the line is not valid UTF-8', this.lineNo, bytes));
      return;
    }
    const text = bytes.toString('utf8');
    if (this.header === null) {
      const header = parseHeader(text);
      if (header) {
        this.setHeader(header);
        return;
      }
      if (!this.options.headerless) {
        // Without a header no line can be read: report the file once, not every line.
        out.push(issue('HEADER_INVALID', 'the first line is not a flow-log header', this.lineNo, bytes));
        this.broken = true;
        return;
      }
      this.setHeader(parseHeader(DEFAULT_FORMAT)!);
    }
    if (this.header) {
      this.dataLines++;
      out.push(this.record(text, bytes, this.header));
    }
  }

  private setHeader(header: FlowHeader): void {
    this.header = header;
    this.parseLine = compileLineParser(header.columns, RANGES);
    if (this.options.avro) {
      this.encodeLine = lineEncoder(header);
      this.constants = objectConstants(header.family, this.context);
    }
  }

  private record(text: string, bytes: Buffer, header: FlowHeader): DecodeOutput<FlowDecoded> {
    const columns: Column[] = header.columns;
    const tokens = text.indexOf('  ') === -1 ? text.trim().split(' ') : text.trim().split(/ +/);
    if (tokens.length !== columns.length) {
      return issue(
        'FIELD_COUNT',
        `expected ${columns.length} fields, found ${tokens.length}`,
        this.lineNo,
        bytes,
      );
    }
    const r = FACTORIES[header.family]();
    let extra: Record<string, string> | null = null;
    for (let i = 0; i < columns.length; i++) {
      const col = columns[i]!;
      const token = tokens[i]!;
      if (!col.known) {
        extra ??= {};
        extra[col.name] = token;
        continue;
      }
      if (token === '-') {
        continue;
      }
      const { name, type } = col.field;
      switch (type) {
        case 'string':
          r[name] = token;
          break;
        case 'address':
          if (isIP(token) === 0) {
            return issue(
              'INVALID_ADDRESS',
              `${col.field.aws} is not an IP address: ${token}`,
              this.lineNo,
              bytes,
            );
          }
          r[name] = token;
          break;
        case 'int':
        case 'long': {
          if (!DIGITS.test(token)) {
            return issue('NOT_A_NUMBER', `${col.field.aws} is not a number: ${token}`, this.lineNo, bytes);
          }
          const n = Number(token);
          const range = RANGES[name];
          if (!Number.isSafeInteger(n) || (range && (n < range[0] || n > range[1]))) {
            return issue('OUT_OF_RANGE', `${col.field.aws} is out of range: ${token}`, this.lineNo, bytes);
          }
          r[name] = n;
          break;
        }
      }
    }
    return finishRecord(r, header.family, this.context, this.lineNo, extra);
  }
}

/** Adds provenance, event time and enrichment to a record whose AWS fields are set. */
export function finishRecord(
  r: Mutable,
  family: FlowFamily,
  context: ObjectContext,
  position: number,
  extra: Record<string, string> | null,
): DecodeOutput<FlowDecoded> {
  const { bucket, key, keyInfo } = context;
  const start = r['start'] as number | null;
  const end = r['end'] as number | null;
  r['source_bucket'] = bucket;
  r['source_key'] = key;
  r['source_line'] = position;
  r['flow_log_id'] = keyInfo.flowLogId;
  r['key_account_id'] = keyInfo.accountId;
  r['key_region'] = keyInfo.region;
  r['delivered_at'] = keyInfo.deliveredAt;
  r['event_time'] = start !== null ? start * 1000 : end !== null ? end * 1000 : (keyInfo.deliveredAt ?? 0);
  r['extra'] = extra;
  enrich(r);
  return family === 'vpc'
    ? { ok: true, value: { family: 'vpc', record: r as unknown as FlowRecord } }
    : { ok: true, value: { family: 'tgw', record: r as unknown as TgwFlowRecord } };
}

/** `data[start, nl)` without a '\r' before the '\n'. */
function withoutCr(data: Buffer, start: number, nl: number): Buffer {
  return data.subarray(start, nl > start && data[nl - 1] === 13 ? nl - 1 : nl);
}

function issue(
  reason: DecodeIssue['reason'],
  message: string,
  position: number | null,
  payload: Buffer | null,
): DecodeOutput<FlowDecoded> {
  return { ok: false, issue: { reason, message, position, payload: payload ? Buffer.from(payload) : null } };
}

/** The flow-log `Decoder`: decompressed bytes of one text flow-log file in, record batches out. */
export function createVpcFlowDecoder(options: VpcFlowDecoderOptions & { avro: true }): Decoder<FlowOutput>;
export function createVpcFlowDecoder(
  options?: VpcFlowDecoderOptions & { avro?: false },
): Decoder<FlowDecoded>;
export function createVpcFlowDecoder(options: VpcFlowDecoderOptions = {}): Decoder<FlowOutput> {
  return async function* decodeVpcFlow(source: AsyncIterable<Buffer>, context: ObjectContext) {
    const decoder = new VpcFlowLineDecoder(context, options);
    for await (const chunk of source) {
      const out: DecodeOutput<FlowOutput>[] = [];
      decoder.push(chunk, out);
      if (out.length > 0) {
        yield out;
      }
    }
    const out: DecodeOutput<FlowOutput>[] = [];
    decoder.end(out);
    if (out.length > 0) {
      yield out;
    }
  };
}
