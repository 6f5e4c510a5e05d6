import type { CloudTrailInsight, DecodeOutput, InsightAverage, ObjectContext } from '@lake/schemas';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | null =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

const TOP = new Set([
  'eventVersion',
  'eventTime',
  'awsRegion',
  'eventID',
  'eventType',
  'recipientAccountId',
  'sharedEventID',
  'eventCategory',
  'insightDetails',
]);
const DETAILS = new Set(['state', 'eventSource', 'eventName', 'insightType', 'errorCode', 'insightContext']);

function rest(obj: Json, known: Set<string>): string | null {
  let out: Json | null = null;
  for (const [k, v] of Object.entries(obj)) {
    if (!known.has(k)) {
      (out ??= {})[k] = v;
    }
  }
  return out ? JSON.stringify(out) : null;
}

function averages(v: unknown): InsightAverage[] | null {
  return Array.isArray(v)
    ? v.filter(isObject).map((a) => ({ value: text(a['value']), average: num(a['average']) }))
    : null;
}

function invalid(message: string, index: number, raw: Json): DecodeOutput<CloudTrailInsight> {
  return {
    ok: false,
    issue: { reason: 'RECORD_INVALID', message, position: index, payload: Buffer.from(JSON.stringify(raw)) },
  };
}

/**
 * Maps one Insights record (CloudTrail User Guide, "CloudTrail Insights events": `insightDetails`
 * with state Start/End, the API, the insight type and `insightContext` statistics and
 * attributions). Start and End of one insight share `sharedEventID`.
 */
export function mapInsightRecord(
  raw: Json,
  context: ObjectContext,
  index: number,
): DecodeOutput<CloudTrailInsight> {
  const eventTime = raw['eventTime'];
  if (typeof eventTime !== 'string' || !ISO_8601.test(eventTime) || Number.isNaN(Date.parse(eventTime))) {
    return invalid(`record ${index} has no eventTime in ISO 8601 with a time zone`, index, raw);
  }
  const eventID = raw['eventID'];
  if (typeof eventID !== 'string' || eventID === '') {
    return invalid(`record ${index} has no eventID`, index, raw);
  }
  const details = raw['insightDetails'];
  if (!isObject(details)) {
    return invalid(`record ${index} has no insightDetails: not an Insights event`, index, raw);
  }
  const context_ = isObject(details['insightContext']) ? details['insightContext'] : {};
  const stats = isObject(context_['statistics']) ? context_['statistics'] : {};
  const baseline = isObject(stats['baseline']) ? stats['baseline'] : {};
  const insight = isObject(stats['insight']) ? stats['insight'] : {};
  const attributions = Array.isArray(context_['attributions'])
    ? context_['attributions'].filter(isObject).map((a) => ({
        attribute: text(a['attribute']),
        insight: averages(a['insight']),
        baseline: averages(a['baseline']),
      }))
    : null;
  const contextRest = rest(context_, new Set(['statistics', 'attributions']));
  const detailsRest = rest(details, DETAILS);
  const otherDetails =
    contextRest === null && detailsRest === null
      ? null
      : JSON.stringify({
          ...(detailsRest ? (JSON.parse(detailsRest) as Json) : {}),
          ...(contextRest ? { insightContext: JSON.parse(contextRest) as Json } : {}),
        });
  return {
    ok: true,
    value: {
      eventVersion: text(raw['eventVersion']),
      eventTime,
      awsRegion: text(raw['awsRegion']),
      eventID,
      eventType: text(raw['eventType']),
      recipientAccountId: text(raw['recipientAccountId']),
      sharedEventID: text(raw['sharedEventID']),
      eventCategory: text(raw['eventCategory']),
      insightDetails: {
        state: text(details['state']),
        eventSource: text(details['eventSource']),
        eventName: text(details['eventName']),
        insightType: text(details['insightType']),
        errorCode: text(details['errorCode']),
        baselineAverage: num(baseline['average']),
        insightAverage: num(insight['average']),
        insightDuration: num(stats['insightDuration']),
        baselineDuration: num(stats['baselineDuration']),
        attributions,
        otherFields: otherDetails,
      },
      otherFields: rest(raw, TOP),
      lake: {
        sourceBucket: context.bucket,
        sourceKey: context.key,
        recordIndex: index,
        eventTimeMillis: Date.parse(eventTime),
        keyAccountId: context.keyInfo.accountId,
        keyRegion: context.keyInfo.region,
      },
    },
  };
}
