import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import avro from 'avsc';
import {
  flowRecordSchema,
  tgwFlowRecordSchema,
  type DecodeOutput,
  type FlowRecord,
  type ObjectContext,
} from '@lake/schemas';
import { VpcFlowLineDecoder, type FlowDecoded } from './vpc-flow.decoder';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'vpcflow');
const NO_FIXTURES = existsSync(FIXTURES)
  ? false
  : `../shared/fixtures/vpcflow is missing (expected at ${FIXTURES})`;

const context: ObjectContext = {
  bucket: 'logs',
  key: 'AWSLogs/123456789010/vpcflowlogs/us-east-1/2014/12/14/123456789010_vpcflowlogs_us-east-1_fl-1234abcd_20141214T0410Z_fe123456.log.gz',
  keyInfo: {
    kind: 'VPCFLOWLOGS',
    accountId: '123456789010',
    region: 'us-east-1',
    organizationId: null,
    flowLogId: 'fl-1234abcd',
    deliveredAt: Date.UTC(2014, 11, 14, 4, 10),
    prefix: null,
    compressed: true,
  },
};

const flowType = avro.Type.forSchema(flowRecordSchema as avro.Schema);

/** Decodes `text` fed in chunks of `chunkSize` bytes (whole when omitted). */
function decode(input: string | Buffer, chunkSize?: number, headerless = false): DecodeOutput<FlowDecoded>[] {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  const decoder = new VpcFlowLineDecoder(context, { headerless });
  const out: DecodeOutput<FlowDecoded>[] = [];
  const size = chunkSize ?? Math.max(bytes.length, 1);
  for (let i = 0; i < bytes.length; i += size) {
    decoder.push(bytes.subarray(i, i + size), out);
  }
  decoder.end(out);
  return out;
}

const records = (out: DecodeOutput<FlowDecoded>[]): FlowRecord[] =>
  out.flatMap((o) => {
    if (!o.ok) {
      return assert.fail(`unexpected issue ${o.issue.reason}: ${o.issue.message}`);
    }
    return o.value.family === 'vpc' ? [o.value.record] : assert.fail('unexpected Transit Gateway record');
  });

/** Only the fields VRL's expectation names (VRL omits the fields a format does not have). */
function pick(record: FlowRecord, want: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(want).map((k) => [k, (record as unknown as Record<string, unknown>)[k]]),
  );
}

describe('VpcFlowLineDecoder on fixtures written by others', { skip: NO_FIXTURES }, () => {
  it('gives the values VRL expects for its test cases (vrl/test-function-expected.derived.json)', () => {
    const cases = JSON.parse(
      readFileSync(join(FIXTURES, 'vrl', 'test-function-expected.derived.json'), 'utf8'),
    ) as {
      value: string;
      format: string | null;
      want: Record<string, unknown>;
    }[];
    for (const c of cases) {
      const [record] = records(
        decode(
          `${c.format ?? 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'}\n${c.value}\n`,
        ),
      );
      assert.deepEqual(pick(record!, c.want), c.want);
    }
  });

  it("gives the values of VRL's documented examples (NODATA, NAT custom format, v5, v11)", () => {
    const docs = JSON.parse(
      readFileSync(join(FIXTURES, 'vrl', 'parse_aws_vpc_flow_log.docs.json'), 'utf8'),
    ) as {
      examples: { source: string; return: Record<string, unknown> }[];
    };
    for (const ex of docs.examples) {
      const strings = [...ex.source.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
      const [line, format] = strings;
      const header =
        format ??
        'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
      const [record] = records(decode(`${header}\n${line}\n`));
      const known = Object.fromEntries(Object.entries(ex.return).filter(([k]) => k in record!));
      assert.deepEqual(pick(record!, known), known);
      // A field this version of the schema does not define yet is kept, not dropped.
      for (const k of Object.keys(ex.return).filter((k) => !(k in record!))) {
        assert.equal(
          record!.extra?.[k],
          ex.return[k] === null ? '-' : String(ex.return[k] as string | number),
        );
      }
    }
  });

  it('decodes every gzip file of aws-docs/derived-with-header, double-spaced line included', () => {
    const dir = join(FIXTURES, 'aws-docs', 'derived-with-header', 'gz');
    const expected: Record<string, number> = {
      'v2-default-accept-reject.log.gz': 2,
      'v2-default-nodata-skipdata.log.gz': 2,
      'v2-default-icmp-sg-nacl.log.gz': 2,
      'v2-default-ipv6.log.gz': 1,
      'v3-tcp-flag-sequence.log.gz': 8,
      'nat-gateway-eni.log.gz': 4,
      'v3-transit-gateway-path.log.gz': 4,
      'v5-service-traffic-path-flow-direction.log.gz': 2,
    };
    assert.deepEqual(readdirSync(dir).sort(), Object.keys(expected).sort());
    for (const [file, count] of Object.entries(expected)) {
      const out = records(decode(gunzipSync(readFileSync(join(dir, file)))));
      assert.equal(out.length, count, file);
      for (const r of out) {
        assert.ok(flowType.isValid(r), `${file} line ${r.source_line} fits the Avro schema`);
      }
    }
  });

  it('decodes every VRL test log with its format file, every line, no issue', () => {
    const dir = join(FIXTURES, 'vrl');
    const expected: Record<string, number> = {
      'test-v2-default.log': 7,
      'test-v3-tcp-flag-sequence.log': 8,
      'test-nat-gateway.log': 6,
      'test-v3-transit-gateway-path.log': 4,
      'test-v5.log': 2,
      'test-v7-ecs.log': 1,
      'test-v8-v11.log': 2,
    };
    for (const [file, count] of Object.entries(expected)) {
      const formatFile = join(dir, file.replace(/\.log$/, '.format.txt'));
      const header = existsSync(formatFile)
        ? readFileSync(formatFile, 'utf8').trim()
        : 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
      const out = records(decode(`${header}\n${readFileSync(join(dir, file), 'utf8')}`));
      assert.equal(out.length, count, file);
      for (const r of out) {
        assert.ok(flowType.isValid(r), `${file} line ${r.source_line}`);
        assert.equal(r.extra, null, `${file}: every field is known`);
      }
    }
    const [ecs] = records(
      decode(
        `${readFileSync(join(dir, 'test-v7-ecs.format.txt'), 'utf8').trim()}\n${readFileSync(join(dir, 'test-v7-ecs.log'), 'utf8')}`,
      ),
    );
    assert.ok(ecs!.ecs_cluster_name);
    assert.equal(ecs!.ecs_second_container_id, null);
    const v11 = records(
      decode(
        `${readFileSync(join(dir, 'test-v8-v11.format.txt'), 'utf8').trim()}\n${readFileSync(join(dir, 'test-v8-v11.log'), 'utf8')}`,
      ),
    );
    assert.equal(v11[0]!.next_hop_interface_type, 'network_load_balancer');
    assert.equal(v11[0]!.asg_tag_2, 'my-asg-2');
    assert.equal(v11[1]!.instance_tag, null);
  });

  it('decodes the Panther scenario records (v2 default format)', () => {
    const yaml = readFileSync(join(FIXTURES, 'panther-analysis', 'attacker_vpc.yml'), 'utf8');
    const lines = yaml
      .split('\n')
      .filter((l) => /^\s+- 2 /.test(l))
      .map((l) => l.replace(/^\s+- /, ''));
    assert.equal(lines.length, 6);
    const out = records(
      decode(
        `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n${lines.join('\n')}\n`,
      ),
    );
    assert.equal(out.length, 6);
    assert.equal(out[3]!.bytes, 3048576);
    assert.equal(out[3]!.srcaddr_class, 'public');
    assert.equal(out[3]!.dstaddr_class, 'private');
    assert.equal(out[3]!.direction_guess, 'ingress');
  });

  it('dead-letters the AWS doc lines that carry trailing #comments (annotations, not record content)', () => {
    const dir = join(FIXTURES, 'aws-docs');
    const header = readFileSync(join(dir, 'nat-gateway.format.txt'), 'utf8').trim();
    const out = decode(
      `${header}\n${readFileSync(join(dir, 'nat-gateway-instance-eni-with-doc-comments.log'), 'utf8')}`,
    );
    assert.deepEqual(
      out.map((o) => (o.ok ? 'ok' : o.issue.reason)),
      ['FIELD_COUNT', 'FIELD_COUNT'],
    );
    const plain = records(decode(`${header}\n${readFileSync(join(dir, 'nat-gateway-eni.log'), 'utf8')}`));
    assert.equal(plain.length, 4);
    assert.equal(plain[0]!.instance_id, null);
    assert.notEqual(plain[0]!.dstaddr, plain[0]!.pkt_dstaddr, 'NAT: the packet-level destination differs');
  });

  it('keeps NODATA and SKIPDATA records with nulls where AWS writes -', () => {
    const text = readFileSync(
      join(FIXTURES, 'aws-docs', 'derived-with-header', 'v2-default-nodata-skipdata.log'),
    );
    const [nodata, skipdata] = records(decode(text));
    assert.equal(nodata!.log_status, 'NODATA');
    assert.equal(nodata!.srcaddr, null);
    assert.equal(nodata!.packets, null);
    assert.equal(nodata!.action, null);
    assert.equal(nodata!.start, 1431280876);
    assert.equal(nodata!.event_time, 1431280876000);
    assert.equal(skipdata!.log_status, 'SKIPDATA');
    assert.equal(skipdata!.interface_id, 'eni-11111111aaaaaaaaa');
  });

  it('reads IPv6 addresses', () => {
    const text = readFileSync(join(FIXTURES, 'aws-docs', 'derived-with-header', 'v2-default-ipv6.log'));
    const [r] = records(decode(text));
    assert.match(r!.srcaddr!, /^2001:db8:/);
  });
});

describe('VpcFlowLineDecoder', () => {
  const header =
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
  const good =
    '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK';

  it('adds provenance and event time', () => {
    const [r] = records(decode(`${header}\n${good}\n`));
    assert.equal(r!.source_bucket, 'logs');
    assert.equal(r!.source_key, context.key);
    assert.equal(r!.source_line, 2);
    assert.equal(r!.flow_log_id, 'fl-1234abcd');
    assert.equal(r!.key_account_id, '123456789010');
    assert.equal(r!.event_time, 1418530010000);
    assert.equal(r!.extra, null);
  });

  it('gives the same records whatever the chunk boundaries, CRLF and no final newline included', () => {
    const text = `${header}\r\n${good}\r\n${good.replace('ACCEPT', 'REJECT')}`;
    const whole = decode(text);
    for (const size of [1, 3, 7, 64]) {
      assert.deepEqual(decode(text, size), whole, `chunks of ${size}`);
    }
    assert.equal(records(whole).length, 2);
    assert.equal(records(whole)[1]!.action, 'REJECT');
  });

  it('reads any subset of fields in any order', () => {
    const [r] = records(decode('dstport srcaddr action\n443 10.0.0.1 ACCEPT\n'));
    assert.equal(r!.dstport, 443);
    assert.equal(r!.srcaddr, '10.0.0.1');
    assert.equal(r!.version, null);
  });

  it('reads headerless default-format records when asked to', () => {
    assert.equal(records(decode(`${good}\n`, undefined, true))[0]!.bytes, 4249);
  });

  const bad = (line: string) => decode(`${header}\n${good}\n${line}\n${good}\n`);
  const reasons = (out: DecodeOutput<FlowDecoded>[]) => out.map((o) => (o.ok ? 'ok' : o.issue.reason));

  it('reports bad lines with a reason and the line number, keeping the good lines around them', () => {
    const cases: [string, string][] = [
      [good.replace(' OK', ''), 'FIELD_COUNT'],
      [good.replace(' 20 4249', ' twenty 4249'), 'NOT_A_NUMBER'],
      [good.replace(' 20641 ', ' 70000 '), 'OUT_OF_RANGE'],
      [good.replace(' 6 20 ', ' 300 20 '), 'OUT_OF_RANGE'],
      [good.replace('172.31.16.139', '172.31.16.999'), 'INVALID_ADDRESS'],
    ];
    for (const [line, reason] of cases) {
      const out = bad(line);
      assert.deepEqual(reasons(out), ['ok', reason, 'ok'], reason);
      const failed = out[1]!;
      assert.ok(!failed.ok);
      assert.equal(failed.issue.position, 3);
      assert.equal(failed.issue.payload!.toString(), line);
    }
  });

  it('reports invalid UTF-8 per line', () => {
    const bytes = Buffer.concat([
      Buffer.from(`${header}\n${good}\n`),
      Buffer.from([0xc3, 0x28, 0x0a]),
      Buffer.from(`${good}\n`),
    ]);
    assert.deepEqual(reasons(decode(bytes)), ['ok', 'INVALID_UTF8', 'ok']);
  });

  it('reports empty, header-only and header-less files once', () => {
    assert.deepEqual(reasons(decode('')), ['OBJECT_EMPTY']);
    assert.deepEqual(reasons(decode(`${header}\n`)), ['HEADER_ONLY']);
    assert.deepEqual(reasons(decode(`${header}\n2 x\n`)), ['FIELD_COUNT'], 'a bad line is not header-only');
    assert.deepEqual(reasons(decode(`${good}\n${good}\n`)), ['HEADER_INVALID']);
  });

  it('keeps values of fields it does not know in extra', () => {
    const [r] = records(decode(`srcaddr future-field\n10.0.0.1 x\n`));
    assert.deepEqual(r!.extra, { future_field: 'x' });
  });
});

describe('VpcFlowLineDecoder versions and families', () => {
  const v11Header =
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status ' +
    'reject-reason resource-id encryption-status instance-tag instance-tag-2 interface-tag interface-tag-2 asg-tag asg-tag-2 ' +
    'interface-type next-hop-interface-id next-hop-subnet-id next-hop-az-id next-hop-vpc-id next-hop-interface-type';
  const v11Line =
    '11 111122223333 eni-01 10.0.0.71 52.95.128.179 34210 443 6 5 400 1616729292 1616729349 REJECT OK BPA nat-0c50d5961bcb2d47b 1 web web-2 eth0 eth0-2 my-asg my-asg-2 nat_gateway eni-1111aaaa2222bbbb3 subnet-aaaaaaaa012345678 apse2-az3 vpc-abcdefab012345678 network_load_balancer';

  it('reads every v8–v11 field by name', () => {
    const [r] = records(decode(`${v11Header}\n${v11Line}\n`));
    assert.equal(r!.version, 11);
    assert.equal(r!.reject_reason, 'BPA');
    assert.equal(r!.resource_id, 'nat-0c50d5961bcb2d47b');
    assert.equal(r!.encryption_status, 1);
    assert.equal(r!.instance_tag_2, 'web-2');
    assert.equal(r!.asg_tag, 'my-asg');
    assert.equal(r!.interface_type, 'nat_gateway');
    assert.equal(r!.next_hop_vpc_id, 'vpc-abcdefab012345678');
    assert.equal(r!.next_hop_interface_type, 'network_load_balancer');
    assert.equal(r!.extra, null);
  });

  it('enriches every record', () => {
    const [r] = records(decode(`${v11Header}\n${v11Line}\n`));
    assert.equal(r!.protocol_name, 'TCP');
    assert.equal(r!.dstport_service, 'https');
    assert.equal(r!.duration_seconds, 57);
    assert.equal(r!.srcaddr_class, 'private');
    assert.equal(r!.dstaddr_class, 'public');
    assert.equal(r!.direction_guess, 'egress');
    assert.equal(r!.event_date, Math.floor((1616729292 * 1000) / 86_400_000));
    const [withDirection] = records(decode('srcaddr dstaddr flow-direction\n10.0.0.1 8.8.8.8 ingress\n'));
    assert.equal(withDirection!.direction_guess, null, 'no guess when AWS says the direction');
  });

  it('reads Transit Gateway flow logs into their own record type', () => {
    const header =
      'version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end log-status type packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags region flow-direction pkt-src-aws-service pkt-dst-aws-service';
    const line =
      '6 TransitGateway 111122223333 tgw-0123456789abcdef0 tgw-attach-0aaa 111122223333 444455556666 vpc-0aaa vpc-0bbb subnet-0aaa subnet-0bbb eni-0aaa eni-0bbb use1-az1 use1-az2 tgw-attach-0bbb 10.1.0.5 10.2.0.9 40000 443 6 10 5000 1700000000 1700000060 OK IPv4 0 2 0 0 3 us-east-1 ingress - -';
    const out = decode(`${header}\n${line}\n`);
    assert.equal(out.length, 1);
    const first = out[0]!;
    assert.ok(first.ok && first.value.family === 'tgw');
    const r = first.value.record;
    assert.equal(r.tgw_id, 'tgw-0123456789abcdef0');
    assert.equal(r.tgw_dst_vpc_account_id, '444455556666');
    assert.equal(r.packets_lost_blackhole, 2);
    assert.equal(r.resource_type, 'TransitGateway');
    assert.equal(r.protocol_name, 'TCP');
    assert.equal(r.srcaddr_class, 'private');
    assert.ok(avro.Type.forSchema(tgwFlowRecordSchema as avro.Schema).isValid(r));
  });
});
