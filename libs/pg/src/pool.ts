import pg from 'pg';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import { PgSetupError } from './pg.errors';

export type { Pool, PoolClient } from 'pg';

const INT8_OID = 20;
/** `date` columns stay `YYYY-MM-DD` text: a JS Date would shift them to local midnight. */
const DATE_OID = 1082;

export interface PoolSettings {
  connectionString: string;
  /** Schema that holds the pipeline's tables; first on the search_path of every connection. */
  schema: string;
  max: number;
  logger: Logger;
  metrics?: Registry;
  applicationName: string;
  /** Postgres work_mem of every connection (e.g. `64MB`): room for aggregates to hash in memory. */
  workMem?: string;
  /**
   * false: no JIT compilation (jit=off). For services answering in milliseconds: the planner's
   * cost estimates of a top-K over several days trigger JIT, whose compilation takes longer than
   * the query runs.
   */
  jit?: boolean;
}

/** Identifier check for the schema name, which is interpolated into SQL (never user input). */
export const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export function createPool(settings: PoolSettings): pg.Pool {
  if (settings.workMem !== undefined && !/^\d+(kB|MB|GB)$/.test(settings.workMem)) {
    throw new PgSetupError(
      'SETTING_INVALID',
      `work_mem ${JSON.stringify(settings.workMem)} is not a size such as 64MB`,
    );
  }
  if (!SQL_IDENTIFIER.test(settings.schema)) {
    throw new PgSetupError(
      'SETTING_INVALID',
      `schema name ${JSON.stringify(settings.schema)} is not a plain SQL identifier`,
    );
  }
  const pool = new pg.Pool({
    connectionString: settings.connectionString,
    max: settings.max,
    application_name: settings.applicationName,
    options:
      `-c search_path=${settings.schema},public` +
      `${settings.workMem ? ` -c work_mem=${settings.workMem}` : ''}${settings.jit === false ? ' -c jit=off' : ''}`,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    // bigint columns (bytes, packets, offsets) as numbers: every value we store is below 2^53;
    // dates as their text.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
        oid === INT8_OID
          ? Number
          : oid === DATE_OID
            ? (value: string) => value
            : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // Without this listener an idle connection dropped by the server crashes the process.
  pool.on('error', (err) => settings.logger.warn({ err }, 'idle postgres connection failed'));
  if (settings.metrics) {
    const registry = settings.metrics;
    const existing = registry.getSingleMetric('lake_pg_pool_connections');
    if (!existing) {
      new Gauge({
        name: 'lake_pg_pool_connections',
        help: 'Connections of the Postgres pool by state',
        labelNames: ['state'],
        registers: [registry],
        collect() {
          this.set({ state: 'total' }, pool.totalCount);
          this.set({ state: 'idle' }, pool.idleCount);
          this.set({ state: 'waiting' }, pool.waitingCount);
        },
      });
    }
  }
  return pool;
}

export interface TransactionOptions {
  /** Default READ COMMITTED; REPEATABLE READ gives every statement of `fn` one snapshot. */
  isolation?: 'REPEATABLE READ' | 'SERIALIZABLE';
  readOnly?: boolean;
}

/** Runs `fn` in a transaction; rolls back and rethrows on error. */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(
      `BEGIN${options.isolation ? ` ISOLATION LEVEL ${options.isolation}` : ''}${options.readOnly ? ' READ ONLY' : ''}`,
    );
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Cheap liveness probe for /ready. */
export async function ping(pool: pg.Pool): Promise<void> {
  await pool.query('SELECT 1');
}
