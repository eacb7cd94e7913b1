export {
  KafkaBus,
  type KafkaBusOptions,
  type KafkaConsumerSettings,
  type KafkaProducerSettings,
} from './kafka-bus.js';
export {
  DEFAULT_KAFKA_CLIENT_ID,
  KAFKA_ENV,
  kafkaConfigFromEnv,
  parseBrokerList,
  SASL_MECHANISMS,
  type KafkaConfig,
  type KafkaSaslConfig,
  type KafkaTlsConfig,
  type SaslMechanism,
} from './kafka-config.js';
export { kafkaClientOptions } from './kafka-client-options.js';
export { stderrLogger, type BusLogger, type LogLevelName, type LogRecord } from './kafka-logger.js';
export { jsonLinesLogger, levelOf, type JsonLinesLoggerOptions } from './json-lines-logger.js';
export { ensureTopics, type EnsureTopicsReport } from './ensure-topics.js';
export { readToEnd, type ReadToEndOptions } from './read-to-end.js';
export {
  DEFAULT_TOPIC_SETTINGS,
  designTopicSpecs,
  resolveTopicSettings,
  topicSpec,
  type TopicSettings,
  type TopicSpec,
} from './topic-specs.js';
export { BatchingProducer, type BatchingProducerOptions, type TopicBatch } from './batching-producer.js';
