/**
 * npm run backfill -- --bucket B [--prefix P] [--from YYYY-MM-DD --to YYYY-MM-DD] [--rate N] [--run-id ID]
 *
 * Lists the bucket/prefix and publishes object events for objects not published yet (the same
 * once-only record as the notifier), resumable after a kill (checkpoint in Postgres), rate-limited.
 * Configured by the notifier's environment (Kafka, Postgres, S3, routing).
 */
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { ConfigError, loadConfig } from '@lake/config';
import { createKafka, ensureTopics } from '@lake/kafka';
import { runBackfill } from '@lake/notifier-core';
import { createLogger, createMetricsRegistry } from '@lake/observability';
import { BackfillRunsRepository } from '@lake/pg';
import { S3Store } from '@lake/s3';
import { backfillConfigSchema } from './config';
import { connectPublishing } from './publishing';

const USAGE =
  'usage: npm run backfill -- --bucket B [--prefix P] [--from YYYY-MM-DD --to YYYY-MM-DD] [--rate N objects/s] [--run-id ID]';
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function parseCommandLine(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      bucket: { type: 'string' },
      prefix: { type: 'string', default: '' },
      from: { type: 'string' },
      to: { type: 'string' },
      rate: { type: 'string', default: '0' },
      'run-id': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const problems: string[] = [];
  if (!values.bucket) {
    problems.push('--bucket is required');
  }
  if ((values.from === undefined) !== (values.to === undefined)) {
    problems.push('--from and --to go together');
  }
  for (const d of [values.from, values.to]) {
    if (d !== undefined && (!DAY.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)))) {
      problems.push(`${d} is not a YYYY-MM-DD date`);
    }
  }
  const rate = Number(values.rate);
  if (!Number.isFinite(rate) || rate < 0) {
    problems.push('--rate must be a number of objects per second (0: no limit)');
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return {
    bucket: values.bucket!,
    prefix: values.prefix,
    ...(values.from && values.to ? { from: values.from, to: values.to } : {}),
    rate,
    ...(values['run-id'] ? { runId: values['run-id'] } : {}),
  };
}

async function main(): Promise<void> {
  const args = parseCommandLine(process.argv.slice(2));
  const config = loadConfig(backfillConfigSchema, process.env);
  const tty = process.stderr.isTTY;
  // On a terminal the bar shows progress and logs go to stdout only when they matter.
  const logger = createLogger({
    service: 'notifier-backfill',
    level: tty ? 'warn' : config.LOG_LEVEL,
    pretty: false,
  });
  const metrics = createMetricsRegistry('notifier-backfill');
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID ?? 'notifier-backfill',
    logger,
  });
  if (config.KAFKA_CREATE_TOPICS) {
    await ensureTopics(kafka, [
      { name: config.TOPIC_OBJECT_EVENTS, partitions: config.KAFKA_TOPIC_PARTITIONS },
    ]);
  }
  const { producer, pool, publisher } = await connectPublishing(config, kafka, {
    logger,
    metrics,
    service: 'notifier-backfill',
  });
  const s3 = new S3Store({
    region: config.AWS_REGION,
    metrics,
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
  });
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const bar = tty
    ? new SingleBar({
        format:
          'backfill {bar} {value} listed | {published} published | {seen} seen before | {skipped} skipped | {rate}/s',
        hideCursor: true,
        stream: process.stderr,
      })
    : null;
  const started = Date.now();
  let lastLog = 0;
  let firstListed: number | null = null;
  const result = await runBackfill(
    {
      ...args,
      signal: abort.signal,
      onProgress: (p) => {
        firstListed ??= p.listed;
        const rate = Math.round(((p.listed - firstListed) * 1000) / Math.max(1, Date.now() - started));
        if (bar) {
          if (!bar.isActive) {
            bar.start(p.listed + 1000, p.listed, { published: 0, seen: 0, skipped: 0, rate: 0 });
          }
          bar.setTotal(Math.max(bar.getTotal(), p.listed + 1000));
          bar.update(p.listed, { published: p.published, seen: p.alreadySeen, skipped: p.skipped, rate });
        } else if (Date.now() - lastLog >= 500) {
          lastLog = Date.now();
          logger.info({ ...p, rate }, 'backfill progress');
        }
      },
    },
    { s3, publisher, runs: new BackfillRunsRepository(pool), logger },
  );
  if (bar) {
    bar.setTotal(result.listed);
    bar.update(result.listed);
    bar.stop();
  }
  logger.info({ ...result }, result.finished ? 'backfill done' : 'backfill stopped');
  process.stdout.write(
    `${result.finished ? 'done' : 'stopped'}: run ${result.runId}: ${result.listed} listed, ${result.published} published, ${result.alreadySeen} published before, ${result.skipped} skipped\n`,
  );
  await producer.close();
  await pool.end();
  s3.close();
  process.exitCode = result.finished ? 0 : 1;
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `backfill failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
