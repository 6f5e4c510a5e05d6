import type { Consumer, ConsumerConfig, EachBatchPayload, EachMessagePayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Gauge, Registry } from 'prom-client';
import { Gauge as PromGauge } from 'prom-client';

export type { EachBatchPayload, EachMessagePayload } from 'kafkajs';

export interface ConsumerSettings {
  groupId: string;
  topics: string[];
  logger: Logger;
  metrics: Registry;
  fromBeginning?: boolean;
  sessionTimeout?: number;
  partitionsConsumedConcurrently?: number;
  maxBytesPerPartition?: number;
}

type Handler =
  | { eachMessage: (payload: EachMessagePayload) => Promise<void> }
  | { eachBatch: (payload: EachBatchPayload) => Promise<void> };

/**
 * A consumer-group member. Health: `crashed` turns true when kafkajs gives up (a crash it will not
 * restart from), so /health can report it and the orchestrator restarts the process.
 */
export class KafkaConsumer {
  private readonly consumer: Consumer;
  private crashError: Error | null = null;
  private joined = false;
  private readonly lag: Gauge<'topic' | 'partition'>;

  constructor(
    kafka: Kafka,
    private readonly settings: ConsumerSettings,
  ) {
    const config: ConsumerConfig = {
      groupId: settings.groupId,
      sessionTimeout: settings.sessionTimeout ?? 30_000,
      allowAutoTopicCreation: false,
      ...(settings.maxBytesPerPartition ? { maxBytesPerPartition: settings.maxBytesPerPartition } : {}),
    };
    this.consumer = kafka.consumer(config);
    this.lag =
      (settings.metrics.getSingleMetric('lake_kafka_consumer_offset_lag') as
        Gauge<'topic' | 'partition'> | undefined) ??
      new PromGauge({
        name: 'lake_kafka_consumer_offset_lag',
        help: 'High watermark minus the last offset handled, per partition (after each batch)',
        labelNames: ['topic', 'partition'],
        registers: [settings.metrics],
      });
    const { CRASH, GROUP_JOIN, END_BATCH_PROCESS } = this.consumer.events;
    this.consumer.on(CRASH, (e) => {
      const { error, restart } = e.payload;
      settings.logger.error({ err: error, restart }, 'consumer crashed');
      if (!restart) {
        this.crashError = error;
      }
    });
    this.consumer.on(GROUP_JOIN, () => {
      this.joined = true;
    });
    this.consumer.on(END_BATCH_PROCESS, (e) => {
      this.lag.set(
        { topic: e.payload.topic, partition: String(e.payload.partition) },
        Number(e.payload.offsetLag),
      );
    });
  }

  get crashed(): Error | null {
    return this.crashError;
  }

  get hasJoined(): boolean {
    return this.joined;
  }

  async start(handler: Handler & { autoCommit?: boolean }): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: this.settings.topics,
      fromBeginning: this.settings.fromBeginning ?? true,
    });
    const common = {
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently ?? 1,
      autoCommit: handler.autoCommit ?? true,
    };
    if ('eachMessage' in handler) {
      await this.consumer.run({ ...common, eachMessage: handler.eachMessage });
    } else {
      await this.consumer.run({ ...common, eachBatchAutoResolve: false, eachBatch: handler.eachBatch });
    }
  }

  commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void> {
    return this.consumer.commitOffsets(offsets);
  }

  async close(): Promise<void> {
    await this.consumer.disconnect();
  }
}
