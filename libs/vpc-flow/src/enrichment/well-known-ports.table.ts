/**
 * Service names of common ports from the IANA "Service Name and Transport Protocol Port Number"
 * registry (the TCP name where TCP and UDP differ). Where the everyday name or use differs from
 * the IANA name, the comment says so. Two entries (5439, 6379) are everyday names, not taken from
 * the IANA registry, and are marked "not IANA".
 */
export const WELL_KNOWN_PORTS: ReadonlyMap<number, string> = new Map<number, string>([
  [20, 'ftp-data'],
  [21, 'ftp'],
  [22, 'ssh'],
  [23, 'telnet'],
  [25, 'smtp'],
  [53, 'domain'], // DNS
  [67, 'bootps'], // DHCP server
  [68, 'bootpc'], // DHCP client
  [69, 'tftp'],
  [80, 'http'],
  [88, 'kerberos'],
  [110, 'pop3'],
  [111, 'sunrpc'],
  [123, 'ntp'],
  [135, 'epmap'], // MS RPC
  [137, 'netbios-ns'],
  [138, 'netbios-dgm'],
  [139, 'netbios-ssn'],
  [143, 'imap'],
  [161, 'snmp'],
  [162, 'snmptrap'],
  [179, 'bgp'],
  [389, 'ldap'],
  [443, 'https'],
  [445, 'microsoft-ds'], // SMB
  [465, 'submissions'], // SMTP over TLS
  [500, 'isakmp'], // IKE
  [514, 'syslog'], // IANA: syslog on UDP, shell (rsh) on TCP
  [587, 'submission'], // SMTP mail submission
  [636, 'ldaps'],
  [853, 'domain-s'], // DNS over TLS
  [873, 'rsync'],
  [989, 'ftps-data'],
  [990, 'ftps'],
  [993, 'imaps'],
  [995, 'pop3s'],
  [1433, 'ms-sql-s'], // Microsoft SQL Server
  [1521, 'ncube-lm'], // commonly the Oracle database listener
  [2049, 'nfs'],
  [2375, 'docker'], // Docker API, plain
  [2376, 'docker-s'], // Docker API, TLS
  [2379, 'etcd-client'], // etcd
  [2380, 'etcd-server'], // etcd peers
  [3306, 'mysql'],
  [3389, 'ms-wbt-server'], // RDP
  [4500, 'ipsec-nat-t'],
  [5432, 'postgresql'],
  [5439, 'redshift'], // not IANA: Amazon Redshift default
  [5671, 'amqps'], // AMQP over TLS (RabbitMQ, Amazon MQ)
  [5672, 'amqp'],
  [5900, 'rfb'], // VNC
  [6379, 'redis'], // not IANA: Redis default
  [6443, 'sun-sr-https'], // commonly the Kubernetes API
  [8080, 'http-alt'],
  [8443, 'pcsync-https'], // commonly alternate HTTPS
  [9092, 'XmlIpcRegSvc'], // commonly Kafka
  [9200, 'wap-wsp'], // commonly Elasticsearch
  [11211, 'memcache'],
  [27017, 'mongodb'],
]);

/** IANA service name of a port (typically `dstport`), or null when it is not in the table. */
export function serviceName(port: number | null): string | null {
  return port === null ? null : (WELL_KNOWN_PORTS.get(port) ?? null);
}
