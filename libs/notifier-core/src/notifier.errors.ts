/** Errors of the notifier's own code; adapters' errors (S3, SQS, Kafka) come from their libs. */

export type SnsSignatureCode =
  'unsigned' | 'untrusted-certificate' | 'bad-signature' | 'unknown-type' | 'topic-not-allowed';

/**
 * An SNS message whose signature cannot be trusted. `unsigned`: fields missing (HTTP 401); the
 * others: refused (HTTP 403). Never retriable: the same message fails the same way.
 */
export class SnsSignatureError extends Error {
  readonly retriable = false;
  constructor(
    readonly code: SnsSignatureCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SnsSignatureError';
  }
}
