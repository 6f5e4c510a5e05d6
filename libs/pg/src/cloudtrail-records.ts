/**
 * CloudTrail rows as CloudTrail records: the API and exports answer with CloudTrail's own field
 * names, in the order CloudTrail writes them (SPEC §4 "Names"), while Postgres columns are their
 * snake_case forms. The lake's provenance and enrichment go under `lake`, named as in the Avro
 * record's `lake` (Provenance). Null columns are left out, as CloudTrail leaves absent fields out.
 */
type Row = Record<string, unknown>;
export type CloudTrailRecord = Record<string, unknown>;

/** Column → CloudTrail field, for the fields stored in a column of their own. */
const EVENT_FIELDS: readonly (readonly [string, string])[] = [
  ['event_version', 'eventVersion'],
  ['user_identity', 'userIdentity'],
  ['event_time', 'eventTime'],
  ['event_source', 'eventSource'],
  ['event_name', 'eventName'],
  ['aws_region', 'awsRegion'],
  ['source_ip_address', 'sourceIPAddress'],
  ['user_agent', 'userAgent'],
  ['error_code', 'errorCode'],
  ['error_message', 'errorMessage'],
  ['request_parameters', 'requestParameters'],
  ['response_elements', 'responseElements'],
  ['additional_event_data', 'additionalEventData'],
  ['request_id', 'requestID'],
  ['event_id', 'eventID'],
  ['read_only', 'readOnly'],
  ['resources', 'resources'],
  ['event_type', 'eventType'],
  ['api_version', 'apiVersion'],
  ['management_event', 'managementEvent'],
  ['recipient_account_id', 'recipientAccountId'],
  ['shared_event_id', 'sharedEventID'],
  ['vpc_endpoint_id', 'vpcEndpointId'],
  ['vpc_endpoint_account_id', 'vpcEndpointAccountId'],
  ['event_category', 'eventCategory'],
  ['service_event_details', 'serviceEventDetails'],
  ['tls_details', 'tlsDetails'],
  ['session_credential_from_console', 'sessionCredentialFromConsole'],
  ['edge_device_details', 'edgeDeviceDetails'],
  ['addendum', 'addendum'],
  ['event_context', 'eventContext'],
];

const INSIGHT_FIELDS: readonly (readonly [string, string])[] = [
  ['event_version', 'eventVersion'],
  ['event_time', 'eventTime'],
  ['aws_region', 'awsRegion'],
  ['event_id', 'eventID'],
  ['event_type', 'eventType'],
  ['recipient_account_id', 'recipientAccountId'],
  ['shared_event_id', 'sharedEventID'],
];

/** Column → field of the Avro record's `lake`, for both kinds. */
const LAKE_FIELDS: readonly (readonly [string, string])[] = [
  ['source_bucket', 'sourceBucket'],
  ['source_key', 'sourceKey'],
  ['record_index', 'recordIndex'],
  ['principal', 'principal'],
  ['is_error', 'isError'],
  ['key_account_id', 'keyAccountId'],
  ['key_region', 'keyRegion'],
  ['event_date', 'eventDate'],
  ['ingested_at', 'ingestedAt'],
];

/** CloudTrail writes eventTime to the second, as `2024-05-01T10:07:00Z`. */
const cloudTrailTime = (v: unknown) => (v instanceof Date ? v.toISOString().replace(/\.000Z$/, 'Z') : v);

/** Typed sub-records (tlsDetails, resources) were stored with every member, null or not. */
const withoutNulls = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(withoutNulls)
    : v && typeof v === 'object' && !(v instanceof Date)
      ? Object.fromEntries(Object.entries(v).filter(([, m]) => m !== null))
      : v;
const TYPED = new Set(['tls_details', 'resources']);

function pick(row: Row, fields: readonly (readonly [string, string])[], into: CloudTrailRecord = {}) {
  for (const [column, field] of fields) {
    const v = row[column];
    if (v !== null && v !== undefined) {
      into[field] = column === 'event_time' ? cloudTrailTime(v) : TYPED.has(column) ? withoutNulls(v) : v;
    }
  }
  return into;
}

/**
 * Fields kept whole in a jsonb column (unknown ones, and known ones whose value had another shape
 * than documented) fill what the typed columns left empty.
 */
function addOthers(into: CloudTrailRecord, others: unknown): CloudTrailRecord {
  if (others && typeof others === 'object' && !Array.isArray(others)) {
    for (const [k, v] of Object.entries(others)) {
      if (!(k in into)) {
        into[k] = v;
      }
    }
  }
  return into;
}

/** A `cloudtrail_events` row as the CloudTrail record it came from, plus `lake`. */
export function cloudTrailEventRecord(row: Row): CloudTrailRecord {
  const out = addOthers(pick(row, EVENT_FIELDS), row['other_fields']);
  out['lake'] = pick(row, LAKE_FIELDS);
  return out;
}

/** A `cloudtrail_insights` row as the Insights record it came from, plus `lake`. */
export function cloudTrailInsightRecord(row: Row): CloudTrailRecord {
  const out = pick(row, INSIGHT_FIELDS);
  const statistics = pick(row, [
    ['insight_duration', 'insightDuration'],
    ['baseline_duration', 'baselineDuration'],
  ]);
  if (row['baseline_average'] !== null && row['baseline_average'] !== undefined) {
    statistics['baseline'] = { average: row['baseline_average'] };
  }
  if (row['insight_average'] !== null && row['insight_average'] !== undefined) {
    statistics['insight'] = { average: row['insight_average'] };
  }
  const details = pick(row, [
    ['state', 'state'],
    ['event_source', 'eventSource'],
    ['event_name', 'eventName'],
    ['insight_type', 'insightType'],
    ['error_code', 'errorCode'],
  ]);
  const context = pick(row, [['attributions', 'attributions']], { statistics });
  const extra = (row['insight_other_fields'] ?? {}) as Row;
  addOthers(context, extra['insightContext']);
  details['insightContext'] = context;
  addOthers(details, extra);
  out['insightDetails'] = details;
  pick(row, [['event_category', 'eventCategory']], out);
  addOthers(out, row['other_fields']);
  out['lake'] = pick(row, LAKE_FIELDS);
  return out;
}

/** The top-level fields of the records, for CSV export columns (nested ones as JSON cells). */
export const CLOUDTRAIL_EVENT_COLUMNS: readonly string[] = [...EVENT_FIELDS.map(([, f]) => f), 'lake'];
export const CLOUDTRAIL_INSIGHT_COLUMNS: readonly string[] = [
  ...INSIGHT_FIELDS.map(([, f]) => f),
  'insightDetails',
  'eventCategory',
  'lake',
];
