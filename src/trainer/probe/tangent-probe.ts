import {
  MAX_EIGEN_ORDER,
  mulberry32,
  orthonormalizeColumns,
  RitzBasis,
  type RitzPair,
} from '../../dynamics/index.js';
import type { Probe } from '../../events/index.js';
import type { tf } from '../tf.js';
import { gradientCurvature, type GradientCurvature } from './batch-sharpness.js';
import { hessianVectorProduct, hvpEpsilon, type HvpContext, type HvpMode } from './hvp.js';
import { burstShapeProblem } from '../lyapunov-bursts.js';
import { DEFAULT_SHARPNESS_ITERATIONS } from '../names.js';
import { allFinite, axpy, axpyOver, innerProducts, randomOrthonormal } from './vectors.js';

/**
 * Sharpness iterations at the first probe and after a rate change of more than ×2: before the
 * first update the estimate starts from random directions, and 20 Rayleigh–Ritz rounds converge
 * it to the tolerance on the models of the tests (docs/trainer.md).
 */
export const DEFAULT_CONVERGE_ITERATIONS = 20;

/**
 * A direction less than this share outside the probe's basis is left out of it: what it adds is
 * small, and the float32 finite-difference error of its product (about u/ε₀ ≈ 6e-5 of ‖H‖, see
 * hvp.ts) would grow by the inverse of this share once orthogonalised (RitzBasis).
 */
const PROBE_SPAN_TOLERANCE = 0.1;

/** Residuals under this many times the products' measured error stop the rounds. */
const NOISE_FLOOR_FACTOR = 2;
export const DEFAULT_SHARPNESS_TOLERANCE = 1e-3;

export interface TangentProbeOptions {
  params: number;
  kLyapunov: number;
  kSharpness: number;
  hvp: HvpMode;
  eps0: number;
  /**
   * Rayleigh–Ritz rounds the sharpness may take at the first probe and after a rate change of
   * more than ×2, stopping once the residuals are under `sharpnessTolerance` (default
   * DEFAULT_CONVERGE_ITERATIONS; 1: no convergence).
   */
  convergeIterations?: number;
  /**
   * Rayleigh–Ritz rounds of every other probe, on its own minibatch, stopping early under the
   * tolerance (default DEFAULT_SHARPNESS_ITERATIONS; 1: only the products the probe has anyway).
   */
  sharpnessIterations?: number;
  /** ‖Hu − θu‖ under this share of |λ_max| stops the rounds (default 1e-3). */
  sharpnessTolerance?: number;
  /**
   * Also track the most negative curvature h_min with a warm-started vector u beside the
   * sharpness subspace, its residual expanding the basis too (one product per probe and one per
   * further round; default false, needs kSharpness > 0). The bottom of a minibatch's spectrum
   * moves from batch to batch, so h_min needs about 20 rounds per probe to be right.
   */
  minCurvature?: boolean;
  /**
   * Consecutive steps the Lyapunov subspace is carried through from the start of a burst
   * (`measure` on probed steps, `propagate` between them), each with its own minibatch Jacobian
   * (default 1: one step per probe). The trainer decides where bursts start (`lyapunovEvery`).
   */
  lyapunovBurst?: number;
  /** The burst's first steps whose exponents the processor does not count (default 0). */
  lyapunovDiscard?: number;
  /** Also measure the batch sharpness gᵀHg/gᵀg (one more HVP per probe); default true. */
  batchSharpness?: boolean;
  /** Seeds the initial directions; a stream of its own, so the probe never draws from training's. */
  seed: number;
}

export interface ProbeContext {
  readonly gradAt: (theta: tf.Tensor1D) => tf.Tensor1D;
  readonly theta: tf.Tensor1D;
  readonly thetaNorm: number;
  readonly grad: tf.Tensor1D;
  /** The step's learning rate η: the Jacobian is J = I − ηH. */
  readonly lr: number;
}

export interface MeasureOptions {
  /**
   * Measure λ_max (and h_min) at this probe (default true); false: the batch sharpness and the
   * Lyapunov step only, the sharpness subspace kept for a later probe (`ProbeSettings.sharpnessEvery`).
   */
  sharpness?: boolean;
  /**
   * Sharpness iterations at most for this probe, stopping under `sharpnessTolerance`, in place
   * of the usual choice (the trainer's warm-up probe: ProbeSettings.warmupIterations).
   */
  converge?: number;
}

/**
 * The two tangent subspaces of docs/design.md, kept across probes as float64 columns on the JS
 * side: the only per-probe transfers are k float32 uploads and k downloads of n numbers,
 * and the k×k Gram and Rayleigh matrices and the re-orthonormalisation are exact to float64
 * (Benettin's QR method loses nothing to float32 accumulation over thousands of probes).
 *
 * - Lyapunov subspace V (k_L): HV by finite differences, JV = V − ηHV, G = (JV)ᵀ(JV),
 *   R = VᵀHV, then V ← QR(JV).
 * - Batch sharpness: gᵀHg/gᵀg along the step's own gradient g (one HVP), see batch-sharpness.ts.
 * - Sharpness subspace W (k_S) and the negative-curvature vector u: Rayleigh–Ritz over
 *   span(W, u, g) on the probe's own minibatch, with the products HW, Hu and Hg (the batch
 *   sharpness's, shared), then Lanczos/Davidson rounds that add the residuals of the top and
 *   bottom Ritz pairs until they are under the tolerance or the probe's rounds are spent.
 *   Reports the Rayleigh matrix of the new W (its top Ritz vectors: λ_max) with the top
 *   residual, and the bottom Ritz value (h_min) with its own. Warm starts make this tracking:
 *   one power iteration per probe, what the probe did before, reported a wᵀHw tuned to earlier
 *   minibatches, a lower bound 12 % low at the median (docs/benchmarks.md, tracking). Rayleigh–
 *   Ritz needs no shift: it picks the algebraically largest and smallest values directly.
 */
export class TangentProbe {
  private lyapunov: Float64Array[];
  private sharpness: Float64Array[];
  private bottom: Float64Array | undefined;
  /** The rate of the last probe that measured the sharpness. */
  private lastLr: number | undefined;

  constructor(private readonly options: TangentProbeOptions) {
    const { params, kLyapunov, kSharpness } = options;
    if (Math.max(kLyapunov, kSharpness) > params) {
      throw new RangeError(
        `probe: ${Math.max(kLyapunov, kSharpness)} directions exceed the ${params} parameters`,
      );
    }
    const burstProblem = burstShapeProblem(options.lyapunovBurst ?? 1, options.lyapunovDiscard ?? 0);
    if (burstProblem !== undefined) throw new RangeError(`probe: ${burstProblem}`);
    const rng = mulberry32(options.seed);
    this.lyapunov = randomOrthonormal(params, kLyapunov, rng);
    this.sharpness = randomOrthonormal(params, kSharpness, rng);
    if (kSharpness > 0 && options.minCurvature === true && kSharpness < params) {
      this.bottom = orthonormalizeColumns([...this.sharpness, ...randomOrthonormal(params, 1, rng)]).q[
        kSharpness
      ];
    }
  }

  get lyapunovVectors(): readonly Float64Array[] {
    return this.lyapunov;
  }

  get sharpnessVectors(): readonly Float64Array[] {
    return this.sharpness;
  }

  /** Steps of a Lyapunov burst, the probe's own included. */
  get burstLength(): number {
    return this.lyapunov.length === 0 ? 1 : (this.options.lyapunovBurst ?? 1);
  }

  /**
   * One probe at θ on the step's minibatch: the batch sharpness, then λ_max (and h_min) by
   * Rayleigh–Ritz with up to `sharpnessIterations` rounds (more when converging). `lyapunovIndex`: this step's place in a Lyapunov burst (0 for its first step),
   * when one is under way, and then the Lyapunov subspace is carried through this step too;
   * null between bursts. `options.converge` sets this probe's rounds.
   */
  measure(ctx: ProbeContext, lyapunovIndex: number | null = 0, options: MeasureOptions = {}): Probe {
    const hvpContext = this.hvpContext(ctx);
    const products = productsOn(hvpContext);
    const probe: Probe = {
      eps: hvpEpsilon(this.options.eps0, ctx.thetaNorm, 1),
      hvps: 0,
    };

    if (lyapunovIndex !== null) {
      const lyapunov = this.stepLyapunov(ctx, products, lyapunovIndex);
      if (lyapunov !== undefined) {
        probe.hvps += this.lyapunov.length;
        probe.lyapunov = lyapunov;
      }
    }

    const gradient = this.options.batchSharpness !== false ? gradientCurvature(hvpContext) : undefined;
    if (gradient !== undefined) {
      probe.hvps += 1;
      if (gradient.value !== undefined) probe.batchSharpness = gradient.value;
    }

    if (this.sharpness.length > 0 && options.sharpness !== false) {
      this.measureSharpness(ctx, products, probe, gradient, options);
      this.lastLr = ctx.lr;
    }
    return probe;
  }

  /**
   * Whether a probe at rate `lr` should measure the sharpness even when not due: never measured
   * yet, or the rate moved by more than ×2 since it last was (the sharpness then converges anew).
   */
  sharpnessStale(lr: number): boolean {
    return this.sharpness.length > 0 && (this.lastLr === undefined || rateJumped(lr, this.lastLr));
  }

  /**
   * Step `index` (0 … burstLength − 1) of a Lyapunov burst on a step that is not a probe:
   * carries the Lyapunov subspace through this step's Jacobian I − ηH_t on its own minibatch,
   * k products, nothing else.
   */
  propagate(ctx: ProbeContext, index: number): Probe {
    const products = productsOn(this.hvpContext(ctx));
    const probe: Probe = { eps: hvpEpsilon(this.options.eps0, ctx.thetaNorm, 1), hvps: this.lyapunov.length };
    const lyapunov = this.stepLyapunov(ctx, products, index);
    if (lyapunov !== undefined) probe.lyapunov = lyapunov;
    return probe;
  }

  /**
   * Rayleigh–Ritz over every product this probe has on its minibatch: the sharpness subspace W,
   * the negative-curvature vector u and the step's gradient g (its product is the batch
   * sharpness's). The top Ritz value is at least max(wᵀHw, BS) and the bottom one at most uᵀHu.
   * While the top (or bottom) Ritz pair's residual is above the tolerance, and the probe has
   * iterations left, the basis grows by those residuals, one product each (Lanczos/Davidson
   * steps); W and u become the Ritz vectors, warm starts for the next probe.
   */
  private measureSharpness(
    ctx: ProbeContext,
    products: Products,
    probe: Probe,
    gradient: GradientCurvature | undefined,
    options: MeasureOptions,
  ): void {
    // Converge before the first update and after a large rate change; else sharpnessIterations.
    const converge = this.lastLr === undefined || rateJumped(ctx.lr, this.lastLr);
    const most =
      options.converge ??
      (converge
        ? (this.options.convergeIterations ?? DEFAULT_CONVERGE_ITERATIONS)
        : (this.options.sharpnessIterations ?? DEFAULT_SHARPNESS_ITERATIONS));
    const tolerance = this.options.sharpnessTolerance ?? DEFAULT_SHARPNESS_TOLERANCE;
    const w = this.sharpness;
    const k = w.length;
    const hw = products(w);
    probe.hvps += k;
    if (!allFinite(hw)) {
      // Reported as measured, non-finite entries and all: the processor counts it and moves on.
      probe.sharpness = { rayleigh: innerProducts(w, hw) };
      return;
    }
    // Room for W, u, g and a round's residuals beside them, however large k_S is.
    const basis = new RitzBasis(Math.max(MAX_EIGEN_ORDER, 2 * k + 4), PROBE_SPAN_TOLERANCE);
    // W, g and the rounds' directions and products are this probe's own (W is replaced by the Ritz
    // vectors below): the basis keeps them without copying. u is kept when it leaves the basis.
    w.forEach((column, c) => basis.add(column, hw[c] as Float64Array, true));
    if (this.bottom !== undefined) {
      const [hu] = products([this.bottom]);
      probe.hvps += 1;
      if (hu !== undefined) basis.add(this.bottom, hu);
    }
    if (gradient !== undefined) basis.add(gradient.g, gradient.hg, true);

    let iterations = 1;
    let pairs = this.extremePairs(basis, k);
    for (;;) {
      const scale = Math.abs(pairs.top[0]?.value ?? 0);
      // A residual under the products' own error (the Rayleigh matrix's asymmetry) is noise:
      // growing the basis by it chases the finite differences' error, not H.
      const floor = Math.max(tolerance * scale, NOISE_FLOOR_FACTOR * basis.asymmetry);
      const extremes = pairs.bottom === undefined ? pairs.top : [...pairs.top, pairs.bottom];
      const pending = extremes.filter((pair) => !(pair.residualNorm <= floor));
      if (pending.length === 0 || iterations >= most || !(scale > 0)) break;
      if (basis.size + pending.length > basis.capacity) basis.restart(extremes);
      const directions = pending.map(
        (pair) => axpy([pair.product], pair.value, [pair.vector])[0] as Float64Array,
      );
      const hd = products(directions);
      probe.hvps += directions.length;
      const grew = directions.map((d, i) => basis.add(d, hd[i] as Float64Array, true)).some(Boolean);
      iterations++;
      if (!grew) break;
      pairs = this.extremePairs(basis, k);
    }

    const top = pairs.top;
    const theta = top[0]?.value ?? 0;
    this.sharpness = top.map((pair) => pair.vector);
    probe.sharpness = {
      rayleigh: innerProducts(
        top.map((pair) => pair.vector),
        top.map((pair) => pair.product),
      ),
      ...(theta !== 0 && Number.isFinite(theta)
        ? { residual: (top[0]?.residualNorm ?? 0) / Math.abs(theta) }
        : {}),
      ...(iterations > 1 ? { iterations } : {}),
    };
    const bottom = pairs.bottom;
    if (bottom !== undefined) {
      this.bottom = bottom.vector;
      probe.minCurvature = {
        value: bottom.value,
        ...(bottom.value !== 0 ? { residual: bottom.residualNorm / Math.abs(bottom.value) } : {}),
      };
    }
  }

  /** The top k Ritz pairs, and the bottom one when u is tracked and the basis has room for it. */
  private extremePairs(basis: RitzBasis, k: number): { top: RitzPair[]; bottom?: RitzPair } {
    const tracked = this.bottom !== undefined && basis.size > k;
    const ranks = Array.from({ length: k }, (_, i) => i);
    const pairs = basis.ritz(tracked ? [...ranks, -1] : ranks);
    return tracked ? { top: pairs.slice(0, k), bottom: pairs[k] as RitzPair } : { top: pairs };
  }

  private hvpContext(ctx: ProbeContext): HvpContext {
    return { ...ctx, mode: this.options.hvp, eps0: this.options.eps0 };
  }

  private checkBurstIndex(index: number): void {
    if (!(Number.isInteger(index) && index >= 0 && index < this.burstLength)) {
      throw new RangeError(`probe: burst step ${index} outside 0…${this.burstLength - 1}`);
    }
  }

  /** HV, JV = V − ηHV, G = (JV)ᵀ(JV), R = VᵀHV, then V ← QR(JV) (kept when finite). */
  private stepLyapunov(
    ctx: ProbeContext,
    products: Products,
    index: number,
  ): NonNullable<Probe['lyapunov']> | undefined {
    if (this.lyapunov.length === 0) return undefined;
    this.checkBurstIndex(index);
    const v = this.lyapunov;
    const hv = products(v);
    const rayleigh = innerProducts(v, hv);
    // JV = V − ηHV, written over HV (this step's own products, not needed past R = VᵀHV).
    const jv = axpyOver(v, ctx.lr, hv);
    const probe: NonNullable<Probe['lyapunov']> = { eta: ctx.lr, gram: innerProducts(jv, jv), rayleigh };
    const length = this.burstLength;
    if (length > 1) probe.burst = { index, length, discard: this.options.lyapunovDiscard ?? 0 };
    if (!allFinite(jv)) return probe;
    this.lyapunov = orthonormalizeColumns(jv, true).q;
    return probe;
  }
}

type Products = (columns: readonly Float64Array[]) => Float64Array[];

/** A change of rate by more than ×2 either way. */
function rateJumped(lr: number, previous: number): boolean {
  return Math.abs(Math.log(lr / previous)) > Math.LN2;
}

function productsOn(ctx: HvpContext): Products {
  return (columns) => columns.map((v) => hessianVectorProduct(ctx, v).hv);
}
