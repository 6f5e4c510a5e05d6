/**
 * Errors of the Postgres layer. Errors of the pg driver itself pass through unwrapped (their
 * SQLSTATE `code` says what happened); these are the layer's own refusals.
 */

/** A request the read side cannot answer as asked: HTTP 400, never retriable. */
export type PgQueryErrorCode = 'CURSOR_INVALID' | 'SOURCE_INEXACT';

abstract class QueryRefusal extends Error {
  readonly statusCode = 400;
  readonly retriable = false;
  abstract readonly code: PgQueryErrorCode;
}

/** A pagination cursor that this list did not hand out. */
export class CursorError extends QueryRefusal {
  readonly code = 'CURSOR_INVALID';
  override readonly name = 'CursorError';
}

/** A requested source that cannot answer the question exactly (e.g. `hour` for 10:30–11:00). */
export class SourceError extends QueryRefusal {
  readonly code = 'SOURCE_INEXACT';
  override readonly name = 'SourceError';
}

export type PgSetupErrorCode =
  'SETTING_INVALID' | 'MIGRATIONS_NOT_FOUND' | 'API_KEY_INVALID' | 'BACKFILL_RUN_MISSING';

/** Misconfiguration or misuse found at start or on a call; retrying does not help. */
export class PgSetupError extends Error {
  readonly retriable = false;
  constructor(
    readonly code: PgSetupErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PgSetupError';
  }
}
