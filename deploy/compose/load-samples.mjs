// Loads the project's sample logs into the compose stack, the way AWS delivers them: each file is
// gzipped and put into the S3 server under the key layout AWS uses, then an S3 → SQS event
// notification for it is sent to the queue (MinIO cannot notify an SQS queue itself).
//
//   docker compose --profile samples run --rm samples
//
// Runs inside a service image (node_modules there has the AWS SDK). Loading again is harmless:
// the same keys give the same natural keys, so the sink skips rows it already has.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';

const env = process.env;
const required = (name) => {
  const value = env[name];
  if (!value) {
    process.stderr.write(`load-samples: ${name} is required\n`);
    process.exit(2);
  }
  return value;
};
const bucket = env.BUCKET ?? 'lake-logs';
const samplesDir = env.SAMPLES_DIR ?? '/samples';
const queueUrl = required('SQS_QUEUE_URL');
const region = env.AWS_REGION ?? 'us-east-1';

const s3 = new S3Client({ region, endpoint: required('S3_ENDPOINT'), forcePathStyle: true });
const sqs = new SQSClient({ region, ...(env.SQS_ENDPOINT ? { endpoint: env.SQS_ENDPOINT } : {}) });

// The same objects `npm start` loads (tools/load-samples.ts): a default-format (v2) flow log, a
// custom-format (v5) one under the Hive-compatible prefix, and a CloudTrail log file.
const samples = [
  {
    file: 'vpcflow/v2-default.log',
    key: 'AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20240501T1205Z_a1b2c3d4.log.gz',
  },
  {
    file: 'vpcflow/v5-custom.log',
    key: 'AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=us-east-1/year=2024/month=05/day=01/hour=12/111122223333_vpcflowlogs_us-east-1_fl-0fedcba987654321f_20240501T1210Z_e5f6a7b8.log.gz',
  },
  {
    file: 'cloudtrail/sample-records.json',
    key: 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1205Z_AbCdEfGh12345678.json.gz',
  },
];

/** The servers may still be starting: retry connection failures for up to a minute. */
async function retrying(what, fn) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`${what} failed`, { cause: err });
      }
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
}

/** S3 event message structure 2.1 (S3 User Guide): keys URL-encoded, '+' for a space. */
function notification(objects) {
  return JSON.stringify({
    Records: objects.map((o, i) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: region,
      eventTime: new Date().toISOString(),
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:EXAMPLE' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'EXAMPLE', 'x-amz-id-2': 'EXAMPLE' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'aws-log-lake',
        bucket: { name: bucket, ownerIdentity: { principalId: 'EXAMPLE' }, arn: `arn:aws:s3:::${bucket}` },
        object: {
          key: encodeURIComponent(o.key).replace(/%2F/g, '/').replace(/%20/g, '+'),
          size: o.size,
          eTag: o.etag ?? '0',
          sequencer: (Date.now() * 100 + i).toString(16).toUpperCase(),
        },
      },
    })),
  });
}

await retrying(`bucket ${bucket}`, async () => {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if (err?.$metadata?.httpStatusCode !== 404) {
      throw err;
    }
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
});

const uploaded = [];
for (const sample of samples) {
  const body = gzipSync(await readFile(join(samplesDir, sample.file)));
  const res = await retrying(`upload of ${sample.key}`, () =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: sample.key, Body: body })),
  );
  uploaded.push({ key: sample.key, size: body.length, etag: res.ETag?.replace(/"/g, '') });
  process.stdout.write(`put s3://${bucket}/${sample.key}\n`);
}
// One message for all of them: S3 itself puts up to 10 records in one notification.
await retrying('notification', () =>
  sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: notification(uploaded) })),
);
process.stdout.write(`sent 1 notification with ${uploaded.length} objects to ${queueUrl}\n`);
s3.destroy();
sqs.destroy();
