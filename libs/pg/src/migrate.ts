import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runner } from 'node-pg-migrate';
import type { Logger } from 'pino';

/**
 * The SQL migrations ship next to the code: libs/pg/migrations in the repository, and
 * `migrations/` beside main.js in a built app (tools/scripts/build-app.mjs copies them).
 */
export function defaultMigrationsDir(): string {
  const candidates = [join(__dirname, 'migrations'), join(__dirname, '..', 'migrations')];
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) {
    throw new Error(`migrations folder not found (looked in ${candidates.join(', ')})`);
  }
  return found;
}

/**
 * Applies pending migrations (node-pg-migrate, SQL files) in `schema`, creating it if needed.
 * node-pg-migrate takes an advisory lock, so replicas starting together migrate once.
 */
export async function migrate(options: {
  connectionString: string;
  schema: string;
  logger: Logger;
  dir?: string;
}): Promise<void> {
  const log = options.logger.child({ component: 'migrations' });
  await runner({
    databaseUrl: options.connectionString,
    dir: options.dir ?? defaultMigrationsDir(),
    direction: 'up',
    migrationsTable: 'schema_migrations',
    schema: options.schema,
    createSchema: true,
    migrationsSchema: options.schema,
    createMigrationsSchema: true,
    checkOrder: true,
    verbose: false,
    log: (msg: string) => log.debug({ detail: msg }, 'migration'),
    logger: {
      debug: (msg: string) => log.debug({ detail: msg }, 'migration'),
      info: (msg: string) => log.info({ detail: msg }, 'migration'),
      warn: (msg: string) => log.warn({ detail: msg }, 'migration'),
      error: (msg: string) => log.error({ detail: msg }, 'migration'),
    },
  });
}
