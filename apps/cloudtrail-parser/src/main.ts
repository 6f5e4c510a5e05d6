import { createCloudTrailDecoder, decodeCloudTrail, mapInsightRecord } from '@lake/cloudtrail';
import { ConfigError, loadConfig } from '@lake/config';
import { createLogger, createMetricsRegistry, createShutdown } from '@lake/observability';
import { buildParserService, createDigestVerifier } from '@lake/parser-core';
import {
  codecs,
  type CloudTrailEvent,
  type CloudTrailInsight,
  type Decoder,
  type DigestCheck,
} from '@lake/schemas';
import { configSchema, type CloudTrailParserConfig } from './config';

const SERVICE = 'cloudtrail-parser';

type Decoded =
  | { type: 'event'; value: CloudTrailEvent }
  | { type: 'insight'; value: CloudTrailInsight }
  | { type: 'digest'; value: DigestCheck };
const decodeInsights = createCloudTrailDecoder(mapInsightRecord);

/** The PEM blocks of a text holding one or more public keys. */
function pemBlocks(text: string | undefined): string[] {
  return text?.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
}

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
  const metrics = createMetricsRegistry(SERVICE);
  const service = await buildParserService({
    service: SERVICE,
    kinds: ['CLOUDTRAIL', 'CLOUDTRAIL_INSIGHT', 'CLOUDTRAIL_DIGEST'],
    decoder: tagged(decodeCloudTrail, 'event'),
    decodersByKind: { CLOUDTRAIL_INSIGHT: tagged(decodeInsights, 'insight') },
    s3Decoders: (s3) => ({
      CLOUDTRAIL_DIGEST: tagged(
        createDigestVerifier({
          s3,
          publicKeysPem: pemBlocks(config.CLOUDTRAIL_DIGEST_PUBLIC_KEYS),
          metrics,
        }),
        'digest',
      ),
    }),
    encode: (d: Decoded) => {
      switch (d.type) {
        case 'event':
          return { topic: config.TOPIC_CLOUDTRAIL_EVENTS, value: codecs.cloudTrailEvent.encode(d.value) };
        case 'insight':
          return { topic: config.TOPIC_CLOUDTRAIL_INSIGHTS, value: codecs.cloudTrailInsight.encode(d.value) };
        case 'digest':
          return { topic: config.TOPIC_DIGEST_CHECKS, value: codecs.digestCheck.encode(d.value) };
      }
    },
    recordTopics: [
      config.TOPIC_CLOUDTRAIL_EVENTS,
      config.TOPIC_CLOUDTRAIL_INSIGHTS,
      config.TOPIC_DIGEST_CHECKS,
    ],
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
