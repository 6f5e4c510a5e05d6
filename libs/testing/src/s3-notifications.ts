/**
 * An S3 → SQS event notification body as S3 writes it (S3 User Guide, "Event message structure",
 * version 2.1): keys are URL-encoded with '+' for a space.
 */
export function s3NotificationBody(
  objects: { bucket: string; key: string; size: number; etag?: string }[],
  eventName = 'ObjectCreated:Put',
): string {
  return JSON.stringify({
    Records: objects.map((o, i) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: new Date().toISOString(),
      eventName,
      userIdentity: { principalId: 'AWS:EXAMPLE' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'EXAMPLE', 'x-amz-id-2': 'EXAMPLE' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'lake',
        bucket: {
          name: o.bucket,
          ownerIdentity: { principalId: 'EXAMPLE' },
          arn: `arn:aws:s3:::${o.bucket}`,
        },
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
