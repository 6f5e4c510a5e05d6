// The flow-log generator: deterministic for a seed, and `repeat` sets the mean records per
// connection (what decides how many rollup rows a record makes).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowLogGenerator, type GeneratorOptions } from './flow-log.generator';

const options: GeneratorOptions = { seed: 7, version: 5, accountId: '111122223333', startEpoch: 1714564800 };
const lines = (o: GeneratorOptions, n: number) => {
  const gen = new FlowLogGenerator(o);
  return Array.from({ length: n }, () => gen.line());
};
/** Distinct connections among `records`: interface, addresses, ports and protocol (v5 field order). */
const connections = (records: readonly string[]) =>
  new Set(records.map((l) => l.split(' ').slice(2, 8).join(' '))).size;

describe('FlowLogGenerator', () => {
  it('writes the same lines for the same seed, and repeat 1 is the default', () => {
    const a = lines(options, 2000);
    assert.deepEqual(lines(options, 2000), a);
    assert.deepEqual(lines({ ...options, repeat: 1 }, 2000), a);
    assert.notDeepEqual(lines({ ...options, seed: 8 }, 2000), a);
  });

  it('makes nearly every record a connection of its own by default', () => {
    const n = 100_000;
    assert.ok(connections(lines(options, n)) > 0.95 * n);
  });

  it('repeats open connections so that there are about records/repeat of them', () => {
    const n = 200_000;
    for (const repeat of [4, 10]) {
      // The first 65 536 records open the pool; after that one record in `repeat` opens a connection.
      const expected = 65_536 + (n - 65_536) / repeat;
      const found = connections(lines({ ...options, repeat }, n));
      assert.ok(Math.abs(found - expected) < 0.05 * expected, `repeat ${repeat}: ${found} vs ${expected}`);
    }
  });
});
