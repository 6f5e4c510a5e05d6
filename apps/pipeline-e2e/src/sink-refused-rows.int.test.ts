/**
 * Rows Postgres cannot take, end to end on the local stack: Avro flow records produced straight to
 * the flow-records topic (as a faulty or hostile producer could) with a NUL in a text field, an
 * address Postgres refuses and an event time no day partition can hold, between good records.
 * The sink stores NUL as U+FFFD, dead-letters the other two (SINK_REJECTED, with their source
 * object and line), lands the good rows of the same batch, and goes on with the next batch.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { codecs, flowRecordSchema, type FlowRecord } from '@lake/schemas';
import { PipelineHarness, waitFor } from '@lake/testing';

const ROOT = join(__dirname, '..', '..', '..');
const KEY = 'AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/03/refused.log.gz';
const DAY_MS = Date.UTC(2024, 4, 3);

/** A flow record with every optional field null. */
function flow(line: number, fields: Partial<FlowRecord>): FlowRecord {
  const nulls = Object.fromEntries(
    (flowRecordSchema as { fields: { name: string }[] }).fields.map((f) => [f.name, null]),
  );
  return {
    ...nulls,
    source_bucket: 'lake-logs',
    source_key: KEY,
    source_line: line,
    event_time: DAY_MS + line * 1000,
    version: 2,
    srcaddr: '10.0.0.1',
    dstaddr: '10.0.0.2',
    ...fields,
  } as FlowRecord;
}

const harness = new PipelineHarness('refused', ROOT, process.env);
const names = harness.names;
const kafka = new Kafka({ brokers: harness.stack.kafkaBrokers, logLevel: logLevel.NOTHING });
const producer = kafka.producer();

const send = async (records: FlowRecord[]) => {
  await producer.send({
    topic: names.topics.flowRecords,
    messages: records.map((r) => ({ key: KEY, value: codecs.flowRecord.encode(r) })),
  });
};
const rows = async () =>
  (
    await harness.db.query<{ source_line: string; interface_id: string | null }>(
      `SELECT source_line, interface_id FROM "${names.schema}".vpc_flow_records WHERE source_key = $1 ORDER BY source_line`,
      [KEY],
    )
  ).rows.map((r) => ({ line: Number(r.source_line), interface: r.interface_id }));

describe('rows Postgres cannot take', () => {
  before(async () => {
    await harness.start();
    await producer.connect();
  });
  after(async () => {
    await producer.disconnect();
    await harness.stop();
  });

  it('stores NUL as U+FFFD, dead-letters what Postgres refuses, lands the rest and goes on', async () => {
    await send([
      flow(1, { interface_id: 'eni-good' }),
      flow(2, { interface_id: 'eni-\u0000nul' }),
      flow(3, { srcaddr: '10.0.0.300' }),
      flow(4, { event_time: 9e15 }),
      flow(5, { interface_id: 'eni-good' }),
    ]);
    await waitFor('the good rows and the dead letters', async () => {
      const letters = await harness.db.query(
        `SELECT 1 FROM "${names.schema}".dead_letters WHERE reason = 'SINK_REJECTED'`,
      );
      return (await rows()).length === 3 && letters.rowCount === 2 ? true : undefined;
    });
    assert.deepEqual(await rows(), [
      { line: 1, interface: 'eni-good' },
      { line: 2, interface: 'eni-\ufffdnul' },
      { line: 5, interface: 'eni-good' },
    ]);
    const letters = await harness.allPages('/v1/dead-letters', {
      from: '2000-01-01T00:00:00Z',
      reason: 'SINK_REJECTED',
    });
    assert.deepEqual(letters.map((l) => [l['service'], l['bucket'], l['key'], l['position']]).sort(), [
      ['sink', 'lake-logs', KEY, 3],
      ['sink', 'lake-logs', KEY, 4],
    ]);
    const byLine = new Map(letters.map((l) => [l['position'], l]));
    assert.match(String(byLine.get(3)!['message']), /^vpc_flow_records: invalid input syntax for type inet/);
    assert.match(String(byLine.get(4)!['message']), /event_time 9000000000000000 ms is out of range/);
    // The payload is the Avro message itself: it decodes back to the refused record.
    const payload = Buffer.from(String(byLine.get(3)!['payload_base64']), 'base64');
    assert.equal(codecs.flowRecord.decode(payload).srcaddr, '10.0.0.300');
    assert.equal(await harness.metric('sink', 'lake_sink_rows_refused_total'), 2);

    // The partition is not stuck: the next batch lands.
    await send([flow(6, { interface_id: 'eni-later' })]);
    await waitFor('the next batch', async () => ((await rows()).length === 4 ? true : undefined));
  });
});
