import { bool, commonEnv, kafkaEnv, positiveInt, topicsEnv, z } from '@lake/config';

export const configSchema = z.object({
  ...commonEnv,
  ...kafkaEnv,
  ...topicsEnv,
  AWS_REGION: z.string().default('us-east-1'),
  SQS_QUEUE_URL: z.url(),
  /** An SQS-compatible endpoint (e.g. ElasticMQ); unset for AWS. */
  SQS_ENDPOINT: z.url().optional(),
  SQS_WAIT_SECONDS: z.coerce.number().int().min(0).max(20).default(20),
  SQS_MAX_MESSAGES: z.coerce.number().int().min(1).max(10).default(10),
  SQS_VISIBILITY_TIMEOUT: positiveInt(60),
  KAFKA_CREATE_TOPICS: bool(true),
  KAFKA_TOPIC_PARTITIONS: positiveInt(3),
  DEAD_LETTER_PAYLOAD_LIMIT: positiveInt(65_536),
  /** /health fails when no receive succeeded for this long (a stuck or unreachable queue). */
  POLL_STALE_SECONDS: positiveInt(120),
});

export type NotifierConfig = z.infer<typeof configSchema>;
