export { SqsQueue, ensureQueue, type ReceivedMessage, type SqsSettings } from './sqs-queue';
