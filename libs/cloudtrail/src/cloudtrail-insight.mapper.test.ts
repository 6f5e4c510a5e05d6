import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import avro from 'avsc';
import {
  cloudTrailInsightSchema,
  type CloudTrailInsight,
  type DecodeOutput,
  type ObjectContext,
} from '@lake/schemas';
import { createCloudTrailDecoder } from './cloudtrail.decoder';
import { mapInsightRecord } from './cloudtrail-insight.mapper';

const FIXTURES = join(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  'shared',
  'fixtures',
  'cloudtrail',
  'awsdocs_aws-cloudtrail-user-guide',
);
const NO_FIXTURES = existsSync(FIXTURES)
  ? false
  : `../shared/fixtures/cloudtrail is missing (expected at ${FIXTURES})`;
const decodeInsights = createCloudTrailDecoder(mapInsightRecord);
const type = avro.Type.forSchema(cloudTrailInsightSchema as avro.Schema);
const context: ObjectContext = {
  bucket: 'trail',
  key: 'AWSLogs/123456789012/CloudTrail-Insight/us-east-1/2019/11/14/123456789012_CloudTrail-Insight_us-east-1_20191114T0100Z_abc.json.gz',
  keyInfo: {
    kind: 'CLOUDTRAIL_INSIGHT',
    accountId: '123456789012',
    region: 'us-east-1',
    organizationId: null,
    flowLogId: null,
    deliveredAt: null,
    prefix: null,
    compressed: true,
  },
};

async function decode(text: string): Promise<DecodeOutput<CloudTrailInsight>[]> {
  const out: DecodeOutput<CloudTrailInsight>[] = [];
  async function* one(): AsyncGenerator<Buffer> {
    yield Buffer.from(text);
  }
  for await (const b of decodeInsights(one(), context)) {
    out.push(...b);
  }
  return out;
}
const ok = (out: DecodeOutput<CloudTrailInsight>[]) =>
  out.map((o) => (o.ok ? o.value : assert.fail(o.issue.message)));

describe('Insights records on the CloudTrail User Guide examples', { skip: NO_FIXTURES }, () => {
  it('reads the Start and End of one insight, linked by sharedEventID', async () => {
    const [start, end] = ok(
      await decode(
        readFileSync(
          join(FIXTURES, 'log-file-examples_08_insights-log-file-UpdateInstanceInformation.json'),
          'utf8',
        ),
      ),
    );
    assert.equal(start!.insightDetails.state, 'Start');
    assert.equal(end!.insightDetails.state, 'End');
    assert.equal(start!.sharedEventID, end!.sharedEventID);
    assert.equal(start!.insightDetails.eventName, 'UpdateInstanceInformation');
    assert.equal(start!.insightDetails.insightType, 'ApiCallRateInsight');
    assert.equal(start!.insightDetails.baselineAverage, 85.4202380952);
    assert.equal(start!.insightDetails.insightAverage, 664);
    assert.ok(type.isValid(start) && type.isValid(end));
  });

  it('keeps the attributions and durations', async () => {
    const record = readFileSync(
      join(FIXTURES, 'event-reference_insights-event-with-attributions.json'),
      'utf8',
    );
    const [e] = ok(await decode(`{"Records":[${record}]}`));
    const d = e!.insightDetails;
    assert.equal(d.insightDuration, 5);
    assert.equal(d.baselineDuration, 11336);
    assert.deepEqual(
      d.attributions!.map((a) => a.attribute),
      ['userIdentityArn', 'userAgent', 'errorCode'],
    );
    assert.equal(d.attributions![0]!.insight!.length, 3);
    assert.equal(d.attributions![0]!.baseline![0]!.average, 8.82145e-5);
    assert.ok(type.isValid(e));
  });
});

describe('mapInsightRecord', () => {
  it('refuses a record that is not an Insights event', () => {
    const out = mapInsightRecord(
      { eventTime: '2024-01-01T00:00:00Z', eventID: 'x', eventName: 'X' },
      context,
      0,
    );
    assert.ok(!out.ok && out.issue.reason === 'RECORD_INVALID');
  });
});
