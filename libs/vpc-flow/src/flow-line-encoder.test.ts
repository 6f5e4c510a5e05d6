import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EncodeArena,
  FLOW_FIELDS,
  SINGLE_OBJECT_MARKER,
  TGW_FLOW_FIELDS,
  codecs,
  type DecodeOutput,
  type FlowFieldDef,
  type ObjectContext,
  type ObjectKeyInfo,
} from '@lake/schemas';
import { FlowAvroMessage, VpcFlowLineDecoder, encodeFlow, type FlowOutput } from './vpc-flow.decoder';

// The `avro` option's messages must be byte-identical to avsc's encoding of the records the
// general path (record mode, what the `decode` command prints) makes of the same lines, and its
// dead letters the same.

/** What a key says; nothing unless given. */
const keyInfo = (given: Partial<ObjectKeyInfo>): ObjectKeyInfo => ({
  kind: 'VPCFLOWLOGS',
  accountId: null,
  region: null,
  organizationId: null,
  flowLogId: null,
  deliveredAt: null,
  prefix: null,
  compressed: true,
  ...given,
});
const context: ObjectContext = {
  bucket: 'logs',
  key: 'AWSLogs/123456789010/vpcflowlogs/us-east-1/2024/05/01/123456789010_vpcflowlogs_us-east-1_fl-1_20240501T1205Z_x.log.gz',
  keyInfo: keyInfo({
    accountId: '123456789010',
    region: 'us-east-1',
    flowLogId: 'fl-1',
    deliveredAt: 1714565100000,
  }),
};
/** A key that says nothing (nulls in the record) and is not ASCII. */
const bareContext: ObjectContext = { bucket: 'bücket', key: 'exports/flüsse.log', keyInfo: keyInfo({}) };

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ADDRESSES = [
  '10.0.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '3.3.3.3',
  '100.64.0.1',
  '169.254.169.254',
  '127.0.0.1',
  '224.0.0.5',
  '255.255.255.255',
  '240.0.0.1',
  '0.0.0.0',
  '192.0.2.7',
  '198.51.100.1',
  '203.0.113.9',
  '2001:db8::1',
  'fe80::1',
  'fe80::1%eth0',
  'fd00::abcd',
  '::1',
  '::',
  '::ffff:10.0.0.1',
  'ff02::1',
  '2600:1f18:4c3:8000:1234:5678:9abc:def0',
  '3fff::1',
];
const WORDS = [
  'ACCEPT',
  'REJECT',
  'OK',
  'NODATA',
  'SKIPDATA',
  'eni-0123456789abcdef0',
  'vpc-0a1b2c3d',
  'i-0123456789abcdef0',
  'IPv4',
  'IPv6',
  'EFA',
  'S3',
  'AMAZON',
  'use1-az1',
  'ingress',
  'egress',
  'unknown',
  '007',
  // 64 and more characters: a two-byte Avro length.
  `arn:aws:ecs:us-east-1:123456789010:task/cluster-name/${'a'.repeat(32)}`,
  `${'x'.repeat(63)}`,
  `${'y'.repeat(64)}`,
  'z'.repeat(300),
];

function value(f: FlowFieldDef, next: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  if (next() < 0.15) {
    return '-';
  }
  switch (f.type) {
    case 'address':
      return pick(ADDRESSES);
    case 'string':
      return f.name === 'flow_direction' ? pick(['ingress', 'egress']) : pick(WORDS);
    case 'int':
    case 'long':
      switch (f.name) {
        case 'srcport':
        case 'dstport':
          return String(pick([22, 53, 80, 443, 5432, 6379, 0, 65535, Math.floor(next() * 65536)]));
        case 'protocol':
        case 'tcp_flags':
        case 'traffic_path':
        case 'encryption_status':
          return String(Math.floor(next() * 256));
        case 'version':
          return String(1 + Math.floor(next() * 255));
        case 'start':
        case 'end':
          // Around now; sometimes end before start (a negative duration), sometimes 0.
          return String(pick([1714564759 + Math.floor(next() * 120), 0, 4102444800]));
        default:
          return String(pick([0, 1, 63, 64, 8191, 8192, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 999_999_999_999_999]));
      }
  }
}

function lines(fields: readonly FlowFieldDef[], count: number, seed: number): string[] {
  const next = random(seed);
  return Array.from({ length: count }, () => fields.map((f) => value(f, next)).join(' '));
}

function shuffled<T>(list: readonly T[], seed: number): T[] {
  const next = random(seed);
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function decode(
  text: string,
  avro: boolean,
  ctx = context,
  chunkSize = Infinity,
): DecodeOutput<FlowOutput>[] {
  const out: DecodeOutput<FlowOutput>[] = [];
  const decoder = new VpcFlowLineDecoder(ctx, { avro });
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunkSize) {
    decoder.push(bytes.subarray(i, i + chunkSize), out);
  }
  decoder.end(out);
  return out;
}

/** avsc's own encoding (`Type#toBuffer`) of a record, behind the single-object header. */
function avscMessage(o: DecodeOutput<FlowOutput>): Buffer {
  assert.ok(o.ok && !(o.value instanceof FlowAvroMessage));
  const codec = o.value.family === 'vpc' ? codecs.flowRecord : codecs.tgwFlowRecord;
  return Buffer.concat([SINGLE_OBJECT_MARKER, codec.fingerprint, codec.type.toBuffer(o.value.record)]);
}

/**
 * Decodes `text` both ways and checks the outputs match one for one; returns how many lines the
 * encoder wrote itself (the rest took the general path).
 */
function assertSame(text: string, ctx = context, chunkSize = Infinity): number {
  const records = decode(text, false, ctx);
  const avro = decode(text, true, ctx, chunkSize);
  assert.equal(avro.length, records.length);
  let written = 0;
  records.forEach((r, i) => {
    const a = avro[i]!;
    if (!r.ok) {
      assert.deepEqual(a, r, `dead letter ${i}`);
      return;
    }
    assert.ok(a.ok, `output ${i}`);
    if (a.value instanceof FlowAvroMessage) {
      written++;
    }
    const expected = avscMessage(r);
    const actual = encodeFlow(a.value);
    assert.ok(
      actual.equals(expected),
      `record ${i}: ${actual.toString('hex')} vs ${expected.toString('hex')}`,
    );
  });
  return written;
}

const header = (fields: readonly FlowFieldDef[]): string => fields.map((f) => f.aws).join(' ');

describe('flow line encoder (decoder option avro)', () => {
  for (let version = 2; version <= 11; version++) {
    it(`writes v${version} lines as avsc encodes their records`, () => {
      const fields = FLOW_FIELDS.filter((f) => f.since <= version);
      const text = `${header(fields)}\n${lines(fields, 400, version).join('\n')}\n`;
      assert.equal(assertSame(text), 400);
      assert.equal(assertSame(text, bareContext), 400);
    });
  }

  it('writes custom field orders and subsets (two passes) as avsc does', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const fields = shuffled(FLOW_FIELDS, seed).slice(0, 5 + seed * 7);
      const text = `${header(fields)}\n${lines(fields, 200, seed).join('\n')}\n`;
      assert.equal(assertSame(text), 200, `seed ${seed}`);
    }
    // Without start, end and the address fields: event time from the key, or 0 without one.
    const fields = FLOW_FIELDS.filter((f) => ['bytes', 'action', 'interface_id'].includes(f.name));
    const text = `${header(fields)}\n${lines(fields, 50, 9).join('\n')}\n`;
    assert.equal(assertSame(text), 50);
    assert.equal(assertSame(text, bareContext), 50);
  });

  it('writes Transit Gateway lines as avsc encodes their records', () => {
    const text = `${header(TGW_FLOW_FIELDS)}\n${lines(TGW_FLOW_FIELDS, 300, 21).join('\n')}\n`;
    assert.equal(assertSame(text), 300);
    const custom = shuffled(TGW_FLOW_FIELDS, 22);
    assert.equal(assertSame(`${header(custom)}\n${lines(custom, 100, 23).join('\n')}\n`), 100);
  });

  it('leaves headers with unknown fields (values in extra) to the general path', () => {
    const text = `version srcaddr future-field\n5 10.0.0.1 something\n5 10.0.0.2 -\n`;
    assert.equal(assertSame(text), 0);
    const [first] = decode(text, true);
    assert.ok(first?.ok && !(first.value instanceof FlowAvroMessage));
    assert.deepEqual(first.value.record.extra, { future_field: 'something' });
  });

  const HEADER =
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction traffic-path';
  const OK =
    '5 123456789010 eni-1 10.0.0.1 3.3.3.3 443 49152 6 10 840 1714564759 1714564819 ACCEPT OK egress 2';
  /** Every kind of line the encoder must leave to the general path, and the clean ones around them. */
  const UNUSUAL = [
    OK,
    '5 123456789010 eni-3 - - - - - - - 1714564759 1714564819 - NODATA - -',
    '5 123456789010 eni-3 - - - - - - - - - - SKIPDATA - -',
    '5 123456789010  eni-6 10.0.0.1 3.3.3.3 1 2 6 3 4 1714564759 1714564819 ACCEPT OK - -', // two spaces
    ` ${OK}`,
    `${OK} `,
    `\t${OK}`,
    `${OK}\t`,
    `${OK} extra`,
    OK.split(' ').slice(0, -1).join(' '),
    OK.replace('443', '65536'),
    OK.replace('443', '0443'),
    OK.replace(' 6 ', ' 256 '),
    OK.replace(' 6 ', ' -6 '),
    OK.replace('840', '1234567890123456'), // 16 digits
    OK.replace('840', '12345678901234567890'),
    OK.replace('840', '8e2'),
    OK.replace('10.0.0.1', '10.0.0.256'),
    OK.replace('10.0.0.1', '10.0.0.01'),
    OK.replace('10.0.0.1', 'host'),
    OK.replace('10.0.0.1', '1.2.3'),
    OK.replace('10.0.0.1', ':::'),
    OK.replace(' 2', ' -'),
    OK.replace(' 2', ' 2\r'),
    OK.replace('eni-1', 'e'.repeat(9000)), // a field of 8192 bytes or more
    '-',
    '',
  ];

  it('gives the same records and dead letters for unusual lines', () => {
    const text = `${HEADER}\n${UNUSUAL.join('\n')}\n`;
    assert.equal(assertSame(text), 6);
    // A non-ASCII line sends its whole chunk through the general path, as in record mode.
    assert.equal(assertSame(`${text}naïve\n`), 0);
  });

  it('reads pkt-srcaddr and pkt-dstaddr equal to srcaddr and dstaddr (most lines) as the general path does', () => {
    const fields = FLOW_FIELDS.filter((f) => f.since <= 5);
    const at = (name: string): number => fields.findIndex((f) => f.name === name);
    const samePkt = lines(fields, 300, 51).map((line) => {
      const values = line.split(' ');
      values[at('pkt_srcaddr')] = values[at('srcaddr')]!;
      values[at('pkt_dstaddr')] = values[at('dstaddr')]!;
      return values.join(' ');
    });
    assert.equal(assertSame(`${header(fields)}\n${samePkt.join('\n')}\n`), 300);
    // Equal up to a length, or after a null srcaddr; pkt-srcaddr before srcaddr; not addresses.
    const line = (src: string, pkt: string): string => {
      const values = samePkt[0]!.split(' ');
      values[at('srcaddr')] = src;
      values[at('pkt_srcaddr')] = pkt;
      return values.join(' ');
    };
    const odd = [
      line('10.0.0.1', '10.0.0.12'),
      line('10.0.0.12', '10.0.0.1'),
      line('-', '10.0.0.1'),
      line('-', '-'),
      line('fe80::1', 'fe80::1%eth0'),
      line('fe80::1%eth0', 'fe80::1%eth0'),
      line('10.0.0.1', '10.0.0.256'),
      line('10.0.0.1', 'host'),
    ];
    // The last two are dead letters.
    assert.equal(assertSame(`${header(fields)}\n${odd.join('\n')}\n`), odd.length - 2);
    const reversed = [...fields].reverse();
    const backwards = odd.map((l) => l.split(' ').reverse().join(' '));
    assert.equal(assertSame(`${header(reversed)}\n${backwards.join('\n')}\n`), odd.length - 2);
  });

  it('leaves a start time beyond an Avro long (in ms) to the general path, whose encoding refuses it', () => {
    const text = `${HEADER}\n${OK.replace('1714564759', '999999999999999')}\n`;
    const [out] = decode(text, true);
    assert.ok(out?.ok && !(out.value instanceof FlowAvroMessage));
    assert.throws(() => encodeFlow(out.value));
  });

  it('gives the same outputs whatever the chunk boundaries', () => {
    const fields = FLOW_FIELDS.filter((f) => f.since <= 5);
    const text = `${header(fields)}\n${lines(fields, 300, 31).join('\n')}\n${UNUSUAL.join('\r\n')}\nlast ${OK}`;
    for (const size of [1, 13, 200, 4096]) {
      assertSame(text, context, size);
    }
  });

  it('writes into the context arena, and on to new slabs when one is full', () => {
    const arena = new EncodeArena();
    const fields = FLOW_FIELDS.filter((f) => f.since <= 11);
    const text = `${header(fields)}\n${lines(fields, 3000, 41).join('\n')}\n`;
    const out = decode(text, true, { ...context, arena });
    const message = (o: DecodeOutput<FlowOutput> | undefined): Buffer => {
      assert.ok(o?.ok);
      return encodeFlow(o.value);
    };
    assert.equal(message(out.at(-1)).buffer, arena.slab.buffer);
    assert.notEqual(message(out[0]).buffer, arena.slab.buffer);
    assert.equal(assertSame(text, { ...context, arena: new EncodeArena() }), 3000);
  });
});
