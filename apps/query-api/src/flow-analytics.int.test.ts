import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { FlowRecord } from '@lake/schemas';
import {
  createApiKey,
  DATASET_START,
  cloudTrailDataset,
  flowDataset,
  migratedSchema,
  stackEndpoints,
  writeAsSink,
} from '@lake/testing';
import { FlowAnalyticsQueries, PartitionManager, foldPendingRollups } from '@lake/pg';
import { buildApp } from './app';

const logger = pino({ level: 'warn' });
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const FROM = iso(DATASET_START);
const TO = iso(DATASET_START + 3 * HOUR);

let app: FastifyInstance;
let apiKey: string;

interface Reply {
  status: number;
  body: { items: Record<string, unknown>[]; source: string; message?: string };
}

/** Every HTTP call of this file goes through here (one place to add credentials). */
async function call(method: 'GET' | 'POST', url: string, payload?: unknown): Promise<Reply> {
  const res = await app.inject({
    method,
    url,
    payload: payload as object | undefined,
    headers: { 'x-api-key': apiKey },
  });
  return { status: res.statusCode, body: res.json() };
}
const get = (path: string, query: Record<string, string | number | boolean> = {}) =>
  call('GET', `${path}?${new URLSearchParams({ from: FROM, to: TO, ...stringify(query) }).toString()}`);
const stringify = (q: Record<string, string | number | boolean>) =>
  Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)]));

const flows = flowDataset(1500);
const events = cloudTrailDataset(600);
/** Flow records proper (NODATA records carry no addresses and are not flows). */
const real = flows.filter((f) => f.srcaddr !== null && f.dstaddr !== null);
const DAY = 24 * HOUR;
const DAY0 = Math.floor(DATASET_START / DAY) * DAY;
const shift = (rows: readonly FlowRecord[], days: number) =>
  rows.map((f) => ({ ...f, event_time: f.event_time + days * DAY }));
/** Two more days (outside FROM–TO), with another mix, for the top-K over several day buckets. */
const later = [
  ...shift(flows.slice(0, 700), 1),
  ...shift(
    flows.slice(300).filter((_, i) => i % 3 !== 0),
    2,
  ),
];

/**
 * Flows without a destination port (a custom format without dstport), on day 1: the same keys
 * once folded into the rollups (written with the first batch) and once still pending.
 */
const portless = (key: string) =>
  shift(real.slice(0, 15), 1).map((f) => ({ ...f, dstport: null, source_key: key }));
const portlessFolded = portless('portless-a.log.gz');
const portlessPending = portless('portless-b.log.gz');

/** Independent aggregation of the raw records, as a map from key to [flows, bytes, packets]. */
function aggregate(rows: readonly FlowRecord[], key: (f: FlowRecord) => string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const f of rows) {
    const k = key(f);
    const v = out.get(k) ?? [0, 0, 0];
    out.set(k, [v[0]! + 1, v[1]! + (f.bytes ?? 0), v[2]! + (f.packets ?? 0)]);
  }
  return out;
}
const asMap = (items: Record<string, unknown>[], key: (i: Record<string, unknown>) => string) =>
  new Map(items.map((i) => [key(i), [i['flows'], i['bytes'], i['packets']] as number[]]));
const nonIncreasing = (items: Record<string, unknown>[], field: string) =>
  items.every((x, i) => i === 0 || (items[i - 1]![field] as number) >= (x[field] as number));

describe('flow and CloudTrail analytics endpoints', () => {
  let db: Awaited<ReturnType<typeof migratedSchema>>;

  before(async () => {
    db = await migratedSchema('analytics', stackEndpoints(process.env).databaseUrl, logger);
    await writeAsSink(db.pool, {
      flows: [...flows.slice(0, 900), ...portlessFolded],
      events: events.slice(0, 300),
    });
    // The first batch folded into the flow rollups, the others still pending: every rollup answer
    // below reads both (the test 'the rollup path and the raw path' folds the rest and asks again).
    const fold = await foldPendingRollups(db.pool, new PartitionManager(db.pool));
    assert.deepEqual(fold.failed, []);
    assert.ok(fold.folded > 0);
    await writeAsSink(db.pool, { flows: flows.slice(900), events: events.slice(300) });
    await writeAsSink(db.pool, { flows: [...later, ...portlessPending] });
    apiKey = await createApiKey(db.pool, db.schema);
    app = await buildApp({ pool: db.pool, logger, metrics: new Registry() });
  });
  after(async () => {
    await app.close();
    await db.drop();
  });

  it('top talkers: the EMR job, src:dst:dstport ranked by flow records, from the hour rollup', async () => {
    const { status, body } = await get('/v1/flows/top-talkers', { by: 'connections', limit: 1000 });
    assert.equal(status, 200);
    assert.equal(body.source, 'flow_rollup_hour');
    // The EMR job, recomputed here from the raw records: count records per "src:dst:dstport".
    const emr = aggregate(real, (f) => `${f.srcaddr}:${f.dstaddr}:${f.dstport}`);
    assert.deepEqual(
      asMap(body.items, (i) => `${String(i['srcaddr'])}:${String(i['dstaddr'])}:${String(i['dstport'])}`),
      emr,
    );
    assert.ok(nonIncreasing(body.items, 'flows'));
    const best = Math.max(...[...emr.values()].map((v) => v[0]!));
    assert.equal(body.items[0]!['flows'], best);
    const https = body.items.find((i) => i['dstport'] === 443);
    assert.equal(https?.['dstport_service'], 'https');

    const top5 = await get('/v1/flows/top-talkers', { limit: 5, by: 'bytes' });
    assert.equal(top5.body.items.length, 5);
    assert.ok(nonIncreasing(top5.body.items, 'bytes'));
    const maxBytes = Math.max(...[...emr.values()].map((v) => v[1]!));
    assert.equal(top5.body.items[0]!['bytes'], maxBytes);
  });

  it('top talkers and pairs over whole days: an exact top-K over the day rollups in rank order', async () => {
    const range = { from: iso(DAY0), to: iso(DAY0 + 3 * DAY) };
    const cases: [string, Record<string, string | number | boolean>, string][] = [
      ['/v1/flows/top-talkers', { by: 'connections' }, 'flow_talkers_day'],
      ['/v1/flows/top-talkers', { by: 'bytes' }, 'flow_talkers_day'],
      ['/v1/flows/top-talkers', { well_known_only: true }, 'flow_talkers_day'],
      ['/v1/flows/top-talkers', { src_cidr: '10.0.0.0/8' }, 'flow_talkers_day'],
      ['/v1/flows/top-pairs', {}, 'flow_pairs_day'],
      ['/v1/flows/top-pairs', { cidr: '10.0.1.10' }, 'flow_pairs_day'],
      // Rankings and filters the day lists lack: the wide hour rollup.
      ['/v1/flows/top-talkers', { by: 'packets' }, 'flow_rollup_hour'],
      ['/v1/flows/top-pairs', { protocol: 6 }, 'flow_rollup_hour'],
      ['/v1/flows/top-pairs', { group_by: 'eni' }, 'flow_rollup_hour'],
    ];
    for (const [path, q, source] of cases) {
      for (const limit of [1, 3, 10, 1000]) {
        const query = { ...range, ...q, limit };
        const auto = await get(path, query);
        const raw = await get(path, { ...query, source: 'raw' });
        assert.equal(auto.status, 200, path);
        assert.equal(auto.body.source, source, `${path} ${JSON.stringify(q)}`);
        assert.ok(auto.body.items.length > 0, path);
        assert.deepEqual(auto.body.items, raw.body.items, `${path} ${JSON.stringify(query)}: top-K vs raw`);
      }
    }
    // Thirty years around three days of data: only the days with flows are lists.
    const wide = { from: '2000-01-01T00:00:00Z', to: '2030-01-01T00:00:00Z', limit: 50 };
    for (const path of ['/v1/flows/top-talkers', '/v1/flows/top-pairs']) {
      const auto = await get(path, wide);
      assert.match(auto.body.source, /_day$/, path);
      assert.deepEqual(
        auto.body.items,
        (await get(path, { ...wide, source: 'raw' })).body.items,
        `${path}, 30 years`,
      );
    }
    // More lists than one statement takes: the day rollup summed over the range, as exact.
    FlowAnalyticsQueries.maxRankedLists = 1;
    try {
      for (const [path, q, source] of cases.slice(0, 6)) {
        const query = { ...range, ...q, limit: 10 };
        const auto = await get(path, query);
        assert.equal(auto.body.source, source, path);
        assert.deepEqual(
          auto.body.items,
          (await get(path, { ...query, source: 'raw' })).body.items,
          `${path}: summed`,
        );
      }
    } finally {
      FlowAnalyticsQueries.maxRankedLists = 500;
    }
    // The EMR job, independently: the 10 largest connection counts over the three days.
    const all = [
      ...real,
      ...later.filter((f) => f.srcaddr !== null && f.dstaddr !== null),
      ...portlessFolded,
      ...portlessPending,
    ];
    const emr = aggregate(all, (f) => `${f.srcaddr}:${f.dstaddr}:${f.dstport}`);
    const top = await get('/v1/flows/top-talkers', { ...range, limit: 10 });
    const keyOf = (i: Record<string, unknown>) =>
      `${String(i['srcaddr'])}:${String(i['dstaddr'])}:${String(i['dstport'])}`;
    assert.deepEqual(
      top.body.items.map((i) => i['flows']),
      [...emr.values()]
        .map((v) => v[0]!)
        .sort((a, b) => b - a)
        .slice(0, 10),
    );
    for (const i of top.body.items) {
      assert.deepEqual([i['flows'], i['bytes'], i['packets']], emr.get(keyOf(i)), keyOf(i));
    }
  });

  it('top talkers on well-known ports only', async () => {
    const { body } = await get('/v1/flows/top-talkers', { well_known_only: true, limit: 1000 });
    const want = aggregate(
      real.filter((f) => f.dstport !== null && f.dstport <= 1024),
      (f) => `${f.srcaddr}:${f.dstaddr}:${f.dstport}`,
    );
    assert.deepEqual(
      asMap(body.items, (i) => `${String(i['srcaddr'])}:${String(i['dstaddr'])}:${String(i['dstport'])}`),
      want,
    );
  });

  it('top pairs by bytes (the Athena query), with filters', async () => {
    const { body } = await get('/v1/flows/top-pairs', { limit: 1000 });
    assert.deepEqual(
      asMap(body.items, (i) => `${String(i['srcaddr'])}>${String(i['dstaddr'])}`),
      aggregate(real, (f) => `${f.srcaddr}>${f.dstaddr}`),
    );
    assert.ok(nonIncreasing(body.items, 'bytes'));

    const filtered = await get('/v1/flows/top-pairs', {
      limit: 1000,
      src_cidr: '10.0.1.0/24',
      action: 'ACCEPT',
      interface_id: 'eni-0aaa',
      account_id: '111122223333',
    });
    const want = real.filter(
      (f) =>
        f.srcaddr!.startsWith('10.0.1.') &&
        f.action === 'ACCEPT' &&
        f.interface_id === 'eni-0aaa' &&
        f.account_id === '111122223333',
    );
    assert.ok(want.length > 0);
    assert.deepEqual(
      asMap(filtered.body.items, (i) => `${String(i['srcaddr'])}>${String(i['dstaddr'])}`),
      aggregate(want, (f) => `${f.srcaddr}>${f.dstaddr}`),
    );

    const either = await get('/v1/flows/top-pairs', {
      limit: 1000,
      cidr: '10.0.2.20',
      vpc_id: 'vpc-01',
      region: 'us-east-1',
    });
    const wantEither = real.filter(
      (f) =>
        (f.srcaddr === '10.0.2.20' || f.dstaddr === '10.0.2.20') &&
        f.vpc_id === 'vpc-01' &&
        (f.region ?? f.key_region) === 'us-east-1',
    );
    assert.deepEqual(
      asMap(either.body.items, (i) => `${String(i['srcaddr'])}>${String(i['dstaddr'])}`),
      aggregate(wantEither, (f) => `${f.srcaddr}>${f.dstaddr}`),
    );
  });

  it('canned views: rejected, rejected-tcp, ssh-rdp, admin-ports, accepted', async () => {
    const cases: [string, (f: FlowRecord) => boolean][] = [
      ['rejected', (f) => f.action === 'REJECT'],
      ['rejected-tcp', (f) => f.action === 'REJECT' && f.protocol === 6],
      ['ssh-rdp', (f) => f.protocol === 6 && (f.dstport === 22 || f.dstport === 3389)],
      [
        'admin-ports',
        (f) => (f.protocol === 6 || f.protocol === 17) && [22, 3389, 5432].includes(f.dstport!),
      ],
      ['accepted', (f) => f.action === 'ACCEPT'],
    ];
    for (const [view, keep] of cases) {
      const { status, body } = await get(`/v1/flows/views/${view}`, { limit: 1000 });
      assert.equal(status, 200, view);
      const key = (f: FlowRecord) => [f.srcaddr, f.dstaddr, f.dstport, f.protocol, f.action].join(' ');
      const got = asMap(body.items, (i) =>
        [i['srcaddr'], i['dstaddr'], i['dstport'], i['protocol'], i['action']].map(String).join(' '),
      );
      assert.deepEqual(got, aggregate(real.filter(keep), key), view);
      assert.ok(body.items.length > 0, view);
    }
    const tcp = await get('/v1/flows/views/rejected-tcp', { limit: 1 });
    assert.equal(tcp.body.items[0]!['protocol_name'], 'TCP');
    assert.equal((await get('/v1/flows/views/nope')).status, 400);
  });

  it('IPv4 versus IPv6', async () => {
    const { body } = await get('/v1/flows/ip-versions');
    const want = aggregate(real, (f) => (f.srcaddr!.includes(':') ? '6' : '4'));
    assert.deepEqual(
      asMap(body.items, (i) => String(i['ip_version'])),
      want,
    );
  });

  it('time series by hour and minute, split by a dimension', async () => {
    const hourly = await get('/v1/flows/timeseries', { bucket: 'hour', split: 'action' });
    assert.equal(hourly.body.source, 'flow_totals_hour');
    const want = aggregate(real, (f) => `${iso(Math.floor(f.event_time / HOUR) * HOUR)} ${f.action}`);
    assert.deepEqual(
      asMap(hourly.body.items, (i) => `${String(i['bucket'])} ${String(i['key'])}`),
      want,
    );

    const minutes = await get('/v1/flows/timeseries', { bucket: 'minute' });
    assert.equal(minutes.body.source, 'flow_totals_minute');
    const perMinute = aggregate(real, (f) => `${iso(Math.floor(f.event_time / 60_000) * 60_000)} null`);
    assert.deepEqual(
      asMap(minutes.body.items, (i) => `${String(i['bucket'])} ${String(i['key'])}`),
      perMinute,
    );

    const top2 = await get('/v1/flows/timeseries', { bucket: 'hour', split: 'dstport', limit: 2 });
    assert.equal(new Set(top2.body.items.map((i) => i['key'])).size, 2);
    // A split the totals lack: the wide hour rollup; for minute buckets, the raw rows.
    assert.equal(top2.body.source, 'flow_rollup_hour');
    const perEni = await get('/v1/flows/timeseries', { bucket: 'minute', split: 'interface_id' });
    assert.equal(perEni.body.source, 'vpc_flow_records');

    // Region (the record's, else the key's), VPC and IP version are in the totals: any one of them
    // splits the series from there, with the sums computed here from the records.
    for (const [split, keyOf] of [
      ['region', (f: FlowRecord) => f.region ?? f.key_region],
      ['vpc_id', (f: FlowRecord) => f.vpc_id],
      ['ip_version', (f: FlowRecord) => (f.srcaddr!.includes(':') ? 6 : 4)],
    ] as const) {
      const series = await get('/v1/flows/timeseries', { bucket: 'hour', split, limit: 1000 });
      assert.equal(series.body.source, 'flow_totals_hour', split);
      assert.deepEqual(
        asMap(series.body.items, (i) => `${String(i['bucket'])} ${String(i['key'])}`),
        aggregate(real, (f) => `${iso(Math.floor(f.event_time / HOUR) * HOUR)} ${String(keyOf(f))}`),
        split,
      );
    }

    const bad = await get('/v1/flows/timeseries', { bucket: 'minute', source: 'hour' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message!, /source=hour/);
  });

  it('neighbours of an address', async () => {
    const addr = '10.0.1.10';
    const { body } = await get('/v1/flows/neighbours', { addr, limit: 1000 });
    const want = aggregate(
      real.filter((f) => f.srcaddr === addr || f.dstaddr === addr),
      (f) =>
        f.srcaddr === addr
          ? `${f.dstaddr} outbound ${f.dstport} ${f.protocol}`
          : `${f.srcaddr} inbound ${f.dstport} ${f.protocol}`,
    );
    const got = asMap(body.items, (i) =>
      [i['peer'], i['direction'], i['dstport'], i['protocol']].map(String).join(' '),
    );
    assert.deepEqual(got, want);
    assert.equal((await get('/v1/flows/neighbours', { addr: 'not-an-ip' })).status, 400);
  });

  it('the rollup path and the raw path give the same answers', async () => {
    const paths: [string, Record<string, string | number | boolean>][] = [
      ['/v1/flows/top-talkers', { limit: 1000 }],
      ['/v1/flows/top-talkers', { limit: 50, by: 'packets', protocol: 6 }],
      ['/v1/flows/top-pairs', { limit: 1000, dst_cidr: '10.0.0.0/8' }],
      ['/v1/flows/views/rejected', { limit: 1000 }],
      ['/v1/flows/ip-versions', {}],
      ['/v1/flows/ip-versions', { interface_id: 'eni-0aaa' }],
      ['/v1/flows/timeseries', { bucket: 'hour', split: 'srcaddr' }],
      ['/v1/flows/timeseries', { bucket: 'minute', split: 'account_id', protocol: 6 }],
      ['/v1/flows/neighbours', { addr: '2600:1f18:10::5', limit: 1000 }],
      ['/v1/cloudtrail/aggregates', { by: 'principal' }],
    ];
    const pending = async () =>
      (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM flow_rollup_pending')).rows[0]!.n;
    assert.ok((await pending()) > 0, 'some flow rows are still pending');
    for (const state of ['part pending', 'all folded']) {
      if (state === 'all folded') {
        assert.deepEqual((await foldPendingRollups(db.pool, new PartitionManager(db.pool))).failed, []);
        assert.equal(await pending(), 0);
      }
      for (const [path, q] of paths) {
        const auto = await get(path, q);
        const raw = await get(path, { ...q, source: 'raw' });
        assert.equal(auto.status, 200, path);
        assert.ok(auto.body.items.length > 0, path);
        assert.notEqual(auto.body.source, raw.body.source, path);
        assert.deepEqual(
          auto.body.items,
          raw.body.items,
          `${path} ${JSON.stringify(q)}, ${state}: rollup vs raw`,
        );
      }
    }
    // Not aligned on an hour: the minute totals for a time series, raw rows for addresses; not on a
    // minute: the raw rows.
    const halfFrom = iso(DATASET_START + 30 * 60_000);
    const half = await call('GET', `/v1/flows/timeseries?bucket=minute&from=${halfFrom}&to=${TO}`);
    assert.equal(half.body.source, 'flow_totals_minute');
    const halfPairs = await call('GET', `/v1/flows/top-pairs?from=${halfFrom}&to=${TO}`);
    assert.equal(halfPairs.body.source, 'vpc_flow_records');
    const odd = await call(
      'GET',
      `/v1/flows/timeseries?bucket=minute&from=${iso(DATASET_START + 1500)}&to=${TO}`,
    );
    assert.equal(odd.body.source, 'vpc_flow_records');
    // A forced granularity that holds no rollup able to answer is a 400.
    const forced = await get('/v1/flows/top-talkers', { source: 'minute' });
    assert.equal(forced.status, 400);
    assert.match(forced.body.message!, /source=minute/);
  });

  it('answers from raw rows when retention dropped the rollup for the range', async () => {
    await db.pool.query(`INSERT INTO rollup_coverage VALUES ('flow_rollup_hour', $1)`, [
      new Date(DATASET_START + HOUR),
    ]);
    try {
      // A fresh app: the coverage is cached for 30 s.
      const fresh = await buildApp({ pool: db.pool, logger, metrics: new Registry() });
      const res = await fresh.inject({
        method: 'GET',
        url: `/v1/flows/top-pairs?from=${FROM}&to=${TO}`,
        headers: { 'x-api-key': apiKey },
      });
      await fresh.close();
      assert.equal(res.json<Reply['body']>().source, 'vpc_flow_records');
    } finally {
      await db.pool.query('DELETE FROM rollup_coverage');
    }
  });

  it('CloudTrail aggregates by principal, source IP, event name, error code', async () => {
    for (const by of [
      'principal',
      'source_ip',
      'event_name',
      'event_source',
      'error_code',
      'region',
    ] as const) {
      const { status, body } = await get('/v1/cloudtrail/aggregates', { by });
      assert.equal(status, 200, by);
      assert.equal(body.source, 'cloudtrail_rollup_hour');
      const keyOf = {
        principal: (e: (typeof events)[number]) => e.lake.principal,
        source_ip: (e: (typeof events)[number]) => e.sourceIPAddress,
        event_name: (e: (typeof events)[number]) => e.eventName,
        event_source: (e: (typeof events)[number]) => e.eventSource,
        error_code: (e: (typeof events)[number]) => e.errorCode,
        region: (e: (typeof events)[number]) => e.awsRegion,
      }[by];
      const want = new Map<string, number[]>();
      for (const e of events) {
        const k = String(keyOf(e));
        const v = want.get(k) ?? [0, 0];
        want.set(k, [v[0]! + 1, v[1]! + (e.errorCode ? 1 : 0)]);
      }
      const got = new Map(body.items.map((i) => [String(i['key']), [i['events'], i['errors']] as number[]]));
      assert.deepEqual(got, want, by);
      for (const i of body.items) {
        assert.equal(
          i['error_rate'],
          Math.round(((i['errors'] as number) / (i['events'] as number)) * 10_000) / 10_000,
        );
      }
    }
    const denied = await get('/v1/cloudtrail/aggregates', { by: 'event_name', error_code: 'AccessDenied' });
    const total = denied.body.items.reduce((n, i) => n + (i['events'] as number), 0);
    assert.equal(total, events.filter((e) => e.errorCode === 'AccessDenied').length);
    assert.equal((await get('/v1/cloudtrail/aggregates', { by: 'colour' })).status, 400);
  });

  it('EC2 context: group and label addresses by ENI, instance, security group, Name tag', async () => {
    const enis = {
      NetworkInterfaces: [
        {
          NetworkInterfaceId: 'eni-0a1',
          VpcId: 'vpc-01',
          PrivateIpAddress: '10.0.1.10',
          PrivateIpAddresses: [
            { PrivateIpAddress: '10.0.1.10', Primary: true },
            { PrivateIpAddress: '10.0.1.11', Association: { PublicIp: '198.51.100.200' } },
          ],
          Attachment: { InstanceId: 'i-0web' },
          Groups: [{ GroupId: 'sg-0web', GroupName: 'web' }],
          TagSet: [{ Key: 'Name', Value: 'web-1' }],
          MacAddress: '02:00:00:00:00:01',
        },
        {
          NetworkInterfaceId: 'eni-0b2',
          PrivateIpAddress: '10.0.2.20',
          Ipv6Addresses: [{ Ipv6Address: '2600:1f18:10::5' }],
          Groups: [
            { GroupId: 'sg-0db', GroupName: 'db' },
            { GroupId: 'sg-0web', GroupName: 'web' },
          ],
          TagSet: [{ Key: 'Name', Value: 'db-1' }],
        },
      ],
    };
    const posted = await call('POST', '/v1/context/network-interfaces', enis);
    assert.equal(posted.status, 200);
    assert.deepEqual(posted.body, { interfaces: 2, addresses: 5 });
    const sgs = await call('POST', '/v1/context/security-groups', {
      SecurityGroups: [{ GroupId: 'sg-0db', GroupName: 'db', Tags: [{ Key: 'Name', Value: 'database' }] }],
    });
    assert.equal(sgs.status, 200);

    const label: Record<string, Record<string, string>> = {
      eni: {
        '10.0.1.10': 'eni-0a1',
        '10.0.1.11': 'eni-0a1',
        '10.0.2.20': 'eni-0b2',
        '2600:1f18:10::5': 'eni-0b2',
      },
      instance: { '10.0.1.10': 'i-0web', '10.0.1.11': 'i-0web' },
      security_group: {
        '10.0.1.10': 'web',
        '10.0.1.11': 'web',
        '10.0.2.20': 'database,web',
        '2600:1f18:10::5': 'database,web',
      },
      name_tag: {
        '10.0.1.10': 'web-1',
        '10.0.1.11': 'web-1',
        '10.0.2.20': 'db-1',
        '2600:1f18:10::5': 'db-1',
      },
    };
    for (const kind of Object.keys(label)) {
      const l = (a: string | null) => label[kind]![a!] ?? a!;
      const want = aggregate(real, (f) => `${l(f.srcaddr)}>${l(f.dstaddr)}`);
      const grouped = await get('/v1/flows/top-pairs', { limit: 1000, group_by: kind });
      assert.equal(grouped.status, 200, kind);
      assert.deepEqual(
        asMap(grouped.body.items, (i) => `${String(i['srcaddr'])}>${String(i['dstaddr'])}`),
        want,
        kind,
      );
      const raw = await get('/v1/flows/top-pairs', { limit: 1000, group_by: kind, source: 'raw' });
      assert.deepEqual(raw.body.items, grouped.body.items, `${kind}: rollup vs raw`);
    }
    const talkers = await get('/v1/flows/top-talkers', {
      limit: 1000,
      group_by: 'name_tag',
      well_known_only: true,
    });
    assert.ok(talkers.body.items.some((i) => i['srcaddr'] === 'web-1'));

    const labelled = await get('/v1/flows/top-talkers', { limit: 1000, label: 'name_tag' });
    for (const i of labelled.body.items) {
      assert.equal(i['src_label'], label['name_tag']![String(i['srcaddr'])] ?? null);
      assert.equal(i['dst_label'], label['name_tag']![String(i['dstaddr'])] ?? null);
    }
    const peers = await get('/v1/flows/neighbours', { addr: '52.1.2.3', label: 'eni', limit: 1000 });
    for (const i of peers.body.items) {
      assert.equal(i['peer_label'], label['eni']![String(i['peer'])] ?? null);
    }
    assert.ok(peers.body.items.some((i) => i['peer_label'] === 'eni-0a1'));
    const grouped = await get('/v1/flows/neighbours', { addr: '52.1.2.3', group_by: 'eni', limit: 1000 });
    const wantPeers = aggregate(
      real.filter((f) => f.srcaddr === '52.1.2.3' || f.dstaddr === '52.1.2.3'),
      (f) => {
        const peer = f.srcaddr === '52.1.2.3' ? f.dstaddr! : f.srcaddr!;
        const dir = f.srcaddr === '52.1.2.3' ? 'outbound' : 'inbound';
        return `${label['eni']![peer] ?? peer} ${dir} ${f.dstport} ${f.protocol}`;
      },
    );
    assert.deepEqual(
      asMap(grouped.body.items, (i) =>
        [i['peer'], i['direction'], i['dstport'], i['protocol']].map(String).join(' '),
      ),
      wantPeers,
    );

    // Reposting an ENI replaces its addresses.
    const moved = structuredClone(enis.NetworkInterfaces[0]!);
    moved.PrivateIpAddresses = [{ PrivateIpAddress: '10.0.1.10', Primary: true }];
    assert.deepEqual(
      (await call('POST', '/v1/context/network-interfaces', { NetworkInterfaces: [moved] })).body,
      {
        interfaces: 1,
        addresses: 1,
      },
    );
    const after = await get('/v1/flows/top-pairs', { limit: 1000, group_by: 'eni', src_cidr: '10.0.1.11' });
    assert.ok(after.body.items.length > 0 && after.body.items.every((i) => i['srcaddr'] === '10.0.1.11'));
  });

  it('rejects bad context documents and bad filters with a reason', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /NetworkInterfaces/],
      [{ NetworkInterfaces: [] }, /NetworkInterfaces/],
      [{ NetworkInterfaces: [{ NetworkInterfaceId: 'nic-1' }] }, /NetworkInterfaceId|pattern/],
      [
        { NetworkInterfaces: [{ NetworkInterfaceId: 'eni-1', PrivateIpAddress: '10.0.0.300' }] },
        /not an IP address/,
      ],
    ];
    for (const [body, reason] of cases) {
      const res = await call('POST', '/v1/context/network-interfaces', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body.message!, reason);
    }
    assert.equal(
      (await call('POST', '/v1/context/security-groups', { SecurityGroups: [{ GroupName: 'x' }] })).status,
      400,
    );
    const bad: Record<string, string | number>[] = [
      { src_cidr: '10.0.0.0/33' },
      { protocol: 300 },
      { by: 'flows' },
      { group_by: 'owner' },
    ];
    for (const q of bad) {
      const res = await get('/v1/flows/top-talkers', q);
      assert.equal(res.status, 400, JSON.stringify(q));
      assert.ok(res.body.message, JSON.stringify(q));
    }
    const reversed = await call('GET', `/v1/flows/top-pairs?from=${TO}&to=${FROM}`);
    assert.equal(reversed.status, 400);
  });
});
