import { commonEnv, databaseEnv, port, z } from '@lake/config';

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
});

export type QueryApiConfig = z.infer<typeof configSchema>;
