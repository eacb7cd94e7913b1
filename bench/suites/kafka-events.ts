import { consumerPerformance } from '../../scripts/kafka/perf-tool.js';
import { encodeEvent, topicForType, type LyapEvent, type TopicNames } from '../../src/events/index.js';
import { ProcessorEngine, resolveProcessorConfig } from '../../src/processor/index.js';
import type { KafkaBus } from '../../src/transport/kafka/index.js';
import type { OutgoingMessage } from '../../src/transport/index.js';
import { trainerShapedEvents } from './trainer-shaped.js';

/**
 * The Kafka benches' input: about `events` trainer-shaped events of `runs` runs (per step a
 * gradient and a trajectory event, a probe with k_L = 2 and k_S = 1 every 5 steps), the runs
 * interleaved as concurrent trainers would write them.
 */
export function trainerEvents(params: { events: number; runs: number }): LyapEvent[] {
  const stepsPerRun = Math.max(1, Math.floor(params.events / params.runs / 2));
  return [...trainerShapedEvents({ runs: params.runs, steps: stepsPerRun, runIdPrefix: 'bench-' })];
}

export interface Produced {
  /** The messages put on each topic, in order. */
  byTopic: Map<string, OutgoingMessage[]>;
  seconds: number;
  bytes: number;
}

/** `events` encoded and put on their topics through `bus` (keyed by run id), 2,000 a publish. */
export async function produceEvents(
  bus: KafkaBus,
  topics: TopicNames,
  events: readonly LyapEvent[],
): Promise<Produced> {
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const e of events) {
    const topic = topicForType(e.type, topics);
    let list = byTopic.get(topic);
    if (list === undefined) byTopic.set(topic, (list = []));
    list.push({ key: e.runId, value: encodeEvent(e) });
  }
  const start = performance.now();
  for (const [topic, messages] of byTopic) {
    for (let i = 0; i < messages.length; i += 2_000) await bus.publish(topic, messages.slice(i, i + 2_000));
  }
  const seconds = (performance.now() - start) / 1000;
  const bytes = [...byTopic.values()].flat().reduce((n, m) => n + m.value.length, 0);
  return { byTopic, seconds, bytes };
}

/** How many estimates the processor gives for these events: the same engine, in event time. */
export function expectedEstimates(events: readonly LyapEvent[]): number {
  return estimatesOf(events).count;
}

/** The estimates the processor gives for these events (same engine, event time): count and encoded bytes. */
export function estimatesOf(events: readonly LyapEvent[]): { count: number; bytes: number } {
  const engine = new ProcessorEngine(resolveProcessorConfig({}));
  let bytes = 0;
  const drain = (): void => {
    for (const o of engine.drain()) if (o.event.type === 'estimate') bytes += encodeEvent(o.event).length;
  };
  for (const [i, e] of events.entries()) {
    engine.ingest({
      topic: topicForType(e.type, engine.topics),
      partition: 0,
      offset: String(i),
      key: e.runId,
      value: encodeEvent(e),
      timestampMs: 0,
    });
    if (i % 1_000 === 0) drain();
  }
  engine.flush(engine.watermarkMs);
  drain();
  return { count: engine.stats.estimates, bytes };
}

/**
 * Kafka's own ConsumerPerformance (the broker's jars) over the gradient and the trajectory
 * topic: its fetch rate (group join excluded), combined over the two topics as one reader
 * taking them one after the other would.
 */
export async function consumerBaseline(
  bootstrap: string,
  topics: TopicNames,
  produced: Produced,
): Promise<{ gradients: number; trajectory: number; both: number }> {
  const g = produced.byTopic.get(topics.gradients)?.length ?? 0;
  const t = produced.byTopic.get(topics.trajectory)?.length ?? 0;
  const toolG = await consumerPerformance({ bootstrap, topic: topics.gradients, records: g });
  const toolT = await consumerPerformance({ bootstrap, topic: topics.trajectory, records: t });
  return {
    gradients: toolG.fetchRecordsPerSec,
    trajectory: toolT.fetchRecordsPerSec,
    both: (g + t) / (g / toolG.fetchRecordsPerSec + t / toolT.fetchRecordsPerSec),
  };
}
