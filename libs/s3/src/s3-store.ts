import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { Counter, Registry } from 'prom-client';
import { Counter as PromCounter } from 'prom-client';
import { S3AdapterError } from './s3.errors';

export interface S3Settings {
  region: string;
  /** An S3-compatible endpoint (path-style addressing); unset for AWS. */
  endpoint?: string;
  metrics: Registry;
  /** Explicit credentials for S3-compatible servers; AWS uses the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface ObjectStream {
  body: Readable;
  size: number | null;
  etag: string | null;
  /** User metadata (`x-amz-meta-*`, names without the prefix, lower-case). */
  metadata: Record<string, string>;
}

export interface ListedObject {
  key: string;
  size: number;
  etag: string | null;
  lastModified: number | null;
}

/** Narrow S3 interface the services need. */
export class S3Store {
  readonly client: S3Client;
  private readonly requests: Counter<'operation' | 'outcome'>;

  constructor(settings: S3Settings) {
    this.client = new S3Client({
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
      ...(settings.credentials ? { credentials: settings.credentials } : {}),
    });
    const name = 'lake_s3_requests_total';
    this.requests =
      (settings.metrics.getSingleMetric(name) as Counter<'operation' | 'outcome'> | undefined) ??
      new PromCounter({
        name,
        help: 'S3 requests by operation and outcome',
        labelNames: ['operation', 'outcome'],
        registers: [settings.metrics],
      });
  }

  /**
   * Opens an object for reading. The caller must consume or destroy `body` (an unconsumed body
   * holds a socket until the client runs out of them).
   */
  async getObjectStream(bucket: string, key: string): Promise<ObjectStream> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      this.requests.inc({ operation: 'GetObject', outcome: 'ok' });
      return {
        body: res.Body as Readable,
        size: res.ContentLength ?? null,
        etag: res.ETag ?? null,
        metadata: res.Metadata ?? {},
      };
    } catch (err) {
      this.requests.inc({ operation: 'GetObject', outcome: 'error' });
      throw translate(err, `s3://${bucket}/${key}`);
    }
  }

  async putObject(
    bucket: string,
    key: string,
    body: Buffer | string,
    contentType?: string,
    metadata?: Record<string, string>,
  ): Promise<string | null> {
    try {
      const res = await this.client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ...(contentType ? { ContentType: contentType } : {}),
          ...(metadata ? { Metadata: metadata } : {}),
        }),
      );
      this.requests.inc({ operation: 'PutObject', outcome: 'ok' });
      return res.ETag ?? null;
    } catch (err) {
      this.requests.inc({ operation: 'PutObject', outcome: 'error' });
      throw translate(err, `s3://${bucket}/${key}`);
    }
  }

  async ensureBucket(bucket: string): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      await this.client.send(new CreateBucketCommand({ Bucket: bucket }));
    }
  }

  async *listObjects(bucket: string, prefix = ''): AsyncGenerator<ListedObject> {
    for await (const page of this.listPages(bucket, prefix)) {
      yield* page;
    }
  }

  /**
   * One ListObjectsV2 page (up to 1000 keys, in key order) at a time; `startAfter` resumes a
   * listing after a key (exclusive), as a checkpoint does.
   */
  async *listPages(bucket: string, prefix = '', startAfter?: string): AsyncGenerator<ListedObject[]> {
    let token: string | undefined;
    do {
      let res;
      try {
        res = await this.client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ...(token ? { ContinuationToken: token } : startAfter ? { StartAfter: startAfter } : {}),
          }),
        );
      } catch (err) {
        this.requests.inc({ operation: 'ListObjectsV2', outcome: 'error' });
        throw translate(err, `s3://${bucket}/${prefix}`);
      }
      this.requests.inc({ operation: 'ListObjectsV2', outcome: 'ok' });
      const page: ListedObject[] = [];
      for (const o of res.Contents ?? []) {
        if (o.Key) {
          page.push({
            key: o.Key,
            size: o.Size ?? 0,
            etag: o.ETag ?? null,
            lastModified: o.LastModified?.getTime() ?? null,
          });
        }
      }
      if (page.length > 0) {
        yield page;
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  close(): void {
    this.client.destroy();
  }
}

function translate(err: unknown, what: string): S3AdapterError {
  if (err instanceof S3ServiceException) {
    const status = err.$metadata.httpStatusCode ?? 0;
    if (err.name === 'NoSuchKey' || err.name === 'NoSuchBucket' || status === 404) {
      return new S3AdapterError('OBJECT_MISSING', `${what} does not exist`, false, { cause: err });
    }
    if (err.name === 'AccessDenied' || status === 403) {
      return new S3AdapterError('ACCESS_DENIED', `access to ${what} denied`, false, { cause: err });
    }
  }
  return new S3AdapterError('S3_UNAVAILABLE', `reading ${what} failed`, true, { cause: err });
}
