export type SchemaErrorCode = 'NOT_SINGLE_OBJECT' | 'UNKNOWN_SCHEMA';

/** A message that cannot be decoded: never retriable, goes to a dead-letter topic. */
export class SchemaError extends Error {
  readonly retriable = false;
  constructor(
    readonly code: SchemaErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SchemaError';
  }
}
