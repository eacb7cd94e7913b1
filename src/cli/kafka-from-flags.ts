import { KafkaBus, kafkaConfigFromEnv } from '../transport/kafka/index.js';

/** A KafkaBus from `--brokers` (or KAFKA_BROKERS) and the KAFKA_* environment (docs/kafka.md). */
export function kafkaBusFromFlags(
  brokers: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): KafkaBus {
  const config = kafkaConfigFromEnv(brokers === undefined ? env : { ...env, KAFKA_BROKERS: brokers });
  return new KafkaBus({ config });
}
