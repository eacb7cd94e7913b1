import type {
  EstimateEvent,
  GradientEvent,
  LrCommandEvent,
  RunEvent,
  TrajectoryEvent,
} from '../../src/events/index.js';

export const T0 = 1_700_000_000_000;

export function gradient(runId: string, step: number, extra: Partial<GradientEvent> = {}): GradientEvent {
  return { v: 1, type: 'gradient', runId, ts: T0 + step, step, lr: 0.1, loss: 1, gradNorm: 1, ...extra };
}

export function trajectory(
  runId: string,
  step: number,
  extra: Partial<TrajectoryEvent> = {},
): TrajectoryEvent {
  return {
    v: 1,
    type: 'trajectory',
    runId,
    ts: T0 + step,
    step,
    paramNorm: 1,
    updateNorm: 0.1,
    distanceFromInit: 0.5,
    ...extra,
  };
}

export function runEvent(runId: string, phase: 'start' | 'end', extra: Partial<RunEvent> = {}): RunEvent {
  const event: RunEvent = {
    v: 1,
    type: 'run',
    runId,
    ts: T0,
    phase,
    config: {
      model: 'test',
      dataset: 'none',
      optimizer: 'sgd',
      lr: 0.1,
      batchSize: 1,
      params: 2,
      backend: 'none',
      seed: 1,
      probe: { every: 1, kLyapunov: 1, kSharpness: 1, hvp: 'forward' },
    },
    ...extra,
  };
  if (phase === 'end' && event.status === undefined) event.status = 'completed';
  return event;
}

/** A one-direction probe with exact Gram/Rayleigh for curvature h at learning rate eta. */
export function probe(h: number, eta: number): NonNullable<GradientEvent['probe']> {
  return {
    eps: 1e-3,
    hvps: 2,
    lyapunov: { eta, gram: [[(1 - eta * h) ** 2]], rayleigh: [[h]] },
    sharpness: { rayleigh: [[h]] },
  };
}

/**
 * A k = 2 probe at rate 0.1: sane (a 2×2 Gram and Rayleigh matrix the estimator takes), or, with
 * `overflowing`, one that passes the schema with finite values and overflows float64 once
 * symmetrised ((1.7e308 + 1.7e308)/2), so that the estimator cannot make its estimate.
 */
export function probeK2(overflowing = false): NonNullable<GradientEvent['probe']> {
  const [gram, rayleigh] = overflowing
    ? [
        [
          [1e300, 0],
          [0, 1e300],
        ],
        [
          [1.7e308, 1.7e308],
          [1.7e308, -1.7e308],
        ],
      ]
    : [
        [
          [0.9, 0],
          [0, 0.8],
        ],
        [
          [2, 0],
          [0, 1],
        ],
      ];
  return { ...probe(2, 0.1), lyapunov: { eta: 0.1, gram, rayleigh } };
}

/** A converged estimate of run `r` at rate 0.01 with sharpness 10, at ts T0 + step. */
export function estimateAt(step: number, extra: Partial<EstimateEvent> = {}): EstimateEvent {
  return {
    v: 1,
    type: 'estimate',
    runId: 'r',
    ts: T0 + step,
    step,
    window: 20,
    lr: 0.01,
    lyapunov: [-0.01],
    curvature: [1],
    sharpness: 10,
    stabilityRatio: 0.1,
    regime: 'converging',
    samples: step + 1,
    ...extra,
  };
}

/** An unsigned quasi-Newton lr-command for `runId`, based on step 0. */
export function lrCommand(seq: number, lr: number, runId = 'run-a'): LrCommandEvent {
  return {
    v: 1,
    type: 'lr-command',
    runId,
    ts: 1,
    seq,
    lr,
    previousLr: 0.1,
    reason: 'quasi-newton',
    basedOnStep: 0,
  };
}
