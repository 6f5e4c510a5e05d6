import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SnsSignatureError } from './notifier.errors';
import { CertificateSource, snsStringToSign, verifySnsMessage } from './sns-signature';
import { bearerMatches } from './webhook.routes';

describe('snsStringToSign', () => {
  it('follows the SNS Developer Guide field lists (Subject only when present)', () => {
    const base = { Message: 'm', MessageId: 'id', Timestamp: 't', TopicArn: 'arn', Type: 'Notification' };
    assert.equal(
      snsStringToSign(base),
      'Message\nm\nMessageId\nid\nTimestamp\nt\nTopicArn\narn\nType\nNotification\n',
    );
    assert.equal(
      snsStringToSign({ ...base, Subject: 's', UnsubscribeURL: 'ignored' }),
      'Message\nm\nMessageId\nid\nSubject\ns\nTimestamp\nt\nTopicArn\narn\nType\nNotification\n',
    );
    assert.equal(snsStringToSign({ ...base, Subject: null }), snsStringToSign(base));
    assert.equal(
      snsStringToSign({ ...base, Type: 'SubscriptionConfirmation', SubscribeURL: 'u', Token: 'k' }),
      'Message\nm\nMessageId\nid\nSubscribeURL\nu\nTimestamp\nt\nToken\nk\nTopicArn\narn\nType\nSubscriptionConfirmation\n',
    );
    assert.throws(() => snsStringToSign({ ...base, Type: 'Other' }), SnsSignatureError);
  });
});

describe('verifySnsMessage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sns-unit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=t'].concat([
      '-keyout',
      join(dir, 'k.key'),
      '-out',
      join(dir, 'c.pem'),
    ]),
    { stdio: 'ignore' },
  );
  const key = readFileSync(join(dir, 'k.key'), 'utf8');
  const source = new CertificateSource({
    localPath: join(dir, 'c.pem'),
    allowedUrlPrefixes: [],
    allowAwsUrls: false,
  });
  const message = (version: '1' | '2') => {
    const m: Record<string, string> = {
      Type: 'Notification',
      MessageId: 'id',
      TopicArn: 'arn:aws:sns:us-east-1:1:t',
      Message: '{"Records":[]}',
      Timestamp: '2024-01-01T00:00:00Z',
      SignatureVersion: version,
      SigningCertURL: 'https://sns.us-east-1.amazonaws.com/c.pem',
    };
    m['Signature'] = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
      .update(snsStringToSign(m))
      .sign(key, 'base64');
    return m;
  };

  it('accepts SignatureVersion 1 and 2 and refuses a changed message', async () => {
    for (const v of ['1', '2'] as const) {
      const m = message(v);
      assert.equal((await verifySnsMessage(m, source)).MessageId, 'id');
      await assert.rejects(verifySnsMessage({ ...m, Message: '{}' }, source), { code: 'bad-signature' });
      await assert.rejects(verifySnsMessage({ ...m, SignatureVersion: v === '1' ? '2' : '1' }, source), {
        code: 'bad-signature',
      });
    }
  });

  it('refuses unsigned messages, other topics and certificates from elsewhere', async () => {
    const { Signature: _s, ...unsigned } = message('1');
    await assert.rejects(verifySnsMessage(unsigned, source), { code: 'unsigned' });
    await assert.rejects(verifySnsMessage(message('2'), source, { allowedTopicArns: ['arn:other'] }), {
      code: 'topic-not-allowed',
    });
    const folder = new CertificateSource({ localPath: dir, allowedUrlPrefixes: [], allowAwsUrls: false });
    await assert.rejects(
      verifySnsMessage({ ...message('1'), SigningCertURL: 'https://evil.example/c.pem' }, folder).then(() =>
        verifySnsMessage({ ...message('1'), SigningCertURL: 'https://evil.example/other.pem' }, folder),
      ),
      { code: 'untrusted-certificate' },
    );
  });
});

describe('bearerMatches', () => {
  it('compares the token and tells a missing header apart', () => {
    assert.equal(bearerMatches('Bearer s3cret-token', 's3cret-token'), true);
    assert.equal(bearerMatches('Bearer s3cret-token2', 's3cret-token'), false);
    assert.equal(bearerMatches('Basic abc', 's3cret-token'), null);
    assert.equal(bearerMatches(undefined, 's3cret-token'), null);
  });
});
