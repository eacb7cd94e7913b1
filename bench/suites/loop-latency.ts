import type { AlertEvent, EstimateEvent, GradientEvent, LrCommandEvent } from '../../src/events/index.js';
import {
  createProblem,
  type CommandOutcome,
  type CommandRecord,
  type TrainerOptions,
} from '../../src/trainer/index.js';
import { quantile } from './alert-scoring.js';

/** The `p` quantile of `values` in any order (alert-scoring's, linear between ranks); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    p,
  );
}

/** What the ledger reads of a gradient event: the probed step, when it ended, and its cost. */
export type StepStamp = Pick<GradientEvent, 'runId' | 'step' | 'ts' | 'stepMs' | 'probeMs'>;
/** What the ledger reads of an estimate: its step and when the processor made it. */
export type EstimateStamp = Pick<EstimateEvent, 'runId' | 'step' | 'ts'>;

/** One event the control-loop-kafka bench's watch process saw, with its record's timestamp. */
export type WatchLine =
  | ({ type: 'gradient'; recordMs: number } & StepStamp)
  | ({ type: 'estimate'; recordMs: number } & EstimateStamp)
  | { type: 'lr-command'; recordMs: number; event: LrCommandEvent }
  | { type: 'alert'; recordMs: number; event: AlertEvent };

export type Refusal = Exclude<CommandOutcome, 'queued' | 'applied' | 'superseded'>;

/** What became of every command the controller published for one run, matched by seq. */
export interface CommandLedger {
  /** Distinct seqs on the control topic for the run. */
  sent: number;
  /** Of those, seqs that reached the trainer's intake while it ran. */
  received: number;
  /** Seqs whose rate came into force at a step boundary. */
  applied: number;
  /** Seqs taken at a boundary together with a newer one, which set the rate instead. */
  superseded: number;
  /** Seqs refused on arrival, by reason (their first arrival). */
  refused: Partial<Record<Refusal, number>>;
  /** Seqs queued but never taken: the run ended first. */
  queuedAtEnd: number;
  /** Sent but never received: the run ended (its intake closed) before they came. */
  notReceived: number;
  /** Per applied command: its application minus the `ts` of the estimate it was based on. */
  fromEstimateMs: number[];
  /** Per applied command: its application minus the `ts` of the probed step's gradient event. */
  fromStepMs: number[];
}

/**
 * The closed loop's ledger for `runId`: every command on the control topic, every arrival and
 * application the trainer's intake reported (`CommandRecord`), keyed by the command's seq (the
 * estimate's step, hence the probed step's), never by order or time.
 */
export function commandLedger(input: {
  runId: string;
  commands: readonly LrCommandEvent[];
  records: readonly CommandRecord[];
  estimates: readonly EstimateStamp[];
  gradients: readonly StepStamp[];
}): CommandLedger {
  const mine = <T extends { runId: string }>(events: readonly T[]): T[] =>
    events.filter((e) => e.runId === input.runId);
  const sent = new Map(mine(input.commands).map((c) => [c.seq, c]));
  const estimateTs = new Map(mine(input.estimates).map((e) => [e.step, e.ts]));
  const stepTs = new Map(mine(input.gradients).map((g) => [g.step, g.ts]));
  const arrival = new Map<number, 'queued' | Refusal>();
  const taken = new Map<number, CommandRecord>();
  for (const r of input.records) {
    const outcome = r.outcome;
    if (outcome === 'applied' || outcome === 'superseded') taken.set(r.seq, r);
    else if (!arrival.has(r.seq)) arrival.set(r.seq, outcome);
  }
  const ledger: CommandLedger = {
    sent: sent.size,
    received: 0,
    applied: 0,
    superseded: 0,
    refused: {},
    queuedAtEnd: 0,
    notReceived: 0,
    fromEstimateMs: [],
    fromStepMs: [],
  };
  for (const [seq, command] of sent) {
    const first = arrival.get(seq);
    if (first === undefined) {
      ledger.notReceived++;
      continue;
    }
    ledger.received++;
    if (first !== 'queued') {
      ledger.refused[first] = (ledger.refused[first] ?? 0) + 1;
      continue;
    }
    const took = taken.get(seq);
    if (took === undefined) ledger.queuedAtEnd++;
    else if (took.outcome === 'superseded') ledger.superseded++;
    else {
      ledger.applied++;
      const fromEstimate = estimateTs.get(command.basedOnStep);
      const fromStep = stepTs.get(command.basedOnStep);
      if (fromEstimate !== undefined) ledger.fromEstimateMs.push(took.atMs - fromEstimate);
      if (fromStep !== undefined) ledger.fromStepMs.push(took.atMs - fromStep);
    }
  }
  return ledger;
}

/** An alert as read from the alerts topic, with the broker record's timestamp (the producer's send time). */
export interface ReadAlert {
  alert: AlertEvent;
  recordMs: number;
}

/**
 * Per alert event: its record's timestamp minus the `ts` of its step's gradient event (the
 * probed step that caused it), and minus the estimate's `ts` (which the alert carries).
 */
export function alertLatencies(
  alerts: readonly ReadAlert[],
  gradients: readonly StepStamp[],
): { fromStepMs: number[]; fromEstimateMs: number[] } {
  const stepTs = new Map(gradients.map((g) => [`${g.runId}\u0000${g.step}`, g.ts]));
  const fromStepMs: number[] = [];
  const fromEstimateMs: number[] = [];
  for (const { alert, recordMs } of alerts) {
    fromEstimateMs.push(recordMs - alert.ts);
    const ts = stepTs.get(`${alert.runId}\u0000${alert.step}`);
    if (ts !== undefined) fromStepMs.push(recordMs - ts);
  }
  return { fromStepMs, fromEstimateMs };
}

/** When each hop of the loop happened for one command: event stamps and broker record stamps, Unix ms. */
export interface LoopStamps {
  /** The probed step's gradient event `ts` (end of the step) and its record's timestamp (the trainer's send). */
  stepTs: number;
  stepRecordMs: number;
  /** The estimate's `ts` (the processor's decision) and its record's timestamp (the processor's send). */
  estimateTs: number;
  estimateRecordMs: number;
  /** The command's `ts` (the controller's decision) and its record's timestamp (the controller's send). */
  commandTs: number;
  commandRecordMs: number;
  /** The trainer's intake: queued on arrival, then applied at a step boundary. */
  queuedMs: number;
  appliedMs: number;
}

export const HOPS = [
  ['trainer: step end -> send', 'stepTs', 'stepRecordMs'],
  ['processor: trainer send -> estimate', 'stepRecordMs', 'estimateTs'],
  ['processor: estimate -> send', 'estimateTs', 'estimateRecordMs'],
  ['controller: processor send -> command', 'estimateRecordMs', 'commandTs'],
  ['controller: command -> send', 'commandTs', 'commandRecordMs'],
  ['trainer: controller send -> queued', 'commandRecordMs', 'queuedMs'],
  ['trainer: queued -> applied', 'queuedMs', 'appliedMs'],
] as const satisfies readonly (readonly [string, keyof LoopStamps, keyof LoopStamps])[];

/** Per hop, its durations over the applied commands whose every stamp is known. */
export function hopDurations(stamps: readonly LoopStamps[]): Map<string, number[]> {
  return new Map(HOPS.map(([name, from, to]) => [name, stamps.map((s) => s[to] - s[from])]));
}

const round = (x: number): number => Math.round(x * 100) / 100;

/** A ledger as bench rows: the counts, and the latencies' p50 and p99 against `stepMs`, the mean step. */
export function ledgerRows(ledger: CommandLedger, stepMs: number): Record<string, number | string>[] {
  const q = (values: number[], p: number): number => round(percentile(values, p));
  const refused = Object.entries(ledger.refused).map(([why, n]) => `${n} ${why}`);
  return [
    { measure: 'commands sent', value: ledger.sent },
    { measure: 'received by the trainer', value: ledger.received },
    { measure: 'applied (its rate set)', value: ledger.applied },
    { measure: 'superseded at the same boundary', value: ledger.superseded },
    { measure: 'refused', value: refused.length === 0 ? 0 : refused.join(', ') },
    { measure: 'queued when the run ended', value: ledger.queuedAtEnd },
    { measure: 'not received (run ended first)', value: ledger.notReceived },
    { measure: 'applied / sent', value: round(ledger.applied / Math.max(1, ledger.sent)) },
    {
      measure: '(applied + superseded) / sent',
      value: round((ledger.applied + ledger.superseded) / Math.max(1, ledger.sent)),
    },
    { measure: 'estimate -> applied p50, ms', value: q(ledger.fromEstimateMs, 0.5) },
    { measure: 'estimate -> applied p99, ms', value: q(ledger.fromEstimateMs, 0.99) },
    { measure: 'probed step -> applied p50, ms', value: q(ledger.fromStepMs, 0.5) },
    { measure: 'probed step -> applied p99, ms', value: q(ledger.fromStepMs, 0.99) },
    { measure: 'training step + probe (baseline), ms', value: round(stepMs) },
    {
      measure: 'probed step -> applied p99 / step',
      value: round(percentile(ledger.fromStepMs, 0.99) / stepMs),
    },
  ];
}

/** Mean `stepMs + probeMs` of a run's gradient events: the training step the latency is set against. */
export function meanStepMs(gradients: readonly StepStamp[]): number {
  return (
    gradients.reduce((sum, g) => sum + (g.stepMs ?? 0) + (g.probeMs ?? 0), 0) / Math.max(1, gradients.length)
  );
}

/**
 * The trainer both loop benches run: full-batch least squares (256 samples, 16 dimensions) on
 * `backend`, rate 0.05, probe every step (k_L = k_S = 1, forward differences), rate bounds
 * [1e-6, 10].
 */
export function loopTrainer(backend: string): Pick<
  TrainerOptions,
  'model' | 'dataset' | 'backend' | 'lr' | 'batchSize' | 'seed' | 'probe'
> & {
  lrBounds: { minLr: number; maxLr: number };
} {
  const { dataset, model } = createProblem({
    dataset: 'least-squares',
    samples: 256,
    dim: 16,
    noise: 0.1,
    seed: 3,
  });
  return {
    model,
    dataset,
    backend,
    lr: 0.05,
    batchSize: 256,
    seed: 1,
    probe: { every: 1, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
    lrBounds: { minLr: 1e-6, maxLr: 10 },
  };
}
