/**
 * CloudTrail bad input end to end: each kind goes to the dead-letter topic (and table) with its
 * reason, the good records of the same file land, objects that are not CloudTrail's own files are
 * skipped without a dead letter, and every service stays healthy.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PipelineHarness, waitFor } from '@lake/testing';

const ROOT = join(__dirname, '..', '..', '..');
const key = (id: string) =>
  `AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/01/111122223333_CloudTrail_us-east-1_20240601T1200Z_${id}.json.gz`;
const record = (i: number) => ({
  eventVersion: '1.09',
  eventTime: `2024-06-01T12:00:${String(i % 60).padStart(2, '0')}Z`,
  eventID: `id-${i}`,
  eventName: 'GetCallerIdentity',
  eventSource: 'sts.amazonaws.com',
  awsRegion: 'us-east-1',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/ana' },
});
const harness = new PipelineHarness('ctbad', ROOT, process.env);

describe('CloudTrail bad input, end to end', () => {
  before(async () => {
    await harness.start();
  });
  after(async () => {
    await harness.stop();
  });

  it('dead-letters every kind with its reason, lands the good records, skips other objects', async () => {
    const big = gzipSync(
      JSON.stringify({ Records: Array.from({ length: 3000 }, (_, i) => record(1000 + i)) }),
    );
    const invalidJson = `{"Records":[${JSON.stringify(record(1))},${JSON.stringify(record(2))},{"eventTime":`;
    const mixed = JSON.stringify({
      Records: [record(3), 42, { eventName: 'NoTime', eventID: 'x' }, record(4)],
    });
    const badUtf8 = Buffer.concat([
      Buffer.from('{"Records":[{"eventID":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}]}'),
    ]);
    const objects = [
      await harness.upload(key('notgzip00000001'), Buffer.from(JSON.stringify({ Records: [record(5)] }))),
      await harness.upload(key('truncated0000002'), big.subarray(0, Math.floor(big.length * 0.5))),
      await harness.upload(key('invalidjson00003'), gzipSync(invalidJson)),
      await harness.upload(key('norecords0000004'), gzipSync(JSON.stringify({ hello: 'world' }))),
      await harness.upload(key('mixed00000000005'), gzipSync(mixed)),
      await harness.upload(key('badutf8000000006'), gzipSync(badUtf8)),
      { bucket: harness.names.bucket, key: key('missing00000007'), size: 1 },
      // Not one of CloudTrail's own files, though under AWSLogs/…/CloudTrail/: skipped, not dead-lettered.
      await harness.upload(
        'AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/01/README.txt',
        Buffer.from('notes'),
      ),
    ];
    await harness.notify(objects);

    const expected: [string, string, number | null][] = [
      ['NOT_GZIP', key('notgzip00000001'), null],
      ['GZIP_CORRUPT', key('truncated0000002'), null],
      ['INVALID_JSON', key('invalidjson00003'), 2],
      ['NOT_CLOUDTRAIL', key('norecords0000004'), null],
      ['RECORD_NOT_OBJECT', key('mixed00000000005'), 1],
      ['RECORD_INVALID', key('mixed00000000005'), 2],
      ['INVALID_UTF8', key('badutf8000000006'), 0],
      ['OBJECT_MISSING', key('missing00000007'), null],
    ];
    const letters = await waitFor('a dead letter for every bad input', async () => {
      const items = await harness.allPages('/v1/dead-letters', { from: '2000-01-01T00:00:00Z', limit: 100 });
      return items.length >= expected.length ? items : undefined;
    });
    const got = letters.map((l) => [l['reason'], l['key'], l['position']]);
    for (const want of expected) {
      assert.ok(
        got.some((g) => g[0] === want[0] && g[1] === want[1] && g[2] === want[2]),
        `${want.join(' ')} in ${JSON.stringify(got)}`,
      );
    }
    assert.equal(letters.length, expected.length, 'nothing else dead-lettered (the README.txt is skipped)');

    const range = { from: '2024-06-01T00:00:00Z', to: '2024-06-02T00:00:00Z' };
    const events = await waitFor('the good records of the damaged files', async () => {
      const items = await harness.allPages('/v1/cloudtrail/events', { ...range, limit: 1000 });
      const ids = new Set(items.map((e) => e['eventID']));
      return ids.has('id-1') && ids.has('id-2') && ids.has('id-3') && ids.has('id-4') && ids.has('id-1000')
        ? items
        : undefined;
    });
    const truncated = events.filter(
      (e) => (e['lake'] as { sourceKey: string }).sourceKey === key('truncated0000002'),
    );
    assert.ok(
      truncated.length > 0 && truncated.length < 3000,
      `${truncated.length} records of the truncated file landed`,
    );
    assert.ok(
      // Objects under AWSLogs that are not CloudTrail's own files stop at the notifier's routing.
      (await harness.metric('notifier', 'lake_notifier_objects_skipped_total{reason="kind"')) >= 1,
      'the other object is skipped and counted, not dead-lettered',
    );
    for (const [app, s] of harness.services) {
      assert.equal((await fetch(`${s.baseUrl}/health`)).status, 200, `${app} healthy`);
    }
  });
});
