import { RollingMedian } from '../dynamics/index.js';
import type { EstimateEvent, LrCommandReason } from '../events/index.js';
import type { ControllerConfig } from './config.js';

export type Decision =
  | { kind: 'command'; lr: number; previousLr: number; reason: LrCommandReason; sharpness?: number }
  | { kind: 'none'; why: NoCommandReason };

export type NoCommandReason =
  'stale' | 'not-converged' | 'cooldown' | 'within-deadband' | 'diverged-braked-recently' | 'out-of-order';

/**
 * One run's control state and the decision rule, pure (no I/O, no clock of its own).
 *
 * Brake first: on `diverged`, or when the top Lyapunov exponent has been positive for
 * `brakeSustainEstimates` estimates in a row while the loss rose by more than
 * `brakeLossRise` (relative) over them, cut η by `brakeFactor` at once (reason `brake`),
 * at most once per `brakeCooldownSteps`.
 *
 * Otherwise the paper's quasi-Newton rule η = α / λ̂_max, where λ̂_max is the median of
 * the sharpness of the last `convergenceEstimates` estimates, acting only when the
 * estimate is converged: its window holds at least `minWindow` probes and those recent
 * sharpness values lie within ±`convergenceTolerance`·λ̂_max of their median. A command
 * changes log η by at most `maxLogStep`, is clamped to [lrMin, lrMax], is skipped when
 * |Δ log η| < `deadbandLog`, and comes at least `cooldownSteps` after the previous one.
 */
export class RunControl {
  private readonly sharpness: RollingMedian;
  private readonly recent: number[] = [];
  private readonly losses: number[] = [];
  private positiveStreak = 0;
  private lastStep = -1;
  private lastCommandStep = -Infinity;
  private lastBrakeStep = -Infinity;

  constructor(private readonly config: Readonly<ControllerConfig>) {
    this.sharpness = new RollingMedian(config.convergenceEstimates);
  }

  decide(estimate: EstimateEvent, nowMs: number): Decision {
    const c = this.config;
    if (estimate.step <= this.lastStep) return { kind: 'none', why: 'out-of-order' };
    this.lastStep = estimate.step;
    this.track(estimate);
    if (nowMs - estimate.ts > c.stalenessMs) return { kind: 'none', why: 'stale' };
    // The rate the trainer actually used: a command not yet applied (or refused) is not assumed.
    const current = estimate.lr;
    if (!(current > 0)) return { kind: 'none', why: 'not-converged' };

    const divergedBrake = estimate.regime === 'diverged';
    const chaosBrake = this.positiveStreak >= c.brakeSustainEstimates && this.lossRise() > c.brakeLossRise;
    if (divergedBrake || chaosBrake) {
      if (estimate.step - this.lastBrakeStep < c.brakeCooldownSteps)
        return { kind: 'none', why: 'diverged-braked-recently' };
      const lr = clamp(current * c.brakeFactor, c.lrMin, c.lrMax);
      this.lastBrakeStep = estimate.step;
      return this.command(estimate.step, lr, current, 'brake');
    }

    const lambda = this.sharpness.median;
    if (!this.converged(estimate, lambda) || lambda === undefined)
      return { kind: 'none', why: 'not-converged' };
    if (estimate.step - this.lastCommandStep < c.cooldownSteps) return { kind: 'none', why: 'cooldown' };
    const target = c.alpha / lambda;
    const logStep = Math.max(-c.maxLogStep, Math.min(c.maxLogStep, Math.log(target / current)));
    const lr = clamp(current * Math.exp(logStep), c.lrMin, c.lrMax);
    if (Math.abs(Math.log(lr / current)) < c.deadbandLog) return { kind: 'none', why: 'within-deadband' };
    return this.command(estimate.step, lr, current, 'quasi-newton', lambda);
  }

  private command(
    step: number,
    lr: number,
    previousLr: number,
    reason: LrCommandReason,
    sharpness?: number,
  ): Decision {
    this.lastCommandStep = step;
    this.positiveStreak = 0;
    this.losses.length = 0;
    const decision: Decision = { kind: 'command', lr, previousLr, reason };
    if (sharpness !== undefined) decision.sharpness = sharpness;
    return decision;
  }

  private track(e: EstimateEvent): void {
    if (e.window > 0 && e.sharpness > 0) {
      this.sharpness.push(e.sharpness);
      this.recent.push(e.sharpness);
      if (this.recent.length > this.config.convergenceEstimates) this.recent.shift();
    }
    const top = e.lyapunov.length > 0 ? Math.max(...e.lyapunov) : undefined;
    this.positiveStreak = top !== undefined && top > 0 ? this.positiveStreak + 1 : 0;
    if (e.loss !== undefined) {
      this.losses.push(e.loss);
      if (this.losses.length > this.config.brakeSustainEstimates) this.losses.shift();
    }
  }

  private converged(e: EstimateEvent, lambda: number | undefined): boolean {
    const c = this.config;
    if (lambda === undefined || lambda <= 0) return false;
    if (e.window < c.minWindow || this.recent.length < c.convergenceEstimates) return false;
    return this.recent.every((s) => Math.abs(s - lambda) <= c.convergenceTolerance * lambda);
  }

  /** Relative rise of the loss over the tracked estimates (first to last). */
  private lossRise(): number {
    const first = this.losses[0];
    const last = this.losses.at(-1);
    if (first === undefined || last === undefined || this.losses.length < 2) return 0;
    return (last - first) / Math.max(Math.abs(first), 1e-12);
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
