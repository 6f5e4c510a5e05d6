/**
 * CloudTrail log file integrity end to end: digests and the log files they list are uploaded to S3,
 * their notifications sent; the cloudtrail-parser verifies hashes, the chain and the RSA signatures
 * (with a key pair made here, as AWS's keys cannot be fetched on these machines) and the results
 * land in Postgres and the API.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PipelineHarness, waitFor } from '@lake/testing';

const ROOT = join(__dirname, '..', '..', '..');
const ACCOUNT = '111122223333';
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const logKey = (id: string) =>
  `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2024/05/01/${ACCOUNT}_CloudTrail_us-east-1_20240501T1205Z_${id}.json.gz`;
const digestKey = (hhmmss: string) =>
  `AWSLogs/${ACCOUNT}/CloudTrail-Digest/us-east-1/2024/05/01/${ACCOUNT}_CloudTrail-Digest_us-east-1_trail_us-east-1_20240501T${hhmmss}Z.json.gz`;

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const harness = new PipelineHarness('digest', ROOT, process.env);

interface Made {
  key: string;
  text: string;
  signature: string;
}

function makeDigest(o: {
  key: string;
  end: string;
  logFiles: { key: string; hash: string }[];
  previous: Made | null;
  previousHash?: string;
  signer?: KeyObject;
}): Made {
  const bucket = harness.names.bucket;
  const text = JSON.stringify({
    awsAccountId: ACCOUNT,
    digestStartTime: '2024-05-01T11:00:00Z',
    digestEndTime: o.end,
    digestS3Bucket: bucket,
    digestS3Object: o.key,
    digestSignatureAlgorithm: 'SHA256withRSA',
    previousDigestS3Bucket: o.previous ? bucket : null,
    previousDigestS3Object: o.previous?.key ?? null,
    previousDigestHashValue: o.previous ? (o.previousHash ?? sha256(o.previous.text)) : null,
    previousDigestHashAlgorithm: o.previous ? 'SHA-256' : null,
    previousDigestSignature: o.previous?.signature ?? null,
    logFiles: o.logFiles.map((f) => ({
      s3Bucket: bucket,
      s3Object: f.key,
      hashValue: f.hash,
      hashAlgorithm: 'SHA-256',
    })),
  });
  // The signing string AWS documents: end time, S3 path, SHA-256 of the digest, previous signature.
  const toSign = [o.end, `${bucket}/${o.key}`, sha256(text), o.previous?.signature ?? 'null'].join('\n');
  const signature = sign('sha256', Buffer.from(toSign), o.signer ?? keys.privateKey).toString('hex');
  return { key: o.key, text, signature };
}

describe('CloudTrail digest verification, end to end', () => {
  before(async () => {
    await harness.start({
      'cloudtrail-parser': {
        CLOUDTRAIL_DIGEST_PUBLIC_KEYS: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      },
    });
  });
  after(async () => {
    await harness.stop();
  });

  it('reports ok, a tampered log file, a missing one, a broken chain and a bad signature', async () => {
    const log = (id: string) =>
      JSON.stringify({
        Records: [{ eventTime: '2024-05-01T12:00:00Z', eventID: `ev-${id}`, eventName: 'ListBuckets' }],
      });
    const [a, b, d] = ['AAAAAAAA11111111', 'BBBBBBBB22222222', 'DDDDDDDD44444444'];
    await harness.upload(logKey(a), gzipSync(log(a)));
    // The file in S3 is not the one the digest hashed: tampered after delivery.
    await harness.upload(logKey(b), gzipSync(log(b).replace('ListBuckets', 'DeleteBucket')));
    // A byte of the compressed file flipped after delivery: it no longer inflates (CRC), so its
    // content cannot match what the digest hashed.
    const damaged = gzipSync(log(d));
    damaged[Math.floor(damaged.length / 2)]! ^= 0xff;
    await harness.upload(logKey(d), damaged);

    const d1 = makeDigest({
      key: digestKey('120000'),
      end: '2024-05-01T12:00:00Z',
      logFiles: [{ key: logKey(a), hash: sha256(log(a)) }],
      previous: null,
    });
    const d2 = makeDigest({
      key: digestKey('130000'),
      end: '2024-05-01T13:00:00Z',
      logFiles: [
        { key: logKey(b), hash: sha256(log(b)) },
        { key: logKey('CCCCCCCC33333333'), hash: sha256('never delivered') },
        { key: logKey(d), hash: sha256(log(d)) },
      ],
      previous: d1,
    });
    const d3 = makeDigest({
      key: digestKey('140000'),
      end: '2024-05-01T14:00:00Z',
      logFiles: [],
      previous: d2,
      previousHash: sha256('not the previous digest'),
    });
    const d4 = makeDigest({
      key: digestKey('150000'),
      end: '2024-05-01T15:00:00Z',
      logFiles: [],
      previous: d3,
      signer: otherKeys.privateKey,
    });
    const uploaded = [];
    for (const d of [d1, d2, d3, d4]) {
      await harness.s3.putObject(harness.names.bucket, d.key, gzipSync(d.text), 'application/json', {
        signature: d.signature,
        'signature-algorithm': 'SHA256withRSA',
      });
      uploaded.push({ bucket: harness.names.bucket, key: d.key, size: d.text.length });
    }
    await harness.notify(uploaded);

    const rows = await waitFor('a check for every digest and listed log file', async () => {
      const items = await harness.allPages('/v1/cloudtrail/digest-checks', { limit: 100 });
      return items.length >= 8 ? items : undefined;
    });
    const status = (digest: Made, logFile = '') =>
      rows.find((r) => r['digest_key'] === digest.key && r['log_file_key'] === logFile);
    assert.equal(status(d1)!['status'], 'ok');
    assert.equal(status(d1)!['chain_status'], 'chain_start');
    assert.equal(status(d1)!['signature_status'], 'ok');
    assert.equal(status(d1, logKey(a))!['status'], 'ok');
    assert.equal(status(d2)!['status'], 'ok');
    assert.equal(status(d2)!['chain_status'], 'ok');
    assert.equal(status(d2, logKey(b))!['status'], 'hash_mismatch');
    assert.equal(status(d2, logKey('CCCCCCCC33333333'))!['status'], 'missing');
    assert.equal(status(d2, logKey(d))!['status'], 'hash_mismatch');
    assert.match(String(status(d2, logKey(d))!['detail']), /the content cannot be read: GZIP_CORRUPT/);
    assert.equal(status(d3)!['status'], 'chain_break');
    assert.equal(status(d3)!['signature_status'], 'ok');
    assert.equal(status(d4)!['status'], 'signature_invalid');
    assert.equal(rows.length, 8);
    // Counted in metrics, by item and status, as stored.
    const parser = harness.service('cloudtrail-parser');
    assert.equal(await parser.counter('lake_cloudtrail_digest_checks_total'), 8);
    assert.equal(
      await parser.counter('lake_cloudtrail_digest_checks_total{item="LOG_FILE",status="hash_mismatch"'),
      2,
    );
    assert.equal(
      await parser.counter('lake_cloudtrail_digest_checks_total{item="DIGEST",status="chain_break"'),
      1,
    );

    const broken = await harness.api
      .get('/v1/cloudtrail/digest-checks')
      .query({ status: 'hash_mismatch' })
      .expect(200);
    assert.equal((broken.body as { items: unknown[] }).items.length, 2);
  });
});
