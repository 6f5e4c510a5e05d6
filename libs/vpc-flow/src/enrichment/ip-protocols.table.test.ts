import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IP_PROTOCOLS, protocolName } from './ip-protocols.table';

describe('IP_PROTOCOLS', () => {
  it('holds the IANA keywords of the common protocols', () => {
    const expected: [number, string][] = [
      [0, 'HOPOPT'],
      [1, 'ICMP'],
      [2, 'IGMP'],
      [4, 'IPv4'],
      [6, 'TCP'],
      [17, 'UDP'],
      [41, 'IPv6'],
      [43, 'IPv6-Route'],
      [44, 'IPv6-Frag'],
      [47, 'GRE'],
      [50, 'ESP'],
      [51, 'AH'],
      [58, 'IPv6-ICMP'],
      [59, 'IPv6-NoNxt'],
      [60, 'IPv6-Opts'],
      [88, 'EIGRP'],
      [89, 'OSPFIGP'],
      [94, 'IPIP'],
      [103, 'PIM'],
      [112, 'VRRP'],
      [115, 'L2TP'],
      [124, 'ISIS over IPv4'],
      [132, 'SCTP'],
      [135, 'Mobility Header'],
      [136, 'UDPLite'],
      [137, 'MPLS-in-IP'],
      [143, 'Ethernet'],
      [144, 'AGGFRAG'],
      [145, 'NSH'],
      [253, 'experimental'],
      [254, 'experimental'],
      [255, 'Reserved'],
    ];
    for (const [n, keyword] of expected) {
      assert.equal(IP_PROTOCOLS.get(n), keyword, `protocol ${n}`);
    }
  });

  it('names every number 0–145 except the five registry rows without a keyword', () => {
    const unnamed = [61, 63, 68, 99, 114];
    for (let n = 0; n <= 145; n++) {
      assert.equal(IP_PROTOCOLS.has(n), !unnamed.includes(n), `protocol ${n}`);
    }
    for (let n = 146; n <= 252; n++) {
      assert.equal(IP_PROTOCOLS.has(n), false, `protocol ${n} is unassigned`);
    }
    assert.equal(IP_PROTOCOLS.size, 146 - unnamed.length + 3);
  });

  it('has unique, non-empty keywords apart from the experimental pair', () => {
    const names = [...IP_PROTOCOLS.values()].filter((v) => v !== 'experimental');
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.every((v) => v.trim() === v && v.length > 0));
  });
});

describe('protocolName', () => {
  it('returns the keyword', () => {
    assert.equal(protocolName(6), 'TCP');
    assert.equal(protocolName(17), 'UDP');
    assert.equal(protocolName(1), 'ICMP');
    assert.equal(protocolName(58), 'IPv6-ICMP');
    assert.equal(protocolName(50), 'ESP');
  });

  it('returns null for null, unassigned, unnamed and out-of-range numbers', () => {
    assert.equal(protocolName(null), null);
    assert.equal(protocolName(61), null);
    assert.equal(protocolName(146), null);
    assert.equal(protocolName(200), null);
    assert.equal(protocolName(256), null);
    assert.equal(protocolName(-1), null);
  });
});
