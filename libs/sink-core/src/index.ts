export { Sink, type SinkDeps, type SinkTopics } from './sink';
export {
  RollupFolder,
  maintainPartitions,
  maintainRollupBlocks,
  type RetentionSettings,
} from './rollup-maintenance';
export { SinkError, type SinkErrorCode } from './sink.errors';
