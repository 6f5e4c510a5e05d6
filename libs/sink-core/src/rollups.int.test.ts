import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { cloudTrailDataset, flowDataset, migratedSchema, stackEndpoints, writeAsSink } from '@lake/testing';
import { FLOW_ROLLUPS, PartitionManager, foldPendingRollups, rollupRelation, type Pool } from '@lake/pg';
import type { FlowRecord } from '@lake/schemas';
import { Registry } from 'prom-client';
import { RollupFolder, maintainPartitions } from './rollup-maintenance';

const logger = pino({ level: 'warn' });

const iso = (f: FlowRecord) => new Date(f.event_time).toISOString();

/** Each flow rollup's groups as text (SQL over the rollup, and the same key computed in JS). */
const FLOW_CHECKS: readonly {
  table: string;
  sql: string;
  key: (f: FlowRecord) => (string | number | null)[];
}[] = [
  {
    table: 'flow_rollup_hour',
    sql: `to_char(bucket AT TIME ZONE 'UTC', 'HH24'), host(srcaddr), host(dstaddr), dstport, action`,
    key: (f) => [iso(f).slice(11, 13), f.srcaddr, f.dstaddr, f.dstport, f.action],
  },
  {
    table: 'flow_talkers_day',
    sql: `to_char(bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD'), host(srcaddr), host(dstaddr), dstport`,
    key: (f) => [iso(f).slice(0, 10), f.srcaddr, f.dstaddr, f.dstport],
  },
  {
    table: 'flow_pairs_day',
    sql: `to_char(bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD'), host(srcaddr), host(dstaddr)`,
    key: (f) => [iso(f).slice(0, 10), f.srcaddr, f.dstaddr],
  },
  {
    table: 'flow_totals_minute',
    sql: `to_char(bucket AT TIME ZONE 'UTC', 'HH24:MI'), action, protocol, account_id, ip_version`,
    key: (f) => [iso(f).slice(11, 16), f.action, f.protocol, f.account_id, f.srcaddr!.includes(':') ? 6 : 4],
  },
  {
    table: 'flow_totals_hour',
    sql: `to_char(bucket AT TIME ZONE 'UTC', 'HH24'), action, protocol, account_id, ip_version`,
    key: (f) => [iso(f).slice(11, 13), f.action, f.protocol, f.account_id, f.srcaddr!.includes(':') ? 6 : 4],
  },
];

/**
 * A rollup's groups with their measures, as sorted text lines (so that assert shows diffs): as
 * readers see it (rollup and pending rows), or the rollup table alone.
 */
async function flowRollupLines(
  pool: Pool,
  check: (typeof FLOW_CHECKS)[number],
  read: 'as readers' | 'table alone' = 'as readers',
): Promise<string[]> {
  const def = FLOW_ROLLUPS.find((d) => d.table === check.table)!;
  const { rows } = await pool.query<{ line: string }>(
    `SELECT concat_ws(' ', ${check.sql}, sum(flows), sum(bytes), sum(packets)) AS line
       FROM ${read === 'as readers' ? rollupRelation(def) : def.table} r GROUP BY ${check.sql} ORDER BY 1`,
  );
  return rows.map((r) => r.line);
}

const pendingRows = async (pool: Pool) =>
  (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM flow_rollup_pending')).rows[0]!.n;

describe('rollups written with the raw rows', () => {
  let db: Awaited<ReturnType<typeof migratedSchema>>;
  const flows = flowDataset(1500);
  const events = cloudTrailDataset(600);

  before(async () => {
    db = await migratedSchema('rollups', stackEndpoints(process.env).databaseUrl, logger);
  });
  after(async () => {
    await db.drop();
  });

  it('adds exactly the inserted rows, through both insert paths, and ignores replays', async () => {
    // 1 100 rows go through COPY + staging table, 400 through the unnest INSERT (threshold 500).
    const first = await writeAsSink(db.pool, { flows: flows.slice(0, 1100), events: events.slice(0, 550) });
    assert.equal(await pendingRows(db.pool), 1100, 'the COPY path records every inserted row');
    const second = await writeAsSink(db.pool, { flows: flows.slice(1100), events: events.slice(550) });
    assert.equal(first.flows + second.flows, 1500);
    assert.equal(first.events + second.events, 600);
    assert.equal(await pendingRows(db.pool), 1500, 'and so does the unnest INSERT');
    const before = await Promise.all(FLOW_CHECKS.map((c) => flowRollupLines(db.pool, c)));

    // Replays of both batches (and one overlapping them) insert nothing and leave the rollups alone.
    const replay = await writeAsSink(db.pool, { flows: flows.slice(1000, 1500), events: events.slice(500) });
    const replay2 = await writeAsSink(db.pool, { flows: flows.slice(0, 1100), events: events.slice(0, 550) });
    assert.deepEqual([replay.flows, replay.events, replay2.flows, replay2.events], [0, 0, 0, 0]);
    assert.equal(await pendingRows(db.pool), 1500);
    assert.deepEqual(await Promise.all(FLOW_CHECKS.map((c) => flowRollupLines(db.pool, c))), before);

    // Folding moves every pending row into the rollup tables: readers see the same groups.
    assert.deepEqual(await foldPendingRollups(db.pool, new PartitionManager(db.pool)), {
      folded: 1500,
      failed: [],
    });
    assert.equal(await pendingRows(db.pool), 0);
    assert.deepEqual(
      await Promise.all(FLOW_CHECKS.map((c) => flowRollupLines(db.pool, c, 'table alone'))),
      before,
    );
    assert.deepEqual(await Promise.all(FLOW_CHECKS.map((c) => flowRollupLines(db.pool, c))), before);
    // A replay after the fold (a partial one: the COPY falls back to ON CONFLICT) adds nothing either.
    const late = await writeAsSink(db.pool, { flows: flows.slice(600, 1500) });
    assert.equal(late.flows, 0);
    assert.deepEqual(await Promise.all(FLOW_CHECKS.map((c) => flowRollupLines(db.pool, c))), before);

    // Computed independently, in JS, from the records themselves (NODATA rows are not flows).
    const real = flows.filter((f) => f.srcaddr !== null && f.dstaddr !== null);
    for (const [i, check] of FLOW_CHECKS.entries()) {
      const expected = new Map<string, [number, number, number]>();
      for (const f of real) {
        const k = check
          .key(f)
          .filter((v) => v !== null)
          .join(' ');
        const v = expected.get(k) ?? [0, 0, 0];
        expected.set(k, [v[0] + 1, v[1] + (f.bytes ?? 0), v[2] + (f.packets ?? 0)]);
      }
      const want = [...expected].map(([k, v]) => `${k} ${v.join(' ')}`).sort();
      assert.deepEqual([...before[i]!].sort(), want, check.table);
      assert.ok(want.length < real.length, `${check.table}: groups repeat, so the merge path is exercised`);
    }
  });

  it('counts CloudTrail events and errors per bucket', async () => {
    const { rows } = await db.pool.query<{ events: number; errors: number; raw: number; raw_errors: number }>(
      `SELECT (SELECT sum(events) FROM cloudtrail_rollup_hour)::int AS events,
              (SELECT sum(errors) FROM cloudtrail_rollup_minute)::int AS errors,
              (SELECT count(*) FROM cloudtrail_events)::int AS raw,
              (SELECT count(*) FROM cloudtrail_events WHERE is_error)::int AS raw_errors`,
    );
    const errors = events.filter((e) => e.errorCode !== null).length;
    assert.deepEqual(rows[0], { events: 600, errors, raw: 600, raw_errors: errors });
    const byPrincipal = await db.pool.query<{ principal: string | null; events: number }>(
      `SELECT principal, sum(events)::int AS events FROM cloudtrail_rollup_hour GROUP BY 1`,
    );
    for (const row of byPrincipal.rows) {
      assert.equal(row.events, events.filter((e) => e.lake.principal === row.principal).length);
    }
  });

  it('expires raw and rollup partitions on their own retention, and records rollup coverage', async () => {
    const partitions = async (table: string) =>
      (
        await db.pool.query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace
           WHERE p.relname = $1 AND n.nspname = current_schema() ORDER BY 1`,
          [table],
        )
      ).rows.map((r) => r.name);
    const now = Date.parse('2024-05-04T12:00:00Z');
    const settings = {
      premakeDays: 0,
      rawDays: 0,
      rollupDays: { minute: 2, hour: 0, day: 0 },
    };
    await maintainPartitions(db.pool, new PartitionManager(db.pool), settings, logger, now);
    // The data's day (2024-05-01) is older than 2 days: gone from the minute rollups only.
    assert.ok((await partitions('vpc_flow_records')).includes('vpc_flow_records_p20240501'));
    assert.ok((await partitions('flow_rollup_hour')).includes('flow_rollup_hour_p20240501'));
    assert.ok(!(await partitions('flow_totals_minute')).includes('flow_totals_minute_p20240501'));
    assert.ok((await partitions('flow_talkers_day')).includes('flow_talkers_day_p20240501'));
    assert.ok(!(await partitions('cloudtrail_rollup_minute')).includes('cloudtrail_rollup_minute_p20240501'));
    assert.ok(
      (await partitions('flow_totals_minute')).includes('flow_totals_minute_p20240504'),
      'premade today',
    );
    const { rows } = await db.pool.query<{ rollup: string; retained_from: Date }>(
      'SELECT rollup, retained_from FROM rollup_coverage ORDER BY rollup',
    );
    assert.deepEqual(
      rows.map((r) => [r.rollup, r.retained_from.toISOString()]),
      [
        ['cloudtrail_rollup_minute', '2024-05-02T00:00:00.000Z'],
        ['flow_totals_minute', '2024-05-02T00:00:00.000Z'],
      ],
    );
    // Raw retention is separate: 1 day drops the raw partition, the hour rollup keeps its rows.
    await maintainPartitions(
      db.pool,
      new PartitionManager(db.pool),
      { ...settings, rawDays: 1 },
      logger,
      now,
    );
    assert.ok(!(await partitions('vpc_flow_records')).includes('vpc_flow_records_p20240501'));
    const hour = await db.pool.query<{ n: number }>('SELECT sum(flows)::int AS n FROM flow_rollup_hour');
    assert.equal(hour.rows[0]!.n, flows.filter((f) => f.srcaddr !== null).length);
  });
});

describe('rollups written by concurrent batches', () => {
  let db: Awaited<ReturnType<typeof migratedSchema>>;
  const flows = flowDataset(1500);

  before(async () => {
    db = await migratedSchema('rollups_concurrent', stackEndpoints(process.env).databaseUrl, logger);
  });
  after(async () => {
    await db.drop();
  });

  it('lets batches commit side by side (no deadlock) while the rollups are folded, adding up', async () => {
    // Copies of the same flows from other objects: new raw rows, largely the same rollup rows,
    // in different orders and mixes per batch.
    const from = (key: string, rows: readonly FlowRecord[]) => rows.map((f) => ({ ...f, source_key: key }));
    await writeAsSink(db.pool, { flows: flows.slice(0, 10) }); // partitions, before the race
    // Folding all the while: each fold deletes what it adds while other batches append.
    const folder = new RollupFolder(db.pool, new PartitionManager(db.pool), 5, logger, new Registry());
    folder.start();
    const rounds = 3;
    for (let i = 0; i < rounds; i++) {
      const written = await Promise.all([
        writeAsSink(db.pool, { flows: from(`a${i}.log.gz`, flows.slice(0, 1000)) }),
        writeAsSink(db.pool, { flows: from(`b${i}.log.gz`, flows.slice(300).reverse()) }),
        writeAsSink(db.pool, { flows: from(`c${i}.log.gz`, flows.slice(600, 1500)) }),
      ]);
      assert.deepEqual(
        written.map((w) => w.flows),
        [1000, 1200, 900],
      );
    }
    const real = (rows: readonly FlowRecord[]) =>
      rows.filter((f) => f.srcaddr !== null && f.dstaddr !== null);
    const want =
      real(flows.slice(0, 10)).length +
      rounds *
        (real(flows.slice(0, 1000)).length + real(flows.slice(300)).length + real(flows.slice(600)).length);
    const flowsIn = async (relation: string) =>
      (await db.pool.query<{ n: number }>(`SELECT sum(flows)::int AS n FROM ${relation} r`)).rows[0]!.n;
    // Exact whatever the folder is doing meanwhile; after its last fold (on stop) the tables alone.
    for (const def of FLOW_ROLLUPS) {
      assert.equal(await flowsIn(rollupRelation(def)), want, def.table);
    }
    await folder.stop();
    assert.equal(await pendingRows(db.pool), 0);
    for (const def of FLOW_ROLLUPS) {
      assert.equal(await flowsIn(def.table), want, `${def.table}, folded`);
    }
  });
});

describe('folding pending flow rows', () => {
  let db: Awaited<ReturnType<typeof migratedSchema>>;
  const flows = flowDataset(200);

  before(async () => {
    db = await migratedSchema('fold', stackEndpoints(process.env).databaseUrl, logger);
  });
  after(async () => {
    await db.drop();
  });

  it('recreates rollup partitions dropped while rows were pending (after one failed try)', async () => {
    const real = flows.filter((f) => f.srcaddr !== null && f.dstaddr !== null);
    await writeAsSink(db.pool, { flows });
    const days = new Set(flows.map((f) => new Date(f.event_time).toISOString().slice(0, 10)));
    // This sink's partition cache believes in the partitions; another process drops them.
    const partitions = new PartitionManager(db.pool);
    for (const def of FLOW_ROLLUPS) {
      await partitions.ensure(def.table as 'flow_totals_hour', days);
      for (const day of days) {
        await db.pool.query(`DROP TABLE ${def.table}_p${day.replace(/-/g, '')}`);
      }
    }
    const first = await foldPendingRollups(db.pool, partitions);
    assert.equal(first.folded, 0);
    assert.deepEqual(
      first.failed.map((f) => f.day),
      [...days].sort(),
    );
    // Every inserted row is pending (NODATA rows too: the fold's rollups leave them out).
    assert.equal(await pendingRows(db.pool), flows.length, 'nothing lost: the rows stay pending');
    const second = await foldPendingRollups(db.pool, partitions);
    assert.deepEqual(second, { folded: flows.length, failed: [] });
    const { rows } = await db.pool.query<{ n: number }>('SELECT sum(flows)::int AS n FROM flow_totals_hour');
    assert.equal(rows[0]!.n, real.length);
  });
});
