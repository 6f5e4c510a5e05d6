import type { ObjectKind } from '@lake/schemas';
import { classifyKey, type ObjectKeyInfo } from './object-key';

/**
 * Which objects the notifier publishes. A prefix is a key prefix (`AWSLogs/123456789012/`) or,
 * written `s3://bucket/prefix`, a prefix in one bucket only.
 */
export interface RoutingRules {
  /** Kinds published; objects of other kinds are skipped. */
  kinds: readonly ObjectKind[];
  /** When not empty, only objects under one of these prefixes are published. */
  include: readonly string[];
  /** Objects under one of these prefixes are skipped (wins over include). */
  exclude: readonly string[];
}

export type SkipReason = 'excluded' | 'not-included' | 'kind';

export type RouteDecision =
  { publish: true; info: ObjectKeyInfo } | { publish: false; reason: SkipReason; info: ObjectKeyInfo };

/** The kinds the parsers read: every kind but OTHER. */
export const LOG_KINDS: readonly ObjectKind[] = [
  'VPCFLOWLOGS',
  'VPCFLOWLOGS_PARQUET',
  'CLOUDTRAIL',
  'CLOUDTRAIL_INSIGHT',
  'CLOUDTRAIL_DIGEST',
];

function matches(prefix: string, bucket: string, key: string): boolean {
  if (prefix.startsWith('s3://')) {
    const rest = prefix.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const b = slash < 0 ? rest : rest.slice(0, slash);
    const p = slash < 0 ? '' : rest.slice(slash + 1);
    return b === bucket && key.startsWith(p);
  }
  return key.startsWith(prefix);
}

export function routeObject(bucket: string, key: string, rules: RoutingRules): RouteDecision {
  const info = classifyKey(key);
  if (rules.exclude.some((p) => matches(p, bucket, key))) {
    return { publish: false, reason: 'excluded', info };
  }
  if (rules.include.length > 0 && !rules.include.some((p) => matches(p, bucket, key))) {
    return { publish: false, reason: 'not-included', info };
  }
  if (!rules.kinds.includes(info.kind)) {
    return { publish: false, reason: 'kind', info };
  }
  return { publish: true, info };
}
