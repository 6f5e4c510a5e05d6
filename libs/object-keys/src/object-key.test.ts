import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyKey, parseCompactTime } from './object-key';

describe('classifyKey', () => {
  it('reads the example flow-log object name from the AWS documentation (plain layout)', () => {
    const info = classifyKey(
      'AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz',
    );
    assert.equal(info.kind, 'VPCFLOWLOGS');
    assert.equal(info.accountId, '123456789012');
    assert.equal(info.region, 'us-east-1');
    assert.equal(info.flowLogId, 'fl-1234abcd');
    assert.equal(info.deliveredAt, Date.UTC(2018, 5, 20, 16, 20));
    assert.equal(info.prefix, null);
    assert.equal(info.compressed, true);
  });

  it('reads Hive-compatible prefixes with an hour folder and a bucket prefix', () => {
    const info = classifyKey(
      'my/prefix/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2024/month=01/day=02/hour=03/123456789012_vpcflowlogs_eu-west-1_fl-0a1b2c_20240102T0305Z_abc123.log.parquet',
    );
    assert.equal(info.kind, 'VPCFLOWLOGS_PARQUET');
    assert.equal(info.region, 'eu-west-1');
    assert.equal(info.prefix, 'my/prefix');
    assert.equal(info.compressed, false);
  });

  it('classifies CloudTrail, Insight and Digest files, organization trails included', () => {
    assert.equal(
      classifyKey(
        'AWSLogs/123456789012/CloudTrail/us-east-2/2014/03/06/123456789012_CloudTrail_us-east-2_20140306T2125Z_abcdEFGH1234.json.gz',
      ).kind,
      'CLOUDTRAIL',
    );
    const org = classifyKey(
      'logs/AWSLogs/o-exampleorgid/111122223333/CloudTrail-Insight/us-east-1/2023/01/01/111122223333_CloudTrail-Insight_us-east-1_20230101T0000Z_abc.json.gz',
    );
    assert.equal(org.kind, 'CLOUDTRAIL_INSIGHT');
    assert.equal(org.organizationId, 'o-exampleorgid');
    assert.equal(org.prefix, 'logs');
    const digest = classifyKey(
      'AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/10/111122223333_CloudTrail-Digest_us-east-2_my-trail_us-east-2_20150810T012345Z.json.gz',
    );
    assert.equal(digest.kind, 'CLOUDTRAIL_DIGEST');
    assert.equal(digest.deliveredAt, Date.UTC(2015, 7, 10, 1, 23, 45));
  });

  it('calls anything else OTHER', () => {
    assert.equal(classifyKey('images/cat.jpg').kind, 'OTHER');
    assert.equal(classifyKey('AWSLogs/123456789012/CloudTrail/us-east-1/2020/01/01/notes.txt').kind, 'OTHER');
    assert.equal(
      classifyKey('AWSLogs/123456789012/elasticloadbalancing/us-east-1/2020/01/01/x.log.gz').kind,
      'OTHER',
    );
  });
});

describe('parseCompactTime', () => {
  it('rejects malformed times', () => {
    assert.equal(parseCompactTime('2018-06-20'), null);
  });
});
