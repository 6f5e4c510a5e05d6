import type { KafkaProducer } from '@lake/kafka';
import { counter, type Logger, type Registry } from '@lake/observability';
import { parseS3Notification } from '@lake/s3-events';
import { codecs, type DeadLetter, type DeadLetterReason } from '@lake/schemas';
import type { ReceivedMessage } from '@lake/sqs';
import type { ObjectPublisher } from './object-publisher';
import { BackgroundLoop } from './periodic-task';
import { sleep } from './sleep';

/** The part of an SQS queue the notifier uses (SqsQueue from @lake/sqs). */
export interface NotificationQueue {
  receive(options: {
    max: number;
    waitSeconds: number;
    visibilityTimeout: number;
    abortSignal?: AbortSignal;
  }): Promise<ReceivedMessage[]>;
  delete(receiptHandle: string): Promise<void>;
  extendVisibility(receiptHandle: string, seconds: number): Promise<void>;
}

export interface NotifierSettings {
  deadLetterTopic: string;
  waitSeconds: number;
  maxMessages: number;
  /** Seconds a received message stays hidden; the heartbeat renews it while the message is handled. */
  visibilityTimeout: number;
  /** The heartbeat renews the visibility timeout this often (default: a third of it). */
  heartbeatSeconds?: number;
  /**
   * A message that failed on this many receives (ApproximateReceiveCount) goes to the dead-letter
   * topic with its body and the last error, and is deleted. Ignored when `sqsRedrive` is true.
   */
  maxReceives: number;
  /** SQS's own redrive policy is configured on the queue: failing messages are left to it. */
  sqsRedrive: boolean;
  /** A failed message becomes visible again after this many seconds, doubled per receive (capped at the visibility timeout). */
  retryBaseSeconds: number;
  payloadLimit: number;
}

export interface NotifierDeps {
  queue: NotificationQueue;
  producer: KafkaProducer;
  publisher: ObjectPublisher;
  logger: Logger;
  metrics: Registry;
}

/**
 * Long-polls an SQS queue of S3 event notifications and publishes one object event per new
 * object through the {@link ObjectPublisher}. While a message is handled its visibility timeout is
 * renewed (heartbeat); it is deleted only after Kafka acknowledged every event it carries. A
 * message that keeps failing goes to the dead-letter topic after `maxReceives` receives, unless
 * the queue has SQS's own redrive policy.
 */
export class Notifier extends BackgroundLoop {
  private lastPollOk = 0;
  private readonly messages;
  private readonly ignoredEvents;
  private readonly extensions;
  private readonly deadLetters;

  constructor(
    private readonly settings: NotifierSettings,
    private readonly deps: NotifierDeps,
  ) {
    super();
    this.messages = counter(
      deps.metrics,
      'lake_notifier_messages_total',
      'SQS messages handled, by outcome (published, ignored, test-event, dead-letter, retry)',
      ['outcome'],
    );
    this.ignoredEvents = counter(
      deps.metrics,
      'lake_notifier_events_ignored_total',
      'Events in notifications that do not announce a new object (ObjectRemoved:*, ObjectTagging:*, …), by event name',
      ['event'],
    );
    this.extensions = counter(
      deps.metrics,
      'lake_notifier_visibility_extensions_total',
      'Visibility timeouts renewed while a message was handled (heartbeat)',
    );
    this.deadLetters = counter(deps.metrics, 'lake_dead_letters_total', 'Dead letters written, by reason', [
      'reason',
    ]);
  }

  /** Time of the last successful receive (0 before the first): /health reports a stuck poller. */
  get lastSuccessfulPoll(): number {
    return this.lastPollOk;
  }

  protected async run(): Promise<void> {
    let backoff = 500;
    while (!this.signal.aborted) {
      let received: ReceivedMessage[];
      try {
        received = await this.deps.queue.receive({
          max: this.settings.maxMessages,
          waitSeconds: this.settings.waitSeconds,
          visibilityTimeout: this.settings.visibilityTimeout,
          abortSignal: this.signal,
        });
        this.lastPollOk = Date.now();
        backoff = 500;
      } catch (err) {
        if (this.signal.aborted) {
          return;
        }
        this.deps.logger.warn({ err, backoffMs: backoff }, 'receive failed');
        await sleep(backoff, this.signal);
        backoff = Math.min(backoff * 2, 30_000);
        continue;
      }
      await this.handleBatch(received);
    }
  }

  /** Handles the messages of one receive side by side, each kept invisible until it is done. */
  async handleBatch(received: readonly ReceivedMessage[]): Promise<void> {
    if (received.length === 0) {
      return;
    }
    const pending = new Set(received);
    const heartbeat = this.startHeartbeat(pending);
    try {
      await Promise.all(
        received.map(async (message) => {
          try {
            await this.handleOrGiveUp(message, () => pending.delete(message));
          } finally {
            pending.delete(message);
          }
        }),
      );
    } finally {
      clearInterval(heartbeat);
    }
  }

  private startHeartbeat(pending: Set<ReceivedMessage>): NodeJS.Timeout {
    const every =
      (this.settings.heartbeatSeconds ?? Math.max(this.settings.visibilityTimeout / 3, 0.5)) * 1000;
    let running = false;
    return setInterval(() => {
      if (running) {
        return;
      }
      running = true;
      void Promise.all(
        [...pending].map(async (m) => {
          try {
            await this.deps.queue.extendVisibility(m.receiptHandle, this.settings.visibilityTimeout);
            this.extensions.inc();
          } catch (err) {
            this.deps.logger.warn({ err, messageId: m.id }, 'visibility timeout not renewed');
          }
        }),
      ).finally(() => {
        running = false;
      });
    }, every);
  }

  /** @param release stops the heartbeat for this message (before its retry delay is set). */
  private async handleOrGiveUp(message: ReceivedMessage, release: () => void): Promise<void> {
    try {
      await this.handle(message);
    } catch (err) {
      release();
      const log = this.deps.logger.child({ messageId: message.id, receiveCount: message.receiveCount });
      if (!this.settings.sqsRedrive && message.receiveCount >= this.settings.maxReceives) {
        try {
          const reason = err instanceof Error ? err.message : String(err);
          await this.deadLetter(
            message,
            'NOTIFICATION_FAILED',
            `failed on ${message.receiveCount} receives: ${reason}`,
          );
          await this.deps.queue.delete(message.receiptHandle);
          this.messages.inc({ outcome: 'dead-letter' });
          log.error({ err }, 'message failed too often; moved to the dead-letter topic');
          return;
        } catch (dlqErr) {
          log.error({ err: dlqErr }, 'dead-lettering failed; the message will be retried');
        }
      }
      this.messages.inc({ outcome: 'retry' });
      log.warn({ err }, 'message not handled; it will be retried');
      // Sooner than the full visibility timeout, later on each receive.
      const delay = Math.min(
        this.settings.visibilityTimeout,
        this.settings.retryBaseSeconds * 2 ** Math.max(0, message.receiveCount - 1),
      );
      await this.deps.queue.extendVisibility(message.receiptHandle, Math.round(delay)).catch(() => undefined);
    }
  }

  async handle(message: ReceivedMessage): Promise<void> {
    const log = this.deps.logger.child({ messageId: message.id });
    const parsed = parseS3Notification(message.body);
    switch (parsed.type) {
      case 'test-event':
        this.messages.inc({ outcome: 'test-event' });
        break;
      case 'invalid':
        await this.deadLetter(message, 'NOT_S3_NOTIFICATION', parsed.reason);
        this.messages.inc({ outcome: 'dead-letter' });
        log.warn({ reason: parsed.reason }, 'message is not an S3 notification');
        break;
      case 'objects': {
        for (const ignored of parsed.ignored) {
          this.ignoredEvents.inc({ event: ignored.eventName });
        }
        const summary = await this.deps.publisher.publish(parsed.objects);
        this.messages.inc({
          outcome: parsed.objects.length === 0 ? 'ignored' : 'published',
        });
        log.debug({ ...summary, ignored: parsed.ignored.length }, 'message handled');
        break;
      }
    }
    await this.deps.queue.delete(message.receiptHandle);
  }

  private async deadLetter(
    message: ReceivedMessage,
    reason: DeadLetterReason,
    detail: string,
  ): Promise<void> {
    const body = Buffer.from(message.body);
    const letter: DeadLetter = {
      service: 'notifier',
      bucket: null,
      key: null,
      position: null,
      reason,
      message: detail,
      payload: body.subarray(0, this.settings.payloadLimit),
      payloadTruncated: body.length > this.settings.payloadLimit,
      occurredAt: Date.now(),
    };
    await this.deps.producer.send(this.settings.deadLetterTopic, [
      { key: null, value: codecs.deadLetter.encode(letter), headers: { 'sqs-message-id': message.id } },
    ]);
    this.deadLetters.inc({ reason });
  }
}
