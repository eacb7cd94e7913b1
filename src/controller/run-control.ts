import { DEFAULT_REGIME_THRESHOLDS, stabilityBound } from '../dynamics/index.js';
import { judgedStabilityRatio, type EstimateEvent, type LrCommandReason } from '../events/index.js';
import type { ControllerConfig } from './config.js';
import { LossGuard } from './loss-guard.js';
import { edgeMomentumFactor, RuleState } from './rules.js';

export type Decision =
  | { kind: 'command'; lr: number; previousLr: number; reason: LrCommandReason; sharpness?: number }
  | { kind: 'none'; why: NoCommandReason };

export type NoCommandReason =
  | 'stale'
  | 'not-converged'
  | 'no-curvature'
  | 'judging-raise'
  | 'cooldown'
  | 'within-deadband'
  | 'diverged-braked-recently'
  | 'out-of-order';

/**
 * One run's control state and the decision rule, pure (no I/O, no clock of its own).
 * docs/controller.md gives the mathematics and the evidence; in order, per estimate:
 *
 * 1. Warm-up: an estimate with lr 0 is the trainer's measurement step at θ0 (no update
 *    yet). The first one is answered at once (reason `warm-up`) from that probe alone, against
 *    max(λ_max, BS): `edge` with warmupRatio·(1 − μ²)/max, past the edge on purpose (the
 *    catapult, below), the other rules with their own target.
 * 2. Brake: on `diverged`, or when for `brakeSustainEstimates` estimates in a row the top
 *    Lyapunov exponent was positive on the stability side with η·λ̂ past the edge 2(1 + μ),
 *    while the loss rose by more than `brakeLossRise` over them, η is cut by `brakeFactor` at
 *    once (at most once per `brakeCooldownSteps`). A positive exponent below the edge, or on
 *    the negative-curvature side, is exploration or noise, not instability, and never brakes.
 * 3. Guard (`LossGuard`): a raise followed by a loss rise is undone (reason `guard`).
 * 4. The rule's target (`RuleState`), from probes measured at the current rate only; times
 *    (1 − step/`horizonSteps`) when a horizon is set; raises capped by the guard's ceiling.
 *    A raise goes `raiseGain` of the way in log η, a cut `cutGain` of it while the window's
 *    η·BS is under the edge (all of it past the edge).
 *    A command moves log η by at most `maxLogStep`, is clamped to [lrMin, lrMax], skipped when
 *    |Δ log η| < `deadbandLog`, and comes at least `cooldownSteps` after the previous one.
 */
export class RunControl {
  private readonly rule: RuleState;
  private readonly guard: LossGuard;
  private readonly losses: number[] = [];
  private positiveStreak = 0;
  private lastStep = -1;
  private lastLr: number | undefined;
  private warmedUp = false;
  private lastCommandStep = -Infinity;
  private lastBrakeStep = -Infinity;

  constructor(private readonly config: Readonly<ControllerConfig>) {
    this.rule = new RuleState(config);
    this.guard = new LossGuard(config);
  }

  decide(estimate: EstimateEvent, nowMs: number): Decision {
    const c = this.config;
    if (estimate.step <= this.lastStep) return { kind: 'none', why: 'out-of-order' };
    this.lastStep = estimate.step;
    const undo = this.track(estimate);
    if (nowMs - estimate.ts > c.stalenessMs) return { kind: 'none', why: 'stale' };
    // The rate the trainer actually used: a command not yet applied (or refused) is not assumed.
    const current = estimate.lr;
    if (current === 0) return this.warmUp(estimate);
    if (!(current > 0)) return { kind: 'none', why: 'not-converged' };

    const divergedBrake = estimate.regime === 'diverged';
    const chaosBrake = this.positiveStreak >= c.brakeSustainEstimates && this.lossRise() > c.brakeLossRise;
    if (divergedBrake || chaosBrake) {
      if (estimate.step - this.lastBrakeStep < c.brakeCooldownSteps)
        return { kind: 'none', why: 'diverged-braked-recently' };
      this.lastBrakeStep = estimate.step;
      return this.command(estimate.step, this.clamp(current * c.brakeFactor), current, 'brake');
    }
    if (undo !== undefined) return this.command(estimate.step, this.clamp(undo.lr), current, 'guard');

    const target = this.rule.target(estimate, c.minWindow);
    if (target.kind === 'wait') return { kind: 'none', why: target.why };
    if (estimate.step - this.lastCommandStep < c.cooldownSteps) return { kind: 'none', why: 'cooldown' };
    let goal = target.lr * this.horizon(estimate.step);
    // The edge the regimes judge, on η·BS of the window (which holds the sharp minibatches the
    // fresh mean may not yet).
    const edge = DEFAULT_REGIME_THRESHOLDS.edgeRatio * (1 + (estimate.momentum ?? 0));
    const bs = estimate.batchSharpness;
    const edgeCap = bs !== undefined && bs > 0 ? edge / bs : Infinity;
    if (goal > current) {
      if (this.guard.judging) return { kind: 'none', why: 'judging-raise' };
      // Never raise past the edge, and go `raiseGain` of the way in log η (below): after a
      // raise the batch sharpness jumps before it settles, and full raises overshot η·BS past
      // 2 in `npm start` (two critical alerts per run; none with half raises).
      goal = Math.max(current, Math.min(goal, edgeCap, this.guard.ceiling(estimate.step)));
    }
    const full = Math.log(goal / current);
    // A cut under the edge goes `cutGain` of the way: one probe's batch sharpness scatters by a
    // factor 2–50, and full cuts on such readings swung the MLP's rate between 0.43 and 0.9
    // (half raises up, full cuts down) where the best constant rate holds 0.5
    // (docs/controller.md). Past the edge a cut is a correction, and goes all the way.
    const damped =
      full > 0
        ? Math.max(c.raiseGain * full, Math.min(full, c.deadbandLog))
        : current >= edgeCap
          ? full
          : Math.min(c.cutGain * full, Math.max(full, -c.deadbandLog));
    const logStep = Math.max(-c.maxLogStep, Math.min(c.maxLogStep, damped));
    const lr = this.clamp(current * Math.exp(logStep));
    // Not on noise: a change smaller than the target's own standard error waits for more probes.
    const deadband = Math.max(c.deadbandLog, target.logError);
    // The second test catches a step that clamping shrank; a step of exactly deadbandLog (the
    // least a command moves) can read a hair under it after exp and log, hence the tolerance.
    if (Math.abs(full) < deadband || Math.abs(Math.log(lr / current)) < c.deadbandLog * (1 - 1e-9))
      return { kind: 'none', why: 'within-deadband' };
    if (lr > current) this.guard.raised(estimate.step, current, lr);
    return this.command(estimate.step, lr, current, c.rule, target.curvature);
  }

  /** The answer to the trainer's measurement step: the rule's target from that one probe. */
  private warmUp(estimate: EstimateEvent): Decision {
    const c = this.config;
    if (!c.warmup || this.warmedUp) return { kind: 'none', why: 'not-converged' };
    const target = this.rule.target(estimate, 1);
    if (target.kind === 'wait') return { kind: 'none', why: target.why };
    // Aim from the larger of the two measures at θ0. The `edge` rule starts past the stability
    // edge on purpose, at warmupRatio/λ (3: 1.5 times the edge 2/λ), in the catapult phase (Lewkowycz
    // et al., 2020): the loss rises for a few steps, SGD leaves the sharp region it started in,
    // and the curvature falls to where the run can keep that rate. Started under the edge, the
    // curvature grows instead (progressive sharpening) and a rule that follows it stays at a low
    // rate: the sweep's best constant rates all start at η·λ_max(θ0) between 2 and 7, and the
    // rule's first rate at 1.5/λ lagged them by 1.2–1.3× in steps (docs/controller.md).
    const curvature = Math.max(target.curvature, estimate.probeSharpness ?? 0);
    const first =
      c.rule === 'edge'
        ? (c.warmupRatio * edgeMomentumFactor(estimate.momentum ?? 0)) / curvature
        : (target.lr * target.curvature) / curvature;
    const lr = this.clamp(first * this.horizon(estimate.step));
    this.warmedUp = true;
    this.guard.raised(estimate.step, lr * c.brakeFactor, lr);
    return this.command(estimate.step, lr, 0, 'warm-up', curvature);
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

  /** Reads one estimate into the run's state; returns the guard's undo, if it calls for one. */
  private track(e: EstimateEvent): { lr: number } | undefined {
    if (this.lastLr !== undefined && e.lr !== this.lastLr) this.rule.rateChanged();
    this.lastLr = e.lr;
    this.rule.track(e);
    const top = e.lyapunov.length > 0 ? Math.max(...e.lyapunov) : undefined;
    // Past the edge: the step expands along its own direction (η·BS > 2(1 + μ), or η·λ_max
    // without the batch sharpness: the ratio the regimes judge), and the exponent says so.
    const edge = stabilityBound(e.momentum);
    const unstable =
      top !== undefined &&
      top > 0 &&
      e.exponentSide !== 'negative-curvature' &&
      judgedStabilityRatio(e) > edge;
    this.positiveStreak = unstable ? this.positiveStreak + 1 : 0;
    if (e.loss !== undefined) {
      this.losses.push(e.loss);
      if (this.losses.length > this.config.brakeSustainEstimates) this.losses.shift();
    }
    return this.guard.observe(e);
  }

  /** (1 − step/horizonSteps), floored so that the rate stays positive; 1 without a horizon. */
  private horizon(step: number): number {
    const h = this.config.horizonSteps;
    return h === undefined ? 1 : Math.max(1 - step / h, 1e-3);
  }

  private clamp(lr: number): number {
    return Math.min(this.config.lrMax, Math.max(this.config.lrMin, lr));
  }

  /** Relative rise of the loss over the tracked estimates (first to last). */
  private lossRise(): number {
    const first = this.losses[0];
    const last = this.losses.at(-1);
    if (first === undefined || last === undefined || this.losses.length < 2) return 0;
    return (last - first) / Math.max(Math.abs(first), 1e-12);
  }
}
