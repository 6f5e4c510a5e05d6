export { ConfigError } from './config.errors';
export { loadConfig, type Env } from './load-config';
export {
  bool,
  commonEnv,
  csv,
  databaseEnv,
  kafkaEnv,
  logLevel,
  port,
  positiveInt,
  s3Env,
  topicsEnv,
} from './common.schema';
export { z } from 'zod';
