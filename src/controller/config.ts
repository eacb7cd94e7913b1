import { z } from 'zod';
import { DEFAULT_TOPIC_PREFIX } from '../events/index.js';
import { LyapError } from '../errors.js';

export const CONTROL_MODES = ['observe', 'advise', 'control'] as const;
export type ControlMode = (typeof CONTROL_MODES)[number];

/** Every controller setting with its default (docs/controller.md explains each). */
export const ControllerConfig = z
  .object({
    mode: z.enum(CONTROL_MODES).default('advise'),
    topicPrefix: z.string().default(DEFAULT_TOPIC_PREFIX),
    groupId: z.string().min(1).default('lyap-controller'),
    alpha: z.number().positive().default(1),
    maxLogStep: z.number().positive().default(Math.LN2),
    lrMin: z.number().positive().default(1e-6),
    lrMax: z.number().positive().default(10),
    cooldownSteps: z.int().nonnegative().default(20),
    stalenessMs: z.number().positive().default(60_000),
    minWindow: z.int().positive().default(5),
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
