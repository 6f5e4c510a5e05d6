import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressClass, type AddressClass } from './address-class';

function check(cases: [string | null, AddressClass | null][]): void {
  for (const [ip, expected] of cases) {
    assert.equal(addressClass(ip), expected, String(ip));
  }
}

describe('addressClass, IPv4', () => {
  it('knows RFC 1918 private ranges and their edges', () => {
    check([
      ['10.0.0.0', 'private'],
      ['10.255.255.255', 'private'],
      ['9.255.255.255', 'public'],
      ['11.0.0.0', 'public'],
      ['172.16.0.0', 'private'],
      ['172.31.255.255', 'private'],
      ['172.15.255.255', 'public'],
      ['172.32.0.1', 'public'],
      ['192.168.0.1', 'private'],
      ['192.168.255.255', 'private'],
      ['192.169.0.1', 'public'],
      ['192.167.255.255', 'public'],
    ]);
  });

  it('knows the special-purpose ranges', () => {
    check([
      ['127.0.0.1', 'loopback'],
      ['127.255.255.254', 'loopback'],
      ['169.254.169.254', 'link-local'],
      ['169.253.0.1', 'public'],
      ['100.64.0.0', 'carrier-grade-nat'],
      ['100.127.255.255', 'carrier-grade-nat'],
      ['100.63.255.255', 'public'],
      ['100.128.0.0', 'public'],
      ['224.0.0.251', 'multicast'],
      ['239.255.255.250', 'multicast'],
      ['223.255.255.255', 'public'],
      ['0.0.0.0', 'unspecified'],
      ['0.1.2.3', 'unspecified'],
      ['192.0.2.10', 'documentation'],
      ['198.51.100.23', 'documentation'],
      ['203.0.113.5', 'documentation'],
      ['192.0.3.1', 'public'],
      ['203.0.114.1', 'public'],
      ['240.0.0.1', 'reserved'],
      ['255.255.255.254', 'reserved'],
      ['255.255.255.255', 'broadcast'],
    ]);
  });

  it('calls everything else public', () => {
    check([
      ['8.8.8.8', 'public'],
      ['52.94.76.10', 'public'],
      ['1.1.1.1', 'public'],
    ]);
  });

  it('returns null for null, "-" and malformed text', () => {
    check([
      [null, null],
      ['', null],
      ['-', null],
      ['not-an-ip', null],
      ['10.0.0', null],
      ['10.0.0.1.5', null],
      ['10.0.0.256', null],
      ['10..0.1', null],
      ['10.0.0.', null],
      ['010.0.0.1', null],
      [' 10.0.0.1', null],
      ['10.0.0.1 ', null],
    ]);
  });
});

describe('addressClass, IPv6', () => {
  it('knows the special-purpose prefixes', () => {
    check([
      ['::1', 'loopback'],
      ['0:0:0:0:0:0:0:1', 'loopback'],
      ['::', 'unspecified'],
      ['0:0:0:0:0:0:0:0', 'unspecified'],
      ['fe80::1', 'link-local'],
      ['FE80::1FF:FE23:4567:890A', 'link-local'],
      ['febf::1', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['fec0::1', 'public'],
      ['fc00::1', 'unique-local'],
      ['fd12:3456:789a::1', 'unique-local'],
      ['fe00::1', 'public'],
      ['ff02::1', 'multicast'],
      ['ff05::1:3', 'multicast'],
      ['2001:db8::1', 'documentation'],
      ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', 'documentation'],
      ['2001:db9::1', 'public'],
      ['3fff::1', 'documentation'],
      ['2600:1f18:1234:5600::1', 'public'],
      ['2a05:d014::abcd', 'public'],
      ['64:ff9b::808:808', 'public'],
    ]);
  });

  it('classifies IPv4-mapped addresses as their IPv4 address', () => {
    check([
      ['::ffff:10.1.2.3', 'private'],
      ['::FFFF:172.31.0.1', 'private'],
      ['::ffff:8.8.8.8', 'public'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:a01:203', 'private'],
      ['0:0:0:0:0:ffff:192.168.1.1', 'private'],
      ['::ffff:169.254.169.254', 'link-local'],
    ]);
  });

  it('expands :: in any position', () => {
    check([
      ['1::', 'public'],
      ['fd00::', 'unique-local'],
      ['ff02::', 'multicast'],
      ['1::2:3:4:5:6:7', 'public'],
      ['::2:3:4:5:6:7:8', 'public'],
    ]);
  });

  it('returns null for malformed IPv6 text', () => {
    check([
      [':::', null],
      ['1:2:3:4:5:6:7:8:9', null],
      ['fe80::1::2', null],
      ['12345::1', null],
      ['fe80:', null],
      ['g::1', null],
      ['::ffff:10.1.2', null],
    ]);
  });
});
