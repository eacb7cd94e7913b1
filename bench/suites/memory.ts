import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import type { SuiteResult } from './types.js';

/** One measurement of memory-probe.ts: after a full GC. */
export interface Checkpoint {
  label: string;
  liveRuns: number;
  heapUsedBytes: number;
  rssBytes: number;
  externalBytes: number;
  /** A run's state-topic record, mean over the live runs. */
  snapshotBytes?: number;
  /** Runs held as snapshots, waiting for their next event (after a rebalance). */
  dormantRuns?: number;
  /** The heap these dormant runs take, per run. */
  bytesPerDormantRun?: number;
}

/** What memory-probe.ts prints. */
export interface ProbeReport {
  runs: number;
  steps: number;
  maxRuns: number;
  metrics: boolean;
  /** Runs refused (run-capacity) of the 1,000 offered beyond `maxRuns`. */
  refused: number;
  results: Checkpoint[];
}

const MB = 1024 * 1024;

export interface MemoryProbe {
  runs: number;
  /** Steps a run after which to measure; the largest is how far the runs go. */
  checkpoints: readonly number[];
  /** With the Prometheus metrics `lyap process` attaches. */
  metrics: boolean;
}

/**
 * Memory of one processor holding many concurrent runs: bench/suites/memory-probe.ts in a
 * fresh `node --expose-gc` per probe (so nothing else the bench did is in its heap). Heap
 * after a full GC and RSS at each checkpoint; per-run bytes are the heap over the empty
 * engine's, divided by the live runs; snapshot bytes are a run's record on the state topic.
 */
export async function memorySuite(params: { probes: readonly MemoryProbe[] }): Promise<SuiteResult> {
  const reports: ProbeReport[] = [];
  for (const p of params.probes) reports.push(await probe(p));
  const rows = reports.flatMap((report) => {
    const empty = report.results[0];
    return report.results.map((r) => ({
      probe: `${report.runs} runs${report.metrics ? ', engine + metrics (lyap process)' : ', engine alone'}`,
      checkpoint: r.label,
      'live runs': r.liveRuns,
      'heap MiB': Number((r.heapUsedBytes / MB).toFixed(1)),
      'RSS MiB': Number((r.rssBytes / MB).toFixed(1)),
      'heap bytes per run': perRun(r, empty),
      'snapshot bytes per run': r.snapshotBytes === undefined ? '' : Math.round(r.snapshotBytes),
    }));
  });
  const first = reports[0];
  return {
    suite: 'memory',
    params: {
      probes: params.probes
        .map((p) => `${p.runs}x${Math.max(...p.checkpoints)}${p.metrics ? '+metrics' : ''}`)
        .join(' '),
      maxRuns: first?.maxRuns ?? 0,
    },
    rows,
    notes: [
      `runs of 8 parameters, a probe with k_L = 2 and k_S = 1 every 5 steps, fed step by step to all runs in turn; default processor config (windowProbes 20, dedupSteps 1024, maxRuns ${first?.maxRuns ?? '?'}, runTtlMs 600 s)`,
      `1,000 runs offered after the steps: ${reports.map((r) => `${r.refused} of them refused (run-capacity) with ${r.runs} live`).join('; ')}`,
      `load average at the end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')}`,
    ],
  };
}

/** Heap over the empty engine's, per live run (dormant runs: over the checkpoint before). */
function perRun(r: Checkpoint, empty: Checkpoint | undefined): number | string {
  if (r.bytesPerDormantRun !== undefined) return Math.round(r.bytesPerDormantRun);
  return r.liveRuns === 0 || empty === undefined
    ? ''
    : Math.round((r.heapUsedBytes - empty.heapUsedBytes) / r.liveRuns);
}

function probe({ runs, checkpoints, metrics }: MemoryProbe): Promise<ProbeReport> {
  const args = [
    '--expose-gc',
    '--import',
    'tsx',
    'bench/suites/memory-probe.ts',
    '--runs',
    String(runs),
    '--checkpoints',
    checkpoints.join(','),
    ...(metrics ? ['--metrics'] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(JSON.parse(out) as ProbeReport);
      else reject(new Error(`memory probe exited with ${code}:\n${err}`));
    });
  });
}
