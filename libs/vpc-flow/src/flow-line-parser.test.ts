import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecodeOutput, ObjectContext } from '@lake/schemas';
import { VpcFlowLineDecoder, type FlowDecoded } from './vpc-flow.decoder';

const context: ObjectContext = {
  bucket: 'logs',
  key: 'AWSLogs/123456789010/vpcflowlogs/us-east-1/2024/05/01/x.log.gz',
  keyInfo: {
    kind: 'VPCFLOWLOGS',
    accountId: '123456789010',
    region: 'us-east-1',
    organizationId: null,
    flowLogId: 'fl-1',
    deliveredAt: 0,
    prefix: null,
    compressed: true,
  },
};

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction traffic-path';
const OK =
  '5 123456789010 eni-1 10.0.0.1 3.3.3.3 443 49152 6 10 840 1714564759 1714564819 ACCEPT OK egress 2';

/** Clean lines and every kind of line the compiled parser must hand to the general path. */
const LINES = [
  OK,
  '5 123456789010 eni-2 10.0.0.2 192.168.1.1 53 53 17 1 64 1714564759 1714564819 REJECT OK ingress 1',
  '5 123456789010 eni-3 - - - - - - - 1714564759 1714564819 - NODATA - -',
  '5 123456789010 eni-4 2001:db8::1 fe80::1%eth0 1 2 6 3 4 1714564759 1714564819 ACCEPT OK - -',
  '5 123456789010 eni-5 ::ffff:10.0.0.1 2001:db8:0:0:0:0:0:2 1 2 58 3 4 1714564759 1714564819 ACCEPT OK - -',
  '5 123456789010  eni-6 10.0.0.1 3.3.3.3 1 2 6 3 4 1714564759 1714564819 ACCEPT OK - -', // two spaces
  ` ${OK}`, // leading space
  `${OK} `, // trailing space
  `\t${OK}`,
  `${OK}\t`,
  `${OK} extra`, // too many fields
  OK.split(' ').slice(0, -1).join(' '), // too few
  OK.replace('443', '65536'), // port out of range
  OK.replace('443', '0443'), // leading zero: a number
  OK.replace(' 6 ', ' 256 '), // protocol out of range
  OK.replace(' 6 ', ' -6 '),
  OK.replace('840', '1234567890123456'), // 16 digits, still safe
  OK.replace('840', '12345678901234567890'), // not a safe integer
  OK.replace('840', '8e2'),
  OK.replace('10.0.0.1', '10.0.0.256'),
  OK.replace('10.0.0.1', '10.0.0.01'),
  OK.replace('10.0.0.1', 'host'),
  OK.replace('10.0.0.1', '-'),
  OK.replace(' 2', ' -'), // traffic-path null at the end
  OK.replace(' 2', ' 2\r'), // CRLF
  '-',
  '',
];

function decode(text: string): DecodeOutput<FlowDecoded>[] {
  const out: DecodeOutput<FlowDecoded>[] = [];
  const decoder = new VpcFlowLineDecoder(context);
  decoder.push(Buffer.from(text), out);
  decoder.end(out);
  return out;
}

describe('compiled line parser', () => {
  it('decodes every line exactly as the general path does', () => {
    const fast = decode(`${HEADER}\n${LINES.join('\n')}\n`);
    // A non-ASCII line in the same chunk sends every line of the chunk through the general path.
    const general = decode(`${HEADER}\n${LINES.join('\n')}\nnaïve\n`);
    assert.equal(general.length, fast.length + 1);
    assert.deepEqual(fast, general.slice(0, -1));
    // The compiled path did read the clean lines.
    assert.ok(fast[0]!.ok);
    assert.equal(fast.filter((o) => o.ok).length, 15);
  });

  it('gives the same records and dead letters when the lines are split across chunks', () => {
    const text = `${HEADER}\n${LINES.join('\n')}\n`;
    const whole = decode(text);
    for (const size of [1, 7, 64, 200]) {
      const out: DecodeOutput<FlowDecoded>[] = [];
      const decoder = new VpcFlowLineDecoder(context);
      const bytes = Buffer.from(text);
      for (let i = 0; i < bytes.length; i += size) {
        decoder.push(bytes.subarray(i, i + size), out);
      }
      decoder.end(out);
      assert.deepEqual(out, whole, `chunks of ${size}`);
    }
  });
});
