import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { digestSigningString, parseDigest, sha256Hex, verifyDigestSignature } from './cloudtrail-digest';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'cloudtrail');
const NO_FIXTURES = existsSync(FIXTURES)
  ? false
  : `../shared/fixtures/cloudtrail is missing (expected at ${FIXTURES})`;

describe('parseDigest on digests written by AWS and others', { skip: NO_FIXTURES }, () => {
  it('reads the User Guide sample and the empty digest', () => {
    const d = parseDigest(
      readFileSync(join(FIXTURES, 'awsdocs_aws-cloudtrail-user-guide', 'digest_sample.json'), 'utf8'),
    );
    assert.equal(d.digestEndTime, '2015-08-17T15:01:31Z');
    assert.equal(d.logFiles.length, 1);
    assert.equal(
      d.logFiles[0]!.hashValue,
      '9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6',
    );
    assert.equal(
      d.previousDigestHashValue,
      '97fb791cf91ffc440d274f8190dbdd9aa09c34432aba82739df18b6d3c13df2d',
    );
    const empty = parseDigest(
      readFileSync(
        join(FIXTURES, 'awsdocs_aws-cloudtrail-user-guide', 'digest_empty-no-log-files.json'),
        'utf8',
      ),
    );
    assert.equal(empty.logFiles.length, 0);
  });

  it('reads a digest with AWS-style escaped slashes (llm-guard)', () => {
    const d = parseDigest(
      readFileSync(
        join(
          FIXTURES,
          'protectai_llm-guard',
          'test_secrets.py_line40_digest.DERIVED-from-python-literal.json',
        ),
        'utf8',
      ),
    );
    assert.equal(d.logFiles.length, 5);
    assert.ok(d.logFiles[0]!.s3Object.startsWith('AWSLogs/'));
  });
});

describe('digest signature', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const digestText = JSON.stringify({
    digestStartTime: '2024-05-01T11:00:00Z',
    digestEndTime: '2024-05-01T12:00:00Z',
    digestS3Bucket: 'b',
    digestS3Object: 'AWSLogs/1/CloudTrail-Digest/us-east-1/2024/05/01/d.json.gz',
    previousDigestSignature: null,
    logFiles: [],
  });
  const digest = parseDigest(digestText);
  const toSign = digestSigningString(digest, sha256Hex(Buffer.from(digestText)));

  it('builds the signing string with "null" for a first digest', () => {
    assert.equal(toSign.split('\n').length, 4);
    assert.equal(toSign.split('\n')[1], 'b/AWSLogs/1/CloudTrail-Digest/us-east-1/2024/05/01/d.json.gz');
    assert.equal(toSign.split('\n')[3], 'null');
  });

  it('accepts the right signature and refuses a tampered digest or a wrong key', () => {
    const signature = sign('sha256', Buffer.from(toSign), privateKey).toString('hex');
    assert.equal(verifyDigestSignature(toSign, signature, pem), true);
    const tampered = digestSigningString(digest, sha256Hex(Buffer.from(digestText + ' ')));
    assert.equal(verifyDigestSignature(tampered, signature, pem), false);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    assert.equal(verifyDigestSignature(toSign, signature, other), false);
    assert.equal(verifyDigestSignature(toSign, 'not-hex', pem), false);
  });

  it('refuses JSON that is not a digest', () => {
    assert.throws(() => parseDigest('{"Records":[]}'), /digestStartTime/);
  });
});
