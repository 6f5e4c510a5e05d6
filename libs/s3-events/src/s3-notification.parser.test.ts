import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeS3Key, parseS3Notification } from './s3-notification.parser';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'shared', 'fixtures', 's3-events');
const NO_FIXTURES = existsSync(FIXTURES)
  ? false
  : `../shared/fixtures/s3-events is missing (expected at ${FIXTURES})`;
const read = (...p: string[]) => readFileSync(join(FIXTURES, ...p), 'utf8');

describe('parseS3Notification on messages written by AWS and others', { skip: NO_FIXTURES }, () => {
  it('reads the S3 → SQS example of the S3 User Guide', () => {
    const parsed = parseS3Notification(
      read('awsdocs_amazon-s3-userguide', 'ObjectCreated-Put.DERIVED-line-numbers-stripped.json'),
    );
    assert.equal(parsed.type, 'objects');
    assert.ok(parsed.type === 'objects');
    const [o] = parsed.objects;
    assert.equal(o!.key, 'HappyFace.jpg');
    assert.equal(o!.sequencer, '0055AED6DCD90281E5');
    assert.equal(o!.eventName, 'ObjectCreated:Put');
    assert.equal(o!.via, 'sqs');
  });

  it('recognises the s3:TestEvent message', () => {
    assert.deepEqual(
      parseS3Notification(
        read('awsdocs_amazon-s3-userguide', 's3-TestEvent.DERIVED-line-numbers-stripped.json'),
      ),
      { type: 'test-event' },
    );
  });

  it('reads the SQS body of the Powertools S3 → SQS event and decodes its key', () => {
    const parsed = parseS3Notification(
      read('aws-powertools_powertools-lambda-typescript', 's3_sqs-event.Records0.body.DERIVED.json'),
    );
    assert.ok(parsed.type === 'objects');
    assert.equal(parsed.objects.length, 1);
    assert.ok(parsed.objects[0]!.bucket.length > 0);
  });

  it('reads EventBridge Object Created and ignores Object Deleted', () => {
    const created = parseS3Notification(
      read('awsdocs_amazon-s3-userguide', 'eventbridge_01_Object-Created.json'),
    );
    assert.ok(created.type === 'objects');
    assert.equal(created.objects[0]!.via, 'eventbridge');
    assert.equal(created.objects[0]!.key, 'example-key');
    const deleted = parseS3Notification(
      read('awsdocs_amazon-s3-userguide', 'eventbridge_02_Object-Deleted-DeleteObject.json'),
    );
    assert.ok(deleted.type === 'objects');
    assert.equal(deleted.objects.length, 0);
    assert.equal(deleted.ignored[0]!.eventName, 'Object Deleted');
  });

  it('calls an SNS envelope without an S3 event inside invalid', () => {
    const parsed = parseS3Notification(
      read('aws-powertools_powertools-lambda-typescript', 'sqs_sns-body.Records0.body.DERIVED.json'),
    );
    assert.equal(parsed.type, 'invalid');
  });
});

describe('parseS3Notification', () => {
  const record = (key: string, eventName = 'ObjectCreated:Put') => ({
    eventSource: 'aws:s3',
    eventName,
    eventTime: '2024-01-02T03:04:05.000Z',
    s3: { bucket: { name: 'logs' }, object: { key, size: 5, eTag: 'abc', sequencer: '01' } },
  });

  it('reads several records per message and skips ObjectRemoved', () => {
    const parsed = parseS3Notification(
      JSON.stringify({
        Records: [
          record('a'),
          record('b', 'ObjectRemoved:Delete'),
          record('c', 'ObjectCreated:CompleteMultipartUpload'),
        ],
      }),
    );
    assert.ok(parsed.type === 'objects');
    assert.deepEqual(
      parsed.objects.map((o) => o.key),
      ['a', 'c'],
    );
    assert.deepEqual(parsed.ignored, [{ eventName: 'ObjectRemoved:Delete', reason: 'NOT_OBJECT_CREATED' }]);
    assert.equal(parsed.objects[0]!.eventTime, Date.UTC(2024, 0, 2, 3, 4, 5));
  });

  it('unwraps the S3 event from an SNS envelope', () => {
    const parsed = parseS3Notification(
      JSON.stringify({
        Type: 'Notification',
        MessageId: 'x',
        Message: JSON.stringify({ Records: [record('k')] }),
      }),
    );
    assert.ok(parsed.type === 'objects');
    assert.equal(parsed.objects[0]!.via, 'sns');
  });

  it('reads every ObjectCreated kind and names EventBridge reasons the same way', () => {
    const kinds = ['Put', 'Post', 'Copy', 'CompleteMultipartUpload'].map((k) => `ObjectCreated:${k}`);
    const parsed = parseS3Notification(JSON.stringify({ Records: kinds.map((k, i) => record(`k${i}`, k)) }));
    assert.ok(parsed.type === 'objects');
    assert.deepEqual(
      parsed.objects.map((o) => o.eventName),
      kinds,
    );
    for (const [reason, name] of [
      ['PutObject', 'ObjectCreated:Put'],
      ['POST Object', 'ObjectCreated:Post'],
      ['CopyObject', 'ObjectCreated:Copy'],
      ['CompleteMultipartUpload', 'ObjectCreated:CompleteMultipartUpload'],
    ]) {
      const eb = parseS3Notification(
        JSON.stringify({
          source: 'aws.s3',
          'detail-type': 'Object Created',
          time: '2024-01-02T03:04:05Z',
          detail: { bucket: { name: 'b' }, object: { key: 'a b+c', etag: 'e' }, reason },
        }),
      );
      assert.ok(eb.type === 'objects');
      assert.equal(eb.objects[0]!.eventName, name);
      // EventBridge keys are not URL-encoded.
      assert.equal(eb.objects[0]!.key, 'a b+c');
    }
  });

  it('ignores every event that is not ObjectCreated', () => {
    const names = [
      'ObjectRemoved:Delete',
      'ObjectRemoved:DeleteMarkerCreated',
      'ObjectTagging:Put',
      'ObjectRestore:Post',
      'LifecycleExpiration:Delete',
    ];
    const parsed = parseS3Notification(JSON.stringify({ Records: names.map((n) => record('x', n)) }));
    assert.ok(parsed.type === 'objects');
    assert.equal(parsed.objects.length, 0);
    assert.deepEqual(
      parsed.ignored.map((i) => i.eventName),
      names,
    );
  });

  it('reads MinIO bodies (s3:ObjectCreated:Put) and test events inside SNS envelopes', () => {
    const minio = parseS3Notification(
      JSON.stringify({
        EventName: 's3:ObjectCreated:Put',
        Key: 'logs/a+b',
        Records: [{ ...record('a+b', 's3:ObjectCreated:Put'), eventSource: 'minio:s3' }],
      }),
      'webhook',
    );
    assert.ok(minio.type === 'objects');
    assert.deepEqual(
      minio.objects.map((o) => [o.key, o.eventName, o.via]),
      [['a b', 'ObjectCreated:Put', 'webhook']],
    );
    const test = parseS3Notification(
      JSON.stringify({ Type: 'Notification', Message: JSON.stringify({ Event: 's3:TestEvent' }) }),
    );
    assert.deepEqual(test, { type: 'test-event' });
  });

  it('decodes keys as S3 encodes them', () => {
    assert.equal(decodeS3Key('red+flower.jpg'), 'red flower.jpg');
    assert.equal(decodeS3Key('AWSLogs/1/%E6%97%A5%E6%9C%AC/x%2By%25z'), 'AWSLogs/1/日本/x+y%z');
    assert.equal(decodeS3Key('emoji%F0%9F%98%80'), 'emoji😀');
    assert.equal(decodeS3Key('a%40b'), 'a@b');
    assert.equal(decodeS3Key('caf%C3%A9%2B1'), 'café+1');
  });

  it('reports bodies that are not S3 notifications', () => {
    assert.equal(parseS3Notification('not json').type, 'invalid');
    assert.equal(parseS3Notification('[]').type, 'invalid');
    assert.equal(parseS3Notification('{"hello":1}').type, 'invalid');
    assert.equal(
      parseS3Notification(
        JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: {} } }] }),
      ).type,
      'invalid',
    );
  });
});
