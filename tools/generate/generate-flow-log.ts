/**
 * Writes a realistic flow-log file, gzip text or (when FILE ends in .parquet) Parquet with gzip pages
 * as AWS delivers it: npm run generate -- --records 1000000 --version 5 --seed 1 --out FILE
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { createGzip, gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { FlowLogGenerator } from './flow-log.generator';

export async function writeFlowLog(o: {
  out: string;
  records: number;
  version: number;
  seed: number;
  startEpoch?: number;
}): Promise<void> {
  const gen = new FlowLogGenerator({
    seed: o.seed,
    version: o.version,
    accountId: '111122223333',
    startEpoch: o.startEpoch ?? 1714564800,
  });
  if (o.out.endsWith('.parquet')) {
    writeFileSync(o.out, flowParquet(gen, o.records));
    return;
  }
  const gzip = createGzip({ level: 6 });
  const file = createWriteStream(o.out);
  gzip.pipe(file);
  let buf = `${gen.header()}\n`;
  for (let i = 0; i < o.records; i++) {
    buf += `${gen.line()}\n`;
    if (buf.length > 1 << 20) {
      if (!gzip.write(buf)) {
        await once(gzip, 'drain');
      }
      buf = '';
    }
  }
  gzip.end(buf);
  await once(file, 'close');
}

/** Columns typed as AWS types them (int32, int64, string), null for '-', 100,000-row groups. */
function flowParquet(gen: FlowLogGenerator, records: number): Buffer {
  const columns = gen.fields.map(() => [] as (string | null)[]);
  for (let i = 0; i < records; i++) {
    gen
      .line()
      .split(' ')
      .forEach((v, j) => columns[j]!.push(v === '-' ? null : v));
  }
  const columnData = gen.fields.map((f, j) => {
    const raw = columns[j]!;
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
  const compressors = { GZIP: (input: Uint8Array) => new Uint8Array(gzipSync(input)) };
  return Buffer.from(parquetWriteBuffer({ columnData, codec: 'GZIP', compressors, rowGroupSize: 100_000 }));
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '100000' },
      version: { type: 'string', default: '5' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: 'flow.log.gz' },
    },
  });
  writeFlowLog({
    out: values.out,
    records: Number(values.records),
    version: Number(values.version),
    seed: Number(values.seed),
  }).then(
    () => console.log(`wrote ${values.out}`),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
