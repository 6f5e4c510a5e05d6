import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressClass, guessDirection, protocolName, serviceName } from './index';

describe('protocolName (IANA protocol numbers)', () => {
  it('names assigned numbers with the IANA keyword', () => {
    assert.equal(protocolName(1), 'ICMP');
    assert.equal(protocolName(6), 'TCP');
    assert.equal(protocolName(17), 'UDP');
    assert.equal(protocolName(47), 'GRE');
    assert.equal(protocolName(50), 'ESP');
    assert.equal(protocolName(58), 'IPv6-ICMP');
    assert.equal(protocolName(132), 'SCTP');
    assert.equal(protocolName(0), 'HOPOPT');
  });
  it('has no name for numbers without a keyword or unassigned', () => {
    assert.equal(protocolName(61), null);
    assert.equal(protocolName(200), null);
    assert.equal(protocolName(null), null);
  });
});

describe('serviceName (IANA service names)', () => {
  it('names well-known ports', () => {
    assert.equal(serviceName(22), 'ssh');
    assert.equal(serviceName(443), 'https');
    assert.equal(serviceName(3389), 'ms-wbt-server');
    assert.equal(serviceName(53), 'domain');
    assert.equal(serviceName(5432), 'postgresql');
    assert.equal(serviceName(49152), null);
  });
});

describe('addressClass', () => {
  const cases: [string, string | null][] = [
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['8.8.8.8', 'public'],
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade-nat'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['0.0.0.0', 'unspecified'],
    ['198.51.100.23', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['2600:1f18::1', 'public'],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['::ffff:10.1.2.3', 'private'],
    ['not-an-ip', null],
  ];
  for (const [ip, expected] of cases) {
    it(`${ip} is ${String(expected)}`, () => assert.equal(addressClass(ip), expected));
  }
});

describe('guessDirection', () => {
  it('guesses from the classes of both sides', () => {
    assert.equal(guessDirection('private', 'private'), 'internal');
    assert.equal(guessDirection('private', 'public'), 'egress');
    assert.equal(guessDirection('public', 'private'), 'ingress');
    assert.equal(guessDirection('public', 'public'), 'external');
    assert.equal(guessDirection(null, 'public'), null);
  });
});
