export { SqsQueue, ensureQueue, type ReceivedMessage, type SqsSettings } from './sqs-queue';
export { SqsAdapterError, type SqsErrorCode } from './sqs.errors';
