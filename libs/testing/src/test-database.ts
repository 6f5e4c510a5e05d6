import pino from 'pino';
import { createPool, migrate, type Pool } from '@lake/pg';
import { createApiKey } from './api-keys';
import { stackEndpoints } from './stack-endpoints';
import { uniqueNames } from './unique-names';

export interface TestDatabase {
  /** A fresh schema of the local stack's Postgres, migrated as the sink does. */
  schema: string;
  databaseUrl: string;
  /** A pool whose search_path is that schema (what query-api and the sink use). */
  pool: Pool;
  /** An API key for query-api in that schema. */
  apiKey: string;
  /** Drops the schema and ends the pool. */
  close(): Promise<void>;
}

/**
 * For tests of query-api (or any reader) without the whole pipeline: a unique schema with every
 * migration applied and an API key. `env` is process.env (LAKE_PG_* pick the server).
 */
export async function createTestDatabase(
  prefix: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<TestDatabase> {
  const { schema } = uniqueNames(prefix);
  const databaseUrl = stackEndpoints(env).databaseUrl;
  const logger = pino({ level: 'warn' });
  await migrate({ connectionString: databaseUrl, schema, logger });
  const pool = createPool({ connectionString: databaseUrl, schema, max: 4, logger, applicationName: prefix });
  const apiKey = await createApiKey(pool, schema);
  return {
    schema,
    databaseUrl,
    pool,
    apiKey,
    async close() {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}
