import type { EventType } from '../../../src/events/index.js';

export const TS = 1_700_000_000_000;

const config = {
  model: 'mlp-784-128-10',
  dataset: 'mnist',
  optimizer: 'sgd',
  lr: 0.05,
  batchSize: 64,
  params: 101_770,
  backend: 'wasm',
  seed: 7,
  probe: { every: 10, kLyapunov: 2, kSharpness: 1, hvp: 'forward' },
};

/** One valid wire example of each event type, as a producer would send it. */
export function wireExamples(): Record<EventType, Record<string, unknown>> {
  return {
    run: {
      v: 1,
      type: 'run',
      runId: 'run-1',
      ts: TS,
      phase: 'end',
      config,
      status: 'completed',
      finalLoss: 0.12,
    },
    gradient: {
      v: 1,
      type: 'gradient',
      runId: 'run-1',
      ts: TS,
      step: 120,
      lr: 0.05,
      loss: 0.31,
      gradNorm: 1.7,
      batchSize: 64,
      layerGradNorms: { 'dense_1/kernel': 1.2, 'dense_1/bias': 0.08 },
      cmdSeq: 3,
      stepMs: 4.5,
      probeMs: 9.25,
      probe: {
        eps: 0.001,
        hvps: 3,
        lyapunov: {
          eta: 0.05,
          gram: [
            [0.98, 0.01],
            [0.01, 0.95],
          ],
          rayleigh: [
            [0.4, 0.02],
            [0.02, 1.1],
          ],
        },
        sharpness: { rayleigh: [[21.5]] },
      },
    },
    trajectory: {
      v: 1,
      type: 'trajectory',
      runId: 'run-1',
      ts: TS,
      step: 120,
      paramNorm: 12.5,
      updateNorm: 0.085,
      distanceFromInit: 3.2,
      cosPrevUpdate: 0.91,
      shadow: { separation: 0.00013, renormalizedTo: 0.0001 },
    },
    estimate: {
      v: 1,
      type: 'estimate',
      runId: 'run-1',
      ts: TS,
      step: 120,
      window: 8,
      lr: 0.05,
      lyapunov: [0.012, -0.03],
      curvature: [-0.25, 0.6],
      sharpness: 21.5,
      stabilityRatio: 1.075,
      predictedLyapunov: [0.0124, -0.0305],
      regime: 'edge',
      samples: 12,
      invertedCurvature: [-0.24, 0.61],
      sharpnessSamples: 12,
      degenerate: false,
    },
    'lr-command': {
      v: 1,
      type: 'lr-command',
      runId: 'run-1',
      ts: TS,
      seq: 4,
      lr: 0.0465,
      previousLr: 0.05,
      reason: 'quasi-newton',
      basedOnStep: 120,
      sharpness: 21.5,
      sig: 'a'.repeat(64),
    },
    alert: {
      v: 1,
      type: 'alert',
      runId: 'run-1',
      ts: TS,
      step: 120,
      name: 'LyapunovPositive',
      severity: 'warning',
      state: 'firing',
      message: 'largest Lyapunov exponent above 0 for 50 steps',
      value: 0.012,
    },
    'dead-letter': {
      v: 1,
      type: 'dead-letter',
      runId: 'run-1',
      ts: TS,
      sourceTopic: 'lyap.gradients',
      partition: 2,
      offset: '18446',
      key: 'run-1',
      error: 'invalid-field: gradient.step: expected >= 0, received -1',
      raw: '{"v":1,"type":"gradient","runId":"run-1","step":-1}',
    },
  };
}

export function gradient(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...wireExamples().gradient, ...overrides };
}

export function withProbe(probe: Record<string, unknown>): string {
  return JSON.stringify(gradient({ probe: { eps: 0.001, hvps: 2, ...probe } }));
}
