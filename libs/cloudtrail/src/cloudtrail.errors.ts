/** Errors of the CloudTrail decoders that throw (record and Insights mappers return typed results). */

export type CloudTrailErrorCode = 'DIGEST_INVALID';

/** A file that is not what its key says (e.g. a digest without logFiles). Never retriable. */
export class CloudTrailFormatError extends Error {
  readonly retriable = false;
  constructor(
    readonly code: CloudTrailErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CloudTrailFormatError';
  }
}
