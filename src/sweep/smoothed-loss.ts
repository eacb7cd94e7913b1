import { Ewma } from '../dynamics/index.js';

/**
 * The training loss smoothed by an exponential moving average of the given half-life (in steps;
 * the first loss initialises it), one value per step, ending at the first non-finite loss (a
 * diverged run's series stops where its loss did).
 */
export function smoothedLoss(losses: readonly number[], halfLifeSteps: number): number[] {
  const ewma = new Ewma({ halfLife: halfLifeSteps });
  const out: number[] = [];
  for (const loss of losses) {
    if (!Number.isFinite(loss)) break;
    ewma.push(loss);
    out.push(ewma.value ?? loss);
  }
  return out;
}

/**
 * Steps to reach a target loss: the first step index t at which the smoothed loss is at or
 * below `target` (so t + 1 steps were taken), or undefined if it never is.
 */
export function stepsToTarget(smoothed: readonly number[], target: number): number | undefined {
  const t = smoothed.findIndex((v) => v <= target);
  return t < 0 ? undefined : t;
}
