/** Errors of the SQS adapter; the AWS SDK's own errors (with `$retryable`) pass through wrapped as cause. */

export type SqsErrorCode = 'QUEUE_NOT_CREATED';

export class SqsAdapterError extends Error {
  constructor(
    readonly code: SqsErrorCode,
    message: string,
    readonly retriable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SqsAdapterError';
  }
}
