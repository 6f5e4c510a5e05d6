import type { CloudTrailEvent, CloudTrailUserIdentity, DecodeOutput, ObjectContext } from '@lake/schemas';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
/** CloudTrail writes booleans, and in some older events the strings "true"/"false". */
const bool = (v: unknown): boolean | null =>
  typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : null;
/** Free-form members are kept whole as JSON text; absent and JSON null stay null. */
const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

/** Top-level members with a place of their own in the Avro record; any other goes to otherFields. */
const KNOWN = new Set([
  'eventVersion',
  'userIdentity',
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'errorCode',
  'errorMessage',
  'requestParameters',
  'responseElements',
  'additionalEventData',
  'requestID',
  'eventID',
  'readOnly',
  'resources',
  'eventType',
  'apiVersion',
  'managementEvent',
  'recipientAccountId',
  'sharedEventID',
  'vpcEndpointId',
  'eventCategory',
  'serviceEventDetails',
  'tlsDetails',
  'sessionCredentialFromConsole',
  'edgeDeviceDetails',
  'addendum',
]);

const IDENTITY_KNOWN = new Set([
  'type',
  'principalId',
  'arn',
  'accountId',
  'accessKeyId',
  'userName',
  'invokedBy',
  'identityProvider',
  'credentialId',
  'sessionContext',
  'onBehalfOf',
]);

function rest(obj: Json, known: Set<string>): string | null {
  let out: Json | null = null;
  for (const [k, v] of Object.entries(obj)) {
    if (!known.has(k)) {
      (out ??= {})[k] = v;
    }
  }
  return out ? JSON.stringify(out) : null;
}

function userIdentity(v: unknown): CloudTrailUserIdentity | null {
  if (!isObject(v)) {
    return null;
  }
  return {
    type: str(v['type']),
    principalId: str(v['principalId']),
    arn: str(v['arn']),
    accountId: str(v['accountId']),
    accessKeyId: str(v['accessKeyId']),
    userName: str(v['userName']),
    invokedBy: str(v['invokedBy']),
    identityProvider: str(v['identityProvider']),
    credentialId: str(v['credentialId']),
    sessionContext: json(v['sessionContext']),
    onBehalfOf: json(v['onBehalfOf']),
    otherFields: rest(v, IDENTITY_KNOWN),
  };
}

/** The ARN, else `type/name` (a service event has only invokedBy or accountId). */
function principalOf(u: CloudTrailUserIdentity | null): string | null {
  if (!u) {
    return null;
  }
  if (u.arn) {
    return u.arn;
  }
  const name = u.userName ?? u.principalId ?? u.invokedBy ?? u.accountId;
  if (!u.type && !name) {
    return null;
  }
  return `${u.type ?? 'Unknown'}/${name ?? 'unknown'}`;
}

function issue(message: string, index: number, raw: unknown): DecodeOutput<CloudTrailEvent> {
  return {
    ok: false,
    issue: { reason: 'RECORD_INVALID', message, position: index, payload: Buffer.from(JSON.stringify(raw)) },
  };
}

/** Maps one parsed CloudTrail record (an element of `Records`) to the Avro record. */
export function mapCloudTrailRecord(
  raw: unknown,
  context: ObjectContext,
  index: number,
): DecodeOutput<CloudTrailEvent> {
  if (!isObject(raw)) {
    return {
      ok: false,
      issue: {
        reason: 'RECORD_NOT_OBJECT',
        message: `record ${index} is ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}, not an object`,
        position: index,
        payload: Buffer.from(JSON.stringify(raw) ?? 'undefined'),
      },
    };
  }
  const eventTime = str(raw['eventTime']);
  const millis = eventTime === null ? Number.NaN : Date.parse(eventTime);
  if (eventTime === null || Number.isNaN(millis)) {
    return issue(`record ${index} has no valid eventTime`, index, raw);
  }
  const eventID = str(raw['eventID']);
  const eventVersion = str(raw['eventVersion']);
  // eventID exists since record version 1.01; version 1.0 records (AWS's own examples) have none.
  if (!eventID && eventVersion !== '1.0') {
    return issue(`record ${index} has no eventID`, index, raw);
  }
  const identity = userIdentity(raw['userIdentity']);
  const errorCode = str(raw['errorCode']);
  const errorMessage = str(raw['errorMessage']);
  const tls = raw['tlsDetails'];
  const resources = raw['resources'];
  return {
    ok: true,
    value: {
      eventVersion,
      userIdentity: identity,
      eventTime,
      eventSource: str(raw['eventSource']),
      eventName: str(raw['eventName']),
      awsRegion: str(raw['awsRegion']),
      sourceIPAddress: str(raw['sourceIPAddress']),
      userAgent: str(raw['userAgent']),
      errorCode,
      errorMessage,
      requestParameters: json(raw['requestParameters']),
      responseElements: json(raw['responseElements']),
      additionalEventData: json(raw['additionalEventData']),
      requestID: str(raw['requestID']),
      eventID,
      readOnly: bool(raw['readOnly']),
      resources: Array.isArray(resources)
        ? resources.filter(isObject).map((r) => ({
            ARN: str(r['ARN']) ?? str(r['arn']),
            accountId: str(r['accountId']),
            type: str(r['type']),
          }))
        : null,
      eventType: str(raw['eventType']),
      apiVersion: str(raw['apiVersion']),
      managementEvent: bool(raw['managementEvent']),
      recipientAccountId: str(raw['recipientAccountId']),
      sharedEventID: str(raw['sharedEventID']),
      vpcEndpointId: str(raw['vpcEndpointId']),
      eventCategory: str(raw['eventCategory']),
      serviceEventDetails: json(raw['serviceEventDetails']),
      tlsDetails: isObject(tls)
        ? {
            tlsVersion: str(tls['tlsVersion']),
            cipherSuite: str(tls['cipherSuite']),
            clientProvidedHostHeader: str(tls['clientProvidedHostHeader']),
          }
        : null,
      sessionCredentialFromConsole: str(raw['sessionCredentialFromConsole']),
      edgeDeviceDetails: json(raw['edgeDeviceDetails']),
      addendum: json(raw['addendum']),
      otherFields: rest(raw, KNOWN),
      lake: {
        sourceBucket: context.bucket,
        sourceKey: context.key,
        recordIndex: index,
        eventTimeMillis: millis,
        principal: principalOf(identity),
        isError: errorCode !== null || errorMessage !== null,
        keyAccountId: context.keyInfo.accountId,
        keyRegion: context.keyInfo.region,
      },
    },
  };
}
