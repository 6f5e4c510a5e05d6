/**
 * Endpoints of the local stack (tools/stack/stack.sh). Ports follow tools/stack/defaults.sh and the
 * same LAKE_* variables override them. Passed in, never read here: callers hand in process.env.
 */
export interface StackEndpoints {
  kafkaBrokers: string[];
  s3Endpoint: string;
  sqsEndpoint: string;
  databaseUrl: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export function stackEndpoints(env: Readonly<Record<string, string | undefined>>): StackEndpoints {
  const pgHost = env['LAKE_PG_HOST'] ?? '127.0.0.1';
  const pgPort = env['LAKE_PG_PORT'] ?? '5432';
  const pgUser = env['LAKE_PG_USER'] ?? 'postgres';
  const pgDb = env['LAKE_PG_DATABASE'] ?? 'test';
  return {
    kafkaBrokers: [`127.0.0.1:${env['LAKE_KAFKA_PORT'] ?? '19092'}`],
    s3Endpoint: `http://127.0.0.1:${env['LAKE_S3_PORT'] ?? '19000'}`,
    sqsEndpoint: `http://127.0.0.1:${env['LAKE_SQS_PORT'] ?? '19324'}`,
    databaseUrl: `postgres://${pgUser}@${pgHost}:${pgPort}/${pgDb}`,
    region: 'us-east-1',
    // s3rver's fixed credentials; ElasticMQ accepts any.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  };
}

/** Environment every service process needs to reach the stack. */
export function stackServiceEnv(s: StackEndpoints): Record<string, string> {
  return {
    KAFKA_BROKERS: s.kafkaBrokers.join(','),
    S3_ENDPOINT: s.s3Endpoint,
    SQS_ENDPOINT: s.sqsEndpoint,
    DATABASE_URL: s.databaseUrl,
    AWS_REGION: s.region,
    AWS_ACCESS_KEY_ID: s.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s.credentials.secretAccessKey,
  };
}
