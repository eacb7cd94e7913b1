import { RollingMedian } from '../dynamics/index.js';
import type { EstimateEvent } from '../events/index.js';
import type { ControllerConfig } from './config.js';

/** What a rule proposes for one estimate: a target rate and the curvature it came from. */
export type RuleOutcome =
  | {
      kind: 'target';
      lr: number;
      curvature: number;
      /** Standard error of log(target) from the probes' scatter; 0 when the rule does not estimate it. */
      logError: number;
    }
  | { kind: 'wait'; why: 'not-converged' | 'no-curvature' };

/**
 * The target rate of the configured rule, from the probes since the rate last changed (pure,
 * one per run). Each rule keeps its own measurements; `rateChanged` forgets them, because
 * after a change of η both the sharpness and the batch sharpness move (they adapt to η), and
 * a target computed from curvature measured at the old rate is aimed at the wrong point.
 *
 * - `edge`: η* = r*·(1 − μ²)/BS, r* = `targetRatio`, BS the mean of the probes' batch
 *   sharpness gᵀHg/gᵀg since the last change (up to `ruleProbes` of them): batch sharpness
 *   is an expectation over minibatches, and the sharp minibatches, which a median would
 *   discount, are the ones whose step overshoots. With heavy-ball momentum μ the rule keeps
 *   the effective step η/(1 − μ) (the step along a steady gradient) at r*·(1 + μ) ÷ BS
 *   (`edgeMomentumFactor`). One probe's batch sharpness
 *   scatters widely (a factor 2–50 between minibatches), so the rule also reports the
 *   standard error of log η*, and the controller does not act on a difference smaller than it.
 *   With `polyakRatio` a > 0 the target is at least the stochastic Polyak step (Loizou et al.,
 *   2021) a·(1 − μ²)·mean(L)/mean(‖g‖²) over the same probes, taking the optimum loss as 0: the
 *   loss, not the curvature, pins that floor.
 * - `gradient-newton`: the one-dimensional Newton step along the gradient, η* = gᵀg/gᵀHg =
 *   1/BS for plain SGD; with momentum the step along a steady gradient is η/(1 − μ), so
 *   η* = (1 − μ)/BS. BS is an exponential moving average (decay `emaDecay`, bias-corrected)
 *   of the probes' batch sharpness since the last change. No target while it is ≤ 0: the
 *   quadratic model along g has no minimum.
 * - `quasi-newton`: the paper's η* = α/λ̂_max with λ̂ the median of the last
 *   `convergenceEstimates` sharpness values, acting only when they lie within
 *   ±`convergenceTolerance`·λ̂ of it.
 */
export class RuleState {
  private readonly sharpnessMedian: RollingMedian;
  /** The probes' batch sharpness since the last rate change, at most `ruleProbes`. */
  private readonly fresh: number[] = [];
  /** The same probes' training loss and squared gradient norm, for the Polyak floor. */
  private readonly gaps: { loss: number; gradNormSq: number }[] = [];
  private ema = 0;
  private emaWeight = 0;

  constructor(private readonly config: Readonly<ControllerConfig>) {
    this.sharpnessMedian = new RollingMedian(config.convergenceEstimates);
  }

  track(e: EstimateEvent): void {
    const sharpness = e.probeSharpness ?? (e.window > 0 ? e.sharpness : undefined);
    if (sharpness !== undefined && sharpness > 0) {
      this.sharpnessMedian.push(sharpness);
    }
    const bs = e.probeBatchSharpness;
    if (bs !== undefined) {
      this.fresh.push(bs);
      if (this.fresh.length > this.config.ruleProbes) this.fresh.shift();
      if (this.config.polyakRatio > 0 && e.loss !== undefined && e.gradNorm !== undefined && e.gradNorm > 0) {
        this.gaps.push({ loss: e.loss, gradNormSq: e.gradNorm * e.gradNorm });
        if (this.gaps.length > this.config.ruleProbes) this.gaps.shift();
      }
      const decay = this.config.emaDecay;
      this.ema = decay * this.ema + (1 - decay) * bs;
      this.emaWeight = decay * this.emaWeight + (1 - decay);
    }
  }

  rateChanged(): void {
    this.sharpnessMedian.clear();
    this.fresh.length = 0;
    this.gaps.length = 0;
    this.ema = 0;
    this.emaWeight = 0;
  }

  /** The rule's target; `minProbes` fresh probes are needed (1 at a warm-up, else `minWindow`). */
  target(e: EstimateEvent, minProbes: number): RuleOutcome {
    const c = this.config;
    const mu = e.momentum ?? 0;
    switch (c.rule) {
      case 'edge': {
        const values = this.fresh;
        if (values.length < minProbes || values.length === 0) return wait('not-converged');
        const bs = mean(values);
        if (!(bs > 0)) return wait('no-curvature');
        const lr = (c.targetRatio * edgeMomentumFactor(mu)) / bs;
        const floor = this.polyakStep(mu, minProbes);
        return {
          kind: 'target',
          lr: floor !== undefined && floor > lr ? floor : lr,
          curvature: bs,
          logError: relativeError(values, bs),
        };
      }
      case 'gradient-newton': {
        if (this.fresh.length < minProbes || this.emaWeight === 0) return wait('not-converged');
        const bs = this.ema / this.emaWeight;
        if (!(bs > 0)) return wait('no-curvature');
        return { kind: 'target', lr: (1 - mu) / bs, curvature: bs, logError: 0 };
      }
      case 'quasi-newton': {
        const lambda = this.sharpnessMedian.median;
        const enough = minProbes <= 1 ? this.sharpnessMedian.size >= 1 : this.converged(e, lambda);
        if (lambda === undefined || !(lambda > 0) || !enough) return wait('not-converged');
        return { kind: 'target', lr: c.alpha / lambda, curvature: lambda, logError: 0 };
      }
    }
  }

  /** polyakRatio·(1 − μ²)·mean(L)/mean(‖g‖²) over the fresh probes; undefined when off or too few. */
  private polyakStep(mu: number, minProbes: number): number | undefined {
    const a = this.config.polyakRatio;
    if (!(a > 0) || this.gaps.length < minProbes || this.gaps.length === 0) return undefined;
    const gradNormSq = mean(this.gaps.map((x) => x.gradNormSq));
    const loss = mean(this.gaps.map((x) => x.loss));
    return gradNormSq > 0 && loss > 0 ? (a * edgeMomentumFactor(mu) * loss) / gradNormSq : undefined;
  }

  private converged(e: EstimateEvent, lambda: number | undefined): boolean {
    const c = this.config;
    if (lambda === undefined || lambda <= 0) return false;
    if (e.window < c.minWindow || this.sharpnessMedian.size < c.convergenceEstimates) return false;
    return this.sharpnessMedian
      .values()
      .every((s) => Math.abs(s - lambda) <= c.convergenceTolerance * lambda);
  }
}

/**
 * The `edge` rule's momentum factor (1 − μ²) = (1 − μ)(1 + μ): heavy-ball's effective step
 * η/(1 − μ) kept at the plain-SGD target, moved out by (1 + μ), the factor by which its
 * stability edge 2(1 + μ)/λ moves. Chosen by measurement (docs/controller.md): on the sweep's MLP
 * with μ = 0.9 the best constant rate ran at η·BS ≈ 0.2–0.4, where (1 − μ) alone aimed at
 * 0.15·r* and halved the rate, and (1 + μ) alone raised it into a collapse.
 */
export function edgeMomentumFactor(mu: number): number {
  return 1 - mu * mu;
}

function wait(why: 'not-converged' | 'no-curvature'): RuleOutcome {
  return { kind: 'wait', why };
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Standard error of log(mean): the mean's standard error s/√n relative to the mean (the delta
 * method); 0 below two values.
 */
function relativeError(values: readonly number[], m: number): number {
  const n = values.length;
  if (n < 2) return 0;
  const variance = values.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1);
  return Math.sqrt(variance / n) / Math.abs(m);
}
