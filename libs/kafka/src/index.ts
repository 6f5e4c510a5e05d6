export { createKafka, type KafkaSettings } from './kafka-client';
export {
  KafkaConsumer,
  type ConsumerSettings,
  type EachBatchPayload,
  type EachMessagePayload,
} from './consumer';
export { KafkaAdapterError } from './kafka.errors';
export { KafkaProducer, type OutgoingMessage, type ProducerSettings } from './producer';
export { ensureTopics, type TopicSpec } from './topics';
export type { Kafka } from 'kafkajs';
