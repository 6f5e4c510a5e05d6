import { bool, commonEnv, databaseEnv, port, positiveInt, z } from '@lake/config';

export const configSchema = z.object({
  LOG_LEVEL: commonEnv.LOG_LEVEL,
  ...databaseEnv,
  /** Postgres work_mem of the API's connections: aggregates over rollups hash in memory. */
  DATABASE_WORK_MEM: z
    .string()
    .regex(/^\d+(kB|MB|GB)$/, 'must be a size such as 64MB')
    .default('64MB'),
  HOST: z.string().default('127.0.0.1'),
  PORT: port(8080),
  /** Requests per window per API key (a key created with --rate-limit N has its own). */
  RATE_LIMIT_MAX: positiveInt(1000),
  RATE_LIMIT_WINDOW_SECONDS: positiveInt(60),
  /**
   * An export whose client reads nothing for this long (socket buffers full) is cut off, freeing
   * its Postgres cursor and connection.
   */
  EXPORT_STALL_SECONDS: positiveInt(60),
  /** Serve /metrics without a key (for a Prometheus scraper inside the cluster). */
  METRICS_PUBLIC: bool(false),
});

export type QueryApiConfig = z.infer<typeof configSchema>;
