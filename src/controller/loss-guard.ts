import { RollingMedian } from '../dynamics/index.js';
import type { EstimateEvent } from '../events/index.js';
import type { ControllerConfig } from './config.js';

/** A raise being judged: the rates on both sides and the loss before it. */
interface Judged {
  readonly step: number;
  readonly from: number;
  readonly to: number;
  readonly lossBefore: number;
  readonly after: number[];
  /** Estimates seen while the run still used `from` (the command not applied yet). */
  unapplied: number;
}

/**
 * The loss-aware guard of every rule (pure, one per run): it remembers what a raise cost.
 *
 * When a command raises η from `from` to `to`, the guard takes the median of the last
 * `guardEstimates` losses before it, then collects the losses of the estimates that ran at
 * `to` (the command applied). If all `guardEstimates` of them lie above the loss before and
 * their median is more than `guardLossRise` (relative) above it, or any one of them is more than three
 * times it (one minibatch loss can be twice the median) or not finite, the raise is undone (back to `from`), and √(from·to) becomes a ceiling on
 * later raises. The ceiling relaxes by a factor e every `ceilingRelaxSteps` steps, so a rate
 * that hurt early can be tried again much later, when the loss landscape has changed.
 * While a raise is judged the rule makes no other raise.
 */
export class LossGuard {
  private readonly recent: number[] = [];
  private judged: Judged | undefined;
  private ceilingLr = Infinity;
  private ceilingStep = 0;

  constructor(private readonly config: Readonly<ControllerConfig>) {}

  /** True while a raise waits for its verdict. */
  get judging(): boolean {
    return this.judged !== undefined;
  }

  /** The ceiling on raises at `step` (Infinity without one). */
  ceiling(step: number): number {
    if (!Number.isFinite(this.ceilingLr)) return Infinity;
    return this.ceilingLr * Math.exp((step - this.ceilingStep) / this.config.ceilingRelaxSteps);
  }

  /** A raise from `from` to `to` was commanded at `step`. */
  raised(step: number, from: number, to: number): void {
    if (!this.config.guard) return;
    const lossBefore = median(this.recent);
    if (lossBefore === undefined) return;
    this.judged = { step, from, to, lossBefore, after: [], unapplied: 0 };
  }

  /**
   * Reads one estimate's loss; returns the rate to go back to when the raise under judgement
   * is found to have cost loss.
   */
  observe(e: EstimateEvent): { lr: number } | undefined {
    const loss = e.loss ?? Number.NaN;
    const verdict = this.judge(e, loss);
    if (Number.isFinite(loss)) {
      this.recent.push(loss);
      if (this.recent.length > this.config.guardEstimates) this.recent.shift();
    }
    return verdict;
  }

  private judge(e: EstimateEvent, loss: number): { lr: number } | undefined {
    const j = this.judged;
    if (j === undefined || e.step <= j.step) return undefined;
    if (sameRate(e.lr, j.from)) {
      // Not applied yet; a raise never applied (advise mode, a refused command) is not judged.
      if (++j.unapplied > this.config.guardEstimates) this.judged = undefined;
      return undefined;
    }
    if (!sameRate(e.lr, j.to)) {
      this.judged = undefined; // another change overtook it
      return undefined;
    }
    const blewUp = !Number.isFinite(loss) || loss > 3 * j.lossBefore || e.regime === 'diverged';
    if (Number.isFinite(loss)) j.after.push(loss);
    if (!blewUp && j.after.length < this.config.guardEstimates) return undefined;
    this.judged = undefined;
    // A rise, not noise: every loss after the raise above the median before it (by chance
    // one time in 2^guardEstimates), and their median above it by more than guardLossRise.
    const after = median(j.after) ?? Number.POSITIVE_INFINITY;
    const rose =
      j.after.every((l) => l > j.lossBefore) && after > j.lossBefore * (1 + this.config.guardLossRise);
    if (!blewUp && !rose) return undefined;
    const ceiling = Math.sqrt(j.from * j.to);
    this.ceilingLr = Math.min(this.ceiling(e.step), ceiling);
    this.ceilingStep = e.step;
    return { lr: j.from };
  }
}

function sameRate(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function median(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : RollingMedian.fromValues(values.length, values).median;
}
