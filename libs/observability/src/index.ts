export { createLogger, type Logger, type LoggerSettings } from './logger';
export {
  Counter,
  Gauge,
  Histogram,
  LabelCap,
  Registry,
  counter,
  createMetricsRegistry,
  gauge,
  histogram,
} from './metrics';
export { HealthRegistry, type CheckResult, type HealthCheck, type HealthReport } from './health';
export { ops, type OpsPluginOptions } from './ops.plugin';
export { buildOpsServer } from './ops-server';
export { closeAll, createShutdown, type Closer } from './shutdown';
