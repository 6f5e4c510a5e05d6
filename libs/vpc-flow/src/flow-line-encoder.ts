import { isIP } from 'node:net';
import {
  FLOW_FIELDS,
  SINGLE_OBJECT_MARKER,
  TGW_FLOW_FIELDS,
  codecs,
  flowRecordSchema,
  tgwFlowRecordSchema,
  writeAvroLong,
  type AvroSchema,
  type FlowFieldDef,
  type ObjectContext,
} from '@lake/schemas';
// From their modules, not the folder's index (see flow-enricher.ts).
import {
  ADDRESS_CLASSES,
  addressClass,
  addressClassV6,
  classifyV4Index,
  type AddressClass,
} from './enrichment/address-class';
import { guessDirection } from './enrichment/direction';
import { IP_PROTOCOLS } from './enrichment/ip-protocols.table';
import { WELL_KNOWN_PORTS } from './enrichment/well-known-ports.table';
import type { Column, FlowFamily } from './flow-header';
import { VpcFlowSchemaError } from './vpc-flow.errors';

/**
 * Writes the Avro single-object message of one clean line `b[from, end)` (the header, then its
 * family's record: AWS fields, provenance, enrichment, in schema order) at `o[pos]` and returns
 * where it ends; or NOT_CLEAN for
 * any line the general path must read (it gives the dead-letter reason or accepts what this one
 * leaves to it), or NO_ROOM when `o` has too little room left. Clean means what it means for the
 * compiled line parser (flow-line-parser.ts): the caller checked the bytes are ASCII; fields
 * separated by exactly one space, no white space around the line, the header's field count, numbers
 * of at most 15 digits within their ranges, IP addresses; here also fields under 8 KiB and an event
 * time that is an Avro long (the general path's encoding refuses a larger one).
 */
export type LineEncoder = (
  b: Buffer,
  from: number,
  end: number,
  o: Buffer,
  pos: number,
  line: number,
  k: ObjectConstants,
  /** DataViews of `b` and `o` (same offsets), for copying four bytes at a time. */
  bv: DataView,
  ov: DataView,
) => number;

export const NOT_CLEAN = -1;
export const NO_ROOM = -2;

/** The Avro bytes of one object's constant fields, runs of adjacent ones joined, in schema order. */
export interface ObjectConstants {
  readonly runs: readonly Uint8Array[];
  readonly size: number;
  /** Delivery time from the key (ms): the event time of a record with neither start nor end. */
  readonly deliveredAt: number;
}

const DAY_MS = 86_400_000;
const MAX_LONG = 9_007_199_254_740_990; // avsc's bound for a long: ±(2^53 - 2)
const MAX_FAST_DIGITS = 15; // every 15-digit number is a safe integer; longer ones take the general path
const MAX_INT = 2_147_483_647;

const NULL = Uint8Array.of(0);

/** `["null", "string"]` union bytes of a value (ASCII or not), as avsc writes them. */
/** Avro `["null", long]` of `n`. */
function nullableLong(n: number | null): Uint8Array {
  if (n === null) {
    return NULL;
  }
  const bytes = Buffer.alloc(11);
  bytes[0] = 2;
  return bytes.subarray(0, writeAvroLong(bytes, 1, n));
}

function nullableString(s: string | null): Uint8Array {
  if (s === null) {
    return NULL;
  }
  const text = Buffer.from(s, 'utf8');
  const head = Buffer.alloc(11);
  head[0] = 2;
  const n = writeAvroLong(head, 1, text.length);
  return Buffer.concat([head.subarray(0, n), text]);
}

function plainString(s: string): Uint8Array {
  return nullableString(s).subarray(1);
}

/**
 * Byte strings by index, packed in one array (entry i is `bytes[at[i], at[i + 1])`): the encoder
 * copies an entry with one loop over one typed array, where an array of small buffers was a call
 * per field over entries of two classes (Buffer and Uint8Array) that V8 could not specialise.
 */
interface PackedBytes {
  readonly bytes: Uint8Array;
  readonly at: Uint32Array;
}

function pack(entries: readonly Uint8Array[]): PackedBytes {
  const at = new Uint32Array(entries.length + 1);
  entries.forEach((e, i) => (at[i + 1] = at[i]! + e.length));
  const bytes = new Uint8Array(at[entries.length]!);
  entries.forEach((e, i) => bytes.set(e, at[i]));
  return { bytes, at };
}

/** The code that copies entry `index` (an expression) of the PackedBytes named `table` to `o[pos]`. */
function copyEntry(table: string, index: string): string {
  return `j = ${table}.at[${index}]; q = ${table}.at[${index} + 1]; while (j < q) { o[pos++] = ${table}.bytes[j++]; }`;
}

// Enrichment values as the Avro bytes of their nullable union, computed once from the tables and
// indexed by the column's number + 1, so that a '-' column (-1) reads null at 0 without a branch.
const PROTOCOLS = pack([
  NULL,
  ...Array.from({ length: 256 }, (_, n) => nullableString(IP_PROTOCOLS.get(n) ?? null)),
]);
/**
 * Service names by port: `SERVICES` entry `SERVICE_OF[port + 1]` (0: null, also for '-'). Two
 * small tables rather than one entry per port: 64 KiB of indexes stay in the CPU's cache where
 * 256 KiB of offsets, read at random ports, did not.
 */
const SERVICE_NAMES = [...new Set(WELL_KNOWN_PORTS.values())];
const SERVICES = pack([NULL, ...SERVICE_NAMES.map(nullableString)]);
const SERVICE_OF = new Uint8Array(65537);
for (const [port, name] of WELL_KNOWN_PORTS) {
  SERVICE_OF[port + 1] = SERVICE_NAMES.indexOf(name) + 1;
}
/**
 * The encoder's number for an address class: its index in ADDRESS_CLASSES (classifyV4Index), and
 * one more for null (no address, or an IPv6 address we cannot read).
 */
const NULL_CLASS = ADDRESS_CLASSES.length;
const CLASS_COUNT = ADDRESS_CLASSES.length + 1;
const classOfCode = (code: number): AddressClass | null => ADDRESS_CLASSES[code] ?? null;
const codeOfClass = (c: AddressClass | null): number =>
  c === null ? NULL_CLASS : ADDRESS_CLASSES.indexOf(c);

/**
 * srcaddr_class, dstaddr_class and direction_guess (adjacent in the schema) as one entry per pair of
 * address class codes: `src * CLASS_COUNT + dst`; then the same pairs with a null direction_guess,
 * for records that have a flow-direction (as enrich()).
 */
const CLASS_PAIRS = pack(
  [true, false].flatMap((guess) =>
    Array.from({ length: CLASS_COUNT * CLASS_COUNT }, (_, i) => {
      const src = classOfCode(Math.floor(i / CLASS_COUNT));
      const dst = classOfCode(i % CLASS_COUNT);
      return Buffer.concat([
        nullableString(src),
        nullableString(dst),
        nullableString(guess ? guessDirection(src, dst) : null),
      ]);
    }),
  ),
);
const MAX_ENRICHMENT = Math.max(
  ...[PROTOCOLS, SERVICES, CLASS_PAIRS].map((t) => Math.max(...t.at.slice(1).map((a, i) => a - t.at[i]!))),
);

/**
 * Class code of an address that is not dotted-quad IPv4 (IPv6), or -1 when it is no address. Rare
 * in flow logs: text and `net.isIP` are fine here.
 */
function otherClassCode(b: Buffer, from: number, to: number): number {
  const text = b.toString('latin1', from, to);
  switch (isIP(text)) {
    case 0:
      return -1;
    case 6:
      return codeOfClass(addressClassV6(text));
    default:
      return codeOfClass(addressClass(text));
  }
}

const SCHEMAS: Record<FlowFamily, { fields: readonly FlowFieldDef[]; schema: AvroSchema }> = {
  vpc: { fields: FLOW_FIELDS, schema: flowRecordSchema },
  tgw: { fields: TGW_FLOW_FIELDS, schema: tgwFlowRecordSchema },
};

/** The address columns whose class the record carries (srcaddr_class, dstaddr_class). */
const CLASSIFIED = new Set(['srcaddr', 'dstaddr']);

/**
 * Address columns that usually hold the same address as another: pkt-srcaddr and pkt-dstaddr
 * differ from srcaddr and dstaddr only where traffic passes an intermediate layer, such as a NAT
 * gateway's network interface or an EKS pod behind its node's interface (AWS, "Available fields").
 * When the bytes are equal, the address is known to be valid and is not read again.
 */
const SAME_AS: Readonly<Record<string, string>> = { pkt_srcaddr: 'srcaddr', pkt_dstaddr: 'dstaddr' };

/** The fields that are the same on every record of an object, as finishRecord fills them. */
const CONSTANT_NAMES = new Set([
  'source_bucket',
  'source_key',
  'flow_log_id',
  'key_account_id',
  'key_region',
  'delivered_at',
]);

function constantFields(context: ObjectContext): Record<string, Uint8Array> {
  const { bucket, key, keyInfo } = context;
  return {
    source_bucket: plainString(bucket),
    source_key: plainString(key),
    flow_log_id: nullableString(keyInfo.flowLogId),
    key_account_id: nullableString(keyInfo.accountId),
    key_region: nullableString(keyInfo.region),
    delivered_at: nullableLong(keyInfo.deliveredAt),
  };
}

function schemaFieldNames(family: FlowFamily): string[] {
  return (SCHEMAS[family].schema['fields'] as { name: string }[]).map((f) => f.name);
}

/** The constants of one object for the encoders of `family`, in the order their schema writes them. */
export function objectConstants(family: FlowFamily, context: ObjectContext): ObjectConstants {
  const values = constantFields(context);
  const runs: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  for (const name of schemaFieldNames(family)) {
    const value = values[name];
    if (CONSTANT_NAMES.has(name)) {
      run.push(value!);
    } else if (run.length > 0) {
      runs.push(Buffer.concat(run));
      run = [];
    }
  }
  if (run.length > 0) {
    runs.push(Buffer.concat(run));
  }
  return {
    runs,
    size: runs.reduce((n, r) => n + r.length, 0),
    deliveredAt: context.keyInfo.deliveredAt ?? 0,
  };
}

/** Zig-zag varint of `n` (an expression ≥ 0 and ≤ `max`), inline where it is small. */
function varint(n: string, max: number): string {
  if (max < 64) {
    return `o[pos++] = ${n} << 1;`;
  }
  const inline = `m = ${n} * 2; while (m > 127) { o[pos++] = (m & 127) | 128; m >>>= 7; } o[pos++] = m;`;
  // `m` < 2^32: the bit operations read it as a uint32 (epoch seconds are ~1.7e9).
  return max < 2 ** 31
    ? inline
    : `if (${n} < 2147483648) { ${inline} } else { pos = writeLong(o, pos, ${n}); }`;
}

/**
 * Dotted-quad IPv4 read one byte `c` at a time, as parseV4 reads it (four decimal octets 0–255
 * without leading zeros): `v` holds the octets before the last dot, `x` the current octet, `d` its
 * digits and `t` the dots so far; `ok` turns false at anything else. The address is `v * 256 + x`.
 */
const V4_START = 'v = 0; x = 0; d = 0; t = 0; ok = true;';
const V4_STEP =
  'if (c === 46) { if (d === 0 || x > 255 || t === 3) ok = false; v = v * 256 + x; x = 0; d = 0; t++; } else if (c >= 48 && c <= 57) { if (d === 1 && x === 0) ok = false; x = x * 10 + c - 48; d++; } else { ok = false; }';
const V4_DONE = 'ok && d > 0 && x <= 255 && t === 3';

/** How the encoder uses an address column besides copying it. */
interface AddressUse {
  /** Its class is written (srcaddr_class, dstaddr_class), so it is computed as it is read. */
  classified: boolean;
  /** An earlier address column it usually equals: when the bytes are the same it is valid too. */
  sameAs: number | undefined;
}

/**
 * Reads one column into its variables (see LineEncoder for what passes). With `stream`, its Avro
 * bytes are written as it is read (the columns come in schema order), else kept for `writeColumn`.
 */
function readColumn(
  field: FlowFieldDef,
  i: number,
  last: boolean,
  range: readonly [number, number] | undefined,
  stream: boolean,
  address: AddressUse,
): string[] {
  const lines: string[] = [];
  // '-' is null.
  lines.push(
    `if (b[p] === 45 && (p + 1 === end || b[p + 1] === 32)) { e = p + 1;${stream ? ' o[pos++] = 0;' : ''} } else {`,
  );
  switch (field.type) {
    case 'int':
    case 'long': {
      const [min, max] = range ?? [0, field.type === 'int' ? MAX_INT : Number.MAX_SAFE_INTEGER];
      const n = `n${i}`;
      lines.push(
        `${n} = 0; e = p;`,
        `while (e < end) { c = b[e]; if (c === 32) break; c -= 48; if (c < 0 || c > 9) return -1; ${n} = ${n} * 10 + c; e++; }`,
        `if (e === p || e - p > ${MAX_FAST_DIGITS} || ${n} < ${min} || ${n} > ${max}) return -1;`,
      );
      if (stream) {
        lines.push('o[pos++] = 2;', varint(n, max));
      }
      break;
    }
    case 'string':
    case 'address': {
      // A classified address is read as IPv4 on the way; any other column is only scanned (copied).
      const classified = field.type === 'address' && address.classified;
      lines.push(classified ? V4_START : '', `${stream ? 'q = pos + 2; ' : ''}e = p;`);
      if (stream && !classified) {
        // Four bytes at a time while none of them is a space (w ^ 0x20202020 has no zero byte).
        lines.push(
          'while (e + 4 <= end) { w = bv.getUint32(e, true); m = w ^ 0x20202020; if (((m - 0x01010101) & ~m & 0x80808080) !== 0) break; ov.setUint32(q, w, true); q += 4; e += 4; }',
        );
      }
      lines.push(
        `while (e < end) { c = b[e]; if (c === 32) break;${stream ? ' o[q++] = c;' : ''} e++;${classified ? ` ${V4_STEP}` : ''} }`,
      );
      if (stream) {
        // Copied while scanned, behind a 1-byte length (moved by one for the rare length ≥ 64).
        lines.push(
          'n = e - p; if (n === 0 || n >= 8192) return -1;',
          'o[pos] = 2;',
          'if (n < 64) { o[pos + 1] = n << 1; pos = q; } else { o.copyWithin(pos + 3, pos + 2, q); o[pos + 1] = ((n << 1) & 127) | 128; o[pos + 2] = (n << 1) >>> 7; pos = q + 1; }',
        );
      } else {
        lines.push('if (e === p) return -1;');
      }
      lines.push(`s${i} = p; e${i} = e;`);
      if (classified) {
        lines.push(
          `if (${V4_DONE}) { k${i} = v4Class(v * 256 + x); } else { k${i} = otherClass(b, p, e); if (k${i} < 0) return -1; }`,
        );
      } else if (field.type === 'address') {
        const check = `${V4_START} for (j = p; j < e; j++) { c = b[j]; ${V4_STEP} } if (!(${V4_DONE}) && otherClass(b, p, e) < 0) return -1;`;
        const k = address.sameAs;
        lines.push(
          k === undefined
            ? check
            : `ok = e - p === e${k} - s${k}; for (j = 0; ok && j < e - p; j++) { ok = b[p + j] === b[s${k} + j]; } if (!ok) { ${check} }`,
        );
      }
      break;
    }
  }
  lines.push('}');
  // The last field runs to the end of the line: a space before it means too many fields.
  lines.push(last ? 'if (e !== end) return -1;' : 'if (e >= end) return -1; p = e + 1;');
  return lines;
}

function writeColumn(field: FlowFieldDef, i: number): string {
  switch (field.type) {
    case 'int':
    case 'long':
      return `if (n${i} < 0) { o[pos++] = 0; } else { o[pos++] = 2; pos = writeLong(o, pos, n${i}); }`;
    case 'string':
    case 'address':
      return `if (s${i} < 0) { o[pos++] = 0; } else { o[pos++] = 2; pos = writeLong(o, pos, e${i} - s${i}); for (j = s${i}; j < e${i}; j++) { o[pos++] = b[j]; } }`;
  }
}

/**
 * Generates the encoder of one header's column order (any subset of the family's fields, any
 * order), or returns null for headers with fields we do not know (their values go to `extra`; the
 * general path handles them). Why generated: as for the line parser, straight-line code with one
 * local per column; and no record object, no string per field, enrichment from the parsed numbers.
 * Names in the code are column indexes and our own schema's names, never input.
 */
export function compileLineEncoder(
  family: FlowFamily,
  columns: readonly Column[],
  ranges: Readonly<Record<string, readonly [number, number]>>,
): LineEncoder | null {
  if (columns.length === 0 || columns.some((c) => !c.known)) {
    return null;
  }
  const fields = columns.map((c) => (c as { field: FlowFieldDef }).field);
  const column = new Map(fields.map((f, i) => [f.name, i]));
  const at = (name: string): number | undefined => column.get(name);
  const num = (name: string): string => (at(name) === undefined ? '-1' : `n${at(name)}`);
  const cls = (name: string): string => (at(name) === undefined ? `${NULL_CLASS}` : `k${at(name)}`);

  const names = schemaFieldNames(family);
  const awsFields = SCHEMAS[family].fields;
  const schemaIndex = new Map(awsFields.map((f, i) => [f.name, i]));
  // Columns in schema order (every AWS default format) are written as they are read, in one pass.
  const stream = fields.every(
    (f, i) => i === 0 || schemaIndex.get(f.name)! > schemaIndex.get(fields[i - 1]!.name)!,
  );
  // The single-object header (marker and the schema's fingerprint) as constant stores: the same
  // bytes on every message, where a copy per message measured 3-7% of a line's time.
  const codec = family === 'vpc' ? codecs.flowRecord : codecs.tgwFlowRecord;
  const headerBytes = [...SINGLE_OBJECT_MARKER, ...codec.fingerprint];
  const code: string[] = [
    'let p = from, e = 0, n = 0, c = 0, m = 0, q = 0, w = 0, j = 0, day = 0, v = 0, x = 0, d = 0, t = 0, ok = true;',
    'if (b[from] <= 32 || b[end - 1] <= 32) return -1;',
    // Room: the line's bytes bound the strings; 11 bytes bound a field's union index and varint;
    // the enrichment strings are three table entries.
    `if (pos + ${headerBytes.length} + (end - from) + k.size + ${names.length * 11 + 3 * MAX_ENRICHMENT} > o.length) return -2;`,
    headerBytes.map((x) => `o[pos++] = ${x};`).join(' '),
  ];
  fields.forEach((f, i) => {
    if (f.type === 'int' || f.type === 'long') {
      code.push(`let n${i} = -1;`);
    } else {
      code.push(`let s${i} = -1, e${i} = -1;`);
      if (CLASSIFIED.has(f.name)) {
        code.push(`let k${i} = ${NULL_CLASS};`);
      }
    }
  });
  // Nulls of the AWS fields the header does not name, up to schema index `to` (streaming).
  let written = 0;
  const nullsUpTo = (to: number): void => {
    if (to > written) {
      code.push('o[pos++] = 0;'.repeat(to - written));
      written = to;
    }
  };
  fields.forEach((f, i) => {
    if (stream) {
      nullsUpTo(schemaIndex.get(f.name)!);
      written++;
    }
    const same = at(SAME_AS[f.name] ?? '');
    const address = {
      classified: CLASSIFIED.has(f.name),
      sameAs: same !== undefined && same < i ? same : undefined,
    };
    code.push(...readColumn(f, i, i === fields.length - 1, ranges[f.name], stream, address));
  });
  if (stream) {
    nullsUpTo(awsFields.length);
  }
  // As finishRecord: start, else end, else the delivery time; beyond a long, the general path.
  const start = num('start');
  const endTime = num('end');
  code.push(
    `const time = ${start} >= 0 ? ${start} * 1000 : ${endTime} >= 0 ? ${endTime} * 1000 : k.deliveredAt;`,
    `if (time > ${MAX_LONG}) return -1;`,
  );
  const byName = new Map(awsFields.map((f) => [f.name, f]));
  let run = 0;
  let inRun = false;
  for (const name of names) {
    if (CONSTANT_NAMES.has(name)) {
      if (!inRun) {
        code.push(`o.set(k.runs[${run++}], pos); pos += k.runs[${run - 1}].length;`);
        inRun = true;
      }
      continue;
    }
    inRun = false;
    const aws = byName.get(name);
    if (aws) {
      const i = at(name);
      if (!stream) {
        code.push(i === undefined ? 'o[pos++] = 0;' : writeColumn(aws, i));
      }
      continue;
    }
    switch (name) {
      case 'source_line':
        code.push(varint('line', 2 ** 53));
        break;
      case 'event_time':
        code.push('pos = writeLong(o, pos, time);');
        break;
      case 'extra':
        code.push('o[pos++] = 0;');
        break;
      case 'protocol_name':
        code.push(copyEntry('PROTOCOLS', `${num('protocol')} + 1`));
        break;
      case 'duration_seconds':
        code.push(
          `if (${start} < 0 || ${endTime} < 0) { o[pos++] = 0; } else { o[pos++] = 2; n = ${endTime} - ${start}; if (n >= 0 && n < 1073741824) { ${varint('n', 2 ** 30)} } else { pos = writeLong(o, pos, n); } }`,
        );
        break;
      case 'dstport_service':
        code.push(copyEntry('SERVICES', `SERVICE_OF[${num('dstport')} + 1]`));
        break;
      case 'srcaddr_class': {
        // With dstaddr_class and direction_guess, which follow it: one entry of CLASS_PAIRS, whose
        // second half has no direction guess, as enrich() for a record with a flow-direction.
        const fd = at('flow_direction');
        const noGuess = fd === undefined ? '' : ` + (s${fd} >= 0 ? ${CLASS_COUNT * CLASS_COUNT} : 0)`;
        code.push(
          copyEntry('CLASS_PAIRS', `${cls('srcaddr')} * ${CLASS_COUNT} + ${cls('dstaddr')}${noGuess}`),
        );
        break;
      }
      case 'dstaddr_class':
      case 'direction_guess':
        // Written with srcaddr_class.
        if (names[names.indexOf(name) - (name === 'dstaddr_class' ? 1 : 2)] !== 'srcaddr_class') {
          throw new VpcFlowSchemaError(`flow line encoder: ${name} does not follow srcaddr_class`);
        }
        break;
      case 'event_date':
        // Days since 1970 for the times that pass (≥ 0, < 2^53 ms).
        code.push(`o[pos++] = 2; day = Math.floor(time / ${DAY_MS}); ${varint('day', 2 ** 27)}`);
        break;
      default:
        throw new VpcFlowSchemaError(`flow line encoder: no rule for schema field ${name}`);
    }
  }
  code.push('return pos;');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see above: our own names, built once per header.
  const factory = new Function(
    'v4Class',
    'otherClass',
    'writeLong',
    'PROTOCOLS',
    'SERVICES',
    'SERVICE_OF',
    'CLASS_PAIRS',
    `return function encodeLine(b, from, end, o, pos, line, k, bv, ov) {\n${code.join('\n')}\n};`,
  ) as (...deps: unknown[]) => LineEncoder;
  return factory(
    classifyV4Index,
    otherClassCode,
    writeAvroLong,
    PROTOCOLS,
    SERVICES,
    SERVICE_OF,
    CLASS_PAIRS,
  );
}
