/**
 * API keys of query-api (npm run api-key -- …):
 *   create --name NAME [--rate-limit N]   prints the new key once (only its SHA-256 is stored)
 *   list                                  id, name, rate limit, created, revoked, last used
 *   revoke ID                             the key stops working at once
 * Database: DATABASE_URL (default: the local stack's Postgres) and DATABASE_SCHEMA (default lake);
 * the migrations are applied first, as the sink does, so this works before the sink has started.
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ApiKeysRepository, createPool, migrate } from '@lake/pg';
import { stackEndpoints } from '@lake/testing';

const USAGE = `usage: npm run api-key -- create --name NAME [--rate-limit N] | list | revoke ID
  env: DATABASE_URL (default: local stack), DATABASE_SCHEMA (default: lake)`;

function fail(message: string): never {
  console.error(`api-key: ${message}\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { name: { type: 'string' }, 'rate-limit': { type: 'string' }, json: { type: 'boolean' } },
  });
  const [command, arg] = positionals;
  const databaseUrl = process.env['DATABASE_URL'] ?? stackEndpoints(process.env).databaseUrl;
  const schema = process.env['DATABASE_SCHEMA'] ?? 'lake';
  const logger = pino({ level: 'warn' });
  if (command !== 'create' && command !== 'list' && command !== 'revoke') {
    fail(command ? `unknown command ${JSON.stringify(command)}` : 'a command is needed');
  }
  await migrate({ connectionString: databaseUrl, schema, logger });
  const pool = createPool({
    connectionString: databaseUrl,
    schema,
    max: 1,
    logger,
    applicationName: 'api-key',
  });
  const keys = new ApiKeysRepository(pool);
  try {
    switch (command) {
      case 'create': {
        if (!values.name) {
          fail('create needs --name NAME');
        }
        const rateLimit = values['rate-limit'] === undefined ? undefined : Number(values['rate-limit']);
        if (rateLimit !== undefined && !(Number.isInteger(rateLimit) && rateLimit > 0)) {
          fail('--rate-limit must be a positive integer (requests per RATE_LIMIT_WINDOW_SECONDS)');
        }
        const created = await keys.create(values.name, rateLimit ? { rateLimit } : {});
        if (values.json) {
          console.log(JSON.stringify({ id: created.id, name: created.name, key: created.key }));
        } else {
          console.error(`created API key ${created.id} (${created.name}); it is shown only now:`);
          console.log(created.key);
        }
        break;
      }
      case 'list': {
        const rows = await keys.list();
        if (values.json) {
          rows.forEach((r) => console.log(JSON.stringify(r)));
        } else if (rows.length === 0) {
          console.error('no API keys');
        } else {
          console.table(
            rows.map((r) => ({
              id: r.id,
              name: r.name,
              rate_limit: r.rate_limit ?? 'default',
              created: r.created_at.toISOString(),
              revoked: r.revoked_at?.toISOString() ?? '',
              last_used: r.last_used_at?.toISOString() ?? '',
            })),
          );
        }
        break;
      }
      case 'revoke': {
        if (!arg) {
          fail('revoke needs the key id (see list)');
        }
        if (!(await keys.revoke(arg))) {
          console.error(`api-key: no key with id ${JSON.stringify(arg)}`);
          process.exitCode = 1;
        } else {
          console.error(`revoked API key ${arg}`);
        }
        break;
      }
    }
  } finally {
    await pool.end();
  }
}

main().catch((err: unknown) => {
  console.error(`api-key failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
