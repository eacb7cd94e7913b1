/**
 * A scheduled learning-rate jump: from step `atStep` (0-based) on, the rate is multiplied by
 * `factor`, at once or, with `rampSteps`, geometrically over that many steps. Used to provoke an
 * instability mid-run (the alert benchmark's labelled runs): a jump blows a run up within a few
 * steps, a ramp crosses the stability edge gradually, as a warm-up schedule that overshoots does.
 */
export interface LrJump {
  atStep: number;
  factor: number;
  /**
   * Steps over which the factor is reached: step `atStep + i` (i < rampSteps) is multiplied by
   * `factor^((i + 1)/rampSteps)`. Absent or 0: the whole factor at `atStep`.
   */
  rampSteps?: number | undefined;
}

/** Why `jump` cannot be used, or undefined if it can. */
export function lrJumpProblem(jump: LrJump): string | undefined {
  if (!Number.isSafeInteger(jump.atStep) || jump.atStep < 0)
    return `lrJump.atStep ${jump.atStep} is not a non-negative integer`;
  if (!(jump.factor > 0) || !Number.isFinite(jump.factor))
    return `lrJump.factor ${jump.factor} is not a positive number`;
  if (jump.rampSteps !== undefined && !(Number.isSafeInteger(jump.rampSteps) && jump.rampSteps >= 0))
    return `lrJump.rampSteps ${jump.rampSteps} is not a non-negative integer`;
  return undefined;
}

/**
 * The factor the jump applies at `step`: 1 before `atStep` or without a jump; `factor` from
 * `atStep + rampSteps − 1` on; between, the ramp's geometric steps towards it.
 */
export function lrJumpFactor(jump: LrJump | undefined, step: number): number {
  if (jump === undefined || step < jump.atStep) return 1;
  const ramp = jump.rampSteps ?? 0;
  const into = step - jump.atStep + 1;
  return ramp > 0 && into < ramp ? jump.factor ** (into / ramp) : jump.factor;
}
