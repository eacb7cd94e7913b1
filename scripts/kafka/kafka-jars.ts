import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaLibDir, POM_FILE } from './kafka-paths.js';

function hasJars(libDir: string, version: string): boolean {
  if (!existsSync(libDir)) return false;
  const jars = readdirSync(libDir);
  return (
    jars.includes(`kafka_2.13-${version}.jar`) &&
    jars.includes(`kafka-tools-${version}.jar`) &&
    jars.some((j) => j.startsWith('log4j-slf4j-impl-'))
  );
}

/**
 * The classpath of the Kafka broker and tools of `version`, fetched from Maven Central
 * by scripts/kafka/pom.xml into .cache/kafka/<version>/lib the first time.
 */
export function ensureKafkaJars(options: { version: string; log?: (line: string) => void }): string {
  const libDir = kafkaLibDir(options.version);
  if (!hasJars(libDir, options.version)) {
    options.log?.(`fetching Apache Kafka ${options.version} jars with Maven into ${libDir}`);
    const mvn = spawnSync(
      'mvn',
      ['-q', '-B', '-f', POM_FILE, `-Dkafka.version=${options.version}`, 'dependency:copy-dependencies'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (mvn.error !== undefined)
      throw new Error(`cannot run mvn (is Maven installed?): ${mvn.error.message}`);
    if (mvn.status !== 0 || !hasJars(libDir, options.version)) {
      throw new Error(
        `mvn could not fetch Kafka ${options.version} (exit ${mvn.status}):\n${mvn.stdout}${mvn.stderr}`.trim(),
      );
    }
  }
  return join(libDir, '*');
}
