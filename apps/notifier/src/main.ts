import { ConfigError, loadConfig } from '@lake/config';
import { KafkaProducer, createKafka, ensureTopics } from '@lake/kafka';
import { Notifier } from '@lake/notifier-core';
import {
  HealthRegistry,
  buildOpsServer,
  createLogger,
  createMetricsRegistry,
  createShutdown,
} from '@lake/observability';
import { SqsQueue } from '@lake/sqs';
import { configSchema, type NotifierConfig } from './config';

const SERVICE = 'notifier';

async function main(config: NotifierConfig): Promise<void> {
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL, pretty: process.stdout.isTTY });
  const metrics = createMetricsRegistry(SERVICE);
  const health = new HealthRegistry();
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID ?? SERVICE,
    logger,
  });
  if (config.KAFKA_CREATE_TOPICS) {
    await ensureTopics(kafka, [
      { name: config.TOPIC_OBJECT_EVENTS, partitions: config.KAFKA_TOPIC_PARTITIONS },
      { name: config.TOPIC_DEAD_LETTERS, partitions: config.KAFKA_TOPIC_PARTITIONS },
    ]);
  }
  const producer = new KafkaProducer(kafka, { metrics });
  await producer.connect();
  const queue = new SqsQueue(config.SQS_QUEUE_URL, {
    region: config.AWS_REGION,
    metrics,
    ...(config.SQS_ENDPOINT ? { endpoint: config.SQS_ENDPOINT } : {}),
  });
  const notifier = new Notifier(
    {
      objectEventsTopic: config.TOPIC_OBJECT_EVENTS,
      deadLetterTopic: config.TOPIC_DEAD_LETTERS,
      waitSeconds: config.SQS_WAIT_SECONDS,
      maxMessages: config.SQS_MAX_MESSAGES,
      visibilityTimeout: config.SQS_VISIBILITY_TIMEOUT,
      payloadLimit: config.DEAD_LETTER_PAYLOAD_LIMIT,
    },
    { queue, producer, logger, metrics },
  );
  const started = Date.now();
  health.addLiveness('sqs-poll', () => {
    const last = notifier.lastSuccessfulPoll || started;
    const age = (Date.now() - last) / 1000;
    return age > config.POLL_STALE_SECONDS
      ? { ok: false, detail: `no successful receive for ${Math.round(age)} s` }
      : { ok: true };
  });
  health.addReadiness('producer', () => ({ ok: producer.isConnected }));
  const ops = await buildOpsServer({ logger, health, metrics });
  await ops.listen({ host: config.OPS_HOST, port: config.OPS_PORT });

  const shutdown = createShutdown(
    [
      { name: 'notifier', close: () => notifier.stop() },
      { name: 'producer', close: () => producer.close() },
      { name: 'sqs', close: () => queue.close() },
      { name: 'ops', close: () => ops.close() },
    ],
    logger,
    (clean) => process.exit(clean ? 0 : 1),
  );
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  notifier.start();
  logger.info({ queue: config.SQS_QUEUE_URL, topic: config.TOPIC_OBJECT_EVENTS }, 'started');
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
