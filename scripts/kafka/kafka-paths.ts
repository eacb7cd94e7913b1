import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Kafka version the scripts run unless `KAFKA_VERSION` says otherwise; pom.xml has the same default. */
export const DEFAULT_KAFKA_VERSION = '4.4.0';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const KAFKA_CACHE_DIR = join(REPO_ROOT, '.cache', 'kafka');
export const POM_FILE = fileURLToPath(new URL('pom.xml', import.meta.url));
export const LOG4J2_CONFIG_FILE = fileURLToPath(new URL('log4j2.properties', import.meta.url));
/** Where `npm run kafka:start` keeps its broker: data, logs, pid and bootstrap address. */
export const RUN_DIR = join(KAFKA_CACHE_DIR, 'run');

export function kafkaVersion(env: NodeJS.ProcessEnv = process.env): string {
  const version = env['KAFKA_VERSION'] ?? DEFAULT_KAFKA_VERSION;
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`KAFKA_VERSION ${version} is not a x.y.z version`);
  return version;
}

export function kafkaLibDir(version: string): string {
  return join(KAFKA_CACHE_DIR, version, 'lib');
}
