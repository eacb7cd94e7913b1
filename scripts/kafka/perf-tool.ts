import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureKafkaJars } from './kafka-jars.js';
import { kafkaVersion, LOG4J2_CONFIG_FILE } from './kafka-paths.js';

/** What Kafka's own ConsumerPerformance measured (its CSV line). */
export interface ConsumerPerfResult {
  readonly records: number;
  readonly megabytes: number;
  readonly recordsPerSec: number;
  readonly megabytesPerSec: number;
  /** Excluding the group join: records over the fetch time alone. */
  readonly fetchRecordsPerSec: number;
  readonly rebalanceMs: number;
  readonly output: string;
}

export interface ProducerPerfResult {
  readonly records: number;
  readonly recordsPerSec: number;
  readonly megabytesPerSec: number;
  readonly avgLatencyMs: number;
  readonly output: string;
}

const atLeast = (version: string, major: number, minor: number): boolean => {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
};

function runTool(mainClass: string, args: readonly string[], version: string): Promise<string> {
  const classpath = ensureKafkaJars({ version });
  const logs = mkdtempSync(join(tmpdir(), 'lyap-kafka-perf-'));
  const java = process.env['JAVA_HOME'] ? join(process.env['JAVA_HOME'], 'bin', 'java') : 'java';
  return new Promise((resolve, reject) => {
    const child = spawn(
      java,
      [
        '-Xmx512m',
        `-Dlog4j2.configurationFile=${LOG4J2_CONFIG_FILE}`,
        `-Dkafka.logs.dir=${logs}`,
        '-cp',
        classpath,
        mainClass,
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.once('error', reject);
    child.once('close', (code) => {
      rmSync(logs, { recursive: true, force: true });
      if (code === 0) resolve(out);
      else reject(new Error(`${mainClass} exited with ${code}:\n${out}`));
    });
  });
}

/**
 * Kafka's consumer perf tool (`kafka-consumer-perf-test`) from the same jars as the local
 * broker: reads `records` records of `topic` in a new group and reports its rates. The
 * yardstick for the pipeline's end-to-end throughput.
 */
export async function consumerPerformance(options: {
  bootstrap: string;
  topic: string;
  records: number;
  version?: string;
}): Promise<ConsumerPerfResult> {
  const version = options.version ?? kafkaVersion();
  const count = atLeast(version, 4, 2) ? '--num-records' : '--messages';
  const output = await runTool(
    'org.apache.kafka.tools.ConsumerPerformance',
    [
      '--bootstrap-server',
      options.bootstrap,
      '--topic',
      options.topic,
      count,
      String(options.records),
      '--timeout',
      '60000',
    ],
    version,
  );
  const line = output
    .split('\n')
    .map((l) => l.split(',').map((f) => f.trim()))
    .find((fields) => fields.length >= 10 && /^\d{4}-/.test(fields[0] ?? ''));
  if (line === undefined) throw new Error(`no result line in ConsumerPerformance output:\n${output}`);
  const n = (i: number): number => Number(line[i]);
  return {
    megabytes: n(2),
    megabytesPerSec: n(3),
    records: n(4),
    recordsPerSec: n(5),
    rebalanceMs: n(6),
    fetchRecordsPerSec: n(9),
    output,
  };
}

/** Kafka's producer perf tool: `records` records of `recordBytes` bytes, unthrottled, acks=all. */
export async function producerPerformance(options: {
  bootstrap: string;
  topic: string;
  records: number;
  recordBytes: number;
  version?: string;
}): Promise<ProducerPerfResult> {
  const version = options.version ?? kafkaVersion();
  const props = atLeast(version, 4, 2) ? '--command-property' : '--producer-props';
  const output = await runTool(
    'org.apache.kafka.tools.ProducerPerformance',
    [
      '--bootstrap-server',
      options.bootstrap,
      '--topic',
      options.topic,
      '--num-records',
      String(options.records),
      '--record-size',
      String(options.recordBytes),
      '--throughput',
      '-1',
      props,
      'acks=all',
    ],
    version,
  );
  const summary =
    /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency/.exec(
      output.split('\n').reverse().join('\n'),
    );
  if (summary === null) throw new Error(`no summary in ProducerPerformance output:\n${output}`);
  return {
    records: Number(summary[1]),
    recordsPerSec: Number(summary[2]),
    megabytesPerSec: Number(summary[3]),
    avgLatencyMs: Number(summary[4]),
    output,
  };
}
