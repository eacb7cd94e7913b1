import {
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
import type { EstimateEvent, Probe } from '../events/index.js';

export type EstimateFields = Omit<EstimateEvent, 'v' | 'type' | 'runId' | 'ts' | 'step' | 'lr'>;

export type ProbeOutcome = 'accepted' | 'non-finite' | 'empty';

/** A RunEstimator's whole state, for the processor's state snapshots. */
export interface RunEstimatorState {
  exponents: RollingMeanState[];
  curvatures: RollingMeanState[];
  degenerate: RollingMeanState;
  sharpness: number[];
  /** Absent in snapshots written before batch sharpness was measured. */
  batchSharpness?: number[];
  /** Absent in snapshots written before probes reported their residual. */
  sharpnessResidual?: number[];
  sharpnessFromSubspace: number;
  samples: number;
  lastEta?: number;
  diverged: boolean;
}

/**
 * One run's rolling estimates. Each probe gives k local exponents (Benettin: log of the
 * Cholesky diagonal of the Gram matrix, in the order of the tangent vectors), the k Ritz
 * values of the Lyapunov subspace ordered by expansion |1 − ηh| so that curvature[i]
 * pairs with lyapunov[i], and the top Ritz value of the sharpness subspace. The window
 * keeps the last `windowProbes` probes: exponents and curvatures are window means (the
 * finite-time Lyapunov spectrum), sharpness the window median (robust to a bad probe).
 * A change of k resets the Lyapunov window. Without a sharpness subspace, sharpness falls
 * back to the largest Lyapunov Ritz value (a lower bound of λ_max).
 */
export class RunEstimator {
  private exponents: RollingMean[] = [];
  private curvatures: RollingMean[] = [];
  private degenerate: RollingMean;
  private sharpness: RollingMedian;
  private batchSharpness: RollingMedian;
  private sharpnessResidual: RollingMedian;
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
    this.degenerate = new RollingMean(windowProbes);
  }

  addProbe(probe: Probe): ProbeOutcome {
    const { lyapunov, sharpness } = probe;
    if (lyapunov === undefined && sharpness === undefined) return 'empty';
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
      if (k !== this.exponents.length) this.resetLyapunov(k);
      const local = localExponents(lyapunov.gram);
      const ritz = orderByExpansion(ritzValues(lyapunov.rayleigh), lyapunov.eta);
      for (let i = 0; i < k; i++) {
        this.exponents[i]?.push(local.exponents[i] ?? 0);
        this.curvatures[i]?.push(ritz[i] ?? 0);
      }
      this.degenerate.push(local.degenerate ? 1 : 0);
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
    this.samples++;
    return 'accepted';
  }

  snapshot(lr: number): EstimateFields {
    const lyapunov = this.exponents.map((m) => m.mean ?? 0);
    const curvature = this.curvatures.map((m) => m.mean ?? 0);
    const window = Math.max(this.exponents[0]?.size ?? 0, this.sharpness.size);
    const sharpness = this.sharpness.median ?? 0;
    const ratio = lr > 0 ? stabilityRatio(lr, sharpness) : 0;
    const fields: EstimateFields = {
      window,
      lyapunov,
      curvature,
      sharpness,
      stabilityRatio: ratio,
      regime: this.regime(lyapunov, window, this.sharpness.size > 0 ? ratio : undefined),
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
    }
    if (this.sharpness.size > 0 && lr > 0) {
      fields.predictedStabilityExponent = predictedExponent(lr, sharpness);
    }
    const residual = this.sharpnessResidual.median;
    if (residual !== undefined) fields.sharpnessResidual = residual;
    const batchSharpness = this.batchSharpness.median;
    if (batchSharpness !== undefined) {
      fields.batchSharpness = batchSharpness;
      fields.batchStabilityRatio = lr * batchSharpness;
    }
    if ((this.degenerate.mean ?? 0) > 0) fields.degenerate = true;
    return fields;
  }

  private regime(lyapunov: number[], window: number, ratio: number | undefined): Regime {
    const input: Parameters<typeof classifyRegime>[0] = { diverged: this.diverged, samples: window };
    if (lyapunov.length > 0) input.topExponent = Math.max(...lyapunov);
    if (ratio !== undefined) input.stabilityRatio = ratio;
    return classifyRegime(input, this.thresholds);
  }

  state(): RunEstimatorState {
    const state: RunEstimatorState = {
      exponents: this.exponents.map((m) => m.state()),
      curvatures: this.curvatures.map((m) => m.state()),
      degenerate: this.degenerate.state(),
      sharpness: this.sharpness.values(),
      sharpnessFromSubspace: this.sharpnessFromSubspace,
      samples: this.samples,
      diverged: this.diverged,
    };
    if (this.lastEta !== undefined) state.lastEta = this.lastEta;
    if (this.batchSharpness.size > 0) state.batchSharpness = this.batchSharpness.values();
    if (this.sharpnessResidual.size > 0) state.sharpnessResidual = this.sharpnessResidual.values();
    return state;
  }

  /** An estimator that continues exactly as the one whose `state()` this is. */
  static fromState(
    windowProbes: number,
    thresholds: RegimeThresholds,
    state: RunEstimatorState,
  ): RunEstimator {
    const e = new RunEstimator(windowProbes, thresholds);
    e.exponents = state.exponents.map((m) => RollingMean.fromState(windowProbes, m));
    e.curvatures = state.curvatures.map((m) => RollingMean.fromState(windowProbes, m));
    e.degenerate = RollingMean.fromState(windowProbes, state.degenerate);
    e.sharpness = RollingMedian.fromValues(windowProbes, state.sharpness);
    e.batchSharpness = RollingMedian.fromValues(windowProbes, state.batchSharpness ?? []);
    e.sharpnessResidual = RollingMedian.fromValues(windowProbes, state.sharpnessResidual ?? []);
    e.sharpnessFromSubspace = state.sharpnessFromSubspace;
    e.samples = state.samples;
    e.lastEta = state.lastEta;
    e.diverged = state.diverged;
    return e;
  }

  private resetLyapunov(k: number): void {
    this.exponents = Array.from({ length: k }, () => new RollingMean(this.windowProbes));
    this.curvatures = Array.from({ length: k }, () => new RollingMean(this.windowProbes));
    this.degenerate = new RollingMean(this.windowProbes);
  }
}
