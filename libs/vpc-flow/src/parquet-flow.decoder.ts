import { isIP } from 'node:net';
import type { DecodeOutput, ObjectContext, RandomAccessFile } from '@lake/schemas';
import { parquetMetadataAsync, parquetReadObjects, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { parseHeader } from './flow-header';
import { FACTORIES, RANGES, finishRecord, type FlowDecoded, type Mutable } from './vpc-flow.decoder';

const MAX_PAYLOAD = 4096;

/** A column value as text: strings as they are, numbers written out, anything else as JSON. */
function text(raw: unknown): string {
  switch (typeof raw) {
    case 'string':
      return raw;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(raw);
    case 'object':
    case 'function':
    case 'symbol':
    case 'undefined':
      return JSON.stringify(raw) ?? '';
  }
}

function issue(
  reason:
    | 'PARQUET_INVALID'
    | 'NOT_A_NUMBER'
    | 'OUT_OF_RANGE'
    | 'INVALID_ADDRESS'
    | 'HEADER_ONLY'
    | 'HEADER_INVALID',
  message: string,
  position: number | null,
  row: unknown,
): DecodeOutput<FlowDecoded> {
  const payload =
    row === null
      ? null
      : Buffer.from(
          JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
        ).subarray(0, MAX_PAYLOAD);
  return { ok: false, issue: { reason, message, position, payload } };
}

/**
 * Parquet delivery of flow logs (`.log.parquet`): the columns are the flow-log fields (AWS names them
 * with '_' or '-'; both accepted), typed INT32/INT64/string, compressed with any codec hyparquet and
 * hyparquet-compressors read (snappy, gzip, zstd, brotli, lz4). Read row group by row group, so
 * memory follows the row group, not the file. `source_line` is the 1-based row number.
 */
export async function* decodeParquetFlow(
  file: RandomAccessFile,
  context: ObjectContext,
): AsyncGenerator<DecodeOutput<FlowDecoded>[]> {
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    yield [issue('PARQUET_INVALID', `not a readable Parquet file: ${(err as Error).message}`, null, null)];
    return;
  }
  const names = metadata.schema.slice(1).map((e) => e.name);
  const header = parseHeader(names.map((n) => n.replace(/_/g, '-')).join(' '));
  if (!header) {
    yield [
      issue('HEADER_INVALID', `the Parquet columns are not flow-log fields: ${names.join(', ')}`, null, null),
    ];
    return;
  }
  if (Number(metadata.num_rows) === 0) {
    yield [issue('HEADER_ONLY', 'the Parquet file has no rows', null, null)];
    return;
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = (await parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors })) as Record<
        string,
        unknown
      >[];
    } catch (err) {
      yield [
        issue(
          'PARQUET_INVALID',
          `row group at row ${rowStart + 1} is unreadable: ${(err as Error).message}`,
          rowStart + 1,
          null,
        ),
      ];
      return;
    }
    const out: DecodeOutput<FlowDecoded>[] = [];
    rows.forEach((row, i) =>
      out.push(mapRow(row, names, header.columns, header.family, context, rowStart + i + 1)),
    );
    yield out;
    rowStart = rowEnd;
  }
}

function mapRow(
  row: Record<string, unknown>,
  names: string[],
  columns: NonNullable<ReturnType<typeof parseHeader>>['columns'],
  family: 'vpc' | 'tgw',
  context: ObjectContext,
  position: number,
): DecodeOutput<FlowDecoded> {
  const r: Mutable = FACTORIES[family]();
  let extra: Record<string, string> | null = null;
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i]!;
    const raw = row[names[i]!];
    if (raw === null || raw === undefined || raw === '-') {
      continue;
    }
    if (!col.known) {
      extra ??= {};
      extra[col.name] = text(raw);
      continue;
    }
    const { name, type, aws } = col.field;
    switch (type) {
      case 'string':
        r[name] = text(raw);
        break;
      case 'address':
        if (typeof raw !== 'string' || isIP(raw) === 0) {
          return issue('INVALID_ADDRESS', `${aws} is not an IP address`, position, row);
        }
        r[name] = raw;
        break;
      case 'int':
      case 'long': {
        const n = typeof raw === 'bigint' ? Number(raw) : typeof raw === 'number' ? raw : Number(text(raw));
        if (!Number.isSafeInteger(n)) {
          return issue('NOT_A_NUMBER', `${aws} is not an integer`, position, row);
        }
        const range = RANGES[name];
        if (n < 0 || (range && (n < range[0] || n > range[1]))) {
          return issue('OUT_OF_RANGE', `${aws} is out of range: ${n}`, position, row);
        }
        r[name] = n;
        break;
      }
    }
  }
  return finishRecord(r, family, context, position, extra);
}
