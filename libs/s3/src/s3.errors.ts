export type S3ErrorCode = 'OBJECT_MISSING' | 'ACCESS_DENIED' | 'S3_UNAVAILABLE';

/** `retriable`: worth trying again later (throttling, 5xx, network); the others never succeed on retry. */
export class S3AdapterError extends Error {
  constructor(
    readonly code: S3ErrorCode,
    message: string,
    readonly retriable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'S3AdapterError';
  }
}
