export { backfillRunId, runBackfill, type BackfillOptions, type BackfillResult } from './backfill';
export { listScope, listedRef, RateLimiter, type ListedPage, type ListingScope } from './listing';
export { Notifier, type NotificationQueue, type NotifierDeps, type NotifierSettings } from './notifier';
export { ObjectPublisher, toObjectEvent, type PublishSummary } from './object-publisher';
export { Reconciler, type ReconcileTarget, type ReconcilerSettings } from './reconciler';
export { RecordRetention, type RecordRetentionSettings } from './record-retention';
export {
  AWS_SNS_URL,
  CertificateSource,
  snsStringToSign,
  verifySnsMessage,
  type CertificateSourceSettings,
  type SnsMessage,
} from './sns-signature';
export { bearerMatches, webhookRoutes, type WebhookOptions } from './webhook.routes';
export { SnsSignatureError, type SnsSignatureCode } from './notifier.errors';
