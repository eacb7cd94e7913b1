import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGIME_ALERT_RULES, RegimeAlerts } from '../../src/alerts/index.js';
import type { AlertEvent, EstimateEvent } from '../../src/events/index.js';
import { runClosedLoop } from '../../src/loop/index.js';
import { createProblem, selectBackend, train, type LossName, type LrJump } from '../../src/trainer/index.js';
import {
  bestRate,
  DEFAULT_EVENT_LABEL,
  failedToTrain,
  firingSteps,
  instabilityEvent,
  relabel,
  scoreAlerts,
  type ScoredAlert,
  type RegimeWhatIf,
  type ScanRow,
  type ScoredRun,
} from './alert-scoring.js';
import type { SuiteResult } from './types.js';

const SCAN_LRS = [0.1, 0.3, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12] as const;
const SCAN_SEEDS = [1, 2] as const;

const problemFor = (seed: number, loss: LossName) =>
  createProblem({ dataset: 'mnist', model: 'mlp', hidden: [32], samples: 2000, downsample: 2, seed, loss });

/**
 * The constant-rate scan the arms' rates come from: each rate of SCAN_LRS for `steps` steps,
 * probe off, trainer only; per rate and seed the mean loss of the last 20 steps and the
 * event step (or -). One line per rate.
 */
async function scanRates(steps: number, backend: string, loss: LossName): Promise<ScanRow[]> {
  const rows: ScanRow[] = [];
  for (const lr of SCAN_LRS) {
    const row: ScanRow = { lr, finals: [], events: [] };
    for (const seed of SCAN_SEEDS) {
      const { dataset, model } = problemFor(seed, loss);
      const losses: number[] = [];
      await train({
        runId: 'alerts-scan',
        model,
        dataset,
        backend,
        lr,
        batchSize: 64,
        steps,
        seed,
        probe: { every: 0, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
        emit: (e) => e.type === 'gradient' && losses.push(e.loss),
      }).finally(() => model.dispose?.());
      const last = losses.slice(-20);
      row.finals.push(last.reduce((a, b) => a + b, 0) / last.length);
      row.events.push(instabilityEvent(losses));
    }
    rows.push(row);
    console.log(`scan: ${scanLine(row)}`);
  }
  return rows;
}

const scanLine = (row: ScanRow): string =>
  `lr ${row.lr}: ${row.finals.map((f, i) => `${round(f, 3)} (event ${row.events[i] ?? '-'})`).join(', ')}`;

const ARMS = ['healthy', 'high', 'jump', 'ramp'] as const;
type Arm = (typeof ARMS)[number];

interface RunSpec {
  arm: Arm;
  lr: number;
  jump?: LrJump;
  seed: number;
}

/** One run's trace, as saved with --keep (one JSON line per run). */
export interface AlertTrace {
  runId: string;
  arm: Arm;
  lr: number;
  jump: LrJump | null;
  seed: number;
  /** The training loss (traces saved before it was recorded: cross-entropy). */
  loss?: LossName;
  status: string;
  steps: number;
  /** Loss of each step; null where it was not finite. */
  losses: (number | null)[];
  /** Step of the instability event (DEFAULT_EVENT_LABEL), null without one. */
  event: number | null;
  estimates: EstimateEvent[];
  alerts: AlertEvent[];
}

/** k·x without the float noise that would show in run ids (0.3 × 0.1 = 0.030000000000000002). */
const times = (k: number, x: number): number => Number((k * x).toPrecision(12));

/** The arms' runs, their rates relative to `good`, the scan's best rate. */
function specs(seeds: readonly number[], jumpAt: number, good: number): RunSpec[] {
  const out: RunSpec[] = [];
  for (const seed of seeds) {
    for (const k of [0.3, 0.5, 1]) out.push({ arm: 'healthy', lr: times(k, good), seed });
    for (const k of [2, 3, 4]) out.push({ arm: 'high', lr: times(k, good), seed });
    for (const [lr, factor] of [
      [good, 2],
      [good, 4],
      [good, 10],
      [times(0.5, good), 4],
      [times(0.5, good), 10],
    ] as const) {
      out.push({ arm: 'jump', lr, jump: { atStep: jumpAt, factor }, seed });
    }
    // Rates that cross the edge gradually, as an overshooting warm-up does: a blow-up an alert
    // can see coming, where a jump blows a run up within a few steps of the jump.
    for (const [lr, factor, rampSteps] of [
      [good, 4, 50],
      [times(0.5, good), 8, 100],
    ] as const) {
      out.push({ arm: 'ramp', lr, jump: { atStep: jumpAt, factor, rampSteps }, seed });
    }
  }
  return out;
}

/** A jump's label: ×factor, and /ramp steps for a ramp. */
const jumpLabel = (jump: LrJump): string =>
  `x${jump.factor}${jump.rampSteps === undefined ? '' : `r${jump.rampSteps}`}`;

/** The alerts RegimeAlerts raises over a run's estimates in step order, judged again by `whatIf`. */
export function alertsOf(estimates: readonly EstimateEvent[], whatIf: RegimeWhatIf = {}): AlertEvent[] {
  const alerter = new RegimeAlerts();
  return relabel(
    [...estimates].sort((a, b) => a.step - b.step),
    whatIf,
  ).flatMap((e) => alerter.observe(e));
}

const isCritical = (a: ScoredAlert): boolean => a.severity === 'critical';

/** A run as the scoring sees it: its length, its event and the firings of the alerts `keep` selects. */
const scoredRun = (t: AlertTrace, keep: (a: ScoredAlert) => boolean): ScoredRun => ({
  steps: t.steps,
  event: t.event ?? undefined,
  firings: firingSteps(t.alerts, keep),
});

/** What is scored: each alert by name, any warning or critical alert, critical ones only. */
const SELECTIONS: readonly { label: string; keep: (a: ScoredAlert) => boolean }[] = [
  ...REGIME_ALERT_RULES.map((rule) => ({
    label: `${rule.name} (${rule.severity})`,
    keep: (a: ScoredAlert) => a.name === rule.name,
  })),
  { label: 'any warning or critical', keep: (a) => a.severity === 'warning' || a.severity === 'critical' },
  { label: 'critical only', keep: isCritical },
];

const round = (x: number, digits = 2): number | string =>
  Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : '-';

/** The table's rows: one per selection of alerts, scored over every run. */
export function alertRows(traces: readonly AlertTrace[], horizon: number): Record<string, number | string>[] {
  return SELECTIONS.map(({ label, keep }) => {
    const scored = (t: AlertTrace): ScoredRun => scoredRun(t, keep);
    const all = scoreAlerts(traces.map(scored), horizon);
    const healthy = scoreAlerts(traces.filter((t) => t.arm === 'healthy').map(scored), horizon);
    // Runs that failed to train without an event (the high arm's loss stays near ln 10 from the
    // start) count every firing against precision@H; scored without them too.
    const failed = traces.filter((t) => t.event === null && failedToTrain(lossesOf(t)));
    const labelled = scoreAlerts(traces.filter((t) => !failed.includes(t)).map(scored), horizon);
    const high = traces.filter((t) => t.arm === 'high');
    return {
      alert: label,
      fired: all.alerts,
      'precision@H': round(all.precision),
      'after event': all.afterEvent,
      'precision excl. after': round(all.precisionBeforeEvent),
      'recall@H': round(all.recall),
      detected: `${all.detected}/${all.events}`,
      'lead median': round(all.leadMedian, 1),
      'lead IQR': all.detected === 0 ? '-' : `${round(all.leadQ1, 1)}-${round(all.leadQ3, 1)}`,
      'FA/1k no-event steps': round(all.falseAlarmsPer1000),
      'FA/1k healthy-arm steps': round(healthy.falseAlarmsPer1000),
      'precision@H excl. failed': round(labelled.precision),
      'failed runs alerted': `${failed.filter((t) => firingSteps(t.alerts, keep).length > 0).length}/${failed.length}`,
      'high-arm runs alerted': `${high.filter((t) => firingSteps(t.alerts, keep).length > 0).length}/${high.length}`,
    };
  });
}

/**
 * The in-process alerts (RegimeAlerts, src/alerts) scored against labelled instabilities.
 * MNIST (2,000 samples, 14×14) MLP 196-32-10 trained on `loss` (cross-entropy, or MSE on the
 * one-hot labels), batch 64, plain SGD, probe every 5 steps (k_L = k_S = 1), `steps` steps,
 * through runClosedLoop without a controller (processor defaults), on wasm. Arms, each over
 * `seeds`, relative to the scan's best rate b (bestRate: 1 with cross-entropy): healthy constant
 * rates (0.3b, 0.5b, b), high constant rates (2b, 3b, 4b), rate jumps at `jumpAt` (b ×2, ×4,
 * ×10; b/2 ×4, ×10) and ramps from `jumpAt` (b to 4b over 50 steps, b/2 to 4b over 100). Events: DEFAULT_EVENT_LABEL (alert-scoring.ts). Absolute
 * numbers, printed for the record. `keep` saves every run's trace (losses, estimates, event,
 * alerts) as a JSON line; `from` scores such a file again with today's labels and alert rules,
 * without training.
 */
export async function alertsSuite(params: {
  steps: number;
  seeds: readonly number[];
  jumpAt: number;
  horizon: number;
  loss: LossName;
  /** Score with other regime thresholds than the processor's (relabel, alert-scoring.ts). */
  whatIf: RegimeWhatIf;
  keep?: string | undefined;
  /** A folder written by `keep`: score its traces again (today's rules) instead of training. */
  from?: string | undefined;
}): Promise<SuiteResult> {
  const started = performance.now();
  if (params.from !== undefined) {
    const traces = rescored(readTraces(join(params.from, TRACES_FILE)), params.whatIf);
    console.log(`scored ${traces.length} saved run traces from ${join(params.from, TRACES_FILE)}`);
    return result(traces, { ...params, source: params.from }, (performance.now() - started) / 1000);
  }
  const backend = await selectBackend({ requested: 'wasm' });
  const scan = await scanRates(params.steps, backend.reportedName, params.loss);
  const good = bestRate(scan);
  console.log(`scan: the best rate, ${good}, sets the arms`);
  const runs = specs(params.seeds, params.jumpAt, good);
  const traces: AlertTrace[] = [];
  for (const [i, spec] of runs.entries()) {
    const runStarted = performance.now();
    const { dataset, model } = problemFor(spec.seed, params.loss);
    const runId = `alerts-${params.loss === 'mse' ? 'mse-' : ''}${spec.arm}-lr${spec.lr}${spec.jump === undefined ? '' : `-${jumpLabel(spec.jump)}at${spec.jump.atStep}`}-s${spec.seed}`;
    const r = await runClosedLoop({
      trainer: {
        runId,
        model,
        dataset,
        backend: backend.reportedName,
        lr: spec.lr,
        ...(spec.jump === undefined ? {} : { lrJump: spec.jump }),
        batchSize: 64,
        steps: params.steps,
        seed: spec.seed,
        probe: { every: 5, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
        lrBounds: { minLr: 1e-6, maxLr: 100 },
      },
    }).finally(() => model.dispose?.());
    const losses = [...r.gradients].sort((a, b) => a.step - b.step).map((g) => g.loss);
    if (!r.drained)
      throw new Error(`${runId}: the pipeline did not finish its events (a stage failed or timed out)`);
    if (losses.length !== (r.session.lastStep ?? -1) + 1) {
      throw new Error(
        `${runId}: ${losses.length} gradient events collected for ${(r.session.lastStep ?? -1) + 1} steps`,
      );
    }
    const event = instabilityEvent(losses);
    const alerts = alertsOf(r.estimates, params.whatIf);
    const trace: AlertTrace = {
      runId,
      arm: spec.arm,
      lr: spec.lr,
      jump: spec.jump ?? null,
      seed: spec.seed,
      loss: params.loss,
      status: r.session.status,
      steps: losses.length,
      losses: losses.map((l) => (Number.isFinite(l) ? l : null)),
      event: event ?? null,
      estimates: [...r.estimates].sort((a, b) => a.step - b.step),
      alerts,
    };
    traces.push(trace);
    const fired = alerts.filter((a) => a.state === 'firing').map((a) => `${a.name}@${a.step}`);
    console.log(
      `[${i + 1}/${runs.length}] ${runId}: ${r.session.status}, ${losses.length} steps, ` +
        `event ${event ?? '-'}, fired ${fired.join(' ') || '-'} ` +
        `(${((performance.now() - runStarted) / 1000).toFixed(1)} s${r.drained ? '' : ', NOT drained'})`,
    );
  }
  const seconds = (performance.now() - started) / 1000;
  if (params.keep !== undefined) {
    mkdirSync(params.keep, { recursive: true });
    const file = join(params.keep, TRACES_FILE);
    writeFileSync(file, traces.map((t) => JSON.stringify(t)).join('\n') + '\n');
    console.log(`wrote ${traces.length} run traces to ${file}`);
  }
  return result(
    traces,
    { ...params, source: `trained on ${backend.name}`, scan: scan.map(scanLine), best: good },
    seconds,
  );
}

const TRACES_FILE = 'alert-traces.jsonl';

function readTraces(file: string): AlertTrace[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AlertTrace);
}

const lossesOf = (t: AlertTrace): number[] => t.losses.map((l) => l ?? Number.NaN);

/** Saved traces with their events labelled and their alerts raised again, by today's code. */
function rescored(traces: readonly AlertTrace[], whatIf: RegimeWhatIf): AlertTrace[] {
  return traces.map((t) => {
    const event = instabilityEvent(lossesOf(t));
    return { ...t, event: event ?? null, alerts: alertsOf(t.estimates, whatIf) };
  });
}

function result(
  traces: readonly AlertTrace[],
  params: {
    steps: number;
    jumpAt: number;
    horizon: number;
    source: string;
    scan?: string[];
    best?: number;
    whatIf?: RegimeWhatIf;
  },
  seconds: number,
): SuiteResult {
  const runsByArm = ARMS.map((arm) => {
    const of = traces.filter((t) => t.arm === arm);
    return `${arm}: ${of.length} runs, ${of.filter((t) => t.event !== null).length} with an event`;
  });
  const firedByArm = ARMS.map((arm) => {
    const counts = new Map<string, number>();
    for (const t of traces.filter((x) => x.arm === arm)) {
      for (const a of t.alerts) if (a.state === 'firing') counts.set(a.name, (counts.get(a.name) ?? 0) + 1);
    }
    return `${arm}: ${[...counts].map(([name, n]) => `${name} ${n}`).join(', ') || 'none'}`;
  });
  const { halfLifeSteps, warmupSteps, factor, failedShare } = DEFAULT_EVENT_LABEL;
  const failedByArm = ARMS.map(
    (arm) =>
      `${arm} ${traces.filter((t) => t.arm === arm && t.event === null && failedToTrain(lossesOf(t))).length}/${traces.filter((t) => t.arm === arm).length}`,
  );
  const jumps = traces.filter((t) => t.jump !== null);
  const unstableAtJump = jumps.filter(
    (t) => t.estimates.find((e) => e.step === t.jump?.atStep)?.regime === 'unstable',
  );
  const labelOf = (t: AlertTrace): string => (t.jump === null ? '' : jumpLabel(t.jump));
  const labels = [...new Set(jumps.map(labelOf))];
  const leads = labels.map(
    (l) =>
      `${l}: ${jumps
        .filter((t) => labelOf(t) === l)
        .map((t) => (t.event === null || t.jump === null ? '-' : `${t.event - t.jump.atStep}`))
        .join(',')}`,
  );
  const byFactor = labels.map(
    (l) =>
      `${l} ${unstableAtJump.filter((t) => labelOf(t) === l).length}/${jumps.filter((t) => labelOf(t) === l).length}`,
  );
  const healthy = traces
    .filter((t) => t.arm === 'healthy')
    .flatMap((t) => t.estimates.filter((e) => e.regime !== 'unknown'));
  const regimesByArm = ARMS.map((arm) => {
    const counts = new Map<string, number>();
    for (const t of traces.filter((x) => x.arm === arm)) {
      for (const e of t.estimates) counts.set(e.regime, (counts.get(e.regime) ?? 0) + 1);
    }
    return `${arm}: ${[...counts].map(([r, n]) => `${r} ${n}`).join(', ')}`;
  });
  const maxOf = (xs: number[]): number | string => (xs.length === 0 ? '-' : round(Math.max(...xs)));
  // The critical alerts' lead and recall on each arm's events: a jump blows a run up within a few
  // steps of it, a ramp crosses the edge over tens of steps.
  const byArm = ARMS.flatMap((arm) => {
    const of = traces.filter((t) => t.arm === arm);
    if (!of.some((t) => t.event !== null)) return [];
    const score = scoreAlerts(
      of.map((t) => scoredRun(t, isCritical)),
      params.horizon,
    );
    const lead =
      score.detected === 0
        ? '-'
        : `${round(score.leadMedian, 1)} (${round(score.leadQ1, 1)}-${round(score.leadQ3, 1)})`;
    return [`${arm}: recall ${round(score.recall)} (${score.detected}/${score.events}), lead ${lead}`];
  });
  return {
    suite: 'alerts',
    params: {
      model: 'mlp 196-32-10',
      loss: [...new Set(traces.map((t) => t.loss ?? 'cross-entropy'))].join(','),
      dataset: 'mnist 2000 samples, downsample 2',
      batch: 64,
      steps: params.steps,
      probeEvery: 5,
      seeds: [...new Set(traces.map((t) => t.seed))].join(','),
      jumpAt: params.jumpAt,
      horizon: params.horizon,
      source: params.source,
      runs: traces.length,
      seconds: Math.round(seconds),
      ...(params.whatIf?.earlyRatio === undefined ? {} : { earlyRatio: params.whatIf.earlyRatio }),
      ...(params.whatIf?.margin === undefined ? {} : { margin: params.whatIf.margin }),
    },
    rows: alertRows(traces, params.horizon),
    notes: [
      ...(params.whatIf?.earlyRatio === undefined && params.whatIf?.margin === undefined
        ? []
        : [
            `what-if: the estimates' regimes judged again${params.whatIf.earlyRatio === undefined ? '' : `, before the third probe unstable only past ${params.whatIf.earlyRatio}(1 + μ)`}${params.whatIf.margin === undefined ? '' : `, from it on only past ${params.whatIf.margin} × 2(1 + μ)`} (not the processor's thresholds)`,
          ]),
      `events: a non-finite loss, or the loss's EMA (half-life ${halfLifeSteps} steps) above ${factor}x its minimum since step ${warmupSteps}, from step ${warmupSteps} on; the first such step, one per run`,
      `precision@H: firings followed by their run's event within H = ${params.horizon} steps / all firings ("after event": firings after their run's event, counted as false); recall@H: events with a firing in [event - H, event]; lead: event - first such firing`,
      `FA/1k: firings per 1,000 steps of the runs without an event (all of them, and those of the healthy arm)`,
      `failed to train: no event, and the loss's EMA at the last step above ${failedShare} of the first loss; "precision@H excl. failed" scores without those runs; by arm: ${failedByArm.join(', ')}`,
      `runs: ${runsByArm.join('; ')}`,
      `firings by arm: ${firedByArm.join('; ')}`,
      `jump and ramp runs (xFACTOR, rRAMP steps), event step - first changed step: ${leads.join('; ') || '-'}`,
      `critical alerts by arm, on the arm's events: ${byArm.join('; ')}`,
      `jump and ramp runs whose estimate at the first changed step is already unstable: ${byFactor.join(', ')}`,
      `estimates by arm and regime: ${regimesByArm.join('; ')}`,
      `healthy arm, estimates past unknown (3+ probes): max η·λ_max ${maxOf(healthy.map((e) => e.stabilityRatio))}, max batch η·BS ${maxOf(healthy.flatMap((e) => (e.batchStabilityRatio === undefined ? [] : [e.batchStabilityRatio])))}`,
      ...(params.scan === undefined
        ? []
        : [
            `rate scan, constant rates, probe off, mean loss of the last 20 of ${params.steps} steps (seeds ${SCAN_SEEDS.join(', ')}): ${params.scan.join('; ')}; the best rate (lowest mean, no event), ${params.best}, sets the arms`,
          ]),
      `${traces.length} runs (${params.source}); the suite took ${Math.round(seconds)} s`,
    ],
  };
}
