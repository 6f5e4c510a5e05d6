import { ConfigError, loadConfig } from '@lake/config';
import { createKafka, ensureTopics } from '@lake/kafka';
import {
  CertificateSource,
  Notifier,
  Reconciler,
  RecordRetention,
  webhookRoutes,
  type WebhookOptions,
} from '@lake/notifier-core';
import {
  HealthRegistry,
  buildOpsServer,
  createLogger,
  createMetricsRegistry,
  createShutdown,
} from '@lake/observability';
import { NotifierObjectsRepository, ping } from '@lake/pg';
import { S3Store } from '@lake/s3';
import { SqsQueue } from '@lake/sqs';
import { configSchema, type NotifierConfig } from './config';
import { connectPublishing } from './publishing';

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
  const { producer, pool, publisher } = await connectPublishing(config, kafka, {
    logger,
    metrics,
    service: SERVICE,
  });
  const s3 = new S3Store({
    region: config.AWS_REGION,
    metrics,
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
  });

  let queue: SqsQueue | null = null;
  let notifier: Notifier | null = null;
  if (config.SQS_QUEUE_URL) {
    queue = new SqsQueue(config.SQS_QUEUE_URL, {
      region: config.AWS_REGION,
      metrics,
      ...(config.SQS_ENDPOINT ? { endpoint: config.SQS_ENDPOINT } : {}),
    });
    const redrive = await queue.redrivePolicy();
    if (redrive) {
      logger.info({ redrive }, 'the queue has a RedrivePolicy: failing messages are left to SQS');
    }
    notifier = new Notifier(
      {
        deadLetterTopic: config.TOPIC_DEAD_LETTERS,
        waitSeconds: config.SQS_WAIT_SECONDS,
        maxMessages: config.SQS_MAX_MESSAGES,
        visibilityTimeout: config.SQS_VISIBILITY_TIMEOUT,
        ...(config.SQS_HEARTBEAT_SECONDS ? { heartbeatSeconds: config.SQS_HEARTBEAT_SECONDS } : {}),
        maxReceives: config.SQS_MAX_RECEIVES,
        sqsRedrive: redrive !== null,
        retryBaseSeconds: config.SQS_RETRY_BASE_SECONDS,
        payloadLimit: config.DEAD_LETTER_PAYLOAD_LIMIT,
      },
      { queue, producer, publisher, logger, metrics },
    );
    const started = Date.now();
    const polling = notifier;
    health.addLiveness('sqs-poll', () => {
      const last = polling.lastSuccessfulPoll || started;
      const age = (Date.now() - last) / 1000;
      return age > config.POLL_STALE_SECONDS
        ? { ok: false, detail: `no successful receive for ${Math.round(age)} s` }
        : { ok: true };
    });
  }
  const reconciler =
    config.RECONCILE_TARGETS.length > 0
      ? new Reconciler(
          {
            targets: config.RECONCILE_TARGETS,
            intervalSeconds: config.RECONCILE_INTERVAL_SECONDS,
            lookbackDays: config.RECONCILE_LOOKBACK_DAYS,
          },
          { s3, publisher, logger, metrics },
        )
      : null;

  const retention =
    config.NOTIFIER_RECORD_RETENTION_DAYS > 0
      ? new RecordRetention(
          { days: config.NOTIFIER_RECORD_RETENTION_DAYS, intervalSeconds: 3600 },
          { records: new NotifierObjectsRepository(pool), logger, metrics },
        )
      : null;

  health.addReadiness('producer', () => ({ ok: producer.isConnected }));
  health.addReadiness('postgres', async () => {
    await ping(pool);
    return { ok: true };
  });
  const ops = await buildOpsServer({ logger, health, metrics });
  const webhooks: WebhookOptions = {
    publisher,
    logger,
    metrics,
    ...(config.WEBHOOK_MINIO_TOKEN ? { minioToken: config.WEBHOOK_MINIO_TOKEN } : {}),
    ...(config.WEBHOOK_SNS_ENABLED
      ? {
          sns: {
            certificates: new CertificateSource({
              ...(config.SNS_CERT_PATH ? { localPath: config.SNS_CERT_PATH } : {}),
              allowedUrlPrefixes: config.SNS_CERT_URL_PREFIXES,
              allowAwsUrls: config.SNS_ALLOW_AWS_URLS,
            }),
            allowedTopicArns: config.SNS_TOPIC_ARNS,
            subscribeUrlPrefixes: config.SNS_SUBSCRIBE_URL_PREFIXES,
            allowAwsUrls: config.SNS_ALLOW_AWS_URLS,
          },
        }
      : {}),
  };
  await ops.register(webhookRoutes, webhooks);
  await ops.listen({ host: config.OPS_HOST, port: config.OPS_PORT });

  const shutdown = createShutdown(
    [
      { name: 'webhooks', close: () => ops.close() },
      { name: 'notifier', close: () => notifier?.stop() ?? Promise.resolve() },
      { name: 'reconciler', close: () => reconciler?.stop() ?? Promise.resolve() },
      { name: 'retention', close: () => retention?.stop() ?? Promise.resolve() },
      { name: 'producer', close: () => producer.close() },
      { name: 'postgres', close: () => pool.end() },
      { name: 'sqs', close: () => queue?.close() },
      { name: 's3', close: () => s3.close() },
    ],
    logger,
    (clean) => process.exit(clean ? 0 : 1),
  );
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  notifier?.start();
  reconciler?.start();
  retention?.start();
  logger.info(
    {
      queue: config.SQS_QUEUE_URL ?? null,
      topic: config.TOPIC_OBJECT_EVENTS,
      webhooks: { minio: !!config.WEBHOOK_MINIO_TOKEN, sns: config.WEBHOOK_SNS_ENABLED },
      reconcile: config.RECONCILE_TARGETS.length,
    },
    'started',
  );
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
