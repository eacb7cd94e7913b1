import {
  BurstMeans,
  classifyRegime,
  invertExponent,
  isFiniteMatrix,
  localExponents,
  orderByExpansion,
  predictedExponent,
  ritzValues,
  RollingMean,
  RollingMedian,
  type RollingMeanState,
  stabilityRatio,
  type Regime,
  type RegimeThresholds,
} from '../dynamics/index.js';
import {
  countsTowardExponent,
  judgedStabilityRatio,
  type EstimateEvent,
  type Probe,
} from '../events/index.js';

export type EstimateFields = Omit<EstimateEvent, 'v' | 'type' | 'runId' | 'ts' | 'step' | 'lr'>;

/**
 * `folded`: a Lyapunov burst's later step (only the tangent subspace, no sharpness): taken into
 * the state, but it brings nothing an estimate of its own would show before the burst ends.
 */
export type ProbeOutcome = 'accepted' | 'folded' | 'non-finite' | 'empty';

/** A RunEstimator's whole state, for the processor's state snapshots. */
export interface RunEstimatorState {
  /** Rolling windows of burst means (a probe without a burst is a burst of one). */
  exponents: RollingMeanState[];
  curvatures: RollingMeanState[];
  /** The Lyapunov burst under way, if any (absent in snapshots written before bursts). */
  openBurst?: { exponents: number[]; curvatures: number[]; count: number };
  degenerate: RollingMeanState;
  sharpness: number[];
  /** Absent in snapshots written before batch sharpness was measured. */
  batchSharpness?: number[];
  /** Absent in snapshots written before probes reported their residual. */
  sharpnessResidual?: number[];
  /** Absent in snapshots written before probes tracked h_min. */
  minCurvature?: number[];
  sharpnessFromSubspace: number;
  samples: number;
  lastEta?: number;
  diverged: boolean;
}

/**
 * One run's rolling estimates. Each probe gives k local exponents (Benettin: log of the
 * Cholesky diagonal of the Gram matrix, in the order of the tangent vectors), the k Ritz
 * values of the Lyapunov subspace ordered by expansion |1 − ηh| so that curvature[i]
 * pairs with lyapunov[i], and the top Ritz value of the sharpness subspace.
 *
 * Lyapunov bursts (`probe.lyapunov.burst`): the tangent subspace is carried through K
 * consecutive steps; the first `discard` of them only re-align it (their exponents are not
 * counted) and the mean of the others is one sample of the exponent. A probe without a burst is
 * a burst of one. The window keeps the last `windowProbes` bursts: exponents and curvatures
 * are window means of the burst means (the finite-time Lyapunov spectrum), with their standard
 * error over bursts (batch means); sharpness is the window median (robust to a bad probe).
 * A change of k resets the Lyapunov window. Without a sharpness subspace, sharpness falls
 * back to the largest Lyapunov Ritz value (a lower bound of λ_max).
 */
export class RunEstimator {
  private exponents: BurstMeans;
  private curvatures: BurstMeans;
  private degenerate: RollingMean;
  private sharpness: RollingMedian;
  private batchSharpness: RollingMedian;
  private sharpnessResidual: RollingMedian;
  private minCurvature: RollingMedian;
  private sharpnessFromSubspace = 0;
  private samples = 0;
  private lastEta: number | undefined;
  diverged = false;

  constructor(
    private readonly windowProbes: number,
    private readonly thresholds: RegimeThresholds,
  ) {
    this.sharpness = new RollingMedian(windowProbes);
    this.batchSharpness = new RollingMedian(windowProbes);
    this.sharpnessResidual = new RollingMedian(windowProbes);
    this.minCurvature = new RollingMedian(windowProbes);
    // No Lyapunov subspace until the first probe says its size k.
    this.exponents = new BurstMeans(windowProbes, 0);
    this.curvatures = new BurstMeans(windowProbes, 0);
    this.degenerate = new RollingMean(windowProbes);
  }

  addProbe(probe: Probe): ProbeOutcome {
    const { lyapunov, sharpness } = probe;
    if (lyapunov === undefined && sharpness === undefined && probe.batchSharpness === undefined)
      return 'empty';
    if (
      (lyapunov !== undefined && (!isFiniteMatrix(lyapunov.gram) || !isFiniteMatrix(lyapunov.rayleigh))) ||
      (sharpness !== undefined && !isFiniteMatrix(sharpness.rayleigh))
    ) {
      this.diverged = true;
      return 'non-finite';
    }
    let fallbackSharpness: number | undefined;
    if (lyapunov !== undefined) {
      const k = lyapunov.gram.length;
      if (k !== this.exponents.k) this.resetLyapunov(k);
      const burst = lyapunov.burst;
      // A burst's first step (or a probe on its own) ends whatever burst was under way.
      if (burst === undefined || burst.index === 0) this.closeBurst();
      const ritz = orderByExpansion(ritzValues(lyapunov.rayleigh), lyapunov.eta);
      if (countsTowardExponent(lyapunov)) {
        const local = localExponents(lyapunov.gram);
        const exponents = new Array<number>(k);
        const curvatures = new Array<number>(k);
        for (let i = 0; i < k; i++) {
          exponents[i] = local.exponents[i] ?? 0;
          curvatures[i] = ritz[i] ?? 0;
        }
        this.exponents.add(exponents);
        this.curvatures.add(curvatures);
        this.degenerate.push(local.degenerate ? 1 : 0);
      }
      if (burst === undefined || burst.index === burst.length - 1) this.closeBurst();
      this.lastEta = lyapunov.eta;
      fallbackSharpness = Math.max(...ritz);
    }
    if (sharpness !== undefined) {
      this.sharpness.push(ritzValues(sharpness.rayleigh)[0] ?? 0);
      if (sharpness.residual !== undefined) this.sharpnessResidual.push(sharpness.residual);
      this.sharpnessFromSubspace++;
    } else if (fallbackSharpness !== undefined && this.sharpnessFromSubspace === 0) {
      this.sharpness.push(fallbackSharpness);
    }
    if (probe.batchSharpness !== undefined && Number.isFinite(probe.batchSharpness)) {
      this.batchSharpness.push(probe.batchSharpness);
    }
    if (probe.minCurvature !== undefined) this.minCurvature.push(probe.minCurvature.value);
    this.samples++;
    const continues = (lyapunov?.burst?.index ?? 0) > 0 && sharpness === undefined;
    return continues && probe.batchSharpness === undefined ? 'folded' : 'accepted';
  }

  /** The estimate's fields at rate `lr`; `momentum`: the run's heavy-ball μ (moves the edge). */
  snapshot(lr: number, momentum = 0): EstimateFields {
    const lyapunov = this.exponents.means;
    const curvature = this.curvatures.means;
    const window = Math.max(this.exponents.bursts, this.sharpness.size, this.batchSharpness.size);
    const sharpness = this.sharpness.median ?? 0;
    const ratio = lr > 0 ? stabilityRatio(lr, sharpness) : 0;
    // The stability side is judged on SGD's own edge, η·BS, when the probes measure the batch
    // sharpness: λ_max of a minibatch may stand well past 2/η while the step is stable along the
    // direction it takes (Andreyev & Beneventano, 2024; measured on `npm start`'s healthy runs
    // with λ_max converged at every probe: η·λ_max 2.1 at the median, η·BS 0.9). Without the
    // batch sharpness, on η·λ_max.
    const batchMedian = this.batchSharpness.median;
    const batchRatio = batchMedian !== undefined && lr > 0 ? lr * batchMedian : undefined;
    const judged =
      batchRatio !== undefined || this.sharpness.size > 0
        ? judgedStabilityRatio({ stabilityRatio: ratio, batchStabilityRatio: batchRatio })
        : undefined;
    const fields: EstimateFields = {
      window,
      lyapunov,
      curvature,
      sharpness,
      stabilityRatio: ratio,
      regime: this.regime(lyapunov, window, judged, momentum),
      samples: this.samples,
      sharpnessSamples: this.sharpnessFromSubspace,
    };
    const eta = this.lastEta;
    if (eta !== undefined && lyapunov.length > 0) {
      fields.predictedLyapunov = curvature.map((h) => predictedExponent(eta, h));
      fields.invertedCurvature = lyapunov.map((lambda, i) => invertExponent(lambda, eta, curvature[i] ?? 0));
      // The top direction's curvature says which side of σ₁(I − ηH) = max(|1 − ηλ_max|, 1 + η|λ_min|)
      // the measured exponent is on: negative curvature (exploration) or the stability side.
      const top = curvature[0];
      if (top !== undefined) fields.exponentSide = top < 0 ? 'negative-curvature' : 'stability';
      const errors = this.exponents.standardErrors;
      if (errors !== undefined) fields.lyapunovStdError = errors;
    }
    if (this.sharpness.size > 0 && lr > 0) {
      fields.predictedStabilityExponent = predictedExponent(lr, sharpness);
    }
    const residual = this.sharpnessResidual.median;
    if (residual !== undefined) fields.sharpnessResidual = residual;
    if (batchMedian !== undefined) {
      fields.batchSharpness = batchMedian;
      fields.batchStabilityRatio = lr * batchMedian;
    }
    const minCurvature = this.minCurvature.median;
    if (minCurvature !== undefined) {
      fields.minCurvature = minCurvature;
      if (lr > 0) fields.predictedCurvatureExponent = Math.log1p(lr * Math.max(0, -minCurvature));
    }
    if ((this.degenerate.mean ?? 0) > 0) fields.degenerate = true;
    return fields;
  }

  private regime(lyapunov: number[], window: number, ratio: number | undefined, momentum: number): Regime {
    const input: Parameters<typeof classifyRegime>[0] = { diverged: this.diverged, samples: window };
    if (momentum > 0) input.momentum = momentum;
    if (lyapunov.length > 0) input.topExponent = Math.max(...lyapunov);
    if (ratio !== undefined) input.stabilityRatio = ratio;
    return classifyRegime(input, this.thresholds);
  }

  state(): RunEstimatorState {
    const exponents = this.exponents.state();
    const curvatures = this.curvatures.state();
    const state: RunEstimatorState = {
      exponents: exponents.means,
      curvatures: curvatures.means,
      degenerate: this.degenerate.state(),
      sharpness: this.sharpness.values(),
      sharpnessFromSubspace: this.sharpnessFromSubspace,
      samples: this.samples,
      diverged: this.diverged,
    };
    if (exponents.open !== undefined && curvatures.open !== undefined) {
      state.openBurst = {
        exponents: exponents.open.sums,
        curvatures: curvatures.open.sums,
        count: exponents.open.count,
      };
    }
    if (this.lastEta !== undefined) state.lastEta = this.lastEta;
    if (this.batchSharpness.size > 0) state.batchSharpness = this.batchSharpness.values();
    if (this.sharpnessResidual.size > 0) state.sharpnessResidual = this.sharpnessResidual.values();
    if (this.minCurvature.size > 0) state.minCurvature = this.minCurvature.values();
    return state;
  }

  /** An estimator that continues exactly as the one whose `state()` this is. */
  static fromState(
    windowProbes: number,
    thresholds: RegimeThresholds,
    state: RunEstimatorState,
  ): RunEstimator {
    const e = new RunEstimator(windowProbes, thresholds);
    const open = state.openBurst;
    e.exponents = BurstMeans.fromState(windowProbes, {
      means: state.exponents,
      ...(open === undefined ? {} : { open: { sums: open.exponents, count: open.count } }),
    });
    e.curvatures = BurstMeans.fromState(windowProbes, {
      means: state.curvatures,
      ...(open === undefined ? {} : { open: { sums: open.curvatures, count: open.count } }),
    });
    e.degenerate = RollingMean.fromState(windowProbes, state.degenerate);
    e.sharpness = RollingMedian.fromValues(windowProbes, state.sharpness);
    e.batchSharpness = RollingMedian.fromValues(windowProbes, state.batchSharpness ?? []);
    e.sharpnessResidual = RollingMedian.fromValues(windowProbes, state.sharpnessResidual ?? []);
    e.minCurvature = RollingMedian.fromValues(windowProbes, state.minCurvature ?? []);
    e.sharpnessFromSubspace = state.sharpnessFromSubspace;
    e.samples = state.samples;
    e.lastEta = state.lastEta;
    e.diverged = state.diverged;
    return e;
  }

  private resetLyapunov(k: number): void {
    this.exponents = new BurstMeans(this.windowProbes, k);
    this.curvatures = new BurstMeans(this.windowProbes, k);
    this.degenerate = new RollingMean(this.windowProbes);
  }

  private closeBurst(): void {
    this.exponents.close();
    this.curvatures.close();
  }
}
