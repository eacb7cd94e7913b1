import { availableParallelism } from 'node:os';
import { groupFields, productGroups, type PresetName, type SweepConfig } from './sweep-config.js';

// Sizes come from measured costs (docs/sweep.md, "Presets"): CPU time per run of the wasm
// backend with a probe every 5 steps, child start-up (about 3 s) included, is about
// 3 s + 40 ms/step for the 784-128-10 MLP and 3 s + 53 ms/step for the 4-8 CNN; `jobs` runs
// share the cores.

const common = {
  dataset: 'mnist',
  downsample: 1,
  trainSamples: 9000,
  evalSamples: 1000,
  hidden: [128],
  channels: [4, 8],
  batch: 64,
  probeEvery: 5,
  windowProbes: 20,
  rules: ['quasi-newton'],
  controllerStartLrs: [0.1],
  controllerCooldownSteps: 10,
  spikeHorizonSteps: 50,
  targetLoss: { 'cross-entropy': 0.3, mse: 0.1 },
  lossHalfLifeSteps: 20,
  evalEvery: 50,
  backend: 'auto',
  runTimeoutSeconds: 600,
} as const satisfies Partial<SweepConfig>;

/** 7×7 digits and a 49-16-10 MLP: runs that cost little more than their child's start-up. */
const tinyRuns = {
  ...common,
  ...groupFields(productGroups(['mlp'], ['cross-entropy'])),
  downsample: 4,
  trainSamples: 512,
  evalSamples: 256,
  hidden: [16],
  seeds: [1],
  probeEvery: 2,
  windowProbes: 5,
  controllerCooldownSteps: 4,
  targetLoss: { 'cross-entropy': 2, mse: 0.4 },
  lossHalfLifeSteps: 5,
  evalEvery: 10,
  runTimeoutSeconds: 120,
} as const satisfies Partial<SweepConfig>;

export const PRESETS: { readonly [P in PresetName]: Omit<SweepConfig, 'jobs'> } = {
  // For `npm test`: every arm once, on 7×7 digits with a 49-16-10 MLP, a few tens of steps.
  tiny: {
    ...tinyRuns,
    preset: 'tiny',
    lrs: [0.5, 1],
    steps: 40,
    alphas: [1],
    controllerStartLrs: [0.5],
    schedules: ['cosine'],
  },
  // Under 10 minutes on 2 cores: the MNIST MLP with cross-entropy over 1.5 decades of rates,
  // one seed, and the controller at α = 1; 7 runs of 1000 steps, about 3 minutes when idle.
  quick: {
    ...common,
    ...groupFields(productGroups(['mlp'], ['cross-entropy'])),
    preset: 'quick',
    lrs: [0.02, 0.04, 0.08, 0.16, 0.32, 0.64],
    seeds: [1],
    steps: 1000,
    alphas: [1],
    schedules: [],
  },
  // The figures: MLP and CNN, cross-entropy and MSE, 3 seeds, α ∈ {0.5, 1, 2}, cosine;
  // 120 runs of 800 steps, about 40 minutes with 2 jobs on an idle 2-core machine.
  full: {
    ...common,
    ...groupFields(productGroups(['mlp', 'cnn'], ['cross-entropy', 'mse'])),
    preset: 'full',
    lrs: [0.02, 0.04, 0.08, 0.16, 0.32, 0.64],
    seeds: [1, 2, 3],
    steps: 800,
    alphas: [0.5, 1, 2],
    schedules: ['cosine'],
  },
  // The controller rules against the grid (issue #14): MLP CE, MLP MSE, CNN CE and the MLP CE
  // with heavy-ball momentum 0.9; 3 seeds; every rule from five starting rates (1e-3 … 10, far
  // on both sides); eight constant rates 0.01 … 2, which bracket each group's best (measured at
  // 300 steps: 0.5 MLP CE, 0.2–0.5 MLP MSE, 0.2 CNN CE, 0.1 with momentum; 2 diverges or
  // collapses); cosine from the best. Per group and seed 8 + 15 + 1 = 24 runs of 600 steps,
  // 288 in all: 216 MLP × (3 + 600 × 0.040) + 72 CNN × (3 + 600 × 0.053) ≈ 8,340 CPU-s, about
  // 70 minutes with 2 jobs on an idle 2-core machine.
  controller: {
    ...common,
    ...groupFields([
      { model: 'mlp', loss: 'cross-entropy', momentum: 0 },
      { model: 'mlp', loss: 'mse', momentum: 0 },
      { model: 'cnn', loss: 'cross-entropy', momentum: 0 },
      { model: 'mlp', loss: 'cross-entropy', momentum: 0.9 },
    ]),
    preset: 'controller',
    lrs: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
    seeds: [1, 2, 3],
    steps: 600,
    rules: ['edge', 'gradient-newton', 'quasi-newton'],
    alphas: [1],
    controllerStartLrs: [1e-3, 1e-2, 1e-1, 1, 10],
    schedules: ['cosine'],
  },
  // The paper's claim (1) with the signals issue's estimators (docs/results/science/): the measured
  // exponent against log(1 + η|h_min|) and log|1 − η·λ_max|, λ_max and the batch sharpness against
  // 1/η. h_min tracked with 20 Rayleigh–Ritz rounds at every probe (every 10 steps), which it needs
  // on a minibatch; constant rates only. 18 runs of 600 steps, 593 CPU-s (the first run).
  science: {
    ...common,
    ...groupFields([
      { model: 'mlp', loss: 'cross-entropy', momentum: 0 },
      { model: 'mlp', loss: 'mse', momentum: 0 },
      { model: 'cnn', loss: 'cross-entropy', momentum: 0 },
    ]),
    preset: 'science',
    lrs: [0.01, 0.03, 0.1, 0.3, 1, 2],
    seeds: [1],
    steps: 600,
    probeEvery: 10,
    minCurvature: true,
    sharpnessRounds: 20,
    sharpnessEvery: 10,
    rules: [],
    alphas: [],
    controllerStartLrs: [],
    schedules: [],
  },
  // For `npm test`: every rule from a rate far too low and one far too high, on the tiny runs;
  // two constant rates give the comparison its baseline. 8 runs of 60 steps.
  'controller-tiny': {
    ...tinyRuns,
    preset: 'controller-tiny',
    lrs: [0.5, 1],
    steps: 60,
    rules: ['edge', 'gradient-newton', 'quasi-newton'],
    alphas: [1],
    controllerStartLrs: [0.01, 10],
    schedules: [],
  },
};

export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}
