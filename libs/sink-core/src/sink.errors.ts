/** Errors of the sink's own code; Postgres and Kafka errors pass through (SQLSTATE / kafkajs `retriable`). */

export type SinkErrorCode = 'TOPIC_UNKNOWN';

/** A message from a topic the sink was not configured for: a wiring mistake, never retriable. */
export class SinkError extends Error {
  readonly retriable = false;
  constructor(
    readonly code: SinkErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SinkError';
  }
}
