export { ConfigError } from './config.errors';
export { loadConfig, type Env } from './load-config';
export {
  bool,
  commonEnv,
  csv,
  databaseEnv,
  kafkaEnv,
  logLevel,
  parserEnv,
  port,
  positiveInt,
  s3Env,
  topicsEnv,
  type ParserEnv,
} from './common.schema';
export { z } from 'zod';
