import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FLOW_FIELDS, type DecodeOutput, type ObjectContext, type RandomAccessFile } from '@lake/schemas';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { decodeParquetFlow } from './parquet-flow.decoder';
import { VpcFlowLineDecoder, type FlowDecoded } from './vpc-flow.decoder';

const context: ObjectContext = {
  bucket: 'logs',
  key: 'AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/111122223333_vpcflowlogs_us-east-1_fl-0aa_20240501T1200Z_abc.log.parquet',
  keyInfo: {
    kind: 'VPCFLOWLOGS_PARQUET',
    accountId: '111122223333',
    region: 'us-east-1',
    organizationId: null,
    flowLogId: 'fl-0aa',
    deliveredAt: null,
    prefix: null,
    compressed: false,
  },
};

const fields = FLOW_FIELDS.filter((f) => f.since <= 5);
const lines = Array.from({ length: 25 }, (_, i) => {
  const values: Record<string, string> = {
    version: '5',
    'account-id': '111122223333',
    'interface-id': `eni-${i}`,
    srcaddr: i % 5 === 0 ? '2001:db8::5' : `10.0.0.${i + 1}`,
    dstaddr: '52.94.5.100',
    'pkt-srcaddr': `10.0.0.${i + 1}`,
    'pkt-dstaddr': '52.94.5.100',
    srcport: String(40000 + i),
    dstport: '443',
    protocol: '6',
    packets: String(10 + i),
    bytes: String(1000 * i),
    start: String(1714564800 + i),
    end: String(1714564860 + i),
    action: i % 3 ? 'ACCEPT' : 'REJECT',
    'log-status': 'OK',
    'tcp-flags': '2',
    'traffic-path': '1',
    'flow-direction': 'egress',
  };
  return fields.map((f) => values[f.aws] ?? (i % 2 ? '-' : `${f.aws}-x`));
});

/** The same rows as AWS's Parquet delivery types them: int32 / int64 / string columns, null for '-'. */
function parquet(codec: 'SNAPPY' | 'GZIP', rowGroupSize: number): Buffer {
  const columnData = fields.map((f, j) => {
    const raw = lines.map((l) => (l[j] === '-' ? null : l[j]!));
    switch (f.type) {
      case 'int':
        return {
          name: f.name,
          type: 'INT32' as const,
          data: raw.map((v) => (v === null ? null : Number(v))),
        };
      case 'long':
        return {
          name: f.name,
          type: 'INT64' as const,
          data: raw.map((v) => (v === null ? null : BigInt(v))),
        };
      case 'string':
      case 'address':
        return { name: f.name, type: 'STRING' as const, data: raw };
    }
  });
  // hyparquet-writer compresses snappy itself; gzip (what AWS flow-log Parquet files use) comes from zlib.
  const compressors = { GZIP: (input: Uint8Array) => new Uint8Array(gzipSync(input)) };
  return Buffer.from(parquetWriteBuffer({ columnData, codec, compressors, rowGroupSize }));
}

function file(buf: Buffer): RandomAccessFile {
  return {
    byteLength: buf.length,
    slice: (start, end) =>
      Promise.resolve(Uint8Array.prototype.slice.call(buf, start, end ?? buf.length).buffer),
  };
}

async function decode(buf: Buffer): Promise<{ batches: number; out: DecodeOutput<FlowDecoded>[] }> {
  const out: DecodeOutput<FlowDecoded>[] = [];
  let batches = 0;
  for await (const batch of decodeParquetFlow(file(buf), context)) {
    batches++;
    out.push(...batch);
  }
  return { batches, out };
}

const records = (out: DecodeOutput<FlowDecoded>[]) =>
  out.map((o) => (o.ok && o.value.family === 'vpc' ? o.value.record : assert.fail(JSON.stringify(o))));

describe('decodeParquetFlow', () => {
  it('gives the same records as the text delivery of the same rows, row group by row group', async () => {
    const text = new VpcFlowLineDecoder(context);
    const fromText: DecodeOutput<FlowDecoded>[] = [];
    text.push(
      Buffer.from(`${fields.map((f) => f.aws).join(' ')}\n${lines.map((l) => l.join(' ')).join('\n')}\n`),
      fromText,
    );
    text.end(fromText);
    for (const codec of ['SNAPPY', 'GZIP'] as const) {
      const { batches, out } = await decode(parquet(codec, 10));
      assert.equal(batches, 3, `${codec}: one batch per row group`);
      assert.deepEqual(
        records(out).map((r) => ({ ...r })),
        records(fromText).map((r) => ({ ...r, source_line: r.source_line - 1 })),
        codec,
      );
    }
  });

  it('dead-letters a file that is not Parquet and a row with an invalid address, keeping the others', async () => {
    const { out } = await decode(Buffer.from('not parquet at all, not even close'));
    assert.equal(out.length, 1);
    assert.ok(!out[0]!.ok && out[0]!.issue.reason === 'PARQUET_INVALID');
    const bad = Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: 'srcaddr', type: 'STRING', data: ['10.0.0.1', 'not-an-ip', '10.0.0.3'] },
          { name: 'dstport', type: 'INT32', data: [443, 80, 22] },
        ],
      }),
    );
    const res = await decode(bad);
    assert.deepEqual(
      res.out.map((o) => (o.ok ? 'ok' : `${o.issue.reason}@${o.issue.position}`)),
      ['ok', 'INVALID_ADDRESS@2', 'ok'],
    );
  });
});
