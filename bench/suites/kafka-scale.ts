import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import kafkajs from 'kafkajs';
import { startLocalCluster } from '../../scripts/kafka/local-cluster.js';
import { producerPerformance } from '../../scripts/kafka/perf-tool.js';
import { topicNames } from '../../src/events/index.js';
import { KafkaBus, kafkaConfigFromEnv } from '../../src/transport/kafka/index.js';
import { consumerBaseline, estimatesOf, produceEvents, trainerEvents } from './kafka-events.js';
import type { SuiteResult } from './types.js';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100;
const SAMPLE_MS = 250;
const JOIN_DELAY_MS = 10_000;

interface Engine {
  child: ChildProcess;
  metricsUrl: string;
  stderr: () => string;
}

interface Sample {
  atMs: number;
  /** Events each engine has consumed so far. */
  consumed: number[];
  /** CPU seconds each engine, then the broker, has used so far. */
  cpuSeconds: number[];
  members: number;
}

export interface ScaleMeasure {
  engines: number;
  eventsPerSecond: number;
  /** Events per CPU second of the engines: the rate one fully used core would give. */
  eventsPerEngineCpuSecond: number;
  /** The broker JVM's CPU seconds per million events read. */
  brokerCpuSecondsPerMillion: number;
  windowSeconds: number;
  windowEvents: number;
  load1: number;
}

/**
 * Scale-out over a real broker: the same topics (filled once) read by 1, then 2, … `lyap
 * process` in one consumer group (each a new group, from the beginning). The rate is taken in
 * the window in which every engine is busy: from the first sample after the group is stable
 * with all its members (the start-up rebalance excluded, as ConsumerPerformance's group join
 * is) to the first sample at which some engine has read 90% of what it reads in all. CPU time
 * of each engine and of the broker over the same window, from /proc. Baselines in the same
 * run: ConsumerPerformance on the same topics, ProducerPerformance at the events' mean size.
 */
export async function kafkaScaleSuite(params: {
  events: number;
  runs: number;
  partitions: number;
  engines: readonly number[];
  repeat: number;
}): Promise<SuiteResult> {
  // A new group's first rebalance waits this long for more members (extended by each joiner): all
  // engines join the first generation and start reading together, instead of the first one
  // reading alone until the others' rebalance completes.
  const cluster = await startLocalCluster({
    nodes: 1,
    extraProperties: { 'group.initial.rebalance.delay.ms': JOIN_DELAY_MS },
  });
  const bootstrap = cluster.bootstrap;
  const brokerPid = cluster.nodes[0]?.pid;
  const config = kafkaConfigFromEnv({ ...process.env, KAFKA_BROKERS: bootstrap });
  const prefix = `bench-scale-${Date.now().toString(36)}.`;
  const topics = topicNames(prefix);
  const bus = new KafkaBus({ config, topics: { partitions: params.partitions, topicPrefix: prefix } });
  const admin = new kafkajs.Kafka({ brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING }).admin();
  try {
    await bus.ensureTopics(Object.values(topics));
    await bus.ensureTopics([`${prefix}perf`]);
    await admin.connect();
    const events = trainerEvents(params);
    const produced = await produceEvents(bus, topics, events);
    const tool = await consumerBaseline(bootstrap, topics, produced);
    const meanBytes = Math.round(produced.bytes / events.length);
    const estimates = estimatesOf(events);
    const producer = await producerPerformance({
      bootstrap,
      topic: `${prefix}perf`,
      records: 200_000,
      recordBytes: meanBytes,
    });
    const measures: ScaleMeasure[] = [];
    for (let r = 0; r < params.repeat; r++) {
      for (const n of params.engines) {
        measures.push(await measure({ n, bootstrap, prefix, admin, events: events.length, brokerPid }));
      }
    }
    const best = (n: number): ScaleMeasure | undefined =>
      measures.filter((m) => m.engines === n).sort((a, b) => b.eventsPerSecond - a.eventsPerSecond)[0];
    const one = best(1);
    const rows: Record<string, number | string>[] = [
      {
        measure: 'Kafka ConsumerPerformance, both step topics',
        'events/s': Math.round(tool.both),
        load1: '',
      },
      {
        measure: `Kafka ProducerPerformance, ${meanBytes}-byte records, acks=all`,
        'events/s': Math.round(producer.recordsPerSec),
        load1: '',
      },
      ...measures.map((m) => ({
        measure: `${m.engines} x lyap process, one group`,
        'events/s': Math.round(m.eventsPerSecond),
        'ratio to ConsumerPerformance': Number((m.eventsPerSecond / tool.both).toFixed(3)),
        'events per engine CPU s': Math.round(m.eventsPerEngineCpuSecond),
        'broker CPU s per 1M events': Number(m.brokerCpuSecondsPerMillion.toFixed(1)),
        'window s': Number(m.windowSeconds.toFixed(1)),
        load1: Number(m.load1.toFixed(2)),
      })),
      ...params.engines
        .filter((n) => n > 1)
        .map((n) => ({
          measure: `ratio, best of ${n} engines / best of 1 (aim for 2: >= 1.6)`,
          'events/s': Number(((best(n)?.eventsPerSecond ?? 0) / (one?.eventsPerSecond ?? 1)).toFixed(3)),
          load1: '',
        })),
    ];
    return {
      suite: 'kafka-scale',
      params: {
        events: events.length,
        runs: params.runs,
        partitions: params.partitions,
        bytes: produced.bytes,
        meanEventBytes: meanBytes,
        estimates: estimates.count,
        meanEstimateBytes: Math.round(estimates.bytes / estimates.count),
        repeat: params.repeat,
      },
      rows,
      notes: [
        `${events.length} events (${(produced.bytes / 1e6).toFixed(1)} MB, ${meanBytes} bytes each on average; ${params.partitions} partitions a topic) give ${estimates.count} estimates of ${Math.round(estimates.bytes / estimates.count)} bytes on average; produced in ${produced.seconds.toFixed(1)} s through KafkaBus`,
        `local Kafka single node at ${bootstrap}; engines: \`lyap process\` (tsx) in one new consumer group per measure, reading from the beginning`,
        `rates over the window in which every engine is busy; load1: the 1-minute load average at the window's end (this machine has ${cpus().length} cores)`,
      ],
    };
  } finally {
    await admin.disconnect();
    await bus.close();
    await cluster.stop();
  }
}

async function measure(options: {
  n: number;
  bootstrap: string;
  prefix: string;
  admin: kafkajs.Admin;
  events: number;
  brokerPid: number | undefined;
}): Promise<ScaleMeasure> {
  const { n, bootstrap, prefix, admin, events, brokerPid } = options;
  const group = `bench-scale-${n}-${Date.now().toString(36)}`;
  const engines = await Promise.all(
    Array.from({ length: n }, () =>
      startEngine(['--brokers', bootstrap, '--topic-prefix', prefix, '--group-id', group]),
    ),
  );
  const samples: Sample[] = [];
  try {
    const deadline = Date.now() + 600_000;
    let still = 0;
    for (;;) {
      const consumed = await Promise.all(
        engines.map((e) =>
          consumedBy(e.metricsUrl).catch((error: unknown) => {
            throw new Error(
              `lyap process (exit ${String(e.child.exitCode)}) gave no metrics: ${String(error)}\n${e.stderr().slice(-3000)}`,
            );
          }),
        ),
      );
      const { groups } = await admin.describeGroups([group]);
      const g = groups[0];
      samples.push({
        atMs: performance.now(),
        consumed,
        cpuSeconds: [...engines.map((e) => cpuSecondsOf(e.child.pid)), cpuSecondsOf(brokerPid)],
        members: g?.state === 'Stable' ? g.members.length : 0,
      });
      const total = consumed.reduce((a, b) => a + b, 0);
      const before = samples.at(-2)?.consumed.reduce((a, b) => a + b, 0);
      still = before === total ? still + 1 : 0;
      // Done: every event read (the run topic's too), or nothing more for two seconds.
      if (total >= events || (total > 0 && still * SAMPLE_MS >= 2_000)) break;
      if (Date.now() > deadline)
        throw new Error(`${n} engines read ${total} of ${events} events in 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  } finally {
    for (const e of engines) e.child.kill('SIGTERM');
    await Promise.all(
      engines.map((e) =>
        e.child.exitCode !== null || e.child.signalCode !== null
          ? Promise.resolve()
          : new Promise((resolve) => e.child.once('close', resolve)),
      ),
    );
  }
  return windowRate(n, samples);
}

function windowRate(n: number, samples: readonly Sample[]): ScaleMeasure {
  const last = samples.at(-1);
  if (last === undefined) throw new Error('no samples');
  const finals = last.consumed;
  const stable = samples.findIndex((s) => s.members === n);
  if (stable < 0) throw new Error(`the group never had ${n} stable members`);
  // From the sample after the group settled, once every engine has read something since.
  const base = samples[stable];
  const start = samples.findIndex(
    (s, i) => i > stable && base !== undefined && s.consumed.every((c, j) => c > (base.consumed[j] ?? 0)),
  );
  const end = samples.findIndex(
    (s, i) => i > start && s.consumed.some((c, j) => c >= 0.9 * (finals[j] ?? 0)),
  );
  const a = samples[start];
  const b = samples[end];
  if (start < 0 || end < 0 || a === undefined || b === undefined) {
    const trace = samples.map((s) => `${s.members}:${s.consumed.join('/')}`).join(' ');
    throw new Error(`${n} engines: no window in which all were busy (members:consumed per sample: ${trace})`);
  }
  const seconds = (b.atMs - a.atMs) / 1000;
  const windowEvents = b.consumed.reduce((x, y) => x + y, 0) - a.consumed.reduce((x, y) => x + y, 0);
  const cpu = (s: Sample, j: number): number => s.cpuSeconds[j] ?? 0;
  const engineCpu = Array.from({ length: n }, (_, j) => cpu(b, j) - cpu(a, j)).reduce((x, y) => x + y, 0);
  const brokerCpu = cpu(b, n) - cpu(a, n);
  return {
    engines: n,
    eventsPerSecond: windowEvents / seconds,
    eventsPerEngineCpuSecond: windowEvents / engineCpu,
    brokerCpuSecondsPerMillion: (brokerCpu / windowEvents) * 1e6,
    windowSeconds: seconds,
    windowEvents,
    load1: loadavg()[0] ?? 0,
  };
}

/** A `lyap process` (from the sources, as the tests run it) with its metrics on a free port. */
async function startEngine(args: readonly string[]): Promise<Engine> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/run.ts', 'process', ...args, '--metrics-port', '0'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    if (stderr.length < 100_000) stderr += s;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const match = /"metricsUrl":"([^"]+)"/.exec(stderr);
    if (match?.[1] !== undefined) return { child, metricsUrl: match[1], stderr: () => stderr };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`lyap process did not start:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The sum of `lyap_events_total` over its topics, from the engine's /metrics (tried thrice: a loaded machine resets some). */
async function consumedBy(metricsUrl: string, attempt = 1): Promise<number> {
  let body: string;
  try {
    body = await (await fetch(`${metricsUrl}/metrics`)).text();
  } catch (error) {
    if (attempt >= 3) throw error;
    await new Promise((resolve) => setTimeout(resolve, 100));
    return consumedBy(metricsUrl, attempt + 1);
  }
  let total = 0;
  for (const line of body.split('\n')) {
    if (line.startsWith('lyap_events_total{')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** User + system CPU seconds of a process so far (0 when it is gone). */
function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}
