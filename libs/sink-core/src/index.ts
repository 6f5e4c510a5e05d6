export { Sink, type SinkDeps, type SinkTopics } from './sink';
