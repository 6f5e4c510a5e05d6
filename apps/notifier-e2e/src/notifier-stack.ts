/**
 * One notifier test's share of the local stack: a queue, topics and a Postgres schema of its own,
 * notifier processes configured by env as deployed, and readings of what reached Kafka and Postgres.
 */
import { join } from 'node:path';
import pg from 'pg';
import { Registry } from 'prom-client';
import { createKafka, ensureTopics, type Kafka } from '@lake/kafka';
import { codecs, type DeadLetter, type ObjectEvent } from '@lake/schemas';
import { S3Store } from '@lake/s3';
import { SqsQueue, ensureQueue } from '@lake/sqs';
import { ServiceProcess, stackEndpoints, stackServiceEnv, uniqueNames, waitFor } from '@lake/testing';
import pino from 'pino';

export const REPO_ROOT = join(__dirname, '..', '..', '..');

export class NotifierStack {
  readonly names;
  readonly stack = stackEndpoints(process.env);
  readonly metrics = new Registry();
  readonly kafka: Kafka;
  readonly db: pg.Pool;
  readonly s3: S3Store;
  readonly processes: ServiceProcess[] = [];
  queue!: SqsQueue;

  constructor(prefix: string) {
    this.names = uniqueNames(prefix);
    this.kafka = createKafka({
      brokers: this.stack.kafkaBrokers,
      clientId: `${this.names.id}-test`,
      logger: pino({ level: 'warn' }),
    });
    this.db = new pg.Pool({ connectionString: this.stack.databaseUrl, max: 3 });
    this.db.on('error', () => undefined);
    this.s3 = new S3Store({
      region: this.stack.region,
      endpoint: this.stack.s3Endpoint,
      metrics: this.metrics,
      credentials: this.stack.credentials,
    });
  }

  async start(options: { queue?: boolean; bucket?: boolean } = {}): Promise<this> {
    await ensureTopics(this.kafka, [
      { name: this.names.topics.objectEvents, partitions: 3 },
      { name: this.names.topics.deadLetters, partitions: 1 },
    ]);
    if (options.queue !== false) {
      this.queue = await this.makeQueue(this.names.queue);
    }
    if (options.bucket) {
      await this.s3.ensureBucket(this.names.bucket);
    }
    return this;
  }

  async makeQueue(name: string): Promise<SqsQueue> {
    const settings = {
      region: this.stack.region,
      endpoint: this.stack.sqsEndpoint,
      metrics: this.metrics,
      credentials: this.stack.credentials,
    };
    const probe = new SqsQueue('http://unused', settings);
    const url = await ensureQueue(probe.client, name);
    probe.close();
    return new SqsQueue(url, settings);
  }

  /** The environment a notifier process of this test gets (SQS input unless `SQS_QUEUE_URL` is overridden). */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...stackServiceEnv(this.stack),
      DATABASE_SCHEMA: this.names.schema,
      DATABASE_POOL_SIZE: '4',
      TOPIC_OBJECT_EVENTS: this.names.topics.objectEvents,
      TOPIC_DEAD_LETTERS: this.names.topics.deadLetters,
      ...(this.queue ? { SQS_QUEUE_URL: this.queue.queueUrl } : {}),
      SQS_WAIT_SECONDS: '1',
      SQS_VISIBILITY_TIMEOUT: '2',
      SQS_RETRY_BASE_SECONDS: '1',
      ...extra,
    };
  }

  async notifier(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    const p = new ServiceProcess({
      app: 'notifier',
      repoRoot: REPO_ROOT,
      env: this.env(extra),
      logDir: join(REPO_ROOT, 'test-results', this.names.id),
      baseEnv: process.env,
    });
    this.processes.push(p);
    return p.start();
  }

  /** Messages on a topic: the sum of the partitions' end offsets (the producer is idempotent, nothing is compacted). */
  async topicCount(topic: string): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  /** Every message of a topic, decoded (reads from the beginning with a throw-away group). */
  async readTopic<T>(topic: string, decode: (b: Buffer) => T): Promise<{ key: string | null; value: T }[]> {
    const expected = await this.topicCount(topic);
    const out: { key: string | null; value: T }[] = [];
    if (expected === 0) {
      return out;
    }
    const consumer = this.kafka.consumer({ groupId: `${this.names.id}-reader-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        out.push({ key: message.key?.toString() ?? null, value: decode(message.value!) });
      },
    });
    try {
      await waitFor(
        `${expected} messages on ${topic}`,
        async () => (out.length >= expected ? true : undefined),
        {
          timeoutMs: 60_000,
        },
      );
    } finally {
      await consumer.disconnect();
    }
    return out;
  }

  objectEvents(): Promise<{ key: string | null; value: ObjectEvent }[]> {
    return this.readTopic(this.names.topics.objectEvents, (b) => codecs.objectEvent.decode(b));
  }

  deadLetters(): Promise<{ key: string | null; value: DeadLetter }[]> {
    return this.readTopic(this.names.topics.deadLetters, (b) => codecs.deadLetter.decode(b));
  }

  /** Rows of the notifier's once-only record for one bucket. */
  async recorded(bucket: string): Promise<{ key: string; object_tag: string; source: string }[]> {
    const res = await this.db.query<{ key: string; object_tag: string; source: string }>(
      `SELECT key, object_tag, source FROM "${this.names.schema}".notifier_objects WHERE bucket = $1 ORDER BY key`,
      [bucket],
    );
    return res.rows;
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
    this.queue?.close();
    this.s3.close();
    await this.db.query(`DROP SCHEMA IF EXISTS "${this.names.schema}" CASCADE`).catch(() => undefined);
    await this.db.end();
  }
}

/** A log object key of the given kind and day, as AWS names them. */
export function flowKey(day: string, n: number, account = '123456789012'): string {
  const [y, m, d] = day.split('-');
  const id = String(n).padStart(8, '0');
  return `AWSLogs/${account}/vpcflowlogs/us-east-1/${y}/${m}/${d}/${account}_vpcflowlogs_us-east-1_fl-0123456789abcdef0_${y}${m}${d}T0000Z_${id}.log.gz`;
}

export function trailKey(day: string, n: number, account = '123456789012'): string {
  const [y, m, d] = day.split('-');
  const id = String(n).padStart(8, '0');
  return `AWSLogs/${account}/CloudTrail/us-east-1/${y}/${m}/${d}/${account}_CloudTrail_us-east-1_${y}${m}${d}T0000Z_${id}.json.gz`;
}
