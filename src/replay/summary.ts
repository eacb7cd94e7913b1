import type { EstimateEvent, Regime } from '../events/index.js';

export interface RunSummary {
  runId: string;
  estimates: number;
  firstStep: number;
  lastStep: number;
  lr: number;
  lyapunov: number[];
  curvature: number[];
  sharpness: number;
  stabilityRatio: number;
  regime: Regime;
  regimes: Partial<Record<Regime, number>>;
}

/** Per-run summary of an estimate stream: the last estimate, and how often each regime was reported. */
export function summarize(): { add(event: EstimateEvent): void; runs(): RunSummary[] } {
  const byRun = new Map<string, RunSummary>();
  return {
    add(e) {
      let s = byRun.get(e.runId);
      if (s === undefined) {
        s = { ...pick(e), runId: e.runId, estimates: 0, firstStep: e.step, regimes: {} };
        byRun.set(e.runId, s);
      }
      Object.assign(s, pick(e));
      s.estimates++;
      s.regimes[e.regime] = (s.regimes[e.regime] ?? 0) + 1;
    },
    runs: () => [...byRun.values()].sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0)),
  };
}

function pick(
  e: EstimateEvent,
): Pick<
  RunSummary,
  'lastStep' | 'lr' | 'lyapunov' | 'curvature' | 'sharpness' | 'stabilityRatio' | 'regime'
> {
  return {
    lastStep: e.step,
    lr: e.lr,
    lyapunov: e.lyapunov,
    curvature: e.curvature,
    sharpness: e.sharpness,
    stabilityRatio: e.stabilityRatio,
    regime: e.regime,
  };
}
