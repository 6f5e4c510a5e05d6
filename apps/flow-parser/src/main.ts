import { ConfigError, loadConfig } from '@lake/config';
import { counter, createLogger, createMetricsRegistry, createShutdown } from '@lake/observability';
import { buildParserService } from '@lake/parser-core';
import { codecs } from '@lake/schemas';
import { createVpcFlowDecoder, decodeParquetFlow, type FlowDecoded } from '@lake/vpc-flow';
import { configSchema, type FlowParserConfig } from './config';

const SERVICE = 'flow-parser';

async function main(config: FlowParserConfig): Promise<void> {
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL, pretty: process.stdout.isTTY });
  const metrics = createMetricsRegistry(SERVICE);
  const unknownFields = counter(
    metrics,
    'lake_flow_unknown_field_values_total',
    'Values of header fields no known flow-log version defines (kept in the record extra map), by field',
    ['field'],
  );
  const countUnknown = (extra: Record<string, string> | null): void => {
    if (extra !== null) {
      for (const field of Object.keys(extra)) {
        unknownFields.inc({ field });
      }
    }
  };
  const service = await buildParserService({
    service: SERVICE,
    kinds: ['VPCFLOWLOGS', 'VPCFLOWLOGS_PARQUET'],
    decoder: createVpcFlowDecoder({ headerless: config.FLOW_HEADERLESS }),
    randomAccessDecoders: { VPCFLOWLOGS_PARQUET: decodeParquetFlow },
    encode: (d: FlowDecoded, arena) => {
      countUnknown(d.record.extra);
      return d.family === 'vpc'
        ? { topic: config.TOPIC_FLOW_RECORDS, value: codecs.flowRecord.encode(d.record, arena) }
        : { topic: config.TOPIC_TGW_FLOW_RECORDS, value: codecs.tgwFlowRecord.encode(d.record, arena) };
    },
    recordTopics: [config.TOPIC_FLOW_RECORDS, config.TOPIC_TGW_FLOW_RECORDS],
    config,
    logger,
    metrics,
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
