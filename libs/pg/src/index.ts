export { AvroCopyTranscoder, MAX_TIME_MS, type EncodedRow, type TranscodedRow } from './avro-copy';
export { BulkInsert, type AfterInsert, type ColumnSpec, type InsertedRecord } from './bulk-insert';
export {
  CloudTrailEventsQueries,
  type CloudTrailFilter,
  type CloudTrailRow,
  type S3ObjectRow,
  type S3ObjectsFilter,
} from './cloudtrail-events.queries';
export { CloudTrailEventsRepository } from './cloudtrail-events.repository';
export { decodeCursor, encodeCursor } from './cursor';
export { DeadLettersRepository, type StoredDeadLetter } from './dead-letters.repository';
export { FlowRecordsQueries, type FlowFilter, type FlowRow } from './flow-records.queries';
export { KeysetList, KeysetQueries, type KeyColumn, type KeysetListOptions, type Page } from './keyset-list';
export { FlowRecordsRepository, TgwFlowRecordsRepository } from './flow-records.repository';
export { defaultMigrationsDir, migrate } from './migrate';
export {
  PARTITIONED_TABLES,
  PartitionManager,
  dayOf,
  daysOf,
  type DailyTable,
  type PartitionedTable,
} from './partitions';
export {
  SQL_IDENTIFIER,
  createPool,
  ping,
  withTransaction,
  type Pool,
  type PoolClient,
  type PoolSettings,
  type TransactionOptions,
} from './pool';
export {
  DeadLettersQueries,
  type DeadLetterCount,
  type DeadLetterFilter,
  type DeadLetterRow,
} from './dead-letters.queries';
export {
  CloudTrailInsightsQueries,
  type InsightFilter,
  type InsightRow,
} from './cloudtrail-insights.queries';
export { CloudTrailInsightsRepository } from './cloudtrail-insights.repository';
export {
  DigestChecksQueries,
  DigestChecksRepository,
  type DigestCheckFilter,
  type DigestCheckRow,
} from './digest-checks.repository';
export {
  ApiKeysRepository,
  type ApiKeyCheck,
  type ApiKeyInfo,
  type ApiKeyRefusal,
  type CreatedApiKey,
} from './api-keys.repository';
export { streamQuery, type RowStream, type StreamQueryOptions } from './stream-query';
export {
  BackfillRunsRepository,
  NotifierObjectsRepository,
  objectTag,
  type BackfillProgress,
  type BackfillRun,
  type ObjectRecord,
  type PublishOnceResult,
} from './notifier-objects.repository';
export {
  CLOUDTRAIL_ROLLUPS,
  FLOW_ROLLUPS,
  GRANULARITY_MS,
  ROLLUP_GRANULARITY,
  ROLLUP_TABLES,
  rollupRelation,
  rollupUpsertSql,
  type Granularity,
  type RollupDef,
  type RollupTable,
} from './rollups';
export {
  cloudTrailRollupsAfterInsert,
  ensureCloudTrailRollupPartitions,
  foldPendingRollups,
  pendingFlowRows,
  type FoldResult,
  recordRollupCoverage,
} from './rollups.repository';
export {
  ADMIN_PORTS,
  FLOW_VIEWS,
  FlowAnalyticsQueries,
  LABEL_KINDS,
  SPLITS,
  type Answer,
  type FlowScope,
  type FlowView,
  type LabelKind,
  type Measures,
  type RankBy,
  type Split,
} from './flow-analytics.queries';
export {
  CLOUDTRAIL_AGGREGATE_KEYS,
  CloudTrailAggregatesQueries,
  type CloudTrailAggregateKey,
  type CloudTrailScope,
} from './cloudtrail-aggregates.queries';
export { RollupSourcePicker, type SourceChoice } from './rollup-source';
export {
  Ec2ContextRepository,
  interfaceAddresses,
  type NetworkInterfaceDoc,
  type SecurityGroupDoc,
} from './ec2-context.repository';
export {
  BLOCK_DAYS,
  BLOCKED_ROLLUPS,
  DAY_COUNTS_TABLE,
  blockTableOf,
  compactRollupBlocks,
  planRankedLists,
  type CompactOptions,
  type RankedList,
} from './rollup-blocks';
export {
  CLOUDTRAIL_EVENT_COLUMNS,
  CLOUDTRAIL_INSIGHT_COLUMNS,
  cloudTrailEventRecord,
  cloudTrailInsightRecord,
  type CloudTrailRecord,
} from './cloudtrail-records';
export {
  CursorError,
  PgSetupError,
  SourceError,
  type PgQueryErrorCode,
  type PgSetupErrorCode,
} from './pg.errors';
