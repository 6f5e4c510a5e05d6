/**
 * CloudTrail event filters, one event in full, S3 objects from data events, and dead-letter counts,
 * against real Postgres with rows whose answers are known.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PartitionManager } from '@lake/pg';
import { startTestApp, type TestApp } from './app.test-support';

const DAY = { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' };
type Items = { items: Record<string, unknown>[] };

describe('CloudTrail events, S3 objects, dead-letter counts', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('qapi_ct');
    await new PartitionManager(t.db.pool).ensure('cloudtrail_events', ['2024-05-01']);
    // 40 events: i odd → read-only GetObject by alice (AKIAALICE), i even → PutObject by bob
    // (ASIABOB); every 10th failed (AccessDenied); keys logs/<i % 4>.gz in bucket b1 (i < 30) or b2.
    await t.db.pool.query(
      `INSERT INTO cloudtrail_events (event_time, source_bucket, source_key, record_index, event_id,
         event_source, event_name, read_only, is_error, error_code, user_identity, user_identity_arn,
         user_identity_access_key_id, user_identity_user_name, principal, request_parameters, aws_region)
       SELECT timestamptz '2024-05-01 10:00:00+00' + i * interval '1 minute', 'trail', 'f.json.gz', i,
         'evt-' || i, 's3.amazonaws.com',
         CASE WHEN i % 2 = 1 THEN 'GetObject' ELSE 'PutObject' END, i % 2 = 1, i % 10 = 0,
         CASE WHEN i % 10 = 0 THEN 'AccessDenied' END,
         jsonb_build_object('type', 'IAMUser', 'arn', CASE WHEN i % 2 = 1 THEN 'arn:aws:iam::1:user/alice' ELSE 'arn:aws:iam::1:user/bob' END),
         CASE WHEN i % 2 = 1 THEN 'arn:aws:iam::1:user/alice' ELSE 'arn:aws:iam::1:user/bob' END,
         CASE WHEN i % 2 = 1 THEN 'AKIAALICE' ELSE 'ASIABOB' END,
         CASE WHEN i % 2 = 1 THEN 'alice' ELSE 'bob' END,
         CASE WHEN i % 2 = 1 THEN 'arn:aws:iam::1:user/alice' ELSE 'arn:aws:iam::1:user/bob' END,
         jsonb_build_object('bucketName', CASE WHEN i < 30 THEN 'b1' ELSE 'b2' END, 'key', 'logs/' || i % 4 || '.gz',
           'nested', jsonb_build_object('deep', jsonb_build_array(1, 2))),
         'us-east-1'
       FROM generate_series(1, 40) AS i`,
    );
    // A management event without an object key: not an S3 object.
    await t.db.pool.query(
      `INSERT INTO cloudtrail_events (event_time, source_bucket, source_key, record_index, event_id,
         event_source, event_name, read_only, is_error, request_parameters)
       VALUES ('2024-05-01T12:00:00Z', 'trail', 'f.json.gz', 99, 'evt-mgmt', 's3.amazonaws.com',
         'CreateBucket', false, false, '{"bucketName":"b3"}')`,
    );
    await t.db.pool.query(
      `INSERT INTO dead_letters (kafka_topic, kafka_partition, kafka_offset, service, reason, message, occurred_at)
       SELECT 't', 0, i, CASE WHEN i <= 5 THEN 'flow-parser' ELSE 'cloudtrail-parser' END,
         CASE WHEN i <= 3 THEN 'FIELD_COUNT' WHEN i <= 5 THEN 'NOT_GZIP' ELSE 'INVALID_JSON' END, 'm',
         CASE WHEN i = 7 THEN timestamptz '2023-01-01' ELSE timestamptz '2024-05-01 01:00:00+00' END
       FROM generate_series(1, 7) AS i`,
    );
  });
  after(async () => {
    await t?.close();
  });

  const events = async (q: Record<string, string | number | boolean>) => {
    const res = await t.get('/v1/cloudtrail/events', { ...DAY, limit: 1000, ...q });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<Items>().items;
  };

  it('filters events by access key, principal ARN, user name, read-only and error', async () => {
    assert.equal((await events({ access_key: 'AKIAALICE' })).length, 20);
    const bob = await events({ principal_arn: 'arn:aws:iam::1:user/bob' });
    assert.equal(bob.length, 20);
    assert.ok(bob.every((e) => e['eventName'] === 'PutObject'));
    assert.equal((await events({ user_name: 'alice', read_only: true })).length, 20);
    assert.equal((await events({ read_only: false })).length, 21);
    const failed = await events({ error: true });
    assert.deepEqual(
      failed.map((e) => e['eventID']),
      ['evt-10', 'evt-20', 'evt-30', 'evt-40'],
    );
    assert.equal((await events({ error: false, access_key: 'ASIABOB' })).length, 16);
    const bad = await t.get('/v1/cloudtrail/events', { ...DAY, read_only: 'maybe' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json<{ message: string }>().message, /read_only/);
  });

  it("returns one event in full by eventID, with CloudTrail's names; 404 with a reason when absent", async () => {
    const res = await t.get('/v1/cloudtrail/events/evt-7');
    assert.equal(res.statusCode, 200, res.body);
    const e = res.json<Record<string, unknown>>();
    assert.equal(e['eventName'], 'GetObject');
    assert.equal(e['eventID'], 'evt-7');
    assert.equal(e['eventTime'], '2024-05-01T10:07:00Z');
    assert.deepEqual(e['requestParameters'], {
      bucketName: 'b1',
      key: 'logs/3.gz',
      nested: { deep: [1, 2] },
    });
    assert.deepEqual(e['userIdentity'], { type: 'IAMUser', arn: 'arn:aws:iam::1:user/alice' });
    // Absent fields are left out, as CloudTrail leaves them out; no snake_case column leaks.
    assert.ok(!('userAgent' in e) && !('tlsDetails' in e));
    assert.deepEqual(
      Object.keys(e).filter((k) => k.includes('_')),
      [],
    );
    const lake = e['lake'] as Record<string, unknown>;
    assert.equal(typeof lake['sourceKey'], 'string');
    assert.equal(typeof lake['recordIndex'], 'number');
    assert.equal(lake['principal'], 'arn:aws:iam::1:user/alice');
    const missing = await t.get('/v1/cloudtrail/events/evt-nope');
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json<{ message: string }>().message, /evt-nope/);
    const outside = await t.get('/v1/cloudtrail/events/evt-7', { from: '2024-06-01T00:00:00Z' });
    assert.equal(outside.statusCode, 404);
  });

  it('groups S3 data events by bucket and key, computed independently', async () => {
    const res = await t.get('/v1/cloudtrail/s3-objects', DAY);
    assert.equal(res.statusCode, 200, res.body);
    const items = res.json<Items>().items;
    const expected = new Map<string, { events: number; gets: number; puts: number; errors: number }>();
    for (let i = 1; i <= 40; i++) {
      const k = `${i < 30 ? 'b1' : 'b2'}/logs/${i % 4}.gz`;
      const v = expected.get(k) ?? { events: 0, gets: 0, puts: 0, errors: 0 };
      v.events++;
      v[i % 2 === 1 ? 'gets' : 'puts']++;
      v.errors += i % 10 === 0 ? 1 : 0;
      expected.set(k, v);
    }
    assert.equal(items.length, expected.size);
    for (const item of items) {
      const want = expected.get(`${String(item['bucket'])}/${String(item['key'])}`);
      assert.ok(want, JSON.stringify(item));
      assert.deepEqual(
        { events: item['events'], gets: item['gets'], puts: item['puts'], errors: item['errors'] },
        want,
      );
    }
    assert.ok(
      items.every((x, i) => i === 0 || (items[i - 1]!['events'] as number) >= (x['events'] as number)),
    );
    const b2 = (
      await t.get('/v1/cloudtrail/s3-objects', { ...DAY, bucket: 'b2', event_name: 'PutObject' })
    ).json<Items>().items;
    assert.ok(b2.length > 0 && b2.every((x) => x['bucket'] === 'b2' && x['gets'] === 0));
    const b2Last = b2.find((x) => x['key'] === 'logs/0.gz');
    assert.equal(b2Last?.['last_seen'], '2024-05-01T10:40:00.000Z');
    const prefixed = (
      await t.get('/v1/cloudtrail/s3-objects', { ...DAY, key_prefix: 'logs/1' })
    ).json<Items>().items;
    assert.ok(prefixed.length === 2 && prefixed.every((x) => x['key'] === 'logs/1.gz'));
    // LIKE wildcards in the prefix are literal.
    assert.equal(
      (await t.get('/v1/cloudtrail/s3-objects', { ...DAY, key_prefix: 'logs_' })).json<Items>().items.length,
      0,
    );
  });

  it('counts dead letters by service and reason in the time range', async () => {
    const res = await t.get('/v1/dead-letters/counts', DAY);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json<Items>().items, [
      { service: 'flow-parser', reason: 'FIELD_COUNT', count: 3 },
      { service: 'flow-parser', reason: 'NOT_GZIP', count: 2 },
      { service: 'cloudtrail-parser', reason: 'INVALID_JSON', count: 1 },
    ]);
    const all = await t.get('/v1/dead-letters/counts', { from: '2000-01-01T00:00:00Z', to: DAY.to });
    assert.equal(all.json<Items>().items.find((x) => x['reason'] === 'INVALID_JSON')?.['count'], 2);
  });
});
