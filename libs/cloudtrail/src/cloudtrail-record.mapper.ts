import type {
  CloudTrailEvent,
  CloudTrailSessionContext,
  CloudTrailUserIdentity,
  DecodeOutput,
  ObjectContext,
} from '@lake/schemas';
import { setOwn } from './json-own';

type Json = Record<string, unknown>;
type Resource = NonNullable<CloudTrailEvent['resources']>[number];
type TlsDetails = NonNullable<CloudTrailEvent['tlsDetails']>;

/** Members of a record with a field of their own in the Avro record; any other goes to otherFields. */
const RECORD_FIELDS: ReadonlySet<string> = new Set([
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
  'vpcEndpointAccountId',
  'eventContext',
]);
const IDENTITY_FIELDS: ReadonlySet<string> = new Set([
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
  'inScopeOf',
  'invokedByDelegate',
]);
/** The members of sessionContext and its parts, as the CloudTrail userIdentity reference lists them. */
const SESSION_CONTEXT_FIELDS: ReadonlySet<string> = new Set([
  'sessionIssuer',
  'webIdFederationData',
  'attributes',
  'sourceIdentity',
  'ec2RoleDelivery',
  'ec2IssuedInVPC',
  'assumedRoot',
  'signInSessionArn',
]);
const SESSION_ISSUER_FIELDS: ReadonlySet<string> = new Set([
  'type',
  'principalId',
  'arn',
  'accountId',
  'userName',
]);
const WEB_ID_FEDERATION_FIELDS: ReadonlySet<string> = new Set(['federatedProvider', 'attributes']);
const SESSION_ATTRIBUTE_FIELDS: ReadonlySet<string> = new Set(['creationDate', 'mfaAuthenticated']);
const ON_BEHALF_OF_FIELDS: ReadonlySet<string> = new Set(['userId', 'identityStoreArn']);
const IN_SCOPE_OF_FIELDS: ReadonlySet<string> = new Set([
  'sourceArn',
  'sourceAccount',
  'issuerType',
  'credentialsIssuedTo',
]);
const INVOKED_BY_DELEGATE_FIELDS: ReadonlySet<string> = new Set(['accountId']);
const RESOURCE_FIELDS: ReadonlySet<string> = new Set(['ARN', 'accountId', 'type']);
const TLS_FIELDS: ReadonlySet<string> = new Set([
  'tlsVersion',
  'cipherSuite',
  'clientProvidedHostHeader',
  'keyExchange',
]);

/**
 * CloudTrail writes eventTime as `yyyy-MM-ddTHH:mm:ssZ`. A time zone is required: Date.parse reads
 * a time without one as local time, which would make the result depend on the host.
 */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const present = (v: unknown): boolean => v !== undefined && v !== null;

/**
 * Reads the members of one JSON object into typed fields. A member whose value does not fit its
 * field (an object where a string belongs, `"yes"` for a boolean) is kept as written with the
 * object's other fields, so that nothing is lost.
 */
class MemberReader {
  private leftovers: Json | null = null;

  constructor(private readonly source: Json) {}

  value(name: string): unknown {
    return this.source[name];
  }

  /** Strings as they are; numbers and booleans written out as text. */
  text(name: string): string | null {
    const v = this.source[name];
    if (typeof v === 'string') {
      return v;
    }
    if (typeof v === 'number' || typeof v === 'boolean') {
      return String(v);
    }
    return present(v) ? this.misfit(name, v) : null;
  }

  /** Booleans; some services write `"true"` and `"false"` strings instead. */
  flag(name: string): boolean | null {
    const v = this.source[name];
    if (typeof v === 'boolean') {
      return v;
    }
    if (v === 'true' || v === 'false') {
      return v === 'true';
    }
    return present(v) ? this.misfit(name, v) : null;
  }

  /** Any value, kept whole as JSON text; absent and JSON null stay null. */
  json(name: string): string | null {
    const v = this.source[name];
    return present(v) ? JSON.stringify(v) : null;
  }

  misfit(name: string, value: unknown): null {
    setOwn((this.leftovers ??= {}), name, value);
    return null;
  }

  /** True when every member was known and fitted its field. Call after reading the fields. */
  fits(known: ReadonlySet<string>): boolean {
    if (this.leftovers) {
      return false;
    }
    for (const k in this.source) {
      if (!known.has(k)) {
        return false;
      }
    }
    return true;
  }

  /** The members outside `known` and the misfits, as one JSON object text. Call after reading the fields. */
  others(known: ReadonlySet<string>): string | null {
    for (const k in this.source) {
      if (!known.has(k)) {
        setOwn((this.leftovers ??= {}), k, this.source[k]);
      }
    }
    return this.leftovers ? JSON.stringify(this.leftovers) : null;
  }
}

/**
 * A member that is an object with typed fields of its own: mapped by `read` as far as it goes; when
 * it has other members or values that do not fit, the whole object is also kept with the parent's
 * other fields (the same rule as for tlsDetails), so nothing is lost.
 */
function part<T>(
  parent: MemberReader,
  name: string,
  known: ReadonlySet<string>,
  read: (r: MemberReader) => T,
): T | null {
  const v = parent.value(name);
  if (!present(v)) {
    return null;
  }
  if (!isObject(v)) {
    return parent.misfit(name, v);
  }
  const r = new MemberReader(v);
  const out = read(r);
  if (!r.fits(known)) {
    parent.misfit(name, v);
  }
  return out;
}

function sessionContext(u: MemberReader): CloudTrailSessionContext | null {
  return part(u, 'sessionContext', SESSION_CONTEXT_FIELDS, (s) => ({
    sessionIssuer: part(s, 'sessionIssuer', SESSION_ISSUER_FIELDS, (i) => ({
      type: i.text('type'),
      principalId: i.text('principalId'),
      arn: i.text('arn'),
      accountId: i.text('accountId'),
      userName: i.text('userName'),
    })),
    webIdFederationData: part(s, 'webIdFederationData', WEB_ID_FEDERATION_FIELDS, (w) => ({
      federatedProvider: w.text('federatedProvider'),
      attributes: w.json('attributes'),
    })),
    attributes: part(s, 'attributes', SESSION_ATTRIBUTE_FIELDS, (a) => ({
      creationDate: a.text('creationDate'),
      mfaAuthenticated: a.text('mfaAuthenticated'),
    })),
    sourceIdentity: s.text('sourceIdentity'),
    ec2RoleDelivery: s.text('ec2RoleDelivery'),
    ec2IssuedInVPC: s.text('ec2IssuedInVPC'),
    assumedRoot: s.text('assumedRoot'),
    signInSessionArn: s.text('signInSessionArn'),
  }));
}

function userIdentity(v: unknown, record: MemberReader): CloudTrailUserIdentity | null {
  if (!present(v)) {
    return null;
  }
  if (!isObject(v)) {
    return record.misfit('userIdentity', v);
  }
  const u = new MemberReader(v);
  return {
    type: u.text('type'),
    principalId: u.text('principalId'),
    arn: u.text('arn'),
    accountId: u.text('accountId'),
    accessKeyId: u.text('accessKeyId'),
    userName: u.text('userName'),
    invokedBy: u.text('invokedBy'),
    identityProvider: u.text('identityProvider'),
    credentialId: u.text('credentialId'),
    sessionContext: sessionContext(u),
    onBehalfOf: part(u, 'onBehalfOf', ON_BEHALF_OF_FIELDS, (o) => ({
      userId: o.text('userId'),
      identityStoreArn: o.text('identityStoreArn'),
    })),
    inScopeOf: part(u, 'inScopeOf', IN_SCOPE_OF_FIELDS, (o) => ({
      sourceArn: o.text('sourceArn'),
      sourceAccount: o.text('sourceAccount'),
      issuerType: o.text('issuerType'),
      credentialsIssuedTo: o.text('credentialsIssuedTo'),
    })),
    invokedByDelegate: part(u, 'invokedByDelegate', INVOKED_BY_DELEGATE_FIELDS, (d) => ({
      accountId: d.text('accountId'),
    })),
    // Last: it also collects the misfits of the fields read above.
    otherFields: u.others(IDENTITY_FIELDS),
  };
}

/**
 * Resources that do not fit the three Avro fields (AWS documents `ARNPrefix` in place of `ARN` for
 * some services) are mapped as far as they go, and the whole array is also kept in otherFields.
 */
function resources(v: unknown, record: MemberReader): Resource[] | null {
  if (!present(v)) {
    return null;
  }
  if (!Array.isArray(v)) {
    return record.misfit('resources', v);
  }
  let fits = true;
  const out: Resource[] = [];
  for (const item of v) {
    if (!isObject(item)) {
      fits = false;
      continue;
    }
    const r = new MemberReader(item);
    out.push({ ARN: r.text('ARN'), accountId: r.text('accountId'), type: r.text('type') });
    fits &&= r.fits(RESOURCE_FIELDS);
  }
  if (!fits) {
    record.misfit('resources', v);
  }
  return out;
}

function tlsDetails(v: unknown, record: MemberReader): TlsDetails | null {
  if (!present(v)) {
    return null;
  }
  if (!isObject(v)) {
    return record.misfit('tlsDetails', v);
  }
  const t = new MemberReader(v);
  const out: TlsDetails = {
    tlsVersion: t.text('tlsVersion'),
    cipherSuite: t.text('cipherSuite'),
    clientProvidedHostHeader: t.text('clientProvidedHostHeader'),
    keyExchange: t.text('keyExchange'),
  };
  if (!t.fits(TLS_FIELDS)) {
    record.misfit('tlsDetails', v);
  }
  return out;
}

/** The ARN, else `type/name`, else whichever of the two there is. */
function principalOf(u: CloudTrailUserIdentity | null): string | null {
  if (!u) {
    return null;
  }
  if (u.arn) {
    return u.arn;
  }
  const name = u.userName || u.principalId || u.invokedBy || u.accountId || null;
  const type = u.type || null;
  return type && name ? `${type}/${name}` : (type ?? name);
}

function invalid(message: string, index: number, raw: Json): DecodeOutput<CloudTrailEvent> {
  return {
    ok: false,
    issue: { reason: 'RECORD_INVALID', message, position: index, payload: Buffer.from(JSON.stringify(raw)) },
  };
}

/** Maps one element of a log file's `Records` array (0-based `index`) to the Avro record. */
export function mapCloudTrailRecord(
  raw: Json,
  context: ObjectContext,
  index: number,
): DecodeOutput<CloudTrailEvent> {
  const eventTime = raw['eventTime'];
  if (typeof eventTime !== 'string' || !ISO_8601.test(eventTime)) {
    return invalid(`record ${index} has no eventTime in ISO 8601 with a time zone`, index, raw);
  }
  const eventTimeMillis = Date.parse(eventTime);
  if (Number.isNaN(eventTimeMillis)) {
    return invalid(`record ${index} has an eventTime that is not a date: ${eventTime}`, index, raw);
  }
  const eventID = raw['eventID'];
  // Version 1.0 records predate eventID: the User Guide's own 1.0 examples have none.
  const legacy = !present(eventID) && raw['eventVersion'] === '1.0';
  if (!legacy && (typeof eventID !== 'string' || eventID === '')) {
    return invalid(`record ${index} has no eventID`, index, raw);
  }

  const r = new MemberReader(raw);
  const identity = userIdentity(raw['userIdentity'], r);
  const value: CloudTrailEvent = {
    eventVersion: r.text('eventVersion'),
    userIdentity: identity,
    eventTime,
    eventSource: r.text('eventSource'),
    eventName: r.text('eventName'),
    awsRegion: r.text('awsRegion'),
    sourceIPAddress: r.text('sourceIPAddress'),
    userAgent: r.text('userAgent'),
    errorCode: r.text('errorCode'),
    errorMessage: r.text('errorMessage'),
    requestParameters: r.json('requestParameters'),
    responseElements: r.json('responseElements'),
    additionalEventData: r.json('additionalEventData'),
    requestID: r.text('requestID'),
    eventID: typeof eventID === 'string' ? eventID : null,
    readOnly: r.flag('readOnly'),
    resources: resources(raw['resources'], r),
    eventType: r.text('eventType'),
    apiVersion: r.text('apiVersion'),
    managementEvent: r.flag('managementEvent'),
    recipientAccountId: r.text('recipientAccountId'),
    sharedEventID: r.text('sharedEventID'),
    vpcEndpointId: r.text('vpcEndpointId'),
    eventCategory: r.text('eventCategory'),
    serviceEventDetails: r.json('serviceEventDetails'),
    tlsDetails: tlsDetails(raw['tlsDetails'], r),
    sessionCredentialFromConsole: r.text('sessionCredentialFromConsole'),
    edgeDeviceDetails: r.json('edgeDeviceDetails'),
    addendum: r.json('addendum'),
    vpcEndpointAccountId: r.text('vpcEndpointAccountId'),
    eventContext: r.json('eventContext'),
    // Last: it also collects the misfits of the fields read above.
    otherFields: r.others(RECORD_FIELDS),
    lake: {
      sourceBucket: context.bucket,
      sourceKey: context.key,
      recordIndex: index,
      eventTimeMillis,
      principal: principalOf(identity),
      isError: present(raw['errorCode']) || present(raw['errorMessage']),
      keyAccountId: context.keyInfo.accountId,
      keyRegion: context.keyInfo.region,
      eventDate: Math.floor(eventTimeMillis / 86_400_000),
    },
  };
  return { ok: true, value };
}
