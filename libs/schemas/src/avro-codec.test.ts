import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import avro from 'avsc';
import { AvroCodec } from './avro-codec';
import { PUBLISHED_SCHEMAS, objectEventSchema, type ObjectEvent } from './avro-schemas';
import { rabinFingerprint } from './rabin';
import { SchemaError } from './schema.errors';

const sample: ObjectEvent = {
  bucket: 'b',
  key: 'AWSLogs/1/vpcflowlogs/x.log.gz',
  size: 10,
  etag: null,
  versionId: null,
  sequencer: '0055AED6DCD90281E5',
  eventName: 'ObjectCreated:Put',
  eventTime: 1_700_000_000_000,
  kind: 'VPCFLOWLOGS',
  accountId: '1',
  region: null,
  source: 'sqs',
  discoveredAt: 1_700_000_000_001,
};

describe('rabinFingerprint', () => {
  it('matches the Avro specification test vectors', () => {
    // share/test/data/schema-tests.txt in apache/avro: "null" and "int" as signed 64-bit values.
    assert.equal(rabinFingerprint('"null"').readBigInt64LE(), 7195948357588979594n);
    assert.equal(rabinFingerprint('"int"').readBigInt64LE(), 8247732601305521295n);
  });
});

describe('AvroCodec', () => {
  const codec = new AvroCodec<ObjectEvent>(objectEventSchema);

  it('writes the single-object header and reads its own messages', () => {
    const buf = codec.encode(sample);
    assert.deepEqual([...buf.subarray(0, 2)], [0xc3, 0x01]);
    assert.deepEqual(buf.subarray(2, 10), codec.fingerprint);
    assert.deepEqual({ ...codec.decode(buf) }, sample);
  });

  it('is readable by a plain Avro reader with the published schema after the 10-byte header', () => {
    const published = JSON.parse(
      readFileSync(join(__dirname, '..', 'avro', 'object-event.avsc'), 'utf8'),
    ) as avro.Schema;
    const plain = avro.Type.forSchema(published);
    assert.deepEqual({ ...(plain.fromBuffer(codec.encode(sample).subarray(10)) as object) }, sample);
  });

  it('resolves messages written with an older version of the schema', () => {
    const fields = (objectEventSchema as { fields: { name: string }[] }).fields;
    const older = { ...objectEventSchema, fields: fields.filter((f) => f.name !== 'versionId') };
    const oldCodec = new AvroCodec<Omit<ObjectEvent, 'versionId'>>(older);
    const { versionId: _dropped, ...oldValue } = sample;
    const current = new AvroCodec<ObjectEvent>(objectEventSchema, [older]);
    assert.deepEqual({ ...current.decode(oldCodec.encode(oldValue)) }, { ...sample, versionId: null });
  });

  it('refuses bytes that are not single-object encoded or of an unknown schema', () => {
    assert.throws(
      () => codec.decode(Buffer.from('{"json":true}')),
      (e: unknown) => {
        return e instanceof SchemaError && e.code === 'NOT_SINGLE_OBJECT';
      },
    );
    const foreign = Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.alloc(8, 7), Buffer.alloc(4)]);
    assert.throws(
      () => codec.decode(foreign),
      (e: unknown) => e instanceof SchemaError && e.code === 'UNKNOWN_SCHEMA',
    );
  });
});

describe('published .avsc files', () => {
  for (const [name, schema] of Object.entries(PUBLISHED_SCHEMAS)) {
    it(`${name}.avsc is the schema in code (run npm run avsc after a change)`, () => {
      const file = JSON.parse(readFileSync(join(__dirname, '..', 'avro', `${name}.avsc`), 'utf8')) as unknown;
      assert.deepEqual(file, schema);
    });
  }
});
