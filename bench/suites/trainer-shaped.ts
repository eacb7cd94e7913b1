import type { LyapEvent } from '../../src/events/index.js';
import { interleave, simulateQuadraticRun } from '../../src/simulate/index.js';

const SPECTRUM = [4, 2, 1, 0.5, 0.25, 0.1, -0.05, -0.3];

/**
 * The benches' input: `runs` simulated runs of `steps` steps (per step a gradient and a
 * trajectory event, a probe with k_L = 2 and k_S = 1 every 5 steps, rates 0.1 to 0.5 over the
 * runs), interleaved as concurrent trainers would write them. One definition for the replay,
 * decode and Kafka benches, so that they measure the same events.
 */
export function trainerShapedEvents(params: {
  runs: number;
  steps: number;
  /** Run ids are `${runIdPrefix}${i}`. */
  runIdPrefix: string;
  /** Also the probes' batch sharpness (default: not). */
  batchSharpness?: boolean;
}): Generator<LyapEvent> {
  const { runs, steps, runIdPrefix } = params;
  const sources = Array.from({ length: runs }, (_, i) =>
    simulateQuadraticRun({
      runId: `${runIdPrefix}${i}`,
      spectrum: SPECTRUM,
      lr: 0.1 + (0.4 * i) / runs,
      steps,
      probeEvery: 5,
      kLyapunov: 2,
      kSharpness: 1,
      seed: i + 1,
      batchSharpness: params.batchSharpness === true,
    }),
  );
  return interleave(sources, 3) as Generator<LyapEvent>;
}
