import { gaussian, mulberry32 } from '../../dynamics/index.js';
import { makeDataset, type Dataset } from './dataset.js';

export interface LeastSquaresOptions {
  samples: number;
  dim: number;
  noise: number;
  seed: number;
}

/**
 * Linear least squares: X with N(0, 1) entries (samples × dim), a planted θ* ~ N(0, I) and
 * y = Xθ* + noise·N(0, 1). With the linear model and L = ‖Xθ − y‖²/(2n) the Hessian of a
 * minibatch B is X_BᵀX_B/|B|, exactly, whatever θ is.
 */
export function leastSquares(options: LeastSquaresOptions): Dataset {
  const rng = mulberry32(options.seed);
  const { samples, dim } = options;
  const inputs = Float32Array.from({ length: samples * dim }, () => gaussian(rng));
  const planted = Array.from({ length: dim }, () => gaussian(rng));
  const targets = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    let y = 0;
    for (let j = 0; j < dim; j++) y += (inputs[i * dim + j] ?? 0) * (planted[j] ?? 0);
    targets[i] = y + options.noise * gaussian(rng);
  }
  return makeDataset({
    name: 'least-squares',
    task: 'regression',
    size: samples,
    inputShape: [dim],
    outputSize: 1,
    inputs,
    targets,
  });
}

export interface TeacherStudentOptions {
  samples: number;
  dim: number;
  teacherHidden: number;
  outputs: number;
  noise: number;
  seed: number;
}

/**
 * Teacher–student regression: x ~ N(0, I_dim), y = W₂ tanh(W₁x + b₁) + noise·N(0, 1) for a
 * fixed random teacher with N(0, 1/fan-in) weights; a student network is trained to fit it.
 */
export function teacherStudent(options: TeacherStudentOptions): Dataset {
  const rng = mulberry32(options.seed);
  const { samples, dim, teacherHidden: h, outputs } = options;
  const w1 = Array.from({ length: h * dim }, () => gaussian(rng) / Math.sqrt(dim));
  const b1 = Array.from({ length: h }, () => 0.1 * gaussian(rng));
  const w2 = Array.from({ length: outputs * h }, () => gaussian(rng) / Math.sqrt(h));
  const inputs = Float32Array.from({ length: samples * dim }, () => gaussian(rng));
  const targets = new Float32Array(samples * outputs);
  const hidden = new Float64Array(h);
  for (let i = 0; i < samples; i++) {
    for (let k = 0; k < h; k++) {
      let z = b1[k] ?? 0;
      for (let j = 0; j < dim; j++) z += (w1[k * dim + j] ?? 0) * (inputs[i * dim + j] ?? 0);
      hidden[k] = Math.tanh(z);
    }
    for (let o = 0; o < outputs; o++) {
      let y = 0;
      for (let k = 0; k < h; k++) y += (w2[o * h + k] ?? 0) * (hidden[k] ?? 0);
      targets[i * outputs + o] = y + options.noise * gaussian(rng);
    }
  }
  return makeDataset({
    name: 'teacher-student',
    task: 'regression',
    size: samples,
    inputShape: [dim],
    outputSize: outputs,
    inputs,
    targets,
  });
}
