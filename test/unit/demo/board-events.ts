import type {
  AlertEvent,
  EstimateEvent,
  GradientEvent,
  LrCommandEvent,
  Regime,
} from '../../../src/events/index.js';

const T = 1_700_000_000_000;

export function gradient(runId: string, step: number, loss: number, lr: number): GradientEvent {
  return { v: 1, type: 'gradient', runId, ts: T + step, step, lr, loss, gradNorm: 1 };
}

export function estimate(runId: string, step: number, extra: Partial<EstimateEvent> = {}): EstimateEvent {
  return {
    v: 1,
    type: 'estimate',
    runId,
    ts: T + step,
    step,
    window: 5,
    lr: 0.5,
    lyapunov: [0.01],
    curvature: [1],
    sharpness: 2,
    stabilityRatio: 1,
    regime: 'converging' satisfies Regime,
    samples: 5,
    ...extra,
  };
}

export function command(
  runId: string,
  step: number,
  previousLr: number,
  lr: number,
  extra: Partial<LrCommandEvent> = {},
): LrCommandEvent {
  return {
    v: 1,
    type: 'lr-command',
    runId,
    ts: T + step,
    seq: step,
    lr,
    previousLr,
    reason: lr < previousLr ? 'brake' : 'quasi-newton',
    basedOnStep: step,
    ...extra,
  };
}

export function alert(
  runId: string,
  step: number,
  state: AlertEvent['state'],
  extra: Partial<AlertEvent> = {},
): AlertEvent {
  return {
    v: 1,
    type: 'alert',
    runId,
    ts: T + step,
    step,
    name: 'LyapStabilityRatioAboveTwo',
    severity: 'critical',
    state,
    message: `run ${runId}: unstable at step ${step}`,
    value: 3,
    ...extra,
  };
}
