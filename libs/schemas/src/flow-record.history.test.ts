import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AvroCodec } from './avro-codec';
import { flowRecordSchema, type FlowRecord } from './avro-schemas';
import { codecs } from './codecs';
import { flowRecordSchemaHistory, tgwFlowRecordSchemaHistory } from './flow-record.history';

describe('FlowRecord schema history', () => {
  it('holds the schemas published before delivered_at, by their fingerprints', () => {
    // The fingerprints of flow-record.avsc and tgw-flow-record.avsc as published until December 2026.
    assert.equal(new AvroCodec(flowRecordSchemaHistory[0]!).fingerprintHex, 'b2629b4a40d22112');
    assert.equal(new AvroCodec(tgwFlowRecordSchemaHistory[0]!).fingerprintHex, 'a2e5f812780d5dc4');
  });

  it('reads a message written before delivered_at with it null, and a new one with it', () => {
    const record = Object.fromEntries(
      (flowRecordSchema['fields'] as { name: string }[]).map((f) => [f.name, null]),
    ) as unknown as FlowRecord;
    Object.assign(record, {
      source_bucket: 'b',
      source_key: 'k',
      source_line: 2,
      event_time: 1_714_564_800_000,
      delivered_at: 1_714_565_100_000,
      srcaddr: '10.0.0.1',
    });
    const { delivered_at: _dropped, ...before } = record;
    const old = new AvroCodec<unknown>(flowRecordSchemaHistory[0]!).encode(before);
    const read = codecs.flowRecord.decode(old);
    assert.equal(read.delivered_at, null);
    assert.equal(read.srcaddr, '10.0.0.1');
    assert.equal(codecs.flowRecord.decode(codecs.flowRecord.encode(record)).delivered_at, 1_714_565_100_000);
  });
});
