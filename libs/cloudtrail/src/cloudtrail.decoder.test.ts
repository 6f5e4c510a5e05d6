import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import avro from 'avsc';
import {
  cloudTrailEventSchema,
  type CloudTrailEvent,
  type DecodeOutput,
  type ObjectContext,
} from '@lake/schemas';
import { decodeCloudTrail } from './cloudtrail.decoder';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'cloudtrail');
const NO_FIXTURES = existsSync(FIXTURES)
  ? false
  : `../shared/fixtures/cloudtrail is missing (expected at ${FIXTURES})`;
const SAMPLE = join(__dirname, '..', '..', '..', 'tools', 'samples', 'cloudtrail', 'sample-records.json');

const context: ObjectContext = {
  bucket: 'trail',
  key: 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1205Z_x.json.gz',
  keyInfo: {
    kind: 'CLOUDTRAIL',
    accountId: '111122223333',
    region: 'us-east-1',
    organizationId: null,
    flowLogId: null,
    deliveredAt: null,
    prefix: null,
    compressed: true,
  },
};
const eventType = avro.Type.forSchema(cloudTrailEventSchema as avro.Schema);

async function* chunks(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) {
    yield buf.subarray(i, i + size);
  }
}

async function decode(input: string | Buffer, size = 65536): Promise<DecodeOutput<CloudTrailEvent>[]> {
  const out: DecodeOutput<CloudTrailEvent>[] = [];
  for await (const batch of decodeCloudTrail(chunks(Buffer.from(input), size), context)) {
    out.push(...batch);
  }
  return out;
}

const ok = (out: DecodeOutput<CloudTrailEvent>[]) =>
  out.map((o) => (o.ok ? o.value : assert.fail(`unexpected ${o.issue.reason}: ${o.issue.message}`)));
const reasons = (out: DecodeOutput<CloudTrailEvent>[]) => out.map((o) => (o.ok ? 'ok' : o.issue.reason));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe('decodeCloudTrail on the project sample', () => {
  it('keeps every field, nested ones whole, and adds provenance', async () => {
    const text = readFileSync(SAMPLE, 'utf8');
    const raw = (JSON.parse(text) as { Records: Record<string, unknown>[] }).Records;
    const events = ok(await decode(text));
    assert.equal(events.length, raw.length);
    for (const [i, e] of events.entries()) {
      assert.ok(eventType.isValid(e), `record ${i} fits the Avro schema`);
      assert.equal(e.eventID, raw[i]!['eventID']);
      assert.equal(e.lake.recordIndex, i);
      assert.equal(e.lake.eventTimeMillis, Date.parse(raw[i]!['eventTime'] as string));
      assert.deepEqual(
        e.requestParameters === null ? null : JSON.parse(e.requestParameters),
        raw[i]!['requestParameters'] ?? null,
      );
    }
    const [, role, denied, root, service] = events;
    assert.equal(role!.lake.principal, 'arn:aws:sts::111122223333:assumed-role/deployer/deploy-session');
    assert.equal(
      (JSON.parse(role!.userIdentity!.sessionContext!) as { sessionIssuer: { userName: string } })
        .sessionIssuer.userName,
      'deployer',
    );
    assert.equal(role!.resources![0]!.type, 'AWS::EC2::Instance');
    assert.equal(denied!.lake.isError, true);
    assert.equal(denied!.errorCode, 'AccessDenied');
    assert.equal(root!.lake.principal, 'arn:aws:iam::111122223333:root');
    assert.equal(service!.lake.principal, 'Unknown/kms.amazonaws.com');
    assert.equal(events[0]!.tlsDetails!.tlsVersion, 'TLSv1.3');
    assert.equal(events[0]!.readOnly, true);
    assert.equal(events[0]!.lake.keyAccountId, '111122223333');
  });

  it('gives the same output whatever the chunk boundaries (multi-byte characters split)', async () => {
    const text = JSON.stringify({
      Records: [{ eventTime: '2024-01-01T00:00:00Z', eventID: 'e1', userAgent: 'naïve ✓ ünïcödé' }],
    });
    const whole = await decode(text);
    for (const size of [1, 2, 7]) {
      assert.deepEqual(await decode(text, size), whole, `chunks of ${size}`);
    }
    assert.equal(ok(whole)[0]!.userAgent, 'naïve ✓ ünïcödé');
  });
});

describe('decodeCloudTrail on bad input', () => {
  const good = (id: string) => ({ eventTime: '2024-01-01T00:00:00Z', eventID: id, eventName: 'X' });

  it('reports bad records with their index and keeps the good ones around them', async () => {
    const out = await decode(
      JSON.stringify({
        Records: [good('a'), 42, { eventID: 'no-time' }, { eventTime: '2024-01-01T00:00:00Z' }, good('b')],
      }),
    );
    assert.deepEqual(reasons(out), ['ok', 'RECORD_NOT_OBJECT', 'RECORD_INVALID', 'RECORD_INVALID', 'ok']);
    assert.deepEqual(
      out.map((o) => (o.ok ? o.value.lake.recordIndex : o.issue.position)),
      [0, 1, 2, 3, 4],
    );
  });

  it('keeps the records before a syntax error and reports where it stopped', async () => {
    const text = JSON.stringify({ Records: [good('a'), good('b')] });
    const out = await decode(`${text.slice(0, text.length - 30)}`);
    assert.deepEqual(reasons(out), ['ok', 'INVALID_JSON']);
    assert.equal(out[1]!.ok ? null : out[1]!.issue.position, 1);
  });

  it('reports JSON that is not a CloudTrail log file, an empty file and invalid UTF-8', async () => {
    assert.deepEqual(reasons(await decode('{"logFiles":[]}')), ['NOT_CLOUDTRAIL']);
    assert.deepEqual(reasons(await decode('[1,2,3]')), ['NOT_CLOUDTRAIL']);
    assert.deepEqual(reasons(await decode('{"Records":5}')), ['NOT_CLOUDTRAIL']);
    assert.deepEqual(reasons(await decode('not json')), ['INVALID_JSON']);
    assert.deepEqual(reasons(await decode('')), ['OBJECT_EMPTY']);
    assert.deepEqual(reasons(await decode('{"Records":[]}')), []);
    const bad = Buffer.concat([
      Buffer.from('{"Records":[{"eventID":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}]}'),
    ]);
    assert.deepEqual(reasons(await decode(bad)), ['INVALID_UTF8']);
  });
});

describe('decodeCloudTrail on files written by AWS and others', { skip: NO_FIXTURES }, () => {
  const files = NO_FIXTURES ? [] : walk(FIXTURES).filter((f) => f.endsWith('.json') || f.endsWith('.txt'));

  it('decodes the 2,900 records of the 55 invictus-ir files (SOURCES.md counts), all valid Avro', async () => {
    const dir = join(FIXTURES, 'invictus-ir_aws_dataset', 'CloudTrail');
    const names = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.equal(names.length, 55);
    let total = 0;
    const ids = new Set<string>();
    for (const f of names) {
      const events = ok(await decode(readFileSync(join(dir, f))));
      for (const e of events) {
        assert.ok(eventType.isValid(e), `${f} ${e.eventID}`);
        ids.add(String(e.eventID));
      }
      total += events.length;
    }
    assert.equal(total, 2900);
    assert.equal(ids.size, 2900);
  });

  it('reads the StartInstances example of the CloudTrail User Guide', async () => {
    const text = readFileSync(
      join(FIXTURES, 'awsdocs_aws-cloudtrail-user-guide', 'log-file-examples_01_ec2-StartInstances.json'),
      'utf8',
    );
    const raw = (JSON.parse(text) as { Records: Record<string, unknown>[] }).Records[0]!;
    const [e] = ok(await decode(text));
    assert.equal(e!.eventName, 'StartInstances');
    assert.equal(e!.userIdentity!.arn, 'arn:aws:iam::123456789012:user/Alice');
    assert.equal(e!.awsRegion, 'us-east-2');
    assert.equal(e!.sourceIPAddress, '205.251.233.176');
    assert.deepEqual(JSON.parse(e!.requestParameters!), raw['requestParameters']);
    assert.deepEqual(JSON.parse(e!.responseElements!), raw['responseElements']);
  });

  it('decodes every single-event fixture wrapped as a log file, and calls the invalid ones invalid', async () => {
    for (const f of files.filter((p) => !p.includes('invictus-ir'))) {
      const text = readFileSync(f, 'utf8');
      if (f.endsWith('INVALID-JSON.txt')) {
        assert.ok(reasons(await decode(text)).includes('INVALID_JSON'), f);
        continue;
      }
      if (!f.endsWith('.json')) {
        continue;
      }
      const parsed = JSON.parse(text) as Record<string, unknown>;
      if (Array.isArray(parsed['Records'])) {
        for (const e of ok(await decode(text))) {
          assert.ok(eventType.isValid(e), f);
        }
      } else if ('eventID' in parsed) {
        const [e] = ok(await decode(JSON.stringify({ Records: [parsed] })));
        assert.ok(eventType.isValid(e), f);
        assert.equal(e!.eventID, parsed['eventID']);
      } else if ('digestStartTime' in parsed) {
        assert.deepEqual(reasons(await decode(text)), ['NOT_CLOUDTRAIL'], `${f} is a digest, not a log file`);
      }
    }
  });
});
