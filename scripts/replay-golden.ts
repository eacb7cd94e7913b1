// The replay golden fixture (test/fixtures/replay-golden/): a recording from src/simulate and the
// shared vectors, and the estimates and dead letters `lyap replay` gave for it when it was made.
// test/unit/replay/golden.test.ts replays the recording and asserts the same output, byte for
// byte: a speed-up must change no number. Regenerate the outputs only for a change that is
// meant to move numbers, and say so in its commit.
// Usage: tsx scripts/replay-golden.ts            (writes events.jsonl and the two outputs)
//        tsx scripts/replay-golden.ts --outputs  (keeps events.jsonl, rewrites the outputs)
import { readFileSync, writeFileSync } from 'node:fs';

import { encodeEvent } from '../src/events/index.js';
import { replay } from '../src/replay/replay.js';
import { interleave, jitter, simulateQuadraticRun, type QuadraticRunOptions } from '../src/simulate/index.js';

const dir = new URL('../test/fixtures/replay-golden/', import.meta.url);
const SPECTRUM = [4, 2, 1, 0.5, 0.25, 0.1, -0.05, -0.3];

/** One run per regime, with k up to 3, probes at several cadences, batch sharpness, a divergence. */
const RUNS: QuadraticRunOptions[] = [
  { runId: 'g-stable', lr: 0.1, steps: 90, kLyapunov: 3, kSharpness: 2, probeEvery: 2, seed: 21 },
  { runId: 'g-chaotic', lr: 0.2, steps: 90, kLyapunov: 2, kSharpness: 1, probeEvery: 1, seed: 22 },
  { runId: 'g-edge', lr: 0.47, steps: 90, kLyapunov: 2, kSharpness: 1, probeEvery: 4, seed: 23 },
  {
    runId: 'g-unstable',
    lr: 0.55,
    steps: 90,
    kLyapunov: 1,
    kSharpness: 1,
    probeEvery: 3,
    seed: 24,
    batchSharpness: true,
  },
  { runId: 'g-diverged', lr: 2.5, steps: 200, kLyapunov: 1, kSharpness: 1, probeEvery: 10, seed: 25 },
].map((run) => ({ ...run, spectrum: SPECTRUM }));

/** Lines every decoder must reject, each for a different reason or path. */
const MALFORMED = [
  '',
  'this is not json',
  '[1,2,3]',
  '{"v":2,"type":"gradient","runId":"g-stable","ts":1700000000000,"step":3}',
  '{"v":1,"type":"gradients","runId":"g-stable","ts":1700000000000,"step":3}',
  '{"v":1,"type":"gradient","runId":"g-stable","ts":1700000000000,"step":-1,"lr":0.1,"loss":1,"gradNorm":1}',
  '{"v":1,"type":"gradient","runId":"g stable","ts":1700000000000,"step":1,"lr":0.1,"loss":1,"gradNorm":1}',
  '{"v":1,"type":"gradient","runId":"g-stable","ts":1700000000000,"step":1,"lr":0.1,"loss":"inf","gradNorm":1}',
  '{"v":1,"type":"gradient","runId":"g-stable","ts":1700000000000,"step":1,"lr":0.1,"loss":1,"gradNorm":1,"probe":{"hvps":2,"lyapunov":{"eta":0.1,"gram":[[1,0],[0]],"rayleigh":[[1,0],[0,1]]}}}',
  '{"v":1,"type":"trajectory","runId":"g-edge","ts":1700000000000,"step":2,"paramNorm":1,"updateNorm":1}',
];

function recording(): string[] {
  const simulated = [
    ...jitter(
      interleave(
        RUNS.map((run) => simulateQuadraticRun(run)),
        5,
      ),
      6,
      5,
    ),
  ].map((event) => encodeEvent(event));
  // A few exact duplicates, as a redelivery would give.
  for (const at of [40, 300, 600]) simulated.splice(at, 0, simulated[at - 5] ?? '');
  const vectors = readFileSync(new URL('../test/vectors/events.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line !== '');
  const lines = [...simulated];
  vectors.forEach((line, i) => lines.splice(200 + i * 37, 0, line));
  MALFORMED.forEach((line, i) => lines.splice(150 + i * 113, 0, line));
  return lines;
}

/** Replays the lines as `lyap replay` does (default config) and returns its two outputs. */
export async function replayGolden(
  lines: readonly string[],
): Promise<{ estimates: string; deadLetters: string }> {
  const estimates: string[] = [];
  const deadLetters: string[] = [];
  async function* chunks(): AsyncGenerator<readonly string[]> {
    await Promise.resolve();
    for (let i = 0; i < lines.length; i += 97) yield lines.slice(i, i + 97);
  }
  await replay({
    lines: chunks(),
    sourceName: 'golden.jsonl',
    onEstimate: (json) => {
      estimates.push(json);
    },
    onDeadLetter: (json) => {
      deadLetters.push(json);
    },
  });
  return {
    estimates: estimates.map((l) => `${l}\n`).join(''),
    deadLetters: deadLetters.map((l) => `${l}\n`).join(''),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const inputFile = new URL('events.jsonl', dir);
  if (!process.argv.includes('--outputs')) writeFileSync(inputFile, `${recording().join('\n')}\n`);
  const lines = readFileSync(inputFile, 'utf8').slice(0, -1).split('\n');
  const out = await replayGolden(lines);
  writeFileSync(new URL('estimates.jsonl', dir), out.estimates);
  writeFileSync(new URL('dead-letters.jsonl', dir), out.deadLetters);
  console.log(
    `test/fixtures/replay-golden: ${lines.length} lines, ${out.estimates.split('\n').length - 1} estimates, ${out.deadLetters.split('\n').length - 1} dead letters`,
  );
}
