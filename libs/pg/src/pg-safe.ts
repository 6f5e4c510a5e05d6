/**
 * Values Postgres cannot store, made storable. Text cannot hold NUL (U+0000), and jsonb refuses the
 * escape `\u0000` and unpaired surrogate escapes; valid JSON and valid Avro strings carry all three
 * (a CloudTrail userAgent, a flow-log field). They are stored as U+FFFD, the replacement character;
 * the Kafka record keeps the original. BulkInsert applies this to every value it writes.
 */

/** `text` with each NUL replaced by U+FFFD. */
export function textSafe(text: string): string {
  return text.includes('\0') ? text.replace(/\0/g, '\ufffd') : text;
}

/** JSON text whose `\u0000` and unpaired surrogate escapes read `\ufffd`; other text unchanged. */
export function jsonbSafe(text: string | null): string | null {
  if (text === null || !text.includes('\\u')) {
    return text;
  }
  // Only real escapes: the backslash before `u` must not itself be escaped (an even run before it).
  return text
    .replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd')
    .replace(/(?<!\\)((?:\\\\)*)\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})/gi, '$1\\ufffd')
    .replace(/(?<!\\ud[89ab][0-9a-f]{2})(?<!\\)((?:\\\\)*)\\ud[c-f][0-9a-f]{2}/gi, '$1\\ufffd');
}

/**
 * The storable form of one column value: jsonb columns take JSON text (objects are serialised
 * first) with the escapes above replaced; strings of other columns lose their NULs.
 */
export function storable(value: unknown, pgType: string): unknown {
  if (pgType === 'jsonb') {
    if (value === null || value === undefined) {
      return null;
    }
    // JSON.stringify writes a NUL inside a string as the escape, so one pass covers both.
    return jsonbSafe(typeof value === 'string' ? value : JSON.stringify(value));
  }
  return typeof value === 'string' ? textSafe(value) : value;
}
