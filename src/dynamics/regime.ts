// Regime classification of a training run from its rolling estimates, written as a rule table.

export const REGIMES = ['converging', 'edge', 'unstable', 'chaotic', 'diverged', 'unknown'] as const;
export type Regime = (typeof REGIMES)[number];

export interface RegimeThresholds {
  /** Probes a window needs before any regime other than diverged/unknown is claimed. */
  minSamples: number;
  /** η·λ_max from which training is at the edge of stability. */
  edgeRatio: number;
  /** η·λ_max above which the sharpest direction expands: gradient descent's bound is 2. */
  unstableRatio: number;
  /** Top Lyapunov exponent (per step) above which nearby trajectories separate. */
  chaoticExponent: number;
  /**
   * With fewer than `minSamples` probes, a stability ratio above this is `unstable` already: a
   * rate so far past the bound that one probe settles it (a run started at 40× its rate blows up
   * at its first update, before a third probe). The default, 8 (four times the bound), leaves
   * room for a catapult start: a run started a few times past the edge leaves the sharp region
   * within a few tens of steps and trains (Lewkowycz et al., 2020), as the best rate of the alert
   * benchmark's MSE runs does from η·BS 2–6.5. Absent: no early verdict, `unknown` as before.
   */
  earlyUnstableRatio?: number | undefined;
}

export const DEFAULT_REGIME_THRESHOLDS: Readonly<RegimeThresholds> = Object.freeze({
  minSamples: 3,
  edgeRatio: 1.8,
  unstableRatio: 2,
  chaoticExponent: 1e-3,
  earlyUnstableRatio: 8,
});

/** Non-finite topExponent / stabilityRatio count as unknown (absent), never as a comparison. */
export interface RegimeInput {
  diverged: boolean;
  samples: number;
  topExponent?: number | undefined;
  stabilityRatio?: number | undefined;
  /**
   * Heavy-ball momentum μ: the step's stability bound moves from η·λ_max = 2 to 2(1 + μ), and
   * the edge and unstable thresholds scale by (1 + μ). Absent: 0.
   */
  momentum?: number | undefined;
}

/** The edge of a run with momentum μ, in units of the plain-SGD thresholds. */
const momentumScale = (momentum: number | undefined): number => 1 + (momentum ?? 0);
const scale = (i: RegimeInput): number => momentumScale(i.momentum);

/**
 * The stability bound a run's ratio is judged against: `unstableRatio` (2), or 2(1 + μ) with
 * heavy-ball momentum μ. The in-process instability alert and the `lyap_stability_bound` gauge
 * (which the Prometheus rules compare with) both take it from here.
 */
export function stabilityBound(
  momentum: number | undefined,
  thresholds: Readonly<RegimeThresholds> = DEFAULT_REGIME_THRESHOLDS,
): number {
  return thresholds.unstableRatio * momentumScale(momentum);
}

export interface RegimeRule {
  readonly regime: Regime;
  readonly when: (input: RegimeInput, t: Readonly<RegimeThresholds>) => boolean;
}

const known = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);

/** Past `earlyUnstableRatio`: unstable on any number of probes. */
const clearlyUnstable = (i: RegimeInput, t: Readonly<RegimeThresholds>): boolean =>
  t.earlyUnstableRatio !== undefined &&
  known(i.stabilityRatio) &&
  i.stabilityRatio > t.earlyUnstableRatio * scale(i);

/** Checked in order; the first rule that holds names the regime. */
export const REGIME_RULES: readonly RegimeRule[] = Object.freeze([
  // A NaN/Infinity loss or gradient: nothing else is meaningful.
  { regime: 'diverged', when: (i) => i.diverged },
  // Too few probes in the window (unless the rate is far past the bound), or nothing measured yet.
  {
    regime: 'unknown',
    when: (i, t) =>
      (!(i.samples >= t.minSamples) && !clearlyUnstable(i, t)) ||
      (!known(i.topExponent) && !known(i.stabilityRatio)),
  },
  // η·λ_max > 2: |1 − ηλ_max| > 1, the step overshoots and the sharpest direction expands
  // (with heavy-ball momentum μ, past 2(1 + μ)).
  {
    regime: 'unstable',
    when: (i, t) => known(i.stabilityRatio) && i.stabilityRatio > t.unstableRatio * scale(i),
  },
  // Just below the bound: the edge of stability, where full-batch training tends to settle.
  { regime: 'edge', when: (i, t) => known(i.stabilityRatio) && i.stabilityRatio >= t.edgeRatio * scale(i) },
  // Stable step, yet trajectories separate: expansion driven by negative curvature (1 − ηh > 1).
  { regime: 'chaotic', when: (i, t) => known(i.topExponent) && i.topExponent > t.chaoticExponent },
  { regime: 'converging', when: () => true },
]);

export function validateRegimeThresholds(t: Readonly<RegimeThresholds>): string[] {
  const problems: string[] = [];
  for (const key of ['minSamples', 'edgeRatio', 'unstableRatio', 'chaoticExponent'] as const) {
    if (!Number.isFinite(t[key])) problems.push(`${key} must be finite, got ${t[key]}`);
  }
  const early = t.earlyUnstableRatio;
  if (early !== undefined && !(Number.isFinite(early) && early >= t.unstableRatio)) {
    problems.push(`earlyUnstableRatio must be finite and ≥ unstableRatio (${t.unstableRatio}), got ${early}`);
  }
  if (!(Number.isSafeInteger(t.minSamples) && t.minSamples >= 1)) {
    problems.push(`minSamples must be a positive integer, got ${t.minSamples}`);
  }
  if (!(t.edgeRatio > 0)) problems.push(`edgeRatio must be > 0, got ${t.edgeRatio}`);
  if (t.edgeRatio > t.unstableRatio) {
    problems.push(`edgeRatio (${t.edgeRatio}) must not exceed unstableRatio (${t.unstableRatio})`);
  }
  if (!(t.chaoticExponent >= 0)) problems.push(`chaoticExponent must be ≥ 0, got ${t.chaoticExponent}`);
  return problems;
}

/** Frozen threshold objects already validated (classification sits on the hot path). */
const VALIDATED = new WeakSet<object>();

/** Throws RangeError listing the problems when the thresholds are invalid (a configuration bug). */
export function classifyRegime(
  input: RegimeInput,
  thresholds: Readonly<RegimeThresholds> = DEFAULT_REGIME_THRESHOLDS,
): Regime {
  if (thresholds !== DEFAULT_REGIME_THRESHOLDS && !VALIDATED.has(thresholds)) {
    const problems = validateRegimeThresholds(thresholds);
    if (problems.length > 0)
      throw new RangeError(`classifyRegime: invalid thresholds: ${problems.join('; ')}`);
    if (Object.isFrozen(thresholds)) VALIDATED.add(thresholds);
  }
  return REGIME_RULES.find((rule) => rule.when(input, thresholds))?.regime ?? 'converging';
}
