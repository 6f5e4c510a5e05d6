import { Kafka, logLevel, type KafkaConfig, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** How long to keep retrying a connection before giving up (ms). */
  connectionTimeout?: number;
}

/** kafkajs log lines as pino lines, with kafkajs' own fields as data. */
function pinoLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      switch (level) {
        case logLevel.ERROR:
          child.error(extra, message);
          break;
        case logLevel.WARN:
          child.warn(extra, message);
          break;
        case logLevel.INFO:
          child.info(extra, message);
          break;
        case logLevel.DEBUG:
        case logLevel.NOTHING:
          child.debug(extra, message);
          break;
      }
    };
}

export function createKafka(settings: KafkaSettings): Kafka {
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: settings.connectionTimeout ?? 10_000,
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(settings.logger),
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 30_000 },
  };
  return new Kafka(config);
}
