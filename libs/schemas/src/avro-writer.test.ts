import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import avro from 'avsc';
import { AvroCodec, EncodeArena } from './avro-codec';
import {
  cloudTrailEventSchema,
  deadLetterSchema,
  flowRecordSchema,
  objectEventSchema,
  tgwFlowRecordSchema,
  type AvroSchema,
} from './avro-schemas';
import { compileAvroWriter } from './avro-writer';

/** Deterministic PRNG (mulberry32), so a failure names a reproducible record. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTS = [
  0,
  1,
  -1,
  63,
  64,
  -64,
  -65,
  127,
  128,
  8191,
  8192,
  65535,
  2 ** 30 - 1,
  -(2 ** 30),
  2 ** 31 - 1,
  -(2 ** 31),
];
const LONGS = [
  ...INTS,
  2 ** 30,
  -(2 ** 30) - 1,
  2 ** 31,
  2 ** 32 + 5,
  1_714_564_800_000,
  -1_714_564_800_000,
  Number.MAX_SAFE_INTEGER - 1, // avsc's largest long
  Number.MIN_SAFE_INTEGER + 1,
];
// ASCII of every length class (1- and 2-byte length prefixes), and UTF-8 of 2, 3 and 4 bytes.
const STRINGS = [
  '',
  '-',
  'a',
  'x'.repeat(63),
  'y'.repeat(64),
  'z'.repeat(200),
  'é',
  'naïve café',
  '日本語',
  'emoji 🚀',
  'k'.repeat(8191),
  'q'.repeat(9000),
];

type Field = { name: string; type: unknown };

function randomValue(type: unknown, rnd: () => number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  if (Array.isArray(type)) {
    const r = rnd();
    return r < 0.3 ? null : r < 0.35 ? undefined : randomValue(type[1], rnd);
  }
  const t = typeof type === 'object' && type !== null ? (type as { type: unknown }).type : type;
  switch (t) {
    case 'int':
      return rnd() < 0.5 ? pick(INTS) : Math.floor(rnd() * 2 ** 32) - 2 ** 31;
    case 'long':
      return rnd() < 0.5 ? pick(LONGS) : Math.floor((rnd() - 0.5) * 2 ** 52);
    case 'string':
      return rnd() < 0.7 ? pick(STRINGS) : Math.floor(rnd() * 1e9).toString(36);
    case 'map': {
      const m: Record<string, string> = {};
      const n = Math.floor(rnd() * 4);
      for (let i = 0; i < n; i++) {
        m[`${pick(STRINGS).slice(0, 20)}${i}`] = pick(STRINGS);
      }
      return m;
    }
    default:
      throw new Error(`no generator for ${JSON.stringify(type)}`);
  }
}

function randomRecord(schema: AvroSchema, rnd: () => number): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (const f of schema['fields'] as Field[]) {
    const v = randomValue(f.type, rnd);
    if (v !== undefined) {
      r[f.name] = v;
    }
  }
  return r;
}

describe('compileAvroWriter', () => {
  for (const [name, schema] of [
    ['FlowRecord', flowRecordSchema],
    ['TgwFlowRecord', tgwFlowRecordSchema],
  ] as const) {
    it(`writes ${name} byte-identical to avsc over 3,000 random records (nulls, unions, extra maps, UTF-8)`, () => {
      const type = avro.Type.forSchema(schema as avro.Schema);
      const codec = new AvroCodec<object>(schema);
      const rnd = prng(name.length);
      const encoded: Buffer[] = [];
      const expected: Buffer[] = [];
      for (let i = 0; i < 3000; i++) {
        const record = randomRecord(schema, rnd);
        const mine = codec.encode(record);
        assert.deepEqual(mine.subarray(10), type.toBuffer(record), `record ${i}`);
        encoded.push(mine);
        expected.push(Buffer.from(mine));
      }
      // Messages share slabs: writing later ones never changes earlier ones.
      encoded.forEach((m, i) => assert.deepEqual(m, expected[i], `message ${i} changed`));
      assert.ok(new Set(encoded.map((m) => m.buffer)).size > 1, 'the test crossed a slab boundary');
    });
  }

  it('writes into an arena, whose memory is written again after reset', () => {
    const type = avro.Type.forSchema(flowRecordSchema as avro.Schema);
    const codec = new AvroCodec<object>(flowRecordSchema);
    const arena = new EncodeArena();
    const rnd = prng(11);
    const round = () =>
      Array.from({ length: 2000 }, () => {
        const record = randomRecord(flowRecordSchema, rnd);
        const message = codec.encode(record, arena);
        assert.deepEqual(message.subarray(10), type.toBuffer(record));
        return message;
      });
    const first = round();
    const slabs = new Set(first.map((m) => m.buffer));
    assert.ok(slabs.size > 1);
    arena.reset();
    const second = round();
    assert.ok(
      second.every((m) => slabs.has(m.buffer) || m.length > 0),
      'messages after a reset reuse the slabs',
    );
    assert.ok(second.some((m) => slabs.has(m.buffer)));
  });

  it('writes a record bigger than a slab', () => {
    const type = avro.Type.forSchema(flowRecordSchema as avro.Schema);
    const codec = new AvroCodec<object>(flowRecordSchema);
    const record = Object.assign(randomRecord(flowRecordSchema, prng(7)), {
      extra: { big: 'b'.repeat(700_000), x: 'é' },
      source_bucket: 'bucket',
      source_key: 'key',
      source_line: 2,
      event_time: 0,
    });
    assert.deepEqual(codec.encode(record).subarray(10), type.toBuffer(record));
    assert.deepEqual(
      { ...codec.decode(codec.encode(record)) },
      { ...(type.fromBuffer(type.toBuffer(record)) as object) },
    );
  });

  it('refuses what avsc refuses', () => {
    const type = avro.Type.forSchema(flowRecordSchema as avro.Schema);
    const codec = new AvroCodec<object>(flowRecordSchema);
    const valid = randomRecord(flowRecordSchema, prng(3));
    Object.assign(valid, { source_bucket: 'b', source_key: 'k', source_line: 1, event_time: 0 });
    for (const bad of [
      { version: 1.5 },
      { version: 2 ** 31 },
      { version: '5' },
      { bytes: 2 ** 53 - 1 },
      { bytes: -Infinity },
      { bytes: NaN },
      { bytes: '10' },
      { srcaddr: 10 },
      { source_bucket: null },
      { source_bucket: undefined },
      { extra: 'x' },
      { extra: [] },
      { extra: { a: 1 } },
    ]) {
      const record = { ...valid, ...bad };
      assert.throws(() => type.toBuffer(record), `avsc accepts ${JSON.stringify(bad)}`);
      assert.throws(() => codec.encode(record), /invalid/, `writer accepts ${JSON.stringify(bad)}`);
    }
  });

  it('declines schemas of other shapes, which keep avsc', () => {
    assert.equal(compileAvroWriter(objectEventSchema), null); // enum
    assert.equal(compileAvroWriter(cloudTrailEventSchema), null); // nested records
    assert.equal(compileAvroWriter(deadLetterSchema), null); // bytes, boolean
    assert.notEqual(compileAvroWriter(flowRecordSchema), null);
  });
});
