import type { FastifyInstance } from 'fastify';
import { KafkaConsumer, KafkaProducer, createKafka, ensureTopics } from '@lake/kafka';
import { HealthRegistry, buildOpsServer, type Closer, type Logger, type Registry } from '@lake/observability';
import { S3Store } from '@lake/s3';
import type { AvroCodec, Decoder, ObjectKind } from '@lake/schemas';
import { ObjectParser } from './object-parser';

export interface ParserServiceOptions<T> {
  service: string;
  kinds: readonly ObjectKind[];
  decoder: Decoder<T>;
  codec: AvroCodec<T>;
  kafka: {
    brokers: string[];
    clientId: string;
    groupId: string;
    createTopics: boolean;
    topicPartitions: number;
  };
  topics: { objectEvents: string; records: string; deadLetters: string };
  s3: { region: string; endpoint?: string | undefined };
  concurrency: number;
  batchSize: number;
  payloadLimit: number;
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
  const { logger, metrics } = o;
  const health = new HealthRegistry();
  const kafka = createKafka({ brokers: o.kafka.brokers, clientId: o.kafka.clientId, logger });
  if (o.kafka.createTopics) {
    const partitions = o.kafka.topicPartitions;
    await ensureTopics(kafka, [
      { name: o.topics.objectEvents, partitions },
      { name: o.topics.records, partitions },
      { name: o.topics.deadLetters, partitions },
    ]);
  }
  const producer = new KafkaProducer(kafka, { metrics });
  await producer.connect();
  const consumer = new KafkaConsumer(kafka, {
    groupId: o.kafka.groupId,
    topics: [o.topics.objectEvents],
    logger,
    metrics,
    partitionsConsumedConcurrently: o.concurrency,
  });
  const s3 = new S3Store({
    region: o.s3.region,
    metrics,
    ...(o.s3.endpoint ? { endpoint: o.s3.endpoint } : {}),
  });
  const parser = new ObjectParser(
    {
      service: o.service,
      kinds: o.kinds,
      decoder: o.decoder,
      codec: o.codec,
      recordsTopic: o.topics.records,
      deadLetterTopic: o.topics.deadLetters,
      batchSize: o.batchSize,
      payloadLimit: o.payloadLimit,
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
