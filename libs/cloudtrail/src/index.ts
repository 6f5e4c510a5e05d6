export { createCloudTrailDecoder, decodeCloudTrail, type RecordMapper } from './cloudtrail.decoder';
export { mapCloudTrailRecord } from './cloudtrail-record.mapper';
export { mapInsightRecord } from './cloudtrail-insight.mapper';
export {
  digestSigningString,
  parseDigest,
  sha256Hex,
  verifyDigestSignature,
  type CloudTrailDigest,
  type DigestLogFile,
} from './cloudtrail-digest';
export { CloudTrailFormatError, type CloudTrailErrorCode } from './cloudtrail.errors';
