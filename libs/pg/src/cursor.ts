import { CursorError } from './pg.errors';

/** Opaque keyset-pagination cursors: base64url of the sort key of the last row returned. */
export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string, shape: readonly ('string' | 'number')[]): (string | number)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (err) {
    throw new CursorError('cursor is not valid', { cause: err });
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== shape.length ||
    !parsed.every((v, i) => typeof v === shape[i])
  ) {
    throw new CursorError('cursor is not valid');
  }
  return parsed as (string | number)[];
}
