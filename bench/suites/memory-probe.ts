// The memory suite's measuring process (bench/suites/memory.ts runs it in a fresh
// `node --expose-gc`): a processor engine, with the metrics `lyap process` attaches and state
// snapshots on, holding `runs` concurrent runs; heap and RSS after a full GC at each
// checkpoint, as one JSON line on stdout.
import { parseArgs } from 'node:util';
import { encodeEvent, topicForType, type LyapEvent } from '../../src/events/index.js';
import { LyapMetrics } from '../../src/metrics/index.js';
import { ProcessorEngine, resolveProcessorConfig, type SnapshotRecord } from '../../src/processor/index.js';
import { invalidKey } from '../../src/processor/stats.js';
import { simulateQuadraticRun } from '../../src/simulate/index.js';
import type { Checkpoint, ProbeReport } from './memory.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    checkpoints: { type: 'string', default: '25,100,200' },
    metrics: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const checkpoints = values.checkpoints.split(',').map(Number);
const steps = Math.max(...checkpoints);
const TEMPLATES = 10;
const PLACEHOLDER = '"runId":"template"';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

function measure(label: string, liveRuns: number, snapshotBytes?: number): Checkpoint {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  const c: Checkpoint = {
    label,
    liveRuns,
    heapUsedBytes: m.heapUsed,
    rssBytes: m.rss,
    externalBytes: m.external,
  };
  if (snapshotBytes !== undefined) c.snapshotBytes = snapshotBytes;
  return c;
}

// Ten simulated runs (8 parameters, a probe with k_L = 2 and k_S = 1 every 5 steps), encoded
// once with a placeholder id: run i sends template i % 10 under its own id, so what the
// process holds beyond the engine is these few strings.
const templates = Array.from({ length: TEMPLATES }, (_, t) => {
  const byStep: { topic: 'run' | 'gradient' | 'trajectory'; json: string }[][] = [];
  let start = '';
  for (const e of simulateQuadraticRun({
    runId: 'template',
    spectrum: [4, 2, 1, 0.5, 0.25, 0.1, -0.05, -0.3],
    lr: 0.1 + 0.04 * t,
    steps: steps + 1,
    probeEvery: 5,
    kLyapunov: 2,
    kSharpness: 1,
    seed: t + 1,
  }) as Iterable<LyapEvent>) {
    if (e.type === 'run' && e.phase === 'start') start = encodeEvent(e);
    else if (e.type === 'gradient' || e.type === 'trajectory')
      (byStep[e.step] ??= []).push({ topic: e.type, json: encodeEvent(e) });
  }
  return { start, byStep };
});

const config = resolveProcessorConfig({});
const metrics = values.metrics ? new LyapMetrics() : undefined;
const engine = new ProcessorEngine(config, metrics);
engine.enableSnapshots();
let offset = 0;
let nowMs = 1_700_000_000_000;
const send = (type: 'run' | 'gradient' | 'trajectory', runId: string, template: string): void => {
  engine.ingest(
    {
      topic: topicForType(type, engine.topics),
      partition: 0,
      offset: String(offset++),
      key: runId,
      value: template.replace(PLACEHOLDER, `"runId":"${runId}"`),
      timestampMs: nowMs,
    },
    nowMs,
  );
};
/** What the pipeline does after each delivery: outputs and snapshots handed on (here dropped). */
const drain = (keep?: SnapshotRecord[]): number => {
  engine.drain();
  const records = engine.drainSnapshots();
  keep?.push(...records);
  return records.reduce((n, s) => n + s.value.length, 0);
};
const sendStep = (step: number): void => {
  ids.forEach((id, i) => {
    for (const e of templates[i % TEMPLATES]?.byStep[step] ?? []) send(e.topic, id, e.json);
  });
};
const ids = Array.from({ length: runs }, (_, i) => `mem-run-${String(i).padStart(5, '0')}`);

const results: Checkpoint[] = [measure('empty engine', 0)];
ids.forEach((id, i) => {
  send('run', id, templates[i % TEMPLATES]?.start ?? '');
});
drain();
results.push(measure('runs started, no steps', engine.liveRuns));
for (let step = 0; step < steps; step++) {
  nowMs += 10;
  sendStep(step);
  const snapshotBytes = drain();
  if (checkpoints.includes(step + 1)) {
    results.push(measure(`${step + 1} steps a run`, engine.liveRuns, snapshotBytes / engine.liveRuns));
  }
}
// A rebalance: another engine reads the state topic (one live snapshot a run, as the next step
// leaves it) and holds every run in it as dormant until the run's next event, whichever
// partitions it was given.
results.push(takeOver(results.at(-1)?.heapUsedBytes ?? 0));
function takeOver(heapBefore: number): Checkpoint {
  const stateTopic: SnapshotRecord[] = [];
  nowMs += 10;
  sendStep(steps);
  drain(stateTopic);
  const takingOver = new ProcessorEngine(config);
  takingOver.enableSnapshots();
  const dormantRuns = stateTopic.length;
  takingOver.resetFromSnapshots(stateTopic.splice(0).map((r) => r.value));
  const c = measure(`another engine after a rebalance: ${dormantRuns} dormant runs`, takingOver.liveRuns);
  c.dormantRuns = dormantRuns;
  c.bytesPerDormantRun = (c.heapUsedBytes - heapBefore) / dormantRuns;
  return c;
}
// One run more than maxRuns is refused (dead-lettered as run-capacity), not held.
const capacityKey = invalidKey(engine.topics.runs, 'run-capacity');
for (let i = 0; i < 1_000; i++) send('run', `mem-extra-${i}`, templates[0]?.start ?? '');
drain();
const refused = engine.stats.invalid.get(capacityKey) ?? 0;
results.push(measure('1,000 more runs offered', engine.liveRuns));
// Idle runs expire after runTtlMs.
nowMs += config.runTtlMs;
engine.tick(nowMs);
drain();
results.push(measure(`after runTtlMs (${config.runTtlMs} ms) idle`, engine.liveRuns));
const report: ProbeReport = {
  runs,
  steps,
  maxRuns: config.maxRuns,
  metrics: values.metrics,
  refused,
  results,
};
process.stdout.write(JSON.stringify(report) + '\n');
