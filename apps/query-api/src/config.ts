import { commonEnv, databaseEnv, port, z } from '@lake/config';

export const configSchema = z.object({
  LOG_LEVEL: commonEnv.LOG_LEVEL,
  ...databaseEnv,
  HOST: z.string().default('127.0.0.1'),
  PORT: port(8080),
});

export type QueryApiConfig = z.infer<typeof configSchema>;
