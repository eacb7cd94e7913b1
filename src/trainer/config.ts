// The settings of `lyap train`, with their defaults: the one table the CLI's options, their
// help and docs/cli.md follow. Free of TensorFlow.js, like names.ts, so that the CLI can
// declare its options without loading it.
import { z } from 'zod';
import { DEFAULT_TOPIC_PREFIX, MAX_K, RunId } from '../events/index.js';
import { DEFAULT_BUFFER_CAPACITY_EVENTS } from './events/event-buffer.js';
import { SCHEDULE_NAMES } from './lr-schedule.js';
import {
  ACTIVATIONS,
  BACKEND_NAMES,
  DATASET_NAMES,
  DEFAULT_EPS0,
  DEFAULT_SHARPNESS_ITERATIONS,
  HVP_MODES,
  LOSS_NAMES,
  MODEL_NAMES,
} from './names.js';

const positiveInt = z.int().positive();
const nonNegativeInt = z.int().nonnegative();
const positive = z.number().positive();
const subspace = z.int().min(0).max(MAX_K);

/** `auto` picks the best backend available (BACKEND_NAMES, best first). */
export const TRAIN_BACKEND_NAMES = ['auto', ...BACKEND_NAMES] as const;

export const TrainerConfig = z
  .object({
    // The problem: what is trained on what.
    dataset: z.enum(DATASET_NAMES).default('mnist'),
    /** undefined: linear for least-squares, quadratic for quadratic, else mlp. */
    model: z.enum(MODEL_NAMES).optional(),
    hidden: z.array(positiveInt).default([128]),
    channels: z.array(positiveInt).default([8, 16]),
    activation: z.enum(ACTIVATIONS).default('relu'),
    /** undefined: cross-entropy for classification, mse for regression. */
    loss: z.enum(LOSS_NAMES).optional(),
    dataDir: z.string().optional(),
    samples: positiveInt.optional(),
    downsample: positiveInt.optional(),
    dim: positiveInt.optional(),
    noise: z.number().nonnegative().optional(),
    spectrum: z.array(z.number()).optional(),
    // The optimiser.
    lr: positive.default(0.1),
    schedule: z.enum(SCHEDULE_NAMES).default('constant'),
    /** Multiplies the rate by `factor` from step `atStep` on; undefined: no jump. */
    lrJump: z
      .object({ atStep: nonNegativeInt, factor: positive, rampSteps: nonNegativeInt.optional() })
      .strict()
      .optional(),
    momentum: z.number().min(0).lt(1).default(0),
    batch: positiveInt.default(64),
    steps: positiveInt.default(200),
    /** Overrides `steps` when set. */
    epochs: positiveInt.optional(),
    seed: nonNegativeInt.default(1),
    // The probe.
    /** 0 turns the probe off. */
    probeEvery: nonNegativeInt.default(10),
    kLyapunov: subspace.default(1),
    kSharpness: subspace.default(1),
    /** Rayleigh–Ritz rounds of the sharpness per probe (tangent-probe.ts). */
    sharpnessRounds: positiveInt.default(DEFAULT_SHARPNESS_ITERATIONS),
    /** Track h_min beside λ_max. */
    minCurvature: z.boolean().default(false),
    /** undefined: 4 × probeEvery (sharpness-schedule.ts). */
    sharpnessEvery: positiveInt.optional(),
    hvp: z.enum(HVP_MODES).default('forward'),
    eps0: positive.default(DEFAULT_EPS0),
    /** undefined: 4 × probeEvery (lyapunov-bursts.ts). */
    lyapunovEvery: positiveInt.optional(),
    /** undefined: 8, or lyapunovEvery when that is shorter. */
    lyapunovBurst: positiveInt.optional(),
    /** undefined: half the burst. */
    lyapunovDiscard: nonNegativeInt.optional(),
    /** The shadow replica's renormalisation eps0; undefined: no shadow replica. */
    shadow: positive.optional(),
    /** undefined: LYAP_TF_BACKEND, else auto. */
    backend: z.enum(TRAIN_BACKEND_NAMES).optional(),
    // Where the events go, and the learning-rate commands they bring back.
    /** undefined: `<dataset>-<model>-s<seed>-<time>`. */
    runId: RunId.optional(),
    out: z.string().optional(),
    /** undefined: an in-process bus. */
    brokers: z.string().optional(),
    topicPrefix: z.string().default(DEFAULT_TOPIC_PREFIX),
    bufferEvents: positiveInt.default(DEFAULT_BUFFER_CAPACITY_EVENTS),
    metricsPort: nonNegativeInt.optional(),
    metricsHost: z.string().default('127.0.0.1'),
    webConfig: z.string().min(1).optional(),
    acceptUnsignedCommands: z.boolean().default(false),
    lrMin: positive.default(1e-6),
    lrMax: positive.default(10),
    /** Milliseconds the warm-up waits for the first command after a step at θ0 without update; 0: off. */
    firstCommandWait: nonNegativeInt.default(0),
  })
  .strict();
export type TrainerConfig = z.output<typeof TrainerConfig>;
export type TrainerConfigInput = z.input<typeof TrainerConfig>;

/** Every default of TrainerConfig (the settings without one are absent). */
export const TRAINER_DEFAULTS: Readonly<TrainerConfig> = Object.freeze(TrainerConfig.parse({}));
