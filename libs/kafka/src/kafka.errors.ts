/** Errors of the Kafka adapter; kafkajs' own errors carry their `retriable` flag and are passed through. */
export class KafkaAdapterError extends Error {
  constructor(
    readonly code: 'MESSAGE_TOO_LARGE' | 'NOT_CONNECTED',
    message: string,
    readonly retriable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'KafkaAdapterError';
  }
}
