import {
  CompressionTypes,
  Partitioners,
  type ICustomPartitioner,
  type Kafka,
  type Message,
  type Producer,
} from 'kafkajs';
import type { Counter, Registry } from 'prom-client';
import { Counter as PromCounter } from 'prom-client';
import { KafkaAdapterError } from './kafka.errors';

export interface OutgoingMessage {
  key: string | Buffer | null;
  value: Buffer;
  headers?: Record<string, string>;
}

export interface ProducerSettings {
  metrics: Registry;
  /**
   * A send is split so that one request stays under this many bytes (keys, values and per-record
   * overhead): the broker's default message.max.bytes is 1 MB and all messages of one key land in
   * one record batch.
   */
  maxRequestBytes?: number;
  compression?: 'none' | 'gzip';
}

/**
 * Narrow producer: idempotent, acks from all in-sync replicas, sends resolve only when the broker
 * acknowledged (callers delete / commit their input after that, never before).
 */
export class KafkaProducer {
  private readonly producer: Producer;
  private readonly sent: Counter<'topic'>;
  private readonly sentBytes: Counter<'topic'>;
  private readonly maxRequestBytes: number;
  private readonly compression: CompressionTypes;
  private connected = false;

  constructor(kafka: Kafka, settings: ProducerSettings) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2 on the key, as the Java client partitions: a key lands on the same partition from any client.
      createPartitioner: memoizedKeyPartitioner,
    });
    this.maxRequestBytes = settings.maxRequestBytes ?? 800_000;
    this.compression = settings.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    this.sent = metric(
      settings.metrics,
      'lake_kafka_messages_produced_total',
      'Messages acknowledged by Kafka',
    );
    this.sentBytes = metric(
      settings.metrics,
      'lake_kafka_bytes_produced_total',
      'Value bytes acknowledged by Kafka',
    );
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = false;
    });
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  async send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    let start = 0;
    while (start < messages.length) {
      let bytes = 0;
      let end = start;
      while (
        end < messages.length &&
        (end === start || bytes + sizeOf(messages[end]!) <= this.maxRequestBytes)
      ) {
        bytes += sizeOf(messages[end]!);
        end++;
      }
      if (bytes > this.maxRequestBytes) {
        throw new KafkaAdapterError(
          'MESSAGE_TOO_LARGE',
          `one message of ${bytes} bytes exceeds the ${this.maxRequestBytes}-byte limit`,
          false,
        );
      }
      const slice: Message[] = messages.slice(start, end).map((m) => ({
        key: m.key,
        value: m.value,
        ...(m.headers ? { headers: m.headers } : {}),
      }));
      await this.producer.send({ topic, messages: slice, acks: -1, compression: this.compression });
      this.sent.inc({ topic }, slice.length);
      this.sentBytes.inc({ topic }, bytes);
      start = end;
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
    this.connected = false;
  }
}

/**
 * kafkajs's default partitioner, remembering the last key's partition. A parser sends thousands of
 * messages with one key (the source file) per call, and the partitioner runs per message: murmur2
 * over a ~130-byte key plus a filtered copy of the partition list each time (the top of the
 * parser's CPU profile). For a keyed message the partition depends only on the key and the
 * partition count, so the remembered answer is the same answer.
 */
const memoizedKeyPartitioner: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  let last: { topic: string; key: string; count: number; partition: number } | null = null;
  return (args) => {
    const { topic, partitionMetadata, message } = args;
    const key = message.key;
    if (typeof key !== 'string' || (message.partition !== undefined && message.partition !== null)) {
      return partitioner(args);
    }
    if (last && last.key === key && last.topic === topic && last.count === partitionMetadata.length) {
      return last.partition;
    }
    const partition = partitioner(args);
    last = { topic, key, count: partitionMetadata.length, partition };
    return partition;
  };
};

/** Upper bound of a record's size in a v2 record batch: key, value, headers and ~40 bytes of varints. */
const RECORD_OVERHEAD = 40;
function sizeOf(m: OutgoingMessage): number {
  let n = m.value.length + RECORD_OVERHEAD + (m.key === null ? 0 : Buffer.byteLength(m.key));
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    n += Buffer.byteLength(k) + Buffer.byteLength(v) + 8;
  }
  return n;
}

function metric(registry: Registry, name: string, help: string): Counter<'topic'> {
  return (
    (registry.getSingleMetric(name) as Counter<'topic'> | undefined) ??
    new PromCounter({ name, help, labelNames: ['topic'], registers: [registry] })
  );
}
