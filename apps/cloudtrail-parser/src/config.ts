import { commonEnv, kafkaEnv, positiveInt, s3Env, topicsEnv, bool, z } from '@lake/config';

export const configSchema = z.object({
  ...commonEnv,
  ...kafkaEnv,
  ...s3Env,
  ...topicsEnv,
  KAFKA_GROUP_ID: z.string().default('cloudtrail-parser'),
  /** Create missing topics at start (handy locally; production topics are usually managed). */
  KAFKA_CREATE_TOPICS: bool(true),
  KAFKA_TOPIC_PARTITIONS: positiveInt(3),
  /** Objects parsed at the same time by one process (one per Kafka partition at most). */
  PARTITIONS_CONCURRENCY: positiveInt(2),
  /** Records per Kafka send. */
  BATCH_SIZE: positiveInt(5000),
  /** Dead-letter payloads are cut to this many bytes. */
  DEAD_LETTER_PAYLOAD_LIMIT: positiveInt(65_536),
});

export type CloudTrailParserConfig = z.infer<typeof configSchema>;
