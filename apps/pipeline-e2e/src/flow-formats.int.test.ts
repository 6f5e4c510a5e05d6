/**
 * Flow logs of every version, a custom field order and a Transit Gateway flow log through the
 * whole stack into Postgres with every field; and every kind of bad input dead-lettered with its
 * reason while the good lines of the same file land and the services keep running.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FLOW_ROLLUPS, rollupRelation } from '@lake/pg';
import { FLOW_FIELDS, TGW_FLOW_FIELDS, type FlowFieldDef } from '@lake/schemas';
import { PipelineHarness, flowParquet, waitFor, type Uploaded } from '@lake/testing';

const ROOT = join(__dirname, '..', '..', '..');
const RANGE = { from: '2024-05-01T00:00:00Z', to: '2024-05-03T00:00:00Z' };
const T0 = Date.UTC(2024, 4, 1, 12) / 1000;
const VERSIONS = [2, 3, 4, 5, 7, 8, 9, 10, 11];

const key = (n: number | string, hour = '12') =>
  `AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/111122223333_vpcflowlogs_us-east-1_fl-0000000000000000${n}_20240501T${hour}00Z_${String(n).padStart(8, '0')}.log.gz`;

/** A value of the right type for a field in line `i` of a file; `-` for optional strings on odd lines. */
function valueFor(f: FlowFieldDef, version: number, i: number): string {
  switch (f.name) {
    case 'version':
      return String(version);
    case 'srcport':
      return String(40000 + i);
    case 'dstport':
      return '443';
    case 'protocol':
      return '6';
    case 'start':
      return String(T0 + version * 60 + i);
    case 'end':
      return String(T0 + version * 60 + i + 59);
    case 'action':
      return i % 2 ? 'REJECT' : 'ACCEPT';
    case 'log_status':
      return 'OK';
    case 'flow_direction':
      return 'egress';
    case 'srcaddr':
    case 'pkt_srcaddr':
      return i % 2 ? `2001:db8:0:${version}::${i + 1}` : `10.${version}.0.${i + 1}`;
    case 'dstaddr':
    case 'pkt_dstaddr':
      return i % 2 ? '2600:1f18::443' : '52.94.5.100';
    default:
      break;
  }
  switch (f.type) {
    case 'int':
      return String(i + 1);
    case 'long':
      return String(1000 * (version + i));
    case 'address':
      return `10.0.0.${i + 1}`;
    case 'string':
      return i % 2 ? '-' : `${f.aws}-${version}`;
  }
}

interface GeneratedFile {
  key: string;
  text: string;
  expected: Map<number, Record<string, unknown>>;
}

function generate(
  fields: readonly FlowFieldDef[],
  version: number,
  fileKey: string,
  lines = 3,
): GeneratedFile {
  const expected = new Map<number, Record<string, unknown>>();
  const rows: string[] = [fields.map((f) => f.aws).join(' ')];
  for (let i = 0; i < lines; i++) {
    const values = fields.map((f) => valueFor(f, version, i));
    rows.push(values.join(' '));
    const row: Record<string, unknown> = {};
    fields.forEach((f, j) => {
      const v = values[j]!;
      row[f.name] = v === '-' ? null : f.type === 'int' || f.type === 'long' ? Number(v) : v;
    });
    expected.set(i + 2, row);
  }
  return { key: fileKey, text: `${rows.join('\n')}\n`, expected };
}

const harness = new PipelineHarness('flows', ROOT, process.env);

describe('flow logs of every format, end to end', () => {
  before(async () => {
    await harness.start();
  });
  after(async () => {
    await harness.stop();
  });

  it('lands every field of every version, a custom order and a Transit Gateway log', async () => {
    const files: GeneratedFile[] = VERSIONS.map((v) =>
      generate(
        FLOW_FIELDS.filter((f) => f.since <= v),
        v,
        key(v),
      ),
    );
    const custom = generate([...FLOW_FIELDS.filter((f) => f.since <= 5)].reverse(), 5, key(99, '13'));
    files.push(custom);
    const tgw = generate(TGW_FLOW_FIELDS, 6, key(6, '14'));
    const uploaded: Uploaded[] = [];
    for (const f of [...files, tgw]) {
      uploaded.push(await harness.upload(f.key, gzipSync(f.text)));
    }
    // Parquet delivery of version-5 rows: the same records, with the row number as source_line.
    const v5Fields = FLOW_FIELDS.filter((f) => f.since <= 5);
    const parquet = generate(v5Fields, 5, key(55, '15').replace('.log.gz', '.log.parquet'));
    uploaded.push(
      await harness.upload(
        parquet.key,
        flowParquet(
          v5Fields,
          parquet.text
            .trim()
            .split('\n')
            .slice(1)
            .map((l) => l.split(' ')),
          2,
        ),
      ),
    );
    files.push({
      ...parquet,
      expected: new Map([...parquet.expected].map(([line, row]) => [line - 1, row])),
    });
    await harness.notify(uploaded);

    const total = files.reduce((n, f) => n + f.expected.size, 0);
    const rows = await waitFor('every VPC flow record', async () => {
      const items = await harness.allPages('/v1/flows', { ...RANGE, limit: 1000 });
      return items.length >= total ? items : undefined;
    });
    assert.equal(rows.length, total);
    for (const f of files) {
      for (const [line, want] of f.expected) {
        const row = rows.find((r) => r['source_key'] === f.key && r['source_line'] === line);
        assert.ok(row, `${f.key}#${line} landed`);
        for (const [name, value] of Object.entries(want)) {
          assert.deepEqual(row[name], value, `${f.key}#${line} ${name}`);
        }
        // Fields the format does not have are null, and the enrichment is there.
        assert.equal(row['protocol_name'], 'TCP');
        assert.equal(row['dstport_service'], 'https');
        assert.equal(row['duration_seconds'], 59);
        assert.equal(row['event_date'], '2024-05-01');
        assert.equal(row['extra'], null);
      }
    }
    const v2 = rows.find((r) => r['source_key'] === key(2))!;
    assert.equal(v2['vpc_id'], null);
    assert.equal(v2['srcaddr_class'], 'private');
    assert.equal(v2['direction_guess'], 'egress');

    // A field no AWS version we know defines: kept in extra, counted in a metric.
    const unknownKey = key(77, '16');
    await harness.notify([
      await harness.upload(
        unknownKey,
        gzipSync(`srcaddr dstaddr start future-field\n10.1.1.1 10.2.2.2 ${T0} hello\n`),
      ),
    ]);
    const unknown = await waitFor('the record with an unknown field', async () => {
      const items = await harness.allPages('/v1/flows', { ...RANGE, limit: 1000 });
      return items.find((r) => r['source_key'] === unknownKey);
    });
    assert.deepEqual(unknown['extra'], { future_field: 'hello' });
    assert.equal(await harness.metric('flow-parser', 'lake_flow_unknown_field_values_total'), 1);

    const tgwRows = await waitFor('every Transit Gateway record', async () => {
      const items = await harness.allPages('/v1/tgw/flows', { ...RANGE, limit: 1000 });
      return items.length >= tgw.expected.size ? items : undefined;
    });
    assert.equal(tgwRows.length, tgw.expected.size);
    for (const [line, want] of tgw.expected) {
      const row = tgwRows.find((r) => r['source_line'] === line)!;
      for (const [name, value] of Object.entries(want)) {
        assert.deepEqual(row[name], value, `tgw #${line} ${name}`);
      }
    }
  });

  it('writes a large file (many Kafka batches) each record once, with its values, the rollups adding up', async () => {
    const records = 12_000;
    const t = T0 + 3 * 86_400; // 2024-05-04, a day of its own
    const header = FLOW_FIELDS.filter((f) => f.since <= 2)
      .map((f) => f.aws)
      .join(' ');
    const lines = Array.from(
      { length: records },
      (_, i) =>
        `2 111122223333 eni-0big 10.7.${i >> 8}.${i & 255} 10.9.1.1 ${30000 + i} 443 6 2 ${100 + i} ${t + (i % 3600)} ${t + (i % 3600) + 60} ACCEPT OK`,
    );
    const bigKey = key('b1', '18');
    await harness.notify([await harness.upload(bigKey, gzipSync(`${header}\n${lines.join('\n')}\n`))]);
    const schema = harness.names.schema;
    const landed = await waitFor('every record of the large file', async () => {
      const { rows } = await harness.db.query<{ n: number; lines: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT source_line)::int AS lines
           FROM "${schema}".vpc_flow_records WHERE source_key = $1`,
        [bigKey],
      );
      return rows[0]!.n >= records ? rows[0] : undefined;
    });
    assert.deepEqual(landed, { n: records, lines: records });
    // The values of the first, a middle and the last record, as the sink wrote them.
    const { rows: sample } = await harness.db.query<Record<string, unknown>>(
      `SELECT source_line::int, host(srcaddr) AS srcaddr, srcport, bytes::int, start::int, "end"::int,
              extract(epoch FROM event_time)::int AS event_time, action, interface_id, account_id,
              protocol_name, dstport_service, direction_guess, event_date::text
         FROM "${schema}".vpc_flow_records WHERE source_key = $1 AND source_line IN (2, 6001, 12001)
        ORDER BY source_line`,
      [bigKey],
    );
    assert.deepEqual(
      sample,
      [0, 5999, 11999].map((i) => ({
        source_line: i + 2,
        srcaddr: `10.7.${i >> 8}.${i & 255}`,
        srcport: 30000 + i,
        bytes: 100 + i,
        start: t + (i % 3600),
        end: t + (i % 3600) + 60,
        event_time: t + (i % 3600),
        action: 'ACCEPT',
        interface_id: 'eni-0big',
        account_id: '111122223333',
        protocol_name: 'TCP',
        dstport_service: 'https',
        direction_guess: 'internal',
        event_date: '2024-05-04',
      })),
    );
    // Every record counted once in every flow rollup (folded and pending, as readers read them).
    const client = await harness.db.connect();
    try {
      await client.query(`SET search_path TO "${schema}"`);
      for (const def of FLOW_ROLLUPS) {
        const { rows } = await client.query<{ flows: number; bytes: number }>(
          `SELECT sum(flows)::int AS flows, sum(bytes)::int AS bytes FROM ${rollupRelation(def)} r
            WHERE bucket >= '2024-05-04T00:00:00Z' AND bucket < '2024-05-05T00:00:00Z'`,
        );
        const bytes = ((100 + 100 + records - 1) * records) / 2;
        assert.deepEqual(rows[0], { flows: records, bytes }, def.table);
      }
    } finally {
      await client.query('RESET search_path');
      client.release();
    }
  });

  it('dead-letters every kind of bad input with its reason; good lines land; services stay up', async () => {
    const header = FLOW_FIELDS.filter((f) => f.since <= 2)
      .map((f) => f.aws)
      .join(' ');
    const good = (i: number) =>
      `2 111122223333 eni-0bad 10.9.0.${i} 10.9.1.1 ${30000 + i} 22 6 1 60 ${T0 + 86400 + i} ${T0 + 86460 + i} ACCEPT OK`;
    const mixed = Buffer.concat([
      Buffer.from(`${header}\n${good(1)}\n`),
      Buffer.from('2 111122223333 eni-0bad 10.9.0.2 10.9.1.1 1 2\n'),
      Buffer.from(`${good(3)}\n`),
      Buffer.from(good(4).replace(' 1 60 ', ' one 60 ') + '\n'),
      Buffer.from(good(5).replace(' 22 6 ', ' 70000 6 ') + '\n'),
      Buffer.from(good(6).replace(' 22 6 ', ' 22 300 ') + '\n'),
      Buffer.from(good(7).replace('eni-0bad', 'eni-\xff'), 'latin1'),
      Buffer.from(`\n${good(8)}\n`),
    ]);
    const big = `${header}\n${Array.from({ length: 5000 }, (_, i) => good(10 + (i % 200)).replace('eni-0bad', `eni-${i}`)).join('\n')}\n`;
    const bigGz = gzipSync(big);
    const objects = [
      await harness.upload(key('a1', '20'), gzipSync(mixed)),
      await harness.upload(key('a2', '20'), Buffer.from(good(1))),
      await harness.upload(key('a3', '20'), Buffer.alloc(0)),
      await harness.upload(key('a4', '20'), gzipSync(`${header}\n`)),
      await harness.upload(key('a5', '20'), bigGz.subarray(0, Math.floor(bigGz.length * 0.6))),
      { bucket: harness.names.bucket, key: key('a6', '20'), size: 10 },
    ];
    await harness.notify(objects);

    const expected: [string, string, number | null][] = [
      ['FIELD_COUNT', key('a1', '20'), 3],
      ['NOT_A_NUMBER', key('a1', '20'), 5],
      ['OUT_OF_RANGE', key('a1', '20'), 6],
      ['OUT_OF_RANGE', key('a1', '20'), 7],
      ['INVALID_UTF8', key('a1', '20'), 8],
      ['NOT_GZIP', key('a2', '20'), null],
      ['OBJECT_EMPTY', key('a3', '20'), null],
      ['HEADER_ONLY', key('a4', '20'), null],
      ['GZIP_CORRUPT', key('a5', '20'), null],
      ['OBJECT_MISSING', key('a6', '20'), null],
    ];
    const letters = await waitFor('a dead letter for every bad input', async () => {
      const items = await harness.allPages('/v1/dead-letters', { from: '2000-01-01T00:00:00Z', limit: 100 });
      return items.length >= expected.length ? items : undefined;
    });
    const got = letters.map((l) => [l['reason'], l['key'], l['position']]);
    for (const want of expected) {
      assert.ok(
        got.some((g) => g[0] === want[0] && g[1] === want[1] && g[2] === want[2]),
        `${want.join(' ')} in ${JSON.stringify(got)}`,
      );
    }
    assert.equal(letters.length, expected.length, 'one dead letter per bad input');
    const rawLine = letters.find((l) => l['reason'] === 'FIELD_COUNT')!;
    assert.equal(rawLine['payload'], '2 111122223333 eni-0bad 10.9.0.2 10.9.1.1 1 2');

    const range = { from: '2024-05-02T00:00:00Z', to: '2024-05-03T00:00:00Z' };
    const landed = await waitFor('the good lines of the damaged files', async () => {
      const items = await harness.allPages('/v1/flows', { ...range, limit: 1000 });
      const mixedRows = items.filter((r) => r['source_key'] === key('a1', '20'));
      const truncatedRows = items.filter((r) => r['source_key'] === key('a5', '20'));
      return mixedRows.length >= 3 && truncatedRows.length > 0 ? { mixedRows, truncatedRows } : undefined;
    });
    assert.deepEqual(landed.mixedRows.map((r) => r['source_line']).sort(), [2, 4, 9]);
    assert.ok(landed.truncatedRows.length < 5000, 'a truncated file lands what was readable, no more');
    assert.ok((await harness.metric('flow-parser', 'lake_dead_letters_total')) >= expected.length - 1);
    for (const [app, s] of harness.services) {
      assert.equal((await fetch(`${s.baseUrl}/health`)).status, 200, `${app} healthy`);
    }
  });
});
