/**
 * The notifier on SQS (ElasticMQ), Kafka and Postgres of the local stack, as processes:
 * every message shape, two replicas publishing each object once, a poison message dead-lettered
 * after N receives, a slow message kept invisible by the heartbeat, and a crash between publish
 * and delete publishing nothing twice.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { s3NotificationBody, waitFor, type ServiceProcess } from '@lake/testing';
import { NotifierStack, flowKey, trailKey } from './notifier-stack';

const BUCKET = 'logs-bucket';
const DAY = '2024-05-01';

function snsEnvelope(message: string): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: 'b1b5c6f0-0000-4000-8000-000000000001',
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:s3-events',
    Subject: 'Amazon S3 Notification',
    Message: message,
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    Signature: 'EXAMPLE',
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem',
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
  });
}

function eventBridge(key: string, etag: string, reason = 'PutObject'): string {
  return JSON.stringify({
    version: '0',
    id: 'e0e0e0e0-0000-4000-8000-000000000000',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2024-05-01T00:10:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${BUCKET}`],
    detail: {
      version: '0',
      bucket: { name: BUCKET },
      object: { key, size: 10, etag, sequencer: '00617F08299329D189' },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      reason,
    },
  });
}

describe('notifier on SQS', () => {
  describe('two replicas, every message shape, a poison message', () => {
    const t = new NotifierStack('notifier-sqs');
    let replicas: ServiceProcess[] = [];

    before(async () => {
      await t.start();
      replicas = await Promise.all([
        t.notifier({ SQS_MAX_RECEIVES: '3' }),
        t.notifier({ SQS_MAX_RECEIVES: '3' }),
      ]);
    });
    after(() => t.stop());

    it('publishes each object once, skips what is not a new log object, dead-letters the poison', async () => {
      // A log key with a NUL byte in its prefix, which Postgres text cannot hold: fails on every receive.
      const poison = s3NotificationBody([
        { bucket: BUCKET, key: `bad\u0000/${flowKey(DAY, 999)}`, size: 1, etag: 'p' },
      ]);
      await t.queue.send(poison);

      // A bucket prefix with a space, a '+' and a non-ASCII letter (keys as S3 encodes them: '+' for a space).
      const spaced = `flow logs+é/${flowKey(DAY, 1)}`;
      const direct = s3NotificationBody([
        { bucket: BUCKET, key: flowKey(DAY, 2), size: 10, etag: 'e2' },
        { bucket: BUCKET, key: trailKey(DAY, 3), size: 10, etag: 'e3' },
      ]);
      const kinds = ['Post', 'Copy', 'CompleteMultipartUpload'].map((k, i) =>
        s3NotificationBody(
          [{ bucket: BUCKET, key: flowKey(DAY, 10 + i), size: 10, etag: `k${i}` }],
          `ObjectCreated:${k}`,
        ),
      );
      const messages = [
        direct,
        s3NotificationBody([{ bucket: BUCKET, key: spaced, size: 10, etag: 'e1' }]),
        // S3 → SNS → SQS, raw delivery off (envelope) and on (the S3 JSON itself).
        snsEnvelope(s3NotificationBody([{ bucket: BUCKET, key: flowKey(DAY, 4), size: 10, etag: 'e4' }])),
        s3NotificationBody([{ bucket: BUCKET, key: flowKey(DAY, 5), size: 10, etag: 'e5' }]),
        eventBridge(flowKey(DAY, 6), 'e6'),
        ...kinds,
        JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: BUCKET }),
        s3NotificationBody(
          [{ bucket: BUCKET, key: flowKey(DAY, 7), size: 10, etag: 'e7' }],
          'ObjectRemoved:Delete',
        ),
        // Not a log object: skipped by routing.
        s3NotificationBody([{ bucket: BUCKET, key: 'notes/README.txt', size: 10, etag: 'e8' }]),
        'this is not JSON',
      ];
      // Every message twice: SQS delivers at least once, and replicas receive side by side.
      for (const m of [...messages, ...messages]) {
        await t.queue.send(m);
      }
      const expected = [
        flowKey(DAY, 2),
        trailKey(DAY, 3),
        spaced,
        flowKey(DAY, 4),
        flowKey(DAY, 5),
        flowKey(DAY, 6),
        flowKey(DAY, 10),
        flowKey(DAY, 11),
        flowKey(DAY, 12),
      ].sort();

      const rows = await waitFor('every object recorded', async () => {
        const r = await t.recorded(BUCKET);
        return r.length >= expected.length ? r : undefined;
      });
      assert.deepEqual(
        rows.map((r) => r.key),
        expected,
      );
      // Two bodies that are not JSON, then the poison after its third receive.
      await waitFor('the poison message dead-lettered', async () =>
        (await t.topicCount(t.names.topics.deadLetters)) >= 3 ? true : undefined,
      );
      const letters = await t.deadLetters();
      const failed = letters.filter((l) => l.value.reason === 'NOTIFICATION_FAILED');
      assert.equal(failed.length, 1);
      assert.equal(failed[0]!.value.payload?.toString(), poison);
      assert.match(failed[0]!.value.message, /failed on 3 receives/);
      assert.equal(letters.filter((l) => l.value.reason === 'NOT_S3_NOTIFICATION').length, 2);

      const events = await t.objectEvents();
      assert.equal(events.length, expected.length, 'one event per object, whatever the duplicates');
      assert.deepEqual(events.map((e) => e.value.key).sort(), expected);
      const byKey = new Map(events.map((e) => [e.value.key, e.value]));
      assert.equal(byKey.get(flowKey(DAY, 4))!.source, 'sns');
      assert.equal(byKey.get(flowKey(DAY, 6))!.source, 'eventbridge');
      assert.equal(byKey.get(flowKey(DAY, 6))!.eventName, 'ObjectCreated:Put');
      assert.equal(byKey.get(flowKey(DAY, 12))!.eventName, 'ObjectCreated:CompleteMultipartUpload');
      assert.equal(byKey.get(trailKey(DAY, 3))!.kind, 'CLOUDTRAIL');
      assert.equal(events.find((e) => e.value.key === spaced)!.key, `${BUCKET}/${spaced}`);

      const sum = async (name: string) =>
        (await Promise.all(replicas.map((r) => r.counter(name)))).reduce((a, b) => a + b);
      assert.equal(await sum('lake_notifier_events_ignored_total{event="ObjectRemoved:Delete"'), 2);
      assert.equal(await sum('lake_notifier_objects_skipped_total{reason="kind"'), 2);
      assert.equal(await sum('lake_notifier_objects_skipped_total{reason="duplicate"'), expected.length);
      assert.equal(await sum('lake_notifier_messages_total{outcome="test-event"'), 2);
      assert.ok((await sum('lake_notifier_messages_total{outcome="retry"')) >= 2);
      for (const r of replicas) {
        assert.equal((await fetch(`${r.baseUrl}/health`)).status, 200);
      }
    });
  });

  describe('a queue with a RedrivePolicy', () => {
    const t = new NotifierStack('notifier-redrive');
    after(() => t.stop());

    it("leaves a failing message to SQS's own dead-letter queue", async () => {
      await t.start({ queue: false });
      const dlq = await t.makeQueue(`${t.names.queue}-dlq`);
      const arn = (
        await dlq.client.send(
          new GetQueueAttributesCommand({ QueueUrl: dlq.queueUrl, AttributeNames: ['QueueArn'] }),
        )
      ).Attributes?.['QueueArn'];
      assert.ok(arn);
      const created = await dlq.client.send(
        new CreateQueueCommand({
          QueueName: t.names.queue,
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: '2' }) },
        }),
      );
      t.queue = await t.makeQueue(t.names.queue);
      assert.equal(t.queue.queueUrl, created.QueueUrl);
      // SQS_MAX_RECEIVES=1 would dead-letter it at once, were the queue's policy not there.
      const notifier = await t.notifier({ SQS_MAX_RECEIVES: '1' });
      const poison = s3NotificationBody([
        { bucket: BUCKET, key: `bad\u0000/${flowKey(DAY, 1)}`, size: 1, etag: 'p' },
      ]);
      await t.queue.send(poison);
      const moved = await waitFor('SQS to move the message to its dead-letter queue', async () => {
        const got = await dlq.receive({ max: 1, waitSeconds: 1, visibilityTimeout: 30 });
        return got.length > 0 ? got : undefined;
      });
      assert.equal(moved[0]!.body, poison);
      assert.ok((await notifier.counter('lake_notifier_messages_total{outcome="retry"')) >= 2);
      assert.equal(await t.topicCount(t.names.topics.deadLetters), 0, 'nothing on the dead-letter topic');
      dlq.close();
    });
  });

  describe('a slow message', () => {
    const t = new NotifierStack('notifier-slow');
    after(() => t.stop());

    it('stays invisible while it is handled, and is published and deleted once done', async () => {
      await t.start();
      const notifier = await t.notifier({ SQS_VISIBILITY_TIMEOUT: '2', SQS_HEARTBEAT_SECONDS: '0.5' });
      const key = flowKey(DAY, 1);
      // The test holds the object's row lock: the notifier's insert waits, as on a slow database.
      const blocker = await t.db.connect();
      const blockerPid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!
        .pid;
      await blocker.query('BEGIN');
      await blocker.query(
        `INSERT INTO "${t.names.schema}".notifier_objects (bucket, key, object_tag, kind, source) VALUES ($1, $2, 'slow', 'VPCFLOWLOGS', 'test')`,
        [BUCKET, key],
      );
      await t.queue.send(s3NotificationBody([{ bucket: BUCKET, key, size: 1, etag: 'slow' }]));
      try {
        await waitFor('the notifier waiting on the row lock', async () => {
          const res = await t.db.query(
            `SELECT 1 FROM pg_stat_activity WHERE application_name = 'notifier' AND $1 = ANY (pg_blocking_pids(pid))`,
            [blockerPid],
          );
          return res.rowCount! > 0 ? true : undefined;
        });
        // Several visibility timeouts go by (renewed each time): nobody else can receive the message.
        const start = await notifier.counter('lake_notifier_visibility_extensions_total');
        let receivedByOthers = 0;
        await waitFor('ten heartbeats (two and a half visibility timeouts)', async () => {
          receivedByOthers += (await t.queue.receive({ max: 10, waitSeconds: 0, visibilityTimeout: 0 }))
            .length;
          return (await notifier.counter('lake_notifier_visibility_extensions_total')) >= start + 10
            ? true
            : undefined;
        });
        assert.equal(receivedByOthers, 0, 'the message stayed invisible');
      } finally {
        await blocker.query('ROLLBACK');
        blocker.release();
      }
      await waitFor('the object published', async () =>
        (await t.topicCount(t.names.topics.objectEvents)) === 1 ? true : undefined,
      );
      await waitFor('the message deleted', async () =>
        (await notifier.counter('lake_sqs_messages_deleted_total')) === 1 ? true : undefined,
      );
      assert.equal(await notifier.counter('lake_sqs_messages_received_total'), 1, 'received once only');
      assert.equal((await t.recorded(BUCKET)).length, 1);
    });
  });

  describe('a crash between publish and delete', () => {
    const t = new NotifierStack('notifier-crash');
    let proxy: Server | null = null;
    after(async () => {
      proxy?.close();
      await t.stop();
    });

    it('publishes nothing twice when the message comes back', async () => {
      await t.start();
      let victim: ServiceProcess | null = null;
      let crashed = false;
      // A pass-through to ElasticMQ that kills the notifier when it asks to delete the message:
      // after Kafka acknowledged the event and Postgres recorded it, before SQS forgets the message.
      proxy = createServer((req, res) => {
        void (async () => {
          const body = await readBody(req);
          const target = String(req.headers['x-amz-target'] ?? '');
          if (target.endsWith('DeleteMessage') && victim && !crashed) {
            crashed = true;
            await victim.kill();
            res.destroy();
            return;
          }
          const headers = Object.fromEntries(
            Object.entries(req.headers).filter(
              ([k]) => !['host', 'connection', 'content-length', 'transfer-encoding', 'expect'].includes(k),
            ),
          ) as Record<string, string>;
          const upstream = await fetch(`${t.stack.sqsEndpoint}${req.url ?? '/'}`, {
            method: req.method ?? 'POST',
            headers,
            ...(body.length > 0 ? { body } : {}),
          });
          res.writeHead(upstream.status, {
            'content-type': upstream.headers.get('content-type') ?? 'application/json',
          });
          res.end(Buffer.from(await upstream.arrayBuffer()));
        })().catch(() => res.destroy());
      });
      await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve));
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

      victim = await t.notifier({ SQS_ENDPOINT: proxyUrl });
      const key = trailKey(DAY, 1);
      await t.queue.send(s3NotificationBody([{ bucket: BUCKET, key, size: 1, etag: 'c1' }]));
      await waitFor('the notifier killed at its delete', async () => (crashed ? true : undefined));
      assert.equal(await t.topicCount(t.names.topics.objectEvents), 1, 'published before the crash');

      const restarted = await t.notifier();
      await waitFor('the replayed message recognised and deleted', async () =>
        (await restarted.counter('lake_sqs_messages_deleted_total')) >= 1 ? true : undefined,
      );
      assert.equal(await restarted.counter('lake_notifier_objects_skipped_total{reason="duplicate"'), 1);
      assert.equal(await t.topicCount(t.names.topics.objectEvents), 1, 'no second Kafka message');
      assert.deepEqual(
        (await t.recorded(BUCKET)).map((r) => r.key),
        [key],
        'one row in Postgres',
      );
    });
  });
});

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
