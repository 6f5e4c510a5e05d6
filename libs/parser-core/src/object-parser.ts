import { S3AdapterError, type S3Store } from '@lake/s3';
import type { KafkaConsumer, KafkaProducer, OutgoingMessage } from '@lake/kafka';
import { classifyKey } from '@lake/object-keys';
import { counter, histogram, type Logger, type Registry } from '@lake/observability';
import {
  codecs,
  EncodeArena,
  type DeadLetter,
  type DeadLetterReason,
  type Decoder,
  type ObjectContext,
  type ObjectEvent,
  type ObjectKind,
  type RandomAccessDecoder,
} from '@lake/schemas';
import { decodeObject } from './decode-object';
import { decodeSpooled } from './spool';

export interface ObjectParserSettings<T> {
  service: string;
  kinds: readonly ObjectKind[];
  decoder: Decoder<T>;
  /** Decoders for particular kinds (e.g. CloudTrail-Insight files), instead of `decoder`. */
  decodersByKind?: Partial<Record<ObjectKind, Decoder<T>>>;
  /** Decoders of formats that need random access (Parquet), by object kind; the object is spooled to a temp file. */
  randomAccessDecoders?: Partial<Record<ObjectKind, RandomAccessDecoder<T>>>;
  /**
   * Avro-encodes a decoded value and names its topic (a file may hold several record types). The
   * arena (one per object) may hold the message bytes: the parser resets it once Kafka acknowledged them.
   */
  encode: (value: T, arena: EncodeArena) => EncodedRecord;
  deadLetterTopic: string;
  /** Records per Kafka send. */
  batchSize: number;
  /** Dead-letter payloads are cut to this many bytes (documented in the README). */
  payloadLimit: number;
}

export interface EncodedRecord {
  topic: string;
  value: Buffer;
}

export interface ObjectParserDeps {
  s3: S3Store;
  producer: KafkaProducer;
  consumer: KafkaConsumer;
  logger: Logger;
  metrics: Registry;
}

export interface ObjectOutcome {
  records: number;
  deadLetters: number;
}

/**
 * Consumes object events, reads each object of the configured kinds from S3, decodes it and
 * publishes Avro records (key: "{bucket}/{key}", so one file stays in order on one partition)
 * and dead letters. An object event's offset is committed only after all its records were
 * acknowledged; a crash re-reads the object and the sink drops the repeats by natural key.
 */
export class ObjectParser<T> {
  private readonly objects;
  private readonly records;
  private readonly deadLetters;
  private readonly duration;

  constructor(
    private readonly settings: ObjectParserSettings<T>,
    private readonly deps: ObjectParserDeps,
  ) {
    const m = deps.metrics;
    this.objects = counter(m, 'lake_parser_objects_total', 'Object events handled, by kind and outcome', [
      'kind',
      'outcome',
    ]);
    this.records = counter(m, 'lake_parser_records_total', 'Records published');
    this.deadLetters = counter(m, 'lake_dead_letters_total', 'Dead letters published, by reason', ['reason']);
    this.duration = histogram(
      m,
      'lake_parser_object_seconds',
      'Time to parse one object',
      [],
      [0.05, 0.2, 1, 5, 20, 60, 300],
    );
  }

  async start(): Promise<void> {
    await this.deps.consumer.start({
      eachMessage: async (payload) => {
        const { topic, partition, message } = payload;
        const log = this.deps.logger.child({ topic, partition, offset: message.offset });
        let event: ObjectEvent;
        try {
          event = codecs.objectEvent.decode(message.value ?? Buffer.alloc(0));
        } catch (err) {
          log.warn({ err }, 'object event not decodable');
          await this.publishDeadLetters([
            this.letter(null, 'SCHEMA_UNKNOWN', (err as Error).message, null, message.value ?? null),
          ]);
          return;
        }
        if (!this.settings.kinds.includes(event.kind)) {
          this.objects.inc({ kind: event.kind, outcome: 'skipped' });
          return;
        }
        await this.parseObject(event, () => payload.heartbeat(), log);
      },
    });
  }

  /** Reads, decodes and publishes one object. Throws only for retriable failures. */
  async parseObject(event: ObjectEvent, heartbeat: () => Promise<void>, log: Logger): Promise<ObjectOutcome> {
    const stop = this.duration.startTimer();
    const outcome: ObjectOutcome = { records: 0, deadLetters: 0 };
    const pending = new Map<string, OutgoingMessage[]>();
    let pendingCount = 0;
    const letters: DeadLetter[] = [];
    const messageKey = `${event.bucket}/${event.key}`;
    const arena = new EncodeArena();
    const context: ObjectContext = {
      bucket: event.bucket,
      key: event.key,
      keyInfo: classifyKey(event.key),
      arena,
    };
    const flush = async (): Promise<void> => {
      for (const [topic, messages] of pending) {
        await this.deps.producer.send(topic, messages);
        this.records.inc(messages.length);
        outcome.records += messages.length;
      }
      pending.clear();
      pendingCount = 0;
      // Every pending message is acknowledged and dropped: their bytes may be overwritten.
      arena.reset();
      if (letters.length > 0) {
        outcome.deadLetters += letters.length;
        await this.publishDeadLetters(letters.splice(0));
      }
      await heartbeat();
    };

    let body: Awaited<ReturnType<S3Store['getObjectStream']>>['body'] | null = null;
    try {
      try {
        const object = await this.deps.s3.getObjectStream(event.bucket, event.key);
        body = object.body;
        context.metadata = object.metadata;
      } catch (err) {
        if (err instanceof S3AdapterError && !err.retriable) {
          // Access denied is dead-lettered too (retrying does not fix an IAM policy); its own reason
          // code tells operators it is a permission problem, not a lost object.
          const reason = err.code === 'ACCESS_DENIED' ? 'OBJECT_ACCESS_DENIED' : 'OBJECT_MISSING';
          letters.push(this.letter(context, reason, err.message, null, null));
          await flush();
          this.objects.inc({ kind: event.kind, outcome: 'dead-letter' });
          return outcome;
        }
        throw err;
      }
      const randomAccess = this.settings.randomAccessDecoders?.[event.kind];
      const batches = randomAccess
        ? decodeSpooled(body, context, randomAccess)
        : decodeObject(body, context, this.settings.decodersByKind?.[event.kind] ?? this.settings.decoder);
      for await (const batch of batches) {
        for (const out of batch) {
          if (out.ok) {
            const { topic, value } = this.settings.encode(out.value, arena);
            let list = pending.get(topic);
            if (!list) {
              list = [];
              pending.set(topic, list);
            }
            list.push({ key: messageKey, value });
            pendingCount++;
          } else {
            const { reason, message, position, payload } = out.issue;
            letters.push(this.letter(context, reason, message, position, payload));
          }
        }
        if (pendingCount >= this.settings.batchSize) {
          await flush();
        } else {
          // Slow decoders (a digest hashes each listed file) stay in the group between flushes;
          // kafkajs sends a heartbeat only once its interval has passed.
          await heartbeat();
        }
      }
      await flush();
      this.objects.inc({ kind: event.kind, outcome: outcome.deadLetters > 0 ? 'partial' : 'ok' });
      log.info({ bucket: event.bucket, key: event.key, ...outcome }, 'object parsed');
      return outcome;
    } finally {
      body?.destroy();
      stop();
    }
  }

  private letter(
    context: ObjectContext | null,
    reason: DeadLetterReason,
    message: string,
    position: number | null,
    payload: Buffer | null,
  ): DeadLetter {
    const limit = this.settings.payloadLimit;
    this.deadLetters.inc({ reason });
    return {
      service: this.settings.service,
      bucket: context?.bucket ?? null,
      key: context?.key ?? null,
      position,
      reason,
      message,
      payload: payload ? payload.subarray(0, limit) : null,
      payloadTruncated: payload !== null && payload.length > limit,
      occurredAt: Date.now(),
    };
  }

  private async publishDeadLetters(letters: DeadLetter[]): Promise<void> {
    await this.deps.producer.send(
      this.settings.deadLetterTopic,
      letters.map((l) => ({
        key: l.bucket && l.key ? `${l.bucket}/${l.key}` : null,
        value: codecs.deadLetter.encode(l),
      })),
    );
  }
}
