import type { AppliedCommand } from './run-record.js';

/** A command the trainer applied: the step whose gradient event first reported its seq, the rate before and after. */
export interface CommandApplication {
  step: number;
  lr: number;
  fromLr: number;
}

/**
 * The commands the trainer applied, from its gradient events: a step whose `cmdSeq` differs
 * from the previous step's applied a command (at that step's boundary, so its loss, measured at
 * θ before the step, precedes the command's effect). The rate before the first one is the
 * last positive rate of the steps before it, else `startLr` (a warm-up step measures at rate 0).
 */
export function appliedCommands(
  steps: readonly { step: number; lr: number; cmdSeq?: number | undefined }[],
  startLr?: number,
): CommandApplication[] {
  const sorted = [...steps].sort((a, b) => a.step - b.step);
  const applied: CommandApplication[] = [];
  let seq: number | undefined;
  let lr = startLr;
  for (const s of sorted) {
    if (s.cmdSeq !== undefined && s.cmdSeq !== seq) {
      applied.push({ step: s.step, lr: s.lr, fromLr: lr ?? s.lr });
    }
    seq = s.cmdSeq;
    if (s.lr > 0) lr = s.lr;
  }
  return applied;
}

export interface SpikeOptions {
  horizonSteps: number;
  /** A spike: the smoothed loss above factor × its running minimum. */
  factor: number;
  /** The step whose loss was not finite, if the run diverged: the smoothed loss ends there. */
  divergedAtStep?: number;
}

/**
 * What the smoothed training loss did after each applied command at step s: its largest value
 * over steps s + 1 … s + horizonSteps against its running minimum over steps 0 … s (the loss at
 * s is measured before the commanded step). A spike when that exceeds `factor` times the
 * minimum, or when the loss stopped being finite within the horizon (peakRatio null).
 */
export function commandEffects(
  commands: readonly CommandApplication[],
  smoothed: readonly number[],
  options: SpikeOptions,
): AppliedCommand[] {
  return commands.map((c) => {
    const runningMin = Math.min(...smoothed.slice(0, c.step + 1));
    const window = smoothed.slice(c.step + 1, c.step + 1 + options.horizonSteps);
    const diverged =
      options.divergedAtStep !== undefined &&
      options.divergedAtStep > c.step &&
      options.divergedAtStep <= c.step + options.horizonSteps;
    const peak = window.length === 0 ? undefined : Math.max(...window);
    const ratio =
      peak !== undefined && runningMin > 0 && Number.isFinite(runningMin) ? peak / runningMin : undefined;
    return {
      step: c.step,
      fromLr: c.fromLr,
      lr: c.lr,
      peakRatio: diverged || ratio === undefined ? null : ratio,
      spike: diverged || (peak !== undefined && peak > options.factor * runningMin),
    };
  });
}
