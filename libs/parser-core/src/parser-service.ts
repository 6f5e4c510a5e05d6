import type { FastifyInstance } from 'fastify';
import type { ParserEnv } from '@lake/config';
import { KafkaConsumer, KafkaProducer, createKafka, ensureTopics } from '@lake/kafka';
import { HealthRegistry, buildOpsServer, type Closer, type Logger, type Registry } from '@lake/observability';
import { S3Store } from '@lake/s3';
import type { Decoder, EncodeArena, ObjectKind, RandomAccessDecoder } from '@lake/schemas';
import { ObjectParser, type EncodedRecord } from './object-parser';

export interface ParserServiceOptions<T> {
  service: string;
  kinds: readonly ObjectKind[];
  decoder: Decoder<T>;
  randomAccessDecoders?: Partial<Record<ObjectKind, RandomAccessDecoder<T>>>;
  decodersByKind?: Partial<Record<ObjectKind, Decoder<T>>>;
  /** Decoders that read S3 themselves (digest verification), made with the service's S3 client. */
  s3Decoders?: (s3: S3Store) => Partial<Record<ObjectKind, Decoder<T>>>;
  /** Avro-encodes a decoded value (into the arena, when its codec can) and names its topic. */
  encode: (value: T, arena: EncodeArena) => EncodedRecord;
  /** Every topic `encode` may name (created at start when KAFKA_CREATE_TOPICS). */
  recordTopics: string[];
  /** The service's validated environment (see parserEnv in @lake/config). */
  config: ParserEnv;
  logger: Logger;
  metrics: Registry;
}

export interface ParserService {
  /** The ops endpoints (/health, /ready, /metrics), built but not listening. */
  ops: FastifyInstance;
  start(): Promise<void>;
  /** In shutdown order: stop consuming, flush the producer, release clients. */
  closers: Closer[];
}

/** Wires a parser service: Kafka in and out, S3, the decoder, health and metrics. */
export async function buildParserService<T>(o: ParserServiceOptions<T>): Promise<ParserService> {
  const { logger, metrics, config } = o;
  const topics = { objectEvents: config.TOPIC_OBJECT_EVENTS, deadLetters: config.TOPIC_DEAD_LETTERS };
  const health = new HealthRegistry();
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID ?? o.service,
    logger,
  });
  if (config.KAFKA_CREATE_TOPICS) {
    const partitions = config.KAFKA_TOPIC_PARTITIONS;
    await ensureTopics(
      kafka,
      [...Object.values(topics), ...o.recordTopics].map((name) => ({ name, partitions })),
    );
  }
  const producer = new KafkaProducer(kafka, { metrics });
  await producer.connect();
  const consumer = new KafkaConsumer(kafka, {
    groupId: config.KAFKA_GROUP_ID,
    topics: [topics.objectEvents],
    logger,
    metrics,
    partitionsConsumedConcurrently: config.PARTITIONS_CONCURRENCY,
  });
  const s3 = new S3Store({
    region: config.AWS_REGION,
    metrics,
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
  });
  const parser = new ObjectParser(
    {
      service: o.service,
      kinds: o.kinds,
      decoder: o.decoder,
      encode: o.encode,
      ...(o.randomAccessDecoders ? { randomAccessDecoders: o.randomAccessDecoders } : {}),
      decodersByKind: { ...o.decodersByKind, ...o.s3Decoders?.(s3) },
      deadLetterTopic: topics.deadLetters,
      batchSize: config.BATCH_SIZE,
      payloadLimit: config.DEAD_LETTER_PAYLOAD_LIMIT,
    },
    { s3, producer, consumer, logger, metrics },
  );
  health.addLiveness('consumer', () => {
    const crashed = consumer.crashed;
    return crashed ? { ok: false, detail: crashed.message } : { ok: true };
  });
  health.addReadiness('consumer-joined', () => ({ ok: consumer.hasJoined }));
  health.addReadiness('producer', () => ({ ok: producer.isConnected }));
  const ops = await buildOpsServer({ logger, health, metrics });
  return {
    ops,
    start: () => parser.start(),
    closers: [
      { name: 'consumer', close: () => consumer.close() },
      { name: 'producer', close: () => producer.close() },
      { name: 's3', close: () => s3.close() },
      { name: 'ops', close: () => ops.close() },
    ],
  };
}
