import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import type { Counter, Registry } from 'prom-client';
import { Counter as PromCounter } from 'prom-client';
import { SqsAdapterError } from './sqs.errors';

export interface SqsSettings {
  region: string;
  /** An SQS-compatible endpoint (e.g. ElasticMQ); unset for AWS. */
  endpoint?: string;
  metrics: Registry;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface ReceivedMessage {
  id: string;
  receiptHandle: string;
  body: string;
  /** How many times SQS has handed this message out (1 on first delivery). */
  receiveCount: number;
}

/** Narrow SQS interface: one queue per instance. */
export class SqsQueue {
  readonly client: SQSClient;
  private readonly received: Counter;
  private readonly deleted: Counter;

  constructor(
    readonly queueUrl: string,
    settings: SqsSettings,
  ) {
    this.client = new SQSClient({
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(settings.credentials ? { credentials: settings.credentials } : {}),
    });
    this.received = counter(settings.metrics, 'lake_sqs_messages_received_total', 'SQS messages received');
    this.deleted = counter(
      settings.metrics,
      'lake_sqs_messages_deleted_total',
      'SQS messages deleted after handling',
    );
  }

  /** Long-polls for up to `max` messages; `abortSignal` ends the wait early on shutdown. */
  async receive(options: {
    max: number;
    waitSeconds: number;
    visibilityTimeout: number;
    abortSignal?: AbortSignal;
  }): Promise<ReceivedMessage[]> {
    const res = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: options.max,
        WaitTimeSeconds: options.waitSeconds,
        VisibilityTimeout: options.visibilityTimeout,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
      options.abortSignal ? { abortSignal: options.abortSignal } : {},
    );
    const messages = (res.Messages ?? []).filter(
      (m): m is Message & { MessageId: string; ReceiptHandle: string } => !!m.MessageId && !!m.ReceiptHandle,
    );
    this.received.inc(messages.length);
    return messages.map((m) => ({
      id: m.MessageId,
      receiptHandle: m.ReceiptHandle,
      body: m.Body ?? '',
      receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? '1'),
    }));
  }

  async delete(receiptHandle: string): Promise<void> {
    await this.client.send(
      new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle }),
    );
    this.deleted.inc();
  }

  async extendVisibility(receiptHandle: string, seconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  }

  /** The queue's RedrivePolicy (JSON text) when SQS's own dead-letter queue is configured, else null. */
  async redrivePolicy(): Promise<string | null> {
    const res = await this.client.send(
      new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    return res.Attributes?.['RedrivePolicy'] ?? null;
  }

  async send(body: string): Promise<string | undefined> {
    const res = await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: body }),
    );
    return res.MessageId;
  }

  close(): void {
    this.client.destroy();
  }
}

/** Creates a queue if needed and returns its URL (tests and the local stack). */
export async function ensureQueue(client: SQSClient, name: string): Promise<string> {
  try {
    const res = await client.send(new GetQueueUrlCommand({ QueueName: name }));
    if (res.QueueUrl) {
      return res.QueueUrl;
    }
  } catch {
    // Not there yet: create it below.
  }
  const created = await client.send(new CreateQueueCommand({ QueueName: name }));
  if (!created.QueueUrl) {
    // An answer without a URL is the server's anomaly, not ours: asking again may succeed.
    throw new SqsAdapterError('QUEUE_NOT_CREATED', `queue ${name} was not created`, true);
  }
  return created.QueueUrl;
}

function counter(registry: Registry, name: string, help: string): Counter {
  return (
    (registry.getSingleMetric(name) as Counter | undefined) ??
    new PromCounter({ name, help, registers: [registry] })
  );
}
