import { gzipSync } from 'node:zlib';
import type { FlowFieldDef } from '@lake/schemas';
import { parquetWriteBuffer } from 'hyparquet-writer';

/**
 * Flow-log rows (text tokens, '-' for null) as AWS's Parquet delivery writes them: int32 / int64 /
 * string columns named with '_', gzip-compressed pages. For tests and the generator.
 */
export function flowParquet(
  fields: readonly FlowFieldDef[],
  rows: readonly string[][],
  rowGroupSize: number,
): Buffer {
  const columnData = fields.map((f, j) => {
    const raw = rows.map((r) => (r[j] === '-' ? null : r[j]!));
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
  return Buffer.from(parquetWriteBuffer({ columnData, codec: 'GZIP', compressors, rowGroupSize }));
}
