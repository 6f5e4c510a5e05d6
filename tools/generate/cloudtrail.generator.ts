/**
 * Deterministic generator of realistic CloudTrail log files: many event kinds (API calls of IAM
 * users and assumed roles with session contexts, console sign-ins, service events, errors, S3 data
 * events), nested requestParameters/responseElements, tlsDetails, resources.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { prng } from './flow-log.generator';

const CALLS = [
  ['ec2.amazonaws.com', 'DescribeInstances', true],
  ['ec2.amazonaws.com', 'RunInstances', false],
  ['s3.amazonaws.com', 'GetObject', true],
  ['s3.amazonaws.com', 'PutObject', false],
  ['iam.amazonaws.com', 'CreateAccessKey', false],
  ['sts.amazonaws.com', 'AssumeRole', true],
  ['kms.amazonaws.com', 'Decrypt', true],
  ['lambda.amazonaws.com', 'Invoke', false],
  ['logs.amazonaws.com', 'PutLogEvents', false],
  ['dynamodb.amazonaws.com', 'Query', true],
] as const;

export class CloudTrailGenerator {
  private readonly r: () => number;
  private t: number;
  private n = 0;

  constructor(seed: number, start = Date.UTC(2024, 4, 1, 12)) {
    this.r = prng(seed);
    this.t = start;
  }

  event(): Record<string, unknown> {
    const r = this.r;
    this.t += Math.floor(r() * 200);
    const [source, name, readOnly] = CALLS[Math.floor(r() * CALLS.length)]!;
    const role = r() < 0.4;
    const user = `user${Math.floor(r() * 40)}`;
    const error = r() < 0.06;
    const id = `${(this.n++).toString(16).padStart(8, '0')}-1c2d-4e5f-8a9b-${Math.floor(r() * 2 ** 40)
      .toString(16)
      .padStart(12, '0')}`;
    return {
      eventVersion: '1.09',
      userIdentity: role
        ? {
            type: 'AssumedRole',
            principalId: `AROAEXAMPLE${Math.floor(r() * 1000)}:session-${user}`,
            arn: `arn:aws:sts::111122223333:assumed-role/role${Math.floor(r() * 8)}/session-${user}`,
            accountId: '111122223333',
            accessKeyId: `ASIAEXAMPLE${Math.floor(r() * 1e6)}`,
            sessionContext: {
              sessionIssuer: {
                type: 'Role',
                principalId: 'AROAEXAMPLE',
                arn: 'arn:aws:iam::111122223333:role/role1',
                accountId: '111122223333',
                userName: 'role1',
              },
              webIdFederationData: {},
              attributes: {
                creationDate: new Date(this.t - 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
                mfaAuthenticated: 'false',
              },
            },
          }
        : {
            type: 'IAMUser',
            principalId: `AIDAEXAMPLE${user}`,
            arn: `arn:aws:iam::111122223333:user/${user}`,
            accountId: '111122223333',
            accessKeyId: `AKIAEXAMPLE${user}`,
            userName: user,
          },
      eventTime: new Date(this.t).toISOString().replace(/\.\d+Z$/, 'Z'),
      eventSource: source,
      eventName: name,
      awsRegion: 'us-east-1',
      sourceIPAddress: `${Math.floor(r() * 223) + 1}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`,
      userAgent: r() < 0.5 ? 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1' : 'Boto3/1.34.0 md/Botocore#1.34.0',
      ...(error
        ? {
            errorCode: 'AccessDenied',
            errorMessage: `User is not authorized to perform: ${source.split('.')[0]}:${name}`,
          }
        : {}),
      requestParameters: {
        bucketName: `bucket-${Math.floor(r() * 20)}`,
        key: `data/${Math.floor(r() * 1e6)}.parquet`,
        filters: { items: [{ name: 'tag:team', valueSet: { items: [{ value: 'net' }, { value: 'sec' }] } }] },
        maxResults: 1000,
      },
      responseElements: error
        ? null
        : {
            requestId: id,
            items: [
              {
                instanceId: `i-${Math.floor(r() * 1e12).toString(16)}`,
                state: { code: 16, name: 'running' },
              },
            ],
          },
      additionalEventData: {
        SignatureVersion: 'SigV4',
        CipherSuite: 'TLS_AES_128_GCM_SHA256',
        bytesTransferredIn: Math.floor(r() * 5000),
      },
      requestID: id.toUpperCase(),
      eventID: id,
      readOnly,
      resources: [
        {
          ARN: `arn:aws:s3:::bucket-${Math.floor(r() * 20)}`,
          accountId: '111122223333',
          type: 'AWS::S3::Bucket',
        },
      ],
      eventType: 'AwsApiCall',
      managementEvent: source !== 's3.amazonaws.com',
      recipientAccountId: '111122223333',
      eventCategory: source === 's3.amazonaws.com' ? 'Data' : 'Management',
      tlsDetails: {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: source,
      },
    };
  }
}

/** Writes a `{"Records":[…]}` file (gzip when `out` ends in .gz) of `records` events; streams, bounded memory. */
export async function writeCloudTrailLog(o: { out: string; records: number; seed: number }): Promise<void> {
  const gen = new CloudTrailGenerator(o.seed);
  const file = createWriteStream(o.out);
  const gzip = o.out.endsWith('.gz') ? createGzip({ level: 6 }) : null;
  const sink = gzip ?? file;
  gzip?.pipe(file);
  let buf = '{"Records":[';
  for (let i = 0; i < o.records; i++) {
    buf += `${i === 0 ? '' : ','}${JSON.stringify(gen.event())}`;
    if (buf.length > 1 << 20) {
      if (!sink.write(buf)) {
        await once(sink, 'drain');
      }
      buf = '';
    }
  }
  sink.end(`${buf}]}\n`);
  await once(file, 'close');
}
