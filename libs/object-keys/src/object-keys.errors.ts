/** Errors of the object-key helpers (keys themselves never throw: an unknown key is classified as such). */

export type ObjectKeysErrorCode = 'DATES_INVALID';

/** Bad arguments, e.g. backfill dates that are not YYYY-MM-DD; a RangeError, never retriable. */
export class ObjectKeysError extends RangeError {
  readonly retriable = false;
  constructor(
    readonly code: ObjectKeysErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ObjectKeysError';
  }
}
