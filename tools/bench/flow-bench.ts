/**
 * Flow-log benchmark (npm run bench:flow -- [--records N] [--version V] [--no-services]).
 * Every figure is printed next to a baseline measured in the same run on the same data:
 *   1. decode + enrich + Avro-encode, records/s and per CPU-second, vs `gunzip -c | wc -l` lines/s;
 *   2. flow-parser service, S3 → Kafka records/s, and its peak RSS (VmHWM) on the file;
 *   3. sink service, Kafka → Postgres rows/s, vs `psql \copy` of the same rows into a table of the
 *      same shape (same primary key).
 * Results also go to bench-results/flow-bench.json. Needs the local stack for 2 and 3.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { KafkaProducer, createKafka, ensureTopics } from '@lake/kafka';
import { createLogger } from '@lake/observability';
import { classifyKey } from '@lake/object-keys';
import { decodeObject } from '@lake/parser-core';
import { S3Store } from '@lake/s3';
import { EncodeArena, codecs, type ObjectContext } from '@lake/schemas';
import { ServiceProcess, stackEndpoints, stackServiceEnv, uniqueNames, waitFor } from '@lake/testing';
import { createVpcFlowDecoder, encodeFlow } from '@lake/vpc-flow';
import { writeFlowLog } from '../generate/generate-flow-log';

const ROOT = join(__dirname, '..', '..');
const KEY =
  'AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20240501T1205Z_b3e4c5d6.log.gz';

/** The flow-parser's node flags in production (NODE_OPTIONS in deploy/k8s/flow-parser.yaml). */
const FLOW_PARSER_NODE_ARGS = ['--max-semi-space-size=8', '--max-old-space-size=128'];

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const fmt = (n: number) => n.toLocaleString('en-US');

async function decodeStage(file: string): Promise<{ records: number; ms: number; cpuMs: number }> {
  const context: ObjectContext = { bucket: 'bench', key: KEY, keyInfo: classifyKey(KEY) };
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  let records = 0;
  let bytes = 0;
  // As the parser does: one arena per object, its memory written again once a batch is done with.
  const arena = new EncodeArena();
  for await (const batch of decodeObject(
    createReadStream(file, { highWaterMark: 1 << 16 }),
    { ...context, arena },
    createVpcFlowDecoder({ avro: true }),
  )) {
    for (const o of batch) {
      if (o.ok && o.value.family === 'vpc') {
        bytes += encodeFlow(o.value, arena).length;
        records++;
      }
    }
    arena.reset();
  }
  const used = process.cpuUsage(cpu);
  if (bytes === 0) {
    throw new Error('nothing decoded');
  }
  return { records, ms: performance.now() - t0, cpuMs: (used.user + used.system) / 1000 };
}

async function servicesStage(file: string, records: number, profile: boolean, noSink: boolean) {
  const stack = stackEndpoints(process.env);
  const names = uniqueNames('bench');
  const metrics = new Registry();
  const logger = createLogger({ service: 'bench', level: 'warn' });
  const s3 = new S3Store({
    region: stack.region,
    endpoint: stack.s3Endpoint,
    metrics,
    credentials: stack.credentials,
  });
  await s3.ensureBucket(names.bucket);
  await s3.putObject(names.bucket, KEY, readFileSync(file));
  const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: 'bench', logger });
  const topics = { ...names.topics, tgw: `${names.id}.tgw` };
  await ensureTopics(
    kafka,
    Object.values(topics).map((name) => ({ name, partitions: 3 })),
  );
  const env = {
    ...stackServiceEnv(stack),
    DATABASE_SCHEMA: names.schema,
    TOPIC_OBJECT_EVENTS: topics.objectEvents,
    TOPIC_FLOW_RECORDS: topics.flowRecords,
    TOPIC_TGW_FLOW_RECORDS: topics.tgw,
    TOPIC_CLOUDTRAIL_EVENTS: topics.cloudTrailEvents,
    TOPIC_DEAD_LETTERS: topics.deadLetters,
    LOG_LEVEL: 'warn',
  };
  const logDir = join(ROOT, 'bench-results', names.id);
  // --profile: CPU profiles of the services in bench-results/<run>/ (open in Chrome DevTools).
  // BENCH_NODE_ARGS: extra node flags for both services (to try V8 settings before deploying them).
  const nodeArgs = [
    ...(process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
    ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${logDir}`] : []),
  ];
  const parser = new ServiceProcess({
    app: 'flow-parser',
    built: true,
    nodeArgs: [...FLOW_PARSER_NODE_ARGS, ...nodeArgs],
    repoRoot: ROOT,
    env: { ...env, KAFKA_GROUP_ID: names.group('fp'), BATCH_SIZE: process.env['BENCH_BATCH_SIZE'] ?? '1000' },
    logDir,
    baseEnv: process.env,
  });
  await parser.start();
  const producer = new KafkaProducer(kafka, { metrics });
  await producer.connect();
  const t0 = performance.now();
  await producer.send(topics.objectEvents, [
    {
      key: `${names.bucket}/${KEY}`,
      value: codecs.objectEvent.encode({
        bucket: names.bucket,
        key: KEY,
        size: statSync(file).size,
        etag: null,
        versionId: null,
        sequencer: null,
        eventName: 'ObjectCreated:Put',
        eventTime: Date.now(),
        kind: 'VPCFLOWLOGS',
        accountId: '111122223333',
        region: 'us-east-1',
        source: 'bench',
        discoveredAt: Date.now(),
      }),
    },
  ]);
  // Where the parser's memory goes at its peak (prom-client's process gauges, sampled while it runs).
  const memory = parser.memoryAtPeak;
  await parser.sampleMemory();
  const parserIdleRss = parser.peakRssMb();
  await waitFor(
    'the parser to publish every record',
    async () => {
      await parser.sampleMemory();
      return (await parser.counter('lake_parser_records_total')) >= records ? true : undefined;
    },
    {
      timeoutMs: 3_600_000,
      intervalMs: 200,
    },
  );
  const parserMs = performance.now() - t0;
  const parserRss = parser.peakRssMb();
  await parser.stop();
  await producer.close();
  if (noSink) {
    s3.close();
    return { parserMs, parserRss, parserIdleRss, memory };
  }

  const sink = new ServiceProcess({
    app: 'sink',
    built: true,
    nodeArgs,
    repoRoot: ROOT,
    env: { ...env, KAFKA_GROUP_ID: names.group('sink') },
    logDir,
    baseEnv: process.env,
  });
  const t1 = performance.now();
  await sink.start();
  await waitFor(
    'the sink to write every row',
    async () => ((await sink.counter('lake_sink_rows_inserted_total')) >= records ? true : undefined),
    {
      timeoutMs: 3_600_000,
      intervalMs: 200,
    },
  );
  const sinkMs = performance.now() - t1;
  // The rollups catch up in the background (the sink folds flow_rollup_pending every few seconds):
  // the time until nothing is pending is the rate at which the rollups hold every row.
  const psql = (sql: string) =>
    execFileSync('psql', [stack.databaseUrl, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' });
  await waitFor(
    'the sink to fold every pending row into the rollups',
    async () =>
      psql(`SELECT count(*) FROM "${names.schema}".flow_rollup_pending`).trim() === '0' ? true : undefined,
    { timeoutMs: 3_600_000, intervalMs: 200 },
  );
  const foldedMs = performance.now() - t1;
  const sinkRss = sink.peakRssMb();
  await sink.stop();

  // Baseline: psql \copy of the same rows into a table of the same shape and primary key.
  const csv = join(tmpdir(), `${names.id}.csv`);
  psql(`\\copy (SELECT * FROM "${names.schema}".vpc_flow_records) TO '${csv}' CSV`);
  psql(
    `CREATE TABLE "${names.schema}".copy_baseline (LIKE "${names.schema}".vpc_flow_records INCLUDING ALL)`,
  );
  const t2 = performance.now();
  psql(`\\copy "${names.schema}".copy_baseline FROM '${csv}' CSV`);
  const copyMs = performance.now() - t2;
  psql(`DROP SCHEMA "${names.schema}" CASCADE`);
  spawnSync('rm', ['-f', csv]);
  s3.close();
  return { parserMs, parserRss, parserIdleRss, memory, sinkMs, foldedMs, sinkRss, copyMs };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '1000000' },
      version: { type: 'string', default: '5' },
      seed: { type: 'string', default: '42' },
      // Mean records per connection (the generator's `repeat`): 1 makes every record a connection
      // of its own, the worst case for the rollups; more repeats keys as long-lived flows do.
      repeat: { type: 'string', default: '1' },
      'no-services': { type: 'boolean', default: false },
      'no-sink': { type: 'boolean', default: false },
      'no-decode': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
    },
  });
  const records = Number(values.records);
  // The services run as deployed: the esbuild bundles, not TypeScript through tsx.
  for (const app of ['flow-parser', 'sink']) {
    execFileSync(process.execPath, [join(ROOT, 'tools', 'scripts', 'build-app.mjs'), app], {
      stdio: 'inherit',
    });
  }
  const repeat = Number(values.repeat);
  const file = join(
    tmpdir(),
    `flow-bench-${records}-v${values.version}-s${values.seed}${repeat === 1 ? '' : `-r${repeat}`}.log.gz`,
  );
  if (existsSync(file)) {
    // Deterministic for a seed: a file of the same name is the same file.
    console.log(`reusing ${file}`);
  } else {
    console.log(
      `generating ${fmt(records)} v${values.version} records (seed ${values.seed}, ${repeat} per connection)…`,
    );
    await writeFlowLog({
      out: `${file}.tmp`,
      records,
      version: Number(values.version),
      seed: Number(values.seed),
      repeat,
    });
    renameSync(`${file}.tmp`, file);
  }
  const sizeMb = statSync(file).size / 1e6;

  const g0 = performance.now();
  // `times` prints the CPU time of the shell's children (gunzip and wc): the per-core baseline.
  const [count, , childTimes] = execFileSync('bash', ['-c', `gunzip -c '${file}' | wc -l; times`], {
    encoding: 'utf8',
  }).split('\n');
  const gunzipMs = performance.now() - g0;
  const lines = Number(count!.trim());
  const seconds = (t: string) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  };
  const [user, sys] = childTimes!.trim().split(/\s+/);
  const gunzipCpuMs = (seconds(user!) + seconds(sys!)) * 1000;
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    records,
    version: Number(values.version),
    recordsPerConnection: repeat,
    fileMb: Number(sizeMb.toFixed(1)),
    baselineGunzipLinesPerSec: rate(lines, gunzipMs),
    baselineGunzipLinesPerCpuSec: rate(lines, gunzipCpuMs),
  };
  if (!values['no-decode']) {
    const decode = await decodeStage(file);
    Object.assign(results, {
      decodeRecordsPerSec: rate(decode.records, decode.ms),
      decodeRecordsPerCpuSec: rate(decode.records, decode.cpuMs),
      decodeVsGunzip: Number((rate(decode.records, decode.ms) / rate(lines, gunzipMs)).toFixed(2)),
      decodeVsGunzipPerCpu: Number(
        (rate(decode.records, decode.cpuMs) / rate(lines, gunzipCpuMs)).toFixed(2),
      ),
    });
  }
  if (!values['no-services']) {
    const s = await servicesStage(file, records, values.profile, values['no-sink']);
    Object.assign(results, {
      parserRecordsPerSec: rate(records, s.parserMs),
      parserPeakRssMb: s.parserRss,
      parserIdleRssMb: s.parserIdleRss,
      parserAtPeak: s.memory,
    });
    if (s.sinkMs !== undefined && s.copyMs !== undefined) {
      Object.assign(results, {
        sinkRowsPerSec: rate(records, s.sinkMs),
        sinkPeakRssMb: s.sinkRss,
        baselineCopyRowsPerSec: rate(records, s.copyMs),
        sinkVsCopy: Number((rate(records, s.sinkMs) / rate(records, s.copyMs)).toFixed(2)),
        sinkFoldedRowsPerSec: rate(records, s.foldedMs),
        sinkFoldedVsCopy: Number((rate(records, s.foldedMs) / rate(records, s.copyMs)).toFixed(2)),
      });
    }
  }
  console.log(
    `\nflow-log benchmark, ${fmt(records)} records (${repeat} per connection), ${sizeMb.toFixed(1)} MB gzip`,
  );
  const row = (label: string, value: unknown, baseline = '') =>
    console.log(`  ${label.padEnd(38)} ${String(value).padStart(12)}  ${baseline}`);
  row('baseline gunzip | wc -l (lines/s)', fmt(results['baselineGunzipLinesPerSec'] as number));
  row('baseline gunzip | wc -l (lines/CPU-s)', fmt(results['baselineGunzipLinesPerCpuSec'] as number));
  if (results['decodeRecordsPerSec'] !== undefined) {
    row(
      'decode+enrich+Avro (records/s)',
      fmt(results['decodeRecordsPerSec'] as number),
      `${String(results['decodeVsGunzip'])}× gunzip (target ≥ 0.5)`,
    );
    row(
      'decode+enrich+Avro (records/CPU-s)',
      fmt(results['decodeRecordsPerCpuSec'] as number),
      `${String(results['decodeVsGunzipPerCpu'])}× gunzip per CPU-s`,
    );
  }
  if (results['parserRecordsPerSec'] !== undefined) {
    row('flow-parser S3 → Kafka (records/s)', fmt(results['parserRecordsPerSec'] as number));
    row('flow-parser peak RSS (MB)', String(results['parserPeakRssMb']), 'target ≤ 200 on a 75 MB file');
    row('flow-parser RSS when ready (MB)', String(results['parserIdleRssMb']));
    const m = results['parserAtPeak'] as { heapUsedMb: number; externalMb: number; rssMb: number };
    row('flow-parser at peak: heap/external (MB)', `${m.heapUsedMb}/${m.externalMb}`, `of RSS ${m.rssMb}`);
  }
  if (results['sinkRowsPerSec'] !== undefined) {
    row('baseline psql \\copy (rows/s)', fmt(results['baselineCopyRowsPerSec'] as number));
    row(
      'sink Kafka → Postgres (rows/s)',
      fmt(results['sinkRowsPerSec'] as number),
      `${String(results['sinkVsCopy'])}× \\copy (target ≥ 0.5)`,
    );
    row(
      '… with every rollup row folded (rows/s)',
      fmt(results['sinkFoldedRowsPerSec'] as number),
      `${String(results['sinkFoldedVsCopy'])}× \\copy`,
    );
    row('sink peak RSS (MB)', String(results['sinkPeakRssMb']));
  }
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench-results', 'flow-bench.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nwritten to bench-results/flow-bench.json');
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
