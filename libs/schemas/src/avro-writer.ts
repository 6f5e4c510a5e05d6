import type { AvroSchema } from './avro-schemas';

/**
 * A record writer generated once from an Avro schema: it writes a value's Avro binary body
 * straight into a caller's buffer, with no per-record allocation. Why: avsc's `Type#toBuffer`
 * allocates a buffer per record and walks a generic type tree, which measured half of the flow
 * parser's CPU time on records of ~80 nullable fields. The output is byte-identical to avsc's
 * (avro-writer.test.ts compares them over many random records) and it refuses the values avsc
 * refuses, with the same message shape.
 *
 * Supported shapes (enough for the flow-record schemas; `compileAvroWriter` returns null for any
 * other schema so the caller keeps avsc): a record whose fields are `int`, `long`, `string`
 * (logical types of those are written as their underlying type), `["null", one of those]`, or
 * `["null", {"type": "map", "values": "string"}]`; `null` defaults only.
 */
export type AvroBodyWriter = (buf: Buffer, pos: number, value: object) => number;

/** Thrown (and caught by the caller) when `buf` has too little room left; retry with a bigger one. */
export const WRITER_OVERFLOW = new RangeError('avro writer: buffer too small');

type Primitive = 'int' | 'long' | 'string';
/** One field of a record the generated writer (and the sink's COPY transcoder) supports. */
export type AvroFieldPlan =
  | { name: string; nullable: boolean; kind: Primitive; schema: unknown }
  | { name: string; nullable: true; kind: 'map'; schema: unknown };

function primitiveOf(t: unknown): Primitive | null {
  if (t === 'int' || t === 'long' || t === 'string') {
    return t;
  }
  if (typeof t === 'object' && t !== null && !Array.isArray(t)) {
    const o = t as Record<string, unknown>;
    // A logical type avsc does not know is written as its underlying type (the Avro specification's rule).
    if (
      typeof o['logicalType'] === 'string' &&
      Object.keys(o).every((k) => k === 'type' || k === 'logicalType')
    ) {
      return primitiveOf(o['type']);
    }
    if (Object.keys(o).length === 1) {
      return primitiveOf(o['type']);
    }
  }
  return null;
}

function isStringMap(t: unknown): boolean {
  return (
    typeof t === 'object' &&
    t !== null &&
    (t as Record<string, unknown>)['type'] === 'map' &&
    (t as Record<string, unknown>)['values'] === 'string'
  );
}

/**
 * The fields of `schema` in their order, each with its underlying kind, or null when the schema has
 * a shape outside the supported ones (see above).
 */
export function avroRecordPlan(schema: AvroSchema): AvroFieldPlan[] | null {
  if (schema['type'] !== 'record' || !Array.isArray(schema['fields'])) {
    return null;
  }
  const out: AvroFieldPlan[] = [];
  for (const f of schema['fields'] as Record<string, unknown>[]) {
    const name = f['name'];
    const type = f['type'];
    if (typeof name !== 'string') {
      return null;
    }
    if (Array.isArray(type)) {
      if (type.length !== 2 || type[0] !== 'null' || ('default' in f && f['default'] !== null)) {
        return null;
      }
      const p = primitiveOf(type[1]);
      if (p) {
        out.push({ name, nullable: true, kind: p, schema: type[1] });
      } else if (isStringMap(type[1])) {
        out.push({ name, nullable: true, kind: 'map', schema: type[1] });
      } else {
        return null;
      }
    } else {
      const p = primitiveOf(type);
      if (!p || 'default' in f) {
        return null;
      }
      out.push({ name, nullable: false, kind: p, schema: type });
    }
  }
  return out;
}

/** Zig-zag varint of a safe integer at `buf[pos]`, as avsc's Tap#writeLong writes it; returns the end. */
export function writeLong(buf: Buffer, pos: number, n: number): number {
  if (n >= -1073741824 && n < 1073741824) {
    let m = n >= 0 ? n << 1 : (~n << 1) | 1;
    while (m > 0x7f) {
      buf[pos++] = (m & 0x7f) | 0x80;
      m >>>= 7;
    }
    buf[pos++] = m;
    return pos;
  }
  // |n| ≥ 2^30: the zig-zag value is ≥ 2^31 - 1, so its 28 low bits (four 7-bit groups) all carry
  // a continuation bit; the rest (< 2^26) is an int. Integer operations, not `%` on doubles (fmod).
  const f = n >= 0 ? n * 2 : -n * 2 - 1;
  let high = Math.floor(f / 268435456);
  let low = f - high * 268435456;
  for (let i = 0; i < 4; i++) {
    buf[pos++] = (low & 0x7f) | 0x80;
    low >>>= 7;
  }
  while (high > 0x7f) {
    buf[pos++] = (high & 0x7f) | 0x80;
    high >>>= 7;
  }
  buf[pos++] = high;
  return pos;
}

function writeStringSlow(buf: Buffer, pos: number, s: string): number {
  const len = Buffer.byteLength(s);
  if (pos + len + 10 > buf.length) {
    throw WRITER_OVERFLOW;
  }
  pos = writeLong(buf, pos, len);
  buf.write(s, pos, len, 'utf8');
  return pos + len;
}

// Length-prefixed UTF-8. ASCII (all of a flow record in practice) is copied by a loop, which is
// faster than a call into C++ for short strings; anything else goes through Buffer#utf8Write.
function writeString(buf: Buffer, pos: number, s: string): number {
  const n = s.length;
  if (n >= 8192 || pos + n + 2 > buf.length) {
    return writeStringSlow(buf, pos, s);
  }
  let p: number;
  if (n < 64) {
    buf[pos] = n << 1;
    p = pos + 1;
  } else {
    buf[pos] = ((n << 1) & 0x7f) | 0x80;
    buf[pos + 1] = n >>> 6;
    p = pos + 2;
  }
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      return writeStringSlow(buf, pos, s);
    }
    buf[p++] = c;
  }
  return p;
}

function invalid(schema: unknown, value: unknown): never {
  throw new Error(`invalid ${JSON.stringify(schema)}: ${JSON.stringify(value)}`);
}

function writeMap(buf: Buffer, pos: number, m: unknown, schema: unknown): number {
  if (!m || typeof m !== 'object' || Array.isArray(m)) {
    invalid(schema, m);
  }
  const o = m as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length > 0) {
    if (pos + 10 > buf.length) {
      throw WRITER_OVERFLOW;
    }
    pos = writeLong(buf, pos, keys.length);
    for (const k of keys) {
      const v = o[k];
      if (typeof v !== 'string') {
        invalid('string', v);
      }
      pos = writeString(buf, pos, k);
      pos = writeString(buf, pos, v);
    }
  }
  if (pos + 1 > buf.length) {
    throw WRITER_OVERFLOW;
  }
  buf[pos++] = 0;
  return pos;
}

/**
 * Generates the writer for `schema`, or returns null when the schema has a shape it does not
 * support. Field names come from our own schema, never from input; they are JSON-quoted.
 */
export function compileAvroWriter(schema: AvroSchema): AvroBodyWriter | null {
  const fields = avroRecordPlan(schema);
  if (!fields) {
    return null;
  }
  const schemas: unknown[] = [];
  // Room for every fixed-size part (union index + varint ≤ 11 bytes a field); strings check their own.
  const lines = [`if (pos + ${fields.length * 11} > buf.length) throw OVERFLOW;`, 'let v;'];
  fields.forEach((f, i) => {
    schemas.push(f.schema);
    const s = `S[${i}]`;
    const get = `v = r[${JSON.stringify(f.name)}];`;
    let write = '';
    switch (f.kind) {
      case 'int':
        write = `if (v !== (v | 0)) invalid(${s}, v); pos = writeLong(buf, pos, v);`;
        break;
      case 'long':
        // avsc's range for a long: ±(2^53 - 2).
        write = `if (typeof v !== 'number' || v % 1 !== 0 || !(v >= -9007199254740990 && v <= 9007199254740990)) invalid(${s}, v); pos = writeLong(buf, pos, v);`;
        break;
      case 'string':
        write = `if (typeof v !== 'string') invalid(${s}, v); pos = writeString(buf, pos, v);`;
        break;
      case 'map':
        write = `pos = writeMap(buf, pos, v, ${s});`;
        break;
    }
    const rest = (fields.length - i - 1) * 11;
    if (f.kind === 'string' || f.kind === 'map') {
      // A string or map checks its own room; the fixed-size fields after it need theirs again.
      write += ` if (pos + ${rest} > buf.length) throw OVERFLOW;`;
    }
    if (f.nullable) {
      // avsc writes a field's default (here null) when the value is undefined.
      lines.push(
        `${get} if (v === null || v === undefined) { buf[pos++] = 0; } else { buf[pos++] = 2; ${write} }`,
      );
    } else {
      lines.push(`${get} ${write}`);
    }
  });
  lines.push('return pos;');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated once per schema from our own field names (see above).
  const factory = new Function(
    'OVERFLOW',
    'S',
    'invalid',
    'writeLong',
    'writeString',
    'writeMap',
    `return function writeRecord(buf, pos, r) {\n${lines.join('\n')}\n};`,
  ) as (...args: unknown[]) => AvroBodyWriter;
  return factory(WRITER_OVERFLOW, schemas, invalid, writeLong, writeString, writeMap);
}
