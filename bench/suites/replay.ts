import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLineChunks } from '../../src/cli/io.js';
import { encodeEvent } from '../../src/events/index.js';
import { replay } from '../../src/replay/replay.js';
import { interleave, simulateQuadraticRun } from '../../src/simulate/index.js';
import type { SuiteResult } from './types.js';

const SPECTRUM = [4, 2, 1, 0.5, 0.25, 0.1, -0.05, -0.3];

/**
 * Replay throughput and peak memory: `events` trainer-shaped events (gradient + trajectory
 * per step, a probe with k_L = 2, k_S = 1 every 5 steps) over `runs` interleaved runs,
 * streamed from a file through `replay()` (the `lyap replay` path minus writing output).
 * Baseline in the same run: reading the same file and JSON.parse of every line.
 */
export async function replaySuite(params: { events: number; runs: number }): Promise<SuiteResult> {
  const dir = mkdtempSync(join(tmpdir(), 'lyap-bench-'));
  const file = join(dir, 'events.jsonl');
  const stepsPerRun = Math.max(1, Math.floor(params.events / params.runs / 2));
  const genStart = performance.now();
  const out = createWriteStream(file);
  let lines = 0;
  const sources = Array.from({ length: params.runs }, (_, i) =>
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
  );
  for (const event of interleave(sources, 3)) {
    if (!out.write(encodeEvent(event) + '\n')) await once(out, 'drain');
    lines++;
  }
  out.end();
  await once(out, 'finish');
  const genSeconds = (performance.now() - genStart) / 1000;

  // Baseline: the floor any JSON-lines consumer pays (read + JSON.parse).
  const parseStart = performance.now();
  let parsed = 0;
  for await (const chunk of readLineChunks(file)) {
    for (const line of chunk) {
      if (line.length > 0) {
        JSON.parse(line);
        parsed++;
      }
    }
  }
  const parseSeconds = (performance.now() - parseStart) / 1000;

  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 20);
  const replayStart = performance.now();
  const result = await replay({
    lines: readLineChunks(file),
    sourceName: 'bench.jsonl',
    onEstimate: () => undefined,
    onDeadLetter: () => undefined,
  });
  const replaySeconds = (performance.now() - replayStart) / 1000;
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });

  const replayRate = result.lines / replaySeconds;
  const parseRate = parsed / parseSeconds;
  const mib = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
  return {
    suite: 'replay',
    params: { events: lines, runs: params.runs, stepsPerRun, probeEvery: 5, kLyapunov: 2, kSharpness: 1 },
    rows: [
      {
        measure: 'read + JSON.parse (baseline)',
        eventsPerSecond: Math.round(parseRate),
        seconds: parseSeconds,
      },
      { measure: 'lyap replay', eventsPerSecond: Math.round(replayRate), seconds: replaySeconds },
      {
        measure: 'replay / baseline',
        eventsPerSecond: Math.round((replayRate / parseRate) * 1000) / 1000,
        seconds: 0,
      },
    ],
    notes: [
      `${lines} events over ${params.runs} runs generated in ${genSeconds.toFixed(1)} s`,
      `estimates: ${result.estimates}, dead letters: ${result.deadLetters}, duplicates: ${result.stats.duplicates}`,
      `peak RSS during replay: ${mib(peakRss)} MiB (${mib(peakRss - rssBefore)} MiB above the ${mib(rssBefore)} MiB before it); peak heap used ${mib(peakHeap)} MiB`,
    ],
  };
}
