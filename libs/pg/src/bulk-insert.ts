import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export interface ColumnSpec<R> {
  name: string;
  /** Postgres array element type used to pass the column, e.g. `text`, `bigint`, `inet`, `jsonb`. */
  pgType: string;
  get: (row: R) => unknown;
}

/** Text-format COPY escaping (PostgreSQL "COPY", File Formats > Text Format). */
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
  return /[\\\t\n\r]/.test(text)
    ? text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : text;
}

const UNIQUE_VIOLATION = '23505';

/** Text-format COPY lines of `rows`, in chunks of about 64 KiB. */
function* copyLines<R>(columns: readonly ColumnSpec<R>[], rows: readonly R[]): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    let line = '';
    for (let c = 0; c < columns.length; c++) {
      line += (c === 0 ? '' : '\t') + copyText(columns[c]!.get(row));
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
 * Statements run in the same SQL statement as the INSERT, reading the rows it actually inserted as
 * relation `inserted` (e.g. rollups: replayed rows, skipped by ON CONFLICT, never reach them).
 */
export interface AfterInsert {
  /** Columns of the inserted rows the statements read. */
  returning: readonly string[];
  /** Data-modifying statements (run as CTEs of the INSERT's statement). */
  statements: readonly string[];
}

function withAfter(insert: string, after: AfterInsert | undefined): string {
  if (!after) {
    return insert;
  }
  const returning = after.returning.map((c) => `"${c}"`).join(', ');
  const ctes = after.statements.map((s, i) => `, after_${i} AS (${s})`).join('');
  return `WITH inserted AS (${insert} RETURNING ${returning})${ctes} SELECT count(*)::int AS n FROM inserted`;
}

/**
 * Inserts many rows in one round trip, skipping rows whose natural key already exists (which is
 * what makes replays harmless). Small batches go as one `INSERT … SELECT FROM unnest($1, $2, …)`
 * with one array parameter per column; large ones are COPYed into a session temp table and moved
 * with one `INSERT … SELECT … ON CONFLICT DO NOTHING` (COPY parses far faster than array
 * parameters: measured 2x on flow records). Values never enter the SQL text either way.
 */
export class BulkInsert<R> {
  private readonly sql: string;
  private readonly createTemp: string;
  private readonly copySql: string;
  private readonly moveSql: string;
  private readonly optimisticMoveSql: string;

  constructor(
    table: string,
    private readonly columns: readonly ColumnSpec<R>[],
    conflictTarget: readonly string[],
    private readonly copyThreshold = 500,
    private readonly after?: AfterInsert,
  ) {
    const names = columns.map((c) => `"${c.name}"`).join(', ');
    const params = columns.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(', ');
    const conflict = `ON CONFLICT (${conflictTarget.map((c) => `"${c}"`).join(', ')}) DO NOTHING`;
    this.sql = withAfter(
      `INSERT INTO "${table}" (${names}) SELECT * FROM unnest(${params}) ${conflict}`,
      after,
    );
    const temp = `"lake_load_${table}"`;
    // ON COMMIT DELETE ROWS: the staging rows vanish with the transaction that moved them.
    this.createTemp = `CREATE TEMP TABLE IF NOT EXISTS ${temp} (LIKE "${table}" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`;
    this.copySql = `COPY ${temp} (${names}) FROM STDIN`;
    this.moveSql = withAfter(
      `INSERT INTO "${table}" (${names}) SELECT ${names} FROM ${temp} ${conflict}`,
      after,
    );
    // One simple-query round trip: a plain INSERT in a savepoint. Plain INSERT skips the
    // speculative insertion ON CONFLICT does per row; a replay makes it fail on the key, and
    // `moveSql` runs after rolling back to the savepoint. The after-insert statements (rollups) ride
    // along in both, so they see exactly the rows that went in.
    const plainMove = withAfter(`INSERT INTO "${table}" (${names}) SELECT ${names} FROM ${temp}`, after);
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
   * a transaction when the batch is large (the staging table is emptied at commit).
   */
  async insert(client: pg.ClientBase, rows: readonly R[]): Promise<number> {
    if (rows.length === 0) {
      return 0;
    }
    if (rows.length >= this.copyThreshold) {
      return this.insertByCopy(client, rows);
    }
    const arrays: unknown[][] = this.columns.map(() => new Array<unknown>(rows.length));
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      for (let c = 0; c < this.columns.length; c++) {
        arrays[c]![r] = this.columns[c]!.get(row);
      }
    }
    const res = await client.query(this.sql, arrays);
    return this.countOf(res);
  }

  private async insertByCopy(client: pg.ClientBase, rows: readonly R[]): Promise<number> {
    // Every batch: a CREATE in a transaction that later rolls back is undone with it.
    await client.query(this.createTemp);
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
    return this.countOf(res);
  }

  private countOf(res: pg.QueryResult): number {
    return this.after ? (res.rows[0] as { n: number }).n : (res.rowCount ?? 0);
  }
}
