/**
 * The main command's supervisor (npm start): runs the five services as separate processes against
 * the local stack, loads the sample logs into S3 with their notifications on SQS, prints where the
 * API is, and stops everything on Ctrl-C.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Registry } from 'prom-client';
import { S3Store } from '@lake/s3';
import { SqsQueue, ensureQueue } from '@lake/sqs';
import { ServiceProcess, createApiKey, stackEndpoints, stackServiceEnv } from '@lake/testing';
import { loadSamples } from './load-samples';

const ROOT = join(__dirname, '..');
const env = process.env;
const apiPort = Number(env['LAKE_API_PORT'] ?? '8080');
const bucket = env['LAKE_BUCKET'] ?? 'lake-logs';
const queueName = env['LAKE_QUEUE'] ?? 'lake-s3-events';
const schema = env['DATABASE_SCHEMA'] ?? 'lake';

async function main(): Promise<void> {
  const stack = stackEndpoints(env);
  const metrics = new Registry();
  const s3 = new S3Store({
    region: stack.region,
    endpoint: stack.s3Endpoint,
    metrics,
    credentials: stack.credentials,
  });
  await s3.ensureBucket(bucket);
  const sqsSettings = {
    region: stack.region,
    endpoint: stack.sqsEndpoint,
    metrics,
    credentials: stack.credentials,
  };
  const probe = new SqsQueue('http://unused', sqsSettings);
  const queueUrl = await ensureQueue(probe.client, queueName);
  probe.close();

  const logDir = join(ROOT, '.stack', 'logs', 'services');
  mkdirSync(logDir, { recursive: true });
  const common = {
    ...stackServiceEnv(stack),
    DATABASE_SCHEMA: schema,
    SQS_QUEUE_URL: queueUrl,
    SQS_WAIT_SECONDS: '5',
  };
  const service = (app: string, port?: number) =>
    new ServiceProcess({ app, repoRoot: ROOT, env: common, logDir, baseEnv: env, ...(port ? { port } : {}) });
  const sink = service('sink');
  const others = [
    service('flow-parser'),
    service('cloudtrail-parser'),
    service('notifier'),
    service('query-api', apiPort),
  ];
  const all = [sink, ...others];

  const stop = async (): Promise<void> => {
    console.log('\nstopping services…');
    await Promise.all(all.map((s) => s.stop()));
    s3.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  console.log('starting sink (applies migrations)…');
  await sink.start();
  // A fresh key for this run (keys are stored hashed, so an older one cannot be shown again).
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 1 });
  const apiKey = await createApiKey(db, schema, { name: `npm start ${new Date().toISOString()}` });
  await db.end();
  console.log('starting flow-parser, cloudtrail-parser, notifier, query-api…');
  await Promise.all(others.map((s) => s.start()));
  for (const s of all) {
    console.log(`  ${s.logFile.replace(`${ROOT}/`, '')}  (http://127.0.0.1:${s.port}/health)`);
  }

  const queue = new SqsQueue(queueUrl, sqsSettings);
  const loaded = await loadSamples({ s3, queue, bucket, root: ROOT, log: (m) => console.log(`  ${m}`) });
  queue.close();
  console.log(`loaded ${loaded.objects} sample objects into s3://${bucket} and notified ${queueName}`);
  const api = `http://127.0.0.1:${apiPort}`;
  const day = 'from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z';
  console.log(`
The pipeline is running.
  API key:   ${apiKey}
             (created for this run; more with npm run api-key -- create --name NAME)
  Try:       KEY=${apiKey}
             curl -H "x-api-key: $KEY" '${api}/v1/flows?${day}&action=REJECT'
             curl -H "x-api-key: $KEY" '${api}/v1/cloudtrail/events?${day}'
             curl -H "x-api-key: $KEY" '${api}/v1/cloudtrail/insights?${day}'
             curl -H "x-api-key: $KEY" '${api}/v1/dead-letters?from=2000-01-01T00:00:00Z'
             curl -H "x-api-key: $KEY" -H 'accept: text/csv' '${api}/v1/flows?${day}' > flows.csv
  Dashboard: ${api}/dashboard  (paste the key when asked)
  OpenAPI:   ${api}/docs
  Upload more: any S3 client at ${stack.s3Endpoint} (path-style, key S3RVER/S3RVER), then send the
  S3 notification to ${queueUrl}.
Press Ctrl-C to stop the services (the stack keeps running: npm run stop stops it).`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
