import { startLocalCluster } from '../../scripts/kafka/local-cluster.js';
import { runClosedLoop } from '../../src/loop/index.js';
import { KafkaBus, kafkaConfigFromEnv } from '../../src/transport/kafka/index.js';
import { createProblem, selectBackend } from '../../src/trainer/index.js';
import type { SuiteResult } from './types.js';

/**
 * Closed-loop latency over the MemoryBus, or over a real Kafka broker (`kafka`): from the estimate a command was based on (its ts)
 * to the first training step reporting the command applied (that gradient's ts). The loop
 * runs in one process: full-batch least squares on the cpu backend, probe every step, a
 * controller commanding every 5 steps (no deadband). Baseline in the same run: the mean
 * training step time, so the latency is also given in steps.
 */
export async function controlLoopSuite(params: { steps: number; kafka?: boolean }): Promise<SuiteResult> {
  const backend = await selectBackend({ requested: 'cpu' });
  // Over Kafka: the project's local single-node KRaft broker on loopback (scripts/kafka),
  // or the cluster named by KAFKA_BROKERS.
  const named = process.env['KAFKA_BROKERS'];
  const cluster =
    params.kafka === true && (named === undefined || named === '')
      ? await startLocalCluster({ nodes: 1 })
      : undefined;
  const bus =
    params.kafka === true
      ? new KafkaBus({
          config: kafkaConfigFromEnv({ ...process.env, KAFKA_BROKERS: cluster?.bootstrap ?? named }),
        })
      : undefined;
  const { dataset, model } = createProblem({
    dataset: 'least-squares',
    samples: 256,
    dim: 16,
    noise: 0.1,
    seed: 3,
  });
  const r = await runClosedLoop({
    ...(bus === undefined ? {} : { bus, topicPrefix: `bench-${Date.now().toString(36)}.` }),
    trainer: {
      runId: 'bench-loop',
      model,
      dataset,
      backend: backend.reportedName,
      lr: 0.05,
      batchSize: 256,
      steps: params.steps,
      seed: 1,
      probe: { every: 1, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
      lrBounds: { minLr: 1e-6, maxLr: 10 },
    },
    processor: { windowProbes: 5 },
    controller: { mode: 'control', cooldownSteps: 5, deadbandLog: 0, minWindow: 3, convergenceEstimates: 3 },
  }).finally(async () => {
    await bus?.close();
    await cluster?.stop();
  });
  const estimateTs = new Map(r.estimates.map((e) => [e.step, e.ts]));
  const latenciesMs: number[] = [];
  for (const c of r.commands) {
    const applied = r.gradients.find((g) => g.cmdSeq !== undefined && g.cmdSeq >= c.seq);
    const from = estimateTs.get(c.basedOnStep);
    if (applied !== undefined && from !== undefined) latenciesMs.push(applied.ts - from);
  }
  latenciesMs.sort((a, b) => a - b);
  const q = (p: number): number =>
    latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(p * latenciesMs.length))] ?? NaN;
  const stepMs =
    r.gradients.length < 2
      ? NaN
      : ((r.gradients.at(-1)?.ts ?? 0) - (r.gradients[0]?.ts ?? 0)) / (r.gradients.length - 1);
  const round = (x: number): number => Math.round(x * 100) / 100;
  return {
    suite: 'control-loop',
    params: {
      steps: params.steps,
      transport: 'MemoryBus',
      backend: backend.name,
      commands: r.commands.length,
    },
    rows: [
      { measure: 'closed-loop latency p50, ms', value: round(q(0.5)) },
      { measure: 'closed-loop latency p99, ms', value: round(q(0.99)) },
      { measure: 'mean training step (baseline), ms', value: round(stepMs) },
      { measure: 'p50 latency / step time', value: round(q(0.5) / stepMs) },
      { measure: 'p99 latency / step time', value: round(q(0.99) / stepMs) },
    ],
    notes: [`${latenciesMs.length} commands applied out of ${r.commands.length} published`],
  };
}
