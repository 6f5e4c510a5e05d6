import { decodeCloudTrail } from '@lake/cloudtrail';
import { ConfigError, loadConfig } from '@lake/config';
import { createLogger, createMetricsRegistry, createShutdown } from '@lake/observability';
import { buildParserService } from '@lake/parser-core';
import { codecs, type CloudTrailEvent } from '@lake/schemas';
import { configSchema, type CloudTrailParserConfig } from './config';

const SERVICE = 'cloudtrail-parser';

async function main(config: CloudTrailParserConfig): Promise<void> {
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL, pretty: process.stdout.isTTY });
  const service = await buildParserService({
    service: SERVICE,
    kinds: ['CLOUDTRAIL'],
    decoder: decodeCloudTrail,
    encode: (e: CloudTrailEvent) => ({
      topic: config.TOPIC_CLOUDTRAIL_EVENTS,
      value: codecs.cloudTrailEvent.encode(e),
    }),
    recordTopics: [config.TOPIC_CLOUDTRAIL_EVENTS],
    config,
    logger,
    metrics: createMetricsRegistry(SERVICE),
  });
  const shutdown = createShutdown(service.closers, logger, (clean) => process.exit(clean ? 0 : 1));
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  await service.ops.listen({ host: config.OPS_HOST, port: config.OPS_PORT });
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
