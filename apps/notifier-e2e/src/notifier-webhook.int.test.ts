/**
 * The notifier without SQS: MinIO and SNS HTTP webhooks on its port, with a key and self-signed
 * certificate this test makes (openssl) and SNS messages signed as the SNS Developer Guide says;
 * and the periodic reconciliation publishing objects no notification announced.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { s3NotificationBody, waitFor, type ServiceProcess } from '@lake/testing';
import { NotifierStack, flowKey, trailKey } from './notifier-stack';

const BUCKET = 'webhook-bucket';
const DAY = '2024-06-01';
const TOKEN = 'minio-shared-secret-0123456789';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:s3-events';

function makeKeyPair(dir: string, name: string): { key: string; cert: string } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=sns.test.local',
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      join(dir, `${name}.pem`),
    ],
    { stdio: 'ignore' },
  );
  return {
    key: readFileSync(join(dir, `${name}.key`), 'utf8'),
    cert: readFileSync(join(dir, `${name}.pem`), 'utf8'),
  };
}

/** Signs as SNS does: "Name\nValue\n" for the type's fields in order (Subject only when present). */
function sign(message: Record<string, string>, key: string, version: '1' | '2'): Record<string, string> {
  const fields =
    message['Type'] === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const text = fields
    .filter((f) => message[f] !== undefined)
    .map((f) => `${f}\n${message[f]}\n`)
    .join('');
  const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
    .update(text, 'utf8')
    .sign(key, 'base64');
  return { ...message, SignatureVersion: version, Signature: signature };
}

describe('notifier webhooks', () => {
  const t = new NotifierStack('notifier-webhook');
  const dir = mkdtempSync(join(tmpdir(), 'sns-certs-'));
  let local: { key: string; cert: string };
  let fetched: { key: string; cert: string };
  let snsHost: Server;
  let snsBase = '';
  const confirmations: string[] = [];
  let notifier: ServiceProcess;

  before(async () => {
    // One certificate in the notifier's PEM folder (found by the SigningCertURL's file name), one
    // served over HTTP from an allowed URL prefix.
    const certDir = join(dir, 'certs');
    execFileSync('mkdir', ['-p', certDir]);
    local = makeKeyPair(certDir, 'SimpleNotificationService-local');
    fetched = makeKeyPair(dir, 'fetched');
    snsHost = createServer((req, res) => {
      if (req.url === '/certs/SimpleNotificationService-fetched.pem') {
        res.end(fetched.cert);
      } else if (req.url?.startsWith('/confirm')) {
        confirmations.push(req.url);
        res.end('<ConfirmSubscriptionResponse/>');
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => snsHost.listen(0, '127.0.0.1', resolve));
    snsBase = `http://127.0.0.1:${(snsHost.address() as AddressInfo).port}`;
    await t.start({ queue: false, bucket: true });
    notifier = await t.notifier({
      WEBHOOK_MINIO_TOKEN: TOKEN,
      WEBHOOK_SNS_ENABLED: 'true',
      SNS_CERT_PATH: join(dir, 'certs'),
      SNS_CERT_URL_PREFIXES: `${snsBase}/certs/`,
      SNS_SUBSCRIBE_URL_PREFIXES: `${snsBase}/confirm`,
      SNS_ALLOW_AWS_URLS: 'false',
      SNS_TOPIC_ARNS: TOPIC,
      RECONCILE_TARGETS: `s3://${t.names.bucket}/AWSLogs/123456789012/CloudTrail/us-east-1/`,
      RECONCILE_INTERVAL_SECONDS: '1',
      RECONCILE_LOOKBACK_DAYS: '1',
    });
  });
  after(async () => {
    snsHost?.close();
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${notifier.baseUrl}${path}`, { method: 'POST', body, headers });

  const notification = (key: string, certName: string, extra: Record<string, string> = {}) => ({
    Type: 'Notification',
    MessageId: `m-${key.length}-${certName}`,
    TopicArn: TOPIC,
    Subject: 'Amazon S3 Notification',
    Message: s3NotificationBody([{ bucket: BUCKET, key, size: 5, etag: `etag-${key.length}-${certName}` }]),
    Timestamp: new Date().toISOString(),
    SigningCertURL: `https://sns.us-east-1.amazonaws.com/${certName}.pem`,
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
    ...extra,
  });
  // SNS posts with these headers and a text/plain body.
  const snsHeaders = {
    'content-type': 'text/plain; charset=UTF-8',
    'x-amz-sns-message-type': 'Notification',
  };

  it('accepts SNS messages signed with SignatureVersion 1 and 2, from a local PEM and an allowed URL', async () => {
    const v1 = sign(notification(flowKey(DAY, 1), 'SimpleNotificationService-local'), local.key, '1');
    const res1 = await post('/webhooks/sns', JSON.stringify(v1), snsHeaders);
    assert.equal(res1.status, 200, await res1.text());
    const v2 = sign(
      notification(flowKey(DAY, 2), 'SimpleNotificationService-fetched', {
        SigningCertURL: `${snsBase}/certs/SimpleNotificationService-fetched.pem`,
      }),
      fetched.key,
      '2',
    );
    const res2 = await post('/webhooks/sns', JSON.stringify(v2), snsHeaders);
    assert.equal(res2.status, 200, await res2.text());
    // The same message again (SNS retries): recognised, not published twice.
    const again = await post('/webhooks/sns', JSON.stringify(v1), snsHeaders);
    assert.deepEqual(await again.json(), { published: 0, duplicates: 1, skipped: 0, ignored: 0 });
    assert.deepEqual(
      (await t.recorded(BUCKET)).map((r) => [r.key, r.source]),
      [
        [flowKey(DAY, 1), 'sns'],
        [flowKey(DAY, 2), 'sns'],
      ],
    );
  });

  it('refuses tampered, unsigned, untrusted and foreign-topic SNS messages, and counts them', async () => {
    const signed = sign(notification(flowKey(DAY, 3), 'SimpleNotificationService-local'), local.key, '1');
    const tampered = {
      ...signed,
      Message: s3NotificationBody([{ bucket: BUCKET, key: flowKey(DAY, 4), size: 5, etag: 'x' }]),
    };
    assert.equal((await post('/webhooks/sns', JSON.stringify(tampered), snsHeaders)).status, 403);
    const { Signature: _s, ...unsigned } = signed;
    assert.equal((await post('/webhooks/sns', JSON.stringify(unsigned), snsHeaders)).status, 401);
    // Signed with another key than the certificate's.
    const wrongKey = sign(notification(flowKey(DAY, 5), 'SimpleNotificationService-local'), fetched.key, '2');
    assert.equal((await post('/webhooks/sns', JSON.stringify(wrongKey), snsHeaders)).status, 403);
    // A certificate URL that is neither a local PEM nor under an allowed prefix.
    const untrusted = sign(
      notification(flowKey(DAY, 6), 'x', { SigningCertURL: 'https://attacker.example/cert.pem' }),
      local.key,
      '1',
    );
    assert.equal((await post('/webhooks/sns', JSON.stringify(untrusted), snsHeaders)).status, 403);
    const foreign = sign(
      notification(flowKey(DAY, 7), 'SimpleNotificationService-local', {
        TopicArn: 'arn:aws:sns:us-east-1:999999999999:other',
      }),
      local.key,
      '1',
    );
    assert.equal((await post('/webhooks/sns', JSON.stringify(foreign), snsHeaders)).status, 403);
    assert.equal(
      await notifier.counter('lake_notifier_webhook_requests_total{source="sns",outcome="forbidden"'),
      4,
    );
    assert.equal(
      await notifier.counter('lake_notifier_webhook_requests_total{source="sns",outcome="unauthenticated"'),
      1,
    );
    assert.ok(
      !(await t.recorded(BUCKET)).some((r) => r.key === flowKey(DAY, 4) || r.key === flowKey(DAY, 3)),
    );
  });

  it('confirms a signed SubscriptionConfirmation by fetching its SubscribeURL', async () => {
    const confirmation = sign(
      {
        Type: 'SubscriptionConfirmation',
        MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
        Token: '2336412f37fb687f5d51e6e2425c464d',
        TopicArn: TOPIC,
        Message: `You have chosen to subscribe to the topic ${TOPIC}.`,
        SubscribeURL: `${snsBase}/confirm?Action=ConfirmSubscription&Token=2336412f37fb687f5d51e6e2425c464d`,
        Timestamp: new Date().toISOString(),
        SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-local.pem',
      },
      local.key,
      '1',
    );
    const res = await post('/webhooks/sns', JSON.stringify(confirmation), {
      ...snsHeaders,
      'x-amz-sns-message-type': 'SubscriptionConfirmation',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(confirmations, [
      '/confirm?Action=ConfirmSubscription&Token=2336412f37fb687f5d51e6e2425c464d',
    ]);
    // Tampered confirmations are not followed.
    const evil = { ...confirmation, SubscribeURL: `${snsBase}/confirm?Token=evil` };
    assert.equal((await post('/webhooks/sns', JSON.stringify(evil), snsHeaders)).status, 403);
    assert.equal(confirmations.length, 1);
  });

  it('accepts MinIO notifications with the bearer token only', async () => {
    const body = JSON.stringify({
      EventName: 's3:ObjectCreated:Put',
      Key: `${BUCKET}/${trailKey(DAY, 1)}`,
      Records: [
        {
          ...(
            JSON.parse(
              s3NotificationBody([{ bucket: BUCKET, key: trailKey(DAY, 1), size: 5, etag: 'm1' }]),
            ) as {
              Records: Record<string, unknown>[];
            }
          ).Records[0],
          eventSource: 'minio:s3',
          eventName: 's3:ObjectCreated:Put',
        },
      ],
    });
    const json = { 'content-type': 'application/json' };
    assert.equal((await post('/webhooks/minio', body, json)).status, 401);
    assert.equal(
      (await post('/webhooks/minio', body, { ...json, authorization: 'Bearer wrong-token' })).status,
      403,
    );
    assert.equal(
      (await post('/webhooks/minio', body, { ...json, authorization: `Bearer ${TOKEN}x` })).status,
      403,
    );
    assert.ok(!(await t.recorded(BUCKET)).some((r) => r.key === trailKey(DAY, 1)));
    const ok = await post('/webhooks/minio', body, { ...json, authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { published: number }).published, 1);
    assert.equal((await t.recorded(BUCKET)).find((r) => r.key === trailKey(DAY, 1))?.source, 'webhook');
    assert.equal(
      (await post('/webhooks/minio', '{"hello":1}', { ...json, authorization: `Bearer ${TOKEN}` })).status,
      400,
    );
  });

  it('reconciliation publishes the objects no notification announced, once', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const keys = [trailKey(today, 1), trailKey(today, 2), trailKey(today, 3)];
    for (const key of keys) {
      await t.s3.putObject(t.names.bucket, key, Buffer.from('{"Records":[]}'));
    }
    // One of them announced through the webhook; the reconciliation may find it first: either way once.
    const announced = s3NotificationBody([{ bucket: t.names.bucket, key: keys[0]!, size: 14 }]);
    const etags = new Map<string, string | null>();
    for await (const o of t.s3.listObjects(t.names.bucket)) {
      etags.set(o.key, o.etag);
    }
    const withEtag = announced.replace(
      '"eTag":"0"',
      `"eTag":${JSON.stringify(etags.get(keys[0]!)!.replace(/"/g, ''))}`,
    );
    const res = await post('/webhooks/minio', withEtag, {
      'content-type': 'application/json',
      authorization: `Bearer ${TOKEN}`,
    });
    assert.equal(res.status, 200);
    await waitFor('the reconciliation to find the missed objects', async () =>
      (await t.recorded(t.names.bucket)).length === 3 ? true : undefined,
    );
    // Another pass or two: nothing more.
    const runs = await notifier.counter('lake_notifier_reconcile_runs_total{outcome="ok"');
    await waitFor('two more reconciliation passes', async () =>
      (await notifier.counter('lake_notifier_reconcile_runs_total{outcome="ok"')) >= runs + 2
        ? true
        : undefined,
    );
    assert.ok((await notifier.counter('lake_notifier_reconcile_found_total')) >= 2);
    const events = (await t.objectEvents()).filter((e) => e.value.bucket === t.names.bucket);
    assert.deepEqual(events.map((e) => e.value.key).sort(), keys);
  });
});
