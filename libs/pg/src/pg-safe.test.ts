import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonbSafe, storable, textSafe } from './pg-safe';

describe('jsonbSafe', () => {
  it('replaces the escapes Postgres jsonb refuses, keeps everything else', () => {
    assert.equal(jsonbSafe(JSON.stringify({ a: 'x\u0000y' })), '{"a":"x\\ufffdy"}');
    assert.equal(jsonbSafe(JSON.stringify({ a: '\ud800' })), '{"a":"\\ufffd"}');
    assert.equal(
      jsonbSafe(JSON.stringify({ a: 'ok 😀 \\u0000 literal' })),
      JSON.stringify({ a: 'ok 😀 \\u0000 literal' }),
    );
    assert.equal(jsonbSafe(null), null);
  });
});

describe('textSafe and storable', () => {
  it('replaces NUL in text, leaves other text and non-strings as they are', () => {
    assert.equal(textSafe('a\u0000b\u0000'), 'a\ufffdb\ufffd');
    assert.equal(textSafe('plain'), 'plain');
    assert.equal(storable('a\u0000', 'text'), 'a\ufffd');
    assert.equal(storable(42, 'bigint'), 42);
    assert.equal(storable(null, 'text'), null);
  });

  it('gives jsonb columns JSON text, serialising objects and fixing escapes', () => {
    assert.equal(storable({ a: 'x\u0000' }, 'jsonb'), '{"a":"x\\ufffd"}');
    assert.equal(storable('{"a":1}', 'jsonb'), '{"a":1}');
    assert.equal(storable(undefined, 'jsonb'), null);
  });
});
