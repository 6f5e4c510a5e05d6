export {
  decodeS3Key,
  parseS3Notification,
  parseS3NotificationValue,
  type ObjectSource,
  type IgnoredEvent,
  type ObjectRef,
  type ParsedNotification,
} from './s3-notification.parser';
