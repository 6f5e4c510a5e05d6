import type pg from 'pg';
import { decodeCursor, encodeCursor } from './cursor';
import type { Where } from './query-builder';
import { streamQuery, type RowStream } from './stream-query';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A sort column of a keyset, and how its value travels in the cursor. */
export interface KeyColumn {
  name: string;
  /** time: timestamptz, ISO text in the cursor; text; int: integer (bigint included), a number in the cursor. */
  kind: 'time' | 'text' | 'int';
}

export interface KeysetListOptions<Out> {
  /** Selected columns (default `*`). */
  select?: readonly string[];
  /** Reshapes each row (e.g. bytes to text); `columns` then names the output's fields for exports. */
  map?: (row: Record<string, unknown>) => Out;
  columns?: string[];
}

/**
 * A list read with keyset pagination: the rows of one table that match a filter, in the order of
 * key columns that are unique together, a page at a time (the cursor is the key of the last row
 * returned, so pages stay consistent while rows arrive) or all of them as a stream for exports.
 * The query classes give their filters as a `Where`; this adds "after the cursor", the order and
 * the limit.
 */
export class KeysetList<Out extends Record<string, unknown>> {
  constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
    private readonly key: readonly KeyColumn[],
    private readonly options: KeysetListOptions<Out> = {},
  ) {}

  /** One page of at most `limit` rows after `cursor`, with the cursor of the next page (null at the end). */
  async page(w: Where, cursor: string | undefined, limit: number): Promise<Page<Out>> {
    const sql = this.sql(w, cursor);
    const { rows } = await this.pool.query<Record<string, unknown>>(
      `${sql} LIMIT ${w.param(limit + 1)}`,
      w.params,
    );
    const more = rows.length > limit;
    const kept = more ? rows.slice(0, limit) : rows;
    const last = kept[kept.length - 1];
    const map = this.options.map;
    return {
      items: map ? kept.map(map) : (kept as Out[]),
      nextCursor: more && last ? encodeCursor(this.key.map((c) => cursorValue(c, last[c.name]))) : null,
    };
  }

  /** Every matching row after `cursor`, in page order, through a server-side cursor. */
  async stream(w: Where, cursor: string | undefined): Promise<RowStream> {
    const { map, columns } = this.options;
    return streamQuery(this.pool, this.sql(w, cursor), w.params, {
      ...(map ? { map } : {}),
      ...(columns ? { columns } : {}),
    });
  }

  private sql(w: Where, cursor: string | undefined): string {
    const names = this.key.map((c) => c.name);
    if (cursor) {
      const values = decodeCursor(
        cursor,
        this.key.map((c) => (c.kind === 'int' ? 'number' : 'string')),
      );
      const placeholders = this.key.map((c, i) => `?${i + 1}${c.kind === 'time' ? '::timestamptz' : ''}`);
      w.addMany(`(${names.join(', ')}) > (${placeholders.join(', ')})`, values);
    }
    const select = this.options.select?.join(', ') ?? '*';
    return `SELECT ${select} FROM ${this.table} ${w.sql()} ORDER BY ${names.join(', ')}`;
  }
}

function cursorValue(column: KeyColumn, value: unknown): string | number {
  switch (column.kind) {
    case 'time':
      return (value as Date).toISOString();
    case 'int':
      return Number(value);
    case 'text':
      return String(value);
  }
}

/**
 * The read side of one paged list: a subclass says how its filter narrows the rows (`where`); a
 * page (`list`) and an export (`stream`) both start after the filter's cursor.
 */
export abstract class KeysetQueries<
  F extends { cursor?: string | undefined },
  Out extends Record<string, unknown>,
> {
  constructor(private readonly rows: KeysetList<Out>) {}

  list(f: F & { limit: number }): Promise<Page<Out>> {
    return this.rows.page(this.where(f), f.cursor, f.limit);
  }

  /** Every matching row, in page order (from `cursor` when given), through a server-side cursor. */
  stream(f: F): Promise<RowStream> {
    return this.rows.stream(this.where(f), f.cursor);
  }

  protected abstract where(f: F): Where;
}
