import { createCloudTrailDecoder, decodeCloudTrail, mapInsightRecord } from '@lake/cloudtrail';
import { ConfigError, loadConfig } from '@lake/config';
import { createLogger, createMetricsRegistry, createShutdown } from '@lake/observability';
import { buildParserService } from '@lake/parser-core';
import { codecs, type CloudTrailEvent, type CloudTrailInsight, type Decoder } from '@lake/schemas';
import { configSchema, type CloudTrailParserConfig } from './config';

const SERVICE = 'cloudtrail-parser';

type Decoded = { type: 'event'; value: CloudTrailEvent } | { type: 'insight'; value: CloudTrailInsight };
const decodeInsights = createCloudTrailDecoder(mapInsightRecord);

/** Labels a decoder's records with their type, so that `encode` can pick the codec and topic. */
function tagged<T, K extends Decoded['type']>(decoder: Decoder<T>, type: K): Decoder<Decoded> {
  return async function* (source, context) {
    for await (const batch of decoder(source, context)) {
      yield batch.map((o) => (o.ok ? { ok: true, value: { type, value: o.value } as Decoded } : o));
    }
  };
}

async function main(config: CloudTrailParserConfig): Promise<void> {
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL, pretty: process.stdout.isTTY });
  const service = await buildParserService({
    service: SERVICE,
    kinds: ['CLOUDTRAIL', 'CLOUDTRAIL_INSIGHT'],
    decoder: tagged(decodeCloudTrail, 'event'),
    decodersByKind: { CLOUDTRAIL_INSIGHT: tagged(decodeInsights, 'insight') },
    encode: (d: Decoded) =>
      d.type === 'event'
        ? { topic: config.TOPIC_CLOUDTRAIL_EVENTS, value: codecs.cloudTrailEvent.encode(d.value) }
        : { topic: config.TOPIC_CLOUDTRAIL_INSIGHTS, value: codecs.cloudTrailInsight.encode(d.value) },
    recordTopics: [config.TOPIC_CLOUDTRAIL_EVENTS, config.TOPIC_CLOUDTRAIL_INSIGHTS],
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
