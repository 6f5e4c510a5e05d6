/**
 * S3 event notifications as they arrive in an SQS message body (Amazon S3 User Guide,
 * "Event message structure"; EventBridge "Amazon S3 events"; SNS "message and JSON formats"):
 *   - S3 → SQS:        {"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{…}}]}
 *   - S3 test message: {"Service":"Amazon S3","Event":"s3:TestEvent",…}
 *   - S3 → SNS → SQS:  {"Type":"Notification","Message":"<the S3 JSON as a string>",…} (raw delivery off)
 *   - S3 → SNS → SQS with raw message delivery on: the S3 JSON itself, as sent directly
 *   - EventBridge:     {"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name"},"object":{"key"…}}}
 *   - MinIO webhook:   {"EventName":"s3:ObjectCreated:Put","Key":"bucket/key","Records":[{"eventName":"s3:ObjectCreated:Put",…}]}
 */
export interface ObjectRef {
  bucket: string;
  /** Decoded key (S3 URL-encodes keys in notifications, with '+' for a space). */
  key: string;
  size: number | null;
  etag: string | null;
  versionId: string | null;
  sequencer: string | null;
  eventName: string;
  eventTime: number | null;
  /** How it was announced: sqs (S3 → SQS), sns (an SNS envelope), eventbridge, webhook, listing. */
  via: ObjectSource;
}

export type ObjectSource = 'sqs' | 'sns' | 'eventbridge' | 'webhook' | 'listing';

export interface IgnoredEvent {
  eventName: string;
  reason: 'NOT_OBJECT_CREATED';
}

export type ParsedNotification =
  | { type: 'objects'; objects: ObjectRef[]; ignored: IgnoredEvent[] }
  | { type: 'test-event' }
  | { type: 'invalid'; reason: string };

/** `a+b%40c` → `a b@c`, as S3 encodes keys in event notifications. */
export function decodeS3Key(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const time = (v: unknown): number | null => {
  const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isNaN(t) ? null : t;
};

/**
 * @param via what the body came through: `sqs` for an SQS message body (an SNS envelope inside is
 *   recognised and reported as `sns`), `webhook` for an HTTP POST (MinIO).
 */
export function parseS3Notification(body: string, via: ObjectSource = 'sqs'): ParsedNotification {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { type: 'invalid', reason: 'the message body is not JSON' };
  }
  return parseValue(json, via);
}

/** The same as {@link parseS3Notification} for a body already parsed (an SNS `Message` string parsed by the webhook). */
export function parseS3NotificationValue(json: unknown, via: ObjectSource): ParsedNotification {
  return parseValue(json, via);
}

function parseValue(json: unknown, via: ObjectSource): ParsedNotification {
  if (!isObject(json)) {
    return { type: 'invalid', reason: 'the message body is not a JSON object' };
  }
  if (json['Event'] === 's3:TestEvent') {
    return { type: 'test-event' };
  }
  if (json['Type'] === 'Notification' && 'Message' in json) {
    const message = json['Message'];
    if (isObject(message)) {
      // Some tools hand the envelope on with Message already parsed.
      return parseValue(message, 'sns');
    }
    if (typeof message !== 'string') {
      return { type: 'invalid', reason: 'the SNS Message is not a string' };
    }
    let inner: unknown;
    try {
      inner = JSON.parse(message);
    } catch {
      return { type: 'invalid', reason: 'the SNS Message is not JSON' };
    }
    return parseValue(inner, 'sns');
  }
  if (json['source'] === 'aws.s3' && typeof json['detail-type'] === 'string') {
    return parseEventBridge(json);
  }
  if (Array.isArray(json['Records'])) {
    return parseRecords(json['Records'], via);
  }
  return { type: 'invalid', reason: 'not an S3 event notification' };
}

function parseRecords(records: unknown[], via: ObjectSource): ParsedNotification {
  const objects: ObjectRef[] = [];
  const ignored: IgnoredEvent[] = [];
  for (const r of records) {
    if (!isObject(r) || !isObject(r['s3'])) {
      return { type: 'invalid', reason: 'a record has no s3 member' };
    }
    // MinIO writes the event type as S3's notification configuration names it: s3:ObjectCreated:Put.
    const eventName = (str(r['eventName']) ?? '').replace(/^s3:/, '');
    if (!eventName.startsWith('ObjectCreated:')) {
      ignored.push({ eventName, reason: 'NOT_OBJECT_CREATED' });
      continue;
    }
    const s3 = r['s3'];
    const bucket = isObject(s3['bucket']) ? str(s3['bucket']['name']) : null;
    const object = isObject(s3['object']) ? s3['object'] : null;
    const key = object ? str(object['key']) : null;
    if (!bucket || !object || key === null) {
      return { type: 'invalid', reason: 'a record lacks the bucket name or object key' };
    }
    let decoded: string;
    try {
      decoded = decodeS3Key(key);
    } catch {
      return { type: 'invalid', reason: 'an object key is not valid URL encoding' };
    }
    objects.push({
      bucket,
      key: decoded,
      size: num(object['size']),
      etag: str(object['eTag']) ?? str(object['etag']),
      versionId: str(object['versionId']),
      sequencer: str(object['sequencer']),
      eventName,
      eventTime: time(r['eventTime']),
      via,
    });
  }
  return { type: 'objects', objects, ignored };
}

function parseEventBridge(json: Record<string, unknown>): ParsedNotification {
  const detailType = json['detail-type'] as string;
  if (detailType !== 'Object Created') {
    return {
      type: 'objects',
      objects: [],
      ignored: [{ eventName: detailType, reason: 'NOT_OBJECT_CREATED' }],
    };
  }
  const detail = json['detail'];
  const bucket = isObject(detail) && isObject(detail['bucket']) ? str(detail['bucket']['name']) : null;
  const object = isObject(detail) && isObject(detail['object']) ? detail['object'] : null;
  const key = object ? str(object['key']) : null;
  if (!bucket || !object || key === null) {
    return { type: 'invalid', reason: 'the EventBridge event lacks the bucket name or object key' };
  }
  return {
    type: 'objects',
    ignored: [],
    objects: [
      {
        bucket,
        // EventBridge carries the key as stored, not URL-encoded.
        key,
        size: num(object['size']),
        etag: str(object['etag']),
        versionId: str(object['version-id']),
        sequencer: str(object['sequencer']),
        eventName: eventBridgeEventName(isObject(detail) ? str(detail['reason']) : null),
        eventTime: time(json['time']),
        via: 'eventbridge',
      },
    ],
  };
}

/**
 * EventBridge's `reason` for Object Created (S3 User Guide, "EventBridge event message structure"):
 * PutObject, POST Object, CopyObject, CompleteMultipartUpload; named here as S3 → SQS names them.
 */
function eventBridgeEventName(reason: string | null): string {
  switch (reason) {
    case 'PutObject':
      return 'ObjectCreated:Put';
    case 'POST Object':
      return 'ObjectCreated:Post';
    case 'CopyObject':
      return 'ObjectCreated:Copy';
    case 'CompleteMultipartUpload':
      return 'ObjectCreated:CompleteMultipartUpload';
    case null:
      return 'ObjectCreated:Unknown';
    default:
      return `ObjectCreated:${reason}`;
  }
}
