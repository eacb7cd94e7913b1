import {
  jsonLinesLogger,
  KafkaBus,
  kafkaConfigFromEnv,
  type BusLogger,
  type KafkaConfig,
} from '../transport/kafka/index.js';
import type { TrainingSessionOptions } from '../trainer/index.js';

/**
 * How to reach Kafka from `--brokers` (or KAFKA_BROKERS) and the KAFKA_* environment
 * (docs/kafka.md), and a logger that writes the client's records as JSON lines like the
 * process's own, under its `role`: what a process's KafkaBus is built from, and the trainer's
 * command intake thread too (its client's records come back to the same logger).
 */
export function kafkaSettingsFromFlags(
  brokers: string | undefined,
  role: string,
  env: NodeJS.ProcessEnv = process.env,
): { config: KafkaConfig; logger: BusLogger } {
  const config = kafkaConfigFromEnv(brokers === undefined ? env : { ...env, KAFKA_BROKERS: brokers });
  return { config, logger: jsonLinesLogger({ role }) };
}

/** A KafkaBus from `kafkaSettingsFromFlags`. */
export function kafkaBusFromFlags(
  brokers: string | undefined,
  role: string,
  env: NodeJS.ProcessEnv = process.env,
): KafkaBus {
  return new KafkaBus(kafkaSettingsFromFlags(brokers, role, env));
}

/**
 * The trainer's command intake thread over the same settings (`TrainingSessionOptions.
 * commandThread`): a Kafka client of its own, its records back through the same logger.
 */
export function commandThreadFrom(settings: {
  config: KafkaConfig;
  logger: BusLogger;
}): NonNullable<TrainingSessionOptions['commandThread']> {
  return { kafka: { config: settings.config }, kafkaLogger: settings.logger };
}
