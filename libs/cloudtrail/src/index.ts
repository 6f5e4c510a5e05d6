export { decodeCloudTrail } from './cloudtrail.decoder';
export { mapCloudTrailRecord } from './cloudtrail-record.mapper';
