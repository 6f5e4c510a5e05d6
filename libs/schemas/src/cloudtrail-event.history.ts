import type { AvroSchema } from './avro-schemas';

/**
 * Earlier published versions of lake.cloudtrail.CloudTrailEvent, which the current reader still
 * resolves (a message names its writer schema by fingerprint). Frozen: never edit a version here;
 * add the one being replaced when the schema changes.
 */

/** As published until December 2026: sessionContext and onBehalfOf as JSON text. */
export const cloudTrailEventSchemaV2: AvroSchema = {
  type: 'record',
  name: 'CloudTrailEvent',
  namespace: 'lake.cloudtrail',
  doc: 'One CloudTrail record, with CloudTrail field names. Key: "{lake.sourceBucket}/{lake.sourceKey}".',
  fields: [
    {
      name: 'eventVersion',
      type: ['null', 'string'],
      default: null,
    },
    {
      name: 'userIdentity',
      type: [
        'null',
        {
          type: 'record',
          name: 'UserIdentity',
          fields: [
            {
              name: 'type',
              type: ['null', 'string'],
              default: null,
            },
            {
              name: 'principalId',
              type: ['null', 'string'],
              default: null,
            },
            {
              name: 'arn',
              type: ['null', 'string'],
              default: null,
            },
            {
              name: 'accountId',
              type: ['null', 'string'],
              default: null,
            },
            {
              name: 'accessKeyId',
              type: ['null', 'string'],
              default: null,
            },
            {
              name: 'userName',
              type: ['null', 'string'],
              default: null,
            },
            {
              name: 'invokedBy',
              type: ['null', 'string'],
              default: null,
            },
            {
              name: 'identityProvider',
              type: ['null', 'string'],
              default: null,
            },
            {
              name: 'credentialId',
              type: ['null', 'string'],
              default: null,
            },
            {
              name: 'sessionContext',
              type: ['null', 'string'],
              default: null,
              doc: 'sessionContext (JSON text, kept whole)',
            },
            {
              name: 'onBehalfOf',
              type: ['null', 'string'],
              default: null,
              doc: 'onBehalfOf (JSON text, kept whole)',
            },
            {
              name: 'otherFields',
              type: ['null', 'string'],
              default: null,
              doc: 'userIdentity fields not listed above (JSON text, kept whole)',
            },
          ],
        },
      ],
      default: null,
    },
    {
      name: 'eventTime',
      type: 'string',
      doc: 'as CloudTrail writes it (ISO 8601, UTC)',
    },
    {
      name: 'eventSource',
      type: ['null', 'string'],
      default: null,
    },
    {
      name: 'eventName',
      type: ['null', 'string'],
      default: null,
    },
    {
      name: 'awsRegion',
      type: ['null', 'string'],
      default: null,
    },
    {
      name: 'sourceIPAddress',
      type: ['null', 'string'],
      default: null,
    },
    {
      name: 'userAgent',
      type: ['null', 'string'],
      default: null,
    },
    {
      name: 'errorCode',
      type: ['null', 'string'],
      default: null,
    },
    {
      name: 'errorMessage',
      type: ['null', 'string'],
      default: null,
    },
    {
      name: 'requestParameters',
      type: ['null', 'string'],
      default: null,
      doc: 'requestParameters (JSON text, kept whole)',
    },
    {
      name: 'responseElements',
      type: ['null', 'string'],
      default: null,
      doc: 'responseElements (JSON text, kept whole)',
    },
    {
      name: 'additionalEventData',
      type: ['null', 'string'],
      default: null,
      doc: 'additionalEventData (JSON text, kept whole)',
    },
    {
      name: 'requestID',
      type: ['null', 'string'],
      default: null,
    },
    {
      name: 'eventID',
      type: ['null', 'string'],
      default: null,
      doc: 'null only in version 1.0 records, which predate it',
    },
    {
      name: 'readOnly',
      type: ['null', 'boolean'],
      default: null,
    },
    {
      name: 'resources',
      type: [
        'null',
        {
          type: 'array',
          items: {
            type: 'record',
            name: 'Resource',
            fields: [
              {
                name: 'ARN',
                type: ['null', 'string'],
                default: null,
              },
              {
                name: 'accountId',
                type: ['null', 'string'],
                default: null,
              },
              {
                name: 'type',
                type: ['null', 'string'],
                default: null,
              },
            ],
          },
        },
      ],
      default: null,
    },
    {
      name: 'eventType',
      type: ['null', 'string'],
      default: null,
    },
    {
      name: 'apiVersion',
      type: ['null', 'string'],
      default: null,
    },
    {
      name: 'managementEvent',
      type: ['null', 'boolean'],
      default: null,
    },
    {
      name: 'recipientAccountId',
      type: ['null', 'string'],
      default: null,
    },
    {
      name: 'sharedEventID',
      type: ['null', 'string'],
      default: null,
    },
    {
      name: 'vpcEndpointId',
      type: ['null', 'string'],
      default: null,
    },
    {
      name: 'eventCategory',
      type: ['null', 'string'],
      default: null,
    },
    {
      name: 'serviceEventDetails',
      type: ['null', 'string'],
      default: null,
      doc: 'serviceEventDetails (JSON text, kept whole)',
    },
    {
      name: 'tlsDetails',
      type: [
        'null',
        {
          type: 'record',
          name: 'TlsDetails',
          fields: [
            {
              name: 'tlsVersion',
              type: ['null', 'string'],
              default: null,
            },
            {
              name: 'cipherSuite',
              type: ['null', 'string'],
              default: null,
            },
            {
              name: 'clientProvidedHostHeader',
              type: ['null', 'string'],
              default: null,
            },
          ],
        },
      ],
      default: null,
    },
    {
      name: 'sessionCredentialFromConsole',
      type: ['null', 'string'],
      default: null,
    },
    {
      name: 'edgeDeviceDetails',
      type: ['null', 'string'],
      default: null,
      doc: 'edgeDeviceDetails (JSON text, kept whole)',
    },
    {
      name: 'addendum',
      type: ['null', 'string'],
      default: null,
      doc: 'addendum (JSON text, kept whole)',
    },
    {
      name: 'otherFields',
      type: ['null', 'string'],
      default: null,
      doc: 'top-level fields not listed above, so nothing is lost (JSON text, kept whole)',
    },
    {
      name: 'lake',
      doc: 'added by the pipeline',
      type: {
        type: 'record',
        name: 'Provenance',
        fields: [
          {
            name: 'sourceBucket',
            type: 'string',
          },
          {
            name: 'sourceKey',
            type: 'string',
          },
          {
            name: 'recordIndex',
            type: 'int',
            doc: "0-based index in the file's Records array",
          },
          {
            name: 'eventTimeMillis',
            type: {
              type: 'long',
              logicalType: 'timestamp-millis',
            },
          },
          {
            name: 'principal',
            type: ['null', 'string'],
            default: null,
            doc: 'ARN, else type/name',
          },
          {
            name: 'isError',
            type: 'boolean',
          },
          {
            name: 'keyAccountId',
            type: ['null', 'string'],
            default: null,
          },
          {
            name: 'keyRegion',
            type: ['null', 'string'],
            default: null,
          },
          {
            name: 'eventDate',
            type: [
              'null',
              {
                type: 'int',
                logicalType: 'date',
              },
            ],
            default: null,
            doc: 'UTC day of eventTime, days since 1970-01-01',
          },
        ],
      },
    },
  ],
};

/** V2 without `lake.eventDate`, as first published. */
function withoutEventDate(schema: AvroSchema): AvroSchema {
  const fields = schema['fields'] as { name: string; type: unknown }[];
  return {
    ...schema,
    fields: fields.map((f) => {
      if (f.name !== 'lake') {
        return f;
      }
      const lake = f.type as { fields: { name: string }[] };
      return { ...f, type: { ...lake, fields: lake.fields.filter((l) => l.name !== 'eventDate') } };
    }),
  };
}

export const cloudTrailEventSchemaV1: AvroSchema = withoutEventDate(cloudTrailEventSchemaV2);

export const cloudTrailEventSchemaHistory: readonly AvroSchema[] = [
  cloudTrailEventSchemaV1,
  cloudTrailEventSchemaV2,
];
