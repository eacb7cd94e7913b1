/**
 * A scheduled learning-rate jump: from step `atStep` (0-based) on, the rate is multiplied by
 * `factor`. Used to provoke an instability mid-run (the alert benchmark's labelled runs).
 */
export interface LrJump {
  atStep: number;
  factor: number;
}

/** Why `jump` cannot be used, or undefined if it can. */
export function lrJumpProblem(jump: LrJump): string | undefined {
  if (!Number.isSafeInteger(jump.atStep) || jump.atStep < 0)
    return `lrJump.atStep ${jump.atStep} is not a non-negative integer`;
  if (!(jump.factor > 0) || !Number.isFinite(jump.factor))
    return `lrJump.factor ${jump.factor} is not a positive number`;
  return undefined;
}

/** The factor the jump applies at `step`: `factor` from `atStep` on, 1 before it or without a jump. */
export function lrJumpFactor(jump: LrJump | undefined, step: number): number {
  return jump !== undefined && step >= jump.atStep ? jump.factor : 1;
}
