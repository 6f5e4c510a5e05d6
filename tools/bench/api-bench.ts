/**
 * API benchmark (npm run bench:api -- [--rows 10000000] [--days 7] [--schema bench_api]
 * [--connections 8] [--duration 10] [--reload] [--no-load] [--raw-days N]).
 *
 * Loads N days of flows (tools/bench/load-flows.ts) unless the schema already holds that many
 * rows, starts query-api as its own process on that schema, and drives top-talkers, top-pairs and
 * timeseries over one day and over seven days with autocannon (concurrent connections), each
 * next to the same query forced onto the raw partitions (`source=raw`) in the same run.
 * Prints p50/p95/p99 latency and requests/s and writes bench-results/api-bench.json.
 * `--raw-days N` keeps only the last N days of raw partitions when loading (the rollups hold all
 * days, as with RETENTION_DAYS < ROLLUP_RETENTION_DAYS): ranges longer than that get no raw
 * baseline. That is how 100 M rows fit on a machine whose disk the raw rows would not.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import pino from 'pino';
import {
  BLOCKED_ROLLUPS,
  FLOW_ROLLUPS,
  blockTableOf,
  compactRollupBlocks,
  createPool,
  migrate,
} from '@lake/pg';
import { ServiceProcess, createApiKey, stackEndpoints, stackServiceEnv } from '@lake/testing';
import { loadFlows, loadedRows } from './load-flows';

const ROOT = join(__dirname, '..', '..');
const DAY_MS = 86_400_000;

interface Scenario {
  endpoint: string;
  range: '1 day' | '7 days';
  source: 'auto' | 'raw';
  url: string;
}

interface Figures {
  endpoint: string;
  range: string;
  requested: string;
  answeredFrom: string;
  requests: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  requestsPerSec: number;
  targetP95Ms: number;
}

const pct = (sorted: number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const round = (n: number) => Math.round(n * 10) / 10;

/** One autocannon run; latencies are taken per response so that p95 is exact (autocannon reports p97.5). */
/** The API key every request sends (created for the run, with a rate limit the load cannot reach). */
let apiKey = '';

async function drive(url: string, connections: number, opts: { duration?: number; amount?: number }) {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        headers: { 'x-api-key': apiKey },
        timeout: 300,
        ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration ?? 10 }),
      },
      (err, res) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status === 200) {
        latencies.push(ms);
      } else {
        errors++;
      }
    });
  });
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors: errors + result.errors + result.timeouts,
    p50: pct(latencies, 50),
    p95: pct(latencies, 95),
    p99: pct(latencies, 99),
    rps: latencies.length / seconds,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '10000000' },
      days: { type: 'string', default: '7' },
      schema: { type: 'string', default: 'bench_api' },
      end: { type: 'string', default: '2024-06-08' },
      connections: { type: 'string', default: '8' },
      duration: { type: 'string', default: '10' },
      reload: { type: 'boolean', default: false },
      'no-load': { type: 'boolean', default: false },
      'raw-days': { type: 'string' },
    },
  });
  const rows = Number(values.rows);
  const days = Number(values.days);
  const end = new Date(`${values.end}T00:00:00Z`);
  const connections = Number(values.connections);
  const rawDays = values['raw-days'] ? Number(values['raw-days']) : days;
  const have = values.reload ? 0 : await loadedRows(values.schema);
  const load = have < rows && !values['no-load'];
  if (load) {
    console.log(`loading ${rows.toLocaleString('en-US')} rows over ${days} days into ${values.schema}…`);
    const t0 = performance.now();
    await loadFlows({ rows, days, schema: values.schema, end, ...(rawDays < days ? { rawDays } : {}) });
    console.log(`loaded in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  } else {
    console.log(
      `schema ${values.schema} already holds ${have.toLocaleString('en-US')} rows (--reload to reload)`,
    );
  }

  const stack = stackEndpoints(process.env);
  // A schema loaded by an older version gets the current rollups (migrations back-fill them).
  await migrate({
    connectionString: stack.databaseUrl,
    schema: values.schema,
    logger: pino({ level: 'warn' }),
  });
  // Likewise its multi-day blocks, as the sink's maintenance builds them (loadFlows just built them).
  if (!load) {
    const schemaPool = createPool({
      connectionString: stack.databaseUrl,
      schema: values.schema,
      max: 1,
      logger: pino({ level: 'warn' }),
      applicationName: 'bench:api',
    });
    await compactRollupBlocks(schemaPool, { now: end.getTime(), settleMs: 0 });
    await schemaPool.end();
  }
  const keyPool = new pg.Pool({ connectionString: stack.databaseUrl, max: 1 });
  // Partitioned parents are never auto-analyzed, and back-filled rollups have no statistics yet.
  for (const table of [...FLOW_ROLLUPS.map((def) => def.table), ...BLOCKED_ROLLUPS.map(blockTableOf)]) {
    await keyPool.query(`ANALYZE "${values.schema}".${table}`);
  }
  apiKey = await createApiKey(keyPool, values.schema, { name: 'bench:api', rateLimit: 1_000_000_000 });
  await keyPool.end();
  const api = new ServiceProcess({
    app: 'query-api',
    repoRoot: ROOT,
    env: {
      ...stackServiceEnv(stack),
      DATABASE_SCHEMA: values.schema,
      DATABASE_POOL_SIZE: String(connections),
      LOG_LEVEL: 'warn',
    },
    logDir: join(ROOT, 'bench-results', 'api-bench-logs'),
    baseEnv: process.env,
  });
  await api.start();
  try {
    const ranges = [
      { range: '1 day' as const, from: new Date(end.getTime() - DAY_MS), target: 50 },
      { range: '7 days' as const, from: new Date(end.getTime() - 7 * DAY_MS), target: 200 },
    ];
    const endpoints = [
      ['top-talkers', '/v1/flows/top-talkers?by=connections&limit=20'],
      ['top-pairs', '/v1/flows/top-pairs?limit=20'],
      ['timeseries', '/v1/flows/timeseries?bucket=hour'],
    ] as const;
    const figures: Figures[] = [];
    console.log(
      `\nAPI benchmark: ${have >= rows ? have.toLocaleString('en-US') : rows.toLocaleString('en-US')} flow rows over ${days} days, ${connections} connections`,
    );
    console.log(
      `  ${'endpoint'.padEnd(12)} ${'range'.padEnd(7)} ${'answered from'.padEnd(20)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'req/s'.padStart(8)} ${'requests'.padStart(8)}  target`,
    );
    for (const r of ranges) {
      for (const [name, path] of endpoints) {
        for (const source of ['auto', 'raw'] as const) {
          if (source === 'raw' && r.range === '7 days' && rawDays < 7) {
            console.log(
              `  ${name.padEnd(12)} ${r.range.padEnd(7)} raw: not measured (raw rows kept ${rawDays} days)`,
            );
            continue;
          }
          const s: Scenario = {
            endpoint: name,
            range: r.range,
            source,
            url: `${api.baseUrl}${path}&from=${r.from.toISOString()}&to=${end.toISOString()}&source=${source}`,
          };
          const probe = await fetch(s.url, { headers: { 'x-api-key': apiKey } });
          if (probe.status !== 200) {
            throw new Error(`${s.url}: HTTP ${probe.status} ${await probe.text()}`);
          }
          const answeredFrom = ((await probe.json()) as { source: string }).source;
          // Raw scans take seconds: a fixed number of requests rather than a duration.
          const run = await drive(
            s.url,
            connections,
            source === 'raw' ? { amount: connections * 2 } : { duration: Number(values.duration) },
          );
          const f: Figures = {
            endpoint: name,
            range: r.range,
            requested: `source=${source}`,
            answeredFrom,
            requests: run.requests,
            errors: run.errors,
            p50Ms: round(run.p50),
            p95Ms: round(run.p95),
            p99Ms: round(run.p99),
            requestsPerSec: round(run.rps),
            targetP95Ms: r.target,
          };
          figures.push(f);
          console.log(
            `  ${name.padEnd(12)} ${r.range.padEnd(7)} ${answeredFrom.padEnd(20)} ${String(f.p50Ms).padStart(8)} ${String(f.p95Ms).padStart(8)} ${String(f.p99Ms).padStart(8)} ${String(f.requestsPerSec).padStart(8)} ${String(f.requests).padStart(8)}  ${source === 'auto' ? `p95 < ${r.target} ms` : 'baseline (raw)'}${f.errors ? `  ${f.errors} errors` : ''}`,
          );
        }
      }
    }
    const out = {
      date: new Date().toISOString(),
      rows: Math.max(have, rows),
      days,
      connections,
      durationSeconds: Number(values.duration),
      figures,
    };
    mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench-results', 'api-bench.json'), `${JSON.stringify(out, null, 2)}\n`);
    console.log('\nwritten to bench-results/api-bench.json');
  } finally {
    await api.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
