import { bool, commonEnv, databaseEnv, port, positiveInt, z } from '@lake/config';

export const configSchema = z.object({
  LOG_LEVEL: commonEnv.LOG_LEVEL,
  ...databaseEnv,
  HOST: z.string().default('127.0.0.1'),
  PORT: port(8080),
  /** Requests per window per API key (a key created with --rate-limit N has its own). */
  RATE_LIMIT_MAX: positiveInt(1000),
  RATE_LIMIT_WINDOW_SECONDS: positiveInt(60),
  /** Serve /metrics without a key (for a Prometheus scraper inside the cluster). */
  METRICS_PUBLIC: bool(false),
});

export type QueryApiConfig = z.infer<typeof configSchema>;
