import { availableParallelism } from 'node:os';
import type { PresetName, SweepConfig } from './sweep-config.js';

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
  controllerStartLr: 0.1,
  controllerCooldownSteps: 10,
  targetLoss: { 'cross-entropy': 0.3, mse: 0.1 },
  lossHalfLifeSteps: 20,
  evalEvery: 50,
  backend: 'auto',
  runTimeoutSeconds: 600,
} as const satisfies Partial<SweepConfig>;

export const PRESETS: { readonly [P in PresetName]: Omit<SweepConfig, 'jobs'> } = {
  // For `npm test`: every arm once, on 7×7 digits with a 49-16-10 MLP, a few tens of steps.
  tiny: {
    ...common,
    preset: 'tiny',
    downsample: 4,
    trainSamples: 512,
    evalSamples: 256,
    models: ['mlp'],
    losses: ['cross-entropy'],
    hidden: [16],
    lrs: [0.5, 1],
    seeds: [1],
    steps: 40,
    probeEvery: 2,
    windowProbes: 5,
    alphas: [1],
    controllerStartLr: 0.5,
    controllerCooldownSteps: 4,
    schedules: ['cosine'],
    targetLoss: { 'cross-entropy': 2, mse: 0.4 },
    lossHalfLifeSteps: 5,
    evalEvery: 10,
    runTimeoutSeconds: 120,
  },
  // Under 10 minutes on 2 cores: the MNIST MLP with cross-entropy over 1.5 decades of rates,
  // one seed, and the controller at α = 1; 7 runs of 1000 steps, about 3 minutes when idle.
  quick: {
    ...common,
    preset: 'quick',
    models: ['mlp'],
    losses: ['cross-entropy'],
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
    preset: 'full',
    models: ['mlp', 'cnn'],
    losses: ['cross-entropy', 'mse'],
    lrs: [0.02, 0.04, 0.08, 0.16, 0.32, 0.64],
    seeds: [1, 2, 3],
    steps: 800,
    alphas: [0.5, 1, 2],
    schedules: ['cosine'],
  },
};

export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}
