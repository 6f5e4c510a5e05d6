import type { CloudTrailInsight } from '@lake/schemas';
import type pg from 'pg';
import { BulkInsert } from './bulk-insert';

/** Writes Insights events to `cloudtrail_insights`; idempotent on (event_time, source object, index). */
export class CloudTrailInsightsRepository {
  static readonly table = 'cloudtrail_insights' as const;
  private readonly bulk = new BulkInsert<CloudTrailInsight>(
    CloudTrailInsightsRepository.table,
    [
      { name: 'event_time', pgType: 'timestamptz', get: (e) => new Date(e.lake.eventTimeMillis) },
      { name: 'source_bucket', pgType: 'text', get: (e) => e.lake.sourceBucket },
      { name: 'source_key', pgType: 'text', get: (e) => e.lake.sourceKey },
      { name: 'record_index', pgType: 'integer', get: (e) => e.lake.recordIndex },
      { name: 'event_id', pgType: 'text', get: (e) => e.eventID },
      { name: 'event_version', pgType: 'text', get: (e) => e.eventVersion },
      { name: 'aws_region', pgType: 'text', get: (e) => e.awsRegion },
      { name: 'event_type', pgType: 'text', get: (e) => e.eventType },
      { name: 'recipient_account_id', pgType: 'text', get: (e) => e.recipientAccountId },
      { name: 'shared_event_id', pgType: 'text', get: (e) => e.sharedEventID },
      { name: 'event_category', pgType: 'text', get: (e) => e.eventCategory },
      { name: 'state', pgType: 'text', get: (e) => e.insightDetails.state },
      { name: 'event_source', pgType: 'text', get: (e) => e.insightDetails.eventSource },
      { name: 'event_name', pgType: 'text', get: (e) => e.insightDetails.eventName },
      { name: 'insight_type', pgType: 'text', get: (e) => e.insightDetails.insightType },
      { name: 'error_code', pgType: 'text', get: (e) => e.insightDetails.errorCode },
      { name: 'baseline_average', pgType: 'double precision', get: (e) => e.insightDetails.baselineAverage },
      { name: 'insight_average', pgType: 'double precision', get: (e) => e.insightDetails.insightAverage },
      { name: 'insight_duration', pgType: 'double precision', get: (e) => e.insightDetails.insightDuration },
      {
        name: 'baseline_duration',
        pgType: 'double precision',
        get: (e) => e.insightDetails.baselineDuration,
      },
      {
        name: 'attributions',
        pgType: 'jsonb',
        get: (e) => (e.insightDetails.attributions ? JSON.stringify(e.insightDetails.attributions) : null),
      },
      { name: 'insight_other_fields', pgType: 'jsonb', get: (e) => e.insightDetails.otherFields },
      { name: 'other_fields', pgType: 'jsonb', get: (e) => e.otherFields },
      { name: 'key_account_id', pgType: 'text', get: (e) => e.lake.keyAccountId },
      { name: 'key_region', pgType: 'text', get: (e) => e.lake.keyRegion },
    ],
    ['event_time', 'source_bucket', 'source_key', 'record_index'],
  );

  insert(client: pg.ClientBase, insights: readonly CloudTrailInsight[]): Promise<number> {
    return this.bulk.insert(client, insights);
  }
}
