import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WELL_KNOWN_PORTS, serviceName } from './well-known-ports.table';

describe('WELL_KNOWN_PORTS', () => {
  it('holds the IANA service names', () => {
    const expected: [number, string][] = [
      [20, 'ftp-data'],
      [21, 'ftp'],
      [22, 'ssh'],
      [23, 'telnet'],
      [25, 'smtp'],
      [53, 'domain'],
      [67, 'bootps'],
      [68, 'bootpc'],
      [69, 'tftp'],
      [80, 'http'],
      [88, 'kerberos'],
      [110, 'pop3'],
      [111, 'sunrpc'],
      [123, 'ntp'],
      [135, 'epmap'],
      [137, 'netbios-ns'],
      [138, 'netbios-dgm'],
      [139, 'netbios-ssn'],
      [143, 'imap'],
      [161, 'snmp'],
      [162, 'snmptrap'],
      [179, 'bgp'],
      [389, 'ldap'],
      [443, 'https'],
      [445, 'microsoft-ds'],
      [465, 'submissions'],
      [500, 'isakmp'],
      [514, 'syslog'],
      [587, 'submission'],
      [636, 'ldaps'],
      [853, 'domain-s'],
      [873, 'rsync'],
      [989, 'ftps-data'],
      [990, 'ftps'],
      [993, 'imaps'],
      [995, 'pop3s'],
      [1433, 'ms-sql-s'],
      [1521, 'ncube-lm'],
      [2049, 'nfs'],
      [2375, 'docker'],
      [2376, 'docker-s'],
      [2379, 'etcd-client'],
      [2380, 'etcd-server'],
      [3306, 'mysql'],
      [3389, 'ms-wbt-server'],
      [4500, 'ipsec-nat-t'],
      [5432, 'postgresql'],
      [5439, 'redshift'],
      [5671, 'amqps'],
      [5672, 'amqp'],
      [5900, 'rfb'],
      [6379, 'redis'],
      [6443, 'sun-sr-https'],
      [8080, 'http-alt'],
      [8443, 'pcsync-https'],
      [9092, 'XmlIpcRegSvc'],
      [9200, 'wap-wsp'],
      [11211, 'memcache'],
      [27017, 'mongodb'],
    ];
    for (const [port, name] of expected) {
      assert.equal(WELL_KNOWN_PORTS.get(port), name, `port ${port}`);
    }
  });

  it('has only valid port numbers and unique names', () => {
    for (const port of WELL_KNOWN_PORTS.keys()) {
      assert.ok(Number.isInteger(port) && port > 0 && port <= 65535, `port ${port}`);
    }
    const names = [...WELL_KNOWN_PORTS.values()];
    assert.equal(new Set(names).size, names.length);
  });
});

describe('serviceName', () => {
  it('returns the service name', () => {
    assert.equal(serviceName(3389), 'ms-wbt-server');
    assert.equal(serviceName(443), 'https');
    assert.equal(serviceName(53), 'domain');
    assert.equal(serviceName(5432), 'postgresql');
  });

  it('returns null for null and ports not in the table', () => {
    assert.equal(serviceName(null), null);
    assert.equal(serviceName(0), null);
    assert.equal(serviceName(49152), null);
    assert.equal(serviceName(65536), null);
  });
});
