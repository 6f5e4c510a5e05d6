import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { storable } from './pg-safe';

export interface ColumnSpec<R> {
  name: string;
  /** Postgres array element type used to pass the column, e.g. `text`, `bigint`, `inet`, `jsonb`. */
  pgType: string;
  get: (row: R) => unknown;
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

/** Text-format COPY lines of `rows`, in chunks of about 64 KiB. */
function* copyLines<R>(columns: readonly ColumnSpec<R>[], rows: readonly R[]): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    let line = '';
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c]!;
      const value = column.get(row);
      line += (c === 0 ? '' : '\t') + copyText(column.pgType === 'jsonb' ? storable(value, 'jsonb') : value);
    }
    chunk += `${line}\n`;
    if (chunk.length > 1 << 16) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) {
    yield chunk;
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

/** `insert`, its RETURNING rows kept in `kept` (for the after-insert statements). */
function keeping(insert: string, after: AfterInsert | undefined, kept: string): string {
  if (!after) {
    return insert;
  }
  const returning = after.returning.map((c) => `"${c}"`).join(', ');
  return `WITH inserted AS (${insert} RETURNING ${returning}) INSERT INTO ${kept} SELECT * FROM inserted`;
}

/**
 * Inserts many rows in one round trip, skipping rows whose natural key already exists (which is
 * what makes replays harmless). Small batches go as one `INSERT … SELECT FROM unnest($1, $2, …)`
 * with one array parameter per column; large ones are COPYed into a session temp table and moved
 * with one `INSERT … SELECT … ON CONFLICT DO NOTHING` (COPY parses far faster than array
 * parameters: measured 2x on flow records). Values never enter the SQL text either way.
 * With after-insert statements, the rows actually inserted are kept in a second session temp
 * table, which the statements then read in their order, in the same transaction.
 */
export class BulkInsert<R> {
  private readonly sql: string;
  private readonly createTemp: string;
  private readonly copySql: string;
  private readonly moveSql: string;
  private readonly optimisticMoveSql: string;
  /** Creates the table of kept rows (before the INSERT that fills it). */
  private readonly createKept: string | null;
  /** The after-insert statements, in their order (one round trip). */
  private readonly afterSql: string | null;

  constructor(
    table: string,
    private readonly columns: readonly ColumnSpec<R>[],
    conflictTarget: readonly string[],
    private readonly copyThreshold = 500,
    after?: AfterInsert,
  ) {
    const names = columns.map((c) => `"${c.name}"`).join(', ');
    const params = columns.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(', ');
    // No target: a row that collides on any unique key of the table is skipped.
    const conflict =
      conflictTarget.length > 0
        ? `ON CONFLICT (${conflictTarget.map((c) => `"${c}"`).join(', ')}) DO NOTHING`
        : 'ON CONFLICT DO NOTHING';
    const kept = `"lake_inserted_${table}"`;
    // ON COMMIT DELETE ROWS: the kept rows vanish with the transaction that inserted them.
    this.createKept = after
      ? `CREATE TEMP TABLE IF NOT EXISTS ${kept} ON COMMIT DELETE ROWS AS SELECT ` +
        `${after.returning.map((c) => `"${c}"`).join(', ')} FROM "${table}" WITH NO DATA`
      : null;
    this.afterSql = after ? after.statements(kept).join('; ') : null;
    this.sql = keeping(
      `INSERT INTO "${table}" (${names}) SELECT * FROM unnest(${params}) ${conflict}`,
      after,
      kept,
    );
    const temp = `"lake_load_${table}"`;
    // ON COMMIT DELETE ROWS: the staging rows vanish with the transaction that moved them.
    this.createTemp = `CREATE TEMP TABLE IF NOT EXISTS ${temp} (LIKE "${table}" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`;
    this.copySql = `COPY ${temp} (${names}) FROM STDIN`;
    this.moveSql = keeping(
      `INSERT INTO "${table}" (${names}) SELECT ${names} FROM ${temp} ${conflict}`,
      after,
      kept,
    );
    // One simple-query round trip: a plain INSERT in a savepoint. Plain INSERT skips the
    // speculative insertion ON CONFLICT does per row; a replay makes it fail on the key, and
    // `moveSql` runs after rolling back to the savepoint (which also empties the kept rows).
    const plainMove = keeping(`INSERT INTO "${table}" (${names}) SELECT ${names} FROM ${temp}`, after, kept);
    this.optimisticMoveSql = `SAVEPOINT lake_bulk_insert; ${plainMove}; RELEASE SAVEPOINT lake_bulk_insert`;
    this.stagingTable = temp;
  }

  /**
   * The session temp table holding a large batch between its COPY and its move into the table,
   * inside the caller's transaction (emptied at commit).
   */
  readonly stagingTable: string;

  /**
   * Returns the number of rows actually inserted (replayed rows are not counted). Must run inside
   * a transaction when the batch is large or there are after-insert statements (the temp tables
   * are emptied at commit).
   */
  async insert(client: pg.ClientBase, rows: readonly R[]): Promise<number> {
    if (rows.length === 0) {
      return 0;
    }
    const inserted =
      rows.length >= this.copyThreshold
        ? await this.insertByCopy(client, rows)
        : await this.insertByArrays(client, rows);
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
        arrays[c]![r] = storable(column.get(row), column.pgType);
      }
    }
    if (this.createKept) {
      await client.query(this.createKept);
    }
    const res = await client.query(this.sql, arrays);
    return res.rowCount ?? 0;
  }

  private async insertByCopy(client: pg.ClientBase, rows: readonly R[]): Promise<number> {
    // Every batch: a CREATE in a transaction that later rolls back is undone with it.
    await client.query(this.createKept ? `${this.createTemp}; ${this.createKept}` : this.createTemp);
    await pipeline(Readable.from(copyLines(this.columns, rows)), client.query(copyFrom(this.copySql)));
    return this.move(client, rows.length);
  }

  /** Moves the staged rows into the table; returns how many were new. */
  private async move(client: pg.ClientBase, count: number): Promise<number> {
    try {
      await client.query(this.optimisticMoveSql);
      return count;
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) {
        throw err;
      }
    }
    await client.query('ROLLBACK TO SAVEPOINT lake_bulk_insert');
    const res = await client.query(this.moveSql);
    return res.rowCount ?? 0;
  }
}
