import { FLOW_FIELDS, TGW_FLOW_FIELDS, type FlowAwsFields, type TgwFlowAwsFields } from './flow-fields';

/**
 * The Avro schemas of every topic, as TypeScript values. `npm run avsc` writes them to
 * libs/schemas/avro/*.avsc (the published form); a test keeps the two in step.
 * Evolution rule: a new field is nullable with `"default": null`, appended at the end.
 */
export type AvroSchema = Record<string, unknown>;

const nullable = (type: unknown, doc?: string) => ({
  type: ['null', type],
  default: null,
  ...(doc ? { doc } : {}),
});
const timestampMillis = { type: 'long', logicalType: 'timestamp-millis' };

export const OBJECT_KINDS = [
  'VPCFLOWLOGS',
  'VPCFLOWLOGS_PARQUET',
  'CLOUDTRAIL',
  'CLOUDTRAIL_INSIGHT',
  'CLOUDTRAIL_DIGEST',
  'OTHER',
] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export const objectEventSchema: AvroSchema = {
  type: 'record',
  name: 'ObjectEvent',
  namespace: 'lake.s3',
  doc: 'A new S3 object, announced once per object. Key: "{bucket}/{key}".',
  fields: [
    { name: 'bucket', type: 'string' },
    { name: 'key', type: 'string', doc: 'URL-decoded object key' },
    { name: 'size', ...nullable('long') },
    { name: 'etag', ...nullable('string') },
    { name: 'versionId', ...nullable('string') },
    { name: 'sequencer', ...nullable('string') },
    { name: 'eventName', type: 'string', doc: 'e.g. ObjectCreated:Put' },
    { name: 'eventTime', ...nullable(timestampMillis) },
    {
      name: 'kind',
      type: { type: 'enum', name: 'ObjectKind', symbols: [...OBJECT_KINDS], default: 'OTHER' },
      doc: 'classification of the key layout',
    },
    { name: 'accountId', ...nullable('string') },
    { name: 'region', ...nullable('string') },
    {
      name: 'source',
      type: 'string',
      doc: 'how the object was discovered: sqs, sns, eventbridge, webhook, listing',
    },
    { name: 'discoveredAt', type: timestampMillis },
  ],
};

export interface ObjectEvent {
  bucket: string;
  key: string;
  size: number | null;
  etag: string | null;
  versionId: string | null;
  sequencer: string | null;
  eventName: string;
  eventTime: number | null;
  kind: ObjectKind;
  accountId: string | null;
  region: string | null;
  source: string;
  discoveredAt: number;
}

const flowFieldType = (type: (typeof FLOW_FIELDS)[number]['type']): string =>
  type === 'address' ? 'string' : type;

/** Fields the pipeline adds to every flow record (VPC and Transit Gateway alike). */
const flowEnrichmentFields = [
  { name: 'protocol_name', ...nullable('string', 'IANA keyword of protocol, e.g. TCP') },
  { name: 'duration_seconds', ...nullable('long', 'end - start') },
  { name: 'dstport_service', ...nullable('string', 'IANA service name of dstport, e.g. https') },
  { name: 'srcaddr_class', ...nullable('string', 'private, public, loopback, link-local, …') },
  { name: 'dstaddr_class', ...nullable('string', 'private, public, loopback, link-local, …') },
  {
    name: 'direction_guess',
    ...nullable(
      'string',
      'ingress/egress/internal/external from the address classes, when flow-direction is absent',
    ),
  },
  {
    name: 'event_date',
    ...nullable({ type: 'int', logicalType: 'date' }, 'UTC day of event_time, days since 1970-01-01'),
  },
];

export interface FlowEnrichment {
  protocol_name: string | null;
  duration_seconds: number | null;
  dstport_service: string | null;
  srcaddr_class: string | null;
  dstaddr_class: string | null;
  direction_guess: string | null;
  event_date: number | null;
}

const provenanceFields = [
  { name: 'source_bucket', type: 'string' },
  { name: 'source_key', type: 'string' },
  {
    name: 'source_line',
    type: 'long',
    doc: '1-based line number in the decompressed file (the header is line 1)',
  },
  { name: 'flow_log_id', ...nullable('string', 'from the object key') },
  { name: 'key_account_id', ...nullable('string', 'account id from the object key') },
  { name: 'key_region', ...nullable('string', 'region from the object key') },
  {
    name: 'delivered_at',
    ...nullable(timestampMillis, 'delivery time from the object key (its file name), in ms'),
  },
  { name: 'event_time', type: timestampMillis, doc: 'start (else end, else the delivery time) in ms' },
  {
    name: 'extra',
    ...nullable({ type: 'map', values: 'string' }, 'fields the header names that we do not know yet'),
  },
];

interface FlowProvenance {
  source_bucket: string;
  source_key: string;
  source_line: number;
  flow_log_id: string | null;
  key_account_id: string | null;
  key_region: string | null;
  delivered_at: number | null;
  event_time: number;
  extra: Record<string, string> | null;
}

export const flowRecordSchema: AvroSchema = {
  type: 'record',
  name: 'FlowRecord',
  namespace: 'lake.vpcflow',
  doc: 'One VPC flow-log record. Key: "{source_bucket}/{source_key}" (one file stays on one partition, in order).',
  fields: [
    ...FLOW_FIELDS.map((f) => ({
      name: f.name,
      ...nullable(flowFieldType(f.type), `AWS field ${f.aws} (v${f.since})`),
    })),
    ...provenanceFields,
    ...flowEnrichmentFields,
  ],
};

export type FlowRecord = FlowAwsFields & FlowProvenance & FlowEnrichment;

export const tgwFlowRecordSchema: AvroSchema = {
  type: 'record',
  name: 'TgwFlowRecord',
  namespace: 'lake.vpcflow',
  doc: 'One Transit Gateway flow-log record. Key: "{source_bucket}/{source_key}".',
  fields: [
    ...TGW_FLOW_FIELDS.map((f) => ({
      name: f.name,
      ...nullable(flowFieldType(f.type), `AWS field ${f.aws}`),
    })),
    ...provenanceFields,
    ...flowEnrichmentFields,
  ],
};

export type TgwFlowRecord = TgwFlowAwsFields & FlowProvenance & FlowEnrichment;

const json = (doc: string) => nullable('string', `${doc} (JSON text, kept whole)`);

/**
 * A union that used to be `["null", "string"]` (JSON text) and now holds a record: the string branch
 * stays last so that messages written with the older schema still resolve (Avro schema resolution
 * matches a writer's branch to a reader's branch of the same type).
 */
const nullableOrLegacyText = (type: unknown, doc: string) => ({
  type: ['null', type, 'string'],
  default: null,
  doc,
});

/** userIdentity.sessionContext, with the members the CloudTrail userIdentity reference lists. */
const sessionContextSchema = {
  type: 'record',
  name: 'SessionContext',
  fields: [
    {
      name: 'sessionIssuer',
      ...nullable({
        type: 'record',
        name: 'SessionIssuer',
        fields: ['type', 'principalId', 'arn', 'accountId', 'userName'].map((name) => ({
          name,
          ...nullable('string'),
        })),
      }),
    },
    {
      name: 'webIdFederationData',
      ...nullable({
        type: 'record',
        name: 'WebIdFederationData',
        fields: [
          { name: 'federatedProvider', ...nullable('string') },
          { name: 'attributes', ...json('attributes') },
        ],
      }),
    },
    {
      name: 'attributes',
      ...nullable({
        type: 'record',
        name: 'SessionAttributes',
        fields: [
          { name: 'creationDate', ...nullable('string', 'as written (ISO 8601, basic or extended)') },
          { name: 'mfaAuthenticated', ...nullable('string', '"true" or "false", as CloudTrail writes it') },
        ],
      }),
    },
    { name: 'sourceIdentity', ...nullable('string') },
    { name: 'ec2RoleDelivery', ...nullable('string', '"1.0" (IMDSv1) or "2.0" (IMDSv2)') },
    { name: 'ec2IssuedInVPC', ...nullable('string') },
    { name: 'assumedRoot', ...nullable('string', '"true" for an sts:AssumeRoot session, as written') },
    { name: 'signInSessionArn', ...nullable('string') },
  ],
};

export const cloudTrailEventSchema: AvroSchema = {
  type: 'record',
  name: 'CloudTrailEvent',
  namespace: 'lake.cloudtrail',
  doc: 'One CloudTrail record, with CloudTrail field names. Key: "{lake.sourceBucket}/{lake.sourceKey}".',
  fields: [
    { name: 'eventVersion', ...nullable('string') },
    {
      name: 'userIdentity',
      ...nullable({
        type: 'record',
        name: 'UserIdentity',
        fields: [
          { name: 'type', ...nullable('string') },
          { name: 'principalId', ...nullable('string') },
          { name: 'arn', ...nullable('string') },
          { name: 'accountId', ...nullable('string') },
          { name: 'accessKeyId', ...nullable('string') },
          { name: 'userName', ...nullable('string') },
          { name: 'invokedBy', ...nullable('string') },
          { name: 'identityProvider', ...nullable('string') },
          { name: 'credentialId', ...nullable('string') },
          {
            name: 'sessionContext',
            ...nullableOrLegacyText(
              sessionContextSchema,
              'the session of temporary credentials; JSON text only in messages of schema versions before December 2026',
            ),
          },
          {
            name: 'onBehalfOf',
            ...nullableOrLegacyText(
              {
                type: 'record',
                name: 'OnBehalfOf',
                doc: 'the IAM Identity Center user a call was made for',
                fields: [
                  { name: 'userId', ...nullable('string') },
                  { name: 'identityStoreArn', ...nullable('string') },
                ],
              },
              'JSON text only in messages of schema versions before December 2026',
            ),
          },
          {
            name: 'otherFields',
            ...json('userIdentity fields not listed above, and sub-objects that did not fit'),
          },
          {
            name: 'inScopeOf',
            ...nullable({
              type: 'record',
              name: 'InScopeOf',
              doc: 'the AWS service resource (e.g. a Lambda function) a request was made in scope of',
              fields: [
                { name: 'sourceArn', ...nullable('string') },
                { name: 'sourceAccount', ...nullable('string') },
                { name: 'issuerType', ...nullable('string') },
                { name: 'credentialsIssuedTo', ...nullable('string') },
              ],
            }),
          },
          {
            name: 'invokedByDelegate',
            ...nullable({
              type: 'record',
              name: 'InvokedByDelegate',
              doc: 'the product provider that acted with temporary delegated access',
              fields: [{ name: 'accountId', ...nullable('string') }],
            }),
          },
        ],
      }),
    },
    { name: 'eventTime', type: 'string', doc: 'as CloudTrail writes it (ISO 8601, UTC)' },
    { name: 'eventSource', ...nullable('string') },
    { name: 'eventName', ...nullable('string') },
    { name: 'awsRegion', ...nullable('string') },
    { name: 'sourceIPAddress', ...nullable('string') },
    { name: 'userAgent', ...nullable('string') },
    { name: 'errorCode', ...nullable('string') },
    { name: 'errorMessage', ...nullable('string') },
    { name: 'requestParameters', ...json('requestParameters') },
    { name: 'responseElements', ...json('responseElements') },
    { name: 'additionalEventData', ...json('additionalEventData') },
    { name: 'requestID', ...nullable('string') },
    { name: 'eventID', ...nullable('string', 'null only in version 1.0 records, which predate it') },
    { name: 'readOnly', ...nullable('boolean') },
    {
      name: 'resources',
      ...nullable({
        type: 'array',
        items: {
          type: 'record',
          name: 'Resource',
          fields: [
            { name: 'ARN', ...nullable('string') },
            { name: 'accountId', ...nullable('string') },
            { name: 'type', ...nullable('string') },
          ],
        },
      }),
    },
    { name: 'eventType', ...nullable('string') },
    { name: 'apiVersion', ...nullable('string') },
    { name: 'managementEvent', ...nullable('boolean') },
    { name: 'recipientAccountId', ...nullable('string') },
    { name: 'sharedEventID', ...nullable('string') },
    { name: 'vpcEndpointId', ...nullable('string') },
    { name: 'eventCategory', ...nullable('string') },
    { name: 'serviceEventDetails', ...json('serviceEventDetails') },
    {
      name: 'tlsDetails',
      ...nullable({
        type: 'record',
        name: 'TlsDetails',
        fields: [
          { name: 'tlsVersion', ...nullable('string') },
          { name: 'cipherSuite', ...nullable('string') },
          { name: 'clientProvidedHostHeader', ...nullable('string') },
          { name: 'keyExchange', ...nullable('string', 'e.g. X25519MLKEM768 (post-quantum), x25519') },
        ],
      }),
    },
    { name: 'sessionCredentialFromConsole', ...nullable('string') },
    { name: 'edgeDeviceDetails', ...json('edgeDeviceDetails') },
    { name: 'addendum', ...json('addendum') },
    { name: 'otherFields', ...json('top-level fields not listed above, so nothing is lost') },
    {
      name: 'lake',
      doc: 'added by the pipeline',
      type: {
        type: 'record',
        name: 'Provenance',
        fields: [
          { name: 'sourceBucket', type: 'string' },
          { name: 'sourceKey', type: 'string' },
          { name: 'recordIndex', type: 'int', doc: "0-based index in the file's Records array" },
          { name: 'eventTimeMillis', type: timestampMillis },
          { name: 'principal', ...nullable('string', 'ARN, else type/name') },
          { name: 'isError', type: 'boolean' },
          { name: 'keyAccountId', ...nullable('string') },
          { name: 'keyRegion', ...nullable('string') },
          {
            name: 'eventDate',
            ...nullable({ type: 'int', logicalType: 'date' }, 'UTC day of eventTime, days since 1970-01-01'),
          },
        ],
      },
    },
    { name: 'vpcEndpointAccountId', ...nullable('string', 'owner of the VPC endpoint (since 1.09)') },
    {
      name: 'eventContext',
      ...json('requestContext and tagContext of enriched events (since 1.11; CloudTrail Lake only)'),
    },
  ],
};

export interface CloudTrailUserIdentity {
  type: string | null;
  principalId: string | null;
  arn: string | null;
  accountId: string | null;
  accessKeyId: string | null;
  userName: string | null;
  invokedBy: string | null;
  identityProvider: string | null;
  credentialId: string | null;
  /** A string only in messages written with schema versions before December 2026 (JSON text). */
  sessionContext: CloudTrailSessionContext | string | null;
  /** A string only in messages written with schema versions before December 2026 (JSON text). */
  onBehalfOf: { userId: string | null; identityStoreArn: string | null } | string | null;
  otherFields: string | null;
  inScopeOf: {
    sourceArn: string | null;
    sourceAccount: string | null;
    issuerType: string | null;
    credentialsIssuedTo: string | null;
  } | null;
  invokedByDelegate: { accountId: string | null } | null;
}

export interface CloudTrailSessionContext {
  sessionIssuer: {
    type: string | null;
    principalId: string | null;
    arn: string | null;
    accountId: string | null;
    userName: string | null;
  } | null;
  webIdFederationData: { federatedProvider: string | null; attributes: string | null } | null;
  attributes: { creationDate: string | null; mfaAuthenticated: string | null } | null;
  sourceIdentity: string | null;
  ec2RoleDelivery: string | null;
  ec2IssuedInVPC: string | null;
  assumedRoot: string | null;
  signInSessionArn: string | null;
}

export interface CloudTrailEvent {
  eventVersion: string | null;
  userIdentity: CloudTrailUserIdentity | null;
  eventTime: string;
  eventSource: string | null;
  eventName: string | null;
  awsRegion: string | null;
  sourceIPAddress: string | null;
  userAgent: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  requestParameters: string | null;
  responseElements: string | null;
  additionalEventData: string | null;
  requestID: string | null;
  eventID: string | null;
  readOnly: boolean | null;
  resources: { ARN: string | null; accountId: string | null; type: string | null }[] | null;
  eventType: string | null;
  apiVersion: string | null;
  managementEvent: boolean | null;
  recipientAccountId: string | null;
  sharedEventID: string | null;
  vpcEndpointId: string | null;
  eventCategory: string | null;
  serviceEventDetails: string | null;
  tlsDetails: {
    tlsVersion: string | null;
    cipherSuite: string | null;
    clientProvidedHostHeader: string | null;
    keyExchange: string | null;
  } | null;
  sessionCredentialFromConsole: string | null;
  edgeDeviceDetails: string | null;
  addendum: string | null;
  otherFields: string | null;
  lake: {
    sourceBucket: string;
    sourceKey: string;
    recordIndex: number;
    eventTimeMillis: number;
    principal: string | null;
    isError: boolean;
    keyAccountId: string | null;
    keyRegion: string | null;
    eventDate: number | null;
  };
  vpcEndpointAccountId: string | null;
  eventContext: string | null;
}

const averages = (name: string) => ({
  type: 'array',
  items: {
    type: 'record',
    name,
    fields: [
      { name: 'value', ...nullable('string') },
      { name: 'average', ...nullable('double') },
    ],
  },
});

export const cloudTrailInsightSchema: AvroSchema = {
  type: 'record',
  name: 'CloudTrailInsight',
  namespace: 'lake.cloudtrail',
  doc: 'One CloudTrail Insights event (a Start or an End, linked by sharedEventID). Key: "{lake.sourceBucket}/{lake.sourceKey}".',
  fields: [
    { name: 'eventVersion', ...nullable('string') },
    { name: 'eventTime', type: 'string' },
    { name: 'awsRegion', ...nullable('string') },
    { name: 'eventID', type: 'string' },
    { name: 'eventType', ...nullable('string') },
    { name: 'recipientAccountId', ...nullable('string') },
    { name: 'sharedEventID', ...nullable('string', 'the same for the Start and the End of one insight') },
    { name: 'eventCategory', ...nullable('string') },
    {
      name: 'insightDetails',
      type: {
        type: 'record',
        name: 'InsightDetails',
        fields: [
          { name: 'state', ...nullable('string', 'Start or End') },
          { name: 'eventSource', ...nullable('string') },
          { name: 'eventName', ...nullable('string') },
          { name: 'insightType', ...nullable('string', 'ApiCallRateInsight or ApiErrorRateInsight') },
          { name: 'errorCode', ...nullable('string') },
          { name: 'baselineAverage', ...nullable('double', 'insightContext.statistics.baseline.average') },
          { name: 'insightAverage', ...nullable('double', 'insightContext.statistics.insight.average') },
          {
            name: 'insightDuration',
            ...nullable('double', 'insightContext.statistics.insightDuration (minutes)'),
          },
          {
            name: 'baselineDuration',
            ...nullable('double', 'insightContext.statistics.baselineDuration (minutes)'),
          },
          {
            name: 'attributions',
            ...nullable({
              type: 'array',
              items: {
                type: 'record',
                name: 'InsightAttribution',
                fields: [
                  { name: 'attribute', ...nullable('string', 'userIdentityArn, userAgent or errorCode') },
                  { name: 'insight', ...nullable(averages('AttributionValue')) },
                  { name: 'baseline', ...nullable({ type: 'array', items: 'AttributionValue' }) },
                ],
              },
            }),
          },
          { name: 'otherFields', ...json('insightDetails members not listed above') },
        ],
      },
    },
    { name: 'otherFields', ...json('top-level fields not listed above') },
    {
      name: 'lake',
      type: {
        type: 'record',
        name: 'InsightProvenance',
        fields: [
          { name: 'sourceBucket', type: 'string' },
          { name: 'sourceKey', type: 'string' },
          { name: 'recordIndex', type: 'int' },
          { name: 'eventTimeMillis', type: timestampMillis },
          { name: 'keyAccountId', ...nullable('string') },
          { name: 'keyRegion', ...nullable('string') },
        ],
      },
    },
  ],
};

export interface InsightAverage {
  value: string | null;
  average: number | null;
}

export interface CloudTrailInsight {
  eventVersion: string | null;
  eventTime: string;
  awsRegion: string | null;
  eventID: string;
  eventType: string | null;
  recipientAccountId: string | null;
  sharedEventID: string | null;
  eventCategory: string | null;
  insightDetails: {
    state: string | null;
    eventSource: string | null;
    eventName: string | null;
    insightType: string | null;
    errorCode: string | null;
    baselineAverage: number | null;
    insightAverage: number | null;
    insightDuration: number | null;
    baselineDuration: number | null;
    attributions:
      | { attribute: string | null; insight: InsightAverage[] | null; baseline: InsightAverage[] | null }[]
      | null;
    otherFields: string | null;
  };
  otherFields: string | null;
  lake: {
    sourceBucket: string;
    sourceKey: string;
    recordIndex: number;
    eventTimeMillis: number;
    keyAccountId: string | null;
    keyRegion: string | null;
  };
}

export const digestCheckSchema: AvroSchema = {
  type: 'record',
  name: 'DigestCheck',
  namespace: 'lake.cloudtrail',
  doc: 'The verification of a CloudTrail digest (item DIGEST: chain and signature) or of one log file it lists (item LOG_FILE: present, SHA-256). Key: "{digestBucket}/{digestKey}".',
  fields: [
    { name: 'digestBucket', type: 'string' },
    { name: 'digestKey', type: 'string' },
    { name: 'digestStartTime', ...nullable('string') },
    { name: 'digestEndTime', ...nullable('string') },
    { name: 'item', type: 'string', doc: 'DIGEST or LOG_FILE' },
    { name: 'logFileBucket', ...nullable('string') },
    { name: 'logFileKey', ...nullable('string') },
    {
      name: 'status',
      type: 'string',
      doc: 'ok, missing, hash_mismatch (also a gzip that no longer inflates), unreadable (e.g. access denied) (log files); ok, chain_break, previous_missing, previous_unreadable, signature_invalid, signature_missing (digests)',
    },
    { name: 'chainStatus', ...nullable('string', 'digests: ok, chain_start, chain_break, previous_missing') },
    {
      name: 'signatureStatus',
      ...nullable('string', 'digests: ok, invalid, missing, unchecked (no public key configured)'),
    },
    { name: 'detail', ...nullable('string') },
    { name: 'checkedAt', type: timestampMillis },
  ],
};

export interface DigestCheck {
  digestBucket: string;
  digestKey: string;
  digestStartTime: string | null;
  digestEndTime: string | null;
  item: 'DIGEST' | 'LOG_FILE';
  logFileBucket: string | null;
  logFileKey: string | null;
  status: string;
  chainStatus: string | null;
  signatureStatus: string | null;
  detail: string | null;
  checkedAt: number;
}

export const deadLetterSchema: AvroSchema = {
  type: 'record',
  name: 'DeadLetter',
  namespace: 'lake.pipeline',
  doc: 'Input that could not be processed, with the reason. Key: "{bucket}/{key}".',
  fields: [
    { name: 'service', type: 'string' },
    { name: 'bucket', ...nullable('string') },
    { name: 'key', ...nullable('string') },
    {
      name: 'position',
      ...nullable('long', 'line number (flow logs) or record index (CloudTrail); null for a whole file'),
    },
    { name: 'reason', type: 'string', doc: 'stable reason code, e.g. GZIP_CORRUPT, FIELD_COUNT' },
    { name: 'message', type: 'string' },
    { name: 'payload', ...nullable('bytes', 'the original bytes, cut at payloadLimit') },
    { name: 'payloadTruncated', type: 'boolean', default: false },
    { name: 'occurredAt', type: timestampMillis },
  ],
};

export interface DeadLetter {
  service: string;
  bucket: string | null;
  key: string | null;
  position: number | null;
  reason: string;
  message: string;
  payload: Buffer | null;
  payloadTruncated: boolean;
  occurredAt: number;
}

/** Every published schema, by file name (without `.avsc`). */
export const PUBLISHED_SCHEMAS: Record<string, AvroSchema> = {
  'object-event': objectEventSchema,
  'flow-record': flowRecordSchema,
  'tgw-flow-record': tgwFlowRecordSchema,
  'cloudtrail-event': cloudTrailEventSchema,
  'cloudtrail-insight': cloudTrailInsightSchema,
  'digest-check': digestCheckSchema,
  'dead-letter': deadLetterSchema,
};
