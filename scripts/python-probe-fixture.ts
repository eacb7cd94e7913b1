// The TypeScript trainer's probe on a tiny model, as a JSON file the Python client's tests read
// (clients/python/tests/test_probe_typescript.py): the parameters, the minibatch, and what
// TangentProbe (float32 forward finite differences, the trainer's defaults) measures there. The
// Python side rebuilds the same model in torch and measures with exact products.
//   npx tsx scripts/python-probe-fixture.ts --out fixture.json
// The model is the dense-Hessian tests' 49-8-10 tanh MLP (490 parameters) on 7×7 MNIST, at its
// initialisation (seed 3), on 64 images.
import { writeFileSync } from 'node:fs';
import { mulberry32 } from '../src/dynamics/index.js';
import {
  createMlp,
  DEFAULT_EPS0,
  gatherBatch,
  loadMnist,
  selectBackend,
  TangentProbe,
  tf,
} from '../src/trainer/index.js';
import { ScriptArgsError, scriptArgs } from './script-args.js';

const out = scriptArgs(
  {
    name: 'python-probe-fixture',
    usage: `Usage: npx tsx scripts/python-probe-fixture.ts --out fixture.json

The TypeScript probe on the 490-parameter tanh MLP at its initialisation, as the JSON the Python
client's tests compare with (clients/python/tests/test_probe_typescript.py).`,
    options: { out: { type: 'string' } },
  },
  ({ values }) => {
    if (values.out === undefined) throw new ScriptArgsError('--out FILE is required');
    return values.out;
  },
);

await selectBackend({ requested: 'cpu' });
const widths = [49, 8, 10];
const model = createMlp({
  inputSize: 49,
  hidden: [8],
  outputSize: 10,
  activation: 'tanh',
  loss: 'cross-entropy',
});
const theta32 = model.init(mulberry32(3));
const dataset = loadMnist({ limit: 512, downsample: 4 });
const batch = gatherBatch(
  dataset,
  Int32Array.from({ length: 64 }, (_, i) => 7 * i),
);
const lr = 0.1;
const convergeIterations = 30;
const probe = new TangentProbe({
  params: model.layout.size,
  kLyapunov: 0,
  kSharpness: 1,
  hvp: 'forward',
  eps0: DEFAULT_EPS0,
  seed: 5,
  convergeIterations,
  minCurvature: true,
});
const measured = tf.tidy(() => {
  const theta = tf.tensor1d(theta32);
  const gradAt = (t: tf.Tensor1D): tf.Tensor1D =>
    tf.grad((u: tf.Tensor) => model.loss(u as tf.Tensor1D, batch))(t) as tf.Tensor1D;
  const grad = gradAt(theta);
  const thetaNorm = Math.hypot(...theta32);
  return probe.measure({ gradAt, theta, thetaNorm, grad, lr });
});
const labels = Array.from({ length: batch.size }, (_, i) => {
  const row = batch.y.dataSync().subarray(i * 10, (i + 1) * 10);
  return row.indexOf(Math.max(...row));
});
const fixture = {
  model: { widths, activation: 'tanh', loss: 'cross-entropy', layout: model.layout.blocks },
  theta: Array.from(theta32),
  x: Array.from(batch.x.dataSync()),
  labels,
  lr,
  convergeIterations,
  typescript: {
    hvp: 'forward',
    eps0: DEFAULT_EPS0,
    lambdaMax: measured.sharpness?.rayleigh[0]?.[0] ?? null,
    hMin: measured.minCurvature?.value ?? null,
    batchSharpness: measured.batchSharpness ?? null,
    hvps: measured.hvps,
    iterations: measured.sharpness?.iterations ?? 1,
  },
};
writeFileSync(out, JSON.stringify(fixture) + '\n');
console.log(
  `wrote ${out}: λ_max ${fixture.typescript.lambdaMax}, h_min ${fixture.typescript.hMin}, batch sharpness ${fixture.typescript.batchSharpness}`,
);
