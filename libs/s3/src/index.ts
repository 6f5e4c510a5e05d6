export { S3AdapterError, type S3ErrorCode } from './s3.errors';
export { S3Store, type ListedObject, type ObjectStream, type S3Settings } from './s3-store';
