/**
 * Writes a realistic flow-log file, gzip text or (when FILE ends in .parquet) Parquet with gzip pages
 * as AWS delivers it: npm run generate -- --records 1000000 --version 5 --seed 1 --out FILE
 * [--repeat N] (mean records per connection; 1, the default, makes every record a new connection).
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { flowParquet } from '@lake/testing';
import { FlowLogGenerator } from './flow-log.generator';

export async function writeFlowLog(o: {
  out: string;
  records: number;
  version: number;
  seed: number;
  startEpoch?: number;
  /** Mean records per connection (FlowLogGenerator `repeat`). */
  repeat?: number;
}): Promise<void> {
  const gen = new FlowLogGenerator({
    seed: o.seed,
    version: o.version,
    accountId: '111122223333',
    startEpoch: o.startEpoch ?? 1714564800,
    ...(o.repeat ? { repeat: o.repeat } : {}),
  });
  if (o.out.endsWith('.parquet')) {
    // Columns typed as AWS types them, 100,000-row groups.
    const rows = Array.from({ length: o.records }, () => gen.line().split(' '));
    writeFileSync(o.out, flowParquet(gen.fields, rows, 100_000));
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

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '100000' },
      version: { type: 'string', default: '5' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: 'flow.log.gz' },
      repeat: { type: 'string', default: '1' },
    },
  });
  writeFlowLog({
    out: values.out,
    records: Number(values.records),
    version: Number(values.version),
    seed: Number(values.seed),
    repeat: Number(values.repeat),
  }).then(
    () => console.log(`wrote ${values.out}`),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
