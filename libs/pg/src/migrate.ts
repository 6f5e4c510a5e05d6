import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runner } from 'node-pg-migrate';
import type { Logger } from 'pino';
import { PgSetupError } from './pg.errors';

/**
 * The SQL migrations ship next to the code: libs/pg/migrations in the repository, and
 * `migrations/` beside main.js in a built app (tools/scripts/build-app.mjs copies them).
 */
export function defaultMigrationsDir(): string {
  const candidates = [join(__dirname, 'migrations'), join(__dirname, '..', 'migrations')];
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) {
    throw new PgSetupError(
      'MIGRATIONS_NOT_FOUND',
      `migrations folder not found (looked in ${candidates.join(', ')})`,
    );
  }
  return found;
}

/**
 * Applies pending migrations (node-pg-migrate, SQL files) in `schema`, creating it if needed.
 * node-pg-migrate takes an advisory lock and fails at once when another process holds it
 * ("Another migration is already running"); replicas starting together (several notifiers, or the
 * notifier and the sink) then wait and try again, so they migrate once and all start.
 */
export async function migrate(options: {
  connectionString: string;
  schema: string;
  logger: Logger;
  dir?: string;
  /** How long to keep trying while another process migrates. */
  lockWaitMs?: number;
}): Promise<void> {
  const deadline = Date.now() + (options.lockWaitMs ?? 120_000);
  for (let wait = 200; ; wait = Math.min(wait * 2, 5_000)) {
    try {
      await migrateOnce(options);
      return;
    } catch (err) {
      const busy = err instanceof Error && /another migration is already running/i.test(err.message);
      if (!busy || Date.now() + wait > deadline) {
        throw err;
      }
      options.logger.info({ waitMs: wait }, 'another process is migrating; waiting');
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

async function migrateOnce(options: {
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
