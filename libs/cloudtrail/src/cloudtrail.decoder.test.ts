import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import avro from 'avsc';
import {
  cloudTrailEventSchema,
  type CloudTrailEvent,
  type CloudTrailSessionContext,
  type DecodeIssue,
  type DecodeOutput,
  type ObjectContext,
  userIdentityAsWritten,
} from '@lake/schemas';
import { decodeCloudTrail } from './cloudtrail.decoder';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'cloudtrail');
const NO_FIXTURES = existsSync(FIXTURES)
  ? false
  : `../shared/fixtures is missing: no CloudTrail fixtures at ${FIXTURES}`;
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

type Output = DecodeOutput<CloudTrailEvent>;
type Json = Record<string, unknown>;

async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) {
    yield bytes.subarray(i, i + size);
  }
}

async function batchesOf(source: AsyncIterable<Buffer>): Promise<Output[][]> {
  const batches: Output[][] = [];
  for await (const batch of decodeCloudTrail(source, context)) {
    batches.push(batch);
  }
  return batches;
}

/** Decodes `input` fed in chunks of `size` bytes (in one chunk when omitted). */
async function decode(input: string | Buffer, size?: number): Promise<Output[]> {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  return (await batchesOf(chunks(bytes, size ?? Math.max(bytes.length, 1)))).flat();
}

const events = (out: Output[]): CloudTrailEvent[] =>
  out.map((o) => (o.ok ? o.value : assert.fail(`unexpected ${o.issue.reason}: ${o.issue.message}`)));
const reasons = (out: Output[]): string[] => out.map((o) => (o.ok ? 'ok' : o.issue.reason));
const issueAt = (out: Output[], i: number): DecodeIssue => {
  const o = out[i];
  return o && !o.ok ? o.issue : assert.fail(`output ${i} is not an issue`);
};
const positions = (out: Output[]): (number | null)[] =>
  out.map((o) => (o.ok ? o.value.lake.recordIndex : o.issue.position));

function assertValid(e: CloudTrailEvent, what: string): void {
  const wrong: string[] = [];
  assert.ok(
    eventType.isValid(e, { errorHook: (path) => wrong.push(path.join('.')) }),
    `${what} fits the Avro schema; wrong: ${wrong.join(', ')}`,
  );
}

const dropNulls = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null));
const parsed = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

/**
 * The record as CloudTrail wrote it, rebuilt from the Avro record alone: proves that nothing was
 * lost (members written as JSON null count as absent).
 */
function rebuild(e: CloudTrailEvent): Json {
  const { lake: _lake, otherFields, userIdentity, resources, tlsDetails, ...fields } = e;
  const out: Json = dropNulls(fields);
  for (const name of [
    'requestParameters',
    'responseElements',
    'additionalEventData',
    'serviceEventDetails',
    'edgeDeviceDetails',
    'addendum',
    'eventContext',
  ] as const) {
    if (e[name] !== null) {
      out[name] = parsed(e[name]);
    }
  }
  if (userIdentity) {
    out['userIdentity'] = userIdentityAsWritten(userIdentity);
  }
  if (resources) {
    out['resources'] = resources.map(dropNulls);
  }
  if (tlsDetails) {
    out['tlsDetails'] = dropNulls(tlsDetails);
  }
  return { ...out, ...(parsed(otherFields) as Json | null) };
}

/** The record with members written as JSON null left out, at the levels `rebuild` maps. */
function withoutNulls(raw: Json): Json {
  const out = dropNulls(raw);
  for (const k of ['userIdentity', 'tlsDetails']) {
    if (typeof out[k] === 'object' && !Array.isArray(out[k])) {
      out[k] = dropNulls(out[k] as Json);
    }
  }
  if (Array.isArray(out['resources'])) {
    out['resources'] = (out['resources'] as Json[]).map(dropNulls);
  }
  return out;
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

const fixture = (...path: string[]): string => readFileSync(join(FIXTURES, ...path), 'utf8');
const good = (id: string, extra: Json = {}): Json => ({
  eventVersion: '1.09',
  eventTime: '2024-05-01T12:00:00Z',
  eventID: id,
  eventName: 'X',
  ...extra,
});
const logFile = (records: unknown[]): string => JSON.stringify({ Records: records });

describe('decodeCloudTrail on the files of ../shared/fixtures/cloudtrail', () => {
  const files = NO_FIXTURES ? [] : walk(FIXTURES).map((f) => relative(FIXTURES, f));
  const invictus = files.filter((f) => f.startsWith('invictus-ir_aws_dataset/') && f.endsWith('.json'));

  it(
    'decodes the 2,900 records of the 55 invictus-ir files, with the counts SOURCES.md gives',
    { skip: NO_FIXTURES },
    async () => {
      assert.equal(invictus.length, 55);
      const all: CloudTrailEvent[] = [];
      for (const f of invictus) {
        const text = fixture(f);
        const raw = (JSON.parse(text) as { Records: Json[] }).Records;
        const got = events(await decode(text));
        assert.equal(got.length, raw.length, f);
        for (const [i, e] of got.entries()) {
          assertValid(e, `${f} record ${i}`);
          assert.equal(e.lake.recordIndex, i);
          assert.deepEqual(rebuild(e), withoutNulls(raw[i]!), `${f} record ${i} rebuilt`);
        }
        all.push(...got);
      }
      const count = (test: (e: CloudTrailEvent) => boolean): number => all.filter(test).length;
      const tally = (key: (e: CloudTrailEvent) => string | null | undefined): Record<string, number> => {
        const t: Record<string, number> = {};
        for (const e of all) {
          const k = key(e) ?? '(none)';
          t[k] = (t[k] ?? 0) + 1;
        }
        return t;
      };
      assert.equal(all.length, 2900);
      assert.equal(new Set(all.map((e) => e.eventID)).size, 2900);
      assert.deepEqual(
        tally((e) => e.eventVersion),
        { '1.08': 2865, '1.09': 35 },
      );
      assert.deepEqual(
        tally((e) => e.eventType),
        { AwsApiCall: 2855, AwsServiceEvent: 42, AwsConsoleSignIn: 3 },
      );
      assert.deepEqual(
        tally((e) => e.userIdentity?.type),
        { IAMUser: 2748, AssumedRole: 76, AWSService: 34, '(none)': 42 },
      );
      assert.equal(
        count((e) => e.errorCode !== null),
        300,
      );
      assert.equal(
        count((e) => e.errorMessage !== null),
        296,
      );
      assert.equal(
        count((e) => e.lake.isError),
        300,
      );
      assert.equal(
        count((e) => e.tlsDetails !== null),
        2295,
      );
      assert.equal(
        count((e) => e.resources !== null),
        693,
      );
      assert.equal(
        count((e) => e.additionalEventData !== null),
        310,
      );
      assert.equal(
        count((e) => e.vpcEndpointId !== null),
        155,
      );
      assert.equal(
        count((e) => e.sharedEventID !== null),
        36,
      );
      assert.equal(
        count((e) => e.sessionCredentialFromConsole !== null),
        256,
      );
      assert.equal(
        count((e) => e.eventCategory === 'Management'),
        2900,
      );
      assert.equal(
        count((e) => e.otherFields !== null),
        0,
      );
      const times = all.map((e) => e.lake.eventTimeMillis);
      assert.equal(Math.min(...times), Date.parse('2023-07-10T11:42:18Z'));
      assert.equal(Math.max(...times), Date.parse('2023-07-10T12:37:50Z'));
    },
  );

  it(
    'types sessionContext.ec2RoleDelivery of the invictus-ir records (IMDSv1 and IMDSv2)',
    { skip: NO_FIXTURES },
    async () => {
      const delivery: Record<string, number> = {};
      for (const f of invictus) {
        for (const e of events(await decode(fixture(f)))) {
          const s = e.userIdentity?.sessionContext;
          if (typeof s === 'object' && s?.ec2RoleDelivery) {
            delivery[s.ec2RoleDelivery] = (delivery[s.ec2RoleDelivery] ?? 0) + 1;
            assert.equal(e.userIdentity!.otherFields, null, 'nothing of sessionContext left over');
            assert.equal(e.userIdentity!.type, 'AssumedRole');
            assert.ok(s.sessionIssuer?.arn?.startsWith('arn:aws:iam::'));
          }
        }
      }
      assert.deepEqual(delivery, { '1.0': 2, '2.0': 21 });
    },
  );

  it(
    'types sessionContext.sourceIdentity of the IAM User Guide role-chaining example',
    { skip: NO_FIXTURES },
    async () => {
      const text = fixture('awsdocs_iam-user-guide', 'sts-AssumeRole-role-chaining-session-tags.json');
      const [e] = events(await decode(logFile([JSON.parse(text)])));
      const u = e!.userIdentity!;
      const s = u.sessionContext as CloudTrailSessionContext;
      assert.equal(s.sourceIdentity, 'JohnDoe');
      assert.deepEqual(s.sessionIssuer, {
        type: 'Role',
        principalId: 'AROAIN5ATK5U7KEXAMPLE',
        arn: 'arn:aws:iam::111111111111:role/JohnRole1',
        accountId: '111111111111',
        userName: 'JohnDoe',
      });
      assert.deepEqual(s.attributes, { creationDate: '2019-10-02T21:50:54Z', mfaAuthenticated: 'false' });
      assert.equal(u.otherFields, null);
    },
  );

  for (const member of ['assumedRoot', 'onBehalfOf', 'inScopeOf', 'invokedByDelegate', 'signInSessionArn']) {
    it(
      `types userIdentity's ${member} in every fixture record that has it`,
      { skip: NO_FIXTURES },
      async (t) => {
        let seen = 0;
        for (const f of files.filter((p) => p.endsWith('.json'))) {
          const text = fixture(f);
          if (!text.includes(`"${member}"`)) {
            continue;
          }
          const parsedFile = JSON.parse(text) as Json;
          const records = Array.isArray(parsedFile['Records'])
            ? (parsedFile['Records'] as Json[])
            : [parsedFile];
          for (const e of events(await decode(logFile(records)))) {
            const u = e.userIdentity!;
            const s = typeof u.sessionContext === 'object' ? u.sessionContext : null;
            const value =
              member === 'assumedRoot' || member === 'signInSessionArn'
                ? s?.[member]
                : u[member as 'inScopeOf'];
            if (value !== null && value !== undefined) {
              seen++;
              assert.equal(u.otherFields, null, `${f}: ${member} fits its typed field`);
            }
          }
        }
        if (seen === 0) {
          t.skip(
            `no record in ../shared/fixtures/cloudtrail carries ${member} (see its SOURCES.md); ` +
              "the User Guide's examples of it are checked in cloudtrail-record.mapper.test.ts",
          );
        }
      },
    );
  }

  it('reads the StartInstances example of the CloudTrail User Guide', { skip: NO_FIXTURES }, async () => {
    const text = fixture('awsdocs_aws-cloudtrail-user-guide', 'log-file-examples_01_ec2-StartInstances.json');
    const raw = (JSON.parse(text) as { Records: Json[] }).Records[0]!;
    const [e, ...more] = events(await decode(text));
    assert.equal(more.length, 0);
    assert.equal(e!.eventName, 'StartInstances');
    assert.equal(e!.eventSource, 'ec2.amazonaws.com');
    assert.equal(e!.userIdentity!.arn, 'arn:aws:iam::123456789012:user/Alice');
    assert.equal(e!.userIdentity!.type, 'IAMUser');
    assert.equal(e!.awsRegion, 'us-east-2');
    assert.equal(e!.sourceIPAddress, '205.251.233.176');
    assert.equal(e!.eventID, null, 'version 1.0 records have no eventID');
    assert.equal(e!.lake.principal, 'arn:aws:iam::123456789012:user/Alice');
    assert.equal(e!.lake.eventTimeMillis, Date.parse(raw['eventTime'] as string));
    assert.deepEqual(JSON.parse(e!.requestParameters!), raw['requestParameters']);
    assert.deepEqual(JSON.parse(e!.responseElements!), raw['responseElements']);
  });

  it(
    'reads an error, a service event, an Outposts data event and an Insights log file',
    { skip: NO_FIXTURES },
    async () => {
      const [failed] = events(
        await decode(
          fixture(
            'awsdocs_aws-cloudtrail-user-guide',
            'log-file-examples_07_error-UpdateTrail-TrailNotFoundException.json',
          ),
        ),
      );
      assert.equal(failed!.errorCode, 'TrailNotFoundException');
      assert.equal(failed!.lake.isError, true);

      const kms = JSON.parse(
        fixture('awsdocs_aws-cloudtrail-user-guide', 'service-event_kms-RotateKey.json'),
      ) as Json;
      const [rotate] = events(await decode(logFile([kms])));
      assert.equal(rotate!.eventType, 'AwsServiceEvent');
      assert.deepEqual(JSON.parse(rotate!.serviceEventDetails!), kms['serviceEventDetails']);
      assert.deepEqual(rotate!.resources, kms['resources']);

      const outposts = JSON.parse(
        fixture('awsdocs_amazon-s3-userguide', 's3-outposts-data-event-PutObject.json'),
      ) as Json;
      const [put] = events(await decode(logFile([outposts])));
      assert.deepEqual(JSON.parse(put!.edgeDeviceDetails!), outposts['edgeDeviceDetails']);

      const insights = events(
        await decode(
          fixture(
            'awsdocs_aws-cloudtrail-user-guide',
            'log-file-examples_08_insights-log-file-UpdateInstanceInformation.json',
          ),
        ),
      );
      assert.deepEqual(
        insights.map(
          (e) => (JSON.parse(e.otherFields!) as { insightDetails: { state: string } }).insightDetails.state,
        ),
        ['Start', 'End'],
      );
    },
  );

  it('keeps a non-empty webIdFederationData inside sessionContext', { skip: NO_FIXTURES }, async () => {
    const raw = JSON.parse(
      fixture(
        'openshift_configuration-anomaly-detection',
        'chgm_test.go_line250_TerminateInstances.DERIVED-from-go-raw-string.json',
      ),
    ) as { userIdentity: { sessionContext: { webIdFederationData: unknown } } };
    const [e] = events(await decode(logFile([raw])));
    const session = e!.userIdentity!.sessionContext as CloudTrailSessionContext;
    assert.deepEqual(
      {
        ...session.webIdFederationData,
        attributes: JSON.parse(session.webIdFederationData!.attributes!) as unknown,
      },
      raw.userIdentity.sessionContext.webIdFederationData,
    );
    assert.equal(e!.userIdentity!.otherFields, null);
    assert.ok(session.webIdFederationData!.federatedProvider);
  });

  it(
    'decodes every other .json fixture: log files as they are, single records wrapped, digests as NOT_CLOUDTRAIL',
    { skip: NO_FIXTURES },
    async () => {
      const others = files.filter((f) => f.endsWith('.json') && !invictus.includes(f));
      assert.ok(others.length >= 30, `${others.length} files`);
      let records = 0;
      for (const f of others) {
        const text = fixture(f);
        const value = JSON.parse(text) as Json;
        if (Array.isArray(value['Records'])) {
          const got = events(await decode(text));
          assert.equal(got.length, value['Records'].length, f);
          got.forEach((e, i) => {
            assertValid(e, f);
            assert.deepEqual(
              rebuild(e),
              withoutNulls((value['Records'] as Json[])[i]!),
              `${f} record ${i} rebuilt`,
            );
          });
          records += got.length;
        } else if ('eventTime' in value) {
          const [e, ...more] = events(await decode(logFile([value])));
          assert.equal(more.length, 0, f);
          assertValid(e!, f);
          assert.equal(e!.eventID, value['eventID'], f);
          assert.deepEqual(rebuild(e!), withoutNulls(value), `${f} rebuilt`);
          records++;
        } else if ('digestStartTime' in value || 'Events' in value) {
          // Digests and a LookupEvents API response: JSON, but no log file.
          const out = await decode(text);
          assert.deepEqual(reasons(out), ['NOT_CLOUDTRAIL'], f);
          assert.equal(issueAt(out, 0).position, null);
          assert.ok(
            text.startsWith(issueAt(out, 0).payload!.toString('utf8')),
            `${f}: payload is the file's start`,
          );
        } else {
          assert.fail(`${f}: a fixture of unknown shape`);
        }
      }
      assert.ok(records >= 30, `${records} records`);
    },
  );

  it(
    'reports the examples AWS published as invalid JSON as INVALID_JSON',
    { skip: NO_FIXTURES },
    async () => {
      const invalid = files.filter((f) => f.endsWith('.as-published-INVALID-JSON.txt'));
      assert.equal(invalid.length, 4);
      for (const f of invalid) {
        const out = await decode(fixture(f));
        assert.deepEqual(reasons(out), ['INVALID_JSON'], f);
        assert.equal(issueAt(out, 0).position, 0, f);
        const wrapped = await decode(`{"Records":[${fixture(f)}]}`);
        assert.deepEqual(reasons(wrapped), ['INVALID_JSON'], `${f} wrapped`);
      }
    },
  );

  it(
    'gives the same output for 1-byte and 7-byte chunks as for one chunk',
    { skip: NO_FIXTURES },
    async () => {
      const picked = [
        ...files.filter((f) => f.startsWith('awsdocs_') && f.endsWith('.json')),
        invictus[0]!,
        invictus[invictus.length - 1]!,
      ];
      for (const f of picked) {
        const bytes = Buffer.from(fixture(f));
        const whole = await decode(bytes);
        assert.deepEqual(await decode(bytes, 7), whole, `${basename(f)} in 7-byte chunks`);
        if (bytes.length < 200_000) {
          assert.deepEqual(await decode(bytes, 1), whole, `${basename(f)} in 1-byte chunks`);
        }
      }
    },
  );
});

describe('decodeCloudTrail on the project sample', () => {
  it('decodes tools/samples/cloudtrail/sample-records.json', async () => {
    const text = readFileSync(SAMPLE, 'utf8');
    const raw = (JSON.parse(text) as { Records: Json[] }).Records;
    const got = events(await decode(text));
    assert.equal(got.length, raw.length);
    got.forEach((e, i) => {
      assertValid(e, `record ${i}`);
      assert.deepEqual(rebuild(e), withoutNulls(raw[i]!));
    });
    const [, role, denied, root, service] = got;
    assert.equal(role!.lake.principal, 'arn:aws:sts::111122223333:assumed-role/deployer/deploy-session');
    assert.equal(denied!.lake.isError, true);
    assert.equal(root!.lake.principal, 'arn:aws:iam::111122223333:root');
    assert.equal(service!.lake.principal, 'kms.amazonaws.com');
  });
});

describe('decodeCloudTrail on chunks', () => {
  const text = logFile([
    good('a', {
      userAgent: 'naïve ✓ 😀 ünïcödé',
      requestParameters: { ключ: ['値', 1.5e-7, -0.25, 12345678901234] },
    }),
    good('b', { errorMessage: 'escaped \\ " \u0001 \u2028 / end', requestParameters: null }),
    good('c', { resources: [{ ARN: 'arn:aws:s3:::b/ä', accountId: '1', type: 'AWS::S3::Object' }] }),
  ]);

  it('gives the same output whatever the chunk size', async () => {
    const whole = await decode(text);
    assert.equal(events(whole).length, 3);
    for (const size of [1, 2, 3, 5, 7, 64, 1000]) {
      assert.deepEqual(await decode(text, size), whole, `chunks of ${size} bytes`);
    }
    const [a] = events(whole);
    assert.equal(a!.userAgent, 'naïve ✓ 😀 ünïcödé');
    assert.deepEqual(JSON.parse(a!.requestParameters!), { ключ: ['値', 1.5e-7, -0.25, 12345678901234] });
  });

  it('gives the same output with the input split in two at every byte', async () => {
    // Escapes (a backslash before a quote, an escaped backslash before the closing quote), brackets
    // inside strings, nesting, multi-byte characters and members around Records.
    const tricky = `\ufeff {"head":{"Records":[1]},"Records":[${[
      JSON.stringify(good('q', { errorMessage: 'say \\"hi\\" ] } [ { \\\\', userAgent: 'ü😀' })),
      JSON.stringify(good('n', { requestParameters: { a: [[], {}, [{ b: '}' }]], '': null } })),
      ' 7 ',
      '"s\\"]"',
    ].join(' , ')}] ,"tail":[true,{"x":"]"}] }\n`;
    const bytes = Buffer.from(tricky);
    const whole = await decode(bytes);
    assert.deepEqual(reasons(whole), ['ok', 'ok', 'RECORD_NOT_OBJECT', 'RECORD_NOT_OBJECT']);
    assert.equal(events(whole.slice(0, 1))[0]!.errorMessage, 'say \\"hi\\" ] } [ { \\\\');
    for (let at = 1; at < bytes.length; at++) {
      async function* split(): AsyncGenerator<Buffer> {
        yield bytes.subarray(0, at);
        yield bytes.subarray(at);
      }
      assert.deepEqual((await batchesOf(split())).flat(), whole, `split at byte ${at}`);
    }
  });

  it('keeps "__proto__" keys as own members, as JSON.parse does, whatever the chunks', async () => {
    const text = `{"Records":[${JSON.stringify(good('p')).replace(
      /}$/,
      ',"__proto__":"top","requestParameters":{"tags":{"__proto__":{"polluted":true},"team":"net"}}}',
    )}]}`;
    for (const size of [1, 5, undefined]) {
      const [e] = events(await decode(text, size));
      assert.equal(e!.requestParameters, '{"tags":{"__proto__":{"polluted":true},"team":"net"}}');
      assert.equal(e!.otherFields, '{"__proto__":"top"}');
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    }
  });

  it('reads a multi-byte character split across chunks', async () => {
    const bytes = Buffer.from(text);
    for (const char of ['ï', '✓', '😀']) {
      const at = bytes.indexOf(char) + 1;
      async function* split(): AsyncGenerator<Buffer> {
        yield bytes.subarray(0, at);
        yield bytes.subarray(at, at + 1);
        yield bytes.subarray(at + 1);
      }
      assert.deepEqual((await batchesOf(split())).flat(), await decode(text), char);
    }
  });

  it('accepts a byte order mark and whitespace around the JSON', async () => {
    const out = await decode(`\ufeff \n${text}\n\n`);
    assert.equal(events(out).length, 3);
  });

  it('yields batches of at most 500 outputs, in record order', async () => {
    const many = logFile(Array.from({ length: 1234 }, (_, i) => good(`e${i}`)));
    const whole = await batchesOf(chunks(Buffer.from(many), Buffer.byteLength(many)));
    assert.deepEqual(
      whole.map((b) => b.length),
      [500, 500, 234],
    );
    const small = await batchesOf(chunks(Buffer.from(many), 100));
    assert.ok(small.every((b) => b.length > 0 && b.length <= 500));
    assert.deepEqual(
      positions(small.flat()),
      Array.from({ length: 1234 }, (_, i) => i),
    );
  });

  it('yields records while the file is still arriving', async () => {
    let produced = 0;
    const total = 3000;
    async function* slowly(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"Records":[');
      for (let i = 0; i < total; i++) {
        produced++;
        yield Buffer.from(`${i > 0 ? ',' : ''}${JSON.stringify(good(`e${i}`))}`);
      }
      yield Buffer.from(']}');
    }
    let first: number | null = null;
    let count = 0;
    for await (const batch of decodeCloudTrail(slowly(), context)) {
      first ??= produced;
      count += batch.length;
    }
    assert.equal(count, total);
    assert.ok(first !== null && first < total, `first batch after ${first} of ${total} records were read`);
  });

  it('passes on an error of the source, after the records read before it', async () => {
    const failure = new Error('gzip stream broke');
    async function* broken(): AsyncGenerator<Buffer> {
      yield Buffer.from(`{"Records":[${JSON.stringify(good('a'))},`);
      throw failure;
    }
    const seen: Output[] = [];
    await assert.rejects(async () => {
      for await (const batch of decodeCloudTrail(broken(), context)) {
        seen.push(...batch);
      }
    }, failure);
    assert.deepEqual(reasons(seen), []);
  });

  it('closes the source when the consumer stops early', async () => {
    let closed = false;
    async function* endless(): AsyncGenerator<Buffer> {
      try {
        yield Buffer.from('{"Records":[');
        for (let i = 0; ; i++) {
          yield Buffer.from(`${i > 0 ? ',' : ''}${JSON.stringify(good(`e${i}`))}`);
        }
      } finally {
        closed = true;
      }
    }
    for await (const batch of decodeCloudTrail(endless(), context)) {
      assert.equal(batch.length, 500);
      break;
    }
    assert.equal(closed, true);
  });
});

describe('decodeCloudTrail on bad input', () => {
  it('reports elements that are not objects, keeping the good records around them', async () => {
    const out = await decode(logFile([good('a'), 42, 'text', null, [good('x')], true, good('b')]));
    assert.deepEqual(reasons(out), [
      'ok',
      'RECORD_NOT_OBJECT',
      'RECORD_NOT_OBJECT',
      'RECORD_NOT_OBJECT',
      'RECORD_NOT_OBJECT',
      'RECORD_NOT_OBJECT',
      'ok',
    ]);
    assert.deepEqual(positions(out), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((i) => issueAt(out, i).payload!.toString('utf8')),
      ['42', '"text"', 'null', JSON.stringify([good('x')]), 'true'],
    );
    assert.match(issueAt(out, 4).message, /record 4 is an array/);
  });

  it('reports records without a valid eventTime or eventID, keeping the good ones around them', async () => {
    const noTime = { eventID: 'no-time' };
    const badTime = good('bad-time', { eventTime: 'yesterday' });
    const noId = { eventVersion: '1.08', eventTime: '2024-05-01T12:00:00Z', eventName: 'Y' };
    for (const size of [1, 7, undefined]) {
      const out = await decode(logFile([good('a'), noTime, badTime, noId, good('b')]), size);
      assert.deepEqual(reasons(out), ['ok', 'RECORD_INVALID', 'RECORD_INVALID', 'RECORD_INVALID', 'ok']);
      assert.deepEqual(positions(out), [0, 1, 2, 3, 4]);
      assert.deepEqual(JSON.parse(issueAt(out, 3).payload!.toString('utf8')), noId);
    }
  });

  it('keeps the records before a syntax error and reports where it stopped', async () => {
    const records = [good('a'), good('b'), good('c')];
    const full = logFile(records);
    const truncated = full.slice(0, full.indexOf('"c"') + 2);
    const missingComma = full.replace('},{', '} {');
    for (const size of [1, 7, undefined]) {
      const cut = await decode(truncated, size);
      assert.deepEqual(reasons(cut), ['ok', 'ok', 'INVALID_JSON'], `truncated, chunks of ${size}`);
      assert.equal(issueAt(cut, 2).position, 2);
      assert.ok(truncated.startsWith(issueAt(cut, 2).payload!.toString('utf8')));

      const garbled = await decode(missingComma, size);
      assert.deepEqual(reasons(garbled), ['ok', 'INVALID_JSON'], `missing comma, chunks of ${size}`);
      assert.equal(issueAt(garbled, 1).position, 1);

      const trailing = await decode(`${full} {}`, size);
      assert.deepEqual(
        reasons(trailing),
        ['ok', 'ok', 'ok', 'INVALID_JSON'],
        `trailing JSON, chunks of ${size}`,
      );
      assert.equal(issueAt(trailing, 3).position, 3);
    }
    for (const text of [
      'not json',
      '   ',
      '{"Records":[',
      '{"Records":[{"eventTime":"2024',
      '{"Records":[]}x',
      "{'Records':[]}",
    ]) {
      const out = await decode(text);
      assert.deepEqual(reasons(out), ['INVALID_JSON'], text);
      assert.equal(issueAt(out, 0).position, 0, text);
      assert.equal(issueAt(out, 0).payload!.toString('utf8'), text);
    }
  });

  it('reports brackets that do not match, control characters in strings and a bad record as INVALID_JSON', async () => {
    const a = JSON.stringify(good('a'));
    for (const [text, at] of [
      [`{"Records":[${a},{"eventID":"x"]}]}`, 1],
      [`{"Records":[${a},{"eventID":["x"}]}]}`, 1],
      [`{"Records":[${a},{"eventID":"line\nbreak"}]}`, 1],
      [`{"Records":[${a},{"eventID":tru}]}`, 1],
      [`{"Records":[${a},{"eventID" "x"}]}`, 1],
      [`{"Records":[${a}],"other":{"a" 1}}`, 1],
      [`{"Records":[${a}],"other":[1,]}`, 1],
      [`{"Records":[${a}],}`, 1],
      [`{"Records" [${a}]}`, 0],
    ] as const) {
      for (const size of [1, 3, undefined]) {
        const out = await decode(text, size);
        assert.deepEqual(
          reasons(out),
          [...Array<string>(at).fill('ok'), 'INVALID_JSON'],
          `${text} in ${size}`,
        );
        assert.equal(issueAt(out, at).position, at, text);
      }
    }
  });

  it('reads no more of the source after a file-level issue', async () => {
    let pulled = 0;
    async function* source(): AsyncGenerator<Buffer> {
      for (const part of [
        `{"Records":[${JSON.stringify(good('a'))}`,
        ' oops',
        ...Array<string>(100).fill(' '),
      ]) {
        pulled++;
        yield Buffer.from(part);
      }
    }
    const out = (await batchesOf(source())).flat();
    assert.deepEqual(reasons(out), ['ok', 'INVALID_JSON']);
    assert.equal(pulled, 2);
  });

  it('reports valid JSON that is no CloudTrail log file as NOT_CLOUDTRAIL, for the whole file', async () => {
    const notTrail = [
      '{"logFiles":[],"digestStartTime":"2024-05-01T12:00:00Z"}',
      '{"records":[]}',
      '{"a":{"Records":[{"eventTime":"2024-05-01T12:00:00Z","eventID":"e"}]}}',
      '{"Records":5}',
      '{"Records":"[]"}',
      '{"Records":null}',
      '{"Records":{"0":{}}}',
      '[{"Records":[]}]',
      '"Records"',
      '12',
      'null',
    ];
    for (const text of notTrail) {
      for (const size of [1, undefined]) {
        const out = await decode(text, size);
        assert.deepEqual(reasons(out), ['NOT_CLOUDTRAIL'], text);
        assert.equal(issueAt(out, 0).position, null);
        assert.equal(issueAt(out, 0).payload!.toString('utf8'), text);
      }
    }
    assert.match(issueAt(await decode('{"Records":5}'), 0).message, /"Records" is a number/);
    assert.match(issueAt(await decode('[1]'), 0).message, /is an array/);
  });

  it('decodes an empty Records array, with other members around it, to nothing', async () => {
    assert.deepEqual(await decode('{"Records":[]}'), []);
    const out = await decode(
      `{"before":{"Records":[1]},"Records":[${JSON.stringify(good('a'))}],"after":[{"x":[]}]}`,
    );
    assert.deepEqual(reasons(out), ['ok']);
  });

  it('reports an empty object as OBJECT_EMPTY', async () => {
    assert.deepEqual(await decode(''), [
      {
        ok: false,
        issue: { reason: 'OBJECT_EMPTY', message: 'the object is empty', position: null, payload: null },
      },
    ]);
    async function* emptyChunks(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(0);
      yield Buffer.alloc(0);
    }
    assert.deepEqual(reasons((await batchesOf(emptyChunks())).flat()), ['OBJECT_EMPTY']);
  });

  it('reports invalid UTF-8 and stops there, after the records of the chunks before', async () => {
    const head = Buffer.from(`{"Records":[${JSON.stringify(good('a'))},{"eventID":"`);
    const tail = Buffer.from(`"},${JSON.stringify(good('b'))}]}`);
    const invalid = [
      [0xff],
      [0xc0, 0x80], // overlong encoding of NUL
      [0xed, 0xa0, 0x80], // a UTF-16 surrogate, not allowed in UTF-8
      [0xe2, 0x28, 0xa1], // a 3-byte sequence broken by '('
    ];
    for (const bytes of invalid) {
      async function* source(): AsyncGenerator<Buffer> {
        yield head;
        yield Buffer.concat([Buffer.from(bytes), tail]);
      }
      const out = (await batchesOf(source())).flat();
      assert.deepEqual(reasons(out), ['ok', 'INVALID_UTF8'], Buffer.from(bytes).toString('hex'));
      assert.equal(issueAt(out, 1).position, 1);
      assert.ok(issueAt(out, 1).payload!.equals(Buffer.concat([head, Buffer.from(bytes), tail])));
      assert.deepEqual(reasons(await decode(Buffer.concat([head, Buffer.from(bytes), tail]))), [
        'INVALID_UTF8',
      ]);
    }
    const cutInChar = Buffer.from(`{"Records":[${JSON.stringify(good('ü'))}]}`);
    const endsInside = cutInChar.subarray(0, cutInChar.indexOf(Buffer.from('ü')) + 1);
    assert.deepEqual(reasons(await decode(endsInside, 3)), ['INVALID_UTF8']);
    assert.match(issueAt(await decode(endsInside), 0).message, /ends inside a UTF-8 character/);
  });
});
