import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import {
  DAY_COUNTS_TABLE,
  FLOW_ROLLUPS,
  PartitionManager,
  RollupSourcePicker,
  compactRollupBlocks,
  foldPendingRollups,
  pendingFlowRows,
  planRankedLists,
  recordRollupCoverage,
} from '@lake/pg';
import type { FlowRecord } from '@lake/schemas';
import {
  DATASET_START,
  createApiKey,
  flowDataset,
  migratedSchema,
  stackEndpoints,
  writeAsSink,
} from '@lake/testing';
import { buildApp } from './app';

const logger = pino({ level: 'warn' });
const DAY = 86_400_000;
/** Epoch day 19 844 (2024-05-01): a multiple of 4, so blocks of 8, 4 and 2 days start around it. */
const DAY0 = Math.floor(DATASET_START / DAY) * DAY;
const at = (day: number) => new Date(DAY0 + day * DAY).toISOString();
/** Nine days of flows, day -4 to day 4, each its own mix (seed). */
const FIRST = -4;
const LAST = 4;
const shift = (rows: readonly FlowRecord[], days: number) =>
  rows.map((f) => ({ ...f, event_time: f.event_time + days * DAY }));

/** The top-K requests of the day rollups, with the filters they answer (and not only the default). */
const CASES: [string, Record<string, string>][] = [
  ['/v1/flows/top-talkers', { by: 'connections' }],
  ['/v1/flows/top-talkers', { by: 'bytes' }],
  ['/v1/flows/top-talkers', { well_known_only: 'true' }],
  ['/v1/flows/top-talkers', { src_cidr: '10.0.0.0/8' }],
  ['/v1/flows/top-pairs', {}],
  ['/v1/flows/top-pairs', { cidr: '10.0.1.10' }],
];

describe('top-K over multi-day blocks of the day rollups', () => {
  let db: Awaited<ReturnType<typeof migratedSchema>>;
  let app: FastifyInstance;
  let apiKey: string;
  const pairs = FLOW_ROLLUPS.find((def) => def.table === 'flow_pairs_day')!;

  const get = async (path: string, query: Record<string, string>) => {
    const res = await app.inject({
      method: 'GET',
      url: `${path}?${new URLSearchParams(query).toString()}`,
      headers: { 'x-api-key': apiKey },
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<{ items: Record<string, unknown>[]; source: string }>();
  };
  /** Every case over [from, to): answered from `source`, equal to the raw answer. */
  const assertExact = async (from: number, to: number, source: RegExp) => {
    for (const [path, filters] of CASES) {
      for (const limit of ['1', '3', '10', '1000']) {
        const query = { from: at(from), to: at(to), ...filters, limit };
        const auto = await get(path, query);
        const raw = await get(path, { ...query, source: 'raw' });
        const what = `${path} ${JSON.stringify(query)}`;
        assert.match(auto.source, source, what);
        assert.ok(auto.items.length > 0, what);
        assert.deepEqual(auto.items, raw.items, `${what}: top-K vs raw`);
      }
    }
  };
  const plan = async (from: number, to: number) => {
    const countedFrom = await new RollupSourcePicker(db.pool).retainedFrom(DAY_COUNTS_TABLE);
    return (await planRankedLists(db.pool, pairs, new Date(at(from)), new Date(at(to)), countedFrom)).map(
      (l) => l.days,
    );
  };

  before(async () => {
    db = await migratedSchema('blocks', stackEndpoints(process.env).databaseUrl, logger);
    for (let day = FIRST; day <= LAST; day++) {
      await writeAsSink(db.pool, { flows: shift(flowDataset(300, 100 + day), day) });
    }
    apiKey = await createApiKey(db.pool, db.schema);
    app = await buildApp({ pool: db.pool, logger, metrics: new Registry() });
  });
  after(async () => {
    await app.close();
    await db.drop();
  });

  it('builds the blocks of settled days only, once', async () => {
    // Day 4 ends at DAY0 + 5 days; with 12 hours to settle, only days up to 3 are settled.
    const now = DAY0 + 5 * DAY + 6 * 3_600_000;
    const built = await compactRollupBlocks(db.pool, { now, settleMs: 12 * 3_600_000 });
    // Per ranked rollup: 8 days from day -4; 4 days from -4 and 0; 2 days from -4, -2, 0, 2.
    assert.equal(built, 2 * 7);
    assert.equal(await compactRollupBlocks(db.pool, { now, settleMs: 12 * 3_600_000 }), 0);
    const { rows } = await db.pool.query<{ rollup: string; days: number; n: number }>(
      'SELECT rollup, days, count(*)::int AS n FROM rollup_blocks GROUP BY 1, 2 ORDER BY 1, 2',
    );
    assert.deepEqual(
      rows.map((r) => `${r.rollup}/${r.days}:${r.n}`),
      ['flow_pairs_day/2:4', 'flow_pairs_day/4:2', 'flow_pairs_day/8:1']
        .flatMap((p) => [p, p.replace('pairs', 'talkers')])
        .sort(),
    );
  });

  it('answers from the fewest lists, exactly as the raw rows do', async () => {
    assert.deepEqual(await plan(FIRST, LAST + 1), [8, 1]);
    assert.deepEqual(await plan(-3, 4), [1, 2, 4]);
    assert.deepEqual(await plan(-2, 2), [2, 2]);
    await assertExact(FIRST, LAST + 1, /_block$/);
    await assertExact(-3, 4, /_block$/);
    await assertExact(-2, 2, /_block$/);
    // One day: the day list itself.
    await assertExact(1, 2, /_day$/);
    // The blocks were built from rollups and pending rows alike: folding changes no day count, so
    // they stay fresh, and answers stay exact.
    assert.ok((await pendingFlowRows(db.pool)) > 0);
    assert.deepEqual((await foldPendingRollups(db.pool, new PartitionManager(db.pool))).failed, []);
    assert.equal(await pendingFlowRows(db.pool), 0);
    assert.deepEqual(await plan(FIRST, LAST + 1), [8, 1]);
    await assertExact(FIRST, LAST + 1, /_block$/);
    await assertExact(1, 2, /_day$/);
  });

  it('a late record makes the blocks of its day stale: day lists until they are rebuilt', async () => {
    const late = shift(flowDataset(40, 999), 1).map((f) => ({ ...f, source_key: 'late/object.log.gz' }));
    await writeAsSink(db.pool, { flows: late });
    // Day 1 is in the 8-day block at -4, the 4-day block at 0 and the 2-day block at 0.
    assert.deepEqual(await plan(FIRST, LAST + 1), [4, 1, 1, 2, 1]);
    await assertExact(FIRST, LAST + 1, /_block$/);
    await assertExact(0, 2, /_day$/);
    const now = DAY0 + 5 * DAY + 6 * 3_600_000;
    assert.equal(await compactRollupBlocks(db.pool, { now, settleMs: 12 * 3_600_000 }), 2 * 3);
    assert.deepEqual(await plan(FIRST, LAST + 1), [8, 1]);
    await assertExact(FIRST, LAST + 1, /_block$/);
  });

  it('drops the blocks retention no longer covers', async () => {
    await recordRollupCoverage(db.pool, 'flow_pairs_day', new Date(at(-2)));
    await compactRollupBlocks(db.pool, { now: DAY0 + 6 * DAY, settleMs: 0 });
    const { rows } = await db.pool.query<{ days: number; bucket: Date }>(
      `SELECT days, bucket FROM rollup_blocks WHERE rollup = 'flow_pairs_day' ORDER BY bucket, days`,
    );
    assert.ok(rows.length > 0);
    assert.ok(rows.every((b) => b.bucket.getTime() >= DAY0 - 2 * DAY));
    const { rows: stale } = await db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM flow_pairs_block WHERE bucket < $1',
      [at(-2)],
    );
    assert.equal(stale[0]!.n, 0);
  });
});
