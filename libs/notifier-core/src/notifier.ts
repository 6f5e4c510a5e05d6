import type { KafkaProducer } from '@lake/kafka';
import { classifyKey } from '@lake/object-keys';
import { counter, type Logger, type Registry } from '@lake/observability';
import { parseS3Notification, type ObjectRef } from '@lake/s3-events';
import { codecs, type DeadLetter, type ObjectEvent } from '@lake/schemas';
import type { ReceivedMessage, SqsQueue } from '@lake/sqs';

export interface NotifierSettings {
  objectEventsTopic: string;
  deadLetterTopic: string;
  waitSeconds: number;
  maxMessages: number;
  visibilityTimeout: number;
  payloadLimit: number;
}

export interface NotifierDeps {
  queue: SqsQueue;
  producer: KafkaProducer;
  logger: Logger;
  metrics: Registry;
}

export function toObjectEvent(ref: ObjectRef, now = Date.now()): ObjectEvent {
  const info = classifyKey(ref.key);
  return {
    bucket: ref.bucket,
    key: ref.key,
    size: ref.size,
    etag: ref.etag,
    versionId: ref.versionId,
    sequencer: ref.sequencer,
    eventName: ref.eventName,
    eventTime: ref.eventTime,
    kind: info.kind,
    accountId: info.accountId,
    region: info.region,
    source: ref.via,
    discoveredAt: now,
  };
}

/**
 * Long-polls an SQS queue of S3 event notifications and publishes one object event per new
 * object (key "{bucket}/{key}"). A message is deleted only after Kafka acknowledged every event
 * it carries; if publishing fails the message becomes visible again and is retried.
 */
export class Notifier {
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  private lastPollOk = 0;
  private readonly messages;
  private readonly objects;

  constructor(
    private readonly settings: NotifierSettings,
    private readonly deps: NotifierDeps,
  ) {
    this.messages = counter(
      deps.metrics,
      'lake_notifier_messages_total',
      'SQS messages handled, by outcome',
      ['outcome'],
    );
    this.objects = counter(deps.metrics, 'lake_notifier_objects_total', 'Object events published, by kind', [
      'kind',
    ]);
  }

  /** Time of the last successful receive (0 before the first): /health reports a stuck poller. */
  get lastSuccessfulPoll(): number {
    return this.lastPollOk;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    let backoff = 500;
    while (!this.abort.signal.aborted) {
      let received: ReceivedMessage[];
      try {
        received = await this.deps.queue.receive({
          max: this.settings.maxMessages,
          waitSeconds: this.settings.waitSeconds,
          visibilityTimeout: this.settings.visibilityTimeout,
          abortSignal: this.abort.signal,
        });
        this.lastPollOk = Date.now();
        backoff = 500;
      } catch (err) {
        if (this.abort.signal.aborted) {
          return;
        }
        this.deps.logger.warn({ err, backoffMs: backoff }, 'receive failed');
        await sleep(backoff, this.abort.signal);
        backoff = Math.min(backoff * 2, 30_000);
        continue;
      }
      for (const message of received) {
        try {
          await this.handle(message);
        } catch (err) {
          // Left on the queue: it becomes visible again after the visibility timeout.
          this.messages.inc({ outcome: 'retry' });
          this.deps.logger.warn({ err, messageId: message.id }, 'message not handled; it will be retried');
        }
      }
    }
  }

  async handle(message: ReceivedMessage): Promise<void> {
    const log = this.deps.logger.child({ messageId: message.id });
    const parsed = parseS3Notification(message.body);
    switch (parsed.type) {
      case 'test-event':
        this.messages.inc({ outcome: 'test-event' });
        break;
      case 'invalid': {
        const body = Buffer.from(message.body);
        const letter: DeadLetter = {
          service: 'notifier',
          bucket: null,
          key: null,
          position: null,
          reason: 'NOT_S3_NOTIFICATION',
          message: parsed.reason,
          payload: body.subarray(0, this.settings.payloadLimit),
          payloadTruncated: body.length > this.settings.payloadLimit,
          occurredAt: Date.now(),
        };
        await this.deps.producer.send(this.settings.deadLetterTopic, [
          { key: null, value: codecs.deadLetter.encode(letter) },
        ]);
        this.messages.inc({ outcome: 'dead-letter' });
        log.warn({ reason: parsed.reason }, 'message is not an S3 notification');
        break;
      }
      case 'objects': {
        const events = parsed.objects.map((o) => toObjectEvent(o));
        await this.deps.producer.send(
          this.settings.objectEventsTopic,
          events.map((e) => ({ key: `${e.bucket}/${e.key}`, value: codecs.objectEvent.encode(e) })),
        );
        for (const e of events) {
          this.objects.inc({ kind: e.kind });
        }
        this.messages.inc({
          outcome: parsed.ignored.length > 0 && events.length === 0 ? 'ignored' : 'published',
        });
        log.debug({ objects: events.length, ignored: parsed.ignored.length }, 'message published');
        break;
      }
    }
    await this.deps.queue.delete(message.receiptHandle);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
