import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ControlMode } from '../../../src/controller/index.js';
import { symmetricEigen } from '../../../src/dynamics/index.js';
import type { GradientEvent, LrCommandEvent } from '../../../src/events/index.js';
import { runClosedLoop } from '../../../src/loop/index.js';
import { createProblem, type Dataset } from '../../../src/trainer/index.js';
import { backend } from '../trainer/support/backend-cpu.js';

const SAMPLES = 64;
const DIM = 4;

/** λ_max of the full-batch Hessian XᵀX/n of linear least squares, in float64: the independent truth. */
function lambdaMax(dataset: Dataset): number {
  const x = dataset.inputs;
  const h = Array.from({ length: DIM }, (_, i) =>
    Array.from({ length: DIM }, (_, j) => {
      let s = 0;
      for (let r = 0; r < SAMPLES; r++) s += (x[r * DIM + i] ?? 0) * (x[r * DIM + j] ?? 0);
      return s / SAMPLES;
    }),
  );
  return symmetricEigen(h).values[0] ?? NaN;
}

interface LoopResult {
  lambda: number;
  gradients: GradientEvent[];
  commands: LrCommandEvent[];
  finalLr: number;
  rejected: number;
}

/** The real trainer (cpu, full-batch least squares, probe every step), processor and signing controller. */
async function closedLoop(lrTimesLambda: number, mode: ControlMode, steps: number): Promise<LoopResult> {
  const { dataset, model } = createProblem({
    dataset: 'least-squares',
    samples: SAMPLES,
    dim: DIM,
    noise: 0.1,
    seed: 5,
  });
  const lambda = lambdaMax(dataset);
  const r = await runClosedLoop({
    trainer: {
      runId: `loop-${mode}-${lrTimesLambda}`,
      model,
      dataset,
      backend: backend.reportedName,
      lr: lrTimesLambda / lambda,
      batchSize: SAMPLES,
      steps,
      seed: 1,
      probe: { every: 1, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 },
      lrBounds: { minLr: 1e-6, maxLr: 100 },
    },
    processor: { windowProbes: 5 },
    controller: {
      mode,
      // The paper's rule: on full-batch least squares its target 1/λ_max is known exactly.
      rule: 'quasi-newton',
      cooldownSteps: 5,
      minWindow: 3,
      convergenceEstimates: 3,
      brakeSustainEstimates: 2,
      brakeFactor: 0.1,
      brakeCooldownSteps: 3,
      lrMax: 100,
    },
  });
  const c = r.session.commands;
  return {
    lambda,
    gradients: r.gradients,
    commands: r.commands,
    finalLr: r.session.lr,
    rejected: c.rejectedForged + c.rejectedUnsigned,
  };
}

describe('closed loop > control is shown to work (real trainer, processor, controller over MemoryBus)', () => {
  it('brakes a run started at eta = 20/lambda_max, which then converges', async () => {
    const r = await closedLoop(20, 'control', 250);
    const brakes = r.commands.filter((c) => c.reason === 'brake');
    assert.ok(brakes.length >= 1, 'braked');
    assert.ok(r.finalLr * r.lambda < 2, `ends stable: eta*lambda_max = ${r.finalLr * r.lambda}`);
    const losses = r.gradients.map((g) => g.loss);
    const peak = Math.max(...losses);
    const last = losses.at(-1) ?? NaN;
    assert.ok(Number.isFinite(peak), 'never overflowed');
    assert.ok(peak > 10 * (losses[0] ?? 0), 'it was diverging before the brake');
    assert.ok(
      last < 1e-3 * peak && last < (losses[0] ?? 0),
      `converges: ${losses[0]} → peak ${peak} → ${last}`,
    );
    assert.equal(r.rejected, 0, 'every signed command was accepted');
  });

  it('raises a run started at eta = 0.01/lambda_max to within 20% of 1/lambda_max', async () => {
    const r = await closedLoop(0.01, 'control', 150);
    assert.ok(Math.abs(r.finalLr * r.lambda - 1) <= 0.2, `eta*lambda_max = ${r.finalLr * r.lambda}`);
    const firstNear = r.gradients.findIndex((g) => Math.abs(g.lr * r.lambda - 1) <= 0.2);
    assert.ok(firstNear >= 0 && firstNear <= 120, `reached at step ${firstNear}`);
    assert.ok(r.commands.every((c) => c.reason === 'quasi-newton'));
    assert.ok(r.gradients.at(-1)?.cmdSeq !== undefined, 'the trainer reports the applied command');
  });

  it('leaves a run in observe mode alone', async () => {
    const r = await closedLoop(0.01, 'observe', 60);
    assert.deepEqual(r.commands, []);
    assert.ok(r.gradients.every((g) => g.lr === r.gradients[0]?.lr));
  });
});
