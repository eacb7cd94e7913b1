import type { EstimateEvent } from '../../../src/events/index.js';
import type { LateStats, RunRecord } from '../../../src/sweep/run-record.js';
import type { RunSpec } from '../../../src/sweep/sweep-config.js';

export function estimate(step: number, fields: Partial<EstimateEvent> = {}): EstimateEvent {
  return {
    v: 1,
    type: 'estimate',
    runId: 'run',
    ts: 1_700_000_000_000 + step,
    step,
    window: 5,
    lr: 0.1,
    lyapunov: [0],
    curvature: [0],
    sharpness: 1,
    stabilityRatio: 0.1,
    predictedLyapunov: [0],
    regime: 'converging',
    samples: step + 1,
    ...fields,
  };
}

export function late(fields: Partial<LateStats> = {}): LateStats {
  return {
    probes: 10,
    sharpness: 1,
    etaLambda: 0.5,
    topExponent: 0.01,
    curvature: -0.1,
    predictedExponent: 0.005,
    negativeCurvaturePrediction: 0.005,
    localExponent: 0.01,
    localPredicted: 0.005,
    offEigenSine: 0.9,
    ...fields,
  };
}

/** A completed constant-rate run of group mlp-ce unless told otherwise. */
export function record(spec: Partial<RunSpec> & { lr: number }, fields: Partial<RunRecord> = {}): RunRecord {
  const s: RunSpec = {
    id: `mlp-ce-lr${spec.lr}-s${spec.seed ?? 1}${spec.arm === undefined ? '' : `-${spec.arm}${spec.alpha ?? ''}`}`,
    group: 'mlp-ce',
    arm: 'constant',
    model: 'mlp',
    loss: 'cross-entropy',
    seed: 1,
    ...spec,
  };
  return {
    ...s,
    status: 'completed',
    stepsDone: 100,
    wallSeconds: 1,
    cpuSeconds: 1,
    finalLr: s.lr,
    commands: 0,
    appliedCommands: [],
    commandSpikes: 0,
    breakdown: null,
    breakdownByCommand: false,
    probes: 20,
    late: late({ sharpness: 1 / s.lr, etaLambda: 1 }),
    finalLoss: 0.5,
    finalAccuracy: 0.9,
    targetLoss: 0.3,
    stepsToTarget: 50,
    series: {
      step: [0, 10],
      lr: [s.lr, s.lr],
      sharpness: [1, 2],
      topExponent: [0, 0.01],
      curvature: [0, -0.1],
    },
    lossCurve: { step: [0, 99], loss: [2.3, 0.5] },
    evals: { step: [1, 100], accuracy: [0.1, 0.9], loss: [2.3, 0.5] },
    ...fields,
  };
}
