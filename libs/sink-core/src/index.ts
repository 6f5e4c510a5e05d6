export { Sink, type SinkDeps, type SinkTopics } from './sink';
export { maintainPartitions, type RetentionSettings } from './rollup-maintenance';
