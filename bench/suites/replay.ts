import { copyFileSync, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLineChunks } from '../../src/cli/io.js';
import { decodeEvent, encodeEvent } from '../../src/events/index.js';
import { replay, type ReplayResult } from '../../src/replay/replay.js';
import { trainerShapedEvents } from './trainer-shaped.js';
import type { SuiteResult } from './types.js';

/**
 * Replay throughput and peak memory: `events` trainer-shaped events (gradient + trajectory
 * per step, a probe with k_L = 2, k_S = 1 every 5 steps) over `runs` interleaved runs,
 * streamed from a file through `replay()` (the `lyap replay` path minus writing output).
 * Baseline in the same run: reading the same file and JSON.parse of every line. Each is
 * measured `repeat` times, alternating, and the best and median are reported, per second of
 * wall time and per second of the process's CPU time (user + system, all its threads: on a
 * shared machine, less sensitive to the other work than wall time).
 */
export async function replaySuite(params: {
  events: number;
  runs: number;
  repeat: number;
  /** Also copy the generated stream here (to profile `lyap replay` on it). */
  keep?: string | undefined;
}): Promise<SuiteResult> {
  const dir = mkdtempSync(join(tmpdir(), 'lyap-bench-'));
  const file = join(dir, 'events.jsonl');
  const stepsPerRun = Math.max(1, Math.floor(params.events / params.runs / 2));
  const genStart = performance.now();
  const lines = await writeStream(file, params.runs, stepsPerRun);
  const genSeconds = (performance.now() - genStart) / 1000;

  const baseline: number[] = [];
  const replayed: number[] = [];
  const baselineCpu: number[] = [];
  const decodedCpu: number[] = [];
  const replayedCpu: number[] = [];
  let peakRss = 0;
  let peakHeap = 0;
  let rssBefore = 0;
  let result: ReplayResult | undefined;
  for (let i = 0; i < params.repeat; i++) {
    const parsed = await parseOnly(file);
    baseline.push(parsed.wall);
    baselineCpu.push(parsed.cpu);
    decodedCpu.push((await parseOnly(file, decodeEvent)).cpu);
    globalThis.gc?.();
    if (i === 0) rssBefore = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 20);
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    result = await replay({
      lines: readLineChunks(file),
      sourceName: 'bench.jsonl',
      onEstimate: () => undefined,
      onDeadLetter: () => undefined,
    });
    replayed.push(result.lines / ((performance.now() - start) / 1000));
    replayedCpu.push(result.lines / cpuSeconds(cpuStart));
    clearInterval(sampler);
  }
  if (params.keep !== undefined) copyFileSync(file, params.keep);
  rmSync(dir, { recursive: true, force: true });

  const best = (xs: number[]): number => Math.round(Math.max(...xs));
  const median = (xs: number[]): number =>
    Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0);
  const mib = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
  return {
    suite: 'replay',
    params: {
      events: lines,
      runs: params.runs,
      stepsPerRun,
      probeEvery: 5,
      kLyapunov: 2,
      kSharpness: 1,
      repeat: params.repeat,
    },
    rows: [
      { measure: 'read + JSON.parse (baseline), events/s', best: best(baseline), median: median(baseline) },
      { measure: 'lyap replay, events/s', best: best(replayed), median: median(replayed) },
      {
        measure: 'replay / baseline',
        best: Math.round((best(replayed) / best(baseline)) * 1000) / 1000,
        median: Math.round((median(replayed) / median(baseline)) * 1000) / 1000,
      },
      {
        measure: 'read + JSON.parse, events per CPU-second',
        best: best(baselineCpu),
        median: median(baselineCpu),
      },
      {
        measure: 'read + decodeEvent (JSON.parse + zod), events per CPU-second',
        best: best(decodedCpu),
        median: median(decodedCpu),
      },
      { measure: 'lyap replay, events per CPU-second', best: best(replayedCpu), median: median(replayedCpu) },
      {
        measure: 'replay / baseline, CPU time',
        best: Math.round((best(replayedCpu) / best(baselineCpu)) * 1000) / 1000,
        median: Math.round((median(replayedCpu) / median(baselineCpu)) * 1000) / 1000,
      },
      { measure: 'peak RSS during replay, MiB', best: mib(peakRss), median: mib(peakRss) },
      {
        measure: 'peak RSS above the start, MiB',
        best: mib(peakRss - rssBefore),
        median: mib(peakRss - rssBefore),
      },
      { measure: 'peak heap used, MiB', best: mib(peakHeap), median: mib(peakHeap) },
    ],
    notes: [
      `${lines} events over ${params.runs} runs generated in ${genSeconds.toFixed(1)} s`,
      `estimates: ${result?.estimates ?? 0}, dead letters: ${result?.deadLetters ?? 0}, duplicates: ${result?.stats.duplicates ?? 0}`,
    ],
  };
}

async function writeStream(file: string, runs: number, steps: number): Promise<number> {
  const out = createWriteStream(file);
  let lines = 0;
  for (const event of trainerShapedEvents({ runs, steps, runIdPrefix: 'bench-' })) {
    if (!out.write(encodeEvent(event) + '\n')) await once(out, 'drain');
    lines++;
  }
  out.end();
  await once(out, 'finish');
  return lines;
}

/** Seconds of CPU (user + system, every thread of the process) since `start`. */
function cpuSeconds(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/**
 * The floor any JSON-lines consumer pays: read the file and JSON.parse every line (or, given
 * `decode`, decode every line with it: the share of the replay that decoding is).
 */
async function parseOnly(
  file: string,
  decode: (line: string) => unknown = JSON.parse,
): Promise<{ wall: number; cpu: number }> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let parsed = 0;
  for await (const chunk of readLineChunks(file)) {
    for (const line of chunk) {
      if (line.length > 0) {
        decode(line);
        parsed++;
      }
    }
  }
  return { wall: parsed / ((performance.now() - start) / 1000), cpu: parsed / cpuSeconds(cpuStart) };
}
