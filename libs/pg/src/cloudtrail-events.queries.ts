import type pg from 'pg';
import { CLOUDTRAIL_EVENT_COLUMNS, cloudTrailEventRecord, type CloudTrailRecord } from './cloudtrail-records';
import { KeysetList, KeysetQueries, type KeyColumn } from './keyset-list';
import { Where } from './query-builder';

export interface CloudTrailFilter {
  from: Date;
  to: Date;
  eventName?: string;
  eventSource?: string;
  principal?: string;
  sourceIp?: string;
  region?: string;
  errorCode?: string;
  /** userIdentity.accessKeyId */
  accessKey?: string;
  /** userIdentity.arn */
  principalArn?: string;
  /** userIdentity.userName */
  userName?: string;
  readOnly?: boolean;
  isError?: boolean;
  limit: number;
  cursor?: string;
}

export interface S3ObjectsFilter {
  from: Date;
  to: Date;
  bucket?: string;
  keyPrefix?: string;
  eventName?: string;
  limit: number;
}

export interface S3ObjectRow {
  bucket: string;
  key: string;
  events: number;
  gets: number;
  puts: number;
  deletes: number;
  errors: number;
  principals: number;
  event_names: string[];
  first_seen: Date;
  last_seen: Date;
}

/** `%`, `_` and `\` taken literally in a LIKE pattern. */
const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A CloudTrail event as CloudTrail writes it, plus `lake` (cloudtrail-records.ts). */
export type CloudTrailRow = CloudTrailRecord;

/** The order of CloudTrail events and Insights lists: time, then the record's place in its file. */
export const EVENT_KEY: readonly KeyColumn[] = [
  { name: 'event_time', kind: 'time' },
  { name: 'source_bucket', kind: 'text' },
  { name: 'source_key', kind: 'text' },
  { name: 'record_index', kind: 'int' },
];

/** Read side of `cloudtrail_events`: events in CloudTrail's shape and names. */
export class CloudTrailEventsQueries extends KeysetQueries<Omit<CloudTrailFilter, 'limit'>, CloudTrailRow> {
  constructor(private readonly pool: pg.Pool) {
    super(
      new KeysetList(pool, 'cloudtrail_events', EVENT_KEY, {
        map: cloudTrailEventRecord,
        columns: [...CLOUDTRAIL_EVENT_COLUMNS],
      }),
    );
  }

  protected where(f: Omit<CloudTrailFilter, 'limit'>): Where {
    return new Where()
      .add('event_time >= ?', f.from)
      .add('event_time < ?', f.to)
      .add('event_name = ?', f.eventName)
      .add('event_source = ?', f.eventSource)
      .add('principal = ?', f.principal)
      .add('source_ip_address = ?', f.sourceIp)
      .add('aws_region = ?', f.region)
      .add('error_code = ?', f.errorCode)
      .add('user_identity_access_key_id = ?', f.accessKey)
      .add('user_identity_arn = ?', f.principalArn)
      .add('user_identity_user_name = ?', f.userName)
      .add('read_only = ?', f.readOnly)
      .add('is_error = ?', f.isError);
  }

  /** One event in full by its eventID (the earliest copy if a trail delivered it twice), or null. */
  async byEventId(eventId: string, range: { from?: Date; to?: Date } = {}): Promise<CloudTrailRow | null> {
    const w = new Where()
      .add('event_id = ?', eventId)
      .add('event_time >= ?', range.from)
      .add('event_time < ?', range.to);
    const { rows } = await this.pool.query<Record<string, unknown>>(
      `SELECT * FROM cloudtrail_events ${w.sql()} ORDER BY event_time, source_bucket, source_key, record_index LIMIT 1`,
      w.params,
    );
    return rows[0] ? cloudTrailEventRecord(rows[0]) : null;
  }

  /**
   * S3 data events by object: bucket and key from requestParameters (bucketName, key), with counts
   * of reads, writes and deletes, errors, distinct principals, and first/last seen; busiest first.
   */
  async s3Objects(f: S3ObjectsFilter): Promise<{ items: S3ObjectRow[] }> {
    const w = new Where()
      .add('event_time >= ?', f.from)
      .add('event_time < ?', f.to)
      .always("event_source = 's3.amazonaws.com' AND request_parameters ? 'key'")
      .add("request_parameters->>'bucketName' = ?", f.bucket)
      .add(
        "request_parameters->>'key' LIKE ?",
        f.keyPrefix === undefined ? undefined : likePrefix(f.keyPrefix),
      )
      .add('event_name = ?', f.eventName);
    const { rows } = await this.pool.query<S3ObjectRow>(
      `SELECT request_parameters->>'bucketName' AS bucket, request_parameters->>'key' AS key,
         count(*)::int AS events,
         count(*) FILTER (WHERE event_name IN ('GetObject', 'HeadObject', 'GetObjectAttributes', 'SelectObjectContent'))::int AS gets,
         count(*) FILTER (WHERE event_name IN ('PutObject', 'CopyObject', 'CompleteMultipartUpload', 'UploadPart', 'UploadPartCopy', 'CreateMultipartUpload', 'RestoreObject'))::int AS puts,
         count(*) FILTER (WHERE event_name IN ('DeleteObject', 'DeleteObjects'))::int AS deletes,
         count(*) FILTER (WHERE is_error)::int AS errors,
         count(DISTINCT principal)::int AS principals,
         array_agg(DISTINCT event_name ORDER BY event_name) AS event_names,
         min(event_time) AS first_seen, max(event_time) AS last_seen
       FROM cloudtrail_events ${w.sql()}
       GROUP BY 1, 2 ORDER BY events DESC, bucket, key LIMIT ${w.param(f.limit)}`,
      w.params,
    );
    return { items: rows };
  }
}
