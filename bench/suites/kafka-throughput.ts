import { startLocalCluster } from '../../scripts/kafka/local-cluster.js';
import { consumerPerformance } from '../../scripts/kafka/perf-tool.js';
import { encodeEvent, topicNames, type LyapEvent } from '../../src/events/index.js';
import { ProcessorEngine, resolveProcessorConfig, startProcessor } from '../../src/processor/index.js';
import { interleave, simulateQuadraticRun } from '../../src/simulate/index.js';
import { KafkaBus, kafkaConfigFromEnv } from '../../src/transport/kafka/index.js';
import type { OutgoingMessage } from '../../src/transport/index.js';
import type { SuiteResult } from './types.js';

const SPECTRUM = [4, 2, 1, 0.5, 0.25, 0.1, -0.05, -0.3];

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
  const named = process.env['KAFKA_BROKERS'];
  const cluster = named === undefined || named === '' ? await startLocalCluster({ nodes: 1 }) : undefined;
  const bootstrap = cluster?.bootstrap ?? named ?? '';
  const config = kafkaConfigFromEnv({ ...process.env, KAFKA_BROKERS: bootstrap });
  const prefix = `bench-tp-${Date.now().toString(36)}.`;
  const topics = topicNames(prefix);
  const bus = new KafkaBus({ config, topics: { partitions: 4, topicPrefix: prefix } });
  try {
    const stepsPerRun = Math.max(1, Math.floor(params.events / params.runs / 2));
    const events = [
      ...interleave(
        Array.from({ length: params.runs }, (_, i) =>
          simulateQuadraticRun({
            runId: `bench-${i}`,
            spectrum: SPECTRUM,
            lr: 0.1 + (0.4 * i) / params.runs,
            steps: stepsPerRun,
            probeEvery: 5,
            kLyapunov: 2,
            kSharpness: 1,
            seed: i + 1,
          }),
        ),
        3,
      ),
    ] as LyapEvent[];
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const e of events) {
      const topic =
        e.type === 'run' ? topics.runs : e.type === 'gradient' ? topics.gradients : topics.trajectory;
      let list = byTopic.get(topic);
      if (list === undefined) byTopic.set(topic, (list = []));
      list.push({ key: e.runId, value: encodeEvent(e) });
    }
    const produceStart = performance.now();
    for (const [topic, messages] of byTopic) {
      for (let i = 0; i < messages.length; i += 2_000) await bus.publish(topic, messages.slice(i, i + 2_000));
    }
    const produceSeconds = (performance.now() - produceStart) / 1000;
    const expected = expectedEstimates(events);
    const bytes = [...byTopic.values()].flat().reduce((n, m) => n + m.value.length, 0);

    // Kafka's own consumer over the two step topics.
    const gradients = byTopic.get(topics.gradients)?.length ?? 0;
    const trajectories = byTopic.get(topics.trajectory)?.length ?? 0;
    const toolG = await consumerPerformance({ bootstrap, topic: topics.gradients, records: gradients });
    const toolT = await consumerPerformance({ bootstrap, topic: topics.trajectory, records: trajectories });
    const toolRate =
      (gradients + trajectories) /
      (gradients / toolG.fetchRecordsPerSec + trajectories / toolT.fetchRecordsPerSec);

    const withState = await pipelineRate(bus, prefix, 'auto', events.length, expected);
    const withoutState = await pipelineRate(bus, prefix, 'off', events.length, expected);
    const rows = [
      {
        measure: 'Kafka ConsumerPerformance, gradients (fetch rate)',
        'records/s': Math.round(toolG.fetchRecordsPerSec),
      },
      {
        measure: 'Kafka ConsumerPerformance, trajectory (fetch rate)',
        'records/s': Math.round(toolT.fetchRecordsPerSec),
      },
      { measure: 'Kafka ConsumerPerformance, both topics', 'records/s': Math.round(toolRate) },
      {
        measure: 'processor end to end, state snapshots on (lyap process)',
        'records/s': Math.round(withState),
      },
      { measure: 'processor end to end, state snapshots off', 'records/s': Math.round(withoutState) },
      {
        measure: 'ratio, snapshots on / broker tool (aim >= 0.5)',
        'records/s': Number((withState / toolRate).toFixed(3)),
      },
      {
        measure: 'ratio, snapshots off / broker tool',
        'records/s': Number((withoutState / toolRate).toFixed(3)),
      },
    ];
    return {
      suite: 'kafka-throughput',
      params: { events: events.length, runs: params.runs, partitions: 4, estimates: expected, bytes },
      rows,
      notes: [
        `${events.length} events (${(bytes / 1e6).toFixed(1)} MB) produced in ${produceSeconds.toFixed(1)} s through KafkaBus (acks=all, idempotent)`,
        `broker: ${cluster === undefined ? `KAFKA_BROKERS=${bootstrap}` : `local Kafka single node at ${bootstrap}`}; tool rates exclude its group join, the pipeline's are from its first event to its last estimate`,
      ],
    };
  } finally {
    await bus.close();
    await cluster?.stop();
  }
}

/** How many estimates the processor gives for these events: the same engine, in event time. */
function expectedEstimates(events: readonly LyapEvent[]): number {
  const engine = new ProcessorEngine(resolveProcessorConfig({}));
  for (const [i, e] of events.entries()) {
    const topic =
      e.type === 'run' ? 'lyap.runs' : e.type === 'gradient' ? 'lyap.gradients' : 'lyap.trajectory';
    engine.ingest({
      topic,
      partition: 0,
      offset: String(i),
      key: e.runId,
      value: encodeEvent(e),
      timestampMs: 0,
    });
  }
  engine.flush(engine.watermarkMs);
  return engine.stats.estimates;
}

async function pipelineRate(
  bus: KafkaBus,
  prefix: string,
  state: 'auto' | 'off',
  events: number,
  expected: number,
): Promise<number> {
  let first: number | undefined;
  let last = 0;
  const processor = startProcessor({
    bus,
    config: { topicPrefix: prefix, groupId: `bench-tp-${state}-${Date.now().toString(36)}` },
    fromBeginning: true,
    state,
    observer: {
      consumed: () => {
        first ??= performance.now();
      },
      record: () => {
        last = performance.now();
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
  return events / ((last - first) / 1000);
}
