import { SINGLE_OBJECT_HEADER_LENGTH, avroRecordPlan, type AvroCodec } from '@lake/schemas';
import { copyLines, type ColumnSpec } from './bulk-insert';

/**
 * A row as COPY text, ready to write: its line for the table, then (when the table keeps its
 * inserted rows' columns elsewhere, see BulkInsert `record`) its line for the kept rows' table.
 */
export interface EncodedRow {
  /** The COPY text lines, each ending in a newline. */
  bytes: Buffer;
  /** Where the kept rows' line starts in `bytes` (`bytes.length` when there is none). */
  split: number;
}

/** An Avro message transcoded for COPY, with its time column's value (for its day partition). */
export interface TranscodedRow extends EncodedRow {
  /** The value of the transcoder's time field (epoch ms). */
  time: number;
  /** Why the row cannot be written (a time or date outside what a JavaScript Date holds), else null. */
  unstorable: string | null;
}

/** The latest instant a JavaScript Date holds (±8.64e15 ms); Postgres holds more. */
export const MAX_TIME_MS = 8.64e15;
const DAY_MS = 86_400_000;

/** A time or date column, with the largest magnitude a Date holds in its unit. */
interface Ranged {
  name: string;
  field: number;
  limit: number;
  unit: string;
}
const RANGES: Record<string, { limit: number; unit: string }> = {
  timestamptz: { limit: MAX_TIME_MS, unit: 'ms' },
  date: { limit: MAX_TIME_MS / DAY_MS, unit: 'days' },
};
/** 10000-01-01T00:00:00Z: from there on, Date#toISOString writes a six-digit signed year. */
const LAST_4_DIGIT_YEAR_MS = 253_402_300_800_000;
const SLAB_SIZE = 256 * 1024;
/** Room for any non-string value as COPY text (an extended-year timestamp is 27 bytes) and a tab. */
const VALUE_ROOM = 32;

const enum Kind {
  Number,
  String,
  Map,
}
const enum Out {
  Text,
  Number,
  Timestamp,
  Date,
}
const OUT_OF: Record<string, Out> = {
  text: Out.Text,
  inet: Out.Text,
  integer: Out.Number,
  bigint: Out.Number,
  timestamptz: Out.Timestamp,
  date: Out.Date,
};

const BACKSLASH = 0x5c;

/**
 * Avro single-object messages straight to COPY text, with no JavaScript object or string per
 * field. Why hand-written: the sink's CPU profile on flow records (about 80 fields) spent two
 * thirds of its time in avsc's decoding, the objects it builds, their COPY text and the garbage
 * collection of all three. Here a message in the current schema is read field by field into
 * typed arrays (numbers, and the byte ranges of strings) and the columns are written from them
 * in the table's order: strings are copied as bytes, numbers and times formatted once.
 *
 * The output is byte for byte what BulkInsert's COPY text of the decoded record is
 * (avro-copy.test.ts compares them over generated and edge-case records): each column must be the
 * Avro field of its name, read as is (`ColumnSpec.get` a plain field read; a `jsonb` column a
 * string map). A message the fast path does not take (another schema version, a map present, a
 * string needing COPY escapes or not ASCII, a long beyond 2^53, bytes it cannot read) goes through
 * the codec and BulkInsert's own COPY text instead, so it fails, and only fails, as the codec does.
 * A time or date a JavaScript Date cannot hold is not written: the row says it is `unstorable`.
 */
export class AvroCopyTranscoder<R extends object> implements LineState {
  private readonly kinds: Uint8Array;
  private readonly nullable: Uint8Array;
  private readonly present: Uint8Array;
  private readonly numbers: Float64Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly lineFields: Int32Array;
  /** The string fields written (their lengths size a row's room). */
  private readonly textFields: Int32Array;
  /** Writes the row's lines from the field arrays (generated from the columns, see `compileLines`). */
  private readonly writeLines: LinesWriter;
  /** Where `writeLines` last started the kept rows' line (the end of the row without one). */
  splitAt = 0;
  private readonly timeField: number;
  /** The time and date columns written: each value must be within what a Date holds. */
  private readonly ranged: readonly Ranged[];
  private slab = Buffer.alloc(0);
  private pos = 0;
  /** Per time field: the day of its last value, and that day's ISO text up to the `T`. */
  private readonly lastDays: Float64Array;
  private readonly dayTexts: string[];
  private lastDate = NaN;
  private lastDateText = '';

  /**
   * @param columns the table's COPY columns, in order
   * @param kept the kept rows' COPY columns, in order (empty: none)
   * @param timeName the field whose value `TranscodedRow.time` carries (epoch ms)
   */
  constructor(
    private readonly codec: AvroCodec<R>,
    private readonly columns: readonly ColumnSpec<R>[],
    private readonly kept: readonly ColumnSpec<R>[],
    private readonly timeName: string,
  ) {
    const plan = avroRecordPlan(codec.schema);
    if (!plan) {
      throw new Error('AvroCopyTranscoder: the schema has a shape it does not read');
    }
    const n = plan.length;
    this.kinds = Uint8Array.from(plan, (f) =>
      f.kind === 'map' ? Kind.Map : f.kind === 'string' ? Kind.String : Kind.Number,
    );
    this.nullable = Uint8Array.from(plan, (f) => (f.nullable ? 1 : 0));
    this.present = new Uint8Array(n);
    this.numbers = new Float64Array(n);
    this.lastDays = new Float64Array(n).fill(NaN);
    this.dayTexts = new Array<string>(n).fill('');
    this.starts = new Int32Array(n);
    this.ends = new Int32Array(n);
    const index = new Map(plan.map((f, i) => [f.name, i]));
    const fieldOf = (name: string): number => {
      const i = index.get(name);
      if (i === undefined) {
        throw new Error(`AvroCopyTranscoder: column ${name} is not a field of the schema`);
      }
      return i;
    };
    const all = [...columns, ...kept];
    this.lineFields = Int32Array.from(all, (c) => fieldOf(c.name));
    const outs = all.map((c) => {
      const field = plan[fieldOf(c.name)]!;
      if (c.pgType === 'jsonb' && field.kind === 'map') {
        return Out.Text; // written only when null (\N): a present map takes the codec's path
      }
      const out = OUT_OF[c.pgType];
      const fits = out === Out.Text ? field.kind === 'string' : out !== undefined && field.kind !== 'string';
      if (out === undefined || !fits || field.kind === 'map') {
        throw new Error(
          `AvroCopyTranscoder: column ${c.name} (${c.pgType}) cannot be written from its field`,
        );
      }
      return out;
    });
    this.textFields = this.lineFields.filter((f) => this.kinds[f] === Kind.String);
    this.writeLines = compileLines(
      Array.from(this.lineFields, (field, c) => ({
        field,
        out: outs[c]!,
        nullable: this.nullable[field] === 1,
      })),
      columns.length,
    );
    this.timeField = fieldOf(timeName);
    this.ranged = [...new Map(all.map((c) => [c.name, c])).values()].flatMap((c) => {
      const range = RANGES[c.pgType];
      return range ? [{ name: c.name, field: fieldOf(c.name), ...range }] : [];
    });
  }

  /** The row of `message`; throws what the codec's `decode` throws for a message it refuses. */
  transcode(message: Buffer): TranscodedRow {
    const fast = this.codec.isCurrent(message) && this.read(message, SINGLE_OBJECT_HEADER_LENGTH);
    return fast ? this.written(message) : this.slowPath(message);
  }

  /** Reads the body at `buf[pos]` into the field arrays; false when the fast path does not take it. */
  private read(buf: Buffer, pos: number): boolean {
    const end = buf.length;
    const { kinds, nullable, present, numbers, starts, ends } = this;
    for (let i = 0; i < kinds.length; i++) {
      if (nullable[i] === 1) {
        const branch = buf[pos++];
        if (branch === 0) {
          present[i] = 0;
          continue;
        }
        if (branch !== 2) {
          return false;
        }
      }
      present[i] = 1;
      const kind = kinds[i];
      if (kind === Kind.Map) {
        return false;
      }
      // Zig-zag varint (Avro long), exact while at most 2^53; past that the codec's path decides.
      let b = buf[pos++] ?? 0x80;
      let n = b & 0x7f;
      let scale = 128;
      while (b & 0x80) {
        if (scale > 2 ** 49 || pos >= end) {
          return false;
        }
        b = buf[pos++]!;
        n += (b & 0x7f) * scale;
        scale *= 128;
      }
      if (n > 2 ** 53) {
        return false;
      }
      const value = n % 2 === 1 ? -(n + 1) / 2 : n / 2;
      if (kind === Kind.Number) {
        numbers[i] = value;
        continue;
      }
      const stop = pos + value;
      if (value < 0 || stop > end) {
        return false;
      }
      for (let p = pos; p < stop; p++) {
        const c = buf[p]!;
        // Not ASCII, or a byte COPY text escapes (backslash, tab, newline, CR, NUL): codec's path.
        if (c >= 0x80 || c === BACKSLASH || c < 0x20) {
          return false;
        }
      }
      starts[i] = pos;
      ends[i] = stop;
      pos = stop;
    }
    return pos === end;
  }

  /** The COPY lines of the fields just read. */
  private written(message: Buffer): TranscodedRow {
    const time = this.numbers[this.timeField]!;
    for (const r of this.ranged) {
      const value = this.numbers[r.field]!;
      if (this.present[r.field] === 1 && !(Math.abs(value) <= r.limit)) {
        return unstorable(time, r, value);
      }
    }
    let room = (this.lineFields.length + 2) * VALUE_ROOM;
    for (let t = 0; t < this.textFields.length; t++) {
      const f = this.textFields[t]!;
      room += this.ends[f]! - this.starts[f]!;
    }
    if (this.pos + room > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB_SIZE, room));
      this.pos = 0;
    }
    const out = this.slab;
    const start = this.pos;
    const p = this.writeLines(out, start, message, this.present, this.numbers, this.starts, this.ends, this);
    const split = this.splitAt;
    this.pos = p;
    return {
      bytes: out.subarray(start, p),
      split: split - start,
      time,
      unstorable: null,
    };
  }

  /** The ISO text of day number `days` (a `date` column). */
  date(out: Buffer, p: number, days: number): number {
    if (days !== this.lastDate) {
      this.lastDateText = new Date(days * DAY_MS).toISOString().slice(0, 10);
      this.lastDate = days;
    }
    return ascii(out, p, this.lastDateText);
  }

  /**
   * Writes time field `f`'s value `ms` as Date#toISOString does: the day part remembered per field
   * (rows share their days), the time of day written digit by digit.
   */
  timestamp(out: Buffer, p: number, f: number, ms: number): number {
    if (!(ms >= 0 && ms < LAST_4_DIGIT_YEAR_MS)) {
      return ascii(out, p, new Date(ms).toISOString());
    }
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.lastDays[f]) {
      this.dayTexts[f] = new Date(day * DAY_MS).toISOString().slice(0, 11); // YYYY-MM-DDT
      this.lastDays[f] = day;
    }
    p = ascii(out, p, this.dayTexts[f]!);
    let rest = ms - day * DAY_MS;
    const millis = rest % 1000;
    rest = (rest - millis) / 1000;
    const seconds = rest % 60;
    rest = (rest - seconds) / 60;
    const minutes = rest % 60;
    p = twoDigits(out, p, (rest - minutes) / 60);
    out[p++] = 0x3a; // :
    p = twoDigits(out, p, minutes);
    out[p++] = 0x3a;
    p = twoDigits(out, p, seconds);
    out[p++] = 0x2e; // .
    out[p++] = 0x30 + Math.floor(millis / 100);
    p = twoDigits(out, p, millis % 100);
    out[p++] = 0x5a; // Z
    return p;
  }

  /** The codec's decode (which throws what it refuses) and BulkInsert's COPY text of the record. */
  private slowPath(message: Buffer): TranscodedRow {
    const record = this.codec.decode(message);
    const value = (name: string) => (record as Record<string, unknown>)[name];
    const time = value(this.timeName) as number;
    for (const r of this.ranged) {
      const v = value(r.name);
      if (typeof v === 'number' && !(Math.abs(v) <= r.limit)) {
        return unstorable(time, r, v);
      }
    }
    const line = [...copyLines(this.columns, [record])].join('');
    const keptLine = this.kept.length > 0 ? [...copyLines(this.kept, [record])].join('') : '';
    return { bytes: Buffer.from(line + keptLine), split: Buffer.byteLength(line), time, unstorable: null };
  }
}

type LinesWriter = (
  out: Buffer,
  p: number,
  message: Buffer,
  present: Uint8Array,
  numbers: Float64Array,
  starts: Int32Array,
  ends: Int32Array,
  self: LineState,
) => number;

/** What the generated writer calls back and leaves behind. */
interface LineState {
  splitAt: number;
  timestamp(out: Buffer, p: number, f: number, ms: number): number;
  date(out: Buffer, p: number, days: number): number;
}

/**
 * Generates the writer of a row's lines: one statement per column, its field and formatting fixed
 * (measured: a third less time than a loop that looks them up per column). Only numbers from our
 * own column list enter the code.
 */
function compileLines(
  columns: readonly { field: number; out: Out; nullable: boolean }[],
  tableColumns: number,
): LinesWriter {
  const body = columns.map(({ field: f, out, nullable }, c) => {
    const separator = c === tableColumns ? 'out[p++] = 10; self.splitAt = p;' : c > 0 ? 'out[p++] = 9;' : '';
    const write = {
      [Out.Text]: `p = text(out, p, message, starts[${f}], ends[${f}]);`,
      [Out.Number]: `p = decimal(out, p, numbers[${f}]);`,
      [Out.Timestamp]: `p = self.timestamp(out, p, ${f}, numbers[${f}]);`,
      [Out.Date]: `p = self.date(out, p, numbers[${f}]);`,
    }[out];
    const value = nullable
      ? `if (present[${f}] === 0) { out[p++] = 92; out[p++] = 78; } else { ${write} }`
      : write;
    return `${separator} ${value}`;
  });
  const last = columns.length === tableColumns ? 'self.splitAt = p + 1;' : '';
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated once from our own column list (see above).
  const factory = new Function(
    'text',
    'decimal',
    `return function writeLines(out, p, message, present, numbers, starts, ends, self) {\n${body.join('\n')}\n${last} out[p++] = 10;\nreturn p;\n};`,
  ) as (...args: unknown[]) => LinesWriter;
  return factory(text, decimal);
}

/** Copies the string bytes `message[from, to)` to `out[p]` (a loop for short ones); returns the end. */
function text(out: Buffer, p: number, message: Buffer, from: number, to: number): number {
  if (to - from > 24) {
    return p + message.copy(out, p, from, to);
  }
  for (let s = from; s < to; s++) {
    out[p++] = message[s]!;
  }
  return p;
}

/** Writes 0 ≤ n < 100 as two digits. */
function twoDigits(out: Buffer, p: number, n: number): number {
  out[p] = 0x30 + Math.floor(n / 10);
  out[p + 1] = 0x30 + (n % 10);
  return p + 2;
}

/** Writes the integer `n` (|n| ≤ 2^53) in decimal at `out[p]`, as String(n) does; returns the end. */
function decimal(out: Buffer, p: number, n: number): number {
  if (n < 0) {
    out[p++] = 0x2d; // -
    n = -n;
  }
  if (n < 10) {
    out[p++] = 0x30 + n;
    return p;
  }
  if (n >= 2_147_483_648) {
    return ascii(out, p, String(n)); // beyond int32 arithmetic (bytes, epoch ms): rare enough
  }
  let digits = 2;
  for (let x = (n / 100) | 0; x > 0; x = (x / 10) | 0) {
    digits++;
  }
  let end = p + digits;
  for (let x = n | 0; end > p; x = (x / 10) | 0) {
    out[--end] = 0x30 + (x % 10);
  }
  return p + digits;
}

/** Writes the ASCII text `s` at `out[p]` (a loop beats a call into C++ for a few bytes); returns the end. */
function ascii(out: Buffer, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    out[p++] = s.charCodeAt(i);
  }
  return p;
}

/** The row of a message with a time or date outside what a JavaScript Date holds: not written. */
function unstorable(time: number, column: Ranged, value: number): TranscodedRow {
  return {
    bytes: Buffer.alloc(0),
    split: 0,
    time,
    unstorable: `${column.name} ${value} ${column.unit} is out of range`,
  };
}
