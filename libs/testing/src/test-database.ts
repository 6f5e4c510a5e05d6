import pino from 'pino';
import type { Pool } from '@lake/pg';
import { migratedSchema } from './analytics-dataset';
import { createApiKey } from './api-keys';
import { stackEndpoints } from './stack-endpoints';

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
  const databaseUrl = stackEndpoints(env).databaseUrl;
  const { pool, schema, drop } = await migratedSchema(prefix, databaseUrl, pino({ level: 'warn' }));
  const apiKey = await createApiKey(pool, schema);
  return { schema, databaseUrl, pool, apiKey, close: drop };
}
