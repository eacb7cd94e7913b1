import { encodeEvent } from '../src/events/index.js';
import { interleave, simulateQuadraticRun, type QuadraticRunOptions } from '../src/simulate/index.js';

/** The bundled example's runs: one 8-dimensional spectrum, one learning rate per regime. */
export const EXAMPLE_SPECTRUM = [4, 2, 1, 0.5, 0.25, 0.1, -0.05, -0.3];

export const EXAMPLE_RUNS: QuadraticRunOptions[] = [
  { runId: 'quad-chaotic', lr: 0.2, steps: 200, kLyapunov: 2, kSharpness: 1, seed: 11 },
  { runId: 'quad-edge', lr: 0.47, steps: 200, kLyapunov: 2, kSharpness: 1, probeEvery: 2, seed: 12 },
  { runId: 'quad-unstable', lr: 0.55, steps: 200, kLyapunov: 1, kSharpness: 1, seed: 13 },
  { runId: 'quad-diverged', lr: 2.5, steps: 340, kLyapunov: 1, kSharpness: 1, probeEvery: 10, seed: 14 },
].map((run) => ({ ...run, spectrum: EXAMPLE_SPECTRUM }));

const MALFORMED = [
  'this is not json',
  '{"v":1,"type":"gradient","runId":"quad-chaotic","ts":1700000000000,"step":',
  '{"v":2,"type":"gradient","runId":"quad-chaotic","ts":1700000000000,"step":3}',
];

/** The runs interleaved as on a topic, with the malformed lines at lines 101, 601 and 1101. */
export function exampleLines(): string[] {
  const lines = [
    ...interleave(
      EXAMPLE_RUNS.map((run) => simulateQuadraticRun(run)),
      7,
    ),
  ].map((e) => encodeEvent(e));
  MALFORMED.forEach((line, i) => lines.splice(100 + i * 500, 0, line));
  return lines;
}
