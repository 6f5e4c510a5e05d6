export { classifyKey, parseCompactTime, type ObjectKeyInfo } from './object-key';
export { dayPrefixes, daysBetween, keyDate } from './key-dates';
export {
  LOG_KINDS,
  routeObject,
  type RouteDecision,
  type RoutingRules,
  type SkipReason,
} from './object-routing';
export { ObjectKeysError, type ObjectKeysErrorCode } from './object-keys.errors';
