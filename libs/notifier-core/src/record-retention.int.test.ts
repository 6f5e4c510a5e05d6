// RecordRetention against the real Postgres of the local stack: only records older than the
// retention go, in batches, and they are counted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import { NotifierObjectsRepository } from '@lake/pg';
import { createTestDatabase, type TestDatabase } from '@lake/testing';
import { RecordRetention } from './record-retention';

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2024, 5, 30, 12);

describe('RecordRetention', () => {
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase('retention', process.env);
    // 25 objects published 0..24 days before NOW.
    await db.pool.query(
      `INSERT INTO notifier_objects (bucket, key, object_tag, kind, source, published_at)
       SELECT 'b', 'k' || d, 'e' || d, 'VPCFLOWLOGS', 'sqs', $1::timestamptz - d * interval '1 day'
       FROM generate_series(0, 24) AS d`,
      [new Date(NOW)],
    );
  });
  after(async () => {
    await db?.close();
  });

  it('deletes the records older than the retention, in batches, and counts them', async () => {
    const metrics = new Registry();
    const records = new NotifierObjectsRepository(db.pool);
    const retention = new RecordRetention(
      { days: 10, intervalSeconds: 3600 },
      { records, logger: pino({ level: 'warn' }), metrics },
    );
    assert.equal(await retention.runOnce(NOW), 14); // published 11..24 days ago
    const { rows } = await db.pool.query<{ key: string }>(
      'SELECT key FROM notifier_objects ORDER BY published_at DESC',
    );
    assert.deepEqual(
      rows.map((r) => r.key),
      Array.from({ length: 11 }, (_, d) => `k${d}`),
    );
    const counted = await metrics.getSingleMetric('lake_notifier_records_expired_total')?.get();
    assert.equal(counted?.values[0]?.value, 14);
    assert.equal(await retention.runOnce(NOW), 0);
    // Batches smaller than what expires: the loop goes on until none is left.
    assert.equal(await records.deleteOlderThan(new Date(NOW - 5 * DAY_MS), 2), 5);
    assert.equal(await records.count('b'), 6);
  });
});
