import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonRecordsScanner } from './json-records.scanner';

function scan(parts: string[], maxValueBytes?: number) {
  const elements: unknown[] = [];
  const errors: string[] = [];
  const scanner = new JsonRecordsScanner(
    {
      element: (value, bytes) => elements.push({ value, bytes: bytes.toString('utf8') }),
      syntaxError: (message) => errors.push(message),
    },
    maxValueBytes,
  );
  for (const part of parts) {
    scanner.push(Buffer.from(part));
  }
  scanner.end();
  return { elements, errors, topLevel: scanner.topLevel, records: scanner.records };
}

describe('JsonRecordsScanner', () => {
  it('hands over each element of Records with its original bytes, and nothing else', () => {
    const r = scan([
      '{"x":[{"eventID":"no"}], "Records" : [ {"a" : 1} ,\t[2],"three"\n], "y":{"Records":[4]}}',
    ]);
    assert.deepEqual(r.elements, [
      { value: { a: 1 }, bytes: '{"a" : 1}' },
      { value: [2], bytes: '[2]' },
      { value: 'three', bytes: '"three"' },
    ]);
    assert.deepEqual(r.errors, []);
    assert.equal(r.topLevel, 'an object');
    assert.equal(r.records, 'an array');
  });

  it('reads a key written with escapes as the key it stands for', () => {
    assert.deepEqual(scan(['{"Rec\\u006frds":[1]}']).elements, [{ value: 1, bytes: '1' }]);
  });

  it('names what the top level and Records are when they are not an object and an array', () => {
    assert.equal(scan(['12']).topLevel, 'a number');
    assert.equal(scan(['[{"Records":[1]}]']).topLevel, 'an array');
    assert.deepEqual(scan(['[{"Records":[1]}]']).elements, []);
    assert.equal(scan(['{"Records":{"0":1}}']).records, 'an object');
    assert.equal(scan(['{"Records":null}']).records, 'null');
  });

  it('refuses a value longer than the limit rather than hold it', () => {
    const r = scan(['{"Records":[{"a":"', 'x'.repeat(50), '"}]}'], 32);
    assert.deepEqual(r.elements, []);
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0]!, /longer than 32 bytes/);
  });

  it('reports the end of the input inside a value, a key or after a comma', () => {
    for (const text of ['{"Records":[{"a":1}', '{"Rec', '{"Records":[1,', '{"Records":[1]']) {
      assert.match(scan([text]).errors[0] ?? '', /ends inside the JSON/, text);
    }
  });
});
