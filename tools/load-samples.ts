/**
 * Uploads sample logs to S3 under the key layouts AWS uses and sends their S3 notifications to SQS:
 * the project's own samples (tools/samples) always, and the third-party fixtures of
 * ../shared/fixtures when that folder is present.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { S3Store } from '@lake/s3';
import type { SqsQueue } from '@lake/sqs';
import { s3NotificationBody } from '@lake/testing';

interface Sample {
  key: string;
  body: Buffer;
}

function ownSamples(root: string): Sample[] {
  const dir = join(root, 'tools', 'samples');
  const text = (p: string) => readFileSync(join(dir, p));
  return [
    {
      key: 'AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20240501T1205Z_a1b2c3d4.log.gz',
      body: gzipSync(text('vpcflow/v2-default.log')),
    },
    {
      key: 'AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=us-east-1/year=2024/month=05/day=01/hour=12/111122223333_vpcflowlogs_us-east-1_fl-0fedcba987654321f_20240501T1210Z_e5f6a7b8.log.gz',
      body: gzipSync(text('vpcflow/v5-custom.log')),
    },
    {
      key: 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1205Z_AbCdEfGh12345678.json.gz',
      body: gzipSync(text('cloudtrail/sample-records.json')),
    },
    {
      key: 'AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/05/01/111122223333_CloudTrail-Insight_us-east-1_20240501T1230Z_InSiGhT12345678.json.gz',
      body: gzipSync(text('cloudtrail/sample-insights.json')),
    },
  ];
}

function sharedFixtures(root: string): Sample[] {
  const fixtures = join(root, '..', 'shared', 'fixtures');
  const out: Sample[] = [];
  const flowDir = join(fixtures, 'vpcflow', 'aws-docs', 'derived-with-header', 'gz');
  if (existsSync(flowDir)) {
    readdirSync(flowDir)
      .sort()
      .forEach((file, i) => {
        const body = readFileSync(join(flowDir, file));
        const first = gunzipSync(body).toString('utf8').split('\n')[1] ?? '';
        const account = /\b(\d{12})\b/.exec(first)?.[1] ?? '123456789010';
        const hash = (0xf1000000 + i).toString(16);
        out.push({
          key: `AWSLogs/${account}/vpcflowlogs/us-east-1/2015/01/01/${account}_vpcflowlogs_us-east-1_fl-fixture${i}_20150101T0000Z_${hash}.log.gz`,
          body,
        });
      });
  }
  const trailDir = join(fixtures, 'cloudtrail', 'invictus-ir_aws_dataset', 'CloudTrail');
  if (existsSync(trailDir)) {
    for (const file of readdirSync(trailDir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const m = /^(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{4})(\d{2})(\d{2})T/.exec(file);
      if (m) {
        const [, account, region, y, mo, d] = m;
        out.push({
          key: `AWSLogs/${account}/CloudTrail/${region}/${y}/${mo}/${d}/${basename(file)}.gz`,
          body: gzipSync(readFileSync(join(trailDir, file))),
        });
      }
    }
  }
  return out;
}

export async function loadSamples(o: {
  s3: S3Store;
  queue: SqsQueue;
  bucket: string;
  root: string;
  log: (message: string) => void;
}): Promise<{ objects: number }> {
  const own = ownSamples(o.root);
  const shared = sharedFixtures(o.root);
  o.log(
    `${own.length} project samples, ${shared.length} files from ../shared/fixtures${shared.length === 0 ? ' (not present)' : ''}`,
  );
  const all = [...own, ...shared];
  // One notification per object, in messages of up to 10 records, as S3 batches them at most.
  for (let i = 0; i < all.length; i += 10) {
    const slice = all.slice(i, i + 10);
    for (const s of slice) {
      await o.s3.putObject(o.bucket, s.key, s.body);
    }
    await o.queue.send(
      s3NotificationBody(slice.map((s) => ({ bucket: o.bucket, key: s.key, size: s.body.length }))),
    );
  }
  return { objects: all.length };
}
