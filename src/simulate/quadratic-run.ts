import {
  diag,
  gaussian,
  matMul,
  mulberry32,
  norm,
  qr,
  randomOrthogonal,
  transpose,
  type Matrix,
} from '../dynamics/index.js';
import type { GradientEvent, Probe, RunEvent, TrajectoryEvent } from '../events/index.js';

/**
 * SGD on a quadratic L(θ) = ½ θᵀAθ with a chosen spectrum, with the probe of docs/design.md
 * simulated exactly (float64, exact Hessian-vector products A·v): the Lyapunov subspace
 * V ↦ qr(J·V) with J = I − ηA, Gram (JV)ᵀ(JV) and Rayleigh VᵀAV; the sharpness subspace
 * W ↦ qr(A·W) with Rayleigh WᵀAW. Every number the processor should recover is known in
 * closed form: local exponents log|1 − ηh|, curvatures h, sharpness max(h).
 */
export interface QuadraticRunOptions {
  runId: string;
  spectrum: readonly number[];
  lr: number;
  steps: number;
  probeEvery?: number;
  kLyapunov?: number;
  kSharpness?: number;
  seed?: number;
  /** Rotate the eigenbasis (true) or keep A diagonal (false). */
  rotate?: boolean;
  startTs?: number;
  stepMs?: number;
  /** Also report the exact batch sharpness gᵀAg/gᵀg (default false: older recordings lack it). */
  batchSharpness?: boolean;
}

export type SimulatedEvent = RunEvent | GradientEvent | TrajectoryEvent;

const EPS0 = 1e-3;

export function* simulateQuadraticRun(options: QuadraticRunOptions): Generator<SimulatedEvent> {
  const { runId, spectrum, lr, steps } = options;
  const n = spectrum.length;
  const probeEvery = options.probeEvery ?? 1;
  const kL = options.kLyapunov ?? 1;
  const kS = options.kSharpness ?? 1;
  if (kL > n || kS > n) throw new RangeError(`subspace sizes (${kL}, ${kS}) exceed the dimension ${n}`);
  const rng = mulberry32(options.seed ?? 1);
  const basis = options.rotate === false ? diag(spectrum.map(() => 1)) : randomOrthogonal(n, rng);
  const a = matMul(matMul(basis, diag([...spectrum])), transpose(basis));
  const startTs = options.startTs ?? 1_700_000_000_000;
  const stepMs = options.stepMs ?? 10;

  let theta = spectrum.map(() => gaussian(rng));
  const theta0 = [...theta];
  let v = orthonormal(randomColumns(n, kL, rng));
  let w = orthonormal(randomColumns(n, kS, rng));
  let prevUpdate: number[] | undefined;

  const config = {
    model: `quadratic(h=${spectrum.join(',')})`,
    dataset: 'none',
    optimizer: 'sgd',
    lr,
    batchSize: 1,
    params: n,
    backend: 'simulated-float64',
    seed: options.seed ?? 1,
    probe: { every: probeEvery, kLyapunov: kL, kSharpness: kS, hvp: 'forward' as const },
  };
  yield { v: 1, type: 'run', runId, ts: startTs, phase: 'start', config };

  let loss = 0;
  for (let step = 0; step < steps; step++) {
    const ts = startTs + (step + 1) * stepMs;
    const grad = mulVec(a, theta);
    loss = 0.5 * dotv(theta, grad);
    const event: GradientEvent = { v: 1, type: 'gradient', runId, ts, step, lr, loss, gradNorm: norm(grad) };
    if (probeEvery > 0 && step % probeEvery === 0 && Number.isFinite(norm(theta))) {
      const probe: Probe = { eps: 0, hvps: kL + kS };
      const hv = matMul(a, v);
      const jv = v.map((row, i) => row.map((x, j) => x - lr * at(hv, i, j)));
      probe.lyapunov = { eta: lr, gram: matMul(transpose(jv), jv), rayleigh: matMul(transpose(v), hv) };
      const hw = matMul(a, w);
      probe.sharpness = { rayleigh: matMul(transpose(w), hw) };
      // The probe's ε rule, ε₀(1 + ‖θ‖)/‖v‖ with ‖v‖ = 1; the simulated products are exact.
      probe.eps = EPS0 * (1 + norm(theta));
      v = orthonormal(jv);
      w = orthonormal(hw);
      const gg = dotv(grad, grad);
      if (options.batchSharpness === true && gg > 0) {
        probe.batchSharpness = dotv(grad, mulVec(a, grad)) / gg;
        probe.hvps += 1;
      }
      event.probe = probe;
    }
    yield event;
    const update = grad.map((g) => -lr * g);
    const next = theta.map((x, i) => x + at1(update, i));
    const trajectory: TrajectoryEvent = {
      v: 1,
      type: 'trajectory',
      runId,
      ts,
      step,
      paramNorm: norm(theta),
      updateNorm: norm(update),
      distanceFromInit: norm(theta.map((x, i) => x - at1(theta0, i))),
    };
    if (prevUpdate !== undefined) {
      const denom = norm(prevUpdate) * norm(update);
      if (denom > 0) trajectory.cosPrevUpdate = dotv(prevUpdate, update) / denom;
    }
    yield trajectory;
    prevUpdate = update;
    theta = next;
  }
  const finite = Number.isFinite(loss);
  yield {
    v: 1,
    type: 'run',
    runId,
    ts: startTs + (steps + 1) * stepMs,
    phase: 'end',
    config,
    status: finite ? 'completed' : 'diverged',
    finalLoss: loss,
    lastStep: steps - 1,
  };
}

function randomColumns(n: number, k: number, rng: () => number): Matrix {
  return Array.from({ length: n }, () => Array.from({ length: k }, () => gaussian(rng)));
}

function orthonormal(m: Matrix): Matrix {
  return qr(m).q;
}

function mulVec(a: Matrix, x: readonly number[]): number[] {
  return a.map((row) => dotv(row, x));
}

function dotv(x: readonly number[], y: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += at1(x, i) * at1(y, i);
  return s;
}

function at1(x: readonly number[], i: number): number {
  return x[i] ?? 0;
}

function at(m: Matrix, i: number, j: number): number {
  return m[i]?.[j] ?? 0;
}
