import type { DeadLetter } from '@lake/schemas';
import type pg from 'pg';
import { BulkInsert } from './bulk-insert';

export interface StoredDeadLetter {
  topic: string;
  partition: number;
  offset: string;
  letter: DeadLetter;
}

/** Keeps dead letters queryable; idempotent on their Kafka coordinates and on their place in an object. */
export class DeadLettersRepository {
  private readonly bulk = new BulkInsert<StoredDeadLetter>(
    'dead_letters',
    [
      { name: 'kafka_topic', pgType: 'text', get: (d) => d.topic },
      { name: 'kafka_partition', pgType: 'integer', get: (d) => d.partition },
      { name: 'kafka_offset', pgType: 'bigint', get: (d) => d.offset },
      { name: 'service', pgType: 'text', get: (d) => d.letter.service },
      { name: 'bucket', pgType: 'text', get: (d) => d.letter.bucket },
      { name: 'key', pgType: 'text', get: (d) => d.letter.key },
      { name: 'position', pgType: 'bigint', get: (d) => d.letter.position },
      { name: 'reason', pgType: 'text', get: (d) => d.letter.reason },
      { name: 'message', pgType: 'text', get: (d) => d.letter.message },
      { name: 'payload', pgType: 'bytea', get: (d) => d.letter.payload },
      { name: 'payload_truncated', pgType: 'boolean', get: (d) => d.letter.payloadTruncated },
      { name: 'occurred_at', pgType: 'timestamptz', get: (d) => new Date(d.letter.occurredAt) },
    ],
    // Either key: Kafka coordinates, or service + object + position + reason (migration 651).
    [],
  );

  insert(client: pg.ClientBase, letters: readonly StoredDeadLetter[]): Promise<number> {
    return this.bulk.insert(client, letters);
  }
}
