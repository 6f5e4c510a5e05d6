import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import supertest from 'supertest';
import { createKafka } from '@lake/kafka';
import { S3Store } from '@lake/s3';
import { SqsQueue, ensureQueue } from '@lake/sqs';
import { createApiKey } from './api-keys';
import { s3NotificationBody } from './s3-notifications';
import { ServiceProcess } from './service-process';
import { stackEndpoints, stackServiceEnv } from './stack-endpoints';
import { uniqueNames } from './unique-names';
import { waitFor } from './wait-for';

export interface Uploaded {
  bucket: string;
  key: string;
  size: number;
}

/**
 * The whole pipeline for one test file: a fresh bucket, queue, topics and schema on the local
 * stack, and the five services each in its own process, configured by env as deployed.
 */
export class PipelineHarness {
  readonly names;
  readonly stack;
  s3!: S3Store;
  queue!: SqsQueue;
  db!: pg.Pool;
  /** query-api with this run's API key on every request. */
  api!: ReturnType<typeof supertest.agent>;
  /** The API key (created once the sink has migrated the schema). */
  apiKey!: string;
  readonly services = new Map<string, ServiceProcess>();

  constructor(
    prefix: string,
    private readonly repoRoot: string,
    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {
    this.names = uniqueNames(prefix);
    this.stack = stackEndpoints(env);
  }

  /** @param serviceEnv extra variables per app, e.g. { 'cloudtrail-parser': { CLOUDTRAIL_DIGEST_PUBLIC_KEYS: pem } } */
  async start(serviceEnv: Record<string, Record<string, string>> = {}): Promise<this> {
    const { stack, names } = this;
    const metrics = new Registry();
    this.s3 = new S3Store({
      region: stack.region,
      endpoint: stack.s3Endpoint,
      metrics,
      credentials: stack.credentials,
    });
    await this.s3.ensureBucket(names.bucket);
    const sqsSettings = {
      region: stack.region,
      endpoint: stack.sqsEndpoint,
      metrics,
      credentials: stack.credentials,
    };
    const probe = new SqsQueue('http://unused', sqsSettings);
    const queueUrl = await ensureQueue(probe.client, names.queue);
    probe.close();
    this.queue = new SqsQueue(queueUrl, sqsSettings);
    this.db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
    const env = {
      ...stackServiceEnv(stack),
      DATABASE_SCHEMA: names.schema,
      TOPIC_OBJECT_EVENTS: names.topics.objectEvents,
      TOPIC_FLOW_RECORDS: names.topics.flowRecords,
      TOPIC_TGW_FLOW_RECORDS: `${names.id}.vpcflow.tgw-records`,
      TOPIC_CLOUDTRAIL_EVENTS: names.topics.cloudTrailEvents,
      TOPIC_CLOUDTRAIL_INSIGHTS: `${names.id}.cloudtrail.insights`,
      TOPIC_DIGEST_CHECKS: `${names.id}.cloudtrail.digest-checks`,
      TOPIC_DEAD_LETTERS: names.topics.deadLetters,
      SQS_QUEUE_URL: queueUrl,
      SQS_WAIT_SECONDS: '1',
    };
    const logDir = join(this.repoRoot, 'test-results', names.id);
    const make = (app: string, extra: Record<string, string> = {}) => {
      const s = new ServiceProcess({
        app,
        repoRoot: this.repoRoot,
        env: { ...env, ...extra, ...serviceEnv[app] },
        logDir,
        baseEnv: this.env,
      });
      this.services.set(app, s);
      return s;
    };
    // The sink first: it creates the schema that query-api reads.
    await make('sink', { KAFKA_GROUP_ID: names.group('sink') }).start();
    this.apiKey = await createApiKey(this.db, names.schema, { name: names.id });
    await Promise.all([
      make('flow-parser', { KAFKA_GROUP_ID: names.group('flow-parser') }).start(),
      make('cloudtrail-parser', { KAFKA_GROUP_ID: names.group('cloudtrail-parser') }).start(),
      make('notifier').start(),
      make('query-api').start(),
    ]);
    this.api = supertest.agent(this.service('query-api').baseUrl).set('x-api-key', this.apiKey);
    return this;
  }

  service(app: string): ServiceProcess {
    const s = this.services.get(app);
    if (!s) {
      throw new Error(`no ${app} in this pipeline`);
    }
    return s;
  }

  async upload(key: string, body: Buffer): Promise<Uploaded> {
    await this.s3.putObject(this.names.bucket, key, body);
    return { bucket: this.names.bucket, key, size: body.length };
  }

  /** Sends one S3 → SQS notification for the objects (as S3 does, keys URL-encoded). */
  async notify(objects: Uploaded[]): Promise<void> {
    await this.queue.send(s3NotificationBody(objects));
  }

  private replays = 0;

  /**
   * Sends every object event the notifier published so far to the object-events topic once more,
   * byte for byte: what the parsers see when their group's offsets are reset or a batch is redelivered
   * after a crash. Returns how many were replayed.
   */
  async replayObjectEvents(): Promise<number> {
    const topic = this.names.topics.objectEvents;
    const kafka = createKafka({
      brokers: this.stack.kafkaBrokers,
      clientId: `${this.names.id}-replay`,
      logger: pino({ level: 'warn' }),
    });
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const wanted = ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    const messages: { key: Buffer | null; value: Buffer | null; partition: number }[] = [];
    // A group of its own each time: reading from the beginning again, whatever an earlier replay read.
    const consumer = kafka.consumer({ groupId: `${this.names.id}-replay-${++this.replays}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        messages.push({ key: message.key, value: message.value, partition });
      },
    });
    await waitFor('the published object events to be read back', async () =>
      messages.length >= wanted ? true : undefined,
    );
    await consumer.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages });
    await producer.disconnect();
    return messages.length;
  }

  /** Every item of a list endpoint, following nextCursor. */
  async allPages(path: string, query: Record<string, string | number>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    do {
      const res = await this.api
        .get(path)
        .query({ ...query, ...(cursor ? { cursor } : {}) })
        .expect(200);
      const body = res.body as { items: Record<string, unknown>[]; nextCursor: string | null };
      items.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    return items;
  }

  /** Sum of a Prometheus counter over its label sets, read from a service's /metrics. */
  async metric(app: string, name: string): Promise<number> {
    return this.service(app).counter(name);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.services.values()].map((s) => s.stop()));
    await this.db?.query(`DROP SCHEMA IF EXISTS "${this.names.schema}" CASCADE`);
    await this.db?.end();
    this.queue?.close();
    this.s3?.close();
  }
}
