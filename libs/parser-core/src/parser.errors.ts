import type { DeadLetterReason } from '@lake/schemas';

/** Errors of the object parser; adapters' errors (S3, Kafka) come from their libs, with `retriable`. */

/**
 * A whole object cannot be read (not gzip, corrupt gzip, empty): dead-lettered, never retried. Its
 * code is the dead-letter reason.
 */
export class ObjectDecodeError extends Error {
  readonly retriable = false;
  constructor(
    readonly reason: DeadLetterReason,
    message: string,
    readonly payload: Buffer | null,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ObjectDecodeError';
  }

  get code(): DeadLetterReason {
    return this.reason;
  }
}
