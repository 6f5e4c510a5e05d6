/**
 * End to end on the real local stack (tools/stack/stack.sh up): S3 (s3rver) + SQS (ElasticMQ) →
 * notifier → Kafka → flow-parser / cloudtrail-parser → Kafka (Avro) → sink → Postgres → query-api,
 * each service its own process configured by env exactly as deployed. Asserts through the API
 * that every record arrived exactly once with the right values.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PipelineHarness, s3NotificationBody, waitFor } from '@lake/testing';

const ROOT = join(__dirname, '..', '..', '..');
const SAMPLES = join(ROOT, 'tools', 'samples');

const FLOW_V2_KEY =
  'AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20240501T1205Z_a1b2c3d4.log.gz';
// A bucket prefix with a space and a Hive-compatible layout: the notification carries it URL-encoded.
const FLOW_V5_KEY =
  'flow logs/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=us-east-1/year=2024/month=05/day=01/hour=12/111122223333_vpcflowlogs_us-east-1_fl-0fedcba987654321f_20240501T1210Z_e5f6a7b8.log.gz';
const TRAIL_KEY =
  'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1205Z_AbCdEfGh12345678.json.gz';
// A day of its own, so that the counts of the other tests over RANGE do not change.
const IDENTITY_KEY =
  'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/02/111122223333_CloudTrail_us-east-1_20240502T0905Z_IdEnTiTy12345678.json.gz';
const BAD_GZIP_KEY =
  'AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20240501T1215Z_deadbeef.log.gz';
const BAD_LINE_KEY =
  'AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20240501T1220Z_0badf00d.log.gz';

const RANGE = { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' };
const INT_FIELDS = new Set([
  'version',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'tcp_flags',
  'traffic_path',
]);

/** Expected rows computed from the text directly, independently of the decoder. */
function expectedFlows(text: string, key: string): Map<string, Record<string, unknown>> {
  const [header, ...lines] = text.trim().split('\n');
  const fields = header!.split(' ').map((f) => f.replace(/-/g, '_'));
  const out = new Map<string, Record<string, unknown>>();
  lines.forEach((line, i) => {
    const values = line.split(' ');
    const row: Record<string, unknown> = {};
    fields.forEach((f, j) => {
      const v = values[j]!;
      row[f] = v === '-' ? null : INT_FIELDS.has(f) ? Number(v) : v;
    });
    out.set(`${key}#${i + 2}`, row);
  });
  return out;
}

const harness = new PipelineHarness('e2e', ROOT, process.env);
const names = harness.names;
const allPages = (path: string, query: Record<string, string | number>) => harness.allPages(path, query);
const upload = (key: string, body: Buffer) => harness.upload(key, body);
/** A CloudTrail record without its null fields: the API leaves null fields out (absent or null alike). */
const withoutNullFields = (r: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null));
let api: PipelineHarness['api'];

describe('pipeline end to end', () => {
  before(async () => {
    // A maintenance pass every 2 s, blocks built as soon as a day has ended: the test below.
    await harness.start({ sink: { MAINTENANCE_INTERVAL_SECONDS: '2', ROLLUP_BLOCK_SETTLE_MINUTES: '0' } });
    api = harness.api;
  });

  after(async () => {
    await harness.stop();
  });

  const v2Text = readFileSync(join(SAMPLES, 'vpcflow', 'v2-default.log'), 'utf8');
  const v5Text = readFileSync(join(SAMPLES, 'vpcflow', 'v5-custom.log'), 'utf8');
  const trailText = readFileSync(join(SAMPLES, 'cloudtrail', 'sample-records.json'), 'utf8');
  const trail = JSON.parse(trailText) as { Records: Record<string, unknown>[] };
  const expected = new Map([...expectedFlows(v2Text, FLOW_V2_KEY), ...expectedFlows(v5Text, FLOW_V5_KEY)]);

  it('delivers every flow record and CloudTrail event exactly once, with their values', async () => {
    const objects = [
      await upload(FLOW_V2_KEY, gzipSync(v2Text)),
      await upload(FLOW_V5_KEY, gzipSync(v5Text)),
    ];
    const trailObject = await upload(TRAIL_KEY, gzipSync(trailText));
    await harness.queue.send(
      JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: names.bucket }),
    );
    await harness.queue.send(s3NotificationBody(objects));
    await harness.queue.send(s3NotificationBody([trailObject]));

    const flows = await waitFor('all flow records in the API', async () => {
      const items = await allPages('/v1/flows', { ...RANGE, limit: 4 });
      return items.length >= expected.size ? items : undefined;
    });
    assert.equal(flows.length, expected.size, 'no record duplicated');
    const seen = new Set<string>();
    for (const row of flows) {
      const id = `${String(row['source_key'])}#${String(row['source_line'])}`;
      assert.ok(!seen.has(id), `${id} appears once`);
      seen.add(id);
      const want = expected.get(id);
      assert.ok(want, `${id} is an expected record`);
      for (const [field, value] of Object.entries(want)) {
        assert.deepEqual(row[field], value, `${id} ${field}`);
      }
      assert.equal(row['source_bucket'], names.bucket);
      assert.equal(new Date(row['event_time'] as string).getTime(), (want['start'] as number) * 1000);
    }
    const v5 = flows.filter((r) => r['source_key'] === FLOW_V5_KEY);
    assert.equal(v5.length, 3);
    assert.equal(v5[0]!['flow_log_id'], 'fl-0fedcba987654321f');
    assert.equal(v5[0]!['key_region'], 'us-east-1');
    // The delivery time in the file names (…_20240501T1210Z_… and …T1205Z_…), kept on every record.
    assert.ok(v5.every((r) => r['delivered_at'] === '2024-05-01T12:10:00.000Z'));
    const v2 = flows.filter((r) => r['source_key'] === FLOW_V2_KEY);
    assert.ok(v2.length > 0 && v2.every((r) => r['delivered_at'] === '2024-05-01T12:05:00.000Z'));

    const events = await waitFor('all CloudTrail events in the API', async () => {
      const items = await allPages('/v1/cloudtrail/events', { ...RANGE, limit: 2 });
      return items.length >= trail.Records.length ? items : undefined;
    });
    assert.equal(events.length, trail.Records.length);
    // The API answers each record as CloudTrail wrote it (its names; null fields left out), plus `lake`.
    events.forEach((e, i) => {
      const { lake, ...record } = e as Record<string, unknown> & { lake: Record<string, unknown> };
      const r = trail.Records[i]!;
      assert.deepEqual(record, withoutNullFields(r), `record ${i}`);
      assert.equal(lake['isError'], r['errorCode'] !== undefined);
      assert.equal(lake['recordIndex'], i);
      assert.equal(lake['sourceKey'], TRAIL_KEY);
    });
    const role = events[1]!['lake'] as Record<string, unknown>;
    assert.equal(role['principal'], 'arn:aws:sts::111122223333:assumed-role/deployer/deploy-session');

    const filtered = await api
      .get('/v1/cloudtrail/events')
      .query({ ...RANGE, error_code: 'AccessDenied' })
      .expect(200);
    assert.equal((filtered.body as { items: unknown[] }).items.length, 1);
    const rejected = await api
      .get('/v1/flows')
      .query({ ...RANGE, action: 'REJECT', dstaddr: '10.20.0.0/16' })
      .expect(200);
    assert.equal((rejected.body as { items: unknown[] }).items.length, 3);
  });

  it('delivers the parts of userIdentity and the fields of event versions 1.09-1.11 into typed columns', async () => {
    const text = readFileSync(join(SAMPLES, 'cloudtrail', 'identity-records.json'), 'utf8');
    type Raw = Record<string, unknown> & {
      userIdentity: Record<string, Record<string, unknown> | undefined>;
    };
    const records = (JSON.parse(text) as { Records: Raw[] }).Records;
    await harness.queue.send(s3NotificationBody([await upload(IDENTITY_KEY, gzipSync(text))]));
    const range = { from: '2024-05-02T00:00:00Z', to: '2024-05-03T00:00:00Z' };
    const items = await waitFor('the identity sample in the API', async () => {
      const items = await allPages('/v1/cloudtrail/events', { ...range, limit: 100 });
      return items.length >= records.length ? items : undefined;
    });
    assert.equal(items.length, records.length);
    const { rows } = await harness.db.query<Record<string, unknown>>(
      `SELECT * FROM "${names.schema}".cloudtrail_events WHERE event_time >= $1 AND event_time < $2`,
      [range.from, range.to],
    );
    const filled = new Set<string>();
    records.forEach((r, i) => {
      // The API gives the record back as written.
      const { lake: _lake, ...record } = items.find((x) => x['eventID'] === r['eventID'])!;
      assert.deepEqual(record, withoutNullFields(r), `record ${i} through the API`);
      const row = rows.find((x) => x['event_id'] === r['eventID'])!;
      const u = r.userIdentity;
      const s = (u['sessionContext'] ?? {}) as Record<string, Record<string, unknown> | undefined>;
      const text = (v: unknown): unknown => v ?? null;
      // The columns, computed from the JSON directly, independently of the decoder.
      const expected: Record<string, unknown> = {
        user_identity: u,
        user_identity_type: text(u['type']),
        user_identity_principal_id: text(u['principalId']),
        user_identity_invoked_by: text(u['invokedBy']),
        user_identity_credential_id: text(u['credentialId']),
        user_identity_session_issuer_type: text(s['sessionIssuer']?.['type']),
        user_identity_session_issuer_principal_id: text(s['sessionIssuer']?.['principalId']),
        user_identity_session_issuer_arn: text(s['sessionIssuer']?.['arn']),
        user_identity_session_issuer_account_id: text(s['sessionIssuer']?.['accountId']),
        user_identity_session_issuer_user_name: text(s['sessionIssuer']?.['userName']),
        user_identity_session_creation_date: text(s['attributes']?.['creationDate']),
        user_identity_mfa_authenticated: text(s['attributes']?.['mfaAuthenticated']),
        user_identity_source_identity: text(s['sourceIdentity']),
        user_identity_ec2_role_delivery: text(s['ec2RoleDelivery']),
        user_identity_ec2_issued_in_vpc: text(s['ec2IssuedInVPC']),
        user_identity_assumed_root: text(s['assumedRoot']),
        user_identity_sign_in_session_arn: text(s['signInSessionArn']),
        user_identity_on_behalf_of_user_id: text(u['onBehalfOf']?.['userId']),
        user_identity_on_behalf_of_identity_store_arn: text(u['onBehalfOf']?.['identityStoreArn']),
        user_identity_in_scope_of_source_arn: text(u['inScopeOf']?.['sourceArn']),
        user_identity_in_scope_of_source_account: text(u['inScopeOf']?.['sourceAccount']),
        user_identity_in_scope_of_issuer_type: text(u['inScopeOf']?.['issuerType']),
        user_identity_in_scope_of_credentials_issued_to: text(u['inScopeOf']?.['credentialsIssuedTo']),
        user_identity_invoked_by_delegate_account_id: text(u['invokedByDelegate']?.['accountId']),
        vpc_endpoint_account_id: text(r['vpcEndpointAccountId']),
        event_context: text(r['eventContext']),
        tls_details: r['tlsDetails'],
        event_version: '1.11',
        record_index: i,
        other_fields: null,
      };
      for (const [column, value] of Object.entries(expected)) {
        assert.ok(column in row, `column ${column}`);
        assert.deepEqual(row[column], value, `record ${i} ${column}`);
        if (value !== null) {
          filled.add(column);
        }
      }
    });
    // Each column of the parts of userIdentity that the sample carries is filled by some record.
    for (const column of [
      'user_identity_session_issuer_arn',
      'user_identity_source_identity',
      'user_identity_ec2_role_delivery',
      'user_identity_ec2_issued_in_vpc',
      'user_identity_assumed_root',
      'user_identity_sign_in_session_arn',
      'user_identity_on_behalf_of_user_id',
      'user_identity_on_behalf_of_identity_store_arn',
      'user_identity_in_scope_of_source_arn',
      'user_identity_in_scope_of_issuer_type',
      'user_identity_invoked_by_delegate_account_id',
      'vpc_endpoint_account_id',
      'event_context',
    ]) {
      assert.ok(filled.has(column), `${column} filled by a record of the sample`);
    }
  });

  it('ignores replays: the same notifications again, and the same object events again, add no row', async () => {
    const counts = async () => ({
      flows: (await allPages('/v1/flows', { ...RANGE, limit: 1000 })).length,
      events: (await allPages('/v1/cloudtrail/events', { ...RANGE, limit: 1000 })).length,
    });
    const landed = await counts();
    // The same notifications again: the notifier knows these objects and publishes nothing.
    const duplicatesBefore = await harness.metric(
      'notifier',
      'lake_notifier_objects_skipped_total{reason="duplicate"',
    );
    await harness.queue.send(
      s3NotificationBody([
        { bucket: names.bucket, key: FLOW_V2_KEY, size: 1 },
        { bucket: names.bucket, key: FLOW_V5_KEY, size: 1 },
        { bucket: names.bucket, key: TRAIL_KEY, size: 1 },
      ]),
    );
    await waitFor('the notifier to recognise the three objects', async () =>
      (await harness.metric('notifier', 'lake_notifier_objects_skipped_total{reason="duplicate"')) >=
      duplicatesBefore + 3
        ? true
        : undefined,
    );
    // The same object events again, past the notifier (a parser's offsets reset): the parsers read the
    // objects again and the sink recognises every row.
    const before = await harness.metric('sink', 'lake_sink_rows_replayed_total');
    assert.ok((await harness.replayObjectEvents()) >= 3);
    const total = expected.size + trail.Records.length;
    await waitFor('the replayed rows to reach the sink', async () =>
      (await harness.metric('sink', 'lake_sink_rows_replayed_total')) >= before + total ? true : undefined,
    );
    assert.deepEqual(await counts(), landed);
    assert.equal(landed.flows, expected.size);
    assert.equal(landed.events, trail.Records.length);
  });

  it('dead-letters bad input with a reason, keeps the good lines and keeps running', async () => {
    const header = v2Text.split('\n')[0]!;
    const good = v2Text.split('\n')[1]!.replace('1714564800', '1714565100');
    const badFile = `${header}\n${good}\n2 111122223333 eni-0a1b2c3d4e5f60001 10.0.0.1 10.0.0.2 1 2\n${good.replace('49152', '49153')}\n`;
    const objects = [
      await upload(BAD_GZIP_KEY, Buffer.from('this is not gzip')),
      await upload(BAD_LINE_KEY, gzipSync(badFile)),
    ];
    await harness.queue.send(s3NotificationBody(objects));
    await harness.queue.send('{"not":"an S3 notification"}');
    const letters = await waitFor('dead letters in the API', async () => {
      const items = await allPages('/v1/dead-letters', { from: '2000-01-01T00:00:00Z', limit: 100 });
      return items.length >= 3 ? items : undefined;
    });
    const byReason = new Map(letters.map((l) => [l['reason'], l]));
    assert.equal(byReason.get('NOT_GZIP')?.['key'], BAD_GZIP_KEY);
    const fieldCount = byReason.get('FIELD_COUNT');
    assert.equal(fieldCount?.['key'], BAD_LINE_KEY);
    assert.equal(fieldCount?.['position'], 3);
    assert.match(String(fieldCount?.['payload']), /10\.0\.0\.1 10\.0\.0\.2 1 2/);
    assert.equal(byReason.get('NOT_S3_NOTIFICATION')?.['service'], 'notifier');
    const goodLines = await waitFor('the good lines of the damaged file', async () => {
      const items = await allPages('/v1/flows', { ...RANGE, limit: 1000 });
      const mine = items.filter((r) => r['source_key'] === BAD_LINE_KEY);
      return mine.length >= 2 ? mine : undefined;
    });
    assert.deepEqual(goodLines.map((r) => r['source_line']).sort(), [2, 4]);
    // Read again (object events redelivered), the objects give the same dead letters, stored once.
    const lettersBefore = await harness.metric('sink', 'lake_sink_rows_replayed_total{table="dead_letters"');
    await harness.replayObjectEvents();
    await waitFor('the replayed dead letters to reach the sink', async () =>
      (await harness.metric('sink', 'lake_sink_rows_replayed_total{table="dead_letters"')) >=
      lettersBefore + 2
        ? true
        : undefined,
    );
    const again = await allPages('/v1/dead-letters', { from: '2000-01-01T00:00:00Z', limit: 100 });
    assert.deepEqual(
      again.map((l) => l['id']),
      letters.map((l) => l['id']),
    );
    for (const [app, s] of harness.services) {
      assert.equal((await fetch(`${s.baseUrl}/health`)).status, 200, `${app} healthy`);
    }
  });

  it('delivers CloudTrail Insights, Start and End linked by their shared event id', async () => {
    const key =
      'AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/05/01/111122223333_CloudTrail-Insight_us-east-1_20240501T1230Z_InSiGhT12345678.json.gz';
    await harness.notify([
      await upload(key, gzipSync(readFileSync(join(SAMPLES, 'cloudtrail', 'sample-insights.json')))),
    ]);
    const insights = await waitFor('both Insights events', async () => {
      const items = await allPages('/v1/cloudtrail/insights', { ...RANGE, limit: 10 });
      return items.length >= 2 ? items : undefined;
    });
    type Insight = {
      sharedEventID: string;
      insightDetails: {
        state: string;
        insightContext: {
          statistics: { insight: { average: number }; insightDuration?: number };
          attributions: { attribute: string }[];
        };
      };
    };
    // Each as CloudTrail wrote it, plus `lake`.
    const sample = JSON.parse(readFileSync(join(SAMPLES, 'cloudtrail', 'sample-insights.json'), 'utf8')) as {
      Records: Record<string, unknown>[];
    };
    insights.forEach((i, n) => {
      const { lake: _lake, ...record } = i;
      assert.deepEqual(record, sample.Records[n], `Insights record ${n}`);
    });
    const [start, end] = insights as unknown as Insight[];
    assert.deepEqual([start!.insightDetails.state, end!.insightDetails.state], ['Start', 'End']);
    assert.equal(start!.sharedEventID, end!.sharedEventID);
    assert.equal(start!.insightDetails.insightContext.statistics.insight.average, 4.2);
    assert.equal(end!.insightDetails.insightContext.statistics.insightDuration, 15);
    assert.equal(start!.insightDetails.insightContext.attributions[0]!.attribute, 'userIdentityArn');
    const linked = await api
      .get('/v1/cloudtrail/insights')
      .query({ ...RANGE, shared_event_id: start!.sharedEventID, state: 'End' })
      .expect(200);
    assert.equal((linked.body as { items: unknown[] }).items.length, 1);
  });

  it("builds multi-day blocks of the day rollups in the sink's maintenance; top-K reads them, exactly", async () => {
    // 2024-05-01 (epoch day 19 844) starts a 2-day block; the flows of the tests above are in it.
    const range = { from: '2024-05-01T00:00:00Z', to: '2024-05-03T00:00:00Z', limit: 1000 };
    const blocked = await waitFor('the top pairs answered from blocks', async () => {
      const res = await api.get('/v1/flows/top-pairs').query(range).expect(200);
      const body = res.body as { items: unknown[]; source: string };
      return body.source === 'flow_pairs_block' ? body : undefined;
    });
    const raw = await api
      .get('/v1/flows/top-pairs')
      .query({ ...range, source: 'raw' })
      .expect(200);
    assert.ok(blocked.items.length > 0);
    assert.deepEqual(blocked.items, (raw.body as { items: unknown[] }).items);
    const talkers = await api.get('/v1/flows/top-talkers').query(range).expect(200);
    assert.equal((talkers.body as { source: string }).source, 'flow_talkers_block');
    const { rows } = await harness.db.query<{ rollup: string }>(
      `SELECT DISTINCT rollup FROM "${names.schema}".rollup_blocks ORDER BY 1`,
    );
    assert.deepEqual(
      rows.map((r) => r.rollup),
      ['flow_pairs_day', 'flow_talkers_day'],
    );
  });

  it('answers bad requests with 400 and a reason', async () => {
    const res = await api
      .get('/v1/flows')
      .query({ ...RANGE, srcaddr: '10.0.0.300' })
      .expect(400);
    assert.match((res.body as { message: string }).message, /srcaddr/);
    await api.get('/v1/flows').query({ from: RANGE.to, to: RANGE.from }).expect(400);
    await api
      .get('/v1/flows')
      .query({ ...RANGE, limit: 0 })
      .expect(400);
    await api
      .get('/v1/flows')
      .query({ ...RANGE, cursor: 'garbage' })
      .expect(400);
    const doc = await api.get('/openapi.json').expect(200);
    assert.ok((doc.body as { paths: Record<string, unknown> }).paths['/v1/flows']);
  });

  it('answers 401 without the API key, and serves /health and /ready without one', async () => {
    const base = harness.service('query-api').baseUrl;
    const res = await fetch(`${base}/v1/flows?from=${RANGE.from}&to=${RANGE.to}`);
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { message: string }).message, /API key required/);
    assert.equal((await fetch(`${base}/health`)).status, 200);
    assert.equal((await fetch(`${base}/ready`)).status, 200);
  });
});
