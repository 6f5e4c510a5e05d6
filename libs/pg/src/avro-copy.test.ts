import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AvroCodec,
  avroRecordPlan,
  codecs,
  flowRecordSchema,
  flowRecordSchemaHistory,
  type FlowRecord,
} from '@lake/schemas';
import { AvroCopyTranscoder } from './avro-copy';
import { copyLines } from './bulk-insert';
import { FLOW_COLUMNS, FlowRecordsRepository } from './flow-records.repository';
import { FLOW_ROLLUP_INPUT } from './rollups';

/** Deterministic PRNG (Park–Miller), so a failure names a reproducible record. */
function prng(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 16_807) % 2_147_483_647) / 2_147_483_647;
}

const KEPT = FLOW_ROLLUP_INPUT.map((name) => FLOW_COLUMNS.find((c) => c.name === name)!);
const PLAN = avroRecordPlan(flowRecordSchema)!;
const TIMES = new Set(FLOW_COLUMNS.filter((c) => c.pgType === 'timestamptz').map((c) => c.name));
/** The time and date columns in column order, with the largest magnitude a Date holds in their unit. */
const RANGED = FLOW_COLUMNS.flatMap((c) =>
  c.pgType === 'timestamptz'
    ? [{ name: c.name, limit: 8.64e15, unit: 'ms' }]
    : c.pgType === 'date'
      ? [{ name: c.name, limit: 1e8, unit: 'days' }]
      : [],
);

const INTS = [0, 1, -1, 63, 64, -65, 443, 65535, 2 ** 31 - 1, -(2 ** 31)];
const LONGS = [...INTS, 2 ** 32 + 5, 1_714_564_800_123, 2 ** 48 - 1, -(2 ** 48), Number.MAX_SAFE_INTEGER - 1];
// Times (epoch, before it, a year past 9999, the last a Date holds, one past it) and day numbers.
const TIMES_MS = [
  0, 1_714_564_800_000, 1_714_564_861_001, 1_714_607_999_999, -86_400_001, 253_402_300_799_999,
  253_402_300_800_000, 8.64e15, 9e15,
];
// Day numbers: the epoch, 2024-05-01, before the epoch, year 9999, the last a Date holds, one past it.
const DAYS = [0, 19_844, -1, 2_932_897, 1e8, 2e8];
// ASCII, and the text the fast path leaves to the codec: COPY escapes, NUL, UTF-8.
const STRINGS = [
  '',
  '-',
  '10.0.1.5',
  '2001:db8::1',
  'eni-0123456789abcdef0',
  'x'.repeat(300),
  'tab\there',
  'back\\slash',
  'new\nline',
  'cr\rhere',
  'nul\0here',
  'naïve café',
  'emoji 🚀',
];

/** A random flow record; most of them plain (ASCII text without escapes, no map), as flow records are. */
function randomRecord(rnd: () => number): FlowRecord {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const plain = rnd() < 0.7;
  const record: Record<string, unknown> = {};
  for (const f of PLAN) {
    if (f.nullable && rnd() < 0.3) {
      record[f.name] = null;
      continue;
    }
    if (f.kind === 'map') {
      record[f.name] = plain ? null : rnd() < 0.5 ? {} : { 'new-field': pick(STRINGS), other: '-' };
    } else if (f.kind === 'string') {
      record[f.name] = plain ? pick(STRINGS.slice(0, 6)) : pick(STRINGS);
    } else if (TIMES.has(f.name)) {
      record[f.name] = plain || rnd() < 0.9 ? pick(TIMES_MS.slice(0, 7)) : pick(TIMES_MS);
    } else if (f.name === 'event_date') {
      record[f.name] = plain || rnd() < 0.9 ? pick(DAYS.slice(0, 5)) : pick(DAYS);
    } else {
      // The largest long takes the codec's path (past 2^53 zig-zagged).
      record[f.name] = f.kind === 'int' ? pick(INTS) : pick(plain ? LONGS.slice(0, -1) : LONGS);
    }
  }
  return record as unknown as FlowRecord;
}

/** What BulkInsert writes of `record`: the table's COPY line, then the kept rows' line. */
function expectedLines(record: FlowRecord): string {
  return [...copyLines(FLOW_COLUMNS, [record]), ...copyLines(KEPT, [record])].join('');
}

/** The flow codec, counting the messages the transcoder hands to it (its slow path). */
let decoded = 0;
const countingCodec = Object.assign(Object.create(codecs.flowRecord) as typeof codecs.flowRecord, {
  decode: (message: Buffer) => {
    decoded++;
    return codecs.flowRecord.decode(message);
  },
});
const transcoder = new AvroCopyTranscoder(countingCodec, FLOW_COLUMNS, KEPT, 'event_time');

describe('AvroCopyTranscoder', () => {
  it('writes the COPY text BulkInsert writes of the decoded record, for 20 000 random records', () => {
    const rnd = prng(7);
    decoded = 0;
    let outOfRange = 0;
    for (let i = 0; i < 20_000; i++) {
      const message = codecs.flowRecord.encode(randomRecord(rnd));
      const record = codecs.flowRecord.decode(message);
      const row = transcoder.transcode(message);
      assert.equal(row.time, record.event_time, `record ${i}`);
      const value = (name: string) => (record as unknown as Record<string, number | null>)[name];
      const out = RANGED.find((r) => {
        const v = value(r.name);
        return typeof v === 'number' && Math.abs(v) > r.limit;
      });
      if (out) {
        outOfRange++;
        assert.equal(
          row.unstorable,
          `${out.name} ${value(out.name)} ${out.unit} is out of range`,
          `record ${i}`,
        );
        continue;
      }
      assert.equal(row.unstorable, null, `record ${i}`);
      assert.equal(row.bytes.toString('utf8'), expectedLines(record), `record ${i}`);
      const firstLine = [...copyLines(FLOW_COLUMNS, [record])].join('');
      assert.equal(row.split, Buffer.byteLength(firstLine), `record ${i}`);
    }
    // The plain records (about 70 %) take the fast path, the others the codec's.
    assert.ok(decoded > 4000 && decoded < 8000, `${decoded} of 20 000 records went through the codec`);
    assert.ok(outOfRange > 100, `${outOfRange} records with a time or date out of range`);
  });

  it('takes a record of ASCII text without escapes without the codec', () => {
    const record = codecs.flowRecord.decode(
      codecs.flowRecord.encode({ ...randomRecord(prng(1)), event_time: 1_714_564_800_000 }),
    );
    for (const f of PLAN) {
      const value = (record as unknown as Record<string, unknown>)[f.name];
      if (f.kind === 'string' && value !== null) {
        (record as unknown as Record<string, unknown>)[f.name] = 'eni-0123456789abcdef0';
      }
    }
    const message = codecs.flowRecord.encode({ ...record, extra: null, delivered_at: 1_714_565_100_000 });
    decoded = 0;
    const row = transcoder.transcode(message);
    assert.equal(decoded, 0);
    assert.equal(row.bytes.toString('utf8'), expectedLines(codecs.flowRecord.decode(message)));
  });

  it('is the transcoder of FlowRecordsRepository, with the rollup input as its kept line', () => {
    const record = randomRecord(prng(11));
    const message = codecs.flowRecord.encode({ ...record, event_time: 1_714_564_800_000 });
    assert.deepEqual(new FlowRecordsRepository().encode(message), transcoder.transcode(message));
  });

  it('reads a message of an earlier schema version through the codec', () => {
    const record = { ...randomRecord(prng(3)), event_time: 1_714_564_800_000 };
    const { delivered_at: _dropped, ...before } = record;
    const old = new AvroCodec<unknown>(flowRecordSchemaHistory[0]!).encode(before);
    const row = transcoder.transcode(old);
    assert.equal(row.bytes.toString('utf8'), expectedLines(codecs.flowRecord.decode(old)));
    assert.equal(row.time, 1_714_564_800_000);
  });

  it('refuses what the codec refuses, with its error: not Avro, unknown schema, truncated, trailing bytes', () => {
    const message = codecs.flowRecord.encode({ ...randomRecord(prng(5)), event_time: 0 });
    const unknown = Buffer.from(message);
    unknown[9] = unknown[9]! ^ 0xff;
    const bad = [
      Buffer.from('not avro'),
      Buffer.alloc(0),
      unknown,
      message.subarray(0, message.length - 1),
      message.subarray(0, 20),
      Buffer.concat([message, Buffer.from([0])]),
    ];
    for (const m of bad) {
      const expected = (() => {
        try {
          codecs.flowRecord.decode(m);
          return null;
        } catch (err) {
          return err as Error;
        }
      })();
      assert.ok(expected, `the codec refuses ${m.toString('hex').slice(0, 40)}`);
      assert.throws(() => transcoder.transcode(m), { message: expected.message });
    }
  });

  it('names a date out of range instead of writing it, every time, and then writes the next date', () => {
    const record = { ...randomRecord(prng(13)), event_time: 1_714_564_800_000, extra: null };
    const message = (days: number) => codecs.flowRecord.encode({ ...record, event_date: days });
    transcoder.transcode(message(19_844)); // a date remembered
    for (let i = 0; i < 2; i++) {
      assert.equal(
        transcoder.transcode(message(2e8)).unstorable,
        'event_date 200000000 days is out of range',
      );
    }
    const next = transcoder.transcode(message(19_845));
    assert.equal(next.bytes.toString('utf8'), expectedLines(codecs.flowRecord.decode(message(19_845))));
    assert.ok(next.bytes.toString('utf8').includes('\t2024-05-02\n'));
  });

  it('names the time column out of range instead of writing it', () => {
    const record = { ...randomRecord(prng(9)), event_time: 9e15 };
    const row = transcoder.transcode(codecs.flowRecord.encode(record));
    assert.equal(row.unstorable, 'event_time 9000000000000000 ms is out of range');
    assert.equal(row.time, 9e15);
    assert.equal(row.bytes.length, 0);
  });
});
