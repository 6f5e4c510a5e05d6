import type pg from 'pg';
import { ApiKeysRepository, SQL_IDENTIFIER } from '@lake/pg';

/**
 * Creates an API key in `schema` (its migrations applied, e.g. by the sink) and returns the key,
 * for tests: `const key = await createApiKey(db, names.schema)`, then send `x-api-key: key`.
 */
export async function createApiKey(
  pool: pg.Pool,
  schema: string,
  options: { name?: string; rateLimit?: number } = {},
): Promise<string> {
  if (!SQL_IDENTIFIER.test(schema)) {
    throw new Error(`schema name ${JSON.stringify(schema)} is not a plain SQL identifier`);
  }
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL search_path TO "${schema}"`);
    const created = await new ApiKeysRepository(client).create(options.name ?? 'test', {
      ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    });
    await client.query('COMMIT');
    return created.key;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
