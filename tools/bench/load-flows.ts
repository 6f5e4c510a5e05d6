/**
 * Loads N days of realistic VPC flow records straight into Postgres, raw partitions and rollups,
 * with set-based SQL (generate_series), for the API benchmark:
 *
 *   npm run load:flows -- [--rows 10000000] [--days 7] [--schema bench_api] [--end 2024-06-08] [--raw-days N]
 *
 * The traffic is modelled per connection (20 records: request and response direction over ten
 * 1-minute aggregation intervals, one ephemeral port): 55 % east-west between 600 ENIs and 60
 * servers, 30 % ENIs to a skewed pool of 5 000 public endpoints (443/80/53/123), 10 % a skewed pool
 * of 20 000 public clients to the servers (443/80), 5 % scanner probes from anywhere to any port
 * (REJECT). ~3 % IPv6. A diurnal curve spreads the records over the days.
 * The rollups (FLOW_ROLLUPS, whatever they are) are then computed from the raw rows with the same
 * statements the sink uses, and their multi-day blocks with the sink's maintenance (rollup-blocks.ts).
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import {
  FLOW_ROLLUPS,
  PartitionManager,
  compactRollupBlocks,
  createPool,
  type RollupTable,
  dayOf,
  migrate,
  rollupUpsertSql,
  type Pool,
} from '@lake/pg';
import { stackEndpoints } from '@lake/testing';

const DAY_MS = 86_400_000;

/** One day of raw rows: `$1` first row number, `$2` row count, `$3` day start (timestamptz). */
const DAY_SQL = `
INSERT INTO vpc_flow_records (event_time, source_bucket, source_key, source_line, version, account_id,
  interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, "end", action,
  log_status, vpc_id, subnet_id, region, key_account_id, key_region, flow_log_id, protocol_name, dstport_service)
SELECT t, 'bench-flows', 'AWSLogs/' || acct || '/vpcflowlogs/us-east-1/bench/' || to_char(t, 'YYYYMMDD"T"HH24') || '.log.gz',
       g, 5, acct, 'eni-' || lpad(to_hex(eni), 17, '0'),
       CASE WHEN resp THEN server ELSE client END, CASE WHEN resp THEN client ELSE server END,
       CASE WHEN resp THEN svc ELSE eph END, CASE WHEN resp THEN eph ELSE svc END,
       proto, pk, pk * (60 + (h3 % 1400)), extract(epoch FROM t)::bigint, extract(epoch FROM t)::bigint + 60,
       CASE WHEN kind = 3 OR h3 % 50 = 0 THEN 'REJECT' ELSE 'ACCEPT' END, 'OK',
       'vpc-' || lpad(to_hex(eni % 6), 17, '0'), 'subnet-' || lpad(to_hex(eni % 24), 17, '0'), 'us-east-1',
       acct, 'us-east-1', 'fl-bench', CASE proto WHEN 6 THEN 'TCP' WHEN 17 THEN 'UDP' END, NULL
FROM (
  SELECT g, t, resp, kind, eni, h3, pk, acct, v6,
         CASE WHEN kind = 3 THEN (1 + h2 % 65535)::int ELSE svc0 END AS svc,
         CASE WHEN kind = 3 THEN 40000 + (h3 % 20000)::int ELSE 32768 + (h1 % 28232)::int END AS eph,
         CASE WHEN svc0 IN (53, 123) AND kind <> 3 THEN 17 ELSE 6 END::smallint AS proto,
         CASE
           WHEN kind IN (0, 1) THEN enip
           WHEN kind = 2 THEN pub(floor(20000 * power(u1, 3))::int, v6)
           ELSE pub(200000 + (h1 % 1000000)::int, false)
         END AS client,
         CASE
           WHEN kind = 0 THEN srv
           WHEN kind = 1 THEN pub(floor(5000 * power(u2, 4))::int + 5000000, v6)
           ELSE srv
         END AS server
  FROM (
    SELECT g, c, t, resp, h1, h2, h3, u1, u2, v6,
           CASE WHEN h1 % 100 < 55 THEN 0 WHEN h1 % 100 < 85 THEN 1 WHEN h1 % 100 < 95 THEN 2 ELSE 3 END AS kind,
           (h2 % 600)::int AS eni,
           CASE WHEN v6 THEN ('2600:1f18:' || to_hex(h2 % 600) || '::10')::inet
                ELSE ('10.' || (20 + h2 % 6) || '.' || ((h2 / 6) % 100) || '.' || (10 + (h2 % 600) / 6))::inet END AS enip,
           CASE WHEN v6 THEN ('2600:1f18:' || to_hex(h3 % 60) || '::20')::inet
                ELSE ('10.' || (20 + h3 % 6) || '.200.' || (10 + h3 % 60))::inet END AS srv,
           (ARRAY[443, 443, 443, 443, 443, 80, 80, 53, 123, 5432, 3306, 6379, 8080, 22, 3389])[1 + (h3 % 15)::int] AS svc0,
           1 + floor(2000 * power(u1, 4))::int AS pk,
           (ARRAY['111122223333', '444455556666', '777788889999'])[1 + (h2 % 600)::int % 3] AS acct
    FROM (
      SELECT g, c, resp, u1, u2, h1, h2, h3, (h1 % 100) < 3 AS v6,
             -- diurnal curve: the position in the day grows faster around midday
             least($3::timestamptz + interval '86399 seconds',
                   $3::timestamptz + make_interval(secs => 85800 * (x - sin(2 * pi() * x) / (2 * pi()) * 0.6))
                     + make_interval(mins => ((g / 2) % 10)::int)) AS t
      FROM (
        SELECT g, g / 20 AS c, g % 2 = 1 AS resp, (g - $1)::float8 / $2 AS x,
               abs(hashint8extended(g / 20, 1)) AS h1, abs(hashint8extended(g / 20, 2)) AS h2,
               abs(hashint8extended(g / 20, 3)) AS h3,
               (abs(hashint8extended(g / 20, 4)) % 1000000) / 1e6 AS u1,
               (abs(hashint8extended(g / 20, 5)) % 1000000) / 1e6 AS u2
        FROM generate_series($1::bigint, $1::bigint + $2 - 1) AS g
      ) a
    ) b
  ) c
) d`;

/** A public address from an index: IPv4 spread over a few /8s, or an IPv6 address. */
const PUB_FN = `
CREATE OR REPLACE FUNCTION pub(i int, v6 boolean) RETURNS inet LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN v6 THEN ('2600:9000:' || to_hex(i % 65536) || '::' || to_hex(i / 65536 + 1))::inet
    ELSE ((ARRAY[52, 54, 3, 18, 34, 35, 104, 151, 185, 203])[1 + i % 10] || '.' || ((i / 10) % 256) || '.' ||
          ((i / 2560) % 256) || '.' || (1 + (i / 655360) % 254))::inet END
$$`;

export interface LoadOptions {
  rows: number;
  days: number;
  schema: string;
  /** Exclusive end of the loaded range, a UTC midnight. */
  end: Date;
  /**
   * Raw partitions kept: the last `rawDays` days (default all). Older days are dropped once their
   * rollups are computed, as raw retention shorter than rollup retention does (RETENTION_DAYS vs
   * ROLLUP_RETENTION_DAYS): rollups of 100 M rows then fit on a machine whose disk the raw rows
   * would not.
   */
  rawDays?: number;
}

export async function loadFlows(o: LoadOptions, log: (msg: string) => void = console.log): Promise<void> {
  const stack = stackEndpoints(process.env);
  const logger = pino({ level: 'warn' });
  await migrate({ connectionString: stack.databaseUrl, schema: o.schema, logger });
  const pool: Pool = createPool({
    connectionString: stack.databaseUrl,
    schema: o.schema,
    max: 2,
    logger,
    applicationName: 'load-flows',
  });
  try {
    await pool.query(PUB_FN);
    const partitions = new PartitionManager(pool);
    const perDay = Math.floor(o.rows / o.days);
    for (let d = 0; d < o.days; d++) {
      const start = o.end.getTime() - (o.days - d) * DAY_MS;
      const day = dayOf(start);
      for (const def of FLOW_ROLLUPS) {
        await partitions.ensure(def.table as RollupTable, [day]);
      }
      const t0 = performance.now();
      const count = d === o.days - 1 ? o.rows - perDay * d : perDay;
      // The day is loaded into a table without indexes, then attached as the day's partition: the
      // indexes are then built in one pass, far faster than row by row.
      const part = `vpc_flow_records_p${day.replace(/-/g, '')}`;
      await pool.query(`DROP TABLE IF EXISTS "${part}"`);
      await pool.query(`CREATE TABLE "${part}" (LIKE vpc_flow_records INCLUDING DEFAULTS)`);
      // Chunks of 1 M rows keep each statement's memory bounded.
      for (let done = 0; done < count; done += 1_000_000) {
        await pool.query(DAY_SQL.replace('INSERT INTO vpc_flow_records', `INSERT INTO "${part}"`), [
          d * perDay + done,
          Math.min(1_000_000, count - done),
          new Date(start),
        ]);
      }
      await pool.query(
        `ALTER TABLE vpc_flow_records ATTACH PARTITION "${part}" FOR VALUES FROM ('${day} 00:00:00+00') TO ('${dayOf(start + DAY_MS)} 00:00:00+00')`,
      );
      const t1 = performance.now();
      for (const def of FLOW_ROLLUPS) {
        const from = `(SELECT * FROM vpc_flow_records WHERE event_time >= '${new Date(start).toISOString()}' AND event_time < '${new Date(start + DAY_MS).toISOString()}') AS raw`;
        await pool.query(rollupUpsertSql(def, from));
      }
      const dropRaw = d < o.days - (o.rawDays ?? o.days);
      if (dropRaw) {
        await pool.query(`DROP TABLE "${part}"`);
      }
      log(
        `  ${day}: ${count.toLocaleString('en-US')} rows in ${((t1 - t0) / 1000).toFixed(1)} s, rollups in ${((performance.now() - t1) / 1000).toFixed(1)} s${dropRaw ? ', raw rows dropped' : ''}`,
      );
    }
    const t2 = performance.now();
    const blocks = await compactRollupBlocks(pool, { now: o.end.getTime(), settleMs: 0 });
    log(
      `  ${blocks} multi-day blocks of the ranked day rollups in ${((performance.now() - t2) / 1000).toFixed(1)} s`,
    );
    const counts: string[] = [];
    for (const table of ['vpc_flow_records', ...FLOW_ROLLUPS.map((def) => def.table)]) {
      await pool.query(`ANALYZE ${table}`);
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      counts.push(`${table} ${rows[0]!.n.toLocaleString('en-US')}`);
    }
    log(`  rows: ${counts.join(', ')}`);
  } finally {
    await pool.end();
  }
}

/**
 * Rows already loaded in `schema` (0 when the schema or table is absent), counted in the hourly
 * totals (every loaded row is a flow, and they outlive raw partitions dropped by `rawDays`).
 */
export async function loadedRows(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: stackEndpoints(process.env).databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string | null }>(
      `SELECT CASE WHEN to_regclass($1) IS NULL THEN NULL ELSE 1 END AS n`,
      [`"${schema}".flow_totals_hour`],
    );
    if (rows[0]?.n === null) {
      return 0;
    }
    const res = await client.query<{ n: string }>(
      `SELECT coalesce(sum(flows), 0) AS n FROM "${schema}".flow_totals_hour`,
    );
    return Number(res.rows[0]!.n);
  } finally {
    await client.end();
  }
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '10000000' },
      days: { type: 'string', default: '7' },
      schema: { type: 'string', default: 'bench_api' },
      end: { type: 'string', default: '2024-06-08' },
      'raw-days': { type: 'string' },
    },
  });
  const o = {
    rows: Number(values.rows),
    days: Number(values.days),
    schema: values.schema,
    end: new Date(`${values.end}T00:00:00Z`),
    ...(values['raw-days'] ? { rawDays: Number(values['raw-days']) } : {}),
  };
  console.log(
    `loading ${o.rows.toLocaleString('en-US')} flow records over ${o.days} days into schema ${o.schema}…`,
  );
  loadFlows(o).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
