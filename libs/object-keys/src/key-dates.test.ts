import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dayPrefixes, daysBetween, keyDate } from './key-dates';
import { LOG_KINDS, routeObject } from './object-routing';

describe('key dates', () => {
  it('reads the day folder of plain, Hive, org-trail and prefixed keys', () => {
    assert.equal(
      keyDate(
        'AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/05/01/123456789012_vpcflowlogs_us-east-1_fl-1_20240501T0005Z_ab.log.gz',
      ),
      '2024-05-01',
    );
    assert.equal(
      keyDate(
        'p/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2024/month=12/day=31/hour=23/x.log.parquet',
      ),
      '2024-12-31',
    );
    assert.equal(
      keyDate('AWSLogs/o-abc/123456789012/CloudTrail-Digest/us-east-1/2023/02/28/x.json.gz'),
      '2023-02-28',
    );
    assert.equal(keyDate('README.txt'), null);
  });

  it('lists days across month ends', () => {
    assert.deepEqual(daysBetween('2024-02-28', '2024-03-01'), ['2024-02-28', '2024-02-29', '2024-03-01']);
    assert.deepEqual(daysBetween('2024-03-02', '2024-03-01'), []);
    assert.throws(() => daysBetween('2024-3-1', '2024-03-02'), RangeError);
  });

  it('makes day prefixes under a region folder, in key order', () => {
    assert.deepEqual(dayPrefixes('AWSLogs/123456789012/CloudTrail/us-east-1/', '2024-01-31', '2024-02-01'), [
      'AWSLogs/123456789012/CloudTrail/us-east-1/2024/01/31/',
      'AWSLogs/123456789012/CloudTrail/us-east-1/2024/02/01/',
    ]);
    assert.deepEqual(
      dayPrefixes(
        'x/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/',
        '2024-01-01',
        '2024-01-01',
      ),
      [
        'x/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2024/month=01/day=01/',
      ],
    );
    assert.equal(dayPrefixes('AWSLogs/', '2024-01-01', '2024-01-02'), null);
  });
});

describe('routeObject', () => {
  const flow =
    'AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/05/01/123456789012_vpcflowlogs_us-east-1_fl-1_20240501T0005Z_ab.log.gz';
  const rules = { kinds: LOG_KINDS, include: [] as string[], exclude: [] as string[] };

  it('publishes log kinds and skips other objects', () => {
    assert.equal(routeObject('b', flow, rules).publish, true);
    assert.deepEqual(routeObject('b', 'README.txt', rules), {
      publish: false,
      reason: 'kind',
      info: routeObject('b', 'README.txt', { ...rules, kinds: ['OTHER'] }).info,
    });
  });

  it('applies include and exclude prefixes, bucket-qualified or not', () => {
    assert.equal(routeObject('b', flow, { ...rules, include: ['AWSLogs/999999999999/'] }).publish, false);
    assert.equal(routeObject('b', flow, { ...rules, include: ['s3://b/AWSLogs/'] }).publish, true);
    assert.equal(routeObject('c', flow, { ...rules, include: ['s3://b/AWSLogs/'] }).publish, false);
    const excluded = routeObject('b', flow, { ...rules, include: ['AWSLogs/'], exclude: ['s3://b'] });
    assert.ok(!excluded.publish && excluded.reason === 'excluded');
  });
});
