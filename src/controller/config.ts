import { z } from 'zod';
import { DEFAULT_TOPIC_PREFIX } from '../events/index.js';
import { LyapError } from '../errors.js';

export const CONTROL_MODES = ['observe', 'advise', 'control'] as const;
export type ControlMode = (typeof CONTROL_MODES)[number];

/**
 * How a run's target rate is set (docs/controller.md gives each rule's mathematics):
 * `edge` keeps η·BS/(1 − μ²) at `targetRatio`; `gradient-newton` takes the one-dimensional
 * Newton step along the gradient, η* = gᵀg/gᵀHg = 1/BS, smoothed; `quasi-newton` is the
 * paper's η = α/λ̂_max, kept as the baseline.
 */
export const CONTROL_RULES = ['edge', 'gradient-newton', 'quasi-newton'] as const;
export type ControlRule = (typeof CONTROL_RULES)[number];

/** Every controller setting with its default (docs/controller.md explains each). */
export const ControllerConfig = z
  .object({
    mode: z.enum(CONTROL_MODES).default('advise'),
    topicPrefix: z.string().default(DEFAULT_TOPIC_PREFIX),
    groupId: z.string().min(1).default('lyap-controller'),
    rule: z.enum(CONTROL_RULES).default('edge'),
    alpha: z.number().positive().default(1),
    targetRatio: z.number().positive().default(1.5),
    /** `edge`: the first rate, answering the warm-up, is warmupRatio·(1 − μ²)/max(λ_max, BS) at θ0. */
    warmupRatio: z.number().positive().default(3),
    /**
     * `edge`: a floor under the target from the loss, the stochastic Polyak step
     * polyakRatio·(1 − μ²)·mean(L)/mean(‖g‖²) over the probes since the last change; 0 (the
     * default) leaves it out. Measured and not the default (docs/controller.md).
     */
    polyakRatio: z.number().nonnegative().default(0),
    emaDecay: z.number().min(0).lt(1).default(0.9),
    ruleProbes: z.int().positive().default(20),
    warmup: z.boolean().default(true),
    guard: z.boolean().default(true),
    guardEstimates: z.int().positive().default(4),
    guardLossRise: z.number().positive().default(0.15),
    ceilingRelaxSteps: z.number().positive().default(2000),
    horizonSteps: z.int().positive().optional(),
    maxLogStep: z.number().positive().default(Math.LN2),
    /** Share of the way in log η a raise goes (at least deadbandLog). */
    raiseGain: z.number().gt(0).max(1).default(0.5),
    /**
     * Share of the way in log η a cut goes (at least deadbandLog), while the window's η·BS is
     * under the edge the regimes judge; past it a cut goes all the way.
     */
    cutGain: z.number().gt(0).max(1).default(0.5),
    lrMin: z.number().positive().default(1e-6),
    lrMax: z.number().positive().default(10),
    cooldownSteps: z.int().nonnegative().default(20),
    stalenessMs: z.number().positive().default(60_000),
    minWindow: z.int().positive().default(3),
    convergenceEstimates: z.int().min(2).default(5),
    convergenceTolerance: z.number().positive().default(0.25),
    deadbandLog: z.number().nonnegative().default(0.05),
    brakeFactor: z.number().gt(0).lt(1).default(0.5),
    brakeSustainEstimates: z.int().positive().default(5),
    brakeLossRise: z.number().nonnegative().default(0.01),
    brakeCooldownSteps: z.int().nonnegative().default(5),
    maxRuns: z.int().positive().default(10_000),
  })
  .strict()
  .refine((c) => c.lrMin <= c.lrMax, { error: 'lrMin must not exceed lrMax', path: ['lrMin'] });
export type ControllerConfig = z.output<typeof ControllerConfig>;
export type ControllerConfigInput = z.input<typeof ControllerConfig>;

export function resolveControllerConfig(input: ControllerConfigInput = {}): Readonly<ControllerConfig> {
  const parsed = ControllerConfig.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LyapError(
      'LYAP_E_CONFIG',
      `controller config ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return Object.freeze(parsed.data);
}
