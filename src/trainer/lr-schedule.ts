export const SCHEDULE_NAMES = ['constant', 'step', 'cosine'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/** Step decay: the rate is multiplied by `STEP_DECAY_FACTOR` at each of these fractions of the run. */
export const STEP_DECAY_AT = [0.5, 0.75] as const;
export const STEP_DECAY_FACTOR = 0.1;

/**
 * The learning rate of step `step` (0-based) of a `totalSteps`-step run started at `baseLr`:
 * `constant` keeps it; `step` multiplies it by 0.1 at 50% and again at 75% of the run;
 * `cosine` is the half-cosine annealing `η₀·(1 + cos(π·step/totalSteps))/2`, which never
 * reaches 0 inside the run (its last step is η₀·(1 − cos(π/T))/2 > 0).
 */
export function scheduledLr(
  schedule: ScheduleName,
  baseLr: number,
  step: number,
  totalSteps: number,
): number {
  if (!(baseLr > 0) || !Number.isFinite(baseLr))
    throw new RangeError(`baseLr ${baseLr} is not a positive number`);
  if (!Number.isSafeInteger(step) || step < 0)
    throw new RangeError(`step ${step} is not a non-negative integer`);
  if (!Number.isSafeInteger(totalSteps) || totalSteps < 1) {
    throw new RangeError(`totalSteps ${totalSteps} is not a positive integer`);
  }
  switch (schedule) {
    case 'constant':
      return baseLr;
    case 'step': {
      const decays = STEP_DECAY_AT.filter((f) => step >= Math.ceil(f * totalSteps)).length;
      return baseLr * STEP_DECAY_FACTOR ** decays;
    }
    case 'cosine':
      return (baseLr * (1 + Math.cos((Math.PI * Math.min(step, totalSteps - 1)) / totalSteps))) / 2;
  }
}
