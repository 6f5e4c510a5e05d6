/**
 * Every message in ../shared/fixtures/s3-events (SOURCES.md says where each comes from) parsed
 * with the bucket and key its source shows. Skipped, with a message, when the folder is absent.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseS3Notification, type ParsedNotification } from './s3-notification.parser';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'shared', 'fixtures', 's3-events');
const NO_FIXTURES = existsSync(FIXTURES)
  ? false
  : `../shared/fixtures/s3-events is missing (expected at ${FIXTURES}); fixture tests skipped`;
const read = (file: string) => readFileSync(join(FIXTURES, file), 'utf8');

type Expected =
  | { objects: [bucket: string, key: string, eventName: string, via: string][]; ignored?: string[] }
  | { testEvent: true }
  | { invalid: true }
  /** A file that is not one message: what the test does with it instead. */
  | { notAMessage: string };

const PT = 'aws-powertools_powertools-lambda-typescript';
const S3 = 'awsdocs_amazon-s3-userguide';
const SNS = 'awsdocs_amazon-sns-developer-guide';
const DP = 'opensearch-project_data-prepper';
const LS = 'localstack_localstack';

/** What each file's source shows (SOURCES.md, and the source projects' own assertions). */
const EXPECTED: Record<string, Expected> = {
  [`${PT}/LICENSE`]: { notAMessage: 'license text' },
  // S3 → Lambda events: the same {"Records":[…]} shape S3 sends to SQS.
  [`${PT}/s3_base.json`]: {
    objects: [
      ['lambda-artifacts-deafc19498e3f2df', 'b21b84d653bb07b05b1e6b33684dc11b', 'ObjectCreated:Put', 'sqs'],
    ],
  },
  // v2.0 example with a %20-encoded space: decoded to a space.
  [`${PT}/s3_decoded-key.json`]: {
    objects: [['sourcebucket', 'Happy Face.jpg', 'ObjectCreated:Put', 'sqs']],
  },
  [`${PT}/s3_eventbridge-object-created.json`]: {
    objects: [['example-bucket', 'IMG_m7fzo3.jpg', 'ObjectCreated:Put', 'eventbridge']],
  },
  [`${PT}/s3_eventbridge-object-deleted.json`]: { objects: [], ignored: ['Object Deleted'] },
  [`${PT}/s3_sqs-event.Records0.body.DERIVED.json`]: {
    objects: [['xxx', 'test.pdf', 'ObjectCreated:Put', 'sqs']],
  },
  [`${PT}/s3_sqs-event.json`]: {
    notAMessage: 'SQS → Lambda event; its Records[0].body is the .DERIVED file',
  },
  // An SNS envelope whose Message is not an S3 event.
  [`${PT}/sqs_sns-body.Records0.body.DERIVED.json`]: { invalid: true },
  [`${PT}/sqs_sns-body.json`]: {
    notAMessage: 'SQS → Lambda event; its Records[0].body is the .DERIVED file',
  },
  [`${S3}/ObjectCreated-Put.DERIVED-line-numbers-stripped.json`]: {
    objects: [['mybucket', 'HappyFace.jpg', 'ObjectCreated:Put', 'sqs']],
  },
  [`${S3}/ObjectCreated-Put.as-published-with-line-numbers.txt`]: { notAMessage: 'line-numbered doc block' },
  [`${S3}/eventbridge_01_Object-Created.json`]: {
    objects: [['DOC-EXAMPLE-BUCKET1', 'example-key', 'ObjectCreated:Put', 'eventbridge']],
  },
  [`${S3}/eventbridge_02_Object-Deleted-DeleteObject.json`]: { objects: [], ignored: ['Object Deleted'] },
  [`${S3}/eventbridge_03_Object-Deleted-Lifecycle-expiration.json`]: {
    objects: [],
    ignored: ['Object Deleted'],
  },
  [`${S3}/eventbridge_04_Object-Restore-Completed.json`]: {
    objects: [],
    ignored: ['Object Restore Completed'],
  },
  // The structure template: eventName is the placeholder "event-type", not an ObjectCreated event.
  [`${S3}/notification-structure-v2.1-field-descriptions.json`]: { objects: [], ignored: ['event-type'] },
  [`${S3}/s3-TestEvent.DERIVED-line-numbers-stripped.json`]: { testEvent: true },
  [`${S3}/s3-TestEvent.as-published-with-line-numbers.txt`]: { notAMessage: 'line-numbered doc block' },
  // SNS HTTP bodies: handled by the webhook (signature checks), not S3 notifications themselves.
  [`${SNS}/Notification.DERIVED-http-body.json`]: { invalid: true },
  [`${SNS}/SubscriptionConfirmation.DERIVED-http-body.json`]: { invalid: true },
  [`${SNS}/UnsubscribeConfirmation.DERIVED-http-body.json`]: { invalid: true },
  [`${SNS}/http-Notification.http.txt`]: { notAMessage: 'HTTP request; its body is the .DERIVED file' },
  [`${SNS}/http-SubscriptionConfirmation.http.txt`]: {
    notAMessage: 'HTTP request; its body is the .DERIVED file',
  },
  [`${SNS}/http-UnsubscribeConfirmation.http.txt`]: {
    notAMessage: 'HTTP request; its body is the .DERIVED file',
  },
  // An SNS envelope in SQS whose Message is "Hello world!".
  [`${SNS}/sqs-message-from-sns-Notification.json`]: { invalid: true },
  [`${LS}/test_s3_notifications_eventbridge.snapshot.json`]: {
    notAMessage: 'snapshot: messages checked below',
  },
  [`${LS}/test_s3_notifications_sns.snapshot.json`]: { notAMessage: 'snapshot: messages checked below' },
  [`${LS}/test_s3_notifications_sqs.snapshot.json`]: { notAMessage: 'snapshot: messages checked below' },
  // MinIO's documented webhook body: eventName "s3:ObjectCreated:Put", eventSource minio:s3.
  ['minio_docs/bucket-notifications_example_s3-ObjectCreated-Put.DERIVED-dedented.json']: {
    objects: [['test-bucket', 'image.jpg', 'ObjectCreated:Put', 'sqs']],
  },
  // data-prepper's test asserts these buckets and keys.
  [`${DP}/S3EventNotificationParserTest_DIRECT_SQS_MESSAGE.DERIVED-from-java-literal.json`]: {
    objects: [['my-bucket', 'path/to/myfile.log.gz', 'ObjectCreated:Put', 'sqs']],
  },
  [`${DP}/S3EventNotificationParserTest_SNS_BASED_MESSAGE.DERIVED-from-java-literal.json`]: {
    objects: [['my-sns-bucket', 'path/to/testlogs.log.gz', 'ObjectCreated:Put', 'sns']],
  },
  [`${DP}/S3EventNotificationParserTest_testEventMessage.DERIVED-from-java-literal.json`]: {
    testEvent: true,
  },
};

function check(file: string, parsed: ParsedNotification, want: Expected): void {
  if ('notAMessage' in want) {
    return;
  }
  if ('testEvent' in want) {
    assert.deepEqual(parsed, { type: 'test-event' }, file);
    return;
  }
  if ('invalid' in want) {
    assert.equal(parsed.type, 'invalid', file);
    return;
  }
  assert.equal(parsed.type, 'objects', `${file}: ${JSON.stringify(parsed)}`);
  assert.ok(parsed.type === 'objects');
  assert.deepEqual(
    parsed.objects.map((o) => [o.bucket, o.key, o.eventName, o.via]),
    want.objects,
    file,
  );
  assert.deepEqual(
    parsed.ignored.map((i) => i.eventName),
    want.ignored ?? [],
    file,
  );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every value under the snapshot's recorded-content that passes `pick`, depth first. */
function collect(value: unknown, pick: (v: Record<string, unknown>) => boolean): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (isObject(v)) {
      if (pick(v)) {
        found.push(v);
      } else {
        Object.values(v).forEach(walk);
      }
    }
  };
  walk(value);
  return found;
}

describe('every S3 notification fixture', { skip: NO_FIXTURES }, () => {
  it('has an expectation for each file in the folder', () => {
    const files = readdirSync(FIXTURES, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile() && d.name !== 'SOURCES.md')
      .map((d) => join(d.parentPath, d.name).slice(FIXTURES.length + 1))
      .sort();
    assert.deepEqual(files, Object.keys(EXPECTED).sort());
  });

  for (const [file, want] of Object.entries(EXPECTED)) {
    it(`${file}${'notAMessage' in want ? ` (${want.notAMessage})` : ''}`, { skip: NO_FIXTURES }, () => {
      check(file, parseS3Notification(read(file)), want);
    });
  }

  it('reads the SQS message body inside the Lambda events', () => {
    for (const [file, bucket, key, via] of [[`${PT}/s3_sqs-event.json`, 'xxx', 'test.pdf', 'sqs']] as const) {
      const event = JSON.parse(read(file)) as { Records: { body: string }[] };
      const parsed = parseS3Notification(event.Records[0]!.body);
      check(file, parsed, { objects: [[bucket, key, 'ObjectCreated:Put', via]] });
    }
    const sns = JSON.parse(read(`${PT}/sqs_sns-body.json`)) as { Records: { body: string }[] };
    assert.equal(parseS3Notification(sns.Records[0]!.body).type, 'invalid');
  });

  it('reads the line-numbered doc blocks once the numbers are stripped', () => {
    const strip = (text: string) => text.replace(/^\s*\d+\. ?/gm, '');
    check(
      'ObjectCreated-Put',
      parseS3Notification(strip(read(`${S3}/ObjectCreated-Put.as-published-with-line-numbers.txt`))),
      { objects: [['mybucket', 'HappyFace.jpg', 'ObjectCreated:Put', 'sqs']] },
    );
    assert.deepEqual(
      parseS3Notification(strip(read(`${S3}/s3-TestEvent.as-published-with-line-numbers.txt`))),
      { type: 'test-event' },
    );
  });

  it('reads every S3 → SQS message recorded against AWS by localstack', () => {
    const snapshot = JSON.parse(read(`${LS}/test_s3_notifications_sqs.snapshot.json`)) as Record<
      string,
      { 'recorded-content': unknown }
    >;
    const seen = new Map<string, number>();
    for (const [test, content] of Object.entries(snapshot)) {
      // The test stored each S3 record of a received message (SQS Body → Records[0]).
      const records = collect(content['recorded-content'], (v) => v['eventSource'] === 'aws:s3');
      for (const record of records) {
        const parsed = parseS3Notification(JSON.stringify({ Records: [record] }));
        assert.equal(parsed.type, 'objects', test);
        assert.ok(parsed.type === 'objects');
        const name = record['eventName'] as string;
        seen.set(name, (seen.get(name) ?? 0) + 1);
        if (name.startsWith('ObjectCreated:')) {
          const s3 = record['s3'] as { bucket: { name: string }; object: { key: string } };
          assert.equal(parsed.objects.length, 1, test);
          assert.equal(parsed.objects[0]!.bucket, s3.bucket.name);
          assert.equal(parsed.objects[0]!.eventName, name);
        } else {
          assert.deepEqual(parsed.ignored, [{ eventName: name, reason: 'NOT_OBJECT_CREATED' }], test);
        }
      }
    }
    assert.ok(
      ['ObjectCreated:Put', 'ObjectCreated:Copy', 'ObjectCreated:CompleteMultipartUpload'].every((n) =>
        seen.has(n),
      ),
    );
    assert.ok(['ObjectRemoved:Delete', 'ObjectTagging:Put', 'ObjectAcl:Put'].every((n) => seen.has(n)));
    // The key-encoding case: uploaded key a@b arrives as a%40b.
    const enc =
      snapshot[
        'tests/aws/services/s3/test_s3_notifications_sqs.py::TestS3NotificationsToSQS::test_key_encoding'
      ];
    const [record] = collect(enc?.['recorded-content'], (v) => v['eventSource'] === 'aws:s3');
    const parsed = parseS3Notification(JSON.stringify({ Records: [record] }));
    assert.ok(parsed.type === 'objects');
    assert.equal(parsed.objects[0]!.key, 'a@b');
    // CompleteMultipartUpload: key test-key, multipart eTag.
    const mpu =
      snapshot[
        'tests/aws/services/s3/test_s3_notifications_sqs.py::TestS3NotificationsToSQS::test_object_created_complete_multipart_upload'
      ];
    const [m] = collect(mpu?.['recorded-content'], (v) => v['eventSource'] === 'aws:s3');
    const mp = parseS3Notification(JSON.stringify({ Records: [m] }));
    assert.ok(mp.type === 'objects');
    assert.equal(mp.objects[0]!.key, 'test-key');
    assert.equal(mp.objects[0]!.etag, '8eabe9d6b43316e840b079170916c079-1');
  });

  it('reads the S3 → SNS → SQS envelopes recorded by localstack (Message re-serialised as SNS sends it)', () => {
    const snapshot = JSON.parse(read(`${LS}/test_s3_notifications_sns.snapshot.json`)) as Record<
      string,
      { 'recorded-content': unknown }
    >;
    let count = 0;
    for (const [test, content] of Object.entries(snapshot)) {
      for (const envelope of collect(content['recorded-content'], (v) => v['Type'] === 'Notification')) {
        const message = envelope['Message'];
        const asSent = {
          ...envelope,
          Message: typeof message === 'string' ? message : JSON.stringify(message),
        };
        const records = collect(message, (v) => v['eventSource'] === 'aws:s3');
        const parsed = parseS3Notification(JSON.stringify(asSent));
        if (records.length === 0) {
          // The test event S3 sends when the configuration is saved.
          assert.deepEqual(parsed, { type: 'test-event' }, test);
          continue;
        }
        assert.ok(parsed.type === 'objects', test);
        assert.deepEqual(
          parsed.objects.map((o) => [o.bucket, o.via]),
          records.map((r) => [(r['s3'] as { bucket: { name: string } }).bucket.name, 'sns']),
        );
        // As the harness stored it (Message already an object) it parses the same.
        assert.deepEqual(parseS3Notification(JSON.stringify(envelope)), parsed);
        count++;
      }
    }
    assert.ok(count > 0);
  });

  it('reads every EventBridge event recorded by localstack', () => {
    const snapshot = JSON.parse(read(`${LS}/test_s3_notifications_eventbridge.snapshot.json`)) as Record<
      string,
      { 'recorded-content': unknown }
    >;
    const kinds = new Set<string>();
    for (const [test, content] of Object.entries(snapshot)) {
      for (const event of collect(content['recorded-content'], (v) => v['source'] === 'aws.s3')) {
        const parsed = parseS3Notification(JSON.stringify(event));
        const detailType = event['detail-type'] as string;
        kinds.add(detailType);
        assert.ok(parsed.type === 'objects', test);
        const detail = event['detail'] as { bucket: { name: string }; object: { key: string } };
        if (detailType === 'Object Created') {
          assert.deepEqual(
            parsed.objects.map((o) => [o.bucket, o.key, o.via]),
            [[detail.bucket.name, detail.object.key, 'eventbridge']],
          );
        } else {
          assert.deepEqual(parsed.objects, [], test);
          assert.equal(parsed.ignored[0]!.eventName, detailType);
        }
      }
    }
    assert.ok(kinds.has('Object Created') && kinds.has('Object Deleted'));
  });
});
