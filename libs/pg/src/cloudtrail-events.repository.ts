import {
  userIdentityAsWritten,
  type CloudTrailEvent,
  type CloudTrailSessionContext,
  type CloudTrailUserIdentity,
} from '@lake/schemas';
import type pg from 'pg';
import { BulkInsert, type ColumnSpec } from './bulk-insert';
import { cloudTrailRollupsAfterInsert } from './rollups.repository';

/** The typed sessionContext; null also for the JSON text of older schema versions (kept in user_identity). */
function session(e: CloudTrailEvent): CloudTrailSessionContext | null {
  const s = e.userIdentity?.sessionContext;
  return typeof s === 'object' ? (s ?? null) : null;
}

function onBehalfOf(e: CloudTrailEvent): Exclude<CloudTrailUserIdentity['onBehalfOf'], string> {
  const o = e.userIdentity?.onBehalfOf;
  return typeof o === 'object' ? (o ?? null) : null;
}

const text = (
  name: string,
  get: (e: CloudTrailEvent) => string | null | undefined,
): ColumnSpec<CloudTrailEvent> => ({
  name,
  pgType: 'text',
  get: (e) => get(e) ?? null,
});

/** Typed columns of userIdentity's parts, named after their CloudTrail path in snake_case (sessionContext left out). */
const IDENTITY_COLUMNS: ColumnSpec<CloudTrailEvent>[] = [
  text('user_identity_principal_id', (e) => e.userIdentity?.principalId),
  text('user_identity_invoked_by', (e) => e.userIdentity?.invokedBy),
  text('user_identity_identity_provider', (e) => e.userIdentity?.identityProvider),
  text('user_identity_credential_id', (e) => e.userIdentity?.credentialId),
  text('user_identity_session_issuer_type', (e) => session(e)?.sessionIssuer?.type),
  text('user_identity_session_issuer_principal_id', (e) => session(e)?.sessionIssuer?.principalId),
  text('user_identity_session_issuer_arn', (e) => session(e)?.sessionIssuer?.arn),
  text('user_identity_session_issuer_account_id', (e) => session(e)?.sessionIssuer?.accountId),
  text('user_identity_session_issuer_user_name', (e) => session(e)?.sessionIssuer?.userName),
  text('user_identity_federated_provider', (e) => session(e)?.webIdFederationData?.federatedProvider),
  {
    name: 'user_identity_web_id_federation_attributes',
    pgType: 'jsonb',
    get: (e) => session(e)?.webIdFederationData?.attributes ?? null,
  },
  text('user_identity_session_creation_date', (e) => session(e)?.attributes?.creationDate),
  text('user_identity_mfa_authenticated', (e) => session(e)?.attributes?.mfaAuthenticated),
  text('user_identity_source_identity', (e) => session(e)?.sourceIdentity),
  text('user_identity_ec2_role_delivery', (e) => session(e)?.ec2RoleDelivery),
  text('user_identity_ec2_issued_in_vpc', (e) => session(e)?.ec2IssuedInVPC),
  text('user_identity_assumed_root', (e) => session(e)?.assumedRoot),
  text('user_identity_sign_in_session_arn', (e) => session(e)?.signInSessionArn),
  text('user_identity_on_behalf_of_user_id', (e) => onBehalfOf(e)?.userId),
  text('user_identity_on_behalf_of_identity_store_arn', (e) => onBehalfOf(e)?.identityStoreArn),
  text('user_identity_in_scope_of_source_arn', (e) => e.userIdentity?.inScopeOf?.sourceArn),
  text('user_identity_in_scope_of_source_account', (e) => e.userIdentity?.inScopeOf?.sourceAccount),
  text('user_identity_in_scope_of_issuer_type', (e) => e.userIdentity?.inScopeOf?.issuerType),
  text(
    'user_identity_in_scope_of_credentials_issued_to',
    (e) => e.userIdentity?.inScopeOf?.credentialsIssuedTo,
  ),
  text('user_identity_invoked_by_delegate_account_id', (e) => e.userIdentity?.invokedByDelegate?.accountId),
];

const COLUMNS: ColumnSpec<CloudTrailEvent>[] = [
  { name: 'event_time', pgType: 'timestamptz', get: (e) => new Date(e.lake.eventTimeMillis) },
  { name: 'source_bucket', pgType: 'text', get: (e) => e.lake.sourceBucket },
  { name: 'source_key', pgType: 'text', get: (e) => e.lake.sourceKey },
  { name: 'record_index', pgType: 'integer', get: (e) => e.lake.recordIndex },
  { name: 'event_id', pgType: 'text', get: (e) => e.eventID },
  { name: 'event_version', pgType: 'text', get: (e) => e.eventVersion },
  { name: 'event_source', pgType: 'text', get: (e) => e.eventSource },
  { name: 'event_name', pgType: 'text', get: (e) => e.eventName },
  { name: 'aws_region', pgType: 'text', get: (e) => e.awsRegion },
  { name: 'source_ip_address', pgType: 'text', get: (e) => e.sourceIPAddress },
  { name: 'user_agent', pgType: 'text', get: (e) => e.userAgent },
  { name: 'error_code', pgType: 'text', get: (e) => e.errorCode },
  { name: 'error_message', pgType: 'text', get: (e) => e.errorMessage },
  {
    name: 'user_identity',
    pgType: 'jsonb',
    get: (e) => (e.userIdentity ? JSON.stringify(userIdentityAsWritten(e.userIdentity)) : null),
  },
  { name: 'user_identity_type', pgType: 'text', get: (e) => e.userIdentity?.type ?? null },
  { name: 'user_identity_arn', pgType: 'text', get: (e) => e.userIdentity?.arn ?? null },
  { name: 'user_identity_account_id', pgType: 'text', get: (e) => e.userIdentity?.accountId ?? null },
  { name: 'user_identity_access_key_id', pgType: 'text', get: (e) => e.userIdentity?.accessKeyId ?? null },
  { name: 'user_identity_user_name', pgType: 'text', get: (e) => e.userIdentity?.userName ?? null },
  { name: 'principal', pgType: 'text', get: (e) => e.lake.principal },
  { name: 'is_error', pgType: 'boolean', get: (e) => e.lake.isError },
  { name: 'request_parameters', pgType: 'jsonb', get: (e) => e.requestParameters },
  { name: 'response_elements', pgType: 'jsonb', get: (e) => e.responseElements },
  { name: 'additional_event_data', pgType: 'jsonb', get: (e) => e.additionalEventData },
  { name: 'request_id', pgType: 'text', get: (e) => e.requestID },
  { name: 'read_only', pgType: 'boolean', get: (e) => e.readOnly },
  { name: 'resources', pgType: 'jsonb', get: (e) => (e.resources ? JSON.stringify(e.resources) : null) },
  { name: 'event_type', pgType: 'text', get: (e) => e.eventType },
  { name: 'api_version', pgType: 'text', get: (e) => e.apiVersion },
  { name: 'management_event', pgType: 'boolean', get: (e) => e.managementEvent },
  { name: 'recipient_account_id', pgType: 'text', get: (e) => e.recipientAccountId },
  { name: 'shared_event_id', pgType: 'text', get: (e) => e.sharedEventID },
  { name: 'vpc_endpoint_id', pgType: 'text', get: (e) => e.vpcEndpointId },
  { name: 'event_category', pgType: 'text', get: (e) => e.eventCategory },
  { name: 'service_event_details', pgType: 'jsonb', get: (e) => e.serviceEventDetails },
  { name: 'tls_details', pgType: 'jsonb', get: (e) => (e.tlsDetails ? JSON.stringify(e.tlsDetails) : null) },
  { name: 'session_credential_from_console', pgType: 'text', get: (e) => e.sessionCredentialFromConsole },
  { name: 'edge_device_details', pgType: 'jsonb', get: (e) => e.edgeDeviceDetails },
  { name: 'addendum', pgType: 'jsonb', get: (e) => e.addendum },
  { name: 'other_fields', pgType: 'jsonb', get: (e) => e.otherFields },
  { name: 'key_account_id', pgType: 'text', get: (e) => e.lake.keyAccountId },
  { name: 'key_region', pgType: 'text', get: (e) => e.lake.keyRegion },
  {
    name: 'event_date',
    pgType: 'date',
    get: (e) =>
      e.lake.eventDate === null ? null : new Date(e.lake.eventDate * 86_400_000).toISOString().slice(0, 10),
  },
  ...IDENTITY_COLUMNS,
  { name: 'vpc_endpoint_account_id', pgType: 'text', get: (e) => e.vpcEndpointAccountId ?? null },
  { name: 'event_context', pgType: 'jsonb', get: (e) => e.eventContext ?? null },
];

/** Writes CloudTrail records to `cloudtrail_events`; idempotent on (event_time, source object, index). */
export class CloudTrailEventsRepository {
  static readonly table = 'cloudtrail_events' as const;
  private readonly bulk = new BulkInsert<CloudTrailEvent>(
    CloudTrailEventsRepository.table,
    COLUMNS,
    ['event_time', 'source_bucket', 'source_key', 'record_index'],
    { after: cloudTrailRollupsAfterInsert() },
  );

  insert(client: pg.ClientBase, events: readonly CloudTrailEvent[]): Promise<number> {
    return this.bulk.insert(client, events);
  }
}
