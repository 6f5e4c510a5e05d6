import type { CloudTrailSessionContext, CloudTrailUserIdentity } from './avro-schemas';

type Json = Record<string, unknown>;

function dropNulls(o: object): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    if (v !== null) {
      out[k] = v;
    }
  }
  return out;
}

/** Copies `from`'s own members onto `to`, `__proto__` included as an own member (as JSON.parse makes it). */
function assignOwn(to: Json, from: Json): void {
  for (const k of Object.keys(from)) {
    Object.defineProperty(to, k, { value: from[k], writable: true, enumerable: true, configurable: true });
  }
}

function sessionContextAsWritten(s: CloudTrailSessionContext): Json {
  const { sessionIssuer, webIdFederationData, attributes, ...scalars } = s;
  const out = dropNulls(scalars);
  if (sessionIssuer) {
    out['sessionIssuer'] = dropNulls(sessionIssuer);
  }
  if (webIdFederationData) {
    const w = dropNulls({ federatedProvider: webIdFederationData.federatedProvider });
    if (webIdFederationData.attributes !== null) {
      w['attributes'] = JSON.parse(webIdFederationData.attributes) as unknown;
    }
    out['webIdFederationData'] = w;
  }
  if (attributes) {
    out['attributes'] = dropNulls(attributes);
  }
  return out;
}

/**
 * The userIdentity object as CloudTrail wrote it, rebuilt from the Avro record: typed parts, JSON
 * text parsed back, and `otherFields` (unknown members, and whole sub-objects that did not fit their
 * record) laid over them. Members written as JSON null come out absent. Reads both the current
 * record and the JSON text of sessionContext/onBehalfOf written by older schema versions.
 */
export function userIdentityAsWritten(u: CloudTrailUserIdentity): Json {
  const { sessionContext, onBehalfOf, inScopeOf, invokedByDelegate, otherFields, ...scalars } = u;
  const out = dropNulls(scalars);
  if (sessionContext !== null) {
    out['sessionContext'] =
      typeof sessionContext === 'string'
        ? (JSON.parse(sessionContext) as unknown)
        : sessionContextAsWritten(sessionContext);
  }
  if (onBehalfOf !== null) {
    out['onBehalfOf'] =
      typeof onBehalfOf === 'string' ? (JSON.parse(onBehalfOf) as unknown) : dropNulls(onBehalfOf);
  }
  if (inScopeOf) {
    out['inScopeOf'] = dropNulls(inScopeOf);
  }
  if (invokedByDelegate) {
    out['invokedByDelegate'] = dropNulls(invokedByDelegate);
  }
  if (otherFields) {
    assignOwn(out, JSON.parse(otherFields) as Json);
  }
  return out;
}
