import { isIP } from 'node:net';
import {
  FLOW_FIELDS,
  TGW_FLOW_FIELDS,
  flowRecordSchema,
  tgwFlowRecordSchema,
  writeAvroLong,
  type AvroSchema,
  type FlowFieldDef,
  type ObjectContext,
} from '@lake/schemas';
// From their modules, not the folder's index (see flow-enricher.ts).
import { addressClass, classifyV4, addressClassV6, type AddressClass } from './enrichment/address-class';
import { guessDirection } from './enrichment/direction';
import { IP_PROTOCOLS } from './enrichment/ip-protocols.table';
import { WELL_KNOWN_PORTS } from './enrichment/well-known-ports.table';
import type { Column, FlowFamily } from './flow-header';

/**
 * Writes the Avro binary body of one clean line `b[from, end)` (its family's record: AWS fields,
 * provenance, enrichment, in schema order) at `o[pos]` and returns where it ends; or NOT_CLEAN for
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

// Enrichment values as the Avro bytes of their nullable union, computed once from the tables.
const PROTOCOLS = Array.from({ length: 256 }, (_, n) => nullableString(IP_PROTOCOLS.get(n) ?? null));
/** By port, every port 0–65535 (null where the table has no name): an array read, no hashing. */
const PORTS = Array.from({ length: 65536 }, (_, port) => nullableString(WELL_KNOWN_PORTS.get(port) ?? null));
const CLASS_NAMES: readonly AddressClass[] = [
  'private',
  'public',
  'loopback',
  'link-local',
  'multicast',
  'carrier-grade-nat',
  'unspecified',
  'reserved',
  'documentation',
  'unique-local',
  'broadcast',
];
const CLASSES = new Map<AddressClass | null, Uint8Array>(CLASS_NAMES.map((c) => [c, nullableString(c)]));
const DIRECTIONS = new Map<string | null, Uint8Array>(
  ['ingress', 'egress', 'internal', 'external'].map((d) => [d, nullableString(d)]),
);
const MAX_ENRICHMENT = Math.max(
  ...[...PROTOCOLS, ...PORTS, ...CLASSES.values(), ...DIRECTIONS.values()].map((b) => b.length),
);

function put(o: Buffer, pos: number, x: Uint8Array): number {
  for (let i = 0; i < x.length; i++) {
    o[pos + i] = x[i]!;
  }
  return pos + x.length;
}

/** Class of an address that is not dotted-quad IPv4 (IPv6), or undefined when it is no address. */
function otherAddressClass(b: Buffer, from: number, to: number): AddressClass | null | undefined {
  const text = b.toString('latin1', from, to);
  switch (isIP(text)) {
    case 0:
      return undefined;
    case 6:
      return addressClassV6(text);
    default:
      return addressClass(text);
  }
}

const SCHEMAS: Record<FlowFamily, { fields: readonly FlowFieldDef[]; schema: AvroSchema }> = {
  vpc: { fields: FLOW_FIELDS, schema: flowRecordSchema },
  tgw: { fields: TGW_FLOW_FIELDS, schema: tgwFlowRecordSchema },
};

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
 * Reads one column into its variables (see LineEncoder for what passes). With `stream`, its Avro
 * bytes are written as it is read (the columns come in schema order), else kept for `writeColumn`.
 */
function readColumn(
  field: FlowFieldDef,
  i: number,
  last: boolean,
  range: readonly [number, number] | undefined,
  stream: boolean,
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
      const copy = stream ? ' o[q++] = c;' : '';
      // Addresses: dotted-quad IPv4 read on the way (as parseV4: octets 0-255, no leading zeros).
      const v4 =
        field.type === 'address'
          ? ' if (c === 46) { if (d === 0 || x > 255 || t === 3) ok = false; v = v * 256 + x; x = 0; d = 0; t++; } else if (c >= 48 && c <= 57) { if (d === 1 && x === 0) ok = false; x = x * 10 + c - 48; d++; } else { ok = false; }'
          : '';
      lines.push(
        field.type === 'address' ? 'v = 0; x = 0; d = 0; t = 0; ok = true;' : '',
        `${stream ? 'q = pos + 2; ' : ''}e = p;`,
      );
      if (stream && field.type === 'string') {
        // Four bytes at a time while none of them is a space (w ^ 0x20202020 has no zero byte).
        lines.push(
          'while (e + 4 <= end) { w = bv.getUint32(e, true); m = w ^ 0x20202020; if (((m - 0x01010101) & ~m & 0x80808080) !== 0) break; ov.setUint32(q, w, true); q += 4; e += 4; }',
        );
      }
      lines.push(`while (e < end) { c = b[e]; if (c === 32) break;${copy} e++;${v4} }`);
      if (stream) {
        // Copied while scanned, behind a 1-byte length (moved by one for the rare length ≥ 64).
        lines.push(
          'n = e - p; if (n === 0 || n >= 8192) return -1;',
          'o[pos] = 2;',
          'if (n < 64) { o[pos + 1] = n << 1; pos = q; } else { o.copyWithin(pos + 3, pos + 2, q); o[pos + 1] = ((n << 1) & 127) | 128; o[pos + 2] = (n << 1) >>> 7; pos = q + 1; }',
          `s${i} = p;`,
        );
      } else {
        lines.push('if (e === p) return -1;', `s${i} = p; e${i} = e;`);
      }
      if (field.type === 'address') {
        lines.push(
          `if (ok && d > 0 && x <= 255 && t === 3) { k${i} = classifyV4(v * 256 + x); } else { k${i} = otherClass(b, p, e); if (k${i} === undefined) return -1; }`,
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
      return `if (s${i} < 0) { o[pos++] = 0; } else { o[pos++] = 2; pos = writeLong(o, pos, e${i} - s${i}); for (let j = s${i}; j < e${i}; j++) o[pos++] = b[j]; }`;
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
  const cls = (name: string): string => (at(name) === undefined ? 'null' : `k${at(name)}`);

  const names = schemaFieldNames(family);
  const awsFields = SCHEMAS[family].fields;
  const schemaIndex = new Map(awsFields.map((f, i) => [f.name, i]));
  // Columns in schema order (every AWS default format) are written as they are read, in one pass.
  const stream = fields.every(
    (f, i) => i === 0 || schemaIndex.get(f.name)! > schemaIndex.get(fields[i - 1]!.name)!,
  );
  const code: string[] = [
    'let p = from, e = 0, n = 0, c = 0, m = 0, q = 0, w = 0, day = 0, v = 0, x = 0, d = 0, t = 0, ok = true;',
    'if (b[from] <= 32 || b[end - 1] <= 32) return -1;',
    // Room: the line's bytes bound the strings; 11 bytes bound a field's union index and varint.
    `if (pos + (end - from) + k.size + ${names.length * 11 + 6 * MAX_ENRICHMENT} > o.length) return -2;`,
  ];
  fields.forEach((f, i) => {
    if (f.type === 'int' || f.type === 'long') {
      code.push(`let n${i} = -1;`);
    } else {
      code.push(`let s${i} = -1, e${i} = -1;`);
      if (f.type === 'address') {
        code.push(`let k${i} = null;`);
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
    code.push(...readColumn(f, i, i === fields.length - 1, ranges[f.name], stream));
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
        code.push(`pos = put(o, pos, ${num('protocol')} < 0 ? NULL : PROTOCOLS[${num('protocol')}]);`);
        break;
      case 'duration_seconds':
        code.push(
          `if (${start} < 0 || ${endTime} < 0) { o[pos++] = 0; } else { o[pos++] = 2; n = ${endTime} - ${start}; if (n >= 0 && n < 1073741824) { ${varint('n', 2 ** 30)} } else { pos = writeLong(o, pos, n); } }`,
        );
        break;
      case 'dstport_service':
        code.push(`pos = put(o, pos, ${num('dstport')} < 0 ? NULL : PORTS[${num('dstport')}]);`);
        break;
      case 'srcaddr_class':
        code.push(`pos = put(o, pos, CLASSES.get(${cls('srcaddr')}) ?? NULL);`);
        break;
      case 'dstaddr_class':
        code.push(`pos = put(o, pos, CLASSES.get(${cls('dstaddr')}) ?? NULL);`);
        break;
      case 'direction_guess': {
        // As enrich(): only where the record has no flow-direction.
        const fd = at('flow_direction');
        const guess = `DIRECTIONS.get(guessDirection(${cls('srcaddr')}, ${cls('dstaddr')})) ?? NULL`;
        code.push(`pos = put(o, pos, ${fd === undefined ? guess : `s${fd} >= 0 ? NULL : ${guess}`});`);
        break;
      }
      case 'event_date':
        // Days since 1970 for the times that pass (≥ 0, < 2^53 ms).
        code.push(`o[pos++] = 2; day = Math.floor(time / ${DAY_MS}); ${varint('day', 2 ** 27)}`);
        break;
      default:
        throw new Error(`flow line encoder: no rule for schema field ${name}`);
    }
  }
  code.push('return pos;');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see above: our own names, built once per header.
  const factory = new Function(
    'classifyV4',
    'otherClass',
    'guessDirection',
    'writeLong',
    'put',
    'NULL',
    'PROTOCOLS',
    'PORTS',
    'CLASSES',
    'DIRECTIONS',
    `return function encodeLine(b, from, end, o, pos, line, k, bv, ov) {\n${code.join('\n')}\n};`,
  ) as (...deps: unknown[]) => LineEncoder;
  return factory(
    classifyV4,
    otherAddressClass,
    guessDirection,
    writeAvroLong,
    put,
    NULL,
    PROTOCOLS,
    PORTS,
    CLASSES,
    DIRECTIONS,
  );
}
