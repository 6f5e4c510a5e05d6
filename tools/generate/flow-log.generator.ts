/**
 * Deterministic generator of realistic VPC flow-log text (any version's default field set, or a
 * custom field list): a fleet of ENIs with private addresses talking to each other and to public
 * peers, port and protocol mixes close to real traffic, ~8 % REJECT, ~1 % NODATA, some IPv6.
 */
import { FLOW_FIELDS, type FlowFieldDef } from '@lake/schemas';

/** mulberry32: small, fast, seedable PRNG (deterministic output for a seed). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVICE_PORTS = [443, 443, 443, 443, 80, 80, 22, 53, 53, 123, 3306, 5432, 6379, 8080, 3389, 445, 25];

export interface GeneratorOptions {
  seed: number;
  /** Version whose full field set is written (2…11), unless `fields` is given. */
  version: number;
  fields?: readonly FlowFieldDef[];
  accountId: string;
  startEpoch: number;
  /**
   * Mean records per connection (default 1: every record a connection of its own, the worst case
   * for rollups keyed by addresses and ports). Above 1, records come from a pool of open
   * connections, each written again in later capture windows as AWS does for a long-lived flow:
   * a record opens a new connection with probability 1/repeat, else repeats an open one.
   */
  repeat?: number;
}

interface Eni {
  id: string;
  ip: string;
  vpc: string;
  subnet: string;
  instance: string;
}

/** What stays the same across the records of one connection. */
interface Connection {
  eni: Eni;
  nodata: boolean;
  ipv6: boolean;
  outbound: boolean;
  peer: string;
  self: string;
  service: number;
  ephemeral: number;
  proto: number;
  reject: boolean;
}

/** Open connections a repeated record is drawn from. */
const OPEN_CONNECTIONS = 65_536;

export class FlowLogGenerator {
  readonly fields: readonly FlowFieldDef[];
  private readonly rand: () => number;
  private readonly enis: Eni[];
  private t: number;
  private readonly open: Connection[] = [];

  constructor(private readonly o: GeneratorOptions) {
    this.fields = o.fields ?? FLOW_FIELDS.filter((f) => f.since <= o.version);
    this.rand = prng(o.seed);
    this.t = o.startEpoch;
    this.enis = Array.from({ length: 200 }, (_, i) => ({
      id: `eni-${(0x0a000000 + i).toString(16).padStart(17, '0')}`,
      ip: `10.${20 + (i % 8)}.${Math.floor(i / 8)}.${10 + (i % 200)}`,
      vpc: `vpc-${(0xabc00 + (i % 4)).toString(16).padStart(17, '0')}`,
      subnet: `subnet-${(0x5100 + (i % 16)).toString(16).padStart(17, '0')}`,
      instance: `i-${(0x1a000 + i).toString(16).padStart(17, '0')}`,
    }));
  }

  header(): string {
    return this.fields.map((f) => f.aws).join(' ');
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)]!;
  }

  private publicIp(): string {
    const r = this.rand;
    return `${[52, 54, 3, 18, 34, 35, 104, 151, 185, 203][Math.floor(r() * 10)]}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
  }

  /** A new connection (the random draws of a record of its own, in the order they always were). */
  private connection(): Connection {
    const r = this.rand;
    const eni = this.pick(this.enis);
    const nodata = r() < 0.01;
    const ipv6 = r() < 0.03;
    const outbound = r() < 0.55;
    const peer = ipv6
      ? `2600:1f18:${Math.floor(r() * 65535).toString(16)}::${Math.floor(r() * 65535).toString(16)}`
      : r() < 0.4
        ? this.pick(this.enis).ip
        : this.publicIp();
    const self = ipv6 ? `2600:1f18:10::${Math.floor(r() * 4096).toString(16)}` : eni.ip;
    const service = this.pick(SERVICE_PORTS);
    const ephemeral = 32768 + Math.floor(r() * 28000);
    const proto = service === 53 || service === 123 ? 17 : r() < 0.01 ? 1 : 6;
    const reject = r() < 0.08;
    return { eni, nodata, ipv6, outbound, peer, self, service, ephemeral, proto, reject };
  }

  /** The connection of the next record: a new one, or (see `repeat`) one still open. */
  private nextConnection(): Connection {
    const repeat = this.o.repeat ?? 1;
    if (repeat <= 1) {
      return this.connection();
    }
    const r = this.rand;
    if (this.open.length < OPEN_CONNECTIONS) {
      const c = this.connection();
      this.open.push(c);
      return c;
    }
    if (r() < 1 / repeat) {
      const c = this.connection();
      this.open[Math.floor(r() * OPEN_CONNECTIONS)] = c;
      return c;
    }
    return this.pick(this.open);
  }

  /** One record line. */
  line(): string {
    const r = this.rand;
    if (r() < 0.0005) {
      this.t += 1;
    }
    const { eni, nodata, ipv6, outbound, peer, self, service, ephemeral, proto, reject } =
      this.nextConnection();
    const packets = 1 + Math.floor(r() ** 3 * 5000);
    const bytes = packets * (40 + Math.floor(r() * 1400));
    const start = this.t - Math.floor(r() * 60);
    const values: Record<string, string> = {
      version: String(this.o.version),
      'account-id': this.o.accountId,
      'interface-id': eni.id,
      srcaddr: outbound ? self : peer,
      dstaddr: outbound ? peer : self,
      srcport: String(proto === 1 ? 0 : outbound ? ephemeral : service),
      dstport: String(proto === 1 ? 0 : outbound ? service : ephemeral),
      protocol: String(proto),
      packets: String(packets),
      bytes: String(bytes),
      start: String(start),
      end: String(start + 60),
      action: reject ? 'REJECT' : 'ACCEPT',
      'log-status': 'OK',
      'vpc-id': eni.vpc,
      'subnet-id': eni.subnet,
      'instance-id': eni.instance,
      'tcp-flags': proto === 6 ? String(this.pick([2, 18, 19, 3, 1, 4])) : '0',
      type: ipv6 ? 'IPv6' : 'IPv4',
      'pkt-srcaddr': outbound ? self : peer,
      'pkt-dstaddr': outbound ? peer : self,
      region: 'us-east-1',
      'az-id': this.pick(['use1-az1', 'use1-az2', 'use1-az4']),
      'flow-direction': outbound ? 'egress' : 'ingress',
      'traffic-path': outbound ? this.pick(['1', '2', '8']) : '-',
      'reject-reason': reject && r() < 0.1 ? 'BPA' : '-',
      'encryption-status': this.pick(['0', '1', '2']),
      'interface-type': 'interface',
    };
    const line = this.fields.map((f) => {
      if (nodata && f.type !== 'string' && f.aws !== 'version' && f.aws !== 'start' && f.aws !== 'end') {
        return '-';
      }
      if (nodata && (f.aws === 'action' || f.aws === 'log-status')) {
        return f.aws === 'log-status' ? 'NODATA' : '-';
      }
      return values[f.aws] ?? '-';
    });
    return line.join(' ');
  }
}
