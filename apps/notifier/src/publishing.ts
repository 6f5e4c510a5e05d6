import { KafkaProducer, type Kafka } from '@lake/kafka';
import { ObjectPublisher } from '@lake/notifier-core';
import type { Logger, Registry } from '@lake/observability';
import { NotifierObjectsRepository, createPool, migrate, type Pool } from '@lake/pg';
import type { BackfillConfig } from './config';

/** What the service and the backfill command both need to publish objects once: Postgres, Kafka, the publisher. */
export async function connectPublishing(
  config: BackfillConfig,
  kafka: Kafka,
  deps: { logger: Logger; metrics: Registry; service: string },
): Promise<{ producer: KafkaProducer; pool: Pool; publisher: ObjectPublisher }> {
  await migrate({
    connectionString: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    logger: deps.logger,
  });
  const pool = createPool({
    connectionString: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    max: config.DATABASE_POOL_SIZE,
    logger: deps.logger,
    metrics: deps.metrics,
    applicationName: deps.service,
  });
  const producer = new KafkaProducer(kafka, { metrics: deps.metrics });
  await producer.connect();
  const publisher = new ObjectPublisher(
    {
      objectEventsTopic: config.TOPIC_OBJECT_EVENTS,
      routing: {
        kinds: config.ROUTE_KINDS,
        include: config.ROUTE_INCLUDE_PREFIXES,
        exclude: config.ROUTE_EXCLUDE_PREFIXES,
      },
    },
    { producer, objects: new NotifierObjectsRepository(pool), metrics: deps.metrics, logger: deps.logger },
  );
  return { producer, pool, publisher };
}
