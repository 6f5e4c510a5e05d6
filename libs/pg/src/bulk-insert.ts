import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { storable } from './pg-safe';
import type { EncodedRow } from './avro-copy';

export interface ColumnSpec<R> {
  name: string;
  /** Postgres array element type used to pass the column, e.g. `text`, `bigint`, `inet`, `jsonb`. */
  pgType: string;
  /**
   * The column's value of a row. A number in a `timestamptz` column is epoch milliseconds, in a
   * `date` column days since the epoch (cheaper than a Date per row; a value repeated from one row
   * to the next is then escaped for COPY only once).
   */
  get: (row: R) => unknown;
}

const DAY_MS = 86_400_000;

/** `value` as Postgres takes it in `pgType`: epoch numbers of time columns become Dates / dates. */
function pgValue(value: unknown, pgType: string): unknown {
  if (typeof value === 'number') {
    if (pgType === 'timestamptz') {
      return new Date(value);
    }
    if (pgType === 'date') {
      return new Date(value * DAY_MS).toISOString().slice(0, 10);
    }
  }
  return value;
}

/** Text-format COPY escaping (PostgreSQL "COPY", File Formats > Text Format); NUL becomes U+FFFD (see pg-safe). */
function copyText(value: unknown): string {
  if (value === null || value === undefined) {
    return '\\N';
  }
  let text: string;
  if (value instanceof Date) {
    text = value.toISOString();
  } else if (Buffer.isBuffer(value)) {
    text = `\\x${value.toString('hex')}`;
  } else if (typeof value === 'string') {
    text = value;
  } else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  } else {
    text = JSON.stringify(value);
  }
  return /[\\\t\n\r\0]/.test(text)
    ? text
        .replace(/\\/g, '\\\\')
        .replace(/\t/g, '\\t')
        .replace(/\n/g, '\\n')
        .replace(/\r/g, '\\r')
        .replace(/\0/g, '\ufffd')
    : text;
}

const UNIQUE_VIOLATION = '23505';

/**
 * The COPY text of one column's values, remembering the last value: consecutive rows of a batch
 * mostly share their provenance, times, accounts and enrichment, which are then escaped once.
 */
function columnText<R>(column: ColumnSpec<R>): (row: R) => string {
  let last: unknown = undefined;
  let text = '\\N';
  return (row) => {
    const value = column.get(row);
    if (value !== last || typeof value === 'object') {
      last = value;
      // copyText itself replaces NUL in text (see pg-safe); jsonb needs its escapes made storable.
      const v = pgValue(value, column.pgType);
      text = copyText(column.pgType === 'jsonb' ? storable(v, 'jsonb') : v);
    }
    return text;
  };
}

/** Text-format COPY lines of `rows`, in chunks of about 64 KiB. */
export function* copyLines<R>(columns: readonly ColumnSpec<R>[], rows: readonly R[]): Generator<string> {
  const texts = columns.map(columnText);
  const fields = new Array<string>(texts.length);
  let lines: string[] = [];
  let size = 0;
  for (const row of rows) {
    for (let c = 0; c < texts.length; c++) {
      fields[c] = texts[c]!(row);
    }
    const line = fields.join('\t');
    lines.push(line);
    size += line.length;
    if (size > 1 << 16) {
      lines.push('');
      yield lines.join('\n');
      lines = [];
      size = 0;
    }
  }
  if (lines.length > 0) {
    lines.push('');
    yield lines.join('\n');
  }
}

/**
 * Statements run in the same transaction as the INSERT, reading the rows it actually inserted
 * (e.g. rollups: replayed rows, skipped by ON CONFLICT, never reach them).
 */
export interface AfterInsert {
  /** Columns of the inserted rows the statements read. */
  returning: readonly string[];
  /**
   * Data-modifying statements over relation `from` (the inserted rows), run one after the other in
   * this order: the statements whose rows concurrent transactions share go last, so that their row
   * locks are held only until the commit that follows.
   */
  statements: (from: string) => readonly string[];
}

/** A table where the same transaction records some columns of every row actually inserted. */
export interface InsertedRecord {
  table: string;
  columns: readonly string[];
}

export interface BulkInsertOptions {
  /** Batches of at least this many rows go by COPY. */
  copyThreshold?: number;
  /** Statements over the inserted rows (kept in a session temp table for them). */
  after?: AfterInsert;
  /** Or: a table of the database recording the inserted rows' `columns` (e.g. rollup input). */
  record?: InsertedRecord;
}

/** `insert`, its RETURNING rows kept in `kept` (when rows are kept). */
function keeping(insert: string, kept: InsertedRecord | null): string {
  if (!kept) {
    return insert;
  }
  const returning = kept.columns.map((c) => `"${c}"`).join(', ');
  return `WITH inserted AS (${insert} RETURNING ${returning}) INSERT INTO ${kept.table} (${returning}) SELECT * FROM inserted`;
}

/**
 * Inserts many rows in one round trip, skipping rows whose natural key already exists (which is
 * what makes replays harmless). Small batches go as one `INSERT … SELECT FROM unnest($1, $2, …)`
 * with one array parameter per column; large ones by COPY (which parses far faster than array
 * parameters: measured 2x on flow records), straight into the table when no row is a replay, else
 * into a session temp table moved with one `INSERT … SELECT … ON CONFLICT DO NOTHING`. Values never
 * enter the SQL text either way.
 * The rows actually inserted can be kept, some of their columns, in the same transaction: in a
 * session temp table that after-insert statements then read in their order, or in a table of the
 * database (`record`).
 */
export class BulkInsert<R> {
  private readonly sql: string;
  private readonly createTemp: string;
  private readonly copySql: string;
  private readonly moveSql: string;
  private readonly copyThreshold: number;
  /** Where the inserted rows are kept (their kept columns), if anywhere. */
  private readonly kept: InsertedRecord | null;
  /** Creates the session temp table of kept rows (for after-insert statements). */
  private readonly createKept: string | null;
  /** The after-insert statements, in their order (one round trip). */
  private readonly afterSql: string | null;
  /** COPY straight into the table (the optimistic path of a large batch). */
  private readonly directCopySql: string;
  /** COPY of the kept columns into the kept rows' table, with their column specs (optimistic path). */
  private readonly keptCopy: { sql: string; columns: readonly ColumnSpec<R>[] } | null;

  constructor(
    table: string,
    private readonly columns: readonly ColumnSpec<R>[],
    conflictTarget: readonly string[],
    options: BulkInsertOptions = {},
  ) {
    const { after, record } = options;
    this.copyThreshold = options.copyThreshold ?? 500;
    const names = columns.map((c) => `"${c.name}"`).join(', ');
    const params = columns.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(', ');
    // No target: a row that collides on any unique key of the table is skipped.
    const conflict =
      conflictTarget.length > 0
        ? `ON CONFLICT (${conflictTarget.map((c) => `"${c}"`).join(', ')}) DO NOTHING`
        : 'ON CONFLICT DO NOTHING';
    this.kept = after ? { table: `"lake_inserted_${table}"`, columns: after.returning } : (record ?? null);
    // ON COMMIT DELETE ROWS: the kept rows vanish with the transaction that inserted them.
    this.createKept = after
      ? `CREATE TEMP TABLE IF NOT EXISTS ${this.kept!.table} ON COMMIT DELETE ROWS AS SELECT ` +
        `${after.returning.map((c) => `"${c}"`).join(', ')} FROM "${table}" WITH NO DATA`
      : null;
    this.afterSql = after ? after.statements(this.kept!.table).join('; ') : null;
    this.directCopySql = `COPY "${table}" (${names}) FROM STDIN`;
    this.keptCopy = this.kept
      ? {
          sql: `COPY ${this.kept.table} (${this.kept.columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN`,
          columns: this.kept.columns.map((name) => {
            const column = columns.find((c) => c.name === name);
            if (!column) {
              throw new Error(`kept column ${name} is not a column of ${table}'s rows`);
            }
            return column;
          }),
        }
      : null;
    this.sql = keeping(
      `INSERT INTO "${table}" (${names}) SELECT * FROM unnest(${params}) ${conflict}`,
      this.kept,
    );
    const temp = `"lake_load_${table}"`;
    // ON COMMIT DELETE ROWS: the staging rows vanish with the transaction that moved them.
    this.createTemp = `CREATE TEMP TABLE IF NOT EXISTS ${temp} (LIKE "${table}" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`;
    this.copySql = `COPY ${temp} (${names}) FROM STDIN`;
    this.moveSql = keeping(
      `INSERT INTO "${table}" (${names}) SELECT ${names} FROM ${temp} ${conflict}`,
      this.kept,
    );
    this.stagingTable = temp;
  }

  /** The column specs of the kept rows' table, in its COPY order (none when rows are not kept). */
  get keptColumns(): readonly ColumnSpec<R>[] {
    return this.keptCopy?.columns ?? [];
  }

  /**
   * The session temp table holding a large batch with replayed rows between its COPY and its move
   * into the table, inside the caller's transaction (created on first use, emptied at commit).
   */
  readonly stagingTable: string;

  /**
   * Returns the number of rows actually inserted (replayed rows are not counted). Must run inside
   * a transaction when the batch is large or rows are kept (the temp tables are emptied at commit).
   */
  async insert(client: pg.ClientBase, rows: readonly R[]): Promise<number> {
    if (rows.length === 0) {
      return 0;
    }
    const inserted =
      rows.length >= this.copyThreshold
        ? await this.insertByCopy(
            client,
            rows.length,
            () => copyLines(this.columns, rows),
            () => copyLines(this.keptColumns, rows),
          )
        : await this.insertByArrays(client, rows);
    return this.afterInsert(client, inserted);
  }

  /** Runs the after-insert statements (if any) over the rows just inserted; returns `inserted`. */
  private async afterInsert(client: pg.ClientBase, inserted: number): Promise<number> {
    if (this.afterSql) {
      await client.query(this.afterSql);
    }
    return inserted;
  }

  private async insertByArrays(client: pg.ClientBase, rows: readonly R[]): Promise<number> {
    const arrays: unknown[][] = this.columns.map(() => new Array<unknown>(rows.length));
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      for (let c = 0; c < this.columns.length; c++) {
        const column = this.columns[c]!;
        arrays[c]![r] = storable(pgValue(column.get(row), column.pgType), column.pgType);
      }
    }
    if (this.createKept) {
      await client.query(this.createKept);
    }
    const res = await client.query(this.sql, arrays);
    return res.rowCount ?? 0;
  }

  /**
   * Like `insert`, for rows already in COPY text (AvroCopyTranscoder): always by COPY, one round
   * trip more than the array path for a small batch, and no JavaScript value per column.
   */
  async insertEncoded(client: pg.ClientBase, rows: readonly EncodedRow[]): Promise<number> {
    if (rows.length === 0) {
      return 0;
    }
    const inserted = await this.insertByCopy(
      client,
      rows.length,
      () => encodedChunks(rows, false),
      () => encodedChunks(rows, true),
    );
    return this.afterInsert(client, inserted);
  }

  /**
   * Optimistic path first: COPY straight into the table (and the kept columns into the kept rows'
   * table) in a savepoint, one pass over the data. A replayed row makes that COPY fail on the key;
   * then, back at the savepoint (which also takes back the kept rows), the rows are COPYed into the
   * staging table and moved with ON CONFLICT DO NOTHING, keeping only the rows actually inserted.
   * `lines` and `keptLines` give the COPY text of the `count` rows for the table and the kept rows' table.
   */
  private async insertByCopy(
    client: pg.ClientBase,
    count: number,
    lines: () => Iterable<string | Buffer>,
    keptLines: () => Iterable<string | Buffer>,
  ): Promise<number> {
    // Every batch: a CREATE in a transaction that later rolls back is undone with it.
    await client.query(
      this.createKept ? `${this.createKept}; SAVEPOINT lake_bulk_insert` : 'SAVEPOINT lake_bulk_insert',
    );
    try {
      await copy(client, this.directCopySql, lines());
      if (this.keptCopy) {
        await copy(client, this.keptCopy.sql, keptLines());
      }
      await client.query('RELEASE SAVEPOINT lake_bulk_insert');
      return count;
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) {
        throw err;
      }
    }
    await client.query(`ROLLBACK TO SAVEPOINT lake_bulk_insert; ${this.createTemp}`);
    await copy(client, this.copySql, lines());
    const res = await client.query(this.moveSql);
    return res.rowCount ?? 0;
  }
}

/** The table or the kept part of each encoded row, in chunks of about 64 KiB. */
function* encodedChunks(rows: readonly EncodedRow[], kept: boolean): Generator<Buffer> {
  let chunk = Buffer.allocUnsafe(1 << 17);
  let size = 0;
  for (const row of rows) {
    const from = kept ? row.split : 0;
    const to = kept ? row.bytes.length : row.split;
    if (size + to - from > chunk.length) {
      if (size > 0) {
        yield chunk.subarray(0, size);
      }
      chunk = Buffer.allocUnsafe(Math.max(1 << 17, to - from));
      size = 0;
    }
    size += row.bytes.copy(chunk, size, from, to);
    if (size > 1 << 16) {
      yield chunk.subarray(0, size);
      chunk = Buffer.allocUnsafe(1 << 17);
      size = 0;
    }
  }
  if (size > 0) {
    yield chunk.subarray(0, size);
  }
}

/** COPY the text `chunks` with `sql`, a `COPY … FROM STDIN`. */
async function copy(client: pg.ClientBase, sql: string, chunks: Iterable<string | Buffer>): Promise<void> {
  await pipeline(Readable.from(chunks), client.query(copyFrom(sql)));
}
