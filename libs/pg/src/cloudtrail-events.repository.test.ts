import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonbSafe } from './cloudtrail-events.repository';

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
