import { LOG_KINDS } from '@lake/object-keys';
import { OBJECT_KINDS } from '@lake/schemas';
import { bool, commonEnv, csv, databaseEnv, kafkaEnv, positiveInt, s3Env, topicsEnv, z } from '@lake/config';

const optionalCsv = csv.optional().transform((v) => v ?? []);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

/** What the service and the backfill command share: Kafka, Postgres, S3 and the routing rules. */
const publishingEnv = {
  ...commonEnv,
  ...kafkaEnv,
  ...topicsEnv,
  ...databaseEnv,
  ...s3Env,
  KAFKA_CREATE_TOPICS: bool(true),
  KAFKA_TOPIC_PARTITIONS: positiveInt(3),
  /** Object kinds published; objects of other kinds are skipped (counted). */
  ROUTE_KINDS: csv
    .pipe(z.array(z.enum(OBJECT_KINDS)))
    .optional()
    .transform((v) => v ?? [...LOG_KINDS]),
  /** Only objects under one of these key prefixes (or s3://bucket/prefix) are published; empty: all. */
  ROUTE_INCLUDE_PREFIXES: optionalCsv,
  /** Objects under one of these key prefixes (or s3://bucket/prefix) are skipped. */
  ROUTE_EXCLUDE_PREFIXES: optionalCsv,
};

const s3Target = z
  .string()
  .regex(/^s3:\/\/[^/]+(\/.*)?$/, 'must be s3://bucket/prefix')
  .transform((v) => {
    const rest = v.slice('s3://'.length);
    const slash = rest.indexOf('/');
    return slash < 0
      ? { bucket: rest, prefix: '' }
      : { bucket: rest.slice(0, slash), prefix: rest.slice(slash + 1) };
  });

export const configSchema = z
  .object({
    ...publishingEnv,
    /** Unset for a webhook-only notifier. */
    SQS_QUEUE_URL: z.url().optional(),
    /** An SQS-compatible endpoint (e.g. ElasticMQ); unset for AWS. */
    SQS_ENDPOINT: z.url().optional(),
    SQS_WAIT_SECONDS: z.coerce.number().int().min(0).max(20).default(20),
    SQS_MAX_MESSAGES: z.coerce.number().int().min(1).max(10).default(10),
    SQS_VISIBILITY_TIMEOUT: positiveInt(60),
    /** Renew the visibility timeout this often while a message is handled (default: a third of it). */
    SQS_HEARTBEAT_SECONDS: z.coerce.number().positive().optional(),
    /** Receives after which a failing message goes to the dead-letter topic (unless the queue has a RedrivePolicy). */
    SQS_MAX_RECEIVES: positiveInt(5),
    /** A failed message is retried after this many seconds, doubled per receive, at most the visibility timeout. */
    SQS_RETRY_BASE_SECONDS: positiveInt(5),
    DEAD_LETTER_PAYLOAD_LIMIT: positiveInt(65_536),
    /** /health fails when no receive succeeded for this long (a stuck or unreachable queue). */
    POLL_STALE_SECONDS: positiveInt(120),
    /** MinIO webhook bearer token (MinIO's auth_token); unset: POST /webhooks/minio is off. Never logged. */
    WEBHOOK_MINIO_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Serve POST /webhooks/sns for SNS HTTP(S) subscriptions. */
    WEBHOOK_SNS_ENABLED: bool(false),
    /** A PEM file (any message) or a folder of PEM files (by the SigningCertURL's file name) of SNS signing certificates. */
    SNS_CERT_PATH: z.string().optional(),
    /** Certificate URLs starting with one of these may be fetched (besides AWS's own SNS hosts, if allowed). */
    SNS_CERT_URL_PREFIXES: optionalCsv,
    /** SubscribeURLs starting with one of these are fetched to confirm a subscription. */
    SNS_SUBSCRIBE_URL_PREFIXES: optionalCsv,
    /** Fetch certificates from / confirm at https://sns.{region}.amazonaws.com (off where AWS cannot be reached). */
    SNS_ALLOW_AWS_URLS: bool(true),
    /** Only these topic ARNs are accepted; empty: any topic whose messages verify. */
    SNS_TOPIC_ARNS: optionalCsv,
    /** s3://bucket/prefix list to reconcile; empty: no reconciliation. */
    RECONCILE_TARGETS: csv
      .pipe(z.array(s3Target))
      .optional()
      .transform((v) => v ?? []),
    RECONCILE_INTERVAL_SECONDS: positiveInt(900),
    /** Days before today (UTC) listed by each pass; 0 lists today only. */
    RECONCILE_LOOKBACK_DAYS: nonNegativeInt(1),
    /** Days the once-only record of a published object is kept; 0 keeps it for ever. */
    NOTIFIER_RECORD_RETENTION_DAYS: nonNegativeInt(0),
  })
  .refine(
    (c) =>
      c.NOTIFIER_RECORD_RETENTION_DAYS === 0 ||
      c.NOTIFIER_RECORD_RETENTION_DAYS > c.RECONCILE_LOOKBACK_DAYS + 1,
    {
      message: 'must be more than RECONCILE_LOOKBACK_DAYS + 1, or reconciliation would publish objects again',
      path: ['NOTIFIER_RECORD_RETENTION_DAYS'],
    },
  )
  .refine((c) => c.SQS_QUEUE_URL || c.WEBHOOK_MINIO_TOKEN || c.WEBHOOK_SNS_ENABLED, {
    message:
      'set SQS_QUEUE_URL, WEBHOOK_MINIO_TOKEN or WEBHOOK_SNS_ENABLED=true: the notifier needs an input',
    path: ['SQS_QUEUE_URL'],
  });

export type NotifierConfig = z.infer<typeof configSchema>;

export const backfillConfigSchema = z.object(publishingEnv);

export type BackfillConfig = z.infer<typeof backfillConfigSchema>;
