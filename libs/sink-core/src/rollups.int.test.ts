import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { cloudTrailDataset, flowDataset, migratedSchema, stackEndpoints, writeAsSink } from '@lake/testing';
import type { Pool } from '@lake/pg';

const logger = pino({ level: 'warn' });

/** Rollup totals by hour and address pair, as sorted text lines (so that assert shows diffs). */
async function flowRollupLines(pool: Pool, table: string): Promise<string[]> {
  const { rows } = await pool.query<{ line: string }>(
    `SELECT concat_ws(' ', hh, src, dst, dstport, action, sum(flows), sum(bytes), sum(packets)) AS line
       FROM (SELECT to_char(bucket AT TIME ZONE 'UTC', 'HH24') AS hh, host(srcaddr) AS src, host(dstaddr) AS dst,
                    dstport, action, flows, bytes, packets FROM ${table}) t
      GROUP BY hh, src, dst, dstport, action ORDER BY 1`,
  );
  return rows.map((r) => r.line);
}

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
    const second = await writeAsSink(db.pool, { flows: flows.slice(1100), events: events.slice(550) });
    assert.equal(first.flows + second.flows, 1500);
    assert.equal(first.events + second.events, 600);
    const minute = await flowRollupLines(db.pool, 'flow_rollup_minute');
    const hour = await flowRollupLines(db.pool, 'flow_rollup_hour');

    // Replays of both batches (and one overlapping them) insert nothing and leave the rollups alone.
    const replay = await writeAsSink(db.pool, { flows: flows.slice(1000, 1500), events: events.slice(500) });
    const replay2 = await writeAsSink(db.pool, { flows: flows.slice(0, 1100), events: events.slice(0, 550) });
    assert.deepEqual([replay.flows, replay.events, replay2.flows, replay2.events], [0, 0, 0, 0]);
    assert.deepEqual(await flowRollupLines(db.pool, 'flow_rollup_minute'), minute);
    assert.deepEqual(await flowRollupLines(db.pool, 'flow_rollup_hour'), hour);

    // Computed independently, in JS, from the records themselves (NODATA rows are not flows).
    const expected = new Map<string, [number, number, number]>();
    for (const f of flows) {
      if (f.srcaddr === null || f.dstaddr === null) {
        continue;
      }
      const hh = new Date(f.event_time).toISOString().slice(11, 13);
      const k = [hh, f.srcaddr, f.dstaddr, f.dstport, f.action].join(' ');
      const v = expected.get(k) ?? [0, 0, 0];
      expected.set(k, [v[0] + 1, v[1] + (f.bytes ?? 0), v[2] + (f.packets ?? 0)]);
    }
    const want = [...expected].map(([k, v]) => `${k} ${v.join(' ')}`).sort();
    assert.deepEqual([...hour].sort(), want);
    assert.deepEqual([...minute].sort(), want);
    assert.ok(want.length > 20 && want.length < 1485, 'groups repeat, so the merge path is exercised');
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
});
