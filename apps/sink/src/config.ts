import { bool, commonEnv, databaseEnv, kafkaEnv, positiveInt, topicsEnv, z } from '@lake/config';

export const configSchema = z.object({
  ...commonEnv,
  ...kafkaEnv,
  ...topicsEnv,
  ...databaseEnv,
  KAFKA_GROUP_ID: z.string().default('sink'),
  KAFKA_CREATE_TOPICS: bool(true),
  KAFKA_TOPIC_PARTITIONS: positiveInt(3),
  /** Bytes fetched per partition per batch: larger batches, fewer transactions. */
  KAFKA_MAX_BYTES_PER_PARTITION: positiveInt(4 * 1024 * 1024),
  PARTITIONS_CONCURRENCY: positiveInt(2),
  /** Daily partitions created ahead of today. */
  PARTITION_PREMAKE_DAYS: z.coerce.number().int().min(0).default(3),
  /** Days of raw partitions kept; 0 keeps everything. */
  RETENTION_DAYS: z.coerce.number().int().min(0).default(0),
  /** Days of rollup partitions kept (every granularity); 0 keeps everything. */
  ROLLUP_RETENTION_DAYS: z.coerce.number().int().min(0).default(0),
  /** Per-granularity overrides of ROLLUP_RETENTION_DAYS. */
  ROLLUP_MINUTE_RETENTION_DAYS: z.coerce.number().int().min(0).optional(),
  ROLLUP_HOUR_RETENTION_DAYS: z.coerce.number().int().min(0).optional(),
  ROLLUP_DAY_RETENTION_DAYS: z.coerce.number().int().min(0).optional(),
  /** How often partitions are premade, expired ones dropped and multi-day rollup blocks built. */
  MAINTENANCE_INTERVAL_SECONDS: positiveInt(3600),
  /** How often pending flow rows are folded into the flow rollups (readers read both meanwhile). */
  ROLLUP_FOLD_INTERVAL_SECONDS: positiveInt(5),
  /** Multi-day blocks of the day rollups are built once their last day ended this long ago. */
  ROLLUP_BLOCK_SETTLE_MINUTES: z.coerce.number().int().min(0).default(60),
});

export type SinkConfig = z.infer<typeof configSchema>;
