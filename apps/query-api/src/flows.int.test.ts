/**
 * The raw flow lists against real Postgres: the filters each table has (vpc_id and interface_id for
 * VPC flows, tgw_attachment_id for Transit Gateway flows), and a 400 with a reason for a filter
 * the table does not have.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PartitionManager } from '@lake/pg';
import { startTestApp, type TestApp } from './app.test-support';

const DAY = { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' };

describe('flow lists', () => {
  let t: TestApp;

  before(async () => {
    t = await startTestApp('qapi_flows');
    const partitions = new PartitionManager(t.db.pool);
    await partitions.ensure('vpc_flow_records', ['2024-05-01']);
    await partitions.ensure('tgw_flow_records', ['2024-05-01']);
    // 12 VPC flows over 3 VPCs and 2 ENIs; 8 TGW flows over 2 attachments.
    await t.db.pool.query(
      `INSERT INTO vpc_flow_records (event_time, source_bucket, source_key, source_line, version,
         interface_id, vpc_id, srcaddr, dstaddr, action, log_status)
       SELECT timestamptz '2024-05-01 10:00:00+00' + i * interval '1 minute', 'b', 'vpc.log.gz', i, 5,
         'eni-' || i % 2, 'vpc-' || i % 3, '10.0.0.1', '10.0.0.2', 'ACCEPT', 'OK'
       FROM generate_series(1, 12) AS i`,
    );
    await t.db.pool.query(
      `INSERT INTO tgw_flow_records (event_time, source_bucket, source_key, source_line, version,
         tgw_id, tgw_attachment_id, srcaddr, dstaddr, log_status)
       SELECT timestamptz '2024-05-01 10:00:00+00' + i * interval '1 minute', 'b', 'tgw.log.gz', i, 6,
         'tgw-1', 'tgw-attach-' || i % 2, '10.0.0.1', '10.1.0.2', 'OK'
       FROM generate_series(1, 8) AS i`,
    );
  });
  after(async () => {
    await t?.close();
  });

  const lines = async (path: string, query: Record<string, string>) => {
    const res = await t.get(path, { ...DAY, ...query });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<{ items: { source_line: number }[] }>().items.map((r) => Number(r.source_line));
  };

  it('filters VPC flows by VPC and by interface', async () => {
    assert.deepEqual(await lines('/v1/flows', { vpc_id: 'vpc-1' }), [1, 4, 7, 10]);
    assert.deepEqual(await lines('/v1/flows', { vpc_id: 'vpc-1', interface_id: 'eni-0' }), [4, 10]);
  });

  it('filters TGW flows by attachment', async () => {
    assert.deepEqual(await lines('/v1/tgw/flows', { tgw_attachment_id: 'tgw-attach-1' }), [1, 3, 5, 7]);
  });

  it('refuses a filter the table does not have, naming it, instead of ignoring it', async () => {
    for (const [path, name] of [
      ['/v1/tgw/flows', 'interface_id'],
      ['/v1/tgw/flows', 'vpc_id'],
      ['/v1/flows', 'tgw_attachment_id'],
    ] as const) {
      const res = await t.get(path, { ...DAY, [name]: 'x' });
      assert.equal(res.statusCode, 400, `${path}?${name}`);
      assert.match(res.body, new RegExp(name), res.body);
    }
  });
});
