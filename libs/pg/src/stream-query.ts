import { Transform, pipeline, type Readable } from 'node:stream';
import type pg from 'pg';
import QueryStream from 'pg-query-stream';

/** Rows of a query as an object stream, with the column names known before the first row. */
export interface RowStream {
  columns: string[];
  rows: Readable;
}

export interface StreamQueryOptions {
  /** Rows fetched per round trip (and buffered at most, twice over, while the reader is slow). */
  batchSize?: number;
  /** Reshapes each row (e.g. bytes to text); `columns` must then name the output's fields. */
  map?: (row: Record<string, unknown>) => Record<string, unknown>;
  columns?: string[];
}

/**
 * Runs `text` through a server-side cursor (pg-query-stream): rows are fetched `batchSize` at a
 * time, and only when the reader asks, so memory stays constant however many rows match. The
 * pooled client is held until the stream ends, fails or is destroyed (e.g. the HTTP client went
 * away), then released (discarded after an error).
 */
export async function streamQuery(
  pool: pg.Pool,
  text: string,
  values: unknown[],
  options: StreamQueryOptions = {},
): Promise<RowStream> {
  const client = await pool.connect();
  let released = false;
  const release = (err?: Error) => {
    if (!released) {
      released = true;
      client.release(err);
    }
  };
  try {
    const columns =
      options.columns ??
      // The column list even when no row matches (CSV needs its header): LIMIT 0 plans, reads nothing.
      (await client.query({ text: `SELECT * FROM (${text}) AS q LIMIT 0`, values })).fields.map(
        (f) => f.name,
      );
    const query = client.query(new QueryStream(text, values, { batchSize: options.batchSize ?? 1000 }));
    query.once('error', (err: Error) => release(err));
    query.once('close', () => release());
    const map = options.map;
    if (!map) {
      return { columns, rows: query };
    }
    const mapped = new Transform({
      objectMode: true,
      transform(row: Record<string, unknown>, _enc, done) {
        done(null, map(row));
      },
    });
    // pipeline: an error or an early destroy of either side destroys both (and so frees the client).
    return { columns, rows: pipeline(query, mapped, () => undefined) };
  } catch (err) {
    release(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}
