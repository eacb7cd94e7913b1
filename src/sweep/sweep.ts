import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { LyapError } from '../errors.js';
import { decodeEvent, type LyapEvent } from '../events/index.js';
import { analyzeSweep, bestConstantLr } from './analysis.js';
import type { ChildJob } from './child-run.js';
import { sweepFigures } from './figures/index.js';
import { planFirstPhase, planSchedulePhase } from './plan.js';
import { runPool } from './pool.js';
import { renderReport, type SweepResults } from './report.js';
import { renderSvg } from './render-svg.js';
import type { RunRecord } from './run-record.js';
import { lateStats, rawProbe } from './run-summary.js';
import type { SweepConfig } from './sweep-config.js';
import { upgradeConfig, upgradeRecord } from './upgrade.js';

export interface SweepOptions {
  config: SweepConfig;
  outDir: string;
  /** The command line, recorded in the report. */
  command: string;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * The whole sweep: the constant-rate and controller runs, then the schedule runs from each
 * group's best constant rate, every one in its own child process; then results.json,
 * the figures (SVG) and report.md in `outDir`.
 */
export async function runSweep(options: SweepOptions): Promise<SweepResults> {
  const { config, outDir, log } = options;
  const started = performance.now();
  const startedAt = new Date().toISOString();
  mkdirSync(join(outDir, 'runs'), { recursive: true });
  const topicPrefix = config.brokers === undefined ? undefined : `lyap-sweep-${Date.now().toString(36)}.`;
  const pool = {
    config,
    outDir,
    log,
    ...(topicPrefix === undefined ? {} : { topicPrefix }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  const first = planFirstPhase(config);
  log(`sweep ${config.preset}: ${first.length} runs, ${config.jobs} at a time, into ${outDir}`);
  const records = await runPool(first, pool);
  const best = new Map<string, number>();
  for (const group of new Set(records.map((r) => r.group))) {
    const lr = bestConstantLr(records.filter((r) => r.group === group));
    if (lr !== undefined) best.set(group, lr);
  }
  const second = planSchedulePhase(config, best);
  if (second.length > 0 && options.signal?.aborted !== true) {
    const from = [...best].map(([g, lr]) => `${g}: ${lr}`).join(', ');
    log(`schedule arms from the best constant rates (${from}): ${second.length} runs`);
    records.push(...(await runPool(second, { ...pool, firstIndex: first.length })));
  }
  return writeResults({
    config,
    records,
    outDir,
    command: options.command,
    startedAt,
    wallSeconds: (performance.now() - started) / 1000,
    machine: thisMachine(),
  });
}

/**
 * Rebuilds results.json, the figures and report.md of a sweep folder from its runs'
 * summaries, without training: after an interrupted sweep, or when the analysis changed.
 * The command, start, wall time and machine of an existing results.json are kept.
 */
export async function rebuildSweep(outDir: string): Promise<SweepResults> {
  const runsDir = join(outDir, 'runs');
  if (!existsSync(runsDir)) throw new LyapError('LYAP_E_INPUT', `${runsDir} does not exist`);
  const previous = existsSync(join(outDir, 'results.json'))
    ? (JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as SweepResults)
    : undefined;
  const folders = readdirSync(runsDir).filter((id) => existsSync(join(runsDir, id, 'summary.json')));
  const first = folders[0];
  if (first === undefined) throw new LyapError('LYAP_E_INPUT', `no run in ${runsDir} has a summary.json`);
  const config = upgradeConfig(
    previous?.config ??
      (JSON.parse(readFileSync(join(runsDir, first, 'job.json'), 'utf8')) as ChildJob).config,
  );
  const records = folders.map((id) =>
    withLateStats(
      upgradeRecord(
        JSON.parse(readFileSync(join(runsDir, id, 'summary.json'), 'utf8')) as RunRecord,
        join(runsDir, id, 'gradients.jsonl'),
        config,
      ),
      join(runsDir, id),
    ),
  );
  const order = [...(previous?.runs.map((r) => r.id) ?? []), ...planFirstPhase(config).map((s) => s.id)];
  const rank = (id: string): number => (order.includes(id) ? order.indexOf(id) : order.length);
  records.sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
  return writeResults({
    config,
    records,
    outDir,
    command: previous?.command ?? `lyap sweep --preset ${config.preset}`,
    startedAt: previous?.startedAt ?? new Date().toISOString(),
    wallSeconds: previous?.wallSeconds ?? 0,
    machine: previous?.machine ?? thisMachine(),
  });
}

/**
 * The record with its late statistics computed again from the run's recorded estimates and
 * gradients, where the folder has both: the analysis of today's code, on any sweep's runs.
 */
function withLateStats(record: RunRecord, runDir: string): RunRecord {
  const estimatesPath = join(runDir, 'estimates.jsonl');
  const gradientsPath = join(runDir, 'gradients.jsonl');
  if (!existsSync(estimatesPath) || !existsSync(gradientsPath)) return record;
  const events = (path: string): LyapEvent[] =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .flatMap((line) => {
        const decoded = decodeEvent(line);
        return decoded.ok ? [decoded.event] : [];
      });
  const estimates = events(estimatesPath).filter((e) => e.type === 'estimate');
  const probes = events(gradientsPath).flatMap((g) => (g.type === 'gradient' ? (rawProbe(g) ?? []) : []));
  return { ...record, late: lateStats(estimates, probes) };
}

function thisMachine(): SweepResults['machine'] {
  const cpu = cpus();
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

async function writeResults(
  input: Omit<SweepResults, 'version' | 'runs' | 'analysis' | 'figures'> & {
    records: RunRecord[];
    outDir: string;
  },
): Promise<SweepResults> {
  const { records, outDir } = input;
  const analysis = analyzeSweep(records);
  const figures = sweepFigures(records, analysis, input.config.steps);
  for (const figure of figures) writeFileSync(join(outDir, figure.file), await renderSvg(figure.spec));
  const results: SweepResults = {
    version: 1,
    command: input.command,
    config: input.config,
    startedAt: input.startedAt,
    wallSeconds: input.wallSeconds,
    machine: input.machine,
    runs: records,
    analysis,
    figures: figures.map((f) => ({ file: f.file, title: f.title })),
  };
  const compact = { ...results, runs: records.map(roundSeries) };
  // Indented, but each array of numbers on one line.
  const text = JSON.stringify(compact, null, 1).replace(/\[[-+\d.eE,\s]*\]/g, (a) => a.replace(/\s+/g, ''));
  writeFileSync(join(outDir, 'results.json'), text + '\n');
  writeFileSync(join(outDir, 'report.md'), renderReport(results));
  return results;
}

/** The plotted series to 4 significant digits (results.json of a full sweep stays small); statistics stay exact. */
function roundSeries(r: RunRecord): RunRecord {
  const round = (xs: number[]): number[] => xs.map((x) => Number(x.toPrecision(4)));
  return {
    ...r,
    series: {
      step: r.series.step,
      lr: round(r.series.lr),
      sharpness: round(r.series.sharpness),
      topExponent: round(r.series.topExponent),
      curvature: round(r.series.curvature),
    },
    lossCurve: { step: r.lossCurve.step, loss: round(r.lossCurve.loss) },
    evals: { step: r.evals.step, accuracy: round(r.evals.accuracy), loss: round(r.evals.loss) },
  };
}
