/**
 * CloudTrail benchmark (npm run bench:cloudtrail -- [--records N] [--no-services]), figures next to
 * baselines from the same run, written to bench-results/cloudtrail-bench.json:
 *   1. decode + Avro records/s and per CPU-second vs JSON.parse of the whole uncompressed file;
 *   2. the cloudtrail-parser service S3 → Kafka records/s and its peak RSS (target ≤ 200 MB on a
 *      200 MB file: run with --records 300000 for ≈ 200 MB uncompressed).
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { decodeCloudTrail } from '@lake/cloudtrail';
import { KafkaProducer, createKafka, ensureTopics } from '@lake/kafka';
import { createLogger } from '@lake/observability';
import { classifyKey } from '@lake/object-keys';
import { decodeObject } from '@lake/parser-core';
import { S3Store } from '@lake/s3';
import { codecs, type ObjectContext } from '@lake/schemas';
import { ServiceProcess, stackEndpoints, stackServiceEnv, uniqueNames, waitFor } from '@lake/testing';
import { writeCloudTrailLog } from '../generate/cloudtrail.generator';

const ROOT = join(__dirname, '..', '..');
const KEY =
  'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1200Z_BeNcHmArK0000001.json.gz';
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const fmt = (n: number) => n.toLocaleString('en-US');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '7' },
      'no-services': { type: 'boolean', default: false },
      // Node/V8 flags for the parser process, e.g. --node-args=--max-semi-space-size=4 (space-separated).
      'node-args': { type: 'string', default: '' },
    },
  });
  const records = Number(values.records);
  execFileSync(process.execPath, [join(ROOT, 'tools', 'scripts', 'build-app.mjs'), 'cloudtrail-parser'], {
    stdio: 'inherit',
  });
  const file = join(tmpdir(), `cloudtrail-bench-${records}.json.gz`);
  console.log(`generating ${fmt(records)} CloudTrail events…`);
  await writeCloudTrailLog({ out: file, records, seed: Number(values.seed) });
  const raw = gunzipSync(readFileSync(file));
  const uncompressedMb = raw.length / 1e6;

  const p0 = performance.now();
  const parsed = (JSON.parse(raw.toString('utf8')) as { Records: unknown[] }).Records.length;
  const parseMs = performance.now() - p0;

  const context: ObjectContext = { bucket: 'bench', key: KEY, keyInfo: classifyKey(KEY) };
  const cpu = process.cpuUsage();
  const d0 = performance.now();
  let decoded = 0;
  for await (const batch of decodeObject(createReadStream(file), context, decodeCloudTrail)) {
    for (const o of batch) {
      if (o.ok) {
        codecs.cloudTrailEvent.encode(o.value);
        decoded++;
      }
    }
  }
  const decodeMs = performance.now() - d0;
  const used = process.cpuUsage(cpu);
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    records,
    uncompressedMb: Number(uncompressedMb.toFixed(1)),
    parserNodeArgs: values['node-args'],
    baselineJsonParseRecordsPerSec: rate(parsed, parseMs),
    decodeRecordsPerSec: rate(decoded, decodeMs),
    decodeRecordsPerCpuSec: rate(decoded, (used.user + used.system) / 1000),
  };

  if (!values['no-services']) {
    const stack = stackEndpoints(process.env);
    const names = uniqueNames('ctbench');
    const metrics = new Registry();
    const s3 = new S3Store({
      region: stack.region,
      endpoint: stack.s3Endpoint,
      metrics,
      credentials: stack.credentials,
    });
    await s3.ensureBucket(names.bucket);
    await s3.putObject(names.bucket, KEY, readFileSync(file));
    const kafka = createKafka({
      brokers: stack.kafkaBrokers,
      clientId: 'bench',
      logger: createLogger({ service: 'bench', level: 'warn' }),
    });
    await ensureTopics(
      kafka,
      [names.topics.objectEvents, names.topics.cloudTrailEvents, names.topics.deadLetters].map((name) => ({
        name,
        partitions: 3,
      })),
    );
    const parser = new ServiceProcess({
      app: 'cloudtrail-parser',
      built: true,
      nodeArgs: values['node-args'].split(' ').filter((a) => a !== ''),
      repoRoot: ROOT,
      env: {
        ...stackServiceEnv(stack),
        TOPIC_OBJECT_EVENTS: names.topics.objectEvents,
        TOPIC_CLOUDTRAIL_EVENTS: names.topics.cloudTrailEvents,
        TOPIC_CLOUDTRAIL_INSIGHTS: `${names.id}.insights`,
        TOPIC_DIGEST_CHECKS: `${names.id}.digests`,
        TOPIC_DEAD_LETTERS: names.topics.deadLetters,
        KAFKA_GROUP_ID: names.group('ct'),
        LOG_LEVEL: 'warn',
      },
      logDir: join(ROOT, 'bench-results', names.id),
      baseEnv: process.env,
    });
    await parser.start();
    results['parserIdleRssMb'] = parser.peakRssMb();
    const cpuBefore = await parser.gauge('process_cpu_seconds_total');
    const producer = new KafkaProducer(kafka, { metrics });
    await producer.connect();
    const t0 = performance.now();
    await producer.send(names.topics.objectEvents, [
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
          kind: 'CLOUDTRAIL',
          accountId: '111122223333',
          region: 'us-east-1',
          source: 'bench',
          discoveredAt: Date.now(),
        }),
      },
    ]);
    // Where the parser's memory goes at its peak (prom-client's process gauges, sampled while it runs).
    const memory = parser.memoryAtPeak;
    await waitFor(
      'every event published',
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
    results['parserRecordsPerSec'] = rate(records, parserMs);
    results['parserPeakRssMb'] = parser.peakRssMb();
    // CPU time of the parser process for the file: a rate that the other load of a shared machine does not change.
    results['parserRecordsPerCpuSec'] = rate(
      records,
      ((await parser.gauge('process_cpu_seconds_total')) - cpuBefore) * 1000,
    );
    results['parserAtPeak'] = memory;
    await parser.stop();
    await producer.close();
    s3.close();
  }

  console.log(`\nCloudTrail benchmark, ${fmt(records)} events, ${uncompressedMb.toFixed(1)} MB uncompressed`);
  const row = (label: string, value: unknown, note = '') =>
    console.log(`  ${label.padEnd(40)} ${String(value).padStart(12)}  ${note}`);
  row('baseline JSON.parse whole file (rec/s)', fmt(results['baselineJsonParseRecordsPerSec'] as number));
  row('decode+Avro streaming (records/s)', fmt(results['decodeRecordsPerSec'] as number));
  row('decode+Avro (records/CPU-s)', fmt(results['decodeRecordsPerCpuSec'] as number));
  if (results['parserRecordsPerSec'] !== undefined) {
    row('cloudtrail-parser S3 → Kafka (records/s)', fmt(results['parserRecordsPerSec'] as number));
    row(
      'cloudtrail-parser peak RSS (MB)',
      String(results['parserPeakRssMb']),
      'target ≤ 200 on a 200 MB file',
    );
    row('cloudtrail-parser (records/CPU-s)', fmt(results['parserRecordsPerCpuSec'] as number));
    row('cloudtrail-parser idle RSS (MB)', String(results['parserIdleRssMb']), 'before the file');
    const m = results['parserAtPeak'] as { heapUsedMb: number; externalMb: number; rssMb: number };
    row(
      'cloudtrail-parser at peak: heap/external',
      `${m.heapUsedMb}/${m.externalMb}`,
      `MB, of RSS ${m.rssMb}`,
    );
  }
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench-results', 'cloudtrail-bench.json'),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  console.log('\nwritten to bench-results/cloudtrail-bench.json');
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
