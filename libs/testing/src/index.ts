export { freePort } from './free-port';
export { s3NotificationBody } from './s3-notifications';
export { ServiceProcess, type ServiceProcessOptions } from './service-process';
export { stackEndpoints, stackServiceEnv, type StackEndpoints } from './stack-endpoints';
export { uniqueNames } from './unique-names';
export { waitFor } from './wait-for';
export { PipelineHarness, type Uploaded } from './pipeline-harness';
export { flowParquet } from './flow-parquet';
export { createApiKey } from './api-keys';
export { createTestDatabase, type TestDatabase } from './test-database';
export {
  DATASET_START,
  cloudTrailDataset,
  cloudTrailEvent,
  flowDataset,
  flowRecord,
  migratedSchema,
  writeAsSink,
} from './analytics-dataset';
