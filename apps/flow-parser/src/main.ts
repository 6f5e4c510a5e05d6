import { ConfigError, loadConfig } from '@lake/config';
import { LabelCap, counter, createLogger, createMetricsRegistry, createShutdown } from '@lake/observability';
import { buildParserService } from '@lake/parser-core';
import {
  FlowAvroMessage,
  createVpcFlowDecoder,
  decodeParquetFlow,
  encodeFlow,
  type FlowOutput,
} from '@lake/vpc-flow';
import { configSchema, type FlowParserConfig } from './config';

const SERVICE = 'flow-parser';

async function main(config: FlowParserConfig): Promise<void> {
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL, pretty: process.stdout.isTTY });
  const metrics = createMetricsRegistry(SERVICE);
  const unknownFields = counter(
    metrics,
    'lake_flow_unknown_field_values_total',
    'Values of header fields no known flow-log version defines (kept in the record extra map), by field (the first 100 names seen, then other)',
    ['field'],
  );
  const fieldLabels = new LabelCap(100);
  const countUnknown = (extra: Record<string, string> | null): void => {
    if (extra !== null) {
      for (const field of Object.keys(extra)) {
        unknownFields.inc({ field: fieldLabels.of(field) });
      }
    }
  };
  const service = await buildParserService({
    service: SERVICE,
    kinds: ['VPCFLOWLOGS', 'VPCFLOWLOGS_PARQUET'],
    // Clean lines come out as finished Avro messages (written into the parser's arena).
    decoder: createVpcFlowDecoder({ headerless: config.FLOW_HEADERLESS, avro: true }),
    randomAccessDecoders: { VPCFLOWLOGS_PARQUET: decodeParquetFlow },
    encode: (d: FlowOutput, arena) => {
      if (!(d instanceof FlowAvroMessage)) {
        // Only the general path reads headers with unknown fields.
        countUnknown(d.record.extra);
      }
      return {
        topic: d.family === 'vpc' ? config.TOPIC_FLOW_RECORDS : config.TOPIC_TGW_FLOW_RECORDS,
        value: encodeFlow(d, arena),
      };
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
