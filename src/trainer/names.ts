// The trainer's choices as data, importable without loading TensorFlow.js (the CLI defines
// its options from these before it knows whether it will train).

/** TensorFlow.js backends, best first: the order `auto` tries them in. */
export const BACKEND_NAMES = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}

export const DATASET_NAMES = ['mnist', 'cifar10', 'teacher-student', 'least-squares', 'quadratic'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export const MODEL_NAMES = ['mlp', 'cnn', 'linear', 'quadratic'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export const LOSS_NAMES = ['cross-entropy', 'mse'] as const;
export type LossName = (typeof LOSS_NAMES)[number];

export const ACTIVATIONS = ['relu', 'tanh'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const HVP_MODES = ['forward', 'central'] as const;
export type HvpMode = (typeof HVP_MODES)[number];

export const DEFAULT_EPS0 = 1e-3;

/**
 * Rayleigh–Ritz rounds of the sharpness at every probe: the first from the products it has
 * anyway, each further one a product per unconverged Ritz pair. 5 keep λ_max within 1 % of each
 * probe's minibatch on the tests' models (test/unit/trainer/sharpness-every-probe.test.ts;
 * `npm run bench -- --only tracking` measures each setting against dense Hessians).
 */
export const DEFAULT_SHARPNESS_ITERATIONS = 5;
