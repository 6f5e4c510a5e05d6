import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { cloudTrailEventSchema, deadLetterSchema, flowRecordSchema } from '@lake/schemas';

const ROOT = join(__dirname, '..');
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'tools', 'decode.ts'), ...args], {
    encoding: 'utf8',
  });
const names = (schema: unknown) =>
  (schema as { fields: { name: string }[] }).fields.map((f) => f.name).sort();
const lines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('decode command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'decode-'));

  it('prints flow records with the Avro field names, reading the key for account and flow-log id', () => {
    const file = join(dir, 'flow.log.gz');
    writeFileSync(file, gzipSync(readFileSync(join(ROOT, 'tools', 'samples', 'vpcflow', 'v2-default.log'))));
    const key =
      'AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20240501T1205Z_a1b2c3d4.log.gz';
    const res = run(file, '--key', key);
    assert.equal(res.status, 0, res.stderr);
    const records = lines(res.stdout);
    assert.equal(records.length, 12);
    assert.deepEqual(Object.keys(records[0]!).sort(), names(flowRecordSchema));
    assert.equal(records[0]!['flow_log_id'], 'fl-0123456789abcdef0');
    assert.equal(records[0]!['protocol_name'], 'TCP');
    assert.equal(records[7]!['log_status'], 'NODATA');
  });

  it('prints CloudTrail records with CloudTrail field names', () => {
    const res = run(join(ROOT, 'tools', 'samples', 'cloudtrail', 'sample-records.json'));
    assert.equal(res.status, 0, res.stderr);
    const events = lines(res.stdout);
    assert.equal(events.length, 5);
    assert.deepEqual(Object.keys(events[0]!).sort(), names(cloudTrailEventSchema));
    assert.equal(events[1]!['eventName'], 'RunInstances');
  });

  it('prints dead letters on stderr and exits 1', () => {
    const file = join(dir, 'bad.log');
    writeFileSync(file, 'version srcaddr dstport\n2 10.0.0.1 443\n2 10.0.0.1 http\n');
    const res = run(file);
    assert.equal(res.status, 1);
    assert.equal(lines(res.stdout).length, 1);
    const [letter] = lines(res.stderr);
    assert.equal(letter!['reason'], 'NOT_A_NUMBER');
    assert.equal(letter!['position'], 3);
    assert.equal(letter!['payload'], '2 10.0.0.1 http');
    // Exactly the DeadLetter Avro record's fields, as the parser would publish it.
    assert.deepEqual(Object.keys(letter!).sort(), names(deadLetterSchema));
    assert.equal(letter!['service'], 'flow-parser');
    assert.equal(letter!['payloadTruncated'], false);
  });

  it('prints Insights records and a parsed digest', () => {
    const insightKey =
      'AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/05/01/111122223333_CloudTrail-Insight_us-east-1_20240501T1230Z_x.json';
    const res = run(
      join(ROOT, 'tools', 'samples', 'cloudtrail', 'sample-insights.json'),
      '--key',
      insightKey,
    );
    assert.equal(res.status, 0, res.stderr);
    const insights = lines(res.stdout);
    assert.deepEqual(
      insights.map((i) => (i['insightDetails'] as { state: string }).state),
      ['Start', 'End'],
    );
    const digest = join(
      dir,
      '111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20240501T120000Z.json',
    );
    writeFileSync(
      digest,
      JSON.stringify({
        digestStartTime: '2024-05-01T11:00:00Z',
        digestEndTime: '2024-05-01T12:00:00Z',
        digestS3Bucket: 'b',
        digestS3Object: 'k',
        logFiles: [{ s3Bucket: 'b', s3Object: 'l', hashValue: 'AB', hashAlgorithm: 'SHA-256' }],
      }),
    );
    const parsed = lines(run(digest).stdout);
    assert.equal((parsed[0]!['logFiles'] as unknown[]).length, 1);
  });
});
