import { jsonLinesLogger, KafkaBus, kafkaConfigFromEnv } from '../transport/kafka/index.js';

/**
 * A KafkaBus from `--brokers` (or KAFKA_BROKERS) and the KAFKA_* environment (docs/kafka.md),
 * whose client logs are JSON lines like the process's own, under its `role`.
 */
export function kafkaBusFromFlags(
  brokers: string | undefined,
  role: string,
  env: NodeJS.ProcessEnv = process.env,
): KafkaBus {
  const config = kafkaConfigFromEnv(brokers === undefined ? env : { ...env, KAFKA_BROKERS: brokers });
  return new KafkaBus({ config, logger: jsonLinesLogger({ role }) });
}
