import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cloudTrailEventRecord, cloudTrailInsightRecord } from './cloudtrail-records';

const lakeRow = {
  source_bucket: 'trail',
  source_key: 'AWSLogs/1/CloudTrail/us-east-1/2024/05/01/f.json.gz',
  record_index: 3,
  principal: 'arn:aws:iam::1:user/alice',
  is_error: false,
  key_account_id: '1',
  key_region: 'us-east-1',
  event_date: '2024-05-01',
  ingested_at: null,
};
const lake = {
  sourceBucket: 'trail',
  sourceKey: 'AWSLogs/1/CloudTrail/us-east-1/2024/05/01/f.json.gz',
  recordIndex: 3,
  principal: 'arn:aws:iam::1:user/alice',
  isError: false,
  keyAccountId: '1',
  keyRegion: 'us-east-1',
  eventDate: '2024-05-01',
};

describe('CloudTrail rows as CloudTrail records', () => {
  it("names an event's fields as CloudTrail does, in its order, leaving null ones out", () => {
    const record = cloudTrailEventRecord({
      ...lakeRow,
      event_time: new Date('2024-05-01T10:07:00Z'),
      event_version: '1.08',
      event_name: 'GetObject',
      event_source: 's3.amazonaws.com',
      source_ip_address: '198.51.100.7',
      user_identity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/alice' },
      user_identity_arn: 'arn:aws:iam::1:user/alice',
      request_id: 'R1',
      event_id: 'E1',
      user_agent: null,
      other_fields: null,
    });
    assert.deepEqual(record, {
      eventVersion: '1.08',
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/alice' },
      eventTime: '2024-05-01T10:07:00Z',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      sourceIPAddress: '198.51.100.7',
      requestID: 'R1',
      eventID: 'E1',
      lake,
    });
    assert.deepEqual(Object.keys(record).slice(0, 3), ['eventVersion', 'userIdentity', 'eventTime']);
  });

  it('gives back fields kept whole: unknown ones, and known ones whose shape was not the documented one', () => {
    const record = cloudTrailEventRecord({
      ...lakeRow,
      event_time: new Date('2024-05-01T10:07:00.250Z'),
      event_name: 'Odd',
      read_only: null,
      other_fields: { readOnly: 'maybe', newField2030: { a: 1 }, eventName: 'not this one' },
    });
    assert.equal(record['eventTime'], '2024-05-01T10:07:00.250Z');
    assert.equal(record['eventName'], 'Odd');
    assert.equal(record['readOnly'], 'maybe');
    assert.deepEqual(record['newField2030'], { a: 1 });
  });

  it('nests an Insights row as CloudTrail writes the record (insightDetails, insightContext, statistics)', () => {
    const record = cloudTrailInsightRecord({
      ...lakeRow,
      event_time: new Date('2024-05-01T12:30:00Z'),
      event_version: '1.08',
      aws_region: 'us-east-1',
      event_id: 'I1',
      event_type: 'AwsCloudTrailInsight',
      recipient_account_id: '1',
      shared_event_id: 'S1',
      event_category: 'Insight',
      state: 'Start',
      event_source: 'iam.amazonaws.com',
      event_name: 'CreateUser',
      insight_type: 'ApiCallRateInsight',
      error_code: null,
      baseline_average: 0.1,
      insight_average: 4.2,
      insight_duration: null,
      baseline_duration: 10080,
      attributions: [{ attribute: 'userIdentityArn', insight: [], baseline: [] }],
      insight_other_fields: { newDetail: true, insightContext: { newContext: 1 } },
      other_fields: null,
    });
    assert.deepEqual(record, {
      eventVersion: '1.08',
      eventTime: '2024-05-01T12:30:00Z',
      awsRegion: 'us-east-1',
      eventID: 'I1',
      eventType: 'AwsCloudTrailInsight',
      recipientAccountId: '1',
      sharedEventID: 'S1',
      insightDetails: {
        state: 'Start',
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateUser',
        insightType: 'ApiCallRateInsight',
        insightContext: {
          statistics: { baselineDuration: 10080, baseline: { average: 0.1 }, insight: { average: 4.2 } },
          attributions: [{ attribute: 'userIdentityArn', insight: [], baseline: [] }],
          newContext: 1,
        },
        newDetail: true,
      },
      eventCategory: 'Insight',
      lake,
    });
  });
});
