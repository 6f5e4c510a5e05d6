import { ConfigError, loadConfig } from '@lake/config';
import { closeAll, createLogger, createMetricsRegistry } from '@lake/observability';
import { buildParserService } from '@lake/parser-core';
import { codecs } from '@lake/schemas';
import { decodeCloudTrail } from '@lake/cloudtrail';
import { configSchema, type CloudTrailParserConfig } from './config';

const SERVICE = 'cloudtrail-parser';

async function main(config: CloudTrailParserConfig): Promise<void> {
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL, pretty: process.stdout.isTTY });
  const service = await buildParserService({
    service: SERVICE,
    kinds: ['CLOUDTRAIL'],
    decoder: decodeCloudTrail,
    codec: codecs.cloudTrailEvent,
    kafka: {
      brokers: config.KAFKA_BROKERS,
      clientId: config.KAFKA_CLIENT_ID ?? SERVICE,
      groupId: config.KAFKA_GROUP_ID,
      createTopics: config.KAFKA_CREATE_TOPICS,
      topicPartitions: config.KAFKA_TOPIC_PARTITIONS,
    },
    topics: {
      objectEvents: config.TOPIC_OBJECT_EVENTS,
      records: config.TOPIC_CLOUDTRAIL_EVENTS,
      deadLetters: config.TOPIC_DEAD_LETTERS,
    },
    s3: { region: config.AWS_REGION, endpoint: config.S3_ENDPOINT },
    concurrency: config.PARTITIONS_CONCURRENCY,
    batchSize: config.BATCH_SIZE,
    payloadLimit: config.DEAD_LETTER_PAYLOAD_LIMIT,
    logger,
    metrics: createMetricsRegistry(SERVICE),
  });
  await service.ops.listen({ host: config.OPS_HOST, port: config.OPS_PORT });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    void closeAll(service.closers, logger).then((clean) => process.exit(clean ? 0 : 1));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  await service.start();
  logger.info({ groupId: config.KAFKA_GROUP_ID, topic: config.TOPIC_OBJECT_EVENTS }, 'started');
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
