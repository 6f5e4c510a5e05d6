import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressClass } from './address-class';
import { guessDirection } from './direction';

describe('guessDirection', () => {
  it('is internal between private / unique-local addresses', () => {
    assert.equal(guessDirection('private', 'private'), 'internal');
    assert.equal(guessDirection('unique-local', 'unique-local'), 'internal');
    assert.equal(guessDirection('private', 'link-local'), 'internal');
    assert.equal(guessDirection('carrier-grade-nat', 'private'), 'internal');
  });

  it('is egress from private to public', () => {
    assert.equal(guessDirection('private', 'public'), 'egress');
    assert.equal(guessDirection('unique-local', 'public'), 'egress');
  });

  it('is ingress from public to private', () => {
    assert.equal(guessDirection('public', 'private'), 'ingress');
    assert.equal(guessDirection('documentation', 'private'), 'ingress');
  });

  it('is external between public addresses', () => {
    assert.equal(guessDirection('public', 'public'), 'external');
  });

  it('is null when a class is unknown or has no side', () => {
    assert.equal(guessDirection(null, 'public'), null);
    assert.equal(guessDirection('private', null), null);
    assert.equal(guessDirection(null, null), null);
    assert.equal(guessDirection('private', 'multicast'), null);
    assert.equal(guessDirection('unspecified', 'broadcast'), null);
    assert.equal(guessDirection('public', 'reserved'), null);
  });

  it('works on classified addresses', () => {
    const guess = (src: string, dst: string) => guessDirection(addressClass(src), addressClass(dst));
    assert.equal(guess('10.0.1.5', '52.94.76.10'), 'egress');
    assert.equal(guess('185.220.101.4', '172.31.16.20'), 'ingress');
    assert.equal(guess('10.0.1.5', '10.0.2.6'), 'internal');
    assert.equal(guess('2600:1f18:abc::1', 'fd00::5'), 'ingress');
    assert.equal(guess('-', '10.0.0.1'), null);
  });
});
