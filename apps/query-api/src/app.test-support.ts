import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createTestDatabase, type TestDatabase } from '@lake/testing';
import { buildApp, type AppDeps } from './app';

export interface TestApp {
  app: FastifyInstance;
  db: TestDatabase;
  /** The test's API key (also sent by `get`). */
  key: string;
  /** GET with the key; `query` values are stringified. */
  get(url: string, query?: Record<string, string | number | boolean>): Promise<LightMyRequestResponse>;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * query-api on a fresh migrated schema of the local stack's Postgres, with an API key, built in
 * process (fastify inject); close() drops the schema. For tests: `const t = await startTestApp('x')`.
 */
export async function startTestApp(
  prefix: string,
  overrides: Partial<Pick<AppDeps, 'rateLimit' | 'metricsPublic'>> = {},
): Promise<TestApp> {
  const db = await createTestDatabase(prefix, process.env);
  const app = await buildApp({
    pool: db.pool,
    logger: pino({ level: 'warn' }),
    metrics: new Registry(),
    rateLimit: { max: 100_000, windowSeconds: 60 },
    ...overrides,
  });
  await app.ready();
  return {
    app,
    db,
    key: db.apiKey,
    get: (url, query = {}) =>
      app.inject({
        method: 'GET',
        url,
        query: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])),
        headers: { 'x-api-key': db.apiKey },
      }),
    inject: (options) => app.inject(options),
    async close() {
      await app.close();
      await db.close();
    },
  };
}
