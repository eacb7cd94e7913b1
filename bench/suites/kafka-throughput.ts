import { topicNames } from '../../src/events/index.js';
import { startProcessor } from '../../src/processor/index.js';
import { KafkaBus } from '../../src/transport/kafka/index.js';
import { benchBroker } from './bench-broker.js';
import { consumerBaseline, expectedEstimates, produceEvents, trainerEvents } from './kafka-events.js';
import type { SuiteResult } from './types.js';

/**
 * End-to-end throughput through a real broker: `events` trainer-shaped events (gradient +
 * trajectory per step, a probe with k_L = 2, k_S = 1 every 5 steps, `runs` runs) are put on
 * the topics first; then the processor (the `lyap process` pipeline: KafkaBus consumer
 * group, decode, join, estimates published, offsets committed, state snapshots on or off)
 * reads them, timed from its first event to its last estimate. Baseline in the same run:
 * Kafka's own ConsumerPerformance (same jars as the broker) reading the same two topics,
 * its fetch rate (group join excluded, as for the pipeline).
 */
export async function kafkaThroughputSuite(params: { events: number; runs: number }): Promise<SuiteResult> {
  const broker = await benchBroker();
  const { bootstrap } = broker;
  const prefix = `bench-tp-${Date.now().toString(36)}.`;
  const topics = topicNames(prefix);
  const bus = new KafkaBus({ config: broker.config, topics: { partitions: 4, topicPrefix: prefix } });
  try {
    const events = trainerEvents(params);
    const produced = await produceEvents(bus, topics, events);
    const expected = expectedEstimates(events);
    const tool = await consumerBaseline(bootstrap, topics, produced);

    const withState = await pipelineRate(bus, prefix, 'auto', events.length, expected);
    const withoutState = await pipelineRate(bus, prefix, 'off', events.length, expected);
    const rows = [
      {
        measure: 'Kafka ConsumerPerformance, gradients (fetch rate)',
        'records/s': Math.round(tool.gradients),
      },
      {
        measure: 'Kafka ConsumerPerformance, trajectory (fetch rate)',
        'records/s': Math.round(tool.trajectory),
      },
      { measure: 'Kafka ConsumerPerformance, both topics', 'records/s': Math.round(tool.both) },
      {
        measure: 'processor end to end, state snapshots on (lyap process)',
        'records/s': Math.round(withState.rate),
      },
      { measure: 'processor end to end, state snapshots off', 'records/s': Math.round(withoutState.rate) },
      {
        measure: 'ratio, snapshots on / broker tool (aim >= 0.5)',
        'records/s': Number((withState.rate / tool.both).toFixed(3)),
      },
      {
        measure: 'ratio, snapshots off / broker tool',
        'records/s': Number((withoutState.rate / tool.both).toFixed(3)),
      },
      {
        measure: 'processor CPU time / wall time, snapshots on (below 1: waiting, not computing)',
        'records/s': Number(withState.cpuShare.toFixed(3)),
      },
      {
        measure: 'processor CPU time / wall time, snapshots off',
        'records/s': Number(withoutState.cpuShare.toFixed(3)),
      },
    ];
    return {
      suite: 'kafka-throughput',
      params: {
        events: events.length,
        runs: params.runs,
        partitions: 4,
        estimates: expected,
        bytes: produced.bytes,
      },
      rows,
      notes: [
        `${events.length} events (${(produced.bytes / 1e6).toFixed(1)} MB) produced in ${produced.seconds.toFixed(1)} s through KafkaBus (acks=all, idempotent)`,
        `broker: ${broker.description}; tool rates exclude its group join, the pipeline's are from its first event to its last estimate`,
      ],
    };
  } finally {
    await bus.close();
    await broker.stop();
  }
}

async function pipelineRate(
  bus: KafkaBus,
  prefix: string,
  state: 'auto' | 'off',
  events: number,
  expected: number,
): Promise<{ rate: number; cpuShare: number }> {
  let first: number | undefined;
  let last = 0;
  let cpuFirst: NodeJS.CpuUsage | undefined;
  let cpuLast: NodeJS.CpuUsage | undefined;
  const processor = startProcessor({
    bus,
    config: { topicPrefix: prefix, groupId: `bench-tp-${state}-${Date.now().toString(36)}` },
    fromBeginning: true,
    state,
    observer: {
      consumed: () => {
        if (first !== undefined) return;
        first = performance.now();
        cpuFirst = process.cpuUsage();
      },
      record: () => {
        last = performance.now();
        cpuLast = process.cpuUsage();
      },
      invalid: () => undefined,
    },
  });
  const deadline = Date.now() + 600_000;
  while (processor.stats.estimates < expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  processor.stop();
  if (processor.stats.estimates < expected || first === undefined) {
    throw new Error(`the processor gave ${processor.stats.estimates} of ${expected} estimates in 10 minutes`);
  }
  const wallMs = last - first;
  const cpuMs =
    cpuFirst === undefined || cpuLast === undefined
      ? Number.NaN
      : (cpuLast.user + cpuLast.system - cpuFirst.user - cpuFirst.system) / 1000;
  return { rate: events / (wallMs / 1000), cpuShare: cpuMs / wallMs };
}
