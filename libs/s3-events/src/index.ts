export {
  decodeS3Key,
  parseS3Notification,
  type IgnoredEvent,
  type ObjectRef,
  type ParsedNotification,
} from './s3-notification.parser';
