import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backend } from './support/backend-cpu.js';
import { mulberry32 } from '../../../src/dynamics/index.js';
import {
  decodeEvent,
  encodeEvent,
  type GradientEvent,
  type LyapEvent,
  type RunEvent,
  type TrajectoryEvent,
} from '../../../src/events/index.js';
import {
  BatchSampler,
  createLinear,
  createMlp,
  createQuadratic,
  leastSquares,
  loadMnist,
  noData,
  tf,
  train,
  type Dataset,
  type Model,
  type TrainerOptions,
} from '../../../src/trainer/index.js';

const mnist = loadMnist({ limit: 1000, downsample: 2 });
const mlp = (): Model =>
  createMlp({ inputSize: 196, hidden: [32], outputSize: 10, activation: 'relu', loss: 'cross-entropy' });
const PROBE_OFF = { every: 0, kLyapunov: 1, kSharpness: 1, hvp: 'forward', eps0: 1e-3 } as const;

async function run(options: Partial<TrainerOptions> & { model: Model; dataset: Dataset }) {
  const events: LyapEvent[] = [];
  const result = await train({
    runId: 'trainer-test',
    backend: backend.reportedName,
    lr: 0.1,
    batchSize: 16,
    steps: 20,
    seed: 3,
    probe: PROBE_OFF,
    emit: (e) => events.push(e),
    ...options,
  });
  const of = <T extends LyapEvent['type']>(type: T) =>
    events.filter((e): e is Extract<LyapEvent, { type: T }> => e.type === type);
  return { result, events, gradients: of('gradient'), trajectories: of('trajectory'), runs: of('run') };
}

/** Plain float64 gradient descent (or heavy ball) on L = ‖Xθ − y‖²/(2n) over the sampler's batches. */
function leastSquaresReference(
  dataset: Dataset,
  theta0: Float32Array,
  options: { lr: number; momentum: number; steps: number; batchSize: number; seed: number },
): Float64Array {
  const d = theta0.length;
  const theta = Float64Array.from(theta0);
  const velocity = new Float64Array(d);
  const sampler = new BatchSampler(dataset, { batchSize: options.batchSize, seed: options.seed });
  for (let step = 0; step < options.steps; step++) {
    const rows = sampler.nextIndices();
    const grad = new Float64Array(d);
    for (const row of rows) {
      let r = -dataset.targets[row]!;
      for (let j = 0; j < d; j++) r += dataset.inputs[row * d + j]! * theta[j]!;
      for (let j = 0; j < d; j++) grad[j] = grad[j]! + (r * dataset.inputs[row * d + j]!) / rows.length;
    }
    for (let j = 0; j < d; j++) {
      velocity[j] = options.momentum * velocity[j]! + grad[j]!;
      theta[j] = theta[j]! - options.lr * (options.momentum > 0 ? velocity[j]! : grad[j]!);
    }
  }
  return theta;
}

describe('trainer > train', () => {
  it('does not change the trajectory when the probe is on: same θ bit for bit after 20 steps', async () => {
    const off = await run({ model: mlp(), dataset: mnist });
    const on = await run({
      model: mlp(),
      dataset: mnist,
      probe: { every: 1, kLyapunov: 2, kSharpness: 2, hvp: 'central', eps0: 1e-3 },
    });
    assert.ok(on.gradients.every((g) => g.probe !== undefined));
    assert.deepEqual(Buffer.from(on.result.theta.buffer), Buffer.from(off.result.theta.buffer));
    assert.deepEqual(
      on.gradients.map((g) => g.loss),
      off.gradients.map((g) => g.loss),
    );
  });

  it('measures λ_max every sharpnessEvery steps and the batch sharpness at every probe, and λ_max again after the rate moved ×2', async () => {
    const probe = {
      every: 2,
      kLyapunov: 0,
      kSharpness: 1,
      hvp: 'forward',
      eps0: 1e-3,
      sharpnessEvery: 8,
    } as const;
    // One command: the rate ×4 from step 11 on.
    const commands = { take: (step: number) => (step === 11 ? { lr: 0.4, seq: 1 } : undefined) };
    const { gradients, runs } = await run({ model: mlp(), dataset: mnist, steps: 20, probe, commands });
    const at = (kind: 'sharpness' | 'batchSharpness') =>
      gradients.filter((g) => g.probe?.[kind] !== undefined).map((g) => g.step);
    assert.deepEqual(at('batchSharpness'), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    // 0, 8, 16 on schedule; 12 is the first probe at the new rate.
    assert.deepEqual(at('sharpness'), [0, 8, 12, 16]);
    assert.equal(gradients.find((g) => g.step === 2)?.probe?.hvps, 1, 'a probe between measures one product');
    assert.equal(runs[0]?.config.probe.sharpnessEvery, 8);
    await assert.rejects(
      run({ model: mlp(), dataset: mnist, probe: { ...probe, sharpnessEvery: 5 } }),
      /λ_max every 5 steps must fall on probes: a positive multiple of 2/,
    );
  });

  it('is deterministic for a seed and differs for another', async () => {
    const a = await run({ model: mlp(), dataset: mnist, steps: 5 });
    const b = await run({ model: mlp(), dataset: mnist, steps: 5 });
    const c = await run({ model: mlp(), dataset: mnist, steps: 5, seed: 4 });
    assert.deepEqual(a.result.theta, b.result.theta);
    assert.notDeepEqual(a.result.theta, c.result.theta);
  });

  for (const momentum of [0, 0.9]) {
    it(`follows float64 ${momentum > 0 ? 'heavy-ball ' : ''}SGD on least squares to float32 accuracy`, async () => {
      const dataset = leastSquares({ samples: 40, dim: 5, noise: 0.1, seed: 2 });
      const model = createLinear({ inputSize: 5, outputSize: 1 });
      const { result, runs } = await run({ model, dataset, momentum, lr: 0.05, batchSize: 8, steps: 30 });
      const expected = leastSquaresReference(dataset, model.init(mulberry32(3)), {
        lr: 0.05,
        momentum,
        steps: 30,
        batchSize: 8,
        seed: 4,
      });
      expected.forEach((x, j) => {
        assert.ok(
          Math.abs(result.theta[j]! - x) < 1e-5 * (1 + Math.abs(x)),
          `θ[${j}] ${result.theta[j]} vs ${x}`,
        );
      });
      assert.equal(runs[0]?.config.optimizer, momentum > 0 ? 'sgd-momentum-0.9' : 'sgd');
    });
  }

  it('emits a run start, a gradient and a trajectory event per step and a run end, all valid v1', async () => {
    const { events, gradients, trajectories, runs } = await run({
      model: mlp(),
      dataset: mnist,
      steps: 6,
      probe: { ...PROBE_OFF, every: 2 },
    });
    assert.deepEqual(
      events.map((e) => e.type),
      ['run', ...Array.from({ length: 6 }, () => ['gradient', 'trajectory']).flat(), 'run'],
    );
    for (const e of events) assert.ok(decodeEvent(encodeEvent(e)).ok, encodeEvent(e));
    const [start, end] = runs as [RunEvent, RunEvent];
    assert.deepEqual(start.config, {
      model: 'mlp-196-32-10-relu',
      dataset: 'mnist-14x14',
      optimizer: 'sgd',
      lr: 0.1,
      batchSize: 16,
      params: 196 * 32 + 32 + 330,
      backend: 'cpu',
      seed: 3,
      probe: { every: 2, kLyapunov: 1, kSharpness: 1, hvp: 'forward' },
    });
    assert.equal(end.status, 'completed');
    assert.equal(end.lastStep, 5);
    assert.equal(end.finalLoss, gradients[5]?.loss);
    assert.deepEqual(
      gradients.map((g) => g.probe !== undefined),
      [true, false, true, false, true, false],
    );
    assert.ok(
      gradients.every(
        (g) =>
          g.stepMs !== undefined && g.batchSize === 16 && Object.keys(g.layerGradNorms ?? {}).length === 4,
      ),
    );
    assert.ok(gradients.every((g) => (g.probe === undefined) === (g.probeMs === undefined)));
    assert.equal(trajectories[0]?.cosPrevUpdate, undefined);
    assert.equal(trajectories[0]?.distanceFromInit, 0);
  });

  it('reports the trajectory geometry: norms, the update, the distance from θ₀ and the cosine of successive updates', async () => {
    // Gradient descent on ½θᵀθ (A = I): θ[t] = (1 − η)^t θ₀, every update −ηθ[t] points the same way.
    const model = createQuadratic({ spectrum: [1, 1, 1], seed: 1, rotate: false });
    const { trajectories, gradients } = await run({ model, dataset: noData(), lr: 0.25, steps: 4 });
    const norm0 = Math.hypot(...model.init(mulberry32(3)));
    trajectories.forEach((t: TrajectoryEvent, step) => {
      const scale = 0.75 ** step;
      assert.ok(Math.abs(t.paramNorm - norm0 * scale) < 1e-5);
      assert.ok(Math.abs(t.updateNorm - 0.25 * norm0 * scale) < 1e-5);
      assert.ok(Math.abs(t.distanceFromInit - norm0 * (1 - scale)) < 1e-5);
      if (step > 0) assert.ok(Math.abs((t.cosPrevUpdate ?? 0) - 1) < 1e-6);
      assert.ok(Math.abs((gradients[step] as GradientEvent).gradNorm - norm0 * scale) < 1e-5);
    });
  });

  it('ends a run whose loss overflows as diverged, emitting the non-finite step without crashing', async () => {
    const { gradients, runs, result } = await run({
      model: createQuadratic({ spectrum: [10, 1], seed: 1 }),
      dataset: noData(),
      lr: 1,
      steps: 500,
      probe: { ...PROBE_OFF, every: 1 },
    });
    const last = gradients.at(-1) as GradientEvent;
    assert.ok(!Number.isFinite(last.loss) || !Number.isFinite(last.gradNorm));
    assert.equal(last.probe, undefined);
    assert.ok(gradients.length < 500);
    assert.equal(result.status, 'diverged');
    assert.equal(runs.at(-1)?.status, 'diverged');
    assert.equal(runs.at(-1)?.lastStep, last.step);
    const decoded = decodeEvent(encodeEvent(last));
    assert.ok(decoded.ok && decoded.event.type === 'gradient' && !Number.isFinite(decoded.event.loss));
  });

  it('stops with status stopped when aborted, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const { result, runs } = await run({
      model: mlp(),
      dataset: mnist,
      steps: 50,
      momentum: 0.5,
      probe: { ...PROBE_OFF, every: 3 },
      signal: controller.signal,
      onStep: ({ gradient }) => {
        if (gradient.step === 9) controller.abort();
      },
    });
    assert.equal(result.status, 'stopped');
    assert.equal(runs.at(-1)?.lastStep, 9);
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('trainer > shadow replica', () => {
  it('measures the largest Lyapunov exponent log|1 − η·h| of a quadratic by two trajectories', async () => {
    // At η = 0.1 on {4, 1, −0.3} the most expanding direction is h = −0.3: log 1.03 per step.
    const { trajectories } = await run({
      model: createQuadratic({ spectrum: [4, 1, -0.3], seed: 2 }),
      dataset: noData(),
      lr: 0.1,
      steps: 150,
      shadow: { eps0: 1e-3 },
    });
    const logs = trajectories
      .slice(100)
      .map((t) => Math.log((t.shadow?.separation ?? Number.NaN) / (t.shadow?.renormalizedTo ?? Number.NaN)));
    const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
    assert.ok(Math.abs(mean - Math.log(1.03)) < 0.02 * Math.log(1.03), `mean log(s/d) ${mean}`);
  });

  it('does not change the trajectory, and refuses momentum', async () => {
    const off = await run({ model: mlp(), dataset: mnist, steps: 8 });
    const on = await run({ model: mlp(), dataset: mnist, steps: 8, shadow: { eps0: 1e-3 } });
    assert.ok(on.trajectories.every((t) => t.shadow !== undefined && t.shadow.separation > 0));
    assert.deepEqual(Buffer.from(on.result.theta.buffer), Buffer.from(off.result.theta.buffer));
    await assert.rejects(
      run({ model: mlp(), dataset: mnist, momentum: 0.9, shadow: { eps0: 1e-3 } }),
      /shadow replica needs/,
    );
  });
});
