import { ConfigError, loadConfig } from '@lake/config';
import { KafkaConsumer, createKafka, ensureTopics } from '@lake/kafka';
import {
  HealthRegistry,
  buildOpsServer,
  createLogger,
  createMetricsRegistry,
  createShutdown,
} from '@lake/observability';
import { createPool, migrate, ping } from '@lake/pg';
import { RollupFolder, Sink, maintainPartitions, maintainRollupBlocks } from '@lake/sink-core';
import { configSchema, type SinkConfig } from './config';

const SERVICE = 'sink';

async function main(config: SinkConfig): Promise<void> {
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL, pretty: process.stdout.isTTY });
  const metrics = createMetricsRegistry(SERVICE);
  const health = new HealthRegistry();

  await migrate({ connectionString: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, logger });
  const pool = createPool({
    connectionString: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    max: config.DATABASE_POOL_SIZE,
    logger,
    metrics,
    applicationName: SERVICE,
  });
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID ?? SERVICE,
    logger,
  });
  const topics = [
    config.TOPIC_FLOW_RECORDS,
    config.TOPIC_TGW_FLOW_RECORDS,
    config.TOPIC_CLOUDTRAIL_EVENTS,
    config.TOPIC_CLOUDTRAIL_INSIGHTS,
    config.TOPIC_DIGEST_CHECKS,
    config.TOPIC_DEAD_LETTERS,
  ];
  if (config.KAFKA_CREATE_TOPICS) {
    await ensureTopics(
      kafka,
      topics.map((name) => ({ name, partitions: config.KAFKA_TOPIC_PARTITIONS })),
    );
  }
  const consumer = new KafkaConsumer(kafka, {
    groupId: config.KAFKA_GROUP_ID,
    topics,
    logger,
    metrics,
    partitionsConsumedConcurrently: config.PARTITIONS_CONCURRENCY,
    maxBytesPerPartition: config.KAFKA_MAX_BYTES_PER_PARTITION,
  });
  const sink = new Sink({
    pool,
    consumer,
    logger,
    metrics,
    topics: {
      flowRecords: config.TOPIC_FLOW_RECORDS,
      tgwFlowRecords: config.TOPIC_TGW_FLOW_RECORDS,
      cloudTrailEvents: config.TOPIC_CLOUDTRAIL_EVENTS,
      cloudTrailInsights: config.TOPIC_CLOUDTRAIL_INSIGHTS,
      digestChecks: config.TOPIC_DIGEST_CHECKS,
      deadLetters: config.TOPIC_DEAD_LETTERS,
    },
  });

  const retention = {
    premakeDays: config.PARTITION_PREMAKE_DAYS,
    rawDays: config.RETENTION_DAYS,
    rollupDays: {
      minute: config.ROLLUP_MINUTE_RETENTION_DAYS ?? config.ROLLUP_RETENTION_DAYS,
      hour: config.ROLLUP_HOUR_RETENTION_DAYS ?? config.ROLLUP_RETENTION_DAYS,
      day: config.ROLLUP_DAY_RETENTION_DAYS ?? config.ROLLUP_RETENTION_DAYS,
    },
  };
  const partitions = () => maintainPartitions(pool, sink.partitionManager, retention, logger);
  // Blocks may take minutes to build: never on the way to readiness.
  const blocks = () =>
    maintainRollupBlocks(pool, config.ROLLUP_BLOCK_SETTLE_MINUTES * 60_000, logger).catch((err: unknown) =>
      logger.error({ err }, 'rollup block maintenance failed'),
    );
  await partitions();
  void blocks();
  const folder = new RollupFolder(
    pool,
    sink.partitionManager,
    config.ROLLUP_FOLD_INTERVAL_SECONDS * 1000,
    logger,
    metrics,
  );
  folder.start();
  const timer = setInterval(() => {
    partitions()
      .catch((err: unknown) => logger.error({ err }, 'partition maintenance failed'))
      .finally(() => void blocks());
  }, config.MAINTENANCE_INTERVAL_SECONDS * 1000);

  health.addLiveness('consumer', () => {
    const crashed = consumer.crashed;
    return crashed ? { ok: false, detail: crashed.message } : { ok: true };
  });
  health.addReadiness('consumer-joined', () => ({ ok: consumer.hasJoined }));
  health.addReadiness('postgres', async () => {
    await ping(pool);
    return { ok: true };
  });
  const ops = await buildOpsServer({ logger, health, metrics });
  await ops.listen({ host: config.OPS_HOST, port: config.OPS_PORT });

  const shutdown = createShutdown(
    () => {
      clearInterval(timer);
      return [
        { name: 'consumer', close: () => consumer.close() },
        { name: 'rollup folder', close: () => folder.stop() },
        { name: 'postgres', close: () => pool.end() },
        { name: 'ops', close: () => ops.close() },
      ];
    },
    logger,
    (clean) => process.exit(clean ? 0 : 1),
  );
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  await sink.start();
  logger.info({ topics, groupId: config.KAFKA_GROUP_ID, schema: config.DATABASE_SCHEMA }, 'started');
}

try {
  main(loadConfig(configSchema, process.env)).catch((err: unknown) => {
    process.stderr.write(
      `${SERVICE} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
} catch (err) {
  process.stderr.write(`${SERVICE}: ${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
}
