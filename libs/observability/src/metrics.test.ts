import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabelCap } from './metrics';

describe('LabelCap', () => {
  it('keeps the first distinct values, then says other', () => {
    const cap = new LabelCap(2);
    assert.deepEqual(
      ['a', 'b', 'a', 'c', 'b', 'd'].map((v) => cap.of(v)),
      ['a', 'b', 'a', 'other', 'b', 'other'],
    );
  });
});
