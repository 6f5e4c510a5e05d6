import { ConfigError, loadConfig } from '@lake/config';
import { createLogger, createMetricsRegistry, createShutdown } from '@lake/observability';
import { createPool } from '@lake/pg';
import { buildApp } from './app';
import { configSchema, type QueryApiConfig } from './config';

const SERVICE = 'query-api';

async function main(config: QueryApiConfig): Promise<void> {
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL, pretty: process.stdout.isTTY });
  const metrics = createMetricsRegistry(SERVICE);
  const pool = createPool({
    connectionString: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    max: config.DATABASE_POOL_SIZE,
    logger,
    metrics,
    applicationName: SERVICE,
    workMem: config.DATABASE_WORK_MEM,
    jit: false,
  });
  const app = await buildApp({
    pool,
    logger,
    metrics,
    rateLimit: { max: config.RATE_LIMIT_MAX, windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS },
    metricsPublic: config.METRICS_PUBLIC,
    exportStallSeconds: config.EXPORT_STALL_SECONDS,
  });

  const shutdown = createShutdown(
    [
      { name: 'http', close: () => app.close() },
      { name: 'postgres', close: () => pool.end() },
    ],
    logger,
    (clean) => process.exit(clean ? 0 : 1),
  );
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  await app.listen({ host: config.HOST, port: config.PORT });
}

try {
  main(loadConfig(configSchema, process.env)).catch((err: unknown) => {
    process.stderr.write(
      `${SERVICE} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
} catch (err) {
  process.stderr.write(`${SERVICE}: ${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
}
