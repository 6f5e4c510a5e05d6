import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parser } from 'stream-json';
import { JsonValueAssembler, type JsonToken } from './json-value.assembler';

/** Assembles every top-level value of `text` (JSON streaming: values one after another). */
function assemble(text: string): unknown[] {
  const tokens = parser({ packValues: true, streamValues: false, jsonStreaming: true });
  tokens.end(text);
  const asm = new JsonValueAssembler();
  const values: unknown[] = [];
  for (let t = tokens.read() as JsonToken | null; t !== null; t = tokens.read() as JsonToken | null) {
    if (asm.consume(t)) {
      values.push(asm.take());
    }
  }
  return values;
}

describe('JsonValueAssembler', () => {
  it('builds what JSON.parse builds, at any depth', () => {
    const text = JSON.stringify({
      a: [1, -2.5e-3, 1e21, 0, -0, true, false, null, 'x', { b: { c: [[], {}, [[['deep']]]] } }],
      'key with "quotes" and \\ and \u00e9 \u2713 \ud83d\ude00': 'line\nbreak\ttab \u0000 nul',
      empty: '',
      nested: { x: { y: { z: 1 } }, after: 2 },
    });
    assert.deepEqual(assemble(text), [JSON.parse(text)]);
  });

  it('hands over scalars and containers at the top level', () => {
    assert.deepEqual(assemble('1 "two" null true [3] {"four":4}'), [1, 'two', null, true, [3], { four: 4 }]);
  });

  it('keeps a "__proto__" key as an own member, as JSON.parse does', () => {
    const text = '{"tags":{"__proto__":{"polluted":true},"team":"net"},"__proto__":"x"}';
    const [value] = assemble(text) as [Record<string, Record<string, unknown>>];
    assert.deepEqual(Object.keys(value['tags']!), ['__proto__', 'team']);
    assert.equal(Object.getPrototypeOf(value['tags']), Object.prototype);
    assert.equal(JSON.stringify(value), text);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('keeps the last of duplicate keys, as JSON.parse does', () => {
    assert.deepEqual(assemble('{"a":1,"a":{"b":2}}'), [{ a: { b: 2 } }]);
  });
});
