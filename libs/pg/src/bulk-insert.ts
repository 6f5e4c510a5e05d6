import type pg from 'pg';

export interface ColumnSpec<R> {
  name: string;
  /** Postgres array element type used to pass the column, e.g. `text`, `bigint`, `inet`, `jsonb`. */
  pgType: string;
  get: (row: R) => unknown;
}

/**
 * Inserts many rows with one statement: each column travels as one array parameter and `unnest`
 * turns them back into rows. Parameterised (no values in the SQL text), a fixed statement per
 * table, and ~10x fewer round trips than row-by-row inserts. Rows whose natural key already exists
 * are skipped, which is what makes replays harmless.
 */
export class BulkInsert<R> {
  private readonly sql: string;

  constructor(
    table: string,
    private readonly columns: readonly ColumnSpec<R>[],
    conflictTarget: readonly string[],
  ) {
    const names = columns.map((c) => `"${c.name}"`).join(', ');
    const params = columns.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(', ');
    this.sql =
      `INSERT INTO "${table}" (${names}) SELECT * FROM unnest(${params}) ` +
      `ON CONFLICT (${conflictTarget.map((c) => `"${c}"`).join(', ')}) DO NOTHING`;
  }

  /** Returns the number of rows actually inserted (replayed rows are not counted). */
  async insert(client: pg.ClientBase, rows: readonly R[]): Promise<number> {
    if (rows.length === 0) {
      return 0;
    }
    const arrays: unknown[][] = this.columns.map(() => new Array<unknown>(rows.length));
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      for (let c = 0; c < this.columns.length; c++) {
        arrays[c]![r] = this.columns[c]!.get(row);
      }
    }
    const res = await client.query(this.sql, arrays);
    return res.rowCount ?? 0;
  }
}
