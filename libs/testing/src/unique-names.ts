import { randomBytes } from 'node:crypto';

/** Names no other test (or run) uses: topics, groups, buckets, queues, schemas. */
export function uniqueNames(prefix: string) {
  const id = `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const ident = id.replace(/-/g, '_');
  return {
    id,
    bucket: id.toLowerCase(),
    queue: id,
    schema: ident.toLowerCase(),
    topics: {
      objectEvents: `${id}.object-events`,
      flowRecords: `${id}.vpcflow.records`,
      cloudTrailEvents: `${id}.cloudtrail.events`,
      deadLetters: `${id}.dead-letters`,
    },
    group: (service: string) => `${id}.${service}`,
  };
}
